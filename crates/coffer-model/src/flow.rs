//! Kestra-style flow files (seed 004): a YAML definition of a `flow` flight whose tasks run
//! in order.
//!
//! ```yaml
//! id: postgres_to_s3            # the flight's name
//! namespace: company.team       # its project (optional: the CLI's --project)
//! config: {REGION: eu-central-1}            # optional, as `--config`
//! secrets: [warehouse_secret]               # optional, as `--secret`
//! token: flights-prod-ingest                # optional, as `--token`
//! schedule: "0 * * * *"                     # optional; or Kestra's `triggers:` with a `cron`
//! timezone: Europe/Berlin                   # optional
//! timeout: 15m                              # optional
//! concurrency: 1                            # optional
//! tasks:
//!   - id: fetch
//!     type: command                         # command | python | sql, or a Kestra script type
//!     command: [sh, -c, 'psql "$URL" -c "$SQL"']
//!     url: jdbc:postgresql://127.0.0.1:56982/
//!     password: "{{ secret('POSTGRES_PASSWORD') }}"
//!     sql: select id, first_name from users
//! ```
//!
//! - A task's `type` is `command` (with `command:`, an argv), `python` (with `script:`), `sql`
//!   (with `script:` or `sql:`), or one of Kestra's script plugins:
//!   `io.kestra.plugin.scripts.shell.Commands` (`commands:`, a list of shell lines run by
//!   `sh -e -c`), `io.kestra.plugin.scripts.python.Script` (`script:`) and
//!   `io.kestra.plugin.jdbc.duckdb.Query` (`sql:`). Other plugin types are refused, naming the
//!   task: coffer runs processes, not Kestra's Java plugins.
//! - Every other property of a task (`url`, `username`, `password`, `accessKeyId`...) becomes a
//!   variable of that task's process, named in upper snake case (`accessKeyId` →
//!   `ACCESS_KEY_ID`); numbers and booleans as text. Templates (`{{ secret('NAME') }}`) may
//!   appear in any string property and are resolved when a run starts.
//! - Steps run in order; a failed step stops the run.

use crate::error::{ModelError, Result};
use crate::flight::{FlightKind, FlightSpec, Step};
use indexmap::IndexMap;
use serde_norway::Value;

/// A parsed flow file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    /// The flight's name (`id`).
    pub name: String,
    /// The project (`namespace`), when the file names one.
    pub project: Option<String>,
    /// The definition.
    pub spec: FlightSpec,
}

fn bad(field: impl Into<String>, rule: impl Into<String>) -> ModelError {
    ModelError::InvalidFlight {
        field: format!("flow file {}", field.into()),
        input: None,
        hint: None,
        rule: rule.into(),
    }
}

fn text(v: &Value, field: &str) -> Result<String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(bad(field, "must be a text, number or boolean value")),
    }
}

fn list(v: &Value, field: &str) -> Result<Vec<String>> {
    match v {
        Value::Sequence(items) => items.iter().map(|i| text(i, field)).collect(),
        Value::String(s) => Ok(vec![s.clone()]),
        _ => Err(bad(field, "must be a list of text values")),
    }
}

fn map(v: &Value, field: &str) -> Result<IndexMap<String, String>> {
    let Value::Mapping(m) = v else {
        return Err(bad(field, "must be a map of KEY: value"));
    };
    let mut out = IndexMap::new();
    for (k, v) in m {
        let k = text(k, field)?;
        let v = text(v, &format!("{field}.{k}"))?;
        out.insert(k, v);
    }
    Ok(out)
}

/// `accessKeyId` → `ACCESS_KEY_ID`, `user-name` → `USER_NAME`.
pub fn env_name(property: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in property.chars() {
        if c.is_ascii_uppercase() && prev_lower {
            out.push('_');
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        out.push(if c.is_ascii_alphanumeric() {
            c.to_ascii_uppercase()
        } else {
            '_'
        });
    }
    out
}

fn timeout_secs(v: &Value) -> Result<u64> {
    match v {
        Value::Number(n) => n
            .as_u64()
            .ok_or_else(|| bad("timeout", "must be a positive number of seconds")),
        Value::String(s) => {
            humantime_secs(s).ok_or_else(|| bad("timeout", "use seconds or a duration such as 90s, 15m, 2h or PT15M"))
        }
        _ => Err(bad("timeout", "use seconds or a duration such as 90s, 15m, 2h")),
    }
}

/// `90s`, `15m`, `2h`, `1d`, or an ISO 8601 `PT15M` (Kestra's form).
fn humantime_secs(s: &str) -> Option<u64> {
    let t = s.trim().to_ascii_lowercase();
    let t = t.strip_prefix("pt").unwrap_or(&t);
    let (num, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit())?);
    let n: u64 = num.parse().ok()?;
    let mult = match unit {
        "s" | "sec" | "secs" => 1,
        "m" | "min" | "mins" => 60,
        "h" => 3600,
        "d" => 86400,
        _ => return None,
    };
    n.checked_mul(mult)
}

