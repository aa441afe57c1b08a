//! End-to-end tests of the `coffer` binary: every command, its output and its exit code
//! (0 ok, 1 runtime error, 2 usage or validation error), run in a temporary `COFFER_HOME`.

mod common;

use common::{is_timestamp, stderr, stdout, Harness, TEST_ACTOR};
use predicates::prelude::*;
use predicates::str::contains;
use serde_json::{json, Value};

const ALL_TYPES: [&str; 13] = [
    "s3",
    "r2",
    "gcs",
    "azure",
    "huggingface",
    "postgres",
    "mysql",
    "http",
    "openai",
    "ollama",
    "azure_llm",
    "flights",
    "generic",
];

const MY_S3_STRING: &str = "name=my_s3;type=s3;provider=config;serializable=true;scope=s3://bucket-a;key_id=AKIAEXAMPLE;region=us-east-1;secret=redacted";

const INLINE_WARNING: &str = "warning: the value of 'secret' was given on the command line, where other processes can see it (ps, /proc/*/cmdline, shell history); prefer --set secret=- (stdin), --set secret=@FILE, or --set secret to be prompted\n";

const TEMPORARY_NOTE: &str = "note: a temporary secret lives in this process's memory only; it is gone when this command exits (use it inside `coffer sql`)\n";

