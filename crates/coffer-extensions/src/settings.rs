//! The installer's settings and their environment variables.

use std::time::Duration;

use crate::catalog::BUILTIN_BUNDLED;
use crate::consts::{DEFAULT_MAX_DOWNLOAD, DEFAULT_PYPI_URL, DEFAULT_REPOSITORY};
use crate::error::{Error, Result};

/// Where and how an [`Installer`](crate::Installer) downloads. `Settings::default()` is DuckDB's
/// repository then PyPI, online; [`Settings::from_env`] applies the `COFFER_*` variables.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Settings {
    /// DuckDB's extension repository (without `/v1.5.5/...`), or `None` to skip it. Default
    /// [`DEFAULT_REPOSITORY`].
    pub repository: Option<String>,
    /// The PyPI index (serving `/pypi/<project>/<version>/json`), or `None` to skip it.
    /// Default [`DEFAULT_PYPI_URL`].
    pub pypi_url: Option<String>,
    /// Fetch nothing: [`install`](crate::Installer::install) fails with [`Error::Offline`]
    /// unless the extension is installed or built in. Default `false`.
    pub offline: bool,
    /// Connect timeout for the repository, short so that an unreachable one falls through to
    /// PyPI quickly. Default 3 s.
    pub repository_connect_timeout: Duration,
    /// Connect timeout for PyPI. Default 15 s.
    pub connect_timeout: Duration,
    /// A transfer with no data for this long fails. Default 30 s.
    pub stall_timeout: Duration,
    /// Deadline of each download's body (checked as data arrives; a silent server is caught by
    /// `stall_timeout`). Default 15 min.
    pub download_timeout: Duration,
    /// Largest download, decompressed file or extracted member, in bytes. Default
    /// [`DEFAULT_MAX_DOWNLOAD`] (256 MiB; the largest 1.5.5 extensions are about 40 MB).
    pub max_download: u64,
    /// Extensions the caller's DuckDB links statically: installing one is
    /// [`Outcome::BuiltIn`](crate::Outcome::BuiltIn). Default [`BUILTIN_BUNDLED`]; a caller
    /// that can ask its DuckDB should pass what `SELECT extension_name FROM duckdb_extensions()
    /// WHERE install_mode = 'STATICALLY_LINKED'` returns ([`BUILTIN_LIBDUCKDB`](crate::BUILTIN_LIBDUCKDB)
    /// for the official libduckdb.so).
    pub builtin: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            repository: Some(DEFAULT_REPOSITORY.to_string()),
            pypi_url: Some(DEFAULT_PYPI_URL.to_string()),
            offline: false,
            repository_connect_timeout: Duration::from_secs(3),
            connect_timeout: Duration::from_secs(15),
            stall_timeout: Duration::from_secs(30),
            download_timeout: Duration::from_secs(15 * 60),
            max_download: DEFAULT_MAX_DOWNLOAD,
            builtin: BUILTIN_BUNDLED.iter().map(|s| s.to_string()).collect(),
        }
    }
}

/// The repository URL variable.
const REPOSITORY_VAR: &str = "COFFER_EXTENSION_REPOSITORY";
/// The PyPI index variable.
const PYPI_VAR: &str = "COFFER_PYPI_URL";
/// The offline variable.
const OFFLINE_VAR: &str = "COFFER_OFFLINE";

fn source_url(var: &'static str, value: String) -> Result<Option<String>> {
    let trimmed = value.trim();
    if trimmed.is_empty() || trimmed.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    let ok =
        (trimmed.starts_with("http://") || trimmed.starts_with("https://")) && !trimmed.contains(char::is_whitespace);
    if !ok {
        return Err(Error::InvalidSetting {
            var,
            value,
            expected: "an http:// or https:// URL, or `none` to skip",
        });
    }
    Ok(Some(trimmed.trim_end_matches('/').to_string()))
}

impl Settings {
    /// The defaults with the environment applied:
    /// - `COFFER_EXTENSION_REPOSITORY`: DuckDB's repository (a mirror); empty or `none` skips it;
    /// - `COFFER_PYPI_URL`: the PyPI index (a mirror serving PyPI's JSON API); empty or `none`
    ///   skips it;
    /// - `COFFER_OFFLINE`: `1`/`true`/`yes`/`on` downloads nothing, `0`/`false`/`no`/`off`/empty
    ///   is online.
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] for a URL that is not http(s) or an offline value not listed.
    pub fn from_env() -> Result<Settings> {
        Settings::from_vars(|var| std::env::var(var).ok())
    }

    /// [`Settings::from_env`] with the variables read from `get`.
    ///
    /// # Errors
    /// As [`Settings::from_env`].
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<Settings> {
        let mut settings = Settings::default();
        if let Some(value) = get(REPOSITORY_VAR) {
            settings.repository = source_url(REPOSITORY_VAR, value)?;
        }
        if let Some(value) = get(PYPI_VAR) {
            settings.pypi_url = source_url(PYPI_VAR, value)?;
        }
        if let Some(value) = get(OFFLINE_VAR) {
            settings.offline = match value.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => true,
                "0" | "false" | "no" | "off" | "" => false,
                _ => {
                    return Err(Error::InvalidSetting {
                        var: OFFLINE_VAR,
                        value,
                        expected: "1/true/yes/on or 0/false/no/off",
                    })
                }
            };
        }
        Ok(settings)
    }

    /// Whether `name` (a canonical extension name) is built into the caller's DuckDB.
    pub(crate) fn is_builtin(&self, name: &str) -> bool {
        self.builtin.iter().any(|b| b.eq_ignore_ascii_case(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn with(vars: &[(&str, &str)]) -> Result<Settings> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Settings::from_vars(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults() {
        let s = with(&[]).expect("settings");
        assert_eq!(s, Settings::default());
        assert_eq!(s.repository.as_deref(), Some("http://extensions.duckdb.org"));
        assert_eq!(s.pypi_url.as_deref(), Some("https://pypi.org"));
        assert!(!s.offline);
    }

    #[test]
    fn variables() {
        let s = with(&[
            ("COFFER_EXTENSION_REPOSITORY", "none"),
            ("COFFER_PYPI_URL", "https://mirror.example/pypi/"),
            ("COFFER_OFFLINE", "1"),
        ])
        .expect("settings");
        assert_eq!(s.repository, None);
        assert_eq!(s.pypi_url.as_deref(), Some("https://mirror.example/pypi"));
        assert!(s.offline);
        assert!(!with(&[("COFFER_OFFLINE", "")]).expect("settings").offline);
        assert!(matches!(
            with(&[("COFFER_OFFLINE", "maybe")]),
            Err(Error::InvalidSetting { .. })
        ));
        assert!(matches!(
            with(&[("COFFER_PYPI_URL", "ftp://x")]),
            Err(Error::InvalidSetting { .. })
        ));
    }
}
