//! The files the kernel must be allowed to execute to start a program.
//!
//! Under Landlock, `execve` needs the `Execute` right not only on the
//! program but also on its ELF interpreter (`PT_INTERP`, the dynamic loader
//! such as `/lib64/ld-linux-x86-64.so.2`), which the kernel opens for
//! execution itself, and, for a `#!` script, on the script's interpreter
//! (and that interpreter's own `PT_INTERP`). [`exec_closure`] computes that
//! list in the parent so that the Landlock ruleset can grant
//! `Execute | ReadFile` on exactly those files.
//!
//! Shared libraries need no `Execute` right: the loader maps them, which
//! Landlock does not mediate; they only need to be readable.
//!
//! # Consequences for scripts
//!
//! When the program is a `#!` script, its interpreter (for example
//! `/bin/sh` or `/usr/bin/python3`) becomes executable in the child: the
//! policy author chose a script, and the kernel cannot start it otherwise.
//! The interpreter can then be asked by the script to run anything it can
//! read; only Landlock's read/write rules and seccomp still apply. Prefer
//! compiled programs or narrow wrapper scripts. A `#!/usr/bin/env NAME`
//! script makes `/usr/bin/env` executable but not `NAME`, which `env` finds
//! through `PATH` at run time: the policy must list the real interpreter in
//! `fs exec` (or better, name it directly on the `#!` line).
//!
//! # Limits
//!
//! - ELF32 and ELF64, both byte orders, are parsed; the program headers
//!   are read from at most the first 64 KiB described by the header;
//!   every offset and size is bounds-checked. Only the first `PT_INTERP`
//!   counts (as in the kernel). Its contents must be 2 to 4096 bytes and
//!   NUL-terminated; like the kernel, the path ends at the first NUL. It
//!   must be absolute.
//! - A `#!` line is parsed like the kernel's `binfmt_script` within the
//!   first 256 bytes (`BINPRM_BUF_SIZE`): the interpreter path must end
//!   within them and be absolute. At most 4 levels of `#!` interpreters are
//!   followed (a script whose interpreter is a script ... four times); a
//!   deeper chain is refused, although Linux 6.18 starts one more level.
//! - Other formats (`binfmt_misc`) are refused.
//! - The files are inspected now; Landlock rules attach to the inodes opened
//!   when the ruleset is prepared, so a file replaced later is simply not
//!   executable in the child (fails closed).

use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use super::SandboxError;

/// The kernel's `BINPRM_BUF_SIZE`: how much of a file decides its format.
const BINPRM_BUF_SIZE: usize = 256;
/// The most nested `#!` interpreters followed (the kernel allows one more).
const MAX_SCRIPT_DEPTH: usize = 4;
/// `PATH_MAX`: the longest `PT_INTERP` the kernel accepts.
const PATH_MAX: u64 = 4096;
/// The most program-header bytes read.
const MAX_PHDRS_BYTES: u64 = 64 * 1024;

const PT_INTERP: u32 = 3;
const ET_EXEC: u16 = 2;
const ET_DYN: u16 = 3;

/// The files the kernel must be allowed to execute to start `program`:
/// `program` itself, its ELF interpreter (`PT_INTERP`, absent for static
/// binaries), and for a `#!` script its interpreter, recursively, each with
/// its own `PT_INTERP`. Paths are returned as found (not canonicalized), in
/// that order, without duplicates.
///
/// # Errors
///
/// [`SandboxError::Elf`] if a file cannot be opened or read, is not a
/// regular file, is neither ELF nor a `#!` script, has a malformed ELF
/// header or program header table, an invalid `PT_INTERP` (not
/// NUL-terminated, empty, longer than 4096 bytes, relative), an invalid
/// `#!` line (relative or truncated interpreter path), or nests `#!`
/// interpreters deeper than 4.
pub fn exec_closure(program: &Path) -> Result<Vec<PathBuf>, SandboxError> {
    let mut out: Vec<PathBuf> = Vec::new();
    let push = |p: PathBuf, out: &mut Vec<PathBuf>| {
        if !out.contains(&p) {
            out.push(p);
        }
    };
    let mut current = program.to_path_buf();
    for depth in 0..=MAX_SCRIPT_DEPTH {
        push(current.clone(), &mut out);
        match inspect(&current)? {
            Format::Elf { interp } => {
                if let Some(i) = interp {
                    push(i, &mut out);
                }
                return Ok(out);
            }
            Format::Script { interp } => {
                if depth == MAX_SCRIPT_DEPTH {
                    break;
                }
                current = interp;
            }
        }
    }
    Err(elf_err(
        program,
        format!("more than {MAX_SCRIPT_DEPTH} levels of #! interpreters"),
    ))
}

