//! Helpers shared by the command-line tests (`tests/cli.rs`,
//! `tests/cli_injection.rs`): running the `execward` binary with a
//! deadline, the policy fixture, root checks and a strict JSON parser for
//! the audit log.

#![allow(dead_code)]

use std::ffi::OsStr;
use std::io::Read;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_execward");

/// No single invocation may take longer than this (a hang fails the test
/// instead of blocking the suite).
pub const DEADLINE: Duration = Duration::from_secs(60);

/// A fresh, empty scratch directory unique to this test and process,
/// removed when the test passes (kept for inspection when it fails).
pub fn scratch(name: &str) -> Scratch {
    let d =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755)).unwrap();
    Scratch(d)
}

/// See [`scratch`].
pub struct Scratch(PathBuf);

impl std::ops::Deref for Scratch {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// Writes the policy fixture (`tests/data/cli.policy`, `@DIR@` replaced by
/// `dir`) and the files it refers to; returns the policy's path.
pub fn fixture(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/cli.policy"
    ))
    .unwrap();
    let d = dir.to_str().expect("scratch path is UTF-8");
    let policy = dir.join("policy");
    std::fs::write(&policy, text.replace("@DIR@", d)).unwrap();
    let www = dir.join("www");
    std::fs::create_dir_all(www.join("sub")).unwrap();
    std::fs::write(www.join("file.txt"), "x\n").unwrap();
    symlink("/etc", www.join("out")).unwrap();
    symlink(www.join("nowhere"), www.join("dangling")).unwrap();
    symlink("sub", www.join("inside")).unwrap();
    let notexec = dir.join("notexec");
    std::fs::write(&notexec, "#!/bin/sh\necho should not run\n").unwrap();
    std::fs::set_permissions(&notexec, std::fs::Permissions::from_mode(0o644)).unwrap();
    policy
}

/// What one invocation did.
#[derive(Debug)]
pub struct Out {
    /// The exit status (`None`: killed by a signal).
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub elapsed: Duration,
}

impl Out {
    pub fn stdout_str(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    pub fn stderr_str(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// For assertion messages.
    pub fn show(&self) -> String {
        format!(
            "exit {:?} after {:?}\n--- stdout\n{}--- stderr\n{}---",
            self.code,
            self.elapsed,
            self.stdout_str(),
            self.stderr_str()
        )
    }

    /// Asserts the exit status and returns `self` for chaining.
    #[track_caller]
    pub fn status(&self, code: i32) -> &Self {
        assert_eq!(self.code, Some(code), "wrong exit status: {}", self.show());
        self
    }

    /// Asserts that stderr is exactly one line that starts with `prefix`,
    /// and that stdout is empty. Returns the line (without its newline).
    #[track_caller]
    pub fn one_error_line(&self, prefix: &str) -> String {
        let err = self.stderr_str();
        assert!(
            err.ends_with('\n') && err.matches('\n').count() == 1,
            "stderr is not exactly one line: {}",
            self.show()
        );
        assert!(
            err.starts_with(prefix),
            "stderr does not start with {prefix:?}: {}",
            self.show()
        );
        assert!(
            self.stdout.is_empty(),
            "stdout is not empty: {}",
            self.show()
        );
        err.trim_end_matches('\n').to_string()
    }
}

/// Runs `cmd` with stdin from /dev/null, capturing stdout and stderr,
/// killing it if it outlives [`DEADLINE`].
pub fn run_command(cmd: Command) -> Out {
    run_command_input(cmd, None)
}

/// [`run_command`] with `input` on stdin (a pipe) when given.
pub fn run_command_input(mut cmd: Command, input: Option<Vec<u8>>) -> Out {
    cmd.stdin(if input.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = cmd.spawn().expect("spawn");
    let pid = child.id();
    if let (Some(data), Some(mut stdin)) = (input, child.stdin.take()) {
        std::thread::spawn(move || {
            use std::io::Write;
            // The child may not read it all: a broken pipe is fine.
            let _ = stdin.write_all(&data);
        });
    }
    let mut so = child.stdout.take().unwrap();
    let mut se = child.stderr.take().unwrap();
    let t_out = std::thread::spawn(move || {
        let mut v = Vec::new();
        so.read_to_end(&mut v).unwrap();
        v
    });
    let t_err = std::thread::spawn(move || {
        let mut v = Vec::new();
        se.read_to_end(&mut v).unwrap();
        v
    });
    let (tx, rx) = mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let status = child.wait().unwrap();
        let _ = tx.send(());
        status
    });
    if rx.recv_timeout(DEADLINE).is_err() {
        // The child is not reaped yet (the waiter still waits), so its pid
        // cannot have been reused.
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid as i32),
            nix::sys::signal::Signal::SIGKILL,
        );
        let _ = waiter.join();
        panic!("{cmd:?} did not finish within {DEADLINE:?}");
    }
    let status = waiter.join().unwrap();
    let elapsed = start.elapsed();
    Out {
        code: status.code(),
        stdout: t_out.join().unwrap(),
        stderr: t_err.join().unwrap(),
        elapsed,
    }
}

