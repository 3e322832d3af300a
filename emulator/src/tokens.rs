//! Access tokens: JWTs with the claims of the service's tokens (`skypeid`, `scp`, `csi`, `iat`, `exp`,
//! `acsScope`, `resourceId`), HS256-signed with the resource's access key (so a new key invalidates
//! every earlier token, as rotating a key does in the service).
//!
//! Every official SDK must be able to read them: the Python SDK decodes the payload with the standard
//! base64 alphabet (a `-` or `_` breaks it) and as ASCII, and the Java SDK finds `"exp":<digits>` with a
//! regex. So the payload is compact JSON in which every character that could produce `-`/`_` in base64
//! (`>`, `?`, `~`, DEL, anything non-ASCII) is written as a `\u` escape; the payload's base64url is then
//! also valid standard base64.

use acs_identity_edge::connection_string::AccessKey;
use acs_identity_edge::signing::hmac_base64;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;
use serde::{Deserialize, Serialize};

/// `{"alg":"HS256","typ":"JWT"}`, base64url (clean in both alphabets).
const HEADER_B64: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

/// The `scp` claim the service puts in user tokens.
const SCP: u32 = 1792;

/// The claims of an emulator token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The identity without its `8:` prefix: `acs:<resource id>_<guid>` or `orgid:<object id>`.
    pub skypeid: String,
    pub scp: u32,
    /// Issue time (unix seconds) as a string.
    pub csi: String,
    pub iat: i64,
    pub exp: i64,
    /// Comma-separated scopes.
    #[serde(rename = "acsScope")]
    pub acs_scope: String,
    #[serde(rename = "resourceId")]
    pub resource_id: String,
    /// The emulator's issue stamp, against which revocations are checked (see `store`).
    pub stamp: i64,
}

impl Claims {
    /// Claims of a token issued at `now_seconds` that expires at `exp`.
    pub fn new(
        identity: &str,
        scopes: &[String],
        resource_id: &str,
        now_seconds: i64,
        exp: i64,
        stamp: i64,
    ) -> Claims {
        Claims {
            skypeid: identity.strip_prefix("8:").unwrap_or(identity).to_string(),
            scp: SCP,
            csi: now_seconds.to_string(),
            iat: now_seconds,
            exp,
            acs_scope: scopes.join(","),
            resource_id: resource_id.to_string(),
            stamp,
        }
    }

    /// The raw id of the token's identity (`8:` + `skypeid`).
    pub fn identity(&self) -> String {
        format!("8:{}", self.skypeid)
    }

    /// The scopes, split.
    pub fn scopes(&self) -> Vec<&str> {
        self.acs_scope
            .split(',')
            .filter(|s| !s.is_empty())
            .collect()
    }
}

/// JSON with `>`, `?`, `~`, DEL and every non-ASCII character written as `\uXXXX`. Those characters
/// only occur inside strings, where the escape means the same.
fn ascii_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if matches!(c, '>' | '?' | '~' | '\u{7f}') || !c.is_ascii() {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Standard base64 (padded or not) rewritten in the unpadded base64url alphabet of JWTs.
fn to_base64url(base64: &str) -> String {
    base64
        .trim_end_matches('=')
        .chars()
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            c => c,
        })
        .collect()
}

fn sign(key: &AccessKey, signing_input: &str) -> String {
    to_base64url(&hmac_base64(key, signing_input.as_bytes()))
}

/// Mints a token with `claims`, signed with `key`.
pub fn mint(key: &AccessKey, claims: &Claims) -> String {
    let json = serde_json::to_string(claims).unwrap_or_default();
    let payload = URL_SAFE_NO_PAD.encode(ascii_json(&json));
    let mut token = String::with_capacity(HEADER_B64.len() + payload.len() + 45);
    token.push_str(HEADER_B64);
    token.push('.');
    token.push_str(&payload);
    let signature = sign(key, &token);
    token.push('.');
    token.push_str(&signature);
    token
}

/// Why a presented token was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenFailure {
    /// Not three base64url parts with a JSON payload of the expected claims.
    Malformed,
    /// The signature is not the emulator's (another key, or a changed token).
    Forged,
}

