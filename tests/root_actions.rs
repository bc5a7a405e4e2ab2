//! Root actions against a hostile caller: each attack of a compromised
//! panel (running as `nobody`) on the actions an `execward-helper` policy
//! lets it run as root, tried for real through the installed setuid
//! helper, each with a control that shows the attack is live without
//! execward (or without the rule under test).
//!
//! Needs root (to install the setuid helper and to become `nobody`),
//! Landlock and seccomp: without them every test prints why and passes,
//! unless `EXECWARD_REQUIRE_SANDBOX=1` is set, then it fails.

use std::path::Path;
use std::sync::{MutexGuard, OnceLock};

mod common;

use common::setuid::{call_as, run, Installation, NOBODY};

/// The installed helper of this test binary and the lock that serializes
/// its tests; `None` (skip, or fail under `EXECWARD_REQUIRE_SANDBOX=1`)
/// without root, Landlock or seccomp.
fn begin() -> Option<(
    &'static Installation,
    MutexGuard<'static, ()>,
    &'static Path,
)> {
    if !common::need_root() || !common::need_sandbox(6) {
        return None;
    }
    let attack = common::attack()?;
    static INSTALLED: OnceLock<Installation> = OnceLock::new();
    let inst = INSTALLED.get_or_init(|| Installation::new("root"));
    Some((inst, inst.lock(), attack))
}

