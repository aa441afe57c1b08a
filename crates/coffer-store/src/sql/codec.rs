//! The tables' column lists and the codecs of their rows: each `*_row` reads the columns of
//! its list, in that order, and turns a JSON column that cannot be read into
//! [`StoreError::Corrupt`]. Also the errors every backend words the same way.

use super::value::{args, Row, Value};
use crate::error::{Result, StoreError};
use crate::records::{
    AuditEvent, FlightRecord, FlightVersionRecord, GrantRecord, IdentityRecord, LogChunk, NodeRecord, ProjectRecord,
    RunRecord, SealedRecord, SecretRecord, SourceRecord, TokenRecord,
};

/// The columns of `secrets` and `secret_versions`, as [`secret_row`] reads them.
pub const SECRET_COLUMNS: &str = "project, name, secret_type, provider, scopes, public_fields, sensitive_keys, \
     key_id, wrapped_key, nonce, ciphertext, version, created_at, created_by, updated_at, updated_by";
/// The columns of `projects`, as [`project_row`] reads them.
pub const PROJECT_COLUMNS: &str = "name, created_at, created_by";
/// The columns of `identities`, as [`identity_row`] reads them.
pub const IDENTITY_COLUMNS: &str = "id, name, kind, superuser, project, created_at, created_by";
/// The columns of `tokens`, as [`token_row`] reads them.
pub const TOKEN_COLUMNS: &str = "id, public_id, identity_id, name, hash, created_at, created_by, expires_at, \
     last_used_at, revoked_at, parent_token_id";
/// The columns of `grants`, as [`grant_row`] reads them.
pub const GRANT_COLUMNS: &str = "project, identity_id, role, granted_at, granted_by";
/// The columns of `audit_events`, as [`audit_row`] reads them.
pub const AUDIT_COLUMNS: &str = "id, at, actor, token_name, project, object, action, result, client, detail";
/// The columns of `flights`, as [`flight_row`] reads them.
pub const FLIGHT_COLUMNS: &str = "id, project, name, spec, version, owner, owner_id, created_at, updated_at, last_tick";
/// The columns of `flight_versions`, as [`flight_version_row`] reads them.
pub const FLIGHT_VERSION_COLUMNS: &str = "flight_id, version, spec, created_at, created_by";
/// The columns of `flight_runs`, as [`run_row`] reads them.
pub const RUN_COLUMNS: &str = "flight_id, run_number, status, flight_version, config, exit_code, \"trigger\", \
     started_by, started_at, finished_at, message, runner, cancel_requested, scheduled_for";
/// The columns of `flight_run_logs` that [`chunk_row`] reads.
pub const CHUNK_COLUMNS: &str = "seq, stream, at, data";
/// The columns of `sources`, as [`source_row`] reads them.
pub const SOURCE_COLUMNS: &str = "project, name, source_type, secret, options, read_only, version, created_at, \
     created_by, updated_at, updated_by";
/// The columns of `nodes`, as [`node_row`] reads them.
pub const NODE_COLUMNS: &str = "id, started_at, heartbeat_at, url";

/// `v` as JSON text, for a JSON column.
///
/// # Errors
/// [`StoreError::Backend`] (a value serde cannot write).
pub fn json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Backend(e.to_string()))
}

/// The error of an insert whose name is taken.
pub fn conflict(what: &str, name: &str) -> StoreError {
    StoreError::Conflict {
        name: name.to_string(),
        what: format!("already exists (a {what} of that name)"),
    }
}

/// The error of a write whose expected version does not hold: `found` is the stored version.
pub(crate) fn moved(name: &str, found: Option<i64>, moved: impl FnOnce(i64) -> String) -> StoreError {
    StoreError::Conflict {
        name: name.to_string(),
        what: match found {
            Some(v) => moved(v),
            None => "does not exist".into(),
        },
    }
}

/// The parameters of a token's columns after its id ([`TOKEN_COLUMNS`] from `public_id`).
pub(crate) fn token_args(t: &TokenRecord) -> [Value<'_>; 10] {
    args![
        &t.public_id,
        t.identity_id,
        &t.name,
        &t.hash,
        t.created_at,
        &t.created_by,
        t.expires_at,
        t.last_used_at,
        t.revoked_at,
        t.parent_id,
    ]
}

/// The parameters of an audit event's columns after its id ([`AUDIT_COLUMNS`] from `at`).
pub(crate) fn audit_args(e: &AuditEvent) -> [Value<'_>; 9] {
    args![
        e.at,
        &e.actor,
        &e.token_name,
        &e.project,
        &e.object,
        &e.action,
        &e.result,
        &e.client,
        &e.detail,
    ]
}

