//! [`MaskStream`]: a [`Masker`] applied to one output stream write by write, holding back only
//! the bytes that may still be the start of a value continued by the next write.

use std::fmt;

use super::masker::{Masker, MASK};

impl Masker {
    /// A streaming masker for one output stream.
    pub fn stream(&self) -> MaskStream {
        MaskStream {
            masker: self.clone(),
            buf: Vec::new(),
        }
    }
}

/// Masks one output stream incrementally (see the [module docs](super)). Feed every write of
/// the stream to [`push`](MaskStream::push) in order, emit what it returns, and emit what
/// [`finish`](MaskStream::finish) returns at the end of the stream.
#[derive(Clone)]
pub struct MaskStream {
    masker: Masker,
    /// Held-back tail (fewer than `max_len` bytes between calls), reused as the search buffer.
    buf: Vec<u8>,
}

impl fmt::Debug for MaskStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MaskStream")
            .field("masker", &self.masker)
            .field("held_back", &self.buf.len())
            .finish()
    }
}

impl MaskStream {
    /// Takes the next write of the stream; returns the masked bytes that are safe to emit now.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(chunk.len() + self.buf.len());
        self.push_into(chunk, &mut out);
        out
    }

    /// Like [`push`](MaskStream::push), appending to `out` instead of allocating.
    pub fn push_into(&mut self, chunk: &[u8], out: &mut Vec<u8>) {
        if self.masker.is_empty() {
            out.extend_from_slice(chunk);
            return;
        }
        self.buf.extend_from_slice(chunk);
        let buf = &self.buf[..];
        // Every pattern starting before `settled` ends inside `buf`.
        let settled = (buf.len() + 1).saturating_sub(self.masker.max_len);
        let mut pos = 0;
        self.masker.for_each_match(buf, |start, end| {
            if start >= settled {
                return false;
            }
            out.extend_from_slice(&buf[pos..start]);
            out.extend_from_slice(MASK);
            pos = end;
            true
        });
        let cut = pos.max(settled);
        out.extend_from_slice(&buf[pos..cut]);
        self.buf.drain(..cut);
    }

    /// How many bytes are held back, waiting for the next write or [`finish`](Self::finish).
    pub fn held_back(&self) -> usize {
        self.buf.len()
    }

    /// Ends the stream: the held-back bytes, masked.
    pub fn finish(self) -> Vec<u8> {
        self.masker.mask(&self.buf)
    }

    /// Ends the stream, appending the held-back bytes, masked, to `out`.
    pub fn finish_into(self, out: &mut Vec<u8>) {
        self.masker.mask_into(&self.buf, out);
    }
}
