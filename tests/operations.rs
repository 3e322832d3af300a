//! The request builders and response parsers: requests signed byte-identically to the JS SDK's (the
//! captured vectors of `tests/data/vectors/signing.json`), the guard rails, and the parsers' handling of
//! answers that are not what they should be.

use acs_identity_edge::connection_string::AccessKey;
use acs_identity_edge::operations::{
    self, CreateUserAndTokenOptions, CreateUserOptions, GetTokenForTeamsUserOptions,
    GetTokenOptions, Request, Response, UserOptions,
};
use acs_identity_edge::signing::{self, RequestTarget};
use acs_identity_edge::ErrorKind;
use serde_json::Value;

const USER: &str =
    "8:acs:2dee53b4-368b-45b4-ab52-8493fb117652_00000005-14a2-493b-8a72-5a3a0d000081";
const GUID_A: &str = "0b0c6a5c-2a7d-4e5a-9f0e-3c1d2b3a4f5e";
const GUID_B: &str = "7E1B2C3D-4F5A-6B7C-8D9E-0F1A2B3C4D5E";

fn vectors() -> Vec<Value> {
    let path = format!(
        "{}/tests/data/vectors/signing.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["requests"].as_array().unwrap().clone()
}

/// The request the builders make for a captured JS SDK vector.
fn build_for(id: &str) -> Request {
    let base = id.strip_suffix("-port").unwrap_or(id);
    let v = operations::DEFAULT_API_VERSION;
    match base {
        "js-create-user" => operations::create_user_request(v, &CreateUserOptions::default()),
        "js-create-user-and-token" => operations::create_user_and_token_request(
            v,
            &CreateUserAndTokenOptions {
                scopes: vec!["chat".into(), "voip".into()],
                ..Default::default()
            },
        ),
        "js-issue-token" => operations::get_token_request(
            v,
            &GetTokenOptions {
                user_id: USER.into(),
                scopes: vec!["voip".into()],
                expires_in_minutes: Some(60),
            },
        ),
        "js-revoke" => operations::revoke_tokens_request(
            v,
            &UserOptions {
                user_id: USER.into(),
            },
        ),
        "js-delete" => operations::delete_user_request(
            v,
            &UserOptions {
                user_id: USER.into(),
            },
        ),
        other => panic!("no builder for {other}"),
    }
    .unwrap()
}

#[test]
fn requests_sign_exactly_as_the_js_sdk_signed_them() {
    let mut checked = 0;
    for v in vectors() {
        let id = v["id"].as_str().unwrap();
        if !id.starts_with("js-") || id.starts_with("js-get") {
            continue;
        }
        let request = build_for(id);
        let target = RequestTarget::from_url(v["url"].as_str().unwrap()).unwrap();
        assert_eq!(v["method"], request.method, "{id}: method");
        assert_eq!(
            target.path_and_query, request.path_and_query,
            "{id}: path and query"
        );
        let body = v["body"].as_str().unwrap_or("");
        assert_eq!(request.body, body.as_bytes(), "{id}: body");
        let key = AccessKey::from_base64(v["access_key"].as_str().unwrap()).unwrap();
        let signed = signing::sign_target(
            &key,
            request.method,
            &target.host,
            &request.path_and_query,
            &request.body,
            v["unix_time"].as_i64().unwrap(),
        )
        .unwrap();
        assert_eq!(
            signed.x_ms_content_sha256, v["content_sha256"],
            "{id}: hash"
        );
        assert_eq!(
            signed.string_to_sign.as_string(),
            v["string_to_sign"],
            "{id}"
        );
        assert_eq!(
            signed.authorization, v["authorization"],
            "{id}: authorization"
        );
        checked += 1;
    }
    assert_eq!(checked, 10);
}

#[test]
fn every_operation_has_its_method_path_and_headers() {
    let v = operations::PREVIEW_API_VERSION;
    let user = || UserOptions {
        user_id: "8:acs:a_b".into(),
    };
    let cases: Vec<(Request, &str, &str, bool)> = vec![
        (
            operations::create_user_request(v, &CreateUserOptions::default()).unwrap(),
            "POST",
            "/identities?api-version=2025-03-02-preview",
            false,
        ),
        (
            operations::revoke_tokens_request(v, &user()).unwrap(),
            "POST",
            "/identities/8%3Aacs%3Aa_b/:revokeAccessTokens?api-version=2025-03-02-preview",
            false,
        ),
        (
            operations::delete_user_request(v, &user()).unwrap(),
            "DELETE",
            "/identities/8%3Aacs%3Aa_b?api-version=2025-03-02-preview",
            false,
        ),
        (
            operations::get_user_request(v, &user()).unwrap(),
            "GET",
            "/identities/8%3Aacs%3Aa_b?api-version=2025-03-02-preview",
            false,
        ),
        (
            operations::get_token_for_teams_user_request(
                v,
                &GetTokenForTeamsUserOptions {
                    teams_user_aad_token: "t.o.k".into(),
                    client_id: GUID_A.into(),
                    user_object_id: GUID_B.into(),
                },
            )
            .unwrap(),
            "POST",
            "/teamsUser/:exchangeAccessToken?api-version=2025-03-02-preview",
            true,
        ),
    ];
    for (request, method, path, has_body) in cases {
        assert_eq!(request.method, method, "{path}");
        assert_eq!(request.path_and_query, path);
        assert_eq!(!request.body.is_empty(), has_body, "{path}");
        assert!(request.headers.contains(&("accept", "application/json")));
        assert_eq!(
            request
                .headers
                .contains(&("content-type", "application/json")),
            has_body,
            "{path}"
        );
    }
}

#[test]
fn bodies_are_compact_json_in_the_js_sdk_key_order() {
    let p = operations::PREVIEW_API_VERSION;
    let body = |r: Request| String::from_utf8(r.body).unwrap();
    assert_eq!(
        body(
            operations::create_user_and_token_request(
                p,
                &CreateUserAndTokenOptions {
                    scopes: vec!["chat".into(), "voip".into()],
                    expires_in_minutes: Some(60),
                    custom_id: Some("alice@contoso.com".into()),
                },
            )
            .unwrap()
        ),
        r#"{"createTokenWithScopes":["chat","voip"],"expiresInMinutes":60,"customId":"alice@contoso.com"}"#
    );
    assert_eq!(
        body(
            operations::create_user_request(
                p,
                &CreateUserOptions {
                    custom_id: Some("bob \"the\" \\ builder\n".into()),
                },
            )
            .unwrap()
        ),
        r#"{"customId":"bob \"the\" \\ builder\n"}"#
    );
    assert_eq!(
        body(
            operations::get_token_for_teams_user_request(
                p,
                &GetTokenForTeamsUserOptions {
                    teams_user_aad_token: "aad.token.value".into(),
                    client_id: GUID_A.into(),
                    user_object_id: GUID_B.into(),
                },
            )
            .unwrap()
        ),
        format!(r#"{{"token":"aad.token.value","appId":"{GUID_A}","userId":"{GUID_B}"}}"#)
    );
    // Scopes the library does not know are passed through (the set is extensible).
    assert_eq!(
        body(
            operations::get_token_request(
                p,
                &GetTokenOptions {
                    user_id: "x".into(),
                    scopes: vec!["chat.join.limited".into(), "future.scope".into()],
                    expires_in_minutes: None,
                },
            )
            .unwrap()
        ),
        r#"{"scopes":["chat.join.limited","future.scope"]}"#
    );
}

#[test]
fn ids_are_percent_encoded_like_encode_uri_component() {
    let r = operations::delete_user_request(
        "2023-10-01",
        &UserOptions {
            user_id: "8:acs:a/b?c#d e%f+g&h=i_j.k-l~m!n*o'p(q)r é".into(),
        },
    )
    .unwrap();
    assert_eq!(
        r.path_and_query,
        "/identities/8%3Aacs%3Aa%2Fb%3Fc%23d%20e%25f%2Bg%26h%3Di_j.k-l~m!n*o'p(q)r%20%C3%A9?api-version=2023-10-01"
    );
}

fn refused(result: acs_identity_edge::Result<Request>, target: &str) {
    let e = result.expect_err(target);
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{target}: {e}");
    assert_eq!(e.code(), "ERR_INVALID_ARGUMENT");
    assert_eq!(e.target(), Some(target), "{e}");
    assert!(!e.message().is_empty());
}

#[test]
fn guard_rails_refuse_before_any_request() {
    let d = operations::DEFAULT_API_VERSION;
    let p = operations::PREVIEW_API_VERSION;
    let token = |scopes: Vec<&str>, minutes: Option<u32>| GetTokenOptions {
        user_id: "8:acs:x".into(),
        scopes: scopes.into_iter().map(String::from).collect(),
        expires_in_minutes: minutes,
    };
    refused(
        operations::get_token_request(d, &token(vec![], None)),
        "scopes",
    );
    refused(
        operations::get_token_request(d, &token(vec!["chat", " "], None)),
        "scopes",
    );
    for bad in [0, 59, 1441, u32::MAX] {
        refused(
            operations::get_token_request(d, &token(vec!["chat"], Some(bad))),
            "expiresInMinutes",
        );
        refused(
            operations::create_user_and_token_request(
                d,
                &CreateUserAndTokenOptions {
                    scopes: vec!["chat".into()],
                    expires_in_minutes: Some(bad),
                    custom_id: None,
                },
            ),
            "expiresInMinutes",
        );
    }
    for good in [60, 61, 1439, 1440] {
        operations::get_token_request(d, &token(vec!["chat"], Some(good))).unwrap();
    }
    refused(
        operations::create_user_and_token_request(d, &CreateUserAndTokenOptions::default()),
        "scopes",
    );
    let mut no_user = token(vec!["chat"], None);
    no_user.user_id = "  ".into();
    refused(
        operations::get_token_request(d, &no_user),
        "communicationUserId",
    );
    let empty = UserOptions {
        user_id: String::new(),
    };
    refused(
        operations::revoke_tokens_request(d, &empty),
        "communicationUserId",
    );
    refused(
        operations::delete_user_request(d, &empty),
        "communicationUserId",
    );
    refused(
        operations::get_user_request(p, &empty),
        "communicationUserId",
    );
    // Preview-only features on a released api-version.
    let custom = CreateUserOptions {
        custom_id: Some("alice".into()),
    };
    refused(operations::create_user_request(d, &custom), "customId");
    refused(
        operations::create_user_and_token_request(
            "2025-06-30",
            &CreateUserAndTokenOptions {
                scopes: vec!["voip".into()],
                expires_in_minutes: None,
                custom_id: Some("alice".into()),
            },
        ),
        "customId",
    );
    refused(
        operations::create_user_request(
            p,
            &CreateUserOptions {
                custom_id: Some(" ".into()),
            },
        ),
        "customId",
    );
    refused(
        operations::get_user_request(
            d,
            &UserOptions {
                user_id: "8:acs:x".into(),
            },
        ),
        "apiVersion",
    );
    operations::create_user_request(p, &custom).unwrap();
    // api-versions that cannot go into a query.
    for bad in ["", "2023-10-01&x=1", "2023 10 01", "v/1"] {
        refused(
            operations::create_user_request(bad, &CreateUserOptions::default()),
            "apiVersion",
        );
    }
    // Teams arguments.
    let teams = |t: &str, a: &str, u: &str| GetTokenForTeamsUserOptions {
        teams_user_aad_token: t.into(),
        client_id: a.into(),
        user_object_id: u.into(),
    };
    refused(
        operations::get_token_for_teams_user_request(d, &teams("", GUID_A, GUID_B)),
        "teamsUserAadToken",
    );
    for bad in [
        "",
        "invalid",
        "0b0c6a5c2a7d4e5a9f0e3c1d2b3a4f5e",
        "{0b0c6a5c-2a7d-4e5a-9f0e-3c1d2b3a4f5e}",
        "0b0c6a5c-2a7d-4e5a-9f0e-3c1d2b3a4f5g",
    ] {
        refused(
            operations::get_token_for_teams_user_request(d, &teams("t", bad, GUID_B)),
            "clientId",
        );
        refused(
            operations::get_token_for_teams_user_request(d, &teams("t", GUID_A, bad)),
            "userObjectId",
        );
    }
}

#[test]
fn token_lifetimes_from_js_numbers() {
    assert_eq!(
        operations::expires_in_minutes_from_number(60.0).unwrap(),
        60
    );
    assert_eq!(
        operations::expires_in_minutes_from_number(1440.0).unwrap(),
        1440
    );
    for bad in [59.0, 60.5, 1441.0, f64::NAN, f64::INFINITY, -60.0, 1e20] {
        let e = operations::expires_in_minutes_from_number(bad).unwrap_err();
        assert_eq!(e.target(), Some("expiresInMinutes"), "{bad}");
    }
}

fn resp(status: u16, headers: &[(&str, &str)], body: &str) -> Response<Vec<u8>> {
    Response {
        status,
        headers: headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
        body: body.as_bytes().to_vec(),
    }
}

#[test]
fn success_bodies_that_cannot_be_read_are_invalid_responses() {
    let cases = [
        (201, ""),
        (201, "   "),
        (201, "<html>oops</html>"),
        (201, "{\"identity\":{}}"),
        (201, "{\"identity\":{\"id\":\"\"}}"),
        (201, "[1,2]"),
        (201, "{\"identity\":{\"id\":42}}"),
    ];
    for (status, body) in cases {
        let e = operations::parse_create_user_response(&resp(status, &[], body)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidResponse, "{body}");
        assert_eq!(e.code(), "ERR_INVALID_RESPONSE");
    }
    let token_cases = [
        "{}",
        "{\"token\":\"t\"}",
        "{\"token\":\"\",\"expiresOn\":\"2023-10-19T15:34:21.9853258+00:00\"}",
        "{\"token\":\"t\",\"expiresOn\":\"tomorrow\"}",
        "{\"token\":\"t\",\"expiresOn\":null}",
    ];
    for body in token_cases {
        let e = operations::parse_token_response(&resp(200, &[], body)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidResponse, "{body}");
    }
    // A create-user-and-token answer without the token.
    let e = operations::parse_create_user_and_token_response(&resp(
        201,
        &[],
        "{\"identity\":{\"id\":\"8:acs:x\"}}",
    ))
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidResponse);
}

#[test]
fn parsers_read_the_service_models() {
    let user = operations::parse_create_user_response(&resp(
        201,
        &[],
        r#"{"identity":{"id":"8:acs:x","customId":"c","lastTokenIssuedAt":"2025-04-14T15:32:35+00:00","future":1}}"#,
    ))
    .unwrap();
    assert_eq!(user.id, "8:acs:x");
    assert_eq!(user.custom_id.as_deref(), Some("c"));
    assert_eq!(user.last_token_issued_at_unix_ms(), Some(1_744_644_755_000));
    assert_eq!(
        serde_json::to_value(&user).unwrap(),
        serde_json::json!({"communicationUserId":"8:acs:x","customId":"c","lastTokenIssuedAt":"2025-04-14T15:32:35+00:00"})
    );
    let t = operations::parse_token_response(&resp(
        200,
        &[],
        r#"{"token":"secret.jwt.value","expiresOn":"2022-09-07T14:34:56.2714874+00:00"}"#,
    ))
    .unwrap();
    assert_eq!(t.expires_on_unix_ms, 1_662_561_296_271);
    let debug = format!("{t:?}");
    assert!(!debug.contains("secret"), "{debug}");
    // 204 with or without a body, and any 2xx, are successes for revoke and delete.
    operations::parse_empty_response(&resp(204, &[], "")).unwrap();
    operations::parse_empty_response(&resp(200, &[], "[]")).unwrap();
}

#[test]
fn error_statuses_become_service_errors_whatever_the_body() {
    let headers = [
        ("X-Ms-Client-Request-Id", "a1b2"),
        ("MS-CV", "cv.0"),
        ("Content-Type", "application/json"),
    ];
    let e = operations::parse_token_response(&resp(
        400,
        &headers,
        r#"{"error":{"code":"ValidationError","message":"Invalid scopes - Scopes field is required.","target":"scopes","details":[],"innererror":{"code":"X"}}}"#,
    ))
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Service);
    let s = e.service_error().unwrap();
    assert_eq!(s.status, 400);
    assert_eq!(s.code.as_deref(), Some("ValidationError"));
    assert_eq!(s.target.as_deref(), Some("scopes"));
    assert_eq!(s.request_id.as_deref(), Some("a1b2"));
    assert_eq!(s.ms_cv.as_deref(), Some("cv.0"));
    assert_eq!(e.message(), "Invalid scopes - Scopes field is required.");

    for body in [
        "",
        "<html>Bad gateway</html>",
        "{\"message\":\"x\"}",
        "{\"error\":\"x\"}",
    ] {
        let e = operations::parse_empty_response(&resp(502, &[("ms-cv", "v")], body)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Service, "{body}");
        assert_eq!(e.status(), Some(502));
        let s = e.service_error().unwrap();
        assert_eq!(s.code, None, "{body}");
        assert_eq!(s.message, None);
        // Without an echoed request id the correlation vector stands in.
        assert_eq!(s.request_id.as_deref(), Some("v"));
        assert!(!e.message().is_empty());
    }
    // Redirects and informational statuses are not successes either.
    let e = operations::parse_create_user_response(&resp(302, &[], "")).unwrap_err();
    assert_eq!(e.status(), Some(302));
}

