//! How to reach a database: the URL's settings, TLS, and the URL with its password hidden.

use coffer_store::{Result, StoreError};
use std::time::Duration;

/// How many pooled connections a node keeps at most, unless the URL says (`pool_size=N`).
/// Few on purpose: every connection is a PostgreSQL backend process, and on a busy machine more
/// of them than cores buy little throughput with a lot of tail latency.
const POOL_SIZE: usize = 8;

/// A `postgres://` URL with its password replaced by `***`, for messages.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => authority.to_string(),
        },
        None => authority.to_string(),
    };
    // A `password=` query parameter is hidden as well.
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|kv| match kv.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                    _ => kv.to_string(),
                })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => tail.to_string(),
    };
    format!("{scheme}://{authority}{tail}")
}

/// How to reach a database: the driver's settings and the TLS connector.
///
/// The URL is libpq's: `postgres://USER:PASSWORD@HOST:PORT/DB?PARAMS`. TLS is required
/// (`sslmode=require`, also accepted as libpq's `verify-ca`/`verify-full`, and the default for
/// a server that is not on a loopback address) or used when the server offers it
/// (`sslmode=prefer`, the default on loopback); the server's certificate is always verified,
/// against the system's roots and the CA file named by `sslrootcert=PATH`. `sslmode=disable`
/// connects in plain text.
///
/// # Errors
/// [`StoreError::Backend`] naming what is wrong with the URL (never its password).
pub fn connect_config(url: &str) -> Result<(tokio_postgres::Config, tokio_postgres_rustls::MakeRustlsConnect)> {
    let (config, tls, _) = settings(url)?;
    Ok((config, tls))
}

/// [`connect_config`] and the pool size (`pool_size=N`, coffer's own parameter).
pub(crate) fn settings(url: &str) -> Result<(tokio_postgres::Config, tokio_postgres_rustls::MakeRustlsConnect, usize)> {
    let redacted = redact_url(url);
    let invalid = |why: String| StoreError::Backend(format!("invalid PostgreSQL URL {redacted}: {why}"));
    // Parameters the driver does not know are taken out first.
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, q),
        None => (url, ""),
    };
    let mut root_cert = None;
    let mut pool_size = POOL_SIZE;
    let mut kept = Vec::new();
    for kv in query.split('&').filter(|kv| !kv.is_empty()) {
        match kv.split_once('=') {
            Some(("sslrootcert", path)) => root_cert = Some(std::path::PathBuf::from(percent_decode(path))),
            Some(("sslmode", "verify-ca" | "verify-full")) => kept.push("sslmode=require".to_string()),
            Some(("pool_size", n)) => {
                pool_size = n
                    .parse()
                    .ok()
                    .filter(|n| (1..=1000).contains(n))
                    .ok_or_else(|| invalid(format!("pool_size={n}: use a number of connections from 1 to 1000")))?;
            }
            _ => kept.push(kv.to_string()),
        }
    }
    let driver_url = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    let mut config: tokio_postgres::Config = driver_url
        .parse()
        .map_err(|e: tokio_postgres::Error| invalid(e.to_string()))?;
    // TLS is required unless the URL says otherwise or the server is on this machine: a
    // `prefer` that falls back to plain text would let anyone on the path downgrade it.
    let sslmode_given = query.split('&').any(|kv| kv.starts_with("sslmode="));
    let loopback = config.get_hosts().iter().all(|h| match h {
        tokio_postgres::config::Host::Tcp(name) => {
            name == "localhost" || name.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
        }
        #[cfg(unix)]
        tokio_postgres::config::Host::Unix(_) => true,
    });
    if !sslmode_given && !loopback {
        config.ssl_mode(tokio_postgres::config::SslMode::Require);
    }
    if config.get_application_name().is_none() {
        config.application_name("coffer");
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    let mut roots = rustls::RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(native.certs);
    if let Some(path) = root_cert {
        use rustls::pki_types::pem::PemObject;
        let certs = rustls::pki_types::CertificateDer::pem_file_iter(&path)
            .map_err(|e| invalid(format!("cannot read sslrootcert {}: {e}", path.display())))?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| {
                invalid(format!(
                    "sslrootcert {} is not a PEM certificate file: {e}",
                    path.display()
                ))
            })?;
        if certs.is_empty() {
            return Err(invalid(format!("sslrootcert {} holds no certificate", path.display())));
        }
        for cert in certs {
            roots
                .add(cert)
                .map_err(|e| invalid(format!("sslrootcert {}: {e}", path.display())))?;
        }
    }
    let tls =
        rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| StoreError::Backend(format!("cannot set up TLS: {e}")))?
            .with_root_certificates(roots)
            .with_no_client_auth();
    Ok((config, tokio_postgres_rustls::MakeRustlsConnect::new(tls), pool_size))
}

/// `%XX` escapes decoded (a path in a URL).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn tls_is_required_off_this_machine_unless_the_url_says_otherwise() {
        use tokio_postgres::config::SslMode;
        for (url, mode) in [
            ("postgres://u:p@db.internal/coffer", SslMode::Require),
            ("postgres://u:p@10.0.0.5:5432/coffer", SslMode::Require),
            ("postgres://u:p@db.internal/coffer?sslmode=prefer", SslMode::Prefer),
            ("postgres://u:p@db.internal/coffer?sslmode=disable", SslMode::Disable),
            (
                "postgres://u:p@db.internal/coffer?sslmode=verify-full",
                SslMode::Require,
            ),
            ("postgres://u:p@127.0.0.1:5432/coffer", SslMode::Prefer),
            ("postgres://u:p@localhost/coffer", SslMode::Prefer),
            ("postgres://u:p@[::1]:5432/coffer", SslMode::Prefer),
        ] {
            let (config, _, _) = super::settings(url).expect("a valid URL");
            assert_eq!(config.get_ssl_mode(), mode, "{}", redact_url(url));
        }
    }

    #[test]
    fn urls_lose_their_passwords() {
        for (url, shown) in [
            ("postgres://u:hunter2@db:5432/coffer", "postgres://u:***@db:5432/coffer"),
            (
                "postgresql://u:p%40ss@db/coffer?sslmode=disable",
                "postgresql://u:***@db/coffer?sslmode=disable",
            ),
            ("postgres://u@db/coffer", "postgres://u@db/coffer"),
            (
                "postgres://db/coffer?user=u&password=hunter2",
                "postgres://db/coffer?user=u&password=***",
            ),
            ("postgres://u:a@b@db/c", "postgres://u:***@db/c"),
            ("not a url", "not a url"),
        ] {
            assert_eq!(redact_url(url), shown);
            assert!(!redact_url(url).contains("hunter2"));
        }
    }
}
