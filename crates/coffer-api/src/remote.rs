//! [`Remote`]: the API through a `coffer serve` server, over HTTP (ureq). Each method is one
//! request: its path and query, its body serialized, the answer deserialized, an error answer
//! as [`Error::Server`]. No mapping happens here; the server's [`crate::Local`] does it.

use crate::api::CofferApi;
use crate::error::{Error, Result};
use crate::resolved::ResolvedEnv;
use crate::types::{
    AuditQuery, CreateSecretBody, CreateSecretResponse, CreateSourceBody, CreateSourceResponse, DropResponse,
    DropSourceResponse, EnvBody, EnvResponse, ErrorBody, FlightCreateBody, FlightSavedResponse, FlightUpdateBody,
    GrantBody, LogResponse, ProjectBody, RollbackBody, RunBody, ServiceAccountBody, SqlBody, SqlResponse, TokenBody,
    TokenCreated, UserBody, WhichResponse, WhoAmI,
};
use coffer_core::{
    AuditInfo, FlightInfo, FlightVersionInfo, IdentityInfo, KeyUsage, MemberInfo, ProjectInfo, PruneReport,
    RotationReport, RunInfo, SecretInfo, SecretVersionInfo, SourceInfo, TokenInfo,
};
use coffer_crypto::{SecretBytes, SecretString};
use coffer_model::Storage;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::time::Duration;

/// What pruning keys through a server answers.
const NO_REMOTE_PRUNE: &str = "pruning keys works on the embedded store only (the key file is on the server's machine); unset COFFER_URL (or drop --server) there";

/// The API through the `coffer serve` server at a URL, with a bearer token.
pub struct Remote {
    base: String,
    token: SecretString,
    agent: ureq::Agent,
}

impl std::fmt::Debug for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Remote")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

/// A name in a path: names are `[A-Za-z0-9._-]`; anything else is percent-encoded so that the
/// server can refuse it.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"._-".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn source_path(project: &str, name: &str) -> String {
    format!("/v1/projects/{}/sources/{}", enc(project), enc(name))
}

fn flight_path(project: &str, flight: &str) -> String {
    format!("/v1/projects/{}/flights/{}", enc(project), enc(flight))
}

/// `body` as JSON, written into a buffer of its exact size (counted first, so that it never
/// grows and leaves a copy behind) that is zeroized on drop: a body can hold values (the
/// fields of a secret, SQL with CREATE SECRET).
fn json<B: Serialize>(body: &B) -> Result<SecretBytes> {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0 += b.len();
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let bad = |e: serde_json::Error| Error::Transport {
        message: "cannot write the request".into(),
        source: Some(Box::new(e)),
    };
    let mut count = Count(0);
    serde_json::to_writer(&mut count, body).map_err(bad)?;
    let mut out = SecretBytes::new(Vec::with_capacity(count.0));
    serde_json::to_writer(out.expose_secret_mut(), body).map_err(bad)?;
    Ok(out)
}

impl Remote {
    /// A client of the server at `url` using `token`.
    ///
    /// # Errors
    /// [`Error::Usage`] for a URL that is not http(s).
    pub fn new(url: &str, token: SecretString) -> Result<Self> {
        let base = url.trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(Error::Usage(format!(
                "invalid server URL '{url}': it must start with http:// or https://"
            )));
        }
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(Duration::from_secs(5))
            .timeout(Duration::from_secs(60))
            .build();
        Ok(Remote { base, token, agent })
    }

    fn call<T: DeserializeOwned>(&self, method: &str, path: &str, body: Option<&SecretBytes>) -> Result<T> {
        let url = format!("{}{path}", self.base);
        let mut bearer = SecretString::with_capacity(7 + self.token.len());
        bearer.push_str("Bearer ");
        // Leaves the process: the request's Authorization header.
        bearer.push_str(self.token.expose_secret());
        let req = self
            .agent
            .request(method, &url)
            .set("Authorization", bearer.expose_secret());
        drop(bearer);
        let resp = match body {
            // Leaves the process: the request's body.
            Some(b) => req
                .set("Content-Type", "application/json")
                .send_bytes(b.expose_secret()),
            None => req.call(),
        };
        match resp {
            Ok(r) => {
                if r.status() == 204 {
                    return serde_json::from_value(serde_json::Value::Null).map_err(|e| Error::Transport {
                        message: "the server's answer".into(),
                        source: Some(Box::new(e)),
                    });
                }
                r.into_json::<T>().map_err(|e| Error::Transport {
                    message: format!("cannot read the server's answer to {method} {path}"),
                    source: Some(Box::new(e)),
                })
            }
            Err(ureq::Error::Status(status, r)) => {
                let body = r.into_json::<ErrorBody>().unwrap_or_else(|_| ErrorBody {
                    code: "internal".into(),
                    message: format!("the server answered HTTP {status} to {method} {path}"),
                    field: None,
                    role_needed: None,
                    hint: None,
                });
                Err(Error::Server {
                    status,
                    body: Box::new(body),
                })
            }
            Err(e) => Err(Error::Transport {
                message: format!("cannot reach the coffer server at {}: {e}", self.base),
                source: None,
            }),
        }
    }

    fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        self.call("GET", path, None)
    }

    fn send<B: Serialize, T: DeserializeOwned>(&self, method: &str, path: &str, body: &B) -> Result<T> {
        self.call(method, path, Some(&json(body)?))
    }

    /// A request whose answer has no body (204).
    fn no_content(&self, method: &str, path: &str) -> Result<()> {
        self.call::<serde_json::Value>(method, path, None).map(drop)
    }
}

