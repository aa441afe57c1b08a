//! A tool's answer: JSON or text on success, the error's text (which field, which rule, what
//! to do in this front end's terms) on failure, either passed through the project's masker.

use coffer_core::Hint;
use serde::Serialize;

/// What a tool gives back before masking.
pub enum Reply {
    /// A successful answer's text (JSON, or a log's text).
    Ok(String),
    /// A tool error's text (`isError: true`).
    Err(String),
}

impl Reply {
    /// `value` as compact JSON (fewer tokens in a model's context than pretty JSON).
    pub fn json<T: Serialize>(value: &T) -> Reply {
        match serde_json::to_string(value) {
            Ok(s) => Reply::Ok(s),
            Err(e) => Reply::Err(format!("cannot encode the answer: {e}")),
        }
    }
}

impl From<coffer_api::Error> for Reply {
    fn from(e: coffer_api::Error) -> Self {
        Reply::Err(error_text(&e))
    }
}

/// The error as the CLI states it, with what to do in this front end's terms.
pub fn error_text(e: &coffer_api::Error) -> String {
    match e.hint() {
        Some(h) => format!("{e}; {}", words(&h)),
        None => e.to_string(),
    }
}

/// A hint in the tools' terms (their parameters, or the CLI for what no tool does).
pub fn words(hint: &Hint) -> String {
    match hint {
        Hint::GrantRole {
            role,
            identity,
            project,
        } => format!(
            "a project admin can grant it (coffer grant {role} {identity} --project {project}, or the HTTP API)"
        ),
        Hint::CreateProject { project } => {
            format!("create it first (coffer project create {project}, or the HTTP API), or pass another project")
        }
        Hint::NameProject => "say which project with the `project` argument".into(),
        Hint::CreateSecret { name } => format!(
            "create it first with the CLI (coffer secret create {name} --type flights ...), the HTTP API or the web page: secret values never pass through MCP"
        ),
        Hint::NameAChange => {
            "give at least one of source_code, requirements_txt, config, md_secret_names, md_token_name, schedule_cron, kind, timeout, source_builds".into()
        }
        Hint::CancelOrRaiseConcurrency { flight } => {
            format!("wait, or cancel a run of '{flight}' with cancel_flight_run")
        }
        Hint::GiveAScript => "give it as source_code".into(),
        other => other.to_string(),
    }
}

/// coffer's run status as MotherDuck's MCP tools name it (`SUCCEEDED`, `FAILED`, ...; the SQL
/// functions' `RUN_STATUS_` names without the prefix).
pub fn md_status(status: &str) -> String {
    let full = coffer_model::flight::md_status_name(status);
    match full.strip_prefix(coffer_model::flight::MD_STATUS_PREFIX) {
        Some(s) => s.to_string(),
        None => full,
    }
}
