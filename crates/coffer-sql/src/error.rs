use std::fmt;

/// A position in the statement text (1-based line and column, in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pos {
    /// Line, from 1.
    pub line: u64,
    /// Column, from 1.
    pub column: u64,
}

/// An error of the SQL front.
#[derive(Debug)]
#[non_exhaustive]
pub enum SqlError {
    /// The text does not parse.
    Syntax {
        /// What is wrong and what was expected.
        message: String,
        /// Where, when known.
        pos: Option<Pos>,
    },
    /// The statement parses but coffer does not handle it.
    Unsupported(String),
    /// The statement is valid SQL but wrong for its target (unknown column, bad argument).
    Semantic(String),
    /// The application layer refused or failed.
    Core(coffer_core::CoreError),
    /// The embedded DuckDB refused or failed (its message).
    Engine(String),
    /// A sandboxed session refused to pass the statement to DuckDB ([`crate::guard`]).
    Refused {
        /// The rule, e.g. `setting` or `local-file`.
        rule: &'static str,
        /// What was refused and what to do instead.
        message: String,
    },
    /// The caller may not pass statements to DuckDB: it lacks the role `use` in the project.
    /// coffer's own statements still work with `read`.
    Forbidden(String),
}

/// A `Result` with [`SqlError`].
pub type Result<T> = std::result::Result<T, SqlError>;

impl From<coffer_core::CoreError> for SqlError {
    fn from(e: coffer_core::CoreError) -> Self {
        SqlError::Core(e)
    }
}

impl From<coffer_model::ModelError> for SqlError {
    fn from(e: coffer_model::ModelError) -> Self {
        SqlError::Core(coffer_core::CoreError::Invalid(e))
    }
}

impl fmt::Display for SqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SqlError::Syntax { message, pos: Some(p) } => {
                write!(f, "syntax error at line {}, column {}: {message}", p.line, p.column)
            }
            SqlError::Syntax { message, pos: None } => write!(f, "syntax error: {message}"),
            SqlError::Unsupported(m) => write!(f, "not supported: {m}"),
            SqlError::Semantic(m) => f.write_str(m),
            SqlError::Core(e) => {
                let text = duckdb_words(e).unwrap_or_else(|| e.to_string());
                match e.hint() {
                    Some(hint) => write!(f, "{text}; {}", sql_words(&hint)),
                    None => f.write_str(&text),
                }
            }
            SqlError::Engine(m) => f.write_str(m),
            SqlError::Refused { rule, message } => {
                write!(f, "refused by the sandbox rule '{rule}': {message}")
            }
            SqlError::Forbidden(m) => write!(f, "permission denied: {m}"),
        }
    }
}

impl std::error::Error for SqlError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SqlError::Core(e) => Some(e),
            _ => None,
        }
    }
}

/// The line with the inside of every '...' string replaced by `*` (same length, so the caret
/// stays under its token): a statement that can carry secret values is never echoed.
fn mask_strings(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut in_string = false;
    for c in line.chars() {
        if c == '\'' {
            in_string = !in_string;
            out.push(c);
        } else if in_string {
            out.push('*');
        } else {
            out.push(c);
        }
    }
    out
}

impl SqlError {
    /// A syntax error at `pos`.
    pub fn syntax(message: impl Into<String>, pos: Option<Pos>) -> Self {
        SqlError::Syntax {
            message: message.into(),
            pos,
        }
    }

    /// The message, followed for syntax errors by the offending line of `text` (whose first
    /// line is line `first_line` of the input) and a caret under the column.
    pub fn render(&self, text: &str) -> String {
        let mut out = self.to_string();
        if let SqlError::Syntax { pos: Some(p), .. } = self {
            if let Some(line) = text.lines().nth(p.line.saturating_sub(1) as usize) {
                let col = p.column.saturating_sub(1) as usize;
                let indent: String = line
                    .chars()
                    .take(col)
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                let upper = text.to_ascii_uppercase();
                let line = if ["SECRET", "INSERT", "UPDATE"].iter().any(|w| upper.contains(w)) {
                    mask_strings(line)
                } else {
                    line.to_string()
                };
                out.push_str(&format!("\n  {line}\n  {indent}^"));
            }
        }
        out
    }
}

/// A service error as DuckDB 1.5.5 words it, where a user or a script would match on the
/// words: its `Binder Error:` / `Invalid Input Error:` prefixes and its texts for an unknown
/// type, provider or parameter and for dropping an absent secret (a DROP is the one statement
/// of this front that looks a secret up by name), followed by what coffer adds (valid choices).
fn duckdb_words(e: &coffer_core::CoreError) -> Option<String> {
    use coffer_core::CoreError;
    use coffer_model::ModelError;
    const INPUT: &str = "Invalid Input Error: ";
    const BINDER: &str = "Binder Error: ";
    Some(match e {
        CoreError::Invalid(ModelError::UnknownType { given, valid }) => {
            format!("{INPUT}Secret type '{given}' not found; valid types: {valid}")
        }
        CoreError::Invalid(ModelError::UnknownProvider { ty, given, valid }) => {
            format!("{INPUT}Secret provider '{given}' not found for type '{ty}'; valid providers: {valid}")
        }
        CoreError::Invalid(ModelError::UnknownField {
            ty,
            provider,
            field,
            valid,
        }) => format!(
            "{BINDER}Unknown parameter '{}' for secret type '{ty}' with provider '{provider}'; valid parameters: {valid}",
            field.to_ascii_lowercase()
        ),
        // DuckDB's own words where it has some (a CHAIN item it does not know), then coffer's.
        CoreError::Invalid(m @ ModelError::RefusedByDuckDb { duckdb, .. }) => format!("{duckdb}; {m}"),
        CoreError::Invalid(m @ ModelError::InvalidValue { .. }) => format!("{BINDER}{m}"),
        CoreError::Invalid(m) => format!("{INPUT}{m}"),
        CoreError::NotFound { name, .. } => {
            format!("{INPUT}Failed to remove non-existent secret with name '{name}'")
        }
        CoreError::AlreadyExists { .. } | CoreError::Ambiguous { .. } | CoreError::Usage(_) => {
            format!("{INPUT}{e}")
        }
        _ => return None,
    })
}

/// What to do about a service error, in the SQL front's terms (its clauses and statements);
/// a hint without an SQL form keeps its neutral wording.
fn sql_words(hint: &coffer_core::Hint) -> String {
    use coffer_core::Hint;
    match hint {
        Hint::ReplaceOrKeep => "use OR REPLACE to replace it or IF NOT EXISTS to keep it".into(),
        Hint::NameStorage => "say which with DROP TEMPORARY SECRET or DROP PERSISTENT SECRET".into(),
        other => other.to_string(),
    }
}
