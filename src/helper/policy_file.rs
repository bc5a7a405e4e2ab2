//! Reading the policy the way a setuid program must.
//!
//! Whoever can change the policy, or anything on its path, owns every
//! action. [`read_trusted`] therefore trusts nothing it has not checked on
//! the very descriptor it then uses (the walk is `crate::safe_open`'s,
//! shared with the audit log):
//!
//! - **The path is walked from `/` one component at a time**, each
//!   directory opened with `O_PATH | O_DIRECTORY | O_NOFOLLOW` relative to
//!   the previous one and checked with `fstat` on that descriptor: owned by
//!   root and not writable by group or others. A sticky world-writable
//!   directory such as `/tmp` is refused too: anyone may create the next
//!   component there.
//! - **No symlink anywhere in the path**: a symlinked directory or file is
//!   refused, even a root-owned one. Install the policy at its real path.
//! - **The file** is opened with `O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
//!   O_NOCTTY | O_CLOEXEC` and must be a regular file owned by root, not
//!   writable by group or others, with exactly one link (a second name
//!   could live in a directory nobody checked), not empty (an interrupted
//!   rewrite leaves an empty file; a policy that allows nothing is a
//!   comment line) and at most [`MAX_POLICY_SIZE`] bytes.
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
//! The audit log is opened by `audit::Sink::file` (`crate::safe_open`'s
//! `open_append_log`): the same walk, directories owned by root and not
//! writable by others (group-writable is accepted, since some
//! distributions ship `/var/log` as `root:syslog 0775`), a regular file
//! owned by root, not writable by group or others, with one link.

use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use nix::fcntl::OFlag;

use super::Refusal;
use crate::policy::Policy;
pub use crate::policy::MAX_POLICY_SIZE;
use crate::safe_open::{check_file, open_final, walk_to_parent, DirRule};

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
    if !path.is_absolute() {
        return Err(format!("{} is not an absolute path", path.display()));
    }
    let (dir, name) = walk_to_parent(path, DirRule::ROOT_ONLY)?;
    let file = open_final(&dir, &name, path, OFlag::O_RDONLY)?;
    drop(dir);
    let stat_err = |e: std::io::Error| format!("cannot stat {}: {e}", path.display());
    let before = file.metadata().map_err(stat_err)?;
    check_file(&before, path, 0)?;
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
