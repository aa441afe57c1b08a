//! Validation per secret type: a valid definition of each type (its public/sensitive split
//! and its redacted `duckdb_secrets()` string), and invalid ones with their exact error text.
//! No error may ever contain a sensitive input value.

use coffer_crypto::SecretString;
use coffer_model::display::{secret_string, SecretView};
use coffer_model::validate::{validate, Validated};
use coffer_model::{FieldValue, InputValue, SecretFields, SensitiveValue};
use std::collections::BTreeMap;

/// A distinctive plaintext for sensitive fields: it must never reach an error message.
const PLAIN: &str = "SENSITIVE-PLAINTEXT-123";

fn t(v: &str) -> InputValue {
    InputValue::Text(SecretString::from(v))
}

fn m(entries: &[(&str, &str)]) -> InputValue {
    InputValue::Map(
        entries
            .iter()
            .map(|(k, v)| (k.to_string(), SecretString::from(*v)))
            .collect(),
    )
}

fn kv(pairs: Vec<(&str, InputValue)>) -> Vec<(String, InputValue)> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

fn scopes(s: &[&str]) -> Vec<String> {
    s.iter().map(|s| s.to_string()).collect()
}

fn ok(ty: &str, provider: Option<&str>, sc: &[&str], inputs: Vec<(&str, InputValue)>) -> Validated {
    match validate(ty, provider, scopes(sc), kv(inputs)) {
        Ok(v) => v,
        Err(e) => panic!("{ty}: expected valid, got error: {e}"),
    }
}

/// The error text of an invalid definition; also checks that neither the message nor the
/// `Debug` form contains [`PLAIN`].
fn err(ty: &str, provider: Option<&str>, sc: &[&str], inputs: Vec<(&str, InputValue)>) -> String {
    match validate(ty, provider, scopes(sc), kv(inputs)) {
        Ok(v) => panic!("{ty}: expected an error, got {v:?}"),
        Err(e) => {
            let msg = e.to_string();
            assert!(!msg.contains(PLAIN), "sensitive value leaked into error: {msg}");
            assert!(
                !format!("{e:?}").contains(PLAIN),
                "sensitive value leaked into Debug: {e:?}"
            );
            msg
        }
    }
}

fn public(v: &Validated) -> BTreeMap<&str, String> {
    v.fields
        .public
        .iter()
        .map(|(k, v)| (k.as_str(), v.to_display()))
        .collect()
}

fn sensitive(v: &Validated) -> BTreeMap<String, String> {
    v.fields
        .sensitive_values()
        .into_iter()
        .map(|(k, s)| (k, s.expose_secret().to_string()))
        .collect()
}

fn string_of(name: &str, v: &Validated) -> String {
    let keys = v.fields.sensitive_keys();
    let s = secret_string(&SecretView {
        name,
        ty: v.ty.name,
        provider: v.provider.name,
        scopes: &v.scopes,
        public: &v.fields.public,
        sensitive_keys: &keys,
    });
    assert!(!s.contains(PLAIN), "secret string shows a sensitive value: {s}");
    assert!(
        !format!("{v:?}").contains(PLAIN),
        "Debug of Validated shows a sensitive value"
    );
    s
}

