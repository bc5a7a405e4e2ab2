//! Detects whether the library exports `execward::audit`.
//!
//! `src/audit.rs` exists in the library but (as of this writing) is not
//! declared in `src/lib.rs`, so `execward::audit` does not exist. Until it
//! is, the fuzz crate compiles that very file itself (see `src/lib.rs`,
//! module `audit`), with the few crate paths it uses mapped to the
//! library's public items. Once `pub mod audit;` appears in the library,
//! the fuzz crate re-exports the library's module instead.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(execward_audit_exported)");
    println!("cargo::rerun-if-changed=../src/lib.rs");
    let lib = std::fs::read_to_string("../src/lib.rs").unwrap_or_default();
    if lib.lines().any(|l| l.trim() == "pub mod audit;") {
        println!("cargo::rustc-cfg=execward_audit_exported");
    }
}
