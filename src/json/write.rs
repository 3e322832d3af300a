//! Writing JSON: request bodies are tiny objects, written by [`ObjectWriter`] in compact form (no spaces,
//! keys in the order they are written), byte for byte what the official JS SDK sends, so the content hash
//! and the signature match it.

/// Appends `s` as a JSON string (RFC 8259): `"` and `\` escaped, control characters as `\b`, `\f`, `\n`,
/// `\r`, `\t` or `\u00xx` (lower-case hex, as `JSON.stringify` writes them), everything else as UTF-8.
pub fn write_string(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0x08 => "\\b",
            0x0c => "\\f",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x00..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if escape.is_empty() {
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Appends `n` in decimal, as JSON and `JSON.stringify` write integers.
pub fn write_integer(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    crate::ascii::push_decimal(out, n.unsigned_abs());
}

/// Writes one compact JSON object, member by member, in the order the members are added.
///
/// ```
/// use acs_identity_edge::json::ObjectWriter;
///
/// let mut w = ObjectWriter::new();
/// w.string_array("scopes", &["voip"]);
/// w.integer("expiresInMinutes", 60);
/// assert_eq!(w.finish(), r#"{"scopes":["voip"],"expiresInMinutes":60}"#);
/// ```
pub struct ObjectWriter {
    out: String,
}

/// The length written so far, not the text (it may hold a token).
impl core::fmt::Debug for ObjectWriter {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ObjectWriter")
            .field("len", &self.out.len())
            .finish_non_exhaustive()
    }
}

impl Default for ObjectWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl ObjectWriter {
    /// An empty object.
    pub fn new() -> Self {
        let mut out = String::with_capacity(64);
        out.push('{');
        ObjectWriter { out }
    }

    fn key(&mut self, key: &str) {
        if self.out.len() > 1 {
            self.out.push(',');
        }
        write_string(&mut self.out, key);
        self.out.push(':');
    }

    /// Adds `"key":"value"`.
    pub fn string(&mut self, key: &str, value: &str) {
        self.key(key);
        write_string(&mut self.out, value);
    }

    /// Adds `"key":n`.
    pub fn integer(&mut self, key: &str, value: u32) {
        self.number(key, i64::from(value));
    }

    /// Adds `"key":n` for any `i64` (unix milliseconds, for instance).
    pub fn number(&mut self, key: &str, value: i64) {
        self.key(key);
        write_integer(&mut self.out, value);
    }

    /// Adds `"key":true` or `"key":false`.
    pub fn boolean(&mut self, key: &str, value: bool) {
        self.raw(key, if value { "true" } else { "false" });
    }

    /// Adds `"key":` followed by `json`, which must be JSON text (a finished [`ObjectWriter`], say).
    pub fn raw(&mut self, key: &str, json: &str) {
        self.key(key);
        self.out.push_str(json);
    }

    /// Adds `"key":["a","b",...]`.
    pub fn string_array<S: AsRef<str>>(&mut self, key: &str, values: &[S]) {
        self.key(key);
        self.out.push('[');
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            write_string(&mut self.out, v.as_ref());
        }
        self.out.push(']');
    }

    /// Closes the object and returns its text.
    pub fn finish(mut self) -> String {
        self.out.push('}');
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quoted(s: &str) -> String {
        let mut out = String::new();
        write_string(&mut out, s);
        out
    }

    #[test]
    fn escapes_like_json_stringify() {
        assert_eq!(quoted("plain"), r#""plain""#);
        assert_eq!(quoted("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(quoted("\n\r\t\u{8}\u{c}"), r#""\n\r\t\b\f""#);
        assert_eq!(quoted("\u{0}\u{1f}"), r#""\u0000\u001f""#);
        assert_eq!(quoted("é✓/"), "\"é✓/\"");
        assert_eq!(quoted(""), r#""""#);
    }

    #[test]
    fn round_trips_through_serde_json() {
        let samples = [
            "x\u{7f}y",
            "a\u{0}\u{1}\u{2}b",
            "\"\\\"",
            "日本語\t",
            "\u{10ffff}",
        ];
        for s in samples {
            let back: String = serde_json::from_str(&quoted(s)).unwrap();
            assert_eq!(back, s);
        }
    }

    #[test]
    fn writes_members_in_order() {
        let mut w = ObjectWriter::new();
        w.string_array("createTokenWithScopes", &["chat", "voip"]);
        w.integer("expiresInMinutes", 1440);
        w.string("customId", "alice@contoso.com");
        assert_eq!(
            w.finish(),
            r#"{"createTokenWithScopes":["chat","voip"],"expiresInMinutes":1440,"customId":"alice@contoso.com"}"#
        );
        assert_eq!(ObjectWriter::new().finish(), "{}");
        let mut w = ObjectWriter::new();
        w.integer("n", 0);
        w.integer("m", u32::MAX);
        w.string_array::<&str>("e", &[]);
        w.number("min", i64::MIN);
        w.number("max", i64::MAX);
        w.number("neg", -7);
        w.boolean("t", true);
        w.boolean("f", false);
        let mut inner = ObjectWriter::new();
        inner.string("k", "v");
        w.raw("o", &inner.finish());
        assert_eq!(
            w.finish(),
            r#"{"n":0,"m":4294967295,"e":[],"min":-9223372036854775808,"max":9223372036854775807,"neg":-7,"t":true,"f":false,"o":{"k":"v"}}"#
        );
    }
}
