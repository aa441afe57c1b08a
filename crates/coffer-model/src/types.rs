//! The secret types, their providers and fields.
//!
//! Field lists follow DuckDB's httpfs (s3, r2, gcs), azure, huggingface, postgres and mysql
//! extensions, FlockMTL (openai, ollama, azure_llm, seed 001), MotherDuck (flights, seed 003)
//! and pg_duckdb's `duckdb.secrets` table (seed 000) for what is required.

/// The kind of value a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// Any text.
    Text,
    /// Text from a fixed list (compared case-insensitively, stored as written).
    OneOf(&'static [&'static str]),
    /// `true`/`false` (also `t`/`f`, `1`/`0`, any case, as DuckDB casts text to BOOLEAN).
    Bool,
    /// A TCP port (postgres, mysql). Stored as DuckDB's postgres and mysql extensions store it,
    /// as VARCHAR and unchecked (`PORT 70000`, `PORT 'abc'`): the connection fails at ATTACH.
    /// An integer literal stays an integer; any other value is kept as written.
    Port,
    /// A map of text keys to text values (`extra_http_headers`, flights `params`).
    Map,
}

impl FieldKind {
    /// The rule as a user reads it in an error.
    pub fn rule(&self) -> String {
        match self {
            FieldKind::Text => "expected text".into(),
            FieldKind::OneOf(v) => format!("expected one of: {}", v.join(", ")),
            FieldKind::Bool => "expected a boolean (true or false)".into(),
            FieldKind::Port => "expected a port number (stored as given, checked when connecting)".into(),
            FieldKind::Map => "expected a map of text keys to text values".into(),
        }
    }

    /// A short name for listings.
    pub fn name(&self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::OneOf(_) => "choice",
            FieldKind::Bool => "boolean",
            FieldKind::Port => "port",
            FieldKind::Map => "map",
        }
    }
}

/// One field of a provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    /// Lower-case name.
    pub name: &'static str,
    /// What it holds.
    pub kind: FieldKind,
    /// Sensitive fields are encrypted, never shown, redacted in secret strings, masked in logs.
    pub sensitive: bool,
    /// The value a consumer uses when the field is not set (documentation; not stored).
    pub default: Option<&'static str>,
}

const fn f(name: &'static str) -> FieldSpec {
    FieldSpec {
        name,
        kind: FieldKind::Text,
        sensitive: false,
        default: None,
    }
}
const fn s(name: &'static str) -> FieldSpec {
    FieldSpec {
        name,
        kind: FieldKind::Text,
        sensitive: true,
        default: None,
    }
}
const fn b(name: &'static str, default: Option<&'static str>) -> FieldSpec {
    FieldSpec {
        name,
        kind: FieldKind::Bool,
        sensitive: false,
        default,
    }
}
const fn d(name: &'static str, default: &'static str) -> FieldSpec {
    FieldSpec {
        name,
        kind: FieldKind::Text,
        sensitive: false,
        default: Some(default),
    }
}
const fn map(name: &'static str, sensitive: bool) -> FieldSpec {
    FieldSpec {
        name,
        kind: FieldKind::Map,
        sensitive,
        default: None,
    }
}
const fn port(name: &'static str, default: &'static str) -> FieldSpec {
    FieldSpec {
        name,
        kind: FieldKind::Port,
        sensitive: false,
        default: Some(default),
    }
}

/// One way of creating a secret of a type (DuckDB's "provider").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProviderSpec {
    /// Lower-case name: `config`, `credential_chain`, ...
    pub name: &'static str,
    /// The fields this provider accepts.
    pub fields: &'static [FieldSpec],
    /// Alternatives of required fields: satisfied when every field of any one alternative is
    /// set. Empty: nothing is required. DuckDB's own types require nothing (DuckDB 1.5.5 takes
    /// `CREATE SECRET s (TYPE s3)`); pg_duckdb's NOT NULL columns are checked by its
    /// `duckdb.secrets` INSERT alone (coffer-sql).
    pub required: &'static [&'static [&'static str]],
}

impl ProviderSpec {
    /// The field called `name` (lower-case), if any.
    pub fn field(&self, name: &str) -> Option<&'static FieldSpec> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// A secret type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypeSpec {
    /// Lower-case name.
    pub name: &'static str,
    /// What it is for, one line.
    pub description: &'static str,
    /// Providers; the first is the default.
    pub providers: &'static [ProviderSpec],
    /// Scopes used when a secret of this type is created without one (DuckDB's defaults).
    pub default_scopes: &'static [&'static str],
    /// Whether a SCOPE given is kept. DuckDB 1.5.5's postgres and mysql extensions drop it:
    /// their secrets are listed with scope `[]` and answer every path (score 0).
    pub keeps_scope: bool,
    /// Whether DuckDB (core or an extension) knows this type, so the data plane can load it.
    pub duckdb_type: bool,
}

