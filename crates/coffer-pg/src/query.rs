//! Both query protocols. A simple query is split into statements (coffer's splitter); each is
//! answered by the endpoint itself ([`crate::special`]) or run through the SQL runner as the
//! connection's identity. The extended protocol binds `$1`, `$2`... as SQL literals before the
//! statement runs (values never reach a log or an error: messages have them masked); a
//! statement that changes nothing is run at Describe time to learn its columns, and that result
//! is what the Execute that follows sends.

use crate::conn::Conn;
use crate::endpoint::PgEndpoint;
use crate::errors::{error, fatal, sql_error};
use crate::special::{self, Answer};
use crate::types;
use async_trait::async_trait;
use coffer_core::CoreError;
use coffer_model::scope::Storage;
use coffer_sql::{Table, Value};
use futures::stream;
use pgwire::api::portal::{Format, Portal};
use pgwire::api::query::{ExtendedQueryHandler, SimpleQueryHandler};
use pgwire::api::results::{
    DataRowEncoder, DescribePortalResponse, DescribeStatementResponse, FieldFormat, QueryResponse, Response, Tag,
};
use pgwire::api::stmt::{NoopQueryParser, StoredStatement};
use pgwire::api::{ClientInfo, Type};
use pgwire::error::{PgWireError, PgWireResult};
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// The query handlers of one connection.
pub(crate) struct Queries {
    endpoint: Arc<PgEndpoint>,
    conn: Arc<Conn>,
    parser: Arc<NoopQueryParser>,
}

