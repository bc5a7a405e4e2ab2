//! The host state the comparison needs, and its removal.
//!
//! - the peers (`bwrap`, `firejail`, `sudo`, `doas`) from Debian packages
//!   when they are missing (`apt-get install -y`; `apt-get update` first if
//!   that fails);
//! - `execward-helper` built in release with its policy path below
//!   [`BASE`], installed setuid root, its policy and audit log in
//!   root-owned directories;
//! - a sudoers drop-in and a `doas.conf` line letting the bench user run
//!   `/usr/bin/true` as root without a password.
//!
//! [`restore`] undoes all of it (the original `doas.conf` comes back from
//! its backup below [`BASE`]); it runs at the end, from the panic hook, on
//! SIGINT/SIGTERM/SIGHUP, and at the start of the next run, so a run that
//! was killed outright is repaired by the next one.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Everything the bench installs lives here (root-owned, 0755, on a mount
/// that honours setuid bits), except the two files in `/etc` below.
pub const BASE: &str = "/run/execward-bench";
/// Held (flock) while a run is active, so two runs do not share [`BASE`].
const LOCK: &str = "/run/execward-bench.lock";
const SUDOERS: &str = "/etc/sudoers.d/execward-bench";
const DOAS_CONF: &str = "/etc/doas.conf";
/// The bench user: the peers and the helper are run as this user.
pub const USER: &str = "nobody";
pub const UID: u32 = 65534;
pub const GID: u32 = 65534;

fn base(rel: &str) -> PathBuf {
    Path::new(BASE).join(rel)
}
fn doas_backup() -> PathBuf {
    base("doas.conf.orig")
}
fn doas_created() -> PathBuf {
    base("doas.conf.created")
}

/// Takes the run lock; `Err` if another run holds it.
pub fn lock() -> Result<nix::fcntl::Flock<fs::File>, String> {
    let f = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(LOCK)
        .map_err(|e| format!("opening {LOCK}: {e}"))?;
    nix::fcntl::Flock::lock(f, nix::fcntl::FlockArg::LockExclusiveNonblock)
        .map_err(|(_, e)| format!("another comparison run holds {LOCK} ({e})"))
}

/// Undoes everything [`install`] did (idempotent; errors are printed, the
/// rest goes on).
pub fn restore() {
    let warn = |what: &str, e: std::io::Error| {
        if e.kind() != std::io::ErrorKind::NotFound {
            eprintln!("compare: restoring host state: {what}: {e}");
        }
    };
    if doas_backup().exists() {
        if let Err(e) = fs::rename(doas_backup(), DOAS_CONF) {
            warn("putting back /etc/doas.conf", e);
        }
    } else if doas_created().exists() {
        if let Err(e) = fs::remove_file(DOAS_CONF) {
            warn("removing /etc/doas.conf", e);
        }
    }
    if let Err(e) = fs::remove_file(SUDOERS) {
        warn(SUDOERS, e);
    }
    if let Err(e) = fs::remove_dir_all(BASE) {
        warn(BASE, e);
    }
}

/// Removes the lock file (call last, after [`restore`]).
pub fn unlock() {
    let _ = fs::remove_file(LOCK);
}

/// A program found on the usual paths.
pub fn find(bin: &str) -> Option<PathBuf> {
    ["/usr/bin", "/usr/sbin", "/bin", "/sbin", "/usr/local/bin"]
        .iter()
        .map(|d| Path::new(d).join(bin))
        .find(|p| p.is_file())
}

