//! What the parent hands the child, and how the child answers: the
//! [`ChildSpec`] prepared before `clone`, the [`Stage`]s of the post-fork
//! sequence, and the [`ChildReport`] a failed stage is written to.
//!
//! Both sides import this file and nothing of each other: the parent side
//! ([`super::clone`], [`super::spawner`]) fills a spec, the child side
//! ([`super::child`]) only reads it.

use std::ffi::{c_char, CStr};
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicI32, AtomicU32};

use crate::sandbox::limits::RlimitSetting;

/// Stages of the post-fork sequence, reported when one fails.
///
/// A new post-fork step gets a variant here (numbered after the last), a
/// word in [`Stage::describe`], and, if it is a confinement the kernel may
/// lack, a place in [`Stage::is_confinement`].
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
    /// Bounding the PID namespace (`kernel.pid_max`, `kernel.ns_last_pid`).
    PidMax = 16,
}

impl Stage {
    /// The stage a [`ChildReport`] holds (`None` for an unknown number).
    pub(crate) fn from_u32(v: u32) -> Stage {
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
            16 => Stage::PidMax,
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
            Stage::PidMax => "bounding the PID namespace (kernel.pid_max)",
        }
    }

    /// True for the stages that install a confinement (a failure there is a
    /// `sandbox:` error, not an `exec:` one).
    pub(crate) fn is_confinement(self) -> bool {
        matches!(
            self,
            Stage::Landlock
                | Stage::Seccomp
                | Stage::NoNewPrivs
                | Stage::Ids
                | Stage::UserNs
                | Stage::Cgroup
                | Stage::PidMax
        )
    }
}

/// Where the child reports a failed stage; read by the parent after
/// `clone` returns (the parent is suspended until then: `CLONE_VFORK`).
#[derive(Debug, Default)]
pub(crate) struct ChildReport {
    pub(super) stage: AtomicU32,
    pub(super) errno: AtomicI32,
}

/// The ids the child switches to (`run-as`), borrowed from the plan.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ChildIds<'a> {
    pub uid: u32,
    pub gid: u32,
    /// The supplementary groups, exactly these.
    pub groups: &'a [libc::gid_t],
}

/// Unprivileged containment: the maps the child writes for its new user
/// namespace (`"ID ID 1\n"`), borrowed from the plan.
#[derive(Debug, Clone, Copy)]
pub(crate) struct UserNsMaps<'a> {
    pub uid_map: &'a [u8],
    pub gid_map: &'a [u8],
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

/// Everything the child needs, prepared before `clone`. Every reference
/// and pointer refers to memory owned by the caller that outlives
/// [`super::spawn`].
///
/// A new post-fork step adds its (already prepared, allocation-free)
/// input here.
#[derive(Debug)]
pub(crate) struct ChildSpec<'a> {
    pub path: &'a CStr,
    /// `argv` for `execve`: C strings, ending with a null pointer.
    pub argv: &'a [*const c_char],
    /// `envp` for `execve`: C strings, ending with a null pointer.
    pub envp: &'a [*const c_char],
    pub cwd: &'a CStr,
    pub stdin: RawFd,
    pub stdout: RawFd,
    pub stderr: RawFd,
    pub umask: u32,
    pub rlimits: &'a [RlimitSetting],
    pub ids: Option<ChildIds<'a>>,
    pub cgroup_procs: Option<RawFd>,
    pub landlock: Option<RawFd>,
    pub seccomp: Option<&'a [libc::sock_filter]>,
    pub parent_pidfd: RawFd,
    pub ns: NsMode,
    pub userns_maps: Option<UserNsMaps<'a>>,
    /// Write `2` to the PID namespace's `vm.memfd_noexec` (only with a
    /// new PID namespace: the setting is per namespace).
    pub memfd_noexec: bool,
    /// Bound the child's own PID namespace: write this (decimal, no
    /// newline) to its `kernel.pid_max`, then move the namespace's cursor
    /// past the reserved numbers. Only with a new PID namespace (the
    /// setting is per namespace since Linux 6.14; the plan checked).
    pub pid_max: Option<&'a [u8]>,
    /// The child stays uid 0: the capabilities it keeps; every other one
    /// leaves its bounding set, and its inheritable and ambient sets are
    /// cleared.
    pub root_caps: Option<RootCaps>,
    /// A new IPC namespace (SysV IPC and POSIX message queues of its own),
    /// with the PID namespace of [`ChildSpec::ns`].
    pub ipc_ns: bool,
}

/// What a child that stays root keeps of its capabilities.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RootCaps {
    /// Bit `n`: capability `n` stays in the bounding set.
    pub keep: u64,
    /// The highest capability number the kernel knows.
    pub last: u32,
}

impl ChildSpec<'_> {
    /// The `CLONE_NEW*` flags of this child: its PID namespace (and the
    /// user namespace that carries it), and an IPC namespace.
    pub(crate) fn namespace_flags(&self) -> i32 {
        let mut flags = match self.ns {
            NsMode::None => 0,
            NsMode::Pid => libc::CLONE_NEWPID,
            NsMode::UserPid => libc::CLONE_NEWPID | libc::CLONE_NEWUSER,
        };
        if self.ipc_ns && self.ns != NsMode::None {
            flags |= libc::CLONE_NEWIPC;
        }
        flags
    }
}

/// The argument `clone` hands to [`super::child::child_main`].
pub(super) struct ChildArg<'a> {
    pub(super) spec: &'a ChildSpec<'a>,
    pub(super) report: &'a ChildReport,
}
