//! The glue between `coffer sql` and the embedded DuckDB: statements that are not about
//! secrets run there, with every secret of the project registered.

use coffer_duckdb::{Cell, DataPlane, Instance};
use coffer_sql::{ColType, Passthrough, Table, Value};
use std::cell::OnceCell;
use std::path::PathBuf;
use std::sync::Arc;

/// The extension directory: `COFFER_EXTENSION_DIR`, else `$COFFER_HOME/extensions`.
pub fn extension_dir(home: &std::path::Path) -> PathBuf {
    std::env::var_os("COFFER_EXTENSION_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| home.join("extensions"))
}

/// A lazily created DuckDB instance of one project, holding the secrets `caller` may use.
pub struct Duck<'a> {
    service: &'a coffer_core::Service,
    plane: Arc<DataPlane>,
    caller: coffer_core::Caller,
    project: String,
    instance: OnceCell<Arc<Instance>>,
}

impl<'a> Duck<'a> {
    /// A data plane over `service` in local mode, observing its changes.
    pub fn new(service: &'a coffer_core::Service, home: &std::path::Path, project: &str) -> Self {
        let plane = DataPlane::new(extension_dir(home));
        service.observe(plane.clone());
        Self::on(service, plane, coffer_core::Caller::local(), project)
    }

    /// An instance of `plane` (already observing `service`) for `caller`.
    pub fn on(
        service: &'a coffer_core::Service,
        plane: Arc<DataPlane>,
        caller: coffer_core::Caller,
        project: &str,
    ) -> Self {
        Duck {
            service,
            plane,
            caller,
            project: project.to_string(),
            instance: OnceCell::new(),
        }
    }

    fn instance(&self) -> Result<&Arc<Instance>, String> {
        if let Some(i) = self.instance.get() {
            return Ok(i);
        }
        let i = self
            .plane
            .instance(self.service, &self.caller, &self.project)
            .map_err(|e| e.to_string())?;
        Ok(self.instance.get_or_init(|| i))
    }

    /// Adds what coffer knows to DuckDB's error: which secret was used for the paths the
    /// statement names, or how to install httpfs.
    fn explain(&self, sql: &str, message: String) -> String {
        let mut out = message;
        let lower = out.to_ascii_lowercase();
        if !self.plane.has_httpfs()
            && (lower.contains("httpfs")
                || lower.contains("secret type")
                || lower.contains("not found") && lower.contains("s3"))
        {
            out.push_str(&format!(
                "\nhint: {}",
                coffer_duckdb::install_hint(self.plane.extension_dir())
            ));
        }
        let denied = [
            "403",
            "access denied",
            "accessdenied",
            "forbidden",
            "signaturedoesnotmatch",
            "invalidaccesskeyid",
        ]
        .iter()
        .any(|p| lower.contains(p));
        let remote = denied || ["http", "hostname", "io error"].iter().any(|p| lower.contains(p));
        if remote {
            for (path, ty) in storage_paths(sql) {
                match self.service.which_secret(&self.caller, &self.project, &path, ty) {
                    Ok(Some(_)) if !denied => {}
                    Ok(Some(w)) => out.push_str(&format!(
                        "\naccess denied: coffer's {ty} secret '{}' ({}) was used for '{path}'; check its key_id and secret (coffer secret show {})",
                        w.name,
                        w.storage,
                        w.name
                    )),
                    Ok(None) => out.push_str(&format!(
                        "\nno coffer {ty} secret matches '{path}', so DuckDB used no credentials and its default endpoint; create one with: coffer secret create NAME --type {ty} --scope PREFIX ..."
                    )),
                    Err(_) => {}
                }
            }
        }
        out
    }
}

/// The `scheme://...` paths a statement names, with the secret type DuckDB looks up for them.
fn storage_paths(sql: &str) -> Vec<(String, &'static str)> {
    const SCHEMES: &[(&str, &str)] = &[
        ("s3://", "s3"),
        ("s3a://", "s3"),
        ("s3n://", "s3"),
        ("r2://", "r2"),
        ("gcs://", "gcs"),
        ("gs://", "gcs"),
        ("hf://", "huggingface"),
        ("az://", "azure"),
        ("azure://", "azure"),
    ];
    let mut out = Vec::new();
    for piece in sql.split(['\'', '"']) {
        for (scheme, ty) in SCHEMES {
            if piece.starts_with(scheme) && !out.iter().any(|(p, _): &(String, &str)| p == piece) {
                out.push((piece.to_string(), *ty));
            }
        }
    }
    out
}

