//! The requests and answers of the secrets use cases.

use coffer_model::display::{secret_string, SecretView};
use coffer_model::{FieldValue, InputValue, SecretFields, Storage};
use coffer_store::SecretRecord;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What to do when a secret of that name already exists in the target storage (DuckDB's
/// `OnCreateConflict`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnConflict {
    /// Refuse (plain `CREATE SECRET`).
    Error,
    /// Replace it (`CREATE OR REPLACE SECRET`), as a new version.
    Replace,
    /// Keep the existing one and succeed (`CREATE SECRET IF NOT EXISTS`).
    Ignore,
}

/// A request to create a secret.
#[derive(Debug)]
pub struct CreateRequest {
    /// The name; `None` gives `__default_<type>`.
    pub name: Option<String>,
    /// The type, any case.
    pub secret_type: String,
    /// The provider; `None` for the type's default.
    pub provider: Option<String>,
    /// Scopes; empty for the type's defaults.
    pub scopes: Vec<String>,
    /// `Memory` (temporary) or `Coffer` (persistent).
    pub storage: Storage,
    /// What to do on a name conflict.
    pub on_conflict: OnConflict,
    /// The fields as given.
    pub values: Vec<(String, InputValue)>,
}

/// What a create did.
#[derive(Debug)]
pub enum CreateOutcome {
    /// A new secret.
    Created(SecretInfo),
    /// A new version of an existing secret.
    Replaced(SecretInfo),
    /// Nothing: it existed and `IF NOT EXISTS` was given.
    Ignored(SecretInfo),
}

impl CreateOutcome {
    /// The secret concerned.
    pub fn info(&self) -> &SecretInfo {
        match self {
            CreateOutcome::Created(i) | CreateOutcome::Replaced(i) | CreateOutcome::Ignored(i) => i,
        }
    }
}

/// Everything about a secret but its sensitive values.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SecretInfo {
    /// Name.
    pub name: String,
    /// Lower-case type.
    #[serde(rename = "type")]
    pub secret_type: String,
    /// Provider.
    pub provider: String,
    /// Scopes.
    pub scope: Vec<String>,
    /// `memory`, `coffer` or `env`.
    #[serde(serialize_with = "ser_storage", deserialize_with = "de_storage")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "coffer"))]
    pub storage: Storage,
    /// Whether it outlives the process.
    pub persistent: bool,
    /// Version (1 for new; temporary secrets count too).
    pub version: i64,
    /// Non-sensitive fields.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub fields: BTreeMap<String, FieldValue>,
    /// Names of the sensitive values (never their values).
    pub sensitive_keys: Vec<String>,
    /// Created, Unix milliseconds.
    pub created_at: i64,
    /// Creator.
    pub created_by: String,
    /// Last written, Unix milliseconds.
    pub updated_at: i64,
    /// Last writer.
    pub updated_by: String,
    /// DuckDB's redacted `secret_string`.
    pub secret_string: String,
}

fn de_storage<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Storage, D::Error> {
    let s = String::deserialize(d)?;
    Storage::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("unknown storage '{s}'")))
}

fn ser_storage<S: serde::Serializer>(s: &Storage, ser: S) -> std::result::Result<S::Ok, S::Error> {
    ser.serialize_str(s.name())
}

impl SecretInfo {
    pub(crate) fn from_record(r: &SecretRecord) -> Self {
        // A secret stored before a field became sensitive shows it as sensitive all the same.
        let (fields, sensitive_keys) =
            coffer_model::validate::shown_fields(&r.secret_type, &r.public_fields, &r.sensitive_keys);
        let mut info = SecretInfo {
            // A name stored before names were folded (`MySecret`, of a DuckDB type) is shown
            // as DuckDB shows it; the row keeps its name, which the sealed value's AAD binds,
            // until the secret's next version is written under the folded one.
            name: coffer_model::names::fold_name(&r.secret_type, &r.name),
            secret_type: r.secret_type.clone(),
            provider: r.provider.clone(),
            scope: r.scopes.clone(),
            storage: Storage::Coffer,
            persistent: true,
            version: r.version,
            fields,
            sensitive_keys,
            created_at: r.created_at,
            created_by: r.created_by.clone(),
            updated_at: r.updated_at,
            updated_by: r.updated_by.clone(),
            secret_string: String::new(),
        };
        info.secret_string = info.render_secret_string();
        info
    }

    pub(crate) fn render_secret_string(&self) -> String {
        secret_string(&SecretView {
            name: &self.name,
            ty: &self.secret_type,
            provider: &self.provider,
            scopes: &self.scope,
            public: &self.fields,
            sensitive_keys: &self.sensitive_keys,
        })
    }
}

/// One kept version of a persistent secret: metadata only.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SecretVersionInfo {
    /// The version.
    pub version: i64,
    /// Whether it is the one in use.
    pub current: bool,
    /// Lower-case type.
    #[serde(rename = "type")]
    pub secret_type: String,
    /// Provider.
    pub provider: String,
    /// Scopes.
    pub scope: Vec<String>,
    /// Non-sensitive fields.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub fields: BTreeMap<String, FieldValue>,
    /// Names of the sensitive values.
    pub sensitive_keys: Vec<String>,
    /// When it was written, Unix milliseconds.
    pub updated_at: i64,
    /// Who wrote it.
    pub updated_by: String,
}

/// The answer of `which_secret(path, type)`: DuckDB's columns.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WhichSecret {
    /// The chosen secret.
    pub name: String,
    /// `TEMPORARY` or `PERSISTENT`, as DuckDB prints it.
    pub persistent: String,
    /// Its storage.
    pub storage: String,
}

/// A change to an existing secret's fields, as pg_duckdb's `UPDATE duckdb.secrets` makes it.
#[derive(Debug, Default)]
pub struct SecretUpdate {
    /// Fields to set (`Some`) or clear (`None`), by field name (any case).
    pub set: Vec<(String, Option<InputValue>)>,
    /// New scopes, if they change (empty: the type's defaults).
    pub scopes: Option<Vec<String>>,
    /// A new type, if it changes.
    pub secret_type: Option<String>,
}

/// A secret with its values open. Only for injection into runs and the data plane.
#[derive(Debug)]
pub struct OpenedSecret {
    /// Metadata.
    pub info: SecretInfo,
    /// Public and sensitive fields.
    pub fields: SecretFields,
}

/// What changed, as told to a [`SecretObserver`](crate::SecretObserver). Metadata only: an observer
/// that needs the values opens the secret through the [`Service`](crate::Service) it is given.
#[derive(Debug, Clone)]
pub enum SecretChange {
    /// Created or replaced.
    Upserted(Box<SecretInfo>),
    /// Dropped.
    Dropped {
        /// The name as stored.
        name: String,
        /// Where it was.
        storage: Storage,
    },
}
