//! Reading the policy the way a setuid program must, and opening the audit
//! log.
//!
//! # The policy
//!
//! Whoever can change the policy, or anything on its path, owns every
//! action. [`read_trusted`] therefore trusts nothing it has not checked on
//! the very descriptor it then uses:
//!
//! - **The path is walked from `/` one component at a time**, each
//!   directory opened with `O_PATH | O_DIRECTORY | O_NOFOLLOW` relative to
//!   the previous one and checked with `fstat` on that descriptor: owned by
//!   root and not writable by group or others. A sticky world-writable
//!   directory such as `/tmp` is refused too: anyone may create the next
//!   component there. Checking descriptors, not path strings, leaves no
//!   window between check and use.
//! - **No symlink anywhere in the path** (the simplest rule that needs no
//!   reasoning about who owns a link's target): a symlinked directory or
//!   file is refused, even a root-owned one. Install the policy at its real
//!   path.
//! - **The file** is opened with `O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
//!   O_NOCTTY | O_CLOEXEC` (`O_NONBLOCK`: opening a FIFO must not block;
//!   `O_NOCTTY`: a terminal must not become ours) and must be a regular file
//!   owned by root, not writable by group or others, with exactly one link
//!   (a second name could live in a directory nobody checked), not empty
//!   (an interrupted rewrite leaves an empty file; a policy that allows
//!   nothing is a comment line) and at most [`MAX_POLICY_SIZE`] bytes.
//! - **It is read whole through that one descriptor** and refused if it
//!   changed meanwhile (size, mtime, ctime, inode and device equal before
//!   and after; exactly `size` bytes read) or if its last line lacks its
//!   newline (a sign of truncation: a prefix of a policy can grant more than
//!   the whole, e.g. when it ends before an `fs read` line that narrows the
//!   default read set).
//!
//! A policy that fails to parse is refused with the number of errors and
//! the first line, never its text: the caller may not be able to read the
//! policy, and the helper must not read it out to them.
//!
//! # The audit log
//!
//! [`open_audit_log`] walks the path the same way (no symlinks; directories
//! owned by root and not writable by others; group-writable is accepted,
//! since some distributions ship `/var/log` as `root:syslog 0775`), then
//! opens the file with `O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW`, mode
//! 0600, and requires a regular file owned by root, not writable by group
//! or others, with one link (a hard link to `/etc/passwd` planted in a
//! writable directory would otherwise receive our records).

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::Read;
use std::os::fd::OwnedFd;
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::{openat, OFlag};
use nix::sys::stat::{fstat, fstatat, FileStat, Mode, SFlag};

use super::Refusal;
use crate::policy::Policy;
pub use crate::policy::MAX_POLICY_SIZE;

/// How strict the directory check is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DirRule {
    /// Owned by root, not writable by group or others (the policy).
    RootOnly,
    /// Owned by root, not writable by others (the audit log).
    NotOthers,
}

fn is_type(mode: u32, kind: SFlag) -> bool {
    SFlag::from_bits_truncate(mode & SFlag::S_IFMT.bits()) == kind
}

fn check_dir(st: &FileStat, shown: &Path, rule: DirRule) -> Result<(), String> {
    let mode = st.st_mode;
    if is_type(mode, SFlag::S_IFLNK) {
        return Err(format!("{} is a symbolic link", shown.display()));
    }
    if !is_type(mode, SFlag::S_IFDIR) {
        return Err(format!("{} is not a directory", shown.display()));
    }
    if st.st_uid != 0 {
        return Err(format!(
            "directory {} is owned by uid {}, not root",
            shown.display(),
            st.st_uid
        ));
    }
    if mode & 0o002 != 0 {
        return Err(format!(
            "directory {} is writable by others{}",
            shown.display(),
            if mode & 0o1000 != 0 {
                " (sticky or not, anyone may create entries in it)"
            } else {
                ""
            }
        ));
    }
    if rule == DirRule::RootOnly && mode & 0o020 != 0 {
        return Err(format!(
            "directory {} is writable by its group",
            shown.display()
        ));
    }
    Ok(())
}

