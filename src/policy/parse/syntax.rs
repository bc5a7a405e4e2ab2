//! The small scalar syntaxes of the policy file: names, decimal numbers,
//! durations, byte sizes, ports and paths.
//!
//! Every function here is total: it returns a message (completing a
//! sentence about the offending word) instead of panicking, and never
//! slices text at a byte offset that could split a character.

use std::path::PathBuf;
use std::time::Duration;

use crate::value::ValueType;

/// The built-in type names of SPEC "Values". A named type may not take one
/// of these names. (The value layer is the authority on what each accepts;
/// this list only reserves the names.)
pub(in crate::policy) const BUILTIN_TYPE_NAMES: &[&str] = &[
    "string", "uint", "int", "enum", "regex", "user", "group", "hostname", "domain", "email",
    "path", "port", "mode", "ip", "ipv4", "ipv6", "cidr", "uuid", "ident", "secret",
];

/// The longest action or type name.
pub(in crate::policy) const MAX_NAME_LEN: usize = crate::template::MAX_NAME_LEN;
/// The longest user or group name (shadow-utils).
pub(in crate::policy) const MAX_ACCOUNT_LEN: usize = 32;
/// The longest path in `audit file`, `cwd` and `fs` (Linux `PATH_MAX`).
pub(in crate::policy) const MAX_PATH_LEN: usize = 4096;
/// The longest environment variable name.
pub(in crate::policy) const MAX_ENV_NAME_LEN: usize = 255;
/// The longest system call name in `seccomp ... allow=`.
pub(in crate::policy) const MAX_SYSCALL_LEN: usize = 64;
/// The longest `timeout`.
pub(in crate::policy) const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

/// How many characters of a word a message quotes before eliding the rest.
const SHOW_CHARS: usize = 48;

/// The word as shown in a message: in backquotes, cut (on a character
/// boundary) after [`SHOW_CHARS`] characters.
pub(in crate::policy) fn show(s: &str) -> String {
    let mut out: String = s.chars().take(SHOW_CHARS).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    format!("`{out}`")
}

/// True if `name` is reserved for a built-in type.
pub(in crate::policy) fn is_builtin_type(name: &str) -> bool {
    BUILTIN_TYPE_NAMES.contains(&name) || ValueType::builtin(name).is_some()
}

/// Checks an action or type name: `[a-z][a-z0-9_-]*`, at most
/// [`MAX_NAME_LEN`] bytes.
pub(in crate::policy) fn check_name(what: &str, s: &str) -> Result<(), String> {
    let mut chars = s.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase());
    let rest_ok =
        chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if !first_ok || !rest_ok {
        let hint = if s.contains('=') {
            "; put spaces around `=`"
        } else {
            ""
        };
        return Err(format!(
            "invalid {what} name {}: use lowercase letters, digits, `_` and `-`, starting with a letter{hint}",
            show(s)
        ));
    }
    if s.len() > MAX_NAME_LEN {
        return Err(format!(
            "{what} name {} is longer than {MAX_NAME_LEN} bytes",
            show(s)
        ));
    }
    Ok(())
}

/// True for a user or group name by shadow-utils rules:
/// `[a-z_][a-z0-9_-]*` with an optional final `$`, at most 32 bytes.
pub(in crate::policy) fn is_account_name(s: &str) -> bool {
    let body = s.strip_suffix('$').unwrap_or(s);
    let mut chars = body.chars();
    !s.is_empty()
        && s.len() <= MAX_ACCOUNT_LEN
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// Checks a user or group name, with a message naming `what`.
pub(in crate::policy) fn check_account(what: &str, s: &str) -> Result<(), String> {
    if is_account_name(s) {
        return Ok(());
    }
    let hint = if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        " (numeric ids are not accepted here; give the name)"
    } else {
        ""
    };
    Err(format!(
        "invalid {what} name {}: expected `[a-z_][a-z0-9_-]*` with an optional final `$`, at most {MAX_ACCOUNT_LEN} bytes{hint}",
        show(s)
    ))
}

/// Parses a plain decimal number: ASCII digits only, no sign, no leading
/// zeros, no overflow.
pub(in crate::policy) fn parse_decimal(s: &str) -> Result<u64, String> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{} is not a decimal number", show(s)));
    }
    if s.len() > 1 && s.starts_with('0') {
        return Err(format!("{} has a leading zero", show(s)));
    }
    s.parse::<u64>()
        .map_err(|_| format!("{} is too large", show(s)))
}

