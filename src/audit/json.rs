//! The encoders an audit record is written with: JSON string literals that
//! no value can break out of, and RFC 3339 time stamps. Not public API
//! (the fuzz targets reach them through `__private`).

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::value::must_escape;

/// Appends `s` as a JSON string literal: `"` and `\` escaped, and every
/// character that no one-line output may show raw (control, invisible,
/// line-separator and bidirectional characters, the same set the CLI's
/// messages escape) written as `\uXXXX` (a surrogate pair above U+FFFF),
/// so a value can neither break the line nor read differently in a
/// terminal.
pub fn json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if must_escape(c) => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{:04x}", u);
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Formats a time as RFC 3339 UTC with milliseconds.
pub fn rfc3339(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60,
        d.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn escapes_everything_that_could_break_a_line() {
        let mut s = String::new();
        json_str(&mut s, "a\"b\\c\nd\re\u{1b}f\u{2028}g\u{7f}");
        assert_eq!(s, r#""a\"b\\c\nd\re\u001bf\u2028g\u007f""#);
    }

    #[test]
    fn escapes_bidi_and_invisible_characters() {
        let mut s = String::new();
        json_str(&mut s, "evil\u{202e}txt.exe\u{200b}\u{e0041}\u{85}ok");
        assert_eq!(s, r#""evil\u202etxt.exe\u200b\udb40\udc41\u0085ok""#);
    }

    #[test]
    fn civil_dates() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::from_secs(951_782_400)),
            "2000-02-29T00:00:00.000Z"
        );
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::from_millis(1_795_000_000_123)),
            "2026-11-18T11:06:40.123Z"
        );
    }
}
