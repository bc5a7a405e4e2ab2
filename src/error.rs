//! The crate's top-level error, and every mapping to the exit statuses
//! (124 timeout, 125 execward's own failure, 126 not executable, 127 no
//! program, 128+N killed by signal N, else the child's own code) and
//! message classes (`denied:`, `invalid argument N (NAME):`, `policy:`,
//! `usage:`, `sandbox:`, `exec:`), in one place: each layer's error enum
//! gets its `exit_code` and `class` here, not where it is defined.
//!
//! For a web front end every error also has a stable machine code
//! ([`ErrorCode`], a snake_case string), whose fault it is ([`Fault`]: the
//! caller's, such as an unknown action, a refused argument or a denial, or
//! the server's, such as a bad policy, a missing sandbox or a failed
//! spawn), an HTTP status, the argument it concerns, and a message safe to
//! show a web client ([`Error::public_message`]: no server path, no policy
//! text). `Display` and [`Error::render`] keep the full message for logs
//! and the command line.

use crate::audit::AuditError;
use crate::json::{Json, ToJson};
use crate::outcome::{Outcome, Status};
use crate::plan::PlanError;
use crate::policy::PolicyError;
use crate::sandbox::SandboxError;
use crate::supervise::RunError;
use crate::value::{show_value, ValueError};

/// Any error of execward. Each layer has its own enum; this one wraps them
/// and knows the exit status and message class of each.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The policy could not be read or is invalid, or names no such action.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// A caller argument was refused.
    #[error(transparent)]
    Value(#[from] ValueError),
    /// The execution plan could not be built (program missing, sandbox not
    /// available, run-as user unknown, ...).
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// The child could not be started or supervised.
    #[error(transparent)]
    Run(#[from] RunError),
    /// The caller may not run this action (helper `allow` rules).
    #[error("{0}")]
    Denied(String),
    /// Bad command-line usage.
    #[error("{0}")]
    Usage(String),
    /// The audit log cannot be opened or written.
    #[error(transparent)]
    Audit(#[from] AuditError),
}

/// The message classes of execward's own errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorClass {
    /// `denied:`
    Denied,
    /// `invalid argument N (NAME):` (the class word is part of the message)
    InvalidArgument,
    /// `policy:`
    Policy,
    /// `usage:`
    Usage,
    /// `sandbox:`
    Sandbox,
    /// `exec:`
    Exec,
}

/// Whose fault an error is, for a service that answers a client: the
/// caller's (the request names an unknown action, carries a refused
/// argument, or its caller may not run the action) or the server's
/// (policy, sandbox, program, spawn).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Fault {
    /// The request is wrong: a 4xx answer.
    Caller,
    /// The server could not do what a valid request asked: a 5xx answer.
    Server,
}

/// The stable machine code of an error: a snake_case string
/// ([`ErrorCode::as_str`]) that a client may match on, with its
/// [`Fault`] and HTTP status. The table is in `docs/errors.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// `unknown_action` (404): no action of that name.
    UnknownAction,
    /// `invalid_argument` (400): an argument was refused by its type or the
    /// leading-`-` rule.
    InvalidArgument,
    /// `missing_argument` (400): a placeholder got no argument.
    MissingArgument,
    /// `unexpected_argument` (400): an argument beyond the placeholders,
    /// or a named argument that names no placeholder.
    UnexpectedArgument,
    /// `denied` (403): this caller may not run the action.
    Denied,
    /// `usage` (500): the program was called wrongly (command line, audit
    /// log).
    Usage,
    /// `policy_unreadable` (500): the policy could not be read.
    PolicyUnreadable,
    /// `policy_invalid` (500): the policy has errors.
    PolicyInvalid,
    /// `run_as_invalid` (500): the action's `run-as` user or group cannot
    /// be used.
    RunAsInvalid,
    /// `needs_privilege` (500): the action switches users and this process
    /// is not root.
    NeedsPrivilege,
    /// `program_not_found` (500): the action's program does not exist.
    ProgramNotFound,
    /// `program_not_executable` (500): it exists but cannot be executed.
    ProgramNotExecutable,
    /// `invalid_command` (500): the command itself is malformed (relative
    /// program, NUL byte, forbidden environment variable, stdin too large).
    InvalidCommand,
    /// `sandbox_unavailable` (500): the kernel lacks a protection the
    /// action requires.
    SandboxUnavailable,
    /// `sandbox_failed` (500): a protection could not be prepared or
    /// installed.
    SandboxFailed,
    /// `prepare_failed` (500): an operating-system error while the run was
    /// prepared.
    PrepareFailed,
    /// `spawn_failed` (500): the child could not be created, set up or
    /// supervised.
    SpawnFailed,
    /// `exec_failed` (500): `execve` failed.
    ExecFailed,
    /// `audit_unavailable` (500): the audit log cannot be opened or is not
    /// safe to write; nothing ran.
    AuditUnavailable,
    /// `audit_failed` (500): a record could not be written; an allowed
    /// request whose record failed did not run.
    AuditFailed,
}

