//! TODO(sandbox branch): ELF interpreter. Temporary stub.
use std::path::{Path, PathBuf};

use super::SandboxError;

/// The files to execute.
///
/// # Errors
/// Never in the stub.
pub fn exec_closure(program: &Path) -> Result<Vec<PathBuf>, SandboxError> {
    Ok(vec![program.to_path_buf()])
}
