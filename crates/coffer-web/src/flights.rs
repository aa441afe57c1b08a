//! The flights pages: the list, a flight (config, attached secrets, token, schedule in words,
//! version history, runs, "run now" with overrides), create and edit, delete, one version.

use crate::chrome::{Chrome, Level};
use crate::ctx::{Ctx, PageError};
use crate::form::{FormData, Posted};
use crate::format::{duration, enc, error_text, iso, time};
use crate::layout::{badge, csrf, described_by, field_error, page, page_with_status, table, Nav};
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use coffer_api::types::{FlightCreateBody, FlightUpdateBody};
use coffer_api::CofferApi;
use coffer_core::{FlightInfo, FlightVersionInfo, RunInfo};
use coffer_model::schedule::Schedule;
use indexmap::IndexMap;
use maud::{html, Markup};
use std::collections::HashMap;

/// Runs shown on a flight's page.
const RUNS_SHOWN: usize = 50;
/// Up to this many secrets, the flight form offers checkboxes; more, a multiple select.
const CHECKBOXES: usize = 40;

pub(crate) fn flight_url(project: &str, flight: &str) -> String {
    format!("/p/{}/flights/{}", enc(project), enc(flight))
}

/// The schedule in words, or why it does not read.
fn schedule_words(f: &FlightInfo) -> Option<String> {
    let s = f.schedule.as_deref()?;
    Some(match Schedule::parse(s, f.timezone.as_deref()) {
        Ok(s) => s.describe(),
        Err(e) => e.to_string(),
    })
}

/// `GET /p/{project}/flights`.
pub(crate) async fn list(ctx: Ctx, Path(project): Path<String>) -> Result<Response, PageError> {
    let p = project.clone();
    let (c, flights) = ctx
        .page(Some(&project), move |api| {
            let flights = api.list_flights(&p)?;
            let mut rows = Vec::with_capacity(flights.len());
            for f in flights {
                let last = api.list_runs(&p, &f.name, 1)?.into_iter().next();
                rows.push((f, last));
            }
            Ok(rows)
        })
        .await?;
    let body = html! {
        div.title-row {
            h1 { "Flights" }
            @if c.can(Level::Write) { a.button href={ "/p/" (enc(&project)) "/new/flight" } { "Create flight" } }
        }
        p.lead { "Jobs with a config map and attached secrets, run on demand or on a schedule." }
        @if flights.is_empty() {
            p.empty { "No flights yet." }
        } @else {
            (table("Flights", html! {
                table {
                    thead { tr {
                        th scope="col" { "Name" } th scope="col" { "Kind" } th scope="col" { "Schedule" }
                        th scope="col" { "Version" } th scope="col" { "Last run" } th scope="col" { "Updated" }
                    } }
                    tbody {
                        @for (f, last) in &flights {
                            tr {
                                td { a href=(flight_url(&project, &f.name)) { (f.name) } }
                                td { code { (f.kind) } }
                                td { @if let Some(w) = schedule_words(f) { (w) } @else { span.muted { "on demand" } } }
                                td.num { (f.version) }
                                td { @if let Some(r) = last {
                                    a href={ (flight_url(&project, &f.name)) "/runs/" (r.run_number) } { "#" (r.run_number) } " " (badge(&r.status))
                                } @else { span.muted { "never" } } }
                                td.nowrap { time datetime=(iso(f.updated_at)) { (time(f.updated_at)) } }
                            }
                        }
                    }
                }
            }))
        }
    };
    Ok(page(&c, "Flights", Nav::Flights, body))
}

