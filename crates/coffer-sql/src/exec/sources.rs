//! `CREATE SOURCE`, `DROP SOURCE` and `FROM coffer_sources()`: data sources through the
//! service (defining needs `write`, listing `read`).

use super::Session;
use crate::error::Result;
use crate::source::{CreateSource, DropSource};
use crate::table::{ColType, Table, Value};
use coffer_core::OnConflict;

impl Session<'_> {
    pub(super) fn create_source(&mut self, c: CreateSource) -> Result<Table> {
        let on_conflict = if c.or_replace {
            OnConflict::Replace
        } else if c.if_not_exists {
            OnConflict::Ignore
        } else {
            OnConflict::Error
        };
        self.service
            .create_source(&self.caller, &self.project, &c.spec, on_conflict)?;
        Ok(Table::success())
    }

    pub(super) fn drop_source(&mut self, d: DropSource) -> Result<Table> {
        self.service
            .drop_source(&self.caller, &self.project, &d.name, d.if_exists)?;
        Ok(Table::success())
    }

    /// `coffer_sources()`: one row per data source of the project.
    pub(super) fn sources_table(&self) -> Result<Table> {
        let sources = self.service.list_sources(&self.caller, &self.project)?;
        Ok(Table {
            columns: vec![
                ("name".into(), ColType::Varchar),
                ("type".into(), ColType::Varchar),
                ("secret".into(), ColType::Varchar),
                ("read_only".into(), ColType::Boolean),
                ("options".into(), ColType::Varchar),
                ("version".into(), ColType::BigInt),
                ("updated_at".into(), ColType::Other("timestamp".into())),
                ("updated_by".into(), ColType::Varchar),
            ],
            rows: sources
                .into_iter()
                .map(|s| {
                    let options: Vec<String> = s.options.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    vec![
                        Value::Text(s.name),
                        Value::Text(s.source_type),
                        s.secret.map_or(Value::Null, Value::Text),
                        Value::Bool(s.read_only),
                        Value::Text(options.join(";")),
                        Value::Int(s.version),
                        Value::Text(crate::table::timestamp(s.updated_at)),
                        Value::Text(s.updated_by),
                    ]
                })
                .collect(),
        })
    }
}
