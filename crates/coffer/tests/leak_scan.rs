//! Leak scan: sensitive values given to `coffer secret create` (through stdin, files and, once,
//! inline) must never come back out: not in any stdout or stderr of any command (with
//! `COFFER_LOG=trace`), not in the SQLite database or its `-wal`/`-shm` files, not in any other
//! file under `COFFER_HOME`, not even as a substring of 8 or more bytes.

mod common;

use common::{stderr, Harness};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// The shortest run of a sensitive value that may not appear anywhere.
const WINDOW: usize = 8;

/// Every sensitive value handed to the binary in a test, with where it came from.
#[derive(Default)]
struct Canaries(Vec<(&'static str, String)>);

impl Canaries {
    fn add(&mut self, what: &'static str, value: impl Into<String>) -> String {
        let value = value.into();
        assert!(value.len() >= WINDOW, "canary {what} is too short to scan for");
        self.0.push((what, value.clone()));
        value
    }
}

/// Removes ANSI escape sequences (`ESC [ ... letter`), so a value split by colour codes in a
/// log line is still found.
fn strip_ansi(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == 0x1b && bytes.get(i + 1) == Some(&b'[') {
            i += 2;
            while i < bytes.len() && !bytes[i].is_ascii_alphabetic() {
                i += 1;
            }
            i += 1;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || needle.len() > haystack.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Every leak of any canary in `bytes` (raw, and with ANSI escapes removed): each canary is
/// reported once, with the first of its `WINDOW`-byte runs found (or the whole value).
fn scan_bytes(label: &str, bytes: &[u8], canaries: &Canaries) -> Vec<String> {
    // Every WINDOW-byte run of every canary, to the canaries and offsets it comes from.
    let mut runs: HashMap<&[u8], Vec<(usize, usize)>> = HashMap::new();
    for (i, (_, value)) in canaries.0.iter().enumerate() {
        for (start, run) in value.as_bytes().windows(WINDOW).enumerate() {
            runs.entry(run).or_default().push((i, start));
        }
    }
    let plain = strip_ansi(bytes);
    let mut hits: BTreeMap<usize, String> = BTreeMap::new();
    for (hay, how) in [(bytes, ""), (plain.as_slice(), " (once colour codes are removed)")] {
        for (at, run) in hay.windows(WINDOW).enumerate() {
            for &(i, start) in runs.get(run).map(Vec::as_slice).unwrap_or_default() {
                hits.entry(i).or_insert_with(|| {
                    let (what, value) = &canaries.0[i];
                    if find(hay, value.as_bytes()).is_some() {
                        format!("{label}: {what}: the whole value{how}")
                    } else {
                        format!(
                            "{label}: {what}: {:?} (bytes {start}..{} of the value) at byte {at}{how}",
                            String::from_utf8_lossy(run),
                            start + WINDOW
                        )
                    }
                });
            }
        }
    }
    hits.into_values().collect()
}

/// Every regular file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("read {}: {e}", d.display())) {
            let path = entry.expect("directory entry").path();
            let meta = std::fs::symlink_metadata(&path).expect("stat");
            if meta.is_dir() {
                todo.push(path);
            } else if meta.is_file() {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Scans every output the harness recorded and every file under the coffer home and the user
/// home; panics listing every leak found.
fn assert_no_leaks(h: &Harness, canaries: &Canaries) {
    let mut leaks = Vec::new();
    for (i, seen) in h.seen().iter().enumerate() {
        let label = format!("[{i}] coffer {}", seen.args.join(" "));
        leaks.extend(scan_bytes(&format!("{label} stdout"), &seen.stdout, canaries));
        leaks.extend(scan_bytes(&format!("{label} stderr"), &seen.stderr, canaries));
    }
    let db = h.db_path();
    assert!(db.is_file(), "the database exists");
    let mut files = files_under(&h.home());
    files.extend(files_under(&h.user_home()));
    for suffix in ["-wal", "-shm", "-journal"] {
        let side = PathBuf::from(format!("{}{suffix}", db.display()));
        if side.exists() {
            assert!(files.contains(&side));
        }
    }
    assert!(files.contains(&db) && files.contains(&h.key_path()), "{files:?}");
    for file in &files {
        let bytes = std::fs::read(file).unwrap_or_else(|e| panic!("read {}: {e}", file.display()));
        leaks.extend(scan_bytes(&file.display().to_string(), &bytes, canaries));
    }
    assert!(leaks.is_empty(), "sensitive values leaked:\n  {}", leaks.join("\n  "));
}

fn args(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

#[test]
fn sensitive_values_never_leave_their_box() {
    let h = Harness::with_env(&[("COFFER_LOG", "trace")]);
    let mut c = Canaries::default();
    h.run(&["init"]).success();
    // A reader kept open on the database: SQLite then leaves `coffer.db-wal` and `-shm` in
    // place when each command exits (the last connection to close removes them), so the scan
    // below reads every page the commands wrote, as written.
    let reader = rusqlite::Connection::open(h.db_path()).expect("open the database");
    let mode: String = reader
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("journal mode");
    assert_eq!(mode, "wal");
    let _: i64 = reader
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
        .expect("read");

    // --- stored secrets: stdin, files, map entries, one inline value --------------------------
    let s3_secret = c.add("s3 secret (stdin)", "LEAKCANARY-s3secret-7f3a9");
    let s3_token = c.add("s3 session_token (file)", "LEAKCANARY-s3session-Qm4t8Zx1");
    let s3_proxy = c.add("s3 http_proxy_password (file)", "LEAKCANARY-s3proxy-pw-0c6d");
    let create_s3 = [
        s(&[
            "secret",
            "create",
            "leak_s3",
            "--type",
            "s3",
            "--scope",
            "s3://leak-bucket",
            "--set",
            "key_id=AKIALEAKTESTKEYID",
        ]),
        s(&["--set", "region=eu-west-1", "--set", "secret=-", "--set"]),
        vec![h.at_file("session_token", "s3_token", format!("{s3_token}\n"))],
        vec!["--set".into(), h.at_file("http_proxy_password", "s3_proxy", &s3_proxy)],
    ]
    .concat();
    h.run_stdin(&args(&create_s3), &format!("{s3_secret}\n")).success();

    let r2_secret = c.add("r2 secret (file)", "LEAKCANARY-r2secret-Hj2kPq");
    let r2 = [
        s(&[
            "secret",
            "create",
            "leak_r2",
            "--type",
            "r2",
            "--set",
            "key_id=R2LEAKKEYID",
            "--set",
            "account_id=acct123",
            "--set",
        ]),
        vec![h.at_file("secret", "r2_secret", &r2_secret)],
    ]
    .concat();
    h.run(&args(&r2)).success();

    let gcs_token = c.add("gcs bearer_token (stdin)", "LEAKCANARY-gcsbearer-ya29.a0AfB");
    h.run_stdin(
        &[
            "secret",
            "create",
            "leak_gcs",
            "--type",
            "gcs",
            "--set",
            "bearer_token=-",
        ],
        &gcs_token,
    )
    .success();

    let azure_conn = c.add(
        "azure connection_string (file)",
        "DefaultEndpointsProtocol=https;AccountName=lkcanaryacct;AccountKey=LEAKCANARY-azconn-Zq81xKp0/w==;EndpointSuffix=core.windows.net",
    );
    let azure = [
        s(&["secret", "create", "leak_azure", "--type", "azure", "--set"]),
        vec![h.at_file("connection_string", "azure_conn", &azure_conn)],
    ]
    .concat();
    h.run(&args(&azure)).success();

    let azure_sp = c.add("azure client_secret (stdin)", "LEAKCANARY-azsp-client-secret-91");
    h.run_stdin(
        &[
            "secret",
            "create",
            "leak_azure_sp",
            "--type",
            "azure",
            "--provider",
            "service_principal",
            "--set",
            "tenant_id=tenant-1",
            "--set",
            "client_id=client-1",
            "--set",
            "account_name=acct1",
            "--set",
            "client_secret=-",
        ],
        &azure_sp,
    )
    .success();

    let hf = c.add("huggingface token (stdin)", "hf_LEAKCANARYhf-tok-55AbC");
    h.run_stdin(
        &[
            "secret",
            "create",
            "leak_hf",
            "--type",
            "huggingface",
            "--set",
            "token=-",
        ],
        &hf,
    )
    .success();

    let pg = c.add("postgres password (file)", "LEAKCANARY-pg-pass-d00d5");
    let pg_args = [
        s(&[
            "secret",
            "create",
            "leak_pg",
            "--type",
            "postgres",
            "--set",
            "host=db.internal",
            "--set",
            "user=etl",
            "--set",
        ]),
        vec![h.at_file("password", "pg_password", format!("{pg}\r\n"))],
    ]
    .concat();
    h.run(&args(&pg_args)).success();

    let mysql = c.add("mysql password (stdin)", "LEAKCANARY-mysql-pw-77aa");
    h.run_stdin(
        &[
            "secret",
            "create",
            "leak_mysql",
            "--type",
            "mysql",
            "--set",
            "user=etl",
            "--set",
            "password=-",
        ],
        &mysql,
    )
    .success();

    let openai = c.add("openai api_key (stdin)", "sk-LEAKCANARY-openai-proj-0f1e2d");
    h.run_stdin(&["secret", "create", "--type", "openai", "--set", "api_key=-"], &openai)
        .success();

    let azure_llm = c.add("azure_llm api_key (file)", "LEAKCANARY-azurellm-key-3b3b");
    let llm = [
        s(&[
            "secret",
            "create",
            "leak_azure_llm",
            "--type",
            "azure_llm",
            "--set",
            "resource_name=res",
            "--set",
            "api_version=2024-02-01",
            "--set",
        ]),
        vec![h.at_file("api_key", "azure_llm_key", &azure_llm)],
    ]
    .concat();
    h.run(&args(&llm)).success();

    let fl_key = c.add("flights API_KEY (stdin)", "LEAKCANARY-flights-apikey-5150");
    let fl_endpoint = c.add("flights ENDPOINT (file)", "grpc+tls://LEAKCANARY-fl-ep-Wq3.example:443");
    let fl_token = c.add("flights params.TOKEN (file)", "LEAKCANARY-flights-token-ab12");
    let flights = [
        s(&[
            "secret",
            "create",
            "leak_flights",
            "--type",
            "flights",
            "--set",
            "API_KEY=-",
            "--set",
        ]),
        vec![
            h.at_file("ENDPOINT", "fl_endpoint", &fl_endpoint),
            "--set".into(),
            h.at_file("params.TOKEN", "fl_token", &fl_token),
        ],
    ]
    .concat();
    h.run_stdin(&args(&flights), &fl_key).success();

    // The one inline value: it is in argv, and may be nowhere else.
    let inline = c.add("generic value (inline)", "LEAKCANARY-inline-generic-5e0b1");
    let a = h
        .run(&[
            "secret",
            "create",
            "leak_generic_inline",
            "--type",
            "generic",
            "--set",
            &format!("value={inline}"),
        ])
        .success();
    assert!(
        stderr(&a).contains("where other processes can see it"),
        "the inline value was warned about"
    );

    // A temporary secret: never on disk.
    let temp = c.add("temporary generic value (stdin)", "LEAKCANARY-tmpval-9d9d");
    h.run_stdin(
        &[
            "secret",
            "create",
            "leak_temp",
            "--type",
            "generic",
            "--set",
            "value=-",
            "--temporary",
        ],
        &temp,
    )
    .success();

    // A replaced value and an ignored one.
    let s3_secret_v2 = c.add("s3 secret v2 (stdin, or-replace)", "LEAKCANARY-s3secret-v2-e4e4");
    let replace = [&create_s3[..], &s(&["--or-replace"])].concat();
    h.run_stdin(&args(&replace), &s3_secret_v2).success();
    let ignored = c.add("huggingface token (stdin, if-not-exists)", "hf_LEAKCANARYignored0042");
    h.run_stdin(
        &[
            "secret",
            "create",
            "leak_hf",
            "--type",
            "huggingface",
            "--set",
            "token=-",
            "--if-not-exists",
        ],
        &ignored,
    )
    .success();

    // --- every read command, with trace logs -------------------------------------------------
    let listed = h.json(&["secret", "list", "--format", "json"]);
    let names: Vec<String> = listed
        .as_array()
        .expect("array")
        .iter()
        .map(|v| v["name"].as_str().expect("name").to_string())
        .collect();
    assert_eq!(
        names,
        [
            "__default_openai",
            "leak_azure",
            "leak_azure_llm",
            "leak_azure_sp",
            "leak_flights",
            "leak_gcs",
            "leak_generic_inline",
            "leak_hf",
            "leak_mysql",
            "leak_pg",
            "leak_r2",
            "leak_s3",
        ]
    );
    // The values were stored (the scan is not vacuous): their keys are listed.
    let keys = |name: &str| -> Value {
        listed
            .as_array()
            .expect("array")
            .iter()
            .find(|v| v["name"] == name)
            .expect("listed")["sensitive_keys"]
            .clone()
    };
    assert_eq!(
        keys("leak_s3"),
        serde_json::json!(["http_proxy_password", "secret", "session_token"])
    );
    assert_eq!(
        keys("leak_flights"),
        serde_json::json!(["params.TOKEN", "params.API_KEY", "params.ENDPOINT"])
    );
    h.run(&["secret", "list"]).success();
    for name in &names {
        h.run(&["secret", "show", name]).success();
        h.run(&["secret", "show", name, "--format", "json"]).success();
        h.run(&["secret", "show", name, "--persistent"]).success();
    }
    for (path, ty) in [
        ("s3://leak-bucket/x.parquet", "s3"),
        ("r2://b/x", "r2"),
        ("gs://b/x", "gcs"),
        ("az://c/x", "azure"),
        ("hf://datasets/x", "huggingface"),
        ("anything", "postgres"),
        ("anything", "mysql"),
        ("anything", "openai"),
        ("anything", "azure_llm"),
        ("anything", "flights"),
        ("anything", "generic"),
    ] {
        h.run(&["which", path, "--type", ty]).success();
        h.run(&["which", path, "--type", ty, "--format", "json"]).success();
    }
    h.run(&["which", "s3://nothing-here/x", "--type", "s3"]).code(1);
    h.run(&["secret", "types"]).success();
    h.run(&["secret", "types", "--format", "json"]).success();
    for ty in ["s3", "flights", "azure"] {
        h.run(&["secret", "types", ty, "--format", "json"]).success();
    }
    h.run(&["secret", "show", "leak_temp"]).code(1);
    h.run(&["secret", "drop", "leak_r2"]).success();
    h.run(&["init"]).success();

    // The trace logs were on: the scan read real log output.
    assert!(
        h.seen().iter().any(|s| s.stderr_text().contains("secret written")),
        "COFFER_LOG=trace produced logs"
    );

    // With the reader open the write-ahead log is there, and holds the written pages.
    let wal = PathBuf::from(format!("{}-wal", h.db_path().display()));
    assert!(wal.is_file(), "coffer.db-wal exists while a reader is open");
    assert!(PathBuf::from(format!("{}-shm", h.db_path().display())).is_file());
    let wal_bytes = std::fs::read(&wal).expect("read the WAL");
    assert!(
        find(&wal_bytes, b"AKIALEAKTESTKEYID").is_some(),
        "the WAL holds the written rows"
    );
    assert_no_leaks(&h, &c);

    // And once every connection is closed (the last one checkpoints into coffer.db).
    drop(reader);
    h.run(&["secret", "list"]).success();
    assert_no_leaks(&h, &c);
    let db = std::fs::read(h.db_path()).expect("read the database");
    assert!(
        find(&db, b"AKIALEAKTESTKEYID").is_some(),
        "public fields are in the database file"
    );
}

#[test]
fn failed_creates_do_not_echo_sensitive_values() {
    let h = Harness::with_env(&[("COFFER_LOG", "trace")]);
    let mut c = Canaries::default();
    h.create_s3("existing", &["s3://bucket"], "not-a-canary").success();
    h.run(&[
        "secret",
        "create",
        "leak_pg",
        "--type",
        "postgres",
        "--set",
        "password=",
    ])
    .success();

    let cases: Vec<(&'static str, Vec<&str>, i32)> = vec![
        (
            "unknown field",
            vec![
                "secret", "create", "x", "--type", "s3", "--set", "key_id=K", "--set", "bogus=1", "--set", "secret=-",
            ],
            2,
        ),
        (
            "bad boolean",
            vec![
                "secret",
                "create",
                "x",
                "--type",
                "s3",
                "--set",
                "key_id=K",
                "--set",
                "use_ssl=maybe",
                "--set",
                "secret=-",
            ],
            2,
        ),
        (
            "missing field",
            vec![
                "secret",
                "create",
                "x",
                "--type",
                "azure_llm",
                "--set",
                "resource_name=r",
                "--set",
                "api_key=-",
            ],
            2,
        ),
        (
            "unknown provider",
            vec![
                "secret",
                "create",
                "x",
                "--type",
                "s3",
                "--provider",
                "nope",
                "--set",
                "secret=-",
            ],
            2,
        ),
        (
            "unknown type",
            vec!["secret", "create", "x", "--type", "nope", "--set", "secret=-"],
            2,
        ),
        (
            "bad name",
            vec!["secret", "create", "a/b", "--type", "s3", "--set", "secret=-"],
            2,
        ),
        (
            "bad scope",
            vec![
                "secret", "create", "x", "--type", "s3", "--scope", "s3://a b", "--set", "secret=-",
            ],
            2,
        ),
        (
            "two stdin values",
            vec![
                "secret",
                "create",
                "x",
                "--type",
                "s3",
                "--set",
                "secret=-",
                "--set",
                "session_token=-",
            ],
            2,
        ),
        (
            "map entry on a text field",
            vec!["secret", "create", "x", "--type", "s3", "--set", "secret.sub=-"],
            2,
        ),
        (
            "bad flights param name",
            vec!["secret", "create", "x", "--type", "flights", "--set", "bad key=-"],
            2,
        ),
        (
            "flights params without a key",
            vec!["secret", "create", "x", "--type", "flights", "--set", "params=-"],
            2,
        ),
        (
            "duplicate field",
            vec![
                "secret",
                "create",
                "x",
                "--type",
                "generic",
                "--set",
                "value=-",
                "--set",
                "VALUE=@/dev/null",
            ],
            2,
        ),
        (
            "already exists",
            vec![
                "secret",
                "create",
                "leak_pg",
                "--type",
                "postgres",
                "--set",
                "password=-",
            ],
            1,
        ),
        (
            "bad format",
            vec![
                "secret", "create", "x", "--type", "generic", "--set", "value=-", "--format", "yaml",
            ],
            2,
        ),
    ];
    for (i, (what, argv, code)) in cases.into_iter().enumerate() {
        let value = c.add(what, format!("LEAKCANARY-failed-{i:02}-Xq7{i}Zr"));
        h.run_stdin(&argv, &format!("{value}\n")).code(code);
    }

    // A value that breaks a rule (a NUL byte), from a file.
    let nul_head = c.add("NUL value, head (file)", "LEAKCANARY-nul-head-9c2e");
    let nul_tail = c.add("NUL value, tail (file)", "LEAKCANARY-nul-tail-41f0");
    let nul_file = h.input_file("nul", format!("{nul_head}\0{nul_tail}"));
    h.run(&[
        "secret",
        "create",
        "x",
        "--type",
        "generic",
        "--set",
        &format!("value=@{}", nul_file.display()),
    ])
    .code(2)
    .stderr(predicates::str::contains("text may not contain NUL characters"));

    // The key file refused: the value read is not echoed either.
    h.chmod(&h.key_path(), 0o640);
    let refused = c.add("value while the key file is refused", "LEAKCANARY-kfrefused-6bW");
    h.run_stdin(
        &["secret", "create", "x", "--type", "generic", "--set", "value=-"],
        &refused,
    )
    .code(1);
    h.chmod(&h.key_path(), 0o600);

    let names: Vec<String> = h.list_names();
    assert_eq!(names, ["existing", "leak_pg"], "no failed create stored anything");
    assert_no_leaks(&h, &c);
}

#[test]
fn the_scanner_finds_what_it_looks_for() {
    let mut c = Canaries::default();
    let value = c.add("planted", "LEAKCANARY-planted-1234");
    let mut blob = vec![0u8, 159, 146, 150];
    blob.extend_from_slice(value.as_bytes());
    blob.extend_from_slice(&[0, 1, 2]);
    assert_eq!(scan_bytes("blob", &blob, &c).len(), 1);
    // An 8-byte piece from the middle.
    assert_eq!(scan_bytes("piece", b"xx-planted-xx", &c).len(), 1);
    // Split by a colour code.
    assert_eq!(scan_bytes("ansi", b"LEAKCA\x1b[0mNARY", &c).len(), 1);
    // Seven bytes are not enough.
    assert!(scan_bytes("short", b"planted", &c).is_empty());
    assert!(scan_bytes("none", b"nothing to see", &c).is_empty());

    // Files under the home are read, whatever their name.
    let h = Harness::new();
    h.run(&["init"]).success();
    std::fs::write(h.home().join("stray.bin"), &blob).expect("write");
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| assert_no_leaks(&h, &c)));
    std::fs::remove_file(h.home().join("stray.bin")).expect("remove");
    assert!(caught.is_err(), "a planted value under COFFER_HOME is reported");
    assert_no_leaks(&h, &c);
}