/// A DuckDB result as a table of the SQL front.
pub fn table(rows: coffer_duckdb::Rows) -> Table {
    Table {
        columns: rows
            .columns
            .into_iter()
            .map(|(name, ty)| (name, ColType::from(ty)))
            .collect(),
        rows: rows
            .rows
            .into_iter()
            .map(|r| {
                r.into_iter()
                    .map(|c| match c {
                        Cell::Null => Value::Null,
                        Cell::Bool(b) => Value::Bool(b),
                        Cell::Int(i) => Value::Int(i),
                        Cell::Text(t) => Value::Text(t),
                    })
                    .collect()
            })
            .collect(),
    }
}

impl Passthrough for Duck<'_> {
    fn run(&self, sql: &str) -> Result<Table, String> {
        let instance = self.instance()?;
        match instance.query(sql) {
            Ok(rows) => Ok(table(rows)),
            Err(e) => Err(self.explain(sql, e.to_string())),
        }
    }
}

/// The server's `/sql`: the SQL front with every other statement on a DuckDB instance of the
/// project holding the secrets the caller may use (created per request, only when a
/// statement needs it; each load is an audited use).
pub struct ServerSql {
    plane: Arc<DataPlane>,
    flights: Option<SpawnLauncher>,
}

impl ServerSql {
    /// A runner whose instances follow `service`'s changes.
    pub fn new(service: &Arc<coffer_core::Service>, home: &std::path::Path) -> Self {
        let plane = DataPlane::new(extension_dir(home));
        service.observe(plane.clone());
        ServerSql { plane, flights: None }
    }

    /// `MD_RUN_FLIGHT` starts runs on `runner`, in the background.
    pub fn with_flights(mut self, service: &Arc<coffer_core::Service>, runner: Arc<coffer_flights::Runner>) -> Self {
        self.flights = Some(SpawnLauncher {
            service: Arc::clone(service),
            runner,
        });
        self
    }
}

/// Starts `MD_RUN_FLIGHT` runs in the background (the server).
struct SpawnLauncher {
    service: Arc<coffer_core::Service>,
    runner: Arc<coffer_flights::Runner>,
}

impl coffer_sql::FlightLauncher for SpawnLauncher {
    fn run(
        &self,
        caller: &coffer_core::Caller,
        project: &str,
        flight: &str,
        overrides: indexmap::IndexMap<String, String>,
    ) -> Result<coffer_core::RunInfo, coffer_core::CoreError> {
        let req = coffer_core::RunRequest {
            overrides,
            ..Default::default()
        };
        self.runner.spawn(&self.service, caller, project, flight, req)
    }
}

/// Runs `MD_RUN_FLIGHT` runs here, to their end (local mode).
pub struct LocalLauncher<'a> {
    /// The store.
    pub service: &'a coffer_core::Service,
    /// The runner.
    pub runner: coffer_flights::Runner,
}

impl coffer_sql::FlightLauncher for LocalLauncher<'_> {
    fn run(
        &self,
        caller: &coffer_core::Caller,
        project: &str,
        flight: &str,
        overrides: indexmap::IndexMap<String, String>,
    ) -> Result<coffer_core::RunInfo, coffer_core::CoreError> {
        self.runner
            .run(self.service, caller, project, flight, overrides, &mut |_, _| {})
    }
}

impl coffer_server::SqlRunner for ServerSql {
    fn run(
        &self,
        service: &coffer_core::Service,
        caller: &coffer_core::Caller,
        project: &str,
        sql: &str,
    ) -> Result<Vec<coffer_sql::Outcome>, coffer_sql::SqlError> {
        let duck = Duck::on(service, self.plane.clone(), caller.clone(), project);
        let mut session = coffer_sql::Session::new(service, project, caller.clone()).with_passthrough(&duck);
        if let Some(f) = &self.flights {
            session = session.with_flights(f);
        }
        session.run_script(sql)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_storage_paths() {
        assert_eq!(
            storage_paths("SELECT * FROM read_csv('s3://bucket-a/x.csv') JOIN read_parquet(\"gs://b/y\")"),
            vec![
                ("s3://bucket-a/x.csv".to_string(), "s3"),
                ("gs://b/y".to_string(), "gcs")
            ]
        );
    }
}
