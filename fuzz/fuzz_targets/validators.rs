//! Every value validator on arbitrary bytes.
//!
//! Input: the first byte chooses a definition from
//! `execward_fuzz::TYPE_DEFS` (every built-in type and a few parameter
//! variants); the rest is the caller's value.
//!
//! Properties of every accepted value:
//! - the raw value is valid UTF-8 with no NUL, control or invisible
//!   character, at most 4096 bytes; so is the value the child gets;
//! - validation is idempotent: the value the child gets validates again to
//!   itself;
//! - only `string`, `secret`, `enum`, `regex` and `int` can give a value
//!   starting with `-`;
//! - `path`: the value is absolute, `Validated.path` is the same path, and
//!   canonicalized (its existing part) it lies strictly beneath the
//!   canonical root, component-wise;
//! - per type, an independent check of the accepted form (`uint`/`port`:
//!   ASCII digits only, canonical and in range; `ip*`/`cidr`: canonical text
//!   of the std parsers; `uuid`, `ident`, `user`, `group`, `hostname`,
//!   `domain`, `email`, `mode`, `enum`, `regex`, `string max/charset`).
//!
//! Properties of every refusal: the message is one printable line.
#![no_main]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

use execward::value::{TypeKind, ValueType, Validated};
use execward_fuzz::{assert_one_line, assert_universal, fuzz_root, type_table};
use libfuzzer_sys::fuzz_target;

fn account_name(s: &str) -> bool {
    let body = s.strip_suffix('$').unwrap_or(s);
    let mut b = body.bytes();
    s.len() <= 32
        && matches!(b.next(), Some(c) if c.is_ascii_lowercase() || c == b'_')
        && b.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_' || c == b'-')
}

