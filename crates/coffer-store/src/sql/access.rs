//! Projects, identities, tokens, grants and the audit log.

use super::backend::{bump, write_audit, SqlBackend};
use super::codec::{audit_row, conflict, grant_row, identity_row, project_row, token_args, token_row};
use super::conn::{first, rows, Notice};
use super::value::args;
use crate::error::Result;
use crate::records::{AuditEvent, AuditFilter, GrantRecord, IdentityRecord, ProjectRecord, TokenRecord};
use crate::store::{AccessStore, AuditStore, ProjectStore};

/// From `found` (the token `id` and the tokens above it, in any order), the chain above `id`,
/// nearest first. The chain stops at a parent that is not in `found` (and at a loop, which no
/// store should hold).
fn chain_above(id: i64, found: Vec<TokenRecord>) -> Vec<TokenRecord> {
    let mut by_id: std::collections::HashMap<i64, TokenRecord> = found.into_iter().map(|t| (t.id, t)).collect();
    let mut next = by_id.remove(&id).and_then(|t| t.parent_id);
    let mut out = Vec::new();
    while let Some(t) = next.and_then(|p| by_id.remove(&p)) {
        next = t.parent_id;
        out.push(t);
    }
    out
}

/// The tokens `found` to revoke (the token `name` and those below it), marked revoked at
/// `at`, the named one first, then by id.
fn root_first(name: &str, found: Vec<TokenRecord>, at: i64) -> Vec<TokenRecord> {
    let mut out: Vec<TokenRecord> = found
        .into_iter()
        .map(|t| TokenRecord {
            revoked_at: Some(at),
            ..t
        })
        .collect();
    out.sort_by_key(|t| (!t.name.eq_ignore_ascii_case(name), t.id));
    out
}

impl<B: SqlBackend> ProjectStore for B {
    fn create_project(&self, p: &ProjectRecord, audit: &[AuditEvent]) -> Result<()> {
        let sql = self.statements();
        let done = self.write(|tx| {
            bump(tx)?;
            if tx.execute(&sql.access.project_insert, &args![&p.name, p.created_at, &p.created_by])? == 0 {
                return Ok(None);
            }
            write_audit(tx, sql, audit)?;
            Ok(Some(()))
        })?;
        done.ok_or_else(|| conflict("project", &p.name))
    }

    fn get_project(&self, name: &str) -> Result<Option<ProjectRecord>> {
        let a = &self.statements().access;
        self.read(|c| first(c, &a.project_get, &args![name], project_row))
    }

    fn list_projects(&self) -> Result<Vec<ProjectRecord>> {
        let a = &self.statements().access;
        self.read(|c| rows(c, &a.project_list, &[], project_row))
    }

    fn delete_project(&self, name: &str, audit: &[AuditEvent]) -> Result<bool> {
        let sql = self.statements();
        let a = &sql.access;
        let done = self.write(|tx| {
            bump(tx)?;
            if tx.execute(&a.project_delete, &args![name])? == 0 {
                return Ok(None);
            }
            for statement in &a.project_cascade {
                tx.execute(statement, &args![name])?;
            }
            write_audit(tx, sql, audit)?;
            tx.notify(Notice::ProjectDropped { project: name })?;
            Ok(Some(()))
        })?;
        Ok(done.is_some())
    }
}

impl<B: SqlBackend> AccessStore for B {
    fn create_identity(&self, i: &IdentityRecord, audit: &[AuditEvent]) -> Result<i64> {
        let sql = self.statements();
        let params = args![&i.name, &i.kind, i.superuser, &i.project, i.created_at, &i.created_by];
        let id = self.write(|tx| {
            bump(tx)?;
            let Some(id) = first(tx, &sql.access.identity_insert, &params, |r| r.get::<i64>(0))? else {
                return Ok(None);
            };
            write_audit(tx, sql, audit)?;
            Ok(Some(id))
        })?;
        id.ok_or_else(|| conflict("identity", &i.name))
    }

    fn get_identity(&self, name: &str) -> Result<Option<IdentityRecord>> {
        let a = &self.statements().access;
        self.read(|c| first(c, &a.identity_get, &args![name], identity_row))
    }

    fn get_identity_by_id(&self, id: i64) -> Result<Option<IdentityRecord>> {
        let a = &self.statements().access;
        self.read(|c| first(c, &a.identity_by_id, &args![id], identity_row))
    }