impl TypeSpec {
    /// The default provider.
    pub fn default_provider(&self) -> &'static ProviderSpec {
        &self.providers[0]
    }

    /// The provider called `name` (case-insensitive).
    pub fn provider(&self, name: &str) -> Option<&'static ProviderSpec> {
        let lower = name.to_ascii_lowercase();
        self.providers.iter().find(|p| p.name == lower)
    }

    /// Whether this is the free key→value `flights` type.
    pub fn is_flights(&self) -> bool {
        self.name == "flights"
    }
}

macro_rules! s3_common {
    () => {
        [
            d("region", "us-east-1"),
            f("endpoint"),
            d("url_style", "vhost"),
            b("use_ssl", Some("true")),
            b("verify_ssl", Some("true")),
            f("kms_key_id"),
            b("url_compatibility_mode", Some("false")),
            b("requester_pays", Some("false")),
            f("refresh"),
            f("http_proxy"),
            f("http_proxy_username"),
            s("http_proxy_password"),
            map("extra_http_headers", true),
        ]
    };
}

const fn concat<const A: usize, const B: usize, const N: usize>(
    a: [FieldSpec; A],
    b: [FieldSpec; B],
) -> [FieldSpec; N] {
    let mut out = [f(""); N];
    let mut i = 0;
    while i < A {
        out[i] = a[i];
        i += 1;
    }
    let mut j = 0;
    while j < B {
        out[A + j] = b[j];
        j += 1;
    }
    out
}

const S3_KEYS: [FieldSpec; 3] = [f("key_id"), s("secret"), s("session_token")];
const S3_COMMON: [FieldSpec; 13] = s3_common!();

const S3_CONFIG: [FieldSpec; 16] = concat(S3_KEYS, S3_COMMON);
/// PROVIDER credential_chain of s3, r2 and gcs: the named parameters DuckDB 1.5.5's aws
/// extension registers (aws_secret.cpp, `CreateAwsSecretFunctions::Register`). KEY_ID, SECRET
/// and SESSION_TOKEN override what the chain finds; there is no VERIFY_SSL, KMS_KEY_ID,
/// REQUESTER_PAYS or EXTRA_HTTP_HEADERS.
const S3_CHAIN: [FieldSpec; 19] = [
    f("chain"),
    f("profile"),
    f("validation"),
    f("key_id"),
    s("secret"),
    s("session_token"),
    d("region", "us-east-1"),
    f("endpoint"),
    f("url_style"),
    b("use_ssl", Some("true")),
    b("url_compatibility_mode", Some("false")),
    f("assume_role_arn"),
    f("external_id"),
    f("web_identity_token_file"),
    f("session_name"),
    f("http_proxy"),
    f("http_proxy_username"),
    s("http_proxy_password"),
    f("refresh"),
];
const R2_CONFIG: [FieldSpec; 17] = concat(S3_CONFIG, [f("account_id")]);
const R2_CHAIN: [FieldSpec; 20] = concat(S3_CHAIN, [f("account_id")]);
const GCS_CONFIG: [FieldSpec; 17] = concat(S3_CONFIG, [s("bearer_token")]);
const GCS_CHAIN: [FieldSpec; 19] = S3_CHAIN;

/// The items of a credential_chain secret's CHAIN (a `;`-separated list), as DuckDB 1.5.5's
/// aws extension reads them (aws_secret.cpp, `DuckDBCustomAWSCredentialsProviderChain`).
pub const AWS_CHAIN_ITEMS: &[&str] = &["config", "sts", "sso", "env", "instance", "process", "web_identity"];

/// The VALIDATION values of a credential_chain secret (any case), as the aws extension reads them.
pub const AWS_VALIDATION_MODES: &[&str] = &["exists", "none"];

