//! Flights (seed 003): definitions, runs and their logs, as use cases of [`Service`].
//!
//! - A flight is defined by a caller with `write` in its project; its runs act as the identity
//!   of the flight's named token, or as its owner when none is named. The secrets a run gets
//!   are opened as that identity (so it needs `use`), audited with purpose `flight:NAME#N`.
//! - Starting a run ([`Service::start_run`]) records it first and then resolves its
//!   environment: a run whose attached secret was dropped is recorded `failed` with a message
//!   naming the secret, before anything starts. Values are read at start, so a replaced secret
//!   needs no redeploy.
//! - Each run gets its own `COFFER_TOKEN`: a token of the run's identity named
//!   `run.<flight id>.<n>`, minted at start, expiring with the run's timeout and revoked when
//!   the run ends (the named token itself is stored only as a hash and cannot be handed out).
//! - Running processes is not done here: see the `coffer-flights` crate.

use crate::caller::{Caller, Role};
use crate::clock::now_ms;
use crate::error::{CoreError, Result};
use crate::service::Service;
use coffer_crypto::SecretString;
use coffer_model::flight::{FlightKind, FlightSpec, RunStatus, Step};
use coffer_store::{AuditEvent, FlightRecord, LogChunk, RunEnd, RunRecord, StoreError, TokenRecord};
use indexmap::IndexMap;

pub use crate::types::flights::{
    FlightInfo, FlightSaved, FlightUpdate, Launch, LaunchStep, RunInfo, RunRequest, Started,
};

/// The most log bytes one [`Service::run_log`] answer carries (at least one chunk).
pub const LOG_PAGE_BYTES: usize = 1 << 20;

/// The one identity the scheduler acts as when it starts runs.
pub fn scheduler_caller() -> Caller {
    Caller {
        identity_id: None,
        name: "scheduler".into(),
        superuser: true,
        token_name: None,
        client: "scheduler".into(),
    }
}

fn flight_object(name: &str) -> String {
    format!("flight:{name}")
}

