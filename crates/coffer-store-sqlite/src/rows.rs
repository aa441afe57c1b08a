//! rusqlite as the shared logic sees it: SQLite's [`Dialect`], a connection as a [`Conn`], its
//! rows as [`Row`]s.

use coffer_store::sql::{Conn, Dialect, Field, Row, Value};
use coffer_store::{Result, StoreError};
use rusqlite::types::{ToSqlOutput, ValueRef};

/// SQLite's SQL: `?1` parameters, names compared by their columns' `COLLATE NOCASE`, no row
/// locks (the one writer holds the database).
pub(crate) struct Sqlite;

impl Dialect for Sqlite {
    fn param(&self, n: usize) -> String {
        format!("?{n}")
    }

    fn fold(&self, expr: &str) -> String {
        expr.to_string()
    }

    fn fold_text(&self, expr: &str) -> String {
        format!("{expr} COLLATE NOCASE")
    }

    fn insert_ignore(&self, rest: &str) -> String {
        format!("INSERT OR IGNORE INTO {rest}")
    }

    fn lock_rows(&self) -> &'static str {
        ""
    }

    /// SQLite refuses `LIMIT NULL`; a negative limit is none.
    fn no_limit(&self) -> Option<i64> {
        Some(-1)
    }
}

pub(crate) fn backend(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// A parameter as rusqlite binds it.
struct Param<'a>(Value<'a>);

impl rusqlite::ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        let v = match self.0 {
            Value::Int(Some(v)) => ValueRef::Integer(v),
            Value::Int32(Some(v)) => ValueRef::Integer(i64::from(v)),
            Value::Bool(v) => ValueRef::Integer(i64::from(v)),
            Value::Text(Some(v)) => ValueRef::Text(v.as_bytes()),
            Value::Bytes(v) => ValueRef::Blob(v),
            Value::Int(None) | Value::Int32(None) | Value::Text(None) => ValueRef::Null,
        };
        Ok(ToSqlOutput::Borrowed(v))
    }
}

/// A connection (or a transaction: it derefs to one); statements are prepared once and cached.
pub(crate) struct Db<'a>(pub(crate) &'a rusqlite::Connection);

impl Conn for Db<'_> {
    fn execute(&self, sql: &str, params: &[Value<'_>]) -> Result<u64> {
        let mut stmt = self.0.prepare_cached(sql).map_err(backend)?;
        let n = stmt
            .execute(rusqlite::params_from_iter(params.iter().copied().map(Param)))
            .map_err(backend)?;
        Ok(n as u64)
    }

    fn query(&self, sql: &str, params: &[Value<'_>], each: &mut dyn FnMut(&dyn Row) -> Result<()>) -> Result<()> {
        let mut stmt = self.0.prepare_cached(sql).map_err(backend)?;
        let mut rows = stmt
            .query(rusqlite::params_from_iter(params.iter().copied().map(Param)))
            .map_err(backend)?;
        while let Some(row) = rows.next().map_err(backend)? {
            each(&SqliteRow(row))?;
        }
        Ok(())
    }
}

struct SqliteRow<'a, 'b>(&'a rusqlite::Row<'b>);

impl Row for SqliteRow<'_, '_> {
    fn field(&self, i: usize) -> Result<Field<'_>> {
        Ok(match self.0.get_ref(i).map_err(backend)? {
            ValueRef::Null => Field::Null,
            ValueRef::Integer(v) => Field::Int(v),
            ValueRef::Text(v) => Field::Text(v),
            ValueRef::Blob(v) => Field::Bytes(v),
            ValueRef::Real(_) => return Err(StoreError::Backend(format!("column {i} is a real number"))),
        })
    }
}
