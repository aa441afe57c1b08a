//! The token hierarchy: a token created with a token is its child, never outlives it and is
//! revoked with it; a flight run's token creates no token; a member creates tokens for itself
//! only.

mod common;

use coffer_core::{AuditFilter, Caller, CoreError, Role, RunRequest, Service, Started};
use coffer_model::flight::FlightSpec;
use common::{actor, Env};

const HOUR: i64 = 3_600_000;

/// The caller behind a token just created.
fn login(svc: &Service, t: &coffer_core::NewToken) -> Caller {
    svc.authenticate(t.token.expose_secret(), "test").expect("authenticate")
}

/// A service with the user alice (`write` in project p) and her token `alice-root`, made in
/// local mode (no parent, no expiry).
fn setup(env: &Env) -> (Service, coffer_core::NewToken) {
    let svc = env.service();
    svc.create_user(&actor(), "alice", false).expect("alice");
    svc.grant(&actor(), "p", Role::Write, "alice").expect("grant");
    let root = svc
        .create_token(&actor(), Some("alice"), "alice-root", None)
        .expect("root token");
    assert_eq!((root.info.parent.as_deref(), root.info.expires_at), (None, None));
    (svc, root)
}

#[test]
fn a_child_never_outlives_its_parent() {
    let env = Env::new();
    let (svc, root) = setup(&env);
    let alice = login(&svc, &root);
    let hour = svc
        .create_token(&alice, None, "alice-1h", Some(HOUR))
        .expect("1h token");
    assert_eq!(hour.info.parent.as_deref(), Some("alice-root"));
    assert!(hour.notice.is_none(), "{:?}", hour.notice);
    let cap = hour.info.expires_at.expect("it expires");

    let short = login(&svc, &hour);
    let forever = svc
        .create_token(&short, None, "alice-forever", None)
        .expect("capped, not refused");
    assert_eq!(
        forever.info.expires_at,
        Some(cap),
        "no expiry is capped to the parent's"
    );
    assert_eq!(forever.info.parent.as_deref(), Some("alice-1h"));
    let notice = forever.notice.clone().expect("the cap is explained");
    assert!(notice.contains("alice-1h") && notice.contains("no expiry"), "{notice}");
    let longer = svc
        .create_token(&short, None, "alice-2h", Some(2 * HOUR))
        .expect("capped");
    assert_eq!(longer.info.expires_at, Some(cap), "a later expiry is capped");
    assert!(longer.notice.is_some_and(|n| n.contains("a later expiry")));
    let shorter = svc
        .create_token(&short, None, "alice-30m", Some(HOUR / 2))
        .expect("shorter");
    assert!(shorter.notice.is_none());
    assert!(shorter.info.expires_at.expect("expires") < cap);

    // A grandchild is capped by the token above its parent too.
    let grandchild = svc
        .create_token(&login(&svc, &forever), None, "alice-gc", None)
        .expect("grandchild");
    assert_eq!(grandchild.info.expires_at, Some(cap));

    // The creation is audited with its parent.
    let events = svc.list_audit(&actor(), &AuditFilter::default()).expect("audit");
    let ev = events
        .iter()
        .find(|e| e.object == "token:alice-forever")
        .expect("event");
    let detail = ev.detail.as_deref().unwrap_or_default();
    assert!(
        detail.contains("parent=alice-1h") && detail.contains("expiry=capped"),
        "{detail}"
    );

    // A child expires with its parent (here by the cap).
    let brief = svc.create_token(&alice, None, "alice-brief", Some(300)).expect("brief");
    let child = svc
        .create_token(&login(&svc, &brief), None, "alice-brief-child", None)
        .expect("child of brief");
    assert_eq!(child.info.expires_at, brief.info.expires_at);
    std::thread::sleep(std::time::Duration::from_millis(400));
    let err = svc
        .authenticate(child.token.expose_secret(), "test")
        .expect_err("expired with its parent");
    assert!(matches!(err, CoreError::Unauthenticated(_)), "{err}");
}

