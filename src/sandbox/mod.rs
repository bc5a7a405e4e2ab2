//! The confinement applied to every child: Landlock, seccomp, resource limits
//! and process-tree containment.
//!
//! This module only *describes* and *prepares* confinement. Everything here
//! runs in the parent, before any process is created: the seccomp filter is
//! compiled to BPF (`seccomp.rs`, with the system-call table in
//! `syscalls.rs`), the Landlock ruleset is created and its file descriptor
//! opened (`landlock.rs`, with the program's ELF interpreter in `elf.rs`),
//! resource limits are computed (`limits.rs`), the process tree's
//! containment is chosen (`containment.rs`) and the kernel is probed
//! (`probe.rs`). The post-fork code (the private `sys` module) only installs
//! what was prepared here, with raw system calls.
//!
//! Public here: the description of a sandbox ([`SandboxSpec`] and its
//! parts), what was enforced ([`SandboxReport`]), its errors, and
//! [`probe()`]. The preparation steps themselves are private.

pub mod caps;
pub(crate) mod containment;
pub(crate) mod elf;
pub(crate) mod guards;
pub(crate) mod landlock;
pub(crate) mod limits;
mod probe;
pub(crate) mod seccomp;
pub(crate) mod syscalls;

use std::collections::BTreeSet;
use std::fmt;
use std::path::PathBuf;

pub use caps::Caps;
pub use limits::Limits;
pub use probe::{probe, KernelSupport};

/// What to do when the kernel lacks a protection the action needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum SandboxMode {
    /// Refuse to run (`sandbox required`, the default).
    #[default]
    Required,
    /// Run with what the kernel supports and report what is missing
    /// (`sandbox best-effort`).
    BestEffort,
}

impl fmt::Display for SandboxMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SandboxMode::Required => "required",
            SandboxMode::BestEffort => "best-effort",
        })
    }
}

/// Network access of the child (`net ...` lines).
///
/// The default, [`NetAccess::none`], allows no socket but `socketpair`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub struct NetAccess {
    /// Unix-domain sockets (`net unix`).
    pub unix: bool,
    /// TCP ports the child may connect to (`net connect PORT...`).
    pub connect: BTreeSet<u16>,
    /// TCP ports the child may bind (`net bind PORT...`).
    pub bind: BTreeSet<u16>,
    /// Unrestricted network access (`net any`).
    pub any: bool,
}

impl NetAccess {
    /// No sockets at all except `socketpair` (`net none`).
    pub fn none() -> Self {
        Self::default()
    }

    /// Unrestricted network access (`net any`).
    pub fn any() -> Self {
        NetAccess {
            any: true,
            ..Self::default()
        }
    }

    /// These rules plus Unix-domain sockets (`net unix`).
    pub fn with_unix(mut self) -> Self {
        self.unix = true;
        self
    }

    /// These rules plus TCP connections to `ports` (`net connect PORT...`).
    pub fn with_connect(mut self, ports: impl IntoIterator<Item = u16>) -> Self {
        self.connect.extend(ports);
        self
    }

    /// These rules plus binding TCP `ports` (`net bind PORT...`).
    pub fn with_bind(mut self, ports: impl IntoIterator<Item = u16>) -> Self {
        self.bind.extend(ports);
        self
    }

    /// True when any TCP port is allowed (so `AF_INET`/`AF_INET6` stream
    /// sockets must be creatable).
    pub fn wants_tcp(&self) -> bool {
        !self.connect.is_empty() || !self.bind.is_empty()
    }
}

impl fmt::Display for NetAccess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.any {
            return f.write_str("any");
        }
        let mut parts = Vec::new();
        if self.unix {
            parts.push("unix".to_string());
        }
        if !self.connect.is_empty() {
            let ports: Vec<String> = self.connect.iter().map(|p| p.to_string()).collect();
            parts.push(format!("connect {}", ports.join(" ")));
        }
        if !self.bind.is_empty() {
            let ports: Vec<String> = self.bind.iter().map(|p| p.to_string()).collect();
            parts.push(format!("bind {}", ports.join(" ")));
        }
        if parts.is_empty() {
            f.write_str("none")
        } else {
            f.write_str(&parts.join("; "))
        }
    }
}

