//! The access tokens of the emulator's Entra authority: JWTs with the claims of an Entra ID v2.0 app
//! token (`aud`, `iss`, `iat`, `nbf`, `exp`, `azp`, `azpacr`, `idtyp`, `oid`, `sub`, `tid`, `uti`,
//! `ver`), HS256-signed with the authority's signing key (see [`super::Authority`]), and their check.

use acs_identity_edge::connection_string::AccessKey;
use acs_identity_edge::signing::hmac_base64;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

/// The audience of tokens for the scope `https://communication.azure.com//.default`.
pub const AUDIENCE: &str = "https://communication.azure.com";

/// Seconds a token lives, as Entra's `expires_in`.
pub const LIFETIME_SECONDS: i64 = 3599;

/// How far in the future a token's `nbf` may be (another machine's clock) and still be accepted.
pub const NOT_BEFORE_LEEWAY_SECONDS: i64 = 300;

/// The claims of an issued token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub aud: String,
    pub iss: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    /// The application (client) id.
    pub azp: String,
    /// `1`: the client authenticated with a secret.
    pub azpacr: String,
    pub idtyp: String,
    /// The object id of the application's service principal.
    pub oid: String,
    pub sub: String,
    pub tid: String,
    /// A unique token id.
    pub uti: String,
    pub ver: String,
}

/// The claims a presented token must have to be checked; others are ignored.
#[derive(Deserialize)]
struct Presented {
    aud: String,
    iss: String,
    tid: String,
    exp: i64,
    nbf: Option<i64>,
    azp: Option<String>,
}

/// The header of a JWT; only `alg` matters.
#[derive(Deserialize)]
struct Header {
    alg: String,
}

/// What a token must match.
pub struct Expected<'a> {
    /// Whether an `iss` names the authority.
    pub is_issuer: &'a dyn Fn(&str) -> bool,
    pub tenant_id: &'a str,
    pub now_seconds: i64,
}

/// Why a presented bearer token was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Not three base64url parts with JSON header and claims.
    Malformed,
    /// Not HS256, or not signed with this authority's key (another key, a changed token, `alg: none`).
    Signature,
    Audience,
    Issuer,
    Tenant,
    Expired,
    NotYetValid,
}

impl Failure {
    /// The `innererror.code` that says why.
    pub fn code(self) -> &'static str {
        match self {
            Failure::Malformed => "MalformedToken",
            Failure::Signature => "InvalidSignature",
            Failure::Audience => "InvalidAudience",
            Failure::Issuer => "InvalidIssuer",
            Failure::Tenant => "InvalidTenant",
            Failure::Expired => "TokenExpired",
            Failure::NotYetValid => "TokenNotYetValid",
        }
    }
}

/// The verified application of a token.
#[derive(Debug, PartialEq, Eq)]
pub struct Verified {
    /// The `azp` claim (the client id), when present.
    pub client_id: Option<String>,
}

fn header_b64(key_id: &str) -> String {
    let header = serde_json::json!({ "typ": "JWT", "alg": "HS256", "kid": key_id });
    URL_SAFE_NO_PAD.encode(header.to_string())
}

fn signature(key: &AccessKey, signing_input: &str) -> String {
    hmac_base64(key, signing_input.as_bytes())
        .trim_end_matches('=')
        .replace('+', "-")
        .replace('/', "_")
}

/// A signed token with `claims`.
pub fn issue(key: &AccessKey, key_id: &str, claims: &Claims) -> String {
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
    let mut token = header_b64(key_id);
    token.push('.');
    token.push_str(&payload);
    let sig = signature(key, &token);
    token.push('.');
    token.push_str(&sig);
    token
}

