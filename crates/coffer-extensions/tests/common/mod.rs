//! A small HTTP server on 127.0.0.1 that plays DuckDB's repository and PyPI, and builders of
//! extension files, gzip files and wheels.
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

/// How the server answers a path.
#[derive(Clone)]
pub enum Route {
    /// 200 with a body and its Content-Length.
    Body(Vec<u8>),
    /// 200 with a body and no Content-Length (closed connection ends it).
    Unsized(Vec<u8>),
    /// 200 announcing `len` bytes, sending `first`, then nothing until the server stops.
    Stall { first: Vec<u8>, len: usize },
    /// 200 announcing a Content-Length with no body sent.
    Claims(u64),
    /// An error status.
    Status(u16),
}

/// The server; stopped when dropped, and after 120 s in any case.
pub struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    routes: Arc<Mutex<HashMap<String, Route>>>,
    requests: Arc<Mutex<Vec<String>>>,
    connections: Arc<AtomicUsize>,
    handle: Option<JoinHandle<()>>,
}

impl Server {
    pub fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let routes: Arc<Mutex<HashMap<String, Route>>> = Arc::default();
        let requests: Arc<Mutex<Vec<String>>> = Arc::default();
        let connections = Arc::new(AtomicUsize::new(0));
        let handle = {
            let (stop, routes, requests, connections) =
                (stop.clone(), routes.clone(), requests.clone(), connections.clone());
            std::thread::spawn(move || {
                let deadline = Instant::now() + Duration::from_secs(120);
                while !stop.load(Ordering::SeqCst) && Instant::now() < deadline {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            connections.fetch_add(1, Ordering::SeqCst);
                            let _ = serve(stream, &routes, &requests, &stop);
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(5)),
                    }
                }
            })
        };
        Server {
            addr,
            stop,
            routes,
            requests,
            connections,
            handle: Some(handle),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn route(&self, path: &str, route: Route) {
        self.routes.lock().unwrap().insert(path.to_string(), route);
    }

    /// The paths requested, in order.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }

    /// Connections accepted.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

fn serve(
    mut stream: TcpStream,
    routes: &Mutex<HashMap<String, Route>>,
    requests: &Mutex<Vec<String>>,
    stop: &AtomicBool,
) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header == "\r\n" {
            break;
        }
    }
    requests.lock().unwrap().push(path.clone());
    let route = routes.lock().unwrap().get(&path).cloned().unwrap_or(Route::Status(404));
    let head = |status: &str, len: Option<u64>| {
        let len = len.map(|l| format!("Content-Length: {l}\r\n")).unwrap_or_default();
        format!("HTTP/1.1 {status}\r\n{len}Connection: close\r\n\r\n")
    };
    match route {
        Route::Body(body) => {
            stream.write_all(head("200 OK", Some(body.len() as u64)).as_bytes())?;
            stream.write_all(&body)?;
        }
        Route::Unsized(body) => {
            stream.write_all(head("200 OK", None).as_bytes())?;
            stream.write_all(&body)?;
        }
        Route::Stall { first, len } => {
            stream.write_all(head("200 OK", Some(len as u64)).as_bytes())?;
            stream.write_all(&first)?;
            stream.flush()?;
            let until = Instant::now() + Duration::from_secs(20);
            while !stop.load(Ordering::SeqCst) && Instant::now() < until {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        Route::Claims(len) => stream.write_all(head("200 OK", Some(len)).as_bytes())?,
        Route::Status(code) => stream.write_all(head(&format!("{code} Status"), Some(0)).as_bytes())?,
    }
    stream.flush()
}

/// A URL nothing listens on.
pub fn closed_port_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}

/// Bytes that look like a DuckDB extension for `version` (`v1.5.5`) on `platform`: a body,
/// then DuckDB's 512-byte footer (8 metadata fields of 32 bytes stored last-first, then the
/// signature).
pub fn extension(tag: &str, platform: &str, version: &str) -> Vec<u8> {
    let mut bytes = format!("\x7fELF fake extension {tag} ").into_bytes();
    bytes.extend((0..4000u32).map(|i| (i * 7 % 251) as u8));
    let mut meta = vec![0u8; 512];
    for (index, value) in [(0, "4"), (1, platform), (2, version), (3, "0.0.1"), (4, "CPP")] {
        let start = (7 - index) * 32;
        meta[start..start + value.len()].copy_from_slice(value.as_bytes());
    }
    bytes.extend(meta);
    bytes
}

