//! Binding caller arguments to an action: validation, the leading-`-`
//! rule, and rendering argv, stdin and per-request `fs` rules.

use std::fmt;
use std::path::PathBuf;

use crate::command::{Command, Stdin};
use crate::policy::{Action, FsPath, StdinSpec};
use crate::sandbox::{FsAccess, SandboxSpec};
use crate::template::{Arity, Piece};
use crate::value::Validated;

/// The most caller arguments one request may carry.
pub const MAX_ARGS: usize = 1024;

/// A refused caller argument. Displays as SPEC's
/// `invalid argument N (NAME): "VALUE" REASON`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ValueError {
    /// 1-based index of the caller argument.
    pub index: usize,
    /// The placeholder it was bound to (`None` for an extra argument).
    pub name: Option<String>,
    /// The value as shown: escaped, shortened, `"***"` for secrets; `None`
    /// when the argument is missing.
    pub shown: Option<String>,
    /// Why it was refused.
    pub reason: String,
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // An argument beyond the placeholders has no name: SPEC's form is
        // kept with `(extra)`.
        write!(
            f,
            "invalid argument {} ({})",
            self.index,
            self.name.as_deref().unwrap_or("extra")
        )?;
        f.write_str(":")?;
        if let Some(shown) = &self.shown {
            write!(f, " {shown}")?;
        }
        write!(f, " {}", self.reason)
    }
}

/// The longest prefix of a value shown in an error message.
const SHOW_MAX: usize = 80;

/// Shows a caller value safely on one line: quoted, every control,
/// invisible or text-direction character and every non-UTF-8 byte escaped
/// (`\u{..}`, `\x..`), shortened past 80 characters.
pub fn show_value(raw: &[u8]) -> String {
    show(raw, Some(SHOW_MAX))
}

/// Like [`show_value`] but never shortened (`explain` prints the exact
/// argv).
pub fn show_value_full(raw: &[u8]) -> String {
    show(raw, None)
}

fn show(raw: &[u8], max: Option<usize>) -> String {
    let mut out = String::from("\"");
    let mut count = 0;
    for chunk in raw.utf8_chunks() {
        for c in chunk.valid().chars() {
            if Some(count) == max {
                out.push_str("\"...");
                return out;
            }
            count += 1;
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                c if c.is_control() || crate::value::is_invisible(c) => {
                    out.push_str(&c.escape_unicode().to_string())
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            if Some(count) == max {
                out.push_str("\"...");
                return out;
            }
            count += 1;
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out.push('"');
    out
}

/// The outcome of binding: everything a run needs from the caller's
/// arguments.
#[derive(Clone)]
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
        for (pi, p) in self.params.iter().enumerate() {
            let take = match p.arity {
                Arity::One | Arity::Variadic if next >= args.len() => {
                    return Err(ValueError {
                        index: next + 1,
                        name: Some(p.name.clone()),
                        shown: None,
                        reason: "is missing".into(),
                    })
                }
                Arity::One => 1,
                Arity::Optional => usize::from(next < args.len()),
                Arity::Variadic => args.len() - next,
            };
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
        });
        if let Some(r) = &a.run_as {
            c.run_as(&r.user, r.group.as_deref());
        }
        c
    }
}
