//! Installing by name from DuckDB's repository and PyPI, both played by a local HTTP server.
#![allow(clippy::unwrap_used)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use coffer_extensions::{Error, Installer, NoProgress, Outcome, SourceKind};
use common::{
    closed_port_url, extension, good_extension, gzip, serve_pypi, settings, sha256, tree, wheel, wheel_name, Recorder,
    Route, Server,
};

const HTTPFS_GZ: &str = "/v1.5.5/linux_amd64/httpfs.duckdb_extension.gz";

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn installs_from_the_repository() {
    let server = Server::start();
    let ext = good_extension("repo");
    server.route(HTTPFS_GZ, Route::Body(gzip(&ext)));
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("extensions");
    let installer = Installer::new(&root, settings(Some(server.url()), None));
    let mut progress = Recorder::default();

    let outcome = installer.install("httpfs", &mut progress).unwrap();
    let Outcome::Installed {
        extension,
        source,
        from,
        sha256,
    } = outcome
    else {
        panic!("{outcome:?}")
    };
    assert_eq!(source, SourceKind::Repository);
    assert_eq!(from, format!("{}{HTTPFS_GZ}", server.url()));
    assert_eq!(sha256, None);
    let path = root.join("v1.5.5/linux_amd64/httpfs.duckdb_extension");
    assert_eq!(extension.path, path);
    assert_eq!(extension.size, ext.len() as u64);
    assert_eq!(std::fs::read(&path).unwrap(), ext);
    assert_eq!(mode(&path), 0o644);
    for d in [root.clone(), root.join("v1.5.5"), root.join("v1.5.5/linux_amd64")] {
        assert_eq!(mode(&d), 0o755, "{}", d.display());
    }
    assert_eq!(
        tree(&root),
        [
            "v1.5.5",
            "v1.5.5/linux_amd64",
            "v1.5.5/linux_amd64/httpfs.duckdb_extension"
        ]
    );
    assert!(progress.bytes > 0);
    assert!(
        progress.events[0].starts_with("trying Repository"),
        "{:?}",
        progress.events
    );

    // Installed: nothing is fetched again.
    let before = server.connections();
    let again = installer.install("https", &mut NoProgress).unwrap();
    assert!(
        matches!(again, Outcome::AlreadyInstalled(ref e) if e.path == path),
        "{again:?}"
    );
    assert_eq!(server.connections(), before);
}

#[test]
fn unreachable_repository_falls_through_to_pypi() {
    let pypi = Server::start();
    let ext = good_extension("pypi");
    let whl = wheel("httpfs", "1.5.5", &ext);
    serve_pypi(&pypi, "httpfs", &whl, &sha256(&whl));
    let dir = tempfile::tempdir().unwrap();
    let installer = Installer::new(dir.path(), settings(Some(closed_port_url()), Some(pypi.url())));
    let mut progress = Recorder::default();

    let started = Instant::now();
    let outcome = installer.install("httpfs", &mut progress).unwrap();
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    let Outcome::Installed {
        extension,
        source,
        from,
        sha256: digest,
    } = outcome
    else {
        panic!("{outcome:?}")
    };
    assert_eq!(source, SourceKind::PyPi);
    assert_eq!(
        from,
        format!("{}/packages/{}", pypi.url(), wheel_name("httpfs", "1.5.5"))
    );
    assert_eq!(digest, Some(sha256(&whl)));
    assert_eq!(std::fs::read(&extension.path).unwrap(), ext);
    assert_eq!(
        pypi.requests(),
        [
            "/pypi/duckdb-extension-httpfs/1.5.5/json".to_string(),
            format!("/packages/{}", wheel_name("httpfs", "1.5.5"))
        ]
    );
    assert!(
        progress.events.iter().any(|e| e.starts_with("fell through Repository")),
        "{:?}",
        progress.events
    );
    // Only the extension file: no wheel or temporary file left.
    assert_eq!(
        tree(dir.path()),
        [
            "v1.5.5",
            "v1.5.5/linux_amd64",
            "v1.5.5/linux_amd64/httpfs.duckdb_extension"
        ]
    );
}

