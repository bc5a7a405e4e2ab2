//! `execward-helper` end to end, installed setuid root and run as `nobody`
//! (65534): the decisions, the run-as default, the trusted policy read and
//! every entry hardening step, each attack with a control that shows the
//! attack setup is real.
//!
//! Needs root (to install a setuid binary and to become `nobody`): without
//! it every test prints why and passes, unless `EXECWARD_REQUIRE_SANDBOX=1`
//! is set, then it fails.
//!
//! The helper's policy path is fixed at build time, so the tests build
//! their own helper once (`cargo build --bin execward-helper` with
//! `EXECWARD_POLICY` pointing below [`base()`], in
//! `CARGO_TARGET_TMPDIR/helper-build`) and install it setuid root. All
//! tests share that one policy path, so they take a lock and each installs
//! the policy it needs.

use std::ffi::CString;
use std::fs;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

mod common;

/// Where every checkout's test installation lives: root-owned, 0755, not
/// under `/tmp` (world-writable directories are refused above a policy).
const TOP: &str = "/run/execward-helper-tests";

/// This checkout's test installation: `TOP/<hash of the checkout path>`, so
/// two checkouts testing at once do not share a policy.
fn base() -> &'static Path {
    static BASE: OnceLock<PathBuf> = OnceLock::new();
    BASE.get_or_init(|| {
        // FNV-1a: stable across runs (the helper is built for this path).
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in env!("CARGO_MANIFEST_DIR").bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        Path::new(TOP).join(format!("{:08x}", h as u32))
    })
}
const NOBODY: u32 = 65534;

fn etc_dir() -> PathBuf {
    base().join("etc")
}
fn policy_path() -> PathBuf {
    etc_dir().join("policy")
}
fn log_dir() -> PathBuf {
    base().join("log")
}
fn audit_path() -> PathBuf {
    log_dir().join("audit.jsonl")
}

fn mkdir_root(dir: &Path, mode: u32) {
    fs::create_dir_all(dir).unwrap();
    std::os::unix::fs::chown(dir, Some(0), Some(0)).unwrap();
    fs::set_permissions(dir, fs::Permissions::from_mode(mode)).unwrap();
}

/// A mount that honours setuid bits and allows exec.
fn suid_capable(dir: &Path) -> bool {
    match nix::sys::statvfs::statvfs(dir) {
        Ok(s) => {
            let f = s.flags();
            !f.contains(nix::sys::statvfs::FsFlags::ST_NOSUID)
                && !f.contains(nix::sys::statvfs::FsFlags::ST_NOEXEC)
        }
        Err(_) => false,
    }
}

struct Installed {
    /// The setuid-root helper.
    helper: PathBuf,
    /// The same binary without the setuid bit.
    plain: PathBuf,
}

/// Builds the helper with the test policy path and installs it, once.
fn installed() -> &'static Installed {
    static INSTALLED: OnceLock<Installed> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        mkdir_root(Path::new(TOP), 0o755);
        mkdir_root(base(), 0o755);
        mkdir_root(&etc_dir(), 0o755);
        mkdir_root(&log_dir(), 0o755);
        let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("helper-build");
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
        let out = Command::new(env!("CARGO"))
            .args(["build", "--bin", "execward-helper", "--manifest-path"])
            .arg(&manifest)
            .arg("--target-dir")
            .arg(&target)
            .env("EXECWARD_POLICY", policy_path())
            .env("CARGO_TARGET_DIR", &target)
            .env_remove("CARGO_MAKEFLAGS")
            .env_remove("MAKEFLAGS")
            .env_remove("MFLAGS")
            .output()
            .expect("running cargo build");
        assert!(
            out.status.success(),
            "cargo build --bin execward-helper failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let built = target.join("debug").join("execward-helper");
        // The binary needs a mount without nosuid/noexec (/run often has
        // both); the policy stays below base() either way.
        let candidates = [
            base().join("bin"),
            PathBuf::from("/var/lib/execward-helper-tests/bin"),
            PathBuf::from("/usr/local/libexec/execward-helper-tests"),
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("helper-bin"),
        ];
        let bin = candidates
            .iter()
            .find(|d| {
                mkdir_root(d, 0o755);
                suid_capable(d)
            })
            .expect("no directory on a mount that allows setuid programs")
            .clone();
        let install = |name: &str, mode: u32| {
            let tmp = bin.join(format!(".{name}.tmp"));
            let _ = fs::remove_file(&tmp);
            fs::copy(&built, &tmp).unwrap();
            std::os::unix::fs::chown(&tmp, Some(0), Some(0)).unwrap();
            fs::set_permissions(&tmp, fs::Permissions::from_mode(mode)).unwrap();
            let dst = bin.join(name);
            fs::rename(&tmp, &dst).unwrap();
            dst
        };
        Installed {
            helper: install("execward-helper", 0o4755),
            plain: install("execward-helper-plain", 0o755),
        }
    })
}

