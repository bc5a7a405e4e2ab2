//! TODO(sandbox branch): kernel probe. Temporary stub.
use std::fmt;

/// What the kernel supports.
#[derive(Debug, Clone, Default)]
pub struct KernelSupport {
    /// Landlock ABI.
    pub landlock_abi: Option<u32>,
    /// seccomp filters.
    pub seccomp_filter: bool,
    /// user namespaces.
    pub user_namespaces: bool,
    /// pid namespaces.
    pub pid_namespaces: bool,
    /// legacy TIOCSTI.
    pub tiocsti_legacy: Option<bool>,
    /// containment line.
    pub containment: Option<String>,
}

/// Probes.
pub fn probe() -> KernelSupport {
    KernelSupport::default()
}

impl fmt::Display for KernelSupport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "landlock: unavailable")?;
        if let Some(c) = &self.containment {
            writeln!(f, "containment: {c}")?;
        }
        Ok(())
    }
}
