//! Helpers shared by the test binaries: the one skip-or-fail gate
//! ([`require`]), the one deterministic generator ([`Rng`]), and for the
//! attack tests (`sandbox_attacks`, `lifetime`, `helper`) the compiled
//! attack program, temporary directories and processes that clean up after
//! themselves, and re-executing the test binary in a "role" (as a caller
//! process).
//!
//! Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub mod setuid;

use execward::{Command, Outcome, Status};

/// The environment variable that makes a role test act (see [`role`]).
pub const ROLE_VAR: &str = "EXECWARD_ATTACK_ROLE";

/// Returns `ok`. When it is false the test cannot prove anything here:
/// print the reason and return false (the caller returns early), or, with
/// `EXECWARD_REQUIRE_SANDBOX=1` (CI), panic. The one skip-or-fail gate of
/// every test binary; `EXECWARD_REQUIRE_SANDBOX` set to anything but `1`
/// does not turn it on.
pub fn require(ok: bool, what: &str) -> bool {
    if ok {
        return true;
    }
    if std::env::var("EXECWARD_REQUIRE_SANDBOX").as_deref() == Ok("1") {
        panic!("EXECWARD_REQUIRE_SANDBOX=1 but {what}");
    }
    eprintln!("SKIPPED: {what}");
    false
}

pub fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// Root is needed (for the attack to be possible at all, or for the
/// control).
pub fn need_root() -> bool {
    require(is_root(), "this test needs root")
}

/// Landlock with at least ABI `abi` and seccomp filters.
pub fn need_sandbox(abi: u32) -> bool {
    require(
        execward::__private::sandbox::landlock::abi_version().is_some_and(|v| v >= abi),
        &format!("Landlock ABI {abi} is not available"),
    ) && require(
        execward::__private::sandbox::seccomp::seccomp_available(),
        "seccomp filters are not available",
    )
}

/// Set by [`reexec`]: the attack program the re-executed role must use,
/// so that it never compiles (and renames over) the program that its
/// parent's other tests are executing.
const PROGRAM_VAR: &str = "EXECWARD_ATTACK_PROGRAM";

/// The attack program, compiled once per test binary; `None` (after
/// [`require`]) when there is no C compiler.
pub fn attack() -> Option<&'static Path> {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let built = BUILT.get_or_init(|| {
        if let Some(p) = std::env::var_os(PROGRAM_VAR) {
            return Ok(PathBuf::from(p));
        }
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/attack/attack.c");
        let dir = scratch_root();
        let out = dir.join("attack");
        // Compile to a private name, then rename: another test binary may be
        // executing the previous `attack` (no ETXTBSY, no half-written file).
        let tmp = dir.join(format!("attack.{}.tmp", std::process::id()));
        let r = std::process::Command::new("cc")
            .args(["-O1", "-Wall", "-o"])
            .arg(&tmp)
            .arg(&src)
            .output();
        match r {
            Ok(o) if o.status.success() => {
                std::fs::rename(&tmp, &out).map_err(|e| e.to_string())?;
                Ok(out)
            }
            Ok(o) => {
                let _ = std::fs::remove_file(&tmp);
                // A compiler that exists but fails is a broken test, not a
                // missing feature.
                panic!(
                    "cc failed on {}:\n{}",
                    src.display(),
                    String::from_utf8_lossy(&o.stderr)
                );
            }
            Err(e) => Err(format!("no C compiler (cc): {e}")),
        }
    });
    match built {
        Ok(p) => Some(p.as_path()),
        Err(e) => {
            require(false, e);
            None
        }
    }
}

/// An execward command running `attack ARGS...` under the default sandbox
/// (read the system directories, write nothing, no network, seccomp
/// `default`), with a generous time limit so that a hang fails the test
/// instead of blocking it.
pub fn sandboxed(attack: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(attack);
    c.args(args).timeout(Duration::from_secs(20));
    c
}

/// Runs `cmd` through the engine; panics with the error when it cannot.
pub fn run(cmd: &Command) -> Outcome {
    match cmd.output() {
        Ok(o) => o,
        Err(e) => panic!(
            "execward could not run {:?}: {}",
            cmd.get_program(),
            e.render()
        ),
    }
}

/// The same attack without execward, as a plain child of the test.
pub fn unsandboxed(attack: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(attack)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("running the attack unsandboxed")
}

