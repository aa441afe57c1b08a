//! Projects, identities, tokens, grants and the audit log.

use super::codec::{
    audit_row, conflict, grant_row, identity_row, project_row, token_args, token_row, AUDIT_COLUMNS, GRANT_COLUMNS,
    IDENTITY_COLUMNS, PROJECT_COLUMNS, TOKEN_COLUMNS,
};
use super::conn::args;
use super::dialect::Sql;
use super::{bump, first, rows, write_audit, Notice, SqlBackend};
use crate::{
    AccessStore, AuditEvent, AuditFilter, AuditStore, GrantRecord, IdentityRecord, ProjectRecord, ProjectStore, Result,
    TokenRecord,
};

/// The statements of projects, identities, tokens, grants and the audit log.
#[derive(Debug, Clone)]
pub(crate) struct AccessSql {
    project_insert: String,
    project_get: String,
    project_list: String,
    project_delete: String,
    /// What goes with a project, in order.
    project_cascade: Vec<String>,
    identity_insert: String,
    identity_get: String,
    identity_by_id: String,
    identity_list: String,
    token_insert: String,
    token_by_public_id: String,
    token_get: String,
    token_list: String,
    token_ancestors: String,
    token_revoke: String,
    token_touch: String,
    grant_set: String,
    grant_remove: String,
    grant_get: String,
    grant_list: String,
    audit_list: String,
    /// One audit event, without its id.
    pub(crate) audit_insert: String,
}

impl AccessSql {
    pub(crate) fn new(q: &Sql<'_>) -> Self {
        let p1 = q.p(1);
        let in_project = format!("(SELECT id FROM flights WHERE {})", q.ci("project", 1));
        let flag = |n: usize, ty: &str| format!("{} IS NULL", q.typed(n, ty));
        AccessSql {
            project_insert: q.insert_ignore(&format!("projects ({PROJECT_COLUMNS}) VALUES ({})", q.ps(3))),
            project_get: format!("SELECT {PROJECT_COLUMNS} FROM projects WHERE {}", q.ci("name", 1)),
            project_list: format!("SELECT {PROJECT_COLUMNS} FROM projects ORDER BY {}", q.order("name")),
            project_delete: format!("DELETE FROM projects WHERE {}", q.ci("name", 1)),
            project_cascade: vec![
                format!("DELETE FROM secrets WHERE project = {p1}"),
                format!("DELETE FROM secret_versions WHERE project = {p1}"),
                format!("DELETE FROM grants WHERE {}", q.ci("project", 1)),
                format!("DELETE FROM identities WHERE project = {p1} AND kind = 'service_account'"),
                format!("DELETE FROM flight_run_logs WHERE flight_id IN {in_project}"),
                format!("DELETE FROM flight_runs WHERE flight_id IN {in_project}"),
                format!("DELETE FROM flights WHERE {}", q.ci("project", 1)),
            ],
            identity_insert: q.insert_ignore(&format!(
                "identities (name, kind, superuser, project, created_at, created_by) VALUES ({})",
                q.ps(6)
            )) + " RETURNING id",
            identity_get: format!("SELECT {IDENTITY_COLUMNS} FROM identities WHERE {}", q.ci("name", 1)),
            identity_by_id: format!("SELECT {IDENTITY_COLUMNS} FROM identities WHERE id = {p1}"),
            identity_list: format!("SELECT {IDENTITY_COLUMNS} FROM identities ORDER BY {}", q.order("name")),
            token_insert: q.insert_ignore(&format!(
                "tokens (public_id, identity_id, name, hash, created_at, created_by, expires_at, last_used_at, \
                 revoked_at, parent_token_id) VALUES ({})",
                q.ps(10)
            )) + " RETURNING id",
            token_by_public_id: format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE public_id = {p1}"),
            token_get: format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE {}", q.ci("name", 1)),
            token_list: format!("SELECT {TOKEN_COLUMNS} FROM tokens ORDER BY {}", q.order("name")),
            token_ancestors: format!(
                "WITH RECURSIVE up(id) AS (SELECT {} UNION SELECT t.parent_token_id FROM tokens t JOIN up \
                 ON t.id = up.id WHERE t.parent_token_id IS NOT NULL) \
                 SELECT {TOKEN_COLUMNS} FROM tokens WHERE id IN (SELECT id FROM up)",
                q.typed(1, "bigint")
            ),
            token_revoke: format!(
                "WITH RECURSIVE tree(id) AS (SELECT id FROM tokens WHERE {} AND revoked_at IS NULL \
                 UNION SELECT t.id FROM tokens t JOIN tree ON t.parent_token_id = tree.id) \
                 UPDATE tokens SET revoked_at = {} WHERE revoked_at IS NULL AND id IN (SELECT id FROM tree) \
                 RETURNING {TOKEN_COLUMNS}",
                q.ci("name", 1),
                q.p(2)
            ),
            token_touch: format!("UPDATE tokens SET last_used_at = {} WHERE id = {p1}", q.p(2)),
            grant_set: format!(
                "INSERT INTO grants ({GRANT_COLUMNS}) VALUES ({}) ON CONFLICT ({}, identity_id) DO UPDATE SET \
                 role = excluded.role, granted_at = excluded.granted_at, granted_by = excluded.granted_by",
                q.ps(5),
                q.fold("project")
            ),
            grant_remove: format!(
                "DELETE FROM grants WHERE {} AND identity_id = {}",
                q.ci("project", 1),
                q.p(2)
            ),
            grant_get: format!(
                "SELECT {GRANT_COLUMNS} FROM grants WHERE {} AND identity_id = {}",
                q.ci("project", 1),
                q.p(2)
            ),
            grant_list: format!(
                "SELECT {GRANT_COLUMNS} FROM grants WHERE {} OR {} ORDER BY {}, identity_id",
                flag(1, "text"),
                q.ci("project", 1),
                q.fold("project")
            ),
            audit_list: format!(
                "SELECT * FROM (SELECT {AUDIT_COLUMNS} FROM audit_events WHERE ({} OR {}) AND ({} OR {}) \
                 AND ({} OR {}) AND ({} OR at >= {}) ORDER BY id DESC LIMIT {}) e ORDER BY id",
                flag(1, "text"),
                q.ci_text("project", 1),
                flag(2, "text"),
                q.ci_text("object", 2),
                flag(3, "text"),
                q.ci_text("actor", 3),
                flag(4, "bigint"),
                q.p(4),
                q.p(5)
            ),
            audit_insert: format!(
                "INSERT INTO audit_events (at, actor, token_name, project, object, action, result, client, detail) \
                 VALUES ({})",
                q.ps(9)
            ),
        }
    }
}

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
            sql.limit(f.limit),
        ];
        self.read(|c| rows(c, &sql.access.audit_list, &params, audit_row))
    }
}
