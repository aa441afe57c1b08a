//! Durability under faults (issue 9): eight writers spread over two `coffer serve` nodes on one
//! store, and one node killed with SIGKILL in the middle of the stream.
//!
//! Afterwards every write that was answered 2xx must be there and decrypt to what was sent, no
//! stored version may be half-written (ciphertext without its wrapped key, or the reverse), and
//! the killed node must serve again after a plain restart, without any repair. It runs on the
//! SQLite embedded default (two processes on one WAL file in one home) and on PostgreSQL (two
//! homes holding the same key file, one database; skipped when `COFFER_TEST_POSTGRES_URL` is
//! unset).
//!
//! Every write carries a unique tag in its clear `region` field and a unique value in its sealed
//! `secret` field, so each stored version can be traced back to exactly one write.

mod common;

use coffer_crypto::keyring::WrappedKey;
use coffer_crypto::{envelope, LocalKeyFile, Sealed};
use coffer_model::{FieldValue, SecretFields, SensitiveValue};
use coffer_store::Store;
use common::server::Server;
use common::Harness;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::hash::BuildHasher;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Concurrent writers; each alternates between the two nodes.
const WRITERS: usize = 8;

/// A writer stops after this many writes even if it was not told to (keeps the test bounded).
const MAX_WRITES_PER_WRITER: usize = 2_000;

/// Where secrets are written.
const SECRETS: &str = "/v1/projects/default/secrets";

/// Node A (killed and restarted) and node B (serves throughout).
const A: usize = 0;
const B: usize = 1;

#[test]
fn kill_9_one_of_two_nodes_on_sqlite() {
    kill_9_one_of_two_nodes(&Backend::Sqlite);
}

#[test]
fn kill_9_one_of_two_nodes_on_postgres() {
    if coffer_store_postgres_testing::server_url().is_none() {
        eprintln!(
            "skipped: {} is not set (scripts/test.sh and CI set it)",
            coffer_store_postgres_testing::ENV
        );
        return;
    }
    kill_9_one_of_two_nodes(&Backend::Postgres(coffer_store_postgres_testing::fresh_database()));
}

/// Where the two nodes keep their store.
enum Backend {
    /// The embedded default: both nodes on one home, so one SQLite file and one key file.
    Sqlite,
    /// This PostgreSQL database; each node has its own home holding a copy of the key file.
    Postgres(String),
}

impl Backend {
    fn label(&self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// The environment of both nodes: every version kept (the test checks them all).
    fn env(&self) -> Vec<(&str, &str)> {
        let mut env = vec![("COFFER_KEEP_VERSIONS", "100000")];
        if let Backend::Postgres(url) = self {
            env.push(("COFFER_DATABASE_URL", url.as_str()));
        }
        env
    }

    /// The store itself, opened beside the servers.
    fn open(&self, h: &Harness) -> Box<dyn Store> {
        match self {
            Backend::Sqlite => {
                Box::new(coffer_store_sqlite::SqliteStore::open(&h.db_path()).expect("open the SQLite store"))
            }
            Backend::Postgres(url) => {
                Box::new(coffer_store_postgres::PgStore::connect(url).expect("connect to the PostgreSQL store"))
            }
        }
    }
}

/// What became of one write.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    /// A 2xx answer naming the version written.
    Acked(i64),
    /// Any other answer (none is expected): status and body.
    Refused(u16, String),
    /// No answer: the connection failed or was cut. The write may or may not have landed.
    NoAnswer(String),
}

/// One write sent to a node.
#[derive(Debug, Clone)]
struct Attempt {
    node: usize,
    name: String,
    /// Unique per write; stored in clear as the `region` field.
    tag: String,
    /// Unique per write; stored sealed as the `secret` field.
    value: String,
    outcome: Outcome,
    /// When it was sent.
    sent: Instant,
    /// When its answer (or failure) came back.
    done: Instant,
}

impl Attempt {
    fn acked(&self) -> Option<i64> {
        match self.outcome {
            Outcome::Acked(v) => Some(v),
            _ => None,
        }
    }
}

/// What the writers share.
struct Shared {
    /// The prefix of every value: unique per run, so the byte scans find only this run's values.
    run: String,
    urls: [String; 2],
    token: String,
    stop: AtomicBool,
    killed_at: OnceLock<Instant>,
    acked: [AtomicUsize; 2],
    acked_after_kill: AtomicUsize,
    /// Writes sent to each node and not answered yet.
    in_flight: [AtomicUsize; 2],
}

