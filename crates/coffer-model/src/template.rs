//! Kestra's secret templates (seed 004): `{{ secret('NAME') }}` and `{{ secret('NAME', 'KEY') }}`
//! in a flight's command, script and config values, replaced by the secret's value when a run
//! starts, in the run's memory only.
//!
//! The syntax tolerates what Pebble tolerates: whitespace anywhere between the tokens, single
//! or double quotes (`{{secret("X")}}`). Anything else inside `{{ }}` (`{{ outputs.fetch.uri }}`,
//! `{{ execution.id }}`) is not coffer's and is left alone, braces and all, so a Kestra flow's
//! other expressions pass through untouched. An expression that starts as a `secret(` call but
//! does not finish as one (`{{ secret('X' }}`, `{{ secret(X) }}`) is an error naming its line
//! and column: it can only be a typo, and leaving it would hand the template text to the job.

use crate::error::{ModelError, Result};
use coffer_crypto::SecretString;

/// Where a template sits: 1-based line and column (in characters) of its `{{`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pos {
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1.
    pub column: usize,
}

impl std::fmt::Display for Pos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// One `{{ secret(...) }}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRef {
    /// The secret's name.
    pub name: String,
    /// The field or param, when given.
    pub key: Option<String>,
    /// Where it starts.
    pub pos: Pos,
    /// Its byte range in the text.
    pub range: std::ops::Range<usize>,
}

/// Line and column of byte offsets visited in increasing order, each computed from the
/// previous one: scanning a text with many templates stays linear (recounting from the start
/// for each would be quadratic).
struct Positions<'a> {
    text: &'a str,
    /// The byte offset last asked for, and its position.
    byte: usize,
    pos: Pos,
}

impl<'a> Positions<'a> {
    fn new(text: &'a str) -> Self {
        Positions {
            text,
            byte: 0,
            pos: Pos { line: 1, column: 1 },
        }
    }

    /// The position of `byte`, which is at or after the last one asked for.
    fn at(&mut self, byte: usize) -> Pos {
        let between = &self.text[self.byte..byte];
        match between.rfind('\n') {
            Some(nl) => {
                self.pos.line += between.matches('\n').count();
                self.pos.column = between[nl + 1..].chars().count() + 1;
            }
            None => self.pos.column += between.chars().count(),
        }
        self.byte = byte;
        self.pos
    }
}

struct Cursor<'a> {
    s: &'a str,
    i: usize,
}

impl Cursor<'_> {
    fn ws(&mut self) {
        while self.s[self.i..].starts_with(|c: char| c.is_whitespace()) {
            self.i += self.s[self.i..].chars().next().map_or(1, char::len_utf8);
        }
    }

    fn eat(&mut self, t: &str) -> bool {
        if self.s[self.i..].starts_with(t) {
            self.i += t.len();
            true
        } else {
            false
        }
    }

    fn string(&mut self) -> Option<String> {
        let q = self.s[self.i..].chars().next().filter(|c| *c == '\'' || *c == '"')?;
        let rest = &self.s[self.i + 1..];
        let end = rest.find(q)?;
        let v = rest[..end].to_string();
        if v.contains('\n') {
            return None;
        }
        self.i += 1 + end + 1;
        Some(v)
    }
}

/// Every `{{ secret(...) }}` in `text`, in order.
///
/// # Errors
/// [`ModelError::InvalidFlight`] for an expression that starts as a `secret(` call but is not
/// one, naming `what` (`config value of 'X'`) and the position.
pub fn refs(text: &str, what: &str) -> Result<Vec<SecretRef>> {
    let mut out = Vec::new();
    let mut positions = Positions::new(text);
    let mut from = 0;
    while let Some(off) = text[from..].find("{{") {
        let start = from + off;
        let mut c = Cursor { s: text, i: start + 2 };
        c.ws();
        let call = c.s[c.i..].starts_with("secret") && {
            let mut probe = Cursor { s: text, i: c.i + 6 };
            probe.ws();
            probe.s[probe.i..].starts_with('(')
        };
        if !call {
            from = start + 2;
            continue;
        }
        let pos = positions.at(start);
        let bad = |why: &str| ModelError::InvalidFlight {
            field: format!("template in {what} at {pos}"),
            input: None,
            hint: None,
            rule: format!(
                "{why}; write {{{{ secret('NAME') }}}} or {{{{ secret('NAME', 'KEY') }}}} (single or double quotes)"
            ),
        };
        c.i += 6;
        c.ws();
        c.eat("(");
        c.ws();
        let name = c
            .string()
            .ok_or_else(|| bad("the secret's name must be a quoted string"))?;
        c.ws();
        let key = if c.eat(",") {
            c.ws();
            let k = c.string().ok_or_else(|| bad("the key must be a quoted string"))?;
            c.ws();
            Some(k)
        } else {
            None
        };
        if !c.eat(")") {
            return Err(bad("secret(...) takes a name and at most one key, then ')'"));
        }
        c.ws();
        if !c.eat("}}") {
            return Err(bad("nothing may follow secret(...) inside {{ }}"));
        }
        if name.is_empty() || key.as_deref() == Some("") {
            return Err(bad("the name and key cannot be empty"));
        }
        out.push(SecretRef {
            name,
            key,
            pos,
            range: start..c.i,
        });
        from = c.i;
    }
    Ok(out)
}

