//! execward: run OS commands without ever handing an attacker a shell.
//!
//! A web control panel or an ops tool names, in a root-owned policy, the
//! few actions it may run. execward turns a request (an action name and
//! caller arguments) into one confined process:
//!
//! - **argv only**: a template word is one argv element whatever the value
//!   holds; there is no shell, no `PATH` search, no string splitting at run
//!   time ([`template`], [`bind`]);
//! - **typed values**: every argument passes a validator (`enum`, `uint`,
//!   `user`, `domain`, `path beneath=`, ...) before it can reach a child, and
//!   a value starting with `-` never lands where a program would read it as
//!   an option ([`value`]);
//! - **a sandboxed child**: Landlock (read, write and execute rules,
//!   including rules computed from this request's validated paths; TCP
//!   ports; abstract-socket and signal scopes), a seccomp filter,
//!   resource limits, a privilege drop, no controlling terminal, and a PID
//!   namespace so nothing the action starts outlives it ([`sandbox`]);
//! - **an audit record** for every request, allowed or denied ([`audit`]).
//!
//! ```no_run
//! use execward::Policy;
//!
//! let policy = Policy::parse(r#"
//! type service = enum nginx postfix
//! action reload = /usr/bin/systemctl reload -- {svc:service}
//!     net unix
//!     timeout 30s
//! "#).map_err(|d| format!("{d:?}"))?;
//!
//! let reload = policy.action("reload")?;
//! let out = reload.bind(&["nginx"])?.command().output()?;   // runs, sandboxed
//! assert!(reload.bind(&["nginx; id"]).is_err());             // refused, nothing runs
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Module map
//!
//! | module | what it does |
//! | --- | --- |
//! | [`policy`] | the policy model, its parser (with `file:line:col` diagnostics) and `Display` |
//! | [`lex`] | POSIX-quote word splitting with columns (equals `shell_words::split`) |
//! | [`template`] | argv templates and placeholders |
//! | [`value`] | the built-in value types and their validators |
//! | [`bind`] | binding caller values to an action: argv, stdin, per-request `fs` rules |
//! | [`command`] | a `std::process::Command`-like builder |
//! | [`plan`] | the immutable execution plan, built before any process exists |
//! | [`sandbox`] | Landlock ruleset, seccomp BPF, limits, containment, kernel probe |
//! | [`supervise`] | waiting, timeouts, output caps, killing the process tree |
//! | `tokio` | the async front end (feature `tokio`) |
//! | [`audit`] | audit records and sinks |
//! | [`request`] | one request end to end, as both binaries run it |
//! | [`helper`] | `execward-helper`: the setuid entry hardening, the trusted policy read, the caller and its `allow` rules |
//! | [`error`] | the top-level error and SPEC's exit codes and message classes |
//!
//! Every `unsafe` block lives in one private module (`sys`), which holds
//! the post-fork sequence: raw system calls only, no allocation, no locks.
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod audit;
pub mod bind;
pub mod command;
pub mod error;
pub mod helper;
pub mod lex;
pub mod plan;
pub mod policy;
pub mod request;
pub mod sandbox;
pub mod supervise;
#[allow(unsafe_code)] // the one module where `unsafe` is allowed
mod sys;
pub mod template;
#[cfg(feature = "tokio")]
pub mod tokio;
pub mod value;

pub use bind::{Bound, ValueError};
pub use command::{Command, Credentials, Output, Stdin};
pub use error::{Error, ErrorClass};
pub use plan::{Plan, PlanError};
pub use policy::{Action, Policy, PolicyError};
pub use sandbox::{
    FsAccess, Limits, NetAccess, SandboxMode, SandboxReport, SandboxSpec, SeccompProfile,
    SeccompSpec,
};
pub use supervise::{Child, Outcome, RunError, Status};
pub use template::Template;
