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
use crate::redact;
pub use crate::url::normalise_path_and_query;
use crate::url::{split_at_byte, split_scheme, Endpoint, Scheme};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::HmacCore;
use sha2::digest::core_api::{Buffer, FixedOutputCore, UpdateCore};
use sha2::digest::{KeyInit, Output};
use sha2::{Digest, Sha256};
use std::fmt;
use subtle::ConstantTimeEq;

/// The header names the scheme uses (see [`crate::header`]).
pub use crate::header;

/// The `SignedHeaders` list this library signs.
pub const SIGNED_HEADERS: &str = "x-ms-date;host;x-ms-content-sha256";
const AUTH_PREFIX: &str = "HMAC-SHA256 SignedHeaders=";

/// base64 of the SHA-256 of exactly the body bytes that are sent. An empty body hashes the empty string.
pub fn content_hash(body: &[u8]) -> String {
    STANDARD.encode(Sha256::digest(body))
}

/// HMAC-SHA256 under one key, over the `hmac` crate's core: its keyed inner and outer states (as good as
/// the key for forging) and its block buffer are fields of this crate's, wiped after the MAC is computed
/// and on drop (hmac 0.12 does not zero them itself).
struct HmacSha256 {
    core: HmacCore<Sha256>,
    buffer: Buffer<HmacCore<Sha256>>,
}

impl HmacSha256 {
    fn new(key: &[u8]) -> HmacSha256 {
        // HMAC takes a key of any length (a long one is hashed first), so `new_from_slice` never fails.
        let core = match HmacCore::<Sha256>::new_from_slice(key) {
            Ok(core) => core,
            Err(_) => HmacCore::<Sha256>::new(&Default::default()),
        };
        HmacSha256 {
            core,
            buffer: Buffer::<HmacCore<Sha256>>::default(),
        }
    }

    fn update(&mut self, message: &[u8]) {
        let core = &mut self.core;
        self.buffer
            .digest_blocks(message, |blocks| core.update_blocks(blocks));
    }

    /// The MAC; the keyed state is wiped afterwards (call only once).
    fn finish(&mut self) -> [u8; 32] {
        let mut out = Output::<HmacCore<Sha256>>::default();
        self.core.finalize_fixed_core(&mut self.buffer, &mut out);
        self.wipe();
        out.into()
    }

    fn wipe(&mut self) {
        wipe_plain_data(&mut self.core);
        wipe_plain_data(&mut self.buffer);
    }
}

impl Drop for HmacSha256 {
    fn drop(&mut self) {
        self.wipe();
    }
}

