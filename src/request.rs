//! One request, from arrival to its records, in steps that both binaries
//! share: [`decide`] (look up the action, check the caller, bind and
//! validate the arguments, build the plan: nothing runs), then for a
//! refusal [`Denied::record`], and for an allowed request
//! [`run_allowed`]: the `allowed` record written and made durable, only
//! then the child, then the `end` record with the same id.
//!
//! The CLI runs the steps in one process ([`execute`]); the setuid helper
//! decides in its front process and runs [`run_allowed`] in its
//! supervisor, which the caller cannot signal.

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;

use crate::audit::{AuditError, Caller, Event, ExitRecord, OutputRecord, Record, Sink};
use crate::bind::MAX_ARGS;
use crate::error::Error;
use crate::identity::Ids;
use crate::outcome::Outcome;
use crate::plan::Plan;
use crate::policy::{Action, Policy};
use crate::stdio::{Output, Stdin};
use crate::supervise::RunError;
use crate::value::MAX_VALUE_LEN;

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

/// True for a request no action could accept because of its size: more
/// than [`MAX_ARGS`] arguments, or one longer than any value may be. Its
/// arguments are recorded as lengths and digests only.
pub fn oversized(args: &[OsString]) -> bool {
    args.len() > MAX_ARGS || args.iter().any(|a| a.len() > MAX_VALUE_LEN)
}

/// A check the caller must pass before the request is considered (the
/// helper's `allow` rules). Returns the denial reason.
pub type CallerCheck<'a> = &'a dyn Fn(&Action) -> Result<(), String>;

/// What [`decide`] made of a request.
#[derive(Debug)]
pub enum Decision {
    /// Every check passed: the plan to run and its `allowed` record.
    Allowed(Box<Allowed>),
    /// Refused: the `denied` record and the error for the caller.
    Denied(Box<Denied>),
}

/// An allowed request, not yet recorded and not yet running.
#[derive(Debug)]
pub struct Allowed {
    /// The plan to run.
    pub plan: Plan,
    /// Its `allowed` record.
    pub record: Record,
}

/// A refused request.
#[derive(Debug)]
pub struct Denied {
    /// Its `denied` record.
    pub record: Record,
    /// What the caller is told.
    pub error: Error,
}

/// Decides one request: looks up the action, checks the caller
/// (`caller_check`, the helper's `allow` rules), binds and validates the
/// arguments and builds the plan. Nothing is written and nothing runs.
pub fn decide(
    policy: &Policy,
    action_name: &str,
    args: &[OsString],
    caller: &Caller,
    caller_check: Option<CallerCheck<'_>>,
    options: RequestOptions,
) -> Decision {
    let action = policy.action(action_name).ok();
    let id = crate::audit::new_id();
    let mut record = Record::new(
        Event::Denied,
        &id,
        caller.clone(),
        action_name,
        shown_args(action, args),
    );
    record.args_withheld = oversized(args);
    let deny = |mut record: Record, error: Error| {
        let shown = match &error {
            // A refusal for size names no content of the value.
            Error::Value(v) if record.args_withheld => {
                let mut v = v.clone();
                v.shown = None;
                Error::Value(v).render()
            }
            e => e.render(),
        };
        record.reason = Some(shown.trim_start_matches("execward: ").to_string());
        Decision::Denied(Box::new(Denied { record, error }))
    };
    let Some(action) = action else {
        return deny(
            record,
            Error::Policy(crate::policy::PolicyError::UnknownAction(
                action_name.to_string(),
            )),
        );
    };
    if let Some(check) = caller_check {
        if let Err(reason) = check(action) {
            return deny(record, Error::Denied(reason));
        }
    }
    let bound = match action.bind(
        args.iter()
            .map(|a| a.as_bytes())
            .collect::<Vec<_>>()
            .as_slice(),
    ) {
        Ok(b) => b,
        Err(e) => return deny(record, Error::Value(e)),
    };
    if record.args_withheld {
        // Binding refuses every oversized request; this only keeps the
        // promise that none runs if that ever changed.
        return deny(
            record,
            Error::Usage("the request is too large to be recorded".into()),
        );
    }
    let mut cmd = bound.command_with_default_stdin(options.default_stdin.clone());
    cmd.stdout(options.output).stderr(options.output);
    if action.run_as.is_none() {
        if let Some(ids) = options.default_run_as {
            cmd.run_as_ids(ids);
        }
    }
    let plan = match cmd.plan() {
        Ok(p) => p,
        Err(e) => return deny(record, Error::Plan(e)),
    };
    record.event = Event::Allowed;
    record.argv = Some(plan.argv());
    record.timeout = Some(plan.timeout());
    record.sandbox = Some(plan.sandbox_report().clone());
    record.limits = Some(*plan.limits());
    Decision::Allowed(Box::new(Allowed { plan, record }))
}