fn definition(f: &FlightInfo) -> Markup {
    html! {
        dl.meta {
            dt { "Kind" } dd { code { (f.kind) } }
            @if !f.command.is_empty() { dt { "Command" } dd { code { (f.command.join(" ")) } } }
            dt { "Schedule" } dd {
                @if let Some(s) = &f.schedule { code { (s) } " \u{2014} " (schedule_words(f).unwrap_or_default()) } @else { "on demand" }
            }
            dt { "Runs as" } dd { (f.runs_as) @if let Some(t) = &f.token_name { " (token " code { (t) } ")" } }
            dt { "Timeout" } dd { @if let Some(t) = f.timeout_secs { (t) " s" } @else { "none" } }
            dt { "Concurrency" } dd { (f.concurrency) }
            dt { "Attached secrets" } dd { @if f.secrets.is_empty() { "none" } @for s in &f.secrets { code { (s) } " " } }
            dt { "Version" } dd { (f.version) " \u{2014} updated " time datetime=(iso(f.updated_at)) { (time(f.updated_at)) } }
        }
        h2 { "Config" }
        @if f.config.is_empty() { p.empty { "No config." } } @else {
            (table("Config", html! {
                table { thead { tr { th scope="col" { "Key" } th scope="col" { "Value" } } }
                    tbody { @for (k, v) in &f.config { tr { td { code { (k) } } td { code { (v) } } } } } }
            }))
        }
        @if let Some(s) = &f.script { h2 #script-title { "Script" } pre.code tabindex="0" aria-labelledby="script-title" { (s) } }
        @if let Some(r) = &f.requirements { h2 #requirements-title { "Requirements" } pre.code tabindex="0" aria-labelledby="requirements-title" { (r) } }
    }
}

/// `GET /p/{project}/flights/{flight}`.
pub(crate) async fn show(ctx: Ctx, Path((project, flight)): Path<(String, String)>) -> Result<Response, PageError> {
    let (p, fl) = (project.clone(), flight.clone());
    let (c, (f, versions, runs)) = ctx
        .page(Some(&project), move |api| {
            let f = api.get_flight(&p, &fl)?;
            let versions = api.list_flight_versions(&p, &f.name)?;
            let runs = api.list_runs(&p, &f.name, RUNS_SHOWN)?;
            Ok((f, versions, runs))
        })
        .await?;
    let url = flight_url(&project, &f.name);
    let body = html! {
        div.title-row {
            h1 { "Flight " (f.name) }
            @if c.can(Level::Write) {
                div.actions {
                    a.button.secondary href={ (url) "/edit" } { "Edit" }
                    a.button.danger href={ (url) "/delete" } { "Delete" }
                }
            }
        }
        @if c.can(Level::Use) { (run_now(&c, &url, &f)) }
        h2 { "Runs" }
        (runs_table(&project, &f.name, &runs))
        h2 { "Definition" }
        (definition(&f))
        h2 { "Versions" }
        (versions_table(&url, &versions))
    };
    Ok(page(&c, &format!("Flight {}", f.name), Nav::Flights, body))
}

fn run_now(c: &Chrome, url: &str, f: &FlightInfo) -> Markup {
    html! {
        section.box aria-labelledby="run-title" {
            h2 #run-title { "Run now" }
            form.stack method="post" action={ (url) "/run" } {
                (csrf(c))
                @if !f.config.is_empty() {
                    p.help { "Override config values for this run only (existing keys only; empty keeps the flight's value)." }
                    div.grid {
                        @for (i, (k, v)) in f.config.iter().enumerate() {
                            div.field {
                                label for={ "ov-" (i) } { code { (k) } }
                                input id={ "ov-" (i) } name={ "ov." (k) } type="text" spellcheck="false" placeholder=(v);
                            }
                        }
                    }
                }
                div.actions { button type="submit" { "Run now" } }
            }
        }
    }
}

pub(crate) fn runs_table(project: &str, flight: &str, runs: &[RunInfo]) -> Markup {
    let url = flight_url(project, flight);
    html! {
        @if runs.is_empty() { p.empty { "No runs yet." } } @else {
            (table("Runs", html! {
                table {
                    thead { tr {
                        th scope="col" { "Run" } th scope="col" { "Status" } th scope="col" { "Version" } th scope="col" { "Started" }
                        th scope="col" { "Duration" } th scope="col" { "Exit code" } th scope="col" { "Trigger" } th scope="col" { "Config" }
                    } }
                    tbody {
                        @for r in runs {
                            tr {
                                td { a href={ (url) "/runs/" (r.run_number) } { "#" (r.run_number) } }
                                td { (badge(&r.status)) }
                                td.num { (r.flight_version) }
                                td.nowrap { time datetime=(iso(r.started_at)) { (time(r.started_at)) } }
                                td.nowrap { (duration(r.duration_ms)) }
                                td.num { @if let Some(x) = r.exit_code { (x) } @else { "\u{2014}" } }
                                td { (r.trigger) }
                                td { @for (k, v) in &r.config { code { (k) "=" (v) } " " } }
                            }
                        }
                    }
                }
            }))
        }
    }
}

fn versions_table(url: &str, versions: &[FlightVersionInfo]) -> Markup {
    html! {
        (table("Versions", html! {
            table {
                thead { tr { th scope="col" { "Version" } th scope="col" { "Saved" } th scope="col" { "By" } th scope="col" { "Changed" } } }
                tbody {
                    @for v in versions {
                        tr {
                            td { a href={ (url) "/versions/" (v.version) } { "v" (v.version) } }
                            td.nowrap { time datetime=(iso(v.created_at)) { (time(v.created_at)) } }
                            td { (v.created_by) }
                            td { (v.changes.join(", ")) }
                        }
                    }
                }
            }
        }))
    }
}

/// `GET /p/{project}/flights/{flight}/versions/{version}`.
pub(crate) async fn version(
    ctx: Ctx,
    Path((project, flight, version)): Path<(String, String, i64)>,
) -> Result<Response, PageError> {
    let (p, fl) = (project.clone(), flight.clone());
    let (c, f) = ctx
        .page(Some(&project), move |api| api.get_flight_version(&p, &fl, version))
        .await?;
    let body = html! {
        h1 { "Flight " (f.name) ", version " (f.version) }
        p { a href=(flight_url(&project, &f.name)) { "Back to the flight" } }
        (definition(&f))
    };
    Ok(page(&c, &format!("{} v{}", f.name, f.version), Nav::Flights, body))
}

/// What the flight form shows: a flight's values, or what was sent.
struct Values {
    name: String,
    kind: String,
    command: String,
    script: String,
    config: String,
    secrets: Vec<String>,
    token: String,
    schedule: String,
    timezone: String,
    timeout: String,
    concurrency: String,
    requirements: String,
    version: i64,
}

impl Values {
    fn of(f: &FlightInfo) -> Values {
        Values {
            name: f.name.clone(),
            kind: f.kind.clone(),
            command: f.command.join("\n"),
            script: f.script.clone().unwrap_or_default(),
            config: f
                .config
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("\n"),
            secrets: f.secrets.clone(),
            token: f.token_name.clone().unwrap_or_default(),
            schedule: f.schedule.clone().unwrap_or_default(),
            timezone: f.timezone.clone().unwrap_or_default(),
            timeout: f.timeout_secs.map(|t| t.to_string()).unwrap_or_default(),
            concurrency: f.concurrency.to_string(),
            requirements: f.requirements.clone().unwrap_or_default(),
            version: f.version,
        }
    }

    fn sent(form: &FormData) -> Values {
        let raw = |k: &str| form.raw(k).unwrap_or("").replace("\r\n", "\n");
        Values {
            name: form.get("name").unwrap_or_default(),
            kind: form.get("kind").unwrap_or_else(|| "python".into()),
            command: raw("command"),
            script: raw("script"),
            config: raw("config"),
            secrets: form.all("secrets"),
            token: form.get("token_name").unwrap_or_default(),
            schedule: form.get("schedule").unwrap_or_default(),
            timezone: form.get("timezone").unwrap_or_default(),
            timeout: form.get("timeout_secs").unwrap_or_default(),
            concurrency: form.get("concurrency").unwrap_or_default(),
            requirements: raw("requirements"),
            version: form.get("if_version").and_then(|v| v.parse().ok()).unwrap_or(0),
        }
    }
}

/// The parts of a flight form that the page reads itself, with errors by field.
struct Parsed {
    command: Vec<String>,
    script: Option<String>,
    config: IndexMap<String, String>,
    timeout: Option<u64>,
    concurrency: Option<u32>,
    schedule: Option<String>,
    timezone: Option<String>,
    token: Option<String>,
    requirements: Option<String>,
}

fn parse(v: &Values) -> Result<Parsed, HashMap<String, String>> {
    let mut errors = HashMap::new();
    let mut config = IndexMap::new();
    for (i, line) in v.config.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        match line.split_once('=') {
            Some((k, val)) if !k.trim().is_empty() => {
                config.insert(k.trim().to_string(), val.trim().to_string());
            }
            _ => {
                errors.insert(
                    "config".into(),
                    format!("line {} of the config is not KEY=VALUE", i + 1),
                );
            }
        }
    }
    let timeout = match v.timeout.trim() {
        "" => None,
        t => match t.parse::<u64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.insert(
                    "timeout_secs".into(),
                    "the timeout must be a whole number of seconds".into(),
                );
                None
            }
        },
    };
    let concurrency = match v.concurrency.trim() {
        "" => None,
        t => match t.parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.insert("concurrency".into(), "the concurrency must be a whole number".into());
                None
            }
        },
    };
    let opt = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Parsed {
        command: v
            .command
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
        script: Some(v.script.clone()).filter(|s| !s.trim().is_empty()),
        config,
        timeout,
        concurrency,
        schedule: opt(&v.schedule),
        timezone: opt(&v.timezone),
        token: opt(&v.token),
        requirements: Some(v.requirements.clone()).filter(|s| !s.trim().is_empty()),
    })
}

