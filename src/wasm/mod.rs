//! The WebAssembly bindings (wasm32 only), made with `wasm-bindgen`. JS-facing names follow
//! `@azure/communication-identity`; the package's JS (`js/api.js`) shapes arguments, turns the plain error
//! objects thrown here (`{ code, message, target?, statusCode?, serviceCode?, serviceMessage?, requestId?,
//! msCv? }`) into `AcsError` instances, and adds the client-side `CommunicationTokenCredential`.
//!
//! - [`identity::Client`]: the identity client. It is the library's [`crate::client::IdentityClient`] over
//!   a `fetch` transport (the global `fetch`, or the caller's) and the JS clock, timers and `AbortSignal`
//!   ([`fetch`]).
//! - Plain functions: `signRequest`, `parseConnectionString`, `decodeAccessToken` and the identifier
//!   conversions ([`identifier`]).
//!
//! Results cross into JS through `serde-wasm-bindgen` (dates as `Date`s); arguments are read member by
//! member ([`convert`]) so that each bad one is reported by name.

// Without the feature `js-bindings` only the transport and environment are built (for `crate::js`).
#[cfg_attr(not(feature = "js-bindings"), allow(dead_code))]
mod convert;
#[cfg(feature = "js-bindings")]
mod credential;
pub(crate) mod fetch;
#[cfg(feature = "js-bindings")]
mod identifier;
#[cfg(feature = "js-bindings")]
mod identity;

#[cfg(feature = "js-bindings")]
use crate::connection_string::ConnectionString;
#[cfg(feature = "js-bindings")]
use crate::signing;
#[cfg(feature = "js-bindings")]
use convert::{to_js, JsResult};
#[cfg(feature = "js-bindings")]
use serde::Serialize;
#[cfg(feature = "js-bindings")]
use wasm_bindgen::prelude::*;

// talc instead of the default dlmalloc: the same job in a fraction of the bytes.
#[cfg(feature = "js-bindings")]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

#[cfg(feature = "js-bindings")]
#[derive(Serialize)]
struct EndpointOut<'a> {
    endpoint: &'a str,
    host: &'a str,
}

/// Parses a connection string and returns `{ endpoint, host }`: never the key.
#[cfg(feature = "js-bindings")]
#[wasm_bindgen(js_name = parseConnectionString)]
pub fn parse_connection_string(connection_string: String) -> JsResult {
    let connection_string = convert::Wiped(connection_string);
    let cs = ConnectionString::parse(&connection_string).map_err(convert::error)?;
    to_js(&EndpointOut {
        endpoint: cs.endpoint().as_str(),
        host: cs.endpoint().authority(),
    })
}

#[cfg(feature = "js-bindings")]
#[derive(Serialize)]
struct SignedOut<'a> {
    #[serde(rename = "x-ms-date")]
    x_ms_date: &'a str,
    #[serde(rename = "x-ms-content-sha256")]
    x_ms_content_sha256: &'a str,
    authorization: &'a str,
    host: &'a str,
    #[serde(rename = "stringToSign")]
    string_to_sign: String,
}

/// Signs one request at `unix_seconds`: `{ "x-ms-date", "x-ms-content-sha256", authorization, host,
/// stringToSign }`. The URL's path and query are signed exactly as given.
#[cfg(feature = "js-bindings")]
#[wasm_bindgen(js_name = signRequest)]
pub fn sign_request(
    connection_string: String,
    method: &str,
    url: &str,
    body: &[u8],
    unix_seconds: f64,
) -> JsResult {
    let connection_string = convert::Wiped(connection_string);
    let cs = ConnectionString::parse(&connection_string).map_err(convert::error)?;
    let signed = signing::sign(cs.access_key(), method, url, body, unix_seconds as i64)
        .map_err(convert::error)?;
    to_js(&SignedOut {
        x_ms_date: &signed.x_ms_date,
        x_ms_content_sha256: &signed.x_ms_content_sha256,
        authorization: &signed.authorization,
        host: &signed.host,
        string_to_sign: signed.string_to_sign.as_string(),
    })
}
