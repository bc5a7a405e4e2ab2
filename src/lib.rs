//! execward: run OS commands without ever handing an attacker a shell.
#![forbid(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

pub mod sandbox;
pub mod value;
pub mod lex;
pub mod template;
pub mod policy;
