//! Printing a policy back as policy text, in a canonical form.
//!
//! The output parses back to an equal policy (compare with
//! [`Policy::normalized`], since line numbers change): comments and blank
//! lines are dropped, types come first, then actions, each option on its
//! own line in a fixed order, and options at their default value are left
//! out. Words are quoted as briefly as the lexer allows (see
//! [`quote`]), so no printed line is longer than the line it
//! came from: a policy that was read within [`MAX_LINE_LEN`] prints within
//! it too (type lines excepted, whose form is the value layer's).

mod quote;

use std::fmt;

use super::{Action, AuditTarget, FsPath, Policy, StdinSpec, DEFAULT_TIMEOUT, MAX_LINE_LEN};
use crate::lex;
use crate::policy::parse::syntax;
use crate::sandbox::{Limits, SandboxMode, SeccompSpec};
use crate::template::{Piece, Placeholder};

/// Indentation of option lines.
const INDENT: &str = "    ";
/// Lists (`fs` paths, ports) are packed onto lines up to this width.
const PACK_WIDTH: usize = 100;
/// The most ports printed on one `net connect`/`net bind` line.
const PORTS_PER_LINE: usize = 16;

impl Policy {
    /// A copy with every `line` field set to 0: two policies that differ
    /// only in where things were written compare equal this way
    /// (`parse(&policy.to_string())?.normalized() == policy.normalized()`).
    #[must_use]
    pub fn normalized(&self) -> Policy {
        let mut p = self.clone();
        p.types.iter_mut().for_each(|t| t.line = 0);
        p.actions.iter_mut().for_each(|a| a.line = 0);
        p
    }
}

impl fmt::Display for Policy {
    /// Prints the policy in canonical form: types first, then actions, one
    /// option per line in a fixed order, defaults left out, no comments.
    /// The text parses back to an equal policy (compare
    /// [`Policy::normalized`], as line numbers change).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sections = 0;
        match &self.audit {
            AuditTarget::Unset => {}
            AuditTarget::File(path) => {
                writeln!(f, "audit file {}", quote::word(&path.to_string_lossy()))?
            }
            AuditTarget::Syslog => writeln!(f, "audit syslog")?,
            AuditTarget::None => writeln!(f, "audit none")?,
        }
        if self.audit != AuditTarget::Unset {
            sections += 1;
        }
        if !self.types.is_empty() && sections > 0 {
            writeln!(f)?;
        }
        for t in &self.types {
            writeln!(f, "type {} = {}", t.name, requote(&t.ty.to_string()))?;
            sections += 1;
        }
        for a in &self.actions {
            if sections > 0 {
                writeln!(f)?;
            }
            write_action(f, a)?;
            sections += 1;
        }
        Ok(())
    }
}

/// Re-quotes text made of lexer words (the value layer's `Display`) with
/// the shortest quoting; text that does not split is kept as it is.
fn requote(text: &str) -> String {
    match lex::split_texts(text) {
        Ok(words) => words
            .iter()
            .map(|w| quote::word(w))
            .collect::<Vec<_>>()
            .join(" "),
        Err(_) => text.to_string(),
    }
}

/// The source form of a word's pieces: literal braces doubled,
/// placeholders as `{name:type}`, `{name:type?}` or `{name:type...}` the
/// first time (`declared`), as `{name}` after that.
fn source(pieces: &[Piece], placeholders: &[Placeholder], declared: &mut [bool]) -> String {
    crate::template::pieces_source(pieces, placeholders, declared)
}

/// Writes one option line.
fn option(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    let indent = if INDENT.len() + text.len() <= MAX_LINE_LEN {
        INDENT
    } else {
        " "
    };
    writeln!(f, "{indent}{text}")
}

/// Writes `head ITEM...` lines, packing items up to [`PACK_WIDTH`] (at
/// least one item per line).
fn packed(f: &mut fmt::Formatter<'_>, head: &str, items: &[String]) -> fmt::Result {
    let mut line = String::new();
    for item in items {
        if !line.is_empty() && line.len() + 1 + item.len() > PACK_WIDTH {
            option(f, &line)?;
            line.clear();
        }
        if line.is_empty() {
            line.push_str(head);
        }
        line.push(' ');
        line.push_str(item);
    }
    if !line.is_empty() {
        option(f, &line)?;
    }
    Ok(())
}

