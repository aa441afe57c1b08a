//! The driver's errors as the store's ([`StoreError`]), without the row data PostgreSQL may put
//! in them.

use coffer_store::StoreError;

/// A driver error, as [`StoreError::Backend`].
pub(crate) fn pg(e: tokio_postgres::Error) -> StoreError {
    StoreError::Backend(describe(&e))
}

/// A driver error without the row data PostgreSQL may add in its DETAIL (sealed bytes).
pub(crate) fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(d) => format!("PostgreSQL {} ({})", d.message(), d.code().code()),
        None => {
            let mut s = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(cause) = source {
                s.push_str(": ");
                s.push_str(&cause.to_string());
                source = cause.source();
            }
            s
        }
    }
}

/// A driver error of an audit write, as [`StoreError::Audit`].
pub(crate) fn audit_err(e: tokio_postgres::Error) -> StoreError {
    StoreError::Audit(describe(&e))
}

/// A pool error, as [`StoreError::Backend`], with a hint when a certificate was refused.
pub(crate) fn pool_err(e: deadpool_postgres::PoolError) -> StoreError {
    match e {
        deadpool_postgres::PoolError::Backend(e) => {
            let why = describe(&e);
            let hint = if why.contains("certificate") {
                " (name the CA that signed the server's certificate with sslrootcert=PATH in the URL)"
            } else {
                ""
            };
            StoreError::Backend(format!("cannot reach PostgreSQL: {why}{hint}"))
        }
        other => StoreError::Backend(format!("cannot get a PostgreSQL connection: {other}")),
    }
}
