//! DuckDB 1.5.5's extensions: the ones it knows, its aliases, the ones it links statically.

/// A DuckDB 1.5.5 extension coffer can install.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownExtension {
    /// DuckDB's name of the extension (the file is `<name>.duckdb_extension`).
    pub name: &'static str,
    /// DuckDB's one-line description.
    pub description: &'static str,
}

const fn known(name: &'static str, description: &'static str) -> KnownExtension {
    KnownExtension { name, description }
}

/// The extensions DuckDB 1.5.5 knows: `internal_extensions` of `extension_helper.cpp` together
/// with `AUTOLOADABLE_EXTENSIONS` of `extension_entries.hpp` (the same list
/// `duckdb_extensions()` prints), sorted by name.
pub const KNOWN_EXTENSIONS: &[KnownExtension] = &[
    known("autocomplete", "Adds support for autocomplete in the shell"),
    known("avro", "Adds support for reading Avro files"),
    known("aws", "Provides features that depend on the AWS SDK"),
    known(
        "azure",
        "Adds a filesystem abstraction for Azure blob storage to DuckDB",
    ),
    known("core_functions", "Core function library"),
    known("delta", "Adds support for Delta Lake"),
    known("ducklake", "Adds support for DuckLake, SQL as a Lakehouse Format"),
    known("encodings", "All unicode encodings to UTF-8"),
    known("excel", "Adds support for Excel-like format strings"),
    known("fts", "Adds support for Full-Text Search Indexes"),
    known(
        "httpfs",
        "Adds support for reading and writing files over a HTTP(S) connection",
    ),
    known("iceberg", "Adds support for Apache Iceberg"),
    known(
        "icu",
        "Adds support for time zones and collations using the ICU library",
    ),
    known("inet", "Adds support for IP-related data types and functions"),
    known("json", "Adds support for JSON operations"),
    known("lance", "Adds support for querying Lance datasets"),
    known("motherduck", "Enables motherduck integration with the system"),
    known("mysql_scanner", "Adds support for connecting to a MySQL database"),
    known(
        "odbc_scanner",
        "Adds support for connecting to remote databases over ODBC",
    ),
    known("parquet", "Adds support for reading and writing parquet files"),
    known("postgres_scanner", "Adds support for connecting to a Postgres database"),
    known("quack", "The DuckDB 'Quack' Client/Server Protocol"),
    known(
        "spatial",
        "Geospatial extension that adds support for working with spatial data and functions",
    ),
    known(
        "sqlite_scanner",
        "Adds support for reading and writing SQLite database files",
    ),
    known("tpcds", "Adds TPC-DS data generation and query support"),
    known("tpch", "Adds TPC-H data generation and query support"),
    known("ui", "Adds local UI for DuckDB"),
    known("unity_catalog", "Adds support for connecting to Unity Catalog"),
    known(
        "vortex",
        "Adds support for reading and writing files using the Vortex file format",
    ),
    known("vss", "Adds indexing support to accelerate Vector Similarity Search"),
];

/// DuckDB 1.5.5's aliases (`internal_aliases` of `extension_alias.cpp`): alias, extension.
pub const ALIASES: &[(&str, &str)] = &[
    ("http", "httpfs"),
    ("https", "httpfs"),
    ("md", "motherduck"),
    ("mysql", "mysql_scanner"),
    ("odbc", "odbc_scanner"),
    ("s3", "httpfs"),
    ("postgres", "postgres_scanner"),
    ("sqlite", "sqlite_scanner"),
    ("sqlite3", "sqlite_scanner"),
    ("uc_catalog", "unity_catalog"),
];

/// The extensions every DuckDB 1.5.5 build links statically, coffer's bundled build (the
/// `duckdb` crate's `bundled` feature without its `json`/`parquet` features) included.
pub const BUILTIN_BUNDLED: &[&str] = &["core_functions"];

/// The extensions the official `libduckdb.so` 1.5.5 links statically (what
/// `duckdb_extensions()` reports as `STATICALLY_LINKED` with it). DuckDB 1.5.5's Python wheel
/// has the same without `autocomplete`.
pub const BUILTIN_LIBDUCKDB: &[&str] = &["autocomplete", "core_functions", "icu", "json", "parquet"];

/// The PyPI project of an extension: `duckdb-extension-<name with _ as ->`.
pub(crate) fn pypi_project(name: &str) -> String {
    format!("duckdb-extension-{}", name.replace('_', "-"))
}
