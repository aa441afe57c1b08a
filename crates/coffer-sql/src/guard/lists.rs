//! The names the sandbox rules compare against: the settings and `PRAGMA`s a sandboxed caller
//! may use, the URL schemes that count as remote, and the functions and connection-string keys
//! that reach the host.

/// The session settings a sandboxed caller may `SET` and `RESET` (any case): they change how
/// results are computed or shown, never files, extensions, the network, memory, threads,
/// secrets or security. The sandbox's `allowed_configs` must list them too, as its
/// `lock_configuration=true` refuses every other `SET`.
pub const ALLOWED_SETTINGS: &[&str] = &[
    "TimeZone",
    "Calendar",
    "search_path",
    "schema",
    "default_order",
    "default_null_order",
    "null_order",
    "default_collation",
    "errors_as_json",
    "enable_progress_bar",
    "progress_bar_time",
    "preserve_insertion_order",
    "integer_division",
    "ieee_floating_point_ops",
    "order_by_non_integer_literal",
    "explain_output",
];

/// The read-only, informational `PRAGMA`s a sandboxed caller may run (without `=`).
pub const ALLOWED_PRAGMAS: &[&str] = &[
    "version",
    "platform",
    "user_agent",
    "show_tables",
    "show_tables_expanded",
    "show_databases",
    "database_list",
    "database_size",
    "table_info",
    "show",
    "storage_info",
    "functions",
    "collations",
];

/// The URL schemes that name remote objects (exactly, in lower case, followed by `://`).
pub const REMOTE_SCHEMES: &[&str] = &[
    "s3", "s3a", "s3n", "gs", "gcs", "r2", "az", "azure", "abfss", "hf", "http", "https",
];

/// Table functions whose first argument is a file path or a list of them.
pub const FILE_FUNCTIONS: &[&str] = &[
    "read_csv",
    "read_csv_auto",
    "sniff_csv",
    "read_parquet",
    "parquet_scan",
    "parquet_metadata",
    "parquet_schema",
    "parquet_file_metadata",
    "parquet_kv_metadata",
    "read_json",
    "read_json_auto",
    "read_json_objects",
    "read_json_objects_auto",
    "read_ndjson",
    "read_ndjson_auto",
    "read_ndjson_objects",
    "read_text",
    "read_blob",
    "read_xlsx",
    "read_avro",
    "read_duckdb",
    "glob",
    "sqlite_scan",
    "st_read",
    "st_read_meta",
    "delta_scan",
    "iceberg_scan",
    "iceberg_metadata",
    "iceberg_snapshots",
];

/// Functions that reveal the host.
pub(super) const HOST_FUNCTIONS: &[&str] = &["getenv", "duckdb_settings"];

/// What a PostgreSQL or MySQL connection string may not name: local files and sockets.
pub(super) const LOCAL_CONNECTION_KEYS: &[&str] = &[
    "passfile",
    "sslcert",
    "sslkey",
    "sslrootcert",
    "sslcrl",
    "service",
    "host=/",
    "host=%2f",
    "socket",
    "ssl_ca",
    "ssl_cert",
    "ssl_key",
];

/// Whether `path` names a remote object: one of [`REMOTE_SCHEMES`] followed by `://`.
pub fn is_remote(path: &str) -> bool {
    path.split_once("://")
        .is_some_and(|(scheme, _)| REMOTE_SCHEMES.contains(&scheme))
}

/// Whether `name` is one of [`ALLOWED_SETTINGS`] (any case).
pub(super) fn is_allowed_setting(name: &str) -> bool {
    ALLOWED_SETTINGS.iter().any(|s| s.eq_ignore_ascii_case(name))
}
