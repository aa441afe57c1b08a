//! The glue between `coffer sql` (local and the server's `/sql`) and DuckDB: statements that
//! are not about secrets run in an engine process (`coffer-engine`) holding the project's
//! secrets the caller may use.

use coffer_engine::{DataPlane, EngineConfig, Instance};
use coffer_sql::{Passthrough, Table};
use std::cell::OnceCell;
use std::sync::Arc;
use std::time::Duration;

/// Limits of the engines that run statements for remote callers (`coffer serve --sql-*`)
/// and for `coffer sql --safe`.
#[derive(Debug, Clone)]
pub struct EngineLimits {
    /// Each statement's timeout.
    pub timeout: Duration,
    /// DuckDB's memory_limit of each engine.
    pub memory_limit: String,
    /// DuckDB's threads of each engine.
    pub threads: u32,
}

impl Default for EngineLimits {
    fn default() -> Self {
        EngineLimits {
            timeout: Duration::from_secs(30),
            memory_limit: "1GB".into(),
            threads: 2,
        }
    }
}

/// The engine of the machine owner's own `coffer sql`: DuckDB keeps its local file system
/// (their machine, their files) and their cloud credentials (`credential_chain` secrets
/// resolve from their environment and profile files); no sandbox, no limits.
pub fn local_engine(home: &std::path::Path) -> EngineConfig {
    EngineConfig {
        exe: EngineConfig::default_exe(),
        extension_dir: crate::extensions::extension_dir(home),
        local_files: true,
        timeout: None,
        memory_limit: None,
        threads: None,
        sandbox: None,
        credentials: Some(coffer_engine::Credentials::from_env(None)),
    }
}

/// The engine of an untrusted caller (`/sql`, `coffer sql --safe`): sandboxed as a flight run
/// is (no home, no database, no server; the extension directory read-only), DuckDB's local
/// file system disabled, with `limits`. Its environment holds none of coffer's credentials,
/// except for the engines of `server_credentials_for` (the machine owner's choice): there
/// `credential_chain` secrets may resolve from coffer's environment and profile files.
///
/// # Errors
/// The sandbox cannot be set up here (no Landlock, an unknown run-as user).
pub fn sandboxed_engine(
    home: &std::path::Path,
    limits: &EngineLimits,
    sandbox: &crate::sandbox::RunSandbox,
    server_credentials_for: &[String],
) -> anyhow::Result<EngineConfig> {
    let extension_dir = crate::extensions::extension_dir(home);
    let policy = sandbox.engine_policy()?;
    Ok(EngineConfig {
        exe: EngineConfig::default_exe(),
        extension_dir,
        local_files: false,
        timeout: Some(limits.timeout),
        memory_limit: Some(limits.memory_limit.clone()),
        threads: Some(limits.threads),
        // The engine applies the policy to itself; the program after `--` is the engine itself.
        sandbox: policy.map(|p| {
            let mut a = p.to_args();
            a.push("--".into());
            a.push("coffer-engine".into());
            a
        }),
        credentials: (!server_credentials_for.is_empty())
            .then(|| coffer_engine::Credentials::from_env(Some(server_credentials_for.to_vec()))),
    })
}

/// A lazily created DuckDB engine of one project, holding the secrets `caller` may use.
pub struct Duck<'a> {
    service: &'a coffer_core::Service,
    plane: Arc<DataPlane>,
    caller: coffer_core::Caller,
    project: String,
    instance: OnceCell<Arc<Instance>>,
    extensions: Option<Arc<crate::extensions::Extensions>>,
}

