//! `execward-helper`: the setuid-root front end (SPEC "execward-helper").
//!
//! A web backend running as an unprivileged user (`www-data`) execs the
//! helper to run one of the few privileged actions a root-owned policy
//! names. The helper is the only place where execward crosses a privilege
//! boundary, so it starts from nothing the caller controls, trusts only a
//! root-owned policy at a path fixed at build time, decides with the same
//! engine as the CLI ([`crate::request::execute`]), and records every
//! request.
//!
//! ```text
//! execward-helper ACTION [ARG...]     run ACTION if the policy allows this caller
//! execward-helper --list              the actions this caller may run
//! ```
//!
//! # What the caller controls, and the order of the defences
//!
//! Whoever execs a setuid program chooses its argv (even an empty one), its
//! environment, its open descriptors (0–2 closed, extra ones open), every
//! resource limit, ignored and blocked signals, the umask and the working
//! directory, the `no_new_privs` flag, and can signal it at any time (its
//! real uid is still the caller's). [`main`] takes these away in this
//! order; each step names the attack it stops.
//!
//! **Before anything else, needing no privilege** ([`entry::enter`]): these
//! cost nothing and protect even the refusal paths below, which write a
//! message and must do so with no caller environment in effect, no core
//! dump possible, and onto a standard descriptor rather than into a file
//! the helper opened.
//!
//! 1. *A panic hook with a fixed message* that exits 125: a panic never
//!    prints a backtrace or addresses, whatever `RUST_BACKTRACE` said.
//! 2. *No core dumps*: `PR_SET_DUMPABLE 0` and `RLIMIT_CORE` 0, first,
//!    because every later step can be made to crash by the caller
//!    (limits, descriptors) and the memory soon holds the policy. A
//!    non-dumpable process cannot be ptraced or read through
//!    `/proc/PID/mem` by the caller either. (The setuid exec already made
//!    it non-dumpable; this does not depend on that.)
//! 3. *The environment is cleared* (`clearenv`) and never read: before any
//!    library routine that consults it runs (NSS lookups, syslog's time
//!    zone, locale and iconv code). The loader already dropped `LD_*`,
//!    `GCONV_PATH` and the like, but not `TZ=/etc/shadow`, `RUST_*`,
//!    `BASH_FUNC_*`, duplicates of `PATH` or anything a module may read
//!    (the PwnKit chain ended in an environment variable). The policy path
//!    is a compile-time constant, so `EXECWARD_POLICY` in the caller's
//!    environment means nothing; the child's environment is built from the
//!    policy alone.
//! 4. *Descriptors 0–2 made valid* (`/dev/null` on each closed one) before
//!    the helper opens anything: otherwise its first `open` would return
//!    2, and error messages would be written into the policy or the audit
//!    log (the classic setuid fd-reuse bug). *Every other descriptor is
//!    closed* (`close_range(3, ~0)`): the caller's descriptors are of no use
//!    to the helper, must not reach a child running as someone else, and
//!    closing them before any open means the helper never closes its own.
//! 5. *argv*: `argc == 0` is refused (PwnKit read `argv[1]` and got
//!    `envp[0]`), and so is an empty `argv[0]`, which is how kernels since
//!    5.18 deliver `argc == 0` (a single empty argument) and how a launcher
//!    that hides its name looks. The arguments are read through
//!    `std::env::args_os` only after the count is checked, and `argv[0]` is
//!    never used for anything else.
//!
//! **Then, the privilege check** ([`entry::require_root`]): the effective
//! uid must be 0. When `no_new_privs` is set the kernel silently ignores
//! the setuid bit (so do `nosuid` mounts and user namespaces); a helper that
//! carried on would act, unprivileged, on whatever the caller arranged, so
//! it refuses and says which of the two it saw. Nothing below runs, and no
//! file is opened, for such a caller.
//!
//! **Then, with root, the rest of the process state**
//! ([`entry::enter_privileged`]):
//!
//! 6. *The effective and saved gid become 0* (the real gid stays the
//!    caller's): files the helper creates (the audit log) belong to
//!    `root:root`, not to the caller's group. The gid change makes the
//!    kernel reset the dumpable flag, so step 2's flag is set again.
//! 7. *Resource limits* are raised: `RLIMIT_FSIZE`, `RLIMIT_CPU`,
//!    `RLIMIT_AS`, `RLIMIT_DATA` unlimited, `RLIMIT_STACK` 8 MiB (hard
//!    unlimited), `RLIMIT_NOFILE` 1024; root may raise hard limits when it
//!    holds `CAP_SYS_RESOURCE`, otherwise the soft limit goes up to the hard
//!    one. A caller's `prlimit --fsize=1` would otherwise kill the helper
//!    with `SIGXFSZ` in the middle of an audit write, or cut a record short
//!    (a cut line glues onto the next record), so `RLIMIT_FSIZE` *must* end
//!    up unlimited or the request is refused. The child's limits come from
//!    the policy (and are no higher than the helper's hard limits).
//! 8. *Signals*: every disposition back to the default and an empty mask.
//!    An inherited `SIG_IGN` for `SIGCHLD` would make the kernel reap the
//!    child itself (the exit status would be lost); a blocked `SIGTERM` or
//!    `SIGALRM` breaks timeouts; and ignored signals survive `execve` into
//!    a child. Then `SIGPIPE` and `SIGXFSZ` are ignored for the helper's
//!    own writes (a reader of the caller's stdout that went away must not
//!    kill the helper before its audit record is written); the post-fork
//!    sequence resets every disposition to the default again, so these
//!    never reach the action.
//! 9. *umask 022 and `chdir("/")`*: an inherited umask 000 would make the
//!    audit log world-writable on creation; the caller's working directory
//!    may sit on a file system it controls. The helper uses no relative
//!    path.
//! 10. *`fs.suid_dumpable` must not be 1*: the action's child drops to the
//!     caller's uid while it still shares the helper's memory (it is made
//!     with `CLONE_VM`, until `execve`); the kernel then sets that memory's
//!     dumpable flag from this setting, and with 1 the caller could ptrace
//!     the child in that window and write into the root helper.
//!
//! **Then the request**: the caller's identity ([`Ids::real`], the
//! real uid, real gid and `getgroups`), the policy read through one checked
//! descriptor ([`policy_file`]), the audit sink opened (a log that cannot
//! be opened refuses the request before anything runs), and the decision,
//! made by [`crate::request::execute`] with the `allow` check
//! ([`caller::AllowCheck`]). An action without `run-as` runs as the caller
//! (uid, gid, supplementary groups), never as root; the post-fork sequence
//! verifies the drop (`getresuid`/`getresgid`, regaining root fails).
//!
//! # Decisions where SPEC is silent
//!
//! - **No `allow` line: nobody** may run the action through the helper,
//!   root included: root is not special, it needs an `allow` line (e.g.
//!   `allow uid=0`) like anyone else.
//! - **`allow user=NAME`/`group=NAME`** are resolved to ids through NSS when
//!   a request is decided (with the environment cleared): `user=` matches
//!   when the caller's real uid is that user's uid, `group=` when the
//!   caller's real gid or one of its supplementary groups is that group's
//!   gid. A name that does not resolve matches nobody.
//! - **An unknown action and an action the caller may not run look the
//!   same** to the caller (`execward: denied: there is no action "X" that
//!   uid N may run`, status 125), so the helper is no oracle for the
//!   policy's contents; the audit record holds the real reason.
//! - **`--list`** shows only the actions this caller may run, and is not
//!   audited (it runs nothing).
//! - **Stdin**: an action without a `stdin` line reads `/dev/null` through
//!   the helper (the CLI passes its own stdin); only `stdin inherit` hands
//!   the child the caller's descriptor 0 (a terminal, say).
//! - **Policy file**: a symlink anywhere in the path is refused (every
//!   component is opened with `O_NOFOLLOW` and checked with `fstat` on that
//!   descriptor); every directory must be owned by root and not writable by
//!   group or others (a sticky world-writable directory like `/tmp` too);
//!   the file must be a regular file owned by root, not writable by group
//!   or others, with one link only (a second name could live in a directory
//!   nobody checked), at most 1 MiB, not empty (an empty file is what an
//!   interrupted rewrite leaves; a policy that allows nothing is a comment
//!   line), ending with a newline, and unchanged while read (size, mtime,
//!   ctime, inode and device equal before and after, bytes read equal to
//!   the size).
//! - **Policy errors** are reported to the caller as one line with the
//!   number of errors and the first line number, never policy text (a
//!   policy may be mode 0600); the first diagnostic goes to syslog.
//! - **Audit**: the policy's `audit` line decides; **no `audit` line means
//!   syslog** (a setuid helper must leave a trace); `audit none` is root's
//!   explicit choice and is honoured. `audit file PATH` is opened before
//!   anything runs: no symlink in the path; directories owned by root and
//!   not writable by others (group-writable is allowed for distributions
//!   whose `/var/log` is `root:syslog 0775`); the file regular, owned by
//!   root, not writable by group or others, one link only; created 0600.
//! - **Refusals that no audit record can hold** (before the policy is read,
//!   an untrusted policy, an audit log that cannot be opened) go to syslog
//!   as one line.
//! - **Message classes**: caller-side refusals (privileges, limits, not
//!   allowed) are `denied:`, policy and audit-log problems `policy:`,
//!   command-line problems `usage:`, `fs.suid_dumpable` `sandbox:`.
//!
//! # Known limits
//!
//! The caller remains able to signal the helper (its real uid is the
//! caller's): `SIGKILL` cancels the action (the child dies with the helper,
//! through its parent-death signal), and `SIGSTOP` suspends the helper's
//! supervision, so the wall-clock timeout is not enforced while it is
//! stopped (`RLIMIT_CPU` still is). The `allowed` record is written before
//! the child exists, but the `end` record of a request whose helper was
//! killed is missing.

