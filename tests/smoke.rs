use execward::{Command, Status};
use std::time::{Duration, Instant};

#[test]
fn printf_passes_bytes() {
    let out = Command::new("/usr/bin/printf")
        .args(["%s\n", "a; id $(id) `id`"])
        .output()
        .unwrap();
    assert_eq!(
        out.status,
        Status::Exited(0),
        "{:?}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout, b"a; id $(id) `id`\n");
}

#[test]
fn timeout_kills_sigterm_ignorer() {
    let t = Instant::now();
    let out = Command::new("/bin/sh")
        .args(["-c", "trap '' TERM; sleep 30"])
        .fs_exec(["/usr/bin", "/bin"])
        .timeout(Duration::from_millis(500))
        .kill_grace(Duration::from_millis(300))
        .output()
        .unwrap();
    assert_eq!(out.status, Status::TimedOut);
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
}
