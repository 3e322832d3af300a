//! Reading JSON: the one reader of response bodies and token payloads, the same on every target, so
//! that native tests run exactly what the WebAssembly build ships.
//!
//! [`parse`] is a small strict reader (checked against `serde_json` by the tests below and by the `json`
//! fuzz target); no `serde` visitor (and none of `serde`'s error formatting) is compiled into the module:
//! going through the host's `JSON.parse` and `serde-wasm-bindgen` instead measured 13.9 KB gzip larger.
//! The response parsers read members by name with [`Value::get`], [`Value::str`] and friends.

use crate::redact;

/// A response body, in whatever form the platform received it, read as JSON by [`parse`].
pub trait JsonBody {
    /// True when there is no body at all (no bytes, or only whitespace).
    fn is_empty(&self) -> bool;
    /// The body as a JSON [`Value`], or `None` when it is not JSON (or not UTF-8).
    fn value(&self) -> Option<Value>;
}

impl JsonBody for [u8] {
    fn is_empty(&self) -> bool {
        self.iter().all(u8::is_ascii_whitespace)
    }

    fn value(&self) -> Option<Value> {
        parse(core::str::from_utf8(self).ok()?)
    }
}

impl JsonBody for Vec<u8> {
    fn is_empty(&self) -> bool {
        JsonBody::is_empty(self.as_slice())
    }

    fn value(&self) -> Option<Value> {
        parse(core::str::from_utf8(self).ok()?)
    }
}

impl JsonBody for str {
    fn is_empty(&self) -> bool {
        JsonBody::is_empty(self.as_bytes())
    }

    fn value(&self) -> Option<Value> {
        parse(self)
    }
}

impl JsonBody for String {
    fn is_empty(&self) -> bool {
        JsonBody::is_empty(self.as_bytes())
    }

    fn value(&self) -> Option<Value> {
        parse(self)
    }
}

/// How deep a [`Value`] nests: arrays and objects deeper than this read as [`Value::Null`]. The service's
/// answers are two levels deep; the limit keeps a hostile body from exhausting the stack.
pub const MAX_DEPTH: usize = 32;

/// A parsed JSON value. Numbers are `f64` (as in JS); object members keep their order. Its `Debug` shows
/// `<redacted>` for a string that holds something JWT-shaped and for the string value of a member whose
/// name says it is a secret (`token`, `access_token`, `client_secret`, ...).
#[derive(Clone, PartialEq)]
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

impl core::fmt::Debug for Value {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        /// A string value as `Debug` may show it.
        fn text(s: &str, secret: bool) -> &str {
            if secret || redact::contains_jwt(s) {
                redact::REDACTED
            } else {
                s
            }
        }
        struct Member<'a>(&'a str, &'a Value);
        impl core::fmt::Debug for Member<'_> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                let mut t = f.debug_tuple("");
                t.field(&self.0);
                match self.1 {
                    Value::String(s) => t.field(&Value::String(
                        text(s, redact::is_secret_name(self.0)).to_string(),
                    )),
                    v => t.field(v),
                };
                t.finish()
            }
        }
        struct Members<'a>(&'a [(String, Value)]);
        impl core::fmt::Debug for Members<'_> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.debug_list()
                    .entries(self.0.iter().map(|(n, v)| Member(n, v)))
                    .finish()
            }
        }
        match self {
            Value::Null => f.write_str("Null"),
            Value::Bool(b) => f.debug_tuple("Bool").field(b).finish(),
            Value::Number(n) => f.debug_tuple("Number").field(n).finish(),
            Value::String(s) => f.debug_tuple("String").field(&text(s, false)).finish(),
            Value::Array(items) => f.debug_tuple("Array").field(items).finish(),
            Value::Object(members) => f.debug_tuple("Object").field(&Members(members)).finish(),
        }
    }
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

    /// How deeply arrays and objects nest in this value (0 for a scalar).
    pub fn depth(&self) -> usize {
        match self {
            Value::Array(items) => 1 + items.iter().map(Value::depth).max().unwrap_or(0),
            Value::Object(members) => 1 + members.iter().map(|(_, v)| v.depth()).max().unwrap_or(0),
            _ => 0,
        }
    }
}

/// Nesting beyond which [`parse`] gives up (as `serde_json` does at its own limit).
pub(crate) const PARSE_DEPTH_LIMIT: usize = 127;

