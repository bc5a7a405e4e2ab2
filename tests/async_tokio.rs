//! The tokio front end: waiting without blocking, and cancellation that
//! kills the whole process tree.
#![cfg(feature = "tokio")]

use std::time::Duration;

use execward::{Command, Status};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_and_captures() {
    let out = Command::new("/usr/bin/printf")
        .args(["%s|", "a b", "$(id)"])
        .output_async()
        .await
        .unwrap();
    assert_eq!(out.status, Status::Exited(0));
    assert_eq!(out.stdout, b"a b|$(id)|");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_runs() {
    let mut tasks = Vec::new();
    for i in 0..32 {
        tasks.push(tokio::spawn(async move {
            let out = Command::new("/usr/bin/printf")
                .arg(i.to_string())
                .output_async()
                .await
                .unwrap();
            assert_eq!(out.stdout, i.to_string().into_bytes());
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_applies() {
    let out = Command::new("/usr/bin/sleep")
        .arg("30")
        .timeout(Duration::from_millis(300))
        .kill_grace(Duration::from_millis(200))
        .output_async()
        .await
        .unwrap();
    assert_eq!(out.status, Status::TimedOut);
}

fn alive(pid: i32) -> bool {
    // A zombie is dead for our purpose.
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(s) => !s
            .rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with('Z'),
        Err(_) => false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_future_kills_the_tree() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("async-cancel-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pidfile = dir.join("grandchild.pid");
    let _ = std::fs::remove_file(&pidfile);
    // The child starts a grandchild that ignores SIGTERM and writes its
    // pid (as seen from the caller: /proc/self resolves in our namespace).
    let script = format!(
        "(trap '' TERM; readlink /proc/self > {p}.tmp; mv {p}.tmp {p}; exec sleep 60) & wait",
        p = pidfile.display()
    );
    let mut cmd = Command::new("/bin/sh");
    cmd.args(["-c", &script])
        .fs_exec(["/usr/bin", "/bin"])
        .fs_write([&dir])
        .fs_read(["/usr", "/lib", "/lib64", "/etc", "/bin", "/proc"]);
    let fut = cmd.output_async();
    let r = tokio::time::timeout(Duration::from_millis(1500), fut).await;
    assert!(r.is_err(), "the action should still be running");
    let pid: i32 = std::fs::read_to_string(&pidfile)
        .expect("grandchild wrote its pid")
        .trim()
        .parse()
        .unwrap();
    // The future was dropped by the timeout: the grandchild must be gone.
    for _ in 0..100 {
        if !alive(pid) {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("grandchild {pid} survived the cancelled action");
}
