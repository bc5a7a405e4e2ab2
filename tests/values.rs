//! Table-driven tests of the value validators (`execward::value`).

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use execward::value::{builtin_names, Pattern, TypeKind, ValueType, MAX_VALUE_LEN};

mod common;
use common::Rng;

/// Parses a definition written as in a policy file.
fn ty(definition: &str) -> ValueType {
    let words = shell_words::split(definition).expect("test definitions split");
    ValueType::parse(&words)
        .unwrap_or_else(|e| panic!("{definition}: word {}: {}", e.word, e.message))
}

/// The outcome a table row expects: `Ok(child value)` or `Err(part of the
/// message)`.
type Expect<'a> = Result<&'a str, &'a str>;

/// Runs `rows` against `definition`.
fn check(definition: &str, rows: &[(&[u8], Expect<'_>)]) {
    let t = ty(definition);
    for (raw, expect) in rows {
        let got = t.validate(raw);
        let shown = String::from_utf8_lossy(raw);
        match (expect, &got) {
            (Ok(want), Ok(v)) => assert_eq!(v.value, *want, "{definition}: {shown:?}"),
            (Err(want), Err(r)) => {
                assert!(
                    r.0.contains(want),
                    "{definition}: {shown:?}: message {:?} lacks {want:?}",
                    r.0
                );
                assert_no_echo(&r.0, raw);
            }
            _ => panic!("{definition}: {shown:?}: expected {expect:?}, got {got:?}"),
        }
    }
}

/// A message describes; it never quotes the value or holds a control
/// character.
fn assert_no_echo(message: &str, raw: &[u8]) {
    assert!(
        !message.chars().any(char::is_control),
        "control character in message {message:?}"
    );
    if let Ok(text) = std::str::from_utf8(raw) {
        if text.len() >= 6 {
            assert!(
                !message.contains(text),
                "message {message:?} echoes the value"
            );
        }
    }
}

fn ok<'a>(raw: &'a str, out: &'a str) -> (&'a [u8], Expect<'a>) {
    (raw.as_bytes(), Ok(out))
}

fn same(raw: &str) -> (&[u8], Expect<'_>) {
    (raw.as_bytes(), Ok(raw))
}

fn bad<'a>(raw: &'a str, message: &'a str) -> (&'a [u8], Expect<'a>) {
    (raw.as_bytes(), Err(message))
}

fn bad_bytes<'a>(raw: &'a [u8], message: &'a str) -> (&'a [u8], Expect<'a>) {
    (raw, Err(message))
}

/// Expects `definition` to be refused at word `word` with a message
/// containing `message`.
fn type_error(definition: &str, word: usize, message: &str) {
    let words = shell_words::split(definition).expect("test definitions split");
    match ValueType::parse(&words) {
        Ok(t) => panic!("{definition}: accepted as {t}"),
        Err(e) => {
            assert_eq!(e.word, word, "{definition}: {}", e.message);
            assert!(
                e.message.contains(message),
                "{definition}: {:?} lacks {message:?}",
                e.message
            );
            assert!(
                !e.message.contains('\n'),
                "{definition}: multi-line message {:?}",
                e.message
            );
        }
    }
}

#[test]
fn universal_rules_apply_to_every_type() {
    let types = [
        "string",
        "secret",
        "ident",
        "enum nginx postfix",
        "regex '.*'",
        "uint",
        "int",
        "port",
        "mode",
        "user",
        "group",
        "hostname",
        "domain",
        "email",
        "ip",
        "ipv4",
        "ipv6",
        "cidr",
        "uuid",
        "path beneath=/",
    ];
    // Short values, so that even `mode` (at most 4 bytes) gets past the
    // length check to the character rules.
    let rows: &[(&[u8], &str)] = &[
        (b"1\n", "control character"),
        (b"1\r", "control character"),
        (b"\t1", "control character"),
        (b"\x1b1", "control character"),
        (b"1\0", "NUL"),
        (b"1\x7f", "control character"),
        ("\u{85}".as_bytes(), "control character"),
        ("\u{9b}".as_bytes(), "control character"),
        ("\u{2028}".as_bytes(), "formatting character"),
        ("\u{2029}".as_bytes(), "formatting character"),
        ("\u{202e}".as_bytes(), "formatting character"),
        ("\u{2066}".as_bytes(), "formatting character"),
        ("\u{200e}".as_bytes(), "formatting character"),
        ("\u{61c}".as_bytes(), "formatting character"),
        ("\u{200b}".as_bytes(), "formatting character"),
        ("\u{200d}".as_bytes(), "formatting character"),
        ("\u{2060}".as_bytes(), "formatting character"),
        ("\u{feff}".as_bytes(), "formatting character"),
        ("\u{e0041}".as_bytes(), "formatting character"),
        ("\u{ad}".as_bytes(), "formatting character"),
        (b"1\xff", "not valid UTF-8"),
        (b"\xc0\xaf", "not valid UTF-8"),
        (b"\xed\xa0\x80", "not valid UTF-8"),
        (b"", "is empty"),
    ];
    for def in types {
        let t = ty(def);
        for (raw, want) in rows {
            let r = t.validate(raw).expect_err(def);
            assert!(
                r.0.contains(want),
                "{def}: {raw:?}: {:?} lacks {want:?}",
                r.0
            );
            assert_no_echo(&r.0, raw);
        }
    }
}

