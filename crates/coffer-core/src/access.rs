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
//! - Every write, every use of a value and every denied attempt writes an audit event in the
//!   same transaction as the change (or before the value is handed out): when the event cannot
//!   be written, the request fails.

use crate::error::{CoreError, Result};
use crate::service::Service;
use coffer_crypto::SecretString;
use coffer_model::names;
use coffer_store::{AuditEvent, AuditFilter, GrantRecord, IdentityRecord, ProjectRecord, StoreError, TokenRecord};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The object of project-wide events that concern no single object.
pub const SERVER_PROJECT: &str = "-";

/// How often a token's `last_used_at` is written at most (it is a minute off at worst).
const TOUCH_EVERY_MS: i64 = 60_000;

/// A role in a project. Each role includes the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Names and metadata only.
    Read,
    /// Values injected into runs and the data plane, never shown.
    Use,
    /// Create, replace and drop secrets.
    Write,
    /// Manage members, service accounts and tokens; read the project's audit log.
    Admin,
}

impl Role {
    /// Every role, weakest first.
    pub const ALL: [Role; 4] = [Role::Read, Role::Use, Role::Write, Role::Admin];

    /// The role's name.
    pub fn name(self) -> &'static str {
        match self {
            Role::Read => "read",
            Role::Use => "use",
            Role::Write => "write",
            Role::Admin => "admin",
        }
    }

    /// Parses a role name (any case).
    ///
    /// # Errors
    /// [`CoreError::Usage`] naming the valid roles.
    pub fn parse(s: &str) -> Result<Role> {
        Role::ALL
            .into_iter()
            .find(|r| r.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| CoreError::Usage(format!("unknown role '{s}'; valid roles: admin, write, use, read")))
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Who is making a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The identity's id; `None` in local mode.
    pub identity_id: Option<i64>,
    /// The identity's name (`admin`, `flights-prod`), or `local:<user>` in local mode.
    pub name: String,
    /// Whether it may do everything everywhere.
    pub superuser: bool,
    /// The name of the token it authenticated with.
    pub token_name: Option<String>,
    /// The client's address, or `local`.
    pub client: String,
}

impl Caller {
    /// The local machine's owner, as in local mode: `local:<user>`, a superuser (whoever can
    /// read the key file can open every secret anyway).
    pub fn local() -> Self {
        let user = std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .ok()
            .filter(|u| !u.is_empty())
            .or_else(|| whoami::fallible::username().ok())
            .unwrap_or_else(|| "unknown".into());
        Caller {
            identity_id: None,
            name: format!("local:{user}"),
            superuser: true,
            token_name: None,
            client: "local".into(),
        }
    }

    /// An audit event by this caller, now.
    pub fn event(&self, project: &str, object: &str, action: &str, result: &str, detail: Option<String>) -> AuditEvent {
        AuditEvent {
            id: 0,
            at: crate::service::now_ms(),
            actor: self.name.clone(),
            token_name: self.token_name.clone(),
            project: project.to_string(),
            object: object.to_string(),
            action: action.to_string(),
            result: result.to_string(),
            client: self.client.clone(),
            detail,
        }
    }
}

/// A project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectInfo {
    /// Its name.
    pub name: String,
    /// Created, Unix milliseconds.
    pub created_at: i64,
    /// Creator.
    pub created_by: String,
    /// The caller's role in it (`admin` for a superuser).
    pub role: String,
}

/// A user or service account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IdentityInfo {
    /// Its name.
    pub name: String,
    /// `user` or `service_account`.
    pub kind: String,
    /// Whether it may do everything everywhere.
    pub superuser: bool,
    /// A service account's project.
    pub project: Option<String>,
    /// Created, Unix milliseconds.
    pub created_at: i64,
    /// Creator.
    pub created_by: String,
}

impl From<&IdentityRecord> for IdentityInfo {
    fn from(r: &IdentityRecord) -> Self {
        IdentityInfo {
            name: r.name.clone(),
            kind: r.kind.clone(),
            superuser: r.superuser,
            project: r.project.clone(),
            created_at: r.created_at,
            created_by: r.created_by.clone(),
        }
    }
}

/// A token's metadata: never the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenInfo {
    /// Its name (`flights-prod-ingest`).
    pub token_name: String,
    /// The identity it acts as.
    pub owner: String,
    /// `user` or `service_account`.
    pub owner_kind: String,
    /// Created, Unix milliseconds.
    pub created_at: i64,
    /// Creator.
    pub created_by: String,
    /// Last used, Unix milliseconds (at most a minute off).
    pub last_used_at: Option<i64>,
    /// Expiry, Unix milliseconds.
    pub expires_at: Option<i64>,
    /// Revoked, Unix milliseconds.
    pub revoked_at: Option<i64>,
    /// `active`, `expired` or `revoked`.
    pub status: String,
}

