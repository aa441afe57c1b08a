//! The answers of the data sources use cases.

use coffer_model::source::SourceSpec;
use coffer_store::SourceRecord;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A data source as the project has it: a database or lake its DuckDB attaches under `name`,
/// with the coffer secret `secret` for its credentials. It holds no credential itself.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SourceInfo {
    /// The catalog name it is attached under (`warehouse` in `warehouse.public.orders`).
    pub name: String,
    /// `postgres`, `mysql`, `sqlite`, `ducklake`, `iceberg` or `s3`.
    #[serde(rename = "type")]
    pub source_type: String,
    /// The coffer secret holding its credentials, by name (none for `sqlite`).
    pub secret: Option<String>,
    /// The type's options (`path`, `schema`, `data_path`, `endpoint`, ...).
    pub options: BTreeMap<String, String>,
    /// Attached read-only.
    pub read_only: bool,
    /// 1 when created, one more on each replace.
    pub version: i64,
    /// Created, Unix milliseconds.
    pub created_at: i64,
    /// Creator.
    pub created_by: String,
    /// Last written, Unix milliseconds.
    pub updated_at: i64,
    /// Last writer.
    pub updated_by: String,
}

impl SourceInfo {
    /// Its definition, as `coffer_model::source::attach_sql` takes it.
    pub fn spec(&self) -> SourceSpec {
        SourceSpec {
            name: self.name.clone(),
            source_type: self.source_type.clone(),
            secret: self.secret.clone(),
            options: self.options.clone(),
            read_only: self.read_only,
        }
    }

    pub(crate) fn from_record(r: &SourceRecord) -> Self {
        SourceInfo {
            name: r.name.clone(),
            source_type: r.source_type.clone(),
            secret: r.secret.clone(),
            options: r.options.clone(),
            read_only: r.read_only,
            version: r.version,
            created_at: r.created_at,
            created_by: r.created_by.clone(),
            updated_at: r.updated_at,
            updated_by: r.updated_by.clone(),
        }
    }
}

/// What a create of a data source did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceOutcome {
    /// A new source.
    Created(SourceInfo),
    /// A new version of an existing one (`OnConflict::Replace`).
    Replaced(SourceInfo),
    /// Nothing: it existed and `OnConflict::Ignore` was given.
    Kept(SourceInfo),
}

impl SourceOutcome {
    /// The source concerned.
    pub fn info(&self) -> &SourceInfo {
        match self {
            SourceOutcome::Created(i) | SourceOutcome::Replaced(i) | SourceOutcome::Kept(i) => i,
        }
    }

    /// The source concerned, owned.
    pub fn into_info(self) -> SourceInfo {
        match self {
            SourceOutcome::Created(i) | SourceOutcome::Replaced(i) | SourceOutcome::Kept(i) => i,
        }
    }
}
