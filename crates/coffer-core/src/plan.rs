//! Which coffer secrets DuckDB holds, and with which scopes, so that DuckDB's `which_secret`
//! agrees with coffer's.
//!
//! coffer ranks `100 × length − storage offset` (temporary 10, persistent 20, env 30); the
//! embedded DuckDB holds every secret in its one temporary storage. Two matching scopes of
//! equal length are the same string, so the only ties that storages decide are between
//! secrets of one type holding the *same scope string*; the lower-offset storage always wins
//! them. So a secret's scope that a same-type secret of a lower-offset storage also holds can
//! never win: it is left out of the DuckDB registration, and a secret left with no scope is not
//! registered at all. DuckDB has one namespace of names: where a name exists in several
//! storages, only the lowest-offset one is registered.
//!
//! [`Planner`] answers one secret's registration in O(its scopes) and says which secrets a
//! change affects, so an update touches only those.

use crate::types::secrets::SecretInfo;
use coffer_model::scope::effective_scopes;
use coffer_model::Storage;
use std::collections::{BTreeSet, HashMap};

/// A secret's key: storage and lower-case name.
pub type Key = (Storage, String);

#[derive(Debug, Clone)]
struct Meta {
    info: SecretInfo,
    /// Effective scopes (see `coffer_model::scope::effective_scopes`).
    scopes: Vec<String>,
}

/// What the planner wants DuckDB to hold for one secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanEntry {
    /// The secret's metadata.
    pub info: SecretInfo,
    /// The scopes to register (`""` first when present, because DuckDB resets the score at
    /// an empty scope).
    pub scopes: Vec<String>,
}

/// The registrations of one project's secrets, maintained incrementally.
#[derive(Debug, Default)]
pub struct Planner {
    secrets: HashMap<Key, Meta>,
    holders: HashMap<(String, String), BTreeSet<Key>>,
    names: HashMap<String, BTreeSet<Storage>>,
}

fn key_of(info: &SecretInfo) -> Key {
    (info.storage, info.name.to_ascii_lowercase())
}

impl Planner {
    /// An empty planner.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every secret's key.
    pub fn keys(&self) -> Vec<Key> {
        self.secrets.keys().cloned().collect()
    }

    fn detach(&mut self, key: &Key) -> Option<Meta> {
        let meta = self.secrets.remove(key)?;
        for s in &meta.scopes {
            let hk = (meta.info.secret_type.clone(), s.clone());
            if let Some(set) = self.holders.get_mut(&hk) {
                set.remove(key);
                if set.is_empty() {
                    self.holders.remove(&hk);
                }
            }
        }
        if let Some(set) = self.names.get_mut(&key.1) {
            set.remove(&key.0);
            if set.is_empty() {
                self.names.remove(&key.1);
            }
        }
        Some(meta)
    }

    /// The keys whose registration may depend on `meta`: holders of its scopes in
    /// higher-offset storages, and its namesakes.
    fn dependents(&self, key: &Key, meta: &Meta) -> BTreeSet<Key> {
        let mut out = BTreeSet::new();
        for s in &meta.scopes {
            if let Some(set) = self.holders.get(&(meta.info.secret_type.clone(), s.clone())) {
                out.extend(set.iter().filter(|k| k.0 > key.0).cloned());
            }
        }
        if let Some(storages) = self.names.get(&key.1) {
            out.extend(storages.iter().map(|s| (*s, key.1.clone())));
        }
        out.remove(key);
        out
    }

    /// Adds or replaces a secret; returns every key whose registration may have changed
    /// (itself included).
    pub fn upsert(&mut self, info: &SecretInfo) -> BTreeSet<Key> {
        let key = key_of(info);
        let mut affected = BTreeSet::from([key.clone()]);
        if let Some(old) = self.detach(&key) {
            affected.extend(self.dependents(&key, &old));
        }
        let meta = Meta {
            info: info.clone(),
            scopes: effective_scopes(&info.scope).into_iter().map(String::from).collect(),
        };
        for s in &meta.scopes {
            self.holders
                .entry((info.secret_type.clone(), s.clone()))
                .or_default()
                .insert(key.clone());
        }
        self.names.entry(key.1.clone()).or_default().insert(key.0);
        affected.extend(self.dependents(&key, &meta));
        self.secrets.insert(key, meta);
        affected
    }

    /// Removes a secret; returns the keys whose registration may have changed (itself
    /// included).
    pub fn remove(&mut self, storage: Storage, name: &str) -> BTreeSet<Key> {
        let key = (storage, name.to_ascii_lowercase());
        let mut affected = BTreeSet::from([key.clone()]);
        if let Some(old) = self.detach(&key) {
            affected.extend(self.dependents(&key, &old));
        }
        affected
    }

    /// What DuckDB should hold for `key`: `None` when the secret is absent, shadowed by a
    /// namesake in a lower-offset storage, or has no scope left that could win.
    pub fn registration(&self, key: &Key) -> Option<PlanEntry> {
        let meta = self.secrets.get(key)?;
        // Types DuckDB does not know (openai, flights, ...) are coffer's alone.
        if !coffer_model::types::lookup(&meta.info.secret_type).is_some_and(|t| t.duckdb_type) {
            return None;
        }
        if self.names.get(&key.1).is_some_and(|s| s.iter().any(|st| *st < key.0)) {
            return None;
        }
        let mut scopes: Vec<String> = meta
            .scopes
            .iter()
            .filter(|s| {
                !self
                    .holders
                    .get(&(meta.info.secret_type.clone(), (*s).clone()))
                    .is_some_and(|set| set.iter().any(|k| k.0 < key.0))
            })
            .cloned()
            .collect();
        if scopes.is_empty() {
            return None;
        }
        scopes.sort_by_key(|s| !s.is_empty());
        Some(PlanEntry {
            info: meta.info.clone(),
            scopes,
        })
    }
}

/// The whole plan for a list of secrets (for tests and full loads).
pub fn plan(secrets: &[SecretInfo]) -> Vec<PlanEntry> {
    let mut p = Planner::new();
    for s in secrets {
        p.upsert(s);
    }
    let mut keys = p.keys();
    keys.sort();
    keys.iter().filter_map(|k| p.registration(k)).collect()
}
