//! One statement's text and tokens into a [`Statement`].

use crate::create_secret::{self, CreateSecret};
use crate::error::{Pos, Result, SqlError};
use crate::source::{self, CreateSource, DropSource};
use crate::split::StmtSource;
use sqlparser::ast;
use sqlparser::dialect::DuckDbDialect;
use sqlparser::parser::{Parser, ParserError};

/// A parsed statement.
#[derive(Debug)]
pub enum Statement {
    /// `CREATE SECRET`, parsed by coffer.
    CreateSecret(CreateSecret),
    /// `CREATE SOURCE`, coffer's own.
    CreateSource(CreateSource),
    /// `DROP SOURCE`, coffer's own.
    DropSource(DropSource),
    /// Anything sqlparser parsed (DROP SECRET, SELECT/FROM, INSERT, UPDATE, DELETE, CALL, ...).
    Sql(Box<ast::Statement>),
}

/// Splits sqlparser's "... at Line: 1, Column: 8" into the message and the position.
fn parser_error(e: ParserError) -> SqlError {
    let msg = match e {
        ParserError::ParserError(m) | ParserError::TokenizerError(m) => m,
        ParserError::RecursionLimitExceeded => "the statement nests too deeply".to_string(),
    };
    if let Some(i) = msg.rfind(" at Line: ") {
        let (text, at) = msg.split_at(i);
        let nums: Vec<u64> = at
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .filter_map(|s| s.parse().ok())
            .collect();
        if let [line, column] = nums[..] {
            return SqlError::syntax(text.trim().to_string(), Some(Pos { line, column }));
        }
    }
    SqlError::syntax(msg, None)
}

/// Parses one statement.
///
/// # Errors
/// A syntax error with position.
pub fn parse(stmt: &StmtSource) -> Result<Statement> {
    if create_secret::is_create_secret(&stmt.tokens) {
        return create_secret::parse(&stmt.tokens).map(Statement::CreateSecret);
    }
    match source::is_source_statement(&stmt.tokens) {
        Some(true) => return source::parse_create(&stmt.tokens).map(Statement::CreateSource),
        Some(false) => return source::parse_drop(&stmt.tokens).map(Statement::DropSource),
        None => {}
    }
    let dialect = DuckDbDialect {};
    let mut parser = Parser::new(&dialect).with_tokens_with_locations(stmt.tokens.clone());
    let parsed = parser.parse_statement().map_err(parser_error)?;
    if parser.peek_token().token != sqlparser::tokenizer::Token::EOF {
        let t = parser.peek_token();
        return Err(SqlError::syntax(
            format!("expected the end of the statement, found '{}'", t.token),
            Some(Pos {
                line: t.span.start.line,
                column: t.span.start.column,
            }),
        ));
    }
    Ok(Statement::Sql(Box::new(parsed)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::split::split;

    fn one(sql: &str) -> Result<Statement> {
        let s = split(sql)?;
        parse(&s[0])
    }

    #[test]
    fn create_secret_forms() {
        let Statement::CreateSecret(c) = one(
            "create or replace persistent secret if_x in LOCAL_FILE (type S3, key_id 'a', scope ['s3://a', 's3://b'], use_ssl false, port 5, extra_http_headers MAP {'X': 'y'})",
        )
        .expect("parse") else {
            panic!("not a create");
        };
        assert!(c.or_replace);
        assert_eq!(c.name.as_deref(), Some("if_x"));
        assert_eq!(c.storage.as_deref(), Some("LOCAL_FILE"));
        assert_eq!(c.secret_type, "S3");
        assert_eq!(c.scopes, ["s3://a", "s3://b"]);
        assert_eq!(c.options.len(), 4);
        let Statement::CreateSecret(c) = one("CREATE SECRET (TYPE OPENAI, API_KEY 'k')").expect("parse") else {
            panic!()
        };
        assert_eq!(c.name, None);
        let Statement::CreateSecret(c) =
            one("CREATE TEMPORARY SECRET IF NOT EXISTS IN memory (TYPE s3)").expect("parse")
        else {
            panic!()
        };
        assert!(c.if_not_exists);
        assert_eq!((c.name, c.storage.as_deref()), (None, Some("memory")));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        // Found by the fuzzer (fuzz/regressions/sql_parser).
        for sql in [
            format!(
                "CREATE SECRET s (TYPE s3, SCOPE {}'x'{})",
                "[".repeat(100_000),
                "]".repeat(100_000)
            ),
            format!(
                "CREATE SECRET s (TYPE s3, M {}1{})",
                "MAP {1: ".repeat(50_000),
                "}".repeat(50_000)
            ),
        ] {
            let e = one(&sql).expect_err("too deep");
            assert!(e.to_string().contains("nests lists or maps more than 16 deep"), "{e}");
        }
    }

    #[test]
    fn syntax_errors_have_positions() {
        let e = one("CREATE SECRET s (TYPE s3 KEY_ID 'a')").expect_err("missing comma");
        assert_eq!(
            e.to_string(),
            "syntax error at line 1, column 26: expected ',' or ')', found 'KEY_ID'"
        );
        assert_eq!(
            e.render("CREATE SECRET s (TYPE s3 KEY_ID 'a')"),
            "syntax error at line 1, column 26: expected ',' or ')', found 'KEY_ID'\n  CREATE SECRET s (TYPE s3 KEY_ID '*')\n                           ^"
        );
        let e = one("CREATE SECRET s (KEY_ID 'a')").expect_err("no type");
        assert!(e.to_string().contains("needs a TYPE"), "{e}");
        let e = one("SELEC 1").expect_err("typo");
        assert!(matches!(e, SqlError::Syntax { pos: Some(_), .. }), "{e:?}");
    }
}
