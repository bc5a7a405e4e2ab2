//! Audit records: one JSON object per line for every request, allowed or
//! denied (SPEC "Audit log").
//!
//! Every value is written as a JSON string with every control character,
//! `"`, `\`, DEL, U+2028 and U+2029 escaped, so no value can break the
//! line or forge another record. Secret values never reach a record: the
//! binder replaces them with `***` before a record is built.
//!
//! A record is written with a single `write(2)` on a descriptor opened with
//! `O_APPEND`, so concurrent writers never interleave within a line.

use std::fmt::Write as _;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::outcome::Status;
use crate::sandbox::SandboxReport;

pub(crate) mod json;

pub(crate) use json::json_str;
use json::{json_array, rfc3339};

/// The decision recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Decision {
    /// The request passed every check and the action ran (or was started).
    Allowed,
    /// The request was refused.
    Denied,
}

/// How an allowed request ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExitRecord {
    /// The child's status.
    Status(Status),
    /// The child could not be started; the message says why.
    Error(String),
}

/// One audit record.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Record {
    /// When the request arrived.
    pub time: SystemTime,
    /// The caller's real uid.
    pub caller_uid: u32,
    /// The caller's user name, if it has one.
    pub caller_name: Option<String>,
    /// The action requested.
    pub action: String,
    /// The caller's arguments, with secrets replaced by `***`.
    pub args: Vec<String>,
    /// Allowed or denied.
    pub decision: Decision,
    /// Why it was denied.
    pub reason: Option<String>,
    /// The argv that ran (allowed requests).
    pub argv: Option<Vec<String>>,
    /// The child's pid.
    pub pid: Option<u32>,
    /// How it ended.
    pub exit: Option<ExitRecord>,
    /// How long it ran.
    pub duration: Option<Duration>,
    /// What was enforced.
    pub sandbox: Option<SandboxReport>,
    /// The limits in force.
    pub limits: Option<crate::sandbox::Limits>,
    /// True if the output limit truncated the output.
    pub truncated: bool,
}

impl Record {
    /// A record for `action` requested now by the real uid of this process.
    pub fn new(action: &str, args: Vec<String>) -> Record {
        let uid = nix::unistd::getuid();
        let name = nix::unistd::User::from_uid(uid)
            .ok()
            .flatten()
            .map(|u| u.name);
        Record {
            time: SystemTime::now(),
            caller_uid: uid.as_raw(),
            caller_name: name,
            action: action.to_string(),
            args,
            decision: Decision::Denied,
            reason: None,
            argv: None,
            pid: None,
            exit: None,
            duration: None,
            sandbox: None,
            limits: None,
            truncated: false,
        }
    }

