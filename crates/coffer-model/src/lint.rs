//! Warnings for config values that look like credentials (seed 003: config is not secret,
//! "anyone who can read the Flight can read those values"). A warning names the key and what
//! it looks like, never the value.
//!
//! What is checked, first match wins, at most one warning per key:
//!
//! 1. The value holds a known credential shape: a private key block (`-----BEGIN ... PRIVATE
//!    KEY-----`), an AWS access key id (`AKIA`/`ASIA` and 16 upper-case letters or digits), a
//!    URL with a password (`scheme://user:pass@host`), a JWT (three base64url parts, the first
//!    starting `eyJ`), or a token with a well-known prefix (GitHub `ghp_`/`github_pat_`, GitLab
//!    `glpat-`, Slack `xox?-`, Stripe `sk_live_`, OpenAI-style `sk-`, Hugging Face `hf_`,
//!    Google `AIza`).
//! 2. The value holds a long random-looking token: 32 characters or more without whitespace,
//!    made of base64/base64url characters only, with upper-case letters, lower-case letters
//!    and digits, Shannon entropy of at least 3.5 bits per character, few separators, and a
//!    character class that changes often (random text changes class at about 60% of its
//!    characters, words and paths at under 30%). This keeps paths, URLs, dotted class names,
//!    timestamps and SQL quiet.
//!    Hex-only strings (lower-case hex and dashes: UUIDs, git commit ids, checksums) do not
//!    warn by value: they are far more often ids and hashes than credentials. A hex token
//!    under a credential name still warns through rule 3.
//! 3. The key is a credential name (`PASSWORD`, `SECRET`, `TOKEN`, `API_KEY`, `PRIVATE_KEY`,
//!    `ACCESS_KEY`, `CREDENTIALS`, ..., also inside camel case such as `dbPassword`) and the
//!    value is set and not a placeholder (`${VAR}`, `<your-token>`, `***`, `changeme`, a
//!    reference such as `op://...` or `arn:...`). A key that merely ends in `_KEY`
//!    (`PARTITION_KEY`, `S3_KEY`) only warns when its value is token-like (16 characters or
//!    more of base64 or hex with letters and digits, not a path or file name). Keys about a
//!    credential rather than holding one (`TOKEN_URL`, `SECRET_NAME`, `PASSWORD_FILE`,
//!    `MAX_TOKENS`) do not warn by name.

use indexmap::IndexMap;

/// One warning: the key and what its value looks like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigWarning {
    /// The config key.
    pub key: String,
    /// What the value looks like (`an AWS access key id`).
    pub looks_like: &'static str,
}

impl std::fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "config key '{}' looks like {}; config values are readable by anyone who can read the flight: store it as a secret (type flights) and attach it to the flight",
            self.key, self.looks_like
        )
    }
}

/// What a private key block looks like.
pub const PRIVATE_KEY: &str = "a private key";
/// What an AWS access key id looks like.
pub const AWS_ACCESS_KEY_ID: &str = "an AWS access key id";
/// What a URL with a password looks like.
pub const URL_WITH_PASSWORD: &str = "a URL with a password";
/// What a JSON Web Token looks like.
pub const JWT: &str = "a JSON Web Token";
/// What a GitHub token looks like.
pub const GITHUB_TOKEN: &str = "a GitHub token";
/// What a GitLab token looks like.
pub const GITLAB_TOKEN: &str = "a GitLab token";
/// What a Slack token looks like.
pub const SLACK_TOKEN: &str = "a Slack token";
/// What a Stripe key looks like.
pub const STRIPE_KEY: &str = "a Stripe secret key";
/// What an OpenAI-style (`sk-`) key looks like.
pub const OPENAI_KEY: &str = "an OpenAI-style API key";
/// What a Hugging Face token looks like.
pub const HUGGINGFACE_TOKEN: &str = "a Hugging Face token";
/// What a Google API key looks like.
pub const GOOGLE_API_KEY: &str = "a Google API key";
/// What a long random token looks like.
pub const HIGH_ENTROPY: &str = "a random token (high entropy)";
/// What a value under a credential name looks like.
pub const BY_NAME: &str = "a credential (by its name)";

/// The warnings for a config map, in key order.
pub fn credential_warnings(config: &IndexMap<String, String>) -> Vec<ConfigWarning> {
    config.iter().filter_map(|(k, v)| credential_warning(k, v)).collect()
}

