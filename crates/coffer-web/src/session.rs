//! Web sessions: a random id in an HttpOnly cookie, and on the server the session's own access
//! token, a child of the token the user signed in with (so revoking or expiring that token ends
//! the session, and the session never outlives it), its CSRF token and its times.
//!
//! Sessions live in this process: a restart (or another node behind a load balancer without
//! sticky sessions) asks the user to sign in again. The session's token stays in the store
//! until it is revoked (sign-out, idle or absolute expiry) or expires by itself.

use coffer_crypto::SecretString;
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The most sessions kept at once; the oldest is ended to make room.
pub const MAX_SESSIONS: usize = 10_000;

/// A signed-in browser.
pub struct Session {
    /// The session's access token (a child of the sign-in token), for every API call.
    pub token: SecretString,
    /// Its name, to revoke it at sign-out.
    pub token_name: String,
    /// The identity, for the page header.
    pub identity: String,
    /// The hidden form field every state-changing request must carry.
    pub csrf: String,
    created: Instant,
    last_seen: Mutex<Instant>,
    flash: Mutex<Option<Flash>>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("token_name", &self.token_name)
            .field("identity", &self.identity)
            .finish_non_exhaustive()
    }
}

/// A one-time message shown on the next page (after a redirect).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    /// `ok` or `error`.
    pub kind: &'static str,
    /// The text.
    pub text: String,
}

impl Session {
    /// Sets the message the next page shows.
    pub fn flash(&self, kind: &'static str, text: impl Into<String>) {
        *lock(&self.flash) = Some(Flash {
            kind,
            text: text.into(),
        });
    }

    /// Takes the message to show, if any.
    pub fn take_flash(&self) -> Option<Flash> {
        lock(&self.flash).take()
    }
}

/// Why a session cookie does not open a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// No such session (never was, signed out, or the server restarted).
    Unknown,
    /// Unused for longer than the idle limit.
    Idle,
    /// Older than the absolute limit.
    Expired,
}

impl Ended {
    /// What the sign-in page says.
    pub fn message(self) -> &'static str {
        match self {
            Ended::Unknown => "Your session has ended. Sign in again.",
            Ended::Idle => "Your session ended after a period without activity. Sign in again.",
            Ended::Expired => "Your session reached its maximum length. Sign in again.",
        }
    }
}

/// The sessions of this process, by the SHA-256 of their id.
pub struct SessionStore {
    idle: Duration,
    absolute: Duration,
    map: Mutex<HashMap<[u8; 32], Arc<Session>>>,
}

impl SessionStore {
    /// Sessions that end after `idle` without a request, and `absolute` after sign-in.
    pub fn new(idle: Duration, absolute: Duration) -> Self {
        SessionStore {
            idle,
            absolute,
            map: Mutex::new(HashMap::new()),
        }
    }

    /// The absolute limit (the session token's lifetime).
    pub fn absolute(&self) -> Duration {
        self.absolute
    }

    /// Starts a session; returns its id (the cookie's value) and the session. When full, the
    /// session unused the longest is ended and returned, for its token to be revoked.
    pub fn start(
        &self,
        token: SecretString,
        token_name: String,
        identity: String,
    ) -> (String, Arc<Session>, Option<Arc<Session>>) {
        let id = random_hex(32);
        let now = Instant::now();
        let session = Arc::new(Session {
            token,
            token_name,
            identity,
            csrf: random_hex(32),
            created: now,
            last_seen: Mutex::new(now),
            flash: Mutex::new(None),
        });
        let mut map = lock(&self.map);
        let evicted = if map.len() >= MAX_SESSIONS {
            let oldest = map.iter().min_by_key(|(_, s)| *lock(&s.last_seen)).map(|(k, _)| *k);
            oldest.and_then(|k| map.remove(&k))
        } else {
            None
        };
        map.insert(digest(&id), session.clone());
        (id, session, evicted)
    }

    /// The session of cookie value `id`, marked as used now. An idle or expired session is
    /// removed and returned with the reason, for its token to be revoked.
    pub fn get(&self, id: &str) -> Result<Arc<Session>, (Ended, Option<Arc<Session>>)> {
        self.get_at(id, Instant::now())
    }

    fn get_at(&self, id: &str, now: Instant) -> Result<Arc<Session>, (Ended, Option<Arc<Session>>)> {
        let key = digest(id);
        let mut map = lock(&self.map);
        let Some(session) = map.get(&key).cloned() else {
            return Err((Ended::Unknown, None));
        };
        let ended = if now.saturating_duration_since(session.created) >= self.absolute {
            Some(Ended::Expired)
        } else if now.saturating_duration_since(*lock(&session.last_seen)) >= self.idle {
            Some(Ended::Idle)
        } else {
            None
        };
        if let Some(why) = ended {
            map.remove(&key);
            return Err((why, Some(session)));
        }
        *lock(&session.last_seen) = now;
        Ok(session)
    }

