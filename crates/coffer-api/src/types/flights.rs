//! Flights and their runs.

use super::encode::base64_bytes;
use crate::error::Error;
use coffer_core::FlightUpdate;
use coffer_model::flight::{FlightKind, FlightSpec};
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use super::name::Name;

/// Create a flight (seed 003): a command, a Python script or a SQL script with a config map,
/// attached secrets, a token to run as, an optional schedule and a timeout.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FlightCreateBody {
    /// The flight's name.
    #[cfg_attr(feature = "openapi", schema(value_type = Name))]
    pub name: String,
    /// `command`, `python`, `sql`, or `flow` (with `steps`).
    #[cfg_attr(feature = "openapi", schema(example = "python"))]
    pub kind: String,
    /// For `command`: the program and its arguments.
    #[serde(default)]
    pub command: Vec<String>,
    /// For `python` and `sql`: the script.
    #[serde(default)]
    pub script: Option<String>,
    /// Plain variables (not secret), replaced whole on update.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub config: IndexMap<String, String>,
    /// Attached secrets, replaced whole on update.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Name>))]
    pub secrets: Vec<String>,
    /// The token whose identity runs act as (the creator's when absent).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Name>))]
    pub token_name: Option<String>,
    /// A cron expression: 5 fields, or 6 with seconds first.
    #[serde(default)]
    pub schedule: Option<String>,
    /// The schedule's IANA time zone (UTC when absent).
    #[serde(default)]
    pub timezone: Option<String>,
    /// Seconds before a run is killed and marked `timed_out`.
    #[serde(default)]
    pub timeout_secs: Option<u64>,
    /// Runs allowed at once (1 when absent).
    #[serde(default)]
    pub concurrency: Option<u32>,
    /// For kind `flow`: the steps, in order (`{id, kind, command?, script?, env?}`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub steps: Vec<coffer_model::flight::Step>,
    /// For `python`: a requirements.txt (requirement lines, markers and `--hash=` options; no
    /// pip options or local paths), installed into a virtual environment the runs share.
    /// Empty means none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requirements: Option<String>,
    /// Let installing the requirements build packages from source (run their build code);
    /// wheels only when false (the default).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub source_builds: bool,
}

/// A requirements text as a request gives it: empty (or only spaces) means none.
fn requirements_of(text: Option<String>) -> Option<String> {
    text.filter(|t| !t.trim().is_empty())
}

impl FlightCreateBody {
    /// Checks the name and the kind.
    ///
    /// # Errors
    /// [`Error::Invalid`] of field `name`; an invalid `kind`.
    pub fn validate(&self) -> crate::error::Result<()> {
        coffer_model::names::validate_name(&self.name).map_err(|_| {
            Error::invalid(
                "name",
                format!(
                    "invalid flight name '{}': names must match [A-Za-z0-9._-]{{1,128}}",
                    self.name
                ),
            )
        })?;
        flight_kind(&self.kind).map(drop)
    }

    /// The request that creates flight `name` as `spec` defines it.
    pub fn of(name: String, spec: FlightSpec) -> Self {
        FlightCreateBody {
            name,
            kind: spec.kind.name().to_string(),
            command: spec.command,
            script: spec.script,
            config: spec.config,
            secrets: spec.secrets,
            token_name: spec.token_name,
            schedule: spec.schedule,
            timezone: spec.timezone,
            timeout_secs: spec.timeout_secs,
            concurrency: Some(spec.concurrency),
            steps: spec.steps,
            requirements: spec.requirements,
            source_builds: spec.source_builds,
        }
    }

    /// The flight's name and definition.
    ///
    /// # Errors
    /// An invalid `kind`.
    pub fn into_spec(self) -> crate::error::Result<(String, FlightSpec)> {
        let spec = FlightSpec {
            kind: flight_kind(&self.kind)?,
            command: self.command,
            script: self.script,
            config: self.config,
            secrets: self.secrets,
            token_name: self.token_name,
            schedule: self.schedule,
            timezone: self.timezone,
            timeout_secs: self.timeout_secs,
            concurrency: self.concurrency.unwrap_or(1),
            steps: self.steps,
            runs_as_since: None,
            requirements: requirements_of(self.requirements),
            source_builds: self.source_builds,
        };
        Ok((self.name, spec))
    }
}

/// A kind by name as a request gives it, `flow` included (the kind of a flow file, in local
/// mode and through the server alike): a bad one is an `invalid` of field `kind`.
fn flight_kind(kind: &str) -> crate::error::Result<FlightKind> {
    if kind.eq_ignore_ascii_case(FlightKind::Flow.name()) {
        return Ok(FlightKind::Flow);
    }
    FlightKind::parse(kind).map_err(|e| Error::Core(e.into()))
}

fn some<'de, T: Deserialize<'de>, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Change a flight: absent fields stay, present ones replace (config and secrets whole, not
/// merged); `null` clears `token_name`, `schedule`, `timezone`, `timeout_secs` and
/// `requirements`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FlightUpdateBody {
    /// New kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// New argv.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    /// New script.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub script: Option<String>,
    /// New config map.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub config: Option<IndexMap<String, String>>,
    /// New list of attached secrets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<Name>>))]
    pub secrets: Option<Vec<String>>,
    /// New token; `null` runs as the owner.
    #[serde(default, deserialize_with = "some", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Name>))]
    pub token_name: Option<Option<String>>,
    /// New schedule; `null` removes it.
    #[serde(default, deserialize_with = "some", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub schedule: Option<Option<String>>,
    /// New time zone; `null` is UTC.
    #[serde(default, deserialize_with = "some", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub timezone: Option<Option<String>>,
    /// New timeout; `null` removes it.
    #[serde(default, deserialize_with = "some", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u64>))]
    pub timeout_secs: Option<Option<u64>>,
    /// New concurrency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<u32>,
    /// New steps of a `flow` (replace them all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<Object>>))]
    pub steps: Option<Vec<coffer_model::flight::Step>>,
    /// New requirements.txt; `null` or an empty text removes it (and `source_builds` with it,
    /// unless given).
    #[serde(default, deserialize_with = "some", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub requirements: Option<Option<String>>,
    /// Whether installing the requirements may build packages from source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_builds: Option<bool>,
    /// Apply only while the flight is at this version (409 `conflict` otherwise): a client
    /// that read the flight, changed it and writes it back overwrites nothing made in between.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub if_version: Option<i64>,
}

