//! `coffer source ...` end to end: the real binary in a temporary home (local mode) and
//! through a real `coffer serve` (remote mode), with the same output and exit codes (0 ok,
//! 1 runtime error, 2 bad input, 3 no role).

mod common;

use common::server::Server;
use common::{stderr, stdout, Harness};
use predicates::str::contains;
use serde_json::json;

/// Creates the postgres secret `pg_prod` (its password from stdin).
fn pg_secret(h: &Harness) {
    h.run_stdin(
        &[
            "secret",
            "create",
            "pg_prod",
            "--type",
            "postgres",
            "--set",
            "host=db.internal",
            "--set",
            "password=-",
        ],
        "pw-SOURCE-VALUE",
    )
    .success();
}

const CREATE: [&str; 9] = [
    "source",
    "create",
    "Warehouse",
    "--type",
    "postgres",
    "--secret",
    "pg_prod",
    "--option",
    "schema=public",
];

/// The whole life of a source, as printed: create, conflict, keep, replace, list, show, drop.
fn life(h: &Harness) {
    pg_secret(h);
    let out = stdout(&h.run(&CREATE).success());
    assert_eq!(
        out,
        "created data source 'warehouse' (type postgres, secret 'pg_prod', read-only, version 1)\n"
    );
    h.run(&CREATE).code(1).stderr(contains(
        "error: data source 'warehouse' already exists in project 'default'; use OR REPLACE (--or-replace) to replace it or IF NOT EXISTS (--if-not-exists) to keep it",
    ));
    let kept: Vec<&str> = CREATE.iter().copied().chain(["--if-not-exists"]).collect();
    assert_eq!(
        stdout(&h.run(&kept).success()),
        "kept existing data source 'warehouse' (type postgres, secret 'pg_prod', read-only, version 1)\n"
    );
    let replaced: Vec<&str> = CREATE
        .iter()
        .copied()
        .chain([
            "--option",
            "path=host=db.internal dbname=sales",
            "--read-write",
            "--or-replace",
        ])
        .collect();
    assert_eq!(
        stdout(&h.run(&replaced).success()),
        "replaced data source 'warehouse' (type postgres, secret 'pg_prod', read-write, version 2)\n"
    );

    let list = h.json(&["source", "list", "--format", "json"]);
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    let s = &list[0];
    assert_eq!(
        (&s["name"], &s["type"], &s["secret"], &s["read_only"], &s["version"]),
        (
            &json!("warehouse"),
            &json!("postgres"),
            &json!("pg_prod"),
            &json!(false),
            &json!(2)
        )
    );
    assert_eq!(
        s["options"],
        json!({"path": "host=db.internal dbname=sales", "schema": "public"})
    );
    let table = stdout(&h.run(&["source", "list"]).success());
    let mut lines = table.lines();
    assert!(
        lines
            .next()
            .is_some_and(|l| l.starts_with("name       type      secret   mode")),
        "{table}"
    );
    assert!(
        lines
            .next()
            .is_some_and(|l| l.starts_with("warehouse  postgres  pg_prod  read-write")),
        "{table}"
    );
    assert_eq!(h.json(&["source", "show", "WAREHOUSE", "--format", "json"]), *s);
    let show = stdout(&h.run(&["source", "show", "warehouse"]).success());
    assert!(show.contains("option    schema = public\n"), "{show}");
    assert!(
        show.contains(
            "attach    ATTACH 'host=db.internal dbname=sales' AS \"warehouse\" (TYPE postgres, SECRET \"pg_prod\", SCHEMA 'public')\n"
        ),
        "{show}"
    );

    assert_eq!(
        stdout(&h.run(&["source", "drop", "warehouse"]).success()),
        "dropped data source 'warehouse'\n"
    );
    h.run(&["source", "drop", "warehouse"])
        .code(1)
        .stderr(contains("error: no data source named 'warehouse' in project 'default'"));
    assert_eq!(
        stdout(&h.run(&["source", "drop", "warehouse", "--if-exists"]).success()),
        "no data source named 'warehouse'; nothing dropped\n"
    );
    h.run(&["source", "show", "warehouse"]).code(1);
    assert_eq!(h.json(&["source", "list", "--format", "json"]), json!([]));
}

