//! The sandbox against the real kernel.
//!
//! `apply` restricts the calling process for good and refuses a multi-threaded one, so this
//! test has its own `main` (`harness = false`): every case re-executes this binary with
//! `COFFER_SANDBOX_TEST_CHILD=<case>`, and the child runs the sandboxed part on its (only)
//! main thread and reports by its exit status. It answers `--list` like libtest, so both
//! `cargo test` and `cargo nextest` can run and filter the cases.

use coffer_sandbox::{apply, check_support, exec, resolve_user, Policy, SandboxError};
use nix::errno::Errno;
use nix::unistd::{getppid, Gid, Uid};
use std::ffi::OsString;
use std::io::ErrorKind;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const CHILD: &str = "COFFER_SANDBOX_TEST_CHILD";
const SECRET: &str = "s3cr3t-value";

type Case = (&'static str, fn());

const CASES: &[Case] = &[
    ("kernel_supports_landlock", kernel_supports_landlock),
    ("filesystem_rules", filesystem_rules),
    ("exec_inherits_the_sandbox", exec_inherits_the_sandbox),
    ("exec_reports_a_missing_program", exec_reports_a_missing_program),
    (
        "python_runs_under_the_system_policy",
        python_runs_under_the_system_policy,
    ),
    ("signals_to_the_parent_are_refused", signals_to_the_parent_are_refused),
    (
        "abstract_sockets_outside_are_refused",
        abstract_sockets_outside_are_refused,
    ),
    ("parent_environ_is_closed", parent_environ_is_closed),
    ("run_as_nobody_drops_root", run_as_nobody_drops_root),
    ("multi_threaded_process_is_refused", multi_threaded_process_is_refused),
    ("non_dumpable", non_dumpable),
    ("connections_are_supervised", connections_are_supervised),
    ("supervised_exit_status_is_relayed", supervised_exit_status_is_relayed),
];

fn main() {
    if let Ok(case) = std::env::var(CHILD) {
        child(&case);
        return;
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut filters = Vec::new();
    let (mut exact, mut list, mut ignored) = (false, false, false);
    let mut skips = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--exact" => exact = true,
            "--list" => list = true,
            "--ignored" => ignored = true,
            "--skip" => skips.extend(it.next().cloned()),
            "--test-threads" | "--format" | "--color" | "--logfile" | "-Z" => {
                it.next();
            }
            s if s.starts_with('-') => {}
            s => filters.push(s.to_owned()),
        }
    }
    let selected: Vec<&Case> = CASES
        .iter()
        .filter(|(name, _)| {
            let hit = |f: &String| if exact { name == f } else { name.contains(f.as_str()) };
            (filters.is_empty() || filters.iter().any(hit)) && !skips.iter().any(|s| name.contains(s.as_str()))
        })
        .collect();
    if list {
        if !ignored {
            for (name, _) in &selected {
                println!("{name}: test");
            }
        }
        return;
    }
    if ignored {
        println!("\nrunning 0 tests\n\ntest result: ok. 0 passed; 0 failed\n");
        return;
    }
    println!("\nrunning {} tests", selected.len());
    let mut failed = Vec::new();
    for (name, case) in &selected {
        let ok = std::panic::catch_unwind(case).is_ok();
        println!("test {name} ... {}", if ok { "ok" } else { "FAILED" });
        if !ok {
            failed.push(*name);
        }
    }
    println!(
        "\ntest result: {}. {} passed; {} failed; 0 ignored; 0 measured; {} filtered out\n",
        if failed.is_empty() { "ok" } else { "FAILED" },
        selected.len() - failed.len(),
        failed.len(),
        CASES.len() - selected.len()
    );
    if !failed.is_empty() {
        println!("failures: {failed:?}");
        std::process::exit(101);
    }
}

/// Runs this binary as the child for `case` with extra environment variables.
fn run_child(case: &str, env: &[(&str, &Path)]) -> Output {
    let exe = std::env::current_exe().expect("current_exe");
    let mut cmd = Command::new(exe);
    cmd.env(CHILD, case).env("COFFER_TEST_CHILD_SECRET", SECRET);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("spawn the child")
}

