//! The errors of the sandbox ([`SandboxError`]) and its [`Result`].

use nix::errno::Errno;
use std::ffi::OsString;
use std::path::PathBuf;

/// Errors of the sandbox.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// The kernel offers no Landlock.
    #[error(
        "Landlock is not available on this kernel ({reason}; needs Linux 5.13+ with landlock in \
         the lsm= boot list); start coffer with --unsandboxed-runs to run unsandboxed (every \
         run is then recorded as unsandboxed)"
    )]
    LandlockUnavailable {
        /// Why: not built into the kernel, or not enabled at boot.
        reason: &'static str,
    },
    /// [`apply`](crate::apply) was called in a process with several threads.
    #[error(
        "cannot sandbox a process with {threads} threads: Landlock would confine only the \
         calling thread; sandbox from a single-threaded helper process"
    )]
    MultiThreaded {
        /// The thread count read from `/proc/self/status`.
        threads: usize,
    },
    /// The thread count could not be read.
    #[error("cannot count this process's threads in /proc/self/status: {0}")]
    ThreadCount(#[source] std::io::Error),
    /// `run_as` names root (uid or gid 0): that would not drop anything.
    #[error("refusing to sandbox as user {name} (uid {uid}, gid {gid}): runs must not be root")]
    RunAsRoot {
        /// The user name.
        name: String,
        /// Its uid.
        uid: u32,
        /// Its gid.
        gid: u32,
    },
    /// A system call that sets up the sandbox failed.
    #[error("sandbox setup failed at {step}: {source}{hint}")]
    Setup {
        /// What was being done, e.g. `setresuid(65534)`.
        step: String,
        /// The error number.
        #[source]
        source: Errno,
        /// A hint on what to do (may be empty).
        hint: &'static str,
    },
    /// After switching users, `setuid(0)` still succeeded.
    #[error("after switching to user {name} the process could regain root; refusing to run")]
    RegainedRoot {
        /// The user name.
        name: String,
    },
    /// No such user in the passwd database.
    #[error("no user named {name:?} in the passwd database; create it or pick another user")]
    UnknownUser {
        /// The name looked up.
        name: String,
    },
    /// The passwd database could not be read.
    #[error("cannot look up user {name:?}: {source}")]
    UserLookup {
        /// The name looked up.
        name: String,
        /// The error number.
        #[source]
        source: Errno,
    },
    /// A path of the policy exists but could not be opened for a Landlock rule.
    #[error("cannot open {path} for the sandbox policy: {source}")]
    PolicyPath {
        /// The path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The Landlock library or system calls failed.
    #[error("Landlock {step} failed: {source}")]
    Landlock {
        /// What was being done.
        step: &'static str,
        /// The cause.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The kernel did not enforce the whole ruleset.
    #[error(
        "the Landlock ruleset is only {status} on this kernel (ABI {abi}); refusing to run \
         partly sandboxed; start coffer with --unsandboxed-runs to run unsandboxed"
    )]
    NotEnforced {
        /// The enforcement status, e.g. `partially enforced`.
        status: &'static str,
        /// The Landlock ABI in use.
        abi: String,
    },
    /// The policy's command-line form is malformed.
    #[error("bad sandbox arguments: {0}")]
    BadArgs(String),
    /// The program could not be executed (after the sandbox was applied).
    #[error("cannot execute {program:?} in the sandbox: {source}")]
    Exec {
        /// The program.
        program: OsString,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// The result type of this crate.
pub type Result<T> = std::result::Result<T, SandboxError>;

/// A [`SandboxError::Setup`] of `step` without a hint.
pub(crate) fn setup(step: impl Into<String>, source: Errno) -> SandboxError {
    SandboxError::Setup {
        step: step.into(),
        source,
        hint: "",
    }
}
