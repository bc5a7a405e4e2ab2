//! `execward-helper`: the setuid-root front end (SPEC "execward-helper").
//!
//! Everything, from the first instruction on, happens in
//! [`execward::helper::main`]; see that module for the hardening sequence
//! and its reasons.

use std::process::ExitCode;

fn main() -> ExitCode {
    execward::helper::main()
}
