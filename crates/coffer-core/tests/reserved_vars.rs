//! Secrets and config keys may not set variables that steer a loader, shell or interpreter
//! (`coffer_model::reserved`): refused when they are created, as validation errors (exit 2).

mod common;

use coffer_api::ToExitCode;
use coffer_core::{CoreError, CreateRequest, FlightUpdate, OnConflict, Service};
use coffer_crypto::SecretString;
use coffer_model::flight::FlightSpec;
use coffer_model::{InputValue, ModelError, Storage};
use common::{actor, Env};

fn generic(name: &str, storage: Storage) -> CreateRequest {
    CreateRequest {
        name: Some(name.into()),
        secret_type: "generic".into(),
        provider: None,
        scopes: vec![],
        storage,
        on_conflict: OnConflict::Replace,
        values: vec![("value".into(), InputValue::Text(SecretString::from("/tmp/evil.so")))],
    }
}

fn flight(config: &[(&str, &str)], secrets: &[&str]) -> FlightSpec {
    FlightSpec {
        config: config.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        secrets: secrets.iter().map(|s| s.to_string()).collect(),
        ..serde_json::from_value(serde_json::json!({"kind": "command", "command": ["true"]})).expect("spec")
    }
}

/// The refusal's variable and rule, and its message.
fn reserved(err: CoreError) -> (String, &'static str, String) {
    assert_eq!(err.exit_code(), 2, "{err}");
    let message = err.to_string();
    match err {
        CoreError::Invalid(ModelError::ReservedVar { var, pattern, .. }) => (var, pattern, message),
        other => panic!("not a reserved-variable error: {other:?}"),
    }
}

#[test]
fn generic_secrets_with_reserved_names_are_refused() {
    let env = Env::new();
    let svc = env.service();
    for (name, rule) in [
        ("LD_PRELOAD", "LD_*"),
        ("PATH", "PATH"),
        ("PYTHONSTARTUP", "PYTHON*"),
        ("COFFER_TOKEN", "COFFER_*"),
        ("BASH_ENV", "BASH_ENV"),
        ("NODE_OPTIONS", "NODE_OPTIONS"),
    ] {
        for storage in [Storage::Coffer, Storage::Memory] {
            let err = svc
                .create_secret(&actor(), "p", generic(name, storage))
                .expect_err(name);
            let (var, pattern, message) = reserved(err);
            assert_eq!((var.as_str(), pattern), (name, rule));
            assert!(
                message.starts_with(&format!(
                    "generic secret name '{name}' would set the environment variable {name} ("
                )) && message.contains(&format!("rule {rule})"))
                    && message.ends_with(
                        "coffer refuses variables that steer a loader, shell or interpreter: choose another name"
                    ),
                "{message}"
            );
        }
    }
    let message = reserved(
        svc.create_secret(&actor(), "p", generic("LD_PRELOAD", Storage::Coffer))
            .expect_err("LD_PRELOAD"),
    )
    .2;
    assert_eq!(
        message,
        "generic secret name 'LD_PRELOAD' would set the environment variable LD_PRELOAD (dynamic loader, rule LD_*); coffer refuses variables that steer a loader, shell or interpreter: choose another name"
    );
    assert!(
        svc.list_secrets(&actor(), "p").expect("list").is_empty(),
        "nothing was stored"
    );

    // The secret name rule already refuses `%%`; the variable rule is the second line.
    let err = svc
        .create_secret(&actor(), "p", generic("BASH_FUNC_x%%", Storage::Coffer))
        .expect_err("BASH_FUNC_x%%");
    assert_eq!(err.exit_code(), 2);
    assert!(err.to_string().contains("BASH_FUNC_x%%"), "{err}");
    assert_eq!(
        coffer_model::env::reserved_var("BASH_FUNC_x%%").map(|r| r.pattern),
        Some("BASH_FUNC_*")
    );

    // Ordinary names, and reserved names in another case (a different variable on Linux).
    for name in ["DATABASE_URL", "PATHWAY", "ld_preload"] {
        svc.create_secret(&actor(), "p", generic(name, Storage::Coffer))
            .expect(name);
    }
}

