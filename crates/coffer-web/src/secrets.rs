//! The secrets pages: the list (search, and "which secret would DuckDB use"), the typed create
//! form, a secret's page with its versions and rollback, a new version, and drop.

use crate::chrome::{Chrome, Level};
use crate::ctx::{Ctx, PageError};
use crate::fields;
use crate::form::{FormData, Posted};
use crate::format::{enc, error_text, iso, time};
use crate::layout::{csrf, described_by, field_error, page, page_with_status, table, Nav};
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use coffer_api::types::{CreateSecretBody, OnConflictBody, RollbackBody};
use coffer_api::CofferApi;
use coffer_core::SecretInfo;
use coffer_model::scope::Storage;
use coffer_model::types::{lookup, TypeSpec, TYPES};
use maud::{html, Markup};
use std::collections::HashMap;

type Q = Query<HashMap<String, String>>;

/// Secrets per page of the list.
const PAGE: usize = 100;

fn q<'a>(q: &'a HashMap<String, String>, k: &str) -> Option<&'a str> {
    q.get(k).map(|v| v.trim()).filter(|v| !v.is_empty())
}

fn secret_url(project: &str, s: &SecretInfo) -> String {
    format!(
        "/p/{}/secrets/{}?storage={}",
        enc(project),
        enc(&s.name),
        s.storage.name()
    )
}

/// `GET /p/{project}/secrets?q=&path=&type=`.
pub(crate) async fn list(ctx: Ctx, Path(project): Path<String>, Query(query): Q) -> Result<Response, PageError> {
    let search = q(&query, "q").map(str::to_lowercase);
    let which = q(&query, "path").map(|p| (p.to_string(), q(&query, "type").unwrap_or("s3").to_string()));
    let p = project.clone();
    let w = which.clone();
    let (c, (secrets, answer)) = ctx
        .page(Some(&project), move |api| {
            let secrets = api.list_secrets(&p)?;
            let answer = w.map(|(path, ty)| api.which_secret(&p, &path, &ty));
            Ok((secrets, answer))
        })
        .await?;
    let shown: Vec<&SecretInfo> = secrets
        .iter()
        .filter(|s| {
            search.as_ref().is_none_or(|needle| {
                s.name.to_lowercase().contains(needle.as_str())
                    || s.secret_type.contains(needle.as_str())
                    || s.scope.iter().any(|sc| sc.to_lowercase().contains(needle.as_str()))
            })
        })
        .collect();
    let pages = shown.len().div_ceil(PAGE).max(1);
    let page_no = q(&query, "page")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, pages);
    let first = (page_no - 1) * PAGE;
    let rows = &shown[first.min(shown.len())..(first + PAGE).min(shown.len())];
    let page_url = |n: usize| {
        let mut u = format!("/p/{}/secrets?page={n}", enc(&project));
        if let Some(s) = q(&query, "q") {
            u.push_str(&format!("&q={}", enc(s)));
        }
        u
    };
    let body = html! {
        div.title-row {
            h1 { "Secrets" }
            @if c.can(Level::Write) {
                a.button href={ "/p/" (enc(&project)) "/new/secret" } { "Create secret" }
            }
        }
        p.lead { "Values are encrypted at rest and never shown after creation. Runs get them as environment variables." }
        form.search method="get" role="search" {
            label for="secret-search" { "Search secrets" }
            div.row {
                input #secret-search type="search" name="q" value=[q(&query, "q")] placeholder="name, type or scope";
                button.secondary type="submit" { "Search" }
            }
        }
        @if shown.is_empty() {
            p.empty { @if secrets.is_empty() { "No secrets yet." } @else { "No secret matches." } }
        } @else {
            (table("Secrets", html! {
                table {
                    thead { tr {
                        th scope="col" { "Name" } th scope="col" { "Type" } th scope="col" { "Scopes" } th scope="col" { "Storage" }
                        th scope="col" { "Version" } th scope="col" { "Updated" } th scope="col" { "By" }
                    } }
                    tbody {
                        @for s in rows {
                            tr {
                                td { a href=(secret_url(&project, s)) { (s.name) } }
                                td { code { (s.secret_type) } }
                                td { @for sc in &s.scope { code { (sc) } " " } }
                                td { (storage_label(s.storage)) }
                                td.num { (s.version) }
                                td.nowrap { time datetime=(iso(s.updated_at)) { (time(s.updated_at)) } }
                                td { (s.updated_by) }
                            }
                        }
                    }
                }
            }))
            @if pages > 1 {
                nav.pager aria-label="Secret pages" {
                    span { "Secrets " (first + 1) "\u{2013}" (first + rows.len()) " of " (shown.len()) }
                    @if page_no > 1 { a href=(page_url(page_no - 1)) rel="prev" { "Previous" } }
                    @if page_no < pages { a href=(page_url(page_no + 1)) rel="next" { "Next" } }
                }
            }
        }
        section.box aria-labelledby="which-title" {
            h2 #which-title { "Which secret would DuckDB use?" }
            form.which method="get" {
                div.field {
                    label for="which-path" { "Path" }
                    input #which-path name="path" required value=[which.as_ref().map(|w| w.0.as_str())] placeholder="s3://bucket/data/file.parquet";
                }
                div.field {
                    label for="which-type" { "Type" }
                    select #which-type name="type" {
                        @for t in TYPES.iter().filter(|t| t.duckdb_type || t.name == "flights") {
                            option value=(t.name) selected[which.as_ref().is_some_and(|w| w.1 == t.name)] { (t.name) }
                        }
                    }
                }
                div.actions { button.secondary type="submit" { "Look up" } }
            }
            @if let (Some((path, _)), Some(a)) = (&which, &answer) {
                div.answer role="status" {
                    @match a {
                        Ok(r) => @match &r.secret {
                            Some(s) => { "DuckDB would use " strong { (s.name) } " (" (s.storage) ") for " code { (path) } "." }
                            None => { "No secret of that type has a scope that matches " code { (path) } "." }
                        },
                        Err(e) => { (error_text(e)) }
                    }
                }
            }
        }
    };
    Ok(page(&c, "Secrets", Nav::Secrets, body))
}

