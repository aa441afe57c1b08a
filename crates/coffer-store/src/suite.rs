//! The test suite every [`Store`] backend must pass. A backend's tests call [`run_all`] with a
//! function that makes a fresh, empty store.

use crate::{
    AuditEvent, AuditFilter, Expect, FlightRecord, GrantRecord, IdentityRecord, LogChunk, NodeRecord, ProjectRecord,
    RunEnd, RunRecord, SealedRecord, SecretRecord, Store, StoreError, TokenRecord,
};
use coffer_model::flight::{FlightKind, FlightSpec};
use coffer_model::FieldValue;
use std::collections::BTreeMap;

/// A record for tests.
pub fn record(project: &str, name: &str, version: i64) -> SecretRecord {
    let mut public_fields = BTreeMap::new();
    public_fields.insert("key_id".to_string(), FieldValue::Text("AKIAEXAMPLE".into()));
    public_fields.insert("use_ssl".to_string(), FieldValue::Bool(false));
    public_fields.insert("port".to_string(), FieldValue::Int(5432));
    SecretRecord {
        project: project.into(),
        name: name.into(),
        secret_type: "s3".into(),
        provider: "config".into(),
        scopes: vec!["s3://a".into(), "s3://b/c".into()],
        public_fields,
        sensitive_keys: vec!["secret".into()],
        sealed: SealedRecord {
            key_id: "local:1".into(),
            wrapped_key: vec![1, 2, 3, version as u8],
            nonce: vec![9; 12],
            ciphertext: vec![7; 33],
        },
        version,
        created_at: 1_700_000_000_000,
        created_by: "tester".into(),
        updated_at: 1_700_000_000_000 + version,
        updated_by: "tester".into(),
    }
}

/// Runs every test against stores made by `make`.
pub fn run_all(make: &dyn Fn() -> Box<dyn Store>) {
    put_get_round_trip(&*make());
    optimistic_versions(&*make());
    projects_are_isolated(&*make());
    list_and_delete(&*make());
    names_are_case_insensitive(&*make());
    audit_is_atomic_with_writes(&*make());
    projects_round_trip(&*make());
    identities_tokens_grants(&*make());
    token_tree_revokes_together(&*make());
    audit_filters(&*make());
    generation_moves_with_every_change(&*make());
    concurrent_audit_appends_all_land(&*make());
    replaced_versions_are_kept(&*make());
    rewrap_is_compare_and_swap(&*make());
    flights_round_trip(&*make());
    flight_delete_takes_runs_and_logs(&*make());
    project_delete_takes_flights(&*make());
    runs_are_numbered_and_limited(&*make());
    runs_finish_once(&*make());
    cancel_only_running_runs(&*make());
    logs_append_and_page(&*make());
    claim_tick_is_compare_and_set(&*make());
    flight_writes_are_audited(&*make());
    flight_writes_leave_the_generation(&*make());
    nodes_heartbeat_and_leave(&*make());
    export_import_round_trip(make);
}

/// A node's heartbeat creates its row, later ones move `heartbeat_at` (not `started_at`), and
/// removing it says whether it was there.
pub fn nodes_heartbeat_and_leave(store: &dyn Store) {
    assert!(store.list_nodes().expect("nodes").is_empty());
    let mut a = NodeRecord {
        id: "host-a:10".into(),
        started_at: 1_000,
        heartbeat_at: 1_000,
        url: "http://127.0.0.1:1".into(),
    };
    let b = NodeRecord {
        id: "host-b:20".into(),
        started_at: 2_000,
        heartbeat_at: 2_500,
        url: "http://127.0.0.1:2".into(),
    };
    store.node_heartbeat(&a).expect("a");
    store.node_heartbeat(&b).expect("b");
    a.heartbeat_at = 9_000;
    store
        .node_heartbeat(&NodeRecord {
            started_at: 5_000,
            ..a.clone()
        })
        .expect("a again");
    assert_eq!(store.list_nodes().expect("nodes"), vec![a.clone(), b.clone()]);
    let g = store.generation().expect("generation");
    assert!(store.remove_node("host-a:10").expect("remove"));
    assert!(!store.remove_node("host-a:10").expect("again"));
    assert_eq!(store.list_nodes().expect("nodes"), vec![b]);
    assert_eq!(store.generation().expect("generation"), g, "nodes are not cached state");
}

/// Rewrapping replaces one version's wrapped key only if it is unchanged.
pub fn rewrap_is_compare_and_swap(store: &dyn Store) {
    store.put_secret(&record("p", "w", 1), Expect::Absent, &[]).expect("v1");
    store
        .put_secret(&record("p", "w", 2), Expect::Version(1), &[])
        .expect("v2");
    store.put_secret(&record("q", "x", 1), Expect::Absent, &[]).expect("x");
    assert_eq!(store.all_versions().expect("all").len(), 3);
    let old = record("p", "w", 1).sealed;
    let g = store.generation().expect("generation");
    assert!(store
        .rewrap_version("p", "w", 1, (&old.key_id, &old.wrapped_key), ("local:2", &[5, 5]))
        .expect("rewrap old version"));
    assert_ne!(store.generation().expect("generation"), g);
    assert!(!store
        .rewrap_version("p", "w", 1, (&old.key_id, &old.wrapped_key), ("local:3", &[6]))
        .expect("stale"));
    let kept = &store.secret_history("p", "w").expect("history")[0];
    assert_eq!(
        (kept.sealed.key_id.as_str(), kept.sealed.wrapped_key.as_slice()),
        ("local:2", &[5u8, 5][..])
    );
    let cur = record("p", "w", 2).sealed;
    assert!(store
        .rewrap_version("p", "w", 2, (&cur.key_id, &cur.wrapped_key), ("local:2", &[7]))
        .expect("rewrap current"));
    assert_eq!(
        store.get_secret("p", "w").expect("get").map(|r| r.sealed.key_id),
        Some("local:2".into())
    );
}

