//! Secrets and their kept versions.

use super::codec::{json, moved, secret_row, SECRET_COLUMNS as C};
use super::conn::args;
use super::dialect::Sql;
use super::{bump, first, rows, write_audit, Conn, Notice, SqlBackend};
use crate::{AuditEvent, Expect, Result, SecretRecord, SecretStore};
use std::sync::atomic::Ordering;

/// The statements of secrets.
#[derive(Debug, Clone)]
pub(crate) struct SecretSql {
    version: String,
    keep: String,
    prune: String,
    remove: String,
    /// Into `secrets`, into `secret_versions`.
    pub(crate) insert: [String; 2],
    get: String,
    list: String,
    history: String,
    all: String,
    /// In `secrets`, in `secret_versions`.
    rewrap: [String; 2],
    delete: String,
    delete_versions: String,
}

impl SecretSql {
    pub(crate) fn new(q: &Sql<'_>) -> Self {
        let (p1, p2) = (q.p(1), q.ci("name", 2));
        let key = format!("project = {p1} AND {p2}");
        let insert = |table: &str| format!("INSERT INTO {table} ({C}) VALUES ({})", q.ps(16));
        let rewrap = |table: &str| {
            format!(
                "UPDATE {table} SET key_id = {}, wrapped_key = {} WHERE {key} AND version = {} AND key_id = {} \
                 AND wrapped_key = {}",
                q.p(6),
                q.p(7),
                q.p(3),
                q.p(4),
                q.p(5)
            )
        };
        SecretSql {
            version: format!("SELECT version FROM secrets WHERE {key}"),
            keep: format!("INSERT INTO secret_versions ({C}) SELECT {C} FROM secrets WHERE {key}"),
            prune: format!("DELETE FROM secret_versions WHERE {key} AND version <= {}", q.p(3)),
            remove: format!("DELETE FROM secrets WHERE {key}"),
            insert: [insert("secrets"), insert("secret_versions")],
            get: format!("SELECT {C} FROM secrets WHERE {key}"),
            list: format!(
                "SELECT {C} FROM secrets WHERE project = {p1} ORDER BY {}",
                q.order("name")
            ),
            history: format!(
                "SELECT {C} FROM secret_versions WHERE {key} UNION ALL SELECT {C} FROM secrets WHERE {key} ORDER BY 12"
            ),
            all: format!(
                "SELECT {C} FROM (SELECT {C} FROM secrets UNION ALL SELECT {C} FROM secret_versions) v \
                 ORDER BY project, {}, version",
                q.fold("name")
            ),
            rewrap: [rewrap("secrets"), rewrap("secret_versions")],
            delete: format!("DELETE FROM secrets WHERE {key} RETURNING name"),
            delete_versions: format!("DELETE FROM secret_versions WHERE {key}"),
        }
    }
}

/// Inserts one secret version with `insert` (into `secrets` or `secret_versions`).
pub(crate) fn insert_secret(tx: &dyn Conn, insert: &str, r: &SecretRecord) -> Result<()> {
    let (scopes, public, sensitive) = (json(&r.scopes)?, json(&r.public_fields)?, json(&r.sensitive_keys)?);
    let params = args![
        &r.project,
        &r.name,
        &r.secret_type,
        &r.provider,
        &scopes,
        &public,
        &sensitive,
        &r.sealed.key_id,
        &r.sealed.wrapped_key,
        &r.sealed.nonce,
        &r.sealed.ciphertext,
        r.version,
        r.created_at,
        &r.created_by,
        r.updated_at,
        &r.updated_by,
    ];
    tx.execute(insert, &params)?;
    Ok(())
}

impl<B: SqlBackend> SecretStore for B {
    fn put_secret(&self, r: &SecretRecord, expect: Expect, audit: &[AuditEvent]) -> Result<()> {
        let keep = self.state().keep_versions.load(Ordering::Relaxed) as i64;
        let sql = self.statements();
        let s = &sql.secrets;
        self.write(|tx| {
            bump(tx)?;
            let key = args![&r.project, &r.name];
            let current: Option<i64> = first(tx, &s.version, &key, |row| row.get(0))?;
            match (expect, current) {
                (Expect::Absent, None) => {}
                (Expect::Version(v), Some(c)) if v == c => {
                    if keep > 0 {
                        tx.execute(&s.keep, &key)?;
                    }
                    // Keep the `keep` newest earlier versions.
                    tx.execute(&s.prune, &args![&r.project, &r.name, c - keep])?;
                    tx.execute(&s.remove, &key)?;
                }
                (_, found) => return Err(moved(&r.name, found, |c| format!("already exists at version {c}"))),
            }
            insert_secret(tx, &s.insert[0], r)?;
            write_audit(tx, sql, audit)?;
            tx.notify(Notice::Upserted {
                project: &r.project,
                name: &r.name,
            })?;
            Ok(Some(()))
        })?;
        Ok(())
    }

    fn set_keep_versions(&self, keep: usize) {
        self.state().keep_versions.store(keep, Ordering::Relaxed);
    }

    fn secret_history(&self, project: &str, name: &str) -> Result<Vec<SecretRecord>> {
        let s = &self.statements().secrets;
        self.read(|c| rows(c, &s.history, &args![project, name], secret_row))
    }

    fn all_versions(&self) -> Result<Vec<SecretRecord>> {
        let s = &self.statements().secrets;
        self.read(|c| rows(c, &s.all, &[], secret_row))
    }

    fn rewrap_version(
        &self,
        project: &str,
        name: &str,
        version: i64,
        old: (&str, &[u8]),
        new: (&str, &[u8]),
    ) -> Result<bool> {
        let s = &self.statements().secrets;
        let params = args![project, name, version, old.0, old.1, new.0, new.1];
        let done = self.write(|tx| {
            bump(tx)?;
            let mut n = 0;
            for sql in &s.rewrap {
                n += tx.execute(sql, &params)?;
            }
            Ok((n > 0).then_some(()))
        })?;
        Ok(done.is_some())
    }

    fn get_secret(&self, project: &str, name: &str) -> Result<Option<SecretRecord>> {
        let s = &self.statements().secrets;
        self.read(|c| first(c, &s.get, &args![project, name], secret_row))
    }

    fn list_secrets(&self, project: &str) -> Result<Vec<SecretRecord>> {
        let s = &self.statements().secrets;
        self.read(|c| rows(c, &s.list, &args![project], secret_row))
    }

    fn delete_secret(&self, project: &str, name: &str, audit: &[AuditEvent]) -> Result<bool> {
        let sql = self.statements();
        let s = &sql.secrets;
        let done = self.write(|tx| {
            bump(tx)?;
            let key = args![project, name];
            let Some(stored) = first(tx, &s.delete, &key, |row| row.get::<String>(0))? else {
                return Ok(None);
            };
            tx.execute(&s.delete_versions, &key)?;
            write_audit(tx, sql, audit)?;
            tx.notify(Notice::Dropped { project, name: &stored })?;
            Ok(Some(()))
        })?;
        Ok(done.is_some())
    }
}
