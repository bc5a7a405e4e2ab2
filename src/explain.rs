//! What `execward explain` prints of a plan: argv (one element per line,
//! quoted), environment, run-as, cwd, stdin, limits and sandbox. Secrets
//! never appear.

use std::ffi::CString;
use std::path::PathBuf;

use crate::plan::Plan;
use crate::stdio::Stdin;
use crate::value::show_value_full;

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
        s.push_str(&format!(
            "stdin: {}\n",
            match &self.spec.stdin {
                Stdin::Null => "none (/dev/null)".to_string(),
                Stdin::Inherit => "inherit".to_string(),
                Stdin::Bytes(b) => format!("{} bytes", b.len()),
                Stdin::Secret(b) =>
                    format!("template ({} bytes, holds secrets: not shown)", b.len()),
                Stdin::Piped => "piped (streamed by the caller)".to_string(),
            }
        ));
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
