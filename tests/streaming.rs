//! Streaming a running action's output and input (`Output::Piped`,
//! `Stdin::Piped`), blocking and async: every byte arrives in order, the
//! output limit and the time limit hold whether or not (and however
//! slowly) the caller reads, a reader dropped early does not block the
//! child, and dropping the child kills its whole tree.
//!
//! Each limit is shown with a control: the same stream without the limit
//! delivers everything.

mod common;

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use common::*;
use execward::{Command, Limits, Output, Status, Stdin};

const SECOND: Duration = Duration::from_secs(1);

/// `program args...` with its stdout piped.
fn piped(program: &str, args: &[&str]) -> Command {
    let mut c = Command::new(program);
    c.args(args)
        .stdout(Output::Piped)
        .timeout(20 * SECOND)
        .kill_grace(Duration::from_millis(200));
    c
}

fn sandbox_ok() -> bool {
    need_sandbox(1)
}

#[test]
fn every_line_arrives_in_order() {
    if !sandbox_ok() {
        return;
    }
    let mut child = piped("/usr/bin/seq", &["1", "100000"]).spawn().unwrap();
    assert!(child.take_stdout().is_some());
    assert!(child.take_stdout().is_none(), "taken once");
    let mut child = piped("/usr/bin/seq", &["1", "100000"]).spawn().unwrap();
    let lines: Vec<String> = child
        .take_stdout()
        .unwrap()
        .lines()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(lines.len(), 100_000);
    assert!(lines
        .iter()
        .enumerate()
        .all(|(i, l)| *l == (i + 1).to_string()));
    let o = child.wait().unwrap();
    assert_eq!(o.status, Status::Exited(0));
    assert!(!o.truncated);
    assert_eq!(o.output_bytes, 588_895);
    assert!(o.stdout.is_empty(), "piped output is not also captured");
}

#[test]
fn stdout_piped_and_stderr_captured() {
    if !sandbox_ok() {
        return;
    }
    let mut child = piped("/bin/sh", &["-c", "echo out; echo err >&2; echo out2"])
        .stderr(Output::Capture)
        .spawn()
        .unwrap();
    let mut text = String::new();
    child
        .take_stdout()
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(text, "out\nout2\n");
    assert!(child.take_stderr().is_none());
    let o = child.wait().unwrap();
    assert_eq!(o.stderr, b"err\n");
}

#[test]
fn the_output_limit_ends_the_stream_and_the_child_is_not_blocked() {
    if !sandbox_ok() {
        return;
    }
    let run = |limit: u64| {
        let mut child = piped("/usr/bin/head", &["-c", "1000000", "/dev/zero"])
            .fs_read(["/usr", "/lib", "/lib64", "/dev/zero"])
            .limits(Limits::default().with_output(limit))
            .spawn()
            .unwrap();
        let mut got = Vec::new();
        child.take_stdout().unwrap().read_to_end(&mut got).unwrap();
        (got.len(), child.wait().unwrap())
    };
    let (n, o) = run(1000);
    assert_eq!(n, 1000, "exactly the limit reaches the caller");
    assert!(o.truncated);
    assert_eq!(
        o.status,
        Status::Exited(0),
        "the rest was read and discarded"
    );
    assert_eq!(o.output_bytes, 1_000_000);
    // Control: with room for it, everything arrives.
    let (n, o) = run(2_000_000);
    assert_eq!(n, 1_000_000);
    assert!(!o.truncated);
}

#[test]
fn the_time_limit_holds_when_the_caller_never_reads() {
    if !sandbox_ok() {
        return;
    }
    // `yes` fills both pipes at once and then blocks; nobody reads.
    let mut child = piped("/usr/bin/yes", &[])
        .timeout(Duration::from_millis(500))
        .spawn()
        .unwrap();
    let _unread = child.take_stdout().unwrap();
    let pid = child.id() as i32;
    let started = Instant::now();
    std::thread::sleep(SECOND + Duration::from_millis(500));
    // Killed by the watchdog although no one waited yet.
    assert!(
        gone_within(pid, 2 * SECOND),
        "the child outlived its time limit"
    );
    let o = child.wait().unwrap();
    assert_eq!(o.status, Status::TimedOut);
    assert!(o.duration < 3 * SECOND, "{:?}", o.duration);
    assert!(started.elapsed() < 5 * SECOND);
}

#[test]
fn a_blocked_reader_is_released_at_the_time_limit() {
    if !sandbox_ok() {
        return;
    }
    let mut child = piped("/usr/bin/sleep", &["30"])
        .timeout(Duration::from_millis(400))
        .spawn()
        .unwrap();
    let mut out = child.take_stdout().unwrap();
    let started = Instant::now();
    let mut buf = [0u8; 16];
    // Blocks until the watchdog kills the child and closes the stream.
    assert_eq!(out.read(&mut buf).unwrap(), 0);
    assert!(started.elapsed() < 5 * SECOND);
    assert_eq!(child.wait().unwrap().status, Status::TimedOut);
}

#[test]
fn a_reader_dropped_early_does_not_block_the_child() {
    if !sandbox_ok() {
        return;
    }
    let mut child = piped("/usr/bin/head", &["-c", "20000000", "/dev/zero"])
        .fs_read(["/usr", "/lib", "/lib64", "/dev/zero"])
        .limits(Limits::default().with_output(1 << 30))
        .spawn()
        .unwrap();
    let mut out = child.take_stdout().unwrap();
    let mut buf = [0u8; 4096];
    out.read_exact(&mut buf).unwrap();
    drop(out);
    let o = child.wait().unwrap();
    assert_eq!(
        o.status,
        Status::Exited(0),
        "the rest was discarded, the child ran on"
    );
    assert_eq!(o.output_bytes, 20_000_000);
}

