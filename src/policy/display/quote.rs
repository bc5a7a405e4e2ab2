//! Writing words so that [`crate::lex::split`] reads them back exactly, in
//! as few bytes as the lexer allows.
//!
//! [`crate::lex::quote`] single-quotes any word that needs quoting, which
//! can make a word up to four times longer (`'` becomes `'\''`). A printed
//! policy must parse back, and a line may hold at most
//! [`MAX_LINE_LEN`](crate::policy::MAX_LINE_LEN) bytes, so the printer
//! instead chooses, character by character, between bare text (with
//! backslash escapes), single quotes and double quotes, by dynamic
//! programming over the lexer's rules. The result is never longer than any
//! other way the lexer accepts to write the same word without shell-syntax
//! flags, in particular never longer than the way it was written in the
//! file it was read from.
//!
//! Every word produced sets neither [`crate::lex::Word::unquoted_operator`]
//! nor [`crate::lex::Word::substitution`], so the template's "there is no
//! shell" check accepts it.

/// How one character is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Unquoted, with a backslash where needed.
    Bare,
    /// Inside single quotes.
    Single,
    /// Inside double quotes, with a backslash where needed.
    Double,
    /// A space written as the separator between two words (only for
    /// texts that are words joined by single spaces, i.e. `stdin`).
    Sep,
}

const MODES: [Mode; 4] = [Mode::Bare, Mode::Single, Mode::Double, Mode::Sep];

/// Writes `text` as one word.
pub(in crate::policy) fn word(text: &str) -> String {
    encode(text, false, false)
}

/// Writes `text` as words that, joined by single spaces, give `text` back
/// (the `stdin` template form). With `keyword_guard`, the first word is
/// never a bare `none` or `inherit`.
pub(in crate::policy) fn words(text: &str, keyword_guard: bool) -> String {
    encode(text, true, keyword_guard)
}

/// Unquoted characters that end a word or mean something to the lexer or
/// set a shell-syntax flag.
fn special_bare(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\n' | '\'' | '"' | '\\' | '|' | '&' | ';' | '<' | '>' | '(' | ')' | '`'
    )
}

/// Characters a backslash escapes inside double quotes.
fn special_double(c: char) -> bool {
    matches!(c, '$' | '`' | '"' | '\\' | '\n')
}

/// True if `c` written in mode `m` needs a backslash because of itself or
/// of where its word starts (`start`).
fn own_backslash(c: char, m: Mode, start: bool) -> bool {
    match m {
        Mode::Bare => special_bare(c) || (start && c == '#'),
        Mode::Double => matches!(c, '"' | '`'),
        Mode::Single | Mode::Sep => false,
    }
}

/// True if `c` written in mode `m` needs a backslash because of the
/// character after it (`$(`, `${`, or a backslash before a special one).
fn next_backslash(c: char, m: Mode, next: Option<(char, Mode)>) -> bool {
    match (m, c) {
        (Mode::Bare, '$') => next == Some(('{', Mode::Bare)),
        (Mode::Double, '$') => matches!(next, Some(('(' | '{', Mode::Double))),
        (Mode::Double, '\\') => !matches!(next, Some((n, Mode::Double)) if !special_double(n)),
        _ => false,
    }
}

/// Whether `c` can be written in mode `m` at all (ignoring the position
/// rules of [`Mode::Sep`]), and its cost without the next-dependent part.
fn own_cost(c: char, m: Mode, start: bool) -> Option<usize> {
    match m {
        Mode::Single if c == '\'' => None,
        Mode::Sep if c != ' ' => None,
        _ => Some(c.len_utf8() + usize::from(own_backslash(c, m, start))),
    }
}

fn quoted(m: Mode) -> bool {
    matches!(m, Mode::Single | Mode::Double)
}

/// The cost of going from a character in mode `a` to the next in mode `b`.
fn transition(a: Mode, b: Mode) -> usize {
    if a == b && quoted(a) {
        0
    } else {
        usize::from(quoted(a)) + usize::from(quoted(b))
    }
}

fn index(m: Mode) -> usize {
    match m {
        Mode::Bare => 0,
        Mode::Single => 1,
        Mode::Double => 2,
        Mode::Sep => 3,
    }
}

