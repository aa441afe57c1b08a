//! Masking of secret values in run logs: every injected sensitive value, and its base64 forms,
//! is replaced by [`MASK`] (`****`) before a log line is stored or shown, also when a value is
//! split across two (or many) writes of the child process.
//!
//! - [`Masker`] is built once per run from the sensitive values. It holds one Aho-Corasick
//!   automaton over all *patterns*: each value and its base64 encodings (standard and URL-safe
//!   alphabets, each with and without `=` padding), deduplicated. Matching is
//!   [`MatchKind::LeftmostLongest`]: at the leftmost position where any pattern starts, the
//!   longest pattern starting there wins, so a value that is a prefix of another never leaves
//!   the rest of the longer one visible. Matches do not overlap; each becomes one `****`.
//! - [`MaskStream`] masks one output stream (stdout, stderr) incrementally:
//!   [`MaskStream::push`] returns the bytes that are safe to emit now and keeps back at most
//!   `max_pattern_len - 1` trailing bytes that could still be the start of a value continued by
//!   the next write; [`MaskStream::finish`] masks and returns the rest. The concatenated output
//!   of a stream is byte-for-byte what [`Masker::mask`] gives for the whole input at once,
//!   whatever the chunking: no non-secret byte is lost, duplicated or reordered.
//!
//! # Why the streaming output equals the one-shot output
//!
//! Let the buffer be the held-back tail plus the new chunk, of length `len`, and let `m` be
//! the longest pattern length. A position `p < len + 1 - m` is *settled*: every pattern that
//! starts at `p` ends inside the buffer, so whether (and which, longest) pattern matches at `p`
//! does not depend on future bytes. Leftmost-longest search over the buffer reports matches in
//! order of their start; every match starting at a settled position is therefore exactly the
//! match the one-shot search would report (no earlier settled position starts any pattern, or
//! it would have been reported first), and is emitted as `****`. The first match starting at
//! an unsettled position (or none) stops the loop; the bytes from the end of the last emitted
//! match up to the first unsettled position start no pattern and are emitted as they are. The
//! rest (fewer than `m` bytes) is held back and searched again with the next chunk, which is
//! exactly where the one-shot search would resume.
//!
//! # Choices
//!
//! - **Short values are masked too.** Empty values are ignored (they would match everywhere),
//!   but a 1–3 byte value is still masked, with its base64 forms. That can blank out much
//!   unrelated text (a secret `a` masks every `a`), which is visible and annoying but never
//!   leaks; skipping short values would print them in the clear whenever they occur. Callers
//!   can warn about such values with [`Masker::short_values`] (shorter than
//!   [`MIN_RECOMMENDED_LEN`]).
//! - **Base64 forms are the encodings of the value on its own** (as in `echo -n $V | base64`
//!   or an `Authorization: Basic` header of the value alone): standard and URL-safe, padded
//!   and unpadded. A value encoded inside a longer byte string at an offset that is not a
//!   multiple of three encodes to different characters and is not recognised; neither are
//!   other encodings (hex, URL escapes, JSON escapes).
//! - **The output is not searched again.** A value containing `*` could, in theory, be formed
//!   by text next to a `****`; for values without `*`, no value (or base64 form) ever appears
//!   in the output, because the bytes between two matches start no pattern.
//! - **Speed**: the automaton is a DFA (falling back to a contiguous NFA if the DFA would be
//!   too large). With many values a DFA no longer fits in cache, so when every pattern is at
//!   least 12 bytes long a sampled 4-gram prefilter (`GramFilter`) picks the small regions
//!   that can contain a match and only those are searched; the result is the same. With 1,000
//!   values of 20–40 bytes that is ~2.5 GB/s instead of ~0.36 GB/s (`benches/mask.rs`).
//! - **Memory**: the automaton holds copies of the values; they are not zeroized on drop
//!   (the `aho-corasick` crate does not support that). [`Masker`]'s and [`MaskStream`]'s
//!   `Debug` show only counts and lengths, never a value.

use std::fmt;
use std::sync::Arc;

use aho_corasick::{AhoCorasick, AhoCorasickKind, Input, MatchKind};
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;
use coffer_crypto::SecretString;

/// What every masked value is replaced with.
pub const MASK: &[u8] = b"****";

/// Values shorter than this (in bytes) are still masked, but mask a lot of unrelated text;
/// see [`Masker::short_values`].
pub const MIN_RECOMMENDED_LEN: usize = 4;

