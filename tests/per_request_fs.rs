//! `fs write {name}`: the Landlock rule covers exactly the validated path of
//! this request. Tenant A's request can write tenant A's directory and
//! nothing of tenant B's, even when the program tries.

use std::path::{Path, PathBuf};

use execward::Policy;

fn tenants(name: &str) -> (PathBuf, PathBuf, PathBuf) {
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("tenants-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let (a, b) = (root.join("a"), root.join("b"));
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    (root, a, b)
}

/// The action writes `ok` into the site of the request and then tries to
/// write `pwned` into another directory named by a second argument.
fn policy(root: &Path) -> Policy {
    let src = format!(
        r#"
type site = path beneath={root} exists=yes kind=dir
action tenant-write = /bin/sh -c 'echo data > "$1/ok"; echo data > "$2/pwned"; exit 0' sh {{site:site}} {{other:string}}
    fs write {{site}}
    fs exec /usr/bin /bin
"#,
        root = root.display()
    );
    Policy::parse(&src).unwrap_or_else(|d| panic!("{d:?}"))
}

#[test]
fn a_request_writes_only_its_own_directory() {
    let (root, a, b) = tenants("own");
    let policy = policy(&root);
    let action = policy.action("tenant-write").unwrap();

    // Tenant A's request: A's directory is writable, B's is not.
    let bound = action
        .bind(&[a.to_str().unwrap(), b.to_str().unwrap()])
        .unwrap();
    assert_eq!(bound.fs.write, vec![std::fs::canonicalize(&a).unwrap()]);
    let out = bound.command().output().unwrap();
    assert_eq!(
        out.exit_code(),
        0,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        a.join("ok").exists(),
        "the request's own directory must be writable"
    );
    assert!(
        !b.join("pwned").exists(),
        "tenant A's request wrote into tenant B's directory"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Permission denied"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Control: the rule follows the request. Tenant B's request writes B.
    let out = action
        .bind(&[b.to_str().unwrap(), a.to_str().unwrap()])
        .unwrap()
        .command()
        .output()
        .unwrap();
    assert_eq!(out.exit_code(), 0);
    assert!(b.join("ok").exists());
    assert!(
        !a.join("pwned").exists(),
        "tenant B's request wrote into tenant A's directory"
    );

    // Control: without the sandbox the same script writes both.
    let status = std::process::Command::new("/bin/sh")
        .args(["-c", r#"echo data > "$1/ok"; echo data > "$2/pwned""#, "sh"])
        .arg(&a)
        .arg(&b)
        .status()
        .unwrap();
    assert!(status.success());
    assert!(
        b.join("pwned").exists(),
        "control: the script writes the other directory unsandboxed"
    );
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn a_path_outside_the_tenant_root_is_refused_before_anything_runs() {
    let (root, a, _b) = tenants("outside");
    let policy = policy(&a);
    let action = policy.action("tenant-write").unwrap();
    // `b` lies outside `a` (the type's beneath=): refused by the validator.
    let sibling = root.join("b");
    let e = action
        .bind(&[sibling.to_str().unwrap(), "/tmp"])
        .unwrap_err();
    assert!(
        e.to_string().starts_with("invalid argument 1 (site): "),
        "{e}"
    );
    // A symlink inside A that points out of A is refused as well.
    std::fs::create_dir_all(a.join("inner")).unwrap();
    std::os::unix::fs::symlink(&sibling, a.join("inner/escape")).unwrap();
    let e = action
        .bind(&[a.join("inner/escape").to_str().unwrap(), "/tmp"])
        .unwrap_err();
    assert!(
        e.to_string().starts_with("invalid argument 1 (site): "),
        "{e}"
    );
    let _ = std::fs::remove_dir_all(&root);
}
