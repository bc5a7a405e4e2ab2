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

/// What the caller gave one placeholder: its values, each with its 1-based
/// argument index, or nothing where it needed something.
enum Given {
    Values(Vec<(usize, Vec<u8>)>),
    Missing(usize),
}

/// One or more values of a named argument ([`Action::bind_named`]): a
/// string (one value), `Option` (none or one), a slice, array or `Vec` of
/// strings (several, for a `{name:type...}` placeholder).
pub trait ArgValues {
    /// Appends the values, in order.
    fn append_to(&self, out: &mut Vec<Vec<u8>>);
}

impl ArgValues for str {
    fn append_to(&self, out: &mut Vec<Vec<u8>>) {
        out.push(self.as_bytes().to_vec());
    }
}

impl ArgValues for String {
    fn append_to(&self, out: &mut Vec<Vec<u8>>) {
        self.as_str().append_to(out)
    }
}

impl ArgValues for std::ffi::OsStr {
    fn append_to(&self, out: &mut Vec<Vec<u8>>) {
        use std::os::unix::ffi::OsStrExt;
        out.push(self.as_bytes().to_vec());
    }
}

impl ArgValues for std::ffi::OsString {
    fn append_to(&self, out: &mut Vec<Vec<u8>>) {
        self.as_os_str().append_to(out)
    }
}

impl<T: ArgValues + ?Sized> ArgValues for &T {
    fn append_to(&self, out: &mut Vec<Vec<u8>>) {
        (**self).append_to(out)
    }
}

impl<T: ArgValues> ArgValues for Option<T> {
    fn append_to(&self, out: &mut Vec<Vec<u8>>) {
        if let Some(v) = self {
            v.append_to(out)
        }
    }
}

impl<T: ArgValues> ArgValues for [T] {
    fn append_to(&self, out: &mut Vec<Vec<u8>>) {
        for v in self {
            v.append_to(out)
        }
    }
}

impl<T: ArgValues, const N: usize> ArgValues for [T; N] {
    fn append_to(&self, out: &mut Vec<Vec<u8>>) {
        self.as_slice().append_to(out)
    }
}

impl<T: ArgValues> ArgValues for Vec<T> {
    fn append_to(&self, out: &mut Vec<Vec<u8>>) {
        self.as_slice().append_to(out)
    }
}

