//! How secrets become environment variables, as MotherDuck names them (seed 003): secret
//! `my_api_secret` with key `API_KEY` gives `MY_API_SECRET_API_KEY`. Every character outside
//! `[A-Za-z0-9_]` becomes `_`. A `generic` secret (seed 002) is one variable named exactly as
//! the secret (`DATABASE_URL`, `api.key`). Two sources that map to one variable are an error,
//! never a silent overwrite. Variables that steer a loader, shell or interpreter are refused
//! by the rules of [`crate::reserved`], re-exported here.

use crate::error::{ModelError, Result};
use crate::validate::{FieldValue, SecretFields, SensitiveValue};
use coffer_crypto::SecretString;
use std::collections::BTreeMap;

pub use crate::reserved::{check_not_reserved, reserved_var, ReservedRule, RESERVED_VARS};

/// One variable for a run's environment.
#[derive(Debug)]
pub struct EnvVar {
    /// The variable's name.
    pub name: String,
    /// Where it comes from, for error messages: `secret 'a' key 'API_KEY'`.
    pub source: String,
    /// The value.
    pub value: SecretString,
    /// Whether the value is sensitive (masked in logs).
    pub sensitive: bool,
}

/// `SECRET_KEY` upper-cased, every character outside `[A-Za-z0-9_]` replaced by `_`.
pub fn var_name(secret: &str, key: &str) -> String {
    format!("{secret}_{key}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

fn public_text(v: &FieldValue) -> String {
    match v {
        FieldValue::Text(t) => t.clone(),
        other => other.to_display(),
    }
}

/// The variables of one opened secret: every field (maps flattened as `FIELD_KEY`; the
/// `params` map of a `flights` secret as plain `KEY`), or for a `generic` secret its one value
/// under the secret's own name.
pub fn secret_vars(secret: &str, secret_type: &str, fields: &SecretFields) -> Vec<EnvVar> {
    let mut out = Vec::new();
    let src = |key: &str| format!("secret '{secret}' key '{key}'");
    if secret_type == "generic" {
        if let Some(SensitiveValue::Text(v)) = fields.sensitive.get("value") {
            out.push(EnvVar {
                name: secret.to_string(),
                source: format!("secret '{secret}'"),
                value: v.duplicate(),
                sensitive: true,
            });
        }
        return out;
    }
    for (k, v) in &fields.public {
        match v {
            FieldValue::Map(m) => {
                for (mk, mv) in m {
                    let key = format!("{k}_{mk}");
                    out.push(EnvVar {
                        name: var_name(secret, &key),
                        source: src(&format!("{k}.{mk}")),
                        value: SecretString::from(mv.as_str()),
                        sensitive: false,
                    });
                }
            }
            other => out.push(EnvVar {
                name: var_name(secret, k),
                source: src(k),
                value: SecretString::from(public_text(other).as_str()),
                sensitive: false,
            }),
        }
    }
    for (k, v) in &fields.sensitive {
        match v {
            SensitiveValue::Text(s) => out.push(EnvVar {
                name: var_name(secret, k),
                source: src(k),
                value: s.duplicate(),
                sensitive: true,
            }),
            SensitiveValue::Map(m) => {
                for (mk, mv) in m {
                    // flights `params` keys stand alone: MY_API_SECRET_API_KEY.
                    let key = if secret_type == "flights" {
                        mk.clone()
                    } else {
                        format!("{k}_{mk}")
                    };
                    out.push(EnvVar {
                        name: var_name(secret, &key),
                        source: src(mk),
                        value: mv.duplicate(),
                        sensitive: true,
                    });
                }
            }
        }
    }
    out
}

/// The names (and sources) of the variables a secret will give, from its metadata alone
/// (public fields and the names of its sensitive values, as [`SecretFields::sensitive_keys`]
/// lists them): what [`secret_vars`] produces, without opening any value. Used to refuse two
/// sources of one variable when a flight is defined, before any run.
pub fn planned_vars(
    secret: &str,
    secret_type: &str,
    public: &BTreeMap<String, FieldValue>,
    sensitive_keys: &[String],
) -> Vec<(String, String)> {
    let src = |key: &str| format!("secret '{secret}' key '{key}'");
    if secret_type == "generic" {
        return vec![(secret.to_string(), format!("secret '{secret}'"))];
    }
    let mut out = Vec::new();
    for (k, v) in public {
        match v {
            FieldValue::Map(m) => {
                for mk in m.keys() {
                    out.push((var_name(secret, &format!("{k}_{mk}")), src(&format!("{k}.{mk}"))));
                }
            }
            _ => out.push((var_name(secret, k), src(k))),
        }
    }
    for path in sensitive_keys {
        match path.split_once('.') {
            Some((k, mk)) => {
                let key = if secret_type == "flights" {
                    mk.to_string()
                } else {
                    format!("{k}_{mk}")
                };
                out.push((var_name(secret, &key), src(mk)));
            }
            None => out.push((var_name(secret, path), src(path))),
        }
    }
    out
}

/// Checks that no two of `(name, source)` share a name.
///
/// # Errors
/// [`ModelError::EnvCollision`] naming the variable and both sources.
pub fn check_unique_names<'a>(vars: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<()> {
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for (name, source) in vars {
        if let Some(first) = seen.insert(name, source) {
            return Err(ModelError::EnvCollision {
                var: name.to_string(),
                first: first.to_string(),
                second: source.to_string(),
            });
        }
    }
    Ok(())
}

/// Checks that no two variables share a name.
///
/// # Errors
/// [`ModelError::EnvCollision`] naming the variable and both sources.
pub fn check_unique(vars: &[EnvVar]) -> Result<()> {
    check_unique_names(vars.iter().map(|v| (v.name.as_str(), v.source.as_str())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::{validate, InputValue};

    fn fields(ty: &str, values: Vec<(&str, InputValue)>) -> SecretFields {
        validate(
            ty,
            None,
            vec![],
            values.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        )
        .expect("valid")
        .fields
    }

    #[test]
    fn names_follow_motherduck() {
        assert_eq!(var_name("my_api_secret", "API_KEY"), "MY_API_SECRET_API_KEY");
        assert_eq!(var_name("my-s3.prod", "key_id"), "MY_S3_PROD_KEY_ID");
    }

    #[test]
    fn flights_params_and_typed_fields() {
        let f = fields(
            "flights",
            vec![(
                "params",
                InputValue::Map(vec![("API_KEY".into(), "k".into()), ("ENDPOINT".into(), "e".into())]),
            )],
        );
        let vars = secret_vars("my_api_secret", "flights", &f);
        let names: Vec<_> = vars.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["MY_API_SECRET_API_KEY", "MY_API_SECRET_ENDPOINT"]);
        let s3 = fields(
            "s3",
            vec![
                ("key_id", InputValue::Text("AK".into())),
                ("secret", InputValue::Text("SK".into())),
                ("region", InputValue::Text("eu".into())),
            ],
        );
        let vars = secret_vars("my_s3", "s3", &s3);
        let key = vars.iter().find(|v| v.name == "MY_S3_SECRET").expect("secret var");
        assert!(key.sensitive);
        assert_eq!(key.value.expose_secret(), "SK");
        assert!(vars.iter().any(|v| v.name == "MY_S3_KEY_ID" && !v.sensitive));
    }

    #[test]
    fn generic_keeps_its_name_and_collisions_are_named() {
        let g = fields("generic", vec![("value", InputValue::Text("postgres://x".into()))]);
        let mut vars = secret_vars("api.key", "generic", &g);
        assert_eq!(vars[0].name, "api.key");
        let f = fields(
            "flights",
            vec![("params", InputValue::Map(vec![("B".into(), "1".into())]))],
        );
        vars.extend(secret_vars("a", "flights", &f));
        vars.extend(secret_vars("a_b", "generic", &g));
        check_unique(&vars).expect("a_b and A_B are two variables");
        vars.extend(secret_vars("A_B", "generic", &g));
        let err = check_unique(&vars).expect_err("A_B twice").to_string();
        assert!(err.contains("'A_B'") && err.contains("secret 'a' key 'B'"), "{err}");
    }

    #[test]
    fn planned_vars_match_secret_vars() {
        let cases = [
            (
                "my_api_secret",
                "flights",
                fields(
                    "flights",
                    vec![(
                        "params",
                        InputValue::Map(vec![("API_KEY".into(), "k".into()), ("E".into(), "e".into())]),
                    )],
                ),
            ),
            (
                "my_s3",
                "s3",
                fields(
                    "s3",
                    vec![
                        ("key_id", InputValue::Text("AK".into())),
                        ("secret", InputValue::Text("SK".into())),
                        ("region", InputValue::Text("eu".into())),
                    ],
                ),
            ),
            (
                "api.key",
                "generic",
                fields("generic", vec![("value", InputValue::Text("v".into()))]),
            ),
        ];
        for (name, ty, f) in cases {
            let mut want: Vec<(String, String)> = secret_vars(name, ty, &f)
                .into_iter()
                .map(|v| (v.name, v.source))
                .collect();
            let mut got = planned_vars(name, ty, &f.public, &f.sensitive_keys());
            want.sort();
            got.sort();
            assert_eq!(got, want, "{name}");
        }
    }
}
