//! The comparison a user can believe: execward against its peers, measured
//! side by side in one run, cold and warm, reported as medians, p90 and
//! ratios against peers from the same run.
//!
//! `cargo bench --features tokio --bench compare` (as root). It writes
//! `target/bench/compare.md` and `target/bench/compare.svg` and prints the
//! table. See the README's "Speed" section for what each row means.
//!
//! - **cold**: each run starts a gap (50 ms) after the previous one ended,
//!   the variants alternating, so no run shares kernel work (an RCU grace
//!   period, a cgroup migration) with the one before: what one request on
//!   an idle machine pays;
//! - **warm**: blocks of back-to-back runs of one variant (the first two of
//!   each block dropped), the blocks alternating between variants.
//!
//! Every time is taken inside the process that spawns (a worker: this
//! binary re-executed as root or as `nobody`, holding 10 MiB or 4 GiB of
//! touched memory, see `worker.rs`); this process only decides the order
//! and the gaps. It installs the peers when they are missing and the
//! host state it needs, and removes that state again (`host.rs`).
//!
//! Settings (environment): `EXECWARD_COMPARE_COLD` runs per variant cold
//! (50), `EXECWARD_COMPARE_WARM` rounds of warm blocks (5) and
//! `EXECWARD_COMPARE_BLOCK` runs per block (40), `EXECWARD_COMPARE_GAP_MS`
//! (50), `EXECWARD_COMPARE_BIG_MIB` (4096), `EXECWARD_COMPARE_RPS_MS`
//! (1000, per throughput measurement), `EXECWARD_COMPARE_NO_INSTALL=1`.

mod host;
mod report;
mod worker;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Stdio};
use std::time::Duration;

use report::{Meta, Row, Rps, Section, Target, Variant};

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// A running worker process.
struct Worker {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Worker {
    fn spawn(exe: &Path, mib: u64, as_user: bool) -> Result<Worker, String> {
        let mut cmd = std::process::Command::new(exe);
        cmd.env(worker::ENV, mib.to_string())
            .current_dir("/")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if as_user {
            // std drops the supplementary groups too when it changes the
            // uid as root.
            std::os::unix::process::CommandExt::uid(&mut cmd, host::UID);
            std::os::unix::process::CommandExt::gid(&mut cmd, host::GID);
        }
        let mut child = cmd.spawn().map_err(|e| format!("starting a worker: {e}"))?;
        let stdin = child.stdin.take().expect("piped");
        let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
        let mut line = String::new();
        stdout
            .read_line(&mut line)
            .map_err(|e| format!("worker: {e}"))?;
        if line.trim() != "ready" {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "the worker holding {mib} MiB did not start (out of memory?)"
            ));
        }
        Ok(Worker {
            child,
            stdin,
            stdout,
        })
    }

    /// A request answered with text rather than numbers.
    fn ask_text(&mut self, req: &str) -> Result<String, String> {
        writeln!(self.stdin, "{req}")
            .and_then(|()| self.stdin.flush())
            .map_err(|e| format!("worker gone: {e}"))?;
        let mut line = String::new();
        match self.stdout.read_line(&mut line) {
            Ok(0) | Err(_) => Err("worker gone".into()),
            Ok(_) => match line.trim_end_matches('\n').split_once('\t') {
                Some(("ok", text)) => Ok(text.to_string()),
                Some((_, e)) => Err(e.to_string()),
                None => Err(line),
            },
        }
    }

    fn ask(&mut self, req: &str) -> Result<Vec<f64>, String> {
        self.ask_text(req)?
            .split('\t')
            .map(|s| s.parse::<f64>().map_err(|e| e.to_string()))
            .collect()
    }

    fn stop(mut self) {
        drop(self.stdin);
        let _ = self.child.wait();
    }
}

fn load() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(f64::NAN)
}

/// Runs `f` for cleanup once, from whichever of the end of `main`, the
/// panic hook (the bench profile aborts on panic, so no destructor runs)
/// or a signal gets there first.
fn cleanup() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        host::restore();
        host::unlock();
    });
}

