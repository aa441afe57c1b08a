use super::ctx::Ctx;
use crate::error::{ExitWith, UsageError};
use anyhow::{Context, Result};
use coffer_api::types::{SqlBody, SqlErrorBody, SqlResponse};
use coffer_api::CofferApi;
use coffer_core::Caller;
use coffer_sql::{split, Format, Session};
use std::io::{IsTerminal, Read, Write};

/// `coffer sql`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// SQL to run (several statements separated by ';'); repeat for more.
    #[arg(short = 'c', long = "command", value_name = "SQL")]
    commands: Vec<String>,
    /// A file of SQL to run.
    #[arg(short = 'f', long = "file", value_name = "FILE", conflicts_with = "commands")]
    file: Option<std::path::PathBuf>,
    /// Output format: box (DuckDB's), csv, json or line; jsonl prints one JSON object per
    /// statement, results and errors alike (`{"ok":true,"columns":[..],"rows":[..]}` or
    /// `{"ok":false,"error":"..","exit_code":2}`), for programs that drive coffer.
    #[arg(long, default_value = "box", value_parser = ["box", "csv", "json", "line", "jsonl"])]
    format: String,
    /// Stop at the first statement that fails.
    #[arg(long)]
    bail: bool,
    /// Run DuckDB as a remote caller's is run: sandboxed (no access to coffer's home or
    /// anything but the system's directories), local files disabled, settings locked, the
    /// statement rules of the guard, a 30 s timeout and a memory cap. Without it, the machine
    /// owner's DuckDB reads and writes their files.
    #[arg(long)]
    safe: bool,
}

const HELP: &str = "\
Statements end with ';' and may span lines. Statements about secrets are coffer's; every other
statement runs on the project's embedded DuckDB, whose secrets manager holds the project's
secrets (SELECT count(*) FROM read_csv('s3://bucket/data.csv') uses the matching S3 secret).
  CREATE [OR REPLACE] [PERSISTENT|TEMPORARY] SECRET [IF NOT EXISTS] [name] [IN storage] (TYPE t, ...)
  DROP [PERSISTENT|TEMPORARY] SECRET [IF EXISTS] name [FROM storage]
  FROM duckdb_secrets();   SELECT name, scope FROM duckdb_secrets() WHERE type = 's3' ORDER BY name;
  SELECT * FROM which_secret('s3://bucket/file.parquet', 's3');
  INSERT INTO duckdb.secrets (type, key_id, secret, region) VALUES ('S3', '...', '...', 'us-east-1');
  SELECT * FROM duckdb.secrets;  UPDATE duckdb.secrets SET region = '...' WHERE name = '...';
  DELETE FROM duckdb.secrets WHERE name = '...';
Dot commands:
  .help                  this text
  .mode box|csv|json|line  output format
  .quit / .exit          leave (temporary secrets are gone)
";

/// Whether a statement can carry secret values (so it is kept out of the history file and
/// warned about on the command line): decided from its tokens (comments and whitespace are
/// not tokens), so `/* c */ CREATE SECRET ...`, `/* c */ INSERT ...` and a CTE before an
/// INSERT or UPDATE count; a script that does not even split counts too.
fn carries_values(sql: &str) -> bool {
    let Ok(stmts) = split::split(sql) else { return true };
    stmts.iter().any(|s| {
        coffer_sql::create_secret::is_create_secret(&s.tokens)
            || s.tokens.iter().any(|t| match &t.token {
                sqlparser::tokenizer::Token::Word(w) => {
                    w.quote_style.is_none() && ["INSERT", "UPDATE"].iter().any(|k| w.value.eq_ignore_ascii_case(k))
                }
                _ => false,
            })
    })
}

/// Where statements run: a local session on the embedded store (with DuckDB, and state kept
/// from one statement to the next), or through the API (the server's `/sql`).
enum Exec<'a> {
    Local(Session<'a>),
    Api(Box<dyn CofferApi>, String),
}

/// One statement's result, from either side.
enum Step {
    Table(coffer_sql::Table),
    Error(SqlErrorBody),
}

