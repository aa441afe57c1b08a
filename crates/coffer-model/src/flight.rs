//! Flights (MotherDuck's jobs, seed 003): a command, a Python script or a SQL script with a
//! config map of plain variables, attached secrets, a token to run as, an optional cron
//! schedule and a timeout. This module holds the definition ([`FlightSpec`]), the run states
//! ([`RunStatus`]) and their rules; storing and running them is elsewhere.

use crate::error::{ModelError, Result};
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// What a flight runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlightKind {
    /// An argv, run as is (no shell).
    Command,
    /// A Python script, run by `python3` with coffer's DuckDB secrets hook on its path.
    Python,
    /// A SQL script, run on an embedded DuckDB holding the project's storage secrets.
    Sql,
    /// Steps run in order (a Kestra-style flow file): each a command, Python or SQL step.
    Flow,
}

impl FlightKind {
    /// The kind's name as written on the command line.
    pub fn name(self) -> &'static str {
        match self {
            FlightKind::Command => "command",
            FlightKind::Python => "python",
            FlightKind::Sql => "sql",
            FlightKind::Flow => "flow",
        }
    }

    /// Parses `command`, `python` or `sql` (any case).
    ///
    /// # Errors
    /// [`ModelError::InvalidFlight`] naming the valid kinds.
    pub fn parse(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "command" => Ok(FlightKind::Command),
            "python" => Ok(FlightKind::Python),
            "sql" => Ok(FlightKind::Sql),
            _ => Err(invalid(
                Some("kind"),
                "kind",
                format!("'{s}' is not a flight kind; use command, python or sql"),
            )),
        }
    }
}

/// A flight's definition: everything `flight create` and `flight update` set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlightSpec {
    /// What it runs.
    pub kind: FlightKind,
    /// For `command`: the program and its arguments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    /// For `python` and `sql`: the script's text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub script: Option<String>,
    /// Plain variables, in the order given. Not secret: anyone who can read the flight sees them.
    #[serde(default)]
    pub config: IndexMap<String, String>,
    /// Attached secrets, whose fields become `SECRETNAME_KEY` variables.
    #[serde(default)]
    pub secrets: Vec<String>,
    /// The token whose identity the runs act as; the owner's identity when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_name: Option<String>,
    /// A cron expression (5 fields, or 6 with seconds first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    /// The IANA time zone of the schedule; UTC when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// A run still going after this many seconds is killed and marked `timed_out`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_secs: Option<u64>,
    /// How many runs of this flight may run at once.
    #[serde(default = "one")]
    pub concurrency: u32,
    /// For `flow`: the steps, run in order; a failed step stops the run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<Step>,
    /// Bookkeeping kept by coffer, not set by callers: the flight's version since which its
    /// runs act as their current identity (the token's owner, or the flight's owner); `None`
    /// means since version 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runs_as_since: Option<i64>,
    /// For `python` (and flows with a python step): a requirements.txt installed into a
    /// virtual environment the python steps run in (see [`crate::requirements`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requirements: Option<String>,
    /// Whether installing `requirements` may build packages from source (run their build
    /// code); wheels only when false.
    #[serde(default, skip_serializing_if = "is_false")]
    pub source_builds: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// One step of a `flow` flight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Its id, unique in the flow (a name).
    pub id: String,
    /// `command`, `python` or `sql`.
    pub kind: FlightKind,
    /// For `command`: the argv.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    /// For `python` and `sql`: the script.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub script: Option<String>,
    /// Variables of this step only (the task's other properties in a flow file).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub env: IndexMap<String, String>,
}

