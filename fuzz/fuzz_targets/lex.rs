//! `lex::split` against `shell_words::split`, and `lex::quote` round trips.
//!
//! Properties:
//! - `split` never panics;
//! - its texts equal `shell_words::split`'s (both Ok with equal words, or
//!   both Err); the one allowed difference is the word limit, where ours
//!   refuses a line that shell-words splits into more than `MAX_WORDS`;
//! - the columns are 1-based character positions inside the line, strictly
//!   increasing; an unquoted word is exactly the text found at its column;
//!   an unterminated-quote error points at a quote character;
//! - the shell-syntax flags are consistent with the text;
//! - `split_texts(quote(s)) == [s]` (and shell-words agrees) for the whole
//!   input and for every word.
#![no_main]

use execward::__private::lex::{self, LexError, MAX_WORDS};
use libfuzzer_sys::fuzz_target;

const OPERATORS: &[char] = &['|', '&', ';', '<', '>', '(', ')'];

fn check_quote(s: &str) {
    let q = lex::quote(s);
    assert_eq!(
        lex::split_texts(&q).as_deref(),
        Ok(&[s.to_string()][..]),
        "quote({s:?}) = {q:?} does not split back"
    );
    assert_eq!(
        shell_words::split(&q).as_deref(),
        Ok(&[s.to_string()][..]),
        "quote({s:?}) = {q:?} is not one POSIX word"
    );
    // A quoted word never looks like shell syntax to the template checks.
    let w = lex::split(&q).unwrap();
    assert!(!w[0].unquoted_operator && !w[0].substitution, "quote({s:?}) = {q:?} flagged {w:?}");
}

fuzz_target!(|data: &[u8]| {
    let Ok(line) = std::str::from_utf8(data) else {
        return;
    };
    let chars: Vec<char> = line.chars().collect();
    let ours = lex::split(line);
    let theirs = shell_words::split(line);
    match (&ours, &theirs) {
        (Ok(words), Ok(expect)) => {
            let texts: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
            assert_eq!(texts, *expect, "split({line:?}) differs from shell-words");
            assert!(words.len() <= MAX_WORDS);
            let mut last = 0;
            for w in words {
                assert!(w.col >= 1 && w.col <= chars.len(), "{w:?} column out of the line {line:?}");
                assert!(w.col > last, "columns not increasing in {line:?}: {words:?}");
                last = w.col;
                if !w.quoted {
                    let at: String = chars[w.col - 1..].iter().take(w.text.chars().count()).collect();
                    assert_eq!(at, w.text, "unquoted word not found at its column in {line:?}");
                    if w.text.contains(OPERATORS) {
                        assert!(w.unquoted_operator, "{w:?} in {line:?}: operator not flagged");
                    }
                    if w.text.contains("$(") || w.text.contains("${") || w.text.contains('`') {
                        assert!(w.substitution, "{w:?} in {line:?}: substitution not flagged");
                    }
                }
                if w.unquoted_operator {
                    assert!(w.text.contains(OPERATORS), "{w:?} in {line:?}: operator flag without operator");
                }
                if w.substitution {
                    assert!(
                        w.text.contains("$(") || w.text.contains("${") || w.text.contains('`'),
                        "{w:?} in {line:?}: substitution flag without substitution"
                    );
                }
                check_quote(&w.text);
            }
        }
        (Err(LexError::TooManyWords { col }), r) => {
            assert!(*col >= 1 && *col <= chars.len());
            // shell-words has no limit: it either splits into more words or
            // fails later on an unterminated quote.
            if let Ok(ws) = r {
                assert!(ws.len() > MAX_WORDS, "TooManyWords but shell-words found {}", ws.len());
            }
        }
        (Err(e @ LexError::Unterminated { quote, col }), Err(_)) => {
            assert!(*col >= 1 && *col <= chars.len(), "{e:?} outside {line:?}");
            let want = if *quote == "single" { '\'' } else { '"' };
            assert_eq!(chars[col - 1], want, "{e:?} does not point at a quote in {line:?}");
        }
        (a, b) => panic!("split({line:?}) = {a:?} but shell-words = {b:?}"),
    }
    check_quote(line);
});
