//! Credential warnings for flight config: each kind of credential warns (with a static
//! description), ordinary values do not, and no message ever contains the value.

use coffer_model::lint::{self, credential_warnings, ConfigWarning};
use indexmap::IndexMap;

fn warn(key: &str, value: &str) -> Option<&'static str> {
    lint::credential_warning(key, value).map(|w| w.looks_like)
}

/// A key name that says nothing about credentials.
const PLAIN_KEY: &str = "SETTING";

#[test]
fn aws_access_key_id() {
    assert_eq!(warn(PLAIN_KEY, "AKIAIOSFODNN7EXAMPLE"), Some(lint::AWS_ACCESS_KEY_ID));
    assert_eq!(warn(PLAIN_KEY, "ASIAY34FZKBOKMUTVV7A"), Some(lint::AWS_ACCESS_KEY_ID));
    assert_eq!(
        warn(PLAIN_KEY, "id=AKIAIOSFODNN7EXAMPLE,region=x"),
        Some(lint::AWS_ACCESS_KEY_ID)
    );
    // Too short, lower case, or part of a longer word.
    assert_eq!(warn(PLAIN_KEY, "AKIAIOSFODNN7EXAMPL"), None);
    assert_eq!(warn(PLAIN_KEY, "AKIAiosfodnn7example"), None);
    assert_eq!(warn(PLAIN_KEY, "XAKIAIOSFODNN7EXAMPLE"), None);
}

#[test]
fn private_key_block() {
    let pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----";
    assert_eq!(warn(PLAIN_KEY, pem), Some(lint::PRIVATE_KEY));
    assert_eq!(
        warn(
            PLAIN_KEY,
            "-----BEGIN RSA PRIVATE KEY-----\\nMIIE...\\n-----END RSA PRIVATE KEY-----"
        ),
        Some(lint::PRIVATE_KEY)
    );
    assert_eq!(
        warn(PLAIN_KEY, "-----BEGIN OPENSSH PRIVATE KEY-----"),
        Some(lint::PRIVATE_KEY)
    );
    // A certificate or public key is not a secret.
    assert_eq!(
        warn(
            PLAIN_KEY,
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"
        ),
        None
    );
    assert_eq!(
        warn(PLAIN_KEY, "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----"),
        None
    );
}

#[test]
fn url_with_password() {
    assert_eq!(
        warn("DSN", "postgres://app:hunter2@db.internal:5432/prod"),
        Some(lint::URL_WITH_PASSWORD)
    );
    assert_eq!(
        warn("BROKER", "amqp://guest:guest@rabbit/"),
        Some(lint::URL_WITH_PASSWORD)
    );
    assert_eq!(
        warn("CONN", "host=x uri=mysql://root:pw@localhost"),
        Some(lint::URL_WITH_PASSWORD)
    );
    // A user without a password, a placeholder password, or an `@` in the path.
    assert_eq!(warn("DSN", "postgres://app@db.internal/prod"), None);
    assert_eq!(warn("DSN", "postgres://app:${PGPASSWORD}@db.internal/prod"), None);
    assert_eq!(warn("URL", "https://example.com/users/me:x@y"), None);
    assert_eq!(warn("URL", "https://example.com:8443/a"), None);
}

#[test]
fn jwt() {
    let token = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
    assert_eq!(warn(PLAIN_KEY, token), Some(lint::JWT));
    assert_eq!(warn("AUTHORIZATION", &format!("Bearer {token}")), Some(lint::JWT));
    // Unsigned (empty third part) is still a token.
    assert_eq!(
        warn(PLAIN_KEY, "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMjM0NTY3ODkwIn0."),
        Some(lint::JWT)
    );
    assert_eq!(warn(PLAIN_KEY, "eyJ.x.y"), None);
}

