//! The installer: sources in order, local files, listing and removal.

use std::fs;
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::consts::{DUCKDB_VERSION, PLATFORM};
use crate::error::{Attempt, Error, Result, SourceKind};
use crate::http::{self, Client, Timeouts};
use crate::names;
use crate::progress::Progress;
use crate::settings::Settings;
use crate::store::{self, InstalledExtension, Staged};
use crate::wheel::{self, ProjectJson, VersionJson};

/// The largest JSON answer read from PyPI (a project's page lists every release).
const JSON_LIMIT: u64 = 64 * 1024 * 1024;

/// What an install did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// The extension was written.
    Installed {
        /// The installed file.
        extension: InstalledExtension,
        /// Where it came from.
        source: SourceKind,
        /// The URL downloaded or the local file read.
        from: String,
        /// The sha256 of the wheel, checked against PyPI's, when it came from PyPI.
        sha256: Option<String>,
    },
    /// It was installed already; nothing was fetched.
    AlreadyInstalled(InstalledExtension),
    /// DuckDB links it statically ([`Settings::builtin`]): no install needed.
    BuiltIn {
        /// The extension.
        name: String,
    },
}

/// Installs, lists and removes the extensions of one extension directory.
#[derive(Debug, Clone)]
pub struct Installer {
    root: PathBuf,
    settings: Settings,
}

/// A writer that hashes what it passes on.
struct Hashing<W> {
    inner: W,
    hasher: Sha256,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The short reason of a source's failure, for [`Attempt::reason`].
fn reason(e: &Error) -> String {
    match e {
        Error::Network { reason, .. } | Error::BadResponse { reason, .. } => reason.clone(),
        Error::Status { status: 404, .. } => "HTTP 404 (not there)".into(),
        Error::Status { status, .. } => format!("HTTP {status}"),
        other => other.to_string(),
    }
}

/// Whether a failure of the last source means "not available here" (reported with every
/// source tried) rather than a problem with what was downloaded (reported as is).
fn is_unavailable(e: &Error) -> bool {
    matches!(
        e,
        Error::Network { .. } | Error::Status { .. } | Error::BadResponse { .. }
    )
}

/// A wheel link is followed over HTTPS only, unless the index itself was configured as plain
/// HTTP (a local mirror).
fn link_allowed(index: &str, link: &str) -> bool {
    link.starts_with("https://") || (index.starts_with("http://") && link.starts_with("http://"))
}

impl Installer {
    /// An installer of the extension directory `dir` (DuckDB's `extension_directory`; coffer's
    /// is `COFFER_EXTENSION_DIR`, else `$COFFER_HOME/extensions`). Nothing is touched yet.
    pub fn new(dir: impl Into<PathBuf>, settings: Settings) -> Installer {
        Installer {
            root: dir.into(),
            settings,
        }
    }

