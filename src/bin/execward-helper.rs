//! `execward-helper`: the setuid-root front end (SPEC "execward-helper").
//!
//! Not part of this build yet: it refuses every request with status 125
//! until its hardened entry sequence (environment, descriptors, limits,
//! signals, policy ownership checks, caller identity) has landed.

use std::process::ExitCode;

fn main() -> ExitCode {
    eprintln!("execward: denied: execward-helper is not available in this build yet");
    ExitCode::from(125)
}
