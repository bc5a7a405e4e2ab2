//! Random numbers from the kernel (request ids of the audit log).

use std::io;

/// Eight random bytes from `getrandom(2)` (the kernel's pool; never blocks
/// once the pool is initialised, which it is long before any request).
pub(crate) fn random_u64() -> io::Result<u64> {
    let mut buf = [0u8; 8];
    // SAFETY: getrandom writes at most `buf.len()` bytes into the valid,
    // exclusively borrowed local buffer.
    let n = unsafe { libc::getrandom(buf.as_mut_ptr().cast(), buf.len(), 0) };
    if n != buf.len() as isize {
        return Err(io::Error::last_os_error());
    }
    Ok(u64::from_ne_bytes(buf))
}
