//! Members of a project (admins): roles granted and revoked, service accounts created; and
//! access tokens: listed, created (shown once, with a copy button), revoked.

use crate::chrome::Chrome;
use crate::ctx::{Ctx, PageError};
use crate::form::Posted;
use crate::format::{enc, error_text, iso, time};
use crate::layout::{badge, csrf, field_error, page_with_status, table, Nav};
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use coffer_api::types::{GrantBody, ServiceAccountBody, TokenBody};
use coffer_api::CofferApi;
use coffer_core::{IdentityInfo, MemberInfo, TokenInfo};
use maud::html;
use std::collections::HashMap;

const ROLES: [&str; 4] = ["read", "use", "write", "admin"];

fn role_select(id: &str, selected: &str) -> maud::Markup {
    html! {
        select id=(id) name="role" {
            @for r in ROLES { option value=(r) selected[r == selected] { (r) } }
        }
    }
}

/// `GET /p/{project}/members`.
pub(crate) async fn members(ctx: Ctx, Path(project): Path<String>) -> Result<Response, PageError> {
    let p = project.clone();
    let (c, (members, identities)) = ctx
        .page(Some(&project), move |api| {
            Ok((api.list_members(&p)?, api.list_identities().unwrap_or_default()))
        })
        .await?;
    Ok(members_page(StatusCode::OK, &c, &project, &members, &identities, None))
}

fn members_page(
    status: StatusCode,
    c: &Chrome,
    project: &str,
    members: &[MemberInfo],
    identities: &[IdentityInfo],
    error: Option<(&str, &str)>,
) -> Response {
    let base = format!("/p/{}", enc(project));
    let err = |k: &str| error.filter(|(f, _)| *f == k).map(|(_, m)| m);
    let body = html! {
        h1 { "Members of " (project) }
        p.lead { "read: names and metadata \u{00b7} use: values in runs and DuckDB \u{00b7} write: create, replace and drop \u{00b7} admin: members, tokens and the audit log." }
        (table("Members", html! {
            table {
                thead { tr { th scope="col" { "Identity" } th scope="col" { "Kind" } th scope="col" { "Role" } th scope="col" { "Granted" } th scope="col" { span.visually-hidden { "Actions" } } } }
                tbody {
                    @for (i, m) in members.iter().enumerate() {
                        tr {
                            td { (m.identity) }
                            td { (m.kind) }
                            td {
                                form.inline method="post" action={ (base) "/members" } {
                                    (csrf(c))
                                    input type="hidden" name="identity" value=(m.identity);
                                    label.visually-hidden for={ "role-" (i) } { "Role of " (m.identity) }
                                    (role_select(&format!("role-{i}"), &m.role))
                                    button.secondary type="submit" aria-label={ "Change the role of " (m.identity) } { "Change" }
                                }
                            }
                            td.nowrap { time datetime=(iso(m.granted_at)) { (time(m.granted_at)) } " by " (m.granted_by) }
                            td {
                                form.inline method="post" action={ (base) "/members/" (enc(&m.identity)) "/revoke" } data-confirm={ "Take every role of " (m.identity) " in " (project) " away?" } {
                                    (csrf(c))
                                    button.danger type="submit" aria-label={ "Revoke the role of " (m.identity) } { "Revoke" }
                                }
                            }
                        }
                    }
                }
            }
        }))
        div.columns {
            section.box aria-labelledby="grant-title" {
                h2 #grant-title { "Grant a role" }
                form.stack method="post" action={ (base) "/members" } {
                    (csrf(c))
                    div.field {
                        label for="grant-identity" { "User or service account" }
                        input #grant-identity name="identity" required list="identities" spellcheck="false" autocomplete="off"
                            aria-invalid=[err("identity").map(|_| "true")] aria-describedby=[err("identity").map(|_| "grant-identity-error")];
                        datalist #identities { @for i in identities { option value=(i.name) {} } }
                        (field_error("grant-identity", err("identity")))
                    }
                    div.field { label for="grant-role" { "Role" } (role_select("grant-role", "read")) }
                    button type="submit" { "Grant" }
                }
            }
            section.box aria-labelledby="sa-title" {
                h2 #sa-title { "Create a service account" }
                form.stack method="post" action={ (base) "/service-accounts" } {
                    (csrf(c))
                    div.field {
                        label for="sa-name" { "Name" }
                        input #sa-name name="name" required spellcheck="false" autocomplete="off"
                            aria-invalid=[err("name").map(|_| "true")] aria-describedby=[err("name").map(|_| "sa-name-error")];
                        (field_error("sa-name", err("name")))
                    }
                    div.field { label for="sa-role" { "Role" } (role_select("sa-role", "use")) }
                    button type="submit" { "Create service account" }
                    p.help { "Then create a token for it on the " a href="/tokens" { "Tokens" } " page." }
                }
            }
        }
    };
    page_with_status(status, c, &format!("Members of {project}"), Nav::Members, body)
}

