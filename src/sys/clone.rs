//! Creating one child: its private stack, signals blocked around the
//! call, and `clone(CLONE_VM | CLONE_VFORK | CLONE_PIDFD [| CLONE_NEWPID
//! [| CLONE_NEWUSER]])`, which runs [`super::child::child_main`] and returns
//! once the child has called `execve` or failed. Called on the spawner
//! thread ([`super::spawner`]).

use std::ffi::{c_int, c_void};
use std::io;
use std::os::fd::{FromRawFd, OwnedFd};
use std::sync::atomic::Ordering;

use super::spec::{ChildArg, ChildReport, ChildSpec, Stage};

/// A running child.
#[derive(Debug)]
pub(crate) struct Spawned {
    /// Its pid in the caller's PID namespace.
    pub pid: i32,
    /// A pidfd for it (poll: readable when it exits).
    pub pidfd: OwnedFd,
}

/// Why [`super::spawn`] failed.
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
        // SAFETY: a valid pointer to a local sigset.
        unsafe { libc::sigfillset(&mut all) };
        // SAFETY: valid pointers to local sigsets; changes this thread's
        // mask only.
        unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &all, &mut old) };
        SignalsBlocked { old }
    }
}

impl Drop for SignalsBlocked {
    fn drop(&mut self) {
        // SAFETY: restores the mask saved in `new` for this thread.
        unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &self.old, std::ptr::null_mut()) };
    }
}

/// Creates the child from the calling thread (the spawner thread).
pub(super) fn spawn_here(spec: &ChildSpec<'_>) -> Result<Spawned, SpawnFailure> {
    let stack = Stack::new().map_err(SpawnFailure::Clone)?;
    let report = ChildReport::default();
    let arg = ChildArg {
        spec,
        report: &report,
    };
    let flags = libc::CLONE_VM
        | libc::CLONE_VFORK
        | libc::CLONE_PIDFD
        | libc::SIGCHLD
        | spec.namespace_flags();
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
