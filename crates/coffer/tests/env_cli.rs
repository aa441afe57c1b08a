//! `coffer env import|export`: .env files as one flights secret or generic secrets, Kestra's
//! .env_encoded, the export round trip through the audited use path, errors without values,
//! locally and through a server.

mod common;

use coffer_crypto::SecretString;
use coffer_model::dotenv;
use common::server::Server;
use common::{stderr, stdout, Harness};

const ENV: &str = "# database\n\
export DB_PASSWORD='ENVCLI-pa$$word #1'\n\
API_KEY=ENVCLI-api-key-123 # trailing comment\n\
PEM=\"-----BEGIN-----\\nENVCLI-PEM-LINE\\n-----END-----\"\n\
EMPTY_ONE=\n\
URL=postgres://u:ENVCLI-url-pw@h/db?x=1\n";

fn sorted(mut v: Vec<(String, String)>) -> Vec<(String, String)> {
    v.sort();
    v
}

fn plain(pairs: Vec<(String, SecretString)>) -> Vec<(String, String)> {
    sorted(
        pairs
            .into_iter()
            .map(|(k, v)| (k, v.expose_secret().to_string()))
            .collect(),
    )
}

fn parsed(text: &str) -> Vec<(String, String)> {
    plain(dotenv::parse(text).expect("a .env text"))
}

fn assert_no_values(h: &Harness) {
    for seen in h.seen().iter() {
        if seen.args.first().map(String::as_str) == Some("env")
            && seen.args.get(1).map(String::as_str) == Some("export")
        {
            continue;
        }
        for v in [
            "ENVCLI-pa$$word",
            "ENVCLI-api-key",
            "ENVCLI-PEM-LINE",
            "ENVCLI-url-pw",
            "KESTRA-VALUE",
        ] {
            assert!(
                !seen.stdout_text().contains(v) && !seen.stderr_text().contains(v),
                "{v} leaked:\n{}",
                h.transcript()
            );
        }
    }
}

#[test]
fn imports_a_file_as_one_flights_secret_and_runs_with_it() {
    let h = Harness::new();
    let file = h.input_file("app.env", ENV);
    let a = h
        .run(&["env", "import", file.to_str().expect("path"), "--as", "app"])
        .success();
    assert_eq!(stdout(&a), "created flights secret 'app' (version 1) with 5 params\n");
    let info = h.json(&["secret", "show", "app", "--format", "json"]);
    assert_eq!(info["type"], "flights", "{info}");
    let keys: Vec<&str> = info["sensitive_keys"]
        .as_array()
        .expect("keys")
        .iter()
        .map(|k| k.as_str().expect("str"))
        .collect();
    assert_eq!(
        keys,
        // In the file's order.
        [
            "params.DB_PASSWORD",
            "params.API_KEY",
            "params.PEM",
            "params.EMPTY_ONE",
            "params.URL"
        ]
    );
    let a = h
        .run(&[
            "run",
            "--secret",
            "app",
            "--",
            "sh",
            "-c",
            "echo key=$APP_API_KEY; echo pw=$APP_DB_PASSWORD; printf '%s' \"$APP_URL\" | wc -c",
        ])
        .success();
    let out = stdout(&a);
    assert!(out.contains("key=****\n") && out.contains("pw=****\n"), "{out}");
    assert!(
        out.contains(&format!("{}\n", "postgres://u:ENVCLI-url-pw@h/db?x=1".len())),
        "{out}"
    );
    // A second import of the same name needs --or-replace.
    let a = h
        .run(&["env", "import", file.to_str().expect("path"), "--as", "app"])
        .failure();
    assert!(stderr(&a).contains("already exists"), "{}", stderr(&a));
    let a = h
        .run_stdin(&["env", "import", "-", "--as", "app", "--or-replace"], "ONLY=one\n")
        .success();
    assert_eq!(stdout(&a), "replaced flights secret 'app' (version 2) with 1 param\n");
    assert_no_values(&h);
}

