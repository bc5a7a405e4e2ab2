//! The immutable execution plan: everything resolved before any process
//! exists.
//!
//! Building a plan ([`Command::plan`](crate::Command::plan)) does all the
//! work that can fail or allocate: it checks
//! the program, turns argv and environment into C strings, resolves the
//! `run-as` user and its groups, computes rlimits, compiles the seccomp
//! filter to BPF, creates the Landlock ruleset and opens its descriptor,
//! and decides how the process tree is contained. Running a plan
//! ([`Plan::run`], [`Plan::spawn`], in `launch.rs`) only creates pipes and
//! the child; a plan can be run many times. What `execward explain` prints
//! of a plan ([`Plan::explain`]) is rendered in `explain.rs`.

use std::ffi::CString;
use std::fmt;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::identity::Identity;
use crate::sandbox::containment::{self, PidMaxBound, PidsHierarchy};
use crate::sandbox::guards::Guards;
use crate::sandbox::limits::{RlimitSetting, MAX_RLIMITS};
use crate::sandbox::seccomp::BpfProgram;
use crate::sandbox::{
    elf, landlock, seccomp, Caps, ExecMode, Limits, SandboxError, SandboxMode, SandboxReport,
};
use crate::spec::CommandSpec;
use crate::stdio::Stdin;
use crate::sys::NsMode;

/// The fixed `PATH` every child gets.
pub const CHILD_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The most bytes [`Stdin::Bytes`] may hold (the pipe is filled before the
/// child starts, so nothing can block).
pub const MAX_STDIN: usize = 1 << 20;

/// Errors while building a plan.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// The program does not exist (exit 127).
    #[error("{0}: program does not exist")]
    NotFound(PathBuf),
    /// The program exists but cannot be executed (exit 126).
    #[error("{path}: cannot be executed: {reason}")]
    NotExecutable {
        /// The program.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The program path is not absolute.
    #[error("{0}: the program must be an absolute path (nothing searches PATH)")]
    RelativeProgram(PathBuf),
    /// An argv element, environment entry or path holds a NUL byte.
    #[error("{what} holds a NUL byte")]
    Nul {
        /// Which string.
        what: String,
    },
    /// An environment variable name is invalid or `PATH`.
    #[error("environment variable {0:?} cannot be set (PATH is fixed; names are [A-Za-z_][A-Za-z0-9_]*)")]
    BadEnv(String),
    /// Too much stdin data.
    #[error("stdin data of {0} bytes exceeds the {MAX_STDIN}-byte limit")]
    StdinTooLarge(usize),
    /// The `run-as` user or group does not exist or cannot be used.
    #[error("run-as: {0}")]
    RunAs(String),
    /// `run-as` names another user and this process is not root (an
    /// unprivileged caller goes through `execward-helper`).
    #[error("run-as {0}: switching users needs root; an unprivileged caller runs this action through execward-helper")]
    NeedsPrivilege(String),
    /// The sandbox cannot be prepared.
    #[error(transparent)]
    Sandbox(#[from] SandboxError),
    /// An operating-system error while preparing.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The error.
        source: std::io::Error,
    },
}

/// How the process tree is contained for this plan.
#[derive(Debug)]
pub(crate) struct Containment {
    pub ns: NsMode,
    pub cgroup: Option<PidsHierarchy>,
    /// The PID namespace's own `pid_max` bound, and its value as text.
    pub pid_max: Option<PidMaxBound>,
    pub pid_max_text: Vec<u8>,
    /// Set `vm.memfd_noexec=2` in the child's PID namespace.
    pub memfd_noexec: bool,
    /// The child stays root: the capabilities it keeps.
    pub root_caps: Option<Caps>,
    /// A new IPC namespace (with the PID namespace).
    pub ipc_ns: bool,
    /// For [`NsMode::UserPid`]: `"ID ID 1\n"` for uid and gid.
    pub uid_map: Vec<u8>,
    pub gid_map: Vec<u8>,
}

/// An immutable, fully resolved execution plan: the command it was built
/// from, and everything resolved from it.
pub struct Plan {
    /// What was asked for (program, argv, environment, streams, limits,
    /// sandbox, identity), as given.
    pub(crate) spec: CommandSpec,
    pub(crate) program: CString,
    pub(crate) argv: Vec<CString>,
    pub(crate) envp: Vec<CString>,
    pub(crate) cwd: CString,
    pub(crate) rlimits: [RlimitSetting; MAX_RLIMITS],
    pub(crate) n_rlimits: usize,
    pub(crate) identity: Option<Identity>,
    pub(crate) landlock: Option<OwnedFd>,
    pub(crate) seccomp: Option<BpfProgram>,
    pub(crate) containment: Containment,
    pub(crate) exec_closure: Vec<PathBuf>,
    pub(crate) report: SandboxReport,
}

impl fmt::Debug for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Plan")
            .field("argv", &self.argv)
            .field("envp", &self.envp)
            .field("cwd", &self.cwd)
            .field("stdin", &self.spec.stdin)
            .field("timeout", &self.spec.timeout)
            .field("limits", &self.spec.limits)
            .field("identity", &self.identity)
            .field("report", &self.report)
            .finish()
    }
}

