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
//! - for UTF-8 input, `parse_bytes` and `parse` agree;
//! - a policy that parses keeps SPEC's invariants: unique action and type
//!   names; absolute program; the action's params are the template's
//!   placeholders (same names and arities, not in stdin) followed by the
//!   stdin template's; a `secret` is never in argv; an `fs {name}` names a
//!   `path` param; absolute `cwd` and `fs` paths; no `PATH` or `LD_*` in
//!   `env`; a timeout above zero and at most 24 h; no NUL anywhere that
//!   becomes a C string (argv, env, paths, users); binding one `a` per
//!   param never panics, and a stdin text is one line ending in `\n`.
#![no_main]

use std::collections::HashSet;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::time::Duration;

use execward::policy::{Action, FsPath, Policy, StdinSpec};
use execward::template::Piece;
use execward_fuzz::assert_one_line;
use libfuzzer_sys::fuzz_target;

fn no_nul(what: &str, s: &[u8]) {
    assert!(!s.contains(&0), "NUL in {what}: {:?}", String::from_utf8_lossy(s));
}

fn check_path(what: &str, p: &Path) {
    no_nul(what, p.as_os_str().as_bytes());
    assert!(p.is_absolute(), "{what} {p:?} is not absolute");
}

fn check_action(a: &Action) {
    let t = &a.template;
    check_path("program", Path::new(t.program()));
    for w in t.words() {
        for piece in &w.pieces {
            if let Piece::Lit(l) = piece {
                no_nul("template word", l.as_bytes());
            }
        }
    }
    let holes = t.placeholders();
    assert!(a.params.len() >= holes.len(), "{}: fewer params than placeholders", a.name);
    let mut names = HashSet::new();
    for (i, p) in a.params.iter().enumerate() {
        assert!(names.insert(p.name.as_str()), "{}: param {} twice", a.name, p.name);
        if let Some(h) = holes.get(i) {
            assert_eq!((&p.name, p.arity), (&h.name, h.arity), "{}: param {i}", a.name);
            assert!(!p.in_stdin, "{}: argv param {} marked in_stdin", a.name, p.name);
        } else {
            assert!(p.in_stdin, "{}: extra param {} not in stdin", a.name, p.name);
        }
        if p.ty.is_secret() {
            assert!(p.in_stdin, "{}: secret {} in argv", a.name, p.name);
        }
    }
    match &a.stdin {
        StdinSpec::Template(pieces) => {
            for piece in pieces {
                match piece {
                    Piece::Hole(h) => assert!(*h < a.params.len(), "{}: stdin hole {h}", a.name),
                    Piece::Lit(l) => no_nul("stdin text", l.as_bytes()),
                    other => panic!("{}: a stdin piece this target does not know: {other:?}", a.name),
                }
            }
        }
        StdinSpec::Unset | StdinSpec::Null | StdinSpec::Inherit => {
            assert!(a.params.iter().all(|p| !p.in_stdin), "{}: in_stdin without stdin", a.name)
        }
        other => panic!("{}: a stdin form this target does not know: {other:?}", a.name),
    }
    let fs = a.fs.read.iter().flatten().chain(&a.fs.write).chain(&a.fs.exec);
    for f in fs {
        match f {
            FsPath::Path(p) => check_path("fs path", p),
            FsPath::Param(name) => {
                let p = a.params.iter().find(|p| &p.name == name);
                assert!(p.is_some_and(|p| p.ty.is_path()), "{}: fs {{{name}}} is not a path param", a.name);
            }
            other => panic!("{}: an fs path this target does not know: {other:?}", a.name),
        }
    }
    check_path("cwd", &a.cwd);
    let mut env = HashSet::new();
    for (k, v) in &a.env {
        no_nul("env", k.as_bytes());
        no_nul("env", v.as_bytes());
        assert!(!k.is_empty() && !k.contains('='), "{}: env name {k:?}", a.name);
        assert!(k != "PATH" && !k.starts_with("LD_"), "{}: env {k}", a.name);
        assert!(env.insert(k), "{}: env {k} twice", a.name);
    }
    if let Some(r) = &a.run_as {
        no_nul("run-as", r.user.as_bytes());
        no_nul("run-as", r.group.as_deref().unwrap_or("").as_bytes());
    }
    assert!(
        a.timeout > Duration::ZERO && a.timeout <= Duration::from_secs(24 * 3600),
        "{}: timeout {:?}",
        a.name,
        a.timeout
    );

    // Binding never panics; a stdin text is exactly one line.
    let args = vec!["a"; a.params.len()];
    if let Ok(b) = a.bind(&args) {
        assert_eq!(b.argv[0], t.program());
        if let Some(stdin) = &b.stdin {
            assert_eq!(stdin.last(), Some(&b'\n'), "{}: stdin without its newline", a.name);
            assert_eq!(stdin.iter().filter(|&&c| c == b'\n').count(), 1, "{}: stdin of several lines", a.name);
            assert!(!stdin.contains(&0), "{}: NUL in stdin", a.name);
        }
    }
}

fn check_policy(p: &Policy) {
    let mut types = HashSet::new();
    for t in &p.types {
        assert!(types.insert(t.name.as_str()), "type {} twice", t.name);
        assert!(t.line >= 1);
    }
    let mut actions = HashSet::new();
    for a in &p.actions {
        assert!(actions.insert(a.name.as_str()), "action {} twice", a.name);
        assert!(a.line >= 1);
    }
    // The first actions are enough to catch a broken invariant.
    for a in p.actions.iter().take(32) {
        check_action(a);
    }
}

fuzz_target!(|data: &[u8]| {
    let result = Policy::parse_bytes(data);
    let lines = data.split(|&b| b == b'\n').count();
    match &result {
        Ok(p) => check_policy(p),
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
