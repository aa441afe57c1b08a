//! The virtual environment of a flight with requirements ([`Steps::venv`]): one per
//! requirements text (normalized), interpreter and `source_builds`, built once under
//! [`Settings::venv_dir`](crate::Settings::venv_dir) and shared by every run and version with
//! the same text.
//!
//! - Layout: `<venv_dir>/<key>` is a symlink to `<key>.<random>`, the environment itself,
//!   built where it stays (console scripts' `#!` lines name their interpreter by path) and
//!   published by renaming the symlink into place, so a run sees a whole environment or
//!   none. `<key>.lock` (flock) makes concurrent runs build it once: the others wait and
//!   reuse it. A failed build is removed; so are the leftovers of a build whose process died.
//! - The build is member code (pip runs packages' build code; wheels only unless
//!   `source_builds`): it runs in the run's sandbox as the run user, with write access to the
//!   new environment only, the runner's own variables (`PATH`, `HOME`, `TMPDIR`, the
//!   variables of `COFFER_FLIGHT_ENV_ALLOW`, e.g. `PIP_INDEX_URL`) and none of the run's
//!   config or secrets. It reaches the network under the same rule as runs: anywhere but
//!   cloud metadata addresses and coffer's own non-API listeners.
//! - Once built, the environment is handed to coffer's own user (when the run user is
//!   another one), writable by that user only, and runs get it on their read-only list:
//!   a run cannot change what the next run imports.
//! - The environment is made by the flight's interpreter with `--system-site-packages`; when
//!   that interpreter is itself a virtual environment, a `.pth` file adds its site-packages,
//!   so what python flights import today (duckdb) stays importable, after the requirements.

use crate::log::{now_ms, Log, Sink};
use crate::settings::Isolation;
use crate::step::{which, Proc, RunCtx, Steps};
use coffer_core::runenv::RunEnv;
use coffer_model::flight::RunStatus;
use coffer_store::RunEnd;
use nix::fcntl::{AtFlags, Flock, FlockArg};
use nix::unistd::{Gid, Uid};
use sha2::{Digest, Sha256};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// What [`Steps::venv`] gives: the environment's directory, or the run's end when the build
/// failed or was stopped.
pub(crate) enum Prepared {
    Ready(PathBuf),
    Ended(RunEnd),
}

/// Makes the environment (coffer's own code, run by the flight's interpreter with `-I`):
/// `venv --system-site-packages`, then a `.pth` naming the interpreter's own site-packages
/// when it is a virtual environment.
const CREATE: &str = r#"import os, site, subprocess, sys, venv
dest, with_pip = sys.argv[1], sys.argv[2] == "1"
venv.EnvBuilder(system_site_packages=True, symlinks=True, with_pip=with_pip).create(dest)
if sys.prefix != sys.base_prefix:
    inner = subprocess.check_output(
        [os.path.join(dest, "bin", "python"), "-I", "-c", "import site; print(site.getsitepackages()[0])"],
        text=True,
    ).strip()
    with open(os.path.join(inner, "_coffer_flight_python.pth"), "w") as f:
        f.write("".join(p + "\n" for p in site.getsitepackages() if os.path.isdir(p)))
"#;

/// The key of an environment: sha256 of the normalized requirements, the interpreter's
/// identity (its path, resolved path, size and modification time) and `source_builds`.
fn key(text: &str, python: &Path, source_builds: bool) -> String {
    let canonical = std::fs::canonicalize(python).unwrap_or_else(|_| python.to_path_buf());
    let (len, mtime) =
        std::fs::metadata(&canonical).map_or((0, 0), |m| (m.len(), m.mtime_nsec() + m.mtime() * 1_000_000_000));
    let mut h = Sha256::new();
    h.update(coffer_model::requirements::normalize(text));
    h.update(format!(
        "\0{}\0{}\0{len}\0{mtime}\0{source_builds}",
        python.display(),
        canonical.display()
    ));
    hex::encode(&h.finalize()[..20])
}

