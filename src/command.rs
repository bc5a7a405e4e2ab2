//! A `std::process::Command`-like builder for one sandboxed, argv-only
//! execution.
//!
//! ```no_run
//! use execward::{Command, NetAccess};
//!
//! let out = execward::Command::new("/usr/bin/printf")
//!     .arg("%s\n")
//!     .arg("nginx; id")          // one argv element, never parsed by a shell
//!     .output()?;
//! assert_eq!(out.stdout, b"nginx; id\n");
//! # Ok::<(), execward::Error>(())
//! ```
//!
//! Nothing searches `PATH`: the program is an absolute path. The
//! environment is exactly what [`Command::env`] sets plus a fixed `PATH`.
//! The child always runs under the sandbox ([`SandboxSpec`]); the defaults
//! are SPEC's (read the system directories, write nothing, no network, the
//! default seccomp profile, fail closed).

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::Error;
use crate::plan::{Plan, PlanError};
use crate::policy::DEFAULT_TIMEOUT;
use crate::sandbox::{FsAccess, Limits, NetAccess, SandboxMode, SandboxSpec, SeccompSpec};
use crate::supervise::{Child, Outcome};

/// What the child reads.
#[derive(Clone, Default)]
pub enum Stdin {
    /// `/dev/null` (the default).
    #[default]
    Null,
    /// The caller's own standard input.
    Inherit,
    /// These bytes, then end of file (at most 1 MiB).
    Bytes(Vec<u8>),
    /// Like [`Stdin::Bytes`], but never shown (`explain`, `Debug`).
    Secret(Vec<u8>),
}

impl std::fmt::Debug for Stdin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stdin::Null => f.write_str("Null"),
            Stdin::Inherit => f.write_str("Inherit"),
            Stdin::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
            Stdin::Secret(_) => f.write_str("Secret(***)"),
        }
    }
}

/// Where the child's stdout or stderr goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Output {
    /// Collected into [`Outcome::stdout`]/[`Outcome::stderr`] (the
    /// default), within the `output` limit.
    #[default]
    Capture,
    /// Copied to this process's own stdout/stderr as it arrives, within the
    /// `output` limit. The child never holds our descriptor.
    Forward,
    /// Discarded.
    Null,
}

/// The default time between `SIGTERM` and `SIGKILL` after a timeout.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(2);

/// A command to run: program, argv, environment and confinement.
#[derive(Debug, Clone)]
pub struct Command {
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
}

/// A user identity given by numbers: the uid, gid and supplementary groups
/// a child runs with (see [`Command::run_as_ids`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Credentials {
    /// The user id.
    pub uid: u32,
    /// The group id.
    pub gid: u32,
    /// The supplementary groups, exactly these (may be empty).
    pub groups: Vec<u32>,
}

/// Whom the child runs as, when not as this process's own user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RunAs {
    /// A user (and group) by name, with the user's supplementary groups.
    Named { user: String, group: Option<String> },
    /// Exactly these ids and groups.
    Ids(Credentials),
}

impl Command {
    /// A command running `program` (an absolute path) with no arguments and
    /// SPEC's defaults for everything else.
    pub fn new(program: impl AsRef<Path>) -> Command {
        Command {
            program: program.as_ref().to_path_buf(),
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
        }
    }

    /// Appends one argv element, exactly as given.
    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Command {
        self.args.push(arg.as_ref().to_os_string());
        self
    }

