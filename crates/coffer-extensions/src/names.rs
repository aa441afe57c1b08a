//! Extension names: DuckDB's known extensions, its aliases, and the checks that keep a name a
//! plain file name.

use crate::catalog::{KnownExtension, ALIASES, KNOWN_EXTENSIONS};
use crate::error::{Error, Result};

/// Checks that `name` is a plain identifier usable as a file name: ASCII letters, digits and
/// `_`, not starting with a digit, at most 64 characters. Returns it in lower case (DuckDB's
/// names are case-insensitive).
///
/// # Errors
/// [`Error::InvalidName`] for anything else (`..`, `/`, `.`, spaces, empty).
pub fn validate(name: &str) -> Result<String> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !name.as_bytes()[0].is_ascii_digit();
    if ok {
        Ok(name.to_ascii_lowercase())
    } else {
        Err(Error::InvalidName {
            name: name.chars().take(80).collect(),
        })
    }
}

/// Resolves `name` to a known extension: validates it, applies DuckDB's aliases
/// (`postgres` → `postgres_scanner`) and looks it up in [`KNOWN_EXTENSIONS`].
///
/// # Errors
/// [`Error::InvalidName`] for a name that is not an identifier, [`Error::UnknownExtension`]
/// (with the closest known name) for one DuckDB does not know.
pub fn resolve(name: &str) -> Result<&'static KnownExtension> {
    let lower = validate(name)?;
    let canonical = ALIASES
        .iter()
        .find(|(alias, _)| *alias == lower)
        .map_or(lower.as_str(), |(_, ext)| ext);
    KNOWN_EXTENSIONS
        .iter()
        .find(|k| k.name == canonical)
        .ok_or_else(|| Error::UnknownExtension {
            name: lower.clone(),
            closest: closest(&lower),
        })
}

/// The known name or alias closest to `name` (edit distance at most a third of its length,
/// at least 2), or a known name that starts with it.
fn closest(name: &str) -> Option<String> {
    // Extension names before aliases at the same distance (`httpf` → `httpfs`, not `http`).
    let candidates = KNOWN_EXTENSIONS
        .iter()
        .map(|k| (k.name, false))
        .chain(ALIASES.iter().map(|(alias, _)| (*alias, true)));
    let best = candidates
        .map(|(c, alias)| (edit_distance(name, c), alias, c))
        .min_by_key(|(d, alias, _)| (*d, *alias))
        .map(|(d, _, c)| (d, c))?;
    let limit = (name.len() / 3).max(2);
    if best.0 <= limit {
        return Some(best.1.to_string());
    }
    KNOWN_EXTENSIONS
        .iter()
        .find(|k| k.name.starts_with(name) || name.starts_with(k.name))
        .map(|k| k.name.to_string())
}

/// Levenshtein distance over bytes (names are ASCII).
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = prev[j] + usize::from(ca != cb);
            cur[j + 1] = substitute.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_resolve_to_known_extensions() {
        for (alias, ext) in ALIASES {
            assert_eq!(resolve(alias).map(|k| k.name).ok(), Some(*ext), "{alias}");
        }
        assert_eq!(resolve("HTTPFS").map(|k| k.name).ok(), Some("httpfs"));
    }

    #[test]
    fn known_list_is_sorted_and_valid() {
        for pair in KNOWN_EXTENSIONS.windows(2) {
            assert!(pair[0].name < pair[1].name);
        }
        for k in KNOWN_EXTENSIONS {
            assert_eq!(validate(k.name).ok().as_deref(), Some(k.name));
        }
    }

    #[test]
    fn traversal_and_odd_names_are_refused() {
        for bad in [
            "",
            "../httpfs",
            "a/b",
            "httpfs.duckdb_extension",
            "a b",
            "1abc",
            "é",
            ".",
            "x\0",
        ] {
            assert!(matches!(validate(bad), Err(Error::InvalidName { .. })), "{bad:?}");
        }
    }

    #[test]
    fn unknown_names_suggest_the_closest() {
        let closest_of = |n: &str| match resolve(n) {
            Err(Error::UnknownExtension { closest, .. }) => closest,
            other => panic!("{other:?}"),
        };
        assert_eq!(closest_of("httpf").as_deref(), Some("httpfs"));
        assert_eq!(closest_of("postgresql").as_deref(), Some("postgres"));
        assert_eq!(closest_of("iceburg").as_deref(), Some("iceberg"));
        assert_eq!(closest_of("zzzzzzzzzzzz"), None);
    }

    #[test]
    fn pypi_project_names() {
        assert_eq!(
            crate::catalog::pypi_project("postgres_scanner"),
            "duckdb-extension-postgres-scanner"
        );
        assert_eq!(crate::catalog::pypi_project("httpfs"), "duckdb-extension-httpfs");
    }
}
