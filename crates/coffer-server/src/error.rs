//! Errors as HTTP responses: every one is JSON `{code, message, field?}`.

use crate::api::ErrorBody;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use coffer_core::CoreError;
use coffer_model::ModelError;

/// An error response.
#[derive(Debug)]
pub struct ApiError {
    /// The status.
    pub status: StatusCode,
    /// The body.
    pub body: ErrorBody,
}

impl ApiError {
    /// An error with a status, code and message.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            body: ErrorBody {
                code: code.into(),
                message: message.into(),
                field: None,
                role_needed: None,
            },
        }
    }

    /// Names the field at fault.
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.body.field = Some(field.into());
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

    /// A 500: a bug.
    pub fn internal(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = (self.status, axum::Json(self.body)).into_response();
        // An error may be answered before the request's body was read: tell the client the
        // connection ends here rather than let it reuse a connection the server drops.
        resp.headers_mut()
            .insert(header::CONNECTION, header::HeaderValue::from_static("close"));
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        }
        resp
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

/// The request field of a flight rule's `field` (`config key 'A'`, `timeout`, `secret 's'`):
/// the name of the body field at fault.
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
        let message = e.to_string();
        match &e {
            CoreError::Invalid(m) => {
                let mut err = ApiError::new(StatusCode::BAD_REQUEST, "invalid", message);
                err.body.field = model_field(m);
                err
            }
            CoreError::Usage(_) | CoreError::ReadOnly(_) => ApiError::bad_request(message),
            CoreError::AlreadyExists { .. } | CoreError::Contended(_) | CoreError::Conflict(_) => {
                ApiError::new(StatusCode::CONFLICT, "conflict", message)
            }
            CoreError::Ambiguous { .. } => ApiError::new(StatusCode::CONFLICT, "ambiguous", message).field("storage"),
            CoreError::NotFound { .. } | CoreError::ProjectNotFound(_) | CoreError::Missing(_) => {
                ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
            }
            CoreError::Unauthenticated(_) => ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message),
            CoreError::Forbidden { need, .. } => {
                let mut err = ApiError::new(StatusCode::FORBIDDEN, "forbidden", message);
                err.body.role_needed = Some(need.name().into());
                err
            }
            CoreError::NotPermitted(_) => ApiError::new(StatusCode::FORBIDDEN, "forbidden", message),
            CoreError::NeedsSuperuser { .. } => {
                let mut err = ApiError::new(StatusCode::FORBIDDEN, "forbidden", message);
                err.body.role_needed = Some("superuser".into());
                err
            }
            CoreError::TokenRefused(_) => ApiError::new(StatusCode::FORBIDDEN, "forbidden", message),
            CoreError::Audit(_) => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "audit_unavailable", message),
            CoreError::Store(_) => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "store_unavailable", message),
            // A keyring that cannot be reached or used (KMS down, access denied): retry later.
            CoreError::Crypto(e) if !matches!(e, coffer_crypto::CryptoError::Integrity) => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "keyring_unavailable", message)
            }
            _ => {
                tracing::error!(error = %message, "request failed");
                ApiError::internal(message)
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

    #[test]
    fn flight_rules_name_the_body_field() {
        use coffer_model::ModelError;
        let field = |f: &str| {
            let e = super::ApiError::from(coffer_core::CoreError::Invalid(ModelError::InvalidFlight {
                field: f.into(),
                rule: "r".into(),
            }));
            assert_eq!(e.body.code, "invalid");
            assert_eq!(e.status, axum::http::StatusCode::BAD_REQUEST);
            e.body.field
        };
        assert_eq!(field("config override 'X'").as_deref(), Some("config"));
        assert_eq!(field("config key 'A=B'").as_deref(), Some("config"));
        assert_eq!(field("config value of 'A'").as_deref(), Some("config"));
        assert_eq!(field("config 'A'").as_deref(), Some("config"));
        assert_eq!(field("timeout").as_deref(), Some("timeout_secs"));
        assert_eq!(field("--timeout").as_deref(), Some("timeout_secs"));
        assert_eq!(field("secret 's3'").as_deref(), Some("secrets"));
        assert_eq!(field("kind").as_deref(), Some("kind"));
        assert_eq!(field("schedule").as_deref(), Some("schedule"));
        assert_eq!(field("something else"), None);
    }
}
