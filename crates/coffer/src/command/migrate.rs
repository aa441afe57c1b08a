//! `coffer migrate`: copies a whole store into another database (SQLite ↔ PostgreSQL), then
//! checks the copy: row counts table by table, and every stored version decrypting with this
//! home's keyring.
//!
//! The copy moves rows as they are stored: ciphertexts and wrapped data keys, never a value.
//! The key file (or the KMS key) does not travel with it: it stays in the home.

use super::ctx::Ctx;
use crate::error::UsageError;
use crate::home::{Database, KEYRING_FILE, KEY_FILE};
use crate::output;
use anyhow::{Context, Result};
use coffer_store::{Dump, Store, StoreError};

/// `coffer migrate --to URL [--from URL]`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The database to copy from: sqlite:PATH or postgres://USER:PASSWORD@HOST:PORT/DB
    /// (default: the current store, --database or coffer.db in --home). Its rows are only read.
    /// COFFER_MIGRATE_FROM keeps a password off the command line.
    #[arg(long, env = "COFFER_MIGRATE_FROM", hide_env_values = true, value_name = "URL")]
    from: Option<String>,
    /// The database to copy into, which must be fresh (no secret, identity, token, grant,
    /// flight or audit event yet): sqlite:PATH (created if missing) or
    /// postgres://USER:PASSWORD@HOST:PORT/DB (an empty database). COFFER_MIGRATE_TO keeps a
    /// password off the command line.
    #[arg(long, env = "COFFER_MIGRATE_TO", hide_env_values = true, value_name = "URL")]
    to: String,
}

impl Args {
    pub fn run(self, ctx: &Ctx) -> Result<()> {
        ctx.local_only("coffer migrate")?;
        let from = Database::parse(&ctx.home, self.from.as_deref().or(ctx.database.as_deref()))?;
        let to = Database::parse(&ctx.home, Some(&self.to))?;
        if same_database(&from, &to) {
            return Err(UsageError(format!(
                "--from and --to are the same database ({}): give --to a fresh database to copy into",
                to.describe()
            ))
            .into());
        }
        if let Database::Sqlite(path) = &from {
            if !path.exists() {
                return Err(UsageError(format!(
                    "there is no store at {}: nothing to migrate (check --from, --database or --home)",
                    path.display()
                ))
                .into());
            }
        }

        let source = from.open()?;
        let dump = source
            .export()
            .with_context(|| format!("cannot read the store {}", from.describe()))?;
        let versions = dump.secrets.len() + dump.versions.len();
        // Two keyrings of this home, made before anything is written: one checks the source,
        // the other the copy.
        let keyrings = if versions > 0 {
            Some((home_keyring(ctx)?, home_keyring(ctx)?))
        } else {
            None
        };
        let verify_keyring = if let Some((check, verify)) = keyrings {
            // One version per key, before anything is written: a home without the key that
            // sealed these secrets fails here rather than after the copy.
            let service = coffer_core::Service::new(source, check);
            let report = service
                .verify_each_key(&coffer_core::Caller::local())
                .with_context(|| format!("cannot check the store {}", from.describe()))?;
            if !report.failed.is_empty() {
                print_failures(&report.failed);
                anyhow::bail!(
                    "the keyring of {} cannot open the secrets of {} (listed above): nothing was written. Run \
                     coffer migrate with --home set to the home whose key sealed them (`coffer key status` there \
                     shows the keys they need)",
                    ctx.home.display(),
                    from.describe()
                );
            }
            Some(verify)
        } else {
            drop(source);
            None
        };

        let target = open_and_import(&to, &dump)?;
        println!(
            "copied {} ({}), {}, {}, {}, {}, {}, {} ({}, {})\n  from {}\n  to   {}",
            count(dump.secrets.len(), "secret"),
            count(versions, "stored version"),
            count(dump.projects.len(), "project"),
            count(dump.identities.len(), "identity"),
            count(dump.tokens.len(), "token"),
            count(dump.grants.len(), "grant"),
            count(dump.audit.len(), "audit event"),
            count(dump.flights.len(), "flight"),
            count(dump.runs.len(), "run"),
            count(dump.logs.len(), "log chunk"),
            from.describe(),
            to.describe()
        );
        let copy = target
            .export()
            .with_context(|| format!("cannot read the copy back from {}", to.describe()))?;
        check_counts(&dump, &copy, &to)?;

        if let Some(keyring) = verify_keyring {
            let service = coffer_core::Service::new(target, keyring);
            let report = service
                .verify_all(&coffer_core::Caller::local())
                .with_context(|| format!("cannot check the copy in {}", to.describe()))?;
            if !report.failed.is_empty() {
                print_failures(&report.failed);
                anyhow::bail!(
                    "{} of {} stored version(s) in the copy do not decrypt with the keyring of {} (listed above); \
                     they may be damaged in the source too. The copy was written to {}: drop it before migrating \
                     again",
                    report.failed.len(),
                    report.failed.len() + report.opened,
                    ctx.home.display(),
                    to.describe()
                );
            }
            let mut keys: Vec<&str> = dump
                .secrets
                .iter()
                .chain(&dump.versions)
                .map(|r| r.sealed.key_id.as_str())
                .collect();
            keys.sort_unstable();
            keys.dedup();
            println!(
                "every stored version decrypts with this home's keyring ({} checked; {} {})",
                report.opened,
                if keys.len() == 1 { "key" } else { "keys" },
                keys.join(", ")
            );
        } else {
            println!("no stored secret to decrypt");
        }
        println!(
            "secrets stay sealed: the key did not travel. Copy {} (and {} if present) from {} to the home of \
             every coffer that uses the new database",
            KEY_FILE,
            KEYRING_FILE,
            ctx.home.display()
        );
        Ok(())
    }
}

