//! Name types: `user`, `group`, `hostname`, `domain` and `email`.
//!
//! Decisions where SPEC is silent:
//!
//! - `user`/`group`: `[a-z_][a-z0-9_-]*` with an optional final `$`, at most
//!   32 bytes. The first-character rule already refuses a leading `-`, an
//!   all-digit name (which tools would read as a numeric id), uppercase and
//!   dots (`chown user.group`). `exists=yes` requires the account to exist
//!   (`getpwnam`/`getgrnam` through NSS at validation time), `exists=no`
//!   requires it not to exist (useful for actions that create accounts);
//!   without `exists=` either is accepted. A lookup that fails for another
//!   reason than "not found" refuses the value.
//! - `hostname`/`domain`: ASCII only. A Unicode name is refused with a
//!   message asking for its A-label (`xn--`) form: execward does not carry
//!   an IDNA implementation, and it never passes Unicode raw. `xn--` labels
//!   are checked as ordinary letter-digit-hyphen labels; they are not
//!   decoded. Letters may be in any case and the child receives the name
//!   **lowercased** (one spelling per name, so `Example.COM` cannot name a
//!   second directory or config file). A trailing dot is **refused**, not
//!   stripped, with a message saying so. The last label must not be a
//!   number (all digits, or `0x` and hex digits), so no IPv4 literal in any
//!   form `inet_aton` reads (`127.0.0.1`, `127.1`, `2130706433`,
//!   `0x7f000001`) passes as a host name. Underscores are refused
//!   (RFC 1123 host names have none). `domain` also needs two labels or
//!   more.
//! - `email [max=N]`: `LOCAL@DOMAIN`, at most 254 bytes (`max=` may lower
//!   it to no less than 1, never raise it). The local part is 1–64 bytes of
//!   `A-Z a-z 0-9 . _ + -`, does not start with `-` or `.`, does not end
//!   with `.` and has no `..`: no quotes, comments, spaces or backslashes,
//!   nothing `sendmail` could read as an option (`PHPMailer`,
//!   CVE-2016-10033). The local part is passed unchanged (it is
//!   case-sensitive); the domain follows the `domain` rules and is
//!   lowercased.

use nix::unistd::{Group, User};

use super::type_params::{type_error, Params};
use super::universal::{reject, show_char};
use super::{Rejection, TypeError};

/// Longest `user`/`group` name.
pub(super) const MAX_ACCOUNT_LEN: usize = 32;
/// Longest `hostname`/`domain`.
pub(super) const MAX_HOSTNAME_LEN: usize = 253;
/// Longest label of a host name.
const MAX_LABEL_LEN: usize = 63;
/// Longest and default `email`.
pub(super) const MAX_EMAIL_LEN: usize = 254;
/// Longest local part of an address.
const MAX_LOCAL_LEN: usize = 64;

/// Which account database a `user`/`group` value names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Account {
    User,
    Group,
}

impl Account {
    fn noun(self) -> &'static str {
        match self {
            Account::User => "user",
            Account::Group => "group",
        }
    }
}

/// Reads the `exists=` parameter of `user`/`group`.
pub(super) fn parse_account(words: &[String]) -> Result<Option<bool>, TypeError> {
    Params::new(words, &[("exists", "yes|no")])?.yes_no("exists")
}

/// Reads the `max=` parameter of `email`.
pub(super) fn parse_email(words: &[String]) -> Result<usize, TypeError> {
    let params = Params::new(words, &[("max", "N")])?;
    match (params.number("max")?, params.get("max")) {
        (Some(max), Some(p)) => match usize::try_from(max) {
            Ok(max) if (1..=MAX_EMAIL_LEN).contains(&max) => Ok(max),
            _ => Err(type_error(
                p.word,
                format!("max= must be from 1 to {MAX_EMAIL_LEN}"),
            )),
        },
        _ => Ok(MAX_EMAIL_LEN),
    }
}

