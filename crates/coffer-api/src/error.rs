//! [`Error`]: every failure of a [`crate::CofferApi`], whichever implementation answered, with
//! the exit code the CLI gives it ([`crate::ToExitCode`]) and the HTTP status and stable code a
//! server answers it with ([`Error::http_status`], [`Error::code`]): one table for both, so a
//! command exits with the same code in local and remote mode.
//!
//! Errors a client can act on (a bad field, a missing secret, a missing role, a conflict) carry
//! their message as the service wrote it. Errors on the serving side (the store, the keyring,
//! the audit log, a bug) have a [`Error::generic_message`]: what a remote client reads instead,
//! while the error itself goes to the server's log.

use crate::error_body::ErrorBody;
use coffer_core::CoreError;
use coffer_crypto::CryptoError;
use coffer_model::ModelError;
use std::error::Error as StdError;

/// What a remote client reads for errors of the store.
const STORE_UNAVAILABLE: &str = "the store is unavailable";
/// What a remote client reads for errors of the keyring (a key file, AWS KMS).
const KEYRING_UNAVAILABLE: &str = "the keyring is unavailable";
/// What a remote client reads when the audit log cannot be written (the request was refused).
const AUDIT_UNAVAILABLE: &str = "the request was refused because its audit event cannot be written";
/// What a remote client reads for everything else that fails on the serving side.
const INTERNAL: &str = "internal error";

/// A `Result` with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// A failure of a [`crate::CofferApi`] call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The service refused the request or failed.
    #[error(transparent)]
    Core(#[from] CoreError),
    /// A request field refused before the service is asked (a duration, a storage, a name).
    #[error("{message}")]
    Invalid {
        /// The field (`expires_in`, `since`, `name`, `secrets`).
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// A service error about a request field that the error does not name itself (`role`).
    #[error("{error}")]
    Field {
        /// The field.
        field: &'static str,
        /// The service's error.
        error: CoreError,
    },
    /// What this API cannot do as asked: pruning keys through a server, a server URL that is
    /// not http(s).
    #[error("{0}")]
    Usage(String),
    /// The serving side lacks what the request needs (a flight runner).
    #[error("{0}")]
    Unavailable(String),
    /// An error a server answered with.
    #[error("{}", body.message)]
    Server {
        /// The HTTP status.
        status: u16,
        /// The body.
        body: Box<ErrorBody>,
    },
    /// A server that cannot be reached, or whose answer cannot be read.
    #[error("{message}")]
    Transport {
        /// What failed.
        message: String,
        /// Why.
        source: Option<Box<dyn StdError + Send + Sync + 'static>>,
    },
}

impl Error {
    /// An [`Error::Invalid`] of `field`.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Error::Invalid {
            field: field.to_string(),
            message: message.into(),
        }
    }

    /// The HTTP status a server answers with.
    pub fn http_status(&self) -> u16 {
        match self {
            Error::Server { status, .. } => *status,
            _ => self.class().0,
        }
    }

    /// The stable code a server answers with (`invalid`, `not_found`, `store_unavailable`; see
    /// [`ErrorBody::code`]).
    pub fn code(&self) -> &str {
        match self {
            Error::Server { body, .. } => &body.code,
            _ => self.class().1,
        }
    }

    /// What a remote client reads instead of this error's own message, when that message is
    /// not meant for it (errors of the store, the keyring, the audit log, and anything
    /// unexpected): the error itself belongs in the server's log.
    pub fn generic_message(&self) -> Option<&'static str> {
        match self {
            Error::Server { .. } => None,
            _ => self.class().2,
        }
    }

    /// The request field at fault, when there is one.
    pub fn field(&self) -> Option<String> {
        match self {
            Error::Core(e) => match e.inner() {
                CoreError::Invalid(m) => model_field(m),
                CoreError::Ambiguous { .. } => Some("storage".into()),
                _ => None,
            },
            Error::Invalid { field, .. } => Some(field.clone()),
            Error::Field { field, .. } => Some((*field).to_string()),
            Error::Server { body, .. } => body.field.clone(),
            _ => None,
        }
    }

    /// What the user can do about the error, as data (each front end words it).
    pub fn hint(&self) -> Option<coffer_core::Hint> {
        match self {
            Error::Core(e) | Error::Field { error: e, .. } => e.hint(),
            Error::Server { body, .. } => body.hint.clone(),
            _ => None,
        }
    }

    /// For a refused caller: the role it needed (`superuser` when only a superuser may).
    pub fn role_needed(&self) -> Option<&str> {
        match self {
            Error::Core(e) | Error::Field { error: e, .. } => match e.inner() {
                CoreError::Forbidden { need, .. } => Some(need.name()),
                CoreError::NeedsSuperuser { .. } => Some("superuser"),
                _ => None,
            },
            Error::Server { body, .. } => body.role_needed.as_deref(),
            _ => None,
        }
    }

    /// Status, code and generic message of every error but [`Error::Server`].
    fn class(&self) -> (u16, &'static str, Option<&'static str>) {
        match self {
            Error::Core(e) | Error::Field { error: e, .. } => classify(e),
            Error::Invalid { .. } => (400, "invalid", None),
            Error::Usage(_) => (400, "bad_request", None),
            Error::Unavailable(_) => (503, "unavailable", None),
            // A server's own adapter never gets these; were one relayed, it is a bug.
            Error::Server { .. } | Error::Transport { .. } => (500, "internal", Some(INTERNAL)),
        }
    }
}

