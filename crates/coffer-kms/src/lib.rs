//! coffer's AWS KMS keyring.
//!
//! [`KmsKeyring`] implements [`coffer_crypto::Keyring`] with AWS KMS: every sealed value gets a
//! fresh 256-bit data key from KMS `GenerateDataKey` (key spec `AES_256`), and the wrapped form
//! KMS returns (its `CiphertextBlob`) is what coffer stores. Opening calls KMS `Decrypt`.
//! Data keys of another keyring move in with KMS `Encrypt` ([`Keyring::wrap_data_key`]), and
//! from one KMS key to another with `ReEncrypt` ([`Keyring::rewrap`]), the context unchanged.
//! coffer never sees the KMS key itself and never stores AWS credentials: they come from the
//! standard AWS chain (environment variables, shared config and credentials files, web
//! identity, ECS/EC2 metadata) through `aws-config`.
//!
//! # Encryption context
//!
//! The envelope's AAD (`context`) binds project, secret name, type, version and clear metadata.
//! It is passed to KMS as the encryption context `{"coffer:context": base64(SHA-256(context))}`,
//! so a wrapped key moved to another secret does not decrypt (KMS answers
//! `InvalidCiphertextException`, reported as [`CryptoError::Integrity`]). Only the digest is
//! sent: KMS writes the encryption context into CloudTrail in clear, and project and secret
//! names stay out of AWS logs. (The AAD is coffer-core's binary format; this crate does not
//! parse it, which also keeps it independent of that format.)
//!
//! # Data-key cache
//!
//! Decrypted data keys are kept in memory (zeroized on eviction and drop, never written to disk)
//! for [`KmsConfig::cache_ttl`] (5 minutes by default, `0` disables), keyed by the SHA-256 of
//! the key id, the wrapped blob and the context digest, with at most
//! [`KmsConfig::cache_max_entries`] entries. A cache hit makes no KMS call: a key disabled in
//! KMS still opens cached data keys until their entries expire.
//!
//! # Threads and runtimes
//!
//! The [`Keyring`] trait is synchronous and the AWS SDK is async. The keyring owns a small
//! tokio runtime; every call is spawned onto it and the calling thread waits on a channel. So
//! it can be called from any thread, including a thread that is already inside another tokio
//! runtime (such as `spawn_blocking` in `coffer serve`), where `Runtime::block_on` would panic.
#![deny(missing_docs)]

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_kms::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::DataKeySpec;
use aws_smithy_http_client::{tls, Builder as HttpClientBuilder};
use base64::Engine as _;
use coffer_crypto::{CryptoError, DataKey, Keyring, SecretBytes};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// The prefix of [`coffer_crypto::keyring::WrappedKey::key_id`] for data keys wrapped by KMS.
pub const KEY_ID_PREFIX: &str = "kms:";

/// The encryption-context key under which the context digest is sent to KMS.
pub const CONTEXT_KEY: &str = "coffer:context";

/// The HTTP client of both the AWS credential providers (IMDS, STS, SSO) and KMS: hyper and
/// rustls on ring with the system's root certificates. The SDK's default client does the same
/// job on aws-lc-rs, whose C library (aws-lc-sys) would be one more long build; coffer's other
/// TLS (the PostgreSQL endpoint and store, the extension installer) is on ring too.
pub fn http_client() -> aws_sdk_kms::config::SharedHttpClient {
    HttpClientBuilder::new()
        .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring))
        .build_https()
}

/// How to reach the KMS key.
#[derive(Debug, Clone)]
pub struct KmsConfig {
    /// The KMS key: key id, key ARN, alias name (`alias/name`) or alias ARN.
    pub key_id: String,
    /// Another KMS endpoint (a VPC endpoint, or a local emulator in tests); `None` for AWS's.
    pub endpoint_url: Option<String>,
    /// The AWS region; `None` takes it from the standard chain (`AWS_REGION`, profile).
    pub region: Option<String>,
    /// A named profile of the shared AWS config files; `None` for the default chain.
    pub profile: Option<String>,
    /// How long decrypted data keys stay cached in memory; `Duration::ZERO` disables the cache.
    pub cache_ttl: Duration,
    /// At most this many data keys are cached.
    pub cache_max_entries: usize,
    /// Time allowed to open a connection to KMS.
    pub connect_timeout: Duration,
    /// Time allowed for one KMS call, all retries included.
    pub operation_timeout: Duration,
    /// Attempts per KMS call (1 = no retry).
    pub max_attempts: u32,
}

