//! The async front end (cargo feature `tokio`).
//!
//! Spawning is synchronous and fast (a `clone(CLONE_VM | CLONE_VFORK)`,
//! no page-table copy), so it happens on the calling task; waiting uses the
//! child's pidfd and its output pipes registered with tokio's reactor, so
//! no thread is blocked while the action runs.
//!
//! **Cancellation kills.** Dropping the future returned by
//! [`Plan::run_async`], [`Child::wait_async`] or
//! [`Command::output_async`](crate::Command::output_async)
//! (for instance when an axum request is cancelled or a
//! `tokio::time::timeout` fires) kills the action's whole process tree and
//! reaps it: nothing an action starts outlives it.
//!
//! ```no_run
//! # async fn demo() -> Result<(), execward::Error> {
//! let out = execward::Command::new("/usr/bin/printf").arg("hi").output_async().await?;
//! assert_eq!(out.stdout, b"hi");
//! # Ok(()) }
//! ```
//!
//! **Streams.** A piped stream ([`Output::Piped`](crate::Output::Piped),
//! [`Stdin::Piped`](crate::Stdin::Piped)) becomes an [`AsyncChildOutput`]
//! (`AsyncRead`, and [`AsyncChildOutput::next_line`]) or an
//! [`AsyncChildStdin`] (`AsyncWrite`) with `into_async`; the child's
//! watchdog thread keeps its time and output limits whether or not the
//! task reads, and dropping the [`Child`] (or the future of
//! [`Child::wait_async`]) kills the tree.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use execward::{Command, Output};
//! use tokio::io::AsyncReadExt;
//! let mut child = Command::new("/usr/bin/seq").arg("3").stdout(Output::Piped).spawn()?;
//! let mut out = child.take_stdout().unwrap().into_async()?;
//! let mut text = String::new();
//! out.read_to_string(&mut text).await?;
//! assert_eq!(text, "1\n2\n3\n");
//! assert!(child.wait_async().await?.status.success());
//! # Ok(()) }
//! ```

use std::io;
use std::os::fd::{BorrowedFd, OwnedFd};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use tokio::io::unix::{AsyncFd, AsyncFdReadyGuard};
use tokio::io::{AsyncRead, AsyncWrite, Interest, ReadBuf};

use crate::outcome::Outcome;
use crate::plan::Plan;
use crate::stream::{ChildOutput, ChildStdin, LineSplitter, StreamKind};
use crate::supervise::{Child, Core, Inner, ReadResult, RunError, WaitState, Watch};

/// Registers a duplicate of `fd` (same open file description) with the
/// reactor; `nonblocking` also sets `O_NONBLOCK` on the description.
fn register(fd: BorrowedFd<'_>, nonblocking: bool) -> Result<AsyncFd<OwnedFd>, RunError> {
    use nix::fcntl::{fcntl, FcntlArg, OFlag};
    let io = |what: &'static str| {
        move |e: nix::errno::Errno| RunError::Io {
            what,
            source: e.into(),
        }
    };
    if nonblocking {
        let flags = fcntl(fd, FcntlArg::F_GETFL).map_err(io("reading descriptor flags"))?;
        fcntl(
            fd,
            FcntlArg::F_SETFL(OFlag::from_bits_truncate(flags) | OFlag::O_NONBLOCK),
        )
        .map_err(io("making a pipe non-blocking"))?;
    }
    let dup = fd.try_clone_to_owned().map_err(|source| RunError::Io {
        what: "duplicating a descriptor",
        source,
    })?;
    crate::sys::async_register(dup).map_err(|source| RunError::Io {
        what: "registering with the tokio reactor",
        source,
    })
}

async fn readable(
    fd: &Option<AsyncFd<OwnedFd>>,
) -> std::io::Result<AsyncFdReadyGuard<'_, OwnedFd>> {
    match fd {
        Some(a) => a.readable().await,
        None => std::future::pending().await,
    }
}

