//! The pipe protocol between coffer and its engine process (`coffer-engine serve`).
//!
//! One request, then one response, on the engine's stdin and stdout. A frame is a 4-byte
//! little-endian length followed by that many bytes of JSON. A frame that registers a secret
//! holds its values: both ends keep such bytes in zeroizing buffers and never log them.

use coffer_crypto::SecretString;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::io::{Read, Write};
use zeroize::Zeroizing;

/// The largest frame either end accepts (a result of 256 MiB is refused before it is sent).
pub const MAX_FRAME: usize = 256 << 20;

/// What coffer asks of its engine.
#[derive(Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Request {
    /// Run a `CREATE OR REPLACE TEMPORARY SECRET` statement (it holds values).
    Register {
        /// The DuckDB secret's name.
        name: String,
        /// The statement.
        #[serde(serialize_with = "ser_secret", deserialize_with = "de_secret")]
        sql: SecretString,
    },
    /// Drop a DuckDB secret if it exists.
    Drop {
        /// The DuckDB secret's name.
        name: String,
    },
    /// Run one statement and return its rows.
    Query {
        /// The statement.
        sql: String,
    },
    /// The secret DuckDB picks for a path and type.
    WhichSecret {
        /// The path.
        path: String,
        /// The secret type.
        secret_type: String,
    },
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Request::Register { name, .. } => f.debug_struct("Register").field("name", name).finish_non_exhaustive(),
            Request::Drop { name } => f.debug_struct("Drop").field("name", name).finish(),
            Request::Query { .. } => f.debug_struct("Query").finish_non_exhaustive(),
            Request::WhichSecret { path, secret_type } => f
                .debug_struct("WhichSecret")
                .field("path", path)
                .field("secret_type", secret_type)
                .finish(),
        }
    }
}

fn ser_secret<S: Serializer>(v: &SecretString, s: S) -> std::result::Result<S::Ok, S::Error> {
    // Leaves the process: a frame on the pipe to the engine, which hands it to DuckDB.
    s.serialize_str(v.expose_secret())
}

fn de_secret<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<SecretString, D::Error> {
    String::deserialize(d).map(SecretString::new)
}

/// Why the engine refused or failed a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Failure {
    /// DuckDB's error.
    Duck,
    /// The statement ran past the engine's timeout and was interrupted.
    Timeout,
    /// The result is larger than the engine sends.
    TooLarge,
    /// A malformed request.
    Protocol,
}

/// The engine's answer.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Response {
    /// Done, nothing to return.
    Done,
    /// A statement's result.
    Rows {
        /// The rows.
        rows: Rows,
    },
    /// `which_secret`'s answer.
    Which {
        /// The secret's name, if one matches.
        name: Option<String>,
    },
    /// A failure.
    Error {
        /// Its kind.
        failure: Failure,
        /// The message (never holding a registered value).
        message: String,
    },
}

/// A result of a statement run on DuckDB: column names, DuckDB type names, rows.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Rows {
    /// Column names and type names (`varchar`, `bigint`, ...).
    pub columns: Vec<(String, String)>,
    /// Values: booleans and integers as such, everything else as DuckDB-like text.
    pub rows: Vec<Vec<Cell>>,
}

/// One value of [`Rows`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Cell {
    /// NULL.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// Anything else, formatted.
    Text(String),
}

/// Writes one frame holding `msg`; the encoded bytes are zeroized afterwards.
///
/// # Errors
/// The pipe's error; a message larger than [`MAX_FRAME`].
pub fn write_frame(w: &mut impl Write, msg: &impl Serialize) -> std::io::Result<()> {
    let body = Zeroizing::new(serde_json::to_vec(msg).map_err(std::io::Error::other)?);
    if body.len() > MAX_FRAME {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "a message of {} bytes is larger than the limit of {MAX_FRAME}",
                body.len()
            ),
        ));
    }
    let len = u32::try_from(body.len()).map_err(std::io::Error::other)?;
    w.write_all(&len.to_le_bytes())?;
    w.write_all(&body)?;
    w.flush()
}

/// Reads one frame's bytes: `None` at a clean end of the stream.
///
/// # Errors
/// The pipe's error; a frame larger than [`MAX_FRAME`]; a stream cut inside a frame.
pub fn read_frame(r: &mut impl Read) -> std::io::Result<Option<Zeroizing<Vec<u8>>>> {
    let mut len = [0u8; 4];
    match r.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let len = u32::from_le_bytes(len) as usize;
    if len > MAX_FRAME {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("a frame of {len} bytes is larger than the limit of {MAX_FRAME}"),
        ));
    }
    let mut body = Zeroizing::new(vec![0u8; len]);
    r.read_exact(&mut body)?;
    Ok(Some(body))
}

/// Decodes a frame's bytes. A decoding error never quotes the input (it may hold values).
///
/// # Errors
/// The bytes are not a message of type `T`.
pub fn decode<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> std::io::Result<T> {
    serde_json::from_slice(bytes).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("malformed message at line {} column {}", e.line(), e.column()),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_debug_hides_values() {
        let req = Request::Register {
            name: "s".into(),
            sql: SecretString::from("CREATE SECRET s (TYPE s3, SECRET 'hunter2')"),
        };
        assert!(!format!("{req:?}").contains("hunter2"));
        let mut buf = Vec::new();
        write_frame(&mut buf, &req).expect("write");
        write_frame(
            &mut buf,
            &Response::Rows {
                rows: Rows {
                    columns: vec![("a".into(), "bigint".into())],
                    rows: vec![vec![Cell::Int(1), Cell::Null, Cell::Bool(true), Cell::Text("x".into())]],
                },
            },
        )
        .expect("write");
        let mut r = buf.as_slice();
        let back: Request = decode(&read_frame(&mut r).expect("read").expect("frame")).expect("decode");
        match back {
            Request::Register { name, sql } => {
                assert_eq!(name, "s");
                assert!(sql.expose_secret().contains("hunter2"));
            }
            other => panic!("unexpected {other:?}"),
        }
        let rows: Response = decode(&read_frame(&mut r).expect("read").expect("frame")).expect("decode");
        match rows {
            Response::Rows { rows } => assert_eq!(
                rows.rows[0],
                vec![Cell::Int(1), Cell::Null, Cell::Bool(true), Cell::Text("x".into())]
            ),
            other => panic!("unexpected {other:?}"),
        }
        assert!(read_frame(&mut r).expect("eof").is_none());
    }

    #[test]
    fn oversized_and_cut_frames_are_errors_not_panics() {
        let mut big = (u32::MAX).to_le_bytes().to_vec();
        big.extend_from_slice(b"{}");
        assert!(read_frame(&mut big.as_slice()).is_err());
        let mut cut = 10u32.to_le_bytes().to_vec();
        cut.extend_from_slice(b"{}");
        assert!(read_frame(&mut cut.as_slice()).is_err());
        let Err(e) = decode::<Request>(b"{\"op\":\"register\",\"name\":\"x\",\"sql\":\"SECRET 'hunter2'\"") else {
            panic!("a cut message decodes");
        };
        assert!(!e.to_string().contains("hunter2"));
    }
}
