//! Projects, identities, tokens, grants, the audit log and the generation.

use super::fixtures::*;

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
    assert_eq!(
        q(AuditFilter {
            since: Some(102),
            until: Some(105),
            ..Default::default()
        }),
        [102, 103, 104, 105]
    );
    // Paging, newest first: the page after the newest two starts below the older one's id.
    let ids: Vec<i64> = store
        .list_audit(&AuditFilter {
            limit: Some(2),
            ..Default::default()
        })
        .expect("list")
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(
        q(AuditFilter {
            before_id: Some(ids[0]),
            limit: Some(3),
            ..Default::default()
        }),
        [105, 106, 107]
    );
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