#[test]
fn each_creates_generic_secrets() {
    let h = Harness::new();
    let a = h
        .run_stdin(
            &["env", "import", "-", "--each"],
            "DATABASE_URL=postgres://u:ENVCLI-url-pw@h/db\nAPI_KEY=ENVCLI-api-key-9\n",
        )
        .success();
    assert_eq!(
        stdout(&a),
        "imported 2 generic secrets\ncreated: DATABASE_URL, API_KEY\n"
    );
    let mut names = h.list_names();
    names.sort();
    assert_eq!(names, ["API_KEY", "DATABASE_URL"]);
    let info = h.json(&["secret", "show", "API_KEY", "--format", "json"]);
    assert_eq!(info["type"], "generic");
    // Generic secrets are injected under their own names, masked.
    let a = h
        .run(&["run", "--", "sh", "-c", "echo db=$DATABASE_URL key=$API_KEY"])
        .success();
    assert_eq!(stdout(&a), "db=**** key=****\n");
    // Existing names are refused before anything is created, unless --or-replace.
    let a = h
        .run_stdin(&["env", "import", "-", "--each"], "NEW_ONE=x\nAPI_KEY=y\n")
        .failure();
    assert!(stderr(&a).contains("already exist: API_KEY"), "{}", stderr(&a));
    assert_eq!(h.list_names().len(), 2, "nothing was imported");
    let a = h
        .run_stdin(
            &["env", "import", "-", "--each", "--or-replace"],
            "NEW_ONE=x\nAPI_KEY=y\n",
        )
        .success();
    assert_eq!(
        stdout(&a),
        "imported 2 generic secrets\ncreated: NEW_ONE\nreplaced: API_KEY\n"
    );
    assert_no_values(&h);
}

#[test]
fn each_reports_a_key_that_is_not_a_secret_name_by_line() {
    let h = Harness::new();
    let a = h
        .run_stdin(
            &["env", "import", "-", "--each"],
            "OK=1\n\n'bad key'=ENVCLI-api-key-x\n",
        )
        .code(2);
    let err = stderr(&a);
    assert!(err.contains("line 3: 'bad key' is not a valid secret name"), "{err}");
    assert!(h.list_names().is_empty());
    assert_no_values(&h);
}

#[test]
fn a_bad_line_is_reported_by_number_without_its_value() {
    let h = Harness::new();
    let file = h.input_file("bad.env", "A=1\n# comment\nB=\"ENVCLI-pa$$word never closed\nC=3\n");
    let a = h
        .run(&["env", "import", file.to_str().expect("path"), "--as", "x"])
        .code(2);
    let err = stderr(&a);
    assert!(
        err.contains("bad.env: line 3: unterminated double-quoted value"),
        "{err}"
    );
    let a = h
        .run_stdin(
            &["env", "import", "-", "--as", "x", "--kestra"],
            "SECRET_A=YQ==\nA=S0VTVFJBLVZBTFVF\n",
        )
        .code(2);
    let err = stderr(&a);
    assert!(err.contains("stdin: line 2: expected SECRET_<NAME>=<base64>"), "{err}");
    assert!(!err.contains("S0VTVFJBLVZBTFVF"), "{err}");
    assert!(h.list_names().is_empty());
    assert_no_values(&h);
}

