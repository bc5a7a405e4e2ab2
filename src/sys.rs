//! Every `unsafe` block of execward, and the post-fork sequence.
//!
//! # How a child is created
//!
//! [`spawn`] creates the child with `clone(CLONE_VM | CLONE_VFORK |
//! CLONE_PIDFD [| CLONE_NEWPID [| CLONE_NEWUSER]])` on a stack of its own,
//! like `posix_spawn`: the parent's page tables are not copied, so the cost
//! of a spawn does not grow with the parent's memory, and the parent thread
//! is suspended until the child has called `execve` (or exited).
//!
//! Because the child shares the parent's memory, the code it runs
//! ([`child_main`]) follows strict rules:
//!
//! - it only reads the [`ChildSpec`] prepared by the parent (C strings,
//!   pointer arrays, a BPF program, file descriptors, ids, rlimits), and
//!   writes only to its own stack and to the one [`ChildReport`] the parent
//!   reads after `clone` returns;
//! - it makes raw system calls through [`raw`] (no libc wrappers: glibc's
//!   `setresuid` would signal the *parent's* threads, and wrappers write the
//!   parent thread's `errno`); no allocation, no locks, no panics;
//! - signals are blocked in the parent thread around `clone`, and the child
//!   resets every handler to `SIG_DFL` before unblocking, so no parent
//!   signal handler ever runs on the shared memory.
//!
//! The post-fork sequence, in order (each step that fails records its stage
//! and `errno` in the report and exits with status 125; `execve` failure
//! records `Exec`):
//!
//! 1. user namespace maps (only for the unprivileged containment);
//! 2. every signal handler to `SIG_DFL`, then an empty signal mask;
//! 3. `setsid` (no controlling terminal: no `TIOCSTI` through it);
//! 4. `PR_SET_PDEATHSIG(SIGKILL)`, then check that the parent is still
//!    alive (through a pidfd of the parent process: `getppid` is 0 in a new
//!    PID namespace);
//! 5. join the action's cgroup (writes `0` to its `cgroup.procs`);
//! 6. stdin, stdout, stderr onto 0, 1, 2; every other descriptor
//!    close-on-exec (`close_range`);
//! 7. `chdir`, `umask`;
//! 8. resource limits (`prlimit64`);
//! 9. `setgroups`, `setresgid`, `setresuid`, then verify: `getresuid` and
//!    `getresgid` are exactly the target, and regaining uid 0 fails;
//! 10. `PR_SET_NO_NEW_PRIVS`;
//! 11. `landlock_restrict_self`;
//! 12. `seccomp(SECCOMP_SET_MODE_FILTER)`, the last restriction, so the
//!     filter need not allow the set-up calls;
//! 13. `execve`.

use std::ffi::{c_char, c_int, c_void, CStr};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicI32, AtomicU32, Ordering};

use crate::sandbox::limits::RlimitSetting;

/// Raw system calls that return `-errno` instead of touching `errno`.
mod raw {
    /// Makes system call `nr` with up to six arguments.
    ///
    /// # Safety
    /// The caller must pass arguments valid for that system call.
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    pub unsafe fn syscall6(
        nr: i64,
        a1: usize,
        a2: usize,
        a3: usize,
        a4: usize,
        a5: usize,
        a6: usize,
    ) -> isize {
        let ret: isize;
        // SAFETY: the x86_64 Linux system-call convention: number in rax,
        // arguments in rdi, rsi, rdx, r10, r8, r9; rcx and r11 are clobbered
        // by `syscall`. Validity of the arguments is the caller's contract.
        unsafe {
            core::arch::asm!(
                "syscall",
                inlateout("rax") nr as isize => ret,
                in("rdi") a1, in("rsi") a2, in("rdx") a3,
                in("r10") a4, in("r8") a5, in("r9") a6,
                lateout("rcx") _, lateout("r11") _,
                options(nostack),
            );
        }
        ret
    }