/// Checks what a command, Python or SQL step (or single-step flight) runs.
fn check_runnable(
    input: Option<&'static str>,
    field: &str,
    kind: FlightKind,
    command: &[String],
    script: Option<&str>,
) -> Result<()> {
    match kind {
        FlightKind::Command => {
            if command.is_empty() || command[0].is_empty() {
                return Err(invalid(input, field, "a command needs a program to run (argv)"));
            }
            if command.iter().any(|a| a.contains('\0')) {
                return Err(invalid(input, field, "an argument cannot hold a NUL byte"));
            }
            if script.is_some() {
                return Err(invalid(input, field, "a command runs an argv, not a script"));
            }
        }
        FlightKind::Python | FlightKind::Sql => {
            let Some(script) = script else {
                return Err(ModelError::InvalidFlight {
                    field: field.into(),
                    input,
                    hint: Some(Box::new(crate::hint::Hint::GiveAScript)),
                    rule: format!("a {} step needs a script", kind.name()),
                });
            };
            if script.trim().is_empty() {
                return Err(invalid(input, field, "the script is empty"));
            }
            if script.len() > MAX_SCRIPT_BYTES {
                return Err(invalid(
                    input,
                    field,
                    format!("the script is larger than {MAX_SCRIPT_BYTES} bytes"),
                ));
            }
            if script.contains('\0') {
                return Err(invalid(input, field, "a script cannot hold a NUL byte"));
            }
            if !command.is_empty() {
                return Err(invalid(
                    input,
                    field,
                    format!("a {} step runs a script, not an argv", kind.name()),
                ));
            }
        }
        FlightKind::Flow => return Err(invalid(input, field, "a step cannot itself be a flow")),
    }
    Ok(())
}

fn one() -> u32 {
    1
}

/// The longest timeout accepted: 7 days.
pub const MAX_TIMEOUT_SECS: u64 = 7 * 24 * 3600;
/// The most runs of one flight at once.
pub const MAX_CONCURRENCY: u32 = 64;
/// The largest script accepted, in bytes.
pub const MAX_SCRIPT_BYTES: usize = 1 << 20;

/// A [`ModelError::InvalidFlight`]: the request field at fault (`input`), what the message
/// names (`field`) and the rule.
fn invalid(input: Option<&'static str>, field: impl Into<String>, rule: impl Into<String>) -> ModelError {
    ModelError::InvalidFlight {
        field: field.into(),
        input,
        hint: None,
        rule: rule.into(),
    }
}

/// Variables coffer sets itself in every run; config keys may not take them.
pub const RESERVED_PREFIX: &str = "COFFER_";

/// Checks a config key: a name the environment accepts (non-empty, no `=`, no NUL), not one
/// of coffer's own `COFFER_*` variables (in any case) and not a variable that steers a loader,
/// shell or interpreter ([`crate::reserved::reserved_var`]).
///
/// # Errors
/// [`ModelError::InvalidFlight`] naming the key and the rule; [`ModelError::ReservedVar`] for
/// a reserved variable.
pub fn check_config_key(key: &str) -> Result<()> {
    check_var_key(Some("config"), "config key", "rename the key", key)
}

/// [`check_config_key`] for a key described as `what` (`config key`, `step 'x' property`),
/// with `fix` saying what to do about a reserved one.
fn check_var_key(input: Option<&'static str>, what: &str, fix: &str, key: &str) -> Result<()> {
    if key.is_empty() || key.contains('=') || key.contains('\0') || key.len() > 256 {
        return Err(invalid(
            input,
            format!("{what} '{}'", key.escape_debug()),
            "a variable name must be 1 to 256 characters with no '=' and no NUL",
        ));
    }
    if key.to_ascii_uppercase().starts_with(RESERVED_PREFIX) {
        return Err(invalid(
            input,
            format!("{what} '{key}'"),
            "names starting with COFFER_ are set by coffer itself; pick another name",
        ));
    }
    crate::reserved::check_not_reserved(key, || format!("{what} '{key}'"), fix)
}

/// Checks a config value: a string with no NUL (the environment cannot hold one).
///
/// # Errors
/// [`ModelError::InvalidFlight`] naming the key.
pub fn check_config_value(key: &str, value: &str) -> Result<()> {
    if value.contains('\0') {
        return Err(invalid(
            Some("config"),
            format!("config value of '{key}'"),
            "a value cannot hold a NUL byte",
        ));
    }
    Ok(())
}

/// Parses `KEY=VALUE` items into a config map, each checked; a key given twice is an error.
///
/// # Errors
/// [`ModelError::InvalidFlight`].
pub fn parse_config(items: &[String]) -> Result<IndexMap<String, String>> {
    let mut out = IndexMap::new();
    for item in items {
        let Some((k, v)) = item.split_once('=') else {
            return Err(invalid(
                Some("config"),
                format!("config '{}'", item.split(['\n']).next().unwrap_or_default()),
                "use KEY=VALUE",
            ));
        };
        check_config_key(k)?;
        check_config_value(k, v)?;
        if out.insert(k.to_string(), v.to_string()).is_some() {
            return Err(invalid(
                Some("config"),
                format!("config key '{k}'"),
                "given twice; give each key once",
            ));
        }
    }
    Ok(out)
}