fn cstring(bytes: &[u8], what: impl Fn() -> String) -> Result<CString, PlanError> {
    CString::new(bytes).map_err(|_| PlanError::Nul { what: what() })
}

fn valid_env_name(k: &[u8]) -> bool {
    matches!(k.first(), Some(c) if c.is_ascii_alphabetic() || *c == b'_')
        && k.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

fn check_program(path: &Path) -> Result<(), PlanError> {
    if !path.is_absolute() {
        return Err(PlanError::RelativeProgram(path.to_path_buf()));
    }
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(PlanError::NotFound(path.to_path_buf()))
        }
        Err(e) => {
            return Err(PlanError::NotExecutable {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })
        }
    };
    if !meta.is_file() {
        return Err(PlanError::NotExecutable {
            path: path.to_path_buf(),
            reason: "not a regular file".into(),
        });
    }
    if meta.permissions().mode() & 0o111 == 0 {
        return Err(PlanError::NotExecutable {
            path: path.to_path_buf(),
            reason: "no execute permission".into(),
        });
    }
    Ok(())
}

impl Plan {
    /// Builds the plan for `cmd` (what [`Command::plan`](crate::Command::plan)
    /// does).
    ///
    /// # Errors
    /// See [`PlanError`].
    pub(crate) fn build(cmd: &CommandSpec) -> Result<Plan, PlanError> {
        check_program(&cmd.program)?;
        let program = cstring(cmd.program.as_os_str().as_bytes(), || {
            "the program path".into()
        })?;
        let mut argv = Vec::with_capacity(cmd.args.len() + 1);
        argv.push(program.clone());
        for (i, a) in cmd.args.iter().enumerate() {
            argv.push(cstring(a.as_bytes(), || format!("argv element {}", i + 1))?);
        }
        let mut envp = Vec::with_capacity(cmd.env.len() + 1);
        for (k, v) in &cmd.env {
            if !valid_env_name(k.as_bytes()) || k == "PATH" {
                return Err(PlanError::BadEnv(k.to_string_lossy().into_owned()));
            }
            let mut kv = k.as_bytes().to_vec();
            kv.push(b'=');
            kv.extend_from_slice(v.as_bytes());
            envp.push(cstring(&kv, || {
                format!("environment variable {}", k.to_string_lossy())
            })?);
        }
        envp.push(CString::new(format!("PATH={CHILD_PATH}")).expect("no NUL in a constant"));
        let cwd = cstring(cmd.cwd.as_os_str().as_bytes(), || {
            "the working directory".into()
        })?;
        match &cmd.stdin {
            Stdin::Bytes(b) | Stdin::Secret(b) if b.len() > MAX_STDIN => {
                return Err(PlanError::StdinTooLarge(b.len()))
            }
            _ => {}
        }

        let (ruid, euid, rgid) = (
            nix::unistd::getuid().as_raw(),
            nix::unistd::geteuid().as_raw(),
            nix::unistd::getgid().as_raw(),
        );
        let identity = match &cmd.run_as {
            None => None,
            Some(run_as) => {
                let id = run_as.resolve().map_err(PlanError::RunAs)?;
                if euid != 0 && (id.ids.uid != euid || id.ids.gid != rgid) {
                    return Err(PlanError::NeedsPrivilege(id.user.clone()));
                }
                Some(id)
            }
        };
        let child_uid = identity.as_ref().map(|i| i.ids.uid).unwrap_or(euid);

        let mode = cmd.sandbox.mode;
        let mut report = SandboxReport::default();
        let missing = |report: &mut SandboxReport, what: &str| -> Result<(), PlanError> {
            match mode {
                SandboxMode::Required => Err(PlanError::Sandbox(SandboxError::Unsupported {
                    what: what.to_string(),
                })),
                SandboxMode::BestEffort => {
                    report.missing.push(what.to_string());
                    Ok(())
                }
            }
        };

        // Containment: a PID namespace (directly as root, else inside an
        // identity-mapped user namespace), plus a pids cgroup for root
        // children.
        let ns = if containment::privileged() {
            NsMode::Pid
        } else if containment::user_namespaces_available()
            && identity.as_ref().is_none_or(|i| i.ids.uid == ruid)
        {
            NsMode::UserPid
        } else {
            missing(&mut report, "a PID namespace (process-tree containment)")?;
            NsMode::None
        };
        // The process bound: the namespace's own pid_max where the kernel
        // has it; else, for a root child (which ignores RLIMIT_NPROC), a
        // pids cgroup.
        let nproc = cmd.limits.nproc;
        let bound_nproc = nproc.or((child_uid == 0).then_some(containment::ROOT_DEFAULT_NPROC));
        let pid_max = match bound_nproc {
            Some(n) if ns != NsMode::None && containment::per_namespace_pid_max() => {
                Some(PidMaxBound::for_nproc(n))
            }
            _ => None,
        };
        let cgroup = if child_uid == 0 && pid_max.is_none() {
            let h = containment::pids_hierarchy();
            if h.is_none() {
                missing(
                    &mut report,
                    "a process bound for a root child (a per-namespace pid_max, Linux 6.14, or a pids cgroup)",
                )?;
            }
            h
        } else {
            None
        };
        let mut parts: Vec<&str> = Vec::with_capacity(3);
        parts.push(match ns {
            NsMode::None => "process-group",
            NsMode::Pid => "pid-namespace",
            NsMode::UserPid => "user-namespace+pid-namespace",
        });
        if pid_max.is_some() {
            parts.push("pid-max");
        }
        if cgroup.is_some() {
            parts.push("cgroup-pids");
        }
        report.containment = parts.join("+");
        report.processes = match (&pid_max, &cgroup, bound_nproc) {
            (Some(b), _, _) => b.describe(nproc),
            (None, Some(_), Some(n)) => format!(
                "at most {n} (pids.max of its cgroup, joined by a migration: milliseconds on cgroup v1)"
            ),
            (None, None, Some(n)) => {
                format!("RLIMIT_NPROC {n} (every process of the child's user counts)")
            }
            (None, _, None) => "unbounded (nproc=inherit)".into(),
        };
        // memfd_noexec is per PID namespace; only a privileged child can set
        // it, and never outside a namespace of its own.
        let memfd_noexec =
            ns == NsMode::Pid && std::path::Path::new("/proc/sys/vm/memfd_noexec").exists();
        report.memfd_noexec = memfd_noexec;
        // A root child keeps its allowlist; every action gets its own SysV
        // IPC (the namespace needs the PID namespace's privilege, or the
        // user namespace that carries it).
        let root_caps = (child_uid == 0).then(|| Caps::ROOT_DEFAULT.union(cmd.sandbox.caps));
        report.root_caps = root_caps;
        report.ipc_namespace = ns != NsMode::None;
        let containment = Containment {
            ns,
            cgroup,
            pid_max,
            pid_max_text: pid_max
                .map(|b| b.pid_max.to_string().into_bytes())
                .unwrap_or_default(),
            memfd_noexec,
            root_caps,
            ipc_ns: ns != NsMode::None,
            uid_map: format!("{euid} {euid} 1\n").into_bytes(),
            gid_map: format!("{rgid} {rgid} 1\n").into_bytes(),
        };

        // seccomp BPF.
        let seccomp = if seccomp::seccomp_available() {
            // Exec once: `execve` only with the address of `program`, the
            // C string this plan keeps (its buffer never moves) and the
            // child passes (it shares our memory until then).
            let mut guards = Guards::for_net(&cmd.sandbox.net);
            if cmd.sandbox.exec_mode() == ExecMode::Once {
                guards.exec_once_at = Some(program.as_ptr() as u64);
                report.exec_once = true;
            }
            let prog = seccomp::compile_with(&cmd.sandbox.seccomp, &cmd.sandbox.net, &guards)?;
            report.seccomp = Some(cmd.sandbox.seccomp.profile.to_string());
            Some(prog)
        } else {
            missing(&mut report, "seccomp filters")?;
            None
        };

        // Landlock.
        let exec_closure = elf::exec_closure(&cmd.program)?;
        let needs_signal_scope = ns == NsMode::None;
        let landlock = landlock::prepare(
            &cmd.sandbox.fs,
            &cmd.sandbox.net,
            &exec_closure,
            needs_signal_scope,
            mode,
            &mut report,
        )?;

        let (mut rlimits, n_rlimits) = cmd.limits.rlimits();
        // A limit above this process's hard limit cannot be set without
        // CAP_SYS_RESOURCE; the stricter (current) one applies instead.
        for rl in rlimits.iter_mut().take(n_rlimits) {
            if let Some(hard) = crate::sys::hard_rlimit(rl.resource) {
                rl.value = rl.value.min(hard);
            }
        }
        Ok(Plan {
            spec: cmd.clone(),
            program,
            argv,
            envp,
            cwd,
            rlimits,
            n_rlimits,
            identity,
            landlock,
            seccomp,
            containment,
            exec_closure,
            report,
        })
    }