impl Exec<'_> {
    /// The results of a script, or the error of the whole script.
    fn run(&mut self, sql: &str) -> Result<Vec<Step>, SqlErrorBody> {
        let resp = match self {
            Exec::Local(session) => SqlResponse::from_outcomes(session.run_script(sql), |e| SqlErrorBody::of(&e, sql)),
            Exec::Api(api, project) => match api.run_sql(project, SqlBody { sql: sql.into() }) {
                Ok(resp) => resp,
                Err(e) => {
                    let e = anyhow::Error::from(e);
                    let message = format!("{e:#}");
                    return Err(SqlErrorBody {
                        rendered: message.clone(),
                        message,
                        exit_code: crate::error::exit_code(&e),
                    });
                }
            },
        };
        match resp.error {
            Some(e) => Err(e),
            None => Ok(resp
                .results
                .into_iter()
                .map(|r| match (r.table, r.error) {
                    (_, Some(e)) => Step::Error(e),
                    (Some(t), None) => Step::Table(t),
                    (None, None) => Step::Table(coffer_sql::Table::success()),
                })
                .collect()),
        }
    }
}

struct Runner<'a> {
    exec: Exec<'a>,
    format: Format,
    jsonl: bool,
    bail: bool,
    worst: u8,
}

impl Runner<'_> {
    /// Runs a script, printing results to stdout and errors to stderr. Returns false when
    /// `bail` stopped it.
    fn run(&mut self, sql: &str) -> bool {
        let stdout = std::io::stdout();
        let report_error = |e: &SqlErrorBody, jsonl: bool| {
            if jsonl {
                let line = serde_json::json!({"ok": false, "error": e.message, "exit_code": e.exit_code});
                println!("{line}");
            }
            eprintln!("error: {}", e.rendered);
        };
        match self.exec.run(sql) {
            Err(e) => {
                report_error(&e, self.jsonl);
                self.worst = self.worst.max(e.exit_code);
                !self.bail
            }
            Ok(steps) => {
                for step in steps {
                    match step {
                        Step::Table(table) => {
                            let text = if self.jsonl {
                                table.render_jsonl()
                            } else {
                                table.render(self.format)
                            };
                            let mut out = stdout.lock();
                            let _ = out.write_all(text.as_bytes());
                            let _ = out.flush();
                        }
                        Step::Error(e) => {
                            report_error(&e, self.jsonl);
                            self.worst = self.worst.max(e.exit_code);
                            if self.bail {
                                return false;
                            }
                        }
                    }
                }
                true
            }
        }
    }
}

impl Args {
    pub fn run(self, ctx: &Ctx) -> Result<()> {
        let format = Format::parse(&self.format).unwrap_or_default();
        let (service, remote) = if ctx.is_remote() {
            (None, Some(ctx.api()?))
        } else {
            (Some(ctx.service()?), None)
        };
        if self.safe && remote.is_some() {
            return Err(UsageError(
                "--safe is for local mode: a server always runs remote callers' SQL in its sandbox".into(),
            )
            .into());
        }
        let engine = if self.safe {
            crate::dataplane::sandboxed_engine(
                &ctx.home,
                &crate::dataplane::EngineLimits::default(),
                &ctx.run_sandbox()?,
                &[],
            )?
        } else {
            crate::dataplane::local_engine(&ctx.home)
        };
        let duck = service
            .as_ref()
            .map(|s| crate::dataplane::Duck::new(s, engine, &ctx.project).with_extensions(ctx.extensions()));
        let launcher = match &service {
            Some(s) => Some(crate::dataplane::LocalLauncher {
                service: s,
                runner: ctx.local_runner()?,
            }),
            None => None,
        };
        let exec = match (&service, &duck, &launcher, remote) {
            (Some(s), Some(d), Some(l), _) => {
                let session = Session::new(s, ctx.project.clone(), Caller::local())
                    .with_passthrough(d)
                    .with_flights(l);
                Exec::Local(if self.safe { session.sandboxed() } else { session })
            }
            (_, _, _, Some(r)) => Exec::Api(r, ctx.project.clone()),
            _ => return Err(anyhow::anyhow!("no store to run SQL on")),
        };
        let mut runner = Runner {
            exec,
            format,
            jsonl: self.format == "jsonl",
            bail: self.bail,
            worst: 0,
        };
        if !self.commands.is_empty() {
            if self.commands.iter().any(|c| carries_values(c)) {
                eprintln!("warning: statements given with -c are visible to other processes (ps, /proc/*/cmdline, shell history); pass statements that carry secret values with -f FILE or on stdin");
            }
            for c in &self.commands {
                if !runner.run(c) {
                    break;
                }
            }
        } else if let Some(path) = &self.file {
            let sql = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
            runner.run(&sql);
        } else if !std::io::stdin().is_terminal() {
            let mut sql = String::new();
            std::io::stdin().read_to_string(&mut sql).context("cannot read stdin")?;
            runner.run(&sql);
        } else {
            shell(&mut runner, ctx)?;
        }
        match runner.worst {
            0 => Ok(()),
            code => Err(ExitWith(code).into()),
        }
    }
}

