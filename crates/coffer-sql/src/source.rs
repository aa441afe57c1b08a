//! coffer's SQL for data sources, read like DuckDB's `ATTACH` options:
//!
//! ```sql
//! CREATE [OR REPLACE] SOURCE [IF NOT EXISTS] warehouse (TYPE postgres, SECRET pg_prod, SCHEMA 'public');
//! CREATE SOURCE lake (TYPE ducklake, SECRET catalog, PATH 'dbname=lake', DATA_PATH 's3://b/lake/', READ_ONLY false);
//! DROP SOURCE [IF EXISTS] warehouse;
//! FROM coffer_sources();
//! ```
//!
//! `READ_ONLY` alone or `READ_ONLY true` is the default; `READ_ONLY false` or `READ_WRITE`
//! attaches read-write. Every other option is the source type's (`PATH`, `SCHEMA`, ...).

use crate::error::{Pos, Result, SqlError};
use coffer_model::source::SourceSpec;
use sqlparser::tokenizer::{Token, TokenWithSpan};
use std::collections::BTreeMap;

/// A parsed `CREATE SOURCE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateSource {
    /// `OR REPLACE`.
    pub or_replace: bool,
    /// `IF NOT EXISTS`.
    pub if_not_exists: bool,
    /// The definition.
    pub spec: SourceSpec,
}

/// A parsed `DROP SOURCE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DropSource {
    /// The source.
    pub name: String,
    /// `IF EXISTS`.
    pub if_exists: bool,
}

fn word(t: Option<&TokenWithSpan>) -> Option<String> {
    match t.map(|t| &t.token) {
        Some(Token::Word(w)) if w.quote_style.is_none() => Some(w.value.to_ascii_uppercase()),
        _ => None,
    }
}

/// Whether the tokens start `CREATE [OR REPLACE] SOURCE` (`Some(true)`) or `DROP SOURCE`
/// (`Some(false)`).
pub fn is_source_statement(tokens: &[TokenWithSpan]) -> Option<bool> {
    let w = |i: usize| word(tokens.get(i)).unwrap_or_default();
    match w(0).as_str() {
        "CREATE" if w(1) == "SOURCE" || (w(1) == "OR" && w(2) == "REPLACE" && w(3) == "SOURCE") => Some(true),
        "DROP" if w(1) == "SOURCE" => Some(false),
        _ => None,
    }
}

struct Cursor<'a> {
    tokens: &'a [TokenWithSpan],
    at: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<&TokenWithSpan> {
        self.tokens.get(self.at)
    }

    fn pos(&self) -> Option<Pos> {
        self.peek().or_else(|| self.tokens.last()).map(|t| Pos {
            line: t.span.start.line,
            column: t.span.start.column,
        })
    }

    fn error(&self, expected: &str) -> SqlError {
        let found = self
            .peek()
            .map_or_else(|| "the end of the statement".to_string(), |t| format!("'{}'", t.token));
        SqlError::syntax(format!("expected {expected}, found {found}"), self.pos())
    }

    fn keyword(&mut self, kw: &str) -> bool {
        if word(self.peek()).as_deref() == Some(kw) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, t: &Token, what: &str) -> Result<()> {
        if self.peek().map(|x| &x.token) == Some(t) {
            self.at += 1;
            Ok(())
        } else {
            Err(self.error(what))
        }
    }

    /// A name: an identifier (quoted or not) or a 'string'.
    fn name(&mut self, what: &str) -> Result<String> {
        let out = match self.peek().map(|t| &t.token) {
            Some(Token::Word(w)) => w.value.clone(),
            Some(Token::SingleQuotedString(s)) => s.clone(),
            _ => return Err(self.error(what)),
        };
        self.at += 1;
        Ok(out)
    }

    /// An option's value: a 'string', a word (`postgres`, `true`), a number.
    fn value(&mut self, key: &str) -> Result<String> {
        let out = match self.peek().map(|t| &t.token) {
            Some(Token::Word(w)) => w.value.clone(),
            Some(Token::SingleQuotedString(s)) => s.clone(),
            Some(Token::Number(n, _)) => n.clone(),
            _ => return Err(self.error(&format!("a value for {key} (a 'string', a name or a number)"))),
        };
        self.at += 1;
        Ok(out)
    }
}

fn boolean(v: &str, pos: Option<Pos>) -> Result<bool> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "t" | "1" | "yes" | "on" => Ok(true),
        "false" | "f" | "0" | "no" | "off" => Ok(false),
        _ => Err(SqlError::syntax(
            format!("READ_ONLY takes true or false, not '{v}'"),
            pos,
        )),
    }
}

