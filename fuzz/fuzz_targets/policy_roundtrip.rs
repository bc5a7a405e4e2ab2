//! A parsed policy prints back to text that parses to an equal policy.
//!
//! Properties, when `Policy::parse_bytes(data)` succeeds:
//! - `Policy::parse(&policy.to_string())` succeeds;
//! - the second policy equals the first, ignoring the `line` fields of
//!   named types and actions (`Policy::normalized`; the printed layout
//!   may differ);
//! - printing is a fixed point: the second policy prints the same text;
//! - the printed text is lines of printable text (no control character
//!   but tab and the newline that ends each line).
#![no_main]

use execward::policy::Policy;
use execward_fuzz::is_control;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(first) = Policy::parse_bytes(data) else {
        return;
    };
    let text = first.to_string();
    if let Some(c) = text.chars().find(|&c| c != '\n' && c != '\t' && is_control(c)) {
        panic!("printed policy holds U+{:04X}:\n{text}", u32::from(c));
    }
    let second = match Policy::parse(&text) {
        Ok(p) => p,
        Err(diags) => {
            let shown: Vec<String> = diags.iter().map(|d| d.render("printed")).collect();
            panic!("printed policy does not parse back:\n{text}\n{}", shown.join("\n"));
        }
    };
    assert!(
        first.normalized() == second.normalized(),
        "printed policy parses to a different one:\n{text}\nfirst: {first:#?}\nsecond: {second:#?}"
    );
    let again = second.to_string();
    assert_eq!(text, again, "printing is not a fixed point");
});
