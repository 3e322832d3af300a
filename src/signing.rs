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
use sha2::digest::generic_array::GenericArray;
use std::fmt;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// The header names the scheme uses (see [`crate::header`]).
pub use crate::header;

/// The `SignedHeaders` list this library signs.
pub const SIGNED_HEADERS: &str = "x-ms-date;host;x-ms-content-sha256";
const AUTH_PREFIX: &str = "HMAC-SHA256 SignedHeaders=";

/// base64 of the SHA-256 of exactly the body bytes that are sent. An empty body hashes the empty string.
pub fn content_hash(body: &[u8]) -> String {
    let mut hash = Sha256::new();
    hash.update(body);
    STANDARD.encode(hash.finish())
}

/// SHA-256 (FIPS 180-4) over `sha2`'s compression function, so that its state and its buffered bytes are
/// values of this crate's, zeroed when it is dropped: for an HMAC they are as good as the key.
struct Sha256 {
    state: [u32; 8],
    block: [u8; 64],
    filled: usize,
    len: u64,
}

impl Sha256 {
    fn new() -> Sha256 {
        Sha256 {
            state: [
                0x6a09_e667,
                0xbb67_ae85,
                0x3c6e_f372,
                0xa54f_f53a,
                0x510e_527f,
                0x9b05_688c,
                0x1f83_d9ab,
                0x5be0_cd19,
            ],
            block: [0; 64],
            filled: 0,
            len: 0,
        }
    }

    fn compress(state: &mut [u32; 8], block: &[u8]) {
        sha2::compress256(
            state,
            core::slice::from_ref(GenericArray::from_slice(block)),
        );
    }

    fn update(&mut self, mut data: &[u8]) {
        self.len = self.len.wrapping_add(data.len() as u64);
        if self.filled > 0 {
            let n = (64 - self.filled).min(data.len());
            self.block[self.filled..self.filled + n].copy_from_slice(&data[..n]);
            self.filled += n;
            data = &data[n..];
            if self.filled < 64 {
                return;
            }
            Self::compress(&mut self.state, &self.block);
            self.filled = 0;
        }
        let mut blocks = data.chunks_exact(64);
        for block in &mut blocks {
            Self::compress(&mut self.state, block);
        }
        let rest = blocks.remainder();
        self.block[..rest.len()].copy_from_slice(rest);
        self.filled = rest.len();
    }

    /// The digest; the state is spent (call only once).
    fn finish(&mut self) -> [u8; 32] {
        let bits = self.len.wrapping_mul(8);
        let pad = if self.filled < 56 { 56 } else { 120 } - self.filled;
        let mut tail = [0u8; 72];
        tail[0] = 0x80;
        tail[pad..pad + 8].copy_from_slice(&bits.to_be_bytes());
        self.update(&tail[..pad + 8]);
        let mut out = [0u8; 32];
        for (o, word) in out.chunks_exact_mut(4).zip(self.state) {
            o.copy_from_slice(&word.to_be_bytes());
        }
        out
    }
}

impl Zeroize for Sha256 {
    fn zeroize(&mut self) {
        self.state.zeroize();
        self.block.zeroize();
        self.filled = 0;
        self.len = 0;
    }
}

impl Drop for Sha256 {
    fn drop(&mut self) {
        self.zeroize();
    }
}

impl ZeroizeOnDrop for Sha256 {}

/// HMAC-SHA256 (RFC 2104) under one key. The padded key blocks live only while [`HmacSha256::new`] runs
/// and are zeroed there; the inner and outer hash states keyed with them are zeroed by
/// [`HmacSha256::finish`] and on drop.
struct HmacSha256 {
    inner: Sha256,
    outer: Sha256,
}

impl HmacSha256 {
    fn new(key: &[u8]) -> HmacSha256 {
        let mut block = Zeroizing::new([0u8; 64]);
        if key.len() > 64 {
            let mut hash = Sha256::new();
            hash.update(key);
            let digest = Zeroizing::new(hash.finish());
            block[..32].copy_from_slice(&*digest);
        } else {
            block[..key.len()].copy_from_slice(key);
        }
        let mut mac = HmacSha256 {
            inner: Sha256::new(),
            outer: Sha256::new(),
        };
        block.iter_mut().for_each(|b| *b ^= 0x36);
        mac.inner.update(&*block);
        block.iter_mut().for_each(|b| *b ^= 0x36 ^ 0x5c);
        mac.outer.update(&*block);
        mac
    }

    fn update(&mut self, message: &[u8]) {
        self.inner.update(message);
    }

    /// The MAC; both states are zeroed afterwards (call only once).
    fn finish(&mut self) -> [u8; 32] {
        let inner = self.inner.finish();
        self.outer.update(&inner);
        let out = self.outer.finish();
        self.zeroize();
        out
    }
}

impl Zeroize for HmacSha256 {
    fn zeroize(&mut self) {
        self.inner.zeroize();
        self.outer.zeroize();
    }
}

impl ZeroizeOnDrop for HmacSha256 {}

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
    check_method(method)?;
    let x_ms_date = date::format_imf_fixdate(unix_seconds).ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidArgument,
            "the date is outside years 0001 to 9999",
        )
        .with_target("date")
    })?;
    let hash = content_hash(body);
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
    use zeroize::ZeroizeOnDrop;

    fn zeroed_on_drop<T: ZeroizeOnDrop>() {}

    #[test]
    fn the_keyed_hmac_state_is_zeroed_on_drop() {
        zeroed_on_drop::<HmacSha256>();
        zeroed_on_drop::<Sha256>();
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn finishing_the_hmac_zeroes_its_keyed_state() {
        let mut mac = HmacSha256::new(b"a key of the resource");
        let keyed = (mac.inner.state, mac.outer.state);
        assert_ne!(keyed.0, Sha256::new().state, "the inner state is keyed");
        mac.update(b"message");
        mac.finish();
        assert_eq!((mac.inner.state, mac.outer.state), ([0; 8], [0; 8]));
        assert_eq!((mac.inner.block, mac.outer.block), ([0; 64], [0; 64]));
        let mut hash = Sha256::new();
        hash.update(b"buffered bytes");
        hash.zeroize();
        assert_eq!((hash.state, hash.block, hash.len), ([0; 8], [0; 64], 0));
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
    fn sha256_matches_fips_180_at_every_block_boundary() {
        assert_eq!(
            content_hash(b""),
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
        assert_eq!(
            content_hash(b"abc"),
            "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
        );
        // One update against byte-at-a-time updates, over lengths around the 56- and 64-byte edges.
        let data: Vec<u8> = (0..=255u8).cycle().take(300).collect();
        for len in [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 300] {
            let mut whole = Sha256::new();
            whole.update(&data[..len]);
            let mut split = Sha256::new();
            for b in &data[..len] {
                split.update(core::slice::from_ref(b));
            }
            assert_eq!(whole.finish(), split.finish(), "{len}");
        }
        // FIPS 180-2 appendix B.2 (two blocks) and a million 'a's (B.3).
        let mut two = Sha256::new();
        two.update(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq");
        assert_eq!(
            hex(&two.finish()),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
        let mut million = Sha256::new();
        for _ in 0..1000 {
            million.update(&[b'a'; 1000]);
        }
        assert_eq!(
            hex(&million.finish()),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        );
    }
}
