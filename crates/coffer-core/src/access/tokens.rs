//! Access tokens: create (a child of the caller's token), list with their lineage, revoke
//! with every token below.

use super::authz::{check_name, map_conflict, Access, SERVER_PROJECT};
use super::identities::owner_project;
use crate::caller::{Caller, Role};
use crate::clock::now_ms;
use crate::error::{CoreError, Result};
use crate::types::access::{NewToken, TokenInfo};
use coffer_crypto::SecretString;
use coffer_model::hint::Hint;
use coffer_store::{AuditEvent, IdentityRecord, TokenRecord};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// The prefix of the names of flight runs' tokens, which no one else may use.
pub const RUN_TOKEN_PREFIX: &str = "run.";

/// Whether `name` is the name of a flight run's token.
pub fn is_run_token(name: &str) -> bool {
    name.get(..RUN_TOKEN_PREFIX.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(RUN_TOKEN_PREFIX))
}

/// Why `t` stops working because of a token above it (`ancestors`, nearest first): the status
/// it shows (`revoked` or `expired`) and a message; `None` when every token above it is valid.
pub(super) fn lineage_problem(t: &TokenRecord, ancestors: &[TokenRecord], now: i64) -> Option<(&'static str, String)> {
    for a in ancestors {
        if a.revoked_at.is_some() {
            return Some(("revoked", format!("was revoked with token '{}', above it", a.name)));
        }
        if a.expires_at.is_some_and(|e| e <= now) {
            return Some(("expired", format!("expired with token '{}', above it", a.name)));
        }
    }
    if ancestors.last().map_or(t.parent_id, |a| a.parent_id).is_some() {
        return Some(("revoked", "was revoked: a token above it no longer exists".into()));
    }
    None
}

/// The tokens above `t` in `by_id`, nearest first (a store's `token_ancestors`, from a list).
fn ancestors_in(t: &TokenRecord, by_id: &std::collections::HashMap<i64, &TokenRecord>) -> Vec<TokenRecord> {
    let mut out: Vec<TokenRecord> = Vec::new();
    let mut next = t.parent_id;
    while let Some(p) = next.and_then(|id| by_id.get(&id)) {
        if p.id == t.id || out.iter().any(|a| a.id == p.id) {
            break;
        }
        next = p.parent_id;
        out.push((*p).clone());
    }
    out
}

/// The hash stored for `token` (SHA-256).
pub(crate) fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// `bytes` random bytes from the OS, in hex.
pub(crate) fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

