//! A real `coffer serve` process on 127.0.0.1 for the API tests: started on a free port over a
//! [`Harness`]'s home, its bootstrap token read from its stderr, stopped with SIGTERM (and
//! killed if a test panics first).

use super::Harness;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A running server.
pub struct Server {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The bootstrap superuser's token.
    pub admin_token: String,
    /// Every line the server wrote to stderr so far.
    pub log: Arc<Mutex<Vec<String>>>,
    agent: ureq::Agent,
}

/// An HTTP answer: status and JSON body (`Null` when empty or not JSON).
#[derive(Debug, Clone)]
pub struct Answer {
    /// Status.
    pub status: u16,
    /// Body.
    pub body: serde_json::Value,
    /// Raw body text.
    pub text: String,
}

impl Server {
    /// Starts `coffer serve` over `h`'s home (on first start it bootstraps the admin).
    pub fn start(h: &Harness) -> Server {
        Self::start_with(h, &[])
    }

    /// As [`Server::start`], with extra environment.
    pub fn start_with(h: &Harness, env: &[(&str, &str)]) -> Server {
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("coffer"));
        cmd.args(["serve", "--listen", "127.0.0.1:0"])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", h.user_home())
            .env("USER", super::TEST_USER)
            .env("COFFER_HOME", h.home())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(v) = std::env::var_os("LD_LIBRARY_PATH") {
            cmd.env("LD_LIBRARY_PATH", v);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start coffer serve");
        let log = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().expect("stderr");
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().expect("log").push(line);
            }
        });
        let stdout = child.stdout.take().expect("stdout");
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                sink.lock().expect("log").push(format!("stdout: {line}"));
            }
        });
        let deadline = Instant::now() + Duration::from_secs(30);
        let (url, token) = loop {
            {
                let lines = log.lock().expect("log");
                if let Some(l) = lines.iter().find(|l| l.contains("coffer: serving ")) {
                    let url = l
                        .split_whitespace()
                        .find(|w| w.starts_with("http://"))
                        .expect("the serving line names its URL")
                        .to_string();
                    let token = lines
                        .iter()
                        .find_map(|l| l.trim().strip_prefix("coffer_").map(|t| format!("coffer_{t}")))
                        .unwrap_or_default();
                    break (url, token);
                }
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("coffer serve exited with {status}: {:?}", log.lock().expect("log"));
            }
            assert!(
                Instant::now() < deadline,
                "coffer serve did not start: {:?}",
                log.lock().expect("log")
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(30)).build();
        Server {
            child: Some(child),
            url,
            admin_token: token,
            log,
            agent,
        }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(Child::id).unwrap_or_default()
    }

    /// One request; `token` goes in `Authorization: Bearer`, `body` as JSON.
    pub fn request(&self, method: &str, path: &str, token: Option<&str>, body: Option<&serde_json::Value>) -> Answer {
        let mut req = self.agent.request(method, &format!("{}{path}", self.url));
        if let Some(t) = token {
            req = req.set("Authorization", &format!("Bearer {t}"));
        }
        let resp = match body {
            Some(b) => req.send_json(b),
            None => req.call(),
        };
        let r = match resp {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{method} {path}: {e}"),
        };
        let status = r.status();
        let text = r.into_string().unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
        Answer { status, body, text }
    }

    /// A raw request with a given content type and body bytes.
    pub fn raw(&self, method: &str, path: &str, token: &str, content_type: &str, body: &[u8]) -> Answer {
        let req = self
            .agent
            .request(method, &format!("{}{path}", self.url))
            .set("Authorization", &format!("Bearer {token}"))
            .set("Content-Type", content_type);
        let r = match req.send_bytes(body) {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{method} {path}: {e}"),
        };
        let status = r.status();
        let text = r.into_string().unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
        Answer { status, body, text }
    }

    /// As the bootstrap admin.
    pub fn admin(&self, method: &str, path: &str, body: Option<&serde_json::Value>) -> Answer {
        self.request(method, path, Some(&self.admin_token.clone()), body)
    }

    /// Sends SIGTERM and waits for the process (at most 30 s, then kills it).
    pub fn stop(mut self) -> ExitStatus {
        self.terminate().expect("the server was running")
    }

    fn terminate(&mut self) -> Option<ExitStatus> {
        let mut child = self.child.take()?;
        let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Some(s)) = child.try_wait() {
                return Some(s);
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                return child.wait().ok();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Everything the server printed, one line each.
    pub fn log_text(&self) -> String {
        self.log.lock().expect("log").join("\n")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Server {
    /// Kills the server with SIGKILL, as `kill -9` does (no shutdown code runs: requests in
    /// flight are cut off mid-way), and reaps it. `None` when it was already stopped.
    pub fn kill9(&mut self) -> Option<ExitStatus> {
        let mut child = self.child.take()?;
        // `Child::kill` is SIGKILL on unix. It fails only when the process is gone already, which
        // the exit status then shows.
        let _ = child.kill();
        Some(child.wait().expect("reap the killed coffer serve"))
    }
}