const AZURE_COMMON: [FieldSpec; 5] = [
    f("account_name"),
    f("endpoint"),
    f("http_proxy"),
    f("proxy_user_name"),
    s("proxy_password"),
];
const AZURE_CONFIG: [FieldSpec; 6] = concat([s("connection_string")], AZURE_COMMON);
const AZURE_CHAIN: [FieldSpec; 6] = concat([f("chain")], AZURE_COMMON);
// DuckDB's azure extension redacts client_certificate_path (azure_secret.cpp).
const AZURE_SP: [FieldSpec; 9] = concat(
    [
        f("tenant_id"),
        f("client_id"),
        s("client_secret"),
        s("client_certificate_path"),
    ],
    AZURE_COMMON,
);
const AZURE_MI: [FieldSpec; 8] = concat([f("client_id"), f("object_id"), f("resource_id")], AZURE_COMMON);
const AZURE_TOKEN: [FieldSpec; 6] = concat([s("access_token")], AZURE_COMMON);

/// The libpq connection options DuckDB 1.5.5's postgres extension takes in a secret
/// (postgres_secrets.cpp `connection_option_names`, then `uri` and `aws_rds_secret`), under
/// libpq's names: `DATABASE`, `HOSTNAME` and `USERNAME` are aliases ([`field_alias`]). Sensitive
/// as DuckDB redacts them (password, sslpassword, oauth_client_secret, uri), and the SCRAM keys,
/// which DuckDB shows but which are credentials.
const POSTGRES_FIELDS: [FieldSpec; 52] = [
    d("host", "localhost"),
    f("hostaddr"),
    port("port", "5432"),
    f("dbname"),
    f("user"),
    s("password"),
    f("passfile"),
    f("require_auth"),
    f("channel_binding"),
    f("connect_timeout"),
    f("client_encoding"),
    f("options"),
    f("application_name"),
    f("fallback_application_name"),
    f("keepalives"),
    f("keepalives_idle"),
    f("keepalives_interval"),
    f("keepalives_count"),
    f("tcp_user_timeout"),
    f("replication"),
    f("gssencmode"),
    f("sslmode"),
    f("requiressl"),
    f("sslnegotiation"),
    f("sslcompression"),
    f("sslcert"),
    f("sslkey"),
    // Not `sslkeylogfile`: libpq would append TLS session keys to a file the secret's author
    // names, on the machine of whoever attaches with it (README: differences from DuckDB).
    s("sslpassword"),
    f("sslcertmode"),
    f("sslrootcert"),
    f("sslcrl"),
    f("sslcrldir"),
    f("sslsni"),
    f("requirepeer"),
    f("ssl_min_protocol_version"),
    f("ssl_max_protocol_version"),
    f("min_protocol_version"),
    f("max_protocol_version"),
    f("krbsrvname"),
    f("gsslib"),
    f("gssdelegation"),
    s("scram_client_key"),
    s("scram_server_key"),
    f("service"),
    f("target_session_attrs"),
    f("load_balance_hosts"),
    f("oauth_issuer"),
    f("oauth_client_id"),
    s("oauth_client_secret"),
    f("oauth_scope"),
    s("uri"),
    f("aws_rds_secret"),
];

/// DuckDB's `http` type (src/main/secret/default_secrets.cpp): the same fields for its
/// `config` and `env` providers.
const HTTP_FIELDS: [FieldSpec; 6] = [
    b("verify_ssl", Some("true")),
    f("http_proxy"),
    f("http_proxy_username"),
    s("http_proxy_password"),
    map("extra_http_headers", true),
    s("bearer_token"),
];

