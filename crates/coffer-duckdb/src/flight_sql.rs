//! `coffer-engine flight-sql FILE`: the process of a `sql` flight.
//!
//! The flight runner passes the project's secrets in the environment (never on disk):
//! `COFFER_DUCKDB_SECRETS` is a JSON array of strings, each one
//! `CREATE OR REPLACE TEMPORARY SECRET ...` statement (from
//! [`coffer_engine::secret_statements`]), and `COFFER_DUCKDB_EXTENSION_DIR` is coffer's
//! extension directory when it exists. This process takes both out of its environment, opens
//! an in-memory DuckDB configured like an engine's ([`crate::Detached`]; the local file
//! system stays, the run's sandbox confines it),
//! registers the secrets, then runs the script's statements in order, printing each result
//! as a box. The first failing statement ends the run with exit code 1.

use crate::detached::Detached;
use crate::open::Options;
use anyhow::{anyhow, Context, Result};
use coffer_crypto::SecretString;
use coffer_engine::SecretSql;
use coffer_sql::{split, Format, Table};
use std::io::Write;
use std::path::PathBuf;

/// The variable holding the secret statements (a JSON array of strings).
pub(crate) const SECRETS_VAR: &str = "COFFER_DUCKDB_SECRETS";
/// The variable holding coffer's DuckDB extension directory.
pub(crate) const EXTENSION_DIR_VAR: &str = "COFFER_DUCKDB_EXTENSION_DIR";

/// Ends the process with this exit code (a failed statement: 1).
#[derive(Debug)]
pub struct ExitWith(pub u8);

impl std::fmt::Display for ExitWith {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit code {}", self.0)
    }
}

impl std::error::Error for ExitWith {}

/// `coffer-engine flight-sql`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The SQL script.
    file: PathBuf,
}

/// Reads and removes the secret statements from the environment.
fn take_secrets() -> Result<Vec<SecretSql>> {
    let raw = std::env::var_os(SECRETS_VAR);
    std::env::remove_var(SECRETS_VAR);
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    let raw = SecretString::new(raw.into_string().map_err(|_| anyhow!("{SECRETS_VAR} is not UTF-8"))?);
    // serde's error may quote the input: never show it.
    let list: Vec<String> = serde_json::from_str(raw.expose_secret())
        .map_err(|_| anyhow!("{SECRETS_VAR} is not a JSON array of strings"))?;
    Ok(list.into_iter().map(|s| SecretSql::new(SecretString::new(s))).collect())
}

