//! The statements of data sources, in a backend's dialect.

use crate::sql::codec::SOURCE_COLUMNS as C;
use crate::sql::dialect::Sql;

/// The statements of data sources.
#[derive(Debug, Clone)]
pub(crate) struct SourceSql {
    pub(crate) version: String,
    pub(crate) remove: String,
    pub(crate) insert: String,
    pub(crate) get: String,
    pub(crate) list: String,
    pub(crate) delete: String,
}

impl SourceSql {
    pub(crate) fn new(q: &Sql<'_>) -> Self {
        let key = format!("project = {} AND {}", q.p(1), q.ci("name", 2));
        SourceSql {
            version: format!("SELECT version FROM sources WHERE {key}"),
            remove: format!("DELETE FROM sources WHERE {key}"),
            insert: format!("INSERT INTO sources ({C}) VALUES ({})", q.ps(11)),
            get: format!("SELECT {C} FROM sources WHERE {key}"),
            list: format!(
                "SELECT {C} FROM sources WHERE project = {} ORDER BY {}",
                q.p(1),
                q.order("name")
            ),
            delete: format!("DELETE FROM sources WHERE {key} RETURNING name"),
        }
    }
}
