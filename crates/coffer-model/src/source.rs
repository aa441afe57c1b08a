//! Data sources: a database or lake a project's DuckDB attaches under a name, with a coffer
//! secret for its credentials (seed 002: secrets "referenced by name in data source and
//! catalog configurations"). A definition holds no credential: a credential-looking option is
//! refused, pointing at secrets. [`attach_sql`] renders DuckDB's `ATTACH` for one.
//!
//! | type | attached as | secret |
//! |---|---|---|
//! | `postgres` | `ATTACH 'PATH' AS name (TYPE postgres, SECRET s[, SCHEMA 'x'], READ_ONLY)` | a postgres secret |
//! | `mysql` | `ATTACH 'PATH' AS name (TYPE mysql, SECRET s, READ_ONLY)` | a mysql secret |
//! | `sqlite` | `ATTACH 'PATH' AS name (TYPE sqlite, READ_ONLY)` | none (a local file) |
//! | `ducklake` | `ATTACH 'ducklake:PATH' AS name (DATA_PATH 'd', METADATA_PARAMETERS MAP {'TYPE': 'postgres', 'SECRET': 's'}, READ_ONLY)` | the catalog's postgres secret (data files: by scope) |
//! | `iceberg` | `ATTACH 'PATH' AS name (TYPE iceberg, SECRET s, ENDPOINT 'e', ...)` | the catalog's secret |
//! | `s3` | `ATTACH 's3://bucket/db.duckdb' AS name (READ_ONLY)` | the s3 secret whose scope covers the path |

use crate::error::{ModelError, Result};
use std::collections::BTreeMap;

/// A data source's definition as given (by the CLI, the API or SQL), before validation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SourceSpec {
    /// The name DuckDB attaches it under (`warehouse` in `warehouse.public.orders`).
    pub name: String,
    /// `postgres`, `mysql`, `sqlite`, `ducklake`, `iceberg` or `s3`.
    pub source_type: String,
    /// The coffer secret holding its credentials (none for `sqlite`).
    pub secret: Option<String>,
    /// The type's options (`path`, `schema`, `data_path`, `endpoint`, ...), lower-case keys.
    pub options: BTreeMap<String, String>,
    /// Attached read-only (the default) or read-write.
    pub read_only: bool,
}

/// What a source type takes.
struct TypeRule {
    name: &'static str,
    /// Options it accepts; the first ones listed in `required` must be given.
    options: &'static [&'static str],
    required: &'static [&'static str],
    /// Whether it needs a secret, and of which coffer type (checked by the service).
    secret_type: Option<&'static str>,
    /// The DuckDB extension it needs.
    extension: &'static str,
}

const TYPES: &[TypeRule] = &[
    TypeRule {
        name: "postgres",
        options: &["path", "schema"],
        required: &[],
        secret_type: Some("postgres"),
        extension: "postgres_scanner",
    },
    TypeRule {
        name: "mysql",
        options: &["path"],
        required: &[],
        secret_type: Some("mysql"),
        extension: "mysql_scanner",
    },
    TypeRule {
        name: "sqlite",
        options: &["path"],
        required: &["path"],
        secret_type: None,
        extension: "sqlite_scanner",
    },
    TypeRule {
        name: "ducklake",
        options: &["path", "data_path", "metadata_schema"],
        required: &["path", "data_path"],
        secret_type: Some("postgres"),
        extension: "ducklake",
    },
    TypeRule {
        name: "iceberg",
        options: &["path", "endpoint", "endpoint_type", "authorization_type"],
        required: &["path"],
        secret_type: Some("s3"),
        extension: "iceberg",
    },
    TypeRule {
        name: "s3",
        options: &["path"],
        required: &["path"],
        secret_type: Some("s3"),
        extension: "httpfs",
    },
];

/// The source types, for messages.
pub fn source_types() -> Vec<&'static str> {
    TYPES.iter().map(|t| t.name).collect()
}

fn rule(ty: &str) -> Option<&'static TypeRule> {
    TYPES.iter().find(|t| t.name.eq_ignore_ascii_case(ty))
}

/// The coffer secret type a source of `source_type` takes (`None`: none, or an unknown type).
pub fn secret_type_of(source_type: &str) -> Option<&'static str> {
    rule(source_type).and_then(|t| t.secret_type)
}

/// The DuckDB extension a source of `source_type` needs.
pub fn extension_of(source_type: &str) -> Option<&'static str> {
    rule(source_type).map(|t| t.extension)
}

/// DuckDB's own catalog names, which a source may not take.
const TAKEN: &[&str] = &["memory", "system", "temp", "main", "information_schema", "pg_catalog"];

