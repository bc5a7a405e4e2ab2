//! Number types: `uint`, `int`, `port` and `mode`.
//!
//! Decimal values are ASCII digits only: no `+`, no spaces, no leading
//! zeros (except `0` itself, so `010` can never be read as octal by a shell
//! or `strtol(…, 0)`), no Unicode digits (full-width `１２３`, Arabic-Indic
//! `١٢٣` and the like are refused with a message saying so), and the value
//! must fit the type (checked parse, never wrapping). The child receives
//! the value exactly as sent, which is then its canonical form.
//!
//! Decisions where SPEC is silent:
//!
//! - `int` allows one leading `-` (but not `-0`, which is not canonical).
//!   A negative value starts with `-`, so where the template puts it alone
//!   as a word it is refused unless an earlier word is `--`; that rule
//!   belongs to the template layer, not to this validator. Use `int` after
//!   `--` or inside a word (`--offset={n:int}`).
//! - `uint min= max=` and `int min= max=` bounds are written by the same
//!   strict rules; `min` greater than `max` is a type error. Bounds equal to
//!   the defaults (the whole `u64`/`i64` range) are not printed back.
//! - `port` takes no parameters: 1–65535.
//! - `mode` takes 3 or 4 octal digits (`755`, `0755`, `2755`), nothing
//!   symbolic, and the child always gets the canonical 4-digit form
//!   (`0755`). `max=` (octal, default `0777`, at most `07777`) is a
//!   **mask**, not a numeric bound: a value may only set bits that `max`
//!   sets. So `max=04777` allows setuid but not setgid (`02755`), which a
//!   numeric comparison would let through.

use super::type_params::{parse_u64, type_error, Params};
use super::universal::reject;
use super::{Rejection, TypeError};

/// Longest decimal value (`-9223372036854775808`, `18446744073709551615`).
pub(super) const MAX_DECIMAL_LEN: usize = 20;
/// Longest `mode` value.
pub(super) const MAX_MODE_LEN: usize = 4;
/// The default and largest `mode` masks.
pub(super) const DEFAULT_MODE_MAX: u32 = 0o777;
const MODE_MASK_LIMIT: u32 = 0o7777;

/// Reads the `min=`/`max=` parameters of `uint`.
pub(super) fn parse_uint(words: &[String]) -> Result<(u64, u64), TypeError> {
    let params = Params::new(words, &[("min", "N"), ("max", "N")])?;
    let min = params.number("min")?.unwrap_or(0);
    let max = params.number("max")?.unwrap_or(u64::MAX);
    if min > max {
        return Err(min_above_max(&params));
    }
    Ok((min, max))
}

/// Reads the `min=`/`max=` parameters of `int`.
pub(super) fn parse_int(words: &[String]) -> Result<(i64, i64), TypeError> {
    let params = Params::new(words, &[("min", "N"), ("max", "N")])?;
    let min = params.signed("min")?.unwrap_or(i64::MIN);
    let max = params.signed("max")?.unwrap_or(i64::MAX);
    if min > max {
        return Err(min_above_max(&params));
    }
    Ok((min, max))
}

/// The error for `min` greater than `max`, at the later of the two words.
fn min_above_max(params: &Params<'_>) -> TypeError {
    let word = [params.get("min"), params.get("max")]
        .iter()
        .flatten()
        .map(|p| p.word)
        .max()
        .unwrap_or(0);
    type_error(word, "min= is greater than max=")
}

/// Reads the `max=` parameter of `mode`.
pub(super) fn parse_mode(words: &[String]) -> Result<u32, TypeError> {
    let params = Params::new(words, &[("max", "OCTAL")])?;
    let Some(p) = params.get("max") else {
        return Ok(DEFAULT_MODE_MAX);
    };
    let octal = !p.value.is_empty()
        && p.value.len() <= 5
        && p.value.bytes().all(|b| (b'0'..=b'7').contains(&b));
    match u32::from_str_radix(p.value, 8) {
        Ok(max) if octal && max <= MODE_MASK_LIMIT => Ok(max),
        _ => Err(type_error(
            p.word,
            "max= must be an octal mode from 0000 to 07777",
        )),
    }
}

