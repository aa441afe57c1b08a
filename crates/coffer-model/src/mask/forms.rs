//! The encoded forms of one secret value that a [`Masker`](super::Masker) searches for (see
//! the module docs of [`mask`](super), "Choices", for the list and its reasons).
//!
//! Each encoder here writes exactly what the named real encoder writes for the value; the
//! tests compare them with `serde_json`, `base64`, `hex`, `percent-encoding` and Python.

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::engine::GeneralPurpose;
use base64::Engine as _;

/// Values shorter than this (in bytes) get no base64 *core* patterns (the part of the value's
/// encoding inside a longer base64 text that depends only on the value's bytes; see the module
/// docs of [`mask`](super)). A 6-byte value has a core of 7 or 8 characters (42–48 bits) at
/// every offset; a 3-byte value would have one of 3 characters, which occurs by chance in
/// every few kilobytes of base64 text.
pub const MIN_BASE64_OFFSET_LEN: usize = 6;

/// Lines of a multi-line value shorter than this (in bytes, after trimming whitespace) are
/// not masked on their own (the whole value and its encodings still are). Shorter lines are
/// mostly structure (`}`, `---`, empty lines, short keys) that would blank unrelated text, and
/// on their own reveal little of the value.
pub const MIN_LINE_LEN: usize = 8;

/// Appends every form of `value` (non-empty) to `out`: the value, the value trimmed of
/// surrounding whitespace and quotes, their encodings, and the long lines of a multi-line
/// value. Not deduplicated; some forms may equal the value.
pub(super) fn push_forms(value: &[u8], out: &mut Vec<Vec<u8>>) {
    out.push(value.to_vec());
    push_encodings(value, out);
    let trimmed = trim(value);
    if !trimmed.is_empty() && trimmed != value {
        out.push(trimmed.to_vec());
        push_encodings(trimmed, out);
    }
    if value.contains(&b'\n') {
        for line in value.split(|&b| b == b'\n') {
            let line = line.trim_ascii();
            if line.len() >= MIN_LINE_LEN {
                out.push(line.to_vec());
            }
        }
    }
}

/// The value without surrounding ASCII whitespace, then without one pair of matching
/// surrounding quotes (`"`, `'` or `` ` ``) and the whitespace inside them.
pub(super) fn trim(value: &[u8]) -> &[u8] {
    let t = value.trim_ascii();
    match t {
        [q, inner @ .., r] if q == r && matches!(q, b'"' | b'\'' | b'`') => inner.trim_ascii(),
        _ => t,
    }
}

fn push_encodings(v: &[u8], out: &mut Vec<Vec<u8>>) {
    // JSON string bodies.
    out.push(json(v, Json::Plain));
    out.push(json(v, Json::HtmlSafe));
    // Python repr bodies of bytes (`b'...'`), for both quote characters.
    for quote in [b'\'', b'"'] {
        out.push(py_bytes_repr(v, quote));
    }
    if let Ok(s) = std::str::from_utf8(v) {
        out.push(json_ascii(s, false));
        out.push(json_ascii(s, true));
        for quote in ['\'', '"'] {
            out.push(py_repr(s, quote, false));
            out.push(py_repr(s, quote, true));
        }
    }
    // Percent-encoding.
    for (keep, plus) in [
        (Keep::Unreserved, false),
        (Keep::Unreserved, true),
        (Keep::UnreservedSlash, false),
        (Keep::FormWhatwg, true),
        (Keep::UriComponent, false),
    ] {
        out.push(percent(v, keep, plus, true));
        out.push(percent(v, keep, plus, false));
    }
    // Hex.
    out.push(hex(v, b"0123456789abcdef"));
    out.push(hex(v, b"0123456789ABCDEF"));
    // Base64 of the value alone, and the stable cores at the three byte offsets.
    for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
        out.push(engine.encode(v).into_bytes());
    }
    if v.len() >= MIN_BASE64_OFFSET_LEN {
        for engine in [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
            for offset in 0..3 {
                out.push(base64_core(engine, v, offset));
            }
        }
    }
    // XML/HTML escapes.
    for (quot, apos) in HTML_QUOTES {
        out.push(html(v, quot, apos));
    }
}

/// How a JSON encoder writes a string body.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Json {
    /// serde_json, `JSON.stringify`, Python `json.dumps(ensure_ascii=False)`: `\"`, `\\`, the
    /// short escapes `\b \f \n \r \t`, other control characters as `\u00xx`; the rest as is.
    Plain,
    /// Like `Plain`, plus Go's `encoding/json` default: `<`, `>`, `&` as `\u003c`, `\u003e`,
    /// `\u0026` and U+2028, U+2029 as `\u2028`, `\u2029`.
    HtmlSafe,
}