pub mod caller;
pub mod entry;
pub mod policy_file;

use std::ffi::OsString;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::process::ExitCode;

use crate::audit::{Caller, Sink};
use crate::error::{Error, ErrorClass};
use crate::policy::{AuditTarget, Policy, PolicyError};
use crate::request::{self, RequestOptions};
use crate::stdio::{Output, Stdin};

use crate::identity::Ids;
use caller::AllowCheck;

/// The policy path, fixed when the binary was built (`build.rs`).
pub const POLICY_PATH: &str = env!("EXECWARD_HELPER_POLICY");

const USAGE: &str = "usage:
  execward-helper ACTION [ARG...]
  execward-helper --list";

/// Why the helper refused before or outside [`request::execute`]: a class
/// word and one line of text; always status 125.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// SPEC's message class.
    pub class: ErrorClass,
    /// The message (one line).
    pub message: String,
}

impl Refusal {
    pub(crate) fn new(class: ErrorClass, message: impl Into<String>) -> Refusal {
        Refusal {
            class,
            message: message.into(),
        }
    }

    pub(crate) fn denied(message: impl Into<String>) -> Refusal {
        Refusal::new(ErrorClass::Denied, message)
    }

    pub(crate) fn policy(message: impl Into<String>) -> Refusal {
        Refusal::new(ErrorClass::Policy, message)
    }