impl CofferApi for Remote {
    fn whoami(&self) -> Result<WhoAmI> {
        self.get("/v1/whoami")
    }

    fn list_projects(&self) -> Result<Vec<ProjectInfo>> {
        self.get("/v1/projects")
    }

    fn create_project(&self, body: ProjectBody) -> Result<ProjectInfo> {
        self.send("POST", "/v1/projects", &body)
    }

    fn delete_project(&self, project: &str, force: bool) -> Result<()> {
        self.no_content("DELETE", &format!("/v1/projects/{}?force={force}", enc(project)))
    }

    fn list_secrets(&self, project: &str) -> Result<Vec<SecretInfo>> {
        self.get(&format!("/v1/projects/{}/secrets", enc(project)))
    }

    fn create_secret(&self, project: &str, body: CreateSecretBody) -> Result<CreateSecretResponse> {
        self.send("POST", &format!("/v1/projects/{}/secrets", enc(project)), &body)
    }

    fn secret_info(&self, project: &str, name: &str, storage: Option<Storage>) -> Result<SecretInfo> {
        self.get(&format!(
            "/v1/projects/{}/secrets/{}{}",
            enc(project),
            enc(name),
            storage.map(|s| format!("?storage={}", s.name())).unwrap_or_default()
        ))
    }

    fn drop_secret(
        &self,
        project: &str,
        name: &str,
        if_exists: bool,
        storage: Option<Storage>,
    ) -> Result<DropResponse> {
        let path = format!(
            "/v1/projects/{}/secrets/{}?if_exists={if_exists}{}",
            enc(project),
            enc(name),
            storage.map(|s| format!("&storage={}", s.name())).unwrap_or_default()
        );
        self.call("DELETE", &path, None)
    }

    fn secret_history(&self, project: &str, name: &str) -> Result<Vec<SecretVersionInfo>> {
        self.get(&format!("/v1/projects/{}/secrets/{}/versions", enc(project), enc(name)))
    }

    fn rollback_secret(&self, project: &str, name: &str, body: RollbackBody) -> Result<SecretInfo> {
        let path = format!("/v1/projects/{}/secrets/{}/rollback", enc(project), enc(name));
        self.send("POST", &path, &body)
    }

    fn which_secret(&self, project: &str, path: &str, secret_type: &str) -> Result<WhichResponse> {
        self.get(&format!(
            "/v1/projects/{}/which?path={}&type={}",
            enc(project),
            enc(path),
            enc(secret_type)
        ))
    }

    fn resolve_env(&self, project: &str, body: EnvBody) -> Result<ResolvedEnv> {
        let out: EnvResponse = self.send("POST", &format!("/v1/projects/{}/env", enc(project)), &body)?;
        out.into_resolved()
    }

    fn list_sources(&self, project: &str) -> Result<Vec<SourceInfo>> {
        self.get(&format!("/v1/projects/{}/sources", enc(project)))
    }

    fn create_source(&self, project: &str, body: CreateSourceBody) -> Result<CreateSourceResponse> {
        self.send("POST", &format!("/v1/projects/{}/sources", enc(project)), &body)
    }

    fn get_source(&self, project: &str, name: &str) -> Result<SourceInfo> {
        self.get(&source_path(project, name))
    }

    fn drop_source(&self, project: &str, name: &str, if_exists: bool) -> Result<DropSourceResponse> {
        let path = format!("{}?if_exists={if_exists}", source_path(project, name));
        self.call("DELETE", &path, None)
    }

    fn run_sql(&self, project: &str, body: SqlBody) -> Result<SqlResponse> {
        self.send("POST", &format!("/v1/projects/{}/sql", enc(project)), &body)
    }

    fn list_members(&self, project: &str) -> Result<Vec<MemberInfo>> {
        self.get(&format!("/v1/projects/{}/members", enc(project)))
    }