fn random_u64() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    std::collections::hash_map::RandomState::new().hash_one(nanos)
}

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout_connect(Duration::from_secs(2))
        .timeout(Duration::from_secs(20))
        .build()
}

/// Creates or replaces the s3 secret `name` with `value` as its secret and `tag` as its region.
fn put(agent: &ureq::Agent, base: &str, token: &str, name: &str, tag: &str, value: &str) -> Outcome {
    let body = json!({
        "name": name,
        "type": "s3",
        "scope": [format!("s3://{name}")],
        "on_conflict": "replace",
        "fields": {"key_id": "AKIAEXAMPLE", "secret": value, "region": tag},
    });
    let answer = agent
        .post(&format!("{base}{SECRETS}"))
        .set("Authorization", &format!("Bearer {token}"))
        .send_json(body);
    match answer {
        Ok(r) => {
            let status = r.status();
            let text = match r.into_string() {
                Ok(t) => t,
                Err(e) => return Outcome::NoAnswer(format!("{status} with a body cut off: {e}")),
            };
            let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            let version = body["secret"]["version"].as_i64();
            let expected = match status {
                201 => version == Some(1) && body["action"] == "created",
                200 => version.is_some_and(|v| v > 1) && body["action"] == "replaced",
                _ => false,
            };
            match version {
                Some(v) if expected => Outcome::Acked(v),
                _ => Outcome::Refused(status, text),
            }
        }
        Err(ureq::Error::Status(status, r)) => Outcome::Refused(status, r.into_string().unwrap_or_default()),
        Err(e) => Outcome::NoAnswer(e.to_string()),
    }
}

/// One writer: new secrets, and every third write a replace of one of its earlier ones, sent
/// alternately to the two nodes until told to stop. Like a client behind a load balancer it
/// sends everything to B once A stops answering.
fn writer(w: usize, shared: &Shared) -> Vec<Attempt> {
    let agent = agent();
    let mut names: Vec<String> = Vec::new();
    let mut a_down = false;
    let mut out = Vec::new();
    for seq in 0..MAX_WRITES_PER_WRITER {
        if shared.stop.load(Ordering::Relaxed) {
            break;
        }
        let node = if a_down { B } else { (w + seq) % 2 };
        let name = if seq % 3 == 2 {
            names[(seq * 7 + w) % names.len()].clone()
        } else {
            let n = format!("dur{w}n{seq}");
            names.push(n.clone());
            n
        };
        let tag = format!("w{w}-s{seq}");
        let value = format!("{}-{w}-{seq}-{:08x}", shared.run, random_u64() as u32);
        let sent = Instant::now();
        shared.in_flight[node].fetch_add(1, Ordering::SeqCst);
        let outcome = put(&agent, &shared.urls[node], &shared.token, &name, &tag, &value);
        shared.in_flight[node].fetch_sub(1, Ordering::SeqCst);
        match outcome {
            Outcome::Acked(_) => {
                shared.acked[node].fetch_add(1, Ordering::Relaxed);
                if node == B && shared.killed_at.get().is_some() {
                    shared.acked_after_kill.fetch_add(1, Ordering::Relaxed);
                }
            }
            Outcome::NoAnswer(_) if node == A => a_down = true,
            _ => {}
        }
        out.push(Attempt {
            node,
            name,
            tag,
            value,
            outcome,
            sent,
            done: Instant::now(),
        });
    }
    out
}

/// Gives the second home a copy of the first home's key file (mode 0600).
fn share_key(from: &Harness, to: &Harness) {
    std::fs::DirBuilder::new()
        .recursive(true)
        .create(to.home())
        .expect("create the second home");
    std::fs::set_permissions(to.home(), std::fs::Permissions::from_mode(0o700)).expect("chmod the second home");
    std::fs::copy(from.key_path(), to.key_path()).expect("copy the key file");
    std::fs::set_permissions(to.key_path(), std::fs::Permissions::from_mode(0o600)).expect("chmod the key file");
}

/// The attempts of each name, in the order they were sent (one writer owns each name, and the
/// writes after the restart come last).
fn by_name(attempts: &[Attempt]) -> BTreeMap<&str, Vec<&Attempt>> {
    let mut out: BTreeMap<&str, Vec<&Attempt>> = BTreeMap::new();
    for a in attempts {
        out.entry(a.name.as_str()).or_default().push(a);
    }
    out
}