/// The published environment of `key`, if there is a whole one.
fn published(root: &Path, key: &str) -> Option<PathBuf> {
    let target = std::fs::read_link(root.join(key)).ok()?;
    let dir = root.join(target);
    let python = std::fs::symlink_metadata(dir.join("bin").join("python")).ok()?;
    (dir.parent() == Some(root) && !python.is_dir()).then_some(dir)
}

/// Hands the finished environment `dir` to `owner` (when runs execute as another user) and
/// makes it writable by its owner only: directories 0755, files 0755 or 0644 (no setuid),
/// anything else (a socket, a fifo) removed. Top-down, so that every directory is the owner's
/// before its entries are looked at (the run user can no longer swap one for a symlink);
/// symlinks are never followed.
fn seal(dir: &Path, owner: Option<(Uid, Gid)>) -> std::io::Result<()> {
    let chown = |p: &Path| -> std::io::Result<()> {
        match owner {
            Some((u, g)) => nix::unistd::fchownat(None, p, Some(u), Some(g), AtFlags::AT_SYMLINK_NOFOLLOW)
                .map_err(std::io::Error::from),
            None => Ok(()),
        }
    };
    chown(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755))?;
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let meta = std::fs::symlink_metadata(&path)?;
        let kind = meta.file_type();
        if kind.is_symlink() {
            chown(&path)?;
        } else if kind.is_dir() {
            seal(&path, owner)?;
        } else if kind.is_file() {
            chown(&path)?;
            let mode = if meta.mode() & 0o111 != 0 { 0o755 } else { 0o644 };
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode))?;
        } else {
            std::fs::remove_file(&path)?;
        }
    }
    Ok(())
}

