//! The request and response bodies of the HTTP API: the vocabulary of [`crate::CofferApi`],
//! which speaks them whatever carries the request. Request bodies refuse unknown fields.
//!
//! Values travel in [`SecretString`]s (a field of a create request, a token just created),
//! written out as plain JSON strings only when a body is serialized. The `validate` and
//! parsing methods of the request types are the checks the HTTP server makes before it
//! authenticates a request, naming the field at fault; [`crate::Local`] relies on the service's
//! own checks, which say the same in the CLI's words.

use crate::error::Error;
use coffer_crypto::SecretString;
use coffer_model::InputValue;
use encode::{pairs, secret_map, secret_pairs, secret_text, Redacted};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

mod conflict;
mod encode;
mod flights;
mod name;
mod sources;
mod sql;
#[cfg(test)]
mod tests;

pub use crate::error_body::ErrorBody;
pub use conflict::{OnConflictBody, SecretAction};
pub use flights::*;
pub use name::Name;
pub use sources::*;
pub use sql::*;

/// A field value in a create request: text, boolean, integer, or a map of text. Any of them
/// may be a secret's value (an integer given for a sensitive text field): `Debug` shows the
/// kind and a map's keys, never a value, and there is no `Clone`.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
pub enum FieldInput {
    /// A boolean (use_ssl).
    Bool(bool),
    /// An integer (port).
    Int(i64),
    /// Text (most fields; sensitive ones too).
    #[serde(with = "secret_text")]
    Text(SecretString),
    /// A map (flights `params`, s3 `extra_http_headers`), in the order given. Read from JSON,
    /// a key given twice keeps its last value.
    #[serde(with = "secret_pairs")]
    Map(Vec<(String, SecretString)>),
}

impl std::fmt::Debug for FieldInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self {
            FieldInput::Bool(_) => "Bool",
            FieldInput::Int(_) => "Int",
            FieldInput::Text(_) => "Text",
            FieldInput::Map(m) => {
                return f
                    .debug_tuple("Map")
                    .field(&DebugMap(m.iter().map(|(k, _)| (k, Redacted))))
                    .finish()
            }
        };
        f.debug_tuple(kind).field(&Redacted).finish()
    }
}

/// `Debug` of a map given as its entries.
struct DebugMap<I>(I);

impl<K: std::fmt::Debug, V: std::fmt::Debug, I: Iterator<Item = (K, V)> + Clone> std::fmt::Debug for DebugMap<I> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.0.clone()).finish()
    }
}

impl From<InputValue> for FieldInput {
    fn from(v: InputValue) -> Self {
        match v {
            InputValue::Text(t) => FieldInput::Text(t),
            InputValue::Bool(b) => FieldInput::Bool(b),
            InputValue::Int(i) => FieldInput::Int(i),
            InputValue::Map(m) => FieldInput::Map(m),
        }
    }
}

impl From<FieldInput> for InputValue {
    fn from(v: FieldInput) -> Self {
        match v {
            FieldInput::Bool(b) => InputValue::Bool(b),
            FieldInput::Int(i) => InputValue::Int(i),
            FieldInput::Text(t) => InputValue::Text(t),
            FieldInput::Map(m) => InputValue::Map(m),
        }
    }
}

/// The schema of [`FieldInput`], whose values are [`SecretString`]s.
#[cfg(feature = "openapi")]
mod field_input_schema {
    #![allow(dead_code)]
    use indexmap::IndexMap;