#[test]
fn length_is_checked_first() {
    let max = "a".repeat(MAX_VALUE_LEN);
    let over = "a".repeat(MAX_VALUE_LEN + 1);
    check(
        "string",
        &[same(&max), bad(&over, "is longer than 4096 bytes")],
    );
    check(
        "secret",
        &[same(&max), bad(&over, "is longer than 4096 bytes")],
    );
    // A too-long value is refused for its length even when it is not UTF-8.
    let mut junk = vec![0xff; 40];
    junk.push(b'\n');
    check("uint", &[bad_bytes(&junk, "is longer than 20 bytes")]);
    check(
        "string max=3",
        &[bad_bytes(b"\xff\xff\xff\xff", "is longer than 3 bytes")],
    );
}

#[test]
fn string() {
    check(
        "string",
        &[
            same("hello world"),
            same("Grüße, 東京"),
            same("-rf"),
            same("\u{2212}1 \u{2010}\u{2015}"),
            same("\u{ff11}\u{ff12}"),
            bad("", "is empty"),
        ],
    );
    check("string empty=yes", &[same(""), same("x")]);
    check("string empty=no", &[bad("", "is empty")]);
    check(
        "string max=5",
        &[
            same("12345"),
            bad("123456", "is longer than 5 bytes"),
            bad("ééé", "longer than 5"),
        ],
    );
    check(
        "string charset=a-zA-Z0-9._-",
        &[
            same("site-1.example_2"),
            same("-"),
            bad(
                "a b",
                "contains ' ' (at byte 1), which is not in the charset",
            ),
            bad("a;b", "';'"),
            bad("caf\u{e9}", "U+00E9"),
            bad("\u{430}pple", "U+0430"),
            bad("a/b", "not in the charset"),
        ],
    );
    check(
        "string charset=-a",
        &[same("a-a"), bad("b", "not in the charset")],
    );
}

#[test]
fn secret() {
    let t = ty("secret");
    assert!(t.is_secret());
    assert!(!t.is_path());
    check(
        "secret",
        &[
            same("p@ss w0rd! 'x' \"y\" $(id) `id`"),
            same("Grüße"),
            bad("", "is empty"),
        ],
    );
    for raw in ["pw\n", "pw\r\nroot:x", "pw\0", "p\u{202e}w"] {
        let r = t.validate(raw.as_bytes()).expect_err(raw);
        assert!(
            !r.0.contains("U+") && !r.0.contains("at byte") && !r.0.contains("pw"),
            "{:?} says too much",
            r.0
        );
    }
    let r = t.validate(b"pw\xff").expect_err("bad utf-8");
    assert_eq!(r.0, "is not valid UTF-8");
}

#[test]
fn uint() {
    check(
        "uint",
        &[
            same("0"),
            same("1"),
            same("102400"),
            same("18446744073709551615"),
            bad(
                "18446744073709551616",
                "is greater than the maximum 18446744073709551615",
            ),
            bad("99999999999999999999", "is greater than the maximum"),
            bad("007", "has a leading zero"),
            bad("00", "has a leading zero"),
            bad("+1", "has a sign"),
            bad("-1", "is negative"),
            bad("-0", "is negative"),
            bad(" 1", "contains a space"),
            bad("1 ", "contains a space"),
            bad("1\u{a0}", "contains a space"),
            bad("\u{ff11}\u{ff12}\u{ff13}", "non-ASCII digit"),
            bad("\u{661}\u{662}\u{663}", "non-ASCII digit"),
            bad("\u{6f1}", "non-ASCII digit"),
            bad("\u{966}", "non-ASCII digit"),
            bad("\u{2212}1", "not a decimal number"),
            bad("\u{2010}1", "not a decimal number"),
            bad("1e3", "not a decimal number"),
            bad("0x10", "not a decimal number"),
            bad("1_000", "not a decimal number"),
            bad("1,000", "not a decimal number"),
            bad("1.0", "not a decimal number"),
            bad("123456789012345678901", "is longer than 20 bytes"),
        ],
    );
    check(
        "uint min=1 max=100",
        &[
            same("1"),
            same("100"),
            bad("0", "is less than the minimum 1"),
            bad("101", "is greater than the maximum 100"),
            bad("18446744073709551616", "is greater than the maximum 100"),
        ],
    );
}

#[test]
fn int() {
    check(
        "int",
        &[
            same("0"),
            same("-1"),
            same("42"),
            same("-9223372036854775808"),
            same("9223372036854775807"),
            bad(
                "9223372036854775808",
                "is greater than the maximum 9223372036854775807",
            ),
            bad(
                "-9223372036854775809",
                "is less than the minimum -9223372036854775808",
            ),
            bad("-0", "negative zero"),
            bad("+1", "has a sign"),
            bad("--1", "not a decimal number"),
            bad("-", "not a decimal number"),
            bad("-01", "has a leading zero"),
            bad("\u{2212}1", "not a decimal number"),
            bad("\u{2013}1", "not a decimal number"),
            bad("-\u{661}", "non-ASCII digit"),
            bad("- 1", "contains a space"),
        ],
    );
    check(
        "int min=-10 max=10",
        &[
            same("-10"),
            same("10"),
            bad("-11", "is less than the minimum -10"),
            bad("11", "is greater than the maximum 10"),
        ],
    );
}