/// Why a [`Masker`] could not be built (the automaton would exceed the size limits of the
/// `aho-corasick` crate). The message never contains a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot build the log masker over {patterns} patterns: {reason}")]
pub struct MaskError {
    /// How many patterns (values and their base64 forms) there were.
    pub patterns: usize,
    /// The automaton builder's reason.
    pub reason: String,
}

/// Masks a fixed set of secret values (and their base64 forms) in byte streams. Cheap to
/// clone (the automaton is shared).
#[derive(Clone)]
pub struct Masker {
    /// `None` when there is nothing to mask: input passes through unchanged.
    ac: Option<AhoCorasick>,
    /// Sampled 4-gram prefilter, when every pattern is long enough for it.
    filter: Option<Arc<GramFilter>>,
    /// Longest pattern, in bytes (0 without patterns).
    max_len: usize,
    values: usize,
    patterns: usize,
    short_values: usize,
}

impl fmt::Debug for Masker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Masker")
            .field("values", &self.values)
            .field("patterns", &self.patterns)
            .field("short_values", &self.short_values)
            .field("max_pattern_len", &self.max_len)
            .finish_non_exhaustive()
    }
}

impl Masker {
    /// A masker for `values` (each a secret value as bytes) and their base64 forms. Empty
    /// values are ignored; duplicates are fine.
    pub fn new<I, V>(values: I) -> Result<Masker, MaskError>
    where
        I: IntoIterator<Item = V>,
        V: AsRef<[u8]>,
    {
        let mut patterns: Vec<Vec<u8>> = Vec::new();
        let mut distinct: Vec<Vec<u8>> = Vec::new();
        for value in values {
            let value = value.as_ref();
            if value.is_empty() {
                continue;
            }
            distinct.push(value.to_vec());
            patterns.push(value.to_vec());
            for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
                patterns.push(engine.encode(value).into_bytes());
            }
        }
        distinct.sort_unstable();
        distinct.dedup();
        patterns.sort_unstable();
        patterns.dedup();
        let short_values = distinct.iter().filter(|v| v.len() < MIN_RECOMMENDED_LEN).count();
        let max_len = patterns.iter().map(Vec::len).max().unwrap_or(0);
        let ac = if patterns.is_empty() {
            None
        } else {
            Some(build(&patterns)?)
        };
        let filter = GramFilter::new(&patterns).map(Arc::new);
        Ok(Masker {
            ac,
            filter,
            max_len,
            values: distinct.len(),
            patterns: patterns.len(),
            short_values,
        })
    }

    /// A masker for the values of `secrets` (see [`Masker::new`]).
    pub fn from_secrets<'a, I>(secrets: I) -> Result<Masker, MaskError>
    where
        I: IntoIterator<Item = &'a SecretString>,
    {
        Masker::new(secrets.into_iter().map(|s| s.expose_secret().as_bytes()))
    }

    /// A masker that masks nothing.
    pub fn empty() -> Masker {
        Masker {
            ac: None,
            filter: None,
            max_len: 0,
            values: 0,
            patterns: 0,
            short_values: 0,
        }
    }

    /// How many distinct non-empty values are masked.
    pub fn values(&self) -> usize {
        self.values
    }

    /// How many distinct patterns (values and base64 forms) are searched for.
    pub fn patterns(&self) -> usize {
        self.patterns
    }

    /// How many distinct values are shorter than [`MIN_RECOMMENDED_LEN`] bytes. They are
    /// masked anyway; a caller may want to warn that they will blank out unrelated text.
    pub fn short_values(&self) -> usize {
        self.short_values
    }

    /// The longest pattern in bytes; a [`MaskStream`] holds back at most one byte less.
    pub fn max_pattern_len(&self) -> usize {
        self.max_len
    }

    /// Whether there is nothing to mask.
    pub fn is_empty(&self) -> bool {
        self.ac.is_none()
    }

    /// `input` with every value and base64 form replaced by [`MASK`].
    pub fn mask(&self, input: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(input.len());
        self.mask_into(input, &mut out);
        out
    }

    /// Appends `input`, masked, to `out`.
    pub fn mask_into(&self, input: &[u8], out: &mut Vec<u8>) {
        let mut pos = 0;
        self.for_each_match(input, |start, end| {
            out.extend_from_slice(&input[pos..start]);
            out.extend_from_slice(MASK);
            pos = end;
            true
        });
        out.extend_from_slice(&input[pos..]);
    }

    /// Calls `f(start, end)` for each leftmost-longest match in `hay`, in order, until it
    /// returns `false`.
    fn for_each_match(&self, hay: &[u8], mut f: impl FnMut(usize, usize) -> bool) {
        let Some(ac) = &self.ac else { return };
        let Some(filter) = &self.filter else {
            for m in ac.find_iter(hay) {
                if !f(m.start(), m.end()) {
                    return;
                }
            }
            return;
        };
        // Search only the regions around sampled 4-grams that occur in some pattern. Every
        // occurrence lies inside a region (see `GramFilter`); overlapping regions are merged,
        // so no occurrence crosses a region's edge and the matches of the regions, in order,
        // are the matches of the whole haystack.
        let mut resume = 0;
        let mut search = |lo: usize, hi: usize, resume: &mut usize| -> bool {
            let lo = lo.max(*resume);
            if lo >= hi {
                return true;
            }
            for m in ac.find_iter(Input::new(hay).range(lo..hi)) {
                *resume = m.end();
                if !f(m.start(), m.end()) {
                    return false;
                }
            }
            true
        };
        let mut region: Option<(usize, usize)> = None;
        let mut k = 0;
        while let Some(gram) = hay.get(k..k + GRAM) {
            if filter.may_start(gram) {
                let lo = k.saturating_sub(filter.back);
                let hi = (k + self.max_len).min(hay.len());
                region = match region {
                    Some((rlo, rhi)) if lo <= rhi => Some((rlo, hi.max(rhi))),
                    Some((rlo, rhi)) => {
                        if !search(rlo, rhi, &mut resume) {
                            return;
                        }
                        Some((lo, hi))
                    }
                    None => Some((lo, hi)),
                };
            }
            k += filter.step;
        }
        if let Some((rlo, rhi)) = region {
            search(rlo, rhi, &mut resume);
        }
    }

    /// `input` masked, as text. Values and base64 forms that are valid UTF-8 match only on
    /// character boundaries, so the result of masking valid UTF-8 is valid UTF-8 unless a
    /// value given as raw bytes cuts a character; such bytes become U+FFFD.
    pub fn mask_str(&self, input: &str) -> String {
        let out = self.mask(input.as_bytes());
        match String::from_utf8(out) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        }
    }

    /// A streaming masker for one output stream.
    pub fn stream(&self) -> MaskStream {
        MaskStream {
            masker: self.clone(),
            buf: Vec::new(),
        }
    }
}