/// Every type coffer knows, in the order listings show them.
pub static TYPES: &[TypeSpec] = &[
    TypeSpec {
        name: "s3",
        description: "Amazon S3 and S3-compatible storage (DuckDB httpfs)",
        providers: &[
            ProviderSpec {
                name: "config",
                fields: &S3_CONFIG,
                required: &[],
            },
            ProviderSpec {
                name: "credential_chain",
                fields: &S3_CHAIN,
                required: &[],
            },
        ],
        default_scopes: &["s3://", "s3n://", "s3a://"],
        keeps_scope: true,
        duckdb_type: true,
    },
    TypeSpec {
        name: "r2",
        description: "Cloudflare R2 (DuckDB httpfs)",
        providers: &[
            ProviderSpec {
                name: "config",
                fields: &R2_CONFIG,
                required: &[],
            },
            ProviderSpec {
                name: "credential_chain",
                fields: &R2_CHAIN,
                required: &[],
            },
        ],
        default_scopes: &["r2://"],
        keeps_scope: true,
        duckdb_type: true,
    },
    TypeSpec {
        name: "gcs",
        description: "Google Cloud Storage through its S3 interoperability API (DuckDB httpfs)",
        providers: &[
            ProviderSpec {
                name: "config",
                fields: &GCS_CONFIG,
                required: &[],
            },
            ProviderSpec {
                name: "credential_chain",
                fields: &GCS_CHAIN,
                required: &[],
            },
        ],
        default_scopes: &["gcs://", "gs://"],
        keeps_scope: true,
        duckdb_type: true,
    },
    TypeSpec {
        name: "azure",
        description: "Azure Blob Storage and ADLS (DuckDB azure extension)",
        providers: &[
            ProviderSpec {
                name: "config",
                fields: &AZURE_CONFIG,
                required: &[],
            },
            ProviderSpec {
                name: "credential_chain",
                fields: &AZURE_CHAIN,
                required: &[],
            },
            ProviderSpec {
                name: "service_principal",
                fields: &AZURE_SP,
                required: &[],
            },
            ProviderSpec {
                name: "managed_identity",
                fields: &AZURE_MI,
                required: &[],
            },
            ProviderSpec {
                name: "access_token",
                fields: &AZURE_TOKEN,
                required: &[],
            },
        ],
        // Blob storage and ADLS Gen2, whatever the provider (DuckDB 1.5.5's azure extension).
        default_scopes: &["azure://", "az://", "abfss://", "abfs://"],
        keeps_scope: true,
        duckdb_type: true,
    },
    TypeSpec {
        name: "huggingface",
        description: "Hugging Face Hub token (hf:// paths)",
        providers: &[
            ProviderSpec {
                name: "config",
                fields: &[s("token")],
                required: &[],
            },
            ProviderSpec {
                name: "credential_chain",
                fields: &[],
                required: &[],
            },
        ],
        default_scopes: &["hf://"],
        keeps_scope: true,
        duckdb_type: true,
    },
    TypeSpec {
        name: "postgres",
        description: "PostgreSQL connection (DuckDB postgres extension)",
        providers: &[ProviderSpec {
            name: "config",
            fields: &POSTGRES_FIELDS,
            required: &[],
        }],
        default_scopes: &[],
        keeps_scope: false,
        duckdb_type: true,
    },
    TypeSpec {
        name: "mysql",
        description: "MySQL connection (DuckDB mysql extension)",
        providers: &[ProviderSpec {
            name: "config",
            fields: &[
                d("host", "localhost"),
                port("port", "3306"),
                f("user"),
                s("password"),
                f("database"),
                f("socket"),
                d("ssl_mode", "preferred"),
                f("ssl_ca"),
                f("ssl_capath"),
                f("ssl_cert"),
                f("ssl_cipher"),
                f("ssl_crl"),
                f("ssl_crlpath"),
                f("ssl_key"),
            ],
            required: &[],
        }],
        default_scopes: &[],
        keeps_scope: false,
        duckdb_type: true,
    },
    TypeSpec {
        name: "http",
        description: "HTTP(S) requests: bearer token, extra headers and proxy (DuckDB core, used by httpfs)",
        providers: &[
            ProviderSpec {
                name: "config",
                fields: &HTTP_FIELDS,
                required: &[],
            },
            ProviderSpec {
                name: "env",
                fields: &HTTP_FIELDS,
                required: &[],
            },
        ],
        default_scopes: &[],
        keeps_scope: true,
        duckdb_type: true,
    },
    TypeSpec {
        name: "openai",
        description: "OpenAI API key (FlockMTL)",
        providers: &[ProviderSpec {
            name: "config",
            fields: &[s("api_key"), f("base_url")],
            required: &[&["api_key"]],
        }],
        default_scopes: &[],
        keeps_scope: true,
        duckdb_type: false,
    },
    TypeSpec {
        name: "ollama",
        description: "Ollama API URL (FlockMTL)",
        providers: &[ProviderSpec {
            name: "config",
            fields: &[f("api_url")],
            required: &[&["api_url"]],
        }],
        default_scopes: &[],
        keeps_scope: true,
        duckdb_type: false,
    },
    TypeSpec {
        name: "azure_llm",
        description: "Azure OpenAI key, resource and API version (FlockMTL)",
        providers: &[ProviderSpec {
            name: "config",
            fields: &[s("api_key"), f("resource_name"), f("api_version")],
            required: &[&["api_key", "resource_name", "api_version"]],
        }],
        default_scopes: &[],
        keeps_scope: true,
        duckdb_type: false,
    },
    TypeSpec {
        name: "flights",
        description: "MotherDuck Flights secret: free key-value params, every value sensitive",
        providers: &[ProviderSpec {
            name: "config",
            fields: &[map("params", true)],
            required: &[&["params"]],
        }],
        default_scopes: &[],
        keeps_scope: true,
        duckdb_type: false,
    },
    TypeSpec {
        name: "generic",
        description: "one sensitive value, injected as an environment variable named after the secret",
        providers: &[ProviderSpec {
            name: "config",
            fields: &[s("value")],
            required: &[&["value"]],
        }],
        default_scopes: &[],
        keeps_scope: true,
        duckdb_type: false,
    },
];