/// Splits `30s` into `("30", "s")`: the leading ASCII digits and the rest.
fn split_number(s: &str) -> (&str, &str) {
    let end = s
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(s.len());
    // `end` is the index of an ASCII byte (or the end), so a char boundary.
    s.split_at(end)
}

/// Parses a `timeout`: a number and a unit `ms`, `s`, `m` or `h`; more than
/// zero and at most 24 hours.
pub(in crate::policy) fn parse_duration(s: &str) -> Result<Duration, String> {
    let (digits, unit) = split_number(s);
    let factor_ms: u64 = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "" if !digits.is_empty() => {
            return Err(format!(
                "duration {} needs a unit: `ms`, `s`, `m` or `h` (e.g. `30s`)",
                show(s)
            ));
        }
        _ => {
            return Err(format!(
                "invalid duration {}: expected a number and `ms`, `s`, `m` or `h` (e.g. `30s`)",
                show(s)
            ))
        }
    };
    let n = parse_decimal(digits).map_err(|e| format!("invalid duration: {e}"))?;
    let ms = n
        .checked_mul(factor_ms)
        .ok_or_else(|| format!("duration {} is too long (at most 24h)", show(s)))?;
    let d = Duration::from_millis(ms);
    if d.is_zero() {
        return Err("the timeout must be more than zero".into());
    }
    if d > MAX_TIMEOUT {
        return Err(format!("duration {} is too long (at most 24h)", show(s)));
    }
    Ok(d)
}

/// Prints a duration in the largest unit that represents it exactly
/// (`1h`, `5m`, `30s`, `500ms`); sub-millisecond parts are rounded up.
pub(in crate::policy) fn format_duration(d: Duration) -> String {
    let mut ms = d.as_millis();
    if d.subsec_nanos() % 1_000_000 != 0 {
        ms += 1;
    }
    if ms % 3_600_000 == 0 && ms > 0 {
        format!("{}h", ms / 3_600_000)
    } else if ms % 60_000 == 0 && ms > 0 {
        format!("{}m", ms / 60_000)
    } else if ms % 1_000 == 0 && ms > 0 {
        format!("{}s", ms / 1_000)
    } else {
        format!("{ms}ms")
    }
}

/// Parses `limit cpu=`: seconds, optionally with a unit `s`, `m` or `h`.
pub(in crate::policy) fn parse_cpu_seconds(s: &str) -> Result<u64, String> {
    let (digits, unit) = split_number(s);
    let factor: u64 = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3_600,
        _ => {
            return Err(format!(
                "invalid CPU time {}: expected seconds, e.g. `30`, `30s`, `5m` or `1h`",
                show(s)
            ))
        }
    };
    let n = parse_decimal(digits).map_err(|e| format!("invalid CPU time: {e}"))?;
    n.checked_mul(factor)
        .ok_or_else(|| format!("CPU time {} is too large", show(s)))
}

/// Parses a byte count: a number with an optional suffix `K`, `M`, `G` or
/// `T` (powers of 1024). `u64::MAX` is refused: it means "unlimited" to the
/// kernel.
pub(in crate::policy) fn parse_size(s: &str) -> Result<u64, String> {
    let (digits, unit) = split_number(s);
    let shift = match unit {
        "" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        "T" => 40,
        _ => {
            return Err(format!(
                "invalid size {}: expected a byte count with an optional suffix `K`, `M`, `G` or `T` (powers of 1024), e.g. `512M`",
                show(s)
            ))
        }
    };
    let n = parse_decimal(digits).map_err(|e| format!("invalid size: {e}"))?;
    let too_large = || format!("size {} is too large", show(s));
    let v = n.checked_mul(1u64 << shift).ok_or_else(too_large)?;
    if v == u64::MAX {
        return Err(too_large());
    }
    Ok(v)
}

/// Prints a byte count with the largest suffix that represents it exactly.
pub(in crate::policy) fn format_size(v: u64) -> String {
    for (shift, suffix) in [(40, "T"), (30, "G"), (20, "M"), (10, "K")] {
        let unit = 1u64 << shift;
        if v >= unit && v % unit == 0 {
            return format!("{}{suffix}", v / unit);
        }
    }
    v.to_string()
}

