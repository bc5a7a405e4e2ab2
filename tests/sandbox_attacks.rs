//! Real attacks from a child confined by the real engine
//! (`execward::Command`): each must FAIL, and a CONTROL shows the same
//! attack SUCCEEDS without the rule (unsandboxed through
//! `std::process::Command`, or through execward with the rule lifted), so
//! every test can fail.
//!
//! The attacks are subcommands of `tests/attack/attack.c` (compiled once
//! per test binary), which exits 0 when the forbidden thing happened and 1
//! when it did not (printing the errno). Where the errno tells which layer
//! refused, the test asserts it: `EPERM` from seccomp, `EACCES` from
//! Landlock.
//!
//! A test that needs root or a kernel feature it lacks prints why and
//! returns, unless `EXECWARD_REQUIRE_SANDBOX=1` (CI), which makes it fail.
//! The process-tree attacks (fork bomb, daemons, a killed caller) are in
//! `tests/lifetime.rs`.

mod common;

use execward::ExecMode;

use std::io::{ErrorKind, Read};
use std::net::{TcpListener, UdpSocket};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::linux::net::SocketAddrExt;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{SocketAddr, UnixListener};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};

use common::*;
use execward::{FsAccess, Limits, NetAccess, SeccompProfile, SeccompSpec, Status, Stdin};

const EPERM: i32 = libc::EPERM;
const EACCES: i32 = libc::EACCES;

fn default_read_plus(extra: &Path) -> Vec<PathBuf> {
    FsAccess::DEFAULT_READ
        .iter()
        .map(PathBuf::from)
        .chain([extra.to_path_buf()])
        .collect()
}

/// The `default` profile with `names` taken out of its deny list.
fn default_allowing(names: &[&str]) -> SeccompSpec {
    SeccompSpec::new(SeccompProfile::Default, names.iter().copied())
}

// ---------------------------------------------------------------------------
// Landlock: execute, write, read.

#[test]
fn exec_of_a_shell_from_an_allowed_program_is_refused() {
    let Some(a) = attack() else { return };
    if !need_sandbox(1) {
        return;
    }
    let argv = ["exec", "/bin/sh", "-c", "exit 0"];
    // Landlock alone (`exec many`; exec once refuses it earlier, see
    // below).
    let o = run(sandboxed(a, &argv).exec_mode(ExecMode::Many));
    assert_blocked(&o, &[EACCES], "execve(/bin/sh)");
    let o = run(&sandboxed(a, &argv));
    assert_blocked(&o, &[EPERM], "execve(/bin/sh), exec once");

    // Control: with the shell's directory in `fs exec`, the same exec works.
    let o = run(sandboxed(a, &argv).fs_exec(["/usr/bin", "/bin"]));
    assert_worked(&o, "exec /bin/sh with fs exec /usr/bin /bin");
}

/// The loader escape: the ELF interpreter must stay executable for the
/// program to start, and `ld.so /bin/sh` runs a shell without executing
/// it. Exec once refuses every `execve` after the program's own, the
/// interpreter's included; `exec many` (control) lets it through.
#[test]
fn exec_once_refuses_the_loader_as_a_program() {
    let Some(a) = attack() else { return };
    if !need_sandbox(1) {
        return;
    }
    let closure = execward::__private::sandbox::elf::exec_closure(a).unwrap();
    let Some(ldso) = closure.get(1).and_then(|p| p.to_str()) else {
        panic!("the attack program has no ELF interpreter: {closure:?}");
    };
    let argv = ["exec", ldso, "/bin/sh", "-c", "echo shell"];
    let o = run(&sandboxed(a, &argv));
    assert_blocked(&o, &[EPERM], "execve(ld.so /bin/sh), exec once");
    assert!(o.sandbox.exec_once);
    // Control: the same through Landlock alone.
    let o = run(sandboxed(a, &argv).exec_mode(ExecMode::Many));
    assert_eq!(o.stdout, b"shell\n", "control: the loader runs a shell");
    // And exec once holds for execveat and for the program itself.
    let o = run(&sandboxed(a, &["exec", a.to_str().unwrap(), "caps"]));
    assert_blocked(&o, &[EPERM], "execve of the program again");
}

#[test]
fn exec_of_a_dropped_binary_is_refused_even_in_a_writable_dir() {
    // The incident's second step: upload a program, then run it.
    let Some(a) = attack() else { return };
    if !need_sandbox(1) {
        return;
    }
    let dir = TempDir::new("dropped");
    let dropped = dir.join("payload");
    std::fs::copy("/usr/bin/true", &dropped).unwrap();
    std::fs::set_permissions(&dropped, std::fs::Permissions::from_mode(0o755)).unwrap();
    let p = dropped.to_str().unwrap();
    let o = run(sandboxed(a, &["exec", p])
        .fs_write([dir.path()])
        .exec_mode(ExecMode::Many));
    assert_blocked(&o, &[EACCES], "execve of a file beneath fs write");

    let o = run(sandboxed(a, &["exec", p]).fs_exec([dir.path()]));
    assert_worked(&o, "exec with the directory in fs exec");
}

