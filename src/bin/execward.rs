//! `execward`: the unprivileged command-line tool (SPEC "Command-line
//! contract").

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use execward::__private::json::{Json, ToJson};
use execward::__private::request::{self, RequestOptions};
use execward::audit::{Caller, Sink};
use execward::policy::{AuditTarget, Policy};
use execward::{Error, ErrorClass, Output, Stdin};

const USAGE: &str = "usage:
  execward check [--json] POLICY
  execward run --policy POLICY [--audit FILE] [--json] ACTION [ARG...]
  execward explain --policy POLICY [--json] ACTION [ARG...]
  execward list --policy POLICY [--json]
  execward probe

--json: results as one JSON object (run: the last line of stderr)";

/// `--json` was given: errors and results are JSON (docs/json.md).
static JSON: AtomicBool = AtomicBool::new(false);

fn json_mode() -> bool {
    JSON.load(Ordering::Relaxed)
}

/// An error as JSON: its public form, the full message (`detail`) and the
/// exit status.
fn error_json(err: &Error) -> Json {
    let Json::Obj(mut fields) = err.to_json() else {
        unreachable!("an error is an object")
    };
    fields.push(("detail", Json::str(err.to_string())));
    fields.push(("exit_code", Json::Int(err.exit_code().into())));
    Json::Obj(fields)
}

fn fail(err: &Error) -> ExitCode {
    if json_mode() {
        eprintln!("{}", Json::Obj(vec![("error", error_json(err))]));
    } else {
        eprintln!("{}", err.render());
    }
    ExitCode::from(err.exit_code() as u8)
}

/// A usage error: one line, as SPEC wants every own error (the synopsis
/// is what `execward --help` prints).
fn usage(msg: impl Into<String>) -> ExitCode {
    fail(&Error::Usage(format!(
        "{} (`execward --help` shows the usage)",
        msg.into()
    )))
}

/// `--policy`, `--audit`, `--json` and the words from ACTION on.
struct RunArgs {
    policy: Option<PathBuf>,
    audit: Option<PathBuf>,
    rest: Vec<OsString>,
}

/// Parses options up to the first word that is not an option (the
/// action); every word after it is a caller argument, even if it starts
/// with `-`.
fn parse_run_args(args: &[OsString], allow_audit: bool) -> Result<RunArgs, String> {
    let mut out = RunArgs {
        policy: None,
        audit: None,
        rest: Vec::new(),
    };
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_bytes();
        let (key, inline) = match a.iter().position(|&b| b == b'=') {
            Some(p) if a.starts_with(b"--") => (&a[..p], Some(&a[p + 1..])),
            _ => (a, None),
        };
        let mut value = |name: &str| -> Result<PathBuf, String> {
            if let Some(v) = inline {
                return Ok(PathBuf::from(std::ffi::OsStr::from_bytes(v)));
            }
            i += 1;
            args.get(i)
                .map(PathBuf::from)
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match key {
            b"--policy" => {
                if out.policy.is_some() {
                    return Err("--policy given twice".into());
                }
                out.policy = Some(value("--policy")?);
            }
            b"--json" if inline.is_none() => JSON.store(true, Ordering::Relaxed),
            b"--audit" if allow_audit => {
                if out.audit.is_some() {
                    return Err("--audit given twice".into());
                }
                out.audit = Some(value("--audit")?);
            }
            b"--" => {
                out.rest = args[i + 1..].to_vec();
                return Ok(out);
            }
            _ if a.starts_with(b"-") && a.len() > 1 => {
                return Err(format!("unknown option {:?}", String::from_utf8_lossy(a)))
            }
            _ => {
                out.rest = args[i..].to_vec();
                return Ok(out);
            }
        }
        i += 1;
    }
    Ok(out)
}

fn load(path: &PathBuf) -> Result<Policy, Error> {
    Policy::load(path).map_err(Error::Policy)
}

