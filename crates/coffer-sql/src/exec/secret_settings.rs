//! The values of DuckDB's secret settings in a session (see `settings` for their meaning).

use sqlparser::ast::ObjectName;

/// The secret settings of a session.
#[derive(Debug, Clone)]
pub(crate) struct SecretSettings {
    pub(crate) allow_persistent: bool,
    pub(crate) default_storage: String,
}

impl Default for SecretSettings {
    fn default() -> Self {
        SecretSettings {
            allow_persistent: true,
            default_storage: "local_file".into(),
        }
    }
}

/// Whether `SET name = ...` names one of the secret settings.
pub(crate) fn is_secret_setting(name: &ObjectName) -> bool {
    matches!(
        name.to_string().trim_matches('"').to_ascii_lowercase().as_str(),
        "allow_persistent_secrets" | "secret_directory" | "default_secret_storage"
    )
}