fn new_id() -> String {
    let mut b = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn looks_like_id(s: &str) -> bool {
    s.len() == 36 && s.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

impl Service {
    fn find_flight(&self, project: &str, name_or_id: &str) -> Result<FlightRecord> {
        let found = if looks_like_id(name_or_id) {
            self.store
                .get_flight_by_id(&name_or_id.to_ascii_lowercase())?
                .filter(|f| f.project.eq_ignore_ascii_case(project))
        } else {
            None
        };
        let found = match found {
            Some(f) => Some(f),
            None => self.store.get_flight(project, name_or_id)?,
        };
        found.ok_or_else(|| CoreError::Missing(format!("no flight named '{name_or_id}' in project '{project}'")))
    }

    /// The metadata of every secret of the project, temporary ones of this process included.
    fn secret_infos(&self, project: &str) -> Result<Vec<crate::SecretInfo>> {
        let mut out = self.temporary_infos(project);
        out.extend(
            self.store
                .list_secrets(project)?
                .iter()
                .map(crate::SecretInfo::from_record),
        );
        Ok(out)
    }

    /// Checks what a definition refers to: the attached secrets exist and give no reserved
    /// variable ([`coffer_model::reserved`]; config keys are checked by
    /// [`FlightSpec::validate`]), the token exists and the caller may run as it, and no two
    /// sources (config keys, attached secrets, the project's generic secrets) give one
    /// variable. The project's unattached generic secrets are not checked for reserved names:
    /// one stored before the rule existed is left to the run's environment builder to skip, and
    /// refusing every flight of the project for it would punish the wrong writer.
    fn check_flight_refs(&self, caller: &Caller, project: &str, spec: &FlightSpec) -> Result<()> {
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
                return Err(CoreError::Usage(format!(
                    "secret '{name}' does not exist in project '{project}'; create it first (coffer secret create {name} --type flights ...)"
                )));
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
                .ok_or_else(|| CoreError::Usage(format!("no token named '{t}'; list them with `coffer token list`")))?;
            let owner = self
                .store
                .get_identity_by_id(token.identity_id)?
                .ok_or_else(|| CoreError::Usage(format!("the owner of token '{t}' no longer exists")))?;
            let own = caller.identity_id == Some(owner.id);
            if !own && !self.may_manage_identity(caller, &owner)? {
                return Err(CoreError::Forbidden {
                    caller: caller.name.clone(),
                    project: owner.project.clone().unwrap_or_else(|| project.to_string()),
                    need: Role::Admin,
                });
            }
        }
        Ok(())
    }

    /// Creates a flight (role `write`). Returns it with warnings for config values that look
    /// like credentials.
    ///
    /// # Errors
    /// [`CoreError::Forbidden`]; [`CoreError::Invalid`] for a bad definition or two sources
    /// of one variable; [`CoreError::Usage`] for an unknown secret or token;
    /// [`CoreError::Conflict`] when the name is taken.
    pub fn create_flight(&self, caller: &Caller, project: &str, name: &str, spec: FlightSpec) -> Result<FlightSaved> {
        let project = &self.canonical_project(project)?;
        self.authorize(caller, project, Role::Write, "flight.create", &flight_object(name))?;
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
            StoreError::Conflict { .. } => CoreError::Conflict(format!(
                "flight '{name}' already exists; change it with `coffer flight update`"
            )),
            other => other.into(),
        })?;
        Ok(FlightSaved {
            info: self.flight_info(&record),
            warnings,
        })
    }

    /// Changes a flight (role `write`); its version goes up by one.
    ///
    /// # Errors
    /// As [`Service::create_flight`]; [`CoreError::Missing`]; [`CoreError::Usage`] for an
    /// update that changes nothing.
    pub fn update_flight(
        &self,
        caller: &Caller,
        project: &str,
        name: &str,
        update: FlightUpdate,
    ) -> Result<FlightSaved> {
        let project = &self.canonical_project(project)?;
        self.authorize(caller, project, Role::Write, "flight.update", &flight_object(name))?;
        if update.is_empty() {
            return Err(CoreError::Usage(
                "nothing to update: give at least one of --config, --secret, --file, --token, --schedule, ...".into(),
            ));
        }
        let old = self.find_flight(project, name)?;
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
            .update_flight(&record, old.version, &[ev])
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
        })
    }

    /// A flight as shown, with the identity its runs act as.
    fn flight_info(&self, r: &FlightRecord) -> FlightInfo {
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
    fn may_act_as(&self, caller: &Caller, identity: &Caller) -> Result<bool> {
        if caller.superuser || (caller.identity_id.is_some() && caller.identity_id == identity.identity_id) {
            return Ok(true);
        }
        let Some(id) = identity.identity_id else {
            // A local-mode owner: only the machine's owner acts as it.
            return Ok(caller.identity_id.is_none());
        };
        match self.store.get_identity_by_id(id)? {
            Some(record) => self.may_manage_identity(caller, &record),
            None => Ok(true),
        }
    }

    /// One flight (role `read`); by name or by flight id.
    ///
    /// # Errors
    /// [`CoreError::Forbidden`], [`CoreError::Missing`].
    pub fn get_flight(&self, caller: &Caller, project: &str, name: &str) -> Result<FlightInfo> {
        let project = &self.canonical_project(project)?;
        self.authorize(caller, project, Role::Read, "flight.show", &flight_object(name))?;
        Ok(self.flight_info(&self.find_flight(project, name)?))
    }

    /// The project's flights (role `read`), by name.
    ///
    /// # Errors
    /// [`CoreError::Forbidden`].
    pub fn list_flights(&self, caller: &Caller, project: &str) -> Result<Vec<FlightInfo>> {
        let project = &self.canonical_project(project)?;
        self.authorize(caller, project, Role::Read, "flight.list", "flights")?;
        Ok(self
            .store
            .list_flights(Some(project))?
            .iter()
            .map(|r| self.flight_info(r))
            .collect())
    }

    /// Deletes a flight with its runs and logs (role `write`); refused while a run is running.
    ///
    /// # Errors
    /// [`CoreError::Forbidden`], [`CoreError::Missing`], [`CoreError::Conflict`].
    pub fn delete_flight(&self, caller: &Caller, project: &str, name: &str) -> Result<()> {
        let project = &self.canonical_project(project)?;
        self.authorize(caller, project, Role::Write, "flight.delete", &flight_object(name))?;
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
                "flight '{}' has {} running run(s); cancel them first (coffer flight cancel {} {n})",
                f.name,
                running.len(),
                f.name
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

    /// The identity a run of `f` acts as, or why it cannot run.
    fn run_identity(&self, f: &FlightRecord, run_number: i64) -> std::result::Result<Caller, String> {
        let client = format!("flight:{}#{run_number}", f.name);
        if let Some(t) = &f.spec.token_name {
            let token = self.store.get_token(t).map_err(|e| e.to_string())?.ok_or_else(|| {
                format!("token '{t}' no longer exists; create it again or change the flight's --token")
            })?;
            let now = now_ms();
            if token.revoked_at.is_some() {
                return Err(format!("token '{t}' is revoked; change the flight's --token"));
            }
            if token.expires_at.is_some_and(|e| e <= now) {
                return Err(format!("token '{t}' has expired; change the flight's --token"));
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
                    .ok_or_else(|| format!("the flight's owner '{}' no longer exists; name a --token", f.owner))?;
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

    /// Starts a run of a flight (the caller needs `use`): records it as `running` and
    /// resolves its environment. A run that cannot start (a dropped secret, a revoked token)
    /// is recorded `failed` and returned as [`Started::Failed`].
    ///
    /// # Errors
    /// [`CoreError::Forbidden`], [`CoreError::Missing`]; [`CoreError::Invalid`] for an
    /// override of an unknown key (nothing is recorded); [`CoreError::Conflict`] when the
    /// flight already has as many runs running as its concurrency allows.
    pub fn start_run(&self, caller: &Caller, project: &str, name: &str, req: RunRequest) -> Result<Started> {
        let project = &self.canonical_project(project)?;
        self.authorize(caller, project, Role::Use, "flight.run", &flight_object(name))?;
        let f = self.find_flight(project, name)?;
        let config = f.spec.effective_config(&req.overrides)?;
        let trigger = req.trigger.clone().unwrap_or_else(|| "manual".into());
        let now = now_ms();
        let mut run = RunRecord {
            flight_id: f.id.clone(),
            run_number: 0,
            status: RunStatus::Running.name().into(),
            flight_version: f.version,
            config: config.clone(),
            exit_code: None,
            trigger: trigger.clone(),
            started_by: caller.name.clone(),
            started_at: now,
            finished_at: None,
            message: None,
            runner: Some(req.runner.clone()),
            cancel_requested: false,
            scheduled_for: req.scheduled_for,
        };
        let overridden: Vec<&str> = req.overrides.keys().map(String::as_str).collect();
        let ev = caller.event(
            project,
            &flight_object(&f.name),
            "flight.run",
            "ok",
            Some(format!(
                "version={} trigger={trigger}{}",
                f.version,
                if overridden.is_empty() {
                    String::new()
                } else {
                    format!(" overrides={}", overridden.join(","))
                }
            )),
        );
        run.run_number = self
            .store
            .create_run(&run, f.spec.concurrency, &[ev])
            .map_err(|e| match e {
                StoreError::Conflict { .. } => CoreError::Conflict(format!(
                    "flight '{}' already has {} running run(s), its concurrency; wait, cancel one (coffer flight cancel {} RUN) or raise --concurrency",
                    f.name, f.spec.concurrency, f.name
                )),
                other => other.into(),
            })?;
        match self.prepare(&f, &run, project, req.coffer_url.as_deref()) {
            Ok(launch) => Ok(Started::Launch(Box::new(launch))),
            Err(message) => {
                let end = RunEnd {
                    status: RunStatus::Failed.name().into(),
                    exit_code: None,
                    finished_at: now_ms(),
                    message: Some(message.clone()),
                };
                let ev = caller.event(
                    project,
                    &flight_object(&f.name),
                    "flight.run.end",
                    "failed",
                    Some(format!("run={} {message}", run.run_number)),
                );
                self.store.finish_run(&f.id, run.run_number, &end, &[ev])?;
                self.store.append_log(
                    &f.id,
                    run.run_number,
                    &[LogChunk {
                        seq: 0,
                        stream: "coffer".into(),
                        at: end.finished_at,
                        data: format!("run {} failed before start: {message}\n", run.run_number).into_bytes(),
                    }],
                )?;
                let stored = self.store.get_run(&f.id, run.run_number)?.unwrap_or(run);
                Ok(Started::Failed(Box::new(RunInfo::from_record(&f.name, &stored))))
            }
        }
    }

    /// The environment of a run, or why it cannot start (a message naming the cause, never a
    /// value). Every secret the run gets (attached, generic, named by a template, and the
    /// project's secrets for the run's DuckDB) is opened in one audited batch.
    fn prepare(
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
        let plan = if duck_steps && self.has_role(&identity, project, Role::Use).unwrap_or(false) {
            crate::plan::plan(&infos)
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
            self.use_secrets_checked(&identity, project, &wanted, &purpose, |opened| {
                let vars: Vec<_> = opened[..var_secrets]
                    .iter()
                    .flat_map(|o| coffer_model::env::secret_vars(&o.info.name, &o.info.secret_type, &o.fields))
                    .collect();
                Ok(coffer_model::env::check_unique(&vars)?)
            })
            .map_err(|e| match e {
                CoreError::NotFound { name, .. } if f.spec.secrets.iter().any(|n| n.eq_ignore_ascii_case(&name)) => {
                    format!(
                        "attached secret '{name}' does not exist (dropped?); recreate it, or detach it with `coffer flight update {} --secret ...`",
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
                    "the flight runs as '{caller}', which lacks role {need} in project '{project}' to read its secrets; grant it (coffer grant use {caller})"
                ),
                other => format!("cannot open the flight's secrets: {other}"),
            })?
        };
        let mut opened = opened.into_iter();
        let var_opened: Vec<crate::OpenedSecret> = opened.by_ref().take(var_secrets).collect();
        let rest: Vec<crate::OpenedSecret> = opened.collect();
        // 3. The environment, in one builder.
        let mut env = crate::runenv::RunEnv::new();
        let resolved = templates.render(f, &run.config, &var_opened, &rest)?;
        for (k, v) in resolved.config {
            env.add(
                crate::runenv::Origin::Member,
                &k,
                v,
                &format!("config key '{k}'"),
                false,
            )?;
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
                            crate::OpenedSecret {
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
            run_token,
        })
    }

    /// A token of `identity_id` for one run, expiring after the run's timeout (a day when it
    /// has none) and revoked when the run ends. When the run acts through the flight's token
    /// `parent`, the run's token is its child: it expires no later and is revoked with it.
    fn mint_run_token(
        &self,
        f: &FlightRecord,
        run: &RunRecord,
        identity_id: i64,
        parent: Option<&str>,
    ) -> Result<(String, SecretString)> {
        let name = format!(
            "{}{}.{}",
            crate::access::RUN_TOKEN_PREFIX,
            f.id.replace('-', ""),
            run.run_number
        );
        let public_id = crate::access::random_hex(8);
        let token = SecretString::from(format!("coffer_{public_id}_{}", crate::access::random_hex(32)));
        let now = now_ms();
        let life_ms = f
            .spec
            .timeout_secs
            .map_or(24 * 3600 * 1000, |s| (s as i64 + 300) * 1000);
        let parent = match parent {
            Some(p) => Some(
                self.store
                    .get_token(p)?
                    .ok_or_else(|| CoreError::Missing(format!("token '{p}' no longer exists")))?,
            ),
            None => None,
        };
        let expires_at = match &parent {
            Some(p) => self.capped_expiry(p, Some(now.saturating_add(life_ms)))?.0,
            None => Some(now.saturating_add(life_ms)),
        };
        let rec = TokenRecord {
            id: 0,
            public_id,
            identity_id,
            name: name.clone(),
            hash: crate::access::hash(token.expose_secret()),
            created_at: now,
            created_by: format!("flight:{}#{}", f.name, run.run_number),
            expires_at,
            last_used_at: None,
            revoked_at: None,
            parent_id: parent.as_ref().map(|p| p.id),
        };
        let ev = AuditEvent {
            id: 0,
            at: now,
            actor: format!("flight:{}", f.name),
            token_name: None,
            project: f.project.clone(),
            object: format!("token:{name}"),
            action: "token.create".into(),
            result: "ok".into(),
            client: "flight-runner".into(),
            detail: Some(format!("run token of run {}", run.run_number)),
        };
        self.store.create_token(&rec, &[ev])?;
        Ok((name, token))
    }

    /// Ends a launched run: records how it ended and revokes its token.
    ///
    /// # Errors
    /// Store errors.
    pub fn finish_run(&self, launch: &Launch, end: &RunEnd) -> Result<RunInfo> {
        let ev = AuditEvent {
            id: 0,
            at: end.finished_at,
            actor: launch.identity.name.clone(),
            token_name: launch.identity.token_name.clone(),
            project: launch.project.clone(),
            object: flight_object(&launch.run.flight),
            action: "flight.run.end".into(),
            result: end.status.clone(),
            client: launch.identity.client.clone(),
            detail: Some(format!(
                "run={} exit_code={}",
                launch.run.run_number,
                end.exit_code.map_or_else(|| "-".to_string(), |c| c.to_string())
            )),
        };
        self.store
            .finish_run(&launch.run.flight_id, launch.run.run_number, end, &[ev])?;
        if let Some(t) = &launch.run_token {
            let ev = AuditEvent {
                id: 0,
                at: now_ms(),
                actor: format!("flight:{}", launch.run.flight),
                token_name: None,
                project: launch.project.clone(),
                object: format!("token:{t}"),
                action: "token.revoke".into(),
                result: "ok".into(),
                client: "flight-runner".into(),
                detail: Some("run ended".into()),
            };
            self.store.revoke_token(t, now_ms(), &|_| vec![ev.clone()])?;
        }
        self.run_record(&launch.run.flight_id, launch.run.run_number, &launch.run.flight)
    }

    fn run_record(&self, flight_id: &str, n: i64, flight: &str) -> Result<RunInfo> {
        let r = self
            .store
            .get_run(flight_id, n)?
            .ok_or_else(|| CoreError::Missing(format!("flight '{flight}' has no run {n}")))?;
        Ok(RunInfo::from_record(flight, &r))
    }

    /// Whether someone asked to cancel this run (for the process running it).
    ///
    /// # Errors
    /// Store errors.
    pub fn cancel_requested(&self, flight_id: &str, run_number: i64) -> Result<bool> {
        Ok(self
            .store
            .get_run(flight_id, run_number)?
            .is_some_and(|r| r.cancel_requested))
    }

    /// Appends masked output to a run's log (for the process running it).
    ///
    /// # Errors
    /// Store errors.
    pub fn append_run_log(&self, flight_id: &str, run_number: i64, chunks: &[LogChunk]) -> Result<()> {
        Ok(self.store.append_log(flight_id, run_number, chunks)?)
    }

    /// Asks the process running a run to stop it (role `use`); it ends as `cancelled`.
    ///
    /// # Errors
    /// [`CoreError::Forbidden`], [`CoreError::Missing`], [`CoreError::Conflict`] when the
    /// run is not running.
    pub fn cancel_run(&self, caller: &Caller, project: &str, name: &str, run_number: i64) -> Result<RunInfo> {
        let project = &self.canonical_project(project)?;
        self.authorize(caller, project, Role::Use, "flight.cancel", &flight_object(name))?;
        let f = self.find_flight(project, name)?;
        let run = self.run_record(&f.id, run_number, &f.name)?;
        let ev = caller.event(
            project,
            &flight_object(&f.name),
            "flight.cancel",
            "ok",
            Some(format!("run={run_number}")),
        );
        if !self.store.request_cancel(&f.id, run_number, &[ev])? {
            return Err(CoreError::Conflict(format!(
                "run {run_number} of flight '{}' is not running (it is {})",
                f.name, run.status
            )));
        }
        self.run_record(&f.id, run_number, &f.name)
    }

    /// A flight's runs, newest first (role `read`).
    ///
    /// # Errors
    /// [`CoreError::Forbidden`], [`CoreError::Missing`].
    pub fn list_runs(&self, caller: &Caller, project: &str, name: &str, limit: usize) -> Result<Vec<RunInfo>> {
        let project = &self.canonical_project(project)?;
        self.authorize(caller, project, Role::Read, "flight.runs", &flight_object(name))?;
        let f = self.find_flight(project, name)?;
        Ok(self
            .store
            .list_runs(&f.id, limit)?
            .iter()
            .map(|r| RunInfo::from_record(&f.name, r))
            .collect())
    }

    /// One run (role `read`).
    ///
    /// # Errors
    /// [`CoreError::Forbidden`], [`CoreError::Missing`].
    pub fn get_run(&self, caller: &Caller, project: &str, name: &str, run_number: i64) -> Result<RunInfo> {
        let project = &self.canonical_project(project)?;
        self.authorize(caller, project, Role::Read, "flight.runs", &flight_object(name))?;
        let f = self.find_flight(project, name)?;
        self.run_record(&f.id, run_number, &f.name)
    }

    /// A run's (masked) log after chunk `after`, and the run (role `read`).
    ///
    /// # Errors
    /// [`CoreError::Forbidden`], [`CoreError::Missing`].
    pub fn run_log(
        &self,
        caller: &Caller,
        project: &str,
        name: &str,
        run_number: i64,
        after: i64,
        limit: usize,
    ) -> Result<(RunInfo, Vec<LogChunk>)> {
        let project = &self.canonical_project(project)?;
        self.authorize(caller, project, Role::Read, "flight.logs", &flight_object(name))?;
        let f = self.find_flight(project, name)?;
        let run = self.run_record(&f.id, run_number, &f.name)?;
        // At most LOG_PAGE_BYTES of output per answer (always at least one chunk), read a few
        // chunks at a time: the caller asks again after the last `seq` it got.
        let mut chunks: Vec<LogChunk> = Vec::new();
        let mut bytes = 0usize;
        let mut cursor = after;
        'read: while chunks.len() < limit {
            let batch = self
                .store
                .read_log(&f.id, run_number, cursor, (limit - chunks.len()).min(8))?;
            if batch.is_empty() {
                break;
            }
            for c in batch {
                if !chunks.is_empty() && bytes + c.data.len() > LOG_PAGE_BYTES {
                    break 'read;
                }
                bytes += c.data.len();
                cursor = c.seq;
                chunks.push(c);
            }
        }
        Ok((run, chunks))
    }

    /// The scheduled flights with a tick due at `now_ms`, each claimed (so that one node of
    /// several starts it): at most one tick per flight however many were missed.
    ///
    /// # Errors
    /// Store errors.
    pub fn claim_due_ticks(&self, now_ms: i64) -> Result<Vec<(String, String, i64)>> {
        let mut out = Vec::new();
        for f in self.store.list_flights(None)? {
            let Some(expr) = &f.spec.schedule else { continue };
            let Ok(schedule) = coffer_model::schedule::Schedule::parse(expr, f.spec.timezone.as_deref()) else {
                continue;
            };
            let since = f.last_tick.unwrap_or(f.created_at).max(f.created_at);
            if let Some(tick) = schedule.due(since, now_ms) {
                if self.store.claim_tick(&f.id, f.last_tick, tick)? {
                    out.push((f.project.clone(), f.name.clone(), tick));
                }
            }
        }
        Ok(out)
    }

    /// Every run recorded `running` by a runner on `host` (`host:pid`) whose process is gone
    /// (`alive` says no): marked `failed`. Returns how many.
    ///
    /// # Errors
    /// Store errors.
    pub fn fail_orphaned_runs(&self, host: &str, alive: impl Fn(u32) -> bool) -> Result<usize> {
        let mut n = 0;
        for r in self.store.running_runs()? {
            let Some((h, pid)) = r.runner.as_deref().and_then(|x| x.rsplit_once(':')) else {
                continue;
            };
            let Ok(pid) = pid.parse::<u32>() else { continue };
            if h != host || alive(pid) {
                continue;
            }
            let end = RunEnd {
                status: RunStatus::Failed.name().into(),
                exit_code: None,
                finished_at: now_ms(),
                message: Some(format!(
                    "the coffer process running it ({h}:{pid}) stopped during the run"
                )),
            };
            let project = self
                .store
                .get_flight_by_id(&r.flight_id)?
                .map(|f| f.project)
                .unwrap_or_default();
            let ev = scheduler_caller().event(
                &project,
                &format!("flight-id:{}", r.flight_id),
                "flight.run.end",
                "failed",
                Some(format!("run={} runner gone", r.run_number)),
            );
            if self.store.finish_run(&r.flight_id, r.run_number, &end, &[ev])? {
                self.revoke_run_token(
                    &r,
                    &scheduler_caller(),
                    &project,
                    "run failed: its coffer process stopped",
                )?;
                n += 1;
            }
        }
        Ok(n)
    }
}

/// A flight's texts with their templates resolved.
struct Resolved {
    steps: Vec<LaunchStep>,
    config: Vec<(String, SecretString)>,
    values: Vec<SecretString>,
}

/// The steps a flight runs: its flow's, or itself as one step named after it.
fn flight_steps(f: &FlightRecord) -> Vec<Step> {
    if f.spec.kind == FlightKind::Flow {
        f.spec.steps.clone()
    } else {
        vec![Step {
            id: f.name.clone(),
            kind: f.spec.kind,
            command: f.spec.command.clone(),
            script: f.spec.script.clone(),
            env: IndexMap::new(),
        }]
    }
}

/// Where a text of a step sits, for messages.
fn place(flow: bool, step: &Step, what: String) -> String {
    if flow {
        format!("step '{}' {what}", step.id)
    } else {
        what
    }
}

/// Why a template may not stand in a command's argument: the value would be on argv.
fn argv_template_error(what: &str, r: &coffer_model::template::SecretRef) -> String {
    format!(
        "{{{{ secret('{}') }}}} in {what} at {}: a secret value may not be put in a command's arguments, where /proc/PID/cmdline shows it to every local user; read it from a variable instead: put the template in a config value (--config TOKEN=\"{{{{ secret('{}') }}}}\") and use \"$TOKEN\" in a shell line (sh -c '... \"$TOKEN\"')",
        r.name, r.pos, r.name
    )
}

/// Every `{{ secret(...) }}` of a flight's commands, scripts, properties and config values,
/// with where it stands; a template in an exec argument (not a shell line) is refused.
struct TemplateRefs {
    refs: Vec<(String, coffer_model::template::SecretRef)>,
}

impl TemplateRefs {
    fn collect(f: &FlightRecord, config: &IndexMap<String, String>) -> std::result::Result<Self, String> {
        Self::collect_spec(&f.name, &f.spec, config)
    }

    fn collect_spec(
        name: &str,
        spec: &FlightSpec,
        config: &IndexMap<String, String>,
    ) -> std::result::Result<Self, String> {
        use coffer_model::template;
        let flow = spec.kind == FlightKind::Flow;
        let single;
        let steps: &[Step] = if flow {
            &spec.steps
        } else {
            single = [Step {
                id: name.to_string(),
                kind: spec.kind,
                command: spec.command.clone(),
                script: spec.script.clone(),
                env: IndexMap::new(),
            }];
            &single
        };
        let mut refs = Vec::new();
        for step in steps {
            let shell_line = template::shell_line_index(&step.command);
            for (i, a) in step.command.iter().enumerate() {
                let what = place(flow, step, format!("command argument {}", i + 1));
                for r in template::refs(a, &what).map_err(|e| e.to_string())? {
                    if Some(i) != shell_line {
                        return Err(argv_template_error(&what, &r));
                    }
                    refs.push((what.clone(), r));
                }
            }
            if let Some(s) = &step.script {
                let what = place(flow, step, "script".into());
                for r in template::refs(s, &what).map_err(|e| e.to_string())? {
                    refs.push((what.clone(), r));
                }
            }
            for (k, v) in &step.env {
                let what = place(flow, step, format!("property '{k}'"));
                for r in template::refs(v, &what).map_err(|e| e.to_string())? {
                    refs.push((what.clone(), r));
                }
            }
        }
        for (k, v) in config {
            let what = format!("config value of '{k}'");
            for r in template::refs(v, &what).map_err(|e| e.to_string())? {
                refs.push((what.clone(), r));
            }
        }
        Ok(TemplateRefs { refs })
    }

    /// The steps and config with every template resolved from `opened` (the run's one batch):
    /// scripts, properties and config values hold the values; a shell line holds a reference
    /// to a variable of its step instead.
    fn render(
        &self,
        f: &FlightRecord,
        config: &IndexMap<String, String>,
        a: &[crate::OpenedSecret],
        b: &[crate::OpenedSecret],
    ) -> std::result::Result<Resolved, String> {
        use coffer_model::template;
        let flow = f.spec.kind == FlightKind::Flow;
        let mut values: Vec<SecretString> = Vec::new();
        let mut value_of = |what: &str, r: &template::SecretRef| -> std::result::Result<SecretString, String> {
            let o = a
                .iter()
                .chain(b.iter())
                .find(|o| o.info.name.eq_ignore_ascii_case(&r.name))
                .ok_or_else(|| format!("secret '{}' does not exist", r.name))?;
            let v = SecretString::from(
                template_value(o, r.key.as_deref())
                    .map_err(|why| format!("{{{{ secret('{}') }}}} in {what} at {}: {why}", r.name, r.pos))?,
            );
            values.push(v.duplicate());
            Ok(v)
        };
        type ValueOf<'v> = dyn FnMut(&str, &template::SecretRef) -> std::result::Result<SecretString, String> + 'v;
        let render =
            |what: &str, text: &str, value_of: &mut ValueOf<'_>| -> std::result::Result<SecretString, String> {
                template::render(text, what, |r| {
                    value_of(what, r)
                        .map(|v| v.expose_secret().to_string())
                        .map_err(TemplateError::Message)
                })
                .map_err(|e| e.to_string())
                .map(SecretString::from)
            };
        let mut out_steps = Vec::new();
        for step in flight_steps(f) {
            let shell_line = template::shell_line_index(&step.command);
            let mut env: Vec<(String, SecretString, String, bool)> = Vec::new();
            let mut command = Vec::with_capacity(step.command.len());
            for (i, arg) in step.command.iter().enumerate() {
                let what = place(flow, &step, format!("command argument {}", i + 1));
                if Some(i) != shell_line {
                    if let Some(r) = template::refs(arg, &what).map_err(|e| e.to_string())?.first() {
                        return Err(argv_template_error(&what, r));
                    }
                    command.push(arg.clone());
                    continue;
                }
                let line = template::shell_substitute(arg, &what, |r| {
                    let value = value_of(&what, r).map_err(TemplateError::Message)?;
                    let name = format!("COFFER_TEMPLATE_{}", env.len() + 1);
                    env.push((
                        name.clone(),
                        value,
                        format!("{{{{ secret('{}') }}}} in {what}", r.name),
                        true,
                    ));
                    Ok::<_, TemplateError>(name)
                })
                .map_err(|e| e.to_string())?;
                command.push(line);
            }
            let script_place = place(flow, &step, "script".into());
            let script = match &step.script {
                Some(s) => Some(render(&script_place, s, &mut value_of)?),
                None => None,
            };
            let mut props = Vec::with_capacity(step.env.len());
            for (k, v) in &step.env {
                let what = place(flow, &step, format!("property '{k}'"));
                props.push((k.clone(), render(&what, v, &mut value_of)?, what, false));
            }
            out_steps.push(LaunchStep {
                id: step.id.clone(),
                kind: step.kind,
                command,
                script,
                script_has_secrets: self.refs.iter().any(|(w, _)| *w == script_place),
                env: props,
                template_env: env,
            });
        }
        let mut out_config = Vec::with_capacity(config.len());
        for (k, v) in config {
            out_config.push((k.clone(), render(&format!("config value of '{k}'"), v, &mut value_of)?));
        }

        Ok(Resolved {
            steps: out_steps,
            config: out_config,
            values,
        })
    }
}

/// Why a template could not be rendered.
#[derive(Debug)]
enum TemplateError {
    Model(coffer_model::ModelError),
    Message(String),
}

impl From<coffer_model::ModelError> for TemplateError {
    fn from(e: coffer_model::ModelError) -> Self {
        TemplateError::Model(e)
    }
}

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TemplateError::Model(e) => e.fmt(f),
            TemplateError::Message(m) => f.write_str(m),
        }
    }
}