#[test]
fn known_token_prefixes() {
    let cases = [
        ("ghp_1a2B3c4D5e6F7g8H9i0J1k2L3m4N5o6P7q8R", lint::GITHUB_TOKEN),
        (
            "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV",
            lint::GITHUB_TOKEN,
        ),
        ("glpat-Ab12Cd34Ef56Gh78Ij90", lint::GITLAB_TOKEN),
        (
            "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
            lint::SLACK_TOKEN,
        ),
        ("xoxp-1234567890-abcdefghij", lint::SLACK_TOKEN),
        ("sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z", lint::OPENAI_KEY),
        ("sk-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAB12CD34EF56GH78", lint::OPENAI_KEY),
        ("sk_live_4eC39HqLyjWDarjtT1zdp7dc", lint::STRIPE_KEY),
        ("hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", lint::HUGGINGFACE_TOKEN),
        ("AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q", lint::GOOGLE_API_KEY),
    ];
    for (value, kind) in cases {
        assert_eq!(warn(PLAIN_KEY, value), Some(kind), "{value}");
    }
    // Prefix-like ordinary words.
    assert_eq!(warn(PLAIN_KEY, "sk-learn-model-registry-production"), None);
    assert_eq!(warn(PLAIN_KEY, "task-runner-queue-for-nightly-jobs"), None);
    assert_eq!(warn(PLAIN_KEY, "sk-small"), None);
    assert_eq!(warn(PLAIN_KEY, "hf_home"), None);
}

