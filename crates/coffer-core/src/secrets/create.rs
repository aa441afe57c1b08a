//! Creating a secret: validated, checked against the network policy, then written to its
//! storage (sealed and version-checked for `coffer`); the index and the observers follow.

use super::env::env_read_only;
use super::part::Secrets;
use crate::aad;
use crate::caller::{Caller, Role};
use crate::clock::now_ms;
use crate::error::{CoreError, Result};
use crate::types::secrets::{CreateOutcome, CreateRequest, OnConflict, SecretChange, SecretInfo};
use coffer_crypto::envelope;
use coffer_model::validate::{validate, Validated};
use coffer_model::{names, Storage};
use coffer_store::{Expect, SealedRecord, SecretRecord, StoreError};
use tracing::{info, instrument};

/// What a create does given the secret that exists in its storage (DuckDB's OnCreateConflict).
pub(super) enum Next {
    /// Write (version, created_at, created_by).
    Write((i64, i64, String)),
    /// Keep the existing secret (IF NOT EXISTS).
    Keep(Box<SecretInfo>),
}

pub(super) fn next_version(
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

const RETRIES: usize = 5;

impl Secrets<'_> {
    /// See [`Service::create_secret`](crate::Service::create_secret).
    #[instrument(skip_all, fields(project = project, storage = req.storage.name()))]
    pub(crate) fn create_secret(&self, caller: &Caller, project: &str, req: CreateRequest) -> Result<CreateOutcome> {
        self.create_secret_as(caller, project, req, None)
    }

    /// [`Service::create_secret`](crate::Service::create_secret), audited as `action` (with more
    /// detail) instead of create/replace.
    pub(super) fn create_secret_as(
        &self,
        caller: &Caller,
        project: &str,
        req: CreateRequest,
        action: Option<(&str, String)>,
    ) -> Result<CreateOutcome> {
        let project = &self.access.canonical_project(project)?;
        let object = format!("secret:{}", req.name.as_deref().unwrap_or("__default"));
        self.access.authorize(caller, project, Role::Write, "create", &object)?;
        let validated = validate(&req.secret_type, req.provider.as_deref(), req.scopes, req.values)?;
        coffer_model::net::check_secret(
            &self.net_policy(),
            validated.ty.name,
            &validated.fields,
            &coffer_model::net::resolve_system,
        )?;
        // A file or socket of this machine, read by whoever attaches (the owner's unsandboxed
        // `coffer sql` among them): not for members (coffer_model::local).
        if !caller.superuser {
            if let Some((field, rule)) = coffer_model::local::local_reference(validated.ty.name, &validated.fields) {
                return Err(coffer_model::ModelError::InvalidValue {
                    ty: validated.ty.name.to_string(),
                    field,
                    rule,
                    shown: String::new(),
                }
                .into());
            }
        }
        let name = match req.name {
            Some(n) => n,
            None => names::default_name(validated.ty.name),
        };
        names::validate_name(&name)?;
        // As DuckDB names its secrets (a generic secret keeps the case of its variable).
        let name = names::fold_name(validated.ty.name, &name);
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
                let found = self.env.lock().get(project, &name).map(|t| t.info.name.clone());
                return Err(env_read_only(found.as_deref()));
            }
            Storage::Memory => self.create_temporary(caller, project, name, validated, req.on_conflict)?,
            Storage::Coffer => self.create_persistent(caller, project, name, validated, req.on_conflict, action)?,
        };
        if !matches!(outcome, CreateOutcome::Ignored(_)) {
            let i = outcome.info();
            self.indexes
                .with(project, |idx| idx.upsert(&i.name, i.storage, &i.secret_type, &i.scope));
            info!(name = %i.name, version = i.version, "secret written");
            self.changes
                .changed(project, SecretChange::Upserted(Box::new(i.clone())));
        }
        Ok(outcome)
    }

    pub(super) fn create_persistent(
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
            let sealed = envelope::seal(self.keyring, &aad::for_record(&record), plaintext.expose_secret())?;
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

    /// The policy of [`Service::set_net_policy`](crate::Service::set_net_policy).
    fn net_policy(&self) -> coffer_model::net::NetPolicy {
        self.net.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}
