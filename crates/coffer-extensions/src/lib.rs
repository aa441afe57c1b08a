//! Installs DuckDB 1.5.5 extensions into coffer's extension directory, laid out as DuckDB
//! expects: `<dir>/v1.5.5/linux_amd64/<name>.duckdb_extension`.
//!
//! An [`Installer`] (a directory and its [`Settings`]) installs an extension by name
//! ([`Installer::install`]), trying in order:
//!
//! 1. DuckDB's repository, `{repository}/v1.5.5/linux_amd64/{name}.duckdb_extension.gz`
//!    (default [`DEFAULT_REPOSITORY`]), with a short connect timeout so that an unreachable
//!    repository falls through quickly;
//! 2. PyPI, where every DuckDB 1.5.5 extension is the wheel `duckdb-extension-<name>==1.5.5`
//!    (default index [`DEFAULT_PYPI_URL`]): the linux x86_64 wheel listed by PyPI's JSON API is
//!    downloaded, its sha256 checked against the one PyPI publishes, and its one member
//!    `duckdb_extension_<name>/extensions/v1.5.5/<name>.duckdb_extension` extracted.
//!
//! [`Installer::install_from`] installs from a local `.whl`, `.duckdb_extension` or
//! `.duckdb_extension.gz` (air-gapped machines); [`Installer::list`] and [`Installer::remove`]
//! manage what is installed. Names go through DuckDB's aliases and known list ([`resolve`],
//! [`KNOWN_EXTENSIONS`], [`ALIASES`]); extensions DuckDB links statically
//! ([`Settings::builtin`]) need no install ([`Outcome::BuiltIn`]). Progress is reported to a
//! [`Progress`] the caller draws; the library prints nothing.
//!
//! Writes are atomic: the file is written to a temporary file in the same directory, checked,
//! then renamed over the destination, so a failed install leaves nothing behind and never
//! replaces a working file with a bad one. Directories it creates are 0755 and files 0644 (the
//! engine may run sandboxed as another user). Downloads are bounded in size
//! ([`Settings::max_download`]) and time.
//!
//! # Signatures
//!
//! The installer does not verify DuckDB's signature of an extension: DuckDB verifies it when it
//! loads the file, and coffer never enables `allow_unsigned_extensions`, so a file that is not
//! signed by DuckDB is refused at `LOAD`. What the installer checks is that the file is what it
//! claims to be: PyPI's published sha256 of the wheel (the JSON answer comes over HTTPS), and
//! the metadata footer DuckDB appends to each extension (an extension for DuckDB 1.5.5 on
//! linux_amd64), so a file for another version or platform is refused at install time. The
//! repository's default URL is plain HTTP, as DuckDB's own: there too the signature is what
//! makes a file trusted.
//!
//! ```no_run
//! use coffer_extensions::{Installer, NoProgress, Outcome, Settings};
//!
//! # fn main() -> coffer_extensions::Result<()> {
//! let installer = Installer::new("/var/lib/coffer/extensions", Settings::from_env()?);
//! match installer.install("postgres", &mut NoProgress)? {
//!     Outcome::Installed { extension, .. } => println!("installed {}", extension.path.display()),
//!     Outcome::AlreadyInstalled(extension) => println!("{} is installed", extension.name),
//!     Outcome::BuiltIn { name } => println!("{name} is built into DuckDB"),
//!     _ => {}
//! }
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod error;
mod footer;
mod http;
mod installer;
mod names;
mod settings;
mod store;
mod wheel;

pub use error::{Attempt, Error, Result, SourceKind};
pub use installer::{Installer, NoProgress, Outcome, Progress};
pub use names::{resolve, validate, KnownExtension, ALIASES, BUILTIN_BUNDLED, BUILTIN_LIBDUCKDB, KNOWN_EXTENSIONS};
pub use settings::Settings;
pub use store::InstalledExtension;

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
