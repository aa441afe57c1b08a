//! Service tests on a real SQLite file and a real key file.

mod common;

use coffer_api::ToExitCode;
use coffer_core::{Caller, CoreError, CreateOutcome, CreateRequest, OnConflict, Service};
use coffer_crypto::{CryptoError, SecretString};
use coffer_model::{InputValue, SensitiveValue, Storage};
use common::{actor, Env};
use std::path::Path;

fn text(v: &str) -> InputValue {
    InputValue::Text(SecretString::from(v))
}

fn s3(name: &str, scope: &str, secret: &str, storage: Storage, on_conflict: OnConflict) -> CreateRequest {
    CreateRequest {
        name: Some(name.into()),
        secret_type: "S3".into(),
        provider: None,
        scopes: if scope.is_empty() { vec![] } else { vec![scope.into()] },
        storage,
        on_conflict,
        values: vec![
            ("KEY_ID".into(), text("AKIAEXAMPLE")),
            ("secret".into(), text(secret)),
            ("region".into(), text("us-east-1")),
        ],
    }
}

fn secret_value(svc: &Service, project: &str, name: &str, storage: Option<Storage>) -> String {
    let mut opened = svc
        .use_secrets(&actor(), project, &[(name.to_string(), storage)], "test")
        .expect("open");
    let opened = opened.remove(0);
    match opened.fields.sensitive.get("secret") {
        Some(SensitiveValue::Text(s)) => s.expose_secret().to_string(),
        other => panic!("no secret field: {other:?}"),
    }
}

#[test]
fn create_open_replace_keep() {
    let env = Env::new();
    let svc = env.service();
    let out = svc
        .create_secret(
            &actor(),
            "p",
            s3("a", "s3://b", "v1-secret", Storage::Coffer, OnConflict::Error),
        )
        .expect("create");
    assert!(matches!(out, CreateOutcome::Created(ref i) if i.version == 1 && i.created_by == "test:alice"));
    assert_eq!(secret_value(&svc, "p", "a", None), "v1-secret");

    let err = svc
        .create_secret(
            &actor(),
            "p",
            s3("a", "s3://b", "x", Storage::Coffer, OnConflict::Error),
        )
        .expect_err("exists");
    // What went wrong, and what to do as data (the CLI's wording of it, with its flags, is
    // checked in crates/coffer/src/hint.rs and crates/coffer/tests/cli.rs).
    assert_eq!(
        err.to_string(),
        "Persistent secret with name 'a' already exists in secret storage 'coffer'"
    );
    assert_eq!(err.hint(), Some(coffer_core::Hint::ReplaceOrKeep));
    assert_eq!(err.exit_code(), 1);

    let kept = svc
        .create_secret(
            &actor(),
            "p",
            s3("a", "s3://b", "ignored", Storage::Coffer, OnConflict::Ignore),
        )
        .expect("ignore");
    assert!(matches!(kept, CreateOutcome::Ignored(ref i) if i.version == 1));
    assert_eq!(secret_value(&svc, "p", "a", None), "v1-secret");

    let replaced = svc
        .create_secret(
            &Caller {
                name: "test:bob".into(),
                ..Caller::local()
            },
            "p",
            s3("a", "s3://c", "v2-secret", Storage::Coffer, OnConflict::Replace),
        )
        .expect("replace");
    let info = replaced.info();
    assert!(matches!(replaced, CreateOutcome::Replaced(_)));
    assert_eq!(
        (info.version, info.created_by.as_str(), info.updated_by.as_str()),
        (2, "test:alice", "test:bob")
    );
    assert_eq!(info.scope, vec!["s3://c".to_string()]);
    // A fresh service (another process) reads the same.
    drop(svc);
    let svc = env.service();
    assert_eq!(secret_value(&svc, "p", "a", None), "v2-secret");
}

