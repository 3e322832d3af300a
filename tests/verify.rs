//! `signing::verify`, the server side: property tests that sign -> verify round-trips and that changing any
//! one of method, path, query, host, date, body or key makes it fail with the right reason; and the
//! fixed cases (missing headers, the legacy `date` header, malformed authorization, clock skew).

use acs_identity_edge::connection_string::AccessKey;
use acs_identity_edge::signing::{self, ReceivedRequest, VerifyFailure};
use proptest::prelude::*;

const SKEW: u32 = 900;

#[derive(Clone, Debug)]
struct Signed {
    method: String,
    path_and_query: String,
    host: String,
    body: Vec<u8>,
    headers: Vec<(String, String)>,
}

fn sign(
    key: &AccessKey,
    method: &str,
    host: &str,
    path_and_query: &str,
    body: &[u8],
    when: i64,
) -> Signed {
    let s = signing::sign_target(key, method, host, path_and_query, body, when).unwrap();
    Signed {
        method: method.to_string(),
        path_and_query: path_and_query.to_string(),
        host: host.to_string(),
        body: body.to_vec(),
        headers: vec![
            ("x-ms-date".into(), s.x_ms_date),
            ("x-ms-content-sha256".into(), s.x_ms_content_sha256),
            ("Authorization".into(), s.authorization),
        ],
    }
}

fn check(key: &AccessKey, r: &Signed, now: i64) -> Result<(), VerifyFailure> {
    let headers: Vec<(&str, &str)> = r
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let request = ReceivedRequest {
        method: &r.method,
        path_and_query: &r.path_and_query,
        host: &r.host,
        headers: &headers,
        body: &r.body,
    };
    signing::verify(key, &request, now, SKEW)
}

fn method() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["GET", "POST", "DELETE", "PATCH", "PUT"]).prop_map(str::to_string)
}

fn path() -> impl Strategy<Value = String> {
    "(/[a-zA-Z0-9%:._~-]{1,12}){1,4}"
}

fn query() -> impl Strategy<Value = String> {
    "(\\?api-version=[0-9a-z-]{1,18}(&[a-z]{1,5}=[a-zA-Z0-9%+]{0,8}){0,3})?"
}

fn host() -> impl Strategy<Value = String> {
    (
        "[a-z][a-z0-9-]{0,15}\\.communication\\.azure\\.com",
        prop::option::of(1024u16..65535),
    )
        .prop_map(|(h, p)| match p {
            Some(p) => format!("{h}:{p}"),
            None => h,
        })
}

