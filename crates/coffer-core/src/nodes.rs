//! Several `coffer serve` nodes on one database: heartbeats, lost nodes, and the change feed.
//!
//! - Every node records a heartbeat ([`Service::node_heartbeat`]) under its id, `host:pid`:
//!   the `runner` of the flight runs it executes, so a run maps to the node running it.
//!   [`Service::join_nodes`] registers this process and starts a [`NodeHeartbeat`] thread.
//! - A node whose last heartbeat is older than the node timeout is lost: after each of its
//!   own heartbeats every node sweeps ([`Service::fail_lost_nodes`]), marking `failed` every
//!   run still recorded `running` by a lost node and removing the lost node's row. Two nodes
//!   may sweep at once: a run is finished only while it is `running` (compare and set), so
//!   each run is failed once.
//! - A store that pushes the changes other processes commit (PostgreSQL's LISTEN/NOTIFY,
//!   [`Store::subscribe`](coffer_store::Store::subscribe)) is followed by
//!   [`Service::follow_store`]: each change reaches this process's
//!   [`SecretObserver`](crate::SecretObserver)s (the live DuckDB instances) as if it had
//!   been made here. Requests need no feed: the caches revalidate against the store's
//!   generation on every request.

use crate::clock::now_ms;
use crate::error::{CoreError, Result};
use crate::flights::scheduler_caller;
use crate::service::Service;
use crate::types::secrets::{SecretChange, SecretInfo};
use coffer_model::flight::RunStatus;
use coffer_model::Storage;
use coffer_store::{AuditEvent, NodeRecord, RunEnd, RunRecord, StoreChange};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Weak};
use std::thread::JoinHandle;
use std::time::Duration;
use tracing::{debug, warn};

/// How often a node records its heartbeat, and how long a silent node has before it is
/// lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeTiming {
    interval: Duration,
    timeout: Duration,
}

impl Default for NodeTiming {
    /// A heartbeat every 2 s; lost after 15 s of silence.
    fn default() -> Self {
        NodeTiming {
            interval: Duration::from_secs(2),
            timeout: Duration::from_secs(15),
        }
    }
}

impl NodeTiming {
    /// A heartbeat every `interval`; a node silent for longer than `timeout` is lost.
    ///
    /// # Errors
    /// [`CoreError::Usage`] when `interval` is zero or `timeout` is not more than twice
    /// `interval` (one late heartbeat must not make a node lost).
    pub fn new(interval: Duration, timeout: Duration) -> Result<Self> {
        if interval.is_zero() {
            return Err(CoreError::Usage("the heartbeat interval must be more than 0".into()));
        }
        if timeout <= interval.saturating_mul(2) {
            return Err(CoreError::Usage(format!(
                "the node timeout ({}) must be more than twice the heartbeat interval ({}), so that one late heartbeat does not make a node lost",
                humanize(timeout),
                humanize(interval)
            )));
        }
        Ok(NodeTiming { interval, timeout })
    }

    /// The heartbeat interval.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// The node timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }
}

/// A duration as `1.5s` or `250ms`.
fn humanize(d: Duration) -> String {
    if d.subsec_millis() == 0 && d.as_secs() > 0 {
        format!("{}s", d.as_secs())
    } else if d.as_secs() == 0 {
        format!("{}ms", d.as_millis())
    } else {
        format!("{:.3}s", d.as_secs_f64())
    }
}

/// A node found lost by [`Service::fail_lost_nodes`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LostNode {
    /// Its id, `host:pid`.
    pub id: String,
    /// Its last heartbeat (Unix milliseconds).
    pub heartbeat_at: i64,
    /// How many of its runs this sweep marked `failed` (another node sweeping at the same
    /// time may have failed others).
    pub failed_runs: usize,
}

