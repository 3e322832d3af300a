//! HTTP header names the library sends and reads, lower case and defined once, and the one
//! case-insensitive lookup every list of headers goes through.

/// `accept`.
pub const ACCEPT: &str = "accept";
/// `content-type`.
pub const CONTENT_TYPE: &str = "content-type";
/// `user-agent`.
pub const USER_AGENT: &str = "user-agent";
/// The caller's request id (a uuid v4), echoed by the service.
pub const CLIENT_REQUEST_ID: &str = "x-ms-client-request-id";
/// The service's correlation vector, which Azure support asks for.
pub const MS_CV: &str = "ms-cv";
/// Seconds, or an HTTP date, to wait before retrying.
pub const RETRY_AFTER: &str = "retry-after";
/// Milliseconds to wait before retrying.
pub const RETRY_AFTER_MS: &str = "retry-after-ms";
/// Milliseconds to wait before retrying (the `x-ms-` form).
pub const X_MS_RETRY_AFTER_MS: &str = "x-ms-retry-after-ms";
/// Date of the request (IMF-fixdate); browsers refuse to let scripts set `Date`, hence this one.
pub const X_MS_DATE: &str = "x-ms-date";
/// base64 SHA-256 of the body bytes.
pub const X_MS_CONTENT_SHA256: &str = "x-ms-content-sha256";
/// `HMAC-SHA256 SignedHeaders=...&Signature=...` (or, with Entra ID, `Bearer ...`).
pub const AUTHORIZATION: &str = "authorization";
/// The host that was signed.
pub const HOST: &str = "host";
/// The legacy date header that the 2020 Python SDK signs instead of `x-ms-date`.
pub const DATE: &str = "date";
/// The request id an Entra ID authority answers with.
pub const AUTHORITY_REQUEST_ID: &str = "client-request-id";
/// `content-length`.
pub const CONTENT_LENGTH: &str = "content-length";
/// `content-encoding`.
pub const CONTENT_ENCODING: &str = "content-encoding";

/// The value of the first header named `name` (compared case-insensitively) in a list of
/// `(name, value)` pairs, whatever string types the list holds.
///
/// ```
/// use acs_identity_edge::header;
///
/// let headers = [("MS-CV".to_string(), "v".to_string())];
/// assert_eq!(header::find(&headers, header::MS_CV), Some("v"));
/// assert_eq!(header::find(&[("a", "b")], "A"), Some("b"));
/// ```
pub fn find<'a, N: AsRef<str>, V: AsRef<str>>(
    headers: &'a [(N, V)],
    name: &str,
) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.as_ref().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_ref())
}
