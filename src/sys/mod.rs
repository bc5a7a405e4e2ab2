//! Every `unsafe` block of execward, and the post-fork sequence.
//!
//! # How a child is created
//!
//! [`spawn()`] creates the child with `clone(CLONE_VM | CLONE_VFORK |
//! CLONE_PIDFD [| CLONE_NEWPID [| CLONE_NEWUSER]])` on a stack of its own,
//! like `posix_spawn`: the parent's page tables are not copied, so the cost
//! of a spawn does not grow with the parent's memory, and the parent thread
//! is suspended until the child has called `execve` (or exited). The
//! clone is made by one long-lived spawner thread (see `spawner`), because
//! the kernel ties the parent-death signal to the creating thread.
//!
//! Because the child shares the parent's memory, the code it runs
//! ([`child::child_main`]) follows strict rules:
//!
//! - it only reads the [`ChildSpec`] prepared by the parent (C strings,
//!   pointer arrays, a BPF program, file descriptors, ids, rlimits), and
//!   writes only to its own stack and to the one [`spawn::ChildReport`] the parent
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
//! 3. `setsid` (no controlling terminal: an unprivileged child cannot
//!    `TIOCSTI` into the caller's terminal; a root child's `CAP_SYS_ADMIN`
//!    bypasses that check, and the seccomp filter refuses it instead);
//! 4. `PR_SET_PDEATHSIG(SIGKILL)`, then check that the parent is still
//!    alive (through a pidfd of the parent process: `getppid` is 0 in a new
//!    PID namespace);
//! 5. join the action's cgroup (writes `0` to its `cgroup.procs`);
//! 6. stdin, stdout, stderr onto 0, 1, 2; every other descriptor
//!    close-on-exec (`close_range`);
//! 7. `chdir`, `umask`;
//! 8. resource limits (`prlimit64`);
//! 9. `setgroups`, `setresgid`, `setresuid`, then verify: `getresuid` and
//!    `getresgid` are exactly the target, and regaining uid 0 fails; the
//!    kernel clears the parent-death signal on that credential change, so
//!    step 4 is repeated right after it;
//! 10. `PR_SET_NO_NEW_PRIVS`;
//! 11. `landlock_restrict_self`;
//! 12. `seccomp(SECCOMP_SET_MODE_FILTER)`, the last restriction, so the
//!     filter need not allow the set-up calls;
//! 13. `execve`.

mod child;
mod parent;
mod raw;
mod spawn;

pub(crate) use parent::*;
pub(crate) use spawn::{spawn, ChildSpec, Ids, NsMode, SpawnFailure, Stage, UserNsMaps};
