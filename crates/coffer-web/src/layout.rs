//! The page shell (header, project sidebar and switcher, flash message) and the small pieces
//! every page uses.

use crate::assets;
use crate::chrome::{Chrome, Level};
use crate::format::enc;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup, DOCTYPE};

/// The section of the page a page belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Nav {
    Secrets,
    Flights,
    Audit,
    Members,
    Tokens,
    Projects,
}

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " \u{00b7} coffer" }
            link rel="icon" type="image/svg+xml" href=(assets::icon_url());
            link rel="stylesheet" href=(assets::css_url());
            script src=(assets::js_url()) defer {}
        }
    }
}

/// A whole page: header, sidebar, the flash message, `body`.
pub(crate) fn page(c: &Chrome, title: &str, nav: Nav, body: Markup) -> Response {
    page_with_status(StatusCode::OK, c, title, nav, body)
}

/// [`page`] with another status (a form shown again with its errors: 422).
pub(crate) fn page_with_status(status: StatusCode, c: &Chrome, title: &str, nav: Nav, body: Markup) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    a.brand href="/" { span.logo aria-hidden="true" { "\u{25c6}" } " coffer" }
                    nav.account aria-label="Account" {
                        span.who { "Signed in as " strong { (c.identity) } @if c.superuser { " (superuser)" } }
                        a href="/tokens" aria-current=[(nav == Nav::Tokens).then_some("page")] { "Tokens" }
                        form.inline method="post" action="/signout" {
                            (csrf(c))
                            button.link type="submit" { "Sign out" }
                        }
                    }
                }
                div.shell {
                    (sidebar(c, nav))
                    main #main tabindex="-1" {
                        @if let Some(f) = &c.flash {
                            div class={ "flash " (f.kind) } role=(if f.kind == "error" { "alert" } else { "status" }) { (f.text) }
                        }
                        (body)
                    }
                }
            }
        }
    };
    (status, markup).into_response()
}

fn sidebar(c: &Chrome, nav: Nav) -> Markup {
    html! {
        nav.side aria-label="Project" {
            form.switch method="get" action="/switch" {
                label for="project-switch" { "Project" }
                div.row {
                    select #project-switch name="project" {
                        @if c.project.is_none() { option value="" selected { "Choose a project" } }
                        @for p in &c.projects {
                            option value=(p.name) selected[c.project.as_deref() == Some(p.name.as_str())] { (p.name) }
                        }
                    }
                    button.secondary type="submit" { "Go" }
                }
            }
            @if let Some(p) = &c.project {
                ul {
                    (nav_item(p, "secrets", "Secrets", nav == Nav::Secrets))
                    (nav_item(p, "flights", "Flights", nav == Nav::Flights))
                    @if c.can(Level::Admin) {
                        (nav_item(p, "audit", "Audit log", nav == Nav::Audit))
                        (nav_item(p, "members", "Members", nav == Nav::Members))
                    }
                }
                p.role { "Your role: " strong { (role_name(c.level)) } }
            }
            ul.global {
                li { a href="/projects" aria-current=[(nav == Nav::Projects).then_some("page")] { "All projects" } }
            }
        }
    }
}

fn nav_item(project: &str, path: &str, label: &str, current: bool) -> Markup {
    html! {
        li { a href={ "/p/" (enc(project)) "/" (path) } aria-current=[current.then_some("page")] { (label) } }
    }
}

fn role_name(l: Level) -> &'static str {
    match l {
        Level::None => "none",
        Level::Read => "read",
        Level::Use => "use",
        Level::Write => "write",
        Level::Admin => "admin",
    }
}

/// The hidden CSRF field of every form that changes something.
pub(crate) fn csrf(c: &Chrome) -> Markup {
    html! { input type="hidden" name="_csrf" value=(c.csrf); }
}

/// A table in a region that scrolls sideways on a narrow screen (focusable, so a keyboard can
/// scroll it).
pub(crate) fn table(label: &str, content: Markup) -> Markup {
    html! {
        div.table-wrap role="region" aria-label=(label) tabindex="0" { (content) }
    }
}

/// An error message under a form field, referenced by the field's `aria-describedby`.
pub(crate) fn field_error(id: &str, error: Option<&str>) -> Markup {
    html! {
        @if let Some(e) = error {
            p.field-error id={ (id) "-error" } { (e) }
        }
    }
}

/// `aria-describedby` of a field: its help text and its error, when there are.
pub(crate) fn described_by(id: &str, help: bool, error: bool) -> Option<String> {
    let mut v = Vec::new();
    if help {
        v.push(format!("{id}-help"));
    }
    if error {
        v.push(format!("{id}-error"));
    }
    (!v.is_empty()).then(|| v.join(" "))
}

/// A page outside the shell: sign-in, and errors.
pub(crate) fn bare(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body.bare {
                main #main.card {
                    p.brand { span.logo aria-hidden="true" { "\u{25c6}" } " coffer" }
                    (body)
                }
            }
        }
    }
}

/// An error page: what went wrong and a way back.
pub(crate) fn error_page(status: StatusCode, text: &str) -> Response {
    let title = status.canonical_reason().unwrap_or("Error");
    let markup = bare(
        title,
        html! {
            h1 { (title) }
            p role="alert" { (text) }
            p { a href="/" { "Back to coffer" } }
        },
    );
    (status, markup).into_response()
}

/// A status badge (`succeeded`, `failed`, `running`...).
pub(crate) fn badge(status: &str) -> Markup {
    let class = match status {
        "succeeded" | "ok" | "active" => "badge ok",
        "failed" | "timed_out" | "denied" | "error" | "revoked" => "badge bad",
        "running" | "queued" | "pending" => "badge run",
        _ => "badge",
    };
    html! { span class=(class) { (status) } }
}
