//! The wire types that carry values: `Debug` shows names, never a value, and serde still
//! reads and writes the values.

use super::*;
use serde_json::json;

const VALUE: &str = "hunter2-distinctive";

fn shows_no_value(shown: &str) {
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("<redacted>"), "{shown}");
}

#[test]
fn field_inputs_show_their_kind_and_keys_only() {
    let text = FieldInput::Text(VALUE.into());
    let map = FieldInput::Map(vec![("X-Auth".into(), VALUE.into())]);
    for (input, kind) in [(&text, "Text"), (&map, "Map")] {
        let shown = format!("{input:?}");
        shows_no_value(&shown);
        assert!(shown.starts_with(kind), "{shown}");
    }
    assert!(format!("{map:?}").contains("X-Auth"));
    let pin = format!("{:?}", FieldInput::Int(20_250_614));
    assert!(!pin.contains("20250614") && pin.starts_with("Int"), "{pin}");
    assert!(!format!("{:?}", FieldInput::Bool(true)).contains("true"));
}

#[test]
fn create_secret_bodies_show_field_names_only() {
    let body: CreateSecretBody = serde_json::from_value(json!({
        "name": "s", "type": "s3",
        "fields": {"key_id": "AKIA", "secret": VALUE, "extra_http_headers": {"X-Auth": VALUE}},
    }))
    .expect("a body");
    let shown = format!("{body:?}");
    shows_no_value(&shown);
    for name in ["key_id", "secret", "extra_http_headers", "X-Auth", "s3"] {
        assert!(shown.contains(name), "{name}: {shown}");
    }
    let written = serde_json::to_value(&body).expect("serializes");
    assert_eq!(written["fields"]["secret"], VALUE);
    assert_eq!(written["fields"]["extra_http_headers"]["X-Auth"], VALUE);
}

#[test]
fn env_responses_show_variable_names_only() {
    let resp: EnvResponse =
        serde_json::from_value(json!({"env": {"TOKEN": VALUE, "REGION": "eu"}, "sensitive": ["TOKEN"]}))
            .expect("a response");
    let shown = format!("{resp:?}");
    shows_no_value(&shown);
    assert!(shown.contains("TOKEN") && shown.contains("REGION"), "{shown}");
    assert_eq!(serde_json::to_value(&resp).expect("serializes")["env"]["TOKEN"], VALUE);
    let resolved = resp.into_resolved().expect("an environment");
    let again = EnvResponse::of(&resolved);
    assert_eq!(again.env["TOKEN"].expose_secret(), VALUE);
    assert_eq!(again.sensitive, ["TOKEN"]);
}

#[test]
fn sql_bodies_do_not_show_their_statements() {
    let body: SqlBody = serde_json::from_value(json!({
        "sql": format!("CREATE SECRET s (TYPE s3, KEY_ID 'a', SECRET '{VALUE}')"),
    }))
    .expect("a body");
    shows_no_value(&format!("{body:?}"));
    assert!(serde_json::to_string(&body).expect("serializes").contains(VALUE));
}

#[test]
fn created_tokens_do_not_show_the_token() {
    let created: TokenCreated = serde_json::from_value(json!({
        "token": VALUE,
        "info": {
            "token_name": "t", "owner": "alice", "owner_kind": "user", "created_at": 1,
            "created_by": "alice", "last_used_at": null, "expires_at": null, "revoked_at": null,
            "status": "active", "parent": null,
        },
    }))
    .expect("a token");
    shows_no_value(&format!("{created:?}"));
    assert_eq!(created.token.expose_secret(), VALUE);
}
