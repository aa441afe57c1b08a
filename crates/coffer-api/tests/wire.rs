//! The JSON of the types that hold values in `SecretString`s or bytes is the HTTP API's: a
//! client and a server of different builds understand each other.

use coffer_api::types::{CreateSecretBody, CreateSecretResponse, FieldInput, LogChunkBody, SecretAction};
use coffer_crypto::SecretString;
use coffer_model::InputValue;
use serde_json::json;

#[test]
fn a_create_body_reads_and_writes_its_fields_as_a_json_object() {
    let wire = json!({
        "name": "s",
        "type": "s3",
        "fields": {"key_id": "AKIA", "secret": "hunter2", "port": 5432, "use_ssl": true,
                   "extra_http_headers": {"X-A": "1", "X-B": "2"}},
    });
    let body: CreateSecretBody = serde_json::from_value(wire.clone()).expect("reads");
    let names: Vec<&str> = body.fields.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["key_id", "secret", "port", "use_ssl", "extra_http_headers"]);
    match &body.fields[1].1 {
        FieldInput::Text(t) => assert_eq!(t.expose_secret(), "hunter2"),
        other => panic!("{other:?}"),
    }
    let shown = format!("{body:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    let again = serde_json::to_value(&body).expect("writes");
    assert_eq!(again["fields"], wire["fields"]);
}

#[test]
fn a_field_given_twice_in_json_keeps_its_last_value_and_twice_in_rust_stays_twice() {
    let body: CreateSecretBody =
        serde_json::from_str(r#"{"type": "generic", "fields": {"value": "a", "value": "b"}}"#).expect("reads");
    assert_eq!(body.fields.len(), 1);
    match &body.fields[0].1 {
        FieldInput::Text(t) => assert_eq!(t.expose_secret(), "b"),
        other => panic!("{other:?}"),
    }
    // The CLI's `--set value=a --set value=b` stays two fields, for the service to refuse.
    let twice = CreateSecretBody {
        fields: ["a", "b"]
            .map(|v| {
                (
                    "value".to_string(),
                    FieldInput::from(InputValue::Text(SecretString::from(v))),
                )
            })
            .into(),
        ..body
    };
    assert_eq!(twice.fields.len(), 2);
    match InputValue::from(FieldInput::Map(vec![("K".into(), SecretString::from("v"))])) {
        InputValue::Map(m) => assert_eq!(m[0].1.expose_secret(), "v"),
        _ => panic!("a map stays a map"),
    }
}

#[test]
fn actions_and_log_bytes_keep_their_json() {
    for (action, text) in [
        (SecretAction::Created, "created"),
        (SecretAction::Replaced, "replaced"),
        (SecretAction::Kept, "kept existing"),
    ] {
        assert_eq!(serde_json::to_value(action).expect("writes"), json!(text));
        assert_eq!(action.as_str(), text);
    }
    let chunk = LogChunkBody {
        seq: 1,
        stream: "stdout".into(),
        at: 2,
        data: b"hi\xff".to_vec(),
    };
    let wire = serde_json::to_value(&chunk).expect("writes");
    assert_eq!(wire, json!({"seq": 1, "stream": "stdout", "at": 2, "data": "aGn/"}));
    let back: LogChunkBody = serde_json::from_value(wire).expect("reads");
    assert_eq!(back.data, b"hi\xff");
    assert!(serde_json::from_value::<LogChunkBody>(json!({"seq": 1, "stream": "s", "at": 2, "data": "*"})).is_err());
    let _: fn(coffer_core::CreateOutcome) -> CreateSecretResponse = CreateSecretResponse::from;
}
