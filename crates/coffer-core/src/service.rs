use crate::aad;
use crate::cache::StoredSecret;
use crate::caller::{Caller, Role};
use crate::clock::now_ms;
use crate::error::{CoreError, Result};
use crate::types::secrets::{
    CreateOutcome, CreateRequest, OnConflict, OpenedSecret, SecretChange, SecretInfo, SecretUpdate, SecretVersionInfo,
    WhichSecret,
};
use coffer_crypto::{envelope, Keyring, Sealed, SecretBytes, SecretString};
use coffer_model::validate::{validate, Validated};
use coffer_model::{names, FieldValue, InputValue, ScopeIndex, SecretFields, SensitiveValue, Storage};
use coffer_store::{Expect, SealedRecord, SecretRecord, Store, StoreError};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};
use tracing::{info, instrument};

enum Located {
    Memory(Box<SecretInfo>),
    Coffer(std::sync::Arc<StoredSecret>),
    Env(Box<SecretInfo>),
}

impl Located {
    fn storage(&self) -> Storage {
        match self {
            Located::Memory(_) => Storage::Memory,
            Located::Coffer(_) => Storage::Coffer,
            Located::Env(_) => Storage::Env,
        }
    }
}

struct TempSecret {
    info: SecretInfo,
    fields: SecretFields,
}

/// The prefix of the environment variables [`Service::load_env_secrets`] reads (Kestra's).
pub const ENV_SECRET_PREFIX: &str = "SECRET_";

/// The most temporary secrets one project may keep in a coffer process's memory.
pub const MAX_TEMPORARY_SECRETS: usize = 1_000;
/// The most bytes (names and values) the temporary secrets of one project may take.
pub const MAX_TEMPORARY_BYTES: usize = 4 << 20;

/// The read-only secrets of storage `env`, from `SECRET_<NAME>` environment variables. They
/// live in this process's memory only: never written to the store, never sealed.
#[derive(Default)]
struct EnvSecrets {
    /// The projects they are visible in (compared case-insensitively); `None`: every project.
    projects: Option<Vec<String>>,
    /// By lower-cased name (names compare case-insensitively, as everywhere in coffer).
    secrets: BTreeMap<String, TempSecret>,
}

impl EnvSecrets {
    fn visible_in(&self, project: &str) -> bool {
        self.projects
            .as_ref()
            .is_none_or(|ps| ps.iter().any(|p| p.eq_ignore_ascii_case(project)))
    }

    fn get(&self, project: &str, name: &str) -> Option<&TempSecret> {
        if self.visible_in(project) {
            self.secrets.get(&name.to_ascii_lowercase())
        } else {
            None
        }
    }

    fn infos(&self, project: &str) -> impl Iterator<Item = &SecretInfo> {
        let visible = self.visible_in(project);
        self.secrets.values().filter(move |_| visible).map(|t| &t.info)
    }
}

/// Decodes standard base64 (RFC 4648 section 4 alphabet `A-Z a-z 0-9 + /`), with or without
/// `=` padding. ASCII whitespace is skipped, so the 76-column lines of `base64` (which wraps
/// long values) decode too. Bits left over after the last byte must be zero (canonical
/// encoding, as the `base64` crate's standard engine requires). `None` when invalid. The output
/// is zeroized when dropped.
fn decode_base64(text: &str) -> Option<SecretBytes> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
    use base64::Engine as _;
    let compact = SecretString::new(text.chars().filter(|c| !c.is_ascii_whitespace()).collect());
    let t = compact.expose_secret();
    // Padding is optional, but when present it must be the canonical padding.
    let decoded = if t.contains('=') {
        STANDARD.decode(t)
    } else {
        STANDARD_NO_PAD.decode(t)
    };
    decoded.ok().map(SecretBytes::new)
}

/// The error for a write to storage `env`; `name` is the env secret concerned, if there is one.
fn env_read_only(name: Option<&str>) -> CoreError {
    CoreError::ReadOnly(match name {
        Some(name) => format!(
            "secret '{name}' is read-only: it comes from the environment variable {ENV_SECRET_PREFIX}{name} (storage 'env'); to change it, set {ENV_SECRET_PREFIX}{name} to the new value, base64-encoded, in coffer's environment and restart coffer (unset it to remove the secret)"
        ),
        None => "secrets in storage 'env' are read-only".to_string(),
    })
}

/// instances in step this way).
pub trait SecretObserver: Send + Sync {
    /// `change` happened in `project`. Errors are the observer's to report; the change stands.
    fn changed(&self, service: &Service, project: &str, change: &SecretChange);

    /// Secrets of `project` (of every project when `None`) changed in ways not told one by
    /// one: another node deleted the project, or a store's change feed may have missed
    /// changes. Re-read them through `service`. The default does nothing.
    fn resync(&self, service: &Service, project: Option<&str>) {
        let _ = (service, project);
    }
}

thread_local! {
    /// The generation a [`ReadScope`] pinned on this thread.
    static PINNED: std::cell::Cell<Option<i64>> = const { std::cell::Cell::new(None) };
}

/// A read-only request in progress on this thread (see [`Service::read_scope`]).
#[derive(Debug)]
pub struct ReadScope {
    _not_send: std::marker::PhantomData<*const ()>,
}

impl Drop for ReadScope {
    fn drop(&mut self) {
        PINNED.with(|p| p.set(None));
    }
}

