//! Files that hold keys, secret values or the database are `0600` from creation, and the home
//! directory `0700`, whatever the umask coffer runs under (`0022`, the usual one, and `0000`,
//! where anything created without an explicit mode is world-writable): `init`, writes, a
//! replace, `key rotate` and `key rotate --prune`, `env export` into a file, `migrate` into a
//! new SQLite file, the `coffer sql` shell's history, and `init --kms` that fails on a fresh
//! home.

mod common;

use common::Harness;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// Every entry under `dir` (itself included): path, permission bits, whether a directory.
fn walk(dir: &Path) -> Vec<(PathBuf, u32, bool)> {
    let meta = std::fs::symlink_metadata(dir).unwrap_or_else(|e| panic!("stat {}: {e}", dir.display()));
    let mut out = vec![(dir.to_path_buf(), meta.permissions().mode() & 0o7777, meta.is_dir())];
    if meta.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .expect("read dir")
            .map(|e| e.expect("entry").path())
            .collect();
        entries.sort();
        for e in entries {
            out.extend(walk(&e));
        }
    }
    out
}

/// Every directory under (and including) `dir` is 0700 and every file 0600.
fn assert_private(dir: &Path, umask: u32) {
    let wrong: Vec<String> = walk(dir)
        .into_iter()
        .filter(|(_, mode, is_dir)| *mode != if *is_dir { 0o700 } else { 0o600 })
        .map(|(p, mode, _)| format!("{} is {mode:04o}", p.display()))
        .collect();
    assert!(wrong.is_empty(), "under umask {umask:04o}: {}", wrong.join(", "));
}

/// `sh -c SCRIPT` in the harness's directory and environment, with `$C` the coffer binary.
fn sh(h: &Harness, script: &str) -> Command {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(script)
        .current_dir(h.root())
        .env("C", assert_cmd::cargo::cargo_bin("coffer"))
        .env("COFFER_HOME", h.home())
        .env("HOME", h.user_home())
        .env("USER", common::TEST_USER)
        .env("LOGNAME", common::TEST_USER)
        .env("TERM", "xterm")
        .env_remove("XDG_DATA_HOME")
        .env_remove("COFFER_PROJECT")
        .env_remove("COFFER_DATABASE_URL")
        .env_remove("COFFER_MIGRATE_FROM")
        .env_remove("COFFER_MIGRATE_TO")
        .env_remove("COFFER_LOG")
        .env_remove("RUST_LOG");
    cmd
}