fn storage_label(s: Storage) -> &'static str {
    match s {
        Storage::Memory => "temporary",
        Storage::Coffer => "persistent",
        Storage::Env => "environment",
    }
}

/// What the create form shows again after an error.
struct Draft<'a> {
    ty: &'static TypeSpec,
    provider: &'static coffer_model::types::ProviderSpec,
    form: &'a FormData,
    errors: HashMap<String, String>,
    general: Option<String>,
    /// Set for a new version of an existing secret: its name, fixed.
    replacing: Option<String>,
}

fn type_and_provider(
    ty: Option<&str>,
    provider: Option<&str>,
) -> Result<(&'static TypeSpec, &'static coffer_model::types::ProviderSpec), PageError> {
    let ty = lookup(ty.unwrap_or("generic")).ok_or_else(|| {
        PageError::Status(
            StatusCode::BAD_REQUEST,
            format!(
                "unknown secret type; valid types: {}",
                coffer_model::types::type_names().join(", ")
            ),
        )
    })?;
    let provider = match provider {
        Some(p) => ty.provider(p).ok_or_else(|| {
            PageError::Status(
                StatusCode::BAD_REQUEST,
                format!("unknown provider '{p}' for secret type '{}'", ty.name),
            )
        })?,
        None => ty.default_provider(),
    };
    Ok((ty, provider))
}

