//! CORS: what a page on another origin may send to the API and read from its answers.

use crate::protocol::Reply;
use hyper::StatusCode;

/// Request headers a browser page may send to the API (CORS), beyond the ones it asks for.
const ALLOW_HEADERS: &str = "authorization, x-ms-date, x-ms-content-sha256, content-type, x-ms-client-request-id, x-ms-return-client-request-id, x-ms-useragent, accept, x-emulator-fault";
/// Response headers a browser page may read (CORS).
pub const EXPOSE_HEADERS: &str = "ms-cv, x-ms-client-request-id, retry-after, retry-after-ms, api-supported-versions, x-azure-ref, x-processing-time";
const ALLOW_METHODS: &str = "GET, HEAD, POST, PATCH, DELETE, OPTIONS";

/// The answer to a preflight: the methods, and the headers the API allows plus the well-formed names
/// the preflight asks for.
pub fn preflight(requested: Option<&str>) -> Reply {
    let mut allow = ALLOW_HEADERS.to_string();
    for name in requested.unwrap_or("").split(',').map(str::trim) {
        let valid = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if valid && !allow.split(", ").any(|a| a.eq_ignore_ascii_case(name)) {
            allow.push_str(", ");
            allow.push_str(&name.to_ascii_lowercase());
        }
    }
    Reply::empty(StatusCode::NO_CONTENT)
        .with_header("access-control-allow-methods", ALLOW_METHODS)
        .with_header("access-control-allow-headers", allow)
        .with_header("access-control-max-age", "600")
}