/// An extension for DuckDB 1.5.5 on linux_amd64.
pub fn good_extension(tag: &str) -> Vec<u8> {
    extension(tag, "linux_amd64", "v1.5.5")
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

pub fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A wheel as PyPI's `duckdb-extension-<name>` ones: the package, its extension file for
/// `version` and a dist-info.
pub fn wheel(name: &str, version: &str, payload: &[u8]) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1));
    let package = format!("duckdb_extension_{name}");
    let dist = format!("{package}-{version}.dist-info");
    zip.start_file(format!("{package}/__init__.py"), opts).unwrap();
    zip.start_file(format!("{package}/extensions/v{version}/{name}.duckdb_extension"), opts)
        .unwrap();
    zip.write_all(payload).unwrap();
    zip.start_file(format!("{dist}/WHEEL"), opts).unwrap();
    zip.write_all(b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-manylinux2014_x86_64\n")
        .unwrap();
    zip.start_file(format!("{dist}/METADATA"), opts).unwrap();
    zip.write_all(format!("Metadata-Version: 2.4\nName: duckdb-extension-{name}\nVersion: {version}\n").as_bytes())
        .unwrap();
    zip.finish().unwrap().into_inner()
}

/// The file name PyPI gives the linux x86_64 wheel.
pub fn wheel_name(name: &str, version: &str) -> String {
    format!("duckdb_extension_{name}-{version}-py3-none-manylinux2014_x86_64.whl")
}

/// One entry of PyPI's JSON `urls`.
pub fn pypi_file(server: &Server, filename: &str, sha256: &str, size: usize) -> serde_json::Value {
    serde_json::json!({
        "filename": filename,
        "packagetype": "bdist_wheel",
        "python_version": "py3",
        "url": format!("{}/packages/{filename}", server.url()),
        "digests": {"sha256": sha256, "md5": "0"},
        "size": size,
        "yanked": false,
    })
}

/// Serves PyPI's JSON API for `duckdb-extension-<name>` 1.5.5 with a macOS decoy and the linux
/// wheel (`wheel` published with `published_sha256`), and the wheel itself.
pub fn serve_pypi(server: &Server, name: &str, wheel: &[u8], published_sha256: &str) {
    let project = format!("duckdb-extension-{}", name.replace('_', "-"));
    let filename = wheel_name(name, "1.5.5");
    let decoy = format!("duckdb_extension_{name}-1.5.5-py3-none-macosx_11_0_arm64.whl");
    let json = serde_json::json!({
        "info": {"name": project, "version": "1.5.5"},
        "urls": [pypi_file(server, &decoy, &"0".repeat(64), 10), pypi_file(server, &filename, published_sha256, wheel.len())],
    });
    server.route(
        &format!("/pypi/{project}/1.5.5/json"),
        Route::Body(json.to_string().into_bytes()),
    );
    server.route(&format!("/packages/{filename}"), Route::Body(wheel.to_vec()));
}

/// A [`coffer_extensions::Progress`] that records what it is told.
#[derive(Default)]
pub struct Recorder {
    pub events: Vec<String>,
    pub bytes: u64,
}

impl coffer_extensions::Progress for Recorder {
    fn trying(&mut self, source: coffer_extensions::SourceKind, url: &str) {
        self.events.push(format!("trying {source:?} {url}"));
    }
    fn fell_through(&mut self, source: coffer_extensions::SourceKind, error: &coffer_extensions::Error) {
        self.events.push(format!("fell through {source:?}: {error}"));
    }
    fn downloading(&mut self, source: coffer_extensions::SourceKind, url: &str, total: Option<u64>) {
        self.events.push(format!("downloading {source:?} {url} {total:?}"));
    }
    fn transferred(&mut self, done: u64, _total: Option<u64>) {
        self.bytes = done;
    }
}

/// Settings that use only `repository` and `pypi` (no real network), with short timeouts.
pub fn settings(repository: Option<String>, pypi: Option<String>) -> coffer_extensions::Settings {
    let mut s = coffer_extensions::Settings::default();
    s.repository = repository;
    s.pypi_url = pypi;
    s.repository_connect_timeout = Duration::from_secs(2);
    s.connect_timeout = Duration::from_secs(2);
    s.stall_timeout = Duration::from_secs(2);
    s.download_timeout = Duration::from_secs(20);
    s
}

/// Every file and directory under `dir`, relative, sorted.
pub fn tree(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries {
            let p = e.unwrap().path();
            out.push(p.strip_prefix(dir).unwrap().display().to_string());
            if p.is_dir() {
                stack.push(p);
            }
        }
    }
    out.sort();
    out
}
