//! The argv-only engine: injection payloads reach the child byte for byte
//! and never run; time and output limits hold.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use execward::policy::{Action, Param};
use execward::value::ValueType;
use execward::{Command, Limits, Status, Template};

fn canary_dir(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("engine-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Payloads that a shell would turn into a command creating `CANARY`.
fn payloads(canary: &str) -> Vec<String> {
    vec![
        format!("x; touch {canary}"),
        format!("$(touch {canary})"),
        format!("`touch {canary}`"),
        format!("x | touch {canary}"),
        format!("x && touch {canary}"),
        format!("x || touch {canary}"),
        format!("x & touch {canary}"),
        format!("x\ntouch {canary}"),
        format!("x;${{IFS}}touch${{IFS}}{canary}"),
        format!("x > {canary}"),
        format!("x\rtouch {canary}"),
        format!("'; touch {canary}; '"),
        format!("\"; touch {canary}; \""),
    ]
}

#[test]
fn payloads_reach_printf_byte_for_byte_and_never_run() {
    let dir = canary_dir("argv");
    let canary = dir.join("canary");
    let c = canary.to_str().unwrap();
    for p in payloads(c) {
        let out = Command::new("/usr/bin/printf")
            .args(["%s", p.as_str()])
            .output()
            .unwrap();
        assert_eq!(
            out.status,
            Status::Exited(0),
            "{p:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.stdout, p.as_bytes(), "payload {p:?} changed on the way");
        assert!(!canary.exists(), "payload {p:?} ran a command");
    }
}

#[test]
fn control_the_same_payloads_through_a_shell_do_run() {
    // The vulnerable pattern execward replaces: a command line built by
    // concatenation and handed to `sh -c`.
    let dir = canary_dir("shell");
    let canary = dir.join("canary");
    let c = canary.to_str().unwrap();
    for p in payloads(c) {
        let _ = std::fs::remove_file(&canary);
        // The quote-breaking payloads are written for a template that
        // quotes its value, like a careful-but-wrong panel does.
        let line = if p.starts_with('\'') {
            format!("printf '%s' '{p}'")
        } else if p.starts_with('"') {
            format!("printf '%s' \"{p}\"")
        } else if p.contains("||") {
            format!("false {p}")
        } else if p.contains('\r') {
            // A carriage return is no shell separator; the panel's
            // `sh -c` on a CRLF-splitting transport would be.
            format!("printf '%s' {}", p.replace('\r', "\n"))
        } else {
            format!("printf '%s' {p}")
        };
        std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(&line)
            .output()
            .unwrap();
        // `x & touch` runs in the background: give it a moment.
        for _ in 0..100 {
            if canary.exists() {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(canary.exists(), "control: {line:?} did not run the payload");
    }
}

fn string_action(template: &str) -> Action {
    let t = Template::parse(template).unwrap();
    let params = t
        .placeholders()
        .iter()
        .map(|p| {
            let ty = ValueType::builtin(&p.type_name).unwrap();
            Param::new(p.name.clone(), p.type_name.clone(), ty, p.arity)
        })
        .collect();
    Action::new("t", t, params)
}

#[test]
fn payloads_bound_into_templates_stay_one_element() {
    let dir = canary_dir("template");
    let canary = dir.join("canary");
    let c = canary.to_str().unwrap();
    let action = string_action("/usr/bin/printf '[%s]' --value={v:string} -- {w:string}");
    for p in payloads(c) {
        let bound = action.bind(&[p.as_str(), p.as_str()]);
        if p.contains(['\n', '\r']) {
            let e = bound.unwrap_err();
            assert_eq!(e.index, 1);
            assert!(e.to_string().starts_with("invalid argument 1 (v): "), "{e}");
            continue;
        }
        let bound = bound.unwrap();
        assert_eq!(
            bound.argv,
            vec![
                "/usr/bin/printf".to_string(),
                "[%s]".into(),
                format!("--value={p}"),
                "--".into(),
                p.clone()
            ]
        );
        let out = bound.command().output().unwrap();
        assert_eq!(out.stdout, format!("[--value={p}][--][{p}]").into_bytes());
        assert!(!canary.exists(), "payload {p:?} ran a command");
    }
}

#[test]
fn leading_dash_is_refused_unless_after_double_dash_or_inside_a_word() {
    let action = string_action("/usr/bin/printf %s {v:string}");
    let e = action.bind(&["--checkpoint-action=exec=sh"]).unwrap_err();
    assert!(e.to_string().contains("invalid argument 1 (v)"), "{e}");
    let action = string_action("/usr/bin/printf %s -- {v:string}");
    assert!(action.bind(&["--checkpoint-action=exec=sh"]).is_ok());
    let action = string_action("/usr/bin/printf %s x{v:string}");
    assert!(action.bind(&["-oProxyCommand=sh"]).is_ok());
    // A placeholder that starts its word would start the argv element:
    // `{v}.conf` with `-rf` is `-rf.conf`.
    let action = string_action("/usr/bin/printf %s {v:string}.conf");
    assert!(action.bind(&["-rf"]).is_err());
    assert!(action.bind(&["site"]).is_ok());
    let action = string_action("/usr/bin/printf %s -- {v:string}.conf");
    assert!(action.bind(&["-rf"]).is_ok());
}

#[test]
fn timeout_kills_a_child_that_ignores_sigterm() {
    let timeout = Duration::from_millis(500);
    let grace = Duration::from_millis(500);
    let t = Instant::now();
    let out = Command::new("/bin/sh")
        .args(["-c", "trap '' TERM; while :; do sleep 1; done"])
        .fs_exec(["/usr/bin", "/bin"])
        .timeout(timeout)
        .kill_grace(grace)
        .output()
        .unwrap();
    let took = t.elapsed();
    assert_eq!(out.status, Status::TimedOut);
    assert_eq!(out.exit_code(), 124);
    assert!(
        took < timeout + grace + Duration::from_secs(1),
        "took {took:?}"
    );
}

#[test]
fn output_cap_bounds_an_endless_writer() {
    let cap = 1 << 20;
    let t = Instant::now();
    let out = Command::new("/usr/bin/yes")
        .limits(Limits::default().with_output(cap))
        .timeout(Duration::from_secs(2))
        .output()
        .unwrap();
    // `yes` runs until the time limit: the cap must not make it block.
    assert!(out.stdout.len() as u64 <= cap);
    assert_eq!(out.stdout.len() as u64, cap);
    assert!(out.truncated);
    assert!(out.output_bytes > cap);
    assert!(t.elapsed() < Duration::from_secs(6));
}

#[test]
fn exit_statuses_map_to_spec() {
    let sh = |script: &str| {
        Command::new("/bin/sh")
            .args(["-c", script])
            .fs_exec(["/usr/bin", "/bin"])
            .output()
            .unwrap()
    };
    assert_eq!(sh("exit 3").exit_code(), 3);
    // The program is PID 1 of its namespace: a signal it sends itself
    // without a handler is ignored, but a real fault kills it.
    let segv = Command::new("/usr/bin/python3")
        .args(["-c", "import ctypes; ctypes.string_at(0)"])
        .output()
        .unwrap();
    assert_eq!(
        segv.exit_code(),
        128 + 11,
        "{}",
        String::from_utf8_lossy(&segv.stderr)
    );
    let e = Command::new("/nonexistent/program").output().unwrap_err();
    assert_eq!(e.exit_code(), 127);
    let e = Command::new("/etc/passwd").output().unwrap_err();
    assert_eq!(e.exit_code(), 126);
    let e = Command::new("relative/program").output().unwrap_err();
    assert_eq!(e.exit_code(), 125);
}

#[test]
fn environment_is_exactly_what_is_given_plus_path() {
    let out = Command::new("/usr/bin/env")
        .env("LANG", "C.UTF-8")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.sort();
    assert_eq!(
        lines,
        vec![
            "LANG=C.UTF-8",
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        ]
    );
}

#[test]
fn stdin_bytes_and_cwd() {
    let out = Command::new("/usr/bin/cat")
        .stdin(execward::Stdin::Bytes(b"hello\n".to_vec()))
        .output()
        .unwrap();
    assert_eq!(out.stdout, b"hello\n");
    let out = Command::new("/usr/bin/pwd")
        .current_dir("/usr")
        .output()
        .unwrap();
    assert_eq!(out.stdout, b"/usr\n");
    let out = Command::new("/usr/bin/cat").output().unwrap();
    assert_eq!(out.stdout, b"", "stdin defaults to /dev/null");
}
