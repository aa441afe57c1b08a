//! coffer's process sandbox for flight runs and the DuckDB engine process.
//!
//! # The model
//!
//! A process sandboxes **itself** and then `exec`s the real program, which inherits the
//! sandbox (coffer forbids `unsafe`, so there is no `pre_exec` hook: the parent starts a
//! single-threaded re-exec helper, e.g. `coffer __sandbox <policy args> -- program args`).
//! [`apply`] does, in this order and irreversibly:
//!
//! 1. `PR_SET_NO_NEW_PRIVS`: no later `exec` can gain privileges (setuid bits, file caps).
//! 2. With [`Policy::run_as`]: drop all supplementary groups, then `setresgid` and
//!    `setresuid` to the user, and check that `setuid(0)` now fails.
//! 3. A Landlock ruleset that handles every filesystem right of the kernel's ABI, so any
//!    access not granted beneath [`Policy::read`] (read + execute) or [`Policy::write`]
//!    (everything) is denied, even to root. With ABI 6+ it also scopes signals and abstract
//!    unix sockets: the process cannot signal or connect to anything outside its domain.
//!    Landlock also refuses `ptrace` (and so `/proc/<pid>/environ`, `mem`, ...) of any
//!    process outside the domain. The ruleset must be fully enforced, else [`apply`] fails.
//!
//! A process that stays root keeps `CAP_SYS_PTRACE`: on Linux 6.18 it could still read the
//! `environ`, `maps` and `auxv` of its unsandboxed parent (only `mem` and other attach-mode
//! files were refused). So a coffer running as root must give every run a [`Policy::run_as`]
//! user, and should call [`set_non_dumpable`] on itself.
//!
//! With [`Policy::net`], [`exec`] also confines every connection to a
//! [`coffer_model::net::NetPolicy`] (no cloud metadata address, none of coffer's own
//! listeners) through a supervisor process: see [`net`] ([`net::confine`]).
//! [`Policy::system`] is the base for runs: the system's
//! program and library directories read-only plus a few device files. [`Policy::to_args`]
//! and [`Policy::from_args`] carry a policy to the helper; [`exec`] is `apply` + `exec`.
//! [`check_support`] tells up front whether this kernel can sandbox at all. Errors are
//! [`SandboxError`].
//!
//! # Threads
//!
//! Landlock (before ABI 8's TSYNC) and the raw credential syscalls restrict only the calling
//! thread, so [`apply`] refuses to run in a process with more than one thread
//! ([`SandboxError::MultiThreaded`]) instead of leaving other threads unconfined.

#![deny(missing_docs)]
// Only the `net` module may use `unsafe` (it says why); everything else stays safe.
#![deny(unsafe_code)]

mod error;
pub mod net;
mod threads;

pub use error::{Result, SandboxError};

use error::setup;
use threads::thread_count;

use landlock::{
    Access, AccessFs, BitFlags, CompatLevel, Compatible, LandlockStatus, PathBeneath, PathFd, RestrictSelf, Ruleset,
    RulesetAttr, RulesetCreatedAttr, RulesetStatus, Scope, ABI,
};
use nix::unistd::{Gid, Uid};
use std::ffi::{OsStr, OsString};
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};

/// A user to run as: uid, gid and no supplementary groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunAs {
    /// The user name (for messages; the ids are what count).
    pub name: String,
    /// The user id.
    pub uid: u32,
    /// The group id.
    pub gid: u32,
}

/// Whether `user` (no supplementary groups) may open `path`: search permission on every
/// directory above it and read permission on it, by the mode bits that apply to that user.
pub fn reachable_by(path: &Path, user: &RunAs) -> bool {
    use std::os::unix::fs::MetadataExt;
    let allowed = |m: &std::fs::Metadata, bit: u32| {
        let mode = m.mode();
        if m.uid() == user.uid {
            mode & (bit << 6) != 0
        } else if m.gid() == user.gid {
            mode & (bit << 3) != 0
        } else {
            mode & bit != 0
        }
    };
    let Ok(full) = std::fs::canonicalize(path) else {
        return false;
    };
    for dir in full.ancestors().skip(1) {
        match std::fs::metadata(dir) {
            Ok(m) if allowed(&m, 0o1) => {}
            _ => return false,
        }
    }
    std::fs::metadata(&full).is_ok_and(|m| allowed(&m, 0o4))
}

