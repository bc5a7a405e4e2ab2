//! Command templates: `PROGRAM WORD...` with typed placeholders.
//!
//! A template is parsed once. Each word is a sequence of literal text and
//! placeholders `{NAME:TYPE}` (one value), `{NAME:TYPE?}` (optional: the
//! whole word is left out when no argument is left for it) and
//! `{NAME:TYPE...}` (all remaining arguments, at least one, each its own
//! argv element; it must stand alone as a word and be the last placeholder).
//! `{{` and `}}` are literal braces.
//!
//! A placeholder may be used more than once: after its typed declaration,
//! `{NAME}` (no type) is the same value again, as in `install -o {u:user}
//! -g {u}`. A reference comes after its declaration (the argv template's
//! placeholders may be referred to from the `stdin` template too), names a
//! placeholder that takes exactly one value (not `?` or `...`), and takes
//! no caller argument of its own; at most [`MAX_REFERENCES`] per template.
//! Each use is checked by the leading-`-` rule on its own.
//!
//! Rendering never splits or joins words: a word with placeholders stays
//! exactly one argv element whatever the values hold, and a literal word is
//! passed as written. There is no shell, so a word that a shell would treat
//! as syntax (an unquoted `|`, `;`, `&&`, `>`, `<`, or a `$(`, `${`,
//! backquote) is refused when the template is parsed: it could only be a
//! mistake.

use std::fmt;

use crate::lex;

/// The most words a template may have.
pub const MAX_TEMPLATE_WORDS: usize = 256;
/// The most placeholders a template may have.
pub const MAX_PLACEHOLDERS: usize = 64;
/// The longest placeholder or type name.
pub const MAX_NAME_LEN: usize = 64;
/// The most references (`{NAME}` after `{NAME:TYPE}`) one template may
/// hold: each repeats a value of up to 4096 bytes in argv.
pub const MAX_REFERENCES: usize = 64;

/// How many caller arguments a placeholder takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Arity {
    /// Exactly one (`{name:type}`).
    One,
    /// Zero or one (`{name:type?}`).
    Optional,
    /// One or more (`{name:type...}`).
    Variadic,
}

/// A typed placeholder.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Placeholder {
    /// Its name, used in error messages, `fs` rules and `explain`.
    pub name: String,
    /// The name of its type (built-in or a policy `type`).
    pub type_name: String,
    /// How many arguments it takes.
    pub arity: Arity,
}

/// A piece of a word.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Piece {
    /// Literal text.
    Lit(String),
    /// A placeholder, by index into [`Template::placeholders`].
    Hole(usize),
}

/// One word of a template.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct TemplateWord {
    /// The pieces, in order.
    pub pieces: Vec<Piece>,
}

impl TemplateWord {
    /// The placeholder index if the word is exactly one placeholder.
    pub fn standalone_hole(&self) -> Option<usize> {
        match self.pieces.as_slice() {
            [Piece::Hole(i)] => Some(*i),
            _ => None,
        }
    }

    /// The word's text if it holds no placeholder.
    pub fn literal(&self) -> Option<String> {
        let mut s = String::new();
        for p in &self.pieces {
            match p {
                Piece::Lit(t) => s.push_str(t),
                Piece::Hole(_) => return None,
            }
        }
        Some(s)
    }
}

/// A parsed argv template: an absolute program and its words.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Template {
    program: String,
    words: Vec<TemplateWord>,
    placeholders: Vec<Placeholder>,
}

/// What is wrong with a template. `word` is the 0-based index of the
/// offending word in the words given (0 is the program).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
#[non_exhaustive]
pub struct TemplateError {
    /// Index of the offending word.
    pub word: usize,
    /// What is wrong, with a hint where one helps.
    pub message: String,
}

/// A word as shown in a message: at most 40 characters, with `...` after a
/// cut (a hostile 64 KiB word must not become a 64 KiB message).
fn excerpt(s: &str) -> String {
    const MAX: usize = 40;
    match s.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_string(),
    }
}

fn err(word: usize, message: impl Into<String>) -> TemplateError {
    TemplateError {
        word,
        message: message.into(),
    }
}

const NO_SHELL_HINT: &str =
    "there is no shell: a pipe, list or redirection here would be passed as a literal argument; make it a separate action, or quote the word if you really mean the literal text";
const NO_SUBST_HINT: &str = "there is no shell: `$(...)`, `${...}` and backquotes are never expanded; quote the word with single quotes if you really mean the literal text";

