//! The policy parser (to be written).

use super::{Diagnostic, Policy};

/// The largest policy file, in bytes.
pub const MAX_POLICY_SIZE: usize = 1 << 20;
/// The longest line, in bytes.
pub const MAX_LINE_LEN: usize = 64 << 10;
/// The most actions in one policy.
pub const MAX_ACTIONS: usize = 10_000;
/// The most named types in one policy.
pub const MAX_TYPES: usize = 1_000;

pub(super) fn parse(_src: &str) -> Result<Policy, Vec<Diagnostic>> {
    Err(vec![Diagnostic {
        line: 1,
        col: 1,
        message: "not implemented".into(),
    }])
}

pub(super) fn parse_bytes(src: &[u8]) -> Result<Policy, Vec<Diagnostic>> {
    match std::str::from_utf8(src) {
        Ok(s) => parse(s),
        Err(_) => Err(vec![Diagnostic {
            line: 1,
            col: 1,
            message: "not UTF-8".into(),
        }]),
    }
}
