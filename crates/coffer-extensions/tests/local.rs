//! Installing from local files (air-gapped), listing and removing.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use coffer_extensions::{Error, Installer, NoProgress, Outcome, Settings, SourceKind};
use common::{closed_port_url, extension, good_extension, gzip, tree, wheel, wheel_name};

fn offline_installer(root: &Path) -> Installer {
    let mut s = Settings::default();
    s.offline = true;
    s.repository = Some(closed_port_url());
    s.pypi_url = Some(closed_port_url());
    Installer::new(root, s)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn from_a_wheel() {
    let files = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ext = good_extension("wheel");
    let whl = write(
        files.path(),
        &wheel_name("mysql_scanner", "1.5.5"),
        &wheel("mysql_scanner", "1.5.5", &ext),
    );
    // Offline does not matter for a local file.
    let installer = offline_installer(dir.path());
    let outcome = installer.install_from(&whl, &mut NoProgress).unwrap();
    let Outcome::Installed {
        extension,
        source,
        from,
        sha256,
    } = outcome
    else {
        panic!("{outcome:?}")
    };
    assert_eq!(source, SourceKind::File);
    assert_eq!(from, whl.display().to_string());
    assert_eq!(sha256, None);
    assert_eq!(extension.name, "mysql_scanner");
    assert_eq!(std::fs::read(&extension.path).unwrap(), ext);
    assert_eq!(
        installer.installed("mysql").unwrap().map(|e| e.path),
        Some(extension.path)
    );

    // The name comes from the content, not the file's name.
    let renamed = write(
        files.path(),
        "download.whl",
        &wheel("tpch", "1.5.5", &good_extension("tpch")),
    );
    let Outcome::Installed { extension, .. } = installer.install_from(&renamed, &mut NoProgress).unwrap() else {
        panic!()
    };
    assert_eq!(extension.name, "tpch");
}

#[test]
fn from_a_wheel_of_another_version() {
    let files = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let whl = write(
        files.path(),
        &wheel_name("httpfs", "1.4.3"),
        &wheel("httpfs", "1.4.3", &extension("old", "linux_amd64", "v1.4.3")),
    );
    let installer = offline_installer(dir.path());
    let err = installer.install_from(&whl, &mut NoProgress).unwrap_err();
    let Error::WrongVersion {
        ref name, ref found, ..
    } = err
    else {
        panic!("{err:?}")
    };
    assert_eq!((name.as_str(), found.as_str()), ("httpfs", "1.4.3"));
    let msg = err.to_string();
    assert!(
        msg.contains("httpfs for DuckDB 1.4.3, coffer's DuckDB is 1.5.5: not installed"),
        "{msg}"
    );
    assert!(msg.contains("duckdb-extension-httpfs==1.5.5"), "{msg}");
    assert!(tree(dir.path()).is_empty());

    // A 1.5.5 wheel whose file inside is for another version is refused by its footer.
    let lying = write(
        files.path(),
        "lying.whl",
        &wheel("httpfs", "1.5.5", &extension("x", "linux_amd64", "v1.5.1")),
    );
    let err = installer.install_from(&lying, &mut NoProgress).unwrap_err();
    assert!(
        matches!(err, Error::WrongVersion { ref found, .. } if found == "1.5.1"),
        "{err:?}"
    );
    assert!(tree(dir.path()).is_empty());
}

#[test]
fn from_an_extension_file_plain_or_gzipped() {
    let files = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let installer = offline_installer(dir.path());
    let ext = good_extension("file");
    let plain = write(files.path(), "httpfs.duckdb_extension", &ext);
    let Outcome::Installed { extension, .. } = installer.install_from(&plain, &mut NoProgress).unwrap() else {
        panic!()
    };
    assert_eq!(extension.name, "httpfs");
    assert_eq!(std::fs::read(&extension.path).unwrap(), ext);

    // An alias in the file name installs under the extension's name; .gz is decompressed.
    let ext2 = good_extension("gz");
    let gz = write(files.path(), "sqlite.duckdb_extension.gz", &gzip(&ext2));
    let Outcome::Installed { extension, .. } = installer.install_from(&gz, &mut NoProgress).unwrap() else {
        panic!()
    };
    assert_eq!(extension.name, "sqlite_scanner");
    assert_eq!(std::fs::read(&extension.path).unwrap(), ext2);

    // Replacing an installed file works, from a file too.
    let ext3 = good_extension("newer");
    let newer = write(files.path(), "httpfs.duckdb_extension", &ext3);
    installer.install_from(&newer, &mut NoProgress).unwrap();
    assert_eq!(std::fs::read(installer.path_of("httpfs").unwrap()).unwrap(), ext3);
}

#[test]
fn bad_files_are_refused_and_replace_nothing() {
    let files = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let installer = offline_installer(dir.path());
    let good = good_extension("good");
    let path = installer.path_of("httpfs").unwrap();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, &good).unwrap();

    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("httpfs.duckdb_extension", b"<html>404</html>".to_vec()),
        ("httpfs.duckdb_extension", vec![9u8; 2000]),
        ("httpfs.duckdb_extension", extension("mac", "osx_arm64", "v1.5.5")),
        ("httpfs.duckdb_extension", extension("old", "linux_amd64", "v1.4.3")),
        ("httpfs.duckdb_extension.gz", b"not gzip".to_vec()),
        ("httpfs.whl", b"not a zip".to_vec()),
        ("httpfs.whl", wheel("x", "1.5.5", &good).into_iter().collect()),
        ("httpfs.tar.gz", good.clone()),
        ("..duckdb_extension", good.clone()),
        ("nosuch.duckdb_extension", good.clone()),
    ];
    for (name, bytes) in cases {
        let file = write(files.path(), name, &bytes);
        let err = installer.install_from(&file, &mut NoProgress).unwrap_err();
        let expected = match name {
            "..duckdb_extension" => matches!(err, Error::InvalidName { .. }),
            "nosuch.duckdb_extension" => matches!(err, Error::UnknownExtension { .. }),
            _ => matches!(
                err,
                Error::NotAnExtension { .. }
                    | Error::WrongPlatform { .. }
                    | Error::WrongVersion { .. }
                    | Error::UnknownExtension { .. }
            ),
        };
        assert!(expected, "{name}: {err:?}");
        assert!(
            err.to_string().contains(name) || matches!(err, Error::InvalidName { .. } | Error::UnknownExtension { .. }),
            "{err}"
        );
        assert_eq!(std::fs::read(&path).unwrap(), good, "{name}");
        assert_eq!(
            tree(dir.path()),
            [
                "v1.5.5",
                "v1.5.5/linux_amd64",
                "v1.5.5/linux_amd64/httpfs.duckdb_extension"
            ]
        );
    }
    let missing = installer
        .install_from(&files.path().join("absent.whl"), &mut NoProgress)
        .unwrap_err();
    assert!(matches!(missing, Error::Io { .. }), "{missing:?}");
}