fn valid_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && s.len() <= MAX_NAME_LEN
}

/// Parses the pieces of one word. `holes` receives new placeholders.
/// `typed`: whether placeholders must carry a type (argv/stdin) or must not
/// (`fs` rules use `{name}`).
pub(crate) fn parse_pieces(
    text: &str,
    word: usize,
    holes: &mut Vec<Placeholder>,
) -> Result<Vec<Piece>, TemplateError> {
    let mut pieces = Vec::new();
    let mut lit = String::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("{{") {
            lit.push('{');
            rest = &rest[2..];
        } else if rest.starts_with("}}") {
            lit.push('}');
            rest = &rest[2..];
        } else if c == '}' {
            return Err(err(word, "a lone `}`; write `}}` for a literal brace"));
        } else if c == '{' {
            let Some(end) = rest.find('}') else {
                return Err(err(
                    word,
                    "unterminated placeholder `{`; write `{{` for a literal brace",
                ));
            };
            let inner = &rest[1..end];
            let Some((name, ty)) = inner.split_once(':') else {
                // `{name}`: a reference to an earlier placeholder.
                let h = reference(inner, word, holes)?;
                if !lit.is_empty() {
                    pieces.push(Piece::Lit(std::mem::take(&mut lit)));
                }
                pieces.push(Piece::Hole(h));
                rest = &rest[end + 1..];
                continue;
            };
            let (ty, arity) = if let Some(t) = ty.strip_suffix("...") {
                (t, Arity::Variadic)
            } else if let Some(t) = ty.strip_suffix('?') {
                (t, Arity::Optional)
            } else {
                (ty, Arity::One)
            };
            if !valid_name(name) {
                return Err(err(word, format!("invalid placeholder name {:?}: use letters, digits, `_` and `-`, starting with a letter or `_`", excerpt(name))));
            }
            if !valid_name(ty) {
                return Err(err(
                    word,
                    format!(
                        "invalid type name {:?} in placeholder `{}`",
                        excerpt(ty),
                        excerpt(name)
                    ),
                ));
            }
            if holes.iter().any(|h| h.name == name) {
                return Err(err(word, format!("duplicate placeholder name `{name}`")));
            }
            if holes.len() >= MAX_PLACEHOLDERS {
                return Err(err(
                    word,
                    format!("too many placeholders (at most {MAX_PLACEHOLDERS})"),
                ));
            }
            if !lit.is_empty() {
                pieces.push(Piece::Lit(std::mem::take(&mut lit)));
            }
            holes.push(Placeholder {
                name: name.to_string(),
                type_name: ty.to_string(),
                arity,
            });
            pieces.push(Piece::Hole(holes.len() - 1));
            rest = &rest[end + 1..];
        } else {
            lit.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    if !lit.is_empty() || pieces.is_empty() {
        pieces.push(Piece::Lit(lit));
    }
    Ok(pieces)
}

/// The index of the placeholder that `{inner}` refers to: an earlier
/// placeholder of one value.
fn reference(inner: &str, word: usize, holes: &[Placeholder]) -> Result<usize, TemplateError> {
    let Some(h) = holes.iter().position(|h| h.name == inner) else {
        let inner = excerpt(inner);
        return Err(err(
            word,
            format!("placeholder `{{{inner}}}` needs a type: `{{{inner}:TYPE}}` (`{{{inner}}}` alone repeats an earlier placeholder, and there is none of that name; write `{{{{` for a literal brace)"),
        ));
    };
    if holes[h].arity != Arity::One {
        return Err(err(
            word,
            format!(
                "`{{{inner}}}` repeats placeholder `{inner}`, which takes {}: only a placeholder of exactly one value can be used again",
                if holes[h].arity == Arity::Optional { "zero or one value" } else { "one or more values" }
            ),
        ));
    }
    Ok(h)
}

/// How many uses of placeholders in `words` are references (every use
/// after the first of each placeholder).
pub(crate) fn count_references<'a>(pieces: impl IntoIterator<Item = &'a Piece>) -> usize {
    let mut seen = std::collections::HashSet::new();
    pieces
        .into_iter()
        .filter(|p| matches!(p, Piece::Hole(h) if !seen.insert(*h)))
        .count()
}

