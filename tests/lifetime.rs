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
use execward::__private::sandbox::containment::{
    per_namespace_pid_max, pids_hierarchy, simulate_kernel_without_per_namespace_pid_max,
};
use execward::{Limits, Outcome, Status};

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

/// Every process whose PID namespace is that of `pid` (a scan of
/// `/proc`); empty once the namespace is gone.
fn namespace_members(ns: &Path) -> BTreeSet<i32> {
    let mut out = BTreeSet::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return out;
    };
    for e in dir.flatten() {
        let Some(p) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        if std::fs::read_link(format!("/proc/{p}/ns/pid")).is_ok_and(|l| l == ns) {
            out.insert(p);
        }
    }
    out
}

/// The fork bomb as root, bounded by whatever the plan chose; returns the
/// plan's containment. Watches the bomb's PID namespace: it never holds
/// more than `nproc` processes, and nothing of it is left after the
/// timeout.
fn fork_bomb_as_root(a: &Path) -> String {
    const NPROC: u64 = 64;
    let timeout = Duration::from_secs(3);
    let grace = Duration::from_millis(500);
    let start = Instant::now();
    let mut cmd = sandboxed(a, &["forkbomb"]);
    cmd.limits(nproc_limits(NPROC))
        .timeout(timeout)
        .kill_grace(grace);
    let containment = cmd
        .plan()
        .expect("plan")
        .sandbox_report()
        .containment
        .clone();
    let child = cmd.spawn().expect("spawn the fork bomb");
    let ns = std::fs::read_link(format!("/proc/{}/ns/pid", child.id())).expect("its namespace");
    assert_ne!(
        ns,
        std::fs::read_link("/proc/self/ns/pid").unwrap(),
        "the bomb has a PID namespace of its own"
    );

    // Watch the bomb for most of its time, collecting every process of it
    // that we see and the most seen at once.
    let mut seen = BTreeSet::new();
    let mut peak = 0;
    while start.elapsed() < timeout - Duration::from_millis(300) {
        let now = namespace_members(&ns);
        peak = peak.max(now.len() as u64);
        seen.extend(now);
        std::thread::sleep(Duration::from_millis(10));
    }
    let o = child.wait().expect("wait");
    let took = start.elapsed();
    eprintln!(
        "fork bomb ({containment}): {} processes seen, at most {peak} at once, ended after {took:?}",
        seen.len()
    );
    assert_eq!(o.status, Status::TimedOut);
    assert_eq!(o.exit_code(), 124);
    assert!(
        took < timeout + grace + SECOND,
        "the bomb must be ended within timeout + grace + 1 s, took {took:?}"
    );
    // Nothing of the bomb remains.
    assert!(
        namespace_members(&ns).is_empty(),
        "the bomb's namespace still holds processes"
    );
    let left: Vec<i32> = seen.iter().copied().filter(|&p| alive(p)).collect();
    assert!(left.is_empty(), "bomb processes left: {left:?}");
    // The bound held, and the bomb did reach it.
    assert!(peak <= NPROC, "peak {peak} > nproc {NPROC}");
    assert!(
        peak > NPROC / 2,
        "the bomb held only {peak} processes at once"
    );
    containment
}

#[test]
fn fork_bomb_as_root_times_out_and_leaves_nothing() {
    let Some(a) = attack() else { return };
    if !need_root()
        || !need_sandbox(1)
        || !require(
            per_namespace_pid_max(),
            "no per-namespace pid_max (Linux 6.14)",
        )
    {
        return;
    }
    let _x = exclusive();
    let containment = fork_bomb_as_root(a);
    // No cgroup: the namespace's own pid_max held it.
    assert_eq!(containment, "pid-namespace+pid-max");
}

/// How many processes `attack nproc 100 [CHURN]` held as root under
/// `nproc=n` through execward.
fn held_as_root(a: &Path, n: u64, churn: Option<&str>) -> (Outcome, u64) {
    let mut args = vec!["nproc", "100"];
    args.extend(churn);
    let o = run(sandboxed(a, &args).limits(nproc_limits(n)));
    let made = count_made(&o.stdout);
    (o, made)
}

fn count_made(stdout: &[u8]) -> u64 {
    String::from_utf8_lossy(stdout)
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("nproc printed {stdout:?}"))
}

/// The control of the fork bomb. A real control — the same bomb without the
/// bound — would take the machine down, so it is shown with a *bounded*
/// bomb (`nproc 100`: hold 100 processes at once, then stop) instead:
///
/// - unsandboxed, as root, with only `RLIMIT_NPROC=64` (what `limit
///   nproc=64` sets): all 100 processes are made, so the rlimit alone does
///   not bound a root child (the kernel exempts root from it);
/// - through execward with `nproc=64`: exactly 64, also after a thousand
///   short-lived processes came and went (the namespace's bound does not
///   shrink or grow with its history);
/// - through execward with the bound lifted (`nproc=200`): all 100.
fn what_bounds_a_root_child(a: &Path) {
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
    assert_eq!(count_made(&u.stdout), 100);

    let (o, made) = held_as_root(a, 64, None);
    assert_blocked(&o, &[libc::EAGAIN], "100 processes under nproc=64");
    assert_eq!(made, 64, "nproc=64 holds exactly 64 processes");
    let (o, made) = held_as_root(a, 64, Some("1000"));
    assert_blocked(
        &o,
        &[libc::EAGAIN],
        "100 processes under nproc=64 after 1000 came and went",
    );
    assert_eq!(
        made, 64,
        "nproc=64 still holds exactly 64 processes after 1000 came and went"
    );

    let (o, made) = held_as_root(a, 200, Some("1000"));
    assert_worked(&o, "100 processes under nproc=200");
    assert_eq!(made, 100);
}

