//! How the types write values that are not plain JSON: secret strings and bytes; and how
//! their `Debug` shows a value: [`Redacted`].

/// What `Debug` shows for a value: `<redacted>`.
pub(crate) struct Redacted;

impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// A [`SecretString`] as a JSON string.
pub(crate) mod secret_text {
    use coffer_crypto::SecretString;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(v: &SecretString, s: S) -> Result<S::Ok, S::Error> {
        // Leaves the process: a request or response body.
        s.serialize_str(v.expose_secret())
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SecretString, D::Error> {
        String::deserialize(d).map(SecretString::new)
    }
}

/// Pairs as a JSON object, in order; read, a key given twice keeps its last value.
pub(crate) mod pairs {
    use indexmap::IndexMap;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(crate) fn serialize<S: Serializer, V: Serialize>(v: &[(String, V)], s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(v.iter().map(|(k, v)| (k, v)))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>, V: Deserialize<'de>>(
        d: D,
    ) -> Result<Vec<(String, V)>, D::Error> {
        Ok(IndexMap::<String, V>::deserialize(d)?.into_iter().collect())
    }
}

/// Pairs of [`SecretString`]s as a JSON object of strings, as [`pairs`](self::pairs).
pub(crate) mod secret_pairs {
    use coffer_crypto::SecretString;
    use indexmap::IndexMap;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(v: &[(String, SecretString)], s: S) -> Result<S::Ok, S::Error> {
        // Leaves the process: a request or response body.
        s.collect_map(v.iter().map(|(k, v)| (k, v.expose_secret())))
    }

    /// Into pairs, or any collection of them (a map).
    pub(crate) fn deserialize<'de, D: Deserializer<'de>, C: FromIterator<(String, SecretString)>>(
        d: D,
    ) -> Result<C, D::Error> {
        Ok(IndexMap::<String, String>::deserialize(d)?
            .into_iter()
            .map(|(k, v)| (k, SecretString::new(v)))
            .collect())
    }
}

/// A map of [`SecretString`]s as a JSON object of strings, in key order.
pub(crate) mod secret_map {
    pub(crate) use super::secret_pairs::deserialize;
    use coffer_crypto::SecretString;
    use serde::Serializer;
    use std::collections::BTreeMap;

    pub(crate) fn serialize<S: Serializer>(v: &BTreeMap<String, SecretString>, s: S) -> Result<S::Ok, S::Error> {
        // Leaves the process: a response body.
        s.collect_map(v.iter().map(|(k, v)| (k, v.expose_secret())))
    }
}

/// Bytes as a base64 string (standard alphabet, padded).
pub(crate) mod base64_bytes {
    use base64::Engine as _;
    use serde::{de::Error as _, Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(v))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(text.as_bytes())
            .map_err(|_| D::Error::custom("a log chunk that is not base64"))
    }
}
