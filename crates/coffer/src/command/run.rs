//! `coffer run -- CMD ARGS`: a command with the project's secrets in its environment and every
//! sensitive value masked in what it prints (what `doppler run` and `op run` do).

use super::ctx::Ctx;
use crate::error::{ExitWith, UsageError};
use anyhow::{Context, Result};
use coffer_api::types::EnvBody;
use coffer_api::{CofferApi, ResolvedEnv};
use std::io::{Read, Write};
use std::process::{Command as Process, Stdio};

/// `coffer run`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A secret whose fields become variables (`my_s3` → MY_S3_KEY_ID, MY_S3_SECRET, ...; a
    /// flights secret's params → MY_API_SECRET_API_KEY). Repeat for several. Every `generic`
    /// secret of the project is injected under its own name without being named here.
    #[arg(long = "secret", short = 's', value_name = "NAME")]
    secrets: Vec<String>,
    /// A plain (non-secret) variable: KEY=VALUE. Repeat for several.
    #[arg(long = "config", short = 'c', value_name = "KEY=VALUE")]
    config: Vec<String>,
    /// Leave the project's generic secrets out.
    #[arg(long)]
    no_project_env: bool,
    /// Pass the command's output through unmasked (it still never holds a value coffer
    /// printed itself).
    #[arg(long)]
    no_mask: bool,
    /// Run the command in a flight run's sandbox: its own Landlock domain (the system's
    /// directories read-only, a fresh working directory writable, nothing else: not coffer's
    /// home, not your files), no_new_privs, the run user when coffer runs as root, an
    /// environment built from nothing but its variables, PATH, HOME and TMPDIR.
    #[arg(long)]
    sandbox: bool,
    /// The command and its arguments.
    #[arg(last = true, required = true, value_name = "CMD")]
    command: Vec<String>,
}

fn parse_config(items: &[String]) -> Result<Vec<(String, String)>> {
    let mut out: Vec<(String, String)> = Vec::new();
    for item in items {
        let Some((k, v)) = item.split_once('=') else {
            return Err(UsageError(format!("invalid --config '{item}': use KEY=VALUE")).into());
        };
        if k.is_empty() || k.contains('\0') || v.contains('\0') {
            return Err(UsageError(format!(
                "invalid --config key '{k}': a variable name must be non-empty and hold no NUL"
            ))
            .into());
        }
        if out.iter().any(|(e, _)| e == k) {
            return Err(UsageError(format!("--config {k} is given twice; give each key once")).into());
        }
        out.push((k.to_string(), v.to_string()));
    }
    Ok(out)
}

/// Copies `from` to `to` through a mask stream.
fn pump(mut from: impl Read, mut to: impl Write, masker: Option<&coffer_model::mask::Masker>) -> std::io::Result<()> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut stream = masker.map(|m| m.stream());
    loop {
        let n = from.read(&mut buf)?;
        if n == 0 {
            break;
        }
        match stream.as_mut() {
            Some(s) => to.write_all(&s.push(&buf[..n]))?,
            None => to.write_all(&buf[..n])?,
        }
        to.flush()?;
    }
    if let Some(s) = stream {
        to.write_all(&s.finish())?;
    }
    to.flush()
}

/// A run's variables for `names` and, with `project_env`, every generic secret of the
/// project; audited as a use. Variables that steer a loader, shell or interpreter are left
/// out with a warning.
fn run_env(api: &dyn CofferApi, project: &str, names: &[String], project_env: bool) -> Result<ResolvedEnv> {
    let mut wanted: Vec<String> = names.to_vec();
    if project_env {
        for s in api.list_secrets(project)? {
            if s.secret_type == "generic" && !wanted.iter().any(|w| w.eq_ignore_ascii_case(&s.name)) {
                wanted.push(s.name);
            }
        }
    }
    if wanted.is_empty() {
        return Ok(ResolvedEnv {
            env: coffer_core::runenv::RunEnv::new(),
            warnings: Vec::new(),
        });
    }
    Ok(api.resolve_env(project, EnvBody { secrets: wanted })?)
}

