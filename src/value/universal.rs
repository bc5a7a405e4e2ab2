//! The rules every value of every type obeys, and the text helpers the
//! family modules share.
//!
//! A value is refused when it is
//!
//! - longer than its type's maximum (in bytes; checked first, before the
//!   value is even decoded, so a huge value costs nothing);
//! - not valid UTF-8;
//! - holding a NUL or any control character: all of C0 (U+0000–U+001F,
//!   which includes tab, newline, carriage return and escape), DEL (U+007F)
//!   and C1 (U+0080–U+009F, which includes NEL U+0085);
//! - holding a character that is invisible or changes how the text around
//!   it is displayed: the line and paragraph separators U+2028/U+2029, the
//!   bidirectional controls (U+061C, U+200E, U+200F, U+202A–U+202E,
//!   U+2066–U+2069), the zero-width characters (U+200B–U+200D, U+2060,
//!   U+FEFF). Beyond what SPEC lists, these invisible format characters are
//!   refused too, for the same reason (a value that reads differently from
//!   what it is): soft hyphen U+00AD, combining grapheme joiner U+034F,
//!   Mongolian vowel separator U+180E, the invisible operators
//!   U+2061–U+2064, the deprecated format characters U+206A–U+206F, the
//!   interlinear annotation characters U+FFF9–U+FFFB and the tag characters
//!   U+E0000–U+E007F ("ASCII smuggling");
//! - empty, unless the type allows empty values.
//!
//! Messages never contain the value or any raw character of it: a bad
//! character is named by its code point (`U+000A`) and byte offset, and for
//! a `secret` not even that.

use super::Rejection;

/// Shorthand for a [`Rejection`] with `message`.
pub(super) fn reject(message: impl Into<String>) -> Rejection {
    Rejection(message.into())
}

/// True for the control characters: C0, DEL and C1.
pub(super) fn is_control(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}')
}

/// True for the characters no one-line output may show raw: the control
/// characters and the invisible, separator and bidirectional formatting
/// characters (listed in the module documentation). The one test behind
/// every escaping routine: values in messages and `explain`
/// ([`super::show_value`]), message lines (`ErrorClass::line`) and the
/// audit log's JSON strings.
pub(crate) fn must_escape(c: char) -> bool {
    is_control(c) || is_invisible(c)
}

/// True for the invisible, separator and bidirectional formatting
/// characters listed in the module documentation.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{ad}'
            | '\u{34f}'
            | '\u{61c}'
            | '\u{180e}'
            | '\u{200b}'..='\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206f}'
            | '\u{feff}'
            | '\u{fff9}'..='\u{fffb}'
            | '\u{e0000}'..='\u{e007f}'
    )
}

/// Decodes `raw` as UTF-8 and applies the character rules.
///
/// `secret` keeps the character and its position out of the message.
pub(super) fn check_text(raw: &[u8], secret: bool) -> Result<&str, Rejection> {
    let text = std::str::from_utf8(raw).map_err(|e| {
        if secret {
            reject("is not valid UTF-8")
        } else {
            reject(format!("is not valid UTF-8 (at byte {})", e.valid_up_to()))
        }
    })?;
    check_chars(text, secret)?;
    Ok(text)
}

/// Applies the character rules to text that is already UTF-8.
pub(super) fn check_chars(text: &str, secret: bool) -> Result<(), Rejection> {
    for (at, c) in text.char_indices() {
        let what = if c == '\0' {
            "a NUL byte"
        } else if is_control(c) {
            "a control character"
        } else if is_invisible(c) {
            "an invisible or text-direction formatting character"
        } else {
            continue;
        };
        return Err(if secret {
            reject(format!("contains {what}"))
        } else {
            reject(format!("contains {what} ({}) at byte {at}", code_point(c)))
        });
    }
    Ok(())
}

/// `c` as `U+XXXX`.
pub(super) fn code_point(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

/// `c` in a form that is safe to put in a message: printable ASCII in
/// single quotes, anything else as its code point.
pub(super) fn show_char(c: char) -> String {
    if c.is_ascii_graphic() || c == ' ' {
        format!("'{c}'")
    } else {
        code_point(c)
    }
}
