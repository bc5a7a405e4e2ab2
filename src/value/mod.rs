//! Value types and their validators.
//!
//! Every caller-supplied value passes through a [`ValueType`] before it can
//! reach an argv element, a stdin template or an `fs` rule. Validation is
//! done on the exact bytes given; what comes out ([`Validated`]) is what the
//! child receives. A few types put a value in canonical form (`hostname`,
//! `domain` and the domain of an `email` are lowercased, `mode` becomes
//! four digits, `path` becomes the resolved absolute path); the rest pass
//! the value through unchanged.
//!
//! The universal rules (SPEC "Values", see `universal.rs` for the exact
//! character list) apply to every type, in this order: the value must be at
//! most the type's maximum length (4096 bytes unless the type says less),
//! valid UTF-8, free of NUL, control characters and invisible or
//! text-direction formatting characters, and non-empty unless the type
//! allows empty values (only `string empty=yes` does). Then the type's own
//! rule runs.
//!
//! A [`Rejection`] message completes the sentence
//! `invalid argument N (NAME): "VALUE" ...`: it describes what is wrong and
//! never contains the value itself (nor, for a `secret`, any character or
//! position of it).
//!
//! The families live in their own modules, each documenting in detail the
//! decisions taken where SPEC is silent: `text` (`string`, `secret`,
//! `ident`, `uuid`, `enum`, `regex`), `numbers` (`uint`, `int`, `port`,
//! `mode`), `names` (`user`, `group`, `hostname`, `domain`, `email`), `net`
//! (`ip`, `ipv4`, `ipv6`, `cidr`) and `path`. In short:
//!
//! - Beyond SPEC's list, other invisible format characters are refused too
//!   (soft hyphen, combining grapheme joiner, tag characters, ...).
//! - `string` allows the empty value only with `empty=yes`; `max=` is 1 to
//!   4096; `charset=` lists printable ASCII only. `secret` is never empty.
//! - `int` accepts a leading `-`; whether a value starting with `-` may
//!   stand alone as an argv word is the template layer's decision. `string`,
//!   `secret`, `enum` (when a word does) and `regex` (when the pattern does)
//!   may also start with `-`; no other type can.
//! - `mode` takes 3 or 4 octal digits, gives the child 4 (`0755`), and its
//!   `max=` is a bit mask (`max=04777` allows setuid but not setgid).
//! - `regex` is matched on bytes with ASCII classes unless the pattern says
//!   `(?u)`, anchored as `\A(?:PATTERN)\z`, and never accepts the empty
//!   value.
//! - `user`/`group` also take `exists=no` (must not exist).
//! - `hostname`/`domain`: lowercased, trailing dot refused, Unicode refused
//!   (give the `xn--` form), last label never numeric (no IPv4 literal in
//!   any `inet_aton` form).
//! - `email`: local part `A-Z a-z 0-9 . _ + -`, not starting with `-` or
//!   `.`; domain lowercased; `max=` 1 to 254.
//! - `ip`/`cidr`: canonical text only; `cidr` host bits must be zero.
//! - `uuid`: lowercase only.
//! - `path`: relative values are taken beneath `DIR`; no `.`, `..` or empty
//!   components; resolved with symlinks; strictly beneath `DIR` (not `DIR`
//!   itself); dangling symlinks refused; the child gets the resolved path.
//!   Validation and use are not atomic (see the `path` module).

use std::fmt;
use std::path::PathBuf;

mod error;
mod names;
mod net;
mod numbers;
mod path;
mod show;
mod text;
mod type_params;
mod universal;

pub use error::{Rejection, TypeError, ValueError};
pub use show::{show_value, show_value_full};

pub use path::PathKind;
pub use text::{
    Charset, Pattern, MAX_ENUM_WORDS, MAX_ENUM_WORD_LEN, MAX_PATTERN_LEN, REGEX_SIZE_LIMIT,
};

use names::Account;
use net::Family;
use type_params::{quote, type_error, Params};
pub(crate) use universal::must_escape;
use universal::reject;

/// The largest value any type accepts, in bytes.
pub const MAX_VALUE_LEN: usize = 4096;

/// Every built-in type name, in the order SPEC lists them.
const BUILTIN_NAMES: &[&str] = &[
    "string", "uint", "int", "enum", "regex", "user", "group", "hostname", "domain", "email",
    "path", "port", "mode", "ip", "ipv4", "ipv6", "cidr", "uuid", "ident", "secret",
];