#[test]
fn kestra_import_of_the_seed_script_output() {
    let h = Harness::new();
    let long = "KESTRA-VALUE-long-".repeat(10);
    let env = format!(
        "POSTGRES_PASSWORD=KESTRA-VALUE-pg\nOPENAI_KEY=KESTRA-VALUE=with=equals\nUNI=KESTRA-VALUE-héllo\nLONG={long}\n"
    );
    let file = h.input_file(".env", &env);
    let encoded = h.root().join("inputs/.env_encoded");
    // The seed's script, as Kestra's documentation gives it.
    let status = std::process::Command::new("bash")
        .arg("-c")
        .arg(
            r#"while IFS='=' read -r key value; do
    echo "SECRET_$key=$(echo -n "$value" | base64)";
done < "$1" > "$2""#,
        )
        .arg("bash")
        .arg(&file)
        .arg(&encoded)
        .status()
        .expect("bash");
    assert!(status.success());
    let a = h
        .run(&[
            "env",
            "import",
            encoded.to_str().expect("path"),
            "--kestra",
            "--as",
            "kestra",
        ])
        .success();
    assert_eq!(
        stdout(&a),
        "created flights secret 'kestra' (version 1) with 4 params\n"
    );
    let out = stdout(&h.run(&["env", "export", "kestra"]).success());
    assert_eq!(parsed(&out), parsed(&env));
    // And back to Kestra's form: one line per variable, the same values.
    let out = stdout(&h.run(&["env", "export", "kestra", "--kestra"]).success());
    assert_eq!(out.lines().count(), 4, "{out}");
    assert_eq!(plain(dotenv::parse_encoded(&out).expect("encoded")), parsed(&env));
    // --each with --kestra: generic secrets named without the prefix.
    h.run(&["env", "import", encoded.to_str().expect("path"), "--kestra", "--each"])
        .success();
    let info = h.json(&["secret", "show", "POSTGRES_PASSWORD", "--format", "json"]);
    assert_eq!(info["type"], "generic");
    assert_no_values(&h);
}

#[test]
fn export_round_trips_and_is_audited_as_a_use() {
    let h = Harness::new();
    let file = h.input_file("app.env", ENV);
    h.run(&["env", "import", file.to_str().expect("path"), "--as", "app"])
        .success();
    let a = h.run(&["env", "export", "app"]).success();
    assert_eq!(parsed(&stdout(&a)), parsed(ENV));
    assert_eq!(stderr(&a), "exported 5 variables of flights secret 'app'\n");
    let events = h.json(&["audit", "--secret", "app", "--format", "json"]);
    let uses: Vec<&serde_json::Value> = events
        .as_array()
        .expect("array")
        .iter()
        .filter(|e| e["action"] == "use" && e["result"] == "ok")
        .collect();
    assert_eq!(uses.len(), 1, "{events}");
    assert!(!events.to_string().contains("ENVCLI"), "{events}");

    // A generic secret: NAME=value.
    h.run_stdin(&["env", "import", "-", "--each"], "TOKEN='ENVCLI-api-key tok'\n")
        .success();
    let a = h.run(&["env", "export", "TOKEN"]).success();
    assert_eq!(stdout(&a), "TOKEN='ENVCLI-api-key tok'\n");

    // Another type: the variables `coffer run --secret NAME` sets.
    h.create_s3("my_s3", &["s3://lake"], "ENVCLI-s3-secret").success();
    let out = stdout(&h.run(&["env", "export", "my_s3"]).success());
    let vars = parsed(&out);
    assert!(
        vars.contains(&("MY_S3_SECRET".to_string(), "ENVCLI-s3-secret".to_string())),
        "{out}"
    );
    assert!(
        vars.contains(&("MY_S3_KEY_ID".to_string(), "AKIAEXAMPLE".to_string())),
        "{out}"
    );

    let a = h.run(&["env", "export", "missing"]).failure();
    assert!(stderr(&a).contains("missing"), "{}", stderr(&a));
}