#[test]
fn write_outside_fs_write_is_refused() {
    let Some(a) = attack() else { return };
    if !need_sandbox(1) {
        return;
    }
    let allowed = TempDir::new("write-allowed");
    let webroot = TempDir::new("write-webroot");
    let target = webroot.join("shell.php");
    let t = target.to_str().unwrap();

    let o = run(sandboxed(a, &["write", t]).fs_write([allowed.path()]));
    assert_blocked(&o, &[EACCES], "write beneath a directory not in fs write");
    assert!(!target.exists(), "the file must not have been created");

    // Control: the directory in `fs write`.
    let o = run(sandboxed(a, &["write", t]).fs_write([webroot.path()]));
    assert_worked(&o, "write with the directory in fs write");
    assert_eq!(std::fs::read(&target).unwrap(), b"pwned\n");
}

#[test]
fn root_cannot_read_a_root_only_file_outside_the_read_set() {
    // Root bypasses file permissions; only Landlock stands in the way.
    let Some(a) = attack() else { return };
    if !need_root() || !need_sandbox(1) {
        return;
    }
    let dir = TempDir::new("secret");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let secret = dir.join("customers.sql");
    std::fs::write(&secret, b"contract database\n").unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    nix::unistd::chown(&secret, Some(0.into()), Some(0.into())).unwrap();
    let s = secret.to_str().unwrap();

    let o = run(&sandboxed(a, &["read", s]));
    assert_blocked(&o, &[EACCES], "read of a root-only file as root");
    assert!(o.stdout.is_empty(), "nothing may leak: {:?}", o.stdout);

    // Controls: unsandboxed root reads it; with the directory in `fs read`
    // the sandboxed child does too.
    let u = unsandboxed(a, &["read", s]);
    assert_worked_unsandboxed(&u, "read as root");
    assert_eq!(u.stdout, b"contract database\n");
    let o = run(sandboxed(a, &["read", s]).fs_read(default_read_plus(dir.path())));
    assert_worked(&o, "read with the directory in fs read");
    assert_eq!(o.stdout, b"contract database\n");
}

// ---------------------------------------------------------------------------
// Network.

/// Whether a connection is waiting on `l` (non-blocking).
fn pending_connection(l: &TcpListener) -> Option<Vec<u8>> {
    l.set_nonblocking(true).unwrap();
    match l.accept() {
        Ok((mut s, _)) => {
            s.set_nonblocking(false).unwrap();
            let mut buf = Vec::new();
            s.read_to_end(&mut buf).unwrap();
            Some(buf)
        }
        Err(e) if e.kind() == ErrorKind::WouldBlock => None,
        Err(e) => panic!("accept: {e}"),
    }
}

fn pending_datagram(u: &UdpSocket) -> Option<Vec<u8>> {
    u.set_nonblocking(true).unwrap();
    let mut buf = [0u8; 64];
    match u.recv(&mut buf) {
        Ok(n) => Some(buf[..n].to_vec()),
        Err(e) if e.kind() == ErrorKind::WouldBlock => None,
        Err(e) => panic!("recv: {e}"),
    }
}

#[test]
fn tcp_connect_to_loopback_is_refused() {
    let Some(a) = attack() else { return };
    if !need_sandbox(4) {
        return;
    }
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let other = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let other_port = other.local_addr().unwrap().port();
    let ps = port.to_string();
    let argv = ["tcp-connect", ps.as_str()];

    // net none: seccomp refuses the socket itself.
    let o = run(&sandboxed(a, &argv));
    assert_blocked(&o, &[EPERM], "TCP under net none");
    // net connect OTHER: the socket is allowed, Landlock refuses the port.
    let o = run(sandboxed(a, &argv).net(NetAccess::none().with_connect([other_port])));
    assert_blocked(&o, &[EACCES], "TCP to a port not in net connect");
    // Loopback delivery is synchronous: had a connection been made, it
    // would be queued by the time the child has exited.
    assert_eq!(
        pending_connection(&l),
        None,
        "nothing may reach the listener"
    );

    // Controls: the port in `net connect`, and `net any`.
    let o = run(sandboxed(a, &argv).net(NetAccess::none().with_connect([port])));
    assert_worked(&o, "TCP with net connect PORT");
    assert_eq!(pending_connection(&l).as_deref(), Some(&b"exfil"[..]));
    let o = run(sandboxed(a, &argv).net(NetAccess::any()));
    assert_worked(&o, "TCP with net any");
    assert_eq!(pending_connection(&l).as_deref(), Some(&b"exfil"[..]));
}

#[test]
fn udp_send_to_loopback_is_refused() {
    let Some(a) = attack() else { return };
    if !need_sandbox(4) {
        return;
    }
    let u = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = u.local_addr().unwrap().port();
    let ps = port.to_string();
    let argv = ["udp-send", ps.as_str()];

    let o = run(&sandboxed(a, &argv));
    assert_blocked(&o, &[EPERM], "UDP under net none");
    // Even with TCP to that very port allowed, UDP stays refused (Landlock
    // only restricts TCP before ABI 10, so seccomp refuses datagrams).
    let o = run(sandboxed(a, &argv).net(NetAccess::none().with_connect([port])));
    assert_blocked(&o, &[EPERM], "UDP under net connect PORT");
    assert_eq!(pending_datagram(&u), None, "no datagram may arrive");

    // Control: `net any`.
    let o = run(sandboxed(a, &argv).net(NetAccess::any()));
    assert_worked(&o, "UDP with net any");
    assert_eq!(pending_datagram(&u).as_deref(), Some(&b"exfil"[..]));
}