/// Every built-in type name (`string`, `uint`, ..., `secret`).
#[must_use]
pub fn builtin_names() -> &'static [&'static str] {
    BUILTIN_NAMES
}

/// A value type: a built-in kind with its parameters.
///
/// Built with [`ValueType::builtin`] (no parameters) or
/// [`ValueType::parse`] (a `type NAME = BASE PARAM...` definition). Two
/// types are equal when they have the same kind and parameters; parameters
/// given at their default value (`uint min=0`) are the same as omitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueType {
    // Shared: a policy may name one large type (an enum of a thousand
    // words) from many placeholders; each holds a pointer, not a copy.
    kind: std::sync::Arc<TypeKind>,
}

/// The built-in kinds and their parameters (defaults filled in).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TypeKind {
    /// `string [max=N] [charset=SET] [empty=yes|no]`: printable text.
    String {
        /// Maximum length in bytes (1 to [`MAX_VALUE_LEN`]).
        max: usize,
        /// The characters allowed, when restricted.
        charset: Option<Charset>,
        /// Whether the empty value is accepted (`empty=yes`).
        empty: bool,
    },
    /// `secret`: any text without NUL or control characters; only for
    /// `stdin`, never shown.
    Secret,
    /// `ident`: `[A-Za-z_][A-Za-z0-9_]*`, at most 63 bytes.
    Ident,
    /// `uuid`: canonical lowercase `8-4-4-4-12`.
    Uuid,
    /// `enum V...`: exactly one of the words.
    Enum {
        /// The accepted words, in definition order.
        values: Vec<String>,
    },
    /// `regex PATTERN`: the whole value matches.
    Regex {
        /// The compiled, anchored pattern.
        pattern: Pattern,
    },
    /// `uint [min=N] [max=N]`: unsigned decimal.
    Uint {
        /// Smallest accepted value.
        min: u64,
        /// Largest accepted value.
        max: u64,
    },
    /// `int [min=N] [max=N]`: signed decimal.
    Int {
        /// Smallest accepted value.
        min: i64,
        /// Largest accepted value.
        max: i64,
    },
    /// `port`: 1–65535.
    Port,
    /// `mode [max=OCTAL]`: an octal file mode.
    Mode {
        /// The bits a value may set (default `0o777`).
        max: u32,
    },
    /// `user [exists=yes|no]`: a Unix account name.
    User {
        /// `Some(true)`: must exist; `Some(false)`: must not exist.
        exists: Option<bool>,
    },
    /// `group [exists=yes|no]`: a Unix group name.
    Group {
        /// `Some(true)`: must exist; `Some(false)`: must not exist.
        exists: Option<bool>,
    },
    /// `hostname`: an RFC 1123 host name.
    Hostname,
    /// `domain`: a host name with at least two labels.
    Domain,
    /// `email [max=N]`: `local@domain`.
    Email {
        /// Maximum length in bytes (1 to 254).
        max: usize,
    },
    /// `ip`: an IPv4 or IPv6 address.
    Ip,
    /// `ipv4`: an IPv4 address.
    Ipv4,
    /// `ipv6`: an IPv6 address.
    Ipv6,
    /// `cidr`: `ADDR/PREFIX`, host bits zero.
    Cidr,
    /// `path beneath=DIR [exists=yes|no] [kind=file|dir]`.
    Path {
        /// The directory the resolved value must lie strictly beneath.
        beneath: PathBuf,
        /// `Some(true)`: must exist; `Some(false)`: must not exist.
        exists: Option<bool>,
        /// What the path must be when it exists.
        kind: Option<PathKind>,
    },
}

/// A value that passed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Validated {
    /// The text the child receives (for `path` the resolved absolute path,
    /// for `hostname`/`domain` the lowercased name).
    pub value: String,
    /// For `path` types: the resolved path (used for per-request `fs` rules).
    pub path: Option<PathBuf>,
}

