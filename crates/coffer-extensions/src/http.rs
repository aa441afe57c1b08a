//! HTTP with bounds: connect and stall timeouts, an overall deadline, a size limit, progress.

use std::io::{Read, Write};
use std::sync::Arc;
use std::time::Duration;

use crate::error::{Error, Result, SourceKind};
use crate::progress::Progress;

/// rustls with ring (explicitly: other crates of coffer may enable aws-lc-rs too) and the union
/// of webpki's roots and the system's (`/etc/ssl/certs`, `SSL_CERT_FILE`), so that a TLS-inspecting
/// proxy whose CA the system trusts works, and a system without a CA bundle still does.
fn tls_config() -> std::result::Result<Arc<rustls::ClientConfig>, rustls::Error> {
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    // Unreadable system roots leave webpki's: a failure then shows as a TLS error per request.
    let native = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(native.certs);
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// An HTTP client for one source.
pub(crate) struct Client {
    agent: ureq::Agent,
    pub(crate) name: String,
    pub(crate) source: SourceKind,
    /// Deadline of a body transfer (ureq's own overall timeout would replace the stall one).
    total: Duration,
}

/// Timeouts of a client.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timeouts {
    pub connect: Duration,
    pub stall: Duration,
    pub total: Duration,
}

impl Client {
    pub(crate) fn new(name: &str, source: SourceKind, t: Timeouts) -> Result<Client> {
        let tls = tls_config().map_err(|e| Error::Network {
            name: name.to_string(),
            source_kind: source,
            url: String::new(),
            reason: format!("cannot set up TLS: {e}"),
        })?;
        let agent = ureq::AgentBuilder::new()
            .tls_config(tls)
            .timeout_connect(t.connect)
            .timeout_read(t.stall)
            .timeout_write(t.stall)
            .redirects(5)
            .user_agent(concat!("coffer-extensions/", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(Client {
            agent,
            name: name.to_string(),
            source,
            total: t.total,
        })
    }

    fn network(&self, url: &str, reason: impl Into<String>) -> Error {
        Error::Network {
            name: self.name.clone(),
            source_kind: self.source,
            url: url.to_string(),
            reason: reason.into(),
        }
    }

    /// GETs `url`: the response when it is 2xx.
    pub(crate) fn get(&self, url: &str) -> Result<ureq::Response> {
        match self.agent.get(url).call() {
            Ok(resp) => Ok(resp),
            Err(ureq::Error::Status(status, _)) => Err(Error::Status {
                name: self.name.clone(),
                source_kind: self.source,
                url: url.to_string(),
                status,
            }),
            Err(ureq::Error::Transport(t)) => Err(self.network(url, transport_reason(&t))),
        }
    }

    /// GETs `url` and parses its JSON body (at most `limit` bytes).
    pub(crate) fn get_json(&self, url: &str, limit: u64) -> Result<serde_json::Value> {
        let resp = self.get(url)?;
        let mut body = Vec::new();
        let mut reader = resp.into_reader().take(limit + 1);
        reader
            .read_to_end(&mut body)
            .map_err(|e| self.network(url, format!("reading the answer: {e}")))?;
        if body.len() as u64 > limit {
            return Err(Error::TooLarge {
                name: self.name.clone(),
                what: url.to_string(),
                limit,
            });
        }
        serde_json::from_slice(&body).map_err(|e| Error::BadResponse {
            name: self.name.clone(),
            source_kind: self.source,
            url: url.to_string(),
            reason: format!("not the JSON expected: {e}"),
        })
    }

    /// Copies the body of `resp` (from `url`) into `out`, refusing more than `limit` bytes (by
    /// Content-Length up front, and while reading). `decode` wraps the body reader (gzip); what
    /// it yields is bounded by `limit` too. Returns the number of bytes received.
    pub(crate) fn stream(
        &self,
        resp: ureq::Response,
        url: &str,
        limit: u64,
        out: &mut dyn Write,
        decode: fn(Box<dyn Read + '_>) -> Box<dyn Read + '_>,
        progress: &mut dyn Progress,
    ) -> Result<u64> {
        let total = resp.header("content-length").and_then(|v| v.trim().parse::<u64>().ok());
        if total.is_some_and(|t| t > limit) {
            return Err(Error::TooLarge {
                name: self.name.clone(),
                what: url.to_string(),
                limit,
            });
        }
        progress.downloading(self.source, url, total);
        let deadline = std::time::Instant::now() + self.total;
        let mut counted = Counted {
            inner: resp.into_reader(),
            done: 0,
            total,
            progress,
            limit,
            deadline,
        };
        let copied = {
            let mut decoded = decode(Box::new(&mut counted)).take(limit + 1);
            std::io::copy(&mut decoded, out)
        };
        let received = counted.done;
        let copied = match copied {
            Ok(n) => n,
            Err(_) if received > limit => {
                return Err(Error::TooLarge {
                    name: self.name.clone(),
                    what: url.to_string(),
                    limit,
                })
            }
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData || e.kind() == std::io::ErrorKind::InvalidInput => {
                return Err(Error::NotAnExtension {
                    file: url.to_string(),
                    reason: format!("cannot decompress: {e}"),
                })
            }
            Err(e) => return Err(self.network(url, format!("transfer failed after {received} bytes: {e}"))),
        };
        if copied > limit {
            return Err(Error::TooLarge {
                name: self.name.clone(),
                what: format!("{url} (decompressed)"),
                limit,
            });
        }
        if let Some(t) = total.filter(|t| received < *t) {
            return Err(self.network(url, format!("the transfer ended after {received} of {t} bytes")));
        }
        Ok(received)
    }
}

/// The body as is.
pub(crate) fn identity(r: Box<dyn Read + '_>) -> Box<dyn Read + '_> {
    r
}

/// The body gunzipped.
pub(crate) fn gunzip(r: Box<dyn Read + '_>) -> Box<dyn Read + '_> {
    Box::new(flate2::read::GzDecoder::new(r))
}

fn transport_reason(t: &ureq::Transport) -> String {
    use ureq::ErrorKind as K;
    let what = match t.kind() {
        K::Dns => "cannot resolve the host name",
        K::ConnectionFailed => "cannot connect",
        K::Io => "connection failed",
        K::TooManyRedirects => "too many redirects",
        K::InvalidUrl | K::UnknownScheme => "not a usable URL",
        K::InsecureRequestHttpsOnly => "plain HTTP refused",
        K::ProxyConnect | K::ProxyUnauthorized | K::InvalidProxyUrl => "the proxy failed",
        _ => "request failed",
    };
    match t.message() {
        Some(m) => format!("{what} ({m})"),
        None => what.to_string(),
    }
}

/// A reader that counts bytes, refuses more than `limit`, and reports progress.
struct Counted<'p, R> {
    inner: R,
    done: u64,
    total: Option<u64>,
    progress: &'p mut dyn Progress,
    limit: u64,
    deadline: std::time::Instant,
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if std::time::Instant::now() > self.deadline {
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the download took longer than allowed",
            ));
        }
        let n = self.inner.read(buf)?;
        self.done += n as u64;
        if self.done > self.limit {
            return Err(std::io::Error::other("download larger than the limit"));
        }
        if n > 0 {
            self.progress.transferred(self.done, self.total);
        }
        Ok(n)
    }
}
