//! Waiting for a started child: a wall-clock limit (`SIGTERM`, then
//! `SIGKILL` after the grace period), its output captured, forwarded or
//! relayed to the caller within a byte cap, and its whole process tree
//! killed when it ends. [`Child::wait`] is the blocking front end; the
//! async one (`Child::wait_async`, feature `tokio`) shares its state
//! machine.
//!
//! A child with a stream the caller reads or writes itself
//! ([`Output::Piped`], [`Stdin::Piped`](crate::Stdin::Piped)) is
//! supervised from the moment it starts by a thread of its own (the
//! watchdog), which runs the same loop as [`Child::wait`] and relays its
//! piped output (see [`crate::stream`]): the time limit, the output limit
//! and the tree kill hold even while the caller is busy elsewhere or never
//! reads. The [`Child`] handle then only waits for that thread; dropping
//! it tells the thread to kill the tree.
//!
//! Nothing here creates a process ([`Plan::spawn`](crate::Plan::spawn), in
//! `launch.rs`, does) or touches raw memory.

use std::io::{self, Write};
#[cfg(feature = "tokio")]
use std::os::fd::AsFd;
use std::os::fd::{AsRawFd, OwnedFd};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::Pid;

use crate::sandbox::containment::ActionCgroup;
use crate::sandbox::SandboxReport;
use crate::stdio::Output;
use crate::stream::{ChildOutput, ChildStdin, Relay};
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
    /// For [`Output::Piped`]: the caller's pipe (`None` once closed).
    pub(crate) relay: Option<Relay>,
}

impl Stream {
    /// True while the stream may be read: a piped stream waits until the
    /// caller has taken what was relayed before.
    fn wants_input(&self) -> bool {
        self.fd.is_some() && self.relay.as_ref().is_none_or(Relay::is_flushed)
    }

    /// Closes the caller's pipe (end of file for the caller) once all it
    /// will ever get is in it: the child's stream ended, or the output
    /// limit was reached (`capped`).
    fn close_relay_if_done(&mut self, capped: bool) {
        if (self.fd.is_none() || capped) && self.relay.as_ref().is_some_and(Relay::is_flushed) {
            self.relay = None;
        }
    }
}

/// A running child. Dropping it kills the whole process tree and reaps
/// the child.
///
/// With [`Output::Piped`] or [`Stdin::Piped`](crate::Stdin::Piped) take
/// the streams with [`Child::take_stdout`], [`Child::take_stderr`] and
/// [`Child::take_stdin`], then [`Child::wait`] for the outcome.
pub struct Child {
    pid: i32,
    inner: Inner,
    stdin: Option<ChildStdin>,
    stdout: Option<ChildOutput>,
    stderr: Option<ChildOutput>,
}

/// Who supervises the child.
pub(crate) enum Inner {
    /// The caller's thread, in [`Child::wait`].
    Here(Core),
    /// A watchdog thread.
    Watched(Watch),
}

/// The handle on a watchdog thread.
pub(crate) struct Watch {
    thread: Option<JoinHandle<Result<Outcome, RunError>>>,
    /// Closing it (the thread polls the other end) kills the tree.
    cancel: Option<OwnedFd>,
    /// Becomes readable (end of file) when the thread is done.
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    pub(crate) done: OwnedFd,
    /// The outcome, once the thread was joined.
    result: Option<Result<Outcome, RunError>>,
}

impl Watch {
    /// Closes the cancel pipe (the thread kills the tree) unless the
    /// result is in, and joins the thread.
    fn stop(&mut self, cancel: bool) {
        if cancel {
            self.cancel = None;
        }
        if let Some(t) = self.thread.take() {
            self.result = Some(t.join().unwrap_or_else(|_| {
                Err(RunError::Io {
                    what: "supervising the child",
                    source: io::Error::other("the watchdog thread panicked"),
                })
            }));
        }
    }

    /// Joins the thread and returns its outcome.
    pub(crate) fn finish(mut self) -> Result<Outcome, RunError> {
        self.stop(false);
        self.result.take().unwrap_or_else(|| {
            Err(RunError::Io {
                what: "supervising the child",
                source: io::Error::other("the outcome was already taken"),
            })
        })
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.stop(true);
    }
}

