//! What a finished run gives back: how the child ended ([`Status`]) and
//! the [`Outcome`] of the whole run. Plain data; the exit status
//! each maps to is in [`crate::error`].

use std::time::Duration;

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
