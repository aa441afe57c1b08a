//! Authentication: the caller behind a token, and the first superuser of a new store.

use super::authz::Access;
use super::tokens::{hash, lineage_problem};
use crate::cache::CachedToken;
use crate::caller::Caller;
use crate::clock::now_ms;
use crate::error::{CoreError, Result};
use crate::types::access::NewToken;
use subtle::ConstantTimeEq;

/// How often a token's `last_used_at` is written at most (it is a minute off at worst).
const TOUCH_EVERY_MS: i64 = 60_000;

impl Access<'_> {
    /// See [`Service::authenticate`](crate::Service::authenticate).
    pub(crate) fn authenticate(&self, token: &str, client: &str) -> Result<Caller> {
        let bad = || CoreError::Unauthenticated("invalid token".into());
        let rest = token.strip_prefix("coffer_").ok_or_else(bad)?;
        let (public_id, _) = rest.split_once('_').ok_or_else(bad)?;
        if public_id.is_empty() || public_id.len() > 32 || !public_id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        let generation = self.cache.fresh(self.store)?;
        let cached = self.cache.lock().token(public_id);
        let cached = match cached {
            Some(c) => c,
            None => {
                let token = self.store.token_by_public_id(public_id)?.ok_or_else(bad)?;
                let identity = self.store.get_identity_by_id(token.identity_id)?.ok_or_else(bad)?;
                let ancestors = match token.parent_id {
                    Some(_) => self.store.token_ancestors(token.id)?,
                    None => Vec::new(),
                };
                let c = std::sync::Arc::new(CachedToken {
                    touched_at: token.last_used_at.unwrap_or(i64::MIN),
                    token,
                    ancestors,
                    identity,
                });
                self.cache.lock().put_token(generation, public_id, c.clone());
                c
            }
        };
        let record = &cached.token;
        if !bool::from(hash(token).ct_eq(&record.hash)) {
            return Err(bad());
        }
        let now = now_ms();
        if record.revoked_at.is_some() {
            return Err(CoreError::Unauthenticated(format!(
                "token '{}' was revoked",
                record.name
            )));
        }
        if record.expires_at.is_some_and(|e| e <= now) {
            return Err(CoreError::Unauthenticated(format!(
                "token '{}' expired; create a new token",
                record.name
            )));
        }
        if let Some((_, why)) = lineage_problem(record, &cached.ancestors, now) {
            return Err(CoreError::Unauthenticated(format!("token '{}' {why}", record.name)));
        }
        let identity = &cached.identity;
        if now.saturating_sub(cached.touched_at) >= TOUCH_EVERY_MS {
            // Token use changes no generation: the cached entry stays, with the new time.
            self.store.touch_token(record.id, now)?;
            let mut touched = (*cached).clone();
            touched.touched_at = now;
            self.cache
                .lock()
                .put_token(generation, public_id, std::sync::Arc::new(touched));
        }
        Ok(Caller {
            identity_id: Some(identity.id),
            name: identity.name.clone(),
            superuser: identity.superuser,
            token_name: Some(record.name.clone()),
            client: client.to_string(),
        })
    }

    /// See [`Service::bootstrap`](crate::Service::bootstrap).
    pub(crate) fn bootstrap(&self) -> Result<Option<NewToken>> {
        if !self.store.list_identities()?.is_empty() {
            return Ok(None);
        }
        let system = Caller {
            identity_id: None,
            name: "coffer".into(),
            superuser: true,
            token_name: None,
            client: "local".into(),
        };
        self.create_user(&system, "admin", true)?;
        Ok(Some(self.create_token(
            &system,
            Some("admin"),
            "admin-bootstrap",
            None,
        )?))
    }
}
