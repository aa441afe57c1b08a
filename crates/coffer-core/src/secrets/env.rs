//! Kestra's environment secrets backend (storage `env`): `SECRET_<NAME>` variables, base64,
//! as read-only `generic` secrets kept in this process's memory.

use super::part::Secrets;
use super::state::TempSecret;
use crate::clock::now_ms;
use crate::error::{CoreError, Result};
use crate::types::secrets::SecretInfo;
use coffer_crypto::{SecretBytes, SecretString};
use coffer_model::validate::validate;
use coffer_model::{names, InputValue, Storage};
use std::collections::BTreeMap;
use tracing::info;

/// The prefix of the environment variables
/// [`Service::load_env_secrets`](crate::Service::load_env_secrets) reads (Kestra's).
pub const ENV_SECRET_PREFIX: &str = "SECRET_";

/// Decodes standard base64 (RFC 4648 section 4 alphabet `A-Z a-z 0-9 + /`), with or without
/// `=` padding. ASCII whitespace is skipped, so the 76-column lines of `base64` (which wraps
/// long values) decode too. Bits left over after the last byte must be zero (canonical
/// encoding, as the `base64` crate's standard engine requires). `None` when invalid. The output
/// is zeroized when dropped.
fn decode_base64(text: &str) -> Option<SecretBytes> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
    use base64::Engine as _;
    let compact = SecretString::new(text.chars().filter(|c| !c.is_ascii_whitespace()).collect());
    let t = compact.expose_secret();
    // Padding is optional, but when present it must be the canonical padding.
    let decoded = if t.contains('=') {
        STANDARD.decode(t)
    } else {
        STANDARD_NO_PAD.decode(t)
    };
    decoded.ok().map(SecretBytes::new)
}

/// The error for a write to storage `env`; `name` is the env secret concerned, if there is one.
pub(super) fn env_read_only(name: Option<&str>) -> CoreError {
    CoreError::ReadOnly(match name {
        Some(name) => format!(
            "secret '{name}' is read-only: it comes from the environment variable {ENV_SECRET_PREFIX}{name} (storage 'env'); to change it, set {ENV_SECRET_PREFIX}{name} to the new value, base64-encoded, in coffer's environment and restart coffer (unset it to remove the secret)"
        ),
        None => "secrets in storage 'env' are read-only".to_string(),
    })
}

impl Secrets<'_> {
    /// See [`Service::load_env_secrets_in`](crate::Service::load_env_secrets_in).
    pub(crate) fn load_env_secrets_in(
        &self,
        projects: Option<&[String]>,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<usize> {
        let now = now_ms();
        let mut problems: Vec<String> = Vec::new();
        let mut loaded: BTreeMap<String, TempSecret> = BTreeMap::new();
        for (var, value) in vars {
            // The encoded value is as sensitive as the secret: zeroized when dropped.
            let value = SecretString::new(value);
            let Some(name) = var.strip_prefix(ENV_SECRET_PREFIX) else {
                continue;
            };
            let shown: String = var.chars().take(names::MAX_NAME_LEN + 16).collect::<String>();
            let shown = shown.escape_debug();
            if names::validate_name(name).is_err() {
                problems.push(format!(
                    "{shown}: '{}' is not a valid secret name (names must match [A-Za-z0-9._-]{{1,128}})",
                    name.chars()
                        .take(names::MAX_NAME_LEN + 8)
                        .collect::<String>()
                        .escape_debug()
                ));
                continue;
            }
            let Some(mut bytes) = decode_base64(value.expose_secret()) else {
                problems.push(format!(
                    "{shown}: the value is not valid base64 (standard alphabet A-Z a-z 0-9 + /, padding optional)"
                ));
                continue;
            };
            let text = match String::from_utf8(std::mem::take(bytes.expose_secret_mut())) {
                Ok(t) => SecretString::new(t),
                Err(e) => {
                    drop(SecretBytes::new(e.into_bytes()));
                    problems.push(format!(
                        "{shown}: the decoded value is not UTF-8 text (env secrets are text values)"
                    ));
                    continue;
                }
            };
            let lower = name.to_ascii_lowercase();
            if let Some(first) = loaded.get(&lower) {
                problems.push(format!(
                    "{shown}: gives the secret name '{name}', as {} does already (names compare case-insensitively)",
                    first.info.created_by.trim_start_matches("env:")
                ));
                continue;
            }
            let v = match validate(
                "generic",
                None,
                Vec::new(),
                vec![("value".to_string(), InputValue::Text(text))],
            ) {
                Ok(v) => v,
                Err(e) => {
                    problems.push(format!("{shown}: {e}"));
                    continue;
                }
            };
            let by = format!("env:{var}");
            let mut info = SecretInfo {
                name: name.to_string(),
                secret_type: v.ty.name.to_string(),
                provider: v.provider.name.to_string(),
                scope: v.scopes,
                storage: Storage::Env,
                persistent: false,
                version: 1,
                sensitive_keys: v.fields.sensitive_keys(),
                fields: v.fields.public.clone(),
                created_at: now,
                created_by: by.clone(),
                updated_at: now,
                updated_by: by,
                secret_string: String::new(),
            };
            info.secret_string = info.render_secret_string();
            loaded.insert(lower, TempSecret { info, fields: v.fields });
        }
        if !problems.is_empty() {
            return Err(CoreError::Usage(format!(
                "cannot load secrets from {ENV_SECRET_PREFIX}* environment variables (values are not shown):\n  {}\nfix or unset these variables: each must hold a base64-encoded UTF-8 value, e.g. {ENV_SECRET_PREFIX}NAME=$(printf %s 'the value' | base64)",
                problems.join("\n  ")
            )));
        }
        let count = loaded.len();
        {
            let mut env = self.env.lock();
            env.projects = projects.map(<[String]>::to_vec);
            env.secrets = loaded;
        }
        // Every project's index may have changed.
        self.indexes.clear();
        info!(count, "secrets loaded from {ENV_SECRET_PREFIX}* environment variables");
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use super::decode_base64;

    fn decode(s: &str) -> Option<Vec<u8>> {
        decode_base64(s).map(|b| b.expose_secret().to_vec())
    }

    #[test]
    fn base64_standard_alphabet_padding_optional() {
        for (text, plain) in [
            ("", &b""[..]),
            ("Zg==", b"f"),
            ("Zg", b"f"),
            ("Zm8=", b"fo"),
            ("Zm8", b"fo"),
            ("Zm9v", b"foo"),
            ("Zm9vYg==", b"foob"),
            ("Zm9vYmE", b"fooba"),
            ("Zm9vYmFy", b"foobar"),
            ("+/8=", &[0xfb, 0xff]),
            ("Zm9v\nYmFy\r\n", b"foobar"),
        ] {
            assert_eq!(decode(text).as_deref(), Some(plain), "{text:?}");
        }
        for bad in [
            "Z", "Zg=", "Zg===", "Zm8==", "=", "==", "Zg==Zg==", "Zm9v=", "Zh==", "Zm9=", "-_8", "Zm9v!", "é",
        ] {
            assert_eq!(decode(bad), None, "{bad:?}");
        }
    }
}