#[test]
fn revoking_a_token_revokes_every_token_below_it() {
    let env = Env::new();
    let (svc, root) = setup(&env);
    let alice = login(&svc, &root);
    let child = svc.create_token(&alice, None, "child", None).expect("child");
    let grandchild = svc
        .create_token(&login(&svc, &child), None, "grandchild", None)
        .expect("grandchild");
    let great = svc
        .create_token(&login(&svc, &grandchild), None, "great", Some(HOUR))
        .expect("great-grandchild");
    let sibling = svc.create_token(&alice, None, "sibling", None).expect("sibling");
    let unrelated = svc
        .create_token(&actor(), Some("alice"), "unrelated", None)
        .expect("local-mode token");

    let listed = svc.list_tokens(&actor()).expect("list");
    let parent_of = |name: &str| {
        listed
            .iter()
            .find(|t| t.token_name == name)
            .and_then(|t| t.parent.clone())
    };
    assert_eq!(parent_of("great").as_deref(), Some("grandchild"));
    assert_eq!(parent_of("grandchild").as_deref(), Some("child"));
    assert_eq!(parent_of("unrelated"), None);

    // Alice revokes the child with the root token: the grandchildren go with it.
    let info = svc.revoke_token(&alice, "child").expect("revoke");
    assert_eq!(info.status, "revoked");
    assert_eq!(info.parent.as_deref(), Some("alice-root"));
    assert_eq!(info.revoked_with, ["grandchild", "great"]);
    for t in [&child, &grandchild, &great] {
        let err = svc
            .authenticate(t.token.expose_secret(), "test")
            .expect_err("revoked with its parent");
        assert!(err.to_string().contains("was revoked"), "{err}");
    }
    for t in [&root, &sibling, &unrelated] {
        svc.authenticate(t.token.expose_secret(), "test").expect("untouched");
    }
    let events = svc.list_audit(&actor(), &AuditFilter::default()).expect("audit");
    let revokes: Vec<&str> = events
        .iter()
        .filter(|e| e.action == "token.revoke")
        .map(|e| e.object.as_str())
        .collect();
    assert_eq!(
        revokes,
        ["token:child", "token:grandchild", "token:great"],
        "one event per token"
    );
    assert!(matches!(
        svc.revoke_token(&actor(), "grandchild"),
        Err(CoreError::Conflict(_))
    ));

    // The root takes what is left below it; the local-mode token has no parent.
    let info = svc.revoke_token(&actor(), "alice-root").expect("revoke root");
    assert_eq!(info.revoked_with, ["sibling"]);
    svc.authenticate(unrelated.token.expose_secret(), "test")
        .expect("a token made without a token is no one's child");
    let statuses: Vec<(String, String)> = svc
        .list_tokens(&actor())
        .expect("list")
        .into_iter()
        .map(|t| (t.token_name, t.status))
        .collect();
    assert!(
        statuses.iter().all(|(n, s)| (n == "unrelated") == (s == "active")),
        "{statuses:?}"
    );
}

#[test]
fn a_token_whose_parent_is_gone_stops_working() {
    let env = Env::new();
    let svc = env.service();
    // bot (of project a) administers project b, so it may make tokens for b's bot2.
    svc.create_service_account(&actor(), "a", "bot").expect("bot");
    svc.create_service_account(&actor(), "b", "bot2").expect("bot2");
    svc.grant(&actor(), "b", Role::Admin, "bot").expect("grant");
    let bot = svc
        .create_token(&actor(), Some("bot"), "bot-t", None)
        .expect("bot token");
    let bot2 = svc
        .create_token(&login(&svc, &bot), Some("bot2"), "bot2-t", None)
        .expect("bot2 token");
    assert_eq!(bot2.info.parent.as_deref(), Some("bot-t"));
    svc.authenticate(bot2.token.expose_secret(), "test").expect("works");
    // Deleting project a deletes bot and its token: bot2's token goes with it.
    svc.delete_project(&actor(), "a", true).expect("delete a");
    let err = svc
        .authenticate(bot2.token.expose_secret(), "test")
        .expect_err("its parent is gone");
    assert!(err.to_string().contains("no longer exists"), "{err}");
    let listed = svc.list_tokens(&actor()).expect("list");
    let t = listed.iter().find(|t| t.token_name == "bot2-t").expect("listed");
    assert_eq!((t.status.as_str(), t.parent.as_deref()), ("revoked", None));
}

