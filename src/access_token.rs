//! Reading an ACS access token (a JWT) without verifying it, as the official SDKs do: only the service
//! can verify a token, a client just needs to know whom it names, what it allows and when it expires.
//!
//! Decoding happens in two steps:
//! 1. [`payload_bytes`] checks the `header.payload.signature` shape and base64url-decodes the payload
//!    (with or without `=` padding);
//! 2. [`claims_from_payload`] reads the claims from the payload with the library's one JSON reader
//!    ([`crate::json::parse`], through [`JsonBody`]), the same on every target.
//!
//! [`decode`] does both, on every target. Every failure is an [`ErrorKind::InvalidToken`] error; nothing here panics,
//! whatever the input.
//!
//! ```
//! use acs_identity_edge::access_token;
//!
//! // {"skypeid":"acs:r_u","acsScope":"chat,voip","iat":1700000000,"exp":1700086400,"resourceId":"r"}
//! let token = "eyJhbGciOiJSUzI1NiJ9.eyJza3lwZWlkIjoiYWNzOnJfdSIsImFjc1Njb3BlIjoiY2hhdCx2b2lwIiwiaWF0IjoxNzAwMDAwMDAwLCJleHAiOjE3MDAwODY0MDAsInJlc291cmNlSWQiOiJyIn0.c2ln";
//! let claims = access_token::decode(token)?;
//! assert_eq!(claims.user_id.as_deref(), Some("8:acs:r_u"));
//! assert_eq!(claims.scopes, ["chat", "voip"]);
//! assert_eq!(claims.expires_on_unix_seconds, 1_700_086_400);
//! # Ok::<(), acs_identity_edge::Error>(())
//! ```

use crate::error::{Error, ErrorKind, Result};
use crate::json::{JsonBody, Value};
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;

/// Tokens longer than this are rejected before any decoding (real ones are about 1 KB).
pub const MAX_TOKEN_LEN: usize = 64 * 1024;

const BASE64URL: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// What an access token says about itself.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessTokenClaims {
    /// The raw id of the user the token was issued for (`8:` + the `skypeid` claim), when present.
    pub user_id: Option<String>,
    /// The scopes of the `acsScope` claim (comma-separated in the token), empty when absent.
    pub scopes: Vec<String>,
    /// The `exp` claim: when the token expires, in unix seconds.
    pub expires_on_unix_seconds: i64,
    /// The `iat` claim: when the token was issued, in unix seconds.
    pub issued_at_unix_seconds: Option<i64>,
    /// The `resourceId` claim: the Communication Services resource that issued the token.
    pub resource_id: Option<String>,
}

/// The claims this library reads, as the token has them.
struct RawClaims {
    skypeid: Option<String>,
    acs_scope: Option<String>,
    exp: Option<f64>,
    iat: Option<f64>,
    resource_id: Option<String>,
}

fn read_claims(v: &Value) -> Option<RawClaims> {
    if !v.is_object() {
        return None;
    }
    Some(RawClaims {
        skypeid: v.opt_str("skypeid").ok()?,
        acs_scope: v.opt_str("acsScope").ok()?,
        exp: v.opt_f64("exp").ok()?,
        iat: v.opt_f64("iat").ok()?,
        resource_id: v.opt_str("resourceId").ok()?,
    })
}

fn invalid(message: &'static str) -> Error {
    Error::new(ErrorKind::InvalidToken, message).with_target("token")
}

/// Checks that `token` is `header.payload.signature` (three non-empty base64url parts) and returns the
/// decoded payload bytes (normally JSON).
pub fn payload_bytes(token: &str) -> Result<Vec<u8>> {
    let token = token.trim();
    if token.is_empty() {
        return Err(invalid("the access token is empty"));
    }
    if token.len() > MAX_TOKEN_LEN {
        return Err(invalid("the access token is too long"));
    }
    let mut parts = crate::ascii::split(token, b'.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid(
            "the access token is not a JWT (header.payload.signature)",
        ));
    };
    if header.is_empty() || payload.is_empty() || signature.is_empty() {
        return Err(invalid("the access token has an empty part"));
    }
    BASE64URL
        .decode(payload)
        .map_err(|e| invalid("the access token payload is not base64url").with_source(e))
}

fn seconds(value: f64) -> Option<i64> {
    // Unix seconds within years 0001 to 9999; a fractional NumericDate is truncated.
    if value.is_finite()
        && value >= crate::date::MIN_UNIX_SECONDS as f64
        && value <= crate::date::MAX_UNIX_SECONDS as f64
    {
        Some(value as i64)
    } else {
        None
    }
}

/// Reads the claims of a payload already decoded as JSON. `exp` is required; the other claims are optional.
pub fn claims_from_payload<B: JsonBody + ?Sized>(payload: &B) -> Result<AccessTokenClaims> {
    let raw = payload
        .value()
        .as_ref()
        .and_then(read_claims)
        .ok_or_else(|| invalid("the access token payload is not a JSON object of claims"))?;
    let exp = raw
        .exp
        .ok_or_else(|| invalid("the access token has no exp claim"))?;
    let expires_on_unix_seconds =
        seconds(exp).ok_or_else(|| invalid("the access token exp claim is out of range"))?;
    let issued_at_unix_seconds = match raw.iat {
        Some(v) => {
            Some(seconds(v).ok_or_else(|| invalid("the access token iat claim is out of range"))?)
        }
        None => None,
    };
    let user_id = raw.skypeid.filter(|s| !s.is_empty()).map(|s| {
        let mut id = String::with_capacity(s.len() + 2);
        id.push_str("8:");
        id.push_str(&s);
        id
    });
    let mut scopes = Vec::new();
    for scope in crate::ascii::split(raw.acs_scope.as_deref().unwrap_or(""), b',') {
        let scope = scope.trim();
        if !scope.is_empty() {
            scopes.push(scope.to_string());
        }
    }
    Ok(AccessTokenClaims {
        user_id,
        scopes,
        expires_on_unix_seconds,
        issued_at_unix_seconds,
        resource_id: raw.resource_id.filter(|s| !s.is_empty()),
    })
}

/// Decodes an access token's claims.
pub fn decode(token: &str) -> Result<AccessTokenClaims> {
    claims_from_payload(payload_bytes(token)?.as_slice())
}
