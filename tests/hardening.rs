//! Hardening of a root child beyond Landlock and seccomp: capabilities it
//! never needs are gone (so it cannot raise its own limits), and memfds of
//! its namespace cannot be executed.

use execward::Command;

mod common;
use common::need_root as require_root;

fn sh(script: &str) -> Command {
    let mut c = Command::new("/bin/sh");
    c.args(["-c", script])
        .fs_exec(["/usr/bin", "/bin"])
        .fs_read(["/usr", "/lib", "/lib64", "/etc", "/bin", "/proc"]);
    c
}

#[test]
fn a_root_child_cannot_raise_its_limits() {
    if !require_root() {
        return;
    }
    // Control: root outside the sandbox raises a hard limit.
    let ctl = std::process::Command::new("/bin/sh")
        .args(["-c", "ulimit -n 1000 && ulimit -n 2000 && echo raised"])
        .output()
        .unwrap();
    // Some CI sandboxes drop CAP_SYS_RESOURCE from root itself; then the
    // control cannot raise a limit either, and the bounding-set test below
    // is what proves the drop.
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let bnd = status
        .lines()
        .find(|l| l.starts_with("CapBnd:"))
        .and_then(|l| u64::from_str_radix(l.split_whitespace().nth(1)?, 16).ok())
        .unwrap();
    if bnd & (1 << 24) != 0 {
        assert_eq!(String::from_utf8_lossy(&ctl.stdout).trim(), "raised");
    } else {
        eprintln!("note: this machine's root lacks CAP_SYS_RESOURCE; the control cannot raise a limit either");
    }
    // Sandboxed: nofile is 1024 by default; raising it fails.
    let out = sh("ulimit -n 100000 && echo raised").output().unwrap();
    assert_ne!(out.exit_code(), 0);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("raised"));
}

#[test]
fn a_root_child_keeps_only_its_capability_allowlist() {
    if !require_root() {
        return;
    }
    let out = sh("grep -E '^(CapBnd|CapInh|CapAmb):' /proc/self/status")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |name: &str| -> u64 {
        let line = text
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("no {name} in {text}"));
        u64::from_str_radix(line.split_whitespace().nth(1).unwrap(), 16).unwrap()
    };
    let bnd = field("CapBnd:");
    // Exactly the allowlist: chown, dac_override, dac_read_search, fowner,
    // net_bind_service, audit_write (an allowlist, not a deny list: setuid,
    // setgid, sys_admin, fsetid, ... are gone too).
    let allow: u64 = 1 | 1 << 1 | 1 << 2 | 1 << 3 | 1 << 10 | 1 << 29;
    assert_eq!(bnd, allow, "{text}");
    assert_eq!(field("CapInh:"), 0);
    assert_eq!(field("CapAmb:"), 0);
}

#[test]
fn memfds_of_a_root_action_are_not_executable() {
    if !require_root() || !std::path::Path::new("/proc/sys/vm/memfd_noexec").exists() {
        return;
    }
    let out = sh("cat /proc/sys/vm/memfd_noexec").output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "2");
    assert!(out.sandbox.memfd_noexec);
    // The host's setting is untouched (it is per PID namespace).
    let host = std::fs::read_to_string("/proc/sys/vm/memfd_noexec").unwrap();
    assert_ne!(
        host.trim(),
        "2",
        "the test machine itself has memfd_noexec=2; the check proves nothing"
    );
}
