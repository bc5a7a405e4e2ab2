//! Audit records: one JSON object per line, every request on record
//! before anything runs (the format is described in `docs/audit.md`).
//!
//! A request leaves a **decision record** (`"event":"allowed"` or
//! `"denied"`) with a request `id`; an allowed request's decision record
//! is written, and made durable, before its child is created, and a second
//! **end record** (`"event":"end"`, same `id`) says how it ended. A start
//! without an end is a request whose end was never recorded.
//!
//! Every record is bounded whatever the caller sends: each recorded value
//! is at most [`MAX_VALUE`] bytes (a longer one is cut, with its full
//! length and SHA-256), and a whole line at most [`MAX_RECORD`] bytes
//! (fields are summarized, deterministically, until it fits, and the
//! record says so). Every string is escaped so that no value can break the
//! line, forge another record or read differently in a terminal (control,
//! invisible and bidirectional characters become `\uXXXX`). Secret values
//! never reach a record: they are replaced by `***` before a record is
//! built.
//!
//! A record is written with a single `write(2)` on a descriptor opened with
//! `O_APPEND`, so concurrent writers never interleave within a line, then
//! `fdatasync(2)`: a record that [`Sink::write`] accepted is on disk.

use std::fs::File;
use std::io::{self, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::outcome::Status;
use crate::sandbox::{Limits, SandboxReport};

mod encode;
pub(crate) mod json;
mod sha256;

pub(crate) use json::json_str;
pub use sha256::{sha256_hex, Sha256};

/// The most bytes of one recorded value (an argument, the action name, a
/// reason, ...); a longer value is cut at a character boundary and
/// recorded with its full length and SHA-256.
pub const MAX_VALUE: usize = 256;

/// The most bytes of one record, its newline included.
pub const MAX_RECORD: usize = 8192;

/// What a record is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// An allowed request, recorded before its child is created.
    Allowed,
    /// A refused request.
    Denied,
    /// How an allowed request ended (same `id` as its `allowed` record).
    End,
}

impl Event {
    /// The `event` value: `allowed`, `denied` or `end`.
    pub fn as_str(self) -> &'static str {
        match self {
            Event::Allowed => "allowed",
            Event::Denied => "denied",
            Event::End => "end",
        }
    }
}

/// Who asked: the `caller` object of a record.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Caller {
    /// The caller's real uid.
    pub uid: u32,
    /// Its user name, if it has one.
    pub name: Option<String>,
}

impl Caller {
    /// The caller `uid`, named through NSS (`None` when the uid has no
    /// name or the lookup fails).
    pub fn of_uid(uid: u32) -> Caller {
        let name = nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
            .ok()
            .flatten()
            .map(|u| u.name);
        Caller { uid, name }
    }

    /// The real uid of this process, named.
    pub fn current() -> Caller {
        Caller::of_uid(nix::unistd::getuid().as_raw())
    }

    /// A caller with this uid and name (no lookup).
    pub fn new(uid: u32, name: Option<String>) -> Caller {
        Caller { uid, name }
    }
}

/// How an allowed request ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExitRecord {
    /// The child's status.
    Status(Status),
    /// The child could not be started or supervised; the message says why.
    Error(String),
    /// The caller went away (the helper's front was killed, or the library
    /// caller dropped the wait): the process tree was killed.
    Cancelled,
}

/// What became of the child's output (end records).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct OutputRecord {
    /// Bytes the child wrote to stdout and stderr.
    pub bytes: u64,
    /// True when any of it was discarded (the `output` limit, or a reader
    /// that did not keep up).
    pub truncated: bool,
    /// Bytes discarded because the reader did not keep up.
    pub unread: u64,
}

