//! The statements of export and import (`coffer migrate`), in a backend's dialect.

use crate::sql::codec::{
    AUDIT_COLUMNS, CHUNK_COLUMNS, FLIGHT_COLUMNS, FLIGHT_VERSION_COLUMNS, GRANT_COLUMNS, IDENTITY_COLUMNS,
    PROJECT_COLUMNS, RUN_COLUMNS, SECRET_COLUMNS, SOURCE_COLUMNS, TOKEN_COLUMNS,
};
use crate::sql::dialect::Sql;

/// The statements of export and import.
#[derive(Debug, Clone)]
pub(crate) struct DumpSql {
    pub(crate) projects: String,
    /// Current versions, kept versions.
    pub(crate) secrets: [String; 2],
    pub(crate) identities: String,
    pub(crate) tokens: String,
    pub(crate) grants: String,
    pub(crate) audit: String,
    pub(crate) flights: String,
    pub(crate) flight_versions: String,
    pub(crate) runs: String,
    pub(crate) logs: String,
    pub(crate) sources: String,
    pub(crate) project_insert: String,
    pub(crate) identity_insert: String,
    pub(crate) token_insert: String,
    pub(crate) grant_insert: String,
    pub(crate) audit_insert: String,
    /// Statements that end an import.
    pub(crate) after: Vec<String>,
}

impl DumpSql {
    pub(crate) fn new(q: &Sql<'_>, after: Vec<String>) -> Self {
        let secrets = |table: &str| {
            format!(
                "SELECT {SECRET_COLUMNS} FROM {table} ORDER BY project, {}, version",
                q.fold("name")
            )
        };
        DumpSql {
            projects: format!("SELECT {PROJECT_COLUMNS} FROM projects ORDER BY {}", q.order("name")),
            secrets: [secrets("secrets"), secrets("secret_versions")],
            identities: format!("SELECT {IDENTITY_COLUMNS} FROM identities ORDER BY id"),
            tokens: format!("SELECT {TOKEN_COLUMNS} FROM tokens ORDER BY id"),
            grants: format!(
                "SELECT {GRANT_COLUMNS} FROM grants ORDER BY {}, identity_id",
                q.fold("project")
            ),
            audit: format!("SELECT {AUDIT_COLUMNS} FROM audit_events ORDER BY id"),
            flights: format!("SELECT {FLIGHT_COLUMNS} FROM flights ORDER BY id"),
            flight_versions: format!(
                "SELECT {FLIGHT_VERSION_COLUMNS} FROM flight_versions ORDER BY flight_id, version"
            ),
            runs: format!("SELECT {RUN_COLUMNS} FROM flight_runs ORDER BY flight_id, run_number"),
            logs: format!(
                "SELECT flight_id, run_number, {CHUNK_COLUMNS} FROM flight_run_logs ORDER BY flight_id, run_number, seq"
            ),
            sources: format!(
                "SELECT {SOURCE_COLUMNS} FROM sources ORDER BY project, {}",
                q.fold("name")
            ),
            project_insert: format!("INSERT INTO projects ({PROJECT_COLUMNS}) VALUES ({})", q.ps(3)),
            identity_insert: format!("INSERT INTO identities ({IDENTITY_COLUMNS}) VALUES ({})", q.ps(7)),
            token_insert: format!("INSERT INTO tokens ({TOKEN_COLUMNS}) VALUES ({})", q.ps(11)),
            grant_insert: format!("INSERT INTO grants ({GRANT_COLUMNS}) VALUES ({})", q.ps(5)),
            audit_insert: format!("INSERT INTO audit_events ({AUDIT_COLUMNS}) VALUES ({})", q.ps(10)),
            after,
        }
    }
}
