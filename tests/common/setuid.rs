//! An installed `execward-helper` (setuid root) with a policy path of its
//! own, for the test binaries that attack it as an unprivileged caller.
//!
//! The policy path is fixed when the helper is built, so each user of this
//! module builds its own helper (`cargo build --bin execward-helper` with
//! `EXECWARD_POLICY` set, in `CARGO_TARGET_TMPDIR/helper-build-TAG`) and
//! installs it, once per test binary, below
//! `/run/execward-helper-tests/<hash of the checkout>-TAG`. Tests that
//! share one installation serialize on [`Installation::lock`].

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, MutexGuard};

/// Where every checkout's installations live: root-owned, 0755, not under
/// `/tmp` (world-writable directories are refused above a policy).
const TOP: &str = "/run/execward-helper-tests";

/// `nobody`: the unprivileged caller.
pub const NOBODY: u32 = 65534;

/// One installed helper and its policy.
pub struct Installation {
    /// The setuid-root helper.
    pub helper: PathBuf,
    /// Where its policy, audit log and scratch files live.
    pub base: PathBuf,
    lock: Mutex<()>,
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

impl Installation {
    /// Builds and installs the helper for `tag` (call once, from a
    /// `OnceLock`). Needs root.
    pub fn new(tag: &str) -> Installation {
        // FNV-1a: stable across runs (the helper is built for this path).
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in env!("CARGO_MANIFEST_DIR").bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        let base = Path::new(TOP).join(format!("{:08x}-{tag}", h as u32));
        mkdir_root(Path::new(TOP), 0o755);
        mkdir_root(&base, 0o755);
        mkdir_root(&base.join("etc"), 0o755);
        mkdir_root(&base.join("log"), 0o755);
        let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("helper-build-{tag}"));
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
        let out = Command::new(env!("CARGO"))
            .args(["build", "--bin", "execward-helper", "--manifest-path"])
            .arg(&manifest)
            .arg("--target-dir")
            .arg(&target)
            .env("EXECWARD_POLICY", base.join("etc/policy"))
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
        let candidates = [
            base.join("bin"),
            PathBuf::from(format!("/var/lib/execward-helper-tests/bin-{tag}")),
            Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("helper-bin-{tag}")),
        ];
        let bin = candidates
            .iter()
            .find(|d| {
                mkdir_root(d, 0o755);
                suid_capable(d)
            })
            .expect("no directory on a mount that allows setuid programs")
            .clone();
        let tmp = bin.join(".execward-helper.tmp");
        let _ = fs::remove_file(&tmp);
        fs::copy(&built, &tmp).unwrap();
        std::os::unix::fs::chown(&tmp, Some(0), Some(0)).unwrap();
        fs::set_permissions(&tmp, fs::Permissions::from_mode(0o4755)).unwrap();
        let helper = bin.join("execward-helper");
        fs::rename(&tmp, &helper).unwrap();
        Installation {
            helper,
            base,
            lock: Mutex::new(()),
        }
    }

    /// Serializes the tests of this installation (they share its policy).
    pub fn lock(&self) -> MutexGuard<'_, ()> {
        self.lock.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The audit log the policies of [`Installation::install_policy`]
    /// write to.
    pub fn audit_path(&self) -> PathBuf {
        self.base.join("log/audit.jsonl")
    }

    /// Installs `text` (after an `audit file` line naming
    /// [`Installation::audit_path`]) as the policy, root:root 0644, written
    /// beside and renamed into place.
    pub fn install_policy(&self, text: &str) {
        let etc = self.base.join("etc");
        mkdir_root(&etc, 0o755);
        let tmp = etc.join(".policy.tmp");
        let _ = fs::remove_file(&tmp);
        let full = format!("audit file {}\n{text}", self.audit_path().display());
        fs::write(&tmp, full).unwrap();
        std::os::unix::fs::chown(&tmp, Some(0), Some(0)).unwrap();
        fs::set_permissions(&tmp, fs::Permissions::from_mode(0o644)).unwrap();
        fs::rename(&tmp, etc.join("policy")).unwrap();
    }

    /// A call of the helper with `args` as `nobody` (uid, gid and groups
    /// switched in the forked child before exec), a small clean
    /// environment and stdin from /dev/null.
    pub fn call(&self, args: &[&str]) -> Command {
        call_as(&self.helper, args, NOBODY, NOBODY)
    }
}

/// `program ARGS` as `uid`/`gid` (groups: just `gid`), clean environment,
/// stdin from /dev/null, output captured.
pub fn call_as(program: &Path, args: &[&str], uid: u32, gid: u32) -> Command {
    let mut c = Command::new(program);
    c.args(args)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .current_dir("/")
        .stdin(Stdio::null());
    let become_caller = move || {
        let groups = [gid];
        // SAFETY: the kernel reads one gid from `groups` on this frame.
        if unsafe { libc::setgroups(1, groups.as_ptr()) } != 0 {
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

/// `(status code, stdout, stderr)` of a finished command.
pub fn run(c: &mut Command) -> (Option<i32>, String, String) {
    let o = c.output().expect("spawning");
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}