fn form_page(
    status: StatusCode,
    c: &Chrome,
    project: &str,
    existing: Option<&str>,
    v: &Values,
    secrets: &[String],
    errors: &HashMap<String, String>,
) -> Response {
    let title = match existing {
        Some(n) => format!("Edit flight {n}"),
        None => "Create flight".to_string(),
    };
    let action = match existing {
        Some(n) => format!("{}/edit", flight_url(project, n)),
        None => format!("/p/{}/flights", enc(project)),
    };
    let e = |k: &str| errors.get(k).map(String::as_str);
    let text = |id: &str, name: &str, label: &str, value: &str, help: Option<&str>| {
        let err = e(name);
        html! {
            div.field {
                label for=(id) { (label) }
                input id=(id) name=(name) type="text" spellcheck="false" value=(value) aria-invalid=[err.map(|_| "true")]
                    aria-describedby=[described_by(id, help.is_some(), err.is_some())];
                @if let Some(h) = help { p.help id={ (id) "-help" } { (h) } }
                (field_error(id, err))
            }
        }
    };
    let area = |id: &str, name: &str, label: &str, value: &str, rows: u32, help: Option<&str>| {
        let err = e(name);
        html! {
            div.field {
                label for=(id) { (label) }
                textarea id=(id) name=(name) rows=(rows) spellcheck="false" aria-invalid=[err.map(|_| "true")]
                    aria-describedby=[described_by(id, help.is_some(), err.is_some())] { (value) }
                @if let Some(h) = help { p.help id={ (id) "-help" } { (h) } }
                (field_error(id, err))
            }
        }
    };
    let schedule_help = if v.schedule.trim().is_empty() {
        "A cron expression (5 fields, or 6 with seconds first); empty runs on demand only.".to_string()
    } else {
        match Schedule::parse(&v.schedule, Some(v.timezone.trim()).filter(|t| !t.is_empty())) {
            Ok(s) => format!("Reads: {}.", s.describe()),
            Err(_) => "A cron expression (5 fields, or 6 with seconds first); empty runs on demand only.".to_string(),
        }
    };
    let body = html! {
        h1 { (title) }
        @if let Some(g) = e("") { div.flash.error role="alert" { (g) } }
        form.stack method="post" action=(action) novalidate {
            (csrf(c))
            @if existing.is_some() {
                input type="hidden" name="if_version" value=(v.version);
            } @else {
                (text("fl-name", "name", "Name", &v.name, Some("Letters, digits, dashes, underscores and dots.")))
            }
            div.field {
                label for="fl-kind" { "Kind" }
                select #fl-kind name="kind" aria-invalid=[e("kind").map(|_| "true")] aria-describedby=[e("kind").map(|_| "fl-kind-error")] {
                    @for k in ["python", "sql", "command"] {
                        option value=(k) selected[v.kind == k] { (k) }
                    }
                    @if v.kind == "flow" { option value="flow" selected { "flow" } }
                }
                (field_error("fl-kind", e("kind")))
            }
            (area("fl-script", "script", "Script (python, sql)", &v.script, 8, None))
            (area("fl-command", "command", "Command (command)", &v.command, 3, Some("The program, then one argument per line.")))
            (area("fl-config", "config", "Config", &v.config, 4, Some("One KEY=VALUE per line: plain values, not secrets; each is an environment variable of the runs.")))
            fieldset {
                legend { "Attached secrets" }
                @if secrets.is_empty() { p.help { "The project has no secrets yet." } }
                @if secrets.len() <= CHECKBOXES {
                    div.checks {
                        @for (i, s) in secrets.iter().enumerate() {
                            label.check for={ "sec-" (i) } {
                                input id={ "sec-" (i) } type="checkbox" name="secrets" value=(s) checked[v.secrets.contains(s)];
                                " " code { (s) }
                            }
                        }
                    }
                } @else {
                    label.visually-hidden for="fl-secrets" { "Attached secrets" }
                    select #fl-secrets name="secrets" multiple size="10" aria-describedby="fl-secrets-help" {
                        @for s in secrets { option value=(s) selected[v.secrets.contains(s)] { (s) } }
                    }
                    p.help #fl-secrets-help { "Ctrl-click (Cmd-click) to pick several." }
                }
                (field_error("fl-secrets", e("secrets")))
            }
            (text("fl-schedule", "schedule", "Schedule", &v.schedule, Some(&schedule_help)))
            (text("fl-timezone", "timezone", "Time zone", &v.timezone, Some("An IANA name such as Europe/Paris; empty is UTC.")))
            (text("fl-token", "token_name", "Run as token", &v.token, Some("The name of a token whose identity the runs act as; empty runs as you.")))
            (text("fl-timeout", "timeout_secs", "Timeout (seconds)", &v.timeout, None))
            (text("fl-concurrency", "concurrency", "Concurrency", &v.concurrency, Some("Runs allowed at once (1 when empty).")))
            (area("fl-requirements", "requirements", "Requirements (python)", &v.requirements, 3, Some("A requirements.txt installed into an environment the runs share.")))
            div.actions {
                button type="submit" { @if existing.is_some() { "Save" } @else { "Create flight" } }
                a.button.secondary href=(match existing { Some(n) => flight_url(project, n), None => format!("/p/{}/flights", enc(project)) }) { "Cancel" }
            }
        }
    };
    page_with_status(status, c, &title, Nav::Flights, body)
}