/// Sends one line to syslog: the witness of a record the audit log could
/// not take. Caller-chosen text in it is escaped (it is the record's JSON).
pub fn syslog_witness(what: &str, record: &Record, error: &AuditError) {
    crate::sys::syslog(&format!(
        "execward: {what}: {}; the record: {}",
        crate::error::ErrorClass::Sandbox
            .line(&error.to_string())
            .trim_start_matches("execward: "),
        record.to_json()
    ));
}

impl Denied {
    /// Writes the `denied` record and returns the error the caller is
    /// told. The denial stands whether or not the record could be
    /// written; a record the log could not take goes to syslog.
    pub fn record(self, sink: &mut Sink) -> Error {
        if let Err(e) = sink.write(&self.record) {
            syslog_witness("a denial could not be recorded", &self.record, &e);
        }
        self.error
    }
}

/// An allowed request that ran (or could not be started).
#[derive(Debug)]
pub struct Finished {
    /// How it ended.
    pub result: Result<Outcome, RunError>,
    /// Its `end` record could not be written (it went to syslog instead).
    pub end_not_recorded: Option<AuditError>,
}

/// Writes the `allowed` record durably, or refuses: an allowed request
/// whose record cannot be written does not run.
///
/// # Errors
/// [`AuditError::NotRecorded`] (the record went to syslog).
pub fn record_start(sink: &mut Sink, allowed: &Allowed) -> Result<(), Error> {
    sink.write(&allowed.record).map_err(|e| {
        syslog_witness(
            "an allowed request was refused because its record could not be written",
            &allowed.record,
            &e,
        );
        let path = sink.describe();
        Error::Audit(match e {
            AuditError::Write { source, .. } | AuditError::NotRecorded { source, .. } => {
                AuditError::NotRecorded { path, source }
            }
            other => other,
        })
    })
}

/// The `end` record of `start` for `result`.
pub fn end_record(start: &Record, result: &Result<Outcome, RunError>, cancelled: bool) -> Record {
    let mut end = start.end_of();
    match result {
        Ok(out) => {
            end.pid = Some(out.pid);
            end.exit = Some(if cancelled {
                ExitRecord::Cancelled
            } else {
                ExitRecord::Status(out.status)
            });
            end.duration = Some(out.duration);
            end.output = Some(OutputRecord {
                bytes: out.output_bytes,
                truncated: out.truncated,
                unread: 0,
            });
        }
        Err(e) => {
            end.exit = Some(ExitRecord::Error(e.to_string()));
            end.duration = start.time.elapsed().ok();
        }
    }
    end
}

/// Writes an `end` record; one the log cannot take goes to syslog and is
/// returned.
pub fn record_end(sink: &mut Sink, end: &Record) -> Option<AuditError> {
    match sink.write(end) {
        Ok(()) => None,
        Err(e) => {
            syslog_witness("the end of a request could not be recorded", end, &e);
            Some(e)
        }
    }
}

/// Runs an allowed request in this process: its record first (made
/// durable), then the child, then its `end` record.
///
/// # Errors
/// The `allowed` record could not be written (nothing ran).
pub fn run_allowed(sink: &mut Sink, allowed: Allowed) -> Result<Finished, Error> {
    record_start(sink, &allowed)?;
    let result = allowed.plan.run();
    let end = end_record(&allowed.record, &result, false);
    let end_not_recorded = record_end(sink, &end);
    Ok(Finished {
        result,
        end_not_recorded,
    })
}

/// Runs one request end to end in this process and writes its records.
///
/// # Errors
/// Every refusal (unknown action, caller not allowed, invalid argument,
/// sandbox unavailable, program missing), each recorded; an `allowed`
/// record that cannot be written (the request does not run); every
/// failure to start the child. Callers open the sink before calling, so a
/// log that cannot be opened refuses the request before anything runs. An
/// `end` record that cannot be written is not an error: the action ran,
/// and [`Finished::end_not_recorded`] says so.
pub fn execute(
    policy: &Policy,
    action_name: &str,
    args: &[OsString],
    sink: &mut Sink,
    caller: &Caller,
    caller_check: Option<CallerCheck<'_>>,
    options: RequestOptions,
) -> Result<Finished, Error> {
    match decide(policy, action_name, args, caller, caller_check, options) {
        Decision::Denied(d) => Err(d.record(sink)),
        Decision::Allowed(a) => run_allowed(sink, *a),
    }
}
