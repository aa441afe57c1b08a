//! `CREATE SECRET`, parsed by coffer over sqlparser's tokens.
//!
//! DuckDB's grammar (src/parser/transform/statement/transform_secret.cpp):
//!
//! ```text
//! CREATE [OR REPLACE] [PERSISTENT | TEMPORARY] SECRET [IF NOT EXISTS] [name] [IN storage]
//!     ( option [, option]... )
//! option := key value
//! value  := 'string' | number | TRUE | FALSE | NULL | identifier
//!         | [ value, ... ] | ( value, ... ) | MAP { key : value, ... }
//! ```
//!
//! A value followed by more than a `,` or `)` is a constant expression (`'a' || 'b'`,
//! `getvariable('x')`, `CAST(5 AS VARCHAR)`), kept as text for the embedded DuckDB to evaluate
//! as DuckDB does; a subquery is refused as DuckDB refuses it. An unquoted name may not be one
//! of DuckDB's reserved words ([`crate::keywords`]).
//!
//! `TYPE`, `PROVIDER` and `SCOPE` are options with a special meaning; every other key is a
//! field of the type. sqlparser parses the statement but keeps every value as an identifier,
//! so lists, numbers and maps are lost: this module is the "small parser" the README names.

use crate::error::{Pos, Result, SqlError};
use coffer_crypto::SecretString;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, TokenWithSpan, Word};

/// A literal option value.
#[derive(Debug)]
pub enum OptionValue {
    /// A string (or a bare identifier, which DuckDB reads as its name).
    Text(SecretString),
    /// A number, kept as written.
    Number(String),
    /// `TRUE`/`FALSE`.
    Bool(bool),
    /// `NULL`.
    Null,
    /// `[a, b]`.
    List(Vec<OptionValue>),
    /// `MAP {k: v}`.
    Map(Vec<(String, OptionValue)>),
    /// A constant expression (`getvariable('x')`, `'a' || 'b'`, `'5'::INTEGER`), as SQL text:
    /// DuckDB evaluates it when the secret is created, and so does the embedded DuckDB here.
    /// The text may hold a secret value.
    Expr(SecretString),
}

/// `PERSISTENT` or `TEMPORARY`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Persist {
    /// `PERSISTENT`.
    Persistent,
    /// `TEMPORARY`.
    Temporary,
}

/// A parsed `CREATE SECRET`.
#[derive(Debug)]
pub struct CreateSecret {
    /// `OR REPLACE`.
    pub or_replace: bool,
    /// `PERSISTENT`/`TEMPORARY`, if written.
    pub persist: Option<Persist>,
    /// `IF NOT EXISTS`.
    pub if_not_exists: bool,
    /// The name, if written.
    pub name: Option<String>,
    /// `IN storage`, if written.
    pub storage: Option<String>,
    /// `TYPE`.
    pub secret_type: String,
    /// `PROVIDER`.
    pub provider: Option<String>,
    /// `SCOPE` values, in order.
    pub scopes: Vec<String>,
    /// Every other option, key as written.
    pub options: Vec<(String, OptionValue)>,
}

struct Cursor<'a> {
    tokens: &'a [TokenWithSpan],
    at: usize,
    /// How deep the value being parsed nests (lists, maps), bounded by [`MAX_DEPTH`].
    depth: usize,
}

/// The deepest nesting of lists and maps a value may have (DuckDB's options are at most a list
/// or a map of scalars; this only keeps hostile input from exhausting the stack).
const MAX_DEPTH: usize = 16;

fn pos_of(t: &TokenWithSpan) -> Pos {
    Pos {
        line: t.span.start.line,
        column: t.span.start.column,
    }
}

