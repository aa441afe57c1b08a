//! What in a secret or a data source names something on the machine that attaches with it: a
//! file (libpq's `passfile`, `sslkey`, `service`; MySQL's `ssl_key`; Azure's client
//! certificate) or a local socket (a postgres host that is a directory, MySQL's `socket`, or its
//! host `localhost`, which MySQL's client reaches through the socket).
//!
//! The process that attaches reads it as itself. The machine owner's own `coffer sql` runs
//! unsandboxed: a member who could write `passfile '/home/owner/.pgpass'` or `service 'prod'`
//! with a host of their own into a secret would have the owner's DuckDB send the owner's
//! password to that host; a MySQL `localhost` reaches the local server through its socket,
//! where socket authentication takes the owner's system user. So only the machine's owner and
//! superusers write these ([`local_reference`], [`local_reference_in_conninfo`]); coffer-core
//! refuses them to every other member.

use crate::validate::{FieldValue, SecretFields, SensitiveValue};
use coffer_crypto::SecretString;

/// libpq's connection keywords whose value is a file libpq reads (or, `service`, an entry of a
/// file it reads, which may hold a password). `sslrootcert` may also be `system`.
const LIBPQ_FILES: &[&str] = &[
    "passfile",
    "sslcert",
    "sslkey",
    "sslrootcert",
    "sslcrl",
    "sslcrldir",
    "service",
    "servicefile",
    "sslkeylogfile",
];

/// MySQL's fields naming a file or a directory of files, and its socket.
const MYSQL_FILES: &[&str] = &[
    "ssl_ca",
    "ssl_capath",
    "ssl_cert",
    "ssl_crl",
    "ssl_crlpath",
    "ssl_key",
    "socket",
];

/// A text field's value, borrowed (a sensitive one, such as `uri`, is never copied).
fn text<'f>(fields: &'f SecretFields, name: &str) -> Option<&'f str> {
    match (fields.public.get(name), fields.sensitive.get(name)) {
        (Some(FieldValue::Text(t)), _) => Some(t),
        (_, Some(SensitiveValue::Text(t))) => Some(t.expose_secret()),
        _ => None,
    }
}

/// `conninfo` lower-cased, `key = value` as `key=value`, `%2f` and `%3d` decoded, in one
/// buffer that is zeroized when dropped (a secret's `uri` may hold a password).
fn normalize(conninfo: &str) -> SecretString {
    let mut out = String::with_capacity(conninfo.len());
    let mut rest = conninfo;
    while let Some(first) = rest.chars().next() {
        let escape = |code: &str| rest.get(1..3).is_some_and(|b| b.eq_ignore_ascii_case(code));
        let (c, width) = match first {
            '%' if escape("2f") => ('/', 3),
            '%' if escape("3d") => ('=', 3),
            c => (c.to_ascii_lowercase(), c.len_utf8()),
        };
        if c == '=' {
            while out.ends_with(' ') {
                out.pop();
            }
        }
        if !(c == ' ' && out.ends_with('=')) {
            out.push(c);
        }
        rest = &rest[width..];
    }
    SecretString::from(out)
}

/// Whether a libpq host (one of a comma-separated list) is a Unix socket's directory.
fn socket_host(hosts: &str) -> bool {
    hosts
        .split(',')
        .map(str::trim)
        .any(|h| h.starts_with('/') || h.starts_with('@') || h.to_ascii_lowercase().starts_with("%2f"))
}