/// Checks a lexed word for shell syntax.
pub(crate) fn check_no_shell(w: &lex::Word, index: usize) -> Result<(), TemplateError> {
    if w.substitution {
        return Err(err(
            index,
            format!(
                "`{}` looks like shell substitution; {NO_SUBST_HINT}",
                excerpt(&w.text)
            ),
        ));
    }
    if w.unquoted_operator {
        return Err(err(
            index,
            format!("`{}` is shell syntax; {NO_SHELL_HINT}", excerpt(&w.text)),
        ));
    }
    Ok(())
}

impl Template {
    /// Parses a template from a string such as
    /// `/usr/bin/systemctl reload -- {svc:service}`.
    ///
    /// # Errors
    /// A [`TemplateError`] for bad quoting, a relative program, shell syntax,
    /// malformed placeholders, or misplaced optional/variadic placeholders.
    pub fn parse(line: &str) -> Result<Template, TemplateError> {
        let words = lex::split(line).map_err(|e| err(0, e.to_string()))?;
        Template::from_words(&words)
    }

    /// Builds a template from already lexed words (the policy parser's
    /// path; word indexes in errors refer to `words`).
    ///
    /// # Errors
    /// As [`Template::parse`].
    pub fn from_words(words: &[lex::Word]) -> Result<Template, TemplateError> {
        let Some(first) = words.first() else {
            return Err(err(0, "missing program"));
        };
        if words.len() > MAX_TEMPLATE_WORDS {
            return Err(err(
                MAX_TEMPLATE_WORDS,
                format!("too many words (at most {MAX_TEMPLATE_WORDS})"),
            ));
        }
        check_no_shell(first, 0)?;
        let program = first.text.clone();
        if !program.starts_with('/') {
            return Err(err(
                0,
                format!(
                    "program {:?} must be an absolute path: nothing searches PATH",
                    excerpt(&program)
                ),
            ));
        }
        if program.contains(['{', '}']) {
            return Err(err(0, "the program cannot be a placeholder"));
        }
        if program.len() > 4096 || program.chars().any(|c| c.is_control()) {
            return Err(err(
                0,
                "the program path is too long or holds a control character",
            ));
        }
        let mut placeholders = Vec::new();
        let mut tw = Vec::with_capacity(words.len() - 1);
        for (i, w) in words.iter().enumerate().skip(1) {
            check_no_shell(w, i)?;
            if w.text.chars().any(|c| c.is_control()) {
                return Err(err(i, "a template word cannot hold a control character"));
            }
            let pieces = parse_pieces(&w.text, i, &mut placeholders)?;
            tw.push(TemplateWord { pieces });
        }
        let refs = count_references(tw.iter().flat_map(|w| &w.pieces));
        if refs > MAX_REFERENCES {
            return Err(err(
                tw.len(),
                format!("too many repeated placeholders (`{{NAME}}`; at most {MAX_REFERENCES})"),
            ));
        }
        let t = Template {
            program,
            words: tw,
            placeholders,
        };
        t.check_arity(1)?;
        Ok(t)
    }

    /// Checks the optional/variadic ordering rules. `offset` is added to
    /// word indexes in errors.
    fn check_arity(&self, offset: usize) -> Result<(), TemplateError> {
        let mut seen_optional = false;
        let mut seen_variadic = false;
        // References take no argument: only declarations count here.
        let mut declared = vec![false; self.placeholders.len()];
        for (wi, w) in self.words.iter().enumerate() {
            let holes: Vec<usize> = w
                .pieces
                .iter()
                .filter_map(|p| match p {
                    Piece::Hole(h) => Some(*h),
                    Piece::Lit(_) => None,
                })
                .collect();
            for &h in &holes {
                if std::mem::replace(&mut declared[h], true) {
                    continue;
                }
                let ph = &self.placeholders[h];
                if seen_variadic {
                    return Err(err(wi + offset, format!("placeholder `{}` comes after a variadic one; `...` must be the last placeholder", ph.name)));
                }
                match ph.arity {
                    Arity::One if seen_optional => {
                        return Err(err(
                            wi + offset,
                            format!("required placeholder `{}` comes after an optional one; optional placeholders must come last", ph.name),
                        ))
                    }
                    Arity::Variadic if seen_optional => {
                        return Err(err(wi + offset, format!("variadic placeholder `{}` comes after an optional one", ph.name)))
                    }
                    Arity::Variadic if w.standalone_hole().is_none() => {
                        return Err(err(wi + offset, format!("variadic placeholder `{}` must stand alone as a word", ph.name)))
                    }
                    Arity::Optional if holes.len() > 1 => {
                        return Err(err(wi + offset, format!("optional placeholder `{}` must be the only placeholder of its word", ph.name)))
                    }
                    Arity::Optional => seen_optional = true,
                    Arity::Variadic => seen_variadic = true,
                    Arity::One => {}
                }
            }
        }
        Ok(())
    }