fn secret_names(api: &coffer_api::Local, project: &str) -> coffer_api::Result<Vec<String>> {
    let mut names: Vec<String> = api.list_secrets(project)?.into_iter().map(|s| s.name).collect();
    names.sort();
    names.dedup();
    Ok(names)
}

/// `GET /p/{project}/new/flight`.
pub(crate) async fn new_form(ctx: Ctx, Path(project): Path<String>) -> Result<Response, PageError> {
    let p = project.clone();
    let (c, secrets) = ctx.page(Some(&project), move |api| secret_names(api, &p)).await?;
    let v = Values::sent(&FormData::parse(b""));
    Ok(form_page(
        StatusCode::OK,
        &c,
        &project,
        None,
        &v,
        &secrets,
        &HashMap::new(),
    ))
}

/// The field an API error is about, as the form names it ("" for the top of the form).
fn error_field(e: &coffer_api::Error) -> String {
    match e.field().as_deref() {
        Some(
            f @ ("name" | "kind" | "script" | "command" | "config" | "secrets" | "schedule" | "timezone" | "token_name"
            | "timeout_secs" | "concurrency" | "requirements"),
        ) => f.to_string(),
        _ => String::new(),
    }
}

/// `POST /p/{project}/flights`.
pub(crate) async fn create(Path(project): Path<String>, Posted { ctx, form }: Posted) -> Result<Response, PageError> {
    let v = Values::sent(&form);
    let parsed = parse(&v);
    let p = project.clone();
    let (name, kind, secrets) = (v.name.clone(), v.kind.clone(), v.secrets.clone());
    let (c, (names, outcome)) = ctx
        .page(Some(&project), move |api| {
            let names = secret_names(api, &p)?;
            let outcome = match parsed {
                Err(errors) => Err(errors),
                Ok(x) => api
                    .create_flight(
                        &p,
                        FlightCreateBody {
                            name,
                            command: if kind == "command" { x.command } else { Vec::new() },
                            script: if kind == "command" { None } else { x.script },
                            kind,
                            config: x.config,
                            secrets,
                            token_name: x.token,
                            schedule: x.schedule,
                            timezone: x.timezone,
                            timeout_secs: x.timeout,
                            concurrency: x.concurrency,
                            steps: Vec::new(),
                            requirements: x.requirements,
                            source_builds: false,
                        },
                    )
                    .map_err(|e| HashMap::from([(error_field(&e), error_text(&e))])),
            };
            Ok((names, outcome))
        })
        .await?;
    match outcome {
        Ok(saved) => {
            let mut text = format!("Flight {} created.", saved.flight.name);
            for w in &saved.warnings {
                text.push_str(&format!(" Warning: {w}"));
            }
            ctx.session.flash("ok", text);
            Ok(Redirect::to(&flight_url(&project, &saved.flight.name)).into_response())
        }
        Err(errors) => Ok(form_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &c,
            &project,
            None,
            &v,
            &names,
            &errors,
        )),
    }
}

