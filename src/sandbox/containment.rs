//! Process-tree containment: nothing an action starts outlives it.
//!
//! # The choice
//!
//! - **A PID namespace per action** is the lifetime bound. The action's
//!   program is process 1 of a new PID namespace; when it exits or is
//!   killed, the kernel kills every other process of the namespace:
//!   children, grandchildren, double-forked daemons, `setsid` callers and
//!   processes that ignore `SIGTERM` alike. The program is armed with
//!   `PR_SET_PDEATHSIG(SIGKILL)`, so the caller dying (even by `SIGKILL`)
//!   tears the namespace down too. When the caller is root a plain
//!   `CLONE_NEWPID` is used; otherwise a user namespace that maps only the
//!   caller's own uid and gid carries the PID namespace (no privilege is
//!   gained: the maps are identity maps of one id, `setgroups` is denied).
//! - **The namespace's own `pid_max`** is the fork-bomb bound (Linux 6.14
//!   made `kernel.pid_max` per PID namespace, checked at every level of
//!   the hierarchy). Before `execve` the child, process 1 of the new
//!   namespace, writes `pid_max = nproc + 299` and `ns_last_pid = 300`:
//!   the kernel hands out the numbers 1..299 only until its cursor first
//!   passes 300, so with the cursor moved past them every further process
//!   gets a number in `300..pid_max`, and the namespace holds at most
//!   `1 + (pid_max - 300) = nproc` processes (threads count, as in a pids
//!   cgroup), from the first fork on and however many come and go. The
//!   kernel refuses `pid_max` below 301, so `nproc=1` is rounded up to 2
//!   (said by `explain`). This costs two small writes in the child; the
//!   `pids` cgroup it replaces costs a migration (a write to
//!   `cgroup.procs`), which on cgroup v1 waits for an RCU grace period:
//!   6–15 ms for a lone request. Root ignores `RLIMIT_NPROC`, so for a
//!   root child this is the only bound; for other children it adds a
//!   per-action bound to `RLIMIT_NPROC`'s per-user one. The action cannot
//!   raise its `pid_max` unless its policy lets it write
//!   `/proc/sys/kernel` (Landlock).
//! - **A `pids` cgroup** is the fallback for a root child on a kernel
//!   without a per-namespace `pid_max` (before 6.14): `limit nproc=`
//!   becomes the cgroup's `pids.max`. cgroup v1 (a `pids` hierarchy) and
//!   v2 (a `pids` controller) are both supported; the action's cgroup is
//!   created below `<hierarchy>/execward/` and removed when the action
//!   ends. The cgroup is also used to kill every process of the action
//!   when it ends.
//! - Refusing `fork`/`clone` in seccomp was rejected: too many legitimate
//!   tools (`useradd`, `systemctl`, `tar -z`) start helpers.
//!
//! Under `sandbox required`, an action refuses to run when it cannot get a
//! PID namespace, or when it runs as root and neither a per-namespace
//! `pid_max` nor a pids cgroup is available.
//! Under `best-effort` it runs, kills its process group on exit, and
//! reports what is missing.
//!
//! Side effect worth knowing: the program is PID 1 of its namespace, so
//! signals it has no handler for are ignored when they come from inside the
//! namespace, and `SIGTERM` from outside is ignored unless the program
//! handles it; a timeout therefore ends, after the grace period, in
//! `SIGKILL`, which always works.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The cgroup version of a pids hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CgroupVersion {
    /// A cgroup v1 hierarchy with the `pids` controller.
    V1,
    /// The cgroup v2 unified hierarchy with `pids` available.
    V2,
}

/// A place where per-action pids cgroups can be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PidsHierarchy {
    /// v1 or v2.
    pub version: CgroupVersion,
    /// The directory under which action cgroups are made
    /// (`<mount>/execward`).
    pub base: PathBuf,
}

/// Finds a pids cgroup hierarchy this process can create cgroups in, and
/// prepares `<mount>/execward`. `None` when there is none or we lack the
/// permission (only root is expected to have it).
pub fn pids_hierarchy() -> Option<PidsHierarchy> {
    static FOUND: OnceLock<Option<PidsHierarchy>> = OnceLock::new();
    FOUND.get_or_init(find_pids_hierarchy).clone()
}

