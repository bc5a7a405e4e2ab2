//! The post-fork sequence: everything the child does between `clone` and
//! `execve`, as a script of named steps ([`run_child`]) over the typed raw
//! calls of [`super::calls`]. No allocation, no locks, no panics. The order
//! and the reason for each step are in the module docs of [`super`].
//!
//! A new post-fork step is a function here, called at its place in
//! [`run_child`], reading its input from the [`ChildSpec`] and reporting
//! failure with its own [`Stage`].

use std::ffi::{c_int, c_void, CStr};
use std::sync::atomic::Ordering;

use super::calls::{self, IdCall, SysResult};
use super::spec::{ChildArg, ChildIds, ChildSpec, NsMode, RootCaps, Stage, UserNsMaps};

/// The child's side. Runs on its own stack, sharing the parent's memory.
pub(super) extern "C" fn child_main(arg: *mut c_void) -> c_int {
    // SAFETY: `arg` is the `ChildArg` passed to `clone` by `spawn`, alive
    // until this child execs or exits (CLONE_VFORK).
    let arg = unsafe { &*(arg as *const ChildArg<'_>) };
    let Failed(stage, errno) = match run_child(arg.spec) {
        Ok(never) => match never {},
        Err(failed) => failed,
    };
    arg.report.errno.store(errno, Ordering::Release);
    arg.report.stage.store(stage as u32, Ordering::Release);
    calls::exit_group(125);
    125
}

enum Never {}

/// A step that failed: its stage and `errno`.
struct Failed(Stage, i32);

/// Tags a raw call's `errno` with the stage it belongs to.
trait At<T> {
    fn at(self, stage: Stage) -> Result<T, Failed>;
}

impl<T> At<T> for Result<T, i32> {
    #[inline(always)]
    fn at(self, stage: Stage) -> Result<T, Failed> {
        self.map_err(|errno| Failed(stage, errno))
    }
}

/// The post-fork sequence, in order. Returns only on failure.
fn run_child(spec: &ChildSpec<'_>) -> Result<Never, Failed> {
    if let Some(maps) = &spec.userns_maps {
        write_userns_maps(maps).at(Stage::UserNs)?;
    }
    // These settings are per PID namespace: never write them from a child
    // that shares the caller's namespace (it would change the host's).
    if let Some(pid_max) = spec.pid_max {
        if spec.ns == NsMode::None {
            return Err(Failed(Stage::PidMax, libc::EINVAL));
        }
        bound_pid_namespace(pid_max).at(Stage::PidMax)?;
    }
    if spec.memfd_noexec && spec.ns != NsMode::None {
        forbid_memfd_exec().at(Stage::Memfd)?;
    }
    reset_signals().at(Stage::Signals)?;
    calls::setsid().at(Stage::Setsid)?;
    arm_parent_death(spec.parent_pidfd)?;
    if let Some(procs) = spec.cgroup_procs {
        join_cgroup(procs).at(Stage::Cgroup)?;
    }
    install_stdio(spec).at(Stage::Fds)?;
    cloexec_other_fds().at(Stage::Fds)?;
    calls::chdir(spec.cwd).at(Stage::Chdir)?;
    calls::umask(spec.umask);
    set_rlimits(spec).at(Stage::Rlimit)?;
    if let Some(ids) = &spec.ids {
        drop_privileges(ids).at(Stage::Ids)?;
    }
    if let Some(caps) = &spec.root_caps {
        keep_only(caps).at(Stage::Caps)?;
    }
    // The kernel clears the parent-death signal whenever the effective uid
    // or gid changes (commit_creds), so the drop above disarmed it: arm it
    // again after the last credential change, and check again that the
    // parent is alive (it may have died while the signal was disarmed).
    arm_parent_death(spec.parent_pidfd)?;
    calls::prctl(libc::PR_SET_NO_NEW_PRIVS, 1).at(Stage::NoNewPrivs)?;
    if let Some(ruleset) = spec.landlock {
        calls::landlock_restrict_self(ruleset).at(Stage::Landlock)?;
    }
    // seccomp last, so the filter need not allow the set-up calls.
    if let Some(filter) = spec.seccomp {
        calls::seccomp_set_filter(filter).at(Stage::Seccomp)?;
    }
    Err(Failed(Stage::Exec, exec(spec)))
}

/// Writes `data` to the file at `path` (one `write`, then `close`).
fn write_file(path: &CStr, data: &[u8]) -> SysResult {
    let fd = calls::open_write_only(path)? as i32;
    let written = calls::write(fd, data);
    calls::close(fd);
    written
}

/// The maps of a new user namespace: `setgroups` denied, then the uid and
/// gid maps.
fn write_userns_maps(maps: &UserNsMaps<'_>) -> SysResult {
    write_file(c"/proc/self/setgroups", b"deny")?;
    write_file(c"/proc/self/uid_map", maps.uid_map)?;
    write_file(c"/proc/self/gid_map", maps.gid_map)
}

/// The PID namespace holds at most `pid_max - 299` processes: its
/// `pid_max`, then its cursor past the numbers below 300 (which the kernel
/// hands out only until the cursor first passes 300), so every further
/// process takes a number in `300..pid_max`. The child is process 1 of
/// the namespace and still has `CAP_SYS_ADMIN` in its owner.
fn bound_pid_namespace(pid_max: &[u8]) -> SysResult {
    write_file(c"/proc/sys/kernel/pid_max", pid_max)?;
    write_file(c"/proc/sys/kernel/ns_last_pid", b"300")
}

/// memfds of this PID namespace can never be executed (Landlock does not
/// see exec of a memfd).
fn forbid_memfd_exec() -> SysResult {
    write_file(c"/proc/sys/vm/memfd_noexec", b"2")
}

/// Every handler to `SIG_DFL`, then every signal unblocked.
fn reset_signals() -> SysResult {
    for sig in 1..=64 {
        if sig == libc::SIGKILL || sig == libc::SIGSTOP {
            continue;
        }
        // Errors (EINVAL for signals glibc reserves on some kernels) are
        // ignored: the handler of such a signal cannot be set anyway.
        let _ = calls::set_default_action(sig);
    }
    calls::unblock_all_signals()
}

/// `PR_SET_PDEATHSIG(SIGKILL)`, then a zero-timeout poll of the parent's
/// pidfd: readable means the parent has already exited (`getppid` cannot
/// tell: it is 0 in a new PID namespace).
fn arm_parent_death(parent_pidfd: i32) -> Result<(), Failed> {
    calls::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as usize).at(Stage::ParentDeath)?;
    if calls::readable_now(parent_pidfd).at(Stage::ParentDeath)? {
        return Err(Failed(Stage::ParentDeath, libc::ESRCH));
    }
    Ok(())
}

/// Joins the action's cgroup: `"0"` (the writing process) to its
/// `cgroup.procs`.
fn join_cgroup(procs: i32) -> SysResult {
    calls::write(procs, b"0")
}

/// stdin, stdout and stderr onto 0, 1 and 2 (the parent made sure the
/// sources are 3 or above).
fn install_stdio(spec: &ChildSpec<'_>) -> SysResult {
    calls::dup3(spec.stdin, 0)?;
    calls::dup3(spec.stdout, 1)?;
    calls::dup3(spec.stderr, 2)
}

/// Every descriptor from 3 up close-on-exec; before Linux 5.11, one
/// `fcntl` per number up to the soft `RLIMIT_NOFILE`.
fn cloexec_other_fds() -> SysResult {
    if calls::cloexec_from(3).is_ok() {
        return Ok(0);
    }
    let max = calls::soft_rlimit(libc::RLIMIT_NOFILE)?.min(1 << 20) as i32;
    for fd in 3..max {
        let _ = calls::set_cloexec(fd);
    }
    Ok(0)
}

/// The plan's resource limits (soft = hard).
fn set_rlimits(spec: &ChildSpec<'_>) -> SysResult {
    for rl in spec.rlimits {
        calls::set_rlimit(rl.resource, rl.value)?;
    }
    Ok(0)
}

/// `setgroups`, `setresgid`, `setresuid`, each verified; then regaining
/// root must fail.
fn drop_privileges(ids: &ChildIds<'_>) -> SysResult {
    calls::setgroups(ids.groups)?;
    set_and_verify(IdCall::Group, ids.gid)?;
    set_and_verify(IdCall::User, ids.uid)?;
    if ids.uid != 0 && calls::setres_id(IdCall::User, 0).is_ok() {
        return Err(libc::EPERM);
    }
    Ok(0)
}

/// `setres[ug]id(id, id, id)`, then `getres[ug]id` must give exactly
/// `(id, id, id)`.
fn set_and_verify(which: IdCall, id: u32) -> SysResult {
    calls::setres_id(which, id)?;
    if calls::getres_id(which)? != (id, id, id) {
        return Err(libc::EPERM);
    }
    Ok(0)
}

/// A root child: every capability outside its allowlist leaves the
/// bounding set (so `execve` cannot grant it), `CAP_SETPCAP` last since
/// dropping needs it; the inheritable and ambient sets are emptied (so they
/// cannot bring one back).
fn keep_only(caps: &RootCaps) -> SysResult {
    const SETPCAP: u32 = 8;
    let setpcap = SETPCAP;
    let drop = |cap: u32| -> SysResult {
        if caps.keep & (1u64 << cap) != 0 {
            return Ok(0);
        }
        // EINVAL: a capability this kernel does not know; nothing to drop.
        match calls::prctl(libc::PR_CAPBSET_DROP, cap as usize) {
            Ok(_) | Err(libc::EINVAL) => Ok(0),
            Err(e) => Err(e),
        }
    };
    for cap in 0..=caps.last.min(63) {
        if cap != setpcap {
            drop(cap)?;
        }
    }
    drop(setpcap)?;
    calls::prctl(
        libc::PR_CAP_AMBIENT,
        libc::PR_CAP_AMBIENT_CLEAR_ALL as usize,
    )?;
    let mut sets = calls::capget()?;
    // {effective, permitted, inheritable} x 2: clear both inheritable words.
    sets[2] = 0;
    sets[5] = 0;
    calls::capset(&sets)
}

/// `execve`; returns its `errno`.
fn exec(spec: &ChildSpec<'_>) -> i32 {
    // SAFETY: the parent built `argv` and `envp` as null-terminated arrays
    // of pointers into C strings it owns, alive until this child has exec'd
    // or exited (CLONE_VFORK).
    unsafe { calls::execve(spec.path, spec.argv, spec.envp) }
}