fn encode(text: &str, allow_sep: bool, keyword_guard: bool) -> String {
    let chars: Vec<char> = text.chars().collect();
    let n = chars.len();
    if n == 0 {
        return "''".to_string();
    }
    let modes = best_modes(&chars, allow_sep, keyword_guard);
    emit(&chars, &modes)
}

/// A cost: bytes first, then the number of mode switches (so that among
/// the shortest forms the one with the fewest quote segments wins).
type Cost = (usize, usize);

const UNREACHABLE: Cost = (usize::MAX, usize::MAX);

fn add(c: Cost, bytes: usize, switches: usize) -> Cost {
    (c.0.saturating_add(bytes), c.1.saturating_add(switches))
}

/// The cheapest mode for each character (dynamic programming).
fn best_modes(chars: &[char], allow_sep: bool, keyword_guard: bool) -> Vec<Mode> {
    let n = chars.len();
    // cost[i][m]: cheapest way to write chars[..=i] with chars[i] in mode
    // m, without the part of chars[i]'s cost that depends on chars[i+1].
    let mut cost = vec![[UNREACHABLE; 4]; n];
    let mut back = vec![[Mode::Bare; 4]; n];
    let guard = keyword_guard && first_word_is_keyword(chars);
    for m in [Mode::Bare, Mode::Single, Mode::Double] {
        if guard && m == Mode::Bare {
            continue;
        }
        if let Some(c) = own_cost(chars[0], m, true) {
            cost[0][index(m)] = (c + usize::from(quoted(m)), 0);
        }
    }
    for i in 1..n {
        let sep_ok = allow_sep && i + 1 < n;
        for b in MODES {
            if b == Mode::Sep && !sep_ok {
                continue;
            }
            for a in MODES {
                let prev = cost[i - 1][index(a)];
                if prev == UNREACHABLE || (a == Mode::Sep && b == Mode::Sep) {
                    continue;
                }
                let Some(own) = own_cost(chars[i], b, a == Mode::Sep) else {
                    continue;
                };
                let extra = usize::from(next_backslash(chars[i - 1], a, Some((chars[i], b))));
                let total = add(prev, extra + transition(a, b) + own, usize::from(a != b));
                if total < cost[i][index(b)] {
                    cost[i][index(b)] = total;
                    back[i][index(b)] = a;
                }
            }
        }
    }
    let mut last = Mode::Single;
    let mut best = UNREACHABLE;
    for m in [Mode::Bare, Mode::Single, Mode::Double] {
        let c = cost[n - 1][index(m)];
        if c == UNREACHABLE {
            continue;
        }
        let total = add(
            c,
            usize::from(next_backslash(chars[n - 1], m, None)) + usize::from(quoted(m)),
            0,
        );
        if total < best {
            best = total;
            last = m;
        }
    }
    let mut modes = vec![last; n];
    for i in (1..n).rev() {
        modes[i - 1] = back[i][index(modes[i])];
    }
    modes
}

/// True if the text's first space-separated word is `none` or `inherit`.
fn first_word_is_keyword(chars: &[char]) -> bool {
    let first: String = chars.iter().take_while(|&&c| c != ' ').collect();
    first == "none" || first == "inherit"
}

/// Writes the characters in their chosen modes.
fn emit(chars: &[char], modes: &[Mode]) -> String {
    let mut out = String::with_capacity(chars.len() + 2);
    let mut prev: Option<Mode> = None;
    for (i, (&c, &m)) in chars.iter().zip(modes).enumerate() {
        if prev != Some(m) {
            if let Some(p) = prev.filter(|&p| quoted(p)) {
                out.push(quote_char(p));
            }
            if quoted(m) {
                out.push(quote_char(m));
            }
        }
        let next = chars.get(i + 1).copied().zip(modes.get(i + 1).copied());
        let start = prev.is_none() || prev == Some(Mode::Sep);
        if own_backslash(c, m, start) || next_backslash(c, m, next) {
            out.push('\\');
        }
        out.push(c);
        prev = Some(m);
    }
    if let Some(p) = prev.filter(|&p| quoted(p)) {
        out.push(quote_char(p));
    }
    out
}