/// Checks a token's signature and reads its claims. Expiry and revocation are the caller's checks.
pub fn verify(key: &AccessKey, token: &str) -> Result<Claims, TokenFailure> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenFailure::Malformed);
    };
    let signing_input = &token[..header.len() + 1 + payload.len()];
    let expected = sign(key, signing_input);
    if !constant_time_eq(expected.as_bytes(), signature.as_bytes()) {
        return Err(TokenFailure::Forged);
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| TokenFailure::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| TokenFailure::Malformed)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Decodes the payload of any JWT (signed or not) as a JSON object, tolerating padding and either
/// base64 alphabet. Used for the Entra ID tokens of the Teams exchange, whose signature the emulator
/// does not check.
pub fn decode_unverified_payload(
    token: &str,
) -> Option<serde_json::Map<String, serde_json::Value>> {
    let mut parts = token.split('.');
    let _header = parts.next()?;
    let payload = parts.next()?;
    // Unsigned tokens (alg "none") end with an empty third part; a token with more parts is not a JWS.
    let _signature = parts.next()?;
    if parts.next().is_some() {
        return None;
    }
    let normalised = to_base64url(payload);
    let bytes = URL_SAFE_NO_PAD
        .decode(&normalised)
        .or_else(|_| URL_SAFE.decode(&normalised))
        .ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        serde_json::Value::Object(map) => Some(map),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;

    fn key() -> AccessKey {
        AccessKey::from_bytes(b"a test key that is long enough".to_vec())
    }

    fn claims(scopes: &[&str]) -> Claims {
        let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
        Claims::new(
            "8:acs:ac5e0000-0000-4000-8000-000000000001_00000000-1111-2222-3333-444444444444",
            &scopes,
            "ac5e0000-0000-4000-8000-000000000001",
            1_700_000_000,
            1_700_086_400,
            1_700_000_000_000_123,
        )
    }

    #[test]
    fn tokens_round_trip_and_read_like_the_service_tokens() {
        let c = claims(&["chat", "voip"]);
        let t = mint(&key(), &c);
        assert_eq!(verify(&key(), &t), Ok(c.clone()));
        let payload = t.split('.').nth(1).unwrap();
        let json = String::from_utf8(URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        assert!(json.contains(r#""exp":1700086400"#), "{json}");
        assert!(json.contains(r#""skypeid":"acs:ac5e0000"#), "{json}");
        assert!(json.contains(r#""acsScope":"chat,voip""#), "{json}");
        assert!(json.contains(r#""csi":"1700000000""#), "{json}");
        assert!(!json.contains(' '));
        assert_eq!(
            c.identity(),
            "8:acs:ac5e0000-0000-4000-8000-000000000001_00000000-1111-2222-3333-444444444444"
        );
        assert_eq!(c.scopes(), ["chat", "voip"]);
    }

    #[test]
    fn payloads_decode_with_the_standard_alphabet_whatever_the_claims() {
        // Characters that land on base64 values 62/63 in some alignment.
        let awkward = ["a>b", "??", "~~~", "é", "x\u{7f}", "ok"];
        for (i, s) in awkward.iter().enumerate() {
            for pad in 0..3 {
                let mut c = claims(&["chat"]);
                c.skypeid = format!("{}{}{}", "p".repeat(pad), s, i);
                let t = mint(&key(), &c);
                let payload = t.split('.').nth(1).unwrap();
                assert!(!payload.contains(['-', '_']), "{payload}");
                // What the Python SDK does: standard alphabet, extra padding, ASCII.
                let mut padded = payload.to_string();
                while padded.len() % 4 != 0 {
                    padded.push('=');
                }
                let bytes = STANDARD.decode(&padded).unwrap();
                assert!(bytes.is_ascii());
                let back: Claims = serde_json::from_slice(&bytes).unwrap();
                assert_eq!(back, c);
                assert_eq!(verify(&key(), &t), Ok(c));
            }
        }
    }

    #[test]
    fn forged_changed_and_malformed_tokens_are_refused() {
        let t = mint(&key(), &claims(&["voip"]));
        let other = AccessKey::from_bytes(b"another key".to_vec());
        assert_eq!(verify(&other, &t), Err(TokenFailure::Forged));
        let mut parts: Vec<String> = t.split('.').map(str::to_string).collect();
        let forged_claims = claims(&["voip", "chat"]);
        parts[1] = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged_claims).unwrap());
        assert_eq!(verify(&key(), &parts.join(".")), Err(TokenFailure::Forged));
        assert_eq!(verify(&key(), "abc"), Err(TokenFailure::Malformed));
        assert_eq!(verify(&key(), "a.b.c.d"), Err(TokenFailure::Malformed));
    }

    #[test]
    fn entra_payloads_decode_signed_or_not() {
        let payload = URL_SAFE_NO_PAD.encode(br#"{"appid":"a","oid":"o","exp":5}"#);
        let unsigned = format!("eyJhbGciOiJub25lIn0.{payload}.");
        let map = decode_unverified_payload(&unsigned).unwrap();
        assert_eq!(map["oid"], "o");
        assert!(decode_unverified_payload(&format!("h.{payload}.sig")).is_some());
        assert!(decode_unverified_payload("garbage").is_none());
        assert!(decode_unverified_payload("a.!!!.c").is_none());
        let array = URL_SAFE_NO_PAD.encode(b"[1]");
        assert!(decode_unverified_payload(&format!("a.{array}.c")).is_none());
    }
}
