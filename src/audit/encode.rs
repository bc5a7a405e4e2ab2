//! A [`Record`] as one bounded line of JSON.
//!
//! Each recorded value (a string the caller, the policy or the system
//! chose) is written as a JSON string when it is at most [`MAX_VALUE`]
//! bytes, and otherwise as `{"cut":PREFIX,"bytes":N,"sha256":HEX}`: the
//! longest prefix of at most [`MAX_VALUE`] bytes that ends at a character
//! boundary, the full length and the SHA-256 of the whole value. Arguments
//! of a request refused for its size are `{"bytes":N,"sha256":HEX}`, with
//! no content at all.
//!
//! A record longer than [`MAX_RECORD`] (newline included) is encoded again
//! with less, deterministically, until it fits:
//!
//! 1. every value cut as above;
//! 2. `"fitted":"digests"`: the arrays (`args`, `argv`, `sandbox.missing`,
//!    `refused`) each replaced by `{"count":N,"bytes":B,"sha256":HEX}`,
//!    the digest of its elements each followed by a NUL byte (`printf
//!    '%s\0' "$@" | sha256sum` gives it);
//! 3. `"fitted":"minimal"`: event, id, time, caller uid, action, and for an
//!    end record its exit and duration; nothing else.
//!
//! Step 3 holds at most a few values of at most [`MAX_VALUE`] bytes each,
//! escaped to at most six bytes per byte, so it always fits.

use std::fmt::Write as _;

use super::json::{json_str, rfc3339};
use super::sha256::{hex, Sha256};
use super::{ExitRecord, Record, MAX_RECORD, MAX_VALUE};
use crate::outcome::Status;

/// How much of a record is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fit {
    Full,
    Digests,
    Minimal,
}

pub(super) fn encode(record: &Record) -> String {
    for fit in [Fit::Full, Fit::Digests] {
        let line = encode_at(record, fit);
        if line.len() < MAX_RECORD {
            return line;
        }
    }
    encode_at(record, Fit::Minimal)
}

/// The longest prefix of `s` of at most `max` bytes that ends at a
/// character boundary.
pub(crate) fn prefix(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Appends one recorded value: a string, or the cut form.
fn value(o: &mut String, s: &str) {
    if s.len() <= MAX_VALUE {
        json_str(o, s);
        return;
    }
    o.push_str("{\"cut\":");
    json_str(o, prefix(s, MAX_VALUE));
    let _ = write!(
        o,
        ",\"bytes\":{},\"sha256\":\"{}\"}}",
        s.len(),
        super::sha256_hex(s.as_bytes())
    );
}

/// Appends a value's length and digest only.
fn withheld(o: &mut String, s: &str) {
    let _ = write!(
        o,
        "{{\"bytes\":{},\"sha256\":\"{}\"}}",
        s.len(),
        super::sha256_hex(s.as_bytes())
    );
}

/// Appends an array of values in the form `fit` asks for.
fn array(o: &mut String, items: &[String], fit: Fit, contents: bool) {
    if fit != Fit::Full {
        let mut h = Sha256::new();
        let mut bytes = 0u64;
        for s in items {
            h.update(s.as_bytes());
            h.update(&[0]);
            bytes += s.len() as u64;
        }
        let _ = write!(
            o,
            "{{\"count\":{},\"bytes\":{bytes},\"sha256\":\"{}\"}}",
            items.len(),
            hex(&h.finish())
        );
        return;
    }
    o.push('[');
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            o.push(',');
        }
        if contents {
            value(o, s);
        } else {
            withheld(o, s);
        }
    }
    o.push(']');
}

fn key(o: &mut String, k: &str) {
    o.push(',');
    o.push('"');
    o.push_str(k);
    o.push_str("\":");
}

