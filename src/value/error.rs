//! The errors of the value layer: a refused value ([`Rejection`], and
//! [`ValueError`], which names the caller argument it was), and an invalid
//! type definition ([`TypeError`]).

use std::fmt;

/// Why a value was refused. The message completes the sentence
/// `invalid argument N (NAME): "VALUE" ...`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
#[non_exhaustive]
pub struct Rejection(pub String);

/// An error in a type definition (`type NAME = BASE PARAM...`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
#[non_exhaustive]
pub struct TypeError {
    /// Index into the words given to [`ValueType::parse`](super::ValueType::parse) of the offending
    /// word (0 is the base type name).
    pub word: usize,
    /// What is wrong.
    pub message: String,
}

/// A refused caller argument. Displays as SPEC's
/// `invalid argument N (NAME): "VALUE" REASON`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
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
