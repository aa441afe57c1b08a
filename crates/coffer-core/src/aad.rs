//! The additional authenticated data that binds a sealed value to its row.
//!
//! AAD = `coffer-aad-v1`, project, name, type, version, provider, scopes, public fields and
//! sensitive key names, each length-prefixed. A ciphertext copied into another row (other
//! name, project or version), or a row whose clear metadata was edited, fails to open.

use coffer_store::SecretRecord;

fn push(out: &mut Vec<u8>, part: &[u8]) {
    out.extend_from_slice(&(part.len() as u64).to_le_bytes());
    out.extend_from_slice(part);
}

/// The AAD of a stored record (its `sealed` part is not included).
pub fn for_record(r: &SecretRecord) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    push(&mut out, b"coffer-aad-v1");
    push(&mut out, r.project.as_bytes());
    push(&mut out, r.name.as_bytes());
    push(&mut out, r.secret_type.as_bytes());
    push(&mut out, &r.version.to_le_bytes());
    push(&mut out, r.provider.as_bytes());
    for s in &r.scopes {
        push(&mut out, s.as_bytes());
    }
    push(&mut out, b"|");
    // serde_json on BTreeMap is deterministic (sorted keys).
    let public = serde_json::to_vec(&r.public_fields).unwrap_or_default();
    push(&mut out, &public);
    for k in &r.sensitive_keys {
        push(&mut out, k.as_bytes());
    }
    out
}