    /// A field value in a create request: text, boolean, integer, or a map of text.
    #[derive(utoipa::ToSchema)]
    #[serde(untagged)]
    pub(super) enum FieldInput {
        /// A boolean (use_ssl).
        Bool(bool),
        /// An integer (port).
        Int(i64),
        /// Text (most fields; sensitive ones too).
        Text(String),
        /// A map (flights `params`, s3 `extra_http_headers`).
        Map(IndexMap<String, String>),
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for FieldInput {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        <field_input_schema::FieldInput as utoipa::PartialSchema>::schema()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for FieldInput {
    fn name() -> std::borrow::Cow<'static, str> {
        "FieldInput".into()
    }
}

/// Create a secret.
#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateSecretBody {
    /// The name; without it, `__default_<type>`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Za-z0-9._-]{1,128}$"))]
    pub name: Option<String>,
    /// The type: s3, r2, gcs, azure, huggingface, postgres, mysql, http, openai, ollama, azure_llm,
    /// flights, generic.
    #[serde(rename = "type")]
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = "^(s3|r2|gcs|azure|huggingface|postgres|mysql|http|openai|ollama|azure_llm|flights|generic)$"
        )
    )]
    pub secret_type: String,
    /// The provider (default: the type's first).
    #[serde(default)]
    pub provider: Option<String>,
    /// URL prefixes (default: the type's).
    #[serde(default)]
    pub scope: Vec<String>,
    /// Keep it in the server's memory only.
    #[serde(default)]
    pub temporary: bool,
    /// What to do when it exists.
    #[serde(default)]
    pub on_conflict: OnConflictBody,
    /// The fields, by name.
    // In the order given. Read from JSON, a field given twice keeps its last value; given
    // twice here (the CLI's `--set`), the service refuses it.
    #[serde(default, with = "pairs")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub fields: Vec<(String, FieldInput)>,
}

/// The fields' names, not their values (and no `Clone`: a body holds values).
impl std::fmt::Debug for CreateSecretBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateSecretBody")
            .field("name", &self.name)
            .field("secret_type", &self.secret_type)
            .field("provider", &self.provider)
            .field("scope", &self.scope)
            .field("temporary", &self.temporary)
            .field("on_conflict", &self.on_conflict)
            .field("fields", &DebugMap(self.fields.iter().map(|(k, v)| (k, v))))
            .finish()
    }
}

/// What a create did.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateSecretResponse {
    /// `created`, `replaced` or `kept existing`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub action: SecretAction,
    /// The secret's metadata.
    pub secret: coffer_core::SecretInfo,
}

impl From<coffer_core::CreateOutcome> for CreateSecretResponse {
    fn from(outcome: coffer_core::CreateOutcome) -> Self {
        use coffer_core::CreateOutcome as O;
        let (action, secret) = match outcome {
            O::Created(i) => (SecretAction::Created, i),
            O::Replaced(i) => (SecretAction::Replaced, i),
            O::Ignored(i) => (SecretAction::Kept, i),
        };
        CreateSecretResponse { action, secret }
    }
}

/// Which storage to act on.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct StorageQuery {
    /// `memory` (temporary) or `coffer` (persistent); both when absent.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(pattern = "^(memory|coffer)$"))]
    pub storage: Option<String>,
}

/// Drop options.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct DropQuery {
    /// Succeed when it does not exist.
    #[serde(default)]
    pub if_exists: bool,
    /// `memory` or `coffer`; needed when the name is in both.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(pattern = "^(memory|coffer)$"))]
    pub storage: Option<String>,
}

/// What a drop did.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DropResponse {
    /// The storage dropped from; absent when nothing existed (`if_exists`).
    pub dropped: Option<String>,
}

/// A which_secret lookup.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct WhichQuery {
    /// The path DuckDB would read.
    pub path: String,
    /// The secret type.
    #[serde(rename = "type")]
    #[cfg_attr(
        feature = "openapi",
        param(pattern = "^(s3|r2|gcs|azure|huggingface|postgres|mysql|http|openai|ollama|azure_llm|flights|generic)$")
    )]
    pub secret_type: String,
}

/// The answer of a which_secret lookup.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WhichResponse {
    /// The secret DuckDB would use, if any.
    pub secret: Option<coffer_core::WhichSecret>,
}

/// Ask for a run's environment.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EnvBody {
    /// The secrets whose values go into the environment.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Name>))]
    pub secrets: Vec<String>,
}

impl EnvBody {
    /// Checks every name before anything is opened or audited.
    ///
    /// # Errors
    /// [`Error::Invalid`] of field `secrets` for a name that is not one.
    pub fn validate(&self) -> crate::error::Result<()> {
        for n in &self.secrets {
            coffer_model::names::validate_name(n).map_err(|e| Error::Invalid {
                field: "secrets".into(),
                message: e.to_string(),
            })?;
        }
        Ok(())
    }
}