/// `user`/`group`: shadow-utils syntax, then the `exists=` check.
pub(super) fn validate_account(
    text: &str,
    account: Account,
    exists: Option<bool>,
) -> Result<(), Rejection> {
    let body = text.strip_suffix('$').unwrap_or(text);
    match body.chars().next() {
        None => return Err(reject("has nothing before the final $")),
        Some(c) if c.is_ascii_digit() => return Err(reject("starts with a digit")),
        Some('-') => return Err(reject("starts with a hyphen")),
        _ => {}
    }
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-';
    if let Some((at, c)) = body.char_indices().find(|(_, c)| !allowed(*c)) {
        let hint = if c.is_ascii_uppercase() {
            "; names are lowercase"
        } else {
            ""
        };
        return Err(reject(format!(
            "contains {} (at byte {at}), which is not allowed in a {} name ([a-z_][a-z0-9_-]*, optional final $){hint}",
            show_char(c),
            account.noun()
        )));
    }
    let Some(want) = exists else { return Ok(()) };
    let found = match account {
        Account::User => User::from_name(text).map(|u| u.is_some()),
        Account::Group => Group::from_name(text).map(|g| g.is_some()),
    }
    .map_err(|e| {
        reject(format!(
            "could not be looked up as a {}: {e}",
            account.noun()
        ))
    })?;
    match (want, found) {
        (true, false) => Err(reject(format!("is not an existing {}", account.noun()))),
        (false, true) => Err(reject(format!("is an existing {}", account.noun()))),
        _ => Ok(()),
    }
}

/// `hostname` (`min_labels` 1) and `domain` (2): returns the lowercased
/// name.
pub(super) fn validate_hostname(text: &str, min_labels: usize) -> Result<String, Rejection> {
    if !text.is_ascii() {
        return Err(reject(
            "contains non-ASCII characters; give the A-label (xn--) form",
        ));
    }
    if let Some((at, c)) = text
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '.'))
    {
        return Err(reject(format!(
            "contains {} (at byte {at}); a host name has only letters, digits, hyphens and dots",
            show_char(c)
        )));
    }
    if text.ends_with('.') {
        return Err(reject(
            "ends with a dot; give the name without the final dot",
        ));
    }
    let mut count = 0;
    let mut last = "";
    for label in text.split('.') {
        if label.is_empty() {
            return Err(reject("has an empty label"));
        }
        if label.len() > MAX_LABEL_LEN {
            return Err(reject(format!(
                "has a label longer than {MAX_LABEL_LEN} bytes"
            )));
        }
        if label.starts_with('-') {
            return Err(reject("has a label that starts with a hyphen"));
        }
        if label.ends_with('-') {
            return Err(reject("has a label that ends with a hyphen"));
        }
        count += 1;
        last = label;
    }
    if count < min_labels {
        return Err(reject("has only one label; a domain needs at least two"));
    }
    let hex = last
        .strip_prefix("0x")
        .or_else(|| last.strip_prefix("0X"))
        .is_some_and(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
    if hex || last.bytes().all(|b| b.is_ascii_digit()) {
        return Err(reject(
            "ends in a numeric label, so it would be read as an IP address",
        ));
    }
    Ok(text.to_ascii_lowercase())
}

/// `email`: returns the address with its domain lowercased.
pub(super) fn validate_email(text: &str) -> Result<String, Rejection> {
    if !text.is_ascii() {
        return Err(reject(
            "contains non-ASCII characters; only ASCII addresses are accepted",
        ));
    }
    let Some((local, domain)) = text.split_once('@') else {
        return Err(reject("has no @"));
    };
    if domain.contains('@') {
        return Err(reject("has more than one @"));
    }
    if local.is_empty() {
        return Err(reject("has an empty local part"));
    }
    if local.len() > MAX_LOCAL_LEN {
        return Err(reject(format!(
            "has a local part longer than {MAX_LOCAL_LEN} bytes"
        )));
    }
    if local.starts_with('-') {
        return Err(reject(
            "starts with a hyphen, which a mail program could read as an option",
        ));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '+' | '-');
    if let Some((at, c)) = local.char_indices().find(|(_, c)| !allowed(*c)) {
        return Err(reject(format!(
            "contains {} (at byte {at}), which is not allowed in the local part (only A-Z a-z 0-9 . _ + -)",
            show_char(c)
        )));
    }
    if local.starts_with('.') {
        return Err(reject("has a local part that starts with a dot"));
    }
    if local.ends_with('.') {
        return Err(reject("has a local part that ends with a dot"));
    }
    if local.contains("..") {
        return Err(reject("has two dots in a row in the local part"));
    }
    if domain.is_empty() {
        return Err(reject("has an empty domain part"));
    }
    let domain = validate_hostname(domain, 2)
        .map_err(|r| reject(format!("has a domain part that {}", r.0)))?;
    Ok(format!("{local}@{domain}"))
}
