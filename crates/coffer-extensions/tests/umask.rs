//! Modes do not depend on the umask: coffer runs with 077, and sandboxed engines of another
//! user must read the extension directory. Its own test binary, since the umask is per process.
#![allow(clippy::unwrap_used)]

mod common;

use std::os::unix::fs::PermissionsExt;

use coffer_extensions::{Installer, NoProgress, Outcome, Settings};

#[test]
fn directories_are_0755_and_files_0644_under_umask_077() {
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o077));
    let files = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let root = home.path().join("extensions");
    let file = files.path().join("httpfs.duckdb_extension");
    std::fs::write(&file, common::good_extension("umask")).unwrap();
    let installer = Installer::new(&root, Settings::default());
    let Outcome::Installed { extension, .. } = installer.install_from(&file, &mut NoProgress).unwrap() else {
        panic!()
    };
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&extension.path), 0o644);
    for dir in [root.clone(), root.join("v1.5.5"), root.join("v1.5.5/linux_amd64")] {
        assert_eq!(mode(&dir), 0o755, "{}", dir.display());
    }
}
