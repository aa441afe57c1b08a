//! The DuckDB engine of the data-plane tests: `coffer-engine` of this build, over the
//! extension directory the test script installs httpfs into.

// Each test binary uses a different part of it.
#![allow(dead_code)]

use coffer_core::{Caller, Service};
use coffer_engine::DataPlane;
use std::path::PathBuf;
use std::sync::Arc;

pub fn extension_dir() -> PathBuf {
    let dir = PathBuf::from(std::env::var("COFFER_TEST_EXTENSION_DIR").unwrap_or_else(|_| {
        panic!("set COFFER_TEST_EXTENSION_DIR to a directory with httpfs installed (bash scripts/install-test-extensions.sh DIR httpfs); scripts/test.sh does this")
    }));
    assert!(
        coffer_engine::httpfs_path(&dir).is_file(),
        "{}",
        coffer_engine::install_hint(&dir)
    );
    dir
}

/// The engine of these tests: `coffer-engine` of this build, local files allowed.
pub fn engine_config() -> coffer_engine::EngineConfig {
    coffer_engine::EngineConfig {
        exe: env!("CARGO_BIN_EXE_coffer-engine").into(),
        extension_dir: extension_dir(),
        local_files: true,
        timeout: None,
        memory_limit: None,
        threads: None,
        sandbox: None,
        credentials: None,
    }
}

/// An engine instance bound to its service, started (every secret registered).
pub struct Duck<'a> {
    pub i: Arc<coffer_engine::Instance>,
    pub s: &'a Service,
}

impl Duck<'_> {
    pub fn which_secret(&self, path: &str, ty: &str) -> Result<Option<String>, coffer_engine::EngineError> {
        self.i.which_secret(self.s, path, ty)
    }
    pub fn query(&self, sql: &str) -> Result<coffer_engine::Rows, coffer_engine::EngineError> {
        self.i.query(self.s, sql)
    }
    pub fn registered_count(&self) -> usize {
        self.i.registered_count()
    }
    pub fn resync(&self) -> Result<usize, coffer_engine::EngineError> {
        self.i.resync(self.s)
    }
}

pub fn started<'a>(plane: &DataPlane, service: &'a Service, caller: &Caller, project: &str) -> Duck<'a> {
    let i = plane.instance(caller, project);
    i.which_secret(service, "s3://", "s3").expect("the engine starts");
    Duck { i, s: service }
}