    /// The absolute program path.
    pub fn program(&self) -> &str {
        &self.program
    }

    /// The words after the program.
    pub fn words(&self) -> &[TemplateWord] {
        &self.words
    }

    /// The placeholders in order of appearance.
    pub fn placeholders(&self) -> &[Placeholder] {
        &self.placeholders
    }

    /// True if a value of placeholder `hole` starting with `-` must be
    /// refused: no `--` word comes before its word, and no literal text
    /// comes before it inside its word — it stands alone (`{x:t}`) or
    /// starts the word (`{x:t}.conf`, where `-rf` would make `-rf.conf`).
    /// Inside a word after literal text (`--owner={x:t}`) it is safe.
    pub fn dash_guarded(&self, hole: usize) -> bool {
        for w in &self.words {
            if w.literal().as_deref() == Some("--") {
                return false;
            }
            for p in &w.pieces {
                match p {
                    Piece::Hole(h) if *h == hole => return true,
                    Piece::Hole(_) => {}
                    Piece::Lit(t) if t.is_empty() => {}
                    Piece::Lit(_) => break,
                }
            }
        }
        false
    }

    /// Renders the argv (program first). `values[i]` are the values bound
    /// to placeholder `i` (empty for an optional placeholder left out).
    ///
    /// Every word becomes exactly one element, except a variadic word
    /// (one element per value) and an optional word left out (none).
    pub fn render(&self, values: &[Vec<String>]) -> Vec<String> {
        let mut argv = Vec::with_capacity(self.words.len() + 1);
        argv.push(self.program.clone());
        for w in &self.words {
            if let Some(h) = w.standalone_hole() {
                let vs = values.get(h).map(Vec::as_slice).unwrap_or(&[]);
                argv.extend(vs.iter().cloned());
                continue;
            }
            let mut s = String::new();
            let mut skip = false;
            for p in &w.pieces {
                match p {
                    Piece::Lit(t) => s.push_str(t),
                    Piece::Hole(h) => match values.get(*h).and_then(|v| v.first()) {
                        Some(v) => s.push_str(v),
                        None => skip = true,
                    },
                }
            }
            if !skip {
                argv.push(s);
            }
        }
        argv
    }
}

/// Writes pieces back in template syntax (literal braces doubled): a
/// placeholder as `{NAME:TYPE}` where `declared` says it is not yet
/// declared (and marks it), as the reference `{NAME}` after that.
/// `declared` is indexed like `placeholders`; a hole beyond it prints as
/// `{}`, which does not parse.
pub(crate) fn pieces_source(
    pieces: &[Piece],
    placeholders: &[Placeholder],
    declared: &mut [bool],
) -> String {
    let mut s = String::new();
    for p in pieces {
        match p {
            Piece::Lit(t) => s.push_str(&t.replace('{', "{{").replace('}', "}}")),
            Piece::Hole(h) => match (placeholders.get(*h), declared.get_mut(*h)) {
                (Some(ph), Some(seen)) => {
                    if std::mem::replace(seen, true) {
                        s.push_str(&format!("{{{}}}", ph.name));
                    } else {
                        let suffix = match ph.arity {
                            Arity::One => "",
                            Arity::Optional => "?",
                            Arity::Variadic => "...",
                        };
                        s.push_str(&format!("{{{}:{}{}}}", ph.name, ph.type_name, suffix));
                    }
                }
                _ => s.push_str("{}"),
            },
        }
    }
    s
}