/// The default read set plus `/proc`, only the directories that exist.
fn read_set() -> String {
    ["/usr", "/lib", "/lib64", "/etc", "/bin", "/sbin", "/proc"]
        .iter()
        .filter(|p| Path::new(p).exists())
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

/// An action `NAME = ATTACK WORDS...` that `nobody` may run, with `extra`
/// option lines (each indented by the caller or not: they are indented
/// here).
fn action(name: &str, attack: &Path, words: &str, extra: &[&str]) -> String {
    let mut s = format!(
        "action {name} = {} {words}\n    allow uid={NOBODY}\n",
        attack.display()
    );
    for line in extra {
        s.push_str("    ");
        s.push_str(line);
        s.push('\n');
    }
    s
}

/// The attack through the helper: `(status, stdout, stderr)`.
fn through_helper(inst: &Installation, args: &[&str]) -> (Option<i32>, String, String) {
    run(&mut inst.call(args))
}

/// The attack as a plain root process (the control).
fn as_root(attack: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    run(std::process::Command::new(attack)
        .args(args)
        .stdin(std::process::Stdio::null()))
}

fn errno_of(stderr: &str) -> Option<i32> {
    common::errno_in(stderr.as_bytes())
}

/// The attack ran and failed (exit 1) with one of `errnos`.
fn assert_refused(r: &(Option<i32>, String, String), errnos: &[i32], what: &str) {
    assert_eq!(r.0, Some(1), "{what}: the attack must fail: {r:?}");
    let e = errno_of(&r.2);
    assert!(
        e.is_some_and(|e| errnos.contains(&e)),
        "{what}: expected errno {errnos:?}: {r:?}"
    );
}

fn assert_worked(r: &(Option<i32>, String, String), what: &str) {
    assert_eq!(r.0, Some(0), "control {what}: the attack must work: {r:?}");
}

fn status_hex(out: &str, key: &str) -> u64 {
    let line = out
        .lines()
        .find(|l| l.starts_with(key))
        .unwrap_or_else(|| panic!("no {key} in {out}"));
    u64::from_str_radix(line[key.len()..].trim(), 16).unwrap()
}

// ---------------------------------------------------------------------------
// Least root.

#[test]
fn a_root_child_keeps_only_its_capability_allowlist() {
    let Some((inst, _g, attack)) = begin() else {
        return;
    };
    let rs = read_set();
    let fs = format!("fs read {rs}");
    inst.install_policy(&format!(
        "{}{}",
        action("caps", attack, "caps", &["run-as root", &fs]),
        action(
            "caps-admin",
            attack,
            "caps",
            &["run-as root", &fs, "caps sys_admin sys_nice"]
        )
    ));
    // Control: a root process holds every capability the host gives root,
    // among them those the allowlist leaves out.
    let ctl = as_root(attack, &["caps"]);
    assert_worked(&ctl, "caps as root");
    let full = status_hex(&ctl.1, "CapBnd:");
    for cap in [4, 5, 6, 7, 14, 15, 21, 23] {
        assert!(full & (1 << cap) != 0, "control: root lacks cap {cap}");
    }
    // chown dac_override dac_read_search fowner net_bind_service audit_write
    let allow: u64 = 1 | 1 << 1 | 1 << 2 | 1 << 3 | 1 << 10 | 1 << 29;
    let r = through_helper(inst, &["caps"]);
    assert_worked(&r, "the action runs");
    assert_eq!(status_hex(&r.1, "CapBnd:"), allow & full, "{}", r.1);
    assert_eq!(status_hex(&r.1, "CapEff:"), allow & full, "{}", r.1);
    assert_eq!(status_hex(&r.1, "CapInh:"), 0);
    assert_eq!(status_hex(&r.1, "CapAmb:"), 0);
    // `caps` adds, one by one.
    let r = through_helper(inst, &["caps-admin"]);
    assert_worked(&r, "the action runs");
    assert_eq!(
        status_hex(&r.1, "CapBnd:"),
        (allow | 1 << 21 | 1 << 23) & full,
        "{}",
        r.1
    );
}

/// SysV IPC objects of the host, removed when dropped.
struct HostIpc {
    shm: i32,
    msg: i32,
    sem: i32,
}

fn check(r: libc::c_int, what: &str) -> libc::c_int {
    assert!(r >= 0, "{what}: {}", std::io::Error::last_os_error());
    r
}

#[repr(C)]
struct Msg {
    mtype: libc::c_long,
    text: [u8; 8],
}

impl HostIpc {
    /// A segment holding `host-secret`, a queue holding `host-msg` and a
    /// semaphore set, all with key `key` and mode `mode`.
    fn new(key: i32, mode: i32) -> HostIpc {
        let create = libc::IPC_CREAT | libc::IPC_EXCL | mode;
        // SAFETY: numbers only.
        let shm = check(unsafe { libc::shmget(key, 4096, create) }, "shmget");
        // SAFETY: attaches the segment just made, at an address the kernel
        // chooses.
        let p = unsafe { libc::shmat(shm, std::ptr::null(), 0) };
        assert!(p as isize != -1, "shmat");
        // SAFETY: the segment is 4096 bytes long and attached read-write.
        unsafe { std::ptr::copy_nonoverlapping(b"host-secret".as_ptr(), p.cast::<u8>(), 11) };
        // SAFETY: detaches what was attached above.
        unsafe { libc::shmdt(p) };
        // SAFETY: numbers only.
        let msg = check(unsafe { libc::msgget(key, create) }, "msgget");
        let m = Msg {
            mtype: 1,
            text: *b"host-msg",
        };
        // SAFETY: `m` is a message with 8 bytes of text on this frame.
        let sent = unsafe { libc::msgsnd(msg, (&m as *const Msg).cast(), 8, 0) };
        check(sent, "msgsnd");
        // SAFETY: numbers only.
        let sem = check(unsafe { libc::semget(key, 1, create) }, "semget");
        HostIpc { shm, msg, sem }
    }

    /// True when all three are unchanged: the segment still holds
    /// `host-secret`, the queue one message, the semaphore set exists.
    fn intact(&self) -> bool {
        // SAFETY: attaches the segment read-only.
        let p = unsafe { libc::shmat(self.shm, std::ptr::null(), libc::SHM_RDONLY) };
        if p as isize == -1 {
            return false;
        }
        let mut buf = [0u8; 11];
        // SAFETY: the segment is 4096 bytes long and attached.
        unsafe { std::ptr::copy_nonoverlapping(p.cast::<u8>(), buf.as_mut_ptr(), 11) };
        // SAFETY: detaches what was attached above.
        unsafe { libc::shmdt(p) };
        // SAFETY: msqid_ds is plain data; zeroed is valid.
        let mut ds: libc::msqid_ds = unsafe { std::mem::zeroed() };
        // SAFETY: writes one msqid_ds into `ds`.
        let stat = unsafe { libc::msgctl(self.msg, libc::IPC_STAT, &mut ds) };
        // SAFETY: numbers only.
        let sem = unsafe { libc::semctl(self.sem, 0, libc::GETVAL) };
        &buf == b"host-secret" && stat == 0 && ds.msg_qnum == 1 && sem >= 0
    }
}

impl Drop for HostIpc {
    fn drop(&mut self) {
        // SAFETY: removes the segment made in `new`.
        unsafe { libc::shmctl(self.shm, libc::IPC_RMID, std::ptr::null_mut()) };
        // SAFETY: removes the queue made in `new`.
        unsafe { libc::msgctl(self.msg, libc::IPC_RMID, std::ptr::null_mut()) };
        // SAFETY: removes the semaphore set made in `new`.
        unsafe { libc::semctl(self.sem, 0, libc::IPC_RMID) };
    }
}

fn ipc_key(salt: i32) -> i32 {
    0x4557_0000 | ((std::process::id() as i32 & 0xfff) << 4) | salt
}

#[test]
fn a_root_child_cannot_reach_the_hosts_sysv_ipc() {
    let Some((inst, _g, attack)) = begin() else {
        return;
    };
    let key = ipc_key(1);
    let ks = key.to_string();
    let mut policy = String::new();
    for kind in ["shm", "msg", "sem"] {
        policy.push_str(&action(
            &format!("ipc-{kind}"),
            attack,
            &format!("sysv {kind} {ks}"),
            &["run-as root"],
        ));
    }
    inst.install_policy(&policy);
    let host = HostIpc::new(key, 0o600);
    for kind in ["shm", "msg", "sem"] {
        let r = through_helper(inst, &[&format!("ipc-{kind}")]);
        assert_refused(&r, &[libc::ENOENT], &format!("root child: host {kind}"));
    }
    assert!(host.intact(), "the host's objects changed");
    // Control: a root process reads, drains and removes them.
    let r = as_root(attack, &["sysv", "shm", &ks]);
    assert_worked(&r, "shm as root");
    assert!(r.1.starts_with("host-secret"), "{r:?}");
    assert_worked(&as_root(attack, &["sysv", "msg", &ks]), "msg as root");
    assert_worked(&as_root(attack, &["sysv", "sem", &ks]), "sem as root");
    assert!(!host.intact());
}

#[test]
fn every_action_has_sysv_ipc_of_its_own() {
    let Some((inst, _g, attack)) = begin() else {
        return;
    };
    let key = ipc_key(2);
    let ks = key.to_string();
    // Runs as the caller (no run-as).
    inst.install_policy(&action("ipc", attack, &format!("sysv shm {ks}"), &[]));
    let host = HostIpc::new(key, 0o666);
    let r = through_helper(inst, &["ipc"]);
    assert_refused(&r, &[libc::ENOENT], "caller's child: host shm");
    assert!(host.intact());
    // Control: the caller itself (nobody) may use the segment.
    let r = run(&mut call_as(attack, &["sysv", "shm", &ks], NOBODY, NOBODY));
    assert_worked(&r, "shm as nobody");
}

#[test]
fn a_root_child_cannot_raise_its_priority_or_lock_memory() {
    let Some((inst, _g, attack)) = begin() else {
        return;
    };
    let mut policy = String::new();
    for what in ["rt", "mlockall", "nice"] {
        policy.push_str(&action(what, attack, what, &["run-as root"]));
    }
    inst.install_policy(&policy);
    for (what, errnos) in [
        ("rt", &[libc::EPERM][..]),
        ("mlockall", &[libc::ENOMEM, libc::EPERM][..]),
        ("nice", &[libc::EACCES, libc::EPERM][..]),
    ] {
        // Control: a root process may.
        assert_worked(&as_root(attack, &[what]), what);
        assert_refused(&through_helper(inst, &[what]), errnos, what);
    }
}

/// A tmpfs of the test's own, unmounted when dropped: `FIFREEZE` on it
/// reaches the file system's code only past the privilege check (tmpfs
/// cannot be frozen: `EOPNOTSUPP`), so the control freezes nothing.
struct PrivateTmpfs(common::TempDir);

impl PrivateTmpfs {
    fn new() -> PrivateTmpfs {
        let d = common::TempDir::new("tmpfs");
        let ok = std::process::Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                "size=64k,mode=0755,nosuid,nodev",
                "tmpfs",
            ])
            .arg(d.path())
            .status()
            .expect("running mount");
        assert!(ok.success(), "mounting a tmpfs");
        PrivateTmpfs(d)
    }
}

