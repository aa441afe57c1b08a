//! From user input to validated secret fields.

use crate::error::{Choices, ModelError, Result};
use crate::types::{self, FieldKind, FieldSpec, ProviderSpec, TypeSpec};
use coffer_crypto::{SecretBytes, SecretString};
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A value as the user gave it, before validation. Text is held as a [`SecretString`] until
/// the field is known not to be sensitive.
#[derive(Debug)]
pub enum InputValue {
    /// Text (from the CLI every value is text).
    Text(SecretString),
    /// A boolean literal (SQL).
    Bool(bool),
    /// An integer literal (SQL).
    Int(i64),
    /// A map (`MAP {...}` in SQL, `--set field.KEY=value` on the CLI).
    Map(Vec<(String, SecretString)>),
}

/// A validated, non-sensitive field value, stored in clear.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FieldValue {
    /// A boolean.
    Bool(bool),
    /// An integer (ports).
    Int(i64),
    /// Text.
    Text(String),
    /// A text map, in the order given (DuckDB prints maps in their order).
    Map(IndexMap<String, String>),
}

impl FieldValue {
    /// The value as DuckDB's `Value::ToString` prints it.
    pub fn to_display(&self) -> String {
        match self {
            FieldValue::Bool(b) => b.to_string(),
            FieldValue::Int(i) => i.to_string(),
            FieldValue::Text(s) => s.clone(),
            FieldValue::Map(m) => {
                let items: Vec<String> = m.iter().map(|(k, v)| format!("{k}={v}")).collect();
                format!("{{{}}}", items.join(", "))
            }
        }
    }
}

/// A validated sensitive value: sealed at rest, never shown.
#[derive(Debug)]
pub enum SensitiveValue {
    /// A sensitive text field.
    Text(SecretString),
    /// A map whose every value is sensitive (flights `params`, `extra_http_headers`), in the
    /// order given (DuckDB keeps a MAP's order).
    Map(indexmap::IndexMap<String, SecretString>),
}

impl SensitiveValue {
    fn duplicate(&self) -> Self {
        match self {
            SensitiveValue::Text(s) => SensitiveValue::Text(s.duplicate()),
            SensitiveValue::Map(m) => SensitiveValue::Map(m.iter().map(|(k, v)| (k.clone(), v.duplicate())).collect()),
        }
    }
}

/// A secret's validated fields: public ones in clear, sensitive ones boxed.
#[derive(Debug, Default)]
pub struct SecretFields {
    /// Non-sensitive fields, lower-case names.
    pub public: BTreeMap<String, FieldValue>,
    /// Sensitive fields, lower-case names.
    pub sensitive: BTreeMap<String, SensitiveValue>,
}

impl SecretFields {
    /// An explicit deep copy (values stay boxed).
    pub fn duplicate(&self) -> Self {
        SecretFields {
            public: self.public.clone(),
            sensitive: self.sensitive.iter().map(|(k, v)| (k.clone(), v.duplicate())).collect(),
        }
    }

    /// The names of the sensitive values, as stored in clear beside the ciphertext so listings
    /// can print `key=redacted` without opening anything: `secret`, or `params.API_KEY`.
    pub fn sensitive_keys(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (k, v) in &self.sensitive {
            match v {
                SensitiveValue::Text(_) => out.push(k.clone()),
                SensitiveValue::Map(m) => out.extend(m.keys().map(|p| format!("{k}.{p}"))),
            }
        }
        out
    }

    /// Every sensitive value as (key path, value), for env injection and masking.
    pub fn sensitive_values(&self) -> Vec<(String, &SecretString)> {
        let mut out = Vec::new();
        for (k, v) in &self.sensitive {
            match v {
                SensitiveValue::Text(s) => out.push((k.clone(), s)),
                SensitiveValue::Map(m) => out.extend(m.iter().map(|(p, s)| (format!("{k}.{p}"), s))),
            }
        }
        out
    }

    /// Serializes the sensitive values into a zeroizing buffer: a sequence of
    /// (u32 length, key path, u32 length, value), keys as [`SecretFields::sensitive_keys`].
    pub fn sensitive_to_bytes(&self) -> SecretBytes {
        let values = self.sensitive_values();
        let size: usize = values.iter().map(|(k, v)| 8 + k.len() + v.len()).sum();
        let mut buf = SecretBytes::new(Vec::with_capacity(size));
        let out = buf.expose_secret_mut();
        for (k, v) in values {
            out.extend_from_slice(&(k.len() as u32).to_le_bytes());
            out.extend_from_slice(k.as_bytes());
            out.extend_from_slice(&(v.len() as u32).to_le_bytes());
            out.extend_from_slice(v.expose_secret().as_bytes());
        }
        buf
    }

