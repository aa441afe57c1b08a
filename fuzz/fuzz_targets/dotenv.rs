//! Arbitrary UTF-8 through coffer's dotenv readers and writers: `parse_entries` (python-dotenv's
//! rules) and `parse_encoded` (Kestra's `.env_encoded`) must never panic, and whatever they
//! read must survive a round trip: `render` then `parse` (and `render_encoded` then
//! `parse_encoded`) give the same keys and values back, in the same order.
#![no_main]

use coffer_crypto::SecretString;
use coffer_model::dotenv::{parse, parse_encoded, parse_entries, render, render_encoded};
use libfuzzer_sys::fuzz_target;

fn plain(pairs: &[(String, SecretString)]) -> Vec<(&str, &str)> {
    pairs.iter().map(|(k, v)| (k.as_str(), v.expose_secret())).collect()
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parse_entries(text) {
        Ok(entries) => {
            let pairs: Vec<(String, SecretString)> = entries
                .into_iter()
                .inspect(|e| assert!(e.line >= 1 && !e.key.is_empty()))
                .map(|e| (e.key, e.value))
                .collect();
            // Keys python-dotenv cannot write (holding a quote and a blank) are refused.
            if let Ok(written) = render(&pairs) {
                let back = parse(&written).expect("render's output parses");
                assert_eq!(plain(&back), plain(&pairs), "render/parse round trip of {written:?}");
            }
            if let Ok(written) = render_encoded(&pairs) {
                let back = parse_encoded(&written).expect("render_encoded's output parses");
                assert_eq!(plain(&back), plain(&pairs));
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
    if let Ok(pairs) = parse_encoded(text) {
        if let Ok(written) = render_encoded(&pairs) {
            let back = parse_encoded(&written).expect("render_encoded's output parses");
            assert_eq!(plain(&back), plain(&pairs));
        }
    }
});
