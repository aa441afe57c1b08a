//! DuckDB's `duckdb_secrets()` secret string, redacted.
//!
//! DuckDB (src/main/secret/secret.cpp `KeyValueSecret::ToString`) prints
//! `name=…;type=…;provider=…;serializable=true;scope=a,b;key=value;…` with the keys of its
//! case-insensitive ordered map in order and the redacted keys printed as `redacted`.
//! coffer prints a sensitive map (flights `params`) as `params={API_KEY=redacted, …}` so the
//! param names stay visible.

use crate::validate::FieldValue;
use std::collections::BTreeMap;

/// What a listing knows of a secret without opening it.
pub struct SecretView<'a> {
    /// Name.
    pub name: &'a str,
    /// Type, lower-case.
    pub ty: &'a str,
    /// Provider.
    pub provider: &'a str,
    /// Scopes as stored.
    pub scopes: &'a [String],
    /// Public fields.
    pub public: &'a BTreeMap<String, FieldValue>,
    /// Sensitive key paths (`secret`, `params.API_KEY`).
    pub sensitive_keys: &'a [String],
}

/// The redacted secret string, as `duckdb_secrets()` shows it.
pub fn secret_string(v: &SecretView<'_>) -> String {
    let mut entries: BTreeMap<String, String> = BTreeMap::new();
    for (k, val) in v.public {
        // DuckDB turns R2's account_id into the endpoint and does not keep it in the map.
        if v.ty == "r2" && k == "account_id" {
            continue;
        }
        // A postgres secret stored before coffer took libpq's names keeps `database`; DuckDB
        // lists it as `dbname`.
        let k = crate::types::field_alias(v.ty, k).unwrap_or(k);
        entries.insert(k.to_string(), val.to_display());
    }
    let mut maps: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for key in v.sensitive_keys {
        match key.split_once('.') {
            Some((field, param)) => maps.entry(field).or_default().push(param),
            None => {
                entries.insert(key.clone(), "redacted".into());
            }
        }
    }
    // DuckDB's Hugging Face secret always holds a token entry, redacted (NULL when no token
    // was given, or read by its credential_chain provider).
    if v.ty == "huggingface" {
        entries.entry("token".into()).or_insert_with(|| "redacted".into());
    }
    for (field, params) in maps {
        let items: Vec<String> = params.iter().map(|p| format!("{p}=redacted")).collect();
        entries.insert(field.to_string(), format!("{{{}}}", items.join(", ")));
    }
    let mut out = format!(
        "name={};type={};provider={};serializable=true;",
        v.name, v.ty, v.provider
    );
    // DuckDB appends "scope=" then each scope and a comma, then drops the last character.
    let mut scope = String::from("scope=");
    for s in v.scopes {
        scope.push_str(s);
        scope.push(',');
    }
    scope.pop();
    out.push_str(&scope);
    out.push(';');
    let mut sorted: Vec<(String, String)> = entries.into_iter().collect();
    sorted.sort_by_key(|a| a.0.to_ascii_lowercase());
    let body: Vec<String> = sorted.into_iter().map(|(k, v)| format!("{k}={v}")).collect();
    out.push_str(&body.join(";"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_postgres_database_stored_under_its_old_name_is_listed_as_dbname() {
        let mut public = BTreeMap::new();
        public.insert("database".to_string(), FieldValue::Text("app".into()));
        public.insert("port".to_string(), FieldValue::Text("abc".into()));
        let view = SecretView {
            name: "pg",
            ty: "postgres",
            provider: "config",
            scopes: &[],
            public: &public,
            sensitive_keys: &["password".to_string()],
        };
        assert_eq!(
            secret_string(&view),
            "name=pg;type=postgres;provider=config;serializable=true;scope;dbname=app;password=redacted;port=abc"
        );
    }
}