/// A replace keeps the earlier version; only the newest `keep` are kept; a drop forgets them.
pub fn replaced_versions_are_kept(store: &dyn Store) {
    store.set_keep_versions(3);
    store.put_secret(&record("p", "v", 1), Expect::Absent, &[]).expect("v1");
    for v in 2..=6 {
        store
            .put_secret(&record("p", "V", v), Expect::Version(v - 1), &[])
            .expect("replace");
    }
    let versions: Vec<i64> = store
        .secret_history("p", "v")
        .expect("history")
        .iter()
        .map(|r| r.version)
        .collect();
    assert_eq!(versions, [3, 4, 5, 6]);
    let old = &store.secret_history("p", "v").expect("history")[0];
    assert_eq!(
        old.sealed,
        record("p", "v", 3).sealed,
        "an old version is kept sealed as written"
    );
    assert_eq!(store.get_secret("p", "v").expect("get").map(|r| r.version), Some(6));
    assert_eq!(store.list_secrets("p").expect("list").len(), 1, "history is not listed");
    store.set_keep_versions(0);
    store
        .put_secret(&record("p", "v", 7), Expect::Version(6), &[])
        .expect("v7");
    assert_eq!(
        store
            .secret_history("p", "v")
            .expect("history")
            .iter()
            .map(|r| r.version)
            .collect::<Vec<_>>(),
        [7]
    );
    store.set_keep_versions(10);
    store
        .put_secret(&record("p", "v", 8), Expect::Version(7), &[])
        .expect("v8");
    assert!(store.delete_secret("p", "v", &[]).expect("drop"));
    assert!(store.secret_history("p", "v").expect("history").is_empty());
    store
        .put_secret(&record("p", "v", 1), Expect::Absent, &[])
        .expect("again");
    assert_eq!(store.secret_history("p", "v").expect("history").len(), 1);
}

/// Audit events appended from many threads at once all land, each once.
pub fn concurrent_audit_appends_all_land(store: &dyn Store) {
    std::thread::scope(|scope| {
        for t in 0..8 {
            scope.spawn(move || {
                for i in 0..50 {
                    let ev = event("c", &format!("secret:t{t}-{i}"), "use", i64::from(t * 1000 + i));
                    store.append_audit(&[ev]).expect("append");
                }
            });
        }
    });
    let all = store.list_audit(&AuditFilter::default()).expect("list");
    assert_eq!(all.len(), 400);
    let mut objects: Vec<&str> = all.iter().map(|e| e.object.as_str()).collect();
    objects.sort_unstable();
    objects.dedup();
    assert_eq!(objects.len(), 400);
}

/// The generation moves with every change of a secret, project, identity, token or grant, and
/// not with audit events or token use.
pub fn generation_moves_with_every_change(store: &dyn Store) {
    let mut last = store.generation().expect("generation");
    let mut moved = |what: &str, store: &dyn Store| {
        let g = store.generation().expect("generation");
        assert_ne!(g, last, "{what} moves the generation");
        last = g;
    };
    store
        .put_secret(&record("p", "g", 1), Expect::Absent, &[])
        .expect("put");
    moved("put_secret", store);
    store.delete_secret("p", "g", &[]).expect("delete");
    moved("delete_secret", store);
    store
        .create_project(
            &ProjectRecord {
                name: "gp".into(),
                created_at: 1,
                created_by: "t".into(),
            },
            &[],
        )
        .expect("project");
    moved("create_project", store);
    let id = store
        .create_identity(&identity("gi", Some("gp")), &[])
        .expect("identity");
    moved("create_identity", store);
    store.set_grant(&grant("gp", id, "read"), &[]).expect("grant");
    moved("set_grant", store);
    store.remove_grant("gp", id, &[]).expect("remove");
    moved("remove_grant", store);
    let tok = TokenRecord {
        id: 0,
        public_id: "gen1".into(),
        identity_id: id,
        name: "gen-token".into(),
        hash: vec![1; 32],
        created_at: 1,
        created_by: "t".into(),
        expires_at: None,
        last_used_at: None,
        revoked_at: None,
        parent_id: None,
    };
    let tid = store.create_token(&tok, &[]).expect("token");
    moved("create_token", store);
    store.revoke_token("gen-token", 5, &|_| vec![]).expect("revoke");
    moved("revoke_token", store);
    let before = store.generation().expect("generation");
    store.append_audit(&[event("gp", "x", "use", 9)]).expect("audit");
    store.touch_token(tid, 10).expect("touch");
    assert_eq!(
        store.generation().expect("generation"),
        before,
        "audit and token use leave it"
    );
    store.delete_project("gp", &[]).expect("delete project");
    assert_ne!(
        store.generation().expect("generation"),
        before,
        "delete_project moves it"
    );
}

/// An audit event for tests.
pub fn event(project: &str, object: &str, action: &str, at: i64) -> AuditEvent {
    AuditEvent {
        id: 0,
        at,
        actor: "tester".into(),
        token_name: Some("t1".into()),
        project: project.into(),
        object: object.into(),
        action: action.into(),
        result: "ok".into(),
        client: "127.0.0.1".into(),
        detail: None,
    }
}

/// A write and its audit event are one: a refused write leaves no event.
pub fn audit_is_atomic_with_writes(store: &dyn Store) {
    let ev = event("p", "secret:a", "create", 1);
    store
        .put_secret(&record("p", "a", 1), Expect::Absent, std::slice::from_ref(&ev))
        .expect("put");
    assert!(store
        .put_secret(&record("p", "a", 1), Expect::Absent, std::slice::from_ref(&ev))
        .is_err());
    assert!(!store
        .delete_secret("p", "nope", &[event("p", "secret:nope", "drop", 2)])
        .expect("delete"));
    assert!(store
        .delete_secret("p", "a", &[event("p", "secret:a", "drop", 3)])
        .expect("delete"));
    let all = store.list_audit(&AuditFilter::default()).expect("audit");
    let actions: Vec<_> = all.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["create", "drop"]);
    assert_eq!(all[0].token_name.as_deref(), Some("t1"));
    assert!(all[0].id < all[1].id);
}

