//! Sign-in with an access token, and sign-out.
//!
//! A good token starts a session whose own token is a child of it (named `web-<hex>`, expiring
//! at the session's absolute limit): revoking the sign-in token ends the session. Every sign-in
//! is audited (`session.signin`, `ok` or `denied`), and a client address with too many failures
//! in the window is refused with 429 until the window moves on.

use crate::ctx::{client_of, session_cookie, COOKIE, SECURE_COOKIE};
use crate::form::{csrf_refused, read_form, same_site};
use crate::layout::bare;
use crate::session::{random_hex, Ended};
use crate::state::{CookieSecurity, WebState};
use axum::extract::{FromRequestParts as _, Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use coffer_core::CoreError;
use maud::html;
use std::collections::HashMap;

/// Where to go after sign-in: a path of this site only (never `//host` or a URL).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\") && !n.contains(['\r', '\n']) => {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

fn sign_in_page(status: StatusCode, next: &str, message: Option<(&str, &str)>) -> Response {
    let markup = bare(
        "Sign in",
        html! {
            h1 { "Sign in" }
            @if let Some((kind, text)) = message {
                div class={ "flash " (kind) } role=(if kind == "error" { "alert" } else { "status" }) { (text) }
            }
            form method="post" action="/signin" {
                input type="hidden" name="next" value=(next);
                div.field {
                    label for="token" { "Access token" }
                    input #token type="password" name="token" required autocomplete="off"
                        spellcheck="false" aria-describedby="token-help";
                    p.help #token-help {
                        "The token you use with the CLI (" code { "COFFER_TOKEN" } "). "
                        "Create one with " code { "coffer token create" } "."
                    }
                }
                button type="submit" { "Sign in" }
            }
        },
    );
    (status, markup).into_response()
}

/// `GET /signin`: the form (or, with a live session, straight on).
pub(crate) async fn form(
    State(st): State<WebState>,
    Query(q): Query<HashMap<String, String>>,
    req: Request,
) -> Response {
    let next = safe_next(q.get("next").map(String::as_str));
    let (mut parts, _) = req.into_parts();
    if crate::ctx::Ctx::from_request_parts(&mut parts, &st).await.is_ok() {
        return Redirect::to(&next).into_response();
    }
    let ended = match q.get("ended").map(String::as_str) {
        Some("idle") => Some(Ended::Idle.message()),
        Some("expired") => Some(Ended::Expired.message()),
        Some("unknown") => Some(Ended::Unknown.message()),
        _ => None,
    };
    let message = if q.contains_key("signed_out") {
        Some(("ok", "You are signed out."))
    } else if let Some(r) = q.get("reason") {
        // The service's own words (`token 'x' was revoked`); shown as text.
        return sign_in_page(
            StatusCode::OK,
            &next,
            Some(("error", &format!("Your session has ended: {r}. Sign in again."))),
        );
    } else {
        ended.map(|m| ("error", m))
    };
    sign_in_page(StatusCode::OK, &next, message)
}