    /// Makes system call `nr` with up to six arguments.
    ///
    /// # Safety
    /// The caller must pass arguments valid for that system call.
    #[cfg(target_arch = "aarch64")]
    #[inline(always)]
    pub unsafe fn syscall6(
        nr: i64,
        a1: usize,
        a2: usize,
        a3: usize,
        a4: usize,
        a5: usize,
        a6: usize,
    ) -> isize {
        let ret: isize;
        // SAFETY: the aarch64 Linux convention: number in x8, arguments in
        // x0..x5, result in x0. Validity is the caller's contract.
        unsafe {
            core::arch::asm!(
                "svc 0",
                in("x8") nr,
                inlateout("x0") a1 as isize => ret,
                in("x1") a2, in("x2") a3, in("x3") a4, in("x4") a5, in("x5") a6,
                options(nostack),
            );
        }
        ret
    }

    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    compile_error!("execward's post-fork core supports x86_64 and aarch64 only");
}

/// Stages of the post-fork sequence, reported when one fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub(crate) enum Stage {
    /// Nothing failed.
    None = 0,
    /// Writing the user-namespace maps.
    UserNs = 1,
    /// Resetting signal handlers or the mask.
    Signals = 2,
    /// `setsid`.
    Setsid = 3,
    /// `PR_SET_PDEATHSIG` or the parent died.
    ParentDeath = 4,
    /// Joining the cgroup.
    Cgroup = 5,
    /// Setting up stdin/stdout/stderr or closing descriptors.
    Fds = 6,
    /// `chdir`.
    Chdir = 7,
    /// `prlimit64`.
    Rlimit = 8,
    /// `setgroups`/`setresgid`/`setresuid` or their verification.
    Ids = 9,
    /// `PR_SET_NO_NEW_PRIVS`.
    NoNewPrivs = 10,
    /// `landlock_restrict_self`.
    Landlock = 11,
    /// Installing the seccomp filter.
    Seccomp = 12,
    /// `execve`.
    Exec = 13,
    /// Dropping capabilities of a root child.
    Caps = 14,
    /// Setting `vm.memfd_noexec` of the PID namespace.
    Memfd = 15,
}

impl Stage {
    fn from_u32(v: u32) -> Stage {
        match v {
            1 => Stage::UserNs,
            2 => Stage::Signals,
            3 => Stage::Setsid,
            4 => Stage::ParentDeath,
            5 => Stage::Cgroup,
            6 => Stage::Fds,
            7 => Stage::Chdir,
            8 => Stage::Rlimit,
            9 => Stage::Ids,
            10 => Stage::NoNewPrivs,
            11 => Stage::Landlock,
            12 => Stage::Seccomp,
            13 => Stage::Exec,
            14 => Stage::Caps,
            15 => Stage::Memfd,
            _ => Stage::None,
        }
    }

    /// What the stage does, for error messages.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Stage::None => "nothing",
            Stage::UserNs => "writing the user namespace maps",
            Stage::Signals => "resetting signals",
            Stage::Setsid => "setsid",
            Stage::ParentDeath => "arming the parent-death signal",
            Stage::Cgroup => "joining the action's cgroup",
            Stage::Fds => "setting up file descriptors",
            Stage::Chdir => "changing to the working directory",
            Stage::Rlimit => "setting resource limits",
            Stage::Ids => "dropping privileges (run-as)",
            Stage::NoNewPrivs => "setting no_new_privs",
            Stage::Landlock => "applying the Landlock ruleset",
            Stage::Seccomp => "installing the seccomp filter",
            Stage::Exec => "executing the program",
            Stage::Caps => "dropping capabilities of the root child",
            Stage::Memfd => "making memfds non-executable (vm.memfd_noexec)",
        }
    }
}

/// Where the child reports a failed stage; read by the parent after
/// `clone` returns (the parent is suspended until then: `CLONE_VFORK`).
#[derive(Debug, Default)]
pub(crate) struct ChildReport {
    stage: AtomicU32,
    errno: AtomicI32,
}

/// The target identity of the child (`run-as`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ids {
    pub uid: u32,
    pub gid: u32,
    /// Pointer to `ngroups` supplementary group ids (owned by the plan).
    pub groups: *const libc::gid_t,
    pub ngroups: usize,
}

/// Unprivileged containment: the maps the child writes for its new user
/// namespace (C strings owned by the caller).
#[derive(Debug, Clone, Copy)]
pub(crate) struct UserNsMaps {
    pub uid_map: *const u8,
    pub uid_map_len: usize,
    pub gid_map: *const u8,
    pub gid_map_len: usize,
}