    /// Parses what [`SecretFields::sensitive_to_bytes`] wrote into `self.sensitive`.
    ///
    /// # Errors
    /// A message (never a value) when the bytes are malformed.
    pub fn sensitive_from_bytes(bytes: &[u8]) -> std::result::Result<BTreeMap<String, SensitiveValue>, &'static str> {
        fn take<'a>(b: &mut &'a [u8]) -> std::result::Result<&'a [u8], &'static str> {
            if b.len() < 4 {
                return Err("truncated length");
            }
            let (len, rest) = b.split_at(4);
            let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
            if rest.len() < len {
                return Err("truncated value");
            }
            let (v, rest) = rest.split_at(len);
            *b = rest;
            Ok(v)
        }
        let mut out: BTreeMap<String, SensitiveValue> = BTreeMap::new();
        let mut b = bytes;
        while !b.is_empty() {
            let key = std::str::from_utf8(take(&mut b)?)
                .map_err(|_| "key is not UTF-8")?
                .to_string();
            let value = take(&mut b)?;
            let value = SecretString::new(
                std::str::from_utf8(value)
                    .map_err(|_| "value is not UTF-8")?
                    .to_string(),
            );
            match key.split_once('.') {
                Some((field, param)) => match out
                    .entry(field.to_string())
                    .or_insert_with(|| SensitiveValue::Map(indexmap::IndexMap::new()))
                {
                    SensitiveValue::Map(m) => {
                        m.insert(param.to_string(), value);
                    }
                    SensitiveValue::Text(_) => return Err("field is both text and map"),
                },
                None => {
                    out.insert(key, SensitiveValue::Text(value));
                }
            }
        }
        Ok(out)
    }
}

/// A validated secret definition (without name and storage).
#[derive(Debug)]
pub struct Validated {
    /// The type.
    pub ty: &'static TypeSpec,
    /// The provider.
    pub provider: &'static ProviderSpec,
    /// Scopes, the type's defaults applied when none were given, duplicates removed.
    pub scopes: Vec<String>,
    /// The fields.
    pub fields: SecretFields,
}

/// Looks up a type by name, with the error listing every valid type.
///
/// # Errors
/// [`ModelError::UnknownType`].
pub fn lookup_type(ty: &str) -> Result<&'static TypeSpec> {
    types::lookup(ty).ok_or_else(|| ModelError::UnknownType {
        given: ty.to_string(),
        valid: types::type_names().into_iter().collect(),
    })
}

/// Field-name aliases accepted for compatibility: pg_duckdb's `duckdb.secrets` column
/// `r2_account_id` is R2's `account_id`.
fn canonical_field(ty: &TypeSpec, field: &str) -> String {
    let lower = field.to_ascii_lowercase();
    match (ty.name, lower.as_str()) {
        ("r2", "r2_account_id") => "account_id".to_string(),
        _ => lower,
    }
}

