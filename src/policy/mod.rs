//! The policy model: named value types and actions with their options, as
//! read from a policy file (SPEC "The policy file").
//!
//! [`Policy::parse`] reads the text form and reports every error with its
//! line and column; `Display` prints a policy that parses back to an equal
//! one.

mod display;
mod json;
mod parse;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::identity::UserGroup;
use crate::sandbox::{Caps, ExecMode, Limits, NetAccess, SandboxMode, SeccompSpec};
use crate::template::{Arity, Piece, Template};
use crate::value::ValueType;

pub use parse::{
    MAX_ACTIONS, MAX_DIAGNOSTICS, MAX_LINE_LEN, MAX_LIST_ITEMS, MAX_POLICY_SIZE,
    MAX_RESOLVED_TYPES_SIZE, MAX_TYPES,
};

/// A parsed, valid policy.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Policy {
    /// Where requests are recorded (`audit ...`).
    pub audit: AuditTarget,
    /// Named types in order of definition.
    pub types: Vec<NamedType>,
    /// Actions in order of definition.
    pub actions: Vec<Action>,
}

/// `type NAME = BASE PARAM...`
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct NamedType {
    /// The type's name.
    pub name: String,
    /// Its definition.
    pub ty: ValueType,
    /// 1-based line of the definition.
    pub line: usize,
}

/// Where the audit log goes (`audit file PATH | syslog | none`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AuditTarget {
    /// No `audit` line: the caller decides (the CLI's `--audit FILE`).
    #[default]
    Unset,
    /// Append JSON lines to this file.
    File(PathBuf),
    /// Send each record to syslog (`LOG_AUTHPRIV`).
    Syslog,
    /// Record nothing.
    None,
}

/// Who may run an action through `execward-helper` (`allow ...`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Allow {
    /// `allow user=NAME`
    User(String),
    /// `allow group=NAME` (the caller's real gid or a supplementary group)
    Group(String),
    /// `allow uid=N`
    Uid(u32),
    /// `allow gid=N`
    Gid(u32),
}

/// What the child reads (`stdin none | inherit | TEMPLATE`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum StdinSpec {
    /// No `stdin` line: `/dev/null` for the library and the helper; the
    /// tool's own stdin for `execward run` (SPEC: "the child's
    /// stdin/stdout/stderr are the tool's own unless the action says
    /// `stdin ...`").
    #[default]
    Unset,
    /// `stdin none`: `/dev/null`.
    Null,
    /// The caller's standard input.
    Inherit,
    /// A text built from placeholders; the child reads it followed by one
    /// newline. `Hole(i)` indexes [`Action::params`].
    Template(Vec<Piece>),
}

/// A path in an `fs` rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FsPath {
    /// A literal absolute path.
    Path(PathBuf),
    /// `{name}`: the validated value of a `path` placeholder of this request.
    Param(String),
}

/// The `fs` rules of an action.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub struct FsRules {
    /// `fs read ...`; `None`: SPEC's default read set. Any `fs read` line
    /// replaces the default set.
    pub read: Option<Vec<FsPath>>,
    /// `fs write ...` (write implies read).
    pub write: Vec<FsPath>,
    /// `fs exec ...`
    pub exec: Vec<FsPath>,
}

/// A placeholder of an action with its resolved type.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Param {
    /// The placeholder's name.
    pub name: String,
    /// The type name as written.
    pub type_name: String,
    /// The resolved type.
    pub ty: ValueType,
    /// How many arguments it takes.
    pub arity: Arity,
    /// True if it appears in the `stdin` template (not in argv).
    pub in_stdin: bool,
}

/// One action: a template and its options.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Action {
    /// The action's name.
    pub name: String,
    /// The argv template.
    pub template: Template,
    /// Every placeholder: the template's in order, then the stdin
    /// template's. Caller arguments fill them in this order.
    pub params: Vec<Param>,
    /// `allow` lines.
    pub allow: Vec<Allow>,
    /// `run-as USER[:GROUP]`; `None`: the caller.
    pub run_as: Option<UserGroup>,
    /// `timeout` (default 60 s).
    pub timeout: Duration,
    /// `stdin`.
    pub stdin: StdinSpec,
    /// `env NAME=VALUE...` in order; `PATH` is always added.
    pub env: Vec<(String, String)>,
    /// `cwd` (default `/`).
    pub cwd: PathBuf,
    /// `fs` rules.
    pub fs: FsRules,
    /// `net` (default none).
    pub net: NetAccess,
    /// `seccomp` (default `default`).
    pub seccomp: SeccompSpec,
    /// `limit` (defaults per [`Limits::default`]).
    pub limits: Limits,
    /// `sandbox` (default `required`).
    pub sandbox: SandboxMode,
    /// `caps NAME...`: capabilities a root child keeps beyond
    /// [`Caps::ROOT_DEFAULT`] (default none).
    pub caps: Caps,
    /// `exec once | many`; `None`: once, or many when `fs exec` lists
    /// paths ([`crate::sandbox::SandboxSpec::exec_mode`]).
    pub exec: Option<ExecMode>,
    /// 1-based line of the `action` line.
    pub line: usize,
}

