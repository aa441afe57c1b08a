//! PyPI's `duckdb-extension-<name>` wheels: picking the linux x86_64 one from PyPI's JSON API,
//! and taking the one extension file out of a wheel.

use std::io::{Read, Seek};

use serde::Deserialize;

use crate::consts::{DUCKDB_VERSION, WHEEL_ARCH};
use crate::error::{Error, Result};
use crate::store::{display_version, Staged};

/// A file of a release in PyPI's JSON API (`urls`, or `releases.<version>`).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct PypiFile {
    pub filename: String,
    pub url: String,
    #[serde(default)]
    pub packagetype: String,
    #[serde(default)]
    pub digests: Digests,
    #[serde(default)]
    pub yanked: bool,
}

/// A file's digests.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Digests {
    pub sha256: Option<String>,
}

/// `/pypi/<project>/<version>/json`.
#[derive(Debug, Deserialize)]
pub(crate) struct VersionJson {
    pub urls: Vec<PypiFile>,
}

/// `/pypi/<project>/json`: every release's files.
#[derive(Debug, Deserialize)]
pub(crate) struct ProjectJson {
    pub releases: std::collections::BTreeMap<String, Vec<PypiFile>>,
}

/// The parts of a wheel file name `{dist}-{version}(-{build})?-{python}-{abi}-{platform}.whl`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WheelName {
    pub dist: String,
    pub version: String,
    pub platforms: Vec<String>,
}

/// Parses a wheel file name; `None` if it is not one.
pub(crate) fn parse_wheel_name(filename: &str) -> Option<WheelName> {
    let stem = filename.strip_suffix(".whl")?;
    let parts: Vec<&str> = stem.split('-').collect();
    if parts.len() != 5 && parts.len() != 6 {
        return None;
    }
    let platform = parts[parts.len() - 1];
    Some(WheelName {
        dist: parts[0].to_string(),
        version: parts[1].to_string(),
        platforms: platform.split('.').map(str::to_string).collect(),
    })
}

/// Whether a wheel platform tag runs on glibc Linux on this architecture
/// (`manylinux2014_x86_64`, `manylinux_2_17_x86_64`, `linux_x86_64`; not musllinux).
pub(crate) fn is_linux_tag(tag: &str) -> bool {
    (tag.starts_with("manylinux") || tag.starts_with("linux_")) && tag.ends_with(&format!("_{WHEEL_ARCH}"))
}

/// The wheel for this platform among a release's files: a not yanked `bdist_wheel` of version
/// 1.5.5 with a linux x86_64 tag. `Err` lists the file names seen.
pub(crate) fn pick(files: &[PypiFile]) -> std::result::Result<&PypiFile, String> {
    files
        .iter()
        .filter(|f| !f.yanked && (f.packagetype.is_empty() || f.packagetype == "bdist_wheel"))
        .find(|f| {
            parse_wheel_name(&f.filename)
                .is_some_and(|w| w.version == DUCKDB_VERSION && w.platforms.iter().any(|p| is_linux_tag(p)))
        })
        .ok_or_else(|| {
            let names: Vec<&str> = files.iter().map(|f| f.filename.as_str()).collect();
            if names.is_empty() {
                "the release has no files".to_string()
            } else {
                format!("no linux {WHEEL_ARCH} wheel among {}", names.join(", "))
            }
        })
}

/// An extension file inside a wheel: `duckdb_extension_<name>/extensions/v<version>/<name>.duckdb_extension`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Member {
    pub index: usize,
    pub name: String,
    /// Without the `v`.
    pub version: String,
}

fn parse_member(path: &str) -> Option<(String, String)> {
    let mut parts = path.split('/');
    let package = parts.next()?.strip_prefix("duckdb_extension_")?;
    if parts.next()? != "extensions" {
        return None;
    }
    let version = parts.next()?.strip_prefix('v')?;
    let file = parts.next()?.strip_suffix(crate::store::SUFFIX)?;
    if parts.next().is_some() || file != package || crate::names::validate(file).ok().as_deref() != Some(file) {
        return None;
    }
    Some((file.to_string(), version.to_string()))
}

/// The extension members of a wheel.
fn members<R: Read + Seek>(zip: &zip::ZipArchive<R>) -> Vec<Member> {
    zip.file_names()
        .filter_map(|n| parse_member(n).map(|(name, version)| (n, name, version)))
        .filter_map(|(n, name, version)| zip.index_for_name(n).map(|index| Member { index, name, version }))
        .collect()
}

fn not_a_wheel(origin: &str, reason: impl std::fmt::Display) -> Error {
    Error::NotAnExtension {
        file: origin.to_string(),
        reason: format!("not a usable wheel ({reason})"),
    }
}

