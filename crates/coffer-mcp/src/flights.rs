//! The flight tools, over [`CofferApi`](coffer_api::CofferApi)'s flights, with MotherDuck's
//! names: `source_code`, `md_secret_names`, `md_token_name`, `schedule_cron`, run statuses in
//! capitals.

use crate::call::Call;
use crate::params as p;
use crate::reply::{md_status, Reply};
use coffer_api::types::{FlightCreateBody, FlightSavedResponse, FlightUpdateBody, RunBody};
use coffer_core::{FlightInfo, RunInfo};
use serde_json::{json, Value};

/// The flight guide (`get_flight_guide`).
pub const GUIDE: &str = include_str!("guide.md");

/// Default and largest `limit` of the listing tools.
const LIST_DEFAULT: usize = 50;
const LIST_MAX: usize = 1000;
/// Default and smallest `max_bytes` of `get_flight_logs`.
const LOG_DEFAULT: usize = 64 * 1024;
const LOG_MIN: usize = 1024;
/// Log chunks read per request.
const LOG_PAGE: usize = 1000;

/// A flight as the tools show it: MotherDuck's field names, coffer's extras after them.
pub(crate) fn view(f: &FlightInfo) -> Value {
    let source = match f.kind.as_str() {
        "command" => Some(f.command.join(" ")),
        _ => f.script.clone(),
    };
    json!({
        "id": f.flight_id,
        "name": f.name,
        "version": f.version,
        "kind": f.kind,
        "source_code": source,
        "requirements_txt": f.requirements,
        "source_builds": f.source_builds,
        "config": f.config,
        "md_secret_names": f.secrets,
        "md_token_name": f.token_name,
        "schedule_cron": f.schedule,
        "timezone": f.timezone,
        "timeout": f.timeout_secs,
        "concurrency": f.concurrency,
        "owner": f.owner,
        "runs_as": f.runs_as,
        "created_at": f.created_at,
        "updated_at": f.updated_at,
        "next_run_at": f.next_run_at,
    })
}

/// A run as the tools show it: MotherDuck's status names, coffer's own next to them.
fn run_view(r: &RunInfo) -> Value {
    json!({
        "run_number": r.run_number,
        "flight_id": r.flight_id,
        "flight": r.flight,
        "status": md_status(&r.status),
        "coffer_status": r.status,
        "flight_version": r.flight_version,
        "config": r.config,
        "exit_code": r.exit_code,
        "trigger": r.trigger,
        "started_by": r.started_by,
        "started_at": r.started_at,
        "finished_at": r.finished_at,
        "duration_ms": r.duration_ms,
        "message": r.message,
    })
}

/// A saved flight and the warnings about it.
fn saved(r: coffer_api::Result<FlightSavedResponse>) -> Reply {
    match r {
        Ok(s) => Reply::json(&json!({"flight": view(&s.flight), "unchanged": s.unchanged, "warnings": s.warnings})),
        Err(e) => e.into(),
    }
}

/// What a flight of `kind` runs, from `source_code`: the script, or a command's argv.
fn program(kind: &str, source: String) -> (Vec<String>, Option<String>) {
    if kind.eq_ignore_ascii_case("command") {
        (source.split_whitespace().map(str::to_string).collect(), None)
    } else {
        (Vec::new(), Some(source))
    }
}

/// `create_flight`.
pub(crate) fn create(call: &Call, a: p::CreateFlight) -> Reply {
    let project = call.project(a.project.as_ref());
    let kind = a.kind.unwrap_or_else(|| "python".into());
    let (command, script) = program(&kind, a.source_code);
    let body = FlightCreateBody {
        name: a.name,
        kind,
        command,
        script,
        config: a.config.unwrap_or_default(),
        secrets: a.md_secret_names.unwrap_or_default(),
        token_name: a.md_token_name.filter(|t| !t.is_empty()),
        schedule: a.schedule_cron.filter(|s| !s.is_empty()),
        timezone: None,
        timeout_secs: a.timeout,
        concurrency: None,
        steps: Vec::new(),
        requirements: a.requirements_txt,
        source_builds: a.source_builds.unwrap_or(false),
    };
    saved(body.validate().and_then(|()| call.api.create_flight(&project, body)))
}

/// `update_flight`.
pub(crate) fn update(call: &Call, a: p::UpdateFlight) -> Reply {
    let project = call.project(a.project.as_ref());
    let (command, script) = match a.source_code {
        Some(source) => {
            let kind = match &a.kind {
                Some(k) => k.clone(),
                None => match call.api.get_flight(&project, &a.id) {
                    Ok(f) => f.kind,
                    Err(e) => return e.into(),
                },
            };
            let (command, script) = program(&kind, source);
            if script.is_some() {
                (None, script)
            } else {
                (Some(command), None)
            }
        }
        None => (None, None),
    };
    let body = FlightUpdateBody {
        kind: a.kind,
        command,
        script,
        config: a.config,
        secrets: a.md_secret_names,
        token_name: a.md_token_name.map(|t| Some(t).filter(|t| !t.is_empty())),
        schedule: a.schedule_cron.map(|s| Some(s).filter(|s| !s.is_empty())),
        timezone: None,
        timeout_secs: a.timeout.map(|t| Some(t).filter(|t| *t > 0)),
        concurrency: None,
        steps: None,
        // "" removes them (the API reads an empty text as none).
        requirements: a.requirements_txt.map(Some),
        source_builds: a.source_builds,
        if_version: None,
    };
    saved(
        body.validate()
            .and_then(|()| call.api.update_flight(&project, &a.id, body)),
    )
}