fn describe(t: &Token) -> String {
    match t {
        Token::Word(w) if w.quote_style.is_some() => format!("identifier {w}"),
        Token::Word(w) => format!("'{}'", w.value),
        Token::SingleQuotedString(_) => "a string".into(),
        Token::Number(n, _) => format!("number {n}"),
        Token::EOF => "the end of the statement".into(),
        other => format!("'{other}'"),
    }
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<&'a TokenWithSpan> {
        self.tokens.get(self.at)
    }

    fn end_pos(&self) -> Option<Pos> {
        self.tokens.last().map(|t| Pos {
            line: t.span.end.line,
            column: t.span.end.column,
        })
    }

    fn error(&self, expected: &str) -> SqlError {
        match self.peek() {
            Some(t) => SqlError::syntax(
                format!("expected {expected}, found {}", describe(&t.token)),
                Some(pos_of(t)),
            ),
            None => SqlError::syntax(
                format!("expected {expected}, found the end of the statement"),
                self.end_pos(),
            ),
        }
    }

    fn keyword(&mut self, k: Keyword) -> bool {
        if let Some(TokenWithSpan {
            token: Token::Word(w), ..
        }) = self.peek()
        {
            if w.quote_style.is_none() && w.keyword == k {
                self.at += 1;
                return true;
            }
        }
        false
    }

    /// A bare word equal (case-insensitively) to `word`, whether or not sqlparser knows it
    /// as a keyword.
    fn word(&mut self, word: &str) -> bool {
        if let Some(TokenWithSpan {
            token: Token::Word(w), ..
        }) = self.peek()
        {
            if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(word) {
                self.at += 1;
                return true;
            }
        }
        false
    }

    fn expect_word(&mut self, word: &str) -> Result<()> {
        if self.word(word) {
            Ok(())
        } else {
            Err(self.error(&word.to_ascii_uppercase()))
        }
    }

    fn token(&mut self, t: &Token) -> bool {
        if self.peek().is_some_and(|x| &x.token == t) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, t: &Token, what: &str) -> Result<()> {
        if self.token(t) {
            Ok(())
        } else {
            Err(self.error(what))
        }
    }

    fn identifier(&mut self, what: &str) -> Result<String> {
        match self.peek() {
            Some(TokenWithSpan {
                token: Token::Word(w), ..
            }) => {
                self.at += 1;
                Ok(w.value.clone())
            }
            _ => Err(self.error(what)),
        }
    }

    fn value(&mut self) -> Result<OptionValue> {
        if self.depth >= MAX_DEPTH {
            return Err(SqlError::syntax(
                format!("a value nests lists or maps more than {MAX_DEPTH} deep"),
                self.peek().map(pos_of),
            ));
        }
        let Some(t) = self.peek() else {
            return Err(self.error("a value"));
        };
        let v = match &t.token {
            Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) | Token::EscapedStringLiteral(s) => {
                OptionValue::Text(SecretString::new(s.clone()))
            }
            Token::Number(n, _) => OptionValue::Number(n.clone()),
            Token::Minus => {
                self.at += 1;
                match self.peek().map(|t| &t.token) {
                    Some(Token::Number(n, _)) => OptionValue::Number(format!("-{n}")),
                    _ => return Err(self.error("a number after '-'")),
                }
            }
            Token::Word(Word {
                keyword: Keyword::TRUE,
                quote_style: None,
                ..
            }) => OptionValue::Bool(true),
            Token::Word(Word {
                keyword: Keyword::FALSE,
                quote_style: None,
                ..
            }) => OptionValue::Bool(false),
            Token::Word(Word {
                keyword: Keyword::NULL,
                quote_style: None,
                ..
            }) => OptionValue::Null,
            Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("map") => {
                self.at += 1;
                return self.nested(|c| c.map());
            }
            Token::Word(w) => OptionValue::Text(SecretString::new(w.value.clone())),
            Token::LBracket => {
                self.at += 1;
                return self.nested(|c| c.list(&Token::RBracket, "']'"));
            }
            Token::LParen => {
                self.at += 1;
                return self.nested(|c| c.list(&Token::RParen, "')'"));
            }
            _ => return Err(self.error("a value (a 'string', a number, TRUE, FALSE, a [list] or MAP {...})")),
        };
        self.at += 1;
        Ok(v)
    }

    /// An option's value: a literal, or else the tokens up to the next `,` or `)` at the same
    /// depth as a constant expression.
    fn option_value(&mut self) -> Result<OptionValue> {
        let start = self.at;
        let literal = self.value();
        if literal.is_ok() && matches!(self.peek().map(|t| &t.token), Some(Token::Comma | Token::RParen) | None) {
            return literal;
        }
        // A list or map that does not parse is a syntax error, not an expression; a word that
        // is not a value starts one (`CAST(...)`, `getvariable(...)`).
        let starts_expression = match self.tokens.get(start).map(|t| &t.token) {
            Some(Token::Word(w)) => w.quote_style.is_some() || !w.value.eq_ignore_ascii_case("map"),
            Some(Token::LParen) => true,
            _ => false,
        };
        if literal.is_err() && !starts_expression {
            return literal;
        }
        if let Err(SqlError::Syntax { message, .. }) = &literal {
            if message.contains("nests lists or maps") {
                return literal;
            }
        }
        self.at = start;
        let mut depth = 0usize;
        let mut text = SecretString::with_capacity(0);
        let mut after_operand = false;
        while let Some(t) = self.peek() {
            // Two operands in a row at the top (`s3 KEY_ID`) are a missing comma, not an
            // expression.
            let operand = is_operand(&t.token);
            if depth == 0 && after_operand && operand {
                return Err(self.error("',' or ')'"));
            }
            if depth == 0 {
                after_operand = operand || matches!(t.token, Token::RParen | Token::RBracket | Token::RBrace);
            }
            match &t.token {
                Token::Comma | Token::RParen if depth == 0 => break,
                Token::LParen | Token::LBracket | Token::LBrace => depth += 1,
                Token::RParen | Token::RBracket | Token::RBrace => depth = depth.saturating_sub(1),
                Token::Word(w) if w.quote_style.is_none() && w.keyword == Keyword::SELECT => {
                    return Err(SqlError::Semantic(
                        "Binder Error: Secret Parameter cannot contain subqueries".into(),
                    ))
                }
                _ => {}
            }
            if !text.expose_secret().is_empty() {
                text.push(' ');
            }
            push_token(&mut text, &t.token);
            self.at += 1;
        }
        if self.at == start {
            // Nothing to evaluate: the literal's error says what was expected.
            literal?;
            return Err(self.error("a value"));
        }
        Ok(OptionValue::Expr(text))
    }

    fn nested(&mut self, f: impl FnOnce(&mut Self) -> Result<OptionValue>) -> Result<OptionValue> {
        self.depth += 1;
        let v = f(self);
        self.depth -= 1;
        v
    }

    fn list(&mut self, close: &Token, close_text: &str) -> Result<OptionValue> {
        let mut items = Vec::new();
        if self.token(close) {
            return Ok(OptionValue::List(items));
        }
        loop {
            items.push(self.value()?);
            if self.token(close) {
                return Ok(OptionValue::List(items));
            }
            self.expect(&Token::Comma, &format!("',' or {close_text}"))?;
        }
    }

    fn map(&mut self) -> Result<OptionValue> {
        self.expect(&Token::LBrace, "'{' after MAP")?;
        let mut entries = Vec::new();
        if self.token(&Token::RBrace) {
            return Ok(OptionValue::Map(entries));
        }
        loop {
            let key = match self.value()? {
                // A map key is a name, not a value.
                OptionValue::Text(s) => s.declassify(),
                OptionValue::Number(n) => n,
                _ => return Err(self.error("a map key ('string')")),
            };
            self.expect(&Token::Colon, "':' between a map key and its value")?;
            entries.push((key, self.value()?));
            if self.token(&Token::RBrace) {
                return Ok(OptionValue::Map(entries));
            }
            self.expect(&Token::Comma, "',' or '}'")?;
        }
    }
}

