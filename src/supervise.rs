//! Running a plan: creating the child, then waiting for it with a
//! wall-clock limit, capturing or forwarding its output within a byte cap,
//! and killing its whole process tree when it ends.
//!
//! Nothing here touches raw memory; the only process creation goes through
//! the private `sys::spawn`.

use std::fs::OpenOptions;
use std::io::{self, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::Pid;

use crate::command::{Output, Stdin};
use crate::error::ErrorClass;
use crate::plan::Plan;
use crate::sandbox::containment::ActionCgroup;
use crate::sandbox::SandboxReport;
use crate::sys::{self, ChildIds, ChildSpec, NsMode, SpawnFailure, Stage, UserNsMaps};

/// How long output is still read after the child exited (its descendants
/// are gone by then when the tree is contained).
const DRAIN_AFTER_EXIT: Duration = Duration::from_millis(500);

/// Errors while starting or supervising the child.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// An operating-system error in the parent.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The error.
        source: io::Error,
    },
    /// A step of the child's set-up failed before `execve`.
    #[error("{} failed: {}", stage.describe(), io::Error::from_raw_os_error(*errno))]
    Setup {
        /// The failed step.
        #[doc(hidden)]
        stage: SetupStage,
        /// Its `errno`.
        errno: i32,
    },
    /// `execve` failed.
    #[error("{program}: {}", io::Error::from_raw_os_error(*errno))]
    Exec {
        /// The program.
        program: String,
        /// The `errno` of `execve`.
        errno: i32,
    },
}

/// A step of the child's set-up (opaque; shown in messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetupStage(pub(crate) Stage);

impl SetupStage {
    fn describe(&self) -> &'static str {
        self.0.describe()
    }
}

impl RunError {
    /// SPEC's exit status: 127 when `execve` found no program, 126 when it
    /// could not execute it, 125 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            RunError::Exec { errno, .. } if *errno == libc::ENOENT => 127,
            RunError::Exec { .. } => 126,
            _ => 125,
        }
    }

    /// SPEC's message class.
    pub fn class(&self) -> ErrorClass {
        match self {
            RunError::Setup { stage, .. } if stage.0.is_confinement() => ErrorClass::Sandbox,
            _ => ErrorClass::Exec,
        }
    }
}

fn io_err(what: &'static str) -> impl FnOnce(io::Error) -> RunError {
    move |source| RunError::Io { what, source }
}

/// How the child ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// It exited with this code.
    Exited(i32),
    /// It was killed by this signal.
    Signaled(i32),
    /// Its time limit ran out and its process tree was killed.
    TimedOut,
}

impl Status {
    /// SPEC's exit status: the child's code, 128+signal, or 124.
    pub fn code(&self) -> i32 {
        match self {
            Status::Exited(c) => *c,
            Status::Signaled(s) => 128 + s,
            Status::TimedOut => 124,
        }
    }

    /// True if the child exited with code 0.
    pub fn success(&self) -> bool {
        *self == Status::Exited(0)
    }
}

/// The result of a finished run.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// How it ended.
    pub status: Status,
    /// Captured stdout (empty unless [`Output::Capture`]).
    pub stdout: Vec<u8>,
    /// Captured stderr (empty unless [`Output::Capture`]).
    pub stderr: Vec<u8>,
    /// True if output beyond the `output` limit was discarded.
    pub truncated: bool,
    /// Total bytes the child wrote to stdout and stderr.
    pub output_bytes: u64,
    /// Wall-clock time from spawn to the end.
    pub duration: Duration,
    /// The child's pid (in the caller's PID namespace).
    pub pid: u32,
    /// What was enforced.
    pub sandbox: SandboxReport,
}

impl Outcome {
    /// SPEC's exit status for this outcome.
    pub fn exit_code(&self) -> i32 {
        self.status.code()
    }
}

/// One output stream being read.
struct Stream {
    fd: Option<OwnedFd>,
    mode: Output,
    buf: Vec<u8>,
}