fn exit(o: &mut String, e: &ExitRecord) {
    key(o, "exit");
    match e {
        ExitRecord::Status(Status::Exited(c)) => {
            let _ = write!(o, "{{\"status\":{c}}}");
        }
        ExitRecord::Status(Status::Signaled(s)) => {
            let _ = write!(o, "{{\"signal\":{s}}}");
        }
        ExitRecord::Status(Status::TimedOut) => o.push_str("{\"timeout\":true}"),
        ExitRecord::Cancelled => o.push_str("{\"cancelled\":true}"),
        ExitRecord::Error(m) => {
            o.push_str("{\"error\":");
            value(o, m);
            o.push('}');
        }
    }
}

fn encode_at(r: &Record, fit: Fit) -> String {
    let mut o = String::with_capacity(512);
    o.push_str("{\"event\":");
    json_str(&mut o, r.event.as_str());
    key(&mut o, "id");
    value(&mut o, &r.id);
    key(&mut o, "time");
    json_str(&mut o, &rfc3339(r.time));
    let _ = write!(o, ",\"caller\":{{\"uid\":{}", r.caller.uid);
    if fit != Fit::Minimal {
        if let Some(n) = &r.caller.name {
            key(&mut o, "name");
            value(&mut o, n);
        }
    }
    o.push('}');
    key(&mut o, "action");
    value(&mut o, &r.action);
    if fit == Fit::Minimal {
        if r.repeated > 0 {
            let _ = write!(o, ",\"repeated\":{}", r.repeated);
        }
        if let Some(e) = &r.exit {
            exit(&mut o, e);
        }
        if let Some(d) = r.duration {
            let _ = write!(o, ",\"duration_ms\":{}", d.as_millis());
        }
        o.push_str(",\"fitted\":\"minimal\"}");
        return o;
    }
    if r.event != super::Event::End || !r.args.is_empty() {
        key(&mut o, "args");
        array(&mut o, &r.args, fit, !r.args_withheld);
    }
    if r.args_withheld {
        o.push_str(",\"args_withheld\":true");
    }
    if let Some(reason) = &r.reason {
        key(&mut o, "reason");
        value(&mut o, reason);
    }
    if let Some(argv) = &r.argv {
        key(&mut o, "argv");
        array(&mut o, argv, fit, true);
    }
    if let Some(t) = r.timeout {
        let _ = write!(o, ",\"timeout_ms\":{}", t.as_millis());
    }
    if let Some(s) = &r.sandbox {
        o.push_str(",\"sandbox\":{\"landlock_abi\":");
        match s.landlock_abi {
            Some(a) if s.landlock => {
                let _ = write!(o, "{a}");
            }
            _ => o.push_str("null"),
        }
        let _ = write!(
            o,
            ",\"landlock_net\":{},\"landlock_scopes\":{}",
            s.landlock_net, s.landlock_scopes
        );
        key(&mut o, "seccomp");
        match &s.seccomp {
            Some(p) => value(&mut o, p),
            None => o.push_str("null"),
        }
        key(&mut o, "containment");
        value(&mut o, &s.containment);
        key(&mut o, "processes");
        value(&mut o, &s.processes);
        if let Some(l) = &r.limits {
            let opt = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_else(|| "null".into());
            let _ = write!(
                o,
                ",\"limits\":{{\"cpu\":{},\"as\":{},\"nproc\":{},\"nofile\":{},\"fsize\":{},\"output\":{}}}",
                opt(l.cpu),
                opt(l.address_space),
                opt(l.nproc),
                opt(l.nofile),
                opt(l.fsize),
                l.output
            );
        }
        let _ = write!(o, ",\"memfd_noexec\":{}", s.memfd_noexec);
        let _ = write!(o, ",\"ipc_namespace\":{}", s.ipc_namespace);
        let _ = write!(o, ",\"exec_once\":{}", s.exec_once);
        if let Some(caps) = s.root_caps {
            key(&mut o, "root_caps");
            value(&mut o, &caps.to_string());
        }
        key(&mut o, "missing");
        array(&mut o, &s.missing, fit, true);
        o.push('}');
    }
    if r.repeated > 0 {
        let _ = write!(o, ",\"repeated\":{}", r.repeated);
    }
    if let Some(pid) = r.pid {
        let _ = write!(o, ",\"pid\":{pid}");
    }
    if let Some(e) = &r.exit {
        exit(&mut o, e);
    }
    if let Some(d) = r.duration {
        let _ = write!(o, ",\"duration_ms\":{}", d.as_millis());
    }
    if let Some(out) = &r.output {
        let _ = write!(
            o,
            ",\"output\":{{\"bytes\":{},\"truncated\":{},\"unread\":{}}}",
            out.bytes, out.truncated, out.unread
        );
    }
    if let Some(refused) = &r.refused {
        key(&mut o, "refused");
        array(&mut o, refused, fit, true);
    }
    if fit == Fit::Digests {
        o.push_str(",\"fitted\":\"digests\"");
    }
    o.push('}');
    o
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::{Caller, Event, OutputRecord};
    use super::*;
    use crate::sandbox::SandboxReport;

    fn denied(args: Vec<String>) -> Record {
        Record::new(
            Event::Denied,
            "0123456789abcdef",
            Caller::new(65534, Some("nobody".into())),
            "uid",
            args,
        )
    }

    #[test]
    fn a_short_value_is_a_string_and_a_long_one_is_cut_with_length_and_digest() {
        let mut r = denied(vec!["a".into(), "é".repeat(200)]);
        r.reason = Some("r".into());
        let j = r.to_json();
        let cut = "é".repeat(128);
        let want = format!(
            r#""args":["a",{{"cut":"{cut}","bytes":400,"sha256":"{}"}}]"#,
            super::super::sha256_hex("é".repeat(200).as_bytes())
        );
        assert!(j.contains(&want), "{j}");
        assert_eq!(prefix("aé", 2), "a");
    }

    #[test]
    fn twelve_arguments_of_100_kb_fit_in_8_kib() {
        let args: Vec<String> = (0..12).map(|i| format!("q{i}").repeat(50_000)).collect();
        let mut r = denied(args.clone());
        let j = r.to_json();
        assert!(j.len() < MAX_RECORD, "{}", j.len());
        assert!(!j.contains("fitted"), "per-value cuts suffice: {j}");
        r.args_withheld = true;
        let j = r.to_json();
        assert!(!j.contains("q0"), "withheld arguments show no content: {j}");
        assert!(j.contains(r#"{"bytes":100000,"sha256":""#), "{j}");
    }

    #[test]
    fn records_that_would_be_too_long_are_fitted_deterministically() {
        // 1024 arguments of 256 control characters: 1.5 MB escaped.
        let args: Vec<String> = (0..1024).map(|_| "\u{1}".repeat(256)).collect();
        let r = denied(args.clone());
        let j = r.to_json();
        assert!(j.len() < MAX_RECORD, "{}", j.len());
        assert!(j.contains(r#""fitted":"digests""#), "{j}");
        assert!(
            j.contains(r#""args":{"count":1024,"bytes":262144,"sha256":""#),
            "{j}"
        );
        assert_eq!(j, r.to_json());
        // Every string field as long and as escaped as can be.
        let worst = "\u{1}".repeat(4000);
        let mut r = denied(args);
        r.event = Event::End;
        r.action = worst.clone();
        r.reason = Some(worst.clone());
        r.caller.name = Some(worst.clone());
        r.exit = Some(ExitRecord::Error(worst.clone()));
        r.sandbox = Some(SandboxReport {
            seccomp: Some(worst.clone()),
            containment: worst.clone(),
            ..SandboxReport::default()
        });
        r.output = Some(OutputRecord::default());
        r.duration = Some(Duration::from_millis(5));
        let j = r.to_json();
        assert!(j.len() < MAX_RECORD, "{}", j.len());
        assert!(j.contains(r#""fitted":"minimal""#), "{j}");
        assert!(j.contains(r#""duration_ms":5"#), "{j}");
    }
}
