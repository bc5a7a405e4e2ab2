//! Template parsing, printing and binding caller values.
//!
//! Input: `TEMPLATE 0xFF ARG 0xFF ARG ...` (0xFF never occurs in UTF-8, so
//! the template is any text and the arguments are any other bytes,
//! including invalid UTF-8, NUL and control characters).
//!
//! Each placeholder's type comes from its name in the template: a built-in
//! that needs no parameters is used as is; `enum`, `regex` and `path` get a
//! fixed definition (with words that start with `-`); any other name is
//! bound as `string`.
//!
//! Properties:
//! - `Template::parse` never panics; a parsed template prints (`Display`)
//!   to text that parses back to an equal template;
//! - `bind` agrees with an independent model of SPEC: each placeholder
//!   takes its arguments in order (one, optional, or all the rest), each
//!   value must validate, a value starting with `-` is refused for a
//!   placeholder standing alone as a word unless an earlier word is the
//!   literal `--`, too few or too many arguments are refused; the first
//!   refused argument is the one reported;
//! - the rendered argv is exactly the model's: a standalone placeholder
//!   gives exactly its validated value(s) (no splitting, joining or
//!   change), a word with placeholders inside stays one element, an
//!   optional word left out disappears, literal words pass as written;
//! - no argv element contains NUL or any control character;
//! - an accepted argument is valid UTF-8 without control characters, and
//!   for types that do not canonicalize it reaches argv byte for byte;
//! - an error message is one printable line and never shows a secret;
//! - `request::secret_positions` (which arguments the audit log hides)
//!   marks exactly the arguments that binding gave to `secret`
//!   placeholders;
//! - a placeholder used again (`{u:user} ... {u}`) renders the same value
//!   at every use, and the leading-`-` rule holds at each use;
//! - `bind_named` with each placeholder's arguments under its name gives
//!   the same argv, or refuses the same argument, as positional `bind`.
#![no_main]

use execward::policy::{Action, Param};
use execward::template::{Arity, Piece, Template};
use execward::value::ValueType;
use execward_fuzz::{assert_one_line, is_control, parse_def, segments, FUZZ_ROOT};
use libfuzzer_sys::fuzz_target;

/// The type bound to a placeholder whose type is named `name`.
fn type_for(name: &str) -> ValueType {
    if let Some(t) = ValueType::builtin(name) {
        return t;
    }
    match name {
        "enum" => parse_def("enum nginx postfix -x --help"),
        "regex" => parse_def("regex '-?[a-z]+'"),
        "path" => {
            execward_fuzz::fuzz_root();
            parse_def(&format!("path beneath={FUZZ_ROOT}"))
        }
        _ => ValueType::builtin("string").unwrap(),
    }
}

/// Types whose validated value is the caller's text unchanged.
fn passes_through(t: &ValueType) -> bool {
    !matches!(t.base_name(), "hostname" | "domain" | "email" | "mode" | "path")
}

/// What binding must give: the argv, or the 1-based index of the first
/// refused argument.
fn model(template: &Template, params: &[Param], args: &[&[u8]]) -> Result<Vec<String>, usize> {
    if args.len() > execward::bind::MAX_ARGS {
        return Err(execward::bind::MAX_ARGS + 1);
    }
    // Which placeholders start their word (no literal text before them in
    // it) with no `--` word before them: a leading `-` would start the argv
    // element there.
    let mut guarded = vec![false; params.len()];
    let mut seen_dashdash = false;
    for w in template.words() {
        if w.literal().as_deref() == Some("--") {
            seen_dashdash = true;
        }
        for p in &w.pieces {
            match p {
                // Any guarded use guards the value (a placeholder may be
                // used more than once).
                Piece::Hole(h) => guarded[*h] |= !seen_dashdash,
                Piece::Lit(t) if t.is_empty() => {}
                Piece::Lit(_) => break,
                other => panic!("a piece the model does not know: {other:?}"),
            }
        }
    }
    let mut values: Vec<Vec<String>> = Vec::new();
    let mut next = 0;
    for (i, p) in params.iter().enumerate() {
        let rest = args.len() - next;
        let take = match p.arity {
            Arity::One | Arity::Variadic if rest == 0 => return Err(next + 1),
            Arity::One => 1,
            Arity::Optional => rest.min(1),
            Arity::Variadic => rest,
            other => panic!("an arity the model does not know: {other:?}"),
        };
        let mut vs = Vec::new();
        for raw in &args[next..next + take] {
            let index = next + vs.len() + 1;
            let v = p.ty.validate(raw).map_err(|_| index)?;
            if guarded[i] && v.value.starts_with('-') {
                return Err(index);
            }
            vs.push(v.value);
        }
        next += take;
        values.push(vs);
    }
    if next < args.len() {
        return Err(next + 1);
    }
    let mut argv = vec![template.program().to_string()];
    for w in template.words() {
        if let Some(h) = w.standalone_hole() {
            argv.extend(values[h].iter().cloned());
            continue;
        }
        let mut s = String::new();
        let mut present = true;
        for piece in &w.pieces {
            match piece {
                Piece::Lit(t) => s.push_str(t),
                Piece::Hole(h) => match values[*h].as_slice() {
                    [v] => s.push_str(v),
                    [] => present = false,
                    more => panic!("{} values for a placeholder inside a word", more.len()),
                },
                other => panic!("a piece the model does not know: {other:?}"),
            }
        }
        if present {
            argv.push(s);
        }
    }
    Ok(argv)
}

