//! Scope resolution: the table in `scope_cases.json` (also checked against real DuckDB by
//! `scripts/verify_scope_table.py`) through both [`ScopeIndex`] and [`linear_lookup`], and a
//! property test that the two always agree, through upserts, removals and re-upserts.

use coffer_model::scope::{linear_lookup, match_score, ranked_score, ScopeMatch};
use coffer_model::{types, ScopeIndex, Storage};
use proptest::prelude::*;
use serde::{Deserialize, Deserializer};
use std::collections::{BTreeMap, HashSet};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    #[allow(dead_code)]
    about: Vec<String>,
    cases: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    id: String,
    #[serde(default)]
    #[allow(dead_code)]
    note: Option<String>,
    secrets: Vec<SecretDef>,
    path: String,
    #[serde(rename = "type")]
    ty: String,
    /// Required, `null` for "no secret matches".
    #[serde(deserialize_with = "required_option")]
    expected: Option<Winner>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SecretDef {
    name: String,
    #[serde(rename = "type")]
    ty: String,
    storage: String,
    /// Required: `null` = no SCOPE given (the type's default scopes apply), else the scopes.
    #[serde(deserialize_with = "required_option")]
    scope: Option<Vec<String>>,
    /// The provider (the type's default when absent): DuckDB's default scopes do not depend on
    /// it, which the cases that name one check.
    #[serde(default)]
    provider: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
struct Winner {
    name: String,
    storage: String,
}

/// An `Option` field that must be present (as a value or `null`).
fn required_option<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d)
}

fn load_table() -> Table {
    let text = include_str!("scope_cases.json");
    serde_json::from_str(text).expect("scope_cases.json parses")
}

fn storage(name: &str) -> Storage {
    match name {
        "memory" => Storage::Memory,
        "coffer" => Storage::Coffer,
        other => panic!("storage must be memory or coffer, got {other:?}"),
    }
}

/// The scopes as stored, by the model's rule (the type's defaults when none were given, none
/// for a type that drops SCOPE), checked against what validation stores.
fn stored_scopes(s: &SecretDef) -> Vec<String> {
    let spec = types::lookup(&s.ty).unwrap_or_else(|| panic!("unknown type {}", s.ty));
    if let Some(p) = &s.provider {
        assert!(spec.provider(p).is_some(), "secret {}: unknown provider {p}", s.name);
    }
    let scopes = match &s.scope {
        Some(scopes) => {
            assert!(!scopes.is_empty(), "secret {}: use null, not [], for no SCOPE", s.name);
            if spec.keeps_scope {
                scopes.clone()
            } else {
                Vec::new()
            }
        }
        None => spec.default_scopes.iter().map(|s| s.to_string()).collect(),
    };
    // Types with required fields cannot be validated without them; the others go through
    // validation, which is where the rule lives.
    if let Ok(v) = coffer_model::validate::validate(
        &s.ty,
        s.provider.as_deref(),
        s.scope.clone().unwrap_or_default(),
        Vec::new(),
    ) {
        assert_eq!(v.scopes, scopes, "secret {}: validation stores other scopes", s.name);
    }
    scopes
}

fn as_winner(m: Option<ScopeMatch>) -> Option<Winner> {
    m.map(|m| Winner {
        name: m.name,
        storage: m.storage.name().to_string(),
    })
}

/// (index answer, linear answer) for one case.
fn resolve(case: &Case) -> (Option<ScopeMatch>, Option<ScopeMatch>) {
    let secrets: Vec<(String, Storage, String, Vec<String>)> = case
        .secrets
        .iter()
        .map(|s| (s.name.clone(), storage(&s.storage), s.ty.clone(), stored_scopes(s)))
        .collect();
    let mut index = ScopeIndex::new();
    for (name, st, ty, scopes) in &secrets {
        index.upsert(name, *st, ty, scopes);
    }
    assert_eq!(index.len(), secrets.len(), "{}: index size", case.id);
    let from_index = index.lookup(&case.path, &case.ty);
    let from_linear = linear_lookup(
        secrets
            .iter()
            .map(|(n, st, ty, sc)| (n.as_str(), *st, ty.as_str(), sc.as_slice())),
        &case.path,
        &case.ty,
    );
    (from_index, from_linear)
}