    /// The extension directory.
    pub fn dir(&self) -> &Path {
        &self.root
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The file extension `name` (or an alias of it) is installed as:
    /// `<dir>/v1.5.5/linux_amd64/<name>.duckdb_extension`.
    ///
    /// # Errors
    /// [`Error::InvalidName`], [`Error::UnknownExtension`].
    pub fn path_of(&self, name: &str) -> Result<PathBuf> {
        Ok(store::file_of(&self.root, names::resolve(name)?.name))
    }

    /// The installed file of extension `name` (or an alias), if there is one.
    ///
    /// # Errors
    /// [`Error::InvalidName`], [`Error::UnknownExtension`], [`Error::Io`].
    pub fn installed(&self, name: &str) -> Result<Option<InstalledExtension>> {
        store::get(&self.root, names::resolve(name)?.name)
    }

    /// Installs extension `name` (or an alias: `postgres`, `s3`...) for DuckDB 1.5.5 unless it
    /// is installed or built in: from DuckDB's repository, else from PyPI (see the crate
    /// documentation). Nothing is fetched when it is installed or built in, offline or not.
    ///
    /// # Errors
    /// [`Error::InvalidName`] and [`Error::UnknownExtension`] for the name; [`Error::Offline`]
    /// when offline; [`Error::Unavailable`] (listing each source and why) when no source had
    /// it; [`Error::ChecksumMismatch`], [`Error::TooLarge`], [`Error::WrongVersion`],
    /// [`Error::WrongPlatform`], [`Error::NotAnExtension`] when PyPI's download is not right;
    /// [`Error::Io`] for the directory. On error nothing is installed or replaced.
    pub fn install(&self, name: &str, progress: &mut dyn Progress) -> Result<Outcome> {
        self.install_named(name, false, progress)
    }

    /// [`Installer::install`], replacing an installed file (DuckDB's `FORCE INSTALL`); the old
    /// file stays if the install fails.
    ///
    /// # Errors
    /// As [`Installer::install`].
    pub fn reinstall(&self, name: &str, progress: &mut dyn Progress) -> Result<Outcome> {
        self.install_named(name, true, progress)
    }

    fn install_named(&self, name: &str, force: bool, progress: &mut dyn Progress) -> Result<Outcome> {
        let name = names::resolve(name)?.name;
        if self.settings.is_builtin(name) {
            return Ok(Outcome::BuiltIn { name: name.to_string() });
        }
        if !force {
            if let Some(found) = store::get(&self.root, name)? {
                return Ok(Outcome::AlreadyInstalled(found));
            }
        }
        if self.settings.offline {
            return Err(Error::Offline { name: name.to_string() });
        }
        let mut tried = Vec::new();
        if let Some(repository) = &self.settings.repository {
            let url = format!(
                "{}/v{DUCKDB_VERSION}/{PLATFORM}/{name}.duckdb_extension.gz",
                repository.trim_end_matches('/')
            );
            progress.trying(SourceKind::Repository, &url);
            match self.fetch_repository(name, &url, progress) {
                Ok(extension) => {
                    return Ok(Outcome::Installed {
                        extension,
                        source: SourceKind::Repository,
                        from: url,
                        sha256: None,
                    })
                }
                // Unauthenticated (plain HTTP, no published digest): any failure falls through.
                Err(e) => {
                    progress.fell_through(SourceKind::Repository, &e);
                    tried.push(Attempt {
                        source: SourceKind::Repository,
                        url,
                        reason: reason(&e),
                    });
                }
            }
        }
        if let Some(index) = &self.settings.pypi_url {
            let index = index.trim_end_matches('/');
            match self.fetch_pypi(name, index, &mut tried, progress) {
                Ok(outcome) => return Ok(outcome),
                Err((url, e)) if is_unavailable(&e) => {
                    progress.fell_through(SourceKind::PyPi, &e);
                    tried.push(Attempt {
                        source: SourceKind::PyPi,
                        url,
                        reason: reason(&e),
                    });
                }
                Err((_, e)) => return Err(e),
            }
        }
        Err(Error::Unavailable {
            name: name.to_string(),
            tried,
        })
    }

    fn timeouts(&self, connect: std::time::Duration) -> Timeouts {
        Timeouts {
            connect,
            stall: self.settings.stall_timeout,
            total: self.settings.download_timeout,
        }
    }

    fn fetch_repository(&self, name: &str, url: &str, progress: &mut dyn Progress) -> Result<InstalledExtension> {
        let client = Client::new(
            name,
            SourceKind::Repository,
            self.timeouts(self.settings.repository_connect_timeout),
        )?;
        let resp = client.get(url)?;
        let mut staged = Staged::new(&self.root, name)?;
        client.stream(
            resp,
            url,
            self.settings.max_download,
            staged.file()?,
            http::gunzip,
            progress,
        )?;
        staged.commit(url)
    }

    /// PyPI: the release's files from the JSON API, the linux wheel, its sha256, its member.
    /// `Err` carries the URL that failed.
    fn fetch_pypi(
        &self,
        name: &str,
        index: &str,
        tried: &mut Vec<Attempt>,
        progress: &mut dyn Progress,
    ) -> std::result::Result<Outcome, (String, Error)> {
        let project = crate::catalog::pypi_project(name);
        let url = format!("{index}/pypi/{project}/{DUCKDB_VERSION}/json");
        progress.trying(SourceKind::PyPi, &url);
        let client = Client::new(name, SourceKind::PyPi, self.timeouts(self.settings.connect_timeout))
            .map_err(|e| (url.clone(), e))?;
        let bad = |url: &str, reason: String| Error::BadResponse {
            name: name.to_string(),
            source_kind: SourceKind::PyPi,
            url: url.to_string(),
            reason,
        };
        let files = match client.get_json(&url, JSON_LIMIT) {
            Ok(json) => {
                serde_json::from_value::<VersionJson>(json)
                    .map_err(|e| (url.clone(), bad(&url, format!("not PyPI's JSON API: {e}"))))?
                    .urls
            }
            // Some mirrors and proxies serve only the project's page: take the release from it.
            Err(e @ Error::Status { status: 404, .. }) => {
                tried.push(Attempt {
                    source: SourceKind::PyPi,
                    url: url.clone(),
                    reason: reason(&e),
                });
                let url = format!("{index}/pypi/{project}/json");
                progress.trying(SourceKind::PyPi, &url);
                let json = client.get_json(&url, JSON_LIMIT).map_err(|e| (url.clone(), e))?;
                let mut releases = serde_json::from_value::<ProjectJson>(json)
                    .map_err(|e| (url.clone(), bad(&url, format!("not PyPI's JSON API: {e}"))))?
                    .releases;
                releases.remove(DUCKDB_VERSION).ok_or_else(|| {
                    let latest: Vec<&str> = releases.keys().rev().take(5).map(String::as_str).collect();
                    let reason = format!(
                        "{project} has no release {DUCKDB_VERSION} (it has {})",
                        latest.join(", ")
                    );
                    (url.clone(), bad(&url, reason))
                })?
            }
            Err(e) => return Err((url, e)),
        };
        let file = wheel::pick(&files).map_err(|reason| (url.clone(), bad(&url, reason)))?;
        let expected = file
            .digests
            .sha256
            .as_deref()
            .map(str::to_ascii_lowercase)
            .filter(|d| d.len() == 64 && d.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| {
                (
                    url.clone(),
                    bad(&url, format!("no sha256 published for {}", file.filename)),
                )
            })?;
        if !link_allowed(index, &file.url) {
            let reason = format!("{} is linked at {}, not over HTTPS: refused", file.filename, file.url);
            return Err((url.clone(), bad(&url, reason)));
        }
        let wheel_url = file.url.clone();
        let result = self.download_wheel(&client, name, &wheel_url, &file.filename, &expected, progress);
        let extension = result.map_err(|e| (wheel_url.clone(), e))?;
        Ok(Outcome::Installed {
            extension,
            source: SourceKind::PyPi,
            from: wheel_url,
            sha256: Some(expected),
        })
    }

    fn download_wheel(
        &self,
        client: &Client,
        name: &str,
        url: &str,
        filename: &str,
        expected: &str,
        progress: &mut dyn Progress,
    ) -> Result<InstalledExtension> {
        let resp = client.get(url)?;
        let mut staged = Staged::new(&self.root, name)?;
        // The wheel goes to an unnamed temporary file beside the extension (same file system,
        // deleted on close).
        let dir = staged.dir().to_path_buf();
        let wheel = tempfile::tempfile_in(&dir).map_err(Error::io("cannot create a temporary file in", &dir))?;
        let mut hashing = Hashing {
            inner: wheel,
            hasher: Sha256::new(),
        };
        client.stream(
            resp,
            url,
            self.settings.max_download,
            &mut hashing,
            http::identity,
            progress,
        )?;
        let actual = hex::encode(hashing.hasher.finalize());
        if actual != expected {
            return Err(Error::ChecksumMismatch {
                file: filename.to_string(),
                actual,
                expected: expected.to_string(),
            });
        }
        let mut wheel = hashing.inner;
        wheel.seek(SeekFrom::Start(0)).map_err(Error::io("cannot read", &dir))?;
        let (mut zip, member) = wheel::open(wheel, filename, Some(name))?;
        wheel::extract(&mut zip, &member, &mut staged, filename, self.settings.max_download)?;
        staged.commit(filename)
    }

    /// Installs from a local file, for machines without network: a PyPI wheel
    /// (`duckdb_extension_<name>-1.5.5-....whl`, its extension for DuckDB 1.5.5 extracted), a
    /// `.duckdb_extension` or a `.duckdb_extension.gz`. The extension's name comes from the
    /// wheel's content or the file's name (an alias is installed under its extension's name).
    /// Replaces an installed file; ignores [`Settings::offline`] and [`Settings::builtin`].
    ///
    /// # Errors
    /// [`Error::WrongVersion`] for a wheel or file of another DuckDB version,
    /// [`Error::WrongPlatform`] for another platform, [`Error::NotAnExtension`] for other files,
    /// [`Error::InvalidName`]/[`Error::UnknownExtension`] for the file's name, [`Error::TooLarge`],
    /// [`Error::Io`]. On error nothing is installed or replaced.
    pub fn install_from(&self, path: &Path, progress: &mut dyn Progress) -> Result<Outcome> {
        let display = path.display().to_string();
        let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let from = || display.clone();
        progress.trying(SourceKind::File, &display);
        let file = fs::File::open(path).map_err(Error::io("cannot open", path))?;
        let limit = self.settings.max_download;
        let extension = if file_name.ends_with(".whl") {
            let (mut zip, member) = wheel::open(file, &display, None)?;
            let name = names::resolve(&member.name)?.name;
            let mut staged = Staged::new(&self.root, name)?;
            wheel::extract(&mut zip, &member, &mut staged, &display, limit)?;
            staged.commit(&display)?
        } else {
            let (stem, gz) = if let Some(stem) = file_name.strip_suffix(".duckdb_extension.gz") {
                (stem, true)
            } else if let Some(stem) = file_name.strip_suffix(store::SUFFIX) {
                (stem, false)
            } else {
                return Err(Error::NotAnExtension {
                    file: from(),
                    reason: "expected a .whl, .duckdb_extension or .duckdb_extension.gz file".into(),
                });
            };
            let name = names::resolve(stem)?.name;
            let size = file.metadata().map_err(Error::io("cannot read", path))?.len();
            if size > limit {
                return Err(Error::TooLarge {
                    name: name.to_string(),
                    what: from(),
                    limit,
                });
            }
            let mut staged = Staged::new(&self.root, name)?;
            let reader: Box<dyn std::io::Read> = if gz {
                http::gunzip(Box::new(file))
            } else {
                Box::new(file)
            };
            let copied = std::io::copy(&mut std::io::Read::take(reader, limit + 1), staged.file()?).map_err(|e| {
                Error::NotAnExtension {
                    file: from(),
                    reason: format!("cannot read{}: {e}", if gz { " (gzip)" } else { "" }),
                }
            })?;
            if copied > limit {
                return Err(Error::TooLarge {
                    name: name.to_string(),
                    what: format!("{display} (decompressed)"),
                    limit,
                });
            }
            staged.commit(&display)?
        };
        Ok(Outcome::Installed {
            extension,
            source: SourceKind::File,
            from: display,
            sha256: None,
        })
    }

    /// The installed extensions, by name (none when the directory does not exist).
    ///
    /// # Errors
    /// [`Error::Io`] when the directory cannot be read.
    pub fn list(&self) -> Result<Vec<InstalledExtension>> {
        store::list(&self.root)
    }

    /// Removes extension `name` (or an alias; any plain name, known or not). Returns whether it
    /// was installed.
    ///
    /// # Errors
    /// [`Error::InvalidName`], [`Error::Io`].
    pub fn remove(&self, name: &str) -> Result<bool> {
        let lower = names::validate(name)?;
        let name = names::resolve(&lower).map_or(lower.as_str(), |k| k.name);
        store::remove(&self.root, name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wheel_links_stay_on_https() {
        assert!(link_allowed("https://pypi.org", "https://files.pythonhosted.org/x.whl"));
        assert!(!link_allowed("https://pypi.org", "http://files.pythonhosted.org/x.whl"));
        assert!(!link_allowed("https://pypi.org", "file:///etc/passwd"));
        assert!(link_allowed("http://127.0.0.1:8080", "http://127.0.0.1:8080/x.whl"));
        assert!(!link_allowed("http://127.0.0.1:8080", "ftp://x/x.whl"));
    }
}