/// `GET /p/{project}/flights/{flight}/edit`.
pub(crate) async fn edit_form(
    ctx: Ctx,
    Path((project, flight)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (p, fl) = (project.clone(), flight.clone());
    let (c, (f, names)) = ctx
        .page(Some(&project), move |api| {
            Ok((api.get_flight(&p, &fl)?, secret_names(api, &p)?))
        })
        .await?;
    Ok(form_page(
        StatusCode::OK,
        &c,
        &project,
        Some(&f.name),
        &Values::of(&f),
        &names,
        &HashMap::new(),
    ))
}

/// `POST /p/{project}/flights/{flight}/edit`: every field replaced, only at the version edited.
pub(crate) async fn update(
    Path((project, flight)): Path<(String, String)>,
    Posted { ctx, form }: Posted,
) -> Result<Response, PageError> {
    let v = Values::sent(&form);
    let parsed = parse(&v);
    let (p, fl) = (project.clone(), flight.clone());
    let (kind, secrets, version) = (v.kind.clone(), v.secrets.clone(), v.version);
    let (c, (names, outcome)) = ctx
        .page(Some(&project), move |api| {
            let names = secret_names(api, &p)?;
            let outcome = match parsed {
                Err(errors) => Err(errors),
                Ok(x) => {
                    // What the kind runs; the other stays out (a new kind drops it).
                    let is_command = kind == "command";
                    let body = FlightUpdateBody {
                        command: is_command.then_some(x.command),
                        script: if is_command { None } else { x.script },
                        kind: Some(kind),
                        config: Some(x.config),
                        secrets: Some(secrets),
                        token_name: Some(x.token),
                        schedule: Some(x.schedule),
                        timezone: Some(x.timezone),
                        timeout_secs: Some(x.timeout),
                        concurrency: x.concurrency,
                        steps: None,
                        requirements: Some(x.requirements),
                        source_builds: None,
                        if_version: (version > 0).then_some(version),
                    };
                    api.update_flight(&p, &fl, body)
                        .map_err(|e| HashMap::from([(error_field(&e), error_text(&e))]))
                }
            };
            Ok((names, outcome))
        })
        .await?;
    match outcome {
        Ok(saved) => {
            let text = if saved.unchanged {
                format!(
                    "Nothing changed; flight {} stays at version {}.",
                    saved.flight.name, saved.flight.version
                )
            } else {
                format!(
                    "Flight {} saved as version {}.",
                    saved.flight.name, saved.flight.version
                )
            };
            ctx.session.flash("ok", text);
            Ok(Redirect::to(&flight_url(&project, &saved.flight.name)).into_response())
        }
        Err(errors) => Ok(form_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &c,
            &project,
            Some(&flight),
            &v,
            &names,
            &errors,
        )),
    }
}

