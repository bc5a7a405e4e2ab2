//! A control-panel backend on tokio: requests arrive concurrently, each
//! runs a policy action without blocking a thread, and a request that is
//! cancelled (the client went away) kills its action's whole process tree.
//!
//! ```text
//! cargo run --features tokio --example async_panel
//! ```

use std::time::Duration;

use execward::{Error, Policy};

const POLICY: &str = r#"
type service = enum nginx postfix dovecot
type mb      = uint min=1 max=1024

action status = /usr/bin/printf "%s: active\n" {svc:service}
    timeout 5s

# Stands in for a slow job (a backup, a quota scan).
action slow-job = /usr/bin/sleep {seconds:mb}
    timeout 60s
"#;

/// What a web handler would do with one request.
async fn handle(policy: &Policy, action: &str, args: &[&str]) -> Result<String, Error> {
    let bound = policy.action(action)?.bind(args)?;
    let out = bound.command().output_async().await?;
    Ok(format!(
        "exit {} | {}",
        out.exit_code(),
        String::from_utf8_lossy(&out.stdout).trim_end()
    ))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let policy = Policy::parse(POLICY).map_err(|d| format!("{d:?}"))?;
    let policy = std::sync::Arc::new(policy);

    println!("== ten requests at once:");
    let mut tasks = Vec::new();
    for (i, svc) in ["nginx", "postfix", "dovecot", "nginx; reboot", "apache"]
        .iter()
        .cycle()
        .take(10)
        .enumerate()
    {
        let policy = policy.clone();
        tasks.push(tokio::spawn(async move {
            (i, svc, handle(&policy, "status", &[svc]).await)
        }));
    }
    for t in tasks {
        let (i, svc, result) = t.await?;
        match result {
            Ok(line) => println!("   #{i} {svc:?}: {line}"),
            Err(e) => println!(
                "   #{i} {svc:?}: refused (exit {}): {}",
                e.exit_code(),
                e.render()
            ),
        }
    }

    println!("\n== a client that gives up after 300 ms: the action is killed with it:");
    let started = std::time::Instant::now();
    let r = tokio::time::timeout(
        Duration::from_millis(300),
        handle(&policy, "slow-job", &["30"]),
    )
    .await;
    println!(
        "   timed out: {}, after {:?} (the sleep 30 is gone)",
        r.is_err(),
        started.elapsed()
    );
    Ok(())
}
