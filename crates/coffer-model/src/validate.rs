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

/// coffer's own field-name aliases: pg_duckdb's `duckdb.secrets` column `r2_account_id` is
/// R2's `account_id` (DuckDB refuses it). Given with the field it names, it is a duplicate.
/// DuckDB's aliases (postgres `database`) are [`types::field_alias`].
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
        // An alias and the field it names are two parameters to DuckDB: both may be given, and
        // the later one wins (DuckDB 1.5.5's postgres extension: `DATABASE 'a', DBNAME 'b'` is
        // dbname=b, `DBNAME 'b', DATABASE 'a'` is dbname=a).
        let field = types::field_alias(ty.name, &key).unwrap_or(&key);
        let spec = provider.field(field).ok_or_else(|| ModelError::UnknownField {
            ty: ty.name.to_string(),
            provider: provider.name.to_string(),
            field: raw_key.clone(),
            valid: provider.fields.iter().map(|f| f.name).collect(),
        })?;
        seen.push(key.clone());
        fields.public.remove(spec.name);
        fields.sensitive.remove(spec.name);
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
    check_aws_chain(ty, provider, &fields)?;
    apply_duckdb_derived(ty, provider, &mut fields);
    check_required(ty, provider, &fields)?;
    Ok(Validated {
        ty,
        provider,
        scopes,
        fields,
    })
}