/// What a file is, as the kernel would see it.
#[derive(Debug, PartialEq, Eq)]
enum Format {
    /// An ELF executable with an optional `PT_INTERP`.
    Elf { interp: Option<PathBuf> },
    /// A `#!` script and its interpreter.
    Script { interp: PathBuf },
}

fn elf_err(path: &Path, reason: impl Into<String>) -> SandboxError {
    SandboxError::Elf {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

fn inspect(path: &Path) -> Result<Format, SandboxError> {
    let io_err = |what: &str, e: io::Error| elf_err(path, format!("{what}: {e}"));
    let file = File::open(path).map_err(|e| io_err("cannot open", e))?;
    let meta = file.metadata().map_err(|e| io_err("cannot stat", e))?;
    if !meta.is_file() {
        return Err(elf_err(path, "not a regular file"));
    }
    let mut head = Vec::with_capacity(BINPRM_BUF_SIZE);
    (&file)
        .take(BINPRM_BUF_SIZE as u64)
        .read_to_end(&mut head)
        .map_err(|e| io_err("cannot read", e))?;
    if head.starts_with(b"\x7fELF") {
        let interp = elf_interp(&head, &|off, len| read_at(&file, off, len))
            .map_err(|r| elf_err(path, r))?;
        Ok(Format::Elf { interp })
    } else if head.starts_with(b"#!") {
        let interp = script_interp(&head).map_err(|r| elf_err(path, r))?;
        Ok(Format::Script { interp })
    } else {
        Err(elf_err(path, "neither an ELF executable nor a #! script"))
    }
}

fn read_at(file: &File, offset: u64, len: usize) -> Result<Vec<u8>, String> {
    let mut buf = vec![0u8; len];
    file.read_exact_at(&mut buf, offset)
        .map_err(|e| format!("cannot read {len} bytes at offset {offset}: {e}"))?;
    Ok(buf)
}

/// Reads an unsigned integer of `N` bytes at `off` in `data`, in the given
/// byte order.
fn uint<const N: usize>(data: &[u8], off: usize, big_endian: bool) -> Result<u64, String> {
    let bytes: [u8; N] = off
        .checked_add(N)
        .and_then(|end| data.get(off..end))
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| format!("truncated ELF data at offset {off}"))?;
    let mut v: u64 = 0;
    for i in 0..N {
        let b = if big_endian {
            bytes[i]
        } else {
            bytes[N - 1 - i]
        };
        v = (v << 8) | u64::from(b);
    }
    Ok(v)
}

/// Extracts the `PT_INTERP` path of an ELF file whose first bytes are
/// `head`; `read` reads `len` bytes at an offset of the file.
fn elf_interp(
    head: &[u8],
    read: &dyn Fn(u64, usize) -> Result<Vec<u8>, String>,
) -> Result<Option<PathBuf>, String> {
    let class64 = match head.get(4) {
        Some(1) => false,
        Some(2) => true,
        _ => return Err("unknown ELF class".into()),
    };
    let be = match head.get(5) {
        Some(1) => false,
        Some(2) => true,
        _ => return Err("unknown ELF byte order".into()),
    };
    let e_type = uint::<2>(head, 16, be)? as u16;
    if e_type != ET_EXEC && e_type != ET_DYN {
        return Err(format!("ELF type {e_type} is not executable"));
    }
    // (e_phoff, e_phentsize, e_phnum) and the expected entry size.
    let (phoff, phentsize, phnum, want_entsize) = if class64 {
        (
            uint::<8>(head, 32, be)?,
            uint::<2>(head, 54, be)?,
            uint::<2>(head, 56, be)?,
            56,
        )
    } else {
        (
            uint::<4>(head, 28, be)?,
            uint::<2>(head, 42, be)?,
            uint::<2>(head, 44, be)?,
            32,
        )
    };
    if phnum == 0 {
        return Ok(None);
    }
    if phentsize != want_entsize {
        return Err(format!("unexpected program header size {phentsize}"));
    }
    let table_len = phentsize * phnum; // at most 65535 * 56: no overflow
    if table_len > MAX_PHDRS_BYTES {
        return Err(format!(
            "program header table of {table_len} bytes is too large"
        ));
    }
    let table = read(phoff, table_len as usize)?;
    for i in 0..phnum as usize {
        let ph = &table[i * want_entsize as usize..(i + 1) * want_entsize as usize];
        if uint::<4>(ph, 0, be)? as u32 != PT_INTERP {
            continue;
        }
        let (offset, filesz) = if class64 {
            (uint::<8>(ph, 8, be)?, uint::<8>(ph, 32, be)?)
        } else {
            (uint::<4>(ph, 4, be)?, uint::<4>(ph, 16, be)?)
        };
        if !(2..=PATH_MAX).contains(&filesz) {
            return Err(format!(
                "PT_INTERP of {filesz} bytes (must be 2 to {PATH_MAX})"
            ));
        }
        let bytes = read(offset, filesz as usize)?;
        if bytes.last() != Some(&0) {
            return Err("PT_INTERP is not NUL-terminated".into());
        }
        // Like the kernel (a C string), the path ends at the first NUL.
        let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
        let path = &bytes[..end];
        if path.first() != Some(&b'/') {
            return Err("PT_INTERP is not an absolute path".into());
        }
        return Ok(Some(PathBuf::from(OsStr::from_bytes(path))));
    }
    Ok(None)
}

/// Extracts the interpreter of a `#!` script from its first bytes, like
/// the kernel's `binfmt_script`.
fn script_interp(head: &[u8]) -> Result<PathBuf, String> {
    let buf = &head[..head.len().min(BINPRM_BUF_SIZE)];
    let line = match buf.iter().position(|&b| b == b'\n') {
        Some(n) => &buf[2..n],
        None => &buf[2..],
    };
    let start = line
        .iter()
        .position(|&b| b != b' ' && b != b'\t')
        .ok_or("#! line without an interpreter")?;
    let rest = &line[start..];
    let len = rest.iter().position(|&b| b == b' ' || b == b'\t' || b == 0);
    let interp = match len {
        Some(n) => &rest[..n],
        None if buf.len() == BINPRM_BUF_SIZE && !buf.contains(&b'\n') => {
            return Err(format!(
                "#! interpreter path does not end within the first {BINPRM_BUF_SIZE} bytes"
            ));
        }
        None => rest,
    };
    // A carriage return (DOS line ending) is part of the name for the
    // kernel too; it is kept, and opening the path will then fail.
    if interp.first() != Some(&b'/') {
        return Err(format!(
            "#! interpreter {:?} is not an absolute path",
            String::from_utf8_lossy(interp)
        ));
    }
    Ok(PathBuf::from(OsStr::from_bytes(interp)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a minimal ELF image with one `PT_INTERP` (if given) at the
    /// end.
    fn elf(class64: bool, be: bool, interp: Option<&[u8]>) -> Vec<u8> {
        let put = |v: &mut Vec<u8>, off: usize, n: usize, x: u64| {
            for i in 0..n {
                let shift = if be { 8 * (n - 1 - i) } else { 8 * i };
                v[off + i] = (x >> shift) as u8;
            }
        };
        let (ehsize, phsize) = if class64 { (64, 56) } else { (52, 32) };
        let phnum = 2;
        let data_off = ehsize + phsize * phnum;
        let mut v = vec![0u8; data_off];
        v[..4].copy_from_slice(b"\x7fELF");
        v[4] = if class64 { 2 } else { 1 };
        v[5] = if be { 2 } else { 1 };
        v[6] = 1;
        put(&mut v, 16, 2, u64::from(ET_DYN));
        if class64 {
            put(&mut v, 32, 8, ehsize as u64);
            put(&mut v, 54, 2, phsize as u64);
            put(&mut v, 56, 2, phnum as u64);
        } else {
            put(&mut v, 28, 4, ehsize as u64);
            put(&mut v, 42, 2, phsize as u64);
            put(&mut v, 44, 2, phnum as u64);
        }
        // First header: PT_LOAD (1); second: PT_INTERP or PT_NOTE (4).
        let ph0 = ehsize;
        put(&mut v, ph0, 4, 1);
        let ph1 = ehsize + phsize;
        put(&mut v, ph1, 4, if interp.is_some() { 3 } else { 4 });
        if let Some(i) = interp {
            if class64 {
                put(&mut v, ph1 + 8, 8, data_off as u64);
                put(&mut v, ph1 + 32, 8, i.len() as u64);
            } else {
                put(&mut v, ph1 + 4, 4, data_off as u64);
                put(&mut v, ph1 + 16, 4, i.len() as u64);
            }
            v.extend_from_slice(i);
        }
        v
    }

    fn parse(image: &[u8]) -> Result<Option<PathBuf>, String> {
        let head = &image[..image.len().min(BINPRM_BUF_SIZE)];
        elf_interp(head, &|off, len| {
            let off = usize::try_from(off).map_err(|e| e.to_string())?;
            off.checked_add(len)
                .and_then(|end| image.get(off..end))
                .map(<[u8]>::to_vec)
                .ok_or_else(|| "short read".to_string())
        })
    }

    #[test]
    fn all_classes_and_byte_orders() {
        for class64 in [false, true] {
            for be in [false, true] {
                let img = elf(class64, be, Some(b"/lib/ld.so\0"));
                assert_eq!(parse(&img), Ok(Some(PathBuf::from("/lib/ld.so"))));
                let img = elf(class64, be, None);
                assert_eq!(parse(&img), Ok(None), "static, class64={class64} be={be}");
            }
        }
    }

    #[test]
    fn malformed_interp_refused() {
        assert!(parse(&elf(true, false, Some(b"/lib/ld.so"))).is_err()); // no NUL
        assert!(parse(&elf(true, false, Some(b"\0"))).is_err()); // too short
        assert!(parse(&elf(true, false, Some(b"ld.so\0"))).is_err()); // relative
        let mut long = vec![b'/'; 4097];
        *long.last_mut().unwrap() = 0;
        assert!(parse(&elf(true, false, Some(&long))).is_err());
        // Interior NUL: the path ends there, like in the kernel.
        assert_eq!(
            parse(&elf(true, false, Some(b"/a\0/b\0"))),
            Ok(Some(PathBuf::from("/a")))
        );
    }

    #[test]
    fn out_of_bounds_refused() {
        let mut img = elf(true, false, Some(b"/lib/ld.so\0"));
        // p_offset far beyond the file.
        let ph1 = 64 + 56;
        img[ph1 + 8..ph1 + 16].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(parse(&img).is_err());
        // Truncated header.
        assert!(parse(&img[..20]).is_err());
        // Program header table beyond the file.
        let mut img = elf(true, false, None);
        img[32..40].copy_from_slice(&(1u64 << 40).to_le_bytes());
        assert!(parse(&img).is_err());
        // Wrong entry size.
        let mut img = elf(false, false, None);
        img[42] = 33;
        assert!(parse(&img).is_err());
    }

    #[test]
    fn shebang_lines() {
        assert_eq!(script_interp(b"#!/bin/sh\n"), Ok(PathBuf::from("/bin/sh")));
        assert_eq!(
            script_interp(b"#! \t/usr/bin/env python3\nprint()"),
            Ok(PathBuf::from("/usr/bin/env"))
        );
        assert_eq!(script_interp(b"#!/bin/sh"), Ok(PathBuf::from("/bin/sh")));
        assert!(script_interp(b"#!sh\n").is_err());
        assert!(script_interp(b"#!   \n").is_err());
        // Interpreter path running past 256 bytes without a newline.
        let mut long = b"#!/".to_vec();
        long.extend(std::iter::repeat_n(b'a', 300));
        assert!(script_interp(&long).is_err());
        // Long arguments are fine as long as the path ends in time.
        let mut args = b"#!/bin/sh -e ".to_vec();
        args.extend(std::iter::repeat_n(b'x', 300));
        assert_eq!(script_interp(&args), Ok(PathBuf::from("/bin/sh")));
    }
}