fn cmd_check(args: &[OsString]) -> ExitCode {
    let args: Vec<&OsString> = match args.first() {
        Some(a) if a.as_bytes() == b"--json" => {
            JSON.store(true, Ordering::Relaxed);
            args[1..].iter().collect()
        }
        _ => args.iter().collect(),
    };
    let [path] = args[..] else {
        return usage("check takes exactly one POLICY");
    };
    let path = PathBuf::from(path);
    let shown = path.display().to_string();
    match Policy::load(&path) {
        Ok(p) if json_mode() => {
            println!(
                "{}",
                Json::Obj(vec![
                    ("file", Json::str(&shown)),
                    ("ok", Json::Bool(true)),
                    ("actions", Json::UInt(p.actions.len() as u64)),
                    ("types", Json::UInt(p.types.len() as u64)),
                ])
            );
            ExitCode::SUCCESS
        }
        Ok(p) => {
            println!(
                "{}: ok: {} action{}, {} type{}",
                path.display(),
                p.actions.len(),
                if p.actions.len() == 1 { "" } else { "s" },
                p.types.len(),
                if p.types.len() == 1 { "" } else { "s" }
            );
            ExitCode::SUCCESS
        }
        Err(execward::PolicyError::Invalid { file, diagnostics }) if json_mode() => {
            let diags = diagnostics
                .iter()
                .map(|d| {
                    Json::Obj(vec![
                        ("file", Json::str(&file)),
                        ("line", Json::UInt(d.line as u64)),
                        ("col", Json::UInt(d.col as u64)),
                        ("message", Json::str(&d.message)),
                    ])
                })
                .collect();
            println!(
                "{}",
                Json::Obj(vec![
                    ("file", Json::str(&shown)),
                    ("ok", Json::Bool(false)),
                    ("diagnostics", Json::Arr(diags)),
                ])
            );
            ExitCode::from(1)
        }
        Err(execward::PolicyError::Invalid { file, diagnostics }) => {
            for d in &diagnostics {
                eprintln!("{}", d.render(&file));
            }
            ExitCode::from(1)
        }
        Err(e) if json_mode() => {
            println!(
                "{}",
                Json::Obj(vec![
                    ("file", Json::str(&shown)),
                    ("ok", Json::Bool(false)),
                    ("error", error_json(&Error::Policy(e))),
                ])
            );
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("{}", Error::Policy(e).render());
            ExitCode::from(1)
        }
    }
}

fn policy_and_action(
    args: &[OsString],
    allow_audit: bool,
    need_action: bool,
) -> Result<(RunArgs, Policy), ExitCode> {
    let ra = parse_run_args(args, allow_audit).map_err(usage)?;
    let Some(path) = &ra.policy else {
        return Err(usage("--policy POLICY is required"));
    };
    if need_action && ra.rest.is_empty() {
        return Err(usage("missing ACTION"));
    }
    let policy = load(path).map_err(|e| fail(&e))?;
    Ok((ra, policy))
}

fn action_name(ra: &RunArgs) -> String {
    String::from_utf8_lossy(ra.rest[0].as_bytes()).into_owned()
}

