//! SPEC "Lifetime": when an action ends (it exits, its time runs out, the
//! caller drops it or dies), every process it started is gone: children,
//! double-forked `setsid` daemons that ignore `SIGTERM`, fork bombs.
//!
//! Each attack runs through the real engine (`execward::Command`) and has
//! a control that shows the same process tree survives, or is unbounded,
//! without it. The attacks are subcommands of `tests/attack/attack.c`; see
//! `tests/sandbox_attacks.rs` for the conventions (and `common` for the
//! helpers).
//!
//! The fork bomb saturates the CPUs for a few seconds, so it takes a write
//! lock and every other test here a read lock: the timing bounds of the
//! others are not measured on a machine the bomb is burning.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use common::*;
use execward::__private::sandbox::containment::{pids_hierarchy, CgroupVersion};
use execward::{Limits, Status};

static BOMB: RwLock<()> = RwLock::new(());

fn shared() -> RwLockReadGuard<'static, ()> {
    BOMB.read().unwrap_or_else(|e| e.into_inner())
}

fn exclusive() -> RwLockWriteGuard<'static, ()> {
    BOMB.write().unwrap_or_else(|e| e.into_inner())
}

const SECOND: Duration = Duration::from_secs(1);

// ---------------------------------------------------------------------------
// Fork bomb.

fn nproc_limits(n: u64) -> Limits {
    Limits::default().with_nproc(Some(n))
}

/// The directory of the pids cgroup that `pid` is in.
fn pids_cgroup_of(pid: u32) -> Option<PathBuf> {
    let h = pids_hierarchy()?;
    let mount = h.base.parent()?.to_path_buf();
    let text = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).ok()?;
    text.lines().find_map(|l| {
        let mut f = l.splitn(3, ':');
        let (_, controllers, path) = (f.next()?, f.next()?, f.next()?);
        let ours = match h.version {
            CgroupVersion::V1 => controllers.split(',').any(|c| c == "pids"),
            CgroupVersion::V2 => controllers.is_empty(),
        };
        ours.then(|| mount.join(path.trim_start_matches('/')))
    })
}

fn cgroup_value(dir: &Path, file: &str, key: Option<&str>) -> Option<u64> {
    let text = std::fs::read_to_string(dir.join(file)).ok()?;
    match key {
        None => text.trim().parse().ok(),
        Some(k) => text.lines().find_map(|l| {
            l.strip_prefix(k)
                .and_then(|v| v.trim().parse().ok())
                .filter(|_| l.as_bytes().get(k.len()) == Some(&b' '))
        }),
    }
}