fn step(index: usize, task: &Value) -> Result<Step> {
    let Value::Mapping(m) = task else {
        return Err(bad(format!("task {index}"), "must be a map with id and type"));
    };
    let get = |k: &str| m.get(Value::String(k.to_string()));
    let id = match get("id") {
        Some(v) => text(v, &format!("task {index} id"))?,
        None => return Err(bad(format!("task {index}"), "needs an id")),
    };
    let at = format!("task {index} ('{id}')");
    let ty = match get("type") {
        Some(v) => text(v, &format!("{at} type"))?,
        None => return Err(bad(&at, "needs a type: command, python or sql")),
    };
    let mut used: Vec<&str> = vec!["id", "type"];
    let (kind, command, script) = match ty.as_str() {
        "command" => {
            used.push("command");
            let argv = get("command").ok_or_else(|| bad(&at, "a command task needs command: [program, args...]"))?;
            (FlightKind::Command, list(argv, &format!("{at} command"))?, None)
        }
        "io.kestra.plugin.scripts.shell.Commands" => {
            used.push("commands");
            let lines = get("commands").ok_or_else(|| bad(&at, "a shell.Commands task needs commands: [lines]"))?;
            let lines = list(lines, &format!("{at} commands"))?;
            (
                FlightKind::Command,
                vec!["sh".into(), "-e".into(), "-c".into(), lines.join("\n")],
                None,
            )
        }
        "python" | "io.kestra.plugin.scripts.python.Script" => {
            used.push("script");
            let s = get("script").ok_or_else(|| bad(&at, "a python task needs script: |"))?;
            (FlightKind::Python, Vec::new(), Some(text(s, &format!("{at} script"))?))
        }
        "sql" | "io.kestra.plugin.jdbc.duckdb.Query" => {
            let key = if get("script").is_some() { "script" } else { "sql" };
            used.push(key);
            let s = get(key).ok_or_else(|| bad(&at, "a sql task needs sql: | (or script: |)"))?;
            (FlightKind::Sql, Vec::new(), Some(text(s, &format!("{at} {key}"))?))
        }
        other => {
            return Err(bad(
                &at,
                format!(
                    "type '{other}' is a Kestra plugin coffer does not run; use command, python or sql (or io.kestra.plugin.scripts.shell.Commands, io.kestra.plugin.scripts.python.Script, io.kestra.plugin.jdbc.duckdb.Query) and pass the task's properties as variables"
                ),
            ))
        }
    };
    let mut env = IndexMap::new();
    for (k, v) in m {
        let k = text(k, &at)?;
        if used.contains(&k.as_str()) {
            continue;
        }
        let name = env_name(&k);
        let value = text(v, &format!("{at} property '{k}'"))?;
        if env.insert(name.clone(), value).is_some() {
            return Err(bad(&at, format!("two properties give the variable {name}")));
        }
    }
    Ok(Step {
        id,
        kind,
        command,
        script,
        env,
    })
}

