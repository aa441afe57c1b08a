//! The CLI's exit codes, from one table over the HTTP status and code an error gets
//! ([`crate::Error::http_status`], [`crate::Error::code`]): 3 for authentication and
//! permission errors, 2 for usage and validation errors, 1 for everything else. So a command
//! exits with the same code in local mode (the service's error) and in remote mode (the
//! server's answer), and the `/sql` answer's per-statement codes follow the same rules. The
//! service itself knows no exit codes.

use crate::error::classify;
use coffer_core::CoreError;
use coffer_sql::SqlError;

/// An error's exit code for the CLI.
pub trait ToExitCode {
    /// The code: 3, 2 or 1 (see the module docs).
    fn exit_code(&self) -> u8;
}

/// The table: an error's HTTP status and code to its exit code.
pub(crate) fn by_status(status: u16, code: &str) -> u8 {
    match (status, code) {
        (401 | 403, _) => 3,
        (_, "invalid" | "bad_request" | "ambiguous") => 2,
        _ => 1,
    }
}

impl ToExitCode for CoreError {
    fn exit_code(&self) -> u8 {
        let (status, code, _) = classify(self);
        by_status(status, code)
    }
}

impl ToExitCode for SqlError {
    /// 2 for syntax, semantic and validation errors, 3 for permission errors and sandbox
    /// refusals, 1 otherwise.
    fn exit_code(&self) -> u8 {
        match self {
            SqlError::Syntax { .. } | SqlError::Unsupported(_) | SqlError::Semantic(_) => 2,
            SqlError::Core(e) => e.exit_code(),
            // DuckDB's own parser errors are syntax errors too.
            SqlError::Engine(m) if m.starts_with("Parser Error") => 2,
            SqlError::Refused { .. } | SqlError::Forbidden(_) => 3,
            _ => 1,
        }
    }
}

impl ToExitCode for crate::error::Error {
    fn exit_code(&self) -> u8 {
        by_status(self.http_status(), self.code())
    }
}
