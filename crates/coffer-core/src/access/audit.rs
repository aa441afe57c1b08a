//! The audit log, as its readers may see it.

use super::authz::Access;
use crate::caller::{Caller, Role};
use crate::error::{CoreError, Result};
use crate::types::access::AuditInfo;
use coffer_model::hint::Hint;
use coffer_store::AuditFilter;

impl Access<'_> {
    /// See [`Service::list_audit`](crate::Service::list_audit).
    pub(crate) fn list_audit(&self, caller: &Caller, filter: &AuditFilter) -> Result<Vec<AuditInfo>> {
        if !caller.superuser {
            let Some(p) = &filter.project else {
                return Err(CoreError::Usage("which project's audit log to read is not said".into())
                    .with_hint(Hint::NameProject));
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
