//! `coffer env import|export`: `.env` files (python-dotenv's rules, no variable expansion; see
//! `coffer_model::dotenv`) and Kestra's `.env_encoded` (`SECRET_<NAME>=<base64>`).
//!
//! - `import FILE --as NAME`: the whole file becomes one `flights` secret, each key a param.
//! - `import FILE --each`: each key becomes a `generic` secret of that name (injected by
//!   `coffer run` under that name).
//! - `export NAME`: the dotenv form of a secret on stdout, through the audited "use" path
//!   (`coffer run`'s, role `use`): a `flights` secret's params, a `generic` secret as
//!   `NAME=value`, any other type as the variables `coffer run --secret NAME` would set
//!   (`NAME_FIELD=value`).
//!
//! Only names and counts are printed, never values (but `export` writes values to stdout: that
//! is what it is for).
//!
//! `export`'s .env text is read back exactly by `set -a; . ./.env` in sh and bash (which run
//! and expand nothing in it), by python-dotenv and by `import` (see `dotenv::render`); a value no
//! quoting can hold for all of them, or a key naming a variable that steers a program
//! (`coffer_model::env::reserved_var`), is refused with exit code 2, nothing written, and a
//! pointer to `--kestra`.

use super::ctx::Ctx;
use crate::error::UsageError;
use anyhow::{Context, Result};
use coffer_api::types::{CreateSecretBody, CreateSecretResponse, EnvBody, FieldInput, OnConflictBody, SecretAction};
use coffer_api::CofferApi;
use coffer_crypto::SecretString;
use coffer_model::dotenv::{self, Entry};
use coffer_model::names;
use std::io::{Read, Write};

/// `coffer env ...`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Import a .env file: as one flights secret (--as NAME, each key a param) or one generic
    /// secret per key (--each). Only names and counts are printed.
    Import(ImportArgs),
    /// Write a secret as a .env file (or Kestra's .env_encoded) to stdout. Audited as a use of
    /// the secret (needs role use).
    Export(ExportArgs),
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The file; `-` reads stdin.
    file: String,
    /// The flights secret to create, holding every key as a param.
    #[arg(
        long = "as",
        value_name = "NAME",
        required_unless_present = "each",
        conflicts_with = "each"
    )]
    name: Option<String>,
    /// One generic secret per key, named as the key.
    #[arg(long)]
    each: bool,
    /// Read Kestra's .env_encoded form: SECRET_NAME=BASE64 lines (the prefix is dropped).
    #[arg(long)]
    kestra: bool,
    /// Replace secrets of the same names (as new versions).
    #[arg(long)]
    or_replace: bool,
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The secret.
    name: String,
    /// Write Kestra's .env_encoded form: SECRET_KEY=BASE64 lines.
    #[arg(long)]
    kestra: bool,
}

impl Command {
    pub fn run(self, ctx: &Ctx) -> Result<()> {
        match self {
            Command::Import(a) => a.run(ctx),
            Command::Export(a) => a.run(ctx),
        }
    }
}

fn usage(msg: String) -> anyhow::Error {
    UsageError(msg).into()
}

fn read_input(file: &str) -> Result<SecretString> {
    let mut bytes = Vec::new();
    if file == "-" {
        std::io::stdin().read_to_end(&mut bytes).context("cannot read stdin")?;
    } else {
        bytes = std::fs::read(file).with_context(|| format!("cannot read '{file}'"))?;
    }
    match String::from_utf8(bytes) {
        Ok(s) => Ok(SecretString::new(s)),
        Err(e) => {
            let mut b = e.into_bytes();
            b.iter_mut().for_each(|x| *x = 0);
            Err(usage(format!("'{file}' is not UTF-8 text")))
        }
    }
}

