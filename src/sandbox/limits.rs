//! Resource limits (`limit cpu= as= nproc= nofile= fsize= output=`).
//!
//! Limits are computed in the parent into a fixed array of
//! `(resource, value)` pairs that the post-fork code installs with
//! `prlimit64` without allocating.

use std::fmt;

/// The resource limits of an action. Every field has a sane default
/// ([`Limits::default`]); `None` means "leave the inherited limit".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Limits {
    /// CPU seconds (`RLIMIT_CPU`).
    pub cpu: Option<u64>,
    /// Address-space bytes (`RLIMIT_AS`).
    pub address_space: Option<u64>,
    /// Processes of the child's user (`RLIMIT_NPROC`), and the pids bound of
    /// the action's own cgroup when one can be made (root ignores
    /// `RLIMIT_NPROC`).
    pub nproc: Option<u64>,
    /// Open files (`RLIMIT_NOFILE`).
    pub nofile: Option<u64>,
    /// Largest file the child may write (`RLIMIT_FSIZE`).
    pub fsize: Option<u64>,
    /// Bytes of stdout+stderr that reach the caller; the rest is discarded
    /// and the truncation reported.
    pub output: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            cpu: Some(60),
            address_space: Some(4 << 30),
            nproc: Some(256),
            nofile: Some(1024),
            fsize: Some(1 << 30),
            output: 16 << 20,
        }
    }
}

impl Limits {
    /// These limits with `RLIMIT_CPU` set to `seconds` (`None`: none).
    pub fn with_cpu(mut self, seconds: Option<u64>) -> Self {
        self.cpu = seconds;
        self
    }

    /// These limits with `RLIMIT_AS` set to `bytes` (`None`: none).
    pub fn with_address_space(mut self, bytes: Option<u64>) -> Self {
        self.address_space = bytes;
        self
    }

    /// These limits with `RLIMIT_NPROC` and the pids bound set to `n`
    /// (`None`: none).
    pub fn with_nproc(mut self, n: Option<u64>) -> Self {
        self.nproc = n;
        self
    }

    /// These limits with `RLIMIT_NOFILE` set to `n` (`None`: none).
    pub fn with_nofile(mut self, n: Option<u64>) -> Self {
        self.nofile = n;
        self
    }

    /// These limits with `RLIMIT_FSIZE` set to `bytes` (`None`: none).
    pub fn with_fsize(mut self, bytes: Option<u64>) -> Self {
        self.fsize = bytes;
        self
    }

    /// These limits with the output cap set to `bytes`.
    pub fn with_output(mut self, bytes: u64) -> Self {
        self.output = bytes;
        self
    }
}

/// The number of rlimits [`Limits::rlimits`] can produce (CPU, AS, NPROC,
/// NOFILE, FSIZE, and the fixed CORE, RTPRIO, NICE, MEMLOCK).
pub const MAX_RLIMITS: usize = 9;

/// `RLIMIT_MEMLOCK` of every child: 64 KiB, the kernel's historical
/// default; enough for the small `mlock` of key material some tools make,
/// far from pinning the host's memory (`mlockall` fails).
pub const CHILD_MEMLOCK: u64 = 64 << 10;

/// One `prlimit64` call prepared for the child.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RlimitSetting {
    /// The `RLIMIT_*` resource number.
    pub resource: u32,
    /// Soft and hard limit (equal).
    pub value: u64,
}

impl Limits {
    /// The rlimits to install in the child. Always included, whatever the
    /// policy says: `RLIMIT_CORE = 0` (no core dumps: they could carry
    /// secrets), `RLIMIT_RTPRIO = 0` (no real-time scheduling),
    /// `RLIMIT_NICE = 0` (no priority above the one inherited) and
    /// `RLIMIT_MEMLOCK` = 64 KiB. Without `CAP_SYS_NICE` and
    /// `CAP_IPC_LOCK`, which a root child does not keep unless the action
    /// adds them with `caps`, these hold for root children too.
    pub fn rlimits(&self) -> ([RlimitSetting; MAX_RLIMITS], usize) {
        let mut out = [RlimitSetting {
            resource: 0,
            value: 0,
        }; MAX_RLIMITS];
        let mut n = 0;
        let mut push = |resource: libc::__rlimit_resource_t, value: Option<u64>| {
            if let Some(value) = value {
                out[n] = RlimitSetting {
                    #[allow(clippy::unnecessary_cast)] // u32 on glibc, c_int elsewhere
                    resource: resource as u32,
                    value,
                };
                n += 1;
            }
        };
        push(libc::RLIMIT_CPU, self.cpu);
        push(libc::RLIMIT_AS, self.address_space);
        push(libc::RLIMIT_NPROC, self.nproc);
        push(libc::RLIMIT_NOFILE, self.nofile);
        push(libc::RLIMIT_FSIZE, self.fsize);
        push(libc::RLIMIT_CORE, Some(0));
        push(libc::RLIMIT_RTPRIO, Some(0));
        push(libc::RLIMIT_NICE, Some(0));
        push(libc::RLIMIT_MEMLOCK, Some(CHILD_MEMLOCK));
        (out, n)
    }
}

fn fmt_opt(f: &mut fmt::Formatter<'_>, name: &str, v: Option<u64>) -> fmt::Result {
    match v {
        Some(v) => write!(f, " {name}={v}"),
        None => write!(f, " {name}=inherit"),
    }
}

impl fmt::Display for Limits {
    /// Prints the limits as `cpu=60 as=4294967296 ... output=16777216`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("limits:")?;
        fmt_opt(f, "cpu", self.cpu)?;
        fmt_opt(f, "as", self.address_space)?;
        fmt_opt(f, "nproc", self.nproc)?;
        fmt_opt(f, "nofile", self.nofile)?;
        fmt_opt(f, "fsize", self.fsize)?;
        write!(f, " output={}", self.output)
    }
}

impl crate::json::ToJson for Limits {
    /// `{"cpu":60,"as":...,"nproc":...,"nofile":...,"fsize":...,"output":...}`
    /// (the policy's `limit` keys; `null`: the inherited limit).
    fn to_json(&self) -> crate::json::Json {
        use crate::json::Json;
        let n = |v: Option<u64>| Json::opt(v, Json::UInt);
        Json::Obj(vec![
            ("cpu", n(self.cpu)),
            ("as", n(self.address_space)),
            ("nproc", n(self.nproc)),
            ("nofile", n(self.nofile)),
            ("fsize", n(self.fsize)),
            ("output", Json::UInt(self.output)),
        ])
    }
}

crate::json::serialize_as_json!(Limits);
