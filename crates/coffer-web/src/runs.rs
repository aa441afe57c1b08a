//! A run: start one (with per-run overrides of existing config keys), its page with the log,
//! the log live as server-sent events while it runs, cancel.
//!
//! Logs are stored masked by the runner; the page masks them once more with every value of the
//! project's secrets (a value printed before its secret existed, or an encoded form), as the
//! MCP tools do.

use crate::chrome::Level;
use crate::ctx::{Ctx, PageError};
use crate::flights::flight_url;
use crate::form::Posted;
use crate::format::{duration, iso, time};
use crate::layout::{badge, csrf, page, table, Nav};
use axum::extract::{Path, Query};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use coffer_api::types::{LogChunkBody, RunBody};
use coffer_api::CofferApi;
use coffer_core::RunInfo;
use indexmap::IndexMap;
use maud::html;
use std::collections::HashMap;
use std::convert::Infallible;
use std::time::{Duration, Instant};

/// The most log chunks a run's page shows at once (the rest follow as events or on reload).
const LOG_PAGE: usize = 1000;
/// How often the event stream looks for new log lines.
const POLL: Duration = Duration::from_millis(400);
/// The longest an event stream stays open (the page reconnects).
const STREAM_FOR: Duration = Duration::from_secs(15 * 60);

fn running(r: &RunInfo) -> bool {
    r.finished_at.is_none()
}

/// `POST /p/{project}/flights/{flight}/run`: fields `ov.<key>` override that config key.
pub(crate) async fn start(
    Path((project, flight)): Path<(String, String)>,
    Posted { ctx, form }: Posted,
) -> Result<Response, PageError> {
    let (p, fl) = (project.clone(), flight.clone());
    let overrides: IndexMap<String, String> = form
        .keys()
        .filter_map(|k| k.strip_prefix("ov.").map(str::to_string))
        .filter_map(|k| form.get(&format!("ov.{k}")).map(|v| (k, v)))
        .collect();
    let run = ctx
        .call(move |api| api.run_flight(&p, &fl, RunBody { config: overrides }, &mut |_, _| {}))
        .await?;
    ctx.session
        .flash("ok", format!("Run #{} of {} started.", run.run_number, run.flight));
    Ok(Redirect::to(&format!(
        "{}/runs/{}",
        flight_url(&project, &run.flight),
        run.run_number
    ))
    .into_response())
}

/// The log's text, masked with the project's values.
fn text(ctx: &Ctx, project: &str, chunks: &[LogChunkBody]) -> Result<String, PageError> {
    let masker = ctx
        .state
        .inner
        .service
        .output_masker(project)
        .map_err(|e| PageError::Api(e.into()))?;
    let mut bytes = Vec::new();
    for c in chunks {
        bytes.extend_from_slice(&c.data);
    }
    Ok(String::from_utf8_lossy(&masker.mask(&bytes)).into_owned())
}

