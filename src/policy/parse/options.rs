//! Option lines: the indented lines under an `action` line.
//!
//! Each option is parsed whole before it changes the action: an option
//! with an error is reported (every bad word of it, where its words are
//! independent) and left out.

use std::collections::HashSet;

use super::syntax::{self, show};
use super::{Diags, MAX_LIST_ITEMS};
use crate::identity::UserGroup;
use crate::lex::Word;
use crate::policy::{Action, Allow, FsPath, StdinSpec};
use crate::sandbox::{Caps, ExecMode, NetAccess, SandboxMode, SeccompProfile};
use crate::template::{check_no_shell, parse_pieces, Arity, Piece, Placeholder, MAX_REFERENCES};

/// Every option, in the order the docs and the printer use.
pub(in crate::policy) const OPTIONS: &[&str] = &[
    "allow", "run-as", "timeout", "stdin", "env", "cwd", "fs", "net", "seccomp", "limit",
    "sandbox", "caps",
];

/// A placeholder of the `stdin` template and where it was written.
#[derive(Debug)]
pub(super) struct StdinHole {
    pub(super) placeholder: Placeholder,
    pub(super) line: usize,
    pub(super) col: usize,
}

/// An `fs` rule's `{name}` and where it was written.
#[derive(Debug)]
pub(super) struct FsRef {
    pub(super) name: String,
    pub(super) line: usize,
    pub(super) col: usize,
}

/// An action being read: the action with its options so far, and what the
/// resolution step at the end of the file needs.
#[derive(Debug)]
pub(super) struct Pending {
    /// The action (its `params` are filled in by the resolution step).
    pub(super) action: Action,
    /// For each argv placeholder, the column of its word on the action line.
    pub(super) argv_cols: Vec<usize>,
    /// The `stdin` template's placeholders.
    pub(super) stdin_holes: Vec<StdinHole>,
    /// The `{name}` paths of `fs` rules.
    pub(super) fs_refs: Vec<FsRef>,
    /// Options (and `limit` keys) already given, with their line.
    seen: Vec<(String, usize)>,
    /// `env` names already set.
    env_names: HashSet<String>,
}

impl Pending {
    /// `argv` are the words of the template (the program first), as
    /// given to [`crate::template::Template::from_words`].
    pub(super) fn new(action: Action, argv: &[Word]) -> Pending {
        let fallback = argv.first().map_or(1, |w| w.col);
        let n = action.template.placeholders().len();
        let mut argv_cols = vec![fallback; n];
        // The column of each placeholder's declaration (its first use).
        let mut declared = vec![false; n];
        for (i, word) in action.template.words().iter().enumerate() {
            let col = argv.get(i + 1).map_or(fallback, |w| w.col);
            for piece in &word.pieces {
                if let Piece::Hole(h) = piece {
                    if let (Some(c), Some(seen)) = (argv_cols.get_mut(*h), declared.get_mut(*h)) {
                        if !std::mem::replace(seen, true) {
                            *c = col;
                        }
                    }
                }
            }
        }
        Pending {
            action,
            argv_cols,
            stdin_holes: Vec::new(),
            fs_refs: Vec::new(),
            seen: Vec::new(),
            env_names: HashSet::new(),
        }
    }

    /// Records `key` as given on `line`; if it was given before, reports a
    /// duplicate and returns false.
    fn once(&mut self, key: &str, at: &mut At<'_>, col: usize) -> bool {
        if let Some((_, first)) = self.seen.iter().find(|(k, _)| k == key) {
            at.err(
                col,
                format!("duplicate `{key}` (first given on line {first})"),
            );
            return false;
        }
        self.seen.push((key.to_string(), at.line));
        true
    }
}

/// Where diagnostics of one option line go.
struct At<'a> {
    line: usize,
    diags: &'a mut Diags,
    errors: usize,
}

impl At<'_> {
    fn err(&mut self, col: usize, message: impl Into<String>) {
        self.errors += 1;
        self.diags.push(self.line, col, message);
    }
}