impl ValueType {
    /// The built-in type `name` with its default parameters, if it exists
    /// and needs no parameters (`enum`, `regex` and `path` do, so they give
    /// `None`).
    #[must_use]
    pub fn builtin(name: &str) -> Option<ValueType> {
        let kind = match name {
            "string" => TypeKind::String {
                max: MAX_VALUE_LEN,
                charset: None,
                empty: false,
            },
            "secret" => TypeKind::Secret,
            "ident" => TypeKind::Ident,
            "uuid" => TypeKind::Uuid,
            "uint" => TypeKind::Uint {
                min: 0,
                max: u64::MAX,
            },
            "int" => TypeKind::Int {
                min: i64::MIN,
                max: i64::MAX,
            },
            "port" => TypeKind::Port,
            "mode" => TypeKind::Mode {
                max: numbers::DEFAULT_MODE_MAX,
            },
            "user" => TypeKind::User { exists: None },
            "group" => TypeKind::Group { exists: None },
            "hostname" => TypeKind::Hostname,
            "domain" => TypeKind::Domain,
            "email" => TypeKind::Email {
                max: names::MAX_EMAIL_LEN,
            },
            "ip" => TypeKind::Ip,
            "ipv4" => TypeKind::Ipv4,
            "ipv6" => TypeKind::Ipv6,
            "cidr" => TypeKind::Cidr,
            _ => return None,
        };
        Some(ValueType {
            kind: std::sync::Arc::new(kind),
        })
    }

    /// Parses a type definition's right-hand side: `words[0]` is the base
    /// type, the rest its parameters (`max=10`, `beneath=/srv`), enum words
    /// or the regex pattern.
    ///
    /// # Errors
    /// A [`TypeError`] naming the offending word: an unknown base type, an
    /// unknown, repeated or malformed parameter (the message lists what the
    /// type takes), a bad number, `min=` above `max=`, a missing required
    /// parameter (`beneath=`, the enum words, the pattern), or a limit
    /// exceeded (see [`MAX_ENUM_WORDS`], [`MAX_PATTERN_LEN`]).
    pub fn parse(words: &[String]) -> Result<ValueType, TypeError> {
        let Some(base) = words.first() else {
            return Err(type_error(0, "missing base type"));
        };
        let kind = match base.as_str() {
            "string" => parse_string(words)?,
            "enum" => TypeKind::Enum {
                values: text::parse_enum(words)?,
            },
            "regex" => TypeKind::Regex {
                pattern: text::parse_regex(words)?,
            },
            "uint" => numbers::parse_uint(words).map(|(min, max)| TypeKind::Uint { min, max })?,
            "int" => numbers::parse_int(words).map(|(min, max)| TypeKind::Int { min, max })?,
            "mode" => TypeKind::Mode {
                max: numbers::parse_mode(words)?,
            },
            "user" => TypeKind::User {
                exists: names::parse_account(words)?,
            },
            "group" => TypeKind::Group {
                exists: names::parse_account(words)?,
            },
            "email" => TypeKind::Email {
                max: names::parse_email(words)?,
            },
            "path" => {
                let p = path::parse_path(words)?;
                TypeKind::Path {
                    beneath: p.beneath,
                    exists: p.exists,
                    kind: p.kind,
                }
            }
            other => match ValueType::builtin(other) {
                Some(t) => {
                    Params::new(words, &[])?;
                    (*t.kind).clone()
                }
                None => {
                    let printable =
                        other.len() <= 64 && universal::check_chars(other, false).is_ok();
                    let shown = if printable {
                        format!("{other:?}")
                    } else {
                        "(unprintable)".into()
                    };
                    let list = BUILTIN_NAMES.join(", ");
                    return Err(type_error(
                        0,
                        format!("unknown type {shown}; the built-in types are: {list}"),
                    ));
                }
            },
        };
        Ok(ValueType {
            kind: std::sync::Arc::new(kind),
        })
    }