/// `id`, then `rest`.
pub(crate) fn with_id<'a>(id: i64, rest: impl IntoIterator<Item = Value<'a>>) -> Vec<Value<'a>> {
    std::iter::once(Value::from(id)).chain(rest).collect()
}

/// A row of [`SECRET_COLUMNS`].
///
/// # Errors
/// [`StoreError::Corrupt`] when a JSON column cannot be read; [`StoreError::Backend`].
pub fn secret_row(r: &dyn Row) -> Result<SecretRecord> {
    let name: String = r.get(1)?;
    let corrupt = |what: &str| StoreError::Corrupt {
        name: name.clone(),
        reason: format!("{what} is not valid JSON"),
    };
    let scopes: String = r.get(4)?;
    let public: String = r.get(5)?;
    let sensitive: String = r.get(6)?;
    let scopes = serde_json::from_str(&scopes).map_err(|_| corrupt("scopes"))?;
    let public_fields = serde_json::from_str(&public).map_err(|_| corrupt("public_fields"))?;
    let sensitive_keys = serde_json::from_str(&sensitive).map_err(|_| corrupt("sensitive_keys"))?;
    Ok(SecretRecord {
        project: r.get(0)?,
        secret_type: r.get(2)?,
        provider: r.get(3)?,
        scopes,
        public_fields,
        sensitive_keys,
        sealed: SealedRecord {
            key_id: r.get(7)?,
            wrapped_key: r.get(8)?,
            nonce: r.get(9)?,
            ciphertext: r.get(10)?,
        },
        version: r.get(11)?,
        created_at: r.get(12)?,
        created_by: r.get(13)?,
        updated_at: r.get(14)?,
        updated_by: r.get(15)?,
        name,
    })
}

/// A row of [`PROJECT_COLUMNS`].
///
/// # Errors
/// [`StoreError::Backend`].
pub fn project_row(r: &dyn Row) -> Result<ProjectRecord> {
    Ok(ProjectRecord {
        name: r.get(0)?,
        created_at: r.get(1)?,
        created_by: r.get(2)?,
    })
}

/// A row of [`IDENTITY_COLUMNS`].
///
/// # Errors
/// [`StoreError::Backend`].
pub fn identity_row(r: &dyn Row) -> Result<IdentityRecord> {
    Ok(IdentityRecord {
        id: r.get(0)?,
        name: r.get(1)?,
        kind: r.get(2)?,
        superuser: r.get(3)?,
        project: r.get(4)?,
        created_at: r.get(5)?,
        created_by: r.get(6)?,
    })
}

/// A row of [`TOKEN_COLUMNS`].
///
/// # Errors
/// [`StoreError::Backend`].
pub fn token_row(r: &dyn Row) -> Result<TokenRecord> {
    Ok(TokenRecord {
        id: r.get(0)?,
        public_id: r.get(1)?,
        identity_id: r.get(2)?,
        name: r.get(3)?,
        hash: r.get(4)?,
        created_at: r.get(5)?,
        created_by: r.get(6)?,
        expires_at: r.get(7)?,
        last_used_at: r.get(8)?,
        revoked_at: r.get(9)?,
        parent_id: r.get(10)?,
    })
}

/// A row of [`GRANT_COLUMNS`].
///
/// # Errors
/// [`StoreError::Backend`].
pub fn grant_row(r: &dyn Row) -> Result<GrantRecord> {
    Ok(GrantRecord {
        project: r.get(0)?,
        identity_id: r.get(1)?,
        role: r.get(2)?,
        granted_at: r.get(3)?,
        granted_by: r.get(4)?,
    })
}

/// A row of [`AUDIT_COLUMNS`].
///
/// # Errors
/// [`StoreError::Backend`].
pub fn audit_row(r: &dyn Row) -> Result<AuditEvent> {
    Ok(AuditEvent {
        id: r.get(0)?,
        at: r.get(1)?,
        actor: r.get(2)?,
        token_name: r.get(3)?,
        project: r.get(4)?,
        object: r.get(5)?,
        action: r.get(6)?,
        result: r.get(7)?,
        client: r.get(8)?,
        detail: r.get(9)?,
    })
}

/// A row of [`FLIGHT_COLUMNS`].
///
/// # Errors
/// [`StoreError::Corrupt`] when the spec cannot be read; [`StoreError::Backend`].
pub fn flight_row(r: &dyn Row) -> Result<FlightRecord> {
    let name: String = r.get(2)?;
    let spec: String = r.get(3)?;
    let spec = serde_json::from_str(&spec).map_err(|_| StoreError::Corrupt {
        name: name.clone(),
        reason: "spec is not a valid flight definition (JSON)".into(),
    })?;
    Ok(FlightRecord {
        id: r.get(0)?,
        project: r.get(1)?,
        name,
        spec,
        version: r.get(4)?,
        owner: r.get(5)?,
        owner_id: r.get(6)?,
        created_at: r.get(7)?,
        updated_at: r.get(8)?,
        last_tick: r.get(9)?,
    })
}

