//! Data sources through the service: roles, validation, the checks of the secret a source
//! names, conflicts, audit events and observers.

mod common;

use coffer_api::ToExitCode;
use coffer_core::{
    AuditFilter, CoreError, CreateRequest, Hint, OnConflict, Role, SecretChange, SecretObserver, Service, SourceOutcome,
};
use coffer_crypto::SecretString;
use coffer_model::source::SourceSpec;
use coffer_model::{InputValue, ModelError, Storage};
use common::{actor, user, Env};
use std::sync::{Arc, Mutex};

/// The request for a persistent secret `name` of `ty` with text `values`.
fn request(name: &str, ty: &str, on_conflict: OnConflict, values: &[(&str, &str)]) -> CreateRequest {
    CreateRequest {
        name: Some(name.into()),
        secret_type: ty.into(),
        provider: None,
        scopes: vec![],
        storage: Storage::Coffer,
        on_conflict,
        values: values
            .iter()
            .map(|(k, v)| (k.to_string(), InputValue::Text(SecretString::from(v.to_string()))))
            .collect(),
    }
}

/// A secret of `ty` (postgres or mysql) named `name` in project p.
fn secret(svc: &Service, name: &str, ty: &str, on_conflict: OnConflict) {
    let values = [("host", "db.internal"), ("user", "etl"), ("password", "pw-VALUE-1")];
    svc.create_secret(&actor(), "p", request(name, ty, on_conflict, &values))
        .expect("secret");
}

fn warehouse(secret: &str) -> SourceSpec {
    SourceSpec {
        name: "Warehouse".into(),
        source_type: "POSTGRES".into(),
        secret: Some(secret.into()),
        options: [("SCHEMA", "public"), ("path", "host=db.internal dbname=sales")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        read_only: true,
    }
}

/// The audit events of project p on `object`, as "actor action result detail".
fn events(svc: &Service, object: &str) -> Vec<String> {
    let filter = AuditFilter {
        project: Some("p".into()),
        object: Some(object.into()),
        ..AuditFilter::default()
    };
    svc.list_audit(&actor(), &filter)
        .expect("audit")
        .into_iter()
        .map(|e| format!("{} {} {} {}", e.actor, e.action, e.result, e.detail.unwrap_or_default()))
        .collect()
}

#[test]
fn create_normalises_and_reads_back() {
    let env = Env::new();
    let svc = env.service();
    secret(&svc, "pg_prod", "postgres", OnConflict::Error);
    let info = svc
        .create_source(&actor(), "p", &warehouse("pg_prod"), OnConflict::Error)
        .expect("create");
    assert_eq!(
        (info.name.as_str(), info.source_type.as_str(), info.secret.as_deref()),
        ("warehouse", "postgres", Some("pg_prod"))
    );
    assert_eq!(info.options.get("schema").map(String::as_str), Some("public"));
    assert_eq!((info.version, info.created_by.as_str()), (1, "test:alice"));
    assert_eq!(
        coffer_model::source::attach_sql(&info.spec()),
        "ATTACH 'host=db.internal dbname=sales' AS \"warehouse\" (TYPE postgres, SECRET \"pg_prod\", SCHEMA 'public', READ_ONLY)"
    );
    assert_eq!(svc.get_source(&actor(), "p", "WAREHOUSE").expect("get"), info);
    assert_eq!(
        svc.list_sources(&actor(), "p").expect("list"),
        std::slice::from_ref(&info)
    );
    assert!(svc.list_sources(&actor(), "q").expect("list q").is_empty());
    let lite = SourceSpec {
        name: "local".into(),
        source_type: "sqlite".into(),
        secret: None,
        options: [("path".to_string(), "/data/local.db".to_string())].into(),
        read_only: false,
    };
    svc.create_source(&actor(), "p", &lite, OnConflict::Error)
        .expect("a source without a secret");
    let names: Vec<_> = svc
        .list_sources(&actor(), "p")
        .expect("list")
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, ["local", "warehouse"]);
    let err = svc.get_source(&actor(), "p", "nope").expect_err("missing");
    assert_eq!(err.to_string(), "no data source named 'nope' in project 'p'");
    assert!(matches!(err, CoreError::Missing(_)));
}