    /// Validates `raw` and returns what the child receives.
    ///
    /// # Errors
    /// A [`Rejection`] saying why: a universal rule (too long, not UTF-8, a
    /// control or invisible character, empty) or the type's own rule.
    pub fn validate(&self, raw: &[u8]) -> Result<Validated, Rejection> {
        let max = self.max_len();
        if raw.len() > max {
            return Err(reject(format!("is longer than {max} bytes")));
        }
        let text = universal::check_text(raw, self.is_secret())?;
        if text.is_empty() {
            return match *self.kind {
                TypeKind::String { empty: true, .. } => Ok(Validated {
                    value: String::new(),
                    path: None,
                }),
                _ => Err(reject("is empty")),
            };
        }
        let canonical = match &*self.kind {
            TypeKind::String { charset, .. } => {
                text::validate_string(text, charset.as_ref()).map(|()| None)?
            }
            TypeKind::Secret => None,
            TypeKind::Ident => text::validate_ident(text).map(|()| None)?,
            TypeKind::Uuid => text::validate_uuid(text).map(|()| None)?,
            TypeKind::Enum { values } => text::validate_enum(text, values).map(|()| None)?,
            TypeKind::Regex { pattern } => text::validate_regex(text, pattern).map(|()| None)?,
            TypeKind::Uint { min, max } => {
                numbers::validate_uint(text, *min, *max).map(|()| None)?
            }
            TypeKind::Int { min, max } => numbers::validate_int(text, *min, *max).map(|()| None)?,
            TypeKind::Port => numbers::validate_port(text).map(|()| None)?,
            TypeKind::Mode { max } => Some(numbers::validate_mode(text, *max)?),
            TypeKind::User { exists } => {
                names::validate_account(text, Account::User, *exists).map(|()| None)?
            }
            TypeKind::Group { exists } => {
                names::validate_account(text, Account::Group, *exists).map(|()| None)?
            }
            TypeKind::Hostname => Some(names::validate_hostname(text, 1)?),
            TypeKind::Domain => Some(names::validate_hostname(text, 2)?),
            TypeKind::Email { .. } => Some(names::validate_email(text)?),
            TypeKind::Ip => net::validate_ip(text, Family::Any).map(|_| None)?,
            TypeKind::Ipv4 => net::validate_ip(text, Family::V4).map(|_| None)?,
            TypeKind::Ipv6 => net::validate_ip(text, Family::V6).map(|_| None)?,
            TypeKind::Cidr => net::validate_cidr(text).map(|()| None)?,
            TypeKind::Path {
                beneath,
                exists,
                kind,
            } => return path::validate_path(text, beneath, *exists, *kind),
        };
        Ok(Validated {
            value: canonical.unwrap_or_else(|| text.to_string()),
            path: None,
        })
    }

    /// The longest value this type accepts, in bytes (checked before
    /// anything else).
    #[must_use]
    pub fn max_len(&self) -> usize {
        match &*self.kind {
            TypeKind::String { max, .. } | TypeKind::Email { max } => *max,
            TypeKind::Ident => 63,
            TypeKind::Uuid => 36,
            TypeKind::Uint { .. } | TypeKind::Int { .. } => numbers::MAX_DECIMAL_LEN,
            TypeKind::Port => 5,
            TypeKind::Mode { .. } => numbers::MAX_MODE_LEN,
            TypeKind::User { .. } | TypeKind::Group { .. } => names::MAX_ACCOUNT_LEN,
            TypeKind::Hostname | TypeKind::Domain => names::MAX_HOSTNAME_LEN,
            TypeKind::Ip | TypeKind::Ipv6 => net::MAX_IP_LEN,
            TypeKind::Ipv4 => net::MAX_IPV4_LEN,
            TypeKind::Cidr => net::MAX_CIDR_LEN,
            // An enum refuses a long value as "not one of" the words (SPEC's
            // example message); matching is cheap.
            TypeKind::Secret
            | TypeKind::Enum { .. }
            | TypeKind::Regex { .. }
            | TypeKind::Path { .. } => MAX_VALUE_LEN,
        }
    }

    /// The kind and parameters.
    #[must_use]
    pub fn kind(&self) -> &TypeKind {
        &self.kind
    }

    /// True for `secret`: allowed only in `stdin`, never shown.
    #[must_use]
    pub fn is_secret(&self) -> bool {
        matches!(*self.kind, TypeKind::Secret)
    }

    /// True for `path`: may be used in `fs` rules.
    #[must_use]
    pub fn is_path(&self) -> bool {
        matches!(*self.kind, TypeKind::Path { .. })
    }

