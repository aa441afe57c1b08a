//! Azurite (npm `azurite` 3.37, Microsoft's Azure Storage emulator) on 127.0.0.1 for tests of
//! `azure` secrets: its blob service only, in memory, with one storage account whose key the
//! test chooses (`AZURITE_ACCOUNTS`), so a wrong key is refused as Azure refuses it.
//! Containers and blobs are created through the Blob REST API, signed with the account key
//! (Shared Key authorization), so no Azure SDK is needed.
//!
//! Needs `COFFER_TEST_AZURITE` (the `azurite-blob` script of the npm package; node on PATH);
//! scripts/test.sh installs the package into ~/.cache/coffer-npm and sets it.

use super::mariadb::free_port;
use super::s3::env_path;
use sha2::{Digest, Sha256};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The Blob REST API version the requests say they speak.
const API_VERSION: &str = "2021-08-06";

/// A running Azurite blob service, killed when dropped.
pub struct Azurite {
    child: Child,
    _dir: tempfile::TempDir,
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// The storage account's name.
    pub account: String,
    key: Vec<u8>,
}

impl Azurite {
    /// Starts the blob service with one account, `account`, whose key is `key` (any bytes;
    /// Azure's keys are 64 random bytes, given base64-encoded).
    pub fn start(account: &str, key: &[u8]) -> Self {
        let bin = env_path(
            "COFFER_TEST_AZURITE",
            "the azurite-blob script of npm's azurite 3.37 (npm install --prefix ~/.cache/coffer-npm azurite@3.37.0; then ~/.cache/coffer-npm/node_modules/.bin/azurite-blob)",
        );
        assert!(
            bin.is_file(),
            "COFFER_TEST_AZURITE={} does not exist: npm install --prefix ~/.cache/coffer-npm azurite@3.37.0",
            bin.display()
        );
        let dir = tempfile::Builder::new()
            .prefix("coffer-azurite-")
            .tempdir()
            .expect("a directory for Azurite");
        let port = free_port();
        let log = dir.path().join("azurite.log");
        let out = std::fs::File::create(&log).expect("create azurite.log");
        let err = out.try_clone().expect("clone a log file");
        let child = Command::new(&bin)
            .args(["--blobHost", "127.0.0.1", "--blobPort", &port.to_string()])
            .args([
                "--inMemoryPersistence",
                "--loose",
                "--skipApiVersionCheck",
                "--disableTelemetry",
            ])
            .current_dir(dir.path())
            .env("AZURITE_ACCOUNTS", format!("{account}:{}", base64(key)))
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("start {} (is node installed?): {e}", bin.display()));
        let mut server = Azurite {
            child,
            _dir: dir,
            port,
            account: account.to_string(),
            key: key.to_vec(),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!(
                    "azurite exited ({status}):\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
            }
            assert!(
                Instant::now() < deadline,
                "azurite did not listen on {port} within 30 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// The account's blob endpoint: `http://127.0.0.1:PORT/ACCOUNT` (Azurite's path style).
    pub fn blob_endpoint(&self) -> String {
        format!("http://127.0.0.1:{}/{}", self.port, self.account)
    }

    /// A connection string for the account with `key` (the right one or not), as the Azure
    /// portal shows them, pointing at this server.
    pub fn connection_string(&self, key: &[u8]) -> String {
        format!(
            "DefaultEndpointsProtocol=http;AccountName={};AccountKey={};BlobEndpoint={};",
            self.account,
            base64(key),
            self.blob_endpoint()
        )
    }

    /// Creates a container.
    pub fn create_container(&self, container: &str) {
        self.request("PUT", &format!("/{container}"), &[("restype", "container")], b"", &[]);
    }

    /// Uploads `body` as the block blob `container/name`.
    pub fn put_blob(&self, container: &str, name: &str, body: &[u8]) {
        self.request(
            "PUT",
            &format!("/{container}/{name}"),
            &[],
            body,
            &[("x-ms-blob-type", "BlockBlob")],
        );
    }

    /// One request signed with the account key (Shared Key), which must succeed.
    fn request(&self, method: &str, path: &str, query: &[(&str, &str)], body: &[u8], headers: &[(&str, &str)]) {
        let date = http_date(SystemTime::now());
        let mut ms: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
            .chain([
                ("x-ms-date".to_string(), date),
                ("x-ms-version".to_string(), API_VERSION.to_string()),
            ])
            .collect();
        ms.sort();
        let canonical_headers: String = ms.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
        let mut sorted_query: Vec<_> = query.to_vec();
        sorted_query.sort();
        // The account appears twice in the resource of a path-style (emulator) URL.
        let mut resource = format!("/{}/{}{path}", self.account, self.account);
        for (k, v) in &sorted_query {
            resource.push_str(&format!("\n{k}:{v}"));
        }
        let length = if body.is_empty() {
            String::new()
        } else {
            body.len().to_string()
        };
        // VERB, Content-Encoding, -Language, -Length, -MD5, -Type, Date, If-Modified-Since,
        // If-Match, If-None-Match, If-Unmodified-Since, Range.
        let to_sign = format!("{method}\n\n\n{length}\n\n\n\n\n\n\n\n\n{canonical_headers}{resource}");
        let signature = base64(&hmac_sha256(&self.key, to_sign.as_bytes()));
        let query_string: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let url = format!(
            "{}{path}{}{}",
            self.blob_endpoint(),
            if query.is_empty() { "" } else { "?" },
            query_string.join("&")
        );
        let mut req = ureq::request(method, &url)
            .timeout(Duration::from_secs(30))
            .set("Authorization", &format!("SharedKey {}:{signature}", self.account));
        for (k, v) in &ms {
            req = req.set(k, v);
        }
        match req.send_bytes(body) {
            Ok(_) => {}
            Err(ureq::Error::Status(code, resp)) => {
                panic!(
                    "azurite: {method} {url}: {code} {}",
                    resp.into_string().unwrap_or_default()
                )
            }
            Err(e) => panic!("azurite: {method} {url}: {e}"),
        }
    }
}

impl Drop for Azurite {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// HMAC-SHA256 (RFC 2104) over sha2.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new().chain_update(pad(0x36)).chain_update(message).finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

/// Standard base64 with padding.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// An RFC 1123 date (`Sun, 06 Dec 2026 09:20:23 GMT`), as the `x-ms-date` header wants.
pub fn http_date(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).expect("after 1970").as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Howard Hinnant's civil_from_days.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {day:02} {} {year} {:02}:{:02}:{:02} GMT",
        WEEKDAYS[(days % 7) as usize],
        MONTHS[(month - 1) as usize],
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}
