//! Who may do what: callers, roles, projects, identities, access tokens, grants and the audit
//! log.
//!
//! - A [`Caller`] is the identity behind a request (found from its token by
//!   [`Service::authenticate`]), or the machine's owner in local mode ([`Caller::local`]).
//! - Roles per project form a ladder: `read` (names and metadata) < `use` (values injected into
//!   runs and the data plane, never shown) < `write` (create, replace, drop secrets) < `admin`
//!   (members, service accounts and their tokens, the project's audit log). A superuser (the
//!   first admin, and local mode) may do everything everywhere. A new service account has no
//!   role anywhere until granted one.
//! - Tokens look like `coffer_<public id>_<secret>`: the public id finds the row, and the
//!   SHA-256 of the whole token is compared in constant time with the stored hash. The token
//!   itself is never stored. Revocation and expiry are checked on every request.
//! - Tokens form a tree: a token created with a token records it as its parent. A token may
//!   only create tokens that expire no later than itself (a later or missing expiry is capped,
//!   and the response says so); a flight run's token (`run.<flight>.<n>`) creates none.
//!   Revoking a token revokes every token below it, in one transaction; a token whose parent
//!   (or any token above it) is revoked, expired or gone does not authenticate.
//! - Every write, every use of a value and every denied attempt writes an audit event in the
//!   same transaction as the change (or before the value is handed out): when the event cannot
//!   be written, the request fails.

use crate::error::{CoreError, Result};
use crate::service::Service;
use coffer_crypto::SecretString;
use coffer_model::names;
use coffer_store::{AuditEvent, AuditFilter, GrantRecord, IdentityRecord, ProjectRecord, StoreError, TokenRecord};
use rand::RngCore;

pub use crate::caller::{Caller, Role};
pub use crate::types::access::{AuditInfo, IdentityInfo, MemberInfo, NewToken, ProjectInfo, TokenInfo};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The object of project-wide events that concern no single object.
pub const SERVER_PROJECT: &str = "-";

/// How often a token's `last_used_at` is written at most (it is a minute off at worst).
const TOUCH_EVERY_MS: i64 = 60_000;

/// The prefix of the names of flight runs' tokens, which no one else may use.
pub const RUN_TOKEN_PREFIX: &str = "run.";

/// Whether `name` is the name of a flight run's token.
pub fn is_run_token(name: &str) -> bool {
    name.get(..RUN_TOKEN_PREFIX.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(RUN_TOKEN_PREFIX))
}