/// What the heartbeat thread of [`Service::join_nodes`] reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeEvent {
    /// Another node was found lost and its runs failed.
    Lost(LostNode),
    /// This node's heartbeat could not be recorded (reported once until it works again).
    HeartbeatFailed(String),
    /// The heartbeat is recorded again after failing.
    HeartbeatRestored,
    /// Looking for lost nodes failed (reported once until it works again).
    SweepFailed(String),
}

/// An RFC 3339 UTC time for Unix milliseconds.
fn rfc3339(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_else(|| format!("{ms} ms after the Unix epoch"))
}

/// The name [`Service::start_run`] gives a run's own token.
fn run_token_name(flight_id: &str, run_number: i64) -> String {
    format!(
        "{}{}.{run_number}",
        crate::access::RUN_TOKEN_PREFIX,
        flight_id.replace('-', "")
    )
}

impl Service {
    /// Records a heartbeat of node `id` (`host:pid`, the runner id of its runs) serving on
    /// `url`, started at `started_at` (Unix milliseconds); the first one registers it.
    ///
    /// # Errors
    /// Store errors.
    pub fn node_heartbeat(&self, id: &str, url: &str, started_at: i64) -> Result<()> {
        Ok(self.store.node_heartbeat(&NodeRecord {
            id: id.to_string(),
            started_at,
            heartbeat_at: now_ms(),
            url: url.to_string(),
        })?)
    }

    /// The nodes that have a row, by id.
    ///
    /// # Errors
    /// Store errors.
    pub fn list_nodes(&self) -> Result<Vec<NodeRecord>> {
        Ok(self.store.list_nodes()?)
    }

    /// Removes node `id`'s row (it stopped cleanly); false when it had none.
    ///
    /// # Errors
    /// Store errors.
    pub fn remove_node(&self, id: &str) -> Result<bool> {
        Ok(self.store.remove_node(id)?)
    }

    /// Every node other than `this_node` whose last heartbeat is older than `now_ms -
    /// timeout` is lost: each of its runs still `running` is marked `failed` (saying the
    /// node was lost and its process may still be running there), the run's own token is
    /// revoked, and the node's row is removed. Returns the lost nodes with how many runs this
    /// call failed; a run another node failed first is not counted.
    ///
    /// # Errors
    /// Store errors (what was done before stays done; the next sweep goes on).
    pub fn fail_lost_nodes(&self, this_node: &str, now_ms: i64, timeout: Duration) -> Result<Vec<LostNode>> {
        let timeout_ms = i64::try_from(timeout.as_millis()).unwrap_or(i64::MAX);
        let cutoff = now_ms.saturating_sub(timeout_ms);
        let lost: Vec<NodeRecord> = self
            .store
            .list_nodes()?
            .into_iter()
            .filter(|n| n.id != this_node && n.heartbeat_at < cutoff)
            .collect();
        if lost.is_empty() {
            return Ok(Vec::new());
        }
        let running = self.store.running_runs()?;
        let mut out = Vec::with_capacity(lost.len());
        for node in lost {
            let mut failed_runs = 0;
            for run in running.iter().filter(|r| r.runner.as_deref() == Some(node.id.as_str())) {
                if self.fail_run_of_lost_node(run, &node, this_node)? {
                    failed_runs += 1;
                }
            }
            self.store.remove_node(&node.id)?;
            out.push(LostNode {
                id: node.id,
                heartbeat_at: node.heartbeat_at,
                failed_runs,
            });
        }
        Ok(out)
    }

