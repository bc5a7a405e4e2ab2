//! TODO(sandbox branch): seccomp compiler. Temporary stub.
use super::{NetAccess, SandboxError, SeccompSpec};

/// A compiled filter.
#[derive(Debug, Clone)]
pub struct BpfProgram(Vec<libc::sock_filter>);

impl BpfProgram {
    /// The instructions.
    pub fn instructions(&self) -> &[libc::sock_filter] {
        &self.0
    }
}

/// Compiles.
///
/// # Errors
/// Never in the stub.
pub fn compile(_spec: &SeccompSpec, _net: &NetAccess) -> Result<BpfProgram, SandboxError> {
    Ok(BpfProgram(vec![libc::sock_filter {
        code: 0x06,
        jt: 0,
        jf: 0,
        k: 0x7fff_0000,
    }]))
}

/// Whether filters are supported.
pub fn seccomp_available() -> bool {
    true
}