fn apt_get(args: &[&str]) -> Result<(), String> {
    let out = Command::new("apt-get")
        .args(args)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("apt-get: {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    let err = String::from_utf8_lossy(&out.stderr);
    Err(format!(
        "apt-get {}: {}",
        args.join(" "),
        err.lines().last().unwrap_or("failed")
    ))
}

/// Installs the Debian packages of the peers that are missing (unless
/// `EXECWARD_COMPARE_NO_INSTALL=1`). Returns one line per package that
/// could not be installed.
pub fn install_peers(peers: &[(&str, &str)]) -> Vec<String> {
    let missing: Vec<&str> = peers
        .iter()
        .filter(|(bin, _)| find(bin).is_none())
        .map(|&(_, pkg)| pkg)
        .collect();
    if missing.is_empty() {
        return Vec::new();
    }
    if std::env::var("EXECWARD_COMPARE_NO_INSTALL").as_deref() == Ok("1") {
        return missing
            .iter()
            .map(|p| format!("{p}: not installed (EXECWARD_COMPARE_NO_INSTALL=1)"))
            .collect();
    }
    eprintln!("compare: installing {} (apt-get)", missing.join(" "));
    let mut all = vec!["install", "-y", "--no-install-recommends"];
    all.extend(&missing);
    if apt_get(&all).is_ok() {
        return Vec::new();
    }
    let _ = apt_get(&["update"]);
    // One at a time, so one package that cannot be had does not keep the
    // others out.
    missing
        .iter()
        .filter_map(|p| {
            apt_get(&["install", "-y", "--no-install-recommends", p])
                .err()
                .map(|e| format!("{p}: {e}"))
        })
        .collect()
}

fn mkdir_root(dir: &Path, mode: u32) -> Result<(), String> {
    fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    std::os::unix::fs::chown(dir, Some(0), Some(0))
        .and_then(|()| fs::set_permissions(dir, fs::Permissions::from_mode(mode)))
        .map_err(|e| format!("{}: {e}", dir.display()))
}

/// Writes `text` to `path` (root-owned, `mode`), through a temporary file
/// and a rename.
fn write_root(path: &Path, text: &str, mode: u32) -> Result<(), String> {
    let tmp = path.with_extension("execward-bench-tmp");
    let res = (|| {
        let _ = fs::remove_file(&tmp);
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)?;
        f.write_all(text.as_bytes())?;
        std::os::unix::fs::chown(&tmp, Some(0), Some(0))?;
        fs::set_permissions(&tmp, fs::Permissions::from_mode(mode))?;
        fs::rename(&tmp, path)
    })();
    res.map_err(|e| format!("writing {}: {e}", path.display()))
}

fn copy_root(from: &Path, to: &Path, mode: u32) -> Result<(), String> {
    let tmp = to.with_extension("tmp");
    let _ = fs::remove_file(&tmp);
    fs::copy(from, &tmp)
        .and_then(|_| std::os::unix::fs::chown(&tmp, Some(0), Some(0)))
        .and_then(|()| fs::set_permissions(&tmp, fs::Permissions::from_mode(mode)))
        .and_then(|()| fs::rename(&tmp, to))
        .map_err(|e| format!("installing {}: {e}", to.display()))
}

/// A mount that honours setuid bits and allows exec.
fn suid_capable(dir: &Path) -> bool {
    use nix::sys::statvfs::{statvfs, FsFlags};
    statvfs(dir).is_ok_and(|s| {
        !s.flags().contains(FsFlags::ST_NOSUID) && !s.flags().contains(FsFlags::ST_NOEXEC)
    })
}

/// What [`install`] put in place; an `Err` says why that part is missing.
pub struct Installed {
    /// The bench binary, executable by the bench user.
    pub exe: PathBuf,
    /// The `execward` CLI, executable by the bench user.
    pub cli: PathBuf,
    /// The CLI's policy (readable by everyone).
    pub cli_policy: PathBuf,
    /// The setuid-root helper, its policy allowing the bench user
    /// `root-true` (run-as root) and `self-true` (as the caller).
    pub helper: Result<PathBuf, String>,
    /// The sudoers drop-in is in place and `visudo` accepts it.
    pub sudo: Result<PathBuf, String>,
    /// `doas.conf` permits the bench user.
    pub doas: Result<PathBuf, String>,
}

/// The program every peer runs.
pub const TRUE: &str = "/usr/bin/true";

