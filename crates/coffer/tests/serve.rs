//! `coffer serve` as a user meets it: a real server process on 127.0.0.1 over a real SQLite
//! file, driven over HTTP and through the CLI's remote mode.

mod common;

use common::server::Server;
use common::Harness;

#[test]
fn first_start_bootstraps_an_admin_whose_token_is_only_hashed() {
    let h = Harness::new();
    let s = Server::start(&h);
    assert!(s.admin_token.starts_with("coffer_"), "{}", s.log_text());
    let health = s.request("GET", "/healthz", None, None);
    assert_eq!((health.status, health.body["status"].as_str()), (200, Some("ok")));
    let me = s.admin("GET", "/v1/whoami", None);
    assert_eq!(me.status, 200);
    assert_eq!(me.body["name"], "admin");
    assert_eq!(me.body["superuser"], true);
    assert_eq!(me.body["token_name"], "admin-bootstrap");
    let token = s.admin_token.clone();
    let status = s.stop();
    assert!(status.success(), "SIGTERM stops the server cleanly: {status}");
    // A second start prints no token: the admin exists.
    let s2 = Server::start(&h);
    assert!(s2.admin_token.is_empty(), "{}", s2.log_text());
    drop(s2);
    // The token is nowhere in the home in plaintext.
    for entry in std::fs::read_dir(h.home()).expect("home") {
        let path = entry.expect("entry").path();
        let bytes = std::fs::read(&path).expect("read");
        assert!(
            !bytes.windows(token.len()).any(|w| w == token.as_bytes()),
            "{} holds the token",
            path.display()
        );
    }
}
