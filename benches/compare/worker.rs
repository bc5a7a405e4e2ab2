//! A measuring process: the bench binary re-executed with
//! [`ENV`]`=MiB`, as root or as the bench user, holding that much touched
//! memory. It reads one request a line on stdin and answers one line on
//! stdout, so the coordinator decides the order and the gaps while every
//! time is taken inside the process that spawns:
//!
//! - `time\tN\tKIND[\tARG...]` runs KIND N times back to back and answers
//!   `ok\tNS\tNS...` (nanoseconds of each spawn + wait);
//! - `rps\tTASKS\tMILLIS\tsandboxed|plain` runs TASKS async tasks, each
//!   spawning and awaiting one action after another, for MILLIS, and
//!   answers `ok\tREQUESTS_PER_SECOND`;
//! - `containment` answers how the full sandbox contains the process tree
//!   here (`ok\tDESCRIPTION`);
//! - any failure answers `err\tMESSAGE`.
//!
//! KIND is `fork-exec ARGV...` (raw fork + execv + waitpid), `std ARGV...`
//! (`std::process::Command`), or one of the library's ways to run
//! `/usr/bin/true`: `plan-stripped`, `plan-full`, `plan-full-nobody` (a
//! reused [`execward::Plan`]) and `command-output` (build the plan and run,
//! each time).

use std::collections::HashMap;
use std::ffi::CString;
use std::fs::File;
use std::io::{BufRead, Write};
use std::os::fd::AsRawFd;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use execward::{Output, Plan, Policy};

/// The environment variable that makes the bench binary a worker.
pub const ENV: &str = "EXECWARD_COMPARE_WORKER";
const TRUE: &str = "/usr/bin/true";

#[derive(Default)]
struct Worker {
    plans: HashMap<String, Plan>,
    runtime: Option<tokio::runtime::Runtime>,
    policy: Option<Arc<Policy>>,
}

/// Runs the worker until its stdin closes.
pub fn main(mib: usize) {
    // Touched: `vec!` of a non-zero byte writes every page.
    let hold = vec![1u8; mib << 20];
    std::hint::black_box(&hold);
    let mut w = Worker::default();
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "ready");
    let _ = out.flush();
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let reply = match w.handle(&line) {
            Ok(v) => format!("ok\t{}", v.join("\t")),
            Err(e) => format!("err\t{}", e.replace(['\n', '\t'], " ")),
        };
        if writeln!(out, "{reply}").and_then(|()| out.flush()).is_err() {
            break;
        }
    }
    std::hint::black_box(&hold);
}

fn true_command() -> execward::Command {
    let mut c = execward::Command::new(TRUE);
    c.stdout(Output::Null).stderr(Output::Null);
    c
}

fn check(out: Result<execward::Outcome, String>) -> Result<(), String> {
    let out = out?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("/usr/bin/true ended with {:?}", out.status))
    }
}

impl Worker {
    fn handle(&mut self, line: &str) -> Result<Vec<String>, String> {
        let f: Vec<&str> = line.split('\t').collect();
        match f.as_slice() {
            ["time", n, kind, args @ ..] => {
                let n: usize = n.parse().map_err(|_| "bad count".to_string())?;
                let mut v = Vec::with_capacity(n);
                for _ in 0..n {
                    v.push(self.once(kind, args)?.as_nanos().to_string());
                }
                Ok(v)
            }
            ["containment"] => Ok(vec![self
                .plan("plan-full")?
                .sandbox_report()
                .containment
                .clone()]),
            ["rps", tasks, millis, kind] => {
                let tasks: usize = tasks.parse().map_err(|_| "bad task count".to_string())?;
                let millis: u64 = millis.parse().map_err(|_| "bad duration".to_string())?;
                let rps = self.rps(tasks, Duration::from_millis(millis), *kind == "sandboxed")?;
                Ok(vec![format!("{rps:.1}")])
            }
            _ => Err(format!("bad request {line:?}")),
        }
    }

    fn plan(&mut self, kind: &str) -> Result<&Plan, String> {
        if !self.plans.contains_key(kind) {
            let plan = match kind {
                "plan-stripped" => true_command()
                    .plan()
                    .map(Plan::strip_confinement_for_benchmark),
                "plan-full" => true_command().plan(),
                "plan-full-nobody" => true_command().run_as("nobody", None).plan(),
                _ => return Err(format!("unknown kind {kind}")),
            }
            .map_err(|e| e.to_string())?;
            self.plans.insert(kind.to_string(), plan);
        }
        Ok(&self.plans[kind])
    }