#[test]
fn repository_without_the_extension_falls_through_to_pypi() {
    let server = Server::start();
    let ext = good_extension("aws");
    let whl = wheel("aws", "1.5.5", &ext);
    serve_pypi(&server, "aws", &whl, &sha256(&whl));
    // The repository answers 404 for aws; a corrupt .gz for httpfs.
    server.route(HTTPFS_GZ, Route::Body(b"not gzip at all".to_vec()));
    let dir = tempfile::tempdir().unwrap();
    let installer = Installer::new(dir.path(), settings(Some(server.url()), Some(server.url())));
    let outcome = installer.install("aws", &mut NoProgress).unwrap();
    assert!(
        matches!(
            outcome,
            Outcome::Installed {
                source: SourceKind::PyPi,
                ..
            }
        ),
        "{outcome:?}"
    );
    assert_eq!(server.requests()[0], "/v1.5.5/linux_amd64/aws.duckdb_extension.gz");

    let Err(Error::Unavailable { tried, .. }) = installer.install("httpfs", &mut NoProgress) else {
        panic!()
    };
    assert!(tried[0].reason.contains("decompress"), "{tried:?}");
}

#[test]
fn pypi_project_page_is_used_when_the_version_page_is_missing() {
    // Some proxies and mirrors (this machine's, for one) answer 404 for /pypi/<p>/<v>/json.
    let server = Server::start();
    let ext = good_extension("ducklake");
    let whl = wheel("ducklake", "1.5.5", &ext);
    let filename = wheel_name("ducklake", "1.5.5");
    let json = serde_json::json!({
        "info": {"name": "duckdb-extension-ducklake", "version": "1.5.5"},
        "releases": {
            "1.4.3": [common::pypi_file(&server, "duckdb_extension_ducklake-1.4.3-py3-none-manylinux2014_x86_64.whl", &"1".repeat(64), 5)],
            "1.5.5": [common::pypi_file(&server, &filename, &sha256(&whl), whl.len())],
        },
    });
    server.route(
        "/pypi/duckdb-extension-ducklake/json",
        Route::Body(json.to_string().into_bytes()),
    );
    server.route(&format!("/packages/{filename}"), Route::Body(whl));
    let dir = tempfile::tempdir().unwrap();
    let installer = Installer::new(dir.path(), settings(None, Some(server.url())));
    let outcome = installer.install("ducklake", &mut NoProgress).unwrap();
    let Outcome::Installed { extension, .. } = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(std::fs::read(extension.path).unwrap(), ext);
    assert_eq!(
        server.requests()[..2],
        [
            "/pypi/duckdb-extension-ducklake/1.5.5/json",
            "/pypi/duckdb-extension-ducklake/json"
        ]
    );
}

#[test]
fn bad_checksum_is_refused_and_the_installed_file_stays() {
    let server = Server::start();
    let old = good_extension("old");
    let whl = wheel("httpfs", "1.5.5", &good_extension("new"));
    let published = sha256(b"something else");
    serve_pypi(&server, "httpfs", &whl, &published);
    let dir = tempfile::tempdir().unwrap();
    let installer = Installer::new(dir.path(), settings(None, Some(server.url())));
    let path = installer.path_of("httpfs").unwrap();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, &old).unwrap();

    let err = installer.reinstall("httpfs", &mut NoProgress).unwrap_err();
    let Error::ChecksumMismatch {
        ref file,
        ref actual,
        ref expected,
    } = err
    else {
        panic!("{err:?}")
    };
    assert_eq!(file, &wheel_name("httpfs", "1.5.5"));
    assert_eq!(actual, &sha256(&whl));
    assert_eq!(expected, &published);
    let msg = err.to_string();
    assert!(
        msg.contains(&format!(
            "the sha256 of {file} is {actual}, PyPI publishes {expected}: not installed"
        )),
        "{msg}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), old);
    assert_eq!(
        tree(dir.path()),
        [
            "v1.5.5",
            "v1.5.5/linux_amd64",
            "v1.5.5/linux_amd64/httpfs.duckdb_extension"
        ]
    );
}

#[test]
fn bad_checksum_with_nothing_installed_leaves_nothing() {
    let server = Server::start();
    let whl = wheel("azure", "1.5.5", &good_extension("azure"));
    serve_pypi(&server, "azure", &whl, &sha256(b"other"));
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("extensions");
    let installer = Installer::new(&root, settings(None, Some(server.url())));
    let err = installer.install("azure", &mut NoProgress).unwrap_err();
    assert!(matches!(err, Error::ChecksumMismatch { .. }), "{err:?}");
    assert!(!root.exists(), "{:?}", tree(&root));
    assert!(installer.list().unwrap().is_empty());
}

