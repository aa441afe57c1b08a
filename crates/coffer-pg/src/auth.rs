//! Sign-in: PostgreSQL's cleartext password message carries an access token, checked as the
//! HTTP API checks tokens; the user must be the token's identity, the database a project it
//! has a role in. Audited (`session.signin` on `pg`), failures too; the connection limits
//! apply here.

use crate::conn::{lock, Conn, Login};
use crate::endpoint::PgEndpoint;
use crate::errors::fatal;
use async_trait::async_trait;
use coffer_core::{CoreError, Role};
use coffer_crypto::SecretString;
use pgwire::api::auth::{AuthSource, LoginInfo, Password};
use pgwire::error::{PgWireError, PgWireResult};
use std::sync::Arc;

/// The project of a connection that names no database.
pub(crate) const DEFAULT_PROJECT: &str = "default";

/// Checks a connection's token.
pub(crate) struct TokenAuth {
    pub endpoint: Arc<PgEndpoint>,
    pub conn: Arc<Conn>,
}

impl std::fmt::Debug for TokenAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenAuth")
            .field("client", &self.conn.client)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl AuthSource for TokenAuth {
    async fn get_password(&self, _login: &LoginInfo) -> PgWireResult<Password> {
        // Never asked: `verify_password` checks the token itself.
        Err(PgWireError::ApiError("tokens are verified, not looked up".into()))
    }

    async fn verify_password(&self, login: &LoginInfo, presented: &[u8]) -> PgWireResult<Option<()>> {
        let user = login.user().unwrap_or_default().to_string();
        let project = login
            .database()
            .filter(|d| !d.is_empty() && *d != user)
            .unwrap_or(DEFAULT_PROJECT)
            .to_string();
        let token = SecretString::from(String::from_utf8_lossy(presented).trim());
        let service = self.endpoint.backend.service.clone();
        let client = self.conn.client.ip().to_string();
        let (u, p, t) = (user.clone(), project.clone(), token.duplicate());
        let checked = tokio::task::spawn_blocking(
            move || -> Result<Result<coffer_core::Caller, (String, String)>, CoreError> {
                let caller = match service.authenticate(t.expose_secret(), &client) {
                    Ok(c) => c,
                    Err(e) => {
                        let why = match &e {
                            CoreError::Unauthenticated(m) => m.clone(),
                            _ => "the token could not be checked".into(),
                        };
                        service.audit_sign_in("pg", None, &client, "denied", Some(why.clone()))?;
                        return Ok(Err((
                            "28P01".into(),
                            format!("password authentication failed for user \"{u}\": {why}"),
                        )));
                    }
                };
                if caller.name != u {
                    let why = format!("the token belongs to '{}', not '{u}'", caller.name);
                    service.audit_sign_in("pg", Some(&caller), &client, "denied", Some(why.clone()))?;
                    return Ok(Err((
                        "28P01".into(),
                        format!("password authentication failed for user \"{u}\": {why}"),
                    )));
                }
                if !service.has_role(&caller, &p, Role::Read)? {
                    let why = format!("'{u}' has no role in project '{p}' (or it does not exist)");
                    service.audit_sign_in("pg", Some(&caller), &client, "denied", Some(why.clone()))?;
                    return Ok(Err((
                        "3D000".into(),
                        format!("database \"{p}\" is not available: {why}"),
                    )));
                }
                service.audit_sign_in("pg", Some(&caller), &client, "ok", Some(format!("project {p}")))?;
                Ok(Ok(caller))
            },
        )
        .await
        .map_err(|e| PgWireError::ApiError(Box::new(e)))?;
        let caller = match checked {
            Err(e) => {
                tracing::error!("pg sign-in: {e}");
                return Err(fatal(
                    "58000",
                    "the sign-in could not be recorded in the audit log; try again later",
                ));
            }
            // PostgreSQL's own words for a bad password; the reason is in the audit log.
            Ok(Err((code, _))) if code == "28P01" => return Err(PgWireError::InvalidPassword(user)),
            Ok(Err((code, message))) => return Err(fatal(&code, message)),
            Ok(Ok(c)) => c,
        };
        self.endpoint.admit(&caller.name)?;
        *lock(&self.conn.login) = Some(Login { caller, token, project });
        Ok(Some(()))
    }
}
