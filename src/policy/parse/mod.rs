//! The policy parser: text to [`Policy`], every error with its line and
//! column.
//!
//! The file is read one line at a time. Each line is checked (length,
//! UTF-8, control and invisible characters), split into words by
//! [`lex::split`] and dispatched: a line that starts with a space or a tab
//! is an option line of the `action` above it, any other non-blank line is
//! a directive (`audit`, `type`, `action`). Type names in placeholders and
//! `fs {name}` references are resolved after the whole file is read.
//!
//! The parser faces hostile input (the setuid helper reads it), so every
//! resource it spends is bounded by a named limit, it never panics, and it
//! keeps going after an error to report every error of the file (up to
//! [`MAX_DIAGNOSTICS`]), without cascades: a bad line is skipped, and the
//! option lines of an `action` line that could not be read are skipped
//! silently. Diagnostics are sorted by line, then column.
//!
//! # Rules where SPEC is silent
//!
//! Text:
//! - The file is UTF-8. Refused anywhere, even in comments: NUL and every
//!   control character but tab (a carriage return, with a hint about DOS
//!   line endings), and invisible or text-direction characters (U+061C,
//!   U+200B–U+200F, U+2028–U+202E, U+2060–U+2064, U+2066–U+2069, U+FEFF),
//!   which can make a line read differently from what it is.
//! - Columns count characters from 1; a tab is one column. An error points
//!   at the start of the offending word (for a placeholder: of the word
//!   that holds it); a missing word is reported at the word before it.
//! - There are no continuation lines: a line that ends with a backslash
//!   outside quotes is an error (a shell would join the lines; the lexer
//!   alone would read a literal backslash).
//! - An option line must follow its `action` line, with only blank and
//!   comment lines between; after an `audit` or `type` line it is an error.
//! - Only `type` lines may hold unquoted shell operators (a `regex`
//!   pattern may well contain `|` and `(`); on `action`, `audit` and option
//!   lines they are refused, as in templates.
//!
//! Names:
//! - Action and type names: `[a-z][a-z0-9_-]*`, at most 64 bytes. A type
//!   may not take a built-in type's name, and its base must be a built-in
//!   type (not another named type).
//! - A `type` may be defined anywhere in the file, before or after the
//!   actions that use it. A placeholder whose named type failed to parse is
//!   not reported again. A built-in type that needs parameters (`enum`,
//!   `regex`, `path`) cannot be used bare in a placeholder.
//! - `allow user=`/`group=` and `run-as` names follow the shadow-utils
//!   syntax (`[a-z_][a-z0-9_-]*`, optional final `$`, at most 32 bytes);
//!   whether they exist is checked at run time. Numeric ids are accepted
//!   only as `allow uid=N`/`gid=N` (decimal, no leading zeros, below
//!   4294967295, which is `(uid_t)-1`).
//!
//! Options:
//! - At most once per action: `run-as`, `timeout`, `stdin`, `cwd`,
//!   `seccomp`, `sandbox`, `exec`, and each `limit` key. Repeatable: `allow`
//!   (several entries per line too), `env`, `fs`, `net`, `caps`.
//! - Numbers are plain decimal: no sign, no leading zeros.
//! - `timeout`: a number and a unit `ms`, `s`, `m` or `h`; more than zero,
//!   at most `24h`.
//! - `stdin`: an unquoted `none` or `inherit` alone is the keyword;
//!   anything else (including `'none'`) is a template whose words are
//!   joined by single spaces. Its placeholders follow the argv template's
//!   (caller arguments fill argv first), must have new names, and must be
//!   plain `{name:type}`: neither optional nor variadic, and not allowed at
//!   all when the argv template has an optional or variadic placeholder.
//! - `env NAME=VALUE`: NAME is `[A-Za-z_][A-Za-z0-9_]*`; each NAME once per
//!   action. Refused: `PATH` (fixed), every `LD_*`, `BASH_FUNC_*`,
//!   `MALLOC_*`, `GIT_CONFIG_*`, glibc's other unsafe variables
//!   (`GCONV_PATH`, `GLIBC_TUNABLES`, `LOCPATH`, `NLSPATH`, ...), shell
//!   start-up variables (`BASH_ENV`, `ENV`, `SHELLOPTS`, `PS4`, `IFS`, ...)
//!   and interpreter search paths and options (`PYTHONPATH`, `PERL5LIB`,
//!   `PERL5OPT`, `RUBYOPT`, `NODE_OPTIONS`, `JAVA_TOOL_OPTIONS`, `PHPRC`,
//!   ...). Values are fixed text: `{{`/`}}` are literal braces and a
//!   placeholder is an error.
//! - Paths (`audit file`, `cwd`, `fs`) are absolute, at most 4096 bytes,
//!   with no `..` component and no `{`/`}`, except that an `fs` path may be
//!   exactly `{name}`: a placeholder of the action (argv or stdin, of any
//!   arity) whose type is built on `path`.
//! - `fs read` with at least one path replaces the default read set; there
//!   is no way to write "read nothing".
//! - `net`: lines accumulate; `net none` resets to no network.
//! - `seccomp PROFILE [allow=NAME,...]`: one `allow=` word, names
//!   `[a-z0-9_]+` (the sandbox layer checks that the kernel knows them).
//! - `limit`: `cpu=` in seconds (`30`, `30s`, `5m`, `1h`); `as=`, `fsize=`,
//!   `output=` in bytes with an optional `K`, `M`, `G`, `T` (powers of
//!   1024); `nproc=`, `nofile=` counts. `inherit` keeps the inherited limit
//!   (not for `output`). Zero is refused for `cpu`, `as`, `nproc`,
//!   `nofile`.
//! - `caps NAME...`: capability names as the kernel spells them, in
//!   lowercase and without `CAP_` (`sys_admin`); lines accumulate; the names
//!   that would undo the sandbox (`setpcap`, `setfcap`, `sys_module`,
//!   `sys_rawio`, `mac_admin`, `mac_override`) are refused.
//! - `exec once | many`, at most once: without it an action is `once`
//!   unless it lists `fs exec` paths; `exec once` with `fs exec` is an
//!   error (whichever comes second is reported).
//!
//! Limits (each reported with its own diagnostic): [`MAX_POLICY_SIZE`]
//! (checked first; reported once at 1:1), [`MAX_LINE_LEN`] (the line is
//! skipped), [`lex::MAX_WORDS`] words per line,
//! [`crate::template::MAX_TEMPLATE_WORDS`] and
//! [`crate::template::MAX_PLACEHOLDERS`] per template, [`MAX_ACTIONS`] and
//! [`MAX_TYPES`] (reported once; the rest are not read), [`MAX_LIST_ITEMS`]
//! per list of an action, [`MAX_RESOLVED_TYPES_SIZE`], and
//! [`MAX_DIAGNOSTICS`].

