//! The one JSON form of execward's results (outcomes, errors, `explain`,
//! the action list): each type says what it is as a [`Json`] tree
//! ([`ToJson`]); `execward ... --json` prints that tree, and with feature
//! `serde` the type's `Serialize` serializes the same tree. So the command
//! line's JSON and a library user's `serde_json::to_string(&outcome)` can
//! never differ, and the command line needs no serde.
//!
//! Strings are written with `"`, `\` and every character that one-line
//! output may not show raw (control, invisible, line-separator and
//! bidirectional characters) escaped as `\uXXXX`: a value can neither
//! break the line nor read differently in a terminal.

use std::fmt::{self, Write as _};

use crate::value::must_escape;

/// A JSON value. Objects keep their keys in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    /// `null`
    Null,
    /// `true` or `false`
    Bool(bool),
    /// A signed integer.
    Int(i64),
    /// An unsigned integer.
    UInt(u64),
    /// A string.
    Str(String),
    /// An array.
    Arr(Vec<Json>),
    /// An object.
    Obj(Vec<(&'static str, Json)>),
}

/// A type with a JSON form.
pub trait ToJson {
    /// The JSON form.
    fn to_json(&self) -> Json;
}

impl Json {
    /// A string.
    pub fn str(s: impl Into<String>) -> Json {
        Json::Str(s.into())
    }

    /// `None` as `null`.
    pub fn opt<T>(v: Option<T>, f: impl FnOnce(T) -> Json) -> Json {
        v.map_or(Json::Null, f)
    }

    /// An array of strings.
    pub fn strs<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Json {
        Json::Arr(items.into_iter().map(|s| Json::str(s.as_ref())).collect())
    }
}

/// Writes `s` as a JSON string literal (see the module documentation).
fn write_str(out: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    out.write_char('"')?;
    for c in s.chars() {
        match c {
            '"' => out.write_str("\\\"")?,
            '\\' => out.write_str("\\\\")?,
            '\n' => out.write_str("\\n")?,
            '\t' => out.write_str("\\t")?,
            c if must_escape(c) => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    write!(out, "\\u{u:04x}")?;
                }
            }
            c => out.write_char(c)?,
        }
    }
    out.write_char('"')
}

impl fmt::Display for Json {
    /// Compact JSON on one line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Json::Null => f.write_str("null"),
            Json::Bool(b) => write!(f, "{b}"),
            Json::Int(n) => write!(f, "{n}"),
            Json::UInt(n) => write!(f, "{n}"),
            Json::Str(s) => write_str(f, s),
            Json::Arr(items) => {
                f.write_char('[')?;
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_char(',')?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_char(']')
            }
            Json::Obj(fields) => {
                f.write_char('{')?;
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_char(',')?;
                    }
                    write_str(f, k)?;
                    write!(f, ":{v}")?;
                }
                f.write_char('}')
            }
        }
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Json {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self {
            Json::Null => s.serialize_unit(),
            Json::Bool(b) => s.serialize_bool(*b),
            Json::Int(n) => s.serialize_i64(*n),
            Json::UInt(n) => s.serialize_u64(*n),
            Json::Str(v) => s.serialize_str(v),
            Json::Arr(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for v in items {
                    seq.serialize_element(v)?;
                }
                seq.end()
            }
            Json::Obj(fields) => {
                let mut map = s.serialize_map(Some(fields.len()))?;
                for (k, v) in fields {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

/// `impl Serialize for T` through its [`ToJson`] form (feature `serde`).
macro_rules! serialize_as_json {
    ($($t:ty),* $(,)?) => {
        $(
            #[cfg(feature = "serde")]
            impl serde::Serialize for $t {
                fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    $crate::json::ToJson::to_json(self).serialize(s)
                }
            }
        )*
    };
}
pub(crate) use serialize_as_json;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_and_escaped() {
        let j = Json::Obj(vec![
            ("a", Json::strs(["x\"y", "\u{202e}\n\u{1}"])),
            ("b", Json::Null),
            ("c", Json::Int(-3)),
            ("d", Json::Bool(true)),
        ]);
        assert_eq!(
            j.to_string(),
            r#"{"a":["x\"y","\u202e\n\u0001"],"b":null,"c":-3,"d":true}"#
        );
    }
}
