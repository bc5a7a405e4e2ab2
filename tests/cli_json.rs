//! `--json` for `execward check`, `list`, `explain` and `run`
//! (docs/json.md): one JSON object on one line; errors as the public
//! form plus `detail` and `exit_code`; `run`'s result as the last line of
//! stderr, after whatever the child wrote; exit statuses unchanged. With
//! feature `serde`, the command line's JSON is exactly what the library's
//! `Serialize` gives for the same value.

mod cli_support;
mod common;

use std::path::Path;

use cli_support::{execward, scratch, Out};
use serde_json::{json, Value};

const POLICY: &str = r#"type svc = enum nginx postfix
action greet = /usr/bin/printf "hi %s\n" {svc:svc}
action noisy = /bin/sh -c "printf 'no newline' >&2; exit 3"
action sleepy = /usr/bin/sleep {n:uint}
    timeout 300ms
"#;

fn write_policy(dir: &Path) -> String {
    let p = dir.join("p.policy");
    std::fs::write(&p, POLICY).unwrap();
    p.to_str().unwrap().to_string()
}

fn json_of(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text:?}"))
}

/// The last line of stderr, as JSON.
fn last_stderr_line(o: &Out) -> Value {
    let text = o.stderr_str();
    json_of(text.trim_end_matches('\n').rsplit('\n').next().unwrap())
}

#[test]
fn check_json() {
    let dir = scratch("json-check");
    let p = write_policy(&dir);
    let o = execward(["check", "--json", &p]);
    assert_eq!(o.code, Some(0), "{}", o.show());
    assert_eq!(
        json_of(&o.stdout_str()),
        json!({"file": p, "ok": true, "actions": 3, "types": 1})
    );
    let bad = dir.join("bad.policy");
    std::fs::write(&bad, "frobnicate\naction x = relative\n").unwrap();
    let o = execward(["check", "--json", bad.to_str().unwrap()]);
    assert_eq!(o.code, Some(1));
    let v = json_of(&o.stdout_str());
    assert_eq!(v["ok"], json!(false));
    let d = v["diagnostics"].as_array().unwrap();
    assert_eq!(d.len(), 2);
    assert_eq!(d[0]["line"], json!(1));
    assert_eq!(d[0]["col"], json!(1));
    assert_eq!(d[1]["line"], json!(2));
    assert!(o.stderr.is_empty(), "{}", o.show());
    // Without --json, unchanged.
    let o = execward(["check", bad.to_str().unwrap()]);
    assert_eq!(o.code, Some(1));
    assert!(o
        .stderr_str()
        .starts_with(&format!("{}:1:1: error: ", bad.display())));

    let o = execward(["check", "--json", "/nonexistent/execward.policy"]);
    assert_eq!(o.code, Some(1));
    let v = json_of(&o.stdout_str());
    assert_eq!(v["error"]["code"], json!("policy_unreadable"));
    assert_eq!(v["error"]["exit_code"], json!(125));
}

#[test]
fn list_and_explain_json() {
    if !common::need_sandbox(1) {
        return;
    }
    let dir = scratch("json-list");
    let p = write_policy(&dir);
    let o = execward(["list", "--policy", &p, "--json"]);
    assert_eq!(o.code, Some(0), "{}", o.show());
    let v = json_of(&o.stdout_str());
    assert_eq!(v["actions"][0]["name"], json!("greet"));
    assert_eq!(v["actions"][0]["usage"], json!("greet {svc:svc}"));
    assert_eq!(
        v["actions"][0]["params"][0],
        json!({"name": "svc", "type": "svc", "definition": "enum nginx postfix", "arity": "one", "stdin": false})
    );
    assert_eq!(v["actions"][2]["timeout_ms"], json!(300));

    let o = execward(["explain", "--policy", &p, "--json", "greet", "nginx"]);
    assert_eq!(o.code, Some(0), "{}", o.show());
    let v = json_of(&o.stdout_str());
    assert_eq!(v["action"], json!("greet"));
    assert_eq!(v["values"], json!([{"name": "svc", "values": ["nginx"]}]));
    assert_eq!(
        v["plan"]["argv"],
        json!(["/usr/bin/printf", "hi %s\\n", "nginx"])
    );
    assert_eq!(v["plan"]["sandbox"]["net"], json!("none"));
    assert_eq!(v["plan"]["sandbox"]["report"]["landlock"], json!(true));

    let o = execward(["explain", "--policy", &p, "--json", "greet", "nginx; id"]);
    assert_eq!(o.code, Some(125));
    let v = json_of(&o.stderr_str());
    assert_eq!(v["error"]["code"], json!("invalid_argument"));
    assert_eq!(v["error"]["argument_name"], json!("svc"));
}

