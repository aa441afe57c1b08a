//! The access-control matrix of `coffer serve`: every project endpoint, as five identities
//! holding no role, `read`, `use`, `write` and `admin` in project `own` (and nothing in
//! project `other`), on both projects. Every cell is one real HTTP request to one real
//! server; the whole matrix is printed on stderr and every mismatch is collected before the
//! test fails, so one run shows them all. Around the matrix: denials are audited (exactly one
//! `denied` event per 403, with the needed role), denied requests change nothing, no response
//! carries a value it should not, listings show only what the caller may see, and requests
//! without a valid token get 401.

mod common;

use common::server::{Answer, Server};
use common::Harness;
use serde_json::{json, Value};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

/// Every sensitive value the test stores starts with this.
const MARK: &str = "MATRIX-SECRET";
/// The projects of the matrix: the identities have roles in the first only.
const PROJECTS: [&str; 2] = ["own", "other"];
/// A user the grant and revoke cells act on (not one of the matrix identities).
const TARGET: &str = "m-target";

/// What an endpoint needs: a role in the path's project, or a superuser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Need {
    Read,
    Use,
    Write,
    Admin,
    Superuser,
}

impl Need {
    fn name(self) -> &'static str {
        match self {
            Need::Read => "read",
            Need::Use => "use",
            Need::Write => "write",
            Need::Admin => "admin",
            Need::Superuser => "superuser",
        }
    }
}

/// The endpoints of the matrix, in the order they run (the project deletion last: a server
/// that wrongly allowed it would take the matrix's project with it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ep {
    ListSecrets,
    ShowSecret,
    Which,
    Env,
    CreateSecret,
    DropSecret,
    ListMembers,
    Grant,
    Revoke,
    CreateServiceAccount,
    Audit,
    CreateProject,
    CreateUser,
    DeleteProject,
}

impl Ep {
    const ALL: [Ep; 14] = [
        Ep::ListSecrets,
        Ep::ShowSecret,
        Ep::Which,
        Ep::Env,
        Ep::CreateSecret,
        Ep::DropSecret,
        Ep::ListMembers,
        Ep::Grant,
        Ep::Revoke,
        Ep::CreateServiceAccount,
        Ep::Audit,
        Ep::CreateProject,
        Ep::CreateUser,
        Ep::DeleteProject,
    ];

    fn label(self) -> &'static str {
        match self {
            Ep::ListSecrets => "GET    {p}/secrets",
            Ep::ShowSecret => "GET    {p}/secrets/s1",
            Ep::Which => "GET    {p}/which",
            Ep::Env => "POST   {p}/env",
            Ep::CreateSecret => "POST   {p}/secrets",
            Ep::DropSecret => "DELETE {p}/secrets/NAME",
            Ep::ListMembers => "GET    {p}/members",
            Ep::Grant => "PUT    {p}/members/ID",
            Ep::Revoke => "DELETE {p}/members/ID",
            Ep::CreateServiceAccount => "POST   {p}/service-accounts",
            Ep::Audit => "GET    /v1/audit?project={p}",
            Ep::CreateProject => "POST   /v1/projects",
            Ep::CreateUser => "POST   /v1/users",
            Ep::DeleteProject => "DELETE /v1/projects/{p}",
        }
    }

    fn need(self) -> Need {
        match self {
            Ep::ListSecrets | Ep::ShowSecret | Ep::Which => Need::Read,
            Ep::Env => Need::Use,
            Ep::CreateSecret | Ep::DropSecret => Need::Write,
            Ep::ListMembers | Ep::Grant | Ep::Revoke | Ep::CreateServiceAccount | Ep::Audit => Need::Admin,
            Ep::CreateProject | Ep::CreateUser | Ep::DeleteProject => Need::Superuser,
        }
    }

    /// The project a denial's audit event names: the path's, or `-` for server-wide actions.
    fn audit_project(self, p: &str) -> String {
        if self.need() == Need::Superuser {
            "-".into()
        } else {
            p.into()
        }
    }

    /// The request of the cell `tag` (unique per identity and project) on project `p`.
    fn request(self, p: &str, tag: &str) -> (&'static str, String, Option<Value>) {
        let base = format!("/v1/projects/{p}");
        match self {
            Ep::ListSecrets => ("GET", format!("{base}/secrets"), None),
            Ep::ShowSecret => ("GET", format!("{base}/secrets/s1"), None),
            Ep::Which => (
                "GET",
                format!("{base}/which?path=s3%3A%2F%2Fmatrix-{p}%2Fdata%2Fx.parquet&type=s3"),
                None,
            ),
            Ep::Env => ("POST", format!("{base}/env"), Some(json!({"secrets": ["s1"]}))),
            Ep::CreateSecret => (
                "POST",
                format!("{base}/secrets"),
                Some(s3_body(&format!("c-{tag}"), &format!("{MARK}-{p}-c-{tag}"), p)),
            ),
            Ep::DropSecret => ("DELETE", format!("{base}/secrets/d-{tag}"), None),
            Ep::ListMembers => ("GET", format!("{base}/members"), None),
            Ep::Grant => ("PUT", format!("{base}/members/{TARGET}"), Some(json!({"role": "read"}))),
            Ep::Revoke => ("DELETE", format!("{base}/members/{TARGET}"), None),
            Ep::CreateServiceAccount => (
                "POST",
                format!("{base}/service-accounts"),
                Some(json!({"name": format!("sa-{tag}")})),
            ),
            Ep::Audit => ("GET", format!("/v1/audit?project={p}"), None),
            Ep::CreateProject => (
                "POST",
                "/v1/projects".into(),
                Some(json!({"name": format!("np-{tag}")})),
            ),
            Ep::CreateUser => ("POST", "/v1/users".into(), Some(json!({"name": format!("nu-{tag}")}))),
            Ep::DeleteProject => ("DELETE", base, None),
        }
    }
}

