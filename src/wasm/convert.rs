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

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ErrorOut<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    target: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_code: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    service_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    service_message: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ms_cv: Option<&'a str>,
}

/// The plain-object form of an error, which the package's JS turns into an `AcsError`; a JS cause is its
/// `cause` member.
pub(crate) fn error(error: Error) -> JsValue {
    let service = error.service_error();
    let out = ErrorOut {
        code: error.code(),
        message: error.message(),
        target: error.target(),
        status_code: service.map(|s| s.status),
        service_code: service.and_then(|s| s.code.as_deref()),
        service_message: service.and_then(|s| s.message.as_deref()),
        request_id: service.and_then(|s| s.request_id.as_deref()),
        ms_cv: service.and_then(|s| s.ms_cv.as_deref()),
    };
    let object = out
        .serialize(&serde_wasm_bindgen::Serializer::new())
        .unwrap_or_else(|_| JsValue::from_str(error.code()));
    if let Some(cause) = error.js_cause() {
        let _ = Reflect::set(&object, &JsValue::from_str("cause"), cause);
    }
    object
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
