//! Value types and their validators.
//!
//! Every caller-supplied value passes through a [`ValueType`] before it can
//! reach an argv element, a stdin template or an `fs` rule. Validation is
//! done on the exact bytes given; what comes out ([`Validated`]) is what the
//! child receives.
//!
//! The universal rules (SPEC "Values") apply to every type: the value must
//! be valid UTF-8, contain no NUL and no control character, be at most the
//! type's maximum length (4096 bytes unless the type says less), and be
//! non-empty unless the type allows empty values.

use std::fmt;
use std::path::PathBuf;

/// The largest value any type accepts, in bytes.
pub const MAX_VALUE_LEN: usize = 4096;

/// A value type: a built-in kind with its parameters.
///
/// Built with [`ValueType::builtin`] (no parameters) or
/// [`ValueType::parse`] (a `type NAME = BASE PARAM...` definition).
#[derive(Debug, Clone)]
pub struct ValueType {
    kind: TypeKind,
}

/// The built-in kinds and their parameters.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum TypeKind {
    /// Placeholder until the validators land.
    String {
        /// Maximum length in bytes.
        max: usize,
    },
}

/// A value that passed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validated {
    /// The text the child receives (for `path` the resolved absolute path,
    /// for `hostname`/`domain` the A-label form).
    pub value: String,
    /// For `path` types: the resolved path (used for per-request `fs` rules).
    pub path: Option<PathBuf>,
}

/// Why a value was refused. The message completes the sentence
/// `invalid argument N (NAME): "VALUE" ...`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Rejection(pub String);

/// An error in a type definition (`type NAME = BASE PARAM...`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TypeError {
    /// Index into the words given to [`ValueType::parse`] of the offending
    /// word (0 is the base type name).
    pub word: usize,
    /// What is wrong.
    pub message: String,
}

impl ValueType {
    /// The built-in type `name` with its default parameters, if it exists.
    pub fn builtin(name: &str) -> Option<ValueType> {
        match name {
            "string" => Some(ValueType {
                kind: TypeKind::String { max: MAX_VALUE_LEN },
            }),
            _ => None,
        }
    }

    /// Parses a type definition's right-hand side: `words[0]` is the base
    /// type, the rest its parameters (`max=10`, `beneath=/srv`, enum words,
    /// a regex pattern).
    ///
    /// # Errors
    /// A [`TypeError`] naming the offending word.
    pub fn parse(words: &[String]) -> Result<ValueType, TypeError> {
        let Some(base) = words.first() else {
            return Err(TypeError {
                word: 0,
                message: "missing base type".into(),
            });
        };
        ValueType::builtin(base).ok_or_else(|| TypeError {
            word: 0,
            message: format!("unknown built-in type {base:?}"),
        })
    }

    /// Validates `raw` and returns what the child receives.
    ///
    /// # Errors
    /// A [`Rejection`] saying why.
    pub fn validate(&self, raw: &[u8]) -> Result<Validated, Rejection> {
        let s = std::str::from_utf8(raw).map_err(|_| Rejection("is not valid UTF-8".into()))?;
        match &self.kind {
            TypeKind::String { max } => {
                if s.len() > *max {
                    return Err(Rejection(format!("is longer than {max} bytes")));
                }
            }
        }
        Ok(Validated {
            value: s.to_string(),
            path: None,
        })
    }

    /// The kind and parameters.
    pub fn kind(&self) -> &TypeKind {
        &self.kind
    }

    /// True for `secret`: allowed only in `stdin`, never shown.
    pub fn is_secret(&self) -> bool {
        false
    }

    /// True for `path`: may be used in `fs` rules.
    pub fn is_path(&self) -> bool {
        false
    }

    /// The built-in base name (`"uint"`, `"path"`, ...).
    pub fn base_name(&self) -> &'static str {
        "string"
    }
}

impl fmt::Display for ValueType {
    /// Prints the definition's right-hand side so that [`ValueType::parse`]
    /// of its words gives back an equal type.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.base_name())
    }
}

impl PartialEq for ValueType {
    fn eq(&self, other: &Self) -> bool {
        self.to_string() == other.to_string()
    }
}
