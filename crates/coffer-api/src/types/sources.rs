//! Data sources: the databases and lakes a project's DuckDB attaches by name.

use super::conflict::{OnConflictBody, SecretAction};
use crate::error::Error;
use coffer_model::source::{validate_source, SourceSpec};
use coffer_model::ModelError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[cfg(feature = "openapi")]
use super::name::Name;

/// Create (or replace, or keep) a data source: attached by the project's DuckDB under `name`
/// with the coffer secret `secret`. It holds no credential: an option that looks like one is
/// refused.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateSourceBody {
    /// The catalog name: 1 to 63 letters, digits and `_`, not starting with a digit (any case;
    /// stored lower-case).
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^[A-Za-z_][A-Za-z0-9_]{0,62}$", example = "warehouse")
    )]
    pub name: String,
    /// `postgres`, `mysql`, `sqlite`, `ducklake`, `iceberg` or `s3` (any case).
    #[serde(rename = "type")]
    #[cfg_attr(feature = "openapi", schema(example = "postgres"))]
    pub source_type: String,
    /// The coffer secret holding its credentials, by name (none for `sqlite`).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Name>))]
    pub secret: Option<String>,
    /// The type's options (`path`, `schema`, `data_path`, `metadata_schema`, `endpoint`, ...).
    #[serde(default)]
    pub options: BTreeMap<String, String>,
    /// Attach it read-only (the default).
    #[serde(default = "read_only_default")]
    pub read_only: bool,
    /// What to do when a source of that name exists.
    #[serde(default)]
    pub on_conflict: OnConflictBody,
}

fn read_only_default() -> bool {
    true
}

/// The options' keys, not their values: a body that is refused may hold a credential where
/// none belongs.
impl std::fmt::Debug for CreateSourceBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateSourceBody")
            .field("name", &self.name)
            .field("source_type", &self.source_type)
            .field("secret", &self.secret)
            .field("options", &self.options.keys().collect::<Vec<_>>())
            .field("read_only", &self.read_only)
            .field("on_conflict", &self.on_conflict)
            .finish()
    }
}

impl CreateSourceBody {
    /// The definition it gives, as the service takes it.
    pub fn spec(&self) -> SourceSpec {
        SourceSpec {
            name: self.name.clone(),
            source_type: self.source_type.clone(),
            secret: self.secret.clone(),
            options: self.options.clone(),
            read_only: self.read_only,
        }
    }

    /// Checks the definition as the service will ([`validate_source`]).
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the field (`name`, `type`, `secret`, `options.KEY`).
    pub fn validate(&self) -> crate::error::Result<()> {
        validate_source(&self.spec()).map(drop).map_err(|e| match &e {
            ModelError::InvalidSource { field, .. } => {
                Error::invalid(&crate::error::source_field(field), e.to_string())
            }
            _ => Error::Core(e.into()),
        })
    }
}

/// What a create of a data source did.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateSourceResponse {
    /// `created` (HTTP 201), `replaced` or `kept existing`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub action: SecretAction,
    /// The source.
    pub source: coffer_core::SourceInfo,
}

impl From<coffer_core::SourceOutcome> for CreateSourceResponse {
    fn from(outcome: coffer_core::SourceOutcome) -> Self {
        use coffer_core::SourceOutcome as O;
        let (action, source) = match outcome {
            O::Created(i) => (SecretAction::Created, i),
            O::Replaced(i) => (SecretAction::Replaced, i),
            O::Kept(i) => (SecretAction::Kept, i),
        };
        CreateSourceResponse { action, source }
    }
}

/// Drop options of a data source.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct DropSourceQuery {
    /// Succeed when it does not exist.
    #[serde(default)]
    pub if_exists: bool,
}

/// What a drop of a data source did.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DropSourceResponse {
    /// Whether there was one (false only with `if_exists`).
    pub dropped: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bodies_default_to_read_only_and_refuse_unknown_fields() {
        let body: CreateSourceBody = serde_json::from_value(json!({
            "name": "warehouse", "type": "postgres", "secret": "pg_prod", "options": {"schema": "public"},
        }))
        .expect("a body");
        assert!(body.read_only);
        assert_eq!(body.on_conflict, OnConflictBody::Error);
        body.validate().expect("valid");
        let unknown =
            serde_json::from_value::<CreateSourceBody>(json!({"name": "w", "type": "sqlite", "password": "x"}));
        assert!(unknown.is_err());
    }

    #[test]
    fn invalid_bodies_name_their_field_and_show_no_option_value() {
        for (body, field) in [
            (json!({"name": "1x", "type": "postgres", "secret": "p"}), "name"),
            (json!({"name": "w", "type": "oracle", "secret": "p"}), "type"),
            (json!({"name": "w", "type": "postgres"}), "secret"),
            (
                json!({"name": "w", "type": "postgres", "secret": "p", "options": {"path": "host=h password=hunter2"}}),
                "options.path",
            ),
        ] {
            let body: CreateSourceBody = serde_json::from_value(body).expect("a body");
            let err = body.validate().expect_err("invalid");
            assert_eq!((err.field().as_deref(), err.http_status()), (Some(field), 400), "{err}");
            assert!(!err.to_string().contains("hunter2"), "{err}");
            assert!(!format!("{body:?}").contains("hunter2"), "{body:?}");
        }
    }
}