#[test]
fn table_is_well_formed_and_large_enough() {
    let table = load_table();
    assert!(table.cases.len() >= 35, "only {} cases", table.cases.len());
    let mut ids = HashSet::new();
    for case in &table.cases {
        assert!(ids.insert(case.id.as_str()), "duplicate case id {}", case.id);
        assert!(
            types::lookup(&case.ty).is_some(),
            "{}: unknown lookup type {}",
            case.id,
            case.ty
        );
        let mut keys = HashSet::new();
        for s in &case.secrets {
            assert!(types::lookup(&s.ty).is_some(), "{}: unknown type {}", case.id, s.ty);
            assert!(
                coffer_model::names::validate_name(&s.name).is_ok(),
                "{}: bad name {}",
                case.id,
                s.name
            );
            // DuckDB lower-cases names: "B" and "b" would be one secret there.
            assert!(
                keys.insert((s.storage.as_str(), s.name.to_ascii_lowercase())),
                "{}: {} twice in {} (names compare case-insensitively in DuckDB)",
                case.id,
                s.name,
                s.storage
            );
            storage(&s.storage);
        }
    }
}

#[test]
fn every_case_through_index_and_linear_scan() {
    let table = load_table();
    let mut failures = Vec::new();
    for case in &table.cases {
        let (from_index, from_linear) = resolve(case);
        if from_index != from_linear {
            failures.push(format!("{}: index {from_index:?} != linear {from_linear:?}", case.id));
            continue;
        }
        let want = &case.expected;
        let got = as_winner(from_index.clone());
        if &got != want {
            failures.push(format!("{}: got {got:?}, expected {want:?}", case.id));
        }
        // The reported score is DuckDB's ranked score of the winner.
        if let Some(m) = from_index {
            let s = case
                .secrets
                .iter()
                .find(|s| s.name == m.name && storage(&s.storage) == m.storage)
                .expect("winner is one of the case's secrets");
            assert_eq!(
                Some(m.score),
                ranked_score(&stored_scopes(s), &case.path, m.storage),
                "{}",
                case.id
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn match_score_basics() {
    let sc = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(match_score(&sc(&[]), "anything"), Some(0));
    assert_eq!(match_score(&sc(&[""]), "anything"), Some(0));
    assert_eq!(match_score(&sc(&["s3://b"]), "s3://b2/x"), Some(6));
    assert_eq!(match_score(&sc(&["s3://b", "s3://b2/"]), "s3://b2/x"), Some(8));
    assert_eq!(match_score(&sc(&["s3://b"]), "S3://b"), None);
    assert_eq!(ranked_score(&sc(&["s3://b"]), "s3://b", Storage::Memory), Some(590));
    assert_eq!(ranked_score(&sc(&["s3://b"]), "s3://b", Storage::Coffer), Some(580));
    assert_eq!(ranked_score(&sc(&["s3://b"]), "s3://b", Storage::Env), Some(570));
}

#[test]
fn remove_and_reupsert() {
    let s = |v: &str| vec![v.to_string()];
    let mut index = ScopeIndex::new();
    assert!(index.is_empty());
    assert_eq!(index.lookup("s3://b/x", "s3"), None);
    index.upsert("a", Storage::Coffer, "s3", &s("s3://b"));
    index.upsert("z", Storage::Memory, "S3", &s("s3://b/x"));
    assert_eq!(index.lookup("s3://b/x/1", "s3").map(|m| m.name), Some("z".into()));
    assert!(index.remove("z", Storage::Memory));
    assert!(!index.remove("z", Storage::Memory));
    assert!(!index.remove("a", Storage::Memory), "storage is part of the key");
    assert_eq!(index.lookup("s3://b/x/1", "s3").map(|m| m.name), Some("a".into()));
    // Re-upsert with another type and scope moves the secret.
    index.upsert("a", Storage::Coffer, "r2", &s("r2://b"));
    assert_eq!(index.len(), 1);
    assert_eq!(index.lookup("s3://b/x/1", "s3"), None);
    assert_eq!(
        index.lookup("r2://b/1", "R2").map(|m| (m.name, m.storage, m.score)),
        Some(("a".into(), Storage::Coffer, 580))
    );
    // Env storage ranks below persistent at equal length.
    index.upsert("e", Storage::Env, "r2", &s("r2://b"));
    assert_eq!(index.lookup("r2://b/1", "r2").map(|m| m.storage), Some(Storage::Coffer));
    index.remove("a", Storage::Coffer);
    assert_eq!(
        index.lookup("r2://b/1", "r2").map(|m| (m.storage, m.score)),
        Some((Storage::Env, 570))
    );
}

// ---------------------------------------------------------------------------------------
// Property: ScopeIndex answers exactly as DuckDB's linear scan, whatever was done to it.

#[derive(Debug, Clone)]
enum Op {
    Upsert {
        name: String,
        storage: Storage,
        ty: String,
        scopes: Vec<String>,
    },
    Remove {
        name: String,
        storage: Storage,
    },
}

fn arb_storage() -> impl Strategy<Value = Storage> {
    prop_oneof![Just(Storage::Memory), Just(Storage::Coffer), Just(Storage::Env)]
}

fn arb_name() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["a", "b", "B", "a_", "a-", "ab", "A", "z9", "s3"]).prop_map(str::to_string)
}

fn arb_type() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["s3", "S3", "r2", "gcs"]).prop_map(str::to_string)
}

