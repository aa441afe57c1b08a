//! `$COFFER_HOME`: where the embedded store lives, created on first use.

use crate::error::UsageError;
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
/// Which keyring is current, and the AWS KMS settings (no secret in it).
pub const KEYRING_FILE: &str = "keyring.json";

/// `$COFFER_HOME/keyring.json`: the keyring new data keys come from. Absent: the local key
/// file.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyringConfig {
    /// `local` (the key file) or `kms`.
    pub current: String,
    /// The AWS KMS key, when one is configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms: Option<KmsSettings>,
}

/// AWS KMS settings. Credentials come from the standard AWS chain, never from here.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KmsSettings {
    /// Key id, key ARN, alias or alias ARN.
    pub key_id: String,
    /// Another endpoint (VPC endpoint, emulator).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint_url: Option<String>,
    /// The region (default: the AWS chain's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// A named AWS profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// Seconds decrypted data keys stay cached in memory (0: no cache).
    #[serde(default = "default_ttl")]
    pub cache_ttl_secs: u64,
}

fn default_ttl() -> u64 {
    300
}

impl Default for KeyringConfig {
    fn default() -> Self {
        KeyringConfig {
            current: "local".into(),
            kms: None,
        }
    }
}

/// Reads `keyring.json` (the default when absent).
pub fn read_keyring_config(dir: &Path) -> Result<KeyringConfig> {
    let path = dir.join(KEYRING_FILE);
    match std::fs::read(&path) {
        Ok(bytes) => {
            let cfg: KeyringConfig = serde_json::from_slice(&bytes)
                .with_context(|| format!("{} is not a valid keyring configuration", path.display()))?;
            if cfg.current != "local" && cfg.current != "kms" {
                anyhow::bail!("{}: 'current' must be \"local\" or \"kms\"", path.display());
            }
            if cfg.current == "kms" && cfg.kms.is_none() {
                anyhow::bail!(
                    "{}: 'current' is \"kms\" but no \"kms\" key is configured",
                    path.display()
                );
            }
            Ok(cfg)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(KeyringConfig::default()),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Writes `keyring.json` (mode 0600, replaced whole).
pub fn write_keyring_config(dir: &Path, cfg: &KeyringConfig) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let path = dir.join(KEYRING_FILE);
    let tmp = dir.join(format!("{KEYRING_FILE}.new"));
    let _ = std::fs::remove_file(&tmp);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    f.write_all(serde_json::to_string_pretty(cfg)?.as_bytes())?;
    f.sync_all()?;
    std::fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// The keyrings of a home: the key file (created on first use while it is current) and the
/// KMS key when configured, behind one [`KeyringSet`](coffer_crypto::KeyringSet). Returns
/// whether a key file was created.
pub fn keyring(dir: &Path, cfg: &KeyringConfig) -> Result<(Box<dyn coffer_crypto::Keyring>, bool)> {
    let mut members: Vec<(String, Box<dyn coffer_crypto::Keyring>)> = Vec::new();
    let key_path = dir.join(KEY_FILE);
    let mut created = false;
    if cfg.current == "local" {
        let (kf, c) = LocalKeyFile::open_or_create(&key_path)?;
        created = c;
        members.push(("local:".into(), Box::new(kf)));
    } else if key_path.exists() {
        members.push(("local:".into(), Box::new(LocalKeyFile::open(&key_path)?)));
    }
    if let Some(k) = &cfg.kms {
        let mut kc = coffer_kms::KmsConfig::new(k.key_id.clone());
        kc.endpoint_url = k.endpoint_url.clone();
        kc.region = k.region.clone();
        kc.profile = k.profile.clone();
        kc.cache_ttl = std::time::Duration::from_secs(k.cache_ttl_secs);
        let kms = coffer_kms::KmsKeyring::new(kc).with_context(|| format!("cannot set up AWS KMS key {}", k.key_id))?;
        members.push(("kms:".into(), Box::new(kms)));
    }
    let current = if cfg.current == "kms" { "kms:" } else { "local:" };
    Ok((Box::new(coffer_crypto::KeyringSet::new(members, current)?), created))
}

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

/// Where a store lives, from `--database`/`COFFER_DATABASE_URL` (default: the home's file).
/// Its `Debug` shows a PostgreSQL URL without its password.
#[derive(Clone, PartialEq, Eq)]
pub enum Database {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL.
    Postgres(String),
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Database::Sqlite(p) => f.debug_tuple("Sqlite").field(p).finish(),
            Database::Postgres(u) => f
                .debug_tuple("Postgres")
                .field(&coffer_store_postgres::redact_url(u))
                .finish(),
        }
    }
}

impl Database {
    /// Parses `postgres://...`, `postgresql://...` or `sqlite:PATH`; `None` is the home's file.
    ///
    /// # Errors
    /// A usage error naming the accepted forms (the URL is never echoed: it may hold a
    /// password).
    pub fn parse(home: &Path, url: Option<&str>) -> Result<Database> {
        let Some(url) = url else {
            return Ok(Database::Sqlite(home.join(DB_FILE)));
        };
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Database::Postgres(url.to_string()));
        }
        if let Some(path) = url.strip_prefix("sqlite:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            if !path.is_empty() {
                return Ok(Database::Sqlite(PathBuf::from(path)));
            }
        }
        Err(UsageError(format!(
            "invalid database URL '{}': use postgres://USER:PASSWORD@HOST:PORT/DB or sqlite:PATH",
            coffer_store_postgres::redact_url(url)
        ))
        .into())
    }

    /// Says where it is, without a password.
    pub fn describe(&self) -> String {
        match self {
            Database::Sqlite(p) => p.display().to_string(),
            Database::Postgres(u) => coffer_store_postgres::redact_url(u),
        }
    }

    /// Opens (and migrates) the store.
    ///
    /// # Errors
    /// The database cannot be opened or migrated, or its schema is newer than this coffer.
    pub fn open(&self) -> Result<Box<dyn coffer_store::Store>> {
        Ok(match self {
            Database::Sqlite(p) => {
                Box::new(SqliteStore::open(p).with_context(|| format!("cannot open the store {}", p.display()))?)
            }
            Database::Postgres(u) => Box::new(
                coffer_store_postgres::PgStore::connect(u)
                    .with_context(|| format!("cannot open the store {}", self.describe()))?,
            ),
        })
    }
}