fn validate_scopes(ty: &TypeSpec, scopes: Vec<String>) -> Result<Vec<String>> {
    // DuckDB's postgres and mysql extensions drop a SCOPE unread.
    if !ty.keeps_scope {
        return Ok(Vec::new());
    }
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
            // Stored unchecked, as DuckDB's postgres and mysql extensions store it (VARCHAR):
            // `PORT 70000` and `PORT 'abc'` are taken, and the connection fails at ATTACH. An
            // integer (or text that is one, as written) stays an integer; any other text is
            // kept as written, so the secret string shows what DuckDB shows.
            let value = match value {
                InputValue::Int(i) => FieldValue::Int(i),
                other => {
                    let t = text_of(ty, name, other)?.declassify();
                    match t.parse::<i64>() {
                        Ok(i) if i.to_string() == t => FieldValue::Int(i),
                        _ if t.contains('\0') => {
                            return Err(ModelError::invalid(
                                ty.name,
                                name,
                                "text may not contain NUL characters",
                                None,
                            ))
                        }
                        _ => FieldValue::Text(t),
                    }
                }
            };
            fields.public.insert(name.into(), value);
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

/// Fields DuckDB sets itself, so `duckdb_secrets()` shows the same strings here as in DuckDB
/// 1.5.5: httpfs derives an R2 config secret's endpoint and path-style URLs from its account
/// id; the aws extension gives a credential_chain secret an endpoint (s3.amazonaws.com,
/// storage.googleapis.com, or R2's from its account id) and path-style URLs (gcs, r2) when
/// none or an empty one was given (aws_secret.cpp, `CreateAWSSecretFromCredentialChain`).
fn apply_duckdb_derived(ty: &TypeSpec, provider: &ProviderSpec, fields: &mut SecretFields) {
    let account = match fields.public.get("account_id") {
        Some(FieldValue::Text(a)) => Some(a.clone()),
        Some(other) => Some(other.to_display()),
        None => None,
    };
    let r2_endpoint = |a: &str| format!("{a}.r2.cloudflarestorage.com");
    if provider.name == "credential_chain" && matches!(ty.name, "s3" | "r2" | "gcs") {
        let unset = |fields: &SecretFields, k: &str| fields.public.get(k).is_none_or(|v| v.to_display().is_empty());
        let endpoint = match ty.name {
            "s3" => Some("s3.amazonaws.com".to_string()),
            "gcs" => Some("storage.googleapis.com".to_string()),
            _ => account.as_deref().map(r2_endpoint),
        };
        if let Some(e) = endpoint.filter(|_| unset(fields, "endpoint")) {
            fields.public.insert("endpoint".into(), FieldValue::Text(e));
        }
        if ty.name != "s3" && unset(fields, "url_style") {
            fields
                .public
                .insert("url_style".into(), FieldValue::Text("path".into()));
        }
        return;
    }
    // httpfs derives both from the account id only: an R2 secret without one has neither.
    if ty.name == "r2" {
        if let Some(account) = account {
            let set_default = |fields: &mut SecretFields, k: &str, v: String| {
                fields.public.entry(k.to_string()).or_insert(FieldValue::Text(v));
            };
            set_default(fields, "endpoint", r2_endpoint(&account));
            set_default(fields, "url_style", "path".into());
        }
    }
}

/// The items of a CHAIN as DuckDB's aws extension reads them: split at `;` as C++'s `getline`
/// does (a trailing `;` ends the list; an empty item elsewhere is an item, and unknown).
pub fn aws_chain_items(chain: &str) -> Vec<&str> {
    let mut items: Vec<&str> = chain.split(';').collect();
    if items.last() == Some(&"") {
        items.pop();
    }
    items
}

/// The checks DuckDB 1.5.5's aws extension makes when it creates a credential_chain secret of
/// s3, r2 or gcs that do not depend on the environment, in its order: ASSUME_ROLE_ARN needs a
/// CHAIN, VALIDATION is `exists` or `none`, and each CHAIN item is one of
/// [`types::AWS_CHAIN_ITEMS`] (`sts` only with ASSUME_ROLE_ARN). Whether the chain finds a key
/// is checked where the secret is used (README, "credential_chain takes someone's identity").
fn check_aws_chain(ty: &TypeSpec, provider: &ProviderSpec, fields: &SecretFields) -> Result<()> {
    if provider.name != "credential_chain" || !matches!(ty.name, "s3" | "r2" | "gcs") {
        return Ok(());
    }
    let text = |k: &str| fields.public.get(k).map(FieldValue::to_display).unwrap_or_default();
    let (chain, role, validation) = (text("chain"), text("assume_role_arn"), text("validation"));
    let chains = types::AWS_CHAIN_ITEMS.join(", ");
    if !role.is_empty() && chain.is_empty() {
        return Err(ModelError::invalid_as_duckdb(
            ty.name,
            "assume_role_arn",
            format!("ASSUME_ROLE_ARN is assumed through a CHAIN: add CHAIN 'sts' (or 'config', for a profile's role; one of {chains})"),
            "Must pass CHAIN value when passing ASSUME_ROLE_ARN",
        ));
    }
    let mode = validation.to_ascii_lowercase();
    if !mode.is_empty() && !types::AWS_VALIDATION_MODES.contains(&mode.as_str()) {
        return Err(ModelError::invalid_as_duckdb(
            ty.name,
            "validation",
            format!(
                "expected one of: {} ('none' takes the secret even when the chain finds no key), got '{validation}'",
                types::AWS_VALIDATION_MODES.join(", ")
            ),
            format!("Invalid Input Error: Unknown AWS validation mode: `{mode}`"),
        ));
    }
    for item in aws_chain_items(&chain) {
        if item == "sts" && role.is_empty() {
            return Err(ModelError::invalid_as_duckdb(
                ty.name,
                "chain",
                "the chain item 'sts' assumes the role ASSUME_ROLE_ARN names: set ASSUME_ROLE_ARN, or use CHAIN 'config' for a profile that assumes a role",
                "Chain value 'STS' is only supported with an ASSUME_ROLE_ARN value. If the selected profile uses STS, add \"CHAIN 'config'\"",
            ));
        }
        if !types::AWS_CHAIN_ITEMS.contains(&item) {
            return Err(ModelError::invalid_as_duckdb(
                ty.name,
                "chain",
                format!("'{item}' is not a credential chain provider; CHAIN is a ';'-separated list of: {chains} (lower-case, no spaces)"),
                format!("Invalid Input Error: Unknown provider found while parsing AWS credential chain string: '{item}'"),
            ));
        }
    }
    Ok(())
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
    fn chain_items_split_as_duckdb_reads_them() {
        assert_eq!(aws_chain_items(""), Vec::<&str>::new());
        assert_eq!(aws_chain_items("env"), ["env"]);
        assert_eq!(aws_chain_items("env;"), ["env"]);
        assert_eq!(aws_chain_items("env;;config"), ["env", "", "config"]);
        assert_eq!(aws_chain_items(";"), [""]);
        assert_eq!(aws_chain_items("sso;process"), ["sso", "process"]);
    }

    #[test]
    fn a_certificate_path_stored_in_clear_becomes_sensitive() {
        let mut public = BTreeMap::new();
        public.insert(
            "client_certificate_path".to_string(),
            FieldValue::Text("/etc/ssl/c.pem".into()),
        );
        public.insert("tenant_id".to_string(), FieldValue::Text("t".into()));
        let (kept, keys) = shown_fields("azure", &public, &[]);
        assert_eq!(kept.keys().collect::<Vec<_>>(), ["tenant_id"]);
        assert_eq!(keys, ["client_certificate_path"]);
    }

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
