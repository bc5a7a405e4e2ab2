//! This process's limits, as the plan reads them.

/// The current hard limit of `resource` (`None`: unlimited or unknown).
pub(crate) fn hard_rlimit(resource: u32) -> Option<u64> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one rlimit into the valid local `lim`.
    let r = unsafe { libc::getrlimit(resource as libc::__rlimit_resource_t, &mut lim) };
    (r == 0 && lim.rlim_max != libc::RLIM_INFINITY).then_some(lim.rlim_max)
}