/// Parses `CREATE [OR REPLACE] SOURCE [IF NOT EXISTS] name (KEY value, ...)`.
///
/// # Errors
/// A syntax error with the position of the offending token and what was expected.
pub fn parse_create(tokens: &[TokenWithSpan]) -> Result<CreateSource> {
    let mut c = Cursor { tokens, at: 1 };
    let or_replace = c.keyword("OR") && c.keyword("REPLACE");
    if !c.keyword("SOURCE") {
        return Err(c.error("SOURCE"));
    }
    let if_not_exists = if c.keyword("IF") {
        if !(c.keyword("NOT") && c.keyword("EXISTS")) {
            return Err(c.error("NOT EXISTS"));
        }
        true
    } else {
        false
    };
    if or_replace && if_not_exists {
        return Err(SqlError::syntax(
            "OR REPLACE and IF NOT EXISTS cannot both be given",
            c.pos(),
        ));
    }
    let name = c.name("the source's name")?;
    c.expect(
        &Token::LParen,
        "'(' and the source's options (TYPE postgres, SECRET name, ...)",
    )?;
    let mut spec = SourceSpec {
        name,
        source_type: String::new(),
        secret: None,
        options: BTreeMap::new(),
        read_only: true,
    };
    loop {
        let pos = c.pos();
        let key = c
            .name("an option (TYPE, SECRET, READ_ONLY, PATH, ...)")?
            .to_ascii_lowercase();
        let bare = matches!(c.peek().map(|t| &t.token), Some(Token::Comma | Token::RParen));
        match key.as_str() {
            "read_only" if bare => spec.read_only = true,
            "read_write" if bare => spec.read_only = false,
            "read_only" => spec.read_only = boolean(&c.value("READ_ONLY")?, pos)?,
            "type" => spec.source_type = c.value("TYPE")?.to_ascii_lowercase(),
            "secret" => spec.secret = Some(c.value("SECRET")?),
            _ => {
                let v = c.value(&key.to_ascii_uppercase())?;
                if spec.options.insert(key.clone(), v).is_some() {
                    return Err(SqlError::syntax(format!("option {key} is given twice"), pos));
                }
            }
        }
        if c.peek().map(|t| &t.token) == Some(&Token::Comma) {
            c.at += 1;
            continue;
        }
        c.expect(&Token::RParen, "',' or ')'")?;
        break;
    }
    if c.peek().is_some() {
        return Err(c.error("the end of the statement"));
    }
    if spec.source_type.is_empty() {
        return Err(SqlError::syntax(
            format!(
                "a source needs its TYPE ({})",
                coffer_model::source::source_types().join(", ")
            ),
            c.pos(),
        ));
    }
    Ok(CreateSource {
        or_replace,
        if_not_exists,
        spec,
    })
}

/// Parses `DROP SOURCE [IF EXISTS] name`.
///
/// # Errors
/// A syntax error.
pub fn parse_drop(tokens: &[TokenWithSpan]) -> Result<DropSource> {
    let mut c = Cursor { tokens, at: 2 };
    let if_exists = if c.keyword("IF") {
        if !c.keyword("EXISTS") {
            return Err(c.error("EXISTS"));
        }
        true
    } else {
        false
    };
    let name = c.name("the source's name")?;
    if c.peek().is_some() {
        return Err(c.error("the end of the statement"));
    }
    Ok(DropSource { name, if_exists })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::split::split;

    fn tokens(sql: &str) -> Vec<TokenWithSpan> {
        split(sql).expect("splits").remove(0).tokens
    }

    #[test]
    fn reads_like_attach() {
        let t =
            tokens("create or replace source Warehouse (TYPE postgres, SECRET pg_prod, SCHEMA 'public', READ_WRITE)");
        assert_eq!(is_source_statement(&t), Some(true));
        let c = parse_create(&t).expect("parses");
        assert!(c.or_replace && !c.if_not_exists);
        assert_eq!(c.spec.name, "Warehouse");
        assert_eq!(c.spec.source_type, "postgres");
        assert_eq!(c.spec.secret.as_deref(), Some("pg_prod"));
        assert_eq!(c.spec.options.get("schema").map(String::as_str), Some("public"));
        assert!(!c.spec.read_only);
        let c = parse_create(&tokens(
            "CREATE SOURCE IF NOT EXISTS lake (TYPE ducklake, SECRET 'catalog', PATH 'dbname=lake', DATA_PATH 's3://b/', READ_ONLY true)",
        ))
        .expect("parses");
        assert!(c.if_not_exists && c.spec.read_only);
        assert_eq!(c.spec.options.len(), 2);
        let d = parse_drop(&tokens("DROP SOURCE IF EXISTS lake")).expect("parses");
        assert_eq!((d.name.as_str(), d.if_exists), ("lake", true));
        assert_eq!(is_source_statement(&tokens("DROP SECRET x")), None);
    }

    #[test]
    fn syntax_errors_say_what_was_expected() {
        for (sql, words) in [
            ("CREATE SOURCE w", "expected '('"),
            ("CREATE SOURCE w (SECRET p)", "needs its TYPE"),
            ("CREATE SOURCE w (TYPE postgres SECRET p)", "expected ',' or ')'"),
            ("CREATE SOURCE w (TYPE postgres, READ_ONLY maybe)", "true or false"),
            ("CREATE SOURCE w (TYPE postgres, PATH 'a', PATH 'b')", "given twice"),
            (
                "CREATE OR REPLACE SOURCE IF NOT EXISTS w (TYPE postgres)",
                "cannot both",
            ),
            ("DROP SOURCE", "the source's name"),
        ] {
            let t = tokens(sql);
            let e = if sql.starts_with("DROP") {
                parse_drop(&t).expect_err(sql)
            } else {
                parse_create(&t).expect_err(sql)
            };
            assert!(e.to_string().contains(words), "{sql}: {e}");
        }
    }
}