impl Drop for PrivateTmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.0.path())
            .status();
    }
}

#[test]
fn a_root_child_cannot_freeze_a_file_system_or_touch_quotas() {
    let Some((inst, _g, attack)) = begin() else {
        return;
    };
    let fs = PrivateTmpfs::new();
    // FIFREEZE on the tmpfs; quotactl on a disk file system (tmpfs answers
    // ENOSYS before it checks the privilege).
    let tmpfs = fs.0.path().display().to_string();
    let disk = common::scratch_root().display().to_string();
    let read = format!("fs read {} {tmpfs} {disk}", read_set());
    let cases = [("freeze", tmpfs.as_str()), ("quotactl", disk.as_str())];
    let mut policy = String::new();
    for (what, dir) in cases {
        policy.push_str(&action(
            what,
            attack,
            &format!("{what} {dir}"),
            &["run-as root", &read],
        ));
    }
    inst.install_policy(&policy);
    for (what, dir) in cases {
        // Control: root passes the privilege check (tmpfs cannot be frozen;
        // quotas may be off: any errno but EPERM).
        let ctl = as_root(attack, &[what, dir]);
        assert_ne!(
            errno_of(&ctl.2),
            Some(libc::EPERM),
            "control {what}: {ctl:?}"
        );
        assert_refused(&through_helper(inst, &[what]), &[libc::EPERM], what);
    }
}
