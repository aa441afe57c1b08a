//! The extension directory: `<dir>/v1.5.5/linux_amd64/<name>.duckdb_extension`, written
//! atomically (a temporary file in the same directory, renamed over the old one).

use std::fs;
use std::io::{Seek, SeekFrom, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use tempfile::NamedTempFile;

use crate::consts::{DUCKDB_VERSION, PLATFORM};
use crate::error::{Error, Result};
use crate::{footer, names};

/// The suffix of extension files.
pub(crate) const SUFFIX: &str = ".duckdb_extension";

/// An extension file in the extension directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledExtension {
    /// The extension's name (`httpfs`).
    pub name: String,
    /// The file.
    pub path: PathBuf,
    /// Its size in bytes.
    pub size: u64,
    /// When it was last written, if the file system says.
    pub modified: Option<SystemTime>,
}

/// `<root>/v1.5.5/linux_amd64`.
pub(crate) fn platform_dir(root: &Path) -> PathBuf {
    root.join(format!("v{DUCKDB_VERSION}")).join(PLATFORM)
}

/// The file of extension `name` (a validated name).
pub(crate) fn file_of(root: &Path, name: &str) -> PathBuf {
    platform_dir(root).join(format!("{name}{SUFFIX}"))
}

/// Creates `dir` if missing (0755 whatever the umask: coffer runs with 077 and sandboxed
/// engines of another user read the directory). Whether it created it.
fn make_dir(dir: &Path, all: bool) -> Result<bool> {
    if dir.is_dir() {
        return Ok(false);
    }
    let made = if all {
        fs::create_dir_all(dir)
    } else {
        fs::create_dir(dir)
    };
    match made {
        Ok(()) => {}
        // Another installer made it meanwhile.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => return Ok(false),
        Err(e) => return Err(Error::io("cannot create the directory", dir)(e)),
    }
    fs::set_permissions(dir, fs::Permissions::from_mode(0o755)).map_err(Error::io("cannot set the mode of", dir))?;
    Ok(true)
}

/// Creates `<root>/v1.5.5/linux_amd64`; returns it and the directories it created, outermost
/// first.
fn ensure_platform_dir(root: &Path) -> Result<(PathBuf, Vec<PathBuf>)> {
    let version = root.join(format!("v{DUCKDB_VERSION}"));
    let platform = version.join(PLATFORM);
    let mut created = Vec::new();
    for (dir, all) in [(root, true), (version.as_path(), false), (platform.as_path(), false)] {
        match make_dir(dir, all) {
            Ok(true) => created.push(dir.to_path_buf()),
            Ok(false) => {}
            Err(e) => {
                remove_empty(&created);
                return Err(e);
            }
        }
    }
    Ok((platform, created))
}

/// Removes the directories in `dirs` (innermost last in the list) that are empty.
fn remove_empty(dirs: &[PathBuf]) {
    for dir in dirs.iter().rev() {
        // Fails, harmlessly, when something else is in it.
        let _ = fs::remove_dir(dir);
    }
}

/// A new extension file being written, next to its destination. Dropped without
/// [`Staged::commit`], it is deleted with the directories made for it: a failed install
/// leaves nothing behind.
pub(crate) struct Staged {
    tmp: Option<NamedTempFile>,
    dir: PathBuf,
    created: Vec<PathBuf>,
    dest: PathBuf,
    name: String,
}

impl Drop for Staged {
    fn drop(&mut self) {
        drop(self.tmp.take());
        remove_empty(&self.created);
    }
}

