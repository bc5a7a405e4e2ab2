//! Splitting a line into words by POSIX shell quoting rules, and nothing
//! else.
//!
//! Single quotes, double quotes and backslashes are honoured exactly as
//! `shell-words` (and a POSIX shell) honours them; `#` at the start of a
//! word begins a comment. There is no expansion of any kind: `$`, `*`, `~`,
//! `|`, `;` are literal characters.
//!
//! Unlike `shell_words::split`, this lexer remembers where each word starts
//! (for `file:line:col` diagnostics) and whether a shell would have treated
//! part of the word as syntax (for the "there is no shell" check). The
//! resulting words are identical to `shell_words::split`'s; a test and a fuzz
//! target compare the two.

/// The most words one line may hold.
pub const MAX_WORDS: usize = 4096;

/// One word of a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// The word's text after quote removal.
    pub text: String,
    /// 1-based column (in characters) where the word starts.
    pub col: usize,
    /// True if an unquoted character of the word is shell control syntax:
    /// `|`, `&`, `;`, `<`, `>`, `(`, `)`.
    pub unquoted_operator: bool,
    /// True if an unquoted or double-quoted part holds `$(`, `${` or a
    /// backquote: a shell would substitute there.
    pub substitution: bool,
    /// True if any quoting (quotes or backslash) was used in the word.
    pub quoted: bool,
}

/// A lexing error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LexError {
    /// A quote was opened and never closed.
    #[error("unterminated {quote} quote (opened here)")]
    Unterminated {
        /// `single` or `double`.
        quote: &'static str,
        /// 1-based column of the opening quote.
        col: usize,
    },
    /// More than [`MAX_WORDS`] words.
    #[error("too many words on one line (at most {MAX_WORDS})")]
    TooManyWords {
        /// 1-based column of the first word over the limit.
        col: usize,
    },
}

