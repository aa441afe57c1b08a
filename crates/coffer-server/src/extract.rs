//! Extractors whose every rejection is an [`ApiError`]: the bearer token, JSON bodies (content
//! type, size, syntax, unknown fields and wrong types named with their path), query strings
//! and path segments.

use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use coffer_api::redact_serde;
use serde::de::DeserializeOwned;
use std::net::SocketAddr;

/// The largest request body accepted (1 MiB).
pub const BODY_LIMIT: usize = 1024 * 1024;

/// The bearer token and the client's address of a request. Handlers authenticate it on the
/// same thread that serves the request ([`AppState::read`], [`AppState::write`]).
pub struct Auth {
    pub(crate) token: coffer_crypto::SecretString,
    pub(crate) client: String,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let unauthorized = |m: &str| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", m);
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Err(unauthorized(
                "missing token: send `Authorization: Bearer <token>` (set COFFER_TOKEN for the CLI)",
            ));
        };
        let value = value
            .to_str()
            .map_err(|_| unauthorized("the Authorization header is not ASCII"))?;
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .ok_or_else(|| unauthorized("the Authorization header must be `Bearer <token>`"))?
            .trim();
        let client = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or_else(|| "unknown".to_string(), |c| c.0.ip().to_string());
        Ok(Auth {
            token: coffer_crypto::SecretString::from(token),
            client,
        })
    }
}

/// A JSON body: `application/json`, at most the router's body limit, deserialized with the
/// path of the field at fault in errors.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(&req) {
            return Err(not_json());
        }
        let bytes = body_bytes(req, state).await?;
        parse_json(&bytes).map(JsonBody)
    }
}

/// A JSON body that may be left out: no body at all, an empty one or JSON `null` is
/// `T::default()`; any other body is read as [`JsonBody`] reads it.
#[derive(Debug)]
pub struct OptionalJsonBody<T>(pub T);

impl<T: DeserializeOwned + Default, S: Send + Sync> FromRequest<S> for OptionalJsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = is_json(&req);
        let bytes = body_bytes(req, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJsonBody(T::default()));
        }
        if !json {
            return Err(not_json());
        }
        parse_json::<Option<T>>(&bytes).map(|v| OptionalJsonBody(v.unwrap_or_default()))
    }
}

fn is_json(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"))
}

fn not_json() -> ApiError {
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        "the body must be JSON: send `Content-Type: application/json`",
    )
}

async fn body_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state).await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("the body is larger than the limit of {} bytes", BODY_LIMIT),
            )
        } else {
            ApiError::bad_request(format!("cannot read the body: {}", e.body_text()))
        }
    })
}

fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(v) => Ok(v),
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let kind = if inner.is_syntax() || inner.is_eof() {
                "malformed JSON"
            } else {
                "invalid request"
            };
            let mut err = ApiError::bad_request(format!("{kind}: {}", redact_serde(&inner.to_string())));
            if kind == "invalid request" && path != "." && !path.is_empty() && !path.contains('?') {
                err = err.with_field(path);
            }
            Err(err)
        }
    }
}

/// A query string.
#[derive(Debug)]
pub struct Q<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Q<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let de = serde_urlencoded_compat(query);
        de.map(Q)
            .map_err(|m| ApiError::bad_request(format!("invalid query string: {}", redact_serde(&m))))
    }
}

fn serde_urlencoded_compat<T: DeserializeOwned>(query: &str) -> Result<T, String> {
    axum::extract::Query::<T>::try_from_uri(
        &format!("/?{query}")
            .parse()
            .map_err(|_| "not a valid query string".to_string())?,
    )
    .map(|q| q.0)
    .map_err(|e| e.body_text())
}

/// The path segments: each a valid name, but `{flight}`, which may also be a flight id (a
/// UUID), and `{run}` or `{version}`, a run or version number (a positive integer).
#[derive(Debug)]
pub(crate) struct Names {
    names: Vec<String>,
    /// The run or version number.
    run: Option<i64>,
}

impl<S: Send + Sync> FromRequestParts<S> for Names {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(map) = axum::extract::Path::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::bad_request(format!("invalid path: {}", e.body_text())))?;
        let mut out = Names {
            names: Vec::new(),
            run: None,
        };
        for (key, value) in map {
            if key == "run" || key == "version" {
                let n = value.parse::<i64>().ok().filter(|n| *n >= 1).ok_or_else(|| {
                    ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "invalid",
                        format!("invalid {key} number '{value}': {key}s are numbered 1, 2, 3, ..."),
                    )
                    .with_field(key.clone())
                })?;
                out.run = Some(n);
                continue;
            }
            let valid = coffer_model::names::validate_name(&value).is_ok() || (key == "flight" && is_uuid(&value));
            if !valid {
                let rule = if key == "flight" {
                    "give a flight name ([A-Za-z0-9._-]{1,128}) or a flight id (a UUID)"
                } else {
                    "names must match [A-Za-z0-9._-]{1,128}"
                };
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid",
                    format!("invalid {key} name '{value}': {rule}"),
                )
                .with_field(key.clone()));
            }
            out.names.push(value);
        }
        Ok(out)
    }
}

impl Names {
    /// The one name of the path.
    pub(crate) fn one(mut self) -> String {
        self.names.pop().unwrap_or_default()
    }
    /// The two names of the path, in order.
    pub(crate) fn two(mut self) -> (String, String) {
        let b = self.names.pop().unwrap_or_default();
        let a = self.names.pop().unwrap_or_default();
        (a, b)
    }
    /// Project, flight and run (or version) number.
    pub(crate) fn run(self) -> (String, String, i64) {
        let n = self.run.unwrap_or_default();
        let (project, flight) = self.two();
        (project, flight, n)
    }
}

/// `8-4-4-4-12` hex digits.
fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}
