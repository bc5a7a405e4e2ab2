//! Opening a file the way a program that trusts it must: the path walked
//! one component at a time without following any symlink, every directory
//! checked on the very descriptor the walk goes on with, the file checked
//! on the descriptor that is then used. The helper reads its policy this
//! way (`helper::policy_file`) and every audit log is opened this way
//! ([`open_append_log`]).
//!
//! - **The path is walked from `/`** (or, for a relative path, from the
//!   working directory, which this process already holds), each directory
//!   opened with `O_PATH | O_DIRECTORY | O_NOFOLLOW` relative to the
//!   previous one and checked with `fstat` on that descriptor ([`DirRule`]).
//!   Checking descriptors, not path strings, leaves no window between check
//!   and use.
//! - **No symlink anywhere in the path**: the simplest rule, needing no
//!   reasoning about who owns a link's target. A symlinked directory or
//!   file is refused, even a root-owned one.
//! - **The file** is opened with `O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
//!   O_CLOEXEC` (a FIFO must not block the open, a terminal must not become
//!   ours) and checked ([`check_file`]): a regular file owned by the
//!   expected user, not writable by group or others, with exactly one link
//!   (a hard link to `/etc/shadow` planted in a writable directory would
//!   otherwise be it).

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::os::fd::OwnedFd;
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::{openat, AtFlags, OFlag};
use nix::sys::stat::{fstat, fstatat, FileStat, Mode, SFlag};

/// Who may own the directories on the way, and whether their group may
/// write them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DirRule {
    /// Besides root, the one user who may own them (root again: only root).
    pub owner: u32,
    /// Group-writable directories are accepted (some distributions ship
    /// `/var/log` as `root:syslog 0775`). Writable by others never is,
    /// sticky or not: anyone could create the next component there.
    pub group_may_write: bool,
}