/// Starts a test: `None` (skip, or fail under `EXECWARD_REQUIRE_SANDBOX=1`)
/// without root; otherwise the lock that serializes the tests, which share
/// one policy path.
fn begin() -> Option<MutexGuard<'static, ()>> {
    static LOCK: Mutex<()> = Mutex::new(());
    if !common::need_root() {
        return None;
    }
    Some(LOCK.lock().unwrap_or_else(|e| e.into_inner()))
}

/// The read set for actions that list `/proc`: the default set plus
/// `/proc`, only the directories that exist here.
fn read_set() -> String {
    ["/usr", "/lib", "/lib64", "/etc", "/bin", "/sbin", "/proc"]
        .iter()
        .filter(|p| Path::new(p).exists())
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

fn standard_policy() -> String {
    format!(
        "audit file {audit}
action uid = /usr/bin/id -u
    allow uid={NOBODY}
action groups = /usr/bin/id -G
    allow user=nobody
action root-uid = /usr/bin/id -u
    allow uid={NOBODY}
    run-as root
action env = /usr/bin/env
    allow gid={NOBODY}
    env LANG=C.UTF-8
action fds = /usr/bin/ls /proc/self/fd
    allow uid={NOBODY}
    fs read {rs}
action signals = /usr/bin/grep -E '^Sig(Ign|Blk):' /proc/self/status
    allow uid={NOBODY}
    fs read {rs}
action exit7 = /bin/sh -c 'exit 7'
    allow uid={NOBODY}
action sleep = /usr/bin/sleep {{s:uint}}
    allow uid={NOBODY}
action cat = /usr/bin/cat
    allow uid={NOBODY}
action cat-inherit = /usr/bin/cat
    allow uid={NOBODY}
    stdin inherit
action other = /usr/bin/id -u
    allow uid=1 user=root
action nobody-may = /usr/bin/id -u
",
        audit = audit_path().display(),
        rs = read_set()
    )
}

/// Restores the directory chain and installs `text` as the policy
/// (root:root 0644, written beside and renamed into place).
fn install_policy(text: &[u8]) {
    let etc = etc_dir();
    if fs::symlink_metadata(&etc).is_ok_and(|m| m.file_type().is_symlink()) {
        fs::remove_file(&etc).unwrap();
    }
    mkdir_root(base(), 0o755);
    mkdir_root(&etc, 0o755);
    mkdir_root(&log_dir(), 0o755);
    let tmp = etc.join(".policy.tmp");
    let _ = fs::remove_file(&tmp);
    fs::write(&tmp, text).unwrap();
    std::os::unix::fs::chown(&tmp, Some(0), Some(0)).unwrap();
    fs::set_permissions(&tmp, fs::Permissions::from_mode(0o644)).unwrap();
    let p = policy_path();
    if fs::symlink_metadata(&p).is_ok_and(|m| m.is_dir()) {
        fs::remove_dir_all(&p).unwrap();
    }
    fs::rename(&tmp, &p).unwrap();
}

fn audit_lines() -> Vec<String> {
    fs::read_to_string(audit_path())
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// A call of `helper` with `args`, as the caller `uid`/`gid`/`groups`
/// (switched in the forked child before exec), with a small clean
/// environment and stdin from /dev/null.
fn call_as(helper: &Path, args: &[&str], uid: u32, gid: u32, groups: &[u32]) -> Command {
    let mut c = Command::new(helper);
    c.args(args)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .current_dir("/")
        .stdin(Stdio::null());
    let groups: Vec<libc::gid_t> = groups.to_vec();
    let become_caller = move || {
        // SAFETY: the kernel reads `groups.len()` gids from `groups`, owned
        // by the closure.
        if unsafe { libc::setgroups(groups.len(), groups.as_ptr()) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: numbers only.
        if unsafe { libc::setresgid(gid, gid, gid) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: numbers only.
        if unsafe { libc::setresuid(uid, uid, uid) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    };
    // SAFETY: the hook runs in the forked child before exec and only makes
    // async-signal-safe system calls on data owned by the closure.
    unsafe { c.pre_exec(become_caller) };
    c
}

fn call(args: &[&str]) -> Command {
    call_as(&installed().helper, args, NOBODY, NOBODY, &[NOBODY])
}

fn out_str(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn run(c: &mut Command) -> Output {
    c.output().expect("spawning the helper")
}

/// Runs `c` and asserts it refused with status 125 and `execward: CLASS:`.
fn assert_refused(c: &mut Command, class: &str, needle: &str) -> String {
    let o = run(c);
    let (stdout, stderr) = out_str(&o);
    assert_eq!(
        o.status.code(),
        Some(125),
        "expected a refusal; stdout {stdout:?}, stderr {stderr:?}"
    );
    let prefix = format!("execward: {class}: ");
    assert!(
        stderr.starts_with(&prefix) && stderr.contains(needle),
        "expected {prefix:?}...{needle:?}, got {stderr:?}"
    );
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr:?}");
    assert!(stdout.is_empty(), "nothing ran: {stdout:?}");
    stderr
}

/// The standard policy, and a control run: nobody runs `uid` and gets
/// 65534. Every refusal test starts with it, so a refusal is known to come
/// from the change the test makes.
fn control() {
    install_policy(standard_policy().as_bytes());
    let o = run(&mut call(&["uid"]));
    let (stdout, stderr) = out_str(&o);
    assert_eq!(
        (o.status.code(), stdout.as_str()),
        (Some(0), "65534\n"),
        "control run failed: {stderr}"
    );
}

#[test]
fn an_allowed_action_runs_as_the_caller_by_default() {
    let Some(_g) = begin() else {
        return;
    };
    install_policy(standard_policy().as_bytes());
    let o = run(&mut call(&["uid"]));
    assert_eq!(out_str(&o).0, "65534\n", "{:?}", out_str(&o));
    assert_eq!(o.status.code(), Some(0));
    // The caller's gid and supplementary groups, not root's.
    let o = run(&mut call_as(
        &installed().helper,
        &["groups"],
        NOBODY,
        NOBODY,
        &[NOBODY, 4242],
    ));
    let (stdout, stderr) = out_str(&o);
    let mut got: Vec<&str> = stdout.split_whitespace().collect();
    got.sort();
    assert_eq!(got, ["4242", "65534"], "{stderr}");
    // With `run-as root`, root.
    let o = run(&mut call(&["root-uid"]));
    assert_eq!(out_str(&o).0, "0\n", "{:?}", out_str(&o));
    // The audit records of the allowed request: its decision, then its end.
    let lines = audit_lines();
    let [start, end] = &lines[lines.len() - 2..] else {
        unreachable!()
    };
    assert!(start.contains(r#""action":"root-uid""#), "{start}");
    assert!(start.starts_with(r#"{"event":"allowed","id":""#), "{start}");
    assert!(start.contains(r#""caller":{"uid":65534"#), "{start}");
    let id = &start[25..41];
    assert!(
        end.starts_with(&format!(r#"{{"event":"end","id":"{id}""#))
            && end.contains(r#""exit":{"status":0}"#),
        "{end}"
    );
}

#[test]
fn the_exit_status_is_the_childs() {
    let Some(_g) = begin() else {
        return;
    };
    install_policy(standard_policy().as_bytes());
    assert_eq!(run(&mut call(&["exit7"])).status.code(), Some(7));
}

#[test]
fn without_a_stdin_line_the_action_reads_nothing_of_the_caller() {
    let Some(_g) = begin() else {
        return;
    };
    install_policy(standard_policy().as_bytes());
    let feed = |action: &str| {
        let mut c = call(&[action]);
        c.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut h = c.spawn().unwrap();
        // The child may not read it: a closed pipe is fine.
        let _ = h.stdin.take().unwrap().write_all(b"caller's input\n");
        h.wait_with_output().unwrap()
    };
    // Control: `stdin inherit` passes the caller's stdin through.
    let o = feed("cat-inherit");
    assert_eq!(out_str(&o).0, "caller's input\n", "{:?}", out_str(&o));
    let o = feed("cat");
    assert_eq!(o.status.code(), Some(0), "{:?}", out_str(&o));
    assert_eq!(out_str(&o).0, "");
}

#[test]
fn a_caller_not_allowed_is_denied_and_recorded() {
    let Some(_g) = begin() else {
        return;
    };
    control();
    let before = audit_lines().len();
    let denied = assert_refused(&mut call(&["other"]), "denied", "\"other\"");
    let lines = audit_lines();
    assert_eq!(lines.len(), before + 1, "one record for the denial");
    let rec = lines.last().unwrap();
    assert!(rec.contains(r#""action":"other""#), "{rec}");
    assert!(rec.contains(r#""event":"denied""#), "{rec}");
    assert!(rec.contains("no allow line"), "{rec}");
    // No allow line at all: nobody.
    assert_refused(&mut call(&["nobody-may"]), "denied", "nobody-may");
    // An unknown action reads exactly like a forbidden one.
    let unknown = assert_refused(&mut call(&["no-such"]), "denied", "no-such");
    assert_eq!(
        denied.replace("other", "X"),
        unknown.replace("no-such", "X"),
        "unknown and forbidden actions must be indistinguishable"
    );
    let rec = audit_lines().pop().unwrap();
    assert!(
        rec.contains(r#""action":"no-such""#) && rec.contains(r#""event":"denied""#),
        "{rec}"
    );
}

#[test]
fn list_shows_only_the_actions_this_caller_may_run() {
    let Some(_g) = begin() else {
        return;
    };
    install_policy(standard_policy().as_bytes());
    let o = run(&mut call(&["--list"]));
    let (stdout, stderr) = out_str(&o);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    let names: Vec<&str> = stdout
        .lines()
        .filter(|l| !l.starts_with(' '))
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "uid",
            "groups",
            "root-uid",
            "env",
            "fds",
            "signals",
            "exit7",
            "sleep",
            "cat",
            "cat-inherit"
        ],
        "{stdout}"
    );
    assert!(
        stdout.contains("sleep {s:uint}\n    s: uint = uint"),
        "{stdout}"
    );
    // Control: another caller (uid 1, not in any rule but `other`) sees
    // only `other`.
    let o = run(&mut call_as(&installed().helper, &["--list"], 1, 1, &[]));
    assert_eq!(out_str(&o).0, "other\n");
}

#[test]
fn a_policy_not_owned_by_root_is_refused() {
    let Some(_g) = begin() else {
        return;
    };
    control();
    std::os::unix::fs::chown(policy_path(), Some(NOBODY), None).unwrap();
    assert_refused(&mut call(&["uid"]), "policy", "owned by uid 65534");
}

#[test]
fn a_policy_writable_by_group_or_others_is_refused() {
    let Some(_g) = begin() else {
        return;
    };
    for mode in [0o666, 0o646, 0o664] {
        control();
        fs::set_permissions(policy_path(), fs::Permissions::from_mode(mode)).unwrap();
        assert_refused(&mut call(&["uid"]), "policy", "writable by group or others");
    }
}

#[test]
fn a_writable_directory_above_the_policy_is_refused() {
    let Some(_g) = begin() else {
        return;
    };
    for (dir, mode, why) in [
        (etc_dir(), 0o777, "writable by others"),
        (etc_dir(), 0o1777, "sticky or not"),
        (etc_dir(), 0o775, "writable by its group"),
        (base().to_path_buf(), 0o757, "writable by others"),
    ] {
        control();
        fs::set_permissions(&dir, fs::Permissions::from_mode(mode)).unwrap();
        assert_refused(&mut call(&["uid"]), "policy", why);
    }
    control();
    std::os::unix::fs::chown(etc_dir(), Some(NOBODY), None).unwrap();
    assert_refused(&mut call(&["uid"]), "policy", "owned by uid 65534");
    control();
}

#[test]
fn a_symlink_in_the_policy_path_is_refused() {
    let Some(_g) = begin() else {
        return;
    };
    // The policy itself a link to a valid root-owned policy.
    control();
    let real = base().join("real-policy");
    fs::copy(policy_path(), &real).unwrap();
    fs::set_permissions(&real, fs::Permissions::from_mode(0o644)).unwrap();
    fs::remove_file(policy_path()).unwrap();
    symlink(&real, policy_path()).unwrap();
    assert_refused(&mut call(&["uid"]), "policy", "symbolic link");
    // A directory of the path a link to a valid root-owned directory.
    control();
    let real_etc = base().join("real-etc");
    let _ = fs::remove_dir_all(&real_etc);
    fs::rename(etc_dir(), &real_etc).unwrap();
    symlink(&real_etc, etc_dir()).unwrap();
    assert_refused(&mut call(&["uid"]), "policy", "symbolic link");
    fs::remove_file(etc_dir()).unwrap();
    fs::rename(&real_etc, etc_dir()).unwrap();
    let _ = fs::remove_file(&real);
    control();
}

#[test]
fn a_policy_that_looks_truncated_is_refused() {
    let Some(_g) = begin() else {
        return;
    };
    control();
    let text = standard_policy();
    install_policy(text.trim_end_matches('\n').as_bytes());
    assert_refused(&mut call(&["uid"]), "policy", "newline");
    install_policy(b"");
    assert_refused(&mut call(&["uid"]), "policy", "empty");
    // A hard link elsewhere: refused too.
    control();
    let other = base().join("second-name");
    let _ = fs::remove_file(&other);
    fs::hard_link(policy_path(), &other).unwrap();
    assert_refused(&mut call(&["uid"]), "policy", "hard links");
    fs::remove_file(&other).unwrap();
    // Not a regular file.
    fs::remove_file(policy_path()).unwrap();
    mkdir_root(&policy_path(), 0o755);
    assert_refused(&mut call(&["uid"]), "policy", "not a regular file");
    control();
}

#[test]
fn policy_errors_do_not_reveal_policy_text() {
    let Some(_g) = begin() else {
        return;
    };
    control();
    let text = format!(
        "{}action bad = /usr/bin/id {{x:secret-type-name}}\n",
        standard_policy()
    );
    install_policy(text.as_bytes());
    let err = assert_refused(&mut call(&["uid"]), "policy", "1 error, the first on line");
    assert!(!err.contains("secret-type-name"), "{err}");
    control();
}

#[test]
fn an_audit_log_that_cannot_be_opened_refuses_before_anything_runs() {
    let Some(_g) = begin() else {
        return;
    };
    control();
    // The log's directory belongs to the caller: it could swap the log.
    let dir = base().join("caller-log");
    mkdir_root(&dir, 0o755);
    std::os::unix::fs::chown(&dir, Some(NOBODY), Some(NOBODY)).unwrap();
    let text = standard_policy().replace(
        &format!("audit file {}", audit_path().display()),
        &format!("audit file {}/audit.jsonl", dir.display()),
    );
    install_policy(text.as_bytes());
    assert_refused(&mut call(&["uid"]), "policy", "cannot open the audit log");
    // A log that is a hard link to another file (`/etc/passwd`, say).
    control();
    let victim = base().join("victim");
    fs::write(&victim, b"root:x:0:0::/root:/bin/sh\n").unwrap();
    let log = log_dir().join("linked.jsonl");
    let _ = fs::remove_file(&log);
    fs::hard_link(&victim, &log).unwrap();
    let text = standard_policy().replace(
        &format!("audit file {}", audit_path().display()),
        &format!("audit file {}", log.display()),
    );
    install_policy(text.as_bytes());
    assert_refused(&mut call(&["uid"]), "policy", "hard links");
    assert_eq!(fs::read(&victim).unwrap(), b"root:x:0:0::/root:/bin/sh\n");
    fs::remove_file(&log).unwrap();
    fs::remove_file(&victim).unwrap();
    control();
}

#[test]
fn the_callers_environment_changes_nothing() {
    let Some(_g) = begin() else {
        return;
    };
    install_policy(standard_policy().as_bytes());
    // A policy elsewhere that would allow everything.
    let elsewhere = base().join("elsewhere");
    mkdir_root(&elsewhere, 0o755);
    fs::write(
        elsewhere.join("policy"),
        "audit none\naction elsewhere = /usr/bin/id -u\n    allow uid=65534\n",
    )
    .unwrap();
    let hostile = |c: &mut Command| {
        c.env("EXECWARD_POLICY", elsewhere.join("policy"))
            .env("LD_PRELOAD", "/nonexistent/libcanary.so")
            .env("LD_LIBRARY_PATH", "/nonexistent")
            .env("GCONV_PATH", "/nonexistent")
            .env("TZ", "/etc/shadow")
            .env("RUST_BACKTRACE", "full")
            .env("BASH_ENV", "/nonexistent/rc")
            .env("BASH_FUNC_id%%", "() { echo pwned; }")
            .env("LANG", "ja_JP.eucJP");
    };
    // Control: without the hostile environment the action exists here and
    // `elsewhere` does not.
    let mut c = call(&["elsewhere"]);
    assert_refused(&mut c, "denied", "elsewhere");
    let mut c = call(&["elsewhere"]);
    hostile(&mut c);
    assert_refused(&mut c, "denied", "elsewhere");
    // The child's environment is the policy's: PATH and LANG=C.UTF-8.
    let mut c = call(&["env"]);
    hostile(&mut c);
    let o = run(&mut c);
    let (stdout, stderr) = out_str(&o);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    let mut vars: Vec<&str> = stdout.lines().collect();
    vars.sort();
    assert_eq!(
        vars,
        [
            "LANG=C.UTF-8",
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        ]
    );
    let _ = fs::remove_dir_all(&elsewhere);
}

#[test]
fn an_empty_argv_is_refused() {
    let Some(_g) = begin() else {
        return;
    };
    control();
    let before = audit_lines().len();
    // argv[0] empty, with and without an action after it.
    let mut c = call(&["uid"]);
    c.arg0("");
    assert_refused(&mut c, "usage", "argv[0] is empty");
    let mut c = call(&[]);
    c.arg0("");
    assert_refused(&mut c, "usage", "argv[0] is empty");
    // A real argc == 0: execve with an empty argv (kernels since 5.18
    // turn it into one empty argument; older ones deliver argc 0).
    let path = CString::new(installed().helper.as_os_str().as_bytes()).unwrap();
    let env_path = CString::new("PATH=/usr/bin:/bin").unwrap();
    let mut c = call(&["uid"]);
    let exec_without_argv = move || {
        let argv: [*const libc::c_char; 1] = [std::ptr::null()];
        let envp: [*const libc::c_char; 2] = [env_path.as_ptr(), std::ptr::null()];
        // SAFETY: C strings owned by the closure, null-terminated arrays;
        // it only returns on failure.
        unsafe { libc::execve(path.as_ptr(), argv.as_ptr(), envp.as_ptr()) };
        Err(std::io::Error::last_os_error())
    };
    // SAFETY: runs in the forked child after the caller switch; no
    // allocation, one system call.
    unsafe { c.pre_exec(exec_without_argv) };
    let o = run(&mut c);
    assert_eq!(o.status.code(), Some(125), "{:?}", out_str(&o));
    let err = out_str(&o).1;
    assert!(
        err.starts_with("execward: usage: ") && (err.contains("argc == 0")),
        "{err}"
    );
    // Refused before the policy was read: no record.
    assert_eq!(audit_lines().len(), before);
}

/// Polls until `pid` has a child process that has exec'd `sleep` (so the
/// helper is past the spawn, which blocks its signals for a moment);
/// returns the child's pid.
fn child_of(pid: u32) -> u32 {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        // Any thread of the helper may be the child's parent (the library
        // creates children from a spawner thread).
        let mut children = String::new();
        for t in fs::read_dir(format!("/proc/{pid}/task"))
            .into_iter()
            .flatten()
        {
            let t = t.unwrap().path().join("children");
            children.push_str(&fs::read_to_string(t).unwrap_or_default());
            children.push(' ');
        }
        if let Some(c) = children.split_whitespace().next() {
            let comm = fs::read_to_string(format!("/proc/{c}/comm")).unwrap_or_default();
            if comm.trim() == "sleep" {
                // The helper resumes right after the child's execve.
                std::thread::sleep(Duration::from_millis(100));
                return c.parse().unwrap();
            }
        }
        assert!(Instant::now() < deadline, "the helper started no child");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn status_field(pid: u32, name: &str) -> String {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .unwrap_or_else(|| panic!("no {name} in /proc/{pid}/status"))
        .trim()
        .to_string()
}

fn sig_bit(sig: i32) -> u64 {
    1 << (sig - 1)
}

/// A caller that closed fd 0, passes an extra fd 7, ignores and blocks
/// signals, has umask 000, a soft RLIMIT_FSIZE of 1 byte and a core limit:
/// the helper, observed from outside while its action runs, has none of it.
#[test]
fn the_helper_starts_from_nothing_the_caller_controls() {
    let Some(_g) = begin() else {
        return;
    };
    control();
    let canary = base().join("fd7-canary");
    fs::write(&canary, b"caller's file\n").unwrap();
    let file = fs::File::open(&canary).unwrap();
    let mut c = call(&["sleep", "3"]);
    c.stdout(Stdio::null()).stderr(Stdio::piped());
    hostile_process_state(&mut c, Some(file));
    let h = c.spawn().unwrap();
    let pid = h.id();
    let child = child_of(pid);
    // The child runs as the caller, completely: every uid and gid, the
    // caller's groups, no capability, no way back, confined.
    for field in ["Uid", "Gid"] {
        assert_eq!(
            status_field(child, field)
                .split_whitespace()
                .collect::<Vec<_>>(),
            ["65534"; 4],
            "{field}"
        );
    }
    assert_eq!(status_field(child, "Groups"), "65534");
    for cap in ["CapInh", "CapPrm", "CapEff", "CapAmb"] {
        assert_eq!(status_field(child, cap), "0000000000000000", "{cap}");
    }
    assert_eq!(status_field(child, "NoNewPrivs"), "1");
    assert_eq!(status_field(child, "Seccomp"), "2");
    assert_eq!(
        status_field(pid, "Uid")
            .split_whitespace()
            .collect::<Vec<_>>(),
        ["65534", "0", "0", "0"],
        "real uid is the caller's, effective root"
    );
    let ign = u64::from_str_radix(&status_field(pid, "SigIgn"), 16).unwrap();
    assert_eq!(
        ign,
        sig_bit(libc::SIGPIPE) | sig_bit(libc::SIGXFSZ),
        "only SIGPIPE and SIGXFSZ ignored"
    );
    assert_eq!(status_field(pid, "SigBlk"), "0000000000000000");
    assert_eq!(status_field(pid, "Umask"), "0022");
    assert_eq!(
        fs::read_link(format!("/proc/{pid}/cwd")).unwrap(),
        Path::new("/")
    );
    let limits = fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let limit = |name: &str| {
        limits
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap()
            .split_whitespace()
            .rev()
            .skip(1)
            .take(2)
            .collect::<Vec<_>>()
    };
    assert_eq!(limit("Max file size"), ["unlimited", "unlimited"]);
    assert_eq!(limit("Max core file size"), ["0", "0"]);
    // fd 0 is open again: /dev/full from glibc's secure mode (before
    // main), or /dev/null from the helper's own step (other libcs).
    let fd0 = fs::read_link(format!("/proc/{pid}/fd/0")).unwrap();
    assert!(
        fd0 == Path::new("/dev/full") || fd0 == Path::new("/dev/null"),
        "{fd0:?}"
    );
    // No descriptor refers to the caller's file.
    for e in fs::read_dir(format!("/proc/{pid}/fd")).unwrap() {
        let target = fs::read_link(e.unwrap().path()).unwrap_or_default();
        assert_ne!(target, canary, "the caller's fd 7 is still open");
    }
    let o = h.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{:?}", out_str(&o));
    // The audit record was written whole despite RLIMIT_FSIZE=1.
    let last = audit_lines().pop().unwrap();
    assert!(
        last.ends_with('}') && last.contains(r#""action":"sleep""#),
        "{last}"
    );
    let _ = fs::remove_file(&canary);
}

/// In the forked caller: close fd 0, put `extra` on fd 7, ignore SIGTERM,
/// SIGHUP and SIGCHLD, block SIGINT, SIGTERM and SIGCHLD, umask 000,
/// RLIMIT_FSIZE soft 1 byte, RLIMIT_CORE unlimited where allowed.
fn hostile_process_state(c: &mut Command, extra: Option<fs::File>) {
    use std::os::fd::IntoRawFd;
    let extra = extra.map(|f| f.into_raw_fd());
    let hostile = move || {
        if let Some(fd) = extra {
            // SAFETY: descriptor numbers only.
            if unsafe { libc::dup2(fd, 7) } != 7 {
                return Err(std::io::Error::last_os_error());
            }
        }
        // SAFETY: a descriptor number only.
        unsafe { libc::close(0) };
        for sig in [libc::SIGTERM, libc::SIGHUP, libc::SIGCHLD] {
            // SAFETY: SIG_IGN, no handler code.
            unsafe { libc::signal(sig, libc::SIG_IGN) };
        }
        // SAFETY: sigset_t is plain data; zeroed is valid before sigemptyset.
        let mut set: libc::sigset_t = unsafe { std::mem::zeroed() };
        // SAFETY: a valid pointer to a local set.
        unsafe { libc::sigemptyset(&mut set) };
        for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGCHLD] {
            // SAFETY: a valid pointer to a local set.
            unsafe { libc::sigaddset(&mut set, sig) };
        }
        // SAFETY: a valid pointer to a local set; no old mask.
        unsafe { libc::sigprocmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) };
        // SAFETY: a number only.
        unsafe { libc::umask(0) };
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: writes one rlimit into the local `lim`.
        unsafe { libc::getrlimit(libc::RLIMIT_FSIZE, &mut lim) };
        lim.rlim_cur = 1;
        // SAFETY: reads the local `lim`.
        unsafe { libc::setrlimit(libc::RLIMIT_FSIZE, &lim) };
        // SAFETY: writes one rlimit into the local `lim`.
        unsafe { libc::getrlimit(libc::RLIMIT_CORE, &mut lim) };
        lim.rlim_cur = lim.rlim_max;
        // SAFETY: reads the local `lim`.
        unsafe { libc::setrlimit(libc::RLIMIT_CORE, &lim) };
        Ok(())
    };
    // SAFETY: runs in the forked child before exec; only async-signal-safe
    // calls on local data.
    unsafe { c.pre_exec(hostile) };
}

#[test]
fn the_action_sees_no_caller_descriptor_signal_state_or_limit() {
    let Some(_g) = begin() else {
        return;
    };
    control();
    let canary = base().join("fd7-canary-2");
    fs::write(&canary, b"x").unwrap();
    // Control: a plain program started with this state sees it.
    let mut ctl = Command::new("/usr/bin/grep");
    ctl.args(["-E", "^Sig(Ign|Blk):", "/proc/self/status"]);
    hostile_process_state(&mut ctl, Some(fs::File::open(&canary).unwrap()));
    let o = ctl.output().unwrap();
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        text.lines().all(|l| !l.ends_with("0000000000000000")),
        "control: the caller's state reaches a plain child: {text}"
    );
    // Through the helper: nothing ignored, nothing blocked.
    let mut c = call(&["signals"]);
    hostile_process_state(&mut c, Some(fs::File::open(&canary).unwrap()));
    let o = run(&mut c);
    let (stdout, stderr) = out_str(&o);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert_eq!(
        stdout,
        "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n"
    );
    // Descriptors: 0, 1, 2 and ls's own directory descriptor, not fd 7.
    let mut c = call(&["fds"]);
    hostile_process_state(&mut c, Some(fs::File::open(&canary).unwrap()));
    let o = run(&mut c);
    let (stdout, stderr) = out_str(&o);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    let fds: Vec<&str> = stdout.split_whitespace().collect();
    assert_eq!(fds, ["0", "1", "2", "3"], "{stdout}");
    // An ignored SIGCHLD does not lose the exit status.
    let mut c = call(&["exit7"]);
    hostile_process_state(&mut c, None);
    assert_eq!(run(&mut c).status.code(), Some(7));
    let _ = fs::remove_file(&canary);
}

#[test]
fn a_hard_fsize_limit_is_raised_or_refused_cleanly() {
    let Some(_g) = begin() else {
        return;
    };
    control();
    let lines_before = audit_lines().len();
    let log_before = fs::read(audit_path()).unwrap();
    // Control: a plain program appending to a file with this limit dies of
    // SIGXFSZ.
    let target = log_dir().join("fsize-control");
    fs::write(&target, b"already more than one byte\n").unwrap();
    let mut ctl = Command::new("/bin/sh");
    ctl.args(["-c", &format!("echo x >> {}", target.display())]);
    let set_fsize = |c: &mut Command| {
        let fsize_1 = || {
            let lim = libc::rlimit {
                rlim_cur: 1,
                rlim_max: 1,
            };
            // SAFETY: reads the local `lim`.
            if unsafe { libc::setrlimit(libc::RLIMIT_FSIZE, &lim) } != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        };
        // SAFETY: in the forked child before exec, one setrlimit call.
        unsafe { c.pre_exec(fsize_1) };
    };
    set_fsize(&mut ctl);
    let o = ctl.output().unwrap();
    assert_eq!(o.status.signal(), Some(libc::SIGXFSZ), "control");
    let _ = fs::remove_file(&target);
    // The helper, with soft and hard limit 1 byte.
    let mut c = call(&["uid"]);
    set_fsize(&mut c);
    let o = run(&mut c);
    assert_eq!(o.status.signal(), None, "killed: {:?}", out_str(&o));
    match o.status.code() {
        Some(0) => {
            // Root could raise the hard limit: a whole record.
            let lines = audit_lines();
            assert_eq!(lines.len(), lines_before + 1);
            assert!(lines.last().unwrap().ends_with('}'));
        }
        Some(125) => {
            // No CAP_SYS_RESOURCE here: refused before anything, log untouched.
            let err = out_str(&o).1;
            assert!(err.contains("RLIMIT_FSIZE"), "{err}");
            assert_eq!(fs::read(audit_path()).unwrap(), log_before);
        }
        other => panic!("unexpected status {other:?}: {:?}", out_str(&o)),
    }
}

#[test]
fn no_new_privs_is_refused() {
    let Some(_g) = begin() else {
        return;
    };
    control();
    let mut c = call(&["uid"]);
    let no_new_privs = || {
        // SAFETY: numbers only.
        if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    };
    // SAFETY: in the forked child before exec, one prctl call.
    unsafe { c.pre_exec(no_new_privs) };
    assert_refused(&mut c, "denied", "no_new_privs");
}

#[test]
fn without_the_setuid_bit_it_refuses() {
    let Some(_g) = begin() else {
        return;
    };
    control();
    let mut c = call_as(&installed().plain, &["uid"], NOBODY, NOBODY, &[NOBODY]);
    assert_refused(&mut c, "denied", "not as root");
}

#[test]
fn killing_the_helper_kills_the_action() {
    let Some(_g) = begin() else {
        return;
    };
    control();
    let mut h = call(&["sleep", "30"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = h.id();
    let child = child_of(pid);
    // Control: the action runs, as the caller.
    std::thread::sleep(Duration::from_millis(200));
    assert!(common::alive(child as i32), "the action should be running");
    assert_eq!(
        status_field(child, "Uid").split_whitespace().next(),
        Some("65534")
    );
    // The caller (not root) kills the helper: it may, its real uid is the
    // caller's.
    let k = run(&mut call_as(
        Path::new("/bin/kill"),
        &["-KILL", &pid.to_string()],
        NOBODY,
        NOBODY,
        &[NOBODY],
    ));
    assert!(k.status.success(), "{:?}", out_str(&k));
    let st = h.wait().unwrap();
    assert_eq!(st.signal(), Some(libc::SIGKILL));
    assert!(
        common::gone_within(child as i32, Duration::from_secs(1)),
        "the action outlived the helper by more than a second"
    );
}

#[test]
fn the_installed_helper_is_setuid_root() {
    let Some(_g) = begin() else {
        return;
    };
    let m = fs::metadata(&installed().helper).unwrap();
    assert_eq!((m.uid(), m.mode() & 0o7777), (0, 0o4755));
    // Its output as a reminder of what it is: --version needs no policy.
    let o = run(&mut call(&["--version"]));
    assert!(out_str(&o).0.starts_with("execward-helper "));
}
