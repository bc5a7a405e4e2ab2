//! The setuid helper's process entry (`crate::helper::entry`): clearing
//! the environment, making descriptors 0–2 valid and closing the rest,
//! resetting signals. These run in the helper's own process,
//! single-threaded, before anything else.

use std::io;

use super::process::hard_rlimit;

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
    // SAFETY: a valid pointer to a local set.
    unsafe { libc::sigemptyset(&mut empty) };
    // SAFETY: a valid pointer to a local set; the old mask is not wanted.
    let r = unsafe { libc::sigprocmask(libc::SIG_SETMASK, &empty, std::ptr::null_mut()) };
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
