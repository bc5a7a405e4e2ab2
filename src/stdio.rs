//! Where the child's standard streams come from and go to: plain settings,
//! read by the plan, the launcher and the supervisor.

/// What the child reads.
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum Stdin {
    /// `/dev/null` (the default).
    #[default]
    Null,
    /// The caller's own standard input.
    Inherit,
    /// These bytes, then end of file (at most 1 MiB).
    Bytes(Vec<u8>),
    /// Like [`Stdin::Bytes`], but never shown (`explain`, `Debug`).
    Secret(Vec<u8>),
    /// A pipe the caller writes ([`Child::take_stdin`](crate::Child::take_stdin)):
    /// any amount, streamed. The child is then supervised by a watchdog
    /// thread from its start, so its time limit holds while the caller
    /// writes.
    Piped,
}

impl std::fmt::Debug for Stdin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stdin::Null => f.write_str("Null"),
            Stdin::Inherit => f.write_str("Inherit"),
            Stdin::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
            Stdin::Secret(_) => f.write_str("Secret(***)"),
            Stdin::Piped => f.write_str("Piped"),
        }
    }
}

/// Where the child's stdout or stderr goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Output {
    /// Collected into [`Outcome::stdout`](crate::Outcome::stdout)/
    /// [`Outcome::stderr`](crate::Outcome::stderr) (the
    /// default), within the `output` limit.
    #[default]
    Capture,
    /// Copied to this process's own stdout/stderr as it arrives, within the
    /// `output` limit. The child never holds our descriptor.
    Forward,
    /// Discarded.
    Null,
    /// Relayed to a reader the caller takes with
    /// [`Child::take_stdout`](crate::Child::take_stdout) /
    /// [`Child::take_stderr`](crate::Child::take_stderr), within the
    /// `output` limit (then end of file). The child is supervised by a
    /// watchdog thread from its start, so the time and output limits hold
    /// whether or not the caller reads; memory stays bounded however much
    /// it writes (see [`crate::stream`]).
    Piped,
}
