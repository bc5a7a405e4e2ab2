//! Waiting for a started child: a wall-clock limit (`SIGTERM`, then
//! `SIGKILL` after the grace period), its output captured or forwarded
//! within a byte cap, and its whole process tree killed when it ends.
//! [`Child::wait`] is the blocking front end; the async one
//! (`Child::wait_async`, feature `tokio`) shares its state machine.
//!
//! Nothing here creates a process ([`Plan::spawn`](crate::Plan::spawn), in
//! `launch.rs`, does) or touches raw memory.

use std::io::{self, Write};
#[cfg(feature = "tokio")]
use std::os::fd::AsFd;
use std::os::fd::{AsRawFd, OwnedFd};
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::Pid;

use crate::sandbox::containment::ActionCgroup;
use crate::sandbox::SandboxReport;
use crate::stdio::Output;
use crate::sys::{NsMode, Stage};

pub use crate::outcome::{Outcome, Status};

/// How long output is still read after the child exited (its descendants
/// are gone by then when the tree is contained).
const DRAIN_AFTER_EXIT: Duration = Duration::from_millis(500);

/// Errors while starting or supervising the child.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
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

    /// True when the step installs a confinement (see
    /// [`crate::error`] for what that means for the message class).
    pub(crate) fn is_confinement(&self) -> bool {
        self.0.is_confinement()
    }
}

/// The [`RunError::Io`] for `what`.
pub(crate) fn io_err(what: &'static str) -> impl FnOnce(io::Error) -> RunError {
    move |source| RunError::Io { what, source }
}

/// One output stream being read.
pub(crate) struct Stream {
    /// The read end of the child's pipe (`None`: not a pipe, or closed).
    pub(crate) fd: Option<OwnedFd>,
    pub(crate) mode: Output,
    pub(crate) buf: Vec<u8>,
}

/// A running child. Dropping it kills the whole process tree and reaps
/// the child.
pub struct Child {
    pub(crate) pid: i32,
    pub(crate) pidfd: OwnedFd,
    pub(crate) streams: [Stream; 2],
    pub(crate) cgroup: Option<ActionCgroup>,
    pub(crate) ns: NsMode,
    pub(crate) start: Instant,
    pub(crate) timeout: Duration,
    pub(crate) grace: Duration,
    /// The `output` limit in bytes, for both streams together.
    pub(crate) cap: u64,
    pub(crate) status: Option<Status>,
    pub(crate) report: SandboxReport,
}

impl std::fmt::Debug for Child {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Child")
            .field("pid", &self.pid)
            .field("status", &self.status)
            .finish()
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