impl LexError {
    /// The 1-based column the error points at.
    pub fn col(&self) -> usize {
        match self {
            LexError::Unterminated { col, .. } | LexError::TooManyWords { col } => *col,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Between,
    Plain,
    Single,
    Double,
}

fn is_operator(c: char) -> bool {
    matches!(c, '|' | '&' | ';' | '<' | '>' | '(' | ')')
}

/// Splits `line` into words.
///
/// # Errors
/// An unterminated quote or too many words.
pub fn split(line: &str) -> Result<Vec<Word>, LexError> {
    let mut words: Vec<Word> = Vec::new();
    let mut state = State::Between;
    let mut cur = Word {
        text: String::new(),
        col: 0,
        unquoted_operator: false,
        substitution: false,
        quoted: false,
    };
    let mut quote_col = 0;
    let mut prev_dollar = false; // previous char was an unescaped `$` (unquoted or in double quotes)
    let mut chars = line.chars().enumerate().peekable();

    let start_word = |col: usize| Word {
        text: String::new(),
        col,
        unquoted_operator: false,
        substitution: false,
        quoted: false,
    };

    while let Some((i, c)) = chars.next() {
        let col = i + 1;
        if state == State::Between {
            match c {
                ' ' | '\t' | '\n' => continue,
                '#' => {
                    // A comment runs to the end of the line.
                    for (_, n) in chars.by_ref() {
                        if n == '\n' {
                            break;
                        }
                    }
                    continue;
                }
                '\\' if chars.peek().map(|&(_, n)| n) == Some('\n') => {
                    // A line continuation between words.
                    chars.next();
                    continue;
                }
                _ => {
                    if words.len() >= MAX_WORDS {
                        return Err(LexError::TooManyWords { col });
                    }
                    cur = start_word(col);
                    state = State::Plain;
                    prev_dollar = false;
                }
            }
        }
        match state {
            State::Between => {}
            State::Plain => {
                match lex_plain(
                    c,
                    col,
                    &mut cur,
                    &mut state,
                    &mut quote_col,
                    &mut prev_dollar,
                    &mut chars,
                )? {
                    PlainStep::Continue => {}
                    PlainStep::EndWord => {
                        words.push(std::mem::replace(&mut cur, start_word(0)));
                        state = State::Between;
                    }
                }
            }
            State::Single => {
                if c == '\'' {
                    state = State::Plain;
                } else {
                    cur.text.push(c);
                }
            }
            State::Double => match c {
                '"' => {
                    state = State::Plain;
                    prev_dollar = false;
                }
                '\\' => match chars.peek().map(|&(_, n)| n) {
                    Some(n @ ('$' | '`' | '"' | '\\')) => {
                        chars.next();
                        cur.text.push(n);
                        prev_dollar = false;
                    }
                    Some('\n') => {
                        chars.next();
                    }
                    _ => {
                        cur.text.push('\\');
                        prev_dollar = false;
                    }
                },
                _ => {
                    if c == '`' || (prev_dollar && (c == '(' || c == '{')) {
                        cur.substitution = true;
                    }
                    prev_dollar = c == '$';
                    cur.text.push(c);
                }
            },
        }
    }
    match state {
        State::Between => {}
        State::Plain => words.push(cur),
        State::Single => {
            return Err(LexError::Unterminated {
                quote: "single",
                col: quote_col,
            })
        }
        State::Double => {
            return Err(LexError::Unterminated {
                quote: "double",
                col: quote_col,
            })
        }
    }
    Ok(words)
}

enum PlainStep {
    Continue,
    EndWord,
}

fn lex_plain(
    c: char,
    col: usize,
    cur: &mut Word,
    state: &mut State,
    quote_col: &mut usize,
    prev_dollar: &mut bool,
    chars: &mut std::iter::Peekable<std::iter::Enumerate<std::str::Chars<'_>>>,
) -> Result<PlainStep, LexError> {
    match c {
        ' ' | '\t' | '\n' => return Ok(PlainStep::EndWord),
        '\'' => {
            *state = State::Single;
            *quote_col = col;
            cur.quoted = true;
            *prev_dollar = false;
        }
        '"' => {
            *state = State::Double;
            *quote_col = col;
            cur.quoted = true;
            *prev_dollar = false;
        }
        '\\' => {
            cur.quoted = true;
            *prev_dollar = false;
            match chars.next() {
                Some((_, '\n')) => {}
                Some((_, n)) => cur.text.push(n),
                // A lone backslash at the very end is literal (as in shell-words).
                None => cur.text.push('\\'),
            }
        }
        _ => {
            if is_operator(c) {
                cur.unquoted_operator = true;
            }
            if c == '`' || (*prev_dollar && (c == '(' || c == '{')) {
                cur.substitution = true;
            }
            *prev_dollar = c == '$';
            cur.text.push(c);
        }
    }
    Ok(PlainStep::Continue)
}

/// Splits `line` and returns just the texts (the `shell_words::split`
/// equivalent).
///
/// # Errors
/// As [`split`].
pub fn split_texts(line: &str) -> Result<Vec<String>, LexError> {
    Ok(split(line)?.into_iter().map(|w| w.text).collect())
}

/// Quotes `s` so that [`split`] (and a POSIX shell) reads it back as exactly
/// one word equal to `s`.
pub fn quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(
                    c,
                    '/' | '.' | '_' | '-' | '=' | ':' | ',' | '+' | '@' | '%' | '{' | '}' | '?'
                )
        })
        && !s.starts_with('#');
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same_as_shell_words(line: &str) {
        let ours = split_texts(line);
        let theirs = shell_words::split(line);
        match (ours, theirs) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "line {line:?}"),
            (Err(_), Err(_)) => {}
            (a, b) => panic!("disagree on {line:?}: ours {a:?}, shell-words {b:?}"),
        }
    }

    #[test]
    fn agrees_with_shell_words() {
        for line in [
            "a b c",
            "  a   b  ",
            "'a b' \"c d\" e\\ f",
            "a#b #c d",
            "# whole comment",
            "x 'unterminated",
            "x \"unterminated",
            "x \\",
            "\"a\\$b\\`c\\\"d\\\\e\\f\"",
            "$(id) `id` ${IFS} a|b a;b",
            "a'b'\"c\"d",
            "''",
            "\"\"",
            "a '' b",
            "tab\tsep",
            "\\#x #y",
            "a\\\nb",
            "a \\\n b",
            "a #c\nd",
            "\"a\\\nb\"",
        ] {
            same_as_shell_words(line);
        }
    }

    #[test]
    fn columns_and_flags() {
        let w = split("action x = /bin/a 'b c' d|e \"$(x)\" '$(y)'").unwrap();
        assert_eq!(w[0].col, 1);
        assert_eq!(w[1].col, 8);
        assert_eq!(w[4].text, "b c");
        assert!(w[4].quoted && !w[4].unquoted_operator);
        assert!(w[5].unquoted_operator);
        assert!(w[6].substitution);
        assert!(!w[7].substitution);
    }

    #[test]
    fn errors_point_at_the_quote() {
        assert_eq!(
            split("a 'b").unwrap_err(),
            LexError::Unterminated {
                quote: "single",
                col: 3
            }
        );
        assert_eq!(split("a \"b").unwrap_err().col(), 3);
    }

    #[test]
    fn quote_round_trips() {
        for s in [
            "", "a", "a b", "it's", "$(id)", "#x", "a\\b", "\"q\"", "{x:user}", "日本",
        ] {
            assert_eq!(
                split_texts(&quote(s)).unwrap(),
                vec![s.to_string()],
                "{s:?}"
            );
        }
    }
}