/// One audit record: a decision (`allowed`/`denied`) or an `end`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Record {
    /// What the record is about.
    pub event: Event,
    /// The request id, shared by a request's decision and end records.
    pub id: String,
    /// When the record was made.
    pub time: SystemTime,
    /// Who asked.
    pub caller: Caller,
    /// The action requested.
    pub action: String,
    /// The caller's arguments, with secrets replaced by `***`.
    pub args: Vec<String>,
    /// True when the request was refused for its size: `args` are then
    /// recorded as lengths and SHA-256 digests only, never their contents.
    pub args_withheld: bool,
    /// Why it was denied.
    pub reason: Option<String>,
    /// The argv that runs (allowed records).
    pub argv: Option<Vec<String>>,
    /// The wall-clock limit (allowed records).
    pub timeout: Option<Duration>,
    /// What is enforced (allowed records).
    pub sandbox: Option<SandboxReport>,
    /// The limits in force (allowed records).
    pub limits: Option<Limits>,
    /// Refusals of the same caller that were counted, not written, since
    /// its last written record (rate limiting); 0: none.
    pub repeated: u64,
    /// The child's pid (end records).
    pub pid: Option<u32>,
    /// How it ended (end records).
    pub exit: Option<ExitRecord>,
    /// How long it ran (end records).
    pub duration: Option<Duration>,
    /// What became of its output (end records).
    pub output: Option<OutputRecord>,
    /// What the sandbox refused, where known (end records).
    pub refused: Option<Vec<String>>,
}

impl Record {
    /// A record of `event` for request `id`, made now.
    pub fn new(event: Event, id: &str, caller: Caller, action: &str, args: Vec<String>) -> Record {
        Record {
            event,
            id: id.to_string(),
            time: SystemTime::now(),
            caller,
            action: action.to_string(),
            args,
            args_withheld: false,
            reason: None,
            argv: None,
            timeout: None,
            sandbox: None,
            limits: None,
            repeated: 0,
            pid: None,
            exit: None,
            duration: None,
            output: None,
            refused: None,
        }
    }

    /// The end record of the request this `allowed` record started: same
    /// id, caller and action, made now, with nothing else filled in.
    pub fn end_of(&self) -> Record {
        Record::new(
            Event::End,
            &self.id,
            self.caller.clone(),
            &self.action,
            Vec::new(),
        )
    }

    /// Encodes the record as one line of JSON (without the newline), at
    /// most [`MAX_RECORD`] - 1 bytes.
    pub fn to_json(&self) -> String {
        encode::encode(self)
    }
}

/// A fresh request id: 16 hex digits from the kernel's random source
/// (from the clock and pid if that fails).
pub fn new_id() -> String {
    let n = crate::sys::random_u64().unwrap_or_else(|_| {
        let t = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default();
        (t.as_nanos() as u64) ^ (u64::from(std::process::id()) << 40)
    });
    format!("{n:016x}")
}

