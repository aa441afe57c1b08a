//! DuckDB extensions installed by coffer's own process (the owner's CLI or the server), never
//! by an engine: a sandboxed engine only loads what is installed before its settings are
//! locked. A statement that fails because DuckDB lacks a known extension gets it installed
//! (from DuckDB's repository, else PyPI's wheel of the same version; see
//! [`coffer_extensions`]) and runs again once on a new engine that loads it; flights get the
//! extensions their secrets need before they start.

use coffer_extensions::{Installer, Outcome, Progress, Settings, SourceKind};
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The extension directory: `COFFER_EXTENSION_DIR`, else `$COFFER_HOME/extensions`.
pub fn extension_dir(home: &Path) -> std::path::PathBuf {
    std::env::var_os("COFFER_EXTENSION_DIR")
        .filter(|v| !v.is_empty())
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| home.join("extensions"))
}

/// The extensions the engine's DuckDB links statically (asked once per process).
fn builtin() -> &'static [String] {
    static BUILTIN: OnceLock<Vec<String>> = OnceLock::new();
    BUILTIN.get_or_init(|| {
        let exe = coffer_engine::EngineConfig::default_exe();
        match std::process::Command::new(&exe).arg("builtin-extensions").output() {
            Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout)
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(String::from)
                .collect(),
            _ => coffer_extensions::BUILTIN_BUNDLED
                .iter()
                .map(|s| s.to_string())
                .collect(),
        }
    })
}

/// The installer of a home's extension directory.
pub struct Extensions {
    installer: Installer,
    terminal: bool,
}

impl Extensions {
    /// The installer of `home`'s extension directory, with the settings of the environment
    /// (`COFFER_EXTENSION_REPOSITORY`, `COFFER_PYPI_URL`, `COFFER_OFFLINE`), offline when
    /// `offline`.
    ///
    /// # Errors
    /// An invalid setting in the environment.
    pub fn new(home: &Path, offline: bool) -> anyhow::Result<Extensions> {
        let mut settings = Settings::from_env()?;
        settings.offline |= offline;
        settings.builtin = builtin().to_vec();
        Ok(Extensions {
            installer: Installer::new(extension_dir(home), settings),
            terminal: std::io::stderr().is_terminal(),
        })
    }

    /// The installer.
    pub fn installer(&self) -> &Installer {
        &self.installer
    }

    /// A progress line on stderr when it is a terminal.
    pub fn progress(&self) -> Line {
        Line {
            terminal: self.terminal,
            name: String::new(),
            drawn: None,
        }
    }