/// A running child. Dropping it kills the whole process tree and reaps
/// the child.
pub struct Child {
    pid: i32,
    pidfd: OwnedFd,
    streams: [Stream; 2],
    cgroup: Option<ActionCgroup>,
    ns: NsMode,
    start: Instant,
    timeout: Duration,
    grace: Duration,
    cap: u64,
    status: Option<Status>,
    report: SandboxReport,
}

impl std::fmt::Debug for Child {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Child")
            .field("pid", &self.pid)
            .field("status", &self.status)
            .finish()
    }
}

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
    /// ([`Child::wait`]); dropping it kills the process tree.
    ///
    /// Any thread may call it: children are created by one long-lived
    /// spawner thread, so the kernel's (per-thread) parent-death signal
    /// fires only when this process dies.
    ///
    /// # Errors
    /// [`RunError`] when pipes, the cgroup or the child cannot be created,
    /// or a step of the child's set-up or `execve` fails.
    pub fn spawn(&self) -> Result<Child, RunError> {
        // stdin
        let stdin_fd = match &self.stdin {
            Stdin::Null => open_null(false).map_err(io_err("opening /dev/null"))?,
            Stdin::Inherit => sys::dup_above_stdio(0).map_err(io_err("duplicating stdin"))?,
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
        for mode in [self.stdout, self.stderr] {
            match mode {
                Output::Null => {
                    child_out.push(open_null(true).map_err(io_err("opening /dev/null"))?);
                    streams.push(Stream {
                        fd: None,
                        mode,
                        buf: Vec::new(),
                    });
                }
                Output::Capture | Output::Forward => {
                    let (r, w) = sys::pipe().map_err(io_err("creating an output pipe"))?;
                    child_out.push(w);
                    streams.push(Stream {
                        fd: Some(r),
                        mode,
                        buf: Vec::new(),
                    });
                }
            }
        }
        let cgroup = match &self.containment.cgroup {
            Some(h) => Some(
                ActionCgroup::create(h, self.limits.nproc.unwrap_or(4096))
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
            uid: i.uid,
            gid: i.gid,
            groups: &i.groups,
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
            umask: self.umask,
            rlimits: &self.rlimits[..self.n_rlimits],
            ids,
            cgroup_procs: cgroup.as_ref().map(|c| c.procs_fd()),
            landlock: self.landlock.as_ref().map(|f| f.as_fd().as_raw_fd()),
            seccomp: self.seccomp.as_ref().map(|p| p.instructions()),
            parent_pidfd: parent_pidfd.as_raw_fd(),
            ns: self.containment.ns,
            userns_maps,
            memfd_noexec: self.containment.memfd_noexec,
            drop_caps: self.containment.drop_caps,
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
        Ok(Child {
            pid: spawned.pid,
            pidfd: spawned.pidfd,
            streams: [s0, s1],
            cgroup,
            ns: self.containment.ns,
            start,
            timeout: self.timeout,
            grace: self.grace,
            cap: self.limits.output,
            status: None,
            report: self.sandbox_report().clone(),
        })
    }

    /// Runs the plan to completion.
    ///
    /// # Errors
    /// As [`Plan::spawn`], or an I/O error while supervising.
    pub fn run(&self) -> Result<Outcome, RunError> {
        self.spawn()?.wait()
    }
}

impl Child {
    /// The child's pid (in the caller's PID namespace).
    pub fn id(&self) -> u32 {
        self.pid as u32
    }

    /// Sends `sig` to the child and its process group; with `SIGKILL` also
    /// to every process of its cgroup. In a PID namespace, the child's
    /// death kills every other process of the namespace.
    fn signal_tree(&self, sig: Signal) {
        if self.status.is_some() {
            return;
        }
        let _ = kill(Pid::from_raw(self.pid), sig);
        let _ = kill(Pid::from_raw(-self.pid), sig);
        if sig == Signal::SIGKILL {
            if let Some(cg) = &self.cgroup {
                cg.kill_all();
            }
        }
    }

    /// Kills the whole process tree now (`SIGKILL`) and reaps the child.
    pub fn kill(&mut self) {
        self.signal_tree(Signal::SIGKILL);
        self.reap_blocking();
        self.cleanup();
    }

    fn reap_blocking(&mut self) {
        if self.status.is_none() {
            self.status = Some(match waitpid(Pid::from_raw(self.pid), None) {
                Ok(WaitStatus::Exited(_, c)) => Status::Exited(c),
                Ok(WaitStatus::Signaled(_, s, _)) => Status::Signaled(s as i32),
                _ => Status::Signaled(libc::SIGKILL),
            });
        }
    }

    /// After the child is gone: kill whatever is left of its tree.
    fn cleanup(&mut self) {
        if self.ns == NsMode::None {
            let _ = kill(Pid::from_raw(-self.pid), Signal::SIGKILL);
        }
        if let Some(mut cg) = self.cgroup.take() {
            cg.kill_and_remove();
        }
    }

    /// Waits for the child with its time limit, collecting or forwarding
    /// output within the cap; then kills what is left of its tree.
    ///
    /// # Errors
    /// An I/O error while polling or reading.
    pub fn wait(mut self) -> Result<Outcome, RunError> {
        let mut st = WaitState::new(&self);
        let mut chunk = vec![0u8; 64 * 1024];
        while !st.done(&self) {
            let wait_ms = st
                .next_timer()
                .saturating_duration_since(Instant::now())
                .as_millis()
                .min(i32::MAX as u128) as i32;
            let mut fds: Vec<libc::pollfd> = Vec::with_capacity(3);
            let mut which: Vec<Option<usize>> = Vec::with_capacity(3);
            if st.exited_at.is_none() {
                fds.push(libc::pollfd {
                    fd: self.pidfd.as_raw_fd(),
                    events: libc::POLLIN,
                    revents: 0,
                });
                which.push(None);
            }
            for (i, s) in self.streams.iter().enumerate() {
                if let Some(fd) = &s.fd {
                    fds.push(libc::pollfd {
                        fd: fd.as_raw_fd(),
                        events: libc::POLLIN,
                        revents: 0,
                    });
                    which.push(Some(i));
                }
            }
            let n = crate::sys::poll(&mut fds, wait_ms).map_err(io_err("waiting for the child"))?;
            if n > 0 {
                for (pfd, w) in fds.iter().zip(&which) {
                    if pfd.revents == 0 {
                        continue;
                    }
                    match w {
                        None => {
                            self.reap_blocking();
                            st.on_exit(&mut self);
                        }
                        Some(i) => {
                            self.read_stream(*i, &mut chunk, &mut st)?;
                        }
                    }
                }
            }
            st.on_timer(&self, Instant::now());
        }
        Ok(st.finish(&mut self))
    }

    /// Reads once from stream `i` (which poll reported readable) and
    /// handles the bytes within the cap.
    pub(crate) fn read_stream(
        &mut self,
        i: usize,
        chunk: &mut [u8],
        st: &mut WaitState,
    ) -> Result<ReadResult, RunError> {
        let s = &mut self.streams[i];
        let Some(fd) = &s.fd else {
            return Ok(ReadResult::Eof);
        };
        let got = match nix::unistd::read(fd, chunk) {
            Ok(0) => {
                s.fd = None;
                return Ok(ReadResult::Eof);
            }
            Ok(n) => n,
            Err(nix::errno::Errno::EINTR) => return Ok(ReadResult::Data),
            Err(nix::errno::Errno::EAGAIN) => return Ok(ReadResult::WouldBlock),
            Err(e) => {
                return Err(RunError::Io {
                    what: "reading the child's output",
                    source: e.into(),
                })
            }
        };
        let room = self.cap.saturating_sub(st.total).min(got as u64) as usize;
        st.total += got as u64;
        if room < got {
            st.truncated = true;
        }
        let data = &chunk[..room];
        match s.mode {
            Output::Capture => s.buf.extend_from_slice(data),
            Output::Forward if !data.is_empty() => {
                // A closed stdout of ours is not the child's problem.
                let _ = if i == 0 {
                    io::stdout()
                        .lock()
                        .write_all(data)
                        .and_then(|_| io::stdout().flush())
                } else {
                    io::stderr().lock().write_all(data)
                };
            }
            _ => {}
        }
        Ok(ReadResult::Data)
    }

    /// Output stream `i` while it is open.
    #[cfg(feature = "tokio")]
    pub(crate) fn stream_borrowed(&self, i: usize) -> Option<std::os::fd::BorrowedFd<'_>> {
        self.streams[i].fd.as_ref().map(|f| f.as_fd())
    }

    /// The child's pidfd.
    #[cfg(feature = "tokio")]
    pub(crate) fn pidfd_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.pidfd.as_fd()
    }

    /// Reaps the child, which has exited (its pidfd is readable).
    #[cfg(feature = "tokio")]
    pub(crate) fn reap_exited(&mut self) {
        self.reap_blocking();
    }
}

