//! coffer's secret model: what a secret is, before any storage or encryption.
//!
//! - [`types`]: the secret types DuckDB and its extensions know (s3, r2, gcs, azure,
//!   huggingface, postgres, mysql, openai, ollama, azure_llm), MotherDuck's `flights` and the
//!   `generic` single value, each with its providers, fields, sensitive fields, required fields
//!   and defaults ([`TypeSpec`], [`ProviderSpec`], [`FieldSpec`]).
//! - [`validate`]: turns user input ([`InputValue`]s keyed by field name) into validated
//!   [`SecretFields`], with errors ([`ModelError`]) that name the field and list what is valid.
//! - [`names`]: the name rule `[A-Za-z0-9._-]{1,128}` and `__default_<type>` names.
//! - [`scope`]: DuckDB's scope matching ([`scope::match_score`]) and the [`ScopeIndex`] that
//!   answers "which secret would DuckDB pick for this path" in time proportional to the path.
//! - [`env`](mod@env): how a secret becomes environment variables (`MY_API_SECRET_API_KEY`);
//!   [`reserved`]: the variables (`LD_PRELOAD`, `PATH`, `PYTHONSTARTUP`, ...) no secret or
//!   config key may set ([`reserved::reserved_var`]).
//! - [`dotenv`]: `.env` files read as python-dotenv reads them (no variable expansion) and
//!   written back, and Kestra's `.env_encoded` (`SECRET_<NAME>=<base64>`).
//! - [`display`]: DuckDB's `duckdb_secrets()` secret string with sensitive keys redacted.
//! - [`mask`]: replaces every secret value (and its JSON, repr, percent, hex, base64 and HTML
//!   forms) with `****` in streamed run logs, also when a value is split across writes
//!   ([`mask::Masker`], [`mask::MaskStream`]).
//!
//! - [`net`]: where runs and engines may connect ([`net::NetPolicy`]: no cloud metadata
//!   address, none of coffer's own listeners) and the endpoints a secret names.
//! - [`flight`]: flight definitions and run states; [`schedule`]: their cron schedules;
//!   [`lint`]: warnings for config values that look like credentials; [`template`]: Kestra's
//!   `{{ secret('NAME') }}` in flight definitions; [`flow`]: Kestra-style YAML flow files.
//!
//! - [`source`]: data sources (a database or lake attached under a name with a secret) and
//!   their `ATTACH`.
//!
//! Nothing here does I/O (name resolution is passed in).
#![deny(missing_docs)]

pub mod display;
pub mod dotenv;
pub mod env;
pub mod error;
pub mod flight;
pub mod flow;
pub mod hint;
pub mod lint;
pub mod local;
pub mod mask;
pub mod names;
pub mod net;
pub mod requirements;
pub mod reserved;
pub mod schedule;
pub mod scope;
pub mod source;
pub mod template;
pub mod types;
pub mod validate;

pub use error::{ModelError, Result};
pub use scope::{ScopeIndex, Storage};
pub use types::{FieldKind, FieldSpec, ProviderSpec, TypeSpec};
pub use validate::{FieldValue, InputValue, SecretFields, SensitiveValue};