    fn grant(&self, project: &str, identity: &str, body: GrantBody) -> Result<MemberInfo> {
        let path = format!("/v1/projects/{}/members/{}", enc(project), enc(identity));
        self.send("PUT", &path, &body)
    }

    fn revoke_grant(&self, project: &str, identity: &str) -> Result<()> {
        self.no_content(
            "DELETE",
            &format!("/v1/projects/{}/members/{}", enc(project), enc(identity)),
        )
    }

    fn create_service_account(&self, project: &str, body: ServiceAccountBody) -> Result<IdentityInfo> {
        self.send(
            "POST",
            &format!("/v1/projects/{}/service-accounts", enc(project)),
            &body,
        )
    }

    fn list_identities(&self) -> Result<Vec<IdentityInfo>> {
        self.get("/v1/identities")
    }

    fn create_user(&self, body: UserBody) -> Result<IdentityInfo> {
        self.send("POST", "/v1/users", &body)
    }

    fn list_tokens(&self) -> Result<Vec<TokenInfo>> {
        self.get("/v1/tokens")
    }

    fn create_token(&self, body: TokenBody) -> Result<TokenCreated> {
        self.send("POST", "/v1/tokens", &body)
    }

    fn revoke_token(&self, name: &str) -> Result<TokenInfo> {
        self.call("DELETE", &format!("/v1/tokens/{}", enc(name)), None)
    }

    fn list_audit(&self, query: AuditQuery) -> Result<Vec<AuditInfo>> {
        let mut q: Vec<String> = query.limit.map(|l| format!("limit={l}")).into_iter().collect();
        for (k, v) in [
            ("project", &query.project),
            ("secret", &query.secret),
            ("actor", &query.actor),
            ("since", &query.since),
            ("from", &query.from),
            ("to", &query.to),
            ("before_id", &query.before_id.map(|i| i.to_string())),
        ] {
            if let Some(v) = v {
                q.push(format!("{k}={}", enc(v)));
            }
        }
        self.get(&format!("/v1/audit?{}", q.join("&")))
    }

    fn key_status(&self) -> Result<Vec<KeyUsage>> {
        self.get("/v1/keys")
    }

    fn rotate_keys(&self) -> Result<RotationReport> {
        self.send("POST", "/v1/keys/rotate", &serde_json::json!({}))
    }

    fn prune_keys(&self) -> Result<PruneReport> {
        Err(Error::Usage(NO_REMOTE_PRUNE.into()))
    }

    fn list_flights(&self, project: &str) -> Result<Vec<FlightInfo>> {
        self.get(&format!("/v1/projects/{}/flights", enc(project)))
    }

    fn create_flight(&self, project: &str, body: FlightCreateBody) -> Result<FlightSavedResponse> {
        self.send("POST", &format!("/v1/projects/{}/flights", enc(project)), &body)
    }

    fn get_flight(&self, project: &str, flight: &str) -> Result<FlightInfo> {
        self.get(&flight_path(project, flight))
    }

    fn list_flight_versions(&self, project: &str, flight: &str) -> Result<Vec<FlightVersionInfo>> {
        self.get(&format!("{}/versions", flight_path(project, flight)))
    }

    fn get_flight_version(&self, project: &str, flight: &str, version: i64) -> Result<FlightInfo> {
        self.get(&format!("{}/versions/{version}", flight_path(project, flight)))
    }

    fn update_flight(&self, project: &str, flight: &str, body: FlightUpdateBody) -> Result<FlightSavedResponse> {
        self.send("PATCH", &flight_path(project, flight), &body)
    }

    fn delete_flight(&self, project: &str, flight: &str) -> Result<()> {
        self.no_content("DELETE", &flight_path(project, flight))
    }

    fn run_flight(
        &self,
        project: &str,
        flight: &str,
        body: RunBody,
        _sink: coffer_flights::Sink<'_>,
    ) -> Result<RunInfo> {
        self.send("POST", &format!("{}/runs", flight_path(project, flight)), &body)
    }

    fn list_runs(&self, project: &str, flight: &str, limit: usize) -> Result<Vec<RunInfo>> {
        self.get(&format!("{}/runs?limit={limit}", flight_path(project, flight)))
    }

    fn get_run(&self, project: &str, flight: &str, run: i64) -> Result<RunInfo> {
        self.get(&format!("{}/runs/{run}", flight_path(project, flight)))
    }

    fn run_log(&self, project: &str, flight: &str, run: i64, after: i64, limit: usize) -> Result<LogResponse> {
        self.get(&format!(
            "{}/runs/{run}/logs?after={after}&limit={limit}",
            flight_path(project, flight)
        ))
    }

    fn cancel_run(&self, project: &str, flight: &str, run: i64) -> Result<RunInfo> {
        self.call(
            "POST",
            &format!("{}/runs/{run}/cancel", flight_path(project, flight)),
            None,
        )
    }
}
