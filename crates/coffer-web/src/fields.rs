//! The typed secret form: the fields of a type and provider from coffer's type table, drawn as
//! inputs (sensitive ones as password inputs that are never filled back in), and read back
//! into a create request.

use crate::form::FormData;
use crate::layout::{described_by, field_error};
use coffer_api::types::FieldInput;
use coffer_crypto::SecretString;
use coffer_model::types::{FieldKind, FieldSpec, ProviderSpec, TypeSpec};
use maud::{html, Markup};
use std::collections::HashMap;

/// The form name of field `f`.
pub(crate) fn input_name(f: &str) -> String {
    format!("f.{f}")
}

/// The element id of field `f`.
pub(crate) fn input_id(f: &str) -> String {
    format!("f-{f}")
}

/// Whether `f` is required on its own (every alternative of `p` names it).
fn required(p: &ProviderSpec, f: &str) -> bool {
    !p.required.is_empty() && p.required.iter().all(|alt| alt.contains(&f))
}

/// What the provider requires, in words, when it is a choice (`key_id and secret, or ...`).
pub(crate) fn alternatives(p: &ProviderSpec) -> Option<String> {
    (p.required.len() > 1).then(|| {
        p.required
            .iter()
            .map(|alt| alt.join(" and "))
            .collect::<Vec<_>>()
            .join("; or ")
    })
}

/// The inputs of `p`'s fields. `values` are what was sent (shown again after an error, except
/// sensitive ones), `errors` by field name.
pub(crate) fn inputs(ty: &TypeSpec, p: &ProviderSpec, values: &FormData, errors: &HashMap<String, String>) -> Markup {
    let generic = ty.name == "generic";
    html! {
        @if let Some(alt) = alternatives(p) {
            p.help { "Set " (alt) "." }
        }
        @for f in p.fields.iter().filter(|f| primary(p, f)) {
            (input(f, required(p, f.name), generic, values, errors.get(f.name).map(String::as_str)))
        }
        @let more: Vec<&FieldSpec> = p.fields.iter().filter(|f| !primary(p, f)).collect();
        @if !more.is_empty() {
            @let open = more.iter().any(|f| errors.contains_key(f.name) || values.get(&input_name(f.name)).is_some());
            details.more open[open] {
                summary { "More fields (" (more.len()) ")" }
                @for f in more {
                    (input(f, required(p, f.name), generic, values, errors.get(f.name).map(String::as_str)))
                }
            }
        }
    }
}

/// The fields shown at once: those any alternative requires, and the provider's first few;
/// the rest are under "More fields".
fn primary(p: &ProviderSpec, f: &FieldSpec) -> bool {
    const FIRST: usize = 6;
    p.required.iter().any(|alt| alt.contains(&f.name)) || p.fields.iter().take(FIRST).any(|g| g.name == f.name)
}

fn label(f: &FieldSpec, generic: bool) -> String {
    if generic && f.name == "value" {
        "Secret value".into()
    } else {
        f.name.to_string()
    }
}

fn input(f: &FieldSpec, required: bool, generic: bool, values: &FormData, error: Option<&str>) -> Markup {
    let id = input_id(f.name);
    let name = input_name(f.name);
    // A sensitive value is never sent back to the browser.
    let value = if f.sensitive { None } else { values.get(&name) };
    let help = help(f);
    let described = described_by(&id, help.is_some(), error.is_some());
    let invalid = error.map(|_| "true");
    html! {
        div.field {
            label for=(id) {
                (label(f, generic))
                @if required { span.req { " (required)" } }
                @if f.sensitive { span.muted { " \u{2014} sensitive, never shown again" } }
            }
            @match f.kind {
                FieldKind::Bool => {
                    select #(id) name=(name) aria-describedby=[described.as_deref()] aria-invalid=[invalid] {
                        option value="" selected[value.is_none()] { "not set" @if let Some(d) = f.default { " (default " (d) ")" } }
                        option value="true" selected[value.as_deref() == Some("true")] { "true" }
                        option value="false" selected[value.as_deref() == Some("false")] { "false" }
                    }
                }
                FieldKind::OneOf(choices) => {
                    select #(id) name=(name) aria-describedby=[described.as_deref()] aria-invalid=[invalid] {
                        option value="" selected[value.is_none()] { "not set" @if let Some(d) = f.default { " (default " (d) ")" } }
                        @for c in choices {
                            option value=(c) selected[value.as_deref() == Some(*c)] { (c) }
                        }
                    }
                }
                FieldKind::Port => {
                    input #(id) name=(name) type="number" min="1" max="65535" inputmode="numeric" value=[value.as_deref()]
                        placeholder=[f.default] required[required] aria-describedby=[described.as_deref()] aria-invalid=[invalid];
                }
                FieldKind::Map => {
                    textarea #(id) name=(name) rows="3" spellcheck="false" required[required]
                        aria-describedby=[described.as_deref()] aria-invalid=[invalid] { (value.as_deref().unwrap_or("")) }
                }
                FieldKind::Text => {
                    @if f.sensitive {
                        input #(id) name=(name) type="password" autocomplete="new-password" spellcheck="false"
                            required[required] aria-describedby=[described.as_deref()] aria-invalid=[invalid];
                    } @else {
                        input #(id) name=(name) type="text" spellcheck="false" value=[value.as_deref()] placeholder=[f.default]
                            required[required] aria-describedby=[described.as_deref()] aria-invalid=[invalid];
                    }
                }
            }
            @if let Some(h) = help { p.help id={ (id) "-help" } { (h) } }
            (field_error(&id, error))
        }
    }
}