impl ErrorCode {
    /// Every code, in the order of the table.
    pub const ALL: &'static [ErrorCode] = &[
        ErrorCode::UnknownAction,
        ErrorCode::InvalidArgument,
        ErrorCode::MissingArgument,
        ErrorCode::UnexpectedArgument,
        ErrorCode::Denied,
        ErrorCode::Usage,
        ErrorCode::PolicyUnreadable,
        ErrorCode::PolicyInvalid,
        ErrorCode::RunAsInvalid,
        ErrorCode::NeedsPrivilege,
        ErrorCode::ProgramNotFound,
        ErrorCode::ProgramNotExecutable,
        ErrorCode::InvalidCommand,
        ErrorCode::SandboxUnavailable,
        ErrorCode::SandboxFailed,
        ErrorCode::PrepareFailed,
        ErrorCode::SpawnFailed,
        ErrorCode::ExecFailed,
        ErrorCode::AuditUnavailable,
        ErrorCode::AuditFailed,
    ];

    /// The code as a snake_case string; stable across releases.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::UnknownAction => "unknown_action",
            ErrorCode::InvalidArgument => "invalid_argument",
            ErrorCode::MissingArgument => "missing_argument",
            ErrorCode::UnexpectedArgument => "unexpected_argument",
            ErrorCode::Denied => "denied",
            ErrorCode::Usage => "usage",
            ErrorCode::PolicyUnreadable => "policy_unreadable",
            ErrorCode::PolicyInvalid => "policy_invalid",
            ErrorCode::RunAsInvalid => "run_as_invalid",
            ErrorCode::NeedsPrivilege => "needs_privilege",
            ErrorCode::ProgramNotFound => "program_not_found",
            ErrorCode::ProgramNotExecutable => "program_not_executable",
            ErrorCode::InvalidCommand => "invalid_command",
            ErrorCode::SandboxUnavailable => "sandbox_unavailable",
            ErrorCode::SandboxFailed => "sandbox_failed",
            ErrorCode::PrepareFailed => "prepare_failed",
            ErrorCode::SpawnFailed => "spawn_failed",
            ErrorCode::ExecFailed => "exec_failed",
            ErrorCode::AuditUnavailable => "audit_unavailable",
            ErrorCode::AuditFailed => "audit_failed",
        }
    }

    /// Whose fault it is.
    pub fn fault(self) -> Fault {
        match self {
            ErrorCode::UnknownAction
            | ErrorCode::InvalidArgument
            | ErrorCode::MissingArgument
            | ErrorCode::UnexpectedArgument
            | ErrorCode::Denied => Fault::Caller,
            _ => Fault::Server,
        }
    }

    /// The HTTP status a service answers with: 404 unknown action, 400 a
    /// refused, missing or unexpected argument, 403 denied, 500 for every
    /// fault of the server.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::UnknownAction => 404,
            ErrorCode::InvalidArgument
            | ErrorCode::MissingArgument
            | ErrorCode::UnexpectedArgument => 400,
            ErrorCode::Denied => 403,
            _ => 500,
        }
    }

    /// The message a web client is shown for a fault of the server: a
    /// fixed sentence, with no path and no policy text.
    fn server_message(self) -> &'static str {
        match self {
            ErrorCode::Usage => "the server called execward incorrectly",
            ErrorCode::PolicyUnreadable | ErrorCode::PolicyInvalid => {
                "the server's policy could not be loaded"
            }
            ErrorCode::RunAsInvalid => "the action's run-as user cannot be used on the server",
            ErrorCode::NeedsPrivilege => "the server lacks the privilege this action needs",
            ErrorCode::ProgramNotFound => "the action's program is not installed on the server",
            ErrorCode::ProgramNotExecutable => {
                "the action's program cannot be executed on the server"
            }
            ErrorCode::InvalidCommand => "the server built an invalid command",
            ErrorCode::SandboxUnavailable => {
                "the sandbox this action requires is not available on the server"
            }
            ErrorCode::SandboxFailed => "the action's sandbox could not be set up",
            ErrorCode::AuditUnavailable | ErrorCode::AuditFailed => {
                "the request could not be recorded, so it was not run"
            }
            _ => "the action could not be started",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// An error as a web client may see it: code, fault, HTTP status, the
/// argument it concerns and a message without server paths
/// ([`Error::public`]). With feature `serde` it is what an [`Error`]
/// serializes to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PublicError {
    /// The machine code.
    pub code: ErrorCode,
    /// Whose fault it is.
    pub fault: Fault,
    /// The HTTP status.
    pub status: u16,
    /// [`Error::public_message`].
    pub message: String,
    /// The 1-based index of the caller argument it concerns.
    pub argument_index: Option<usize>,
    /// The placeholder that argument was bound to.
    pub argument_name: Option<String>,
}