fn invalid(field: &str, rule: impl Into<String>) -> ModelError {
    ModelError::InvalidSource {
        field: field.to_string(),
        rule: rule.into(),
    }
}

/// Words of an option's key or value that mean a credential is being put in the definition.
fn credential_like(key: &str, value: &str) -> Option<&'static str> {
    let k = key.to_ascii_lowercase();
    for word in [
        "password",
        "passwd",
        "secret",
        "token",
        "key_id",
        "access_key",
        "api_key",
        "credential",
    ] {
        if k.contains(word) {
            return Some("its name says it holds a credential");
        }
    }
    let v = value.to_ascii_lowercase();
    if ["password=", "passwd=", "pwd=", "sslpassword=", "token=", "secret="]
        .iter()
        .any(|w| v.contains(w))
    {
        return Some("it holds a password or token");
    }
    // user:password@host in a URL.
    if let Some((_, rest)) = v.split_once("://") {
        let authority = rest.split(['/', '?']).next().unwrap_or_default();
        if authority
            .rsplit_once('@')
            .is_some_and(|(userinfo, _)| userinfo.contains(':'))
        {
            return Some("its URL holds a password");
        }
    }
    None
}

/// Checks `spec` and returns it normalised: the name, type and option keys lower-case, the
/// type's required options given, no option it does not take, no credential in it.
///
/// # Errors
/// [`ModelError::InvalidSource`] naming the field at fault and the rule.
pub fn validate_source(spec: &SourceSpec) -> Result<SourceSpec> {
    let name = spec.name.to_ascii_lowercase();
    let ident = !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !ident {
        return Err(invalid(
            "name",
            format!(
                "'{}' is not a DuckDB catalog name: 1 to 63 letters, digits and '_', not starting with a digit",
                spec.name
            ),
        ));
    }
    if TAKEN.contains(&name.as_str()) {
        return Err(invalid(
            "name",
            format!("'{name}' is one of DuckDB's own catalogs; choose another name"),
        ));
    }
    let Some(rule) = rule(&spec.source_type) else {
        return Err(invalid(
            "type",
            format!(
                "unknown source type '{}'; valid types: {}",
                spec.source_type,
                source_types().join(", ")
            ),
        ));
    };
    let mut options = BTreeMap::new();
    for (k, v) in &spec.options {
        let key = k.to_ascii_lowercase();
        if let Some(why) = credential_like(&key, v) {
            return Err(invalid(
                &format!("option '{key}'"),
                format!(
                    "{why}; a data source holds no credential: put it in a coffer secret (coffer secret create NAME --type {} ...) and name that with --secret",
                    rule.secret_type.unwrap_or("postgres")
                ),
            ));
        }
        if !rule.options.contains(&key.as_str()) {
            return Err(invalid(
                &format!("option '{key}'"),
                format!(
                    "a {} source takes no option '{key}'; valid options: {}",
                    rule.name,
                    rule.options.join(", ")
                ),
            ));
        }
        if v.contains('\0') {
            return Err(invalid(
                &format!("option '{key}'"),
                "a value may not hold a NUL character",
            ));
        }
        if options.insert(key.clone(), v.clone()).is_some() {
            return Err(invalid(
                &format!("option '{key}'"),
                "given more than once; give each option once",
            ));
        }
    }
    for r in rule.required {
        if !options.contains_key(*r) {
            return Err(invalid(
                &format!("option '{r}'"),
                format!("a {} source needs --option {r}=...", rule.name),
            ));
        }
    }
    let secret = match (&spec.secret, rule.secret_type) {
        (Some(s), Some(_)) if !s.is_empty() => Some(s.clone()),
        (Some(s), None) if !s.is_empty() => {
            return Err(invalid(
                "secret",
                format!("a {} source is a local file and takes no secret", rule.name),
            ))
        }
        (_, Some(ty)) => {
            return Err(invalid(
                "secret",
                format!("a {} source needs --secret NAME (a coffer {ty} secret)", rule.name),
            ))
        }
        (_, None) => None,
    };
    if rule.name == "s3" {
        let path = options.get("path").map(String::as_str).unwrap_or_default();
        if !path.starts_with("s3://") {
            return Err(invalid(
                "option 'path'",
                format!("'{path}' is not an s3:// URL of a DuckDB database file"),
            ));
        }
    }
    Ok(SourceSpec {
        name,
        source_type: rule.name.to_string(),
        secret,
        options,
        read_only: spec.read_only,
    })
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// DuckDB's `ATTACH` of a validated source.
pub fn attach_sql(spec: &SourceSpec) -> String {
    let opt = |k: &str| spec.options.get(k).map(String::as_str);
    let path = opt("path").unwrap_or_default();
    let secret = spec.secret.as_deref().map(ident);
    let mut parts: Vec<String> = Vec::new();
    let target = match spec.source_type.as_str() {
        "ducklake" => {
            if let Some(d) = opt("data_path") {
                parts.push(format!("DATA_PATH {}", quote(d)));
            }
            if let Some(m) = opt("metadata_schema") {
                parts.push(format!("METADATA_SCHEMA {}", quote(m)));
            }
            if let Some(s) = &spec.secret {
                parts.push(format!(
                    "METADATA_PARAMETERS MAP {{'TYPE': 'postgres', 'SECRET': {}}}",
                    quote(s)
                ));
            }
            format!("ducklake:{path}")
        }
        "s3" => path.to_string(),
        ty => {
            parts.push(format!("TYPE {ty}"));
            if let Some(s) = &secret {
                parts.push(format!("SECRET {s}"));
            }
            for k in ["schema", "endpoint", "endpoint_type", "authorization_type"] {
                if let Some(v) = opt(k) {
                    parts.push(format!("{} {}", k.to_ascii_uppercase(), quote(v)));
                }
            }
            path.to_string()
        }
    };
    if spec.read_only {
        parts.push("READ_ONLY".into());
    }
    let options = if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    };
    format!("ATTACH {} AS {}{options}", quote(&target), ident(&spec.name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, ty: &str, secret: Option<&str>, options: &[(&str, &str)]) -> SourceSpec {
        SourceSpec {
            name: name.into(),
            source_type: ty.into(),
            secret: secret.map(String::from),
            options: options.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            read_only: true,
        }
    }

    #[test]
    fn attaches_as_duckdb_takes_it() {
        let pg = validate_source(&spec("Warehouse", "POSTGRES", Some("pg_prod"), &[("SCHEMA", "public")])).expect("ok");
        assert_eq!(
            attach_sql(&pg),
            "ATTACH '' AS \"warehouse\" (TYPE postgres, SECRET \"pg_prod\", SCHEMA 'public', READ_ONLY)"
        );
        let mut lake = validate_source(&spec(
            "lake",
            "ducklake",
            Some("catalog"),
            &[("path", "dbname=lake"), ("data_path", "s3://bucket/lake/")],
        ))
        .expect("ok");
        lake.read_only = false;
        assert_eq!(
            attach_sql(&lake),
            "ATTACH 'ducklake:dbname=lake' AS \"lake\" (DATA_PATH 's3://bucket/lake/', METADATA_PARAMETERS MAP {'TYPE': 'postgres', 'SECRET': 'catalog'})"
        );
        let s3 = validate_source(&spec("files", "s3", Some("s3sec"), &[("path", "s3://b/x.duckdb")])).expect("ok");
        assert_eq!(attach_sql(&s3), "ATTACH 's3://b/x.duckdb' AS \"files\" (READ_ONLY)");
        let lite = validate_source(&spec("local", "sqlite", None, &[("path", "/data/it's.db")])).expect("ok");
        assert_eq!(
            attach_sql(&lite),
            "ATTACH '/data/it''s.db' AS \"local\" (TYPE sqlite, READ_ONLY)"
        );
    }

    #[test]
    fn bad_definitions_say_which_field_and_rule() {
        for (s, field, words) in [
            (spec("1x", "postgres", Some("p"), &[]), "name", "catalog name"),
            (spec("memory", "postgres", Some("p"), &[]), "name", "DuckDB's own"),
            (spec("w", "oracle", Some("p"), &[]), "type", "valid types: postgres"),
            (spec("w", "postgres", None, &[]), "secret", "--secret NAME"),
            (
                spec("w", "sqlite", Some("p"), &[("path", "/x.db")]),
                "secret",
                "takes no secret",
            ),
            (spec("w", "sqlite", None, &[]), "option 'path'", "--option path="),
            (
                spec("w", "postgres", Some("p"), &[("password", "x")]),
                "option 'password'",
                "coffer secret",
            ),
            (
                spec("w", "postgres", Some("p"), &[("path", "host=db password=hunter2")]),
                "option 'path'",
                "holds a password",
            ),
            (
                spec("w", "s3", Some("p"), &[("path", "s3://AKIA:abc@b/x.duckdb")]),
                "option 'path'",
                "URL holds a password",
            ),
            (
                spec("w", "mysql", Some("p"), &[("schema", "x")]),
                "option 'schema'",
                "valid options: path",
            ),
            (
                spec("w", "s3", Some("p"), &[("path", "/local.duckdb")]),
                "option 'path'",
                "s3:// URL",
            ),
        ] {
            let e = validate_source(&s).expect_err("invalid");
            let text = e.to_string();
            assert!(text.contains(field) && text.contains(words), "{text}");
            assert!(!text.contains("hunter2"), "{text}");
        }
    }
}