/// `GET /p/{project}/new/secret?type=&provider=`.
pub(crate) async fn new_form(ctx: Ctx, Path(project): Path<String>, Query(query): Q) -> Result<Response, PageError> {
    let (ty, provider) = type_and_provider(q(&query, "type"), q(&query, "provider"))?;
    let (c, ()) = ctx.page(Some(&project), |_| Ok(())).await?;
    let empty = FormData::parse(b"");
    let draft = Draft {
        ty,
        provider,
        form: &empty,
        errors: HashMap::new(),
        general: None,
        replacing: None,
    };
    Ok(form_page(StatusCode::OK, &c, &project, &draft))
}

/// `GET /p/{project}/secrets/{name}/replace?storage=`: a new version, same type.
pub(crate) async fn replace_form(
    ctx: Ctx,
    Path((project, name)): Path<(String, String)>,
    Query(query): Q,
) -> Result<Response, PageError> {
    let storage = q(&query, "storage").and_then(Storage::parse);
    let (p, n) = (project.clone(), name.clone());
    let (c, info) = ctx
        .page(Some(&project), move |api| api.secret_info(&p, &n, storage))
        .await?;
    let (ty, provider) = type_and_provider(Some(&info.secret_type), Some(&info.provider))?;
    let mut sent = format!("name={}&storage={}", enc(&info.name), info.storage.name());
    for sc in &info.scope {
        sent.push_str(&format!("&scope={}", enc(sc)));
    }
    for (k, v) in &info.fields {
        sent.push_str(&format!("&{}={}", enc(&fields::input_name(k)), enc(&v.to_display())));
    }
    let form = FormData::parse(sent.as_bytes());
    let draft = Draft {
        ty,
        provider,
        form: &form,
        errors: HashMap::new(),
        general: None,
        replacing: Some(info.name.clone()),
    };
    Ok(form_page(StatusCode::OK, &c, &project, &draft))
}

fn form_page(status: StatusCode, c: &Chrome, project: &str, d: &Draft<'_>) -> Response {
    let title = match &d.replacing {
        Some(n) => format!("New version of {n}"),
        None => "Create secret".to_string(),
    };
    let generic = d.ty.name == "generic";
    let err = |k: &str| d.errors.get(k).map(String::as_str);
    let name_err = err("name");
    let scope_err = err("scope");
    let body = html! {
        h1 { (title) }
        @if d.replacing.is_none() {
            form.picker method="get" action={ "/p/" (enc(project)) "/new/secret" } {
                div.field {
                    label for="pick-type" { "Type" }
                    select #pick-type name="type" aria-describedby="pick-type-help" {
                        @for t in TYPES {
                            option value=(t.name) selected[t.name == d.ty.name] { (t.name) " \u{2014} " (t.description) }
                        }
                    }
                    p.help #pick-type-help { "Changing the type shows its fields." }
                }
                @if d.ty.providers.len() > 1 {
                    div.field {
                        label for="pick-provider" { "Provider" }
                        select #pick-provider name="provider" {
                            @for p in d.ty.providers {
                                option value=(p.name) selected[p.name == d.provider.name] { (p.name) }
                            }
                        }
                    }
                }
                div.actions { button.secondary type="submit" { "Show fields" } }
            }
        }
        @if let Some(g) = &d.general { div.flash.error role="alert" { (g) } }
        form.stack method="post" action={ "/p/" (enc(project)) "/secrets" } novalidate {
            (csrf(c))
            input type="hidden" name="type" value=(d.ty.name);
            input type="hidden" name="provider" value=(d.provider.name);
            @if let Some(n) = &d.replacing {
                input type="hidden" name="name" value=(n);
                input type="hidden" name="on_conflict" value="replace";
                input type="hidden" name="storage" value=(d.form.get("storage").unwrap_or_default());
                p.lead { "Type " code { (d.ty.name) } ". The current value stays as an older version you can roll back to." }
            } @else {
                p.lead { "Type " code { (d.ty.name) } @if d.ty.providers.len() > 1 { ", provider " code { (d.provider.name) } } ". " (d.ty.description) "." }
                div.field {
                    label for="secret-name" {
                        @if generic { "Key name" } @else { "Name" }
                        @if generic { span.req { " (required)" } }
                    }
                    input #secret-name name="name" type="text" spellcheck="false" autocomplete="off" value=[d.form.get("name")]
                        required[generic] aria-invalid=[name_err.map(|_| "true")]
                        aria-describedby=(described_by("secret-name", true, name_err.is_some()).unwrap_or_default());
                    p.help #secret-name-help {
                        "Letters, digits, dashes, underscores and dots, e.g. DATABASE_URL."
                        @if !generic { " Leave empty for " code { "__default_" (d.ty.name) } "." }
                    }
                    (field_error("secret-name", name_err))
                }
            }
            (fields::inputs(d.ty, d.provider, d.form, &d.errors))
            @if !generic {
                div.field {
                    label for="secret-scope" { "Scopes" }
                    textarea #secret-scope name="scope" rows="2" spellcheck="false" aria-invalid=[scope_err.map(|_| "true")]
                        aria-describedby=(described_by("secret-scope", true, scope_err.is_some()).unwrap_or_default()) {
                        (d.form.all("scope").join("\n"))
                    }
                    p.help #secret-scope-help {
                        "One URL prefix per line; the longest that matches a path wins."
                        @if !d.ty.default_scopes.is_empty() { " Default: " (d.ty.default_scopes.join(", ")) "." }
                    }
                    (field_error("secret-scope", scope_err))
                }
            }
            @if d.replacing.is_none() {
                fieldset {
                    legend { "Storage" }
                    label.radio { input type="radio" name="storage" value="coffer" checked[d.form.get("storage").as_deref() != Some("memory")]; " Persistent (encrypted on disk)" }
                    label.radio { input type="radio" name="storage" value="memory" checked[d.form.get("storage").as_deref() == Some("memory")]; " Temporary (this server's memory, gone at restart)" }
                }
            }
            div.actions {
                button type="submit" { @if d.replacing.is_some() { "Save new version" } @else { "Create" } }
                a.button.secondary href={ "/p/" (enc(project)) "/secrets" } { "Cancel" }
            }
        }
    };
    page_with_status(status, c, &title, Nav::Secrets, body)
}