#[test]
fn works_through_a_server() {
    let h = Harness::new();
    h.run(&["init"]).success();
    let s = Server::start(&h);
    let remote = Harness::with_env(&[("COFFER_URL", &s.url), ("COFFER_TOKEN", &s.admin_token)]);
    let file = remote.input_file("app.env", ENV);
    let a = remote
        .run(&["env", "import", file.to_str().expect("path"), "--as", "app"])
        .success();
    assert_eq!(stdout(&a), "created flights secret 'app' (version 1) with 5 params\n");
    let a = remote.run(&["env", "export", "app"]).success();
    assert_eq!(parsed(&stdout(&a)), parsed(ENV));
    let events = remote.json(&["audit", "--secret", "app", "--format", "json"]);
    assert!(
        events
            .as_array()
            .expect("array")
            .iter()
            .any(|e| e["action"] == "use" && e["result"] == "ok"),
        "{events}"
    );
    assert_no_values(&remote);
    s.stop();
}

// ---- export never writes what a shell would run ------------------------------------------------

/// Values a `.env` export must hold so that `set -a; . ./.env` in bash and dash reads them back
/// exactly and runs nothing (no `MARK*` file may appear), and python-dotenv reads them too.
const HOSTILE: &[&str] = &[
    "a;b",
    "a;touch MARK_semi",
    "a&&touch MARK_and",
    "a|touch MARK_pipe",
    "a&touch MARK_bg",
    "a>MARK_redir",
    "$(touch MARK_subst)",
    "`touch MARK_tick`",
    "`touch MARK_tick2` its",
    "$HOME and $(id)",
    "it's",
    "\\",
    "a\\",
    "a\\\\b",
    "it's \\ \"q\"",
    "-----BEGIN-----\nline\n-----END-----\n",
    "tab\there",
    "*",
    "?",
    "[ab]",
    "{a,b}",
    "~root",
    "a:~/x",
    "!",
    "it's!",
    "#lead",
    "a #b",
    " lead and trail ",
    "日本語 🦆 \u{a0}",
    "\u{7}\u{1b}[31m",
    "",
    "x=y",
    "ENVCLI-api-key-123",
];

/// Values no quoting can hold for every reader: refused.
const NO_FORM: &[&str] = &["`touch MARK_x` it's", "it's $HOME", "${HOME}", "KESTRA-VALUE\r\n"];

/// A flights secret `name` holding `values` as params `V0..`, imported through Kestra's
/// base64 form (which holds any value).
fn import_values(h: &Harness, name: &str, values: &[&str]) {
    let pairs: Vec<(String, SecretString)> = values
        .iter()
        .enumerate()
        .map(|(i, v)| (format!("V{i}"), SecretString::from(*v)))
        .collect();
    let encoded = dotenv::render_encoded(&pairs).expect("encodes");
    h.run_stdin(&["env", "import", "-", "--kestra", "--as", name], &encoded)
        .success();
}

/// `set -a; . ./.env` in `shell` inside `dir`, then the variables `V0..V{n-1}` split on NUL.
fn sourced(shell: &str, dir: &std::path::Path, n: usize) -> Vec<String> {
    let mut script = String::from("set -a; . ./.env; printf '%s\\0'");
    for i in 0..n {
        script.push_str(&format!(" \"$V{i}\""));
    }
    let out = std::process::Command::new(shell)
        .arg("-c")
        .arg(&script)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{shell} runs: {e}"));
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{shell}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let mut values: Vec<String> = text.split('\0').map(str::to_string).collect();
    values.pop();
    values
}