/// Runs `execward ARGS...`.
pub fn execward<I, S>(args: I) -> Out
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut c = Command::new(BIN);
    c.args(args).env_clear().env("PATH", "/usr/bin:/bin");
    run_command(c)
}

/// True when this process is root; otherwise prints why the test is
/// skipped and returns false, or panics under `EXECWARD_REQUIRE_SANDBOX`.
pub fn require_root(test: &str) -> bool {
    if crate::common::is_root() {
        return true;
    }
    skip(test, "needs root")
}

/// Prints why `test` is skipped and returns false; panics instead under
/// `EXECWARD_REQUIRE_SANDBOX=1` (CI must run everything): the one gate,
/// [`crate::common::require`].
pub fn skip(test: &str, reason: &str) -> bool {
    crate::common::require(false, &format!("{test}: {reason}"))
}

// ---------------------------------------------------------------------------
// A strict JSON parser (RFC 8259), enough to check audit lines: no
// trailing text, no raw control characters in strings, no lone surrogates,
// no duplicate keys (a duplicate `decision` would be a forged field).

#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    /// The number's text.
    Num(String),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl Json {
    /// The member `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }

    /// An array of strings.
    pub fn as_strings(&self) -> Option<Vec<&str>> {
        match self {
            Json::Arr(items) => items.iter().map(Json::as_str).collect(),
            _ => None,
        }
    }

    pub fn keys(&self) -> Vec<&str> {
        match self {
            Json::Obj(members) => members.iter().map(|(k, _)| k.as_str()).collect(),
            _ => Vec::new(),
        }
    }
}

/// Parses one JSON text; the whole input must be one value.
pub fn parse_json(text: &str) -> Result<Json, String> {
    let mut p = Parser {
        s: text.as_bytes(),
        i: 0,
        depth: 0,
    };
    p.ws();
    let v = p.value()?;
    p.ws();
    if p.i != p.s.len() {
        return Err(format!("trailing text at byte {}", p.i));
    }
    Ok(v)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    depth: usize,
}

impl Parser<'_> {
    fn err<T>(&self, what: &str) -> Result<T, String> {
        Err(format!("{what} at byte {}", self.i))
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, lit: &str) -> Result<(), String> {
        if self.s[self.i..].starts_with(lit.as_bytes()) {
            self.i += lit.len();
            Ok(())
        } else {
            self.err(&format!("expected {lit}"))
        }
    }

    fn value(&mut self) -> Result<Json, String> {
        match self.peek() {
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => self.string().map(Json::Str),
            Some(b't') => self.eat("true").map(|()| Json::Bool(true)),
            Some(b'f') => self.eat("false").map(|()| Json::Bool(false)),
            Some(b'n') => self.eat("null").map(|()| Json::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => self.err("expected a value"),
        }
    }

    fn nest(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > 64 {
            return self.err("nested too deeply");
        }
        Ok(())
    }

    fn object(&mut self) -> Result<Json, String> {
        self.nest()?;
        self.i += 1;
        let mut members: Vec<(String, Json)> = Vec::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            self.depth -= 1;
            return Ok(Json::Obj(members));
        }
        loop {
            self.ws();
            if self.peek() != Some(b'"') {
                return self.err("expected a key");
            }
            let key = self.string()?;
            if members.iter().any(|(k, _)| *k == key) {
                return self.err(&format!("duplicate key {key:?}"));
            }
            self.ws();
            self.eat(":")?;
            self.ws();
            let v = self.value()?;
            members.push((key, v));
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    self.depth -= 1;
                    return Ok(Json::Obj(members));
                }
                _ => return self.err("expected , or }"),
            }
        }
    }

    fn array(&mut self) -> Result<Json, String> {
        self.nest()?;
        self.i += 1;
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            self.depth -= 1;
            return Ok(Json::Arr(items));
        }
        loop {
            self.ws();
            items.push(self.value()?);
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    self.depth -= 1;
                    return Ok(Json::Arr(items));
                }
                _ => return self.err("expected , or ]"),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let h = self.s.get(self.i..self.i + 4).ok_or("short \\u escape")?;
        let h = std::str::from_utf8(h).map_err(|e| e.to_string())?;
        if !h.bytes().all(|b| b.is_ascii_hexdigit()) {
            return self.err("bad \\u escape");
        }
        self.i += 4;
        Ok(u32::from_str_radix(h, 16).unwrap())
    }

    fn string(&mut self) -> Result<String, String> {
        self.i += 1;
        let mut out = String::new();
        loop {
            let start = self.i;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.i += 1;
            }
            out.push_str(std::str::from_utf8(&self.s[start..self.i]).map_err(|e| e.to_string())?);
            match self.peek() {
                None => return self.err("unterminated string"),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.i += 1;
                    let e = self.peek().ok_or("unterminated escape")?;
                    self.i += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let c = if (0xd800..0xdc00).contains(&hi) {
                                self.eat("\\u")?;
                                let lo = self.hex4()?;
                                if !(0xdc00..0xe000).contains(&lo) {
                                    return self.err("lone high surrogate");
                                }
                                0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00)
                            } else if (0xdc00..0xe000).contains(&hi) {
                                return self.err("lone low surrogate");
                            } else {
                                hi
                            };
                            out.push(char::from_u32(c).unwrap());
                        }
                        _ => return self.err("bad escape"),
                    }
                }
                Some(_) => return self.err("raw control character in a string"),
            }
        }
    }

    fn number(&mut self) -> Result<Json, String> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        let digits = |p: &mut Self| {
            let s = p.i;
            while matches!(p.peek(), Some(b'0'..=b'9')) {
                p.i += 1;
            }
            p.i - s
        };
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                digits(self);
            }
            _ => return self.err("bad number"),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if digits(self) == 0 {
                return self.err("bad fraction");
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if digits(self) == 0 {
                return self.err("bad exponent");
            }
        }
        Ok(Json::Num(
            String::from_utf8(self.s[start..self.i].to_vec()).unwrap(),
        ))
    }
}

