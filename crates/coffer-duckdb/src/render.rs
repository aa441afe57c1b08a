//! SQL text for registering a secret in DuckDB. The text holds secret values: it is kept in a
//! zeroizing box, executed, and never logged.

use coffer_core::SecretInfo;
use coffer_crypto::SecretString;
use coffer_model::{FieldValue, SecretFields, SensitiveValue};

/// A statement holding secret values.
pub struct SecretSql(SecretString);

impl SecretSql {
    /// The text, to execute.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

/// A SQL string literal.
pub fn string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A SQL identifier, always quoted.
pub fn ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// `DROP TEMPORARY SECRET IF EXISTS "name"`.
pub fn drop_secret(name: &str) -> String {
    format!("DROP TEMPORARY SECRET IF EXISTS {}", ident(name))
}

fn public_value(v: &FieldValue) -> String {
    match v {
        FieldValue::Bool(b) => b.to_string(),
        FieldValue::Int(i) => i.to_string(),
        FieldValue::Text(t) => string(t),
        FieldValue::Map(m) => {
            let items: Vec<String> = m.iter().map(|(k, v)| format!("{}: {}", string(k), string(v))).collect();
            format!("MAP {{{}}}", items.join(", "))
        }
    }
}

/// `CREATE OR REPLACE TEMPORARY SECRET "name" (TYPE .., PROVIDER .., SCOPE [..], key value, ..)`.
pub fn create_secret(info: &SecretInfo, scopes: &[String], fields: &SecretFields) -> SecretSql {
    // Sized up front so the buffer holding values is never reallocated (a reallocation would
    // leave a copy behind that is not zeroized).
    let values: usize = fields
        .sensitive_values()
        .iter()
        .map(|(k, v)| k.len() + 2 * v.len() + 16)
        .sum();
    let mut out = String::with_capacity(1024 + values + 64 * fields.public.len() + 64 * scopes.len());
    out.push_str("CREATE OR REPLACE TEMPORARY SECRET ");
    out.push_str(&ident(&info.name));
    out.push_str(" (TYPE ");
    out.push_str(&info.secret_type);
    out.push_str(", PROVIDER ");
    out.push_str(&info.provider);
    out.push_str(", SCOPE [");
    out.push_str(&scopes.iter().map(|s| string(s)).collect::<Vec<_>>().join(", "));
    out.push(']');
    for (k, v) in &fields.public {
        // R2's account id becomes its endpoint in coffer as in DuckDB; DuckDB takes it as input.
        out.push_str(&format!(", {k} {}", public_value(v)));
    }
    for (k, v) in &fields.sensitive {
        match v {
            SensitiveValue::Text(s) => {
                out.push_str(&format!(", {k} "));
                out.push('\'');
                out.push_str(&s.expose_secret().replace('\'', "''"));
                out.push('\'');
            }
            SensitiveValue::Map(m) => {
                out.push_str(&format!(", {k} MAP {{"));
                let mut first = true;
                for (pk, pv) in m {
                    if !first {
                        out.push_str(", ");
                    }
                    first = false;
                    out.push_str(&string(pk));
                    out.push_str(": '");
                    out.push_str(&pv.expose_secret().replace('\'', "''"));
                    out.push('\'');
                }
                out.push('}');
            }
        }
    }
    out.push(')');
    SecretSql(SecretString::new(out))
}