impl Child {
    /// Waits for the child without blocking a thread. See [`Child::wait`].
    ///
    /// Dropping the returned future kills the child's process tree.
    ///
    /// # Errors
    /// An I/O error while waiting or reading.
    pub async fn wait_async(self) -> Result<Outcome, RunError> {
        match self.into_inner() {
            Inner::Here(core) => core.wait_async().await,
            Inner::Watched(watch) => watch.wait_async().await,
        }
    }
}

impl Watch {
    /// Waits (without blocking a thread) until the watchdog thread is done,
    /// then takes its outcome. Dropping the future drops the watch, which
    /// kills the tree.
    async fn wait_async(self) -> Result<Outcome, RunError> {
        let done = register(std::os::fd::AsFd::as_fd(&self.done), false)?;
        let mut g = done.readable().await.map_err(|source| RunError::Io {
            what: "waiting for the watchdog",
            source,
        })?;
        g.clear_ready();
        drop(g);
        self.finish()
    }
}

impl Core {
    async fn wait_async(mut self) -> Result<Outcome, RunError> {
        let mut st = WaitState::new(&self);
        let pid = register(self.pidfd_fd(), false)?;
        let mut outs: [Option<AsyncFd<OwnedFd>>; 2] = [None, None];
        for (i, slot) in outs.iter_mut().enumerate() {
            if let Some(fd) = self.stream_borrowed(i) {
                *slot = Some(register(fd, true)?);
            }
        }
        let mut chunk = vec![0u8; 64 * 1024];
        while !st.done(&self) {
            let timer = tokio::time::sleep_until(st.next_timer(&self).into());
            let mut eof = None;
            tokio::select! {
                r = pid.readable(), if st.exited_at.is_none() => {
                    let mut g = r.map_err(|source| RunError::Io { what: "waiting for the child", source })?;
                    g.clear_ready();
                    self.reap_exited();
                    st.on_exit(&mut self);
                }
                r = readable(&outs[0]), if outs[0].is_some() => {
                    let g = r.map_err(|source| RunError::Io { what: "waiting for output", source })?;
                    if self.drain(0, g, &mut chunk, &mut st)? { eof = Some(0); }
                }
                r = readable(&outs[1]), if outs[1].is_some() => {
                    let g = r.map_err(|source| RunError::Io { what: "waiting for output", source })?;
                    if self.drain(1, g, &mut chunk, &mut st)? { eof = Some(1); }
                }
                _ = timer => {}
            }
            if let Some(i) = eof {
                outs[i] = None;
            }
            st.on_timer(&self, std::time::Instant::now());
        }
        Ok(st.finish(&mut self))
    }

    /// Reads stream `i` until it would block (clearing readiness) or ends.
    /// Returns true at end of file.
    fn drain(
        &mut self,
        i: usize,
        mut g: AsyncFdReadyGuard<'_, OwnedFd>,
        chunk: &mut [u8],
        st: &mut WaitState,
    ) -> Result<bool, RunError> {
        loop {
            match self.read_stream(i, chunk, st)? {
                ReadResult::Data => continue,
                ReadResult::Eof => return Ok(true),
                ReadResult::WouldBlock => {
                    g.clear_ready();
                    return Ok(false);
                }
            }
        }
    }
}

impl Plan {
    /// Runs the plan without blocking a thread. See [`Plan::run`].
    ///
    /// # Errors
    /// As [`Plan::run`].
    pub async fn run_async(&self) -> Result<Outcome, RunError> {
        self.spawn()?.wait_async().await
    }
}

/// `fd` made non-blocking and registered with the reactor for `interest`.
fn register_owned(fd: OwnedFd, interest: Interest) -> io::Result<AsyncFd<OwnedFd>> {
    use nix::fcntl::{fcntl, FcntlArg, OFlag};
    let flags = fcntl(&fd, FcntlArg::F_GETFL).map_err(io::Error::from)?;
    fcntl(
        &fd,
        FcntlArg::F_SETFL(OFlag::from_bits_truncate(flags) | OFlag::O_NONBLOCK),
    )
    .map_err(io::Error::from)?;
    crate::sys::async_register_with(fd, interest)
}

