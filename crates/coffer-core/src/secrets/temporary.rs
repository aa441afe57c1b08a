//! Temporary secrets (storage `memory`): this process's memory only, bounded per project.

use super::create::{next_version, Next};
use super::part::Secrets;
use super::state::{key, TempSecret};
use crate::caller::Caller;
use crate::clock::now_ms;
use crate::error::{CoreError, Result};
use crate::types::secrets::{CreateOutcome, OnConflict, SecretInfo};
use coffer_model::validate::Validated;
use coffer_model::{SecretFields, Storage};

/// The most temporary secrets one project may keep in a coffer process's memory.
pub const MAX_TEMPORARY_SECRETS: usize = 1_000;
/// The most bytes (names and values) the temporary secrets of one project may take.
pub const MAX_TEMPORARY_BYTES: usize = 4 << 20;

impl Secrets<'_> {
    pub(super) fn create_temporary(
        &self,
        caller: &Caller,
        project: &str,
        name: String,
        v: Validated,
        on_conflict: OnConflict,
    ) -> Result<CreateOutcome> {
        let mut temp = self.temporary.lock();
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
                "project '{project}' holds {count} temporary secrets, the most one project may keep in memory ({MAX_TEMPORARY_SECRETS}); drop some of them or make this one persistent"
            )));
        }
        if bytes + size(&v.fields) > MAX_TEMPORARY_BYTES {
            return Err(CoreError::Usage(format!(
                "the temporary secrets of project '{project}' would take more than {} MiB of memory; drop some of them or make this one persistent",
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
}
