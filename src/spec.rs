//! The plain data of one command: what to run and how. The builder
//! ([`crate::Command`]) fills it in; a [`crate::Plan`] is built from it and
//! keeps it (as `std::process::Command` wraps the platform's own
//! command).

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use crate::identity::RunAs;
use crate::policy::DEFAULT_TIMEOUT;
use crate::sandbox::{FsAccess, Limits, SandboxSpec};
use crate::stdio::{Output, Stdin};

/// The default time between `SIGTERM` and `SIGKILL` after a timeout.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(2);

/// What to run and how: program, argv, environment, standard streams,
/// time limits, resource limits, sandbox and identity.
#[derive(Debug, Clone)]
pub(crate) struct CommandSpec {
    pub(crate) program: PathBuf,
    pub(crate) args: Vec<OsString>,
    pub(crate) env: Vec<(OsString, OsString)>,
    pub(crate) cwd: PathBuf,
    pub(crate) stdin: Stdin,
    pub(crate) stdout: Output,
    pub(crate) stderr: Output,
    pub(crate) timeout: Duration,
    pub(crate) grace: Duration,
    pub(crate) limits: Limits,
    pub(crate) sandbox: SandboxSpec,
    pub(crate) run_as: Option<RunAs>,
    pub(crate) umask: u32,
    /// The action's name, for `tracing` spans (set by binding).
    pub(crate) label: Option<String>,
}

impl CommandSpec {
    /// `program` with no arguments and the defaults for everything else:
    /// working directory `/`, stdin `/dev/null`, output captured, 60 s,
    /// the default limits, the default sandbox (read the system
    /// directories, write nothing, no network, the default seccomp
    /// profile, fail closed), this process's user, umask 022.
    pub(crate) fn new(program: PathBuf) -> CommandSpec {
        CommandSpec {
            program,
            args: Vec::new(),
            env: Vec::new(),
            cwd: PathBuf::from("/"),
            stdin: Stdin::Null,
            stdout: Output::Capture,
            stderr: Output::Capture,
            timeout: DEFAULT_TIMEOUT,
            grace: DEFAULT_GRACE,
            limits: Limits::default(),
            sandbox: SandboxSpec {
                fs: FsAccess::default_policy(),
                ..SandboxSpec::default()
            },
            run_as: None,
            umask: 0o022,
            label: None,
        }
    }
}