mod options;
mod resolve;
pub(in crate::policy) mod syntax;

use std::collections::{HashMap, HashSet};

use super::{Action, AuditTarget, Diagnostic, NamedType, Policy};
use crate::lex::{self, Word};
use crate::template::{check_no_shell, Template};
use crate::value::ValueType;
use options::Pending;
use syntax::show;

/// The largest policy file, in bytes. A larger file is refused whole, with
/// one diagnostic at 1:1.
pub const MAX_POLICY_SIZE: usize = 1 << 20;
/// The longest line, in bytes (without its newline). A longer line is
/// reported and skipped.
pub const MAX_LINE_LEN: usize = 64 << 10;
/// The most actions in one policy.
pub const MAX_ACTIONS: usize = 10_000;
/// The most named types in one policy.
pub const MAX_TYPES: usize = 1_000;
/// The most diagnostics reported for one file; one more says that the
/// parser stopped there.
pub const MAX_DIAGNOSTICS: usize = 100;
/// The most entries one action may have in each of its lists: `allow`
/// entries, `env` variables, paths of each `fs` kind, `seccomp` system
/// calls.
pub const MAX_LIST_ITEMS: usize = 256;

/// The most memory, as estimated, that the placeholders' type records may
/// take together. Types are shared between placeholders (a 1 MiB policy
/// whose placeholders all name one large `enum` once took gigabytes when
/// each held a copy); this bound stays as a backstop.
pub const MAX_RESOLVED_TYPES_SIZE: usize = 32 << 20;