fn json(v: &[u8], style: Json) -> Vec<u8> {
    let mut out = Vec::with_capacity(v.len() + 8);
    let mut i = 0;
    while i < v.len() {
        let b = v[i];
        if style == Json::HtmlSafe && v[i..].starts_with("\u{2028}".as_bytes()) {
            out.extend_from_slice(b"\\u2028");
            i += 3;
            continue;
        }
        if style == Json::HtmlSafe && v[i..].starts_with("\u{2029}".as_bytes()) {
            out.extend_from_slice(b"\\u2029");
            i += 3;
            continue;
        }
        match b {
            b'<' | b'>' | b'&' if style == Json::HtmlSafe => push_u_escape(&mut out, b.into(), false),
            _ => push_json_ascii(&mut out, b),
        }
        i += 1;
    }
    out
}

/// One byte of a JSON string body: the escapes every encoder agrees on, other bytes as is.
fn push_json_ascii(out: &mut Vec<u8>, b: u8) {
    match b {
        b'"' => out.extend_from_slice(b"\\\""),
        b'\\' => out.extend_from_slice(b"\\\\"),
        b'\n' => out.extend_from_slice(b"\\n"),
        b'\r' => out.extend_from_slice(b"\\r"),
        b'\t' => out.extend_from_slice(b"\\t"),
        0x08 => out.extend_from_slice(b"\\b"),
        0x0c => out.extend_from_slice(b"\\f"),
        0..=0x1f => push_u_escape(out, b.into(), false),
        _ => out.push(b),
    }
}

fn push_u_escape(out: &mut Vec<u8>, unit: u16, upper: bool) {
    out.extend_from_slice(b"\\u");
    out.extend_from_slice(format_hex(u32::from(unit), 4, upper).as_bytes());
}

fn format_hex(n: u32, width: usize, upper: bool) -> String {
    if upper {
        format!("{n:0width$X}")
    } else {
        format!("{n:0width$x}")
    }
}

/// Python `json.dumps(s)` (`ensure_ascii=True`, the default): everything outside
/// `0x20..=0x7e` escaped, non-ASCII as `\uxxxx` UTF-16 units (surrogate pairs for astral
/// characters); `upper` for encoders that write upper-case hex (Jackson's `ESCAPE_NON_ASCII`).
fn json_ascii(s: &str, upper: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() + 8);
    let mut units = [0u16; 2];
    for c in s.chars() {
        if c.is_ascii() && c != '\x7f' {
            match c as u8 {
                b @ 0..=0x1f if !matches!(b, b'\n' | b'\r' | b'\t' | 0x08 | 0x0c) => {
                    push_u_escape(&mut out, b.into(), upper)
                }
                b => push_json_ascii(&mut out, b),
            }
        } else {
            for &unit in c.encode_utf16(&mut units).iter() {
                push_u_escape(&mut out, unit, upper);
            }
        }
    }
    out
}

/// The body of Python 3's `repr(s)` (or of `ascii(s)` when `ascii`) between the quotes, as
/// written with `quote` as the quote character: `\\`, `\t`, `\n`, `\r`, the quote escaped,
/// other control characters as `\xNN`, non-printable (or, for `ascii`, all) non-ASCII
/// characters as `\xNN`, `\uNNNN` or `\UNNNNNNNN`.
fn py_repr(s: &str, quote: char, ascii: bool) -> Vec<u8> {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            c if !c.is_ascii() && !ascii && py_printable(c) => out.push(c),
            c => {
                let n = u32::from(c);
                if n <= 0xff {
                    out.push_str(&format!("\\x{n:02x}"));
                } else if n <= 0xffff {
                    out.push_str(&format!("\\u{n:04x}"));
                } else {
                    out.push_str(&format!("\\U{n:08x}"));
                }
            }
        }
    }
    out.into_bytes()
}

/// Python's `str.isprintable()` for a non-ASCII character, for the non-printable characters
/// that occur in practice: C1 controls, the non-ASCII space separators, the line and paragraph
/// separators, the common format characters (soft hyphen, zero-width and bidi controls, BOM)
/// and private use. Unassigned code points (also non-printable in Python) are taken as
/// printable: this crate has no Unicode tables, and they do not occur in real values.
fn py_printable(c: char) -> bool {
    !matches!(u32::from(c),
        0x80..=0xa0 | 0xad | 0x600..=0x605 | 0x61c | 0x6dd | 0x70f | 0x180e | 0x1680
        | 0x2000..=0x200f | 0x2028..=0x202f | 0x205f..=0x206f | 0x3000
        | 0xd800..=0xf8ff | 0xfeff | 0xfff9..=0xfffb | 0x110bd | 0x110cd | 0x1bca0..=0x1bca3
        | 0x1d173..=0x1d17a | 0xe0001 | 0xe0020..=0xe007f | 0xf0000..)
}

