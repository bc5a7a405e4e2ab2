//! A 1 GiB stream through an action holds only a few MiB in the caller:
//! `head -c 1G /dev/zero` with its stdout piped (`Output::Piped`), read in
//! 64 KiB pieces, blocking and then async. The peak resident set of this
//! test process (`VmHWM`, alone in its own test binary so no other test
//! adds to it) may grow by at most 16 MiB over the whole run; the numbers
//! are printed (`cargo test --test stream_memory -- --nocapture`).
//!
//! A control shows that the measurement can see memory: capturing 64 MiB
//! into the outcome (`Output::Capture`) raises the peak by at least that
//! much.

mod common;

use std::io::Read;
use std::time::{Duration, Instant};

use common::*;
use execward::{Command, Limits, Output, Status};

const GIB: u64 = 1 << 30;
const MIB: u64 = 1 << 20;

/// This process's peak resident set (`VmHWM`), in bytes.
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

fn zeros(bytes: u64, out: Output) -> Command {
    let mut c = Command::new("/usr/bin/head");
    c.args(["-c", &bytes.to_string(), "/dev/zero"])
        .fs_read(["/usr", "/lib", "/lib64", "/dev/zero"])
        .stdout(out)
        .limits(Limits::default().with_output(2 * GIB))
        .timeout(Duration::from_secs(300));
    c
}

#[test]
fn a_gib_stream_holds_a_few_mib() {
    if !need_sandbox(1) {
        return;
    }
    let before = peak_rss();

    // Blocking.
    let started = Instant::now();
    let mut child = zeros(GIB, Output::Piped).spawn().unwrap();
    let mut out = child.take_stdout().unwrap();
    let mut buf = vec![0u8; 64 << 10];
    let mut total = 0u64;
    loop {
        let n = out.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        assert!(buf[..n].iter().all(|&b| b == 0));
        total += n as u64;
    }
    let o = child.wait().unwrap();
    assert_eq!(total, GIB);
    assert_eq!(o.status, Status::Exited(0));
    assert!(!o.truncated);
    let blocking = peak_rss();
    println!(
        "blocking: 1 GiB in {:?}; peak RSS {:.1} MiB before, {:.1} MiB after (+{:.1} MiB)",
        started.elapsed(),
        before as f64 / MIB as f64,
        blocking as f64 / MIB as f64,
        (blocking - before) as f64 / MIB as f64
    );

    // Async.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    #[cfg(feature = "tokio")]
    rt.block_on(async {
        use tokio::io::AsyncReadExt;
        let started = Instant::now();
        let mut child = zeros(GIB, Output::Piped).spawn().unwrap();
        let mut out = child.take_stdout().unwrap().into_async().unwrap();
        let mut buf = vec![0u8; 64 << 10];
        let mut total = 0u64;
        loop {
            let n = out.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            total += n as u64;
        }
        assert_eq!(total, GIB);
        assert!(child.wait_async().await.unwrap().status.success());
        println!("async: 1 GiB in {:?}", started.elapsed());
    });
    drop(rt);
    let after = peak_rss();
    println!(
        "peak RSS after both: {:.1} MiB (+{:.1} MiB over the start)",
        after as f64 / MIB as f64,
        (after - before) as f64 / MIB as f64
    );
    assert!(
        after - before <= 16 * MIB,
        "streaming 1 GiB raised the peak RSS by {} bytes",
        after - before
    );

    // Control: capturing 64 MiB is seen.
    let o = zeros(64 * MIB, Output::Capture).output().unwrap();
    assert_eq!(o.stdout.len() as u64, 64 * MIB);
    let control = peak_rss();
    println!(
        "control: capturing 64 MiB raised the peak to {:.1} MiB",
        control as f64 / MIB as f64
    );
    assert!(control - after >= 48 * MIB, "the control saw no growth");
}