/// The clear `region` field, which holds the tag of the write that made a version.
fn region(fields: &Value) -> String {
    fields["region"].as_str().unwrap_or_default().to_string()
}

/// What a node serves now agrees with the ledger: every acked write is in its secret's history
/// under the version its answer named, and each secret's current version is the last write of
/// it that landed (the last acked one, or a later one that got no answer), with its value.
/// Returns how many secrets and kept versions were checked.
fn check_served(node: &Server, token: &str, attempts: &[Attempt]) -> (usize, usize) {
    let list = node.request("GET", SECRETS, Some(token), None);
    assert_eq!(list.status, 200, "{}", list.text);
    let listed: BTreeMap<String, (i64, String)> = list
        .body
        .as_array()
        .expect("the secret list is an array")
        .iter()
        .map(|s| {
            (
                s["name"].as_str().expect("every secret has a name").to_string(),
                (
                    s["version"].as_i64().expect("every secret has a version"),
                    region(&s["fields"]),
                ),
            )
        })
        .collect();
    let per_name = by_name(attempts);
    let mut current: BTreeMap<&str, &Attempt> = BTreeMap::new();
    let mut versions_checked = 0;
    for (name, tries) in &per_name {
        let acked: Vec<(usize, i64)> = tries
            .iter()
            .enumerate()
            .filter_map(|(i, a)| a.acked().map(|v| (i, v)))
            .collect();
        let Some((version, tag)) = listed.get(*name) else {
            assert!(
                acked.is_empty(),
                "secret {name} is gone, but writes of it were acked: {acked:?}"
            );
            continue;
        };
        let (index, now) = tries
            .iter()
            .enumerate()
            .find(|(_, a)| &a.tag == tag)
            .unwrap_or_else(|| panic!("{name} version {version} carries tag '{tag}', which no write of it sent"));
        if let Some(&(last, last_version)) = acked.last() {
            assert!(
                index >= last,
                "{name} is at write {tag} (version {version}), but the later write {} was acked as version {last_version}",
                tries[last].tag
            );
            assert!(
                *version >= last_version,
                "{name} is at version {version} < acked {last_version}"
            );
        }
        if let Some(v) = now.acked() {
            assert_eq!(v, *version, "{name}: write {tag} was acked as version {v}");
        }
        current.insert(name, now);
        // Every acked version is in the history, made by the write that was told so.
        let history = node.request("GET", &format!("{SECRETS}/{name}/versions"), Some(token), None);
        assert_eq!(history.status, 200, "{}", history.text);
        let kept: BTreeMap<i64, String> = history
            .body
            .as_array()
            .expect("the history is an array")
            .iter()
            .map(|v| (v["version"].as_i64().unwrap_or_default(), region(&v["fields"])))
            .collect();
        assert_eq!(
            kept.keys().copied().collect::<Vec<_>>(),
            (1..=*version).collect::<Vec<_>>(),
            "{name}: every version is kept, without gaps"
        );
        for a in tries {
            if let Some(v) = a.acked() {
                assert_eq!(
                    kept.get(&v),
                    Some(&a.tag),
                    "{name} version {v} was acked for write {}",
                    a.tag
                );
            }
        }
        versions_checked += kept.len();
    }
    // The current values decrypt to exactly what their writes sent (the "use" endpoint).
    let names: Vec<&str> = current.keys().copied().collect();
    for chunk in names.chunks(200) {
        let env = node.request(
            "POST",
            "/v1/projects/default/env",
            Some(token),
            Some(&json!({ "secrets": chunk })),
        );
        assert_eq!(env.status, 200, "{}", env.text);
        for name in chunk {
            let a = current[name];
            let var = coffer_model::env::var_name(name, "secret");
            assert_eq!(
                env.body["env"][&var].as_str(),
                Some(a.value.as_str()),
                "{name}: {var} is not the value write {} sent",
                a.tag
            );
            assert_eq!(
                env.body["env"][coffer_model::env::var_name(name, "region")].as_str(),
                Some(a.tag.as_str())
            );
        }
    }
    (current.len(), versions_checked)
}

