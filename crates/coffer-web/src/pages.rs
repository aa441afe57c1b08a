//! The home page, the project switcher, the projects page and the audit log.

use crate::chrome::Level;
use crate::ctx::{Ctx, PageError};
use crate::form::Posted;
use crate::format::{enc, iso, time};
use crate::layout::{badge, csrf, field_error, page, page_with_status, table, Nav};
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use coffer_api::types::{AuditQuery, ProjectBody};
use coffer_api::CofferApi;
use maud::html;
use std::collections::HashMap;

/// Events per page of the audit log.
pub(crate) const AUDIT_PAGE: u32 = 50;

/// `GET /`: the first project's secrets, or the projects page when there is none.
pub(crate) async fn home(ctx: Ctx) -> Result<Response, PageError> {
    let projects = ctx.call(|api| api.list_projects()).await?;
    Ok(match projects.first() {
        Some(p) => Redirect::to(&format!("/p/{}/secrets", enc(&p.name))).into_response(),
        None => Redirect::to("/projects").into_response(),
    })
}

/// `GET /switch?project=`: the sidebar's switcher.
pub(crate) async fn switch(_ctx: Ctx, Query(q): Query<HashMap<String, String>>) -> Response {
    match q.get("project").filter(|p| !p.is_empty()) {
        Some(p) => Redirect::to(&format!("/p/{}/secrets", enc(p))).into_response(),
        None => Redirect::to("/projects").into_response(),
    }
}

/// `GET /p/{project}`.
pub(crate) async fn project_home(_ctx: Ctx, Path(project): Path<String>) -> Response {
    Redirect::to(&format!("/p/{}/secrets", enc(&project))).into_response()
}

/// `GET /projects`.
pub(crate) async fn projects(ctx: Ctx) -> Result<Response, PageError> {
    let (c, ()) = ctx.page(None, |_| Ok(())).await?;
    Ok(projects_page(&c, StatusCode::OK, None, ""))
}

fn projects_page(c: &crate::chrome::Chrome, status: StatusCode, error: Option<&str>, name: &str) -> Response {
    let body = html! {
        h1 { "Projects" }
        @if c.projects.is_empty() {
            p.empty { "You have no role in any project yet. An admin of a project can grant you one." }
        } @else {
            (table("Projects", html! {
                table {
                    thead { tr { th scope="col" { "Project" } th scope="col" { "Your role" } th scope="col" { "Created" } th scope="col" { "By" } } }
                    tbody {
                        @for p in &c.projects {
                            tr {
                                td { a href={ "/p/" (enc(&p.name)) "/secrets" } { (p.name) } }
                                td { (p.role) }
                                td { time datetime=(iso(p.created_at)) { (time(p.created_at)) } }
                                td { (p.created_by) }
                            }
                        }
                    }
                }
            }))
        }
        @if c.superuser {
            h2 { "Create a project" }
            form.stack method="post" action="/projects" {
                (csrf(c))
                div.field {
                    label for="project-name" { "Name" }
                    input #project-name name="name" required value=(name) aria-invalid=[error.map(|_| "true")]
                        aria-describedby=[error.map(|_| "project-name-error")];
                    (field_error("project-name", error))
                }
                button type="submit" { "Create project" }
            }
        }
    };
    page_with_status(status, c, "Projects", Nav::Projects, body)
}

/// `POST /projects` (superusers).
pub(crate) async fn create_project(Posted { ctx, form }: Posted) -> Result<Response, PageError> {
    let name = form.get("name").unwrap_or_default();
    let n = name.clone();
    let (c, r) = ctx
        .page(None, move |api| Ok(api.create_project(ProjectBody { name: n })))
        .await?;
    match r {
        Ok(p) => {
            ctx.session.flash("ok", format!("Project {} created.", p.name));
            Ok(Redirect::to(&format!("/p/{}/secrets", enc(&p.name))).into_response())
        }
        Err(e) => Ok(projects_page(
            &c,
            StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::BAD_REQUEST),
            Some(&crate::format::error_text(&e)),
            &name,
        )),
    }
}