/// Applies the option line `words` (line `line`) to `p`.
pub(super) fn apply(p: &mut Pending, line: usize, words: &[Word], diags: &mut Diags) {
    let mut at = At {
        line,
        diags,
        errors: 0,
    };
    let Some(first) = words.first() else { return };
    for (i, w) in words.iter().enumerate() {
        if let Err(e) = check_no_shell(w, i) {
            return at.err(w.col, e.message);
        }
    }
    match first.text.as_str() {
        "allow" => allow(p, words, &mut at),
        "run-as" => run_as(p, words, &mut at),
        "timeout" => timeout(p, words, &mut at),
        "stdin" => stdin(p, words, &mut at),
        "env" => env(p, words, &mut at),
        "cwd" => cwd(p, words, &mut at),
        "fs" => fs(p, words, &mut at),
        "net" => net(p, words, &mut at),
        "seccomp" => seccomp(p, words, &mut at),
        "limit" => limit(p, words, &mut at),
        "sandbox" => sandbox(p, words, &mut at),
        "caps" => caps(p, words, &mut at),
        "exec" => exec(p, words, &mut at),
        other => {
            let message = if matches!(other, "action" | "type" | "audit") {
                format!("`{other}` lines must not be indented: a line that starts with white space is an option line")
            } else {
                format!(
                    "unknown option {}; the options are: {}",
                    show(other),
                    OPTIONS.join(", ")
                )
            };
            at.err(first.col, message);
        }
    }
}

/// The only argument of a one-argument option, or an error.
fn one_arg<'w>(words: &'w [Word], at: &mut At<'_>, usage: &str) -> Option<&'w Word> {
    let name = words.first().map_or("", |w| w.text.as_str());
    match words {
        [only] => {
            at.err(only.col, format!("`{name}` needs {usage}"));
            None
        }
        [_, arg] => Some(arg),
        [_, _, extra, ..] => {
            at.err(
                extra.col,
                format!("unexpected {}: `{name}` takes {usage}", show(&extra.text)),
            );
            None
        }
        [] => None,
    }
}

/// The column of the option word.
fn col0(words: &[Word]) -> usize {
    words.first().map_or(1, |w| w.col)
}

/// Reports a list that would grow beyond [`MAX_LIST_ITEMS`].
fn over_limit(have: usize, adding: usize, what: &str, words: &[Word], at: &mut At<'_>) -> bool {
    if have.saturating_add(adding) > MAX_LIST_ITEMS {
        at.err(
            col0(words),
            format!("too many {what} (at most {MAX_LIST_ITEMS} per action)"),
        );
        return true;
    }
    false
}

/// `allow user=U | group=G | uid=N | gid=N` (several per line allowed).
fn allow(p: &mut Pending, words: &[Word], at: &mut At<'_>) {
    const USAGE: &str = "user=NAME, group=NAME, uid=N or gid=N";
    if words.len() < 2 {
        return at.err(col0(words), format!("`allow` needs {USAGE}"));
    }
    let mut entries = Vec::new();
    for w in &words[1..] {
        let Some((key, value)) = w.text.split_once('=') else {
            at.err(w.col, format!("expected {USAGE}, found {}", show(&w.text)));
            continue;
        };
        let entry = match key {
            "user" => syntax::check_account("user", value).map(|()| Allow::User(value.to_string())),
            "group" => {
                syntax::check_account("group", value).map(|()| Allow::Group(value.to_string()))
            }
            "uid" => syntax::parse_id("uid", value).map(Allow::Uid),
            "gid" => syntax::parse_id("gid", value).map(Allow::Gid),
            _ => Err(format!(
                "unknown `allow` key {}: expected {USAGE}",
                show(key)
            )),
        };
        match entry {
            Ok(e) => entries.push(e),
            Err(message) => at.err(w.col, message),
        }
    }
    if at.errors == 0
        && !over_limit(
            p.action.allow.len(),
            entries.len(),
            "`allow` entries",
            words,
            at,
        )
    {
        p.action.allow.extend(entries);
    }
}

/// `run-as USER[:GROUP]`.
fn run_as(p: &mut Pending, words: &[Word], at: &mut At<'_>) {
    if !p.once("run-as", at, col0(words)) {
        return;
    }
    let Some(w) = one_arg(words, at, "USER[:GROUP]") else {
        return;
    };
    let (user, group) = match w.text.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (w.text.as_str(), None),
    };
    let checked = syntax::check_account("user", user)
        .and_then(|()| group.map_or(Ok(()), |g| syntax::check_account("group", g)));
    match checked {
        Ok(()) => p.action.run_as = Some(UserGroup::new(user, group.map(str::to_string))),
        Err(message) => at.err(w.col, format!("run-as: {message}")),
    }
}

