//! tokio-postgres as the shared logic sees it: PostgreSQL's [`Dialect`], a pooled connection or
//! transaction as a [`Conn`] (each statement run to its end on the calling thread), its rows as
//! [`Row`]s (the driver's errors become ours in [`crate::error`]).

use crate::error::{audit_err, pg};
use crate::feed::{Note, CHANNEL};
use coffer_store::sql::{codec, Conn, Dialect, Field, Notice, Row, Value};
use coffer_store::{AuditEvent, Result, StoreError};
use deadpool_postgres::GenericClient;
use tokio_postgres::types::{ToSql, Type};

/// PostgreSQL's SQL: `$1` parameters, and the defaults of [`Dialect`] (names compared on
/// `lower()`, on which the unique indexes are).
pub(crate) struct Postgres;

impl Dialect for Postgres {
    fn param(&self, n: usize) -> String {
        format!("${n}")
    }

    /// Explicit ids do not move the sequences: put them past the copied rows.
    fn after_import(&self) -> Vec<String> {
        [
            ("identities", "identities_id_seq"),
            ("tokens", "tokens_id_seq"),
            ("audit_events", "audit_events_id_seq"),
        ]
        .iter()
        .map(|(table, seq)| format!("SELECT setval('{seq}', COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"))
        .collect()
    }
}

/// Inserts audit events with one statement (one round trip, whatever their number).
pub(crate) const AUDIT_INSERT: &str = "INSERT INTO audit_events (at, actor, token_name, project, object, action, \
     result, client, detail) SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], \
     $6::text[], $7::text[], $8::text[], $9::text[])";

/// The columns of [`AUDIT_INSERT`].
pub(crate) struct AuditColumns<'a> {
    at: Vec<i64>,
    actor: Vec<&'a str>,
    token_name: Vec<Option<&'a str>>,
    project: Vec<&'a str>,
    object: Vec<&'a str>,
    action: Vec<&'a str>,
    result: Vec<&'a str>,
    client: Vec<&'a str>,
    detail: Vec<Option<&'a str>>,
}

impl<'a> AuditColumns<'a> {
    pub(crate) fn of(events: &'a [AuditEvent]) -> Self {
        AuditColumns {
            at: events.iter().map(|e| e.at).collect(),
            actor: events.iter().map(|e| e.actor.as_str()).collect(),
            token_name: events.iter().map(|e| e.token_name.as_deref()).collect(),
            project: events.iter().map(|e| e.project.as_str()).collect(),
            object: events.iter().map(|e| e.object.as_str()).collect(),
            action: events.iter().map(|e| e.action.as_str()).collect(),
            result: events.iter().map(|e| e.result.as_str()).collect(),
            client: events.iter().map(|e| e.client.as_str()).collect(),
            detail: events.iter().map(|e| e.detail.as_deref()).collect(),
        }
    }

    pub(crate) fn params(&self) -> [&(dyn ToSql + Sync); 9] {
        [
            &self.at,
            &self.actor,
            &self.token_name,
            &self.project,
            &self.object,
            &self.action,
            &self.result,
            &self.client,
            &self.detail,
        ]
    }
}

/// Writes `events` on `client` with [`AUDIT_INSERT`].
pub(crate) async fn insert_audit(client: &impl GenericClient, events: &[AuditEvent]) -> Result<()> {
    let cols = AuditColumns::of(events);
    let st = client.prepare_cached(AUDIT_INSERT).await.map_err(audit_err)?;
    client.execute(&st, &cols.params()).await.map_err(audit_err)?;
    Ok(())
}

/// The driver's parameters for `params`, each typed as its column will check.
fn bind<'a>(params: &[Value<'a>]) -> Vec<Box<dyn ToSql + Sync + 'a>> {
    params
        .iter()
        .map(|v| -> Box<dyn ToSql + Sync + 'a> {
            match *v {
                Value::Int(v) => Box::new(v),
                Value::Int32(v) => Box::new(v),
                Value::Bool(v) => Box::new(v),
                Value::Text(v) => Box::new(v),
                Value::Bytes(v) => Box::new(v),
            }
        })
        .collect()
}

/// A pooled connection or a transaction on one. Each call runs to its end on the calling
/// thread, which must be in the store's runtime (see `PgStore::block`).
pub(crate) struct Pg<'a, C> {
    pub(crate) client: &'a C,
    /// The store's id in the change feed.
    pub(crate) origin: &'a str,
}

impl<C: GenericClient> Conn for Pg<'_, C> {
    fn execute(&self, sql: &str, params: &[Value<'_>]) -> Result<u64> {
        let bound = bind(params);
        let params: Vec<&(dyn ToSql + Sync)> = bound.iter().map(|p| &**p as _).collect();
        futures_executor::block_on(async {
            let st = self.client.prepare_cached(sql).await.map_err(pg)?;
            self.client.execute(&st, &params).await.map_err(pg)
        })
    }

    fn query(&self, sql: &str, params: &[Value<'_>], each: &mut dyn FnMut(&dyn Row) -> Result<()>) -> Result<()> {
        let bound = bind(params);
        let params: Vec<&(dyn ToSql + Sync)> = bound.iter().map(|p| &**p as _).collect();
        let rows = futures_executor::block_on(async {
            let st = self.client.prepare_cached(sql).await.map_err(pg)?;
            self.client.query(&st, &params).await.map_err(pg)
        })?;
        for row in &rows {
            each(&PgRow(row))?;
        }
        Ok(())
    }

    fn insert_audit(&self, _insert: &str, events: &[AuditEvent]) -> Result<()> {
        futures_executor::block_on(insert_audit(self.client, events))
    }

    fn notify(&self, notice: Notice<'_>) -> Result<()> {
        let (kind, project, name) = match notice {
            Notice::Upserted { project, name } => ("u", project, name),
            Notice::Dropped { project, name } => ("d", project, name),
            Notice::SourceChanged { project, name } => ("s", project, name),
            Notice::ProjectDropped { project } => ("p", project, ""),
            Notice::Reloaded => ("r", "", ""),
        };
        let payload = codec::json(&Note {
            o: self.origin.to_string(),
            k: kind.into(),
            p: project.into(),
            n: name.into(),
        })?;
        self.execute("SELECT pg_notify($1, $2)", &[CHANNEL.into(), payload.as_str().into()])?;
        Ok(())
    }
}

struct PgRow<'a>(&'a tokio_postgres::Row);

impl Row for PgRow<'_> {
    fn field(&self, i: usize) -> Result<Field<'_>> {
        let r = self.0;
        let column = r
            .columns()
            .get(i)
            .ok_or_else(|| StoreError::Backend(format!("no column {i}")))?;
        let field = match *column.type_() {
            Type::INT8 => r.try_get::<_, Option<i64>>(i).map(|v| v.map(Field::Int)),
            Type::INT4 => r.try_get::<_, Option<i32>>(i).map(|v| v.map(|v| Field::Int(v.into()))),
            Type::BOOL => r.try_get::<_, Option<bool>>(i).map(|v| v.map(Field::Bool)),
            Type::TEXT => r
                .try_get::<_, Option<&str>>(i)
                .map(|v| v.map(|v| Field::Text(v.as_bytes()))),
            Type::BYTEA => r.try_get::<_, Option<&[u8]>>(i).map(|v| v.map(Field::Bytes)),
            ref other => return Err(StoreError::Backend(format!("column {i} is of type {other}"))),
        };
        Ok(field.map_err(pg)?.unwrap_or(Field::Null))
    }
}
