//! The crate's top-level error, and every mapping to the exit statuses
//! (124 timeout, 125 execward's own failure, 126 not executable, 127 no
//! program, 128+N killed by signal N, else the child's own code) and
//! message classes (`denied:`, `invalid argument N (NAME):`, `policy:`,
//! `usage:`, `sandbox:`, `exec:`), in one place: each layer's error enum
//! gets its `exit_code` and `class` here, not where it is defined.

use crate::outcome::{Outcome, Status};
use crate::plan::PlanError;
use crate::policy::PolicyError;
use crate::supervise::RunError;
use crate::value::ValueError;

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
    /// control character in `msg` escaped, so it is exactly one line. The
    /// one place the message format is written; `execward-helper`'s own
    /// refusals use it too.
    pub fn line(self, msg: &str) -> String {
        let msg: String = msg
            .chars()
            .map(|c| {
                if c.is_control() {
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

impl PlanError {
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
    use crate::sandbox::SandboxError;

    /// Names every variant of the public error and status enums, so that
    /// adding one does not compile until it is pinned (message, class,
    /// exit status) in `tests/error_shape.rs` and listed in CHANGELOG.md.
    #[allow(dead_code)]
    fn every_variant_is_pinned(
        e: &Error,
        p: &PlanError,
        r: &RunError,
        y: &PolicyError,
        s: &SandboxError,
        c: ErrorClass,
        t: Status,
    ) {
        match e {
            Error::Policy(_)
            | Error::Value(_)
            | Error::Plan(_)
            | Error::Run(_)
            | Error::Denied(_)
            | Error::Usage(_) => {}
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
    }
}
