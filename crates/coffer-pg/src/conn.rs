//! One connection's state: who signed in to which project, its settings, its open transaction
//! block, the temporary secrets it created (dropped when it ends), its last activity.

use coffer_core::Caller;
use coffer_crypto::SecretString;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::AtomicBool;
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

/// Who a connection acts as.
pub(crate) struct Login {
    pub caller: Caller,
    pub token: SecretString,
    pub project: String,
}

/// A connection's session state.
#[derive(Default)]
pub(crate) struct Session {
    /// Inside `BEGIN` ... `COMMIT`/`ROLLBACK`.
    pub in_block: bool,
    /// `SET name = value` as the client sent them.
    pub settings: BTreeMap<String, String>,
    /// The temporary secrets this connection created (names).
    pub temporary: Vec<String>,
    /// DuckDB's secret settings set on this connection (`SET default_secret_storage = ...`),
    /// by name, as statements: every statement runs after them, so they last as long as the
    /// connection, as in a DuckDB session.
    pub secret_settings: Vec<(String, String)>,
    /// The last statement described (text, parameters) and its result, reused by the Execute
    /// that follows.
    pub described: Option<(String, Vec<Option<String>>, coffer_sql::Table)>,
}

/// A connection.
pub(crate) struct Conn {
    pub client: SocketAddr,
    pub login: Mutex<Option<Login>>,
    pub session: Mutex<Session>,
    pub last_active: Mutex<Instant>,
    /// A statement is running on DuckDB for this connection.
    pub running: AtomicBool,
    /// The running statement was stopped (a cancel request, the client gone).
    pub cancelled: AtomicBool,
    /// The process id the client got for its cancel requests, once registered.
    pub pid: Mutex<Option<i32>>,
}

impl Conn {
    pub fn new(client: SocketAddr) -> Self {
        Conn {
            client,
            login: Mutex::new(None),
            session: Mutex::new(Session::default()),
            last_active: Mutex::new(Instant::now()),
            running: AtomicBool::new(false),
            cancelled: AtomicBool::new(false),
            pid: Mutex::new(None),
        }
    }

    pub fn session(&self) -> MutexGuard<'_, Session> {
        lock(&self.session)
    }

    pub fn touch(&self) {
        *lock(&self.last_active) = Instant::now();
    }

    /// The caller, token and project, once signed in.
    pub fn login(&self) -> Option<(Caller, SecretString, String)> {
        lock(&self.login)
            .as_ref()
            .map(|l| (l.caller.clone(), l.token.duplicate(), l.project.clone()))
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