/// A run's environment: variable name to value. The only response that carries values.
#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnvResponse {
    /// Variables.
    #[serde(with = "secret_map")]
    #[cfg_attr(feature = "openapi", schema(value_type = BTreeMap<String, String>))]
    pub env: BTreeMap<String, SecretString>,
    /// The names of the variables whose values are sensitive (to mask in logs).
    pub sensitive: Vec<String>,
    /// Variables left out, and why (a stored secret whose name steers a loader, shell or
    /// interpreter, such as LD_PRELOAD).
    #[serde(default)]
    pub warnings: Vec<String>,
}

impl EnvResponse {
    /// The response that hands out `resolved`: every variable with its value.
    pub fn of(resolved: &crate::resolved::ResolvedEnv) -> Self {
        let mut env = BTreeMap::new();
        let mut sensitive = Vec::new();
        for (name, value, _, is_sensitive) in resolved.env.vars() {
            if is_sensitive {
                sensitive.push(name.to_string());
            }
            env.insert(name.to_string(), value.duplicate());
        }
        EnvResponse {
            env,
            sensitive,
            warnings: resolved.warnings.clone(),
        }
    }

    /// The environment this response hands out, each variable set by `variable 'NAME'`.
    ///
    /// # Errors
    /// [`Error::Usage`] when two variables collide (a server would not send that).
    pub fn into_resolved(self) -> crate::error::Result<crate::resolved::ResolvedEnv> {
        use coffer_core::runenv::{Origin, RunEnv};
        let mut env = RunEnv::new();
        for (k, v) in self.env {
            let sensitive = self.sensitive.contains(&k);
            let source = format!("variable '{k}'");
            env.add(Origin::Member, &k, v, &source, sensitive)
                .map_err(Error::Usage)?;
        }
        Ok(crate::resolved::ResolvedEnv {
            env,
            warnings: self.warnings,
        })
    }
}

/// The variables' names, not their values (and no `Clone`).
impl std::fmt::Debug for EnvResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnvResponse")
            .field("env", &DebugMap(self.env.keys().map(|k| (k, Redacted))))
            .field("sensitive", &self.sensitive)
            .field("warnings", &self.warnings)
            .finish()
    }
}

/// Create a project.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProjectBody {
    /// Its name.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Za-z0-9._-]{1,128}$"))]
    pub name: String,
}

/// Delete options.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct DeleteProjectQuery {
    /// Delete even when it holds secrets.
    #[serde(default)]
    pub force: bool,
}

/// Create a user.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UserBody {
    /// Its name.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Za-z0-9._-]{1,128}$"))]
    pub name: String,
    /// May do everything everywhere.
    #[serde(default)]
    pub superuser: bool,
}

/// Create a service account.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ServiceAccountBody {
    /// Its name.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Za-z0-9._-]{1,128}$"))]
    pub name: String,
}

/// Create a token.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TokenBody {
    /// The token's name (`flights-prod-ingest`).
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Za-z0-9._-]{1,128}$"))]
    pub name: String,
    /// Whose token: a user or service account (default: the caller).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Za-z0-9._-]{1,128}$"))]
    pub owner: Option<String>,
    /// How long it is valid: `90d`, `12h`, `30m` (default: until revoked).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = "^[1-9][0-9]{0,5}(s|m|h|d|w)$"))]
    pub expires_in: Option<String>,
}

impl TokenBody {
    /// `expires_in` in milliseconds.
    ///
    /// # Errors
    /// [`Error::Invalid`] of field `expires_in` for a duration that is not one.
    pub fn expires_in_ms(&self) -> crate::error::Result<Option<i64>> {
        self.expires_in
            .as_deref()
            .map(|e| parse_duration_ms("expires_in", e).map_err(|m| Error::invalid("expires_in", m)))
            .transpose()
    }
}

/// A token just created: shown this once, stored only as a hash.
#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenCreated {
    /// The token.
    #[serde(with = "secret_text")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub token: SecretString,
    /// Its metadata.
    pub info: coffer_core::TokenInfo,
    /// Why it was not made as asked, if it was not: a token created with a token never
    /// outlives it, so a missing or later expiry is capped to that token's.
    #[serde(default)]
    pub notice: Option<String>,
}