/// The application layer. See the crate docs.
pub struct Service {
    pub(crate) store: Box<dyn Store>,
    pub(crate) keyring: Box<dyn Keyring>,
    temporary: Mutex<BTreeMap<(String, String), TempSecret>>,
    env: Mutex<EnvSecrets>,
    indexes: Mutex<HashMap<String, ScopeIndex>>,
    observers: Mutex<Vec<std::sync::Arc<dyn SecretObserver>>>,
    seen_version: std::sync::atomic::AtomicI64,
    pub(crate) caches: Mutex<crate::cache::Caches>,
    net: Mutex<coffer_model::net::NetPolicy>,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service").finish_non_exhaustive()
    }
}

/// The key of a temporary secret: names compare case-insensitively, as in DuckDB.
fn key(project: &str, name: &str) -> (String, String) {
    (project.to_string(), name.to_ascii_lowercase())
}

/// What a create does given the secret that exists in its storage (DuckDB's OnCreateConflict).
enum Next {
    /// Write (version, created_at, created_by).
    Write((i64, i64, String)),
    /// Keep the existing secret (IF NOT EXISTS).
    Keep(Box<SecretInfo>),
}

fn next_version(
    existing: Option<&SecretInfo>,
    on_conflict: OnConflict,
    name: &str,
    storage: Storage,
    caller: &Caller,
    now: i64,
) -> Result<Next> {
    Ok(match (existing, on_conflict) {
        (Some(_), OnConflict::Error) => {
            return Err(CoreError::AlreadyExists {
                name: name.to_string(),
                storage,
            })
        }
        (Some(old), OnConflict::Ignore) => Next::Keep(Box::new(old.clone())),
        (Some(old), OnConflict::Replace) => Next::Write((old.version + 1, old.created_at, old.created_by.clone())),
        (None, _) => Next::Write((1, now, caller.name.clone())),
    })
}

fn input_of_public(v: &FieldValue) -> InputValue {
    match v {
        FieldValue::Bool(b) => InputValue::Bool(*b),
        FieldValue::Int(i) => InputValue::Int(*i),
        FieldValue::Text(t) => InputValue::Text(t.as_str().into()),
        FieldValue::Map(m) => InputValue::Map(m.iter().map(|(k, v)| (k.clone(), v.as_str().into())).collect()),
    }
}

/// A secret's fields as the inputs that would create them again.
fn inputs_of(fields: &SecretFields) -> Vec<(String, InputValue)> {
    let mut values: Vec<(String, InputValue)> = Vec::new();
    for (k, v) in &fields.public {
        values.push((k.clone(), input_of_public(v)));
    }
    for (k, v) in &fields.sensitive {
        values.push((
            k.clone(),
            match v {
                SensitiveValue::Text(s) => InputValue::Text(s.duplicate()),
                SensitiveValue::Map(m) => InputValue::Map(m.iter().map(|(k, v)| (k.clone(), v.duplicate())).collect()),
            },
        ));
    }
    values
}

const RETRIES: usize = 5;

impl Service {
    /// A service over `store` and `keyring`.
    pub fn new(store: Box<dyn Store>, keyring: Box<dyn Keyring>) -> Self {
        Service {
            store,
            keyring,
            temporary: Mutex::new(BTreeMap::new()),
            env: Mutex::new(EnvSecrets::default()),
            indexes: Mutex::new(HashMap::new()),
            observers: Mutex::new(Vec::new()),
            seen_version: std::sync::atomic::AtomicI64::new(i64::MIN),
            caches: Mutex::new(crate::cache::Caches::default()),
            net: Mutex::new(coffer_model::net::NetPolicy::standard()),
        }
    }

    /// Where runs and engines may connect (default: [`NetPolicy::standard`], no cloud
    /// metadata address): a secret whose endpoint resolves to a refused address is refused at
    /// creation. The server adds its own listeners and the owner's `--allow-network` ranges.
    ///
    /// [`NetPolicy::standard`]: coffer_model::net::NetPolicy::standard
    pub fn set_net_policy(&self, policy: coffer_model::net::NetPolicy) {
        *self.net.lock().unwrap_or_else(|e| e.into_inner()) = policy;
    }