/// `GET /p/{project}/flights/{flight}/runs/{run}`.
pub(crate) async fn show(
    ctx: Ctx,
    Path((project, flight, run)): Path<(String, String, i64)>,
) -> Result<Response, PageError> {
    let (p, fl) = (project.clone(), flight.clone());
    let (c, log) = ctx
        .page(Some(&project), move |api| api.run_log(&p, &fl, run, 0, LOG_PAGE))
        .await?;
    let r = &log.run;
    let last = log.chunks.last().map_or(0, |c| c.seq);
    let text = text(&ctx, &project, &log.chunks)?;
    let url = format!("{}/runs/{}", flight_url(&project, &r.flight), r.run_number);
    let body = html! {
        div.title-row {
            h1 { "Run #" (r.run_number) " of " a href=(flight_url(&project, &r.flight)) { (r.flight) } }
            @if running(r) && c.can(Level::Use) {
                form.inline method="post" action={ (url) "/cancel" } {
                    (csrf(&c))
                    button.danger type="submit" { "Cancel run" }
                }
            }
        }
        dl.meta {
            dt { "Status" } dd #run-status data-run-status { (badge(&r.status)) @if let Some(m) = &r.message { " " span.muted { (m) } } }
            dt { "Flight version" } dd { (r.flight_version) }
            dt { "Started" } dd { time datetime=(iso(r.started_at)) { (time(r.started_at)) } " by " (r.started_by) " (" (r.trigger) ")" }
            dt { "Duration" } dd #run-duration { (duration(r.duration_ms)) }
            dt { "Exit code" } dd #run-exit { @if let Some(x) = r.exit_code { (x) } @else { "\u{2014}" } }
        }
        h2 { "Effective config" }
        @if r.config.is_empty() { p.empty { "No config." } } @else {
            (table("Effective config", html! {
                table { thead { tr { th scope="col" { "Key" } th scope="col" { "Value" } } }
                    tbody { @for (k, v) in &r.config { tr { td { code { (k) } } td { code { (v) } } } } } }
            }))
        }
        h2 #log-title { "Log" }
        @if running(r) {
            p.help #log-live { "Live: new lines appear as the run writes them. " a href=(url) { "Reload" } }
        }
        pre.log #log tabindex="0" aria-labelledby="log-title"
            data-events=[running(r).then(|| format!("{url}/events?after={last}"))] { (text) }
        @if log.chunks.len() >= LOG_PAGE { p.help { "The log is longer than this page shows; the CLI prints it whole: " code { "coffer flight logs" } "." } }
    };
    Ok(page(
        &c,
        &format!("Run #{} of {}", r.run_number, r.flight),
        Nav::Flights,
        body,
    ))
}

/// `GET .../runs/{run}/events?after=SEQ`: `log` events (`{"text": ...}`) as the run writes,
/// then one `status` event (`{"status", "exit_code", "duration"}`) when it ends.
pub(crate) async fn events(
    ctx: Ctx,
    Path((project, flight, run)): Path<(String, String, i64)>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let after = q.get("after").and_then(|a| a.parse::<i64>().ok()).unwrap_or(0);
    // Fails now (404, 403) rather than inside the stream.
    let (p, fl) = (project.clone(), flight.clone());
    ctx.call(move |api| api.get_run(&p, &fl, run)).await?;
    let started = Instant::now();
    let state = (ctx, project, flight, run, after, false, true);
    let stream = futures_util::stream::unfold(
        state,
        move |(ctx, project, flight, run, after, done, first)| async move {
            if done || started.elapsed() > STREAM_FOR {
                return None;
            }
            if !first {
                tokio::time::sleep(POLL).await;
            }
            let (p, fl) = (project.clone(), flight.clone());
            let log = ctx
                .call(move |api| api.run_log(&p, &fl, run, after, LOG_PAGE))
                .await
                .ok()?;
            let next = log.chunks.last().map_or(after, |c| c.seq);
            let mut events = Vec::new();
            if !log.chunks.is_empty() {
                let text = text(&ctx, &project, &log.chunks).ok()?;
                events.push(
                    Event::default()
                        .event("log")
                        .data(serde_json::json!({ "text": text }).to_string()),
                );
            }
            // The last lines are read before the end is told.
            let ended = !running(&log.run) && log.chunks.len() < LOG_PAGE;
            if ended {
                let r = &log.run;
                events.push(
                    Event::default().event("status").data(
                        serde_json::json!({
                            "status": r.status,
                            "exit_code": r.exit_code,
                            "duration": duration(r.duration_ms),
                        })
                        .to_string(),
                    ),
                );
            }
            let batch = futures_util::stream::iter(events.into_iter().map(Ok::<_, Infallible>));
            Some((batch, (ctx, project, flight, run, next, ended, false)))
        },
    );
    let stream = futures_util::StreamExt::flatten(stream);
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()).into_response())
}

/// `POST .../runs/{run}/cancel`.
pub(crate) async fn cancel(
    Path((project, flight, run)): Path<(String, String, i64)>,
    Posted { ctx, .. }: Posted,
) -> Result<Response, PageError> {
    let (p, fl) = (project.clone(), flight.clone());
    let r = ctx.call(move |api| api.cancel_run(&p, &fl, run)).await?;
    ctx.session
        .flash("ok", format!("Run #{} is being cancelled.", r.run_number));
    Ok(Redirect::to(&format!("{}/runs/{}", flight_url(&project, &r.flight), r.run_number)).into_response())
}
