//! The Landlock ruleset, created in the parent.
//!
//! [`prepare`] builds a Landlock ruleset from an action's `fs` and `net`
//! options with the `landlock` crate and returns its file descriptor. It does
//! **not** restrict anything: the post-fork code calls
//! `prctl(PR_SET_NO_NEW_PRIVS)` and `landlock_restrict_self(fd, 0)` with raw
//! system calls in the child. The descriptor is close-on-exec (the kernel
//! creates it so), so it does not leak into the program.
//!
//! # ABI
//!
//! The ABI used is the highest one that both the kernel and the `landlock`
//! crate know ([`abi_version`]). The crate keeps its own version query
//! private (`LandlockStatus::current()` is not public in 0.4.8), so the ABI
//! is found through the crate's public compatibility checks: with
//! `CompatLevel::HardRequirement`, requesting the rights (or `restrict_self`
//! flags) that ABI *n* introduced fails exactly when the kernel is older than
//! *n*. This only issues the harmless
//! `landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION)` query.
//! The ruleset is then built with `HardRequirement`, for exactly the rights
//! of that ABI, so the crate never drops anything silently: what the kernel
//! lacks is decided here, explicitly, and either refused (`sandbox
//! required`) or listed in [`SandboxReport::missing`] (`best-effort`).
//!
//! # Rights
//!
//! Handled (denied unless granted): every filesystem right of the ABI, except
//! `ResolveUnix` (ABI 9, connecting to pathname Unix sockets) when `net unix`
//! or `net any` allows Unix sockets, since the policy cannot name sockets.
//!
//! | rule | granted on directories | on other files |
//! | --- | --- | --- |
//! | `fs read PATH` | `ReadFile`, `ReadDir` | `ReadFile` |
//! | `fs write PATH` | read + every write right of the ABI except `MakeBlock`, `MakeChar` (a root child must never `mknod` a raw disk or memory device into a writable directory), `IoctlDev` and `ResolveUnix` | `ReadFile`, `WriteFile`, `Truncate` |
//! | `fs exec PATH` | `Execute`, `ReadFile`, `ReadDir` | `Execute`, `ReadFile` |
//! | the program, its ELF interpreter, a script's interpreter (`always_exec`) | refused: must be files | `Execute`, `ReadFile` |
//! | `/dev/null` (implicit) | | `ReadFile`, `WriteFile` |
//! | `/dev/zero`, `/dev/urandom`, `/dev/random` (implicit) | | `ReadFile` |
//!
//! `/dev/full`, `/dev/tty` and `/proc` are not implicit: panel tools have no
//! use for the first two, and `/proc` exposes other processes (add
//! `fs read /proc` if a tool needs it). Writing a file beneath `fs write`
//! never makes it executable. On ABI 1, renaming or linking a file into
//! another directory is always refused (the `Refer` right arrived in ABI 2).
//!
//! Known limit: Landlock does not mediate files on kernel-internal
//! filesystems, so a child that can already run arbitrary code (an allowed
//! interpreter) can write a binary into a `memfd_create` file and execute it
//! (measured on Linux 6.18). Data-only abuse of an allowed program cannot do
//! this; the `strict` seccomp profile does not allow `memfd_create`, and the
//! system-wide `vm.memfd_noexec = 2` sysctl closes it for every process.
//!
//! A rule on a file that is not a directory may only carry file rights
//! (`Execute`, `WriteFile`, `ReadFile`, `Truncate`, `IoctlDev`); the kind is
//! taken from `fstat` of the opened descriptor.
//!
//! # Paths
//!
//! Every path is opened with `O_PATH` in the parent, **following symlinks**:
//! the rule attaches to the inode that the path names *now* (e.g. `/lib64`
//! on a merged-`/usr` system becomes a rule on `/usr/lib64`). A path that
//! does not exist is an error ([`SandboxError::RulePath`]) except for the
//! entries of the default read set [`FsAccess::DEFAULT_READ`] (e.g. `/lib64`
//! does not exist on aarch64) and the implicit device files, which are
//! skipped.
//!
//! # Network and scopes
//!
//! Unless `net any`, TCP `bind`/`connect` are handled (ABI 4), with a
//! `NetPort` rule per `net connect` port (`ConnectTcp`) and per `net bind`
//! port (`BindTcp`); on ABI 10 UDP is handled too and never granted (seccomp
//! refuses UDP sockets anyway). With ABI < 4, TCP ports cannot be restricted:
//! when the policy allows some TCP port that is a missing protection
//! ("Landlock TCP port rules (ABI 4)"), since seccomp then lets the child
//! create TCP sockets for any port; when it allows none, seccomp already
//! refuses inet sockets and nothing is missing.
//!
//! Scopes (ABI 6): signals are always scoped (the child cannot signal
//! processes outside its sandbox); abstract Unix sockets are scoped unless
//! `net any`. With ABI < 6, "Landlock scopes (ABI 6)" is missing when
//! abstract sockets are reachable and would have been scoped (`net unix`
//! without `net any`; other `net` settings refuse `AF_UNIX` sockets in
//! seccomp) or when the caller says the signal scope is needed.