impl KmsConfig {
    /// The defaults for `key_id`: AWS's endpoint, region from the environment, a 5-minute
    /// cache of at most 1000 data keys, 3 s to connect, 20 s per call, 3 attempts.
    pub fn new(key_id: impl Into<String>) -> Self {
        KmsConfig {
            key_id: key_id.into(),
            endpoint_url: None,
            region: None,
            profile: None,
            cache_ttl: Duration::from_secs(300),
            cache_max_entries: 1000,
            connect_timeout: Duration::from_secs(3),
            operation_timeout: Duration::from_secs(20),
            max_attempts: 3,
        }
    }
}

/// Errors setting up a [`KmsKeyring`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KmsError {
    /// The KMS key id is empty.
    #[error("no AWS KMS key given: set a key id, key ARN or alias (alias/NAME)")]
    NoKeyId,
    /// No region in the configuration nor in the AWS environment.
    #[error("no AWS region for KMS key {key_id}: set the region in coffer's configuration, or AWS_REGION, or a region in the AWS profile")]
    NoRegion {
        /// The configured key.
        key_id: String,
    },
    /// The keyring's runtime could not be started.
    #[error("cannot start the AWS KMS client runtime: {0}")]
    Runtime(#[source] io::Error),
}

#[derive(Debug)]
struct CacheEntry {
    key: Zeroizing<Vec<u8>>,
    expires: Instant,
}

/// An AWS KMS keyring: see the crate documentation.
pub struct KmsKeyring {
    key_id: String,
    endpoint: String,
    client: aws_sdk_kms::Client,
    runtime: Option<tokio::runtime::Runtime>,
    cache_ttl: Duration,
    cache_max_entries: usize,
    cache: Mutex<HashMap<[u8; 32], CacheEntry>>,
}

impl std::fmt::Debug for KmsKeyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let cached = self.cache.lock().map(|c| c.len()).unwrap_or(0);
        f.debug_struct("KmsKeyring")
            .field("key_id", &self.key_id)
            .field("endpoint", &self.endpoint)
            .field("cache_ttl", &self.cache_ttl)
            .field("cached_keys", &cached)
            .finish()
    }
}

impl Drop for KmsKeyring {
    fn drop(&mut self) {
        // Dropping a runtime blocks, which panics inside an async context: shut it down in the
        // background instead. No call is in flight (every call waits for its result).
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
        if let Ok(mut cache) = self.cache.lock() {
            cache.clear();
        }
    }
}

/// Runs `fut` on `rt` and waits for it on the calling thread, which may be inside another
/// runtime (no `block_on` here).
fn run_on<F>(rt: &tokio::runtime::Runtime, fut: F) -> Option<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let (tx, rx) = mpsc::sync_channel(1);
    rt.spawn(async move {
        let _ = tx.send(fut.await);
    });
    rx.recv().ok()
}

