//! dotenv files: `.env` (python-dotenv's rules) and Kestra's `.env_encoded`.
//!
//! [`parse`] reads a `.env` file the way python-dotenv 1.2 (`dotenv/parser.py`) does, checked
//! against it by a differential test on a corpus (`crates/coffer-model/tests/dotenv.rs`):
//!
//! - blank lines and lines whose first non-blank character is `#` are skipped;
//! - `KEY=VALUE`, with blanks allowed before the key, around `=` and after the value; an
//!   optional `export ` prefix; a key is a run of characters other than `=`, `#` and blanks, or
//!   any text in single quotes (`'my key'=1`);
//! - unquoted values run to the end of the line; a `#` preceded by a blank starts a comment
//!   (`KEY=a#b` is `a#b`, `KEY=a #b` is `a`), trailing blanks are dropped; `KEY=` and
//!   `KEY= # comment` are empty;
//! - single-quoted values are literal except `\\` and `\'`; double-quoted values decode
//!   `\\ \' \" \a \b \f \n \r \t \v` (any other backslash stays as written); both kinds may span
//!   lines; after the closing quote only blanks and a `#` comment may follow;
//! - a key repeated later wins (it keeps the place of its first appearance, as python-dotenv's
//!   dict does);
//! - line endings `\r\n` and `\r` are read as `\n` (Python reads files in text mode), and a
//!   leading byte-order mark is dropped.
//!
//! Deliberate differences from python-dotenv:
//!
//! - **No variable expansion**: `${VAR}` stays as written. python-dotenv's `dotenv_values`
//!   expands by default; coffer stores secrets, and a value must be what the file says, not
//!   depend on the environment of the importing process (compare with
//!   `dotenv_values(path, interpolate=False)`).
//! - **A line `KEY` without `=` is skipped**: python-dotenv gives the key the value `None`
//!   (which also replaces an earlier value of the key); coffer has no "unset" value, so such a
//!   line assigns nothing and an earlier `KEY=...` stays.
//! - **A line python-dotenv cannot parse is an error**: python-dotenv logs a warning and drops
//!   it; coffer refuses the whole file with a [`DotenvError`] naming the line where the
//!   statement starts (python-dotenv's warning may name an earlier line: the one after the
//!   previous statement) and the rule, so that no secret is silently lost.
//!
//! Errors name the line and the rule, never a value.
//!
//! [`render`] writes a `.env` text for every reader at once: [`parse`], python-dotenv (with its
//! default interpolation) and a shell's `set -a; . ./.env` (dash and bash), which must run and
//! expand nothing. [`value_form`] picks bare, single or double quotes for each value and refuses
//! the few values no form can hold (a `'` together with a `$`, `${...}`, a carriage return, a
//! NUL); a key that is not a shell variable name is written after `export `, which a shell
//! refuses instead of running the line as a command.
//!
//! Kestra's `.env_encoded` form ([`parse_encoded`], [`render_encoded`]) is one
//! `SECRET_<KEY>=<base64 of the value>` per line.

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine as _;
use coffer_crypto::SecretString;
use indexmap::IndexMap;
use std::fmt;

/// Why a dotenv text was refused: the 1-based line and the rule broken, never the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DotenvError {
    /// The 1-based line (where the statement starts).
    pub line: usize,
    /// The rule broken.
    pub reason: String,
}

impl fmt::Display for DotenvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

impl std::error::Error for DotenvError {}

/// One assignment of a dotenv file.
#[derive(Debug)]
pub struct Entry {
    /// The 1-based line where the assignment starts (for a repeated key, its last assignment).
    pub line: usize,
    /// The key.
    pub key: String,
    /// The value.
    pub value: SecretString,
}

/// Python's `str.isspace` (and `\s` of its `re`): Unicode `White_Space` plus U+001C..U+001F.
fn py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// `[^\S\r\n]`: a blank that does not end a line.
fn blank(c: char) -> bool {
    c != '\n' && c != '\r' && py_space(c)
}

/// Reads `text` as Python's text mode does: `\r\n` and `\r` become `\n`, a leading BOM goes.
fn normalize(text: &str) -> String {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' {
            if chars.peek() == Some(&'\n') {
                chars.next();
            }
            out.push('\n');
        } else {
            out.push(c);
        }
    }
    out
}

