//! Typed wrappers of the raw system calls the child makes between `clone`
//! and `execve`.
//!
//! Each wrapper is one system call through [`super::raw::syscall6`] (a few
//! are a short fixed sequence, said in their docs), returns the kernel's
//! answer as `Err(errno)` without touching the thread's `errno`, and never
//! allocates, locks or panics. A wrapper whose argument is a raw pointer is
//! an `unsafe fn`; one that takes references or numbers only is safe.
//!
//! These are for the child: a wrapper such as [`dup3`] replaces a
//! descriptor whatever owns it, which is right only in a process that is
//! about to `execve`.

use std::ffi::{c_char, CStr};

use super::raw::syscall6;

/// A raw call's result: the kernel's non-negative return value, or the
/// `errno` it reported.
pub(super) type SysResult = Result<usize, i32>;

#[inline(always)]
fn result(ret: isize) -> SysResult {
    if ret < 0 {
        Err(-ret as i32)
    } else {
        Ok(ret as usize)
    }
}

/// `openat(AT_FDCWD, path, O_WRONLY | O_CLOEXEC)`.
#[inline(always)]
pub(super) fn open_write_only(path: &CStr) -> SysResult {
    // SAFETY: `path` is a valid NUL-terminated string for the duration of
    // the call; no mode is read without O_CREAT.
    result(unsafe {
        syscall6(
            libc::SYS_openat,
            libc::AT_FDCWD as usize,
            path.as_ptr() as usize,
            (libc::O_WRONLY | libc::O_CLOEXEC) as usize,
            0,
            0,
            0,
        )
    })
}

/// `write(fd, data)`: one call, which may write fewer bytes.
#[inline(always)]
pub(super) fn write(fd: i32, data: &[u8]) -> SysResult {
    // SAFETY: the kernel reads at most `data.len()` bytes from `data`,
    // which is valid for that long.
    result(unsafe {
        syscall6(
            libc::SYS_write,
            fd as usize,
            data.as_ptr() as usize,
            data.len(),
            0,
            0,
            0,
        )
    })
}

/// `close(fd)`; the result is not reported (the descriptor is gone either
/// way).
#[inline(always)]
pub(super) fn close(fd: i32) {
    // SAFETY: takes a descriptor number, no pointers.
    unsafe { syscall6(libc::SYS_close, fd as usize, 0, 0, 0, 0, 0) };
}

/// Sets the disposition of `sig` to `SIG_DFL` (`rt_sigaction` with a
/// zeroed kernel `struct sigaction`: no handler, no flags, empty mask).
#[inline(always)]
pub(super) fn set_default_action(sig: i32) -> SysResult {
    let dfl = [0u64; 4];
    // SAFETY: `dfl` is a valid kernel sigaction on this frame; no old
    // action is asked for; 8 is the kernel's sigset size.
    result(unsafe {
        syscall6(
            libc::SYS_rt_sigaction,
            sig as usize,
            dfl.as_ptr() as usize,
            0,
            8,
            0,
            0,
        )
    })
}

/// `rt_sigprocmask(SIG_SETMASK, {})`: unblocks every signal.
#[inline(always)]
pub(super) fn unblock_all_signals() -> SysResult {
    let empty: u64 = 0;
    // SAFETY: `empty` is a valid kernel sigset (8 bytes) on this frame; the
    // old mask is not asked for.
    result(unsafe {
        syscall6(
            libc::SYS_rt_sigprocmask,
            libc::SIG_SETMASK as usize,
            &empty as *const u64 as usize,
            0,
            8,
            0,
            0,
        )
    })
}

/// `setsid()`.
#[inline(always)]
pub(super) fn setsid() -> SysResult {
    // SAFETY: no arguments.
    result(unsafe { syscall6(libc::SYS_setsid, 0, 0, 0, 0, 0, 0) })
}

/// `prctl(option, arg)` for the options that take one number and no
/// pointer (`PR_SET_PDEATHSIG`, `PR_CAPBSET_DROP`, `PR_CAP_AMBIENT`,
/// `PR_SET_NO_NEW_PRIVS`).
#[inline(always)]
pub(super) fn prctl(option: i32, arg: usize) -> SysResult {
    // SAFETY: the options this is called with read `arg` as a number; the
    // unused arguments are 0 as those options require.
    result(unsafe { syscall6(libc::SYS_prctl, option as usize, arg, 0, 0, 0, 0) })
}

