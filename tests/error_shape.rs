//! The public error shape, pinned: every variant a caller can meet, with
//! its message, its `execward: CLASS:` line and its exit status. A change
//! to any of them is a change of the CLI contract and of the public API
//! (and belongs in CHANGELOG.md); a new variant gets a line here (the
//! crate's own `error::tests::every_variant_is_pinned` lists them all and
//! fails to compile when one is added).

use std::path::PathBuf;

use execward::audit::AuditError;
use execward::sandbox::{SandboxError, SandboxMode};
use execward::{
    Command, Error, ErrorClass, ErrorCode, Fault, PlanError, Policy, PolicyError, RunError, Status,
};

/// `(render(), class(), exit_code())` of an error.
fn shape(e: Error) -> (String, ErrorClass, i32) {
    (e.render(), e.class(), e.exit_code())
}

#[test]
fn every_class_has_its_one_line_form() {
    let cases = [
        (ErrorClass::Denied, "execward: denied: m"),
        (ErrorClass::InvalidArgument, "execward: m"),
        (ErrorClass::Policy, "execward: policy: m"),
        (ErrorClass::Usage, "execward: usage: m"),
        (ErrorClass::Sandbox, "execward: sandbox: m"),
        (ErrorClass::Exec, "execward: exec: m"),
    ];
    for (class, line) in cases {
        assert_eq!(class.line("m"), line);
    }
    assert_eq!(ErrorClass::Usage.line("a\nb"), "execward: usage: a\\u{a}b");
}

#[test]
fn policy_errors() {
    let unknown = PolicyError::UnknownAction("x".into());
    assert_eq!(
        shape(unknown.into()),
        (
            "execward: usage: no action named \"x\"".into(),
            ErrorClass::Usage,
            125
        )
    );
    let io = Policy::load(std::path::Path::new("/nonexistent/execward.policy")).unwrap_err();
    assert!(matches!(io, PolicyError::Io { .. }), "{io:?}");
    let (line, class, code) = shape(io.into());
    assert!(
        line.starts_with("execward: policy: cannot read /nonexistent/execward.policy: "),
        "{line}"
    );
    assert_eq!((class, code), (ErrorClass::Policy, 125));
    let diagnostics = Policy::parse("frobnicate\nfrobnicate\n").unwrap_err();
    let invalid = PolicyError::Invalid {
        file: "p".into(),
        diagnostics,
    };
    let (line, class, code) = shape(invalid.into());
    assert!(
        line.starts_with("execward: policy: p:1:1: error: "),
        "{line}"
    );
    assert!(
        line.ends_with(" (and 1 more error; `execward check p` lists them all)"),
        "{line}"
    );
    assert_eq!((class, code), (ErrorClass::Policy, 125));
}

#[test]
fn value_errors() {
    let policy = Policy::parse("action a = /bin/echo {n:uint}\n").unwrap();
    let e = policy.action("a").unwrap().bind(&["x"]).unwrap_err();
    assert_eq!((e.index, e.name.as_deref()), (1, Some("n")));
    assert_eq!(e.shown.as_deref(), Some("\"x\""));
    let (line, class, code) = shape(e.into());
    assert!(
        line.starts_with("execward: invalid argument 1 (n): \"x\" "),
        "{line}"
    );
    assert_eq!((class, code), (ErrorClass::InvalidArgument, 125));
}

#[test]
fn plan_errors() {
    let cases: Vec<(PlanError, &str, ErrorClass, i32)> = vec![
        (
            PlanError::NotFound("/x".into()),
            "execward: exec: /x: program does not exist",
            ErrorClass::Exec,
            127,
        ),
        (
            PlanError::NotExecutable {
                path: "/x".into(),
                reason: "no execute permission".into(),
            },
            "execward: exec: /x: cannot be executed: no execute permission",
            ErrorClass::Exec,
            126,
        ),
        (
            PlanError::RelativeProgram("x".into()),
            "execward: exec: x: the program must be an absolute path (nothing searches PATH)",
            ErrorClass::Exec,
            125,
        ),
        (
            PlanError::Nul {
                what: "argv element 1".into(),
            },
            "execward: exec: argv element 1 holds a NUL byte",
            ErrorClass::Exec,
            125,
        ),
        (
            PlanError::BadEnv("PATH".into()),
            "execward: exec: environment variable \"PATH\" cannot be set (PATH is fixed; names are [A-Za-z_][A-Za-z0-9_]*)",
            ErrorClass::Exec,
            125,
        ),
        (
            PlanError::StdinTooLarge(2 << 20),
            "execward: exec: stdin data of 2097152 bytes exceeds the 1048576-byte limit",
            ErrorClass::Exec,
            125,
        ),
        (
            PlanError::RunAs("user \"x\" does not exist".into()),
            "execward: policy: run-as: user \"x\" does not exist",
            ErrorClass::Policy,
            125,
        ),
        (
            PlanError::NeedsPrivilege("x".into()),
            "execward: denied: run-as x: switching users needs root; an unprivileged caller runs this action through execward-helper",
            ErrorClass::Denied,
            125,
        ),
        (
            PlanError::Sandbox(SandboxError::Unsupported {
                what: "Landlock".into(),
            }),
            "execward: sandbox: this kernel lacks Landlock; refusing to run without it (`sandbox required`)",
            ErrorClass::Sandbox,
            125,
        ),
        (
            PlanError::Io {
                what: "x".into(),
                source: std::io::Error::from_raw_os_error(libc::EACCES),
            },
            "execward: exec: x: Permission denied (os error 13)",
            ErrorClass::Exec,
            125,
        ),
    ];
    for (e, line, class, code) in cases {
        assert_eq!(shape(e.into()), (line.to_string(), class, code));
    }
}