/// Why `t` stops working because of a token above it (`ancestors`, nearest first): the status
/// it shows (`revoked` or `expired`) and a message; `None` when every token above it is valid.
fn lineage_problem(t: &TokenRecord, ancestors: &[TokenRecord], now: i64) -> Option<(&'static str, String)> {
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

pub(crate) fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

pub(crate) fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

fn map_conflict(e: StoreError, what: &str, name: &str) -> CoreError {
    match e {
        StoreError::Conflict { .. } => CoreError::Conflict(format!("{what} '{name}' already exists")),
        other => other.into(),
    }
}

fn check_name(kind: &str, name: &str) -> Result<()> {
    names::validate_name(name).map_err(|_| {
        CoreError::Usage(format!(
            "invalid {kind} name '{name}': names must match [A-Za-z0-9._-]{{1,128}} (letters, digits, '.', '_' and '-'; not '.' or '..')"
        ))
    })
}

impl Service {
    /// The caller's role in `project`: `Admin` for a superuser, else its grant.
    fn role_of(&self, caller: &Caller, project: &str) -> Result<Option<Role>> {
        if caller.superuser {
            return Ok(Some(Role::Admin));
        }
        let Some(id) = caller.identity_id else {
            return Ok(None);
        };
        let generation = self.fresh()?;
        if let Some(hit) = self.caches().role(project, id) {
            return Ok(hit);
        }
        let role = match self.store.get_grant(project, id)? {
            Some(g) => Some(Role::parse(&g.role)?),
            None => None,
        };
        self.caches().put_role(generation, project, id, role);
        Ok(role)
    }

    /// The stored name of a project (any case), or `None`, through the cache.
    fn project_name(&self, project: &str) -> Result<Option<String>> {
        let generation = self.fresh()?;
        if let Some(hit) = self.caches().project(project) {
            return Ok(hit);
        }
        let name = self.store.get_project(project)?.map(|p| p.name);
        self.caches().put_project(generation, project, name.clone());
        Ok(name)
    }

    /// The project's name as stored (names compare case-insensitively, so `OWN` is `own`); the
    /// name as given when there is no such project (authorization then refuses it).
    pub(crate) fn canonical_project(&self, project: &str) -> Result<String> {
        Ok(self.project_name(project)?.unwrap_or_else(|| project.to_string()))
    }

    /// Whether `caller` holds `role` (or a stronger one) in `project`. Nothing is audited.
    ///
    /// # Errors
    /// Store errors.
    pub fn has_role(&self, caller: &Caller, project: &str, role: Role) -> Result<bool> {
        Ok(self.role_of(caller, project)?.is_some_and(|r| r >= role))
    }

    /// Checks that `caller` holds `need` in `project` (and that the project exists), writing
    /// no event.
    pub(crate) fn authorize_quiet(&self, caller: &Caller, project: &str, need: Role) -> Result<()> {
        match self.role_of(caller, project)? {
            Some(r) if r >= need => {
                if caller.superuser && self.project_name(project)?.is_none() {
                    return Err(CoreError::ProjectNotFound(project.to_string()));
                }
                Ok(())
            }
            _ => Err(CoreError::Forbidden {
                caller: caller.name.clone(),
                project: project.to_string(),
                need,
            }),
        }
    }

    /// Checks that `caller` holds `need` in `project`; a denial writes a `denied` audit event
    /// for `action` on `object` (and fails closed when it cannot).
    pub(crate) fn authorize(
        &self,
        caller: &Caller,
        project: &str,
        need: Role,
        action: &str,
        object: &str,
    ) -> Result<()> {
        match self.authorize_quiet(caller, project, need) {
            Err(e @ CoreError::Forbidden { .. }) => {
                self.deny(caller, project, action, object, need)?;
                Err(e)
            }
            other => other,
        }
    }

    fn deny(&self, caller: &Caller, project: &str, action: &str, object: &str, need: Role) -> Result<()> {
        let ev = caller.event(project, object, action, "denied", Some(format!("needs role {need}")));
        self.store.append_audit(&[ev]).map_err(CoreError::Audit)
    }

    /// Fails with `Forbidden` (audited) unless the caller is a superuser.
    pub(crate) fn require_superuser(&self, caller: &Caller, action: &str, object: &str) -> Result<()> {
        if caller.superuser {
            return Ok(());
        }
        self.store
            .append_audit(&[caller.event(SERVER_PROJECT, object, action, "denied", Some("needs superuser".into()))])
            .map_err(CoreError::Audit)?;
        Err(CoreError::NeedsSuperuser {
            caller: caller.name.clone(),
        })
    }

    /// Finds the caller behind `token`, coming from `client`.
    ///
    /// # Errors
    /// [`CoreError::Unauthenticated`] for a malformed, unknown, expired or revoked token.
    pub fn authenticate(&self, token: &str, client: &str) -> Result<Caller> {
        let bad = || CoreError::Unauthenticated("invalid token".into());
        let rest = token.strip_prefix("coffer_").ok_or_else(bad)?;
        let (public_id, _) = rest.split_once('_').ok_or_else(bad)?;
        if public_id.is_empty() || public_id.len() > 32 || !public_id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        let generation = self.fresh()?;
        let cached = self.caches().token(public_id);
        let cached = match cached {
            Some(c) => c,
            None => {
                let token = self.store.token_by_public_id(public_id)?.ok_or_else(bad)?;
                let identity = self.store.get_identity_by_id(token.identity_id)?.ok_or_else(bad)?;
                let ancestors = match token.parent_id {
                    Some(_) => self.store.token_ancestors(token.id)?,
                    None => Vec::new(),
                };
                let c = std::sync::Arc::new(crate::cache::CachedToken {
                    touched_at: token.last_used_at.unwrap_or(i64::MIN),
                    token,
                    ancestors,
                    identity,
                });
                self.caches().put_token(generation, public_id, c.clone());
                c
            }
        };
        let record = &cached.token;
        if !bool::from(hash(token).ct_eq(&record.hash)) {
            return Err(bad());
        }
        let now = crate::clock::now_ms();
        if record.revoked_at.is_some() {
            return Err(CoreError::Unauthenticated(format!(
                "token '{}' was revoked",
                record.name
            )));
        }
        if record.expires_at.is_some_and(|e| e <= now) {
            return Err(CoreError::Unauthenticated(format!(
                "token '{}' expired; create a new one with `coffer token create`",
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
            self.caches()
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

    /// On a store with no identity yet: creates the superuser `admin` and its token
    /// `admin-bootstrap`, and returns the token (shown once, stored only as a hash).
    ///
    /// # Errors
    /// Store errors.
    pub fn bootstrap(&self) -> Result<Option<NewToken>> {
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

    // ---- projects ----

    /// Creates a project (superusers only).
    ///
    /// # Errors
    /// [`CoreError::NeedsSuperuser`], a bad or taken name.
    pub fn create_project(&self, caller: &Caller, name: &str) -> Result<ProjectInfo> {
        self.require_superuser(caller, "project.create", &format!("project:{name}"))?;
        check_name("project", name)?;
        let rec = ProjectRecord {
            name: name.to_string(),
            created_at: crate::clock::now_ms(),
            created_by: caller.name.clone(),
        };
        let ev = caller.event(name, &format!("project:{name}"), "project.create", "ok", None);
        self.store
            .create_project(&rec, &[ev])
            .map_err(|e| map_conflict(e, "project", name))?;
        Ok(ProjectInfo {
            name: rec.name,
            created_at: rec.created_at,
            created_by: rec.created_by,
            role: Role::Admin.name().into(),
        })
    }

    /// The projects the caller has a role in (every project for a superuser).
    ///
    /// # Errors
    /// Store errors.
    pub fn list_projects(&self, caller: &Caller) -> Result<Vec<ProjectInfo>> {
        let mut out = Vec::new();
        for p in self.store.list_projects()? {
            if let Some(role) = self.role_of(caller, &p.name)? {
                out.push(ProjectInfo {
                    name: p.name,
                    created_at: p.created_at,
                    created_by: p.created_by,
                    role: role.name().into(),
                });
            }
        }
        Ok(out)
    }

    /// Deletes a project with its secrets, grants and service accounts (superusers only). A
    /// project that still holds secrets needs `force`. Its audit events stay.
    ///
    /// # Errors
    /// [`CoreError::NeedsSuperuser`], [`CoreError::ProjectNotFound`], [`CoreError::Conflict`]
    /// when it holds secrets and `force` is not given.
    pub fn delete_project(&self, caller: &Caller, name: &str, force: bool) -> Result<()> {
        self.require_superuser(caller, "project.delete", &format!("project:{name}"))?;
        let Some(p) = self.store.get_project(name)? else {
            return Err(CoreError::ProjectNotFound(name.to_string()));
        };
        let n = self.list_secrets(caller, &p.name)?.len();
        if n > 0 && !force {
            return Err(CoreError::Conflict(format!(
                "project '{}' still holds {n} secret(s); drop them first or delete with --force",
                p.name
            )));
        }
        let ev = caller.event(
            &p.name,
            &format!("project:{}", p.name),
            "project.delete",
            "ok",
            Some(format!("secrets={n}")),
        );
        self.store.delete_project(&p.name, &[ev])?;
        self.forget_project(&p.name);
        Ok(())
    }

    // ---- identities ----

    /// Creates a user (superusers only).
    ///
    /// # Errors
    /// [`CoreError::NeedsSuperuser`], a bad or taken name.
    pub fn create_user(&self, caller: &Caller, name: &str, superuser: bool) -> Result<IdentityInfo> {
        self.require_superuser(caller, "identity.create", &format!("identity:{name}"))?;
        self.create_identity(caller, name, "user", superuser, None)
    }

    /// Creates a service account managed by `project`'s admins. It has no role anywhere until
    /// granted one.
    ///
    /// # Errors
    /// [`CoreError::Forbidden`] without `admin` in the project; a bad or taken name.
    pub fn create_service_account(&self, caller: &Caller, project: &str, name: &str) -> Result<IdentityInfo> {
        let project = &self.canonical_project(project)?;
        self.authorize(
            caller,
            project,
            Role::Admin,
            "identity.create",
            &format!("identity:{name}"),
        )?;
        self.create_identity(caller, name, "service_account", false, Some(project))
    }

    fn create_identity(
        &self,
        caller: &Caller,
        name: &str,
        kind: &str,
        superuser: bool,
        project: Option<&str>,
    ) -> Result<IdentityInfo> {
        check_name("identity", name)?;
        let rec = IdentityRecord {
            id: 0,
            name: name.to_string(),
            kind: kind.to_string(),
            superuser,
            project: project.map(str::to_string),
            created_at: crate::clock::now_ms(),
            created_by: caller.name.clone(),
        };
        let detail = format!("kind={kind}{}", if superuser { " superuser" } else { "" });
        let ev = caller.event(
            project.unwrap_or(SERVER_PROJECT),
            &format!("identity:{name}"),
            "identity.create",
            "ok",
            Some(detail),
        );
        self.store
            .create_identity(&rec, &[ev])
            .map_err(|e| map_conflict(e, "identity", name))?;
        Ok(IdentityInfo::from(&rec))
    }

    /// The identities the caller can see: all for a superuser; else itself and the service
    /// accounts of the projects it administers.
    ///
    /// # Errors
    /// Store errors.
    pub fn list_identities(&self, caller: &Caller) -> Result<Vec<IdentityInfo>> {
        let mut out = Vec::new();
        for i in self.store.list_identities()? {
            if self.may_manage(caller, &i)? || Some(i.id) == caller.identity_id {
                out.push(IdentityInfo::from(&i));
            }
        }
        Ok(out)
    }

    /// Whether `caller` may manage `identity` (its tokens): a superuser any; an admin of a
    /// service account's project that account; anyone itself.
    /// Whether `caller` may manage `identity` (and so run flights as it).
    pub(crate) fn may_manage_identity(&self, caller: &Caller, identity: &IdentityRecord) -> Result<bool> {
        self.may_manage(caller, identity)
    }

    fn may_manage(&self, caller: &Caller, identity: &IdentityRecord) -> Result<bool> {
        if caller.superuser || caller.identity_id == Some(identity.id) {
            return Ok(true);
        }
        Ok(match &identity.project {
            Some(p) => self.role_of(caller, p)? == Some(Role::Admin),
            None => false,
        })
    }

    fn identity(&self, name: &str) -> Result<IdentityRecord> {
        self.store
            .get_identity(name)?
            .ok_or_else(|| CoreError::Missing(format!("no user or service account named '{name}'")))
    }

    fn owner_project(identity: &IdentityRecord) -> &str {
        identity.project.as_deref().unwrap_or(SERVER_PROJECT)
    }

    // ---- tokens ----

    /// Creates a named token for `owner` (the caller when `None`), valid for `expires_in_ms`
    /// (forever when `None`). The token is returned this once and stored only as a hash.
    ///
    /// A caller that authenticated with a token `T` creates a child of `T`: it expires no later
    /// than `T` and the tokens above it (a missing or later expiry is capped, and
    /// [`NewToken::notice`] says so), and revoking `T` revokes it. A flight run's token creates
    /// no token. Without a token (local mode) none of this applies.
    ///
    /// # Errors
    /// [`CoreError::Forbidden`] when the caller may not manage the owner;
    /// [`CoreError::TokenRefused`] for a run's token; [`CoreError::Unauthenticated`] when the
    /// caller's token is gone; a bad, reserved or taken name.
    pub fn create_token(
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
                        "say whose token this is with --for IDENTITY (local mode acts as no identity)".into(),
                    ))
                }
            },
        };
        let project = Self::owner_project(&owner).to_string();
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
        let now = crate::clock::now_ms();
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
            info: Self::token_info(&rec, &owner, parent.as_ref().map(|p| p.name.clone()), None, now),
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

    /// The tokens the caller may see: its own, those of the service accounts of projects it
    /// administers, all for a superuser. Never the tokens themselves.
    ///
    /// # Errors
    /// Store errors.
    pub fn list_tokens(&self, caller: &Caller) -> Result<Vec<TokenInfo>> {
        let identities = self.store.list_identities()?;
        let now = crate::clock::now_ms();
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
                out.push(Self::token_info(t, owner, parent, lineage, now));
            }
        }
        Ok(out)
    }

    /// Revokes a token and every token below it (created with it, transitively, whoever they
    /// belong to), in one transaction with one audit event per token: they stop working on the
    /// next request. [`TokenInfo::revoked_with`] names the tokens below it.
    ///
    /// # Errors
    /// [`CoreError::Forbidden`]; [`CoreError::Missing`] when there is no such token, [`CoreError::Conflict`] when it is already revoked.
    pub fn revoke_token(&self, caller: &Caller, name: &str) -> Result<TokenInfo> {
        let missing = || CoreError::Missing(format!("no token named '{name}'"));
        let t = self.store.get_token(name)?.ok_or_else(missing)?;
        let owner = self.store.get_identity_by_id(t.identity_id)?.ok_or_else(missing)?;
        let project = Self::owner_project(&owner).to_string();
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
        let now = crate::clock::now_ms();
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
                        who.map_or(SERVER_PROJECT, Self::owner_project),
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
        let mut info = Self::token_info(first, &owner, parent, None, now);
        info.revoked_with = revoked[1..].iter().map(|r| r.name.clone()).collect();
        Ok(info)
    }

    // ---- grants ----

    /// Gives `identity` the role `role` in `project`, replacing any role it had (admins).
    ///
    /// # Errors
    /// [`CoreError::Forbidden`]; an unknown identity.
    pub fn grant(&self, caller: &Caller, project: &str, role: Role, identity: &str) -> Result<MemberInfo> {
        let project = &self.canonical_project(project)?;
        self.authorize(caller, project, Role::Admin, "grant", &format!("grant:{identity}"))?;
        let who = self.identity(identity)?;
        let rec = GrantRecord {
            project: project.to_string(),
            identity_id: who.id,
            role: role.name().into(),
            granted_at: crate::clock::now_ms(),
            granted_by: caller.name.clone(),
        };
        let ev = caller.event(
            project,
            &format!("grant:{}", who.name),
            "grant",
            "ok",
            Some(format!("role={role}")),
        );
        self.store.set_grant(&rec, &[ev])?;
        Ok(MemberInfo {
            project: project.to_string(),
            identity: who.name,
            kind: who.kind,
            role: rec.role,
            granted_at: rec.granted_at,
            granted_by: rec.granted_by,
        })
    }

    /// Takes `identity`'s role in `project` away (admins).
    ///
    /// # Errors
    /// [`CoreError::Forbidden`]; an unknown identity or one without a role.
    pub fn revoke_grant(&self, caller: &Caller, project: &str, identity: &str) -> Result<()> {
        let project = &self.canonical_project(project)?;
        self.authorize(caller, project, Role::Admin, "revoke", &format!("grant:{identity}"))?;
        let who = self.identity(identity)?;
        let ev = caller.event(project, &format!("grant:{}", who.name), "revoke", "ok", None);
        if !self.store.remove_grant(project, who.id, &[ev])? {
            return Err(CoreError::Usage(format!(
                "'{}' has no role in project '{project}'",
                who.name
            )));
        }
        Ok(())
    }

    /// The members of `project` with their roles (admins).
    ///
    /// # Errors
    /// [`CoreError::Forbidden`].
    pub fn list_members(&self, caller: &Caller, project: &str) -> Result<Vec<MemberInfo>> {
        let project = &self.canonical_project(project)?;
        self.authorize(caller, project, Role::Admin, "list", "members")?;
        let identities = self.store.list_identities()?;
        let mut out = Vec::new();
        for g in self.store.list_grants(Some(project))? {
            if let Some(i) = identities.iter().find(|i| i.id == g.identity_id) {
                out.push(MemberInfo {
                    project: g.project,
                    identity: i.name.clone(),
                    kind: i.kind.clone(),
                    role: g.role,
                    granted_at: g.granted_at,
                    granted_by: g.granted_by,
                });
            }
        }
        out.sort_by(|a, b| a.identity.cmp(&b.identity));
        Ok(out)
    }

    // ---- audit ----

    /// Audit events matching `filter`: a project's admins see its events; superusers see all.
    ///
    /// # Errors
    /// [`CoreError::Forbidden`]; [`CoreError::Usage`] when a non-superuser names no project.
    pub fn list_audit(&self, caller: &Caller, filter: &AuditFilter) -> Result<Vec<AuditInfo>> {
        if !caller.superuser {
            let Some(p) = &filter.project else {
                return Err(CoreError::Usage(
                    "say which project's audit log to read with --project".into(),
                ));
            };
            self.authorize(caller, p, Role::Admin, "audit.read", "audit")?;
        }
        Ok(self
            .store
            .list_audit(filter)?
            .into_iter()
            .map(AuditInfo::from)
            .collect())
    }
}