impl FlightSpec {
    /// Checks every rule of a definition that needs nothing but the definition itself.
    ///
    /// # Errors
    /// [`ModelError::InvalidFlight`] naming the field.
    pub fn validate(&self) -> Result<()> {
        if self.kind == FlightKind::Flow {
            if self.steps.is_empty() {
                return Err(invalid(None, "steps", "a flow needs at least one step"));
            }
            if !self.command.is_empty() || self.script.is_some() {
                return Err(invalid(
                    None,
                    "steps",
                    "a flow runs its steps, not a command or script of its own",
                ));
            }
            let mut ids = std::collections::BTreeSet::new();
            for step in &self.steps {
                crate::names::validate_name(&step.id).map_err(|_| {
                    invalid(
                        None,
                        format!("step '{}'", step.id),
                        "a step id must match [A-Za-z0-9._-]{1,128}",
                    )
                })?;
                if !ids.insert(step.id.to_ascii_lowercase()) {
                    return Err(invalid(None, format!("step '{}'", step.id), "two steps have this id"));
                }
                check_runnable(
                    None,
                    &format!("step '{}'", step.id),
                    step.kind,
                    &step.command,
                    step.script.as_deref(),
                )?;
                for (k, v) in &step.env {
                    check_var_key(None, &format!("step '{}' property", step.id), "rename the property", k)?;
                    check_config_value(k, v)?;
                }
            }
        } else {
            if !self.steps.is_empty() {
                return Err(invalid(
                    None,
                    "steps",
                    format!("a {} flight has no steps", self.kind.name()),
                ));
            }
            let field = if self.kind == FlightKind::Command {
                "command"
            } else {
                "script"
            };
            check_runnable(Some(field), field, self.kind, &self.command, self.script.as_deref())?;
        }
        for (k, v) in &self.config {
            check_config_key(k)?;
            check_config_value(k, v)?;
        }
        let mut seen = std::collections::BTreeSet::new();
        for s in &self.secrets {
            crate::names::validate_name(s)?;
            if !seen.insert(s.to_ascii_lowercase()) {
                return Err(invalid(
                    Some("secrets"),
                    format!("secret '{s}'"),
                    "attached twice; name each secret once",
                ));
            }
        }
        if let Some(t) = &self.token_name {
            crate::names::validate_name(t)?;
        }
        if let Some(secs) = self.timeout_secs {
            if secs == 0 || secs > MAX_TIMEOUT_SECS {
                return Err(invalid(
                    Some("timeout_secs"),
                    "timeout",
                    format!("must be between 1 second and {MAX_TIMEOUT_SECS} seconds (7 days)"),
                ));
            }
        }
        if self.concurrency == 0 || self.concurrency > MAX_CONCURRENCY {
            return Err(invalid(
                Some("concurrency"),
                "concurrency",
                format!("must be between 1 and {MAX_CONCURRENCY}"),
            ));
        }
        if self.timezone.is_some() && self.schedule.is_none() {
            return Err(invalid(
                Some("timezone"),
                "timezone",
                "a time zone only applies to a schedule; give a schedule too",
            ));
        }
        if let Some(expr) = &self.schedule {
            crate::schedule::Schedule::parse(expr, self.timezone.as_deref())?;
        }
        self.check_requirements()
    }

    /// Whether its python steps run in an environment of their own (it has requirements).
    pub fn has_python(&self) -> bool {
        self.kind == FlightKind::Python || self.steps.iter().any(|s| s.kind == FlightKind::Python)
    }

    fn check_requirements(&self) -> Result<()> {
        let Some(text) = &self.requirements else {
            if self.source_builds {
                return Err(invalid(
                    Some("source_builds"),
                    "source_builds",
                    "only applies to installing requirements; give requirements too, or leave source_builds false",
                ));
            }
            return Ok(());
        };
        if !self.has_python() {
            return Err(invalid(
                Some("requirements"),
                "requirements",
                format!(
                    "only python flights (and flows with a python step) install requirements, not a {} flight; leave requirements out",
                    self.kind.name()
                ),
            ));
        }
        crate::requirements::check(text)
    }