/// What a sandboxed process may reach.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// Read (and execute) access beneath these paths (files or directories).
    pub read: Vec<PathBuf>,
    /// Full access (read, write, create, remove, execute) beneath these paths.
    pub write: Vec<PathBuf>,
    /// Switch to this user (uid, gid, no supplementary groups) before restricting; None = stay.
    pub run_as: Option<RunAs>,
    /// Check every connection against this policy ([`net::confine`]); None = unchecked.
    pub net: Option<coffer_model::net::NetPolicy>,
}

/// Directories of [`Policy::system`] that are readable (and executable).
pub const SYSTEM_READ: &[&str] = &[
    "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt", "/proc", "/sys",
];

/// Device files of [`Policy::system`] that are readable and writable.
pub const SYSTEM_DEVICES: &[&str] = &[
    "/dev/null",
    "/dev/zero",
    "/dev/full",
    "/dev/random",
    "/dev/urandom",
    "/dev/tty",
];

impl Policy {
    /// The system's program and library directories, read-only ([`SYSTEM_READ`]: `/usr`,
    /// `/bin`, `/sbin`, `/lib*`, `/etc`, `/opt`, `/proc`, `/sys`), plus read-write on the
    /// device files [`SYSTEM_DEVICES`] (`/dev/null`, `/dev/zero`, `/dev/full`,
    /// `/dev/random`, `/dev/urandom`, `/dev/tty`); only the paths that exist here.
    ///
    /// Not included: the rest of `/dev` (`/dev/shm`, `/dev/pts`: no shared memory or other
    /// terminals; Python's `multiprocessing` locks and pools need `/dev/shm` and fail with
    /// `PermissionError`), `/tmp`, `/var`, `/home`, `/root`, `/run`. Add the run's own
    /// directory with [`with_write`](Self::with_write) and point `TMPDIR` at it (Python's
    /// `tempfile` and `mktemp` need a writable `TMPDIR`). `/dev/stdout` and `/dev/fd/N` work
    /// for pipes (they go through `/proc/self/fd`). `/proc` is readable, but Landlock denies
    /// the ptrace-guarded `/proc/<pid>` files (`environ`, `maps`, `mem`, ...) of processes
    /// outside the sandbox, unless the sandboxed process is root (see the crate docs). `/etc`
    /// is readable: run as an unprivileged user ([`with_run_as`](Self::with_run_as)) so that
    /// file permissions keep `/etc/shadow` out.
    pub fn system() -> Policy {
        let existing = |list: &[&str]| {
            list.iter()
                .map(PathBuf::from)
                .filter(|p| p.exists())
                .collect::<Vec<_>>()
        };
        Policy {
            read: existing(SYSTEM_READ),
            write: existing(SYSTEM_DEVICES),
            run_as: None,
            net: None,
        }
    }

    /// Adds a path readable (and executable) beneath.
    pub fn with_read(mut self, p: impl Into<PathBuf>) -> Self {
        self.read.push(p.into());
        self
    }

    /// Adds a path with full access beneath.
    pub fn with_write(mut self, p: impl Into<PathBuf>) -> Self {
        self.write.push(p.into());
        self
    }

    /// Sets the user to switch to (None: stay).
    pub fn with_run_as(mut self, r: Option<RunAs>) -> Self {
        self.run_as = r;
        self
    }

    /// Sets the network policy (None: connections unchecked).
    pub fn with_net(mut self, n: Option<coffer_model::net::NetPolicy>) -> Self {
        self.net = n;
        self
    }

