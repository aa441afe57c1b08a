//! The metadata footer DuckDB appends to every extension file, checked before installing so
//! that a file for another DuckDB version or platform is refused here rather than when
//! DuckDB loads it. The footer's signature is not checked here: DuckDB checks it on `LOAD`.

use std::io::{Read, Seek, SeekFrom};

/// Size of the footer: 256 bytes of metadata (8 fields of 32 bytes) then a 256-byte signature.
pub(crate) const FOOTER_SIZE: u64 = 512;
const FIELD: usize = 32;
/// The magic value of field 0 (DuckDB's `ParsedExtensionMetaData::EXPECTED_MAGIC_VALUE`).
const MAGIC: &str = "4";

/// What the footer of a file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Footer {
    pub platform: String,
    /// The DuckDB version (`v1.5.5`) for C++ extensions, the C API version for C ABI ones.
    pub duckdb_version: String,
    pub abi: String,
}

/// Why a file is not an extension for this DuckDB.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Mismatch {
    /// Too small or without DuckDB's magic value.
    NotAnExtension(String),
    /// Built for another DuckDB version.
    Version(String),
    /// Built for another platform.
    Platform(String),
}

fn field(meta: &[u8], index: usize) -> String {
    // Fields are stored last-first: field 0 is the last 32 bytes of the metadata.
    let start = (7 - index) * FIELD;
    let raw = &meta[start..start + FIELD];
    let end = raw.iter().position(|&b| b == 0).unwrap_or(FIELD);
    String::from_utf8_lossy(&raw[..end]).into_owned()
}

/// Reads the footer at the end of `file` (`len` bytes long).
pub(crate) fn read<R: Read + Seek>(file: &mut R, len: u64) -> std::io::Result<Option<Footer>> {
    if len < FOOTER_SIZE {
        return Ok(None);
    }
    let mut meta = [0u8; 8 * FIELD];
    file.seek(SeekFrom::Start(len - FOOTER_SIZE))?;
    file.read_exact(&mut meta)?;
    file.seek(SeekFrom::Start(0))?;
    if field(&meta, 0) != MAGIC {
        return Ok(None);
    }
    Ok(Some(Footer {
        platform: field(&meta, 1),
        duckdb_version: field(&meta, 2),
        abi: field(&meta, 4),
    }))
}

/// Checks the footer of `file` against DuckDB `v{version}` on `platform`.
pub(crate) fn check<R: Read + Seek>(
    file: &mut R,
    len: u64,
    version: &str,
    platform: &str,
) -> std::io::Result<Result<Footer, Mismatch>> {
    let Some(footer) = read(file, len)? else {
        return Ok(Err(Mismatch::NotAnExtension(if len < FOOTER_SIZE {
            format!("{len} bytes, smaller than DuckDB's {FOOTER_SIZE}-byte footer")
        } else {
            "no DuckDB extension footer".into()
        })));
    };
    if footer.platform != platform {
        return Ok(Err(Mismatch::Platform(footer.platform)));
    }
    let wanted = format!("v{version}");
    match footer.abi.as_str() {
        // C ABI extensions name the C API version they need, which DuckDB checks on load.
        "C_STRUCT" => {}
        "CPP" | "" | "C_STRUCT_UNSTABLE" if footer.duckdb_version == wanted => {}
        "CPP" | "" | "C_STRUCT_UNSTABLE" => return Ok(Err(Mismatch::Version(footer.duckdb_version))),
        other => {
            return Ok(Err(Mismatch::NotAnExtension(format!(
                "unknown extension ABI {other:?}"
            ))))
        }
    }
    Ok(Ok(footer))
}

/// A footer as DuckDB writes it, for tests that build extension files.
#[cfg(test)]
pub(crate) fn fake_footer(platform: &str, duckdb_version: &str) -> Vec<u8> {
    let mut meta = vec![0u8; FOOTER_SIZE as usize];
    let mut put = |index: usize, value: &str| {
        let start = (7 - index) * FIELD;
        meta[start..start + value.len()].copy_from_slice(value.as_bytes());
    };
    put(0, MAGIC);
    put(1, platform);
    put(2, duckdb_version);
    put(3, "test");
    put(4, "CPP");
    meta
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn file(platform: &str, version: &str) -> Vec<u8> {
        let mut f = b"\x7fELF payload".to_vec();
        f.extend(fake_footer(platform, version));
        f
    }

    fn check_bytes(bytes: &[u8]) -> Result<Footer, Mismatch> {
        check(&mut Cursor::new(bytes), bytes.len() as u64, "1.5.5", "linux_amd64").expect("io")
    }

    #[test]
    fn accepts_the_right_footer() {
        let footer = check_bytes(&file("linux_amd64", "v1.5.5")).expect("accepted");
        assert_eq!(footer.abi, "CPP");
    }

    #[test]
    fn refuses_other_versions_platforms_and_junk() {
        assert_eq!(
            check_bytes(&file("linux_amd64", "v1.4.3")),
            Err(Mismatch::Version("v1.4.3".into()))
        );
        assert_eq!(
            check_bytes(&file("osx_arm64", "v1.5.5")),
            Err(Mismatch::Platform("osx_arm64".into()))
        );
        assert!(matches!(check_bytes(b"tiny"), Err(Mismatch::NotAnExtension(_))));
        assert!(matches!(check_bytes(&[7u8; 600]), Err(Mismatch::NotAnExtension(_))));
    }

    #[test]
    fn reads_a_real_extension_when_present() {
        let path = "/root/.cache/coffer-extensions/v1.5.5/linux_amd64/httpfs.duckdb_extension";
        let Ok(mut f) = std::fs::File::open(path) else { return };
        let len = f.metadata().expect("metadata").len();
        let footer = check(&mut f, len, "1.5.5", "linux_amd64")
            .expect("io")
            .expect("accepted");
        assert_eq!(footer.duckdb_version, "v1.5.5");
    }
}