/// `coffer` arguments written as one line (no argument may contain a space).
fn argv(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

fn created_banner(h: &Harness) -> String {
    format!(
        "coffer: created a new store in {home}\n  database: {db}\n  key file: {key} (mode 0600; back it up and keep it secret: without it no stored secret can be opened)\n",
        home = h.home().display(),
        db = h.db_path().display(),
        key = h.key_path().display()
    )
}

/// A home that exists (so later commands print no creation banner) and holds `my_s3`.
fn with_my_s3() -> Harness {
    let h = Harness::new();
    h.create_s3("my_s3", &["s3://bucket-a"], "s3-secret-value").success();
    h
}

fn show_json(h: &Harness, name: &str) -> Value {
    h.json(&["secret", "show", name, "--format", "json"])
}

fn list_json(h: &Harness) -> Value {
    h.json(&["secret", "list", "--format", "json"])
}

// ---------------------------------------------------------------------------------------------
// The home
// ---------------------------------------------------------------------------------------------

#[test]
fn first_use_creates_a_private_home_and_says_where() {
    let h = Harness::new();
    assert!(!h.home().exists());

    let a = h.run(&["secret", "list"]).success();
    assert_eq!(stderr(&a), created_banner(&h));

    assert_eq!(h.mode(&h.home()), 0o700, "home directory mode");
    assert_eq!(h.mode(&h.key_path()), 0o600, "key file mode");
    assert_eq!(h.mode(&h.db_path()), 0o600, "database file mode");

    // Only the first use says so.
    h.run(&["secret", "list"]).success().stderr("");
    h.create_s3("my_s3", &[], "v").success().stderr("");
    assert_eq!(h.mode(&h.db_path()), 0o600, "database file mode after a write");
    assert_eq!(h.mode(&h.key_path()), 0o600, "key file mode after a write");
}

#[test]
fn first_use_by_a_failing_create_still_reports_the_new_store() {
    let h = Harness::new();
    let a = h
        .run_stdin(&argv("secret create x --type s3 --set bogus=1 --set secret=-"), "v")
        .code(2);
    assert!(stderr(&a).starts_with(&created_banner(&h)), "{}", stderr(&a));
    assert!(h.list_names().is_empty());
}

#[test]
fn init_creates_the_store_and_prints_where_it_is() {
    let h = Harness::new();
    let paths = format!(
        "store: {}\nkey file: {}\n",
        h.db_path().display(),
        h.key_path().display()
    );
    h.run(&["init"])
        .success()
        .stdout(paths.clone())
        .stderr(created_banner(&h));
    assert!(h.db_path().is_file() && h.key_path().is_file());
    let key_before = std::fs::read(h.key_path()).expect("read key file");
    // Idempotent: the same paths, no banner, the key file untouched.
    h.run(&["init"]).success().stdout(paths).stderr("");
    assert_eq!(std::fs::read(h.key_path()).expect("read key file"), key_before);
}

#[test]
fn home_comes_from_flag_then_coffer_home_then_xdg_data_home_then_home() {
    let h = Harness::new();

    // --home wins over COFFER_HOME.
    let flag_home = h.root().join("flag-home");
    h.run(&["--home", flag_home.to_str().expect("utf-8 path"), "init"])
        .success();
    assert!(flag_home.join("master.key").is_file());
    assert!(!h.home().exists());

    // Without COFFER_HOME: $XDG_DATA_HOME/coffer.
    let xdg = h.root().join("xdg");
    let mut cmd = h.command();
    cmd.env_remove("COFFER_HOME").env("XDG_DATA_HOME", &xdg).arg("init");
    h.exec(cmd, vec!["init".into()], None, &[("XDG_DATA_HOME", "<tmp>/xdg")])
        .success()
        .stdout(contains(format!("store: {}", xdg.join("coffer/coffer.db").display())));
    assert_eq!(h.mode(&xdg.join("coffer")), 0o700);

    // Without either: $HOME/.local/share/coffer.
    let mut cmd = h.command();
    cmd.env_remove("COFFER_HOME").arg("init");
    h.exec(cmd, vec!["init".into()], None, &[])
        .success()
        .stdout(contains(format!(
            "store: {}",
            h.user_home().join(".local/share/coffer/coffer.db").display()
        )));
    assert!(h.user_home().join(".local/share/coffer/master.key").is_file());
    assert!(!h.home().exists());
}

#[test]
fn a_key_file_readable_by_others_is_refused_by_every_store_command() {
    let h = with_my_s3();
    let key = h.key_path();
    for mode in [0o640, 0o604] {
        h.chmod(&key, mode);
        let expected = format!(
            "error: key file {k} is readable by group or others (mode {mode:o}); fix it with: chmod 600 {k}\n",
            k = key.display()
        );
        let commands: Vec<Vec<&str>> = vec![
            vec!["init"],
            vec!["secret", "list"],
            vec!["secret", "list", "--format", "json"],
            vec!["secret", "show", "my_s3"],
            vec!["secret", "drop", "my_s3"],
            vec!["secret", "drop", "nothere", "--if-exists"],
            vec!["which", "s3://bucket-a/x.parquet", "--type", "s3"],
            vec!["secret", "create", "other", "--type", "generic", "--set", "value=-"],
        ];
        for args in commands {
            let a = h.run_stdin(&args, "v").code(1).stdout("");
            assert_eq!(stderr(&a), expected, "coffer {}", args.join(" "));
            assert!(stderr(&a).contains(&format!("chmod 600 {}", key.display())));
        }
        // `secret types` needs no store.
        h.run(&["secret", "types", "s3"]).success();
    }
    // Fixed: everything is still there.
    h.chmod(&key, 0o600);
    assert_eq!(h.list_names(), ["my_s3"]);
}

// ---------------------------------------------------------------------------------------------
// secret create: where values come from
// ---------------------------------------------------------------------------------------------

#[test]
fn create_reads_a_sensitive_value_from_stdin() {
    let h = Harness::new();
    h.run(&["init"]).success();
    h.run_stdin(
        &argv("secret create my_s3 --type s3 --scope s3://bucket-a --set key_id=AKIAEXAMPLE --set region=us-east-1 --set secret=-"),
        "s3-secret-from-stdin\n",
    )
    .success()
    .stdout("created persistent secret 'my_s3' (type s3, version 1, scope s3://bucket-a)\n")
    .stderr("");
    let s = show_json(&h, "my_s3");
    assert_eq!(s["sensitive_keys"], json!(["secret"]));
    assert_eq!(s["secret_string"], MY_S3_STRING);
}

#[test]
fn create_reads_a_sensitive_value_from_a_file() {
    let h = Harness::new();
    h.run(&["init"]).success();
    let secret = h.at_file("secret", "s3-secret", "s3-secret-from-file\n");
    let token = h.at_file("session_token", "s3-token", "token-from-file");
    h.run(&[
        "secret",
        "create",
        "my_s3",
        "--type",
        "s3",
        "--scope",
        "s3://bucket-a",
        "--set",
        "key_id=AKIAEXAMPLE",
        "--set",
        "region=us-east-1",
        "--set",
        &secret,
        "--set",
        &token,
    ])
    .success()
    .stdout("created persistent secret 'my_s3' (type s3, version 1, scope s3://bucket-a)\n")
    .stderr("");
    let s = show_json(&h, "my_s3");
    assert_eq!(s["sensitive_keys"], json!(["secret", "session_token"]));
    assert_eq!(s["secret_string"], format!("{MY_S3_STRING};session_token=redacted"));
}

#[test]
fn create_from_a_missing_file_is_a_runtime_error_and_writes_nothing() {
    let h = Harness::new();
    h.run(&["init"]).success();
    let missing = h.root().join("inputs/does-not-exist");
    h.run(&[
        "secret",
        "create",
        "x",
        "--type",
        "generic",
        "--set",
        &format!("value=@{}", missing.display()),
    ])
    .code(1)
    .stdout("")
    .stderr(contains(
        "error: cannot read the value of 'value' from the file given after '@': No such file or directory",
    ));
    assert!(h.list_names().is_empty());
}

#[test]
fn create_with_an_inline_sensitive_value_works_but_warns() {
    let h = Harness::new();
    h.run(&["init"]).success();
    h.run(&argv("secret create my_s3 --type s3 --scope s3://bucket-a --set key_id=AKIAEXAMPLE --set region=us-east-1 --set secret=inline-value-42"))
    .success()
    .stdout("created persistent secret 'my_s3' (type s3, version 1, scope s3://bucket-a)\n")
    .stderr(INLINE_WARNING)
    .stderr(contains("other processes can see it"))
    .stderr(contains("inline-value-42").not());
    assert_eq!(show_json(&h, "my_s3")["secret_string"], MY_S3_STRING);
}

#[test]
fn create_without_a_value_and_without_a_terminal_is_a_usage_error() {
    let h = with_my_s3();
    h.run(&argv("secret create x --type s3 --set key_id=A --set region=r --set secret"))
        .code(2)
        .stdout("")
        .stderr(
            "error: cannot prompt for 'secret': stdin is not a terminal; use --set secret=- to read it from stdin or --set secret=@FILE\n",
        );
    // A flights param without a value is sensitive too.
    h.run(&argv("secret create fl --type flights --set API_KEY"))
        .code(2)
        .stderr(contains(
            "cannot prompt for 'API_KEY': stdin is not a terminal; use --set API_KEY=- to read it from stdin",
        ));
    // A non-sensitive field without a value is a plain usage error.
    h.run(&argv("secret create x --type s3 --set region"))
        .code(2)
        .stderr("error: --set region needs a value: --set region=VALUE\n");
    h.run(&argv("secret create x --type s3 --set =v"))
        .code(2)
        .stderr("error: --set '=v': expected KEY=VALUE\n");
    assert_eq!(h.list_names(), ["my_s3"]);
}

#[test]
fn create_refuses_two_values_from_stdin() {
    let h = with_my_s3();
    h.run_stdin(
        &argv("secret create x --type s3 --set key_id=A --set secret=- --set session_token=-"),
        "v",
    )
    .code(2)
    .stdout("")
    .stderr("error: both 'secret' and 'session_token' read from stdin (-); stdin holds one value: use @FILE or a prompt for the other\n");
    assert_eq!(h.list_names(), ["my_s3"]);
}

// ---------------------------------------------------------------------------------------------
// secret create: conflicts
// ---------------------------------------------------------------------------------------------

#[test]
fn create_twice_conflicts_or_replace_makes_version_2_if_not_exists_keeps() {
    let h = with_my_s3();
    let first = show_json(&h, "my_s3");
    assert_eq!(first["version"], 1);

    h.create_s3("my_s3", &["s3://bucket-a"], "other").code(1).stdout("").stderr(
        "error: Persistent secret with name 'my_s3' already exists in secret storage 'coffer'; use OR REPLACE (--or-replace) to replace it or IF NOT EXISTS (--if-not-exists) to keep it\n",
    );
    assert_eq!(show_json(&h, "my_s3"), first, "a refused create changes nothing");

    h.run_stdin(
        &argv("secret create my_s3 --type s3 --scope s3://bucket-b --set key_id=AKIAOTHER --set region=eu-west-1 --set secret=- --or-replace"),
        "replacement",
    )
    .success()
    .stdout("replaced persistent secret 'my_s3' (type s3, version 2, scope s3://bucket-b)\n")
    .stderr("");
    let replaced = show_json(&h, "my_s3");
    assert_eq!(replaced["version"], 2);
    assert_eq!(replaced["scope"], json!(["s3://bucket-b"]));
    assert_eq!(
        replaced["fields"],
        json!({"key_id": "AKIAOTHER", "region": "eu-west-1"})
    );
    assert_eq!(
        replaced["created_at"], first["created_at"],
        "replacing keeps the creation time"
    );
    assert!(replaced["updated_at"].as_i64() >= first["updated_at"].as_i64());
    h.run(&["secret", "show", "my_s3"])
        .success()
        .stdout(contains("version       2\n"));

    h.run_stdin(
        &argv("secret create my_s3 --type generic --set value=- --if-not-exists"),
        "ignored",
    )
    .success()
    .stdout("kept existing persistent secret 'my_s3' (type s3, version 2, scope s3://bucket-b)\n");
    assert_eq!(show_json(&h, "my_s3"), replaced, "IF NOT EXISTS changes nothing");

    h.create_s3("my_s3", &[], "x")
        .code(1)
        .stderr(contains("already exists"));
    h.run_stdin(
        &argv("secret create my_s3 --type generic --set value=- --or-replace --if-not-exists"),
        "x",
    )
    .code(2)
    .stderr(contains(
        "error: the argument '--or-replace' cannot be used with '--if-not-exists'",
    ));
    assert_eq!(show_json(&h, "my_s3"), replaced);
}

#[test]
fn create_prints_json_when_asked() {
    let h = Harness::new();
    h.run(&["init"]).success();
    let out = stdout(
        &h.run_stdin(
            &argv("secret create key --type openai --set api_key=- --format json"),
            "sk-x",
        )
        .success(),
    );
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["action"], "created");
    assert_eq!(v["secret"]["name"], "key");
    assert_eq!(v["secret"]["type"], "openai");
    assert_eq!(v["secret"]["storage"], "coffer");
    assert_eq!(v["secret"]["persistent"], true);
    assert_eq!(v["secret"]["version"], 1);
    assert_eq!(v["secret"]["created_by"], TEST_ACTOR);
    assert_eq!(
        v["secret"]["secret_string"],
        "name=key;type=openai;provider=config;serializable=true;scope;api_key=redacted"
    );
    assert_eq!(v["secret"], show_json(&h, "key"));
}

