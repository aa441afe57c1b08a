//! Kestra's environment secrets backend: `SECRET_<NAME>` variables (base64) as read-only
//! `generic` secrets of storage `env`, on a real SQLite file and a real key file.

mod common;

use coffer_api::ToExitCode;
use coffer_core::{Caller, CoreError, CreateRequest, OnConflict, Service};
use coffer_crypto::SecretString;
use coffer_model::{InputValue, SensitiveValue, Storage};
use common::{actor, Env};

fn vars(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn value_of(svc: &Service, project: &str, name: &str, storage: Option<Storage>) -> String {
    let mut opened = svc
        .use_secrets(&actor(), project, &[(name.to_string(), storage)], "test")
        .expect("open");
    let opened = opened.remove(0);
    assert_eq!(opened.info.storage, Storage::Env);
    match opened.fields.sensitive.get("value") {
        Some(SensitiveValue::Text(s)) => s.expose_secret().to_string(),
        other => panic!("no value field: {other:?}"),
    }
}

fn generic(name: &str, value: &str, storage: Storage) -> CreateRequest {
    CreateRequest {
        name: Some(name.into()),
        secret_type: "generic".into(),
        provider: None,
        scopes: vec![],
        storage,
        on_conflict: OnConflict::Error,
        values: vec![("value".into(), InputValue::Text(SecretString::from(value)))],
    }
}

#[test]
fn loads_valid_variables_as_read_only_env_secrets() {
    let env = Env::new();
    let svc = env.service();
    let n = svc
        .load_env_secrets(vars(&[
            // "actual_postgres_password", padded
            ("SECRET_POSTGRES_PASSWORD", "YWN0dWFsX3Bvc3RncmVzX3Bhc3N3b3Jk"),
            // "ab" without its "==" and "abcd" with a line break, as `base64` wraps
            ("SECRET_SHORT", "YWI"),
            ("SECRET_WRAPPED", "YWJj\nZA=="),
            // "line1\nk=v=\n", padded
            ("SECRET_MULTI", "bGluZTEKaz12PQo="),
            // "pässwörd-€" (UTF-8)
            ("SECRET_UNICODE", "cMOkc3N3w7ZyZC3igqw="),
            ("PATH", "/usr/bin"),
            ("NOT_SECRET_X", "!!!"),
        ]))
        .expect("load");
    assert_eq!(n, 5);
    assert_eq!(
        value_of(&svc, "p", "POSTGRES_PASSWORD", None),
        "actual_postgres_password"
    );
    assert_eq!(value_of(&svc, "p", "short", Some(Storage::Env)), "ab");
    assert_eq!(value_of(&svc, "p", "WRAPPED", None), "abcd");
    assert_eq!(value_of(&svc, "p", "MULTI", None), "line1\nk=v=\n");
    assert_eq!(value_of(&svc, "q", "UNICODE", None), "pässwörd-€");

    let list = svc.list_secrets(&actor(), "p").expect("list");
    let names: Vec<&str> = list.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["MULTI", "POSTGRES_PASSWORD", "SHORT", "UNICODE", "WRAPPED"]);
    let pg = list.iter().find(|s| s.name == "POSTGRES_PASSWORD").expect("pg");
    assert_eq!(pg.storage, Storage::Env);
    assert!(!pg.persistent);
    assert_eq!(pg.version, 1);
    assert_eq!(pg.secret_type, "generic");
    assert_eq!(pg.sensitive_keys, ["value"]);
    assert_eq!(pg.created_by, "env:SECRET_POSTGRES_PASSWORD");
    assert!(
        !pg.secret_string.contains("actual_postgres_password"),
        "{}",
        pg.secret_string
    );
    let json = serde_json::to_value(pg).expect("json");
    assert_eq!(json["storage"], "env");

    // Visible in every project by default.
    assert_eq!(svc.list_secrets(&actor(), "q").expect("list q").len(), 5);
    let info = svc.secret_info(&actor(), "q", "postgres_password", None).expect("info");
    assert_eq!(info.storage, Storage::Env);

    // The resolver of runs injects a generic secret under its own name.
    let vars = svc
        .resolve_env(&actor(), "p", &["POSTGRES_PASSWORD".to_string()])
        .expect("env");
    let vars: Vec<_> = vars.vars().collect();
    assert_eq!(vars.len(), 1);
    assert_eq!(vars[0].0, "POSTGRES_PASSWORD");
    assert_eq!(vars[0].1.expose_secret(), "actual_postgres_password");
    assert!(vars[0].3);

    // Audited as a use, with its storage.
    let audit = format!("{:?}", svc.list_audit(&actor(), &Default::default()).expect("audit"));
    assert!(audit.contains("storage=env"), "{audit}");
    assert!(!audit.contains("actual_postgres_password"));

    // Generic secrets match any path of their type, after memory and coffer ones.
    let which = svc
        .which_secret(&actor(), "p", "anything", "generic")
        .expect("which")
        .expect("a match");
    assert_eq!(which.storage, "env");
    assert_eq!(which.persistent, "TEMPORARY");
}

