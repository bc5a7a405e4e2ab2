//! One line to syslog.

use std::ffi::CStr;

/// Sends one message to syslog (`LOG_AUTHPRIV | LOG_NOTICE`, ident
/// `execward`). Interior NUL bytes are dropped.
pub(crate) fn syslog(message: &str) {
    let msg = std::ffi::CString::new(message.replace('\0', "")).unwrap_or_default();
    static IDENT: &CStr = c"execward";
    // SAFETY: `IDENT` is a static C string (openlog keeps the pointer).
    unsafe { libc::openlog(IDENT.as_ptr(), libc::LOG_PID, libc::LOG_AUTHPRIV) };
    // SAFETY: the format is a literal "%s" with exactly one C-string
    // argument, valid for the call.
    unsafe { libc::syslog(libc::LOG_NOTICE, c"%s".as_ptr(), msg.as_ptr()) };
}