fn map_of<const N: usize>(pairs: [(&str, &str); N]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn pub_of<const N: usize>(pairs: [(&'static str, &str); N]) -> BTreeMap<&'static str, String> {
    pairs.iter().map(|(k, v)| (*k, v.to_string())).collect()
}

// ---------------------------------------------------------------------------------------
// Valid definitions, one (or more) per type.

#[test]
fn s3_config() {
    let v = ok(
        "s3",
        None,
        &["s3://bucket1"],
        vec![("key_id", t("a")), ("secret", t(PLAIN)), ("region", t("us-east-1"))],
    );
    assert_eq!((v.ty.name, v.provider.name), ("s3", "config"));
    assert_eq!(v.scopes, scopes(&["s3://bucket1"]));
    assert_eq!(public(&v), pub_of([("key_id", "a"), ("region", "us-east-1")]));
    assert_eq!(sensitive(&v), map_of([("secret", PLAIN)]));
    assert_eq!(v.fields.sensitive_keys(), vec!["secret".to_string()]);
    // Byte for byte what DuckDB 1.5.5 prints for the same CREATE SECRET.
    assert_eq!(
        string_of("s1", &v),
        "name=s1;type=s3;provider=config;serializable=true;scope=s3://bucket1;key_id=a;region=us-east-1;secret=redacted"
    );
}

#[test]
fn s3_every_kind_of_field_and_case_insensitive_keywords() {
    let v = ok(
        "S3",
        Some("CONFIG"),
        &[],
        vec![
            ("KEY_ID", t("AKIA1")),
            ("Secret", t(PLAIN)),
            ("SESSION_TOKEN", t("tok-SENSITIVE-PLAINTEXT-123")),
            ("REGION", t("eu-west-1")),
            ("USE_SSL", t("FALSE")),
            ("verify_ssl", t("f")),
            ("requester_pays", InputValue::Bool(true)),
            ("url_compatibility_mode", t("1")),
            ("URL_STYLE", t("PATH")),
            ("endpoint", t("localhost:9000")),
            ("extra_http_headers", m(&[("X-A", "b"), ("C", "d")])),
            ("http_proxy_password", t(PLAIN)),
        ],
    );
    assert_eq!((v.ty.name, v.provider.name), ("s3", "config"));
    assert_eq!(
        v.scopes,
        scopes(&["s3://", "s3n://", "s3a://"]),
        "no SCOPE: s3's defaults"
    );
    assert_eq!(
        public(&v),
        pub_of([
            ("endpoint", "localhost:9000"),
            ("key_id", "AKIA1"),
            ("region", "eu-west-1"),
            ("requester_pays", "true"),
            ("url_compatibility_mode", "true"),
            ("url_style", "PATH"),
            ("use_ssl", "false"),
            ("verify_ssl", "false"),
        ])
    );
    assert_eq!(v.fields.public.get("use_ssl"), Some(&FieldValue::Bool(false)));
    assert_eq!(v.fields.public.get("url_style"), Some(&FieldValue::Text("PATH".into())));
    assert_eq!(
        v.fields.sensitive_keys(),
        vec![
            // Header values carry bearer tokens: sensitive, in the order given (as DuckDB's MAP).
            "extra_http_headers.X-A".to_string(),
            "extra_http_headers.C".into(),
            "http_proxy_password".into(),
            "secret".into(),
            "session_token".into()
        ]
    );
    assert_eq!(
        string_of("s2", &v),
        "name=s2;type=s3;provider=config;serializable=true;scope=s3://,s3n://,s3a://;\
         endpoint=localhost:9000;extra_http_headers={X-A=redacted, C=redacted};http_proxy_password=redacted;\
         key_id=AKIA1;region=eu-west-1;requester_pays=true;secret=redacted;session_token=redacted;\
         url_compatibility_mode=true;url_style=PATH;use_ssl=false;verify_ssl=false"
    );
}

#[test]
fn s3_credential_chain_needs_nothing() {
    let v = ok(
        "s3",
        Some("credential_chain"),
        &["s3://a", "s3://b", "s3://a"],
        vec![("chain", t("env;config"))],
    );
    assert_eq!(v.scopes, scopes(&["s3://a", "s3://b"]), "duplicate scopes removed");
    // DuckDB's aws extension gives a credential_chain s3 secret its endpoint.
    assert_eq!(
        public(&v),
        pub_of([("chain", "env;config"), ("endpoint", "s3.amazonaws.com")])
    );
    assert!(v.fields.sensitive.is_empty());
    assert_eq!(
        string_of("c", &v),
        "name=c;type=s3;provider=credential_chain;serializable=true;scope=s3://a,s3://b;chain=env;config;\
         endpoint=s3.amazonaws.com"
    );
    let v = ok("s3", Some("credential_chain"), &[], vec![]);
    assert_eq!(
        string_of("c", &v),
        "name=c;type=s3;provider=credential_chain;serializable=true;scope=s3://,s3n://,s3a://;endpoint=s3.amazonaws.com"
    );
}

#[test]
fn r2_config_derives_endpoint_and_url_style() {
    let v = ok(
        "r2",
        None,
        &[],
        vec![("key_id", t("a")), ("secret", t(PLAIN)), ("account_id", t("acc"))],
    );
    assert_eq!(v.scopes, scopes(&["r2://"]));
    assert_eq!(
        public(&v),
        pub_of([
            ("account_id", "acc"),
            ("endpoint", "acc.r2.cloudflarestorage.com"),
            ("key_id", "a"),
            ("url_style", "path"),
        ])
    );
    assert_eq!(sensitive(&v), map_of([("secret", PLAIN)]));
    // Byte for byte what DuckDB 1.5.5 prints: it turns account_id into the endpoint and does
    // not keep it in the secret map.
    assert_eq!(
        string_of("r1", &v),
        "name=r1;type=r2;provider=config;serializable=true;scope=r2://;\
         endpoint=acc.r2.cloudflarestorage.com;key_id=a;secret=redacted;url_style=path"
    );
    // pg_duckdb's r2_account_id column name is accepted as account_id; an explicit endpoint
    // is kept.
    let v = ok(
        "r2",
        None,
        &["r2://bkt"],
        vec![
            ("key_id", t("a")),
            ("secret", t(PLAIN)),
            ("R2_ACCOUNT_ID", t("acc")),
            ("endpoint", t("proxy.local")),
            ("url_style", t("vhost")),
        ],
    );
    assert_eq!(
        public(&v),
        pub_of([
            ("account_id", "acc"),
            ("endpoint", "proxy.local"),
            ("key_id", "a"),
            ("url_style", "vhost")
        ])
    );
}

#[test]
fn gcs_config_key_pair_or_bearer_token() {
    let v = ok("gcs", None, &[], vec![("key_id", t("a")), ("secret", t(PLAIN))]);
    assert_eq!(v.scopes, scopes(&["gcs://", "gs://"]));
    assert_eq!(public(&v), pub_of([("key_id", "a")]));
    assert_eq!(sensitive(&v), map_of([("secret", PLAIN)]));
    // Byte for byte what DuckDB 1.5.5 prints (it adds no endpoint or url_style for GCS).
    assert_eq!(
        string_of("g1", &v),
        "name=g1;type=gcs;provider=config;serializable=true;scope=gcs://,gs://;key_id=a;secret=redacted"
    );
    let v = ok("gcs", None, &["gs://b"], vec![("bearer_token", t(PLAIN))]);
    assert_eq!(sensitive(&v), map_of([("bearer_token", PLAIN)]));
    assert_eq!(
        string_of("g2", &v),
        "name=g2;type=gcs;provider=config;serializable=true;scope=gs://b;bearer_token=redacted"
    );
}

#[test]
fn azure_providers() {
    let v = ok("azure", None, &[], vec![("connection_string", t(PLAIN))]);
    // Blob storage and ADLS, as DuckDB 1.5.5's azure extension gives every provider.
    assert_eq!(v.scopes, scopes(&["azure://", "az://", "abfss://", "abfs://"]));
    assert!(v.fields.public.is_empty());
    assert_eq!(sensitive(&v), map_of([("connection_string", PLAIN)]));
    assert_eq!(
        string_of("az", &v),
        "name=az;type=azure;provider=config;serializable=true;scope=azure://,az://,abfss://,abfs://;\
         connection_string=redacted"
    );
    for provider in [
        "credential_chain",
        "service_principal",
        "managed_identity",
        "access_token",
    ] {
        let v = ok("azure", Some(provider), &[], vec![]);
        assert_eq!(
            v.scopes,
            scopes(&["azure://", "az://", "abfss://", "abfs://"]),
            "{provider}"
        );
    }
    // DuckDB redacts a service principal's certificate path.
    let v = ok(
        "azure",
        Some("service_principal"),
        &[],
        vec![("client_certificate_path", t(PLAIN)), ("tenant_id", t("t"))],
    );
    assert_eq!(sensitive(&v), map_of([("client_certificate_path", PLAIN)]));
    assert_eq!(
        string_of("spc", &v),
        "name=spc;type=azure;provider=service_principal;serializable=true;scope=azure://,az://,abfss://,abfs://;\
         client_certificate_path=redacted;tenant_id=t"
    );
    let v = ok("azure", Some("access_token"), &[], vec![("access_token", t(PLAIN))]);
    assert_eq!(sensitive(&v), map_of([("access_token", PLAIN)]));
    let v = ok("azure", Some("managed_identity"), &[], vec![("resource_id", t("/r"))]);
    assert_eq!(public(&v), pub_of([("resource_id", "/r")]));
    let v = ok("azure", None, &[], vec![("account_name", t("acct"))]);
    assert_eq!(public(&v), pub_of([("account_name", "acct")]));
    let v = ok(
        "azure",
        Some("Service_Principal"),
        &["az://c/"],
        vec![
            ("tenant_id", t("ten")),
            ("client_id", t("cli")),
            ("client_secret", t(PLAIN)),
            ("account_name", t("acct")),
        ],
    );
    assert_eq!(v.provider.name, "service_principal");
    assert_eq!(
        public(&v),
        pub_of([("account_name", "acct"), ("client_id", "cli"), ("tenant_id", "ten")])
    );
    assert_eq!(sensitive(&v), map_of([("client_secret", PLAIN)]));
    assert_eq!(
        string_of("sp", &v),
        "name=sp;type=azure;provider=service_principal;serializable=true;scope=az://c/;\
         account_name=acct;client_id=cli;client_secret=redacted;tenant_id=ten"
    );
    let v = ok(
        "azure",
        Some("managed_identity"),
        &[],
        vec![("account_name", t("acct")), ("client_id", t("c"))],
    );
    assert_eq!(public(&v), pub_of([("account_name", "acct"), ("client_id", "c")]));
    let v = ok(
        "azure",
        Some("credential_chain"),
        &[],
        vec![("account_name", t("acct")), ("chain", t("cli"))],
    );
    assert_eq!(public(&v), pub_of([("account_name", "acct"), ("chain", "cli")]));
}

#[test]
fn huggingface_token() {
    let v = ok("huggingface", None, &[], vec![("TOKEN", t(PLAIN))]);
    assert_eq!(v.scopes, scopes(&["hf://"]));
    assert!(v.fields.public.is_empty());
    assert_eq!(sensitive(&v), map_of([("token", PLAIN)]));
    // Same as DuckDB 1.5.5.
    assert_eq!(
        string_of("hf", &v),
        "name=hf;type=huggingface;provider=config;serializable=true;scope=hf://;token=redacted"
    );
    let v = ok("huggingface", Some("credential_chain"), &[], vec![]);
    assert_eq!(
        string_of("hf", &v),
        "name=hf;type=huggingface;provider=credential_chain;serializable=true;scope=hf://;token=redacted"
    );
}

#[test]
fn postgres_connection() {
    let v = ok(
        "postgres",
        None,
        &[],
        vec![
            ("host", t("db.local")),
            ("port", InputValue::Int(5433)),
            ("database", t("app")),
            ("user", t("u")),
            ("password", t(PLAIN)),
        ],
    );
    assert!(v.scopes.is_empty(), "postgres has no default scope");
    assert_eq!(v.fields.public.get("port"), Some(&FieldValue::Int(5433)));
    // DATABASE is stored under libpq's name, as DuckDB's postgres extension stores it.
    assert_eq!(
        public(&v),
        pub_of([("dbname", "app"), ("host", "db.local"), ("port", "5433"), ("user", "u")])
    );
    assert_eq!(sensitive(&v), map_of([("password", PLAIN)]));
    // With no scope DuckDB's ToString drops the last character of "scope=", giving "scope;".
    assert_eq!(
        string_of("pg", &v),
        "name=pg;type=postgres;provider=config;serializable=true;scope;dbname=app;host=db.local;\
         password=redacted;port=5433;user=u"
    );
    // Nothing is required; a port that is an integer as written is one.
    let v = ok("postgres", None, &[], vec![("port", t("65535"))]);
    assert_eq!(v.fields.public.get("port"), Some(&FieldValue::Int(65535)));
}

#[test]
fn postgres_takes_libpq_names_and_duckdb_aliases() {
    // DBNAME and PASSFILE, libpq's names, as DuckDB 1.5.5's postgres extension takes them.
    let v = ok(
        "postgres",
        None,
        &[],
        vec![
            ("DBNAME", t("db2")),
            ("PASSFILE", t("/home/u/.pgpass")),
            ("sslmode", t("require")),
        ],
    );
    assert_eq!(
        public(&v),
        pub_of([
            ("dbname", "db2"),
            ("passfile", "/home/u/.pgpass"),
            ("sslmode", "require")
        ])
    );
    // An alias and the name it stands for are two parameters: the later one wins.
    let v = ok("postgres", None, &[], vec![("database", t("a")), ("dbname", t("b"))]);
    assert_eq!(public(&v), pub_of([("dbname", "b")]));
    let v = ok(
        "postgres",
        None,
        &[],
        vec![
            ("dbname", t("b")),
            ("database", t("a")),
            ("username", t("u2")),
            ("user", t("u1")),
        ],
    );
    assert_eq!(public(&v), pub_of([("dbname", "a"), ("user", "u1")]));
    let v = ok("postgres", None, &[], vec![("hostname", t("h"))]);
    assert_eq!(public(&v), pub_of([("host", "h")]));
    // The same name twice is refused, as DuckDB refuses it.
    assert_eq!(
        err("postgres", None, &[], vec![("database", t("a")), ("DATABASE", t("b"))]),
        "field 'database' is given more than once; give each field once"
    );
    // Sensitive as DuckDB redacts them, and the SCRAM keys.
    let v = ok(
        "postgres",
        None,
        &[],
        vec![
            ("sslpassword", t(PLAIN)),
            ("uri", t(PLAIN)),
            ("oauth_client_secret", t(PLAIN)),
            ("scram_client_key", t(PLAIN)),
        ],
    );
    assert!(v.fields.public.is_empty());
    assert_eq!(
        string_of("pg", &v),
        "name=pg;type=postgres;provider=config;serializable=true;scope;oauth_client_secret=redacted;\
         scram_client_key=redacted;sslpassword=redacted;uri=redacted"
    );
    // mysql has no alias: DBNAME is unknown there, as in DuckDB.
    assert!(err("mysql", None, &[], vec![("dbname", t("x"))]).starts_with("unknown field 'dbname'"));
}

#[test]
fn postgres_and_mysql_drop_scope() {
    for ty in ["postgres", "mysql"] {
        let v = ok(ty, None, &["host=db1", "mysql://db1"], vec![("host", t("db1"))]);
        assert!(v.scopes.is_empty(), "{ty}: DuckDB lists it with scope []");
        assert!(string_of("x", &v).contains(";serializable=true;scope;host=db1"), "{ty}");
    }
    let v = ok("http", None, &["https://x"], vec![]);
    assert_eq!(v.scopes, scopes(&["https://x"]), "other types keep theirs");
}

#[test]
fn mysql_connection() {
    let v = ok(
        "mysql",
        None,
        &[],
        vec![
            ("host", t("127.0.0.1")),
            ("port", t("3307")),
            ("user", t("root")),
            ("password", t(PLAIN)),
            ("database", t("shop")),
            ("SSL_MODE", t("VERIFY_IDENTITY")),
            ("ssl_ca", t("/etc/ca.pem")),
        ],
    );
    assert_eq!(v.fields.public.get("port"), Some(&FieldValue::Int(3307)));
    assert_eq!(
        public(&v),
        pub_of([
            ("database", "shop"),
            ("host", "127.0.0.1"),
            ("port", "3307"),
            ("ssl_ca", "/etc/ca.pem"),
            ("ssl_mode", "VERIFY_IDENTITY"),
            ("user", "root"),
        ])
    );
    assert_eq!(sensitive(&v), map_of([("password", PLAIN)]));
    assert_eq!(
        string_of("my", &v),
        "name=my;type=mysql;provider=config;serializable=true;scope;database=shop;host=127.0.0.1;\
         password=redacted;port=3307;ssl_ca=/etc/ca.pem;ssl_mode=VERIFY_IDENTITY;user=root"
    );
}

#[test]
fn openai_key() {
    let v = ok(
        "openai",
        None,
        &[],
        vec![("api_key", t(PLAIN)), ("base_url", t("https://api.openai.com/v1"))],
    );
    assert!(v.scopes.is_empty());
    assert_eq!(public(&v), pub_of([("base_url", "https://api.openai.com/v1")]));
    assert_eq!(sensitive(&v), map_of([("api_key", PLAIN)]));
    assert_eq!(
        string_of("oa", &v),
        "name=oa;type=openai;provider=config;serializable=true;scope;api_key=redacted;base_url=https://api.openai.com/v1"
    );
}

#[test]
fn ollama_url() {
    let v = ok("ollama", None, &[], vec![("API_URL", t("http://localhost:11434"))]);
    assert_eq!(public(&v), pub_of([("api_url", "http://localhost:11434")]));
    assert!(v.fields.sensitive.is_empty());
    assert_eq!(
        string_of("ol", &v),
        "name=ol;type=ollama;provider=config;serializable=true;scope;api_url=http://localhost:11434"
    );
}

#[test]
fn azure_llm_key() {
    let v = ok(
        "AZURE_LLM",
        None,
        &[],
        vec![
            ("api_key", t(PLAIN)),
            ("resource_name", t("res")),
            ("api_version", t("2024-02-01")),
        ],
    );
    assert_eq!(v.ty.name, "azure_llm");
    assert_eq!(
        public(&v),
        pub_of([("api_version", "2024-02-01"), ("resource_name", "res")])
    );
    assert_eq!(sensitive(&v), map_of([("api_key", PLAIN)]));
    assert_eq!(
        string_of("al", &v),
        "name=al;type=azure_llm;provider=config;serializable=true;scope;api_key=redacted;\
         api_version=2024-02-01;resource_name=res"
    );
}

#[test]
fn flights_loose_params() {
    let v = ok(
        "flights",
        None,
        &[],
        vec![("API_KEY", t(PLAIN)), ("ENDPOINT", t("https://x.example"))],
    );
    assert!(v.fields.public.is_empty(), "every flights value is sensitive");
    assert_eq!(
        sensitive(&v),
        map_of([("params.API_KEY", PLAIN), ("params.ENDPOINT", "https://x.example")])
    );
    assert_eq!(
        v.fields.sensitive_keys(),
        vec!["params.API_KEY".to_string(), "params.ENDPOINT".into()]
    );
    match v.fields.sensitive.get("params") {
        Some(SensitiveValue::Map(p)) => assert_eq!(p.keys().collect::<Vec<_>>(), ["API_KEY", "ENDPOINT"]),
        other => panic!("params is not a map: {other:?}"),
    }
    assert_eq!(
        string_of("fl", &v),
        "name=fl;type=flights;provider=config;serializable=true;scope;params={API_KEY=redacted, ENDPOINT=redacted}"
    );
}

#[test]
fn flights_params_map_and_loose_params_merge() {
    let v = ok(
        "flights",
        None,
        &[],
        vec![
            ("PARAMS", m(&[("token", PLAIN), ("b.c-d_1", "x")])),
            ("api_key", t(PLAIN)),
        ],
    );
    assert_eq!(
        sensitive(&v),
        map_of([
            ("params.api_key", PLAIN),
            ("params.b.c-d_1", "x"),
            ("params.token", PLAIN)
        ])
    );
    assert_eq!(
        string_of("fl", &v),
        "name=fl;type=flights;provider=config;serializable=true;scope;params={token=redacted, b.c-d_1=redacted, api_key=redacted}"
    );
}

#[test]
fn generic_value() {
    let v = ok("generic", None, &[], vec![("value", t(PLAIN))]);
    assert!(v.fields.public.is_empty());
    assert_eq!(sensitive(&v), map_of([("value", PLAIN)]));
    assert_eq!(
        string_of("DATABASE_URL", &v),
        "name=DATABASE_URL;type=generic;provider=config;serializable=true;scope;value=redacted"
    );
}

#[test]
fn sensitive_bytes_round_trip() {
    let v = ok("flights", None, &[], vec![("API_KEY", t(PLAIN)), ("X", t(""))]);
    let bytes = v.fields.sensitive_to_bytes();
    let back = SecretFields::sensitive_from_bytes(bytes.expose_secret()).expect("round trip");
    let fields = SecretFields {
        public: BTreeMap::new(),
        sensitive: back,
    };
    let got: BTreeMap<_, _> = fields
        .sensitive_values()
        .into_iter()
        .map(|(k, s)| (k, s.expose_secret().to_string()))
        .collect();
    assert_eq!(got, map_of([("params.API_KEY", PLAIN), ("params.X", "")]));
}

// ---------------------------------------------------------------------------------------
// Invalid definitions: exact messages, and never a sensitive value.

const ALL_TYPES: &str =
    "s3, r2, gcs, azure, huggingface, postgres, mysql, http, openai, ollama, azure_llm, flights, generic";
const S3_CONFIG_FIELDS: &str = "key_id, secret, session_token, region, endpoint, url_style, use_ssl, verify_ssl, \
     kms_key_id, url_compatibility_mode, requester_pays, refresh, http_proxy, http_proxy_username, \
     http_proxy_password, extra_http_headers";

#[test]
fn unknown_type() {
    assert_eq!(
        err("s4", None, &[], vec![("secret", t(PLAIN))]),
        format!("unknown secret type 's4'; valid types: {ALL_TYPES}")
    );
    assert_eq!(
        err("", None, &[], vec![]),
        format!("unknown secret type ''; valid types: {ALL_TYPES}")
    );
}

#[test]
fn unknown_provider() {
    assert_eq!(
        err("s3", Some("Magic"), &[], vec![("secret", t(PLAIN))]),
        "unknown provider 'Magic' for secret type 's3'; valid providers: config, credential_chain"
    );
    assert_eq!(
        err("azure", Some("config2"), &[], vec![]),
        "unknown provider 'config2' for secret type 'azure'; valid providers: config, credential_chain, service_principal, managed_identity, access_token"
    );
    assert_eq!(
        err("openai", Some("credential_chain"), &[], vec![("api_key", t(PLAIN))]),
        "unknown provider 'credential_chain' for secret type 'openai'; valid providers: config"
    );
}

#[test]
fn unknown_field_lists_valid_fields() {
    assert_eq!(
        err(
            "s3",
            None,
            &[],
            vec![("key_id", t("a")), ("KEYID", t("b")), ("secret", t(PLAIN))]
        ),
        format!("unknown field 'KEYID' for secret type 's3' with provider 'config'; valid fields: {S3_CONFIG_FIELDS}")
    );
    // A sensitive value under a wrong name is not echoed.
    assert_eq!(
        err("s3", None, &[], vec![("secret_access_key", t(PLAIN))]),
        format!("unknown field 'secret_access_key' for secret type 's3' with provider 'config'; valid fields: {S3_CONFIG_FIELDS}")
    );
    assert_eq!(
        err("huggingface", Some("credential_chain"), &[], vec![("token", t(PLAIN))]),
        "unknown field 'token' for secret type 'huggingface' with provider 'credential_chain'; valid fields: "
    );
    // DuckDB 1.5.5's aws extension takes none of these with credential_chain.
    for field in [
        "verify_ssl",
        "kms_key_id",
        "requester_pays",
        "extra_http_headers",
        "bearer_token",
    ] {
        assert_eq!(
            err("s3", Some("credential_chain"), &[], vec![(field, t("a"))]),
            format!(
                "unknown field '{field}' for secret type 's3' with provider 'credential_chain'; valid fields: chain, \
                 profile, validation, key_id, secret, session_token, region, endpoint, url_style, use_ssl, \
                 url_compatibility_mode, assume_role_arn, external_id, web_identity_token_file, session_name, \
                 http_proxy, http_proxy_username, http_proxy_password, refresh"
            )
        );
    }
    assert_eq!(
        err("generic", None, &[], vec![("value", t(PLAIN)), ("val", t(PLAIN))]),
        "unknown field 'val' for secret type 'generic' with provider 'config'; valid fields: value"
    );
}

#[test]
fn missing_required_field() {
    // DuckDB's own types require nothing, as DuckDB 1.5.5 (`CREATE SECRET s (TYPE s3)`).
    for (ty, provider) in [
        ("s3", None),
        ("r2", None),
        ("r2", Some("credential_chain")),
        ("gcs", None),
        ("azure", None),
        ("azure", Some("service_principal")),
        ("huggingface", None),
        ("postgres", None),
        ("mysql", None),
        ("http", None),
        ("http", Some("env")),
    ] {
        assert!(validate(ty, provider, vec![], vec![]).is_ok(), "{ty} {provider:?}");
    }
    // coffer's and FlockMTL's types keep theirs.
    assert_eq!(
        err("azure_llm", None, &[], vec![("api_key", t(PLAIN))]),
        "missing required field 'resource_name' for secret type 'azure_llm' with provider 'config'; required: api_key, resource_name, api_version"
    );
    assert_eq!(
        err("openai", None, &[], vec![("base_url", t("http://x"))]),
        "missing required field 'api_key' for secret type 'openai' with provider 'config'; required: api_key"
    );
    assert_eq!(
        err("ollama", None, &[], vec![]),
        "missing required field 'api_url' for secret type 'ollama' with provider 'config'; required: api_url"
    );
    assert_eq!(
        err("generic", None, &[], vec![]),
        "missing required field 'value' for secret type 'generic' with provider 'config'; required: value"
    );
    // What to do is a Hint, as data: the CLI words it with its flags ("set at least one param,
    // e.g. --set API_KEY=-", checked in crates/coffer/tests/cli.rs).
    assert_eq!(
        err("flights", None, &[], vec![]),
        "missing required field 'params' for secret type 'flights' with provider 'config'"
    );
    let e = validate("flights", None, scopes(&[]), kv(vec![])).expect_err("no params");
    assert_eq!(e.hint(), Some(coffer_model::hint::Hint::SetAParam));
}

#[test]
fn bad_boolean() {
    assert_eq!(
        err(
            "s3",
            None,
            &[],
            vec![("key_id", t("a")), ("secret", t(PLAIN)), ("use_ssl", t("maybe"))]
        ),
        "invalid value for field 'use_ssl' of secret type 's3': expected a boolean (true or false), got 'maybe'"
    );
    assert_eq!(
        err("s3", None, &[], vec![("VERIFY_SSL", t("on"))]),
        "invalid value for field 'verify_ssl' of secret type 's3': expected a boolean (true or false), got 'on'"
    );
    // As DuckDB casts: numbers (non-zero is true) and yes/no.
    for (given, want) in [
        (InputValue::Int(2), true),
        (InputValue::Int(0), false),
        (t("1.5"), true),
        (t("NO"), false),
        (t("y"), true),
    ] {
        let v = validate(
            "s3",
            None,
            vec![],
            kv(vec![
                ("key_id", t("a")),
                ("secret", t(PLAIN)),
                ("region", t("r")),
                ("use_ssl", given),
            ]),
        )
        .expect("valid boolean");
        assert_eq!(v.fields.public.get("use_ssl"), Some(&FieldValue::Bool(want)));
    }
}

#[test]
fn port_is_stored_as_duckdb_stores_it() {
    // DuckDB's postgres and mysql extensions store PORT as VARCHAR, unchecked: the secret
    // string shows what was given, and the connection fails at ATTACH.
    for (ty, input, stored) in [
        ("postgres", InputValue::Int(70000), FieldValue::Int(70000)),
        ("postgres", InputValue::Int(-1), FieldValue::Int(-1)),
        ("postgres", t("abc"), FieldValue::Text("abc".into())),
        ("postgres", t("5432"), FieldValue::Int(5432)),
        ("postgres", t(" 1 "), FieldValue::Text(" 1 ".into())),
        ("postgres", t("05432"), FieldValue::Text("05432".into())),
        ("postgres", t("1.5"), FieldValue::Text("1.5".into())),
        ("mysql", t(""), FieldValue::Text(String::new())),
        ("mysql", InputValue::Bool(true), FieldValue::Text("true".into())),
        ("mysql", t("99999999999"), FieldValue::Int(99_999_999_999)),
    ] {
        let v = ok(ty, None, &[], vec![("port", input)]);
        assert_eq!(v.fields.public.get("port"), Some(&stored), "{ty}");
        assert!(string_of("p", &v).ends_with(&format!(";port={}", stored.to_display())));
    }
    assert_eq!(
        err(
            "mysql",
            None,
            &[],
            vec![("password", t(PLAIN)), ("port", m(&[("a", "b")]))]
        ),
        "invalid value for field 'port' of secret type 'mysql': expected text, not a map"
    );
}

#[test]
fn credential_chain_options_and_checks() {
    // KEY_ID, SECRET, SESSION_TOKEN (sealed), VALIDATION, ASSUME_ROLE_ARN with CHAIN, EXTERNAL_ID.
    let v = ok(
        "s3",
        Some("credential_chain"),
        &[],
        vec![
            ("key_id", t("AKIAOVERRIDE")),
            ("secret", t(PLAIN)),
            ("session_token", t(PLAIN)),
            ("validation", t("None")),
            ("chain", t("sts;env;")),
            ("assume_role_arn", t("arn:aws:iam::1:role/r")),
            ("external_id", t("x")),
            ("endpoint", t("e")),
        ],
    );
    assert_eq!(sensitive(&v), map_of([("secret", PLAIN), ("session_token", PLAIN)]));
    assert_eq!(
        string_of("k", &v),
        "name=k;type=s3;provider=credential_chain;serializable=true;scope=s3://,s3n://,s3a://;\
         assume_role_arn=arn:aws:iam::1:role/r;chain=sts;env;;endpoint=e;external_id=x;key_id=AKIAOVERRIDE;\
         secret=redacted;session_token=redacted;validation=None"
    );
    // The checks DuckDB's aws extension makes, in its order, with its words.
    let duckdb =
        |ty: &str, inputs: Vec<(&str, InputValue)>| match validate(ty, Some("credential_chain"), vec![], kv(inputs)) {
            Err(coffer_model::ModelError::RefusedByDuckDb { field, duckdb, .. }) => (field, duckdb),
            other => panic!("{other:?}"),
        };
    assert_eq!(
        duckdb("s3", vec![("assume_role_arn", t("a")), ("validation", t("bad"))]),
        (
            "assume_role_arn".into(),
            "Must pass CHAIN value when passing ASSUME_ROLE_ARN".into()
        )
    );
    assert_eq!(
        duckdb("gcs", vec![("validation", t("Bad")), ("chain", t("nope"))]),
        (
            "validation".into(),
            "Invalid Input Error: Unknown AWS validation mode: `bad`".into()
        )
    );
    assert_eq!(
        duckdb("r2", vec![("chain", t("no_such_chain"))]),
        (
            "chain".into(),
            "Invalid Input Error: Unknown provider found while parsing AWS credential chain string: 'no_such_chain'"
                .into()
        )
    );
    assert_eq!(
        duckdb("s3", vec![("chain", t("env;;config"))]).1,
        "Invalid Input Error: Unknown provider found while parsing AWS credential chain string: ''"
    );
    assert_eq!(
        duckdb("s3", vec![("chain", t("ENV"))]).1,
        "Invalid Input Error: Unknown provider found while parsing AWS credential chain string: 'ENV'"
    );
    assert!(duckdb("s3", vec![("chain", t("env;sts"))])
        .1
        .starts_with("Chain value 'STS' is only supported with an ASSUME_ROLE_ARN value"));
    assert_eq!(
        err("s3", Some("credential_chain"), &[], vec![("chain", t("no_such_chain"))]),
        "invalid value for field 'chain' of secret type 's3': 'no_such_chain' is not a credential chain provider; \
         CHAIN is a ';'-separated list of: config, sts, sso, env, instance, process, web_identity (lower-case, no spaces)"
    );
    for chain in ["", "env;", "config;env;sso;process;instance;web_identity"] {
        ok("s3", Some("credential_chain"), &[], vec![("chain", t(chain))]);
    }
    // Azure's credential_chain is the azure extension's: any CHAIN, checked when used.
    ok(
        "azure",
        Some("credential_chain"),
        &[],
        vec![("chain", t("no_such_chain"))],
    );
}

#[test]
fn credential_chain_defaults() {
    let s = |ty: &str, inputs: Vec<(&str, InputValue)>| {
        string_of("c", &ok(ty, Some("credential_chain"), &["x://"], inputs))
    };
    let head = |ty: &str| format!("name=c;type={ty};provider=credential_chain;serializable=true;scope=x://;");
    assert_eq!(s("s3", vec![]), format!("{}endpoint=s3.amazonaws.com", head("s3")));
    assert_eq!(
        s("s3", vec![("endpoint", t(""))]),
        format!("{}endpoint=s3.amazonaws.com", head("s3"))
    );
    assert_eq!(
        s("s3", vec![("url_style", t(""))]),
        format!("{}endpoint=s3.amazonaws.com;url_style=", head("s3"))
    );
    assert_eq!(
        s("gcs", vec![]),
        format!("{}endpoint=storage.googleapis.com;url_style=path", head("gcs"))
    );
    assert_eq!(s("r2", vec![]), format!("{}url_style=path", head("r2")));
    assert_eq!(
        s("r2", vec![("account_id", t("acct"))]),
        format!("{}endpoint=acct.r2.cloudflarestorage.com;url_style=path", head("r2"))
    );
    assert_eq!(
        s(
            "r2",
            vec![
                ("account_id", t("acct")),
                ("endpoint", t("x.example.com")),
                ("url_style", t("vhost"))
            ]
        ),
        format!("{}endpoint=x.example.com;url_style=vhost", head("r2"))
    );
}

#[test]
fn bad_choice() {
    // DuckDB stores these as given, unchecked: so does coffer.
    for (ty, field, v) in [("s3", "url_style", "virtual"), ("mysql", "ssl_mode", "on")] {
        let v = validate(ty, None, vec![], vec![(field.to_string(), t(v))]).expect("stored unchecked");
        assert!(v.fields.public.contains_key(field));
    }
}

#[test]
fn duplicate_field() {
    assert_eq!(
        err("s3", None, &[], vec![("key_id", t("a")), ("KEY_ID", t("b"))]),
        "field 'key_id' is given more than once; give each field once"
    );
    assert_eq!(
        err(
            "s3",
            None,
            &[],
            vec![("secret", t(PLAIN)), ("Secret", t("SENSITIVE-PLAINTEXT-123-other"))]
        ),
        "field 'secret' is given more than once; give each field once"
    );
    assert_eq!(
        err("r2", None, &[], vec![("account_id", t("a")), ("r2_account_id", t("b"))]),
        "field 'account_id' is given more than once; give each field once"
    );
    assert_eq!(
        err("flights", None, &[], vec![("API_KEY", t(PLAIN)), ("API_KEY", t(PLAIN))]),
        "field 'API_KEY' is given more than once; give each field once"
    );
    assert_eq!(
        err(
            "flights",
            None,
            &[],
            vec![("params", m(&[("API_KEY", PLAIN)])), ("API_KEY", t(PLAIN))]
        ),
        "field 'API_KEY' is given more than once; give each field once"
    );
    assert_eq!(
        err("flights", None, &[], vec![("params", m(&[("K", PLAIN), ("K", PLAIN)]))]),
        "field 'params.K' is given more than once; give each field once"
    );
    assert_eq!(
        err(
            "flights",
            None,
            &[],
            vec![("params", m(&[("K", PLAIN)])), ("PARAMS", m(&[("L", PLAIN)]))]
        ),
        "field 'params' is given more than once; give each field once"
    );
}

#[test]
fn flights_bad_params() {
    assert_eq!(
        err("flights", None, &[], vec![("API KEY", t(PLAIN))]),
        "invalid value for field 'API KEY' of secret type 'flights': param names must match [A-Za-z0-9._-]{1,128}"
    );
    assert_eq!(
        err("flights", None, &[], vec![("params", m(&[("a/b", PLAIN)]))]),
        "invalid value for field 'a/b' of secret type 'flights': param names must match [A-Za-z0-9._-]{1,128}"
    );
    let long = "K".repeat(129);
    assert_eq!(
        err("flights", None, &[], vec![(long.as_str(), t(PLAIN))]),
        format!(
            "invalid value for field '{long}' of secret type 'flights': param names must match [A-Za-z0-9._-]{{1,128}}"
        )
    );
    assert_eq!(
        err("flights", None, &[], vec![("params", t(PLAIN))]),
        "invalid value for field 'params' of secret type 'flights': expected a map of text keys to text values"
    );
    assert_eq!(
        err("flights", None, &[], vec![("API_KEY", m(&[("x", PLAIN)]))]),
        "invalid value for field 'API_KEY' of secret type 'flights': expected text, not a map"
    );
}

#[test]
fn sensitive_fields_reject_without_echo() {
    // Wrong kinds of value for sensitive fields: the value is never shown.
    // A number given for a sensitive text field is taken as its text, as DuckDB casts it.
    let v = validate(
        "s3",
        None,
        vec![],
        kv(vec![
            ("key_id", t("a")),
            ("secret", InputValue::Int(12345)),
            ("region", t("r")),
        ]),
    )
    .expect("number as text");
    assert_eq!(v.fields.sensitive_keys(), vec!["secret".to_string()]);
    assert_eq!(
        err("s3", None, &[], vec![("session_token", m(&[("a", PLAIN)]))]),
        "invalid value for field 'session_token' of secret type 's3': expected text, not a map"
    );
    assert_eq!(
        err("s3", None, &[], vec![("secret", t("SENSITIVE-PLAINTEXT-123\0tail"))]),
        "invalid value for field 'secret' of secret type 's3': text may not contain NUL characters"
    );
    // A public field shows what it got.
    assert_eq!(
        err("s3", None, &[], vec![("key_id", t("a\0b"))]),
        "invalid value for field 'key_id' of secret type 's3': text may not contain NUL characters, got 'a\0b'"
    );
    assert_eq!(
        err("s3", None, &[], vec![("extra_http_headers", t("X-A: b"))]),
        "invalid value for field 'extra_http_headers' of secret type 's3': expected a map of text keys to text values"
    );
}

#[test]
fn invalid_scopes() {
    assert_eq!(
        err("s3", None, &["s3://a b"], vec![("secret", t(PLAIN))]),
        "invalid scope 's3://a b': a scope is a URL prefix such as s3://bucket/path and may not contain spaces or control characters"
    );
    let long = format!("s3://{}", "x".repeat(2044));
    assert_eq!(
        err("s3", None, &[&long], vec![]),
        format!("invalid scope '{}': a scope is at most 2048 bytes", &long[..64])
    );
    let max = format!("s3://{}", "x".repeat(2043));
    let v = ok("s3", Some("credential_chain"), &[&max], vec![]);
    assert_eq!(v.scopes, vec![max]);
}

/// Every invalid definition carrying the sensitive plaintext in a sensitive field, in one
/// place: none may echo it (the `err` helper asserts that for each).
#[test]
fn no_error_contains_a_sensitive_value() {
    type Case = (&'static str, Option<&'static str>, Vec<(&'static str, InputValue)>);
    let cases: Vec<Case> = vec![
        ("s3", None, vec![("secret", t(PLAIN)), ("bogus", t("x"))]),
        ("s3", None, vec![("secret", t(PLAIN)), ("secret", t(PLAIN))]),
        ("s3", None, vec![("session_token", t(PLAIN)), ("use_ssl", t("maybe"))]),
        ("s3", None, vec![("http_proxy_password", t(PLAIN)), ("use_ssl", t("x"))]),
        ("s3", Some("nope"), vec![("secret", t(PLAIN))]),
        (
            "s3",
            Some("credential_chain"),
            vec![("secret", t(PLAIN)), ("kms_key_id", t("k"))],
        ),
        (
            "s3",
            Some("credential_chain"),
            vec![("session_token", t(PLAIN)), ("chain", t("nope"))],
        ),
        (
            "r2",
            Some("credential_chain"),
            vec![("secret", t(PLAIN)), ("validation", t("bad"))],
        ),
        (
            "gcs",
            Some("credential_chain"),
            vec![("secret", t(PLAIN)), ("assume_role_arn", t("a"))],
        ),
        (
            "gcs",
            None,
            vec![(
                "bearer_token",
                InputValue::Map(vec![("k".into(), SecretString::from(PLAIN))]),
            )],
        ),
        (
            "azure",
            Some("service_principal"),
            vec![("client_secret", t(PLAIN)), ("nope", t("x"))],
        ),
        ("azure", None, vec![("proxy_password", t(PLAIN)), ("nope", t("x"))]),
        ("http", None, vec![("bearer_token", t(PLAIN)), ("verify_ssl", t("x"))]),
        ("huggingface", None, vec![("token", t(PLAIN)), ("token", t(PLAIN))]),
        (
            "postgres",
            None,
            vec![("password", t(PLAIN)), ("port", m(&[("k", "v")]))],
        ),
        (
            "postgres",
            None,
            vec![("sslpassword", t(PLAIN)), ("dbname", t("a")), ("dbname", t("b"))],
        ),
        ("mysql", None, vec![("password", t(PLAIN)), ("dbname", t("bad"))]),
        ("openai", None, vec![("api_key", t(PLAIN)), ("model", t("gpt"))]),
        ("azure_llm", None, vec![("api_key", t(PLAIN))]),
        ("flights", None, vec![("API_KEY", t(PLAIN)), ("bad key", t(PLAIN))]),
        ("flights", None, vec![("params", t(PLAIN))]),
        ("generic", None, vec![("value", t(PLAIN)), ("value", t(PLAIN))]),
        ("generic", None, vec![("value", t(&format!("{PLAIN}\0")))]),
        ("nosuchtype", None, vec![("value", t(PLAIN))]),
    ];
    for (ty, provider, inputs) in cases {
        let msg = err(ty, provider, &[], inputs);
        assert!(!msg.is_empty());
    }
}

#[test]
fn nul_is_refused_in_map_keys_and_values() {
    use coffer_crypto::SecretString;
    use coffer_model::validate::{validate, InputValue};
    for (key, value) in [("X-A", "b\0c"), ("X\0A", "b")] {
        let err = validate(
            "s3",
            None,
            vec![],
            vec![
                ("key_id".to_string(), InputValue::Text(SecretString::from("k"))),
                ("secret".to_string(), InputValue::Text(SecretString::from("s"))),
                (
                    "extra_http_headers".to_string(),
                    InputValue::Map(vec![(key.to_string(), SecretString::from(value))]),
                ),
            ],
        )
        .expect_err("a NUL");
        let message = err.to_string();
        assert!(
            message.contains("NUL") && message.contains("extra_http_headers"),
            "{message}"
        );
        assert!(!message.contains("b\0c"), "{message}");
    }
}

/// libpq's `sslkeylogfile` would append TLS session keys to a file the secret's author names,
/// on the machine of whoever attaches with the secret: coffer refuses it (README: differences).
#[test]
fn postgres_refuses_a_key_log_file() {
    let e = err(
        "postgres",
        None,
        &[],
        vec![("host", t("db")), ("sslkeylogfile", t("/home/owner/.bashrc"))],
    );
    assert!(
        e.contains("unknown field 'sslkeylogfile'") || e.contains("'sslkeylogfile'"),
        "{e}"
    );
}
