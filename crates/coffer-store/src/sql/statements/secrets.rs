//! The statements of secrets and their kept versions, in a backend's dialect.

use crate::sql::codec::SECRET_COLUMNS as C;
use crate::sql::dialect::Sql;

/// The statements of secrets.
#[derive(Debug, Clone)]
pub(crate) struct SecretSql {
    pub(crate) version: String,
    pub(crate) keep: String,
    pub(crate) prune: String,
    pub(crate) remove: String,
    /// Into `secrets`, into `secret_versions`.
    pub(crate) insert: [String; 2],
    pub(crate) get: String,
    pub(crate) list: String,
    pub(crate) history: String,
    pub(crate) all: String,
    /// In `secrets`, in `secret_versions`.
    pub(crate) rewrap: [String; 2],
    pub(crate) delete: String,
    pub(crate) delete_versions: String,
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
