//! Grants: a role for an identity in a project, and the project's members.

use super::authz::Access;
use crate::caller::{Caller, Role};
use crate::clock::now_ms;
use crate::error::{CoreError, Result};
use crate::types::access::MemberInfo;
use coffer_store::GrantRecord;

impl Access<'_> {
    /// See [`Service::grant`](crate::Service::grant).
    pub(crate) fn grant(&self, caller: &Caller, project: &str, role: Role, identity: &str) -> Result<MemberInfo> {
        let project = &self.canonical_project(project)?;
        self.authorize(caller, project, Role::Admin, "grant", &format!("grant:{identity}"))?;
        let who = self.identity(identity)?;
        let rec = GrantRecord {
            project: project.to_string(),
            identity_id: who.id,
            role: role.name().into(),
            granted_at: now_ms(),
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

    /// See [`Service::revoke_grant`](crate::Service::revoke_grant).
    pub(crate) fn revoke_grant(&self, caller: &Caller, project: &str, identity: &str) -> Result<()> {
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

    /// See [`Service::list_members`](crate::Service::list_members).
    pub(crate) fn list_members(&self, caller: &Caller, project: &str) -> Result<Vec<MemberInfo>> {
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
}
