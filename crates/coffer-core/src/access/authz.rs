//! The access part itself ([`Access`]) and the role checks every part makes: a caller's role
//! in a project, authorization (a denial audited, failing closed), superusers only.

use crate::cache::Cache;
use crate::caller::{Caller, Role};
use crate::error::{CoreError, Result};
use coffer_model::names;
use coffer_store::{Store, StoreError};

/// The object of project-wide events that concern no single object.
pub const SERVER_PROJECT: &str = "-";

/// The access part: who may do what, over the store and the read caches.
#[derive(Clone, Copy)]
pub(crate) struct Access<'a> {
    pub store: &'a dyn Store,
    pub cache: &'a Cache,
}

/// A store conflict as the "already exists" of `what` named `name`.
pub(super) fn map_conflict(e: StoreError, what: &str, name: &str) -> CoreError {
    match e {
        StoreError::Conflict { .. } => CoreError::Conflict(format!("{what} '{name}' already exists")),
        other => other.into(),
    }
}

/// Checks a project, identity or token name against the name rule.
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

    /// Audits a denial of `action` on `object` for want of `need`.
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
