//! The [`Masker`]: the patterns of a set of secret values (each value and its encoded forms),
//! searched with a long-pattern and a short-pattern automaton whose matches are merged into
//! the leftmost-longest matches of all patterns.

use std::fmt;

use coffer_crypto::SecretString;

use super::forms;
use super::search::{Searcher, FILTER_MIN_PATTERN_LEN};

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
    pub(super) long: Option<Searcher>,
    /// The shorter patterns, searched in the whole input.
    pub(super) short: Option<Searcher>,
    /// Longest pattern, in bytes (0 without patterns).
    pub(super) max_len: usize,
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
pub(super) fn patterns<I, V>(values: I) -> Vec<Vec<u8>>
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

    /// The longest pattern in bytes; a [`MaskStream`](super::MaskStream) holds back at most one byte less.
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
    pub(super) fn for_each_match(&self, hay: &[u8], mut f: impl FnMut(usize, usize) -> bool) {
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
}
