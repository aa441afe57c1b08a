//! Defining flights: create, update (only by who may act as its run identity when it
//! changes what runs), show, list and delete.

use super::part::{flight_object, new_id, Flights};
use super::templates::TemplateRefs;
use crate::caller::{Caller, Role};
use crate::clock::now_ms;
use crate::error::{CoreError, Result};
use crate::types::flights::{FlightInfo, FlightSaved, FlightUpdate};
use coffer_model::flight::FlightSpec;
use coffer_model::hint::Hint;
use coffer_store::{FlightRecord, StoreError};

impl Flights<'_> {
    /// Checks what a definition refers to: the attached secrets exist and give no reserved
    /// variable ([`coffer_model::reserved`]; config keys are checked by
    /// [`FlightSpec::validate`]), the token exists and the caller may run as it, and no two
    /// sources (config keys, attached secrets, the project's generic secrets) give one
    /// variable. The project's unattached generic secrets are not checked for reserved names:
    /// one stored before the rule existed is left to the run's environment builder to skip, and
    /// refusing every flight of the project for it would punish the wrong writer.
    pub(super) fn check_flight_refs(&self, caller: &Caller, project: &str, spec: &FlightSpec) -> Result<()> {
        // Templates parse, and none would put a value on a command's argv.
        TemplateRefs::collect_spec("the flight", spec, &spec.config).map_err(CoreError::Usage)?;
        let infos = self.secret_infos(project)?;
        let mut vars: Vec<(String, String)> = spec
            .config
            .keys()
            .map(|k| (k.clone(), format!("config key '{k}'")))
            .collect();
        for name in &spec.secrets {
            let Some(info) = infos.iter().find(|i| i.name.eq_ignore_ascii_case(name)) else {
                return Err(
                    CoreError::Usage(format!("secret '{name}' does not exist in project '{project}'"))
                        .with_hint(Hint::CreateSecret { name: name.clone() }),
                );
            };
            let planned =
                coffer_model::env::planned_vars(&info.name, &info.secret_type, &info.fields, &info.sensitive_keys);
            for (var, source) in &planned {
                coffer_model::env::check_not_reserved(
                    var,
                    || format!("attached {source}"),
                    "rename the secret or its key, or attach another secret",
                )?;
            }
            vars.extend(planned);
        }
        for info in infos.iter().filter(|i| i.secret_type == "generic") {
            if !spec.secrets.iter().any(|s| s.eq_ignore_ascii_case(&info.name)) {
                vars.push((info.name.clone(), format!("project secret '{}'", info.name)));
            }
        }
        coffer_model::env::check_unique_names(vars.iter().map(|(n, s)| (n.as_str(), s.as_str())))?;
        if let Some(t) = &spec.token_name {
            let token = self
                .store
                .get_token(t)?
                .ok_or_else(|| CoreError::Usage(format!("no token named '{t}'; the token list has their names")))?;
            let owner = self
                .store
                .get_identity_by_id(token.identity_id)?
                .ok_or_else(|| CoreError::Usage(format!("the owner of token '{t}' no longer exists")))?;
            let own = caller.identity_id == Some(owner.id);
            if !own && !self.access.may_manage(caller, &owner)? {
                return Err(CoreError::Forbidden {
                    caller: caller.name.clone(),
                    project: owner.project.clone().unwrap_or_else(|| project.to_string()),
                    need: Role::Admin,
                });
            }
        }
        Ok(())
    }

    /// See [`Service::create_flight`](crate::Service::create_flight).
    pub(crate) fn create_flight(
        &self,
        caller: &Caller,
        project: &str,
        name: &str,
        spec: FlightSpec,
    ) -> Result<FlightSaved> {
        let project = &self.access.canonical_project(project)?;
        self.access
            .authorize(caller, project, Role::Write, "flight.create", &flight_object(name))?;
        coffer_model::names::validate_name(name).map_err(|_| {
            CoreError::Usage(format!(
                "invalid flight name '{name}': names must match [A-Za-z0-9._-]{{1,128}} (letters, digits, '.', '_' and '-'; not '.' or '..')"
            ))
        })?;
        spec.validate()?;
        self.check_flight_refs(caller, project, &spec)?;
        let warnings = coffer_model::lint::credential_warnings(&spec.config)
            .iter()
            .map(ToString::to_string)
            .collect();
        let now = now_ms();
        let record = FlightRecord {
            id: new_id(),
            project: project.clone(),
            name: name.to_string(),
            spec,
            version: 1,
            owner: caller.name.clone(),
            owner_id: caller.identity_id,
            created_at: now,
            updated_at: now,
            last_tick: None,
        };
        let ev = caller.event(
            project,
            &flight_object(name),
            "flight.create",
            "ok",
            Some(format!("kind={} version=1", record.spec.kind.name())),
        );
        self.store.create_flight(&record, &[ev]).map_err(|e| match e {
            StoreError::Conflict { .. } => {
                CoreError::Conflict(format!("flight '{name}' already exists; update it instead"))
            }
            other => other.into(),
        })?;
        Ok(FlightSaved {
            info: self.flight_info(&record),
            warnings,
            unchanged: false,
        })
    }

    /// See [`Service::update_flight`](crate::Service::update_flight).
    pub(crate) fn update_flight(
        &self,
        caller: &Caller,
        project: &str,
        name: &str,
        update: FlightUpdate,
    ) -> Result<FlightSaved> {
        let project = &self.access.canonical_project(project)?;
        self.access
            .authorize(caller, project, Role::Write, "flight.update", &flight_object(name))?;
        if update.is_empty() {
            return Err(CoreError::Usage("nothing to update".into()).with_hint(Hint::NameAChange));
        }
        let old = self.find_flight(project, name)?;
        if let Some(expected) = update.if_version.filter(|v| *v != old.version) {
            return Err(CoreError::Conflict(format!(
                "flight '{}' is at version {}, not {expected}: it changed since it was read; read it again and redo the change",
                old.name, old.version
            )));
        }
        // Its runs act as an identity (the token's owner, or the flight's owner): changing what
        // they run is acting as that identity, so only who may act as it can.
        if update.changes_what_runs() {
            if let Ok(runs_as) = self.run_identity(&old, 0) {
                if !self.may_act_as(caller, &runs_as)? {
                    let detail = format!("runs act as '{}'; '{}' may not act as it", runs_as.name, caller.name);
                    self.store
                        .append_audit(&[caller.event(
                            project,
                            &flight_object(&old.name),
                            "flight.update",
                            "denied",
                            Some(detail),
                        )])
                        .map_err(CoreError::Audit)?;
                    return Err(CoreError::NotPermitted(format!(
                        "flight '{}' runs as '{}', and '{}' may not act as '{}', so it may not change what the flight runs (its command, script, steps, config, secrets or token); its schedule, time zone, timeout and concurrency may still be changed. Ask '{}' or an admin of its project, or create a flight of your own",
                        old.name, runs_as.name, caller.name, runs_as.name, runs_as.name
                    )));
                }
            }
        }
        let mut record = old.clone();
        update.apply(&mut record.spec);
        if record.spec.token_name != old.spec.token_name {
            record.spec.runs_as_since = Some(old.version + 1);
        }
        record.spec.validate()?;
        self.check_flight_refs(caller, project, &record.spec)?;
        let warnings = coffer_model::lint::credential_warnings(&record.spec.config)
            .iter()
            .map(ToString::to_string)
            .collect();
        if record.spec.same_definition(&old.spec) {
            // Nothing changes: no version is made (a redeploy of the same definition).
            return Ok(FlightSaved {
                info: self.flight_info(&old),
                warnings,
                unchanged: true,
            });
        }
        record.version = old.version + 1;
        record.updated_at = now_ms();
        let ev = caller.event(
            project,
            &flight_object(&old.name),
            "flight.update",
            "ok",
            Some(format!("version={}", record.version)),
        );
        self.store
            .update_flight(&record, old.version, &caller.name, &[ev])
            .map_err(|e| match e {
                StoreError::Conflict { .. } => CoreError::Conflict(format!(
                    "flight '{}' was changed by another writer at the same time; try again",
                    old.name
                )),
                other => other.into(),
            })?;
        Ok(FlightSaved {
            info: self.flight_info(&record),
            warnings,
            unchanged: false,
        })
    }

    /// A flight as shown, with the identity its runs act as.
    pub(super) fn flight_info(&self, r: &FlightRecord) -> FlightInfo {
        let runs_as = match self.run_identity(r, 0) {
            Ok(c) => match &c.token_name {
                Some(t) => format!("{} (token {t})", c.name),
                None => c.name,
            },
            Err(why) => format!("nobody: {why}"),
        };
        FlightInfo::from_record(r, runs_as)
    }

    /// Whether `caller` may act as `identity`, a flight's run identity: it is that identity,
    /// a superuser, or administers it (a project admin and the project's service accounts);
    /// the machine's owner in local mode may act as anyone.
    pub(super) fn may_act_as(&self, caller: &Caller, identity: &Caller) -> Result<bool> {
        if caller.superuser || (caller.identity_id.is_some() && caller.identity_id == identity.identity_id) {
            return Ok(true);
        }
        let Some(id) = identity.identity_id else {
            // A local-mode owner: only the machine's owner acts as it.
            return Ok(caller.identity_id.is_none());
        };
        match self.store.get_identity_by_id(id)? {
            Some(record) => self.access.may_manage(caller, &record),
            None => Ok(true),
        }
    }

    /// See [`Service::get_flight`](crate::Service::get_flight).
    pub(crate) fn get_flight(&self, caller: &Caller, project: &str, name: &str) -> Result<FlightInfo> {
        let project = &self.access.canonical_project(project)?;
        self.access
            .authorize(caller, project, Role::Read, "flight.show", &flight_object(name))?;
        Ok(self.flight_info(&self.find_flight(project, name)?))
    }

    /// See [`Service::list_flights`](crate::Service::list_flights).
    pub(crate) fn list_flights(&self, caller: &Caller, project: &str) -> Result<Vec<FlightInfo>> {
        let project = &self.access.canonical_project(project)?;
        self.access
            .authorize(caller, project, Role::Read, "flight.list", "flights")?;
        Ok(self
            .store
            .list_flights(Some(project))?
            .iter()
            .map(|r| self.flight_info(r))
            .collect())
    }

    /// See [`Service::delete_flight`](crate::Service::delete_flight).
    pub(crate) fn delete_flight(&self, caller: &Caller, project: &str, name: &str) -> Result<()> {
        let project = &self.access.canonical_project(project)?;
        self.access
            .authorize(caller, project, Role::Write, "flight.delete", &flight_object(name))?;
        let f = self.find_flight(project, name)?;
        let running: Vec<i64> = self
            .store
            .running_runs()?
            .iter()
            .filter(|r| r.flight_id == f.id)
            .map(|r| r.run_number)
            .collect();
        if let Some(n) = running.first() {
            return Err(CoreError::Conflict(format!(
                "flight '{}' has {} running run(s); cancel them first (run {n})",
                f.name,
                running.len()
            )));
        }
        let ev = caller.event(project, &flight_object(&f.name), "flight.delete", "ok", None);
        if !self.store.delete_flight(project, &f.name, &[ev])? {
            return Err(CoreError::Missing(format!(
                "no flight named '{name}' in project '{project}'"
            )));
        }
        Ok(())
    }
}
