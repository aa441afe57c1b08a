//! Masking of secret values in run logs: every injected sensitive value, and its encoded forms
//! (JSON, Python repr, percent, hex, base64, HTML; see "Choices"), is replaced by [`MASK`]
//! (`****`) before a log line is stored or shown, also when a value is split across two (or
//! many) writes of the child process.
//!
//! - [`Masker`] is built once per run from the sensitive values. It searches for all
//!   *patterns*: each value and its encoded forms, deduplicated, with Aho-Corasick automata
//!   (one over the patterns of at least 12 bytes, behind a prefilter, and one over the shorter
//!   ones; their matches are merged into the matches of the union). Matching is
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
//!   but a 1–3 byte value is still masked, with its encoded forms. That can blank out much
//!   unrelated text (a secret `a` masks every `a`), which is visible and annoying but never
//!   leaks; skipping short values would print them in the clear whenever they occur. Callers
//!   can warn about such values with [`Masker::short_values`] (shorter than
//!   [`MIN_RECOMMENDED_LEN`]).
//! - **Masked forms.** For every value `v`, the patterns are `v` and:
//!   - JSON string bodies (without the quotes): as serde_json, `JSON.stringify` and Python's
//!     `json.dumps(v, ensure_ascii=False)` write them (`\"`, `\\`, `\b \f \n \r \t`, other
//!     control characters `\u00xx`); as Python's default `json.dumps(v)` writes them
//!     (`ensure_ascii`: everything outside printable ASCII as `\uxxxx`, astral characters as
//!     surrogate pairs), also with upper-case hex; and as Go's `encoding/json` writes them
//!     (`<`, `>`, `&`, U+2028, U+2029 as `\u003c` ...). Not: the optional `\/`.
//!   - Python `repr` bodies (between the quotes): of the `str`, with `'` escaped and with `"`
//!     escaped (Python picks one quote character; both bodies are masked), `\\ \t \n \r`,
//!     other control characters `\xNN`, non-printable non-ASCII characters as `\xNN`,
//!     `\uNNNN`, `\UNNNNNNNN`; of `ascii(v)` (all non-ASCII escaped); of the UTF-8 `bytes`
//!     (`b'...'`, non-ASCII bytes as `\xNN`). Which non-ASCII characters count as
//!     non-printable follows Python for C1 controls, the Unicode spaces and separators, the
//!     common format characters and private use, but not for unassigned code points.
//!   - Percent-encoding of the bytes, `%XX` and `%xx`: RFC 3986 (only unreserved `A-Za-z0-9-._~`
//!     kept: Python `quote(v, safe='')`), the same with `/` kept (Python's default `quote`),
//!     form encoding with space as `+` (Python `quote_plus`, and the WHATWG serializer that
//!     keeps `*-._`), and JavaScript's `encodeURIComponent`.
//!   - Hex of the bytes, lower and upper case.
//!   - Base64, standard and URL-safe alphabets: the encoding of `v` alone, padded and unpadded
//!     (`echo -n $V | base64`); and, for values of at least [`MIN_BASE64_OFFSET_LEN`] (6)
//!     bytes, the *stable core* of `v` inside a longer encoded text (`Authorization: Basic`
//!     of `user:pass`) at each byte offset 0, 1, 2 modulo 3: the characters that depend only
//!     on `v`'s bytes (the first one or two characters mix with the previous byte, the last
//!     ones with the next). The edge characters stay visible: at most 4 bits of `v` at each
//!     end. A 6-byte value has a core of 7–8 characters (42–48 bits), so a core occurs in
//!     unrelated text only by a rare accident; a shorter value's core (3–6 characters)
//!     would blank out parts of every long base64 text.
//!   - XML/HTML escapes: `&amp; &lt; &gt;` with the quotes as is, or `"` as `&quot;` or `&#34;`
//!     and `'` as is, `&#39;`, `&#039;`, `&#x27;` or `&apos;` (Python `html.escape`,
//!     `xml.sax.saxutils.escape`, Go, PHP, XML, MarkupSafe).
//!   - `v` trimmed of surrounding whitespace and then of one pair of surrounding quotes
//!     (`"`, `'`, `` ` ``), with all the forms above, when that differs from `v` (a value
//!     pasted with its quotes or a trailing newline).
//!   - each line of a multi-line value (a PEM key), trimmed of whitespace, that has at least
//!     [`MIN_LINE_LEN`] (8) bytes: a program may print one line, and lines this long are key
//!     material rather than structure; shorter lines (`}`, a PEM key's short last line) would
//!     blank unrelated text and reveal little.
//!
//!   Not masked: other encodings and combinations of them (base64 of the JSON form, hex
//!   inside percent-encoding, MIME base64 wrapped across lines, base32, numeric HTML entities
//!   for non-ASCII, ROT13, compression), and a value split by the program itself (printed in
//!   pieces or reversed). The JSON, repr, percent, hex and HTML encoders work character by
//!   character, so a value inside the encoded form of a longer string is masked too (base64
//!   needs the cores for that). An alphanumeric value has 7–8 distinct patterns; one with
//!   characters that every encoder escapes differently, up to about 60.
//! - **The output is not searched again.** A value containing `*` could, in theory, be formed
//!   by text next to a `****`; for values without `*`, no value (or encoded form) ever appears
//!   in the output, because the bytes between two matches start no pattern.
//! - **Speed**: each automaton is a DFA (falling back to a contiguous NFA if the DFA would be
//!   too large). With many values a DFA no longer fits in cache, so the patterns of at least
//!   12 bytes are searched behind a sampled 8-gram prefilter (`GramFilter`) that picks the
//!   small regions that can contain a match; only those are searched, with the same result.
//!   Shorter patterns (short values and their forms) go to a second automaton that searches
//!   everything. With 1,000 values of 20–40 bytes (~7,400 patterns) that is ~1.7–2.1 GiB/s
//!   of CPU time (only the raw values and base64: ~2.4 GiB/s), with 10 values ~3 GiB/s
//!   (`benches/mask.rs`).
//! - **Memory**: the automaton holds copies of the values; they are not zeroized on drop
//!   (the `aho-corasick` crate does not support that). [`Masker`]'s and [`MaskStream`]'s
//!   `Debug` show only counts and lengths, never a value.

