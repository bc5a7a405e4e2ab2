//! Waiting for descriptors: `poll(2)` for the blocking supervisor, and
//! registration with tokio's reactor for the async one.

use std::io;
#[cfg(feature = "tokio")]
use std::os::fd::OwnedFd;

/// `poll(2)` over `fds`; an interrupted call counts as "nothing ready".
pub(crate) fn poll(fds: &mut [libc::pollfd], timeout_ms: i32) -> io::Result<i32> {
    // SAFETY: `fds` is a valid, exclusively borrowed slice of pollfd for
    // the duration of the call, and its length is passed with it.
    let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout_ms) };
    if n < 0 {
        let e = io::Error::last_os_error();
        if e.kind() == io::ErrorKind::Interrupted {
            return Ok(0);
        }
        return Err(e);
    }
    Ok(n)
}

/// Registers an owned descriptor with tokio's reactor for readability.
#[cfg(feature = "tokio")]
pub(crate) fn async_register(fd: OwnedFd) -> io::Result<tokio::io::unix::AsyncFd<OwnedFd>> {
    // SAFETY: an OwnedFd is a valid open descriptor for as long as it lives,
    // and the AsyncFd takes ownership of it, so it stays open (and refers to
    // the same file) until the registration is dropped; OwnedFd's
    // `as_raw_fd` always returns that descriptor.
    unsafe { tokio::io::unix::AsyncFd::register_with_interest(fd, tokio::io::Interest::READABLE) }
        .map_err(io::Error::from)
}

/// Registers an owned descriptor with tokio's reactor for `interest`.
#[cfg(feature = "tokio")]
pub(crate) fn async_register_with(
    fd: OwnedFd,
    interest: tokio::io::Interest,
) -> io::Result<tokio::io::unix::AsyncFd<OwnedFd>> {
    // SAFETY: as in `async_register`: the AsyncFd owns the OwnedFd, which
    // stays open and refers to the same file until the registration is
    // dropped, and whose `as_raw_fd` always returns that descriptor.
    unsafe { tokio::io::unix::AsyncFd::register_with_interest(fd, interest) }
        .map_err(io::Error::from)
}