fn build(patterns: &[Vec<u8>]) -> Result<AhoCorasick, MaskError> {
    let error = |e: aho_corasick::BuildError| MaskError {
        patterns: patterns.len(),
        reason: e.to_string(),
    };
    let mut builder = AhoCorasick::builder();
    builder.match_kind(MatchKind::LeftmostLongest);
    // A DFA is the fastest search for many patterns; if it would be too large, fall back to
    // the crate's own choice (a contiguous NFA), which is slower but much smaller.
    match builder.kind(Some(AhoCorasickKind::DFA)).build(patterns) {
        Ok(ac) => Ok(ac),
        Err(_) => builder.kind(None).build(patterns).map_err(error),
    }
}

/// Length of the sampled grams.
const GRAM: usize = 4;
/// The prefilter is used only when every pattern has at least this many bytes, so that it
/// samples at most every 9th position.
const FILTER_MIN_PATTERN_LEN: usize = 12;
/// Bits in the gram table (512 KiB).
const FILTER_BITS: u32 = 22;

/// A sampled 4-gram prefilter (in the spirit of q-gram filters for multi-pattern search).
///
/// With `L` the shortest pattern length, the haystack is sampled at every `step = L - 3`-th
/// position. An occurrence `[a, a + len)` of any pattern (`len >= L`) has 4-grams starting at
/// `a ..= a + L - 4`, `step` consecutive positions, so exactly one of them is sampled, and it
/// is the pattern's 4-gram at an offset `0 ..= L - 4`. The table holds (hashes of) those
/// 4-grams of every pattern, so the sample hits; the occurrence then lies inside
/// `[k - (L - 4), k + max_len)` around the sampled position `k`, which is searched with the
/// automaton. False hits only cost a search of a small region.
struct GramFilter {
    bits: Vec<u64>,
    step: usize,
    back: usize,
}