#[test]
fn invalid_definitions_are_the_models_errors() {
    let env = Env::new();
    let svc = env.service();
    secret(&svc, "pg_prod", "postgres", OnConflict::Error);
    let mut spec = warehouse("pg_prod");
    spec.options.insert("password".into(), "hunter2".into());
    let err = svc
        .create_source(&actor(), "p", &spec, OnConflict::Error)
        .expect_err("a credential in an option");
    match &err {
        CoreError::Invalid(ModelError::InvalidSource { field, rule }) => {
            assert_eq!(field, "option 'password'");
            assert!(rule.contains("coffer secret"), "{rule}");
        }
        other => panic!("not the model's error: {other:?}"),
    }
    assert_eq!(err.exit_code(), 2);
    assert!(!err.to_string().contains("hunter2"), "{err}");
    let mut spec = warehouse("pg_prod");
    spec.source_type = "oracle".into();
    let err = svc
        .create_source(&actor(), "p", &spec, OnConflict::Error)
        .expect_err("an unknown type");
    assert!(err.to_string().contains("unknown source type 'oracle'"), "{err}");
    assert!(svc.list_sources(&actor(), "p").expect("list").is_empty());
    assert!(
        events(&svc, "source:Warehouse").is_empty(),
        "nothing written, nothing audited"
    );
}

#[test]
fn the_secret_must_exist_with_the_type_the_source_takes() {
    let env = Env::new();
    let svc = env.service();
    let err = svc
        .create_source(&actor(), "p", &warehouse("pg_prod"), OnConflict::Error)
        .expect_err("no such secret");
    assert_eq!(
        err.to_string(),
        "source 'warehouse' uses the secret 'pg_prod', which does not exist in project 'p'; create it first (coffer secret create pg_prod --type postgres ...) or name another secret"
    );
    assert_eq!(err.exit_code(), 2);
    secret(&svc, "pg_prod", "mysql", OnConflict::Error);
    let err = svc
        .create_source(&actor(), "p", &warehouse("PG_PROD"), OnConflict::Error)
        .expect_err("of another type");
    assert_eq!(
        err.to_string(),
        "source 'warehouse' needs a postgres secret; 'pg_prod' is a mysql secret"
    );
    // A secret of another project does not count.
    let req = CreateRequest {
        name: Some("q_pg".into()),
        secret_type: "postgres".into(),
        provider: None,
        scopes: vec![],
        storage: Storage::Coffer,
        on_conflict: OnConflict::Error,
        values: vec![],
    };
    svc.create_secret(&actor(), "q", req).expect("q's secret");
    assert!(svc
        .create_source(&actor(), "p", &warehouse("q_pg"), OnConflict::Error)
        .is_err());
}

#[test]
fn on_conflict_refuses_replaces_or_keeps() {
    let env = Env::new();
    let svc = env.service();
    secret(&svc, "pg_prod", "postgres", OnConflict::Error);
    secret(&svc, "pg_dr", "postgres", OnConflict::Error);
    let writer = user(&svc, "wendy", Some(Role::Write));
    svc.create_source(&actor(), "p", &warehouse("pg_prod"), OnConflict::Error)
        .expect("create");
    let err = svc
        .create_source(&writer, "p", &warehouse("pg_dr"), OnConflict::Error)
        .expect_err("taken");
    assert_eq!(err.to_string(), "data source 'warehouse' already exists in project 'p'");
    assert_eq!(err.hint(), Some(Hint::ReplaceOrKeep));
    assert_eq!(err.exit_code(), 1);
    let kept = svc
        .define_source(&writer, "p", &warehouse("pg_dr"), OnConflict::Ignore)
        .expect("keep");
    assert!(matches!(&kept, SourceOutcome::Kept(i) if i.secret.as_deref() == Some("pg_prod") && i.version == 1));
    let replaced = svc
        .define_source(&writer, "p", &warehouse("pg_dr"), OnConflict::Replace)
        .expect("replace");
    let SourceOutcome::Replaced(info) = replaced else {
        panic!("not replaced: {replaced:?}")
    };
    assert_eq!(
        (
            info.version,
            info.secret.as_deref(),
            info.created_by.as_str(),
            info.updated_by.as_str()
        ),
        (2, Some("pg_dr"), "test:alice", "wendy")
    );
    let fresh = svc
        .define_source(
            &writer,
            "p",
            &SourceSpec {
                name: "other".into(),
                ..warehouse("pg_dr")
            },
            OnConflict::Replace,
        )
        .expect("replace of nothing creates");
    assert!(matches!(fresh, SourceOutcome::Created(ref i) if i.version == 1 && i.created_by == "wendy"));
    assert_eq!(
        events(&svc, "source:warehouse"),
        [
            "test:alice source.create ok type=postgres secret=pg_prod version=1",
            "wendy source.replace ok type=postgres secret=pg_dr version=2",
        ],
        "a refused create and a kept one write nothing; option values are never audited"
    );
}

