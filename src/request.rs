//! One request, from arrival to audit record: look up the action, check the
//! caller (helper only), bind and validate the arguments, build the plan,
//! run it, and record the outcome — allowed or denied — in the audit log.
//!
//! Both binaries go through [`execute`], so the CLI and the setuid helper
//! make the same decisions and write the same records.

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;

use crate::audit::{Decision, ExitRecord, Record, Sink};
use crate::error::Error;
use crate::identity::Ids;
use crate::outcome::Outcome;
use crate::policy::{Action, Policy};
use crate::stdio::{Output, Stdin};

/// How a request runs: how the child's input and output connect to the
/// caller, and whom an action without `run-as` runs as.
#[derive(Debug, Clone)]
pub struct RequestOptions {
    /// Where stdout and stderr go (the CLI forwards them).
    pub output: Output,
    /// The child's stdin when the action has no `stdin` line (the CLI:
    /// its own; the helper: `/dev/null`).
    pub default_stdin: Stdin,
    /// The identity of the child when the action has no `run-as` (SPEC:
    /// "the caller"). `None` keeps this process's own user, which is the
    /// caller for the CLI; `execward-helper` runs as root and passes the
    /// caller's real uid, gid and supplementary groups here.
    pub default_run_as: Option<Ids>,
}

impl Default for RequestOptions {
    fn default() -> Self {
        RequestOptions {
            output: Output::Forward,
            default_stdin: Stdin::Null,
            default_run_as: None,
        }
    }
}

fn shown_args(action: Option<&Action>, args: &[OsString]) -> Vec<String> {
    let secret = action
        .map(|a| a.secret_positions(args.len()))
        .unwrap_or_else(|| vec![false; args.len()]);
    args.iter()
        .zip(secret)
        .map(|(a, s)| {
            if s {
                "***".to_string()
            } else {
                String::from_utf8_lossy(a.as_bytes()).into_owned()
            }
        })
        .collect()
}

/// A check the caller must pass before the request is considered (the
/// helper's `allow` rules). Returns the denial reason.
pub type CallerCheck<'a> = &'a dyn Fn(&Action) -> Result<(), String>;

/// Runs one request end to end and writes its audit record.
///
/// # Errors
/// Every refusal (unknown action, caller not allowed, invalid argument,
/// sandbox unavailable, program missing) and every failure to start the
/// child, each already recorded in the audit log. The record of an allowed
/// request is written when the child has ended (one line per request); a
/// failure to write it is an error. Callers open the sink before calling,
/// so a log that cannot be opened refuses the request before anything runs.
pub fn execute(
    policy: &Policy,
    action_name: &str,
    args: &[OsString],
    sink: &mut Sink,
    caller_check: Option<CallerCheck<'_>>,
    options: RequestOptions,
) -> Result<Outcome, Error> {
    let action = policy.action(action_name).ok();
    let mut record = Record::new(action_name, shown_args(action, args));
    let deny = |sink: &mut Sink, mut record: Record, err: Error| -> Result<Outcome, Error> {
        record.decision = Decision::Denied;
        record.reason = Some(err.render().trim_start_matches("execward: ").to_string());
        sink.write(&record)
            .map_err(|e| Error::Usage(format!("cannot write the audit log: {e}")))?;
        Err(err)
    };
    let Some(action) = action else {
        return deny(
            sink,
            record,
            Error::Policy(crate::policy::PolicyError::UnknownAction(
                action_name.to_string(),
            )),
        );
    };
    if let Some(check) = caller_check {
        if let Err(reason) = check(action) {
            return deny(sink, record, Error::Denied(reason));
        }
    }
    let bound = match action.bind(
        args.iter()
            .map(|a| a.as_bytes())
            .collect::<Vec<_>>()
            .as_slice(),
    ) {
        Ok(b) => b,
        Err(e) => return deny(sink, record, Error::Value(e)),
    };
    let mut cmd = bound.command_with_default_stdin(options.default_stdin.clone());
    cmd.stdout(options.output).stderr(options.output);
    if action.run_as.is_none() {
        if let Some(ids) = options.default_run_as {
            cmd.run_as_ids(ids);
        }
    }
    let plan = match cmd.plan() {
        Ok(p) => p,
        Err(e) => return deny(sink, record, Error::Plan(e)),
    };
    record.decision = Decision::Allowed;
    record.argv = Some(plan.argv());
    record.sandbox = Some(plan.sandbox_report().clone());
    record.limits = Some(*plan.limits());
    let result = plan.run();
    match &result {
        Ok(out) => {
            record.pid = Some(out.pid);
            record.exit = Some(ExitRecord::Status(out.status));
            record.duration = Some(out.duration);
            record.truncated = out.truncated;
        }
        Err(e) => record.exit = Some(ExitRecord::Error(e.to_string())),
    }
    record.duration = record.duration.or_else(|| record.time.elapsed().ok());
    sink.write(&record)
        .map_err(|e| Error::Usage(format!("cannot write the audit log: {e}")))?;
    Ok(result?)
}
