//! Scopes: which secret DuckDB picks for a path, and an index that answers it fast.
//!
//! DuckDB's rule (src/main/secret/secret.cpp `BaseSecret::MatchScore`, and
//! src/main/secret/secret_storage.cpp `SecretStorage::SelectBestMatch`,
//! src/main/secret/secret_manager.cpp `SecretManager::LookupSecret`, DuckDB 1.5):
//!
//! 1. Only secrets whose type equals the asked type (case-insensitively) take part.
//! 2. A secret's match score is the length of its longest scope that is a plain,
//!    case-sensitive byte prefix of the path (`StringUtil::StartsWith`: no path boundary, so
//!    `s3://bkt` matches `s3://bkt2/x`). An empty scope string, or a secret with no scopes at
//!    all, matches every path with score 0. A secret none of whose scopes is a prefix does not
//!    match.
//! 3. Each storage turns the score into `100 * score - tie_break_offset` (temporary/memory 10,
//!    DuckDB's local_file 20; coffer's persistent store takes local_file's 20, its read-only
//!    environment backend 30), so on equal length a temporary secret beats a persistent one.
//! 4. Within one storage, equal scores go to the secret whose name is smallest (`std::string`
//!    `<`, byte order). DuckDB lower-cases names at `CREATE SECRET`, so the comparison is of
//!    lower-cased names; coffer keeps the case a name was written in but compares, and keeps
//!    names unique, case-insensitively. Across storages the higher score wins (offsets never
//!    collide).
//! 5. `MatchScore` walks the scopes in order and an empty scope *resets* the score to 0, so
//!    `['s3://b', '']` scores 0 while `['', 's3://b']` scores 6 ([`effective_scopes`]).
//!
//! DuckDB scans every secret. [`ScopeIndex`] keeps one byte trie per type, each node holding
//! the secrets that have a scope ending there, ordered by (storage offset, name): a lookup
//! walks the path once and keeps the deepest node with an entry, so it costs O(path length)
//! whatever the number of secrets.

use std::collections::{BTreeSet, HashMap};

/// Where a secret lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Storage {
    /// Temporary: in this process's memory only (DuckDB's `memory` storage).
    Memory,
    /// Persistent: coffer's encrypted store (DuckDB's `local_file` role).
    Coffer,
    /// Read-only secrets from `SECRET_*` environment variables.
    Env,
}

impl Storage {
    /// DuckDB's tie-break offset for this storage.
    pub fn tie_break_offset(self) -> i64 {
        match self {
            Storage::Memory => 10,
            Storage::Coffer => 20,
            Storage::Env => 30,
        }
    }

    /// The storage name as `duckdb_secrets()` prints it.
    pub fn name(self) -> &'static str {
        match self {
            Storage::Memory => "memory",
            Storage::Coffer => "coffer",
            Storage::Env => "env",
        }
    }

    /// Whether secrets of this storage outlive the process.
    pub fn persistent(self) -> bool {
        !matches!(self, Storage::Memory)
    }

    /// Parses a storage name as written in `IN ...`/`FROM ...`: `memory`; `coffer`, and the
    /// aliases `local_file` and `motherduck` so statements copied from DuckDB and MotherDuck
    /// docs work; `env`.
    pub fn parse(name: &str) -> Option<Storage> {
        match name.to_ascii_lowercase().as_str() {
            "memory" | "temporary" => Some(Storage::Memory),
            "coffer" | "local_file" | "motherduck" | "persistent" => Some(Storage::Coffer),
            "env" => Some(Storage::Env),
            _ => None,
        }
    }
}

/// DuckDB's match score of a secret with `scopes` for `path`: `None` when it does not match.
pub fn match_score(scopes: &[String], path: &str) -> Option<i64> {
    let mut best = if scopes.is_empty() { Some(0) } else { None };
    for scope in scopes {
        if scope.is_empty() {
            // DuckDB: "Handle empty scope which matches all at lowest possible score" — it
            // assigns 0, forgetting any longer match of an earlier scope.
            best = Some(0);
        } else if path.as_bytes().starts_with(scope.as_bytes()) {
            let len = scope.len() as i64;
            best = Some(best.map_or(len, |b: i64| b.max(len)));
        }
    }
    best
}

/// The scopes that can decide a secret's score: after the last empty scope only that empty
/// scope (as the root, score 0) and the scopes following it count, as in DuckDB's
/// `MatchScore` loop. No scopes at all means "matches everything with 0", like one empty scope.
pub fn effective_scopes(scopes: &[String]) -> Vec<&str> {
    match scopes.iter().rposition(|s| s.is_empty()) {
        None if scopes.is_empty() => vec![""],
        None => scopes.iter().map(String::as_str).collect(),
        Some(last) => std::iter::once("")
            .chain(scopes[last + 1..].iter().map(String::as_str))
            .collect(),
    }
}

/// The final, storage-adjusted score DuckDB compares across storages.
pub fn ranked_score(scopes: &[String], path: &str, storage: Storage) -> Option<i64> {
    match_score(scopes, path).map(|s| 100 * s - storage.tie_break_offset())
}

/// The secret a lookup chose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeMatch {
    /// Its name.
    pub name: String,
    /// Its storage.
    pub storage: Storage,
    /// `100 * matched length - storage offset`, as DuckDB ranks it.
    pub score: i64,
}