/// Parses a TCP port, 1 to 65535.
pub(in crate::policy) fn parse_port(s: &str) -> Result<u16, String> {
    let n = parse_decimal(s).map_err(|e| format!("invalid port: {e}"))?;
    match u16::try_from(n) {
        Ok(p) if p > 0 => Ok(p),
        _ => Err(format!("port {} is out of range (1 to 65535)", show(s))),
    }
}

/// Parses a uid or gid for `allow`: a decimal below 4294967295 (which is
/// `(uid_t)-1`, "no id", to the kernel).
pub(in crate::policy) fn parse_id(what: &str, s: &str) -> Result<u32, String> {
    let n = parse_decimal(s).map_err(|e| format!("invalid {what}: {e}"))?;
    match u32::try_from(n) {
        Ok(id) if id != u32::MAX => Ok(id),
        _ => Err(format!(
            "{what} {} is out of range (0 to 4294967294)",
            show(s)
        )),
    }
}

/// Parses a literal absolute path (`audit file`, `cwd`, `fs`): it must
/// start with `/`, have no `..` component, hold no `{` or `}` and be at
/// most [`MAX_PATH_LEN`] bytes.
pub(in crate::policy) fn parse_abs_path(s: &str) -> Result<PathBuf, String> {
    if s.contains(['{', '}']) {
        return Err(format!(
            "path {} holds `{{` or `}}`: only an `fs` rule can name a placeholder, as a whole word `{{name}}`",
            show(s)
        ));
    }
    if !s.starts_with('/') {
        return Err(format!(
            "path {} must be absolute (start with `/`)",
            show(s)
        ));
    }
    if s.len() > MAX_PATH_LEN {
        return Err(format!(
            "path {} is longer than {MAX_PATH_LEN} bytes",
            show(s)
        ));
    }
    if s.split('/').any(|c| c == "..") {
        return Err(format!(
            "path {} has a `..` component; write the path it means",
            show(s)
        ));
    }
    Ok(PathBuf::from(s))
}

