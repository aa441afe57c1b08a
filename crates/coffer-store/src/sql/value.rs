//! The values that cross a connection: statement parameters ([`Value`], built with `args!`) and
//! the columns of result rows ([`Row`], [`Field`], read as a [`Column`] type).

use crate::error::{Result, StoreError};

/// A statement parameter. Typed, also when NULL: PostgreSQL checks each against its column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value<'a> {
    /// A 64-bit integer (`BIGINT`, SQLite's `INTEGER`).
    Int(Option<i64>),
    /// A 32-bit integer (`INTEGER`: a run's exit code).
    Int32(Option<i32>),
    /// A boolean (SQLite stores 0 or 1).
    Bool(bool),
    /// Text.
    Text(Option<&'a str>),
    /// Bytes (`BYTEA`, `BLOB`).
    Bytes(&'a [u8]),
}

impl From<i64> for Value<'_> {
    fn from(v: i64) -> Self {
        Value::Int(Some(v))
    }
}

impl From<Option<i64>> for Value<'_> {
    fn from(v: Option<i64>) -> Self {
        Value::Int(v)
    }
}

impl From<Option<i32>> for Value<'_> {
    fn from(v: Option<i32>) -> Self {
        Value::Int32(v)
    }
}

impl From<bool> for Value<'_> {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}

impl<'a> From<&'a str> for Value<'a> {
    fn from(v: &'a str) -> Self {
        Value::Text(Some(v))
    }
}

impl<'a> From<&'a String> for Value<'a> {
    fn from(v: &'a String) -> Self {
        Value::Text(Some(v))
    }
}

impl<'a> From<Option<&'a str>> for Value<'a> {
    fn from(v: Option<&'a str>) -> Self {
        Value::Text(v)
    }
}

impl<'a> From<&'a Option<String>> for Value<'a> {
    fn from(v: &'a Option<String>) -> Self {
        Value::Text(v.as_deref())
    }
}

impl<'a> From<&'a [u8]> for Value<'a> {
    fn from(v: &'a [u8]) -> Self {
        Value::Bytes(v)
    }
}

impl<'a> From<&'a Vec<u8>> for Value<'a> {
    fn from(v: &'a Vec<u8>) -> Self {
        Value::Bytes(v)
    }
}

/// `[Value; N]` from the expressions given, each through `Value::from`.
macro_rules! args {
    ($($v:expr),* $(,)?) => {
        [$($crate::sql::value::Value::from($v)),*]
    };
}
pub(crate) use args;

/// A column's value as the database returned it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field<'a> {
    /// NULL.
    Null,
    /// An integer (SQLite's integers, PostgreSQL's `BIGINT` and `INTEGER`).
    Int(i64),
    /// A boolean (PostgreSQL's; SQLite returns 0 or 1 as [`Field::Int`]).
    Bool(bool),
    /// Text, as stored (SQLite does not check it is UTF-8).
    Text(&'a [u8]),
    /// Bytes.
    Bytes(&'a [u8]),
}

impl Field<'_> {
    fn kind(&self) -> &'static str {
        match self {
            Field::Null => "NULL",
            Field::Int(_) => "an integer",
            Field::Bool(_) => "a boolean",
            Field::Text(_) => "text",
            Field::Bytes(_) => "bytes",
        }
    }
}

/// One row of a result.
pub trait Row {
    /// Column `i`.
    ///
    /// # Errors
    /// [`StoreError::Backend`] when there is no such column or its type is not one of
    /// [`Field`]'s.
    fn field(&self, i: usize) -> Result<Field<'_>>;
}

/// A type a column is read as.
pub trait Column: Sized {
    /// `field`, column `i` of a row, as this type.
    ///
    /// # Errors
    /// [`StoreError::Backend`] when it is of another type.
    fn read(field: Field<'_>, i: usize) -> Result<Self>;
}

fn mismatch(i: usize, want: &str, found: Field<'_>) -> StoreError {
    StoreError::Backend(format!("column {i} is {}, not {want}", found.kind()))
}

fn text(i: usize, bytes: &[u8]) -> Result<String> {
    String::from_utf8(bytes.to_vec()).map_err(|_| StoreError::Backend(format!("column {i} is not valid UTF-8")))
}

impl Column for i64 {
    fn read(field: Field<'_>, i: usize) -> Result<Self> {
        match field {
            Field::Int(v) => Ok(v),
            other => Err(mismatch(i, "an integer", other)),
        }
    }
}

impl Column for i32 {
    fn read(field: Field<'_>, i: usize) -> Result<Self> {
        let v = i64::read(field, i)?;
        i32::try_from(v).map_err(|_| StoreError::Backend(format!("column {i}: {v} is out of range")))
    }
}

impl Column for bool {
    fn read(field: Field<'_>, i: usize) -> Result<Self> {
        match field {
            Field::Bool(v) => Ok(v),
            Field::Int(v) => Ok(v != 0),
            other => Err(mismatch(i, "a boolean", other)),
        }
    }
}

impl Column for String {
    fn read(field: Field<'_>, i: usize) -> Result<Self> {
        match field {
            Field::Text(v) => text(i, v),
            other => Err(mismatch(i, "text", other)),
        }
    }
}

impl Column for Vec<u8> {
    fn read(field: Field<'_>, i: usize) -> Result<Self> {
        match field {
            Field::Bytes(v) => Ok(v.to_vec()),
            other => Err(mismatch(i, "bytes", other)),
        }
    }
}

impl<T: Column> Column for Option<T> {
    fn read(field: Field<'_>, i: usize) -> Result<Self> {
        match field {
            Field::Null => Ok(None),
            other => T::read(other, i).map(Some),
        }
    }
}

impl dyn Row + '_ {
    /// Column `i`, as `T`.
    ///
    /// # Errors
    /// [`StoreError::Backend`] when there is no such column or it is of another type.
    pub fn get<T: Column>(&self, i: usize) -> Result<T> {
        T::read(self.field(i)?, i)
    }
}