#[test]
fn create_drop_and_update_in_env_are_refused() {
    let env = Env::new();
    let svc = env.service();
    svc.load_env_secrets(vars(&[("SECRET_API_TOKEN", "dG9rZW4=")]))
        .expect("load");
    let err = svc
        .create_secret(&actor(), "p", generic("api_token", "x", Storage::Env))
        .expect_err("create in env");
    assert!(matches!(err, CoreError::ReadOnly(_)));
    assert_eq!(err.exit_code(), 2);
    let msg = err.to_string();
    assert!(msg.contains("SECRET_API_TOKEN"), "{msg}");
    assert!(msg.contains("restart"), "{msg}");

    for storage in [None, Some(Storage::Env)] {
        let err = svc
            .drop_secret(&actor(), "p", "API_TOKEN", false, storage)
            .expect_err("drop");
        assert!(matches!(err, CoreError::ReadOnly(_)), "{err}");
        assert!(
            err.to_string().contains("environment variable SECRET_API_TOKEN"),
            "{err}"
        );
        // IF EXISTS does not make it droppable.
        assert!(svc.drop_secret(&actor(), "p", "API_TOKEN", true, storage).is_err());
    }
    let err = svc
        .update_secret(&actor(), "p", "API_TOKEN", None, Default::default())
        .expect_err("update");
    assert!(err.to_string().contains("SECRET_API_TOKEN"), "{err}");
    assert_eq!(
        svc.list_secrets(&actor(), "p").expect("list")[0].storage,
        Storage::Env,
        "still there"
    );
}

#[test]
fn bad_variables_are_all_named_and_no_value_is_shown() {
    let env = Env::new();
    let svc = env.service();
    svc.load_env_secrets(vars(&[("SECRET_KEEP", "a2VlcA==")]))
        .expect("load");
    let err = svc
        .load_env_secrets(vars(&[
            ("SECRET_GOOD", "Z29vZA=="),
            ("SECRET_FIRST", "not base64: hunter2-leaked!"),
            ("SECRET_SECOND", "c2Vjb25k=extra-hunter3"),
            ("SECRET_NOT_UTF8", "//79"),
            ("SECRET_bad name", "eA=="),
            ("SECRET_", "eA=="),
            ("SECRET_good", "eA=="),
            ("SECRET_ONE_CHAR", "QUJDR"),
            ("SECRET_NONCANONICAL", "QR=="),
        ]))
        .expect_err("bad vars");
    assert!(matches!(err, CoreError::Usage(_)));
    assert_eq!(err.exit_code(), 2);
    let msg = err.to_string();
    for var in [
        "SECRET_FIRST",
        "SECRET_SECOND",
        "SECRET_NOT_UTF8",
        "SECRET_bad name",
        "SECRET_:",
        "SECRET_good",
        "SECRET_ONE_CHAR",
        "SECRET_NONCANONICAL",
    ] {
        assert!(msg.contains(var), "{var} not named in: {msg}");
    }
    for value in ["hunter2", "hunter3", "c2Vjb25k", "Z29vZA", "//79", "QUJDR"] {
        assert!(!msg.contains(value), "{value} shown in: {msg}");
    }
    assert!(!msg.contains("SECRET_GOOD:"), "{msg}");
    // Nothing changed: the earlier load stands.
    let names: Vec<String> = svc
        .list_secrets(&actor(), "p")
        .expect("list")
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, ["KEEP"]);
}

#[test]
fn never_stored_and_ambiguous_beside_a_stored_secret() {
    let env = Env::new();
    let svc = env.service();
    // "env-only-SENTINEL-4711", in base64.
    svc.load_env_secrets(vars(&[("SECRET_DB_URL", "ZW52LW9ubHktU0VOVElORUwtNDcxMQ==")]))
        .expect("load");
    assert_eq!(value_of(&svc, "p", "DB_URL", None), "env-only-SENTINEL-4711");
    svc.create_secret(&actor(), "p", generic("DB_URL", "stored-value", Storage::Coffer))
        .expect("a stored secret of the same name");

    let err = svc
        .use_secrets(&actor(), "p", &[("DB_URL".to_string(), None)], "test")
        .expect_err("ambiguous");
    assert!(matches!(err, CoreError::Ambiguous { .. }), "{err}");
    assert!(err.to_string().contains("SECRET_DB_URL"), "{err}");
    assert_eq!(
        value_of(&svc, "p", "DB_URL", Some(Storage::Env)),
        "env-only-SENTINEL-4711"
    );
    // Dropping the stored one is possible by naming its storage.
    assert_eq!(
        svc.drop_secret(&actor(), "p", "DB_URL", false, Some(Storage::Coffer))
            .expect("drop stored"),
        Some(Storage::Coffer)
    );
    assert_eq!(value_of(&svc, "p", "DB_URL", None), "env-only-SENTINEL-4711");

    drop(svc);
    let bytes = env.db_bytes();
    assert!(!bytes.is_empty());
    for needle in ["env-only-SENTINEL-4711", "ZW52LW9ubHktU0VOVElORUwtNDcxMQ"] {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
            "{needle} found in the database"
        );
    }
}

#[test]
fn a_project_can_be_chosen() {
    let env = Env::new();
    let svc = env.service();
    svc.load_env_secrets_in(Some(&["P".to_string()]), vars(&[("SECRET_ONLY_P", "eA==")]))
        .expect("load");
    assert_eq!(svc.list_secrets(&actor(), "p").expect("p").len(), 1);
    assert!(svc.list_secrets(&actor(), "q").expect("q").is_empty());
    let err = svc
        .use_secrets(&actor(), "q", &[("ONLY_P".to_string(), None)], "test")
        .expect_err("not in q");
    assert!(matches!(err, CoreError::NotFound { .. }), "{err}");
}

#[test]
fn opening_needs_the_use_role() {
    let env = Env::new();
    let svc = env.service();
    svc.load_env_secrets(vars(&[("SECRET_T", "eA==")])).expect("load");
    let stranger = Caller {
        name: "test:mallory".into(),
        superuser: false,
        ..Caller::local()
    };
    let err = svc
        .use_secrets(&stranger, "p", &[("T".to_string(), None)], "test")
        .expect_err("forbidden");
    assert!(matches!(err, CoreError::Forbidden { .. }), "{err}");
}
