//! What the running kernel supports (`execward probe`).
//!
//! [`probe`] has no side effects besides reading files under `/proc` and
//! Landlock version queries (`landlock_create_ruleset(NULL, 0,
//! LANDLOCK_CREATE_RULESET_VERSION)`).

use std::fmt;
use std::path::Path;

/// The kernel features execward can use, as detected by [`probe`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct KernelSupport {
    /// The Landlock ABI in effect (the lower of the kernel's and the
    /// highest the `landlock` crate knows), `None` if Landlock is
    /// unavailable. See [`super::landlock::abi_version`].
    pub landlock_abi: Option<u32>,
    /// seccomp filters with the actions execward uses. See
    /// [`super::seccomp::seccomp_available`].
    pub seccomp_filter: bool,
    /// Unprivileged user namespaces can be created:
    /// `/proc/sys/user/max_user_namespaces` is above 0, and neither
    /// `/proc/sys/kernel/unprivileged_userns_clone` (Debian) nor
    /// `/proc/sys/kernel/apparmor_restrict_unprivileged_userns` (Ubuntu
    /// 24.04) forbids it, where those files exist.
    pub user_namespaces: bool,
    /// PID namespaces are available (`/proc/self/ns/pid` exists).
    pub pid_namespaces: bool,
    /// `/proc/sys/dev/tty/legacy_tiocsti` (Linux 6.2+): `Some(true)` when
    /// `TIOCSTI` still injects input, `Some(false)` when the kernel refuses
    /// it, `None` when the setting does not exist (older kernels: injection
    /// possible). execward's seccomp filter refuses `TIOCSTI` either way.
    pub tiocsti_legacy: Option<bool>,
    /// How process trees are contained, filled in by the containment layer
    /// (printed as `containment: ...` when set).
    pub containment: Option<String>,
}

/// Reads a `/proc` file holding one integer.
fn read_int(path: &str) -> Option<i64> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// Detects what the running kernel supports.
///
/// Never fails: a file that cannot be read counts as "not supported",
/// except the optional knobs (`unprivileged_userns_clone`,
/// `apparmor_restrict_unprivileged_userns`, `legacy_tiocsti`), whose absence
/// means the kernel does not have that restriction. `containment` is left
/// `None`.
pub fn probe() -> KernelSupport {
    let max_userns = read_int("/proc/sys/user/max_user_namespaces").unwrap_or(0);
    let unpriv_clone = read_int("/proc/sys/kernel/unprivileged_userns_clone").unwrap_or(1);
    let apparmor_restrict =
        read_int("/proc/sys/kernel/apparmor_restrict_unprivileged_userns").unwrap_or(0);
    KernelSupport {
        landlock_abi: super::landlock::abi_version(),
        seccomp_filter: super::seccomp::seccomp_available(),
        user_namespaces: max_userns > 0 && unpriv_clone != 0 && apparmor_restrict == 0,
        pid_namespaces: Path::new("/proc/self/ns/pid").exists(),
        tiocsti_legacy: read_int("/proc/sys/dev/tty/legacy_tiocsti").map(|v| v != 0),
        containment: None,
    }
}

impl fmt::Display for KernelSupport {
    /// Stable lines, e.g.:
    ///
    /// ```text
    /// landlock: ABI 7
    /// seccomp: filter supported
    /// namespaces: user yes, pid yes
    /// ```
    ///
    /// (`landlock: unavailable`, `seccomp: unavailable`), then
    /// `containment: ...` when set. No trailing newline.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let yes = |b: bool| if b { "yes" } else { "no" };
        match self.landlock_abi {
            Some(abi) => writeln!(f, "landlock: ABI {abi}")?,
            None => writeln!(f, "landlock: unavailable")?,
        }
        if self.seccomp_filter {
            writeln!(f, "seccomp: filter supported")?;
        } else {
            writeln!(f, "seccomp: unavailable")?;
        }
        write!(
            f,
            "namespaces: user {}, pid {}",
            yes(self.user_namespaces),
            yes(self.pid_namespaces)
        )?;
        if let Some(c) = &self.containment {
            write!(f, "\ncontainment: {c}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_stable() {
        let k = KernelSupport {
            landlock_abi: Some(7),
            seccomp_filter: true,
            user_namespaces: true,
            pid_namespaces: true,
            tiocsti_legacy: Some(true),
            containment: None,
        };
        assert_eq!(
            k.to_string(),
            "landlock: ABI 7\nseccomp: filter supported\nnamespaces: user yes, pid yes"
        );
        let k = KernelSupport {
            containment: Some("pid-namespace".into()),
            ..KernelSupport::default()
        };
        assert_eq!(
            k.to_string(),
            "landlock: unavailable\nseccomp: unavailable\nnamespaces: user no, pid no\ncontainment: pid-namespace"
        );
    }
}
