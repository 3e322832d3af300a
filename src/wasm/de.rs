//! A `serde` deserializer over a `JsValue` that the runtime's own `JSON.parse` (or `Response.json()`)
//! produced, so the response models reach their `Deserialize` impls with no JSON text round trip.
//!
//! Why not `serde-wasm-bindgen`: its errors format their messages, which links `core::fmt`'s float and
//! `Debug` formatting into the module (about 6 KB of the package's gzip budget). Here every error is the
//! unit [`Invalid`]: the callers only need to know that the body had the wrong shape.

use crate::json::JsonBody;
use js_sys::{Array, Object};
use serde::de::DeserializeOwned;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use wasm_bindgen::{JsCast, JsValue};

/// The body did not have the shape the model wants. Carries no message on purpose (see the module docs).
#[derive(Debug)]
pub(crate) struct Invalid;

impl core::fmt::Display for Invalid {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("invalid JSON shape")
    }
}

impl std::error::Error for Invalid {}

impl de::Error for Invalid {
    fn custom<T: core::fmt::Display>(_: T) -> Self {
        Invalid
    }
    fn invalid_type(_: de::Unexpected<'_>, _: &dyn de::Expected) -> Self {
        Invalid
    }
    fn invalid_value(_: de::Unexpected<'_>, _: &dyn de::Expected) -> Self {
        Invalid
    }
    fn invalid_length(_: usize, _: &dyn de::Expected) -> Self {
        Invalid
    }
    fn unknown_variant(_: &str, _: &'static [&'static str]) -> Self {
        Invalid
    }
    fn unknown_field(_: &str, _: &'static [&'static str]) -> Self {
        Invalid
    }
    fn missing_field(_: &'static str) -> Self {
        Invalid
    }
    fn duplicate_field(_: &'static str) -> Self {
        Invalid
    }
}

/// A JSON value as the host's `JSON.parse` produced it (`null` when there was no body, a string when the
/// body was not JSON), readable by the library's parsers.
pub(crate) struct JsBody(pub(crate) JsValue);

impl JsonBody for JsBody {
    fn is_empty(&self) -> bool {
        self.0.is_null()
            || self.0.is_undefined()
            || self.0.as_string().is_some_and(|s| s.trim().is_empty())
    }

    fn decode<T: DeserializeOwned>(&self) -> Option<T> {
        T::deserialize(JsDeserializer(self.0.clone())).ok()
    }
}

/// Deserializes from a parsed JSON value.
pub(crate) struct JsDeserializer(pub(crate) JsValue);

/// Largest integer a JS number holds exactly.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

impl<'de> Deserializer<'de> for JsDeserializer {
    type Error = Invalid;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Invalid> {
        let value = self.0;
        if value.is_null() || value.is_undefined() {
            return visitor.visit_unit();
        }
        if let Some(s) = value.as_string() {
            return visitor.visit_string(s);
        }
        if let Some(b) = value.as_bool() {
            return visitor.visit_bool(b);
        }
        if let Some(n) = value.as_f64() {
            if n.fract() == 0.0 && n.abs() <= MAX_SAFE_INTEGER {
                return if n < 0.0 {
                    visitor.visit_i64(n as i64)
                } else {
                    visitor.visit_u64(n as u64)
                };
            }
            return visitor.visit_f64(n);
        }
        if Array::is_array(&value) {
            let array: Array = value.unchecked_into();
            return visitor.visit_seq(Seq {
                len: array.length(),
                array,
                index: 0,
            });
        }
        if value.is_object() {
            let object: Object = value.unchecked_into();
            let keys = Object::keys(&object);
            return visitor.visit_map(Map {
                len: keys.length(),
                keys,
                object,
                index: 0,
                pending: None,
            });
        }
        Err(Invalid)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Invalid> {
        if self.0.is_null() || self.0.is_undefined() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit unit_struct
        newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

struct Seq {
    array: Array,
    len: u32,
    index: u32,
}

impl<'de> SeqAccess<'de> for Seq {
    type Error = Invalid;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Invalid> {
        if self.index >= self.len {
            return Ok(None);
        }
        let item = self.array.get(self.index);
        self.index += 1;
        seed.deserialize(JsDeserializer(item)).map(Some)
    }
}

struct Map {
    object: Object,
    keys: Array,
    len: u32,
    index: u32,
    pending: Option<JsValue>,
}

impl<'de> MapAccess<'de> for Map {
    type Error = Invalid;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Invalid> {
        if self.index >= self.len {
            return Ok(None);
        }
        let key = self.keys.get(self.index);
        self.index += 1;
        self.pending = Some(js_sys::Reflect::get(&self.object, &key).map_err(|_| Invalid)?);
        seed.deserialize(JsDeserializer(key)).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Invalid> {
        let value = self.pending.take().ok_or(Invalid)?;
        seed.deserialize(JsDeserializer(value))
    }
}
