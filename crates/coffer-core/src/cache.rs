//! Read caches for the hot paths of the server (token lookup, roles, project names, sealed
//! secret records). Every entry belongs to one store [generation](coffer_store::Store::generation):
//! each lookup first reads the generation (one indexed read), drops everything when it moved,
//! and a value read from the store is only kept if the generation did not move meanwhile. So a
//! revoked token, a removed grant or a replaced secret is seen by the next request, whichever
//! process changed it.

//!
//! [`Cache`] holds them with the generation check ([`Cache::fresh`]) and the per-thread pin of
//! a read-only request ([`Cache::read_scope`]).

use crate::caller::Role;
use crate::error::Result;
use crate::types::secrets::SecretInfo;
use coffer_store::{IdentityRecord, SecretRecord, Store, TokenRecord};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// Above this many entries a map is emptied rather than grown.
const MAX_ENTRIES: usize = 50_000;

/// A stored record with its metadata rendered once (what the cache keeps).
#[derive(Debug)]
pub(crate) struct StoredSecret {
    pub record: SecretRecord,
    pub info: SecretInfo,
}

/// A token with its identity, and when this process last recorded its use.
#[derive(Debug, Clone)]
pub(crate) struct CachedToken {
    pub token: TokenRecord,
    /// The tokens above it, nearest first ([`coffer_store::Store::token_ancestors`]).
    pub ancestors: Vec<TokenRecord>,
    pub identity: IdentityRecord,
    pub touched_at: i64,
}

#[derive(Debug, Default)]
pub(crate) struct Caches {
    generation: Option<i64>,
    tokens: HashMap<String, Arc<CachedToken>>,
    roles: HashMap<(String, i64), Option<Role>>,
    projects: HashMap<String, Option<String>>,
    records: HashMap<(String, String), Option<Arc<StoredSecret>>>,
}

fn put<K: std::hash::Hash + Eq, V>(map: &mut HashMap<K, V>, k: K, v: V) {
    if map.len() >= MAX_ENTRIES {
        map.clear();
    }
    map.insert(k, v);
}

impl Caches {
    /// Moves to `generation`, dropping everything if it changed.
    pub fn sync(&mut self, generation: i64) {
        if self.generation != Some(generation) {
            self.tokens.clear();
            self.roles.clear();
            self.projects.clear();
            self.records.clear();
            self.generation = Some(generation);
        }
    }

    fn current(&self, generation: i64) -> bool {
        self.generation == Some(generation)
    }

    pub fn token(&self, public_id: &str) -> Option<Arc<CachedToken>> {
        self.tokens.get(public_id).cloned()
    }

    pub fn put_token(&mut self, generation: i64, public_id: &str, t: Arc<CachedToken>) {
        if self.current(generation) {
            put(&mut self.tokens, public_id.to_string(), t);
        }
    }

    pub fn role(&self, project: &str, identity: i64) -> Option<Option<Role>> {
        self.roles.get(&(project.to_ascii_lowercase(), identity)).copied()
    }

    pub fn put_role(&mut self, generation: i64, project: &str, identity: i64, role: Option<Role>) {
        if self.current(generation) {
            put(&mut self.roles, (project.to_ascii_lowercase(), identity), role);
        }
    }

    pub fn project(&self, name: &str) -> Option<Option<String>> {
        self.projects.get(&name.to_ascii_lowercase()).cloned()
    }

    pub fn put_project(&mut self, generation: i64, name: &str, canonical: Option<String>) {
        if self.current(generation) {
            put(&mut self.projects, name.to_ascii_lowercase(), canonical);
        }
    }

    pub fn record(&self, project: &str, name: &str) -> Option<Option<Arc<StoredSecret>>> {
        self.records
            .get(&(project.to_string(), name.to_ascii_lowercase()))
            .cloned()
    }

    pub fn put_record(&mut self, generation: i64, project: &str, name: &str, r: Option<Arc<StoredSecret>>) {
        if self.current(generation) {
            put(&mut self.records, (project.to_string(), name.to_ascii_lowercase()), r);
        }
    }
}

thread_local! {
    /// The generation a [`ReadScope`] pinned on this thread.
    static PINNED: std::cell::Cell<Option<i64>> = const { std::cell::Cell::new(None) };
}

/// A read-only request in progress on this thread (see
/// [`Service::read_scope`](crate::Service::read_scope)).
#[derive(Debug)]
pub struct ReadScope {
    _not_send: std::marker::PhantomData<*const ()>,
}

impl Drop for ReadScope {
    fn drop(&mut self) {
        PINNED.with(|p| p.set(None));
    }
}

/// The read caches of one service, kept in step with the store's generation.
#[derive(Debug, Default)]
pub(crate) struct Cache {
    caches: Mutex<Caches>,
}

impl Cache {
    /// The caches, locked.
    pub fn lock(&self) -> MutexGuard<'_, Caches> {
        self.caches.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Reads the store's generation and drops every cache entry if it moved; inside a
    /// [`ReadScope`], the generation read when the scope began.
    pub fn fresh(&self, store: &dyn Store) -> Result<i64> {
        if let Some(g) = PINNED.with(std::cell::Cell::get) {
            return Ok(g);
        }
        let generation = store.generation()?;
        self.lock().sync(generation);
        Ok(generation)
    }

    /// Begins a read-only request on this thread (see
    /// [`Service::read_scope`](crate::Service::read_scope)).
    pub fn read_scope(&self, store: &dyn Store) -> Result<ReadScope> {
        let generation = self.fresh(store)?;
        PINNED.with(|p| p.set(Some(generation)));
        Ok(ReadScope {
            _not_send: std::marker::PhantomData,
        })
    }
}
