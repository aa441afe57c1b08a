//! Where flight runs and DuckDB engines may connect: [`NetPolicy`].
//!
//! A member's SQL and a member's flight run on the server's machine, so without a rule they
//! could read what only that machine can reach: a cloud's instance metadata service
//! (`169.254.169.254`, `fd00:ec2::254`, with the instance role's credentials) and coffer's
//! own listeners (its API on loopback). The policy denies those ranges
//! ([`METADATA_RANGES`]) and coffer's listener ports ([`NetPolicy::with_listener`]), unless
//! the machine's owner allows a range (`--allow-network CIDR`, [`NetPolicy::with_allow`]).
//!
//! [`NetPolicy::check`] decides one address (IPv4-mapped and NAT64 forms of an IPv4 address
//! are judged as that IPv4 address). It is applied twice: to the endpoints a secret names,
//! when the secret is created ([`check_secret`], resolving host names), and to every TCP
//! connection a run or engine opens (coffer-sandbox's connection supervisor), which is what
//! holds against DNS rebinding and addresses built at run time.

use crate::error::ModelError;
use crate::validate::{FieldValue, SecretFields, SensitiveValue};
use ipnet::IpNet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};

/// Ranges no run or engine may reach unless allowed: IPv4 link-local (every cloud's metadata
/// service, 169.254.169.254, and AWS's 169.254.170.2 container credentials), AWS's IPv6
/// metadata address, IPv6 link-local.
pub const METADATA_RANGES: &[&str] = &["169.254.0.0/16", "fd00:ec2::254/128", "fe80::/10"];

/// The network rule of runs and engines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetPolicy {
    /// Ranges no connection may reach.
    pub deny: Vec<IpNet>,
    /// Ports no connection may reach on a range: coffer's own listeners.
    pub deny_ports: Vec<(IpNet, u16)>,
    /// Ranges the machine's owner allowed: they win over both lists above.
    pub allow: Vec<IpNet>,
}

impl Default for NetPolicy {
    fn default() -> Self {
        NetPolicy::standard()
    }
}

/// Why an address is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The address is in a denied range.
    Range(IpNet),
    /// The address and port are one of coffer's own listeners.
    Listener(u16),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Range(net) => write!(
                f,
                "it is in {net} (cloud metadata and link-local addresses), which runs and engines may not reach"
            ),
            Refusal::Listener(port) => write!(
                f,
                "it is coffer's own listener (port {port} on this machine), which runs and engines may not reach"
            ),
        }
    }
}

/// Parses `CIDR` or a bare address (a /32 or /128).
///
/// # Errors
/// A message naming what was wrong.
pub fn parse_net(s: &str) -> Result<IpNet, String> {
    let s = s.trim();
    if let Ok(net) = s.parse::<IpNet>() {
        return Ok(net.trunc());
    }
    s.parse::<IpAddr>()
        .map(IpNet::from)
        .map_err(|_| format!("'{s}' is not an address range: write it as CIDR, e.g. 10.0.0.0/8 or fd00::/8"))
}

/// The IPv4 address an IPv6 address stands for: IPv4-mapped (`::ffff:a.b.c.d`) and the NAT64
/// well-known prefix (`64:ff9b::/96`).
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return Some(v4);
    }
    let s = ip.segments();
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
        let o = ip.octets();
        return Some(Ipv4Addr::new(o[12], o[13], o[14], o[15]));
    }
    None
}

/// Whether an address means "this machine" whatever port: loopback or unspecified.
fn is_local(ip: IpAddr) -> bool {
    ip.is_loopback() || ip.is_unspecified()
}

impl NetPolicy {
    /// [`METADATA_RANGES`] denied, no listener, nothing allowed.
    pub fn standard() -> NetPolicy {
        NetPolicy {
            deny: METADATA_RANGES.iter().filter_map(|r| r.parse::<IpNet>().ok()).collect(),
            deny_ports: Vec::new(),
            allow: Vec::new(),
        }
    }