    /// Encodes the record as one line of JSON (without the newline).
    pub fn to_json(&self) -> String {
        let mut o = String::with_capacity(256);
        o.push('{');
        o.push_str("\"time\":");
        json_str(&mut o, &rfc3339(self.time));
        o.push_str(",\"caller\":{\"uid\":");
        let _ = write!(o, "{}", self.caller_uid);
        o.push_str(",\"name\":");
        match &self.caller_name {
            Some(n) => json_str(&mut o, n),
            None => o.push_str("null"),
        }
        o.push_str("},\"action\":");
        json_str(&mut o, &self.action);
        o.push_str(",\"args\":");
        json_array(&mut o, &self.args);
        o.push_str(",\"decision\":");
        json_str(
            &mut o,
            if self.decision == Decision::Allowed {
                "allowed"
            } else {
                "denied"
            },
        );
        if let Some(r) = &self.reason {
            o.push_str(",\"reason\":");
            json_str(&mut o, r);
        }
        if let Some(argv) = &self.argv {
            o.push_str(",\"argv\":");
            json_array(&mut o, argv);
        }
        if let Some(pid) = self.pid {
            let _ = write!(o, ",\"pid\":{pid}");
        }
        match &self.exit {
            Some(ExitRecord::Status(Status::Exited(c))) => {
                let _ = write!(o, ",\"exit\":{{\"status\":{c}}}");
            }
            Some(ExitRecord::Status(Status::Signaled(s))) => {
                let _ = write!(o, ",\"exit\":{{\"signal\":{s}}}");
            }
            Some(ExitRecord::Status(Status::TimedOut)) => {
                o.push_str(",\"exit\":{\"timeout\":true}")
            }
            Some(ExitRecord::Error(e)) => {
                o.push_str(",\"exit\":{\"error\":");
                json_str(&mut o, e);
                o.push('}');
            }
            None => {}
        }
        if let Some(d) = self.duration {
            let _ = write!(o, ",\"duration_ms\":{}", d.as_millis());
        }
        if let Some(s) = &self.sandbox {
            o.push_str(",\"sandbox\":{\"landlock_abi\":");
            match s.landlock_abi {
                Some(a) if s.landlock => {
                    let _ = write!(o, "{a}");
                }
                _ => o.push_str("null"),
            }
            let _ = write!(
                o,
                ",\"landlock_net\":{},\"landlock_scopes\":{}",
                s.landlock_net, s.landlock_scopes
            );
            o.push_str(",\"seccomp\":");
            match &s.seccomp {
                Some(p) => json_str(&mut o, p),
                None => o.push_str("null"),
            }
            o.push_str(",\"containment\":");
            json_str(&mut o, &s.containment);
            o.push_str(",\"processes\":");
            json_str(&mut o, &s.processes);
            if let Some(l) = &self.limits {
                let opt =
                    |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_else(|| "null".into());
                let _ = write!(
                    o,
                    ",\"limits\":{{\"cpu\":{},\"as\":{},\"nproc\":{},\"nofile\":{},\"fsize\":{},\"output\":{}}}",
                    opt(l.cpu),
                    opt(l.address_space),
                    opt(l.nproc),
                    opt(l.nofile),
                    opt(l.fsize),
                    l.output
                );
            }
            let _ = write!(o, ",\"memfd_noexec\":{}", s.memfd_noexec);
            let _ = write!(o, ",\"ipc_namespace\":{}", s.ipc_namespace);
            if let Some(caps) = s.root_caps {
                o.push_str(",\"root_caps\":");
                json_str(&mut o, &caps.to_string());
            }
            o.push_str(",\"missing\":");
            json_array(&mut o, &s.missing);
            o.push('}');
        }
        if self.truncated {
            o.push_str(",\"output_truncated\":true");
        }
        o.push('}');
        o
    }
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
    /// Opens `path` for appending (creating it with mode 0600).
    ///
    /// # Errors
    /// The I/O error; callers refuse to run without their audit log.
    pub fn file(path: &Path) -> io::Result<Sink> {
        let file = OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o600)
            .custom_flags(libc::O_CLOEXEC | libc::O_NOFOLLOW)
            .open(path)?;
        Ok(Sink::File {
            path: path.to_path_buf(),
            file,
        })
    }

    /// Writes one record as one line.
    ///
    /// # Errors
    /// The I/O error of the write.
    pub fn write(&mut self, record: &Record) -> io::Result<()> {
        match self {
            Sink::File { file, .. } => {
                let mut line = record.to_json();
                line.push('\n');
                // One write: O_APPEND makes it atomic with respect to other
                // appenders for regular files.
                let n = file.write(line.as_bytes())?;
                if n != line.len() {
                    return Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        "short write to the audit log",
                    ));
                }
                Ok(())
            }
            Sink::Syslog => {
                crate::sys::syslog(&record.to_json());
                Ok(())
            }
            Sink::None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_is_one_line() {
        let mut r = Record::new("x\ny", vec!["{\"decision\":\"allowed\"}\n".into()]);
        r.reason = Some("bad\r\n".into());
        let j = r.to_json();
        assert!(!j.contains('\n') && !j.contains('\r'));
        assert!(j.contains(r#""decision":"denied""#));
    }
}