/// `GET /p/{project}/flights/{flight}/delete`.
pub(crate) async fn delete_form(
    ctx: Ctx,
    Path((project, flight)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (p, fl) = (project.clone(), flight.clone());
    let (c, f) = ctx.page(Some(&project), move |api| api.get_flight(&p, &fl)).await?;
    Ok(page(
        &c,
        &format!("Delete {}", f.name),
        Nav::Flights,
        delete_body(&c, &project, &f.name, None),
    ))
}

fn delete_body(c: &Chrome, project: &str, name: &str, error: Option<&str>) -> Markup {
    let url = flight_url(project, name);
    html! {
        h1 { "Delete flight " (name) "?" }
        p { "This deletes " strong { (name) } " with its versions, runs and logs. This cannot be undone." }
        form.stack method="post" action={ (url) "/delete" } {
            (csrf(c))
            div.field {
                label for="confirm-name" { "Type the flight's name to confirm" }
                input #confirm-name name="confirm" required autocomplete="off" spellcheck="false"
                    aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| "confirm-name-error")];
                (field_error("confirm-name", error))
            }
            div.actions { button.danger type="submit" { "Delete " (name) } a.button.secondary href=(url) { "Cancel" } }
        }
    }
}

/// `POST /p/{project}/flights/{flight}/delete`.
pub(crate) async fn delete(
    Path((project, flight)): Path<(String, String)>,
    Posted { ctx, form }: Posted,
) -> Result<Response, PageError> {
    if form.get("confirm").as_deref() != Some(flight.as_str()) {
        let (c, ()) = ctx.page(Some(&project), |_| Ok(())).await?;
        let body = delete_body(&c, &project, &flight, Some("The name typed is not the flight's name."));
        return Ok(page_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &c,
            &format!("Delete {flight}"),
            Nav::Flights,
            body,
        ));
    }
    let (p, fl) = (project.clone(), flight.clone());
    ctx.call(move |api| api.delete_flight(&p, &fl)).await?;
    ctx.session.flash("ok", format!("Flight {flight} deleted."));
    Ok(Redirect::to(&format!("/p/{}/flights", enc(&project))).into_response())
}