/// Flights param keys follow the name rule of seed 002.
fn valid_param_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 128
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Validates a secret definition: type, provider, scopes and every field.
///
/// For `flights`, a key other than `params` is taken as one param (so the CLI's
/// `--set API_KEY=...` works); `params` takes a map.
///
/// # Errors
/// The first [`ModelError`] found, naming the field and what would be valid.
pub fn validate(
    ty: &str,
    provider: Option<&str>,
    scopes: Vec<String>,
    inputs: Vec<(String, InputValue)>,
) -> Result<Validated> {
    let ty = lookup_type(ty)?;
    let provider = match provider {
        None => ty.default_provider(),
        Some(p) => ty.provider(p).ok_or_else(|| ModelError::UnknownProvider {
            ty: ty.name.to_string(),
            given: p.to_string(),
            valid: ty.providers.iter().map(|p| p.name).collect(),
        })?,
    };
    let scopes = validate_scopes(ty, scopes)?;
    let mut fields = SecretFields::default();
    let mut seen: Vec<String> = Vec::new();
    let mut loose_params: BTreeMap<String, SecretString> = BTreeMap::new();
    for (raw_key, value) in inputs {
        let key = canonical_field(ty, &raw_key);
        if ty.is_flights() && key != "params" {
            if !valid_param_key(&raw_key) {
                return Err(ModelError::invalid(
                    ty.name,
                    &raw_key,
                    "param names must match [A-Za-z0-9._-]{1,128}",
                    None,
                ));
            }
            let text = text_of(ty, &raw_key, value)?;
            if loose_params.insert(raw_key.clone(), text).is_some() {
                return Err(ModelError::DuplicateField { field: raw_key });
            }
            continue;
        }
        if seen.contains(&key) {
            return Err(ModelError::DuplicateField { field: key });
        }
        let spec = provider.field(&key).ok_or_else(|| ModelError::UnknownField {
            ty: ty.name.to_string(),
            provider: provider.name.to_string(),
            field: raw_key.clone(),
            valid: provider.fields.iter().map(|f| f.name).collect(),
        })?;
        seen.push(key.clone());
        store_field(ty, spec, value, &mut fields)?;
    }
    if !loose_params.is_empty() {
        let mut params = match fields.sensitive.remove("params") {
            Some(SensitiveValue::Map(m)) => m,
            _ => indexmap::IndexMap::new(),
        };
        for (k, v) in loose_params {
            if params.contains_key(&k) {
                return Err(ModelError::DuplicateField { field: k });
            }
            params.insert(k, v);
        }
        fields.sensitive.insert("params".into(), SensitiveValue::Map(params));
    }
    apply_duckdb_derived(ty, &mut fields);
    check_required(ty, provider, &fields)?;
    Ok(Validated {
        ty,
        provider,
        scopes,
        fields,
    })
}

fn validate_scopes(ty: &TypeSpec, scopes: Vec<String>) -> Result<Vec<String>> {
    if scopes.is_empty() {
        return Ok(ty.default_scopes.iter().map(|s| s.to_string()).collect());
    }
    let mut out: Vec<String> = Vec::new();
    for scope in scopes {
        if scope.len() > 2048 {
            return Err(ModelError::InvalidScope {
                scope: scope.chars().take(64).collect(),
                rule: "a scope is at most 2048 bytes".into(),
            });
        }
        if scope.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(ModelError::InvalidScope {
                scope,
                rule:
                    "a scope is a URL prefix such as s3://bucket/path and may not contain spaces or control characters"
                        .into(),
            });
        }
        if !out.contains(&scope) {
            out.push(scope);
        }
    }
    Ok(out)
}

fn text_of(ty: &TypeSpec, field: &str, value: InputValue) -> Result<SecretString> {
    match value {
        InputValue::Text(t) => Ok(t),
        // DuckDB casts numbers and booleans given for text options to text.
        InputValue::Int(i) => Ok(SecretString::new(i.to_string())),
        InputValue::Bool(b) => Ok(SecretString::new(b.to_string())),
        InputValue::Map(_) => Err(ModelError::invalid(ty.name, field, "expected text, not a map", None)),
    }
}

/// Text to boolean as DuckDB casts VARCHAR to BOOLEAN: true/t/yes/y/1 and false/f/no/n/0 in
/// any case, and any other number (non-zero is true).
fn parse_bool(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "t" | "yes" | "y" | "1" => Some(true),
        "false" | "f" | "no" | "n" | "0" => Some(false),
        other => other.parse::<f64>().ok().filter(|f| f.is_finite()).map(|f| f != 0.0),
    }
}