/// The directives a line may start with.
const DIRECTIVES: &str = "`audit`, `type` or `action`";

/// Collects diagnostics, up to [`MAX_DIAGNOSTICS`].
#[derive(Debug, Default)]
pub(super) struct Diags {
    list: Vec<Diagnostic>,
    /// Where the first diagnostic that did not fit was.
    overflow: Option<(usize, usize)>,
}

impl Diags {
    /// Records an error at `line:col`.
    pub(super) fn push(&mut self, line: usize, col: usize, message: impl Into<String>) {
        if self.list.len() < MAX_DIAGNOSTICS {
            self.list.push(Diagnostic {
                line,
                col,
                message: message.into(),
            });
        } else if self.overflow.is_none() {
            self.overflow = Some((line, col));
        }
    }

    /// True once more than [`MAX_DIAGNOSTICS`] errors were found.
    pub(super) fn full(&self) -> bool {
        self.overflow.is_some()
    }

    fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The diagnostics sorted by line and column, with a final "too many
    /// errors" diagnostic if some were dropped.
    fn finish(mut self) -> Vec<Diagnostic> {
        self.list.sort_by_key(|d| (d.line, d.col));
        if let Some(dropped) = self.overflow {
            let last = self.list.last().map_or((1, 1), |d| (d.line, d.col));
            let (line, col) = dropped.max(last);
            self.list.push(Diagnostic {
                line,
                col,
                message: format!("too many errors; stopping after the first {MAX_DIAGNOSTICS}"),
            });
        }
        self.list
    }
}

/// Which action an option line belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    /// No action: an option line here is an error.
    Top,
    /// The last action of [`Parser::actions`].
    Action,
    /// The `action` line (or an unreadable line that may have been one) was
    /// bad: its option lines are skipped silently.
    Swallow,
}

/// The parser's state while it reads the file.
struct Parser {
    diags: Diags,
    ctx: Ctx,
    audit: AuditTarget,
    audit_line: Option<usize>,
    types: Vec<NamedType>,
    /// Name → index into `types`, for the types that parsed.
    type_index: HashMap<String, usize>,
    /// Name → line of every `type` line with a valid, new name.
    type_lines: HashMap<String, usize>,
    /// Names whose `type` line had an error: placeholders using them are
    /// not reported again.
    broken_types: HashSet<String>,
    actions: Vec<Pending>,
    /// Name → line of every `action` line with a valid, new name.
    action_lines: HashMap<String, usize>,
    too_many_actions: bool,
    too_many_types: bool,
}

/// Parses a policy from its text.
pub(super) fn parse(src: &str) -> Result<Policy, Vec<Diagnostic>> {
    parse_bytes(src.as_bytes())
}

/// Parses a policy from raw bytes.
pub(super) fn parse_bytes(src: &[u8]) -> Result<Policy, Vec<Diagnostic>> {
    if src.len() > MAX_POLICY_SIZE {
        return Err(vec![Diagnostic {
            line: 1,
            col: 1,
            message: format!(
                "the policy is longer than {MAX_POLICY_SIZE} bytes (1 MiB), the most accepted"
            ),
        }]);
    }
    let mut parser = Parser::new();
    for (i, raw) in src.split(|&b| b == b'\n').enumerate() {
        if parser.diags.full() {
            break;
        }
        parser.line(i + 1, raw);
    }
    parser.finish()
}

