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
        // The same with `caps sys_admin` (what `setquota` needs).
        policy.push_str(&action(
            &format!("{what}-admin"),
            attack,
            &format!("{what} {dir}"),
            &["run-as root", &read, "caps sys_admin"],
        ));
    }
    inst.install_policy(&policy);
    // With sys_admin the capability lets quotactl through; the seccomp
    // guard still refuses FIFREEZE.
    let r = through_helper(inst, &["quotactl-admin"]);
    assert_ne!(
        errno_of(&r.2),
        Some(libc::EPERM),
        "quotactl with caps: {r:?}"
    );
    assert_refused(
        &through_helper(inst, &["freeze-admin"]),
        &[libc::EPERM],
        "freeze with caps",
    );
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

// ---------------------------------------------------------------------------
// No set-id planting.

/// A directory that belongs to the caller (`nobody`), as a tenant's
/// directory does, below a root-owned 0755 parent.
fn tenant_dir(name: &str) -> common::TempDir {
    let d = common::TempDir::new(name);
    std::os::unix::fs::chown(d.path(), Some(NOBODY), Some(NOBODY)).unwrap();
    d
}

fn mode_of(p: &Path) -> u32 {
    use std::os::unix::fs::MetadataExt;
    std::fs::symlink_metadata(p).unwrap().mode() & 0o7777
}

#[test]
fn a_root_child_cannot_make_a_set_id_file_by_any_route() {
    let Some((inst, _g, attack)) = begin() else {
        return;
    };
    let dir = tenant_dir("setid");
    let d = dir.path().display().to_string();
    let routes = [
        "chmod",
        "fchmod",
        "fchmodat",
        "fchmodat2",
        "setgid",
        "chown-chmod",
        "open",
        "openat",
        "creat",
        "tmpfile",
        "openat2",
        "mknod",
        "mknodat",
    ];
    let creates = |r: &str| {
        matches!(
            r,
            "open" | "openat" | "creat" | "tmpfile" | "openat2" | "mknod" | "mknodat"
        )
    };
    let mut policy = String::new();
    for r in routes {
        policy.push_str(&action(
            &format!("setid-{r}"),
            attack,
            &format!("setid {r} {d}/{r}"),
            &["run-as root", &format!("fs write {d}")],
        ));
    }
    inst.install_policy(&policy);
    for r in routes {
        let target = dir.join(r);
        let _ = std::fs::remove_file(&target);
        if !creates(r) {
            std::fs::write(&target, b"#!/bin/sh\n").unwrap();
            std::os::unix::fs::chown(&target, Some(NOBODY), Some(NOBODY)).unwrap();
        }
        let res = through_helper(inst, &[&format!("setid-{r}")]);
        assert_refused(&res, &[libc::EPERM, libc::ENOSYS], r);
        if target.exists() {
            assert_eq!(mode_of(&target) & 0o6000, 0, "{r}: a set-id bit");
        }
        // Control: a root process makes it set-id by the same route.
        let _ = std::fs::remove_file(&target);
        if !creates(r) {
            std::fs::write(&target, b"#!/bin/sh\n").unwrap();
        }
        let ctl = as_root(attack, &["setid", r, &target.display().to_string()]);
        assert_worked(&ctl, r);
        assert_ne!(mode_of(&target) & 0o6000, 0, "control {r}");
        let _ = std::fs::remove_file(&target);
    }
}

#[test]
fn tar_restoring_a_hostile_archive_as_root_plants_no_setuid_program() {
    let Some((inst, _g, _attack)) = begin() else {
        return;
    };
    // The caller's archive: a member owned 0:0 with mode 4755.
    let src = common::TempDir::new("tar-src");
    std::fs::write(src.join("rootshell"), b"#!/bin/sh\nid\n").unwrap();
    let archive = tenant_dir("tar-archive");
    let a = archive.join("site.tar");
    let made = std::process::Command::new("tar")
        .args(["--owner=0", "--group=0", "--mode=4755", "-cf"])
        .arg(&a)
        .arg("-C")
        .arg(src.path())
        .arg("rootshell")
        .status()
        .unwrap();
    assert!(made.success());
    let dest = tenant_dir("tar-dest");
    let scratch = common::scratch_root().display();
    inst.install_policy(&format!(
        "type archive = path beneath={scratch} exists=yes kind=file
type webdir = path beneath={scratch} exists=yes kind=dir
action restore = /usr/bin/tar -xf {{a:archive}} -C {{d:webdir}}
    allow uid={NOBODY}
    run-as root
    fs read /usr /lib /lib64 /etc {{a}}
    fs write {{d}}
"
    ));
    let r = through_helper(
        inst,
        &[
            "restore",
            &a.display().to_string(),
            &dest.path().display().to_string(),
        ],
    );
    let planted = dest.join("rootshell");
    assert!(planted.exists(), "tar extracted nothing: {r:?}");
    assert_eq!(mode_of(&planted) & 0o6000, 0, "setuid planted: {r:?}");
    // Control: the same restore as a plain root process keeps the bit.
    let ctl_dest = common::TempDir::new("tar-ctl");
    let ok = std::process::Command::new("tar")
        .arg("-xf")
        .arg(&a)
        .arg("-C")
        .arg(ctl_dest.path())
        .status()
        .unwrap();
    assert!(ok.success());
    assert_eq!(mode_of(&ctl_dest.join("rootshell")), 0o4755, "control");
}