#[test]
fn sandbox_errors() {
    let cases: Vec<(SandboxError, &str)> = vec![
        (
            SandboxError::RulePath {
                path: PathBuf::from("/x"),
                source: std::io::Error::from_raw_os_error(libc::ENOENT),
            },
            "cannot open /x for an fs rule: No such file or directory (os error 2)",
        ),
        (SandboxError::Landlock("l".into()), "landlock: l"),
        (SandboxError::Seccomp("s".into()), "seccomp: s"),
        (
            SandboxError::UnknownSyscall("x".into()),
            "unknown system call \"x\" in seccomp allow=",
        ),
        (
            SandboxError::Elf {
                path: "/x".into(),
                reason: "r".into(),
            },
            "cannot read the ELF interpreter of /x: r",
        ),
        (
            SandboxError::Containment("c".into()),
            "cannot contain the process tree: c",
        ),
    ];
    for (e, message) in cases {
        assert_eq!(e.to_string(), message);
        let (line, class, code) = shape(PlanError::Sandbox(e).into());
        assert_eq!(line, format!("execward: sandbox: {message}"));
        assert_eq!((class, code), (ErrorClass::Sandbox, 125));
    }
}

#[test]
fn run_errors() {
    let cases: Vec<(RunError, &str, i32)> = vec![
        (
            RunError::Io {
                what: "x",
                source: std::io::Error::from_raw_os_error(libc::EMFILE),
            },
            "execward: exec: x: Too many open files (os error 24)",
            125,
        ),
        (
            RunError::Exec {
                program: "/x".into(),
                errno: libc::ENOENT,
            },
            "execward: exec: /x: No such file or directory (os error 2)",
            127,
        ),
        (
            RunError::Exec {
                program: "/x".into(),
                errno: libc::EACCES,
            },
            "execward: exec: /x: Permission denied (os error 13)",
            126,
        ),
    ];
    for (e, line, code) in cases {
        assert_eq!(shape(e.into()), (line.to_string(), ErrorClass::Exec, code));
    }
    // A failed set-up step (its stage is opaque): a working directory that
    // does not exist fails `chdir` in the child, an `exec:` error.
    let e = Command::new("/bin/true")
        .current_dir("/nonexistent/execward")
        .sandbox_mode(SandboxMode::BestEffort)
        .output()
        .unwrap_err();
    assert!(matches!(e, Error::Run(RunError::Setup { .. })), "{e:?}");
    let (line, class, code) = shape(e);
    assert_eq!(
        line,
        "execward: exec: changing to the working directory failed: No such file or directory (os error 2)"
    );
    assert_eq!((class, code), (ErrorClass::Exec, 125));
}

#[test]
fn denied_and_usage() {
    assert_eq!(
        shape(Error::Denied("d".into())),
        ("execward: denied: d".into(), ErrorClass::Denied, 125)
    );
    assert_eq!(
        shape(Error::Usage("u".into())),
        ("execward: usage: u".into(), ErrorClass::Usage, 125)
    );
}