use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

use ::landlock::{
    make_bitflags, Access, AccessFs, AccessNet, BitFlags, CompatLevel, Compatible, NetPort,
    PathBeneath, RestrictSelf, RestrictSelfAttr, Ruleset, RulesetAttr, RulesetCreatedAttr, Scope,
    ABI,
};
use nix::fcntl::OFlag;
use nix::sys::stat::{Mode, SFlag};

use super::{FsAccess, NetAccess, SandboxError, SandboxMode, SandboxReport};

/// What is missing when the kernel has no Landlock at all.
pub const MISSING_LANDLOCK: &str = "Landlock";
/// What is missing when TCP ports are allowed but the ABI is below 4.
pub const MISSING_TCP: &str = "Landlock TCP port rules (ABI 4)";
/// What is missing when scopes are needed but the ABI is below 6.
pub const MISSING_SCOPES: &str = "Landlock scopes (ABI 6)";

/// Implicit device rules: path and whether it is writable.
const DEVICES: &[(&str, bool)] = &[
    ("/dev/null", true),
    ("/dev/zero", false),
    ("/dev/urandom", false),
    ("/dev/random", false),
];

/// The rights a rule on a non-directory may carry.
const FILE_RIGHTS: BitFlags<AccessFs> =
    make_bitflags!(AccessFs::{Execute | WriteFile | ReadFile | Truncate | IoctlDev});

/// The ABIs known to the `landlock` crate, newest first.
const KNOWN_ABIS: &[ABI] = &[
    ABI::V10,
    ABI::V9,
    ABI::V8,
    ABI::V7,
    ABI::V6,
    ABI::V5,
    ABI::V4,
    ABI::V3,
    ABI::V2,
    ABI::V1,
];

/// Whether the running kernel supports everything ABI `abi` introduced,
/// asked through the crate's `HardRequirement` checks (no ruleset is
/// created, nothing is restricted).
fn kernel_supports(abi: ABI) -> bool {
    let hard = CompatLevel::HardRequirement;
    match abi {
        // V7 and V8 add no access right, only landlock_restrict_self() flags.
        ABI::V7 => RestrictSelf::default()
            .set_compatibility(hard)
            .log_subdomains(false)
            .is_ok(),
        ABI::V8 => RestrictSelf::default()
            .set_compatibility(hard)
            .all_threads(true)
            .is_ok(),
        _ => {
            let fs = AccessFs::from_all(abi);
            let net = AccessNet::from_all(abi);
            let scopes = Scope::from_all(abi);
            let mut r = Ruleset::default().set_compatibility(hard).handle_access(fs);
            if !net.is_empty() {
                r = r.and_then(|r| r.handle_access(net));
            }
            if !scopes.is_empty() {
                r = r.and_then(|r| r.scope(scopes));
            }
            r.is_ok()
        }
    }
}

/// The effective ABI: the highest that both the kernel and the crate know.
fn effective_abi() -> Option<ABI> {
    KNOWN_ABIS.iter().copied().find(|&abi| kernel_supports(abi))
}

/// The Landlock ABI version in effect on this kernel (the lower of the
/// kernel's and the highest the `landlock` crate knows), or `None` if
/// Landlock is not available (not built in, or disabled at boot).
///
/// Side effects: only `landlock_create_ruleset(NULL, 0, VERSION)` queries.
pub fn abi_version() -> Option<u32> {
    effective_abi().map(|abi| abi as u32)
}

/// Where a rule comes from: decides what happens when its path is missing
/// or is a directory.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// An `fs` rule; a path of the default read set may be missing.
    Policy,
    /// An implicit device file; may be missing.
    Device,
    /// The program or an interpreter: must exist and be a file.
    AlwaysExec,
}

fn degrade(mode: SandboxMode, report: &mut SandboxReport, what: &str) -> Result<(), SandboxError> {
    match mode {
        SandboxMode::Required => Err(SandboxError::Unsupported { what: what.into() }),
        SandboxMode::BestEffort => {
            report.missing.push(what.into());
            Ok(())
        }
    }
}

