//! Parameter words of a type definition (`max=10`, `beneath=/srv/www`) and
//! the quoting used to print them back.
//!
//! Every parameter is a single `KEY=VALUE` word. An unknown key, a word
//! without `=`, or a key given twice is a [`TypeError`] naming the word and
//! listing what the type takes. Parameter values are limited to
//! [`MAX_VALUE_LEN`] bytes and obey the universal character rules, since a
//! policy is read by a setuid helper and is checked like any other input.

use super::universal::check_chars;
use super::{TypeError, MAX_VALUE_LEN};

/// Shorthand for a [`TypeError`] at word `word`.
pub(super) fn type_error(word: usize, message: impl Into<String>) -> TypeError {
    TypeError {
        word,
        message: message.into(),
    }
}

/// One `KEY=VALUE` parameter: where it was and its value.
#[derive(Debug, Clone, Copy)]
pub(super) struct Param<'a> {
    /// Index of the word in the definition.
    pub word: usize,
    /// Text after the first `=`.
    pub value: &'a str,
}

/// The parameters of one definition, checked against what the type takes.
#[derive(Debug)]
pub(super) struct Params<'a> {
    found: Vec<(&'a str, Param<'a>)>,
}

impl<'a> Params<'a> {
    /// Reads `words[1..]` as parameters of `base`, which takes `allowed`
    /// (pairs of key and a hint for its value, like `("max", "N")`).
    pub(super) fn new(words: &'a [String], allowed: &[(&str, &str)]) -> Result<Self, TypeError> {
        let base = words.first().map_or("", String::as_str);
        let takes = || {
            if allowed.is_empty() {
                format!("{base} takes no parameters")
            } else {
                let list: Vec<String> = allowed
                    .iter()
                    .map(|(k, hint)| format!("{k}={hint}"))
                    .collect();
                format!("{base} takes: {}", list.join(", "))
            }
        };
        let mut found: Vec<(&str, Param<'_>)> = Vec::new();
        for (word, text) in words.iter().enumerate().skip(1) {
            check_chars(text, false)
                .map_err(|r| type_error(word, format!("the parameter {}", r.0)))?;
            let Some((key, value)) = text.split_once('=') else {
                return Err(type_error(
                    word,
                    format!("expected a parameter KEY=VALUE; {}", takes()),
                ));
            };
            if !allowed.iter().any(|(k, _)| *k == key) {
                let shown = if key.len() <= 64 {
                    format!("{key:?}")
                } else {
                    "(too long)".to_string()
                };
                return Err(type_error(
                    word,
                    format!("unknown parameter {shown}; {}", takes()),
                ));
            }
            if found.iter().any(|(k, _)| *k == key) {
                return Err(type_error(word, format!("parameter {key}= given twice")));
            }
            if value.len() > MAX_VALUE_LEN {
                return Err(type_error(
                    word,
                    format!("the value of {key}= is longer than {MAX_VALUE_LEN} bytes"),
                ));
            }
            found.push((key, Param { word, value }));
        }
        Ok(Params { found })
    }

    /// The parameter `key`, if given.
    pub(super) fn get(&self, key: &str) -> Option<Param<'a>> {
        self.found.iter().find(|(k, _)| *k == key).map(|(_, p)| *p)
    }

    /// `key=yes|no` as a boolean, if given.
    pub(super) fn yes_no(&self, key: &str) -> Result<Option<bool>, TypeError> {
        match self.get(key) {
            None => Ok(None),
            Some(Param { value: "yes", .. }) => Ok(Some(true)),
            Some(Param { value: "no", .. }) => Ok(Some(false)),
            Some(p) => Err(type_error(p.word, format!("{key}= must be yes or no"))),
        }
    }

    /// `key=N` as an unsigned decimal number, if given.
    pub(super) fn number(&self, key: &str) -> Result<Option<u64>, TypeError> {
        self.get(key)
            .map(|p| parse_u64(p.value).ok_or_else(|| bad_number(p, key)))
            .transpose()
    }

    /// `key=N` as a signed decimal number, if given.
    pub(super) fn signed(&self, key: &str) -> Result<Option<i64>, TypeError> {
        self.get(key)
            .map(|p| parse_i64(p.value).ok_or_else(|| bad_number(p, key)))
            .transpose()
    }
}

/// The error for a parameter that is not a number in range.
fn bad_number(p: Param<'_>, key: &str) -> TypeError {
    type_error(
        p.word,
        format!("{key}= must be a decimal number without sign or leading zeros, in range"),
    )
}

/// Strict unsigned decimal: ASCII digits, no sign, no leading zero, fits
/// in `u64`.
pub(super) fn parse_u64(text: &str) -> Option<u64> {
    let canonical = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    if canonical {
        text.parse().ok()
    } else {
        None
    }
}

/// Strict signed decimal: like [`parse_u64`] with an optional leading `-`
/// (but not `-0`), fits in `i64`.
pub(super) fn parse_i64(text: &str) -> Option<i64> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let magnitude = i128::from(parse_u64(digits)?);
    if negative && magnitude == 0 {
        return None;
    }
    i64::try_from(if negative { -magnitude } else { magnitude }).ok()
}

/// Quotes `word` for a policy line when it needs it: words made only of
/// letters, digits and `_ . / : = @ % + , -` stay bare; anything else
/// (including the empty word and any word with `#`, quotes, spaces or
/// non-ASCII text) is put in single quotes, with `'` written as `'\''`.
pub(super) fn quote(word: &str) -> String {
    let bare = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_./:=@%+,-".contains(&b));
    if bare {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}
