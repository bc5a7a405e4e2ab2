//! The capabilities a root child keeps: an allowlist, not a deny list.
//!
//! A child that stays uid 0 keeps in its bounding set only
//! [`Caps::ROOT_DEFAULT`] and what the action adds with `caps NAME...`
//! ([`SandboxSpec::caps`](super::SandboxSpec::caps)); every other
//! capability the kernel knows leaves the bounding set before `execve`, so
//! the program never gets it. The inheritable and ambient sets are emptied.
//!
//! # The default allowlist
//!
//! What the panel tools measured for the recipes need as root (`chown -R`,
//! `chmod`, `tar -x`, `rsync`, `useradd`, `chpasswd`, `userdel`, `crontab
//! -u`, `nginx -t`, `systemctl`):
//!
//! | capability | for |
//! | --- | --- |
//! | `chown` | `chown`, `tar`/`rsync` restoring owners, `useradd` (home), `crontab -u` |
//! | `dac_override` | writing files root does not own (logs `www-data:adm 0640`, account files) |
//! | `dac_read_search` | reading tenant trees (`chown -R`, `du`, backups of `0700` directories) |
//! | `fowner` | `chmod`/`utimes` of files root does not own (`chmod`, `tar -x`) |
//! | `net_bind_service` | `nginx -t` and `apache2 -t` binding ports below 1024 |
//! | `audit_write` | shadow-utils and PAM writing their audit record |
//!
//! Left out on purpose (an action adds one with `caps` when it truly
//! needs it): `sys_admin` (`FIFREEZE`, `quotactl` of others' quotas,
//! `setns`, most privileged ioctls; `setquota` needs it), `sys_nice`
//! (real-time scheduling, negative nice), `ipc_lock` (locking memory),
//! `ipc_owner` (bypassing SysV IPC permissions), `sys_resource` (raising
//! limits), `fsetid` (a root write into a set-id file would keep the bit;
//! without it the kernel clears it), `kill`, `setuid`, `setgid`, `mknod`,
//! `sys_ptrace`, `net_admin`, `net_raw`, `sys_chroot`, `sys_time`, ...
//!
//! # Never granted
//!
//! [`NOT_GRANTABLE`] cannot be added by `caps`, because each would undo a
//! protection of the sandbox itself: `setfcap` (planting file capabilities),
//! `setpcap` (changing the bounding set), `sys_module` (kernel code),
//! `sys_rawio` (raw memory and disk access), `mac_admin`, `mac_override`
//! (the LSM that enforces Landlock).

use std::fmt;

/// The kernel's capability names (`capabilities(7)`), lowercase and
/// without `CAP_`, indexed by number.
const NAMES: &[&str] = &[
    "chown",              // 0
    "dac_override",       // 1
    "dac_read_search",    // 2
    "fowner",             // 3
    "fsetid",             // 4
    "kill",               // 5
    "setgid",             // 6
    "setuid",             // 7
    "setpcap",            // 8
    "linux_immutable",    // 9
    "net_bind_service",   // 10
    "net_broadcast",      // 11
    "net_admin",          // 12
    "net_raw",            // 13
    "ipc_lock",           // 14
    "ipc_owner",          // 15
    "sys_module",         // 16
    "sys_rawio",          // 17
    "sys_chroot",         // 18
    "sys_ptrace",         // 19
    "sys_pacct",          // 20
    "sys_admin",          // 21
    "sys_boot",           // 22
    "sys_nice",           // 23
    "sys_resource",       // 24
    "sys_time",           // 25
    "sys_tty_config",     // 26
    "mknod",              // 27
    "lease",              // 28
    "audit_write",        // 29
    "audit_control",      // 30
    "setfcap",            // 31
    "mac_override",       // 32
    "mac_admin",          // 33
    "syslog",             // 34
    "wake_alarm",         // 35
    "block_suspend",      // 36
    "audit_read",         // 37
    "perfmon",            // 38
    "bpf",                // 39
    "checkpoint_restore", // 40
];

/// The longest capability name, in bytes (`checkpoint_restore`).
pub const MAX_CAP_NAME_LEN: usize = 18;

/// Capabilities that `caps` may never add, with the reason.
pub const NOT_GRANTABLE: &[(&str, &str)] = &[
    (
        "setpcap",
        "it would let the program change its own bounding set",
    ),
    (
        "setfcap",
        "it would let the program plant file capabilities (a root shell for anyone)",
    ),
    ("sys_module", "it loads kernel code"),
    (
        "sys_rawio",
        "it gives raw access to memory and disks, around every other rule",
    ),
    (
        "mac_admin",
        "it configures the security module that enforces the sandbox",
    ),
    (
        "mac_override",
        "it overrides the security module that enforces the sandbox",
    ),
];

