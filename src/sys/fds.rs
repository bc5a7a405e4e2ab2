//! Descriptors the parent prepares for a child: pipes and duplicates
//! numbered 3 or above, close-on-exec, and a pidfd of this process.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// A pidfd for the calling process (the child polls it to detect that the
/// parent died before `PR_SET_PDEATHSIG` was armed).
pub(crate) fn pidfd_self() -> io::Result<OwnedFd> {
    let pid = std::process::id() as libc::pid_t;
    // SAFETY: pidfd_open(pid, 0) takes no pointers.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a fresh descriptor the kernel returned; nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// A pipe whose both ends are close-on-exec and numbered 3 or above (so
/// the child's `dup3` onto 0..2 never gets `EINVAL` for equal descriptors).
pub(crate) fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let (r, w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(io::Error::from)?;
    Ok((above_stdio(r)?, above_stdio(w)?))
}

/// Moves `fd` to a close-on-exec descriptor numbered 3 or above.
pub(crate) fn above_stdio(fd: OwnedFd) -> io::Result<OwnedFd> {
    if fd.as_raw_fd() > 2 {
        return Ok(fd);
    }
    let new = nix::fcntl::fcntl(&fd, nix::fcntl::FcntlArg::F_DUPFD_CLOEXEC(3))
        .map_err(io::Error::from)?;
    // SAFETY: F_DUPFD_CLOEXEC returned a new descriptor we now own.
    Ok(unsafe { OwnedFd::from_raw_fd(new) })
}

/// Duplicates a borrowed descriptor (e.g. our own stdin) to an owned
/// close-on-exec descriptor numbered 3 or above.
pub(crate) fn dup_above_stdio(fd: RawFd) -> io::Result<OwnedFd> {
    // SAFETY: F_DUPFD_CLOEXEC on a descriptor number takes no pointers; an
    // invalid number gives EBADF.
    let new = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3) };
    if new < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a new descriptor we now own.
    Ok(unsafe { OwnedFd::from_raw_fd(new) })
}
