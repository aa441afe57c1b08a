//! The versions, platform and defaults the installer is built for.

/// The DuckDB version coffer embeds; extensions must be built for it.
pub const DUCKDB_VERSION: &str = "1.5.5";
/// DuckDB's platform name of coffer's DuckDB (the directory under `v1.5.5/`).
pub const PLATFORM: &str = "linux_amd64";
/// The architecture in wheel platform tags for [`PLATFORM`] (`manylinux2014_x86_64`).
pub(crate) const WHEEL_ARCH: &str = "x86_64";
/// The wheel platform tag to ask pip for, in messages.
pub(crate) const WHEEL_PLATFORM_HINT: &str = "manylinux2014_x86_64";
/// DuckDB's extension repository, DuckDB's own default (`COFFER_EXTENSION_REPOSITORY`).
pub const DEFAULT_REPOSITORY: &str = "http://extensions.duckdb.org";
/// PyPI (`COFFER_PYPI_URL`).
pub const DEFAULT_PYPI_URL: &str = "https://pypi.org";
/// The default limit of a download and of an extracted file: 256 MiB.
pub const DEFAULT_MAX_DOWNLOAD: u64 = 256 * 1024 * 1024;
