//! Python flights with a requirements.txt, end to end with the real binary, the real sandbox
//! and the real PyPI: the environment is built by the first run (in the run's sandbox, its
//! output in the log), reused by the next ones, rebuilt for a new text, read-only for runs;
//! a package that does not exist fails the run before its script; option lines are refused.
//!
//! Needs `COFFER_TEST_PYTHON` (a python3 with duckdb, see scripts/test.sh) and the network to
//! reach pypi.org: without it these tests fail, saying so, rather than skip.

mod common;

use common::{stderr, stdout, Harness};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Fails loudly when PyPI cannot be reached: these tests install real packages.
fn require_pypi() {
    use std::net::ToSocketAddrs;
    let reachable = ("pypi.org", 443)
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .is_some_and(|addr| std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_secs(10)).is_ok());
    assert!(
        reachable,
        "pypi.org:443 is unreachable: the requirements tests install real packages from PyPI and need the network"
    );
}

/// A harness whose runs use `COFFER_TEST_PYTHON` and keep their environments in a
/// directory of their own that the run user (`nobody` when the tests run as root) can reach
/// (the harness's own directory is 0700).
fn harness() -> (Harness, PathBuf, tempfile::TempDir) {
    require_pypi();
    let python = common::s3::env_path("COFFER_TEST_PYTHON", "a python3 with duckdb 1.5.5");
    let dir = tempfile::Builder::new()
        .prefix("coffer-venvs-")
        .tempdir()
        .expect("a directory for the environments");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let venvs = dir.path().join("venvs");
    let h = Harness::with_env(&[
        ("COFFER_PYTHON", &python.to_string_lossy()),
        ("COFFER_VENV_DIR", &venvs.to_string_lossy()),
    ]);
    (h, venvs, dir)
}

/// `coffer flight create NAME --kind python --file SCRIPT --requirements REQUIREMENTS EXTRA...`.
fn create_python(
    h: &Harness,
    name: &str,
    script: &Path,
    requirements: &Path,
    extra: &[&str],
) -> assert_cmd::assert::Assert {
    let (script, requirements) = (script.to_string_lossy(), requirements.to_string_lossy());
    let mut args = vec![
        "flight",
        "create",
        name,
        "--kind",
        "python",
        "--file",
        &script,
        "--requirements",
        &requirements,
    ];
    args.extend(extra);
    h.run(&args)
}

fn log_of(h: &Harness, flight: &str, run: &str) -> String {
    let a = h.run(&["flight", "logs", flight, run]).success();
    format!("{}{}", stdout(&a), stderr(&a))
}

/// The published environments: `(key link, its directory's inode and mtime)`.
fn environments(venvs: &Path) -> Vec<(String, u64, i64)> {
    let mut out: Vec<(String, u64, i64)> = std::fs::read_dir(venvs)
        .expect("the venv directory exists")
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_symlink()))
        .map(|e| {
            let m = std::fs::metadata(e.path()).expect("the link's environment exists");
            (
                e.file_name().to_string_lossy().into_owned(),
                m.ino(),
                m.mtime_nsec() + m.mtime() * 1_000_000_000,
            )
        })
        .collect();
    out.sort();
    out
}

/// What is left in the venv directory besides published environments and their locks.
fn leftovers(venvs: &Path) -> Vec<String> {
    let links: Vec<String> = environments(venvs).into_iter().map(|e| e.0).collect();
    std::fs::read_dir(venvs)
        .expect("the venv directory exists")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".lock") && !links.contains(n))
        .filter(|n| {
            !links
                .iter()
                .any(|l| std::fs::read_link(venvs.join(l)).is_ok_and(|t| t == Path::new(n)))
        })
        .collect()
}

const SCRIPT: &str = "import six, sys, duckdb\n\
                      print('six', six.__version__)\n\
                      print('duckdb', duckdb.__version__)\n\
                      print('prefix', sys.prefix)\n";