    /// The effective config of a run: the stored map with `overrides` applied. An override
    /// may only set a key the stored map has.
    ///
    /// # Errors
    /// [`ModelError::InvalidFlight`] naming the unknown key and listing the allowed ones.
    pub fn effective_config(&self, overrides: &IndexMap<String, String>) -> Result<IndexMap<String, String>> {
        let mut out = self.config.clone();
        for (k, v) in overrides {
            check_config_value(k, v)?;
            match out.get_mut(k) {
                Some(slot) => *slot = v.clone(),
                None => {
                    let allowed = if self.config.is_empty() {
                        "this flight has no config keys; add the key to the flight's config first".to_string()
                    } else {
                        format!(
                            "a run may only override keys the flight has: {}; add new keys to the flight's config first",
                            self.config.keys().map(String::as_str).collect::<Vec<_>>().join(", ")
                        )
                    };
                    return Err(invalid(Some("config"), format!("config override '{k}'"), allowed));
                }
            }
        }
        Ok(out)
    }
}

/// Where a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Started and not finished.
    Running,
    /// Exited 0.
    Succeeded,
    /// Exited non-zero, was killed by a signal, or could not start (a dropped secret).
    Failed,
    /// Cancelled by `flight cancel`.
    Cancelled,
    /// Killed at its timeout.
    TimedOut,
}

impl RunStatus {
    /// The status as stored and shown.
    pub fn name(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
            RunStatus::Cancelled => "cancelled",
            RunStatus::TimedOut => "timed_out",
        }
    }

    /// Parses a stored status.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "running" => RunStatus::Running,
            "succeeded" => RunStatus::Succeeded,
            "failed" => RunStatus::Failed,
            "cancelled" => RunStatus::Cancelled,
            "timed_out" => RunStatus::TimedOut,
            _ => return None,
        })
    }

    /// Whether the run is over.
    pub fn is_final(self) -> bool {
        self != RunStatus::Running
    }

    /// The status as MotherDuck names it, without its `RUN_STATUS_` prefix (the SQL surface
    /// shows [`RunStatus::md_name`]): `SUCCEEDED`, `FAILED` (also a run killed at its
    /// timeout), `CANCELLED` or `RUNNING`. coffer records a run `running` when it starts, so
    /// none is ever `PENDING`.
    pub fn md_status(self) -> &'static str {
        match self {
            RunStatus::Running => "RUNNING",
            RunStatus::Succeeded => "SUCCEEDED",
            RunStatus::Failed | RunStatus::TimedOut => "FAILED",
            RunStatus::Cancelled => "CANCELLED",
        }
    }

    /// The full MotherDuck name of the status, as the SQL functions show it:
    /// `RUN_STATUS_SUCCEEDED` and so on ([`RunStatus::md_status`]).
    pub fn md_name(self) -> String {
        format!("{MD_STATUS_PREFIX}{}", self.md_status())
    }
}

/// The prefix of MotherDuck's run status names (`RUN_STATUS_SUCCEEDED`).
pub const MD_STATUS_PREFIX: &str = "RUN_STATUS_";

/// The MotherDuck name of a stored status (`running`, `queued`, ...), for a status this coffer
/// may not know (a newer node's): a known one as [`RunStatus::md_name`], `queued` and `pending`
/// as `RUN_STATUS_PENDING`, anything else upper-cased after the prefix.
pub fn md_status_name(stored: &str) -> String {
    match RunStatus::parse(stored) {
        Some(s) => s.md_name(),
        None if matches!(stored, "queued" | "pending") => format!("{MD_STATUS_PREFIX}PENDING"),
        None => format!("{MD_STATUS_PREFIX}{}", stored.to_ascii_uppercase()),
    }
}

