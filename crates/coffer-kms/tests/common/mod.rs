//! moto's server (a real KMS API on 127.0.0.1) and its administration, shared by the tests
//! (`mod common;` in tests/kms.rs) and the benchmark (`#[path]` in benches/keyring.rs).
#![allow(dead_code)] // each user takes only part of it

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::Once;
use std::thread;
use std::time::{Duration, Instant};

pub const REGION: &str = "us-east-1";

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// Test credentials for the SDK's standard chain. Every test calls this before any AWS code
/// runs, so no thread reads the environment while it is written.
pub fn aws_env() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        std::env::set_var("AWS_ACCESS_KEY_ID", "AKIACOFFERTEST");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "coffer-test-secret");
        std::env::set_var("AWS_REGION", REGION);
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
        std::env::set_var("AWS_CONFIG_FILE", "/nonexistent/coffer-test-aws-config");
        std::env::set_var(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/coffer-test-aws-credentials",
        );
        std::env::remove_var("AWS_PROFILE");
        std::env::remove_var("AWS_ENDPOINT_URL");
        std::env::remove_var("AWS_SESSION_TOKEN");
    });
}

/// A running moto_server, killed on drop.
pub struct Moto {
    child: Option<Child>,
    pub port: u16,
}

impl Moto {
    /// Starts moto, or `None` (with a loud message) when `COFFER_TEST_MOTO` is not set outside
    /// CI. In CI a missing moto fails the test.
    pub fn start() -> Option<Moto> {
        Moto::start_with(&[])
    }

    /// [`Moto::start`] with more arguments for moto_server (`--ssl-cert`, `--ssl-key`).
    pub fn start_with(extra: &[&str]) -> Option<Moto> {
        aws_env();
        let bin = match std::env::var("COFFER_TEST_MOTO") {
            Ok(b) if !b.is_empty() => b,
            _ => {
                if std::env::var_os("CI").is_some() {
                    panic!("COFFER_TEST_MOTO is not set in CI: run the suite with scripts/test.sh");
                }
                eprintln!(
                    "\n!!!!! SKIPPED: COFFER_TEST_MOTO is not set (path of moto_server); \
                     the AWS KMS keyring was NOT tested. Run scripts/test.sh. !!!!!\n"
                );
                return None;
            }
        };
        let port = free_port();
        let child = Command::new(&bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {bin}: {e}"));
        let moto = Moto {
            child: Some(child),
            port,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "moto_server did not listen on {port} within 60 s"
            );
            thread::sleep(Duration::from_millis(50));
        }
        Some(moto)
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // SIGKILL: moto may ignore the first SIGTERM.
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Administration of the test KMS (create, disable, enable keys) through the SDK.
pub struct Admin {
    rt: tokio::runtime::Runtime,
    client: aws_sdk_kms::Client,
}

impl Admin {
    pub fn new(url: &str) -> Admin {
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        let conf = rt.block_on(
            aws_config::defaults(aws_config::BehaviorVersion::v2026_01_12())
                .region(aws_config::Region::new(REGION))
                .http_client(coffer_kms::http_client())
                .endpoint_url(url)
                .load(),
        );
        Admin {
            rt,
            client: aws_sdk_kms::Client::new(&conf),
        }
    }

    /// A new symmetric key: (key id, ARN).
    pub fn create_key(&self) -> (String, String) {
        let out = self
            .rt
            .block_on(self.client.create_key().description("coffer test").send())
            .expect("CreateKey");
        let meta = out.key_metadata().expect("metadata");
        (meta.key_id().to_string(), meta.arn().expect("arn").to_string())
    }

    pub fn alias(&self, alias: &str, key: &str) {
        self.rt
            .block_on(self.client.create_alias().alias_name(alias).target_key_id(key).send())
            .expect("CreateAlias");
    }

    pub fn disable(&self, key: &str) {
        self.rt
            .block_on(self.client.disable_key().key_id(key).send())
            .expect("DisableKey");
    }

    pub fn enable(&self, key: &str) {
        self.rt
            .block_on(self.client.enable_key().key_id(key).send())
            .expect("EnableKey");
    }
}