struct Reader<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Reader<'a> {
    fn rest(&self) -> &'a str {
        &self.s[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    /// Skips characters while `f` holds; returns what was skipped.
    fn take_while(&mut self, f: impl Fn(char) -> bool) -> &'a str {
        let rest = self.rest();
        let n = rest.find(|c: char| !f(c)).unwrap_or(rest.len());
        self.pos += n;
        &rest[..n]
    }

    /// A quoted run after the opening `quote` (`(?:\\.|[^q\\])*q`): the raw inside, or `None`
    /// when the closing quote is missing.
    fn quoted(&mut self, quote: char) -> Option<&'a str> {
        let rest = self.rest();
        let body = &rest[quote.len_utf8()..];
        let mut chars = body.char_indices();
        while let Some((i, c)) = chars.next() {
            if c == '\\' {
                chars.next()?;
            } else if c == quote {
                self.pos += quote.len_utf8() + i + quote.len_utf8();
                return Some(&body[..i]);
            }
        }
        None
    }
}

/// Decodes the escapes python-dotenv decodes: `\\` and `\'` in single quotes, also
/// `\" \a \b \f \n \r \t \v` in double quotes; any other backslash stays.
fn decode(raw: &str, double: bool) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let decoded = match chars.peek() {
            Some('\\') => Some('\\'),
            Some('\'') => Some('\''),
            Some('"') if double => Some('"'),
            Some('a') if double => Some('\u{7}'),
            Some('b') if double => Some('\u{8}'),
            Some('f') if double => Some('\u{c}'),
            Some('n') if double => Some('\n'),
            Some('r') if double => Some('\r'),
            Some('t') if double => Some('\t'),
            Some('v') if double => Some('\u{b}'),
            _ => None,
        };
        match decoded {
            Some(d) => {
                chars.next();
                out.push(d);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// An unquoted value: up to the end of the line, cut at the first blank run followed by `#`,
/// trailing blanks dropped.
fn unquoted(part: &str) -> &str {
    let mut cut = part.len();
    let mut run_start: Option<usize> = None;
    for (i, c) in part.char_indices() {
        if py_space(c) {
            run_start.get_or_insert(i);
        } else {
            if c == '#' {
                if let Some(start) = run_start {
                    cut = start;
                    break;
                }
            }
            run_start = None;
        }
    }
    part[..cut].trim_end_matches(py_space)
}

fn err(line: usize, reason: &str) -> DotenvError {
    DotenvError {
        line,
        reason: reason.to_string(),
    }
}

/// One statement; `Ok(None)` for a comment, a bare `KEY` or the end of the text.
fn statement(r: &mut Reader<'_>, line: usize) -> Result<Option<(String, String)>, DotenvError> {
    if let Some(after) = r.rest().strip_prefix("export") {
        let ws = after.find(|c: char| !blank(c)).unwrap_or(after.len());
        if ws > 0 {
            r.pos += "export".len() + ws;
        }
    }
    let key = match r.peek() {
        Some('#') => None,
        Some('\'') => {
            let rest = r.rest();
            match rest[1..].find('\'') {
                Some(n) if n > 0 => {
                    r.pos += n + 2;
                    Some(rest[1..=n].to_string())
                }
                _ => {
                    return Err(err(
                        line,
                        "a quoted key needs a closing quote and at least one character",
                    ))
                }
            }
        }
        _ => {
            let k = r.take_while(|c| c != '=' && c != '#' && !py_space(c));
            if k.is_empty() {
                return Err(err(line, "expected a key before '='"));
            }
            Some(k.to_string())
        }
    };
    r.take_while(blank);
    let mut quoted = false;
    let value = if key.is_some() && r.peek() == Some('=') {
        r.pos += 1;
        let ws = r.take_while(blank);
        match r.peek() {
            Some('#') if !ws.is_empty() => Some(String::new()),
            Some(q @ ('\'' | '"')) => {
                quoted = true;
                match r.quoted(q) {
                    Some(raw) => Some(decode(raw, q == '"')),
                    None if q == '"' => return Err(err(line, "unterminated double-quoted value")),
                    None => return Err(err(line, "unterminated single-quoted value")),
                }
            }
            None | Some('\n') => Some(String::new()),
            Some(_) => {
                let part = r.take_while(|c| c != '\n');
                Some(unquoted(part).to_string())
            }
        }
    } else {
        None
    };
    // An optional comment, then the end of the line.
    let save = r.pos;
    r.take_while(blank);
    if r.peek() == Some('#') {
        r.take_while(|c| c != '\n');
    } else {
        r.pos = save;
    }
    r.take_while(blank);
    match r.peek() {
        None => {}
        Some('\n') => r.pos += 1,
        Some(_) if quoted => return Err(err(line, "unexpected text after the closing quote")),
        Some(_) => return Err(err(line, "expected '=' after the key")),
    }
    Ok(key.zip(value))
}

/// Parses a `.env` text into its assignments, with their lines (see the module doc).
///
/// # Errors
/// The first statement that breaks a rule, by line.
pub fn parse_entries(text: &str) -> Result<Vec<Entry>, DotenvError> {
    let s = normalize(text);
    let mut r = Reader { s: &s, pos: 0 };
    let mut out = Entries::default();
    let mut line = 1;
    let mut counted = 0;
    loop {
        r.take_while(py_space);
        if r.peek().is_none() {
            break;
        }
        line += s[counted..r.pos].matches('\n').count();
        counted = r.pos;
        if let Some((key, value)) = statement(&mut r, line)? {
            out.assign(line, key, SecretString::new(value));
        }
    }
    Ok(out.into_list())
}

/// Parses a `.env` text into `(key, value)` pairs in order of first appearance, the last
/// assignment of a key winning (see the module doc).
///
/// # Errors
/// The first statement that breaks a rule, by line; the message never holds a value.
pub fn parse(text: &str) -> Result<Vec<(String, SecretString)>, DotenvError> {
    Ok(parse_entries(text)?.into_iter().map(|e| (e.key, e.value)).collect())
}

/// How [`render`] writes a value (see [`value_form`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueForm {
    /// As is: `KEY=value` (only `A-Z a-z 0-9 _ - . / : @ % + , =`, or empty).
    Bare,
    /// In single quotes, nothing escaped: `KEY='value'`.
    SingleQuoted,
    /// In double quotes, `\` and `"` escaped with a backslash, everything else (newlines,
    /// tabs, `'`) as is: `KEY="value"`.
    DoubleQuoted,
}

/// Characters of a value written without quotes: none that a shell treats specially in an
/// assignment (`;&|()<>` end the command, `*?[]` glob, `{}` and `~` expand, `!` and `^` are
/// history in some shells, `#` starts a comment in python-dotenv after a blank).
fn bare_value_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_-./:@%+,=".contains(c)
}

