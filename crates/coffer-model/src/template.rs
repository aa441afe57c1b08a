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

fn pos_of(text: &str, byte: usize) -> Pos {
    let before = &text[..byte];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Pos { line, column }
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
        let pos = pos_of(text, start);
        let bad = |why: &str| ModelError::InvalidFlight {
            field: format!("template in {what} at {pos}"),
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

/// `text` with every template replaced by `value(reference)`.
///
/// # Errors
/// What [`refs`] or `value` fails with.
pub fn render<E>(
    text: &str,
    what: &str,
    mut value: impl FnMut(&SecretRef) -> std::result::Result<String, E>,
) -> std::result::Result<String, E>
where
    E: From<ModelError>,
{
    let refs = refs(text, what)?;
    if refs.is_empty() {
        return Ok(text.to_string());
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for r in &refs {
        out.push_str(&text[last..r.range.start]);
        out.push_str(&value(r)?);
        last = r.range.end;
    }
    out.push_str(&text[last..]);
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
    fn render_replaces_in_order_and_keeps_the_rest() {
        let out: std::result::Result<String, ModelError> = render(
            "u={{ secret('U') }} p={{secret(\"P\",'k')}} o={{ outputs.x }}",
            "t",
            |r| Ok(format!("<{}:{}>", r.name, r.key.as_deref().unwrap_or("-"))),
        );
        assert_eq!(out.expect("ok"), "u=<U:-> p=<P:k> o={{ outputs.x }}");
    }
}