#[test]
fn an_environment_is_built_once_reused_and_rebuilt_for_new_requirements() {
    let (h, venvs, _dir) = harness();
    let script = h.input_file("job.py", SCRIPT);
    let req = h.input_file("requirements.txt", "# pinned\nsix==1.16.0\n");
    create_python(&h, "py", &script, &req, &[]).success();
    let shown = h.json(&["flight", "show", "py", "--format", "json"]);
    assert_eq!(shown["requirements"], "# pinned\nsix==1.16.0\n");
    assert_eq!(shown["source_builds"], false);

    // The first run builds it, in the log; the script sees six and still sees duckdb.
    let a = h.run(&["flight", "run", "py", "--wait"]).success();
    let out = stdout(&a);
    assert!(
        out.contains("six 1.16.0\n") && out.contains("duckdb 1.5.5\n"),
        "{out}\n{}",
        stderr(&a)
    );
    let log = log_of(&h, "py", "1");
    assert!(
        log.contains("building python environment") && log.contains("wheels only"),
        "{log}"
    );
    assert!(
        log.contains("Successfully installed six-1.16.0"),
        "pip's output is in the log: {log}"
    );
    assert!(log.contains("python environment") && log.contains(" built ("), "{log}");
    let first = environments(&venvs);
    assert_eq!(first.len(), 1, "{first:?}");
    assert!(out.contains(&format!("prefix {}", venvs.display())), "{out}");

    // The second reuses it: no build, the same directory untouched.
    let a = h.run(&["flight", "run", "py", "--wait"]).success();
    assert!(stdout(&a).contains("six 1.16.0\n"), "{}", stderr(&a));
    let log = log_of(&h, "py", "2");
    assert!(log.contains("reused") && !log.contains("building"), "{log}");
    assert_eq!(environments(&venvs), first, "reused, not rebuilt");

    // Another flight with the same text (spelled differently) shares it too.
    let same = h.input_file("same.txt", "six==1.16.0   # the same\n\n");
    create_python(&h, "other", &script, &same, &[]).success();
    h.run(&["flight", "run", "other", "--wait"]).success();
    assert!(log_of(&h, "other", "1").contains("reused"));
    assert_eq!(environments(&venvs), first);

    // New requirements: a new environment, the old one kept for the texts that use it.
    let older = h.input_file("older.txt", "six==1.15.0\n");
    h.run(&["flight", "update", "py", "--requirements", &older.to_string_lossy()])
        .success();
    let a = h.run(&["flight", "run", "py", "--wait"]).success();
    assert!(stdout(&a).contains("six 1.15.0\n"), "{}", stderr(&a));
    assert!(log_of(&h, "py", "3").contains("building python environment"));
    let now = environments(&venvs);
    assert_eq!(now.len(), 2, "{now:?}");
    assert!(now.contains(&first[0]));
    assert!(leftovers(&venvs).is_empty(), "{:?}", leftovers(&venvs));

    // Without requirements the plain interpreter runs again.
    h.run(&["flight", "update", "py", "--no-requirements"]).success();
    let shown = h.json(&["flight", "show", "py", "--format", "json"]);
    assert!(shown["requirements"].is_null(), "{shown}");
    let a = h.run(&["flight", "run", "py", "--wait"]).success();
    assert!(!stdout(&a).contains(&venvs.display().to_string()), "{}", stdout(&a));
    assert!(!log_of(&h, "py", "4").contains("python environment"));
}

#[test]
fn runs_see_their_environment_read_only_and_concurrent_runs_build_it_once() {
    let (h, venvs, _dir) = harness();
    let req = h.input_file("requirements.txt", "six==1.16.0\n");
    let script = h.input_file(
        "write.py",
        "import subprocess, sys, six\n\
         try:\n    open(sys.prefix + '/x', 'w')\n    print('WROTE')\n\
         except OSError as e:\n    print('write denied', type(e).__name__)\n\
         r = subprocess.run([sys.executable, '-m', 'pip', 'uninstall', '-y', 'six'], capture_output=True, text=True)\n\
         print('pip uninstall exit', r.returncode)\n\
         import importlib, os\n\
         print('six still', importlib.reload(six).__version__, os.path.exists(six.__file__))\n",
    );
    for name in ["a", "b"] {
        create_python(&h, name, &script, &req, &[]).success();
    }
    // Both at once: one builds, the other waits for it and reuses it.
    let runs: Vec<_> = ["a", "b"]
        .map(|name| {
            let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("coffer"));
            cmd.current_dir(h.root())
                .env("COFFER_HOME", h.home())
                .env("HOME", h.user_home())
                .env("USER", common::TEST_USER)
                .env("COFFER_PYTHON", common::s3::env_path("COFFER_TEST_PYTHON", "a python3"))
                .env("COFFER_VENV_DIR", &venvs)
                .args(["flight", "run", name, "--wait"]);
            std::thread::spawn(move || cmd.output().expect("run coffer"))
        })
        .into_iter()
        .map(|t| t.join().expect("a run"))
        .collect();
    for (out, name) in runs.iter().zip(["a", "b"]) {
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{name}: {text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(text.contains("write denied") && !text.contains("WROTE"), "{text}");
        assert!(
            !text.contains("pip uninstall exit 0"),
            "pip changed the environment: {text}"
        );
        assert!(text.contains("six still 1.16.0 True"), "{text}");
    }
    let logs = [log_of(&h, "a", "1"), log_of(&h, "b", "1")];
    let built = logs
        .iter()
        .filter(|l| l.lines().any(|x| x.starts_with("building python environment")))
        .count();
    let reused = logs.iter().filter(|l| l.contains("reused")).count();
    assert_eq!((built, reused), (1, 1), "{logs:?}");
    let envs = environments(&venvs);
    assert_eq!(envs.len(), 1);
    assert!(!venvs.join(&envs[0].0).join("x").exists());
}

