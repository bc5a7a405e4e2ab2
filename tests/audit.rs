//! The audit trail through the library and the CLI's engine: write-ahead
//! records, bounded values, safe audit files. Each refusal has a control
//! showing the same request goes through when the one thing is changed.

use std::path::{Path, PathBuf};

use execward::__private::request::{execute, RequestOptions};
use execward::audit::{AuditError, Caller, Sink};
use execward::{Error, Policy};

mod common;

fn scratch(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("audit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

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
