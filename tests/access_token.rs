//! Decoding access tokens without verifying them: claims read, padding optional, garbage refused with
//! `ERR_INVALID_TOKEN` and never a panic.

use acs_identity_edge::access_token::{self, AccessTokenClaims};
use acs_identity_edge::ErrorKind;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;
use proptest::prelude::*;

fn token_with(payload: &str, padded: bool) -> String {
    let engine = if padded { &URL_SAFE } else { &URL_SAFE_NO_PAD };
    format!(
        "{}.{}.{}",
        engine.encode(br#"{"alg":"RS256","kid":"x","typ":"JWT"}"#),
        engine.encode(payload),
        URL_SAFE_NO_PAD.encode([7u8; 64])
    )
}

const ACS_PAYLOAD: &str = r#"{"skypeid":"acs:2dee53b4-368b-45b4-ab52-8493fb117652_00000005-14a2-493b-8a72-5a3a0d000081","scp":1792,"csi":"1665139200","exp":1665225600,"acsScope":"chat,voip","resourceId":"2dee53b4-368b-45b4-ab52-8493fb117652","resourceLocation":"unitedstates","iat":1665139200}"#;

#[test]
fn reads_the_acs_claims() {
    for padded in [true, false] {
        let claims = access_token::decode(&token_with(ACS_PAYLOAD, padded)).unwrap();
        assert_eq!(
            claims,
            AccessTokenClaims {
                user_id: Some(
                    "8:acs:2dee53b4-368b-45b4-ab52-8493fb117652_00000005-14a2-493b-8a72-5a3a0d000081"
                        .into()
                ),
                scopes: vec!["chat".into(), "voip".into()],
                expires_on_unix_seconds: 1_665_225_600,
                issued_at_unix_seconds: Some(1_665_139_200),
                resource_id: Some("2dee53b4-368b-45b4-ab52-8493fb117652".into()),
            }
        );
    }
}

#[test]
fn two_steps_give_the_same_claims() {
    let token = token_with(ACS_PAYLOAD, false);
    let bytes = access_token::payload_bytes(&token).unwrap();
    assert_eq!(bytes, ACS_PAYLOAD.as_bytes());
    assert_eq!(
        access_token::claims_from_payload(bytes.as_slice()).unwrap(),
        access_token::decode(&token).unwrap()
    );
}

#[test]
fn optional_claims_may_be_missing() {
    let claims = access_token::decode(&token_with(r#"{"exp":1700000000.75}"#, false)).unwrap();
    assert_eq!(claims.expires_on_unix_seconds, 1_700_000_000);
    assert_eq!(claims.user_id, None);
    assert!(claims.scopes.is_empty());
    assert_eq!(claims.issued_at_unix_seconds, None);
    let claims = access_token::decode(&token_with(
        r#"{"exp":1,"acsScope":" chat , ,voip.join"}"#,
        true,
    ))
    .unwrap();
    assert_eq!(claims.scopes, ["chat", "voip.join"]);
}

#[test]
fn refuses_what_is_not_a_token() {
    let no_exp = token_with(r#"{"skypeid":"acs:x"}"#, false);
    let string_exp = token_with(r#"{"exp":"1700000000"}"#, false);
    let huge_exp = token_with(r#"{"exp":1e300}"#, false);
    let bad_iat = token_with(r#"{"exp":1,"iat":-1e300}"#, false);
    let not_json = token_with("not json", false);
    let array = token_with("[1]", false);
    let standard_alphabet = format!(
        "a.{}.c",
        base64::engine::general_purpose::STANDARD.encode([0xfbu8, 0xff, 0xfe])
    );
    let long = "a".repeat(access_token::MAX_TOKEN_LEN + 1);
    let cases = [
        "",
        "   ",
        "abc",
        "a.b",
        "a.b.c.d",
        ".e30.",
        "a..c",
        "a.e30.",
        "a.!!!.c",
        "a.e.c",
        &no_exp,
        &string_exp,
        &huge_exp,
        &bad_iat,
        &not_json,
        &array,
        &standard_alphabet,
        &long,
    ];
    for t in cases {
        let e = access_token::decode(t).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidToken, "{t}");
        assert_eq!(e.code(), "ERR_INVALID_TOKEN");
        assert_eq!(e.target(), Some("token"));
        // The message never echoes the token.
        assert!(t.len() < 3 || !e.message().contains(t), "{t}");
    }
}

proptest! {
    #[test]
    fn never_panics_on_garbage(s in any::<String>()) {
        let _ = access_token::decode(&s);
    }

    #[test]
    fn never_panics_on_garbage_payloads(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let t = format!("e30.{}.c2ln", URL_SAFE_NO_PAD.encode(&bytes));
        if let Err(e) = access_token::decode(&t) {
            prop_assert_eq!(e.kind(), ErrorKind::InvalidToken);
        }
    }

    #[test]
    fn round_trips_generated_claims(
        exp in -62_135_596_800i64..253_402_300_799,
        iat in proptest::option::of(0i64..4_000_000_000),
        user in "[a-z0-9_-]{1,40}",
        scopes in prop::collection::vec("[a-z.]{1,12}", 0..5),
        padded in any::<bool>(),
    ) {
        let mut payload = serde_json::json!({"exp": exp, "skypeid": format!("acs:{user}"), "acsScope": scopes.join(",")});
        if let Some(iat) = iat {
            payload["iat"] = iat.into();
        }
        let claims = access_token::decode(&token_with(&payload.to_string(), padded)).unwrap();
        prop_assert_eq!(claims.expires_on_unix_seconds, exp);
        prop_assert_eq!(claims.issued_at_unix_seconds, iat);
        prop_assert_eq!(claims.user_id, Some(format!("8:acs:{user}")));
        prop_assert_eq!(claims.scopes, scopes);
    }
}