// ---------------------------------------------------------------------------------------------
// secret create: names and types
// ---------------------------------------------------------------------------------------------

#[test]
fn an_unnamed_secret_is_named_after_its_type() {
    let h = Harness::new();
    h.run(&["init"]).success();
    h.run_stdin(&argv("secret create --type OpenAI --set api_key=-"), "sk-test")
        .success()
        .stdout("created persistent secret '__default_openai' (type openai, version 1, scope (any path))\n");
    assert_eq!(h.list_names(), ["__default_openai"]);
    assert_eq!(
        show_json(&h, "__default_openai")["secret_string"],
        "name=__default_openai;type=openai;provider=config;serializable=true;scope;api_key=redacted"
    );
}

struct TypeCase {
    ty: &'static str,
    /// `--set` arguments; `=-` reads `stdin`, `=@NAME` a file written with `value-of-NAME`.
    sets: &'static [&'static str],
    stdin: &'static str,
    scope_text: &'static str,
    sensitive_keys: &'static [&'static str],
    /// The exact secret string.
    secret_string: &'static str,
}

const TYPE_CASES: &[TypeCase] = &[
    TypeCase {
        ty: "s3",
        sets: &["key_id=AKIAEXAMPLE", "region=us-east-1", "secret=-"],
        stdin: "s",
        scope_text: "s3://,s3n://,s3a://",
        sensitive_keys: &["secret"],
        secret_string: "name=t_s3;type=s3;provider=config;serializable=true;scope=s3://,s3n://,s3a://;key_id=AKIAEXAMPLE;region=us-east-1;secret=redacted",
    },
    TypeCase {
        ty: "r2",
        sets: &["key_id=K", "secret=-", "account_id=acc"],
        stdin: "s",
        scope_text: "r2://",
        sensitive_keys: &["secret"],
        secret_string: "name=t_r2;type=r2;provider=config;serializable=true;scope=r2://;endpoint=acc.r2.cloudflarestorage.com;key_id=K;secret=redacted;url_style=path",
    },
    TypeCase {
        ty: "gcs",
        sets: &["key_id=K", "secret=@gcs_secret"],
        stdin: "",
        scope_text: "gcs://,gs://",
        sensitive_keys: &["secret"],
        secret_string: "name=t_gcs;type=gcs;provider=config;serializable=true;scope=gcs://,gs://;key_id=K;secret=redacted",
    },
    TypeCase {
        ty: "azure",
        sets: &["connection_string=-"],
        stdin: "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=k",
        scope_text: "azure://,az://,abfss://,abfs://",
        sensitive_keys: &["connection_string"],
        secret_string: "name=t_azure;type=azure;provider=config;serializable=true;scope=azure://,az://,abfss://,abfs://;connection_string=redacted",
    },
    TypeCase {
        ty: "huggingface",
        sets: &["token=-"],
        stdin: "hf_x",
        scope_text: "hf://",
        sensitive_keys: &["token"],
        secret_string: "name=t_huggingface;type=huggingface;provider=config;serializable=true;scope=hf://;token=redacted",
    },
    TypeCase {
        ty: "postgres",
        sets: &["host=db.internal", "port=5433", "database=analytics", "user=etl", "password=-"],
        stdin: "pw",
        scope_text: "(any path)",
        sensitive_keys: &["password"],
        secret_string: "name=t_postgres;type=postgres;provider=config;serializable=true;scope;dbname=analytics;host=db.internal;password=redacted;port=5433;user=etl",
    },
    TypeCase {
        ty: "mysql",
        sets: &["host=db", "port=3307", "user=etl", "password=@mysql_pw", "ssl_mode=REQUIRED"],
        stdin: "",
        scope_text: "(any path)",
        sensitive_keys: &["password"],
        secret_string: "name=t_mysql;type=mysql;provider=config;serializable=true;scope;host=db;password=redacted;port=3307;ssl_mode=REQUIRED;user=etl",
    },
    TypeCase {
        ty: "http",
        sets: &["bearer_token=-", "http_proxy=http://proxy:3128"],
        stdin: "tok",
        scope_text: "(any path)",
        sensitive_keys: &["bearer_token"],
        secret_string: "name=t_http;type=http;provider=config;serializable=true;scope;bearer_token=redacted;http_proxy=http://proxy:3128",
    },
    TypeCase {
        ty: "openai",
        sets: &["api_key=-", "base_url=https://api.openai.com/v1"],
        stdin: "sk-x",
        scope_text: "(any path)",
        sensitive_keys: &["api_key"],
        secret_string: "name=t_openai;type=openai;provider=config;serializable=true;scope;api_key=redacted;base_url=https://api.openai.com/v1",
    },
    TypeCase {
        ty: "ollama",
        sets: &["api_url=http://localhost:11434"],
        stdin: "",
        scope_text: "(any path)",
        sensitive_keys: &[],
        secret_string: "name=t_ollama;type=ollama;provider=config;serializable=true;scope;api_url=http://localhost:11434",
    },
    TypeCase {
        ty: "azure_llm",
        sets: &["api_key=-", "resource_name=res", "api_version=2024-02-01"],
        stdin: "k",
        scope_text: "(any path)",
        sensitive_keys: &["api_key"],
        secret_string: "name=t_azure_llm;type=azure_llm;provider=config;serializable=true;scope;api_key=redacted;api_version=2024-02-01;resource_name=res",
    },
    TypeCase {
        ty: "flights",
        sets: &["API_KEY=-", "ENDPOINT=@flights_endpoint"],
        stdin: "k",
        scope_text: "(any path)",
        sensitive_keys: &["params.API_KEY", "params.ENDPOINT"],
        secret_string: "name=t_flights;type=flights;provider=config;serializable=true;scope;params={API_KEY=redacted, ENDPOINT=redacted}",
    },
    TypeCase {
        ty: "generic",
        sets: &["value=-"],
        stdin: "v",
        scope_text: "(any path)",
        sensitive_keys: &["value"],
        secret_string: "name=t_generic;type=generic;provider=config;serializable=true;scope;value=redacted",
    },
];