    /// Denies one of coffer's listeners: its port on its address, and when that address is
    /// loopback or unspecified (`0.0.0.0`, `::`), on every loopback and unspecified address and
    /// on `local_addrs` (this machine's interface addresses).
    pub fn with_listener(mut self, addr: SocketAddr, local_addrs: &[IpAddr]) -> NetPolicy {
        let port = addr.port();
        let mut nets: Vec<IpNet> = vec![IpNet::from(addr.ip())];
        // connect() to 0.0.0.0 or :: reaches this machine's listeners too.
        for any in [IpAddr::V4(Ipv4Addr::UNSPECIFIED), IpAddr::V6(Ipv6Addr::UNSPECIFIED)] {
            nets.push(IpNet::from(any));
        }
        if is_local(addr.ip()) {
            nets.extend(
                ["127.0.0.0/8", "::1/128"]
                    .iter()
                    .filter_map(|r| r.parse::<IpNet>().ok()),
            );
            nets.extend(local_addrs.iter().map(|ip| IpNet::from(*ip)));
        }
        for net in nets {
            if !self.deny_ports.contains(&(net, port)) {
                self.deny_ports.push((net, port));
            }
        }
        self
    }

    /// Allows a range (it wins over the denied ranges and listeners).
    pub fn with_allow(mut self, net: IpNet) -> NetPolicy {
        if !self.allow.contains(&net) {
            self.allow.push(net);
        }
        self
    }

    /// Whether a connection to `addr` is allowed.
    ///
    /// # Errors
    /// The [`Refusal`] that applies.
    pub fn check(&self, addr: SocketAddr) -> Result<(), Refusal> {
        let ip = addr.ip();
        let mut forms = vec![ip];
        if let IpAddr::V6(v6) = ip {
            if let Some(v4) = embedded_v4(v6) {
                forms.push(IpAddr::V4(v4));
            }
        }
        if forms.iter().any(|f| self.allow.iter().any(|n| n.contains(f))) {
            return Ok(());
        }
        for f in &forms {
            if let Some(net) = self.deny.iter().find(|n| n.contains(f)) {
                return Err(Refusal::Range(*net));
            }
            if self.deny_ports.iter().any(|(n, p)| *p == addr.port() && n.contains(f)) {
                return Err(Refusal::Listener(addr.port()));
            }
        }
        Ok(())
    }

    /// Checks every address `host` (a name or an address literal) stands for with `port`:
    /// a literal as it is, a name as `resolve` resolves it (this crate does no I/O; the
    /// caller passes [`resolve_system`] or its own). A name that does not resolve passes: the
    /// connection check applies when something connects.
    ///
    /// # Errors
    /// The first refused address and why.
    pub fn check_host(
        &self,
        host: &str,
        port: u16,
        resolve: &dyn Fn(&str, u16) -> Vec<SocketAddr>,
    ) -> Result<(), (SocketAddr, Refusal)> {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let addrs: Vec<SocketAddr> = match host.parse::<IpAddr>() {
            Ok(ip) => vec![SocketAddr::new(ip, port)],
            Err(_) => resolve(host, port),
        };
        for a in addrs {
            self.check(a).map_err(|r| (a, r))?;
        }
        Ok(())
    }

    /// The policy as the sandbox helper's arguments: `--net-deny NET`, `--net-deny-port
    /// NET@PORT`, `--net-allow NET`.
    pub fn to_args(&self) -> Vec<String> {
        let mut out = Vec::new();
        for n in &self.deny {
            out.push("--net-deny".to_string());
            out.push(n.to_string());
        }
        for (n, p) in &self.deny_ports {
            out.push("--net-deny-port".to_string());
            out.push(format!("{n}@{p}"));
        }
        for n in &self.allow {
            out.push("--net-allow".to_string());
            out.push(n.to_string());
        }
        out
    }