/// The warning for one config entry, if its value looks like a credential.
pub fn credential_warning(key: &str, value: &str) -> Option<ConfigWarning> {
    looks_like(key, value).map(|looks_like| ConfigWarning {
        key: key.to_string(),
        looks_like,
    })
}

fn looks_like(key: &str, value: &str) -> Option<&'static str> {
    if value.trim().is_empty() {
        return None;
    }
    if has_private_key(value) {
        return Some(PRIVATE_KEY);
    }
    if has_aws_key_id(value) {
        return Some(AWS_ACCESS_KEY_ID);
    }
    if has_url_password(value) {
        return Some(URL_WITH_PASSWORD);
    }
    if has_jwt(value) {
        return Some(JWT);
    }
    if let Some(kind) = known_prefix(value) {
        return Some(kind);
    }
    if has_high_entropy_token(value) {
        return Some(HIGH_ENTROPY);
    }
    if credential_by_name(key, value) {
        return Some(BY_NAME);
    }
    None
}

// ---- shapes -------------------------------------------------------------------------------

fn has_private_key(value: &str) -> bool {
    let mut rest = value;
    while let Some(i) = rest.find("-----BEGIN ") {
        let after = &rest[i + "-----BEGIN ".len()..];
        let header = after.find("-----").map_or(after, |end| &after[..end]);
        if header.contains("PRIVATE KEY") {
            return true;
        }
        rest = after;
    }
    false
}

/// Whether the character before byte `i` of `s` ends a word (or `i` is the start).
fn boundary_before(s: &str, i: usize) -> bool {
    s[..i].chars().next_back().is_none_or(|c| !c.is_ascii_alphanumeric())
}

fn has_aws_key_id(value: &str) -> bool {
    let bytes = value.as_bytes();
    (0..bytes.len()).any(|i| {
        (bytes[i..].starts_with(b"AKIA") || bytes[i..].starts_with(b"ASIA"))
            && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric())
            && bytes.len() >= i + 20
            && bytes[i + 4..i + 20]
                .iter()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            && bytes.get(i + 20).is_none_or(|b| !b.is_ascii_alphanumeric())
    })
}