impl KmsKeyring {
    /// A keyring for `config.key_id`. Loads the AWS configuration (region, credentials chain);
    /// makes no KMS call, so a wrong key or missing credentials show at first use.
    ///
    /// # Errors
    /// [`KmsError::NoKeyId`], [`KmsError::NoRegion`], [`KmsError::Runtime`].
    pub fn new(config: KmsConfig) -> Result<Self, KmsError> {
        let key_id = config.key_id.trim().to_string();
        if key_id.is_empty() {
            return Err(KmsError::NoKeyId);
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("coffer-kms")
            .enable_all()
            .build()
            .map_err(KmsError::Runtime)?;

        let mut loader = aws_config::defaults(BehaviorVersion::v2026_01_12())
            .http_client(http_client())
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(config.connect_timeout)
                    .operation_timeout(config.operation_timeout)
                    .build(),
            )
            .retry_config(RetryConfig::standard().with_max_attempts(config.max_attempts.max(1)));
        if let Some(region) = &config.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(url) = &config.endpoint_url {
            loader = loader.endpoint_url(url.clone());
        }
        if let Some(profile) = &config.profile {
            loader = loader.profile_name(profile.clone());
        }
        // On error the runtime is shut down in the background: a plain drop would panic when
        // `new` runs inside an async context.
        let Some(sdk_config) = run_on(&runtime, loader.load()) else {
            runtime.shutdown_background();
            return Err(KmsError::Runtime(io::Error::other(
                "the AWS configuration loader stopped",
            )));
        };
        let Some(region) = sdk_config.region().map(|r| r.to_string()) else {
            runtime.shutdown_background();
            return Err(KmsError::NoRegion { key_id });
        };
        let endpoint = config
            .endpoint_url
            .clone()
            .or_else(|| sdk_config.endpoint_url().map(str::to_string))
            .unwrap_or_else(|| format!("https://kms.{region}.amazonaws.com"));
        let client = aws_sdk_kms::Client::new(&sdk_config);
        Ok(KmsKeyring {
            key_id,
            endpoint,
            client,
            runtime: Some(runtime),
            cache_ttl: config.cache_ttl,
            cache_max_entries: config.cache_max_entries,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// The KMS endpoint this keyring calls (for messages).
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// How many data keys are cached now (expired entries included until the next purge).
    pub fn cached_keys(&self) -> usize {
        self.cache.lock().map(|c| c.len()).unwrap_or(0)
    }

    /// Forgets every cached data key (zeroized).
    pub fn clear_cache(&self) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.clear();
        }
    }

    fn run<F>(&self, fut: F) -> coffer_crypto::Result<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let rt = self
            .runtime
            .as_ref()
            .ok_or_else(|| self.failure(io::ErrorKind::Other, "the keyring is shut down"))?;
        run_on(rt, fut)
            .ok_or_else(|| self.failure(io::ErrorKind::Other, "the KMS call was cancelled (runtime stopped)"))
    }

    fn failure(&self, kind: io::ErrorKind, what: &str) -> CryptoError {
        failure(&self.key_id, kind, what.to_string())
    }

    fn cache_key(key_id: &str, blob: &[u8], digest: &str) -> [u8; 32] {
        let mut h = Sha256::new();
        for part in [key_id.as_bytes(), blob, digest.as_bytes()] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part);
        }
        h.finalize().into()
    }

    fn cache_get(&self, k: &[u8; 32]) -> Option<DataKey> {
        if self.cache_ttl.is_zero() {
            return None;
        }
        let mut cache = self.cache.lock().ok()?;
        let now = Instant::now();
        match cache.get(k) {
            Some(e) if e.expires > now => DataKey::from_bytes(SecretBytes::new(e.key.to_vec())).ok(),
            Some(_) => {
                cache.remove(k);
                None
            }
            None => None,
        }
    }

    fn cache_put(&self, k: [u8; 32], key: &DataKey) {
        if self.cache_ttl.is_zero() || self.cache_max_entries == 0 {
            return;
        }
        let Ok(mut cache) = self.cache.lock() else {
            return;
        };
        let now = Instant::now();
        if cache.len() >= self.cache_max_entries {
            cache.retain(|_, e| e.expires > now);
        }
        while cache.len() >= self.cache_max_entries {
            let oldest = cache.iter().min_by_key(|(_, e)| e.expires).map(|(k, _)| *k);
            match oldest {
                Some(o) => {
                    cache.remove(&o);
                }
                None => break,
            }
        }
        cache.insert(
            k,
            CacheEntry {
                key: Zeroizing::new(key.expose_secret().to_vec()),
                expires: now + self.cache_ttl,
            },
        );
    }

    fn sdk_failure<E>(
        &self,
        op: &str,
        key: &str,
        err: &SdkError<E, aws_sdk_kms::config::http::HttpResponse>,
    ) -> CryptoError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let (kind, what) = describe(op, &self.endpoint, err);
        failure(key, kind, what)
    }

    /// An error of a call that unwraps a blob (`Decrypt`, `ReEncrypt`): KMS's answer to a blob
    /// or context that does not match is [`CryptoError::Integrity`], as for the local keyring.
    fn unwrap_failure<E>(
        &self,
        op: &str,
        key: &str,
        err: &SdkError<E, aws_sdk_kms::config::http::HttpResponse>,
    ) -> CryptoError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let integrity = err
            .as_service_error()
            .and_then(|s| s.code())
            .is_some_and(|c| c == "InvalidCiphertextException" || c == "IncorrectKeyException");
        if integrity {
            CryptoError::Integrity
        } else {
            self.sdk_failure(op, key, err)
        }
    }

    /// The wrapped key's KMS key (its id without [`KEY_ID_PREFIX`]), checked as
    /// `decrypt_data_key` does.
    fn source_key(wrapped: &coffer_crypto::keyring::WrappedKey) -> coffer_crypto::Result<&str> {
        let Some(key) = wrapped.key_id.strip_prefix(KEY_ID_PREFIX).filter(|k| !k.is_empty()) else {
            return Err(CryptoError::UnknownKey(wrapped.key_id.clone()));
        };
        if wrapped.blob.is_empty() {
            return Err(CryptoError::Integrity);
        }
        Ok(key)
    }

    /// The stored key id for a blob KMS wrapped: the key ARN KMS answered with (so an alias
    /// later pointed at another key does not change which key opens it), else the configured id.
    fn stored_key_id(&self, answered: Option<String>) -> String {
        let key = answered
            .filter(|k| !k.is_empty())
            .unwrap_or_else(|| self.key_id.clone());
        format!("{KEY_ID_PREFIX}{key}")
    }
}