/// Whether python-dotenv's interpolation (`${NAME}`, `${NAME:-default}`, on by default in
/// `dotenv_values` and `load_dotenv`) could change `v`. It applies to single-quoted values too,
/// so no quoting protects such a value. Conservative: any `${` with a `}` after it.
fn interpolated(v: &str) -> bool {
    v.find("${").is_some_and(|i| v[i..].contains('}'))
}

/// How a value is written so that it reads back exactly, and nothing in it is run or expanded,
/// in all of: `set -a; . ./file` in sh (dash) and bash, python-dotenv's `dotenv_values` (with
/// its default `${VAR}` interpolation) and [`parse`].
///
/// - bare when every character is in `A-Z a-z 0-9 _ - . / : @ % + , =`;
/// - else in single quotes (literal for a shell) when the value holds no `'`, no `\\` and
///   does not end in `\` (python-dotenv and [`parse`] decode `\\` and `\'` in single quotes);
/// - else in double quotes with `\\` and `\"` (which the shells and python-dotenv decode
///   alike) when it holds no `$` and no backtick (a shell expands both in double quotes).
///
/// # Errors
/// The rule, when no form works: a value holding a NUL (no shell variable can), a carriage
/// return (python-dotenv reads a file in text mode, where a CR ends a line, and so does
/// [`parse`]), `${` with a later `}` (python-dotenv expands it inside any quotes), or a `'`, a
/// `\\` or a final `\` together with a `$` or a backtick.
pub fn value_form(v: &str) -> Result<ValueForm, &'static str> {
    if v.contains('\0') {
        return Err("it holds a NUL character, which no shell variable can hold");
    }
    if v.contains('\r') {
        return Err("it holds a carriage return, which python-dotenv reads as a line break");
    }
    if interpolated(v) {
        return Err("it holds '${' with a '}' after it, which python-dotenv expands inside any quotes");
    }
    if v.chars().all(bare_value_char) {
        Ok(ValueForm::Bare)
    } else if !v.contains('\'') && !v.contains("\\\\") && !v.ends_with('\\') {
        Ok(ValueForm::SingleQuoted)
    } else if !v.contains(['$', '`']) {
        Ok(ValueForm::DoubleQuoted)
    } else {
        Err(
            "it holds a single quote, '\\\\' or a final backslash (so it cannot be single-quoted) \
             and '$' or a backtick (so it cannot be double-quoted)",
        )
    }
}