/// Builds `execward-helper` in release with its policy path fixed below
/// [`BASE`] (in its own target directory, so the bench's own build is not
/// invalidated).
fn build_helper(policy: &Path) -> Result<PathBuf, String> {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("compare-helper-build");
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    eprintln!(
        "compare: building execward-helper (release, policy path {})",
        policy.display()
    );
    let out = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["build", "--release", "--quiet", "--bin", "execward-helper"])
        .arg("--manifest-path")
        .arg(&manifest)
        .arg("--target-dir")
        .arg(&target)
        .env("EXECWARD_POLICY", policy)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_MAKEFLAGS")
        .env_remove("MAKEFLAGS")
        .env_remove("MFLAGS")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("running cargo build: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "cargo build --bin execward-helper failed: {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .find(|l| l.starts_with("error"))
                .unwrap_or("see cargo")
        ));
    }
    Ok(target.join("release").join("execward-helper"))
}

/// Installs what the comparison runs (see the module docs).
pub fn install(cli_built: &Path) -> Result<Installed, String> {
    mkdir_root(Path::new(BASE), 0o755)?;
    if !suid_capable(Path::new(BASE)) {
        return Err(format!("{BASE} is on a nosuid or noexec mount"));
    }
    for d in ["bin", "etc", "log"] {
        mkdir_root(&base(d), 0o755)?;
    }
    let exe = base("bin/compare");
    let me = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    copy_root(&me, &exe, 0o755)?;
    let cli = base("bin/execward");
    copy_root(cli_built, &cli, 0o755)?;
    let cli_policy = base("etc/cli.policy");
    write_root(&cli_policy, &format!("action noop = {TRUE}\n"), 0o644)?;

    let helper_policy = base("etc/policy");
    write_root(
        &helper_policy,
        &format!(
            "audit file {audit}\n\
             action root-true = {TRUE}\n    allow uid={UID}\n    run-as root\n\
             action self-true = {TRUE}\n    allow uid={UID}\n",
            audit = base("log/audit.jsonl").display()
        ),
        0o644,
    )?;
    let helper = build_helper(&helper_policy).and_then(|built| {
        let dst = base("bin/execward-helper");
        copy_root(&built, &dst, 0o4755)?;
        Ok(dst)
    });

    let sudo = match find("sudo") {
        None => Err("sudo is not installed".to_string()),
        Some(sudo) => write_root(
            Path::new(SUDOERS),
            &format!("{USER} ALL=(root) NOPASSWD: {TRUE}\n"),
            0o440,
        )
        .and_then(|()| {
            let ok = find("visudo").is_some_and(|v| {
                Command::new(v)
                    .args(["-c", "-q", "-f", SUDOERS])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .is_ok_and(|s| s.success())
            });
            if ok {
                Ok(sudo)
            } else {
                Err(format!("visudo refuses {SUDOERS}"))
            }
        }),
    };

    let doas = match find("doas") {
        None => Err("doas is not installed".to_string()),
        Some(doas) => {
            let line = format!("permit nopass {USER} as root cmd {TRUE}\n");
            let old = match fs::read_to_string(DOAS_CONF) {
                Ok(old) => {
                    // Keep the original (mode and owner too) to put back.
                    if !doas_backup().exists() {
                        let meta = fs::metadata(DOAS_CONF).map_err(|e| e.to_string())?;
                        fs::copy(DOAS_CONF, doas_backup())
                            .and_then(|_| {
                                std::os::unix::fs::chown(
                                    doas_backup(),
                                    Some(meta.uid()),
                                    Some(meta.gid()),
                                )
                            })
                            .map_err(|e| format!("backing up {DOAS_CONF}: {e}"))?;
                    }
                    old
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    fs::write(doas_created(), b"").map_err(|e| e.to_string())?;
                    String::new()
                }
                Err(e) => return Err(format!("reading {DOAS_CONF}: {e}")),
            };
            let sep = if old.is_empty() || old.ends_with('\n') {
                ""
            } else {
                "\n"
            };
            write_root(Path::new(DOAS_CONF), &format!("{old}{sep}{line}"), 0o600).map(|()| doas)
        }
    };

    Ok(Installed {
        exe,
        cli,
        cli_policy,
        helper,
        sudo,
        doas,
    })
}