#[test]
fn run_json_result_is_the_last_line_of_stderr() {
    if !common::need_sandbox(1) {
        return;
    }
    let dir = scratch("json-run");
    let p = write_policy(&dir);
    let o = execward(["run", "--policy", &p, "--json", "greet", "nginx"]);
    assert_eq!(o.code, Some(0), "{}", o.show());
    assert_eq!(o.stdout_str(), "hi nginx\n");
    let v = last_stderr_line(&o);
    assert_eq!(v["action"], json!("greet"));
    assert_eq!(v["result"]["status"], json!({"kind": "exited", "code": 0}));
    assert_eq!(v["result"]["exit_code"], json!(0));
    assert_eq!(v["result"]["output_bytes"], json!(9));

    // The child's stderr without a final newline: the result still has a
    // line of its own; the exit status is the child's.
    let o = execward(["run", "--policy", &p, "--json", "noisy"]);
    assert_eq!(o.code, Some(3), "{}", o.show());
    assert!(o.stderr_str().starts_with("no newline\n{"), "{}", o.show());
    assert_eq!(last_stderr_line(&o)["result"]["status"]["code"], json!(3));

    let o = execward(["run", "--policy", &p, "--json", "sleepy", "5"]);
    assert_eq!(o.code, Some(124));
    assert_eq!(
        last_stderr_line(&o)["result"]["status"],
        json!({"kind": "timed_out"})
    );

    let o = execward(["run", "--policy", &p, "--json", "greet", "nginx; id"]);
    assert_eq!(o.code, Some(125));
    let v = last_stderr_line(&o);
    assert_eq!(v["action"], json!("greet"));
    assert_eq!(v["error"]["code"], json!("invalid_argument"));
    assert_eq!(v["error"]["fault"], json!("caller"));
    assert_eq!(v["error"]["status"], json!(400));
    assert_eq!(v["error"]["argument_index"], json!(1));

    let o = execward(["run", "--policy", &p, "--json", "nope"]);
    assert_eq!(o.code, Some(125));
    assert_eq!(
        last_stderr_line(&o)["error"]["code"],
        json!("unknown_action")
    );

    // Without --json: the text forms, unchanged.
    let o = execward(["run", "--policy", &p, "greet", "nginx; id"]);
    assert_eq!(o.code, Some(125));
    assert_eq!(
        o.stderr_str(),
        "execward: invalid argument 1 (svc): \"nginx; id\" is not one of: nginx, postfix\n"
    );
}

/// The command line's JSON equals the library's `Serialize` output.
#[cfg(feature = "serde")]
#[test]
fn the_cli_and_serde_agree() {
    if !common::need_sandbox(1) {
        return;
    }
    let dir = scratch("json-serde");
    let p = write_policy(&dir);
    let policy = execward::Policy::load(&p).unwrap();

    let o = execward(["list", "--policy", &p, "--json"]);
    assert_eq!(
        json_of(&o.stdout_str()),
        serde_json::to_value(&policy).unwrap()
    );

    let bound = policy.action("greet").unwrap().bind(&["postfix"]).unwrap();
    let plan = bound
        .command_with_default_stdin(execward::Stdin::Inherit)
        .plan()
        .unwrap();
    let o = execward(["explain", "--policy", &p, "--json", "greet", "postfix"]);
    assert_eq!(
        json_of(&o.stdout_str())["plan"],
        serde_json::to_value(plan.explanation()).unwrap()
    );

    let e: execward::Error = policy
        .action("greet")
        .unwrap()
        .bind(&["x"])
        .unwrap_err()
        .into();
    let o = execward(["explain", "--policy", &p, "--json", "greet", "x"]);
    let mut cli = json_of(&o.stderr_str())["error"].clone();
    let obj = cli.as_object_mut().unwrap();
    assert_eq!(obj.remove("detail"), Some(json!(e.to_string())));
    assert_eq!(obj.remove("exit_code"), Some(json!(125)));
    assert_eq!(cli, serde_json::to_value(&e).unwrap());

    let out = bound.command().output().unwrap();
    let v = serde_json::to_value(&out).unwrap();
    assert_eq!(v["stdout"], json!("hi postfix\n"));
    assert_eq!(v["status"], json!({"kind": "exited", "code": 0}));
    let o = execward(["run", "--policy", &p, "--json", "greet", "postfix"]);
    let cli = last_stderr_line(&o)["result"].clone();
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&cli), keys(&v));
    assert_eq!(keys(&cli["sandbox"]), keys(&v["sandbox"]));
}
