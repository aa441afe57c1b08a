//! Errors as HTTP responses: every one is JSON `{code, message, field?, role_needed?, hint?}`.
//!
//! An [`ApiError`] keeps what the client is told apart from why it happened. Errors the client
//! can act on (a bad field, a missing secret, a missing role, a conflict) carry their message
//! as the service wrote it. Errors on the server's side (the store, the keyring, the audit log,
//! a bug) carry a generic message and their cause: when the response is built, the cause goes
//! to the server log under a fresh request id, and the client's message names that id and
//! nothing else. Which error gets which status, code and message is
//! [`coffer_api::Error`]'s to say; this module turns it into a response.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use coffer_api::is_for_the_client;
use coffer_api::types::{ErrorBody, SqlErrorBody};
use coffer_api::ToExitCode;
use coffer_core::CoreError;
use std::borrow::Cow;
use std::error::Error as StdError;

/// The cause of an error, for the server log only.
pub type Cause = Box<dyn StdError + Send + Sync + 'static>;

/// The client's message for everything that fails inside the server unexpectedly.
const INTERNAL: &str = "internal error";

/// An error response: its status, its stable `code`, the message meant for the client, the
/// request field at fault and the role needed (when there are), and the cause that only the
/// server log sees.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: Cow<'static, str>,
    message: String,
    field: Option<String>,
    role_needed: Option<Box<str>>,
    hint: Option<Box<coffer_core::Hint>>,
    cause: Option<Cause>,
}

impl ApiError {
    /// An error with a status, a code and the message the client reads.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code: Cow::Borrowed(code),
            message: message.into(),
            field: None,
            role_needed: None,
            hint: None,
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
        &self.code
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
        self.role_needed.as_deref()
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
                    code = %self.code,
                    error = %chain(cause.as_ref()),
                    "request failed"
                );
                format!("{} (see the server log, request id {request_id})", self.message)
            }
        };
        let body = ErrorBody {
            code: self.code.into_owned(),
            message,
            field: self.field,
            role_needed: self.role_needed.map(String::from),
            hint: self.hint.map(|h| *h),
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

impl From<coffer_api::Error> for ApiError {
    fn from(e: coffer_api::Error) -> Self {
        let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let code = Cow::Owned(e.code().to_string());
        match e.generic_message() {
            Some(generic) => {
                let mut err = ApiError::new(status, "", generic).with_cause(e);
                err.code = code;
                err
            }
            None => ApiError {
                status,
                code,
                message: e.to_string(),
                field: e.field(),
                role_needed: e.role_needed().map(Box::from),
                hint: e.hint().map(Box::new),
                cause: None,
            },
        }
    }
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        ApiError::from(coffer_api::Error::Core(e))
    }
}

/// A statement's error as `coffer sql` prints it; but an error of the store, the keyring or the
/// audit log, or an unexpected one, is logged, and the client gets the generic message and
/// request id an [`ApiError`] would give, with the exit code `coffer sql` would give. The
/// server's [`coffer_api::Local`] writes statement errors with it.
pub(crate) fn sql_error_body(e: coffer_sql::SqlError, script: &str) -> SqlErrorBody {
    match e {
        coffer_sql::SqlError::Core(c) if !is_for_the_client(&c) => {
            let exit_code = c.exit_code();
            let (_, body) = ApiError::from(c).into_body();
            SqlErrorBody {
                rendered: body.message.clone(),
                message: body.message,
                exit_code,
            }
        }
        e => SqlErrorBody::of(&e, script),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn serde_messages_lose_their_values() {
        assert_eq!(
            coffer_api::redact_serde("invalid type: string \"hunter2\", expected a map at line 1 column 9"),
            "invalid type: string \"…\", expected a map at line 1 column 9"
        );
        assert_eq!(
            coffer_api::redact_serde("unknown field `nme`, expected one of `name`, `type`"),
            "unknown field `nme`, expected one of `name`, `type`"
        );
    }
}