    /// Encodes the policy as command-line arguments for the re-exec helper: `--read P` and
    /// `--write P` per path, `--run-as NAME:UID:GID`, `--net check` and the network policy's
    /// options (`--net-deny NET`, ...). Append `--`, the program and its
    /// arguments; [`from_args`](Self::from_args) parses the whole back. Paths are passed as
    /// they are (non-UTF-8 bytes included).
    pub fn to_args(&self) -> Vec<OsString> {
        let mut args = Vec::new();
        for p in &self.read {
            args.push("--read".into());
            args.push(p.clone().into_os_string());
        }
        for p in &self.write {
            args.push("--write".into());
            args.push(p.clone().into_os_string());
        }
        if let Some(r) = &self.run_as {
            args.push("--run-as".into());
            args.push(format!("{}:{}:{}", r.name, r.uid, r.gid).into());
        }
        if let Some(n) = &self.net {
            args.push("--net".into());
            args.push("check".into());
            args.extend(n.to_args().into_iter().map(OsString::from));
        }
        args
    }

    /// Parses what [`to_args`](Self::to_args) wrote, then `--`, then the program and its
    /// arguments, which are returned as they are.
    ///
    /// # Errors
    ///
    /// [`SandboxError::BadArgs`] for an unknown option, a missing or empty value, a second
    /// `--run-as`, a malformed `NAME:UID:GID`, a missing `--` or no program after it.
    pub fn from_args(args: &[OsString]) -> Result<(Policy, Vec<OsString>)> {
        let bad = |m: String| Err(SandboxError::BadArgs(m));
        let mut policy = Policy::default();
        let mut it = args.iter();
        loop {
            let Some(arg) = it.next() else {
                return bad("missing `--` before the program".into());
            };
            if arg == "--" {
                break;
            }
            let Some(value) = it.next() else {
                return bad(format!("{} needs a value", arg.to_string_lossy()));
            };
            if value.is_empty() {
                return bad(format!("{} has an empty value", arg.to_string_lossy()));
            }
            match arg.to_str() {
                Some("--read") => policy.read.push(PathBuf::from(value)),
                Some("--write") => policy.write.push(PathBuf::from(value)),
                Some("--run-as") => {
                    if policy.run_as.is_some() {
                        return bad("--run-as given twice".into());
                    }
                    policy.run_as = Some(parse_run_as(value)?);
                }
                Some("--net") if value == "check" => {
                    policy.net.get_or_insert_with(empty_net);
                }
                Some(opt) if opt.starts_with("--net-") => {
                    let net = policy.net.get_or_insert_with(empty_net);
                    let v = value
                        .to_str()
                        .ok_or_else(|| SandboxError::BadArgs(format!("{opt}: not UTF-8")))?;
                    match net.take_arg(opt, v) {
                        Ok(true) => {}
                        Ok(false) => return bad(format!("unknown option {opt:?}")),
                        Err(m) => return bad(m),
                    }
                }
                _ => return bad(format!("unknown option {:?}", arg.to_string_lossy())),
            }
        }
        let rest: Vec<OsString> = it.cloned().collect();
        if rest.first().is_none_or(|p| p.is_empty()) {
            return bad("no program after `--`".into());
        }
        Ok((policy, rest))
    }
}

fn empty_net() -> coffer_model::net::NetPolicy {
    coffer_model::net::NetPolicy {
        deny: Vec::new(),
        deny_ports: Vec::new(),
        allow: Vec::new(),
    }
}

fn parse_run_as(value: &OsStr) -> Result<RunAs> {
    let bad = || {
        SandboxError::BadArgs(format!(
            "--run-as wants NAME:UID:GID, got {:?}",
            value.to_string_lossy()
        ))
    };
    let s = value.to_str().ok_or_else(bad)?;
    let mut parts = s.rsplitn(3, ':');
    let gid = parts.next().and_then(|g| g.parse().ok()).ok_or_else(bad)?;
    let uid = parts.next().and_then(|u| u.parse().ok()).ok_or_else(bad)?;
    let name = parts.next().filter(|n| !n.is_empty()).ok_or_else(bad)?;
    Ok(RunAs {
        name: name.to_owned(),
        uid,
        gid,
    })
}