/// `bind_named` with the arguments that positional binding gives each
/// placeholder, under its name: the same argv, or the same refused
/// argument. Only when every argument goes to a placeholder (an extra
/// argument has no name) and no name is used twice.
fn check_named(action: &Action, params: &[Param], args: &[&[u8]], expected: &Result<Vec<String>, usize>, text: &str) {
    if args.len() > execward::bind::MAX_ARGS {
        return;
    }
    let mut names = std::collections::HashSet::new();
    if !params.iter().all(|p| names.insert(p.name.as_str())) {
        return;
    }
    let mut next = 0;
    let mut pairs: Vec<(&str, Vec<std::ffi::OsString>)> = Vec::new();
    for p in params {
        let rest = args.len() - next;
        let take = match p.arity {
            Arity::One => rest.min(1),
            Arity::Optional => rest.min(1),
            Arity::Variadic => rest,
            other => panic!("an arity the model does not know: {other:?}"),
        };
        use std::os::unix::ffi::OsStrExt;
        let vs = args[next..next + take]
            .iter()
            .map(|a| std::ffi::OsStr::from_bytes(a).to_os_string())
            .collect();
        pairs.push((&p.name, vs));
        next += take;
    }
    if next < args.len() {
        return;
    }
    match (action.bind_named(pairs), expected) {
        (Ok(b), Ok(argv)) => assert_eq!(&b.argv, argv, "named binding of {text:?}"),
        (Err(e), Err(index)) => assert_eq!(e.index, *index, "named binding of {text:?}: {e}"),
        (Ok(b), Err(index)) => panic!("{text:?}: named binding gave {:?}, positional refused argument {index}", b.argv),
        (Err(e), Ok(argv)) => panic!("{text:?}: named binding refused ({e}), positional gave {argv:?}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut parts = segments(data, 0xFF).into_iter();
    let Ok(text) = std::str::from_utf8(parts.next().unwrap_or_default()) else {
        return;
    };
    let args: Vec<&[u8]> = parts.collect();
    let Ok(template) = Template::parse(text) else {
        return;
    };

    // Display round trip.
    let printed = template.to_string();
    match Template::parse(&printed) {
        Ok(again) => assert_eq!(again, template, "{text:?} printed as {printed:?}"),
        Err(e) => panic!("{text:?} printed as {printed:?} which does not parse: {e}"),
    }

    let params: Vec<Param> = template
        .placeholders()
        .iter()
        .map(|ph| Param::new(ph.name.clone(), ph.type_name.clone(), type_for(&ph.type_name), ph.arity))
        .collect();
    let action = Action::new("fuzz", template.clone(), params.clone());
    assert_eq!(action.secret_positions(args.len()).len(), args.len());
    let expected = model(&template, &params, &args);
    check_named(&action, &params, &args, &expected, text);
    match (action.bind(&args), expected) {
        (Ok(bound), Ok(argv)) => {
            assert_eq!(bound.argv, argv, "template {text:?} args {args:?}");
            for a in &bound.argv {
                assert!(!a.chars().any(is_control), "control character in argv element {a:?}");
            }
            for raw in &args {
                let s = std::str::from_utf8(raw).expect("accepted an argument that is not UTF-8");
                assert!(!s.chars().any(is_control), "accepted an argument with a control character: {s:?}");
            }
            // Standalone placeholders of pass-through types: the caller's
            // bytes reach argv unchanged, one element per value.
            let mut next = 0;
            let mut pos = 1;
            let mut taken: Vec<&[&[u8]]> = Vec::new();
            for p in &params {
                let take = match p.arity {
                    Arity::One => 1,
                    Arity::Optional => (args.len() - next).min(1),
                    Arity::Variadic => args.len() - next,
                    other => panic!("an arity the model does not know: {other:?}"),
                };
                taken.push(&args[next..next + take]);
                next += take;
            }
            for w in template.words() {
                match w.standalone_hole() {
                    Some(h) => {
                        for raw in taken[h] {
                            if passes_through(&params[h].ty) {
                                assert_eq!(bound.argv[pos].as_bytes(), *raw, "value changed on its way to argv");
                            }
                            pos += 1;
                        }
                    }
                    None => {
                        let skipped = w.pieces.iter().any(|p| matches!(p, Piece::Hole(h) if taken[*h].is_empty()));
                        pos += usize::from(!skipped);
                    }
                }
            }
            assert_eq!(pos, bound.argv.len());
            // The audit log's view: exactly the arguments bound to a
            // secret placeholder are hidden.
            let mut secret = Vec::new();
            for ((name, shown), p) in bound.shown.iter().zip(&params) {
                assert_eq!(name, &p.name);
                if p.ty.is_secret() {
                    assert!(shown.iter().all(|s| s == "***"), "secret shown as {shown:?}");
                }
                secret.extend(std::iter::repeat_n(p.ty.is_secret(), shown.len()));
            }
            assert_eq!(action.secret_positions(args.len()), secret, "secret positions of {text:?}");
        }
        (Err(e), Err(index)) => {
            assert_eq!(e.index, index, "template {text:?} args {args:?}: {e}");
            let message = e.to_string();
            assert_one_line("bind error", &message);
            if let Some(p) = params.iter().find(|p| Some(&p.name) == e.name.as_ref()) {
                if p.ty.is_secret() {
                    assert!(
                        e.shown.is_none() || e.shown.as_deref() == Some("\"***\""),
                        "secret shown in {message:?}"
                    );
                }
            }
        }
        (Ok(bound), Err(index)) => {
            panic!("template {text:?} args {args:?}: bound {:?} but argument {index} should be refused", bound.argv)
        }
        (Err(e), Ok(argv)) => panic!("template {text:?} args {args:?}: refused ({e}) but should give {argv:?}"),
    }
});
