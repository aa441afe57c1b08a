//! Cutting a script into statements.

use crate::error::{Pos, Result, SqlError};
use sqlparser::dialect::DuckDbDialect;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};

/// One statement of a script.
#[derive(Debug, Clone)]
pub struct StmtSource {
    /// Its text, without the terminating `;`.
    pub text: String,
    /// Its tokens (no whitespace or comments), positions relative to the whole script.
    pub tokens: Vec<TokenWithSpan>,
}

impl StmtSource {
    /// The position of the first token.
    pub fn start(&self) -> Option<Pos> {
        self.tokens.first().map(|t| Pos {
            line: t.span.start.line,
            column: t.span.start.column,
        })
    }
}

/// Whitespace and comments (sqlparser tokenizes comments as whitespace) and the end marker.
fn is_trivia(t: &Token) -> bool {
    matches!(t, Token::Whitespace(_)) || matches!(t, Token::EOF)
}

/// Byte offset of a (line, column) location, both 1-based and counted in characters.
fn offset(line_starts: &[usize], text: &str, line: u64, column: u64) -> usize {
    let Some(&start) = line_starts.get(line.saturating_sub(1) as usize) else {
        return text.len();
    };
    text[start..]
        .char_indices()
        .nth(column.saturating_sub(1) as usize)
        .map_or(text.len(), |(i, _)| start + i)
}

/// Splits `sql` at the `;` that are outside quotes, comments and brackets.
///
/// # Errors
/// A syntax error (with position) for an unterminated string or comment.
pub fn split(sql: &str) -> Result<Vec<StmtSource>> {
    let dialect = DuckDbDialect {};
    let tokens = Tokenizer::new(&dialect, sql).tokenize_with_location().map_err(|e| {
        SqlError::syntax(
            e.message.clone(),
            Some(Pos {
                line: e.location.line,
                column: e.location.column,
            }),
        )
    })?;
    let mut line_starts = vec![0usize];
    line_starts.extend(sql.char_indices().filter(|(_, c)| *c == '\n').map(|(i, _)| i + 1));
    let mut out = Vec::new();
    let mut current: Vec<TokenWithSpan> = Vec::new();
    let mut depth = 0i64;
    let mut flush = |current: &mut Vec<TokenWithSpan>| {
        let kept: Vec<TokenWithSpan> = current.drain(..).filter(|t| !is_trivia(&t.token)).collect();
        if let (Some(first), Some(last)) = (kept.first(), kept.last()) {
            let a = offset(&line_starts, sql, first.span.start.line, first.span.start.column);
            let b = offset(&line_starts, sql, last.span.end.line, last.span.end.column);
            out.push(StmtSource {
                text: sql[a..b.max(a)].to_string(),
                tokens: kept,
            });
        }
    };
    for t in tokens {
        match t.token {
            Token::LParen | Token::LBracket | Token::LBrace => depth += 1,
            Token::RParen | Token::RBracket | Token::RBrace => depth -= 1,
            Token::SemiColon if depth <= 0 => {
                flush(&mut current);
                depth = 0;
                continue;
            }
            _ => {}
        }
        current.push(t);
    }
    flush(&mut current);
    Ok(out)
}

/// Whether `sql` ends a statement: it has a `;` outside quotes, comments and brackets after
/// its last token. The interactive shell reads lines until this holds.
pub fn is_complete(sql: &str) -> bool {
    let dialect = DuckDbDialect {};
    let Ok(tokens) = Tokenizer::new(&dialect, sql).tokenize() else {
        return false; // an open string or comment: keep reading
    };
    let mut depth = 0i64;
    let mut last_significant_is_semicolon = false;
    for t in tokens {
        match t {
            Token::LParen | Token::LBracket | Token::LBrace => depth += 1,
            Token::RParen | Token::RBracket | Token::RBrace => depth -= 1,
            Token::Whitespace(_) | Token::EOF => continue,
            _ => {}
        }
        last_significant_is_semicolon = t == Token::SemiColon && depth <= 0;
    }
    last_significant_is_semicolon
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_outside_quotes_and_brackets() {
        let s = split("SELECT 1; CREATE SECRET (TYPE s3, KEY_ID 'a;b', SCOPE ['x;y']);\n-- c;\nFROM t").expect("split");
        let texts: Vec<&str> = s.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "SELECT 1",
                "CREATE SECRET (TYPE s3, KEY_ID 'a;b', SCOPE ['x;y'])",
                "FROM t"
            ]
        );
        assert!(split("SELECT 'abc").is_err());
        assert!(is_complete("SELECT 1;"));
        assert!(!is_complete("SELECT 'a;"));
        assert!(!is_complete("CREATE SECRET (TYPE s3;"));
        assert!(is_complete("SELECT 1; -- done\n"));
    }
}