impl fmt::Display for Template {
    /// Prints the template so that [`Template::parse`] reads it back equal.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&lex::quote(&self.program))?;
        let mut declared = vec![false; self.placeholders.len()];
        for w in &self.words {
            let text = pieces_source(&w.pieces, &self.placeholders, &mut declared);
            write!(f, " {}", lex::quote(&text))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_renders() {
        let t = Template::parse("/usr/bin/systemctl reload -- {svc:service}").unwrap();
        assert_eq!(t.placeholders().len(), 1);
        assert_eq!(
            t.render(&[vec!["nginx; id".into()]]),
            vec!["/usr/bin/systemctl", "reload", "--", "nginx; id"]
        );
        assert!(!t.dash_guarded(0));
    }

    #[test]
    fn inside_a_word_stays_one_element() {
        let t = Template::parse("/bin/x --owner={owner:user} {{lit}} {r:path}").unwrap();
        let argv = t.render(&[vec!["a b".into()], vec!["/srv".into()]]);
        assert_eq!(argv, vec!["/bin/x", "--owner=a b", "{lit}", "/srv"]);
        assert!(!t.dash_guarded(0));
        assert!(t.dash_guarded(1));
    }

    #[test]
    fn optional_and_variadic() {
        let t = Template::parse("/bin/x {a:string} --n={b:uint?}").unwrap();
        assert_eq!(t.render(&[vec!["1".into()], vec![]]), vec!["/bin/x", "1"]);
        let t = Template::parse("/bin/x -- {a:string...}").unwrap();
        assert_eq!(
            t.render(&[vec!["1".into(), "2".into()]]),
            vec!["/bin/x", "--", "1", "2"]
        );
        assert!(Template::parse("/bin/x {a:string...} {b:string}").is_err());
        assert!(Template::parse("/bin/x {a:string?} {b:string}").is_err());
        assert!(Template::parse("/bin/x --a={a:string...}").is_err());
    }

    #[test]
    fn refuses_shell_syntax_and_relative_programs() {
        for bad in [
            "/bin/x | y",
            "/bin/x ; y",
            "/bin/x && y",
            "/bin/x > f",
            "/bin/x $(id)",
            "/bin/x `id`",
            "/bin/x a&",
            "x y",
        ] {
            assert!(Template::parse(bad).is_err(), "{bad}");
        }
        assert!(Template::parse("/bin/x '|' \\; 'a>b'").is_ok());
    }

    #[test]
    fn a_placeholder_used_again() {
        let t =
            Template::parse("/usr/bin/install -o {u:user} -g {u} --x={u}.{n:uint} {n}").unwrap();
        assert_eq!(t.placeholders().len(), 2);
        assert_eq!(
            t.render(&[vec!["www".into()], vec!["7".into()]]),
            vec![
                "/usr/bin/install",
                "-o",
                "www",
                "-g",
                "www",
                "--x=www.7",
                "7"
            ]
        );
        assert_eq!(
            t.to_string(),
            "/usr/bin/install -o {u:user} -g {u} --x={u}.{n:uint} {n}"
        );
        // Each use is guarded on its own: `{u}` standing alone after
        // `--owner={u:user}` is.
        let t = Template::parse("/bin/x --owner={u:user} {u}").unwrap();
        assert!(t.dash_guarded(0));
        let t = Template::parse("/bin/x --owner={u:user} -- {u}").unwrap();
        assert!(!t.dash_guarded(0));
        // References take no argument: a variadic may come before one.
        assert!(Template::parse("/bin/x {u:user} {f:string...} {u}").is_ok());
    }

    #[test]
    fn references_are_refused_where_they_cannot_be() {
        for (bad, why) in [
            ("/bin/x {u} {u:user}", "needs a type"),
            ("/bin/x {u}", "needs a type"),
            ("/bin/x {u:user?} {u}", "zero or one value"),
            ("/bin/x {u:user...} {u}", "one or more values"),
            ("/bin/x {u:user} {u:user}", "duplicate placeholder name"),
        ] {
            let e = Template::parse(bad).unwrap_err();
            assert!(e.message.contains(why), "{bad}: {e}");
        }
        let many = format!("/bin/x {{u:user}}{}", " {u}".repeat(MAX_REFERENCES));
        assert!(Template::parse(&many).is_ok());
        let e = Template::parse(&format!("{many} {{u}}")).unwrap_err();
        assert!(e.message.contains("too many repeated"), "{e}");
    }

    #[test]
    fn display_round_trips() {
        for s in [
            "/bin/x {a:user} {a} -g={a}",
            "/bin/x",
            "/bin/x 'a b' {x:user} --o={y:uint?}",
            "/bin/x '{{}}' -- {z:string...}",
            "'/opt/my prog' ';'",
        ] {
            let t = Template::parse(s).unwrap();
            assert_eq!(Template::parse(&t.to_string()).unwrap(), t, "{s} -> {t}");
        }
    }
}
