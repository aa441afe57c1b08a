//! What the secrets part keeps in this process's memory, each behind its own lock: the
//! temporary secrets, the `env` secrets and the scope indexes.

use crate::types::secrets::SecretInfo;
use coffer_model::{ScopeIndex, SecretFields};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Mutex, MutexGuard};

/// A secret held in this process's memory (temporary or `env`), values included.
pub(super) struct TempSecret {
    pub info: SecretInfo,
    pub fields: SecretFields,
}

/// The temporary secrets of every project, by project and lower-cased name.
#[derive(Default)]
pub(crate) struct TemporarySecrets {
    secrets: Mutex<BTreeMap<(String, String), TempSecret>>,
}

impl TemporarySecrets {
    /// The secrets, locked.
    pub(super) fn lock(&self) -> MutexGuard<'_, BTreeMap<(String, String), TempSecret>> {
        self.secrets.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The key of a temporary secret: names compare case-insensitively, as in DuckDB.
pub(super) fn key(project: &str, name: &str) -> (String, String) {
    (project.to_string(), name.to_ascii_lowercase())
}

/// The read-only secrets of storage `env`, from `SECRET_<NAME>` environment variables. They
/// live in this process's memory only: never written to the store, never sealed.
#[derive(Default)]
pub(super) struct EnvSet {
    /// The projects they are visible in (compared case-insensitively); `None`: every project.
    pub projects: Option<Vec<String>>,
    /// By lower-cased name (names compare case-insensitively, as everywhere in coffer).
    pub secrets: BTreeMap<String, TempSecret>,
}

impl EnvSet {
    /// Whether they are visible in `project`.
    pub(super) fn visible_in(&self, project: &str) -> bool {
        self.projects
            .as_ref()
            .is_none_or(|ps| ps.iter().any(|p| p.eq_ignore_ascii_case(project)))
    }

    /// The one named `name` (any case), if visible in `project`.
    pub(super) fn get(&self, project: &str, name: &str) -> Option<&TempSecret> {
        if self.visible_in(project) {
            self.secrets.get(&name.to_ascii_lowercase())
        } else {
            None
        }
    }

    /// The metadata of those visible in `project`.
    pub(super) fn infos(&self, project: &str) -> impl Iterator<Item = &SecretInfo> {
        let visible = self.visible_in(project);
        self.secrets.values().filter(move |_| visible).map(|t| &t.info)
    }
}

/// The `env` secrets of this process (see
/// [`Service::load_env_secrets_in`](crate::Service::load_env_secrets_in)).
#[derive(Default)]
pub(crate) struct EnvSecrets {
    set: Mutex<EnvSet>,
}

impl EnvSecrets {
    /// The secrets, locked.
    pub(super) fn lock(&self) -> MutexGuard<'_, EnvSet> {
        self.set.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// One [`ScopeIndex`] per project, built on first use and dropped whenever the store's
/// generation moved (another process changed it).
pub(crate) struct ScopeIndexes {
    indexes: Mutex<HashMap<String, ScopeIndex>>,
    seen_version: AtomicI64,
}

impl Default for ScopeIndexes {
    fn default() -> Self {
        ScopeIndexes {
            indexes: Mutex::new(HashMap::new()),
            seen_version: AtomicI64::new(i64::MIN),
        }
    }
}

impl ScopeIndexes {
    /// The indexes, locked.
    pub(super) fn lock(&self) -> MutexGuard<'_, HashMap<String, ScopeIndex>> {
        self.indexes.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `f` on the index of `project`, if it is built.
    pub(super) fn with<R>(&self, project: &str, f: impl FnOnce(&mut ScopeIndex) -> R) -> Option<R> {
        let mut indexes = self.lock();
        indexes.get_mut(project).map(f)
    }

    /// Drops every index.
    pub(super) fn clear(&self) {
        self.lock().clear();
    }

    /// Drops every index when the store's `generation` is not the one seen last (another
    /// process changed the store).
    pub(super) fn sync(&self, generation: i64) {
        if self.seen_version.swap(generation, Ordering::Relaxed) != generation {
            self.clear();
        }
    }

    /// Drops the index of `project`.
    pub(super) fn forget(&self, project: &str) {
        self.lock().remove(project);
    }
}