#[test]
fn roles_decide_who_defines_and_who_attaches() {
    let env = Env::new();
    let svc = env.service();
    secret(&svc, "pg_prod", "postgres", OnConflict::Error);
    let reader = user(&svc, "rita", Some(Role::Read));
    let runner = user(&svc, "ursula", Some(Role::Use));
    let writer = user(&svc, "wendy", Some(Role::Write));
    let stranger = user(&svc, "sam", None);

    for who in [&reader, &runner] {
        let err = svc
            .create_source(who, "p", &warehouse("pg_prod"), OnConflict::Error)
            .expect_err("needs write");
        assert!(matches!(err, CoreError::Forbidden { need: Role::Write, .. }), "{err:?}");
        assert_eq!(err.exit_code(), 3);
    }
    svc.create_source(&writer, "p", &warehouse("pg_prod"), OnConflict::Error)
        .expect("write creates");
    assert_eq!(svc.list_sources(&reader, "p").expect("read lists").len(), 1);
    svc.get_source(&reader, "p", "warehouse").expect("read shows");
    assert!(matches!(
        svc.list_sources(&stranger, "p"),
        Err(CoreError::Forbidden { need: Role::Read, .. })
    ));

    let err = svc
        .attach_source(&reader, "p", "warehouse")
        .expect_err("read cannot attach");
    assert_eq!(
        err.to_string(),
        "permission denied: attaching data source 'warehouse' needs role 'use' in project 'p' ('rita' has 'read'); listing and showing sources work with 'read'"
    );
    assert_eq!(
        err.hint(),
        Some(Hint::GrantRole {
            role: "use".into(),
            identity: "rita".into(),
            project: "p".into()
        })
    );
    assert_eq!(err.exit_code(), 3);
    let err = svc.attach_source(&stranger, "p", "warehouse").expect_err("no role");
    assert!(err.to_string().contains("('sam' has no role there)"), "{err}");
    let attached = svc.attach_source(&runner, "p", "Warehouse").expect("use attaches");
    assert_eq!(attached.name, "warehouse");
    svc.attach_source(&writer, "p", "warehouse")
        .expect("write attaches too");

    assert!(matches!(
        svc.drop_source(&runner, "p", "warehouse", false),
        Err(CoreError::Forbidden { need: Role::Write, .. })
    ));
    assert!(svc.drop_source(&writer, "p", "warehouse", false).expect("write drops"));
    assert!(!svc.drop_source(&writer, "p", "warehouse", true).expect("if exists"));
    let err = svc.drop_source(&writer, "p", "warehouse", false).expect_err("gone");
    assert_eq!(err.to_string(), "no data source named 'warehouse' in project 'p'");
    let err = svc.attach_source(&runner, "p", "warehouse").expect_err("gone");
    assert_eq!(err.to_string(), "no data source named 'warehouse' in project 'p'");

    assert_eq!(
        events(&svc, "source:warehouse"),
        [
            "rita source.create denied needs role write",
            "ursula source.create denied needs role write",
            "wendy source.create ok type=postgres secret=pg_prod version=1",
            "rita source.attach denied needs role use",
            "sam source.attach denied needs role use",
            "ursula source.attach ok type=postgres secret=pg_prod version=1 purpose=attach",
            "wendy source.attach ok type=postgres secret=pg_prod version=1 purpose=attach",
            "ursula source.drop denied needs role write",
            "wendy source.drop ok type=postgres secret=pg_prod version=1",
        ]
    );
}