/// A value or a name, as opposed to an operator (words such as AND, IS, LIKE, AS are operators
/// here).
fn is_operand(t: &Token) -> bool {
    match t {
        Token::Word(w) if w.quote_style.is_none() => !matches!(
            w.keyword,
            Keyword::AND
                | Keyword::OR
                | Keyword::NOT
                | Keyword::IS
                | Keyword::IN
                | Keyword::LIKE
                | Keyword::ILIKE
                | Keyword::SIMILAR
                | Keyword::BETWEEN
                | Keyword::COLLATE
                | Keyword::AS
                | Keyword::NULL
                | Keyword::TRUE
                | Keyword::FALSE
        ),
        Token::Word(_) | Token::SingleQuotedString(_) | Token::DoubleQuotedString(_) | Token::Number(_, _) => true,
        _ => false,
    }
}

/// Appends a token as SQL text: strings and quoted names re-quoted (sqlparser's `Display`
/// does not double their quotes).
fn push_token(out: &mut SecretString, t: &Token) {
    let quoted = |out: &mut SecretString, q: char, s: &str| {
        out.push(q);
        for c in s.chars() {
            if c == q {
                out.push(q);
            }
            out.push(c);
        }
        out.push(q);
    };
    match t {
        Token::SingleQuotedString(s) => quoted(out, '\'', s),
        Token::EscapedStringLiteral(s) => {
            out.push('E');
            quoted(out, '\'', s)
        }
        Token::DoubleQuotedString(s) => quoted(out, '"', s),
        Token::Word(w) => match w.quote_style {
            Some(q) => quoted(out, q, &w.value),
            None => out.push_str(&w.value),
        },
        other => out.push_str(&other.to_string()),
    }
}