/// `coffer sql` in a pseudo-terminal (`script(1)`) under `umask`: one statement, then `.quit`,
/// so that the shell saves its history. `wrap` goes before `script` (`strace ...`).
fn sql_shell(h: &Harness, umask: u32, wrap: &str) {
    let mut child = sh(
        h,
        &format!("umask {umask:04o} && exec {wrap} script -qec \"$C sql\" /dev/null"),
    )
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("script(1) from util-linux");
    let mut stdin = child.stdin.take().expect("stdin");
    std::thread::sleep(Duration::from_millis(1500));
    for line in ["SELECT name FROM duckdb_secrets();", ".quit"] {
        stdin.write_all(line.as_bytes()).expect("type");
        stdin.write_all(b"\n").expect("type");
        stdin.flush().expect("flush");
        std::thread::sleep(Duration::from_millis(400));
    }
    std::thread::sleep(Duration::from_millis(500));
    drop(stdin);
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "coffer sql under umask {umask:04o}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn everything_coffer_creates_is_private(umask: u32) {
    let h = Harness::new();
    let run = |args: &[&str], stdin: Option<&str>| {
        h.run_umask(umask, args, stdin.map(str::as_bytes)).success();
    };
    run(&["init"], None);
    run(
        &["secret", "create", "tok", "--type", "generic", "--set", "value=-"],
        Some("FILEMODE-value-1"),
    );
    run(
        &[
            "secret",
            "create",
            "tok",
            "--type",
            "generic",
            "--set",
            "value=-",
            "--or-replace",
        ],
        Some("FILEMODE-value-2"),
    );
    run(
        &["env", "import", "-", "--as", "app"],
        Some("A=FILEMODE-a\nB=FILEMODE-b\n"),
    );
    run(&["key", "rotate"], None);
    run(&["key", "rotate", "--prune"], None);
    sql_shell(&h, umask, "");
    let copy = h.home().join("copy.db");
    run(&["migrate", "--to", &format!("sqlite:{}", copy.display())], None);

    let files: Vec<String> = walk(&h.home())
        .into_iter()
        .filter(|(_, _, d)| !d)
        .map(|(p, _, _)| p.file_name().expect("name").to_string_lossy().into_owned())
        .collect();
    for f in [
        "master.key",
        "coffer.db",
        "coffer.db-wal",
        "coffer.db-shm",
        "sql_history",
        "copy.db",
    ] {
        assert!(files.iter().any(|x| x == f), "{f} is missing: {files:?}");
    }
    assert_private(&h.home(), umask);

    // `coffer env export NAME > FILE`: the shell creates FILE with its umask; coffer takes the
    // group's and others' bits off before writing a value.
    let exported = h.root().join("exported.env");
    let out = sh(
        &h,
        &format!("umask {umask:04o} && exec \"$C\" env export app > exported.env"),
    )
    .output()
    .expect("sh runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "stdout is a file readable by group or others (mode {:03o}): made it 0600",
            0o666 & !umask
        )),
        "{stderr}"
    );
    assert_eq!(h.mode(&exported), 0o600);
    assert_eq!(
        std::fs::read_to_string(&exported).expect("read"),
        "A=FILEMODE-a\nB=FILEMODE-b\n"
    );

    // `init --kms` on a fresh home that fails (no KMS there) leaves a private home.
    let fresh = h.root().join("kms-home");
    let mut cmd = h.command_with_umask(umask);
    cmd.env("COFFER_HOME", &fresh)
        .env("AWS_ACCESS_KEY_ID", "AKIAFILEMODE")
        .env("AWS_SECRET_ACCESS_KEY", "not-a-real-key")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .args([
            "init",
            "--kms",
            "alias/coffer-file-modes",
            "--kms-endpoint",
            "http://127.0.0.1:1",
            "--kms-region",
            "us-east-1",
        ]);
    h.exec(
        cmd,
        vec!["init".into(), "--kms".into(), "(unreachable)".into()],
        None,
        &[],
    )
    .failure();
    assert_private(&fresh, umask);
}

#[test]
fn private_from_creation_under_umask_0022() {
    everything_coffer_creates_is_private(0o022);
}

#[test]
fn private_from_creation_under_umask_0000() {
    everything_coffer_creates_is_private(0o000);
}

// ---- what strace sees: no file of the home is ever created wider, not even for a moment ----

/// One system call strace reported that creates or re-modes something in the home.
#[derive(Debug)]
struct Creation {
    line: String,
    path: String,
    /// The mode asked for, already less the umask in force.
    mode: u32,
    dir: bool,
    /// `O_EXCL`: the call created the file (without it, `O_CREAT` on an existing file keeps
    /// its mode).
    exclusive: bool,
}