#[test]
fn changing_a_secret_into_a_reserved_generic_is_refused() {
    let env = Env::new();
    let svc = env.service();
    // A flights secret may be named PATH: it gives PATH_<KEY> variables.
    let req = CreateRequest {
        secret_type: "flights".into(),
        values: vec![(
            "params".into(),
            InputValue::Map(vec![("X".into(), SecretString::from("1"))]),
        )],
        ..generic("PATH", Storage::Coffer)
    };
    svc.create_secret(&actor(), "p", req).expect("flights secret PATH");
    let update = coffer_core::SecretUpdate {
        secret_type: Some("generic".into()),
        set: vec![
            ("params".into(), None),
            ("value".into(), Some(InputValue::Text(SecretString::from("/tmp")))),
        ],
        ..Default::default()
    };
    // The flights secret's name was folded as DuckDB folds it ("path"): as a generic secret it
    // sets the variable `path`, not PATH, so the change is allowed and keeps the folded name.
    let info = svc
        .update_secret(&actor(), "p", "PATH", None, update)
        .expect("generic path");
    assert_eq!((info.name.as_str(), info.secret_type.as_str()), ("path", "generic"));
    // A generic secret named PATH is still refused.
    let (var, pattern, _) = reserved(
        svc.create_secret(&actor(), "p", generic("PATH", Storage::Coffer))
            .expect_err("generic PATH"),
    );
    assert_eq!((var.as_str(), pattern), ("PATH", "PATH"));
}

fn flights_secret(svc: &Service, name: &str, key: &str) {
    let req = CreateRequest {
        secret_type: "flights".into(),
        values: vec![(
            "params".into(),
            InputValue::Map(vec![(key.into(), SecretString::from("/tmp/evil.so"))]),
        )],
        ..generic(name, Storage::Coffer)
    };
    svc.create_secret(&actor(), "p", req).expect("flights secret");
}

#[test]
fn flight_config_keys_and_attached_secrets_are_checked() {
    let env = Env::new();
    let svc = env.service();

    let err = svc
        .create_flight(
            &actor(),
            "p",
            "f",
            flight(&[("NODE_OPTIONS", "--require /tmp/x.js")], &[]),
        )
        .expect_err("NODE_OPTIONS");
    let (var, pattern, message) = reserved(err);
    assert_eq!((var.as_str(), pattern), ("NODE_OPTIONS", "NODE_OPTIONS"));
    assert!(
        message.starts_with("config key 'NODE_OPTIONS' would set the environment variable NODE_OPTIONS")
            && message.ends_with("rename the key"),
        "{message}"
    );

    svc.create_flight(&actor(), "p", "f", flight(&[("REGION", "eu")], &[]))
        .expect("ordinary config");
    let update = FlightUpdate {
        config: Some(
            [("BASH_ENV".to_string(), "/tmp/x.sh".to_string())]
                .into_iter()
                .collect(),
        ),
        ..FlightUpdate::default()
    };
    let (var, pattern, _) = reserved(svc.update_flight(&actor(), "p", "f", update).expect_err("BASH_ENV"));
    assert_eq!((var.as_str(), pattern), ("BASH_ENV", "BASH_ENV"));

    // A flights secret `ld` with param PRELOAD gives LD_PRELOAD: it may exist (it is only
    // ever a variable where it is attached), but not be attached.
    flights_secret(&svc, "ld", "PRELOAD");
    let err = svc
        .create_flight(&actor(), "p", "g", flight(&[], &["ld"]))
        .expect_err("attach ld");
    let (var, pattern, message) = reserved(err);
    assert_eq!((var.as_str(), pattern), ("LD_PRELOAD", "LD_*"));
    assert!(
        message.starts_with(
            "attached secret 'ld' key 'PRELOAD' would set the environment variable LD_PRELOAD (dynamic loader, rule LD_*)"
        ) && message.ends_with("rename the secret or its key, or attach another secret"),
        "{message}"
    );
    let update = FlightUpdate {
        secrets: Some(vec!["ld".into()]),
        ..FlightUpdate::default()
    };
    let (var, _, _) = reserved(svc.update_flight(&actor(), "p", "f", update).expect_err("attach ld"));
    assert_eq!(var, "LD_PRELOAD");

    // Attaching an ordinary one works; so does a generic DATABASE_URL in the project.
    flights_secret(&svc, "api", "KEY");
    svc.create_secret(&actor(), "p", generic("DATABASE_URL", Storage::Coffer))
        .expect("DATABASE_URL");
    svc.create_flight(&actor(), "p", "h", flight(&[("REGION", "eu")], &["api"]))
        .expect("ordinary attachment");
}
