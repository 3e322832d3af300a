//! The HMAC-SHA256 request signing of Azure Communication Services, as pure functions: no clock, no I/O.
//!
//! ```text
//! string to sign = METHOD \n path-and-query \n x-ms-date;host;x-ms-content-sha256
//! Authorization  = HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=<base64 HMAC>
//! ```
//!
//! Every stage is a value you can print and compare: [`content_hash`], [`RequestTarget`], [`StringToSign`],
//! [`signature`], [`SignedHeaders`]. [`verify`] is the server side, used by the emulator.

use crate::connection_string::AccessKey;
use crate::date;
use crate::error::{Error, ErrorKind, Result};
pub use crate::url::normalise_path_and_query;
use crate::url::{split_at_byte, split_scheme, Endpoint, Scheme};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::fmt;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// The header names the scheme uses (see [`crate::header`]).
pub use crate::header;

/// The `SignedHeaders` list this library signs.
pub const SIGNED_HEADERS: &str = "x-ms-date;host;x-ms-content-sha256";
const AUTH_PREFIX: &str = "HMAC-SHA256 SignedHeaders=";

/// base64 of the SHA-256 of exactly the body bytes that are sent. An empty body hashes the empty string.
pub fn content_hash(body: &[u8]) -> String {
    STANDARD.encode(Sha256::digest(body))
}

/// Where a request goes, in the two forms that are signed: the host (`host[:port]`, the port only when it
/// is not the scheme's default) and the path-and-query exactly as sent (still percent-encoded).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestTarget {
    /// `http` or `https`.
    pub scheme: Scheme,
    /// `host[:non-default port]`, lower case.
    pub host: String,
    /// `/path` plus `?query` only when the query is not empty; no fragment.
    pub path_and_query: String,
}

impl RequestTarget {
    /// Splits an absolute `http(s)` URL into what is signed, without re-encoding anything.
    pub fn from_url(url: &str) -> Result<RequestTarget> {
        let bad = |m: &'static str| Error::new(ErrorKind::InvalidArgument, m).with_target("url");
        let (scheme, rest) = split_scheme(url)
            .ok_or_else(|| bad("the url must be absolute and start with https:// or http://"))?;
        let (rest, _fragment) = split_at_byte(rest, b"#");
        let (authority, path_and_query) = split_at_byte(rest, b"/?");
        let endpoint = Endpoint::parse(&{
            let mut e = String::with_capacity(authority.len() + 8);
            e.push_str(scheme.as_str());
            e.push_str("://");
            e.push_str(authority);
            e
        })
        .map_err(|_| bad("the url has an invalid host or port"))?;
        let path_and_query = normalise_path_and_query(path_and_query).map_err(bad)?;
        Ok(RequestTarget {
            scheme,
            host: endpoint.authority().to_string(),
            path_and_query,
        })
    }
}

/// The exact text that is HMAC'd. `Display` prints it (with its two `\n`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StringToSign {
    /// Upper-case method.
    pub method: String,
    /// Path and query as sent.
    pub path_and_query: String,
    /// Values of the signed headers, in `SignedHeaders` order, joined with `;`.
    pub signed_values: String,
}

impl StringToSign {
    /// The string to sign of this library's `SignedHeaders` (`x-ms-date;host;x-ms-content-sha256`).
    pub fn new(
        method: &str,
        path_and_query: &str,
        x_ms_date: &str,
        host: &str,
        content_hash: &str,
    ) -> Self {
        let mut signed_values =
            String::with_capacity(x_ms_date.len() + host.len() + content_hash.len() + 2);
        signed_values.push_str(x_ms_date);
        signed_values.push(';');
        signed_values.push_str(host);
        signed_values.push(';');
        signed_values.push_str(content_hash);
        StringToSign {
            method: method.to_ascii_uppercase(),
            path_and_query: path_and_query.to_string(),
            signed_values,
        }
    }

    /// The string to sign of any `SignedHeaders` list: `values` are the values of the signed headers,
    /// in the list's order (a verifier takes the order the request names).
    pub fn with_signed_values<'a>(
        method: &str,
        path_and_query: &str,
        values: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let mut signed_values = String::with_capacity(96);
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                signed_values.push(';');
            }
            signed_values.push_str(value);
        }
        StringToSign {
            method: method.to_ascii_uppercase(),
            path_and_query: path_and_query.to_string(),
            signed_values,
        }
    }

    /// Writes the string to sign into `out`.
    pub fn write_to(&self, out: &mut String) {
        out.push_str(&self.method);
        out.push('\n');
        out.push_str(&self.path_and_query);
        out.push('\n');
        out.push_str(&self.signed_values);
    }

    /// The string to sign as one `String`.
    pub fn as_string(&self) -> String {
        let mut s = String::with_capacity(
            self.method.len() + self.path_and_query.len() + self.signed_values.len() + 2,
        );
        self.write_to(&mut s);
        s
    }
}

