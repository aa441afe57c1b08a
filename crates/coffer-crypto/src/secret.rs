use std::fmt;
use zeroize::Zeroize;

/// A sensitive text value.
///
/// It must never derive anything: no `Clone` (use [`SecretString::duplicate`], which is
/// explicit), no `Serialize`, no `Display`. It is zeroized on drop, its `Debug` prints
/// `SecretString(*******)`, and its content is reached only with [`SecretString::expose_secret`].
pub struct SecretString(String);

impl SecretString {
    /// Takes ownership of `value`.
    pub fn new(value: String) -> Self {
        SecretString(value)
    }

    /// The value. Every call site is a place where a secret leaves its box: keep them few.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// An explicit copy, zeroized on drop like the original.
    pub fn duplicate(&self) -> Self {
        SecretString(self.0.clone())
    }

    /// An empty value with room for `capacity` bytes, to build with [`SecretString::push_str`].
    pub fn with_capacity(capacity: usize) -> Self {
        SecretString(String::with_capacity(capacity))
    }

    /// Appends `s`. When the value outgrows its buffer it moves to a larger one and the old
    /// one is zeroized (a plain `String` would leave the old buffer behind as it is).
    pub fn push_str(&mut self, s: &str) {
        let needed = self.0.len() + s.len();
        if needed > self.0.capacity() {
            let mut grown = String::with_capacity(needed.max(2 * self.0.capacity()));
            grown.push_str(&self.0);
            std::mem::swap(&mut self.0, &mut grown);
            grown.zeroize();
        }
        self.0.push_str(s);
    }

    /// Appends `c`, as [`SecretString::push_str`].
    pub fn push(&mut self, c: char) {
        self.push_str(c.encode_utf8(&mut [0; 4]));
    }

    /// The text of a value that turned out not to be secret (a public field of its type, a
    /// name, a map key): the buffer is handed over, not copied, so no copy is left behind.
    /// Never for a value that is secret: that stays in its box, or is exposed where it
    /// leaves the process.
    pub fn declassify(mut self) -> String {
        std::mem::take(&mut self.0)
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the value is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for SecretString {
    fn from(value: String) -> Self {
        SecretString(value)
    }
}

impl From<&str> for SecretString {
    fn from(value: &str) -> Self {
        SecretString(value.to_string())
    }
}

impl Drop for SecretString {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretString(*******)")
    }
}

impl PartialEq for SecretString {
    /// Constant-time comparison of the contents.
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (self.0.as_bytes(), other.0.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

/// Sensitive bytes (keys, serialized plaintext). Zeroized on drop; `Debug` prints no content.
pub struct SecretBytes(Vec<u8>);

impl SecretBytes {
    /// Takes ownership of `value`.
    pub fn new(value: Vec<u8>) -> Self {
        SecretBytes(value)
    }

    /// The bytes.
    pub fn expose_secret(&self) -> &[u8] {
        &self.0
    }

    /// Mutable access, for filling a buffer in place.
    pub fn expose_secret_mut(&mut self) -> &mut Vec<u8> {
        &mut self.0
    }
}

impl From<SecretString> for SecretBytes {
    /// The text's bytes: the buffer is handed over, not copied.
    fn from(mut value: SecretString) -> Self {
        SecretBytes(std::mem::take(&mut value.0).into_bytes())
    }
}

impl Drop for SecretBytes {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBytes({} bytes, *******)", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_does_not_show_the_value() {
        let s = SecretString::from("hunter2-distinctive");
        let shown = format!("{s:?} {:?}", SecretBytes::new(b"hunter2-distinctive".to_vec()));
        assert!(!shown.contains("hunter2"), "{shown}");
        assert_eq!(format!("{s:?}"), "SecretString(*******)");
        assert_eq!(s.expose_secret(), "hunter2-distinctive");
        assert!(s == s.duplicate());
        assert!(s != SecretString::from("other"));
    }

    #[test]
    fn built_values_grow_and_public_ones_are_handed_over() {
        let mut s = SecretString::with_capacity(2);
        for part in ["ab", "cdé", "", "fghijklmnop"] {
            s.push_str(part);
        }
        s.push('!');
        assert_eq!(s.expose_secret(), "abcdéfghijklmnop!");
        assert_eq!(SecretString::from("public").declassify(), "public");
        assert_eq!(SecretBytes::from(s).expose_secret(), b"abcd\xc3\xa9fghijklmnop!");
    }
}