    /// Installs `name` when it is missing; whether a file was written now. Says what it
    /// installed on stderr (a terminal) and in the log.
    ///
    /// # Errors
    /// The installer's: unknown name, offline, every source failed, a bad checksum.
    pub fn ensure(&self, name: &str) -> coffer_extensions::Result<bool> {
        let mut line = self.progress();
        line.name = name.to_string();
        let out = self.installer.install(name, &mut line);
        line.clear();
        match out? {
            Outcome::Installed {
                extension,
                source,
                from,
                ..
            } => {
                tracing::info!(extension = %extension.name, %source, %from, "installed a DuckDB extension");
                if self.terminal {
                    eprintln!("{}", installed_line(&extension.name, source, &from));
                }
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// Installs what secrets of these `(type, provider)` pairs need in DuckDB, trying each
    /// one even when another fails (failures are logged too).
    pub fn ensure_for_secrets<'a>(&self, secrets: impl IntoIterator<Item = (&'a str, &'a str)>) -> Ensured {
        let mut wanted: Vec<&str> = Vec::new();
        for (ty, provider) in secrets {
            for ext in coffer_engine::extensions_for(ty, provider) {
                if !wanted.contains(ext) {
                    wanted.push(ext);
                }
            }
        }
        let mut out = Ensured::default();
        for ext in wanted {
            match self.ensure(ext) {
                Ok(now) => out.installed_now |= now,
                Err(e) => {
                    tracing::warn!(extension = ext, error = %e, "cannot install a DuckDB extension");
                    out.failure
                        .get_or_insert_with(|| format!("coffer could not install the DuckDB extension {ext}: {e}"));
                }
            }
        }
        out
    }
}

/// What [`Extensions::ensure_for_secrets`] did.
#[derive(Debug, Default)]
pub struct Ensured {
    /// An extension was written now (an engine started before does not have it).
    pub installed_now: bool,
    /// The first extension that could not be had, and why.
    pub failure: Option<String>,
}

/// `coffer: installed DuckDB extension httpfs 1.5.5 (from PyPI: URL)`.
pub fn installed_line(name: &str, source: SourceKind, from: &str) -> String {
    format!(
        "coffer: installed DuckDB extension {name} {} (from {source}: {from})",
        coffer_extensions::DUCKDB_VERSION
    )
}

/// The known extension DuckDB says a statement needs (`... requires the extension httpfs to be
/// loaded`, `Install it first using "INSTALL postgres"`, `Please try installing and loading the
/// excel extension`), by its real name (`postgres_scanner` for `postgres`).
pub fn missing_extension(message: &str) -> Option<String> {
    const MARKS: &[&str] = &[
        "INSTALL ",
        "required extension '",
        "requires the extension ",
        "installing and loading the ",
    ];
    MARKS.iter().find_map(|mark| {
        let at = message.find(mark)? + mark.len();
        let name: String = message[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        coffer_extensions::resolve(&name).ok().map(|k| k.name.to_string())
    })
}

/// A progress line on stderr, drawn over itself, only on a terminal.
pub struct Line {
    terminal: bool,
    name: String,
    drawn: Option<Instant>,
}

impl Line {
    fn draw(&mut self, text: &str) {
        if !self.terminal {
            return;
        }
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K{text}");
        let _ = err.flush();
        self.drawn = Some(Instant::now());
    }

    /// Erases the line, if one was drawn.
    pub fn clear(&mut self) {
        if self.terminal && self.drawn.take().is_some() {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}

impl Progress for Line {
    fn trying(&mut self, source: SourceKind, _url: &str) {
        let text = format!("coffer: installing DuckDB extension {}: asking {source}", self.name);
        self.draw(&text);
    }

    fn downloading(&mut self, source: SourceKind, _url: &str, total: Option<u64>) {
        let size = total.map_or(String::new(), |t| format!(" ({:.1} MB)", t as f64 / 1e6));
        let text = format!(
            "coffer: installing DuckDB extension {}: downloading from {source}{size}",
            self.name
        );
        self.draw(&text);
    }

    fn transferred(&mut self, done: u64, total: Option<u64>) {
        if self.drawn.is_some_and(|t| t.elapsed() < Duration::from_millis(100)) {
            return;
        }
        let of = total.map_or(String::new(), |t| format!(" of {:.1}", t as f64 / 1e6));
        let text = format!(
            "coffer: installing DuckDB extension {}: {:.1}{of} MB",
            self.name,
            done as f64 / 1e6
        );
        self.draw(&text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_extension_duckdb_asks_for() {
        // DuckDB 1.5.5's messages, autoload off and on.
        for (message, want) in [
            (
                "File s3://a/b.csv requires the extension httpfs to be loaded\n\nPlease try installing and loading the httpfs extension by running:\nINSTALL httpfs;",
                Some("httpfs"),
            ),
            (
                "IO Error: Extension \"/x/v1.5.5/linux_amd64/postgres_scanner.duckdb_extension\" not found.\nExtension \"postgres\" is an existing extension.\n\nInstall it first using \"INSTALL postgres\".",
                Some("postgres_scanner"),
            ),
            (
                "Invalid Input Error: Secret provider 'credential_chain' for type 's3' does not exist, but it exists in the aws extension.\n\nPlease try installing and loading the aws extension by running:\nINSTALL aws;",
                Some("aws"),
            ),
            (
                "An error occurred while trying to automatically install the required extension 'excel':",
                Some("excel"),
            ),
            ("Catalog Error: Table with name nowhere does not exist!", None),
            ("INSTALL nosuchthing;", None),
        ] {
            assert_eq!(missing_extension(message).as_deref(), want, "{message}");
        }
    }
}
