//! `$COFFER_HOME`: where the embedded store lives, created on first use.

use anyhow::{Context, Result};
use coffer_core::Service;
use coffer_crypto::LocalKeyFile;
use coffer_store_sqlite::SqliteStore;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

/// The database file name inside the home.
pub const DB_FILE: &str = "coffer.db";
/// The key file name inside the home.
pub const KEY_FILE: &str = "master.key";

/// The home directory: `--home`/`$COFFER_HOME`, else `$XDG_DATA_HOME/coffer`, else
/// `~/.local/share/coffer`.
pub fn resolve(flag: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(p) = flag {
        return Ok(p);
    }
    if let Some(x) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(x).join("coffer"));
    }
    let home = std::env::var_os("HOME")
        .filter(|v| !v.is_empty())
        .context("cannot find a home for coffer's store: set COFFER_HOME or HOME")?;
    Ok(PathBuf::from(home).join(".local/share/coffer"))
}

/// Opens the embedded store in `dir`, creating the directory (0700), the key file (0600) and
/// the database on first use, and saying so on stderr.
pub fn open(dir: &Path) -> Result<Service> {
    let created_dir = !dir.exists();
    if created_dir {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("cannot create coffer's home {}", dir.display()))?;
    }
    let key_path = dir.join(KEY_FILE);
    let (keyring, created_key) = LocalKeyFile::open_or_create(&key_path)?;
    let db_path = dir.join(DB_FILE);
    let store = SqliteStore::open(&db_path).with_context(|| format!("cannot open the store {}", db_path.display()))?;
    if created_key {
        eprintln!(
            "coffer: created a new store in {}\n  database: {}\n  key file: {} (mode 0600; back it up and keep it secret: without it no stored secret can be opened)",
            dir.display(),
            db_path.display(),
            key_path.display()
        );
    }
    let service = Service::new(Box::new(store), Box::new(keyring));
    if let Some(v) = std::env::var_os("COFFER_KEEP_VERSIONS").filter(|v| !v.is_empty()) {
        let keep = v.to_str().and_then(|v| v.parse::<usize>().ok()).ok_or_else(|| {
            crate::UsageError(format!(
                "invalid COFFER_KEEP_VERSIONS '{}': use a whole number of earlier versions to keep (default 10)",
                v.to_string_lossy()
            ))
        })?;
        service.set_keep_versions(keep);
    }
    Ok(service)
}
