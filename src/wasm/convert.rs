//! Conversions between the library's values and plain JS objects, kept small: `Reflect::set` on
//! `Object`s instead of a serializer where the shape is fixed.

use crate::error::Error;
use crate::signing::SignedHeaders;
use js_sys::{Object, Reflect};
use wasm_bindgen::JsValue;

/// `target[name] = value` (cannot fail on a plain object).
pub(crate) fn set(target: &Object, name: &str, value: &JsValue) {
    let _ = Reflect::set(target, &JsValue::from_str(name), value);
}

/// `target.name`, or `undefined`.
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

/// `target[name] = value` when there is a value.
pub(crate) fn set_opt(target: &Object, name: &str, value: Option<&str>) {
    if let Some(v) = value {
        set(target, name, &JsValue::from_str(v));
    }
}

/// The plain-object form of an error, which the JS entry turns into an `AcsError`.
pub(crate) fn error_to_js(error: &Error) -> JsValue {
    let out = Object::new();
    set(&out, "code", &error.code().into());
    set(&out, "message", &error.message().into());
    set_opt(&out, "target", error.target());
    if let Some(s) = error.service_error() {
        set(&out, "statusCode", &JsValue::from(s.status));
        set_opt(&out, "serviceCode", s.code.as_deref());
        set_opt(&out, "serviceMessage", s.message.as_deref());
        set_opt(&out, "requestId", s.request_id.as_deref());
        set_opt(&out, "msCv", s.ms_cv.as_deref());
    }
    out.into()
}

/// `{ "x-ms-date", "x-ms-content-sha256", authorization, host, stringToSign }`.
pub(crate) fn signed_headers(signed: &SignedHeaders) -> Object {
    let out = Object::new();
    set(&out, "x-ms-date", &signed.x_ms_date.as_str().into());
    set(
        &out,
        "x-ms-content-sha256",
        &signed.x_ms_content_sha256.as_str().into(),
    );
    set(&out, "authorization", &signed.authorization.as_str().into());
    set(&out, "host", &signed.host.as_str().into());
    set(
        &out,
        "stringToSign",
        &signed.string_to_sign.as_string().into(),
    );
    out
}
