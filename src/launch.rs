//! Launching a plan: the child's standard streams (`/dev/null`, a pipe
//! filled with the stdin bytes, output pipes), the action's pids cgroup,
//! the [`ChildSpec`] that hands every prepared piece to the post-fork
//! sequence, and the spawn itself. What comes back is a running
//! [`Child`], supervised by [`crate::supervise`].
//!
//! A new post-fork step's prepared input is handed over here, in
//! [`Plan::spawn`]'s `ChildSpec`.

use std::fs::OpenOptions;
use std::io::{self, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::time::Instant;

use crate::outcome::Outcome;
use crate::plan::Plan;
use crate::sandbox::containment::ActionCgroup;
use crate::stdio::{Output, Stdin};
use crate::stream::{ChildOutput, ChildStdin, Relay, StreamKind};
use crate::supervise::{io_err, CallerStreams, Child, Core, RunError, SetupStage, Stream};
use crate::sys::{self, ChildIds, ChildSpec, NsMode, RootCaps, SpawnFailure, Stage, UserNsMaps};

fn open_null(write: bool) -> io::Result<OwnedFd> {
    let f = OpenOptions::new()
        .read(!write)
        .write(write)
        .custom_flags(libc::O_CLOEXEC)
        .open("/dev/null")?;
    sys::above_stdio(OwnedFd::from(f))
}

impl Plan {
    /// Starts the child. The returned [`Child`] must be waited for
    /// ([`Child::wait`]); dropping it kills the process tree. With a piped
    /// stream ([`Output::Piped`], [`Stdin::Piped`]) its watchdog thread
    /// starts here.
    ///
    /// Any thread may call it: children are created by one long-lived
    /// spawner thread, so the kernel's (per-thread) parent-death signal
    /// fires only when this process dies.
    ///
    /// # Errors
    /// [`RunError`] when pipes, the cgroup or the child cannot be created,
    /// or a step of the child's set-up or `execve` fails.
    pub fn spawn(&self) -> Result<Child, RunError> {
        let mut caller = CallerStreams::default();
        // stdin
        let stdin_fd = match &self.spec.stdin {
            Stdin::Null => open_null(false).map_err(io_err("opening /dev/null"))?,
            Stdin::Inherit => sys::dup_above_stdio(0).map_err(io_err("duplicating stdin"))?,
            Stdin::Piped => {
                let (r, w) = sys::pipe().map_err(io_err("creating the stdin pipe"))?;
                caller.stdin = Some(ChildStdin::new(w));
                r
            }
            Stdin::Bytes(b) | Stdin::Secret(b) => {
                let (r, w) = sys::pipe().map_err(io_err("creating the stdin pipe"))?;
                if b.len() > 65536 {
                    nix::fcntl::fcntl(&w, nix::fcntl::FcntlArg::F_SETPIPE_SZ(b.len() as i32))
                        .map_err(|e| RunError::Io {
                            what: "growing the stdin pipe",
                            source: e.into(),
                        })?;
                }
                let mut f = std::fs::File::from(w);
                f.write_all(b).map_err(io_err("writing stdin"))?;
                r
            }
        };
        // stdout, stderr
        let mut child_out = Vec::with_capacity(2);
        let mut streams = Vec::with_capacity(2);
        for (mode, kind) in [
            (self.spec.stdout, StreamKind::Stdout),
            (self.spec.stderr, StreamKind::Stderr),
        ] {
            match mode {
                Output::Null => {
                    child_out.push(open_null(true).map_err(io_err("opening /dev/null"))?);
                    streams.push(Stream {
                        fd: None,
                        mode,
                        buf: Vec::new(),
                        relay: None,
                    });
                }
                Output::Capture | Output::Forward | Output::Piped => {
                    let (r, w) = sys::pipe().map_err(io_err("creating an output pipe"))?;
                    child_out.push(w);
                    let relay = if mode == Output::Piped {
                        let (ur, uw) = sys::pipe().map_err(io_err("creating an output pipe"))?;
                        let out = Some(ChildOutput::new(ur, kind));
                        match kind {
                            StreamKind::Stdout => caller.stdout = out,
                            _ => caller.stderr = out,
                        }
                        Some(Relay::new(uw).map_err(io_err("making a pipe non-blocking"))?)
                    } else {
                        None
                    };
                    streams.push(Stream {
                        fd: Some(r),
                        mode,
                        buf: Vec::new(),
                        relay,
                    });
                }
            }
        }
        let cgroup = match &self.containment.cgroup {
            Some(h) => Some(
                ActionCgroup::create(
                    h,
                    self.spec
                        .limits
                        .nproc
                        .unwrap_or(crate::sandbox::containment::ROOT_DEFAULT_NPROC),
                )
                .map_err(io_err("creating the action's pids cgroup"))?,
            ),
            None => None,
        };
        let parent_pidfd = sys::pidfd_self().map_err(io_err("opening a pidfd of this process"))?;

        let argv: Vec<*const libc::c_char> = self
            .argv
            .iter()
            .map(|a| a.as_ptr())
            .chain(std::iter::once(std::ptr::null()))
            .collect();
        let envp: Vec<*const libc::c_char> = self
            .envp
            .iter()
            .map(|a| a.as_ptr())
            .chain(std::iter::once(std::ptr::null()))
            .collect();
        let ids = self.identity.as_ref().map(|i| ChildIds {
            uid: i.ids.uid,
            gid: i.ids.gid,
            groups: &i.ids.groups,
        });
        let userns_maps = (self.containment.ns == NsMode::UserPid).then_some(UserNsMaps {
            uid_map: &self.containment.uid_map,
            gid_map: &self.containment.gid_map,
        });
        let spec = ChildSpec {
            path: &self.program,
            argv: &argv,
            envp: &envp,
            cwd: &self.cwd,
            stdin: stdin_fd.as_raw_fd(),
            stdout: child_out[0].as_raw_fd(),
            stderr: child_out[1].as_raw_fd(),
            umask: self.spec.umask,
            rlimits: &self.rlimits[..self.n_rlimits],
            ids,
            cgroup_procs: cgroup.as_ref().map(|c| c.procs_fd()),
            landlock: self.landlock.as_ref().map(|f| f.as_fd().as_raw_fd()),
            seccomp: self.seccomp.as_ref().map(|p| p.instructions()),
            parent_pidfd: parent_pidfd.as_raw_fd(),
            ns: self.containment.ns,
            userns_maps,
            memfd_noexec: self.containment.memfd_noexec,
            pid_max: self
                .containment
                .pid_max
                .map(|_| self.containment.pid_max_text.as_slice()),
            root_caps: self.containment.root_caps.map(|c| RootCaps {
                keep: c.bits(),
                last: crate::sandbox::caps::last_cap(),
            }),
            ipc_ns: self.containment.ipc_ns,
        };
        let start = Instant::now();
        let spawned = sys::spawn(&spec).map_err(|f| match f {
            SpawnFailure::Clone(e) => RunError::Io {
                what: "creating the child process",
                source: e,
            },
            SpawnFailure::Child {
                stage: Stage::Exec,
                errno,
            } => RunError::Exec {
                program: self.program.to_string_lossy().into_owned(),
                errno,
            },
            SpawnFailure::Child { stage, errno } => RunError::Setup {
                stage: SetupStage(stage),
                errno,
            },
        })?;
        drop(stdin_fd);
        drop(child_out);
        let [s0, s1]: [Stream; 2] = match streams.try_into() {
            Ok(a) => a,
            Err(_) => unreachable!("two streams were pushed"),
        };
        #[cfg(feature = "tracing")]
        let span = tracing::info_span!(
            target: "execward",
            "execward.run",
            action = self.spec.label.as_deref().unwrap_or(""),
            program = %self.spec.program.display(),
            pid = spawned.pid,
            decision = "allowed",
            status = tracing::field::Empty,
            exit_code = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
            truncated = tracing::field::Empty,
            output_bytes = tracing::field::Empty,
        );
        let core = Core {
            pid: spawned.pid,
            pidfd: spawned.pidfd,
            streams: [s0, s1],
            cgroup,
            ns: self.containment.ns,
            start,
            timeout: self.spec.timeout,
            grace: self.spec.grace,
            cap: self.spec.limits.output,
            status: None,
            report: self.sandbox_report().clone(),
            #[cfg(feature = "tracing")]
            span,
        };
        Child::start(core, caller)
    }

    /// Runs the plan to completion.
    ///
    /// # Errors
    /// As [`Plan::spawn`], or an I/O error while supervising.
    pub fn run(&self) -> Result<Outcome, RunError> {
        self.spawn()?.wait()
    }
}