    pub(crate) fn usage(message: impl Into<String>) -> Refusal {
        Refusal::new(ErrorClass::Usage, message)
    }

    /// `execward: CLASS: MESSAGE`, one line ([`ErrorClass::line`]).
    pub fn render(&self) -> String {
        self.class.line(&self.message)
    }
}

/// What the caller asked for.
#[derive(Debug, PartialEq, Eq)]
enum Request {
    Run { action: String, args: Vec<OsString> },
    List,
    Help,
    Version,
}

fn parse_command(args: &[OsString]) -> Result<Request, Refusal> {
    let Some(first) = args.first() else {
        return Err(Refusal::usage(
            "missing ACTION (run `execward-helper --help`)",
        ));
    };
    let rest = &args[1..];
    let only = |r: Request| {
        if rest.is_empty() {
            Ok(r)
        } else {
            Err(Refusal::usage(format!(
                "{} takes no arguments",
                String::from_utf8_lossy(first.as_bytes())
            )))
        }
    };
    match first.as_bytes() {
        b"--list" => only(Request::List),
        b"--help" | b"-h" => only(Request::Help),
        b"--version" | b"-V" => only(Request::Version),
        a if a.starts_with(b"-") => Err(Refusal::usage(format!(
            "unknown option {:?} (run `execward-helper --help`)",
            String::from_utf8_lossy(a)
        ))),
        a => Ok(Request::Run {
            action: String::from_utf8_lossy(a).into_owned(),
            args: rest.to_vec(),
        }),
    }
}

/// The audit sink the policy asks for; no `audit` line means syslog.
fn open_sink(policy: &Policy) -> Result<Sink, Refusal> {
    match &policy.audit {
        AuditTarget::File(path) => {
            // The effective uid is root: a root-owned log in root-owned
            // directories.
            Sink::file(path).map_err(|e| Refusal::policy(e.to_string()))
        }
        AuditTarget::Syslog | AuditTarget::Unset => Ok(Sink::Syslog),
        AuditTarget::None => Ok(Sink::None),
    }
}

/// Sends one line about a refusal no audit record holds to syslog
/// (`LOG_AUTHPRIV`); caller-chosen text in it is escaped.
fn syslog_refusal(uid: u32, refusal: &Refusal) {
    let mut reason = String::new();
    crate::audit::json_str(&mut reason, &refusal.render());
    crate::sys::syslog(&format!(
        "execward-helper: refused a request of uid {uid}: {reason}"
    ));
}

/// The helper's `main`: runs one request and returns its exit status.
pub fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|_| {
        let _ = writeln!(
            std::io::stderr(),
            "execward: exec: internal error; the request was abandoned"
        );
        std::process::exit(125);
    }));
    let uid = nix::unistd::getuid().as_raw();
    match run() {
        Ok(code) => code,
        Err(refusal) => {
            let _ = writeln!(std::io::stderr(), "{}", refusal.render());
            // syslog formats a time stamp, which reads `TZ`: only once the
            // caller's environment is gone.
            if entry::environment_cleared() {
                syslog_refusal(uid, &refusal);
            }
            ExitCode::from(125)
        }
    }
}

