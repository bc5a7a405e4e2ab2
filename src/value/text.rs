//! Text types: `string`, `secret`, `ident`, `uuid`, `enum` and `regex`.
//!
//! Decisions where SPEC is silent:
//!
//! - `string` refuses the empty value unless the definition says
//!   `empty=yes`. `max=N` may lower the limit (1 to 4096), never raise it.
//!   `charset=SET` lists printable ASCII characters as single characters and
//!   ranges `X-Y`; a `-` that cannot be part of a range (first or last) is
//!   literal. Only printable ASCII (space to `~`) may be listed, so a
//!   charset can never admit a look-alike or invisible character.
//! - `secret` refuses the empty value and takes no parameters; the
//!   universal rules apply (no control or invisible characters). Its
//!   messages never name the offending character.
//! - `uuid` accepts only the canonical lowercase `8-4-4-4-12` form;
//!   uppercase is refused (not folded), so the value the child gets is the
//!   value the caller sent. Version and variant bits are not checked; the
//!   nil UUID is accepted.
//! - `enum` needs at least one word, at most 1024 words of at most 255
//!   bytes each, no duplicates, no empty word, and each word must obey the
//!   universal rules. Matching is byte for byte (case-sensitive).
//! - `regex` takes exactly one word, the pattern, at most 1024 bytes. It is
//!   compiled with the `regex` crate (linear time) with 1 MiB size limits,
//!   anchored as `\A(?:PATTERN)\z`, on **bytes with Unicode mode off** by
//!   default: `\d` is `[0-9]`, `\w` is `[0-9A-Za-z_]`, `\s` is ASCII space,
//!   `(?i)` folds ASCII only, and `.` matches one byte, so counts like
//!   `.{1,10}` are in bytes, like every length in execward. This keeps
//!   Unicode digits (`١٢٣`, `１２３`) and the Kelvin sign out of `\d` and
//!   `(?i)k`. A pattern that wants Unicode classes says so with `(?u)`. A
//!   `regex` value is never empty, even when the pattern matches the empty
//!   text.

use std::fmt;

use regex::bytes::{Regex, RegexBuilder};

use super::type_params::type_error;
use super::universal::{check_chars, reject, show_char};
use super::{Rejection, TypeError};

/// Longest regex pattern, in bytes.
pub const MAX_PATTERN_LEN: usize = 1024;
/// Compiled-size limit for a regex (program and lazy DFA), in bytes.
pub const REGEX_SIZE_LIMIT: usize = 1 << 20;
/// Most words an `enum` may list.
pub const MAX_ENUM_WORDS: usize = 1024;
/// Longest `enum` word, in bytes.
pub const MAX_ENUM_WORD_LEN: usize = 255;
/// Longest `charset=` specification, in bytes.
const MAX_CHARSET_SPEC_LEN: usize = 512;
/// How many `enum` words a rejection message lists before it abbreviates.
const ENUM_WORDS_SHOWN: usize = 16;

/// A set of printable ASCII characters, from a `charset=` parameter.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Charset {
    bits: u128,
}

impl Charset {
    /// Parses a specification like `a-zA-Z0-9._-`.
    ///
    /// # Errors
    /// A message when the specification is empty, too long, lists a
    /// character that is not printable ASCII, or has a backwards range.
    pub fn parse(spec: &str) -> Result<Charset, String> {
        if spec.is_empty() {
            return Err("charset= must list at least one character".into());
        }
        if spec.len() > MAX_CHARSET_SPEC_LEN {
            return Err(format!(
                "charset= is longer than {MAX_CHARSET_SPEC_LEN} bytes"
            ));
        }
        if let Some(c) = spec.chars().find(|c| !(' '..='~').contains(c)) {
            return Err(format!(
                "charset= may list only printable ASCII characters, not {}",
                show_char(c)
            ));
        }
        let bytes = spec.as_bytes();
        let mut bits = 0u128;
        let mut i = 0;
        while let Some(&first) = bytes.get(i) {
            if let (Some(b'-'), Some(&last)) = (bytes.get(i + 1), bytes.get(i + 2)) {
                if first > last {
                    return Err(format!(
                        "charset= has a backwards range {}-{}",
                        first as char, last as char
                    ));
                }
                for b in first..=last {
                    bits |= 1 << b;
                }
                i += 3;
            } else {
                bits |= 1 << first;
                i += 1;
            }
        }
        Ok(Charset { bits })
    }

    /// True when `c` is in the set.
    #[must_use]
    pub fn contains(&self, c: char) -> bool {
        let n = u32::from(c);
        n < 128 && self.bits & (1 << n) != 0
    }
}

impl fmt::Display for Charset {
    /// The canonical specification: runs of three or more as ranges, a
    /// literal `-` last.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let has = |b: u8| b != b'-' && self.bits & (1 << b) != 0;
        let mut b = b' ';
        while b <= b'~' {
            if !has(b) {
                b += 1;
                continue;
            }
            let mut end = b;
            while end < b'~' && has(end + 1) {
                end += 1;
            }
            if end - b >= 2 {
                write!(f, "{}-{}", b as char, end as char)?;
            } else {
                for c in b..=end {
                    write!(f, "{}", c as char)?;
                }
            }
            b = end + 1;
        }
        if self.bits & (1 << b'-') != 0 {
            f.write_str("-")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Charset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Charset({self})")
    }
}

/// A compiled `regex` pattern, anchored to the whole value.
#[derive(Clone)]
pub struct Pattern {
    source: String,
    regex: Regex,
}