/// The kernel's Landlock status, queried without side effects.
fn landlock_status() -> LandlockStatus {
    // No flags and no no_new_privs: `apply` only asks the kernel for its ABI version.
    match RestrictSelf::default().no_new_privs(false).apply() {
        Ok(s) => s.landlock,
        Err(_) => LandlockStatus::NotImplemented,
    }
}

/// The Landlock ABI version the kernel offers (None when Landlock is unsupported or
/// disabled).
pub fn landlock_abi() -> Option<u32> {
    match landlock_status() {
        LandlockStatus::Available {
            effective_abi,
            kernel_abi,
        } => Some(kernel_abi.map_or(effective_abi as u32, |k| k as u32)),
        _ => None,
    }
}

/// Why runs cannot be sandboxed here, or the Landlock ABI version.
///
/// # Errors
///
/// [`SandboxError::LandlockUnavailable`] when the kernel lacks Landlock (not built in, or not
/// in the `lsm=` boot list).
pub fn check_support() -> Result<u32> {
    match landlock_status() {
        LandlockStatus::NotEnabled => Err(SandboxError::LandlockUnavailable {
            reason: "built in but not enabled at boot",
        }),
        LandlockStatus::NotImplemented => Err(SandboxError::LandlockUnavailable {
            reason: "not built into the kernel",
        }),
        _ => landlock_abi().ok_or(SandboxError::LandlockUnavailable {
            reason: "unknown status",
        }),
    }
}

/// Resolves a user name (e.g. `nobody`) to a [`RunAs`] via the passwd database.
///
/// # Errors
///
/// [`SandboxError::UnknownUser`] when there is no such user, [`SandboxError::UserLookup`]
/// when the database cannot be read.
pub fn resolve_user(name: &str) -> Result<RunAs> {
    match nix::unistd::User::from_name(name) {
        Ok(Some(u)) => Ok(RunAs {
            name: u.name,
            uid: u.uid.as_raw(),
            gid: u.gid.as_raw(),
        }),
        Ok(None) => Err(SandboxError::UnknownUser { name: name.into() }),
        Err(source) => Err(SandboxError::UserLookup {
            name: name.into(),
            source,
        }),
    }
}

/// Whether this process runs as root (effective uid 0).
pub fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// Marks this process non-dumpable (`PR_SET_DUMPABLE` 0): its `/proc/<pid>/environ`, `mem`,
/// `fd/` and the like become owned by root and closed to other processes of the same user,
/// and it cannot be ptraced by them. The kernel resets this on `exec` of a normal program.
///
/// # Errors
///
/// [`SandboxError::Setup`] when `prctl` fails.
pub fn set_non_dumpable() -> Result<()> {
    nix::sys::prctl::set_dumpable(false).map_err(|e| setup("prctl(PR_SET_DUMPABLE, 0)", e))
}

/// Checks what can be checked before anything irreversible happens.
fn precheck(policy: &Policy) -> Result<()> {
    let threads = thread_count()?;
    if threads != 1 {
        return Err(SandboxError::MultiThreaded { threads });
    }
    if let Some(r) = &policy.run_as {
        if r.uid == 0 || r.gid == 0 {
            return Err(SandboxError::RunAsRoot {
                name: r.name.clone(),
                uid: r.uid,
                gid: r.gid,
            });
        }
    }
    Ok(())
}

