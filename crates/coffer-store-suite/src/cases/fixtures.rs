//! What the cases share: the records they write (secrets, audit events, identities, grants,
//! flights, runs, log chunks, data sources) and the store types they name.

pub(crate) use coffer_model::flight::{FlightKind, FlightSpec};
pub(crate) use coffer_model::FieldValue;
pub(crate) use coffer_store::{
    AuditEvent, AuditFilter, Expect, FlightRecord, GrantRecord, IdentityRecord, LogChunk, NodeRecord, ProjectRecord,
    RunEnd, RunRecord, SealedRecord, SecretRecord, SourceRecord, Store, StoreError, TokenRecord,
};
pub(crate) use std::collections::BTreeMap;

/// A record for tests.
pub fn record(project: &str, name: &str, version: i64) -> SecretRecord {
    let mut public_fields = BTreeMap::new();
    public_fields.insert("key_id".to_string(), FieldValue::Text("AKIAEXAMPLE".into()));
    public_fields.insert("use_ssl".to_string(), FieldValue::Bool(false));
    public_fields.insert("port".to_string(), FieldValue::Int(5432));
    SecretRecord {
        project: project.into(),
        name: name.into(),
        secret_type: "s3".into(),
        provider: "config".into(),
        scopes: vec!["s3://a".into(), "s3://b/c".into()],
        public_fields,
        sensitive_keys: vec!["secret".into()],
        sealed: SealedRecord {
            key_id: "local:1".into(),
            wrapped_key: vec![1, 2, 3, version as u8],
            nonce: vec![9; 12],
            ciphertext: vec![7; 33],
        },
        version,
        created_at: 1_700_000_000_000,
        created_by: "tester".into(),
        updated_at: 1_700_000_000_000 + version,
        updated_by: "tester".into(),
    }
}

/// A project for tests, created at `at` by `t`.
pub(crate) fn project(name: &str, at: i64) -> ProjectRecord {
    ProjectRecord {
        name: name.into(),
        created_at: at,
        created_by: "t".into(),
    }
}

/// A postgres data source for tests, with a secret and two options, read-only.
pub fn source(project: &str, name: &str, version: i64) -> SourceRecord {
    SourceRecord {
        project: project.into(),
        name: name.into(),
        source_type: "postgres".into(),
        secret: Some("pg_prod".into()),
        options: BTreeMap::from([
            ("path".to_string(), "host=db.internal dbname=sales".to_string()),
            ("schema".to_string(), "public".to_string()),
        ]),
        read_only: true,
        version,
        created_at: 1_700_000_000_000,
        created_by: "tester".into(),
        updated_at: 1_700_000_000_000 + version,
        updated_by: "tester".into(),
    }
}

/// An audit event for tests.
pub fn event(project: &str, object: &str, action: &str, at: i64) -> AuditEvent {
    AuditEvent {
        id: 0,
        at,
        actor: "tester".into(),
        token_name: Some("t1".into()),
        project: project.into(),
        object: object.into(),
        action: action.into(),
        result: "ok".into(),
        client: "127.0.0.1".into(),
        detail: None,
    }
}

pub(crate) fn identity(name: &str, project: Option<&str>) -> IdentityRecord {
    IdentityRecord {
        id: 0,
        name: name.into(),
        kind: if project.is_some() { "service_account" } else { "user" }.into(),
        superuser: false,
        project: project.map(str::to_string),
        created_at: 1,
        created_by: "tester".into(),
    }
}

pub(crate) fn grant(project: &str, identity_id: i64, role: &str) -> GrantRecord {
    GrantRecord {
        project: project.into(),
        identity_id,
        role: role.into(),
        granted_at: 2,
        granted_by: "tester".into(),
    }
}

/// A flight for tests: a command flight with a schedule and an ordered config.
pub fn flight(id: &str, project: &str, name: &str) -> FlightRecord {
    FlightRecord {
        id: id.into(),
        project: project.into(),
        name: name.into(),
        spec: FlightSpec {
            kind: FlightKind::Command,
            command: vec!["echo".into(), "hi there".into()],
            script: None,
            config: [("ZONE", "eu"), ("ALPHA", "1"), ("MIDDLE", "x=y")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            secrets: vec!["my_s3".into()],
            token_name: Some("runner".into()),
            schedule: Some("*/5 * * * *".into()),
            timezone: Some("Europe/Paris".into()),
            timeout_secs: Some(600),
            concurrency: 2,
            steps: vec![],
            runs_as_since: None,
            requirements: None,
            source_builds: false,
        },
        version: 1,
        owner: "alice".into(),
        owner_id: Some(7),
        created_at: 1_700_000_000_000,
        updated_at: 1_700_000_000_000,
        last_tick: None,
    }
}

/// A running run of `flight_id` for tests (its `run_number` is nonsense: the store gives it).
pub fn run(flight_id: &str) -> RunRecord {
    RunRecord {
        flight_id: flight_id.into(),
        run_number: 99,
        status: "running".into(),
        flight_version: 1,
        config: [("ZONE", "us"), ("ALPHA", "2")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        exit_code: None,
        trigger: "manual".into(),
        started_by: "alice".into(),
        started_at: 1_700_000_000_500,
        finished_at: None,
        message: None,
        runner: Some("host:42".into()),
        cancel_requested: false,
        scheduled_for: Some(1_700_000_000_000),
    }
}

pub(crate) fn chunk(stream: &str, at: i64, data: &[u8]) -> LogChunk {
    LogChunk {
        seq: 0,
        stream: stream.into(),
        at,
        data: data.to_vec(),
    }
}

pub(crate) fn end(status: &str, exit_code: Option<i32>) -> RunEnd {
    RunEnd {
        status: status.into(),
        exit_code,
        finished_at: 1_700_000_009_000,
        message: (status != "succeeded").then(|| format!("it {status}")),
    }
}

pub(crate) fn run_numbers(runs: &[RunRecord]) -> Vec<(String, i64)> {
    runs.iter().map(|r| (r.flight_id.clone(), r.run_number)).collect()
}
