//! Arbitrary UTF-8 through coffer's `{{ secret(...) }}` templates: `refs` (whose positions must
//! agree with a count from the start, and whose ranges must be in order and cover a template
//! each), `render` (which must give the text back when each template is replaced by itself),
//! `shell_substitute`, and `shell_line_index` over an argv cut from the input at NUL bytes.
//! None of them may panic.
#![no_main]

use coffer_crypto::SecretString;
use coffer_model::template::{refs, render, shell_line_index, shell_substitute, Pos};
use coffer_model::ModelError;
use libfuzzer_sys::fuzz_target;

/// The position of `byte` counted from the start of `text` (the definition).
fn pos_of(text: &str, byte: usize) -> Pos {
    let before = &text[..byte];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Pos { line, column }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(found) = refs(text, "fuzz") {
        let mut last = 0;
        for r in &found {
            assert!(r.range.start >= last && r.range.end > r.range.start);
            assert!(text[r.range.clone()].starts_with("{{") && text[r.range.clone()].ends_with("}}"));
            assert_eq!(r.pos, pos_of(text, r.range.start));
            assert!(!r.name.is_empty());
            last = r.range.end;
        }
        let same: Result<SecretString, ModelError> = render(text, "fuzz", |r| Ok(text[r.range.clone()].into()));
        assert_eq!(same.expect("refs succeeded").expose_secret(), text);
    } else {
        assert!(render::<ModelError>(text, "fuzz", |_| Ok(SecretString::from(""))).is_err());
    }
    let mut n = 0;
    let _ = shell_substitute::<ModelError>(text, "fuzz", |_| {
        n += 1;
        Ok(format!("V{n}"))
    });
    let argv: Vec<&str> = text.split('\0').collect();
    if let Some(i) = shell_line_index(&argv) {
        assert!(i < argv.len());
        let _ = shell_substitute::<ModelError>(argv[i], "fuzz", |r| Ok(r.name.clone()));
    }
});
