//! Errors as HTTP responses: every one is JSON `{code, message, field?, role_needed?}`.
//!
//! An [`ApiError`] keeps what the client is told apart from why it happened. Errors the client
//! can act on (a bad field, a missing secret, a missing role, a conflict) carry their message
//! as the service wrote it. Errors on the server's side (the store, the keyring, the audit log,
//! a bug) carry a generic message and their cause: when the response is built, the cause goes
//! to the server log under a fresh request id, and the client's message names that id and
//! nothing else.

use crate::api::ErrorBody;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use coffer_core::CoreError;
use coffer_crypto::CryptoError;
use coffer_model::ModelError;
use std::error::Error as StdError;

/// The cause of an error, for the server log only.
pub type Cause = Box<dyn StdError + Send + Sync + 'static>;

/// The client's message for errors of the store.
const STORE_UNAVAILABLE: &str = "the store is unavailable";
/// The client's message for errors of the keyring (a key file, AWS KMS).
const KEYRING_UNAVAILABLE: &str = "the keyring is unavailable";
/// The client's message when the audit log cannot be written (the request was refused).
const AUDIT_UNAVAILABLE: &str = "the request was refused because its audit event cannot be written";
/// The client's message for everything else that fails inside the server.
const INTERNAL: &str = "internal error";

/// An error response: its status, its stable `code`, the message meant for the client, the
/// request field at fault and the role needed (when there are), and the cause that only the
/// server log sees.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    field: Option<String>,
    role_needed: Option<&'static str>,
    cause: Option<Cause>,
}

impl ApiError {
    /// An error with a status, a code and the message the client reads.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
            role_needed: None,
            cause: None,
        }
    }

    /// Names the request field at fault (`name`, `fields.secret`, `config`).
    #[must_use]
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// Attaches the cause: it is logged, with a request id, when the response is built, and
    /// the client's message only names that request id.
    #[must_use]
    pub fn with_cause(mut self, cause: impl Into<Cause>) -> Self {
        self.cause = Some(cause.into());
        self
    }

    /// A 400 `bad_request`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// A 503 `unavailable`: the server was started without what the request needs.
    pub fn unavailable(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
    }

    /// A 500 `internal`: a bug. The client reads only "internal error" and a request id; the
    /// cause goes to the server log.
    pub fn internal(cause: impl Into<Cause>) -> Self {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", INTERNAL).with_cause(cause)
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The stable code (`invalid`, `not_found`, `store_unavailable`, ...).
    pub fn code(&self) -> &str {
        self.code
    }

    /// The message meant for the client. For an error with a cause, the response adds the
    /// request id under which the cause is logged.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The request field at fault, when there is one.
    pub fn field(&self) -> Option<&str> {
        self.field.as_deref()
    }

    /// For `forbidden`: the role that was needed.
    pub fn role_needed(&self) -> Option<&str> {
        self.role_needed
    }

    /// The cause, for the server log: never sent to the client.
    pub fn cause(&self) -> Option<&(dyn StdError + Send + Sync + 'static)> {
        self.cause.as_deref()
    }

    /// The status and the body the client gets. An error with a cause is logged here, under a
    /// fresh request id that the body's message names.
    pub(crate) fn into_body(self) -> (StatusCode, ErrorBody) {
        let message = match &self.cause {
            None => self.message,
            Some(cause) => {
                let request_id = uuid::Uuid::new_v4();
                tracing::error!(
                    %request_id,
                    status = self.status.as_u16(),
                    code = self.code,
                    error = %chain(cause.as_ref()),
                    "request failed"
                );
                format!("{} (see the server log, request id {request_id})", self.message)
            }
        };
        let body = ErrorBody {
            code: self.code.into(),
            message,
            field: self.field,
            role_needed: self.role_needed.map(str::to_string),
        };
        (self.status, body)
    }
}

/// An error's message followed by those of its sources that it does not already include.
fn chain(e: &(dyn StdError + 'static)) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(source) = next {
        let text = source.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        next = source.source();
    }
    out
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = self.into_body();
        let mut resp = (status, axum::Json(body)).into_response();
        // An error may be answered before the request's body was read: tell the client the
        // connection ends here rather than let it reuse a connection the server drops.
        resp.headers_mut()
            .insert(header::CONNECTION, header::HeaderValue::from_static("close"));
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        }
        resp
    }
}