/// `timeout DURATION`.
fn timeout(p: &mut Pending, words: &[Word], at: &mut At<'_>) {
    if !p.once("timeout", at, col0(words)) {
        return;
    }
    let Some(w) = one_arg(words, at, "a duration such as `500ms`, `30s`, `5m` or `1h`") else {
        return;
    };
    match syntax::parse_duration(&w.text) {
        Ok(d) => p.action.timeout = d,
        Err(message) => at.err(w.col, message),
    }
}

/// `stdin none | inherit | TEMPLATE`.
fn stdin(p: &mut Pending, words: &[Word], at: &mut At<'_>) {
    if !p.once("stdin", at, col0(words)) {
        return;
    }
    let Some(first) = words.get(1) else {
        return at.err(
            col0(words),
            "`stdin` needs `none`, `inherit` or a template such as \"{user:user}:{pw:secret}\"",
        );
    };
    let keyword = match first.text.as_str() {
        "none" if !first.quoted => Some(StdinSpec::Null),
        "inherit" if !first.quoted => Some(StdinSpec::Inherit),
        _ => None,
    };
    match (keyword, words.get(2)) {
        (Some(_), Some(extra)) => at.err(
            extra.col,
            format!(
                "unexpected {} after `stdin {}` (quote the first word to send it as text)",
                show(&extra.text),
                first.text
            ),
        ),
        (Some(spec), None) => p.action.stdin = spec,
        (None, _) => stdin_template(p, words, at),
    }
}

/// The words of a `stdin` template, joined by single spaces; its
/// placeholders continue the argv template's.
fn stdin_template(p: &mut Pending, words: &[Word], at: &mut At<'_>) {
    let argv = p.action.template.placeholders();
    let argv_open_ended = argv.iter().any(|h| h.arity != Arity::One);
    let n_argv = argv.len();
    let mut holes: Vec<Placeholder> = argv.to_vec();
    let mut cols = Vec::new();
    let mut pieces = Vec::new();
    for (i, w) in words.iter().enumerate().skip(1) {
        if i > 1 {
            push_piece(&mut pieces, Piece::Lit(" ".into()));
        }
        match parse_pieces(&w.text, i, &mut holes) {
            Ok(ps) => ps
                .into_iter()
                .for_each(|piece| push_piece(&mut pieces, piece)),
            Err(e) => return at.err(words.get(e.word).map_or(w.col, |w| w.col), e.message),
        }
        cols.resize(holes.len() - n_argv, w.col);
    }
    let new = holes.get(n_argv..).unwrap_or(&[]);
    for (h, &col) in new.iter().zip(&cols) {
        match h.arity {
            Arity::Variadic => at.err(col, format!("variadic placeholder `{}` cannot be used in `stdin`: it takes one value", h.name)),
            Arity::Optional => at.err(col, format!("optional placeholder `{}` cannot be used in `stdin`: stdin placeholders are required", h.name)),
            Arity::One => {}
        }
    }
    if let (true, Some(&col)) = (argv_open_ended, cols.first()) {
        if at.errors == 0 {
            at.err(col, "`stdin` placeholders take the arguments after the argv template's, so the argv template cannot have an optional or variadic placeholder");
        }
    }
    let refs = crate::template::count_references(&pieces);
    if refs > MAX_REFERENCES {
        at.err(
            col0(words),
            format!("too many repeated placeholders (`{{NAME}}`; at most {MAX_REFERENCES})"),
        );
    }
    if at.errors > 0 {
        return;
    }
    if pieces.is_empty() {
        pieces.push(Piece::Lit(String::new()));
    }
    p.stdin_holes = new
        .iter()
        .zip(cols)
        .map(|(h, col)| StdinHole {
            placeholder: h.clone(),
            line: at.line,
            col,
        })
        .collect();
    p.action.stdin = StdinSpec::Template(pieces);
}

/// Appends `piece`, merging adjacent literal text and dropping empty text,
/// so that equal texts give equal pieces however they were split.
fn push_piece(pieces: &mut Vec<Piece>, piece: Piece) {
    match (pieces.last_mut(), piece) {
        (_, Piece::Lit(t)) if t.is_empty() => {}
        (Some(Piece::Lit(last)), Piece::Lit(t)) => last.push_str(&t),
        (_, piece) => pieces.push(piece),
    }
}

