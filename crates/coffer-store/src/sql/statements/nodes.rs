//! The statements of nodes (their heartbeats), in a backend's dialect.

use crate::sql::codec::NODE_COLUMNS;
use crate::sql::dialect::Sql;

/// The statements of nodes.
#[derive(Debug, Clone)]
pub(crate) struct NodeSql {
    pub(crate) heartbeat: String,
    pub(crate) list: String,
    pub(crate) remove: String,
}

impl NodeSql {
    pub(crate) fn new(q: &Sql<'_>) -> Self {
        NodeSql {
            heartbeat: format!(
                "INSERT INTO nodes ({NODE_COLUMNS}) VALUES ({}) \
                 ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, url = excluded.url",
                q.ps(4)
            ),
            list: format!("SELECT {NODE_COLUMNS} FROM nodes ORDER BY id"),
            remove: format!("DELETE FROM nodes WHERE id = {}", q.p(1)),
        }
    }
}
