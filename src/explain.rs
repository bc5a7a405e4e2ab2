//! What `execward explain` prints of a plan: argv (one element per line,
//! quoted), environment, run-as, cwd, stdin, limits and sandbox; and the
//! same as data ([`Explanation`], whose JSON form `execward explain
//! --json` prints). Secrets never appear.

use std::ffi::CString;
use std::path::PathBuf;
use std::time::Duration;

use crate::identity::{Identity, Ids};
use crate::json::{Json, ToJson};
use crate::plan::Plan;
use crate::sandbox::{FsAccess, Limits, NetAccess, SandboxMode, SandboxReport, SeccompSpec};
use crate::stdio::Stdin;
use crate::value::show_value_full;

/// What a plan would run, as data ([`Plan::explanation`]): what
/// `execward explain` prints. Secrets never appear (a `stdin` template's
/// bytes are not in it).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Explanation {
    /// The argv, program first (invalid UTF-8 replaced by U+FFFD).
    pub argv: Vec<String>,
    /// The environment as `NAME=VALUE`.
    pub env: Vec<String>,
    /// Whom the child runs as (`None`: the caller, [`Explanation::caller`]).
    pub run_as: Option<Identity>,
    /// The caller's real uid and gid.
    pub caller: Ids,
    /// The working directory.
    pub cwd: String,
    /// What the child reads, described (`none (/dev/null)`, `inherit`,
    /// `N bytes`, `template (N bytes, holds secrets: not shown)`, `piped
    /// (streamed by the caller)`).
    pub stdin: String,
    /// The wall-clock limit.
    pub timeout: Duration,
    /// The resource limits.
    pub limits: Limits,
    /// `sandbox required` or `best-effort`.
    pub mode: SandboxMode,
    /// The Landlock rules; `exec` includes the program and its ELF
    /// interpreter.
    pub fs: FsAccess,
    /// The network rules.
    pub net: NetAccess,
    /// The system-call filter as asked for.
    pub seccomp: SeccompSpec,
    /// What is enforced.
    pub report: SandboxReport,
}

fn stdin_text(stdin: &Stdin) -> String {
    match stdin {
        Stdin::Null => "none (/dev/null)".to_string(),
        Stdin::Inherit => "inherit".to_string(),
        Stdin::Bytes(b) => format!("{} bytes", b.len()),
        Stdin::Secret(b) => format!("template ({} bytes, holds secrets: not shown)", b.len()),
        Stdin::Piped => "piped (streamed by the caller)".to_string(),
    }
}

impl Plan {
    /// What this plan would run, as data ([`Explanation`]).
    pub fn explanation(&self) -> Explanation {
        let sb = &self.spec.sandbox;
        let mut fs = sb.fs.clone();
        fs.exec = self
            .exec_closure
            .iter()
            .chain(&sb.fs.exec)
            .cloned()
            .collect();
        Explanation {
            argv: self.argv(),
            env: self.env(),
            run_as: self.identity.clone(),
            caller: Ids::new(
                nix::unistd::getuid().as_raw(),
                nix::unistd::getgid().as_raw(),
                Vec::new(),
            ),
            cwd: self.cwd.to_string_lossy().into_owned(),
            stdin: stdin_text(&self.spec.stdin),
            timeout: self.spec.timeout,
            limits: self.spec.limits,
            mode: sb.mode,
            fs,
            net: sb.net.clone(),
            seccomp: sb.seccomp.clone(),
            report: self.report.clone(),
        }
    }
}

impl ToJson for Explanation {
    /// `argv`, `env`, `run_as` (`{"user","group","uid","gid","groups"}`,
    /// or `null` for the caller), `caller` (`{"uid","gid"}`), `cwd`,
    /// `stdin`, `timeout_ms`, `limits`, `sandbox` (`mode`, `fs_read`,
    /// `fs_write`, `fs_exec`, `net`, `seccomp`, `seccomp_allow`, `report`).
    fn to_json(&self) -> Json {
        let paths = |ps: &[PathBuf]| Json::strs(ps.iter().map(|p| p.to_string_lossy()));
        let run_as = Json::opt(self.run_as.as_ref(), |id| {
            Json::Obj(vec![
                ("user", Json::str(&id.user)),
                ("group", Json::str(&id.group)),
                ("uid", Json::UInt(id.ids.uid.into())),
                ("gid", Json::UInt(id.ids.gid.into())),
                (
                    "groups",
                    Json::Arr(
                        id.ids
                            .groups
                            .iter()
                            .map(|g| Json::UInt((*g).into()))
                            .collect(),
                    ),
                ),
            ])
        });
        Json::Obj(vec![
            ("argv", Json::strs(&self.argv)),
            ("env", Json::strs(&self.env)),
            ("run_as", run_as),
            (
                "caller",
                Json::Obj(vec![
                    ("uid", Json::UInt(self.caller.uid.into())),
                    ("gid", Json::UInt(self.caller.gid.into())),
                ]),
            ),
            ("cwd", Json::str(&self.cwd)),
            ("stdin", Json::str(&self.stdin)),
            ("timeout_ms", Json::UInt(self.timeout.as_millis() as u64)),
            ("limits", self.limits.to_json()),
            (
                "sandbox",
                Json::Obj(vec![
                    ("mode", Json::str(self.mode.to_string())),
                    ("fs_read", paths(&self.fs.read)),
                    ("fs_write", paths(&self.fs.write)),
                    ("fs_exec", paths(&self.fs.exec)),
                    ("net", Json::str(self.net.to_string())),
                    ("seccomp", Json::str(self.seccomp.profile.to_string())),
                    ("seccomp_allow", Json::strs(&self.seccomp.allow)),
                    ("report", self.report.to_json()),
                ]),
            ),
        ])
    }
}