fn write_action(f: &mut fmt::Formatter<'_>, a: &Action) -> fmt::Result {
    let t = &a.template;
    write!(f, "action {} = {}", a.name, quote::word(t.program()))?;
    let mut declared = vec![false; t.placeholders().len()];
    for w in t.words() {
        let text = source(&w.pieces, t.placeholders(), &mut declared);
        write!(f, " {}", quote::word(&text))?;
    }
    writeln!(f)?;
    for entry in &a.allow {
        let text = match entry {
            super::Allow::User(u) => format!("user={u}"),
            super::Allow::Group(g) => format!("group={g}"),
            super::Allow::Uid(n) => format!("uid={n}"),
            super::Allow::Gid(n) => format!("gid={n}"),
        };
        option(f, &format!("allow {}", quote::word(&text)))?;
    }
    if let Some(r) = &a.run_as {
        option(f, &format!("run-as {}", quote::word(&r.to_string())))?;
    }
    if a.timeout != DEFAULT_TIMEOUT {
        option(
            f,
            &format!("timeout {}", syntax::format_duration(a.timeout)),
        )?;
    }
    write_stdin(f, a)?;
    for (name, value) in &a.env {
        let value = value.replace('{', "{{").replace('}', "}}");
        option(
            f,
            &format!("env {}", quote::word(&format!("{name}={value}"))),
        )?;
    }
    if a.cwd.as_os_str() != "/" {
        option(f, &format!("cwd {}", quote::word(&a.cwd.to_string_lossy())))?;
    }
    write_fs(f, a)?;
    write_net(f, a)?;
    write_seccomp(f, &a.seccomp)?;
    write_limits(f, &a.limits)?;
    if a.sandbox == SandboxMode::BestEffort {
        option(f, "sandbox best-effort")?;
    }
    if !a.caps.is_empty() {
        option(f, &format!("caps {}", a.caps))?;
    }
    if let Some(mode) = a.exec {
        option(f, &format!("exec {mode}"))?;
    }
    Ok(())
}

fn write_stdin(f: &mut fmt::Formatter<'_>, a: &Action) -> fmt::Result {
    match &a.stdin {
        StdinSpec::Unset => Ok(()),
        StdinSpec::Null => option(f, "stdin none"),
        StdinSpec::Inherit => option(f, "stdin inherit"),
        StdinSpec::Template(pieces) => {
            let holes: Vec<Placeholder> = a
                .params
                .iter()
                .map(|p| Placeholder {
                    name: p.name.clone(),
                    type_name: p.type_name.clone(),
                    arity: p.arity,
                })
                .collect();
            // The argv template's placeholders are declared there: here
            // they can only be references.
            let mut declared: Vec<bool> = (0..holes.len())
                .map(|i| i < a.template.placeholders().len())
                .collect();
            let text = source(pieces, &holes, &mut declared);
            option(f, &format!("stdin {}", quote::words(&text, true)))
        }
    }
}

fn fs_items(paths: &[FsPath]) -> Vec<String> {
    paths
        .iter()
        .map(|p| match p {
            FsPath::Path(path) => quote::word(&path.to_string_lossy()),
            FsPath::Param(name) => format!("{{{name}}}"),
        })
        .collect()
}

fn write_fs(f: &mut fmt::Formatter<'_>, a: &Action) -> fmt::Result {
    if let Some(read) = &a.fs.read {
        packed(f, "fs read", &fs_items(read))?;
    }
    packed(f, "fs write", &fs_items(&a.fs.write))?;
    packed(f, "fs exec", &fs_items(&a.fs.exec))
}

fn write_net(f: &mut fmt::Formatter<'_>, a: &Action) -> fmt::Result {
    let net = &a.net;
    if net.unix {
        option(f, "net unix")?;
    }
    for (head, ports) in [("net connect", &net.connect), ("net bind", &net.bind)] {
        let ports: Vec<String> = ports.iter().map(u16::to_string).collect();
        for chunk in ports.chunks(PORTS_PER_LINE) {
            option(f, &format!("{head} {}", chunk.join(" ")))?;
        }
    }
    if net.any {
        option(f, "net any")?;
    }
    Ok(())
}

fn write_seccomp(f: &mut fmt::Formatter<'_>, s: &SeccompSpec) -> fmt::Result {
    if *s == SeccompSpec::default() {
        return Ok(());
    }
    let mut text = format!("seccomp {}", s.profile);
    if !s.allow.is_empty() {
        text.push(' ');
        text.push_str(&quote::word(&format!("allow={}", s.allow.join(","))));
    }
    option(f, &text)
}

fn write_limits(f: &mut fmt::Formatter<'_>, l: &Limits) -> fmt::Result {
    let d = Limits::default();
    let opt = |v: Option<u64>, size: bool| match v {
        None => "inherit".to_string(),
        Some(v) if size => syntax::format_size(v),
        Some(v) => v.to_string(),
    };
    let mut keys = Vec::new();
    if l.cpu != d.cpu {
        keys.push(format!("cpu={}", opt(l.cpu, false)));
    }
    if l.address_space != d.address_space {
        keys.push(format!("as={}", opt(l.address_space, true)));
    }
    if l.nproc != d.nproc {
        keys.push(format!("nproc={}", opt(l.nproc, false)));
    }
    if l.nofile != d.nofile {
        keys.push(format!("nofile={}", opt(l.nofile, false)));
    }
    if l.fsize != d.fsize {
        keys.push(format!("fsize={}", opt(l.fsize, true)));
    }
    if l.output != d.output {
        keys.push(format!("output={}", syntax::format_size(l.output)));
    }
    if keys.is_empty() {
        return Ok(());
    }
    option(f, &format!("limit {}", keys.join(" ")))
}
