//! The automata behind a [`Masker`](super::Masker): a leftmost-longest Aho-Corasick
//! [`Searcher`] over a set of patterns, for long patterns behind a sampled 8-gram prefilter
//! ([`GramFilter`]) that picks the few regions of the input worth searching.

use std::sync::Arc;

use aho_corasick::{AhoCorasick, AhoCorasickKind, Input, MatchKind};

/// One leftmost-longest automaton over a set of patterns, with the 4-gram prefilter when it
/// was asked for (every pattern then has at least [`FILTER_MIN_PATTERN_LEN`] bytes).
#[derive(Clone)]
pub(super) struct Searcher {
    ac: AhoCorasick,
    pub(super) filter: Option<Arc<GramFilter>>,
    /// Longest pattern of this searcher.
    max_len: usize,
}

impl Searcher {
    /// `None` without patterns.
    pub(super) fn new(patterns: &[Vec<u8>], filtered: bool) -> Result<Option<Searcher>, aho_corasick::BuildError> {
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
    pub(super) fn find_from(&self, hay: &[u8], pos: usize) -> Option<(usize, usize)> {
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
pub(super) const FILTER_MIN_PATTERN_LEN: usize = 12;
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
pub(super) struct GramFilter {
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
