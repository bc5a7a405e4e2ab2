//! Fixes the policy path of `execward-helper` at build time (SPEC
//! "execward-helper"): `/etc/execward/policy`, or `EXECWARD_POLICY` from the
//! build environment. Nothing at run time can change it: the path reaches
//! the code as a compile-time constant (`EXECWARD_HELPER_POLICY`), never
//! through the helper's own environment.
//!
//! The path must be absolute and plain: no empty, `.` or `..` component, no
//! trailing `/`, no NUL or control character, at most 4096 bytes. The
//! helper walks it component by component and refuses symlinks, so an
//! unusual spelling could only make it refuse at run time; failing the
//! build says so earlier.

use std::process::exit;

const DEFAULT_POLICY: &str = "/etc/execward/policy";

fn check(path: &str) -> Result<(), String> {
    if !path.starts_with('/') {
        return Err("is not an absolute path".into());
    }
    if path.len() > 4096 {
        return Err("is longer than 4096 bytes".into());
    }
    if path.chars().any(char::is_control) {
        return Err("holds a control character".into());
    }
    let rest = &path[1..];
    if rest.is_empty() {
        return Err("names the root directory, not a file".into());
    }
    for comp in rest.split('/') {
        match comp {
            "" => return Err("has an empty component (`//` or a trailing `/`)".into()),
            "." | ".." => return Err(format!("has a `{comp}` component")),
            _ => {}
        }
    }
    Ok(())
}

fn main() {
    println!("cargo:rerun-if-env-changed=EXECWARD_POLICY");
    println!("cargo:rerun-if-changed=build.rs");
    let path = match std::env::var_os("EXECWARD_POLICY") {
        None => DEFAULT_POLICY.to_string(),
        Some(v) => match v.into_string() {
            Ok(s) => s,
            Err(_) => {
                eprintln!("error: EXECWARD_POLICY is not valid UTF-8");
                exit(1);
            }
        },
    };
    if let Err(why) = check(&path) {
        eprintln!("error: EXECWARD_POLICY={path:?} {why}; the helper's policy path must be an absolute, plain path");
        exit(1);
    }
    println!("cargo:rustc-env=EXECWARD_HELPER_POLICY={path}");
}