/// True for a placeholder name (the template's rule:
/// `[A-Za-z_][A-Za-z0-9_-]*`, at most [`MAX_NAME_LEN`] bytes).
pub(in crate::policy) fn is_placeholder_name(s: &str) -> bool {
    let mut chars = s.chars();
    s.len() <= MAX_NAME_LEN
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Environment variables an action may not set: `PATH` is fixed, and the
/// others make the dynamic loader, the C library or an interpreter load
/// code or read configuration named by the variable.
const REFUSED_ENV: &[&str] = &[
    "PATH",
    // glibc: the variables it drops for setuid programs (UNSECURE_ENVVARS).
    "GCONV_PATH",
    "GETCONF_DIR",
    "GLIBC_TUNABLES",
    "HOSTALIASES",
    "LOCALDOMAIN",
    "LOCPATH",
    "MALLOC_TRACE",
    "NIS_PATH",
    "NLSPATH",
    "RESOLV_HOST_CONF",
    "RES_OPTIONS",
    "TZDIR",
    // Shells.
    "BASH_ENV",
    "ENV",
    "SHELLOPTS",
    "BASHOPTS",
    "PS4",
    "IFS",
    "CDPATH",
    // Interpreters and runtimes.
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONSTARTUP",
    "PYTHONINSPECT",
    "PERL5LIB",
    "PERLLIB",
    "PERL5OPT",
    "PERL5DB",
    "RUBYLIB",
    "RUBYOPT",
    "NODE_OPTIONS",
    "NODE_PATH",
    "JAVA_TOOL_OPTIONS",
    "_JAVA_OPTIONS",
    "JDK_JAVA_OPTIONS",
    "CLASSPATH",
    "PHPRC",
    "PHP_INI_SCAN_DIR",
    "LUA_INIT",
    "LUA_PATH",
    "LUA_CPATH",
    "TCLLIBPATH",
    "GIT_EXEC_PATH",
    "GIT_SSH",
    "GIT_SSH_COMMAND",
    "GIT_CONFIG_GLOBAL",
    "GIT_CONFIG_SYSTEM",
];

/// Prefixes of refused environment variables (`LD_PRELOAD`, `LD_AUDIT`, ...;
/// bash's exported functions; glibc's malloc tuning).
const REFUSED_ENV_PREFIXES: &[&str] = &["LD_", "BASH_FUNC_", "MALLOC_", "GIT_CONFIG_"];

/// Checks an `env` variable name: `[A-Za-z_][A-Za-z0-9_]*`, at most
/// [`MAX_ENV_NAME_LEN`] bytes, and not a refused variable.
pub(in crate::policy) fn check_env_name(s: &str) -> Result<(), String> {
    let mut chars = s.chars();
    let ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && s.len() <= MAX_ENV_NAME_LEN;
    if !ok {
        return Err(format!(
            "invalid environment variable name {}: use letters, digits and `_`, not starting with a digit",
            show(s)
        ));
    }
    if s == "PATH" {
        return Err("`PATH` cannot be set: the child always gets a fixed `PATH`".into());
    }
    if REFUSED_ENV.contains(&s) || REFUSED_ENV_PREFIXES.iter().any(|p| s.starts_with(p)) {
        return Err(format!(
            "environment variable `{s}` cannot be set: it makes the loader, the C library, a shell or an interpreter load code or configuration from where it points"
        ));
    }
    Ok(())
}

/// Checks a system call name for `seccomp ... allow=`: `[a-z0-9_]+`, at most
/// [`MAX_SYSCALL_LEN`] bytes. Whether the kernel knows it is checked when
/// the filter is built.
pub(in crate::policy) fn check_syscall(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("empty system call name in `allow=` (write `allow=NAME,NAME`)".into());
    }
    if s.len() > MAX_SYSCALL_LEN
        || !s
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(format!(
            "invalid system call name {}: expected `[a-z0-9_]+`",
            show(s)
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("24h"), Ok(MAX_TIMEOUT));
        for bad in [
            "",
            "0s",
            "30",
            "s",
            "1d",
            "25h",
            "-1s",
            "01s",
            "1.5s",
            "99999999999999999999h",
            "३s",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        for d in ["1h", "5m", "30s", "500ms", "61s", "90m", "1001ms"] {
            let parsed = parse_duration(d).unwrap();
            assert_eq!(format_duration(parsed), d);
        }
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("512M"), Ok(512 << 20));
        assert_eq!(parse_size("0"), Ok(0));
        assert_eq!(parse_size("16777215T"), Ok(16_777_215u64 << 40));
        for bad in [
            "",
            "16777216T",
            "18446744073709551615",
            "1k",
            "1KiB",
            "M",
            "1.5G",
            "012",
        ] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
        for v in [
            0,
            1,
            1023,
            1024,
            1536,
            512 << 20,
            3 << 30,
            1 << 40,
            u64::MAX - 1,
        ] {
            assert_eq!(parse_size(&format_size(v)), Ok(v), "{v}");
        }
    }

    #[test]
    fn names_and_numbers() {
        assert!(
            is_account_name("www-data") && is_account_name("_x") && is_account_name("machine$")
        );
        for bad in ["", "Root", "1abc", "a b", "a$b", "$", &"a".repeat(33)] {
            assert!(!is_account_name(bad), "{bad}");
        }
        assert!(check_name("action", "add-site").is_ok());
        assert!(check_name("action", "Add").is_err() && check_name("action", "-x").is_err());
        assert_eq!(parse_port("65535"), Ok(65535));
        assert!(
            parse_port("0").is_err() && parse_port("65536").is_err() && parse_port("080").is_err()
        );
        assert_eq!(parse_id("uid", "0"), Ok(0));
        assert!(parse_id("uid", "4294967295").is_err());
    }

    #[test]
    fn paths_and_env() {
        assert!(parse_abs_path("/srv/www").is_ok());
        for bad in ["srv", "", "/a/../b", "/a/{x}", "/.."] {
            assert!(parse_abs_path(bad).is_err(), "{bad}");
        }
        assert!(check_env_name("LANG").is_ok());
        for bad in [
            "PATH",
            "LD_PRELOAD",
            "LD_ANYTHING",
            "BASH_FUNC_x%%",
            "PYTHONPATH",
            "1X",
            "A-B",
            "",
        ] {
            assert!(check_env_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn show_cuts_on_char_boundaries() {
        let long = "é".repeat(100);
        let s = show(&long);
        assert!(s.ends_with("…`"));
        assert_eq!(s.chars().filter(|&c| c == 'é').count(), SHOW_CHARS);
    }
}
