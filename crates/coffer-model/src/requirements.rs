//! A python flight's `requirements.txt` ([`crate::flight::FlightSpec::requirements`]): what
//! is accepted ([`check`]) and the text an environment is keyed on ([`normalize`]).
//!
//! The runner gives the text to `pip install -r` inside the run's sandbox, so the text may
//! only name packages: a line is a requirement specifier (`name[extras] <op> version`,
//! optionally `; marker`, or `name @ https://...`), followed by any number of `--hash=ALGO:HEX`
//! options. Refused, with the line number and what to do:
//!
//! - every pip option line (`-r`/`-c` would read other files of the runner, `-e` and paths
//!   install local directories, `-i`/`--index-url`, `--extra-index-url`, `-f`/`--find-links`,
//!   `--trusted-host` and `--no-index` change where packages come from and what is trusted,
//!   `--only-binary`/`--no-binary` what may be built: the flight's `source_builds` says that);
//! - local paths and `file:` URLs (a bare `./pkg`, `/opt/x.whl`, `name @ file:///...`), VCS
//!   and other non-https URLs, and `${VAR}` references (pip expands them from its
//!   environment);
//! - per-requirement options other than `--hash` (`--config-settings`, `--global-option`
//!   pass arguments to build code).
//!
//! Where packages come from is the machine owner's choice: pip's own configuration (e.g.
//! `PIP_INDEX_URL` passed through `COFFER_FLIGHT_ENV_ALLOW`, or `/etc/pip.conf`).

use crate::error::{ModelError, Result};

/// The largest requirements text accepted, in bytes.
pub const MAX_REQUIREMENTS_BYTES: usize = 64 * 1024;

fn invalid(field: String, rule: impl Into<String>) -> ModelError {
    ModelError::InvalidFlight {
        field,
        input: Some("requirements"),
        hint: None,
        rule: rule.into(),
    }
}

/// The logical lines of a requirements text: comments removed (a `#` at the start or after
/// whitespace), `\` continuations joined, blank lines dropped, each with the number of its
/// first physical line.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = strip_comment(raw.trim_end_matches('\r'));
        let (body, continues) = match line.strip_suffix('\\') {
            Some(b) => (b, true),
            None => (line, false),
        };
        let entry = pending.get_or_insert_with(|| (i + 1, String::new()));
        if !entry.1.is_empty() {
            entry.1.push(' ');
        }
        entry.1.push_str(body.trim());
        if !continues {
            if let Some((n, l)) = pending.take() {
                let l = l.trim().to_string();
                if !l.is_empty() {
                    out.push((n, l));
                }
            }
        }
    }
    if let Some((n, l)) = pending {
        let l = l.trim().to_string();
        if !l.is_empty() {
            out.push((n, l));
        }
    }
    out
}

/// `line` without its comment: pip's rule, a `#` at the start or after whitespace.
fn strip_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'#' && (i == 0 || bytes[i - 1].is_ascii_whitespace()) {
            return &line[..i];
        }
    }
    line
}

/// The text environments are keyed on: one requirement per line, comments, blank lines and
/// continuations gone, spaces trimmed, in the order given.
pub fn normalize(text: &str) -> String {
    let mut out = String::new();
    for (_, l) in logical_lines(text) {
        out.push_str(&l.split_whitespace().collect::<Vec<_>>().join(" "));
        out.push('\n');
    }
    out
}

/// What to do instead of a refused option line.
fn option_rule(opt: &str) -> String {
    let name = opt.split(['=', ' ']).next().unwrap_or(opt);
    match name {
        "-r" | "--requirement" | "-c" | "--constraint" => format!(
            "'{name}' would read another file of the machine running the flight; list the requirements themselves"
        ),
        "-e" | "--editable" => format!(
            "'{name}' installs a local directory or a VCS checkout; name a package from the index (name==version)"
        ),
        "-i" | "--index-url" | "--extra-index-url" | "-f" | "--find-links" | "--trusted-host" | "--no-index" => format!(
            "'{name}' changes where packages come from or what is trusted, which is the machine owner's choice (pip's own configuration, e.g. PIP_INDEX_URL through COFFER_FLIGHT_ENV_ALLOW); remove the line"
        ),
        "--only-binary" | "--no-binary" | "--prefer-binary" => format!(
            "'{name}' is set by coffer: wheels only, unless the flight sets source_builds; remove the line"
        ),
        _ => format!(
            "'{name}' is a pip option; only requirement lines (name==version, markers after ';', --hash=ALGO:HEX) are accepted; remove the line"
        ),
    }
}