/// The value `{{ secret(NAME[, KEY]) }}` stands for: a `generic` secret's value; a `flights`
/// secret's only param (or param KEY); a typed secret's field KEY.
fn template_value(o: &crate::OpenedSecret, key: Option<&str>) -> std::result::Result<String, String> {
    use coffer_model::{FieldValue, SensitiveValue};
    let fields = &o.fields;
    let params = || -> Vec<(&String, &SecretString)> {
        match fields.sensitive.get("params") {
            Some(SensitiveValue::Map(m)) => m.iter().collect(),
            _ => Vec::new(),
        }
    };
    match key {
        None => {
            if let Some(SensitiveValue::Text(v)) = fields.sensitive.get("value") {
                return Ok(v.expose_secret().to_string());
            }
            let p = params();
            if p.len() == 1 {
                return Ok(p[0].1.expose_secret().to_string());
            }
            let keys: Vec<String> = if o.info.secret_type == "flights" {
                p.iter().map(|(k, _)| (*k).clone()).collect()
            } else {
                fields
                    .public
                    .keys()
                    .cloned()
                    .chain(fields.sensitive.keys().cloned())
                    .collect()
            };
            Err(format!(
                "secret '{}' has several values ({}); name one: {{{{ secret('{}', 'KEY') }}}}",
                o.info.name,
                keys.join(", "),
                o.info.name
            ))
        }
        Some(k) => {
            if let Some((_, v)) = params().into_iter().find(|(pk, _)| pk.as_str() == k) {
                return Ok(v.expose_secret().to_string());
            }
            let lower = k.to_ascii_lowercase();
            match fields.sensitive.get(&lower) {
                Some(SensitiveValue::Text(v)) => return Ok(v.expose_secret().to_string()),
                Some(SensitiveValue::Map(_)) => {
                    return Err(format!("field '{k}' of secret '{}' is a map, not a value", o.info.name))
                }
                None => {}
            }
            match fields.public.get(&lower) {
                Some(FieldValue::Text(t)) => Ok(t.clone()),
                Some(other) => Ok(other.to_display()),
                None => {
                    let mut keys: Vec<String> = params().iter().map(|(k, _)| (*k).clone()).collect();
                    keys.extend(fields.public.keys().cloned());
                    keys.extend(fields.sensitive.keys().filter(|k| *k != "params").cloned());
                    Err(format!(
                        "secret '{}' has no key '{k}'; its keys: {}",
                        o.info.name,
                        keys.join(", ")
                    ))
                }
            }
        }
    }
}