/// Parses JSON text (RFC 8259, strictly: no trailing commas, comments or lone surrogates) into a
/// [`Value`], or `None` when it is not JSON. Arrays and objects nested deeper than [`MAX_DEPTH`] read as
/// [`Value::Null`]; nesting past 127 levels is refused (as `serde_json` refuses it), and so is a number
/// beyond the range of `f64`. Numbers are exact when they have at most 15 significant digits and a
/// decimal exponent within 22 (every number of the protocol), and otherwise within a few units in the
/// last place (so a number within a few units of the largest `f64` may read as out of range).
///
/// ```
/// use acs_identity_edge::json::{parse, Value};
///
/// let v = parse(r#"{"token":"t","expiresOn":"2023-10-19T15:34:21Z","n":[1.5e3]}"#).unwrap();
/// assert_eq!(v.str("token").as_deref(), Some("t"));
/// assert_eq!(v.get("n"), Some(&Value::Array(vec![Value::Number(1500.0)])));
/// assert_eq!(parse("{\"a\":1,}"), None);
/// ```
pub fn parse(text: &str) -> Option<Value> {
    let mut p = Parser { text, at: 0 };
    let v = p.value(0)?;
    p.skip_whitespace();
    (p.at == text.len()).then_some(v)
}

struct Parser<'a> {
    text: &'a str,
    at: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    /// Skips whitespace, then consumes `byte` when it comes next.
    fn eat(&mut self, byte: u8) -> bool {
        self.skip_whitespace();
        let next = self.peek() == Some(byte);
        if next {
            self.at += 1;
        }
        next
    }

    fn value(&mut self, depth: usize) -> Option<Value> {
        self.skip_whitespace();
        let first = self.peek()?;
        let value = match first {
            b'[' | b'{' => {
                if depth >= PARSE_DEPTH_LIMIT {
                    return None;
                }
                self.at += 1;
                let v = if first == b'[' {
                    self.array(depth + 1)?
                } else {
                    self.object(depth + 1)?
                };
                return Some(if depth >= MAX_DEPTH { Value::Null } else { v });
            }
            b'"' => Value::String(self.string()?),
            b't' => self.word("true", Value::Bool(true))?,
            b'f' => self.word("false", Value::Bool(false))?,
            b'n' => self.word("null", Value::Null)?,
            _ => Value::Number(self.number()?),
        };
        Some(value)
    }

    fn array(&mut self, depth: usize) -> Option<Value> {
        let mut items = Vec::new();
        if !self.eat(b']') {
            loop {
                items.push(self.value(depth)?);
                if self.eat(b']') {
                    break;
                }
                if !self.eat(b',') {
                    return None;
                }
            }
        }
        Some(Value::Array(items))
    }

    fn object(&mut self, depth: usize) -> Option<Value> {
        let mut members: Vec<(String, Value)> = Vec::new();
        if !self.eat(b'}') {
            loop {
                self.skip_whitespace();
                if self.peek() != Some(b'"') {
                    return None;
                }
                let name = self.string()?;
                if !self.eat(b':') {
                    return None;
                }
                let value = self.value(depth)?;
                // JSON.parse keeps the last of repeated names; so does this.
                members.retain(|(n, _)| *n != name);
                members.push((name, value));
                if self.eat(b'}') {
                    break;
                }
                if !self.eat(b',') {
                    return None;
                }
            }
        }
        Some(Value::Object(members))
    }

    fn word(&mut self, word: &str, value: Value) -> Option<Value> {
        let end = self.at + word.len();
        (self.text.get(self.at..end)? == word).then(|| {
            self.at = end;
            value
        })
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.text.get(self.at..self.at + 4)?;
        self.at += 4;
        digits
            .bytes()
            .try_fold(0, |n, b| Some(n * 16 + char::from(b).to_digit(16)?))
    }

    /// A string, the opening quote next.
    fn string(&mut self) -> Option<String> {
        self.at += 1;
        let mut out = String::new();
        let mut start = self.at;
        loop {
            match self.peek()? {
                b'"' => {
                    out.push_str(self.text.get(start..self.at)?);
                    self.at += 1;
                    return Some(out);
                }
                b'\\' => {
                    out.push_str(self.text.get(start..self.at)?);
                    let escape = *self.text.as_bytes().get(self.at + 1)?;
                    self.at += 2;
                    out.push(match escape {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let unit = self.hex4()?;
                            if (0xd800..0xdc00).contains(&unit) {
                                // A high surrogate must be followed by an escaped low one.
                                if self.text.get(self.at..self.at + 2)? != "\\u" {
                                    return None;
                                }
                                self.at += 2;
                                let low = self.hex4()?;
                                if !(0xdc00..0xe000).contains(&low) {
                                    return None;
                                }
                                char::from_u32(0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00))?
                            } else {
                                char::from_u32(unit)?
                            }
                        }
                        _ => return None,
                    });
                    start = self.at;
                }
                0..=0x1f => return None,
                _ => self.at += 1,
            }
        }
    }

    fn number(&mut self) -> Option<f64> {
        let start = self.at;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.at += 1;
        }
        // Up to 19 significant digits in `mantissa`, the rest accounted for in `exponent`. `part` is 0 in
        // the integer digits, 1 in the fraction, 2 in the exponent; `digits` counts each part's digits.
        let mut mantissa: u64 = 0;
        let mut exponent: i64 = 0;
        let mut exp_value: i64 = 0;
        let mut exp_negative = false;
        let mut digits = [0usize; 3];
        let mut part = 0;
        let mut dot = false;
        loop {
            match self.peek() {
                Some(d @ b'0'..=b'9') => {
                    let d = d - b'0';
                    if part == 2 {
                        exp_value = (exp_value * 10 + i64::from(d)).min(100_000);
                    } else if mantissa < 1_000_000_000_000_000_000 {
                        mantissa = mantissa * 10 + u64::from(d);
                        exponent -= part as i64;
                    } else {
                        exponent += 1 - part as i64;
                    }
                    digits[part] += 1;
                }
                Some(b'.') if part == 0 => {
                    part = 1;
                    dot = true;
                }
                Some(b'e' | b'E') if part < 2 && digits[part] > 0 => {
                    part = 2;
                    if let Some(sign @ (b'+' | b'-')) = self.text.as_bytes().get(self.at + 1) {
                        exp_negative = *sign == b'-';
                        self.at += 1;
                    }
                }
                _ => break,
            }
            self.at += 1;
        }
        let leading_zero = self.text.as_bytes().get(start + usize::from(negative)) == Some(&b'0');
        if digits[0] == 0
            || (leading_zero && digits[0] > 1)
            || (dot && digits[1] == 0)
            || (part == 2 && digits[2] == 0)
        {
            return None;
        }
        exponent += if exp_negative { -exp_value } else { exp_value };
        // Zero times any power of ten is zero (`0e999` is not `0 * inf`); a number past the largest `f64`
        // is refused, as serde_json refuses it.
        let magnitude = if mantissa == 0 {
            0.0
        } else {
            scale(mantissa as f64, exponent.clamp(-400, 400) as i32)
        };
        if magnitude.is_infinite() {
            return None;
        }
        Some(if negative { -magnitude } else { magnitude })
    }
}

