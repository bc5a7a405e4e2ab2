//! Binding caller arguments to an action ([`Action::bind`]): validation,
//! the leading-`-` rule, and rendering argv, stdin and per-request `fs`
//! rules into a [`Bound`] request, which becomes a [`Command`].
//!
//! The one left-to-right filling of placeholders by caller arguments
//! (`argument_slots`) serves both binding and [`Action::secret_positions`].

use std::fmt;
use std::ops::Range;
use std::path::PathBuf;

use crate::command::Command;
use crate::policy::{Action, FsPath, StdinSpec};
use crate::sandbox::{FsAccess, SandboxSpec};
use crate::stdio::Stdin;
use crate::template::{Arity, Piece};
use crate::value::{show_value, Validated, ValueError};

/// The most caller arguments one request may carry.
pub const MAX_ARGS: usize = 1024;

/// The outcome of binding: everything a run needs from the caller's
/// arguments.
#[derive(Clone)]
#[non_exhaustive]
pub struct Bound<'a> {
    /// The action.
    pub action: &'a Action,
    /// The complete argv (program first).
    pub argv: Vec<String>,
    /// The bytes the child reads on stdin (from a `stdin` template), if any.
    /// May hold secrets: never printed.
    pub stdin: Option<Vec<u8>>,
    /// The resolved `fs` rules of this request.
    pub fs: FsAccess,
    /// For the audit log and `explain`: each placeholder's name and shown
    /// values (`"***"` for secrets).
    pub shown: Vec<(String, Vec<String>)>,
}

impl fmt::Debug for Bound<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bound")
            .field("action", &self.action.name)
            .field("argv", &self.argv)
            .field("stdin", &self.stdin.as_ref().map(|_| "<redacted>"))
            .field("fs", &self.fs)
            .field("shown", &self.shown)
            .finish()
    }
}

impl Action {
    /// Validates `args` against this action's placeholders and renders the
    /// argv, stdin and `fs` rules of the request.
    ///
    /// # Errors
    /// A [`ValueError`] naming the argument, its placeholder and the rule.
    pub fn bind<A: AsRef<[u8]>>(&self, args: &[A]) -> Result<Bound<'_>, ValueError> {
        if args.len() > MAX_ARGS {
            return Err(ValueError {
                index: MAX_ARGS + 1,
                name: None,
                shown: None,
                reason: format!("too many arguments (at most {MAX_ARGS})"),
            });
        }
        let nholes = self.template.placeholders().len();
        let mut values: Vec<Vec<Validated>> = Vec::with_capacity(self.params.len());
        let mut next = 0;
        let slots = argument_slots(self, args.len());
        for ((pi, p), slot) in self.params.iter().enumerate().zip(slots) {
            if slot.end > args.len() {
                return Err(ValueError {
                    index: slot.start + 1,
                    name: Some(p.name.clone()),
                    shown: None,
                    reason: "is missing".into(),
                });
            }
            let take = slot.len();
            let mut vs = Vec::with_capacity(take);
            for raw in &args[next..next + take] {
                let raw = raw.as_ref();
                let index = next + vs.len() + 1;
                let shown = || {
                    Some(if p.ty.is_secret() {
                        "\"***\"".to_string()
                    } else {
                        show_value(raw)
                    })
                };
                let v = p.ty.validate(raw).map_err(|r| ValueError {
                    index,
                    name: Some(p.name.clone()),
                    shown: shown(),
                    reason: r.0,
                })?;
                if pi < nholes && v.value.starts_with('-') && self.template.dash_guarded(pi) {
                    return Err(ValueError {
                        index,
                        name: Some(p.name.clone()),
                        shown: shown(),
                        reason: "starts with `-` and would be read as an option (the template has no `--` before it)".into(),
                    });
                }
                vs.push(v);
            }
            next += take;
            values.push(vs);
        }
        if next < args.len() {
            let most = self.params.iter().any(|p| p.arity == Arity::Variadic);
            let reason = if most {
                "is unexpected".to_string()
            } else {
                format!(
                    "is unexpected: {} takes at most {} argument{}",
                    self.name,
                    next,
                    if next == 1 { "" } else { "s" }
                )
            };
            return Err(ValueError {
                index: next + 1,
                name: None,
                shown: Some(show_value(args[next].as_ref())),
                reason,
            });
        }

