//! TODO(sandbox branch): Landlock ruleset. Temporary stub.
use std::os::fd::OwnedFd;
use std::path::PathBuf;

use super::{FsAccess, NetAccess, SandboxError, SandboxMode, SandboxReport};

/// Prepares.
///
/// # Errors
/// Never in the stub.
pub fn prepare(
    _fs: &FsAccess,
    _net: &NetAccess,
    _always_exec: &[PathBuf],
    _needs_signal_scope: bool,
    _mode: SandboxMode,
    _report: &mut SandboxReport,
) -> Result<Option<OwnedFd>, SandboxError> {
    Ok(None)
}
