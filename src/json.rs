//! The two JSON tasks of the library, kept small for WebAssembly.
//!
//! - Writing: request bodies are tiny objects, written by [`ObjectWriter`] in compact form (no spaces, keys
//!   in the order they are written), byte for byte what the official JS SDK sends, so the content hash and
//!   the signature match it.
//! - Reading: response bodies reach the parsers as a [`Value`] tree through [`JsonBody`], whatever decoded
//!   them. Natively the body is bytes decoded by `serde_json`; in WebAssembly the bindings walk the value the
//!   host's own `JSON.parse` produced, so neither a JSON parser nor `serde`'s derived visitors are compiled
//!   into the module: the parsers read members by name with [`Value::get`], [`Value::str`] and friends.

use serde::de::{
    self, DeserializeOwned, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};

/// A response body that can be decoded into a `serde` model.
pub trait JsonBody {
    /// True when there is no body at all (no bytes, or only whitespace).
    fn is_empty(&self) -> bool;
    /// Decodes the body into `T`, or `None` when it is not JSON or does not have `T`'s shape.
    fn decode<T: DeserializeOwned>(&self) -> Option<T>;
    /// The body as a JSON [`Value`], or `None` when it is not JSON. The response parsers read this; the
    /// default goes through [`JsonBody::decode`].
    fn value(&self) -> Option<Value> {
        self.decode()
    }
}

/// How deep a [`Value`] nests: arrays and objects deeper than this read as [`Value::Null`]. The service's
/// answers are two levels deep; the limit keeps a hostile body from exhausting the stack.
pub const MAX_DEPTH: usize = 32;

/// A parsed JSON value. Numbers are `f64` (as in JS); object members keep their order.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number.
    Number(f64),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object, as `(name, value)` members with distinct names.
    Object(Vec<(String, Value)>),
}

/// A member that is present but has the wrong type: the whole body is not the expected shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WrongType;

impl Value {
    /// The member `name` of an object (`None` for a missing member or a value that is not an object).
    pub fn get(&self, name: &str) -> Option<&Value> {
        match self {
            Value::Object(members) => members.iter().find(|(n, _)| n == name).map(|(_, v)| v),
            _ => None,
        }
    }

    /// True for an object.
    pub fn is_object(&self) -> bool {
        matches!(self, Value::Object(_))
    }

    /// A required string member: `None` when it is missing or not a string.
    pub fn str(&self, name: &str) -> Option<String> {
        match self.get(name) {
            Some(Value::String(s)) => Some(s.clone()),
            _ => None,
        }
    }

    /// An optional member: `Ok(None)` when it is missing or `null`, else what `read` makes of it.
    pub fn opt<T>(
        &self,
        name: &str,
        read: impl FnOnce(&Value) -> Option<T>,
    ) -> Result<Option<T>, WrongType> {
        match self.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => read(v).map(Some).ok_or(WrongType),
        }
    }

    /// An optional string member: `Ok(None)` when missing or `null`, `Err` when not a string.
    pub fn opt_str(&self, name: &str) -> Result<Option<String>, WrongType> {
        self.opt(name, |v| match v {
            Value::String(s) => Some(s.clone()),
            _ => None,
        })
    }

    /// An optional number member: `Ok(None)` when missing or `null`, `Err` when not a number.
    pub fn opt_f64(&self, name: &str) -> Result<Option<f64>, WrongType> {
        self.opt(name, |v| match v {
            Value::Number(n) => Some(*n),
            _ => None,
        })
    }

    fn depth(&self) -> usize {
        match self {
            Value::Array(items) => 1 + items.iter().map(Value::depth).max().unwrap_or(0),
            Value::Object(members) => 1 + members.iter().map(|(_, v)| v.depth()).max().unwrap_or(0),
            _ => 0,
        }
    }
}

impl<'de> serde::Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(ValueVisitor { depth: 0 })
    }
}

struct ValueVisitor {
    depth: usize,
}

impl<'de> de::DeserializeSeed<'de> for ValueVisitor {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v as f64))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v as f64))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Number(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.into()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        if self.depth >= MAX_DEPTH {
            while seq.next_element::<de::IgnoredAny>()?.is_some() {}
            return Ok(Value::Null);
        }
        let depth = self.depth + 1;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(ValueVisitor { depth })? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        if self.depth >= MAX_DEPTH {
            while map
                .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
                .is_some()
            {}
            return Ok(Value::Null);
        }
        let depth = self.depth + 1;
        let mut members: Vec<(String, Value)> = Vec::new();
        while let Some(name) = map.next_key::<String>()? {
            let value = map.next_value_seed(ValueVisitor { depth })?;
            // JSON.parse keeps the last of repeated names; so does this.
            members.retain(|(n, _)| *n != name);
            members.push((name, value));
        }
        Ok(Value::Object(members))
    }
}

/// Why a [`Value`] could not be read as a `serde` model.
#[derive(Debug)]
pub struct ShapeError;

impl core::fmt::Display for ShapeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("the JSON value does not have the expected shape")
    }
}

impl std::error::Error for ShapeError {}

impl de::Error for ShapeError {
    fn custom<T: core::fmt::Display>(_: T) -> Self {
        ShapeError
    }
}

impl Value {
    /// Reads the value as a `serde` model (`None` when it does not have the model's shape), for
    /// [`JsonBody::decode`] implementations that start from a [`Value`].
    pub fn decode<T: DeserializeOwned>(self) -> Option<T> {
        if self.depth() > MAX_DEPTH {
            return None;
        }
        T::deserialize(self).ok()
    }
}

impl<'de> IntoDeserializer<'de, ShapeError> for Value {
    type Deserializer = Value;

    fn into_deserializer(self) -> Value {
        self
    }
}