fn quote_char(m: Mode) -> char {
    if m == Mode::Double {
        '"'
    } else {
        '\''
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lex;

    fn reads_back(text: &str) {
        let q = word(text);
        let w = lex::split(&q).unwrap_or_else(|e| panic!("{text:?} -> {q:?}: {e}"));
        assert_eq!(w.len(), 1, "{text:?} -> {q:?}");
        assert_eq!(w[0].text, text, "{text:?} -> {q:?}");
        assert!(
            !w[0].unquoted_operator && !w[0].substitution,
            "{text:?} -> {q:?}"
        );
        assert!(
            q.len() <= lex::quote(text).len(),
            "{text:?}: {q:?} longer than {:?}",
            lex::quote(text)
        );
    }

    #[test]
    fn words_read_back_and_are_short() {
        for t in [
            "", "a", "a b", "it's", "$(id)", "${x}", "$", "a$", "$a", "#x", "a#", "a\\b", "\\",
            "\\\\", "\"q\"", "{x:user}", "日本", "'", "''", "'\"'\"", "`id`", "a|b", "x;y", "$'",
            "\\$", "\"\\", "\t", "\\'\\'", "$\"{\"", "\\\"", "a\\ b",
        ] {
            reads_back(t);
        }
    }

    #[test]
    fn exhaustive_short_words() {
        let alphabet = ['a', ' ', '\'', '"', '\\', '$', '(', '{', '#', '`', '|'];
        let mut stack = vec![String::new()];
        while let Some(s) = stack.pop() {
            reads_back(&s);
            if s.chars().count() < 4 {
                for c in alphabet {
                    stack.push(format!("{s}{c}"));
                }
            }
        }
    }

    #[test]
    fn mixed_quotes_stay_short() {
        // Written in the file as runs quoted by the other kind of quote.
        let text = format!("{}{}", "'".repeat(50), "\"".repeat(50));
        assert!(word(&text).len() <= 104);
        assert_eq!(word("a b"), "a\\ b");
        assert_eq!(word("it's"), "it\\'s");
    }

    /// A small deterministic generator (xorshift) for property tests.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// Writes a random sequence of characters, each run in a random
    /// lexer form (bare, escaped, single or double quoted).
    fn random_encoding(rng: &mut Rng) -> String {
        let alphabet = ['a', ' ', '\'', '"', '\\', '$', '(', '{', '#', '`', '|', 'é'];
        let mut out = String::new();
        for _ in 0..rng.below(6) {
            let run: String = (0..rng.below(5))
                .map(|_| alphabet[rng.below(alphabet.len())])
                .collect();
            match rng.below(4) {
                0 => out.push_str(&run),
                1 => run.chars().for_each(|c| {
                    out.push('\\');
                    out.push(c);
                }),
                2 => out.push_str(&format!("'{}'", run.replace('\'', ""))),
                _ => out.push_str(&format!("\"{run}\"")),
            }
        }
        out
    }

    #[test]
    fn never_longer_than_any_other_encoding() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut checked = 0;
        for _ in 0..50_000 {
            let enc = random_encoding(&mut rng);
            let Ok(ws) = lex::split(&enc) else { continue };
            let [w] = ws.as_slice() else { continue };
            if w.unquoted_operator || w.substitution || w.col != 1 {
                continue;
            }
            // A lone backslash at the end of a line: the parser refuses it.
            if lex::split_texts(&format!("{enc}\n")).ok().as_deref() != Some(&[w.text.clone()][..])
            {
                continue;
            }
            checked += 1;
            let ours = word(&w.text);
            assert!(
                ours.len() <= enc.len(),
                "{enc:?} ({:?}) printed as the longer {ours:?}",
                w.text
            );
            reads_back(&w.text);
        }
        assert!(checked > 5_000, "only {checked} encodings checked");
    }

    #[test]
    fn stdin_words() {
        for (t, guard) in [
            ("a b", true),
            ("none", true),
            ("inherit x", true),
            ("a  b", false),
            (" a", false),
            ("a ", false),
            ("x #y", false),
        ] {
            let q = words(t, guard);
            let w = lex::split(&q).unwrap();
            let joined: Vec<String> = w.iter().map(|w| w.text.clone()).collect();
            assert_eq!(joined.join(" "), t, "{t:?} -> {q:?}");
            if guard {
                assert!(
                    w[0].quoted || !matches!(w[0].text.as_str(), "none" | "inherit"),
                    "{q}"
                );
            }
        }
        assert_eq!(words("a b", false), "a b");
    }
}