/// `POST /p/{project}/secrets`: create, or a new version (`on_conflict=replace`).
pub(crate) async fn create(Path(project): Path<String>, Posted { ctx, form }: Posted) -> Result<Response, PageError> {
    let (ty, provider) = type_and_provider(form.get("type").as_deref(), form.get("provider").as_deref())?;
    let replacing = form.get("on_conflict").as_deref() == Some("replace");
    let read = fields::read(provider, &form);
    let storage = form.get("storage");
    let (p, fields_read) = (project.clone(), read);
    let name = form.get("name");
    let scope = form
        .all("scope")
        .iter()
        .flat_map(|s| s.lines().map(|l| l.trim().to_string()))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>();
    let temporary = storage.as_deref() == Some("memory");
    let (c, outcome) = match fields_read {
        Err(errors) => {
            let (c, ()) = ctx.page(Some(&project), |_| Ok(())).await?;
            (c, Err(errors))
        }
        Ok(fields) => {
            let body = CreateSecretBody {
                name: name.clone(),
                secret_type: ty.name.to_string(),
                provider: Some(provider.name.to_string()),
                scope,
                temporary,
                on_conflict: if replacing {
                    OnConflictBody::Replace
                } else {
                    OnConflictBody::Error
                },
                fields,
            };
            let (c, r) = ctx
                .page(Some(&project), move |api| Ok(api.create_secret(&p, body)))
                .await?;
            (c, Ok(r))
        }
    };
    let errors = match outcome {
        Ok(Ok(done)) => {
            let s = &done.secret;
            let text = if replacing {
                format!("Secret {} saved as version {}.", s.name, s.version)
            } else {
                format!("Secret {} created. Its value will not be shown again.", s.name)
            };
            ctx.session.flash("ok", text);
            return Ok(Redirect::to(&secret_url(&project, s)).into_response());
        }
        Ok(Err(e)) => {
            let text = error_text(&e);
            let mut errors = HashMap::new();
            let field = e.field();
            // The API names a secret's fields `fields.<name>`.
            match field.as_deref().map(|f| f.strip_prefix("fields.").unwrap_or(f)) {
                Some(f) if f == "name" || f == "scope" || provider.field(f).is_some() => {
                    errors.insert(f.to_string(), text);
                }
                _ => {
                    errors.insert(String::new(), text);
                }
            }
            errors
        }
        Err(errors) => errors,
    };
    let general = errors.get("").cloned();
    let draft = Draft {
        ty,
        provider,
        form: &form,
        errors,
        general,
        replacing: if replacing { name } else { None },
    };
    Ok(form_page(StatusCode::UNPROCESSABLE_ENTITY, &c, &project, &draft))
}