fn has_url_password(value: &str) -> bool {
    let mut search = 0;
    while let Some(found) = value[search..].find("://") {
        let at = search + found;
        search = at + 3;
        let scheme_start = value[..at]
            .char_indices()
            .rev()
            .take_while(|(_, c)| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'))
            .last()
            .map_or(at, |(i, _)| i);
        let scheme = &value[scheme_start..at];
        if !scheme.starts_with(|c: char| c.is_ascii_alphabetic()) {
            continue;
        }
        let rest = &value[search..];
        let authority = rest
            .find(|c: char| matches!(c, '/' | '?' | '#') || c.is_whitespace())
            .map_or(rest, |end| &rest[..end]);
        let Some((userinfo, host)) = authority.rsplit_once('@') else {
            continue;
        };
        let Some((_, password)) = userinfo.split_once(':') else {
            continue;
        };
        if !host.is_empty() && !password.is_empty() && !is_placeholder(password) {
            return true;
        }
    }
    false
}

fn is_b64url(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// Maximal runs of base64url characters and dots.
fn dotted_runs(value: &str) -> impl Iterator<Item = &str> {
    value
        .split(|c: char| !(is_b64url(c) || c == '.'))
        .filter(|r| !r.is_empty())
}

fn has_jwt(value: &str) -> bool {
    dotted_runs(value).any(|run| {
        let parts: Vec<&str> = run.split('.').collect();
        parts.len() == 3
            && parts[0].starts_with("eyJ")
            && parts[0].len() >= 10
            && parts[1].len() >= 10
            && parts.iter().all(|p| p.chars().all(is_b64url))
    })
}

/// Prefix, shortest body, characters allowed in the body, and what it looks like.
type Prefix = (&'static str, usize, fn(char) -> bool, &'static str);

fn alnum(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

fn alnum_underscore(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn alnum_dash(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-'
}

const PREFIXES: &[Prefix] = &[
    ("github_pat_", 22, alnum_underscore, GITHUB_TOKEN),
    ("ghp_", 30, alnum, GITHUB_TOKEN),
    ("gho_", 30, alnum, GITHUB_TOKEN),
    ("ghu_", 30, alnum, GITHUB_TOKEN),
    ("ghs_", 30, alnum, GITHUB_TOKEN),
    ("ghr_", 30, alnum, GITHUB_TOKEN),
    ("glpat-", 20, is_b64url, GITLAB_TOKEN),
    ("xoxb-", 10, alnum_dash, SLACK_TOKEN),
    ("xoxp-", 10, alnum_dash, SLACK_TOKEN),
    ("xoxa-", 10, alnum_dash, SLACK_TOKEN),
    ("xoxr-", 10, alnum_dash, SLACK_TOKEN),
    ("xoxs-", 10, alnum_dash, SLACK_TOKEN),
    ("xapp-", 10, alnum_dash, SLACK_TOKEN),
    ("sk_live_", 16, alnum, STRIPE_KEY),
    ("rk_live_", 16, alnum, STRIPE_KEY),
    ("sk_test_", 16, alnum, STRIPE_KEY),
    ("rk_test_", 16, alnum, STRIPE_KEY),
    ("sk-", 20, is_b64url, OPENAI_KEY),
    ("hf_", 30, alnum, HUGGINGFACE_TOKEN),
    ("AIza", 35, is_b64url, GOOGLE_API_KEY),
];

/// Counts of (upper-case letters, lower-case letters, digits) in `s`.
fn classes(s: &str) -> (usize, usize, usize) {
    s.chars().fold((0, 0, 0), |(u, l, d), c| {
        (
            u + usize::from(c.is_ascii_uppercase()),
            l + usize::from(c.is_ascii_lowercase()),
            d + usize::from(c.is_ascii_digit()),
        )
    })
}

fn known_prefix(value: &str) -> Option<&'static str> {
    for &(prefix, min, allowed, kind) in PREFIXES {
        let mut search = 0;
        while let Some(found) = value[search..].find(prefix) {
            let at = search + found;
            search = at + prefix.len();
            if !boundary_before(value, at) || (at > 0 && value[..at].ends_with('_')) {
                continue;
            }
            let body: &str = {
                let rest = &value[search..];
                rest.find(|c: char| !allowed(c)).map_or(rest, |end| &rest[..end])
            };
            if body.len() < min {
                continue;
            }
            let (u, l, d) = classes(body);
            let kinds = usize::from(u > 0) + usize::from(l > 0) + usize::from(d > 0);
            // Random bodies mix character classes; `sk-learn-model-registry` does not.
            let needed = if prefix == "sk-" { 3 } else { 2 };
            if kinds >= needed {
                return Some(kind);
            }
        }
    }
    None
}

/// Shannon entropy of `s` in bits per character.
pub fn shannon_entropy(s: &str) -> f64 {
    let mut counts = std::collections::HashMap::<char, usize>::new();
    let mut n = 0usize;
    for c in s.chars() {
        *counts.entry(c).or_default() += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    let n = n as f64;
    counts
        .values()
        .map(|&k| {
            let p = k as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// Shortest token the entropy rule looks at.
const MIN_TOKEN_LEN: usize = 32;
/// Least entropy, in bits per character, of a token the entropy rule warns about.
const MIN_ENTROPY: f64 = 3.5;
/// Least share of characters whose class differs from the previous character's.
const MIN_CLASS_CHANGES: f64 = 0.35;
/// Largest share of non-alphanumeric characters.
const MAX_SEPARATORS: f64 = 0.15;

fn class_of(c: char) -> u8 {
    if c.is_ascii_uppercase() {
        0
    } else if c.is_ascii_lowercase() {
        1
    } else if c.is_ascii_digit() {
        2
    } else {
        3
    }
}

fn is_random_token(token: &str) -> bool {
    let len = token.chars().count();
    if len < MIN_TOKEN_LEN {
        return false;
    }
    if !token
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '_' | '-' | '.' | '~'))
    {
        return false;
    }
    let (u, l, d) = classes(token);
    if u == 0 || l == 0 || d == 0 {
        return false;
    }
    let separators = len - u - l - d;
    if separators as f64 > MAX_SEPARATORS * len as f64 {
        return false;
    }
    let changes = token
        .chars()
        .zip(token.chars().skip(1))
        .filter(|(a, b)| class_of(*a) != class_of(*b))
        .count();
    if (changes as f64) < MIN_CLASS_CHANGES * (len - 1) as f64 {
        return false;
    }
    shannon_entropy(token) >= MIN_ENTROPY
}

fn has_high_entropy_token(value: &str) -> bool {
    value
        .split(|c: char| {
            c.is_whitespace()
                || matches!(
                    c,
                    '"' | '\'' | '`' | '=' | ',' | ';' | '(' | ')' | '[' | ']' | '{' | '}' | '<' | '>'
                )
        })
        .any(is_random_token)
}

// ---- names --------------------------------------------------------------------------------

/// How strongly a key name says "credential".
#[derive(Clone, Copy, PartialEq, Eq)]
enum NameHint {
    /// `PASSWORD`, `PASSWD`: any set value.
    Password,
    /// `SECRET`, `TOKEN`, `API_KEY`, ...: a set value that is not a number or boolean.
    Credential,
    /// Ends in `_KEY`: only a token-like value.
    Key,
}

/// Segment endings that name a credential (`DBPASSWORD`, `CLIENTSECRET`, `APIKEY`).
const PASSWORD_WORDS: &[&str] = &["PASSWORD", "PASSWD", "PASSPHRASE"];
const PASSWORD_SEGMENTS: &[&str] = &["PASS", "PWD"];
const CREDENTIAL_WORDS: &[&str] = &[
    "SECRET",
    "TOKEN",
    "APIKEY",
    "PRIVATEKEY",
    "ACCESSKEY",
    "SECRETKEY",
    "CREDENTIAL",
    "CREDENTIALS",
    "BEARER",
];
/// Two segments that name a credential together (`API_KEY`).
const CREDENTIAL_PAIRS: &[(&str, &str)] = &[
    ("API", "KEY"),
    ("PRIVATE", "KEY"),
    ("ACCESS", "KEY"),
    ("SECRET", "KEY"),
    ("SIGNING", "KEY"),
    ("ENCRYPTION", "KEY"),
    ("MASTER", "KEY"),
    ("AUTH", "KEY"),
    ("CLIENT", "SECRET"),
];
/// Last segments of keys that are about a credential but do not hold one.
const META_SEGMENTS: &[&str] = &[
    "URL",
    "URI",
    "ENDPOINT",
    "FILE",
    "PATH",
    "DIR",
    "NAME",
    "ID",
    "IDS",
    "ARN",
    "REF",
    "HOST",
    "PORT",
    "TYPE",
    "MODE",
    "KIND",
    "ENABLED",
    "ENABLE",
    "DISABLED",
    "REQUIRED",
    "LENGTH",
    "LEN",
    "SIZE",
    "TTL",
    "EXPIRY",
    "EXPIRES",
    "EXPIRATION",
    "LIFETIME",
    "HEADER",
    "REGION",
    "VERSION",
    "COUNT",
    "LIMIT",
    "MAX",
    "MIN",
    "TIMEOUT",
    "FIELD",
    "FORMAT",
    "PREFIX",
    "SCOPE",
    "SCOPES",
    "ROLE",
    "USER",
    "USERNAME",
    "TOKENS",
    "TOKENIZER",
    "AUDIENCE",
    "ISSUER",
    "ALGORITHM",
    "ALG",
    "STORE",
    "PROVIDER",
    "SOURCE",
    "ENV",
    "VAR",
];

fn name_hint(key: &str) -> Option<NameHint> {
    let upper = key.to_ascii_uppercase();
    let segments: Vec<&str> = upper
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|s| !s.is_empty())
        .collect();
    let last = *segments.last()?;
    if META_SEGMENTS.contains(&last) {
        return None;
    }
    // Plural or compound words (MAX_TOKENS, TOKENIZER) are filtered by `ends_with` below.
    let ends = |words: &[&str]| segments.iter().any(|s| words.iter().any(|w| s.ends_with(w)));
    if ends(PASSWORD_WORDS) || segments.iter().any(|s| PASSWORD_SEGMENTS.contains(s)) {
        return Some(NameHint::Password);
    }
    if ends(CREDENTIAL_WORDS) || segments.windows(2).any(|w| CREDENTIAL_PAIRS.contains(&(w[0], w[1]))) {
        return Some(NameHint::Credential);
    }
    if segments.len() > 1 && last == "KEY" {
        return Some(NameHint::Key);
    }
    None
}

fn is_boolean(v: &str) -> bool {
    ["true", "false", "yes", "no", "on", "off", "enabled", "disabled"]
        .iter()
        .any(|b| v.eq_ignore_ascii_case(b))
}

fn is_number(v: &str) -> bool {
    v.parse::<f64>().is_ok()
}

/// Values that stand in for a credential rather than being one.
fn is_placeholder(v: &str) -> bool {
    let v = v.trim();
    if v.is_empty() {
        return true;
    }
    let lower = v.to_ascii_lowercase();
    if (v.starts_with("${") && v.ends_with('}'))
        || (v.starts_with("{{") && v.ends_with("}}"))
        || (v.starts_with("$(") && v.ends_with(')'))
        || (v.starts_with('<') && v.ends_with('>'))
        || (v.starts_with('%') && v.ends_with('%') && v.len() > 2)
    {
        return true;
    }
    if let Some(var) = v.strip_prefix('$') {
        if !var.is_empty() && var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return true;
        }
    }
    if v.chars()
        .all(|c| matches!(c, '*' | 'x' | 'X' | '.' | '-' | '_' | '#' | '?'))
    {
        return true;
    }
    const WORDS: &[&str] = &[
        "none",
        "null",
        "nil",
        "n/a",
        "na",
        "tbd",
        "todo",
        "changeme",
        "change-me",
        "change_me",
        "placeholder",
        "redacted",
        "secret",
        "password",
        "token",
        "example",
        "dummy",
        "unset",
        "empty",
        "default",
    ];
    if WORDS.contains(&lower.as_str()) {
        return true;
    }
    if lower.starts_with("your") || lower.starts_with("<your") || lower.starts_with("insert") {
        return true;
    }
    // References to where the credential really lives.
    const REFS: &[&str] = &[
        "arn:",
        "op://",
        "vault:",
        "vault://",
        "secret:",
        "secret://",
        "sm://",
        "env:",
        "file:",
        "gcpsm://",
        "projects/",
        "keyvault:",
        "azurekv://",
    ];
    REFS.iter().any(|r| lower.starts_with(r))
}

/// Whether `v` is token-like enough for a key that only ends in `_KEY`.
fn is_token_like(v: &str) -> bool {
    let len = v.chars().count();
    // Base64, base64url or hex; no dots (file names) and few slashes (paths).
    if len < 16
        || !v
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '_' | '-'))
        || v.matches('/').count() > 2
    {
        return false;
    }
    let (u, l, d) = classes(v);
    let letters = u + l;
    if letters == 0 || d == 0 {
        return false;
    }
    let others = len - letters - d;
    (others as f64) <= 0.15 * len as f64
}

fn credential_by_name(key: &str, value: &str) -> bool {
    let Some(hint) = name_hint(key) else {
        return false;
    };
    let v = value.trim();
    if is_placeholder(v) || is_boolean(v) {
        return false;
    }
    match hint {
        NameHint::Password => true,
        NameHint::Credential => !is_number(v),
        NameHint::Key => is_token_like(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_of_simple_strings() {
        assert_eq!(shannon_entropy(""), 0.0);
        assert_eq!(shannon_entropy("aaaa"), 0.0);
        assert!((shannon_entropy("abcd") - 2.0).abs() < 1e-9);
    }

    #[test]
    fn names() {
        assert!(name_hint("DB_PASSWORD") == Some(NameHint::Password));
        assert!(name_hint("dbPassword") == Some(NameHint::Password));
        assert!(name_hint("GITHUB_TOKEN") == Some(NameHint::Credential));
        assert!(name_hint("clientSecret") == Some(NameHint::Credential));
        assert!(name_hint("OPENAI_API_KEY") == Some(NameHint::Credential));
        assert!(name_hint("PARTITION_KEY") == Some(NameHint::Key));
        assert!(name_hint("TOKEN_URL").is_none());
        assert!(name_hint("MAX_TOKENS").is_none());
        assert!(name_hint("TOKENIZER").is_none());
        assert!(name_hint("SECRET_NAME").is_none());
        assert!(name_hint("KEY").is_none());
        assert!(name_hint("REGION").is_none());
    }
}