/// Overwrites `value` with zero bytes, in a write the compiler may not elide. Only for the two types of
/// [`HmacSha256`]: SHA-256's state (integer arrays and a block counter) and a block buffer (bytes and a
/// position), for which all-zero bytes are a valid value.
fn wipe_plain_data<T>(value: &mut T) {
    let target = (value as *mut T).cast::<core::mem::MaybeUninit<T>>();
    // SAFETY: `target` is a valid, aligned, exclusive pointer to a `T`, and the zeroed `T` written is a
    // valid value of the only two types this is called with (see above); neither has a destructor.
    unsafe { core::ptr::write_volatile(target, core::mem::MaybeUninit::zeroed()) };
    core::sync::atomic::compiler_fence(core::sync::atomic::Ordering::SeqCst);
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

/// HMAC-SHA256(key, message), with every key-derived buffer zeroed before it returns.
fn hmac(key: &AccessKey, message: &[u8]) -> [u8; 32] {
    let mut mac = HmacSha256::new(key.expose_secret());
    mac.update(message);
    mac.finish()
}

/// base64 of HMAC-SHA256(key, message).
pub fn hmac_base64(key: &AccessKey, message: &[u8]) -> String {
    STANDARD.encode(hmac(key, message))
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

/// What signing adds to a request, and every stage that led to it. Its `Debug` shows the authorization's
/// scheme and `SignedHeaders`, not its signature.
#[derive(Clone, PartialEq, Eq)]
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

impl fmt::Debug for SignedHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedHeaders")
            .field("x_ms_date", &self.x_ms_date)
            .field("x_ms_content_sha256", &self.x_ms_content_sha256)
            .field("authorization", &redact::authorization(&self.authorization))
            .field("host", &self.host)
            .field("path_and_query", &self.path_and_query)
            .field("string_to_sign", &self.string_to_sign)
            .finish()
    }
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

/// A request as a server received it, for [`verify`]. Its `Debug` shows the header names, the
/// authorization's scheme and `SignedHeaders`, and the body's length.
#[derive(Clone, Copy)]
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

impl fmt::Debug for ReceivedRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| *n).collect();
        f.debug_struct("ReceivedRequest")
            .field("method", &self.method)
            .field("path_and_query", &self.path_and_query)
            .field("host", &self.host)
            .field("headers", &names)
            .field(
                "authorization",
                &header::find(self.headers, header::AUTHORIZATION).map(redact::authorization),
            )
            .field("body_len", &self.body.len())
            .finish()
    }
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
    let expected = hmac(key, string_to_sign.as_string().as_bytes());
    if bool::from(expected.as_slice().ct_eq(&sig_bytes)) {
        Ok(())
    } else {
        Err(VerifyFailure::Signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The bytes of `value`, to see that they were wiped.
    fn bytes_of<T>(value: &T) -> Vec<u8> {
        // SAFETY: reads `size_of::<T>()` initialised bytes of a live value (the two HMAC types have no
        // padding: integer arrays, a counter, a byte buffer and its one-byte position).
        unsafe {
            core::slice::from_raw_parts((value as *const T).cast::<u8>(), core::mem::size_of::<T>())
        }
        .to_vec()
    }

    #[test]
    fn finishing_the_hmac_wipes_its_keyed_state() {
        let mut mac = HmacSha256::new(b"a key of the resource");
        assert!(
            bytes_of(&mac.core).iter().any(|b| *b != 0),
            "the state is keyed"
        );
        mac.update(b"message");
        let out = mac.finish();
        assert_ne!(out, [0; 32]);
        assert!(
            bytes_of(&mac.core).iter().all(|b| *b == 0),
            "the keyed state is wiped"
        );
        assert!(
            bytes_of(&mac.buffer).iter().all(|b| *b == 0),
            "the buffer is wiped"
        );
        // The same MAC as the hmac crate's own API.
        use hmac::Mac;
        let mut reference =
            <hmac::Hmac<Sha256> as Mac>::new_from_slice(b"a key of the resource").unwrap();
        reference.update(b"message");
        assert_eq!(out, <[u8; 32]>::from(reference.finalize().into_bytes()));
    }

    #[test]
    fn hmac_sha256_matches_rfc_4231() {
        // Test cases 1, 2, 3, 6 and 7 of RFC 4231 (6 and 7 have a 131-byte key, which is hashed first).
        let long_key = [0xaa; 131];
        let cases: [(&[u8], &[u8], &str); 5] = [
            (&[0x0b; 20], b"Hi There", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
            (b"Jefe", b"what do ya want for nothing?", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
            (&[0xaa; 20], &[0xdd; 50], "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
            (&long_key, b"Test Using Larger Than Block-Size Key - Hash Key First", "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
            (&long_key, b"This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.", "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
        ];
        for (key, message, mac) in cases {
            assert_eq!(hex(&hmac(&AccessKey::from_bytes(key), message)), mac);
        }
    }

    #[test]
    fn content_hash_matches_fips_180() {
        assert_eq!(
            content_hash(b""),
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
        assert_eq!(
            content_hash(b"abc"),
            "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
        );
        // FIPS 180-2 appendix B.2 (two blocks).
        assert_eq!(
            content_hash(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "JI1qYdIGOLjlwCaTDD5gOaM85Flk/yFn9uzt1BnbBsE="
        );
    }
}
