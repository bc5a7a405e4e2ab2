//! Named binding (`Action::bind_named`, `Action::bind_serde`) and
//! placeholders used more than once (`{u:user} ... {u}`), end to end from a
//! policy: argv, stdin, the leading-`-` rule per use, errors, and the
//! policy printing back to an equal policy.

use std::collections::{BTreeMap, HashMap};

use execward::{ErrorCode, Policy};

const POLICY: &str = r#"
type svc = enum nginx postfix
type fmode = enum 0644 0600
action install = /usr/bin/install -o {u:user} -g {u} -m {m:fmode} -- {src:string} {dst:string}
action opt = /bin/echo {a:uint?} {b:uint?}
action many = /bin/echo -- {svc:svc} {files:string...}
action passwd = /usr/sbin/chpasswd
    stdin "{user:user}:{pw:secret}"
action again = /usr/bin/printf "%s\n" {user:user}
    stdin "{user}:{pw:secret}:{user}"
action guarded = /bin/echo --owner={u:user} {u}
"#;

fn policy() -> Policy {
    Policy::parse(POLICY).unwrap_or_else(|d| panic!("{d:?}"))
}

#[test]
fn a_map_binds_like_the_positional_arguments() {
    let p = policy();
    let a = p.action("install").unwrap();
    let positional = a.bind(&["www", "0644", "a", "b"]).unwrap();
    let mut map = HashMap::new();
    map.insert("dst".to_string(), "b".to_string());
    map.insert("m".to_string(), "0644".to_string());
    map.insert("src".to_string(), "a".to_string());
    map.insert("u".to_string(), "www".to_string());
    let named = a.bind_named(&map).unwrap();
    assert_eq!(named.argv, positional.argv);
    assert_eq!(
        named.argv,
        [
            "/usr/bin/install",
            "-o",
            "www",
            "-g",
            "www",
            "-m",
            "0644",
            "--",
            "a",
            "b"
        ]
    );
}

#[test]
fn optional_and_variadic_by_name() {
    let p = policy();
    let opt = p.action("opt").unwrap();
    // The second optional without the first: positional binding cannot
    // say that.
    let b = opt.bind_named([("b", "2")]).unwrap();
    assert_eq!(b.argv, ["/bin/echo", "2"]);
    let b = opt.bind_named([("a", None), ("b", Some("2"))]).unwrap();
    assert_eq!(b.argv, ["/bin/echo", "2"]);
    let b = opt.bind_named(Vec::<(&str, &str)>::new()).unwrap();
    assert_eq!(b.argv, ["/bin/echo"]);

    let many = p.action("many").unwrap();
    let mut m: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    m.insert("svc", vec!["nginx"]);
    m.insert("files", vec!["x", "-y"]);
    let b = many.bind_named(&m).unwrap();
    assert_eq!(b.argv, ["/bin/echo", "--", "nginx", "x", "-y"]);
    // A name given twice adds values.
    let b = many
        .bind_named([("svc", "nginx"), ("files", "x"), ("files", "z")])
        .unwrap();
    assert_eq!(b.argv, ["/bin/echo", "--", "nginx", "x", "z"]);
}

#[test]
fn named_errors() {
    let p = policy();
    let a = p.action("install").unwrap();
    let e = a
        .bind_named([("u", "www"), ("m", "0777"), ("src", "a"), ("dst", "b")])
        .unwrap_err();
    assert_eq!((e.index, e.name.as_deref()), (2, Some("m")));
    assert_eq!(e.code(), ErrorCode::InvalidArgument);

    let e = a.bind_named([("u", "www"), ("m", "0644")]).unwrap_err();
    assert_eq!((e.index, e.name.as_deref()), (3, Some("src")));
    assert_eq!(e.code(), ErrorCode::MissingArgument);

    let e = a
        .bind_named([
            ("u", "www"),
            ("m", "0644"),
            ("src", "a"),
            ("dst", "b"),
            ("colour", "red"),
        ])
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::UnexpectedArgument);
    assert_eq!(
        e.to_string(),
        "invalid argument 5 (extra): \"colour\" names no placeholder of action install"
    );

    let e = a
        .bind_named([("u", vec!["a", "b"]), ("m", vec!["0644"])])
        .unwrap_err();
    assert_eq!((e.index, e.name.as_deref()), (2, Some("u")));
    assert!(e.reason.contains("given 2 values"), "{e}");
}

