//! Process entry: taking away, step by step, what the caller of a setuid
//! program controls. The order and the attack each step stops are
//! described in [the module docs](super); the functions here are called in
//! that order by [`super::main`]:
//!
//! 1. [`enter`]: no core dumps, environment cleared, descriptors 0–2 valid
//!    and every other one closed (needs no privilege);
//! 2. [`checked_args`]: `argc == 0` and an empty `argv[0]` refused;
//! 3. [`require_root`]: the effective uid is 0;
//! 4. [`enter_privileged`]: gid, resource limits, signals, umask, working
//!    directory, `fs.suid_dumpable`.
//!
//! Every `unsafe` operation (clearing the environment, raw descriptor and
//! signal calls) lives in the crate's `sys` module.

use std::ffi::OsString;
use std::sync::atomic::{AtomicBool, Ordering};

use nix::sys::resource::{getrlimit, setrlimit, Resource, RLIM_INFINITY};

use super::Refusal;
use crate::error::ErrorClass;

static ENV_CLEARED: AtomicBool = AtomicBool::new(false);

/// The stack limit the helper runs with (soft; the hard limit is raised to
/// unlimited where possible).
pub const STACK_LIMIT: u64 = 8 << 20;

/// The descriptor limit the helper runs with (soft).
pub const NOFILE_LIMIT: u64 = 1024;

fn failed(what: &str, e: impl std::fmt::Display) -> Refusal {
    Refusal::new(ErrorClass::Sandbox, format!("{what}: {e}"))
}

/// True once [`enter`] has cleared the environment: from then on, library
/// code that reads it (syslog's time zone) sees nothing of the caller's.
pub fn environment_cleared() -> bool {
    ENV_CLEARED.load(Ordering::Relaxed)
}

/// The first steps, needing no privilege: no core dumps
/// (`PR_SET_DUMPABLE 0`, `RLIMIT_CORE 0`), the environment cleared,
/// descriptors 0–2 made valid and every descriptor from 3 up closed.
///
/// # Errors
/// A step failed (none is expected to).
pub fn enter() -> Result<(), Refusal> {
    no_dumps()?;
    crate::sys::clear_environment().map_err(|e| failed("clearing the environment", e))?;
    ENV_CLEARED.store(true, Ordering::Relaxed);
    crate::sys::ensure_stdio_open()
        .map_err(|e| failed("opening /dev/null for a closed standard descriptor", e))?;
    crate::sys::close_fds_from(3).map_err(|e| failed("closing inherited descriptors", e))?;
    Ok(())
}

fn no_dumps() -> Result<(), Refusal> {
    nix::sys::prctl::set_dumpable(false).map_err(|e| failed("PR_SET_DUMPABLE", e))?;
    setrlimit(Resource::RLIMIT_CORE, 0, 0).map_err(|e| failed("setting RLIMIT_CORE to 0", e))
}

/// The command line, after checking that there is one: `argc == 0` and an
/// empty `argv[0]` (what kernels since 5.18 make of `argc == 0`) are
/// refused. `argv[0]` is returned but means nothing to the helper.
///
/// # Errors
/// A `usage:` refusal.
pub fn checked_args() -> Result<Vec<OsString>, Refusal> {
    let argv = std::env::args_os();
    if argv.len() == 0 {
        return Err(Refusal::usage(
            "started with argc == 0 (no program name); refused",
        ));
    }
    let args: Vec<OsString> = argv.collect();
    if args[0].is_empty() {
        return Err(Refusal::usage(
            "argv[0] is empty (how kernels since 5.18 deliver argc == 0); refused",
        ));
    }
    Ok(args)
}

/// Refuses unless the effective uid is 0, naming `no_new_privs` when that
/// flag is why the setuid bit had no effect.
///
/// # Errors
/// A `denied:` refusal.
pub fn require_root() -> Result<(), Refusal> {
    let ids = nix::unistd::getresuid().map_err(|e| failed("getresuid", e))?;
    if ids.effective.is_root() {
        return Ok(());
    }
    let euid = ids.effective.as_raw();
    if nix::sys::prctl::get_no_new_privs().unwrap_or(false) {
        return Err(Refusal::denied(format!(
            "no_new_privs is set, so the kernel ignored the setuid bit and execward-helper runs as uid {euid} without its privileges; refused"
        )));
    }
    Err(Refusal::denied(format!(
        "execward-helper runs as uid {euid}, not as root: it must be installed setuid root (install -o root -m 4755) on a file system mounted without nosuid; refused"
    )))
}

