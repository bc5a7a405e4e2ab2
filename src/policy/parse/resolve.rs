//! The step after the whole file is read: placeholder types are resolved
//! (a `type` may be defined anywhere in the file) and the checks that need
//! them are made: no `secret` in argv, `fs {name}` names a `path`
//! placeholder.

use std::collections::{HashMap, HashSet};

use super::options::Pending;
use super::syntax::{self, show};
use super::Diags;
use crate::policy::{Action, NamedType, Param};
use crate::value::ValueType;

/// The named types of the file.
pub(super) struct Types<'a> {
    /// Name → index into `types`.
    pub(super) index: &'a HashMap<String, usize>,
    /// The types that parsed.
    pub(super) types: &'a [NamedType],
    /// Names whose definition had an error (already reported).
    pub(super) broken: &'a HashSet<String>,
}

impl Types<'_> {
    /// The type called `name`: `Ok(None)` if its definition had an error
    /// (already reported), `Err` with a message if there is no such type.
    fn resolve(&self, name: &str) -> Result<Option<ValueType>, String> {
        if let Some(t) = self.index.get(name).and_then(|&i| self.types.get(i)) {
            return Ok(Some(t.ty.clone()));
        }
        if let Some(ty) = ValueType::builtin(name) {
            return Ok(Some(ty));
        }
        if self.broken.contains(name) {
            return Ok(None);
        }
        if syntax::is_builtin_type(name) {
            // A built-in that needs parameters (`enum`, `regex`, `path`).
            return match ValueType::parse(&[name.to_string()]) {
                Ok(ty) => Ok(Some(ty)),
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
pub(super) fn finish(p: Pending, types: &Types<'_>, diags: &mut Diags) -> Action {
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
            Ok(Some(ty)) => {
                if ty.is_secret() && !in_stdin {
                    diags.push(line, col, secret_in_argv(&h.name, &h.type_name));
                }
                params.push(Param {
                    name: h.name.clone(),
                    type_name: h.type_name.clone(),
                    ty,
                    arity: h.arity,
                    in_stdin,
                });
            }
            Ok(None) => unresolved.push(h.name.clone()),
            Err(message) => {
                diags.push(line, col, format!("placeholder `{}`: {message}", h.name));
                unresolved.push(h.name.clone());
            }
        }
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
            None => diags.push(
                r.line,
                r.col,
                format!("`{{{}}}` is not a placeholder of action `{}`", r.name, action.name),
            ),
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