/// `ppoll` of one descriptor with a zero timeout: true if it is readable
/// now.
#[inline(always)]
pub(super) fn readable_now(fd: i32) -> Result<bool, i32> {
    let mut pfd = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    let ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: one valid pollfd and a valid timespec on this frame; no
    // signal mask (null, size 8).
    let n = result(unsafe {
        syscall6(
            libc::SYS_ppoll,
            &mut pfd as *mut libc::pollfd as usize,
            1,
            &ts as *const libc::timespec as usize,
            0,
            8,
            0,
        )
    })?;
    Ok(n > 0)
}

/// `dup3(src, dst, 0)`: `dst` now refers to `src`'s file (whatever `dst`
/// was is closed).
#[inline(always)]
pub(super) fn dup3(src: i32, dst: i32) -> SysResult {
    // SAFETY: two descriptor numbers and no flags, no pointers.
    result(unsafe { syscall6(libc::SYS_dup3, src as usize, dst as usize, 0, 0, 0, 0) })
}

/// `close_range(first, ~0, CLOSE_RANGE_CLOEXEC)`: every descriptor from
/// `first` up becomes close-on-exec.
#[inline(always)]
pub(super) fn cloexec_from(first: u32) -> SysResult {
    // SAFETY: descriptor numbers and flags, no pointers; CLOEXEC closes
    // nothing now.
    result(unsafe {
        syscall6(
            libc::SYS_close_range,
            first as usize,
            u32::MAX as usize,
            libc::CLOSE_RANGE_CLOEXEC as usize,
            0,
            0,
            0,
        )
    })
}

/// `fcntl(fd, F_SETFD, FD_CLOEXEC)`.
#[inline(always)]
pub(super) fn set_cloexec(fd: i32) -> SysResult {
    // SAFETY: numbers only.
    result(unsafe {
        syscall6(
            libc::SYS_fcntl,
            fd as usize,
            libc::F_SETFD as usize,
            libc::FD_CLOEXEC as usize,
            0,
            0,
            0,
        )
    })
}

/// The soft limit of `resource` (`prlimit64(0, resource, NULL, &old)`).
#[inline(always)]
pub(super) fn soft_rlimit(resource: u32) -> Result<u64, i32> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: no new limit; the old one is written to `lim` on this frame.
    result(unsafe {
        syscall6(
            libc::SYS_prlimit64,
            0,
            resource as usize,
            0,
            &mut lim as *mut libc::rlimit as usize,
            0,
            0,
        )
    })?;
    Ok(lim.rlim_cur)
}

/// Sets the soft and hard limit of `resource` to `value`
/// (`prlimit64(0, resource, &new, NULL)`).
#[inline(always)]
pub(super) fn set_rlimit(resource: u32, value: u64) -> SysResult {
    let lim = libc::rlimit {
        rlim_cur: value,
        rlim_max: value,
    };
    // SAFETY: the new limit is read from `lim` on this frame; the old one
    // is not asked for.
    result(unsafe {
        syscall6(
            libc::SYS_prlimit64,
            0,
            resource as usize,
            &lim as *const libc::rlimit as usize,
            0,
            0,
            0,
        )
    })
}

/// `chdir(path)`.
#[inline(always)]
pub(super) fn chdir(path: &CStr) -> SysResult {
    // SAFETY: `path` is a valid NUL-terminated string for the call.
    result(unsafe { syscall6(libc::SYS_chdir, path.as_ptr() as usize, 0, 0, 0, 0, 0) })
}

/// `umask(mask)` (cannot fail; the old mask is dropped).
#[inline(always)]
pub(super) fn umask(mask: u32) {
    // SAFETY: a number, no pointers.
    unsafe { syscall6(libc::SYS_umask, mask as usize, 0, 0, 0, 0, 0) };
}

/// `setgroups(groups)`.
#[inline(always)]
pub(super) fn setgroups(groups: &[libc::gid_t]) -> SysResult {
    // SAFETY: the kernel reads `groups.len()` gids from `groups`.
    result(unsafe {
        syscall6(
            libc::SYS_setgroups,
            groups.len(),
            groups.as_ptr() as usize,
            0,
            0,
            0,
            0,
        )
    })
}

/// `setresgid(id, id, id)` (`set = SYS_setresgid`) or `setresuid(id, id,
/// id)` (`set = SYS_setresuid`).
#[inline(always)]
pub(super) fn setres_id(set: IdCall, id: u32) -> SysResult {
    let nr = match set {
        IdCall::User => libc::SYS_setresuid,
        IdCall::Group => libc::SYS_setresgid,
    };
    let id = id as usize;
    // SAFETY: three numbers, no pointers.
    result(unsafe { syscall6(nr, id, id, id, 0, 0, 0) })
}

