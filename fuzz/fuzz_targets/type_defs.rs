//! `ValueType::parse` of arbitrary definitions and its `Display`.
//!
//! Input: a definition line as in a policy file (`uint min=1 max=100`),
//! split into words with `shell_words::split` (so quoting reaches any
//! word content).
//!
//! Properties:
//! - `ValueType::parse` never panics;
//! - an error names a word that exists and has a one-line message;
//! - a parsed type prints (`Display`) as one printable line that splits
//!   (by `shell_words::split` and by `lex::split_texts`, identically) into
//!   words that parse back to an equal type, and printing that type again
//!   gives the same text.
#![no_main]

use execward::__private::lex;
use execward::value::ValueType;
use execward_fuzz::{assert_one_line, fuzz_root};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(line) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(words) = shell_words::split(line) else {
        return;
    };
    if words.first().is_some_and(|w| w == "path") {
        // `path` resolves nothing when parsed, but make sure the tree
        // exists for any `beneath=` the fuzzer finds in the seeds.
        fuzz_root();
    }
    let ty = match ValueType::parse(&words) {
        Ok(t) => t,
        Err(e) => {
            assert!(e.word < words.len().max(1), "error at word {} of {words:?}", e.word);
            assert_one_line("type error", &e.message);
            return;
        }
    };
    let printed = ty.to_string();
    assert_one_line("printed type", &printed);
    let again_words = shell_words::split(&printed)
        .unwrap_or_else(|e| panic!("{words:?} printed as {printed:?} which does not split: {e}"));
    assert_eq!(
        lex::split_texts(&printed).as_deref(),
        Ok(again_words.as_slice()),
        "lex and shell-words split the printed type differently"
    );
    let again = ValueType::parse(&again_words)
        .unwrap_or_else(|e| panic!("{words:?} printed as {printed:?} which is refused at word {}: {}", e.word, e.message));
    assert_eq!(again, ty, "{words:?} printed as {printed:?}");
    assert_eq!(again.to_string(), printed, "printing is not a fixed point");
});