/// Short strings over a small alphabet, so that prefixes collide often.
fn arb_fragment(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(vec!['s', '3', ':', '/', 'b', 'B', 'x']), 0..=max)
        .prop_map(|v| v.into_iter().collect())
}

fn arb_scope() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => Just(String::new()),
        2 => Just("s3://".to_string()),
        6 => arb_fragment(5).prop_map(|f| format!("s3://{f}")),
        2 => arb_fragment(4),
    ]
}

fn arb_path() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => arb_fragment(8).prop_map(|f| format!("s3://{f}")),
        2 => arb_fragment(6),
        1 => Just(String::new()),
    ]
}

fn arb_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (arb_name(), arb_storage(), arb_type(), prop::collection::vec(arb_scope(), 0..4))
            .prop_map(|(name, storage, ty, scopes)| Op::Upsert { name, storage, ty, scopes }),
        1 => (arb_name(), arb_storage()).prop_map(|(name, storage)| Op::Remove { name, storage }),
    ]
}

/// (storage, lower-cased name) → (name as written, type, scopes): names are case-insensitive.
type Model = BTreeMap<(Storage, String), (String, String, Vec<String>)>;

fn check_all(index: &ScopeIndex, model: &Model, paths: &[String]) -> Result<(), TestCaseError> {
    prop_assert_eq!(index.len(), model.len());
    for path in paths {
        for ty in ["s3", "S3", "r2", "gcs", "azure"] {
            let linear = linear_lookup(
                model
                    .iter()
                    .map(|((st, _), (n, t, sc))| (n.as_str(), *st, t.as_str(), sc.as_slice())),
                path,
                ty,
            );
            prop_assert_eq!(index.lookup(path, ty), linear, "path {:?} type {}", path, ty);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn index_agrees_with_linear_scan(
        ops in prop::collection::vec(arb_op(), 0..40),
        paths in prop::collection::vec(arb_path(), 1..8),
    ) {
        let mut index = ScopeIndex::new();
        let mut model: Model = BTreeMap::new();
        for op in &ops {
            match op {
                Op::Upsert { name, storage, ty, scopes } => {
                    index.upsert(name, *storage, ty, scopes);
                    model.insert((*storage, name.to_ascii_lowercase()), (name.clone(), ty.clone(), scopes.clone()));
                }
                Op::Remove { name, storage } => {
                    let was = model.remove(&(*storage, name.to_ascii_lowercase())).is_some();
                    prop_assert_eq!(index.remove(name, *storage), was);
                }
            }
            check_all(&index, &model, &paths)?;
        }
        // Remove everything, then put it all back: same answers as before.
        let before: Vec<_> = paths.iter().map(|p| index.lookup(p, "s3")).collect();
        for (st, name) in model.keys() {
            prop_assert!(index.remove(name, *st));
        }
        prop_assert!(index.is_empty());
        for p in &paths {
            prop_assert_eq!(index.lookup(p, "s3"), None);
        }
        for ((st, _), (name, ty, scopes)) in &model {
            index.upsert(name, *st, ty, scopes);
        }
        check_all(&index, &model, &paths)?;
        let after: Vec<_> = paths.iter().map(|p| index.lookup(p, "s3")).collect();
        prop_assert_eq!(before, after);
    }
}
