//! `/sql`: a script, run as `coffer sql` runs it, and its results.

use super::encode::{secret_text, Redacted};
use crate::exit::ToExitCode;
use coffer_crypto::SecretString;
use serde::{Deserialize, Serialize};

/// Run SQL: the statements of `coffer sql`, on the server.
#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SqlBody {
    /// One or more statements separated by `;`.
    #[serde(with = "secret_text")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub sql: SecretString,
}

/// Not the statements, which can carry secret values (CREATE SECRET ... SECRET '...'); and
/// no `Clone`.
impl std::fmt::Debug for SqlBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlBody").field("sql", &Redacted).finish()
    }
}

/// An SQL error, as `coffer sql` prints it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SqlErrorBody {
    /// The message.
    pub message: String,
    /// The message with the statement's line, column and a caret, string literals masked.
    pub rendered: String,
    /// The exit code `coffer sql` gives it: 2 for syntax and usage, 3 for permission, 1 else.
    pub exit_code: u8,
}

/// One statement's result: a table or an error.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SqlStatementResult {
    /// The result, when it succeeded.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub table: Option<coffer_sql::Table>,
    /// The error, when it failed.
    pub error: Option<SqlErrorBody>,
}

/// The results of a script, one per statement; `error` when the script did not even split.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SqlResponse {
    /// An error of the whole script (an unterminated string).
    pub error: Option<SqlErrorBody>,
    /// One result per statement, in order.
    pub results: Vec<SqlStatementResult>,
}

impl SqlResponse {
    /// The response to a script from what running it gave, each error rendered by `render`.
    pub fn from_outcomes(
        result: Result<Vec<coffer_sql::Outcome>, coffer_sql::SqlError>,
        mut render: impl FnMut(coffer_sql::SqlError) -> SqlErrorBody,
    ) -> Self {
        match result {
            Err(e) => SqlResponse {
                error: Some(render(e)),
                results: Vec::new(),
            },
            Ok(outcomes) => SqlResponse {
                error: None,
                results: outcomes
                    .into_iter()
                    .map(|o| match o.result {
                        Ok(table) => SqlStatementResult {
                            table: Some(table),
                            error: None,
                        },
                        Err(e) => SqlStatementResult {
                            table: None,
                            error: Some(render(e)),
                        },
                    })
                    .collect(),
            },
        }
    }
}

impl SqlErrorBody {
    /// From an SQL error in `script`.
    pub fn of(e: &coffer_sql::SqlError, script: &str) -> Self {
        SqlErrorBody {
            message: e.to_string(),
            rendered: e.render(script),
            exit_code: e.exit_code(),
        }
    }
}