fn too_many_arguments() -> ValueError {
    ValueError {
        index: MAX_ARGS + 1,
        name: None,
        shown: None,
        reason: format!("too many arguments (at most {MAX_ARGS})"),
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
            return self.refused(too_many_arguments());
        }
        let mut given = Vec::with_capacity(self.params.len());
        let mut next = 0;
        for slot in argument_slots(self, args.len()) {
            if slot.end > args.len() {
                given.push(Given::Missing(slot.start + 1));
                break;
            }
            let vs = (slot.start..slot.end)
                .map(|i| (i + 1, args[i].as_ref().to_vec()))
                .collect();
            given.push(Given::Values(vs));
            next = slot.end;
        }
        let extra = (next < args.len()).then(|| {
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
            ValueError {
                index: next + 1,
                name: None,
                shown: Some(show_value(args[next].as_ref())),
                reason,
            }
        });
        self.bind_given(given, extra)
    }

    /// Like [`Action::bind`], with the arguments by placeholder name rather
    /// than by position, so a handler does not order them by hand:
    ///
    /// ```
    /// # let policy = execward::Policy::parse("type svc = enum nginx postfix\naction reload = /usr/bin/systemctl reload -- {svc:svc} {n:uint?}\n").unwrap();
    /// let bound = policy.action("reload")?.bind_named([("svc", "nginx")])?;
    /// assert_eq!(bound.argv, ["/usr/bin/systemctl", "reload", "--", "nginx"]);
    /// # Ok::<(), execward::Error>(())
    /// ```
    ///
    /// A name may come from any map (`HashMap<String, String>`,
    /// `BTreeMap<&str, Vec<String>>`, an array of pairs); a value is one
    /// string, an `Option` (absent when `None`), or a list (several values
    /// for a `{name:type...}` placeholder; a name given twice adds values).
    /// An optional placeholder may be left out even when a later one is
    /// given. Argument indexes in errors count the values in placeholder
    /// order.
    ///
    /// # Errors
    /// As [`Action::bind`]; also a name that is no placeholder of the
    /// action (`unexpected_argument`), and several values for a placeholder
    /// that takes one.
    pub fn bind_named<I, K, V>(&self, args: I) -> Result<Bound<'_>, ValueError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: ArgValues,
    {
        let mut by_param: Vec<Vec<Vec<u8>>> = vec![Vec::new(); self.params.len()];
        let mut unknown: Option<String> = None;
        let mut total = 0usize;
        for (k, v) in args {
            let name = k.as_ref();
            let mut vs = Vec::new();
            v.append_to(&mut vs);
            total = total.saturating_add(vs.len());
            if total > MAX_ARGS {
                return self.refused(too_many_arguments());
            }
            match self.params.iter().position(|p| p.name == name) {
                Some(i) => by_param[i].extend(vs),
                None if unknown.is_none() => unknown = Some(name.to_string()),
                None => {}
            }
        }
        let mut given = Vec::with_capacity(self.params.len());
        let mut index = 1;
        for (p, vs) in self.params.iter().zip(by_param) {
            let n = vs.len();
            let allowed = match p.arity {
                Arity::One => n == 1,
                Arity::Optional => n <= 1,
                Arity::Variadic => n >= 1,
            };
            if n == 0 && !allowed {
                given.push(Given::Missing(index));
                break;
            }
            if !allowed {
                return self.refused(ValueError {
                    index: index + 1,
                    name: Some(p.name.clone()),
                    shown: None,
                    reason: format!("is given {n} values; `{}` takes one", p.name),
                });
            }
            given.push(Given::Values(
                vs.into_iter()
                    .enumerate()
                    .map(|(i, v)| (index + i, v))
                    .collect(),
            ));
            index += n;
        }
        let extra = unknown.map(|name| ValueError {
            index,
            name: None,
            shown: Some(show_value(name.as_bytes())),
            reason: format!("names no placeholder of action {}", self.name),
        });
        self.bind_given(given, extra)
    }

    /// Like [`Action::bind_named`], with the arguments taken from the
    /// fields of `args` (cargo feature `serde`): a struct or map whose
    /// fields are named after the placeholders. A string, number or
    /// boolean is one value, `None`/`null` leaves the field out, a list of
    /// those is several values.
    ///
    /// ```
    /// #[derive(serde::Serialize)]
    /// struct Reload<'a> { svc: &'a str, n: Option<u32> }
    /// # let policy = execward::Policy::parse("type svc = enum nginx postfix\naction reload = /usr/bin/systemctl reload -- {svc:svc} {n:uint?}\n").unwrap();
    /// let bound = policy.action("reload")?.bind_serde(&Reload { svc: "nginx", n: Some(2) })?;
    /// assert_eq!(bound.argv, ["/usr/bin/systemctl", "reload", "--", "nginx", "2"]);
    /// # Ok::<(), execward::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Action::bind_named`]; also `args` that is not a struct or map,
    /// or a field holding a nested object or list of lists.
    #[cfg(feature = "serde")]
    pub fn bind_serde<T: serde::Serialize + ?Sized>(
        &self,
        args: &T,
    ) -> Result<Bound<'_>, ValueError> {
        use serde_json::Value;
        let not_bindable = |index: usize, name: Option<String>, reason: String| ValueError {
            index,
            name,
            shown: None,
            reason,
        };
        let map = match serde_json::to_value(args) {
            Ok(Value::Object(map)) => map,
            Ok(_) => {
                return self.refused(not_bindable(
                    1,
                    None,
                    "cannot be bound: the arguments must be a struct or a map".into(),
                ))
            }
            Err(e) => return self.refused(not_bindable(1, None, format!("cannot be bound: {e}"))),
        };
        fn scalar(v: &Value) -> Option<String> {
            match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                Value::Bool(b) => Some(b.to_string()),
                _ => None,
            }
        }
        let mut pairs: Vec<(String, Vec<String>)> = Vec::with_capacity(map.len());
        for (name, v) in map {
            let values = match &v {
                Value::Null => Vec::new(),
                Value::Array(items) => items
                    .iter()
                    .map(scalar)
                    .collect::<Option<Vec<String>>>()
                    .ok_or(())
                    .or_else(|()| {
                        self.refused(not_bindable(
                            1,
                            Some(name.clone()),
                            "cannot be bound: a list may hold only strings, numbers and booleans"
                                .into(),
                        ))
                    })?,
                other => match scalar(other) {
                    Some(s) => vec![s],
                    None => {
                        return self.refused(not_bindable(
                            1,
                            Some(name),
                            "cannot be bound: a nested object".into(),
                        ))
                    }
                },
            };
            pairs.push((name, values));
        }
        self.bind_named(pairs)
    }

    /// Reports a refused request (feature `tracing`) and returns it.
    fn refused<T>(&self, e: ValueError) -> Result<T, ValueError> {
        #[cfg(feature = "tracing")]
        tracing::warn!(
            target: "execward",
            action = %self.name,
            decision = "denied",
            code = e.code().as_str(),
            argument_index = e.index,
            argument_name = e.name.as_deref().unwrap_or(""),
            reason = %e.reason,
            "execward: refused an argument"
        );
        Err(e)
    }

    /// Validates what the caller gave each placeholder, in placeholder
    /// order, then `extra` (an argument that no placeholder takes), and
    /// renders the request.
    fn bind_given(
        &self,
        given: Vec<Given>,
        extra: Option<ValueError>,
    ) -> Result<Bound<'_>, ValueError> {
        let nholes = self.template.placeholders().len();
        let mut values: Vec<Vec<Validated>> = Vec::with_capacity(self.params.len());
        for ((pi, p), g) in self.params.iter().enumerate().zip(given) {
            let raws = match g {
                Given::Missing(index) => {
                    return self.refused(ValueError {
                        index,
                        name: Some(p.name.clone()),
                        shown: None,
                        reason: "is missing".into(),
                    })
                }
                Given::Values(raws) => raws,
            };
            let mut vs = Vec::with_capacity(raws.len());
            for (index, raw) in raws {
                let shown = || {
                    Some(if p.ty.is_secret() {
                        "\"***\"".to_string()
                    } else {
                        show_value(&raw)
                    })
                };
                let v = match p.ty.validate(&raw) {
                    Ok(v) => v,
                    Err(r) => {
                        return self.refused(ValueError {
                            index,
                            name: Some(p.name.clone()),
                            shown: shown(),
                            reason: r.0,
                        })
                    }
                };
                if pi < nholes && v.value.starts_with('-') && self.template.dash_guarded(pi) {
                    return self.refused(ValueError {
                        index,
                        name: Some(p.name.clone()),
                        shown: shown(),
                        reason: "starts with `-` and would be read as an option (the template has no `--` before it)".into(),
                    });
                }
                vs.push(v);
            }
            values.push(vs);
        }
        if let Some(e) = extra {
            return self.refused(e);
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
        c.label(&a.name);
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
            exec: a.exec,
        });
        if let Some(r) = &a.run_as {
            c.run_as(&r.user, r.group.as_deref());
        }
        c
    }
}