fn cmd_run(args: &[OsString]) -> ExitCode {
    let (ra, policy) = match policy_and_action(args, true, true) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let sink = match (&ra.audit, &policy.audit) {
        (Some(path), _) | (None, AuditTarget::File(path)) => Sink::file(path).map_err(Error::Audit),
        (None, AuditTarget::Syslog) => Ok(Sink::Syslog),
        (None, AuditTarget::None | AuditTarget::Unset) => Ok(Sink::None),
        // A target this tool does not know: refuse rather than not record.
        (None, other) => Err(Error::Usage(format!(
            "audit target {other:?} is not supported"
        ))),
    };
    let mut sink = match sink {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    let name = action_name(&ra);
    let finished = match request::execute(
        &policy,
        &name,
        &ra.rest[1..],
        &mut sink,
        &Caller::current(),
        None,
        RequestOptions {
            output: Output::Forward,
            default_stdin: Stdin::Inherit,
            ..RequestOptions::default()
        },
    ) {
        Ok(f) => f,
        Err(e) if json_mode() => {
            eprintln!(
                "{}",
                Json::Obj(vec![
                    ("action", Json::str(&name)),
                    ("error", error_json(&e))
                ])
            );
            return ExitCode::from(e.exit_code() as u8);
        }
        Err(e) => return fail(&e),
    };
    if let Some(e) = &finished.end_not_recorded {
        eprintln!(
            "{}",
            ErrorClass::Sandbox.line(&format!(
                "the action ran, but its end was not recorded: {e}"
            ))
        );
    }
    if json_mode() {
        // The last line of stderr, on a line of its own.
        let (key, value, code) = match finished.result {
            Ok(out) => ("result", out.to_json(), out.exit_code()),
            Err(e) => {
                let e = Error::Run(e);
                ("error", error_json(&e), e.exit_code())
            }
        };
        eprintln!(
            "\n{}",
            Json::Obj(vec![("action", Json::str(&name)), (key, value)])
        );
        return ExitCode::from(code.clamp(0, 255) as u8);
    }
    match finished.result {
        Ok(out) => {
            if out.truncated {
                eprintln!(
                    "execward: note: output truncated: the child wrote {} bytes, the limit is {}",
                    out.output_bytes,
                    policy.action(&name).map(|a| a.limits.output).unwrap_or(0)
                );
            }
            ExitCode::from(out.exit_code().clamp(0, 255) as u8)
        }
        Err(e) => fail(&Error::Run(e)),
    }
}

fn cmd_explain(args: &[OsString]) -> ExitCode {
    let (ra, policy) = match policy_and_action(args, false, true) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let name = action_name(&ra);
    let action = match policy.action(&name) {
        Ok(a) => a,
        Err(e) => return fail(&Error::Policy(e)),
    };
    let bound = match action.bind(
        ra.rest[1..]
            .iter()
            .map(|a| a.as_bytes())
            .collect::<Vec<_>>()
            .as_slice(),
    ) {
        Ok(b) => b,
        Err(e) => return fail(&Error::Value(e)),
    };
    let plan = match bound.command_with_default_stdin(Stdin::Inherit).plan() {
        Ok(p) => p,
        Err(e) => return fail(&Error::Plan(e)),
    };
    if json_mode() {
        let values = bound
            .shown
            .iter()
            .map(|(name, vs)| {
                Json::Obj(vec![("name", Json::str(name)), ("values", Json::strs(vs))])
            })
            .collect();
        println!(
            "{}",
            Json::Obj(vec![
                ("action", Json::str(&action.name)),
                ("values", Json::Arr(values)),
                ("plan", plan.explanation().to_json()),
            ])
        );
        return ExitCode::SUCCESS;
    }
    println!("action: {}", action.name);
    for (name, values) in &bound.shown {
        let vs: Vec<String> = values
            .iter()
            .map(|v| execward::value::show_value(v.as_bytes()))
            .collect();
        println!(
            "value {name}: {}",
            if vs.is_empty() {
                "(not given)".to_string()
            } else {
                vs.join(" ")
            }
        );
    }
    print!("{}", plan.explain());
    ExitCode::SUCCESS
}

fn cmd_list(args: &[OsString]) -> ExitCode {
    let (ra, policy) = match policy_and_action(args, false, false) {
        Ok(x) => x,
        Err(code) => return code,
    };
    if !ra.rest.is_empty() {
        return usage("list takes no ACTION");
    }
    if json_mode() {
        println!("{}", policy.to_json());
        return ExitCode::SUCCESS;
    }
    for a in &policy.actions {
        print!("{}", a.list_entry());
    }
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    let (ruid, euid) = (nix::unistd::getuid(), nix::unistd::geteuid());
    let (rgid, egid) = (nix::unistd::getgid(), nix::unistd::getegid());
    if ruid != euid || rgid != egid {
        return fail(&Error::Denied(
            "execward must never run setuid or setgid (real and effective ids differ); privileged actions go through execward-helper".into(),
        ));
    }
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let Some(cmd) = args.first() else {
        return usage("missing command");
    };
    let rest = &args[1..];
    match cmd.as_bytes() {
        b"check" => cmd_check(rest),
        b"run" => cmd_run(rest),
        b"explain" => cmd_explain(rest),
        b"list" => cmd_list(rest),
        b"probe" => {
            if !rest.is_empty() {
                return usage("probe takes no arguments");
            }
            let mut support = execward::sandbox::probe();
            support.containment = Some(execward::__private::sandbox::containment::describe());
            println!("{support}");
            ExitCode::SUCCESS
        }
        b"-h" | b"--help" | b"help" => {
            println!(
                "execward {}: run OS commands from a policy, never through a shell\n\n{USAGE}",
                env!("CARGO_PKG_VERSION")
            );
            ExitCode::SUCCESS
        }
        b"-V" | b"--version" => {
            println!("execward {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        other => usage(format!(
            "unknown command {:?}",
            String::from_utf8_lossy(other)
        )),
    }
}
