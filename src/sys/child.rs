//! The post-fork sequence: everything the child does between `clone` and
//! `execve`. Raw system calls only ([`super::raw`]); no allocation, no
//! locks, no panics. The order is in the module docs of [`super`].

use std::ffi::{c_int, c_void};
use std::sync::atomic::Ordering;

use super::raw;
use super::spawn::{ChildArg, ChildSpec, NsMode, Stage};

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

/// The child's side. Runs on its own stack, sharing the parent's memory.
pub(super) extern "C" fn child_main(arg: *mut c_void) -> c_int {
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

/// `PR_SET_PDEATHSIG(SIGKILL)`, then a zero-timeout poll of the parent's
/// pidfd: readable means the parent has already exited (`getppid` cannot
/// tell: it is 0 in a new PID namespace).
fn arm_parent_death(spec: &ChildSpec<'_>) -> Result<(), (Stage, i32)> {
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
    Ok(())
}

/// `setres[ug]id(id, id, id)`, then `getres[ug]id` must give exactly
/// `(id, id, id)`.
fn set_and_verify(set: i64, get: i64, id: u32) -> Result<(), (Stage, i32)> {
    let id_arg = id as usize;
    check(Stage::Ids, sys(set, [id_arg, id_arg, id_arg, 0, 0, 0]))?;
    let (mut r, mut e, mut s) = (0u32, 0u32, 0u32);
    let ptr = |v: &mut u32| v as *mut u32 as usize;
    check(
        Stage::Ids,
        sys(get, [ptr(&mut r), ptr(&mut e), ptr(&mut s), 0, 0, 0]),
    )?;
    if (r, e, s) != (id, id, id) {
        return Err((Stage::Ids, libc::EPERM));
    }
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
    // The setting is per PID namespace: never write it from a child that
    // shares the caller's namespace (it would change the host's).
    if spec.memfd_noexec && spec.ns != NsMode::None {
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
    arm_parent_death(spec)?;

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
        set_and_verify(libc::SYS_setresgid, libc::SYS_getresgid, ids.gid)?;
        set_and_verify(libc::SYS_setresuid, libc::SYS_getresuid, ids.uid)?;
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

    // 9c. The kernel clears the parent-death signal whenever the effective
    // uid or gid changes (commit_creds), so the drop above disarmed step 4:
    // arm it again after the last credential change, and check again that
    // the parent is alive (it may have died while the signal was disarmed).
    arm_parent_death(spec)?;

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