impl Access<'_> {
    /// See [`Service::create_token`](crate::Service::create_token).
    pub(crate) fn create_token(
        &self,
        caller: &Caller,
        owner: Option<&str>,
        name: &str,
        expires_in_ms: Option<i64>,
    ) -> Result<NewToken> {
        let owner = match owner {
            Some(o) => self.identity(o)?,
            None => match caller.identity_id {
                Some(id) => self
                    .store
                    .get_identity_by_id(id)?
                    .ok_or_else(|| CoreError::Unauthenticated("the caller no longer exists".into()))?,
                None => {
                    return Err(CoreError::Usage(
                        "whose token this is is not said (local mode acts as no identity)".into(),
                    )
                    .with_hint(Hint::NameTokenOwner))
                }
            },
        };
        let project = owner_project(&owner).to_string();
        let parent = match &caller.token_name {
            Some(t) => Some(
                self.store
                    .get_token(t)?
                    .ok_or_else(|| CoreError::Unauthenticated(format!("token '{t}' no longer exists")))?,
            ),
            None => None,
        };
        if let Some(p) = parent.as_ref().filter(|p| is_run_token(&p.name)) {
            let ev = caller.event(
                &project,
                &format!("token:{name}"),
                "token.create",
                "denied",
                Some(format!("run token '{}' may not create tokens", p.name)),
            );
            self.store.append_audit(&[ev]).map_err(CoreError::Audit)?;
            return Err(CoreError::TokenRefused(format!(
                "token '{}' belongs to a flight run and may not create tokens: a run's token is for the run's own API calls and ends with the run",
                p.name
            )));
        }
        if !self.may_manage(caller, &owner)? {
            self.deny(caller, &project, "token.create", &format!("token:{name}"), Role::Admin)?;
            return Err(CoreError::Forbidden {
                caller: caller.name.clone(),
                project,
                need: Role::Admin,
            });
        }
        check_name("token", name)?;
        if is_run_token(name) {
            return Err(CoreError::Usage(format!(
                "invalid token name '{name}': names starting with '{RUN_TOKEN_PREFIX}' are kept for the tokens of flight runs"
            )));
        }
        if let Some(ms) = expires_in_ms {
            if ms <= 0 {
                return Err(CoreError::Usage("a token's lifetime must be positive".into()));
            }
        }
        let public_id = random_hex(8);
        let token = SecretString::from(format!("coffer_{public_id}_{}", random_hex(32)));
        let now = now_ms();
        let asked = expires_in_ms.map(|ms| now.saturating_add(ms));
        let (expires_at, notice) = match &parent {
            Some(p) => self.capped_expiry(p, asked)?,
            None => (asked, None),
        };
        let rec = TokenRecord {
            id: 0,
            public_id,
            identity_id: owner.id,
            name: name.to_string(),
            hash: hash(token.expose_secret()),
            created_at: now,
            created_by: caller.name.clone(),
            expires_at,
            last_used_at: None,
            revoked_at: None,
            parent_id: parent.as_ref().map(|p| p.id),
        };
        let mut detail = format!("owner={}", owner.name);
        if let Some(p) = &parent {
            detail.push_str(&format!(" parent={}", p.name));
        }
        if notice.is_some() {
            detail.push_str(" expiry=capped");
        }
        let ev = caller.event(&project, &format!("token:{name}"), "token.create", "ok", Some(detail));
        self.store
            .create_token(&rec, &[ev])
            .map_err(|e| map_conflict(e, "token", name))?;
        Ok(NewToken {
            info: token_info(&rec, &owner, parent.as_ref().map(|p| p.name.clone()), None, now),
            token,
            notice,
        })
    }

    /// The expiry of a child of `parent` asked to expire at `asked` (never when `None`): no
    /// later than `parent` and the tokens above it. Also the notice saying it was capped.
    pub(crate) fn capped_expiry(
        &self,
        parent: &TokenRecord,
        asked: Option<i64>,
    ) -> Result<(Option<i64>, Option<String>)> {
        let mut limit: Option<(i64, String)> = parent.expires_at.map(|e| (e, parent.name.clone()));
        if parent.parent_id.is_some() {
            for a in self.store.token_ancestors(parent.id)? {
                if let Some(e) = a.expires_at {
                    if limit.as_ref().is_none_or(|(l, _)| e < *l) {
                        limit = Some((e, a.name.clone()));
                    }
                }
            }
        }
        Ok(match limit {
            Some((cap, by)) if asked.is_none_or(|a| a > cap) => {
                let what = if asked.is_some() { "a later expiry" } else { "no expiry" };
                let whose = if by == parent.name {
                    format!("token '{by}', which creates it")
                } else {
                    format!("token '{by}', above the token '{}' that creates it", parent.name)
                };
                (
                    Some(cap),
                    Some(format!(
                        "{what} was asked; the token expires with {whose} (a token never outlives the token that created it)"
                    )),
                )
            }
            _ => (asked, None),
        })
    }

    /// See [`Service::list_tokens`](crate::Service::list_tokens).
    pub(crate) fn list_tokens(&self, caller: &Caller) -> Result<Vec<TokenInfo>> {
        let identities = self.store.list_identities()?;
        let now = now_ms();
        let tokens = self.store.list_tokens()?;
        let by_id: std::collections::HashMap<i64, &TokenRecord> = tokens.iter().map(|t| (t.id, t)).collect();
        let mut out = Vec::new();
        for t in &tokens {
            let Some(owner) = identities.iter().find(|i| i.id == t.identity_id) else {
                continue;
            };
            if self.may_manage(caller, owner)? {
                let parent = t.parent_id.and_then(|p| by_id.get(&p)).map(|p| p.name.clone());
                let lineage = lineage_problem(t, &ancestors_in(t, &by_id), now).map(|(s, _)| s);
                out.push(token_info(t, owner, parent, lineage, now));
            }
        }
        Ok(out)
    }

    /// See [`Service::revoke_token`](crate::Service::revoke_token).
    pub(crate) fn revoke_token(&self, caller: &Caller, name: &str) -> Result<TokenInfo> {
        let missing = || CoreError::Missing(format!("no token named '{name}'"));
        let t = self.store.get_token(name)?.ok_or_else(missing)?;
        let owner = self.store.get_identity_by_id(t.identity_id)?.ok_or_else(missing)?;
        let project = owner_project(&owner).to_string();
        if !self.may_manage(caller, &owner)? {
            self.deny(
                caller,
                &project,
                "token.revoke",
                &format!("token:{}", t.name),
                Role::Admin,
            )?;
            return Err(CoreError::Forbidden {
                caller: caller.name.clone(),
                project,
                need: Role::Admin,
            });
        }
        let now = now_ms();
        let identities = self.store.list_identities()?;
        let root = t.name.clone();
        let events = |revoked: &[TokenRecord]| -> Vec<AuditEvent> {
            let below = revoked.len().saturating_sub(1);
            revoked
                .iter()
                .map(|r| {
                    let who = identities.iter().find(|i| i.id == r.identity_id);
                    let owner_name = who.map_or("-", |i| i.name.as_str());
                    let detail = if r.name.eq_ignore_ascii_case(&root) {
                        let mut d = format!("owner={owner_name}");
                        if below > 0 {
                            d.push_str(&format!(" with {below} token(s) below it"));
                        }
                        d
                    } else {
                        format!("owner={owner_name} below revoked token '{root}'")
                    };
                    caller.event(
                        who.map_or(SERVER_PROJECT, owner_project),
                        &format!("token:{}", r.name),
                        "token.revoke",
                        "ok",
                        Some(detail),
                    )
                })
                .collect()
        };
        let revoked = self.store.revoke_token(&t.name, now, &events)?;
        let Some(first) = revoked.first() else {
            return Err(CoreError::Conflict(format!("token '{}' is already revoked", t.name)));
        };
        let parent = match first.parent_id {
            Some(p) => self
                .store
                .token_ancestors(first.id)?
                .into_iter()
                .find(|a| a.id == p)
                .map(|a| a.name),
            None => None,
        };
        let mut info = token_info(first, &owner, parent, None, now);
        info.revoked_with = revoked[1..].iter().map(|r| r.name.clone()).collect();
        Ok(info)
    }
}

/// A token as shown; `lineage` is the status a token above it gives it.
fn token_info(
    t: &TokenRecord,
    owner: &IdentityRecord,
    parent: Option<String>,
    lineage: Option<&'static str>,
    now: i64,
) -> TokenInfo {
    let status = if t.revoked_at.is_some() {
        "revoked"
    } else if t.expires_at.is_some_and(|e| e <= now) {
        "expired"
    } else {
        lineage.unwrap_or("active")
    };
    TokenInfo {
        token_name: t.name.clone(),
        owner: owner.name.clone(),
        owner_kind: owner.kind.clone(),
        created_at: t.created_at,
        created_by: t.created_by.clone(),
        last_used_at: t.last_used_at,
        expires_at: t.expires_at,
        revoked_at: t.revoked_at,
        status: status.into(),
        parent,
        revoked_with: Vec::new(),
    }
}
