//! Audit records: one bounded JSON object per line, whatever the values
//! hold.
//!
//! Input: structured (`arbitrary`): the event, action, arguments (repeated
//! up to 64 times, so records over 8 KiB occur), reason, argv, caller name,
//! an exit error message, seccomp profile, limits, output and the time.
//!
//! Properties of `Record::to_json()`:
//! - under 8 KiB (`MAX_RECORD`, newline included) and deterministic;
//! - one line: no control character and none of the invisible or
//!   bidirectional characters SPEC names, raw;
//! - it parses as JSON, and the text holds exactly one value: an object
//!   whose top-level keys are all distinct (no forged duplicate key),
//!   `event` first;
//! - every value equals an independent model of the format: itself up to
//!   256 bytes, else `{"cut","bytes","sha256"}`; withheld arguments
//!   `{"bytes","sha256"}`; when `"fitted":"digests"`, each array is
//!   `{"count","bytes","sha256"}` of its elements each followed by NUL;
//!   when `"fitted":"minimal"`, only event, id, time, caller, action,
//!   repeated, exit and duration remain;
//! - `time` is RFC 3339 UTC with milliseconds and denotes the time given
//!   (checked with an independent days-from-civil computation);
//! - `json_str` alone gives a JSON string equal to its input;
//! - the other one-line output, `ErrorClass::line` (SPEC's
//!   `execward: CLASS: MESSAGE` on stderr), has no control or invisible
//!   character for any message, starts with `execward: ` and keeps a
//!   message without such characters unchanged.
#![no_main]

use std::fmt;
use std::time::{Duration, UNIX_EPOCH};

use execward::__private::audit::json_str;
use execward::audit::{Caller, Event, ExitRecord, OutputRecord, Record, MAX_RECORD};
use execward::sandbox::{Limits, SandboxReport};
use execward::{ErrorClass, Status};
use execward_fuzz::{is_control, is_spec_invisible};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value;

