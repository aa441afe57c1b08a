//! `coffer run -- CMD`: injection, masking, exit codes, locally and through a server.

mod common;

use common::server::Server;
use common::{stderr, stdout, Harness};
use predicates::str::contains;

fn with_secrets() -> Harness {
    let h = Harness::new();
    h.create_s3("my_s3", &["s3://lake"], "RUN-S3-SECRET-value").success();
    h.run_stdin(
        &[
            "secret",
            "create",
            "DATABASE_URL",
            "--type",
            "generic",
            "--set",
            "value=-",
        ],
        "postgres://u:RUN-DB-PASSWORD@h/db",
    )
    .success();
    h.run_stdin(
        &[
            "secret",
            "create",
            "my_api_secret",
            "--type",
            "flights",
            "--set",
            "params.API_KEY=-",
        ],
        "RUN-API-KEY-1234",
    )
    .success();
    h
}

#[test]
fn injects_secrets_and_masks_them_in_the_output() {
    let h = with_secrets();
    let a = h
        .run(&[
            "run",
            "--secret",
            "my_s3",
            "--secret",
            "my_api_secret",
            "--config",
            "REGION=eu-west-1",
            "--",
            "sh",
            "-c",
            "echo key=$MY_S3_KEY_ID secret=$MY_S3_SECRET; echo api=$MY_API_SECRET_API_KEY >&2; echo db=$DATABASE_URL; echo region=$REGION; \
             printf '%s' \"$MY_S3_SECRET\" | base64",
        ])
        .success();
    let out = stdout(&a);
    assert!(out.contains("key=AKIAEXAMPLE secret=****\n"), "{out}");
    assert!(
        out.contains("db=****\n"),
        "the project's generic secrets come without --secret: {out}"
    );
    assert!(out.contains("region=eu-west-1\n"), "{out}");
    assert!(stderr(&a).contains("api=****"), "{}", stderr(&a));
    for v in [
        "RUN-S3-SECRET-value",
        "RUN-DB-PASSWORD",
        "RUN-API-KEY-1234",
        "UlVOLVMzLVNFQ1JFVC12YWx1ZQ",
    ] {
        assert!(!out.contains(v) && !stderr(&a).contains(v), "{v} leaked: {out}");
    }
}

#[test]
fn a_value_split_across_writes_is_still_masked() {
    let h = with_secrets();
    let a = h
        .run(&[
            "run",
            "--secret",
            "my_s3",
            "--",
            "sh",
            "-c",
            "printf 'start RUN-S3-'; sleep 0.2; printf 'SECRET-value end\\n'",
        ])
        .success();
    assert_eq!(stdout(&a), "start **** end\n");
}

#[test]
fn exit_codes_pass_through_and_errors_run_nothing() {
    let h = with_secrets();
    h.run(&["run", "--", "sh", "-c", "exit 7"]).code(7);
    h.run(&["run", "--", "sh", "-c", "kill -TERM $$"]).code(143);
    h.run(&["run", "--secret", "nope", "--", "sh", "-c", "echo ran"])
        .code(1)
        .stdout("")
        .stderr(contains("secret 'nope' does not exist"));
    h.run(&["run", "--config", "NOEQUALS", "--", "true"])
        .code(2)
        .stderr(contains("use KEY=VALUE"));
    h.run(&["run", "--config", "DATABASE_URL=x", "--", "true"])
        .code(2)
        .stderr(contains(
            "would be set by both secret 'DATABASE_URL' and --config DATABASE_URL",
        ));
    h.run(&["run", "--", "/no/such/program"])
        .code(1)
        .stderr(contains("cannot run '/no/such/program'"));
    // Two sources of one variable are refused, naming both.
    h.run_stdin(
        &[
            "secret",
            "create",
            "MY_S3_SECRET",
            "--type",
            "generic",
            "--set",
            "value=-",
        ],
        "x",
    )
    .success();
    h.run(&["run", "--secret", "my_s3", "--", "true"])
        .code(2)
        .stderr(contains("'MY_S3_SECRET' would be set by both"));
}

#[test]
fn remote_mode_injects_through_the_use_endpoint() {
    let h = with_secrets();
    let s = Server::start(&h);
    let remote = Harness::with_env(&[("COFFER_URL", &s.url), ("COFFER_TOKEN", &s.admin_token)]);
    let a = remote
        .run(&[
            "run",
            "--secret",
            "my_s3",
            "--",
            "sh",
            "-c",
            "echo $MY_S3_SECRET $DATABASE_URL",
        ])
        .success();
    assert_eq!(stdout(&a), "**** ****\n");
    let audit = s.admin("GET", "/v1/audit?project=default&secret=my_s3", None);
    assert!(audit.text.contains("\"use\""), "{}", audit.text);
}

#[test]
fn run_sandbox_confines_the_command_and_plain_run_is_the_owners() {
    let h = with_secrets();
    let key = h.key_path();
    let key = key.to_string_lossy();
    // The owner's own command reads what the owner can.
    h.run(&["run", "--", "head", "-c", "14", &key])
        .success()
        .stdout("# coffer key f");
    // In the sandbox: not the home, not the key file; its own directory and its variables.
    let script = format!(
        "cat '{key}' || echo denied; touch '{}/x' || echo readonly; echo ok > \"$HOME/own\" && cat \"$HOME/own\"; echo \"$MY_API_SECRET_API_KEY\"; id -u",
        h.home().display()
    );
    let a = h
        .run(&[
            "run",
            "--sandbox",
            "--secret",
            "my_api_secret",
            "--",
            "sh",
            "-c",
            &script,
        ])
        .success();
    let out = stdout(&a);
    assert!(
        out.contains("denied") && out.contains("readonly"),
        "{out}\n{}",
        stderr(&a)
    );
    assert!(out.contains("ok\n****\n"), "{out}");
    assert!(!h.home().join("x").exists());
    if coffer_sandbox::is_root() {
        assert!(!out.lines().any(|l| l == "0"), "ran as root: {out}");
    }
    // It gets nothing of coffer's environment but its variables, PATH, HOME and TMPDIR.
    let a = h
        .run_env(
            &["run", "--sandbox", "--no-project-env", "--", "env"],
            &[("LEAKY_VARIABLE", "from-the-parent")],
        )
        .success();
    let names: Vec<String> = stdout(&a)
        .lines()
        .filter_map(|l| l.split_once('=').map(|(k, _)| k.to_string()))
        .collect();
    assert!(
        !names.iter().any(|n| n == "LEAKY_VARIABLE" || n == "COFFER_HOME"),
        "{names:?}"
    );
    assert!(names.iter().any(|n| n == "PATH"), "{names:?}");
}
