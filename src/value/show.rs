//! Showing a caller value safely on one line, in error messages and
//! `explain`.

use super::universal::must_escape;

/// The longest prefix of a value shown in an error message.
const SHOW_MAX: usize = 80;

/// Shows a caller value safely on one line: quoted, every control,
/// invisible or text-direction character and every non-UTF-8 byte escaped
/// (`\u{..}`, `\x..`), shortened past 80 characters.
pub fn show_value(raw: &[u8]) -> String {
    show(raw, Some(SHOW_MAX))
}

/// Like [`show_value`] but never shortened (`explain` prints the exact
/// argv).
pub fn show_value_full(raw: &[u8]) -> String {
    show(raw, None)
}

fn show(raw: &[u8], max: Option<usize>) -> String {
    let mut out = String::from("\"");
    let mut count = 0;
    for chunk in raw.utf8_chunks() {
        for c in chunk.valid().chars() {
            if Some(count) == max {
                out.push_str("\"...");
                return out;
            }
            count += 1;
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                c if must_escape(c) => out.push_str(&c.escape_unicode().to_string()),
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            if Some(count) == max {
                out.push_str("\"...");
                return out;
            }
            count += 1;
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out.push('"');
    out
}
