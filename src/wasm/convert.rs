//! Values between JS and the library: results through `serde-wasm-bindgen`, errors as plain objects,
//! arguments read member by member.

use crate::error::{Error, ErrorKind};
use js_sys::Reflect;
use serde::{Serialize, Serializer};
use wasm_bindgen::JsValue;

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
/// serviceMessage?, requestId?, msCv? }`), which the package's JS turns into an `AcsError`. Built member by
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

/// `target.name`, or `undefined` when `target` is not an object.
pub(crate) fn get(target: &JsValue, name: &str) -> JsValue {
    if !target.is_object() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(target, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

/// `target.name` when it is a string.
pub(crate) fn get_string(target: &JsValue, name: &str) -> Option<String> {
    get(target, name).as_string()
}

/// `target.name` when it is a number.
pub(crate) fn get_number(target: &JsValue, name: &str) -> Option<f64> {
    get(target, name).as_f64()
}
