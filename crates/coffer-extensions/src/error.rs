//! The crate's error type.

use std::path::PathBuf;

use crate::consts::{DUCKDB_VERSION, WHEEL_PLATFORM_HINT};

/// Where an extension came from or was looked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SourceKind {
    /// DuckDB's extension repository (`extensions.duckdb.org` or a mirror).
    Repository,
    /// A `duckdb-extension-<name>` wheel on PyPI (or a PyPI mirror).
    PyPi,
    /// A local file (`install_from`).
    File,
}

impl std::fmt::Display for SourceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SourceKind::Repository => "DuckDB's extension repository",
            SourceKind::PyPi => "PyPI",
            SourceKind::File => "a local file",
        })
    }
}

/// One source tried for an extension, and why it did not give it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// Which source.
    pub source: SourceKind,
    /// The URL asked.
    pub url: String,
    /// What went wrong (the message of the source's error).
    pub reason: String,
}

impl std::fmt::Display for Attempt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.source, self.url, self.reason)
    }
}

fn attempts(list: &[Attempt]) -> String {
    list.iter().map(|a| format!("\n  - {a}")).collect()
}

fn closest_hint(closest: &Option<String>) -> String {
    match closest {
        Some(c) => format!("; did you mean `{c}`?"),
        None => {
            let names: Vec<&str> = crate::catalog::KNOWN_EXTENSIONS.iter().map(|k| k.name).collect();
            format!("; its extensions are {}", names.join(", "))
        }
    }
}

/// How to install `name` without network, the advice in offline and all-failed errors.
pub(crate) fn air_gap_hint(name: &str) -> String {
    format!(
        "on a machine with network run `pip download {}=={DUCKDB_VERSION} --no-deps --only-binary=:all: \
         --platform manylinux2014_x86_64`, copy the .whl here and run `coffer extension install --from FILE`",
        crate::catalog::pypi_project(name)
    )
}

/// Errors of installing, listing and removing extensions. Each message names the extension, the
/// source, what failed and what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The name is not a plain identifier (a path, dots, spaces...).
    #[error(
        "`{name}` is not an extension name: names are letters, digits and `_` (like `httpfs`, `postgres_scanner`)"
    )]
    InvalidName {
        /// The name given (at most 80 characters of it).
        name: String,
    },
    /// DuckDB 1.5.5 has no extension of that name.
    #[error("DuckDB {DUCKDB_VERSION} has no extension `{name}`{}", closest_hint(closest))]
    UnknownExtension {
        /// The name given, in lower case.
        name: String,
        /// The closest known name or alias, if one is close.
        closest: Option<String>,
    },
    /// Downloads are off (`--offline`, `COFFER_OFFLINE=1`).
    #[error("offline: cannot download {name}; {}", air_gap_hint(name))]
    Offline {
        /// The extension.
        name: String,
    },
    /// No source was reachable or had the extension.
    #[error("could not download {name} {DUCKDB_VERSION}:{}\nCheck the network (or set COFFER_EXTENSION_REPOSITORY / COFFER_PYPI_URL to a mirror), or {}", attempts(tried), air_gap_hint(name))]
    Unavailable {
        /// The extension.
        name: String,
        /// Each source tried, in order.
        tried: Vec<Attempt>,
    },
    /// A transfer failed (connection refused, timeout, TLS, broken stream).
    #[error("{source_kind} ({url}) for {name}: {reason}")]
    Network {
        /// The extension.
        name: String,
        /// Which source.
        source_kind: SourceKind,
        /// The URL asked.
        url: String,
        /// What failed.
        reason: String,
    },
    /// The server answered with an HTTP error status.
    #[error("{source_kind} ({url}) for {name}: HTTP {status}{}", if *status == 404 { " (not there)" } else { "" })]
    Status {
        /// The extension.
        name: String,
        /// Which source.
        source_kind: SourceKind,
        /// The URL asked.
        url: String,
        /// The HTTP status.
        status: u16,
    },
    /// The server's answer could not be used (bad JSON, no usable wheel, a plain-HTTP link).
    #[error("{source_kind} ({url}) for {name}: {reason}")]
    BadResponse {
        /// The extension.
        name: String,
        /// Which source.
        source_kind: SourceKind,
        /// The URL asked.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A download or an extracted file is larger than the limit.
    #[error("{name}: {what} is larger than the {limit}-byte limit: not installed")]
    TooLarge {
        /// The extension.
        name: String,
        /// What was too large (a URL, a wheel member).
        what: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// The downloaded wheel's sha256 is not the one PyPI publishes.
    #[error("the sha256 of {file} is {actual}, PyPI publishes {expected}: not installed (a corrupted or tampered download; try again, or install from a file with `--from`)")]
    ChecksumMismatch {
        /// The wheel's file name.
        file: String,
        /// The sha256 of what was downloaded.
        actual: String,
        /// The sha256 PyPI publishes.
        expected: String,
    },
    /// A wheel or extension file is for another DuckDB version.
    #[error("{file} is {name} for DuckDB {found}, coffer's DuckDB is {DUCKDB_VERSION}: not installed; get `{}=={DUCKDB_VERSION}`", crate::catalog::pypi_project(name))]
    WrongVersion {
        /// The file.
        file: String,
        /// The extension.
        name: String,
        /// The DuckDB version the file is for.
        found: String,
    },
    /// An extension file is for another platform.
    #[error("{file} is {name} for platform {found}, coffer's DuckDB runs on {expected}: not installed; get the {wheel} wheel", wheel = WHEEL_PLATFORM_HINT)]
    WrongPlatform {
        /// The file.
        file: String,
        /// The extension.
        name: String,
        /// The file's platform.
        found: String,
        /// This DuckDB's platform.
        expected: &'static str,
    },
    /// A file is not a DuckDB extension, a wheel of one, or a usable archive.
    #[error("{file}: {reason}: not installed")]
    NotAnExtension {
        /// The file (or URL).
        file: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A file or directory operation failed.
    #[error("{action} {}: {source}", path.display())]
    Io {
        /// What was being done ("cannot create", "cannot read"...).
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// An environment variable has a value the installer cannot use.
    #[error("{var}={value:?} is not valid: {expected}")]
    InvalidSetting {
        /// The variable.
        var: &'static str,
        /// Its value.
        value: String,
        /// What it should be.
        expected: &'static str,
    },
}

impl Error {
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { action, path, source }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
