//! The `query` tool: SQL through coffer's SQL front and the project's sandboxed DuckDB, with
//! two walls in front of it. MCP traffic lands in a model's context, so a statement that
//! would store a secret value written into it (`CREATE SECRET` with a sensitive option,
//! `INSERT`/`UPDATE` of `duckdb.secrets`) is refused ([`refusal`]); in read-only mode only
//! statements that change nothing pass ([`read_only_refusal`]).

use crate::call::Call;
use crate::params as p;
use crate::reply::Reply;
use coffer_api::types::SqlBody;
use coffer_sql::create_secret::CreateSecret;
use coffer_sql::split::StmtSource;
use coffer_sql::{Statement, Table, Value};
use serde_json::{json, Map};
use sqlparser::ast;
use sqlparser::tokenizer::Token;

/// Default and largest `max_rows`.
const ROWS_DEFAULT: usize = 100;
const ROWS_MAX: usize = 1000;
/// The most bytes of rows an answer holds (the rest is cut, with a note).
const ANSWER_BYTES: usize = 256 * 1024;

/// The `MD_` functions that change nothing.
const MD_READS: &[&str] = &[
    "md_list_flights",
    "md_flights",
    "md_get_flight",
    "md_list_flight_runs",
    "md_flight_runs",
    "md_list_flight_versions",
    "md_get_flight_version",
    "md_access_tokens",
];

/// Where secret values go instead.
const ELSEWHERE: &str = "MCP traffic lands in a model's context, so secret values never pass through it: create or change the secret with the coffer CLI (coffer secret create NAME --type TYPE --set KEY=-), the HTTP API or the web page, then refer to it by name";

/// Why `statement` (the `n`th) may not run through MCP, if it may not.
pub fn refusal(n: usize, source: &StmtSource) -> Option<String> {
    let words = words(source);
    let first = words.first().map(String::as_str);
    let names_secrets = words.iter().any(|w| matches!(w.as_str(), "secret" | "secrets"));
    if matches!(first, Some("insert" | "update")) && names_secrets {
        return Some(format!(
            "statement {n}: writing rows of duckdb.secrets is refused here: the row carries secret values. {ELSEWHERE}"
        ));
    }
    if let Ok(Statement::CreateSecret(c)) = coffer_sql::parse::parse(source) {
        if let Some(option) = sensitive_option(&c) {
            return Some(format!(
                "statement {n}: CREATE SECRET with {} is refused here: it would put a secret value in this conversation. {ELSEWHERE}",
                option.to_ascii_uppercase()
            ));
        }
    }
    None
}

/// The first option of `c` that may hold a secret value: a sensitive field of any provider of
/// its type, or any option of a type coffer does not know.
fn sensitive_option(c: &CreateSecret) -> Option<&str> {
    let spec = coffer_model::types::lookup(&c.secret_type.to_ascii_lowercase());
    c.options.iter().map(|(k, _)| k.as_str()).find(|k| {
        let k = k.to_ascii_lowercase();
        match spec {
            Some(t) => t.providers.iter().any(|p| p.field(&k).is_some_and(|f| f.sensitive)),
            None => true,
        }
    })
}

/// Why `statement` (the `n`th) may not run on a read-only server, if it may not.
pub fn read_only_refusal(n: usize, source: &StmtSource) -> Option<String> {
    let no = |what: &str| {
        Some(format!(
            "statement {n}: this server is read-only and {what}; only SELECT/FROM queries (duckdb_secrets(), which_secret(), the MD_ listing functions, DuckDB queries), SHOW, DESCRIBE and EXPLAIN run here"
        ))
    };
    if let Some(w) = words(source)
        .iter()
        .find(|w| w.starts_with("md_") && !MD_READS.contains(&w.as_str()))
    {
        return no(&format!("{} changes flights", w.to_ascii_uppercase()));
    }
    match coffer_sql::parse::parse(source) {
        Err(_) => no("it cannot tell what this statement does"),
        Ok(Statement::CreateSecret(_)) => no("CREATE SECRET writes"),
        Ok(Statement::CreateSource(_) | Statement::DropSource(_)) => no("it changes a data source"),
        Ok(Statement::Sql(s)) => match *s {
            ast::Statement::Query(_)
            | ast::Statement::Explain { .. }
            | ast::Statement::ExplainTable { .. }
            | ast::Statement::ShowTables { .. }
            | ast::Statement::ShowColumns { .. }
            | ast::Statement::ShowFunctions { .. }
            | ast::Statement::ShowVariable { .. }
            | ast::Statement::ShowVariables { .. } => None,
            ast::Statement::Call(f) => {
                let name = f.name.to_string().to_ascii_lowercase();
                if MD_READS.contains(&name.as_str()) {
                    None
                } else {
                    no(&format!("CALL {} may change something", name.to_ascii_uppercase()))
                }
            }
            _ => no("this statement is not a query"),
        },
    }
}

