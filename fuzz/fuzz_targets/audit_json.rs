//! Audit records: one JSON object per line, whatever the values hold.
//!
//! Input: structured (`arbitrary`): the action, arguments, reason, argv,
//! caller name, an exit error message, seccomp profile, limits and the
//! time.
//!
//! Properties of `Record::to_json()`:
//! - one line: no `\n`, `\r`, other control character, U+2028 or U+2029;
//! - it parses as JSON, and the text holds exactly one value: an object
//!   whose top-level keys are all distinct (no forged duplicate key);
//! - `action`, `args`, `reason`, `argv`, `decision`, `caller.name`,
//!   `exit.error`, `duration_ms`, `sandbox.seccomp`, `sandbox.containment`,
//!   `sandbox.missing` and `sandbox.limits` hold exactly the values given;
//! - `time` is RFC 3339 UTC with milliseconds and denotes the time given
//!   (checked with an independent days-from-civil computation);
//! - `json_str` alone gives a JSON string equal to its input;
//! - the other one-line output, `ErrorClass::line` (SPEC's
//!   `execward: CLASS: MESSAGE` on stderr), is one line without control
//!   characters for any message, starts with `execward: ` and keeps the
//!   message's printable text.
#![no_main]

use std::fmt;
use std::time::{Duration, UNIX_EPOCH};

use execward::__private::audit::json_str;
use execward::audit::{Decision, ExitRecord, Record};
use execward::sandbox::{Limits, SandboxReport};
use execward::{ErrorClass, Status};
use execward_fuzz::is_control;
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value;

#[derive(Debug, Arbitrary)]
struct Input {
    action: String,
    args: Vec<String>,
    allowed: bool,
    reason: Option<String>,
    argv: Option<Vec<String>>,
    caller_uid: u32,
    caller_name: Option<String>,
    exit_error: Option<String>,
    seccomp: Option<String>,
    limits: Option<([Option<u64>; 5], u64)>,
    missing: Vec<String>,
    seconds: u64,
    millis: u16,
    duration_ms: Option<u32>,
}

/// The keys of a JSON object, in order, duplicates kept.
struct Keys(Vec<String>);

impl<'de> Deserialize<'de> for Keys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Keys;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Keys, A::Error> {
                let mut keys = Vec::new();
                while let Some((k, _)) = map.next_entry::<String, serde::de::IgnoredAny>()? {
                    keys.push(k);
                }
                Ok(Keys(keys))
            }
        }
        d.deserialize_map(V)
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date, counted the slow
/// and obvious way (independent of the library's civil-from-days).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let leap = |y: i64| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let mut days = 0;
    for y in 1970..year {
        days += if leap(y) { 366 } else { 365 };
    }
    let lengths = [31, if leap(year) { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    for m in 1..month {
        days += lengths[(m - 1) as usize];
    }
    assert!(day >= 1 && day <= lengths[(month - 1) as usize], "day {day} of month {month}");
    days + day - 1
}

fn check_time(text: &str, seconds: u64, millis: u16) {
    let b = text.as_bytes();
    assert_eq!(b.len(), 24, "time {text:?}");
    for (i, c) in b.iter().enumerate() {
        match i {
            4 | 7 => assert_eq!(*c, b'-', "time {text:?}"),
            10 => assert_eq!(*c, b'T', "time {text:?}"),
            13 | 16 => assert_eq!(*c, b':', "time {text:?}"),
            19 => assert_eq!(*c, b'.', "time {text:?}"),
            23 => assert_eq!(*c, b'Z', "time {text:?}"),
            _ => assert!(c.is_ascii_digit(), "time {text:?}"),
        }
    }
    let n = |r: std::ops::Range<usize>| text[r].parse::<i64>().unwrap();
    let (year, month, day) = (n(0..4), n(5..7), n(8..10));
    let (h, m, s, ms) = (n(11..13), n(14..16), n(17..19), n(20..23));
    assert!((1..=12).contains(&month) && h < 24 && m < 60 && s < 60, "time {text:?}");
    let total = days_from_civil(year, month, day) * 86_400 + h * 3600 + m * 60 + s;
    assert_eq!(total, seconds as i64, "time {text:?}");
    assert_eq!(ms, i64::from(millis), "time {text:?}");
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|s| s.as_str().expect("a string").to_string())
        .collect()
}

