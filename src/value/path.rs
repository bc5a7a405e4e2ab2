//! The `path beneath=DIR [exists=yes|no] [kind=file|dir]` type.
//!
//! A value is first checked as text, then resolved on the file system, and
//! the child (and any per-request `fs` rule) gets the **resolved absolute
//! path**, never the text the caller sent.
//!
//! Decisions where SPEC is silent:
//!
//! - `DIR` must be a clean absolute path: it starts with `/`, has no `.`,
//!   `..` or empty components and no trailing `/` (except `/` itself).
//!   Anything else is a type error. `DIR` need not exist when the policy is
//!   read; it is resolved (symlinks followed) at each validation, and a
//!   `DIR` that cannot be resolved then refuses every value.
//! - The value may be absolute, or relative, in which case it is taken
//!   relative to `DIR`. Either way the result is absolute, so it never
//!   starts with `-`.
//! - Textual rules: no `..` component anywhere (even one that would stay
//!   inside), no `.` component, no empty component (`a//b`), no trailing
//!   `/`, each component at most 255 bytes (`NAME_MAX`).
//! - Resolution: the longest existing prefix of the path is resolved with
//!   `realpath` (`std::fs::canonicalize`), following every symlink; the
//!   components that do not exist yet are appended as they are. If the
//!   first missing component is itself a symlink (one that points to
//!   nothing), the value is refused, since creating the path would follow
//!   it. The result must lie **strictly beneath** the resolved `DIR`,
//!   compared component by component (`/srv/www-evil` is not beneath
//!   `/srv/www`). `DIR` itself is refused: with `type site = path
//!   beneath=/srv/www` and `fs write {site}`, accepting `/srv/www` would
//!   hand one tenant every tenant's directory.
//! - `exists=yes` requires the path to exist, `exists=no` requires it not
//!   to exist; without `exists=` either is accepted. `kind=file` (a regular
//!   file) or `kind=dir` is checked whenever the path exists.
//! - The resolved path must again obey the universal rules (valid UTF-8, no
//!   control or invisible characters, at most 4096 bytes): a symlink target
//!   could otherwise smuggle a newline to the child.
//! - Messages name `DIR` but never reveal where a symlink points.
//!
//! **Time of check to time of use.** Validation resolves the path now; the
//! child uses it later. A concurrent rename or a symlink swapped into a
//! component in between can make the name point elsewhere. The sandbox
//! limits the damage: a per-request `fs` rule opens the resolved path when
//! the plan is built and Landlock binds the rule to that inode, so the
//! child cannot write outside what was validated even if names move. Keep
//! the directories beneath `DIR` writable only by whom the policy trusts,
//! and prefer running the action as the tenant.

use std::ffi::OsString;
use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use super::type_params::{type_error, Params};
use super::universal::{check_chars, reject};
use super::{Rejection, TypeError, Validated, MAX_VALUE_LEN};

/// Longest path component (`NAME_MAX`).
const MAX_COMPONENT_LEN: usize = 255;

/// What a `path` value must be when it exists (`kind=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PathKind {
    /// `kind=file`: a regular file.
    File,
    /// `kind=dir`: a directory.
    Dir,
}

impl PathKind {
    /// The parameter value (`file`, `dir`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            PathKind::File => "file",
            PathKind::Dir => "dir",
        }
    }
}

/// The parameters of a `path` type.
pub(super) struct PathParams {
    pub beneath: PathBuf,
    pub exists: Option<bool>,
    pub kind: Option<PathKind>,
}

/// Reads `beneath=`, `exists=` and `kind=`.
pub(super) fn parse_path(words: &[String]) -> Result<PathParams, TypeError> {
    let params = Params::new(
        words,
        &[
            ("beneath", "DIR"),
            ("exists", "yes|no"),
            ("kind", "file|dir"),
        ],
    )?;
    let Some(dir) = params.get("beneath") else {
        return Err(type_error(0, "path needs beneath=DIR"));
    };
    check_components(dir.value, true).map_err(|m| {
        type_error(
            dir.word,
            format!("beneath= must be a clean absolute path: it {m}"),
        )
    })?;
    let kind = match params.get("kind") {
        None => None,
        Some(p) if p.value == "file" => Some(PathKind::File),
        Some(p) if p.value == "dir" => Some(PathKind::Dir),
        Some(p) => return Err(type_error(p.word, "kind= must be file or dir")),
    };
    Ok(PathParams {
        beneath: PathBuf::from(dir.value),
        exists: params.yes_no("exists")?,
        kind,
    })
}