impl DirRule {
    /// Owned by root, not writable by group or others (the helper's
    /// policy).
    pub(crate) const ROOT_ONLY: DirRule = DirRule {
        owner: 0,
        group_may_write: false,
    };
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
    if st.st_uid != 0 && st.st_uid != rule.owner {
        return Err(if rule.owner == 0 {
            format!(
                "directory {} is owned by uid {}, not root",
                shown.display(),
                st.st_uid
            )
        } else {
            format!(
                "directory {} is owned by uid {}, neither root nor uid {}",
                shown.display(),
                st.st_uid,
                rule.owner
            )
        });
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
    if !rule.group_may_write && mode & 0o020 != 0 {
        return Err(format!(
            "directory {} is writable by its group",
            shown.display()
        ));
    }
    Ok(())
}

/// Opens every directory of `path` (from `/`, or from the working
/// directory for a relative path), checking each by `rule`, and returns
/// the last one with the file's name.
///
/// # Errors
/// Why the path is refused, as one line.
pub(crate) fn walk_to_parent(path: &Path, rule: DirRule) -> Result<(OwnedFd, OsString), String> {
    let mut comps = path.components().peekable();
    let absolute = comps.peek() == Some(&Component::RootDir);
    if absolute {
        comps.next();
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
    let (start, mut shown) = if absolute {
        ("/", PathBuf::from("/"))
    } else {
        (".", PathBuf::from("."))
    };
    let mut cur = nix::fcntl::open(start, dir_flags, Mode::empty())
        .map_err(|e| format!("cannot open {start}: {e}"))?;
    check_dir(
        &fstat(&cur).map_err(|e| format!("cannot stat {start}: {e}"))?,
        &shown,
        rule,
    )?;
    for name in dirs {
        shown.push(name);
        let next = match openat(&cur, *name, dir_flags, Mode::empty()) {
            Ok(fd) => fd,
            Err(Errno::ENOTDIR | Errno::ELOOP) => {
                // Say why: a symlink, or something else that is no directory.
                let st = fstatat(&cur, *name, AtFlags::AT_SYMLINK_NOFOLLOW)
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

/// Opens the final component below `dir` with `flags` (plus
/// `O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC`), creating it with
/// mode 0600 if `flags` has `O_CREAT`. Something that exists and is not a
/// regular file is refused before it is opened (opening a device can have
/// effects of its own).
///
/// # Errors
/// Why, as one line; a symlink is named as such.
pub(crate) fn open_final(
    dir: &OwnedFd,
    name: &OsStr,
    path: &Path,
    flags: OFlag,
) -> Result<File, String> {
    match fstatat(dir, name, AtFlags::AT_SYMLINK_NOFOLLOW) {
        Ok(st) if is_type(st.st_mode, SFlag::S_IFLNK) => {
            return Err(format!("{} is a symbolic link", path.display()))
        }
        Ok(st) if !is_type(st.st_mode, SFlag::S_IFREG) => {
            return Err(format!("{} is not a regular file", path.display()))
        }
        _ => {}
    }
    let flags = flags | OFlag::O_NOFOLLOW | OFlag::O_NONBLOCK | OFlag::O_NOCTTY | OFlag::O_CLOEXEC;
    match openat(dir, name, flags, Mode::from_bits_truncate(0o600)) {
        Ok(fd) => Ok(File::from(fd)),
        Err(Errno::ELOOP) => Err(format!("{} is a symbolic link", path.display())),
        Err(e) => Err(format!("cannot open {}: {e}", path.display())),
    }
}

/// The checks a trusted file passes: a regular file owned by `owner`, not
/// writable by group or others, with exactly one link.
///
/// # Errors
/// Why not, as one line.
pub(crate) fn check_file(meta: &std::fs::Metadata, path: &Path, owner: u32) -> Result<(), String> {
    if !meta.file_type().is_file() {
        return Err(format!("{} is not a regular file", path.display()));
    }
    if meta.uid() != owner {
        return Err(format!(
            "{} is owned by uid {}, not {}",
            path.display(),
            meta.uid(),
            if owner == 0 {
                "root".to_string()
            } else {
                format!("uid {owner} (who writes the log)")
            }
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

/// Opens (creating it with mode 0600) an append-only log owned by the
/// effective user `owner`: the path walked as in the [module docs](self)
/// with directories owned by root or `owner` and not writable by others,
/// then `O_RDWR | O_APPEND | O_CREAT` (read, so that a writer can see
/// whether the file ends with a newline) and [`check_file`].
///
/// # Errors
/// Why the log cannot be used, as one line.
pub(crate) fn open_append_log(path: &Path, owner: u32) -> Result<File, String> {
    let rule = DirRule {
        owner,
        group_may_write: true,
    };
    let (dir, name) = walk_to_parent(path, rule)?;
    let file = open_final(
        &dir,
        &name,
        path,
        OFlag::O_RDWR | OFlag::O_APPEND | OFlag::O_CREAT,
    )?;
    let meta = file
        .metadata()
        .map_err(|e| format!("cannot stat {}: {e}", path.display()))?;
    check_file(&meta, path, owner)?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_symlink_on_the_way_is_refused() {
        // /proc/self is a (root-owned) symlink below a root-owned /proc.
        let e = walk_to_parent(Path::new("/proc/self/status"), DirRule::ROOT_ONLY).unwrap_err();
        assert!(e.contains("/proc/self is a symbolic link"), "{e}");
    }

    #[test]
    fn paths_that_walk_nowhere_are_refused() {
        for p in ["/", "/etc/../etc/passwd", ""] {
            assert!(
                walk_to_parent(Path::new(p), DirRule::ROOT_ONLY).is_err(),
                "{p}"
            );
        }
    }

    #[test]
    fn devices_and_fifos_are_refused_without_being_opened() {
        let e = open_append_log(Path::new("/dev/null"), 0).unwrap_err();
        assert!(e.contains("not a regular file"), "{e}");
    }
}
