//! A private MariaDB server (Debian's `mariadb-server` 10.11) on 127.0.0.1 for tests of
//! `mysql` secrets: its own data directory, port and socket in a temporary directory, set up
//! by SQL it runs at start (`--init-file`), stopped and deleted when dropped.
//!
//! Needs `COFFER_TEST_MARIADBD` (the `mariadbd` binary; `mariadb-install-db` is looked up next
//! to it and on PATH); scripts/test.sh sets it, .ci/run installs the package.

use super::s3::env_path;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long the server may take to start (it creates InnoDB's files first).
const START: Duration = Duration::from_secs(60);

/// A running `mariadbd`, killed and deleted when dropped.
pub struct MariaDb {
    child: Child,
    dir: tempfile::TempDir,
    /// Its port on 127.0.0.1.
    pub port: u16,
}

impl MariaDb {
    /// Creates a data directory, then starts a server on a free port that runs `init_sql`
    /// (statements ending with `;`, one a line, as root) before it accepts connections.
    pub fn start(init_sql: &str) -> Self {
        let mariadbd = env_path(
            "COFFER_TEST_MARIADBD",
            "the mariadbd binary of Debian's mariadb-server 10.11 (apt-get install -y mariadb-server; then /usr/sbin/mariadbd)",
        );
        assert!(
            mariadbd.is_file(),
            "COFFER_TEST_MARIADBD={} does not exist: apt-get install -y mariadb-server",
            mariadbd.display()
        );
        let install_db = install_db(&mariadbd);
        let dir = tempfile::Builder::new()
            .prefix("coffer-mariadb-")
            .tempdir()
            .expect("a directory for MariaDB");
        let data = dir.path().join("data");
        let root = is_root();

        // mariadb-install-db: the system tables, for the current user (root needs --user=root).
        let mut install = Command::new(&install_db);
        install
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .args(["--skip-test-db", "--skip-name-resolve"])
            .stdin(Stdio::null());
        if root {
            install.arg("--user=root");
        }
        let log = dir.path().join("install.log");
        let status = run_bounded(install, &log, Duration::from_secs(120));
        assert!(
            status,
            "{} failed:\n{}",
            install_db.display(),
            std::fs::read_to_string(&log).unwrap_or_default()
        );

        let init = dir.path().join("init.sql");
        std::fs::write(&init, init_sql).expect("write init.sql");
        let port = free_port();
        let err_log = dir.path().join("error.log");
        let mut server = Command::new(&mariadbd);
        server
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--socket={}", dir.path().join("mysqld.sock").display()))
            .arg(format!("--pid-file={}", dir.path().join("mysqld.pid").display()))
            .arg(format!("--log-error={}", err_log.display()))
            .arg(format!("--init-file={}", init.display()))
            .arg(format!("--tmpdir={}", dir.path().display()))
            .args(["--bind-address=127.0.0.1", &format!("--port={port}")])
            .args(["--skip-name-resolve", "--innodb-buffer-pool-size=16M"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if root {
            server.arg("--user=root");
        }
        let child = server.spawn().expect("start mariadbd");
        let mut db = MariaDb { child, dir, port };
        db.wait_ready(&err_log);
        db
    }

    /// The server's temporary directory (data, socket, logs).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Waits until the server says it is ready (after its init file ran) and accepts TCP.
    fn wait_ready(&mut self, err_log: &Path) {
        let deadline = Instant::now() + START;
        loop {
            let log = std::fs::read_to_string(err_log).unwrap_or_default();
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("mariadbd exited ({status}) before it was ready:\n{log}");
            }
            if log.contains("ready for connections") && TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "mariadbd was not ready on port {} within {START:?}:\n{log}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for MariaDb {
    fn drop(&mut self) {
        // A throw-away data directory: no need for a clean shutdown.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `mariadb-install-db` next to `mariadbd` (its bin/ or ../bin/), else on PATH.
fn install_db(mariadbd: &Path) -> PathBuf {
    let dir = mariadbd.parent().unwrap_or(Path::new("/"));
    let candidates = [
        dir.join("mariadb-install-db"),
        dir.join("../bin/mariadb-install-db"),
        PathBuf::from("/usr/bin/mariadb-install-db"),
    ];
    if let Some(found) = candidates.iter().find(|p| p.is_file()) {
        return found.clone();
    }
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join("mariadb-install-db"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "mariadb-install-db not found next to {} or on PATH: apt-get install -y mariadb-server",
                mariadbd.display()
            )
        })
}

/// Whether this process runs as root (then MariaDB must be told `--user=root`).
fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|euid| euid == "0"))
        })
        .unwrap_or(false)
}

/// A port that was free a moment ago on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("free port")
        .local_addr()
        .expect("addr")
        .port()
}

/// Runs `cmd` with its output in `log`, killing it after `limit`; whether it succeeded.
fn run_bounded(mut cmd: Command, log: &Path, limit: Duration) -> bool {
    let out = std::fs::File::create(log).expect("create a log file");
    let err = out.try_clone().expect("clone a log file");
    let mut child = cmd
        .stdout(out)
        .stderr(err)
        .spawn()
        .unwrap_or_else(|e| panic!("run {cmd:?}: {e}"));
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status.success();
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