/// A shell variable name: `[A-Za-z_][A-Za-z0-9_]*`.
fn shell_name(key: &str) -> bool {
    let mut chars = key.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Writes `key=` for [`render`]. A shell variable name is written as is. Any other key cannot
/// be a shell variable, and `key=value` would be a command to a shell (`my.key=/x` runs the
/// program `./my.key=/x`, `$(cmd)=1` runs `cmd`): it is written `export key=` (only
/// `A-Z a-z 0-9 . _ -`) or `export 'key'=`, which a shell refuses as an invalid name (bash goes
/// on, dash stops) and both dotenv readers take as `key`. `None` when no form works.
fn write_key(out: &mut String, key: &str) -> bool {
    if shell_name(key) {
        out.push_str(key);
    } else if !key.is_empty()
        && !key.starts_with('\u{feff}')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    {
        out.push_str("export ");
        out.push_str(key);
    } else if !key.is_empty() && !key.contains(['\'', '\r', '\0']) {
        out.push_str("export '");
        out.push_str(key);
        out.push('\'');
    } else {
        return false;
    }
    out.push('=');
    true
}

/// Writes pairs as a `.env` text that [`parse`], python-dotenv (also with its default
/// `${VAR}` interpolation) and `set -a; . ./file` in sh and bash read back identically, and
/// in which a shell runs or expands nothing: each value in the form [`value_form`] chooses,
/// each key as `write_key` says. Ends with a newline.
///
/// A value no form can hold is refused rather than written in a form one of the readers
/// would read differently: [`render_encoded`] (base64) holds any value.
///
/// # Errors
/// - a key no dotenv line can hold (empty, or holding `'`, a carriage return or a NUL
///   when it is not of `A-Z a-z 0-9 . _ -`);
/// - a value [`value_form`] refuses: the reason names the key and the rule, never the value.
///
/// The error's line is where the key would have been written.
pub fn render(pairs: &[(String, SecretString)]) -> Result<String, DotenvError> {
    let mut out = String::new();
    let mut line = 1;
    for (key, value) in pairs {
        let written = out.len();
        let shown = key.escape_debug();
        if !write_key(&mut out, key) {
            return Err(err(
                line,
                "this key cannot be written in a dotenv file (it is empty, or holds a quote, a \
                 carriage return or a NUL)",
            ));
        }
        let v = value.expose_secret();
        match value_form(v) {
            Ok(ValueForm::Bare) => out.push_str(v),
            Ok(ValueForm::SingleQuoted) => {
                out.push('\'');
                out.push_str(v);
                out.push('\'');
            }
            Ok(ValueForm::DoubleQuoted) => {
                out.push('"');
                for c in v.chars() {
                    if matches!(c, '\\' | '"') {
                        out.push('\\');
                    }
                    out.push(c);
                }
                out.push('"');
            }
            Err(rule) => {
                return Err(DotenvError {
                    line,
                    reason: format!(
                        "the value of '{shown}' cannot be written so that sh, bash and \
                         python-dotenv all read it back unchanged: {rule}; write it in Kestra's \
                         base64 form instead (coffer env export --kestra)"
                    ),
                })
            }
        }
        out.push('\n');
        // Only what was just written: counting over all of `out` would be quadratic.
        line += out[written..].matches('\n').count();
    }
    Ok(out)
}

/// The prefix of every key in Kestra's `.env_encoded`.
pub const KESTRA_PREFIX: &str = "SECRET_";

/// GNU `base64` wraps its output at 76 columns.
const BASE64_WRAP: usize = 76;

fn base64_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '+' || c == '/'
}