fuzz_target!(|input: Input| {
    // Up to 9999-12-31T23:59:59 (four-digit years).
    let seconds = input.seconds % 253_402_300_800;
    let millis = input.millis % 1000;
    let mut record = Record::new(&input.action, input.args.clone());
    record.time = UNIX_EPOCH + Duration::from_secs(seconds) + Duration::from_millis(millis.into());
    record.caller_uid = input.caller_uid;
    record.caller_name = input.caller_name.clone();
    record.decision = if input.allowed { Decision::Allowed } else { Decision::Denied };
    record.reason = input.reason.clone();
    record.argv = input.argv.clone();
    record.pid = Some(input.caller_uid ^ 0x5555);
    record.exit = Some(match &input.exit_error {
        Some(e) => ExitRecord::Error(e.clone()),
        None => ExitRecord::Status(Status::Exited(input.caller_uid as i32)),
    });
    record.duration = input.duration_ms.map(|ms| Duration::from_millis(ms.into()));
    let mut sandbox = SandboxReport::default();
    sandbox.landlock_abi = Some(6);
    sandbox.landlock = input.allowed;
    sandbox.landlock_net = true;
    sandbox.landlock_scopes = false;
    sandbox.seccomp = input.seccomp.clone();
    sandbox.containment = input.action.clone();
    sandbox.missing = input.missing.clone();
    record.sandbox = Some(sandbox);
    record.limits = input.limits.map(|([cpu, address_space, nproc, nofile, fsize], output)| {
        Limits::default()
            .with_cpu(cpu)
            .with_address_space(address_space)
            .with_nproc(nproc)
            .with_nofile(nofile)
            .with_fsize(fsize)
            .with_output(output)
    });
    record.truncated = input.allowed;
    let line = record.to_json();
    if let Some(c) = line.chars().find(|&c| is_control(c) || c == '\u{2028}' || c == '\u{2029}') {
        panic!("record holds U+{:04X}: {line}", u32::from(c));
    }

    // Exactly one JSON value in the line.
    let mut stream = serde_json::Deserializer::from_str(&line).into_iter::<Value>();
    let v = match stream.next() {
        Some(Ok(v)) => v,
        other => panic!("not JSON ({other:?}): {line}"),
    };
    assert!(stream.next().is_none(), "more than one JSON value: {line}");
    assert!(v.is_object(), "not an object: {line}");
    let keys = serde_json::from_str::<Keys>(&line).expect("an object").0;
    let mut sorted = keys.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), keys.len(), "duplicate keys {keys:?}: {line}");

    assert_eq!(v["action"].as_str(), Some(input.action.as_str()), "{line}");
    assert_eq!(strings(&v["args"]), input.args, "{line}");
    assert_eq!(v["decision"].as_str(), Some(if input.allowed { "allowed" } else { "denied" }));
    match &input.reason {
        Some(r) => assert_eq!(v["reason"].as_str(), Some(r.as_str()), "{line}"),
        None => assert!(v.get("reason").is_none(), "{line}"),
    }
    match &input.argv {
        Some(a) => assert_eq!(&strings(&v["argv"]), a, "{line}"),
        None => assert!(v.get("argv").is_none(), "{line}"),
    }
    assert_eq!(v["caller"]["uid"].as_u64(), Some(u64::from(input.caller_uid)));
    assert_eq!(v["caller"]["name"].as_str(), input.caller_name.as_deref(), "{line}");
    if let Some(e) = &input.exit_error {
        assert_eq!(v["exit"]["error"].as_str(), Some(e.as_str()), "{line}");
    }
    assert_eq!(v["duration_ms"].as_u64(), input.duration_ms.map(u64::from), "{line}");
    assert_eq!(v["sandbox"]["seccomp"].as_str(), input.seccomp.as_deref(), "{line}");
    match input.limits {
        Some((values, output)) => {
            let l = &v["sandbox"]["limits"];
            for (key, want) in ["cpu", "as", "nproc", "nofile", "fsize"].iter().zip(values) {
                assert_eq!(l[key].as_u64(), want, "limits.{key}: {line}");
                assert!(l[key].is_u64() || l[key].is_null(), "limits.{key}: {line}");
            }
            assert_eq!(l["output"].as_u64(), Some(output), "{line}");
        }
        None => assert!(v["sandbox"].get("limits").is_none(), "{line}"),
    }
    assert_eq!(v["sandbox"]["containment"].as_str(), Some(input.action.as_str()), "{line}");
    assert_eq!(strings(&v["sandbox"]["missing"]), input.missing, "{line}");
    check_time(v["time"].as_str().expect("time"), seconds, millis);

    for class in [
        ErrorClass::Denied,
        ErrorClass::InvalidArgument,
        ErrorClass::Policy,
        ErrorClass::Usage,
        ErrorClass::Sandbox,
        ErrorClass::Exec,
    ] {
        let msg = input.reason.as_deref().unwrap_or(&input.action);
        let l = class.line(msg);
        assert!(l.starts_with("execward: "), "{l:?}");
        assert!(!l.chars().any(is_control), "{class:?}: control character in {l:?}");
        if !msg.chars().any(is_control) {
            assert!(l.ends_with(msg), "{class:?}: {msg:?} changed in {l:?}");
        }
    }

    let mut s = String::new();
    json_str(&mut s, &input.action);
    assert_eq!(serde_json::from_str::<String>(&s).ok().as_deref(), Some(input.action.as_str()));
});