#[test]
fn audit_errors() {
    let open = AuditError::Open {
        path: "/var/log/x".into(),
        reason: "/var/log/x is a symbolic link".into(),
    };
    assert_eq!(
        shape(open.into()),
        (
            "execward: policy: cannot open the audit log /var/log/x: /var/log/x is a symbolic link"
                .into(),
            ErrorClass::Policy,
            125
        )
    );
    let enospc = || std::io::Error::from_raw_os_error(libc::ENOSPC);
    let write = AuditError::Write {
        path: "/var/log/x".into(),
        source: enospc(),
    };
    assert_eq!(
        shape(write.into()),
        (
            "execward: sandbox: cannot write to the audit log /var/log/x: No space left on device (os error 28)".into(),
            ErrorClass::Sandbox,
            125
        )
    );
    let not_recorded = AuditError::NotRecorded {
        path: "/var/log/x".into(),
        source: enospc(),
    };
    let e = Error::from(not_recorded);
    assert_eq!(
        (e.code(), e.public_message().as_str()),
        (
            ErrorCode::AuditFailed,
            "the request could not be recorded, so it was not run"
        )
    );
    assert_eq!(
        shape(e),
        (
            "execward: sandbox: the request was not run: its audit record could not be written to /var/log/x: No space left on device (os error 28)".into(),
            ErrorClass::Sandbox,
            125
        )
    );
}

#[test]
fn child_statuses() {
    assert_eq!(Status::Exited(3).code(), 3);
    assert_eq!(Status::Signaled(9).code(), 137);
    assert_eq!(Status::TimedOut.code(), 124);
    assert!(Status::Exited(0).success() && !Status::Exited(1).success());
}

/// The machine codes: every code with its fault and HTTP status (the
/// table of docs/errors.md), and one error of each kind with its code,
/// argument and public message. A change here is a change of the API a
/// web client sees.
#[test]
fn codes_faults_and_http_statuses() {
    let table: Vec<(&str, Fault, u16)> = ErrorCode::ALL
        .iter()
        .map(|c| (c.as_str(), c.fault(), c.http_status()))
        .collect();
    use Fault::{Caller, Server};
    assert_eq!(
        table,
        vec![
            ("unknown_action", Caller, 404),
            ("invalid_argument", Caller, 400),
            ("missing_argument", Caller, 400),
            ("unexpected_argument", Caller, 400),
            ("denied", Caller, 403),
            ("usage", Server, 500),
            ("policy_unreadable", Server, 500),
            ("policy_invalid", Server, 500),
            ("run_as_invalid", Server, 500),
            ("needs_privilege", Server, 500),
            ("program_not_found", Server, 500),
            ("program_not_executable", Server, 500),
            ("invalid_command", Server, 500),
            ("sandbox_unavailable", Server, 500),
            ("sandbox_failed", Server, 500),
            ("prepare_failed", Server, 500),
            ("spawn_failed", Server, 500),
            ("exec_failed", Server, 500),
            ("audit_unavailable", Server, 500),
            ("audit_failed", Server, 500),
        ]
    );
}

/// `(code, argument index, argument name, public message)` of an error.
fn public(e: &Error) -> (&'static str, Option<usize>, Option<&str>, String) {
    (
        e.code().as_str(),
        e.argument_index(),
        e.argument_name(),
        e.public_message(),
    )
}