#[test]
fn exported_env_files_are_sourced_by_bash_and_dash_without_running_anything() {
    for shell in ["bash", "dash"] {
        let found = std::process::Command::new("which").arg(shell).output().expect("which");
        assert!(found.status.success(), "{shell} is needed by this test");
    }
    let h = Harness::new();
    import_values(&h, "hostile", HOSTILE);
    let a = h.run(&["env", "export", "hostile"]).success();
    let text = stdout(&a);
    let dir = h.root().join("source-here");
    std::fs::create_dir(&dir).expect("dir");
    std::fs::write(dir.join(".env"), &text).expect("write");
    let want: Vec<String> = HOSTILE.iter().map(|v| v.to_string()).collect();
    for shell in ["bash", "dash"] {
        assert_eq!(sourced(shell, &dir, HOSTILE.len()), want, "{shell} read:\n{text}");
        let names: Vec<String> = std::fs::read_dir(&dir)
            .expect("read dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, [".env"], "{shell} ran something while sourcing:\n{text}");
    }
    // coffer reads it back too.
    let want_pairs: Vec<(String, String)> = want
        .iter()
        .enumerate()
        .map(|(i, v)| (format!("V{i}"), v.clone()))
        .collect();
    assert_eq!(parsed(&text), sorted(want_pairs.clone()));
    // And python-dotenv, with its default ${VAR} interpolation and without.
    match std::env::var("COFFER_TEST_PYTHON") {
        Ok(python) if !python.is_empty() => {
            for interpolate in ["True", "False"] {
                let out = std::process::Command::new(&python)
                    .arg("-c")
                    .arg(format!(
                        "import json, sys\nfrom dotenv import dotenv_values\n\
                         json.dump(dotenv_values('.env', interpolate={interpolate}), sys.stdout)\n"
                    ))
                    .current_dir(&dir)
                    .output()
                    .expect("COFFER_TEST_PYTHON runs");
                assert!(
                    out.status.success() && out.stderr.is_empty(),
                    "python-dotenv: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                let got: std::collections::BTreeMap<String, String> =
                    serde_json::from_slice(&out.stdout).expect("json");
                let got: Vec<(String, String)> = got.into_iter().collect();
                assert_eq!(got, sorted(want_pairs.clone()), "interpolate={interpolate}:\n{text}");
            }
        }
        _ => eprintln!("COFFER_TEST_PYTHON is not set: skipping the python-dotenv half of this test"),
    }
}

#[test]
fn export_refuses_a_value_no_quoting_holds_naming_the_key_never_the_value() {
    let h = Harness::new();
    for (i, v) in NO_FORM.iter().enumerate() {
        let name = format!("noform{i}");
        import_values(&h, &name, &["fine", v]);
        let a = h.run(&["env", "export", &name]).code(2);
        assert_eq!(stdout(&a), "", "nothing is written");
        let err = stderr(&a);
        assert!(
            err.contains(&format!(
                "cannot write secret '{name}' as a .env file: the value of 'V1'"
            )),
            "{err}"
        );
        assert!(err.contains("coffer env export --kestra"), "{err}");
        for leak in ["MARK_x", "it's", "$HOME", "${HOME}", "KESTRA-VALUE"] {
            assert!(!err.contains(leak), "{leak} leaked: {err}");
        }
        // --kestra holds it.
        let out = stdout(&h.run(&["env", "export", &name, "--kestra"]).success());
        let back = plain(dotenv::parse_encoded(&out).expect("encoded"));
        assert_eq!(
            back,
            sorted(vec![("V0".into(), "fine".into()), ("V1".into(), v.to_string())])
        );
    }
    assert_no_values(&h);
}

#[test]
fn export_refuses_keys_that_steer_a_program() {
    let h = Harness::new();
    // A flights param may be named so (`coffer run` gives it as STEER_LD_PRELOAD); a .env
    // export would name the variable LD_PRELOAD itself.
    h.run_stdin(
        &["env", "import", "-", "--as", "steer"],
        "OK=1\nLD_PRELOAD=/tmp/ENVCLI-api-key.so\n",
    )
    .success();
    let a = h.run(&["env", "export", "steer"]).code(2);
    assert_eq!(stdout(&a), "");
    let err = stderr(&a);
    assert!(
        err.contains("'LD_PRELOAD' is a variable that steers a program (dynamic loader)"),
        "{err}"
    );
    assert!(err.contains("--kestra"), "{err}");
    let out = stdout(&h.run(&["env", "export", "steer", "--kestra"]).success());
    assert!(out.contains("SECRET_LD_PRELOAD="), "{out}");
    assert_no_values(&h);
}