/// Filesystem access of the child (`fs read|write|exec PATH...`), with every
/// path already absolute and resolved (placeholders bound).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub struct FsAccess {
    /// Paths (files or directory trees) the child may read.
    pub read: Vec<PathBuf>,
    /// Paths the child may write (and read) beneath.
    pub write: Vec<PathBuf>,
    /// Paths the child may execute beneath (in addition to the program and
    /// its ELF interpreter, which are always executable).
    pub exec: Vec<PathBuf>,
}

impl FsAccess {
    /// SPEC's default read set: `/usr /lib /lib64 /etc /bin /sbin`.
    pub const DEFAULT_READ: &'static [&'static str] =
        &["/usr", "/lib", "/lib64", "/etc", "/bin", "/sbin"];

    /// The default: read the system directories, write nothing, execute
    /// nothing but the program.
    pub fn default_policy() -> Self {
        FsAccess {
            read: Self::DEFAULT_READ.iter().map(PathBuf::from).collect(),
            write: Vec::new(),
            exec: Vec::new(),
        }
    }

    /// These rules with the read set replaced by `paths`.
    pub fn with_read<P: Into<PathBuf>>(mut self, paths: impl IntoIterator<Item = P>) -> Self {
        self.read = paths.into_iter().map(Into::into).collect();
        self
    }

    /// These rules with the write set replaced by `paths`.
    pub fn with_write<P: Into<PathBuf>>(mut self, paths: impl IntoIterator<Item = P>) -> Self {
        self.write = paths.into_iter().map(Into::into).collect();
        self
    }

    /// These rules with the execute set replaced by `paths`.
    pub fn with_exec<P: Into<PathBuf>>(mut self, paths: impl IntoIterator<Item = P>) -> Self {
        self.exec = paths.into_iter().map(Into::into).collect();
        self
    }
}

/// The base seccomp profile (`seccomp default | strict`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum SeccompProfile {
    /// A deny list of dangerous system calls; everything else allowed.
    #[default]
    Default,
    /// An allow list suitable for coreutils-style tools.
    Strict,
}

impl fmt::Display for SeccompProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SeccompProfile::Default => "default",
            SeccompProfile::Strict => "strict",
        })
    }
}

/// The seccomp part of an action (`seccomp PROFILE [allow=SYSCALL,...]`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub struct SeccompSpec {
    /// The base profile.
    pub profile: SeccompProfile,
    /// System calls allowed in addition to (or taken out of the deny list
    /// of) the base profile, by name.
    pub allow: Vec<String>,
}

impl SeccompSpec {
    /// `profile` with the system calls `allow` (by name) lifted.
    pub fn new<S: Into<String>>(
        profile: SeccompProfile,
        allow: impl IntoIterator<Item = S>,
    ) -> Self {
        SeccompSpec {
            profile,
            allow: allow.into_iter().map(Into::into).collect(),
        }
    }
}

/// How many programs the processes of an action may start (`exec once |
/// many`).
///
/// Without an explicit choice ([`SandboxSpec::exec`] is `None`) an action
/// is [`ExecMode::Once`], unless it lists `fs exec` paths (it means to run
/// them), then [`ExecMode::Many`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ExecMode {
    /// `execve` of the program itself, once; nothing after (`exec once`).
    Once,
    /// Any program Landlock lets it execute (`exec many`).
    Many,
}

impl fmt::Display for ExecMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ExecMode::Once => "once",
            ExecMode::Many => "many",
        })
    }
}

/// Everything the sandbox of one run is made of, fully resolved.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub struct SandboxSpec {
    /// Landlock filesystem rules.
    pub fs: FsAccess,
    /// Network rules (seccomp socket families + Landlock TCP ports).
    pub net: NetAccess,
    /// System-call filter.
    pub seccomp: SeccompSpec,
    /// Fail closed or best effort.
    pub mode: SandboxMode,
    /// Capabilities a child that stays root keeps in addition to
    /// [`Caps::ROOT_DEFAULT`] (`caps NAME...`); ignored for other children,
    /// which hold none.
    pub caps: Caps,
    /// `exec once | many`; `None`: see [`SandboxSpec::exec_mode`].
    pub exec: Option<ExecMode>,
}

impl SandboxSpec {
    /// The effective exec mode: the explicit one, else
    /// [`ExecMode::Many`] when `fs exec` lists paths and
    /// [`ExecMode::Once`] otherwise.
    pub fn exec_mode(&self) -> ExecMode {
        self.exec.unwrap_or(if self.fs.exec.is_empty() {
            ExecMode::Once
        } else {
            ExecMode::Many
        })
    }
}