/// Runs the child and fails, showing its output, unless it exits 0.
fn child_passes(case: &str, env: &[(&str, &Path)]) -> Output {
    let out = run_child(case, env);
    let shown = format!(
        "child {case}: {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{shown}");
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    out
}

fn var(name: &str) -> PathBuf {
    std::env::var_os(name)
        .unwrap_or_else(|| panic!("{name} not set"))
        .into()
}

/// A directory tree for the filesystem cases: `allowed/file.txt` (to be readable),
/// `secret/secret.txt` (not in the policy) and `out/` (to be writable).
struct Tree {
    _dir: tempfile::TempDir,
    allowed: PathBuf,
    secret: PathBuf,
    out: PathBuf,
}

fn tree() -> Tree {
    let dir = tempfile::tempdir().expect("tempdir");
    let allowed = dir.path().join("allowed");
    let secret = dir.path().join("secret");
    let out = dir.path().join("out");
    for d in [&allowed, &secret, &out] {
        std::fs::create_dir(d).expect("mkdir");
    }
    std::fs::write(allowed.join("file.txt"), "hello\n").expect("write");
    std::fs::write(secret.join("secret.txt"), SECRET).expect("write");
    Tree {
        _dir: dir,
        allowed,
        secret,
        out,
    }
}

impl Tree {
    fn env(&self) -> [(&'static str, &Path); 3] {
        [
            ("T_ALLOWED", &self.allowed),
            ("T_SECRET", &self.secret),
            ("T_OUT", &self.out),
        ]
    }
}

/// The policy of the filesystem cases, as the child builds it from the environment.
fn tree_policy() -> Policy {
    Policy::system()
        .with_read(var("T_ALLOWED"))
        .with_write(var("T_OUT"))
        .with_read("/does/not/exist/coffer")
}

fn denied<T: std::fmt::Debug>(what: &str, r: std::io::Result<T>) {
    match r {
        Err(e) if e.kind() == ErrorKind::PermissionDenied => {}
        other => panic!("{what}: expected permission denied, got {other:?}"),
    }
}

// ---- parent side -----------------------------------------------------------------------

fn kernel_supports_landlock() {
    let abi = check_support().expect("Landlock is needed for these tests");
    assert_eq!(coffer_sandbox::landlock_abi(), Some(abi));
    eprintln!("  Landlock ABI {abi}");
    assert!(abi >= 6, "the signal-scope cases need ABI 6+, have {abi}");
}

fn filesystem_rules() {
    let t = tree();
    child_passes("filesystem_rules", &t.env());
    // What the child wrote is really there.
    let written = std::fs::read_to_string(t.out.join("sub/moved.txt")).expect("read back");
    assert_eq!(written, "written in the sandbox");
}

fn exec_inherits_the_sandbox() {
    let t = tree();
    let allowed = t.allowed.join("file.txt");
    let secret = t.secret.join("secret.txt");
    let env = t.env();
    let run = |target: &Path| {
        let mut env = env.to_vec();
        env.push(("T_TARGET", target));
        run_child("exec_cat", &env)
    };
    let ok = run(&allowed);
    assert!(ok.status.success(), "cat allowed: {ok:?}");
    assert_eq!(String::from_utf8_lossy(&ok.stdout), "hello\n");
    let no = run(&secret);
    let stderr = String::from_utf8_lossy(&no.stderr);
    assert!(!no.status.success(), "cat secret worked: {no:?}");
    assert!(stderr.contains("Permission denied"), "{stderr}");
    assert!(!String::from_utf8_lossy(&no.stdout).contains(SECRET));
}

fn exec_reports_a_missing_program() {
    child_passes("exec_missing", &[]);
}

fn python_runs_under_the_system_policy() {
    if !Path::new("/usr/bin/python3").exists() {
        eprintln!("  skipped: no /usr/bin/python3");
        return;
    }
    let t = tree();
    let out = child_passes("exec_python", &t.env());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("python ok"), "{stdout}");
}

fn signals_to_the_parent_are_refused() {
    child_passes("signals", &[]);
}