fn run() -> Result<ExitCode, Refusal> {
    entry::enter()?;
    let args = entry::checked_args()?;
    entry::require_root()?;
    let caller =
        Ids::real().map_err(|e| Refusal::new(ErrorClass::Exec, format!("getgroups: {e}")))?;
    entry::enter_privileged(caller.gid)?;

    match parse_command(&args[1..])? {
        Request::Help => {
            println!(
                "execward-helper {}: run the actions of {POLICY_PATH} that this caller may run\n\n{USAGE}",
                env!("CARGO_PKG_VERSION")
            );
            Ok(ExitCode::SUCCESS)
        }
        Request::Version => {
            println!("execward-helper {}", env!("CARGO_PKG_VERSION"));
            Ok(ExitCode::SUCCESS)
        }
        Request::List => {
            let policy = policy_file::load(POLICY_PATH)?;
            let check = AllowCheck::new(&caller);
            let mut out = std::io::stdout().lock();
            for a in policy.actions.iter().filter(|a| check.check(a).is_ok()) {
                let _ = out.write_all(a.list_entry().as_bytes());
            }
            let _ = out.flush();
            Ok(ExitCode::SUCCESS)
        }
        Request::Run { action, args } => {
            let policy = policy_file::load(POLICY_PATH)?;
            let mut sink = open_sink(&policy)?;
            Ok(run_action(&policy, &mut sink, &caller, &action, &args))
        }
    }
}

/// Decides and runs one request through the shared engine. Every outcome,
/// allowed or denied, has its audit record by the time this returns.
fn run_action(
    policy: &Policy,
    sink: &mut Sink,
    caller: &Ids,
    action: &str,
    args: &[OsString],
) -> ExitCode {
    let check = AllowCheck::new(caller);
    let allow = |a: &crate::policy::Action| check.check(a);
    let result = request::execute(
        policy,
        action,
        args,
        sink,
        &Caller::of_uid(caller.uid),
        Some(&allow),
        RequestOptions {
            output: Output::Forward,
            // Without a `stdin` line the child reads nothing: the caller's
            // descriptor (a terminal, say) only reaches an action that
            // says `stdin inherit`.
            default_stdin: Stdin::Null,
            default_run_as: Some(caller.clone()),
        },
    );
    let result = result.and_then(|f| {
        if let Some(e) = &f.end_not_recorded {
            let _ = writeln!(
                std::io::stderr(),
                "{}",
                ErrorClass::Sandbox.line(&format!(
                    "the action ran, but its end was not recorded: {e}"
                ))
            );
        }
        f.result.map_err(Error::Run)
    });
    match result {
        Ok(out) => {
            if out.truncated {
                let limit = policy.action(action).map(|a| a.limits.output).unwrap_or(0);
                let _ = writeln!(
                    std::io::stderr(),
                    "execward: note: output truncated: the child wrote {} bytes, the limit is {limit}",
                    out.output_bytes
                );
            }
            ExitCode::from(out.exit_code().clamp(0, 255) as u8)
        }
        // Not allowed and no such action read the same: the helper is no
        // oracle for what the policy holds. The record has the real reason.
        Err(Error::Denied(_)) | Err(Error::Policy(PolicyError::UnknownAction(_))) => {
            let r = Refusal::denied(format!(
                "there is no action {action:?} that uid {} may run",
                caller.uid
            ));
            let _ = writeln!(std::io::stderr(), "{}", r.render());
            ExitCode::from(125)
        }
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "{}", e.render());
            ExitCode::from(e.exit_code().clamp(0, 255) as u8)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    #[test]
    fn command_line() {
        assert_eq!(parse_command(&args(&["--list"])), Ok(Request::List));
        assert_eq!(
            parse_command(&args(&["reload", "--", "-x"])),
            Ok(Request::Run {
                action: "reload".into(),
                args: args(&["--", "-x"])
            })
        );
        for bad in [&[][..], &["--list", "x"][..], &["--policy=/tmp/p", "x"][..]] {
            let e = parse_command(&args(bad)).unwrap_err();
            assert_eq!(e.class, ErrorClass::Usage, "{bad:?}");
        }
    }

    #[test]
    fn a_refusal_is_one_line() {
        let r = Refusal::denied("a\nb\rc");
        assert_eq!(r.render(), "execward: denied: a\\u{a}b\\u{d}c");
    }

    #[test]
    fn the_policy_path_is_absolute() {
        assert!(POLICY_PATH.starts_with('/'));
    }
}
