//! Tests of the masker, the streaming masker and the encoded forms (against real encoders).

use super::masker::patterns;
use super::*;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;
use coffer_crypto::SecretString;
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