fn cgroup_pids(dir: &Path) -> BTreeSet<i32> {
    std::fs::read_to_string(dir.join("cgroup.procs"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

#[test]
fn fork_bomb_as_root_times_out_and_leaves_nothing() {
    let Some(a) = attack() else { return };
    if !need_root()
        || !need_sandbox(1)
        || !require(pids_hierarchy().is_some(), "no pids cgroup hierarchy")
    {
        return;
    }
    let _x = exclusive();
    const NPROC: u64 = 64;
    let timeout = Duration::from_secs(3);
    let grace = Duration::from_millis(500);
    let start = Instant::now();
    let child = sandboxed(a, &["forkbomb"])
        .limits(nproc_limits(NPROC))
        .timeout(timeout)
        .kill_grace(grace)
        .spawn()
        .expect("spawn the fork bomb");
    let cg = pids_cgroup_of(child.id()).expect("the action's pids cgroup");
    assert!(
        cg.starts_with(&pids_hierarchy().unwrap().base),
        "the bomb is in execward's cgroup: {}",
        cg.display()
    );

    // Watch the bomb until the cgroup has refused forks, collecting every
    // process of it that we see.
    let mut seen = BTreeSet::new();
    let mut refused = 0;
    let mut peak = 0;
    while start.elapsed() < timeout - Duration::from_millis(300) {
        seen.extend(cgroup_pids(&cg));
        peak = peak.max(cgroup_value(&cg, "pids.current", None).unwrap_or(0));
        refused = cgroup_value(&cg, "pids.events", Some("max")).unwrap_or(0);
        if refused > 0 && seen.len() as u64 >= NPROC / 2 {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    peak = peak.max(cgroup_value(&cg, "pids.peak", None).unwrap_or(0));
    seen.extend(cgroup_pids(&cg));

    let o = child.wait().expect("wait");
    let took = start.elapsed();
    eprintln!(
        "fork bomb: {} processes seen, peak {peak}, {refused} forks refused, ended after {took:?}",
        seen.len()
    );
    assert_eq!(o.status, Status::TimedOut);
    assert_eq!(o.exit_code(), 124);
    assert!(
        took < timeout + grace + SECOND,
        "the bomb must be ended within timeout + grace + 1 s, took {took:?}"
    );

    // Nothing of the bomb remains: the cgroup is empty (execward keeps an
    // empty cgroup for reuse, or removes it), and so is every process seen
    // in it.
    assert!(
        !cg.exists() || cgroup_pids(&cg).is_empty(),
        "the action's cgroup {} still holds processes",
        cg.display()
    );
    let left: Vec<i32> = seen.iter().copied().filter(|&p| alive(p)).collect();
    assert!(left.is_empty(), "bomb processes left: {left:?}");

    // What held it: the cgroup's pids.max. The kernel refused forks for
    // this cgroup (pids.events max) and it never held more than nproc.
    assert!(refused > 0, "pids.max must have refused forks");
    assert!(peak <= NPROC, "peak {peak} > nproc {NPROC}");
    assert!(
        seen.len() as u64 > NPROC / 2,
        "saw {} processes",
        seen.len()
    );
}

/// The control of the fork bomb. A real control — the same bomb without the
/// bound — would take the machine down, so it is shown with a *bounded*
/// bomb (`nproc 100`: hold 100 processes at once, then stop) instead:
///
/// - unsandboxed, as root, with only `RLIMIT_NPROC=64` (what `limit
///   nproc=64` sets): all 100 processes are made, so the rlimit alone does
///   not bound a root child (the kernel exempts root from it);
/// - through execward with `nproc=64`: at most 64 (the pids cgroup);
/// - through execward with the bound lifted (`nproc=200`): all 100.
///
/// With the fork bomb test above (forks refused by *this* cgroup, never
/// more than 64 members), this shows the cgroup's `pids.max` is what
/// stopped the bomb.
#[test]
fn pids_cgroup_is_what_bounds_a_root_child() {
    let Some(a) = attack() else { return };
    if !need_root()
        || !need_sandbox(1)
        || !require(pids_hierarchy().is_some(), "no pids cgroup hierarchy")
    {
        return;
    }
    let _x = exclusive();
    let count = |stdout: &[u8]| -> u64 {
        String::from_utf8_lossy(stdout)
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("nproc printed {stdout:?}"))
    };

    use std::os::unix::process::CommandExt;
    let mut plain = std::process::Command::new(a);
    plain.args(["nproc", "100"]);
    fn nproc_64() -> std::io::Result<()> {
        let lim = libc::rlimit {
            rlim_cur: 64,
            rlim_max: 64,
        };
        // SAFETY: setrlimit reads one valid local rlimit.
        if unsafe { libc::setrlimit(libc::RLIMIT_NPROC, &lim) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    }
    // SAFETY: the hook makes one async-signal-safe call (setrlimit) that
    // touches only the forked child.
    unsafe { plain.pre_exec(nproc_64) };
    let u = plain.output().unwrap();
    assert_worked_unsandboxed(&u, "100 processes as root under RLIMIT_NPROC=64");
    assert_eq!(count(&u.stdout), 100);

    let o = run(sandboxed(a, &["nproc", "100"]).limits(nproc_limits(64)));
    assert_blocked(&o, &[libc::EAGAIN], "100 processes under nproc=64");
    let made = count(&o.stdout);
    assert!(made <= 64 && made > 1, "made {made}");

    let o = run(sandboxed(a, &["nproc", "100"]).limits(nproc_limits(200)));
    assert_worked(&o, "100 processes under nproc=200");
    assert_eq!(count(&o.stdout), 100);
}

#[test]
fn a_root_child_cannot_leave_its_pids_cgroup() {
    // The bomb's bound holds only while the child stays in its cgroup:
    // moving itself to the hierarchy's root cgroup (writing "0" to its
    // cgroup.procs) would lift pids.max and escape cgroup.kill.
    let Some(a) = attack() else { return };
    if !need_root() || !need_sandbox(1) {
        return;
    }
    let Some(h) = pids_hierarchy() else {
        require(false, "no pids cgroup hierarchy");
        return;
    };
    let _s = shared();
    let mount = h.base.parent().unwrap();
    let procs = mount.join("cgroup.procs");
    let p = procs.to_str().unwrap();
    let o = run(&sandboxed(a, &["write", p, "0"]));
    assert_blocked(
        &o,
        &[libc::EACCES],
        "writing the root cgroup's cgroup.procs",
    );

    // Control: with the hierarchy in `fs write`, the child moves itself.
    let o = run(sandboxed(a, &["write", p, "0"]).fs_write([mount]));
    assert_worked(&o, "cgroup escape with fs write on the hierarchy");
}

// ---------------------------------------------------------------------------
// Daemons.

/// Runs `attack daemon PIDFILE` to completion through execward; returns
/// the (original, daemon) pids it reported.
fn engine_daemon(a: &Path, dir: &TempDir, run_as: Option<&str>) -> (i32, i32) {
    let pidfile = dir.join("pid");
    let mut cmd = sandboxed(a, &["daemon", pidfile.to_str().unwrap()]);
    cmd.fs_write([dir.path()]);
    if let Some(u) = run_as {
        cmd.run_as(u, None);
    }
    let o = run(&cmd);
    assert_worked(&o, "the daemonizing action exits 0");
    let line = std::fs::read_to_string(&pidfile).expect("the pidfile");
    daemon_pids(&line)
}

#[test]
fn setsid_daemon_ignoring_sigterm_is_gone_when_the_action_returns() {
    let Some(a) = attack() else { return };
    if !need_sandbox(1) {
        return;
    }
    let _s = shared();
    let dir = TempDir::new("daemon");
    let (orig, daemon) = engine_daemon(a, &dir, None);
    let _g = PidGuard(daemon);
    assert_ne!(orig, daemon);
    // No polling: the kernel has killed the whole PID namespace before the
    // action's exit was reported.
    assert!(!alive(daemon), "daemon {daemon} outlived the action");

    // Control: the same daemon started without execward survives its
    // parent's exit and a SIGTERM.
    let pidfile = dir.join("pid-control");
    let u = unsandboxed(a, &["daemon", pidfile.to_str().unwrap()]);
    assert_worked_unsandboxed(&u, "daemon");
    let (orig, daemon) = daemon_pids(&std::fs::read_to_string(&pidfile).unwrap());
    let _g = PidGuard(daemon);
    assert!(!alive(orig));
    assert!(alive(daemon), "control: the daemon survives its parent");
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(daemon),
        nix::sys::signal::Signal::SIGTERM,
    );
    assert!(
        !gone_within(daemon, Duration::from_millis(200)),
        "control: the daemon ignores SIGTERM"
    );
}

#[test]
fn daemon_of_a_run_as_nobody_action_is_gone_too() {
    // A non-root child gets no pids cgroup: the PID namespace alone must do.
    let Some(a) = attack() else { return };
    if !need_root() || !need_sandbox(1) {
        return;
    }
    let _s = shared();
    let dir = TempDir::world_writable("daemon-nobody");
    let (orig, daemon) = engine_daemon(a, &dir, Some("nobody"));
    let _g = PidGuard(daemon);
    assert_ne!(orig, daemon);
    assert!(!alive(daemon), "daemon {daemon} outlived the action");
}

/// Spawns `attack daemon PIDFILE stay` (the original stays) through
/// execward with `timeout`; waits until the daemon reported itself.
fn staying_daemon(
    a: &Path,
    dir: &TempDir,
    timeout: Duration,
) -> (execward::Child, PidGuard, PidGuard) {
    let pidfile = dir.join("pid");
    let child = sandboxed(a, &["daemon", pidfile.to_str().unwrap(), "stay"])
        .fs_write([dir.path()])
        .timeout(timeout)
        .kill_grace(Duration::from_millis(200))
        .spawn()
        .expect("spawn");
    let line = wait_for_line(&pidfile, 10 * SECOND).expect("the daemon's pidfile");
    let (orig, daemon) = daemon_pids(&line);
    assert_eq!(orig as u32, child.id());
    assert!(alive(orig) && alive(daemon));
    (child, PidGuard(orig), PidGuard(daemon))
}

#[test]
fn daemon_is_gone_when_the_time_limit_runs_out() {
    let Some(a) = attack() else { return };
    if !need_sandbox(1) {
        return;
    }
    let _s = shared();
    let dir = TempDir::new("daemon-timeout");
    let timeout = Duration::from_millis(800);
    let (child, orig, daemon) = staying_daemon(a, &dir, timeout);
    let o = child.wait().unwrap();
    assert_eq!(o.status, Status::TimedOut);
    assert!(o.duration < timeout + Duration::from_millis(200) + SECOND);
    assert!(!alive(orig.0), "the action's program survived the timeout");
    assert!(!alive(daemon.0), "the daemon survived the timeout");
}

#[test]
fn daemon_is_gone_when_the_caller_drops_the_child() {
    let Some(a) = attack() else { return };
    if !need_sandbox(1) {
        return;
    }
    let _s = shared();
    let dir = TempDir::new("daemon-drop");
    let (child, orig, daemon) = staying_daemon(a, &dir, 20 * SECOND);
    drop(child);
    assert!(!alive(orig.0), "the action's program survived the drop");
    assert!(!alive(daemon.0), "the daemon survived the drop");
}

// ---------------------------------------------------------------------------
// The caller dies.
//
// The caller is this test binary re-executed to run only
// `role_killed_caller`: it starts `attack daemon PIDFILE stay`, either
// through execward (the attack) or through std::process::Command (the
// control), and waits. The test SIGKILLs it once the daemon is up.

fn kill_the_caller(mode: &str) -> (i32, i32, PidGuard, PidGuard) {
    let dir = TempDir::new(&format!("caller-{mode}"));
    let pidfile = dir.join("pid");
    let mut caller = reexec("role_killed_caller", mode);
    caller
        .env("EXECWARD_ATTACK_PIDFILE", &pidfile)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null());
    let mut caller = ChildGuard::spawn(&mut caller);
    let line = wait_for_line(&pidfile, 10 * SECOND)
        .unwrap_or_else(|| panic!("{mode}: the daemon never reported itself"));
    let (orig, daemon) = daemon_pids(&line);
    let guards = (PidGuard(orig), PidGuard(daemon));
    assert!(alive(orig) && alive(daemon), "{mode}: both must run");
    caller.0.kill().unwrap();
    caller.0.wait().unwrap();
    (orig, daemon, guards.0, guards.1)
}

#[test]
fn caller_killed_mid_action_takes_the_whole_tree_with_it() {
    if attack().is_none() || !need_sandbox(1) {
        return;
    }
    let _s = shared();
    let (orig, daemon, _g1, _g2) = kill_the_caller("killed-caller-engine");
    assert!(
        gone_within(orig, SECOND),
        "the action's program survived its caller"
    );
    assert!(
        gone_within(daemon, SECOND),
        "the daemon survived the caller"
    );

    // Control: a caller that started the same program without execward.
    let (orig, daemon, _g3, _g4) = kill_the_caller("killed-caller-plain");
    assert!(
        !gone_within(orig, Duration::from_millis(300)),
        "control: the program survives its killed caller"
    );
    assert!(
        alive(daemon),
        "control: the daemon survives its killed caller"
    );
}

/// Role: a caller that starts a staying daemon and waits for it. Does
/// nothing unless re-executed by
/// [`caller_killed_mid_action_takes_the_whole_tree_with_it`].
#[test]
fn role_killed_caller() {
    let engine = role("killed-caller-engine");
    if !engine && !role("killed-caller-plain") {
        return;
    }
    let a = attack().expect("attack program");
    let pidfile = PathBuf::from(std::env::var_os("EXECWARD_ATTACK_PIDFILE").expect("pidfile"));
    let dir = pidfile.parent().unwrap();
    let args = ["daemon", pidfile.to_str().unwrap(), "stay"];
    if engine {
        let o = execward::Command::new(a)
            .args(args)
            .fs_write([dir])
            .timeout(Duration::from_secs(30))
            .output();
        panic!("the caller was not killed: {o:?}");
    } else {
        let s = std::process::Command::new(a).args(args).status();
        panic!("the caller was not killed: {s:?}");
    }
}

// ---------------------------------------------------------------------------
// Over-killing.

/// The kernel sends the parent-death signal when the *thread* that created
/// a child exits. Every child is created by execward's long-lived spawner
/// thread, so a child spawned from a short-lived thread (or a
/// `spawn_blocking` pool thread) and handed elsewhere lives on; the caller
/// *process* dying still kills it (see the killed-caller test). Before the
/// spawner thread this child was `Signaled(9)` within milliseconds.
#[test]
fn a_child_outlives_the_thread_that_spawned_it() {
    let _s = shared();
    let child = std::thread::spawn(|| {
        execward::Command::new("/usr/bin/sleep")
            .arg("30")
            .spawn()
            .expect("spawn")
    })
    .join()
    .unwrap();
    let pid = child.id() as i32;
    let died = gone_within(pid, Duration::from_millis(300));
    drop(child);
    assert!(
        !died,
        "the action was killed when its spawning thread exited"
    );
}