impl FlightUpdateBody {
    /// Checks the kind.
    ///
    /// # Errors
    /// An invalid `kind`.
    pub fn validate(&self) -> crate::error::Result<()> {
        self.kind.as_deref().map(flight_kind).transpose().map(drop)
    }

    /// The service's change.
    ///
    /// # Errors
    /// An invalid `kind`.
    pub fn into_update(self) -> crate::error::Result<FlightUpdate> {
        Ok(FlightUpdate {
            kind: self.kind.as_deref().map(flight_kind).transpose()?,
            command: self.command,
            script: self.script,
            config: self.config,
            secrets: self.secrets,
            token_name: self.token_name,
            schedule: self.schedule,
            timezone: self.timezone,
            timeout_secs: self.timeout_secs,
            concurrency: self.concurrency,
            steps: self.steps,
            requirements: self.requirements.map(requirements_of),
            source_builds: self.source_builds,
            if_version: self.if_version,
        })
    }
}

/// A flight just created or updated, with warnings about config values that look like
/// credentials (naming the key, never the value).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FlightSavedResponse {
    /// The flight.
    pub flight: coffer_core::FlightInfo,
    /// Warnings.
    pub warnings: Vec<String>,
    /// True when an update changed nothing: no version was made and `flight` is as it was.
    #[serde(default)]
    pub unchanged: bool,
}

/// Start a run.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RunBody {
    /// Per-run overrides of config keys the flight has (new keys are refused).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub config: IndexMap<String, String>,
}

/// Which runs to list.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct RunsQuery {
    /// At most this many, newest first (default 50, at most 1000).
    pub limit: Option<usize>,
}

/// Which part of a log to read.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct LogQuery {
    /// Only chunks after this sequence number (0: from the start).
    pub after: Option<i64>,
    /// At most this many chunks (default 1000, at most 1000).
    pub limit: Option<usize>,
}

/// A piece of a run's log, masked.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogChunkBody {
    /// Sequence number, increasing.
    pub seq: i64,
    /// `stdout`, `stderr` or `coffer`.
    pub stream: String,
    /// Unix milliseconds.
    pub at: i64,
    /// The bytes, base64 (standard alphabet, padded).
    #[serde(with = "base64_bytes")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub data: Vec<u8>,
}

/// A run and a piece of its log.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogResponse {
    /// The run, as of this read.
    pub run: coffer_core::RunInfo,
    /// The chunks after `after`.
    pub chunks: Vec<LogChunkBody>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(kind: &str) -> FlightCreateBody {
        serde_json::from_value(serde_json::json!({"name": "f", "kind": kind})).expect("a body")
    }

    #[test]
    fn requests_accept_a_flow_as_the_cli_defines_it_locally() {
        // The HTTP API takes kind `flow` as the CLI's local mode does (it refused it up front,
        // while local mode created flights from flow files).
        body("flow").validate().expect("flow is accepted");
        let (name, spec) = body("flow").into_spec().expect("a flow spec");
        assert_eq!((name.as_str(), spec.kind), ("f", FlightKind::Flow));
        assert!(body("Python").validate().is_ok());
        let bad = body("cron").into_spec().expect_err("not a kind");
        assert_eq!(bad.field(), Some("kind".into()));
        let named = FlightCreateBody {
            name: "a b".into(),
            ..body("sql")
        };
        assert_eq!(named.validate().expect_err("bad name").field(), Some("name".into()));
        let update = FlightUpdateBody {
            kind: Some("flow".into()),
            ..FlightUpdateBody::default()
        };
        assert!(update.validate().is_ok());
        assert_eq!(update.into_update().expect("an update").kind, Some(FlightKind::Flow));
    }

    #[test]
    fn requirements_absent_null_and_empty() {
        let parse = |v: serde_json::Value| -> FlightUpdateBody { serde_json::from_value(v).expect("a body") };
        assert_eq!(parse(serde_json::json!({})).requirements, None, "absent: unchanged");
        let cleared = parse(serde_json::json!({"requirements": null}))
            .into_update()
            .expect("update");
        assert_eq!(cleared.requirements, Some(None), "null clears");
        let emptied = parse(serde_json::json!({"requirements": " \n"}))
            .into_update()
            .expect("update");
        assert_eq!(emptied.requirements, Some(None), "empty clears");
        let set = parse(serde_json::json!({"requirements": "six==1.16.0", "source_builds": true}))
            .into_update()
            .expect("update");
        assert_eq!(set.requirements, Some(Some("six==1.16.0".into())));
        assert_eq!(set.source_builds, Some(true));
        let create: FlightCreateBody = serde_json::from_value(
            serde_json::json!({"name": "f", "kind": "python", "script": "x", "requirements": ""}),
        )
        .expect("a body");
        let (_, spec) = create.into_spec().expect("spec");
        assert_eq!((spec.requirements, spec.source_builds), (None, false));
    }
}