impl ImportArgs {
    fn run(self, ctx: &Ctx) -> Result<()> {
        let text = read_input(&self.file)?;
        let shown = if self.file == "-" { "stdin" } else { self.file.as_str() };
        let parsed = if self.kestra {
            dotenv::parse_encoded_entries(text.expose_secret())
        } else {
            dotenv::parse_entries(text.expose_secret())
        };
        drop(text);
        let entries = parsed.map_err(|e| usage(format!("{shown}: {e}")))?;
        if entries.is_empty() {
            return Err(usage(format!("{shown}: no variables to import")));
        }
        let what = if self.each { "secret" } else { "param" };
        for e in &entries {
            if names::validate_name(&e.key).is_err() {
                return Err(usage(format!(
                    "{shown}: line {}: '{}' is not a valid {what} name: names must match [A-Za-z0-9._-]{{1,128}}",
                    e.line,
                    e.key.escape_debug()
                )));
            }
        }
        let on_conflict = if self.or_replace {
            OnConflictBody::Replace
        } else {
            OnConflictBody::Error
        };
        let api = ctx.api()?;
        match self.name {
            Some(name) => {
                names::validate_name(&name).map_err(|_| {
                    usage(format!(
                        "invalid secret name '{name}': names must match [A-Za-z0-9._-]{{1,128}}"
                    ))
                })?;
                let count = entries.len();
                let params: Vec<(String, SecretString)> = entries.into_iter().map(|e| (e.key, e.value)).collect();
                let body = CreateSecretBody {
                    name: Some(name),
                    secret_type: "flights".into(),
                    provider: None,
                    scope: Vec::new(),
                    temporary: false,
                    on_conflict,
                    fields: vec![("params".into(), FieldInput::Map(params))],
                };
                let created = api.create_secret(&ctx.project, body)?;
                let (verb, info) = verb(&created);
                println!(
                    "{verb} flights secret '{}' (version {}) with {count} param{}",
                    info.name,
                    info.version,
                    plural(count)
                );
            }
            None => import_each(ctx, api.as_ref(), entries, on_conflict, self.or_replace)?,
        }
        Ok(())
    }
}

