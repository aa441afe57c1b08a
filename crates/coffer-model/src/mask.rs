//! Masking of secret values in run logs: every injected sensitive value, and its encoded forms
//! (JSON, Python repr, percent, hex, base64, HTML; see "Choices"), is replaced by [`MASK`]
//! (`****`) before a log line is stored or shown, also when a value is split across two (or
//! many) writes of the child process.
//!
//! - [`Masker`] is built once per run from the sensitive values. It searches for all
//!   *patterns*: each value and its encoded forms, deduplicated, with Aho-Corasick automata
//!   (one over the patterns of at least 12 bytes, behind a prefilter, and one over the shorter
//!   ones; their matches are merged into the matches of the union). Matching is
//!   [`MatchKind::LeftmostLongest`](aho_corasick::MatchKind::LeftmostLongest): at the leftmost position where any pattern starts, the
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

mod forms;
mod masker;
mod search;
mod stream;
#[cfg(test)]
mod tests;

pub use forms::{MIN_BASE64_OFFSET_LEN, MIN_LINE_LEN};
pub use masker::{MaskError, Masker, MASK, MIN_RECOMMENDED_LEN};
pub use stream::MaskStream;
