//! For tests of every crate (a dev-dependency only: nothing here is compiled into coffer): a
//! fresh database on the PostgreSQL test server, and helpers to run SQL on it and read it back.
#![deny(missing_docs)]

use std::sync::atomic::{AtomicU32, Ordering};

/// The environment variable naming the test server: a URL of a role that may create
/// databases (scripts/test.sh starts a throw-away cluster and sets it).
pub const ENV: &str = "COFFER_TEST_POSTGRES_URL";

/// The test server's URL, if one is configured.
pub fn server_url() -> Option<String> {
    std::env::var(ENV).ok().filter(|v| !v.is_empty())
}

/// Creates an empty, uniquely named database on the test server and returns its URL.
///
/// # Panics
/// When [`ENV`] is unset or the database cannot be created (tests only).
pub fn fresh_database() -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let Some(url) = server_url() else {
        panic!("{ENV} is not set: run the tests through scripts/test.sh, which starts a PostgreSQL server");
    };
    let name = format!(
        "coffer_t_{}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default()
    );
    with_client(&url, async |client| {
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap_or_else(|e| panic!("cannot create database {name}: {e}"));
    });
    with_database(&url, &name)
}

/// `url` with its database replaced by `db`.
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_end..].find('/') {
        Some(i) => &base[..authority_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{db}?{q}"),
        None => format!("{base}/{db}"),
    }
}

/// Runs `sql` (one or more statements) on the database at `url`.
///
/// # Panics
/// When it fails (tests only).
pub fn execute(url: &str, sql: &str) {
    with_client(url, async |client| {
        client.batch_execute(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    });
}

/// Every row of every table of the database at `url` as text (for leak scans: what a
/// `pg_dump` would show of coffer's data).
///
/// # Panics
/// When it fails (tests only).
pub fn dump_text(url: &str) -> String {
    with_client(url, async |client| {
        let tables = client
            .query(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename",
                &[],
            )
            .await
            .expect("the tables");
        let mut out = String::new();
        for t in tables {
            let table: String = t.get(0);
            let rows = client
                .query(&format!("SELECT t::text FROM {table} t"), &[])
                .await
                .unwrap_or_else(|e| panic!("{table}: {e}"));
            for r in rows {
                out.push_str(&table);
                out.push(' ');
                out.push_str(&r.get::<_, String>(0));
                out.push('\n');
            }
        }
        out
    })
}

/// Runs `f` with a connection to `url`, made with the store's settings (TLS included), on
/// its own runtime.
///
/// # Panics
/// When the connection fails (tests only).
pub fn with_client<T>(url: &str, f: impl AsyncFnOnce(&tokio_postgres::Client) -> T) -> T {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime for the test connection");
    rt.block_on(async {
        let (config, tls) = coffer_store_postgres::connect_config(url).expect("the test server's URL");
        let (client, conn) = config
            .connect(tls)
            .await
            .unwrap_or_else(|e| panic!("cannot connect to {}: {e}", coffer_store_postgres::redact_url(url)));
        let driver = tokio::spawn(conn);
        let out = f(&client).await;
        drop(client);
        let _ = driver.await;
        out
    })
}
