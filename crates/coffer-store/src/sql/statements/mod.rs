//! [`Statements`]: every statement of the shared logic written in a backend's [`Dialect`], built
//! once when a store opens; one module an area.

pub(super) mod access;
pub(super) mod dump;
pub(super) mod flights;
pub(super) mod nodes;
pub(super) mod secrets;
pub(super) mod sources;

use access::AccessSql;
use dump::DumpSql;
use flights::FlightSql;
use nodes::NodeSql;
use secrets::SecretSql;
use sources::SourceSql;

use super::dialect::{Dialect, Sql};

/// Every statement of the shared logic, in one backend's dialect.
#[derive(Debug, Clone)]
pub struct Statements {
    pub(crate) secrets: SecretSql,
    pub(crate) access: AccessSql,
    pub(crate) flights: FlightSql,
    pub(crate) sources: SourceSql,
    pub(crate) nodes: NodeSql,
    pub(crate) dump: DumpSql,
    pub(crate) no_limit: Option<i64>,
}

impl Statements {
    /// Writes every statement in `dialect`.
    pub fn new(dialect: &dyn Dialect) -> Self {
        let q = Sql(dialect);
        Statements {
            secrets: SecretSql::new(&q),
            access: AccessSql::new(&q),
            flights: FlightSql::new(&q),
            sources: SourceSql::new(&q),
            nodes: NodeSql::new(&q),
            dump: DumpSql::new(&q, dialect.after_import()),
            no_limit: dialect.no_limit(),
        }
    }

    /// The `INSERT` of one audit event (without its id), parameters in the order of
    /// [`AuditEvent`](crate::AuditEvent)'s fields from `at`: what
    /// [`Conn::insert_audit`](crate::sql::Conn::insert_audit) takes.
    pub fn audit_insert(&self) -> &str {
        &self.access.audit_insert
    }

    /// A `LIMIT` parameter: `limit`, or the dialect's "none" when it does not fit.
    pub(crate) fn limit(&self, limit: Option<usize>) -> Option<i64> {
        limit.and_then(|l| i64::try_from(l).ok()).or(self.no_limit)
    }
}