/// Bad input exits 2 and says which field or flag, never an option's value.
fn bad_input(h: &Harness) {
    for (args, says) in [
        (
            vec!["--option", "password=hunter2"],
            "invalid data source option 'password': its name says it holds a credential",
        ),
        (
            vec!["--option", "path=postgres://etl:hunter2@db/sales"],
            "its URL holds a password",
        ),
        (
            vec!["--option", "noequals"],
            "invalid --option 'noequals': write it as KEY=VALUE",
        ),
        (
            vec!["--option", "schema=a", "--option", "schema=b"],
            "--option schema is given more than once",
        ),
        (
            vec!["--option", "nope=1"],
            "a postgres source takes no option 'nope'; valid options: path, schema",
        ),
    ] {
        let argv: Vec<&str> = CREATE.iter().copied().chain(args).collect();
        let a = h.run(&argv).code(2);
        let err = stderr(&a);
        assert!(err.contains(says), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
    }
    h.run(&["source", "create", "w", "--type", "oracle", "--secret", "pg_prod"])
        .code(2)
        .stderr(contains(
            "unknown source type 'oracle'; valid types: postgres, mysql, sqlite, ducklake, iceberg, s3",
        ));
    h.run(&["source", "create", "w", "--type", "postgres", "--secret", "pg_gone"])
        .code(2)
        .stderr(contains(
            "source 'w' uses the secret 'pg_gone', which does not exist in project 'default'",
        ));
    h.run(&["source", "create", "w", "--type", "mysql", "--secret", "pg_prod"])
        .code(2)
        .stderr(contains(
            "source 'w' needs a mysql secret; 'pg_prod' is a postgres secret",
        ));
    h.run(&[
        "source",
        "create",
        "w",
        "--type",
        "postgres",
        "--secret",
        "pg_prod",
        "--or-replace",
        "--if-not-exists",
    ])
    .code(2);
    h.run(&[
        "source",
        "create",
        "lite",
        "--type",
        "sqlite",
        "--option",
        "path=/data/local.db",
    ])
    .success()
    .stdout("created data source 'lite' (type sqlite, no secret, read-only, version 1)\n");
}

#[test]
fn sources_locally() {
    let h = Harness::new();
    life(&h);
    bad_input(&h);
}

#[test]
fn sources_through_a_server_read_the_same_and_check_roles() {
    let served = Harness::new();
    let s = Server::start(&served);
    let remote = Harness::with_env(&[("COFFER_URL", &s.url), ("COFFER_TOKEN", &s.admin_token)]);
    life(&remote);
    bad_input(&remote);

    assert_eq!(
        s.admin("POST", "/v1/users", Some(&json!({"name": "reader"}))).status,
        201
    );
    let grant = s.admin(
        "PUT",
        "/v1/projects/default/members/reader",
        Some(&json!({"role": "read"})),
    );
    assert_eq!(grant.status, 200, "{}", grant.text);
    let t = s.admin(
        "POST",
        "/v1/tokens",
        Some(&json!({"name": "reader-t", "owner": "reader"})),
    );
    assert_eq!(t.status, 201, "{}", t.text);
    let reader = t.body["token"].as_str().expect("a token").to_string();
    remote
        .run_env(&CREATE, &[("COFFER_TOKEN", &reader)])
        .code(3)
        .stderr(contains("needs the role 'write' in project 'default'"));
    remote
        .run_env(&["source", "list"], &[("COFFER_TOKEN", &reader)])
        .success();
    remote
        .run_env(&["source", "drop", "lite"], &[("COFFER_TOKEN", &reader)])
        .code(3);
    // What the server stored is what a local command on its home reads.
    let listed = served.json(&["source", "list", "--format", "json"]);
    assert_eq!(listed[0]["name"], "lite", "{listed}");
    assert!(!s.log_text().contains("pw-SOURCE-VALUE"));
}