/// Opens every directory of `path` from `/` (checking each) and returns
/// the last one with the file's name.
fn walk_to_parent(path: &Path, rule: DirRule) -> Result<(OwnedFd, OsString), String> {
    let mut comps = path.components();
    if comps.next() != Some(Component::RootDir) {
        return Err(format!("{} is not an absolute path", path.display()));
    }
    let mut names: Vec<&OsStr> = Vec::new();
    for c in comps {
        match c {
            Component::Normal(n) => names.push(n),
            Component::CurDir => {}
            _ => return Err(format!("{} has a `..` component", path.display())),
        }
    }
    let Some((file, dirs)) = names.split_last() else {
        return Err(format!("{} names no file", path.display()));
    };
    let dir_flags = OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC;
    let mut cur = nix::fcntl::open("/", dir_flags, Mode::empty())
        .map_err(|e| format!("cannot open /: {e}"))?;
    let mut shown = PathBuf::from("/");
    check_dir(
        &fstat(&cur).map_err(|e| format!("cannot stat /: {e}"))?,
        &shown,
        rule,
    )?;
    for name in dirs {
        shown.push(name);
        let next = match openat(&cur, *name, dir_flags, Mode::empty()) {
            Ok(fd) => fd,
            Err(Errno::ENOTDIR | Errno::ELOOP) => {
                // Say why: a symlink, or something else that is no directory.
                let st = fstatat(&cur, *name, nix::fcntl::AtFlags::AT_SYMLINK_NOFOLLOW)
                    .map_err(|e| format!("cannot stat {}: {e}", shown.display()))?;
                check_dir(&st, &shown, rule)?;
                return Err(format!("{} is not a directory", shown.display()));
            }
            Err(e) => return Err(format!("cannot open {}: {e}", shown.display())),
        };
        let st = fstat(&next).map_err(|e| format!("cannot stat {}: {e}", shown.display()))?;
        check_dir(&st, &shown, rule)?;
        cur = next;
    }
    Ok((cur, file.to_os_string()))
}

/// Opens the final component below `dir`, naming a symlink as such.
fn open_final(dir: &OwnedFd, name: &OsStr, path: &Path, flags: OFlag) -> Result<File, String> {
    match openat(dir, name, flags, Mode::from_bits_truncate(0o600)) {
        Ok(fd) => Ok(File::from(fd)),
        Err(Errno::ELOOP) => Err(format!("{} is a symbolic link", path.display())),
        Err(e) => Err(format!("cannot open {}: {e}", path.display())),
    }
}

/// The checks every file the helper trusts must pass.
fn check_file(meta: &std::fs::Metadata, path: &Path) -> Result<(), String> {
    if !meta.file_type().is_file() {
        return Err(format!("{} is not a regular file", path.display()));
    }
    if meta.uid() != 0 {
        return Err(format!(
            "{} is owned by uid {}, not root",
            path.display(),
            meta.uid()
        ));
    }
    if meta.mode() & 0o022 != 0 {
        return Err(format!(
            "{} is writable by group or others (mode {:04o})",
            path.display(),
            meta.mode() & 0o7777
        ));
    }
    if meta.nlink() != 1 {
        return Err(format!(
            "{} has {} hard links; a trusted file has exactly one name",
            path.display(),
            meta.nlink()
        ));
    }
    Ok(())
}

/// The facts that change when a file is written.
fn fingerprint(m: &std::fs::Metadata) -> (u64, u64, u64, i64, i64, i64, i64) {
    (
        m.dev(),
        m.ino(),
        m.size(),
        m.mtime(),
        m.mtime_nsec(),
        m.ctime(),
        m.ctime_nsec(),
    )
}