    /// One spawn + wait of `kind`, timed.
    fn once(&mut self, kind: &str, args: &[&str]) -> Result<Duration, String> {
        match kind {
            "fork-exec" => {
                let argv: Vec<CString> = args
                    .iter()
                    .map(|a| CString::new(*a).map_err(|e| e.to_string()))
                    .collect::<Result<_, _>>()?;
                let null = File::options()
                    .read(true)
                    .write(true)
                    .open("/dev/null")
                    .map_err(|e| e.to_string())?;
                let t = Instant::now();
                fork_exec(&argv, &null)?;
                Ok(t.elapsed())
            }
            "std" => {
                let (prog, rest) = args.split_first().ok_or("std needs a program")?;
                let t = Instant::now();
                let st = std::process::Command::new(prog)
                    .args(rest)
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .map_err(|e| format!("{prog}: {e}"))?;
                let d = t.elapsed();
                if st.success() {
                    return Ok(d);
                }
                // Once more, to say why.
                let out = std::process::Command::new(prog)
                    .args(rest)
                    .stdin(Stdio::null())
                    .output()
                    .map_err(|e| e.to_string())?;
                let err = String::from_utf8_lossy(&out.stderr);
                Err(format!(
                    "{st}: {}",
                    err.lines().find(|l| !l.trim().is_empty()).unwrap_or("")
                ))
            }
            "command-output" => {
                let t = Instant::now();
                let out = true_command().output().map_err(|e| e.to_string());
                let d = t.elapsed();
                check(out).map(|()| d)
            }
            _ => {
                let plan = self.plan(kind)?;
                let t = Instant::now();
                let out = plan.run().map_err(|e| e.to_string());
                let d = t.elapsed();
                check(out).map(|()| d)
            }
        }
    }

    /// Requests per second from `tasks` concurrent tasks for `dur`: each
    /// binds the `noop` action of a policy and runs it with
    /// [`execward::Command::output_async`] (`sandboxed`), or runs
    /// `tokio::process::Command::output` of the same program.
    fn rps(&mut self, tasks: usize, dur: Duration, sandboxed: bool) -> Result<f64, String> {
        if self.runtime.is_none() {
            self.runtime = Some(
                tokio::runtime::Builder::new_multi_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| e.to_string())?,
            );
            let policy = Policy::parse(&format!("action noop = {TRUE}\n"))
                .map_err(|d| format!("policy: {d:?}"))?;
            self.policy = Some(Arc::new(policy));
        }
        let (Some(rt), Some(policy)) = (&self.runtime, &self.policy) else {
            unreachable!("set above")
        };
        rt.block_on(async {
            let start = Instant::now();
            let deadline = start + dur;
            let mut set = tokio::task::JoinSet::new();
            for _ in 0..tasks {
                let policy = Arc::clone(policy);
                set.spawn(async move {
                    let mut n = 0u64;
                    while Instant::now() < deadline {
                        if sandboxed {
                            sandboxed_once(&policy).await?;
                        } else {
                            plain_once().await?;
                        }
                        n += 1;
                    }
                    Ok::<u64, String>(n)
                });
            }
            let mut total = 0;
            while let Some(r) = set.join_next().await {
                total += r.map_err(|e| e.to_string())??;
            }
            Ok(total as f64 / start.elapsed().as_secs_f64())
        })
    }
}

async fn sandboxed_once(policy: &Policy) -> Result<(), String> {
    let cmd = policy
        .action("noop")
        .map_err(|e| e.to_string())?
        .bind::<&str>(&[])
        .map_err(|e| e.to_string())?
        .command();
    let out = cmd.output_async().await.map_err(|e| e.to_string());
    check(out)
}

async fn plain_once() -> Result<(), String> {
    let out = tokio::process::Command::new(TRUE)
        .output()
        .await
        .map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("tokio::process: {}", out.status))
    }
}

/// fork(), then in the child only async-signal-safe calls (dup2, execv,
/// _exit) on memory prepared before; waitpid in the parent.
fn fork_exec(argv: &[CString], null: &File) -> Result<(), String> {
    let mut ptrs: Vec<*const libc::c_char> = argv.iter().map(|a| a.as_ptr()).collect();
    ptrs.push(std::ptr::null());
    let fd = null.as_raw_fd();
    // SAFETY: the child runs only dup2, execv and _exit, all
    // async-signal-safe, on pointers prepared before the fork; it never
    // returns into Rust code.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        for target in 0..3 {
            // SAFETY: async-signal-safe; `fd` is open (`null` outlives
            // the fork).
            unsafe { libc::dup2(fd, target) };
        }
        // SAFETY: async-signal-safe; `ptrs` is NUL-terminated, its strings
        // are owned by `argv`, both prepared before the fork.
        unsafe { libc::execv(ptrs[0], ptrs.as_ptr()) };
        // SAFETY: async-signal-safe; leaves the child without returning
        // into Rust code.
        unsafe { libc::_exit(127) };
    }
    if pid < 0 {
        return Err(format!("fork: {}", std::io::Error::last_os_error()));
    }
    match nix::sys::wait::waitpid(nix::unistd::Pid::from_raw(pid), None) {
        Ok(nix::sys::wait::WaitStatus::Exited(_, 0)) => Ok(()),
        Ok(st) => Err(format!("{st:?}")),
        Err(e) => Err(format!("waitpid: {e}")),
    }
}