/// `m * 10^e`: one correctly rounded operation when `|e| <= 22` (every power of ten up to 1e22 is an exact
/// `f64`), else first in steps of `10^22`.
fn scale(mut m: f64, mut e: i32) -> f64 {
    while e > 22 {
        m *= 1e22;
        e -= 22;
    }
    while e < -22 {
        m /= 1e22;
        e += 22;
    }
    let power = (0..e.unsigned_abs()).fold(1.0f64, |p, _| p * 10.0);
    if e < 0 {
        m / power
    } else {
        m * power
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    /// What `serde_json` makes of `text`, as a [`Value`] with arrays and objects deeper than
    /// [`MAX_DEPTH`] as `null`: the reference the reader is checked against.
    fn serde_value(text: &str) -> Option<Value> {
        fn convert(v: serde_json::Value, depth: usize) -> Value {
            match v {
                serde_json::Value::Null => Value::Null,
                serde_json::Value::Bool(b) => Value::Bool(b),
                serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap()),
                serde_json::Value::String(s) => Value::String(s),
                serde_json::Value::Array(_) | serde_json::Value::Object(_)
                    if depth >= MAX_DEPTH =>
                {
                    Value::Null
                }
                serde_json::Value::Array(items) => {
                    Value::Array(items.into_iter().map(|v| convert(v, depth + 1)).collect())
                }
                serde_json::Value::Object(members) => Value::Object(
                    members
                        .into_iter()
                        .map(|(n, v)| (n, convert(v, depth + 1)))
                        .collect(),
                ),
            }
        }
        serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .map(|v| convert(v, 0))
    }

    /// Equal, numbers within a relative `1e-14` (outside the exact range of [`parse`]).
    fn close(a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::Number(x), Value::Number(y)) => {
                x == y
                    || (x.is_finite()
                        && y.is_finite()
                        && (x - y).abs() <= 1e-14 * x.abs().max(y.abs()))
            }
            (Value::Array(x), Value::Array(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(a, b)| close(a, b))
            }
            // serde_json's map sorts its members; compare them by name.
            (Value::Object(x), Value::Object(y)) => {
                x.len() == y.len()
                    && x.iter()
                        .all(|(n, a)| y.iter().any(|(m, b)| n == m && close(a, b)))
            }
            _ => a == b,
        }
    }

    #[test]
    fn parse_accepts_and_rejects_what_serde_json_does() {
        let cases = [
            r#"{"identity":{"id":"8:acs:r_u"},"accessToken":{"token":"t","expiresOn":"2023-10-19T15:34:21.98+00:00"}}"#,
            r#" { "a" : [ 1 , -2.5e-3 , 0 , -0 , 1E+2 , true , false , null ] , "b" : { } , "c" : [ ] } "#,
            r#""\u00e9\ud83d\ude00\n\t\"\\\/\b\f\r""#,
            "\"é✓😀\"",
            "123456789012345678901234567890",
            "0.1",
            "1e22",
            "1e23",
            "-1.7976931348623157e308",
            "5e-324",
            "9007199254740993",
            "",
            " ",
            "{",
            "}",
            "[1,]",
            "{\"a\":1,}",
            "{\"a\" 1}",
            "{a:1}",
            "[01]",
            "[1.]",
            "[.5]",
            "[1e]",
            "[+1]",
            "[-]",
            "tru",
            "nul",
            "[true false]",
            "\"a",
            "\"\\x\"",
            "\"\\u12\"",
            "\"\\ud800\"",
            "\"\\udc00\"",
            "\"\\ud800\\u0041\"",
            "\"\t\"",
            "[1] x",
            "{\"a\":1}{}",
            "NaN",
            "Infinity",
            "[\"\u{7f}\"]",
            "1e400",
            "-1e400",
            "[1e309]",
            "123456789012345678901234567890e300",
            "1e-400",
            "0e99999999999",
            "-0.0e500",
            "{\"a\":1,\"a\":2}",
        ];
        for text in cases {
            let ours = parse(text);
            let theirs = serde_value(text);
            assert_eq!(
                ours.is_some(),
                theirs.is_some(),
                "{text:?}: {ours:?} vs {theirs:?}"
            );
            if let (Some(a), Some(b)) = (&ours, &theirs) {
                assert!(close(a, b), "{text:?}: {a:?} vs {b:?}");
            }
        }
        assert_eq!(parse("0.1"), Some(Value::Number(0.1)));
        assert_eq!(
            parse("60.00000000000001"),
            Some(Value::Number(60.00000000000001))
        );
        assert_eq!(parse("1700086400"), Some(Value::Number(1_700_086_400.0)));
        assert_eq!(parse("-0"), Some(Value::Number(-0.0)));
    }

    #[test]
    fn parse_nests_as_serde_json_does_up_to_the_cap() {
        for depth in [
            1,
            MAX_DEPTH - 1,
            MAX_DEPTH,
            MAX_DEPTH + 1,
            100,
            PARSE_DEPTH_LIMIT,
        ] {
            let text = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
            assert_eq!(parse(&text), serde_value(&text), "depth {depth}");
        }
        let too_deep = format!(
            "{}1{}",
            "[".repeat(PARSE_DEPTH_LIMIT + 1),
            "]".repeat(PARSE_DEPTH_LIMIT + 1)
        );
        assert_eq!(parse(&too_deep), None);
    }

    fn json_value() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            (-(1i64 << 53)..(1i64 << 53)).prop_map(serde_json::Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(serde_json::Value::from),
            (-1_000_000i64..1_000_000, 0u32..6)
                .prop_map(|(m, d)| { serde_json::Value::from(m as f64 / 10f64.powi(d as i32)) }),
            any::<String>().prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
                proptest::collection::vec((any::<String>(), inner), 0..6)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// `s` as a JSON string with every character escaped as `\uXXXX` (surrogate pairs above U+FFFF).
    fn escaped(s: &str) -> String {
        let mut out = String::from("\"");
        for unit in s.encode_utf16() {
            out.push_str(&format!("\\u{unit:04x}"));
        }
        out.push('"');
        out
    }

    proptest::proptest! {
        #[test]
        fn parse_reads_what_serde_json_writes(v in json_value()) {
            for text in [serde_json::to_string(&v).unwrap(), serde_json::to_string_pretty(&v).unwrap()] {
                let ours = parse(&text);
                let theirs = serde_value(&text);
                proptest::prop_assert!(ours.is_some() && theirs.is_some(), "{}", text);
                proptest::prop_assert!(close(ours.as_ref().unwrap(), theirs.as_ref().unwrap()), "{}", text);
            }
        }

        #[test]
        fn parse_reads_escaped_strings(s in proptest::prelude::any::<String>()) {
            proptest::prop_assert_eq!(parse(&escaped(&s)), Some(Value::String(s.clone())));
            let mut plain = String::new();
            crate::json::write_string(&mut plain, &s);
            proptest::prop_assert_eq!(parse(&plain), Some(Value::String(s)));
        }

        #[test]
        fn parse_agrees_with_serde_json_on_any_text(text in "[\\[\\]{}\":,0-9.eE+\\-tfrulnas \\\\/u]{0,40}") {
            let ours = parse(&text);
            let theirs = serde_value(&text);
            proptest::prop_assert_eq!(ours.is_some(), theirs.is_some(), "{:?}", text);
            if let (Some(a), Some(b)) = (&ours, &theirs) {
                proptest::prop_assert!(close(a, b), "{:?}", text);
            }
        }
    }
}
