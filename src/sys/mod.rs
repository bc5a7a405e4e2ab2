//! Every `unsafe` block of execward, and the post-fork sequence. The crate
//! root denies `unsafe_code` everywhere else, and clippy's
//! `undocumented_unsafe_blocks` and `multiple_unsafe_ops_per_block` are
//! denied (`Cargo.toml`): each `unsafe` block here is one operation with
//! its `// SAFETY:` argument.
//!
//! # How a child is created
//!
//! [`spawn()`] creates the child with `clone(CLONE_VM | CLONE_VFORK |
//! CLONE_PIDFD [| CLONE_NEWPID [| CLONE_NEWUSER]])` on a stack of its own,
//! like `posix_spawn`: the parent's page tables are not copied, so the cost
//! of a spawn does not grow with the parent's memory, and the parent thread
//! is suspended until the child has called `execve` (or exited). The
//! clone is made by one long-lived spawner thread ([`spawner`]), because
//! the kernel ties the parent-death signal to the creating thread.
//!
//! Because the child shares the parent's memory, the code it runs
//! ([`child::child_main`]) follows strict rules:
//!
//! - it only reads the [`ChildSpec`] prepared by the parent (C strings,
//!   pointer arrays, a BPF program, file descriptors, ids, rlimits), and
//!   writes only to its own stack and to the one [`spec::ChildReport`]
//!   the parent reads after `clone` returns;
//! - it makes raw system calls through the typed wrappers of [`calls`]
//!   over [`raw`] (no libc wrappers: glibc's
//!   `setresuid` would signal the *parent's* threads, and wrappers write the
//!   parent thread's `errno`); no allocation, no locks, no panics;
//! - signals are blocked in the parent thread around `clone`, and the child
//!   resets every handler to `SIG_DFL` before unblocking, so no parent
//!   signal handler ever runs on the shared memory.
//!
//! The post-fork sequence, in order ([`child::run_child`]; each step that
//! fails records its stage and `errno` in the report and exits with status
//! 125; `execve` failure records `Exec`):
//!
//! 1. user namespace maps (only for the unprivileged containment);
//! 2. the PID namespace's own bound: `kernel.pid_max`, then
//!    `kernel.ns_last_pid=300` (only in a PID namespace of the child's own);
//!    `vm.memfd_noexec=2` (likewise);
//! 3. every signal handler to `SIG_DFL`, then an empty signal mask;
//! 4. `setsid` (no controlling terminal: an unprivileged child cannot
//!    `TIOCSTI` into the caller's terminal; a root child's `CAP_SYS_ADMIN`
//!    bypasses that check, and the seccomp filter refuses it instead);
//! 5. `PR_SET_PDEATHSIG(SIGKILL)`, then check that the parent is still
//!    alive (through a pidfd of the parent process: `getppid` is 0 in a new
//!    PID namespace);
//! 6. join the action's cgroup (writes `0` to its `cgroup.procs`);
//! 7. stdin, stdout, stderr onto 0, 1, 2; every other descriptor
//!    close-on-exec (`close_range`);
//! 8. `chdir`, `umask`;
//! 9. resource limits (`prlimit64`);
//! 10. `setgroups`, `setresgid`, `setresuid`, then verify: `getresuid` and
//!     `getresgid` are exactly the target, and regaining uid 0 fails;
//! 11. a root child keeps only its allowlist of capabilities (every other
//!     one leaves the bounding set; inheritable and ambient emptied);
//! 12. step 5 again: the kernel clears the parent-death signal on a
//!     credential change;
//! 13. `PR_SET_NO_NEW_PRIVS`;
//! 14. `landlock_restrict_self`;
//! 15. `seccomp(SECCOMP_SET_MODE_FILTER)`, the last restriction, so the
//!     filter need not allow the set-up calls;
//! 16. `execve`.
//!
//! # Adding a post-fork step
//!
//! Its input, prepared (and allocated) by the plan, goes into
//! [`ChildSpec`] ([`spec`]), with a new [`Stage`]; each system call it makes
//! gets a typed wrapper in [`calls`]; the step itself is a function in
//! [`child`], called at its place in [`child::run_child`]. The plan
//! (`crate::plan`) prepares the input, and `crate::launch` hands it over.

// The child's side: what it is handed, the raw calls it makes, the
// sequence of steps.
mod calls;
mod child;
mod raw;
mod spec;
// Creating it: the clone itself and the thread that makes every clone.
mod clone;
mod spawner;
// The parent's side: descriptors, waiting, this process's limits, syslog,
// and the setuid helper's entry steps.
mod entry;
mod fds;
mod poll;
mod process;
mod random;
mod syslog;

pub(crate) use clone::SpawnFailure;
pub(crate) use entry::{
    clear_environment, close_fds_from, ensure_stdio_open, ignore_signal, reset_signals,
};
pub(crate) use fds::{above_stdio, dup_above_stdio, pidfd_self, pipe};
pub(crate) use poll::poll;
#[cfg(feature = "tokio")]
pub(crate) use poll::{async_register, async_register_with};
pub(crate) use process::hard_rlimit;
pub(crate) use random::random_u64;
pub(crate) use spawner::spawn;
pub(crate) use spec::{ChildIds, ChildSpec, NsMode, RootCaps, Stage, UserNsMaps};
pub(crate) use syslog::syslog;