/// A member of a project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberInfo {
    /// The project.
    pub project: String,
    /// The identity.
    pub identity: String,
    /// `user` or `service_account`.
    pub kind: String,
    /// Its role.
    pub role: String,
    /// Granted, Unix milliseconds.
    pub granted_at: i64,
    /// By whom.
    pub granted_by: String,
}

/// One audit event, as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditInfo {
    /// Sequence number.
    pub id: i64,
    /// When, Unix milliseconds.
    pub at: i64,
    /// The identity.
    pub actor: String,
    /// The token it used.
    pub token_name: Option<String>,
    /// The project (`-` for server-wide events).
    pub project: String,
    /// What was acted on (`secret:NAME`).
    pub object: String,
    /// What was done.
    pub action: String,
    /// `ok` or `denied`.
    pub result: String,
    /// The client's address.
    pub client: String,
    /// More (never a value).
    pub detail: Option<String>,
}

impl From<AuditEvent> for AuditInfo {
    fn from(e: AuditEvent) -> Self {
        AuditInfo {
            id: e.id,
            at: e.at,
            actor: e.actor,
            token_name: e.token_name,
            project: e.project,
            object: e.object,
            action: e.action,
            result: e.result,
            client: e.client,
            detail: e.detail,
        }
    }
}

/// A token just created: its metadata, and the token, shown this once.
#[derive(Debug)]
pub struct NewToken {
    /// Metadata.
    pub info: TokenInfo,
    /// The token.
    pub token: SecretString,
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
                let c = std::sync::Arc::new(crate::cache::CachedToken {
                    touched_at: token.last_used_at.unwrap_or(i64::MIN),
                    token,
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
        let now = crate::service::now_ms();
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
            created_at: crate::service::now_ms(),
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
            created_at: crate::service::now_ms(),
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
    /// # Errors
    /// [`CoreError::Forbidden`] when the caller may not manage the owner; a bad or taken name.
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
        if !self.may_manage(caller, &owner)? {
            self.deny(caller, &project, "token.create", &format!("token:{name}"), Role::Admin)?;
            return Err(CoreError::Forbidden {
                caller: caller.name.clone(),
                project,
                need: Role::Admin,
            });
        }
        check_name("token", name)?;
        if let Some(ms) = expires_in_ms {
            if ms <= 0 {
                return Err(CoreError::Usage("a token's lifetime must be positive".into()));
            }
        }
        let public_id = random_hex(8);
        let token = SecretString::from(format!("coffer_{public_id}_{}", random_hex(32)));
        let now = crate::service::now_ms();
        let rec = TokenRecord {
            id: 0,
            public_id,
            identity_id: owner.id,
            name: name.to_string(),
            hash: hash(token.expose_secret()),
            created_at: now,
            created_by: caller.name.clone(),
            expires_at: expires_in_ms.map(|ms| now.saturating_add(ms)),
            last_used_at: None,
            revoked_at: None,
        };
        let ev = caller.event(
            &project,
            &format!("token:{name}"),
            "token.create",
            "ok",
            Some(format!("owner={}", owner.name)),
        );
        self.store
            .create_token(&rec, &[ev])
            .map_err(|e| map_conflict(e, "token", name))?;
        Ok(NewToken {
            info: Self::token_info(&rec, &owner, now),
            token,
        })
    }

    fn token_info(t: &TokenRecord, owner: &IdentityRecord, now: i64) -> TokenInfo {
        let status = if t.revoked_at.is_some() {
            "revoked"
        } else if t.expires_at.is_some_and(|e| e <= now) {
            "expired"
        } else {
            "active"
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
        }
    }

    /// The tokens the caller may see: its own, those of the service accounts of projects it
    /// administers, all for a superuser. Never the tokens themselves.
    ///
    /// # Errors
    /// Store errors.
    pub fn list_tokens(&self, caller: &Caller) -> Result<Vec<TokenInfo>> {
        let identities = self.store.list_identities()?;
        let now = crate::service::now_ms();
        let mut out = Vec::new();
        for t in self.store.list_tokens()? {
            let Some(owner) = identities.iter().find(|i| i.id == t.identity_id) else {
                continue;
            };
            if self.may_manage(caller, owner)? {
                out.push(Self::token_info(&t, owner, now));
            }
        }
        Ok(out)
    }

    /// Revokes a token: it stops working on the next request.
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
        let now = crate::service::now_ms();
        let ev = caller.event(
            &project,
            &format!("token:{}", t.name),
            "token.revoke",
            "ok",
            Some(format!("owner={}", owner.name)),
        );
        if !self.store.revoke_token(&t.name, now, &[ev])? {
            return Err(CoreError::Conflict(format!("token '{}' is already revoked", t.name)));
        }
        let t = self.store.get_token(&t.name)?.ok_or_else(missing)?;
        Ok(Self::token_info(&t, &owner, now))
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
            granted_at: crate::service::now_ms(),
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