#[test]
fn port() {
    check(
        "port",
        &[
            same("1"),
            same("22"),
            same("65535"),
            bad("0", "is less than the minimum 1"),
            bad("65536", "is greater than the maximum 65535"),
            bad("080", "has a leading zero"),
            bad("+80", "has a sign"),
            bad("-80", "is negative"),
            bad("\u{ff18}\u{ff10}", "longer than 5 bytes"),
            bad("\u{668}", "non-ASCII digit"),
            bad("100000", "is longer than 5 bytes"),
        ],
    );
}

#[test]
fn mode() {
    check(
        "mode",
        &[
            ok("755", "0755"),
            ok("0755", "0755"),
            ok("644", "0644"),
            ok("000", "0000"),
            ok("0777", "0777"),
            bad("4755", "sets mode bits outside the maximum 0777"),
            bad("1777", "outside the maximum 0777"),
            bad("u+s", "is not an octal mode"),
            bad("0o75", "is not an octal mode"),
            bad("0o755", "is longer than 4 bytes"),
            bad("75", "is not an octal mode"),
            bad("758", "is not an octal mode"),
            bad("07555", "is longer than 4 bytes"),
            bad("+755", "is not an octal mode"),
            bad("\u{ff17}", "is not an octal mode"),
        ],
    );
    check(
        "mode max=04777",
        &[
            ok("4755", "4755"),
            ok("755", "0755"),
            bad("2755", "outside the maximum 4777"),
            bad("1755", "outside"),
        ],
    );
    check("mode max=07777", &[ok("7777", "7777")]);
    check(
        "mode max=0755",
        &[ok("0750", "0750"), bad("0757", "outside the maximum 0755")],
    );
}

#[test]
fn enumeration() {
    check(
        "enum nginx php8.2-fpm postfix",
        &[
            same("nginx"),
            same("php8.2-fpm"),
            bad("nginx; id", "is not one of: nginx, php8.2-fpm, postfix"),
            bad("Nginx", "is not one of"),
            bad("ngin", "is not one of"),
            bad("nginx ", "is not one of"),
            bad("nginx\n", "control character"),
            bad("ngіnx", "is not one of"),
            bad("nginx-and-more-than-the-longest", "is not one of"),
        ],
    );
    check("enum -r", &[same("-r")]);
    let many: Vec<String> = (0..40).map(|i| format!("v{i}")).collect();
    let t = ty(&format!("enum {}", many.join(" ")));
    let r = t.validate(b"x").expect_err("not listed");
    assert!(r.0.ends_with(", and 24 more"), "{}", r.0);
}

#[test]
fn regex() {
    check(
        "regex '[a-z]+'",
        &[
            same("abc"),
            bad("abc\n", "control character"),
            bad("abc1", "does not match the pattern [a-z]+"),
            bad("ABC", "does not match"),
        ],
    );
    // Anchored to the whole value, whatever the alternation.
    check(
        "regex 'a|ab'",
        &[
            same("a"),
            same("ab"),
            bad("abc", "does not match"),
            bad("xab", "does not match"),
        ],
    );
    check(
        "regex 'abc$'",
        &[same("abc"), bad("xabc", "does not match")],
    );
    check("regex '(?m)^abc$'", &[same("abc")]);
    // ASCII classes unless the pattern says (?u).
    check(
        r"regex '\d+'",
        &[
            same("123"),
            bad("\u{661}\u{662}\u{663}", "does not match"),
            bad("\u{ff11}\u{ff12}", "does not match"),
        ],
    );
    check(r"regex '\w+'", &[same("a_1"), bad("é", "does not match")]);
    check(
        "regex '(?i)k'",
        &[same("K"), same("k"), bad("\u{212a}", "does not match")],
    );
    check(r"regex '(?u:\d)+'", &[same("\u{661}\u{662}")]);
    check(
        "regex '.{1,2}'",
        &[same("ab"), same("é"), bad("éa", "does not match")],
    );
    check("regex 'x*'", &[same("xx"), bad("", "is empty")]);

    // The trailing newline is refused by the pattern layer too.
    let p = Pattern::new("abc").expect("compiles");
    assert!(p.is_match("abc"));
    assert!(!p.is_match("abc\n"));
    assert!(!p.is_match("\nabc"));
    let p = Pattern::new("(?m)abc$").expect("compiles");
    assert!(!p.is_match("abc\n"));
    let p = Pattern::new("[a-z]+").expect("compiles");
    assert!(!p.is_match("abc\ndef"));
}

#[test]
fn ident() {
    let long = "a".repeat(63);
    let over = "a".repeat(64);
    check(
        "ident",
        &[
            same("users_2"),
            same("_x"),
            same("Table"),
            same(&long),
            bad(&over, "is longer than 63 bytes"),
            bad("2x", "starts with a digit"),
            bad("a-b", "contains '-' (at byte 1)"),
            bad("a b", "contains ' '"),
            bad("a`b", "'`'"),
            bad("caf\u{e9}", "U+00E9"),
            bad("\u{ff41}", "U+FF41"),
        ],
    );
}

