//! A posted form of a signed-in session: `application/x-www-form-urlencoded`, at most
//! [`FORM_LIMIT`] bytes, sent from this site (`Origin`/`Sec-Fetch-Site`), carrying the session's
//! CSRF token in `_csrf`. Values are kept in [`Zeroizing`] strings: a form may hold a secret.

use crate::ctx::Ctx;
use crate::layout::error_page;
use crate::session::same;
use crate::state::WebState;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use zeroize::Zeroizing;

/// The largest form accepted (1 MiB, as the API's bodies).
pub(crate) const FORM_LIMIT: usize = 1024 * 1024;

/// The fields of a form, in the order sent.
pub(crate) struct FormData {
    pairs: Vec<(String, Zeroizing<String>)>,
}

impl FormData {
    /// Parses an urlencoded body.
    pub fn parse(body: &[u8]) -> FormData {
        FormData {
            pairs: form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), Zeroizing::new(v.into_owned())))
                .collect(),
        }
    }

    /// The first value of `name`, trimmed; `None` when absent or blank.
    pub fn get(&self, name: &str) -> Option<String> {
        self.raw(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
    }

    /// The first value of `name` as sent (not trimmed), or "".
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Every non-blank value of `name`.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// The names of the fields, in order (with repeats).
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.pairs.iter().map(|(k, _)| k.as_str())
    }
}

/// A signed-in session's form, checked.
pub(crate) struct Posted {
    pub ctx: Ctx,
    pub form: FormData,
}

/// Whether a request came from a page of this site: `Sec-Fetch-Site` when the browser sends it,
/// else `Origin` against `Host`. A request with neither (an old client, curl) passes this
/// check; the CSRF token still has to match.
pub(crate) fn same_site(parts: &Parts) -> bool {
    let h = &parts.headers;
    if let Some(site) = h.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    let Some(origin) = h.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = h.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    let origin_host = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        .unwrap_or("");
    !host.is_empty() && origin_host.eq_ignore_ascii_case(host)
}

/// Reads an urlencoded body of at most [`FORM_LIMIT`] bytes.
pub(crate) async fn read_form(req: Request) -> Result<FormData, Response> {
    let urlencoded = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"));
    if !urlencoded {
        return Err(error_page(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "This address takes a form sent from coffer's web page.",
        )
        .into_response());
    }
    let body = axum::body::to_bytes(req.into_body(), FORM_LIMIT).await;
    let body: Bytes = body.map_err(|_| {
        error_page(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("The form is larger than the limit of {FORM_LIMIT} bytes."),
        )
        .into_response()
    })?;
    Ok(FormData::parse(&body))
}

pub(crate) fn csrf_refused() -> Response {
    error_page(
        StatusCode::FORBIDDEN,
        "This form could not be accepted: it did not come from this page or it has expired \
         (the CSRF check failed). Go back, reload the page and try again.",
    )
    .into_response()
}

impl FromRequest<WebState> for Posted {
    type Rejection = Response;

    async fn from_request(req: Request, state: &WebState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let ctx = Ctx::from_request_parts(&mut parts, state).await?;
        if !same_site(&parts) {
            return Err(csrf_refused());
        }
        let form = read_form(Request::from_parts(parts, body)).await?;
        let sent = form.raw("_csrf").unwrap_or("");
        if !same(sent, &ctx.session.csrf) {
            return Err(csrf_refused());
        }
        Ok(Posted { ctx, form })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_keep_values_as_typed_and_fields_trimmed() {
        let f = FormData::parse(
            b"name=+DATABASE_URL+&value=+p%40ss+word+&scope=s3%3A%2F%2Fa&scope=&scope=s3%3A%2F%2Fb&on=1",
        );
        assert_eq!(f.get("name").as_deref(), Some("DATABASE_URL"));
        assert_eq!(f.raw("value"), Some(" p@ss word "));
        assert_eq!(f.all("scope"), ["s3://a", "s3://b"]);
        assert_eq!(
            f.keys().collect::<Vec<_>>(),
            ["name", "value", "scope", "scope", "scope", "on"]
        );
        assert_eq!(f.get("missing"), None);
    }
}
