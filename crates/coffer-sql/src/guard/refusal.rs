//! A sandbox rule's refusal, and the helpers that make one.

use super::lists::{is_remote, REMOTE_SCHEMES};
use crate::error::SqlError;
use std::fmt;

/// Why a statement may not reach a sandboxed DuckDB: the rule, for the error message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The rule that refused it: `setting`, `pragma`, `extension`, `attach`, `local-file`,
    /// `host-info` or `secret`.
    pub rule: &'static str,
    /// What was refused and what to do instead.
    pub message: String,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "refused by the sandbox rule '{}': {}", self.rule, self.message)
    }
}

impl std::error::Error for Refusal {}

impl From<Refusal> for SqlError {
    fn from(r: Refusal) -> Self {
        SqlError::Refused {
            rule: r.rule,
            message: r.message,
        }
    }
}

pub(super) fn refuse(rule: &'static str, message: impl Into<String>) -> Result<(), Refusal> {
    Err(Refusal {
        rule,
        message: message.into(),
    })
}

/// Refuses, with the rule `local-file`, a `path` (for `what`) that is not a remote URL.
pub(super) fn remote_only(what: &str, path: &str) -> Result<(), Refusal> {
    if is_remote(path) {
        return Ok(());
    }
    refuse(
        "local-file",
        format!(
            "{what} '{path}' is not a remote URL: a sandboxed session reads and writes only remote objects ({}://...)",
            REMOTE_SCHEMES.join("://, ")
        ),
    )
}