#[test]
fn pypi_file_that_is_not_an_extension_is_refused() {
    let server = Server::start();
    // Right checksum, but the member is for macOS, or is no extension at all.
    let mac = wheel("excel", "1.5.5", &extension("mac", "osx_arm64", "v1.5.5"));
    serve_pypi(&server, "excel", &mac, &sha256(&mac));
    let junk = wheel("fts", "1.5.5", b"<html>not an extension</html>");
    serve_pypi(&server, "fts", &junk, &sha256(&junk));
    let dir = tempfile::tempdir().unwrap();
    let installer = Installer::new(dir.path(), settings(None, Some(server.url())));
    let err = installer.install("excel", &mut NoProgress).unwrap_err();
    assert!(
        matches!(err, Error::WrongPlatform { ref found, .. } if found == "osx_arm64"),
        "{err:?}"
    );
    let err = installer.install("fts", &mut NoProgress).unwrap_err();
    assert!(matches!(err, Error::NotAnExtension { .. }), "{err:?}");
    assert!(tree(dir.path()).is_empty(), "{:?}", tree(dir.path()));
}

#[test]
fn no_source_reachable_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let repo = closed_port_url();
    let pypi = closed_port_url();
    let installer = Installer::new(dir.path(), settings(Some(repo.clone()), Some(pypi.clone())));
    let err = installer.install("postgres", &mut NoProgress).unwrap_err();
    let Error::Unavailable { ref name, ref tried } = err else {
        panic!("{err:?}")
    };
    assert_eq!(name, "postgres_scanner");
    assert_eq!(tried.len(), 2);
    assert_eq!(tried[0].source, SourceKind::Repository);
    assert_eq!(
        tried[0].url,
        format!("{repo}/v1.5.5/linux_amd64/postgres_scanner.duckdb_extension.gz")
    );
    assert_eq!(tried[1].source, SourceKind::PyPi);
    assert_eq!(
        tried[1].url,
        format!("{pypi}/pypi/duckdb-extension-postgres-scanner/1.5.5/json")
    );
    assert!(tried.iter().all(|t| t.reason.contains("connect")), "{tried:?}");
    let msg = err.to_string();
    for part in [
        "could not download postgres_scanner 1.5.5",
        "DuckDB's extension repository",
        "PyPI",
        "pip download duckdb-extension-postgres-scanner==1.5.5 --no-deps",
        "coffer extension install --from FILE",
    ] {
        assert!(msg.contains(part), "{part:?} not in {msg}");
    }
    assert!(tree(dir.path()).is_empty());
}

#[test]
fn pypi_without_the_release_or_a_linux_wheel() {
    let server = Server::start();
    let json = serde_json::json!({
        "urls": [common::pypi_file(&server, "duckdb_extension_vss-1.5.5-py3-none-macosx_11_0_arm64.whl", &"0".repeat(64), 1)],
    });
    server.route(
        "/pypi/duckdb-extension-vss/1.5.5/json",
        Route::Body(json.to_string().into_bytes()),
    );
    let dir = tempfile::tempdir().unwrap();
    let installer = Installer::new(dir.path(), settings(None, Some(server.url())));
    let err = installer.install("vss", &mut NoProgress).unwrap_err();
    assert!(
        err.to_string()
            .contains("no linux x86_64 wheel among duckdb_extension_vss-1.5.5-py3-none-macosx_11_0_arm64.whl"),
        "{err}"
    );
    // Neither page exists: both 404s are listed.
    let Err(Error::Unavailable { tried, .. }) = installer.install("inet", &mut NoProgress) else {
        panic!()
    };
    assert_eq!(tried.len(), 2, "{tried:?}");
    assert!(tried.iter().all(|t| t.reason.contains("404")), "{tried:?}");
}

#[test]
fn offline_fetches_nothing() {
    let server = Server::start();
    server.route(HTTPFS_GZ, Route::Body(gzip(&good_extension("x"))));
    let dir = tempfile::tempdir().unwrap();
    let mut s = settings(Some(server.url()), Some(server.url()));
    s.offline = true;
    let installer = Installer::new(dir.path(), s);
    let err = installer.install("httpfs", &mut NoProgress).unwrap_err();
    assert!(
        matches!(err, Error::Offline { ref name } if name == "httpfs"),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(msg.starts_with("offline: cannot download httpfs; on a machine with network run `pip download duckdb-extension-httpfs==1.5.5 --no-deps"), "{msg}");
    assert!(msg.contains("`coffer extension install --from FILE`"), "{msg}");
    assert_eq!(server.connections(), 0);
    assert!(tree(dir.path()).is_empty());

    // Installed or built-in extensions need no network, offline or not.
    let path = installer.path_of("httpfs").unwrap();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, good_extension("x")).unwrap();
    assert!(matches!(
        installer.install("httpfs", &mut NoProgress),
        Ok(Outcome::AlreadyInstalled(_))
    ));
    assert!(matches!(
        installer.install("core_functions", &mut NoProgress),
        Ok(Outcome::BuiltIn { .. })
    ));
    assert_eq!(server.connections(), 0);
}

