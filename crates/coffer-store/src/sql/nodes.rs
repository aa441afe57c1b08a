//! Several processes on one database: the generation, the change feed and the nodes'
//! heartbeats.

use super::backend::SqlBackend;
use super::codec::node_row;
use super::conn::{first, rows};
use super::value::args;
use crate::error::{Result, StoreError};
use crate::records::{NodeRecord, StoreChange};
use crate::store::NodeStore;

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