#[test]
fn oversize_files_are_refused() {
    let files = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut s = Settings::default();
    s.max_download = 1000;
    let installer = Installer::new(dir.path(), s);
    let big = good_extension("big");
    for (name, bytes) in [
        ("httpfs.duckdb_extension", big.clone()),
        ("httpfs.duckdb_extension.gz", gzip(&big)),
        ("httpfs.whl", wheel("httpfs", "1.5.5", &big)),
    ] {
        let file = write(files.path(), name, &bytes);
        let err = installer.install_from(&file, &mut NoProgress).unwrap_err();
        assert!(matches!(err, Error::TooLarge { limit: 1000, .. }), "{name}: {err:?}");
    }
    assert!(tree(dir.path()).is_empty());
}

#[test]
fn list_and_remove() {
    let files = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let installer = offline_installer(&dir.path().join("ext"));
    assert!(installer.list().unwrap().is_empty());
    assert!(!installer.remove("httpfs").unwrap());

    for (name, tag) in [("postgres_scanner", "pg"), ("aws", "aws")] {
        let file = write(files.path(), &format!("{name}.duckdb_extension"), &good_extension(tag));
        installer.install_from(&file, &mut NoProgress).unwrap();
    }
    // Other files of the directory are not extensions: DuckDB's .info, temporary files, others.
    let platform = installer.path_of("aws").unwrap().parent().unwrap().to_path_buf();
    std::fs::write(platform.join("aws.duckdb_extension.info"), b"info").unwrap();
    std::fs::write(platform.join(".aws.duckdb_extension.abc.tmp"), b"tmp").unwrap();
    std::fs::write(platform.join("notes.txt"), b"x").unwrap();
    std::fs::create_dir(platform.join("dir.duckdb_extension")).unwrap();

    let listed = installer.list().unwrap();
    let names: Vec<&str> = listed.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["aws", "postgres_scanner"]);
    assert_eq!(listed[0].size, good_extension("aws").len() as u64);
    assert_eq!(listed[0].path, platform.join("aws.duckdb_extension"));
    assert!(listed[0].modified.is_some());

    assert!(installer.remove("aws").unwrap());
    assert!(!platform.join("aws.duckdb_extension.info").exists());
    assert!(!installer.remove("aws").unwrap());
    // An alias removes its extension.
    assert!(installer.remove("postgres").unwrap());
    assert!(installer.list().unwrap().is_empty());
    // A plain name DuckDB does not know can still be removed (an extension put there by hand).
    std::fs::write(platform.join("custom.duckdb_extension"), b"x").unwrap();
    assert!(installer.remove("custom").unwrap());
}
