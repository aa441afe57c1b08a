//! The rules anywhere in a statement: function calls (`getenv`, `current_setting`,
//! `enable_*`, the file reading functions) and `FROM 'file'` scans.

use super::lists::{is_allowed_setting, ALLOWED_SETTINGS, FILE_FUNCTIONS, HOST_FUNCTIONS};
use super::refusal::{refuse, remote_only, Refusal};
use super::tokens::{kw, skip_group, string_value};
use sqlparser::tokenizer::Token;

/// Function calls anywhere: a word (quoted or not) followed by `(`.
pub(super) fn check_calls(toks: &[&Token]) -> Result<(), Refusal> {
    for (i, pair) in toks.windows(2).enumerate() {
        let (Token::Word(w), Token::LParen) = (pair[0], pair[1]) else {
            continue;
        };
        let name = w.value.to_ascii_lowercase();
        if HOST_FUNCTIONS.contains(&name.as_str()) {
            return refuse(
                "host-info",
                format!("{name}() reveals the host and is not allowed in a sandboxed session; use current_setting('name') for the allowed settings"),
            );
        }
        if name == "current_setting" {
            let arg = string_value(toks.get(i + 2).copied());
            let closed = matches!(toks.get(i + 3), Some(Token::RParen));
            if !(closed && arg.is_some_and(is_allowed_setting)) {
                return refuse(
                    "host-info",
                    format!(
                        "current_setting() may read only these settings in a sandboxed session, named as a 'string': {}",
                        ALLOWED_SETTINGS.join(", ")
                    ),
                );
            }
        }
        if name.starts_with("enable_") || name.starts_with("disable_") {
            return refuse(
                "setting",
                format!("{name}() changes DuckDB's configuration and is not allowed in a sandboxed session"),
            );
        }
        if FILE_FUNCTIONS.contains(&name.as_str()) {
            check_file_args(toks, i + 2, &name)?;
        }
    }
    Ok(())
}

/// The first argument of a file function, at `j`: a 'string' or a list of them, each remote.
fn check_file_args(toks: &[&Token], j: usize, name: &str) -> Result<(), Refusal> {
    let not_literal = || {
        refuse(
            "local-file",
            format!("{name}() needs its remote URL(s) as 'string' literals in a sandboxed session"),
        )
    };
    match toks.get(j).copied() {
        Some(Token::LBracket) => {
            let end = skip_group(toks, j);
            for t in toks.get(j + 1..end.saturating_sub(1)).unwrap_or_default() {
                match string_value(Some(t)) {
                    Some(path) => remote_only(&format!("{name}()'s file"), path)?,
                    None if matches!(t, Token::Comma) => {}
                    None => return not_literal(),
                }
            }
            Ok(())
        }
        t => match string_value(t) {
            Some(path) => remote_only(&format!("{name}()'s file"), path),
            None => not_literal(),
        },
    }
}

/// `FROM 'file'` (DuckDB's replacement scans): a string, or a quoted name that looks like a
/// file, where a FROM clause takes a table.
pub(super) fn check_from_scans(toks: &[&Token]) -> Result<(), Refusal> {
    // Per bracket depth: whether the tokens are in a FROM clause, and whether the bracket is
    // the argument list of a function whose syntax has FROM inside (EXTRACT(x FROM y)).
    let mut frames: Vec<(bool, bool)> = vec![(false, false)];
    let mut prev: Option<&Token> = None;
    for &t in toks {
        let (in_from, inside_call) = frames.last().copied().unwrap_or((false, false));
        match t {
            Token::LParen | Token::LBracket | Token::LBrace => {
                let call = ["EXTRACT", "SUBSTRING", "TRIM", "OVERLAY"].iter().any(|k| kw(prev, k));
                frames.push((false, call));
            }
            Token::RParen | Token::RBracket | Token::RBrace if frames.len() > 1 => {
                frames.pop();
            }
            Token::Word(w) if w.quote_style.is_none() => {
                let v = w.value.to_ascii_uppercase();
                let clause = match v.as_str() {
                    "FROM" if !inside_call && !kw(prev, "DISTINCT") => Some(true),
                    "JOIN" => Some(true),
                    "SELECT" | "WHERE" | "GROUP" | "HAVING" | "ORDER" | "LIMIT" | "OFFSET" | "QUALIFY" | "WINDOW"
                    | "UNION" | "EXCEPT" | "INTERSECT" | "ON" | "USING" | "SET" | "VALUES" | "RETURNING" | "TO"
                    | "PIVOT" | "UNPIVOT" => Some(false),
                    _ => None,
                };
                if let (Some(c), Some(f)) = (clause, frames.last_mut()) {
                    f.0 = c;
                }
            }
            _ => {}
        }
        let after_from = kw(prev, "FROM") || kw(prev, "JOIN") || matches!(prev, Some(Token::Comma));
        if in_from && after_from {
            if let Some(path) = string_value(Some(t)) {
                remote_only("the file", path)?;
            }
            if let Token::Word(w) = t {
                if w.quote_style.is_some() && (w.value.contains('/') || w.value.contains('.')) {
                    remote_only("the file", &w.value)?;
                }
            }
        }
        prev = Some(t);
    }
    Ok(())
}