fn is_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 200
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
}

/// Checks one requirement (what precedes its `--hash` options).
fn check_requirement(req: &str) -> std::result::Result<(), String> {
    let looks_like_path = req.starts_with(['.', '/', '~'])
        || req.contains("://")
        || req.starts_with("file:")
        || req.ends_with(".whl")
        || req.ends_with(".tar.gz")
        || req.ends_with(".zip");
    // `name @ URL`: a direct reference.
    if let Some((name, url)) = req.split_once('@') {
        let name = name.trim();
        let (name, _) = name.split_once('[').unwrap_or((name, ""));
        let url = url.trim();
        let url = url.split(" ;").next().unwrap_or(url).trim();
        if !is_name(name.trim()) {
            return Err(format!(
                "'{name}' is not a package name; write a direct reference as name @ https://..."
            ));
        }
        if url.contains('$') {
            return Err("a URL cannot hold '$' (pip would expand variables of its environment)".into());
        }
        if url.to_ascii_lowercase().starts_with("file:") || !url.contains("://") {
            return Err(format!(
                "'{url}' is a local path or file: URL, which would install files of the machine running the flight; name a package from the index or an https URL"
            ));
        }
        if !url.to_ascii_lowercase().starts_with("https://") {
            return Err(format!(
                "'{url}' is not an https URL (VCS and plain http references are not accepted); use an https URL of a wheel or a package from the index"
            ));
        }
        if url.chars().any(char::is_whitespace) {
            return Err("a URL cannot hold spaces".into());
        }
        return Ok(());
    }
    if looks_like_path {
        return Err(
            "a local path, archive or bare URL is not accepted (it would install files of the machine running the flight or bypass the package index); name a package (name==version) or write name @ https://..."
                .into(),
        );
    }
    let (spec, marker) = match req.split_once(';') {
        Some((s, m)) => (s.trim(), Some(m.trim())),
        None => (req.trim(), None),
    };
    let end = spec
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        .unwrap_or(spec.len());
    let (name, mut rest) = spec.split_at(end);
    if !is_name(name) {
        return Err(format!(
            "'{spec}' does not start with a package name; a line is a requirement such as six==1.16.0"
        ));
    }
    rest = rest.trim_start();
    if let Some(r) = rest.strip_prefix('[') {
        let Some((extras, after)) = r.split_once(']') else {
            return Err("an extras list '[' has no closing ']'".into());
        };
        if !extras.split(',').map(str::trim).all(|e| e.is_empty() || is_name(e)) {
            return Err(format!("'[{extras}]' is not a list of extras names"));
        }
        rest = after.trim_start();
    }
    let version_char = |c: char| {
        c.is_ascii_alphanumeric()
            || c.is_ascii_whitespace()
            || matches!(
                c,
                '<' | '>' | '=' | '!' | '~' | '*' | '.' | ',' | '+' | '(' | ')' | '_' | '-'
            )
    };
    let ops = ["==", "!=", "<=", ">=", "~=", "<", ">", "==="];
    let body = rest.trim_start_matches('(').trim_start();
    if !rest.is_empty() && (!rest.chars().all(version_char) || !ops.iter().any(|o| body.starts_with(o))) {
        return Err(format!(
            "'{rest}' is not a version specifier (e.g. ==1.2.3, >=2,<3); environment markers go after ';'"
        ));
    }
    if let Some(m) = marker {
        let marker_char = |c: char| {
            c.is_ascii_alphanumeric()
                || c.is_ascii_whitespace()
                || matches!(
                    c,
                    '<' | '>' | '=' | '!' | '~' | '.' | '_' | '-' | '(' | ')' | '\'' | '"' | '*' | '+'
                )
        };
        if m.is_empty() || !m.chars().all(marker_char) {
            return Err(format!(
                "'{m}' is not an environment marker (e.g. python_version >= \"3.9\")"
            ));
        }
    }
    Ok(())
}