/// The steps that need root: effective and saved gid 0, resource limits,
/// signals, umask and working directory, and the `fs.suid_dumpable` check.
/// `caller_gid` is the real gid, which stays the caller's.
///
/// # Errors
/// `RLIMIT_FSIZE` cannot be made unlimited (`denied:`), `fs.suid_dumpable`
/// is 1 (`sandbox:`), or a step failed.
pub fn enter_privileged(caller_gid: u32) -> Result<(), Refusal> {
    let root = nix::unistd::Gid::from_raw(0);
    nix::unistd::setresgid(nix::unistd::Gid::from_raw(caller_gid), root, root)
        .map_err(|e| failed("setting the effective gid to 0", e))?;
    // An effective-gid change resets the dumpable flag (to fs.suid_dumpable).
    no_dumps()?;
    raise_limits()?;
    crate::sys::reset_signals().map_err(|e| failed("resetting signals", e))?;
    for sig in [libc::SIGPIPE, libc::SIGXFSZ] {
        crate::sys::ignore_signal(sig).map_err(|e| failed("ignoring SIGPIPE/SIGXFSZ", e))?;
    }
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o022));
    std::env::set_current_dir("/").map_err(|e| failed("chdir /", e))?;
    check_suid_dumpable()
}

/// One resource limit the helper wants: soft and hard.
struct Want {
    resource: Resource,
    name: &'static str,
    soft: u64,
    hard: u64,
}

/// Raises the limits a caller could have lowered to make the helper fail
/// half-way. Where the hard limit cannot be raised (root without
/// `CAP_SYS_RESOURCE`), the soft limit goes up to the hard one. Only
/// `RLIMIT_FSIZE` is required to end up unlimited: a finite one cuts audit
/// records short.
fn raise_limits() -> Result<(), Refusal> {
    let nofile_hard = getrlimit(Resource::RLIMIT_NOFILE)
        .map(|(_, h)| h.max(NOFILE_LIMIT))
        .unwrap_or(NOFILE_LIMIT);
    let wants = [
        Want {
            resource: Resource::RLIMIT_FSIZE,
            name: "RLIMIT_FSIZE",
            soft: RLIM_INFINITY,
            hard: RLIM_INFINITY,
        },
        Want {
            resource: Resource::RLIMIT_CPU,
            name: "RLIMIT_CPU",
            soft: RLIM_INFINITY,
            hard: RLIM_INFINITY,
        },
        Want {
            resource: Resource::RLIMIT_AS,
            name: "RLIMIT_AS",
            soft: RLIM_INFINITY,
            hard: RLIM_INFINITY,
        },
        Want {
            resource: Resource::RLIMIT_DATA,
            name: "RLIMIT_DATA",
            soft: RLIM_INFINITY,
            hard: RLIM_INFINITY,
        },
        Want {
            resource: Resource::RLIMIT_STACK,
            name: "RLIMIT_STACK",
            soft: STACK_LIMIT,
            hard: RLIM_INFINITY,
        },
        Want {
            resource: Resource::RLIMIT_NPROC,
            name: "RLIMIT_NPROC",
            soft: RLIM_INFINITY,
            hard: RLIM_INFINITY,
        },
        Want {
            resource: Resource::RLIMIT_NOFILE,
            name: "RLIMIT_NOFILE",
            soft: NOFILE_LIMIT,
            hard: nofile_hard,
        },
    ];
    for w in &wants {
        if setrlimit(w.resource, w.soft, w.hard).is_ok() {
            continue;
        }
        // No CAP_SYS_RESOURCE: as close as the caller's hard limit allows.
        let (_, hard) = getrlimit(w.resource).map_err(|e| failed(w.name, e))?;
        setrlimit(w.resource, w.soft.min(hard), hard).map_err(|e| failed(w.name, e))?;
    }
    let (fsize, _) = getrlimit(Resource::RLIMIT_FSIZE).map_err(|e| failed("RLIMIT_FSIZE", e))?;
    if fsize != RLIM_INFINITY {
        return Err(Refusal::denied(format!(
            "the caller's RLIMIT_FSIZE hard limit ({fsize} bytes) cannot be raised here (no CAP_SYS_RESOURCE), and a finite one can cut an audit record short; refused"
        )));
    }
    Ok(())
}

fn check_suid_dumpable() -> Result<(), Refusal> {
    let setting = std::fs::read_to_string("/proc/sys/fs/suid_dumpable")
        .map_err(|e| failed("reading /proc/sys/fs/suid_dumpable", e))?;
    if setting.trim() == "1" {
        return Err(Refusal::new(
            ErrorClass::Sandbox,
            "fs.suid_dumpable is 1: an action's child running as the caller could be traced while it still shares the helper's memory; set it to 0 or 2",
        ));
    }
    Ok(())
}