#[test]
fn every_type_can_be_created() {
    let h = Harness::new();
    h.run(&["init"]).success();
    assert_eq!(TYPE_CASES.iter().map(|c| c.ty).collect::<Vec<_>>(), ALL_TYPES);
    for case in TYPE_CASES {
        let name = format!("t_{}", case.ty);
        let mut args: Vec<String> = ["secret", "create", &name, "--type", case.ty]
            .iter()
            .map(|s| s.to_string())
            .collect();
        for set in case.sets {
            args.push("--set".into());
            args.push(match set.split_once("=@") {
                Some((k, file)) => h.at_file(k, file, format!("value-of-{file}\n")),
                None => set.to_string(),
            });
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        h.run_stdin(&args, case.stdin)
            .success()
            .stdout(format!(
                "created persistent secret '{name}' (type {}, version 1, scope {})\n",
                case.ty, case.scope_text
            ))
            .stderr("");
        let s = show_json(&h, &name);
        assert_eq!(s["type"], case.ty);
        assert_eq!(s["provider"], "config");
        assert_eq!(s["persistent"], true);
        assert_eq!(s["storage"], "coffer");
        assert_eq!(s["sensitive_keys"], json!(case.sensitive_keys), "{name}");
        assert_eq!(s["secret_string"], case.secret_string, "{name}");
    }
    let listed = list_json(&h);
    let types: Vec<&str> = listed
        .as_array()
        .expect("array")
        .iter()
        .map(|s| s["type"].as_str().expect("type"))
        .collect();
    let mut expected = ALL_TYPES.to_vec();
    expected.sort_by_key(|t| format!("t_{t}"));
    assert_eq!(types, expected);
}

#[test]
fn other_providers_can_be_created() {
    let h = Harness::new();
    h.run(&["init"]).success();
    h.run(&argv(
        "secret create chain --type s3 --provider CREDENTIAL_CHAIN --set chain=env;config",
    ))
    .success()
    .stdout("created persistent secret 'chain' (type s3, version 1, scope s3://,s3n://,s3a://)\n");
    assert_eq!(
        show_json(&h, "chain")["secret_string"],
        "name=chain;type=s3;provider=credential_chain;serializable=true;scope=s3://,s3n://,s3a://;chain=env;config;endpoint=s3.amazonaws.com"
    );
    h.run_stdin(
        &argv("secret create sp --type azure --provider service_principal --set tenant_id=t --set client_id=c --set account_name=acct --set client_secret=-"),
        "cs",
    )
    .success();
    assert_eq!(
        show_json(&h, "sp")["secret_string"],
        "name=sp;type=azure;provider=service_principal;serializable=true;scope=azure://,az://,abfss://,abfs://;account_name=acct;client_id=c;client_secret=redacted;tenant_id=t"
    );
    // A map field (header values are sensitive: they carry bearer tokens), a boolean in
    // DuckDB's spellings and a choice in any case.
    h.run_stdin(
        &argv("secret create hdr --type s3 --scope s3://h --set key_id=K --set region=us-east-1 --set secret=- --set extra_http_headers.X-Trace=1 --set use_ssl=F --set url_style=path"),
        "s",
    )
    .success();
    assert_eq!(
        show_json(&h, "hdr")["secret_string"],
        "name=hdr;type=s3;provider=config;serializable=true;scope=s3://h;extra_http_headers={X-Trace=redacted};key_id=K;region=us-east-1;secret=redacted;url_style=path;use_ssl=false"
    );
}

#[test]
fn flights_params_are_all_sensitive_and_shown_redacted() {
    let h = Harness::new();
    h.run(&["init"]).success();
    let endpoint = h.at_file("ENDPOINT", "endpoint", "grpc+tls://flights.example:443\n");
    h.run_stdin(
        &[
            "secret",
            "create",
            "fl",
            "--type",
            "flights",
            "--set",
            "API_KEY=-",
            "--set",
            &endpoint,
        ],
        "key-123\n",
    )
    .success()
    .stdout("created persistent secret 'fl' (type flights, version 1, scope (any path))\n")
    .stderr("");
    let s = show_json(&h, "fl");
    assert_eq!(s["fields"], json!({}));
    assert_eq!(s["sensitive_keys"], json!(["params.API_KEY", "params.ENDPOINT"]));
    let string = s["secret_string"].as_str().expect("secret_string");
    assert!(
        string.contains("params={API_KEY=redacted, ENDPOINT=redacted}"),
        "{string}"
    );
    assert_eq!(
        string,
        "name=fl;type=flights;provider=config;serializable=true;scope;params={API_KEY=redacted, ENDPOINT=redacted}"
    );
    h.run(&["secret", "show", "fl"])
        .success()
        .stdout(contains(
            "field         params.API_KEY = (sensitive, sealed)\nfield         params.ENDPOINT = (sensitive, sealed)\n",
        ))
        .stdout(contains("key-123").not())
        .stdout(contains("flights.example").not());
    // `params.KEY=...` is the same as `KEY=...`.
    h.run_stdin(&argv("secret create fl2 --type flights --set params.TOKEN=-"), "t")
        .success();
    assert_eq!(show_json(&h, "fl2")["sensitive_keys"], json!(["params.TOKEN"]));
}

// ---------------------------------------------------------------------------------------------
// secret create: invalid definitions
// ---------------------------------------------------------------------------------------------

#[test]
fn invalid_definitions_are_usage_errors_and_write_nothing() {
    let h = with_my_s3();
    let before = list_json(&h);
    let base = argv("secret create x --type s3 --set key_id=AKIAEXAMPLE --set secret=-");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["secret", "create", "x", "--type", "nope", "--set", "secret=-"],
            "unknown secret type 'nope'; valid types: s3, r2, gcs, azure, huggingface, postgres, mysql, http, openai, ollama, azure_llm, flights, generic",
        ),
        (
            [&base[..], &["--set", "region=us-east-1", "--set", "bogus=1"]].concat(),
            "unknown field 'bogus' for secret type 's3' with provider 'config'; valid fields: key_id, secret, session_token, region, endpoint, url_style, use_ssl, verify_ssl, kms_key_id, url_compatibility_mode, requester_pays, refresh, http_proxy, http_proxy_username, http_proxy_password, extra_http_headers",
        ),
        (
            vec!["secret", "create", "o", "--type", "openai", "--set", "base_url=http://x"],
            "missing required field 'api_key' for secret type 'openai' with provider 'config'; required: api_key",
        ),
        (
            [&base[..], &["--set", "region=us-east-1", "--set", "use_ssl=maybe"]].concat(),
            "invalid value for field 'use_ssl' of secret type 's3': expected a boolean (true or false), got 'maybe'",
        ),
        (
            vec!["secret", "create", "a/b", "--type", "s3", "--set", "secret=-"],
            "invalid secret name 'a/b': names must match [A-Za-z0-9._-]{1,128} (letters, digits, '.', '_' and '-', 1 to 128 characters; not '.' or '..')",
        ),
        (
            vec!["secret", "create", "x", "--type", "s3", "--provider", "nope", "--set", "secret=-"],
            "unknown provider 'nope' for secret type 's3'; valid providers: config, credential_chain",
        ),
        (
            [&base[..], &["--set", "region=us-east-1", "--scope", "s3://a b"]].concat(),
            "invalid scope 's3://a b': a scope is a URL prefix such as s3://bucket/path and may not contain spaces or control characters",
        ),
        (
            vec!["secret", "create", "cc", "--type", "s3", "--provider", "credential_chain", "--set", "chain=env;nope", "--set", "secret=-"],
            "invalid value for field 'chain' of secret type 's3': 'nope' is not a credential chain provider; CHAIN is a ';'-separated list of: config, sts, sso, env, instance, process, web_identity (lower-case, no spaces)",
        ),
        (
            vec!["secret", "create", "fl", "--type", "flights"],
            "missing required field 'params' for secret type 'flights' with provider 'config'; set at least one param, e.g. --set API_KEY=-",
        ),
        (
            vec!["secret", "create", "fl", "--type", "flights", "--set", "bad key=-"],
            "invalid value for field 'bad key' of secret type 'flights': param names must match [A-Za-z0-9._-]{1,128}",
        ),
        (
            [&base[..], &["--set", "region=us-east-1", "--set", "REGION=eu-west-1"]].concat(),
            "field 'region' is given more than once; give each field once",
        ),
    ];
    for (args, message) in cases {
        let a = h.run_stdin(&args, "value-from-stdin").code(2).stdout("");
        assert_eq!(stderr(&a), format!("error: {message}\n"), "coffer {}", args.join(" "));
        assert!(!stderr(&a).contains("value-from-stdin"));
    }
    let long = "x".repeat(129);
    h.run_stdin(
        &["secret", "create", &long, "--type", "generic", "--set", "value=-"],
        "v",
    )
    .code(2)
    .stderr(contains("names must match [A-Za-z0-9._-]{1,128}"));
    h.run_stdin(&argv("secret create x --type s3 --set secret=- --format yaml"), "v")
        .code(2)
        .stderr(contains("invalid value 'yaml' for '--format <FORMAT>'"))
        .stderr(contains("[possible values: table, json]"));
    assert_eq!(list_json(&h), before, "no failed create wrote anything");
}