/// The first field of a secret of type `ty` that names a file or a socket of the machine, and
/// why it matters: `None` when there is none.
pub fn local_reference(ty: &str, fields: &SecretFields) -> Option<(String, String)> {
    match ty {
        "postgres" => {
            for &field in LIBPQ_FILES {
                if let Some(v) = text(fields, field) {
                    if !(field == "sslrootcert" && v.trim().eq_ignore_ascii_case("system")) {
                        return Some((field.to_string(), file_rule("libpq")));
                    }
                }
            }
            for field in ["host", "hostaddr"] {
                if text(fields, field).is_some_and(socket_host) {
                    return Some((field.to_string(), socket_rule("a directory: libpq's Unix socket")));
                }
            }
            let uri = text(fields, "uri")?;
            local_reference_in_conninfo(uri, false).map(|(_, why)| ("uri".to_string(), why))
        }
        "mysql" => {
            if let Some(&field) = MYSQL_FILES.iter().find(|f| text(fields, f).is_some()) {
                return Some((field.to_string(), file_rule("MySQL's client")));
            }
            let host = text(fields, "host").unwrap_or("localhost");
            if host.trim().eq_ignore_ascii_case("localhost") || host.trim().is_empty() {
                return Some(("host".to_string(), socket_rule(MYSQL_LOCALHOST)));
            }
            None
        }
        "azure" => text(fields, "client_certificate_path").map(|_| {
            (
                "client_certificate_path".to_string(),
                file_rule("DuckDB's azure extension"),
            )
        }),
        _ => None,
    }
}

/// The first keyword of a connection string (`key=value ...` or a `postgresql://` URI: a data
/// source's path or a postgres secret's `uri`; MySQL's `key=value` form when `mysql`) that
/// names a file or a socket of the machine, and why it matters. Conservative: a keyword found
/// anywhere counts.
pub fn local_reference_in_conninfo(conninfo: &str, mysql: bool) -> Option<(String, String)> {
    let flat = normalize(conninfo);
    let flat = flat.expose_secret();
    let words: Vec<&str> = flat.split([' ', '?', '&', '\t', '\n']).collect();
    for &key in LIBPQ_FILES {
        let prefix = format!("{key}=");
        if words.iter().any(|w| {
            w.starts_with(&prefix) && !(key == "sslrootcert" && w[prefix.len()..].trim_matches('\'') == "system")
        }) {
            return Some((key.to_string(), file_rule("libpq")));
        }
    }
    if mysql {
        for &key in MYSQL_FILES {
            if words.iter().any(|w| w.starts_with(&format!("{key}="))) {
                return Some((key.to_string(), file_rule("MySQL's client")));
            }
        }
        if words.iter().any(|w| w.trim_matches('\'') == "host=localhost") {
            return Some(("host".to_string(), socket_rule(MYSQL_LOCALHOST)));
        }
        return None;
    }
    let socket = words.iter().any(|w| {
        ["host=", "hostaddr="]
            .iter()
            .any(|p| w.strip_prefix(p).is_some_and(|h| socket_host(h.trim_matches('\''))))
    }) || flat
        .split_once("://")
        .is_some_and(|(_, rest)| socket_host(rest.rsplit_once('@').map_or(rest, |(_, h)| h)));
    socket.then(|| ("host".to_string(), socket_rule("a directory: libpq's Unix socket")))
}

const MYSQL_LOCALHOST: &str = "'localhost' (the default), which MySQL's client reaches through this machine's socket, where socket authentication takes the system user of whoever attaches; give a TCP host (127.0.0.1 for this machine)";

fn file_rule(reader: &str) -> String {
    format!(
        "it names a file on the coffer machine, which {reader} reads as whoever attaches with it; only the machine's owner (the local CLI) or a superuser may set it"
    )
}