/// The store itself: every stored version (current and kept) is whole and opens with the key
/// file, against its own clear metadata; each of this test's versions holds exactly the value
/// its write sent and was stored once; each secret's versions run 1..=n; and every acked write
/// is there under the version its answer named. Returns how many versions were checked and how
/// many writes that got no answer landed all the same.
fn check_stored(store: &dyn Store, keyring: &LocalKeyFile, attempts: &[Attempt]) -> (usize, usize) {
    let records = store.all_versions().expect("read every stored version");
    let by_tag: BTreeMap<&str, &Attempt> = attempts.iter().map(|a| (a.tag.as_str(), a)).collect();
    let mut seen: BTreeMap<String, (String, i64)> = BTreeMap::new();
    let mut versions: BTreeMap<(String, String), Vec<i64>> = BTreeMap::new();
    for r in &records {
        let what = format!("{}/{} version {}", r.project, r.name, r.version);
        let s = &r.sealed;
        assert!(
            !s.key_id.is_empty() && !s.wrapped_key.is_empty() && !s.nonce.is_empty() && !s.ciphertext.is_empty(),
            "half-written: {what} has key id '{}', a {}-byte wrapped key, a {}-byte nonce and a {}-byte ciphertext",
            s.key_id,
            s.wrapped_key.len(),
            s.nonce.len(),
            s.ciphertext.len()
        );
        let sealed = Sealed {
            wrapped_key: WrappedKey {
                key_id: s.key_id.clone(),
                blob: s.wrapped_key.clone(),
            },
            nonce: s.nonce.clone(),
            ciphertext: s.ciphertext.clone(),
        };
        let plain = envelope::open(keyring, &coffer_core::aad::for_record(r), &sealed)
            .unwrap_or_else(|e| panic!("{what} does not open: {e}"));
        let sensitive = SecretFields::sensitive_from_bytes(plain.expose_secret())
            .unwrap_or_else(|e| panic!("{what} opens to malformed values: {e}"));
        assert_eq!(
            sensitive.keys().collect::<Vec<_>>(),
            r.sensitive_keys.iter().collect::<Vec<_>>(),
            "{what}: the sealed keys are not the ones its row names"
        );
        versions
            .entry((r.project.clone(), r.name.clone()))
            .or_default()
            .push(r.version);
        let Some(FieldValue::Text(tag)) = r.public_fields.get("region") else {
            continue;
        };
        let Some(a) = by_tag.get(tag.as_str()) else {
            continue;
        };
        assert_eq!(
            (r.project.as_str(), r.name.as_str()),
            ("default", a.name.as_str()),
            "{what} carries tag {tag}"
        );
        if let Some(first) = seen.insert(tag.clone(), (r.name.clone(), r.version)) {
            panic!("write {tag} is stored twice: as {first:?} and as {what}");
        }
        match sensitive.get("secret") {
            Some(SensitiveValue::Text(v)) => {
                assert!(
                    v.expose_secret() == a.value,
                    "{what} holds another value than write {tag} sent"
                );
            }
            _ => panic!("{what} has no sealed secret"),
        }
        if let Some(v) = a.acked() {
            assert_eq!(
                v, r.version,
                "write {tag} was acked as version {v} but is stored as {what}"
            );
        }
    }
    for ((project, name), mut vs) in versions {
        vs.sort_unstable();
        let n = i64::try_from(vs.len()).expect("a count");
        assert_eq!(
            vs,
            (1..=n).collect::<Vec<_>>(),
            "{project}/{name}: stored versions have gaps"
        );
    }
    for a in attempts {
        if let Some(v) = a.acked() {
            assert!(
                seen.contains_key(&a.tag),
                "write {} of {} was acked as version {v} but is not stored",
                a.tag,
                a.name
            );
        }
    }
    let landed_unanswered = attempts
        .iter()
        .filter(|a| matches!(a.outcome, Outcome::NoAnswer(_)) && seen.contains_key(&a.tag))
        .count();
    (records.len(), landed_unanswered)
}

/// Whether `needle` occurs in `hay`.
fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// No value of this run appears in clear in the home's files (the SQLite database and its WAL).
fn scan_files(h: &Harness, run: &str) -> usize {
    let mut scanned = 0;
    for entry in std::fs::read_dir(h.home()).expect("list the home") {
        let path = entry.expect("a home entry").path();
        if path.is_file() {
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
            assert!(
                !contains(&bytes, run.as_bytes()),
                "{} holds a secret value in clear",
                path.display()
            );
            scanned += bytes.len();
        }
    }
    scanned
}

