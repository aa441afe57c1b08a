//! DuckDB's secret settings, taken by coffer with a meaning of its own instead of the embedded
//! DuckDB's "the configuration has been locked":
//!
//! - `allow_persistent_secrets` (default true): false makes this session refuse
//!   `CREATE PERSISTENT SECRET`, as DuckDB with the setting off does;
//! - `default_secret_storage` (default `local_file`, which is coffer's store): the storage of a
//!   `CREATE PERSISTENT SECRET` without `IN`; `memory` refuses it with DuckDB's error, an
//!   unknown name is refused when it is used, as in DuckDB;
//! - `secret_directory`: accepted and not used, since coffer's persistent secrets live
//!   encrypted in its store, never as files.
//!
//! Unlike DuckDB, which refuses a change once a secret was used, they may change at any time;
//! they last as long as the session.

use super::values::literal;
use super::Session;
use crate::error::{Result, SqlError};
use crate::table::Table;
use coffer_model::InputValue;
use sqlparser::ast::{Expr, ObjectName};

impl Session<'_> {
    pub(super) fn set_secret_setting(&mut self, name: &ObjectName, values: &[Expr]) -> Result<Table> {
        let setting = name.to_string().trim_matches('"').to_ascii_lowercase();
        let [value] = values else {
            return Err(SqlError::Semantic(format!("SET {setting} takes one value")));
        };
        let value = match value {
            // A bare word (SET default_secret_storage = memory) is its own name, as in DuckDB.
            Expr::Identifier(id) => InputValue::Text(coffer_crypto::SecretString::new(id.value.clone())),
            other => literal(other)?
                .ok_or_else(|| SqlError::Semantic(format!("SET {setting}: the value may not be NULL")))?,
        };
        match setting.as_str() {
            "allow_persistent_secrets" => {
                let b = match value {
                    InputValue::Bool(b) => b,
                    InputValue::Int(i) => i != 0,
                    InputValue::Text(t) => match t.expose_secret().to_ascii_lowercase().as_str() {
                        "true" | "t" | "1" | "yes" | "y" => true,
                        "false" | "f" | "0" | "no" | "n" => false,
                        _ => {
                            return Err(SqlError::Semantic(
                                "Invalid Input Error: allow_persistent_secrets takes a boolean (true or false)".into(),
                            ))
                        }
                    },
                    InputValue::Map(_) => {
                        return Err(SqlError::Semantic(
                            "Invalid Input Error: allow_persistent_secrets takes a boolean (true or false)".into(),
                        ))
                    }
                };
                self.settings.allow_persistent = b;
            }
            "default_secret_storage" => {
                self.settings.default_storage = super::values::text_of(Some(value)).unwrap_or_default();
            }
            // secret_directory: coffer keeps no secret files (module doc).
            _ => {}
        }
        Ok(Table::success())
    }
}