#[test]
fn malformed_command_lines_are_usage_errors() {
    let h = with_my_s3();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec![], "requires a subcommand"),
        (vec!["secret"], "requires a subcommand"),
        (vec!["nope"], "unrecognized subcommand 'nope'"),
        (vec!["secret", "create", "x"], "--type <SECRET_TYPE>"),
        (
            vec!["secret", "create", "x", "--type", "generic", "--bogus"],
            "unexpected argument '--bogus'",
        ),
        (
            vec![
                "secret",
                "create",
                "x",
                "--type",
                "generic",
                "--temporary",
                "--persistent",
            ],
            "cannot be used with",
        ),
        (vec!["secret", "show"], "<NAME>"),
        (
            vec!["secret", "show", "my_s3", "--temporary", "--persistent"],
            "cannot be used with",
        ),
        (vec!["secret", "drop"], "<NAME>"),
        (
            vec!["secret", "list", "--format", "yaml"],
            "invalid value 'yaml' for '--format <FORMAT>'",
        ),
        (
            vec!["secret", "show", "my_s3", "--format", "xml"],
            "invalid value 'xml' for '--format <FORMAT>'",
        ),
        (
            vec!["secret", "types", "--format", "csv"],
            "invalid value 'csv' for '--format <FORMAT>'",
        ),
        (
            vec!["which", "s3://bucket-a/x", "--type", "s3", "--format", "yaml"],
            "invalid value 'yaml' for '--format <FORMAT>'",
        ),
        (vec!["which", "s3://bucket-a/x"], "--type <SECRET_TYPE>"),
        (
            vec!["--project", "a b", "secret", "list"],
            "invalid project name 'a b': names must match [A-Za-z0-9._-]{1,128}",
        ),
    ];
    for (args, message) in cases {
        let a = h.run(&args).code(2).stdout("");
        assert!(
            stderr(&a).contains(message),
            "coffer {}: {:?} lacks {message:?}",
            args.join(" "),
            stderr(&a)
        );
    }
    h.run(&["--version"]).success().stdout(contains("coffer "));
    h.run(&["--help"]).success().stdout(contains("secret"));
    assert_eq!(h.list_names(), ["my_s3"]);
}

// ---------------------------------------------------------------------------------------------
// secret list / show
// ---------------------------------------------------------------------------------------------

/// Checks that every column of `table` starts at the same offset as its header.
fn assert_aligned(table: &str) {
    let mut lines = table.lines();
    let header = lines.next().expect("a header");
    let starts: Vec<usize> = header
        .char_indices()
        .filter(|&(i, c)| c != ' ' && (i == 0 || header.as_bytes()[i - 1] == b' '))
        .map(|(i, _)| i)
        .collect();
    for line in lines {
        for &s in &starts[1..] {
            assert!(line.len() > s, "{line:?} is shorter than the header");
            assert_eq!(&line[s - 2..s], "  ", "{line:?} is not aligned at {s}");
            assert_ne!(line.as_bytes()[s], b' ', "{line:?} has no value at {s}");
        }
    }
}

#[test]
fn list_shows_metadata_as_a_table_and_as_json() {
    let h = with_my_s3();
    h.run_stdin(
        &argv("secret create pg --type postgres --set host=db --set password=-"),
        "pw",
    )
    .success();
    let out = stdout(&h.run(&["secret", "list"]).success().stderr(""));
    let lines: Vec<Vec<&str>> = out.lines().map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert_eq!(
        lines[0],
        [
            "name",
            "type",
            "provider",
            "persistent",
            "storage",
            "scope",
            "version",
            "updated",
            "updated_by"
        ]
    );
    assert_eq!(
        lines[1][..7],
        ["my_s3", "s3", "config", "true", "coffer", "[s3://bucket-a]", "1"]
    );
    assert_eq!(lines[2][..7], ["pg", "postgres", "config", "true", "coffer", "[]", "1"]);
    for row in &lines[1..] {
        assert!(is_timestamp(row[7]), "{row:?}");
        assert_eq!(row[8], TEST_ACTOR);
        assert_eq!(row.len(), 9);
    }
    assert_aligned(&out);

    let v = list_json(&h);
    let arr = v.as_array().expect("array");
    assert_eq!(arr.len(), 2);
    let s3 = &arr[0];
    assert_eq!(s3["name"], "my_s3");
    assert_eq!(s3["type"], "s3");
    assert_eq!(s3["provider"], "config");
    assert_eq!(s3["scope"], json!(["s3://bucket-a"]));
    assert_eq!(s3["storage"], "coffer");
    assert_eq!(s3["persistent"], true);
    assert_eq!(s3["version"], 1);
    assert_eq!(s3["fields"], json!({"key_id": "AKIAEXAMPLE", "region": "us-east-1"}));
    assert_eq!(s3["sensitive_keys"], json!(["secret"]));
    assert_eq!(s3["created_by"], TEST_ACTOR);
    assert_eq!(s3["updated_by"], TEST_ACTOR);
    assert!(s3["created_at"].as_i64().expect("created_at") > 1_600_000_000_000);
    assert_eq!(s3["secret_string"], MY_S3_STRING);
    assert_eq!(arr[1]["name"], "pg");
    assert_eq!(arr[1]["scope"], json!([]));
    assert_eq!(arr[1]["fields"], json!({"host": "db"}));
    assert!(
        !out.contains("s3-secret-value")
            && !v.to_string().contains("s3-secret-value")
            && !v.to_string().contains("pw\"")
    );
}

#[test]
fn list_of_an_empty_store_is_just_the_header() {
    let h = Harness::new();
    h.run(&["init"]).success();
    h.run(&["secret", "list"])
        .success()
        .stdout("name  type  provider  persistent  storage  scope  version  updated  updated_by\n");
    h.run(&["secret", "list", "--format", "json"]).success().stdout("[]\n");
}