#[test]
fn uuid() {
    check(
        "uuid",
        &[
            same("123e4567-e89b-12d3-a456-426614174000"),
            same("00000000-0000-0000-0000-000000000000"),
            bad("123E4567-E89B-12D3-A456-426614174000", "lowercase"),
            bad("123e4567e89b12d3a456426614174000", "is not a UUID"),
            bad(
                "{123e4567-e89b-12d3-a456-426614174000}",
                "is longer than 36 bytes",
            ),
            bad("123e4567-e89b-12d3-a456-42661417400g", "is not a UUID"),
            bad("123e4567-e89b-12d3-a456+426614174000", "is not a UUID"),
            bad(
                "123e4567-e89b-12d3-a456-42661417400\u{ff10}",
                "is longer than 36 bytes",
            ),
        ],
    );
}

#[test]
fn user_and_group() {
    let max = format!("a{}", "b".repeat(31));
    let over = format!("a{}", "b".repeat(32));
    for def in ["user", "group"] {
        check(
            def,
            &[
                same("www-data"),
                same("_apt"),
                same("alice2"),
                same("machine$"),
                same("a-"),
                same(&max),
                bad(&over, "is longer than 32 bytes"),
                bad("Root", "'R' (at byte 0)"),
                bad("Root", "names are lowercase"),
                bad("1abc", "starts with a digit"),
                bad("1000", "starts with a digit"),
                bad("-r", "starts with a hyphen"),
                bad("--help", "starts with a hyphen"),
                bad("a.b", "'.'"),
                bad("a:b", "':'"),
                bad("a b", "' '"),
                bad("a/b", "'/'"),
                bad("a$b", "'$'"),
                bad("$", "nothing before the final $"),
                bad("\u{430}lice", "U+0430"),
                bad("alice\n", "control character"),
            ],
        );
    }
    check(
        "user exists=yes",
        &[
            same("root"),
            bad("no-such-user-xq7", "is not an existing user"),
        ],
    );
    check(
        "user exists=no",
        &[same("no-such-user-xq7"), bad("root", "is an existing user")],
    );
    check(
        "group exists=yes",
        &[
            same("root"),
            bad("no-such-group-xq7", "is not an existing group"),
        ],
    );
}

#[test]
fn hostname_and_domain() {
    let label63 = "a".repeat(63);
    let label64 = "a".repeat(64);
    let with63 = format!("{label63}.com");
    let with64 = format!("{label64}.com");
    // 4 labels of 63 bytes and a dot between: 255; trim to 253 and 254.
    let l = "b".repeat(61);
    let name253 = format!("{label63}.{label63}.{label63}.{l}");
    let name254 = format!("{label63}.{label63}.{label63}.{l}b");
    assert_eq!((name253.len(), name254.len()), (253, 254));
    let common = [
        same("example.com"),
        ok("WWW.Example.COM", "www.example.com"),
        same("a-b.example.com"),
        same("xn--bcher-kva.de"),
        same("3com.com"),
        same("a.b.c.d.e.f"),
        same(&with63),
        same(&name253),
        bad(&name254, "is longer than 253 bytes"),
        bad(&with64, "has a label longer than 63 bytes"),
        bad("a..com", "has an empty label"),
        bad(".a.com", "has an empty label"),
        bad("example.com.", "ends with a dot"),
        bad("-a.com", "has a label that starts with a hyphen"),
        bad("a-.com", "has a label that ends with a hyphen"),
        bad("a.-b.com", "starts with a hyphen"),
        bad("a_b.com", "contains '_'"),
        bad("a b.com", "contains ' '"),
        bad("a/b.com", "'/'"),
        bad("a;b.com", "';'"),
        bad("b\u{fc}cher.de", "non-ASCII"),
        bad("\u{430}pple.com", "give the A-label (xn--) form"),
        bad("ex\u{430}mple.com", "non-ASCII"),
        bad("a\u{3002}com", "non-ASCII"),
        bad("a\u{ff0e}com", "non-ASCII"),
        bad("a\u{2010}b.com", "non-ASCII"),
        bad("a\u{2011}b.com", "non-ASCII"),
        bad("a\u{2212}b.com", "non-ASCII"),
        bad("\u{ff41}.com", "non-ASCII"),
        bad("a\u{200b}.com", "formatting character"),
        bad("example.com\n", "control character"),
        bad("127.0.0.1", "ends in a numeric label"),
        bad("127.1", "ends in a numeric label"),
        bad("example.123", "ends in a numeric label"),
        bad("a.0x7f", "ends in a numeric label"),
        bad("[::1]", "'['"),
    ];
    check("hostname", &common);
    check("domain", &common);
    check(
        "hostname",
        &[
            same("localhost"),
            same("db1"),
            bad("2130706433", "ends in a numeric label"),
            bad("0x7f000001", "ends in a numeric label"),
        ],
    );
    check(
        "domain",
        &[
            bad("localhost", "a domain needs at least two"),
            bad("com", "at least two"),
        ],
    );
}