fn find_pids_hierarchy() -> Option<PidsHierarchy> {
    let mut info = String::new();
    File::open("/proc/self/mountinfo")
        .ok()?
        .take(1 << 20)
        .read_to_string(&mut info)
        .ok()?;
    let mut v1 = None;
    let mut v2 = None;
    for line in info.lines() {
        let Some((left, right)) = line.split_once(" - ") else {
            continue;
        };
        let Some(mount_point) = left.split(' ').nth(4) else {
            continue;
        };
        let mut r = right.split(' ');
        let fstype = r.next().unwrap_or("");
        let _source = r.next();
        let opts = r.next().unwrap_or("");
        if fstype == "cgroup" && opts.split(',').any(|o| o == "pids") {
            v1 = Some(PathBuf::from(mount_point));
        } else if fstype == "cgroup2" {
            let controllers = fs::read_to_string(Path::new(mount_point).join("cgroup.controllers"))
                .unwrap_or_default();
            if controllers.split_whitespace().any(|c| c == "pids") {
                v2 = Some(PathBuf::from(mount_point));
            }
        }
    }
    let (version, mount) = match (v2, v1) {
        (Some(m), _) => (CgroupVersion::V2, m),
        (None, Some(m)) => (CgroupVersion::V1, m),
        (None, None) => return None,
    };
    let base = mount.join("execward");
    if version == CgroupVersion::V2 {
        // The root cgroup may hold processes and still delegate controllers;
        // `execward` itself holds none.
        let _ = fs::write(mount.join("cgroup.subtree_control"), "+pids");
    }
    match fs::DirBuilder::new().mode(0o755).create(&base) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(_) => return None,
    }
    if version == CgroupVersion::V2
        && fs::write(base.join("cgroup.subtree_control"), "+pids").is_err()
    {
        return None;
    }
    remove_stale(&base);
    Some(PidsHierarchy { version, base })
}

/// Removes empty action cgroups left by processes that died.
fn remove_stale(base: &Path) {
    let Ok(entries) = fs::read_dir(base) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(rest) = name.strip_prefix("run-") else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<i32>().ok()) else {
            continue;
        };
        if !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = fs::remove_dir(e.path());
        }
    }
}

/// The cgroup of one action run. Killing and removing it happens in
/// [`ActionCgroup::kill_and_remove`] (also on drop).
#[derive(Debug)]
pub struct ActionCgroup {
    dir: PathBuf,
    version: CgroupVersion,
    procs: File,
    removed: bool,
    /// The process that made it (a forked copy must not pool it).
    owner: u32,
}

/// Empty action cgroups of this process, ready for reuse.
static POOL: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());
/// The most empty cgroups kept for reuse.
const POOL_MAX: usize = 32;

impl ActionCgroup {
    /// Makes a new cgroup with `pids.max = max_pids` and opens its
    /// `cgroup.procs` for the child to join.
    ///
    /// # Errors
    /// Any I/O error creating or configuring the cgroup.
    pub fn create(h: &PidsHierarchy, max_pids: u64) -> io::Result<ActionCgroup> {
        static SEQ: AtomicU64 = AtomicU64::new(0);
        let reused = POOL
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop()
            .filter(|d| d.starts_with(&h.base));
        let dir = match reused {
            Some(d) => d,
            None => {
                let n = SEQ.fetch_add(1, Ordering::Relaxed);
                let dir = h.base.join(format!("run-{}-{n}", std::process::id()));
                fs::DirBuilder::new().mode(0o755).create(&dir)?;
                dir
            }
        };
        let setup = || -> io::Result<File> {
            fs::write(dir.join("pids.max"), max_pids.to_string())?;
            OpenOptions::new()
                .write(true)
                .custom_flags(libc::O_CLOEXEC)
                .open(dir.join("cgroup.procs"))
        };
        match setup() {
            Ok(procs) => Ok(ActionCgroup {
                dir,
                version: h.version,
                procs,
                removed: false,
                owner: std::process::id(),
            }),
            Err(e) => {
                let _ = fs::remove_dir(&dir);
                Err(e)
            }
        }
    }

    /// The `cgroup.procs` descriptor the child writes `0` to.
    pub fn procs_fd(&self) -> std::os::fd::RawFd {
        use std::os::fd::AsRawFd;
        self.procs.as_raw_fd()
    }

    /// The cgroup's directory.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    fn pids(&self) -> Vec<i32> {
        fs::read_to_string(self.dir.join("cgroup.procs"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.trim().parse().ok())
            .collect()
    }

    /// Kills every process in the cgroup.
    pub fn kill_all(&self) {
        if self.version == CgroupVersion::V2 {
            if let Ok(mut f) = OpenOptions::new()
                .write(true)
                .open(self.dir.join("cgroup.kill"))
            {
                if f.write_all(b"1").is_ok() {
                    return;
                }
            }
        }
        // v1 (or v2 before 5.14): kill what is listed until nothing is left;
        // `pids.max` bounds how many can appear meanwhile.
        for _ in 0..100 {
            let pids = self.pids();
            if pids.is_empty() {
                return;
            }
            for pid in pids {
                let _ = nix::sys::signal::kill(
                    nix::unistd::Pid::from_raw(pid),
                    nix::sys::signal::Signal::SIGKILL,
                );
            }
        }
    }