/// `1 secret`, `2 secrets`, `3 identities`.
fn count(n: usize, what: &str) -> String {
    match (n, what.strip_suffix('y')) {
        (1, _) => format!("1 {what}"),
        (_, Some(stem)) => format!("{n} {stem}ies"),
        (_, None) => format!("{n} {what}s"),
    }
}

/// Says which stored versions did not open, and why (never a value), on stderr.
fn print_failures(failed: &[coffer_core::keys::VerifyFailure]) {
    for f in failed {
        eprintln!(
            "  {}/{} version {} (key {}): {}",
            f.project, f.name, f.version, f.key_id, f.reason
        );
    }
}

/// Whether both name one database (the same file, or the same URL).
fn same_database(a: &Database, b: &Database) -> bool {
    match (a, b) {
        (Database::Sqlite(x), Database::Sqlite(y)) => {
            x == y || matches!((x.canonicalize(), y.canonicalize()), (Ok(x), Ok(y)) if x == y)
        }
        (Database::Postgres(x), Database::Postgres(y)) => x == y,
        _ => false,
    }
}

/// This home's keyring, without creating a key file: the copy is checked with the key that
/// sealed the secrets, not a new one.
fn home_keyring(ctx: &Ctx) -> Result<Box<dyn coffer_crypto::Keyring>> {
    let cfg = crate::home::read_keyring_config(&ctx.home)?;
    let key_path = ctx.home.join(KEY_FILE);
    if cfg.current == "local" && !key_path.exists() {
        return Err(UsageError(format!(
            "{} has no key file ({KEY_FILE}), so the secrets of the store cannot be checked: nothing was \
             written. Run coffer migrate with --home set to the home whose key sealed them",
            ctx.home.display()
        ))
        .into());
    }
    let (keyring, _) = crate::home::keyring(&ctx.home, &cfg)?;
    Ok(keyring)
}

/// Opens `to` and writes `dump` into it in one transaction. When it fails nothing was written;
/// a SQLite file this call created is removed again.
fn open_and_import(to: &Database, dump: &Dump) -> Result<Box<dyn Store>> {
    let created = match to {
        Database::Sqlite(path) if !path.exists() => Some(path.clone()),
        _ => None,
    };
    let result = to.open().and_then(|target| match target.import(dump) {
        Ok(()) => Ok(target),
        Err(StoreError::Conflict { name, .. }) => Err(anyhow::anyhow!(
            "the database {} is not empty (its {name} table has rows): nothing was written. \
             Migrate into a fresh database (a new sqlite:PATH, or an empty PostgreSQL database)",
            to.describe()
        )),
        Err(e) => {
            Err(anyhow::Error::new(e).context(format!("cannot write into {} (nothing was written)", to.describe())))
        }
    });
    if result.is_err() {
        if let Some(path) = created {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let mut p = path.clone().into_os_string();
                p.push(suffix);
                let _ = std::fs::remove_file(p);
            }
        }
    }
    result
}

/// Compares the rows of the copy with the source's, table by table, printing both.
fn check_counts(source: &Dump, copy: &Dump, to: &Database) -> Result<()> {
    let mut wrong = Vec::new();
    let rows: Vec<Vec<String>> = source
        .counts()
        .into_iter()
        .zip(copy.counts())
        .map(|((table, a), (_, b))| {
            if a != b {
                wrong.push(format!("{table}: {a} in the source, {b} in the copy"));
            }
            vec![
                table.to_string(),
                a.to_string(),
                b.to_string(),
                if a == b { "ok" } else { "MISMATCH" }.to_string(),
            ]
        })
        .collect();
    output::table(&["table", "source", "copy", ""], &rows);
    if !wrong.is_empty() {
        anyhow::bail!(
            "the copy in {} does not hold what was read from the source ({}): drop it and migrate again",
            to.describe(),
            wrong.join("; ")
        );
    }
    Ok(())
}