        let texts: Vec<Vec<String>> = values
            .iter()
            .map(|vs| vs.iter().map(|v| v.value.clone()).collect())
            .collect();
        let argv = self.template.render(&texts[..nholes]);
        let stdin = match &self.stdin {
            StdinSpec::Template(pieces) => {
                let mut s = String::new();
                for piece in pieces {
                    match piece {
                        Piece::Lit(t) => s.push_str(t),
                        Piece::Hole(h) => {
                            if let Some(v) = texts.get(*h).and_then(|v| v.first()) {
                                s.push_str(v)
                            }
                        }
                    }
                }
                s.push('\n');
                Some(s.into_bytes())
            }
            _ => None,
        };
        let resolve = |paths: &[FsPath]| -> Vec<PathBuf> {
            let mut out = Vec::new();
            for fp in paths {
                match fp {
                    FsPath::Path(p) => out.push(p.clone()),
                    FsPath::Param(name) => {
                        if let Some(i) = self.params.iter().position(|p| &p.name == name) {
                            for v in &values[i] {
                                out.push(v.path.clone().unwrap_or_else(|| PathBuf::from(&v.value)));
                            }
                        }
                    }
                }
            }
            out
        };
        let fs = FsAccess {
            read: match &self.fs.read {
                None => FsAccess::default_policy().read,
                Some(r) => resolve(r),
            },
            write: resolve(&self.fs.write),
            exec: resolve(&self.fs.exec),
        };
        let shown = self
            .params
            .iter()
            .zip(&values)
            .map(|(p, vs)| {
                let shown = vs
                    .iter()
                    .map(|v| {
                        if p.ty.is_secret() {
                            "***".to_string()
                        } else {
                            v.value.clone()
                        }
                    })
                    .collect();
                (p.name.clone(), shown)
            })
            .collect();
        Ok(Bound {
            action: self,
            argv,
            stdin,
            fs,
            shown,
        })
    }
}

impl Action {
    /// For each of `nargs` caller arguments, whether it would be bound to
    /// a `secret` placeholder (so an audit record never holds it), by the
    /// same left-to-right filling as [`Action::bind`], whether or not the
    /// arguments are valid.
    pub fn secret_positions(&self, nargs: usize) -> Vec<bool> {
        let mut out = vec![false; nargs];
        for (p, slot) in self.params.iter().zip(argument_slots(self, nargs)) {
            for secret in out.iter_mut().take(slot.end).skip(slot.start) {
                *secret = p.ty.is_secret();
            }
        }
        out
    }
}

/// Which of `nargs` caller arguments each placeholder of `action` takes,
/// in order: [`Arity::One`] the next one, [`Arity::Optional`] the next one
/// if there is one, [`Arity::Variadic`] all that are left (at least one).
/// A range that ends past `nargs` means the placeholder's argument is
/// missing.
fn argument_slots(action: &Action, nargs: usize) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut next = 0;
    action.params.iter().map(move |p| {
        let take = match p.arity {
            Arity::One => 1,
            Arity::Optional => usize::from(next < nargs),
            Arity::Variadic => nargs.saturating_sub(next).max(1),
        };
        let slot = next..next + take;
        next = slot.end;
        slot
    })
}

impl Bound<'_> {
    /// The [`Command`] that runs this request with every option of the
    /// action. An action without a `stdin` line reads `/dev/null`; see
    /// [`Bound::command_with_default_stdin`].
    pub fn command(&self) -> Command {
        self.command_with_default_stdin(Stdin::Null)
    }

    /// Like [`Bound::command`], with `unset` as the child's stdin when the
    /// action has no `stdin` line (`execward run` passes its own stdin).
    pub fn command_with_default_stdin(&self, unset: Stdin) -> Command {
        let a = self.action;
        let mut c = Command::new(&self.argv[0]);
        c.args(&self.argv[1..]);
        for (k, v) in &a.env {
            c.env(k, v);
        }
        c.current_dir(&a.cwd);
        c.stdin(match (&a.stdin, &self.stdin) {
            (StdinSpec::Inherit, _) => Stdin::Inherit,
            (StdinSpec::Unset, _) => unset,
            (_, Some(bytes)) => Stdin::Secret(bytes.clone()),
            _ => Stdin::Null,
        });
        c.timeout(a.timeout);
        c.limits(a.limits);
        c.sandbox(SandboxSpec {
            fs: self.fs.clone(),
            net: a.net.clone(),
            seccomp: a.seccomp.clone(),
            mode: a.sandbox,
            caps: a.caps,
        });
        if let Some(r) = &a.run_as {
            c.run_as(&r.user, r.group.as_deref());
        }
        c
    }
}