/// Reads an audit log and parses each line. Panics unless the file is
/// whole lines of valid JSON objects of at most 8 KiB with no carriage
/// return or Unicode line separator anywhere.
#[track_caller]
pub fn audit_lines(path: &Path) -> Vec<Json> {
    let bytes = std::fs::read(path).unwrap_or_default();
    let text = String::from_utf8(bytes).expect("the audit log is UTF-8");
    if text.is_empty() {
        return Vec::new();
    }
    assert!(text.ends_with('\n'), "the audit log ends mid-line");
    text.trim_end_matches('\n')
        .split('\n')
        .enumerate()
        .map(|(i, line)| {
            assert!(
                !line.contains(['\r', '\u{85}', '\u{2028}', '\u{2029}']),
                "audit line {} holds a line break character: {line}",
                i + 1
            );
            assert!(line.len() < 8192, "audit line {} is over 8 KiB", i + 1);
            let v = parse_json(line)
                .unwrap_or_else(|e| panic!("audit line {} is not JSON ({e}): {line}", i + 1));
            assert!(
                matches!(v, Json::Obj(_)),
                "audit line {} is not an object",
                i + 1
            );
            v
        })
        .collect()
}

/// The requests of an audit log ([`audit_lines`]), one per decision record
/// (`"event"`: `allowed` or `denied`), in order. Each `allowed` record must
/// be followed by exactly one `end` record with its `id`, whose members
/// (`pid`, `exit`, `duration_ms`, `output`, ...) are added to it; every
/// `end` record must have its `allowed` record before it.
#[track_caller]
pub fn audit_records(path: &Path) -> Vec<Json> {
    let mut out: Vec<Json> = Vec::new();
    let mut ended: Vec<bool> = Vec::new();
    for rec in audit_lines(path) {
        let event = rec.get("event").and_then(Json::as_str).map(str::to_string);
        let id = rec.get("id").and_then(Json::as_str).map(str::to_string);
        match event.as_deref() {
            Some("allowed") | Some("denied") => {
                assert!(id.is_some(), "a record without an id: {rec:?}");
                ended.push(event.as_deref() == Some("denied"));
                out.push(rec);
            }
            Some("end") => {
                let i = out
                    .iter()
                    .position(|r| r.get("id").and_then(Json::as_str) == id.as_deref())
                    .unwrap_or_else(|| panic!("an end record without its start: {rec:?}"));
                assert_eq!(
                    out[i].get("event").and_then(Json::as_str),
                    Some("allowed"),
                    "an end record of a denied request: {rec:?}"
                );
                assert!(!ended[i], "two end records for one request: {rec:?}");
                ended[i] = true;
                let Json::Obj(start) = &mut out[i] else {
                    unreachable!()
                };
                if let Json::Obj(members) = rec {
                    for (k, v) in members {
                        if !["event", "id", "time", "caller", "action", "args"]
                            .contains(&k.as_str())
                        {
                            start.push((k, v));
                        }
                    }
                }
            }
            _ => panic!("a record without a known event: {rec:?}"),
        }
    }
    for (r, e) in out.iter().zip(&ended) {
        assert!(e, "an allowed request without its end record: {r:?}");
    }
    out
}