fn verb(created: &CreateSecretResponse) -> (&'static str, &coffer_core::SecretInfo) {
    (created.action.as_str(), &created.secret)
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn import_each(
    ctx: &Ctx,
    api: &dyn CofferApi,
    entries: Vec<Entry>,
    on_conflict: OnConflictBody,
    or_replace: bool,
) -> Result<()> {
    // Refuse before creating anything: two keys that are one secret name, or existing secrets.
    for (i, e) in entries.iter().enumerate() {
        if let Some(first) = entries[..i].iter().find(|f| f.key.eq_ignore_ascii_case(&e.key)) {
            return Err(usage(format!(
                "line {}: '{}' and '{}' (line {}) would be the same secret name",
                e.line, e.key, first.key, first.line
            )));
        }
    }
    if !or_replace {
        let existing: Vec<String> = api
            .list_secrets(&ctx.project)?
            .into_iter()
            .filter(|s| s.persistent && entries.iter().any(|e| e.key.eq_ignore_ascii_case(&s.name)))
            .map(|s| s.name)
            .collect();
        if !existing.is_empty() {
            return Err(usage(format!(
                "secrets already exist: {}; use --or-replace to replace them (nothing was imported)",
                existing.join(", ")
            )));
        }
    }
    let mut created = Vec::new();
    let mut replaced = Vec::new();
    for e in entries {
        let body = CreateSecretBody {
            name: Some(e.key.clone()),
            secret_type: "generic".into(),
            provider: None,
            scope: Vec::new(),
            temporary: false,
            on_conflict,
            fields: vec![("value".into(), FieldInput::Text(e.value))],
        };
        let outcome = api
            .create_secret(&ctx.project, body)
            .with_context(|| format!("line {}: cannot create secret '{}'", e.line, e.key))?;
        match outcome.action {
            SecretAction::Replaced => replaced.push(outcome.secret.name),
            SecretAction::Created | SecretAction::Kept => created.push(outcome.secret.name),
        }
    }
    let n = created.len() + replaced.len();
    println!("imported {n} generic secret{}", plural(n));
    if !created.is_empty() {
        println!("created: {}", created.join(", "));
    }
    if !replaced.is_empty() {
        println!("replaced: {}", replaced.join(", "));
    }
    Ok(())
}

impl ExportArgs {
    fn run(self, ctx: &Ctx) -> Result<()> {
        let api = ctx.api()?;
        let info = api.secret_info(&ctx.project, &self.name, None)?;
        // The audited use: what `coffer run --secret NAME` gets.
        let resolved = api.resolve_env(
            &ctx.project,
            EnvBody {
                secrets: vec![info.name.clone()],
            },
        )?;
        for w in &resolved.warnings {
            eprintln!("coffer: warning: {w}");
        }
        let vars = resolved.env;
        let mut pairs: Vec<(String, SecretString)> = Vec::new();
        match info.secret_type.as_str() {
            "flights" => {
                // run_env names params NAME_KEY (upper case); the metadata has the keys as written.
                for key in info.sensitive_keys.iter().filter_map(|k| k.strip_prefix("params.")) {
                    let var = coffer_model::env::var_name(&info.name, key);
                    let value = vars
                        .vars()
                        .find(|v| v.0 == var)
                        .ok_or_else(|| anyhow::anyhow!("param '{key}' of secret '{}' was not returned", info.name))?;
                    pairs.push((key.to_string(), value.1.duplicate()));
                }
            }
            "generic" => {
                let value = vars
                    .vars()
                    .find(|v| v.0 == info.name)
                    .ok_or_else(|| anyhow::anyhow!("the value of secret '{}' was not returned", info.name))?;
                pairs.push((info.name.clone(), value.1.duplicate()));
            }
            _ => {
                // Any other type: the variables `coffer run --secret NAME` sets.
                for (name, value, _, _) in vars.vars() {
                    pairs.push((name.to_string(), value.duplicate()));
                }
            }
        }
        drop(vars);
        if !self.kestra {
            // Sourced with `set -a`, such a variable would run code in whatever the shell starts
            // next (`BASH_ENV`, `LD_PRELOAD`, `PROMPT_COMMAND`). The Kestra form's names all start
            // with SECRET_.
            for (key, _) in &pairs {
                if let Some(rule) = coffer_model::env::reserved_var(key) {
                    return Err(usage(format!(
                        "cannot write secret '{}' as a .env file: '{}' is a variable that steers a \
                         program ({}): a shell sourcing the file would set it; use --kestra \
                         (SECRET_<NAME> names) or rename the key",
                        info.name,
                        key.escape_debug(),
                        rule.why
                    )));
                }
            }
        }
        let text = if self.kestra {
            dotenv::render_encoded(&pairs)
        } else {
            dotenv::render(&pairs)
        }
        .map_err(|e| {
            usage(format!(
                "cannot write secret '{}' as a .env file: {}",
                info.name, e.reason
            ))
        })?;
        let text = SecretString::new(text);
        private_stdout();
        let mut out = std::io::stdout().lock();
        // Leaves the process: stdout (a file or pipe the caller chose).
        out.write_all(text.expose_secret().as_bytes())?;
        out.flush()?;
        eprintln!(
            "exported {} variable{} of {} secret '{}'",
            pairs.len(),
            plural(pairs.len()),
            info.secret_type,
            info.name
        );
        Ok(())
    }
}

/// When stdout is a regular file (`coffer env export app > .env`), takes the group's and
/// others' permissions off it before any value is written: the shell created it with its
/// umask (mode 0644 usually). Says so on stderr; warns when it cannot (not the file's owner).
fn private_stdout() {
    use nix::sys::stat::{fchmod, fstat, Mode, SFlag};
    use std::os::fd::AsRawFd;
    let fd = std::io::stdout().as_raw_fd();
    let Ok(st) = fstat(fd) else { return };
    if SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT != SFlag::S_IFREG {
        return;
    }
    let mode = st.st_mode & 0o777;
    if mode & 0o077 == 0 {
        return;
    }
    let private = mode & 0o700;
    match fchmod(fd, Mode::from_bits_truncate(private)) {
        Ok(()) => eprintln!(
            "coffer: stdout is a file readable by group or others (mode {mode:03o}): made it {private:04o} before writing values"
        ),
        Err(e) => eprintln!(
            "warning: stdout is a file readable by group or others (mode {mode:03o}) and cannot be made private ({e}): the values written to it are readable too"
        ),
    }
}