#[test]
fn attach_checks_the_secret_again() {
    let env = Env::new();
    let svc = env.service();
    secret(&svc, "pg_prod", "postgres", OnConflict::Error);
    svc.create_source(&actor(), "default", &warehouse("pg_prod"), OnConflict::Error)
        .expect_err("default has no pg_prod");
    svc.create_source(&actor(), "p", &warehouse("pg_prod"), OnConflict::Error)
        .expect("create");
    svc.drop_secret(&actor(), "p", "pg_prod", false, None)
        .expect("drop the secret");
    let err = svc
        .attach_source(&actor(), "p", "warehouse")
        .expect_err("its secret is gone");
    assert_eq!(
        err.to_string(),
        "source 'warehouse' uses the secret 'pg_prod', which does not exist in project 'p' any more; create it again or point the source at another secret (coffer source create warehouse ... --or-replace)"
    );
    assert!(matches!(err, CoreError::Missing(_)));
    secret(&svc, "pg_prod", "mysql", OnConflict::Error);
    let err = svc
        .attach_source(&actor(), "p", "warehouse")
        .expect_err("of another type now");
    assert!(
        err.to_string()
            .starts_with("source 'warehouse' needs a postgres secret; 'pg_prod' is a mysql secret"),
        "{err}"
    );
    secret(&svc, "pg_prod", "postgres", OnConflict::Replace);
    svc.attach_source(&actor(), "p", "warehouse").expect("right again");
    let attaches: Vec<_> = events(&svc, "source:warehouse")
        .into_iter()
        .filter(|e| e.contains(" source.attach "))
        .collect();
    assert_eq!(attaches.len(), 1, "a refused attach writes no ok event: {attaches:?}");
}

/// Records what observers are told of sources.
#[derive(Default)]
struct Seen(Mutex<Vec<String>>);

impl SecretObserver for Seen {
    fn changed(&self, _: &Service, _: &str, _: &SecretChange) {}

    fn source_changed(&self, _: &Service, project: &str, name: &str) {
        self.0.lock().expect("lock").push(format!("{project}/{name}"));
    }
}

#[test]
fn observers_hear_of_every_write() {
    let env = Env::new();
    let svc = env.service();
    let seen = Arc::new(Seen::default());
    svc.observe(seen.clone());
    secret(&svc, "pg_prod", "postgres", OnConflict::Error);
    svc.create_source(&actor(), "P", &warehouse("pg_prod"), OnConflict::Error)
        .expect("create");
    svc.create_source(&actor(), "p", &warehouse("pg_prod"), OnConflict::Ignore)
        .expect("keep");
    svc.create_source(&actor(), "p", &warehouse("pg_prod"), OnConflict::Replace)
        .expect("replace");
    svc.drop_source(&actor(), "p", "WAREHOUSE", false).expect("drop");
    svc.drop_source(&actor(), "p", "warehouse", true).expect("nothing");
    svc.apply_store_change(&coffer_core::StoreChange::SourceChanged {
        project: "p".into(),
        name: "lake".into(),
    });
    assert_eq!(
        *seen.0.lock().expect("lock"),
        ["p/warehouse", "p/warehouse", "p/warehouse", "p/lake"],
        "the project's stored name; a kept source and a drop of nothing are no change"
    );
}

#[test]
fn deleting_the_project_deletes_its_sources() {
    let env = Env::new();
    let svc = env.service();
    secret(&svc, "pg_prod", "postgres", OnConflict::Error);
    svc.create_source(&actor(), "p", &warehouse("pg_prod"), OnConflict::Error)
        .expect("create");
    svc.delete_project(&actor(), "p", true).expect("delete");
    svc.create_project(&actor(), "p").expect("again");
    assert!(svc.list_sources(&actor(), "p").expect("list").is_empty());
}