#[test]
fn oversize_downloads_are_refused() {
    let server = Server::start();
    let big = good_extension("big");
    let whl = wheel("spatial", "1.5.5", &big);
    serve_pypi(&server, "spatial", &whl, &sha256(&whl));
    // The repository claims a huge file: refused up front, PyPI is tried next.
    server.route(
        "/v1.5.5/linux_amd64/spatial.duckdb_extension.gz",
        Route::Claims(1 << 40),
    );
    let dir = tempfile::tempdir().unwrap();
    let mut s = settings(Some(server.url()), Some(server.url()));
    s.max_download = 1000;
    let installer = Installer::new(dir.path(), s);
    let mut progress = Recorder::default();
    let err = installer.install("spatial", &mut progress).unwrap_err();
    assert!(matches!(err, Error::TooLarge { limit: 1000, .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("larger than the 1000-byte limit: not installed"),
        "{err}"
    );
    assert!(progress
        .events
        .iter()
        .any(|e| e.contains("fell through Repository") && e.contains("limit")));
    assert!(tree(dir.path()).is_empty());

    // Without a Content-Length, the transfer is cut at the limit.
    server.route(HTTPFS_GZ, Route::Unsized(vec![0x1f; 5000]));
    let mut s = settings(Some(server.url()), None);
    s.max_download = 1000;
    let Err(Error::Unavailable { tried, .. }) = Installer::new(dir.path(), s).install("httpfs", &mut NoProgress) else {
        panic!()
    };
    assert!(tried[0].reason.contains("limit"), "{tried:?}");

    // A small .gz that inflates past the limit.
    let bomb = gzip(&vec![0u8; 50_000]);
    assert!(bomb.len() < 1000);
    server.route(HTTPFS_GZ, Route::Body(bomb));
    let mut s = settings(Some(server.url()), None);
    s.max_download = 1000;
    let Err(Error::Unavailable { tried, .. }) = Installer::new(dir.path(), s).install("httpfs", &mut NoProgress) else {
        panic!()
    };
    assert!(tried[0].reason.contains("decompressed"), "{tried:?}");
    assert!(tree(dir.path()).is_empty());
}

#[test]
fn stalled_transfer_times_out() {
    let server = Server::start();
    let whl = wheel("iceberg", "1.5.5", &good_extension("iceberg"));
    serve_pypi(&server, "iceberg", &whl, &sha256(&whl));
    let filename = wheel_name("iceberg", "1.5.5");
    server.route(
        &format!("/packages/{filename}"),
        Route::Stall {
            first: whl[..100].to_vec(),
            len: whl.len(),
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let mut s = settings(None, Some(server.url()));
    s.stall_timeout = Duration::from_millis(300);
    let started = Instant::now();
    let err = Installer::new(dir.path(), s)
        .install("iceberg", &mut NoProgress)
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    let Error::Unavailable { tried, .. } = err else {
        panic!("{err:?}")
    };
    assert!(
        tried.last().unwrap().reason.contains("transfer failed after 100 bytes"),
        "{tried:?}"
    );
    assert!(tree(dir.path()).is_empty(), "{:?}", tree(dir.path()));
}

#[test]
fn aliases_install_the_extension_they_name() {
    let server = Server::start();
    let pg = good_extension("pg");
    let whl = wheel("postgres_scanner", "1.5.5", &pg);
    serve_pypi(&server, "postgres_scanner", &whl, &sha256(&whl));
    server.route(HTTPFS_GZ, Route::Body(gzip(&good_extension("s3"))));
    let dir = tempfile::tempdir().unwrap();
    let installer = Installer::new(dir.path(), settings(Some(server.url()), Some(server.url())));

    let Outcome::Installed { extension, .. } = installer.install("postgres", &mut NoProgress).unwrap() else {
        panic!()
    };
    assert_eq!(extension.name, "postgres_scanner");
    assert!(extension
        .path
        .ends_with("v1.5.5/linux_amd64/postgres_scanner.duckdb_extension"));
    assert!(server
        .requests()
        .contains(&"/pypi/duckdb-extension-postgres-scanner/1.5.5/json".to_string()));
    let Outcome::Installed { extension, .. } = installer.install("S3", &mut NoProgress).unwrap() else {
        panic!()
    };
    assert_eq!(extension.name, "httpfs");
    let names: Vec<String> = installer.list().unwrap().into_iter().map(|e| e.name).collect();
    assert_eq!(names, ["httpfs", "postgres_scanner"]);
}

#[test]
fn bad_names_are_refused_before_any_request() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let installer = Installer::new(dir.path(), settings(Some(server.url()), Some(server.url())));
    for bad in [
        "../httpfs",
        "/etc/passwd",
        "httpfs/../../x",
        "..",
        "a.b",
        "",
        "httpfs\n",
    ] {
        let err = installer.install(bad, &mut NoProgress).unwrap_err();
        assert!(matches!(err, Error::InvalidName { .. }), "{bad:?}: {err:?}");
        assert!(
            matches!(installer.remove(bad), Err(Error::InvalidName { .. })),
            "{bad:?}"
        );
    }
    let err = installer.install("httpf", &mut NoProgress).unwrap_err();
    assert_eq!(
        err.to_string(),
        "DuckDB 1.5.5 has no extension `httpf`; did you mean `httpfs`?"
    );
    let err = installer.install("qqqqqqqqqq", &mut NoProgress).unwrap_err();
    assert!(
        err.to_string()
            .contains("its extensions are autocomplete, avro, aws, azure"),
        "{err}"
    );
    assert_eq!(server.connections(), 0);
    assert!(tree(dir.path()).is_empty());
}

#[test]
fn built_in_extensions_need_no_install() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let mut s = settings(Some(server.url()), Some(server.url()));
    assert!(matches!(
        Installer::new(dir.path(), s.clone()).install("core_functions", &mut NoProgress),
        Ok(Outcome::BuiltIn { ref name }) if name == "core_functions"
    ));
    s.builtin = coffer_extensions::BUILTIN_LIBDUCKDB
        .iter()
        .map(|s| s.to_string())
        .collect();
    for name in ["json", "parquet", "icu", "JSON"] {
        assert!(matches!(
            Installer::new(dir.path(), s.clone()).install(name, &mut NoProgress),
            Ok(Outcome::BuiltIn { .. })
        ));
    }
    assert_eq!(server.connections(), 0);
}

/// The real httpfs extension (when this machine has it) through a wheel served as PyPI does.
#[test]
fn real_httpfs_extension_through_a_wheel() {
    let real = std::path::Path::new("/root/.cache/coffer-extensions/v1.5.5/linux_amd64/httpfs.duckdb_extension");
    let Ok(bytes) = std::fs::read(real) else {
        eprintln!("skipped: {} is absent", real.display());
        return;
    };
    let server = Server::start();
    let whl = wheel("httpfs", "1.5.5", &bytes);
    serve_pypi(&server, "httpfs", &whl, &sha256(&whl));
    let dir = tempfile::tempdir().unwrap();
    let installer = Installer::new(dir.path(), settings(Some(closed_port_url()), Some(server.url())));
    let Outcome::Installed { extension, .. } = installer.install("httpfs", &mut NoProgress).unwrap() else {
        panic!()
    };
    assert_eq!(sha256(&std::fs::read(&extension.path).unwrap()), sha256(&bytes));
}

/// Installs `aws` from the real PyPI (`cargo test -p coffer-extensions -- --ignored`).
#[test]
#[ignore = "downloads about 28 MB from pypi.org"]
fn installs_aws_from_the_real_pypi() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = coffer_extensions::Settings::default();
    s.repository_connect_timeout = Duration::from_secs(3);
    let installer = Installer::new(dir.path(), s);
    let mut progress = Recorder::default();
    match installer.install("aws", &mut progress) {
        Ok(Outcome::Installed {
            extension,
            source,
            from,
            sha256,
        }) => {
            eprintln!(
                "installed {} ({} bytes) from {source} {from}, sha256 {sha256:?}",
                extension.path.display(),
                extension.size
            );
            assert!(extension.size > 1_000_000);
        }
        Err(Error::Unavailable { tried, .. })
            if tried.iter().all(|t| {
                t.source != SourceKind::PyPi || t.reason.contains("connect") || t.reason.contains("resolve")
            }) =>
        {
            eprintln!("skipped: PyPI is not reachable: {tried:?}");
        }
        other => panic!("{other:?} {:?}", progress.events),
    }
}