    /// Appends argv elements, each exactly as given.
    pub fn args<I, S>(&mut self, args: I) -> &mut Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        for a in args {
            self.arg(a);
        }
        self
    }

    /// Sets an environment variable of the child. The child's environment
    /// is exactly these plus a fixed `PATH`.
    pub fn env(&mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> &mut Command {
        self.env
            .push((key.as_ref().to_os_string(), value.as_ref().to_os_string()));
        self
    }

    /// The child's working directory (default `/`).
    pub fn current_dir(&mut self, dir: impl AsRef<Path>) -> &mut Command {
        self.cwd = dir.as_ref().to_path_buf();
        self
    }

    /// What the child reads (default `/dev/null`).
    pub fn stdin(&mut self, stdin: Stdin) -> &mut Command {
        self.stdin = stdin;
        self
    }

    /// Where stdout goes (default captured).
    pub fn stdout(&mut self, out: Output) -> &mut Command {
        self.stdout = out;
        self
    }

    /// Where stderr goes (default captured).
    pub fn stderr(&mut self, out: Output) -> &mut Command {
        self.stderr = out;
        self
    }

    /// The wall-clock limit (default 60 s). When it runs out the child gets
    /// `SIGTERM`, then `SIGKILL` after the grace period, and the whole
    /// process tree is killed.
    pub fn timeout(&mut self, timeout: Duration) -> &mut Command {
        self.timeout = timeout;
        self
    }

    /// The time between `SIGTERM` and `SIGKILL` after a timeout (default
    /// 2 s).
    pub fn kill_grace(&mut self, grace: Duration) -> &mut Command {
        self.grace = grace;
        self
    }

    /// Resource limits.
    pub fn limits(&mut self, limits: Limits) -> &mut Command {
        self.limits = limits;
        self
    }

    /// The whole sandbox at once.
    pub fn sandbox(&mut self, spec: SandboxSpec) -> &mut Command {
        self.sandbox = spec;
        self
    }

    /// Replaces the read set (default: SPEC's system directories).
    pub fn fs_read<I, P>(&mut self, paths: I) -> &mut Command
    where
        I: IntoIterator<Item = P>,
        P: AsRef<Path>,
    {
        self.sandbox.fs.read = paths
            .into_iter()
            .map(|p| p.as_ref().to_path_buf())
            .collect();
        self
    }

    /// Adds paths the child may write beneath.
    pub fn fs_write<I, P>(&mut self, paths: I) -> &mut Command
    where
        I: IntoIterator<Item = P>,
        P: AsRef<Path>,
    {
        self.sandbox
            .fs
            .write
            .extend(paths.into_iter().map(|p| p.as_ref().to_path_buf()));
        self
    }

    /// Adds paths the child may execute beneath.
    pub fn fs_exec<I, P>(&mut self, paths: I) -> &mut Command
    where
        I: IntoIterator<Item = P>,
        P: AsRef<Path>,
    {
        self.sandbox
            .fs
            .exec
            .extend(paths.into_iter().map(|p| p.as_ref().to_path_buf()));
        self
    }

    /// Network access (default none).
    pub fn net(&mut self, net: NetAccess) -> &mut Command {
        self.sandbox.net = net;
        self
    }

    /// The system-call filter (default profile `default`).
    pub fn seccomp(&mut self, spec: SeccompSpec) -> &mut Command {
        self.sandbox.seccomp = spec;
        self
    }

    /// Fail closed (default) or best effort.
    pub fn sandbox_mode(&mut self, mode: SandboxMode) -> &mut Command {
        self.sandbox.mode = mode;
        self
    }

    /// Runs the child as `user` (and `group`, default the user's primary
    /// group) with that user's supplementary groups. Needs root.
    pub fn run_as(&mut self, user: &str, group: Option<&str>) -> &mut Command {
        self.run_as = Some(RunAs::Named {
            user: user.to_string(),
            group: group.map(str::to_string),
        });
        self
    }

    /// Runs the child with exactly these ids and supplementary groups,
    /// given by number (no name lookup): how `execward-helper` runs an
    /// action without `run-as` as its caller. Replaces [`Command::run_as`].
    /// Needs root unless they are this process's own. `(uid_t)-1` is
    /// refused when the plan is built: to `setresuid` it means "unchanged".
    pub fn run_as_ids(&mut self, ids: Credentials) -> &mut Command {
        self.run_as = Some(RunAs::Ids(ids));
        self
    }

    /// The program.
    pub fn get_program(&self) -> &Path {
        &self.program
    }

    /// The arguments after the program.
    pub fn get_args(&self) -> impl Iterator<Item = &[u8]> {
        self.args.iter().map(|a| a.as_bytes())
    }

    /// Resolves everything (ids, C strings, Landlock ruleset, seccomp BPF,
    /// limits) into an immutable [`Plan`] without creating any process.
    ///
    /// # Errors
    /// [`PlanError`] if the program is missing or not executable, a string
    /// holds NUL, the run-as user is unknown, or the sandbox cannot be
    /// prepared (`sandbox required`).
    pub fn plan(&self) -> Result<Plan, PlanError> {
        Plan::build(self)
    }

    /// Starts the child.
    ///
    /// # Errors
    /// As [`Command::plan`] and [`Plan::spawn`].
    pub fn spawn(&self) -> Result<Child, Error> {
        Ok(self.plan()?.spawn()?)
    }

    /// Runs the child to completion and collects its output.
    ///
    /// # Errors
    /// As [`Command::plan`] and [`Plan::run`].
    pub fn output(&self) -> Result<Outcome, Error> {
        Ok(self.plan()?.run()?)
    }
}