#[test]
fn caller_faults_name_the_argument_and_keep_server_paths_out() {
    let dir = std::env::temp_dir().join(format!("execward-error-shape-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let policy = Policy::parse(&format!(
        "type www = path beneath={}\naction a = /bin/echo {{n:uint}} -- {{p:www}}\n",
        dir.display()
    ))
    .unwrap();
    let a = policy.action("a").unwrap();

    let e: Error = a.bind(&["x", "y"]).unwrap_err().into();
    assert_eq!(public(&e).0, "invalid_argument");
    assert_eq!(
        (e.argument_index(), e.argument_name()),
        (Some(1), Some("n"))
    );
    assert_eq!((e.fault(), e.http_status()), (Fault::Caller, 400));
    assert!(e
        .public_message()
        .starts_with("invalid argument 1 (n): \"x\" "));

    let e: Error = a.bind(&["1", "/etc/passwd"]).unwrap_err().into();
    let (code, index, name, message) = public(&e);
    assert_eq!(
        (code, index, name),
        ("invalid_argument", Some(2), Some("p"))
    );
    // The full message names the directory; the public one does not.
    assert!(e.to_string().contains(&dir.display().to_string()), "{e}");
    assert_eq!(
        message,
        "invalid argument 2 (p): \"/etc/passwd\" is not beneath (a server path)"
    );

    let e: Error = a.bind(&["1"]).unwrap_err().into();
    assert_eq!(public(&e).0, "missing_argument");
    assert_eq!(
        (e.argument_index(), e.argument_name()),
        (Some(2), Some("p"))
    );

    let e: Error = a.bind(&["1", "x", "z"]).unwrap_err().into();
    assert_eq!(public(&e).0, "unexpected_argument");
    assert_eq!((e.argument_index(), e.argument_name()), (Some(3), None));

    let e: Error = policy.action("nope\n").unwrap_err().into();
    assert_eq!(
        public(&e),
        (
            "unknown_action",
            None,
            None,
            "no action named \"nope\\u{a}\"".into()
        )
    );
    assert_eq!(e.http_status(), 404);

    let e = Error::Denied("uid 33 is not in group panel".into());
    assert_eq!(
        public(&e),
        (
            "denied",
            None,
            None,
            "this caller may not run this action".into()
        )
    );
    assert_eq!(e.http_status(), 403);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn server_faults_say_nothing_of_the_server() {
    let cases: Vec<(Error, &str, &str)> = vec![
        (
            Policy::load("/nonexistent/execward.policy")
                .unwrap_err()
                .into(),
            "policy_unreadable",
            "the server's policy could not be loaded",
        ),
        (
            PolicyError::Invalid {
                file: "/etc/execward/policy".into(),
                diagnostics: Policy::parse("frobnicate\n").unwrap_err(),
            }
            .into(),
            "policy_invalid",
            "the server's policy could not be loaded",
        ),
        (
            PlanError::NotFound("/usr/sbin/x".into()).into(),
            "program_not_found",
            "the action's program is not installed on the server",
        ),
        (
            PlanError::NotExecutable {
                path: "/x".into(),
                reason: "r".into(),
            }
            .into(),
            "program_not_executable",
            "the action's program cannot be executed on the server",
        ),
        (
            PlanError::BadEnv("PATH".into()).into(),
            "invalid_command",
            "the server built an invalid command",
        ),
        (
            PlanError::RunAs("user \"x\" does not exist".into()).into(),
            "run_as_invalid",
            "the action's run-as user cannot be used on the server",
        ),
        (
            PlanError::NeedsPrivilege("root".into()).into(),
            "needs_privilege",
            "the server lacks the privilege this action needs",
        ),
        (
            PlanError::Sandbox(SandboxError::Unsupported {
                what: "Landlock".into(),
            })
            .into(),
            "sandbox_unavailable",
            "the sandbox this action requires is not available on the server",
        ),
        (
            PlanError::Sandbox(SandboxError::RulePath {
                path: "/srv/secret".into(),
                source: std::io::Error::from_raw_os_error(libc::ENOENT),
            })
            .into(),
            "sandbox_failed",
            "the action's sandbox could not be set up",
        ),
        (
            PlanError::Io {
                what: "x".into(),
                source: std::io::Error::from_raw_os_error(libc::EACCES),
            }
            .into(),
            "prepare_failed",
            "the action could not be started",
        ),
        (
            RunError::Io {
                what: "x",
                source: std::io::Error::from_raw_os_error(libc::EMFILE),
            }
            .into(),
            "spawn_failed",
            "the action could not be started",
        ),
        (
            RunError::Exec {
                program: "/x".into(),
                errno: libc::ENOENT,
            }
            .into(),
            "exec_failed",
            "the action could not be started",
        ),
        (
            Error::Usage("u".into()),
            "usage",
            "the server called execward incorrectly",
        ),
    ];
    for (e, code, message) in cases {
        assert_eq!(public(&e), (code, None, None, message.to_string()), "{e}");
        assert_eq!((e.fault(), e.http_status()), (Fault::Server, 500), "{e}");
        assert!(!e.public_message().contains('/'), "{e}");
    }
    // A confinement step that fails in the child is the sandbox's fault.
    let e = Command::new("/bin/true")
        .current_dir("/nonexistent/execward")
        .sandbox_mode(SandboxMode::BestEffort)
        .output()
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::SpawnFailed);
}

#[cfg(feature = "serde")]
#[test]
fn an_error_serializes_to_its_public_form() {
    let policy = Policy::parse("action a = /bin/echo {n:uint}\n").unwrap();
    let e: Error = policy.action("a").unwrap().bind(&["x"]).unwrap_err().into();
    let v = serde_json::to_value(&e).unwrap();
    assert_eq!(
        v,
        serde_json::json!({
            "code": "invalid_argument",
            "fault": "caller",
            "status": 400,
            "message": e.public_message(),
            "argument_index": 1,
            "argument_name": "n",
        })
    );
    let e: Error = PlanError::NotFound("/usr/sbin/x".into()).into();
    assert_eq!(
        serde_json::to_value(&e).unwrap(),
        serde_json::json!({
            "code": "program_not_found",
            "fault": "server",
            "status": 500,
            "message": "the action's program is not installed on the server",
        })
    );
}
