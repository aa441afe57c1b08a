//! A small harness for running the real `coffer` binary, in the style of ripgrep's `rgtest`.
//!
//! Every [`Harness`] owns a fresh temporary directory laid out as
//!
//! ```text
//! <tmp>/coffer-home   COFFER_HOME (not created: the binary creates it on first use)
//! <tmp>/user-home     HOME, so nothing ever touches the real home directory
//! <tmp>/inputs        files the tests hand to `--set KEY=@FILE`
//! ```
//!
//! and records every command it runs together with its stdin, exit status, stdout and stderr,
//! so a test can look at everything the binary ever printed (the leak scan does) and a failing
//! test prints the whole transcript.

// Each test binary includes this module and uses a different part of it.
#![allow(dead_code)]

pub mod azurite;
pub mod mariadb;
pub mod s3;
pub mod server;

use assert_cmd::assert::{Assert, OutputAssertExt};
use assert_cmd::Command;
use std::cell::{Ref, RefCell};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// The `$USER` every command runs as: secrets record `local:<user>` as creator.
pub const TEST_USER: &str = "coffer-test";

/// The actor the binary records for [`TEST_USER`].
pub const TEST_ACTOR: &str = "local:coffer-test";

/// One command the harness ran.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The arguments after the binary name.
    pub args: Vec<String>,
    /// Extra environment given to this command only.
    pub env: Vec<(String, String)>,
    /// What was written to its stdin.
    pub stdin: Option<Vec<u8>>,
    /// Its exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// Everything it wrote to stdout.
    pub stdout: Vec<u8>,
    /// Everything it wrote to stderr.
    pub stderr: Vec<u8>,
}

impl Seen {
    /// stdout as text.
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// stderr as text.
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

/// A temporary coffer home and a recorder of everything run in it.
pub struct Harness {
    dir: TempDir,
    env: Vec<(String, String)>,
    seen: RefCell<Vec<Seen>>,
}

impl Default for Harness {
    fn default() -> Self {
        Self::new()
    }
}

impl Harness {
    /// A fresh temporary directory; the coffer home inside it does not exist yet.
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("coffer-cli-")
            .tempdir()
            .expect("create a temporary directory");
        for sub in ["user-home", "inputs"] {
            std::fs::create_dir(dir.path().join(sub)).expect("create a test directory");
        }
        Harness {
            dir,
            env: Vec::new(),
            seen: RefCell::new(Vec::new()),
        }
    }

    /// Like [`Harness::new`], with `env` set for every command (e.g. `COFFER_LOG=trace`).
    pub fn with_env(env: &[(&str, &str)]) -> Self {
        let mut h = Self::new();
        h.env = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        h
    }

    /// The temporary directory holding everything.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// `$COFFER_HOME`.
    pub fn home(&self) -> PathBuf {
        self.root().join("coffer-home")
    }

    /// `$HOME` of every command.
    pub fn user_home(&self) -> PathBuf {
        self.root().join("user-home")
    }

    /// The database file inside the home.
    pub fn db_path(&self) -> PathBuf {
        self.home().join("coffer.db")
    }

    /// The key file inside the home.
    pub fn key_path(&self) -> PathBuf {
        self.home().join("master.key")
    }

    /// Writes `contents` to `inputs/<name>` (mode 0600) and returns its path, for `KEY=@FILE`.
    pub fn input_file(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.root().join("inputs").join(name);
        std::fs::write(&path, contents).expect("write an input file");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod an input file");
        path
    }

    /// `KEY=@<path of inputs/name>` for `--set`, after writing `contents` there.
    pub fn at_file(&self, key: &str, name: &str, contents: impl AsRef<[u8]>) -> String {
        format!("{key}=@{}", self.input_file(name, contents).display())
    }

    /// The binary with the harness environment: `COFFER_HOME`, `HOME` and `USER` point into
    /// the test's world and every other variable coffer reads is removed.
    pub fn command(&self) -> Command {
        self.prepare(Command::cargo_bin("coffer").expect("the coffer binary is built"))
    }

    /// The binary run as `sh -c 'umask UMASK && exec coffer ...'`, with the harness
    /// environment: what coffer creates under another umask (the workspace forbids `unsafe`,
    /// so no `pre_exec`).
    pub fn command_with_umask(&self, umask: u32) -> Command {
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(format!("umask {umask:04o} && exec \"$0\" \"$@\""))
            .arg(assert_cmd::cargo::cargo_bin("coffer"));
        self.prepare(cmd)
    }

    /// Runs `coffer ARGS` under `umask` (see [`Harness::command_with_umask`]), with optional
    /// stdin, and records the run.
    pub fn run_umask(&self, umask: u32, args: &[&str], stdin: Option<&[u8]>) -> Assert {
        let mut cmd = self.command_with_umask(umask);
        cmd.args(args);
        let shown: Vec<String> = std::iter::once(format!("(umask {umask:04o})"))
            .chain(args.iter().map(|a| a.to_string()))
            .collect();
        self.exec(cmd, shown, stdin, &[])
    }