/// Projects: create, conflict, list, delete with their secrets and grants.
pub fn projects_round_trip(store: &dyn Store) {
    let p = ProjectRecord {
        name: "Analytics".into(),
        created_at: 5,
        created_by: "tester".into(),
    };
    store.create_project(&p, &[]).expect("create");
    assert!(matches!(
        store.create_project(&p, &[]),
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(store.get_project("analytics").expect("get"), Some(p.clone()));
    assert!(store
        .list_projects()
        .expect("list")
        .iter()
        .any(|x| x.name == "Analytics"));
    store
        .put_secret(&record("Analytics", "s", 1), Expect::Absent, &[])
        .expect("put");
    store
        .put_secret(&record("other", "s", 1), Expect::Absent, &[])
        .expect("put");
    let id = store
        .create_identity(&identity("sa1", Some("Analytics")), &[])
        .expect("identity");
    store.set_grant(&grant("Analytics", id, "read"), &[]).expect("grant");
    assert!(store
        .delete_project("Analytics", &[event("Analytics", "project:Analytics", "delete", 9)])
        .expect("delete"));
    assert!(store.get_project("Analytics").expect("get").is_none());
    assert!(store.list_secrets("Analytics").expect("list").is_empty());
    assert_eq!(store.list_secrets("other").expect("list").len(), 1);
    assert!(
        store.get_identity("sa1").expect("get").is_none(),
        "service accounts go with their project"
    );
    assert!(store.list_grants(Some("Analytics")).expect("grants").is_empty());
    assert!(!store.delete_project("Analytics", &[]).expect("again"));
    assert_eq!(store.list_audit(&AuditFilter::default()).expect("audit").len(), 1);
}

fn identity(name: &str, project: Option<&str>) -> IdentityRecord {
    IdentityRecord {
        id: 0,
        name: name.into(),
        kind: if project.is_some() { "service_account" } else { "user" }.into(),
        superuser: false,
        project: project.map(str::to_string),
        created_at: 1,
        created_by: "tester".into(),
    }
}

fn grant(project: &str, identity_id: i64, role: &str) -> GrantRecord {
    GrantRecord {
        project: project.into(),
        identity_id,
        role: role.into(),
        granted_at: 2,
        granted_by: "tester".into(),
    }
}

/// A token records its parent; its ancestors are found nearest first; revoking a token revokes
/// every token below it, transitively, in one transaction with the events made from them.
pub fn token_tree_revokes_together(store: &dyn Store) {
    let alice = store.create_identity(&identity("alice", None), &[]).expect("alice");
    let bot = store.create_identity(&identity("bot", Some("p")), &[]).expect("bot");
    let token = |name: &str, owner: i64, parent: Option<i64>| TokenRecord {
        id: 0,
        public_id: format!("pub-{name}"),
        identity_id: owner,
        name: name.into(),
        hash: vec![3; 32],
        created_at: 1,
        created_by: "alice".into(),
        expires_at: Some(1_000),
        last_used_at: None,
        revoked_at: None,
        parent_id: parent,
    };
    let root = store.create_token(&token("root", alice, None), &[]).expect("root");
    let child = store
        .create_token(&token("child", alice, Some(root)), &[])
        .expect("child");
    let grandchild = store
        .create_token(&token("grandchild", bot, Some(child)), &[])
        .expect("grandchild");
    let sibling = store
        .create_token(&token("sibling", alice, Some(root)), &[])
        .expect("sibling");
    let other = store.create_token(&token("other", alice, None), &[]).expect("other");
    assert_eq!(
        store.get_token("grandchild").expect("get").and_then(|t| t.parent_id),
        Some(child),
        "the parent round-trips"
    );
    let above: Vec<i64> = store
        .token_ancestors(grandchild)
        .expect("ancestors")
        .iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(above, vec![child, root], "nearest first");
    assert!(store.token_ancestors(root).expect("ancestors").is_empty());
    assert!(store.token_ancestors(9_999).expect("no such token").is_empty());

    // Revoking the child takes the grandchild (another identity's) with it, not the root or
    // the sibling; one call of `audit`, with both, and its events land.
    let before = store.generation().expect("generation");
    let seen = std::sync::Mutex::new(Vec::new());
    let revoked = store
        .revoke_token("CHILD", 70, &|ts| {
            seen.lock()
                .expect("lock")
                .push(ts.iter().map(|t| t.name.clone()).collect::<Vec<_>>());
            ts.iter()
                .map(|t| event("p", &format!("token:{}", t.name), "token.revoke", 70))
                .collect()
        })
        .expect("revoke");
    let names: Vec<&str> = revoked.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["child", "grandchild"], "the named token first");
    assert!(revoked.iter().all(|t| t.revoked_at == Some(70)));
    assert_eq!(
        seen.into_inner().expect("lock"),
        vec![vec!["child".to_string(), "grandchild".to_string()]]
    );
    assert!(store.generation().expect("generation") > before);
    let events = store.list_audit(&AuditFilter::default()).expect("audit");
    assert_eq!(events.iter().filter(|e| e.action == "token.revoke").count(), 2);
    let state = |name: &str| store.get_token(name).expect("get").and_then(|t| t.revoked_at);
    assert_eq!(
        (state("root"), state("child"), state("grandchild"), state("sibling")),
        (None, Some(70), Some(70), None)
    );

    // The root: what is left below it (the sibling); the revoked child keeps its time.
    let revoked = store.revoke_token("root", 80, &|_| vec![]).expect("revoke root");
    let names: Vec<&str> = revoked.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["root", "sibling"]);
    assert_eq!((state("child"), state("sibling")), (Some(70), Some(80)));
    assert!(store.revoke_token("root", 90, &|_| vec![]).expect("again").is_empty());
    assert_eq!(state("other"), None, "an unrelated token is untouched");
    let leaf = store
        .create_token(&token("leaf", alice, Some(other)), &[])
        .expect("leaf");
    let above: Vec<i64> = store
        .token_ancestors(leaf)
        .expect("ancestors")
        .iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(above, vec![other]);
    let above: Vec<i64> = store
        .token_ancestors(sibling)
        .expect("ancestors")
        .iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(above, vec![root], "a revoked ancestor is still listed");
}