fn guard_host_state() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        default(info);
        cleanup();
    }));
    use nix::sys::signal::{SigSet, Signal};
    let mut set = SigSet::empty();
    for s in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP] {
        set.add(s);
    }
    // Blocked here (threads started later inherit the mask; children get
    // an empty mask from std), taken by one thread that cleans up.
    if set.thread_block().is_ok() {
        std::thread::spawn(move || {
            if let Ok(sig) = set.wait() {
                eprintln!("compare: {sig:?}: restoring host state");
                cleanup();
                std::process::exit(128 + sig as i32);
            }
        });
    }
}

fn main() {
    if let Ok(mib) = std::env::var(worker::ENV) {
        worker::main(mib.parse().unwrap_or(10));
        return;
    }
    if !nix::unistd::geteuid().is_root() {
        println!(
            "compare: SKIPPED: needs root (installs the peers, a setuid helper, \
             sudoers/doas rules for `nobody`, and runs as `nobody`)"
        );
        return;
    }
    let _lock = match host::lock() {
        Ok(l) => l,
        Err(e) => {
            eprintln!("compare: {e}");
            std::process::exit(1);
        }
    };
    guard_host_state();
    // A run that was killed outright left its state: undo it first.
    host::restore();
    let result = run();
    cleanup();
    if let Err(e) = result {
        eprintln!("compare: {e}");
        std::process::exit(1);
    }
}

/// Variants, workers and the tables, built up in one place.
struct Bench {
    variants: Vec<Variant>,
    workers: Vec<Option<Worker>>,
    worker_err: Vec<String>,
}

impl Bench {
    fn add(&mut self, label: &str, worker: usize, req: &[&str]) -> usize {
        let skip = self.workers[worker]
            .is_none()
            .then(|| self.worker_err[worker].clone());
        self.variants.push(Variant {
            label: label.to_string(),
            worker,
            req: req.join("\t"),
            cold: Vec::new(),
            warm: Vec::new(),
            skip,
        });
        self.variants.len() - 1
    }

    /// Like `add`, or a skipped row when the program is missing.
    fn add_peer(
        &mut self,
        label: &str,
        worker: usize,
        prog: &Result<String, String>,
        args: &[&str],
    ) -> usize {
        match prog {
            Ok(p) => {
                let mut req = vec!["std", p.as_str()];
                req.extend(args);
                self.add(label, worker, &req)
            }
            Err(why) => {
                let i = self.add(label, worker, &[]);
                self.variants[i].skip = Some(why.clone());
                i
            }
        }
    }

    /// Runs variant `i` `n` times back to back; a failure skips it from
    /// then on, with the reason.
    fn measure(&mut self, i: usize, n: usize) -> Option<Vec<f64>> {
        let v = &mut self.variants[i];
        if v.skip.is_some() {
            return None;
        }
        let w = self.workers[v.worker].as_mut()?;
        match w.ask(&format!("time\t{n}\t{}", v.req)) {
            Ok(t) => Some(t.into_iter().map(|ns| ns / 1e6).collect()),
            Err(e) => {
                v.skip = Some(e);
                None
            }
        }
    }
}

