//! A run's launch: the identity it acts as, and its environment (config, secrets, templates,
//! its own token, the project's secrets for its DuckDB), from one audited opening.

use super::part::Flights;
use super::templates::{flight_steps, TemplateRefs};
use crate::caller::{Caller, Role};
use crate::clock::now_ms;
use crate::error::CoreError;
use crate::plan;
use crate::runenv::{Origin, RunEnv};
use crate::types::flights::{Launch, RunInfo};
use crate::types::secrets::OpenedSecret;
use coffer_model::flight::FlightKind;
use coffer_store::{FlightRecord, RunRecord};

impl Flights<'_> {
    /// The identity a run of `f` acts as, or why it cannot run.
    pub(super) fn run_identity(&self, f: &FlightRecord, run_number: i64) -> std::result::Result<Caller, String> {
        let client = format!("flight:{}#{run_number}", f.name);
        if let Some(t) = &f.spec.token_name {
            let token =
                self.store.get_token(t).map_err(|e| e.to_string())?.ok_or_else(|| {
                    format!("token '{t}' no longer exists; create it again or change the flight's token")
                })?;
            let now = now_ms();
            if token.revoked_at.is_some() {
                return Err(format!("token '{t}' is revoked; change the flight's token"));
            }
            if token.expires_at.is_some_and(|e| e <= now) {
                return Err(format!("token '{t}' has expired; change the flight's token"));
            }
            let owner = self
                .store
                .get_identity_by_id(token.identity_id)
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("the owner of token '{t}' no longer exists"))?;
            return Ok(Caller {
                identity_id: Some(owner.id),
                name: owner.name,
                superuser: owner.superuser,
                token_name: Some(t.clone()),
                client,
            });
        }
        match f.owner_id {
            Some(id) => {
                let owner = self
                    .store
                    .get_identity_by_id(id)
                    .map_err(|e| e.to_string())?
                    .ok_or_else(|| {
                        format!(
                            "the flight's owner '{}' no longer exists; give the flight a token",
                            f.owner
                        )
                    })?;
                Ok(Caller {
                    identity_id: Some(owner.id),
                    name: owner.name,
                    superuser: owner.superuser,
                    token_name: None,
                    client,
                })
            }
            // Created in local mode: the machine's owner, a superuser as in local mode.
            None => Ok(Caller {
                identity_id: None,
                name: f.owner.clone(),
                superuser: true,
                token_name: None,
                client,
            }),
        }
    }

    /// The environment of a run, or why it cannot start (a message naming the cause, never a
    /// value). Every secret the run gets (attached, generic, named by a template, and the
    /// project's secrets for the run's DuckDB) is opened in one audited batch.
    pub(super) fn prepare(
        &self,
        f: &FlightRecord,
        run: &RunRecord,
        project: &str,
        coffer_url: Option<&str>,
    ) -> std::result::Result<Launch, String> {
        let identity = self.run_identity(f, run.run_number)?;
        let infos = self.secret_infos(project).map_err(|e| e.to_string())?;
        // 1. What the run needs: attached and generic secrets become variables ...
        let mut wanted: Vec<(String, Option<coffer_model::Storage>)> = Vec::new();
        let want = |wanted: &mut Vec<(String, Option<coffer_model::Storage>)>, name: &str, storage| {
            if !wanted
                .iter()
                .any(|(n, s)| n.eq_ignore_ascii_case(name) && *s == storage)
            {
                wanted.push((name.to_string(), storage));
            }
        };
        for n in &f.spec.secrets {
            want(&mut wanted, n, None);
        }
        for info in infos.iter().filter(|i| i.secret_type == "generic") {
            want(&mut wanted, &info.name, None);
        }
        let var_secrets = wanted.len();
        // ... templates name more ...
        let templates = TemplateRefs::collect(f, &run.config)?;
        for (_, r) in &templates.refs {
            want(&mut wanted, &r.name, None);
        }
        // ... and python and sql runs get the project's storage secrets in their DuckDB.
        let duck_steps = flight_steps(f)
            .iter()
            .any(|s| matches!(s.kind, FlightKind::Python | FlightKind::Sql));
        let plan = if duck_steps && self.access.has_role(&identity, project, Role::Use).unwrap_or(false) {
            plan::plan(&infos)
        } else {
            Vec::new()
        };
        for e in &plan {
            // A secret already asked for by name (and held in one storage only) is that one:
            // it is opened, and audited, once.
            let single = infos
                .iter()
                .filter(|i| i.name.eq_ignore_ascii_case(&e.info.name))
                .count()
                == 1;
            if single
                && wanted
                    .iter()
                    .any(|(n, s)| s.is_none() && n.eq_ignore_ascii_case(&e.info.name))
            {
                continue;
            }
            want(&mut wanted, &e.info.name, Some(e.info.storage));
        }
        let purpose = format!("flight:{}#{}", f.name, run.run_number);
        // 2. One opening, audited once per secret, refused as a whole when two attached
        // secrets would set one variable.
        let opened = if wanted.is_empty() {
            Vec::new()
        } else {
            self.secrets.use_secrets_checked(&identity, project, &wanted, &purpose, |opened| {
                let vars: Vec<_> = opened[..var_secrets]
                    .iter()
                    .flat_map(|o| coffer_model::env::secret_vars(&o.info.name, &o.info.secret_type, &o.fields))
                    .collect();
                Ok(coffer_model::env::check_unique(&vars)?)
            })
            .map_err(|e| match e {
                CoreError::NotFound { name, .. } if f.spec.secrets.iter().any(|n| n.eq_ignore_ascii_case(&name)) => {
                    format!(
                        "attached secret '{name}' does not exist (dropped?); recreate it, or detach it from flight '{}'",
                        f.name
                    )
                }
                CoreError::NotFound { name, .. } => match templates.refs.iter().find(|(_, r)| r.name.eq_ignore_ascii_case(&name)) {
                    Some((what, r)) => format!(
                        "{{{{ secret('{name}') }}}} in {what} at {}: secret '{name}' does not exist",
                        r.pos
                    ),
                    None => format!("secret '{name}' does not exist"),
                },
                CoreError::Forbidden { caller, project, need } => format!(
                    "the flight runs as '{caller}', which lacks role {need} in project '{project}' to read its secrets; a project admin can grant it"
                ),
                other => format!("cannot open the flight's secrets: {other}"),
            })?
        };
        let mut opened = opened.into_iter();
        let var_opened: Vec<OpenedSecret> = opened.by_ref().take(var_secrets).collect();
        let rest: Vec<OpenedSecret> = opened.collect();
        // 3. The environment, in one builder.
        let mut env = RunEnv::new();
        let resolved = templates.render(f, &run.config, &var_opened, &rest)?;
        for (k, v) in resolved.config {
            env.add(Origin::Member, &k, v, &format!("config key '{k}'"), false)?;
        }
        for v in resolved.values {
            env.mask_value(v);
        }
        for o in &var_opened {
            for v in coffer_model::env::secret_vars(&o.info.name, &o.info.secret_type, &o.fields) {
                env.add_secret_var(v)?;
            }
        }
        let mut run_token = None;
        if let Some(id) = identity.identity_id {
            let token = self
                .mint_run_token(f, run, id, identity.token_name.as_deref())
                .map_err(|e| e.to_string())?;
            env.add_runner("COFFER_TOKEN", token.1, true)?;
            run_token = Some(token.0);
        }
        if let Some(url) = coffer_url {
            env.add_runner("COFFER_URL", url, false)?;
        }
        for (k, v) in [
            ("COFFER_PROJECT", project.to_string()),
            ("COFFER_FLIGHT", f.name.clone()),
            ("COFFER_FLIGHT_ID", f.id.clone()),
            ("COFFER_RUN_NUMBER", run.run_number.to_string()),
        ] {
            env.add_runner(k, v.as_str(), false)?;
        }
        let duckdb = plan
            .into_iter()
            .filter_map(|e| {
                var_opened
                    .iter()
                    .chain(rest.iter())
                    .find(|o| o.info.name.eq_ignore_ascii_case(&e.info.name) && o.info.storage == e.info.storage)
                    .map(|o| {
                        (
                            e.scopes,
                            OpenedSecret {
                                info: o.info.clone(),
                                fields: o.fields.duplicate(),
                            },
                        )
                    })
            })
            .collect();
        Ok(Launch {
            run: RunInfo::from_record(&f.name, run),
            project: project.to_string(),
            kind: f.spec.kind,
            steps: resolved.steps,
            env,
            duckdb,
            timeout: f.spec.timeout_secs.map(std::time::Duration::from_secs),
            identity,
            requirements: f.spec.requirements.clone(),
            source_builds: f.spec.source_builds,
            run_token,
        })
    }
}
