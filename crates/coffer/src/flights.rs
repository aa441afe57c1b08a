//! The binary's flight runner: settings from the environment, the Python DuckDB hook and the
//! DuckDB secrets of `python` and `sql` runs.

use coffer_crypto::SecretString;
use coffer_flights::{DuckDbEnv, ExtraEnv, Runner, Settings};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The `sitecustomize.py` put on the `PYTHONPATH` of `python` runs.
pub const PYTHON_SITE: &str = include_str!("../assets/sitecustomize.py");

/// Gives `python` and `sql` runs the project's secrets as DuckDB statements.
struct DuckEnv {
    extension_dir: PathBuf,
    extensions: Option<Arc<crate::extensions::Extensions>>,
}

impl DuckDbEnv for DuckEnv {
    fn env(&self, service: &coffer_core::Service, launch: &coffer_core::Launch) -> Result<ExtraEnv, String> {
        let secrets = &launch.duckdb;
        // The extensions the secrets and sources need in DuckDB, installed by this (trusted)
        // process before the run starts: the run's own DuckDB finds them in the extension
        // directory.
        if let Some(ext) = &self.extensions {
            ext.ensure_for_secrets(
                secrets
                    .iter()
                    .map(|(_, s)| (s.info.secret_type.as_str(), s.info.provider.as_str())),
            );
        }
        let statements = coffer_engine::render_opened(secrets);
        let values: Vec<SecretString> = statements
            .iter()
            .flat_map(|s| s.sensitive_values().iter().map(SecretString::duplicate))
            .collect();
        let mut attach: Vec<String> = Vec::new();
        // The project's data sources, attached after the secrets (a run that may use secrets
        // only); each attach is audited as the run's identity's. One that cannot be had is a
        // warning in the run's log, not a failure: the run may not need it.
        let mut notes = Vec::new();
        if !secrets.is_empty() {
            for src in service
                .list_sources(&launch.identity, &launch.project)
                .unwrap_or_default()
            {
                match service.attach_source(&launch.identity, &launch.project, &src.name) {
                    Ok(src) if src.source_type == "sqlite" => notes.push(format!(
                        "data source '{}' is a sqlite file on coffer's machine; runs do not attach it",
                        src.name
                    )),
                    Ok(src) => {
                        let spec = src.spec();
                        if let (Some(ext), Some(name)) =
                            (&self.extensions, coffer_model::source::extension_of(&spec.source_type))
                        {
                            if let Err(e) = ext.ensure(name) {
                                notes.push(format!(
                                    "data source '{}': cannot install the DuckDB extension {name}: {e}",
                                    src.name
                                ));
                            }
                        }
                        attach.push(coffer_model::source::attach_sql(&spec));
                    }
                    Err(e) => notes.push(format!("data source '{}' is not attached: {e}", src.name)),
                }
            }
        }
        // The secrets' statements are not copied: only their JSON text holds the values, and
        // it becomes a zeroizing variable's value.
        let list: Vec<&str> = statements
            .iter()
            .map(|s| s.expose())
            .chain(attach.iter().map(String::as_str))
            .collect();
        let json = serde_json::to_string(&list).map_err(|e| e.to_string())?;
        let mut vars = vec![("COFFER_DUCKDB_SECRETS".to_string(), SecretString::from(json))];
        if self.extension_dir.is_dir() {
            vars.push((
                "COFFER_DUCKDB_EXTENSION_DIR".to_string(),
                SecretString::from(self.extension_dir.to_string_lossy().as_ref()),
            ));
        }
        Ok(ExtraEnv {
            vars,
            mask: values,
            notes,
        })
    }
}

/// Where a coffer running as root keeps the virtual environments of flights by default: it
/// runs flights as an unprivileged user, who cannot enter its 0700 home but must read them
/// (the environments are rebuilt from their requirements when removed: a cache).
pub const ROOT_VENV_DIR: &str = "/var/cache/coffer/venvs";

/// Where the virtual environments of flights with requirements live: `COFFER_VENV_DIR`, else
/// [`ROOT_VENV_DIR`] when coffer runs as root, else `venvs` in coffer's home.
pub fn venv_dir(home: &Path) -> PathBuf {
    std::env::var_os("COFFER_VENV_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            if coffer_sandbox::is_root() {
                PathBuf::from(ROOT_VENV_DIR)
            } else {
                home.join("venvs")
            }
        })
}

/// The runner settings of this machine: `COFFER_PYTHON` (default `python3`), [`venv_dir`], the variables
/// named in `COFFER_FLIGHT_ENV_ALLOW` (comma-separated) passed through, `COFFER_URL` given to
/// runs as the server's address, every run in `sandbox` (none: unsandboxed).
pub fn settings(
    home: &Path,
    coffer_url: Option<String>,
    extra_allow: &[String],
    sandbox: Option<&crate::sandbox::RunSandbox>,
) -> Settings {
    let mut env_allow: Vec<String> = std::env::var("COFFER_FLIGHT_ENV_ALLOW")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    for a in extra_allow {
        if !env_allow.contains(a) {
            env_allow.push(a.clone());
        }
    }
    let python = std::env::var_os("COFFER_PYTHON")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("python3"));
    let extension_dir = crate::extensions::extension_dir(home);
    Settings {
        coffer_url,
        env_allow,
        sandbox: sandbox.map_or(coffer_flights::Isolation::Unsandboxed, |s| {
            s.flights(&extension_dir, &python)
        }),
        python,
        python_site: Some(PYTHON_SITE.to_string()),
        venv_dir: Some(venv_dir(home)),
        engine_exe: coffer_engine::EngineConfig::default_exe(),
        ..Settings::default()
    }
}

/// A runner with `settings` whose `python` and `sql` runs see the DuckDB secrets, with the
/// extensions they need from coffer's extension directory (installed before the run by
/// `extensions`).
pub fn runner(home: &Path, settings: Settings, extensions: Option<Arc<crate::extensions::Extensions>>) -> Runner {
    Runner::new(
        settings,
        Some(Arc::new(DuckEnv {
            extension_dir: crate::extensions::extension_dir(home),
            extensions,
        })),
    )
}