// ---------------------------------------------------------------------------
// Exact network rules.

/// A TCP listener on 127.0.0.1 and a port the kernel picks; what one
/// connection sends arrives through `received`.
fn listener() -> (u16, std::sync::mpsc::Receiver<Vec<u8>>) {
    use std::io::Read;
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { return };
            let _ = s.set_read_timeout(Some(std::time::Duration::from_secs(2)));
            let mut buf = Vec::new();
            let _ = s.read_to_end(&mut buf);
            if tx.send(buf).is_err() {
                return;
            }
        }
    });
    (port, rx)
}

#[test]
fn tcp_fast_open_cannot_reach_a_port_connect_may_not() {
    let Some((inst, _g, attack)) = begin() else {
        return;
    };
    let (port, received) = listener();
    let p = port.to_string();
    let mut policy = String::new();
    for how in ["sendto", "sockopt"] {
        policy.push_str(&action(
            &format!("tfo-{how}"),
            attack,
            &format!("tfo {how} {p}"),
            &["run-as root", "net connect 443"],
        ));
    }
    policy.push_str(&action(
        "connect",
        attack,
        &format!("tcp-connect {p}"),
        &["run-as root", "net connect 443"],
    ));
    inst.install_policy(&policy);
    let wait = || received.recv_timeout(std::time::Duration::from_secs(3));
    // Plain connect: Landlock refuses (the rule it has always had).
    assert_refused(
        &through_helper(inst, &["connect"]),
        &[libc::EACCES],
        "connect",
    );
    for how in ["sendto", "sockopt"] {
        assert_refused(
            &through_helper(inst, &[&format!("tfo-{how}")]),
            &[libc::EPERM],
            how,
        );
        assert!(wait().is_err(), "{how}: something reached the listener");
        // Control: without execward, Fast Open connects and delivers.
        assert_worked(&as_root(attack, &["tfo", how, &p]), how);
        assert_eq!(wait().unwrap(), b"fastopen\n", "control {how}");
    }
}

#[test]
fn listen_needs_net_bind() {
    let Some((inst, _g, attack)) = begin() else {
        return;
    };
    inst.install_policy(&format!(
        "{}{}",
        action(
            "listen",
            attack,
            "listen",
            &["run-as root", "net connect 443"]
        ),
        action(
            "listen-bind",
            attack,
            "listen",
            &["run-as root", "net bind 8080"]
        )
    ));
    assert_refused(&through_helper(inst, &["listen"]), &[libc::EPERM], "listen");
    // Controls: without execward, and with `net bind`, it listens (the
    // kernel binds the port itself: Landlock's bind rule never sees it).
    assert_worked(&as_root(attack, &["listen"]), "listen as root");
    assert_worked(
        &through_helper(inst, &["listen-bind"]),
        "listen with net bind",
    );
}

// ---------------------------------------------------------------------------
// Exec is what the policy says.

/// `find -- {p:string...}` passes `check`, and find reads `-exec` after
/// `--`: through the helper, the shell (or the loader running one) never
/// starts; without execward it does.
#[test]
fn an_abused_program_starts_nothing_not_even_the_loader() {
    let Some((inst, _g, attack)) = begin() else {
        return;
    };
    let closure =
        execward::__private::sandbox::elf::exec_closure(Path::new("/usr/bin/find")).unwrap();
    let ldso = closure.get(1).unwrap().display().to_string();
    inst.install_policy(&format!(
        "action find = /usr/bin/find -- {{p:string...}}
    allow uid={NOBODY}
    run-as root
action env = /usr/bin/env -- {{p:string...}}
    allow uid={NOBODY}
    run-as root
"
    ));
    let _ = attack;
    for (name, args) in [
        (
            "find",
            vec![
                "/",
                "-maxdepth",
                "0",
                "-exec",
                "/bin/sh",
                "-c",
                "echo pwned",
                ";",
            ],
        ),
        (
            "find",
            vec![
                "/",
                "-maxdepth",
                "0",
                "-exec",
                &ldso,
                "/bin/sh",
                "-c",
                "echo pwned",
                ";",
            ],
        ),
        ("env", vec![&ldso, "/bin/sh", "-c", "echo pwned"]),
    ] {
        let mut full = vec![name];
        full.extend(args.iter().copied());
        let r = through_helper(inst, &full);
        assert!(!r.1.contains("pwned"), "{full:?}: {r:?}");
        // find reports the refused exec and carries on (status 0).
        assert!(r.2.contains("Operation not permitted"), "{full:?}: {r:?}");
        // Control: the same program and arguments as a plain root process.
        let bin = format!("/usr/bin/{name}");
        let mut ctl = vec!["--"];
        ctl.extend(args.iter().copied());
        let c = run(std::process::Command::new(&bin)
            .args(&ctl)
            .stdin(std::process::Stdio::null()));
        assert!(c.1.contains("pwned"), "control {full:?}: {c:?}");
    }
}