/// How the child is contained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NsMode {
    /// No namespaces.
    None,
    /// A new PID namespace (needs `CAP_SYS_ADMIN`).
    Pid,
    /// A new user namespace and a PID namespace in it (unprivileged).
    UserPid,
}

/// Everything the child needs, prepared before `clone`. Every pointer
/// refers to memory owned by the caller that outlives [`spawn`].
#[derive(Debug)]
pub(crate) struct ChildSpec<'a> {
    pub path: &'a CStr,
    pub argv: *const *const c_char,
    pub envp: *const *const c_char,
    pub cwd: &'a CStr,
    pub stdin: RawFd,
    pub stdout: RawFd,
    pub stderr: RawFd,
    pub umask: u32,
    pub rlimits: &'a [RlimitSetting],
    pub ids: Option<Ids>,
    pub cgroup_procs: Option<RawFd>,
    pub landlock: Option<RawFd>,
    pub seccomp: Option<&'a [libc::sock_filter]>,
    pub parent_pidfd: RawFd,
    pub ns: NsMode,
    pub userns_maps: Option<UserNsMaps>,
    /// Write `2` to the PID namespace's `vm.memfd_noexec` (only with a
    /// new PID namespace: the setting is per namespace).
    pub memfd_noexec: bool,
    /// The child stays uid 0: drop [`ROOT_DROPPED_CAPS`] from its bounding
    /// set and clear its inheritable and ambient sets.
    pub drop_caps: bool,
}

/// A running child.
#[derive(Debug)]
pub(crate) struct Spawned {
    /// Its pid in the caller's PID namespace.
    pub pid: i32,
    /// A pidfd for it (poll: readable when it exits).
    pub pidfd: OwnedFd,
}

/// Why [`spawn`] failed.
#[derive(Debug)]
pub(crate) enum SpawnFailure {
    /// `clone` itself failed (in the parent).
    Clone(io::Error),
    /// A stage of the post-fork sequence failed; the child has exited and
    /// was reaped.
    Child {
        /// The stage.
        stage: Stage,
        /// The `errno` it failed with.
        errno: i32,
    },
}

/// Capabilities a root child never keeps: no hosting-panel action needs
/// them, and each would let an abused program undo the sandbox (raise its
/// rlimits, load modules, read raw devices, trace, make device nodes, set
/// file capabilities, ...). `CAP_SETPCAP` comes last: dropping needs it.
pub(crate) const ROOT_DROPPED_CAPS: &[u32] = &[
    9,  // CAP_LINUX_IMMUTABLE
    16, // CAP_SYS_MODULE
    17, // CAP_SYS_RAWIO
    19, // CAP_SYS_PTRACE
    20, // CAP_SYS_PACCT
    22, // CAP_SYS_BOOT
    24, // CAP_SYS_RESOURCE
    25, // CAP_SYS_TIME
    26, // CAP_SYS_TTY_CONFIG
    27, // CAP_MKNOD
    28, // CAP_LEASE
    30, // CAP_AUDIT_CONTROL
    31, // CAP_SETFCAP
    32, // CAP_MAC_OVERRIDE
    33, // CAP_MAC_ADMIN
    34, // CAP_SYSLOG
    35, // CAP_WAKE_ALARM
    36, // CAP_BLOCK_SUSPEND
    37, // CAP_AUDIT_READ
    38, // CAP_PERFMON
    39, // CAP_BPF
    40, // CAP_CHECKPOINT_RESTORE
    8,  // CAP_SETPCAP (last)
];

const CHILD_STACK_SIZE: usize = 128 * 1024;

/// The argument handed to [`child_main`].
struct ChildArg<'a> {
    spec: &'a ChildSpec<'a>,
    report: &'a ChildReport,
}

/// A private stack for the child with a guard page below it.
struct Stack {
    base: *mut c_void,
    len: usize,
}

