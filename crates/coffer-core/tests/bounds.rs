//! What one project may keep in a coffer process's memory is bounded.

mod common;

use coffer_api::ToExitCode;
use coffer_core::{CreateRequest, OnConflict, MAX_TEMPORARY_BYTES, MAX_TEMPORARY_SECRETS};
use coffer_crypto::SecretString;
use coffer_model::{InputValue, Storage};
use common::{actor, Env};

fn temp(name: &str, value: &str) -> CreateRequest {
    CreateRequest {
        name: Some(name.into()),
        secret_type: "generic".into(),
        provider: None,
        scopes: vec![],
        storage: Storage::Memory,
        on_conflict: OnConflict::Replace,
        values: vec![("value".into(), InputValue::Text(SecretString::from(value)))],
    }
}

#[test]
fn temporary_secrets_are_bounded_in_count_and_bytes_per_project() {
    let env = Env::new();
    let svc = env.service();
    for i in 0..MAX_TEMPORARY_SECRETS {
        svc.create_secret(&actor(), "p", temp(&format!("t{i}"), "v"))
            .expect("within the bound");
    }
    let err = svc
        .create_secret(&actor(), "p", temp("one_more", "v"))
        .expect_err("over the bound");
    assert_eq!(err.exit_code(), 2);
    assert!(
        err.to_string().contains("temporary secrets") && err.to_string().contains("1000"),
        "{err}"
    );
    // Replacing one that exists is no new one.
    svc.create_secret(&actor(), "p", temp("t0", "w"))
        .expect("a replacement");
    // Another project has its own bound; persistent secrets are not bounded this way.
    svc.create_secret(&actor(), "q", temp("t0", "v")).expect("project q");
    // Bytes: a few large values reach the byte bound.
    let big = "x".repeat(MAX_TEMPORARY_BYTES / 4);
    let mut refused = None;
    for i in 0..8 {
        if let Err(e) = svc.create_secret(&actor(), "q", temp(&format!("big{i}"), &big)) {
            refused = Some((i, e));
            break;
        }
    }
    let (i, e) = refused.expect("the byte bound holds");
    assert!(i <= 4, "{i} values of a quarter of the bound were taken");
    assert!(e.to_string().contains("MiB of memory"), "{e}");
}
