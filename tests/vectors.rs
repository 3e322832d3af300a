//! The signing and connection-string vectors of `tests/data/vectors`, checked stage by stage. The same
//! file runs natively (`cargo test`) and compiled to wasm32 under Node and headless Chromium
//! (`cargo test --target wasm32-unknown-unknown`, see `scripts/test.mjs`), so "it builds for wasm" is never
//! mistaken for "it signs correctly in wasm".

use acs_identity_edge::connection_string::{AccessKey, ConnectionString};
use acs_identity_edge::date;
use acs_identity_edge::signing::{self, RequestTarget, StringToSign};
use serde_json::Value;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const SIGNING: &str = include_str!("data/vectors/signing.json");
const CONNECTION_STRINGS: &str = include_str!("data/vectors/connection-strings.json");

fn load(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

fn s(v: &Value, k: &str) -> String {
    v[k].as_str()
        .unwrap_or_else(|| panic!("field {k}"))
        .to_string()
}

#[test]
fn request_vectors_stage_by_stage() {
    let v = load(SIGNING);
    let requests = v["requests"].as_array().unwrap();
    assert_eq!(requests.len(), 20);
    for r in requests {
        let id = s(r, "id");
        let key = AccessKey::from_base64(&s(r, "access_key")).unwrap();
        let body = r["body"].as_str().unwrap_or("").as_bytes();
        let target = RequestTarget::from_url(&s(r, "url")).unwrap();
        assert_eq!(
            target.path_and_query,
            s(r, "path_and_query"),
            "{id}: path-and-query"
        );
        assert_eq!(target.host, s(r, "host"), "{id}: host");
        assert_eq!(
            signing::content_hash(body),
            s(r, "content_sha256"),
            "{id}: content hash"
        );
        let unix = r["unix_time"].as_i64().unwrap();
        assert_eq!(
            date::format_imf_fixdate(unix).unwrap(),
            s(r, "x_ms_date"),
            "{id}: x-ms-date"
        );
        let sts = StringToSign::new(
            &s(r, "method"),
            &target.path_and_query,
            &s(r, "x_ms_date"),
            &target.host,
            &s(r, "content_sha256"),
        );
        assert_eq!(
            sts.to_string(),
            s(r, "string_to_sign"),
            "{id}: string to sign"
        );
        assert_eq!(
            signing::signature(&key, &sts),
            s(r, "signature"),
            "{id}: signature"
        );
        let signed = signing::sign(&key, &s(r, "method"), &s(r, "url"), body, unix).unwrap();
        assert_eq!(
            signed.authorization,
            s(r, "authorization"),
            "{id}: authorization"
        );
        assert_eq!(
            signed.x_ms_content_sha256,
            s(r, "content_sha256"),
            "{id}: header hash"
        );
        assert_eq!(signed.x_ms_date, s(r, "x_ms_date"), "{id}: header date");
    }
}

#[test]
fn content_hash_hmac_and_date_vectors() {
    let v = load(SIGNING);
    for c in v["content_hashes"].as_array().unwrap() {
        assert_eq!(
            signing::content_hash(s(c, "body").as_bytes()),
            s(c, "content_sha256")
        );
    }
    for c in v["hmac"].as_array().unwrap() {
        let key = AccessKey::from_base64(&s(c, "access_key")).unwrap();
        assert_eq!(
            signing::hmac_base64(&key, s(c, "message").as_bytes()),
            s(c, "signature")
        );
    }
    for c in v["dates"].as_array().unwrap() {
        let unix = c["unix_time"].as_i64().unwrap();
        assert_eq!(date::format_imf_fixdate(unix).unwrap(), s(c, "x_ms_date"));
        assert_eq!(date::parse_imf_fixdate(&s(c, "x_ms_date")), Some(unix));
        assert_eq!(date::parse_iso8601(&s(c, "iso")), Some(unix * 1000));
    }
}

#[test]
fn connection_string_cases_and_no_leaks() {
    let v = load(CONNECTION_STRINGS);
    let secrets: Vec<String> = v["secret_that_must_not_leak"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect();
    let cases = v["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 28);
    for c in cases {
        let input = s(c, "input");
        let result = ConnectionString::parse(&input);
        let printed = match &result {
            Ok(cs) => {
                assert_eq!(s(c, "expect"), "ok", "{input:?} should fail");
                assert_eq!(cs.endpoint().as_str(), s(c, "endpoint"), "{input:?}");
                assert_eq!(cs.access_key().expose_secret(), b"test-key-do-not-leak");
                format!("{cs:?} {:?}", cs.access_key())
            }
            Err(e) => {
                assert_eq!(s(c, "expect"), "error", "{input:?} should parse: {e}");
                assert_eq!(e.target(), Some(s(c, "part").as_str()), "{input:?}: {e}");
                assert_eq!(e.code(), "ERR_INVALID_CONNECTION_STRING");
                format!("{e} {e:?}")
            }
        };
        for secret in &secrets {
            assert!(
                !printed.contains(secret.as_str()),
                "{input:?} leaks the key: {printed}"
            );
        }
    }
}