/// Lower-case first word of a statement.
fn verb(sql: &str) -> String {
    let mut s = sql.trim_start();
    // Leading comments.
    loop {
        if let Some(rest) = s.strip_prefix("--") {
            s = rest.split_once('\n').map_or("", |(_, r)| r).trim_start();
        } else if let Some(rest) = s.strip_prefix("/*") {
            s = rest.split_once("*/").map_or("", |(_, r)| r).trim_start();
        } else {
            break;
        }
    }
    s.split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// Whether a statement only reads (runs inside a transaction block, and at Describe time).
fn reads_only(sql: &str) -> bool {
    matches!(
        verb(sql).as_str(),
        "select" | "from" | "with" | "show" | "values" | "describe" | "explain" | "summarize" | "table"
    )
}

impl Queries {
    pub(crate) fn new(endpoint: Arc<PgEndpoint>, conn: Arc<Conn>) -> Self {
        Queries {
            endpoint,
            conn,
            parser: Arc::new(NoopQueryParser::new()),
        }
    }

    /// Lets cancel requests reach this connection (once: its key does not change).
    fn register<C: ClientInfo>(&self, client: &C) {
        if crate::conn::lock(&self.conn.pid).is_none() {
            let (pid, key) = client.pid_and_secret_key();
            self.endpoint.register(pid, key, &self.conn);
        }
    }

    /// Runs one statement; `hide` are bound values to keep out of error messages.
    async fn run(&self, sql: &str, hide: &[String]) -> PgWireResult<Outcome> {
        self.conn.touch();
        let Some((caller, token, project)) = self.conn.login() else {
            return Err(fatal("08P01", "not signed in"));
        };
        let setting = special::secret_setting(sql);
        let answered = if setting.is_some() {
            None
        } else {
            let mut session = self.conn.session();
            special::answer(sql, &mut session, &caller.name, &project)
        };
        match answered {
            Some(Answer::Tag(t)) => return Ok(Outcome::Tag(t)),
            Some(Answer::Table(t)) => return Ok(Outcome::Table(t)),
            None => {}
        }
        if self.conn.session().in_block && !reads_only(sql) {
            return Err(error(
                "25006",
                "coffer runs statements that change something outside transaction blocks (they cannot be rolled back): \
                 COMMIT or ROLLBACK first, or use autocommit (psycopg: conn.autocommit = True; JDBC: setAutoCommit(true))",
            ));
        }
        let creates = verb(sql) == "create";
        // The connection's secret settings run first, in the same SQL session.
        let prefix: String = self
            .conn
            .session()
            .secret_settings
            .iter()
            .map(|(_, stmt)| format!("{stmt};\n"))
            .collect();
        let prefix_lines = prefix.lines().count() as u64;
        self.conn.cancelled.store(false, Ordering::SeqCst);
        self.conn.running.store(true, Ordering::SeqCst);
        let backend = self.endpoint.backend.clone();
        let client = self.conn.client.ip().to_string();
        let text = format!("{prefix}{sql}");
        let joined = tokio::task::spawn_blocking(move || {
            let caller = backend.service.authenticate(token.expose_secret(), &client)?;
            let memory = |c: &coffer_core::Caller| -> Vec<String> {
                backend
                    .service
                    .list_secrets(c, &project)
                    .map(|l| {
                        l.into_iter()
                            .filter(|s| s.storage == Storage::Memory)
                            .map(|s| s.name)
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let before = if creates { memory(&caller) } else { Vec::new() };
            let outcome = backend.sql.run(&backend.service, &caller, &project, &text);
            let created: Vec<String> = if creates {
                memory(&caller).into_iter().filter(|n| !before.contains(n)).collect()
            } else {
                Vec::new()
            };
            Ok::<_, CoreError>((outcome, created))
        })
        .await
        .map_err(|e| PgWireError::ApiError(Box::new(e)));
        self.conn.running.store(false, Ordering::SeqCst);
        if self.conn.cancelled.swap(false, Ordering::SeqCst) {
            return Err(error("57014", "canceling statement due to user request"));
        }
        let (outcome, created) = match joined? {
            Ok(o) => o,
            Err(CoreError::Unauthenticated(m)) => {
                return Err(fatal("28000", format!("the connection's token stopped working: {m}")))
            }
            Err(e) => return Err(error(crate::errors::core_code(&e), e.to_string())),
        };
        self.conn.session().temporary.extend(created);
        // A syntax error's position counts the settings' lines: the statement's own is wanted.
        let relined = |e: coffer_sql::SqlError| match e {
            coffer_sql::SqlError::Syntax { message, pos: Some(p) } if prefix_lines > 0 => {
                coffer_sql::SqlError::Syntax {
                    message,
                    pos: Some(coffer_sql::Pos {
                        line: p.line.saturating_sub(prefix_lines).max(1),
                        column: p.column,
                    }),
                }
            }
            other => other,
        };
        let table = match outcome {
            Err(e) => return Err(sql_error(&relined(e), sql, hide)),
            Ok(mut outcomes) => match outcomes.pop() {
                None => return Ok(Outcome::Empty),
                Some(o) => o.result.map_err(|e| sql_error(&relined(e), sql, hide))?,
            },
        };
        // A secret setting that ran (it is valid) is kept for the connection's next statements.
        if let Some(name) = setting {
            let mut session = self.conn.session();
            session.secret_settings.retain(|(n, _)| *n != name);
            session
                .secret_settings
                .push((name, sql.trim().trim_end_matches(';').to_string()));
            return Ok(Outcome::Tag("SET"));
        }
        if table.rows.len() > self.endpoint.config.max_result_rows {
            return Err(error(
                "54000",
                format!(
                    "the result has {} rows, more than the endpoint sends ({}): add a LIMIT",
                    table.rows.len(),
                    self.endpoint.config.max_result_rows
                ),
            ));
        }
        Ok(match verb(sql).as_str() {
            v @ ("insert" | "update" | "delete") => Outcome::Count(v.to_ascii_uppercase(), count(&table)),
            _ => Outcome::Table(table),
        })
    }
}

/// What one statement gave.
enum Outcome {
    Empty,
    Tag(&'static str),
    Count(String, usize),
    Table(Table),
}

/// Rows changed, as coffer's table of an INSERT/UPDATE/DELETE says it.
fn count(t: &Table) -> usize {
    match t.rows.as_slice() {
        [row] if row.len() == 1 => match &row[0] {
            Value::Int(n) => usize::try_from(*n).unwrap_or(0),
            _ => 1,
        },
        rows => rows.len(),
    }
}

fn response(outcome: Outcome, format: &Format) -> PgWireResult<Response> {
    Ok(match outcome {
        Outcome::Empty => Response::EmptyQuery,
        Outcome::Tag("BEGIN") => Response::TransactionStart(Tag::new("BEGIN")),
        Outcome::Tag(t @ ("COMMIT" | "ROLLBACK")) => Response::TransactionEnd(Tag::new(t)),
        Outcome::Tag(t) => Response::Execution(Tag::new(t)),
        Outcome::Count(verb, n) if verb == "INSERT" => Response::Execution(Tag::new("INSERT").with_oid(0).with_rows(n)),
        Outcome::Count(verb, n) => Response::Execution(Tag::new(&verb).with_rows(n)),
        Outcome::Table(t) => Response::Query(rows(t, format)?),
    })
}

fn rows(t: Table, format: &Format) -> PgWireResult<QueryResponse> {
    let fields = Arc::new(types::fields(&t.columns, format));
    let mut out = Vec::with_capacity(t.rows.len());
    for row in &t.rows {
        let mut enc = DataRowEncoder::new(Arc::clone(&fields));
        for (field, v) in fields.iter().zip(row) {
            types::encode(&mut enc, field, v)?;
        }
        out.push(Ok(enc.take_row()));
    }
    Ok(QueryResponse::new(fields, stream::iter(out)))
}

#[async_trait]
impl SimpleQueryHandler for Queries {
    async fn do_query<C>(&self, client: &mut C, query: &str) -> PgWireResult<Vec<Response>>
    where
        C: ClientInfo + Unpin + Send + Sync,
    {
        self.register(client);
        let statements = match coffer_sql::split::split(query) {
            Ok(s) => s,
            Err(e) => return Err(sql_error(&e, query, &[])),
        };
        let mut responses = Vec::with_capacity(statements.len());
        let mut from = 0usize;
        for s in statements {
            let at = query[from..].find(s.text.as_str()).map_or(from, |i| from + i);
            from = at + s.text.len();
            match self.run(&s.text, &[]).await {
                Ok(o) => responses.push(response(o, &Format::UnifiedText)?),
                Err(PgWireError::UserError(mut info)) => {
                    // A syntax error's position, in the whole query.
                    if let Some(p) = info.position.as_ref().and_then(|p| p.parse::<usize>().ok()) {
                        info.position = Some((query[..at].chars().count() + p).to_string());
                    }
                    if info.severity == "FATAL" {
                        return Err(PgWireError::UserError(info));
                    }
                    responses.push(Response::Error(info));
                    break;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(responses)
    }
}

/// The number of `$N` parameters `sql` uses.
fn parameter_count(sql: &str) -> usize {
    let mut max = 0;
    scan(sql, |n| {
        max = max.max(n);
        None
    });
    max
}

/// Calls `f` with each `$N` outside strings, quoted names and comments; replaces it with what
/// `f` returns.
fn scan(sql: &str, mut f: impl FnMut(usize) -> Option<String>) -> String {
    let b = sql.as_bytes();
    let mut out = String::with_capacity(sql.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let end = match c {
            b'\'' | b'"' => {
                let mut j = i + 1;
                while j < b.len() {
                    if b[j] == c {
                        if j + 1 < b.len() && b[j + 1] == c {
                            j += 2;
                            continue;
                        }
                        break;
                    }
                    j += 1;
                }
                (j + 1).min(b.len())
            }
            b'-' if b.get(i + 1) == Some(&b'-') => sql[i..].find('\n').map_or(b.len(), |n| i + n),
            b'/' if b.get(i + 1) == Some(&b'*') => sql[i + 2..].find("*/").map_or(b.len(), |n| i + 2 + n + 2),
            b'$' if b.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                let mut j = i + 1;
                while j < b.len() && b[j].is_ascii_digit() {
                    j += 1;
                }
                let n: usize = sql[i + 1..j].parse().unwrap_or(0);
                match f(n) {
                    Some(lit) => out.push_str(&lit),
                    None => out.push_str(&sql[i..j]),
                }
                i = j;
                continue;
            }
            _ => {
                let len = sql[i..].chars().next().map_or(1, char::len_utf8);
                i + len
            }
        };
        out.push_str(&sql[i..end]);
        i = end;
    }
    out
}

/// A bound value as a SQL literal.
fn literal(v: &Option<String>, ty: &Type) -> String {
    match v {
        None => "NULL".into(),
        Some(s) => {
            let numeric = matches!(
                *ty,
                Type::INT2 | Type::INT4 | Type::INT8 | Type::FLOAT4 | Type::FLOAT8 | Type::NUMERIC
            );
            if numeric && s.parse::<f64>().is_ok() {
                s.clone()
            } else if *ty == Type::BOOL && matches!(s.as_str(), "t" | "f" | "true" | "false") {
                (if s.starts_with('t') { "true" } else { "false" }).into()
            } else {
                format!("'{}'", s.replace('\'', "''"))
            }
        }
    }
}

/// The bound parameters of a portal, as text.
fn parameters(portal: &Portal<String>) -> PgWireResult<Vec<Option<String>>> {
    let mut out = Vec::with_capacity(portal.parameters.len());
    for (i, p) in portal.parameters.iter().enumerate() {
        let ty = portal
            .statement
            .parameter_types
            .get(i)
            .cloned()
            .flatten()
            .unwrap_or(Type::TEXT);
        let Some(bytes) = p else {
            out.push(None);
            continue;
        };
        let text = if portal.parameter_format.format_for(i) == FieldFormat::Binary {
            let n = |len: usize| -> PgWireResult<[u8; 8]> {
                let mut a = [0u8; 8];
                if bytes.len() != len {
                    return Err(error(
                        "22P03",
                        format!("parameter ${} has {} bytes, not {len}", i + 1, bytes.len()),
                    ));
                }
                a[8 - len..].copy_from_slice(bytes);
                Ok(a)
            };
            match ty {
                Type::INT2 => (i64::from_be_bytes(n(2)?) as i16).to_string(),
                Type::INT4 => (i64::from_be_bytes(n(4)?) as i32).to_string(),
                Type::INT8 => i64::from_be_bytes(n(8)?).to_string(),
                Type::FLOAT8 => f64::from_be_bytes(n(8)?).to_string(),
                Type::BOOL => (bytes.first() == Some(&1)).to_string(),
                _ => String::from_utf8(bytes.to_vec())
                    .map_err(|_| error("22021", format!("parameter ${} is not UTF-8 text", i + 1)))?,
            }
        } else {
            String::from_utf8(bytes.to_vec())
                .map_err(|_| error("22021", format!("parameter ${} is not UTF-8 text", i + 1)))?
        };
        out.push(Some(text));
    }
    Ok(out)
}

fn bind(sql: &str, params: &[Option<String>], types: &[Option<Type>]) -> String {
    scan(sql, |n| {
        let v = params.get(n.checked_sub(1)?)?;
        let ty = types.get(n - 1).cloned().flatten().unwrap_or(Type::TEXT);
        Some(literal(v, &ty))
    })
}

#[async_trait]
impl ExtendedQueryHandler for Queries {
    type Statement = String;
    type QueryParser = NoopQueryParser;

    fn query_parser(&self) -> Arc<Self::QueryParser> {
        Arc::clone(&self.parser)
    }

    async fn do_query<C>(
        &self,
        client: &mut C,
        portal: &Portal<Self::Statement>,
        _max_rows: usize,
    ) -> PgWireResult<Response>
    where
        C: ClientInfo + Unpin + Send + Sync,
    {
        self.register(client);
        let sql = &portal.statement.statement;
        let params = parameters(portal)?;
        let cached = {
            let mut session = self.conn.session();
            match session.described.take() {
                Some((s, p, t)) if &s == sql && p == params => Some(t),
                _ => None,
            }
        };
        if let Some(t) = cached {
            return response(Outcome::Table(t), &portal.result_column_format);
        }
        let hide: Vec<String> = params.iter().flatten().cloned().collect();
        let bound = bind(sql, &params, &portal.statement.parameter_types);
        let outcome = self.run(&bound, &hide).await?;
        response(outcome, &portal.result_column_format)
    }

    async fn do_describe_statement<C>(
        &self,
        _client: &mut C,
        target: &StoredStatement<Self::Statement>,
    ) -> PgWireResult<DescribeStatementResponse>
    where
        C: ClientInfo + Unpin + Send + Sync,
    {
        let n = parameter_count(&target.statement).max(target.parameter_types.len());
        let types: Vec<Type> = (0..n)
            .map(|i| target.parameter_types.get(i).cloned().flatten().unwrap_or(Type::TEXT))
            .collect();
        let mut fields = Vec::new();
        if reads_only(&target.statement) {
            // Its columns: run it with NULL parameters (a read changes nothing).
            let nulls = vec![None; n];
            let bound = bind(&target.statement, &nulls, &target.parameter_types);
            if let Ok(Outcome::Table(t)) = self.run(&bound, &[]).await {
                fields = types::fields(&t.columns, &Format::UnifiedText);
            }
        }
        Ok(DescribeStatementResponse::new(types, fields))
    }

    async fn do_describe_portal<C>(
        &self,
        _client: &mut C,
        portal: &Portal<Self::Statement>,
    ) -> PgWireResult<DescribePortalResponse>
    where
        C: ClientInfo + Unpin + Send + Sync,
    {
        let sql = &portal.statement.statement;
        if !reads_only(sql) {
            return Ok(DescribePortalResponse::new(Vec::new()));
        }
        let params = parameters(portal)?;
        let hide: Vec<String> = params.iter().flatten().cloned().collect();
        let bound = bind(sql, &params, &portal.statement.parameter_types);
        match self.run(&bound, &hide).await? {
            Outcome::Table(t) => {
                let fields = types::fields(&t.columns, &portal.result_column_format);
                self.conn.session().described = Some((sql.clone(), params, t));
                Ok(DescribePortalResponse::new(fields))
            }
            _ => Ok(DescribePortalResponse::new(Vec::new())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_bound_as_literals_outside_strings_and_comments() {
        let sql = "INSERT INTO duckdb.secrets (type, key_id, secret) VALUES ($1, $2, '$3') -- $4\n";
        assert_eq!(parameter_count(sql), 2);
        let params = [Some("s3".to_string()), Some("it's".to_string())];
        assert_eq!(
            bind(sql, &params, &[]),
            "INSERT INTO duckdb.secrets (type, key_id, secret) VALUES ('s3', 'it''s', '$3') -- $4\n"
        );
        assert_eq!(bind("SELECT $1", &[None], &[]), "SELECT NULL");
        assert_eq!(
            bind("SELECT $1", &[Some("42".into())], &[Some(Type::INT4)]),
            "SELECT 42"
        );
        assert_eq!(
            bind("SELECT $1", &[Some("1; DROP".into())], &[Some(Type::INT4)]),
            "SELECT '1; DROP'"
        );
    }

    #[test]
    fn statements_that_read_are_told_apart() {
        assert!(reads_only("  -- c\n SELECT 1"));
        assert!(reads_only("FROM duckdb_secrets()"));
        assert!(!reads_only("INSERT INTO duckdb.secrets VALUES (1)"));
        assert!(!reads_only("CREATE SECRET s (TYPE s3)"));
    }
}