/// Errors of the sandbox layer: a protection could not be prepared or the
/// kernel lacks it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// The kernel lacks a protection that the action requires.
    #[error("this kernel lacks {what}; refusing to run without it (`sandbox required`)")]
    Unsupported {
        /// The missing protection, e.g. "Landlock" or "Landlock TCP rules (ABI 4)".
        what: String,
    },
    /// A path in an `fs` rule could not be opened.
    #[error("cannot open {path} for an fs rule: {source}")]
    RulePath {
        /// The path of the rule.
        path: PathBuf,
        /// Why it could not be opened.
        source: std::io::Error,
    },
    /// Landlock refused the ruleset.
    #[error("landlock: {0}")]
    Landlock(String),
    /// seccomp filter compilation failed.
    #[error("seccomp: {0}")]
    Seccomp(String),
    /// A system call name in `seccomp ... allow=` is unknown.
    #[error("unknown system call {0:?} in seccomp allow=")]
    UnknownSyscall(String),
    /// The program's ELF header could not be read.
    #[error("cannot read the ELF interpreter of {path}: {reason}")]
    Elf {
        /// The program.
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },
    /// Process-tree containment could not be set up.
    #[error("cannot contain the process tree: {0}")]
    Containment(String),
}

/// What was actually enforced for one run, for `explain`, the result and
/// the audit record.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct SandboxReport {
    /// The kernel's Landlock ABI version, if Landlock is available.
    pub landlock_abi: Option<u32>,
    /// Whether a Landlock ruleset is applied.
    pub landlock: bool,
    /// Landlock TCP port rules (ABI 4) applied.
    pub landlock_net: bool,
    /// Landlock scopes (abstract Unix sockets, signals; ABI 6) applied.
    pub landlock_scopes: bool,
    /// The seccomp profile applied (`None`: no filter).
    pub seccomp: Option<String>,
    /// How the process tree is contained: the mechanisms joined by `+`
    /// (e.g. `pid-namespace+pid-max`, `pid-namespace+cgroup-pids`,
    /// `user-namespace+pid-namespace+pid-max`, `process-group`).
    pub containment: String,
    /// How many processes the action may hold at once and what enforces
    /// it, in words (e.g. `at most 256 (pid_max 555 of its PID
    /// namespace)`).
    pub processes: String,
    /// memfds of the action cannot be executed (`vm.memfd_noexec=2` in its
    /// PID namespace; needs root and Linux 6.3).
    pub memfd_noexec: bool,
    /// The action has SysV IPC and POSIX message queues of its own (a new
    /// IPC namespace).
    pub ipc_namespace: bool,
    /// For a child that stays root: the capabilities it keeps (`None`:
    /// the child is not root and holds none).
    pub root_caps: Option<Caps>,
    /// The seccomp filter lets the program start nothing after itself
    /// (`exec once`).
    pub exec_once: bool,
    /// Protections that were wanted but are missing (only under
    /// `best-effort`; `required` refuses instead).
    pub missing: Vec<String>,
}

impl crate::json::ToJson for SandboxReport {
    /// Every field by its name; `root_caps` as its names (`"chown fowner"`).
    fn to_json(&self) -> crate::json::Json {
        use crate::json::Json;
        Json::Obj(vec![
            (
                "landlock_abi",
                Json::opt(self.landlock_abi, |v| Json::UInt(v.into())),
            ),
            ("landlock", Json::Bool(self.landlock)),
            ("landlock_net", Json::Bool(self.landlock_net)),
            ("landlock_scopes", Json::Bool(self.landlock_scopes)),
            ("seccomp", Json::opt(self.seccomp.as_deref(), Json::str)),
            ("containment", Json::str(&self.containment)),
            ("processes", Json::str(&self.processes)),
            ("memfd_noexec", Json::Bool(self.memfd_noexec)),
            ("ipc_namespace", Json::Bool(self.ipc_namespace)),
            (
                "root_caps",
                Json::opt(self.root_caps, |c| Json::str(c.to_string())),
            ),
            ("missing", Json::strs(&self.missing)),
        ])
    }
}

crate::json::serialize_as_json!(SandboxReport);