fn switch_user(r: &RunAs) -> Result<()> {
    let hint = if is_root() {
        ""
    } else {
        " (switching users needs root; start coffer as root or without a run-as user)"
    };
    let fail = |step: String| move |source| SandboxError::Setup { step, source, hint };
    let (uid, gid) = (Uid::from_raw(r.uid), Gid::from_raw(r.gid));
    nix::unistd::setgroups(&[]).map_err(fail("setgroups([])".into()))?;
    nix::unistd::setresgid(gid, gid, gid).map_err(fail(format!("setresgid({})", r.gid)))?;
    nix::unistd::setresuid(uid, uid, uid).map_err(fail(format!("setresuid({})", r.uid)))?;
    if nix::unistd::setuid(Uid::from_raw(0)).is_ok() {
        return Err(SandboxError::RegainedRoot { name: r.name.clone() });
    }
    let ids = nix::unistd::getresuid().map_err(fail("getresuid".into()))?;
    let gids = nix::unistd::getresgid().map_err(fail("getresgid".into()))?;
    let groups = nix::unistd::getgroups().map_err(fail("getgroups".into()))?;
    if [ids.real, ids.effective, ids.saved] != [uid; 3]
        || [gids.real, gids.effective, gids.saved] != [gid; 3]
        || !groups.is_empty()
    {
        return Err(SandboxError::RegainedRoot { name: r.name.clone() });
    }
    Ok(())
}

