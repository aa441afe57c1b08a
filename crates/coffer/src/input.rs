//! `--set KEY=VALUE` parsing: sensitive values from a prompt (no echo), stdin (`-`) or a file
//! (`@path`); a sensitive value given in the argument itself works but is warned about.

use crate::error::UsageError;
use anyhow::{Context, Result};
use coffer_crypto::SecretString;
use coffer_model::types::{ProviderSpec, TypeSpec};
use coffer_model::InputValue;
use std::io::{IsTerminal, Read};

/// Where a sensitive value comes from.
enum Source {
    Prompt,
    Stdin,
    File(String),
    Inline(SecretString),
}

fn classify(raw: Option<SecretString>) -> Source {
    match raw {
        None => Source::Prompt,
        Some(v) if v.expose_secret() == "-" => Source::Stdin,
        // Not a value but where to read it: a path, handed over.
        Some(v) if v.expose_secret().starts_with('@') && v.len() > 1 => {
            let mut path = v.declassify();
            path.remove(0);
            Source::File(path)
        }
        Some(v) => Source::Inline(v),
    }
}

fn strip_newline(mut s: String) -> SecretString {
    if s.ends_with('\n') {
        s.pop();
        if s.ends_with('\r') {
            s.pop();
        }
    }
    SecretString::new(s)
}

/// Refuses an empty value read from stdin, a file or a prompt: most often a broken pipe or an
/// empty file, never what was meant.
fn non_empty(key: &str, source: &str, value: SecretString) -> Result<SecretString> {
    if value.is_empty() {
        return Err(UsageError(format!(
            "the value of '{key}' read from {source} is empty; nothing was stored (check the pipe or file; an empty value on purpose is --set {key}=)"
        ))
        .into());
    }
    Ok(value)
}

/// Reads the `--set` arguments of `coffer secret create` into field inputs.
pub struct SetReader<'a> {
    ty: &'static TypeSpec,
    provider: &'static ProviderSpec,
    secret_name: &'a str,
    stdin_used: Option<String>,
}

impl<'a> SetReader<'a> {
    /// For a secret of `ty` with `provider`.
    pub fn new(ty: &'static TypeSpec, provider: &'static ProviderSpec, secret_name: &'a str) -> Self {
        SetReader {
            ty,
            provider,
            secret_name,
            stdin_used: None,
        }
    }

    fn is_sensitive(&self, field: &str) -> bool {
        if self.ty.is_flights() {
            return true;
        }
        let lower = field.to_ascii_lowercase();
        self.provider.field(&lower).is_some_and(|f| f.sensitive)
    }

    fn read_sensitive(&mut self, key: &str, raw: Option<SecretString>) -> Result<SecretString> {
        match classify(raw) {
            Source::Inline(v) => {
                eprintln!(
                    "warning: the value of '{key}' was given on the command line, where other processes can see it (ps, /proc/*/cmdline, shell history); prefer --set {key}=- (stdin), --set {key}=@FILE, or --set {key} to be prompted"
                );
                Ok(v)
            }
            Source::Stdin => {
                if let Some(first) = &self.stdin_used {
                    return Err(UsageError(format!(
                        "both '{first}' and '{key}' read from stdin (-); stdin holds one value: use @FILE or a prompt for the other"
                    ))
                    .into());
                }
                self.stdin_used = Some(key.to_string());
                let mut buf = String::new();
                std::io::stdin().read_to_string(&mut buf).context("cannot read stdin")?;
                non_empty(key, "stdin", strip_newline(buf))
            }
            Source::File(path) => {
                // The path is not printed: a value meant literally that starts with '@' would
                // otherwise be echoed.
                let buf = std::fs::read_to_string(&path).map_err(|e| {
                    anyhow::anyhow!(
                        "cannot read the value of '{key}' from the file given after '@': {e} (a value starting with '@' names a file; pass a literal value that starts with '@' through stdin: --set {key}=-)"
                    )
                })?;
                non_empty(key, "the file", strip_newline(buf))
            }
            Source::Prompt => non_empty(key, "the prompt", self.prompt(key)?),
        }
    }

    fn prompt(&self, key: &str) -> Result<SecretString> {
        if !std::io::stdin().is_terminal() {
            return Err(UsageError(format!(
                "cannot prompt for '{key}': stdin is not a terminal; use --set {key}=- to read it from stdin or --set {key}=@FILE"
            ))
            .into());
        }
        let v = rpassword::prompt_password(format!(
            "value of '{key}' for secret '{}' (input hidden): ",
            self.secret_name
        ))
        .with_context(|| format!("cannot read '{key}' from the terminal"))?;
        Ok(SecretString::new(v))
    }

    /// Parses every `--set` argument; then prompts (on a terminal) for the sensitive fields of
    /// the provider's first required set that are still missing.
    ///
    /// # Errors
    /// A [`UsageError`] for malformed arguments; I/O errors.
    pub fn read_all(&mut self, sets: Vec<String>) -> Result<Vec<(String, InputValue)>> {
        let mut out: Vec<(String, InputValue)> = Vec::new();
        for set in sets {
            let (key, raw) = match set.split_once('=') {
                Some((k, v)) => (k.to_string(), Some(SecretString::new(v.to_string()))),
                None => (set.clone(), None),
            };
            if key.is_empty() {
                return Err(UsageError(format!("--set '{set}': expected KEY=VALUE")).into());
            }
            // `field.KEY=value` sets one entry of a map field (extra_http_headers, params).
            let (field, entry) = match key.split_once('.') {
                Some((f, e)) if self.provider.field(&f.to_ascii_lowercase()).is_some() => {
                    (f.to_string(), Some(e.to_string()))
                }
                _ => (key.clone(), None),
            };
            let sensitive = self.is_sensitive(&field);
            let value = if sensitive {
                self.read_sensitive(&key, raw)?
            } else {
                raw.ok_or_else(|| UsageError(format!("--set {key} needs a value: --set {key}=VALUE")))?
            };
            match entry {
                Some(e) => {
                    let lower = field.to_ascii_lowercase();
                    match out.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case(&lower)) {
                        Some((_, InputValue::Map(m))) => m.push((e, value)),
                        _ => out.push((lower, InputValue::Map(vec![(e, value)]))),
                    }
                }
                None => out.push((field, InputValue::Text(value))),
            }
        }
        if std::io::stdin().is_terminal() && !self.ty.is_flights() {
            if let Some(first) = self.provider.required.first() {
                for field in first.iter() {
                    let sensitive = self.provider.field(field).is_some_and(|f| f.sensitive);
                    let given = out.iter().any(|(k, _)| k.eq_ignore_ascii_case(field));
                    if sensitive && !given && self.provider.required.len() == 1 {
                        let v = self.prompt(field)?;
                        out.push((field.to_string(), InputValue::Text(v)));
                    }
                }
            }
        }
        Ok(out)
    }
}