/// A set of Linux capabilities (bit `n` is capability number `n`).
///
/// Printed (`Display`) as the lowercase names without `CAP_`, in number
/// order, separated by spaces: `chown fowner sys_admin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Caps(u64);

impl Caps {
    /// No capability.
    pub const NONE: Caps = Caps(0);

    /// What a root child keeps unless the action adds more (see the module
    /// documentation): `chown`, `dac_override`, `dac_read_search`,
    /// `fowner`, `net_bind_service`, `audit_write`.
    pub const ROOT_DEFAULT: Caps = Caps(1 << 0 | 1 << 1 | 1 << 2 | 1 << 3 | 1 << 10 | 1 << 29);

    /// The capability called `name` (lowercase, without `CAP_`), alone.
    ///
    /// # Errors
    /// A message naming what is wrong: an unknown name (the message lists
    /// the known ones), or one of [`NOT_GRANTABLE`] (with the reason).
    pub fn grantable(name: &str) -> Result<Caps, String> {
        if let Some((_, why)) = NOT_GRANTABLE.iter().find(|(n, _)| *n == name) {
            return Err(format!("capability `{name}` cannot be granted: {why}"));
        }
        match NAMES.iter().position(|n| *n == name) {
            Some(i) => Ok(Caps(1 << i)),
            None => {
                let shown = if name.len() <= MAX_CAP_NAME_LEN + 8
                    && name.bytes().all(|b| b.is_ascii_graphic())
                {
                    format!("`{name}`")
                } else {
                    "(a long or unprintable word)".to_string()
                };
                let hint = if name.starts_with("cap_") || name.starts_with("CAP_") {
                    " (write the name without `cap_`, in lowercase: `sys_admin`)"
                } else {
                    ""
                };
                Err(format!(
                    "unknown capability {shown}{hint}; the capabilities are: {}",
                    NAMES.join(", ")
                ))
            }
        }
    }

    /// The union of both sets.
    #[must_use]
    pub fn union(self, other: Caps) -> Caps {
        Caps(self.0 | other.0)
    }

    /// True when no capability is in the set.
    #[must_use]
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// True when capability number `n` is in the set.
    #[must_use]
    pub fn contains(self, n: u32) -> bool {
        n < 64 && self.0 & (1 << n) != 0
    }

    /// The set as a bit mask (bit `n`: capability number `n`).
    #[must_use]
    pub fn bits(self) -> u64 {
        self.0
    }

    /// The names in the set, in number order.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        NAMES
            .iter()
            .enumerate()
            .filter(move |(i, _)| self.0 & (1 << i) != 0)
            .map(|(_, n)| *n)
    }
}

impl fmt::Display for Caps {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.names().collect();
        f.write_str(&names.join(" "))
    }
}

/// The highest capability number this kernel knows
/// (`/proc/sys/kernel/cap_last_cap`), read once; 63 when it cannot be
/// read (dropping an unknown capability fails with `EINVAL`, which the
/// child ignores).
pub(crate) fn last_cap() -> u32 {
    static LAST: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *LAST.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/kernel/cap_last_cap")
            .ok()
            .and_then(|s| s.trim().parse::<u32>().ok())
            .filter(|&n| n < 64)
            .unwrap_or(63)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_kernels() {
        assert_eq!(NAMES.len(), 41);
        assert_eq!(NAMES[21], "sys_admin");
        assert_eq!(NAMES[29], "audit_write");
        assert_eq!(NAMES[40], "checkpoint_restore");
        assert_eq!(NAMES.iter().map(|n| n.len()).max(), Some(MAX_CAP_NAME_LEN));
        for (n, _) in NOT_GRANTABLE {
            assert!(NAMES.contains(n), "{n}");
        }
    }

    #[test]
    fn default_and_parse() {
        assert_eq!(
            Caps::ROOT_DEFAULT.to_string(),
            "chown dac_override dac_read_search fowner net_bind_service audit_write"
        );
        let admin = Caps::grantable("sys_admin").unwrap();
        assert!(admin.contains(21) && !admin.contains(0));
        assert!(Caps::grantable("setfcap")
            .unwrap_err()
            .contains("file capabilities"));
        assert!(Caps::grantable("CAP_SYS_ADMIN")
            .unwrap_err()
            .contains("without `cap_`"));
        assert!(Caps::grantable("nope")
            .unwrap_err()
            .contains("unknown capability `nope`"));
        assert!(!Caps::ROOT_DEFAULT.contains(4), "no fsetid");
        assert!(!Caps::ROOT_DEFAULT.contains(64));
    }
}