/// The encryption context's value for `context`: base64 of its SHA-256.
pub fn context_digest(context: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(context))
}

/// A refusal or an outage of KMS, naming the key.
fn failure(key: &str, kind: io::ErrorKind, what: String) -> CryptoError {
    CryptoError::KeyService {
        key: key.to_string(),
        reason: what,
        kind,
    }
}

/// What went wrong, in words that name the cause and a fix; never key material.
fn describe<E>(
    op: &str,
    endpoint: &str,
    err: &SdkError<E, aws_sdk_kms::config::http::HttpResponse>,
) -> (io::ErrorKind, String)
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    use io::ErrorKind as K;
    let dyn_err: &(dyn std::error::Error + 'static) = err;
    match err {
        SdkError::ServiceError(se) => {
            let e = se.err();
            let code = e.code().unwrap_or("unknown error");
            let msg = e.message().map(|m| format!(": {m}")).unwrap_or_default();
            let (kind, hint) = match code {
                "AccessDeniedException" | "UnrecognizedClientException" | "InvalidSignatureException" | "ExpiredTokenException" => (
                    K::PermissionDenied,
                    match op.split_whitespace().next() {
                        Some("Encrypt") => {
                            "access denied: check the AWS credentials coffer runs with and that the key policy or IAM allows kms:Encrypt"
                        }
                        Some("ReEncrypt") => {
                            "access denied: check the AWS credentials coffer runs with and that the key policies or IAM allow kms:ReEncryptFrom on the source key and kms:ReEncryptTo on this key"
                        }
                        _ => {
                            "access denied: check the AWS credentials coffer runs with and that the key policy or IAM allows kms:GenerateDataKey and kms:Decrypt"
                        }
                    },
                ),
                "DisabledException" => (K::PermissionDenied, "the KMS key is disabled: enable it (aws kms enable-key) and retry; nothing stored is lost"),
                "KMSInvalidStateException" => (K::PermissionDenied, "the KMS key is not usable in its current state (pending deletion or import?)"),
                "NotFoundException" => (K::NotFound, "the KMS key does not exist in this account and region (check the key id, alias and region)"),
                "InvalidKeyUsageException" => (K::InvalidInput, "the KMS key cannot be used for this (it must be a symmetric ENCRYPT_DECRYPT key)"),
                "KeyUnavailableException" | "DependencyTimeoutException" | "KMSInternalException" | "ThrottlingException" => {
                    (K::TimedOut, "KMS is unavailable or throttling just now; retry later")
                }
                _ => (K::Other, "KMS refused the request"),
            };
            (kind, format!("{op} failed: {hint} ({code}{msg})"))
        }
        SdkError::TimeoutError(_) => (
            K::TimedOut,
            format!("{op} failed: KMS at {endpoint} did not answer in time"),
        ),
        SdkError::DispatchFailure(df) => {
            let detail = chain(dyn_err);
            if let Some(cred) = find_source::<aws_credential_types::provider::error::CredentialsError>(dyn_err) {
                (
                    K::PermissionDenied,
                    format!(
                        "{op} failed: no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, \
                         AWS_PROFILE, or run where an instance or task role is available ({})",
                        chain(cred)
                    ),
                )
            } else if df.is_io() || df.is_timeout() {
                (
                    K::ConnectionRefused,
                    format!("{op} failed: KMS at {endpoint} is unreachable ({detail})"),
                )
            } else {
                (
                    K::Other,
                    format!("{op} failed: could not send the request to KMS at {endpoint} ({detail})"),
                )
            }
        }
        SdkError::ResponseError(_) => (
            K::InvalidData,
            format!(
                "{op} failed: KMS at {endpoint} sent an unreadable answer ({})",
                chain(dyn_err)
            ),
        ),
        _ => (K::Other, format!("{op} failed: {}", chain(dyn_err))),
    }
}