use std::fmt;
use std::sync::Arc;

use aho_corasick::{AhoCorasick, AhoCorasickKind, Input, MatchKind};
use coffer_crypto::SecretString;

mod forms;

/// What every masked value is replaced with.
pub const MASK: &[u8] = b"****";

/// Values shorter than this (in bytes) are still masked, but mask a lot of unrelated text;
/// see [`Masker::short_values`].
pub const MIN_RECOMMENDED_LEN: usize = 4;

/// Values shorter than this (in bytes) get no base64 *core* patterns (the part of the value's
/// encoding inside a longer base64 text that depends only on the value's bytes; see the module
/// docs). A 6-byte value has a core of 7 or 8 characters (42–48 bits) at every offset; a 3-byte
/// value would have one of 3 characters, which occurs by chance in every few kilobytes of
/// base64 text.
pub const MIN_BASE64_OFFSET_LEN: usize = 6;

/// Lines of a multi-line value shorter than this (in bytes, after trimming whitespace) are
/// not masked on their own (the whole value and its encodings still are). Shorter lines are
/// mostly structure (`}`, `---`, empty lines, short keys) that would blank unrelated text, and
/// on their own reveal little of the value.
pub const MIN_LINE_LEN: usize = 8;

/// Why a [`Masker`] could not be built (the automaton would exceed the size limits of the
/// `aho-corasick` crate). The message never contains a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot build the log masker over {patterns} patterns: {reason}")]
pub struct MaskError {
    /// How many patterns (values and their encoded forms) there were.
    pub patterns: usize,
    /// The automaton builder's reason.
    pub reason: String,
}