/// The streams the caller handles itself.
#[derive(Default)]
pub(crate) struct CallerStreams {
    pub(crate) stdin: Option<ChildStdin>,
    pub(crate) stdout: Option<ChildOutput>,
    pub(crate) stderr: Option<ChildOutput>,
}

/// The state of a running child, owned by whoever supervises it.
pub(crate) struct Core {
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
    /// The run's span (feature `tracing`).
    #[cfg(feature = "tracing")]
    pub(crate) span: tracing::Span,
}

impl std::fmt::Debug for Child {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Child")
            .field("pid", &self.pid)
            .field("watched", &matches!(self.inner, Inner::Watched(_)))
            .finish()
    }
}

impl Child {
    /// A child supervised by `core`: here (in [`Child::wait`]) unless the
    /// caller handles a stream itself, then by a watchdog thread that
    /// starts now.
    pub(crate) fn start(core: Core, streams: CallerStreams) -> Result<Child, RunError> {
        let pid = core.pid;
        let watched = streams.stdin.is_some()
            || streams.stdout.is_some()
            || streams.stderr.is_some()
            || core.streams.iter().any(|s| s.relay.is_some());
        let inner = if watched {
            Inner::Watched(core.watch()?)
        } else {
            Inner::Here(core)
        };
        Ok(Child {
            pid,
            inner,
            stdin: streams.stdin,
            stdout: streams.stdout,
            stderr: streams.stderr,
        })
    }

    /// The child's pid (in the caller's PID namespace).
    pub fn id(&self) -> u32 {
        self.pid as u32
    }

    /// The write end of the child's stdin, with
    /// [`Stdin::Piped`](crate::Stdin::Piped) (once).
    pub fn take_stdin(&mut self) -> Option<ChildStdin> {
        self.stdin.take()
    }

    /// The child's stdout as the caller reads it, with
    /// [`Output::Piped`] (once).
    pub fn take_stdout(&mut self) -> Option<ChildOutput> {
        self.stdout.take()
    }

    /// The child's stderr as the caller reads it, with
    /// [`Output::Piped`] (once).
    pub fn take_stderr(&mut self) -> Option<ChildOutput> {
        self.stderr.take()
    }

    /// Kills the whole process tree now (`SIGKILL`) and reaps the child.
    pub fn kill(&mut self) {
        match &mut self.inner {
            Inner::Here(core) => core.kill(),
            Inner::Watched(w) => w.stop(true),
        }
    }

    /// Waits for the child with its time limit, collecting, forwarding or
    /// relaying output within the cap; then kills what is left of its
    /// tree. Close or drop a [`ChildStdin`] the child reads to the end
    /// first.
    ///
    /// # Errors
    /// An I/O error while polling or reading.
    pub fn wait(mut self) -> Result<Outcome, RunError> {
        drop(self.stdin.take());
        match self.inner {
            Inner::Here(core) => core.supervise(None),
            Inner::Watched(w) => w.finish(),
        }
    }

    /// The parts the async wait needs.
    #[cfg(feature = "tokio")]
    pub(crate) fn into_inner(mut self) -> Inner {
        drop(self.stdin.take());
        self.inner
    }
}

