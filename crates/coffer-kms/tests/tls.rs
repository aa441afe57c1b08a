//! The KMS keyring over HTTPS, through the SDK client coffer gives it (hyper and rustls on ring,
//! [`coffer_kms::http_client`]): two moto servers behind TLS, each with a certificate of its own
//! test CA made here by `openssl`. One CA is trusted (`SSL_CERT_FILE`, which the client's native
//! roots read once per process): data keys round-trip through that server; the other server's
//! issuer is unknown and the handshake is refused with a message that says so. One test in its
//! own binary: it sets the process's environment before any client is built.

use coffer_crypto::envelope::{open, seal};
use coffer_kms::{KmsConfig, KmsKeyring};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

mod common;
use common::{Admin, Moto, REGION};

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl (Debian's openssl package; .ci/run installs it)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA and a server certificate for 127.0.0.1 signed by it, in `dir`: `ca.pem`, `server.pem`,
/// `server.key`.
fn certificates(dir: &Path) {
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    openssl(
        dir,
        &[
            &["req", "-x509"][..],
            &ec,
            &[
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-days",
                "2",
                "-subj",
                "/CN=coffer test CA",
            ],
        ]
        .concat(),
    );
    openssl(
        dir,
        &[
            &["req"][..],
            &ec,
            &["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"],
        ]
        .concat(),
    );
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .expect("write server.ext");
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "server.ext",
        ],
    );
}

/// moto behind TLS with a new CA's certificate: (server, its URL, the CA's file).
fn tls_moto(dir: &Path) -> Option<(Moto, String, std::path::PathBuf)> {
    certificates(dir);
    let (Some(cert), Some(key)) = (
        dir.join("server.pem").to_str().map(String::from),
        dir.join("server.key").to_str().map(String::from),
    ) else {
        panic!("temporary path is not UTF-8")
    };
    let moto = Moto::start_with(&["--ssl-cert", &cert, "--ssl-key", &key])?;
    let url = format!("https://127.0.0.1:{}", moto.port);
    Some((moto, url, dir.join("ca.pem")))
}

fn config(key: &str, url: &str) -> KmsConfig {
    let mut c = KmsConfig::new(key);
    c.endpoint_url = Some(url.to_string());
    c.region = Some(REGION.to_string());
    c.connect_timeout = Duration::from_secs(2);
    c.operation_timeout = Duration::from_secs(10);
    c.max_attempts = 1;
    c
}

#[test]
fn https_endpoint_is_verified_and_works_when_trusted() {
    const AAD: &[u8] = b"proj/tls/s3/1/{}";
    const VALUE: &[u8] = b"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    let (trusted_dir, other_dir) = (
        tempfile::tempdir().expect("tempdir"),
        tempfile::tempdir().expect("tempdir"),
    );
    let Some((_trusted, trusted_url, ca)) = tls_moto(trusted_dir.path()) else {
        return;
    };
    let Some((_other, other_url, _)) = tls_moto(other_dir.path()) else {
        return;
    };
    // Before any client is built: the roots are read once per process.
    std::env::set_var("SSL_CERT_FILE", &ca);

    let admin = Admin::new(&trusted_url);
    let (key_id, _arn) = admin.create_key();
    let kr = KmsKeyring::new(config(&key_id, &trusted_url)).expect("keyring");
    let sealed = seal(&kr, AAD, VALUE).expect("seal over https");
    let back = open(&kr, AAD, &sealed).expect("open over https");
    assert_eq!(back.expose_secret(), VALUE);

    // The other server's CA is not trusted: the handshake is refused, and the error says why.
    let untrusted = KmsKeyring::new(config(&key_id, &other_url)).expect("keyring");
    let err = seal(&untrusted, AAD, VALUE).expect_err("an unknown issuer must be refused");
    let text = format!("{err}");
    assert!(
        text.to_ascii_lowercase().contains("certificate") || text.contains("UnknownIssuer"),
        "the error should say the server's certificate was refused: {text}"
    );
    assert!(
        !text.contains("wJalrXUtnFEMI"),
        "the value must not be in the error: {text}"
    );
}