#[test]
fn high_entropy_token() {
    // AWS's documented example secret access key.
    assert_eq!(
        warn(PLAIN_KEY, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        Some(lint::HIGH_ENTROPY)
    );
    assert_eq!(
        warn(PLAIN_KEY, "q8Zr2LmX4vNp7TgY1sKd9WbE3hJc6FaU0oRi5Qx"),
        Some(lint::HIGH_ENTROPY)
    );
    assert_eq!(
        warn(
            PLAIN_KEY,
            "Authorization: Basic dXNlcjpQYXNzdzByZCExMjM0NTY3ODkwQUJDREVGRw=="
        ),
        Some(lint::HIGH_ENTROPY)
    );
}

#[test]
fn ordinary_values_do_not_warn() {
    let ordinary = [
        "us-east-1",
        "eu-central-1",
        "1000",
        "true",
        "s3://bucket/path/file.parquet",
        "https://api.example.com/v1/items",
        "SELECT * FROM t",
        "/usr/local/bin/python3",
        "2024-01-01T00:00:00Z",
        // UUIDs are ids, not credentials (documented in the module).
        "550e8400-e29b-41d4-a716-446655440000",
        "6F9619FF-8B86-D011-B42D-00C04FC964FF",
        // Hashes and commit ids.
        "3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1c",
        "e83c5163316f89bfbd7d9ab23ca2e25604af2900",
        // Long paths, URLs, class names, images and ARNs.
        "/home/airflow/Projects/Data2024/exports/daily_revenue_v2.parquet",
        "s3://my-data-lake-prod/raw/events/year=2024/month=01/part-0001.snappy.parquet",
        "https://api.example.com/v1/items?page=2&per_page=100&sort=created_at",
        "com.example.analytics.DailyRevenueLoadJob2024",
        "ghcr.io/example/etl-runner:2024.01.15-3f9a2c1",
        "arn:aws:iam::123456789012:role/DataPipelineExecutionRole",
        "gs://bucket-name/some/prefix/",
        "postgres://app@db.internal:5432/prod",
        "SELECT customer_id, SUM(amount) FROM orders WHERE created_at >= '2024-01-01' GROUP BY 1",
        "DataPipelineExecutionRoleForNightlyJobs2024",
        "INFO",
        "",
    ];
    for value in ordinary {
        assert_eq!(warn(PLAIN_KEY, value), None, "{value}");
        assert_eq!(warn("BUCKET_PATH", value), None, "{value}");
    }
}

#[test]
fn credential_by_key_name() {
    for key in [
        "PASSWORD",
        "DB_PASSWORD",
        "dbPassword",
        "SECRET",
        "CLIENT_SECRET",
        "GITHUB_TOKEN",
        "API_KEY",
        "PRIVATE_KEY",
        "AWS_SECRET_ACCESS_KEY",
        "credentials",
    ] {
        assert_eq!(warn(key, "hunter2-Prod"), Some(lint::BY_NAME), "{key}");
    }
    // A password may be anything set; a numeric token is usually a setting.
    assert_eq!(warn("DB_PASSWORD", "123456"), Some(lint::BY_NAME));
    assert_eq!(warn("DB_PASSWORD", "letmein"), Some(lint::BY_NAME));
    // Placeholders, references, booleans and empties do not warn.
    for value in [
        "",
        "   ",
        "${DB_PASSWORD}",
        "$DB_PASSWORD",
        "{{ secrets.db }}",
        "<your-password>",
        "***",
        "xxxx",
        "changeme",
        "none",
        "op://vault/db/password",
        "arn:aws:secretsmanager:eu-central-1:123456789012:secret:db",
        "true",
    ] {
        assert_eq!(warn("DB_PASSWORD", value), None, "{value:?}");
    }
    // Keys about a credential, not holding one.
    assert_eq!(warn("TOKEN_URL", "https://auth.example.com/oauth/token"), None);
    assert_eq!(warn("SECRET_NAME", "prod-db"), None);
    assert_eq!(warn("PASSWORD_FILE", "/run/secrets/db"), None);
    assert_eq!(warn("MAX_TOKENS", "4096"), None);
    assert_eq!(warn("TOKENIZER", "gpt2"), None);
    assert_eq!(warn("TOKEN_TTL", "3600"), None);
    // `_KEY` alone needs a token-like value.
    assert_eq!(warn("PARTITION_KEY", "event_date"), None);
    assert_eq!(warn("S3_KEY", "exports/2024/01/file.parquet"), None);
    assert_eq!(warn("CACHE_KEY", "v2"), None);
    assert_eq!(
        warn("ENCRYPTION_KEY", "d41d8cd98f00b204e9800998ecf8427e"),
        Some(lint::BY_NAME)
    );
    assert_eq!(
        warn("DATADOG_KEY", "d41d8cd98f00b204e9800998ecf8427e"),
        Some(lint::BY_NAME)
    );
}

#[test]
fn one_warning_per_key_in_key_order() {
    let mut config = IndexMap::new();
    config.insert("REGION".to_string(), "eu-central-1".to_string());
    config.insert("DB_PASSWORD".to_string(), "postgres://u:p4ss@h/db".to_string());
    config.insert("AWS_KEY_ID".to_string(), "AKIAIOSFODNN7EXAMPLE".to_string());
    config.insert("LIMIT".to_string(), "1000".to_string());
    let warnings = credential_warnings(&config);
    assert_eq!(
        warnings,
        vec![
            ConfigWarning {
                key: "DB_PASSWORD".into(),
                looks_like: lint::URL_WITH_PASSWORD
            },
            ConfigWarning {
                key: "AWS_KEY_ID".into(),
                looks_like: lint::AWS_ACCESS_KEY_ID
            },
        ]
    );
    assert!(credential_warnings(&IndexMap::new()).is_empty());
}

#[test]
fn display_names_the_key_never_the_value() {
    let values = [
        "AKIAIOSFODNN7EXAMPLE",
        "postgres://app:hunter2@db/prod",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "ghp_1a2B3c4D5e6F7g8H9i0J1k2L3m4N5o6P7q8R",
        "hunter2-Prod",
    ];
    for value in values {
        let mut config = IndexMap::new();
        config.insert("MY_API_TOKEN".to_string(), value.to_string());
        let warnings = credential_warnings(&config);
        assert_eq!(warnings.len(), 1, "{value}");
        let text = warnings[0].to_string();
        assert!(text.contains("'MY_API_TOKEN'"), "{text}");
        assert!(text.contains(warnings[0].looks_like), "{text}");
        assert!(!text.contains(value), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(!format!("{:?}", warnings[0]).contains(value));
    }
}

proptest::proptest! {
    /// Any key and value, including non-ASCII text, gives at most one warning and no panic.
    #[test]
    fn never_panics(key in "\\PC{0,24}", value in "\\PC{0,200}") {
        let w = lint::credential_warning(&key, &value);
        if let Some(w) = w {
            proptest::prop_assert_eq!(w.key, key);
        }
    }
}

/// Random alphanumeric tokens are caught by entropy (deterministic pseudo-random sample).
#[test]
fn random_tokens_warn() {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for len in [32usize, 40, 64] {
        let (mut tried, mut caught) = (0, 0);
        for _ in 0..2000 {
            let token: String = (0..len)
                .map(|_| char::from(ALPHABET[(next() % ALPHABET.len() as u64) as usize]))
                .collect();
            let has = |f: fn(&char) -> bool| token.chars().any(|c| f(&c));
            if !(has(char::is_ascii_uppercase) && has(char::is_ascii_lowercase) && has(char::is_ascii_digit)) {
                continue;
            }
            tried += 1;
            if warn(PLAIN_KEY, &token) == Some(lint::HIGH_ENTROPY) {
                caught += 1;
            }
        }
        assert!(caught * 1000 >= tried * 995, "len {len}: caught {caught} of {tried}");
    }
}
