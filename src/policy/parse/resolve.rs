//! The step after the whole file is read: placeholder types are resolved
//! (a `type` may be defined anywhere in the file) and the checks that need
//! them are made: no `secret` in argv, `fs {name}` names a `path`
//! placeholder.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use super::options::Pending;
use super::syntax::{self, show};
use super::{Diags, MAX_RESOLVED_TYPES_SIZE};
use crate::policy::{Action, NamedType, Param};
use crate::value::ValueType;

/// The named types of the file, and the budget that bounds the copies of
/// them that placeholders hold.
pub(super) struct Types<'a> {
    /// Name → index into `types`.
    index: &'a HashMap<String, usize>,
    /// The types that parsed.
    types: &'a [NamedType],
    /// The estimated size of each of `types` (see [`type_size`]).
    sizes: Vec<usize>,
    /// Names whose definition had an error (already reported).
    broken: &'a HashSet<String>,
    /// What is left of [`MAX_RESOLVED_TYPES_SIZE`].
    budget: usize,
    /// True once the budget ran out (reported once).
    exhausted: bool,
}

/// An estimate of the memory one placeholder's type takes: types are
/// shared (`ValueType` holds its parameters behind an `Arc`), so each
/// placeholder costs a pointer and its `Param` record, whatever the type.
fn type_size(_ty: &ValueType) -> usize {
    std::mem::size_of::<Param>() + 64
}

/// What resolving a placeholder's type gave.
enum Resolved {
    /// The type.
    Type(ValueType),
    /// Nothing, and nothing more to report (the type's definition had an
    /// error, or the budget ran out earlier).
    Quiet,
    /// No such type: the message says why.
    Unknown(String),
    /// The budget ran out at this placeholder.
    OverBudget,
}

impl<'a> Types<'a> {
    pub(super) fn new(
        index: &'a HashMap<String, usize>,
        types: &'a [NamedType],
        broken: &'a HashSet<String>,
    ) -> Types<'a> {
        let sizes = types.iter().map(|t| type_size(&t.ty)).collect();
        Types {
            index,
            types,
            sizes,
            broken,
            budget: MAX_RESOLVED_TYPES_SIZE,
            exhausted: false,
        }
    }

    /// The type called `name`, charged to the budget: each placeholder
    /// holds its own copy of its type.
    fn resolve(&mut self, name: &str) -> Resolved {
        if self.exhausted {
            return Resolved::Quiet;
        }
        let (ty, size) = match self.lookup(name) {
            Ok(Some(found)) => found,
            Ok(None) => return Resolved::Quiet,
            Err(message) => return Resolved::Unknown(message),
        };
        match self.budget.checked_sub(size) {
            Some(left) => {
                self.budget = left;
                Resolved::Type(ty.into_owned())
            }
            None => {
                self.exhausted = true;
                Resolved::OverBudget
            }
        }
    }

    /// Finds the type called `name` (not yet copied) and its size:
    /// `Ok(None)` if its definition had an error (already reported), `Err`
    /// with a message if there is no such type.
    fn lookup(&self, name: &str) -> Result<Option<(Cow<'a, ValueType>, usize)>, String> {
        if let Some(&i) = self.index.get(name) {
            if let (Some(t), Some(&size)) = (self.types.get(i), self.sizes.get(i)) {
                return Ok(Some((Cow::Borrowed(&t.ty), size)));
            }
        }
        if let Some(ty) = ValueType::builtin(name) {
            let size = type_size(&ty);
            return Ok(Some((Cow::Owned(ty), size)));
        }
        if self.broken.contains(name) {
            return Ok(None);
        }
        if syntax::is_builtin_type(name) {
            // A built-in that needs parameters (`enum`, `regex`, `path`).
            return match ValueType::parse(&[name.to_string()]) {
                Ok(ty) => {
                    let size = type_size(&ty);
                    Ok(Some((Cow::Owned(ty), size)))
                }
                Err(e) => Err(format!(
                    "type `{name}` cannot be used without parameters ({}); define a named type: `type NAME = {name} ...`",
                    e.message
                )),
            };
        }
        Err(format!(
            "unknown type {}: not a built-in type, and no `type {name} = ...` line defines it",
            show(name)
        ))
    }
}

/// Resolves the placeholders of `p`, checks them, and returns the action.
pub(super) fn finish(p: Pending, types: &mut Types<'_>, diags: &mut Diags) -> Action {
    let Pending {
        mut action,
        argv_cols,
        stdin_holes,
        fs_refs,
        ..
    } = p;
    let line = action.line;
    let argv = action
        .template
        .placeholders()
        .iter()
        .zip(argv_cols)
        .map(|(h, col)| (h, line, col, false));
    let stdin = stdin_holes
        .iter()
        .map(|s| (&s.placeholder, s.line, s.col, true));
    let mut params = Vec::new();
    // Names of placeholders whose type could not be resolved.
    let mut unresolved = Vec::new();
    for (h, line, col, in_stdin) in argv.chain(stdin) {
        match types.resolve(&h.type_name) {
            Resolved::Type(ty) => {
                if ty.is_secret() && !in_stdin {
                    diags.push(line, col, secret_in_argv(&h.name, &h.type_name));
                }
                let (name, type_name) = (h.name.clone(), h.type_name.clone());
                params.push(Param {
                    name,
                    type_name,
                    ty,
                    arity: h.arity,
                    in_stdin,
                });
                continue;
            }
            Resolved::Quiet => {}
            Resolved::Unknown(message) => {
                diags.push(line, col, format!("placeholder `{}`: {message}", h.name))
            }
            Resolved::OverBudget => diags.push(line, col, over_budget()),
        }
        unresolved.push(h.name.clone());
    }
    for r in &fs_refs {
        match params.iter().find(|p| p.name == r.name) {
            Some(param) if !param.ty.is_path() => diags.push(
                r.line,
                r.col,
                format!(
                    "`{{{}}}` has type `{}`, which is not a `path` type: an `fs` rule can only name a placeholder whose type is built on `path`",
                    r.name, param.type_name
                ),
            ),
            Some(_) => {}
            None if unresolved.contains(&r.name) => {}
            None => diags.push(r.line, r.col, format!("`{{{}}}` is not a placeholder of action `{}`", r.name, action.name)),
        }
    }
    action.params = params;
    action
}

fn secret_in_argv(name: &str, type_name: &str) -> String {
    let what = if type_name == "secret" {
        "`secret`".to_string()
    } else {
        format!("`{type_name}`, a `secret` type")
    };
    format!(
        "placeholder `{name}` has type {what}: a secret may only be passed through `stdin`, never in argv (any user can read a process's argv)"
    )
}

fn over_budget() -> String {
    format!(
        "the placeholders of this policy hold too much type data (each holds its own copy of its type; at most {MAX_RESOLVED_TYPES_SIZE} bytes in all): use fewer placeholders of large types"
    )
}