/// Looks a type up by name, case-insensitively.
pub fn lookup(name: &str) -> Option<&'static TypeSpec> {
    let lower = name.to_ascii_lowercase();
    TYPES.iter().find(|t| t.name == lower)
}

/// The field an alias names, for a type whose DuckDB extension takes more than one name for a
/// field: postgres's `database`, `hostname` and `username` are libpq's `dbname`, `host` and
/// `user` (postgres_secrets.cpp `connection_option_aliases`). `None` when `field` (lower-case)
/// is no alias.
pub fn field_alias(ty: &str, field: &str) -> Option<&'static str> {
    match (ty, field) {
        ("postgres", "database") => Some("dbname"),
        ("postgres", "hostname") => Some("host"),
        ("postgres", "username") => Some("user"),
        _ => None,
    }
}

/// The names of every type, for error messages.
pub fn type_names() -> Vec<&'static str> {
    TYPES.iter().map(|t| t.name).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_has_a_default_provider_with_unique_fields() {
        for t in TYPES {
            assert!(!t.providers.is_empty(), "{}", t.name);
            for p in t.providers {
                let mut names: Vec<_> = p.fields.iter().map(|f| f.name).collect();
                names.sort_unstable();
                let n = names.len();
                names.dedup();
                assert_eq!(n, names.len(), "duplicate field in {}/{}", t.name, p.name);
                assert!(names.iter().all(|n| !n.is_empty()));
                for alt in p.required {
                    for r in *alt {
                        assert!(p.field(r).is_some(), "{}/{} requires unknown {r}", t.name, p.name);
                    }
                }
            }
        }
        assert_eq!(lookup("S3").map(|t| t.name), Some("s3"));
        assert_eq!(lookup("Azure_LLM").map(|t| t.name), Some("azure_llm"));
    }

    #[test]
    fn duckdb_extension_rules_in_the_table() {
        // azure: Blob storage and ADLS, every provider (DuckDB 1.5.5's azure extension).
        let azure = lookup("azure").expect("azure");
        assert_eq!(azure.default_scopes, ["azure://", "az://", "abfss://", "abfs://"]);
        let sp = azure.provider("service_principal").expect("sp");
        assert!(sp.field("client_certificate_path").expect("field").sensitive);
        // postgres and mysql drop SCOPE; postgres takes libpq's names, its aliases resolve.
        assert!(!lookup("postgres").expect("pg").keeps_scope && !lookup("mysql").expect("my").keeps_scope);
        assert!(TYPES
            .iter()
            .filter(|t| !t.keeps_scope)
            .all(|t| t.default_scopes.is_empty()));
        let pg = lookup("postgres").expect("pg").default_provider();
        for name in ["dbname", "passfile", "hostaddr", "sslmode", "uri", "aws_rds_secret"] {
            assert!(pg.field(name).is_some(), "{name}");
        }
        assert!(pg.field("database").is_none());
        for (alias, name) in [("database", "dbname"), ("hostname", "host"), ("username", "user")] {
            assert_eq!(field_alias("postgres", alias), Some(name));
            assert!(pg.field(name).is_some());
        }
        assert_eq!(field_alias("mysql", "database"), None);
        // credential_chain of s3/r2/gcs: the aws extension's parameters.
        for ty in ["s3", "r2", "gcs"] {
            let chain = lookup(ty).expect(ty).provider("credential_chain").expect("chain");
            for name in [
                "key_id",
                "secret",
                "session_token",
                "validation",
                "assume_role_arn",
                "external_id",
            ] {
                assert!(chain.field(name).is_some(), "{ty} {name}");
            }
            for name in [
                "verify_ssl",
                "kms_key_id",
                "requester_pays",
                "extra_http_headers",
                "bearer_token",
            ] {
                assert!(chain.field(name).is_none(), "{ty} {name}");
            }
            assert!(chain.field("secret").expect("secret").sensitive);
            assert!(chain.field("session_token").expect("token").sensitive);
            assert_eq!(chain.field("account_id").is_some(), ty == "r2");
        }
    }
}