/// Masks a fixed set of secret values (and their encoded forms) in byte streams. Cheap to
/// clone (the automata are shared).
#[derive(Clone)]
pub struct Masker {
    /// The patterns of at least [`FILTER_MIN_PATTERN_LEN`] bytes, searched behind the 4-gram
    /// prefilter.
    long: Option<Searcher>,
    /// The shorter patterns, searched in the whole input.
    short: Option<Searcher>,
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

/// The distinct patterns (every masked form) of the non-empty `values`, sorted.
fn patterns<I, V>(values: I) -> Vec<Vec<u8>>
where
    I: IntoIterator<Item = V>,
    V: AsRef<[u8]>,
{
    let mut patterns: Vec<Vec<u8>> = Vec::new();
    for value in values {
        let value = value.as_ref();
        if !value.is_empty() {
            forms::push_forms(value, &mut patterns);
        }
    }
    patterns.sort_unstable();
    patterns.dedup();
    patterns
}

impl Masker {
    /// A masker for `values` (each a secret value as bytes) and their encoded forms (see the
    /// module docs). Empty values are ignored; duplicates are fine.
    ///
    /// # Errors
    ///
    /// [`MaskError`] when the automaton would exceed the `aho-corasick` crate's size limits.
    pub fn new<I, V>(values: I) -> Result<Masker, MaskError>
    where
        I: IntoIterator<Item = V>,
        V: AsRef<[u8]>,
    {
        let mut distinct: Vec<Vec<u8>> = values
            .into_iter()
            .map(|v| v.as_ref().to_vec())
            .filter(|v| !v.is_empty())
            .collect();
        distinct.sort_unstable();
        distinct.dedup();
        let patterns = patterns(&distinct);
        let short_values = distinct
            .iter()
            .filter(|v| v.len() < MIN_RECOMMENDED_LEN || forms::trim(v).len() < MIN_RECOMMENDED_LEN)
            .count();
        let max_len = patterns.iter().map(Vec::len).max().unwrap_or(0);
        let (long, short): (Vec<Vec<u8>>, Vec<Vec<u8>>) = patterns
            .iter()
            .cloned()
            .partition(|p| p.len() >= FILTER_MIN_PATTERN_LEN);
        let error = |e: aho_corasick::BuildError| MaskError {
            patterns: patterns.len(),
            reason: e.to_string(),
        };
        Ok(Masker {
            long: Searcher::new(&long, true).map_err(error)?,
            short: Searcher::new(&short, false).map_err(error)?,
            max_len,
            values: distinct.len(),
            patterns: patterns.len(),
            short_values,
        })
    }

    /// A masker for the values of `secrets` (see [`Masker::new`]).
    ///
    /// # Errors
    ///
    /// As [`Masker::new`].
    pub fn from_secrets<'a, I>(secrets: I) -> Result<Masker, MaskError>
    where
        I: IntoIterator<Item = &'a SecretString>,
    {
        Masker::new(secrets.into_iter().map(|s| s.expose_secret().as_bytes()))
    }