/// Opens `path` for a rule with `access` (reduced to the file rights when it is not a
/// directory); None when it does not exist.
fn rule(path: &Path, access: BitFlags<AccessFs>, abi: ABI) -> Result<Option<PathBeneath<PathFd>>> {
    let fd = match PathFd::new(path) {
        Ok(fd) => fd,
        Err(landlock::PathFdError::OpenCall { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            return Ok(None)
        }
        Err(landlock::PathFdError::OpenCall { source, .. }) => {
            return Err(SandboxError::PolicyPath {
                path: path.into(),
                source,
            })
        }
        Err(e) => {
            return Err(SandboxError::PolicyPath {
                path: path.into(),
                source: std::io::Error::other(e.to_string()),
            })
        }
    };
    let stat = nix::sys::stat::fstat(fd.as_fd().as_raw_fd()).map_err(|e| SandboxError::PolicyPath {
        path: path.into(),
        source: e.into(),
    })?;
    let is_dir = stat.st_mode & nix::libc::S_IFMT == nix::libc::S_IFDIR;
    let access = if is_dir {
        access
    } else {
        access & AccessFs::from_file(abi)
    };
    Ok(Some(PathBeneath::new(fd, access)))
}

fn landlock_err(step: &'static str) -> impl FnOnce(landlock::RulesetError) -> SandboxError {
    move |e| SandboxError::Landlock {
        step,
        source: Box::new(e),
    }
}

/// Applies `policy` to the current process, irreversibly.
///
/// In this order: checks that the process has a single thread (see the crate docs); sets
/// `no_new_privs`; with [`Policy::run_as`]: `setgroups([])`, `setresgid(g,g,g)`,
/// `setresuid(u,u,u)` and checks that `setuid(0)` fails; then builds a Landlock ruleset that
/// handles all filesystem rights of the kernel's ABI (`AccessFs::from_all`), grants read and
/// execute beneath [`Policy::read`] and everything beneath [`Policy::write`] (file paths get
/// the file rights only; paths that do not exist are skipped, other open errors fail), scopes
/// signals and abstract unix sockets when the ABI is 6 or more, and enforces it with
/// `landlock_restrict_self`.
///
/// The whole request is tailored to the kernel's ABI and must be **fully enforced**: a
/// partially enforced or unenforced ruleset is an error, never a silent downgrade. On ABI 1
/// to 5 this means "fully" lacks what those ABIs lack (signal and socket scoping from ABI 6,
/// `truncate` from 3, device `ioctl` from 5). The network is not restricted.
///
/// Without `run_as`, a root process stays root inside the sandbox: Landlock still confines
/// its filesystem access, signals and ptrace-attach, but file permissions no longer help and
/// `CAP_SYS_PTRACE` lets it read other processes' `/proc/<pid>/environ` (see the crate docs).
///
/// # Errors
///
/// [`SandboxError::MultiThreaded`] or [`SandboxError::RunAsRoot`] before any change;
/// afterwards [`SandboxError::Setup`], [`SandboxError::RegainedRoot`],
/// [`SandboxError::PolicyPath`], [`SandboxError::LandlockUnavailable`],
/// [`SandboxError::Landlock`] or [`SandboxError::NotEnforced`], after which the process may be
/// partly restricted and should exit.
pub fn apply(policy: &Policy) -> Result<()> {
    precheck(policy)?;
    nix::sys::prctl::set_no_new_privs().map_err(|e| setup("prctl(PR_SET_NO_NEW_PRIVS)", e))?;
    if let Some(r) = &policy.run_as {
        switch_user(r)?;
    }
    let abi = match landlock_status() {
        LandlockStatus::Available { effective_abi, .. } => effective_abi,
        _ => {
            check_support()?;
            return Err(SandboxError::LandlockUnavailable {
                reason: "unknown status",
            });
        }
    };
    let all = AccessFs::from_all(abi);
    let read = AccessFs::from_read(abi);
    let mut ruleset = Ruleset::default()
        .set_compatibility(CompatLevel::HardRequirement)
        .handle_access(all)
        .map_err(landlock_err("handle_access"))?;
    let scopes = Scope::from_all(abi);
    if !scopes.is_empty() {
        ruleset = ruleset.scope(scopes).map_err(landlock_err("scope"))?;
    }
    let mut created = ruleset.create().map_err(landlock_err("create"))?;
    let wanted = policy
        .read
        .iter()
        .map(|p| (p, read))
        .chain(policy.write.iter().map(|p| (p, all)));
    for (path, access) in wanted {
        if let Some(r) = rule(path, access, abi)? {
            created = created.add_rule(r).map_err(landlock_err("add_rule"))?;
        }
    }
    let status = created.restrict_self().map_err(landlock_err("restrict_self"))?;
    let not_enforced = |status| SandboxError::NotEnforced {
        status,
        abi: abi.to_string(),
    };
    match status.ruleset {
        RulesetStatus::FullyEnforced => {}
        RulesetStatus::PartiallyEnforced => return Err(not_enforced("partially enforced")),
        RulesetStatus::NotEnforced => return Err(not_enforced("not enforced")),
    }
    if !status.no_new_privs {
        return Err(not_enforced("enforced without no_new_privs"));
    }
    Ok(())
}

/// [`apply`]s `policy` (and, with [`Policy::net`], [`net::confine`]s this process: the
/// program then runs as a child of its connection supervisor), then replaces this process
/// with `program args`, inheriting the environment, working directory and open file
/// descriptors (those without close-on-exec). A `program` without a `/` is looked up in
/// `PATH`. Returns only on failure.
pub fn exec(policy: &Policy, program: &OsStr, args: &[OsString]) -> SandboxError {
    if let Err(e) = apply(policy) {
        return e;
    }
    if let Some(n) = &policy.net {
        if let Err(e) = net::confine(n) {
            return e;
        }
    }
    let source = std::process::Command::new(program).args(args).exec();
    SandboxError::Exec {
        program: program.into(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::ffi::OsStringExt;

    fn os(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    #[test]
    fn args_round_trip() {
        let weird = OsString::from_vec(b"/tmp/a b/\xff\xfe-not-utf8".to_vec());
        let policy = Policy::system()
            .with_read("/data/with space")
            .with_read(PathBuf::from(weird.clone()))
            .with_write("--")
            .with_write("/run/x:y")
            .with_run_as(Some(RunAs {
                name: "nobody".into(),
                uid: 65534,
                gid: 65534,
            }));
        let mut args = policy.to_args();
        args.extend(os(&["--", "/bin/sh", "-c", "--read x"]));
        let (back, rest) = Policy::from_args(&args).expect("parses");
        assert_eq!(back, policy);
        assert_eq!(rest, os(&["/bin/sh", "-c", "--read x"]));
        assert!(back.read.contains(&PathBuf::from(weird)));
    }

    fn arb_path() -> impl proptest::strategy::Strategy<Value = PathBuf> {
        use proptest::prelude::*;
        // Any bytes but NUL (which no path can hold), not empty.
        proptest::collection::vec(1u8..=255, 1..40).prop_map(|b| PathBuf::from(OsString::from_vec(b)))
    }

    proptest::proptest! {
        #[test]
        fn args_round_trip_any(
            read in proptest::collection::vec(arb_path(), 0..5),
            write in proptest::collection::vec(arb_path(), 0..5),
            run_as in proptest::option::of(("[a-z_][a-z0-9_:-]{0,15}", 1u32.., 1u32..)),
            rest in proptest::collection::vec(arb_path(), 1..4),
        ) {
            let run_as = run_as.map(|(name, uid, gid)| RunAs { name, uid, gid });
            let policy = Policy { read, write, run_as, net: None };
            let rest: Vec<OsString> = rest.into_iter().map(PathBuf::into_os_string).collect();
            let mut args = policy.to_args();
            args.push("--".into());
            args.extend(rest.iter().cloned());
            let (back, back_rest) = Policy::from_args(&args).expect("parses");
            proptest::prop_assert_eq!(back, policy);
            proptest::prop_assert_eq!(back_rest, rest);
        }
    }

    #[test]
    fn args_empty_policy() {
        let (p, rest) = Policy::from_args(&os(&["--", "true"])).expect("parses");
        assert_eq!(p, Policy::default());
        assert_eq!(rest, os(&["true"]));
    }

    #[test]
    fn args_errors() {
        for bad in [
            &[][..],
            &["--read", "/usr"][..],
            &["--read"][..],
            &["--read", "", "--", "x"][..],
            &["--bogus", "x", "--", "x"][..],
            &["/usr", "--", "x"][..],
            &["--", ""][..],
            &["--"][..],
            &["--run-as", "nobody", "--", "x"][..],
            &["--run-as", "nobody:1", "--", "x"][..],
            &["--run-as", ":1:2", "--", "x"][..],
            &["--run-as", "n:x:2", "--", "x"][..],
            &["--run-as", "n:1:-2", "--", "x"][..],
            &["--run-as", "a:1:2", "--run-as", "b:1:2", "--", "x"][..],
        ] {
            let r = Policy::from_args(&os(bad));
            assert!(matches!(r, Err(SandboxError::BadArgs(_))), "{bad:?} gave {r:?}");
        }
    }

    #[test]
    fn run_as_name_with_colon_parses() {
        let r = parse_run_as(OsStr::new("a:b:1:2")).expect("parses");
        assert_eq!((r.name.as_str(), r.uid, r.gid), ("a:b", 1, 2));
    }

    #[test]
    fn system_policy_lists_existing_paths_only() {
        let p = Policy::system();
        assert!(p.read.contains(&PathBuf::from("/usr")));
        assert!(p.write.contains(&PathBuf::from("/dev/null")));
        assert!(!p.write.iter().any(|w| w.starts_with("/dev/shm")));
        assert!(p.read.iter().chain(&p.write).all(|x| x.exists()));
        assert_eq!(p.run_as, None);
    }

    #[test]
    fn users_resolve() {
        let root = resolve_user("root").expect("root exists");
        assert_eq!((root.uid, root.gid), (0, 0));
        assert!(matches!(
            resolve_user("no-such-user-coffer"),
            Err(SandboxError::UnknownUser { .. })
        ));
    }

    #[test]
    fn precheck_refuses_root_and_threads() {
        // The test harness runs tests on their own threads: the thread check fires first.
        let p = Policy::default().with_run_as(resolve_user("root").ok());
        let e = precheck(&p).expect_err("refused");
        assert!(
            matches!(e, SandboxError::MultiThreaded { .. } | SandboxError::RunAsRoot { .. }),
            "{e}"
        );
        let e = apply(&p).expect_err("refused");
        assert!(
            matches!(e, SandboxError::MultiThreaded { .. } | SandboxError::RunAsRoot { .. }),
            "{e}"
        );
    }

    #[test]
    fn support_is_reported() {
        match check_support() {
            Ok(abi) => assert_eq!(landlock_abi(), Some(abi)),
            Err(e) => {
                assert_eq!(landlock_abi(), None);
                assert!(e.to_string().contains("--unsandboxed-runs"));
            }
        }
    }
}