#[test]
fn show_prints_one_secret_with_its_redacted_secret_string() {
    let h = with_my_s3();
    let out = stdout(&h.run(&["secret", "show", "my_s3"]).success().stderr(""));
    let lines: Vec<&str> = out.lines().collect();
    let expected_start = [
        "name          my_s3",
        "type          s3",
        "provider      config",
        "scope         [s3://bucket-a]",
        "storage       coffer",
        "persistent    true",
        "version       1",
    ];
    assert_eq!(lines[..7], expected_start, "{out}");
    for (line, label) in lines[7..9].iter().zip(["created       ", "updated       "]) {
        let rest = line.strip_prefix(label).unwrap_or_else(|| panic!("{line:?}"));
        let (time, by) = rest.split_once(" by ").expect("TIME by ACTOR");
        assert!(is_timestamp(time), "{line:?}");
        assert_eq!(by, TEST_ACTOR);
    }
    assert_eq!(
        lines[9..],
        [
            "field         key_id = AKIAEXAMPLE",
            "field         region = us-east-1",
            "field         secret = (sensitive, sealed)",
            &format!("secret_string {MY_S3_STRING}"),
        ]
    );

    let v = show_json(&h, "my_s3");
    assert_eq!(v["secret_string"], MY_S3_STRING);
    assert_eq!(v["version"], 1);
    assert_eq!(v, list_json(&h)[0], "show and list agree");
    // --persistent looks in the store only, and finds it there.
    assert_eq!(h.json(&argv("secret show my_s3 --persistent --format json")), v);
    assert!(!out.contains("s3-secret-value"));
}

#[test]
fn show_of_a_missing_secret_is_a_runtime_error() {
    let h = with_my_s3();
    h.run(&["secret", "show", "nothere"])
        .code(1)
        .stdout("")
        .stderr("error: secret 'nothere' does not exist\n");
    h.run(&["secret", "show", "nothere", "--format", "json"])
        .code(1)
        .stdout("");
    h.run(&["secret", "show", "my_s3", "--temporary"])
        .code(1)
        .stdout("")
        .stderr("error: secret 'my_s3' does not exist in storage 'memory'\n");
}

#[test]
fn names_compare_case_insensitively_and_keep_their_case() {
    let h = with_my_s3();
    let v = h.json(&["secret", "show", "MY_S3", "--format", "json"]);
    assert_eq!(v["name"], "my_s3");
    assert_eq!(v, show_json(&h, "my_s3"));
    h.create_s3("My_S3", &["s3://bucket-a"], "v")
        .code(1)
        .stderr(contains("already exists"));
    assert_eq!(h.list_names(), ["my_s3"]);
    h.run(&["which", "s3://bucket-a/x", "--type", "S3"])
        .success()
        .stdout(contains("my_s3"));
    h.run(&["secret", "drop", "MY_S3"]).success();
    assert!(h.list_names().is_empty());
}

// ---------------------------------------------------------------------------------------------
// secret drop
// ---------------------------------------------------------------------------------------------

#[test]
fn drop_existing_missing_if_exists_and_wrong_storage() {
    let h = with_my_s3();
    h.create_s3("second", &["s3://bucket-b"], "v").success();

    h.run(&["secret", "drop", "nothere"])
        .code(1)
        .stdout("")
        .stderr("error: secret 'nothere' does not exist\n");
    h.run(&["secret", "drop", "nothere", "--if-exists"])
        .success()
        .stdout("secret 'nothere' does not exist; nothing dropped\n")
        .stderr("");
    h.run(&["secret", "drop", "my_s3", "--temporary"])
        .code(1)
        .stdout("")
        .stderr("error: secret 'my_s3' does not exist in storage 'memory'\n");
    h.run(&["secret", "drop", "my_s3", "--temporary", "--if-exists"])
        .success()
        .stdout("secret 'my_s3' does not exist; nothing dropped\n");
    assert_eq!(h.list_names(), ["my_s3", "second"], "nothing was dropped yet");

    h.run(&["secret", "drop", "my_s3"])
        .success()
        .stdout("dropped persistent secret 'my_s3'\n")
        .stderr("");
    assert_eq!(h.list_names(), ["second"]);
    h.run(&["secret", "show", "my_s3"]).code(1);
    h.run(&["secret", "drop", "my_s3"])
        .code(1)
        .stderr("error: secret 'my_s3' does not exist\n");

    h.run(&["secret", "drop", "second", "--persistent"])
        .success()
        .stdout("dropped persistent secret 'second'\n");
    assert!(h.list_names().is_empty());

    // The name is free again, and starts over at version 1.
    h.create_s3("my_s3", &["s3://bucket-a"], "v")
        .success()
        .stdout(contains("version 1"));
}

// ---------------------------------------------------------------------------------------------
// Temporary secrets
// ---------------------------------------------------------------------------------------------

#[test]
fn a_temporary_secret_is_gone_when_the_process_exits() {
    let h = with_my_s3();
    let before = list_json(&h);
    h.run_stdin(&argv("secret create tmp --type generic --set value=- --temporary"), "v")
        .success()
        .stdout("created temporary secret 'tmp' (type generic, version 1, scope (any path))\n")
        .stderr(TEMPORARY_NOTE);
    assert_eq!(list_json(&h), before);
    assert!(!h.list_names().contains(&"tmp".to_string()));
    h.run(&["secret", "show", "tmp"])
        .code(1)
        .stderr("error: secret 'tmp' does not exist\n");
    h.run(&["secret", "drop", "tmp", "--temporary"]).code(1);

    // The same name as a persistent secret: a different storage, no conflict, nothing changed.
    let out = stdout(
        &h.run_stdin(
            &argv("secret create my_s3 --type generic --set value=- --temporary --format json"),
            "v",
        )
        .success(),
    );
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["action"], "created");
    assert_eq!(v["secret"]["storage"], "memory");
    assert_eq!(v["secret"]["persistent"], false);
    assert_eq!(list_json(&h), before);
}

// ---------------------------------------------------------------------------------------------
// which
// ---------------------------------------------------------------------------------------------

#[test]
fn which_picks_the_longest_matching_scope() {
    let h = Harness::new();
    h.create_s3("bucket_a", &["s3://bucket-a"], "v").success();
    h.create_s3("bucket_a_deep", &["s3://bucket-a/deep/"], "v").success();
    h.create_s3("elsewhere", &["s3://other", "s3://bucket-a/de"], "v")
        .success();
    h.run_stdin(
        &argv("secret create gcs_a --type gcs --scope s3://bucket-a/deep/x --set bearer_token=-"),
        "t",
    )
    .success();

    let which = |path: &str| -> Vec<String> {
        let out = stdout(&h.run(&["which", path, "--type", "s3"]).success().stderr(""));
        out.lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect()
    };
    assert_eq!(
        which("s3://bucket-a/x.parquet"),
        ["name persistent storage", "bucket_a PERSISTENT coffer"]
    );
    assert_eq!(
        which("s3://bucket-a/deep/x.parquet"),
        ["name persistent storage", "bucket_a_deep PERSISTENT coffer"]
    );
    assert_eq!(
        which("s3://bucket-a/dex.parquet"),
        ["name persistent storage", "elsewhere PERSISTENT coffer"]
    );
    // DuckDB's prefix rule has no path boundary: s3://bucket-a matches s3://bucket-ab/...
    assert_eq!(
        which("s3://bucket-ab/x.parquet"),
        ["name persistent storage", "bucket_a PERSISTENT coffer"]
    );
    // The type filters: the gcs secret's longer scope does not count for s3.
    assert_eq!(
        which("s3://bucket-a/deep/x/y"),
        ["name persistent storage", "bucket_a_deep PERSISTENT coffer"]
    );
    h.run(&["which", "s3://bucket-a/deep/x/y", "--type", "GCS"])
        .success()
        .stdout(contains("gcs_a"));

    let table = stdout(&h.run(&["which", "s3://bucket-a/x.parquet", "--type", "s3"]).success());
    assert_aligned(&table);

    let v = h.json(&[
        "which",
        "s3://bucket-a/deep/x.parquet",
        "--type",
        "s3",
        "--format",
        "json",
    ]);
    assert_eq!(
        v,
        json!({"name": "bucket_a_deep", "persistent": "PERSISTENT", "storage": "coffer"})
    );
}

