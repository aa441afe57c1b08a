//! A real S3 server that checks SigV4 signatures: s3s-fs on 127.0.0.1, one key pair per
//! server. Needs `COFFER_TEST_S3S_FS` (scripts/test.sh installs it).

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A path from the environment, or a panic saying how to get it.
pub fn env_path(var: &str, what: &str) -> PathBuf {
    PathBuf::from(std::env::var(var).unwrap_or_else(|_| panic!("set {var} to {what}; scripts/test.sh does")))
}

/// An s3s-fs server serving `root` (each subdirectory a bucket), killed when dropped.
pub struct S3Server {
    child: Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
}

impl S3Server {
    /// Starts a server accepting only `access_key`/`secret_key`.
    pub fn start(root: &Path, access_key: &str, secret_key: &str) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .expect("free port")
            .local_addr()
            .expect("addr")
            .port();
        let bin = env_path(
            "COFFER_TEST_S3S_FS",
            "the s3s-fs binary (cargo install s3s-fs@0.14.1 --features binary)",
        );
        let child = Command::new(bin)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--access-key", access_key, "--secret-key", secret_key])
            .arg(root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start s3s-fs");
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "s3s-fs did not listen on {port} within 20 s");
            std::thread::sleep(Duration::from_millis(50));
        }
        S3Server { child, port }
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