    /// The policy of [`Service::set_net_policy`].
    pub fn net_policy(&self) -> coffer_model::net::NetPolicy {
        self.net.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// How many earlier versions of each persistent secret a replace keeps (default 10).
    pub fn set_keep_versions(&self, keep: usize) {
        self.store.set_keep_versions(keep);
    }

    /// Adds an observer of every later secret change.
    pub fn observe(&self, observer: std::sync::Arc<dyn SecretObserver>) {
        self.observers.lock().unwrap_or_else(|p| p.into_inner()).push(observer);
    }

    pub(crate) fn notify(&self, project: &str, change: SecretChange) {
        let observers: Vec<_> = self.observers.lock().unwrap_or_else(|p| p.into_inner()).clone();
        for o in observers {
            o.changed(self, project, &change);
        }
    }

    /// Tells every observer to re-read `project` (every project when `None`).
    pub(crate) fn resync_observers(&self, project: Option<&str>) {
        let observers: Vec<_> = self.observers.lock().unwrap_or_else(|p| p.into_inner()).clone();
        for o in observers {
            o.resync(self, project);
        }
    }

    /// The metadata of the secrets of `project` that live in this process's memory: its
    /// temporary secrets and the `env` secrets visible there.
    pub(crate) fn temporary_infos(&self, project: &str) -> Vec<SecretInfo> {
        let mut out: Vec<SecretInfo> = self
            .temp()
            .iter()
            .filter(|((p, _), _)| p == project)
            .map(|(_, t)| t.info.clone())
            .collect();
        out.extend(self.env_secrets().infos(project).cloned());
        out
    }

    fn temp(&self) -> MutexGuard<'_, BTreeMap<(String, String), TempSecret>> {
        self.temporary.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn env_secrets(&self) -> MutexGuard<'_, EnvSecrets> {
        self.env.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// [`Service::load_env_secrets_in`] with the secrets visible in every project.
    ///
    /// # Errors
    /// As [`Service::load_env_secrets_in`].
    pub fn load_env_secrets(&self, vars: impl IntoIterator<Item = (String, String)>) -> Result<usize> {
        self.load_env_secrets_in(None, vars)
    }

    /// Kestra's environment secrets backend: every `SECRET_<NAME>` variable of `vars` (others
    /// are skipped) becomes the read-only secret `<NAME>` of storage `env`, replacing any
    /// loaded before. Returns how many were loaded.
    ///
    /// The value is base64 (standard alphabet, padding optional, whitespace such as the line
    /// breaks of `base64`'s output ignored) of UTF-8 text: each becomes a `generic` secret
    /// whose one sensitive field `value` is the decoded text (binary values are refused:
    /// generic values are text, injected as environment variables). `<NAME>` must pass the
    /// name rule `[A-Za-z0-9._-]{1,128}`, and two variables may not give one name (names
    /// compare case-insensitively).
    ///
    /// `projects`: the projects they are visible in (`COFFER_ENV_PROJECT`, by default the
    /// `default` project, so that the server's own environment is not offered to every
    /// project); `None`, every project (Kestra has no projects; `COFFER_ENV_PROJECT=*`).
    ///
    /// The values stay in this process's memory (zeroized when dropped): never stored,
    /// sealed, logged or audited as written. Opening them is a `use` like any other secret
    /// (role `use`, audited with `storage=env`). Their metadata: storage `env`, `persistent`
    /// false, version 1, created and updated by `env:SECRET_<NAME>` at load time.
    ///
    /// All variables are checked before any is loaded: on an error nothing changes.
    ///
    /// # Errors
    /// [`CoreError::Usage`] naming every bad variable (invalid base64, not UTF-8, a bad name, a
    /// name given twice) and never a value.
    pub fn load_env_secrets_in(
        &self,
        projects: Option<&[String]>,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<usize> {
        let now = now_ms();
        let mut problems: Vec<String> = Vec::new();
        let mut loaded: BTreeMap<String, TempSecret> = BTreeMap::new();
        for (var, value) in vars {
            // The encoded value is as sensitive as the secret: zeroized when dropped.
            let value = SecretString::new(value);
            let Some(name) = var.strip_prefix(ENV_SECRET_PREFIX) else {
                continue;
            };
            let shown: String = var.chars().take(names::MAX_NAME_LEN + 16).collect::<String>();
            let shown = shown.escape_debug();
            if names::validate_name(name).is_err() {
                problems.push(format!(
                    "{shown}: '{}' is not a valid secret name (names must match [A-Za-z0-9._-]{{1,128}})",
                    name.chars()
                        .take(names::MAX_NAME_LEN + 8)
                        .collect::<String>()
                        .escape_debug()
                ));
                continue;
            }
            let Some(mut bytes) = decode_base64(value.expose_secret()) else {
                problems.push(format!(
                    "{shown}: the value is not valid base64 (standard alphabet A-Z a-z 0-9 + /, padding optional)"
                ));
                continue;
            };
            let text = match String::from_utf8(std::mem::take(bytes.expose_secret_mut())) {
                Ok(t) => SecretString::new(t),
                Err(e) => {
                    drop(SecretBytes::new(e.into_bytes()));
                    problems.push(format!(
                        "{shown}: the decoded value is not UTF-8 text (env secrets are text values)"
                    ));
                    continue;
                }
            };
            let lower = name.to_ascii_lowercase();
            if let Some(first) = loaded.get(&lower) {
                problems.push(format!(
                    "{shown}: gives the secret name '{name}', as {} does already (names compare case-insensitively)",
                    first.info.created_by.trim_start_matches("env:")
                ));
                continue;
            }
            let v = match validate(
                "generic",
                None,
                Vec::new(),
                vec![("value".to_string(), InputValue::Text(text))],
            ) {
                Ok(v) => v,
                Err(e) => {
                    problems.push(format!("{shown}: {e}"));
                    continue;
                }
            };
            let by = format!("env:{var}");
            let mut info = SecretInfo {
                name: name.to_string(),
                secret_type: v.ty.name.to_string(),
                provider: v.provider.name.to_string(),
                scope: v.scopes,
                storage: Storage::Env,
                persistent: false,
                version: 1,
                sensitive_keys: v.fields.sensitive_keys(),
                fields: v.fields.public.clone(),
                created_at: now,
                created_by: by.clone(),
                updated_at: now,
                updated_by: by,
                secret_string: String::new(),
            };
            info.secret_string = info.render_secret_string();
            loaded.insert(lower, TempSecret { info, fields: v.fields });
        }
        if !problems.is_empty() {
            return Err(CoreError::Usage(format!(
                "cannot load secrets from {ENV_SECRET_PREFIX}* environment variables (values are not shown):\n  {}\nfix or unset these variables: each must hold a base64-encoded UTF-8 value, e.g. {ENV_SECRET_PREFIX}NAME=$(printf %s 'the value' | base64)",
                problems.join("\n  ")
            )));
        }
        let count = loaded.len();
        {
            let mut env = self.env_secrets();
            env.projects = projects.map(<[String]>::to_vec);
            env.secrets = loaded;
        }
        // Every project's index may have changed.
        self.indexes.lock().unwrap_or_else(|p| p.into_inner()).clear();
        info!(count, "secrets loaded from {ENV_SECRET_PREFIX}* environment variables");
        Ok(count)
    }

    /// Creates (or replaces, or keeps) a secret.
    ///
    /// # Errors
    /// [`CoreError::Invalid`] for a bad definition (a `generic` secret whose name is a
    /// reserved variable, see [`coffer_model::reserved`], included), [`CoreError::AlreadyExists`],
    /// [`CoreError::ReadOnly`] for the `env` storage, store and crypto errors.
    #[instrument(skip_all, fields(project = project, storage = req.storage.name()))]
    pub fn create_secret(&self, caller: &Caller, project: &str, req: CreateRequest) -> Result<CreateOutcome> {
        self.create_secret_as(caller, project, req, None)
    }

    /// [`Service::create_secret`], audited as `action` (with more detail) instead of
    /// create/replace.
    fn create_secret_as(
        &self,
        caller: &Caller,
        project: &str,
        req: CreateRequest,
        action: Option<(&str, String)>,
    ) -> Result<CreateOutcome> {
        let project = &self.canonical_project(project)?;
        let object = format!("secret:{}", req.name.as_deref().unwrap_or("__default"));
        self.authorize(caller, project, Role::Write, "create", &object)?;
        let validated = validate(&req.secret_type, req.provider.as_deref(), req.scopes, req.values)?;
        coffer_model::net::check_secret(
            &self.net_policy(),
            validated.ty.name,
            &validated.fields,
            &coffer_model::net::resolve_system,
        )?;
        let name = match req.name {
            Some(n) => n,
            None => names::default_name(validated.ty.name),
        };
        names::validate_name(&name)?;
        if validated.ty.name == "generic" {
            // A generic secret is one variable named as the secret, in every run of the project.
            coffer_model::env::check_not_reserved(
                &name,
                || format!("generic secret name '{name}'"),
                "choose another name",
            )?;
        }
        let outcome = match req.storage {
            Storage::Env => {
                let found = self.env_secrets().get(project, &name).map(|t| t.info.name.clone());
                return Err(env_read_only(found.as_deref()));
            }
            Storage::Memory => self.create_temporary(caller, project, name, validated, req.on_conflict)?,
            Storage::Coffer => self.create_persistent(caller, project, name, validated, req.on_conflict, action)?,
        };
        if !matches!(outcome, CreateOutcome::Ignored(_)) {
            let i = outcome.info();
            self.with_index(project, |idx| idx.upsert(&i.name, i.storage, &i.secret_type, &i.scope));
            info!(name = %i.name, version = i.version, "secret written");
            self.notify(project, SecretChange::Upserted(Box::new(i.clone())));
        }
        Ok(outcome)
    }

    fn create_temporary(
        &self,
        caller: &Caller,
        project: &str,
        name: String,
        v: Validated,
        on_conflict: OnConflict,
    ) -> Result<CreateOutcome> {
        let mut temp = self.temp();
        let key = key(project, &name);
        let now = now_ms();
        let existing = temp.get(&key).map(|t| t.info.clone());
        let (version, created_at, created_by) =
            match next_version(existing.as_ref(), on_conflict, &name, Storage::Memory, caller, now)? {
                Next::Write(v) => v,
                Next::Keep(old) => return Ok(CreateOutcome::Ignored(*old)),
            };
        // Temporary secrets live in this process's memory: bounded per project.
        let size = |f: &SecretFields| -> usize {
            f.sensitive_values()
                .iter()
                .map(|(k, v)| k.len() + v.len())
                .sum::<usize>()
                + f.public
                    .iter()
                    .map(|(k, v)| k.len() + v.to_display().len())
                    .sum::<usize>()
        };
        let (count, bytes) = temp
            .iter()
            .filter(|((p, n), _)| p == &key.0 && n != &key.1)
            .fold((0usize, 0usize), |(c, b), (_, t)| (c + 1, b + size(&t.fields)));
        if count + 1 > MAX_TEMPORARY_SECRETS {
            return Err(CoreError::Usage(format!(
                "project '{project}' holds {count} temporary secrets, the most one project may keep in memory ({MAX_TEMPORARY_SECRETS}); drop some (DROP TEMPORARY SECRET name) or make this one persistent"
            )));
        }
        if bytes + size(&v.fields) > MAX_TEMPORARY_BYTES {
            return Err(CoreError::Usage(format!(
                "the temporary secrets of project '{project}' would take more than {} MiB of memory; drop some (DROP TEMPORARY SECRET name) or make this one persistent",
                MAX_TEMPORARY_BYTES >> 20
            )));
        }
        let mut info = SecretInfo {
            name,
            secret_type: v.ty.name.to_string(),
            provider: v.provider.name.to_string(),
            scope: v.scopes,
            storage: Storage::Memory,
            persistent: false,
            version,
            sensitive_keys: v.fields.sensitive_keys(),
            fields: v.fields.public.clone(),
            created_at,
            created_by,
            updated_at: now,
            updated_by: caller.name.clone(),
            secret_string: String::new(),
        };
        info.secret_string = info.render_secret_string();
        let action = if existing.is_some() { "replace" } else { "create" };
        self.store.append_audit(&[caller.event(
            project,
            &format!("secret:{}", info.name),
            action,
            "ok",
            Some("storage=memory".into()),
        )])?;
        temp.insert(
            key,
            TempSecret {
                info: info.clone(),
                fields: v.fields,
            },
        );
        Ok(if existing.is_some() {
            CreateOutcome::Replaced(info)
        } else {
            CreateOutcome::Created(info)
        })
    }

    fn create_persistent(
        &self,
        caller: &Caller,
        project: &str,
        name: String,
        v: Validated,
        on_conflict: OnConflict,
        action: Option<(&str, String)>,
    ) -> Result<CreateOutcome> {
        let plaintext = v.fields.sensitive_to_bytes();
        for _ in 0..RETRIES {
            let existing = self.store.get_secret(project, &name)?;
            let now = now_ms();
            let old = existing.as_ref().map(SecretInfo::from_record);
            let (version, created_at, created_by) =
                match next_version(old.as_ref(), on_conflict, &name, Storage::Coffer, caller, now)? {
                    Next::Write(v) => v,
                    Next::Keep(old) => return Ok(CreateOutcome::Ignored(*old)),
                };
            let expect = existing.as_ref().map_or(Expect::Absent, |r| Expect::Version(r.version));
            let mut record = SecretRecord {
                project: project.to_string(),
                name: name.clone(),
                secret_type: v.ty.name.to_string(),
                provider: v.provider.name.to_string(),
                scopes: v.scopes.clone(),
                public_fields: v.fields.public.clone(),
                sensitive_keys: v.fields.sensitive_keys(),
                sealed: SealedRecord {
                    key_id: String::new(),
                    wrapped_key: Vec::new(),
                    nonce: Vec::new(),
                    ciphertext: Vec::new(),
                },
                version,
                created_at,
                created_by,
                updated_at: now,
                updated_by: caller.name.clone(),
            };
            let sealed = envelope::seal(
                self.keyring.as_ref(),
                &aad::for_record(&record),
                plaintext.expose_secret(),
            )?;
            record.sealed = SealedRecord {
                key_id: sealed.wrapped_key.key_id,
                wrapped_key: sealed.wrapped_key.blob,
                nonce: sealed.nonce,
                ciphertext: sealed.ciphertext,
            };
            let (verb, extra) = match &action {
                Some((a, d)) => (*a, format!(" {d}")),
                None => (if existing.is_some() { "replace" } else { "create" }, String::new()),
            };
            let event = caller.event(
                project,
                &format!("secret:{}", record.name),
                verb,
                "ok",
                Some(format!("storage=coffer version={version}{extra}")),
            );
            match self.store.put_secret(&record, expect, &[event]) {
                Ok(()) => {
                    let info = SecretInfo::from_record(&record);
                    return Ok(if existing.is_some() {
                        CreateOutcome::Replaced(info)
                    } else {
                        CreateOutcome::Created(info)
                    });
                }
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(CoreError::Contended(name))
    }

    /// Where `name` is, filtered by `storage`: the temporary entry's metadata and/or the
    /// stored record, read once.
    fn locate(&self, project: &str, name: &str, storage: Option<Storage>) -> Result<Vec<Located>> {
        let mut found = Vec::new();
        if storage.is_none_or(|s| s == Storage::Memory) {
            if let Some(t) = self.temp().get(&key(project, name)) {
                found.push(Located::Memory(Box::new(t.info.clone())));
            }
        }
        if storage.is_none_or(|s| s == Storage::Coffer) {
            if let Some(r) = self.record(project, name)? {
                found.push(Located::Coffer(r));
            }
        }
        if storage.is_none_or(|s| s == Storage::Env) {
            if let Some(t) = self.env_secrets().get(project, name) {
                found.push(Located::Env(Box::new(t.info.clone())));
            }
        }
        Ok(found)
    }

    /// The stored record of `name`, through the cache.
    fn record(&self, project: &str, name: &str) -> Result<Option<std::sync::Arc<StoredSecret>>> {
        let generation = self.fresh()?;
        if let Some(hit) = self.caches().record(project, name) {
            return Ok(hit);
        }
        let r = self.store.get_secret(project, name)?.map(|record| {
            std::sync::Arc::new(StoredSecret {
                info: SecretInfo::from_record(&record),
                record,
            })
        });
        self.caches().put_record(generation, project, name, r.clone());
        Ok(r)
    }

    pub(crate) fn caches(&self) -> MutexGuard<'_, crate::cache::Caches> {
        self.caches.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Reads the store's generation and drops every cache entry if it moved; inside a
    /// [`Service::read_scope`], the generation read when the scope began.
    pub(crate) fn fresh(&self) -> Result<i64> {
        if let Some(g) = PINNED.with(std::cell::Cell::get) {
            return Ok(g);
        }
        let generation = self.store.generation()?;
        self.caches().sync(generation);
        Ok(generation)
    }

    /// Begins a read-only request on this thread: the store's generation is read once, and
    /// every lookup until the scope is dropped uses it, so a request that makes several
    /// lookups costs one generation read. Only for requests that change nothing: a write
    /// inside the scope would not be seen by the lookups after it.
    ///
    /// # Errors
    /// Store errors.
    pub fn read_scope(&self) -> Result<ReadScope> {
        let generation = self.fresh()?;
        PINNED.with(|p| p.set(Some(generation)));
        Ok(ReadScope {
            _not_send: std::marker::PhantomData,
        })
    }

    /// Exactly one location of `name`, or the DuckDB-style error: a name in several storages
    /// (memory, coffer, env: any two) is ambiguous unless `storage` says which, as DuckDB's
    /// lookup by name refuses a name found in several storages. (Only lookups by path rank
    /// storages, memory before coffer before env: [`Service::which_secret`].)
    fn locate_one(&self, project: &str, name: &str, storage: Option<Storage>) -> Result<Located> {
        let mut found = self.locate(project, name, storage)?;
        match found.len() {
            0 => Err(CoreError::NotFound {
                name: name.to_string(),
                storage,
            }),
            1 => Ok(found.remove(0)),
            _ => Err(CoreError::Ambiguous {
                // The env secret's name as its variable spells it, for the hint.
                name: found
                    .iter()
                    .find_map(|l| match l {
                        Located::Env(i) => Some(i.name.clone()),
                        _ => None,
                    })
                    .unwrap_or_else(|| name.to_string()),
                storages: found.iter().map(Located::storage).collect(),
            }),
        }
    }

    /// Drops a secret, as DuckDB's `DROP [TEMPORARY|PERSISTENT] SECRET [IF EXISTS] name`: a
    /// name in several storages needs `storage`. Returns the storage dropped from, `None` when
    /// nothing existed and `if_exists` was given.
    ///
    /// # Errors
    /// [`CoreError::NotFound`], [`CoreError::Ambiguous`], [`CoreError::ReadOnly`].
    #[instrument(skip_all, fields(project = project, name = name))]
    pub fn drop_secret(
        &self,
        caller: &Caller,
        project: &str,
        name: &str,
        if_exists: bool,
        storage: Option<Storage>,
    ) -> Result<Option<Storage>> {
        let project = &self.canonical_project(project)?;
        self.authorize(caller, project, Role::Write, "drop", &format!("secret:{name}"))?;
        if storage == Some(Storage::Env) {
            let found = self.env_secrets().get(project, name).map(|t| t.info.name.clone());
            return Err(env_read_only(found.as_deref()));
        }
        let target = match self.locate_one(project, name, storage) {
            Ok(Located::Env(info)) => return Err(env_read_only(Some(&info.name))),
            Ok(l) => l.storage(),
            Err(CoreError::NotFound { .. }) if if_exists => return Ok(None),
            Err(e) => return Err(e),
        };
        let event = caller.event(
            project,
            &format!("secret:{name}"),
            "drop",
            "ok",
            Some(format!("storage={}", target.name())),
        );
        let dropped = match target {
            Storage::Memory => {
                let mut temp = self.temp();
                if temp.contains_key(&key(project, name)) {
                    self.store.append_audit(&[event])?;
                    temp.remove(&key(project, name)).is_some()
                } else {
                    false
                }
            }
            _ => self.store.delete_secret(project, name, &[event])?,
        };
        if !dropped && !if_exists {
            return Err(CoreError::NotFound {
                name: name.to_string(),
                storage,
            });
        }
        self.with_index(project, |idx| {
            idx.remove(name, target);
        });
        info!(storage = target.name(), "secret dropped");
        if dropped {
            self.notify(
                project,
                SecretChange::Dropped {
                    name: name.to_string(),
                    storage: target,
                },
            );
        }
        Ok(dropped.then_some(target))
    }

    /// Every secret of `project` (temporary, persistent and env), ordered by name then storage.
    ///
    /// # Errors
    /// Store errors.
    pub fn list_secrets(&self, caller: &Caller, project: &str) -> Result<Vec<SecretInfo>> {
        let project = &self.canonical_project(project)?;
        self.authorize(caller, project, Role::Read, "list", "secrets")?;
        let mut out: Vec<SecretInfo> = self.temporary_infos(project);
        out.extend(self.store.list_secrets(project)?.iter().map(SecretInfo::from_record));
        out.sort_by(|a, b| a.name.cmp(&b.name).then(a.storage.cmp(&b.storage)));
        Ok(out)
    }

    /// One secret's metadata.
    ///
    /// # Errors
    /// [`CoreError::NotFound`], [`CoreError::Ambiguous`] when it is in several storages and
    /// `storage` is `None`.
    pub fn secret_info(
        &self,
        caller: &Caller,
        project: &str,
        name: &str,
        storage: Option<Storage>,
    ) -> Result<SecretInfo> {
        let project = &self.canonical_project(project)?;
        self.authorize(caller, project, Role::Read, "show", &format!("secret:{name}"))?;
        Ok(match self.locate_one(project, name, storage)? {
            Located::Memory(info) | Located::Env(info) => *info,
            Located::Coffer(r) => r.info.clone(),
        })
    }

    /// Opens secrets' values for `caller`, who needs the `use` role: one `use` audit event per
    /// secret is written before any value is handed out, and if it cannot be written nothing
    /// is (fail closed). `purpose` says what for (`env`, `dataplane`). Callers are the run
    /// environment and the data plane; no API returns these values to a person.
    ///
    /// # Errors
    /// [`CoreError::Forbidden`], [`CoreError::NotFound`], [`CoreError::Ambiguous`], a crypto
    /// integrity error when the stored ciphertext, wrapped key or clear metadata were changed
    /// or moved, and the audit log's error.
    #[instrument(skip_all, fields(project = project, n = items.len()))]
    pub fn use_secrets(
        &self,
        caller: &Caller,
        project: &str,
        items: &[(String, Option<Storage>)],
        purpose: &str,
    ) -> Result<Vec<OpenedSecret>> {
        self.use_secrets_checked(caller, project, items, purpose, |_| Ok(()))
    }

    /// [`Service::use_secrets`] with a check of the opened secrets that runs before anything
    /// is audited or handed out.
    pub(crate) fn use_secrets_checked(
        &self,
        caller: &Caller,
        project: &str,
        items: &[(String, Option<Storage>)],
        purpose: &str,
        check: impl FnOnce(&[OpenedSecret]) -> Result<()>,
    ) -> Result<Vec<OpenedSecret>> {
        let project = &self.canonical_project(project)?;
        if let Err(e) = self.authorize_quiet(caller, project, Role::Use) {
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

    /// The environment variables of `names` for a run (see [`coffer_model::env`]): the "use"
    /// of [`Service::use_secrets`] with purpose `env`, checked for two sources of one variable
    /// before anything is handed out, built by [`crate::runenv::RunEnv`] (a variable that
    /// steers a loader, shell or interpreter is left out, with a warning).
    ///
    /// # Errors
    /// As [`Service::use_secrets`]; [`CoreError::Invalid`] for a variable set twice.
    pub fn resolve_env(&self, caller: &Caller, project: &str, names: &[String]) -> Result<crate::runenv::RunEnv> {
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
        let mut env = crate::runenv::RunEnv::new();
        for v in vars_of(&opened) {
            env.add_secret_var(v).map_err(CoreError::Usage)?;
        }
        Ok(env)
    }

    /// Opens a secret's values without any check or audit: for this crate's own use.
    fn open_secret(&self, project: &str, name: &str, storage: Option<Storage>) -> Result<OpenedSecret> {
        let stored = match self.locate_one(project, name, storage)? {
            Located::Coffer(r) => r,
            located @ (Located::Memory(_) | Located::Env(_)) => {
                let missing = || CoreError::NotFound {
                    name: name.to_string(),
                    storage,
                };
                let opened = |t: &TempSecret| OpenedSecret {
                    info: t.info.clone(),
                    fields: t.fields.duplicate(),
                };
                return match located {
                    Located::Memory(_) => self.temp().get(&key(project, name)).map(opened).ok_or_else(missing),
                    _ => self.env_secrets().get(project, name).map(opened).ok_or_else(missing),
                };
            }
        };
        Ok(OpenedSecret {
            info: stored.info.clone(),
            fields: self.open_record(&stored.record)?,
        })
    }

    /// Decrypts one stored version's values, checked against its clear metadata.
    pub(crate) fn open_record(&self, record: &SecretRecord) -> Result<SecretFields> {
        let sealed = Sealed {
            wrapped_key: coffer_crypto::keyring::WrappedKey {
                key_id: record.sealed.key_id.clone(),
                blob: record.sealed.wrapped_key.clone(),
            },
            nonce: record.sealed.nonce.clone(),
            ciphertext: record.sealed.ciphertext.clone(),
        };
        let plain = envelope::open(self.keyring.as_ref(), &aad::for_record(record), &sealed)?;
        let sensitive = SecretFields::sensitive_from_bytes(plain.expose_secret())
            .map_err(|_| CoreError::Crypto(coffer_crypto::CryptoError::Integrity))?;
        let fields = SecretFields {
            public: record.public_fields.clone(),
            sensitive,
        };
        if fields.sensitive_keys() != record.sensitive_keys {
            return Err(CoreError::Crypto(coffer_crypto::CryptoError::Integrity));
        }
        Ok(fields)
    }

    /// The versions kept of a persistent secret, oldest first, the current one last: metadata
    /// only (role `read`).
    ///
    /// # Errors
    /// [`CoreError::NotFound`] when there is no persistent secret of that name.
    pub fn secret_history(&self, caller: &Caller, project: &str, name: &str) -> Result<Vec<SecretVersionInfo>> {
        let project = &self.canonical_project(project)?;
        self.authorize(caller, project, Role::Read, "history", &format!("secret:{name}"))?;
        let history = self.store.secret_history(project, name)?;
        if history.is_empty() {
            return Err(CoreError::NotFound {
                name: name.to_string(),
                storage: Some(Storage::Coffer),
            });
        }
        let last = history.len() - 1;
        Ok(history
            .iter()
            .enumerate()
            .map(|(i, r)| SecretVersionInfo {
                version: r.version,
                current: i == last,
                secret_type: r.secret_type.clone(),
                provider: r.provider.clone(),
                scope: r.scopes.clone(),
                fields: r.public_fields.clone(),
                sensitive_keys: r.sensitive_keys.clone(),
                updated_at: r.updated_at,
                updated_by: r.updated_by.clone(),
            })
            .collect())
    }

    /// Makes a new version of a persistent secret equal to its kept version `version`
    /// (role `write`); runs and the data plane use it from then on.
    ///
    /// # Errors
    /// [`CoreError::NotFound`] for an unknown secret or a version no longer kept,
    /// [`CoreError::Conflict`] when `version` is the current one.
    #[instrument(skip_all, fields(project = project, name = name, version = version))]
    pub fn rollback_secret(&self, caller: &Caller, project: &str, name: &str, version: i64) -> Result<SecretInfo> {
        let project = &self.canonical_project(project)?;
        self.authorize(caller, project, Role::Write, "rollback", &format!("secret:{name}"))?;
        let history = self.store.secret_history(project, name)?;
        let Some(current) = history.last() else {
            return Err(CoreError::NotFound {
                name: name.to_string(),
                storage: Some(Storage::Coffer),
            });
        };
        if current.version == version {
            return Err(CoreError::Conflict(format!(
                "version {version} is already the current version of secret '{}'",
                current.name
            )));
        }
        let Some(target) = history.iter().find(|r| r.version == version) else {
            let kept: Vec<String> = history.iter().map(|r| r.version.to_string()).collect();
            return Err(CoreError::Missing(format!(
                "secret '{}' has no version {version} (kept: {})",
                current.name,
                kept.join(", ")
            )));
        };
        let fields = self.open_record(target)?;
        let req = CreateRequest {
            name: Some(current.name.clone()),
            secret_type: target.secret_type.clone(),
            provider: Some(target.provider.clone()),
            scopes: target.scopes.clone(),
            storage: Storage::Coffer,
            on_conflict: OnConflict::Replace,
            values: inputs_of(&fields),
        };
        let outcome = self.create_secret_as(
            caller,
            project,
            req,
            Some(("rollback", format!("to version {version}"))),
        )?;
        Ok(outcome.info().clone())
    }

    /// Changes some fields of an existing secret, keeping the others (sensitive ones too,
    /// without showing them): a new version, validated as a whole like a create.
    ///
    /// # Errors
    /// As [`Service::use_secrets`] and [`Service::create_secret`].
    #[instrument(skip_all, fields(project = project, name = name))]
    pub fn update_secret(
        &self,
        caller: &Caller,
        project: &str,
        name: &str,
        storage: Option<Storage>,
        update: SecretUpdate,
    ) -> Result<SecretInfo> {
        let project = &self.canonical_project(project)?;
        self.authorize(caller, project, Role::Write, "replace", &format!("secret:{name}"))?;
        let opened = self.open_secret(project, name, storage)?;
        let mut values = inputs_of(&opened.fields);
        for (k, v) in update.set {
            let lower = k.to_ascii_lowercase();
            values.retain(|(existing, _)| *existing != lower);
            if let Some(v) = v {
                values.push((lower, v));
            }
        }
        let secret_type = update.secret_type.unwrap_or_else(|| opened.info.secret_type.clone());
        let provider =
            (secret_type.eq_ignore_ascii_case(&opened.info.secret_type)).then(|| opened.info.provider.clone());
        let req = CreateRequest {
            name: Some(opened.info.name.clone()),
            secret_type,
            provider,
            scopes: update.scopes.unwrap_or_else(|| opened.info.scope.clone()),
            storage: opened.info.storage,
            on_conflict: OnConflict::Replace,
            values,
        };
        Ok(self.create_secret(caller, project, req)?.info().clone())
    }

    /// Forgets the temporary secrets and the scope index of a deleted project.
    pub(crate) fn forget_project(&self, project: &str) {
        self.temp().retain(|(p, _), _| p != project);
        self.indexes.lock().unwrap_or_else(|p| p.into_inner()).remove(project);
    }

    fn with_index<R>(&self, project: &str, f: impl FnOnce(&mut ScopeIndex) -> R) -> Option<R> {
        let mut indexes = self.indexes.lock().unwrap_or_else(|p| p.into_inner());
        indexes.get_mut(project).map(f)
    }

    fn load_index(&self, project: &str) -> Result<()> {
        // Another process (a CLI in local mode beside `coffer serve`) may have changed the
        // store: then every cached index is stale.
        let version = self.store.generation()?;
        if self.seen_version.swap(version, std::sync::atomic::Ordering::Relaxed) != version {
            self.indexes.lock().unwrap_or_else(|p| p.into_inner()).clear();
        }
        if self
            .indexes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains_key(project)
        {
            return Ok(());
        }
        let mut idx = ScopeIndex::new();
        for r in self.store.list_secrets(project)? {
            idx.upsert(&r.name, Storage::Coffer, &r.secret_type, &r.scopes);
        }
        for ((p, _), t) in self.temp().iter() {
            if p == project {
                idx.upsert(&t.info.name, Storage::Memory, &t.info.secret_type, &t.info.scope);
            }
        }
        for i in self.env_secrets().infos(project) {
            idx.upsert(&i.name, Storage::Env, &i.secret_type, &i.scope);
        }
        self.indexes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(project.to_string())
            .or_insert(idx);
        Ok(())
    }

    /// The secret DuckDB would use for `path` and `secret_type` (its `which_secret`).
    ///
    /// # Errors
    /// [`CoreError::Invalid`] for an unknown type; store errors.
    pub fn which_secret(
        &self,
        caller: &Caller,
        project: &str,
        path: &str,
        secret_type: &str,
    ) -> Result<Option<WhichSecret>> {
        let project = &self.canonical_project(project)?;
        self.authorize(caller, project, Role::Read, "which", "secrets")?;
        coffer_model::validate::lookup_type(secret_type)?;
        self.load_index(project)?;
        Ok(self
            .with_index(project, |idx| idx.lookup(path, secret_type))
            .flatten()
            .map(|m| WhichSecret {
                name: m.name,
                // Env secrets are not persistent for coffer (see `load_env_secrets_in`).
                persistent: if m.storage == Storage::Coffer {
                    "PERSISTENT"
                } else {
                    "TEMPORARY"
                }
                .to_string(),
                storage: m.storage.name().to_string(),
            }))
    }
}

#[cfg(test)]
mod tests {
    use super::decode_base64;

    fn decode(s: &str) -> Option<Vec<u8>> {
        decode_base64(s).map(|b| b.expose_secret().to_vec())
    }

    #[test]
    fn base64_standard_alphabet_padding_optional() {
        for (text, plain) in [
            ("", &b""[..]),
            ("Zg==", b"f"),
            ("Zg", b"f"),
            ("Zm8=", b"fo"),
            ("Zm8", b"fo"),
            ("Zm9v", b"foo"),
            ("Zm9vYg==", b"foob"),
            ("Zm9vYmE", b"fooba"),
            ("Zm9vYmFy", b"foobar"),
            ("+/8=", &[0xfb, 0xff]),
            ("Zm9v\nYmFy\r\n", b"foobar"),
        ] {
            assert_eq!(decode(text).as_deref(), Some(plain), "{text:?}");
        }
        for bad in [
            "Z", "Zg=", "Zg===", "Zm8==", "=", "==", "Zg==Zg==", "Zm9v=", "Zh==", "Zm9=", "-_8", "Zm9v!", "é",
        ] {
            assert_eq!(decode(bad), None, "{bad:?}");
        }
    }
}