/// `GET /p/{project}/audit?secret=&actor=&from=&to=&before=`: newest first, paged.
pub(crate) async fn audit(
    ctx: Ctx,
    Path(project): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let get = |k: &str| q.get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let (secret, actor) = (get("secret"), get("actor"));
    // datetime-local inputs give `2026-12-06T09:00` (read as UTC).
    let as_rfc3339 = |v: Option<String>| {
        v.map(|t| match t.len() {
            16 => format!("{t}:00Z"),
            19 => format!("{t}Z"),
            _ => t,
        })
    };
    let (from, to) = (get("from"), get("to"));
    let before = get("before").and_then(|b| b.parse::<i64>().ok());
    let query = AuditQuery {
        project: Some(project.clone()),
        secret: secret.clone(),
        actor: actor.clone(),
        since: None,
        from: as_rfc3339(from.clone()),
        to: as_rfc3339(to.clone()),
        before_id: before,
        limit: Some(AUDIT_PAGE + 1),
    };
    let (c, events) = ctx.page(Some(&project), move |api| Ok(api.list_audit(query))).await?;
    let (events, error) = match events {
        Ok(mut e) => {
            e.reverse();
            (e, None)
        }
        Err(e) => (Vec::new(), Some(crate::format::error_text(&e))),
    };
    if error.is_some() && !c.can(Level::Admin) {
        return Err(PageError::Status(
            StatusCode::FORBIDDEN,
            format!("Only admins of project {project} may read its audit log."),
        ));
    }
    let more = events.len() > AUDIT_PAGE as usize;
    let shown = &events[..events.len().min(AUDIT_PAGE as usize)];
    let mut next = format!("/p/{}/audit?", enc(&project));
    for (k, v) in [("secret", &secret), ("actor", &actor), ("from", &from), ("to", &to)] {
        if let Some(v) = v {
            next.push_str(&format!("{k}={}&", enc(v)));
        }
    }
    let body = html! {
        h1 { "Audit log" }
        p.lead { "Every write and every read of a secret in " strong { (project) } ", newest first. Times are UTC." }
        form.filters method="get" {
            div.field { label for="f-secret" { "Secret" } input #f-secret name="secret" value=[secret.as_deref()]; }
            div.field { label for="f-actor" { "Actor" } input #f-actor name="actor" value=[actor.as_deref()]; }
            div.field { label for="f-from" { "From (UTC)" } input #f-from type="datetime-local" name="from" value=[from.as_deref()]; }
            div.field { label for="f-to" { "To (UTC)" } input #f-to type="datetime-local" name="to" value=[to.as_deref()]; }
            div.actions { button type="submit" { "Filter" } a.button.secondary href={ "/p/" (enc(&project)) "/audit" } { "Clear" } }
        }
        @if let Some(e) = &error { div.flash.error role="alert" { (e) } }
        @if shown.is_empty() && error.is_none() {
            p.empty { "No event matches." }
        } @else if error.is_none() {
            (table("Audit events", html! {
                table {
                    thead { tr {
                        th scope="col" { "Time" } th scope="col" { "Actor" } th scope="col" { "Action" }
                        th scope="col" { "Object" } th scope="col" { "Result" } th scope="col" { "Client" } th scope="col" { "Detail" }
                    } }
                    tbody {
                        @for e in shown {
                            tr {
                                td.nowrap { time datetime=(iso(e.at)) { (time(e.at)) } }
                                td { (e.actor) @if let Some(t) = &e.token_name { br; span.muted { "token " (t) } } }
                                td { code { (e.action) } }
                                td { (e.object) }
                                td { (badge(&e.result)) }
                                td { (e.client) }
                                td { (e.detail.as_deref().unwrap_or("")) }
                            }
                        }
                    }
                }
            }))
            nav.pager aria-label="Audit pages" {
                @if before.is_some() { a href=(next.trim_end_matches(['&', '?'])) { "Newest" } }
                @if more {
                    @if let Some(last) = shown.last() {
                        a href={ (next) "before=" (last.id) } rel="next" { "Older events" }
                    }
                }
            }
        }
    };
    Ok(page(&c, "Audit log", Nav::Audit, body))
}