    /// Kills every process in the cgroup and removes it, waiting up to two
    /// seconds for the processes to be gone.
    pub fn kill_and_remove(&mut self) {
        if self.removed {
            return;
        }
        self.removed = true;
        self.kill_all();
        // An empty cgroup is kept for the next action of this process
        // (saves a mkdir and an rmdir per spawn); stale ones of dead
        // processes are removed by `remove_stale`.
        if self.pids().is_empty() {
            let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
            if pool.len() < POOL_MAX && std::process::id() == self.owner {
                pool.push(self.dir.clone());
                return;
            }
        }
        let deadline = Instant::now() + Duration::from_secs(2);
        loop {
            self.kill_all();
            match fs::remove_dir(&self.dir) {
                Ok(()) => break,
                Err(e) if e.kind() == io::ErrorKind::NotFound => break,
                Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
                Err(_) => break,
            }
        }
    }
}

impl Drop for ActionCgroup {
    fn drop(&mut self) {
        self.kill_and_remove();
    }
}

/// The numbers below this are handed out in a PID namespace only until
/// its cursor first passes it (the kernel's `RESERVED_PIDS`); the lowest
/// `pid_max` the kernel accepts is one more.
pub const PID_NS_RESERVED: u64 = 300;

/// The highest `pid_max` the kernel accepts (`PID_MAX_LIMIT` on 64-bit).
pub const PID_MAX_LIMIT: u64 = 4 * 1024 * 1024;

/// The `nproc` bound of a root child whose `limit nproc=` is `inherit`
/// (root ignores `RLIMIT_NPROC`, so it would have no bound at all).
pub const ROOT_DEFAULT_NPROC: u64 = 4096;

/// A PID namespace bounded by its own `pid_max`, with the cursor moved
/// past the reserved numbers (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PidMaxBound {
    /// The value written to the namespace's `kernel.pid_max`.
    pub pid_max: u64,
    /// How many processes (and threads) the namespace can hold at once,
    /// its process 1 included: `pid_max - 299`.
    pub processes: u64,
    /// `nproc` was below what the kernel accepts and was rounded up.
    pub rounded_up: bool,
}

impl PidMaxBound {
    /// The bound for `limit nproc=nproc`: `pid_max = nproc + 299`, at
    /// least 301 (the kernel's floor) and at most [`PID_MAX_LIMIT`].
    pub fn for_nproc(nproc: u64) -> PidMaxBound {
        let floor = PID_NS_RESERVED + 1;
        let pid_max = nproc
            .saturating_add(PID_NS_RESERVED - 1)
            .clamp(floor, PID_MAX_LIMIT);
        PidMaxBound {
            pid_max,
            processes: pid_max - (PID_NS_RESERVED - 1),
            rounded_up: pid_max - (PID_NS_RESERVED - 1) > nproc,
        }
    }

    /// One line for `explain` and the report: the bound and how it is
    /// made.
    pub fn describe(&self, nproc: Option<u64>) -> String {
        let how = format!("pid_max {} of its PID namespace", self.pid_max);
        match nproc {
            Some(n) if self.rounded_up => format!(
                "at most {} ({how}; nproc={n} rounded up to the namespace floor: the kernel refuses a pid_max below {})",
                self.processes,
                PID_NS_RESERVED + 1
            ),
            Some(_) => format!("at most {} ({how})", self.processes),
            None => format!(
                "at most {} ({how}; nproc=inherit, and a root child ignores RLIMIT_NPROC)",
                self.processes
            ),
        }
    }
}

/// The kernel release as (major, minor), from `uname`.
fn kernel_release() -> Option<(u32, u32)> {
    let uts = nix::sys::utsname::uname().ok()?;
    parse_release(uts.release().to_str()?)
}