/// An s3 secret whose only sensitive value is `secret`.
fn s3_body(name: &str, secret: &str, p: &str) -> Value {
    json!({
        "name": name,
        "type": "s3",
        "scope": [format!("s3://matrix-{p}/")],
        "fields": {"key_id": format!("AK-{p}"), "secret": secret, "region": "eu-west-1"}
    })
}

/// One identity of the matrix.
struct Ident {
    /// Its name (`m-read`).
    name: String,
    /// Its role in `own` (none in `other`).
    role: Option<Need>,
    /// Its token.
    token: String,
}

impl Ident {
    fn short(&self) -> &'static str {
        self.role.map_or("none", Need::name)
    }

    /// Whether the matrix expects `ep` on `p` to be allowed.
    fn allowed(&self, ep: Ep, p: &str) -> bool {
        p == PROJECTS[0] && ep.need() != Need::Superuser && self.role.is_some_and(|r| r >= ep.need())
    }
}

/// One response seen, for the leak scans.
struct Seen {
    who: String,
    what: String,
    status: u16,
    /// Whether this answer may carry values: an allowed `POST own/env`.
    values_ok: bool,
    text: String,
}

/// The server, a record of every response, and the problems found so far.
struct Api<'a> {
    s: &'a Server,
    seen: RefCell<Vec<Seen>>,
    problems: RefCell<Vec<String>>,
}

impl<'a> Api<'a> {
    fn new(s: &'a Server) -> Self {
        Api {
            s,
            seen: RefCell::new(Vec::new()),
            problems: RefCell::new(Vec::new()),
        }
    }

    fn problem(&self, p: impl Into<String>) {
        self.problems.borrow_mut().push(p.into());
    }

    /// One request as `who` (its token `token`), recorded.
    fn call_as(
        &self,
        who: &str,
        token: Option<&str>,
        method: &str,
        path: &str,
        body: Option<&Value>,
        values_ok: bool,
    ) -> Answer {
        let a = self.s.request(method, path, token, body);
        self.seen.borrow_mut().push(Seen {
            who: who.to_string(),
            what: format!("{method} {path}"),
            status: a.status,
            values_ok,
            text: a.text.clone(),
        });
        a
    }

    fn call(&self, who: &Ident, method: &str, path: &str, body: Option<&Value>) -> Answer {
        self.call_as(&who.name, Some(&who.token), method, path, body, false)
    }

    /// As the bootstrap superuser.
    fn admin(&self, method: &str, path: &str, body: Option<&Value>) -> Answer {
        self.call_as("admin", Some(&self.s.admin_token), method, path, body, false)
    }

    /// As the bootstrap superuser, which must succeed (setup).
    fn admin_ok(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let a = self.admin(method, path, body);
        assert!(
            (200..300).contains(&a.status),
            "setup: {method} {path} as admin: {} {}",
            a.status,
            a.text
        );
        a.body
    }
}

/// A short, one-line view of a body for messages.
fn brief(a: &Answer) -> String {
    let t = a.text.replace('\n', " ");
    if t.chars().count() > 240 {
        format!("{}…", t.chars().take(240).collect::<String>())
    } else {
        t
    }
}