/// Checks a requirements text: its size, and that every line is a requirement (see the
/// module's overview).
///
/// # Errors
/// [`ModelError::InvalidFlight`] of field `requirements`, naming the line and the rule.
pub fn check(text: &str) -> Result<()> {
    if text.len() > MAX_REQUIREMENTS_BYTES {
        return Err(invalid(
            "requirements".into(),
            format!("the text is larger than {MAX_REQUIREMENTS_BYTES} bytes; list only what the script imports"),
        ));
    }
    if text.contains('\0') {
        return Err(invalid("requirements".into(), "the text cannot hold a NUL byte"));
    }
    let lines = logical_lines(text);
    if lines.is_empty() {
        return Err(invalid(
            "requirements".into(),
            "the text names no package; give at least one requirement, or leave requirements out",
        ));
    }
    for (n, line) in &lines {
        let field = format!("requirements line {n}");
        if line.starts_with('-') {
            return Err(invalid(field, option_rule(line)));
        }
        // Per-requirement options: only --hash.
        let (req, opts) = match line.find(" -") {
            Some(i) => line.split_at(i),
            None => (line.as_str(), ""),
        };
        for opt in opts.split_whitespace() {
            let ok = opt.strip_prefix("--hash=").is_some_and(|h| {
                h.split_once(':')
                    .is_some_and(|(a, v)| is_name(a) && !v.is_empty() && v.chars().all(|c| c.is_ascii_hexdigit()))
            });
            if !ok {
                return Err(invalid(
                    field,
                    format!(
                        "'{opt}': the only option a requirement line may carry is --hash=ALGO:HEX (e.g. --hash=sha256:...)"
                    ),
                ));
            }
        }
        check_requirement(req.trim()).map_err(|rule| invalid(field.clone(), rule))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(text: &str) -> String {
        check(text).expect_err(text).to_string()
    }

    #[test]
    fn accepts_specifiers_markers_hashes_and_comments() {
        for ok in [
            "six==1.16.0",
            "# deps\nsix==1.16.0  # pinned\n\nrequests[socks,security] >=2.31,<3\n",
            "pandas>=2 ; python_version >= \"3.9\"\n",
            "six==1.16.0 \\\n    --hash=sha256:8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254\n",
            "numpy",
            "Foo.Bar_baz-1 (>=1.0)",
            "wheelpkg @ https://example.com/wheelpkg-1.0-py3-none-any.whl",
        ] {
            check(ok).unwrap_or_else(|e| panic!("{ok:?}: {e}"));
        }
    }

    #[test]
    fn refuses_options_paths_and_urls_with_the_line() {
        let cases = [
            ("six\n-r other.txt\n", "line 2", "another file"),
            ("-c /etc/constraints.txt", "line 1", "another file"),
            ("-e ./src", "line 1", "local directory"),
            (
                "--index-url https://evil.example/simple",
                "line 1",
                "where packages come from",
            ),
            ("-i https://evil.example/simple", "line 1", "machine owner's choice"),
            ("--extra-index-url=https://x", "line 1", "where packages come from"),
            ("-f /tmp/wheels", "line 1", "where packages come from"),
            ("--find-links https://x", "line 1", "where packages come from"),
            ("--trusted-host evil.example", "line 1", "trusted"),
            ("--only-binary :all:", "line 1", "source_builds"),
            ("./local-pkg", "line 1", "local path"),
            ("/opt/wheels/x-1.0-py3-none-any.whl", "line 1", "local path"),
            ("x @ file:///etc/passwd", "line 1", "file: URL"),
            ("x @ git+https://github.com/a/b", "line 1", "not an https URL"),
            ("https://example.com/x.whl", "line 1", "bare URL"),
            ("six==1 --global-option=--x", "line 1", "--hash"),
            ("six = 1", "line 1", "version specifier"),
            ("x @ https://h/${HOME}/x.whl", "line 1", "'$'"),
            ("# only a comment\n", "requirements", "names no package"),
        ];
        for (text, at, why) in cases {
            let r = rule(text);
            assert!(r.contains(at) && r.contains(why), "{text:?}: {r}");
        }
        assert!(rule(&"a\n".repeat(40_000)).contains("larger than"));
    }

    #[test]
    fn normalization_ignores_comments_spacing_and_continuations() {
        assert_eq!(
            normalize("# x\nsix==1.16.0   # c\n\n  numpy \\\n >=2\n"),
            "six==1.16.0\nnumpy >=2\n"
        );
        assert_eq!(normalize("six==1.16.0\r\n"), normalize("six==1.16.0"));
        assert_ne!(normalize("six==1.16.0"), normalize("six==1.15.0"));
    }
}