/// `POST /p/{project}/members`: grant (or change) a role.
pub(crate) async fn grant(Path(project): Path<String>, Posted { ctx, form }: Posted) -> Result<Response, PageError> {
    let identity = form.get("identity").unwrap_or_default();
    let role = form.get("role").unwrap_or_default();
    let p = project.clone();
    member_change(
        ctx,
        project,
        "identity",
        move |api| api.grant(&p, &identity, GrantBody { role }),
        |m| format!("{} now has the role {} in {}.", m.identity, m.role, m.project),
    )
    .await
}

/// Makes a change to the members of `project` (`change`, in the API as the session): on success
/// the members page with `done`'s message, on refusal the page again with the error at `field`.
async fn member_change(
    ctx: Ctx,
    project: String,
    field: &'static str,
    change: impl FnOnce(&coffer_api::Local) -> coffer_api::Result<MemberInfo> + Send + 'static,
    done: impl FnOnce(&MemberInfo) -> String,
) -> Result<Response, PageError> {
    let p = project.clone();
    let (c, (outcome, members, identities)) = ctx
        .page(Some(&project), move |api| {
            let outcome = change(api);
            Ok((
                outcome,
                api.list_members(&p)?,
                api.list_identities().unwrap_or_default(),
            ))
        })
        .await?;
    match outcome {
        Ok(m) => {
            ctx.session.flash("ok", done(&m));
            Ok(Redirect::to(&format!("/p/{}/members", enc(&project))).into_response())
        }
        Err(e) => {
            let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
            Ok(members_page(
                status,
                &c,
                &project,
                &members,
                &identities,
                Some((field, &error_text(&e))),
            ))
        }
    }
}

/// `POST /p/{project}/members/{identity}/revoke`.
pub(crate) async fn revoke(
    Path((project, identity)): Path<(String, String)>,
    Posted { ctx, .. }: Posted,
) -> Result<Response, PageError> {
    let (p, i) = (project.clone(), identity.clone());
    ctx.call(move |api| api.revoke_grant(&p, &i)).await?;
    ctx.session
        .flash("ok", format!("{identity} has no role in {project} any more."));
    Ok(Redirect::to(&format!("/p/{}/members", enc(&project))).into_response())
}

/// `POST /p/{project}/service-accounts`: create one and grant it the role chosen.
pub(crate) async fn create_service_account(
    Path(project): Path<String>,
    Posted { ctx, form }: Posted,
) -> Result<Response, PageError> {
    let name = form.get("name").unwrap_or_default();
    let role = form.get("role").unwrap_or_else(|| "use".into());
    let p = project.clone();
    let change = move |api: &coffer_api::Local| {
        api.create_service_account(&p, ServiceAccountBody { name })
            .and_then(|sa| api.grant(&p, &sa.name, GrantBody { role }))
    };
    member_change(ctx, project, "name", change, |m| {
        format!("Service account {} created with the role {}.", m.identity, m.role)
    })
    .await
}