fn help(f: &FieldSpec) -> Option<String> {
    match f.kind {
        FieldKind::Map => Some("One KEY=VALUE pair per line.".into()),
        FieldKind::Text | FieldKind::Port => f.default.map(|d| format!("Default: {d}.")),
        _ => None,
    }
}

/// Reads `p`'s fields from `form`: blank fields are left out. Errors (by field) for values the
/// page can tell are wrong before asking the service: a port that is not a number, a map line
/// without `=`.
pub(crate) fn read(p: &ProviderSpec, form: &FormData) -> Result<Vec<(String, FieldInput)>, HashMap<String, String>> {
    let mut out = Vec::new();
    let mut errors = HashMap::new();
    for f in p.fields {
        let name = input_name(f.name);
        let raw = form.raw(&name).unwrap_or("");
        if raw.trim().is_empty() {
            continue;
        }
        let value = match f.kind {
            FieldKind::Bool => FieldInput::Bool(raw.trim() == "true"),
            FieldKind::Port => match raw.trim().parse::<i64>() {
                Ok(n) => FieldInput::Int(n),
                Err(_) => {
                    errors.insert(
                        f.name.to_string(),
                        format!("invalid value for field '{}': {}", f.name, f.kind.rule()),
                    );
                    continue;
                }
            },
            FieldKind::Map => {
                let mut pairs = Vec::new();
                for (i, line) in raw.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
                    match line.split_once('=') {
                        Some((k, v)) if !k.trim().is_empty() => {
                            pairs.push((k.trim().to_string(), SecretString::from(v.trim())));
                        }
                        _ => {
                            errors.insert(
                                f.name.to_string(),
                                format!("line {} of field '{}' is not KEY=VALUE", i + 1, f.name),
                            );
                        }
                    }
                }
                FieldInput::Map(pairs)
            }
            // A sensitive value is kept exactly as typed; other text is trimmed.
            FieldKind::Text | FieldKind::OneOf(_) if f.sensitive => FieldInput::Text(SecretString::from(raw)),
            FieldKind::Text | FieldKind::OneOf(_) => FieldInput::Text(SecretString::from(raw.trim())),
        };
        out.push((f.name.to_string(), value));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_reads_back_what_the_type_table_says() {
        let s3 = coffer_model::types::lookup("s3").expect("s3");
        let p = s3.default_provider();
        let form = FormData::parse(
            b"f.key_id=AKIA&f.secret=+s3cr%20t+&f.region=&f.use_ssl=false&f.extra_http_headers=X-A%3D1%0AX-B%3D2",
        );
        let fields = read(p, &form).expect("read");
        let names: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["key_id", "secret", "use_ssl", "extra_http_headers"]);
        match &fields[1].1 {
            FieldInput::Text(s) => assert_eq!(s.expose_secret(), " s3cr t "),
            other => panic!("{other:?}"),
        }
        assert!(matches!(fields[2].1, FieldInput::Bool(false)));
        let bad = FormData::parse(b"f.extra_http_headers=nope");
        assert!(read(p, &bad).expect_err("bad map").contains_key("extra_http_headers"));
    }

    #[test]
    fn sensitive_values_are_never_drawn_back() {
        let s3 = coffer_model::types::lookup("s3").expect("s3");
        let form = FormData::parse(b"f.key_id=AKIAVISIBLE&f.secret=NEVER-SHOWN");
        let html = inputs(s3, s3.default_provider(), &form, &HashMap::new()).into_string();
        assert!(html.contains("AKIAVISIBLE"));
        assert!(!html.contains("NEVER-SHOWN"));
        assert!(html.contains(r#"type="password""#));
    }
}