/// Checks one raw line and returns its text, or the column and message of
/// the first problem: too long, invalid UTF-8, a control character (tab
/// excepted) or an invisible/bidirectional formatting character.
fn check_line(raw: &[u8]) -> Result<&str, (usize, String)> {
    if raw.len() > MAX_LINE_LEN {
        return Err((
            1,
            format!(
                "line is {} bytes long; at most {MAX_LINE_LEN} bytes are accepted",
                raw.len()
            ),
        ));
    }
    let text = match std::str::from_utf8(raw) {
        Ok(t) => t,
        Err(e) => {
            let valid = raw
                .get(..e.valid_up_to())
                .and_then(|v| std::str::from_utf8(v).ok())
                .unwrap_or("");
            let byte = raw.get(e.valid_up_to()).copied().unwrap_or(0);
            return Err((
                valid.chars().count() + 1,
                format!("invalid UTF-8 (byte 0x{byte:02x}): the policy must be UTF-8 text"),
            ));
        }
    };
    for (i, c) in text.chars().enumerate() {
        if let Some(message) = bad_char(c) {
            return Err((i + 1, message));
        }
    }
    Ok(text)
}

/// Why `c` may not appear in a policy file, if it may not.
fn bad_char(c: char) -> Option<String> {
    let code = c as u32;
    match c {
        '\t' => None,
        '\0' => Some("NUL byte: the policy must be text".into()),
        '\r' => Some("carriage return (U+000D): the file has DOS line endings; convert it to Unix (LF) line endings".into()),
        c if c.is_control() => Some(format!("control character U+{code:04X} is not allowed in a policy")),
        '\u{061C}'
        | '\u{200B}'..='\u{200F}'
        | '\u{2028}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}'
        | '\u{FEFF}' => Some(format!(
            "invisible or text-direction character U+{code:04X} is not allowed in a policy: it can make the text read differently from what it is"
        )),
        _ => None,
    }
}

/// If `text` ends with a backslash that escapes the end of the line (a
/// shell line continuation), the column of that backslash.
fn dangling_backslash(text: &str, words: &[Word]) -> Option<usize> {
    if !text.ends_with('\\') {
        return None;
    }
    let continued = lex::split_texts(&format!("{text}\n")).ok()?;
    let same =
        continued.len() == words.len() && continued.iter().zip(words).all(|(a, w)| *a == w.text);
    (!same).then(|| text.chars().count())
}

impl Parser {
    fn new() -> Parser {
        Parser {
            diags: Diags::default(),
            ctx: Ctx::Top,
            audit: AuditTarget::Unset,
            audit_line: None,
            types: Vec::new(),
            type_index: HashMap::new(),
            type_lines: HashMap::new(),
            broken_types: HashSet::new(),
            actions: Vec::new(),
            action_lines: HashMap::new(),
            too_many_actions: false,
            too_many_types: false,
        }
    }

    /// Reads line number `no`.
    fn line(&mut self, no: usize, raw: &[u8]) {
        let indented = matches!(raw.first(), Some(b' ' | b'\t'));
        let text = match check_line(raw) {
            Ok(text) => text,
            Err((col, message)) => return self.bad_line(no, col, message, indented),
        };
        let words = match lex::split(text) {
            Ok(words) => words,
            Err(e) => return self.bad_line(no, e.col(), e.to_string(), indented),
        };
        if words.is_empty() {
            return; // blank or comment
        }
        if let Some(col) = dangling_backslash(text, &words) {
            let message = "the line ends with a backslash: there are no continuation lines; write `\\\\` or quote it for a literal backslash";
            return self.bad_line(no, col, message.into(), indented);
        }
        if indented {
            self.option_line(no, &words);
        } else {
            self.directive(no, &words);
        }
    }

    /// Reports an unreadable line. If it was not indented it may have been
    /// an `action` line: its option lines are then skipped silently.
    fn bad_line(&mut self, no: usize, col: usize, message: String, indented: bool) {
        self.diags.push(no, col, message);
        if !indented {
            self.ctx = Ctx::Swallow;
        }
    }

    fn option_line(&mut self, no: usize, words: &[Word]) {
        match self.ctx {
            Ctx::Swallow => {}
            Ctx::Top => self.diags.push(
                no,
                words[0].col,
                "option line without an action: a line that starts with white space belongs to the `action` line above it (only blank and comment lines may come between)",
            ),
            Ctx::Action => match self.actions.last_mut() {
                Some(p) => options::apply(p, no, words, &mut self.diags),
                None => self.ctx = Ctx::Top,
            },
        }
    }

