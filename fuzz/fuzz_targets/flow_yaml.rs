//! Arbitrary UTF-8 as a Kestra-style flow file (`coffer_model::flow::parse`, YAML through
//! serde_norway, then coffer's mapping of tasks onto steps and the flight's validation). It
//! may be refused, never panic; a refusal must render.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(yaml) = std::str::from_utf8(data) else {
        return;
    };
    match coffer_model::flow::parse(yaml) {
        Ok(flow) => {
            assert!(!flow.spec.steps.is_empty());
            let _ = format!("{flow:?}");
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