impl fmt::Display for StringToSign {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_string())
    }
}

fn mac(key: &AccessKey) -> HmacSha256 {
    // HMAC accepts keys of any length, so this never fails; the fallback keeps library code panic-free.
    HmacSha256::new_from_slice(key.expose_secret())
        .unwrap_or_else(|_| <HmacSha256 as hmac::digest::KeyInit>::new(&Default::default()))
}

/// base64 of HMAC-SHA256(key, message).
pub fn hmac_base64(key: &AccessKey, message: &[u8]) -> String {
    let mut m = mac(key);
    m.update(message);
    STANDARD.encode(m.finalize().into_bytes())
}

/// The signature of a string to sign.
pub fn signature(key: &AccessKey, string_to_sign: &StringToSign) -> String {
    hmac_base64(key, string_to_sign.as_string().as_bytes())
}

/// `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=<signature>`.
pub fn authorization_header(signature: &str) -> String {
    let mut s =
        String::with_capacity(AUTH_PREFIX.len() + SIGNED_HEADERS.len() + 11 + signature.len());
    s.push_str(AUTH_PREFIX);
    s.push_str(SIGNED_HEADERS);
    s.push_str("&Signature=");
    s.push_str(signature);
    s
}

/// What signing adds to a request, and every stage that led to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedHeaders {
    /// `x-ms-date` value.
    pub x_ms_date: String,
    /// `x-ms-content-sha256` value.
    pub x_ms_content_sha256: String,
    /// `Authorization` value.
    pub authorization: String,
    /// The host that was signed (the `Host` the transport must send, which it does by itself for the URL).
    pub host: String,
    /// The path and query that were signed.
    pub path_and_query: String,
    /// The string that was HMAC'd.
    pub string_to_sign: StringToSign,
}

fn check_method(method: &str) -> Result<()> {
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            "the method must be an HTTP method name",
        )
        .with_target("method"));
    }
    Ok(())
}

/// Signs a request given by host and path-and-query (both as sent) at `unix_seconds`.
pub fn sign_target(
    key: &AccessKey,
    method: &str,
    host: &str,
    path_and_query: &str,
    body: &[u8],
    unix_seconds: i64,
) -> Result<SignedHeaders> {
    sign_target_hashed(
        key,
        method,
        host,
        path_and_query,
        content_hash(body),
        unix_seconds,
    )
}

/// [`sign_target`] of a body whose [`content_hash`] is `hash`, computed before.
pub fn sign_target_hashed(
    key: &AccessKey,
    method: &str,
    host: &str,
    path_and_query: &str,
    hash: String,
    unix_seconds: i64,
) -> Result<SignedHeaders> {
    check_method(method)?;
    let x_ms_date = date::format_imf_fixdate(unix_seconds).ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidArgument,
            "the date is outside years 0001 to 9999",
        )
        .with_target("date")
    })?;
    let sts = StringToSign::new(method, path_and_query, &x_ms_date, host, &hash);
    let sig = signature(key, &sts);
    Ok(SignedHeaders {
        authorization: authorization_header(&sig),
        x_ms_date,
        x_ms_content_sha256: hash,
        host: host.to_string(),
        path_and_query: path_and_query.to_string(),
        string_to_sign: sts,
    })
}

/// Signs a request to an absolute URL at `unix_seconds`: the URL's path and query are signed exactly as
/// given, the host without a default port.
pub fn sign(
    key: &AccessKey,
    method: &str,
    url: &str,
    body: &[u8],
    unix_seconds: i64,
) -> Result<SignedHeaders> {
    let target = RequestTarget::from_url(url)?;
    sign_target(
        key,
        method,
        &target.host,
        &target.path_and_query,
        body,
        unix_seconds,
    )
}

/// Why [`verify`] rejected a request.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerifyFailure {
    /// A required header is absent (its name).
    MissingHeader(&'static str),
    /// `Authorization` is not `HMAC-SHA256 SignedHeaders=...&Signature=...` with the required headers.
    MalformedAuthorization,
    /// The date header is not an IMF-fixdate.
    MalformedDate,
    /// The date is further from the server's clock than the allowed skew.
    ClockSkew,
    /// `x-ms-content-sha256` is not the hash of the body received.
    ContentHash,
    /// The HMAC does not match.
    Signature,
}