impl ToJson for PublicError {
    /// `{"code","fault","status","message"}`, with `argument_index` and
    /// `argument_name` when there are.
    fn to_json(&self) -> Json {
        let mut fields = vec![
            ("code", Json::str(self.code.as_str())),
            (
                "fault",
                Json::str(match self.fault {
                    Fault::Caller => "caller",
                    Fault::Server => "server",
                }),
            ),
            ("status", Json::UInt(self.status.into())),
            ("message", Json::str(&self.message)),
        ];
        if let Some(i) = self.argument_index {
            fields.push(("argument_index", Json::UInt(i as u64)));
        }
        if let Some(n) = &self.argument_name {
            fields.push(("argument_name", Json::str(n)));
        }
        Json::Obj(fields)
    }
}

impl ToJson for Error {
    /// The public form ([`Error::public`]): safe to send to a web client.
    fn to_json(&self) -> Json {
        self.public().to_json()
    }
}

crate::json::serialize_as_json!(PublicError, Error);

/// `reason` with every word that starts with `/` (a server path, e.g. a
/// `path beneath=` directory) replaced by `(a server path)`.
fn without_paths(reason: &str) -> String {
    reason
        .split(' ')
        .map(|w| match w.strip_prefix('/') {
            Some(rest) => {
                let path = rest.trim_end_matches([')', ',', '.', ';', ':']);
                format!("(a server path){}", &rest[path.len()..])
            }
            None => w.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

impl Error {
    /// The stable machine code.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Policy(PolicyError::UnknownAction(_)) => ErrorCode::UnknownAction,
            Error::Policy(PolicyError::Invalid { .. }) => ErrorCode::PolicyInvalid,
            Error::Policy(_) => ErrorCode::PolicyUnreadable,
            Error::Value(v) => v.code(),
            Error::Plan(e) => e.code(),
            Error::Run(e) => e.code(),
            Error::Denied(_) => ErrorCode::Denied,
            Error::Usage(_) => ErrorCode::Usage,
            Error::Audit(AuditError::Open { .. }) => ErrorCode::AuditUnavailable,
            Error::Audit(_) => ErrorCode::AuditFailed,
        }
    }

    /// Whose fault it is ([`ErrorCode::fault`]).
    pub fn fault(&self) -> Fault {
        self.code().fault()
    }

    /// The HTTP status ([`ErrorCode::http_status`]).
    pub fn http_status(&self) -> u16 {
        self.code().http_status()
    }

    /// The 1-based index of the caller argument this error concerns
    /// (refused, missing or unexpected arguments only).
    pub fn argument_index(&self) -> Option<usize> {
        match self {
            Error::Value(v) => Some(v.index),
            _ => None,
        }
    }

    /// The name of the placeholder the argument was bound to (`None` for
    /// an unexpected argument and for every other error).
    pub fn argument_name(&self) -> Option<&str> {
        match self {
            Error::Value(v) => v.name.as_deref(),
            _ => None,
        }
    }

    /// A message that is safe to show a web client: for the caller's
    /// faults the full message with any server path (a `path beneath=`
    /// directory, say) replaced by `(a server path)`; for the server's a
    /// fixed sentence per [`ErrorCode`] that names no path and quotes no
    /// policy. `Display` and [`Error::render`] give the full message, for
    /// the server's own log.
    pub fn public_message(&self) -> String {
        match self {
            Error::Policy(PolicyError::UnknownAction(name)) => {
                format!("no action named {}", show_value(name.as_bytes()))
            }
            Error::Value(v) => {
                let mut v = v.clone();
                v.reason = without_paths(&v.reason);
                v.to_string()
            }
            Error::Denied(_) => "this caller may not run this action".to_string(),
            other => other.code().server_message().to_string(),
        }
    }

    /// The public form of this error ([`PublicError`]).
    pub fn public(&self) -> PublicError {
        let code = self.code();
        PublicError {
            code,
            fault: code.fault(),
            status: code.http_status(),
            message: self.public_message(),
            argument_index: self.argument_index(),
            argument_name: self.argument_name().map(str::to_string),
        }
    }
}

impl ValueError {
    /// `missing_argument`, `unexpected_argument` or `invalid_argument`.
    pub fn code(&self) -> ErrorCode {
        match (&self.name, &self.shown) {
            (None, _) => ErrorCode::UnexpectedArgument,
            (Some(_), None) => ErrorCode::MissingArgument,
            (Some(_), Some(_)) => ErrorCode::InvalidArgument,
        }
    }
}

impl Error {
    /// The exit status: 127 program missing, 126 not
    /// executable, 125 everything else execward refuses or fails at.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Plan(e) => e.exit_code(),
            Error::Run(e) => e.exit_code(),
            _ => 125,
        }
    }

    /// The message class.
    pub fn class(&self) -> ErrorClass {
        match self {
            Error::Policy(PolicyError::UnknownAction(_)) => ErrorClass::Usage,
            Error::Policy(_) => ErrorClass::Policy,
            Error::Value(_) => ErrorClass::InvalidArgument,
            Error::Plan(e) => e.class(),
            Error::Run(e) => e.class(),
            Error::Denied(_) => ErrorClass::Denied,
            Error::Usage(_) => ErrorClass::Usage,
            Error::Audit(e) => e.class(),
        }
    }

    /// The one line every error is shown as: `execward: CLASS: MESSAGE` (for
    /// invalid arguments the message itself starts with
    /// `invalid argument N (NAME):`). An invalid policy shows its first
    /// diagnostic and how many more there are (`execward check` lists
    /// them all); any control character left in the message (a path
    /// given on the command line may hold a newline) is escaped, so the
    /// message is always exactly one line.
    pub fn render(&self) -> String {
        let msg = match self {
            Error::Policy(PolicyError::Invalid { file, diagnostics }) => {
                let first = diagnostics
                    .first()
                    .map(|d| d.render(file))
                    .unwrap_or_else(|| format!("{file}: invalid"));
                match diagnostics.len() {
                    0 | 1 => first,
                    n => format!(
                        "{first} (and {} more error{}; `execward check {file}` lists them all)",
                        n - 1,
                        if n == 2 { "" } else { "s" }
                    ),
                }
            }
            _ => self.to_string(),
        };
        self.class().line(&msg)
    }
}

