//! For this crate's tests: the test server, or a note that there is none.

use coffer_store_postgres_testing as testing;

/// Whether a test server is configured; when not, says so on stderr (the test then passes
/// without running).
pub fn server_configured() -> bool {
    let configured = testing::server_url().is_some();
    if !configured {
        eprintln!(
            "{} is not set: PostgreSQL test skipped (scripts/test.sh starts a server)",
            testing::ENV
        );
    }
    configured
}

/// A fresh database on the test server, or `None` (said on stderr) when none is configured.
#[allow(dead_code)] // Not every test file uses it.
pub fn fresh_database() -> Option<String> {
    server_configured().then(testing::fresh_database)
}