#[derive(Debug, Arbitrary)]
struct Input {
    event: u8,
    action: String,
    args: Vec<String>,
    /// The arguments are repeated this many times (mod 64): records over
    /// 8 KiB that must be fitted.
    repeat: u8,
    args_withheld: bool,
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
    repeated: u32,
    output: Option<(u64, bool, u64)>,
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

/// A value as the record must hold it (an independent model of the
/// format): itself up to 256 bytes, else its first 256 bytes (to a
/// character boundary) with length and SHA-256; withheld: length and
/// SHA-256 only.
fn model(v: &str, withheld: bool) -> Value {
    let sha = execward::audit::sha256_hex(v.as_bytes());
    if withheld {
        return serde_json::json!({"bytes": v.len(), "sha256": sha});
    }
    if v.len() <= 256 {
        return Value::String(v.to_string());
    }
    let mut end = 256;
    while !v.is_char_boundary(end) {
        end -= 1;
    }
    serde_json::json!({"cut": &v[..end], "bytes": v.len(), "sha256": sha})
}

fn models(items: &[String], withheld: bool) -> Value {
    Value::Array(items.iter().map(|s| model(s, withheld)).collect())
}

/// The digest form of a whole array.
fn digest(items: &[String]) -> Value {
    let mut all = Vec::new();
    for s in items {
        all.extend_from_slice(s.as_bytes());
        all.push(0);
    }
    let bytes: usize = items.iter().map(|s| s.len()).sum();
    serde_json::json!({"count": items.len(), "bytes": bytes, "sha256": execward::audit::sha256_hex(&all)})
}

fuzz_target!(|input: Input| {
    // Up to 9999-12-31T23:59:59 (four-digit years).
    let seconds = input.seconds % 253_402_300_800;
    let millis = input.millis % 1000;
    let event = match input.event % 3 {
        0 => Event::Allowed,
        1 => Event::Denied,
        _ => Event::End,
    };
    let mut args = Vec::new();
    for _ in 0..=(input.repeat % 64) {
        args.extend(input.args.iter().cloned());
    }
    let caller = Caller::new(input.caller_uid, input.caller_name.clone());
    let mut record = Record::new(event, "0123456789abcdef", caller, &input.action, args.clone());
    record.time = UNIX_EPOCH + Duration::from_secs(seconds) + Duration::from_millis(millis.into());
    record.args_withheld = input.args_withheld;
    record.reason = input.reason.clone();
    record.argv = input.argv.clone();
    record.repeated = input.repeated.into();
    record.pid = Some(input.caller_uid ^ 0x5555);
    record.exit = Some(match &input.exit_error {
        Some(e) => ExitRecord::Error(e.clone()),
        None => ExitRecord::Status(Status::Exited(input.caller_uid as i32)),
    });
    record.duration = input.duration_ms.map(|ms| Duration::from_millis(ms.into()));
    record.output = input.output.map(|(bytes, truncated, unread)| {
        let mut o = OutputRecord::default();
        o.bytes = bytes;
        o.truncated = truncated;
        o.unread = unread;
        o
    });
    let mut sandbox = SandboxReport::default();
    sandbox.landlock_abi = Some(6);
    sandbox.landlock = true;
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
    let line = record.to_json();
    assert!(line.len() < MAX_RECORD, "a record of {} bytes", line.len());
    assert_eq!(line, record.to_json(), "not deterministic");
    if let Some(c) = line.chars().find(|&c| is_control(c) || is_spec_invisible(c)) {
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
    assert_eq!(keys[0], "event", "{line}");

    assert_eq!(v["event"].as_str(), Some(event.as_str()), "{line}");
    assert_eq!(v["id"].as_str(), Some("0123456789abcdef"), "{line}");
    assert_eq!(v["action"], model(&input.action, false), "{line}");
    assert_eq!(v["caller"]["uid"].as_u64(), Some(u64::from(input.caller_uid)));
    check_time(v["time"].as_str().expect("time"), seconds, millis);
    if let Some(e) = &input.exit_error {
        assert_eq!(v["exit"]["error"], model(e, false), "{line}");
    }
    assert_eq!(v["duration_ms"].as_u64(), input.duration_ms.map(u64::from), "{line}");
    let fitted = v.get("fitted").map(|f| f.as_str().expect("fitted is a string"));
    if fitted == Some("minimal") {
        for k in &keys {
            assert!(
                ["event", "id", "time", "caller", "action", "repeated", "exit", "duration_ms", "fitted"]
                    .contains(&k.as_str()),
                "{k} in a minimal record: {line}"
            );
        }
        return;
    }
    assert_eq!(v["caller"]["name"], input.caller_name.as_deref().map_or(Value::Null, |n| model(n, false)), "{line}");
    let array = |items: &[String], withheld: bool| match fitted {
        None => models(items, withheld),
        Some("digests") => digest(items),
        Some(other) => panic!("fitted {other:?}: {line}"),
    };
    if event != Event::End || !args.is_empty() {
        assert_eq!(v["args"], array(&args, input.args_withheld), "{line}");
    }
    match &input.reason {
        Some(r) => assert_eq!(v["reason"], model(r, false), "{line}"),
        None => assert!(v.get("reason").is_none(), "{line}"),
    }
    match &input.argv {
        Some(a) => assert_eq!(v["argv"], array(a, false), "{line}"),
        None => assert!(v.get("argv").is_none(), "{line}"),
    }
    assert_eq!(v["sandbox"]["seccomp"], input.seccomp.as_deref().map_or(Value::Null, |s| model(s, false)), "{line}");
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
    assert_eq!(v["sandbox"]["containment"], model(&input.action, false), "{line}");
    assert_eq!(v["sandbox"]["missing"], array(&input.missing, false), "{line}");
    if input.repeated > 0 {
        assert_eq!(v["repeated"].as_u64(), Some(u64::from(input.repeated)), "{line}");
    }
    if let Some((bytes, truncated, unread)) = input.output {
        assert_eq!(v["output"], serde_json::json!({"bytes": bytes, "truncated": truncated, "unread": unread}), "{line}");
    }

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
        assert!(
            !l.chars().any(|c| is_control(c) || is_spec_invisible(c)),
            "{class:?}: control or invisible character in {l:?}"
        );
        if msg.chars().all(|c| c.is_alphanumeric() || c.is_ascii_punctuation() || c == ' ') {
            assert!(l.ends_with(msg), "{class:?}: {msg:?} changed in {l:?}");
        }
    }

    let mut s = String::new();
    json_str(&mut s, &input.action);
    assert_eq!(serde_json::from_str::<String>(&s).ok().as_deref(), Some(input.action.as_str()));
});