impl Pattern {
    /// Compiles `source` (see the module documentation for the dialect).
    ///
    /// # Errors
    /// A one-line message when the pattern is too long, holds a control
    /// character, does not compile, or exceeds the size limits.
    pub fn new(source: &str) -> Result<Pattern, String> {
        if source.is_empty() {
            return Err("the pattern is empty".into());
        }
        if source.len() > MAX_PATTERN_LEN {
            return Err(format!(
                "the pattern is longer than {MAX_PATTERN_LEN} bytes"
            ));
        }
        check_chars(source, false).map_err(|r| format!("the pattern {}", r.0))?;
        // Compile the pattern alone first: it must be complete by itself, so
        // that wrapping it cannot change what it means, and errors then
        // point into the text the author wrote.
        build(source)?;
        let regex = build(&format!(r"\A(?:{source})\z")).map_err(|m| {
            if m.contains("unclosed group") {
                "the pattern cannot be anchored to the whole value (does it end in an (?x) comment?)".to_string()
            } else {
                m
            }
        })?;
        Ok(Pattern {
            source: source.to_string(),
            regex,
        })
    }

    /// The pattern as written in the definition.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// True when the whole of `text` matches.
    #[must_use]
    pub fn is_match(&self, text: &str) -> bool {
        self.regex.is_match(text.as_bytes())
    }
}

/// Compiles `pattern` with the limits; errors as one line.
fn build(pattern: &str) -> Result<Regex, String> {
    RegexBuilder::new(pattern)
        .unicode(false)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .nest_limit(64)
        .build()
        .map_err(|e| {
            let text = e.to_string();
            let reason = text
                .lines()
                .find_map(|l| l.strip_prefix("error: "))
                .unwrap_or(&text)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            let hint = if reason.contains("Unicode") {
                " (patterns are ASCII unless they say (?u))"
            } else {
                ""
            };
            format!("the pattern does not compile: {reason}{hint}")
        })
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl Eq for Pattern {}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pattern({:?})", self.source)
    }
}

/// Checks the words of an `enum` definition (`words[0]` is `enum`).
pub(super) fn parse_enum(words: &[String]) -> Result<Vec<String>, TypeError> {
    if words.len() < 2 {
        return Err(type_error(0, "enum needs at least one value"));
    }
    if words.len() > MAX_ENUM_WORDS + 1 {
        return Err(type_error(
            MAX_ENUM_WORDS + 1,
            format!("enum takes at most {MAX_ENUM_WORDS} values"),
        ));
    }
    for (i, word) in words.iter().enumerate().skip(1) {
        if word.is_empty() {
            return Err(type_error(i, "an enum value must not be empty"));
        }
        if word.len() > MAX_ENUM_WORD_LEN {
            return Err(type_error(
                i,
                format!("an enum value is at most {MAX_ENUM_WORD_LEN} bytes"),
            ));
        }
        check_chars(word, false).map_err(|r| type_error(i, format!("the enum value {}", r.0)))?;
        if words[1..i].contains(word) {
            return Err(type_error(
                i,
                format!("enum value {word:?} is listed twice"),
            ));
        }
    }
    Ok(words[1..].to_vec())
}

/// Checks the words of a `regex` definition.
pub(super) fn parse_regex(words: &[String]) -> Result<Pattern, TypeError> {
    match words {
        [_] => Err(type_error(0, "regex needs a pattern")),
        [_, pattern] => Pattern::new(pattern).map_err(|m| type_error(1, m)),
        _ => Err(type_error(
            2,
            "regex takes exactly one pattern; quote it if it has spaces",
        )),
    }
}

/// `string`: the charset, when there is one.
pub(super) fn validate_string(text: &str, charset: Option<&Charset>) -> Result<(), Rejection> {
    let Some(set) = charset else { return Ok(()) };
    match text.char_indices().find(|(_, c)| !set.contains(*c)) {
        Some((at, c)) => Err(reject(format!(
            "contains {} (at byte {at}), which is not in the charset {set}",
            show_char(c)
        ))),
        None => Ok(()),
    }
}

/// `ident`: `[A-Za-z_][A-Za-z0-9_]*`.
pub(super) fn validate_ident(text: &str) -> Result<(), Rejection> {
    if text.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(reject("starts with a digit"));
    }
    match text
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_'))
    {
        Some((at, c)) => Err(reject(format!(
            "contains {} (at byte {at}); an identifier has only A-Z a-z 0-9 _",
            show_char(c)
        ))),
        None => Ok(()),
    }
}

/// `uuid`: canonical lowercase `8-4-4-4-12`.
pub(super) fn validate_uuid(text: &str) -> Result<(), Rejection> {
    let shape_ok = text.len() == 36
        && text.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        });
    if !shape_ok {
        return Err(reject("is not a UUID (8-4-4-4-12 lowercase hex digits)"));
    }
    if text.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(reject(
            "is not a canonical UUID: write the hex digits in lowercase",
        ));
    }
    Ok(())
}

/// `enum`: one of `values`, byte for byte.
pub(super) fn validate_enum(text: &str, values: &[String]) -> Result<(), Rejection> {
    if values.iter().any(|v| v == text) {
        return Ok(());
    }
    let shown: Vec<&str> = values
        .iter()
        .take(ENUM_WORDS_SHOWN)
        .map(String::as_str)
        .collect();
    let more = values.len().saturating_sub(ENUM_WORDS_SHOWN);
    let tail = if more > 0 {
        format!(", and {more} more")
    } else {
        String::new()
    };
    Err(reject(format!("is not one of: {}{tail}", shown.join(", "))))
}

/// `regex`: the whole value matches.
pub(super) fn validate_regex(text: &str, pattern: &Pattern) -> Result<(), Rejection> {
    if pattern.is_match(text) {
        Ok(())
    } else {
        Err(reject(format!(
            "does not match the pattern {}",
            pattern.as_str()
        )))
    }
}
