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
//! # Layers
//!
//! Each module imports only modules below it (the full map, with the
//! reasons, is in `docs/architecture.md`):
//!
//! | layer | modules | what they hold |
//! | --- | --- | --- |
//! | front ends | `bin/execward.rs`, `bin/execward-helper.rs`, `helper` (private) | the CLI; the setuid helper's entry hardening, trusted policy read and `allow` rules |
//! | request | `request` (private) | one request end to end, as both binaries run it |
//! | binding | [`bind`] | caller values checked against an action, rendered into a [`Command`] |
//! | builder | [`command`] | the `std::process::Command`-like builder |
//! | errors | [`error`] | the top-level [`Error`]; every exit status and message class |
//! | run | [`plan`], `explain`, `launch`, [`supervise`], `tokio` | the immutable plan and its `explain` text; starting a child; waiting for it (blocking, async) |
//! | records | [`audit`] | audit records and sinks |
//! | plain data | [`identity`], `stdio`, `spec`, `outcome` | ids and names; stdin/output settings; a command's data; a run's result |
//! | policy | [`policy`], [`template`] | the policy model, parser and `Display`; argv templates |
//! | foundations | [`value`], [`sandbox`], `lex`, `sys` | validators and [`ValueError`]; Landlock/seccomp/limits prepared; the policy lexer; every `unsafe` block and the post-fork sequence |
//!
//! Every `unsafe` block lives in one private module (`sys`), which holds
//! the post-fork sequence: raw system calls only, no allocation, no locks.
//! The crate denies `unsafe_code` everywhere else.
#![deny(unsafe_code)]
#![warn(missing_docs)]

// Foundations: import nothing above them.
mod json;
mod lex;
mod safe_open;
pub mod sandbox;
#[allow(unsafe_code)] // the one module where `unsafe` is allowed
mod sys;
pub mod value;
// Plain data.
pub mod identity;
mod outcome;
mod spec;
mod stdio;
// The policy.
pub mod policy;
pub mod template;
// The run path: plan, explain, launch, supervise.
pub mod explain;
mod launch;
pub mod plan;
pub mod stream;
pub mod supervise;
#[cfg(feature = "tokio")]
pub mod tokio;
// Records, errors, the builder, binding, requests, the helper.
pub mod audit;
pub mod bind;
pub mod command;
pub mod error;
mod helper;
mod request;

pub use bind::Bound;
pub use command::{Command, Output, Stdin};
pub use error::{Error, ErrorClass, ErrorCode, Fault, PublicError};
pub use explain::Explanation;
pub use identity::{Identity, Ids, RunAs, UserGroup};
pub use plan::{Plan, PlanError};
pub use policy::{Action, Policy, PolicyError};
pub use sandbox::{
    Caps, ExecMode, FsAccess, Limits, NetAccess, SandboxMode, SandboxReport, SandboxSpec,
    SeccompProfile, SeccompSpec,
};
pub use stream::{ChildOutput, ChildStdin, StreamKind};
pub use supervise::{Child, Outcome, RunError, Status};
pub use template::Template;
pub use value::ValueError;

/// Not public API: what the binaries, the tests, the benchmarks and the
/// fuzz targets of this repository reach inside the crate for. Nothing
/// here is stable; it may change in any release.
#[doc(hidden)]
pub mod __private {
    /// The setuid helper's `main` (`src/bin/execward-helper.rs`).
    pub use crate::helper::main as helper_main;

    /// The JSON form of results (`execward ... --json`).
    pub mod json {
        pub use crate::json::{Json, ToJson};
    }

    /// The policy lexer (tests and the `lex` fuzz target).
    pub mod lex {
        pub use crate::lex::*;
    }

    /// One request end to end (`src/bin/execward.rs`).
    pub mod request {
        pub use crate::request::*;
    }

    /// The audit record's JSON and time encoders (the `audit_json` fuzz
    /// target).
    pub mod audit {
        pub use crate::audit::json::{json_str, rfc3339};
    }

    /// The sandbox's preparation steps (tests).
    pub mod sandbox {
        /// Process-tree containment.
        pub mod containment {
            pub use crate::sandbox::containment::*;
        }
        /// The ELF interpreter closure of a program.
        pub mod elf {
            pub use crate::sandbox::elf::*;
        }
        /// The Landlock ruleset.
        pub mod landlock {
            pub use crate::sandbox::landlock::*;
        }
        /// seccomp profiles compiled to BPF.
        pub mod seccomp {
            pub use crate::sandbox::seccomp::*;
        }
    }
}