fn abstract_sockets_outside_are_refused() {
    use std::os::linux::net::SocketAddrExt;
    let name = format!("coffer-sandbox-test-{}", std::process::id());
    let addr = std::os::unix::net::SocketAddr::from_abstract_name(&name).expect("addr");
    let _listener = std::os::unix::net::UnixListener::bind_addr(&addr).expect("bind");
    let mut cmd = Command::new(std::env::current_exe().expect("current_exe"));
    let out = cmd
        .env(CHILD, "abstract")
        .env("T_SOCKET", &name)
        .output()
        .expect("spawn");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn parent_environ_is_closed() {
    if !coffer_sandbox::is_root() {
        // This process is an ordinary same-uid parent.
        child_passes("environ", &[]);
        return;
    }
    // As root, build the same-uid case: a copy of this binary that nobody can execute runs
    // as nobody (dumpable, like any process of that user) and starts the sandboxed child.
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let exe = dir.path().join("sandbox-test");
    std::fs::copy(std::env::current_exe().expect("current_exe"), &exe).expect("copy");
    let out = Command::new(&exe)
        .env(CHILD, "environ_as_nobody")
        .env("COFFER_TEST_CHILD_SECRET", SECRET)
        .output()
        .expect("spawn");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // A root child that switches to nobody cannot read its root parent's files either.
    child_passes("environ_run_as", &[]);
    // A child that stays root: see child_environ_root.
    child_passes("environ_root", &[]);
}

fn run_as_nobody_drops_root() {
    if !coffer_sandbox::is_root() {
        eprintln!("  skipped: not running as root");
        return;
    }
    let out = child_passes("run_as", &[]);
    // And across exec: the shell sees the same identity.
    let stdout = String::from_utf8_lossy(&out.stdout);
    let nobody = resolve_user("nobody").expect("nobody");
    assert!(
        stdout.contains(&format!("uid={} gid={} groups=[]", nobody.uid, nobody.gid)),
        "{stdout}"
    );
    assert!(stdout.contains("NoNewPrivs:\t1"), "{stdout}");
    assert!(stdout.contains("CapEff:\t0000000000000000"), "{stdout}");
}

fn multi_threaded_process_is_refused() {
    let t = tree();
    child_passes("threads", &t.env());
}

fn non_dumpable() {
    child_passes("dumpable", &[]);
}

/// A listener on 127.0.0.1 that answers every connection with `hi` (a thread; the test
/// process ends it).
fn greeter() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            let mut s = s;
            let _ = std::io::Write::write_all(&mut s, b"hi");
        }
    });
    port
}

/// A run under the connection supervisor: an ordinary port on loopback works (blocking and
/// non-blocking), coffer's listener and the metadata address (in every spelling) are refused
/// at once with EACCES, TCP Fast Open and SCTP are refused, Unix sockets work, and the
/// supervisor says on stderr what it refused.
fn connections_are_supervised() {
    if !Path::new("/usr/bin/python3").exists() {
        eprintln!("  skipped: no /usr/bin/python3");
        return;
    }
    let open = greeter().to_string();
    let coffer = greeter().to_string();
    let out = child_passes(
        "net_python",
        &[("T_OPEN", Path::new(&open)), ("T_COFFER", Path::new(&coffer))],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("net ok"), "{stdout}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("refused a connection to 169.254.169.254:80") && stderr.contains("169.254.0.0/16"),
        "{stderr}"
    );
    assert!(stderr.contains(&format!("127.0.0.1:{coffer}")), "{stderr}");
}

fn supervised_exit_status_is_relayed() {
    let out = run_child("net_exit", &[]);
    assert_eq!(out.status.code(), Some(7), "{out:?}");
    let out = run_child("net_signal", &[]);
    assert_eq!(out.status.signal(), Some(libc_sigterm()), "{out:?}");
}

fn libc_sigterm() -> i32 {
    nix::sys::signal::Signal::SIGTERM as i32
}

/// The network policy of the supervised cases: the standard one plus coffer's listener.
fn net_policy() -> Policy {
    let coffer: u16 = std::env::var("T_COFFER").ok().and_then(|p| p.parse().ok()).unwrap_or(1);
    let net = coffer_model::net::NetPolicy::standard()
        .with_listener(std::net::SocketAddr::from(([127, 0, 0, 1], coffer)), &[]);
    let run_as = if coffer_sandbox::is_root() {
        resolve_user("nobody").ok()
    } else {
        None
    };
    Policy::system().with_run_as(run_as).with_net(Some(net))
}