    fn directive(&mut self, no: usize, words: &[Word]) {
        self.ctx = Ctx::Top;
        match words[0].text.as_str() {
            "audit" => self.audit_line(no, words),
            "type" => self.type_line(no, words),
            "action" => self.action_line(no, words),
            other => {
                let message = if options::OPTIONS.contains(&other) {
                    format!("`{other}` is an action option: indent it (start the line with white space) under its `action` line")
                } else {
                    format!("unknown directive {}: expected {DIRECTIVES}", show(other))
                };
                self.diags.push(no, words[0].col, message);
                self.ctx = Ctx::Swallow;
            }
        }
    }

    /// `audit file PATH | audit syslog | audit none`, at most once.
    fn audit_line(&mut self, no: usize, words: &[Word]) {
        if let Some(first) = self.audit_line {
            return self.diags.push(
                no,
                words[0].col,
                format!("duplicate `audit` line (the first is on line {first})"),
            );
        }
        self.audit_line = Some(no);
        for (i, w) in words.iter().enumerate() {
            if let Err(e) = check_no_shell(w, i) {
                return self.diags.push(no, w.col, e.message);
            }
        }
        let usage = "`audit` takes `file PATH`, `syslog` or `none`";
        let Some(kind) = words.get(1) else {
            return self.diags.push(no, words[0].col, usage);
        };
        let (target, arity) = match kind.text.as_str() {
            "file" => match words.get(2).map(|w| (w, syntax::parse_abs_path(&w.text))) {
                None => {
                    return self.diags.push(
                        no,
                        kind.col,
                        "`audit file` needs the log file's absolute path",
                    )
                }
                Some((w, Err(message))) => return self.diags.push(no, w.col, message),
                Some((_, Ok(path))) => (AuditTarget::File(path), 3),
            },
            "syslog" => (AuditTarget::Syslog, 2),
            "none" => (AuditTarget::None, 2),
            other => {
                return self.diags.push(
                    no,
                    kind.col,
                    format!("unknown audit target {}: {usage}", show(other)),
                )
            }
        };
        if let Some(extra) = words.get(arity) {
            return self.diags.push(
                no,
                extra.col,
                format!(
                    "unexpected {} after `audit {}`",
                    show(&extra.text),
                    kind.text
                ),
            );
        }
        self.audit = target;
    }

    /// `type NAME = BASE [PARAM...]`.
    fn type_line(&mut self, no: usize, words: &[Word]) {
        let Some(name) = words.get(1) else {
            return self
                .diags
                .push(no, words[0].col, "`type` needs `NAME = BASE [PARAM...]`");
        };
        if let Err(message) = Self::check_type_name(&name.text) {
            self.broken_types.insert(name.text.clone());
            return self.diags.push(no, name.col, message);
        }
        if let Some(first) = self.type_lines.get(&name.text) {
            let message = format!(
                "duplicate type `{}` (first defined on line {first})",
                name.text
            );
            return self.diags.push(no, name.col, message);
        }
        self.type_lines.insert(name.text.clone(), no);
        if self.types.len() >= MAX_TYPES {
            self.broken_types.insert(name.text.clone());
            if !self.too_many_types {
                self.too_many_types = true;
                let message = format!(
                    "too many types (at most {MAX_TYPES}); the types from here on are not read"
                );
                self.diags.push(no, words[0].col, message);
            }
            return;
        }
        if let Err((col, message)) = self.define_type(no, words) {
            self.broken_types.insert(name.text.clone());
            self.diags.push(no, col, message);
        }
    }

    fn check_type_name(name: &str) -> Result<(), String> {
        syntax::check_name("type", name)?;
        if syntax::is_builtin_type(name) {
            return Err(format!(
                "`{name}` is a built-in type; a named type needs a name of its own"
            ));
        }
        Ok(())
    }