#[test]
fn temporary_and_persistent_coexist_like_duckdb() {
    let env = Env::new();
    let svc = env.service();
    svc.create_secret(
        &actor(),
        "p",
        s3("same", "s3://b", "persistent-v", Storage::Coffer, OnConflict::Error),
    )
    .expect("p");
    svc.create_secret(
        &actor(),
        "p",
        s3("same", "s3://b", "temporary-v", Storage::Memory, OnConflict::Error),
    )
    .expect("t");
    assert_eq!(svc.list_secrets(&actor(), "p").expect("list").len(), 2);
    // Equal scope length: the temporary one wins (offset 10 < 20).
    let w = svc
        .which_secret(&actor(), "p", "s3://b/x", "s3")
        .expect("which")
        .expect("match");
    assert_eq!(
        (w.name.as_str(), w.persistent.as_str(), w.storage.as_str()),
        ("same", "TEMPORARY", "memory")
    );
    let err = svc.secret_info(&actor(), "p", "same", None).expect_err("ambiguous");
    assert!(matches!(err, CoreError::Ambiguous { .. }));
    assert_eq!(err.exit_code(), 2);
    let err = svc
        .drop_secret(&actor(), "p", "same", false, None)
        .expect_err("ambiguous");
    assert_eq!(
        err.to_string(),
        "secret 'same' exists in several storages (memory, coffer)"
    );
    assert_eq!(err.hint(), Some(coffer_core::Hint::NameStorage));
    assert_eq!(secret_value(&svc, "p", "same", Some(Storage::Memory)), "temporary-v");
    assert_eq!(
        svc.drop_secret(&actor(), "p", "same", false, Some(Storage::Memory))
            .expect("drop"),
        Some(Storage::Memory)
    );
    let w = svc
        .which_secret(&actor(), "p", "s3://b/x", "s3")
        .expect("which")
        .expect("match");
    assert_eq!(w.persistent, "PERSISTENT");
    assert_eq!(
        svc.drop_secret(&actor(), "p", "same", false, None).expect("drop"),
        Some(Storage::Coffer)
    );
    assert!(svc
        .which_secret(&actor(), "p", "s3://b/x", "s3")
        .expect("which")
        .is_none());
    assert!(matches!(
        svc.drop_secret(&actor(), "p", "same", false, None),
        Err(CoreError::NotFound { .. })
    ));
    assert_eq!(
        svc.drop_secret(&actor(), "p", "same", true, None).expect("if exists"),
        None
    );
    // Temporary secrets die with the service.
    svc.create_secret(&actor(), "p", s3("t", "", "x", Storage::Memory, OnConflict::Error))
        .expect("t");
    drop(svc);
    assert!(env.service().list_secrets(&actor(), "p").expect("list").is_empty());
}

#[test]
fn which_follows_scope_changes_and_projects() {
    let env = Env::new();
    let svc = env.service();
    svc.create_secret(
        &actor(),
        "p",
        s3("short", "s3://bucket", "x", Storage::Coffer, OnConflict::Error),
    )
    .expect("a");
    assert_eq!(
        svc.which_secret(&actor(), "p", "s3://bucket/k", "s3")
            .expect("w")
            .map(|w| w.name),
        Some("short".into())
    );
    svc.create_secret(
        &actor(),
        "p",
        s3("long", "s3://bucket/k", "x", Storage::Coffer, OnConflict::Error),
    )
    .expect("b");
    assert_eq!(
        svc.which_secret(&actor(), "p", "s3://bucket/k/x", "s3")
            .expect("w")
            .map(|w| w.name),
        Some("long".into())
    );
    svc.create_secret(
        &actor(),
        "p",
        s3("long", "s3://other", "x", Storage::Coffer, OnConflict::Replace),
    )
    .expect("c");
    assert_eq!(
        svc.which_secret(&actor(), "p", "s3://bucket/k/x", "s3")
            .expect("w")
            .map(|w| w.name),
        Some("short".into())
    );
    assert!(svc
        .which_secret(&actor(), "q", "s3://bucket/k/x", "s3")
        .expect("w")
        .is_none());
    // Default scopes: s3 covers s3a:// too.
    svc.create_secret(&actor(), "q", s3("dflt", "", "x", Storage::Coffer, OnConflict::Error))
        .expect("d");
    assert_eq!(
        svc.which_secret(&actor(), "q", "s3a://x/y", "s3")
            .expect("w")
            .map(|w| w.name),
        Some("dflt".into())
    );
    assert!(svc.which_secret(&actor(), "q", "gs://x/y", "gcs").expect("w").is_none());
    assert!(matches!(
        svc.which_secret(&actor(), "q", "gs://x", "nope"),
        Err(CoreError::Invalid(_))
    ));
}

/// A raw connection to the database, as an attacker with the file would have. Its writes move
/// the store's generation (as any process's would if it wanted the server to notice at once),
/// so the service's caches do not hide them.
fn raw(db: &Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(db).expect("raw sqlite");
    conn.execute_batch(
        "CREATE TEMP TRIGGER bump_u AFTER UPDATE ON secrets BEGIN UPDATE meta SET generation = generation + 1; END;
         CREATE TEMP TRIGGER bump_i AFTER INSERT ON secrets BEGIN UPDATE meta SET generation = generation + 1; END;
         CREATE TEMP TRIGGER bump_d AFTER DELETE ON secrets BEGIN UPDATE meta SET generation = generation + 1; END;",
    )
    .expect("triggers");
    conn
}

fn assert_integrity(svc: &Service, name: &str) {
    match svc.use_secrets(&actor(), "p", &[(name.to_string(), None)], "test") {
        Err(CoreError::Crypto(CryptoError::Integrity)) => {}
        other => panic!("expected an integrity error for {name}, got {other:?}"),
    }
}