    /// Ends the session of cookie value `id` (sign-out); returns it, for its token to be
    /// revoked.
    pub fn end(&self, id: &str) -> Option<Arc<Session>> {
        lock(&self.map).remove(&digest(id))
    }

    /// Removes every idle or expired session; returns them, for their tokens to be revoked.
    pub fn sweep(&self) -> Vec<Arc<Session>> {
        let now = Instant::now();
        let mut gone = Vec::new();
        lock(&self.map).retain(|_, s| {
            let alive = now.saturating_duration_since(s.created) < self.absolute
                && now.saturating_duration_since(*lock(&s.last_seen)) < self.idle;
            if !alive {
                gone.push(s.clone());
            }
            alive
        });
        gone
    }

    /// How many sessions are open.
    pub fn len(&self) -> usize {
        lock(&self.map).len()
    }

    /// Whether no session is open.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Failed sign-ins per client address: at most `limit` in `window`; then refused until the
/// oldest failure leaves the window.
pub struct SignInLimiter {
    limit: usize,
    window: Duration,
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

impl SignInLimiter {
    /// At most `limit` failures per client in `window`.
    pub fn new(limit: usize, window: Duration) -> Self {
        SignInLimiter {
            limit,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(wait)` when `client` has failed too often and must wait that long.
    pub fn check(&self, client: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let mut map = lock(&self.failures);
        let Some(times) = map.get_mut(client) else {
            return Ok(());
        };
        times.retain(|t| now.saturating_duration_since(*t) < self.window);
        if times.len() < self.limit {
            return Ok(());
        }
        let oldest = times.first().copied().unwrap_or(now);
        Err(self.window.saturating_sub(now.saturating_duration_since(oldest)))
    }

    /// Counts a failure of `client`.
    pub fn failed(&self, client: &str) {
        let now = Instant::now();
        let mut map = lock(&self.failures);
        // Bounded: forget clients whose failures are all old once the map grows.
        if map.len() > 100_000 {
            map.retain(|_, v| v.iter().any(|t| now.saturating_duration_since(*t) < self.window));
        }
        map.entry(client.to_string()).or_default().push(now);
    }

    /// Forgets the failures of `client` (a good sign-in).
    pub fn succeeded(&self, client: &str) {
        lock(&self.failures).remove(client);
    }
}

/// `n` random bytes, hex.
pub fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn digest(id: &str) -> [u8; 32] {
    Sha256::digest(id.as_bytes()).into()
}

/// Compares two strings in time that depends on their lengths only.
pub fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start(s: &SessionStore) -> (String, Arc<Session>) {
        let (id, session, _) = s.start(SecretString::from("coffer_x_y"), "web-1".into(), "alice".into());
        (id, session)
    }

    #[test]
    fn a_session_ends_when_idle_and_at_its_absolute_limit() {
        let s = SessionStore::new(Duration::from_secs(60), Duration::from_secs(600));
        let (id, _) = start(&s);
        let t0 = Instant::now();
        assert!(s.get_at(&id, t0 + Duration::from_secs(59)).is_ok());
        // Each request moves the idle limit.
        assert!(s.get_at(&id, t0 + Duration::from_secs(118)).is_ok());
        match s.get_at(&id, t0 + Duration::from_secs(178)) {
            Err((Ended::Idle, Some(gone))) => assert_eq!(gone.token_name, "web-1"),
            other => panic!("{:?}", other.map(|_| ())),
        }
        assert!(matches!(s.get(&id), Err((Ended::Unknown, None))));

        let (id, _) = start(&s);
        let mut t = Instant::now();
        for _ in 0..10 {
            t += Duration::from_secs(59);
            assert!(s.get_at(&id, t).is_ok());
        }
        assert!(matches!(
            s.get_at(&id, t + Duration::from_secs(59)),
            Err((Ended::Expired, Some(_)))
        ));
    }

    #[test]
    fn sign_out_ends_a_session_and_ids_are_not_guessable() {
        let s = SessionStore::new(Duration::from_secs(60), Duration::from_secs(600));
        let (id, session) = start(&s);
        assert_eq!(id.len(), 64);
        assert_eq!(session.csrf.len(), 64);
        assert!(s.get(&id[..63]).is_err());
        assert!(s.end(&id).is_some());
        assert!(s.get(&id).is_err());
        assert!(s.is_empty());
    }

    #[test]
    fn failed_sign_ins_are_limited_per_client() {
        let l = SignInLimiter::new(3, Duration::from_secs(60));
        for _ in 0..3 {
            assert!(l.check("10.0.0.1").is_ok());
            l.failed("10.0.0.1");
        }
        let wait = l.check("10.0.0.1").expect_err("limited");
        assert!(
            wait <= Duration::from_secs(60) && wait > Duration::from_secs(50),
            "{wait:?}"
        );
        assert!(l.check("10.0.0.2").is_ok());
        l.succeeded("10.0.0.1");
        assert!(l.check("10.0.0.1").is_ok());
    }

    #[test]
    fn same_compares_whole_strings() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "ab"));
        assert!(!same("", "a"));
    }
}