// ---- child side ------------------------------------------------------------------------

fn child(case: &str) {
    match case {
        "filesystem_rules" => child_filesystem_rules(),
        "exec_cat" => {
            let target = var("T_TARGET");
            let args = ["-c".into(), r#"cat "$0""#.into(), target.into_os_string()];
            let e = exec(&tree_policy(), "/bin/sh".as_ref(), &args);
            panic!("exec failed: {e}");
        }
        "exec_missing" => {
            let e = exec(&Policy::system(), "/no/such/program".as_ref(), &[]);
            assert!(
                matches!(&e, SandboxError::Exec { source, .. } if source.kind() == ErrorKind::NotFound),
                "{e}"
            );
            // The sandbox is in force although exec failed.
            denied("/root after a failed exec", std::fs::read_dir("/root"));
        }
        "exec_python" => {
            // A script that reads what it may, writes its own directory, and is refused
            // the secret.
            let script = r#"
import os, sys, json, tempfile, subprocess
allowed, secret, out = sys.argv[1:4]
assert open(os.path.join(allowed, "file.txt")).read() == "hello\n"
try:
    open(os.path.join(secret, "secret.txt")).read()
    sys.exit("secret was readable")
except PermissionError:
    pass
with tempfile.NamedTemporaryFile(dir=out) as f:
    f.write(b"x")
assert subprocess.run(["/bin/true"]).returncode == 0
print("python ok", os.urandom(4).hex())
"#;
            let args: Vec<OsString> = vec![
                "-c".into(),
                script.into(),
                var("T_ALLOWED").into(),
                var("T_SECRET").into(),
                var("T_OUT").into(),
            ];
            let e = exec(&tree_policy(), "/usr/bin/python3".as_ref(), &args);
            panic!("exec failed: {e}");
        }
        "net_python" => {
            let script = r#"
import errno, os, socket, sys
open_port, coffer_port = int(sys.argv[1]), int(sys.argv[2])
def connect(family, addr, timeout=5):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(addr)
        return s, None
    except OSError as e:
        s.close()
        return None, e.errno
s, err = connect(socket.AF_INET, ("127.0.0.1", open_port))
assert err is None, f"open port refused: {err}"
assert s.recv(2) == b"hi"
s, err = connect(socket.AF_INET, ("localhost", open_port))
assert err is None, f"localhost refused: {err}"
n = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
n.setblocking(False)
r = n.connect_ex(("127.0.0.1", open_port))
assert r in (0, errno.EINPROGRESS), f"non-blocking connect: {r}"
for fam, addr in [(socket.AF_INET, ("127.0.0.1", coffer_port)), (socket.AF_INET, ("0.0.0.0", coffer_port)),
                  (socket.AF_INET, ("169.254.169.254", 80)), (socket.AF_INET6, ("::ffff:169.254.169.254", 80)),
                  (socket.AF_INET6, ("fd00:ec2::254", 80))]:
    s, err = connect(fam, addr)
    assert err == errno.EACCES, f"{addr}: {err}"
f = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
try:
    f.sendto(b"x", socket.MSG_FASTOPEN, ("127.0.0.1", coffer_port))
    sys.exit("fast open was allowed")
except OSError as e:
    assert e.errno == errno.EACCES, e
try:
    socket.socket(socket.AF_INET, socket.SOCK_STREAM, 132)
    sys.exit("sctp was allowed")
except OSError as e:
    assert e.errno == errno.EPROTONOSUPPORT, e
l = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
l.bind("\0coffer-net-test-%d" % os.getpid())
l.listen(1)
u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
u.connect("\0coffer-net-test-%d" % os.getpid())
print("net ok")
"#;
            let args: Vec<OsString> = vec![
                "-c".into(),
                script.into(),
                std::env::var("T_OPEN").expect("T_OPEN").into(),
                std::env::var("T_COFFER").expect("T_COFFER").into(),
            ];
            let e = exec(&net_policy(), "/usr/bin/python3".as_ref(), &args);
            panic!("exec failed: {e}");
        }
        "net_exit" => {
            let e = exec(&net_policy(), "/bin/sh".as_ref(), &["-c".into(), "exit 7".into()]);
            panic!("exec failed: {e}");
        }
        "net_signal" => {
            let e = exec(
                &net_policy(),
                "/bin/sh".as_ref(),
                &["-c".into(), "kill -TERM $$".into()],
            );
            panic!("exec failed: {e}");
        }
        "signals" => child_signals(),
        "environ" => child_environ(),
        "abstract" => {
            use std::os::linux::net::SocketAddrExt;
            use std::os::unix::net::{SocketAddr, UnixListener, UnixStream};
            let name = std::env::var("T_SOCKET").expect("T_SOCKET");
            let outside = SocketAddr::from_abstract_name(&name).expect("addr");
            UnixStream::connect_addr(&outside).expect("connect before the sandbox");
            apply(&Policy::system()).expect("apply");
            let e = UnixStream::connect_addr(&outside).expect_err("connect from the sandbox");
            assert_eq!(e.raw_os_error(), Some(Errno::EPERM as i32), "{e}");
            // A socket made inside the sandbox is reachable from inside.
            let inside = SocketAddr::from_abstract_name(format!("{name}-inside")).expect("addr");
            let _l = UnixListener::bind_addr(&inside).expect("bind inside");
            UnixStream::connect_addr(&inside).expect("connect inside");
        }
        "environ_as_nobody" => {
            let n = resolve_user("nobody").expect("nobody");
            let (u, g) = (Uid::from_raw(n.uid), Gid::from_raw(n.gid));
            nix::unistd::setgroups(&[]).expect("setgroups");
            nix::unistd::setresgid(g, g, g).expect("setresgid");
            nix::unistd::setresuid(u, u, u).expect("setresuid");
            // A credential change makes a process non-dumpable; an ordinary process of the
            // user is dumpable (the kernel resets it on exec).
            nix::sys::prctl::set_dumpable(true).expect("set_dumpable");
            let exe = std::env::current_exe().expect("current_exe");
            let out = Command::new(exe).env(CHILD, "environ").output().expect("spawn");
            print!("{}", String::from_utf8_lossy(&out.stdout));
            eprint!("{}", String::from_utf8_lossy(&out.stderr));
            assert!(out.status.success(), "sandboxed same-uid child failed");
        }
        "environ_run_as" => {
            let parent = getppid();
            let nobody = resolve_user("nobody").expect("nobody");
            apply(&Policy::system().with_run_as(Some(nobody))).expect("apply");
            for f in ["environ", "maps", "mem", "auxv"] {
                denied(f, std::fs::read(format!("/proc/{parent}/{f}")));
            }
        }
        "environ_root" => child_environ_root(),
        "run_as" => child_run_as(),
        "threads" => child_threads(),
        "dumpable" => {
            assert!(nix::sys::prctl::get_dumpable().expect("get_dumpable"));
            coffer_sandbox::set_non_dumpable().expect("set_non_dumpable");
            assert!(!nix::sys::prctl::get_dumpable().expect("get_dumpable"));
        }
        other => panic!("unknown child case {other}"),
    }
}

fn child_filesystem_rules() {
    let allowed = var("T_ALLOWED");
    let secret = var("T_SECRET");
    let out = var("T_OUT");
    // Before: root reads everything.
    assert_eq!(
        std::fs::read_to_string(secret.join("secret.txt")).expect("read"),
        SECRET
    );
    apply(&tree_policy()).expect("apply");

    // read paths: read and list, but no writing.
    assert_eq!(
        std::fs::read_to_string(allowed.join("file.txt")).expect("read allowed"),
        "hello\n"
    );
    assert_eq!(std::fs::read_dir(&allowed).expect("list allowed").count(), 1);
    denied("write into a read path", std::fs::write(allowed.join("new.txt"), "x"));
    denied(
        "open a read-path file for writing",
        std::fs::OpenOptions::new().append(true).open(allowed.join("file.txt")),
    );
    denied(
        "remove from a read path",
        std::fs::remove_file(allowed.join("file.txt")),
    );

    // Outside the policy: nothing.
    denied("read the secret", std::fs::read_to_string(secret.join("secret.txt")));
    denied("list the secret dir", std::fs::read_dir(&secret));
    let parent = out.parent().expect("parent");
    denied("list the tree root", std::fs::read_dir(parent));
    denied(
        "create in /tmp",
        std::fs::write(
            std::env::temp_dir().join(format!("coffer-sandbox-{}", std::process::id())),
            "x",
        ),
    );
    denied("create in /", std::fs::create_dir("/coffer-sandbox-test"));
    denied("read /root", std::fs::read_dir("/root"));
    denied("create in /dev/shm", std::fs::write("/dev/shm/coffer-x", "x"));

    // write path: everything.
    std::fs::create_dir(out.join("sub")).expect("mkdir in out");
    std::fs::write(out.join("sub/new.txt"), "written in the sandbox").expect("write in out");
    std::fs::rename(out.join("sub/new.txt"), out.join("sub/moved.txt")).expect("rename");
    std::fs::write(out.join("gone.txt"), "x").expect("write");
    std::fs::remove_file(out.join("gone.txt")).expect("remove");
    std::os::unix::fs::symlink("/etc/passwd", out.join("link")).expect("symlink");
    // ... but a symlink does not lead outside.
    denied(
        "read the secret via a symlink",
        std::os::unix::fs::symlink(secret.join("secret.txt"), out.join("s"))
            .and_then(|()| std::fs::read_to_string(out.join("s"))),
    );
    // Moving a file from the writable tree to a read-only one is refused.
    std::fs::write(out.join("m.txt"), "x").expect("write");
    let moved = std::fs::rename(out.join("m.txt"), allowed.join("m.txt"));
    let errno = moved.as_ref().err().and_then(std::io::Error::raw_os_error);
    assert!(
        [Some(Errno::EACCES as i32), Some(Errno::EXDEV as i32)].contains(&errno),
        "rename out of the write path: {moved:?}"
    );
    // Devices of the system policy.
    std::fs::write("/dev/null", "x").expect("write /dev/null");
    let mut buf = [0u8; 8];
    std::io::Read::read_exact(
        &mut std::fs::File::open("/dev/urandom").expect("open urandom"),
        &mut buf,
    )
    .expect("read urandom");
}

fn child_signals() {
    use nix::sys::signal::{kill, Signal};
    let parent = getppid();
    kill(parent, None).expect("signal 0 to the parent before the sandbox");
    apply(&Policy::system()).expect("apply");
    assert_eq!(kill(parent, None), Err(Errno::EPERM), "kill -0 parent");
    assert_eq!(kill(parent, Signal::SIGTERM), Err(Errno::EPERM), "SIGTERM parent");
    assert_eq!(kill(nix::unistd::Pid::from_raw(1), None), Err(Errno::EPERM), "init");
    // Its own children share the domain and can be signalled.
    let mut sleeper = Command::new("/bin/sleep").arg("30").spawn().expect("spawn sleep");
    let pid = nix::unistd::Pid::from_raw(i32::try_from(sleeper.id()).expect("pid"));
    kill(pid, Signal::SIGTERM).expect("signal own child");
    let status = sleeper.wait().expect("wait");
    assert_eq!(status.signal(), Some(Signal::SIGTERM as i32));
    // And from a shell across exec: `kill -0 $PPID` fails.
    let out = Command::new("/bin/sh")
        .args(["-c", &format!("kill -0 {parent}")])
        .output()
        .expect("sh");
    assert!(!out.status.success(), "kill -0 from sh worked");
    println!("sh kill: {}", String::from_utf8_lossy(&out.stderr).trim());
}

/// The sandboxed child of a same-uid, unsandboxed parent: Landlock refuses it the parent's
/// ptrace-guarded `/proc` files, which the same process could read just before.
fn child_environ() {
    let parent = getppid();
    let guarded = ["environ", "maps", "auxv", "mem"];
    let before = std::fs::read(format!("/proc/{parent}/environ")).expect("parent environ before");
    assert!(before.contains(&b'='), "parent environ is empty");
    std::fs::read(format!("/proc/{parent}/maps")).expect("parent maps before");
    apply(&Policy::system()).expect("apply");
    for f in guarded {
        denied(f, std::fs::read(format!("/proc/{parent}/{f}")));
    }
    // Its own is fine (and holds what it was given).
    let own = std::fs::read("/proc/self/environ").expect("own environ");
    assert!(String::from_utf8_lossy(&own).contains(SECRET));
    // /proc/<parent>/status (no ptrace check) stays readable.
    std::fs::read_to_string(format!("/proc/{parent}/status")).expect("parent status");
}

/// A sandboxed child that stays root (no `run_as`). Observed on Linux 6.18 (ABI 7): the
/// attach-mode files (`mem`, `stack`, `syscall`) of the unsandboxed parent are refused, but
/// the read-mode ones (`environ`, `maps`, `auxv`) are NOT: root keeps CAP_SYS_PTRACE and
/// Landlock does not stop that here. Hence: runs started as root must use `run_as`.
fn child_environ_root() {
    let parent = getppid();
    apply(&Policy::system()).expect("apply");
    denied("mem", std::fs::read(format!("/proc/{parent}/mem")));
    let environ = std::fs::read(format!("/proc/{parent}/environ"));
    eprintln!(
        "  note: a sandboxed child that stays root reads its parent's environ: {}",
        if environ.is_ok() { "yes (use run_as)" } else { "no" }
    );
}

fn child_run_as() {
    let nobody = resolve_user("nobody").expect("nobody");
    apply(&Policy::system().with_run_as(Some(nobody.clone()))).expect("apply");
    let ids = nix::unistd::getresuid().expect("getresuid");
    let gids = nix::unistd::getresgid().expect("getresgid");
    let want_u = Uid::from_raw(nobody.uid);
    let want_g = Gid::from_raw(nobody.gid);
    assert_eq!([ids.real, ids.effective, ids.saved], [want_u; 3]);
    assert_eq!([gids.real, gids.effective, gids.saved], [want_g; 3]);
    assert!(nix::unistd::getgroups().expect("getgroups").is_empty());
    assert_eq!(nix::unistd::setuid(Uid::from_raw(0)), Err(Errno::EPERM));
    assert_eq!(nix::unistd::setgid(Gid::from_raw(0)), Err(Errno::EPERM));
    assert!(nix::sys::prctl::get_no_new_privs().expect("nnp"));
    let status = std::fs::read_to_string("/proc/self/status").expect("status");
    assert!(status.contains("NoNewPrivs:\t1"), "{status}");
    assert!(status.contains("CapEff:\t0000000000000000"), "{status}");
    assert!(status.contains("CapPrm:\t0000000000000000"), "{status}");
    // Across exec too.
    let script = r#"echo "uid=$(id -u) gid=$(id -g) groups=[$(id -G | tr ' ' '\n' | grep -vx "$(id -g)")]"; grep -E '^(NoNewPrivs|CapEff)' /proc/self/status"#;
    let e = exec(
        &Policy::system().with_run_as(Some(nobody)),
        "/bin/sh".as_ref(),
        &["-c".into(), script.into()],
    );
    // Switching users again is refused now that the process is no longer root.
    assert!(matches!(e, SandboxError::Setup { .. }), "{e}");
    assert!(e.to_string().contains("needs root"), "{e}");
    let e = exec(&Policy::system(), "/bin/sh".as_ref(), &["-c".into(), script.into()]);
    panic!("exec failed: {e}");
}

fn child_threads() {
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let t = std::thread::spawn(move || {
        let _ = rx.recv();
    });
    let e = apply(&tree_policy()).expect_err("apply with two threads");
    assert!(matches!(e, SandboxError::MultiThreaded { threads: 2 }), "{e}");
    assert!(e.to_string().contains("single-threaded"), "{e}");
    // Nothing was changed: still unrestricted, no no_new_privs.
    assert!(!nix::sys::prctl::get_no_new_privs().expect("nnp"));
    std::fs::read_to_string(var("T_SECRET").join("secret.txt")).expect("still readable");
    drop(tx);
    t.join().expect("join");
    // With the thread gone (the kernel may take a moment to reap it), it works.
    let start = std::time::Instant::now();
    loop {
        match apply(&tree_policy()) {
            Ok(()) => break,
            Err(SandboxError::MultiThreaded { .. }) if start.elapsed().as_secs() < 5 => {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Err(e) => panic!("apply single-threaded: {e}"),
        }
    }
    denied(
        "secret after apply",
        std::fs::read_to_string(var("T_SECRET").join("secret.txt")),
    );
}