    /// Marks one run of a lost node `failed` (if it is still `running`) and revokes its run
    /// token; true when this call failed it.
    fn fail_run_of_lost_node(&self, run: &RunRecord, node: &NodeRecord, this_node: &str) -> Result<bool> {
        let flight = self.store.get_flight_by_id(&run.flight_id)?;
        let (project, object) = match &flight {
            Some(f) => (f.project.clone(), format!("flight:{}", f.name)),
            None => (String::new(), format!("flight-id:{}", run.flight_id)),
        };
        let end = RunEnd {
            status: RunStatus::Failed.name().into(),
            exit_code: None,
            finished_at: now_ms(),
            message: Some(format!(
                "node lost: {} stopped sending heartbeats at {}; the run's process may still be running on that host",
                node.id,
                rfc3339(node.heartbeat_at)
            )),
        };
        let mut caller = scheduler_caller();
        caller.client = format!("node:{this_node}");
        let ev = caller.event(
            &project,
            &object,
            "flight.run.end",
            RunStatus::Failed.name(),
            Some(format!("run={} node lost: {}", run.run_number, node.id)),
        );
        if !self.store.finish_run(&run.flight_id, run.run_number, &end, &[ev])? {
            return Ok(false);
        }
        self.revoke_run_token(run, &caller, &project, "run failed: node lost")?;
        Ok(true)
    }

    /// Revokes the token minted for `run`, if it is still valid: the run is over as far as
    /// coffer knows, and its token must not outlive it.
    pub(crate) fn revoke_run_token(
        &self,
        run: &RunRecord,
        caller: &crate::Caller,
        project: &str,
        why: &str,
    ) -> Result<()> {
        let token = run_token_name(&run.flight_id, run.run_number);
        if self.store.get_token(&token)?.is_some_and(|t| t.revoked_at.is_none()) {
            let ev = AuditEvent {
                id: 0,
                at: now_ms(),
                actor: caller.name.clone(),
                token_name: None,
                project: project.to_string(),
                object: format!("token:{token}"),
                action: "token.revoke".into(),
                result: "ok".into(),
                client: caller.client.clone(),
                detail: Some(why.into()),
            };
            self.store.revoke_token(&token, now_ms(), &|_| vec![ev.clone()])?;
        }
        Ok(())
    }