#[test]
fn stdin_streams_more_than_the_buffered_limit() {
    if !sandbox_ok() {
        return;
    }
    let mut c = Command::new("/usr/bin/wc");
    c.arg("-c").stdin(Stdin::Piped).timeout(20 * SECOND);
    let mut child = c.spawn().unwrap();
    let mut w = child.take_stdin().unwrap();
    let block = vec![b'x'; 1 << 20];
    for _ in 0..10 {
        w.write_all(&block).unwrap();
    }
    drop(w);
    let o = child.wait().unwrap();
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "10485760");
    // Control: the same amount as a buffer is refused.
    let e = Command::new("/usr/bin/wc")
        .stdin(Stdin::Bytes(vec![b'x'; 10 << 20]))
        .output()
        .unwrap_err();
    assert!(e.to_string().contains("exceeds"), "{e}");
}

#[test]
fn a_writer_to_a_child_that_never_reads_is_released_at_the_time_limit() {
    if !sandbox_ok() {
        return;
    }
    let mut c = Command::new("/usr/bin/sleep");
    c.arg("30")
        .stdin(Stdin::Piped)
        .timeout(Duration::from_millis(400))
        .kill_grace(Duration::from_millis(100));
    let mut child = c.spawn().unwrap();
    let mut w = child.take_stdin().unwrap();
    let started = Instant::now();
    let block = vec![b'x'; 1 << 20];
    // The pipe fills, the write blocks, the watchdog kills the child: EPIPE.
    let e = w.write_all(&block).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    assert!(started.elapsed() < 5 * SECOND);
    assert_eq!(child.wait().unwrap().status, Status::TimedOut);
}

#[test]
fn dropping_a_streaming_child_kills_its_tree() {
    let Some(a) = attack() else { return };
    if !sandbox_ok() {
        return;
    }
    let dir = TempDir::new("stream-drop");
    let pidfile = dir.join("pid");
    let mut child = sandboxed(a, &["daemon", pidfile.to_str().unwrap(), "stay"])
        .fs_write([dir.path()])
        .stdout(Output::Piped)
        .stdin(Stdin::Piped)
        .spawn()
        .unwrap();
    let _out = child.take_stdout().unwrap();
    let line = wait_for_line(&pidfile, 10 * SECOND).expect("the daemon's pidfile");
    let (orig, daemon) = daemon_pids(&line);
    let (_g1, _g2) = (PidGuard(orig), PidGuard(daemon));
    assert!(alive(orig) && alive(daemon));
    drop(child);
    assert!(!alive(orig), "the action's program survived the drop");
    assert!(!alive(daemon), "the daemon survived the drop");
}

#[test]
fn kill_then_wait() {
    if !sandbox_ok() {
        return;
    }
    let mut child = piped("/usr/bin/sleep", &["30"]).spawn().unwrap();
    let pid = child.id() as i32;
    child.kill();
    assert!(!alive(pid));
    assert_eq!(
        child.wait().unwrap().status,
        Status::Signaled(libc::SIGKILL)
    );
}

#[cfg(feature = "tokio")]
mod with_tokio {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn async_read_lines_and_write() {
        if !sandbox_ok() {
            return;
        }
        rt().block_on(async {
            let mut child = piped("/usr/bin/seq", &["3"]).spawn().unwrap();
            let mut out = child.take_stdout().unwrap().into_async().unwrap();
            let mut lines = Vec::new();
            while let Some(l) = out.next_line().await.unwrap() {
                lines.push(l);
            }
            assert_eq!(lines, ["1", "2", "3"]);
            assert!(child.wait_async().await.unwrap().status.success());

            let mut c = Command::new("/usr/bin/tr");
            c.args(["a-z", "A-Z"])
                .stdin(Stdin::Piped)
                .stdout(Output::Piped)
                .timeout(20 * SECOND);
            let mut child = c.spawn().unwrap();
            let mut w = child.take_stdin().unwrap().into_async().unwrap();
            let mut r = child.take_stdout().unwrap().into_async().unwrap();
            let writer = tokio::spawn(async move {
                for _ in 0..1000 {
                    w.write_all(b"hello world\n").await.unwrap();
                }
                w.shutdown().await.unwrap();
            });
            let mut text = String::new();
            r.read_to_string(&mut text).await.unwrap();
            writer.await.unwrap();
            assert_eq!(text, "HELLO WORLD\n".repeat(1000));
            assert!(child.wait_async().await.unwrap().status.success());
        });
    }

    #[test]
    fn a_cancelled_request_kills_the_tree() {
        let Some(a) = attack() else { return };
        if !sandbox_ok() {
            return;
        }
        let dir = TempDir::new("stream-cancel");
        let pidfile = dir.join("pid");
        let mut child = sandboxed(a, &["daemon", pidfile.to_str().unwrap(), "stay"])
            .fs_write([dir.path()])
            .stdout(Output::Piped)
            .spawn()
            .unwrap();
        let line = wait_for_line(&pidfile, 10 * SECOND).expect("the daemon's pidfile");
        let (orig, daemon) = daemon_pids(&line);
        let (_g1, _g2) = (PidGuard(orig), PidGuard(daemon));
        rt().block_on(async {
            let mut out = child.take_stdout().unwrap().into_async().unwrap();
            // A handler streaming the output, cancelled by its client.
            let handler = async move {
                let mut buf = Vec::new();
                let _ = out.read_to_end(&mut buf).await;
                child.wait_async().await
            };
            let r = tokio::time::timeout(Duration::from_millis(300), handler).await;
            assert!(r.is_err(), "the handler was cancelled");
        });
        assert!(
            !alive(orig),
            "the action's program survived the cancellation"
        );
        assert!(!alive(daemon), "the daemon survived the cancellation");
    }
}