/// The `name` of every element of a JSON array.
fn names_of(v: &Value, key: &str) -> BTreeSet<String> {
    v.as_array()
        .map(|a| a.iter().filter_map(|e| e[key].as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

/// The role a denied audit event's detail names (`needs role use; purpose=env` → `use`).
fn need_of_detail(detail: &str) -> String {
    if detail.contains("needs superuser") {
        return "superuser".into();
    }
    detail
        .split("needs role ")
        .nth(1)
        .map(|r| {
            r.split(|c: char| c == ';' || c.is_whitespace())
                .next()
                .unwrap_or_default()
        })
        .unwrap_or("?")
        .to_string()
}

/// Extra checks of an allowed answer's content (beyond its status).
fn check_allowed_body(api: &Api<'_>, ep: Ep, cell: &str, a: &Answer) {
    match ep {
        Ep::ShowSecret if a.body["name"] != "s1" => {
            api.problem(format!("{cell}: shows no secret s1: {}", brief(a)));
        }
        Ep::Which if a.body["secret"]["name"] != "s1" => {
            api.problem(format!("{cell}: which_secret does not name s1: {}", brief(a)));
        }
        Ep::ListSecrets if !names_of(&a.body, "name").contains("s1") => {
            api.problem(format!("{cell}: the list lacks s1: {}", brief(a)));
        }
        Ep::Env => {
            let values: Vec<&str> = a.body["env"]
                .as_object()
                .map(|m| m.values().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if !values.contains(&"MATRIX-SECRET-own") {
                api.problem(format!(
                    "{cell}: the env answer lacks s1's value (keys: {:?})",
                    a.body["env"].as_object().map(|m| m.keys().collect::<Vec<_>>())
                ));
            }
        }
        _ => {}
    }
}

/// Creates the projects, their secrets, the identities, their grants and their tokens.
fn setup(api: &Api<'_>) -> Vec<Ident> {
    for p in PROJECTS {
        api.admin_ok("POST", "/v1/projects", Some(&json!({"name": p})));
        api.admin_ok(
            "POST",
            &format!("/v1/projects/{p}/secrets"),
            Some(&s3_body("s1", &format!("{MARK}-{p}"), p)),
        );
    }
    // A service account of `other`, which nobody of `own` may see or manage.
    api.admin_ok(
        "POST",
        "/v1/projects/other/service-accounts",
        Some(&json!({"name": "other-sa"})),
    );
    api.admin_ok("POST", "/v1/users", Some(&json!({"name": TARGET})));
    let roles = [
        None,
        Some(Need::Read),
        Some(Need::Use),
        Some(Need::Write),
        Some(Need::Admin),
    ];
    let mut idents = Vec::new();
    for role in roles {
        let name = format!("m-{}", role.map_or("none", Need::name));
        api.admin_ok("POST", "/v1/users", Some(&json!({"name": name})));
        if let Some(r) = role {
            let m = api.admin_ok(
                "PUT",
                &format!("/v1/projects/own/members/{name}"),
                Some(&json!({"role": r.name()})),
            );
            assert_eq!(m["role"], r.name(), "setup: the grant of {name}");
        }
        let t = api.admin_ok(
            "POST",
            "/v1/tokens",
            Some(&json!({"name": format!("tok-{name}"), "owner": name})),
        );
        let token = t["token"].as_str().expect("a created token is returned").to_string();
        assert_eq!(t["info"]["owner"], name.as_str(), "setup: the token's owner");
        idents.push(Ident { name, role, token });
    }
    idents
}

/// Runs every cell, checks it, and returns the table's rows and the 403 cells (for the audit
/// check): `(identity, project the event names, role needed)`.
fn run_matrix(api: &Api<'_>, idents: &[Ident]) -> (String, Vec<(String, String, String)>, [usize; 2]) {
    let mut table = String::new();
    let col = 14;
    table.push_str(&format!("{:<38}", "endpoint (needs)"));
    for p in PROJECTS {
        for who in idents {
            table.push_str(&format!("{:>col$}", format!("{}@{p}", who.short())));
        }
    }
    table.push('\n');
    let mut denials = Vec::new();
    let mut counts = [0usize; 2];
    for ep in Ep::ALL {
        let mut row = format!("{:<38}", format!("{} ({})", ep.label(), ep.need().name()));
        for p in PROJECTS {
            for who in idents {
                let tag = format!("{}-{p}", who.name);
                // Preparations, as the superuser, so an allowed cell can succeed.
                match ep {
                    Ep::DropSecret => {
                        api.admin_ok(
                            "POST",
                            &format!("/v1/projects/{p}/secrets"),
                            Some(&s3_body(&format!("d-{tag}"), &format!("{MARK}-{p}-d-{tag}"), p)),
                        );
                    }
                    Ep::Revoke => {
                        api.admin_ok(
                            "PUT",
                            &format!("/v1/projects/{p}/members/{TARGET}"),
                            Some(&json!({"role": "read"})),
                        );
                    }
                    _ => {}
                }
                let allowed = who.allowed(ep, p);
                let (method, path, body) = ep.request(p, &tag);
                let a = api.call_as(
                    &who.name,
                    Some(&who.token),
                    method,
                    &path,
                    body.as_ref(),
                    allowed && ep == Ep::Env,
                );
                let cell = format!("{method} {path} as {} ({}) on {p}", who.name, who.short());
                let mut ok = true;
                if allowed {
                    counts[0] += 1;
                    if (200..300).contains(&a.status) {
                        check_allowed_body(api, ep, &cell, &a);
                    } else {
                        ok = false;
                        api.problem(format!(
                            "{cell}: expected allowed (2xx), got {} {}",
                            a.status,
                            brief(&a)
                        ));
                    }
                } else {
                    counts[1] += 1;
                    let role = a.body["role_needed"].as_str().unwrap_or("");
                    if a.status != 403 || a.body["code"] != "forbidden" || role != ep.need().name() {
                        ok = false;
                        api.problem(format!(
                            "{cell}: expected 403 forbidden with role_needed {}, got {} {}",
                            ep.need().name(),
                            a.status,
                            brief(&a)
                        ));
                    }
                    if a.body["message"].as_str().is_none_or(str::is_empty) {
                        ok = false;
                        api.problem(format!("{cell}: a denial without a message: {}", brief(&a)));
                    }
                }
                if a.status == 403 {
                    denials.push((
                        who.name.clone(),
                        ep.audit_project(p),
                        a.body["role_needed"].as_str().unwrap_or("?").to_string(),
                    ));
                }
                let shown = match a.status {
                    403 => format!("403 {}", a.body["role_needed"].as_str().unwrap_or("?")),
                    s => s.to_string(),
                };
                let shown = if ok { shown } else { format!("!{shown}") };
                row.push_str(&format!("{shown:>col$}"));
            }
        }
        table.push_str(&row);
        table.push('\n');
    }
    (table, denials, counts)
}

/// Exactly one `denied` audit event per 403, naming the project and the role needed.
fn check_denials_audited(api: &Api<'_>, idents: &[Ident], denials: &[(String, String, String)]) {
    for who in idents {
        let mut expected: BTreeMap<(String, String), usize> = BTreeMap::new();
        for (w, p, need) in denials {
            if *w == who.name {
                *expected.entry((p.clone(), need.clone())).or_default() += 1;
            }
        }
        let a = api.admin("GET", &format!("/v1/audit?actor={}&limit=5000", who.name), None);
        if a.status != 200 {
            api.problem(format!(
                "GET /v1/audit?actor={} as admin: {} {}",
                who.name,
                a.status,
                brief(&a)
            ));
            continue;
        }
        let mut got: BTreeMap<(String, String), usize> = BTreeMap::new();
        for e in a.body.as_array().into_iter().flatten() {
            if e["result"] != "denied" {
                continue;
            }
            if e["token_name"] != format!("tok-{}", who.name).as_str() {
                api.problem(format!(
                    "a denied audit event of {} names the wrong token: {e}",
                    who.name
                ));
            }
            let project = e["project"].as_str().unwrap_or("?").to_string();
            let need = need_of_detail(e["detail"].as_str().unwrap_or(""));
            *got.entry((project, need)).or_default() += 1;
        }
        if got != expected {
            api.problem(format!(
                "denied audit events of {} by (project, role needed): expected {expected:?} (one per 403), got {got:?}",
                who.name
            ));
        }
    }
}

/// Denied requests changed nothing; allowed ones did what they said.
fn check_state_after(api: &Api<'_>, idents: &[Ident], projects_before: &BTreeSet<String>) {
    let writers: Vec<&Ident> = idents.iter().filter(|i| i.role >= Some(Need::Write)).collect();
    let mut expect_own: BTreeSet<String> = BTreeSet::from(["s1".to_string()]);
    let mut expect_other = expect_own.clone();
    for who in idents {
        if writers.iter().any(|w| w.name == who.name) {
            expect_own.insert(format!("c-{}-own", who.name));
        } else {
            expect_own.insert(format!("d-{}-own", who.name));
        }
        expect_other.insert(format!("d-{}-other", who.name));
    }
    for (p, expected) in [("own", expect_own), ("other", expect_other)] {
        let got = names_of(
            &api.admin("GET", &format!("/v1/projects/{p}/secrets"), None).body,
            "name",
        );
        if got != expected {
            api.problem(format!(
                "the secrets of {p} after the matrix: expected {expected:?}, got {got:?}"
            ));
        }
    }
    let members = |p: &str| -> BTreeMap<String, String> {
        api.admin("GET", &format!("/v1/projects/{p}/members"), None)
            .body
            .as_array()
            .into_iter()
            .flatten()
            .map(|m| {
                (
                    m["identity"].as_str().unwrap_or("?").to_string(),
                    m["role"].as_str().unwrap_or("?").to_string(),
                )
            })
            .collect()
    };
    let expect_other = BTreeMap::from([(TARGET.to_string(), "read".to_string())]);
    let got = members("other");
    if got != expect_other {
        api.problem(format!(
            "the members of other after the matrix: expected {expect_other:?}, got {got:?}"
        ));
    }
    // The admin's revoke cell ran last on own, so the target is gone there.
    let expect_own: BTreeMap<String, String> = idents
        .iter()
        .filter_map(|i| i.role.map(|r| (i.name.clone(), r.name().to_string())))
        .collect();
    let got = members("own");
    if got != expect_own {
        api.problem(format!(
            "the members of own after the matrix: expected {expect_own:?}, got {got:?}"
        ));
    }
    let projects = names_of(&api.admin("GET", "/v1/projects", None).body, "name");
    if projects != *projects_before {
        api.problem(format!(
            "the projects after the matrix: expected {projects_before:?} (as before), got {projects:?}"
        ));
    }
    let identities = names_of(&api.admin("GET", "/v1/identities", None).body, "name");
    let made: BTreeSet<String> = identities
        .into_iter()
        .filter(|n| n.starts_with("sa-") || n.starts_with("nu-"))
        .collect();
    if made != BTreeSet::from(["sa-m-admin-own".to_string()]) {
        api.problem(format!(
            "identities the matrix created: expected only sa-m-admin-own, got {made:?}"
        ));
    }
}

/// Listings show each identity only what it may see.
fn check_listings(api: &Api<'_>, idents: &[Ident]) {
    for who in idents {
        // Projects: only own, with the identity's role; nothing for the no-role identity.
        let a = api.call(who, "GET", "/v1/projects", None);
        let got: BTreeMap<String, String> = a
            .body
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| {
                (
                    p["name"].as_str().unwrap_or("?").to_string(),
                    p["role"].as_str().unwrap_or("?").to_string(),
                )
            })
            .collect();
        let expected: BTreeMap<String, String> = who
            .role
            .map(|r| BTreeMap::from([("own".to_string(), r.name().to_string())]))
            .unwrap_or_default();
        if a.status != 200 || got != expected {
            api.problem(format!(
                "GET /v1/projects as {}: expected {expected:?}, got {} {}",
                who.name,
                a.status,
                brief(&a)
            ));
        }
        // Tokens: anyone may make one for itself, and sees only its own.
        let own_name = format!("self-{}", who.name);
        let a = api.call(who, "POST", "/v1/tokens", Some(&json!({"name": own_name})));
        if a.status != 201 || a.body["info"]["owner"] != who.name.as_str() {
            api.problem(format!(
                "POST /v1/tokens (for itself) as {}: expected 201 owned by it, got {} {}",
                who.name,
                a.status,
                brief(&a)
            ));
        }
        let a = api.call(who, "GET", "/v1/tokens", None);
        let names = names_of(&a.body, "token_name");
        let owners = names_of(&a.body, "owner");
        let expected = BTreeSet::from([format!("tok-{}", who.name), own_name]);
        if a.status != 200 || names != expected || owners != BTreeSet::from([who.name.clone()]) {
            api.problem(format!(
                "GET /v1/tokens as {}: expected only its own tokens {expected:?}, got {} {}",
                who.name,
                a.status,
                brief(&a)
            ));
        }
        if a.text.contains("coffer_") {
            api.problem(format!("GET /v1/tokens as {} shows a token itself", who.name));
        }
        // Identities: itself, plus the service accounts of own for its admin; never other's.
        let a = api.call(who, "GET", "/v1/identities", None);
        let got = names_of(&a.body, "name");
        let mut expected = BTreeSet::from([who.name.clone()]);
        if who.role == Some(Need::Admin) {
            expected.insert("sa-m-admin-own".into());
        }
        if a.status != 200 || got != expected {
            api.problem(format!(
                "GET /v1/identities as {}: expected {expected:?}, got {} {}",
                who.name,
                a.status,
                brief(&a)
            ));
        }
    }
}

/// Service accounts have no role until granted; tokens cannot be made for someone else.
fn check_service_accounts_and_tokens(api: &Api<'_>, idents: &[Ident]) {
    let by_role = |r: Need| {
        idents
            .iter()
            .find(|i| i.role == Some(r))
            .expect("every role has an identity")
    };
    let (reader, admin) = (by_role(Need::Read), by_role(Need::Admin));
    // Made by own's admin: a service account of own, with a token its admin may create.
    let a = api.call(
        admin,
        "POST",
        "/v1/projects/own/service-accounts",
        Some(&json!({"name": "fresh-sa"})),
    );
    if a.status != 201 || a.body["kind"] != "service_account" || a.body["project"] != "own" {
        api.problem(format!("creating fresh-sa as own's admin: {} {}", a.status, brief(&a)));
        return;
    }
    let a = api.call(
        admin,
        "POST",
        "/v1/tokens",
        Some(&json!({"name": "tok-fresh-sa", "owner": "fresh-sa"})),
    );
    let Some(sa_token) = a.body["token"].as_str().map(str::to_string) else {
        api.problem(format!(
            "a token for own's service account, as own's admin: {} {}",
            a.status,
            brief(&a)
        ));
        return;
    };
    let sa = Ident {
        name: "fresh-sa".into(),
        role: None,
        token: sa_token,
    };
    let expect = |what: &str, a: &Answer, status: u16, role: Option<&str>| {
        let role_ok = role.is_none_or(|r| a.body["role_needed"] == r);
        if a.status != status || !role_ok {
            api.problem(format!(
                "{what}: expected {status}{}, got {} {}",
                role.map(|r| format!(" role_needed {r}")).unwrap_or_default(),
                a.status,
                brief(a)
            ));
        }
    };
    let secrets = "/v1/projects/own/secrets";
    let env = json!({"secrets": ["s1"]});
    expect(
        "fresh-sa (no role yet) GET own/secrets",
        &api.call(&sa, "GET", secrets, None),
        403,
        Some("read"),
    );
    expect(
        "fresh-sa (no role yet) POST own/env",
        &api.call(&sa, "POST", "/v1/projects/own/env", Some(&env)),
        403,
        Some("use"),
    );
    let projects = api.call(&sa, "GET", "/v1/projects", None);
    if projects.status != 200 || projects.body.as_array().is_none_or(|a| !a.is_empty()) {
        api.problem(format!("fresh-sa (no role yet) GET /v1/projects: {}", brief(&projects)));
    }
    expect(
        "own's admin grants fresh-sa read",
        &api.call(
            admin,
            "PUT",
            "/v1/projects/own/members/fresh-sa",
            Some(&json!({"role": "read"})),
        ),
        200,
        None,
    );
    expect(
        "fresh-sa (read) GET own/secrets",
        &api.call(&sa, "GET", secrets, None),
        200,
        None,
    );
    expect(
        "fresh-sa (read) POST own/env",
        &api.call(&sa, "POST", "/v1/projects/own/env", Some(&env)),
        403,
        Some("use"),
    );
    expect(
        "fresh-sa (read in own) GET other/secrets",
        &api.call(&sa, "GET", "/v1/projects/other/secrets", None),
        403,
        Some("read"),
    );
    expect(
        "own's admin revokes fresh-sa",
        &api.call(admin, "DELETE", "/v1/projects/own/members/fresh-sa", None),
        204,
        None,
    );
    expect(
        "fresh-sa (revoked) GET own/secrets",
        &api.call(&sa, "GET", secrets, None),
        403,
        Some("read"),
    );
    // Nobody but a superuser makes tokens for others: no impersonation.
    for (who, owner) in [
        (admin, "m-read"),
        (admin, "other-sa"),
        (admin, "admin"),
        (reader, "m-admin"),
    ] {
        let name = format!("imp-{}-{owner}", who.name);
        let a = api.call(who, "POST", "/v1/tokens", Some(&json!({"name": name, "owner": owner})));
        expect(
            &format!("{} creates a token for {owner}", who.name),
            &a,
            403,
            Some("admin"),
        );
    }
    // A reader of own may not make tokens for own's service accounts either.
    expect(
        "m-read creates a token for fresh-sa",
        &api.call(
            reader,
            "POST",
            "/v1/tokens",
            Some(&json!({"name": "imp-reader-sa", "owner": "fresh-sa"})),
        ),
        403,
        Some("admin"),
    );
    // own's admin reads own's audit log, and only own's.
    let a = api.call(admin, "GET", "/v1/audit?project=own", None);
    let foreign: Vec<&Value> = a
        .body
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["project"] != "own")
        .collect();
    if a.status != 200 || !foreign.is_empty() {
        api.problem(format!(
            "GET /v1/audit?project=own as own's admin: {} with {} events of other projects",
            a.status,
            foreign.len()
        ));
    }
    let a = api.call(admin, "GET", "/v1/audit", None);
    if a.status == 200 {
        api.problem("GET /v1/audit (all projects) as own's admin (no superuser) answered 200");
    }
}

/// One request on a connection of its own (no keep-alive pool): after answering 401 to a
/// request whose body it has not read, the server closes the connection, and a pooled
/// client's next POST on it would fail with "Unexpected EOF" (ureq retries only idempotent
/// requests).
fn unpooled(s: &Server, method: &str, path: &str, token: Option<&str>, body: Option<&Value>) -> Answer {
    let agent = ureq::AgentBuilder::new()
        .max_idle_connections(0)
        .timeout(std::time::Duration::from_secs(30))
        .build();
    let mut req = agent.request(method, &format!("{}{path}", s.url));
    if let Some(t) = token {
        req = req.set("Authorization", &format!("Bearer {t}"));
    }
    let resp = match body {
        Some(b) => req.send_json(b),
        None => req.call(),
    };
    let r = match resp {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{method} {path}: {e}"),
    };
    let status = r.status();
    let text = r.into_string().unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer { status, body, text }
}

/// No token, a malformed token, an unknown token and a revoked token: 401 on every endpoint.
fn check_unauthenticated(api: &Api<'_>) -> usize {
    let t = api.admin_ok(
        "POST",
        "/v1/tokens",
        Some(&json!({"name": "tok-revoked", "owner": "m-read"})),
    );
    let revoked = t["token"].as_str().expect("a created token is returned").to_string();
    let before = api.call_as("m-read", Some(&revoked), "GET", "/v1/projects/own/secrets", None, false);
    if before.status != 200 {
        api.problem(format!("a fresh token of m-read does not work: {}", brief(&before)));
    }
    api.admin_ok("DELETE", "/v1/tokens/tok-revoked", None);
    let tokens: [(&str, Option<&str>); 4] = [
        ("no token", None),
        ("malformed token", Some("not-a-token")),
        (
            "unknown token",
            Some("coffer_0123456789abcdef_00000000000000000000000000000000"),
        ),
        ("revoked token", Some(&revoked)),
    ];
    let mut n = 0;
    for (label, token) in tokens {
        for ep in Ep::ALL {
            for p in PROJECTS {
                let (method, path, body) = ep.request(p, &format!("anon-{p}"));
                let a = unpooled(api.s, method, &path, token, body.as_ref());
                api.seen.borrow_mut().push(Seen {
                    who: label.to_string(),
                    what: format!("{method} {path}"),
                    status: a.status,
                    values_ok: false,
                    text: a.text.clone(),
                });
                n += 1;
                if a.status != 401 || a.body["code"] != "unauthorized" {
                    api.problem(format!(
                        "{method} {path} with {label}: expected 401 unauthorized, got {} {}",
                        a.status,
                        brief(&a)
                    ));
                }
            }
        }
    }
    n
}

/// No answer carries a value, except the allowed env answers, which carry own's only.
fn check_leaks(api: &Api<'_>, s: &Server) -> usize {
    let seen = api.seen.borrow();
    let mut env_answers = 0;
    for r in seen.iter() {
        if r.text.contains("MATRIX-SECRET-other") && r.who != "admin" {
            api.problem(format!(
                "{} as {} ({}) shows other's secret value",
                r.what, r.who, r.status
            ));
        }
        if r.values_ok {
            env_answers += 1;
            let rest = r.text.replace("MATRIX-SECRET-own\"", "");
            if rest.contains(MARK) {
                api.problem(format!("the env answer {} as {} holds another value", r.what, r.who));
            }
        } else if r.text.contains(MARK) {
            api.problem(format!(
                "{} as {} ({}) shows a secret value: {}",
                r.what,
                r.who,
                r.status,
                r.text.chars().take(240).collect::<String>()
            ));
        }
    }
    if s.log_text().contains(MARK) {
        api.problem("the server's log shows a secret value");
    }
    env_answers
}

#[test]
fn every_role_on_every_endpoint_of_both_projects() {
    let started = Instant::now();
    let h = Harness::new();
    let s = Server::start(&h);
    assert!(s.admin_token.starts_with("coffer_"), "{}", s.log_text());
    let api = Api::new(&s);

    let idents = setup(&api);
    let projects_before = names_of(&api.admin("GET", "/v1/projects", None).body, "name");
    for p in PROJECTS {
        assert!(projects_before.contains(p), "setup: {p} exists: {projects_before:?}");
    }
    let (table, denials, [allowed, denied]) = run_matrix(&api, &idents);
    let cells = allowed + denied;
    eprintln!(
        "==== access matrix: {cells} cells ({allowed} expected allowed, {denied} expected denied); \
         a cell shows the status (and role_needed for 403); '!' marks a mismatch ====\n{table}"
    );
    check_denials_audited(&api, &idents, &denials);
    check_state_after(&api, &idents, &projects_before);
    check_listings(&api, &idents);
    check_service_accounts_and_tokens(&api, &idents);
    let unauth = check_unauthenticated(&api);
    let env_answers = check_leaks(&api, &s);
    if env_answers != allowed_env(&idents) {
        api.problem(format!(
            "expected {} allowed env answers, saw {env_answers}",
            allowed_env(&idents)
        ));
    }

    let requests = api.seen.borrow().len();
    let problems = api.problems.borrow();
    eprintln!(
        "==== {cells} cells ({allowed} allowed, {denied} denied), {unauth} unauthenticated probes, \
         {requests} requests in {:.1?}; {} problem(s) ====",
        started.elapsed(),
        problems.len()
    );
    for p in problems.iter() {
        eprintln!("MISMATCH: {p}");
    }
    assert!(
        problems.is_empty(),
        "{} problem(s) in the access matrix (see MISMATCH lines above):\n{}",
        problems.len(),
        problems.join("\n")
    );
    let status = s.stop();
    assert!(status.success(), "the server stops cleanly: {status}");
}

/// The number of env cells the matrix allows (own, role use or above).
fn allowed_env(idents: &[Ident]) -> usize {
    idents.iter().filter(|i| i.allowed(Ep::Env, "own")).count()
}

/// A user `name` with `role` in `project` (when given) and a token; returns the token.
fn user_with_token(api: &Api<'_>, name: &str, grant: Option<(&str, &str)>) -> String {
    api.admin_ok("POST", "/v1/users", Some(&json!({"name": name})));
    if let Some((project, role)) = grant {
        api.admin_ok(
            "PUT",
            &format!("/v1/projects/{project}/members/{name}"),
            Some(&json!({"role": role})),
        );
    }
    let t = api.admin_ok(
        "POST",
        "/v1/tokens",
        Some(&json!({"name": format!("tok-{name}"), "owner": name})),
    );
    t["token"].as_str().expect("a created token is returned").to_string()
}

/// A denied `POST env` is audited whatever it asks for: an empty list of secrets is still an
/// attempt to use the project, and its 403 must leave a `denied` event like every other 403.
#[test]
fn a_denied_env_request_is_audited_even_when_it_names_no_secret() {
    let h = Harness::new();
    let s = Server::start(&h);
    let api = Api::new(&s);
    for p in PROJECTS {
        api.admin_ok("POST", "/v1/projects", Some(&json!({"name": p})));
    }
    let token = user_with_token(&api, "m-prober", Some(("own", "admin")));
    for (i, secrets) in [json!(["s1"]), json!([])].into_iter().enumerate() {
        let before = api.admin_ok("GET", "/v1/audit?actor=m-prober&limit=5000", None);
        let before = before.as_array().map_or(0, Vec::len);
        let a = api.call_as(
            "m-prober",
            Some(&token),
            "POST",
            "/v1/projects/other/env",
            Some(&json!({ "secrets": secrets })),
            false,
        );
        assert_eq!(
            (a.status, a.body["role_needed"].as_str()),
            (403, Some("use")),
            "POST other/env {secrets} by own's admin: {}",
            a.text
        );
        let after = api.admin_ok("GET", "/v1/audit?actor=m-prober&limit=5000", None);
        let denied: Vec<&Value> = after
            .as_array()
            .into_iter()
            .flatten()
            .skip(before)
            .filter(|e| e["result"] == "denied" && e["project"] == "other")
            .collect();
        assert!(
            !denied.is_empty(),
            "server bug (case {i}): POST /v1/projects/other/env {{\"secrets\":{secrets}}} answered 403 \
             but wrote no `denied` audit event (events after it: {after})"
        );
    }
}

/// Project names are compared without case by the store (a grant in `own` lets its holder in
/// at `/v1/projects/OWN/...`), so `OWN` must be the same project as `own` everywhere: what a
/// writer creates through `OWN` is a secret of `own`, deleting `own` deletes it, and a later
/// project named `OWN` starts empty, its members seeing nothing of the deleted one.
#[test]
fn a_project_is_one_project_whatever_the_case_of_its_name() {
    let h = Harness::new();
    let s = Server::start(&h);
    let api = Api::new(&s);
    api.admin_ok("POST", "/v1/projects", Some(&json!({"name": "own"})));
    let writer = user_with_token(&api, "m-writer", Some(("own", "admin")));
    let created = api.call_as(
        "m-writer",
        Some(&writer),
        "POST",
        "/v1/projects/OWN/secrets",
        Some(&s3_body("upper", &format!("{MARK}-upper"), "own")),
        false,
    );
    let sa = api.call_as(
        "m-writer",
        Some(&writer),
        "POST",
        "/v1/projects/Own/service-accounts",
        Some(&json!({"name": "sa-upper"})),
        false,
    );
    let mut problems = Vec::new();
    if (200..300).contains(&created.status) {
        let listed = names_of(&api.admin("GET", "/v1/projects/own/secrets", None).body, "name");
        if !listed.contains("upper") {
            problems.push(format!(
                "POST /v1/projects/OWN/secrets by own's admin answered {} but the secret is not in \
                 GET /v1/projects/own/secrets (as superuser: {listed:?})",
                created.status
            ));
        }
    }
    api.admin_ok("DELETE", "/v1/projects/own?force=true", None);
    let identities = names_of(&api.admin("GET", "/v1/identities", None).body, "name");
    if (200..300).contains(&sa.status) && identities.contains("sa-upper") {
        problems.push(
            "a service account created through /v1/projects/Own/service-accounts survives \
             DELETE /v1/projects/own?force=true (with any tokens it holds)"
                .to_string(),
        );
    }
    // A new team gets a project of the same name, with a different case.
    api.admin_ok("POST", "/v1/projects", Some(&json!({"name": "OWN"})));
    let newcomer = user_with_token(&api, "m-newcomer", Some(("OWN", "use")));
    let listed = api.call_as(
        "m-newcomer",
        Some(&newcomer),
        "GET",
        "/v1/projects/OWN/secrets",
        None,
        false,
    );
    if !names_of(&listed.body, "name").is_empty() {
        problems.push(format!(
            "the new project OWN shows secrets of the deleted project own to its members: {}",
            brief(&listed)
        ));
    }
    let env = api.call_as(
        "m-newcomer",
        Some(&newcomer),
        "POST",
        "/v1/projects/OWN/env",
        Some(&json!({"secrets": ["upper"]})),
        false,
    );
    if env.text.contains(MARK) {
        problems.push(format!(
            "a `use` member of the new project OWN reads the value of a secret written into the \
             deleted project own (POST /v1/projects/OWN/env answered {})",
            env.status
        ));
    }
    assert!(problems.is_empty(), "server bug(s):\n{}", problems.join("\n"));
}