fn unix_pending(l: &UnixListener) -> bool {
    l.set_nonblocking(true).unwrap();
    match l.accept() {
        Ok(_) => true,
        Err(e) if e.kind() == ErrorKind::WouldBlock => false,
        Err(e) => panic!("accept: {e}"),
    }
}

#[test]
fn abstract_unix_socket_outside_the_sandbox_is_unreachable() {
    let Some(a) = attack() else { return };
    if !need_sandbox(6) {
        return;
    }
    let name = format!("execward-attack-{}", std::process::id());
    let addr = SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
    let l = UnixListener::bind_addr(&addr).unwrap();
    let argv = ["unix-abstract", name.as_str()];

    // net none: no Unix socket at all (seccomp).
    let o = run(&sandboxed(a, &argv));
    assert_blocked(&o, &[EPERM], "abstract socket under net none");
    // net unix: the socket may be made, but the Landlock scope keeps
    // abstract names outside the sandbox out of reach.
    let o = run(sandboxed(a, &argv).net(NetAccess::none().with_unix()));
    assert_blocked(&o, &[EPERM], "abstract socket under net unix");
    assert!(!unix_pending(&l), "nothing may reach the listener");

    // Controls: unsandboxed, and `net any` (which does not scope them).
    assert_worked_unsandboxed(&unsandboxed(a, &argv), "abstract connect");
    assert!(unix_pending(&l));
    let o = run(sandboxed(a, &argv).net(NetAccess::any()));
    assert_worked(&o, "abstract connect with net any");
    assert!(unix_pending(&l));
}

#[test]
fn pathname_unix_socket_is_refused_under_net_none() {
    let Some(a) = attack() else { return };
    if !need_sandbox(1) {
        return;
    }
    let dir = TempDir::new("unix");
    let path = dir.join("mysqld.sock");
    let l = UnixListener::bind(&path).unwrap();
    let p = path.to_str().unwrap();
    let argv = ["unix-path", p];

    let o = run(&sandboxed(a, &argv));
    assert_blocked(&o, &[EPERM], "pathname socket under net none");
    assert!(!unix_pending(&l), "nothing may reach the listener");

    // Controls: unsandboxed, and `net unix`.
    assert_worked_unsandboxed(&unsandboxed(a, &argv), "pathname connect");
    assert!(unix_pending(&l));
    let o = run(sandboxed(a, &argv).net(NetAccess::none().with_unix()));
    assert_worked(&o, "pathname connect with net unix");
    assert!(unix_pending(&l));
}

// ---------------------------------------------------------------------------
// Other processes.

#[test]
fn kill_of_a_process_outside_the_sandbox_fails() {
    let Some(a) = attack() else { return };
    if !need_sandbox(1) {
        return;
    }
    let mut victim = ChildGuard::sleeper();
    let pid = victim.pid().to_string();
    let o = run(&sandboxed(a, &["kill", &pid]));
    // The pid does not exist in the child's PID namespace (ESRCH); the
    // Landlock signal scope would refuse it otherwise (EPERM).
    assert_blocked(
        &o,
        &[libc::ESRCH, EPERM],
        "kill(SIGKILL) of the test's sleep",
    );
    assert!(victim.running(), "the victim must still be running");

    // Control: unsandboxed, the same kill works.
    assert_worked_unsandboxed(&unsandboxed(a, &["kill", &pid]), "kill");
    let status = victim.0.wait().unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), Some(libc::SIGKILL));
}

#[test]
fn ptrace_attach_is_refused() {
    let Some(a) = attack() else { return };
    if !need_sandbox(1) {
        return;
    }
    let victim = ChildGuard::sleeper();
    let pid = victim.pid().to_string();

    let o = run(&sandboxed(a, &["ptrace", &pid]));
    assert_blocked(&o, &[EPERM], "PTRACE_SEIZE of the test's sleep");
    // Even its own child: the system-call filter refuses ptrace outright.
    let o = run(&sandboxed(a, &["ptrace", "0"]));
    assert_blocked(&o, &[EPERM], "PTRACE_SEIZE of its own child");

    // Controls: unsandboxed (same uid) the attach works; with
    // `allow=ptrace` the sandboxed child can trace its own child (so the
    // filter was what refused) ...
    assert_worked_unsandboxed(&unsandboxed(a, &["ptrace", &pid]), "ptrace");
    let o = run(sandboxed(a, &["ptrace", "0"]).seccomp(default_allowing(&["ptrace"])));
    assert_worked(&o, "ptrace of its own child with allow=ptrace");
    // ... while the PID namespace still hides the outside process.
    let o = run(sandboxed(a, &["ptrace", &pid]).seccomp(default_allowing(&["ptrace"])));
    assert_blocked(&o, &[libc::ESRCH], "ptrace outside with allow=ptrace");
}

// ---------------------------------------------------------------------------
// Refused system calls (seccomp `default`).

/// `attack ARGS` fails with EPERM in the sandbox; unsandboxed it works;
/// with `allow=NAMES` lifting the rule, `attack LIFTED_ARGS` (normally the
/// same) works in the sandbox too, or, when another layer still refuses
/// it, fails with the errno given in `lifted`.
fn refused_syscall(args: &[&str], allow: &[&str], lifted_args: &[&str], lifted: Result<(), i32>) {
    refused_syscall_with(
        args,
        allow,
        lifted_args,
        lifted,
        execward::sandbox::Caps::NONE,
    )
}