/// `GET /p/{project}/secrets/{name}?storage=`: metadata, versions, actions.
pub(crate) async fn show(
    ctx: Ctx,
    Path((project, name)): Path<(String, String)>,
    Query(query): Q,
) -> Result<Response, PageError> {
    let storage = q(&query, "storage").and_then(Storage::parse);
    let (p, n) = (project.clone(), name.clone());
    let (c, (info, history)) = ctx
        .page(Some(&project), move |api| {
            let info = api.secret_info(&p, &n, storage)?;
            let history = if info.persistent {
                api.secret_history(&p, &n).unwrap_or_default()
            } else {
                Vec::new()
            };
            Ok((info, history))
        })
        .await?;
    let st = info.storage.name();
    let base = format!("/p/{}/secrets/{}", enc(&project), enc(&info.name));
    let body = html! {
        div.title-row {
            h1 { (info.name) }
            @if c.can(Level::Write) {
                div.actions {
                    a.button href={ (base) "/replace?storage=" (st) } { "New version" }
                    a.button.danger href={ (base) "/drop?storage=" (st) } { "Drop" }
                }
            }
        }
        dl.meta {
            dt { "Type" } dd { code { (info.secret_type) } " (provider " (info.provider) ")" }
            dt { "Scopes" } dd { @if info.scope.is_empty() { "none" } @for s in &info.scope { code { (s) } " " } }
            dt { "Storage" } dd { (storage_label(info.storage)) }
            dt { "Version" } dd { (info.version) }
            dt { "Created" } dd { time datetime=(iso(info.created_at)) { (time(info.created_at)) } " by " (info.created_by) }
            dt { "Updated" } dd { time datetime=(iso(info.updated_at)) { (time(info.updated_at)) } " by " (info.updated_by) }
            @for (k, v) in &info.fields { dt { (k) } dd { code { (v.to_display()) } } }
            @for k in &info.sensitive_keys { dt { (k) } dd { span.muted { "set \u{2014} never shown" } } }
        }
        @if !history.is_empty() {
            h2 { "Versions" }
            (table("Versions", html! {
                table {
                    thead { tr {
                        th scope="col" { "Version" } th scope="col" { "Saved" } th scope="col" { "By" } th scope="col" { "Scopes" }
                        th scope="col" { span.visually-hidden { "Actions" } }
                    } }
                    tbody {
                        @for v in &history {
                            tr {
                                td.num { (v.version) @if v.current { " " span.badge.ok { "current" } } }
                                td.nowrap { time datetime=(iso(v.updated_at)) { (time(v.updated_at)) } }
                                td { (v.updated_by) }
                                td { @for s in &v.scope { code { (s) } " " } }
                                td {
                                    @if !v.current && c.can(Level::Write) {
                                        form.inline method="post" action={ (base) "/rollback" } {
                                            (csrf(&c))
                                            input type="hidden" name="version" value=(v.version);
                                            button.secondary type="submit" aria-label={ "Roll back to version " (v.version) } { "Roll back" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }))
            p.help { "Rolling back saves that version's value again as a new version." }
        }
        p { a href={ "/p/" (enc(&project)) "/audit?secret=" (enc(&info.name)) } { "Audit events of this secret" } }
    };
    Ok(page(&c, &info.name, Nav::Secrets, body))
}

/// `POST /p/{project}/secrets/{name}/rollback`.
pub(crate) async fn rollback(
    Path((project, name)): Path<(String, String)>,
    Posted { ctx, form }: Posted,
) -> Result<Response, PageError> {
    let version = form.get("version").and_then(|v| v.parse::<i64>().ok()).ok_or_else(|| {
        PageError::Status(
            StatusCode::BAD_REQUEST,
            "which version to roll back to is not said".into(),
        )
    })?;
    let (p, n) = (project.clone(), name.clone());
    let info = ctx
        .call(move |api| api.rollback_secret(&p, &n, RollbackBody { version }))
        .await?;
    ctx.session.flash(
        "ok",
        format!(
            "Secret {} rolled back to version {version}; saved as version {}.",
            info.name, info.version
        ),
    );
    Ok(Redirect::to(&secret_url(&project, &info)).into_response())
}

/// `GET /p/{project}/secrets/{name}/drop?storage=`: the confirmation.
pub(crate) async fn drop_form(
    ctx: Ctx,
    Path((project, name)): Path<(String, String)>,
    Query(query): Q,
) -> Result<Response, PageError> {
    let storage = q(&query, "storage").and_then(Storage::parse);
    let (p, n) = (project.clone(), name.clone());
    let (c, info) = ctx
        .page(Some(&project), move |api| api.secret_info(&p, &n, storage))
        .await?;
    Ok(page(
        &c,
        &format!("Drop {}", info.name),
        Nav::Secrets,
        drop_body(&c, &project, &info, None),
    ))
}

fn drop_body(c: &Chrome, project: &str, info: &SecretInfo, error: Option<&str>) -> Markup {
    html! {
        h1 { "Drop secret " (info.name) "?" }
        p { "This removes " strong { (info.name) } " (" (storage_label(info.storage)) ", version " (info.version) ") and every older version. Flights and DuckDB lose it at once. This cannot be undone." }
        form.stack method="post" action={ "/p/" (enc(project)) "/secrets/" (enc(&info.name)) "/drop" } {
            (csrf(c))
            input type="hidden" name="storage" value=(info.storage.name());
            div.field {
                label for="confirm-name" { "Type the secret's name to confirm" }
                input #confirm-name name="confirm" required autocomplete="off" spellcheck="false"
                    aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| "confirm-name-error")];
                (field_error("confirm-name", error))
            }
            div.actions {
                button.danger type="submit" { "Drop " (info.name) }
                a.button.secondary href=(secret_url(project, info)) { "Cancel" }
            }
        }
    }
}

/// `POST /p/{project}/secrets/{name}/drop`.
pub(crate) async fn drop(
    Path((project, name)): Path<(String, String)>,
    Posted { ctx, form }: Posted,
) -> Result<Response, PageError> {
    let storage = form.get("storage").as_deref().and_then(Storage::parse);
    if form.get("confirm").as_deref() != Some(name.as_str()) {
        let (p, n) = (project.clone(), name.clone());
        let (c, info) = ctx
            .page(Some(&project), move |api| api.secret_info(&p, &n, storage))
            .await?;
        let body = drop_body(&c, &project, &info, Some("The name typed is not the secret's name."));
        return Ok(page_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &c,
            &format!("Drop {}", info.name),
            Nav::Secrets,
            body,
        ));
    }
    let (p, n) = (project.clone(), name.clone());
    ctx.call(move |api| api.drop_secret(&p, &n, false, storage)).await?;
    ctx.session.flash("ok", format!("Secret {name} dropped."));
    Ok(Redirect::to(&format!("/p/{}/secrets", enc(&project))).into_response())
}