#[test]
fn a_failing_install_fails_the_run_before_its_script_and_leaves_nothing() {
    let (h, venvs, _dir) = harness();
    let script = h.input_file("job.py", "print('SCRIPT RAN')\n");
    let req = h.input_file("requirements.txt", "coffer-no-such-package-zzz==1.0\n");
    create_python(&h, "broken", &script, &req, &[]).success();
    let a = h.run(&["flight", "run", "broken", "--wait"]).code(1);
    let out = format!("{}{}", stdout(&a), stderr(&a));
    assert!(!out.contains("SCRIPT RAN"), "{out}");
    assert!(out.contains("installing the requirements failed"), "{out}");
    let log = log_of(&h, "broken", "1");
    assert!(
        log.contains("No matching distribution found for coffer-no-such-package-zzz==1.0"),
        "pip's error is in the log: {log}"
    );
    assert!(!log.contains("SCRIPT RAN"), "{log}");
    let runs = h.json(&["flight", "runs", "broken", "--format", "json"]);
    assert_eq!(runs[0]["status"], "failed", "{runs}");
    assert!(environments(&venvs).is_empty());
    assert!(leftovers(&venvs).is_empty(), "{:?}", leftovers(&venvs));
}

#[test]
fn option_lines_and_non_python_flights_are_refused() {
    let h = Harness::new();
    let script = h.input_file("job.py", "print(1)\n");
    for (text, wanted) in [
        ("six\n-r /etc/passwd\n", "requirements line 2"),
        ("--index-url https://evil.example/simple\n", "where packages come from"),
        ("--trusted-host evil.example\n", "trusted"),
        ("-e ./src\n", "local directory"),
        ("pkg @ file:///etc/passwd\n", "file: URL"),
        ("/opt/wheels/x-1.0-py3-none-any.whl\n", "local path"),
        ("six --install-option=--prefix=/tmp\n", "--hash=ALGO:HEX"),
    ] {
        let req = h.input_file("bad.txt", text);
        let a = create_python(&h, "bad", &script, &req, &[]).failure();
        let err = stderr(&a);
        assert!(err.contains(wanted) && err.contains("requirements"), "{text:?}: {err}");
    }
    let req = h.input_file("ok.txt", "six==1.16.0 ; python_version >= \"3.8\"\n");
    let a = h
        .run(&[
            "flight",
            "create",
            "cmd",
            "--requirements",
            &req.to_string_lossy(),
            "--",
            "true",
        ])
        .failure();
    assert!(stderr(&a).contains("only python flights"), "{}", stderr(&a));
    // Accepted, shown, and an empty file removes it.
    create_python(&h, "ok", &script, &req, &["--source-builds"]).success();
    let a = h.run(&["flight", "show", "ok"]).success();
    assert!(
        stdout(&a).contains("requirements (source builds allowed):\n  six==1.16.0 ; python_version"),
        "{}",
        stdout(&a)
    );
    let empty = h.input_file("empty.txt", "\n");
    h.run(&["flight", "update", "ok", "--requirements", &empty.to_string_lossy()])
        .success();
    let shown = h.json(&["flight", "show", "ok", "--format", "json"]);
    assert!(
        shown["requirements"].is_null() && shown["source_builds"] == false,
        "{shown}"
    );
    assert_eq!(shown["version"], 2);
    // A coffer running as root runs flights as `nobody`, who cannot enter the 0700 home: the
    // run says so and what to do, before anything is built.
    if coffer_sandbox::is_root() {
        create_python(&h, "unreachable", &script, &req, &[]).success();
        let venvs = h.home().join("venvs");
        let a = h
            .run_env(
                &["flight", "run", "unreachable", "--wait"],
                &[("COFFER_VENV_DIR", &venvs.to_string_lossy())],
            )
            .code(1);
        let out = format!("{}{}", stdout(&a), stderr(&a));
        assert!(
            out.contains("cannot reach the directory of python environments") && out.contains("set COFFER_VENV_DIR"),
            "{out}"
        );
    }
}

/// Without `COFFER_VENV_DIR`, environments go where the run user can read them: the home's
/// `venvs` for an ordinary user, `/var/cache/coffer/venvs` for a coffer running as root (its
/// runs execute as `nobody`, who cannot enter the 0700 home).
#[test]
fn the_default_directory_of_environments_is_reachable_by_runs() {
    require_pypi();
    let python = common::s3::env_path("COFFER_TEST_PYTHON", "a python3 with duckdb 1.5.5");
    let h = Harness::with_env(&[("COFFER_PYTHON", &python.to_string_lossy())]);
    let script = h.input_file("job.py", SCRIPT);
    let req = h.input_file("requirements.txt", "six==1.16.0\n");
    create_python(&h, "default-dir", &script, &req, &[]).success();
    h.run(&["flight", "run", "default-dir", "--wait"]).success();
    let log = log_of(&h, "default-dir", "1");
    assert!(log.contains("six 1.16.0"), "{log}");
    let expected = if coffer_sandbox::is_root() {
        PathBuf::from("/var/cache/coffer/venvs")
    } else {
        h.home().join("venvs")
    };
    assert!(
        !environments(&expected).is_empty(),
        "no environment in {}: {log}",
        expected.display()
    );
}