/// `env NAME=VALUE...`.
fn env(p: &mut Pending, words: &[Word], at: &mut At<'_>) {
    if words.len() < 2 {
        return at.err(col0(words), "`env` needs NAME=VALUE");
    }
    let mut entries = Vec::new();
    let mut names = HashSet::new();
    for w in &words[1..] {
        match env_entry(&w.text) {
            Ok((name, _)) if p.env_names.contains(&name) || names.contains(&name) => {
                at.err(w.col, format!("environment variable `{name}` is set twice"));
            }
            Ok((name, value)) => {
                names.insert(name.clone());
                entries.push((name, value));
            }
            Err(message) => at.err(w.col, message),
        }
    }
    if at.errors == 0
        && !over_limit(
            p.action.env.len(),
            entries.len(),
            "environment variables",
            words,
            at,
        )
    {
        p.env_names.extend(entries.iter().map(|(n, _)| n.clone()));
        p.action.env.extend(entries);
    }
}

/// One `NAME=VALUE`. The value is fixed text: `{{` and `}}` stand for
/// literal braces, as in templates, and a placeholder is an error.
fn env_entry(text: &str) -> Result<(String, String), String> {
    let Some((name, raw)) = text.split_once('=') else {
        return Err(format!("expected NAME=VALUE, found {}", show(text)));
    };
    syntax::check_env_name(name)?;
    let mut scratch = Vec::new();
    let pieces = parse_pieces(raw, 0, &mut scratch).map_err(|_| brace_error(name))?;
    let mut value = String::new();
    for piece in pieces {
        match piece {
            Piece::Lit(t) => value.push_str(&t),
            Piece::Hole(_) => return Err(brace_error(name)),
        }
    }
    Ok((name.to_string(), value))
}

fn brace_error(name: &str) -> String {
    format!("the value of `{name}` holds `{{` or `}}`: env values are fixed text and cannot hold placeholders; write `{{{{` and `}}}}` for literal braces")
}

/// `cwd DIR`.
fn cwd(p: &mut Pending, words: &[Word], at: &mut At<'_>) {
    if !p.once("cwd", at, col0(words)) {
        return;
    }
    let Some(w) = one_arg(words, at, "an absolute directory") else {
        return;
    };
    match syntax::parse_abs_path(&w.text) {
        Ok(path) => p.action.cwd = path,
        Err(message) => at.err(w.col, message),
    }
}

/// `fs read|write|exec PATH...`.
fn fs(p: &mut Pending, words: &[Word], at: &mut At<'_>) {
    const USAGE: &str = "`fs` takes `read`, `write` or `exec` and one or more absolute paths or `{name}` placeholders";
    let Some(kind) = words.get(1) else {
        return at.err(col0(words), USAGE);
    };
    if !matches!(kind.text.as_str(), "read" | "write" | "exec") {
        return at.err(
            kind.col,
            format!("unknown access {}: {USAGE}", show(&kind.text)),
        );
    }
    if words.len() < 3 {
        return at.err(
            kind.col,
            format!("`fs {}` needs at least one path", kind.text),
        );
    }
    let mut paths = Vec::new();
    let mut refs = Vec::new();
    for w in &words[2..] {
        match fs_path(&w.text) {
            Ok(FsPath::Param(name)) => {
                refs.push(FsRef {
                    name: name.clone(),
                    line: at.line,
                    col: w.col,
                });
                paths.push(FsPath::Param(name));
            }
            Ok(path) => paths.push(path),
            Err(message) => at.err(w.col, message),
        }
    }
    let list = match kind.text.as_str() {
        "read" => p.action.fs.read.get_or_insert_with(Vec::new),
        "write" => &mut p.action.fs.write,
        _ => &mut p.action.fs.exec,
    };
    let what = format!("`fs {}` paths", kind.text);
    if over_limit(list.len(), paths.len(), &what, words, at) {
        return;
    }
    if kind.text == "exec" && p.action.exec == Some(ExecMode::Once) {
        return at.err(kind.col, EXEC_ONCE_WITH_FS_EXEC);
    }
    if at.errors == 0 {
        list.extend(paths);
    }
    // Checked at the end of the file even if another word was bad.
    p.fs_refs.extend(refs);
}

