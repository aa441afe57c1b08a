//! [`serve`]: `coffer-engine serve`'s request loop over the [`coffer_engine::protocol`] pipe,
//! each statement under a watchdog that interrupts DuckDB at the timeout.

use crate::error::DuckError;
use crate::query::{query_on, which_secret_on};
use coffer_engine::protocol::{self, Failure, Request, Response};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Interrupts the statement running past its deadline.
struct Watchdog {
    deadline: Arc<Mutex<Option<Instant>>>,
    fired: Arc<std::sync::atomic::AtomicBool>,
}

impl Watchdog {
    fn start(conn: &duckdb::Connection) -> std::io::Result<Watchdog> {
        let deadline: Arc<Mutex<Option<Instant>>> = Arc::new(Mutex::new(None));
        let fired = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let handle = conn.interrupt_handle();
        let (d, f) = (Arc::clone(&deadline), Arc::clone(&fired));
        std::thread::Builder::new()
            .name("watchdog".into())
            .spawn(move || loop {
                std::thread::sleep(Duration::from_millis(25));
                let mut due = d.lock().unwrap_or_else(|p| p.into_inner());
                if due.is_some_and(|at| Instant::now() >= at) {
                    *due = None;
                    f.store(true, std::sync::atomic::Ordering::SeqCst);
                    handle.interrupt();
                }
            })?;
        Ok(Watchdog { deadline, fired })
    }

    fn arm(&self, timeout: Option<Duration>) {
        self.fired.store(false, std::sync::atomic::Ordering::SeqCst);
        *self.deadline.lock().unwrap_or_else(|p| p.into_inner()) = timeout.map(|t| Instant::now() + t);
    }

    /// Disarms; whether it fired.
    fn disarm(&self) -> bool {
        *self.deadline.lock().unwrap_or_else(|p| p.into_inner()) = None;
        self.fired.load(std::sync::atomic::Ordering::SeqCst)
    }
}

fn error(failure: Failure, message: impl Into<String>) -> Response {
    Response::Error {
        failure,
        message: message.into(),
    }
}

/// Answers requests on `input`/`output` until `input` ends.
///
/// # Errors
/// The pipe's errors.
pub fn serve(
    conn: &duckdb::Connection,
    timeout: Option<Duration>,
    mut input: impl Read,
    mut output: impl Write,
) -> std::io::Result<()> {
    let watchdog = Watchdog::start(conn)?;
    while let Some(frame) = protocol::read_frame(&mut input)? {
        let response = match protocol::decode::<Request>(&frame) {
            Err(e) => error(Failure::Protocol, e.to_string()),
            // Leaves the process: DuckDB, which keeps the secret for the session.
            Ok(Request::Register { name, sql }) => match conn.execute_batch(sql.expose_secret()) {
                Ok(()) => Response::Done,
                // DuckDB's later lines quote the statement: never send them.
                Err(e) => error(
                    Failure::Duck,
                    format!("secret '{name}': {}", coffer_engine::sanitize(&e.to_string())),
                ),
            },
            Ok(Request::Drop { name }) => match conn.execute_batch(&coffer_engine::drop_secret(&name)) {
                Ok(()) => Response::Done,
                Err(e) => error(Failure::Duck, e.to_string()),
            },
            Ok(Request::WhichSecret { path, secret_type }) => match which_secret_on(conn, &path, &secret_type) {
                Ok(name) => Response::Which { name },
                Err(e) => error(Failure::Duck, e.to_string()),
            },
            Ok(Request::Query { sql }) => {
                watchdog.arm(timeout);
                let result = query_on(conn, &sql);
                let fired = watchdog.disarm();
                match result {
                    Ok(rows) => Response::Rows { rows },
                    Err(_) if fired => error(
                        Failure::Timeout,
                        format!(
                            "the statement ran longer than the SQL timeout of {} and was interrupted (coffer serve --sql-timeout)",
                            humanize(timeout.unwrap_or_default())
                        ),
                    ),
                    Err(e @ DuckError::TooLarge) => error(Failure::TooLarge, e.to_string()),
                    Err(e) => error(Failure::Duck, e.to_string()),
                }
            }
            Ok(_) => error(Failure::Protocol, "an unknown request"),
        };
        drop(frame);
        protocol::write_frame(&mut output, &response)?;
    }
    Ok(())
}

fn humanize(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}