impl<'a> Duck<'a> {
    /// A data plane of engines started with `config` over `service` in local mode,
    /// observing its changes.
    pub fn new(service: &'a coffer_core::Service, config: EngineConfig, project: &str) -> Self {
        let plane = DataPlane::new(config);
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
            extensions: None,
        }
    }

    /// Installs the extensions a statement turns out to need with `extensions`, then runs it
    /// again (once) on a new engine.
    pub fn with_extensions(mut self, extensions: Option<Arc<crate::extensions::Extensions>>) -> Self {
        self.extensions = extensions;
        self
    }

    /// When DuckDB's `message` says a known extension is missing: installs it if needed (by
    /// this trusted process) and restarts the engine so that it loads it. `Ok(true)` when the
    /// statement should run again; `Err` says why the extension could not be had.
    fn provide_extension(&self, message: &str) -> Result<bool, String> {
        let (Some(ext), Some(name)) = (&self.extensions, crate::extensions::missing_extension(message)) else {
            return Ok(false);
        };
        match ext.ensure(&name) {
            // Installed now, or installed since this engine started (another coffer process),
            // or one an engine loads only on demand: a new engine loads it.
            Ok(_) => {
                self.instance().want(&name);
                Ok(true)
            }
            Err(e) => Err(format!("coffer could not install the DuckDB extension {name}: {e}")),
        }
    }

    /// The engine's instance; first, the extensions the project's secrets need in DuckDB are
    /// installed (an engine that started without one that is installed now restarts).
    fn instance(&self) -> &Arc<Instance> {
        self.instance.get_or_init(|| {
            let instance = self.plane.instance(&self.caller, &self.project);
            if let (Some(ext), Ok(secrets)) = (&self.extensions, self.service.list_secrets(&self.caller, &self.project))
            {
                let needed = secrets.iter().map(|s| (s.secret_type.as_str(), s.provider.as_str()));
                if ext.ensure_for_secrets(needed).installed_now {
                    instance.restart();
                }
            }
            instance
        })
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
                coffer_engine::install_hint(&self.plane.config().extension_dir)
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

/// The words of a statement, lower-case: a data source is attached when its name is one.
fn words(sql: &str) -> std::collections::HashSet<String> {
    sql.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

/// The data source DuckDB says is missing: `Catalog "warehouse" does not exist!`.
fn missing_catalog(message: &str) -> Option<String> {
    let rest = &message[message.find("Catalog \"")? + 9..];
    let name = &rest[..rest.find('"')?];
    rest[name.len()..]
        .starts_with("\" does not exist")
        .then(|| name.to_ascii_lowercase())
}

/// Why a sandboxed engine may not attach `spec`: the guard's rules on `ATTACH` (no local file
/// or socket), applied to what the source would attach (a DuckLake's catalog connection and
/// its data path too). `None` when it may.
fn sandbox_refusal(spec: &coffer_model::source::SourceSpec) -> Option<String> {
    let check = |sql: &str| -> Option<String> {
        let stmts = coffer_sql::split::split(sql).ok()?;
        stmts
            .first()
            .and_then(|s| coffer_sql::guard::check(s).err())
            .map(|r| r.to_string())
    };
    let opt = |k: &str| spec.options.get(k).map(String::as_str).unwrap_or_default();
    let q = |s: &str| coffer_engine::string(s);
    match spec.source_type.as_str() {
        "sqlite" => Some(
            "a sqlite source is a file on the server's machine: only the machine owner's own `coffer sql` attaches it"
                .into(),
        ),
        "ducklake" => check(&format!("ATTACH {} AS catalog (TYPE postgres)", q(opt("path"))))
            .or_else(|| check(&format!("ATTACH {} AS files", q(opt("data_path"))))),
        // An Iceberg catalog is named, not a file: only the network reaches it.
        "iceberg" => None,
        _ => check(&coffer_model::source::attach_sql(spec)),
    }
}

impl Duck<'_> {
    /// Attaches the project's data sources the statement names (lazily: a source nobody names
    /// is never attached, so a database that is down breaks only the statements that use it),
    /// each with its secret, once per engine and again when the source or its secret changed.
    fn attach_sources(&self, sql: &str) -> Result<(), String> {
        let Ok(sources) = self.service.list_sources(&self.caller, &self.project) else {
            return Ok(());
        };
        if sources.is_empty() {
            return Ok(());
        }
        let words = words(sql);
        for src in sources.iter().filter(|s| words.contains(&s.name.to_ascii_lowercase())) {
            self.attach_one(src)?;
        }
        Ok(())
    }

    fn attach_one(&self, src: &coffer_core::SourceInfo) -> Result<(), String> {
        let fail = |why: String| {
            let secret = src
                .secret
                .as_ref()
                .map(|s| format!(", secret '{s}'"))
                .unwrap_or_default();
            format!(
                "cannot attach data source '{}' ({}{secret}): {why}",
                src.name, src.source_type
            )
        };
        if !self.plane.config().local_files {
            if let Some(why) = sandbox_refusal(&src.spec()) {
                return Err(fail(why));
            }
        }
        // Rotating the secret attaches the source again, with the new credentials.
        let secret_version = match &src.secret {
            None => 0,
            Some(name) => self
                .service
                .list_secrets(&self.caller, &self.project)
                .ok()
                .and_then(|all| {
                    all.iter()
                        .find(|s| s.name.eq_ignore_ascii_case(name))
                        .map(|s| s.version)
                })
                .unwrap_or(-1),
        };
        let key = (src.version, secret_version);
        let instance = self.instance();
        if instance.is_attached(&src.name, key) {
            return Ok(());
        }
        // Role `use`, the secret still there and of the right type; audited.
        let src = match self.service.attach_source(&self.caller, &self.project, &src.name) {
            Ok(s) => s,
            Err(e) => {
                let _ = instance.detach(self.service, &src.name);
                return Err(fail(e.to_string()));
            }
        };
        let spec = src.spec();
        if let (Some(ext), Some(name)) = (&self.extensions, coffer_model::source::extension_of(&spec.source_type)) {
            match ext.ensure(name) {
                Ok(true) => instance.restart(),
                Ok(false) => {}
                Err(e) => {
                    return Err(fail(format!(
                        "coffer could not install the DuckDB extension {name}: {e}"
                    )))
                }
            }
        }
        let sql = coffer_model::source::attach_sql(&spec);
        match instance.attach(self.service, &spec.name, key, &sql) {
            Ok(()) => Ok(()),
            Err(e) => match crate::extensions::missing_extension(&e.to_string()) {
                // Installed since this engine started, or not loaded by it: a new engine
                // loads it.
                Some(missing) => {
                    instance.want(&missing);
                    instance
                        .attach(self.service, &spec.name, key, &sql)
                        .map_err(|e| fail(e.to_string()))
                }
                None => Err(fail(e.to_string())),
            },
        }
    }

    /// Installs every extension the project's secrets need in DuckDB, saying which one could
    /// not be had and why.
    fn secret_extensions(&self) -> Result<(), String> {
        let Some(ext) = &self.extensions else {
            return Ok(());
        };
        let secrets = self
            .service
            .list_secrets(&self.caller, &self.project)
            .map_err(|e| e.to_string())?;
        let needed = secrets.iter().map(|s| (s.secret_type.as_str(), s.provider.as_str()));
        ext.ensure_for_secrets(needed).failure.map_or(Ok(()), Err)
    }

    /// A statement reading a path whose coffer secret DuckDB refused to hold would go out
    /// without credentials (to the storage's default endpoint): it is not run, and the error
    /// says why DuckDB refused the secret.
    fn refused_secret(&self, sql: &str) -> Option<String> {
        for (path, ty) in storage_paths(sql) {
            let Ok(Some(w)) = self.service.which_secret(&self.caller, &self.project, &path, ty) else {
                continue;
            };
            if let Ok(Some(why)) = self.instance().refusal(self.service, &w.name) {
                return Some(format!(
                    "coffer's {ty} secret '{}' is not in DuckDB: DuckDB refused it ({why}); the statement was not run, as it would have read '{path}' without credentials",
                    w.name
                ));
            }
        }
        None
    }
}

impl Passthrough for Duck<'_> {
    fn run(&self, sql: &str) -> Result<Table, String> {
        if let Some(why) = self.refused_secret(sql) {
            // Refused for want of an extension (httpfs for an s3 secret): installed, and the
            // engine restarted with it, the secret is held.
            if !why.contains("extension") {
                return Err(why);
            }
            match self.secret_extensions() {
                Ok(()) => {
                    self.instance().restart();
                    if let Some(still) = self.refused_secret(sql) {
                        return Err(still);
                    }
                }
                Err(e) => return Err(format!("{why}\n{e}")),
            }
        }
        self.attach_sources(sql)?;
        let mut first = match self.instance().query(self.service, sql) {
            Ok(rows) => return Ok(coffer_engine::table(rows)),
            Err(e) => e.to_string(),
        };
        // A source detached by a statement of the caller's: attached again, once.
        if let Some(name) = missing_catalog(&first) {
            if self
                .service
                .list_sources(&self.caller, &self.project)
                .is_ok_and(|all| all.iter().any(|s| s.name.eq_ignore_ascii_case(&name)))
            {
                let _ = self.instance().detach(self.service, &name);
                self.attach_sources(sql)?;
                match self.instance().query(self.service, sql) {
                    Ok(rows) => return Ok(coffer_engine::table(rows)),
                    Err(e) => first = e.to_string(),
                }
            }
        }
        // A missing extension fails the statement while DuckDB binds it, before it ran: it
        // runs again once the extension is there.
        match self.provide_extension(&first) {
            Ok(true) => match self.instance().query(self.service, sql) {
                Ok(rows) => Ok(coffer_engine::table(rows)),
                Err(e) => Err(self.explain(sql, e.to_string())),
            },
            Ok(false) => Err(self.explain(sql, first)),
            Err(why) => Err(format!("{}\n{why}", self.explain(sql, first))),
        }
    }

    /// A constant expression reads no path and names no source: straight to DuckDB, without
    /// `run`'s check for paths whose secret DuckDB refused (`'s3://' || 'b'` is a value).
    fn evaluate(&self, sql: &str) -> Result<Table, String> {
        self.instance()
            .query(self.service, sql)
            .map(coffer_engine::table)
            .map_err(|e| e.to_string())
    }
}

