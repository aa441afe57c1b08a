//! Several processes on one database: the generation, the change feed and the nodes'
//! heartbeats.

use super::codec::{node_row, NODE_COLUMNS};
use super::conn::args;
use super::dialect::Sql;
use super::{first, rows, SqlBackend};
use crate::{NodeRecord, NodeStore, Result, StoreChange, StoreError};

/// The statements of nodes.
#[derive(Debug, Clone)]
pub(crate) struct NodeSql {
    heartbeat: String,
    list: String,
    remove: String,
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

impl<B: SqlBackend> NodeStore for B {
    fn generation(&self) -> Result<i64> {
        self.read(|c| first(c, "SELECT generation FROM meta", &[], |r| r.get(0)))?
            .ok_or_else(|| StoreError::Backend("the meta table has no row".into()))
    }

    fn subscribe(&self) -> Result<Option<std::sync::mpsc::Receiver<StoreChange>>> {
        self.change_feed()
    }

    fn node_heartbeat(&self, node: &NodeRecord) -> Result<()> {
        let s = &self.statements().nodes;
        self.execute(
            &s.heartbeat,
            &args![&node.id, node.started_at, node.heartbeat_at, &node.url],
        )?;
        Ok(())
    }

    fn list_nodes(&self) -> Result<Vec<NodeRecord>> {
        let s = &self.statements().nodes;
        self.read(|c| rows(c, &s.list, &[], node_row))
    }

    fn remove_node(&self, id: &str) -> Result<bool> {
        let s = &self.statements().nodes;
        Ok(self.execute(&s.remove, &args![id])? > 0)
    }
}