/// `edit_flight_source`: every edit applies to the result of the ones before it; nothing is
/// saved unless all apply.
pub(crate) fn edit_source(call: &Call, a: p::EditFlightSource) -> Reply {
    let project = call.project(a.project.as_ref());
    let flight = match call.api.get_flight(&project, &a.id) {
        Ok(f) => f,
        Err(e) => return e.into(),
    };
    let Some(original) = flight.script else {
        return Reply::Err(format!(
            "flight '{}' is a {} flight: it has no source to edit; replace what it runs with update_flight",
            flight.name, flight.kind
        ));
    };
    if a.edits.is_empty() {
        return Reply::Err("edits: give at least one {old_string, new_string} edit".into());
    }
    let edited = match apply_edits(&original, &a.edits) {
        Ok(s) => s,
        Err(e) => return Reply::Err(e),
    };
    if edited == original {
        return Reply::Err("edits: they leave the source as it is, so no version was made".into());
    }
    // Written only over the version the edits were made on.
    let body = FlightUpdateBody {
        script: Some(edited),
        if_version: Some(flight.version),
        ..FlightUpdateBody::default()
    };
    saved(call.api.update_flight(&project, &flight.flight_id, body))
}

/// `source` with `edits` applied in order, or which edit does not apply and why.
pub fn apply_edits(source: &str, edits: &[p::Edit]) -> Result<String, String> {
    let mut text = source.to_string();
    for (i, e) in edits.iter().enumerate() {
        let n = i + 1;
        if e.old_string.is_empty() {
            return Err(format!(
                "edits[{n}].old_string: it is empty; give the exact text to replace"
            ));
        }
        let found = text.matches(e.old_string.as_str()).count();
        if found == 0 {
            return Err(format!(
                "edits[{n}].old_string: not found in the source (it must match exactly, whitespace and line breaks included); get_flight shows the current source"
            ));
        }
        if found > 1 && !e.replace_all {
            return Err(format!(
                "edits[{n}].old_string: occurs {found} times; include more of the surrounding text to make it unique, or set replace_all"
            ));
        }
        text = if e.replace_all {
            text.replace(e.old_string.as_str(), &e.new_string)
        } else {
            text.replacen(e.old_string.as_str(), &e.new_string, 1)
        };
    }
    Ok(text)
}

/// `get_flight`.
pub(crate) fn get(call: &Call, a: p::GetFlight) -> Reply {
    let project = call.project(a.project.as_ref());
    let found = match a.version {
        None => call.api.get_flight(&project, &a.id),
        Some(v) => call.api.get_flight_version(&project, &a.id, v),
    };
    match found {
        Ok(f) => Reply::json(&view(&f)),
        Err(e) => e.into(),
    }
}

/// `list_flights`.
pub(crate) fn list(call: &Call, a: p::ListFlights) -> Reply {
    let project = call.project(a.project.as_ref());
    let limit = a.limit.unwrap_or(LIST_DEFAULT).clamp(1, LIST_MAX);
    let words: Vec<String> = a
        .keywords
        .as_deref()
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_lowercase)
        .collect();
    match call.api.list_flights(&project) {
        Ok(flights) => {
            let shown: Vec<Value> = flights
                .iter()
                .filter(|f| {
                    let haystack = format!(
                        "{} {} {}",
                        f.name,
                        f.script.as_deref().unwrap_or_default(),
                        f.command.join(" ")
                    )
                    .to_lowercase();
                    words.iter().all(|w| haystack.contains(w.as_str()))
                })
                .take(limit)
                .map(view)
                .collect();
            Reply::json(&shown)
        }
        Err(e) => e.into(),
    }
}

/// `list_flight_versions`.
pub(crate) fn versions(call: &Call, a: p::FlightRef) -> Reply {
    let project = call.project(a.project.as_ref());
    match call.api.list_flight_versions(&project, &a.id) {
        Ok(v) => Reply::json(&v),
        Err(e) => e.into(),
    }
}

/// `run_flight`: starts the run and returns at once.
pub(crate) fn run(call: &Call, a: p::RunFlight) -> Reply {
    let project = call.project(a.project.as_ref());
    let body = RunBody {
        config: a.config.unwrap_or_default(),
    };
    match call.api.run_flight(&project, &a.id, body, &mut |_, _| {}) {
        Ok(r) => Reply::json(&run_view(&r)),
        Err(e) => e.into(),
    }
}