/// Reads an strace `-f -y` log: joins `<unfinished ...>` / `<... resumed>` halves, follows
/// `umask()` (process-wide; the traced tree is one process and its children, which inherit it)
/// and returns the successful `open*`/`creat`/`mkdir*` calls with `O_CREAT` or a mode, and the
/// `chmod`/`fchmod*` calls, under `home`; `unlink`/`rename` are returned as mode 0 files with
/// `dir` and `exclusive` false and the path prefixed by `-` (removed) or `>` (renamed onto).
fn home_creations(trace: &str, home: &str, initial_umask: u32) -> Vec<Creation> {
    let mut pending: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let mut umask = initial_umask;
    let mut out = Vec::new();
    for raw in trace.lines() {
        let Some((pid, rest)) = raw.split_once(' ') else {
            continue;
        };
        let rest = rest.trim_start();
        let line = if let Some(head) = rest.strip_suffix(" <unfinished ...>") {
            pending.insert(pid.to_string(), head.to_string());
            continue;
        } else if let Some(tail) = rest.strip_prefix("<... ") {
            let Some((_, tail)) = tail.split_once(" resumed>") else {
                continue;
            };
            match pending.remove(pid) {
                Some(head) => format!("{head}{tail}"),
                None => continue,
            }
        } else {
            rest.to_string()
        };
        // `call(args) = ret`, with blanks before `=` when strace pads short calls.
        let Some((head, ret)) = line.rsplit_once(" = ") else {
            continue;
        };
        let Some((call, args)) = head.trim_end().split_once('(') else {
            continue;
        };
        let Some(args) = args.strip_suffix(')') else { continue };
        if ret.starts_with('-') || ret.starts_with('?') {
            continue; // failed
        }
        if call == "umask" {
            umask = u32::from_str_radix(args.trim(), 8).unwrap_or_else(|_| panic!("umask in {line}"));
            continue;
        }
        // The quoted path arguments (with -y, fds print as NUM<path>; take the path inside).
        let paths: Vec<String> = args
            .split('"')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .chain(
                args.split('<')
                    .skip(1)
                    .filter_map(|p| p.split_once('>').map(|(p, _)| p.to_string())),
            )
            .collect();
        let octal = |s: &str| u32::from_str_radix(s.trim(), 8).ok();
        let last = args.rsplit(", ").next().unwrap_or("");
        let under = |p: &String| p.starts_with(home);
        match call {
            "open" | "openat" | "creat" if call == "creat" || args.contains("O_CREAT") => {
                if let (Some(p), Some(m)) = (paths.iter().find(|p| under(p)), octal(last)) {
                    out.push(Creation {
                        line: line.clone(),
                        path: p.clone(),
                        mode: m & !umask,
                        dir: false,
                        exclusive: args.contains("O_EXCL"),
                    });
                }
            }
            "mkdir" | "mkdirat" => {
                if let (Some(p), Some(m)) = (paths.iter().find(|p| under(p)), octal(last)) {
                    out.push(Creation {
                        line: line.clone(),
                        path: p.clone(),
                        mode: m & !umask,
                        dir: true,
                        exclusive: true,
                    });
                }
            }
            "chmod" | "fchmod" | "fchmodat" => {
                if let (Some(p), Some(m)) = (paths.iter().find(|p| under(p)), octal(last)) {
                    out.push(Creation {
                        line: line.clone(),
                        path: p.clone(),
                        mode: m,
                        dir: false,
                        exclusive: true,
                    });
                }
            }
            "unlink" | "unlinkat" => {
                if let Some(p) = paths.iter().find(|p| under(p)) {
                    out.push(Creation {
                        line: line.clone(),
                        path: format!("-{p}"),
                        mode: 0,
                        dir: false,
                        exclusive: false,
                    });
                }
            }
            "rename" | "renameat" | "renameat2" => {
                if let Some(p) = paths.iter().filter(|p| under(p)).nth(1) {
                    out.push(Creation {
                        line: line.clone(),
                        path: format!(">{p}"),
                        mode: 0,
                        dir: false,
                        exclusive: false,
                    });
                }
            }
            _ => {}
        }
    }
    out
}

/// Every creation in the home is private: a directory at most 0700, a file at most 0600. An
/// `O_CREAT` without `O_EXCL` and with a wider mode is fine only on a file that already exists
/// (in `existing` before the trace, or created earlier in it, and not removed since): SQLite
/// opens the database that way.
fn assert_created_private(trace: &str, home: &str, initial_umask: u32, existing: &[String]) -> usize {
    let mut exists: std::collections::HashSet<String> = existing.iter().cloned().collect();
    let mut wrong = Vec::new();
    let mut checked = 0;
    for c in home_creations(trace, home, initial_umask) {
        if let Some(p) = c.path.strip_prefix('-') {
            exists.remove(p);
            continue;
        }
        if let Some(p) = c.path.strip_prefix('>') {
            exists.insert(p.to_string());
            continue;
        }
        checked += 1;
        let limit = if c.dir { 0o700 } else { 0o600 };
        let wide = c.mode & !limit != 0;
        if wide && (c.exclusive || !exists.contains(&c.path)) {
            wrong.push(format!("{:04o}: {}", c.mode, c.line));
        }
        exists.insert(c.path);
    }
    assert!(
        wrong.is_empty(),
        "created or re-moded wider than private:\n{}",
        wrong.join("\n")
    );
    checked
}