impl Args {
    pub fn run(self, ctx: &Ctx) -> Result<()> {
        let config = parse_config(&self.config)?;
        let api = ctx.api()?;
        let resolved = run_env(api.as_ref(), &ctx.project, &self.secrets, !self.no_project_env)?;
        for w in &resolved.warnings {
            eprintln!("coffer: warning: {w}");
        }
        let mut env = resolved.env;
        // The owner's own --config values are theirs: set as given (not filtered).
        for (k, v) in &config {
            env.add(
                coffer_core::runenv::Origin::Runner,
                k,
                coffer_crypto::SecretString::from(v.as_str()),
                &format!("--config {k}"),
                false,
            )
            .map_err(UsageError)?;
        }
        let secrets: Vec<&[u8]> = env.mask().iter().map(|v| v.expose_secret().as_bytes()).collect();
        let masker = if self.no_mask {
            None
        } else {
            Some(coffer_model::mask::Masker::new(&secrets).map_err(|e| anyhow::anyhow!("cannot set up masking: {e}"))?)
        };
        let (program, args) = self
            .command
            .split_first()
            .ok_or_else(|| UsageError("no command to run".into()))?;
        // A sandboxed command starts from nothing, in a working directory of its own.
        let workdir = if self.sandbox {
            Some(
                tempfile::Builder::new()
                    .prefix("coffer-run-")
                    .tempdir()
                    .context("cannot create the command's working directory")?,
            )
        } else {
            None
        };
        let mut cmd = match &workdir {
            Some(dir) => {
                let sandbox = ctx.run_sandbox()?;
                if let Some(why) = &sandbox.unavailable {
                    return Err(UsageError(why.clone()).into());
                }
                let policy = sandbox
                    .command_policy(dir.path())
                    .ok_or_else(|| UsageError("--sandbox and --unsandboxed-runs contradict each other".into()))?;
                if let Some(user) = &policy.run_as {
                    nix::unistd::chown(
                        dir.path(),
                        Some(nix::unistd::Uid::from_raw(user.uid)),
                        Some(nix::unistd::Gid::from_raw(user.gid)),
                    )
                    .with_context(|| format!("cannot give the working directory to user '{}'", user.name))?;
                }
                let mut c = Process::new(std::env::current_exe().context("cannot find the coffer executable")?);
                c.arg("__sandbox")
                    .args(policy.to_args())
                    .arg("--")
                    .arg(program)
                    .args(args)
                    .current_dir(dir.path())
                    .env_clear()
                    .env("PATH", coffer_flights::DEFAULT_PATH)
                    .env("HOME", dir.path())
                    .env("TMPDIR", dir.path());
                c
            }
            None => {
                let mut c = Process::new(program);
                c.args(args);
                // Kestra-style SECRET_* variables are coffer's env backend (base64 values):
                // the command gets the secrets it asked for, not their encoded forms.
                for (k, _) in std::env::vars_os() {
                    if k.to_string_lossy().starts_with(coffer_core::ENV_SECRET_PREFIX) {
                        c.env_remove(&k);
                    }
                }
                c
            }
        };
        cmd.stdin(Stdio::inherit());
        env.apply(&mut cmd);
        if masker.is_some() {
            cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        }
        let mut child = cmd.spawn().with_context(|| format!("cannot run '{program}'"))?;
        // The command holds the environment's values: let them go once the child has its copy.
        drop(cmd);
        drop(env);
        let status = if let Some(m) = &masker {
            let out = child.stdout.take();
            let err = child.stderr.take();
            std::thread::scope(|scope| -> Result<std::process::ExitStatus> {
                let o = out.map(|o| scope.spawn(move || pump(o, std::io::stdout(), Some(m))));
                let e = err.map(|e| scope.spawn(move || pump(e, std::io::stderr(), Some(m))));
                let status = child.wait().context("waiting for the command")?;
                for h in [o, e].into_iter().flatten() {
                    // A closed stdout (`| head`) is the reader's choice, not an error of ours.
                    let _ = h.join();
                }
                Ok(status)
            })?
        } else {
            child.wait().context("waiting for the command")?
        };
        let code = match status.code() {
            Some(c) => c,
            None => {
                use std::os::unix::process::ExitStatusExt;
                128 + status.signal().unwrap_or(0)
            }
        };
        if code == 0 {
            Ok(())
        } else {
            Err(ExitWith(u8::try_from(code).unwrap_or(1)).into())
        }
    }
}