fn store_field(ty: &TypeSpec, spec: &FieldSpec, value: InputValue, fields: &mut SecretFields) -> Result<()> {
    let name = spec.name;
    let shown = |t: &str| if spec.sensitive { None } else { Some(t.to_string()) };
    match spec.kind {
        FieldKind::Map => {
            let InputValue::Map(entries) = value else {
                return Err(ModelError::invalid(ty.name, name, spec.kind.rule(), None));
            };
            // A NUL would cut the value short in an environment variable or a C string.
            if let Some((k, _)) = entries
                .iter()
                .find(|(k, v)| k.contains('\0') || v.expose_secret().contains('\0'))
            {
                return Err(ModelError::invalid(
                    ty.name,
                    &format!("{name}.{}", k.replace('\0', "\\0")),
                    "map keys and values may not contain NUL characters",
                    None,
                ));
            }
            if spec.sensitive {
                let mut m = indexmap::IndexMap::new();
                for (k, v) in entries {
                    if ty.is_flights() && !valid_param_key(&k) {
                        return Err(ModelError::invalid(
                            ty.name,
                            &k,
                            "param names must match [A-Za-z0-9._-]{1,128}",
                            None,
                        ));
                    }
                    if m.insert(k.clone(), v).is_some() {
                        return Err(ModelError::DuplicateField {
                            field: format!("{name}.{k}"),
                        });
                    }
                }
                fields.sensitive.insert(name.into(), SensitiveValue::Map(m));
            } else {
                let m = entries.into_iter().map(|(k, v)| (k, v.declassify())).collect();
                fields.public.insert(name.into(), FieldValue::Map(m));
            }
        }
        FieldKind::Bool => {
            let b = match value {
                InputValue::Bool(b) => b,
                InputValue::Text(t) => {
                    let t = t.declassify();
                    parse_bool(&t).ok_or_else(|| ModelError::invalid(ty.name, name, spec.kind.rule(), Some(&t)))?
                }
                InputValue::Int(i) => i != 0,
                InputValue::Map(_) => return Err(ModelError::invalid(ty.name, name, spec.kind.rule(), Some("a map"))),
            };
            fields.public.insert(name.into(), FieldValue::Bool(b));
        }
        FieldKind::Port => {
            let (n, shown_text) = match value {
                InputValue::Int(i) => (Some(i), i.to_string()),
                InputValue::Text(t) => {
                    let t = t.declassify();
                    (t.trim().parse::<i64>().ok(), t)
                }
                InputValue::Bool(b) => (None, b.to_string()),
                InputValue::Map(_) => (None, "a map".to_string()),
            };
            match n {
                // 0: the client library's default port (DuckDB's MySQL docs write `PORT 0`).
                Some(p) if (0..=65535).contains(&p) => {
                    fields.public.insert(name.into(), FieldValue::Int(p));
                }
                _ => return Err(ModelError::invalid(ty.name, name, spec.kind.rule(), Some(&shown_text))),
            }
        }
        FieldKind::OneOf(choices) => {
            let t = text_of(ty, name, value)?.declassify();
            let lower = t.to_ascii_lowercase();
            if !choices.contains(&lower.as_str()) {
                return Err(ModelError::invalid(ty.name, name, spec.kind.rule(), Some(&t)));
            }
            // Checked case-insensitively, kept as written (DuckDB prints url_style=PATH as given).
            fields.public.insert(name.into(), FieldValue::Text(t));
        }
        FieldKind::Text => {
            let t = text_of(ty, name, value)?;
            if t.expose_secret().chars().any(|c| c == '\0') {
                return Err(ModelError::invalid(
                    ty.name,
                    name,
                    "text may not contain NUL characters",
                    shown(t.expose_secret()).as_deref(),
                ));
            }
            if spec.sensitive {
                fields.sensitive.insert(name.into(), SensitiveValue::Text(t));
            } else {
                fields.public.insert(name.into(), FieldValue::Text(t.declassify()));
            }
        }
    }
    Ok(())
}

/// Fields DuckDB's httpfs sets itself for R2 secrets (an endpoint from the account id and
/// path-style URLs), so `duckdb_secrets()` shows the same strings here as in DuckDB 1.5.5.
fn apply_duckdb_derived(ty: &TypeSpec, fields: &mut SecretFields) {
    let set_default = |fields: &mut SecretFields, k: &str, v: String| {
        fields.public.entry(k.to_string()).or_insert(FieldValue::Text(v));
    };
    // DuckDB derives both from the account id only: an R2 secret without one has neither.
    if ty.name == "r2" {
        if let Some(FieldValue::Text(account)) = fields.public.get("account_id").cloned() {
            set_default(fields, "endpoint", format!("{account}.r2.cloudflarestorage.com"));
            set_default(fields, "url_style", "path".into());
        }
    }
}

fn is_set(fields: &SecretFields, name: &str) -> bool {
    fields.public.contains_key(name) || fields.sensitive.contains_key(name)
}

