//! The rules on a statement's head: `SET`/`RESET`, `PRAGMA`, extensions, `ATTACH`, `COPY`,
//! `EXPORT`/`IMPORT DATABASE` and `CREATE`/`DROP SECRET`.

use super::lists::{
    is_allowed_setting, is_remote, ALLOWED_PRAGMAS, ALLOWED_SETTINGS, LOCAL_CONNECTION_KEYS, REMOTE_SCHEMES,
};
use super::refusal::{refuse, remote_only, Refusal};
use super::tokens::{kw, skip_group, string_value, word_lower};
use sqlparser::tokenizer::Token;

pub(super) fn check_head(toks: &[&Token], i: usize) -> Result<(), Refusal> {
    let at = |j: usize| toks.get(j).copied();
    let head = at(i);
    if kw(head, "SET") || kw(head, "RESET") {
        let verb = if kw(head, "SET") { "SET" } else { "RESET" };
        let mut j = i + 1;
        if kw(at(j), "SESSION") || kw(at(j), "GLOBAL") || kw(at(j), "LOCAL") {
            j += 1;
        }
        if kw(at(j), "VARIABLE") {
            return Ok(());
        }
        let mut name = String::new();
        while let Some(Token::Word(w)) = at(j) {
            name.push_str(&w.value);
            if matches!(at(j + 1), Some(Token::Period)) {
                name.push('.');
                j += 2;
            } else {
                break;
            }
        }
        if is_allowed_setting(&name) {
            return Ok(());
        }
        let shown = if name.is_empty() {
            "this setting".to_string()
        } else {
            format!("'{name}'")
        };
        return refuse(
            "setting",
            format!(
                "{verb} {shown} is not allowed in a sandboxed session; settings that may be changed: {} (and SET VARIABLE)",
                ALLOWED_SETTINGS.join(", ")
            ),
        );
    }
    if kw(head, "PRAGMA") {
        let name = word_lower(at(i + 1)).unwrap_or_default();
        let assigns = matches!(at(i + 2), Some(Token::Eq));
        if !assigns && ALLOWED_PRAGMAS.contains(&name.as_str()) {
            return Ok(());
        }
        return refuse(
            "pragma",
            format!(
                "PRAGMA {name}{} is not allowed in a sandboxed session; allowed (read-only, without '='): {}; use SET for the settings listed in the 'setting' rule",
                if assigns { " = ..." } else { "" },
                ALLOWED_PRAGMAS.join(", ")
            ),
        );
    }
    let extension = kw(head, "INSTALL")
        || kw(head, "LOAD")
        || (kw(head, "FORCE") && kw(at(i + 1), "INSTALL"))
        || (kw(head, "UPDATE") && kw(at(i + 1), "EXTENSIONS"));
    if extension {
        return refuse(
            "extension",
            "installing, loading and updating extensions is not allowed in a sandboxed session; the sandbox's DuckDB comes with the extensions it may use (autoloaded)",
        );
    }
    if kw(head, "ATTACH") {
        return check_attach(toks, i + 1);
    }
    if kw(head, "COPY") {
        return check_copy(toks, i + 1);
    }
    if (kw(head, "EXPORT") || kw(head, "IMPORT")) && kw(at(i + 1), "DATABASE") {
        let verb = if kw(head, "EXPORT") { "EXPORT" } else { "IMPORT" };
        return match toks[i..].iter().find_map(|t| string_value(Some(t))) {
            Some(path) => remote_only(&format!("{verb} DATABASE's directory"), path),
            None => refuse(
                "local-file",
                format!("{verb} DATABASE needs a remote URL as a 'string'"),
            ),
        };
    }
    if kw(head, "CREATE") || kw(head, "DROP") {
        let mut j = i + 1;
        while ["OR", "REPLACE", "PERSISTENT", "TEMPORARY", "TEMP"]
            .iter()
            .any(|k| kw(at(j), k))
        {
            j += 1;
        }
        if kw(at(j), "SECRET") {
            return refuse(
                "secret",
                "secrets are coffer's: this statement is not passed to DuckDB; use CREATE SECRET / DROP SECRET as coffer documents them",
            );
        }
    }
    Ok(())
}

fn check_attach(toks: &[&Token], mut j: usize) -> Result<(), Refusal> {
    let at = |j: usize| toks.get(j).copied();
    while ["OR", "REPLACE", "DATABASE", "IF", "NOT", "EXISTS"]
        .iter()
        .any(|k| kw(at(j), k))
    {
        j += 1;
    }
    let Some(path) = string_value(at(j)) else {
        return refuse(
            "attach",
            "ATTACH needs its path or URL as a 'string' in a sandboxed session",
        );
    };
    // TYPE in the options.
    let mut ty = None;
    for k in j + 1..toks.len() {
        if kw(at(k), "TYPE") {
            ty = word_lower(at(k + 1));
            break;
        }
    }
    let lower = path.to_ascii_lowercase();
    if lower.starts_with("md:") || lower.starts_with("motherduck:") {
        return refuse(
            "attach",
            "MotherDuck ('md:') is not available: coffer has no MotherDuck connection",
        );
    }
    // DuckDB's 'postgres:...', 'sqlite:...' prefixes name the type.
    let (ty, target) = match path.split_once(':') {
        Some((p, rest))
            if !rest.starts_with("//")
                && ["postgres", "postgresql", "mysql", "sqlite", "duckdb"]
                    .contains(&p.to_ascii_lowercase().as_str()) =>
        {
            (Some(p.to_ascii_lowercase()), rest)
        }
        _ => (ty, path),
    };
    match ty.as_deref() {
        Some("postgres" | "postgresql" | "postgres_scanner" | "mysql" | "mysql_scanner") => {
            let conn = target.to_ascii_lowercase();
            match LOCAL_CONNECTION_KEYS.iter().find(|k| conn.contains(*k)) {
                Some(k) => refuse(
                    "attach",
                    format!(
                        "the connection string names a local file or socket ('{k}'): give the server's host name and put credentials in a coffer secret (ATTACH '' AS db (TYPE postgres, SECRET name))"
                    ),
                ),
                None => Ok(()),
            }
        }
        _ if target.starts_with(":memory:") => Ok(()),
        _ if is_remote(target) => Ok(()),
        _ => refuse(
            "attach",
            format!(
                "ATTACH '{path}' is a local file: a sandboxed session attaches only ':memory:', remote database files ({}://...) read-only, and PostgreSQL/MySQL servers",
                REMOTE_SCHEMES.join("://, ")
            ),
        ),
    }
}

fn check_copy(toks: &[&Token], mut j: usize) -> Result<(), Refusal> {
    let at = |j: usize| toks.get(j).copied();
    if kw(at(j), "FROM") && kw(at(j + 1), "DATABASE") {
        return Ok(()); // COPY FROM DATABASE a TO b: between attached databases
    }
    while j < toks.len() {
        if matches!(at(j), Some(Token::LParen)) {
            j = skip_group(toks, j);
            continue;
        }
        if kw(at(j), "TO") || kw(at(j), "FROM") {
            return match string_value(at(j + 1)) {
                Some(path) => remote_only("COPY's file", path),
                None => refuse(
                    "local-file",
                    "COPY needs a remote URL as a 'string' in a sandboxed session (no STDOUT, STDIN or computed paths)",
                ),
            };
        }
        j += 1;
    }
    refuse("local-file", "COPY needs TO or FROM a remote URL")
}