#[test]
fn tampering_any_ciphertext_byte_fails_with_integrity_error() {
    let env = Env::new();
    let svc = env.service();
    svc.create_secret(
        &actor(),
        "p",
        s3("a", "s3://a", "secret-of-a", Storage::Coffer, OnConflict::Error),
    )
    .expect("a");
    let conn = raw(&env.db());
    let (ct, wk): (Vec<u8>, Vec<u8>) = conn
        .query_row(
            "SELECT ciphertext, wrapped_key FROM secrets WHERE name = 'a'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("row");
    for i in 0..ct.len() {
        let mut bad = ct.clone();
        bad[i] ^= 0x01;
        conn.execute("UPDATE secrets SET ciphertext = ?1 WHERE name = 'a'", [&bad])
            .expect("update");
        assert_integrity(&svc, "a");
    }
    conn.execute("UPDATE secrets SET ciphertext = ?1 WHERE name = 'a'", [&ct])
        .expect("restore");
    for i in 0..wk.len() {
        let mut bad = wk.clone();
        bad[i] ^= 0x80;
        conn.execute("UPDATE secrets SET wrapped_key = ?1 WHERE name = 'a'", [&bad])
            .expect("update");
        assert_integrity(&svc, "a");
    }
    conn.execute("UPDATE secrets SET wrapped_key = ?1 WHERE name = 'a'", [&wk])
        .expect("restore");
    assert_eq!(secret_value(&svc, "p", "a", None), "secret-of-a");
    // Editing clear metadata bound in the AAD also fails.
    for stmt in [
        "UPDATE secrets SET version = 7 WHERE name = 'a'",
        "UPDATE secrets SET scopes = '[\"s3://evil\"]' WHERE name = 'a'",
        "UPDATE secrets SET public_fields = '{\"key_id\":\"AKIAOTHER\",\"region\":\"us-east-1\"}' WHERE name = 'a'",
        "UPDATE secrets SET secret_type = 'r2' WHERE name = 'a'",
    ] {
        let snapshot: Vec<(String, String, String, i64)> = conn
            .query_row(
                "SELECT scopes, public_fields, secret_type, version FROM secrets WHERE name = 'a'",
                [],
                |r| Ok(vec![(r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)]),
            )
            .expect("snap");
        conn.execute(stmt, []).expect("tamper");
        assert_integrity(&svc, "a");
        let (s, p, t, v) = &snapshot[0];
        conn.execute(
            "UPDATE secrets SET scopes = ?1, public_fields = ?2, secret_type = ?3, version = ?4 WHERE name = 'a'",
            rusqlite::params![s, p, t, v],
        )
        .expect("restore");
    }
    assert_eq!(secret_value(&svc, "p", "a", None), "secret-of-a");
}

#[test]
fn copying_a_ciphertext_into_another_row_fails() {
    let env = Env::new();
    let svc = env.service();
    svc.create_secret(
        &actor(),
        "p",
        s3("a", "s3://a", "secret-of-a", Storage::Coffer, OnConflict::Error),
    )
    .expect("a");
    svc.create_secret(
        &actor(),
        "p",
        s3("b", "s3://a", "secret-of-b", Storage::Coffer, OnConflict::Error),
    )
    .expect("b");
    svc.create_secret(
        &actor(),
        "other",
        s3("a", "s3://a", "secret-of-other-a", Storage::Coffer, OnConflict::Error),
    )
    .expect("c");
    let conn = raw(&env.db());
    // Ciphertext only, then ciphertext together with its wrapped key and nonce.
    conn.execute(
        "UPDATE secrets SET ciphertext = (SELECT ciphertext FROM secrets WHERE project = 'p' AND name = 'a') WHERE project = 'p' AND name = 'b'",
        [],
    )
    .expect("copy");
    assert_integrity(&svc, "b");
    conn.execute(
        "UPDATE secrets SET (ciphertext, wrapped_key, nonce, key_id) = (SELECT ciphertext, wrapped_key, nonce, key_id FROM secrets WHERE project = 'p' AND name = 'a') WHERE project = 'p' AND name = 'b'",
        [],
    )
    .expect("copy all");
    assert_integrity(&svc, "b");
    // Same name in another project.
    conn.execute(
        "UPDATE secrets SET (ciphertext, wrapped_key, nonce, key_id) = (SELECT ciphertext, wrapped_key, nonce, key_id FROM secrets WHERE project = 'other' AND name = 'a') WHERE project = 'p' AND name = 'a'",
        [],
    )
    .expect("copy across projects");
    assert_integrity(&svc, "a");
    // The untouched row still opens.
    assert_eq!(secret_value(&svc, "other", "a", None), "secret-of-other-a");
}

#[test]
fn a_different_key_file_cannot_open() {
    let env = Env::new();
    env.service()
        .create_secret(
            &actor(),
            "p",
            s3("a", "s3://a", "secret-of-a", Storage::Coffer, OnConflict::Error),
        )
        .expect("a");
    std::fs::remove_file(env.dir.path().join("master.key")).expect("rm key");
    let svc = env.service();
    assert_integrity(&svc, "a");
}

#[test]
fn env_storage_is_read_only() {
    let env = Env::new();
    let svc = env.service();
    let err = svc
        .create_secret(&actor(), "p", s3("a", "", "x", Storage::Env, OnConflict::Error))
        .expect_err("ro");
    assert_eq!(err.to_string(), "secrets in storage 'env' are read-only");
}