/// Whether a service error's own message is meant for a remote client: `false` for errors of
/// the store, the keyring, the audit log and anything unexpected, which only the log sees.
pub fn is_for_the_client(e: &CoreError) -> bool {
    classify(e).2.is_none()
}

/// How a service error reaches a remote client: its status, its code and, when its own
/// message is not meant for the client, the generic message the client gets instead.
pub(crate) fn classify(e: &CoreError) -> (u16, &'static str, Option<&'static str>) {
    match e.inner() {
        CoreError::Invalid(_) => (400, "invalid", None),
        CoreError::Usage(_) | CoreError::ReadOnly(_) => (400, "bad_request", None),
        CoreError::AlreadyExists { .. } | CoreError::Contended(_) | CoreError::Conflict(_) => (409, "conflict", None),
        CoreError::Ambiguous { .. } => (409, "ambiguous", None),
        CoreError::NotFound { .. } | CoreError::ProjectNotFound(_) | CoreError::Missing(_) => (404, "not_found", None),
        CoreError::Unauthenticated(_) => (401, "unauthorized", None),
        CoreError::Forbidden { .. }
        | CoreError::NotPermitted(_)
        | CoreError::NeedsSuperuser { .. }
        | CoreError::TokenRefused(_) => (403, "forbidden", None),
        CoreError::Audit(_) => (503, "audit_unavailable", Some(AUDIT_UNAVAILABLE)),
        CoreError::Store(_) => (503, "store_unavailable", Some(STORE_UNAVAILABLE)),
        // What this keyring cannot do and what to do instead: a fixed text written for users.
        CoreError::Crypto(CryptoError::Unsupported(_)) => (503, "keyring_unavailable", None),
        CoreError::Crypto(CryptoError::Integrity) => (500, "internal", Some(INTERNAL)),
        // A keyring that cannot be reached or used (KMS down, access denied): retry later.
        CoreError::Crypto(_) => (503, "keyring_unavailable", Some(KEYRING_UNAVAILABLE)),
        _ => (500, "internal", Some(INTERNAL)),
    }
}

fn model_field(e: &ModelError) -> Option<String> {
    Some(match e {
        ModelError::UnknownType { .. } => "type".into(),
        ModelError::UnknownProvider { .. } => "provider".into(),
        ModelError::UnknownField { field, .. }
        | ModelError::MissingField { field, .. }
        | ModelError::DuplicateField { field }
        | ModelError::InvalidValue { field, .. }
        | ModelError::RefusedByDuckDb { field, .. } => format!("fields.{field}"),
        ModelError::InvalidName { .. } => "name".into(),
        ModelError::InvalidScope { .. } => "scope".into(),
        ModelError::EnvCollision { .. } => "secrets".into(),
        ModelError::InvalidFlight { input, .. } => return input.map(str::to_string),
        ModelError::InvalidSource { field, .. } => source_field(field),
        _ => return None,
    })
}

/// The request field a data source rule names (`option 'path'` is `options.path`).
pub(crate) fn source_field(field: &str) -> String {
    match field.strip_prefix("option '").and_then(|rest| rest.strip_suffix('\'')) {
        Some(key) => format!("options.{key}"),
        None => field.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit::ToExitCode;

    #[test]
    fn exit_codes_follow_the_status_and_code_in_both_modes() {
        let local = [
            Error::Core(CoreError::Usage("u".into())),
            Error::Core(CoreError::Unauthenticated("t".into())),
            Error::Core(CoreError::Missing("m".into())),
            Error::invalid("since", "bad"),
            Error::Unavailable("no runner".into()),
        ];
        for e in local {
            let remote = Error::Server {
                status: e.http_status(),
                body: Box::new(ErrorBody {
                    code: e.code().to_string(),
                    message: e.to_string(),
                    field: e.field(),
                    role_needed: e.role_needed().map(str::to_string),
                    hint: e.hint(),
                }),
            };
            assert_eq!(e.exit_code(), remote.exit_code(), "{e}");
        }
        let role = Error::Field {
            field: "role",
            error: CoreError::Usage("unknown role 'x'".into()),
        };
        assert_eq!(
            (role.http_status(), role.code(), role.field()),
            (400, "bad_request", Some("role".into()))
        );
        assert_eq!(role.to_string(), "unknown role 'x'");
    }
}