/// `"6.18.44-foo"` -> `(6, 18)`.
fn parse_release(release: &str) -> Option<(u32, u32)> {
    let mut parts = release.split(|c: char| !c.is_ascii_digit());
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

/// Set by [`simulate_kernel_without_per_namespace_pid_max`].
static NO_PER_NS_PID_MAX: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Makes this process plan as on a kernel without a per-namespace
/// `pid_max` (before Linux 6.14), so that the fallback (the pids cgroup)
/// can be tested on a newer kernel. For tests only; it never weakens a
/// plan (the fallback is as strict), it only makes spawns slower.
#[doc(hidden)]
pub fn simulate_kernel_without_per_namespace_pid_max() {
    NO_PER_NS_PID_MAX.store(true, Ordering::Relaxed);
}

/// Whether `kernel.pid_max` is per PID namespace (Linux 6.14) and the
/// namespace's cursor can be set (`kernel.ns_last_pid`,
/// `CONFIG_CHECKPOINT_RESTORE`). On an older kernel the same write from a
/// root child would set the *host's* `pid_max`, so this must be certain:
/// it is decided by the kernel release, never by trying.
pub fn per_namespace_pid_max() -> bool {
    static FOUND: OnceLock<bool> = OnceLock::new();
    let found = *FOUND.get_or_init(|| {
        kernel_release().is_some_and(|r| r >= (6, 14))
            && Path::new("/proc/sys/kernel/pid_max").exists()
            && Path::new("/proc/sys/kernel/ns_last_pid").exists()
    });
    found && !NO_PER_NS_PID_MAX.load(Ordering::Relaxed)
}

/// Whether this process can create a PID namespace directly (it is root,
/// or at least has `CAP_SYS_ADMIN`).
pub fn privileged() -> bool {
    nix::unistd::geteuid().is_root()
}

/// Whether unprivileged user namespaces can be created here (read from
/// `/proc/sys`; a last check happens at spawn time).
pub fn user_namespaces_available() -> bool {
    let max = fs::read_to_string("/proc/sys/user/max_user_namespaces")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .unwrap_or(0);
    let debian_knob = fs::read_to_string("/proc/sys/kernel/unprivileged_userns_clone")
        .map(|s| s.trim() != "0")
        .unwrap_or(true);
    max > 0 && debian_knob
}

/// One line for `execward probe`: how actions started by this process
/// would be contained, and what bounds their processes.
pub fn describe() -> String {
    let ns = if privileged() {
        "pid namespace"
    } else if user_namespaces_available() {
        "pid namespace in a user namespace"
    } else {
        "process group only (no namespaces)"
    };
    let pid_max = per_namespace_pid_max() && (privileged() || user_namespaces_available());
    let mut bound = Vec::new();
    if pid_max {
        bound.push("the namespace's own pid_max (no cgroup migration)".to_string());
    }
    if !privileged() {
        // Only root children ignore RLIMIT_NPROC, and only root can make
        // a pids cgroup.
        bound.push("RLIMIT_NPROC (no root children here)".to_string());
    } else if !pid_max {
        bound.push(match pids_hierarchy() {
            Some(h) => format!(
                "a pids cgroup {} at {} (a migration per root action: milliseconds on v1)",
                match h.version {
                    CgroupVersion::V1 => "v1",
                    CgroupVersion::V2 => "v2",
                },
                h.base.display()
            ),
            None => "nothing for root children (no per-namespace pid_max, no pids cgroup)".into(),
        });
    }
    format!("{ns}; processes bounded by {}", bound.join(" and "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_release_parses() {
        assert_eq!(parse_release("6.18.44-fc-v1098"), Some((6, 18)));
        assert_eq!(parse_release("6.14.0"), Some((6, 14)));
        assert_eq!(parse_release("5.15.0-91-generic"), Some((5, 15)));
        assert_eq!(parse_release("6.1-rc3"), Some((6, 1)));
        assert_eq!(parse_release("garbage"), None);
        assert!(parse_release("6.9").unwrap() < (6, 14));
    }

    #[test]
    fn pid_max_bound_is_nproc_exactly_above_the_floor() {
        let b = PidMaxBound::for_nproc(256);
        assert_eq!((b.pid_max, b.processes, b.rounded_up), (555, 256, false));
        let b = PidMaxBound::for_nproc(2);
        assert_eq!((b.pid_max, b.processes, b.rounded_up), (301, 2, false));
        let b = PidMaxBound::for_nproc(1);
        assert_eq!((b.pid_max, b.processes, b.rounded_up), (301, 2, true));
        assert!(b.describe(Some(1)).contains("rounded up"));
        let b = PidMaxBound::for_nproc(u64::MAX);
        assert_eq!(b.pid_max, PID_MAX_LIMIT);
        assert_eq!(b.processes, PID_MAX_LIMIT - 299);
        assert!(!b.rounded_up);
        assert_eq!(
            PidMaxBound::for_nproc(256).describe(Some(256)),
            "at most 256 (pid_max 555 of its PID namespace)"
        );
    }
}