    /// A masker that masks nothing.
    pub fn empty() -> Masker {
        Masker {
            long: None,
            short: None,
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

    /// How many distinct patterns (values and encoded forms) are searched for.
    pub fn patterns(&self) -> usize {
        self.patterns
    }

    /// How many distinct values are shorter than [`MIN_RECOMMENDED_LEN`] bytes, or are once
    /// trimmed of surrounding whitespace and quotes. They are masked anyway; a caller may
    /// want to warn that they will blank out unrelated text.
    pub fn short_values(&self) -> usize {
        self.short_values
    }

    /// The longest pattern in bytes; a [`MaskStream`] holds back at most one byte less.
    pub fn max_pattern_len(&self) -> usize {
        self.max_len
    }

    /// Whether there is nothing to mask.
    pub fn is_empty(&self) -> bool {
        self.long.is_none() && self.short.is_none()
    }

    /// `input` with every value and encoded form replaced by [`MASK`].
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

    /// Calls `f(start, end)` for each leftmost-longest match in `hay` of all patterns, in
    /// order, until it returns `false`.
    ///
    /// With both a long and a short searcher, the leftmost-longest match of the union of their
    /// patterns from a position is the one of the two searchers' leftmost-longest matches
    /// from there that starts first (the longer on a tie). A searcher's match that starts at
    /// or after the end of the match taken is still its leftmost-longest match from there and
    /// is kept; one that starts before is searched again from that end.
    fn for_each_match(&self, hay: &[u8], mut f: impl FnMut(usize, usize) -> bool) {
        match (&self.long, &self.short) {
            (None, None) => {}
            (Some(one), None) | (None, Some(one)) => {
                let mut pos = 0;
                while let Some((start, end)) = one.find_from(hay, pos) {
                    if !f(start, end) {
                        return;
                    }
                    pos = end;
                }
            }
            (Some(long), Some(short)) => {
                let mut next_long = long.find_from(hay, 0);
                let mut next_short = short.find_from(hay, 0);
                loop {
                    let (start, end) = match (next_long, next_short) {
                        (None, None) => return,
                        (Some(m), None) | (None, Some(m)) => m,
                        (Some(l), Some(s)) => {
                            if l.0 < s.0 || (l.0 == s.0 && l.1 >= s.1) {
                                l
                            } else {
                                s
                            }
                        }
                    };
                    if !f(start, end) {
                        return;
                    }
                    if next_long.is_some_and(|m| m.0 < end) {
                        next_long = long.find_from(hay, end);
                    }
                    if next_short.is_some_and(|m| m.0 < end) {
                        next_short = short.find_from(hay, end);
                    }
                }
            }
        }
    }

    /// `input` masked, as text. Patterns that are valid UTF-8 match only on character
    /// boundaries, so the result of masking valid UTF-8 is valid UTF-8 unless a value given as
    /// raw bytes cuts a character; such bytes become U+FFFD.
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

/// One leftmost-longest automaton over a set of patterns, with the 4-gram prefilter when it
/// was asked for (every pattern then has at least [`FILTER_MIN_PATTERN_LEN`] bytes).
#[derive(Clone)]
struct Searcher {
    ac: AhoCorasick,
    filter: Option<Arc<GramFilter>>,
    /// Longest pattern of this searcher.
    max_len: usize,
}

impl Searcher {
    /// `None` without patterns.
    fn new(patterns: &[Vec<u8>], filtered: bool) -> Result<Option<Searcher>, aho_corasick::BuildError> {
        if patterns.is_empty() {
            return Ok(None);
        }
        let mut builder = AhoCorasick::builder();
        builder.match_kind(MatchKind::LeftmostLongest);
        // A DFA is the fastest search for many patterns; if it would be too large, fall back
        // to the crate's own choice (a contiguous NFA), which is slower but much smaller.
        let ac = match builder.kind(Some(AhoCorasickKind::DFA)).build(patterns) {
            Ok(ac) => ac,
            Err(_) => builder.kind(None).build(patterns)?,
        };
        let filter = if filtered {
            GramFilter::new(patterns).map(Arc::new)
        } else {
            None
        };
        Ok(Some(Searcher {
            ac,
            filter,
            max_len: patterns.iter().map(Vec::len).max().unwrap_or(0),
        }))
    }

    /// The leftmost-longest match in `hay` that starts at or after `pos`, as `(start, end)`.
    fn find_from(&self, hay: &[u8], pos: usize) -> Option<(usize, usize)> {
        let find = |lo: usize, hi: usize| {
            self.ac
                .find(Input::new(hay).range(lo..hi))
                .map(|m| (m.start(), m.end()))
        };
        let Some(filter) = &self.filter else {
            return find(pos, hay.len());
        };
        // Search only the regions around sampled 4-grams that occur in some pattern. Every
        // occurrence starting at or after `pos` lies inside a region (see `GramFilter`; the
        // samples are taken from `pos` on); overlapping regions are merged, so no occurrence
        // crosses a region's edge and the first match of the first region that has one is the
        // leftmost-longest match from `pos`.
        let mut region: Option<(usize, usize)> = None;
        let mut k = pos;
        while let Some(gram) = hay.get(k..k + GRAM) {
            if filter.may_start(gram) {
                let lo = k.saturating_sub(filter.back).max(pos);
                let hi = (k + self.max_len).min(hay.len());
                region = match region {
                    Some((rlo, rhi)) if lo <= rhi => Some((rlo, hi.max(rhi))),
                    Some((rlo, rhi)) => {
                        if let Some(m) = find(rlo, rhi) {
                            return Some(m);
                        }
                        Some((lo, hi))
                    }
                    None => Some((lo, hi)),
                };
            }
            k += filter.step;
        }
        region.and_then(|(rlo, rhi)| find(rlo, rhi))
    }
}

/// Length of the sampled grams.
const GRAM: usize = 8;
/// The prefilter is used for the patterns of at least this many bytes (so that it samples at
/// most every 5th position); shorter ones go to a second automaton without prefilter.
const FILTER_MIN_PATTERN_LEN: usize = 12;
/// Most bits in the gram table (512 KiB); fewer patterns get a smaller table (at least 4 KiB)
/// with about 16 bits per gram hash, so that it stays in the CPU's caches.
const FILTER_MAX_BITS: u32 = 22;
const FILTER_MIN_BITS: u32 = 15;

/// A sampled 8-gram prefilter (in the spirit of q-gram filters for multi-pattern search).
///
/// With `L` the shortest pattern length, the haystack is sampled at every `step = L - 7`-th
/// position. An occurrence `[a, a + len)` of any pattern (`len >= L`) has 8-grams starting at
/// `a ..= a + L - 8`, `step` consecutive positions, so exactly one of them is sampled, and it
/// is the pattern's 8-gram at an offset `0 ..= L - 8`. The table (a Bloom filter with two
/// hashes) holds those 8-grams of every pattern, so the sample hits; the occurrence then lies
/// inside `[k - (L - 8), k + max_len)` around the sampled position `k`, which is searched with
/// the automaton. False hits only cost a search of a small region.
///
/// 8-grams rather than 4-grams because the hex forms of values are made of digits, and every
/// 4-digit gram of a number in a log would be a hit; two hashes because with thousands of
/// patterns one hash would fill the table enough for a false hit every ~25 samples.
struct GramFilter {
    bits: Vec<u64>,
    /// `64 - log2(bits.len() * 64)`: a hash is the top bits of a 64-bit product.
    shift: u32,
    step: usize,
    back: usize,
}

impl GramFilter {
    fn new(patterns: &[Vec<u8>]) -> Option<GramFilter> {
        let min = patterns.iter().map(Vec::len).min()?;
        if min < FILTER_MIN_PATTERN_LEN {
            return None;
        }
        let hashes = 2 * patterns.len() * (min - GRAM + 1);
        let log_bits = (16 * hashes)
            .next_power_of_two()
            .trailing_zeros()
            .clamp(FILTER_MIN_BITS, FILTER_MAX_BITS);
        let mut filter = GramFilter {
            bits: vec![0; 1 << (log_bits - 6)],
            shift: 64 - log_bits,
            step: min - GRAM + 1,
            back: min - GRAM,
        };
        for p in patterns {
            for gram in p[..min].windows(GRAM) {
                for h in filter.hashes(gram) {
                    filter.bits[h >> 6] |= 1 << (h & 63);
                }
            }
        }
        Some(filter)
    }

    fn may_start(&self, gram: &[u8]) -> bool {
        self.hashes(gram)
            .iter()
            .all(|&h| self.bits[h >> 6] & (1 << (h & 63)) != 0)
    }

    fn hashes(&self, gram: &[u8]) -> [usize; 2] {
        let mut g = [0u8; GRAM];
        g.copy_from_slice(gram);
        let x = u64::from_le_bytes(g);
        [
            (x.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> self.shift) as usize,
            (x.wrapping_mul(0xc2b2_ae3d_27d4_eb4f) >> self.shift) as usize,
        ]
    }
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
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    use base64::Engine as _;
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

    /// The patterns the reference masker searches for: the implementation's forms (the
    /// encoders themselves are checked against real encoders below).
    fn all_patterns(values: &[Vec<u8>]) -> Vec<Vec<u8>> {
        patterns(values)
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
        // "topsecretvalue": the value, lower and upper hex, padded and unpadded base64 and its
        // three offset cores (the URL-safe forms are the same); "ab": the value, its hex
        // (`6162`, one case), padded and unpadded base64 (too short for cores).
        assert_eq!(m.patterns(), 8 + 4);
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
        // The longest pattern is the hex form "30313233343536373839".
        assert_eq!(m.max_pattern_len(), 20);
        let mut s = m.stream();
        assert_eq!(s.push(b"hello world, this is long enough!!!!"), b"hello world, this");
        assert_eq!(s.held_back(), 19);
        assert_eq!(s.push(b" 01234"), b" is lo");
        assert_eq!(s.push(b"56789!"), b"ng eno");
        assert_eq!(s.finish(), b"ugh!!!! ****!");
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

    /// Text of filler and, where `embed`, a whole pattern or (by `cut`) a prefix or suffix of
    /// one.
    fn assemble(pats: &[Vec<u8>], pieces: Vec<(Vec<u8>, usize, bool, usize)>) -> Vec<u8> {
        let mut text = Vec::new();
        for (filler, i, embed, cut) in pieces {
            text.extend(filler);
            if let (true, Some(p)) = (embed, pats.get(i)) {
                match cut % 4 {
                    0 => text.extend(&p[..cut.min(p.len())]),
                    1 => text.extend(&p[cut.min(p.len())..]),
                    _ => text.extend(p),
                }
            }
        }
        text
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
                prop::collection::vec(piece, 0..12).prop_map(move |pieces| assemble(&pats, pieces)),
                prop::collection::vec(any::<usize>(), 0..10),
            )
        })
    }

    /// Values with everything that encoders escape: quotes, backslashes, control characters,
    /// `+ / = %`, spaces, `& < >`, non-ASCII (2-byte and astral), surrounding whitespace and
    /// quotes, and a PEM-like multi-line value. None contains `[`, `]` or `\x03`, which the
    /// tests put around a form.
    const HOSTILE: &[&str] = &[
        "pa\"ss'wo\\rd",
        "line1\nline2\ttab\r\n",
        "a+b/c=d e?f#g",
        "<tag attr=\"v\">&amp;'x'",
        "pässwörd-é-ünïcödé",
        "emoji-🔑-secret",
        "  \"quoted secret value\"  \n",
        "ctrl\x01\x1f\x7f-bell\x07\x0c\x08",
        "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\nAB==\n-----END PRIVATE KEY-----\n",
        "100%-sure~ok*(x)!'",
        "nbsp\u{a0}and\u{200b}zw\u{2028}sep",
    ];

    /// `form` printed between `\x03[` and `]\x03`, masked at once, split in two at every
    /// position and written one byte at a time, is `\x03[****]\x03`.
    fn assert_masked(m: &Masker, form: &[u8], what: &str) {
        let text = [&b"\x03["[..], form, b"]\x03"].concat();
        let want = b"\x03[****]\x03";
        let shown = String::from_utf8_lossy(form);
        assert_eq!(m.mask(&text), want, "{what}: {shown:?}");
        for i in 0..=text.len() {
            let (a, b) = text.split_at(i);
            assert_eq!(stream_all(m, &[a, b]), want, "{what} split at {i}: {shown:?}");
        }
        let bytes: Vec<&[u8]> = text.chunks(1).collect();
        assert_eq!(stream_all(m, &bytes), want, "{what} bytewise: {shown:?}");
    }

    /// `text` masked no longer contains the base64 characters `[a, b)` of `text` (the ones
    /// that depend only on the value) and is shorter by at least `b - a - 4`.
    fn assert_core_masked(m: &Masker, text: &[u8], a: usize, b: usize, what: &str) {
        let out = m.mask(text);
        let shown = String::from_utf8_lossy(text);
        assert!(contains(&out, MASK), "{what}: {shown}");
        assert!(!contains(&out, &text[a..b]), "{what}: {shown}");
        assert!(out.len() + (b - a) <= text.len() + MASK.len(), "{what}: {shown}");
        let bytes: Vec<&[u8]> = text.chunks(1).collect();
        assert_eq!(stream_all(m, &bytes), out, "{what} bytewise: {shown}");
    }

    fn lower_percent_hex(s: &str) -> String {
        let mut out = String::new();
        let mut hex_left = 0;
        for c in s.chars() {
            if c == '%' {
                hex_left = 2;
                out.push(c);
            } else if hex_left > 0 {
                hex_left -= 1;
                out.push(c.to_ascii_lowercase());
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn masks_forms_from_real_encoders() {
        use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
        const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
        const SLASH: &AsciiSet = &UNRESERVED.remove(b'/');
        const WHATWG_FORM: &AsciiSet = &NON_ALPHANUMERIC.remove(b'*').remove(b'-').remove(b'.').remove(b'_');
        const URI_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
            .remove(b'-')
            .remove(b'_')
            .remove(b'.')
            .remove(b'!')
            .remove(b'~')
            .remove(b'*')
            .remove(b'\'')
            .remove(b'(')
            .remove(b')');
        for v in HOSTILE {
            let m = masker(&[v.as_bytes()]);
            let mut forms: Vec<(&str, String)> = Vec::new();
            let json = serde_json::to_string(v).expect("json");
            forms.push(("serde_json", json[1..json.len() - 1].to_string()));
            forms.push(("hex", hex::encode(v)));
            forms.push(("HEX", hex::encode_upper(v)));
            for (name, set) in [
                ("rfc3986", UNRESERVED),
                ("quote", SLASH),
                ("encodeURIComponent", URI_COMPONENT),
            ] {
                let enc = utf8_percent_encode(v, set).to_string();
                forms.push((name, lower_percent_hex(&enc)));
                forms.push((name, enc));
            }
            for (name, set) in [("quote_plus", UNRESERVED), ("whatwg form", WHATWG_FORM)] {
                let enc = utf8_percent_encode(v, set).to_string().replace("%20", "+");
                forms.push((name, lower_percent_hex(&enc)));
                forms.push((name, enc));
            }
            for e in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
                forms.push(("base64", e.encode(v)));
            }
            let xml = v.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
            forms.push(("xml minimal", xml.clone()));
            for (quot, apos) in [
                ("&quot;", "&#x27;"),
                ("&quot;", "&apos;"),
                ("&#34;", "&#39;"),
                ("&quot;", "&#39;"),
            ] {
                forms.push(("html", xml.replace('"', quot).replace('\'', apos)));
            }
            for (what, form) in &forms {
                assert_masked(&m, form.as_bytes(), what);
            }

            // Base64 of the value inside a longer text, at every byte offset.
            for prefix in ["", "u", "us", "user:", "x\x00\u{e9}"] {
                for suffix in ["", ":", "xy", "@host.example", "\n"] {
                    let whole = [prefix.as_bytes(), v.as_bytes(), suffix.as_bytes()].concat();
                    let (o, n) = (prefix.len(), v.len());
                    let (a, b) = ((8 * o).div_ceil(6), 8 * (o + n) / 6);
                    for e in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
                        let text = e.encode(&whole).into_bytes();
                        assert_core_masked(&m, &text, a, b, &format!("base64 at {o}"));
                        let text = [&b"Authorization: Basic "[..], &text, b"\r\n"].concat();
                        assert_core_masked(&m, &text, a + 21, b + 21, &format!("base64 at {o}"));
                    }
                }
            }

            // Lines of a multi-line value, and the value trimmed.
            if v.contains('\n') {
                for line in v.lines().map(str::trim).filter(|l| l.len() >= MIN_LINE_LEN) {
                    assert_masked(&m, line.as_bytes(), "line");
                }
            }
            let trimmed = v.trim().trim_matches('"');
            if trimmed != *v {
                assert_masked(&m, trimmed.as_bytes(), "trimmed");
                let json = serde_json::to_string(trimmed).expect("json");
                assert_masked(&m, &json.as_bytes()[1..json.len() - 1], "trimmed, as JSON");
                assert_masked(&m, STANDARD.encode(trimmed).as_bytes(), "trimmed, base64");
            }
        }
    }

    #[test]
    fn python_escapes_by_hand() {
        // Python: repr('it\'s "x"\n\\é\x07') == 'it\\\'s "x"\\n\\\\é\\x07' (single quotes, as
        // both quote characters occur); json.dumps('é🔑\x01"') == '"\\u00e9\\ud83d\\udd11\\u0001\\""'.
        let m = masker(&["it's \"x\"\n\\é\x07".as_bytes()]);
        assert_masked(&m, r#"it\'s "x"\n\\é\x07"#.as_bytes(), "repr");
        assert_masked(&m, br#"it\'s "x"\n\\\xe9\x07"#, "ascii()");
        assert_masked(&m, r#"it's \"x\"\n\\é\x07"#.as_bytes(), "repr, double quotes");
        assert_masked(&m, br#"it\'s "x"\n\\\xc3\xa9\x07"#, "repr of bytes");
        let m = masker(&["é🔑\x01\"".as_bytes()]);
        assert_masked(&m, br#"\u00e9\ud83d\udd11\u0001\""#, "json ensure_ascii");
        assert_masked(&m, br#"\u00E9\uD83D\uDD11\u0001\""#, "json ensure_ascii, upper");
        assert_masked(&m, r#"é🔑\u0001\""#.as_bytes(), "json");
        let m = masker(&["a<b>&c\u{2028}".as_bytes()]);
        assert_masked(&m, br"a\u003cb\u003e\u0026c\u2028", "go json");
        assert_masked(&m, "a&lt;b&gt;&amp;c\u{2028}".as_bytes(), "html");
    }

    #[test]
    fn short_lines_and_short_values_have_no_extra_forms() {
        // The last PEM line "AB==" (shorter than MIN_LINE_LEN) is not masked on its own.
        let m = masker(&[b"header-line\nAB==\n"]);
        assert_eq!(m.mask(b"AB== header-line"), b"AB== ****");
        // A 5-byte value has no offset cores: a 2-character core would blank base64 text.
        let m = masker(&[b"hello"]);
        let text = STANDARD.encode(b"xhello!").into_bytes();
        assert_eq!(m.mask(&text), text);
        // A 6-byte value has them.
        let m = masker(&[b"hello!"]);
        let text = STANDARD.encode(b"xhello!x").into_bytes();
        assert_ne!(m.mask(&text), text);
    }

    /// Runs Python (`COFFER_TEST_PYTHON`, else `python3`) on the hostile values and checks
    /// that every form its encoders give is one of the masker's patterns and is masked. Skips
    /// (with a message) when no Python can be started.
    #[test]
    fn forms_agree_with_python() {
        use std::io::Write as _;
        use std::process::{Command, Stdio};
        const SCRIPT: &str = r#"
import base64, html, json, sys, urllib.parse, xml.sax.saxutils
out = []
for v in json.load(sys.stdin):
    b = v.encode()
    r = repr(v)
    out.append({
        "repr": r[1:-1],
        "ascii": ascii(v)[1:-1],
        "bytes repr": repr(b)[2:-1],
        "json.dumps": json.dumps(v)[1:-1],
        "json.dumps ensure_ascii=False": json.dumps(v, ensure_ascii=False)[1:-1],
        "quote safe=''": urllib.parse.quote(v, safe=''),
        "quote": urllib.parse.quote(v),
        "quote_plus": urllib.parse.quote_plus(v),
        "html.escape": html.escape(v),
        "saxutils.escape": xml.sax.saxutils.escape(v),
        "hex": b.hex(),
        "basic": [base64.b64encode(p + b + s).decode()
                  for p in (b"", b"u", b"user:") for s in (b"", b":x")],
    })
print(json.dumps(out))
"#;
        let python = std::env::var("COFFER_TEST_PYTHON")
            .ok()
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| "python3".into());
        let child = Command::new(&python)
            .args(["-c", SCRIPT])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn();
        let mut child = match child {
            Ok(c) => c,
            Err(e) => {
                eprintln!("skipping forms_agree_with_python: cannot run {python}: {e}");
                return;
            }
        };
        let input = serde_json::to_vec(HOSTILE).expect("json");
        child.stdin.take().expect("stdin").write_all(&input).expect("write");
        let out = child.wait_with_output().expect("python");
        assert!(out.status.success(), "python failed");
        let got: Vec<serde_json::Map<String, serde_json::Value>> =
            serde_json::from_slice(&out.stdout).expect("python output");
        assert_eq!(got.len(), HOSTILE.len());
        for (v, forms) in HOSTILE.iter().zip(got) {
            let m = masker(&[v.as_bytes()]);
            let pats = patterns([v.as_bytes()]);
            for (what, form) in &forms {
                if let Some(form) = form.as_str() {
                    assert!(pats.iter().any(|p| p == form.as_bytes()), "{what} of {v:?}: {form:?}");
                    assert_masked(&m, form.as_bytes(), what);
                }
            }
            let basic = forms["basic"].as_array().expect("basic");
            for (i, text) in basic.iter().enumerate() {
                let text = text.as_str().expect("str").as_bytes();
                let o: usize = [0, 1, 5][i / 2];
                let (a, b) = ((8 * o).div_ceil(6), 8 * (o + v.len()) / 6);
                assert_core_masked(&m, text, a, b, "python base64");
            }
        }
    }

    fn filtered(m: &Masker) -> bool {
        m.long.as_ref().is_some_and(|s| s.filter.is_some())
    }

    #[test]
    fn prefilter_only_for_long_patterns() {
        // Every form of a 12-byte alphanumeric value has at least 12 bytes.
        let m = masker(&[b"0123456789ab"]);
        assert!(filtered(&m) && m.short.is_none());
        // "0123456789a" itself and its base64 forms are short, its hex forms long.
        let m = masker(&[b"0123456789ab", b"0123456789a"]);
        assert!(filtered(&m) && m.short.is_some());
        let m = masker(&[b"abc"]);
        assert!(m.long.is_none() && m.short.is_some());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn prefiltered_chunking_never_changes_output((values, text, cuts) in long_case()) {
            let m = Masker::new(&values).expect("masker");
            prop_assert!(filtered(&m));
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

    /// Values made of pieces that every encoder treats differently, and text made of filler,
    /// whole forms and cut forms of the values.
    fn hostile_case() -> impl Strategy<Value = (Vec<Vec<u8>>, Vec<u8>, Vec<usize>)> {
        const PIECES: &[&str] = &[
            "a", "b", "A", "\"", "'", "\\", "\n", " ", "+", "/", "=", "&", "<", "%", "é", "🔑", "\x01",
        ];
        let value = prop::collection::vec(prop::sample::select(PIECES), 0..14).prop_map(|p| p.concat().into_bytes());
        prop::collection::vec(value, 0..4).prop_flat_map(|values| {
            let pats = all_patterns(&values);
            let n = pats.len();
            let piece = (
                prop::collection::vec(prop::sample::select(b"ab \\\"%&+=\n\xc3".to_vec()), 0..8),
                0..n.max(1),
                any::<bool>(),
                0..30usize,
            );
            (
                Just(values),
                prop::collection::vec(piece, 0..10).prop_map(move |pieces| assemble(&pats, pieces)),
                prop::collection::vec(any::<usize>(), 0..10),
            )
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        #[test]
        fn hostile_values_match_naive_masking((values, text, cuts) in hostile_case()) {
            let m = Masker::new(&values).expect("masker");
            let want = naive_mask(&values, &text);
            prop_assert_eq!(&m.mask(&text), &want);
            prop_assert_eq!(&stream_all(&m, &chunked(&text, &cuts)), &want);
            let bytes: Vec<&[u8]> = text.chunks(1).collect();
            prop_assert_eq!(&stream_all(&m, &bytes), &want);
        }
    }
}
