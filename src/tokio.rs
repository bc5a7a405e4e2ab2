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

use std::os::fd::{BorrowedFd, OwnedFd};

use tokio::io::unix::{AsyncFd, AsyncFdReadyGuard};

use crate::outcome::Outcome;
use crate::plan::Plan;
use crate::supervise::{Child, ReadResult, RunError, WaitState};

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
    pub async fn wait_async(mut self) -> Result<Outcome, RunError> {
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
            let timer = tokio::time::sleep_until(st.next_timer().into());
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