#[test]
fn pid_max_is_what_bounds_a_root_child() {
    let Some(a) = attack() else { return };
    if !need_root()
        || !need_sandbox(1)
        || !require(
            per_namespace_pid_max(),
            "no per-namespace pid_max (Linux 6.14)",
        )
    {
        return;
    }
    let _x = exclusive();
    let plan = sandboxed(a, &["nproc", "100"])
        .limits(nproc_limits(64))
        .plan()
        .unwrap();
    assert_eq!(plan.sandbox_report().containment, "pid-namespace+pid-max");
    what_bounds_a_root_child(a);
}

/// `nproc=1` is below what the kernel accepts for a namespace's pid_max:
/// it is rounded up to 2, and `explain` says so.
#[test]
fn nproc_below_the_namespace_floor_is_rounded_up_and_said() {
    let Some(a) = attack() else { return };
    if !need_root()
        || !need_sandbox(1)
        || !require(
            per_namespace_pid_max(),
            "no per-namespace pid_max (Linux 6.14)",
        )
    {
        return;
    }
    let _s = shared();
    let mut cmd = sandboxed(a, &["nproc", "3"]);
    cmd.limits(nproc_limits(1));
    let plan = cmd.plan().unwrap();
    let explained = plan.explain();
    assert!(
        explained
            .contains("processes: at most 2 (pid_max 301 of its PID namespace; nproc=1 rounded up"),
        "{explained}"
    );
    let o = run(&cmd);
    assert_blocked(&o, &[libc::EAGAIN], "3 processes under nproc=1 (2)");
    assert_eq!(count_made(&o.stdout), 2);
}

/// The fallback where the kernel has no per-namespace pid_max: a pids
/// cgroup (simulated on this kernel in a re-executed role, which plans as
/// on Linux 6.13). The same bomb, and what bounds it.
#[test]
fn pids_cgroup_bounds_a_root_child_where_pid_max_is_global() {
    let Some(_) = attack() else { return };
    if !need_root()
        || !need_sandbox(1)
        || !require(pids_hierarchy().is_some(), "no pids cgroup hierarchy")
    {
        return;
    }
    let _x = exclusive();
    let out = reexec("role_without_per_namespace_pid_max", "no-pid-max")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        role_result(&out.stdout, "containment").as_deref(),
        Some("pid-namespace+cgroup-pids"),
        "{text}"
    );
}

/// Role: plans as on a kernel without a per-namespace pid_max; the fork
/// bomb and its control run with the pids cgroup. Does nothing unless
/// re-executed by [`pids_cgroup_bounds_a_root_child_where_pid_max_is_global`].
#[test]
fn role_without_per_namespace_pid_max() {
    if !role("no-pid-max") {
        return;
    }
    simulate_kernel_without_per_namespace_pid_max();
    let a = attack().expect("attack program");
    let containment = fork_bomb_as_root(a);
    what_bounds_a_root_child(a);
    println!("RESULT containment={containment}");
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

#[test]
fn a_root_child_cannot_raise_its_pid_max() {
    // The bound holds only while the child cannot write its namespace's
    // kernel.pid_max (root may, by the file's mode): Landlock refuses the
    // write unless the policy grants /proc/sys/kernel.
    let Some(a) = attack() else { return };
    if !need_root()
        || !need_sandbox(1)
        || !require(
            per_namespace_pid_max(),
            "no per-namespace pid_max (Linux 6.14)",
        )
    {
        return;
    }
    let _s = shared();
    let host_before = std::fs::read_to_string("/proc/sys/kernel/pid_max").unwrap();
    let o = run(&sandboxed(
        a,
        &["write", "/proc/sys/kernel/pid_max", "100000"],
    ));
    assert_blocked(&o, &[libc::EACCES], "raising the namespace's pid_max");

    // Control: with /proc/sys/kernel in `fs write` the child raises it (its
    // own namespace's value; the host's is untouched).
    let o = run(
        sandboxed(a, &["write", "/proc/sys/kernel/pid_max", "100000"])
            .fs_write(["/proc/sys/kernel"]),
    );
    assert_worked(&o, "raising pid_max with fs write on /proc/sys/kernel");
    assert_eq!(
        std::fs::read_to_string("/proc/sys/kernel/pid_max").unwrap(),
        host_before,
        "the host's pid_max changed"
    );
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