impl Steps {
    /// The environment of a run whose flight has requirements `text`: reused when built,
    /// else built in the run's sandbox (see the module's overview), its output in the run's
    /// log.
    ///
    /// # Errors
    /// A message for the run's end (no directory for environments, one the run user cannot
    /// reach, a file operation that failed).
    pub(crate) fn venv(
        &self,
        ctx: &RunCtx<'_>,
        text: &str,
        source_builds: bool,
        log: &mut Log<'_>,
        sink: Sink<'_>,
    ) -> std::result::Result<Prepared, String> {
        let root = self.settings.venv_dir.clone().ok_or_else(|| {
            "this flight has requirements, but this runner has no directory for python environments (COFFER_VENV_DIR)".to_string()
        })?;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o755)
            .create(&root)
            .map_err(|e| {
                format!(
                    "cannot create the directory of python environments {}: {e}",
                    root.display()
                )
            })?;
        let run_as = match &self.settings.sandbox {
            Isolation::Sandboxed(s) => s.run_as.clone(),
            _ => None,
        };
        if let Some(user) = run_as.as_ref().filter(|u| !coffer_sandbox::reachable_by(&root, u)) {
            return Err(format!(
                "runs execute as '{}', who cannot reach the directory of python environments {}: set COFFER_VENV_DIR to a directory outside coffer's home whose parents that user may search (e.g. /var/cache/coffer/venvs)",
                user.name,
                root.display()
            ));
        }
        let mut env = RunEnv::new();
        self.add_own_env(&mut env, ctx.dir, None)?;
        env.add_runner("PYTHONNOUSERSITE", "1", false)?;
        let python = which(&self.settings.python, &env).ok_or_else(|| {
            format!(
                "cannot find the python interpreter '{}'",
                self.settings.python.display()
            )
        })?;
        let key = key(text, &python, source_builds);
        let short = &key[..12];
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(root.join(format!("{key}.lock")))
            .map_err(|e| format!("cannot open the lock of python environment {short}: {e}"))?;
        let _lock = match Flock::lock(lock, FlockArg::LockExclusiveNonblock) {
            Ok(l) => l,
            Err((lock, _)) => {
                log.tell(
                    sink,
                    &format!("another run is building python environment {short}; waiting for it\n"),
                );
                Flock::lock(lock, FlockArg::LockExclusive)
                    .map_err(|(_, e)| format!("cannot lock python environment {short}: {e}"))?
            }
        };
        if let Some(dir) = published(&root, &key) {
            log.tell(
                sink,
                &format!("python environment {short} reused ({})\n", dir.display()),
            );
            return Ok(Prepared::Ready(dir));
        }
        remove_leftovers(&root, &key);
        let uv = which(Path::new("uv"), &env);
        log.tell(
            sink,
            &format!(
                "building python environment {short} for the flight's requirements ({}, {}){}\n",
                if uv.is_some() { "uv" } else { "pip" },
                if source_builds {
                    "source builds allowed"
                } else {
                    "wheels only"
                },
                if matches!(self.settings.sandbox, Isolation::Sandboxed(_)) {
                    " in the run's sandbox"
                } else {
                    ""
                }
            ),
        );
        let build = tempfile::Builder::new()
            .prefix(&format!("{key}."))
            .tempdir_in(&root)
            .map_err(|e| format!("cannot create python environment {short}: {e}"))?;
        std::fs::set_permissions(build.path(), std::fs::Permissions::from_mode(0o755))
            .and_then(|()| self.give_to_run_user(build.path()))
            .map_err(|e| format!("cannot prepare python environment {short}: {e}"))?;
        let requirements = ctx.dir.join(".coffer-requirements.txt");
        std::fs::write(&requirements, coffer_model::requirements::normalize(text))
            .map_err(|e| format!("cannot write the requirements: {e}"))?;
        self.give_to_run_user(&requirements)
            .map_err(|e| format!("cannot give the requirements to the run user: {e}"))?;
        let dest = build.path().to_string_lossy().into_owned();
        let new_python = build.path().join("bin").join("python").to_string_lossy().into_owned();
        let req = requirements.to_string_lossy().into_owned();
        let mut install: Vec<String> = match &uv {
            Some(_) => ["pip", "install", "--no-cache", "--python", &new_python]
                .map(String::from)
                .to_vec(),
            None => [
                "-m",
                "pip",
                "install",
                "--no-cache-dir",
                "--disable-pip-version-check",
                "--no-input",
                // The interpreter's own packages are visible (see above): pip's warnings
                // about their dependencies are not the flight's business.
                "--no-warn-conflicts",
                "--progress-bar",
                "off",
            ]
            .map(String::from)
            .to_vec(),
        };
        if !source_builds {
            install.extend(["--only-binary".to_string(), ":all:".to_string()]);
        }
        install.extend(["-r".to_string(), req]);
        let steps: [(PathBuf, Vec<String>); 2] = [
            (
                python,
                vec![
                    "-I".into(),
                    "-c".into(),
                    CREATE.into(),
                    dest,
                    if uv.is_some() { "0" } else { "1" }.into(),
                ],
            ),
            (uv.unwrap_or_else(|| PathBuf::from(&new_python)), install),
        ];
        for (program, args) in steps {
            let tool = program
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let proc = Proc {
                program,
                args,
                env: env.duplicate(),
                stdin: None,
                read: None,
                write: Some(build.path().to_path_buf()),
            };
            let end = self.supervise(ctx, proc, log, sink)?;
            if end.status != RunStatus::Succeeded.name() {
                if end.status != RunStatus::Failed.name() {
                    return Ok(Prepared::Ended(end));
                }
                return Ok(Prepared::Ended(RunEnd {
                    status: RunStatus::Failed.name().into(),
                    exit_code: None,
                    finished_at: now_ms(),
                    message: Some(format!(
                        "installing the requirements failed ({tool} {}): its error is in the run's log; fix the requirements{} and run again",
                        end.message.unwrap_or_default(),
                        if source_builds {
                            ""
                        } else {
                            " (a package without a wheel for this machine needs source_builds)"
                        }
                    )),
                }));
            }
        }
        let owner = run_as.map(|_| (nix::unistd::geteuid(), nix::unistd::getegid()));
        seal(build.path(), owner).map_err(|e| format!("cannot seal python environment {short}: {e}"))?;
        let dir = build.keep();
        publish(&root, &key, &dir).map_err(|e| {
            let _ = std::fs::remove_dir_all(&dir);
            format!("cannot publish python environment {short}: {e}")
        })?;
        log.tell(sink, &format!("python environment {short} built ({})\n", dir.display()));
        Ok(Prepared::Ready(dir))
    }

    /// Hands `path` to the run user, when runs execute as one.
    fn give_to_run_user(&self, path: &Path) -> std::io::Result<()> {
        if let Isolation::Sandboxed(crate::settings::Sandbox { run_as: Some(u), .. }) = &self.settings.sandbox {
            nix::unistd::chown(path, Some(Uid::from_raw(u.uid)), Some(Gid::from_raw(u.gid)))?;
        }
        Ok(())
    }
}

