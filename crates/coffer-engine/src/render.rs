//! SQL text for registering a secret in DuckDB. The text holds secret values: it is kept in a
//! zeroizing box, executed, and never logged.

use coffer_core::SecretInfo;
use coffer_crypto::SecretString;
use coffer_model::{FieldValue, SecretFields, SensitiveValue};

/// A statement holding secret values (a `CREATE OR REPLACE TEMPORARY SECRET`), zeroized on
/// drop. It has no `Display`, and its `Debug` shows the secret's name only.
pub struct SecretSql(SecretString, Vec<SecretString>);

impl SecretSql {
    /// Wraps a statement, such as one a flight runner passed to its child (its values are
    /// not known apart).
    pub fn new(sql: SecretString) -> Self {
        SecretSql(sql, Vec::new())
    }

    /// The text, to execute.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// The sensitive values the statement holds, for masking output that may show them.
    pub fn sensitive_values(&self) -> &[SecretString] {
        &self.1
    }

    /// The name of the secret the statement creates (see [`secret_name`]).
    pub fn name(&self) -> Option<String> {
        secret_name(self.0.expose_secret())
    }
}

impl std::fmt::Debug for SecretSql {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretSql")
            .field("name", &self.name())
            .finish_non_exhaustive()
    }
}

/// The name in `CREATE [OR REPLACE] [TEMPORARY|PERSISTENT] SECRET [IF NOT EXISTS] name ...`
/// (quoted or not), reading nothing past it; `None` when the text is not such a statement.
/// Lets errors name a secret without quoting its statement.
pub fn secret_name(sql: &str) -> Option<String> {
    fn word(s: &str) -> (&str, &str) {
        let s = s.trim_start();
        let end = s
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(s.len());
        (&s[..end], &s[end..])
    }
    let mut rest = sql;
    let mut seen = 0;
    loop {
        let (w, after) = word(rest);
        rest = after;
        seen += 1;
        match w.to_ascii_lowercase().as_str() {
            "secret" if seen > 1 => break,
            "create" if seen == 1 => {}
            "or" | "replace" | "temporary" | "persistent" if seen > 1 && seen <= 4 => {}
            _ => return None,
        }
    }
    let (w, after) = word(rest);
    if w.eq_ignore_ascii_case("if") {
        let (not, after) = word(after);
        let (exists, after) = word(after);
        if !not.eq_ignore_ascii_case("not") || !exists.eq_ignore_ascii_case("exists") {
            return None;
        }
        rest = after;
    }
    let rest = rest.trim_start();
    if let Some(quoted) = rest.strip_prefix('"') {
        let mut name = String::new();
        let mut chars = quoted.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                } else {
                    return Some(name);
                }
            }
            name.push(c);
        }
        return None;
    }
    let (w, _) = word(rest);
    (!w.is_empty()).then(|| w.to_string())
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

/// Appends `value` as a SQL string literal (quotes doubled), copying it into `out` only.
fn push_literal(out: &mut SecretString, value: &SecretString) {
    out.push('\'');
    for (i, part) in value.expose_secret().split('\'').enumerate() {
        if i > 0 {
            out.push_str("''");
        }
        out.push_str(part);
    }
    out.push('\'');
}

/// `CREATE OR REPLACE TEMPORARY SECRET "name" (TYPE .., PROVIDER .., SCOPE [..], key value, ..)`.
pub fn create_secret(info: &SecretInfo, scopes: &[String], fields: &SecretFields) -> SecretSql {
    // Sized up front so that the buffer holding values is not reallocated (were it, the old
    // one would be zeroized: SecretString::push_str).
    let values: usize = fields
        .sensitive_values()
        .iter()
        .map(|(k, v)| k.len() + 2 * v.len() + 16)
        .sum();
    let mut out = SecretString::with_capacity(1024 + values + 64 * fields.public.len() + 64 * scopes.len());
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
                push_literal(&mut out, s);
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
                    out.push_str(": ");
                    push_literal(&mut out, pv);
                }
                out.push('}');
            }
        }
    }
    out.push(')');
    SecretSql(
        out,
        fields
            .sensitive_values()
            .into_iter()
            .map(|(_, v)| v.duplicate())
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::{push_literal, secret_name, string};
    use coffer_crypto::SecretString;

    #[test]
    fn a_value_is_quoted_as_any_string_literal() {
        for v in ["", "plain", "it's", "'", "''x'''", "é'ü"] {
            let mut out = SecretString::with_capacity(0);
            push_literal(&mut out, &SecretString::from(v));
            assert_eq!(out.expose_secret(), string(v), "{v}");
        }
    }

    #[test]
    fn names_the_secret_of_a_statement() {
        let n = |s: &str| secret_name(s);
        assert_eq!(
            n("CREATE OR REPLACE TEMPORARY SECRET \"a\"\"b\" (TYPE s3, SECRET 'x')"),
            Some("a\"b".into())
        );
        assert_eq!(n("create secret if not exists s1 (type s3)"), Some("s1".into()));
        assert_eq!(n("  CREATE PERSISTENT SECRET my_s(TYPE s3)"), Some("my_s".into()));
        assert_eq!(n("CREATE SECRET (TYPE s3)"), None);
        assert_eq!(n("SELECT 'CREATE SECRET x'"), None);
        assert_eq!(n("CREATE TABLE secret (x int)"), None);
        assert_eq!(n("CREATE OR REPLACE SECRET \"unterminated (TYPE s3)"), None);
    }
}