/// A run of base64: alphabet characters, then at most two `=`.
fn is_base64(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    s.len() - body.len() <= 2 && body.chars().all(base64_char)
}

/// Parses Kestra's `.env_encoded`: `SECRET_<KEY>=<base64>` lines (standard alphabet, padding
/// optional), giving `(KEY, decoded value)` with the prefix removed; a repeated key wins.
///
/// - Blank lines and lines starting with `#` are skipped.
/// - The seed's encoding script (`echo "SECRET_$key=$(echo -n "$value" | base64)"`) keeps
///   GNU base64's wrapping: a value over 57 bytes continues on the next lines. A line that
///   follows a base64 line of exactly 76 characters and is itself base64 continues that value.
/// - The script turns a blank line into `SECRET_=` and a comment line into `SECRET_# ...=...`:
///   both are skipped (they never were variables).
/// - Any other line without the `SECRET_` prefix, an empty key, a key with blanks, or base64
///   that does not decode to UTF-8 text is an error naming the line, never the value.
///
/// # Errors
/// The first line that breaks a rule.
pub fn parse_encoded(text: &str) -> Result<Vec<(String, SecretString)>, DotenvError> {
    Ok(parse_encoded_entries(text)?
        .into_iter()
        .map(|e| (e.key, e.value))
        .collect())
}

/// [`parse_encoded`] with the line of each entry.
///
/// # Errors
/// As [`parse_encoded`].
pub fn parse_encoded_entries(text: &str) -> Result<Vec<Entry>, DotenvError> {
    let s = normalize(text);
    // (line, key, base64 text, whether the last piece was a full 76-column line)
    let mut raw: Vec<(usize, String, String, bool)> = Vec::new();
    let mut open = false;
    for (i, l) in s.split('\n').enumerate() {
        let line = i + 1;
        let t = l.trim_end_matches(blank);
        if open && is_base64(t) && !t.is_empty() {
            if let Some(last) = raw.last_mut() {
                last.2.push_str(t);
                open = t.len() == BASE64_WRAP;
                continue;
            }
        }
        open = false;
        let t = t.trim_start_matches(blank);
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let Some(rest) = t.strip_prefix(KESTRA_PREFIX) else {
            return Err(err(
                line,
                "expected SECRET_<NAME>=<base64>: the line does not start with SECRET_",
            ));
        };
        let Some((key, value)) = rest.split_once('=') else {
            return Err(err(line, "expected SECRET_<NAME>=<base64>: no '='"));
        };
        if key.starts_with('#') || (key.is_empty() && value.is_empty()) {
            continue;
        }
        if key.is_empty() {
            return Err(err(line, "empty name after SECRET_"));
        }
        if key.contains(|c: char| c == '#' || py_space(c)) {
            return Err(err(line, "a name after SECRET_ may not hold blanks or '#'"));
        }
        if !is_base64(value) {
            return Err(err(
                line,
                "the value is not base64 (standard alphabet A-Z a-z 0-9 + /, '=' padding)",
            ));
        }
        open = value.len() == BASE64_WRAP;
        raw.push((line, key.to_string(), value.to_string(), open));
    }
    let mut out = Entries::default();
    for (line, key, b64, _) in raw {
        let bytes = STANDARD_NO_PAD
            .decode(b64.trim_end_matches('='))
            .map_err(|_| err(line, "the value is not valid base64"))?;
        let value = String::from_utf8(bytes).map_err(|e| {
            let mut b = e.into_bytes();
            zero(&mut b);
            err(line, "the decoded value is not UTF-8 text")
        })?;
        out.assign(line, key, SecretString::new(value));
    }
    Ok(out.into_list())
}

fn zero(b: &mut [u8]) {
    for x in b.iter_mut() {
        *x = 0;
    }
}