/// The body of Python's `repr(b)` for bytes, as written with `quote`.
fn py_bytes_repr(v: &[u8], quote: u8) -> Vec<u8> {
    let mut out = Vec::with_capacity(v.len() + 8);
    for &b in v {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b if b == quote => out.extend_from_slice(&[b'\\', b]),
            b' '..=b'~' => out.push(b),
            b => out.extend_from_slice(format!("\\x{b:02x}").as_bytes()),
        }
    }
    out
}

/// Which bytes a percent-encoder leaves as they are (besides ASCII letters and digits).
#[derive(Clone, Copy)]
enum Keep {
    /// RFC 3986 unreserved `-._~`: Python `quote(v, safe='')`, `quote_plus`, Go
    /// `url.QueryEscape`, `percent-encoding`'s strictest sets.
    Unreserved,
    /// Unreserved and `/`: Python's `quote(v)` with its default `safe='/'`.
    UnreservedSlash,
    /// `*-._`: the WHATWG `application/x-www-form-urlencoded` serializer (browsers,
    /// `URLSearchParams`).
    FormWhatwg,
    /// `-_.!~*'()`: JavaScript's `encodeURIComponent`.
    UriComponent,
}

impl Keep {
    fn keeps(self, b: u8) -> bool {
        b.is_ascii_alphanumeric()
            || match self {
                Keep::Unreserved => matches!(b, b'-' | b'.' | b'_' | b'~'),
                Keep::UnreservedSlash => matches!(b, b'-' | b'.' | b'_' | b'~' | b'/'),
                Keep::FormWhatwg => matches!(b, b'*' | b'-' | b'.' | b'_'),
                Keep::UriComponent => {
                    matches!(b, b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')')
                }
            }
    }
}

/// Percent-encoding of the bytes, `%XX` (`upper`) or `%xx`; a space as `+` when `plus`.
fn percent(v: &[u8], keep: Keep, plus: bool, upper: bool) -> Vec<u8> {
    let digits: &[u8; 16] = if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    let mut out = Vec::with_capacity(v.len() * 3);
    for &b in v {
        if keep.keeps(b) {
            out.push(b);
        } else if plus && b == b' ' {
            out.push(b'+');
        } else {
            out.extend_from_slice(&[b'%', digits[usize::from(b >> 4)], digits[usize::from(b & 15)]]);
        }
    }
    out
}

fn hex(v: &[u8], digits: &[u8; 16]) -> Vec<u8> {
    v.iter()
        .flat_map(|&b| [digits[usize::from(b >> 4)], digits[usize::from(b & 15)]])
        .collect()
}

/// The base64 characters (unpadded `engine`) that depend only on `v`'s bytes when `v` starts
/// at byte `offset` (mod 3) of a longer encoded text: `v`'s bits are `[8 * offset, 8 *
/// (offset + len))` and character `i` encodes bits `[6i, 6i + 6)`, so the characters
/// `ceil(8 * offset / 6) .. floor(8 * (offset + len) / 6)` are kept.
fn base64_core(engine: &GeneralPurpose, v: &[u8], offset: usize) -> Vec<u8> {
    let mut input = vec![0u8; offset];
    input.extend_from_slice(v);
    let encoded = engine.encode(&input).into_bytes();
    let first = (8 * offset).div_ceil(6);
    let end = 8 * (offset + v.len()) / 6;
    encoded[first..end].to_vec()
}

/// How the quote characters are escaped by the HTML/XML escapers, besides `&amp; &lt; &gt;`:
/// none (Python `xml.sax.saxutils.escape`, `html.escape(quote=False)`), only `"` (PHP
/// `ENT_COMPAT`), Python `html.escape`, XML's predefined entities, Go's `html.EscapeString`,
/// PHP `htmlspecialchars` (`ENT_QUOTES`), and `&#39;` with `&quot;`
/// (Rails, Jinja2/MarkupSafe, lodash).
const HTML_QUOTES: [(&str, &str); 7] = [
    ("\"", "'"),
    ("&quot;", "'"),
    ("&quot;", "&#x27;"),
    ("&quot;", "&apos;"),
    ("&#34;", "&#39;"),
    ("&quot;", "&#039;"),
    ("&quot;", "&#39;"),
];

fn html(v: &[u8], quot: &str, apos: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(v.len() + 8);
    for &b in v {
        match b {
            b'&' => out.extend_from_slice(b"&amp;"),
            b'<' => out.extend_from_slice(b"&lt;"),
            b'>' => out.extend_from_slice(b"&gt;"),
            b'"' => out.extend_from_slice(quot.as_bytes()),
            b'\'' => out.extend_from_slice(apos.as_bytes()),
            b => out.push(b),
        }
    }
    out
}
