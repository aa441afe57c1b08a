//! `coffer key prune` and `coffer key rotate --prune`: old key-encryption keys leave the key
//! file once no stored data key (no secret version, current or kept) is wrapped under them;
//! a key something still uses stays, and the command says what uses it; every version still
//! opens; the prune is audited; the key file stays 0600.

mod common;

use common::{stdout, Harness};
use predicates::str::contains;

/// `tok` with versions 1..=3 (1 and 2 kept) and `other`, each a generic secret.
fn store_with_history(h: &Harness) {
    for (i, v) in ["PRUNE-tok-1", "PRUNE-tok-2", "PRUNE-tok-3"].iter().enumerate() {
        let mut args = vec!["secret", "create", "tok", "--type", "generic", "--set", "value=-"];
        if i > 0 {
            args.push("--or-replace");
        }
        h.run_stdin(&args, v).success();
    }
    h.run_stdin(
        &["secret", "create", "other", "--type", "generic", "--set", "value=-"],
        "PRUNE-other",
    )
    .success();
}

/// The key ids in the key file.
fn file_keys(h: &Harness) -> Vec<String> {
    std::fs::read_to_string(h.key_path())
        .expect("key file")
        .lines()
        .filter_map(|l| l.strip_prefix("key "))
        .map(|l| format!("local:{}", l.split(' ').next().expect("version")))
        .collect()
}

/// The value of the generic secret `name` (through `env export`, an audited use).
fn value(h: &Harness, name: &str) -> String {
    let out = stdout(&h.run(&["env", "export", name]).success());
    out.strip_prefix(&format!("{name}="))
        .and_then(|v| v.strip_suffix('\n'))
        .unwrap_or_else(|| panic!("{out}"))
        .to_string()
}

/// Every version of `tok` (kept ones by rolling back to them) and `other` opens.
fn every_version_opens(h: &Harness) {
    // `migrate` opens every stored version with this home's keyring to check its copy.
    let copy = h.root().join(format!("check-{}.db", rand_suffix()));
    h.run(&["migrate", "--to", &format!("sqlite:{}", copy.display())])
        .success();
    assert_eq!(value(h, "other"), "PRUNE-other");
    for v in 1..=3 {
        h.run(&["secret", "rollback", "tok", "--version", &v.to_string()])
            .success();
        assert_eq!(value(h, "tok"), format!("PRUNE-tok-{v}"));
    }
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_nanos()
}

/// The `key.*` audit events (server-level events are not in any project `coffer audit` lists).
fn key_events(h: &Harness) -> Vec<(String, String)> {
    let conn = rusqlite::Connection::open(h.db_path()).expect("db");
    let mut stmt = conn
        .prepare("SELECT action, coalesce(detail, '') FROM audit_events WHERE action LIKE 'key.%' ORDER BY id")
        .expect("query");
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("rows")
        .map(|r| r.expect("row"))
        .collect();
    rows
}

#[test]
fn rotate_prune_drops_old_keys_and_every_version_still_opens() {
    let h = Harness::new();
    store_with_history(&h);
    h.run(&["key", "prune"])
        .success()
        .stdout(contains("nothing to prune in"))
        .stdout(contains("kept local:1: current: new data keys are wrapped with it\n"));
    h.run(&["key", "rotate"]).success();
    assert_eq!(file_keys(&h), ["local:1", "local:2"]);
    let a = h.run(&["key", "rotate", "--prune"]).success();
    let out = stdout(&a);
    let file = h.key_path();
    assert_eq!(
        out,
        format!(
            "new key-encryption key local:3\n\
             wrapped 4 data key(s) again under local:3\n\
             removed key-encryption key local:1 from {f}\n\
             removed key-encryption key local:2 from {f}\n\
             kept local:3: current: new data keys are wrapped with it\n",
            f = file.display()
        )
    );
    assert_eq!(file_keys(&h), ["local:3"]);
    assert_eq!(h.mode(&file), 0o600);
    let text = std::fs::read_to_string(&file).expect("key file");
    assert!(text.contains("current 3\n"), "{text}");
    every_version_opens(&h);
    assert_eq!(
        key_events(&h),
        [
            (
                "key.rotate".to_string(),
                "new key local:2; wrapping every data key again".to_string()
            ),
            (
                "key.rotate".to_string(),
                "new key local:3; wrapping every data key again".to_string()
            ),
            (
                "key.prune".to_string(),
                "removing unused key-encryption keys local:1, local:2".to_string()
            ),
        ]
    );
    // JSON: the rotation and the prune.
    let v = h.json(&["key", "rotate", "--prune", "--format", "json"]);
    assert_eq!(v["rotation"]["new_key"], "local:4", "{v}");
    assert_eq!(v["prune"]["removed"], serde_json::json!(["local:3"]), "{v}");
    assert_eq!(file_keys(&h), ["local:4"]);
    every_version_opens(&h);
}

#[test]
fn prune_keeps_a_key_a_version_is_still_wrapped_under_and_says_which() {
    let h = Harness::new();
    store_with_history(&h);
    // Kept version 1 of tok, as wrapped under local:1: put back after the rotation, as a
    // restored backup (or a writer from before the rotation) would.
    let conn = rusqlite::Connection::open(h.db_path()).expect("db");
    let old: (String, Vec<u8>) = conn
        .query_row(
            "SELECT key_id, wrapped_key FROM secret_versions WHERE name = 'tok' AND version = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("kept version 1");
    assert_eq!(old.0, "local:1");
    h.run(&["key", "rotate"]).success();
    conn.execute(
        "UPDATE secret_versions SET key_id = ?1, wrapped_key = ?2 WHERE name = 'tok' AND version = 1",
        rusqlite::params![old.0, old.1],
    )
    .expect("put back");
    drop(conn);
    let a = h.run(&["key", "prune"]).success();
    assert_eq!(
        stdout(&a),
        format!(
            "nothing to prune in {}\n\
             kept local:1: still wraps 1 data key: run `coffer key rotate` to wrap them under local:2 first (default/tok version 1)\n\
             kept local:2: current: new data keys are wrapped with it\n",
            h.key_path().display()
        )
    );
    assert_eq!(file_keys(&h), ["local:1", "local:2"]);
    let v = h.json(&["key", "prune", "--format", "json"]);
    assert_eq!(v["kept"][0]["key_id"], "local:1", "{v}");
    assert_eq!(v["kept"][0]["data_keys"], 1, "{v}");
    assert_eq!(
        v["kept"][0]["used_by"],
        serde_json::json!(["default/tok version 1"]),
        "{v}"
    );
    assert!(
        key_events(&h).iter().all(|(a, _)| a != "key.prune"),
        "nothing was pruned"
    );
    every_version_opens(&h);
    // A rotation finishes the job; the prune then removes local:1.
    h.run(&["key", "rotate", "--prune"])
        .success()
        .stdout(contains("finished an interrupted rotation to local:2"))
        .stdout(contains("removed key-encryption key local:1 from"));
    assert_eq!(file_keys(&h), ["local:2"]);
    every_version_opens(&h);
}

#[test]
fn prune_is_for_the_embedded_store() {
    let h = Harness::new();
    for args in [&["key", "prune"][..], &["key", "rotate", "--prune"][..]] {
        h.run_env(args, &[("COFFER_URL", "http://127.0.0.1:1"), ("COFFER_TOKEN", "x")])
            .code(2)
            .stderr(contains("works on the embedded store only"));
    }
}
