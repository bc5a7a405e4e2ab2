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

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::time::Duration;

use crate::error::Error;
use crate::identity::{Ids, RunAs, UserGroup};
use crate::outcome::Outcome;
use crate::plan::{Plan, PlanError};
use crate::sandbox::{Caps, ExecMode, Limits, NetAccess, SandboxMode, SandboxSpec, SeccompSpec};
use crate::spec::CommandSpec;
use crate::supervise::Child;

pub use crate::spec::DEFAULT_GRACE;
pub use crate::stdio::{Output, Stdin};

/// A command to run: program, argv, environment and confinement. A
/// builder over the plain data a [`Plan`] is made from.
#[derive(Debug, Clone)]
pub struct Command {
    spec: CommandSpec,
}

impl Command {
    /// A command running `program` (an absolute path) with no arguments and
    /// SPEC's defaults for everything else.
    pub fn new(program: impl AsRef<Path>) -> Command {
        Command {
            spec: CommandSpec::new(program.as_ref().to_path_buf()),
        }
    }

    /// Appends one argv element, exactly as given.
    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Command {
        self.spec.args.push(arg.as_ref().to_os_string());
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
        self.spec
            .env
            .push((key.as_ref().to_os_string(), value.as_ref().to_os_string()));
        self
    }

    /// The child's working directory (default `/`).
    pub fn current_dir(&mut self, dir: impl AsRef<Path>) -> &mut Command {
        self.spec.cwd = dir.as_ref().to_path_buf();
        self
    }

    /// What the child reads (default `/dev/null`).
    pub fn stdin(&mut self, stdin: Stdin) -> &mut Command {
        self.spec.stdin = stdin;
        self
    }

    /// Where stdout goes (default captured).
    pub fn stdout(&mut self, out: Output) -> &mut Command {
        self.spec.stdout = out;
        self
    }

    /// Where stderr goes (default captured).
    pub fn stderr(&mut self, out: Output) -> &mut Command {
        self.spec.stderr = out;
        self
    }

    /// The wall-clock limit (default 60 s). When it runs out the child gets
    /// `SIGTERM`, then `SIGKILL` after the grace period, and the whole
    /// process tree is killed.
    pub fn timeout(&mut self, timeout: Duration) -> &mut Command {
        self.spec.timeout = timeout;
        self
    }

    /// The time between `SIGTERM` and `SIGKILL` after a timeout (default
    /// 2 s).
    pub fn kill_grace(&mut self, grace: Duration) -> &mut Command {
        self.spec.grace = grace;
        self
    }

    /// Resource limits.
    pub fn limits(&mut self, limits: Limits) -> &mut Command {
        self.spec.limits = limits;
        self
    }

    /// The whole sandbox at once.
    pub fn sandbox(&mut self, spec: SandboxSpec) -> &mut Command {
        self.spec.sandbox = spec;
        self
    }

    /// Replaces the read set (default: SPEC's system directories).
    pub fn fs_read<I, P>(&mut self, paths: I) -> &mut Command
    where
        I: IntoIterator<Item = P>,
        P: AsRef<Path>,
    {
        self.spec.sandbox.fs.read = paths
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
        self.spec
            .sandbox
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
        self.spec
            .sandbox
            .fs
            .exec
            .extend(paths.into_iter().map(|p| p.as_ref().to_path_buf()));
        self
    }

    /// Network access (default none).
    pub fn net(&mut self, net: NetAccess) -> &mut Command {
        self.spec.sandbox.net = net;
        self
    }

    /// The system-call filter (default profile `default`).
    pub fn seccomp(&mut self, spec: SeccompSpec) -> &mut Command {
        self.spec.sandbox.seccomp = spec;
        self
    }

    /// Capabilities a child that stays root keeps beyond
    /// [`Caps::ROOT_DEFAULT`] (default none; a policy's `caps NAME...`).
    /// A child that is not root holds no capability whatever this says.
    pub fn root_caps(&mut self, caps: Caps) -> &mut Command {
        self.spec.sandbox.caps = caps;
        self
    }

    /// How many programs the child's processes may start (default: once,
    /// or many when [`Command::fs_exec`] lists paths). With
    /// [`ExecMode::Once`] the seccomp filter lets the child `execve` the
    /// program and nothing after it.
    pub fn exec_mode(&mut self, mode: ExecMode) -> &mut Command {
        self.spec.sandbox.exec = Some(mode);
        self
    }

    /// Fail closed (default) or best effort.
    pub fn sandbox_mode(&mut self, mode: SandboxMode) -> &mut Command {
        self.spec.sandbox.mode = mode;
        self
    }

    /// Runs the child as `user` (and `group`, default the user's primary
    /// group) with that user's supplementary groups. Needs root.
    pub fn run_as(&mut self, user: &str, group: Option<&str>) -> &mut Command {
        self.spec.run_as = Some(RunAs::User(UserGroup::new(user, group.map(str::to_string))));
        self
    }

    /// Runs the child with exactly these ids and supplementary groups,
    /// given by number (no name lookup): how `execward-helper` runs an
    /// action without `run-as` as its caller. Replaces [`Command::run_as`].
    /// Needs root unless they are this process's own. `(uid_t)-1` is
    /// refused when the plan is built: to `setresuid` it means "unchanged".
    pub fn run_as_ids(&mut self, ids: Ids) -> &mut Command {
        self.spec.run_as = Some(RunAs::Ids(ids));
        self
    }

    /// Names the run in `tracing` spans and events (feature `tracing`);
    /// [`Bound::command`](crate::Bound::command) sets the action's name.
    pub fn label(&mut self, name: impl Into<String>) -> &mut Command {
        self.spec.label = Some(name.into());
        self
    }

    /// The program.
    pub fn get_program(&self) -> &Path {
        &self.spec.program
    }

    /// The arguments after the program.
    pub fn get_args(&self) -> impl Iterator<Item = &[u8]> {
        self.spec.args.iter().map(|a| a.as_bytes())
    }

    /// Resolves everything (ids, C strings, Landlock ruleset, seccomp BPF,
    /// limits) into an immutable [`Plan`] without creating any process.
    ///
    /// # Errors
    /// [`PlanError`] if the program is missing or not executable, a string
    /// holds NUL, the run-as user is unknown, or the sandbox cannot be
    /// prepared (`sandbox required`).
    pub fn plan(&self) -> Result<Plan, PlanError> {
        let plan = Plan::build(&self.spec);
        #[cfg(feature = "tracing")]
        if let Err(e) = &plan {
            tracing::error!(
                target: "execward",
                action = self.spec.label.as_deref().unwrap_or(""),
                program = %self.spec.program.display(),
                decision = "failed",
                code = e.code().as_str(),
                error = %e,
                "execward: cannot run the action"
            );
        }
        plan
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

    /// Builds the plan and runs it without blocking a thread (cargo
    /// feature `tokio`). See [`Command::output`] and `Plan::run_async`.
    ///
    /// # Errors
    /// As [`Command::output`].
    #[cfg(feature = "tokio")]
    pub async fn output_async(&self) -> Result<Outcome, Error> {
        Ok(self.plan()?.run_async().await?)
    }
}