/// Opens a wheel and finds its extension: the one for `expected` (a name) when given, else the
/// only one. The member must be for DuckDB 1.5.5.
pub(crate) fn open<R: Read + Seek>(
    reader: R,
    origin: &str,
    expected: Option<&str>,
) -> Result<(zip::ZipArchive<R>, Member)> {
    let zip = zip::ZipArchive::new(reader).map_err(|e| not_a_wheel(origin, e))?;
    let mut found = members(&zip);
    if let Some(name) = expected {
        found.retain(|m| m.name == name);
    }
    let member = match found.len() {
        0 => {
            let what = expected.map_or("a DuckDB extension".to_string(), |n| format!("the {n} extension"));
            return Err(not_a_wheel(
                origin,
                format!("no {what} in it (duckdb_extension_<name>/extensions/v<version>/<name>.duckdb_extension)"),
            ));
        }
        1 => found.remove(0),
        _ => match found.iter().position(|m| m.version == DUCKDB_VERSION) {
            Some(i) => found.remove(i),
            None => return Err(not_a_wheel(origin, "several extension files, none for this DuckDB")),
        },
    };
    if member.version != DUCKDB_VERSION {
        return Err(Error::WrongVersion {
            file: origin.to_string(),
            name: member.name,
            found: display_version(&member.version),
        });
    }
    Ok((zip, member))
}

/// Copies the wheel's `member` into `staged`, at most `limit` bytes (the zip crate checks the
/// member's CRC-32 as it is read to its end).
pub(crate) fn extract<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    member: &Member,
    staged: &mut Staged,
    origin: &str,
    limit: u64,
) -> Result<u64> {
    let mut file = zip.by_index(member.index).map_err(|e| not_a_wheel(origin, e))?;
    if !file.is_file() {
        return Err(not_a_wheel(origin, format!("{} is not a file", file.name())));
    }
    let what = format!("{} in {origin}", file.name());
    if file.size() > limit {
        return Err(Error::TooLarge {
            name: member.name.clone(),
            what,
            limit,
        });
    }
    let copied = std::io::copy(&mut (&mut file).take(limit + 1), staged.file()?)
        .map_err(|e| not_a_wheel(origin, format!("cannot extract {}: {e}", member.name)))?;
    if copied > limit {
        return Err(Error::TooLarge {
            name: member.name.clone(),
            what,
            limit,
        });
    }
    Ok(copied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wheel_names() {
        let w = parse_wheel_name("duckdb_extension_httpfs-1.5.5-py3-none-manylinux2014_x86_64.whl").expect("parsed");
        assert_eq!(w.dist, "duckdb_extension_httpfs");
        assert_eq!(w.version, "1.5.5");
        assert!(w.platforms.iter().any(|p| is_linux_tag(p)));
        let w = parse_wheel_name("x-1.5.5-1-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl").expect("parsed");
        assert_eq!(w.platforms.len(), 2);
        assert!(!is_linux_tag("manylinux2014_aarch64"));
        assert!(!is_linux_tag("musllinux_1_2_x86_64"));
        assert!(!is_linux_tag("macosx_11_0_x86_64"));
        assert_eq!(parse_wheel_name("x-1.tar.gz"), None);
    }

    #[test]
    fn members() {
        assert_eq!(
            parse_member("duckdb_extension_httpfs/extensions/v1.5.5/httpfs.duckdb_extension"),
            Some(("httpfs".into(), "1.5.5".into()))
        );
        assert_eq!(
            parse_member("duckdb_extension_a/extensions/v1.5.5/b.duckdb_extension"),
            None
        );
        assert_eq!(
            parse_member("duckdb_extension_../extensions/v1.5.5/...duckdb_extension"),
            None
        );
        assert_eq!(
            parse_member("duckdb_extension_a/extensions/v1.5.5/x/a.duckdb_extension"),
            None
        );
    }

    #[test]
    fn picks_the_linux_x86_64_wheel() {
        let file = |name: &str| PypiFile {
            filename: name.into(),
            url: format!("https://files.example/{name}"),
            packagetype: "bdist_wheel".into(),
            digests: Digests {
                sha256: Some("00".into()),
            },
            yanked: false,
        };
        let files = vec![
            file("duckdb_extension_aws-1.5.5-py3-none-manylinux2014_aarch64.whl"),
            file("duckdb_extension_aws-1.5.5-py3-none-macosx_11_0_x86_64.whl"),
            file("duckdb_extension_aws-1.5.5-py3-none-manylinux2014_x86_64.whl"),
        ];
        assert_eq!(
            pick(&files).map(|f| f.filename.as_str()),
            Ok(files[2].filename.as_str())
        );
        assert!(pick(&files[..2]).is_err_and(|e| e.contains("macosx_11_0_x86_64")));
    }
}