/// How a core error reaches the client: its status, its code and, when its own message is not
/// meant for the client, the generic message the client gets instead (the error is then the
/// cause, for the log).
fn classify(e: &CoreError) -> (StatusCode, &'static str, Option<&'static str>) {
    use StatusCode as S;
    match e {
        CoreError::Invalid(_) => (S::BAD_REQUEST, "invalid", None),
        CoreError::Usage(_) | CoreError::ReadOnly(_) => (S::BAD_REQUEST, "bad_request", None),
        CoreError::AlreadyExists { .. } | CoreError::Contended(_) | CoreError::Conflict(_) => {
            (S::CONFLICT, "conflict", None)
        }
        CoreError::Ambiguous { .. } => (S::CONFLICT, "ambiguous", None),
        CoreError::NotFound { .. } | CoreError::ProjectNotFound(_) | CoreError::Missing(_) => {
            (S::NOT_FOUND, "not_found", None)
        }
        CoreError::Unauthenticated(_) => (S::UNAUTHORIZED, "unauthorized", None),
        CoreError::Forbidden { .. }
        | CoreError::NotPermitted(_)
        | CoreError::NeedsSuperuser { .. }
        | CoreError::TokenRefused(_) => (S::FORBIDDEN, "forbidden", None),
        CoreError::Audit(_) => (S::SERVICE_UNAVAILABLE, "audit_unavailable", Some(AUDIT_UNAVAILABLE)),
        CoreError::Store(_) => (S::SERVICE_UNAVAILABLE, "store_unavailable", Some(STORE_UNAVAILABLE)),
        // What this keyring cannot do and what to do instead: a fixed text written for users.
        CoreError::Crypto(CryptoError::Unsupported(_)) => (S::SERVICE_UNAVAILABLE, "keyring_unavailable", None),
        CoreError::Crypto(CryptoError::Integrity) => (S::INTERNAL_SERVER_ERROR, "internal", Some(INTERNAL)),
        // A keyring that cannot be reached or used (KMS down, access denied): retry later.
        CoreError::Crypto(_) => (S::SERVICE_UNAVAILABLE, "keyring_unavailable", Some(KEYRING_UNAVAILABLE)),
        _ => (S::INTERNAL_SERVER_ERROR, "internal", Some(INTERNAL)),
    }
}

/// Whether a core error's own message is meant for the client: `false` for errors of the
/// store, the keyring, the audit log and anything unexpected, which only the log sees.
pub(crate) fn is_for_the_client(e: &CoreError) -> bool {
    classify(e).2.is_none()
}

/// The request field a core error is about, from the error's data.
fn field_of(e: &CoreError) -> Option<String> {
    match e {
        CoreError::Invalid(m) => model_field(m),
        CoreError::Ambiguous { .. } => Some("storage".into()),
        _ => None,
    }
}

/// The role a refused caller needed.
fn role_needed_of(e: &CoreError) -> Option<&'static str> {
    match e {
        CoreError::Forbidden { need, .. } => Some(need.name()),
        CoreError::NeedsSuperuser { .. } => Some("superuser"),
        _ => None,
    }
}

fn model_field(e: &ModelError) -> Option<String> {
    Some(match e {
        ModelError::UnknownType { .. } => "type".into(),
        ModelError::UnknownProvider { .. } => "provider".into(),
        ModelError::UnknownField { field, .. }
        | ModelError::MissingField { field, .. }
        | ModelError::DuplicateField { field }
        | ModelError::InvalidValue { field, .. } => format!("fields.{field}"),
        ModelError::InvalidName { .. } => "name".into(),
        ModelError::InvalidScope { .. } => "scope".into(),
        ModelError::EnvCollision { .. } => "secrets".into(),
        ModelError::InvalidFlight { field, .. } => return flight_field(field),
        _ => return None,
    })
}

/// The body field of a flight rule's `field` datum. The model names the field or option at
/// fault with its subject (`config key 'A'`, `timeout`, `--timeout`, `secret 's'`): the first
/// word is the field, whatever key or value follows it.
fn flight_field(field: &str) -> Option<String> {
    let head = field
        .trim_start_matches('-')
        .split([' ', '='])
        .next()
        .unwrap_or_default();
    Some(match head {
        "config" => "config".into(),
        "timeout" | "timeout_secs" => "timeout_secs".into(),
        "secret" | "secrets" => "secrets".into(),
        "token" | "token_name" => "token_name".into(),
        "kind" | "command" | "script" | "schedule" | "timezone" | "concurrency" => head.into(),
        _ => return None,
    })
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        let (status, code, generic) = classify(&e);
        match generic {
            Some(generic) => ApiError::new(status, code, generic).with_cause(e),
            None => {
                let mut err = ApiError::new(status, code, e.to_string());
                err.field = field_of(&e);
                err.role_needed = role_needed_of(&e);
                err
            }
        }
    }
}

/// A serde error message with every quoted string replaced by `"…"`: serde quotes the values
/// it could not use (which may be secrets) and back-quotes field names, which stay.
pub fn redact_serde(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut in_quote = false;
    for c in message.chars() {
        match (c, in_quote) {
            ('"', false) => {
                in_quote = true;
                out.push_str("\"…");
            }
            ('"', true) => {
                in_quote = false;
                out.push('"');
            }
            (_, true) => {}
            (c, false) => out.push(c),
        }
    }
    if in_quote {
        out.push('"');
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn serde_messages_lose_their_values() {
        assert_eq!(
            super::redact_serde("invalid type: string \"hunter2\", expected a map at line 1 column 9"),
            "invalid type: string \"…\", expected a map at line 1 column 9"
        );
        assert_eq!(
            super::redact_serde("unknown field `nme`, expected one of `name`, `type`"),
            "unknown field `nme`, expected one of `name`, `type`"
        );
    }
}