impl Stack {
    fn new() -> io::Result<Stack> {
        let page = 4096;
        let len = CHILD_STACK_SIZE + page;
        // SAFETY: an anonymous private mapping, no file, no fixed address.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_STACK,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `base` is the start of the mapping just made and `page`
        // bytes lie within it; making them inaccessible turns a stack
        // overflow into a fault instead of a silent overwrite.
        if unsafe { libc::mprotect(base, page, libc::PROT_NONE) } != 0 {
            let e = io::Error::last_os_error();
            // SAFETY: unmapping exactly the mapping made above.
            unsafe { libc::munmap(base, len) };
            return Err(e);
        }
        Ok(Stack { base, len })
    }

    fn top(&self) -> *mut c_void {
        // The stack grows down on x86_64 and aarch64; the top is 16-byte
        // aligned because the mapping is page aligned.
        self.base.wrapping_byte_add(self.len)
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        // SAFETY: unmapping exactly the mapping made in `new`; the child
        // no longer runs on it (it has exec'd or exited: CLONE_VFORK).
        unsafe { libc::munmap(self.base, self.len) };
    }
}

/// Blocks every signal in the calling thread until dropped.
struct SignalsBlocked {
    old: libc::sigset_t,
}

impl SignalsBlocked {
    fn new() -> SignalsBlocked {
        // SAFETY: sigset_t is plain data; zeroed is a valid (empty) set
        // that sigfillset then fills.
        let mut all: libc::sigset_t = unsafe { std::mem::zeroed() };
        // SAFETY: as above.
        let mut old: libc::sigset_t = unsafe { std::mem::zeroed() };
        // SAFETY: valid pointers to local sigsets.
        unsafe {
            libc::sigfillset(&mut all);
            libc::pthread_sigmask(libc::SIG_SETMASK, &all, &mut old);
        }
        SignalsBlocked { old }
    }
}

impl Drop for SignalsBlocked {
    fn drop(&mut self) {
        // SAFETY: restores the mask saved in `new` for this thread.
        unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &self.old, std::ptr::null_mut()) };
    }
}

/// Creates the child and runs the post-fork sequence in it.
///
/// Returns once the child has called `execve` successfully, or has failed
/// (then it has been reaped and the failure is returned).
pub(crate) fn spawn(spec: &ChildSpec<'_>) -> Result<Spawned, SpawnFailure> {
    let stack = Stack::new().map_err(SpawnFailure::Clone)?;
    let report = ChildReport::default();
    let arg = ChildArg {
        spec,
        report: &report,
    };
    let mut flags = libc::CLONE_VM | libc::CLONE_VFORK | libc::CLONE_PIDFD | libc::SIGCHLD;
    match spec.ns {
        NsMode::None => {}
        NsMode::Pid => flags |= libc::CLONE_NEWPID,
        NsMode::UserPid => flags |= libc::CLONE_NEWPID | libc::CLONE_NEWUSER,
    }
    let mut pidfd: c_int = -1;
    let pid = {
        let _blocked = SignalsBlocked::new();
        // SAFETY: `child_main` only performs raw system calls on data in
        // `arg`, which lives on this frame until `clone` returns; with
        // CLONE_VFORK this thread is suspended until the child has exec'd or
        // exited, so `arg`, `report` and the stack outlive every use by the
        // child. `pidfd` receives the pidfd (CLONE_PIDFD).
        unsafe {
            libc::clone(
                child_main,
                stack.top(),
                flags,
                &arg as *const ChildArg<'_> as *mut c_void,
                &mut pidfd as *mut c_int,
            )
        }
    };
    if pid < 0 {
        return Err(SpawnFailure::Clone(io::Error::last_os_error()));
    }
    // SAFETY: the kernel stored a fresh pidfd that nothing else owns.
    let pidfd = unsafe { OwnedFd::from_raw_fd(pidfd) };
    let stage = Stage::from_u32(report.stage.load(Ordering::Acquire));
    if stage != Stage::None {
        let errno = report.errno.load(Ordering::Acquire);
        // The child has exited (CLONE_VFORK); reap it.
        let _ = nix::sys::wait::waitpid(nix::unistd::Pid::from_raw(pid), None);
        return Err(SpawnFailure::Child { stage, errno });
    }
    Ok(Spawned { pid, pidfd })
}