impl GramFilter {
    fn new(patterns: &[Vec<u8>]) -> Option<GramFilter> {
        let min = patterns.iter().map(Vec::len).min()?;
        if min < FILTER_MIN_PATTERN_LEN {
            return None;
        }
        let mut filter = GramFilter {
            bits: vec![0; 1 << (FILTER_BITS - 6)],
            step: min - GRAM + 1,
            back: min - GRAM,
        };
        for p in patterns {
            for gram in p[..min].windows(GRAM) {
                let h = gram_hash(gram);
                filter.bits[h >> 6] |= 1 << (h & 63);
            }
        }
        Some(filter)
    }

    fn may_start(&self, gram: &[u8]) -> bool {
        let h = gram_hash(gram);
        self.bits[h >> 6] & (1 << (h & 63)) != 0
    }
}

fn gram_hash(gram: &[u8]) -> usize {
    let mut g = [0u8; GRAM];
    g.copy_from_slice(gram);
    (u32::from_le_bytes(g).wrapping_mul(0x9e37_79b1) >> (32 - FILTER_BITS)) as usize
}

/// Masks one output stream incrementally (see the [module docs](self)). Feed every write of
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn masker(values: &[&[u8]]) -> Masker {
        Masker::new(values).expect("masker")
    }

    fn stream_all(m: &Masker, chunks: &[&[u8]]) -> Vec<u8> {
        let mut s = m.stream();
        let mut out = Vec::new();
        for c in chunks {
            out.extend(s.push(c));
            assert!(s.held_back() < m.max_pattern_len().max(1));
        }
        out.extend(s.finish());
        out
    }

    /// Leftmost-longest masking, the slow obvious way.
    fn naive_mask(values: &[Vec<u8>], text: &[u8]) -> Vec<u8> {
        let pats = all_patterns(values);
        let mut out = Vec::new();
        let mut pos = 0;
        while pos < text.len() {
            let longest = pats.iter().filter(|p| text[pos..].starts_with(p)).map(Vec::len).max();
            match longest {
                Some(n) => {
                    out.extend_from_slice(MASK);
                    pos += n;
                }
                None => {
                    out.push(text[pos]);
                    pos += 1;
                }
            }
        }
        out
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
    }

    fn all_patterns(values: &[Vec<u8>]) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for v in values.iter().filter(|v| !v.is_empty()) {
            out.push(v.clone());
            for e in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
                out.push(e.encode(v).into_bytes());
            }
        }
        out
    }

    #[test]
    fn masks_value_and_base64_forms() {
        let m = masker(&[b"hunter22"]);
        assert_eq!(m.mask(b"pw=hunter22."), b"pw=****.");
        // "hunter22" -> aHVudGVyMjI= (standard, padded)
        assert_eq!(m.mask(b"b64 aHVudGVyMjI= x"), b"b64 **** x");
        assert_eq!(m.mask(b"b64 aHVudGVyMjI x"), b"b64 **** x");
        // A value whose encodings differ between alphabets: bytes fb ff -> "+/8=" / "-_8=".
        let m = masker(&[b"\xfb\xff\xfe\x00"]);
        assert_eq!(m.mask(b"[+//+AA==]"), b"[****]");
        assert_eq!(m.mask(b"[-__-AA]"), b"[****]");
        assert_eq!(m.mask(b"[\xfb\xff\xfe\x00]"), b"[****]");
    }

    #[test]
    fn empty_values_and_empty_masker() {
        let m = masker(&[b"", b""]);
        assert!(m.is_empty());
        assert_eq!(m.values(), 0);
        assert_eq!(m.mask(b"anything"), b"anything");
        assert_eq!(stream_all(&m, &[b"ab", b"", b"cd"]), b"abcd");
        let e = Masker::empty();
        assert_eq!(stream_all(&e, &[b"x"]), b"x");
    }

    #[test]
    fn counts_and_debug_do_not_show_values() {
        let m = masker(&[b"topsecretvalue", b"topsecretvalue", b"ab", b""]);
        assert_eq!(m.values(), 2);
        assert_eq!(m.short_values(), 1);
        // Each: the value, padded and unpadded base64 (the URL-safe forms are the same).
        assert_eq!(m.patterns(), 6);
        let dbg = format!("{m:?} {:?}", m.stream());
        assert!(!dbg.contains("topsecret"), "{dbg}");
        assert!(!dbg.contains("dG9wc2VjcmV0dmFsdWU"), "{dbg}");
        assert!(dbg.contains("values: 2"), "{dbg}");
    }

    #[test]
    fn short_values_are_masked() {
        let m = masker(&[b"a"]);
        assert_eq!(m.mask(b"banana"), b"b****n****n****");
        assert_eq!(m.short_values(), 1);
    }

    #[test]
    fn prefix_value_masks_longest() {
        let m = masker(&[b"abc", b"abcdef"]);
        assert_eq!(m.mask(b"xabcdefx"), b"x****x");
        assert_eq!(m.mask(b"xabcdex"), b"x****dex");
        assert_eq!(stream_all(&m, &[b"xabc", b"def"]), b"x****");
        assert_eq!(stream_all(&m, &[b"xabc", b"dex"]), b"x****dex");
        assert_eq!(stream_all(&m, &[b"xabc"]), b"x****");
    }

    #[test]
    fn overlapping_and_adjacent_values() {
        let m = masker(&[b"abcd", b"cdef"]);
        assert_eq!(m.mask(b"abcdef"), b"****ef");
        assert_eq!(m.mask(b"abcdcdef"), b"********");
        assert_eq!(m.mask(b"xcdefabcd"), b"x********");
    }

    #[test]
    fn value_split_at_every_position() {
        let secret = b"s3cr3t-T0KEN-value";
        let m = masker(&[secret]);
        let b64 = STANDARD.encode(secret).into_bytes();
        for text in [
            [&b"before "[..], secret, b" after"].concat(),
            [&b"before "[..], &b64, b" after"].concat(),
        ] {
            let want = m.mask(&text);
            assert_eq!(want, b"before **** after");
            for i in 0..=text.len() {
                let (a, b) = text.split_at(i);
                assert_eq!(stream_all(&m, &[a, b]), want, "split at {i}");
                for j in i..=text.len() {
                    let (b1, b2) = b.split_at(j - i);
                    assert_eq!(stream_all(&m, &[a, b1, b2]), want, "split at {i}, {j}");
                }
            }
            let bytes: Vec<&[u8]> = text.chunks(1).collect();
            assert_eq!(stream_all(&m, &bytes), want);
        }
    }

    #[test]
    fn streaming_emits_early_and_holds_back_little() {
        let m = masker(&[b"0123456789"]);
        // The longest pattern is the padded base64 form "MDEyMzQ1Njc4OQ==".
        assert_eq!(m.max_pattern_len(), 16);
        let mut s = m.stream();
        assert_eq!(s.push(b"hello world, this is long enough"), b"hello world, this");
        assert_eq!(s.held_back(), 15);
        assert_eq!(s.push(b" 01234"), b" is lo");
        assert_eq!(s.push(b"56789!"), b"ng eno");
        assert_eq!(s.finish(), b"ugh ****!");
    }

    #[test]
    fn binary_data() {
        let secret: &[u8] = b"\x00\xff\x80\x00\x01";
        let m = masker(&[secret]);
        let text = [&b"\xff\xfe\x00"[..], secret, b"\x00\x00", secret, b"\x80"].concat();
        assert_eq!(m.mask(&text), b"\xff\xfe\x00****\x00\x00****\x80");
        let bytes: Vec<&[u8]> = text.chunks(1).collect();
        assert_eq!(stream_all(&m, &bytes), m.mask(&text));
    }

    #[test]
    fn from_secrets_and_mask_str() {
        let secrets = [
            SecretString::new("pässwörd".into()),
            SecretString::new("token-1234".into()),
        ];
        let m = Masker::from_secrets(&secrets).expect("masker");
        assert_eq!(m.mask_str("user: pässwörd / token-1234 ✓"), "user: **** / **** ✓");
    }

    fn chunked<'a>(text: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (text.len() + 1)).collect();
        cuts.sort_unstable();
        let mut out = Vec::new();
        let mut prev = 0;
        for c in cuts {
            out.push(&text[prev..c]);
            prev = c;
        }
        out.push(&text[prev..]);
        out
    }

    /// Values over a tiny alphabet, so they contain, overlap and prefix each other; and text
    /// built from random filler and embedded values or base64 forms.
    fn case() -> impl Strategy<Value = (Vec<Vec<u8>>, Vec<u8>, Vec<usize>)> {
        let values = prop::collection::vec(
            prop::collection::vec(prop::sample::select(b"abcAY=".to_vec()), 0..8),
            0..6,
        );
        values.prop_flat_map(|values| {
            let pats = all_patterns(&values);
            let n = pats.len();
            let piece = (
                prop::collection::vec(prop::sample::select(b"abcXYZ=\x00\xff".to_vec()), 0..6),
                0..n.max(1),
                any::<bool>(),
            );
            (
                Just(values),
                prop::collection::vec(piece, 0..12).prop_map(move |pieces| {
                    let mut text = Vec::new();
                    for (filler, i, embed) in pieces {
                        text.extend(filler);
                        if embed && n > 0 {
                            text.extend(&pats[i]);
                        }
                    }
                    text
                }),
                prop::collection::vec(any::<usize>(), 0..10),
            )
        })
    }

    /// Like [`case`], with values long enough for the 4-gram prefilter (12..20 bytes).
    fn long_case() -> impl Strategy<Value = (Vec<Vec<u8>>, Vec<u8>, Vec<usize>)> {
        let values = prop::collection::vec(
            prop::collection::vec(prop::sample::select(b"abA".to_vec()), 12..20),
            1..5,
        );
        values.prop_flat_map(|values| {
            let pats = all_patterns(&values);
            let n = pats.len();
            let piece = (
                prop::collection::vec(prop::sample::select(b"abAYW\n".to_vec()), 0..30),
                0..n,
                any::<bool>(),
                0..20usize,
            );
            (
                Just(values),
                prop::collection::vec(piece, 0..12).prop_map(move |pieces| {
                    let mut text = Vec::new();
                    for (filler, i, embed, cut) in pieces {
                        text.extend(filler);
                        if embed {
                            // Sometimes only a prefix or suffix of a pattern.
                            let p = &pats[i];
                            match cut % 4 {
                                0 => text.extend(&p[..cut.min(p.len())]),
                                1 => text.extend(&p[cut.min(p.len())..]),
                                _ => text.extend(p),
                            }
                        }
                    }
                    text
                }),
                prop::collection::vec(any::<usize>(), 0..10),
            )
        })
    }

    #[test]
    fn prefilter_only_for_long_patterns() {
        assert!(masker(&[b"0123456789ab"]).filter.is_some());
        assert!(masker(&[b"0123456789ab", b"0123456789a"]).filter.is_none());
        assert!(masker(&[b"abc"]).filter.is_none());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn prefiltered_chunking_never_changes_output((values, text, cuts) in long_case()) {
            let m = Masker::new(&values).expect("masker");
            prop_assert!(m.filter.is_some());
            let want = m.mask(&text);
            prop_assert_eq!(&want, &naive_mask(&values, &text));
            prop_assert_eq!(&stream_all(&m, &chunked(&text, &cuts)), &want);
            let bytes: Vec<&[u8]> = text.chunks(1).collect();
            prop_assert_eq!(&stream_all(&m, &bytes), &want);
            for p in all_patterns(&values) {
                prop_assert!(!contains(&want, &p));
            }
        }

        #[test]
        fn chunking_never_changes_output((values, text, cuts) in case()) {
            let m = Masker::new(&values).expect("masker");
            let want = m.mask(&text);
            prop_assert_eq!(&want, &naive_mask(&values, &text));
            let chunks = chunked(&text, &cuts);
            prop_assert_eq!(&stream_all(&m, &chunks), &want);
            let bytes: Vec<&[u8]> = text.chunks(1).collect();
            prop_assert_eq!(&stream_all(&m, &bytes), &want);
            for p in all_patterns(&values) {
                prop_assert!(!contains(&want, &p));
            }
        }

        #[test]
        fn arbitrary_bytes_match_naive_masking(values in prop::collection::vec(
            prop::collection::vec(any::<u8>(), 1..6), 0..4),
            text in prop::collection::vec(any::<u8>(), 0..200),
            cuts in prop::collection::vec(any::<usize>(), 0..10)) {
            let m = Masker::new(&values).expect("masker");
            let out = stream_all(&m, &chunked(&text, &cuts));
            prop_assert_eq!(&out, &m.mask(&text));
            prop_assert_eq!(&out, &naive_mask(&values, &text));
        }
    }
}