/// As [`refused_syscall`]; the control also keeps `caps` (the root child's
/// capability allowlist is a second layer for some calls).
fn refused_syscall_with(
    args: &[&str],
    allow: &[&str],
    lifted_args: &[&str],
    lifted: Result<(), i32>,
    caps: execward::sandbox::Caps,
) {
    let Some(a) = attack() else { return };
    if !need_root() || !need_sandbox(1) {
        return;
    }
    let what = args.join(" ");
    let o = run(&sandboxed(a, args));
    assert_blocked(&o, &[EPERM], &what);
    if lifted_args != args {
        let o = run(&sandboxed(a, lifted_args));
        assert_blocked(&o, &[EPERM], &lifted_args.join(" "));
    }

    let u = unsandboxed(a, args);
    assert_worked_unsandboxed(&u, &what);

    let o = run(sandboxed(a, lifted_args)
        .seccomp(default_allowing(allow))
        .root_caps(caps));
    let what = format!("{} with allow={}", lifted_args.join(" "), allow.join(","));
    match lifted {
        Ok(()) => assert_worked(&o, &what),
        Err(errno) => assert_blocked(&o, &[errno], &format!("{what} (another layer)")),
    }
}

#[test]
fn io_uring_setup_is_refused() {
    refused_syscall(&["io_uring"], &["io_uring_setup"], &["io_uring"], Ok(()));
}

#[test]
fn bpf_map_create_is_refused() {
    // Without CAP_BPF (not in a root child's allowlist) bpf() fails too:
    // the control keeps it.
    let bpf = execward::sandbox::Caps::grantable("bpf").unwrap();
    refused_syscall_with(&["bpf"], &["bpf"], &["bpf"], Ok(()), bpf);
}

#[test]
fn unshare_user_namespace_is_refused() {
    refused_syscall(&["unshare-user"], &["unshare"], &["unshare-user"], Ok(()));
}

/// Detaches whatever is mounted on a directory when dropped (a mount a
/// broken sandbox let through must not outlive the test).
struct Unmount(PathBuf);

impl Drop for Unmount {
    fn drop(&mut self) {
        if let Ok(c) = std::ffi::CString::new(self.0.as_os_str().as_encoded_bytes()) {
            // SAFETY: a valid C string; EINVAL (nothing mounted) is the
            // normal case and is ignored.
            unsafe { libc::umount2(c.as_ptr(), libc::MNT_DETACH) };
        }
    }
}

#[test]
fn mount_is_refused() {
    let dir = TempDir::new("mount");
    // Dropped before `dir`, so the directory is no mount point any more
    // when it is removed.
    let _unmount = Unmount(dir.path().to_path_buf());
    let d = dir.path().to_str().unwrap().to_owned();
    // With `allow=mount,umount2`, Landlock still refuses: a process with a
    // Landlock domain may not change its mount topology (EPERM from the
    // LSM hook).
    refused_syscall(
        &["mount", &d],
        &["mount", "umount2"],
        &["mount", &d],
        Err(EPERM),
    );
    let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    assert!(!mounts.contains(&d), "a tmpfs was left mounted on {d}");
}

#[test]
fn add_key_is_refused() {
    refused_syscall(&["keyctl"], &["add_key"], &["keyctl"], Ok(()));
}

#[test]
fn perf_event_open_is_refused() {
    refused_syscall(&["perf"], &["perf_event_open"], &["perf"], Ok(()));
}

#[test]
fn userfaultfd_is_refused() {
    // The lifted control uses the user-mode-only form, which needs no
    // privilege: a root child that lost CAP_SYS_PTRACE is refused the full
    // form by the kernel too, so only the filter can be what refuses this
    // one.
    refused_syscall(
        &["userfaultfd"],
        &["userfaultfd"],
        &["userfaultfd", "user"],
        Ok(()),
    );
}

#[test]
fn open_by_handle_at_is_refused() {
    // The file is in the default read set, so only the filter can refuse.
    refused_syscall(
        &["open-by-handle", "/etc/passwd"],
        &["name_to_handle_at", "open_by_handle_at"],
        &["open-by-handle", "/etc/passwd"],
        Ok(()),
    );
}

#[test]
fn i386_int80_from_a_64_bit_binary_is_killed() {
    if !cfg!(target_arch = "x86_64") {
        eprintln!("int 0x80 is an x86_64 matter");
        return;
    }
    let Some(a) = attack() else { return };
    if !need_sandbox(1) {
        return;
    }
    // Control first: the kernel must have the i386 entry at all.
    let u = unsandboxed(a, &["int80"]);
    if !require(
        u.status.success(),
        "the kernel has no i386 emulation (int 0x80 fails unsandboxed)",
    ) {
        return;
    }
    let o = run(&sandboxed(a, &["int80"]));
    // The filter's architecture check kills the process (SIGSYS).
    assert!(
        o.status == Status::Signaled(libc::SIGSYS) || o.status == Status::Exited(1),
        "int 0x80 must be killed or fail: {:?} {}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    if let Status::Signaled(_) = o.status {
        assert_eq!(o.exit_code(), 128 + 31, "SPEC: 128 + SIGSYS");
    }
    assert!(
        o.stdout.is_empty(),
        "the i386 getpid must not have returned"
    );
}