impl Param {
    /// A placeholder `name` of type `type_name` (resolved to `ty`) taking
    /// `arity` arguments, in the argv template (not in `stdin`).
    pub fn new(
        name: impl Into<String>,
        type_name: impl Into<String>,
        ty: ValueType,
        arity: Arity,
    ) -> Param {
        Param {
            name: name.into(),
            type_name: type_name.into(),
            ty,
            arity,
            in_stdin: false,
        }
    }
}

/// The default wall-clock limit of an action.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

impl Action {
    /// A new action with SPEC's defaults for every option.
    pub fn new(name: impl Into<String>, template: Template, params: Vec<Param>) -> Action {
        Action {
            name: name.into(),
            template,
            params,
            allow: Vec::new(),
            run_as: None,
            timeout: DEFAULT_TIMEOUT,
            stdin: StdinSpec::Unset,
            env: Vec::new(),
            cwd: PathBuf::from("/"),
            fs: FsRules::default(),
            net: NetAccess::none(),
            seccomp: SeccompSpec::default(),
            limits: Limits::default(),
            sandbox: SandboxMode::Required,
            caps: Caps::NONE,
            exec: None,
            line: 0,
        }
    }

    /// What `execward list` and `execward-helper --list` print for this
    /// action: the usage line, then one line per placeholder with its type
    /// (`    svc: service = enum nginx postfix`). Ends with a newline.
    pub fn list_entry(&self) -> String {
        let mut s = self.usage();
        s.push('\n');
        for p in &self.params {
            s.push_str(&format!("    {}: {} = {}\n", p.name, p.type_name, p.ty));
        }
        s
    }

    /// A one-line usage: `NAME {svc:service} {n:uint?}`.
    pub fn usage(&self) -> String {
        let mut s = self.name.clone();
        for p in &self.params {
            let suffix = match p.arity {
                Arity::One => "",
                Arity::Optional => "?",
                Arity::Variadic => "...",
            };
            s.push_str(&format!(" {{{}:{}{}}}", p.name, p.type_name, suffix));
        }
        s
    }
}

/// One error found in a policy file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Diagnostic {
    /// 1-based line.
    pub line: usize,
    /// 1-based column (characters).
    pub col: usize,
    /// What is wrong.
    pub message: String,
}

impl Diagnostic {
    /// Formats as `FILE:LINE:COL: error: MESSAGE`.
    pub fn render(&self, file: &str) -> String {
        format!("{file}:{}:{}: error: {}", self.line, self.col, self.message)
    }
}

/// Errors of the policy layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The policy path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The policy has errors (every one is listed).
    #[error("{}", render_all(file, diagnostics))]
    Invalid {
        /// The file name used in diagnostics.
        file: String,
        /// Every error, in file order.
        diagnostics: Vec<Diagnostic>,
    },
    /// No action of that name.
    #[error("no action named {0:?}")]
    UnknownAction(String),
}

fn render_all(file: &str, diags: &[Diagnostic]) -> String {
    diags
        .iter()
        .map(|d| d.render(file))
        .collect::<Vec<_>>()
        .join("\n")
}

impl Policy {
    /// Parses a policy from its text.
    ///
    /// # Errors
    /// Every error found, each with its line and column.
    pub fn parse(src: &str) -> Result<Policy, Vec<Diagnostic>> {
        parse::parse(src)
    }

    /// Parses a policy from raw bytes (refusing invalid UTF-8 with a
    /// diagnostic at the first bad byte).
    ///
    /// # Errors
    /// Every error found, each with its line and column.
    pub fn parse_bytes(src: &[u8]) -> Result<Policy, Vec<Diagnostic>> {
        parse::parse_bytes(src)
    }

    /// Reads and parses the policy file at `path`.
    ///
    /// # Errors
    /// [`PolicyError::Io`] or [`PolicyError::Invalid`].
    pub fn load(path: impl AsRef<Path>) -> Result<Policy, PolicyError> {
        let path = path.as_ref();
        let bytes = read_limited(path)?;
        Policy::parse_bytes(&bytes).map_err(|diagnostics| PolicyError::Invalid {
            file: path.display().to_string(),
            diagnostics,
        })
    }

    /// The action called `name`.
    ///
    /// # Errors
    /// [`PolicyError::UnknownAction`].
    pub fn action(&self, name: &str) -> Result<&Action, PolicyError> {
        self.actions.iter().find(|a| a.name == name).ok_or_else(|| {
            #[cfg(feature = "tracing")]
            tracing::warn!(
                target: "execward",
                action = %crate::value::show_value(name.as_bytes()),
                decision = "denied",
                code = "unknown_action",
                "execward: refused an unknown action"
            );
            PolicyError::UnknownAction(name.to_string())
        })
    }

    /// The named type `name`, if defined.
    pub fn named_type(&self, name: &str) -> Option<&ValueType> {
        self.types.iter().find(|t| t.name == name).map(|t| &t.ty)
    }
}

/// Reads at most [`MAX_POLICY_SIZE`] + 1 bytes, so an oversized file is
/// detected without reading it whole.
fn read_limited(path: &Path) -> Result<Vec<u8>, PolicyError> {
    use std::io::Read;
    let io = |source| PolicyError::Io {
        path: path.to_path_buf(),
        source,
    };
    let f = std::fs::File::open(path).map_err(io)?;
    let mut buf = Vec::new();
    f.take(MAX_POLICY_SIZE as u64 + 1)
        .read_to_end(&mut buf)
        .map_err(io)?;
    Ok(buf)
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: error: {}", self.line, self.col, self.message)
    }
}