#[test]
fn which_breaks_ties_by_name() {
    let h = Harness::new();
    h.create_s3("zeta", &["s3://same"], "v").success();
    h.create_s3("alpha", &["s3://same"], "v").success();
    let v = h.json(&["which", "s3://same/x", "--type", "s3", "--format", "json"]);
    assert_eq!(v["name"], "alpha");
}

#[test]
fn which_without_a_match_or_with_an_unknown_type() {
    let h = Harness::new();
    h.create_s3("bucket_a", &["s3://bucket-a"], "v").success();
    h.run(&["which", "s3://elsewhere/x.parquet", "--type", "s3"]).code(1).stdout("").stderr(
        "error: no s3 secret matches 's3://elsewhere/x.parquet'; create one with: coffer secret create NAME --type s3 --scope PREFIX ...\n",
    );
    h.run(&["which", "gs://bucket-a/x", "--type", "gcs"])
        .code(1)
        .stderr(contains("no gcs secret matches"));
    // JSON says `null` and, like the table, fails with exit 1.
    h.run(&argv("which s3://elsewhere/x.parquet --type s3 --format json"))
        .code(1)
        .stdout("null\n");
    h.run(&["which", "s3://bucket-a/x", "--type", "nope"]).code(2).stdout("").stderr(
        "error: unknown secret type 'nope'; valid types: s3, r2, gcs, azure, huggingface, postgres, mysql, http, openai, ollama, azure_llm, flights, generic\n",
    );
    // A secret without scopes (postgres has no default scope) matches every path of its type.
    h.run_stdin(&argv("secret create pg --type postgres --set password=-"), "pw")
        .success();
    h.run(&["which", "anything", "--type", "postgres"])
        .success()
        .stdout(contains("pg"));
}

// ---------------------------------------------------------------------------------------------
// Projects
// ---------------------------------------------------------------------------------------------

#[test]
fn projects_are_isolated() {
    let h = with_my_s3();
    let in_default = show_json(&h, "my_s3");

    // A project must exist before it is used: a typo is not a new project.
    h.run(&["--project", "other", "secret", "list"])
        .code(1)
        .stderr("error: project 'other' does not exist; create it with `coffer project create other`\n");
    h.run(&["project", "create", "other"])
        .success()
        .stdout("created project 'other'\n");
    h.run(&["project", "create", "OTHER"])
        .code(1)
        .stderr("error: project 'OTHER' already exists\n");
    assert!(h.list_names_in("other").is_empty());
    h.run(&["--project", "other", "secret", "list"])
        .success()
        .stdout("name  type  provider  persistent  storage  scope  version  updated  updated_by\n");
    h.run(&["--project", "other", "secret", "show", "my_s3"])
        .code(1)
        .stderr("error: secret 'my_s3' does not exist\n");
    h.run(&argv("--project other which s3://bucket-a/x.parquet --type s3"))
        .code(1);
    h.run(&["--project", "other", "secret", "drop", "my_s3"]).code(1);

    // The same name in another project is another secret.
    h.run_stdin(
        &argv("--project other secret create my_s3 --type generic --set value=-"),
        "v",
    )
    .success()
    .stdout(contains("version 1"));
    assert_eq!(
        h.json(&["--project", "other", "secret", "show", "my_s3", "--format", "json"])["type"],
        "generic"
    );
    assert_eq!(show_json(&h, "my_s3"), in_default);

    // COFFER_PROJECT selects the project too; --project wins over it.
    let a = h
        .run_env(
            &["secret", "show", "my_s3", "--format", "json"],
            &[("COFFER_PROJECT", "other")],
        )
        .success();
    assert!(stdout(&a).contains("\"generic\""));
    let a = h
        .run_env(
            &argv("--project default secret show my_s3 --format json"),
            &[("COFFER_PROJECT", "other")],
        )
        .success();
    assert!(stdout(&a).contains("\"s3\""));

    h.run(&["--project", "other", "secret", "drop", "my_s3"]).success();
    assert_eq!(show_json(&h, "my_s3"), in_default);
    assert_eq!(h.list_names(), ["my_s3"]);
}

// ---------------------------------------------------------------------------------------------
// secret types
// ---------------------------------------------------------------------------------------------

#[test]
fn types_lists_every_type_with_providers_and_fields() {
    let h = Harness::new();
    let out = stdout(&h.run(&["secret", "types"]).success().stderr(""));
    let names: Vec<&str> = out
        .lines()
        .filter(|l| !l.starts_with(' '))
        .map(|l| l.split(" — ").next().expect("name — description"))
        .collect();
    assert_eq!(names, ALL_TYPES);
    assert!(out.contains("s3 — Amazon S3 and S3-compatible storage (DuckDB httpfs)\n  default scope: s3://, s3n://, s3a://\n  provider config\n"), "{out}");
    assert!(out.contains("    secret                  text, sensitive\n"));
    assert!(out.contains("    region                  text, default us-east-1\n"));
    assert!(out.contains("    use_ssl                 boolean, default true\n"));
    assert!(out.contains("  provider config (requires api_key)\n"));
    assert!(out.contains("postgres — PostgreSQL connection (DuckDB postgres extension)\n  default scope: (none: matches any path, used by name)\n"));
    // Listing types needs no store and creates none.
    assert!(!h.home().exists());

    let all = h.json(&["secret", "types", "--format", "json"]);
    let arr = all.as_array().expect("array");
    assert_eq!(
        arr.iter()
            .map(|t| t["name"].as_str().expect("name"))
            .collect::<Vec<_>>(),
        ALL_TYPES
    );
    for t in arr {
        assert!(!t["providers"].as_array().expect("providers").is_empty(), "{t}");
    }
    let flights = &arr[11]["providers"][0]["fields"][0];
    assert_eq!(
        flights,
        &json!({"name": "params", "kind": "map", "sensitive": true, "default": null})
    );
}

