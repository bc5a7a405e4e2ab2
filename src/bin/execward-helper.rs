//! `execward-helper`: the setuid-root front end (SPEC "execward-helper").
//!
//! Everything, from the first instruction on, happens in
//! the library's `helper` module (`src/helper/mod.rs`); see it for the
//! hardening sequence and its reasons.

use std::process::ExitCode;

fn main() -> ExitCode {
    execward::__private::helper_main()
}