/// Splits off a sign and checks that the rest is canonical ASCII decimal.
/// Returns whether there was a `-` and the digits.
fn decimal(text: &str, signed: bool) -> Result<(bool, &str), Rejection> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) if signed => (true, rest),
        Some(_) => return Err(reject("is negative; only the digits 0-9 are allowed")),
        None => (false, text),
    };
    if digits.starts_with('+') || (!signed && digits.starts_with('-')) {
        return Err(reject(
            "has a sign; write the number with the digits 0-9 only",
        ));
    }
    if let Some(c) = digits.chars().find(|c| !c.is_ascii_digit()) {
        return Err(if c.is_numeric() {
            reject("contains a non-ASCII digit; only the digits 0-9 are allowed")
        } else if c.is_whitespace() {
            reject("contains a space; only the digits 0-9 are allowed")
        } else {
            reject("is not a decimal number (only the digits 0-9)")
        });
    }
    if digits.is_empty() {
        return Err(reject("is not a decimal number (only the digits 0-9)"));
    }
    if digits.len() > 1 && digits.starts_with('0') {
        return Err(reject("has a leading zero"));
    }
    if negative && digits == "0" {
        return Err(reject("is a negative zero; write 0"));
    }
    Ok((negative, digits))
}

/// `uint`: canonical decimal in `min..=max`.
pub(super) fn validate_uint(text: &str, min: u64, max: u64) -> Result<(), Rejection> {
    let (_, digits) = decimal(text, false)?;
    let greater = || reject(format!("is greater than the maximum {max}"));
    // `decimal` checked the digits, so only overflow makes this fail.
    let n = digits.parse::<u64>().map_err(|_| greater())?;
    if n > max {
        return Err(greater());
    }
    if n < min {
        return Err(reject(format!("is less than the minimum {min}")));
    }
    Ok(())
}

/// `int`: canonical decimal with optional `-`, in `min..=max`.
pub(super) fn validate_int(text: &str, min: i64, max: i64) -> Result<(), Rejection> {
    let (negative, digits) = decimal(text, true)?;
    let magnitude = parse_u64(digits).map(i128::from);
    let n = match (magnitude, negative) {
        (Some(m), false) => i64::try_from(m).ok(),
        (Some(m), true) => i64::try_from(-m).ok(),
        (None, _) => None,
    };
    match n {
        Some(n) if n < min => Err(reject(format!("is less than the minimum {min}"))),
        Some(n) if n > max => Err(reject(format!("is greater than the maximum {max}"))),
        Some(_) => Ok(()),
        None if negative => Err(reject(format!("is less than the minimum {min}"))),
        None => Err(reject(format!("is greater than the maximum {max}"))),
    }
}

/// `port`: 1–65535.
pub(super) fn validate_port(text: &str) -> Result<(), Rejection> {
    validate_uint(text, 1, 65535)
}

/// `mode`: 3 or 4 octal digits setting only bits of `max`; returns the
/// canonical 4-digit form.
pub(super) fn validate_mode(text: &str, max: u32) -> Result<String, Rejection> {
    let octal = (3..=4).contains(&text.len()) && text.bytes().all(|b| (b'0'..=b'7').contains(&b));
    let mode = match u32::from_str_radix(text, 8) {
        Ok(mode) if octal => mode,
        _ => {
            return Err(reject(
                "is not an octal mode (3 or 4 digits 0-7, like 755 or 0755)",
            ))
        }
    };
    if mode & !max != 0 {
        return Err(reject(format!(
            "sets mode bits outside the maximum {max:04o}"
        )));
    }
    Ok(format!("{mode:04o}"))
}
