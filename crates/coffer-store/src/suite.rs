//! The test suite every [`Store`] backend must pass. A backend's tests call [`run_all`] with a
//! function that makes a fresh, empty store.

use crate::{
    AuditEvent, AuditFilter, Expect, GrantRecord, IdentityRecord, ProjectRecord, SealedRecord, SecretRecord, Store,
    StoreError, TokenRecord,
};
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
    audit_filters(&*make());
    generation_moves_with_every_change(&*make());
    concurrent_audit_appends_all_land(&*make());
    replaced_versions_are_kept(&*make());
    rewrap_is_compare_and_swap(&*make());
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
    };
    let tid = store.create_token(&tok, &[]).expect("token");
    moved("create_token", store);
    store.revoke_token("gen-token", 5, &[]).expect("revoke");
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
    assert!(store.revoke_token("laptop", 60, &[]).expect("revoke"));
    assert!(!store.revoke_token("laptop", 61, &[]).expect("revoke twice"));
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
