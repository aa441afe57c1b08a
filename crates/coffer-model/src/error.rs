//! Errors of the model: every one names the field or rule at fault and what would be valid.

use std::fmt;

/// A `Result` with [`ModelError`].
pub type Result<T> = std::result::Result<T, ModelError>;

/// A list of valid choices, printed as `a, b, c`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choices(pub Vec<String>);

impl fmt::Display for Choices {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join(", "))
    }
}

impl<S: AsRef<str>> FromIterator<S> for Choices {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        Choices(iter.into_iter().map(|s| s.as_ref().to_string()).collect())
    }
}

/// Why a secret definition was refused. Messages never contain a sensitive value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// The secret type is not one coffer knows.
    #[error("unknown secret type '{given}'; valid types: {valid}")]
    UnknownType {
        /// What the user wrote.
        given: String,
        /// The valid type names.
        valid: Choices,
    },
    /// The provider is not one of the type's providers.
    #[error("unknown provider '{given}' for secret type '{ty}'; valid providers: {valid}")]
    UnknownProvider {
        /// The secret type.
        ty: String,
        /// What the user wrote.
        given: String,
        /// The type's providers.
        valid: Choices,
    },
    /// A field the type and provider do not have.
    #[error("unknown field '{field}' for secret type '{ty}' with provider '{provider}'; valid fields: {valid}")]
    UnknownField {
        /// The secret type.
        ty: String,
        /// The provider.
        provider: String,
        /// The field as written.
        field: String,
        /// The valid field names.
        valid: Choices,
    },
    /// A required field is missing.
    #[error("missing required field '{field}' for secret type '{ty}' with provider '{provider}'{hint}")]
    MissingField {
        /// The secret type.
        ty: String,
        /// The provider.
        provider: String,
        /// The first missing field.
        field: String,
        /// Extra text: the alternatives, when there are several ways to satisfy the type.
        hint: String,
    },
    /// A field given twice.
    #[error("field '{field}' is given more than once; give each field once")]
    DuplicateField {
        /// The field.
        field: String,
    },
    /// A value that breaks the field's rule. `value` is empty for sensitive fields.
    #[error("invalid value for field '{field}' of secret type '{ty}': {rule}{shown}")]
    InvalidValue {
        /// The secret type.
        ty: String,
        /// The field.
        field: String,
        /// The rule, e.g. "expected a boolean (true or false)".
        rule: String,
        /// `, got 'maybe'` for public fields, empty for sensitive ones.
        shown: String,
    },
    /// A value that DuckDB 1.5.5 itself refuses when it creates the secret (a CHAIN item its
    /// aws extension does not know, ASSUME_ROLE_ARN without CHAIN), with DuckDB's message.
    #[error("invalid value for field '{field}' of secret type '{ty}': {rule}")]
    RefusedByDuckDb {
        /// The secret type.
        ty: String,
        /// The field.
        field: String,
        /// The rule and what to do.
        rule: String,
        /// DuckDB's own message, which users and scripts match on (`Invalid Input Error: Unknown
        /// provider found while parsing AWS credential chain string: 'x'`): the SQL front prints
        /// it first. Never holds a sensitive value.
        duckdb: String,
    },
    /// A name that breaks the name rule.
    #[error("invalid secret name '{name}': names must match [A-Za-z0-9._-]{{1,128}} (letters, digits, '.', '_' and '-', 1 to 128 characters; not '.' or '..')")]
    InvalidName {
        /// The name as written (names are never sensitive).
        name: String,
    },
    /// A scope that cannot be used.
    #[error("invalid scope '{scope}': {rule}")]
    InvalidScope {
        /// The scope as written.
        scope: String,
        /// Which rule it breaks.
        rule: String,
    },
    /// Two sources that would set one environment variable.
    #[error("environment variable '{var}' would be set by both {first} and {second}; rename one of the secrets or keys, or attach only one")]
    EnvCollision {
        /// The variable.
        var: String,
        /// The first source (`secret 'a' key 'API_KEY'`).
        first: String,
        /// The second source.
        second: String,
    },
    /// A secret or config key that would set an environment variable steering a loader, a
    /// shell or an interpreter (see [`crate::reserved`]).
    #[error("{origin} would set the environment variable {var} ({why}, rule {pattern}); coffer refuses variables that steer a loader, shell or interpreter: {fix}")]
    ReservedVar {
        /// What would set it: `generic secret name 'LD_PRELOAD'`, `config key 'NODE_OPTIONS'`.
        origin: String,
        /// The variable.
        var: String,
        /// The rule's pattern (`LD_*`).
        pattern: &'static str,
        /// What the variable steers.
        why: &'static str,
        /// What to do instead.
        fix: String,
    },
    /// A data source definition that breaks a rule (never quoting an option's value).
    #[error("invalid data source {field}: {rule}")]
    InvalidSource {
        /// What is at fault: `name`, `type`, `secret`, `option 'path'`.
        field: String,
        /// The rule and what to do.
        rule: String,
    },
    /// A flight definition or run request that breaks a rule.
    #[error("invalid {field}: {rule}")]
    InvalidFlight {
        /// What is at fault, as the message names it (`config key 'A=B'`, `step 'load'`).
        field: String,
        /// The request field at fault (`config`, `timeout_secs`, `secrets`, `kind`, `command`,
        /// `script`, `schedule`, `timezone`, `concurrency`), when one is.
        input: Option<&'static str>,
        /// What to do about it, when there is more to it than the rule.
        hint: Option<Box<crate::hint::Hint>>,
        /// The rule and what to do.
        rule: String,
    },
}

impl ModelError {
    /// What the user can do about this error, when there is more to it than its message.
    pub fn hint(&self) -> Option<crate::hint::Hint> {
        match self {
            ModelError::MissingField { ty, .. } if ty == "flights" => Some(crate::hint::Hint::SetAParam),
            ModelError::InvalidFlight { hint, .. } => hint.as_deref().cloned(),
            _ => None,
        }
    }

    pub(crate) fn invalid(ty: &str, field: &str, rule: impl Into<String>, shown: Option<&str>) -> Self {
        ModelError::InvalidValue {
            ty: ty.to_string(),
            field: field.to_string(),
            rule: rule.into(),
            shown: shown.map(|v| format!(", got '{v}'")).unwrap_or_default(),
        }
    }

    /// [`ModelError::RefusedByDuckDb`].
    pub(crate) fn invalid_as_duckdb(ty: &str, field: &str, rule: impl Into<String>, duckdb: impl Into<String>) -> Self {
        ModelError::RefusedByDuckDb {
            ty: ty.to_string(),
            field: field.to_string(),
            rule: rule.into(),
            duckdb: duckdb.into(),
        }
    }
}