    /// The part of a `type` line after its (valid, new) name.
    fn define_type(&mut self, no: usize, words: &[Word]) -> Result<(), (usize, String)> {
        expect_equals(words, "type")?;
        let rhs = words.get(3..).unwrap_or(&[]);
        let texts: Vec<String> = rhs.iter().map(|w| w.text.clone()).collect();
        let ty = ValueType::parse(&texts).map_err(|e| {
            let col = rhs.get(e.word).or(words.last()).map_or(1, |w| w.col);
            let base_is_named = e.word == 0
                && texts
                    .first()
                    .is_some_and(|b| self.type_lines.contains_key(b));
            if let (true, Some(base)) = (base_is_named, texts.first()) {
                (
                    col,
                    format!("the base of a type must be a built-in type; `{base}` is a named type"),
                )
            } else if texts.is_empty() {
                (col, "missing base type after `=`".to_string())
            } else {
                (col, e.message)
            }
        })?;
        let name = words.get(1).map(|w| w.text.clone()).unwrap_or_default();
        self.type_index.insert(name.clone(), self.types.len());
        self.types.push(NamedType { name, ty, line: no });
        Ok(())
    }

    /// `action NAME = PROGRAM [WORD...]`.
    fn action_line(&mut self, no: usize, words: &[Word]) {
        self.ctx = Ctx::Swallow;
        let Some(name) = words.get(1) else {
            return self.diags.push(
                no,
                words[0].col,
                "`action` needs `NAME = PROGRAM [WORD...]`",
            );
        };
        if let Err(message) = syntax::check_name("action", &name.text) {
            return self.diags.push(no, name.col, message);
        }
        if let Some(first) = self.action_lines.get(&name.text) {
            let message = format!(
                "duplicate action `{}` (first defined on line {first})",
                name.text
            );
            return self.diags.push(no, name.col, message);
        }
        self.action_lines.insert(name.text.clone(), no);
        if let Err((col, message)) = expect_equals(words, "action") {
            return self.diags.push(no, col, message);
        }
        if self.actions.len() >= MAX_ACTIONS {
            if !self.too_many_actions {
                self.too_many_actions = true;
                let message = format!("too many actions (at most {MAX_ACTIONS}); the actions from here on are not read");
                self.diags.push(no, words[0].col, message);
            }
            return;
        }
        let argv = words.get(3..).unwrap_or(&[]);
        let template = match Template::from_words(argv) {
            Ok(t) => t,
            Err(e) => {
                let col = argv
                    .get(e.word)
                    .or(words.get(2))
                    .map_or(name.col, |w| w.col);
                let message = if argv.is_empty() {
                    "missing program after `=`".to_string()
                } else {
                    e.message
                };
                return self.diags.push(no, col, message);
            }
        };
        let mut action = Action::new(name.text.clone(), template, Vec::new());
        action.line = no;
        self.actions.push(Pending::new(action, argv));
        self.ctx = Ctx::Action;
    }

    /// Resolves types and `fs` references and builds the policy.
    fn finish(mut self) -> Result<Policy, Vec<Diagnostic>> {
        let mut actions = Vec::with_capacity(self.actions.len());
        if !self.diags.full() {
            let mut types = resolve::Types::new(&self.type_index, &self.types, &self.broken_types);
            for p in self.actions {
                actions.push(resolve::finish(p, &mut types, &mut self.diags));
            }
        }
        if self.diags.is_empty() {
            Ok(Policy {
                audit: self.audit,
                types: self.types,
                actions,
            })
        } else {
            Err(self.diags.finish())
        }
    }
}

/// Checks that `words[2]` is `=` (for `type` and `action` lines, whose
/// name is `words[1]`).
fn expect_equals(words: &[Word], what: &str) -> Result<(), (usize, String)> {
    match words.get(2) {
        Some(w) if w.text == "=" => Ok(()),
        Some(w) => Err((
            w.col,
            format!(
                "expected `=` after the {what} name, found {}",
                show(&w.text)
            ),
        )),
        None => {
            let (col, name) = words.get(1).map_or((1, ""), |w| (w.col, w.text.as_str()));
            Err((col, format!("expected `=` after the {what} name `{name}`")))
        }
    }
}
