//! Secret names: the rule `[A-Za-z0-9._-]{1,128}` (MotherDuck's key naming, seed 002) and
//! DuckDB's `__default_<type>` name for unnamed secrets.

use crate::error::{ModelError, Result};

/// The longest allowed name.
pub const MAX_NAME_LEN: usize = 128;

/// Checks a secret name against `[A-Za-z0-9._-]{1,128}`, `.` and `..` excepted.
///
/// # Errors
/// [`ModelError::InvalidName`] quoting the rule.
pub fn validate_name(name: &str) -> Result<()> {
    // '.' and '..' would be path segments that HTTP clients resolve away.
    let ok = !name.is_empty()
        && name != "."
        && name != ".."
        && name.len() <= MAX_NAME_LEN
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(ModelError::InvalidName {
            name: name.chars().take(MAX_NAME_LEN + 8).collect(),
        })
    }
}

/// The name a secret of type `ty` is stored and shown under: DuckDB lower-cases the name of
/// every secret (`CREATE SECRET "MySecret"` is listed as `mysecret`), so coffer folds the
/// names of every type DuckDB's `CREATE SECRET` creates (DuckDB's, FlockMTL's, MotherDuck's)
/// the same way, and `which_secret` in coffer and in the embedded DuckDB agree. A `generic`
/// secret, coffer's own, is named after the environment variable it sets (`DATABASE_URL`)
/// and keeps its case.
pub fn fold_name(ty: &str, name: &str) -> String {
    if ty.eq_ignore_ascii_case("generic") {
        name.to_string()
    } else {
        name.to_ascii_lowercase()
    }
}

/// The name DuckDB gives an unnamed secret of `ty`: `__default_<type>`.
pub fn default_name(ty: &str) -> String {
    format!("__default_{}", ty.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for ok in [
            "a",
            "DATABASE_URL",
            "api.key",
            "my-secret-key",
            "__default_s3",
            &"x".repeat(128),
        ] {
            assert!(validate_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", ".", "..", "a b", "a/b", "é", "a;b", &"x".repeat(129)] {
            assert!(validate_name(bad).is_err(), "{bad}");
        }
        assert_eq!(
            validate_name("a b").expect_err("invalid").to_string(),
            "invalid secret name 'a b': names must match [A-Za-z0-9._-]{1,128} (letters, digits, '.', '_' and '-', 1 to 128 characters; not '.' or '..')"
        );
        assert_eq!(default_name("OPENAI"), "__default_openai");
        assert_eq!(fold_name("s3", "My_S3"), "my_s3");
        assert_eq!(fold_name("S3", "A"), "a");
        assert_eq!(fold_name("generic", "DATABASE_URL"), "DATABASE_URL");
        assert_eq!(fold_name("GENERIC", "Db_Url"), "Db_Url");
    }
}