crate::json::serialize_as_json!(Explanation);

impl Plan {
    /// Writes the human-readable description `execward explain` prints:
    /// argv (one element per line, quoted), environment, run-as, cwd,
    /// stdin, limits and sandbox. Secrets never appear.
    pub fn explain(&self) -> String {
        let mut s = String::new();
        let q = |c: &CString| show_value_full(c.as_bytes());
        s.push_str("argv:\n");
        for (i, a) in self.argv.iter().enumerate() {
            s.push_str(&format!("  [{i}] {}\n", q(a)));
        }
        s.push_str("env:\n");
        for e in &self.envp {
            s.push_str(&format!("  {}\n", q(e)));
        }
        match &self.identity {
            Some(id) => {
                let groups: Vec<String> = id.ids.groups.iter().map(|g| g.to_string()).collect();
                s.push_str(&format!(
                    "run-as: {}:{} (uid {}, gid {}, groups {})\n",
                    id.user,
                    id.group,
                    id.ids.uid,
                    id.ids.gid,
                    groups.join(",")
                ))
            }
            None => {
                let (ruid, rgid) = (nix::unistd::getuid(), nix::unistd::getgid());
                s.push_str(&format!("run-as: the caller (uid {ruid}, gid {rgid})\n"))
            }
        }
        s.push_str(&format!("cwd: {}\n", q(&self.cwd)));
        s.push_str(&format!("stdin: {}\n", stdin_text(&self.spec.stdin)));
        s.push_str(&format!("timeout: {}ms\n", self.spec.timeout.as_millis()));
        s.push_str(&format!("{}\n", self.spec.limits));
        let r = &self.report;
        s.push_str("sandbox:\n");
        s.push_str(&format!("  mode: {}\n", self.spec.sandbox.mode));
        match r.landlock_abi {
            Some(abi) => s.push_str(&format!(
                "  landlock: ABI {abi}{}\n",
                if r.landlock { "" } else { " (not applied)" }
            )),
            None => s.push_str("  landlock: unavailable\n"),
        }
        let paths = |ps: &[PathBuf]| {
            ps.iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(" ")
        };
        s.push_str(&format!(
            "  fs read: {}\n",
            paths(&self.spec.sandbox.fs.read)
        ));
        s.push_str(&format!(
            "  fs write: {}\n",
            paths(&self.spec.sandbox.fs.write)
        ));
        s.push_str(&format!(
            "  fs exec: {}\n",
            paths(
                &self
                    .exec_closure
                    .iter()
                    .chain(&self.spec.sandbox.fs.exec)
                    .cloned()
                    .collect::<Vec<_>>()
            )
        ));
        s.push_str(&format!("  net: {}\n", self.spec.sandbox.net));
        let allow = if self.spec.sandbox.seccomp.allow.is_empty() {
            String::new()
        } else {
            format!(" allow={}", self.spec.sandbox.seccomp.allow.join(","))
        };
        s.push_str(&format!(
            "  seccomp: {}{allow}\n",
            r.seccomp.as_deref().unwrap_or("none")
        ));
        s.push_str(&format!("  containment: {}\n", r.containment));
        s.push_str(&format!("  processes: {}\n", r.processes));
        if r.ipc_namespace {
            s.push_str("  ipc: a namespace of its own\n");
        }
        if r.seccomp.is_some() {
            s.push_str(if r.exec_once {
                "  exec: once (the program, then nothing)\n"
            } else {
                "  exec: many (what Landlock lets it execute)\n"
            });
        }
        if let Some(caps) = r.root_caps {
            s.push_str(&format!("  root capabilities: {caps}\n"));
        }
        if !r.missing.is_empty() {
            s.push_str(&format!("  missing: {}\n", r.missing.join("; ")));
        }
        s
    }
}