impl Staged {
    /// Starts the file of `name` (a validated name) in `root`'s platform directory.
    pub(crate) fn new(root: &Path, name: &str) -> Result<Staged> {
        let (dir, created) = ensure_platform_dir(root)?;
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}{SUFFIX}."))
            .suffix(".tmp")
            .tempfile_in(&dir)
            .map_err(Error::io("cannot create a temporary file in", &dir));
        let mut staged = Staged {
            tmp: None,
            dir,
            created,
            dest: file_of(root, name),
            name: name.to_string(),
        };
        // On error, dropping `staged` removes the directories made for it.
        staged.tmp = Some(tmp?);
        Ok(staged)
    }

    /// The platform directory, for other temporary files of the install.
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    fn tmp(&mut self) -> Result<&mut NamedTempFile> {
        let dest = &self.dest;
        self.tmp
            .as_mut()
            .ok_or_else(|| Error::io("already committed", dest)(std::io::ErrorKind::Other.into()))
    }

    /// Where the data goes.
    pub(crate) fn file(&mut self) -> Result<&mut fs::File> {
        Ok(self.tmp()?.as_file_mut())
    }

    /// Checks that what was written is an extension for this DuckDB (footer: platform and
    /// version), then replaces the destination with it (mode 0644) and removes a stale
    /// `.info` of DuckDB's own `INSTALL`. `origin` names the file in errors.
    pub(crate) fn commit(mut self, origin: &str) -> Result<InstalledExtension> {
        let name = self.name.clone();
        let dest = self.dest.clone();
        let tmp = self.tmp()?;
        let tmp_path = tmp.path().to_path_buf();
        let file = tmp.as_file_mut();
        file.flush().map_err(Error::io("cannot write", &tmp_path))?;
        let len = file
            .seek(SeekFrom::End(0))
            .map_err(Error::io("cannot write", &tmp_path))?;
        let checked =
            footer::check(file, len, DUCKDB_VERSION, PLATFORM).map_err(Error::io("cannot read", &tmp_path))?;
        let file = origin.to_string();
        match checked {
            Ok(_) => {}
            Err(footer::Mismatch::NotAnExtension(reason)) => {
                return Err(Error::NotAnExtension {
                    file,
                    reason: format!("not a DuckDB extension ({reason})"),
                })
            }
            Err(footer::Mismatch::Version(found)) => {
                return Err(Error::WrongVersion {
                    file,
                    name,
                    found: display_version(&found),
                })
            }
            Err(footer::Mismatch::Platform(found)) => {
                return Err(Error::WrongPlatform {
                    file,
                    name,
                    found,
                    expected: PLATFORM,
                })
            }
        }
        tmp.as_file().sync_all().map_err(Error::io("cannot write", &tmp_path))?;
        fs::set_permissions(&tmp_path, fs::Permissions::from_mode(0o644))
            .map_err(Error::io("cannot set the mode of", &tmp_path))?;
        let tmp = self
            .tmp
            .take()
            .ok_or_else(|| Error::io("already committed", &dest)(std::io::ErrorKind::Other.into()))?;
        tmp.persist(&dest)
            .map_err(|e| Error::io("cannot rename the new file to", &dest)(e.error))?;
        // Installed: the directories made for it stay.
        self.created.clear();
        // Makes the rename durable; a failure here does not undo the install.
        let _ = fs::File::open(&self.dir).and_then(|d| d.sync_all());
        remove_if_present(&info_of(&dest))?;
        describe(&name, &dest)
    }
}

/// `v1.4.3` → `1.4.3`.
pub(crate) fn display_version(v: &str) -> String {
    v.strip_prefix('v').unwrap_or(v).to_string()
}

/// The install metadata DuckDB's own `INSTALL` writes next to a file (`<file>.info`).
fn info_of(file: &Path) -> PathBuf {
    let mut s = file.as_os_str().to_owned();
    s.push(".info");
    PathBuf::from(s)
}

fn remove_if_present(path: &Path) -> Result<bool> {
    match fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::io("cannot remove", path)(e)),
    }
}

fn describe(name: &str, path: &Path) -> Result<InstalledExtension> {
    let meta = fs::metadata(path).map_err(Error::io("cannot read", path))?;
    Ok(InstalledExtension {
        name: name.to_string(),
        path: path.to_path_buf(),
        size: meta.len(),
        modified: meta.modified().ok(),
    })
}

/// The installed extension `name`, if its file is there.
pub(crate) fn get(root: &Path, name: &str) -> Result<Option<InstalledExtension>> {
    let path = file_of(root, name);
    match fs::metadata(&path) {
        Ok(meta) if meta.is_file() => Ok(Some(InstalledExtension {
            name: name.to_string(),
            path,
            size: meta.len(),
            modified: meta.modified().ok(),
        })),
        Ok(_) => Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io("cannot read", &path)(e)),
    }
}

/// The extension files of `root`'s platform directory, by name; none if it does not exist.
pub(crate) fn list(root: &Path) -> Result<Vec<InstalledExtension>> {
    let dir = platform_dir(root);
    let entries = match fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io("cannot read the directory", &dir)(e)),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(Error::io("cannot read the directory", &dir))?;
        let file_name = entry.file_name();
        let Some(name) = file_name.to_str().and_then(|n| n.strip_suffix(SUFFIX)) else {
            continue;
        };
        // Temporary files start with a dot and end in .tmp; anything not a plain name is skipped.
        if names::validate(name).ok().as_deref() != Some(name) {
            continue;
        }
        if let Some(found) = get(root, name)? {
            out.push(found);
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// Removes extension `name` (and DuckDB's `.info` beside it). Whether a file was there.
pub(crate) fn remove(root: &Path, name: &str) -> Result<bool> {
    let path = file_of(root, name);
    let removed = remove_if_present(&path)?;
    remove_if_present(&info_of(&path))?;
    Ok(removed)
}