/// What one read of an output stream gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReadResult {
    /// Bytes were read (or the read was interrupted): read again.
    Data,
    /// End of file: the stream is closed.
    Eof,
    /// Nothing to read now (non-blocking descriptors only).
    WouldBlock,
}

/// `t + d`, saturating at a year from `t` (a `Duration::MAX` timeout must
/// not overflow).
fn later(t: Instant, d: Duration) -> Instant {
    t.checked_add(d)
        .unwrap_or_else(|| t + Duration::from_secs(365 * 86_400))
}

/// The supervision state shared by the blocking and async waits: timers,
/// the output count, and when the child exited.
#[derive(Debug)]
pub(crate) struct WaitState {
    pub(crate) deadline: Instant,
    pub(crate) kill_at: Option<Instant>,
    pub(crate) timed_out: bool,
    pub(crate) exited_at: Option<Instant>,
    pub(crate) total: u64,
    pub(crate) truncated: bool,
}

impl WaitState {
    pub(crate) fn new(child: &Child) -> WaitState {
        WaitState {
            deadline: later(child.start, child.timeout),
            kill_at: None,
            timed_out: false,
            exited_at: None,
            total: 0,
            truncated: false,
        }
    }

    /// True once the child has exited and its output is drained (or the
    /// drain time ran out).
    pub(crate) fn done(&self, child: &Child) -> bool {
        match self.exited_at {
            Some(t) => {
                child.streams.iter().all(|s| s.fd.is_none())
                    || Instant::now() >= t + DRAIN_AFTER_EXIT
            }
            None => false,
        }
    }