/// The textual rules; `absolute` requires a leading `/`. The message
/// completes "it ...".
fn check_components(text: &str, absolute: bool) -> Result<(), String> {
    let rest = match text.strip_prefix('/') {
        Some(rest) => rest,
        None if absolute => return Err("is not absolute".into()),
        None => text,
    };
    if rest.is_empty() {
        return if text.is_empty() {
            Err("is empty".into())
        } else {
            Ok(())
        };
    }
    let count = rest.split('/').count();
    for (i, component) in rest.split('/').enumerate() {
        match component {
            "" if i + 1 == count => {
                return Err("ends with a slash; give the path without it".into())
            }
            "" => return Err("has an empty component (//)".into()),
            "." => return Err("has a . component".into()),
            ".." => return Err("has a .. component".into()),
            c if c.len() > MAX_COMPONENT_LEN => {
                return Err(format!(
                    "has a component longer than {MAX_COMPONENT_LEN} bytes"
                ))
            }
            _ => {}
        }
    }
    Ok(())
}

/// Validates and resolves a `path` value.
pub(super) fn validate_path(
    text: &str,
    beneath: &Path,
    exists: Option<bool>,
    kind: Option<PathKind>,
) -> Result<Validated, Rejection> {
    check_components(text, false).map_err(reject)?;
    let shown = beneath.display();
    let dir = fs::canonicalize(beneath).map_err(|e| {
        reject(format!(
            "cannot be checked: the directory {shown} cannot be resolved ({e})"
        ))
    })?;
    let full = if text.starts_with('/') {
        PathBuf::from(text)
    } else {
        dir.join(text)
    };

    let (resolved, missing) = resolve(&full)?;
    let mut result = resolved;
    for name in missing.iter().rev() {
        result.push(name);
    }

    if result == dir {
        return Err(reject(format!(
            "is the directory {shown} itself, not a path beneath it"
        )));
    }
    if !result.starts_with(&dir) {
        let textually_inside = full.starts_with(beneath) || full.starts_with(&dir);
        return Err(reject(if textually_inside {
            format!("resolves through a symlink to a place outside {shown}")
        } else {
            format!("is not beneath {shown}")
        }));
    }

    let found = missing.is_empty();
    match exists {
        Some(true) if !found => return Err(reject("does not exist")),
        Some(false) if found => return Err(reject("already exists")),
        _ => {}
    }
    if let (Some(kind), true) = (kind, found) {
        let meta = fs::metadata(&result).map_err(|e| reject(format!("cannot be examined: {e}")))?;
        match kind {
            PathKind::File if !meta.is_file() => return Err(reject("is not a regular file")),
            PathKind::Dir if !meta.is_dir() => return Err(reject("is not a directory")),
            _ => {}
        }
    }

    let value = result
        .clone()
        .into_os_string()
        .into_string()
        .map_err(|_| reject("resolves to a path that is not valid UTF-8"))?;
    if value.len() > MAX_VALUE_LEN {
        return Err(reject(format!(
            "resolves to a path longer than {MAX_VALUE_LEN} bytes"
        )));
    }
    check_chars(&value, false).map_err(|r| reject(format!("resolves to a path that {}", r.0)))?;
    Ok(Validated {
        value,
        path: Some(result),
    })
}

/// Resolves the longest existing prefix of `full` (absolute, with no `.`
/// or `..` components) and returns it with the missing components, last
/// first.
fn resolve(full: &Path) -> Result<(PathBuf, Vec<OsString>), Rejection> {
    let mut existing = full.to_path_buf();
    let mut missing = Vec::new();
    let resolved = loop {
        match fs::canonicalize(&existing) {
            Ok(path) => break path,
            Err(e) if e.kind() == ErrorKind::NotFound => {
                let Some(name) = existing.file_name() else {
                    return Err(reject(format!("cannot be resolved: {e}")));
                };
                missing.push(name.to_os_string());
                existing.pop();
            }
            Err(e) => return Err(reject(format!("cannot be resolved: {e}"))),
        }
    };
    if let Some(first) = missing.last() {
        match fs::symlink_metadata(resolved.join(first)) {
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(reject("passes through a symlink that points to nothing"));
            }
            Ok(_) => return Err(reject("changed while it was being resolved")),
            Err(e) => return Err(reject(format!("cannot be resolved: {e}"))),
        }
    }
    Ok((resolved, missing))
}
