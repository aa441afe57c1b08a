//! How this machine sandboxes flight runs and the engines of untrusted SQL, and the hidden
//! `coffer __sandbox POLICY -- PROGRAM ARGS` helper that applies a policy to itself and then
//! execs the program (the workspace forbids `unsafe`, so there is no `pre_exec` hook).

use crate::error::UsageError;
use anyhow::{anyhow, Result};
use coffer_model::net::NetPolicy;
use coffer_sandbox::{Policy, RunAs};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The user runs and engines execute as when coffer runs as root, unless `--run-as` says.
pub const DEFAULT_RUN_AS: &str = "nobody";

/// The sandbox settings of a coffer process.
#[derive(Debug, Clone)]
pub struct RunSandbox {
    /// `false`: `--unsandboxed-runs` (a kernel without Landlock).
    pub enabled: bool,
    /// Why this machine cannot sandbox (no Landlock), when it cannot.
    pub unavailable: Option<String>,
    /// The user runs and engines switch to (when coffer runs as root).
    pub run_as: Option<RunAs>,
    /// Where engines may connect: no cloud metadata address, none of this coffer's listeners
    /// ([`RunSandbox::with_listener`]), except the ranges of `--allow-network`.
    pub net: NetPolicy,
    /// Where runs may connect: as engines, but coffer's API listener stays reachable (a run is
    /// given `COFFER_URL` and a run token for it; the API trusts no source address).
    pub run_net: NetPolicy,
}

impl RunSandbox {
    /// Checks whether this kernel can sandbox (unless `unsandboxed`; when it cannot, runs and
    /// sandboxed engines fail with the reason and the way out) and resolves the run user:
    /// `run_as` or `nobody` when coffer runs as root; none otherwise (a non-root coffer cannot
    /// switch users, and `--run-as` is then an error).
    ///
    /// # Errors
    /// An unknown user, `--run-as root`.
    pub fn new(unsandboxed: bool, run_as: Option<&str>, allow_network: &[String]) -> Result<Self> {
        let mut net = NetPolicy::standard();
        for a in allow_network.iter().filter(|a| !a.trim().is_empty()) {
            let range = coffer_model::net::parse_net(a).map_err(|e| UsageError(format!("--allow-network: {e}")))?;
            net = net.with_allow(range);
        }
        if unsandboxed {
            eprintln!(
                "coffer: warning: --unsandboxed-runs: flight runs and the DuckDB engines of remote callers are NOT sandboxed; they can read what coffer's user can (its key file and database among them). Every run's log says so."
            );
            return Ok(RunSandbox {
                enabled: false,
                unavailable: None,
                run_as: None,
                run_net: net.clone(),
                net,
            });
        }
        let unavailable = coffer_sandbox::check_support().err().map(|e| e.to_string());
        let run_as = match (coffer_sandbox::is_root(), run_as) {
            (true, name) => {
                let user = coffer_sandbox::resolve_user(name.unwrap_or(DEFAULT_RUN_AS))
                    .map_err(|e| UsageError(format!("--run-as: {e}")))?;
                if user.uid == 0 || user.gid == 0 {
                    return Err(UsageError(format!(
                        "--run-as {}: runs never execute as root; name an unprivileged user",
                        user.name
                    ))
                    .into());
                }
                Some(user)
            }
            (false, Some(name)) => {
                return Err(UsageError(format!(
                    "--run-as {name}: only a coffer running as root can switch runs to another user"
                ))
                .into())
            }
            (false, None) => None,
        };
        Ok(RunSandbox {
            enabled: true,
            unavailable,
            run_as,
            run_net: net.clone(),
            net,
        })
    }

    /// Adds one of this coffer's listeners to what engines may not reach (on every address of
    /// this machine when it listens on loopback or on all addresses), and to what runs may not
    /// reach unless `runs_reach_it` (the API, which runs are given a token for).
    pub fn with_listener(mut self, addr: std::net::SocketAddr, runs_reach_it: bool) -> Self {
        let local = local_addresses();
        self.net = self.net.with_listener(addr, &local);
        if !runs_reach_it {
            self.run_net = self.run_net.with_listener(addr, &local);
        }
        self
    }

    /// The policy of an engine process: the system's directories read-only, nothing writable
    /// (the engine loads its extensions before it applies the policy); `None` when runs are
    /// unsandboxed.
    ///
    /// # Errors
    /// This machine cannot sandbox.
    pub fn engine_policy(&self) -> Result<Option<Policy>> {
        if !self.enabled {
            return Ok(None);
        }
        if let Some(why) = &self.unavailable {
            return Err(UsageError(why.clone()).into());
        }
        Ok(Some(
            Policy::system()
                .with_run_as(self.run_as.clone())
                .with_net(Some(self.net.clone())),
        ))
    }