/// `list_flight_runs`.
pub(crate) fn runs(call: &Call, a: p::ListFlightRuns) -> Reply {
    let project = call.project(a.project.as_ref());
    let limit = a.limit.unwrap_or(20).clamp(1, LIST_MAX);
    match call.api.list_runs(&project, &a.id, limit) {
        Ok(runs) => Reply::json(&runs.iter().map(run_view).collect::<Vec<_>>()),
        Err(e) => e.into(),
    }
}

/// `get_flight_logs`: the whole log read page by page, its end kept.
pub(crate) fn logs(call: &Call, a: p::GetFlightLogs) -> Result<Reply, rmcp::ErrorData> {
    let project = call.project(a.project.as_ref());
    let max = a.max_bytes.unwrap_or(LOG_DEFAULT);
    if max < LOG_MIN {
        return Ok(Reply::Err(format!(
            "max_bytes: {max} is too small; give at least {LOG_MIN}"
        )));
    }
    let mut tail: Vec<u8> = Vec::new();
    let mut total = 0usize;
    let mut after = 0;
    let run = loop {
        let page = match call.api.run_log(&project, &a.id, a.run_number, after, LOG_PAGE) {
            Ok(p) => p,
            Err(e) => return Ok(e.into()),
        };
        for c in &page.chunks {
            total += c.data.len();
            tail.extend_from_slice(&c.data);
            if tail.len() > 2 * max {
                tail.drain(..tail.len() - max);
            }
        }
        match page.chunks.last() {
            Some(last) if page.chunks.len() == LOG_PAGE => after = last.seq,
            _ => break page.run,
        }
    };
    if tail.len() > max {
        tail.drain(..tail.len() - max);
    }
    let mut text = String::from_utf8_lossy(&tail).into_owned();
    if total > tail.len() {
        // Cut at a line start when one is near, so the first line shown is whole.
        if let Some(i) = text.find('\n').filter(|i| *i < 200) {
            text.drain(..=i);
        }
        text.insert_str(
            0,
            &format!(
                "[log cut: its first {} of {total} bytes are not shown]\n",
                total - text.len()
            ),
        );
    }
    let header = format!(
        "run {} of flight '{}' (version {}): {}{}\n",
        run.run_number,
        run.flight,
        run.flight_version,
        md_status(&run.status),
        run.exit_code.map(|c| format!(", exit code {c}")).unwrap_or_default()
    );
    Ok(Reply::Ok(header + &text))
}

/// `cancel_flight_run`.
pub(crate) fn cancel(call: &Call, a: p::RunRef) -> Reply {
    let project = call.project(a.project.as_ref());
    match call.api.cancel_run(&project, &a.id, a.run_number) {
        Ok(r) => Reply::json(&run_view(&r)),
        Err(e) => e.into(),
    }
}

/// `delete_flight`.
pub(crate) fn delete(call: &Call, a: p::FlightRef) -> Reply {
    let project = call.project(a.project.as_ref());
    match call.api.delete_flight(&project, &a.id) {
        Ok(()) => Reply::json(&json!({"deleted": a.id})),
        Err(e) => e.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(old: &str, new: &str, all: bool) -> p::Edit {
        p::Edit {
            old_string: old.into(),
            new_string: new.into(),
            replace_all: all,
        }
    }

    #[test]
    fn edits_match_exactly_once_unless_replace_all() {
        let src = "a = 1\nb = 1\nprint(a)\n";
        assert_eq!(
            apply_edits(src, &[edit("a = 1", "a = 2", false)]).expect("applies"),
            "a = 2\nb = 1\nprint(a)\n"
        );
        let twice = apply_edits(src, &[edit("= 1", "= 3", false)]).expect_err("ambiguous");
        assert!(twice.contains("edits[1].old_string: occurs 2 times"), "{twice}");
        assert_eq!(
            apply_edits(src, &[edit("= 1", "= 3", true)]).expect("all"),
            "a = 3\nb = 3\nprint(a)\n"
        );
        let missing = apply_edits(src, &[edit("a = 2", "x", false)]).expect_err("absent");
        assert!(missing.contains("not found"), "{missing}");
        // Later edits see the earlier ones' result; one failing edit fails them all.
        assert_eq!(
            apply_edits(src, &[edit("a = 1", "c = 1", false), edit("c = 1", "d = 1", false)]).expect("chain"),
            "d = 1\nb = 1\nprint(a)\n"
        );
        let second = apply_edits(src, &[edit("a = 1", "c", false), edit("zzz", "y", false)]).expect_err("second");
        assert!(second.starts_with("edits[2]"), "{second}");
        assert!(apply_edits(src, &[edit("", "x", false)])
            .expect_err("empty")
            .contains("empty"));
    }

    #[test]
    fn statuses_are_motherducks() {
        for (coffer, md) in [
            ("succeeded", "SUCCEEDED"),
            ("failed", "FAILED"),
            ("timed_out", "FAILED"),
            ("cancelled", "CANCELLED"),
            ("running", "RUNNING"),
            ("pending", "PENDING"),
        ] {
            assert_eq!(md_status(coffer), md);
        }
    }
}