#[test]
fn mknod_of_a_block_device_is_refused_to_root() {
    let Some(a) = attack() else { return };
    if !need_root() || !need_sandbox(1) {
        return;
    }
    let dir = TempDir::new("mknod");
    let node = dir.join("sda");
    let n = node.to_str().unwrap();

    // Control first: root can make one here (no devices cgroup in the way).
    let u = unsandboxed(a, &["mknod", n]);
    if !require(
        u.status.success(),
        "mknod of a block device fails unsandboxed",
    ) {
        return;
    }
    let o = run(sandboxed(a, &["mknod", n]).fs_write([dir.path()]));
    assert_blocked(&o, &[EPERM], "mknod(S_IFBLK) beneath fs write");
    // With the seccomp rule lifted, Landlock still refuses (MakeBlock is
    // never granted): two independent layers.
    let o = run(sandboxed(a, &["mknod", n])
        .fs_write([dir.path()])
        .seccomp(default_allowing(&["mknod", "mknodat"])));
    assert_blocked(&o, &[EACCES], "mknod with allow=mknod,mknodat");
    assert!(!node.exists());
}

// ---------------------------------------------------------------------------
// Resource limits.

#[test]
fn a_gigabyte_allocation_fails_under_as_256m() {
    let Some(a) = attack() else { return };
    if !need_sandbox(1) {
        return;
    }
    let limits = |bytes: u64| Limits::default().with_address_space(Some(bytes));
    let o = run(sandboxed(a, &["alloc", "1024"]).limits(limits(256 << 20)));
    assert_blocked(&o, &[libc::ENOMEM], "1 GiB under as=256M");
    // Control: the same under as=4G.
    let o = run(sandboxed(a, &["alloc", "1024"]).limits(limits(4 << 30)));
    assert_worked(&o, "1 GiB under as=4G");
}

#[test]
fn a_root_child_cannot_lift_its_memory_limit() {
    // Root may raise its own hard limits with CAP_SYS_RESOURCE: a limit
    // the child can lift is no limit.
    let Some(a) = attack() else { return };
    if !need_root() || !need_sandbox(1) {
        return;
    }
    const LIMIT: u64 = 256 << 20;
    // Control first: root outside the sandbox, under the same 256 MiB
    // limit, lifts it and allocates 1 GiB.
    use std::os::unix::process::CommandExt;
    let mut plain = std::process::Command::new(a);
    plain.args(["alloc", "1024", "raise"]);
    let as_limit = || {
        let lim = libc::rlimit {
            rlim_cur: LIMIT,
            rlim_max: LIMIT,
        };
        // SAFETY: reads the local `lim`.
        if unsafe { libc::setrlimit(libc::RLIMIT_AS, &lim) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    };
    // SAFETY: setrlimit is async-signal-safe and only affects the child.
    unsafe { plain.pre_exec(as_limit) };
    let u = plain.output().unwrap();
    if !u.status.success() {
        // Not a missing protection but an environment (a container) whose
        // root holds no CAP_SYS_RESOURCE: the attack is impossible here, so
        // there is nothing to prove, even under EXECWARD_REQUIRE_SANDBOX.
        eprintln!(
            "SKIPPED: root cannot raise a hard limit here even unsandboxed: {}",
            String::from_utf8_lossy(&u.stderr).trim()
        );
        return;
    }
    let limits = Limits::default().with_address_space(Some(LIMIT));
    let o = run(sandboxed(a, &["alloc", "1024", "raise"]).limits(limits));
    assert_blocked(&o, &[EPERM], "setrlimit(RLIMIT_AS, unlimited) as root");
}

// ---------------------------------------------------------------------------
// Privilege drop.

/// The fields of `/proc/self/status` the `caps` attack printed.
fn status_field<'a>(stdout: &'a str, key: &str) -> Vec<&'a str> {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix(':')))
        .unwrap_or_else(|| panic!("no {key}: line in {stdout:?}"))
        .split_whitespace()
        .collect()
}

#[test]
fn run_as_nobody_drops_everything_and_cannot_regain_root() {
    let Some(a) = attack() else { return };
    if !need_root() || !need_sandbox(1) {
        return;
    }
    let Some(nobody) = nix::unistd::User::from_name("nobody").unwrap() else {
        require(false, "no user nobody");
        return;
    };
    let name = std::ffi::CString::new("nobody").unwrap();
    let mut groups: Vec<String> = nix::unistd::getgrouplist(&name, nobody.gid)
        .unwrap()
        .iter()
        .map(|g| g.as_raw().to_string())
        .collect();
    groups.sort();
    let (uid, gid) = (nobody.uid.to_string(), nobody.gid.to_string());
    let fs_read = default_read_plus(Path::new("/proc"));

    let o = run(sandboxed(a, &["caps"])
        .fs_read(fs_read.clone())
        .run_as("nobody", None));
    assert_blocked(&o, &[EPERM], "setresuid(0,0,0) as nobody");
    let out = String::from_utf8(o.stdout.clone()).unwrap();
    assert_eq!(status_field(&out, "Uid"), [uid.as_str(); 4], "{out}");
    assert_eq!(status_field(&out, "Gid"), [gid.as_str(); 4], "{out}");
    let mut got_groups = status_field(&out, "Groups");
    got_groups.sort();
    assert_eq!(got_groups, groups, "exactly nobody's groups: {out}");
    for cap in ["CapInh", "CapPrm", "CapEff", "CapAmb"] {
        assert_eq!(
            status_field(&out, cap),
            ["0000000000000000"],
            "{cap}: {out}"
        );
    }
    assert_eq!(status_field(&out, "NoNewPrivs"), ["1"]);
    assert_eq!(status_field(&out, "Seccomp"), ["2"], "filter mode");

    // Control: without run-as, the child is root and regains uid 0.
    let o = run(sandboxed(a, &["caps"]).fs_read(fs_read));
    assert_worked(&o, "setresuid(0,0,0) as root");
    let out = String::from_utf8(o.stdout).unwrap();
    assert_eq!(status_field(&out, "Uid"), ["0"; 4]);
    assert_ne!(status_field(&out, "CapEff"), ["0000000000000000"]);
}

