//! Helpers shared by the execward fuzz targets.
//!
//! Everything here is test scaffolding: a fixed table of type definitions
//! covering every built-in type, a small directory tree for the `path`
//! type (with symlinks that point outside it), independent checks of the
//! universal value rules.

use std::fs;
use std::io::ErrorKind;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use execward::value::ValueType;

/// The directory every `path` type of the fuzz targets lives beneath.
pub const FUZZ_ROOT: &str = "/tmp/execward-fuzz-root";

/// Creates (once per process) a small tree beneath [`FUZZ_ROOT`]:
///
/// ```text
/// a/            dir
/// a/b.txt       file
/// dir/sub/      dir
/// in -> a       symlink that stays inside
/// out -> /etc   symlink that leaves (absolute)
/// up -> ..      symlink that leaves (relative)
/// a/esc -> ../../  symlink that leaves from a subdirectory
/// dangling -> nowhere
/// loop -> loop
/// ```
///
/// Returns the canonical root. Safe to call from several fuzzing processes
/// at once (creation races are ignored).
pub fn fuzz_root() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let root = Path::new(FUZZ_ROOT);
        fs::create_dir_all(root.join("a")).expect("create fuzz root");
        fs::create_dir_all(root.join("dir/sub")).expect("create fuzz root");
        if let Err(e) = fs::write(root.join("a/b.txt"), b"x") {
            panic!("create fuzz root file: {e}");
        }
        for (link, target) in [
            ("in", "a"),
            ("out", "/etc"),
            ("up", ".."),
            ("a/esc", "../../"),
            ("dangling", "nowhere"),
            ("loop", "loop"),
        ] {
            match symlink(target, root.join(link)) {
                Ok(()) => {}
                Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
                Err(e) => panic!("create symlink {link}: {e}"),
            }
        }
        fs::canonicalize(root).expect("canonical fuzz root")
    })
}

/// The type definitions the `validators` target chooses from (by its first
/// byte), written as in a policy file. Every built-in type appears at
/// least once.
pub const TYPE_DEFS: &[&str] = &[
    "string",
    "string max=8 charset=a-z",
    "uint min=1 max=100",
    "int",
    "enum nginx postfix",
    "regex '[a-z]+'",
    "user",
    "group",
    "hostname",
    "domain",
    "email",
    "path beneath=/tmp/execward-fuzz-root",
    "port",
    "mode",
    "ip",
    "ipv4",
    "ipv6",
    "cidr",
    "uuid",
    "ident",
    "secret",
    // A few parameter variants beyond the plain built-ins.
    "string empty=yes max=64",
    "path beneath=/tmp/execward-fuzz-root exists=yes kind=dir",
    "path beneath=/tmp/execward-fuzz-root exists=no",
    "mode max=04777",
    "uint",
    "int min=-5 max=5",
    "email max=32",
    "enum -rf --help ok",
    "regex '(?i)-?[a-z0-9._]{1,20}'",
];

/// Parses one of [`TYPE_DEFS`]; the table is fixed, so a failure is a bug
/// in the table or in the library.
pub fn parse_def(def: &str) -> ValueType {
    let words = shell_words::split(def).expect("fixed definitions split");
    ValueType::parse(&words).unwrap_or_else(|e| panic!("{def}: word {}: {}", e.word, e.message))
}

/// All of [`TYPE_DEFS`], parsed once (the fuzz root is created first).
pub fn type_table() -> &'static [(&'static str, ValueType)] {
    static TABLE: OnceLock<Vec<(&'static str, ValueType)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        fuzz_root();
        TYPE_DEFS.iter().map(|d| (*d, parse_def(d))).collect()
    })
}

/// A control character by SPEC "Values": C0 (with NUL, tab, newline,
/// carriage return, escape), DEL and C1.
pub fn is_control(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}')
}

/// The invisible and text-direction characters that the universal rule
/// refuses (SPEC lists line/paragraph separators, bidi controls and
/// zero-width characters; this list is the subset SPEC names).
pub fn is_spec_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200b}'..='\u{200f}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'
            | '\u{2066}'..='\u{2069}'
            | '\u{061c}'
            | '\u{feff}'
    )
}

/// Panics unless `value` obeys the universal rules that every accepted
/// value obeys.
pub fn assert_universal(what: &str, value: &str) {
    assert!(
        value.len() <= execward::value::MAX_VALUE_LEN,
        "{what}: accepted value of {} bytes",
        value.len()
    );
    if let Some(c) = value.chars().find(|&c| is_control(c) || is_spec_invisible(c)) {
        panic!("{what}: accepted value {value:?} holds U+{:04X}", u32::from(c));
    }
}

/// Splits `data` at every `sep` byte.
pub fn segments(data: &[u8], sep: u8) -> Vec<&[u8]> {
    data.split(|&b| b == sep).collect()
}

/// Checks that a message meant for one terminal line has no control
/// character (a newline in a diagnostic could forge another one).
pub fn assert_one_line(what: &str, message: &str) {
    if let Some(c) = message.chars().find(|&c| is_control(c) || c == '\u{2028}' || c == '\u{2029}') {
        panic!("{what}: message {message:?} holds U+{:04X}", u32::from(c));
    }
}

