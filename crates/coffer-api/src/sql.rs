//! [`SqlRunner`]: what runs the scripts of [`crate::CofferApi::run_sql`] for [`crate::Local`].

use coffer_core::{Caller, Service};

/// Runs the SQL of [`crate::CofferApi::run_sql`] (`POST /v1/projects/{project}/sql`).
pub trait SqlRunner: Send + Sync {
    /// Runs `sql` in `project` as `caller`.
    ///
    /// # Errors
    /// A script that does not split.
    fn run(
        &self,
        service: &Service,
        caller: &Caller,
        project: &str,
        sql: &str,
    ) -> Result<Vec<coffer_sql::Outcome>, coffer_sql::SqlError>;

    /// Stops the statement `caller` is running in `project`, if one runs on DuckDB (a
    /// client's cancel request); returns whether one was stopped. The SQL front alone has
    /// nothing to stop.
    fn interrupt(&self, _caller: &Caller, _project: &str) -> bool {
        false
    }
}

/// The SQL front alone: statements about secrets; every other statement is refused (no
/// DuckDB behind it).
#[derive(Debug, Default)]
pub struct PlainSql;

impl SqlRunner for PlainSql {
    fn run(
        &self,
        service: &Service,
        caller: &Caller,
        project: &str,
        sql: &str,
    ) -> Result<Vec<coffer_sql::Outcome>, coffer_sql::SqlError> {
        coffer_sql::Session::new(service, project, caller.clone()).run_script(sql)
    }
}