/// Writes pairs in Kestra's `.env_encoded` form: `SECRET_<KEY>=<base64>` per line, standard
/// alphabet with padding, never wrapped (Docker's `env_file` reads one line per variable).
///
/// # Errors
/// A key that is empty or holds `=`, `#` or a blank (the line it would have been written on).
pub fn render_encoded(pairs: &[(String, SecretString)]) -> Result<String, DotenvError> {
    let mut out = String::new();
    for (i, (key, value)) in pairs.iter().enumerate() {
        if key.is_empty() || key.contains(|c: char| c == '=' || c == '#' || py_space(c)) {
            return Err(err(i + 1, "this key cannot be written as SECRET_<NAME>"));
        }
        out.push_str(KESTRA_PREFIX);
        out.push_str(key);
        out.push('=');
        STANDARD.encode_string(value.expose_secret(), &mut out);
        out.push('\n');
    }
    Ok(out)
}

/// The entries of a file being read: a repeated key keeps its first place and takes the last
/// value and line. An index map finds the key in constant time (a search of the earlier
/// entries, as before, made a file of many keys quadratic).
#[derive(Default)]
struct Entries(IndexMap<String, (usize, SecretString)>);

impl Entries {
    fn assign(&mut self, line: usize, key: String, value: SecretString) {
        // `insert` on a present key keeps its place and replaces the value.
        self.0.insert(key, (line, value));
    }

    fn into_list(self) -> Vec<Entry> {
        self.0
            .into_iter()
            .map(|(key, (line, value))| Entry { line, key, value })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_keys_read_and_write_in_linear_time() {
        // 200,000 distinct keys, then each assigned again: a linear search per assignment
        // took minutes here.
        let n = 200_000;
        let mut text = String::new();
        for round in 0..2 {
            for i in 0..n {
                text.push_str(&format!("K{i}=v{round}\n"));
            }
        }
        let entries = parse_entries(&text).expect("valid");
        assert_eq!(entries.len(), n);
        assert_eq!(entries[7].key, "K7");
        assert_eq!(entries[7].value.expose_secret(), "v1");
        assert_eq!(entries[7].line, n + 8);
        let pairs: Vec<(String, SecretString)> = entries.into_iter().map(|e| (e.key, e.value)).collect();
        let written = render(&pairs).expect("renders");
        assert_eq!(written.len(), text.len() / 2);
        let encoded = render_encoded(&pairs).expect("renders");
        assert_eq!(parse_encoded(&encoded).expect("valid").len(), n);
    }

    #[test]
    fn a_key_starting_with_a_bom_survives_a_round_trip() {
        // Found by the dotenv fuzz target: written bare as the first key, the reader took its
        // U+FEFF for the file's byte-order mark and dropped it.
        let entries = parse_entries("\u{feff}\u{feff}BOM=1\nA=2\n").expect("valid");
        assert_eq!(entries[0].key, "\u{feff}BOM");
        let pairs: Vec<(String, SecretString)> = entries.into_iter().map(|e| (e.key, e.value)).collect();
        let written = render(&pairs).expect("renders");
        assert_eq!(written, "export '\u{feff}BOM'=1\nA=2\n");
        let back = parse(&written).expect("valid");
        assert_eq!(back[0].0, "\u{feff}BOM");
        assert_eq!(back[0].1.expose_secret(), "1");
        let bad = vec![("\u{feff}it's".to_string(), SecretString::new("x".to_string()))];
        assert!(render(&bad).is_err());
    }

    #[test]
    fn render_names_the_line_of_a_bad_key_after_multiline_values() {
        let pairs = vec![
            ("A".to_string(), SecretString::new("one\ntwo".to_string())),
            ("B".to_string(), SecretString::new("x".to_string())),
            ("'=".to_string(), SecretString::new("y".to_string())),
        ];
        assert_eq!(render(&pairs).expect_err("bad key").line, 4);
    }

    #[test]
    fn unquoted_comment_rule() {
        assert_eq!(unquoted("a#b"), "a#b");
        assert_eq!(unquoted("a #b"), "a");
        assert_eq!(unquoted("a  b \t# c # d"), "a  b");
        assert_eq!(unquoted("a \u{1c}"), "a");
    }
}