prop_compose! {
    fn request()(m in method(), p in path(), q in query(), h in host(),
                 body in prop::collection::vec(any::<u8>(), 0..256),
                 key in prop::collection::vec(any::<u8>(), 1..80),
                 when in 0i64..4_102_444_799) -> (AccessKey, Signed, i64) {
        let key = AccessKey::from_bytes(key);
        let signed = sign(&key, &m, &h, &format!("{p}{q}"), &body, when);
        (key, signed, when)
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn signed_requests_verify((key, r, when) in request(), drift in -(SKEW as i64)..=(SKEW as i64)) {
        prop_assert_eq!(check(&key, &r, when + drift), Ok(()));
    }

    #[test]
    fn a_changed_method_fails((key, mut r, when) in request(), other in method()) {
        prop_assume!(other != r.method);
        r.method = other;
        prop_assert_eq!(check(&key, &r, when), Err(VerifyFailure::Signature));
    }

    #[test]
    fn a_changed_path_fails((key, mut r, when) in request(), extra in "/[a-z]{1,5}") {
        let at = r.path_and_query.find('?').unwrap_or(r.path_and_query.len());
        r.path_and_query.insert_str(at, &extra);
        prop_assert_eq!(check(&key, &r, when), Err(VerifyFailure::Signature));
    }

    #[test]
    fn a_changed_query_fails((key, mut r, when) in request(), extra in "[a-z]{1,5}=[0-9]{1,3}") {
        r.path_and_query.push(if r.path_and_query.contains('?') { '&' } else { '?' });
        r.path_and_query.push_str(&extra);
        prop_assert_eq!(check(&key, &r, when), Err(VerifyFailure::Signature));
    }

    #[test]
    fn a_changed_host_fails((key, mut r, when) in request(), other in host()) {
        prop_assume!(other != r.host);
        r.host = other;
        prop_assert_eq!(check(&key, &r, when), Err(VerifyFailure::Signature));
    }

    #[test]
    fn a_changed_date_fails((key, mut r, when) in request(), shift in 1i64..=(SKEW as i64)) {
        r.headers[0].1 = acs_identity_edge::date::format_imf_fixdate(when + shift).unwrap();
        prop_assert_eq!(check(&key, &r, when), Err(VerifyFailure::Signature));
    }

    #[test]
    fn a_changed_body_fails((key, mut r, when) in request(), byte in any::<u8>(), at in any::<prop::sample::Index>()) {
        if r.body.is_empty() {
            r.body.push(byte);
        } else {
            let i = at.index(r.body.len());
            r.body[i] ^= byte | 1;
        }
        prop_assert_eq!(check(&key, &r, when), Err(VerifyFailure::ContentHash));
    }

    #[test]
    fn a_body_with_its_hash_recomputed_still_fails_on_the_signature((key, mut r, when) in request()) {
        r.body.push(b'x');
        r.headers[1].1 = signing::content_hash(&r.body);
        prop_assert_eq!(check(&key, &r, when), Err(VerifyFailure::Signature));
    }

    #[test]
    fn another_key_fails((key, r, when) in request(), other in prop::collection::vec(any::<u8>(), 1..80)) {
        let other = AccessKey::from_bytes(other);
        prop_assume!(other != key);
        prop_assert_eq!(check(&other, &r, when), Err(VerifyFailure::Signature));
    }
}

fn example() -> (AccessKey, Signed, i64) {
    let key = AccessKey::from_base64("pw==").unwrap();
    let r = sign(
        &key,
        "POST",
        "localhost:8443",
        "/identities?api-version=2023-10-01",
        b"{}",
        1_649_873_352,
    );
    (key, r, 1_649_873_352)
}

#[test]
fn clock_skew_is_reported_beyond_the_window() {
    let (key, r, when) = example();
    assert_eq!(check(&key, &r, when + i64::from(SKEW)), Ok(()));
    assert_eq!(
        check(&key, &r, when + i64::from(SKEW) + 1),
        Err(VerifyFailure::ClockSkew)
    );
    assert_eq!(
        check(&key, &r, when - i64::from(SKEW) - 1),
        Err(VerifyFailure::ClockSkew)
    );
}

#[test]
fn each_missing_header_is_named() {
    let (key, r, when) = example();
    for (i, expected) in [
        (0, VerifyFailure::MissingHeader("x-ms-date")),
        (1, VerifyFailure::MissingHeader("x-ms-content-sha256")),
        (2, VerifyFailure::MissingHeader("authorization")),
    ] {
        let mut r2 = r.clone();
        r2.headers.remove(i);
        assert_eq!(check(&key, &r2, when), Err(expected));
    }
}

#[test]
fn malformed_authorization_and_dates_are_reported() {
    let (key, mut r, when) = example();
    let good = r.headers[2].1.clone();
    for bad in [
        "Bearer abc",
        "HMAC-SHA256 Signature=abc",
        "HMAC-SHA256 SignedHeaders=host;x-ms-content-sha256&Signature=abc",
    ] {
        r.headers[2].1 = bad.into();
        assert_eq!(
            check(&key, &r, when),
            Err(VerifyFailure::MalformedAuthorization),
            "{bad}"
        );
    }
    r.headers[2].1 = good.replace("Signature=", "Signature=!!");
    assert_eq!(check(&key, &r, when), Err(VerifyFailure::Signature));
    r.headers[2].1 = good;
    r.headers[0].1 = "2022-04-13T18:09:12Z".into();
    assert_eq!(check(&key, &r, when), Err(VerifyFailure::MalformedDate));
}

#[test]
fn the_legacy_date_header_is_accepted_when_signed() {
    // The 2020 Python SDK signs `date` instead of `x-ms-date`.
    let key = AccessKey::from_base64("pw==").unwrap();
    let date = acs_identity_edge::date::format_imf_fixdate(1_600_000_000).unwrap();
    let hash = signing::content_hash(b"");
    let message = format!("POST\n/identities?api-version=2020-07-20-preview2\n{date};contoso.communication.azure.com;{hash}");
    let sig = signing::hmac_base64(&key, message.as_bytes());
    let r = Signed {
        method: "POST".into(),
        path_and_query: "/identities?api-version=2020-07-20-preview2".into(),
        host: "contoso.communication.azure.com".into(),
        body: vec![],
        headers: vec![
            ("Date".into(), date),
            ("x-ms-content-sha256".into(), hash),
            (
                "Authorization".into(),
                format!("HMAC-SHA256 SignedHeaders=date;host;x-ms-content-sha256&Signature={sig}"),
            ),
        ],
    };
    assert_eq!(check(&key, &r, 1_600_000_000), Ok(()));
}

#[test]
fn failure_messages_never_carry_the_key_or_signature() {
    let (key, r, when) = example();
    for failure in [
        VerifyFailure::MissingHeader("authorization"),
        VerifyFailure::MalformedAuthorization,
        VerifyFailure::MalformedDate,
        VerifyFailure::ClockSkew,
        VerifyFailure::ContentHash,
        VerifyFailure::Signature,
    ] {
        let text = format!("{} {failure:?}", failure.message());
        assert!(!text.contains("pw==") && !text.contains(&r.headers[2].1[70..]));
    }
    assert_eq!(check(&key, &r, when), Ok(()));
}