#[test]
fn nothing_in_the_home_is_ever_created_wider_than_private_strace() {
    if Command::new("strace").arg("-V").output().is_err() {
        eprintln!("strace is not installed: skipping the system-call check of file modes");
        return;
    }
    let h = Harness::new();
    let home = h.home().to_string_lossy().into_owned();
    let trace = h.root().join("trace");
    let strace = format!("strace -f -y -qq -e trace=open,openat,creat,mkdir,mkdirat,chmod,fchmod,fchmodat,umask,unlink,unlinkat,rename,renameat,renameat2 -o {}", trace.display());
    let script = format!(
        "set -e; umask 0000; exec {strace} sh -c '\
         \"$C\" init; \
         printf FILEMODE-1 | \"$C\" secret create tok --type generic --set value=-; \
         printf FILEMODE-2 | \"$C\" secret create tok --type generic --set value=- --or-replace; \
         printf \"A=1\\n\" | \"$C\" env import - --as app; \
         \"$C\" key rotate; \
         \"$C\" key rotate --prune; \
         \"$C\" migrate --to sqlite:$COFFER_HOME/copy.db'"
    );
    let out = sh(&h, &script).output().expect("sh runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&trace).expect("trace");
    let checked = assert_created_private(&text, &home, 0, &[]);
    assert!(checked >= 8, "only {checked} creations seen:\n{text}");
    // The SQL shell's history, through its own trace.
    let existing: Vec<String> = walk(&h.home())
        .into_iter()
        .map(|(p, _, _)| p.to_string_lossy().into_owned())
        .collect();
    sql_shell(&h, 0, &format!("{strace}-sql"));
    let text = std::fs::read_to_string(h.root().join("trace-sql")).expect("trace");
    assert_created_private(&text, &home, 0, &existing);
    assert!(text.contains("sql_history"), "the history was not written:\n{text}");
}

#[test]
fn the_strace_reader_flags_a_wide_creation() {
    let home = "/h";
    let ok = "1 openat(AT_FDCWD</x>, \"/h/db\", O_WRONLY|O_CREAT|O_EXCL|O_CLOEXEC, 0600) = 3</h/db>\n\
              1 openat(AT_FDCWD</x>, \"/h/db\", O_RDWR|O_CREAT|O_NOFOLLOW|O_CLOEXEC, 0644) = 3</h/db>\n\
              2 umask(0177 <unfinished ...>\n\
              1 mkdir(\"/h/d\", 0700) = 0\n\
              2 <... umask resumed>) = 000\n\
              2 openat(AT_FDCWD</x>, \"/h/hist\", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0666) = 4</h/hist>\n";
    assert_eq!(assert_created_private(ok, home, 0, &[]), 4);
    let padded = "3 umask(0177)                       = 000\n\
                  3 openat(AT_FDCWD</x>, \"/h/hist\", O_WRONLY|O_CREAT|O_TRUNC, 0666) = 8</h/hist>\n\
                  3 umask(000)                        = 0177\n\
                  3 openat(AT_FDCWD</x>, \"/h/db\", O_RDWR|O_CREAT|O_NOFOLLOW, 0644) = 3</h/db>\n";
    assert_eq!(assert_created_private(padded, home, 0, &["/h/db".to_string()]), 2);
    for bad in [
        "1 openat(AT_FDCWD</x>, \"/h/db\", O_RDWR|O_CREAT|O_NOFOLLOW|O_CLOEXEC, 0644) = 3</h/db>\n",
        "1 mkdir(\"/h\", 0755) = 0\n",
        "1 fchmod(3</h/db>, 0644) = 0\n",
        "1 openat(AT_FDCWD</x>, \"/h/db\", O_WRONLY|O_CREAT|O_EXCL, 0600) = 3</h/db>\n\
         1 unlink(\"/h/db\") = 0\n\
         1 openat(AT_FDCWD</x>, \"/h/db\", O_RDWR|O_CREAT, 0644) = 3</h/db>\n",
    ] {
        let r = std::panic::catch_unwind(|| assert_created_private(bad, home, 0, &[]));
        assert!(r.is_err(), "not flagged: {bad}");
    }
}
