//! Who may do what: callers, roles, projects, identities, access tokens, grants and the audit
//! log.
//!
//! - A [`Caller`] is the identity behind a request (found from its token by
//!   [`Service::authenticate`](crate::Service::authenticate)), or the machine's owner in local mode ([`Caller::local`]).
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
//!
//! The part is `Access`, a view over the store and the read caches, with one file per use
//! case: `authn` (tokens to callers, the bootstrap), `projects`, `identities`, `tokens`,
//! `grants` (members) and `audit`. The checks the other parts make (`authorize`,
//! `canonical_project`, ...) are in this file.

mod audit;
mod authn;
mod grants;
mod identities;
mod projects;
mod tokens;

use crate::cache::Cache;
use crate::error::{CoreError, Result};
use coffer_model::names;
use coffer_store::{Store, StoreError};

pub use crate::caller::{Caller, Role};
pub use crate::types::access::{AuditInfo, IdentityInfo, MemberInfo, NewToken, ProjectInfo, TokenInfo};
pub(crate) use tokens::{hash, random_hex};

/// The object of project-wide events that concern no single object.
pub const SERVER_PROJECT: &str = "-";

/// The prefix of the names of flight runs' tokens, which no one else may use.
pub const RUN_TOKEN_PREFIX: &str = "run.";

/// Whether `name` is the name of a flight run's token.
pub fn is_run_token(name: &str) -> bool {
    name.get(..RUN_TOKEN_PREFIX.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(RUN_TOKEN_PREFIX))
}

/// The access part: who may do what, over the store and the read caches.
#[derive(Clone, Copy)]
pub(crate) struct Access<'a> {
    pub store: &'a dyn Store,
    pub cache: &'a Cache,
}

pub(super) fn map_conflict(e: StoreError, what: &str, name: &str) -> CoreError {
    match e {
        StoreError::Conflict { .. } => CoreError::Conflict(format!("{what} '{name}' already exists")),
        other => other.into(),
    }
}

pub(super) fn check_name(kind: &str, name: &str) -> Result<()> {
    names::validate_name(name).map_err(|_| {
        CoreError::Usage(format!(
            "invalid {kind} name '{name}': names must match [A-Za-z0-9._-]{{1,128}} (letters, digits, '.', '_' and '-'; not '.' or '..')"
        ))
    })
}

impl Access<'_> {
    /// The caller's role in `project`: `Admin` for a superuser, else its grant.
    pub(super) fn role_of(&self, caller: &Caller, project: &str) -> Result<Option<Role>> {
        if caller.superuser {
            return Ok(Some(Role::Admin));
        }
        let Some(id) = caller.identity_id else {
            return Ok(None);
        };
        let generation = self.cache.fresh(self.store)?;
        if let Some(hit) = self.cache.lock().role(project, id) {
            return Ok(hit);
        }
        let role = match self.store.get_grant(project, id)? {
            Some(g) => Some(Role::parse(&g.role)?),
            None => None,
        };
        self.cache.lock().put_role(generation, project, id, role);
        Ok(role)
    }

    /// The stored name of a project (any case), or `None`, through the cache.
    pub(super) fn project_name(&self, project: &str) -> Result<Option<String>> {
        let generation = self.cache.fresh(self.store)?;
        if let Some(hit) = self.cache.lock().project(project) {
            return Ok(hit);
        }
        let name = self.store.get_project(project)?.map(|p| p.name);
        self.cache.lock().put_project(generation, project, name.clone());
        Ok(name)
    }

    /// The project's name as stored (names compare case-insensitively, so `OWN` is `own`); the
    /// name as given when there is no such project (authorization then refuses it).
    pub(crate) fn canonical_project(&self, project: &str) -> Result<String> {
        Ok(self.project_name(project)?.unwrap_or_else(|| project.to_string()))
    }

    /// See [`Service::has_role`](crate::Service::has_role).
    pub(crate) fn has_role(&self, caller: &Caller, project: &str, role: Role) -> Result<bool> {
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

    pub(super) fn deny(&self, caller: &Caller, project: &str, action: &str, object: &str, need: Role) -> Result<()> {
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
}