/// The child's side. Runs on its own stack, sharing the parent's memory.
extern "C" fn child_main(arg: *mut c_void) -> c_int {
    // SAFETY: `arg` is the `ChildArg` passed to `clone` by `spawn`, alive
    // until this child execs or exits (CLONE_VFORK).
    let arg = unsafe { &*(arg as *const ChildArg<'_>) };
    let (stage, err) = match run_child(arg.spec) {
        Ok(never) => match never {},
        Err(e) => e,
    };
    arg.report.errno.store(err, Ordering::Release);
    arg.report.stage.store(stage as u32, Ordering::Release);
    // SAFETY: ends this child (a process of its own) immediately.
    unsafe { raw::syscall6(libc::SYS_exit_group, 125, 0, 0, 0, 0, 0) };
    125
}

enum Never {}

/// Checks a raw return value: negative means `-errno`.
#[inline(always)]
fn check(stage: Stage, ret: isize) -> Result<isize, (Stage, i32)> {
    if ret < 0 {
        Err((stage, -ret as i32))
    } else {
        Ok(ret)
    }
}

#[inline(always)]
fn sys(nr: i64, args: [usize; 6]) -> isize {
    // SAFETY: every call site in this module passes arguments valid for
    // `nr` (documented at each site); the memory they point to is owned by
    // the parent's `ChildSpec` or this child's stack.
    unsafe { raw::syscall6(nr, args[0], args[1], args[2], args[3], args[4], args[5]) }
}

fn write_file(stage: Stage, path: &[u8], data: *const u8, len: usize) -> Result<(), (Stage, i32)> {
    // `path` is a NUL-terminated literal; open it write-only, close-on-exec.
    let fd = check(
        stage,
        sys(
            libc::SYS_openat,
            [
                libc::AT_FDCWD as usize,
                path.as_ptr() as usize,
                (libc::O_WRONLY | libc::O_CLOEXEC) as usize,
                0,
                0,
                0,
            ],
        ),
    )?;
    let r = sys(libc::SYS_write, [fd as usize, data as usize, len, 0, 0, 0]);
    sys(libc::SYS_close, [fd as usize, 0, 0, 0, 0, 0]);
    check(stage, r)?;
    Ok(())
}

fn run_child(spec: &ChildSpec<'_>) -> Result<Never, (Stage, i32)> {
    // 1. User namespace maps (unprivileged containment).
    if let Some(maps) = spec.userns_maps {
        write_file(
            Stage::UserNs,
            b"/proc/self/setgroups\0",
            b"deny".as_ptr(),
            4,
        )?;
        write_file(
            Stage::UserNs,
            b"/proc/self/uid_map\0",
            maps.uid_map,
            maps.uid_map_len,
        )?;
        write_file(
            Stage::UserNs,
            b"/proc/self/gid_map\0",
            maps.gid_map,
            maps.gid_map_len,
        )?;
    }

    // 1b. memfds of this PID namespace can never be executed (Landlock does
    // not see exec of a memfd).
    if spec.memfd_noexec {
        write_file(
            Stage::Memfd,
            b"/proc/sys/vm/memfd_noexec\0",
            b"2".as_ptr(),
            1,
        )?;
    }

    // 2. Every handler to SIG_DFL (a zeroed kernel sigaction is SIG_DFL
    // with no flags and an empty mask), then unblock everything.
    let dfl = [0u64; 4];
    for sig in 1..=64usize {
        if sig == libc::SIGKILL as usize || sig == libc::SIGSTOP as usize {
            continue;
        }
        // Errors (EINVAL for signals glibc reserves on some kernels) are
        // ignored: the handler of such a signal cannot be set anyway.
        sys(
            libc::SYS_rt_sigaction,
            [sig, dfl.as_ptr() as usize, 0, 8, 0, 0],
        );
    }
    let empty: u64 = 0;
    check(
        Stage::Signals,
        sys(
            libc::SYS_rt_sigprocmask,
            [
                libc::SIG_SETMASK as usize,
                &empty as *const u64 as usize,
                0,
                8,
                0,
                0,
            ],
        ),
    )?;

    // 3. A new session: no controlling terminal.
    check(Stage::Setsid, sys(libc::SYS_setsid, [0; 6]))?;

    // 4. Die with the parent; if it already died, stop here.
    check(
        Stage::ParentDeath,
        sys(
            libc::SYS_prctl,
            [
                libc::PR_SET_PDEATHSIG as usize,
                libc::SIGKILL as usize,
                0,
                0,
                0,
                0,
            ],
        ),
    )?;
    let mut pfd = libc::pollfd {
        fd: spec.parent_pidfd,
        events: libc::POLLIN,
        revents: 0,
    };
    let ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    let n = check(
        Stage::ParentDeath,
        sys(
            libc::SYS_ppoll,
            [
                &mut pfd as *mut libc::pollfd as usize,
                1,
                &ts as *const libc::timespec as usize,
                0,
                8,
                0,
            ],
        ),
    )?;
    if n > 0 {
        return Err((Stage::ParentDeath, libc::ESRCH));
    }

    // 5. Join the action's cgroup ("0" means the writing process).
    if let Some(fd) = spec.cgroup_procs {
        check(
            Stage::Cgroup,
            sys(
                libc::SYS_write,
                [fd as usize, b"0".as_ptr() as usize, 1, 0, 0, 0],
            ),
        )?;
    }

    // 6. Standard descriptors (the parent made sure the sources are >= 3),
    // then everything else close-on-exec.
    for (src, dst) in [(spec.stdin, 0), (spec.stdout, 1), (spec.stderr, 2)] {
        check(
            Stage::Fds,
            sys(libc::SYS_dup3, [src as usize, dst, 0, 0, 0, 0]),
        )?;
    }
    let r = sys(
        libc::SYS_close_range,
        [
            3,
            u32::MAX as usize,
            libc::CLOSE_RANGE_CLOEXEC as usize,
            0,
            0,
            0,
        ],
    );
    if r < 0 {
        // Kernels before 5.11: mark each descriptor up to the limit.
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        check(
            Stage::Fds,
            sys(
                libc::SYS_prlimit64,
                [
                    0,
                    libc::RLIMIT_NOFILE as usize,
                    0,
                    &mut lim as *mut libc::rlimit as usize,
                    0,
                    0,
                ],
            ),
        )?;
        let max = lim.rlim_cur.min(1 << 20) as usize;
        for fd in 3..max {
            sys(
                libc::SYS_fcntl,
                [
                    fd,
                    libc::F_SETFD as usize,
                    libc::FD_CLOEXEC as usize,
                    0,
                    0,
                    0,
                ],
            );
        }
    }

    // 7. Working directory and umask.
    check(
        Stage::Chdir,
        sys(libc::SYS_chdir, [spec.cwd.as_ptr() as usize, 0, 0, 0, 0, 0]),
    )?;
    sys(libc::SYS_umask, [spec.umask as usize, 0, 0, 0, 0, 0]);

    // 8. Resource limits (soft = hard).
    for rl in spec.rlimits {
        let lim = libc::rlimit {
            rlim_cur: rl.value,
            rlim_max: rl.value,
        };
        check(
            Stage::Rlimit,
            sys(
                libc::SYS_prlimit64,
                [
                    0,
                    rl.resource as usize,
                    &lim as *const libc::rlimit as usize,
                    0,
                    0,
                    0,
                ],
            ),
        )?;
    }

    // 9. Privilege drop, verified.
    if let Some(ids) = spec.ids {
        check(
            Stage::Ids,
            sys(
                libc::SYS_setgroups,
                [ids.ngroups, ids.groups as usize, 0, 0, 0, 0],
            ),
        )?;
        check(
            Stage::Ids,
            sys(
                libc::SYS_setresgid,
                [
                    ids.gid as usize,
                    ids.gid as usize,
                    ids.gid as usize,
                    0,
                    0,
                    0,
                ],
            ),
        )?;
        check(
            Stage::Ids,
            sys(
                libc::SYS_setresuid,
                [
                    ids.uid as usize,
                    ids.uid as usize,
                    ids.uid as usize,
                    0,
                    0,
                    0,
                ],
            ),
        )?;
        let (mut r, mut e, mut s) = (0u32, 0u32, 0u32);
        check(
            Stage::Ids,
            sys(
                libc::SYS_getresuid,
                [
                    &mut r as *mut u32 as usize,
                    &mut e as *mut u32 as usize,
                    &mut s as *mut u32 as usize,
                    0,
                    0,
                    0,
                ],
            ),
        )?;
        if (r, e, s) != (ids.uid, ids.uid, ids.uid) {
            return Err((Stage::Ids, libc::EPERM));
        }
        check(
            Stage::Ids,
            sys(
                libc::SYS_getresgid,
                [
                    &mut r as *mut u32 as usize,
                    &mut e as *mut u32 as usize,
                    &mut s as *mut u32 as usize,
                    0,
                    0,
                    0,
                ],
            ),
        )?;
        if (r, e, s) != (ids.gid, ids.gid, ids.gid) {
            return Err((Stage::Ids, libc::EPERM));
        }
        if ids.uid != 0 && sys(libc::SYS_setresuid, [0, 0, 0, 0, 0, 0]) >= 0 {
            // Regaining root must be impossible after the drop.
            return Err((Stage::Ids, libc::EPERM));
        }
    }

    // 9b. A root child: capabilities no panel action needs leave the
    // bounding set (so exec cannot grant them), and the inheritable and
    // ambient sets are emptied (so they cannot bring them back).
    if spec.drop_caps {
        for &cap in ROOT_DROPPED_CAPS {
            // EINVAL: a capability this kernel does not know; nothing to drop.
            let r = sys(
                libc::SYS_prctl,
                [libc::PR_CAPBSET_DROP as usize, cap as usize, 0, 0, 0, 0],
            );
            if r < 0 && r != -(libc::EINVAL as isize) {
                check(Stage::Caps, r)?;
            }
        }
        check(
            Stage::Caps,
            sys(
                libc::SYS_prctl,
                [
                    libc::PR_CAP_AMBIENT as usize,
                    libc::PR_CAP_AMBIENT_CLEAR_ALL as usize,
                    0,
                    0,
                    0,
                    0,
                ],
            ),
        )?;
        // _LINUX_CAPABILITY_VERSION_3: two 32-bit data words.
        let header = [0x2008_0522u32, 0];
        let mut data = [0u32; 6]; // {effective, permitted, inheritable} x 2
        check(
            Stage::Caps,
            sys(
                libc::SYS_capget,
                [
                    header.as_ptr() as usize,
                    data.as_mut_ptr() as usize,
                    0,
                    0,
                    0,
                    0,
                ],
            ),
        )?;
        data[2] = 0;
        data[5] = 0;
        check(
            Stage::Caps,
            sys(
                libc::SYS_capset,
                [header.as_ptr() as usize, data.as_ptr() as usize, 0, 0, 0, 0],
            ),
        )?;
    }

    // 10. No privilege gain through exec (setuid binaries, file caps).
    check(
        Stage::NoNewPrivs,
        sys(
            libc::SYS_prctl,
            [libc::PR_SET_NO_NEW_PRIVS as usize, 1, 0, 0, 0, 0],
        ),
    )?;

    // 11. Landlock.
    if let Some(fd) = spec.landlock {
        check(
            Stage::Landlock,
            sys(
                libc::SYS_landlock_restrict_self,
                [fd as usize, 0, 0, 0, 0, 0],
            ),
        )?;
    }

    // 12. seccomp, last.
    if let Some(filter) = spec.seccomp {
        let prog = libc::sock_fprog {
            len: filter.len() as u16,
            filter: filter.as_ptr() as *mut libc::sock_filter,
        };
        check(
            Stage::Seccomp,
            sys(
                libc::SYS_seccomp,
                [
                    libc::SECCOMP_SET_MODE_FILTER as usize,
                    0,
                    &prog as *const libc::sock_fprog as usize,
                    0,
                    0,
                    0,
                ],
            ),
        )?;
    }

    // 13. Exec. Only returns on failure.
    let r = sys(
        libc::SYS_execve,
        [
            spec.path.as_ptr() as usize,
            spec.argv as usize,
            spec.envp as usize,
            0,
            0,
            0,
        ],
    );
    Err((Stage::Exec, if r < 0 { -r as i32 } else { libc::EINVAL }))
}

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