#[test]
fn email() {
    let local64 = "a".repeat(64);
    let local65 = "a".repeat(65);
    let max_local = format!("{local64}@example.com");
    let long_local = format!("{local65}@example.com");
    let long = format!("a@{}.com", "b".repeat(250));
    check(
        "email",
        &[
            same("user@example.com"),
            same("first.last+tag@example.com"),
            same("a_b-c@sub.example.co"),
            ok("Alice@Example.COM", "Alice@example.com"),
            same(&max_local),
            bad(&long_local, "has a local part longer than 64 bytes"),
            bad(&long, "is longer than 254 bytes"),
            bad("-oQ/tmp/ -X/var/www/x.php@a.com", "starts with a hyphen"),
            bad("-x@a.com", "starts with a hyphen"),
            bad("\"a\"@b.com", "contains '\"' (at byte 0)"),
            bad("\"a b\"@b.com", "'\"'"),
            bad("a(comment)@b.com", "'('"),
            bad("a b@c.com", "' '"),
            bad("a\\b@c.com", "'\\'"),
            bad("a'b@c.com", "'''"),
            bad("a..b@c.com", "two dots in a row"),
            bad(".a@b.com", "starts with a dot"),
            bad("a.@b.com", "ends with a dot"),
            bad("a@b", "has a domain part that has only one label"),
            bad("a@b..com", "has a domain part that has an empty label"),
            bad(
                "a@-b.com",
                "has a domain part that has a label that starts with a hyphen",
            ),
            bad("a@127.0.0.1", "numeric label"),
            bad("a@[127.0.0.1]", "'['"),
            bad("a@@b.com", "has more than one @"),
            bad("a@b@c.com", "has more than one @"),
            bad("@b.com", "has an empty local part"),
            bad("a@", "has an empty domain part"),
            bad("ab.com", "has no @"),
            bad("j\u{f6}rg@example.com", "non-ASCII"),
            bad("a@ex\u{430}mple.com", "non-ASCII"),
            bad("a@b.com\r\nBcc: x@y.com", "control character"),
            bad("a\u{ff20}b.com", "non-ASCII"),
        ],
    );
    check(
        "email max=20",
        &[
            same("abc@example.com"),
            bad("abcdefghijk@example.com", "is longer than 20 bytes"),
        ],
    );
}

#[test]
fn addresses() {
    check(
        "ip",
        &[
            same("127.0.0.1"),
            same("0.0.0.0"),
            same("::1"),
            same("::"),
            same("2001:db8::1"),
            same("::ffff:1.2.3.4"),
            bad("127.1", "is not an IP address"),
            bad("0177.0.0.1", "is not an IP address"),
            bad("0x7f.0.0.1", "is not an IP address"),
            bad("127.000.000.001", "is not an IP address"),
            bad("2130706433", "is not an IP address"),
            bad("256.1.1.1", "is not an IP address"),
            bad(
                "::FFFF:1.2.3.4",
                "is not in canonical form; write it as ::ffff:1.2.3.4",
            ),
            bad("2001:DB8::1", "write it as 2001:db8::1"),
            bad("2001:db8:0:0:0:0:0:1", "write it as 2001:db8::1"),
            bad("0:0::1", "write it as ::1"),
            bad("2001:0db8::1", "write it as 2001:db8::1"),
            bad("fe80::1%eth0", "is not an IP address"),
            bad("[::1]", "is not an IP address"),
            bad("1.2.3.4 ", "is not an IP address"),
            bad("\u{ff11}.2.3.4", "is not an IP address"),
            bad("1.2.3.4/32", "is not an IP address"),
        ],
    );
    check(
        "ipv4",
        &[
            same("10.1.2.3"),
            bad("::1", "is not an IPv4 address"),
            bad("01.2.3.4", "not an IPv4"),
        ],
    );
    check(
        "ipv6",
        &[
            same("::1"),
            same("fe80::1"),
            bad("1.2.3.4", "is not an IPv6 address"),
        ],
    );
    check(
        "cidr",
        &[
            same("10.0.0.0/8"),
            same("0.0.0.0/0"),
            same("192.168.1.7/32"),
            same("::/0"),
            same("2001:db8::/32"),
            same("2001:db8::1/128"),
            bad("10.0.0.1/8", "has host bits set; the network is 10.0.0.0/8"),
            bad("2001:db8::1/32", "the network is 2001:db8::/32"),
            bad("10.0.0.0/33", "prefix that is not a number from 0 to 32"),
            bad("::/129", "from 0 to 128"),
            bad("10.0.0.0/08", "without leading zeros"),
            bad("10.0.0.0/+8", "prefix"),
            bad("10.0.0.0/", "prefix"),
            bad("10.0.0.0", "ADDRESS/PREFIX"),
            bad("10.0.0.0/8/8", "prefix"),
            bad("10.0.0/8", "has an address that is not an IP address"),
            bad("::FFFF:0.0.0.0/96", "write it as ::ffff:0.0.0.0"),
        ],
    );
}

#[test]
fn builtins() {
    let names = builtin_names();
    assert_eq!(names.len(), 20);
    for name in names {
        let needs_params = matches!(*name, "enum" | "regex" | "path");
        match ValueType::builtin(name) {
            Some(t) => {
                assert!(!needs_params, "{name}");
                assert_eq!(t.base_name(), *name);
                assert_eq!(t.to_string(), *name);
                assert_eq!(ValueType::parse(&[name.to_string()]).as_ref(), Ok(&t));
            }
            None => assert!(needs_params, "{name} has no default"),
        }
    }
    assert!(ValueType::builtin("str").is_none());
    assert!(ty("path beneath=/srv").is_path());
    assert!(matches!(
        ty("uint max=5").kind(),
        TypeKind::Uint { min: 0, max: 5 }
    ));
}