/// One path of an `fs` rule: an absolute path or `{name}`.
fn fs_path(text: &str) -> Result<FsPath, String> {
    if !text.starts_with('{') {
        return syntax::parse_abs_path(text).map(FsPath::Path);
    }
    match text.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
        Some(name) if syntax::is_placeholder_name(name) => Ok(FsPath::Param(name.to_string())),
        Some(inner) if inner.contains(':') => Err(format!(
            "{}: an `fs` rule names a placeholder of the action without its type, as `{{name}}`",
            show(text)
        )),
        _ => Err(format!(
            "{} is neither an absolute path nor a placeholder reference `{{name}}`",
            show(text)
        )),
    }
}

/// `net none | unix | connect PORT... | bind PORT... | any`; lines
/// accumulate, `none` resets.
fn net(p: &mut Pending, words: &[Word], at: &mut At<'_>) {
    const USAGE: &str = "`net` takes `none`, `unix`, `connect PORT...`, `bind PORT...` or `any`";
    let Some(kind) = words.get(1) else {
        return at.err(col0(words), USAGE);
    };
    let ports_wanted = matches!(kind.text.as_str(), "connect" | "bind");
    if !ports_wanted && !matches!(kind.text.as_str(), "none" | "unix" | "any") {
        return at.err(
            kind.col,
            format!("unknown network access {}: {USAGE}", show(&kind.text)),
        );
    }
    if let (false, Some(extra)) = (ports_wanted, words.get(2)) {
        return at.err(
            extra.col,
            format!("unexpected {} after `net {}`", show(&extra.text), kind.text),
        );
    }
    if ports_wanted && words.len() < 3 {
        return at.err(
            kind.col,
            format!("`net {}` needs at least one TCP port", kind.text),
        );
    }
    let mut ports = Vec::new();
    for w in words.get(2..).unwrap_or(&[]) {
        match syntax::parse_port(&w.text) {
            Ok(port) => ports.push(port),
            Err(message) => at.err(w.col, message),
        }
    }
    if at.errors > 0 {
        return;
    }
    let net = &mut p.action.net;
    match kind.text.as_str() {
        "none" => *net = NetAccess::none(),
        "unix" => net.unix = true,
        "any" => net.any = true,
        "connect" => net.connect.extend(ports),
        _ => net.bind.extend(ports),
    }
}

/// `seccomp default | strict [allow=SYSCALL,...]`.
fn seccomp(p: &mut Pending, words: &[Word], at: &mut At<'_>) {
    const USAGE: &str =
        "`seccomp` takes `default` or `strict`, optionally followed by `allow=SYSCALL,...`";
    if !p.once("seccomp", at, col0(words)) {
        return;
    }
    let Some(kind) = words.get(1) else {
        return at.err(col0(words), USAGE);
    };
    let profile = match kind.text.as_str() {
        "default" => SeccompProfile::Default,
        "strict" => SeccompProfile::Strict,
        other => {
            return at.err(
                kind.col,
                format!("unknown seccomp profile {}: {USAGE}", show(other)),
            )
        }
    };
    let mut allow: Option<Vec<String>> = None;
    for w in words.get(2..).unwrap_or(&[]) {
        let Some(list) = w.text.strip_prefix("allow=") else {
            at.err(w.col, format!("unexpected {}: {USAGE}", show(&w.text)));
            continue;
        };
        if allow.is_some() {
            at.err(w.col, "`allow=` is given twice; list every system call in one `allow=` separated by commas");
            continue;
        }
        let names: Vec<String> = list.split(',').map(str::to_string).collect();
        for name in &names {
            if let Err(message) = syntax::check_syscall(name) {
                at.err(w.col, message);
                break;
            }
        }
        if names.len() > MAX_LIST_ITEMS {
            at.err(
                w.col,
                format!("too many system calls in `allow=` (at most {MAX_LIST_ITEMS})"),
            );
        }
        allow = Some(names);
    }
    if at.errors == 0 {
        p.action.seccomp.profile = profile;
        p.action.seccomp.allow = allow.unwrap_or_default();
    }
}