/// Points `<root>/<key>` at `dir`: a new symlink renamed over the old one, atomically.
fn publish(root: &Path, key: &str, dir: &Path) -> std::io::Result<()> {
    let name = dir
        .file_name()
        .ok_or_else(|| std::io::Error::other("the environment has no name"))?;
    let tmp = root.join(format!(".{key}.link-{}", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    std::os::unix::fs::symlink(name, &tmp)?;
    std::fs::rename(&tmp, root.join(key))
}

/// Removes `<key>.*` directories that the link does not point at: builds whose process
/// died.
fn remove_leftovers(root: &Path, key: &str) {
    let Ok(entries) = std::fs::read_dir(root) else { return };
    let current = std::fs::read_link(root.join(key)).ok();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(&format!("{key}."))
            && name != format!("{key}.lock")
            && current.as_deref() != Some(Path::new(&name))
        {
            let path = entry.path();
            if std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir()) {
                let _ = std::fs::remove_dir_all(&path);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_the_normalized_text_and_the_flag() {
        let py = Path::new("/nonexistent/python3");
        let a = key("six==1.16.0\n", py, false);
        assert_eq!(a, key("# pinned\nsix==1.16.0   \n\n", py, false));
        assert_ne!(a, key("six==1.16.0\n", py, true));
        assert_ne!(a, key("six==1.15.0\n", py, false));
        assert_ne!(a, key("six==1.16.0\n", Path::new("/other/python3"), false));
        assert_eq!(a.len(), 40);
    }

    #[test]
    fn seal_removes_write_bits_and_publish_replaces_the_link() {
        let root = tempfile::tempdir().expect("tmp");
        let dir = root.path().join("k.abc");
        std::fs::create_dir_all(dir.join("bin")).expect("mkdir");
        std::fs::write(dir.join("bin/tool"), "x").expect("write");
        std::fs::set_permissions(dir.join("bin/tool"), std::fs::Permissions::from_mode(0o777)).expect("chmod");
        std::os::unix::fs::symlink("/usr/bin/python3", dir.join("bin/python")).expect("link");
        seal(&dir, None).expect("seal");
        let mode = |p: &Path| std::fs::symlink_metadata(p).expect("stat").mode() & 0o7777;
        assert_eq!(mode(&dir.join("bin/tool")), 0o755);
        assert_eq!(mode(&dir.join("bin")), 0o755);
        publish(root.path(), "k", &dir).expect("publish");
        assert_eq!(published(root.path(), "k"), Some(dir.clone()));
        std::fs::create_dir(root.path().join("k.dead")).expect("leftover");
        remove_leftovers(root.path(), "k");
        assert!(!root.path().join("k.dead").exists());
        assert!(published(root.path(), "k").is_some(), "only the unlinked ones go");
    }
}