impl ChildOutput {
    /// This stream as an [`AsyncChildOutput`] (`AsyncRead`). Call it within
    /// a tokio runtime.
    ///
    /// # Errors
    /// When the descriptor cannot be registered with the reactor.
    pub fn into_async(self) -> io::Result<AsyncChildOutput> {
        let kind = self.kind;
        Ok(AsyncChildOutput {
            fd: register_owned(self.into_fd(), Interest::READABLE)?,
            kind,
            split: LineSplitter::default(),
            eof: false,
        })
    }
}

/// A child's stdout or stderr for async code ([`ChildOutput::into_async`]):
/// `AsyncRead`, or line by line with [`AsyncChildOutput::next_line`].
#[derive(Debug)]
pub struct AsyncChildOutput {
    fd: AsyncFd<OwnedFd>,
    kind: StreamKind,
    split: LineSplitter,
    eof: bool,
}

impl AsyncChildOutput {
    /// Stdout or stderr.
    pub fn kind(&self) -> StreamKind {
        self.kind
    }

    /// The next line (without its newline; invalid UTF-8 replaced by
    /// U+FFFD; a line longer than [`crate::stream::MAX_LINE`] in pieces),
    /// or `None` at the end.
    ///
    /// # Errors
    /// An I/O error while reading.
    pub async fn next_line(&mut self) -> io::Result<Option<String>> {
        use tokio::io::AsyncReadExt;
        let mut chunk = [0u8; 8192];
        loop {
            if let Some(line) = self.split.next_line() {
                return Ok(Some(line));
            }
            if self.eof {
                return Ok(self.split.finish());
            }
            let n = self.read(&mut chunk).await?;
            if n == 0 {
                self.eof = true;
            } else {
                self.split.feed(&chunk[..n]);
            }
        }
    }
}

impl AsyncRead for AsyncChildOutput {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            let mut g = ready!(this.fd.poll_read_ready(cx))?;
            let unfilled = buf.initialize_unfilled();
            match g.try_io(|fd| nix::unistd::read(fd.get_ref(), unfilled).map_err(io::Error::from))
            {
                Ok(Ok(n)) => {
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Ok(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
                Ok(Err(e)) => return Poll::Ready(Err(e)),
                Err(_would_block) => {}
            }
        }
    }
}

impl ChildStdin {
    /// This pipe as an [`AsyncChildStdin`] (`AsyncWrite`). Call it within
    /// a tokio runtime.
    ///
    /// # Errors
    /// When the descriptor cannot be registered with the reactor.
    pub fn into_async(self) -> io::Result<AsyncChildStdin> {
        Ok(AsyncChildStdin {
            fd: Some(register_owned(self.into_fd(), Interest::WRITABLE)?),
        })
    }
}

/// A child's stdin for async code ([`ChildStdin::into_async`]):
/// `AsyncWrite`; `shutdown` (or dropping it) closes the child's stdin.
#[derive(Debug)]
pub struct AsyncChildStdin {
    fd: Option<AsyncFd<OwnedFd>>,
}

impl AsyncWrite for AsyncChildStdin {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let Some(fd) = &this.fd else {
            return Poll::Ready(Err(io::Error::from(io::ErrorKind::BrokenPipe)));
        };
        loop {
            let mut g = ready!(fd.poll_write_ready(cx))?;
            match g.try_io(|fd| nix::unistd::write(fd.get_ref(), data).map_err(io::Error::from)) {
                Ok(Ok(n)) => return Poll::Ready(Ok(n)),
                Ok(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
                Ok(Err(e)) => return Poll::Ready(Err(e)),
                Err(_would_block) => {}
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().fd = None;
        Poll::Ready(Ok(()))
    }
}
