//! The statements of projects, identities, tokens, grants and the audit log, in a backend's
//! dialect.

use crate::sql::codec::{AUDIT_COLUMNS, GRANT_COLUMNS, IDENTITY_COLUMNS, PROJECT_COLUMNS, TOKEN_COLUMNS};
use crate::sql::dialect::Sql;

/// The statements of projects, identities, tokens, grants and the audit log.
#[derive(Debug, Clone)]
pub(crate) struct AccessSql {
    pub(crate) project_insert: String,
    pub(crate) project_get: String,
    pub(crate) project_list: String,
    pub(crate) project_delete: String,
    /// What goes with a project, in order.
    pub(crate) project_cascade: Vec<String>,
    pub(crate) identity_insert: String,
    pub(crate) identity_get: String,
    pub(crate) identity_by_id: String,
    pub(crate) identity_list: String,
    pub(crate) token_insert: String,
    pub(crate) token_by_public_id: String,
    pub(crate) token_get: String,
    pub(crate) token_list: String,
    pub(crate) token_ancestors: String,
    pub(crate) token_revoke: String,
    pub(crate) token_touch: String,
    pub(crate) grant_set: String,
    pub(crate) grant_remove: String,
    pub(crate) grant_get: String,
    pub(crate) grant_list: String,
    pub(crate) audit_list: String,
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
                format!("DELETE FROM sources WHERE project = {p1}"),
                format!("DELETE FROM grants WHERE {}", q.ci("project", 1)),
                format!("DELETE FROM identities WHERE project = {p1} AND kind = 'service_account'"),
                format!("DELETE FROM flight_versions WHERE flight_id IN {in_project}"),
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
                 AND ({} OR {}) AND ({} OR at >= {}) AND ({} OR at <= {}) AND ({} OR id < {}) \
                 ORDER BY id DESC LIMIT {}) e ORDER BY id",
                flag(1, "text"),
                q.ci_text("project", 1),
                flag(2, "text"),
                q.ci_text("object", 2),
                flag(3, "text"),
                q.ci_text("actor", 3),
                flag(4, "bigint"),
                q.p(4),
                flag(5, "bigint"),
                q.p(5),
                flag(6, "bigint"),
                q.p(6),
                q.p(7)
            ),
            audit_insert: format!(
                "INSERT INTO audit_events (at, actor, token_name, project, object, action, result, client, detail) \
                 VALUES ({})",
                q.ps(9)
            ),
        }
    }
}
