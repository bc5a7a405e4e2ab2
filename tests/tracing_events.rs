//! Feature `tracing`: a span `execward.run` per run with the action, the
//! decision, the status and the duration (also for a child supervised by
//! its watchdog thread), and an event for each refusal, none of which
//! shows a secret.
#![cfg(feature = "tracing")]

mod common;

use std::sync::{Arc, Mutex};

use execward::{Output, Policy};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Every span (name and fields) and event (fields) seen, as text.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<String>>>);

struct Fields(String);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!(" {}={:?}", field.name(), value));
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut f = Fields(format!("span {}", span.metadata().name()));
        span.record(&mut f);
        let mut all = self.0.lock().unwrap();
        all.push(f.0);
        Id::from_u64(all.len() as u64)
    }
    fn record(&self, _: &Id, values: &Record<'_>) {
        let mut f = Fields("record".into());
        values.record(&mut f);
        self.0.lock().unwrap().push(f.0);
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut f = Fields(format!("event {}", event.metadata().level()));
        event.record(&mut f);
        self.0.lock().unwrap().push(f.0);
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[test]
fn spans_and_refusal_events() {
    if !common::need_sandbox(1) {
        return;
    }
    let rec = Recorder::default();
    let policy = Policy::parse(
        "type svc = enum nginx postfix\naction greet = /usr/bin/printf %s {svc:svc}\naction pw = /usr/bin/cat\n    stdin \"{u:user}:{pw:secret}\"\n",
    )
    .unwrap();
    tracing::subscriber::with_default(rec.clone(), || {
        let greet = policy.action("greet").unwrap();
        let out = greet.bind(&["nginx"]).unwrap().command().output().unwrap();
        assert!(out.status.success());
        // A streaming run: ended on the watchdog thread.
        let mut c = greet.bind(&["postfix"]).unwrap().command();
        c.stdout(Output::Piped);
        let mut child = c.spawn().unwrap();
        let mut s = String::new();
        std::io::Read::read_to_string(&mut child.take_stdout().unwrap(), &mut s).unwrap();
        child.wait().unwrap();
        assert!(greet.bind(&["nginx; id"]).is_err());
        assert!(policy.action("nope").is_err());
        let pw = policy.action("pw").unwrap();
        assert!(pw.bind(&["-x", "hunter2"]).is_err());
    });
    let all = rec.0.lock().unwrap().join("\n");
    println!("{all}");
    let runs = all.matches("span execward.run action=\"greet\"").count();
    assert_eq!(runs, 2, "{all}");
    assert!(all.contains("decision=\"allowed\""), "{all}");
    assert_eq!(all.matches("record status=exited 0").count(), 2, "{all}");
    assert!(all.contains("duration_ms="), "{all}");
    assert!(all.contains("event WARN message=execward: refused an argument action=greet decision=\"denied\" code=\"invalid_argument\" argument_index=1 argument_name=\"svc\""), "{all}");
    assert!(all.contains("code=\"unknown_action\""), "{all}");
    assert!(all.contains("argument_name=\"u\""), "{all}");
    assert!(!all.contains("hunter2"), "a secret reached a trace: {all}");
}