/// Tokens per page of the list.
const TOKENS_PAGE: usize = 100;

/// Which tokens the list shows: active ones (the default), or all, and which page.
#[derive(Default)]
pub(crate) struct TokenView {
    all: bool,
    page: usize,
}

impl TokenView {
    fn of(q: &HashMap<String, String>) -> TokenView {
        TokenView {
            all: q.get("show").is_some_and(|v| v == "all"),
            page: q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1),
        }
    }
}

/// `GET /tokens?show=all&page=N`.
pub(crate) async fn tokens(ctx: Ctx, Query(q): Query<HashMap<String, String>>) -> Result<Response, PageError> {
    let (c, (tokens, identities)) = ctx
        .page(None, |api| {
            Ok((api.list_tokens()?, api.list_identities().unwrap_or_default()))
        })
        .await?;
    Ok(tokens_page(
        StatusCode::OK,
        &c,
        &tokens,
        &identities,
        &TokenView::of(&q),
        None,
        None,
    ))
}

fn tokens_page(
    status: StatusCode,
    c: &Chrome,
    tokens: &[TokenInfo],
    identities: &[IdentityInfo],
    view: &TokenView,
    created: Option<(&str, &str, Option<&str>)>,
    error: Option<&str>,
) -> Response {
    let listed: Vec<&TokenInfo> = tokens.iter().filter(|t| view.all || t.status == "active").collect();
    let pages = listed.len().div_ceil(TOKENS_PAGE).max(1);
    let page_no = view.page.clamp(1, pages);
    let first = (page_no - 1) * TOKENS_PAGE;
    let rows = &listed[first.min(listed.len())..(first + TOKENS_PAGE).min(listed.len())];
    let show = if view.all { "&show=all" } else { "" };
    let body = html! {
        h1 { "Access tokens" }
        @if let Some((name, token, notice)) = created {
            section.box.created aria-labelledby="created-title" {
                h2 #created-title { "Token " (name) " created" }
                p role="alert" { strong { "Copy it now: it is shown this once and cannot be shown again." } }
                div.copy-row {
                    label.visually-hidden for="new-token" { "The new token" }
                    input #new-token type="text" readonly value=(token) spellcheck="false" autocomplete="off";
                    button.secondary type="button" data-copy="new-token" { "Copy" }
                }
                @if let Some(n) = notice { p.help { (n) } }
                p.help { "Use it as " code { "COFFER_TOKEN" } " for the CLI, or to sign in here." }
            }
        }
        p.lead { "Tokens you may see: your own, and those of the service accounts of projects you administer. A token never outlives the token that created it; revoking one revokes those created with it." }
        p {
            @if view.all {
                "Showing every token. " a href="/tokens" { "Show active tokens only" }
            } @else {
                "Showing active tokens (" (listed.len()) " of " (tokens.len()) "). " a href="/tokens?show=all" { "Show revoked and expired tokens too" }
            }
        }
        (table("Tokens", html! {
            table {
                thead { tr {
                    th scope="col" { "Name" } th scope="col" { "Owner" } th scope="col" { "Status" } th scope="col" { "Created" }
                    th scope="col" { "Expires" } th scope="col" { "Last used" } th scope="col" { "Parent" } th scope="col" { span.visually-hidden { "Actions" } }
                } }
                tbody {
                    @for t in rows {
                        tr {
                            td { code { (t.token_name) } }
                            td { (t.owner) }
                            td { (badge(&t.status)) }
                            td.nowrap { time datetime=(iso(t.created_at)) { (time(t.created_at)) } }
                            td.nowrap { @if let Some(e) = t.expires_at { (time(e)) } @else { "never" } }
                            td.nowrap { @if let Some(u) = t.last_used_at { (time(u)) } @else { "never" } }
                            td { (t.parent.as_deref().unwrap_or("")) }
                            td {
                                @if t.revoked_at.is_none() {
                                    form.inline method="post" action={ "/tokens/" (enc(&t.token_name)) "/revoke" }
                                        data-confirm={ "Revoke token " (t.token_name) " and every token created with it?" } {
                                        (csrf(c))
                                        button.danger type="submit" aria-label={ "Revoke token " (t.token_name) } { "Revoke" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }))
        @if pages > 1 {
            nav.pager aria-label="Token pages" {
                span { "Tokens " (first + 1) "\u{2013}" (first + rows.len()) " of " (listed.len()) }
                @if page_no > 1 { a href={ "/tokens?page=" (page_no - 1) (show) } rel="prev" { "Previous" } }
                @if page_no < pages { a href={ "/tokens?page=" (page_no + 1) (show) } rel="next" { "Next" } }
            }
        }
        section.box aria-labelledby="new-token-title" {
            h2 #new-token-title { "Create a token" }
            form.stack method="post" action="/tokens" {
                (csrf(c))
                div.field {
                    label for="token-name" { "Name" }
                    input #token-name name="name" required spellcheck="false" autocomplete="off" placeholder="ci-nightly"
                        aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| "token-name-error")];
                    (field_error("token-name", error))
                }
                div.field {
                    label for="token-owner" { "For" }
                    select #token-owner name="owner" {
                        option value="" { "me (" (c.identity) ")" }
                        @for i in identities.iter().filter(|i| i.kind == "service_account" || (c.superuser && i.name != c.identity)) {
                            option value=(i.name) { (i.name) " (" (i.kind.replace('_', " ")) ")" }
                        }
                    }
                }
                div.field {
                    label for="token-expiry" { "Expires after" }
                    select #token-expiry name="expires_in" {
                        @for (v, l) in [("1d", "1 day"), ("7d", "7 days"), ("30d", "30 days"), ("90d", "90 days"), ("365d", "1 year"), ("", "never (until revoked)")] {
                            option value=(v) selected[v == "90d"] { (l) }
                        }
                    }
                }
                button type="submit" { "Create token" }
            }
        }
    };
    page_with_status(status, c, "Access tokens", Nav::Tokens, body)
}

/// `POST /tokens`: the page shows the new token once.
pub(crate) async fn create_token(Posted { ctx, form }: Posted) -> Result<Response, PageError> {
    let body = TokenBody {
        name: form.get("name").unwrap_or_default(),
        owner: form.get("owner"),
        expires_in: form.get("expires_in"),
    };
    let (c, (outcome, tokens, identities)) = ctx
        .page(None, move |api| {
            let outcome = api.create_token(body);
            Ok((outcome, api.list_tokens()?, api.list_identities().unwrap_or_default()))
        })
        .await?;
    Ok(match outcome {
        Ok(t) => tokens_page(
            StatusCode::OK,
            &c,
            &tokens,
            &identities,
            &TokenView::default(),
            Some((&t.info.token_name, t.token.expose_secret(), t.notice.as_deref())),
            None,
        ),
        Err(e) => {
            let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
            tokens_page(
                status,
                &c,
                &tokens,
                &identities,
                &TokenView::default(),
                None,
                Some(&error_text(&e)),
            )
        }
    })
}

/// `POST /tokens/{token}/revoke`.
pub(crate) async fn revoke_token(Path(token): Path<String>, Posted { ctx, .. }: Posted) -> Result<Response, PageError> {
    let t = token.clone();
    let info = ctx.call(move |api| api.revoke_token(&t)).await?;
    let mut text = format!("Token {} revoked.", info.token_name);
    if !info.revoked_with.is_empty() {
        text.push_str(&format!(" Also revoked: {}.", info.revoked_with.join(", ")));
    }
    ctx.session.flash("ok", text);
    Ok(Redirect::to("/tokens").into_response())
}