/// `limit KEY=VALUE...`; each key at most once per action.
fn limit(p: &mut Pending, words: &[Word], at: &mut At<'_>) {
    const KEYS: &str = "cpu=, as=, nproc=, nofile=, fsize= or output=";
    if words.len() < 2 {
        return at.err(
            col0(words),
            format!("`limit` needs KEY=VALUE with KEY one of {KEYS}"),
        );
    }
    for w in &words[1..] {
        let Some((key, value)) = w.text.split_once('=') else {
            at.err(
                w.col,
                format!(
                    "expected KEY=VALUE with KEY one of {KEYS}, found {}",
                    show(&w.text)
                ),
            );
            continue;
        };
        if !matches!(key, "cpu" | "as" | "nproc" | "nofile" | "fsize" | "output") {
            at.err(
                w.col,
                format!("unknown limit {}: the limits are {KEYS}", show(key)),
            );
            continue;
        }
        if !p.once(&format!("limit {key}="), at, w.col) {
            continue;
        }
        if let Err(message) = set_limit(&mut p.action, key, value) {
            at.err(w.col, format!("limit {key}=: {message}"));
        }
    }
}

/// Sets one limit. `inherit` keeps the inherited limit (not for `output`,
/// which execward enforces itself). Zero is refused where the child could
/// not even start (cpu, as, nproc, nofile).
fn set_limit(action: &mut Action, key: &str, value: &str) -> Result<(), String> {
    let limits = &mut action.limits;
    if key == "output" {
        limits.output = syntax::parse_size(value)?;
        return Ok(());
    }
    let parsed = if value == "inherit" {
        None
    } else {
        let v = match key {
            "cpu" => syntax::parse_cpu_seconds(value)?,
            "as" | "fsize" => syntax::parse_size(value)?,
            _ => syntax::parse_decimal(value)?,
        };
        if v == 0 && key != "fsize" {
            return Err("must be more than zero".into());
        }
        Some(v)
    };
    match key {
        "cpu" => limits.cpu = parsed,
        "as" => limits.address_space = parsed,
        "nproc" => limits.nproc = parsed,
        "nofile" => limits.nofile = parsed,
        _ => limits.fsize = parsed,
    }
    Ok(())
}

/// `sandbox required | best-effort`.
fn sandbox(p: &mut Pending, words: &[Word], at: &mut At<'_>) {
    if !p.once("sandbox", at, col0(words)) {
        return;
    }
    let Some(w) = one_arg(words, at, "`required` or `best-effort`") else {
        return;
    };
    match w.text.as_str() {
        "required" => p.action.sandbox = SandboxMode::Required,
        "best-effort" => p.action.sandbox = SandboxMode::BestEffort,
        other => at.err(
            w.col,
            format!(
                "unknown sandbox mode {}: expected `required` or `best-effort`",
                show(other)
            ),
        ),
    }
}

/// `caps NAME...`: capabilities a root child keeps beyond the default
/// allowlist; lines accumulate. Names are the kernel's, lowercase, without
/// `CAP_` (`sys_admin`); a few are never granted ([`Caps::grantable`]).
fn caps(p: &mut Pending, words: &[Word], at: &mut At<'_>) {
    if words.len() < 2 {
        return at.err(
            col0(words),
            "`caps` needs one or more capability names such as `sys_admin`",
        );
    }
    let mut added = Caps::NONE;
    for w in &words[1..] {
        match Caps::grantable(&w.text) {
            Ok(c) => added = added.union(c),
            Err(message) => at.err(w.col, message),
        }
    }
    if at.errors == 0 {
        p.action.caps = p.action.caps.union(added);
    }
}

const EXEC_ONCE_WITH_FS_EXEC: &str = "`fs exec` lists programs to run after the first, which `exec once` forbids: drop `exec once` (`fs exec` implies `exec many`)";

/// `exec once | many`.
fn exec(p: &mut Pending, words: &[Word], at: &mut At<'_>) {
    if !p.once("exec", at, col0(words)) {
        return;
    }
    let Some(w) = one_arg(words, at, "`once` or `many`") else {
        return;
    };
    let mode = match w.text.as_str() {
        "once" => ExecMode::Once,
        "many" => ExecMode::Many,
        other => {
            return at.err(
                w.col,
                format!(
                    "unknown exec mode {}: expected `once` or `many`",
                    show(other)
                ),
            )
        }
    };
    if mode == ExecMode::Once && !p.action.fs.exec.is_empty() {
        return at.err(w.col, EXEC_ONCE_WITH_FS_EXEC);
    }
    p.action.exec = Some(mode);
}