// ---------------------------------------------------------------------------
// Abuse of an allowed program (GTFOBins): the program may run, but what it
// would run in turn is not executable.

fn gtfo_dirs() -> (TempDir, TempDir) {
    let data = TempDir::new("gtfo-data");
    std::fs::write(data.join("f"), b"x").unwrap();
    (data, TempDir::new("gtfo-canary"))
}

/// Runs `program ARGS` sandboxed (reading `data`, writing the canary's
/// directory) and asserts the canary was not made; then the control with
/// `/usr/bin` and `/bin` executable, which makes it.
fn gtfo(program: &str, args: &[&str], data: &TempDir, canary_dir: &TempDir) {
    let canary = canary_dir.join("canary");
    let cmd = |lifted: bool| {
        let mut c = execward::Command::new(program);
        c.args(args)
            .fs_read(default_read_plus(data.path()))
            .fs_write([canary_dir.path()])
            .timeout(std::time::Duration::from_secs(20));
        if lifted {
            c.fs_exec(["/usr/bin", "/bin"]);
        }
        c
    };
    let o = run(&cmd(false));
    assert!(
        !canary.exists(),
        "{program} {args:?} ran a command: {:?} {}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    let o = run(&cmd(true));
    assert!(
        canary.exists(),
        "control: {program} {args:?} with fs exec /usr/bin /bin must run it: {:?} {}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    std::fs::remove_file(&canary).unwrap();
}

#[test]
fn gtfobins_find_exec() {
    if !need_sandbox(1) {
        return;
    }
    let (data, canary) = gtfo_dirs();
    let d = data.path().to_str().unwrap();
    let c = canary.join("canary");
    let c = c.to_str().unwrap();
    let touch = format!("touch {c}");
    gtfo(
        "/usr/bin/find",
        &[d, "-maxdepth", "0", "-exec", "/bin/sh", "-c", &touch, ";"],
        &data,
        &canary,
    );
    // Not even a plain program, without a shell.
    gtfo(
        "/usr/bin/find",
        &[d, "-maxdepth", "0", "-exec", "/usr/bin/touch", c, ";"],
        &data,
        &canary,
    );
}

#[test]
fn gtfobins_python_os_system() {
    if !require(
        Path::new("/usr/bin/python3").exists(),
        "no /usr/bin/python3",
    ) || !need_sandbox(1)
    {
        return;
    }
    let (data, canary) = gtfo_dirs();
    let c = canary.join("canary");
    let code = format!("import os; os.system('touch {}')", c.display());
    gtfo("/usr/bin/python3", &["-c", &code], &data, &canary);
}

#[test]
fn gtfobins_tar_checkpoint_action() {
    if !need_sandbox(1) {
        return;
    }
    let (data, canary) = gtfo_dirs();
    let d = data.path().to_str().unwrap();
    let action = format!(
        "--checkpoint-action=exec=touch {}",
        canary.join("canary").display()
    );
    gtfo(
        "/usr/bin/tar",
        &["-cf", "/dev/null", "--checkpoint=1", &action, d],
        &data,
        &canary,
    );
}

// ---------------------------------------------------------------------------
// The caller's terminal (`stdin inherit`): typing into it (TIOCSTI),
// stealing it (TIOCSCTTY 1), hanging it up (TIOCVHANGUP).
//
// The caller must have the terminal as its stdin, and `Stdin::Inherit`
// duplicates the calling process's fd 0. Rather than swapping the test
// process's own fd 0 (racy with the harness and other tests), these tests
// re-execute the test binary as a separate caller process whose stdin and
// controlling terminal is the slave side of a fresh pty (the admin's
// terminal); that process runs the action through the engine
// ([`role_pty_caller`]). The child is root: these requests need
// CAP_SYS_ADMIN on a terminal that is not the child's own.

/// A pseudo-terminal pair with the slave in raw mode, so an injected byte
/// is immediately readable from the slave (no echo, no line editing, and
/// VMIN=0: a read returns at once).
fn raw_pty() -> (OwnedFd, OwnedFd) {
    use std::os::fd::FromRawFd;
    let (mut master, mut slave) = (-1, -1);
    // SAFETY: openpty writes two descriptors into the two
    // integers; the name, termios and winsize pointers may be null.
    let r = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(r, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: a fresh descriptor that nothing else owns.
    let master = unsafe { OwnedFd::from_raw_fd(master) };
    // SAFETY: a fresh descriptor that nothing else owns.
    let slave = unsafe { OwnedFd::from_raw_fd(slave) };
    // SAFETY: termios is plain data, filled by tcgetattr before use.
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: the open slave and a valid pointer to the local termios.
    assert_eq!(unsafe { libc::tcgetattr(slave.as_raw_fd(), &mut t) }, 0);
    // SAFETY: a valid pointer to the local termios.
    unsafe { libc::cfmakeraw(&mut t) };
    t.c_cc[libc::VMIN] = 0;
    t.c_cc[libc::VTIME] = 0;
    // SAFETY: the open slave and a valid pointer to the local termios.
    let r = unsafe { libc::tcsetattr(slave.as_raw_fd(), libc::TCSANOW, &t) };
    assert_eq!(r, 0);
    (master, slave)
}

/// What is waiting in the terminal's input queue (read from the slave).
fn injected(slave: &OwnedFd) -> Vec<u8> {
    let mut f = std::fs::File::from(slave.try_clone().unwrap());
    let mut buf = [0u8; 64];
    let n = f.read(&mut buf).expect("read from the pty slave");
    buf[..n].to_vec()
}

/// Makes `cmd` a session leader with the terminal on its stdin as its
/// controlling terminal (what a login shell on that terminal is).
fn with_own_terminal(cmd: &mut std::process::Command) {
    let take_terminal = || {
        // SAFETY: numbers only.
        if unsafe { libc::setsid() } < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: TIOCSCTTY takes a number; fd 0 is the pty slave.
        if unsafe { libc::ioctl(0, libc::TIOCSCTTY, 0) } < 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    };
    // SAFETY: between fork and exec the hook only makes async-signal-safe
    // system calls (setsid, ioctl) on fd 0, which the Command has already
    // made the pty slave.
    unsafe { cmd.pre_exec(take_terminal) };
}

/// The result of [`pty_caller`].
struct CallerResult {
    /// How the caller process ended.
    status: std::process::ExitStatus,
    /// The action's exit code.
    action: String,
    /// The errno the attack printed.
    errno: String,
    /// Whether the caller still had its terminal afterwards.
    tty: String,
    stdout: String,
}

/// How [`pty_caller`] runs.
#[derive(Clone, Copy)]
struct CallerSetup {
    /// The caller's session has the terminal as its controlling terminal
    /// (otherwise the terminal is only its stdin, nobody's terminal).
    owns_terminal: bool,
    /// The action's seccomp profile.
    profile: SeccompProfile,
}

const ADMIN_SHELL: CallerSetup = CallerSetup {
    owns_terminal: true,
    profile: SeccompProfile::Default,
};

/// Runs `attack ARGS` through the engine with `stdin inherit`, from a
/// caller whose stdin (and, usually, controlling terminal) is `slave`.
fn pty_caller(slave: &OwnedFd, args: &[&str], setup: CallerSetup) -> CallerResult {
    let mut caller = reexec("role_pty_caller", "pty-caller");
    caller
        .env("EXECWARD_ATTACK_ARGS", args.join("\n"))
        .env("EXECWARD_ATTACK_PROFILE", setup.profile.to_string())
        .stdin(std::process::Stdio::from(slave.try_clone().unwrap()));
    if setup.owns_terminal {
        with_own_terminal(&mut caller);
    }
    let out = caller.output().unwrap();
    let get = |k| role_result(&out.stdout, k).unwrap_or_default();
    CallerResult {
        status: out.status,
        action: get("status"),
        errno: get("errno"),
        tty: get("tty"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
    }
}

/// Role: the caller whose stdin and controlling terminal is a pty. Does
/// nothing unless re-executed by [`pty_caller`].
#[test]
fn role_pty_caller() {
    if !role("pty-caller") {
        return;
    }
    let a = attack().expect("attack program");
    let args = std::env::var("EXECWARD_ATTACK_ARGS").expect("EXECWARD_ATTACK_ARGS");
    let args: Vec<&str> = args.split('\n').collect();
    let profile = match std::env::var("EXECWARD_ATTACK_PROFILE").as_deref() {
        Ok("strict") => SeccompProfile::Strict,
        _ => SeccompProfile::Default,
    };
    let o = run(sandboxed(a, &args)
        .stdin(Stdin::Inherit)
        .seccomp(SeccompSpec::new(profile, Vec::<String>::new())));
    println!("RESULT status={}", o.status.code());
    println!(
        "RESULT errno={}",
        errno_in(&o.stderr)
            .map(|e| e.to_string())
            .unwrap_or_default()
    );
    println!(
        "RESULT stderr={}",
        String::from_utf8_lossy(&o.stderr).trim()
    );
    // Is the terminal still ours?
    let tty = match std::fs::File::open("/dev/tty") {
        Ok(_) => "ok".to_string(),
        Err(e) => e.to_string(),
    };
    println!("RESULT tty={tty}");
}

#[test]
fn tiocsti_cannot_type_into_the_callers_terminal() {
    let Some(a) = attack() else { return };
    if !need_root() || !need_sandbox(1) {
        return;
    }
    let (_master, slave) = raw_pty();

    // Control: unsandboxed, root injects "Z" into the terminal.
    let u = std::process::Command::new(a)
        .args(["tiocsti", "Z"])
        .stdin(std::process::Stdio::from(slave.try_clone().unwrap()))
        .output()
        .unwrap();
    assert_worked_unsandboxed(&u, "TIOCSTI");
    assert_eq!(injected(&slave), b"Z", "control: the byte must be injected");

    // The attack: the terminal's own session runs the action.
    let r = pty_caller(&slave, &["tiocsti", "Y"], ADMIN_SHELL);
    assert!(r.status.success(), "the caller role failed: {}", r.stdout);
    assert_eq!(
        r.action, "1",
        "TIOCSTI must fail in the sandbox: {}",
        r.stdout
    );
    assert_eq!(
        r.errno,
        EPERM.to_string(),
        "refused by seccomp: {}",
        r.stdout
    );
    assert_eq!(injected(&slave), b"", "nothing may be injected");
}

/// A process owning the terminal as its controlling terminal (the admin's
/// shell), for the controls.
fn terminal_holder(slave: &OwnedFd) -> ChildGuard {
    let mut c = std::process::Command::new("/usr/bin/sleep");
    c.arg("30")
        .stdin(std::process::Stdio::from(slave.try_clone().unwrap()));
    with_own_terminal(&mut c);
    ChildGuard::spawn(&mut c)
}

/// The `tty_nr` field of `/proc/PID/stat` (0: no controlling terminal).
fn tty_nr(pid: i32) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let rest = s.rsplit_once(')').unwrap().1;
    // After "(comm)": state ppid pgrp session tty_nr.
    rest.split_whitespace().nth(4).unwrap().parse().unwrap()
}

#[test]
fn a_root_child_cannot_steal_the_callers_terminal() {
    let Some(a) = attack() else { return };
    if !need_root() || !need_sandbox(1) {
        return;
    }
    // Control: unsandboxed, a root session leader takes the terminal away
    // from the session that has it.
    let (_m, slave) = raw_pty();
    let holder = terminal_holder(&slave);
    let start = std::time::Instant::now();
    while tty_nr(holder.pid()) == 0 {
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let mut thief = std::process::Command::new(a);
    thief
        .arg("tiocsctty")
        .stdin(std::process::Stdio::from(slave.try_clone().unwrap()));
    let new_session = || {
        // SAFETY: no arguments.
        if unsafe { libc::setsid() } < 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    };
    // SAFETY: setsid is async-signal-safe.
    unsafe { thief.pre_exec(new_session) };
    assert_worked_unsandboxed(&thief.output().unwrap(), "TIOCSCTTY 1");
    assert_eq!(
        tty_nr(holder.pid()),
        0,
        "control: the holder lost its terminal"
    );
    drop(holder);

    // The attack, from the action of a caller on a fresh terminal, under
    // both profiles.
    for profile in [SeccompProfile::Default, SeccompProfile::Strict] {
        let (_m, slave) = raw_pty();
        let setup = CallerSetup {
            profile,
            ..ADMIN_SHELL
        };
        let r = pty_caller(&slave, &["tiocsctty", "1"], setup);
        assert!(r.status.success(), "the caller role failed: {}", r.stdout);
        assert_eq!(
            r.action, "1",
            "{profile}: TIOCSCTTY 1 must fail: {}",
            r.stdout
        );
        assert_eq!(
            r.errno,
            EPERM.to_string(),
            "{profile}: seccomp: {}",
            r.stdout
        );
        assert_eq!(
            r.tty, "ok",
            "the caller must keep its terminal: {}",
            r.stdout
        );

        // Precision: taking a terminal that nobody has (argument 0, what
        // `script` or `expect` do on their own pty) stays allowed.
        let (_m, slave) = raw_pty();
        let setup = CallerSetup {
            owns_terminal: false,
            profile,
        };
        let r = pty_caller(&slave, &["tiocsctty", "0"], setup);
        assert_eq!(
            r.action, "0",
            "{profile}: TIOCSCTTY 0 must work: {}",
            r.stdout
        );
    }
}

#[test]
fn a_root_child_cannot_hang_up_the_callers_terminal() {
    use std::os::unix::process::ExitStatusExt;
    let Some(a) = attack() else { return };
    if !need_root() || !need_sandbox(1) {
        return;
    }
    // Control: unsandboxed, the hang-up kills the terminal's session
    // leader with SIGHUP.
    let (_m, slave) = raw_pty();
    let mut holder = terminal_holder(&slave);
    let start = std::time::Instant::now();
    while tty_nr(holder.pid()) == 0 {
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let u = std::process::Command::new(a)
        .arg("vhangup")
        .stdin(std::process::Stdio::from(slave.try_clone().unwrap()))
        .output()
        .unwrap();
    assert_worked_unsandboxed(&u, "TIOCVHANGUP");
    let st = holder.0.wait().unwrap();
    assert_eq!(
        st.signal(),
        Some(libc::SIGHUP),
        "control: the holder got SIGHUP"
    );

    // The attack: the caller (the terminal's session leader) must survive,
    // under both profiles.
    for profile in [SeccompProfile::Default, SeccompProfile::Strict] {
        let (_m, slave) = raw_pty();
        let setup = CallerSetup {
            profile,
            ..ADMIN_SHELL
        };
        let r = pty_caller(&slave, &["vhangup"], setup);
        assert!(
            r.status.success(),
            "{profile}: the caller must survive: {:?} {}",
            r.status,
            r.stdout
        );
        assert_eq!(
            r.action, "1",
            "{profile}: TIOCVHANGUP must fail: {}",
            r.stdout
        );
        assert_eq!(
            r.errno,
            EPERM.to_string(),
            "{profile}: seccomp: {}",
            r.stdout
        );
        assert_eq!(
            r.tty, "ok",
            "the caller must keep its terminal: {}",
            r.stdout
        );
    }
}