#[test]
fn types_of_one_type_as_json() {
    let h = Harness::new();
    let v = h.json(&["secret", "types", "s3", "--format", "json"]);
    assert_eq!(
        v,
        h.json(&["secret", "types", "S3", "--format", "json"]),
        "type names are case-insensitive"
    );
    let arr = v.as_array().expect("array");
    assert_eq!(arr.len(), 1);
    let s3 = &arr[0];
    assert_eq!(s3["name"], "s3");
    assert_eq!(s3["description"], "Amazon S3 and S3-compatible storage (DuckDB httpfs)");
    assert_eq!(s3["default_scopes"], json!(["s3://", "s3n://", "s3a://"]));
    let providers = s3["providers"].as_array().expect("providers");
    assert_eq!(
        providers
            .iter()
            .map(|p| p["name"].as_str().expect("name"))
            .collect::<Vec<_>>(),
        ["config", "credential_chain"]
    );
    // DuckDB requires no field of an s3 secret.
    assert_eq!(providers[0]["required"], json!([]));
    assert_eq!(providers[1]["required"], json!([]));
    let field = |name: &str| -> Value {
        providers[0]["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .find(|f| f["name"] == name)
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(
        field("key_id"),
        json!({"name": "key_id", "kind": "text", "sensitive": false, "default": null})
    );
    assert_eq!(
        field("secret"),
        json!({"name": "secret", "kind": "text", "sensitive": true, "default": null})
    );
    assert_eq!(field("session_token")["sensitive"], true);
    assert_eq!(field("http_proxy_password")["sensitive"], true);
    assert_eq!(
        field("region"),
        json!({"name": "region", "kind": "text", "sensitive": false, "default": "us-east-1"})
    );
    assert_eq!(
        field("use_ssl"),
        json!({"name": "use_ssl", "kind": "boolean", "sensitive": false, "default": "true"})
    );
    assert_eq!(
        field("url_style"),
        json!({"name": "url_style", "kind": "text", "sensitive": false, "default": "vhost"})
    );
    assert_eq!(field("extra_http_headers")["kind"], "map");
    assert_eq!(providers[0]["fields"].as_array().expect("fields").len(), 16);

    h.run(&["secret", "types", "nope"])
        .code(2)
        .stdout("")
        .stderr(contains("error: unknown secret type 'nope'; valid types: s3, r2"));
    h.run(&["secret", "types", "postgres"])
        .success()
        .stdout(contains("    port                    port, default 5432\n"));
}

// ---------------------------------------------------------------------------------------------
// Parity with DuckDB 1.5.5's duckdb_secrets().secret_string. The expected strings were printed
// by DuckDB 1.5.5 with its httpfs extension for the same CREATE SECRET.
// ---------------------------------------------------------------------------------------------

#[test]
fn duckdb_parity_s3_secret_strings() {
    let h = Harness::new();
    h.run(&["init"]).success();
    h.create_s3("my_s3", &["s3://bucket-a"], "k").success();
    let token = h.at_file("session_token", "token", "t");
    h.run_stdin(
        &[
            "secret",
            "create",
            "s3b",
            "--type",
            "s3",
            "--set",
            "key_id=AKIAEXAMPLE",
            "--set",
            "secret=-",
            "--set",
            &token,
            "--set",
            "region=eu-west-1",
            "--set",
            "use_ssl=f",
            "--set",
            "url_style=path",
        ],
        "k",
    )
    .success();
    h.run_stdin(
        &[
            "secret",
            "create",
            "noscope",
            "--type",
            "s3",
            "--scope",
            "",
            "--set",
            "key_id=AKIAEXAMPLE",
            "--set",
            "secret=-",
            "--set",
            "region=us-east-1",
        ],
        "k",
    )
    .success();
    assert_eq!(show_json(&h, "my_s3")["secret_string"], MY_S3_STRING);
    assert_eq!(
        show_json(&h, "s3b")["secret_string"],
        "name=s3b;type=s3;provider=config;serializable=true;scope=s3://,s3n://,s3a://;key_id=AKIAEXAMPLE;region=eu-west-1;secret=redacted;session_token=redacted;url_style=path;use_ssl=false"
    );
    assert_eq!(
        show_json(&h, "noscope")["secret_string"],
        "name=noscope;type=s3;provider=config;serializable=true;scope=;key_id=AKIAEXAMPLE;region=us-east-1;secret=redacted"
    );
}

#[test]
fn duckdb_parity_r2_secret_string() {
    let h = Harness::new();
    h.run_stdin(
        &argv("secret create r2s --type r2 --set key_id=K --set secret=- --set account_id=acc"),
        "k",
    )
    .success();
    assert_eq!(
        show_json(&h, "r2s")["secret_string"],
        "name=r2s;type=r2;provider=config;serializable=true;scope=r2://;endpoint=acc.r2.cloudflarestorage.com;key_id=K;secret=redacted;url_style=path"
    );
}

#[test]
fn duckdb_parity_gcs_secret_strings() {
    let h = Harness::new();
    h.run_stdin(&argv("secret create g --type gcs --set bearer_token=-"), "x")
        .success();
    h.run_stdin(&argv("secret create g2 --type gcs --set key_id=K --set secret=-"), "k")
        .success();
    assert_eq!(
        show_json(&h, "g")["secret_string"],
        "name=g;type=gcs;provider=config;serializable=true;scope=gcs://,gs://;bearer_token=redacted"
    );
    assert_eq!(
        show_json(&h, "g2")["secret_string"],
        "name=g2;type=gcs;provider=config;serializable=true;scope=gcs://,gs://;key_id=K;secret=redacted"
    );
}

#[test]
fn duckdb_parity_url_style_case() {
    let h = Harness::new();
    h.run_stdin(
        &argv("secret create u --type s3 --set key_id=K --set secret=- --set region=us-east-1 --set url_style=PATH"),
        "k",
    )
    .success();
    assert_eq!(
        show_json(&h, "u")["secret_string"],
        "name=u;type=s3;provider=config;serializable=true;scope=s3://,s3n://,s3a://;key_id=K;region=us-east-1;secret=redacted;url_style=PATH"
    );
}

#[test]
fn an_inline_value_starting_with_at_is_never_echoed() {
    let h = Harness::new();
    let a = h
        .run(&argv(
            "secret create e2 --type generic --set value=@LEAKYINLINE-canary-77",
        ))
        .code(1);
    let err = stderr(&a);
    assert!(!err.contains("LEAKYINLINE"), "{err}");
    assert!(
        err.contains("pass a literal value that starts with '@' through stdin"),
        "{err}"
    );
}

#[test]
fn an_empty_value_from_stdin_or_a_file_is_refused() {
    let h = Harness::new();
    h.run_stdin(&argv("secret create e --type generic --set value=-"), "")
        .code(2)
        .stderr(contains(
            "the value of 'value' read from stdin is empty; nothing was stored",
        ));
    let f = h.at_file("value", "empty.txt", "\n");
    h.run(&["secret", "create", "e", "--type", "generic", "--set", &f])
        .code(2)
        .stderr(contains("read from the file is empty"));
    h.run(&argv("secret list --format json")).success().stdout("[]\n");
}

#[test]
fn a_closed_stdout_ends_quietly() {
    // `coffer secret list | head -0`: the reader is gone before coffer writes.
    let h = Harness::new();
    h.create_s3("piped", &["s3://p"], "PIPE-SECRET").success();
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("coffer"))
        .args(["secret", "list"])
        .env("COFFER_HOME", h.home())
        .env("HOME", h.user_home())
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(141), "{out:?}");
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}
