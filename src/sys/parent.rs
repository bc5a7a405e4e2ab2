//! Parent-side system calls: descriptors, ids, polling, limits, syslog,
//! and the setuid helper's entry steps. Each `unsafe` block is small and
//! carries its `// SAFETY:` argument.

use std::ffi::CStr;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// A pidfd for the calling process (the child polls it to detect that the
/// parent died before `PR_SET_PDEATHSIG` was armed).
pub(crate) fn pidfd_self() -> io::Result<OwnedFd> {
    // SAFETY: pidfd_open(getpid(), 0) takes no pointers.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, libc::getpid(), 0) };
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

/// The real and effective user and group ids of this process.
pub(crate) fn ids() -> (u32, u32, u32, u32) {
    // SAFETY: these calls take no arguments and cannot fail.
    unsafe {
        (
            libc::getuid(),
            libc::geteuid(),
            libc::getgid(),
            libc::getegid(),
        )
    }
}

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

/// Sends one message to syslog (`LOG_AUTHPRIV | LOG_NOTICE`, ident
/// `execward`). Interior NUL bytes are dropped.
pub(crate) fn syslog(message: &str) {
    let msg = std::ffi::CString::new(message.replace('\0', "")).unwrap_or_default();
    static IDENT: &CStr = c"execward";
    // SAFETY: `IDENT` is a static C string (openlog keeps the pointer);
    // the format is a literal "%s" with exactly one C-string argument.
    unsafe {
        libc::openlog(IDENT.as_ptr(), libc::LOG_PID, libc::LOG_AUTHPRIV);
        libc::syslog(libc::LOG_NOTICE, c"%s".as_ptr(), msg.as_ptr());
    }
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

/// The current hard limit of `resource` (`None`: unlimited or unknown).
pub(crate) fn hard_rlimit(resource: u32) -> Option<u64> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one rlimit into the valid local `lim`.
    let r = unsafe { libc::getrlimit(resource as libc::__rlimit_resource_t, &mut lim) };
    (r == 0 && lim.rlim_max != libc::RLIM_INFINITY).then_some(lim.rlim_max)
}

// ---------------------------------------------------------------------------
// Process entry of the setuid helper (`crate::helper::entry`). These run in
// the helper's own process, single-threaded, before anything else.

/// Empties this process's environment (`clearenv(3)`) without reading it.
pub(crate) fn clear_environment() -> io::Result<()> {
    // SAFETY: clearenv takes glibc's environment lock, as setenv and
    // unsetenv do, so it cannot race a writer. It frees the environment
    // array only if setenv had replaced the one the kernel gave (execward
    // never calls setenv), and the helper calls it on its only thread
    // before any code that reads the environment, so no reader holds a
    // pointer into the array.
    if unsafe { libc::clearenv() } != 0 {
        return Err(io::Error::other("clearenv failed"));
    }
    Ok(())
}

/// Makes descriptors 0, 1 and 2 valid: each closed one gets `/dev/null`
/// (read-write), so no file the process opens later can land on them.
pub(crate) fn ensure_stdio_open() -> io::Result<()> {
    for fd in 0..=2 {
        // SAFETY: F_GETFD on a descriptor number takes no pointer; a closed
        // number gives EBADF and changes nothing.
        if unsafe { libc::fcntl(fd, libc::F_GETFD) } != -1 {
            continue;
        }
        let e = io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::EBADF) {
            return Err(e);
        }
        // SAFETY: a NUL-terminated literal path; no O_CREAT, so no mode.
        let new = unsafe { libc::open(c"/dev/null".as_ptr(), libc::O_RDWR | libc::O_NOCTTY) };
        if new < 0 {
            return Err(io::Error::last_os_error());
        }
        // Every lower descriptor is open, so `new` is `fd`; move it if not.
        if new != fd {
            // SAFETY: both are descriptor numbers; `new` was just opened by
            // us and is closed right after being duplicated.
            let r = unsafe { libc::dup2(new, fd) };
            let e = io::Error::last_os_error();
            // SAFETY: as above.
            unsafe { libc::close(new) };
            if r < 0 {
                return Err(e);
            }
        }
    }
    Ok(())
}

/// Closes every descriptor from `first` up (`close_range(2)`; before Linux
/// 5.9, one `close` per number up to the hard `RLIMIT_NOFILE`, because a
/// caller may leave descriptors open above a lowered soft limit).
pub(crate) fn close_fds_from(first: u32) -> io::Result<()> {
    // SAFETY: close_range takes two descriptor numbers and flags, no
    // pointers. Nothing in this process holds a descriptor >= `first` that
    // it still uses (the helper calls this before opening anything).
    let r = unsafe { libc::syscall(libc::SYS_close_range, first, u32::MAX, 0u32) };
    if r == 0 {
        return Ok(());
    }
    let e = io::Error::last_os_error();
    if e.raw_os_error() != Some(libc::ENOSYS) {
        return Err(e);
    }
    #[allow(clippy::unnecessary_cast)] // u32 on glibc, c_int elsewhere
    let max = match hard_rlimit(libc::RLIMIT_NOFILE as u32) {
        Some(h) => h.min(1 << 20),
        None => 1 << 20,
    } as i32;
    for fd in first as i32..max {
        // SAFETY: as above; EBADF for numbers that are not open is ignored.
        unsafe { libc::close(fd) };
    }
    Ok(())
}

/// Every signal's disposition to `SIG_DFL` (except `SIGKILL` and `SIGSTOP`,
/// which cannot be changed), then an empty signal mask. The raw system call
/// is used, as after fork, because glibc's `sigaction` refuses the two
/// real-time signals it reserves, and a caller may have left those ignored
/// too.
pub(crate) fn reset_signals() -> io::Result<()> {
    // A zeroed kernel `struct sigaction` is SIG_DFL, no flags, empty mask.
    let dfl = [0u64; 4];
    for sig in 1..=64 {
        if sig == libc::SIGKILL || sig == libc::SIGSTOP {
            continue;
        }
        // SAFETY: rt_sigaction with a pointer to a valid zeroed kernel
        // sigaction (SIG_DFL: no handler code runs), no old-action pointer,
        // and the kernel's sigset size (8). Handlers do not survive exec
        // (only SIG_IGN does); the only ones in this process are the Rust
        // runtime's SIGSEGV/SIGBUS handlers for its stack-overflow message,
        // and SIG_DFL in their place only loses that message.
        unsafe {
            libc::syscall(
                libc::SYS_rt_sigaction,
                sig,
                dfl.as_ptr(),
                std::ptr::null::<u64>(),
                8usize,
            )
        };
    }
    // SAFETY: sigset_t is plain data; zeroed is a valid set that
    // sigemptyset then initialises.
    let mut empty: libc::sigset_t = unsafe { std::mem::zeroed() };
    // SAFETY: valid pointers to a local set; the old mask is not wanted.
    let r = unsafe {
        libc::sigemptyset(&mut empty);
        libc::sigprocmask(libc::SIG_SETMASK, &empty, std::ptr::null_mut())
    };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Ignores `sig` in this process (`SIG_IGN`). The post-fork sequence resets
/// every disposition to `SIG_DFL` again, so this never reaches a child.
pub(crate) fn ignore_signal(sig: i32) -> io::Result<()> {
    // SAFETY: installs SIG_IGN (no handler code runs) for one signal.
    if unsafe { libc::signal(sig, libc::SIG_IGN) } == libc::SIG_ERR {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