impl std::fmt::Debug for TokenCreated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCreated")
            .field("token", &Redacted)
            .field("info", &self.info)
            .field("notice", &self.notice)
            .finish()
    }
}

/// Give a role.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GrantBody {
    /// `admin`, `write`, `use` or `read`.
    #[cfg_attr(feature = "openapi", schema(pattern = "^(read|use|write|admin)$"))]
    pub role: String,
}

impl GrantBody {
    /// The role.
    ///
    /// # Errors
    /// [`Error::Field`] of field `role` for a role that is not one.
    pub fn role(&self) -> crate::error::Result<coffer_core::Role> {
        coffer_core::Role::parse(&self.role).map_err(|error| Error::Field { field: "role", error })
    }
}

/// Which audit events to list.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct AuditQuery {
    /// Only this project (required unless the caller is a superuser).
    #[serde(default)]
    pub project: Option<String>,
    /// Only this secret.
    #[serde(default)]
    pub secret: Option<String>,
    /// Only this actor.
    #[serde(default)]
    pub actor: Option<String>,
    /// Only events this recent: `1h`, `30m`, `7d`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(pattern = "^[1-9][0-9]{0,5}(s|m|h|d|w)$"))]
    pub since: Option<String>,
    /// Only events at or after this time, RFC 3339 (`2026-12-06T09:00:00Z`).
    #[serde(default)]
    pub from: Option<String>,
    /// Only events at or before this time, RFC 3339.
    #[serde(default)]
    pub to: Option<String>,
    /// Only events older than this one (its id): the next page, newest first.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(minimum = 1))]
    pub before_id: Option<i64>,
    /// At most this many (newest kept; default 1000).
    #[serde(default)]
    pub limit: Option<u32>,
}

impl AuditQuery {
    /// `since` in milliseconds.
    ///
    /// # Errors
    /// [`Error::Invalid`] of field `since` for a duration that is not one.
    pub fn since_ms(&self) -> crate::error::Result<Option<i64>> {
        self.since
            .as_deref()
            .map(|s| parse_duration_ms("since", s).map_err(|m| Error::invalid("since", m)))
            .transpose()
    }

    /// `from` and `to` in Unix milliseconds.
    ///
    /// # Errors
    /// [`Error::Invalid`] of field `from` or `to` for a time that is not RFC 3339.
    pub fn window_ms(&self) -> crate::error::Result<(Option<i64>, Option<i64>)> {
        let at = |field: &str, v: &Option<String>| {
            v.as_deref()
                .map(|t| {
                    time::OffsetDateTime::parse(t.trim(), &time::format_description::well_known::Rfc3339)
                        .map(|t| i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX))
                        .map_err(|_| {
                            Error::invalid(
                                field,
                                format!("invalid time '{t}' for {field}: use RFC 3339, e.g. 2026-12-06T09:00:00Z"),
                            )
                        })
                })
                .transpose()
        };
        Ok((at("from", &self.from)?, at("to", &self.to)?))
    }
}

/// Who the caller is.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WhoAmI {
    /// The identity.
    pub name: String,
    /// Whether it may do everything everywhere.
    pub superuser: bool,
    /// The token used.
    pub token_name: Option<String>,
}

/// Liveness.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    /// `ok`.
    pub status: String,
    /// coffer's version.
    pub version: String,
}

/// Parses a duration like `90d`, `12h`, `30m`, `1w`, into milliseconds.
///
/// # Errors
/// A message naming the accepted forms.
pub fn parse_duration_ms(field: &str, s: &str) -> Result<i64, String> {
    let d = humantime::parse_duration(s.trim())
        .map_err(|_| format!("invalid duration '{s}' for {field}: use a number and a unit, e.g. 30m, 12h, 90d, 1w"))?;
    let ms = i64::try_from(d.as_millis()).map_err(|_| format!("duration '{s}' for {field} is too long"))?;
    if ms <= 0 {
        return Err(format!("duration '{s}' for {field} must be positive"));
    }
    Ok(ms)
}

/// Roll a secret back.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RollbackBody {
    /// The kept version whose values become a new current version.
    pub version: i64,
}
