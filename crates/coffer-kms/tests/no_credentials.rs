//! Without any AWS credentials the keyring says so (its own process: it clears the AWS
//! environment). No KMS needed: the request never leaves.

use coffer_crypto::Keyring;
use coffer_kms::{KmsConfig, KmsKeyring};
use std::time::Duration;

#[test]
fn missing_credentials_are_named() {
    for (k, _) in std::env::vars() {
        if k.starts_with("AWS_") {
            std::env::remove_var(k);
        }
    }
    std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    std::env::set_var("AWS_CONFIG_FILE", "/nonexistent/coffer-test-aws-config");
    std::env::set_var(
        "AWS_SHARED_CREDENTIALS_FILE",
        "/nonexistent/coffer-test-aws-credentials",
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let mut cfg = KmsConfig::new("alias/coffer");
    cfg.endpoint_url = Some(format!("http://127.0.0.1:{port}"));
    cfg.region = Some("eu-west-1".into());
    cfg.operation_timeout = Duration::from_secs(5);
    cfg.max_attempts = 1;
    let kr = KmsKeyring::new(cfg).expect("keyring");
    let err = kr.generate_data_key(b"ctx").expect_err("no credentials");
    let msg = err.to_string();
    eprintln!("MSG: {msg}");
    assert!(msg.contains("alias/coffer"), "{msg}");
    assert!(msg.contains("no AWS credentials"), "{msg}");
}