/// `POST /signin`.
pub(crate) async fn sign_in(State(st): State<WebState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    if !same_site(&parts) {
        return csrf_refused();
    }
    let (client, https) = client_of(&parts);
    let secure = https || st.inner.config.cookies == CookieSecurity::Always;
    let form = match read_form(Request::from_parts(parts, body)).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let next = safe_next(form.get("next").as_deref());
    if let Err(wait) = st.inner.limiter.check(&client) {
        let secs = wait.as_secs().max(1);
        let mut r = sign_in_page(
            StatusCode::TOO_MANY_REQUESTS,
            &next,
            Some((
                "error",
                &format!("Too many failed sign-ins from your address. Try again in {secs} seconds."),
            )),
        );
        if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return r;
    }
    let token = form
        .raw("token")
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(coffer_crypto::SecretString::from);
    let Some(token) = token else {
        return sign_in_page(
            StatusCode::BAD_REQUEST,
            &next,
            Some(("error", "Enter an access token.")),
        );
    };
    let service = st.inner.service.clone();
    let absolute_ms = i64::try_from(st.inner.config.absolute.as_millis()).unwrap_or(i64::MAX);
    let who = client.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        let caller = match service.authenticate(token.expose_secret(), &who) {
            Ok(c) => c,
            Err(e) => {
                let why = match &e {
                    CoreError::Unauthenticated(m) => m.clone(),
                    _ => "the token could not be checked".to_string(),
                };
                service.audit_sign_in("web", None, &who, "denied", Some(why.clone()))?;
                return Ok(Err((
                    StatusCode::UNAUTHORIZED,
                    format!("The token was not accepted: {why}."),
                )));
            }
        };
        let name = format!("web-{}", random_hex(6));
        match service.create_token(&caller, None, &name, Some(absolute_ms)) {
            Ok(t) => {
                service.audit_sign_in("web", Some(&caller), &who, "ok", Some(format!("session token {name}")))?;
                Ok(Ok((caller.name, name, t.token)))
            }
            Err(e) => {
                service.audit_sign_in("web", Some(&caller), &who, "denied", Some(e.to_string()))?;
                Ok(Err((
                    StatusCode::FORBIDDEN,
                    format!("This token cannot open a web session: {e}."),
                )))
            }
        }
    })
    .await;
    let outcome: Result<_, CoreError> = match outcome {
        Ok(o) => o,
        Err(e) => {
            tracing::error!("sign-in failed inside the server: {e}");
            return crate::layout::error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The sign-in failed inside the server.",
            );
        }
    };
    match outcome {
        Err(e) => {
            tracing::error!("sign-in: {e}");
            crate::layout::error_page(
                StatusCode::SERVICE_UNAVAILABLE,
                "The sign-in could not be recorded in the audit log; try again later.",
            )
        }
        Ok(Err((status, text))) => {
            if status == StatusCode::UNAUTHORIZED {
                st.inner.limiter.failed(&client);
            }
            sign_in_page(status, &next, Some(("error", &text)))
        }
        Ok(Ok((identity, token_name, token))) => {
            st.inner.limiter.succeeded(&client);
            let (id, _, evicted) = st.inner.sessions.start(token, token_name, identity);
            if let Some(old) = evicted {
                st.revoke(vec![old]).await;
            }
            let mut r = Redirect::to(&next).into_response();
            set_cookie(&mut r, &id, secure);
            r
        }
    }
}

fn set_cookie(r: &mut Response, value: &str, secure: bool) {
    let cookie = if secure {
        format!("{SECURE_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Secure")
    } else {
        format!("{COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict")
    };
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// `POST /signout`: ends the session, revokes its token, clears the cookie.
pub(crate) async fn sign_out(State(st): State<WebState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let cookie = session_cookie(&parts.headers);
    if !same_site(&parts) {
        return csrf_refused();
    }
    let form = match read_form(Request::from_parts(parts, body)).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    if let Some(id) = cookie {
        if let Ok(s) = st.inner.sessions.get(&id) {
            if !crate::session::same(form.raw("_csrf").unwrap_or(""), &s.csrf) {
                return csrf_refused();
            }
            if let Some(s) = st.inner.sessions.end(&id) {
                st.revoke(vec![s]).await;
            }
        }
    }
    let mut r = Redirect::to("/signin?signed_out=1").into_response();
    for c in [
        format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
        format!("{SECURE_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Secure; Max-Age=0"),
    ] {
        if let Ok(v) = HeaderValue::from_str(&c) {
            r.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn sign_in_only_goes_on_to_this_site() {
        assert_eq!(safe_next(Some("/p/x/secrets?q=a")), "/p/x/secrets?q=a");
        for bad in ["//evil.example/", "https://evil.example/", "/\\evil.example", "x", ""] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
