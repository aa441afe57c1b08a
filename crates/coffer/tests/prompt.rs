//! Sensitive values typed at a prompt: read from the terminal without echo. The binary runs
//! under `script(1)`, which gives it a pseudo-terminal.

use coffer_core::Service;
use coffer_crypto::LocalKeyFile;
use coffer_model::SensitiveValue;
use coffer_store_sqlite::SqliteStore;
use std::io::Write;
use std::process::{Command, Stdio};

fn run_in_pty(home: &std::path::Path, args: &str, typed: &str) -> (bool, String) {
    let bin = assert_cmd::cargo::cargo_bin("coffer");
    let mut child = Command::new("script")
        .args(["-qec", &format!("{} {args}", bin.display()), "/dev/null"])
        .env("COFFER_HOME", home)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script(1) from util-linux");
    // Give the prompt time to switch the terminal to no-echo before typing.
    std::thread::sleep(std::time::Duration::from_millis(700));
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(typed.as_bytes())
        .expect("type");
    let out = child.wait_with_output().expect("wait");
    let transcript = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), transcript)
}

fn stored_secret(home: &std::path::Path, name: &str, field: &str) -> String {
    let (kr, _) = LocalKeyFile::open_or_create(&home.join("master.key")).expect("key");
    let svc = Service::new(
        Box::new(SqliteStore::open(&home.join("coffer.db")).expect("db")),
        Box::new(kr),
    );
    let opened = svc
        .use_secrets(
            &coffer_core::Caller::local(),
            "default",
            &[(name.to_string(), None)],
            "test",
        )
        .expect("open")
        .remove(0);
    match opened.fields.sensitive.get(field) {
        Some(SensitiveValue::Text(s)) => s.expose_secret().to_string(),
        other => panic!("no {field}: {other:?}"),
    }
}

#[test]
fn prompts_without_echo_for_a_named_field_and_for_a_missing_required_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path().join("home");
    let (ok, transcript) = run_in_pty(
        &home,
        "secret create p1 --type s3 --set key_id=AKIAEXAMPLE --set region=us-east-1 --set secret",
        "PROMPTED-canary-41\n",
    );
    assert!(ok, "{transcript}");
    assert!(
        transcript.contains("value of 'secret' for secret 'p1' (input hidden):"),
        "{transcript}"
    );
    assert!(
        !transcript.contains("PROMPTED-canary-41"),
        "the typed value was echoed: {transcript}"
    );
    assert_eq!(stored_secret(&home, "p1", "secret"), "PROMPTED-canary-41");

    // `api_key` not mentioned at all: on a terminal coffer asks for the missing required field
    // (DuckDB's types require none; FlockMTL's openai requires api_key).
    let (ok, transcript) = run_in_pty(&home, "secret create p2 --type openai", "PROMPTED-canary-42\n");
    assert!(ok, "{transcript}");
    assert!(!transcript.contains("PROMPTED-canary-42"), "{transcript}");
    assert_eq!(stored_secret(&home, "p2", "api_key"), "PROMPTED-canary-42");
}