/// (storage, lower-cased name, name as written): ordered as DuckDB breaks ties.
type Entry = (Storage, String, String);

#[derive(Default)]
struct Node {
    children: Vec<(u8, u32)>,
    entries: BTreeSet<Entry>,
}

#[derive(Default)]
struct Trie {
    nodes: Vec<Node>,
}

impl Trie {
    fn node_for(&mut self, scope: &[u8]) -> usize {
        if self.nodes.is_empty() {
            self.nodes.push(Node::default());
        }
        let mut at = 0usize;
        for &byte in scope {
            let next = match self.nodes[at].children.binary_search_by_key(&byte, |c| c.0) {
                Ok(i) => self.nodes[at].children[i].1 as usize,
                Err(i) => {
                    let id = self.nodes.len();
                    self.nodes.push(Node::default());
                    self.nodes[at].children.insert(i, (byte, id as u32));
                    id
                }
            };
            at = next;
        }
        at
    }

    fn find(&self, scope: &[u8]) -> Option<usize> {
        let mut at = 0usize;
        self.nodes.first()?;
        for &byte in scope {
            let node = &self.nodes[at];
            let i = node.children.binary_search_by_key(&byte, |c| c.0).ok()?;
            at = node.children[i].1 as usize;
        }
        Some(at)
    }

    fn lookup(&self, path: &[u8]) -> Option<(usize, &Entry)> {
        let mut best = None;
        let mut at = 0usize;
        let root = self.nodes.first()?;
        if let Some(e) = root.entries.first() {
            best = Some((0, e));
        }
        for (depth, &byte) in path.iter().enumerate() {
            let node = &self.nodes[at];
            match node.children.binary_search_by_key(&byte, |c| c.0) {
                Ok(i) => at = node.children[i].1 as usize,
                Err(_) => break,
            }
            if let Some(e) = self.nodes[at].entries.first() {
                best = Some((depth + 1, e));
            }
        }
        best
    }
}

/// An index of (type, scopes) → secret answering DuckDB's lookup in O(path length).
#[derive(Default)]
pub struct ScopeIndex {
    tries: HashMap<String, Trie>,
    registered: HashMap<(Storage, String), (String, Entry, Vec<String>)>,
}

impl ScopeIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of secrets in the index.
    pub fn len(&self) -> usize {
        self.registered.len()
    }

    /// Whether the index is empty.
    pub fn is_empty(&self) -> bool {
        self.registered.is_empty()
    }

    /// Adds or replaces the secret `name` (case-insensitive) of `storage` with type `ty` and
    /// `scopes` (the scopes as stored: defaults already applied).
    pub fn upsert(&mut self, name: &str, storage: Storage, ty: &str, scopes: &[String]) {
        self.remove(name, storage);
        let ty = ty.to_ascii_lowercase();
        let trie = self.tries.entry(ty.clone()).or_default();
        let lower = name.to_ascii_lowercase();
        let entry: Entry = (storage, lower.clone(), name.to_string());
        let effective: Vec<String> = effective_scopes(scopes).into_iter().map(str::to_string).collect();
        for scope in &effective {
            let at = trie.node_for(scope.as_bytes());
            trie.nodes[at].entries.insert(entry.clone());
        }
        self.registered.insert((storage, lower), (ty, entry, effective));
    }

    /// Removes the secret `name` (case-insensitive) of `storage`; returns whether it was there.
    pub fn remove(&mut self, name: &str, storage: Storage) -> bool {
        let Some((ty, entry, effective)) = self.registered.remove(&(storage, name.to_ascii_lowercase())) else {
            return false;
        };
        if let Some(trie) = self.tries.get_mut(&ty) {
            for scope in &effective {
                if let Some(at) = trie.find(scope.as_bytes()) {
                    trie.nodes[at].entries.remove(&entry);
                }
            }
        }
        true
    }

    /// The secret DuckDB would choose for `path` among secrets of type `ty`.
    pub fn lookup(&self, path: &str, ty: &str) -> Option<ScopeMatch> {
        let trie = self.tries.get(&ty.to_ascii_lowercase())?;
        let (depth, (storage, _, name)) = trie.lookup(path.as_bytes())?;
        Some(ScopeMatch {
            name: name.clone(),
            storage: *storage,
            score: 100 * depth as i64 - storage.tie_break_offset(),
        })
    }
}

/// The same answer as [`ScopeIndex::lookup`] by DuckDB's linear scan, for tests and as the
/// reference: `secrets` are (name, storage, type, scopes).
pub fn linear_lookup<'a, I>(secrets: I, path: &str, ty: &str) -> Option<ScopeMatch>
where
    I: IntoIterator<Item = (&'a str, Storage, &'a str, &'a [String])>,
{
    let mut best: Option<ScopeMatch> = None;
    for (name, storage, sty, scopes) in secrets {
        if !sty.eq_ignore_ascii_case(ty) {
            continue;
        }
        let Some(score) = ranked_score(scopes, path, storage) else {
            continue;
        };
        let better = match &best {
            None => true,
            Some(b) => score > b.score || (score == b.score && name.to_ascii_lowercase() < b.name.to_ascii_lowercase()),
        };
        if better {
            best = Some(ScopeMatch {
                name: name.to_string(),
                storage,
                score,
            });
        }
    }
    best
}