    /// Removes Landlock, seccomp and the namespaces/cgroup from this plan,
    /// keeping the rest of the post-fork sequence. Exists only so the
    /// benchmark can report the cost of the sandbox itself; never use it
    /// to run anything real.
    #[doc(hidden)]
    pub fn strip_confinement_for_benchmark(mut self) -> Plan {
        self.landlock = None;
        self.seccomp = None;
        self.containment.ns = NsMode::None;
        self.containment.cgroup = None;
        self.containment.pid_max = None;
        self.containment.memfd_noexec = false;
        self.containment.ipc_ns = false;
        self.report = SandboxReport {
            containment: "none (benchmark only)".into(),
            ..SandboxReport::default()
        };
        self
    }

    /// What is enforced for runs of this plan.
    pub fn sandbox_report(&self) -> &SandboxReport {
        &self.report
    }

    /// The argv (program first), lossily as text.
    pub fn argv(&self) -> Vec<String> {
        self.argv
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    /// The environment as `NAME=VALUE` strings.
    pub fn env(&self) -> Vec<String> {
        self.envp
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    /// The resolved `run-as` identity (`None`: the caller's).
    pub fn identity(&self) -> Option<&Identity> {
        self.identity.as_ref()
    }

    /// The wall-clock limit.
    pub fn timeout(&self) -> Duration {
        self.spec.timeout
    }

    /// The resource limits.
    pub fn limits(&self) -> &Limits {
        &self.spec.limits
    }
}