    /// The flight runner's sandbox: `coffer __sandbox` as the helper, with what runs must
    /// read besides the system: the Python interpreter's prefixes, the engine, the extension
    /// directory, the library path.
    pub fn flights(&self, extension_dir: &Path, python: &Path) -> coffer_flights::Isolation {
        if !self.enabled {
            return coffer_flights::Isolation::Unsandboxed;
        }
        if let Some(why) = &self.unavailable {
            return coffer_flights::Isolation::Unavailable(why.clone());
        }
        let mut read = engine_reads(extension_dir);
        read.extend(python_prefixes(python));
        if let Some(user) = &self.run_as {
            read.retain(|p| {
                let ok = coffer_sandbox::reachable_by(p, user);
                if !ok && p.exists() {
                    eprintln!(
                        "coffer: warning: runs execute as '{}', who cannot read {}: runs will not see it (make it and its parent directories readable by that user, writable only by coffer's; e.g. set COFFER_EXTENSION_DIR or COFFER_PYTHON to a directory outside coffer's home)",
                        user.name,
                        p.display()
                    );
                }
                ok
            });
        }
        coffer_flights::Isolation::Sandboxed(coffer_flights::Sandbox {
            helper: std::env::current_exe().unwrap_or_else(|_| PathBuf::from("coffer")),
            run_as: self.run_as.clone(),
            read,
            net: Some(self.run_net.clone()),
        })
    }
}

impl RunSandbox {
    /// The policy of `coffer run --sandbox` working in `dir`: a run's (the system's
    /// directories read-only, `dir` writable, the run user); `None` when unsandboxed.
    pub fn command_policy(&self, dir: &Path) -> Option<Policy> {
        if !self.enabled {
            return None;
        }
        Some(
            Policy::system()
                .with_write(dir)
                .with_run_as(self.run_as.clone())
                .with_net(Some(self.run_net.clone())),
        )
    }
}

/// The addresses of this machine's interfaces (for listeners on `0.0.0.0` or `::`).
fn local_addresses() -> Vec<std::net::IpAddr> {
    let Ok(addrs) = nix::ifaddrs::getifaddrs() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for a in addrs {
        let Some(sa) = a.address else { continue };
        if let Some(v4) = sa.as_sockaddr_in() {
            out.push(std::net::IpAddr::V4(v4.ip()));
        } else if let Some(v6) = sa.as_sockaddr_in6() {
            out.push(std::net::IpAddr::V6(v6.ip()));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// What an engine reads: its directory (the executable), the library path (a libduckdb.so
/// linked at run time) and the extension directory.
fn engine_reads(extension_dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![extension_dir.to_path_buf()];
    if let Some(dir) = coffer_engine::EngineConfig::default_exe().parent() {
        out.push(dir.to_path_buf());
    }
    if let Some(lib) = std::env::var_os("LD_LIBRARY_PATH") {
        out.extend(std::env::split_paths(&lib).filter(|p| p.is_absolute()));
    }
    out
}

/// The prefixes of a Python interpreter: a venv's own (`.../venv/bin/python` → `.../venv`) and
/// the base installation it links to.
fn python_prefixes(python: &Path) -> Vec<PathBuf> {
    let resolved = if python.is_absolute() {
        Some(python.to_path_buf())
    } else {
        std::env::var_os("PATH").and_then(|path| {
            std::env::split_paths(&path)
                .map(|d| d.join(python))
                .find(|p| p.is_file())
        })
    };
    let mut out = Vec::new();
    if let Some(p) = resolved {
        for candidate in [Some(p.clone()), std::fs::canonicalize(&p).ok()].into_iter().flatten() {
            if let Some(prefix) = candidate.parent().and_then(Path::parent) {
                if !out.iter().any(|o: &PathBuf| o == prefix) && prefix != Path::new("/usr") && prefix != Path::new("/")
                {
                    out.push(prefix.to_path_buf());
                }
            }
        }
    }
    out
}

/// `coffer __sandbox POLICY -- PROGRAM ARGS` (`args` after `__sandbox`): applies the policy
/// to this process and execs the program. Called before anything else in `main`, while the
/// process has one thread. Returns only on failure (exit code 126, as a shell's "cannot
/// execute").
pub fn helper(args: &[OsString]) -> std::process::ExitCode {
    let result: Result<()> = Policy::from_args(args)
        .map_err(|e| anyhow!("bad sandbox arguments: {e}"))
        .and_then(|(policy, rest)| {
            let (program, args) = rest
                .split_first()
                .ok_or_else(|| anyhow!("no program to run in the sandbox"))?;
            let e = coffer_sandbox::exec(&policy, program, args);
            Err(anyhow!(
                "cannot start '{}' in the run's sandbox: {e}",
                program.to_string_lossy()
            ))
        });
    if let Err(e) = result {
        eprintln!("coffer: error: {e:#}");
    }
    std::process::ExitCode::from(126)
}