impl FlightSpec {
    /// The fields of a definition that differ between `self` (a version) and `newer` (a
    /// later one), named as `flight show --format json` names them, in that order: `kind`,
    /// `command`, `script`, `steps`, `config`, `secrets`, `token_name`, `schedule`,
    /// `timezone`, `timeout_secs`, `concurrency`, `requirements`, `source_builds`. Bookkeeping (`runs_as_since`) is not a
    /// change of its own: it moves with the token. Empty when the definitions are equal.
    pub fn changed_fields(&self, newer: &FlightSpec) -> Vec<&'static str> {
        let mut out = Vec::new();
        let mut check = |changed: bool, name: &'static str| {
            if changed {
                out.push(name);
            }
        };
        check(self.kind != newer.kind, "kind");
        check(self.command != newer.command, "command");
        check(self.script != newer.script, "script");
        check(self.steps != newer.steps, "steps");
        // Config keeps its order: a reordered map is a change (runs see the new order).
        check(!self.config.iter().eq(newer.config.iter()), "config");
        check(self.secrets != newer.secrets, "secrets");
        check(self.token_name != newer.token_name, "token_name");
        check(self.schedule != newer.schedule, "schedule");
        check(self.timezone != newer.timezone, "timezone");
        check(self.timeout_secs != newer.timeout_secs, "timeout_secs");
        check(self.concurrency != newer.concurrency, "concurrency");
        check(self.requirements != newer.requirements, "requirements");
        check(self.source_builds != newer.source_builds, "source_builds");
        out
    }

    /// Whether `newer` defines the same flight: no field of [`FlightSpec::changed_fields`]
    /// differs (an update to it is no change and makes no version).
    pub fn same_definition(&self, newer: &FlightSpec) -> bool {
        self.changed_fields(newer).is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> FlightSpec {
        FlightSpec {
            kind: FlightKind::Command,
            command: vec!["true".into()],
            script: None,
            config: [
                ("REGION".to_string(), "us".to_string()),
                ("BATCH".to_string(), "10".to_string()),
            ]
            .into_iter()
            .collect(),
            secrets: vec![],
            token_name: None,
            schedule: None,
            timezone: None,
            timeout_secs: None,
            concurrency: 1,
            steps: vec![],
            runs_as_since: None,
            requirements: None,
            source_builds: false,
        }
    }

    #[test]
    fn overrides_only_existing_keys() {
        let s = spec();
        let o: IndexMap<String, String> = [("REGION".to_string(), "eu".to_string())].into_iter().collect();
        let e = s.effective_config(&o).expect("known key");
        assert_eq!(e.get("REGION").map(String::as_str), Some("eu"));
        assert_eq!(e.get("BATCH").map(String::as_str), Some("10"));
        let bad: IndexMap<String, String> = [("NEW".to_string(), "x".to_string())].into_iter().collect();
        let err = s.effective_config(&bad).expect_err("unknown key").to_string();
        assert!(err.contains("'NEW'") && err.contains("REGION, BATCH"), "{err}");
    }

    #[test]
    fn config_rules() {
        assert!(parse_config(&["A=1".into(), "B==2".into()]).is_ok());
        assert!(parse_config(&["A".into()]).is_err());
        assert!(parse_config(&["=1".into()]).is_err());
        assert!(parse_config(&["coffer_token=1".into()]).is_err());
        assert!(parse_config(&["A=1".into(), "A=2".into()]).is_err());
        assert!(parse_config(&["api.key=1".into()]).is_ok());
        assert!(parse_config(&["PATHWAY=1".into()]).is_ok());
        let err = parse_config(&["NODE_OPTIONS=--require /tmp/x.js".into()]).expect_err("reserved");
        assert!(
            matches!(&err, ModelError::ReservedVar { var, pattern: "NODE_OPTIONS", .. } if var == "NODE_OPTIONS"),
            "{err}"
        );
        assert!(
            err.to_string().starts_with("config key 'NODE_OPTIONS' would set"),
            "{err}"
        );
    }

    #[test]
    fn reserved_keys_in_config_and_steps() {
        let mut s = spec();
        s.config.insert("BASH_ENV".into(), "/tmp/x".into());
        let err = s.validate().expect_err("BASH_ENV").to_string();
        assert!(err.contains("BASH_ENV") && err.contains("rule BASH_ENV"), "{err}");
        let mut s = spec();
        s.kind = FlightKind::Flow;
        s.command.clear();
        s.steps = vec![Step {
            id: "one".into(),
            kind: FlightKind::Command,
            command: vec!["true".into()],
            script: None,
            env: [("LD_PRELOAD".to_string(), "/tmp/x.so".to_string())]
                .into_iter()
                .collect(),
        }];
        let err = s.validate().expect_err("LD_PRELOAD").to_string();
        assert!(
            err.starts_with("step 'one' property 'LD_PRELOAD' would set") && err.contains("rule LD_*"),
            "{err}"
        );
        s.steps[0].env = [("REGION".to_string(), "eu".to_string())].into_iter().collect();
        assert!(s.validate().is_ok());
    }

    #[test]
    fn md_status_names() {
        let all = [
            (RunStatus::Running, "RUN_STATUS_RUNNING"),
            (RunStatus::Succeeded, "RUN_STATUS_SUCCEEDED"),
            (RunStatus::Failed, "RUN_STATUS_FAILED"),
            (RunStatus::Cancelled, "RUN_STATUS_CANCELLED"),
            (RunStatus::TimedOut, "RUN_STATUS_FAILED"),
        ];
        for (s, md) in all {
            assert_eq!(s.md_name(), md);
            assert_eq!(md_status_name(s.name()), md);
        }
        assert_eq!(md_status_name("queued"), "RUN_STATUS_PENDING");
        assert_eq!(md_status_name("pending"), "RUN_STATUS_PENDING");
        assert_eq!(md_status_name("paused"), "RUN_STATUS_PAUSED");
    }

    #[test]
    fn changed_fields_name_what_differs() {
        let a = spec();
        assert!(a.changed_fields(&a.clone()).is_empty());
        assert!(a.same_definition(&a.clone()));
        let mut b = a.clone();
        b.command = vec!["false".into()];
        b.config.insert("NEW".into(), "1".into());
        b.schedule = Some("0 * * * *".into());
        assert_eq!(a.changed_fields(&b), ["command", "config", "schedule"]);
        let mut reordered = a.clone();
        reordered.config.reverse();
        assert_eq!(a.changed_fields(&reordered), ["config"], "config order is part of it");
        let mut bookkeeping = a.clone();
        bookkeeping.runs_as_since = Some(3);
        assert!(a.same_definition(&bookkeeping));
        let mut all = a.clone();
        all.kind = FlightKind::Python;
        all.command.clear();
        all.script = Some("print(1)".into());
        all.secrets = vec!["s".into()];
        all.token_name = Some("t".into());
        all.timezone = Some("UTC".into());
        all.timeout_secs = Some(5);
        all.concurrency = 2;
        assert_eq!(
            a.changed_fields(&all),
            [
                "kind",
                "command",
                "script",
                "secrets",
                "token_name",
                "timezone",
                "timeout_secs",
                "concurrency"
            ]
        );
    }

    #[test]
    fn spec_rules() {
        let mut s = spec();
        assert!(s.validate().is_ok());
        s.concurrency = 0;
        assert!(s.validate().is_err());
        s.concurrency = 1;
        s.timeout_secs = Some(0);
        assert!(s.validate().is_err());
        s.timeout_secs = None;
        s.kind = FlightKind::Python;
        assert!(s.validate().is_err(), "python needs a script");
        s.command.clear();
        s.script = Some("print(1)".into());
        assert!(s.validate().is_ok());
        s.secrets = vec!["a".into(), "A".into()];
        assert!(s.validate().is_err());
    }

    #[test]
    fn requirements_are_for_python_only() {
        let mut s = spec();
        s.requirements = Some("six==1.16.0".into());
        let err = s.validate().expect_err("a command flight").to_string();
        assert!(
            err.contains("only python flights") && err.contains("not a command flight"),
            "{err}"
        );
        s.kind = FlightKind::Python;
        s.command.clear();
        s.script = Some("import six".into());
        assert!(s.validate().is_ok());
        s.source_builds = true;
        assert!(s.validate().is_ok());
        s.requirements = Some("six\n--index-url https://evil.example/simple".into());
        let err = s.validate().expect_err("an option line");
        assert!(
            matches!(&err, ModelError::InvalidFlight { input: Some("requirements"), field, .. } if field == "requirements line 2"),
            "{err}"
        );
        s.requirements = None;
        let err = s.validate().expect_err("source builds alone").to_string();
        assert!(err.contains("source_builds"), "{err}");
        // Old stored specs (without the fields) still load, and new ones without
        // requirements store as before.
        let old: FlightSpec = serde_json::from_str(r#"{"kind":"python","script":"x"}"#).expect("old spec");
        assert_eq!((old.requirements, old.source_builds), (None, false));
        let json = serde_json::to_string(&spec()).expect("json");
        assert!(
            !json.contains("requirements") && !json.contains("source_builds"),
            "{json}"
        );
    }
}