fn shell(runner: &mut Runner<'_>, ctx: &Ctx) -> Result<()> {
    use rustyline::error::ReadlineError;
    let mut editor = rustyline::DefaultEditor::new().context("cannot start the line editor")?;
    let history = ctx.home.join("sql_history");
    let _ = editor.load_history(&history);
    println!(
        "coffer sql — project '{}'. Statements end with ';'. .help for help, .quit to leave.",
        ctx.project
    );
    let mut buffer = String::new();
    loop {
        let prompt = if buffer.is_empty() { "coffer> " } else { "   ...> " };
        match editor.readline(prompt) {
            Ok(line) => {
                if buffer.is_empty() && line.trim_start().starts_with('.') {
                    let _ = editor.add_history_entry(line.as_str());
                    let mut words = line.split_whitespace();
                    match (words.next(), words.next()) {
                        (Some(".quit" | ".exit"), _) => break,
                        (Some(".help"), _) => print!("{HELP}"),
                        (Some(".mode"), Some(m)) => match Format::parse(m) {
                            Some(f) => runner.format = f,
                            None => eprintln!("error: unknown mode '{m}'; modes: box, csv, json, line"),
                        },
                        (Some(".mode"), None) => eprintln!("error: .mode needs one of: box, csv, json, line"),
                        (Some(other), _) => eprintln!("error: unknown command '{other}'; .help lists the commands"),
                        (None, _) => {}
                    }
                    continue;
                }
                if !buffer.is_empty() {
                    buffer.push('\n');
                }
                buffer.push_str(&line);
                if buffer.trim().is_empty() {
                    buffer.clear();
                    continue;
                }
                if split::is_complete(&buffer) {
                    // Statements that may carry secret values never reach the history file.
                    if !carries_values(&buffer) {
                        let _ = editor.add_history_entry(buffer.as_str());
                    }
                    runner.run(&buffer);
                    buffer.clear();
                }
            }
            Err(ReadlineError::Interrupted) => {
                buffer.clear();
            }
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(UsageError(format!("cannot read input: {e}")).into()),
        }
    }
    if editor.save_history(&history).is_ok() {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&history, std::fs::Permissions::from_mode(0o600));
    }
    runner.worst = 0; // errors in a shell were shown; leaving it is a success
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn statements_that_may_carry_values_are_found_through_comments_and_ctes() {
        for sql in [
            "CREATE SECRET s (TYPE s3, KEY_ID 'a', SECRET 'b')",
            "/* note */ INSERT INTO duckdb.secrets (type, key_id, secret) VALUES ('S3', 'a', 'b')",
            "-- note\nUPDATE duckdb.secrets SET secret = 'b'",
            "WITH x AS (SELECT 1) INSERT INTO duckdb.secrets (type, key_id, secret) VALUES ('S3', 'a', 'b')",
            "CREATE OR REPLACE PERSISTENT SECRET s (TYPE s3, KEY_ID 'a', SECRET 'b')",
            "SELECT 1; insert into t values ('x')",
            "SELECT 'unterminated",
        ] {
            assert!(super::carries_values(sql), "{sql}");
        }
        for sql in [
            "SELECT 1",
            "FROM duckdb_secrets()",
            "SELECT 'INSERT' AS word",
            "SELECT \"update\" FROM t",
        ] {
            assert!(!super::carries_values(sql), "{sql}");
        }
    }
}