    fn list_identities(&self) -> Result<Vec<IdentityRecord>> {
        let a = &self.statements().access;
        self.read(|c| rows(c, &a.identity_list, &[], identity_row))
    }

    fn create_token(&self, t: &TokenRecord, audit: &[AuditEvent]) -> Result<i64> {
        let sql = self.statements();
        let params = token_args(t);
        let id = self.write(|tx| {
            bump(tx)?;
            let Some(id) = first(tx, &sql.access.token_insert, &params, |r| r.get::<i64>(0))? else {
                return Ok(None);
            };
            write_audit(tx, sql, audit)?;
            Ok(Some(id))
        })?;
        id.ok_or_else(|| conflict("token", &t.name))
    }

    fn token_by_public_id(&self, public_id: &str) -> Result<Option<TokenRecord>> {
        let a = &self.statements().access;
        self.read(|c| first(c, &a.token_by_public_id, &args![public_id], token_row))
    }

    fn get_token(&self, name: &str) -> Result<Option<TokenRecord>> {
        let a = &self.statements().access;
        self.read(|c| first(c, &a.token_get, &args![name], token_row))
    }

    fn list_tokens(&self) -> Result<Vec<TokenRecord>> {
        let a = &self.statements().access;
        self.read(|c| rows(c, &a.token_list, &[], token_row))
    }

    fn token_ancestors(&self, id: i64) -> Result<Vec<TokenRecord>> {
        let a = &self.statements().access;
        let found = self.read(|c| rows(c, &a.token_ancestors, &args![id], token_row))?;
        Ok(chain_above(id, found))
    }

    fn revoke_token(
        &self,
        name: &str,
        at: i64,
        audit: &dyn Fn(&[TokenRecord]) -> Vec<AuditEvent>,
    ) -> Result<Vec<TokenRecord>> {
        let sql = self.statements();
        let done = self.write(|tx| {
            bump(tx)?;
            let found = rows(tx, &sql.access.token_revoke, &args![name, at], token_row)?;
            let revoked = root_first(name, found, at);
            if revoked.is_empty() {
                return Ok(None);
            }
            write_audit(tx, sql, &audit(&revoked))?;
            Ok(Some(revoked))
        })?;
        Ok(done.unwrap_or_default())
    }

    fn touch_token(&self, id: i64, at: i64) -> Result<()> {
        self.execute(&self.statements().access.token_touch, &args![id, at])?;
        Ok(())
    }

    fn set_grant(&self, g: &GrantRecord, audit: &[AuditEvent]) -> Result<()> {
        let sql = self.statements();
        let params = args![&g.project, g.identity_id, &g.role, g.granted_at, &g.granted_by];
        self.write(|tx| {
            bump(tx)?;
            tx.execute(&sql.access.grant_set, &params)?;
            write_audit(tx, sql, audit)?;
            Ok(Some(()))
        })?;
        Ok(())
    }

    fn remove_grant(&self, project: &str, identity_id: i64, audit: &[AuditEvent]) -> Result<bool> {
        let sql = self.statements();
        let done = self.write(|tx| {
            bump(tx)?;
            if tx.execute(&sql.access.grant_remove, &args![project, identity_id])? == 0 {
                return Ok(None);
            }
            write_audit(tx, sql, audit)?;
            Ok(Some(()))
        })?;
        Ok(done.is_some())
    }

    fn get_grant(&self, project: &str, identity_id: i64) -> Result<Option<GrantRecord>> {
        let a = &self.statements().access;
        self.read(|c| first(c, &a.grant_get, &args![project, identity_id], grant_row))
    }

    fn list_grants(&self, project: Option<&str>) -> Result<Vec<GrantRecord>> {
        let a = &self.statements().access;
        self.read(|c| rows(c, &a.grant_list, &args![project], grant_row))
    }
}

impl<B: SqlBackend> AuditStore for B {
    fn append_audit(&self, events: &[AuditEvent]) -> Result<()> {
        if events.is_empty() {
            return Ok(());
        }
        self.commit_audit(events)
    }

    fn list_audit(&self, f: &AuditFilter) -> Result<Vec<AuditEvent>> {
        let sql = self.statements();
        let params = args![
            f.project.as_deref(),
            f.object.as_deref(),
            f.actor.as_deref(),
            f.since,
            f.until,
            f.before_id,
            sql.limit(f.limit),
        ];
        self.read(|c| rows(c, &sql.access.audit_list, &params, audit_row))
    }
}