/// Identities, their tokens (found by public id, revoked, touched) and grants.
pub fn identities_tokens_grants(store: &dyn Store) {
    let alice = store.create_identity(&identity("alice", None), &[]).expect("alice");
    assert!(matches!(
        store.create_identity(&identity("ALICE", None), &[]),
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(store.get_identity("Alice").expect("get").map(|i| i.id), Some(alice));
    assert_eq!(
        store.get_identity_by_id(alice).expect("get").map(|i| i.name),
        Some("alice".to_string())
    );
    let tok = TokenRecord {
        id: 0,
        public_id: "abc123".into(),
        identity_id: alice,
        name: "laptop".into(),
        hash: vec![7; 32],
        created_at: 3,
        created_by: "alice".into(),
        expires_at: Some(100),
        last_used_at: None,
        revoked_at: None,
        parent_id: None,
    };
    let tid = store.create_token(&tok, &[]).expect("token");
    assert!(matches!(
        store.create_token(
            &TokenRecord {
                public_id: "zzz".into(),
                ..tok.clone()
            },
            &[]
        ),
        Err(StoreError::Conflict { .. })
    ));
    let found = store.token_by_public_id("abc123").expect("find").expect("some");
    assert_eq!(
        (found.id, found.hash.clone(), found.expires_at),
        (tid, vec![7; 32], Some(100))
    );
    store.touch_token(tid, 50).expect("touch");
    assert_eq!(
        store.get_token("LAPTOP").expect("get").and_then(|t| t.last_used_at),
        Some(50)
    );
    assert_eq!(store.revoke_token("laptop", 60, &|_| vec![]).expect("revoke").len(), 1);
    assert!(store
        .revoke_token("laptop", 61, &|_| vec![])
        .expect("revoke twice")
        .is_empty());
    assert_eq!(store.list_tokens().expect("list")[0].revoked_at, Some(60));
    store.set_grant(&grant("p", alice, "read"), &[]).expect("grant");
    store.set_grant(&grant("p", alice, "write"), &[]).expect("regrant");
    assert_eq!(
        store.get_grant("p", alice).expect("get").map(|g| g.role),
        Some("write".to_string())
    );
    assert!(store.get_grant("q", alice).expect("get").is_none());
    assert_eq!(store.list_grants(None).expect("all").len(), 1);
    assert!(store.remove_grant("p", alice, &[]).expect("remove"));
    assert!(!store.remove_grant("p", alice, &[]).expect("remove twice"));
    assert_eq!(store.list_identities().expect("list").len(), 1);
}

/// Audit listing filters by project, object, actor and time, oldest first, newest kept.
pub fn audit_filters(store: &dyn Store) {
    let mut batch = Vec::new();
    for i in 0..10 {
        let mut e = event(
            if i % 2 == 0 { "a" } else { "b" },
            &format!("secret:s{}", i % 3),
            "use",
            100 + i,
        );
        e.actor = if i < 5 { "x".into() } else { "y".into() };
        batch.push(e);
    }
    store.append_audit(&batch).expect("append");
    let q = |f: AuditFilter| {
        store
            .list_audit(&f)
            .expect("list")
            .iter()
            .map(|e| e.at)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        q(AuditFilter {
            project: Some("a".into()),
            ..Default::default()
        }),
        [100, 102, 104, 106, 108]
    );
    assert_eq!(
        q(AuditFilter {
            object: Some("secret:s0".into()),
            ..Default::default()
        }),
        [100, 103, 106, 109]
    );
    assert_eq!(
        q(AuditFilter {
            actor: Some("y".into()),
            since: Some(107),
            ..Default::default()
        }),
        [107, 108, 109]
    );
    assert_eq!(
        q(AuditFilter {
            limit: Some(2),
            ..Default::default()
        }),
        [108, 109]
    );
}

/// Names are unique and found case-insensitively; the written case is kept.
pub fn names_are_case_insensitive(store: &dyn Store) {
    store
        .put_secret(&record("p", "My_S3", 1), Expect::Absent, &[])
        .expect("put");
    assert!(matches!(
        store.put_secret(&record("p", "my_s3", 1), Expect::Absent, &[]),
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(
        store.get_secret("p", "MY_S3").expect("get").map(|r| r.name),
        Some("My_S3".to_string())
    );
    store
        .put_secret(&record("p", "MY_S3", 2), Expect::Version(1), &[])
        .expect("replace");
    assert_eq!(store.list_secrets("p").expect("list").len(), 1);
    assert!(store.delete_secret("p", "my_s3", &[]).expect("delete"));
}

/// What is written is read back unchanged.
pub fn put_get_round_trip(store: &dyn Store) {
    let r = record("p", "s1", 1);
    store.put_secret(&r, Expect::Absent, &[]).expect("put");
    assert_eq!(store.get_secret("p", "s1").expect("get"), Some(r));
    assert_eq!(store.get_secret("p", "missing").expect("get"), None);
}

/// Expectations are enforced.
pub fn optimistic_versions(store: &dyn Store) {
    let r1 = record("p", "s", 1);
    store.put_secret(&r1, Expect::Absent, &[]).expect("put");
    assert!(matches!(
        store.put_secret(&r1, Expect::Absent, &[]),
        Err(StoreError::Conflict { .. })
    ));
    let r2 = record("p", "s", 2);
    assert!(matches!(
        store.put_secret(&r2, Expect::Version(5), &[]),
        Err(StoreError::Conflict { .. })
    ));
    store.put_secret(&r2, Expect::Version(1), &[]).expect("replace");
    assert!(matches!(
        store.put_secret(&r2, Expect::Version(1), &[]),
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(store.get_secret("p", "s").expect("get").map(|r| r.version), Some(2));
    assert!(matches!(
        store.put_secret(&record("p", "nope", 2), Expect::Version(1), &[]),
        Err(StoreError::Conflict { .. })
    ));
}

/// One project's names are invisible from another.
pub fn projects_are_isolated(store: &dyn Store) {
    store
        .put_secret(&record("a", "same", 1), Expect::Absent, &[])
        .expect("put a");
    store
        .put_secret(&record("b", "same", 1), Expect::Absent, &[])
        .expect("put b");
    assert!(store.delete_secret("a", "same", &[]).expect("delete"));
    assert!(store.get_secret("a", "same").expect("get").is_none());
    assert!(store.get_secret("b", "same").expect("get").is_some());
    assert_eq!(store.list_secrets("a").expect("list").len(), 0);
    assert_eq!(store.list_secrets("b").expect("list").len(), 1);
}

/// Listing is ordered by name; deleting twice reports the second as absent.
pub fn list_and_delete(store: &dyn Store) {
    for n in ["c", "a", "b"] {
        store.put_secret(&record("p", n, 1), Expect::Absent, &[]).expect("put");
    }
    let names: Vec<String> = store
        .list_secrets("p")
        .expect("list")
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, ["a", "b", "c"]);
    assert!(store.delete_secret("p", "b", &[]).expect("delete"));
    assert!(!store.delete_secret("p", "b", &[]).expect("delete again"));
}

/// A flight for tests: a command flight with a schedule and an ordered config.
pub fn flight(id: &str, project: &str, name: &str) -> FlightRecord {
    FlightRecord {
        id: id.into(),
        project: project.into(),
        name: name.into(),
        spec: FlightSpec {
            kind: FlightKind::Command,
            command: vec!["echo".into(), "hi there".into()],
            script: None,
            config: [("ZONE", "eu"), ("ALPHA", "1"), ("MIDDLE", "x=y")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            secrets: vec!["my_s3".into()],
            token_name: Some("runner".into()),
            schedule: Some("*/5 * * * *".into()),
            timezone: Some("Europe/Paris".into()),
            timeout_secs: Some(600),
            concurrency: 2,
            steps: vec![],
            runs_as_since: None,
        },
        version: 1,
        owner: "alice".into(),
        owner_id: Some(7),
        created_at: 1_700_000_000_000,
        updated_at: 1_700_000_000_000,
        last_tick: None,
    }
}

/// A running run of `flight_id` for tests (its `run_number` is nonsense: the store gives it).
pub fn run(flight_id: &str) -> RunRecord {
    RunRecord {
        flight_id: flight_id.into(),
        run_number: 99,
        status: "running".into(),
        flight_version: 1,
        config: [("ZONE", "us"), ("ALPHA", "2")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        exit_code: None,
        trigger: "manual".into(),
        started_by: "alice".into(),
        started_at: 1_700_000_000_500,
        finished_at: None,
        message: None,
        runner: Some("host:42".into()),
        cancel_requested: false,
        scheduled_for: Some(1_700_000_000_000),
    }
}

fn chunk(stream: &str, at: i64, data: &[u8]) -> LogChunk {
    LogChunk {
        seq: 0,
        stream: stream.into(),
        at,
        data: data.to_vec(),
    }
}

fn end(status: &str, exit_code: Option<i32>) -> RunEnd {
    RunEnd {
        status: status.into(),
        exit_code,
        finished_at: 1_700_000_009_000,
        message: (status != "succeeded").then(|| format!("it {status}")),
    }
}

fn run_numbers(runs: &[RunRecord]) -> Vec<(String, i64)> {
    runs.iter().map(|r| (r.flight_id.clone(), r.run_number)).collect()
}

/// Flights: written and read back unchanged, found case-insensitively, one name per project,
/// listed by project then name, updated only at the expected version.
pub fn flights_round_trip(store: &dyn Store) {
    let f = flight("f-1", "p", "Nightly");
    store.create_flight(&f, &[]).expect("create");
    assert_eq!(store.get_flight("p", "NIGHTLY").expect("get"), Some(f.clone()));
    assert_eq!(store.get_flight_by_id("f-1").expect("by id"), Some(f.clone()));
    let order: Vec<String> = store
        .get_flight("p", "nightly")
        .expect("get")
        .expect("some")
        .spec
        .config
        .keys()
        .cloned()
        .collect();
    assert_eq!(order, ["ZONE", "ALPHA", "MIDDLE"], "config order is kept");
    assert!(store.get_flight("p", "missing").expect("get").is_none());
    assert!(store.get_flight("q", "Nightly").expect("get").is_none());
    assert!(store.get_flight_by_id("f-404").expect("by id").is_none());
    match store.create_flight(&flight("f-2", "p", "nightly"), &[]) {
        Err(StoreError::Conflict { name, what }) => {
            assert_eq!(name, "nightly");
            assert!(what.contains("already exists"), "{what}");
        }
        other => panic!("a second 'nightly' in p must conflict: {other:?}"),
    }
    store
        .create_flight(&flight("f-2", "q", "nightly"), &[])
        .expect("same name, other project");
    store.create_flight(&flight("f-3", "p", "alpha"), &[]).expect("alpha");
    store.create_flight(&flight("f-4", "a", "zulu"), &[]).expect("zulu");
    let names = |project: Option<&str>| -> Vec<(String, String)> {
        store
            .list_flights(project)
            .expect("list")
            .into_iter()
            .map(|f| (f.project, f.name))
            .collect()
    };
    let pair = |p: &str, n: &str| (p.to_string(), n.to_string());
    assert_eq!(names(Some("p")), [pair("p", "alpha"), pair("p", "Nightly")]);
    assert_eq!(
        names(None),
        [
            pair("a", "zulu"),
            pair("p", "alpha"),
            pair("p", "Nightly"),
            pair("q", "nightly")
        ]
    );
    assert!(names(Some("none")).is_empty());

    // Update: spec, version and updated_at change; id, name, owner and last_tick stay.
    assert!(store.claim_tick("f-1", None, 500).expect("tick"));
    let mut next = f.clone();
    next.spec.command = vec!["date".into()];
    next.spec.config.insert("NEW".into(), "v".into());
    next.spec.concurrency = 5;
    next.version = 2;
    next.updated_at = f.updated_at + 10;
    next.owner = "mallory".into();
    next.owner_id = None;
    next.last_tick = None;
    next.created_at = 1;
    store.update_flight(&next, 1, &[]).expect("update at version 1");
    let got = store.get_flight_by_id("f-1").expect("get").expect("some");
    assert_eq!(got.spec, next.spec);
    assert_eq!((got.version, got.updated_at), (2, next.updated_at));
    assert_eq!(
        (
            got.name.as_str(),
            got.owner.as_str(),
            got.owner_id,
            got.last_tick,
            got.created_at
        ),
        ("Nightly", "alice", Some(7), Some(500), f.created_at),
        "update keeps name, owner, last_tick and created_at"
    );
    let mut stale = next.clone();
    stale.version = 3;
    stale.spec.concurrency = 9;
    match store.update_flight(&stale, 1, &[]) {
        Err(StoreError::Conflict { name, what }) => {
            assert_eq!(name, "Nightly");
            assert!(what.contains("version 2"), "{what}");
        }
        other => panic!("a stale update must conflict: {other:?}"),
    }
    assert_eq!(
        store
            .get_flight_by_id("f-1")
            .expect("get")
            .map(|f| (f.version, f.spec.concurrency)),
        Some((2, 5)),
        "a refused update changes nothing"
    );
    assert!(matches!(
        store.update_flight(&flight("f-404", "p", "ghost"), 1, &[]),
        Err(StoreError::Conflict { .. })
    ));
    store.update_flight(&stale, 2, &[]).expect("update at version 2");
    assert_eq!(
        store.get_flight("p", "nightly").expect("get").map(|f| f.version),
        Some(3)
    );
}

/// Deleting a flight takes its runs and logs and nothing of another flight's.
pub fn flight_delete_takes_runs_and_logs(store: &dyn Store) {
    store.create_flight(&flight("f-1", "p", "Doomed"), &[]).expect("create");
    store.create_flight(&flight("f-2", "p", "kept"), &[]).expect("create");
    for id in ["f-1", "f-2"] {
        let n = store.create_run(&run(id), 4, &[]).expect("run");
        store.append_log(id, n, &[chunk("stdout", 1, b"hello\n")]).expect("log");
    }
    assert!(store.delete_flight("p", "DOOMED", &[]).expect("delete"));
    assert!(store.get_flight("p", "doomed").expect("get").is_none());
    assert!(store.get_flight_by_id("f-1").expect("get").is_none());
    assert!(store.get_run("f-1", 1).expect("run").is_none());
    assert!(store.list_runs("f-1", 10).expect("runs").is_empty());
    assert!(store.read_log("f-1", 1, 0, 10).expect("log").is_empty());
    assert_eq!(
        run_numbers(&store.running_runs().expect("running")),
        [("f-2".to_string(), 1)]
    );
    assert_eq!(store.read_log("f-2", 1, 0, 10).expect("log").len(), 1);
    assert!(!store.delete_flight("p", "doomed", &[]).expect("delete again"));
    assert!(!store.delete_flight("q", "kept", &[]).expect("other project"));
    // The same id and name again start from nothing.
    store.create_flight(&flight("f-1", "p", "Doomed"), &[]).expect("again");
    assert_eq!(store.create_run(&run("f-1"), 1, &[]).expect("run"), 1);
    assert!(store.read_log("f-1", 1, 0, 10).expect("log").is_empty());
}

/// Deleting a project takes its flights with their runs and logs.
pub fn project_delete_takes_flights(store: &dyn Store) {
    store
        .create_project(
            &ProjectRecord {
                name: "Ops".into(),
                created_at: 1,
                created_by: "t".into(),
            },
            &[],
        )
        .expect("project");
    store
        .create_flight(&flight("f-1", "Ops", "backup"), &[])
        .expect("create");
    store
        .create_flight(&flight("f-2", "other", "backup"), &[])
        .expect("create");
    for id in ["f-1", "f-2"] {
        store.create_run(&run(id), 1, &[]).expect("run");
        store.append_log(id, 1, &[chunk("stderr", 2, b"x")]).expect("log");
    }
    assert!(store.delete_project("Ops", &[]).expect("delete project"));
    assert!(store.get_flight("Ops", "backup").expect("get").is_none());
    assert!(store.get_flight_by_id("f-1").expect("get").is_none());
    assert!(store.list_flights(Some("Ops")).expect("list").is_empty());
    assert!(store.get_run("f-1", 1).expect("run").is_none());
    assert!(store.read_log("f-1", 1, 0, 10).expect("log").is_empty());
    assert!(store.get_flight("other", "backup").expect("get").is_some());
    assert!(store.get_run("f-2", 1).expect("run").is_some());
    assert_eq!(store.read_log("f-2", 1, 0, 10).expect("log").len(), 1);
    assert_eq!(
        run_numbers(&store.running_runs().expect("running")),
        [("f-2".to_string(), 1)]
    );
}

/// Runs are numbered 1, 2, 3... per flight; no more than `max_running` run at once.
pub fn runs_are_numbered_and_limited(store: &dyn Store) {
    store.create_flight(&flight("f-1", "p", "Busy"), &[]).expect("create");
    store.create_flight(&flight("f-2", "p", "calm"), &[]).expect("create");
    assert_eq!(store.create_run(&run("f-1"), 2, &[]).expect("run 1"), 1);
    assert_eq!(store.create_run(&run("f-1"), 2, &[]).expect("run 2"), 2);
    match store.create_run(&run("f-1"), 2, &[]) {
        Err(StoreError::Conflict { name, what }) => {
            assert_eq!(name, "Busy");
            assert!(what.contains("2 running") && what.contains("concurrency 2"), "{what}");
        }
        other => panic!("a third run at concurrency 2 must be refused: {other:?}"),
    }
    assert_eq!(
        store.list_runs("f-1", 10).expect("runs").len(),
        2,
        "a refused run is not stored"
    );
    assert_eq!(store.create_run(&run("f-2"), 1, &[]).expect("other flight"), 1);
    assert_eq!(store.create_run(&run("f-1"), 3, &[]).expect("run 3"), 3);
    assert!(matches!(
        store.create_run(&run("f-1"), 3, &[]),
        Err(StoreError::Conflict { .. })
    ));
    assert!(store
        .finish_run("f-1", 1, &end("succeeded", Some(0)), &[])
        .expect("finish"));
    assert_eq!(store.create_run(&run("f-1"), 3, &[]).expect("run 4"), 4);
    assert!(
        matches!(store.create_run(&run("f-2"), 1, &[]), Err(StoreError::Conflict { .. })),
        "each flight counts its own running runs"
    );

    let mut want = run("f-1");
    want.run_number = 2;
    assert_eq!(
        store.get_run("f-1", 2).expect("get"),
        Some(want),
        "a run reads back as written"
    );
    let keys: Vec<String> = store
        .get_run("f-1", 2)
        .expect("get")
        .expect("some")
        .config
        .keys()
        .cloned()
        .collect();
    assert_eq!(keys, ["ZONE", "ALPHA"], "config order is kept");
    assert!(store.get_run("f-1", 5).expect("get").is_none());
    let newest: Vec<i64> = store
        .list_runs("f-1", 10)
        .expect("runs")
        .iter()
        .map(|r| r.run_number)
        .collect();
    assert_eq!(newest, [4, 3, 2, 1]);
    let two: Vec<i64> = store
        .list_runs("f-1", 2)
        .expect("runs")
        .iter()
        .map(|r| r.run_number)
        .collect();
    assert_eq!(two, [4, 3]);
    let s = |id: &str, n: i64| (id.to_string(), n);
    let mut running = run_numbers(&store.running_runs().expect("running"));
    running.sort();
    assert_eq!(running, [s("f-1", 2), s("f-1", 3), s("f-1", 4), s("f-2", 1)]);
    assert!(
        store.create_run(&run("f-404"), 1, &[]).is_err(),
        "no run of a missing flight"
    );
}

/// A run ends once: the first end is kept.
pub fn runs_finish_once(store: &dyn Store) {
    store.create_flight(&flight("f-1", "p", "once"), &[]).expect("create");
    let n = store.create_run(&run("f-1"), 1, &[]).expect("run");
    assert!(store
        .finish_run("f-1", n, &end("failed", Some(3)), &[])
        .expect("finish"));
    assert!(!store
        .finish_run("f-1", n, &end("succeeded", Some(0)), &[])
        .expect("finish again"));
    let r = store.get_run("f-1", n).expect("get").expect("some");
    assert_eq!(
        (r.status.as_str(), r.exit_code, r.finished_at, r.message.as_deref()),
        ("failed", Some(3), Some(1_700_000_009_000), Some("it failed"))
    );
    assert_eq!((r.trigger.as_str(), r.runner.as_deref()), ("manual", Some("host:42")));
    assert!(store.running_runs().expect("running").is_empty());
    assert!(!store
        .finish_run("f-1", 9, &end("failed", None), &[])
        .expect("no such run"));
    assert!(store.get_run("f-1", 9).expect("get").is_none());
}

/// Only a running run can be marked for cancellation.
pub fn cancel_only_running_runs(store: &dyn Store) {
    store.create_flight(&flight("f-1", "p", "stop"), &[]).expect("create");
    let a = store.create_run(&run("f-1"), 2, &[]).expect("run a");
    let b = store.create_run(&run("f-1"), 2, &[]).expect("run b");
    assert!(store.request_cancel("f-1", a, &[]).expect("cancel"));
    let cancelled = |n: i64| store.get_run("f-1", n).expect("get").expect("some").cancel_requested;
    assert!(cancelled(a));
    assert!(!cancelled(b), "only the named run is marked");
    assert!(store
        .finish_run("f-1", b, &end("succeeded", Some(0)), &[])
        .expect("finish"));
    assert!(!store.request_cancel("f-1", b, &[]).expect("cancel a finished run"));
    assert!(!cancelled(b));
    assert!(!store.request_cancel("f-1", 77, &[]).expect("cancel a missing run"));
    assert!(!store
        .request_cancel("f-404", a, &[])
        .expect("cancel of a missing flight"));
}

/// Log chunks are numbered in order per run, paged with `after`, their bytes kept exactly.
pub fn logs_append_and_page(store: &dyn Store) {
    store.create_flight(&flight("f-1", "p", "chatty"), &[]).expect("create");
    let a = store.create_run(&run("f-1"), 2, &[]).expect("run a");
    let b = store.create_run(&run("f-1"), 2, &[]).expect("run b");
    let binary: &[u8] = &[0, 255, 0xC3, 0x28, b'\n', 0];
    let mut first = vec![
        chunk("coffer", 10, b"started\n"),
        chunk("stdout", 11, binary),
        chunk("stderr", 12, b"warn\n"),
    ];
    first[1].seq = 42;
    store.append_log("f-1", a, &first).expect("append");
    store.append_log("f-1", a, &[]).expect("append nothing");
    store
        .append_log(
            "f-1",
            a,
            &[chunk("stdout", 13, b"more"), chunk("coffer", 14, b"exit 0\n")],
        )
        .expect("append more");
    store
        .append_log("f-1", b, &[chunk("stdout", 20, b"b's")])
        .expect("append b");
    let all = store.read_log("f-1", a, 0, 100).expect("read");
    assert_eq!(all.iter().map(|c| c.seq).collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
    let mut want = chunk("stdout", 11, binary);
    want.seq = 2;
    assert_eq!(all[1], want, "bytes, stream and time read back unchanged");
    assert_eq!(
        all.iter().map(|c| c.stream.as_str()).collect::<Vec<_>>(),
        ["coffer", "stdout", "stderr", "stdout", "coffer"]
    );
    let page = store.read_log("f-1", a, 2, 2).expect("page");
    assert_eq!(
        page.iter().map(|c| (c.seq, c.data.as_slice())).collect::<Vec<_>>(),
        [(3, &b"warn\n"[..]), (4, &b"more"[..])]
    );
    assert_eq!(store.read_log("f-1", a, 4, 10).expect("tail").len(), 1);
    assert!(store.read_log("f-1", a, 5, 10).expect("end").is_empty());
    assert!(store.read_log("f-1", a, 0, 0).expect("none").is_empty());
    let other = store.read_log("f-1", b, 0, 10).expect("b");
    assert_eq!(
        other.iter().map(|c| (c.seq, c.data.as_slice())).collect::<Vec<_>>(),
        [(1, &b"b's"[..])],
        "each run numbers its own chunks"
    );
    assert!(store.read_log("f-1", 3, 0, 10).expect("no run").is_empty());
}

/// `claim_tick` moves `last_tick` only from the expected value (`None` included).
pub fn claim_tick_is_compare_and_set(store: &dyn Store) {
    store.create_flight(&flight("f-1", "p", "cron"), &[]).expect("create");
    store.create_flight(&flight("f-2", "p", "other"), &[]).expect("create");
    let tick = |id: &str| store.get_flight_by_id(id).expect("get").expect("some").last_tick;
    assert!(!store
        .claim_tick("f-1", Some(100), 200)
        .expect("not from a tick it never had"));
    assert_eq!(tick("f-1"), None);
    assert!(store.claim_tick("f-1", None, 100).expect("first claim"));
    assert_eq!(tick("f-1"), Some(100));
    assert!(!store.claim_tick("f-1", None, 200).expect("second node, same tick"));
    assert!(!store.claim_tick("f-1", Some(50), 200).expect("stale expectation"));
    assert_eq!(tick("f-1"), Some(100));
    assert!(store.claim_tick("f-1", Some(100), 200).expect("next tick"));
    assert_eq!(tick("f-1"), Some(200));
    assert_eq!(tick("f-2"), None, "another flight's tick is untouched");
    assert!(!store.claim_tick("f-404", None, 1).expect("missing flight"));
}

/// Every flight write carries its audit events in the same transaction; a refused or
/// no-op write leaves none, and logs are not audited.
pub fn flight_writes_are_audited(store: &dyn Store) {
    let ev = |action: &str, at: i64| [event("p", "flight:audited", action, at)];
    let f = flight("f-1", "p", "audited");
    store.create_flight(&f, &ev("create", 1)).expect("create");
    assert!(store.create_flight(&f, &ev("create-refused", 2)).is_err());
    let mut next = f.clone();
    next.version = 2;
    store.update_flight(&next, 1, &ev("update", 3)).expect("update");
    assert!(store.update_flight(&next, 1, &ev("update-refused", 4)).is_err());
    let a = store.create_run(&run("f-1"), 2, &ev("run", 5)).expect("run a");
    let b = store.create_run(&run("f-1"), 2, &ev("run", 6)).expect("run b");
    assert!(store.create_run(&run("f-1"), 2, &ev("run-refused", 7)).is_err());
    store.append_log("f-1", a, &[chunk("stdout", 8, b"x")]).expect("log");
    assert!(store.claim_tick("f-1", None, 9).expect("tick"));
    assert!(store
        .finish_run("f-1", a, &end("succeeded", Some(0)), &ev("finish", 10))
        .expect("finish"));
    assert!(!store
        .finish_run("f-1", a, &end("failed", Some(1)), &ev("finish-noop", 11))
        .expect("finish again"));
    assert!(store.request_cancel("f-1", b, &ev("cancel", 12)).expect("cancel"));
    assert!(!store
        .request_cancel("f-1", a, &ev("cancel-noop", 13))
        .expect("cancel finished"));
    assert!(store.delete_flight("p", "audited", &ev("delete", 14)).expect("delete"));
    assert!(!store
        .delete_flight("p", "audited", &ev("delete-noop", 15))
        .expect("delete again"));
    let actions: Vec<String> = store
        .list_audit(&AuditFilter {
            object: Some("flight:audited".into()),
            ..Default::default()
        })
        .expect("audit")
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        ["create", "update", "run", "run", "finish", "cancel", "delete"]
    );
}

/// Flights, runs and logs are not cached: their writes leave the generation alone.
pub fn flight_writes_leave_the_generation(store: &dyn Store) {
    let before = store.generation().expect("generation");
    let f = flight("f-1", "p", "quiet");
    store.create_flight(&f, &[]).expect("create");
    let mut next = f.clone();
    next.version = 2;
    store.update_flight(&next, 1, &[]).expect("update");
    assert!(store.claim_tick("f-1", None, 5).expect("tick"));
    let n = store.create_run(&run("f-1"), 2, &[]).expect("run");
    store.append_log("f-1", n, &[chunk("stdout", 1, b"x")]).expect("log");
    assert!(store.request_cancel("f-1", n, &[]).expect("cancel"));
    assert!(store
        .finish_run("f-1", n, &end("cancelled", None), &[])
        .expect("finish"));
    assert!(store.delete_flight("p", "quiet", &[]).expect("delete"));
    assert_eq!(store.generation().expect("generation"), before);
}

/// `export` reads every row (ids kept, the audit log oldest first); `import` writes them into a
/// fresh store so that it exports the same dump, moves its generation, and leaves later ids past
/// the imported ones; a store that is not empty is refused and left unchanged.
pub fn export_import_round_trip(make: &dyn Fn() -> Box<dyn Store>) {
    let source = make();
    let s = &*source;
    s.set_keep_versions(10);
    let analytics = ProjectRecord {
        name: "analytics".into(),
        created_at: 1_700_000_000_000,
        created_by: "tester".into(),
    };
    s.create_project(
        &analytics,
        &[event("analytics", "project:analytics", "project.create", 1)],
    )
    .expect("project");
    s.put_secret(
        &record("default", "api", 1),
        Expect::Absent,
        &[event("default", "secret:api", "create", 2)],
    )
    .expect("v1");
    for v in 2..=3 {
        s.put_secret(
            &record("default", "api", v),
            Expect::Version(v - 1),
            &[event("default", "secret:api", "replace", 2 + v)],
        )
        .expect("replace");
    }
    s.put_secret(&record("analytics", "lake", 1), Expect::Absent, &[])
        .expect("lake");
    let alice = s.create_identity(&identity("alice", None), &[]).expect("alice");
    let bot = s
        .create_identity(&identity("bot", Some("analytics")), &[])
        .expect("bot");
    let token = TokenRecord {
        id: 0,
        public_id: "pub-1".into(),
        identity_id: bot,
        name: "runner".into(),
        hash: vec![0xab; 32],
        created_at: 10,
        created_by: "alice".into(),
        expires_at: Some(1_800_000_000_000),
        last_used_at: None,
        revoked_at: None,
        parent_id: None,
    };
    let token_id = s.create_token(&token, &[]).expect("token");
    s.touch_token(token_id, 11).expect("touch");
    s.create_token(
        &TokenRecord {
            public_id: "pub-2".into(),
            name: "runner-child".into(),
            parent_id: Some(token_id),
            ..token.clone()
        },
        &[],
    )
    .expect("child token");
    s.set_grant(&grant("analytics", bot, "use"), &[]).expect("grant bot");
    s.set_grant(&grant("default", alice, "admin"), &[])
        .expect("grant alice");
    s.append_audit(&[event("default", "secret:api", "use", 20)])
        .expect("audit");
    s.create_flight(&flight("f-1", "analytics", "Nightly"), &[])
        .expect("flight");
    assert!(s.claim_tick("f-1", None, 1_700_000_000_000).expect("tick"));
    let first = s.create_run(&run("f-1"), 2, &[]).expect("run");
    s.append_log(
        "f-1",
        first,
        &[chunk("stdout", 1, b"hello\n"), chunk("stderr", 2, &[0xff, 0x00, 0xfe])],
    )
    .expect("log");
    assert!(s
        .finish_run("f-1", first, &end("failed", Some(3)), &[])
        .expect("finish"));
    let second = s.create_run(&run("f-1"), 2, &[]).expect("second run");

    let dump = s.export().expect("export");
    for (table, n) in dump.counts() {
        assert!(n > 0, "the dump has no row of {table}");
    }
    assert!(dump.projects.iter().any(|p| p == &analytics), "{:?}", dump.projects);
    assert_eq!((dump.secrets.len(), dump.versions.len()), (2, 2));
    assert_eq!((dump.runs.len(), dump.logs.len()), (2, 2));
    assert!(
        dump.audit.windows(2).all(|w| w[0].id < w[1].id),
        "the audit log is exported oldest first"
    );
    assert_eq!(s.export().expect("export again"), dump, "export is stable");

    let target = make();
    let t = &*target;
    let generation = t.generation().expect("generation");
    t.import(&dump).expect("import");
    assert!(
        t.generation().expect("generation") > generation,
        "caches must see the import"
    );
    assert_eq!(t.export().expect("export the copy"), dump);
    assert_eq!(
        t.get_secret("default", "API").expect("get"),
        Some(record("default", "api", 3))
    );
    assert_eq!(t.secret_history("default", "api").expect("history").len(), 3);
    assert_eq!(
        t.token_by_public_id("pub-1").expect("token"),
        s.get_token("runner").expect("token")
    );
    assert_eq!(
        t.get_token("runner-child").expect("token").and_then(|c| c.parent_id),
        Some(token_id),
        "a token's parent survives the copy"
    );
    assert_eq!(
        t.get_grant("analytics", bot).expect("grant").map(|g| g.role),
        Some("use".into())
    );
    assert_eq!(
        t.read_log("f-1", first, 0, 10).expect("log"),
        s.read_log("f-1", first, 0, 10).expect("log")
    );
    assert_eq!(t.running_runs().expect("running"), s.running_runs().expect("running"));

    // Later writes go on from the imported rows.
    let carol = t.create_identity(&identity("carol", None), &[]).expect("carol");
    assert!(carol > alice.max(bot), "a new identity reuses an imported id: {carol}");
    let last_event = dump.audit.iter().map(|e| e.id).max().unwrap_or_default();
    t.append_audit(&[event("default", "secret:api", "use", 30)])
        .expect("audit");
    let events = t.list_audit(&AuditFilter::default()).expect("audit");
    assert!(events.last().is_some_and(|e| e.id > last_event), "{events:?}");
    assert!(t
        .finish_run("f-1", second, &end("succeeded", Some(0)), &[])
        .expect("finish"));
    assert_eq!(t.create_run(&run("f-1"), 2, &[]).expect("third run"), second + 1);

    // A store that is not empty is refused, and left as it was.
    for store in [t, s] {
        let before = store.export().expect("export");
        match store.import(&dump) {
            Err(StoreError::Conflict { what, .. }) => assert!(what.contains("not empty"), "{what}"),
            other => panic!("importing into a store that is not empty must be a conflict: {other:?}"),
        }
        assert_eq!(store.export().expect("export"), before);
    }
}