/// Creates the home `dir` (and any missing parent) with mode 0700 when it does not exist: it
/// holds the key file, the database and the SQL history. An existing directory is left as is.
///
/// Explicit modes rather than a process umask: a umask is inherited by `coffer run`'s command
/// and by flights' jobs, whose own files it would change.
pub fn create_dir(dir: &Path) -> Result<()> {
    if !dir.exists() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("cannot create coffer's home {}", dir.display()))?;
    }
    Ok(())
}

/// Opens the store of `dir` (its SQLite file, or `database`), creating the directory (0700),
/// the key file (0600) and the database on first use, and saying so on stderr.
pub fn open(dir: &Path, database: Option<&str>) -> Result<Service> {
    create_dir(dir)?;
    let key_path = dir.join(KEY_FILE);
    let (keyring, created_key) = keyring(dir, &read_keyring_config(dir)?)?;
    let db = Database::parse(dir, database)?;
    let store = db.open()?;
    if created_key {
        eprintln!(
            "coffer: created a new store in {}\n  database: {}\n  key file: {} (mode 0600; back it up and keep it secret: without it no stored secret can be opened)",
            dir.display(),
            db.describe(),
            key_path.display()
        );
    }
    let service = Service::new(store, keyring);
    if let Some(v) = std::env::var_os("COFFER_KEEP_VERSIONS").filter(|v| !v.is_empty()) {
        let keep = v.to_str().and_then(|v| v.parse::<usize>().ok()).ok_or_else(|| {
            UsageError(format!(
                "invalid COFFER_KEEP_VERSIONS '{}': use a whole number of earlier versions to keep (default 10)",
                v.to_string_lossy()
            ))
        })?;
        service.set_keep_versions(keep);
    }
    load_env_secrets(&service)?;
    Ok(service)
}

/// Kestra's environment secrets backend: every `SECRET_<NAME>` variable of this process
/// (base64) becomes the read-only secret `<NAME>` of storage `env`, in the projects named in
/// `COFFER_ENV_PROJECT` (comma-separated; default `default`; `*` for every project). A bad variable (not base64, not UTF-8, a bad name)
/// stops the command with a usage error (exit 2) naming every bad variable, never a value.
fn load_env_secrets(service: &Service) -> Result<()> {
    let prefix = coffer_core::ENV_SECRET_PREFIX;
    let vars = std::env::vars_os()
        .filter(|(key, _)| key.as_encoded_bytes().starts_with(prefix.as_bytes()))
        .map(|(key, value)| {
            // A name that is not UTF-8 fails the name rule, and a value that is not UTF-8 is
            // not base64 either (base64 is ASCII; the replacement character is not in its
            // alphabet): converted lossily, both are reported under the variable's name.
            let key = key.into_string().unwrap_or_else(|k| k.to_string_lossy().into_owned());
            let value = value.into_string().unwrap_or_else(|v| v.to_string_lossy().into_owned());
            (key, value)
        });
    let named = match std::env::var_os("COFFER_ENV_PROJECT").filter(|v| !v.is_empty()) {
        None => "default".to_string(),
        Some(p) => p.into_string().map_err(|p| {
            UsageError(format!(
                "invalid COFFER_ENV_PROJECT '{}': project names are UTF-8 text",
                p.to_string_lossy()
            ))
        })?,
    };
    let projects: Option<Vec<String>> = if named.trim() == "*" {
        None
    } else {
        let list: Vec<String> = named
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(String::from)
            .collect();
        for p in &list {
            coffer_model::names::validate_name(p).map_err(|_| {
                UsageError(format!(
                    "invalid COFFER_ENV_PROJECT: '{p}' is not a project name; name projects separated by commas, or * for every project"
                ))
            })?;
        }
        Some(list)
    };
    service.load_env_secrets_in(projects.as_deref(), vars)?;
    Ok(())
}