impl<'de> Deserializer<'de> for Value {
    type Error = ShapeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        match self {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::Number(n) => {
                // Integers go to the integer visitors, as serde_json does, so integer fields read them.
                if n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_991.0 {
                    if n < 0.0 {
                        visitor.visit_i64(n as i64)
                    } else {
                        visitor.visit_u64(n as u64)
                    }
                } else {
                    visitor.visit_f64(n)
                }
            }
            Value::String(s) => visitor.visit_string(s),
            Value::Array(items) => {
                let mut seq = de::value::SeqDeserializer::new(items.into_iter());
                let out = visitor.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(out)
            }
            Value::Object(members) => {
                let mut map = de::value::MapDeserializer::new(members.into_iter());
                let out = visitor.visit_map(&mut map)?;
                map.end()?;
                Ok(out)
            }
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        match self {
            Value::Null => visitor.visit_none(),
            other => visitor.visit_some(other),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit unit_struct
        newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl JsonBody for [u8] {
    fn is_empty(&self) -> bool {
        self.iter().all(u8::is_ascii_whitespace)
    }

    fn decode<T: DeserializeOwned>(&self) -> Option<T> {
        serde_json::from_slice(self).ok()
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl JsonBody for Vec<u8> {
    fn is_empty(&self) -> bool {
        JsonBody::is_empty(self.as_slice())
    }

    fn decode<T: DeserializeOwned>(&self) -> Option<T> {
        self.as_slice().decode()
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl JsonBody for str {
    fn is_empty(&self) -> bool {
        JsonBody::is_empty(self.as_bytes())
    }

    fn decode<T: DeserializeOwned>(&self) -> Option<T> {
        self.as_bytes().decode()
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl JsonBody for String {
    fn is_empty(&self) -> bool {
        JsonBody::is_empty(self.as_bytes())
    }

    fn decode<T: DeserializeOwned>(&self) -> Option<T> {
        self.as_bytes().decode()
    }
}

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
    let mut digits = [0u8; 20];
    let mut rest = n.unsigned_abs();
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for d in &digits[i..] {
        out.push(char::from(*d));
    }
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
#[derive(Debug)]
pub struct ObjectWriter {
    out: String,
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
    fn values_read_as_serde_json_reads_them() {
        let text =
            r#"{"a":"x","n":12,"f":-1.5,"t":true,"z":null,"l":[1,"two",{"k":[]}],"o":{"p":"q"}}"#;
        let v = JsonBody::value(text).unwrap();
        assert_eq!(v.str("a").as_deref(), Some("x"));
        assert_eq!(v.opt_f64("n"), Ok(Some(12.0)));
        assert_eq!(v.opt_f64("f"), Ok(Some(-1.5)));
        assert_eq!(v.opt_f64("z"), Ok(None));
        assert_eq!(v.opt_f64("missing"), Ok(None));
        assert_eq!(v.opt_f64("a"), Err(WrongType));
        assert_eq!(v.opt_str("n"), Err(WrongType));
        assert_eq!(v.get("t"), Some(&Value::Bool(true)));
        assert_eq!(v.get("o").and_then(|o| o.str("p")).as_deref(), Some("q"));
        assert!(v
            .get("l")
            .is_some_and(|l| matches!(l, Value::Array(items) if items.len() == 3)));
        assert_eq!(v.str("n"), None);
        assert!(JsonBody::value("{not json").is_none());
        assert_eq!(JsonBody::value("\"s\""), Some(Value::String("s".into())));
        // JSON.parse keeps the last of repeated names.
        let dup = JsonBody::value(r#"{"a":1,"b":2,"a":3}"#).unwrap();
        assert_eq!(
            dup,
            Value::Object(vec![
                ("b".into(), Value::Number(2.0)),
                ("a".into(), Value::Number(3.0))
            ])
        );
    }

    #[test]
    fn nesting_deeper_than_the_limit_reads_as_null() {
        let nested = |depth: usize| format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
        let innermost = |mut v: Value| {
            while let Value::Array(mut items) = v {
                v = items.pop().unwrap();
            }
            v
        };
        let v = JsonBody::value(nested(MAX_DEPTH).as_str()).unwrap();
        assert_eq!(v.depth(), MAX_DEPTH);
        assert_eq!(innermost(v), Value::Number(1.0));
        let v = JsonBody::value(nested(MAX_DEPTH + 1).as_str()).unwrap();
        assert_eq!(v.depth(), MAX_DEPTH);
        assert_eq!(innermost(v), Value::Null);
        let v = JsonBody::value(
            r#"{"a":"x","deep":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}"#,
        );
        assert_eq!(v.unwrap().str("a").as_deref(), Some("x"));
    }

    #[test]
    fn values_decode_into_serde_models_as_serde_json_does() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        #[serde(rename_all = "camelCase")]
        struct Model {
            id: String,
            count: u32,
            ratio: Option<f64>,
            tags: Vec<String>,
            inner: Option<Box<Model>>,
        }
        let samples = [
            r#"{"id":"a","count":3,"ratio":0.5,"tags":["x"],"inner":{"id":"b","count":0,"tags":[]}}"#,
            r#"{"id":"a","count":3,"tags":[],"extra":{"ignored":[1,2]}}"#,
            r#"{"id":"a","count":-1,"tags":[]}"#,
            r#"{"id":"a","count":1.5,"tags":[]}"#,
            r#"{"id":7,"count":1,"tags":[]}"#,
            r#"{"count":1,"tags":[]}"#,
            r#"["a",1,null,[],null]"#,
            r#""text""#,
        ];
        for text in samples {
            let ours: Option<Model> = JsonBody::value(text).and_then(Value::decode);
            let theirs: Option<Model> = serde_json::from_str(text).ok();
            assert_eq!(ours, theirs, "{text}");
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
