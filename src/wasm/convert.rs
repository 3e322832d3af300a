//! The library's values as the JSON text that [`super::acs_call`] answers with: written with
//! [`ObjectWriter`], read on the JS side by the host's own `JSON.parse`.

use super::Reply;
use crate::error::Error;
use crate::json::{write_string, ObjectWriter};
use crate::signing::SignedHeaders;

/// `{"ok": result}`, `{}` when there is no result, or `{"error": {...}}`.
pub(crate) fn reply(reply: Reply) -> String {
    let mut out = ObjectWriter::new();
    match reply {
        Ok(Some(json)) => out.raw("ok", &json),
        Ok(None) => {}
        Err(e) => out.raw("error", &error(&e)),
    }
    out.finish()
}

/// Adds `"name":"value"` when there is a value.
pub(crate) fn optional(out: &mut ObjectWriter, name: &str, value: Option<&str>) {
    if let Some(v) = value {
        out.string(name, v);
    }
}

/// `"text"`: a JSON string on its own.
pub(crate) fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    write_string(&mut out, text);
    out
}

/// `["a","b",...]` or `[["name","value"],...]`: the items written by `item`, comma-separated.
pub(crate) fn array<T>(items: &[T], item: impl Fn(&mut String, &T)) -> String {
    let mut out = String::with_capacity(16 * items.len() + 2);
    out.push('[');
    for (i, it) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        item(&mut out, it);
    }
    out.push(']');
    out
}

/// `["name","value"]`.
pub(crate) fn pair(out: &mut String, name: &str, value: &str) {
    out.push('[');
    write_string(out, name);
    out.push(',');
    write_string(out, value);
    out.push(']');
}

/// `{ code, message, target?, statusCode?, serviceCode?, serviceMessage?, requestId?, msCv? }`, which the JS
/// side throws as an `AcsError`.
fn error(error: &Error) -> String {
    let mut out = ObjectWriter::new();
    out.string("code", error.code());
    out.string("message", error.message());
    optional(&mut out, "target", error.target());
    if let Some(s) = error.service_error() {
        out.number("statusCode", i64::from(s.status));
        optional(&mut out, "serviceCode", s.code.as_deref());
        optional(&mut out, "serviceMessage", s.message.as_deref());
        optional(&mut out, "requestId", s.request_id.as_deref());
        optional(&mut out, "msCv", s.ms_cv.as_deref());
    }
    out.finish()
}

/// `{ "x-ms-date", "x-ms-content-sha256", authorization, host, stringToSign }`.
pub(crate) fn signed_headers(signed: &SignedHeaders) -> String {
    let mut out = ObjectWriter::new();
    out.string("x-ms-date", &signed.x_ms_date);
    out.string("x-ms-content-sha256", &signed.x_ms_content_sha256);
    out.string("authorization", &signed.authorization);
    out.string("host", &signed.host);
    out.string("stringToSign", &signed.string_to_sign.as_string());
    out.finish()
}
