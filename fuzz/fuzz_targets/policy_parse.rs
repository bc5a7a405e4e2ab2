//! `Policy::parse_bytes` on arbitrary bytes.
//!
//! Run with `-rss_limit_mb=2048 -timeout=10`: the parser must stay bounded
//! in memory and time whatever the input (it runs in a setuid helper).
//!
//! Properties:
//! - never panics;
//! - every diagnostic has line >= 1 and col >= 1, its line is a line of the
//!   input (or the one just after it), and its message is one printable
//!   line (a newline in a message could forge another diagnostic; a tab,
//!   which a policy may hold and a message may quote, is allowed);
//! - diagnostics come in file order;
//! - for UTF-8 input, `parse_bytes` and `parse` agree.
#![no_main]

use execward::policy::Policy;
use execward_fuzz::assert_one_line;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let result = Policy::parse_bytes(data);
    let lines = data.split(|&b| b == b'\n').count();
    match &result {
        Ok(_) => {}
        Err(diags) => {
            assert!(!diags.is_empty(), "an error without any diagnostic");
            let mut prev = (0, 0);
            for d in diags {
                assert!(d.line >= 1 && d.col >= 1, "diagnostic {d:?} is not 1-based");
                assert!(d.line <= lines + 1, "diagnostic {d:?} past the last line ({lines})");
                assert!(!d.message.is_empty(), "empty message in {d:?}");
                // A diagnostic may quote a word of the file, and a policy
                // may hold tabs; anything else that could break the
                // `FILE:LINE:COL: error: MESSAGE` line is a bug.
                assert_one_line("diagnostic", &d.message.replace('\t', " "));
                assert!(d.line >= prev.0, "diagnostics out of file order: {diags:?}");
                prev = (d.line, d.col);
            }
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        match (&result, Policy::parse(text)) {
            (Ok(a), Ok(b)) => assert!(*a == b, "parse and parse_bytes disagree"),
            (Err(a), Err(b)) => assert_eq!(*a, b, "parse and parse_bytes disagree"),
            (a, b) => panic!("parse_bytes {:?} but parse {:?}", a.is_ok(), b.is_ok()),
        }
    }
});