#[test]
fn type_errors() {
    type_error("", 0, "missing base type");
    type_error("strnig", 0, "unknown type \"strnig\"");
    type_error(
        "uint foo=1",
        1,
        "unknown parameter \"foo\"; uint takes: min=N, max=N",
    );
    type_error("uint max=1 max=2", 2, "given twice");
    type_error("uint 5", 1, "expected a parameter KEY=VALUE");
    type_error("uint max=+5", 1, "max= must be a decimal number");
    type_error("uint max=05", 1, "max= must be a decimal number");
    type_error("uint max=-5", 1, "max= must be a decimal number");
    type_error(
        "uint max=18446744073709551616",
        1,
        "max= must be a decimal number",
    );
    type_error("uint min=10 max=5", 2, "min= is greater than max=");
    type_error("uint max=5 min=10", 2, "min= is greater than max=");
    type_error("int min=-0", 1, "min= must be a decimal number");
    type_error("int min=1 max=-1", 2, "min= is greater than max=");
    type_error("port max=5", 1, "port takes no parameters");
    type_error("secret max=5", 1, "secret takes no parameters");
    type_error("string max=0", 1, "max= must be from 1 to 4096");
    type_error("string max=4097", 1, "max= must be from 1 to 4096");
    type_error("string empty=true", 1, "empty= must be yes or no");
    type_error("string charset=", 1, "at least one character");
    type_error("string charset=z-a", 1, "backwards range z-a");
    type_error("string charset=a-z\u{e9}", 1, "only printable ASCII");
    type_error("string max=5 'charset=a\tb'", 2, "control character");
    type_error("email max=255", 1, "max= must be from 1 to 254");
    type_error("mode max=010000", 1, "octal mode from 0000 to 07777");
    type_error("mode max=0778", 1, "octal mode");
    type_error("user exists=maybe", 1, "exists= must be yes or no");
    type_error("enum", 0, "at least one value");
    type_error("enum a b a", 3, "listed twice");
    type_error("enum a ''", 2, "must not be empty");
    type_error(
        &format!("enum a {}", "x".repeat(256)),
        2,
        "at most 255 bytes",
    );
    type_error("enum a 'b\u{202e}c'", 2, "formatting character");
    let many: Vec<String> = (0..1025).map(|i| format!("v{i}")).collect();
    type_error(
        &format!("enum {}", many.join(" ")),
        1025,
        "at most 1024 values",
    );
    type_error("regex", 0, "needs a pattern");
    type_error("regex a b", 2, "exactly one pattern");
    type_error("regex 'a)|(b'", 1, "does not compile");
    type_error("regex '(?x)a#'", 1, "cannot be anchored");
    type_error("regex '[é]'", 1, "patterns are ASCII unless they say (?u)");
    type_error(r"regex '\p{L}'", 1, "does not compile");
    type_error("regex 'a{1000}{1000}'", 1, "size limit");
    type_error(
        &format!("regex '{}'", "a".repeat(1025)),
        1,
        "longer than 1024 bytes",
    );
    type_error("path", 0, "path needs beneath=DIR");
    type_error("path exists=yes", 0, "path needs beneath=DIR");
    type_error("path beneath=srv/www", 1, "is not absolute");
    type_error("path beneath=/srv/../etc", 1, "has a .. component");
    type_error("path beneath=/srv/./www", 1, "has a . component");
    type_error("path beneath=/srv//www", 1, "empty component");
    type_error("path beneath=/srv/www/", 1, "ends with a slash");
    type_error("path beneath=", 1, "is not absolute");
    type_error(
        "path beneath=/srv kind=link",
        2,
        "kind= must be file or dir",
    );
    type_error(
        "path beneath=/srv size=5",
        2,
        "path takes: beneath=DIR, exists=yes|no, kind=file|dir",
    );
}

#[test]
fn display_round_trips() {
    let definitions = [
        "string",
        "string max=10",
        "string max=64 charset=a-zA-Z0-9._- empty=yes",
        "string 'charset= -~'",
        "string 'charset=a-c'\\''\"#'",
        "secret",
        "ident",
        "uuid",
        "enum nginx php8.2-fpm postfix dovecot",
        "enum 'with space' \"it's\" '#hash' '' x",
        "regex '^[a-z]+(-[a-z]+)*$'",
        r#"regex "it's (a|b)\\d{2} #x""#,
        "uint",
        "uint min=1 max=102400",
        "int min=-5 max=5",
        "int min=-9223372036854775808",
        "port",
        "mode",
        "mode max=04777",
        "mode max=7777",
        "user",
        "user exists=yes",
        "group exists=no",
        "hostname",
        "domain",
        "email",
        "email max=100",
        "ip",
        "ipv4",
        "ipv6",
        "cidr",
        "path beneath=/srv/www",
        "path beneath=/srv/www exists=yes kind=dir",
        "path beneath='/srv/my www' kind=file exists=no",
        "path 'beneath=/srv/it'\\''s'",
        "path beneath=/",
    ];
    for def in definitions {
        let words = shell_words::split(def).expect("split");
        let t = match ValueType::parse(&words) {
            Ok(t) => t,
            Err(e) if def.contains("''") => {
                // The empty enum word is meant to be refused.
                assert_eq!(e.word, 4, "{def}");
                continue;
            }
            Err(e) => panic!("{def}: {e}"),
        };
        let shown = t.to_string();
        let again = ValueType::parse(&shell_words::split(&shown).expect("split display"))
            .expect("parse display");
        assert_eq!(again, t, "{def} -> {shown}");
        assert_eq!(again.to_string(), shown, "{def}");
    }
    assert_eq!(ty("string max=4096").to_string(), "string");
    assert_eq!(ty("uint min=0").to_string(), "uint");
    assert_eq!(ty("uint min=0"), ty("uint"));
    assert_eq!(ty("string charset=cba").to_string(), "string charset=a-c");
    assert_eq!(ty("string charset=-ab").to_string(), "string charset=ab-");
    assert_eq!(ty("mode max=4777").to_string(), "mode max=4777");
    assert_eq!(ty("enum 'a b' c").to_string(), "enum 'a b' c");
    assert_eq!(ty("enum \"it's\"").to_string(), r"enum 'it'\''s'");
    assert_ne!(ty("uint max=5"), ty("uint max=6"));
    assert_ne!(ty("user"), ty("group"));
}