fn run() -> Result<(), String> {
    let cold_n = env_num("EXECWARD_COMPARE_COLD", 50) as usize;
    let warm_rounds = env_num("EXECWARD_COMPARE_WARM", 5) as usize;
    let block = env_num("EXECWARD_COMPARE_BLOCK", 40) as usize;
    let gap = Duration::from_millis(env_num("EXECWARD_COMPARE_GAP_MS", 50));
    let big_mib = env_num("EXECWARD_COMPARE_BIG_MIB", 4096);
    let rps_ms = env_num("EXECWARD_COMPARE_RPS_MS", 1000);
    let load_start = load();

    let install_errors = host::install_peers(&[
        ("bwrap", "bubblewrap"),
        ("firejail", "firejail"),
        ("sudo", "sudo"),
        ("doas", "opendoas"),
    ]);
    for e in &install_errors {
        eprintln!("compare: {e}");
    }
    let inst = host::install(Path::new(env!("CARGO_BIN_EXE_execward")))?;
    let path = |r: &Result<std::path::PathBuf, String>| {
        r.as_ref()
            .map(|p| p.display().to_string())
            .map_err(Clone::clone)
    };
    let found = |bin: &str| {
        host::find(bin)
            .map(|p| p.display().to_string())
            .ok_or_else(|| format!("{bin} is not installed"))
    };
    let (bwrap, firejail) = (found("bwrap"), found("firejail"));
    let (helper, sudo, doas) = (path(&inst.helper), path(&inst.sudo), path(&inst.doas));
    let cli = inst.cli.display().to_string();
    let cli_policy = inst.cli_policy.display().to_string();

    eprintln!("compare: starting workers (root 10 MiB, nobody 10 MiB, root {big_mib} MiB)");
    let mut b = Bench {
        variants: Vec::new(),
        workers: Vec::new(),
        worker_err: Vec::new(),
    };
    for (mib, as_user) in [(10, false), (10, true), (big_mib, false)] {
        match Worker::spawn(&inst.exe, mib, as_user) {
            Ok(w) => {
                b.workers.push(Some(w));
                b.worker_err.push(String::new());
            }
            Err(e) => {
                b.workers.push(None);
                b.worker_err.push(e);
            }
        }
    }
    let (root, user, big) = (0, 1, 2);
    let t = host::TRUE;
    let bwrap_args = [
        "--ro-bind",
        "/",
        "/",
        "--unshare-all",
        "--die-with-parent",
        "--new-session",
        t,
    ];
    let firejail_args = ["--quiet", "--noprofile", "--seccomp", t];
    let cli_args = ["run", "--policy", cli_policy.as_str(), "noop"];

    let mut whole = Vec::new();
    let mut lib = Vec::new();
    let mut refs = Vec::new();
    let mut fj_nobody = None;
    for (w, who) in [(root, "root"), (user, "nobody")] {
        let fe = b.add(&format!("`{t}`, fork + exec ({who})"), w, &["fork-exec", t]);
        let std = b.add(
            &format!("`{t}`, `std::process::Command` ({who})"),
            w,
            &["std", t],
        );
        let sh = b.add(
            &format!("`sh -c true`, `std::process::Command` ({who})"),
            w,
            &["std", "/bin/sh", "-c", "true"],
        );
        let mut req = vec!["std", cli.as_str()];
        req.extend(cli_args);
        let run = b.add(&format!("`execward run`, full sandbox ({who})"), w, &req);
        let bw = b.add_peer(
            &format!("`bwrap --unshare-all` ({who})"),
            w,
            &bwrap,
            &bwrap_args,
        );
        let fj = b.add_peer(
            &format!("`firejail --noprofile --seccomp` ({who})"),
            w,
            &firejail,
            &firejail_args,
        );
        if w == user {
            fj_nobody = Some(fj);
        }
        whole.push((
            format!("Whole process, as {who} (ratio: against bwrap as {who})"),
            [fe, std, sh, run, bw, fj]
                .map(|v| Row::new(v, Some(bw)))
                .to_vec(),
        ));
        let stripped = b.add(
            &format!("execward `Plan`, sandbox stripped ({who})"),
            w,
            &["plan-stripped"],
        );
        let full = b.add(
            &format!("execward `Plan`, full sandbox ({who})"),
            w,
            &["plan-full"],
        );
        let output = b.add(
            &format!("execward `Command::output`, full sandbox ({who})"),
            w,
            &["command-output"],
        );
        let mut rows = vec![std, stripped, full, output];
        if w == root {
            rows.push(b.add(
                "execward `Plan`, full sandbox, `run-as nobody` (root)",
                w,
                &["plan-full-nobody"],
            ));
        }
        lib.push((
            format!(
                "In-process library, as {who} (ratio: against `std::process::Command` as {who})"
            ),
            rows.iter()
                .map(|&v| Row::new(v, Some(std)))
                .collect::<Vec<_>>(),
        ));
        refs.push((fe, std, full, run, bw));
    }
    let helper_root = b.add_peer(
        "`execward-helper` root action (`run-as root`)",
        user,
        &helper,
        &["root-true"],
    );
    let helper_self = b.add_peer(
        "`execward-helper` action as the caller",
        user,
        &helper,
        &["self-true"],
    );
    let sudo_v = b.add_peer("`sudo -n /usr/bin/true`", user, &sudo, &["-n", t]);
    let doas_v = b.add_peer("`doas -n /usr/bin/true`", user, &doas, &["-n", t]);
    let big_fe = b.add(
        &format!("`{t}`, fork + exec, {big_mib} MiB parent"),
        big,
        &["fork-exec", t],
    );
    let big_std = b.add(
        &format!("`std::process::Command`, {big_mib} MiB parent"),
        big,
        &["std", t],
    );
    let big_full = b.add(
        &format!("execward `Plan`, full sandbox, {big_mib} MiB parent"),
        big,
        &["plan-full"],
    );
    let (r_fe, r_std, r_full, r_run, r_bw) = refs[0];
    let (_, u_std, u_full, u_run, u_bw) = refs[1];
    let mut sections: Vec<Section> = Vec::new();
    for (title, rows) in whole.into_iter().chain(lib) {
        sections.push(Section { title, rows });
    }
    sections.push(Section {
        title: "Root action for an unprivileged caller, as nobody (ratio: against `sudo -n`)"
            .into(),
        rows: [helper_root, helper_self, sudo_v, doas_v]
            .map(|v| Row::new(v, Some(sudo_v)))
            .to_vec(),
    });
    sections.push(Section {
        title: "Parent memory, as root (ratio: against the same spawn from a 10 MiB parent)".into(),
        rows: vec![
            Row::labelled(r_fe, None, &format!("`{t}`, fork + exec, 10 MiB parent")),
            Row::new(big_fe, Some(r_fe)),
            Row::labelled(r_std, None, "`std::process::Command`, 10 MiB parent"),
            Row::new(big_std, Some(r_std)),
            Row::labelled(r_full, None, "execward `Plan`, full sandbox, 10 MiB parent"),
            Row::new(big_full, Some(r_full)),
        ],
    });
    let targets = vec![
        Target::cold("`execward run` as root ≤ 0.8× bwrap", r_run, r_bw, 0.8),
        Target::cold("`execward run` as nobody ≤ 0.8× bwrap", u_run, u_bw, 0.8),
        Target::cold(
            "helper root action ≤ 0.8× `sudo -n`",
            helper_root,
            sudo_v,
            0.8,
        ),
        Target::cold(
            "in-process full sandbox ≤ 1.3× std, cold (root)",
            r_full,
            r_std,
            1.3,
        ),
        Target::warm(
            "in-process full sandbox ≤ 1.3× std, warm (root)",
            r_full,
            r_std,
            1.3,
        ),
        Target::cold(
            "in-process full sandbox ≤ 1.3× std, cold (nobody)",
            u_full,
            u_std,
            1.3,
        ),
        Target::warm(
            "in-process full sandbox ≤ 1.3× std, warm (nobody)",
            u_full,
            u_std,
            1.3,
        ),
        Target::cold(
            &format!("{big_mib} MiB parent ≤ 1.2× 10 MiB parent (full sandbox)"),
            big_full,
            r_full,
            1.2,
        ),
    ];

    // A first run of each: warms the page cache and finds what cannot run.
    let order: Vec<usize> = (0..b.variants.len()).collect();
    for &i in &order {
        b.measure(i, 1);
    }
    if let Some(i) = fj_nobody {
        if let Some(why) = b.variants[i].skip.as_mut() {
            if why.contains("not allowed") {
                why.push_str(" (firejail never lets the user nobody run it, firejail-users(5))");
            }
        }
    }
    let containment = [(root, "root"), (user, "nobody")]
        .iter()
        .map(|&(w, who)| {
            let c = b.workers[w].as_mut().map_or_else(
                || Err(b.worker_err[w].clone()),
                |wk| wk.ask_text("containment"),
            );
            format!("{who}: {}", c.unwrap_or_else(|e| format!("unknown ({e})")))
        })
        .collect::<Vec<_>>()
        .join("; ");
    let mut loads = vec![load_start];
    eprintln!(
        "compare: cold, {cold_n} rounds of {} variants, {} ms apart",
        order.len(),
        gap.as_millis()
    );
    for round in 0..cold_n {
        if round % 10 == 0 {
            eprintln!("compare: cold round {round}/{cold_n}");
            loads.push(load());
        }
        for k in 0..order.len() {
            let i = order[(k + round) % order.len()];
            if b.variants[i].skip.is_some() {
                continue;
            }
            std::thread::sleep(gap);
            if let Some(t) = b.measure(i, 1) {
                b.variants[i].cold.extend(t);
            }
        }
    }
    eprintln!("compare: warm, {warm_rounds} rounds of blocks of {block}");
    for round in 0..warm_rounds {
        loads.push(load());
        for k in 0..order.len() {
            let i = order[(k + round) % order.len()];
            if let Some(t) = b.measure(i, block + 2) {
                b.variants[i].warm.extend(&t[2..]);
            }
        }
    }

    eprintln!("compare: throughput (tokio)");
    let mut rps = Vec::new();
    for (w, who) in [(root, "root"), (user, "nobody")] {
        for tasks in [1usize, 8, 20, 64] {
            let mut r = Rps::new(who, tasks);
            for round in 0..3 {
                loads.push(load());
                let kinds = if round % 2 == 0 {
                    [true, false]
                } else {
                    [false, true]
                };
                for sandboxed in kinds {
                    let Some(wk) = b.workers[w].as_mut() else {
                        r.skip = Some(b.worker_err[w].clone());
                        continue;
                    };
                    let kind = if sandboxed { "sandboxed" } else { "plain" };
                    match wk.ask(&format!("rps\t{tasks}\t{rps_ms}\t{kind}")) {
                        Ok(v) if sandboxed => r.sandboxed.push(v[0]),
                        Ok(v) => r.plain.push(v[0]),
                        Err(e) => r.skip = Some(format!("{kind}: {e}")),
                    }
                }
            }
            rps.push(r);
        }
    }
    loads.push(load());
    for w in b.workers.drain(..).flatten() {
        w.stop();
    }
    // The host state goes before the report is written.
    cleanup();

    let meta = Meta {
        kernel: nix::sys::utsname::uname()
            .map(|u| u.release().to_string_lossy().into_owned())
            .unwrap_or_default(),
        cpus: std::thread::available_parallelism().map_or(0, |n| n.get()),
        loads,
        cold_n,
        warm_rounds,
        block,
        gap_ms: gap.as_millis() as u64,
        rps_ms,
        install_errors,
        containment,
        commit: std::process::Command::new("git")
            .args([
                "-C",
                env!("CARGO_MANIFEST_DIR"),
                "rev-parse",
                "--short",
                "HEAD",
            ])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_else(|| "unknown".into()),
    };
    let md = report::markdown(&meta, &b.variants, &sections, &targets, &rps);
    let svg = report::svg(&b.variants, &sections, &rps);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap_or(Path::new("target"))
        .join("bench");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    std::fs::write(dir.join("compare.md"), &md).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("compare.svg"), &svg).map_err(|e| e.to_string())?;
    println!("{md}");
    eprintln!(
        "compare: wrote {} and {}",
        dir.join("compare.md").display(),
        dir.join("compare.svg").display()
    );
    Ok(())
}