/// Whether the tokens start a `CREATE [OR REPLACE] [PERSISTENT|TEMPORARY] SECRET`.
pub fn is_create_secret(tokens: &[TokenWithSpan]) -> bool {
    let words: Vec<String> = tokens
        .iter()
        .take(5)
        .map(|t| match &t.token {
            Token::Word(w) if w.quote_style.is_none() => w.value.to_ascii_uppercase(),
            _ => String::new(),
        })
        .collect();
    let w = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
    if w(0) != "CREATE" {
        return false;
    }
    let mut i = 1;
    if w(1) == "OR" && w(2) == "REPLACE" {
        i = 3;
    }
    if matches!(w(i), "PERSISTENT" | "TEMPORARY") {
        i += 1;
    }
    w(i) == "SECRET"
}

/// Parses a `CREATE SECRET` statement.
///
/// # Errors
/// A syntax error with the position of the offending token and what was expected.
pub fn parse(tokens: &[TokenWithSpan]) -> Result<CreateSecret> {
    let mut c = Cursor {
        tokens,
        at: 0,
        depth: 0,
    };
    c.expect_word("create")?;
    let or_replace = if c.word("or") {
        c.expect_word("replace")?;
        true
    } else {
        false
    };
    let persist = if c.word("persistent") {
        Some(Persist::Persistent)
    } else if c.word("temporary") {
        Some(Persist::Temporary)
    } else {
        None
    };
    c.expect_word("secret")?;
    let if_not_exists = if c.keyword(Keyword::IF) {
        c.expect_word("not")?;
        c.expect_word("exists")?;
        true
    } else {
        false
    };
    let starts_options = |c: &Cursor<'_>| matches!(c.peek().map(|t| &t.token), Some(Token::LParen));
    let at_in = |c: &Cursor<'_>| matches!(c.peek().map(|t| &t.token), Some(Token::Word(w)) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("in"));
    let name = if starts_options(&c) || at_in(&c) {
        None
    } else {
        refuse_reserved(c.peek())?;
        Some(c.identifier("a secret name, IN storage or '('")?)
    };
    let storage = if c.word("in") {
        Some(c.identifier("a storage name after IN")?)
    } else {
        None
    };
    if or_replace && if_not_exists {
        return Err(SqlError::syntax(
            "OR REPLACE and IF NOT EXISTS cannot be used together",
            c.peek().map(pos_of),
        ));
    }
    c.expect(&Token::LParen, "'(' and the secret's options")?;
    let mut secret_type = None;
    let mut provider = None;
    let mut scopes = Vec::new();
    let mut options = Vec::new();
    if !c.token(&Token::RParen) {
        loop {
            let key_pos = c.peek().map(pos_of);
            let key = c.identifier("an option name (TYPE, PROVIDER, SCOPE, KEY_ID, ...)")?;
            let value = c.option_value()?;
            match key.to_ascii_uppercase().as_str() {
                "TYPE" => secret_type = Some(text_value(value, "TYPE", key_pos)?),
                "PROVIDER" => provider = Some(text_value(value, "PROVIDER", key_pos)?),
                // Evaluated with the other expressions (Session), then taken as the scope.
                "SCOPE" if matches!(value, OptionValue::Expr(_)) => options.push((key, value)),
                // As in DuckDB, a repeated SCOPE replaces the earlier one, and an empty list is
                // refused.
                "SCOPE" => {
                    scopes = match value {
                        OptionValue::List(items) if items.is_empty() => {
                            return Err(SqlError::syntax(
                                "Create Secret scope must be of type VARCHAR or LIST(VARCHAR), and a list needs at least one scope",
                                key_pos,
                            ))
                        }
                        OptionValue::List(items) => {
                            items.into_iter().map(|i| text_value(i, "SCOPE", key_pos)).collect::<Result<Vec<_>>>()?
                        }
                        other => vec![text_value(other, "SCOPE", key_pos)?],
                    }
                }
                _ => options.push((key, value)),
            }
            if c.token(&Token::RParen) {
                break;
            }
            c.expect(&Token::Comma, "',' or ')'")?;
        }
    }
    if let Some(t) = c.peek() {
        return Err(SqlError::syntax(
            format!("unexpected {} after the options", describe(&t.token)),
            Some(pos_of(t)),
        ));
    }
    let secret_type = secret_type.ok_or_else(|| {
        SqlError::syntax(
            "CREATE SECRET needs a TYPE option, e.g. (TYPE s3, KEY_ID '...', SECRET '...')",
            tokens.first().map(pos_of),
        )
    })?;
    Ok(CreateSecret {
        or_replace,
        persist,
        if_not_exists,
        name,
        storage,
        secret_type,
        provider,
        scopes,
        options,
    })
}

/// DuckDB's parser refuses its reserved and type/function keywords as an unquoted secret
/// name (`CREATE SECRET select (...)`); quoted, they are names like any other.
///
/// # Errors
/// A syntax error at the word, in DuckDB's words, with what to do.
pub fn refuse_reserved(t: Option<&TokenWithSpan>) -> Result<()> {
    if let Some(
        t @ TokenWithSpan {
            token: Token::Word(w), ..
        },
    ) = t
    {
        if w.quote_style.is_none() && crate::keywords::refused_as_name(&w.value) {
            return Err(SqlError::syntax(
                format!(
                    "at or near \"{v}\": '{v}' is a reserved word in DuckDB; quote it (\"{v}\") to use it as a secret name",
                    v = w.value
                ),
                Some(pos_of(t)),
            ));
        }
    }
    Ok(())
}

fn text_value(v: OptionValue, key: &str, pos: Option<Pos>) -> Result<String> {
    match v {
        // A name (TYPE, PROVIDER, a storage), not a value.
        OptionValue::Text(s) => Ok(s.declassify()),
        _ => Err(SqlError::syntax(format!("{key} takes a name or a 'string'"), pos)),
    }
}