    /// Registers this process as node `id` serving on `url` (one heartbeat now, so an error
    /// stops the start), then starts a thread that looks for lost nodes at once and then,
    /// every [`NodeTiming::interval`], records a heartbeat and looks again
    /// ([`Service::fail_lost_nodes`] with [`NodeTiming::timeout`]). `report` is told what
    /// happens, from that thread. The thread holds the service weakly: it ends when the
    /// service is dropped or when [`NodeHeartbeat::stop`] is called.
    ///
    /// # Errors
    /// The first heartbeat cannot be recorded; the thread cannot be started.
    pub fn join_nodes(
        self: &Arc<Self>,
        id: &str,
        url: &str,
        timing: NodeTiming,
        report: impl FnMut(NodeEvent) + Send + 'static,
    ) -> Result<NodeHeartbeat> {
        let started_at = now_ms();
        self.node_heartbeat(id, url, started_at)?;
        let (stop, stopped) = mpsc::channel::<()>();
        let service = Arc::downgrade(self);
        let (node, node_url) = (id.to_string(), url.to_string());
        let thread = std::thread::Builder::new()
            .name("coffer-heartbeat".into())
            .spawn(move || heartbeat_loop(&service, &node, &node_url, started_at, timing, &stopped, report))
            .map_err(|e| CoreError::Usage(format!("cannot start the heartbeat thread: {e}")))?;
        Ok(NodeHeartbeat {
            service: Arc::clone(self),
            id: id.to_string(),
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Follows the store's change feed, if it has one (see the module docs): a thread turns
    /// each change another process commits into notifications of this service's observers
    /// ([`Service::apply_store_change`]). `None` for a store without a feed (SQLite). The
    /// thread holds the service weakly and ends when the service is dropped or the feed
    /// closes.
    ///
    /// # Errors
    /// The feed cannot be started; the thread cannot be started.
    pub fn follow_store(self: &Arc<Self>) -> Result<Option<JoinHandle<()>>> {
        let Some(feed) = self.store.subscribe()? else {
            return Ok(None);
        };
        let service = Arc::downgrade(self);
        let thread = std::thread::Builder::new()
            .name("coffer-store-feed".into())
            .spawn(move || follow_loop(&service, &feed))
            .map_err(|e| CoreError::Usage(format!("cannot start the thread following the store: {e}")))?;
        Ok(Some(thread))
    }

    /// Tells this service's observers about a change another process committed, as if it
    /// had been made here: what [`Service::follow_store`] does with each change of the feed.
    /// A secret's change is told from what the store holds now (so changes told late or out
    /// of order still leave observers with the current state): `Upserted` when it exists,
    /// `Dropped` when not. A dropped project is forgotten (its temporary secrets too) and
    /// its observers re-read it; after `Resync` they re-read everything.
    pub fn apply_store_change(&self, change: &StoreChange) {
        match change {
            StoreChange::SecretUpserted { project, name } | StoreChange::SecretDropped { project, name } => {
                match self.store.get_secret(project, name) {
                    Ok(Some(record)) => self.notify(
                        project,
                        SecretChange::Upserted(Box::new(SecretInfo::from_record(&record))),
                    ),
                    Ok(None) => self.notify(
                        project,
                        SecretChange::Dropped {
                            name: name.clone(),
                            storage: Storage::Coffer,
                        },
                    ),
                    Err(e) => {
                        warn!(%project, secret = %name, error = %e, "cannot read a secret another node changed; re-reading the project");
                        self.resync_observers(Some(project));
                    }
                }
            }
            StoreChange::ProjectDropped { project } => {
                self.forget_project(project);
                self.resync_observers(Some(project));
            }
            StoreChange::Resync => self.resync_observers(None),
        }
    }
}

fn heartbeat_loop(
    service: &Weak<Service>,
    id: &str,
    url: &str,
    started_at: i64,
    timing: NodeTiming,
    stopped: &mpsc::Receiver<()>,
    mut report: impl FnMut(NodeEvent),
) {
    let mut beat_failing = false;
    let mut sweep_failing = false;
    let mut first = true;
    loop {
        if !first {
            match stopped.recv_timeout(timing.interval) {
                Err(RecvTimeoutError::Timeout) => {}
                // Asked to stop, or the handle is gone.
                Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
            }
        }
        let Some(service) = service.upgrade() else { return };
        if !first {
            match service.node_heartbeat(id, url, started_at) {
                Ok(()) if beat_failing => {
                    beat_failing = false;
                    report(NodeEvent::HeartbeatRestored);
                }
                Ok(()) => {}
                Err(e) => {
                    if !beat_failing {
                        report(NodeEvent::HeartbeatFailed(e.to_string()));
                    }
                    beat_failing = true;
                    // A node that cannot reach the store cannot tell who is lost either.
                    continue;
                }
            }
        }
        first = false;
        match service.fail_lost_nodes(id, now_ms(), timing.timeout) {
            Ok(lost) => {
                sweep_failing = false;
                for node in lost {
                    report(NodeEvent::Lost(node));
                }
            }
            Err(e) => {
                if !sweep_failing {
                    report(NodeEvent::SweepFailed(e.to_string()));
                }
                sweep_failing = true;
            }
        }
    }
}

/// How often the feed thread checks whether its service is gone when no change arrives.
const FEED_POLL: Duration = Duration::from_millis(500);

fn follow_loop(service: &Weak<Service>, feed: &mpsc::Receiver<StoreChange>) {
    loop {
        match feed.recv_timeout(FEED_POLL) {
            Ok(change) => {
                let Some(service) = service.upgrade() else { return };
                debug!(?change, "change from another node");
                service.apply_store_change(&change);
            }
            Err(RecvTimeoutError::Timeout) => {
                if service.strong_count() == 0 {
                    return;
                }
            }
            Err(RecvTimeoutError::Disconnected) => {
                debug!("the store's change feed closed");
                return;
            }
        }
    }
}

/// This process as a node of [`Service::join_nodes`]: its heartbeat thread.
pub struct NodeHeartbeat {
    service: Arc<Service>,
    id: String,
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for NodeHeartbeat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeHeartbeat")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl NodeHeartbeat {
    /// The node's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    fn halt(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }

    /// Stops the heartbeats. With `leave`, the node's row is removed too: for a clean stop
    /// after its runs have ended. Without, the row is left to go stale, so that another node
    /// fails the runs it still records `running` once the timeout has passed. Returns whether
    /// a row was removed.
    ///
    /// # Errors
    /// The row cannot be removed.
    pub fn stop(mut self, leave: bool) -> Result<bool> {
        self.halt();
        if leave {
            self.service.remove_node(&self.id)
        } else {
            Ok(false)
        }
    }
}

impl Drop for NodeHeartbeat {
    fn drop(&mut self) {
        self.halt();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Caller, CreateRequest, OnConflict, RunRequest, SecretObserver, Started};
    use coffer_crypto::LocalKeyFile;
    use coffer_model::flight::FlightSpec;
    use coffer_model::InputValue;
    use coffer_store_sqlite::SqliteStore;
    use std::sync::Mutex;

    fn service(dir: &std::path::Path) -> Service {
        let (kr, _) = LocalKeyFile::open_or_create(&dir.join("master.key")).expect("key");
        Service::new(
            Box::new(SqliteStore::open(&dir.join("coffer.db")).expect("db")),
            Box::new(kr),
        )
    }

    fn caller() -> Caller {
        Caller {
            name: "test:alice".into(),
            ..Caller::local()
        }
    }

    fn spec() -> FlightSpec {
        serde_json::from_value(serde_json::json!({"kind": "command", "command": ["true"], "concurrency": 5}))
            .expect("spec")
    }

    /// A service with project `p` and flight `f` of the bootstrap admin (flights of a real
    /// identity get a run token per run).
    fn with_flight(dir: &std::path::Path) -> Service {
        let s = service(dir);
        let admin = s.bootstrap().expect("bootstrap").expect("a new store");
        let admin = s.authenticate(admin.token.expose_secret(), "test").expect("admin");
        s.create_project(&admin, "p").expect("project");
        s.create_flight(&admin, "p", "f", spec()).expect("flight");
        s
    }

    /// Starts a run of flight `f` recorded as run by `runner`.
    fn start(s: &Service, f: &str, runner: &str) -> i64 {
        let req = RunRequest {
            runner: runner.into(),
            ..RunRequest::default()
        };
        match s.start_run(&caller(), "p", f, req).expect("start") {
            Started::Launch(l) => l.run.run_number,
            Started::Failed(r) => panic!("the run failed to start: {r:?}"),
        }
    }

    #[test]
    fn timing_needs_a_timeout_above_twice_the_interval() {
        let s = Duration::from_secs;
        assert!(NodeTiming::new(s(2), s(15)).is_ok());
        let e = NodeTiming::new(s(2), s(4)).expect_err("equal to twice");
        assert!(
            e.to_string()
                .contains("(4s) must be more than twice the heartbeat interval (2s)"),
            "{e}"
        );
        assert!(NodeTiming::new(Duration::ZERO, s(4)).is_err());
        let t = NodeTiming::new(Duration::from_millis(500), s(3)).expect("ok");
        assert_eq!((t.interval(), t.timeout()), (Duration::from_millis(500), s(3)));
        assert_eq!(humanize(Duration::from_millis(1500)), "1.500s");
    }

    #[test]
    fn runs_of_a_dead_process_on_this_host_fail_and_lose_their_tokens() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = with_flight(dir.path());
        let dead = start(&s, "f", "here:10");
        let alive = start(&s, "f", "here:11");
        let elsewhere = start(&s, "f", "there:10");
        let failed = s.fail_orphaned_runs("here", |pid| pid == 11).expect("recover");
        assert_eq!(failed, 1);
        let f = s.store.get_flight("p", "f").expect("read").expect("flight");
        let status = |n| s.store.get_run(&f.id, n).expect("read").expect("run").status;
        assert_eq!(
            (status(dead), status(alive), status(elsewhere)),
            ("failed".into(), "running".into(), "running".into())
        );
        let revoked = |n| {
            s.store
                .get_token(&run_token_name(&f.id, n))
                .expect("read")
                .expect("run token")
                .revoked_at
                .is_some()
        };
        assert!(revoked(dead), "the dead run's token is revoked");
        assert!(!revoked(alive) && !revoked(elsewhere));
    }

    #[test]
    fn a_lost_nodes_runs_fail_once_and_its_row_goes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = with_flight(dir.path());
        let now = now_ms();
        let old = now - 60_000;
        // Node "dead:1" beat a minute ago and runs two runs; "alive:2" beat now and runs one.
        s.store
            .node_heartbeat(&NodeRecord {
                id: "dead:1".into(),
                started_at: old,
                heartbeat_at: old,
                url: "http://dead".into(),
            })
            .expect("beat");
        s.node_heartbeat("alive:2", "http://alive", now).expect("beat");
        // This node's own row is stale too, but a node never finds itself lost.
        s.store
            .node_heartbeat(&NodeRecord {
                id: "me:3".into(),
                started_at: old,
                heartbeat_at: old,
                url: "http://me".into(),
            })
            .expect("beat");
        let dead = [start(&s, "f", "dead:1"), start(&s, "f", "dead:1")];
        let alive = start(&s, "f", "alive:2");
        let mine = start(&s, "f", "me:3");

        let lost = s.fail_lost_nodes("me:3", now, Duration::from_secs(15)).expect("sweep");
        assert_eq!(
            lost,
            vec![LostNode {
                id: "dead:1".into(),
                heartbeat_at: old,
                failed_runs: 2
            }]
        );
        let f = s.store.get_flight("p", "f").expect("read").expect("flight");
        for n in dead {
            let r = s.store.get_run(&f.id, n).expect("read").expect("run");
            assert_eq!(r.status, "failed");
            let m = r.message.expect("message");
            assert!(
                m.starts_with("node lost: dead:1 stopped sending heartbeats at 20"),
                "{m}"
            );
            assert!(
                m.ends_with("the run's process may still be running on that host"),
                "{m}"
            );
            let token = s
                .store
                .get_token(&run_token_name(&f.id, n))
                .expect("read")
                .expect("run token");
            assert!(token.revoked_at.is_some(), "the run token of a lost run is revoked");
        }
        for n in [alive, mine] {
            assert_eq!(s.store.get_run(&f.id, n).expect("read").expect("run").status, "running");
        }
        let ids: Vec<String> = s.list_nodes().expect("nodes").into_iter().map(|n| n.id).collect();
        assert_eq!(ids, ["alive:2", "me:3"]);
        // Audited as ends of runs.
        let audit = s
            .store
            .list_audit(&coffer_store::AuditFilter {
                object: Some("flight:f".into()),
                ..Default::default()
            })
            .expect("audit");
        let ends = audit
            .iter()
            .filter(|e| e.action == "flight.run.end" && e.client == "node:me:3")
            .count();
        assert_eq!(ends, 2, "{audit:?}");

        // A second sweep finds nothing more to do.
        assert!(s
            .fail_lost_nodes("me:3", now, Duration::from_secs(15))
            .expect("sweep")
            .is_empty());
        // A node whose row reappears (it was only slow, or two nodes swept at once) has no
        // run failed twice.
        s.store
            .node_heartbeat(&NodeRecord {
                id: "dead:1".into(),
                started_at: old,
                heartbeat_at: old,
                url: "http://dead".into(),
            })
            .expect("beat");
        let again = s.fail_lost_nodes("me:3", now, Duration::from_secs(15)).expect("sweep");
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].failed_runs, 0);
        assert!(s.remove_node("me:3").expect("remove"));
        assert!(!s.remove_node("me:3").expect("remove"));
    }

    #[test]
    fn the_heartbeat_thread_registers_sweeps_and_leaves() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = Arc::new(service(dir.path()));
        let old = now_ms() - 60_000;
        s.store
            .node_heartbeat(&NodeRecord {
                id: "dead:1".into(),
                started_at: old,
                heartbeat_at: old,
                url: "http://dead".into(),
            })
            .expect("beat");
        let events = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&events);
        let timing = NodeTiming::new(Duration::from_millis(20), Duration::from_secs(5)).expect("timing");
        let node = s
            .join_nodes("me:3", "http://me", timing, move |e| {
                sink.lock().expect("events").push(e);
            })
            .expect("join");
        assert_eq!(node.id(), "me:3");
        let first = s.list_nodes().expect("nodes");
        assert!(first.iter().any(|n| n.id == "me:3" && n.url == "http://me"));
        // The dead node is swept and the heartbeat moves on.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let nodes = s.list_nodes().expect("nodes");
            let me = nodes.iter().find(|n| n.id == "me:3").expect("registered");
            let beat = first.iter().find(|n| n.id == "me:3").expect("registered").heartbeat_at;
            if nodes.len() == 1 && me.heartbeat_at > beat {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "{nodes:?}");
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(matches!(
            events.lock().expect("events").as_slice(),
            [NodeEvent::Lost(LostNode { id, failed_runs: 0, .. })] if id == "dead:1"
        ));
        assert!(node.stop(true).expect("stop"));
        assert!(s.list_nodes().expect("nodes").is_empty());
    }

    /// Records what observers are told.
    #[derive(Default)]
    struct Recorder(Mutex<Vec<String>>);

    impl SecretObserver for Recorder {
        fn changed(&self, _: &Service, project: &str, change: &SecretChange) {
            let line = match change {
                SecretChange::Upserted(i) => format!("{project}: upserted {} v{}", i.name, i.version),
                SecretChange::Dropped { name, storage } => format!("{project}: dropped {name} from {}", storage.name()),
            };
            self.0.lock().expect("lines").push(line);
        }

        fn resync(&self, _: &Service, project: Option<&str>) {
            self.0
                .lock()
                .expect("lines")
                .push(format!("resync {}", project.unwrap_or("*")));
        }
    }

    #[test]
    fn a_store_change_reaches_observers_as_the_store_now_has_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = service(dir.path());
        let b = service(dir.path());
        a.create_project(&caller(), "p").expect("project");
        let seen = Arc::new(Recorder::default());
        b.observe(seen.clone());
        let create = |replace: bool| {
            let req = CreateRequest {
                name: Some("Tok".into()),
                secret_type: "generic".into(),
                provider: None,
                scopes: Vec::new(),
                storage: Storage::Coffer,
                on_conflict: if replace {
                    OnConflict::Replace
                } else {
                    OnConflict::Error
                },
                values: vec![("value".into(), InputValue::Text("v".into()))],
            };
            a.create_secret(&caller(), "p", req).expect("create");
        };
        let upserted = StoreChange::SecretUpserted {
            project: "p".into(),
            name: "tok".into(),
        };
        create(false);
        b.apply_store_change(&upserted);
        create(true);
        b.apply_store_change(&upserted);
        a.drop_secret(&caller(), "p", "Tok", false, None).expect("drop");
        // Told late (after the drop): observers get the drop, not a stale upsert.
        b.apply_store_change(&upserted);
        b.apply_store_change(&StoreChange::SecretDropped {
            project: "p".into(),
            name: "Tok".into(),
        });
        b.apply_store_change(&StoreChange::ProjectDropped { project: "p".into() });
        b.apply_store_change(&StoreChange::Resync);
        assert_eq!(
            *seen.0.lock().expect("lines"),
            [
                "p: upserted Tok v1",
                "p: upserted Tok v2",
                "p: dropped tok from coffer",
                "p: dropped Tok from coffer",
                "resync p",
                "resync *",
            ]
        );
    }

    #[test]
    fn without_a_feed_nothing_is_followed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = Arc::new(service(dir.path()));
        assert!(s.follow_store().expect("follow").is_none());
    }
}