    /// The harness environment on `cmd`.
    fn prepare(&self, mut cmd: Command) -> Command {
        cmd.current_dir(self.root())
            .env("COFFER_HOME", self.home())
            .env("HOME", self.user_home())
            .env("USER", TEST_USER)
            .env("LOGNAME", TEST_USER)
            .env_remove("XDG_DATA_HOME")
            .env_remove("COFFER_PROJECT")
            .env_remove("COFFER_DATABASE_URL")
            .env_remove("COFFER_MIGRATE_FROM")
            .env_remove("COFFER_MIGRATE_TO")
            .env_remove("COFFER_VENV_DIR")
            .env_remove("COFFER_LOG")
            .env_remove("RUST_LOG")
            .env_remove("NO_COLOR");
        // DuckDB's extensions from the suite's directory, never downloaded by a test (coffer
        // installs a missing one itself otherwise; s3_dataplane.rs tests that against a local
        // imitation of PyPI).
        cmd.env("COFFER_OFFLINE", "1");
        if let Some(dir) = std::env::var_os("COFFER_TEST_EXTENSION_DIR") {
            cmd.env("COFFER_EXTENSION_DIR", dir);
        }
        // SECRET_* variables are coffer's Kestra env backend: the machine's own must not leak
        // into tests.
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("SECRET_") {
                cmd.env_remove(k);
            }
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// Runs `coffer ARGS` with an empty stdin (a pipe, never a terminal).
    pub fn run(&self, args: &[&str]) -> Assert {
        self.run_full(args, None, &[])
    }

    /// Runs `coffer ARGS` with `stdin` written to its stdin.
    pub fn run_stdin(&self, args: &[&str], stdin: &str) -> Assert {
        self.run_full(args, Some(stdin.as_bytes()), &[])
    }

    /// Runs `coffer ARGS` with extra environment (`None` stdin: empty).
    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Assert {
        self.run_full(args, None, env)
    }

    /// Runs `coffer ARGS` with optional stdin and extra environment, and records the run.
    pub fn run_full(&self, args: &[&str], stdin: Option<&[u8]>, env: &[(&str, &str)]) -> Assert {
        let mut cmd = self.command();
        cmd.args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        self.exec(cmd, args.iter().map(|a| a.to_string()).collect(), stdin, env)
    }

    /// Runs a prepared command (see [`Harness::command`]) and records it.
    pub fn exec(&self, mut cmd: Command, args: Vec<String>, stdin: Option<&[u8]>, env: &[(&str, &str)]) -> Assert {
        cmd.write_stdin(stdin.unwrap_or_default().to_vec());
        let output = cmd.output().expect("run the coffer binary");
        let shown = format!("coffer {}", args.join(" "));
        self.seen.borrow_mut().push(Seen {
            args,
            env: env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            stdin: stdin.map(<[u8]>::to_vec),
            code: output.status.code(),
            stdout: output.stdout.clone(),
            stderr: output.stderr.clone(),
        });
        output.assert().append_context("command", shown)
    }

    /// Runs `coffer ARGS`, expects success and parses stdout as JSON.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let out = stdout(&self.run(args).success());
        serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("`coffer {}` printed invalid JSON ({e}):\n{out}", args.join(" ")))
    }

    /// The names `secret list --format json` shows in the default project.
    pub fn list_names(&self) -> Vec<String> {
        self.list_names_in("default")
    }

    /// The names `secret list --format json` shows in `project`.
    pub fn list_names_in(&self, project: &str) -> Vec<String> {
        let v = self.json(&["--project", project, "secret", "list", "--format", "json"]);
        v.as_array()
            .expect("secret list --format json prints an array")
            .iter()
            .map(|s| s["name"].as_str().expect("every secret has a name").to_string())
            .collect()
    }

    /// Creates a persistent s3 secret `name` with `scopes`, its secret read from stdin.
    pub fn create_s3(&self, name: &str, scopes: &[&str], secret: &str) -> Assert {
        let mut args = vec![
            "secret",
            "create",
            name,
            "--type",
            "s3",
            "--set",
            "key_id=AKIAEXAMPLE",
            "--set",
            "region=us-east-1",
            "--set",
            "secret=-",
        ];
        for s in scopes {
            args.push("--scope");
            args.push(s);
        }
        self.run_stdin(&args, secret)
    }

    /// Every command run so far.
    pub fn seen(&self) -> Ref<'_, Vec<Seen>> {
        self.seen.borrow()
    }

    /// A readable transcript of every command run so far.
    pub fn transcript(&self) -> String {
        let mut out = String::new();
        for (i, s) in self.seen.borrow().iter().enumerate() {
            let env: Vec<String> = s.env.iter().map(|(k, v)| format!("{k}={v} ")).collect();
            out.push_str(&format!(
                "--- [{i}] {}coffer {} => exit {:?}\n",
                env.concat(),
                s.args.join(" "),
                s.code
            ));
            if let Some(stdin) = &s.stdin {
                out.push_str(&format!("stdin: {} bytes\n", stdin.len()));
            }
            out.push_str(&format!("stdout:\n{}", s.stdout_text()));
            out.push_str(&format!("stderr:\n{}", s.stderr_text()));
        }
        out
    }

    /// The permission bits of `path`.
    pub fn mode(&self, path: &Path) -> u32 {
        std::fs::metadata(path)
            .unwrap_or_else(|e| panic!("stat {}: {e}", path.display()))
            .permissions()
            .mode()
            & 0o777
    }

    /// Sets the permission bits of `path`.
    pub fn chmod(&self, path: &Path, mode: u32) {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .unwrap_or_else(|e| panic!("chmod {}: {e}", path.display()));
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "==== coffer transcript ({}) ====\n{}",
                self.root().display(),
                self.transcript()
            );
        }
    }
}

/// The stdout of a finished command, as text.
pub fn stdout(a: &Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stdout).into_owned()
}

/// The stderr of a finished command, as text.
pub fn stderr(a: &Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).into_owned()
}

/// Whether `s` looks like the binary's timestamps: `YYYY-MM-DDTHH:MM:SSZ`.
pub fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 20
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'Z',
            _ => c.is_ascii_digit(),
        })
}