    /// The built-in base name (`"uint"`, `"path"`, ...).
    #[must_use]
    pub fn base_name(&self) -> &'static str {
        match &*self.kind {
            TypeKind::String { .. } => "string",
            TypeKind::Secret => "secret",
            TypeKind::Ident => "ident",
            TypeKind::Uuid => "uuid",
            TypeKind::Enum { .. } => "enum",
            TypeKind::Regex { .. } => "regex",
            TypeKind::Uint { .. } => "uint",
            TypeKind::Int { .. } => "int",
            TypeKind::Port => "port",
            TypeKind::Mode { .. } => "mode",
            TypeKind::User { .. } => "user",
            TypeKind::Group { .. } => "group",
            TypeKind::Hostname => "hostname",
            TypeKind::Domain => "domain",
            TypeKind::Email { .. } => "email",
            TypeKind::Ip => "ip",
            TypeKind::Ipv4 => "ipv4",
            TypeKind::Ipv6 => "ipv6",
            TypeKind::Cidr => "cidr",
            TypeKind::Path { .. } => "path",
        }
    }

    /// The words of the definition, unquoted, defaults left out.
    fn words(&self) -> Vec<String> {
        let mut words = vec![self.base_name().to_string()];
        let exists =
            |e: &Option<bool>| e.map(|e| format!("exists={}", if e { "yes" } else { "no" }));
        match &*self.kind {
            TypeKind::String {
                max,
                charset,
                empty,
            } => {
                words.extend((*max != MAX_VALUE_LEN).then(|| format!("max={max}")));
                words.extend(charset.map(|c| format!("charset={c}")));
                words.extend(empty.then(|| "empty=yes".to_string()));
            }
            TypeKind::Enum { values } => words.extend(values.iter().cloned()),
            TypeKind::Regex { pattern } => words.push(pattern.as_str().to_string()),
            TypeKind::Uint { min, max } => {
                words.extend((*min != 0).then(|| format!("min={min}")));
                words.extend((*max != u64::MAX).then(|| format!("max={max}")));
            }
            TypeKind::Int { min, max } => {
                words.extend((*min != i64::MIN).then(|| format!("min={min}")));
                words.extend((*max != i64::MAX).then(|| format!("max={max}")));
            }
            TypeKind::Mode { max } => {
                words.extend((*max != numbers::DEFAULT_MODE_MAX).then(|| format!("max={max:04o}")));
            }
            TypeKind::User { exists: e } | TypeKind::Group { exists: e } => words.extend(exists(e)),
            TypeKind::Email { max } => {
                words.extend((*max != names::MAX_EMAIL_LEN).then(|| format!("max={max}")));
            }
            TypeKind::Path {
                beneath,
                exists: e,
                kind,
            } => {
                words.push(format!("beneath={}", beneath.display()));
                words.extend(exists(e));
                words.extend(kind.map(|k| format!("kind={}", k.as_str())));
            }
            TypeKind::Secret
            | TypeKind::Ident
            | TypeKind::Uuid
            | TypeKind::Port
            | TypeKind::Hostname
            | TypeKind::Domain
            | TypeKind::Ip
            | TypeKind::Ipv4
            | TypeKind::Ipv6
            | TypeKind::Cidr => {}
        }
        words
    }
}

/// Reads the parameters of `string`.
fn parse_string(words: &[String]) -> Result<TypeKind, TypeError> {
    let params = Params::new(
        words,
        &[("max", "N"), ("charset", "SET"), ("empty", "yes|no")],
    )?;
    let max = match (params.number("max")?, params.get("max")) {
        (Some(n), Some(p)) => match usize::try_from(n) {
            Ok(n) if (1..=MAX_VALUE_LEN).contains(&n) => n,
            _ => {
                return Err(type_error(
                    p.word,
                    format!("max= must be from 1 to {MAX_VALUE_LEN}"),
                ))
            }
        },
        _ => MAX_VALUE_LEN,
    };
    let charset = match params.get("charset") {
        Some(p) => Some(Charset::parse(p.value).map_err(|m| type_error(p.word, m))?),
        None => None,
    };
    let empty = params.yes_no("empty")?.unwrap_or(false);
    Ok(TypeKind::String {
        max,
        charset,
        empty,
    })
}

impl fmt::Display for ValueType {
    /// Prints the definition's right-hand side, each word quoted with
    /// single quotes when it needs it, so that splitting the text by POSIX
    /// shell rules and [`ValueType::parse`] give back an equal type.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let words: Vec<String> = self.words().iter().map(|w| quote(w)).collect();
        f.write_str(&words.join(" "))
    }
}