/// `text` with every template replaced by `value(reference)`, in a [`SecretString`]: the
/// values are copied into it only (each one is dropped, zeroized, once copied).
///
/// # Errors
/// What [`refs`] or `value` fails with.
pub fn render<E>(
    text: &str,
    what: &str,
    mut value: impl FnMut(&SecretRef) -> std::result::Result<SecretString, E>,
) -> std::result::Result<SecretString, E>
where
    E: From<ModelError>,
{
    let refs = refs(text, what)?;
    let mut out = SecretString::with_capacity(text.len());
    let mut last = 0;
    for r in &refs {
        out.push_str(&text[last..r.range.start]);
        out.push_str(value(r)?.expose_secret());
        last = r.range.end;
    }
    out.push_str(&text[last..]);
    Ok(out)
}

/// The index of the shell line in `argv` when it runs a shell on one (`sh -c LINE`,
/// `bash -ec LINE`, `sh -e -c LINE`): the argument after the first option holding `c`.
pub fn shell_line_index<S: AsRef<str>>(argv: &[S]) -> Option<usize> {
    const SHELLS: &[&str] = &["sh", "bash", "dash", "zsh", "ksh", "ash", "mksh"];
    let program = argv.first()?.as_ref();
    let base = program.rsplit('/').next().unwrap_or(program);
    if !SHELLS.contains(&base) {
        return None;
    }
    for (i, a) in argv.iter().enumerate().skip(1) {
        let a = a.as_ref();
        if a == "--" || !a.starts_with('-') {
            return None;
        }
        if !a.starts_with("--") && a[1..].contains('c') {
            return (i + 1 < argv.len()).then_some(i + 1);
        }
    }
    None
}

