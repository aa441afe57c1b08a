//! [`redact_serde`]: serde's error messages without the values they quote.

/// A serde error message with every quoted string replaced by `"…"`: serde quotes the values
/// it could not use (which may be secrets) and back-quotes field names, which stay.
pub fn redact_serde(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut in_quote = false;
    for c in message.chars() {
        match (c, in_quote) {
            ('"', false) => {
                in_quote = true;
                out.push_str("\"…");
            }
            ('"', true) => {
                in_quote = false;
                out.push('"');
            }
            (_, true) => {}
            (c, false) => out.push(c),
        }
    }
    if in_quote {
        out.push('"');
    }
    out
}