/// The first error of type `T` in `err`'s source chain.
fn find_source<'a, T: std::error::Error + 'static>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a T> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(t) = e.downcast_ref::<T>() {
            return Some(t);
        }
        cur = e.source();
    }
    None
}

/// `err` and its sources, `: `-separated, without repeats.
fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        let s = e.to_string().replace('\n', " ");
        let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
        if !s.is_empty() && !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
        cur = e.source();
    }
    parts.join(": ")
}

impl Keyring for KmsKeyring {
    fn current_key_id(&self) -> String {
        format!("{KEY_ID_PREFIX}{}", self.key_id)
    }

    fn generate_data_key(
        &self,
        context: &[u8],
    ) -> coffer_crypto::Result<(DataKey, coffer_crypto::keyring::WrappedKey)> {
        let digest = context_digest(context);
        let req = self
            .client
            .generate_data_key()
            .key_id(self.key_id.clone())
            .key_spec(DataKeySpec::Aes256)
            .encryption_context(CONTEXT_KEY, digest);
        let mut out = self
            .run(req.send())?
            .map_err(|e| self.sdk_failure("GenerateDataKey", &self.key_id, &e))?;
        // The plaintext moves into a zeroizing box without a copy.
        let plaintext = out.plaintext.take().ok_or_else(|| {
            self.failure(
                io::ErrorKind::InvalidData,
                "GenerateDataKey returned no plaintext data key",
            )
        })?;
        let dek = DataKey::from_bytes(SecretBytes::new(plaintext.into_inner()))?;
        let blob = out
            .ciphertext_blob
            .ok_or_else(|| self.failure(io::ErrorKind::InvalidData, "GenerateDataKey returned no CiphertextBlob"))?
            .into_inner();
        // KMS answers with the key's ARN: store that, so an alias later pointed at another
        // key does not change which key opens this data key.
        Ok((
            dek,
            coffer_crypto::keyring::WrappedKey {
                key_id: self.stored_key_id(out.key_id),
                blob,
            },
        ))
    }

    fn decrypt_data_key(
        &self,
        wrapped: &coffer_crypto::keyring::WrappedKey,
        context: &[u8],
    ) -> coffer_crypto::Result<DataKey> {
        let key = Self::source_key(wrapped)?;
        let digest = context_digest(context);
        let ck = Self::cache_key(key, &wrapped.blob, &digest);
        if let Some(dek) = self.cache_get(&ck) {
            return Ok(dek);
        }
        let req = self
            .client
            .decrypt()
            .key_id(key.to_string())
            .ciphertext_blob(Blob::new(wrapped.blob.clone()))
            .encryption_context(CONTEXT_KEY, digest);
        let out = self
            .run(req.send())?
            .map_err(|e| self.unwrap_failure("Decrypt", key, &e))?;
        let plaintext = out
            .plaintext
            .ok_or_else(|| failure(key, io::ErrorKind::InvalidData, "Decrypt returned no plaintext".into()))?;
        let bytes = SecretBytes::new(plaintext.into_inner());
        let dek = DataKey::from_bytes(bytes).map_err(|_| CryptoError::Integrity)?;
        self.cache_put(ck, &dek);
        Ok(dek)
    }

