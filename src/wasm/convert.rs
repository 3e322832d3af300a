//! Values between JS and the library: results through `serde-wasm-bindgen`, errors as plain objects,
//! arguments read member by member.

use crate::error::{Error, ErrorKind};
use js_sys::Reflect;
use serde::{Serialize, Serializer};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = Object, js_name = hasOwn)]
    fn has_own(target: &JsValue, name: &JsValue) -> Result<bool, JsValue>;
    /// `Object.prototype.toString.call(value)`: `[object Date]`, `[object Uint8Array]`, ... in any realm.
    #[wasm_bindgen(js_namespace = ["Object", "prototype", "toString"], js_name = call)]
    fn object_tag(value: &JsValue) -> JsValue;
}

/// A string from JS that holds a secret (a connection string), zeroed when dropped. wasm-bindgen copies a
/// JS string into a buffer of exactly its length, which this owns.
pub(crate) struct Wiped(pub String);

impl core::ops::Deref for Wiped {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl Drop for Wiped {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(self.0.as_mut_str());
    }
}

/// What a binding returns: a JS value, or the plain object of an error (see [`error`]).
pub(crate) type JsResult = Result<JsValue, JsValue>;

/// `value` as a JS value: structs become plain objects, `None` members are left out.
pub(crate) fn to_js<T: Serialize + ?Sized>(value: &T) -> JsResult {
    value
        .serialize(&serde_wasm_bindgen::Serializer::new())
        .map_err(|_| {
            // Not reachable for the library's results (strings, small numbers, booleans, dates).
            error(Error::new(
                ErrorKind::InvalidResponse,
                "a result could not be converted to a JS value",
            ))
        })
}

/// The plain-object form of an error (`{ code, message, target?, statusCode?, serviceCode?,
/// serviceMessage?, requestId?, msCv?, cause? }`), which the package's JS turns into an `AcsError`. Built member by
/// member: serde's derive for it was larger.
pub(crate) fn error(error: Error) -> JsValue {
    let out = js_sys::Object::new();
    let put = |name: &str, value: &JsValue| {
        let _ = Reflect::set(&out, &JsValue::from_str(name), value);
    };
    let text = |name: &str, value: Option<&str>| {
        if let Some(v) = value {
            put(name, &JsValue::from_str(v));
        }
    };
    text("code", Some(error.code()));
    text("message", Some(error.message()));
    text("target", error.target());
    if let Some(s) = error.service_error() {
        put("statusCode", &JsValue::from(s.status));
        text("serviceCode", s.code.as_deref());
        text("serviceMessage", s.message.as_deref());
        text("requestId", s.request_id.as_deref());
        text("msCv", s.ms_cv.as_deref());
    }
    if let Some(cause) = error.js_cause() {
        put("cause", cause);
    }
    out.into()
}

/// An `ERR_INVALID_ARGUMENT` error naming `target`.
pub(crate) fn invalid(target: &'static str, message: &'static str) -> Error {
    Error::new(ErrorKind::InvalidArgument, message).with_target(target)
}

/// A time in unix milliseconds that crosses into JS as a `Date`.
pub(crate) struct Date(pub i64);

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let date = js_sys::Date::new(&JsValue::from_f64(self.0 as f64));
        serde_wasm_bindgen::preserve::serialize(&date, serializer)
    }
}

/// `target.name` when it is an own property of `target`; `undefined` when it is inherited (a polluted
/// `Object.prototype.allowInsecureConnection` is not an option) or `target` is not an object. Every
/// option and argument is read with this.
pub(crate) fn get(target: &JsValue, name: &str) -> JsValue {
    let key = JsValue::from_str(name);
    if !target.is_object() || !matches!(has_own(target, &key), Ok(true)) {
        return JsValue::UNDEFINED;
    }
    Reflect::get(target, &key).unwrap_or(JsValue::UNDEFINED)
}

/// `target.name` through the prototype chain: for the methods and getters of the runtime's own objects
/// (a stream reader's `read`, a `DOMException`'s `message`), never for options.
pub(crate) fn get_inherited(target: &JsValue, name: &str) -> JsValue {
    if !target.is_object() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(target, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

/// True when `value`'s `Object.prototype.toString` tag is `tag` (`"[object Response]"`): a `Response`,
/// `AbortSignal` or `Uint8Array` of any realm or implementation. `instanceof` refuses one from another
/// realm (an iframe, `node:vm`) or another copy of a library (undici from npm).
pub(crate) fn is_a(value: &JsValue, tag: &str) -> bool {
    value.is_object() && object_tag(value) == JsValue::from_str(tag)
}

/// `target.name` when it is a string.
pub(crate) fn get_string(target: &JsValue, name: &str) -> Option<String> {
    get(target, name).as_string()
}

/// `target.name` when it is a number.
pub(crate) fn get_number(target: &JsValue, name: &str) -> Option<f64> {
    get(target, name).as_f64()
}