#[test]
fn known_versions_and_scopes_are_defined_once() {
    assert!(operations::KNOWN_API_VERSIONS.contains(&operations::DEFAULT_API_VERSION));
    assert!(operations::KNOWN_API_VERSIONS.contains(&operations::PREVIEW_API_VERSION));
    assert!(operations::supports_custom_id(
        operations::PREVIEW_API_VERSION
    ));
    assert!(!operations::supports_custom_id(
        operations::DEFAULT_API_VERSION
    ));
    for v in operations::KNOWN_API_VERSIONS {
        operations::check_api_version(v).unwrap();
    }
    assert_eq!(
        operations::IDENTITY_API_VERSIONS,
        [
            &[operations::LEGACY_API_VERSION][..],
            operations::KNOWN_API_VERSIONS
        ]
        .concat()
    );
    let mut sorted = operations::IDENTITY_API_VERSIONS.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(
        sorted,
        operations::IDENTITY_API_VERSIONS,
        "oldest first, once each"
    );
    for v in operations::TEAMS_API_VERSIONS {
        assert!(operations::KNOWN_API_VERSIONS.contains(v), "{v}");
    }
    assert_eq!(
        operations::TEAMS_API_VERSIONS[0],
        operations::TEAMS_TOKEN_ONLY_API_VERSION
    );
    // The messages that name a bound or a version name the defined one.
    let e = operations::check_expires_in_minutes(Some(operations::MAX_EXPIRES_IN_MINUTES + 1))
        .unwrap_err();
    let bounds = format!(
        "from {} to {} minutes",
        operations::MIN_EXPIRES_IN_MINUTES,
        operations::MAX_EXPIRES_IN_MINUTES
    );
    assert!(e.message().contains(&bounds), "{}", e.message());
    let e = operations::create_user_request(
        operations::DEFAULT_API_VERSION,
        &CreateUserOptions {
            custom_id: Some("c".into()),
        },
    )
    .unwrap_err();
    assert!(e.message().ends_with(operations::PREVIEW_API_VERSION));
    let e = operations::get_user_request(
        operations::DEFAULT_API_VERSION,
        &UserOptions {
            user_id: USER.into(),
        },
    )
    .unwrap_err();
    assert!(e.message().ends_with(operations::PREVIEW_API_VERSION));
    assert_eq!(
        operations::DEFAULT_EXPIRES_IN_MINUTES,
        operations::MAX_EXPIRES_IN_MINUTES
    );
    // The error codes: one per kind, distinct, `ERR_*`.
    use acs_identity_edge::error::INTERNAL_ERROR_CODE;
    let codes = [
        ErrorKind::InvalidConnectionString,
        ErrorKind::InvalidArgument,
        ErrorKind::Service,
        ErrorKind::Network,
        ErrorKind::Timeout,
        ErrorKind::Aborted,
        ErrorKind::InvalidResponse,
        ErrorKind::InvalidToken,
    ]
    .map(ErrorKind::code);
    let mut distinct = codes.to_vec();
    distinct.push(INTERNAL_ERROR_CODE);
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), codes.len() + 1);
    assert!(distinct.iter().all(|c| c.starts_with("ERR_")));
    assert_eq!(
        operations::scope::ALL,
        [
            "chat",
            "voip",
            "chat.join",
            "chat.join.limited",
            "voip.join"
        ]
    );
    assert!(operations::is_guid(GUID_A) && operations::is_guid(GUID_B));
}

