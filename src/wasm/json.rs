//! Response bodies in WebAssembly: the value the host's own `JSON.parse` (or `Response.json()`) produced,
//! walked once into a [`Value`] for the library's parsers. No JSON text round trip, no JSON parser and no
//! `serde` visitors in the module.

use crate::json::{JsonBody, Value, MAX_DEPTH};
use js_sys::{Array, Object, Reflect};
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};

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
        self.value()?.decode()
    }

    fn value(&self) -> Option<Value> {
        from_js(&self.0, 0)
    }
}

/// The [`Value`] of a parsed JSON value; `None` for what JSON cannot hold (functions, symbols, bigints,
/// `undefined` inside a container) or nesting deeper than [`MAX_DEPTH`].
pub(crate) fn from_js(value: &JsValue, depth: usize) -> Option<Value> {
    if value.is_null() || value.is_undefined() {
        return Some(Value::Null);
    }
    if let Some(s) = value.as_string() {
        return Some(Value::String(s));
    }
    if let Some(b) = value.as_bool() {
        return Some(Value::Bool(b));
    }
    if let Some(n) = value.as_f64() {
        return Some(Value::Number(n));
    }
    if depth >= MAX_DEPTH || !value.is_object() {
        return None;
    }
    if Array::is_array(value) {
        let array: &Array = value.unchecked_ref();
        let mut items = Vec::with_capacity(array.length() as usize);
        for i in 0..array.length() {
            items.push(from_js(&array.get(i), depth + 1)?);
        }
        return Some(Value::Array(items));
    }
    let keys = Object::keys(value.unchecked_ref::<Object>());
    let mut members = Vec::with_capacity(keys.length() as usize);
    for i in 0..keys.length() {
        let key = keys.get(i);
        let item = Reflect::get(value, &key).ok()?;
        members.push((key.as_string()?, from_js(&item, depth + 1)?));
    }
    Some(Value::Object(members))
}
