//! Each run's own `COFFER_TOKEN`: minted at start (a child of the flight's token, when it
//! names one), revoked when the run ends or is failed.

use super::part::Flights;
use crate::access::{hash, random_hex, RUN_TOKEN_PREFIX};
use crate::caller::Caller;
use crate::clock::now_ms;
use crate::error::{CoreError, Result};
use coffer_crypto::SecretString;
use coffer_store::{AuditEvent, FlightRecord, RunRecord, TokenRecord};

/// The name [`Service::start_run`](crate::Service::start_run) gives a run's own token.
pub(crate) fn run_token_name(flight_id: &str, run_number: i64) -> String {
    format!("{}{}.{run_number}", RUN_TOKEN_PREFIX, flight_id.replace('-', ""))
}

impl Flights<'_> {
    /// A token of `identity_id` for one run, expiring after the run's timeout (a day when it
    /// has none) and revoked when the run ends. When the run acts through the flight's token
    /// `parent`, the run's token is its child: it expires no later and is revoked with it.
    pub(super) fn mint_run_token(
        &self,
        f: &FlightRecord,
        run: &RunRecord,
        identity_id: i64,
        parent: Option<&str>,
    ) -> Result<(String, SecretString)> {
        let name = run_token_name(&f.id, run.run_number);
        let public_id = random_hex(8);
        let token = SecretString::from(format!("coffer_{public_id}_{}", random_hex(32)));
        let now = now_ms();
        let life_ms = f
            .spec
            .timeout_secs
            .map_or(24 * 3600 * 1000, |s| (s as i64 + 300) * 1000);
        let parent = match parent {
            Some(p) => Some(
                self.store
                    .get_token(p)?
                    .ok_or_else(|| CoreError::Missing(format!("token '{p}' no longer exists")))?,
            ),
            None => None,
        };
        let expires_at = match &parent {
            Some(p) => self.access.capped_expiry(p, Some(now.saturating_add(life_ms)))?.0,
            None => Some(now.saturating_add(life_ms)),
        };
        let rec = TokenRecord {
            id: 0,
            public_id,
            identity_id,
            name: name.clone(),
            hash: hash(token.expose_secret()),
            created_at: now,
            created_by: format!("flight:{}#{}", f.name, run.run_number),
            expires_at,
            last_used_at: None,
            revoked_at: None,
            parent_id: parent.as_ref().map(|p| p.id),
        };
        let ev = AuditEvent {
            id: 0,
            at: now,
            actor: format!("flight:{}", f.name),
            token_name: None,
            project: f.project.clone(),
            object: format!("token:{name}"),
            action: "token.create".into(),
            result: "ok".into(),
            client: "flight-runner".into(),
            detail: Some(format!("run token of run {}", run.run_number)),
        };
        self.store.create_token(&rec, &[ev])?;
        Ok((name, token))
    }

    /// Revokes the token minted for `run`, if it is still valid: the run is over as far as
    /// coffer knows, and its token must not outlive it.
    pub(crate) fn revoke_run_token(&self, run: &RunRecord, caller: &Caller, project: &str, why: &str) -> Result<()> {
        let token = run_token_name(&run.flight_id, run.run_number);
        if self.store.get_token(&token)?.is_some_and(|t| t.revoked_at.is_none()) {
            let ev = AuditEvent {
                id: 0,
                at: now_ms(),
                actor: caller.name.clone(),
                token_name: None,
                project: project.to_string(),
                object: format!("token:{token}"),
                action: "token.revoke".into(),
                result: "ok".into(),
                client: caller.client.clone(),
                detail: Some(why.into()),
            };
            self.store.revoke_token(&token, now_ms(), &|_| vec![ev.clone()])?;
        }
        Ok(())
    }
}