/// A scratch directory tree for path tests, removed when dropped.
struct Tree {
    root: PathBuf,
}

impl Tree {
    /// `ROOT/www/site/index.html`, `ROOT/www-evil/`, `ROOT/outside/secret`
    /// and symlinks in `www`.
    fn new(name: &str) -> Tree {
        let root =
            std::env::temp_dir().join(format!("execward-values-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        fs::create_dir_all(root.join("www/site/a\nb")).expect("mkdir");
        fs::create_dir_all(root.join("www-evil")).expect("mkdir");
        fs::create_dir_all(root.join("outside")).expect("mkdir");
        fs::write(root.join("www/site/index.html"), "hi").expect("write");
        fs::write(root.join("outside/secret"), "s").expect("write");
        symlink(root.join("outside"), root.join("www/evil-link")).expect("symlink");
        symlink("../outside/secret", root.join("www/evil-relative")).expect("symlink");
        symlink(root.join("www/site"), root.join("www/good-link")).expect("symlink");
        symlink("site/index.html", root.join("www/good-relative")).expect("symlink");
        symlink(root.join("outside/new-file"), root.join("www/dangling")).expect("symlink");
        symlink("site/missing", root.join("www/dangling-inside")).expect("symlink");
        symlink("loop2", root.join("www/loop1")).expect("symlink");
        symlink("loop1", root.join("www/loop2")).expect("symlink");
        symlink(root.join("www/site/a\nb"), root.join("www/newline-link")).expect("symlink");
        symlink(root.join("www"), root.join("www-link")).expect("symlink");
        Tree { root }
    }

    fn path(&self, rel: &str) -> String {
        self.root
            .join(rel)
            .to_str()
            .expect("utf-8 temp dir")
            .to_string()
    }

    /// The resolved form of `rel` (the temp dir may itself be a symlink).
    fn real(&self, rel: &str) -> String {
        let base = fs::canonicalize(&self.root).expect("canonical root");
        base.join(rel).to_str().expect("utf-8").to_string()
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.root);
    }
}

fn path_ok(t: &ValueType, raw: &str, want: &str) {
    match t.validate(raw.as_bytes()) {
        Ok(v) => {
            assert_eq!(v.value, want, "{t}: {raw:?}");
            assert_eq!(v.path.as_deref(), Some(Path::new(want)), "{t}: {raw:?}");
        }
        Err(r) => panic!("{t}: {raw:?} refused: {}", r.0),
    }
}

fn path_bad(t: &ValueType, raw: &str, want: &str) {
    match t.validate(raw.as_bytes()) {
        Ok(v) => panic!("{t}: {raw:?} accepted as {:?}", v.value),
        Err(r) => {
            assert!(r.0.contains(want), "{t}: {raw:?}: {:?} lacks {want:?}", r.0);
            assert!(!r.0.chars().any(char::is_control), "{:?}", r.0);
        }
    }
}

#[test]
fn path_beneath() {
    let tree = Tree::new("beneath");
    let www = tree.path("www");
    let t = ValueType::parse(&["path".to_string(), format!("beneath={www}")]).expect("type");
    assert!(t.is_path());

    path_ok(&t, &tree.path("www/site"), &tree.real("www/site"));
    path_ok(&t, "site", &tree.real("www/site"));
    path_ok(&t, "site/index.html", &tree.real("www/site/index.html"));
    path_ok(&t, "-rf", &tree.real("www/-rf"));
    path_ok(&t, "new/deeper/file", &tree.real("www/new/deeper/file"));
    path_ok(
        &t,
        &tree.path("www/good-link/index.html"),
        &tree.real("www/site/index.html"),
    );
    path_ok(&t, "good-link", &tree.real("www/site"));
    path_ok(&t, "good-relative", &tree.real("www/site/index.html"));
    path_ok(&t, "good-link/new", &tree.real("www/site/new"));

    path_bad(&t, &tree.path("www-evil"), "is not beneath");
    path_bad(&t, &tree.path("www-evil/x"), "is not beneath");
    path_bad(&t, &tree.path("outside/secret"), "is not beneath");
    path_bad(&t, "/etc/passwd", "is not beneath");
    path_bad(&t, &tree.path("www/../outside"), "has a .. component");
    path_bad(&t, "site/../../outside", "has a .. component");
    path_bad(&t, "site/..", "has a .. component");
    path_bad(&t, "..", "has a .. component");
    path_bad(&t, "./site", "has a . component");
    path_bad(&t, "site//index.html", "has an empty component");
    path_bad(&t, "site/", "ends with a slash");
    path_bad(&t, &www, "itself, not a path beneath it");
    path_bad(
        &t,
        "evil-link",
        "resolves through a symlink to a place outside",
    );
    path_bad(&t, "evil-link/secret", "outside");
    path_bad(&t, "evil-link/new-file", "outside");
    path_bad(&t, "evil-relative", "outside");
    path_bad(&t, "dangling", "symlink that points to nothing");
    path_bad(&t, "dangling-inside", "symlink that points to nothing");
    path_bad(&t, "loop1", "cannot be resolved");
    path_bad(&t, "site/index.html/x", "cannot be resolved");
    path_bad(
        &t,
        "newline-link",
        "resolves to a path that contains a control character",
    );
    path_bad(&t, "site/a\nb", "control character");
    path_bad(
        &t,
        &format!("{}/x", "n".repeat(256)),
        "component longer than 255 bytes",
    );
    path_bad(&t, "", "is empty");
}

#[test]
fn path_exists_and_kind() {
    let tree = Tree::new("kind");
    let def = |extra: &str| {
        let mut words = vec!["path".to_string(), format!("beneath={}", tree.path("www"))];
        words.extend(extra.split_whitespace().map(String::from));
        ValueType::parse(&words).expect("type")
    };

    let t = def("exists=yes");
    path_ok(&t, "site", &tree.real("www/site"));
    path_bad(&t, "new", "does not exist");
    let t = def("exists=no");
    path_ok(&t, "new", &tree.real("www/new"));
    path_bad(&t, "site", "already exists");
    path_bad(&t, "good-link", "already exists");
    let t = def("kind=dir");
    path_ok(&t, "site", &tree.real("www/site"));
    path_ok(&t, "new-dir", &tree.real("www/new-dir"));
    path_bad(&t, "site/index.html", "is not a directory");
    let t = def("kind=file exists=yes");
    path_ok(&t, "site/index.html", &tree.real("www/site/index.html"));
    path_ok(&t, "good-relative", &tree.real("www/site/index.html"));
    path_bad(&t, "site", "is not a regular file");
    path_bad(&t, "site/new.txt", "does not exist");
    let t = def("kind=file");
    path_ok(&t, "site/new.txt", &tree.real("www/site/new.txt"));
}

#[test]
fn path_dir_resolution() {
    let tree = Tree::new("dir");
    // DIR itself a symlink: values are compared with its target.
    let t = ValueType::parse(&[
        "path".to_string(),
        format!("beneath={}", tree.path("www-link")),
    ])
    .expect("type");
    path_ok(&t, "site", &tree.real("www/site"));
    path_ok(&t, &tree.path("www-link/site"), &tree.real("www/site"));
    path_ok(&t, &tree.path("www/site"), &tree.real("www/site"));
    path_bad(&t, &tree.path("www-link"), "itself");
    path_bad(&t, "evil-link", "outside");

    // DIR that does not exist: everything refused.
    let t = ValueType::parse(&["path".to_string(), format!("beneath={}", tree.path("gone"))])
        .expect("type");
    path_bad(&t, "x", "cannot be checked");

    // beneath=/: anything but / itself.
    let t = ty("path beneath=/");
    path_bad(&t, "/", "itself");
    let root = tree.real("www");
    path_ok(&t, &root, &root);
}

#[test]
fn no_panic_and_accepted_values_obey_the_universal_rules() {
    let types = [
        "string",
        "string charset=a-z0-9- max=40",
        "secret",
        "ident",
        "uuid",
        "enum a b -c",
        "regex '[a-z0-9.-]+'",
        "uint",
        "int min=-5 max=5",
        "port",
        "mode max=07777",
        "user",
        "hostname",
        "domain",
        "email",
        "ip",
        "ipv4",
        "ipv6",
        "cidr",
        "path beneath=/tmp",
    ];
    let pieces: &[&[u8]] = &[
        b"a",
        b"Z",
        b"0",
        b"9",
        b"1",
        b"-",
        b".",
        b"..",
        b"/",
        b"@",
        b":",
        b"::",
        b"f",
        b"x",
        b"_",
        b"$",
        b" ",
        b"+",
        b"\n",
        b"\0",
        b"\x7f",
        b"\xff",
        b"\xc3",
        "\u{661}".as_bytes(),
        "\u{ff11}".as_bytes(),
        "\u{202e}".as_bytes(),
        "\u{430}".as_bytes(),
        "é".as_bytes(),
        b"xn--",
        b"255",
        b"/8",
        b"0x",
        b"e",
        b"%",
        b"'",
        b"\"",
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for def in types {
        let t = ty(def);
        for _ in 0..3000 {
            let mut raw = Vec::new();
            for _ in 0..rng.below(12) {
                raw.extend_from_slice(pieces[rng.below(pieces.len())]);
            }
            match t.validate(&raw) {
                Ok(v) => {
                    assert!(!v.value.is_empty(), "{def}: {raw:?}");
                    assert!(!v.value.chars().any(char::is_control), "{def}: {raw:?}");
                    assert!(!v.value.contains('\u{202e}'), "{def}: {raw:?}");
                    assert_eq!(v.path.is_some(), t.is_path(), "{def}");
                }
                Err(r) => assert_no_echo(&r.0, &raw),
            }
        }
    }
}
