//! The CLI's own errors and its exit codes: [`UsageError`] (exit code 2), [`ExitWith`] (a
//! command that reported its errors itself), and [`exit_code`], the exit code of any error
//! (coffer-api's table for the service's, the SQL front's and the API's errors).

use coffer_api::ToExitCode;

/// A CLI-level usage error (exit code 2).
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// The exit code of an error (see the crate docs).
pub fn exit_code(err: &anyhow::Error) -> u8 {
    for cause in err.chain() {
        if let Some(e) = cause.downcast_ref::<coffer_core::CoreError>() {
            return e.exit_code();
        }
        if let Some(e) = cause.downcast_ref::<coffer_sql::SqlError>() {
            return e.exit_code();
        }
        if let Some(e) = cause.downcast_ref::<coffer_api::Error>() {
            return e.exit_code();
        }
        if let Some(e) = cause.downcast_ref::<ExitWith>() {
            return e.0;
        }
        if cause.downcast_ref::<UsageError>().is_some() || cause.downcast_ref::<coffer_model::ModelError>().is_some() {
            return 2;
        }
    }
    1
}

/// A command that already reported its errors and only needs to exit with this code.
#[derive(Debug)]
pub struct ExitWith(pub u8);

impl std::fmt::Display for ExitWith {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit {}", self.0)
    }
}

impl std::error::Error for ExitWith {}