fn check_required(ty: &TypeSpec, provider: &ProviderSpec, fields: &SecretFields) -> Result<()> {
    if provider.required.is_empty()
        || provider
            .required
            .iter()
            .any(|alt| alt.iter().all(|f| is_set(fields, f)))
    {
        return Ok(());
    }
    // Report the first missing field of the alternative closest to being complete.
    let alt = provider
        .required
        .iter()
        .min_by_key(|alt| alt.iter().filter(|f| !is_set(fields, f)).count())
        .copied()
        .unwrap_or(&[]);
    let field = alt.iter().find(|f| !is_set(fields, f)).copied().unwrap_or("");
    let hint = if provider.required.len() > 1 {
        let alts: Vec<String> = provider.required.iter().map(|a| a.join(" + ")).collect();
        format!("; set one of: {}", Choices(alts).to_string().replace(", ", " | "))
    } else {
        format!("; required: {}", alt.join(", "))
    };
    // A flights secret's params: what to do is a Hint (ModelError::hint), worded by each front end.
    let hint = if ty.is_flights() { String::new() } else { hint };
    Err(ModelError::MissingField {
        ty: ty.name.to_string(),
        provider: provider.name.to_string(),
        field: field.to_string(),
        hint,
    })
}

/// Public field values of a stored secret that its type now marks sensitive: a secret stored
/// before a field became sensitive (`extra_http_headers` of s3, r2 and gcs) keeps the values
/// in its public fields until it is replaced. Split them out, so that they are treated as
/// sensitive everywhere (never shown, redacted, masked in runs): returns the public fields
/// without them and the moved ones as sensitive values.
pub fn split_legacy_sensitive(
    ty: &str,
    public: &BTreeMap<String, FieldValue>,
) -> (BTreeMap<String, FieldValue>, BTreeMap<String, SensitiveValue>) {
    let Some(spec) = types::lookup(ty) else {
        return (public.clone(), BTreeMap::new());
    };
    let sensitive_now = |name: &str| {
        spec.providers
            .iter()
            .any(|p| p.fields.iter().any(|f| f.name == name && f.sensitive))
    };
    let mut kept = BTreeMap::new();
    let mut moved = BTreeMap::new();
    for (k, v) in public {
        if !sensitive_now(k) {
            kept.insert(k.clone(), v.clone());
            continue;
        }
        let value = match v {
            FieldValue::Map(m) => SensitiveValue::Map(
                m.iter()
                    .map(|(mk, mv)| (mk.clone(), SecretString::new(mv.clone())))
                    .collect(),
            ),
            other => SensitiveValue::Text(SecretString::new(other.to_display())),
        };
        moved.insert(k.clone(), value);
    }
    (kept, moved)
}

/// A stored secret's public fields and sensitive keys as they are shown: with the values of
/// [`split_legacy_sensitive`] out of the public fields and their keys among the sensitive ones.
pub fn shown_fields(
    ty: &str,
    public: &BTreeMap<String, FieldValue>,
    sensitive_keys: &[String],
) -> (BTreeMap<String, FieldValue>, Vec<String>) {
    let (kept, moved) = split_legacy_sensitive(ty, public);
    if moved.is_empty() {
        return (kept, sensitive_keys.to_vec());
    }
    let mut keys = sensitive_keys.to_vec();
    keys.extend(
        SecretFields {
            public: BTreeMap::new(),
            sensitive: moved,
        }
        .sensitive_keys(),
    );
    (kept, keys)
}

#[cfg(test)]
mod legacy_tests {
    use super::*;

    #[test]
    fn header_values_stored_as_public_fields_become_sensitive() {
        let mut public = BTreeMap::new();
        public.insert("region".to_string(), FieldValue::Text("us-east-1".into()));
        let mut headers = IndexMap::new();
        headers.insert("Authorization".to_string(), "Bearer legacy-token".to_string());
        public.insert("extra_http_headers".to_string(), FieldValue::Map(headers));
        let (kept, moved) = split_legacy_sensitive("s3", &public);
        assert_eq!(kept.keys().collect::<Vec<_>>(), ["region"]);
        match moved.get("extra_http_headers") {
            Some(SensitiveValue::Map(m)) => {
                assert_eq!(
                    m.get("Authorization").map(|v| v.expose_secret()),
                    Some("Bearer legacy-token")
                )
            }
            other => panic!("not moved: {other:?}"),
        }
        let (kept, moved) = split_legacy_sensitive("postgres", &kept);
        assert_eq!(kept.len(), 1);
        assert!(moved.is_empty());
    }
}
