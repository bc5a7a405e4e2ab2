//! What a finished run gives back: how the child ended ([`Status`]) and
//! the [`Outcome`] of the whole run. Plain data; the exit status
//! each maps to is in [`crate::error`].

use std::time::Duration;

use crate::json::{Json, ToJson};
use crate::sandbox::SandboxReport;

/// How the child ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Status {
    /// It exited with this code.
    Exited(i32),
    /// It was killed by this signal.
    Signaled(i32),
    /// Its time limit ran out and its process tree was killed.
    TimedOut,
}

impl Status {
    /// True if the child exited with code 0.
    pub fn success(&self) -> bool {
        *self == Status::Exited(0)
    }
}

/// The result of a finished run.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Outcome {
    /// How it ended.
    pub status: Status,
    /// Captured stdout (empty unless [`Output::Capture`](crate::Output::Capture)).
    pub stdout: Vec<u8>,
    /// Captured stderr (empty unless [`Output::Capture`](crate::Output::Capture)).
    pub stderr: Vec<u8>,
    /// True if output beyond the `output` limit was discarded.
    pub truncated: bool,
    /// Total bytes the child wrote to stdout and stderr.
    pub output_bytes: u64,
    /// Wall-clock time from spawn to the end.
    pub duration: Duration,
    /// The child's pid (in the caller's PID namespace).
    pub pid: u32,
    /// What was enforced.
    pub sandbox: SandboxReport,
}

impl ToJson for Status {
    /// `{"kind":"exited","code":0}`, `{"kind":"signaled","signal":9}` or
    /// `{"kind":"timed_out"}`.
    fn to_json(&self) -> Json {
        match self {
            Status::Exited(c) => Json::Obj(vec![
                ("kind", Json::str("exited")),
                ("code", Json::Int((*c).into())),
            ]),
            Status::Signaled(sig) => Json::Obj(vec![
                ("kind", Json::str("signaled")),
                ("signal", Json::Int((*sig).into())),
            ]),
            Status::TimedOut => Json::Obj(vec![("kind", Json::str("timed_out"))]),
        }
    }
}

impl ToJson for Outcome {
    /// `status`, `exit_code` (the status as an exit status: the code,
    /// 128+N, 124), `stdout`/`stderr` (as text, invalid UTF-8 replaced by
    /// U+FFFD; empty unless captured), `truncated`, `output_bytes`,
    /// `duration_ms`, `pid`, `sandbox`.
    fn to_json(&self) -> Json {
        Json::Obj(vec![
            ("status", self.status.to_json()),
            ("exit_code", Json::Int(self.exit_code().into())),
            ("stdout", Json::str(String::from_utf8_lossy(&self.stdout))),
            ("stderr", Json::str(String::from_utf8_lossy(&self.stderr))),
            ("truncated", Json::Bool(self.truncated)),
            ("output_bytes", Json::UInt(self.output_bytes)),
            ("duration_ms", Json::UInt(self.duration.as_millis() as u64)),
            ("pid", Json::UInt(self.pid.into())),
            ("sandbox", self.sandbox.to_json()),
        ])
    }
}

crate::json::serialize_as_json!(Status, Outcome);