fn ll_err(context: &str, e: impl std::fmt::Display) -> SandboxError {
    SandboxError::Landlock(format!("{context}: {e}"))
}

/// Opens `path` (following symlinks) and returns the descriptor and
/// whether it is a directory; `Ok(None)` when a missing path may be
/// skipped.
fn open_rule_path(path: &Path, origin: Origin) -> Result<Option<(OwnedFd, bool)>, SandboxError> {
    let rule_err = |source: std::io::Error| SandboxError::RulePath {
        path: path.to_path_buf(),
        source,
    };
    let fd = match nix::fcntl::open(path, OFlag::O_PATH | OFlag::O_CLOEXEC, Mode::empty()) {
        Ok(fd) => fd,
        Err(nix::errno::Errno::ENOENT) if may_be_missing(path, origin) => return Ok(None),
        Err(e) => return Err(rule_err(e.into())),
    };
    let st = nix::sys::stat::fstat(&fd).map_err(|e| rule_err(e.into()))?;
    let is_dir = SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT == SFlag::S_IFDIR;
    if is_dir && origin == Origin::AlwaysExec {
        return Err(rule_err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "a program or interpreter must be a file, not a directory",
        )));
    }
    Ok(Some((fd, is_dir)))
}

fn may_be_missing(path: &Path, origin: Origin) -> bool {
    match origin {
        Origin::Device => true,
        Origin::Policy => FsAccess::DEFAULT_READ.iter().any(|d| Path::new(d) == path),
        Origin::AlwaysExec => false,
    }
}

/// The decisions of [`prepare`] for one ABI and `net` policy: what is
/// handled and what each kind of rule grants. Pure data, computed without
/// touching the kernel.
#[derive(Debug, PartialEq, Eq)]
struct Plan {
    handled_fs: BitFlags<AccessFs>,
    handled_net: BitFlags<AccessNet>,
    scopes: BitFlags<Scope>,
    /// `fs read`.
    read: BitFlags<AccessFs>,
    /// `fs write`.
    write: BitFlags<AccessFs>,
    /// `fs exec`.
    exec: BitFlags<AccessFs>,
    /// `always_exec` files.
    run: BitFlags<AccessFs>,
}

impl Plan {
    /// Decides for `abi`; records (best-effort) or refuses (required) what
    /// the ABI lacks for this run.
    fn new(
        abi: ABI,
        net: &NetAccess,
        needs_signal_scope: bool,
        mode: SandboxMode,
        report: &mut SandboxReport,
    ) -> Result<Plan, SandboxError> {
        if !net.any && abi < ABI::V4 && net.wants_tcp() {
            degrade(mode, report, MISSING_TCP)?;
        }
        if abi < ABI::V6 && ((net.unix && !net.any) || needs_signal_scope) {
            degrade(mode, report, MISSING_SCOPES)?;
        }

        let mut handled_fs = AccessFs::from_all(abi);
        if net.unix || net.any {
            // Unix sockets are allowed and the policy cannot name them.
            handled_fs &= !BitFlags::from(AccessFs::ResolveUnix);
        }
        let handled_net = if net.any {
            BitFlags::EMPTY
        } else {
            AccessNet::from_all(abi)
        };
        let mut scopes = Scope::from_all(abi) & Scope::Signal;
        if !net.any {
            scopes |= Scope::from_all(abi) & Scope::AbstractUnixSocket;
        }

        let read = AccessFs::ReadFile | AccessFs::ReadDir;
        let write = read
            | (AccessFs::from_write(abi)
                & handled_fs
                & !(AccessFs::MakeBlock
                    | AccessFs::MakeChar
                    | AccessFs::IoctlDev
                    | AccessFs::ResolveUnix));
        Ok(Plan {
            handled_fs,
            handled_net,
            scopes,
            read,
            write,
            exec: AccessFs::Execute | AccessFs::ReadFile | AccessFs::ReadDir,
            run: AccessFs::Execute | AccessFs::ReadFile,
        })
    }
}

