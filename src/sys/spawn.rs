//! Creating the child: the spec the parent prepares, the private stack,
//! the spawner thread and the `clone` call. The child's side is
//! [`super::child`].

use std::ffi::{c_char, c_int, c_void, CStr};
use std::io;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicI32, AtomicU32, Ordering};

use crate::sandbox::limits::RlimitSetting;

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
    pub(super) stage: AtomicU32,
    pub(super) errno: AtomicI32,
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
    /// The child stays uid 0: drop [`super::child::ROOT_DROPPED_CAPS`] from its bounding
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

const CHILD_STACK_SIZE: usize = 128 * 1024;

/// The argument handed to [`super::child::child_main`].
pub(super) struct ChildArg<'a> {
    pub(super) spec: &'a ChildSpec<'a>,
    pub(super) report: &'a ChildReport,
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
    spawner::run(spec)
}

/// Every child is created by one long-lived thread of the process.
///
/// The kernel's parent-death signal (`PR_SET_PDEATHSIG`) fires when the
/// *thread* that created the child ends, not the process. Creating children
/// from a thread that lives as long as the process means the signal fires
/// only when the process dies, whichever thread asked for the spawn (a
/// `spawn_blocking` pool thread, a short-lived `std::thread`). The thread is
/// made on first use and again in a forked child process (threads do not
/// survive `fork`). Spawns are serialized through it; each takes a fraction
/// of a millisecond.
mod spawner {
    use std::sync::mpsc::{self, Sender, SyncSender};
    use std::sync::Mutex;

    use super::{spawn_here, ChildSpec, SpawnFailure, Spawned};

    /// A spawn request. The spec lives on the requester's stack.
    struct Job {
        spec: *const ChildSpec<'static>,
        reply: SyncSender<Result<Spawned, SpawnFailure>>,
    }

    // SAFETY: the requester blocks in `run` until the spawner thread has
    // replied, so the `ChildSpec` (and every buffer it points to) outlives
    // its use on the spawner thread, and nothing mutates it meanwhile.
    unsafe impl Send for Job {}

    /// The spawner of this process: (pid it was made in, its queue).
    static SPAWNER: Mutex<Option<(u32, Sender<Job>)>> = Mutex::new(None);

    fn queue() -> std::io::Result<Sender<Job>> {
        let mut guard = SPAWNER.lock().unwrap_or_else(|e| e.into_inner());
        let pid = std::process::id();
        if let Some((owner, tx)) = guard.as_ref() {
            if *owner == pid {
                return Ok(tx.clone());
            }
        }
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("execward-spawner".into())
            .stack_size(256 * 1024)
            .spawn(move || {
                for job in rx {
                    // SAFETY: see `impl Send for Job`: the spec is alive and
                    // unchanged until we reply.
                    let spec = unsafe { &*job.spec };
                    let _ = job.reply.send(spawn_here(spec));
                }
            })?;
        *guard = Some((pid, tx.clone()));
        Ok(tx)
    }

    pub(super) fn run(spec: &ChildSpec<'_>) -> Result<Spawned, SpawnFailure> {
        let (reply, answer) = mpsc::sync_channel(1);
        let job = Job {
            spec: std::ptr::from_ref(spec).cast::<ChildSpec<'static>>(),
            reply,
        };
        queue()
            .map_err(SpawnFailure::Clone)?
            .send(job)
            .map_err(|_| {
                SpawnFailure::Clone(std::io::Error::other("the spawner thread is gone"))
            })?;
        answer.recv().unwrap_or_else(|_| {
            Err(SpawnFailure::Clone(std::io::Error::other(
                "the spawner thread is gone",
            )))
        })
    }
}

/// Creates the child from the calling thread (the spawner thread).
fn spawn_here(spec: &ChildSpec<'_>) -> Result<Spawned, SpawnFailure> {
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
                super::child::child_main,
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