/// The `errno=N` an attack printed when it failed.
pub fn errno_in(stderr: &[u8]) -> Option<i32> {
    let s = String::from_utf8_lossy(stderr);
    let at = s.rfind("errno=")?;
    s[at + 6..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect::<String>()
        .parse()
        .ok()
}

fn show(o: &Outcome) -> String {
    format!(
        "status {:?}, stdout {:?}, stderr {:?}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The sandboxed attack failed (exit 1) with one of `errnos` (empty: any).
pub fn assert_blocked(o: &Outcome, errnos: &[i32], what: &str) {
    assert_eq!(
        o.status,
        Status::Exited(1),
        "{what}: the attack must fail cleanly: {}",
        show(o)
    );
    if !errnos.is_empty() {
        let e = errno_in(&o.stderr);
        assert!(
            e.is_some_and(|e| errnos.contains(&e)),
            "{what}: expected errno {errnos:?}: {}",
            show(o)
        );
    }
}

/// The attack succeeded through execward (a control with the rule lifted).
pub fn assert_worked(o: &Outcome, what: &str) {
    assert_eq!(
        o.status,
        Status::Exited(0),
        "control {what}: the attack must succeed: {}",
        show(o)
    );
}

/// The attack succeeded without execward.
pub fn assert_worked_unsandboxed(o: &std::process::Output, what: &str) {
    assert!(
        o.status.success(),
        "control {what}: the attack must succeed unsandboxed: {:?}, stderr {:?}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
}

/// A directory below [`scratch_root`] (outside every default `fs`
/// rule), removed with its contents when dropped.
pub struct TempDir(PathBuf);

/// Where the attack program and the test directories live: a directory
/// every user can traverse (run-as `nobody` tests execute the program and
/// write there), outside every default `fs` rule. Not below
/// `CARGO_TARGET_TMPDIR`: the checkout may sit in a 0700 directory (as a
/// `mktemp -d` clone does), which `nobody` cannot enter.
pub fn scratch_root() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        env!("CARGO_TARGET_TMPDIR").hash(&mut h);
        let d = std::env::temp_dir().join(format!("execward-attacks-{:016x}", h.finish()));
        std::fs::create_dir_all(&d).unwrap();
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755)).unwrap();
        d
    })
}

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let d = scratch_root().join(format!("attacks-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        TempDir(d)
    }

    /// The same, writable by every user (for `run-as nobody`).
    pub fn world_writable(name: &str) -> TempDir {
        let d = TempDir::new(name);
        std::fs::set_permissions(&d.0, std::fs::Permissions::from_mode(0o777)).unwrap();
        d
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn join(&self, p: &str) -> PathBuf {
        self.0.join(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A child of the test, killed and reaped when dropped.
pub struct ChildGuard(pub std::process::Child);

impl ChildGuard {
    pub fn spawn(cmd: &mut std::process::Command) -> ChildGuard {
        ChildGuard(cmd.spawn().expect("spawning a helper process"))
    }

    /// A `sleep` the test owns: a process outside every sandbox.
    pub fn sleeper() -> ChildGuard {
        ChildGuard::spawn(
            std::process::Command::new("/usr/bin/sleep")
                .arg("30")
                .stdin(std::process::Stdio::null()),
        )
    }

    pub fn pid(&self) -> i32 {
        self.0.id() as i32
    }

    /// True while the process has not exited.
    pub fn running(&mut self) -> bool {
        self.0.try_wait().expect("try_wait").is_none()
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A process that is not our child (a daemon), `SIGKILL`ed when dropped
/// unless it is already gone.
pub struct PidGuard(pub i32);

impl Drop for PidGuard {
    fn drop(&mut self) {
        if alive(self.0) {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(self.0),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
}

/// The state letter of `/proc/PID/stat`, `None` when there is no such
/// process.
pub fn proc_state(pid: i32) -> Option<char> {
    let mut s = String::new();
    std::fs::File::open(format!("/proc/{pid}/stat"))
        .ok()?
        .read_to_string(&mut s)
        .ok()?;
    // "PID (COMM) S ...": COMM may hold spaces and parentheses.
    s.rsplit_once(')')?.1.trim_start().chars().next()
}

/// True if `pid` exists and is not a zombie (a zombie has no code, memory
/// or descriptors left; only its parent's `wait` is missing, and here that
/// parent may be an init that reaps lazily).
pub fn alive(pid: i32) -> bool {
    matches!(proc_state(pid), Some(c) if c != 'Z' && c != 'X')
}

/// Polls until `pid` is gone (or a zombie); false if it still lives at
/// `deadline`.
pub fn gone_within(pid: i32, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    loop {
        if !alive(pid) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Polls until `path` holds a complete line; `None` after `within`.
pub fn wait_for_line(path: &Path, within: Duration) -> Option<String> {
    let deadline = Instant::now() + within;
    loop {
        if let Ok(s) = std::fs::read_to_string(path) {
            if s.ends_with('\n') {
                return Some(s);
            }
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Reads the `daemon` subcommand's pidfile: (original pid, daemon pid).
pub fn daemon_pids(line: &str) -> (i32, i32) {
    let mut it = line.split_whitespace().map(|w| w.parse::<i32>().unwrap());
    let orig = it.next().expect("original pid");
    let daemon = it.next().expect("daemon pid");
    (orig, daemon)
}

/// The role this process was re-executed for, if any: a role test returns
/// at once unless `EXECWARD_ATTACK_ROLE` names it.
pub fn role(name: &str) -> bool {
    std::env::var(ROLE_VAR).as_deref() == Ok(name)
}

/// A command that re-executes this test binary to run only the role test
/// `test_name` with `EXECWARD_ATTACK_ROLE=role`, its output not captured
/// by the test harness (role results are printed as `RESULT ...` lines).
pub fn reexec(test_name: &str, role: &str) -> std::process::Command {
    let exe = std::env::current_exe().expect("current_exe");
    let mut c = std::process::Command::new(exe);
    c.args([test_name, "--exact", "--nocapture", "--test-threads=1"])
        .env(ROLE_VAR, role);
    if let Some(a) = attack() {
        c.env(PROGRAM_VAR, a);
    }
    c
}

/// The value of the `RESULT key=value` line a role printed (the harness
/// may have printed `test NAME ... ` before it on the same line).
pub fn role_result(stdout: &[u8], key: &str) -> Option<String> {
    let marker = format!("RESULT {key}=");
    String::from_utf8_lossy(stdout)
        .lines()
        .find_map(|l| l.find(&marker).map(|at| l[at + marker.len()..].to_owned()))
}

/// A small deterministic generator (xorshift64; the seed must not be 0),
/// so the randomized smoke tests need no extra crate and are reproducible.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number below `n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// `n` bytes.
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n.div_ceil(8))
            .flat_map(|_| self.next().to_le_bytes())
            .take(n)
            .collect()
    }
}