    /// KMS `Encrypt` of the data key under the configured key, with the same encryption
    /// context as [`Keyring::generate_data_key`]: moves data keys of another keyring (the
    /// local key file) into KMS without re-encrypting the values they seal.
    fn wrap_data_key(
        &self,
        key: &DataKey,
        context: &[u8],
    ) -> coffer_crypto::Result<coffer_crypto::keyring::WrappedKey> {
        // The request owns its plaintext; the SDK drops (does not zeroize) that copy once sent.
        let req = self
            .client
            .encrypt()
            .key_id(self.key_id.clone())
            .plaintext(Blob::new(key.expose_secret().to_vec()))
            .encryption_context(CONTEXT_KEY, context_digest(context));
        let out = self
            .run(req.send())?
            .map_err(|e| self.sdk_failure("Encrypt", &self.key_id, &e))?;
        let blob = out
            .ciphertext_blob
            .ok_or_else(|| self.failure(io::ErrorKind::InvalidData, "Encrypt returned no CiphertextBlob"))?
            .into_inner();
        Ok(coffer_crypto::keyring::WrappedKey {
            key_id: self.stored_key_id(out.key_id),
            blob,
        })
    }

    /// KMS `ReEncrypt` from the wrapped key's KMS key to the configured key, the encryption
    /// context unchanged: the data key never leaves KMS in clear (key rotation, or a move to
    /// another KMS key). Needs `kms:ReEncryptFrom` on the source key and `kms:ReEncryptTo` on
    /// the configured one.
    fn rewrap(
        &self,
        wrapped: &coffer_crypto::keyring::WrappedKey,
        context: &[u8],
    ) -> coffer_crypto::Result<coffer_crypto::keyring::WrappedKey> {
        let source = Self::source_key(wrapped)?;
        let digest = context_digest(context);
        let req = self
            .client
            .re_encrypt()
            .ciphertext_blob(Blob::new(wrapped.blob.clone()))
            .source_key_id(source.to_string())
            .source_encryption_context(CONTEXT_KEY, digest.clone())
            .destination_key_id(self.key_id.clone())
            .destination_encryption_context(CONTEXT_KEY, digest);
        let op = format!("ReEncrypt from {source}");
        let out = self
            .run(req.send())?
            .map_err(|e| self.unwrap_failure(&op, &self.key_id, &e))?;
        let blob = out
            .ciphertext_blob
            .filter(|b| !b.as_ref().is_empty())
            .ok_or_else(|| self.failure(io::ErrorKind::InvalidData, "ReEncrypt returned no CiphertextBlob"))?
            .into_inner();
        Ok(coffer_crypto::keyring::WrappedKey {
            key_id: self.stored_key_id(out.key_id),
            blob,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_is_stable_and_distinct() {
        assert_eq!(context_digest(b"a"), context_digest(b"a"));
        assert_ne!(context_digest(b"a"), context_digest(b"b"));
        assert_eq!(context_digest(b"").len(), 44);
    }

    #[test]
    fn cache_key_separates_parts() {
        assert_ne!(
            KmsKeyring::cache_key("k", b"ab", "c"),
            KmsKeyring::cache_key("k", b"a", "bc")
        );
    }

    #[test]
    fn unknown_prefix_and_debug_without_keys() {
        let mut cfg = KmsConfig::new("alias/x");
        cfg.region = Some("us-east-1".into());
        cfg.endpoint_url = Some("http://127.0.0.1:9".into());
        let kr = KmsKeyring::new(cfg).expect("keyring");
        let wrapped = coffer_crypto::keyring::WrappedKey {
            key_id: "local:1".into(),
            blob: vec![1, 2, 3],
        };
        assert!(matches!(
            kr.decrypt_data_key(&wrapped, b"c"),
            Err(CryptoError::UnknownKey(_))
        ));
        assert_eq!(kr.current_key_id(), "kms:alias/x");
        assert!(format!("{kr:?}").contains("alias/x"));
        assert!(matches!(KmsKeyring::new(KmsConfig::new(" ")), Err(KmsError::NoKeyId)));
    }
}