impl ErrorClass {
    /// `execward: CLASS: MESSAGE` for this class (for invalid arguments the
    /// message itself starts with `invalid argument N (NAME):`), with every
    /// control, invisible and bidirectional character in `msg` escaped, so
    /// it is exactly one line and reads as what it is. The
    /// one place the message format is written; `execward-helper`'s own
    /// refusals use it too.
    pub fn line(self, msg: &str) -> String {
        let msg: String = msg
            .chars()
            .map(|c| {
                if crate::value::must_escape(c) {
                    c.escape_unicode().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect();
        match self {
            ErrorClass::InvalidArgument => format!("execward: {msg}"),
            ErrorClass::Denied => format!("execward: denied: {msg}"),
            ErrorClass::Policy => format!("execward: policy: {msg}"),
            ErrorClass::Usage => format!("execward: usage: {msg}"),
            ErrorClass::Sandbox => format!("execward: sandbox: {msg}"),
            ErrorClass::Exec => format!("execward: exec: {msg}"),
        }
    }
}

impl AuditError {
    /// The message class: `policy:` for a log that cannot be opened or is
    /// not safe to write (where records go is configuration), `sandbox:`
    /// when a record cannot be written (a protection of the request could
    /// not be applied). The exit status is always 125.
    pub fn class(&self) -> ErrorClass {
        match self {
            AuditError::Open { .. } => ErrorClass::Policy,
            AuditError::Write { .. } | AuditError::NotRecorded { .. } => ErrorClass::Sandbox,
        }
    }
}

impl PlanError {
    /// The stable machine code.
    pub fn code(&self) -> ErrorCode {
        match self {
            PlanError::NotFound(_) => ErrorCode::ProgramNotFound,
            PlanError::NotExecutable { .. } => ErrorCode::ProgramNotExecutable,
            PlanError::RelativeProgram(_)
            | PlanError::Nul { .. }
            | PlanError::BadEnv(_)
            | PlanError::StdinTooLarge(_) => ErrorCode::InvalidCommand,
            PlanError::RunAs(_) => ErrorCode::RunAsInvalid,
            PlanError::NeedsPrivilege(_) => ErrorCode::NeedsPrivilege,
            PlanError::Sandbox(SandboxError::Unsupported { .. }) => ErrorCode::SandboxUnavailable,
            PlanError::Sandbox(_) => ErrorCode::SandboxFailed,
            PlanError::Io { .. } => ErrorCode::PrepareFailed,
        }
    }

    /// The exit status for this error: 127 when the program does not
    /// exist, 126 when it cannot be executed, 125 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            PlanError::NotFound(_) => 127,
            PlanError::NotExecutable { .. } => 126,
            _ => 125,
        }
    }

    /// The message class.
    pub fn class(&self) -> ErrorClass {
        match self {
            PlanError::Sandbox(_) => ErrorClass::Sandbox,
            PlanError::RunAs(_) => ErrorClass::Policy,
            PlanError::NeedsPrivilege(_) => ErrorClass::Denied,
            PlanError::NotFound(_) | PlanError::NotExecutable { .. } => ErrorClass::Exec,
            _ => ErrorClass::Exec,
        }
    }
}

impl RunError {
    /// The stable machine code.
    pub fn code(&self) -> ErrorCode {
        match self {
            RunError::Setup { stage, .. } if stage.is_confinement() => ErrorCode::SandboxFailed,
            RunError::Exec { .. } => ErrorCode::ExecFailed,
            _ => ErrorCode::SpawnFailed,
        }
    }