/// A shell line with every template replaced by a reference to the variable `var(reference)`
/// names, quoted for where it stands: `"${V}"` outside quotes, `${V}` inside double quotes,
/// `'"${V}"'` inside single quotes. The shell expands it to the value, which stays out of argv.
///
/// # Errors
/// What [`refs`] or `var` fails with.
pub fn shell_substitute<E>(
    line: &str,
    what: &str,
    mut var: impl FnMut(&SecretRef) -> std::result::Result<String, E>,
) -> std::result::Result<String, E>
where
    E: From<ModelError>,
{
    #[derive(Clone, Copy, PartialEq)]
    enum Quote {
        None,
        Single,
        Double,
    }
    let refs = refs(line, what)?;
    let mut out = String::with_capacity(line.len());
    let mut state = Quote::None;
    let mut escaped = false;
    let mut last = 0;
    for r in &refs {
        for c in line[last..r.range.start].chars() {
            match (state, c) {
                _ if escaped => escaped = false,
                (Quote::None | Quote::Double, '\\') => escaped = true,
                (Quote::None, '\'') => state = Quote::Single,
                (Quote::Single, '\'') => state = Quote::None,
                (Quote::None, '"') => state = Quote::Double,
                (Quote::Double, '"') => state = Quote::None,
                _ => {}
            }
        }
        out.push_str(&line[last..r.range.start]);
        let name = var(r)?;
        match state {
            Quote::None => out.push_str(&format!("\"${{{name}}}\"")),
            Quote::Double => out.push_str(&format!("${{{name}}}")),
            Quote::Single => out.push_str(&format!("'\"${{{name}}}\"'")),
        }
        last = r.range.end;
    }
    out.push_str(&line[last..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(t: &str) -> Vec<(String, Option<String>)> {
        refs(t, "test")
            .expect("valid")
            .into_iter()
            .map(|r| (r.name, r.key))
            .collect()
    }

    #[test]
    fn shell_lines_get_quoted_variable_references() {
        let sub = |line: &str| {
            let mut n = 0;
            shell_substitute::<ModelError>(line, "test", |_| {
                n += 1;
                Ok(format!("V{n}"))
            })
            .expect("valid")
        };
        assert_eq!(sub("echo {{ secret('A') }}"), "echo \"${V1}\"");
        assert_eq!(
            sub("curl -H 'Bearer {{ secret('T') }}' x"),
            "curl -H 'Bearer '\"${V1}\"'' x"
        );
        assert_eq!(
            sub("psql \"{{ secret('U') }}\" -c \"{{secret('Q')}}\""),
            "psql \"${V1}\" -c \"${V2}\""
        );
        assert_eq!(sub("echo \\' {{ secret('A') }}"), "echo \\' \"${V1}\"");
        assert_eq!(sub("no templates"), "no templates");
        assert_eq!(shell_line_index(&["sh", "-c", "x"]), Some(2));
        assert_eq!(shell_line_index(&["/bin/bash", "-ec", "x"]), Some(2));
        assert_eq!(shell_line_index(&["sh", "-e", "-c", "x"]), Some(3));
        assert_eq!(shell_line_index(&["sh", "script.sh", "-c"]), None);
        assert_eq!(shell_line_index(&["curl", "-c", "x"]), None);
        assert_eq!(shell_line_index(&["sh", "-c"]), None);
    }

    #[test]
    fn pebble_spacing_and_quotes() {
        assert_eq!(names("{{ secret('A') }}"), [("A".to_string(), None)]);
        assert_eq!(names("{{secret(\"A\")}}"), [("A".to_string(), None)]);
        assert_eq!(
            names("x={{  secret ( 'A' ,\t\"K\" )  }}!"),
            [("A".to_string(), Some("K".to_string()))]
        );
        assert_eq!(names("{{ outputs.fetch.uri }} and {{ secret('B') }}").len(), 1);
        assert!(names("{{ secrets }} {{ secretary('x') }}").len() <= 1);
        assert!(names("no templates {{").is_empty());
    }

    #[test]
    fn broken_calls_name_their_position() {
        for bad in [
            "{{ secret('A' }}",
            "{{ secret(A) }}",
            "{{ secret('A') | upper }}",
            "{{ secret('A', 'B', 'C') }}",
            "{{ secret('') }}",
        ] {
            let text = format!("line one\n  {bad}");
            let err = refs(&text, "script").expect_err(bad).to_string();
            assert!(err.contains("line 2, column 3"), "{bad}: {err}");
        }
    }

    #[test]
    fn positions_count_lines_and_characters() {
        let text = "{{ secret('A') }} é{{secret('B')}}\n\nxy {{ secret('C') }}{{ secret('D') }}\n{{secret('E')}}";
        let pos: Vec<(usize, usize)> = refs(text, "t")
            .expect("valid")
            .iter()
            .map(|r| (r.pos.line, r.pos.column))
            .collect();
        assert_eq!(pos, [(1, 1), (1, 20), (3, 4), (3, 21), (4, 1)]);
    }

    #[test]
    fn many_templates_scan_in_linear_time() {
        // 200,000 templates on one line and on as many lines: quadratic position counting
        // took minutes here; linear takes milliseconds.
        for sep in [" ", "\n"] {
            let text = format!("{{{{ secret('A') }}}}{sep}").repeat(200_000);
            let found = refs(&text, "t").expect("valid");
            assert_eq!(found.len(), 200_000);
            let last = found.last().expect("one").pos;
            if sep == " " {
                assert_eq!(
                    last,
                    Pos {
                        line: 1,
                        column: 199_999 * 18 + 1
                    }
                );
            } else {
                assert_eq!(
                    last,
                    Pos {
                        line: 200_000,
                        column: 1
                    }
                );
            }
        }
    }

    #[test]
    fn render_replaces_in_order_and_keeps_the_rest() {
        let out: std::result::Result<SecretString, ModelError> = render(
            "u={{ secret('U') }} p={{secret(\"P\",'k')}} o={{ outputs.x }}",
            "t",
            |r| Ok(format!("<{}:{}>", r.name, r.key.as_deref().unwrap_or("-")).into()),
        );
        assert_eq!(out.expect("ok").expose_secret(), "u=<U:-> p=<P:k> o={{ outputs.x }}");
    }
}
