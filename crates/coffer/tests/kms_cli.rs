//! A store on AWS KMS, through the CLI and `coffer serve`, against moto's KMS on 127.0.0.1
//! (`COFFER_TEST_MOTO`, the path of `moto_server`; scripts/test.sh installs it).

mod common;

use common::server::Server;
use common::Harness;
use predicates::str::contains;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Moto {
    child: Child,
    url: String,
    python: std::path::PathBuf,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn moto() -> Option<Moto> {
    let Some(bin) = std::env::var_os("COFFER_TEST_MOTO").filter(|v| !v.is_empty()) else {
        assert!(std::env::var_os("CI").is_none(), "COFFER_TEST_MOTO is not set in CI");
        eprintln!("\n!!!!! SKIPPED: COFFER_TEST_MOTO is not set; run scripts/test.sh !!!!!\n");
        return None;
    };
    let bin = std::path::PathBuf::from(bin);
    let port = free_port();
    let child = Command::new(&bin)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start moto_server");
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "moto did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let python = bin.with_file_name("python3");
    Some(Moto {
        child,
        url: format!("http://127.0.0.1:{port}"),
        python,
    })
}

const AWS: &[(&str, &str)] = &[
    ("AWS_ACCESS_KEY_ID", "testing"),
    ("AWS_SECRET_ACCESS_KEY", "testing"),
    ("AWS_REGION", "us-east-1"),
    ("AWS_EC2_METADATA_DISABLED", "true"),
];

impl Moto {
    /// A new KMS key's ARN.
    fn create_key(&self) -> String {
        let out = Command::new(&self.python)
            .args([
                "-c",
                "import boto3,sys; c=boto3.client('kms', endpoint_url=sys.argv[1], region_name='us-east-1'); print(c.create_key()['KeyMetadata']['Arn'])",
                &self.url,
            ])
            .envs(AWS.iter().copied())
            .output()
            .expect("python");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

fn statuses(h: &Harness) -> Vec<(String, i64, bool)> {
    h.json(&["key", "status", "--format", "json"])
        .as_array()
        .expect("array")
        .iter()
        .map(|k| {
            (
                k["key_id"].as_str().unwrap_or_default().to_string(),
                k["data_keys"].as_i64().unwrap_or_default(),
                k["current"].as_bool().unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn a_store_moves_to_kms_and_keeps_serving() {
    let Some(m) = moto() else { return };
    let arn = m.create_key();
    let h = Harness::with_env(AWS);
    for i in 0..5 {
        h.create_s3(&format!("s{i}"), &[&format!("s3://b{i}")], &format!("KMS-LOCAL-{i}"))
            .success();
    }
    // A key that does not exist is refused before anything changes.
    h.run(&["init", "--kms", "alias/no-such-key", "--kms-endpoint", &m.url])
        .code(1)
        .stderr(contains("alias/no-such-key"));
    assert!(!h.home().join("keyring.json").exists());
    // The move: every data key wrapped again under KMS, values untouched.
    h.run(&["key", "rotate", "--to-kms", &arn, "--kms-endpoint", &m.url])
        .success()
        .stdout(contains("new data keys are wrapped with kms:"))
        .stdout(contains("wrapped 5 data key(s) again"));
    let st = statuses(&h);
    assert_eq!(st.iter().filter(|k| k.1 > 0).count(), 1, "{st:?}");
    let kms_row = st.iter().find(|k| k.1 == 5).expect("all on one key");
    assert!(kms_row.0.starts_with("kms:") && kms_row.0.contains(&arn), "{st:?}");
    h.run(&["key", "rotate"])
        .code(1)
        .stderr(contains("enable automatic key rotation"));
    // The server opens what moved and seals new secrets with KMS.
    let s = Server::start_with(&h, AWS);
    let env = s.admin(
        "POST",
        "/v1/projects/default/env",
        Some(&serde_json::json!({"secrets": ["s0", "s4"]})),
    );
    assert_eq!(env.status, 200, "{}", env.text);
    assert_eq!(env.body["env"]["S0_SECRET"], "KMS-LOCAL-0");
    let body = serde_json::json!({"name": "fresh", "type": "generic", "fields": {"value": "KMS-NEW"}});
    assert_eq!(s.admin("POST", "/v1/projects/default/secrets", Some(&body)).status, 201);
    let env = s.admin(
        "POST",
        "/v1/projects/default/env",
        Some(&serde_json::json!({"secrets": ["fresh"]})),
    );
    assert_eq!(env.body["env"]["fresh"], "KMS-NEW");
    let admin = s.admin_token.clone();
    s.stop();
    // KMS unreachable: a write is refused with a clear error and nothing is written; once KMS
    // is back, everything opens.
    let cfg_path = h.home().join("keyring.json");
    let cfg = std::fs::read_to_string(&cfg_path).expect("config");
    let dead = format!("http://127.0.0.1:{}", free_port());
    std::fs::write(&cfg_path, cfg.replace(&m.url, &dead)).expect("point at a closed port");
    h.run_stdin(
        &["secret", "create", "late", "--type", "generic", "--set", "value=-"],
        "KMS-LATE",
    )
    .code(1)
    .stderr(contains(dead.as_str()));
    std::fs::write(&cfg_path, &cfg).expect("KMS is back");
    assert!(!h.list_names().contains(&"late".to_string()));
    let s = Server::start_with(&h, AWS);
    let env = s.request(
        "POST",
        "/v1/projects/default/env",
        Some(&admin),
        Some(&serde_json::json!({"secrets": ["s3", "fresh"]})),
    );
    assert_eq!(env.body["env"]["S3_SECRET"], "KMS-LOCAL-3", "{}", env.text);
    assert_eq!(env.body["env"]["fresh"], "KMS-NEW");
    // Moving to another KMS key is the same operation (KMS ReEncrypt), while serving.
    let other = m.create_key();
    h.run(&["key", "rotate", "--to-kms", &other, "--kms-endpoint", &m.url])
        .success()
        .stdout(contains("wrapped 6 data key(s) again"));
    let st = statuses(&h);
    let moved = st.iter().find(|k| k.2).expect("a current key");
    assert!(moved.0.contains(&other) && moved.1 == 6, "{st:?}");
    assert_eq!(st.iter().filter(|k| k.1 > 0).count(), 1, "{st:?}");
    let env = s.request(
        "POST",
        "/v1/projects/default/env",
        Some(&admin),
        Some(&serde_json::json!({"secrets": ["s1", "fresh"]})),
    );
    assert_eq!(env.body["env"]["S1_SECRET"], "KMS-LOCAL-1", "{}", env.text);
    assert_eq!(env.body["env"]["fresh"], "KMS-NEW");
    // Nothing printed or stored holds a value or AWS credentials.
    let log = s.log_text();
    s.stop();
    for v in ["KMS-LOCAL-0", "KMS-NEW", "KMS-LATE", "testing"] {
        assert!(!log.contains(v), "{v} in the server log");
    }
    for entry in std::fs::read_dir(h.home()).expect("home") {
        let bytes = std::fs::read(entry.expect("entry").path()).expect("read");
        for v in ["KMS-LOCAL-0", "KMS-NEW"] {
            assert!(!bytes.windows(v.len()).any(|w| w == v.as_bytes()));
        }
    }
}

#[test]
fn prune_after_a_move_to_kms_and_on_a_kms_only_store() {
    let Some(m) = moto() else { return };
    let arn = m.create_key();
    // A local store, rotated once, then moved to KMS: the key file's old key goes, its current
    // key stays (a key file keeps one) though nothing uses it any more.
    let h = Harness::with_env(AWS);
    h.create_s3("s0", &["s3://b0"], "KMS-PRUNE-0").success();
    h.run(&["key", "rotate"]).success();
    h.run(&["key", "rotate", "--to-kms", &arn, "--kms-endpoint", &m.url])
        .success();
    let kms_key = statuses(&h).into_iter().find(|k| k.2).expect("a current key").0;
    let a = h.run(&["key", "prune"]).success();
    let out = common::stdout(&a);
    assert!(
        out.contains(&format!(
            "removed key-encryption key local:1 from {}",
            h.key_path().display()
        )),
        "{out}"
    );
    assert!(
        out.contains("kept local:2: the key file's current key (a key file keeps one)"),
        "{out}"
    );
    assert!(!out.contains(&kms_key), "KMS keys are not listed as kept: {out}");
    let text = std::fs::read_to_string(h.key_path()).expect("key file");
    assert!(!text.contains("key 1 ") && text.contains("key 2 "), "{text}");
    h.run(&["env", "export", "s0"])
        .success()
        .stdout(contains("KMS-PRUNE-0"));

    // A store made on KMS has no key file: nothing to prune, and the message says why.
    let k = Harness::with_env(AWS);
    k.run(&["init", "--kms", &arn, "--kms-endpoint", &m.url]).success();
    k.create_s3("s1", &["s3://b1"], "KMS-PRUNE-1").success();
    assert!(!k.key_path().exists());
    k.run(&["key", "prune"]).success().stdout(format!(
        "no local key-encryption keys to prune: data keys are wrapped by {}, whose key material stays in AWS KMS (rotate or retire it there)\n",
        statuses(&k).into_iter().find(|s| s.2).expect("current").0
    ));
    assert!(!k.key_path().exists());
}
