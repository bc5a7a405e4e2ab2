//! execward: run OS commands without ever handing an attacker a shell.
#![forbid(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

pub mod audit;
pub mod bind;
pub mod command;
pub mod error;
pub mod lex;
pub mod plan;
pub mod policy;
pub mod request;
pub mod sandbox;
pub mod supervise;
mod sys;
pub mod template;
#[cfg(feature = "tokio")]
pub mod tokio;
pub mod value;

pub use bind::{Bound, ValueError};
pub use command::{Command, Output, Stdin};
pub use error::{Error, ErrorClass};
pub use plan::{Plan, PlanError};
pub use policy::{Action, Policy, PolicyError};
pub use sandbox::{
    FsAccess, Limits, NetAccess, SandboxMode, SandboxReport, SandboxSpec, SeccompProfile,
    SeccompSpec,
};
pub use supervise::{Child, Outcome, RunError, Status};
pub use template::Template;