impl VerifyFailure {
    /// A message in the style of the service's 401 `Denied` bodies. Never contains a key or signature.
    pub fn message(self) -> &'static str {
        match self {
            VerifyFailure::MissingHeader("authorization") => "Denied by the authorization header: it is missing.",
            VerifyFailure::MissingHeader("x-ms-content-sha256") => "Request is missing the 'x-ms-content-sha256' header.",
            VerifyFailure::MissingHeader(_) => "Request is missing the 'x-ms-date' (or 'date') header.",
            VerifyFailure::MalformedAuthorization => {
                "The authorization header is not 'HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=...'."
            }
            VerifyFailure::MalformedDate => "Request date header is not a valid IMF-fixdate.",
            VerifyFailure::ClockSkew => "Request date is outside the allowed clock skew.",
            VerifyFailure::ContentHash => "Request 'x-ms-content-sha256' differs from generated content hash.",
            VerifyFailure::Signature => "Request signature is not valid.",
        }
    }
}

/// A request as a server received it, for [`verify`].
#[derive(Clone, Copy, Debug)]
pub struct ReceivedRequest<'a> {
    /// Method as received.
    pub method: &'a str,
    /// Request target as received (`/path?query`, still percent-encoded).
    pub path_and_query: &'a str,
    /// The host to check the signature against (normally the `Host` header).
    pub host: &'a str,
    /// Headers, names in any case.
    pub headers: &'a [(&'a str, &'a str)],
    /// Body bytes as received.
    pub body: &'a [u8],
}

/// Checks a received request's signature, as the service does: the `Authorization` header's `SignedHeaders`
/// names the date header (`x-ms-date` or `date`), `host` and `x-ms-content-sha256`; the content hash must
/// match the body, the date must be within `max_skew_seconds` of `now_unix_seconds`, and the HMAC must
/// match (compared in constant time). Reports the first check that failed.
pub fn verify(
    key: &AccessKey,
    request: &ReceivedRequest<'_>,
    now_unix_seconds: i64,
    max_skew_seconds: u32,
) -> core::result::Result<(), VerifyFailure> {
    let auth = header::find(request.headers, header::AUTHORIZATION)
        .ok_or(VerifyFailure::MissingHeader("authorization"))?;
    let rest = auth
        .trim()
        .strip_prefix(AUTH_PREFIX)
        .ok_or(VerifyFailure::MalformedAuthorization)?;
    let (signed, sig) = rest
        .split_once("&Signature=")
        .ok_or(VerifyFailure::MalformedAuthorization)?;
    let names: Vec<&str> = signed.split(';').collect();
    let has = |n: &str| names.iter().filter(|x| x.eq_ignore_ascii_case(n)).count() == 1;
    let date_name = if has(header::X_MS_DATE) {
        header::X_MS_DATE
    } else if has(header::DATE) {
        header::DATE
    } else {
        return Err(VerifyFailure::MalformedAuthorization);
    };
    if names.len() != 3 || !has(header::HOST) || !has(header::X_MS_CONTENT_SHA256) {
        return Err(VerifyFailure::MalformedAuthorization);
    }
    let date_value =
        header::find(request.headers, date_name).ok_or(VerifyFailure::MissingHeader(date_name))?;
    let hash_value = header::find(request.headers, header::X_MS_CONTENT_SHA256)
        .ok_or(VerifyFailure::MissingHeader("x-ms-content-sha256"))?;
    let computed = content_hash(request.body);
    if !bool::from(hash_value.trim().as_bytes().ct_eq(computed.as_bytes())) {
        return Err(VerifyFailure::ContentHash);
    }
    let when = date::parse_imf_fixdate(date_value.trim()).ok_or(VerifyFailure::MalformedDate)?;
    if now_unix_seconds.abs_diff(when) > u64::from(max_skew_seconds) {
        return Err(VerifyFailure::ClockSkew);
    }
    let sig_bytes = STANDARD
        .decode(sig.trim())
        .map_err(|_| VerifyFailure::Signature)?;
    let values = names.iter().map(|name| {
        if name.eq_ignore_ascii_case(header::HOST) {
            request.host
        } else if name.eq_ignore_ascii_case(header::X_MS_CONTENT_SHA256) {
            hash_value.trim()
        } else {
            date_value.trim()
        }
    });
    let string_to_sign =
        StringToSign::with_signed_values(request.method, request.path_and_query, values);
    let mut m = mac(key);
    m.update(string_to_sign.as_string().as_bytes());
    m.verify_slice(&sig_bytes)
        .map_err(|_| VerifyFailure::Signature)
}