fn kill_9_one_of_two_nodes(backend: &Backend) {
    let label = backend.label();
    let started = Instant::now();
    let env = backend.env();
    let home_a = Harness::new();
    let own_home_b = matches!(backend, Backend::Postgres(_)).then(Harness::new);
    let home_b = own_home_b.as_ref().unwrap_or(&home_a);

    let mut a = Server::start_with(&home_a, &env);
    assert!(
        a.admin_token.starts_with("coffer_"),
        "the first node bootstraps: {}",
        a.log_text()
    );
    if own_home_b.is_some() {
        share_key(&home_a, home_b);
    }
    let b = Server::start_with(home_b, &env);
    assert!(
        b.admin_token.is_empty(),
        "the second node finds the first one's admin: {}",
        b.log_text()
    );
    let shared = Shared {
        run: format!("DURABLE-{:016x}", random_u64()),
        urls: [a.url.clone(), b.url.clone()],
        token: a.admin_token.clone(),
        stop: AtomicBool::new(false),
        killed_at: OnceLock::new(),
        acked: [AtomicUsize::new(0), AtomicUsize::new(0)],
        acked_after_kill: AtomicUsize::new(0),
        in_flight: [AtomicUsize::new(0), AtomicUsize::new(0)],
    };
    let token = shared.token.as_str();

    // Write; kill -9 node A mid-stream: after 300-800 ms, once it has acked some writes, at a
    // moment when writes are in flight to it; keep writing on B for a while; stop.
    let kill_after = Duration::from_millis(300 + random_u64() % 500);
    let mut attempts: Vec<Attempt> = Vec::new();
    let mut killed = None;
    let mut acked_a_before_kill = 0;
    let mut killed_after = Duration::ZERO;
    let mut in_flight_at_kill = 0;
    std::thread::scope(|scope| {
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                let shared = &shared;
                scope.spawn(move || writer(w, shared))
            })
            .collect();
        let begin = Instant::now();
        let deadline = begin + Duration::from_secs(15);
        let ready = || {
            begin.elapsed() >= kill_after
                && shared.acked[A].load(Ordering::Relaxed) >= 8
                && shared.in_flight[A].load(Ordering::SeqCst) >= 2
        };
        while !ready() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_micros(200));
        }
        let at = Instant::now();
        shared.killed_at.set(at).expect("killed once");
        in_flight_at_kill = shared.in_flight[A].load(Ordering::SeqCst);
        killed = a.kill9();
        killed_after = at - begin;
        acked_a_before_kill = shared.acked[A].load(Ordering::Relaxed);
        let deadline = Instant::now() + Duration::from_secs(15);
        while (at.elapsed() < Duration::from_millis(500) || shared.acked_after_kill.load(Ordering::Relaxed) < 16)
            && Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(2));
        }
        shared.stop.store(true, Ordering::Relaxed);
        for w in writers {
            attempts.extend(w.join().expect("a writer panicked"));
        }
    });
    let killed_at = *shared.killed_at.get().expect("node A was killed");
    let status = killed.expect("node A was running when it was killed");
    assert_eq!(
        status.signal(),
        Some(9),
        "node A died of SIGKILL, not before: {status}\n{}",
        a.log_text()
    );

    let count = |f: &dyn Fn(&Attempt) -> bool| attempts.iter().filter(|a| f(a)).count();
    let acked = count(&|a| a.acked().is_some());
    let acked_on_a = count(&|a| a.node == A && a.acked().is_some());
    let unanswered = count(&|a| matches!(a.outcome, Outcome::NoAnswer(_)));
    let replaces = count(&|a| a.acked().is_some_and(|v| v > 1));
    let latency = |node: usize| {
        let before: Vec<Duration> = attempts
            .iter()
            .filter(|a| a.node == node && a.acked().is_some() && a.done < killed_at)
            .map(|a| a.done - a.sent)
            .collect();
        let n = u32::try_from(before.len()).unwrap_or(u32::MAX).max(1);
        before.iter().sum::<Duration>() / n
    };
    eprintln!(
        "[{label}] before the kill a write took {:?} on A and {:?} on B on average; {in_flight_at_kill} writes were \
         in flight to A when it was killed",
        latency(A),
        latency(B)
    );
    eprintln!(
        "[{label}] {} writes by {WRITERS} writers, {acked} acked ({acked_on_a} by A, {} by B, {replaces} of them \
         replaces), {unanswered} unanswered; A killed after {killed_after:?} with {acked_a_before_kill} acked by \
         it, B acked {} after the kill",
        attempts.len(),
        acked - acked_on_a,
        shared.acked_after_kill.load(Ordering::Relaxed)
    );
    for a in &attempts {
        if let Outcome::NoAnswer(e) = &a.outcome {
            eprintln!("[{label}] no answer to write {} on node A: {e}", a.tag);
        }
    }
    // Only A may fail to answer, and only once killed; no write is ever refused.
    for a in &attempts {
        match &a.outcome {
            Outcome::Acked(_) => {}
            Outcome::Refused(status, text) => {
                panic!(
                    "node {} answered {status} to write {} of {}: {text}",
                    a.node, a.tag, a.name
                )
            }
            Outcome::NoAnswer(e) => {
                assert_eq!(a.node, A, "node B, never killed, did not answer write {}: {e}", a.tag);
                assert!(
                    a.done >= killed_at,
                    "node A did not answer write {} before it was killed: {e}",
                    a.tag
                );
            }
        }
    }
    assert!(acked_a_before_kill > 0, "node A acked no write before it was killed");
    assert!(
        shared.acked_after_kill.load(Ordering::Relaxed) > 0,
        "node B acked no write after A was killed"
    );

    // Through B, and in the store itself, right after the crash.
    let (secrets, versions) = check_served(&b, token, &attempts);
    let keyring = LocalKeyFile::open(&home_a.key_path()).expect("open the key file");
    let (stored, landed) = check_stored(backend.open(&home_a).as_ref(), &keyring, &attempts);
    let cut_off = count(&|a| matches!(&a.outcome, Outcome::NoAnswer(e) if !e.contains("onnection refused")));
    eprintln!(
        "[{label}] after the crash: {secrets} secrets and {versions} versions served by B, {stored} stored versions \
         open; {cut_off} writes were cut off in flight, {landed} unanswered writes landed"
    );

    // Restart A on the same home and store: it serves at once.
    let a2 = Server::start_with(&home_a, &env);
    assert!(
        a2.admin_token.is_empty(),
        "a restart bootstraps nothing: {}",
        a2.log_text()
    );
    assert_eq!(a2.request("GET", "/healthz", None, None).status, 200);
    let agent = agent();
    let mut after: Vec<Attempt> = Vec::new();
    // A new secret, and a new version of every secret whose write was cut off by the kill (the
    // rows those writes touched must not stay locked or half-done).
    let mut names = vec!["restarted".to_string()];
    for a in &attempts {
        if matches!(a.outcome, Outcome::NoAnswer(_)) && !names.contains(&a.name) {
            names.push(a.name.clone());
        }
    }
    for (i, name) in names.iter().enumerate() {
        let tag = format!("restart-{i}");
        let value = format!("{}-restart-{i}", shared.run);
        let sent = Instant::now();
        let outcome = put(&agent, &a2.url, token, name, &tag, &value);
        assert!(
            matches!(outcome, Outcome::Acked(_)),
            "the restarted node takes write {tag}: {outcome:?}"
        );
        after.push(Attempt {
            node: A,
            name: name.clone(),
            tag,
            value,
            outcome,
            sent,
            done: Instant::now(),
        });
    }
    attempts.extend(after);
    // Both nodes serve everything, the restarted one included.
    let (secrets_a, versions_a) = check_served(&a2, token, &attempts);
    let (secrets_b, _) = check_served(&b, token, &attempts);
    assert_eq!(secrets_a, secrets_b);
    let (stored, _) = check_stored(backend.open(&home_a).as_ref(), &keyring, &attempts);
    eprintln!(
        "[{label}] after the restart: {secrets_a} secrets and {versions_a} versions served by both nodes, {stored} \
         stored versions open"
    );

    // No value in clear in the database files or in any node's log.
    let scanned = match backend {
        Backend::Sqlite => scan_files(&home_a, &shared.run),
        Backend::Postgres(_) => 0,
    };
    for (node, log) in [("A", a.log_text()), ("A restarted", a2.log_text()), ("B", b.log_text())] {
        assert!(!log.contains(&shared.run), "node {node} logged a secret value");
    }
    let (a2_log, b_log) = (a2.log_text(), b.log_text());
    assert!(a2.stop().success(), "the restarted node stops cleanly: {a2_log}");
    assert!(b.stop().success(), "node B stops cleanly: {b_log}");
    let scanned = match backend {
        Backend::Sqlite => scanned + scan_files(&home_a, &shared.run),
        Backend::Postgres(_) => 0,
    };
    eprintln!(
        "[{label}] no value in clear in {scanned} bytes of database files or in the logs; {:?} in all",
        started.elapsed()
    );
}
