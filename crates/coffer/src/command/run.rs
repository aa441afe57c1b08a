//! `coffer run -- CMD ARGS`: a command with the project's secrets in its environment and every
//! sensitive value masked in what it prints (what `doppler run` and `op run` do).

use super::{Ctx, ExitWith};
use anyhow::{Context, Result};
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
    /// The command and its arguments.
    #[arg(last = true, required = true, value_name = "CMD")]
    command: Vec<String>,
}

fn parse_config(items: &[String]) -> Result<Vec<(String, String)>> {
    let mut out: Vec<(String, String)> = Vec::new();
    for item in items {
        let Some((k, v)) = item.split_once('=') else {
            return Err(crate::UsageError(format!("invalid --config '{item}': use KEY=VALUE")).into());
        };
        if k.is_empty() || k.contains('\0') || v.contains('\0') {
            return Err(crate::UsageError(format!(
                "invalid --config key '{k}': a variable name must be non-empty and hold no NUL"
            ))
            .into());
        }
        if out.iter().any(|(e, _)| e == k) {
            return Err(crate::UsageError(format!("--config {k} is given twice; give each key once")).into());
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

impl Args {
    pub fn run(self, ctx: &Ctx) -> Result<()> {
        let config = parse_config(&self.config)?;
        let backend = ctx.backend()?;
        let vars = backend.run_env(&ctx.project, &self.secrets, !self.no_project_env)?;
        for (k, _) in &config {
            if let Some(v) = vars.iter().find(|v| &v.0 == k) {
                return Err(crate::UsageError(format!(
                    "--config {k} would overwrite the variable {} sets; rename one of them",
                    v.2
                ))
                .into());
            }
        }
        let secrets: Vec<&[u8]> = vars
            .iter()
            .filter(|v| v.3)
            .map(|v| v.1.expose_secret().as_bytes())
            .collect();
        let masker = if self.no_mask {
            None
        } else {
            Some(coffer_model::mask::Masker::new(&secrets).map_err(|e| anyhow::anyhow!("cannot set up masking: {e}"))?)
        };
        let (program, args) = self
            .command
            .split_first()
            .ok_or_else(|| crate::UsageError("no command to run".into()))?;
        let mut child = Process::new(program);
        child.args(args).stdin(Stdio::inherit());
        // Kestra-style SECRET_* variables are coffer's env backend (base64 values): the
        // command gets the secrets it asked for, not their encoded forms.
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with(coffer_core::ENV_SECRET_PREFIX) {
                child.env_remove(&k);
            }
        }
        for (k, v) in &config {
            child.env(k, v);
        }
        for (name, value, _, _) in &vars {
            child.env(name, value.expose_secret());
        }
        if masker.is_some() {
            child.stdout(Stdio::piped()).stderr(Stdio::piped());
        }
        let mut child = child.spawn().with_context(|| format!("cannot run '{program}'"))?;
        drop(vars);
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