/// Checks a presented token: structure, `alg`, signature, then `aud`, `iss`, `tid`, `exp` and `nbf`.
pub fn verify(key: &AccessKey, token: &str, expected: &Expected<'_>) -> Result<Verified, Failure> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Failure::Malformed);
    };
    let header: Header = URL_SAFE_NO_PAD
        .decode(header)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(Failure::Malformed)?;
    if header.alg != "HS256" {
        return Err(Failure::Signature);
    }
    let signing_input = &token[..token.len() - sig.len() - 1];
    if !constant_time_eq(signature(key, signing_input).as_bytes(), sig.as_bytes()) {
        return Err(Failure::Signature);
    }
    let claims: Presented = URL_SAFE_NO_PAD
        .decode(payload)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(Failure::Malformed)?;
    if claims.aud.trim_end_matches('/') != AUDIENCE {
        return Err(Failure::Audience);
    }
    if !(expected.is_issuer)(&claims.iss) {
        return Err(Failure::Issuer);
    }
    if !claims.tid.eq_ignore_ascii_case(expected.tenant_id) {
        return Err(Failure::Tenant);
    }
    if claims.exp <= expected.now_seconds {
        return Err(Failure::Expired);
    }
    if claims.nbf.is_some_and(|nbf| {
        nbf > expected
            .now_seconds
            .saturating_add(NOT_BEFORE_LEEWAY_SECONDS)
    }) {
        return Err(Failure::NotYetValid);
    }
    Ok(Verified {
        client_id: claims.azp,
    })
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    const ISSUER: &str = "https://127.0.0.1:10090/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0";
    const NOW: i64 = 1_700_000_000;

    fn key() -> AccessKey {
        AccessKey::from_bytes(vec![7; 32])
    }

    fn claims() -> Claims {
        Claims {
            aud: AUDIENCE.into(),
            iss: ISSUER.into(),
            iat: NOW,
            nbf: NOW,
            exp: NOW + LIFETIME_SECONDS,
            azp: "11111111-2222-3333-4444-555555555555".into(),
            azpacr: "1".into(),
            idtyp: "app".into(),
            oid: "66666666-7777-8888-9999-000000000000".into(),
            sub: "66666666-7777-8888-9999-000000000000".into(),
            tid: TENANT.into(),
            uti: "uti".into(),
            ver: "2.0".into(),
        }
    }

    fn check(token: &str, now: i64) -> Result<Verified, Failure> {
        verify(
            &key(),
            token,
            &Expected {
                is_issuer: &|iss| iss == ISSUER,
                tenant_id: TENANT,
                now_seconds: now,
            },
        )
    }

    #[test]
    fn an_issued_token_verifies_and_reads_as_a_jwt() {
        let token = issue(&key(), "kid-1", &claims());
        let v = check(&token, NOW).unwrap();
        assert_eq!(
            v.client_id.as_deref(),
            Some("11111111-2222-3333-4444-555555555555")
        );
        let mut parts = token.split('.');
        let header: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap())
                .unwrap();
        assert_eq!(header["alg"], "HS256");
        assert_eq!(header["kid"], "kid-1");
        let payload: Claims =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap())
                .unwrap();
        assert_eq!(payload, claims());
        // Valid up to the last second before `exp`, and a little before `nbf`.
        assert!(check(&token, NOW + LIFETIME_SECONDS - 1).is_ok());
        assert_eq!(check(&token, NOW + LIFETIME_SECONDS), Err(Failure::Expired));
        assert!(check(&token, NOW - NOT_BEFORE_LEEWAY_SECONDS).is_ok());
    }

    #[test]
    fn each_wrong_claim_is_named() {
        let with = |f: &dyn Fn(&mut Claims)| {
            let mut c = claims();
            f(&mut c);
            check(&issue(&key(), "k", &c), NOW)
        };
        assert_eq!(
            with(&|c| c.aud = "https://management.azure.com".into()),
            Err(Failure::Audience)
        );
        assert!(with(&|c| c.aud = "https://communication.azure.com/".into()).is_ok());
        assert_eq!(
            with(&|c| c.iss = "https://login.microsoftonline.com/x/v2.0".into()),
            Err(Failure::Issuer)
        );
        assert_eq!(
            with(&|c| c.tid = "00000000-0000-0000-0000-000000000000".into()),
            Err(Failure::Tenant)
        );
        assert!(with(&|c| c.tid = TENANT.to_ascii_uppercase()).is_ok());
        assert_eq!(with(&|c| c.exp = NOW - 1), Err(Failure::Expired));
        assert_eq!(
            with(&|c| c.nbf = NOW + NOT_BEFORE_LEEWAY_SECONDS + 1),
            Err(Failure::NotYetValid)
        );
    }

    #[test]
    fn forged_changed_and_unsigned_tokens_are_refused() {
        let token = issue(&key(), "k", &claims());
        let other = issue(&AccessKey::from_bytes(vec![8; 32]), "k", &claims());
        assert_eq!(check(&other, NOW), Err(Failure::Signature));
        // Another payload under the original signature.
        let mut c = claims();
        c.tid = "00000000-0000-0000-0000-000000000000".into();
        let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&c).unwrap());
        let parts: Vec<&str> = token.split('.').collect();
        let spliced = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
        assert_eq!(check(&spliced, NOW), Err(Failure::Signature));
        // alg none, and another algorithm name over a valid HS256 signature.
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#),
            parts[1]
        );
        assert_eq!(check(&none, NOW), Err(Failure::Signature));
        let rs = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#),
            parts[1]
        );
        let rs = format!("{rs}.{}", signature(&key(), &rs));
        assert_eq!(check(&rs, NOW), Err(Failure::Signature));
    }

    #[test]
    fn malformed_tokens_are_refused_without_panicking() {
        for t in ["", "a", "a.b", "a.b.c.d", "!!.!!.!!", "e30.e30.", "e30.e30"] {
            assert!(check(t, NOW).is_err(), "{t}");
        }
        // Signed, but the claims are not an object with the needed claims.
        for payload in [&b"[]"[..], b"{}", b"{\"aud\":1}", b"not json"] {
            let input = format!("{}.{}", header_b64("k"), URL_SAFE_NO_PAD.encode(payload));
            let t = format!("{input}.{}", signature(&key(), &input));
            assert_eq!(check(&t, NOW), Err(Failure::Malformed));
        }
    }
}