    /// Takes one option of [`to_args`](Self::to_args) (`option` with its `value`) into this
    /// policy; `Ok(false)` when `option` is not one of them.
    ///
    /// # Errors
    /// A malformed value.
    pub fn take_arg(&mut self, option: &str, value: &str) -> Result<bool, String> {
        match option {
            "--net-deny" => self.deny.push(parse_net(value)?),
            "--net-allow" => self.allow.push(parse_net(value)?),
            "--net-deny-port" => {
                let (net, port) = value
                    .rsplit_once('@')
                    .ok_or_else(|| format!("--net-deny-port wants NET@PORT, got '{value}'"))?;
                let port = port
                    .parse::<u16>()
                    .map_err(|_| format!("--net-deny-port: bad port in '{value}'"))?;
                self.deny_ports.push((parse_net(net)?, port));
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// The system resolver (`getaddrinfo`): every address of `host`, none when it does not
/// resolve.
pub fn resolve_system(host: &str, port: u16) -> Vec<SocketAddr> {
    (host, port).to_socket_addrs().map(|a| a.collect()).unwrap_or_default()
}

/// A host and port taken from a field value: `host`, `host:port`, `[v6]:port`, or a URL
/// `scheme://[user@]host[:port][/...]`; `default_port` when none is written (80 for `http`
/// URLs, 443 for `https`).
pub fn host_port(value: &str, default_port: u16) -> Option<(String, u16)> {
    let value = value.trim();
    let (rest, default_port) = match value.split_once("://") {
        Some((scheme, rest)) => {
            let port = match scheme.to_ascii_lowercase().as_str() {
                "http" | "ws" => 80,
                "https" | "wss" => 443,
                _ => default_port,
            };
            (rest, port)
        }
        None => (value, default_port),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if authority.is_empty() {
        return None;
    }
    if let Some(v6) = authority.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().ok()?,
            None => default_port,
        };
        return Some((host.to_string(), port));
    }
    match authority.rsplit_once(':') {
        // More than one ':' without brackets: a bare IPv6 address.
        Some((h, _)) if h.contains(':') => Some((authority.to_string(), default_port)),
        Some((h, p)) => Some((h.to_string(), p.parse().ok()?)),
        None => Some((authority.to_string(), default_port)),
    }
}

/// The network endpoints a secret's fields name: `(field, host, port)`. S3-style `endpoint`
/// (port 443, or 80 with `use_ssl false`), `http_proxy`, Azure's `endpoint` and the
/// `*Endpoint=` parts of its `connection_string`, PostgreSQL and MySQL `host`/`port` (and
/// PostgreSQL's `hostaddr` and a `uri` URL), the LLM
/// types' `base_url` and `api_url`. A host that is a path (a Unix socket) is no endpoint.
pub fn endpoints(ty: &str, fields: &SecretFields) -> Vec<(String, String, u16)> {
    let text = |name: &str| match fields.public.get(name) {
        Some(FieldValue::Text(s)) => Some(s.clone()),
        _ => None,
    };
    let use_ssl = !matches!(fields.public.get("use_ssl"), Some(FieldValue::Bool(false)));
    let mut out = Vec::new();
    let mut push = |field: &str, value: &str, default_port: u16| {
        if let Some((host, port)) = host_port(value, default_port) {
            if !host.starts_with('/') && !host.is_empty() {
                out.push((field.to_string(), host, port));
            }
        }
    };
    if let Some(e) = text("endpoint") {
        push("endpoint", &e, if use_ssl { 443 } else { 80 });
    }
    if let Some(p) = text("http_proxy") {
        push("http_proxy", &p, 80);
    }
    for field in ["base_url", "api_url"] {
        if let Some(u) = text(field) {
            push(field, &u, 443);
        }
    }
    if matches!(ty, "postgres" | "mysql") {
        let default = if ty == "postgres" { 5432 } else { 3306 };
        // PORT is stored unchecked, as DuckDB stores it: one that is no port leaves the default.
        let port = match fields.public.get("port") {
            Some(FieldValue::Int(p)) => u16::try_from(*p).unwrap_or(default),
            Some(FieldValue::Text(t)) => t.trim().parse().unwrap_or(default),
            _ => default,
        };
        if let Some(h) = text("host") {
            push("host", &h, port);
        }
        // libpq connects to HOSTADDR (an IP address) instead of resolving HOST, and URI is a
        // whole connection string (postgresql://user:pw@host:port/db).
        if ty == "postgres" {
            if let Some(h) = text("hostaddr") {
                push("hostaddr", &h, port);
            }
            if let Some(SensitiveValue::Text(uri)) = fields.sensitive.get("uri") {
                if uri.expose_secret().contains("://") {
                    push("uri", uri.expose_secret(), port);
                }
            }
        }
    }
    if let Some(SensitiveValue::Text(cs)) = fields.sensitive.get("connection_string") {
        for part in cs.expose_secret().split(';') {
            if let Some((k, v)) = part.split_once('=') {
                if k.trim().to_ascii_lowercase().ends_with("endpoint") {
                    push("connection_string", v, 443);
                }
            }
        }
    }
    out
}

/// Refuses a secret whose endpoints resolve (with `resolve`, see
/// [`NetPolicy::check_host`]) to an address `policy` denies, naming the field (and, for
/// public fields, the host) and the rule.
///
/// # Errors
/// [`ModelError::InvalidValue`] for the first refused endpoint.
pub fn check_secret(
    policy: &NetPolicy,
    ty: &str,
    fields: &SecretFields,
    resolve: &dyn Fn(&str, u16) -> Vec<SocketAddr>,
) -> Result<(), ModelError> {
    for (field, host, port) in endpoints(ty, fields) {
        if let Err((addr, why)) = policy.check_host(&host, port, resolve) {
            let sensitive = fields.sensitive.contains_key(&field);
            return Err(ModelError::InvalidValue {
                ty: ty.to_string(),
                field,
                rule: format!(
                    "{}{addr} is refused: {why}; the machine's owner can allow a range with `--allow-network CIDR` (on `coffer serve`, or on the command that runs it)",
                    if sensitive { "an endpoint resolves to ".to_string() } else { format!("{host} resolves to ") },
                ),
                shown: String::new(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sa(s: &str) -> SocketAddr {
        s.parse().expect("socket address")
    }

    #[test]
    fn metadata_addresses_are_refused_in_every_form() {
        let p = NetPolicy::standard();
        for a in [
            "169.254.169.254:80",
            "169.254.170.2:80",
            "[fd00:ec2::254]:80",
            "[fe80::1]:80",
            "[::ffff:169.254.169.254]:80",
            "[64:ff9b::a9fe:a9fe]:80",
        ] {
            assert!(matches!(p.check(sa(a)), Err(Refusal::Range(_))), "{a}");
        }
        for a in ["127.0.0.1:8080", "10.0.0.2:443", "[2001:db8::1]:443", "52.216.1.1:443"] {
            assert_eq!(p.check(sa(a)), Ok(()), "{a}");
        }
    }

    #[test]
    fn listeners_are_refused_on_every_local_address() {
        let p = NetPolicy::standard().with_listener(sa("127.0.0.1:8443"), &["10.1.2.3".parse().expect("ip")]);
        for a in [
            "127.0.0.1:8443",
            "127.0.0.2:8443",
            "0.0.0.0:8443",
            "[::1]:8443",
            "[::ffff:127.0.0.1]:8443",
            "10.1.2.3:8443",
        ] {
            assert_eq!(p.check(sa(a)), Err(Refusal::Listener(8443)), "{a}");
        }
        assert_eq!(p.check(sa("127.0.0.1:8444")), Ok(()));
        assert_eq!(p.check(sa("10.1.2.4:8443")), Ok(()));
        let specific = NetPolicy::standard().with_listener(sa("10.1.2.3:9000"), &[]);
        assert_eq!(specific.check(sa("10.1.2.3:9000")), Err(Refusal::Listener(9000)));
        assert_eq!(specific.check(sa("127.0.0.1:9000")), Ok(()));
    }

    #[test]
    fn allowed_ranges_win() {
        let p = NetPolicy::standard().with_allow(parse_net("169.254.170.2").expect("net"));
        assert_eq!(p.check(sa("169.254.170.2:80")), Ok(()));
        assert!(p.check(sa("169.254.169.254:80")).is_err());
    }

    #[test]
    fn args_round_trip() {
        let p = NetPolicy::standard()
            .with_listener(sa("[::]:8080"), &["192.168.1.5".parse().expect("ip")])
            .with_allow(parse_net("10.0.0.0/8").expect("net"));
        let args = p.to_args();
        let mut back = NetPolicy {
            deny: vec![],
            deny_ports: vec![],
            allow: vec![],
        };
        for pair in args.chunks(2) {
            assert_eq!(back.take_arg(&pair[0], &pair[1]), Ok(true));
        }
        assert_eq!(back, p);
        assert!(back.take_arg("--net-deny-port", "10.0.0.0/8").is_err());
        assert!(back.take_arg("--net-deny", "nonsense").is_err());
        assert_eq!(back.take_arg("--read", "/x"), Ok(false));
    }

    #[test]
    fn host_port_reads_urls_and_endpoints() {
        assert_eq!(
            host_port("s3.amazonaws.com", 443),
            Some(("s3.amazonaws.com".into(), 443))
        );
        assert_eq!(host_port("localhost:9000", 443), Some(("localhost".into(), 9000)));
        assert_eq!(
            host_port("http://169.254.169.254/latest", 443),
            Some(("169.254.169.254".into(), 80))
        );
        assert_eq!(
            host_port("https://u:p@example.com:8443/x", 80),
            Some(("example.com".into(), 8443))
        );
        assert_eq!(host_port("[fd00:ec2::254]:80", 443), Some(("fd00:ec2::254".into(), 80)));
        assert_eq!(host_port("fd00:ec2::254", 443), Some(("fd00:ec2::254".into(), 443)));
        assert_eq!(host_port("", 443), None);
        assert_eq!(host_port("host:notaport", 443), None);
    }

    #[test]
    fn secrets_pointing_at_metadata_are_refused() {
        let v = crate::validate::validate(
            "s3",
            None,
            vec![],
            vec![
                (
                    "key_id".into(),
                    crate::validate::InputValue::Text(coffer_crypto::SecretString::new("AKIA".into())),
                ),
                (
                    "secret".into(),
                    crate::validate::InputValue::Text(coffer_crypto::SecretString::new("x".into())),
                ),
                (
                    "region".into(),
                    crate::validate::InputValue::Text(coffer_crypto::SecretString::new("us-east-1".into())),
                ),
                (
                    "endpoint".into(),
                    crate::validate::InputValue::Text(coffer_crypto::SecretString::new("169.254.169.254".into())),
                ),
            ],
        )
        .expect("valid");
        let e = check_secret(&NetPolicy::standard(), "s3", &v.fields, &|_, _| Vec::new()).expect_err("refused");
        let msg = e.to_string();
        assert!(
            msg.contains("field 'endpoint'") && msg.contains("169.254.0.0/16"),
            "{msg}"
        );
        assert!(msg.contains("--allow-network"), "{msg}");
    }

    #[test]
    fn postgres_hostaddr_uri_and_a_text_port_are_endpoints() {
        let text = |v: &str| crate::validate::InputValue::Text(coffer_crypto::SecretString::new(v.into()));
        let pg = |inputs: Vec<(&str, crate::validate::InputValue)>| {
            let inputs = inputs.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
            crate::validate::validate("postgres", None, vec![], inputs)
                .expect("valid")
                .fields
        };
        let f = pg(vec![
            ("host", text("db.example.com")),
            ("port", text("6543")),
            ("hostaddr", text("10.0.0.7")),
            ("uri", text("postgresql://u:pw@169.254.169.254:5433/app")),
        ]);
        assert_eq!(
            endpoints("postgres", &f),
            vec![
                ("host".to_string(), "db.example.com".to_string(), 6543),
                ("hostaddr".to_string(), "10.0.0.7".to_string(), 6543),
                ("uri".to_string(), "169.254.169.254".to_string(), 5433),
            ]
        );
        let e = check_secret(&NetPolicy::standard(), "postgres", &f, &|_, _| Vec::new()).expect_err("refused");
        let msg = e.to_string();
        assert!(msg.contains("field 'uri'") && !msg.contains("pw"), "{msg}");
        // A PORT that is no port (stored as given, as DuckDB does) leaves the default.
        let f = pg(vec![("host", text("db")), ("port", text("abc"))]);
        assert_eq!(
            endpoints("postgres", &f),
            vec![("host".to_string(), "db".to_string(), 5432)]
        );
    }
}
