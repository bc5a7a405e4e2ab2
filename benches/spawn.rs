//! Spawn cost: execward against `std::process::Command`, measured in the
//! same run, reported as ratios; and whether the cost grows with the
//! parent's memory (it must not: execward uses clone(CLONE_VM|CLONE_VFORK),
//! while `std::process::Command` with `pre_exec` falls back to fork()).
//!
//! `cargo bench --bench spawn` (set `SPAWN_BENCH_N` for more iterations).

use std::os::unix::process::CommandExt;
use std::time::{Duration, Instant};

const TRUE: &str = "/usr/bin/true";

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn measure(n: usize, mut f: impl FnMut()) -> Duration {
    for _ in 0..n.min(10) {
        f(); // warm up
    }
    median(
        (0..n)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect(),
    )
}

fn std_spawn() {
    let st = std::process::Command::new(TRUE).status().unwrap();
    assert!(st.success());
}

fn std_spawn_pre_exec() {
    // SAFETY: the closure does nothing; it only forces std onto its
    // fork() path, which is what any pre_exec-based sandbox pays.
    let st = unsafe { std::process::Command::new(TRUE).pre_exec(|| Ok(())) }
        .status()
        .unwrap();
    assert!(st.success());
}

fn row(name: &str, d: Duration, base: Duration) {
    println!(
        "{name:<58} {:>9.3} ms   x{:.2}",
        d.as_secs_f64() * 1e3,
        d.as_secs_f64() / base.as_secs_f64()
    );
}

fn main() {
    let n: usize = std::env::var("SPAWN_BENCH_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let sandboxed = execward::Command::new(TRUE).plan().expect("plan");
    let unconfined = execward::Command::new(TRUE)
        .plan()
        .expect("plan")
        .strip_confinement_for_benchmark();
    // A non-root child needs no pids cgroup and keeps no capabilities.
    let as_nobody = nix::unistd::geteuid().is_root().then(|| {
        execward::Command::new(TRUE)
            .run_as("nobody", None)
            .plan()
            .expect("plan")
    });
    println!("spawn + wait of {TRUE}, median of {n} runs; ratio against std::process::Command in this run");
    println!("sandbox: {:?}", sandboxed.sandbox_report());
    for (label, mib) in [
        ("parent touched 10 MiB", 10usize),
        ("parent touched 1 GiB", 1024),
    ] {
        let heap: Vec<u8> = vec![1u8; mib << 20];
        // Touch every page so the page tables are populated.
        let touched: u64 = heap.iter().step_by(4096).map(|&b| b as u64).sum();
        assert!(touched > 0);
        println!("\n-- {label}");
        let base = measure(n, std_spawn);
        row("std::process::Command", base, base);
        row(
            "std::process::Command + pre_exec (fork path)",
            measure(n, std_spawn_pre_exec),
            base,
        );
        row(
            "execward, plan reused, sandbox stripped (core only)",
            measure(n, || assert!(unconfined.run().unwrap().status.success())),
            base,
        );
        row(
            "execward, plan reused, full sandbox",
            measure(n, || assert!(sandboxed.run().unwrap().status.success())),
            base,
        );
        if let Some(p) = &as_nobody {
            row(
                "execward, plan reused, full sandbox, run-as nobody (no cgroup)",
                measure(n, || assert!(p.run().unwrap().status.success())),
                base,
            );
        }
        row(
            "execward, build plan + run (full sandbox)",
            measure(n / 2, || {
                assert!(execward::Command::new(TRUE)
                    .output()
                    .unwrap()
                    .status
                    .success())
            }),
            base,
        );
        row(
            "execward, build plan only (no process)",
            measure(n, || drop(execward::Command::new(TRUE).plan().unwrap())),
            base,
        );
        drop(heap);
    }
}
