//! Arbitrary bytes as the JSON body of every request of coffer's HTTP API that takes one (the
//! `*Body` structs of `coffer_server::api`), read as the server reads them: serde_json through
//! serde_path_to_error. A body may be refused, never panic; the error and its path must
//! render; a body that is accepted must serialize and be accepted again, unchanged.
#![no_main]

use coffer_server::api::{
    CreateSecretBody, EnvBody, FlightCreateBody, FlightUpdateBody, GrantBody, ProjectBody, RollbackBody, RunBody,
    ServiceAccountBody, SqlBody, TokenBody, UserBody,
};
use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;
use serde::Serialize;

fn read<T: DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(v) => Some(v),
        Err(e) => {
            let _ = e.path().to_string();
            let _ = e.into_inner().to_string();
            None
        }
    }
}

fn body<T: DeserializeOwned + Serialize>(bytes: &[u8]) -> Option<T> {
    let v: T = read(bytes)?;
    let json = serde_json::to_vec(&v).expect("an accepted body serializes");
    let again: T = read(&json).expect("a serialized body is accepted");
    assert_eq!(
        serde_json::to_vec(&again).expect("serializes"),
        json,
        "the body changed in a round trip"
    );
    Some(v)
}

fuzz_target!(|data: &[u8]| {
    let _ = body::<CreateSecretBody>(data);
    let _ = body::<EnvBody>(data);
    let _ = body::<ProjectBody>(data);
    let _ = body::<UserBody>(data);
    let _ = body::<ServiceAccountBody>(data);
    if let Some(t) = body::<TokenBody>(data) {
        if let Some(e) = &t.expires_in {
            let _ = coffer_server::api::parse_duration_ms("expires_in", e);
        }
    }
    let _ = body::<GrantBody>(data);
    let _ = body::<SqlBody>(data);
    let _ = body::<RollbackBody>(data);
    let _ = body::<FlightCreateBody>(data);
    let _ = body::<FlightUpdateBody>(data);
    let _ = body::<RunBody>(data);
});