/// The attack: a `write` member names a file or a socket of the coffer machine in a secret or
/// a source (libpq's passfile with a host of theirs, a service entry, a Unix socket, MySQL's
/// localhost), so that the owner's unsandboxed `coffer sql` reads the owner's file or connects
/// as the owner's system user when it attaches. Refused for the member, naming the field and
/// writing nothing; the machine's owner (a superuser) may.
#[test]
fn members_cannot_name_files_or_sockets_of_the_machine() {
    let env = Env::new();
    let svc = env.service();
    let writer = user(&svc, "mallory", Some(Role::Write));
    let create = |caller: &coffer_core::Caller, name: &str, ty: &str, values: &[(&str, &str)]| {
        svc.create_secret(caller, "p", request(name, ty, OnConflict::Replace, values))
    };
    for (ty, values, field) in [
        (
            "postgres",
            &[("host", "evil.example.com"), ("passfile", "/root/.pgpass")][..],
            "passfile",
        ),
        (
            "postgres",
            &[("host", "evil.example.com"), ("service", "prod")][..],
            "service",
        ),
        (
            "postgres",
            &[("host", "/var/run/postgresql"), ("user", "postgres")][..],
            "host",
        ),
        (
            "postgres",
            &[("uri", "postgresql://evil.example.com/x?sslkey=/root/.ssh/id_rsa")][..],
            "uri",
        ),
        ("mysql", &[("user", "root")][..], "host"),
        (
            "mysql",
            &[("host", "127.0.0.1"), ("socket", "/run/mysqld/mysqld.sock")][..],
            "socket",
        ),
    ] {
        let err = create(&writer, "m", ty, values).expect_err("a member may not name a local file or socket");
        let text = err.to_string();
        assert!(
            matches!(&err, CoreError::Invalid(ModelError::InvalidValue { field: f, .. }) if f == field)
                && text.contains("only the machine's owner"),
            "{ty} {values:?}: {err:?} / {text}"
        );
        assert_eq!(err.exit_code(), 2, "bad input: {text}");
        // The owner may.
        create(&actor(), "m", ty, values).expect("the owner may name its own files");
        svc.drop_secret(&actor(), "p", "m", false, None).expect("drop");
    }
    // A TCP host and a CA from the system's store stay open to members.
    create(
        &writer,
        "pg_member",
        "postgres",
        &[
            ("host", "db.internal"),
            ("sslrootcert", "system"),
            ("sslmode", "verify-full"),
        ],
    )
    .expect("no local reference");
    // Updates go through the same rule: the member cannot add a file to an existing secret.
    let err = svc
        .update_secret(
            &writer,
            "p",
            "pg_member",
            None,
            coffer_core::SecretUpdate {
                set: vec![(
                    "passfile".into(),
                    Some(InputValue::Text(SecretString::from("/root/.pgpass"))),
                )],
                ..Default::default()
            },
        )
        .expect_err("update");
    assert!(err.to_string().contains("passfile"), "{err}");

    // Sources: a sqlite file, a path with libpq's keywords or a socket.
    let lite = SourceSpec {
        name: "lite".into(),
        source_type: "sqlite".into(),
        secret: None,
        options: [("path".to_string(), "/root/.local/share/coffer/coffer.db".to_string())].into(),
        read_only: true,
    };
    for spec in [
        lite.clone(),
        SourceSpec {
            options: [("path".to_string(), "host=/var/run/postgresql dbname=x".to_string())].into(),
            ..warehouse("pg_member")
        },
        SourceSpec {
            options: [("path".to_string(), "dbname=x passfile=/root/.pgpass".to_string())].into(),
            ..warehouse("pg_member")
        },
    ] {
        let err = svc
            .create_source(&writer, "p", &spec, OnConflict::Error)
            .expect_err("a member's source may not name local files");
        assert!(err.to_string().contains("only the machine's owner"), "{err}");
    }
    svc.create_source(&writer, "p", &warehouse("pg_member"), OnConflict::Error)
        .expect("a TCP host is fine");
    svc.create_source(&actor(), "p", &lite, OnConflict::Error)
        .expect("the owner's own sqlite file");
}