/// The statement's words, lower-case, in order.
fn words(source: &StmtSource) -> Vec<String> {
    source
        .tokens
        .iter()
        .filter_map(|t| match &t.token {
            Token::Word(w) => Some(w.value.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

/// `query`.
pub(crate) fn run(call: &Call, a: p::Query) -> Reply {
    let project = call.project(a.project.as_ref());
    let max_rows = a.max_rows.unwrap_or(ROWS_DEFAULT).clamp(1, ROWS_MAX);
    // A script that does not split is the SQL front's error to report, as it words it.
    if let Ok(statements) = coffer_sql::split::split(&a.sql) {
        for (i, s) in statements.iter().enumerate() {
            let refused = refusal(i + 1, s).or_else(|| call.read_only.then(|| read_only_refusal(i + 1, s)).flatten());
            if let Some(why) = refused {
                return Reply::Err(why);
            }
        }
    }
    let body = SqlBody {
        sql: coffer_crypto::SecretString::from(a.sql),
    };
    let response = match call.api.run_sql(&project, body) {
        Ok(r) => r,
        Err(e) => return e.into(),
    };
    if let Some(e) = response.error {
        return Reply::Err(e.rendered);
    }
    let mut budget = ANSWER_BYTES;
    let mut failed = false;
    let results: Vec<serde_json::Value> = response
        .results
        .into_iter()
        .enumerate()
        .map(|(i, r)| match (r.table, r.error) {
            (_, Some(e)) => {
                failed = true;
                json!({"statement": i + 1, "error": e.rendered})
            }
            (Some(t), None) => table_json(i + 1, &t, max_rows, &mut budget),
            (None, None) => json!({"statement": i + 1}),
        })
        .collect();
    let answer = json!({ "results": results });
    if failed {
        match serde_json::to_string(&answer) {
            Ok(s) => Reply::Err(s),
            Err(e) => Reply::Err(format!("cannot encode the answer: {e}")),
        }
    } else {
        Reply::json(&answer)
    }
}

/// A result as JSON: columns with their types, rows as objects, cut at `max_rows` rows and
/// at `budget` bytes (shared by the script's results), with a note saying so.
fn table_json(n: usize, t: &Table, max_rows: usize, budget: &mut usize) -> serde_json::Value {
    let columns: Vec<serde_json::Value> = t
        .columns
        .iter()
        .map(|(name, ty)| json!({"name": name, "type": ty.name()}))
        .collect();
    let mut rows = Vec::new();
    let mut cut_by_bytes = false;
    for row in t.rows.iter().take(max_rows) {
        let mut object = Map::new();
        for ((name, _), v) in t.columns.iter().zip(row) {
            object.insert(name.clone(), value_json(v));
        }
        let object = serde_json::Value::Object(object);
        let size = object.to_string().len();
        if size > *budget {
            cut_by_bytes = true;
            break;
        }
        *budget -= size;
        rows.push(object);
    }
    let mut out = json!({
        "statement": n,
        "columns": columns,
        "row_count": t.rows.len(),
        "rows": rows,
    });
    if rows.len() < t.rows.len() {
        let why = if cut_by_bytes {
            format!("the answer's {ANSWER_BYTES} bytes")
        } else {
            "max_rows".to_string()
        };
        out["note"] = json!(format!(
            "cut to {} of {} rows by {why}; add a LIMIT or a WHERE to see the rest",
            rows.len(),
            t.rows.len()
        ));
    }
    out
}

fn value_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => json!(b),
        Value::Int(i) => json!(i),
        Value::Text(s) => json!(s),
        Value::List(items) => serde_json::Value::Array(items.iter().map(value_json).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(sql: &str) -> StmtSource {
        coffer_sql::split::split(sql).expect("splits").remove(0)
    }

    #[test]
    fn statements_that_store_values_are_refused() {
        for sql in [
            "CREATE SECRET s (TYPE s3, KEY_ID 'AKIA', SECRET 'xyz')",
            "create or replace persistent secret s (type openai, api_key 'sk-1')",
            "CREATE SECRET f (TYPE flights, PARAMS MAP {'API_KEY': 'v'})",
            "CREATE SECRET s (TYPE s3, SESSION_TOKEN 't')",
            "CREATE SECRET s (TYPE nosuchtype, WHATEVER 'v')",
            "INSERT INTO duckdb.secrets (type, key_id, secret) VALUES ('S3', 'a', 'b')",
            "UPDATE duckdb.secrets SET secret = 'x' WHERE name = 's'",
        ] {
            let why = refusal(1, &first(sql)).unwrap_or_else(|| panic!("not refused: {sql}"));
            assert!(why.contains("coffer CLI"), "{why}");
        }
        for sql in [
            "CREATE SECRET s (TYPE s3, PROVIDER credential_chain, REGION 'eu-west-1', SCOPE 's3://b')",
            "DROP SECRET s",
            "FROM duckdb_secrets()",
            "SELECT 'CREATE SECRET x (TYPE s3, SECRET ''y'')' AS s",
        ] {
            assert_eq!(refusal(1, &first(sql)), None, "{sql}");
        }
    }

    #[test]
    fn read_only_takes_only_statements_that_change_nothing() {
        for sql in [
            "FROM duckdb_secrets()",
            "SELECT * FROM which_secret('s3://b/x', 's3')",
            "SELECT * FROM MD_LIST_FLIGHT_RUNS(flight_id := 'f')",
            "CALL md_get_flight(flight_id := 'f')",
            "SELECT token_name FROM md_access_tokens()",
            "SELECT 42",
            "EXPLAIN SELECT 1",
        ] {
            assert_eq!(read_only_refusal(1, &first(sql)), None, "{sql}");
        }
        for sql in [
            "DROP SECRET s",
            "CREATE SECRET s (TYPE s3, PROVIDER credential_chain)",
            "CALL MD_RUN_FLIGHT(flight_id := 'f')",
            "SELECT * FROM md_run_flight(flight_id := 'f')",
            "CALL md_delete_flight(flight_id := 'f')",
            "DELETE FROM duckdb.secrets WHERE name = 's'",
            "CREATE TABLE t AS SELECT 1",
            "COPY (SELECT 1) TO '/tmp/x.csv'",
            "ATTACH 'x.db'",
            "SET threads = 1",
            "INSTALL httpfs",
        ] {
            assert!(read_only_refusal(1, &first(sql)).is_some(), "{sql}");
        }
    }
}