#[test]
fn a_member_makes_tokens_for_itself_only() {
    let env = Env::new();
    let (svc, root) = setup(&env);
    svc.create_user(&actor(), "bob", false).expect("bob");
    svc.create_service_account(&actor(), "q", "qbot").expect("qbot");
    let alice = login(&svc, &root);
    for owner in ["bob", "qbot"] {
        let err = svc
            .create_token(&alice, Some(owner), &format!("for-{owner}"), None)
            .expect_err("not hers");
        assert!(matches!(err, CoreError::Forbidden { .. }), "{err}");
    }
    // Names of run tokens are kept for runs.
    let err = svc
        .create_token(&alice, None, "run.abc.1", None)
        .expect_err("reserved name");
    assert!(matches!(err, CoreError::Usage(_)), "{err}");
    svc.create_token(&alice, None, "alice-own", None).expect("her own");
}

fn run_token(svc: &Service, caller: &Caller, flight: &str) -> (coffer_core::Launch, String) {
    let started = svc
        .start_run(caller, "p", flight, RunRequest::default())
        .expect("start");
    let Started::Launch(launch) = started else {
        panic!("the run did not launch");
    };
    let token = launch
        .env
        .vars()
        .find(|(name, ..)| *name == "COFFER_TOKEN")
        .map(|(_, v, ..)| v.expose_secret().to_string())
        .expect("COFFER_TOKEN");
    (*launch, token)
}

#[test]
fn a_run_token_cannot_make_tokens() {
    let env = Env::new();
    let (svc, root) = setup(&env);
    let alice = login(&svc, &root);
    let spec: FlightSpec =
        serde_json::from_value(serde_json::json!({"kind": "command", "command": ["true"]})).expect("spec");
    svc.create_flight(&alice, "p", "job", spec).expect("flight");
    let (_launch, token) = run_token(&svc, &alice, "job");
    let run = svc.authenticate(&token, "test").expect("the run's token works");
    assert!(run.token_name.as_deref().is_some_and(|n| n.starts_with("run.")));
    for expires in [None, Some(60_000)] {
        let err = svc
            .create_token(&run, None, "from-a-run", expires)
            .expect_err("a run token makes no token");
        assert!(matches!(err, CoreError::TokenRefused(_)), "{err}");
        assert!(err.to_string().contains("flight run"), "{err}");
    }
    let denied = svc
        .list_audit(&actor(), &AuditFilter::default())
        .expect("audit")
        .into_iter()
        .filter(|e| e.action == "token.create" && e.result == "denied")
        .count();
    assert_eq!(denied, 2, "each refusal is audited");
    assert!(svc
        .list_tokens(&actor())
        .expect("list")
        .iter()
        .all(|t| t.token_name != "from-a-run"));
}

#[test]
fn a_run_token_is_a_child_of_the_flights_token() {
    let env = Env::new();
    let (svc, root) = setup(&env);
    let alice = login(&svc, &root);
    let ci = svc
        .create_token(&alice, None, "alice-ci", Some(HOUR))
        .expect("ci token");
    let spec: FlightSpec =
        serde_json::from_value(serde_json::json!({"kind": "command", "command": ["true"], "token_name": "alice-ci"}))
            .expect("spec");
    svc.create_flight(&alice, "p", "job", spec).expect("flight");
    let (_launch, token) = run_token(&svc, &alice, "job");
    svc.authenticate(&token, "test").expect("the run's token works");
    let listed = svc.list_tokens(&actor()).expect("list");
    let run = listed
        .iter()
        .find(|t| t.token_name.starts_with("run."))
        .expect("run token listed");
    assert_eq!(run.parent.as_deref(), Some("alice-ci"));
    assert!(run.expires_at <= ci.info.expires_at, "{run:?}");
    // Revoking the flight's token stops the running run's token.
    let info = svc.revoke_token(&alice, "alice-ci").expect("revoke");
    assert_eq!(info.revoked_with, std::slice::from_ref(&run.token_name));
    assert!(svc.authenticate(&token, "test").is_err());
}
