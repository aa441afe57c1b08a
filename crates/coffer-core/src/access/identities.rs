//! Identities: users and service accounts, and who may manage (act as) whom.

use super::authz::{check_name, map_conflict, Access, SERVER_PROJECT};
use crate::caller::{Caller, Role};
use crate::clock::now_ms;
use crate::error::{CoreError, Result};
use crate::types::access::IdentityInfo;
use coffer_store::IdentityRecord;

impl Access<'_> {
    /// See [`Service::create_user`](crate::Service::create_user).
    pub(crate) fn create_user(&self, caller: &Caller, name: &str, superuser: bool) -> Result<IdentityInfo> {
        self.require_superuser(caller, "identity.create", &format!("identity:{name}"))?;
        self.create_identity(caller, name, "user", superuser, None)
    }

    /// See [`Service::create_service_account`](crate::Service::create_service_account).
    pub(crate) fn create_service_account(&self, caller: &Caller, project: &str, name: &str) -> Result<IdentityInfo> {
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

    /// Creates an identity of `kind`, audited in `project` (the server's when `None`).
    pub(super) fn create_identity(
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
            created_at: now_ms(),
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

    /// See [`Service::list_identities`](crate::Service::list_identities).
    pub(crate) fn list_identities(&self, caller: &Caller) -> Result<Vec<IdentityInfo>> {
        let mut out = Vec::new();
        for i in self.store.list_identities()? {
            if self.may_manage(caller, &i)? || Some(i.id) == caller.identity_id {
                out.push(IdentityInfo::from(&i));
            }
        }
        Ok(out)
    }

    /// Whether `caller` may manage `identity` (its tokens, and so run flights as it): a
    /// superuser any; an admin of a service account's project that account; anyone itself.
    pub(crate) fn may_manage(&self, caller: &Caller, identity: &IdentityRecord) -> Result<bool> {
        if caller.superuser || caller.identity_id == Some(identity.id) {
            return Ok(true);
        }
        Ok(match &identity.project {
            Some(p) => self.role_of(caller, p)? == Some(Role::Admin),
            None => false,
        })
    }

    /// The identity named `name`.
    pub(super) fn identity(&self, name: &str) -> Result<IdentityRecord> {
        self.store
            .get_identity(name)?
            .ok_or_else(|| CoreError::Missing(format!("no user or service account named '{name}'")))
    }
}

/// The project whose events concern `identity`: a service account's, else the server's.
pub(super) fn owner_project(identity: &IdentityRecord) -> &str {
    identity.project.as_deref().unwrap_or(SERVER_PROJECT)
}