impl Core {
    /// Hands the core to a watchdog thread that supervises it now.
    fn watch(self) -> Result<Watch, RunError> {
        let (cancel_r, cancel_w) = crate::sys::pipe().map_err(io_err("creating a pipe"))?;
        let (done_r, done_w) = crate::sys::pipe().map_err(io_err("creating a pipe"))?;
        // The thread reports to the caller's `tracing` subscriber.
        #[cfg(feature = "tracing")]
        let dispatch = tracing::dispatcher::get_default(|d| d.clone());
        let thread = std::thread::Builder::new()
            .name(format!("execward-watch-{}", self.pid))
            .spawn(move || {
                let run = move || {
                    let result = self.supervise(Some(cancel_r));
                    drop(done_w);
                    result
                };
                #[cfg(feature = "tracing")]
                return tracing::dispatcher::with_default(&dispatch, run);
                #[cfg(not(feature = "tracing"))]
                run()
            })
            .map_err(io_err("starting the watchdog thread"))?;
        Ok(Watch {
            thread: Some(thread),
            cancel: Some(cancel_w),
            done: done_r,
            result: None,
        })
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
    fn kill(&mut self) {
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

    /// Supervises the child to its end (the loop of [`Child::wait`] and of
    /// the watchdog thread): its time limit, its output within the cap
    /// (captured, forwarded or relayed), then what is left of its tree.
    /// `cancel`: the watchdog's cancel pipe; when the handle closes its end
    /// the tree is killed and relays are closed.
    pub(crate) fn supervise(mut self, cancel: Option<OwnedFd>) -> Result<Outcome, RunError> {
        let mut st = WaitState::new(&self);
        let mut chunk = vec![0u8; 64 * 1024];
        let mut cancel = cancel;
        /// What a polled descriptor is.
        enum Polled {
            Exit,
            Read(usize),
            Relay(usize),
            Cancel,
        }
        while !st.done(&self) {
            let wait_ms = st
                .next_timer(&self)
                .saturating_duration_since(Instant::now())
                .as_millis()
                .min(i32::MAX as u128) as i32;
            let mut fds: Vec<libc::pollfd> = Vec::with_capacity(6);
            let mut which: Vec<Polled> = Vec::with_capacity(6);
            let mut add = |fd: i32, events: i16, what: Polled| {
                fds.push(libc::pollfd {
                    fd,
                    events,
                    revents: 0,
                });
                which.push(what);
            };
            if st.exited_at.is_none() {
                add(self.pidfd.as_raw_fd(), libc::POLLIN, Polled::Exit);
            }
            for (i, s) in self.streams.iter().enumerate() {
                if let (true, Some(fd)) = (s.wants_input(), &s.fd) {
                    add(fd.as_raw_fd(), libc::POLLIN, Polled::Read(i));
                }
                if let Some(r) = s.relay.as_ref().filter(|r| !r.is_flushed()) {
                    add(r.fd().as_raw_fd(), libc::POLLOUT, Polled::Relay(i));
                }
            }
            if let Some(c) = &cancel {
                add(c.as_raw_fd(), libc::POLLIN, Polled::Cancel);
            }
            let n = crate::sys::poll(&mut fds, wait_ms).map_err(io_err("waiting for the child"))?;
            if n > 0 {
                for (pfd, w) in fds.iter().zip(&which) {
                    if pfd.revents == 0 {
                        continue;
                    }
                    match w {
                        Polled::Exit => {
                            self.reap_blocking();
                            st.on_exit(&mut self);
                        }
                        Polled::Read(i) => {
                            self.read_stream(*i, &mut chunk, &mut st)?;
                        }
                        Polled::Relay(i) => self.flush_relay(*i),
                        Polled::Cancel => {
                            cancel = None;
                            self.cancel();
                        }
                    }
                }
            }
            st.on_timer(&self, Instant::now());
            let capped = st.total >= self.cap;
            for s in &mut self.streams {
                s.close_relay_if_done(capped);
            }
        }
        Ok(st.finish(&mut self))
    }

    /// The caller dropped the handle: kill the tree, stop reading and
    /// relaying (so the end is not waited for).
    fn cancel(&mut self) {
        #[cfg(feature = "tracing")]
        tracing::warn!(target: "execward", parent: &self.span, "execward: cancelled; killing the process tree");
        self.signal_tree(Signal::SIGKILL);
        for s in &mut self.streams {
            s.fd = None;
            s.relay = None;
        }
    }

    /// Writes what stream `i`'s relay holds; a caller that closed its
    /// reader gets nothing more. (The loop closes a relay that is done.)
    fn flush_relay(&mut self, i: usize) {
        let s = &mut self.streams[i];
        if let Some(r) = &mut s.relay {
            if r.flush().is_err() {
                s.relay = None;
            }
        }
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
                s.close_relay_if_done(false);
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
            Output::Piped => {
                if let Some(r) = &mut s.relay {
                    if r.send(data).is_err() {
                        // The caller closed its reader: discard the rest.
                        s.relay = None;
                    }
                }
                s.close_relay_if_done(st.total >= self.cap);
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
    pub(crate) fn new(child: &Core) -> WaitState {
        WaitState {
            deadline: later(child.start, child.timeout),
            kill_at: None,
            timed_out: false,
            exited_at: None,
            total: 0,
            truncated: false,
        }
    }

    /// True once the child has exited and its output is drained and
    /// relayed (or the drain time ran out).
    pub(crate) fn done(&self, child: &Core) -> bool {
        match self.drain_until(child) {
            Some(until) => {
                child
                    .streams
                    .iter()
                    .all(|s| s.fd.is_none() && s.relay.is_none())
                    || Instant::now() >= until
            }
            None => false,
        }
    }

    /// After the child exited: how long its output is still read. Output
    /// still on its way to a caller who reads it ([`Output::Piped`]) may
    /// take until the time limit, unless that limit is what ended the run.
    fn drain_until(&self, child: &Core) -> Option<Instant> {
        let t = self.exited_at?;
        let drain = t + DRAIN_AFTER_EXIT;
        let piped = child.streams.iter().any(|s| s.mode == Output::Piped);
        Some(if piped && !self.timed_out {
            drain.max(self.deadline)
        } else {
            drain
        })
    }

    /// When the next timer fires.
    pub(crate) fn next_timer(&self, child: &Core) -> Instant {
        match (self.drain_until(child), self.kill_at) {
            (Some(t), _) => t,
            (None, Some(k)) => k,
            (None, None) => self.deadline,
        }
    }

    /// The child was reaped: kill what is left of its tree.
    pub(crate) fn on_exit(&mut self, child: &mut Core) {
        self.exited_at = Some(Instant::now());
        child.cleanup();
    }

    /// Timeout handling: `SIGTERM` at the deadline, `SIGKILL` after the
    /// grace period.
    pub(crate) fn on_timer(&mut self, child: &Core, now: Instant) {
        if self.exited_at.is_some() {
            return;
        }
        match self.kill_at {
            None if now >= self.deadline => {
                #[cfg(feature = "tracing")]
                tracing::warn!(target: "execward", parent: &child.span, "execward: time limit reached; killing the process tree");
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
    pub(crate) fn finish(&self, child: &mut Core) -> Outcome {
        let status = if self.timed_out {
            Status::TimedOut
        } else {
            child.status.unwrap_or(Status::Signaled(libc::SIGKILL))
        };
        // Output given up on before it reached a caller who reads it.
        let lost = child.streams.iter().any(|s| {
            s.mode == Output::Piped
                && (s.relay.as_ref().is_some_and(|r| r.pending() > 0)
                    || (s.fd.is_some() && s.relay.is_some()))
        });
        for s in &mut child.streams {
            s.relay = None;
        }
        #[cfg(feature = "tracing")]
        {
            let span = &child.span;
            span.record("status", tracing::field::display(status_text(status)));
            span.record("exit_code", status.code());
            span.record("duration_ms", child.start.elapsed().as_millis() as u64);
            span.record("truncated", self.truncated || lost);
            span.record("output_bytes", self.total);
            tracing::info!(target: "execward", parent: span, "execward: action ended");
        }
        let [s0, s1] = &mut child.streams;
        Outcome {
            status,
            stdout: std::mem::take(&mut s0.buf),
            stderr: std::mem::take(&mut s1.buf),
            truncated: self.truncated || lost,
            output_bytes: self.total,
            duration: child.start.elapsed(),
            pid: child.pid as u32,
            sandbox: child.report.clone(),
        }
    }
}

/// How a status reads in a span.
#[cfg(feature = "tracing")]
fn status_text(status: Status) -> String {
    match status {
        Status::Exited(c) => format!("exited {c}"),
        Status::Signaled(s) => format!("killed by signal {s}"),
        Status::TimedOut => "timed out".to_string(),
    }
}

impl Drop for Core {
    fn drop(&mut self) {
        if self.status.is_none() {
            #[cfg(feature = "tracing")]
            tracing::warn!(target: "execward", parent: &self.span, "execward: dropped before its end; killing the process tree");
            self.signal_tree(Signal::SIGKILL);
            self.reap_blocking();
        }
        self.cleanup();
    }
}