fn socket_rule(what: &str) -> String {
    format!("it is {what}; only the machine's owner (the local CLI) or a superuser may connect through a local socket")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::{validate, InputValue};
    use coffer_crypto::SecretString;

    fn fields(ty: &str, values: &[(&str, &str)]) -> SecretFields {
        let provider = values.iter().find(|(k, _)| *k == "provider").map(|(_, v)| *v);
        let values = values
            .iter()
            .filter(|(k, _)| *k != "provider")
            .map(|(k, v)| (k.to_string(), InputValue::Text(SecretString::from(v.to_string()))))
            .collect();
        validate(ty, provider, Vec::new(), values).expect("valid").fields
    }

    #[test]
    fn files_and_sockets_are_found() {
        let pg = |v: &[(&str, &str)]| local_reference("postgres", &fields("postgres", v)).map(|(f, _)| f);
        assert_eq!(
            pg(&[("host", "db.example.com"), ("passfile", "/home/o/.pgpass")]).as_deref(),
            Some("passfile")
        );
        assert_eq!(pg(&[("host", "db"), ("service", "prod")]).as_deref(), Some("service"));
        assert_eq!(pg(&[("host", "db"), ("sslkey", "/k")]).as_deref(), Some("sslkey"));
        assert_eq!(pg(&[("host", "/var/run/postgresql")]).as_deref(), Some("host"));
        assert_eq!(pg(&[("host", "db,/tmp")]).as_deref(), Some("host"));
        assert_eq!(
            pg(&[("uri", "postgresql://u@db/x?passfile=/p")]).as_deref(),
            Some("uri")
        );
        assert_eq!(
            pg(&[("uri", "postgresql://u@%2Fvar%2Frun%2Fpostgresql/x")]).as_deref(),
            Some("uri")
        );
        assert_eq!(pg(&[("uri", "host = /tmp dbname=x")]).as_deref(), Some("uri"));
        assert_eq!(
            pg(&[("host", "db"), ("sslrootcert", "system"), ("sslmode", "verify-full")]),
            None
        );
        assert_eq!(
            pg(&[("host", "db"), ("uri", "postgresql://u@db:5432/x?sslmode=require")]),
            None
        );
        assert_eq!(pg(&[("host", "127.0.0.1"), ("user", "u"), ("password", "p")]), None);

        let my = |v: &[(&str, &str)]| local_reference("mysql", &fields("mysql", v)).map(|(f, _)| f);
        assert_eq!(
            my(&[("user", "root")]).as_deref(),
            Some("host"),
            "no host is localhost: the socket"
        );
        assert_eq!(my(&[("host", "LocalHost")]).as_deref(), Some("host"));
        assert_eq!(
            my(&[("host", "127.0.0.1"), ("ssl_key", "/k")]).as_deref(),
            Some("ssl_key")
        );
        assert_eq!(
            my(&[("host", "127.0.0.1"), ("socket", "/tmp/m.sock")]).as_deref(),
            Some("socket")
        );
        assert_eq!(my(&[("host", "127.0.0.1"), ("user", "u")]), None);

        let az = fields(
            "azure",
            &[
                ("provider", "service_principal"),
                ("tenant_id", "t"),
                ("client_id", "c"),
                ("client_certificate_path", "/c.pem"),
            ],
        );
        assert_eq!(
            local_reference("azure", &az).map(|(f, _)| f).as_deref(),
            Some("client_certificate_path")
        );
        assert_eq!(
            local_reference("s3", &fields("s3", &[("key_id", "k"), ("secret", "s")])),
            None
        );
    }

    #[test]
    fn conninfo_keywords_are_found_in_either_form() {
        let f = |s: &str| local_reference_in_conninfo(s, false).map(|(k, _)| k);
        assert_eq!(f("host=db dbname=x passfile=/p").as_deref(), Some("passfile"));
        assert_eq!(
            f("postgresql://db/x?sslcert=/c&sslmode=require").as_deref(),
            Some("sslcert")
        );
        assert_eq!(f("host=/var/run/postgresql dbname=x").as_deref(), Some("host"));
        assert_eq!(f("postgresql:///x?host=%2Ftmp").as_deref(), Some("host"));
        assert_eq!(f("dbname=x").as_deref(), None);
        assert_eq!(
            f("host=db.example.com port=5432 dbname=x sslrootcert=system").as_deref(),
            None
        );
        assert_eq!(f("postgresql://db.example.com:5432/x").as_deref(), None);
        let m = |s: &str| local_reference_in_conninfo(s, true).map(|(k, _)| k);
        assert_eq!(
            m("host=localhost user=root port=0 database=mysql").as_deref(),
            Some("host")
        );
        assert_eq!(
            m("host=127.0.0.1 socket=/run/mysqld/mysqld.sock").as_deref(),
            Some("socket")
        );
        assert_eq!(m("host=127.0.0.1 database=shop").as_deref(), None);
    }
}
