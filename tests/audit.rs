//! The audit trail through the library and the CLI's engine: write-ahead
//! records, bounded values, safe audit files. Each refusal has a control
//! showing the same request goes through when the one thing is changed.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use execward::__private::request::{execute, RequestOptions};
use execward::audit::{AuditError, Caller, Sink};
use execward::{Error, Policy};

mod cli_support;
mod common;

use cli_support::{audit_records, run_command, Out, BIN};

/// `touch DIR/ran`, allowed to write DIR.
fn touch_policy(dir: &Path) -> Policy {
    Policy::parse(&format!(
        "action touch = /usr/bin/touch {d}/ran\n    fs write {d}\n    sandbox best-effort\n",
        d = dir.display()
    ))
    .unwrap()
}

#[test]
fn an_allowed_request_whose_record_cannot_be_written_does_not_run() {
    let dir = scratch("full");
    let p = touch_policy(&dir);
    let caller = Caller::current();
    // /dev/full: every write fails with ENOSPC.
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let mut sink = Sink::File {
        path: "/dev/full".into(),
        file: full,
    };
    let r = execute(
        &p,
        "touch",
        &[],
        &mut sink,
        &caller,
        None,
        RequestOptions::default(),
    );
    let Err(Error::Audit(e @ AuditError::NotRecorded { .. })) = r else {
        panic!("{r:?}")
    };
    assert!(Error::Audit(e)
        .render()
        .starts_with("execward: sandbox: the request was not run: "),);
    assert!(!dir.join("ran").exists(), "the action ran unrecorded");
    // Control: the same request with a log that takes the record runs, and
    // leaves its start and its end.
    let log = dir.join("log");
    let mut sink = Sink::file(&log).unwrap();
    let f = execute(
        &p,
        "touch",
        &[],
        &mut sink,
        &caller,
        None,
        RequestOptions::default(),
    )
    .unwrap();
    assert!(f.result.unwrap().status.success());
    assert!(dir.join("ran").exists());
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].starts_with(r#"{"event":"allowed","id":""#));
    let id = &lines[0][25..41];
    assert!(lines[1].starts_with(&format!(r#"{{"event":"end","id":"{id}""#)));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `execward run --policy DIR/policy --audit LOG touch` (the action
/// creates DIR/ran), with the policy written first.
fn cli_touch(dir: &Path, log: &Path) -> Out {
    let policy = dir.join("policy");
    std::fs::write(
        &policy,
        format!(
            "action touch = /usr/bin/touch {d}/ran\n    fs write {d}\n    sandbox best-effort\n",
            d = dir.display()
        ),
    )
    .unwrap();
    let mut c = Command::new(BIN);
    c.arg("run")
        .arg("--policy")
        .arg(&policy)
        .arg("--audit")
        .arg(log)
        .arg("touch")
        .env_clear()
        .env("PATH", "/usr/bin:/bin");
    run_command(c)
}

/// The refusal of an unsafe audit log: 125, one `policy:` line naming the
/// log and `why`, and nothing ran.
#[track_caller]
fn refused(dir: &Path, log: &Path, why: &str) {
    let _ = std::fs::remove_file(dir.join("ran"));
    let out = cli_touch(dir, log);
    out.status(125);
    let line = out.one_error_line("execward: policy: cannot open the audit log ");
    assert!(line.contains(why), "{line}");
    assert!(!dir.join("ran").exists(), "the action ran: {line}");
}

/// The control: the same request with `log` made safe runs and is
/// recorded there.
#[track_caller]
fn accepted(dir: &Path, log: &Path) {
    let _ = std::fs::remove_file(dir.join("ran"));
    cli_touch(dir, log).status(0);
    assert!(dir.join("ran").exists());
    assert!(!audit_records(log).is_empty());
}

#[test]
fn unsafe_audit_files_are_refused_with_a_control_each() {
    if !common::need_root() {
        return; // chown to another user
    }
    let dir = scratch("files");
    let log = dir.join("audit.jsonl");
    // Control first: a fresh log is created 0600 and written.
    accepted(&dir, &log);
    let m = std::fs::metadata(&log).unwrap();
    assert_eq!(m.permissions().mode() & 0o777, 0o600);

    // A symlink as the log, even to the right file.
    let link = dir.join("link.jsonl");
    std::os::unix::fs::symlink(&log, &link).unwrap();
    refused(&dir, &link, "is a symbolic link");
    // A symlink on the way.
    std::fs::create_dir(dir.join("real")).unwrap();
    std::os::unix::fs::symlink(dir.join("real"), dir.join("via")).unwrap();
    refused(&dir, &dir.join("via/audit.jsonl"), "via is a symbolic link");
    accepted(&dir, &dir.join("real/audit.jsonl"));

    // A FIFO: refused at once, not waited on (run_command kills a hang).
    let fifo = dir.join("fifo");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    refused(&dir, &fifo, "is not a regular file");
    // A device.
    refused(&dir, Path::new("/dev/null"), "is not a regular file");

    // Owned by someone else (root runs the tool).
    std::os::unix::fs::chown(&log, Some(65534), None).unwrap();
    refused(&dir, &log, "is owned by uid 65534");
    std::os::unix::fs::chown(&log, Some(0), None).unwrap();
    accepted(&dir, &log);

    // Writable by group or others.
    for mode in [0o620, 0o602] {
        std::fs::set_permissions(&log, std::fs::Permissions::from_mode(mode)).unwrap();
        refused(&dir, &log, "is writable by group or others");
    }
    std::fs::set_permissions(&log, std::fs::Permissions::from_mode(0o600)).unwrap();
    accepted(&dir, &log);

    // A second name.
    let second = dir.join("second");
    std::fs::hard_link(&log, &second).unwrap();
    refused(&dir, &log, "has 2 hard links");
    std::fs::remove_file(&second).unwrap();
    accepted(&dir, &log);

    // A directory on the way writable by others (sticky too), or owned by
    // another user.
    let open = dir.join("open");
    std::fs::create_dir(&open).unwrap();
    for mode in [0o777, 0o1777] {
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(mode)).unwrap();
        refused(&dir, &open.join("audit.jsonl"), "is writable by others");
    }
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::os::unix::fs::chown(&open, Some(65534), None).unwrap();
    refused(&dir, &open.join("audit.jsonl"), "is owned by uid 65534");
    std::os::unix::fs::chown(&open, Some(0), None).unwrap();
    accepted(&dir, &open.join("audit.jsonl"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unprivileged_user_writes_a_log_it_owns_and_no_other() {
    if !common::need_root() {
        return; // becoming nobody
    }
    let dir = scratch("nobody");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let own = dir.join("own");
    std::fs::create_dir(&own).unwrap();
    std::os::unix::fs::chown(&own, Some(65534), Some(65534)).unwrap();
    let policy = dir.join("policy");
    std::fs::write(&policy, "action t = /bin/true\n    sandbox best-effort\n").unwrap();
    let as_nobody = |log: &Path| {
        let mut c = Command::new(BIN);
        c.args(["run", "--policy"])
            .arg(&policy)
            .arg("--audit")
            .arg(log)
            .arg("t")
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .uid(65534)
            .gid(65534);
        run_command(c)
    };
    use std::os::unix::process::CommandExt;
    // Control: its own log in its own directory.
    as_nobody(&own.join("log")).status(0);
    assert_eq!(audit_records(&own.join("log")).len(), 1);
    // Root's log in a directory it may write: refused, not appended to.
    let roots = own.join("roots");
    std::fs::write(&roots, "").unwrap();
    std::fs::set_permissions(&roots, std::fs::Permissions::from_mode(0o666)).unwrap();
    let out = as_nobody(&roots);
    out.status(125);
    let line = out.one_error_line("execward: policy: cannot open the audit log ");
    assert!(line.contains("is owned by uid 0"), "{line}");
    assert_eq!(std::fs::read(&roots).unwrap(), b"");
    let _ = std::fs::remove_dir_all(&dir);
}

fn scratch(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("audit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755)).unwrap();
    d
}