/// Errors of the audit log.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuditError {
    /// The log cannot be opened or is not safe to write (a symlink, not a
    /// regular file, wrong owner, writable by others, ...).
    #[error("cannot open the audit log {}: {reason}", path.display())]
    Open {
        /// The log's path.
        path: PathBuf,
        /// Why, as one line.
        reason: String,
    },
    /// A record could not be written.
    #[error("cannot write to the audit log {}: {source}", path.display())]
    Write {
        /// The log's path.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// The decision record of an allowed request could not be written, so
    /// the request was not run.
    #[error("the request was not run: its audit record could not be written to {}: {source}", path.display())]
    NotRecorded {
        /// The log's path.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
}

/// Where records go.
#[derive(Debug)]
#[non_exhaustive]
pub enum Sink {
    /// Appended to a file.
    File {
        /// The path.
        path: PathBuf,
        /// The open file (`O_APPEND`).
        file: File,
    },
    /// Sent to syslog (`LOG_AUTHPRIV | LOG_NOTICE`).
    Syslog,
    /// Dropped.
    None,
}

impl Sink {
    /// Opens the audit log at `path` for appending, creating it with mode
    /// 0600, the way a log must be opened that others could try to
    /// redirect: no symlink anywhere in the path (a relative path is walked
    /// from the working directory), every directory owned by root or the
    /// effective user and not writable by others, and the file a regular
    /// file (never a FIFO or a device: nothing is opened that is not one)
    /// owned by the effective user, not writable by group or others, with
    /// one link.
    ///
    /// # Errors
    /// [`AuditError::Open`] saying why; callers refuse to run without
    /// their audit log.
    pub fn file(path: &Path) -> Result<Sink, AuditError> {
        let owner = nix::unistd::geteuid().as_raw();
        let file =
            crate::safe_open::open_append_log(path, owner).map_err(|reason| AuditError::Open {
                path: path.to_path_buf(),
                reason,
            })?;
        Ok(Sink::File {
            path: path.to_path_buf(),
            file,
        })
    }

    /// Where records go, for messages: the path, `syslog` or `nowhere`.
    pub fn describe(&self) -> PathBuf {
        match self {
            Sink::File { path, .. } => path.clone(),
            Sink::Syslog => PathBuf::from("syslog"),
            Sink::None => PathBuf::from("nowhere"),
        }
    }

    /// Writes one record as one line and makes it durable: one `write(2)`
    /// of the whole line (preceded by a newline if the file does not end
    /// with one, so a line an earlier writer left cut short, on a full
    /// disk, never swallows this record), then `fdatasync(2)`.
    ///
    /// # Errors
    /// [`AuditError::Write`]: the write failed or was short, or the sync
    /// failed.
    pub fn write(&mut self, record: &Record) -> Result<(), AuditError> {
        match self {
            Sink::File { file, path } => {
                append_line(file, &record.to_json()).map_err(|source| AuditError::Write {
                    path: path.clone(),
                    source,
                })
            }
            Sink::Syslog => {
                crate::sys::syslog(&record.to_json());
                Ok(())
            }
            Sink::None => Ok(()),
        }
    }
}

/// Appends `json` and a newline to `file` as described in [`Sink::write`].
fn append_line(file: &mut File, json: &str) -> io::Result<()> {
    let mut line = String::with_capacity(json.len() + 2);
    let size = file.metadata()?.len();
    if size > 0 {
        // Best effort: a file opened write-only cannot say.
        let mut last = [0u8; 1];
        if matches!(file.read_at(&mut last, size - 1), Ok(1)) && last[0] != b'\n' {
            line.push('\n');
        }
    }
    line.push_str(json);
    line.push('\n');
    // One write: O_APPEND makes it atomic with respect to other appenders
    // of regular files.
    let n = file.write(line.as_bytes())?;
    if n != line.len() {
        return Err(io::Error::new(
            io::ErrorKind::WriteZero,
            format!(
                "short write ({n} of {} bytes; is the file system full?)",
                line.len()
            ),
        ));
    }
    file.sync_data()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_is_one_line() {
        let mut r = Record::new(
            Event::Denied,
            "00",
            Caller::new(1, None),
            "x\ny",
            vec!["{\"event\":\"allowed\"}\n".into()],
        );
        r.reason = Some("bad\r\n".into());
        let j = r.to_json();
        assert!(!j.contains('\n') && !j.contains('\r'));
        assert!(j.starts_with(r#"{"event":"denied","id":"00","#), "{j}");
    }

    #[test]
    fn ids_are_16_hex_digits_and_differ() {
        let (a, b) = (new_id(), new_id());
        assert_eq!(a.len(), 16);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn a_line_cut_short_by_an_earlier_writer_does_not_swallow_the_next() {
        let dir = std::env::temp_dir().join(format!("execward-audit-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("log");
        std::fs::write(&path, b"{\"event\":\"den").unwrap();
        let file = std::fs::OpenOptions::new()
            .read(true)
            .append(true)
            .open(&path)
            .unwrap();
        let mut sink = Sink::File {
            path: path.clone(),
            file,
        };
        let r = Record::new(Event::Denied, "01", Caller::new(1, None), "a", vec![]);
        sink.write(&r).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(text.lines().nth(1), Some(r.to_json().as_str()), "{text}");
    }
}
