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

mod catalog;
mod consts;
mod error;
mod footer;
mod http;
mod installer;
mod names;
mod progress;
mod settings;
mod store;
mod wheel;

pub use catalog::{KnownExtension, ALIASES, BUILTIN_BUNDLED, BUILTIN_LIBDUCKDB, KNOWN_EXTENSIONS};
pub use consts::{DEFAULT_MAX_DOWNLOAD, DEFAULT_PYPI_URL, DEFAULT_REPOSITORY, DUCKDB_VERSION, PLATFORM};
pub use error::{Attempt, Error, Result, SourceKind};
pub use installer::{Installer, Outcome};
pub use names::{resolve, validate};
pub use progress::{NoProgress, Progress};
pub use settings::Settings;
pub use store::InstalledExtension;