/// Prepares the Landlock ruleset of one run and returns its descriptor,
/// for `landlock_restrict_self(fd, 0)` in the child. Nothing is restricted
/// here.
///
/// - `fs`, `net`: the action's rules, paths already resolved;
/// - `always_exec`: files that must be executable, normally
///   [`super::elf::exec_closure`] of the program;
/// - `needs_signal_scope`: whether a missing signal scope (ABI < 6) matters
///   for this run;
/// - `mode`: refuse or degrade when the kernel lacks something;
/// - `report`: receives `landlock_abi`, `landlock`, `landlock_net`,
///   `landlock_scopes` and, under `best-effort`, `missing`.
///
/// Returns `Ok(None)` only under `best-effort` when Landlock is unavailable.
/// See the module documentation for the rights granted.
///
/// # Errors
///
/// - [`SandboxError::Unsupported`] under `sandbox required` when the kernel
///   has no Landlock, or lacks TCP port rules (ABI 4) or scopes (ABI 6) that
///   this run needs;
/// - [`SandboxError::RulePath`] when a path cannot be opened (missing paths
///   are skipped only for the default read set and the implicit devices),
///   or when an `always_exec` path is a directory;
/// - [`SandboxError::Landlock`] when the crate or the kernel refuses the
///   ruleset.
pub fn prepare(
    fs: &FsAccess,
    net: &NetAccess,
    always_exec: &[PathBuf],
    needs_signal_scope: bool,
    mode: SandboxMode,
    report: &mut SandboxReport,
) -> Result<Option<OwnedFd>, SandboxError> {
    report.landlock = false;
    report.landlock_net = false;
    report.landlock_scopes = false;
    let Some(abi) = effective_abi() else {
        report.landlock_abi = None;
        degrade(mode, report, MISSING_LANDLOCK)?;
        return Ok(None);
    };
    report.landlock_abi = Some(abi as u32);
    let plan = Plan::new(abi, net, needs_signal_scope, mode, report)?;

    let hard = CompatLevel::HardRequirement;
    let mut ruleset = Ruleset::default()
        .set_compatibility(hard)
        .handle_access(plan.handled_fs)
        .map_err(|e| ll_err("handled filesystem rights", e))?;
    if !plan.handled_net.is_empty() {
        ruleset = ruleset
            .handle_access(plan.handled_net)
            .map_err(|e| ll_err("handled network rights", e))?;
    }
    if !plan.scopes.is_empty() {
        ruleset = ruleset
            .scope(plan.scopes)
            .map_err(|e| ll_err("scopes", e))?;
    }
    let handled_fs = plan.handled_fs;
    let handle_net = !plan.handled_net.is_empty();
    let (read, write, exec, run) = (plan.read, plan.write, plan.exec, plan.run);

    let mut grants: Vec<(&Path, BitFlags<AccessFs>, Origin)> = Vec::new();
    grants.extend(fs.read.iter().map(|p| (p.as_path(), read, Origin::Policy)));
    grants.extend(
        fs.write
            .iter()
            .map(|p| (p.as_path(), write, Origin::Policy)),
    );
    grants.extend(fs.exec.iter().map(|p| (p.as_path(), exec, Origin::Policy)));
    grants.extend(
        always_exec
            .iter()
            .map(|p| (p.as_path(), run, Origin::AlwaysExec)),
    );
    for &(dev, writable) in DEVICES {
        let rights = if writable {
            AccessFs::ReadFile | AccessFs::WriteFile
        } else {
            AccessFs::ReadFile.into()
        };
        grants.push((Path::new(dev), rights, Origin::Device));
    }

    // Open every path before creating the ruleset: a bad path fails early.
    let mut rules = Vec::with_capacity(grants.len());
    for (path, rights, origin) in grants {
        if let Some((fd, is_dir)) = open_rule_path(path, origin)? {
            let rights = if is_dir { rights } else { rights & FILE_RIGHTS };
            rules.push((path, PathBeneath::new(fd, rights & handled_fs)));
        }
    }

    let mut created = ruleset.create().map_err(|e| ll_err("create", e))?;
    for (path, rule) in rules {
        created = created
            .add_rule(rule)
            .map_err(|e| ll_err(&format!("rule for {}", path.display()), e))?;
    }
    if handle_net {
        for &port in &net.connect {
            created = created
                .add_rule(NetPort::new(port, AccessNet::ConnectTcp))
                .map_err(|e| ll_err(&format!("connect rule for TCP port {port}"), e))?;
        }
        for &port in &net.bind {
            created = created
                .add_rule(NetPort::new(port, AccessNet::BindTcp))
                .map_err(|e| ll_err(&format!("bind rule for TCP port {port}"), e))?;
        }
    }

    let fd: Option<OwnedFd> = created.into();
    let Some(fd) = fd else {
        // Only possible if the crate degraded despite HardRequirement.
        return Err(SandboxError::Landlock(
            "the landlock crate created no ruleset descriptor".into(),
        ));
    };
    report.landlock = true;
    report.landlock_net = handle_net;
    report.landlock_scopes = !plan.scopes.is_empty();
    Ok(Some(fd))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(
        abi: ABI,
        net: &NetAccess,
        signal: bool,
        mode: SandboxMode,
    ) -> (Result<Plan, SandboxError>, Vec<String>) {
        let mut report = SandboxReport::default();
        let p = Plan::new(abi, net, signal, mode, &mut report);
        (p, report.missing)
    }

    fn tcp() -> NetAccess {
        NetAccess {
            connect: [443].into_iter().collect(),
            ..NetAccess::none()
        }
    }

    fn unix() -> NetAccess {
        NetAccess {
            unix: true,
            ..NetAccess::none()
        }
    }

    fn any() -> NetAccess {
        NetAccess {
            any: true,
            ..NetAccess::none()
        }
    }

    #[test]
    fn tcp_ports_need_abi_4() {
        let (p, _) = plan(ABI::V3, &tcp(), false, SandboxMode::Required);
        assert!(matches!(p, Err(SandboxError::Unsupported { what }) if what == MISSING_TCP));
        let (p, missing) = plan(ABI::V3, &tcp(), false, SandboxMode::BestEffort);
        assert!(p.unwrap().handled_net.is_empty());
        assert_eq!(missing, [MISSING_TCP]);
        // No TCP wanted: seccomp refuses inet sockets, nothing is missing.
        let (p, missing) = plan(ABI::V3, &NetAccess::none(), false, SandboxMode::Required);
        assert!(p.is_ok() && missing.is_empty());
        let (p, missing) = plan(ABI::V4, &tcp(), false, SandboxMode::Required);
        assert_eq!(
            p.unwrap().handled_net,
            AccessNet::BindTcp | AccessNet::ConnectTcp
        );
        assert!(missing.is_empty());
        // net any: nothing handled, nothing missing.
        let (p, missing) = plan(ABI::V3, &any(), false, SandboxMode::Required);
        assert!(p.unwrap().handled_net.is_empty() && missing.is_empty());
        // ABI 10 also handles UDP (never granted).
        let (p, _) = plan(ABI::V10, &tcp(), false, SandboxMode::Required);
        assert_eq!(p.unwrap().handled_net, AccessNet::from_all(ABI::V10));
    }

    #[test]
    fn scopes_need_abi_6_only_when_they_matter() {
        let req = SandboxMode::Required;
        for (net, signal, matters) in [
            (NetAccess::none(), false, false),
            (NetAccess::none(), true, true),
            (unix(), false, true),
            (tcp(), false, false),
            (any(), false, false),
        ] {
            let (p, _) = plan(ABI::V5, &net, signal, req);
            assert_eq!(p.is_err(), matters, "net {net}, signal {signal}");
            let (p, missing) = plan(ABI::V5, &net, signal, SandboxMode::BestEffort);
            assert!(p.unwrap().scopes.is_empty());
            assert_eq!(missing.contains(&MISSING_SCOPES.to_string()), matters);
        }
        let (p, _) = plan(ABI::V6, &unix(), true, req);
        assert_eq!(p.unwrap().scopes, Scope::Signal | Scope::AbstractUnixSocket);
        let (p, _) = plan(ABI::V6, &any(), true, req);
        assert_eq!(p.unwrap().scopes, BitFlags::from(Scope::Signal));
    }

    #[test]
    fn granted_rights_for_every_abi() {
        for &abi in KNOWN_ABIS {
            for net in [NetAccess::none(), unix(), any()] {
                let p = plan(abi, &net, false, SandboxMode::BestEffort).0.unwrap();
                for rights in [p.read, p.write, p.exec, p.run] {
                    assert!(p.handled_fs.contains(rights), "{abi:?}: {rights:?}");
                }
                for never in [
                    AccessFs::MakeBlock,
                    AccessFs::MakeChar,
                    AccessFs::IoctlDev,
                    AccessFs::ResolveUnix,
                    AccessFs::Execute,
                ] {
                    assert!(!p.write.contains(never), "{abi:?}: write has {never:?}");
                }
                assert!(!p.read.contains(AccessFs::Execute));
                assert!(p.write.contains(AccessFs::WriteFile | AccessFs::MakeReg));
                assert_eq!(
                    p.handled_fs.contains(AccessFs::ResolveUnix),
                    abi >= ABI::V9 && !net.unix && !net.any
                );
            }
        }
    }
}
