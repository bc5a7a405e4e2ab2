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
}

impl std::fmt::Debug for Stdin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stdin::Null => f.write_str("Null"),
            Stdin::Inherit => f.write_str("Inherit"),
            Stdin::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
            Stdin::Secret(_) => f.write_str("Secret(***)"),
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
}