/// The server's `/sql`: the SQL front with every other statement (for callers with `use`)
/// on the sandboxed engine of the project and caller, which holds the secrets the caller may
/// use and stays alive across requests (see [`DataPlane`]).
pub struct ServerSql {
    plane: Arc<DataPlane>,
    flights: Option<SpawnLauncher>,
    extensions: Option<Arc<crate::extensions::Extensions>>,
}

impl ServerSql {
    /// A runner whose engines (at most `max_engines`) are started with `config` and follow
    /// `service`'s changes.
    pub fn new(service: &Arc<coffer_core::Service>, config: EngineConfig, max_engines: usize) -> Self {
        let plane = DataPlane::with_limits(config, max_engines, Duration::from_secs(600));
        service.observe(plane.clone());
        ServerSql {
            plane,
            flights: None,
            extensions: None,
        }
    }

    /// Statements that need a known DuckDB extension get it installed by the server.
    pub fn with_extensions(mut self, extensions: Option<Arc<crate::extensions::Extensions>>) -> Self {
        self.extensions = extensions;
        self
    }

    /// Stops every engine.
    pub fn shutdown(&self) {
        self.plane.shutdown();
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

impl coffer_api::SqlRunner for ServerSql {
    fn run(
        &self,
        service: &coffer_core::Service,
        caller: &coffer_core::Caller,
        project: &str,
        sql: &str,
    ) -> Result<Vec<coffer_sql::Outcome>, coffer_sql::SqlError> {
        let duck =
            Duck::on(service, self.plane.clone(), caller.clone(), project).with_extensions(self.extensions.clone());
        let mut session = coffer_sql::Session::new(service, project, caller.clone())
            .with_passthrough(&duck)
            .sandboxed();
        if let Some(f) = &self.flights {
            session = session.with_flights(f);
        }
        session.run_script(sql)
    }

    fn interrupt(&self, caller: &coffer_core::Caller, project: &str) -> bool {
        self.plane.interrupt(caller, project)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sandboxed_engines_attach_no_local_file_or_socket() {
        use coffer_model::source::{validate_source, SourceSpec};
        let spec = |ty: &str, secret: Option<&str>, options: &[(&str, &str)]| {
            validate_source(&SourceSpec {
                name: "s".into(),
                source_type: ty.into(),
                secret: secret.map(String::from),
                options: options.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
                read_only: true,
            })
            .expect("valid")
        };
        for refused in [
            spec("sqlite", None, &[("path", "/root/.local/share/coffer/coffer.db")]),
            spec("postgres", Some("p"), &[("path", "host=/var/run/postgresql dbname=x")]),
            spec(
                "ducklake",
                Some("p"),
                &[("path", "host=/tmp dbname=x"), ("data_path", "s3://b/")],
            ),
            spec(
                "ducklake",
                Some("p"),
                &[("path", "dbname=x host=db"), ("data_path", "/var/lib/data/")],
            ),
        ] {
            assert!(sandbox_refusal(&refused).is_some(), "{refused:?}");
        }
        for allowed in [
            spec("postgres", Some("p"), &[]),
            spec("postgres", Some("p"), &[("path", "host=db.internal dbname=x")]),
            spec(
                "ducklake",
                Some("p"),
                &[("path", "dbname=x host=db"), ("data_path", "s3://b/lake/")],
            ),
            spec("s3", Some("p"), &[("path", "s3://b/x.duckdb")]),
        ] {
            assert_eq!(sandbox_refusal(&allowed), None, "{allowed:?}");
        }
    }

    #[test]
    fn finds_the_catalog_duckdb_misses() {
        assert_eq!(
            missing_catalog("Binder Error: Catalog \"Warehouse\" does not exist!").as_deref(),
            Some("warehouse")
        );
        assert_eq!(
            missing_catalog("Catalog Error: Table with name x does not exist!"),
            None
        );
        assert!(words("SELECT * FROM \"warehouse\".public.orders").contains("warehouse"));
    }

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