/// Reads the policy at `path` as described in the [module docs](self),
/// returning its bytes.
///
/// # Errors
/// Why the file is not trusted or could not be read, as one line.
pub fn read_trusted(path: &Path) -> Result<Vec<u8>, String> {
    let (dir, name) = walk_to_parent(path, DirRule::RootOnly)?;
    let file = open_final(
        &dir,
        &name,
        path,
        OFlag::O_RDONLY
            | OFlag::O_NOFOLLOW
            | OFlag::O_NONBLOCK
            | OFlag::O_NOCTTY
            | OFlag::O_CLOEXEC,
    )?;
    drop(dir);
    let stat_err = |e: std::io::Error| format!("cannot stat {}: {e}", path.display());
    let before = file.metadata().map_err(stat_err)?;
    check_file(&before, path)?;
    let size = before.size();
    if size > MAX_POLICY_SIZE as u64 {
        return Err(format!(
            "{} is {size} bytes long; at most {MAX_POLICY_SIZE} bytes (1 MiB) are accepted",
            path.display()
        ));
    }
    if size == 0 {
        return Err(format!(
            "{} is empty (an interrupted rewrite?); a policy that allows nothing holds at least a comment line",
            path.display()
        ));
    }
    let mut bytes = Vec::with_capacity(size as usize + 1);
    // One byte more than the size: a file that grew is noticed.
    (&file)
        .take(size + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let after = file.metadata().map_err(stat_err)?;
    if bytes.len() as u64 != size || fingerprint(&before) != fingerprint(&after) {
        return Err(format!(
            "{} changed while it was read; try again once it is written",
            path.display()
        ));
    }
    if bytes.last() != Some(&b'\n') {
        return Err(format!(
            "{} does not end with a newline (a sign of truncation)",
            path.display()
        ));
    }
    Ok(bytes)
}

/// Reads and parses the policy at `path` ([`read_trusted`], then
/// [`Policy::parse_bytes`]).
///
/// # Errors
/// A `policy:` refusal: the file is not trusted, or the policy has errors
/// (reported by count and first line only; the first diagnostic goes to
/// syslog for the administrator).
pub fn load(path: &str) -> Result<Policy, Refusal> {
    let bytes = read_trusted(Path::new(path)).map_err(Refusal::policy)?;
    Policy::parse_bytes(&bytes).map_err(|diags| {
        if let Some(first) = diags.first() {
            crate::sys::syslog(&format!(
                "execward-helper: {}",
                first.render(path).replace(['\n', '\r'], " ")
            ));
        }
        let n = diags.len();
        Refusal::policy(format!(
            "{path} has {n} error{}, the first on line {}; run `execward check {path}` as root",
            if n == 1 { "" } else { "s" },
            diags.first().map(|d| d.line).unwrap_or(0)
        ))
    })
}

/// Opens the audit log for appending as described in the [module
/// docs](self), creating it with mode 0600.
///
/// # Errors
/// Why it cannot be used, as one line.
pub fn open_audit_log(path: &Path) -> Result<File, String> {
    let (dir, name) = walk_to_parent(path, DirRule::NotOthers)?;
    let file = open_final(
        &dir,
        &name,
        path,
        OFlag::O_RDWR
            | OFlag::O_APPEND
            | OFlag::O_CREAT
            | OFlag::O_NOFOLLOW
            | OFlag::O_NONBLOCK
            | OFlag::O_NOCTTY
            | OFlag::O_CLOEXEC,
    )?;
    let meta = file
        .metadata()
        .map_err(|e| format!("cannot stat {}: {e}", path.display()))?;
    check_file(&meta, path)?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_symlink_on_the_way_is_refused() {
        // /proc/self is a (root-owned) symlink below a root-owned /proc.
        let e = read_trusted(Path::new("/proc/self/status")).unwrap_err();
        assert!(e.contains("/proc/self is a symbolic link"), "{e}");
    }

    #[test]
    fn a_world_writable_directory_on_the_way_is_refused() {
        let tmp = std::env::temp_dir();
        if std::fs::metadata(&tmp)
            .map(|m| m.mode() & 0o002 == 0)
            .unwrap_or(true)
        {
            return; // TMPDIR is not world-writable here: nothing to show
        }
        let e = read_trusted(&tmp.join("policy")).unwrap_err();
        assert!(e.contains("writable by others"), "{e}");
    }

    #[test]
    fn paths_that_walk_nowhere_are_refused() {
        for p in ["relative/policy", "/", "/etc/../etc/passwd"] {
            assert!(read_trusted(Path::new(p)).is_err(), "{p}");
        }
    }
}