    /// The exit status: 127 when `execve` found no program, 126 when it
    /// could not execute it, 125 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            RunError::Exec { errno, .. } if *errno == libc::ENOENT => 127,
            RunError::Exec { .. } => 126,
            _ => 125,
        }
    }

    /// The message class: `sandbox:` when a confinement step of the
    /// child's set-up failed, `exec:` otherwise.
    pub fn class(&self) -> ErrorClass {
        match self {
            RunError::Setup { stage, .. } if stage.is_confinement() => ErrorClass::Sandbox,
            _ => ErrorClass::Exec,
        }
    }
}

impl Status {
    /// The exit status: the child's code, 128+signal, or 124.
    pub fn code(&self) -> i32 {
        match self {
            Status::Exited(c) => *c,
            Status::Signaled(s) => 128 + s,
            Status::TimedOut => 124,
        }
    }
}

impl Outcome {
    /// The exit status for this outcome.
    pub fn exit_code(&self) -> i32 {
        self.status.code()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names every variant of the public error and status enums, so that
    /// adding one does not compile until it is pinned (message, class,
    /// exit status) in `tests/error_shape.rs` and listed in CHANGELOG.md.
    #[allow(dead_code, clippy::too_many_arguments)]
    fn every_variant_is_pinned(
        a: &AuditError,
        e: &Error,
        p: &PlanError,
        r: &RunError,
        y: &PolicyError,
        s: &SandboxError,
        c: ErrorClass,
        t: Status,
        k: ErrorCode,
        f: Fault,
    ) {
        match e {
            Error::Policy(_)
            | Error::Value(_)
            | Error::Plan(_)
            | Error::Run(_)
            | Error::Denied(_)
            | Error::Usage(_)
            | Error::Audit(_) => {}
        }
        match a {
            AuditError::Open { .. } | AuditError::Write { .. } | AuditError::NotRecorded { .. } => {
            }
        }
        match p {
            PlanError::NotFound(_)
            | PlanError::NotExecutable { .. }
            | PlanError::RelativeProgram(_)
            | PlanError::Nul { .. }
            | PlanError::BadEnv(_)
            | PlanError::StdinTooLarge(_)
            | PlanError::RunAs(_)
            | PlanError::NeedsPrivilege(_)
            | PlanError::Sandbox(_)
            | PlanError::Io { .. } => {}
        }
        match r {
            RunError::Io { .. } | RunError::Setup { .. } | RunError::Exec { .. } => {}
        }
        match y {
            PolicyError::Io { .. }
            | PolicyError::Invalid { .. }
            | PolicyError::UnknownAction(_) => {}
        }
        match s {
            SandboxError::Unsupported { .. }
            | SandboxError::RulePath { .. }
            | SandboxError::Landlock(_)
            | SandboxError::Seccomp(_)
            | SandboxError::UnknownSyscall(_)
            | SandboxError::Elf { .. }
            | SandboxError::Containment(_) => {}
        }
        match c {
            ErrorClass::Denied
            | ErrorClass::InvalidArgument
            | ErrorClass::Policy
            | ErrorClass::Usage
            | ErrorClass::Sandbox
            | ErrorClass::Exec => {}
        }
        match t {
            Status::Exited(_) | Status::Signaled(_) | Status::TimedOut => {}
        }
        match f {
            Fault::Caller | Fault::Server => {}
        }
        // Each code once in `ErrorCode::ALL` (checked by the test below)
        // and in tests/error_shape.rs's table.
        match k {
            ErrorCode::UnknownAction
            | ErrorCode::InvalidArgument
            | ErrorCode::MissingArgument
            | ErrorCode::UnexpectedArgument
            | ErrorCode::Denied
            | ErrorCode::Usage
            | ErrorCode::PolicyUnreadable
            | ErrorCode::PolicyInvalid
            | ErrorCode::RunAsInvalid
            | ErrorCode::NeedsPrivilege
            | ErrorCode::ProgramNotFound
            | ErrorCode::ProgramNotExecutable
            | ErrorCode::InvalidCommand
            | ErrorCode::SandboxUnavailable
            | ErrorCode::SandboxFailed
            | ErrorCode::PrepareFailed
            | ErrorCode::SpawnFailed
            | ErrorCode::ExecFailed
            | ErrorCode::AuditUnavailable
            | ErrorCode::AuditFailed => {}
        }
    }

    #[test]
    fn codes_are_distinct_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for c in ErrorCode::ALL {
            let s = c.as_str();
            assert!(seen.insert(s), "{s} twice");
            assert!(
                s.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_'),
                "{s}"
            );
        }
        assert_eq!(seen.len(), 20);
    }

    #[test]
    fn paths_are_taken_out_of_public_reasons() {
        assert_eq!(
            without_paths("is not beneath /srv/www (resolves to /etc)"),
            "is not beneath (a server path) (resolves to (a server path))"
        );
    }
}
