//! Projects: create, list and delete.

use super::authz::{check_name, map_conflict, Access};
use crate::caller::{Caller, Role};
use crate::clock::now_ms;
use crate::error::{CoreError, Result};
use crate::types::access::ProjectInfo;
use coffer_model::hint::Hint;
use coffer_store::ProjectRecord;

impl Access<'_> {
    /// See [`Service::create_project`](crate::Service::create_project).
    pub(crate) fn create_project(&self, caller: &Caller, name: &str) -> Result<ProjectInfo> {
        self.require_superuser(caller, "project.create", &format!("project:{name}"))?;
        check_name("project", name)?;
        let rec = ProjectRecord {
            name: name.to_string(),
            created_at: now_ms(),
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

    /// See [`Service::list_projects`](crate::Service::list_projects).
    pub(crate) fn list_projects(&self, caller: &Caller) -> Result<Vec<ProjectInfo>> {
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

    /// See [`Service::delete_project`](crate::Service::delete_project). `count_secrets` tells
    /// how many secrets the project (by its stored name) holds, as the caller lists them.
    /// Returns the stored name of the project deleted, for the parts that keep state by
    /// project to forget it.
    pub(crate) fn delete_project(
        &self,
        caller: &Caller,
        name: &str,
        force: bool,
        count_secrets: impl FnOnce(&str) -> Result<usize>,
    ) -> Result<String> {
        self.require_superuser(caller, "project.delete", &format!("project:{name}"))?;
        let Some(p) = self.store.get_project(name)? else {
            return Err(CoreError::ProjectNotFound(name.to_string()));
        };
        let n = count_secrets(&p.name)?;
        if n > 0 && !force {
            return Err(
                CoreError::Conflict(format!("project '{}' still holds {n} secret(s)", p.name))
                    .with_hint(Hint::ForceDelete),
            );
        }
        let ev = caller.event(
            &p.name,
            &format!("project:{}", p.name),
            "project.delete",
            "ok",
            Some(format!("secrets={n}")),
        );
        self.store.delete_project(&p.name, &[ev])?;
        Ok(p.name)
    }
}