fn host_name(s: &str, min_labels: usize) -> bool {
    let labels: Vec<&str> = s.split('.').collect();
    s.len() <= 253
        && labels.len() >= min_labels
        && labels.iter().all(|l| {
            (1..=63).contains(&l.len())
                && l.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
        && !labels.last().unwrap().bytes().all(|c| c.is_ascii_digit())
}

fn canonical_decimal(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'))
}

/// The existing part of `p` canonicalized, with the missing rest appended.
fn resolve_existing(p: &Path) -> PathBuf {
    let mut existing = p.to_path_buf();
    let mut missing = Vec::new();
    loop {
        match std::fs::canonicalize(&existing) {
            Ok(c) => {
                let mut out = c;
                for m in missing.iter().rev() {
                    out.push(m);
                }
                return out;
            }
            Err(_) => {
                missing.push(existing.file_name().expect("a name to pop").to_os_string());
                assert!(existing.pop());
            }
        }
    }
}

fn check_accepted(def: &str, ty: &ValueType, raw: &[u8], v: &Validated) {
    let text = std::str::from_utf8(raw).unwrap_or_else(|_| panic!("{def}: accepted invalid UTF-8 {raw:?}"));
    assert_universal(def, text);
    assert_universal(def, &v.value);
    assert!(raw.len() <= ty.max_len(), "{def}: accepted {} bytes", raw.len());

    let base = ty.base_name();
    if !matches!(base, "string" | "secret" | "enum" | "regex" | "int") {
        assert!(!v.value.starts_with('-'), "{def}: accepted {:?} which starts with -", v.value);
    }
    if base != "path" {
        assert!(v.path.is_none(), "{def}: a path for a non-path type");
    }

    // Idempotence: what the child gets is itself a valid value, unchanged.
    match ty.validate(v.value.as_bytes()) {
        Ok(again) => assert_eq!(&again, v, "{def}: {text:?} -> {:?} is not a fixed point", v.value),
        Err(r) => panic!("{def}: {text:?} -> {:?} which is refused: {r}", v.value),
    }

    let value = v.value.as_str();
    match ty.kind() {
        TypeKind::String { max, charset, .. } => {
            assert_eq!(value, text);
            assert!(value.len() <= *max);
            if let Some(cs) = charset {
                assert!(value.chars().all(|c| cs.contains(c)), "{def}: {value:?} outside the charset");
            }
            if def.contains("charset=a-z") {
                assert!(value.bytes().all(|b| b.is_ascii_lowercase()), "{def}: {value:?}");
            }
        }
        TypeKind::Secret => assert_eq!(value, text),
        TypeKind::Ident => {
            let mut b = value.bytes();
            assert!(value.len() <= 63);
            assert!(matches!(b.next(), Some(c) if c.is_ascii_alphabetic() || c == b'_'), "{def}: {value:?}");
            assert!(b.all(|c| c.is_ascii_alphanumeric() || c == b'_'), "{def}: {value:?}");
        }
        TypeKind::Uuid => {
            assert_eq!(value.len(), 36, "{def}: {value:?}");
            for (i, c) in value.bytes().enumerate() {
                if matches!(i, 8 | 13 | 18 | 23) {
                    assert_eq!(c, b'-', "{def}: {value:?}");
                } else {
                    assert!(c.is_ascii_digit() || (b'a'..=b'f').contains(&c), "{def}: {value:?}");
                }
            }
        }
        TypeKind::Enum { values } => {
            assert_eq!(value, text);
            assert!(values.iter().any(|w| w == value), "{def}: {value:?} is not a word");
        }
        TypeKind::Regex { .. } => {
            assert_eq!(value, text);
            if def == "regex '[a-z]+'" {
                assert!(value.bytes().all(|b| b.is_ascii_lowercase()), "{def}: {value:?}");
            }
        }
        TypeKind::Uint { min, max } => {
            assert_eq!(value, text);
            assert!(canonical_decimal(value), "{def}: {value:?} is not ASCII digits in canonical form");
            let n: u64 = value.parse().unwrap();
            assert!(*min <= n && n <= *max, "{def}: {n} out of range");
        }
        TypeKind::Int { min, max } => {
            assert_eq!(value, text);
            let digits = value.strip_prefix('-').unwrap_or(value);
            assert!(canonical_decimal(digits) && value != "-0", "{def}: {value:?} not canonical");
            let n: i64 = value.parse().unwrap();
            assert!(*min <= n && n <= *max, "{def}: {n} out of range");
        }
        TypeKind::Port => {
            assert_eq!(value, text);
            assert!(canonical_decimal(value), "{def}: {value:?} is not ASCII digits in canonical form");
            let n: u32 = value.parse().unwrap();
            assert!((1..=65535).contains(&n), "{def}: port {n}");
        }
        TypeKind::Mode { max } => {
            assert!(value.len() == 4 && value.bytes().all(|b| (b'0'..=b'7').contains(&b)), "{def}: {value:?}");
            let n = u32::from_str_radix(value, 8).unwrap();
            assert_eq!(n & !max, 0, "{def}: {value:?} sets bits beyond max");
            assert_eq!(
                u32::from_str_radix(text, 8).ok(),
                Some(n),
                "{def}: {text:?} became a different mode {value:?}"
            );
        }
        TypeKind::User { .. } | TypeKind::Group { .. } => {
            assert_eq!(value, text);
            assert!(account_name(value), "{def}: {value:?}");
        }
        TypeKind::Hostname => {
            assert_eq!(value, text.to_ascii_lowercase());
            assert!(host_name(value, 1), "{def}: {value:?}");
        }
        TypeKind::Domain => {
            assert_eq!(value, text.to_ascii_lowercase());
            assert!(host_name(value, 2), "{def}: {value:?}");
        }
        TypeKind::Email { max } => {
            assert!(value.len() <= *max);
            let (local, domain) = value.split_once('@').unwrap_or_else(|| panic!("{def}: {value:?} has no @"));
            assert!(
                (1..=64).contains(&local.len())
                    && !local.starts_with(['-', '.'])
                    && !local.ends_with('.')
                    && !local.contains(".."),
                "{def}: local part of {value:?}"
            );
            assert!(
                local.bytes().all(|c| c.is_ascii_alphanumeric() || b"._+-".contains(&c)),
                "{def}: local part of {value:?}"
            );
            assert!(host_name(domain, 2), "{def}: domain of {value:?}");
            assert_eq!(text.split_once('@').map(|(l, _)| l), Some(local), "{def}: local part changed");
        }
        TypeKind::Ip => {
            assert_eq!(value, text);
            let ip: IpAddr = value.parse().unwrap_or_else(|_| panic!("{def}: {value:?}"));
            assert_eq!(ip.to_string(), value, "{def}: not canonical");
        }
        TypeKind::Ipv4 => {
            assert_eq!(value, text);
            let ip: Ipv4Addr = value.parse().unwrap_or_else(|_| panic!("{def}: {value:?}"));
            assert_eq!(ip.to_string(), value, "{def}: not canonical");
        }
        TypeKind::Ipv6 => {
            assert_eq!(value, text);
            let ip: Ipv6Addr = value.parse().unwrap_or_else(|_| panic!("{def}: {value:?}"));
            assert_eq!(ip.to_string(), value, "{def}: not canonical");
        }
        TypeKind::Cidr => {
            assert_eq!(value, text);
            let (addr, prefix) = value.split_once('/').unwrap_or_else(|| panic!("{def}: {value:?}"));
            assert!(canonical_decimal(prefix), "{def}: prefix of {value:?}");
            let prefix: u32 = prefix.parse().unwrap();
            let ip: IpAddr = addr.parse().unwrap_or_else(|_| panic!("{def}: {value:?}"));
            assert_eq!(ip.to_string(), addr, "{def}: not canonical");
            let host_bits_zero = match ip {
                IpAddr::V4(a) => prefix <= 32 && u32::from(a).checked_shl(prefix).unwrap_or(0) == 0,
                IpAddr::V6(a) => prefix <= 128 && u128::from(a).checked_shl(prefix).unwrap_or(0) == 0,
            };
            assert!(host_bits_zero, "{def}: {value:?} has host bits set");
        }
        TypeKind::Path { exists, kind, .. } => {
            let root = fuzz_root();
            let p = Path::new(value);
            assert!(p.is_absolute(), "{def}: {value:?} is not absolute");
            assert_eq!(v.path.as_deref(), Some(p), "{def}: path and value differ");
            let resolved = resolve_existing(p);
            assert!(
                resolved.starts_with(root) && resolved != root,
                "{def}: {text:?} -> {value:?} resolves to {resolved:?}, not beneath {root:?}"
            );
            assert_eq!(resolved, p, "{def}: {value:?} is not fully resolved");
            let found = std::fs::symlink_metadata(p).is_ok();
            if let Some(e) = exists {
                assert_eq!(found, *e, "{def}: {value:?} existence");
            }
            if let (Some(k), true) = (kind, found) {
                let meta = std::fs::metadata(p).unwrap();
                match k.as_str() {
                    "dir" => assert!(meta.is_dir(), "{def}: {value:?} is not a directory"),
                    _ => assert!(meta.is_file(), "{def}: {value:?} is not a file"),
                }
            }
        }
        other => panic!("a type kind the fuzz target does not know: {other:?}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, raw)) = data.split_first() else {
        return;
    };
    let table = type_table();
    let (def, ty) = &table[usize::from(first) % table.len()];
    match ty.validate(raw) {
        Ok(v) => check_accepted(def, ty, raw, &v),
        Err(r) => assert_one_line(def, &r.0),
    }
});