    /// When the next timer fires.
    pub(crate) fn next_timer(&self) -> Instant {
        match (self.exited_at, self.kill_at) {
            (Some(t), _) => t + DRAIN_AFTER_EXIT,
            (None, Some(k)) => k,
            (None, None) => self.deadline,
        }
    }

    /// The child was reaped: kill what is left of its tree.
    pub(crate) fn on_exit(&mut self, child: &mut Child) {
        self.exited_at = Some(Instant::now());
        child.cleanup();
    }

    /// Timeout handling: `SIGTERM` at the deadline, `SIGKILL` after the
    /// grace period.
    pub(crate) fn on_timer(&mut self, child: &Child, now: Instant) {
        if self.exited_at.is_some() {
            return;
        }
        match self.kill_at {
            None if now >= self.deadline => {
                self.timed_out = true;
                child.signal_tree(Signal::SIGTERM);
                self.kill_at = Some(later(now, child.grace));
            }
            Some(k) if now >= k => {
                child.signal_tree(Signal::SIGKILL);
                self.kill_at = Some(now + Duration::from_secs(3600));
            }
            _ => {}
        }
    }

    /// The outcome.
    pub(crate) fn finish(&self, child: &mut Child) -> Outcome {
        let status = if self.timed_out {
            Status::TimedOut
        } else {
            child.status.unwrap_or(Status::Signaled(libc::SIGKILL))
        };
        let [s0, s1] = &mut child.streams;
        Outcome {
            status,
            stdout: std::mem::take(&mut s0.buf),
            stderr: std::mem::take(&mut s1.buf),
            truncated: self.truncated,
            output_bytes: self.total,
            duration: child.start.elapsed(),
            pid: child.pid as u32,
            sandbox: child.report.clone(),
        }
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        if self.status.is_none() {
            self.signal_tree(Signal::SIGKILL);
            self.reap_blocking();
        }
        self.cleanup();
    }
}
