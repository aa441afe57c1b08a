//! Attaching a data source: what an engine asks before it runs DuckDB's `ATTACH`.

use super::part::{source_object, SecretCheck, Sources};
use crate::caller::{Caller, Role};
use crate::error::{CoreError, Result};
use crate::types::sources::SourceInfo;
use coffer_model::hint::Hint;
use tracing::instrument;

impl Sources<'_> {
    /// See [`Service::attach_source`](crate::Service::attach_source).
    #[instrument(skip_all, fields(project = project, source = name))]
    pub(crate) fn attach_source(&self, caller: &Caller, project: &str, name: &str) -> Result<SourceInfo> {
        let project = &self.access.canonical_project(project)?;
        let object = source_object(name);
        match self
            .access
            .authorize(caller, project, Role::Use, "source.attach", &object)
        {
            Err(CoreError::Forbidden {
                caller: who,
                project,
                need,
            }) => {
                let mut has = "has no role there".to_string();
                for r in Role::ALL {
                    if self.access.has_role(caller, &project, r)? {
                        has = format!("has '{r}'");
                    }
                }
                return Err(CoreError::NotPermitted(format!(
                    "attaching data source '{name}' needs role '{need}' in project '{project}' ('{who}' {has}); listing and showing sources work with 'read'"
                ))
                .with_hint(Hint::GrantRole {
                    role: need.name().to_string(),
                    identity: who,
                    project,
                }));
            }
            other => other?,
        }
        let record = self.find(project, name)?;
        let info = SourceInfo::from_record(&record);
        match self.check_secret(project, &info.spec())? {
            SecretCheck::Fine => {}
            SecretCheck::Missing { secret } => {
                return Err(CoreError::Missing(format!(
                    "source '{}' uses the secret '{secret}', which does not exist in project '{project}' any more; create it again or point the source at another secret (coffer source create {} ... --or-replace)",
                    info.name, info.name
                )));
            }
            SecretCheck::WrongType { secret, need, found } => {
                return Err(CoreError::Usage(format!(
                    "{}; replace the secret, or point the source at a {need} secret (coffer source create {} ... --or-replace)",
                    SecretCheck::wrong_type(&info.name, &secret, need, &found),
                    info.name
                )));
            }
        }
        let event = caller.event(
            project,
            &source_object(&info.name),
            "source.attach",
            "ok",
            Some(format!(
                "type={} secret={} version={} purpose=attach",
                info.source_type,
                info.secret.as_deref().unwrap_or("none"),
                info.version
            )),
        );
        self.store.append_audit(&[event]).map_err(CoreError::Audit)?;
        Ok(info)
    }
}