/// Parses a flow file.
///
/// # Errors
/// [`ModelError::InvalidFlight`] naming the task and property at fault (YAML syntax errors
/// with their line and column).
pub fn parse(yaml: &str) -> Result<Flow> {
    let doc: Value = serde_norway::from_str(yaml).map_err(|e| {
        let at = e
            .location()
            .map(|l| format!(" at line {}, column {}", l.line(), l.column()))
            .unwrap_or_default();
        bad("", format!("is not valid YAML{at}"))
    })?;
    let Value::Mapping(m) = &doc else {
        return Err(bad("", "must be a map with id, namespace and tasks"));
    };
    let get = |k: &str| m.get(Value::String(k.to_string()));
    let name = text(
        get("id").ok_or_else(|| bad("", "needs an id (the flight's name)"))?,
        "id",
    )?;
    let project = get("namespace").map(|v| text(v, "namespace")).transpose()?;
    let tasks = match get("tasks") {
        Some(Value::Sequence(t)) if !t.is_empty() => t,
        _ => return Err(bad("tasks", "must be a non-empty list of tasks")),
    };
    let steps = tasks
        .iter()
        .enumerate()
        .map(|(i, t)| step(i + 1, t))
        .collect::<Result<Vec<_>>>()?;
    let mut schedule = get("schedule").map(|v| text(v, "schedule")).transpose()?;
    if let Some(Value::Sequence(triggers)) = get("triggers") {
        for t in triggers {
            if let Some(cron) = t.get("cron") {
                if schedule.is_some() {
                    return Err(bad("triggers", "give one schedule (schedule: or one cron trigger)"));
                }
                schedule = Some(text(cron, "triggers cron")?);
            }
        }
    }
    let spec = FlightSpec {
        kind: FlightKind::Flow,
        command: Vec::new(),
        script: None,
        config: get("config").map(|v| map(v, "config")).transpose()?.unwrap_or_default(),
        secrets: get("secrets")
            .map(|v| list(v, "secrets"))
            .transpose()?
            .unwrap_or_default(),
        token_name: get("token").map(|v| text(v, "token")).transpose()?,
        schedule,
        timezone: get("timezone").map(|v| text(v, "timezone")).transpose()?,
        timeout_secs: get("timeout").map(timeout_secs).transpose()?,
        concurrency: match get("concurrency") {
            Some(v) => text(v, "concurrency")?
                .parse()
                .map_err(|_| bad("concurrency", "must be a whole number"))?,
            None => 1,
        },
        steps,
        runs_as_since: None,
        requirements: None,
        source_builds: false,
    };
    spec.validate()?;
    Ok(Flow { name, project, spec })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = r#"
id: postgres_to_s3
namespace: company.team

tasks:
  - id: fetch
    type: command
    command: [sh, -c, 'echo "$USERNAME" "$PASSWORD"']
    url: jdbc:postgresql://127.0.0.1:56982/
    username: pg_user
    password: "{{ secret('POSTGRES_PASSWORD') }}"
    sql: select id, first_name, last_name, city from users
    fetchType: STORE

  - id: write_to_s3
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - echo "$ACCESS_KEY_ID"
      - echo "$FROM"
    accessKeyId: "{{ secret('AWS_ACCESS_KEY') }}"
    secretKeyId: "{{ secret('AWS_SECRET_KEY') }}"
    region: "eu-central-1"
    from: "{{ outputs.fetch.uri }}"
    bucket: "kestra-bucket"
    key: "data/users.csv"
"#;

    #[test]
    fn the_seed_example_maps_onto_steps() {
        let f = parse(SEED).expect("valid");
        assert_eq!(f.name, "postgres_to_s3");
        assert_eq!(f.project.as_deref(), Some("company.team"));
        assert_eq!(f.spec.kind, FlightKind::Flow);
        let fetch = &f.spec.steps[0];
        assert_eq!(
            fetch.env.get("PASSWORD").map(String::as_str),
            Some("{{ secret('POSTGRES_PASSWORD') }}")
        );
        assert_eq!(fetch.env.get("FETCH_TYPE").map(String::as_str), Some("STORE"));
        let up = &f.spec.steps[1];
        assert_eq!(up.command[..3], ["sh", "-e", "-c"]);
        assert!(up.env.contains_key("ACCESS_KEY_ID") && up.env.contains_key("SECRET_KEY_ID"));
    }

    #[test]
    fn errors_name_the_task() {
        let e = parse("id: x\ntasks:\n  - id: a\n    type: io.kestra.plugin.aws.s3.Upload\n")
            .expect_err("plugin")
            .to_string();
        assert!(
            e.contains("task 1 ('a')") && e.contains("io.kestra.plugin.aws.s3.Upload"),
            "{e}"
        );
        let e = parse("id: x\ntasks: [").expect_err("yaml").to_string();
        assert!(e.contains("line"), "{e}");
        let e = parse("id: x\ntasks:\n  - id: a\n    type: command\n")
            .expect_err("argv")
            .to_string();
        assert!(e.contains("command"), "{e}");
        assert!(parse("id: x\ntasks: []\n").is_err());
        assert_eq!(env_name("accessKeyId"), "ACCESS_KEY_ID");
        assert_eq!(env_name("fetchType"), "FETCH_TYPE");
        assert_eq!(humantime_secs("PT15M"), Some(900));
    }
}
