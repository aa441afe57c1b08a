//! Opening values: for a caller with `use`, audited before anything is handed out; and a
//! run's environment built from them.

use super::part::Secrets;
use crate::caller::{Caller, Role};
use crate::error::{CoreError, Result};
use crate::runenv::RunEnv;
use crate::types::secrets::OpenedSecret;
use coffer_model::Storage;
use tracing::instrument;

impl Secrets<'_> {
    /// See [`Service::use_secrets`](crate::Service::use_secrets).
    #[instrument(skip_all, fields(project = project, n = items.len()))]
    pub(crate) fn use_secrets(
        &self,
        caller: &Caller,
        project: &str,
        items: &[(String, Option<Storage>)],
        purpose: &str,
    ) -> Result<Vec<OpenedSecret>> {
        self.use_secrets_checked(caller, project, items, purpose, |_| Ok(()))
    }

    /// [`Service::use_secrets`](crate::Service::use_secrets) with a check of the opened secrets
    /// that runs before anything is audited or handed out.
    pub(crate) fn use_secrets_checked(
        &self,
        caller: &Caller,
        project: &str,
        items: &[(String, Option<Storage>)],
        purpose: &str,
        check: impl FnOnce(&[OpenedSecret]) -> Result<()>,
    ) -> Result<Vec<OpenedSecret>> {
        let project = &self.access.canonical_project(project)?;
        if let Err(e) = self.access.authorize_quiet(caller, project, Role::Use) {
            let detail = format!("needs role use; purpose={purpose}");
            let mut events: Vec<_> = items
                .iter()
                .map(|(n, _)| caller.event(project, &format!("secret:{n}"), "use", "denied", Some(detail.clone())))
                .collect();
            if events.is_empty() {
                events.push(caller.event(project, "secrets", "use", "denied", Some(detail)));
            }
            self.store.append_audit(&events).map_err(CoreError::Audit)?;
            return Err(e);
        }
        let mut opened = Vec::with_capacity(items.len());
        for (name, storage) in items {
            opened.push(self.open_secret(project, name, *storage)?);
        }
        check(&opened)?;
        let events: Vec<_> = opened
            .iter()
            .map(|o| {
                caller.event(
                    project,
                    &format!("secret:{}", o.info.name),
                    "use",
                    "ok",
                    Some(format!(
                        "purpose={purpose} storage={} version={}",
                        o.info.storage.name(),
                        o.info.version
                    )),
                )
            })
            .collect();
        self.store.append_audit(&events).map_err(CoreError::Audit)?;
        Ok(opened)
    }

    /// See [`Service::resolve_env`](crate::Service::resolve_env).
    pub(crate) fn resolve_env(&self, caller: &Caller, project: &str, names: &[String]) -> Result<RunEnv> {
        let items: Vec<(String, Option<Storage>)> = names.iter().map(|n| (n.clone(), None)).collect();
        let vars_of = |opened: &[OpenedSecret]| {
            let mut vars = Vec::new();
            for o in opened {
                vars.extend(coffer_model::env::secret_vars(
                    &o.info.name,
                    &o.info.secret_type,
                    &o.fields,
                ));
            }
            vars
        };
        let opened = self.use_secrets_checked(caller, project, &items, "env", |opened| {
            Ok(coffer_model::env::check_unique(&vars_of(opened))?)
        })?;
        let mut env = RunEnv::new();
        for v in vars_of(&opened) {
            env.add_secret_var(v).map_err(CoreError::Usage)?;
        }
        Ok(env)
    }
}