#[test]
fn every_operation_has_one_name_and_is_found_by_it() {
    use operations::{Operation, OperationKind};
    let mut names = std::collections::HashSet::new();
    for kind in OperationKind::ALL {
        assert!(names.insert(kind.name()), "{} twice", kind.name());
        assert_eq!(OperationKind::from_name(kind.name()), Some(kind));
    }
    assert_eq!(OperationKind::from_name("CreateUser"), None);
    assert_eq!(OperationKind::from_name(""), None);
    assert_eq!(operations::CreateUser::NAME, "createUser");
    assert_eq!(
        OperationKind::GetTokenForTeamsUser.name(),
        "getTokenForTeamsUser"
    );
    // An operation's builder and parser are the module's functions.
    let v = operations::DEFAULT_API_VERSION;
    let options = GetTokenOptions {
        user_id: USER.into(),
        scopes: vec!["chat".into()],
        expires_in_minutes: None,
    };
    assert_eq!(
        operations::GetToken::request(v, &options).unwrap(),
        operations::get_token_request(v, &options).unwrap()
    );
    let answer = Response {
        status: 200,
        headers: vec![],
        body: br#"{"token":"t","expiresOn":"2023-10-19T15:34:21Z"}"#.to_vec(),
    };
    assert_eq!(
        operations::GetToken::parse_response(&answer).unwrap().token,
        "t"
    );
    assert!(operations::GetUser::request(
        v,
        &UserOptions {
            user_id: USER.into()
        }
    )
    .is_err());
}