#[test]
fn a_repeated_placeholder_is_guarded_at_each_use() {
    let p = policy();
    let g = p.action("guarded").unwrap();
    assert_eq!(
        g.bind(&["www"]).unwrap().argv,
        ["/bin/echo", "--owner=www", "www"]
    );
    // Inside `--x=` a leading `-` would be safe; as the next word it is
    // not, so the value is refused.
    let p = Policy::parse("action s = /bin/echo --x={v:string} {v}\n").unwrap();
    let e = p.action("s").unwrap().bind(&["-v"]).unwrap_err();
    assert!(e.reason.contains("starts with `-`"), "{e}");
    let p = Policy::parse("action s = /bin/echo --x={v:string} -- {v}\n").unwrap();
    assert_eq!(
        p.action("s").unwrap().bind(&["-v"]).unwrap().argv,
        ["/bin/echo", "--x=-v", "--", "-v"]
    );
}

#[test]
fn stdin_may_repeat_an_argv_placeholder() {
    let p = policy();
    let a = p.action("again").unwrap();
    assert_eq!(a.params.len(), 2);
    let b = a.bind(&["www", "hunter2"]).unwrap();
    assert_eq!(b.argv, ["/usr/bin/printf", "%s\\n", "www"]);
    assert_eq!(b.stdin.as_deref(), Some(&b"www:hunter2:www\n"[..]));
    let b = a.bind_named([("pw", "hunter2"), ("user", "www")]).unwrap();
    assert_eq!(b.stdin.as_deref(), Some(&b"www:hunter2:www\n"[..]));
    assert_eq!(
        b.shown,
        [
            ("user".to_string(), vec!["www".to_string()]),
            ("pw".to_string(), vec!["***".to_string()])
        ]
    );
}

#[test]
fn the_policy_prints_back_equal() {
    let p = policy();
    let text = p.to_string();
    assert!(text.contains("-o {u:user} -g {u} "), "{text}");
    assert!(text.contains("stdin {user}:{pw:secret}:{user}"), "{text}");
    let again = Policy::parse(&text).unwrap_or_else(|d| panic!("{d:?}\n{text}"));
    let lineless = |p: &Policy| {
        let mut actions = p.actions.clone();
        actions.iter_mut().for_each(|a| a.line = 0);
        actions
    };
    assert_eq!(lineless(&again), lineless(&p));
}

#[test]
fn references_in_a_policy_are_checked() {
    for (src, why) in [
        ("action a = /bin/x {u} {u:user}\n", "needs a type"),
        ("action a = /bin/x {u:user?} {u}\n", "zero or one value"),
        ("action a = /bin/x\n    stdin {u}\n", "needs a type"),
        (
            "action a = /bin/x {u:user}\n    stdin {u:user}\n",
            "duplicate placeholder",
        ),
    ] {
        let d = Policy::parse(src).unwrap_err();
        assert!(d[0].message.contains(why), "{src}: {d:?}");
    }
}

#[cfg(feature = "serde")]
#[test]
fn a_struct_binds_by_its_field_names() {
    #[derive(serde::Serialize)]
    struct Install<'a> {
        u: &'a str,
        m: &'a str,
        src: String,
        dst: &'a str,
    }
    let p = policy();
    let a = p.action("install").unwrap();
    let b = a
        .bind_serde(&Install {
            u: "www",
            m: "0600",
            src: "a".into(),
            dst: "b",
        })
        .unwrap();
    assert_eq!(
        b.argv[..7],
        ["/usr/bin/install", "-o", "www", "-g", "www", "-m", "0600"]
    );

    #[derive(serde::Serialize)]
    struct Opt {
        a: Option<u32>,
        b: Option<u32>,
    }
    let opt = p.action("opt").unwrap();
    let b = opt
        .bind_serde(&Opt {
            a: None,
            b: Some(7),
        })
        .unwrap();
    assert_eq!(b.argv, ["/bin/echo", "7"]);
    let e = opt
        .bind_serde(&Opt {
            a: Some(1),
            b: None,
        })
        .map(|b| b.argv);
    assert_eq!(e.unwrap(), ["/bin/echo", "1"]);

    let many = p.action("many").unwrap();
    let b = many
        .bind_serde(&serde_json::json!({"svc": "postfix", "files": ["a", 2, true]}))
        .unwrap();
    assert_eq!(b.argv, ["/bin/echo", "--", "postfix", "a", "2", "true"]);
    for bad in [
        serde_json::json!(["nginx"]),
        serde_json::json!({"svc": {"x": 1}, "files": ["a"]}),
        serde_json::json!({"svc": "nginx", "files": [["a"]]}),
    ] {
        assert!(many.bind_serde(&bad).is_err(), "{bad}");
    }
}
