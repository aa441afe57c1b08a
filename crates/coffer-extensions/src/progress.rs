//! How an install tells its progress ([`Progress`]).

use crate::error::{Error, SourceKind};

/// Receives an install's progress, for the caller to draw. Every method does nothing by default.
pub trait Progress {
    /// A source is about to be asked.
    fn trying(&mut self, _source: SourceKind, _url: &str) {}
    /// A source failed; the next one is tried.
    fn fell_through(&mut self, _source: SourceKind, _error: &Error) {}
    /// A download starts; `total` is its size when the server says.
    fn downloading(&mut self, _source: SourceKind, _url: &str, _total: Option<u64>) {}
    /// `done` bytes of the current download have arrived.
    fn transferred(&mut self, _done: u64, _total: Option<u64>) {}
}

/// A [`Progress`] that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}