/// `getresuid` or `getresgid`: the real, effective and saved id.
#[inline(always)]
pub(super) fn getres_id(get: IdCall) -> Result<(u32, u32, u32), i32> {
    let nr = match get {
        IdCall::User => libc::SYS_getresuid,
        IdCall::Group => libc::SYS_getresgid,
    };
    let (mut r, mut e, mut s) = (0u32, 0u32, 0u32);
    // SAFETY: three valid, distinct u32 locations on this frame.
    result(unsafe {
        syscall6(
            nr,
            &mut r as *mut u32 as usize,
            &mut e as *mut u32 as usize,
            &mut s as *mut u32 as usize,
            0,
            0,
            0,
        )
    })?;
    Ok((r, e, s))
}

/// Which id a [`setres_id`] or [`getres_id`] call is about.
#[derive(Debug, Clone, Copy)]
pub(super) enum IdCall {
    /// The user id (`set/getresuid`).
    User,
    /// The group id (`set/getresgid`).
    Group,
}

/// `_LINUX_CAPABILITY_VERSION_3`: two 32-bit words per set.
const CAP_VERSION_3: u32 = 0x2008_0522;

/// The capability sets of this process (`capget`, version 3):
/// `{effective, permitted, inheritable}` for bits 0..32, then for 32..64.
#[inline(always)]
pub(super) fn capget() -> Result<[u32; 6], i32> {
    let header = [CAP_VERSION_3, 0];
    let mut data = [0u32; 6];
    // SAFETY: a valid version-3 header (pid 0: this process) and room for
    // the two data structs it asks for, both on this frame.
    result(unsafe {
        syscall6(
            libc::SYS_capget,
            header.as_ptr() as usize,
            data.as_mut_ptr() as usize,
            0,
            0,
            0,
            0,
        )
    })?;
    Ok(data)
}

/// Sets the capability sets of this process (`capset`, version 3; the
/// layout of [`capget`]).
#[inline(always)]
pub(super) fn capset(data: &[u32; 6]) -> SysResult {
    let header = [CAP_VERSION_3, 0];
    // SAFETY: a valid version-3 header and the two data structs it
    // describes; the kernel only reads them.
    result(unsafe {
        syscall6(
            libc::SYS_capset,
            header.as_ptr() as usize,
            data.as_ptr() as usize,
            0,
            0,
            0,
            0,
        )
    })
}

/// `landlock_restrict_self(ruleset, 0)`.
#[inline(always)]
pub(super) fn landlock_restrict_self(ruleset: i32) -> SysResult {
    // SAFETY: a descriptor number and no flags.
    result(unsafe {
        syscall6(
            libc::SYS_landlock_restrict_self,
            ruleset as usize,
            0,
            0,
            0,
            0,
            0,
        )
    })
}

/// `seccomp(SECCOMP_SET_MODE_FILTER, 0, {filter})`.
#[inline(always)]
pub(super) fn seccomp_set_filter(filter: &[libc::sock_filter]) -> SysResult {
    let prog = libc::sock_fprog {
        len: filter.len() as u16,
        filter: filter.as_ptr().cast_mut(),
    };
    // SAFETY: `prog` on this frame describes `filter`, valid for its length;
    // the kernel copies the program and never writes through the pointer.
    result(unsafe {
        syscall6(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER as usize,
            0,
            &prog as *const libc::sock_fprog as usize,
            0,
            0,
            0,
        )
    })
}

/// `execve(path, argv, envp)`; returns only on failure, with its `errno`.
///
/// # Safety
/// `argv` and `envp` must each end with a null pointer, and every pointer
/// before it must point to a NUL-terminated string that stays valid for the
/// call.
#[inline(always)]
pub(super) unsafe fn execve(path: &CStr, argv: &[*const c_char], envp: &[*const c_char]) -> i32 {
    // SAFETY: `path` is a valid C string; the caller guarantees the two
    // null-terminated arrays of valid C strings.
    let r = unsafe {
        syscall6(
            libc::SYS_execve,
            path.as_ptr() as usize,
            argv.as_ptr() as usize,
            envp.as_ptr() as usize,
            0,
            0,
            0,
        )
    };
    if r < 0 {
        -r as i32
    } else {
        libc::EINVAL
    }
}

/// `exit_group(status)`: ends this process now (the call does not
/// return).
#[inline(always)]
pub(super) fn exit_group(status: i32) {
    // SAFETY: a number, no pointers.
    unsafe { syscall6(libc::SYS_exit_group, status as usize, 0, 0, 0, 0, 0) };
}