/// A row of [`FLIGHT_VERSION_COLUMNS`].
///
/// # Errors
/// [`StoreError::Corrupt`] when the spec cannot be read; [`StoreError::Backend`].
pub fn flight_version_row(r: &dyn Row) -> Result<FlightVersionRecord> {
    let flight_id: String = r.get(0)?;
    let version: i64 = r.get(1)?;
    let spec: String = r.get(2)?;
    let spec = serde_json::from_str(&spec).map_err(|_| StoreError::Corrupt {
        name: format!("flight {flight_id} version {version}"),
        reason: "spec is not a valid flight definition (JSON)".into(),
    })?;
    Ok(FlightVersionRecord {
        flight_id,
        version,
        spec,
        created_at: r.get(3)?,
        created_by: r.get(4)?,
    })
}

/// A row of [`RUN_COLUMNS`].
///
/// # Errors
/// [`StoreError::Corrupt`] when the config cannot be read; [`StoreError::Backend`].
pub fn run_row(r: &dyn Row) -> Result<RunRecord> {
    let flight_id: String = r.get(0)?;
    let run_number: i64 = r.get(1)?;
    let config: String = r.get(4)?;
    let config = serde_json::from_str(&config).map_err(|_| StoreError::Corrupt {
        name: format!("flight {flight_id} run {run_number}"),
        reason: "config is not valid JSON".into(),
    })?;
    Ok(RunRecord {
        flight_id,
        run_number,
        status: r.get(2)?,
        flight_version: r.get(3)?,
        config,
        exit_code: r.get(5)?,
        trigger: r.get(6)?,
        started_by: r.get(7)?,
        started_at: r.get(8)?,
        finished_at: r.get(9)?,
        message: r.get(10)?,
        runner: r.get(11)?,
        cancel_requested: r.get(12)?,
        scheduled_for: r.get(13)?,
    })
}

/// A row of [`CHUNK_COLUMNS`], from column `at` on.
///
/// # Errors
/// [`StoreError::Backend`].
pub fn chunk_row_at(r: &dyn Row, at: usize) -> Result<LogChunk> {
    Ok(LogChunk {
        seq: r.get(at)?,
        stream: r.get(at + 1)?,
        at: r.get(at + 2)?,
        data: r.get(at + 3)?,
    })
}

/// A row of [`CHUNK_COLUMNS`].
///
/// # Errors
/// [`StoreError::Backend`].
pub fn chunk_row(r: &dyn Row) -> Result<LogChunk> {
    chunk_row_at(r, 0)
}

/// The parameters of a source's columns ([`SOURCE_COLUMNS`]), its options written as `options`
/// (JSON text).
pub(crate) fn source_args<'a>(s: &'a SourceRecord, options: &'a str) -> [Value<'a>; 11] {
    args![
        &s.project,
        &s.name,
        &s.source_type,
        &s.secret,
        options,
        s.read_only,
        s.version,
        s.created_at,
        &s.created_by,
        s.updated_at,
        &s.updated_by,
    ]
}

/// A row of [`SOURCE_COLUMNS`].
///
/// # Errors
/// [`StoreError::Corrupt`] when the options cannot be read; [`StoreError::Backend`].
pub fn source_row(r: &dyn Row) -> Result<SourceRecord> {
    let name: String = r.get(1)?;
    let options: String = r.get(4)?;
    let options = serde_json::from_str(&options).map_err(|_| StoreError::Corrupt {
        name: name.clone(),
        reason: "options is not a JSON object of text values".into(),
    })?;
    Ok(SourceRecord {
        project: r.get(0)?,
        name,
        source_type: r.get(2)?,
        secret: r.get(3)?,
        options,
        read_only: r.get(5)?,
        version: r.get(6)?,
        created_at: r.get(7)?,
        created_by: r.get(8)?,
        updated_at: r.get(9)?,
        updated_by: r.get(10)?,
    })
}

/// A row of [`NODE_COLUMNS`].
///
/// # Errors
/// [`StoreError::Backend`].
pub fn node_row(r: &dyn Row) -> Result<NodeRecord> {
    Ok(NodeRecord {
        id: r.get(0)?,
        started_at: r.get(1)?,
        heartbeat_at: r.get(2)?,
        url: r.get(3)?,
    })
}