/// The values of the sensitive fields of the secret statements (unknown fields count as
/// sensitive), so that no message this process prints can show them.
fn sensitive_values(secrets: &[SecretSql]) -> Vec<SecretString> {
    use coffer_sql::create_secret::{parse, OptionValue};
    fn collect(v: &OptionValue, out: &mut Vec<SecretString>) {
        match v {
            OptionValue::Text(s) if s.len() >= 4 => out.push(s.duplicate()),
            OptionValue::List(items) => items.iter().for_each(|i| collect(i, out)),
            OptionValue::Map(entries) => entries.iter().for_each(|(_, i)| collect(i, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for sql in secrets {
        let Ok(stmts) = split::split(sql.expose()) else {
            continue;
        };
        for stmt in stmts {
            let Ok(create) = parse(&stmt.tokens) else { continue };
            let spec = coffer_model::types::lookup(&create.secret_type);
            let provider = spec.map(|t| {
                create
                    .provider
                    .as_deref()
                    .and_then(|p| t.provider(p))
                    .unwrap_or_else(|| t.default_provider())
            });
            for (key, value) in &create.options {
                let field = provider.and_then(|p| p.field(&key.to_ascii_lowercase()));
                if field.is_none_or(|f| f.sensitive) {
                    collect(value, &mut out);
                }
            }
        }
    }
    out
}

/// `message` with every one of `values` masked.
fn redact(message: &str, values: &[SecretString]) -> String {
    values
        .iter()
        .fold(message.to_string(), |m, v| m.replace(v.expose_secret(), "***"))
}

/// DuckDB answers DDL with an empty `Success` column (or no column at all): nothing to show.
fn is_empty_ddl_result(t: &Table) -> bool {
    t.rows.is_empty() && (t.columns.is_empty() || t.columns.len() == 1 && t.columns[0].0 == "Success")
}

impl Args {
    /// Runs the script.
    ///
    /// # Errors
    /// The script cannot be read or split; a statement failed ([`ExitWith`] 1).
    pub fn run(self) -> Result<()> {
        let secrets = take_secrets()?;
        let extension_dir = std::env::var_os(EXTENSION_DIR_VAR)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        std::env::remove_var(EXTENSION_DIR_VAR);
        // `-`: the script comes on stdin (a script whose templates were resolved holds values
        // and never touches disk).
        let script = if self.file.as_os_str() == "-" {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
                .context("cannot read the script from stdin")?;
            coffer_crypto::SecretString::from(s)
        } else {
            coffer_crypto::SecretString::from(
                std::fs::read_to_string(&self.file).with_context(|| format!("cannot read {}", self.file.display()))?,
            )
        };
        let script = script.expose_secret();
        let statements = split::split(script).map_err(|e| anyhow!("{}: {e}", self.file.display()))?;

        let hidden = sensitive_values(&secrets);
        let duck = Detached::open(&Options {
            extension_dir,
            local_files: true,
            ..Options::default()
        })
        .map_err(|e| anyhow!("cannot open DuckDB: {e}"))?;
        for sql in &secrets {
            if let Err(e) = duck.register(sql) {
                let why = redact(&e.to_string(), &hidden);
                match sql.name() {
                    Some(name) => {
                        eprintln!("warning: DuckDB refused the secret '{name}': {why}; continuing without it")
                    }
                    // coffer's ATTACH of a data source (its statement holds no value).
                    None if sql.expose().trim_start().to_ascii_uppercase().starts_with("ATTACH") => eprintln!(
                        "warning: cannot attach the data source of `{}`: {why}; continuing without it",
                        sql.expose().split(" (").next().unwrap_or_default()
                    ),
                    None => eprintln!("warning: DuckDB refused a statement of coffer's: {why}; continuing without it"),
                }
            }
        }
        drop(secrets);

        let stdout = std::io::stdout();
        for (i, stmt) in statements.iter().enumerate() {
            match duck.query(&stmt.text) {
                Ok(rows) => {
                    let t = coffer_engine::table(rows);
                    if !is_empty_ddl_result(&t) {
                        let mut out = stdout.lock();
                        let _ = out.write_all(t.render(Format::Box).as_bytes());
                        let _ = out.flush();
                    }
                }
                Err(e) => {
                    let mut message = e.to_string();
                    // A CREATE SECRET of the script's own: its values must not be echoed either.
                    if coffer_sql::create_secret::is_create_secret(&stmt.tokens) {
                        message = coffer_engine::sanitize(&message);
                    }
                    let line = stmt.start().map(|p| format!(" (line {})", p.line)).unwrap_or_default();
                    eprintln!(
                        "error: statement {}{line} of {} failed: {}",
                        i + 1,
                        self.file.display(),
                        redact(&message, &hidden)
                    );
                    return Err(ExitWith(1).into());
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_sensitive_values_of_secret_statements() {
        let secrets = [
            SecretSql::new(SecretString::from(
                "CREATE OR REPLACE TEMPORARY SECRET \"a\" (TYPE s3, PROVIDER config, SCOPE ['s3://b'], KEY_ID 'AKIA1234', REGION 'us-east-1', SECRET 'it''s-hidden')",
            )),
            SecretSql::new(SecretString::from(
                "CREATE OR REPLACE TEMPORARY SECRET \"h\" (TYPE huggingface, TOKEN 'hf_token_value')",
            )),
        ];
        let values = sensitive_values(&secrets);
        let message = "x AKIA1234 it's-hidden us-east-1 s3://b hf_token_value";
        let redacted = redact(message, &values);
        assert!(!redacted.contains("it's-hidden"), "{redacted}");
        assert!(!redacted.contains("hf_token_value"), "{redacted}");
        assert!(
            redacted.contains("us-east-1") && redacted.contains("s3://b"),
            "{redacted}"
        );
    }
}
