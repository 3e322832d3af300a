//! Every operation of the Identity API on every api-version, with the service's status codes, bodies,
//! headers and recorded error texts.

mod common;

use acs_identity_edge::date::parse_iso8601;
use common::*;
use serde_json::{json, Value};

fn token_of(r: &Response) -> String {
    let v = r.json();
    v["token"]
        .as_str()
        .or_else(|| v["accessToken"]["token"].as_str())
        .unwrap_or_else(|| panic!("no token in {}", r.text()))
        .to_string()
}

#[test]
fn create_user_answers_201_with_the_service_headers() {
    let emu = Emulator::start(&[]);
    let r = emu.signed_with(
        "POST",
        "/identities?api-version=2023-10-01",
        b"{}",
        &[(
            "x-ms-client-request-id",
            "5f4e0a9a-0000-4000-8000-000000000001",
        )],
    );
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(
        r.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(
        r.header("x-ms-client-request-id"),
        Some("5f4e0a9a-0000-4000-8000-000000000001")
    );
    let cv = r.header("ms-cv").unwrap();
    assert!(cv.ends_with(".0") && cv.len() == 24, "{cv}");
    assert!(r.header("x-azure-ref").unwrap().starts_with('0'));
    assert!(r.header("x-processing-time").unwrap().ends_with("ms"));
    let date = r.header("date").unwrap();
    let when = acs_identity_edge::date::parse_imf_fixdate(date).expect(date);
    assert!((when - unix_now()).abs() < 60);
    let versions = r.header("api-supported-versions").unwrap();
    for v in ALL_VERSIONS.iter().chain([&LEGACY]) {
        assert!(versions.contains(v), "{versions}");
    }
    let v = r.json();
    let id = v["identity"]["id"].as_str().unwrap();
    let suffix = id
        .strip_prefix(&format!("8:acs:{DEV_RESOURCE}_"))
        .unwrap_or_else(|| panic!("{id}"));
    assert_eq!(suffix.len(), 36);
    assert!(v.get("accessToken").is_none());
    assert_eq!(v.as_object().unwrap().len(), 1);
    // Ids are new each time.
    assert_ne!(emu.new_user(), id);
    // The log line names the route, the status and the request id, and never the key.
    let logs = emu.logs();
    assert!(logs.contains("route=\"POST /identities\""), "{logs}");
    assert!(logs.contains("status=201"), "{logs}");
    assert!(
        logs.contains("5f4e0a9a-0000-4000-8000-000000000001"),
        "{logs}"
    );
    assert!(!logs.contains(DEV_KEY), "{logs}");
    assert!(!logs.contains("Signature="), "{logs}");
}

#[test]
fn create_user_takes_every_body_the_sdks_send() {
    let emu = Emulator::start(&[]);
    for body in [
        &b""[..],
        b"\"\"",
        b"{}",
        b"null",
        br#"{"createTokenWithScopes": null, "expiresInMinutes": null}"#,
        br#"{"createTokenWithScopes":[]}"#,
    ] {
        let r = emu.signed("POST", "/identities?api-version=2022-10-01", body);
        assert_eq!(
            r.status,
            201,
            "{} -> {}",
            String::from_utf8_lossy(body),
            r.text()
        );
        assert!(r.json().get("accessToken").is_none());
    }
}

#[test]
fn create_user_and_token_with_every_scope_and_custom_expiry() {
    let emu = Emulator::start(&[]);
    let before = unix_now();
    let scopes = [
        "chat",
        "voip",
        "chat.join",
        "chat.join.limited",
        "voip.join",
    ];
    for scope in scopes {
        let r = emu.create_user(V, &json!({"createTokenWithScopes": [scope]}));
        assert_eq!(r.status, 201, "{}", r.text());
        let v = r.json();
        let expires_on = v["accessToken"]["expiresOn"].as_str().unwrap();
        assert!(is_expires_on(expires_on), "{expires_on}");
        let token = v["accessToken"]["token"].as_str().unwrap();
        let claims = jwt_payload_python_style(token);
        assert_eq!(claims["acsScope"], scope);
        assert_eq!(
            format!("8:{}", claims["skypeid"].as_str().unwrap()),
            v["identity"]["id"].as_str().unwrap()
        );
        assert_eq!(claims["resourceId"], DEV_RESOURCE);
        let exp = claims["exp"].as_i64().unwrap();
        let iat = claims["iat"].as_i64().unwrap();
        assert_eq!(claims["csi"], iat.to_string());
        assert!(claims["scp"].is_number());
        // Default lifetime: 24 hours, matching expiresOn.
        assert!((exp - iat - 86_400).abs() <= 1, "{claims}");
        assert_eq!(parse_iso8601(expires_on).unwrap() / 1000, exp);
        assert!(iat >= before - 1);
        // Java finds exp with a regex that wants no space.
        let raw = String::from_utf8(
            base64::Engine::decode(
                &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                token.split('.').nth(1).unwrap(),
            )
            .unwrap(),
        )
        .unwrap();
        assert!(raw.contains(&format!("\"exp\":{exp}")), "{raw}");
        let who = emu.whoami(token);
        assert_eq!(who.status, 200, "{}", who.text());
        assert_eq!(who.json()["scopes"], json!([scope]));
    }
    let r = emu.create_user(
        V,
        &json!({"createTokenWithScopes": ["chat", "voip"], "expiresInMinutes": 60}),
    );
    assert_eq!(r.status, 201);
    let claims = jwt_payload(&token_of(&r));
    assert_eq!(claims["acsScope"], "chat,voip");
    let lifetime = claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap();
    assert!((lifetime - 3600).abs() <= 1, "{lifetime}");
}

#[test]
fn out_of_range_expiry_gets_the_recorded_validation_errors() {
    let emu = Emulator::start(&[]);
    for n in [59, 1441, 0, -5] {
        let r = emu.create_user(
            "2022-10-01",
            &json!({"createTokenWithScopes": ["chat"], "expiresInMinutes": n}),
        );
        r.assert_error(
            400,
            "ValidationError",
            &format!("ExpiresInMinutes value {n} is invalid. Value must be within the [60, 1440] interval."),
            Some("ExpiresInMinutes"),
        );
        assert!(r.header("api-supported-versions").is_some());
    }
    let id = emu.new_user();
    let r = emu.issue(V, &id, &json!({"scopes": ["chat"], "expiresInMinutes": 59}));
    r.assert_error(
        400,
        "ValidationError",
        "ExpiresInMinutes value 59 is invalid. Value must be within the [60, 1440] interval.",
        Some("ExpiresInMinutes"),
    );
    for good in [60, 1440] {
        let r = emu.issue(
            V,
            &id,
            &json!({"scopes": ["chat"], "expiresInMinutes": good}),
        );
        assert_eq!(r.status, 200, "{}", r.text());
        let c = jwt_payload(&token_of(&r));
        let lifetime = c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap();
        assert!((lifetime - good * 60).abs() <= 1);
    }
    let r = emu.issue(
        V,
        &id,
        &json!({"scopes": ["chat"], "expiresInMinutes": "sixty"}),
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["target"], "ExpiresInMinutes");
}

#[test]
fn issue_token_with_every_scope_and_the_recorded_scope_errors() {
    let emu = Emulator::start(&[]);
    let id = emu.new_user();
    let r = emu.issue(
        V,
        &id,
        &json!({"scopes": ["chat", "chat.join", "chat.join.limited"]}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    let v = r.json();
    assert_eq!(v.as_object().unwrap().len(), 2);
    assert!(is_expires_on(v["expiresOn"].as_str().unwrap()));
    assert_eq!(
        jwt_payload(&token_of(&r))["acsScope"],
        "chat,chat.join,chat.join.limited"
    );
    let r = emu.issue(V, &id, &json!({"scopes": ["voip", "voip.join"]}));
    assert_eq!(r.status, 200);

    // Python sends explicit nulls: model binding error, without api-supported-versions.
    let r = emu.issue(V, &id, &json!({"scopes": null, "expiresInMinutes": null}));
    r.assert_error(
        400,
        "ValidationError",
        "Scopes: The Scopes field is required.",
        Some("Scopes"),
    );
    assert!(r.header("api-supported-versions").is_none());
    let r = emu.issue(V, &id, &json!({}));
    r.assert_error(
        400,
        "ValidationError",
        "Scopes: The Scopes field is required.",
        Some("Scopes"),
    );
    let r = emu.issue(V, &id, &json!({"scopes": []}));
    r.assert_error(
        400,
        "ValidationError",
        "Invalid scopes - Scopes field is required.",
        Some("scopes"),
    );
    assert!(r.header("api-supported-versions").is_some());
    let r = emu.issue(V, &id, &json!({"scopes": ["teleport"]}));
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["code"], "ValidationError");
    assert!(r.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("teleport"));
    let r = emu.issue(V, &id, &json!({"scopes": "chat"}));
    assert_eq!(r.status, 400);
}

#[test]
fn malformed_json_is_a_validation_error() {
    let emu = Emulator::start(&[]);
    let id = emu.new_user();
    for body in [
        &b"{"[..],
        b"{\"scopes\":[\"chat\"",
        b"not json",
        b"[1,2]",
        b"42",
    ] {
        let r = emu.signed(
            "POST",
            &format!("/identities/{}/:issueAccessToken?api-version={V}", enc(&id)),
            body,
        );
        assert_eq!(r.status, 400, "{}", r.text());
        assert_eq!(r.json()["error"]["code"], "ValidationError");
        let r = emu.signed("POST", &format!("/identities?api-version={V}"), body);
        assert_eq!(r.status, 400, "{}", r.text());
    }
}

#[test]
fn every_api_version_serves_create_issue_revoke_delete() {
    let emu = Emulator::start(&[]);
    for v in ALL_VERSIONS {
        let r = emu.create_user(v, &json!({"createTokenWithScopes": ["voip"]}));
        assert_eq!(r.status, 201, "{v}: {}", r.text());
        let id = r.json()["identity"]["id"].as_str().unwrap().to_string();
        let r = emu.issue(v, &id, &json!({"scopes": ["chat"]}));
        assert_eq!(r.status, 200, "{v}: {}", r.text());
        let r = emu.revoke(v, &id);
        assert_eq!(r.status, 204, "{v}: {}", r.text());
        assert!(r.body.is_empty());
        assert!(r.header("content-type").is_none());
        let r = emu.delete(v, &id);
        assert_eq!(r.status, 204, "{v}: {}", r.text());
        assert!(r.body.is_empty());
    }
}

#[test]
fn unknown_and_missing_api_versions_get_the_versioning_errors() {
    let emu = Emulator::start(&[]);
    let r = emu.signed("POST", "/identities?api-version=2019-01-01", b"");
    r.assert_error(
        400,
        "UnsupportedApiVersion",
        &format!(
            "The HTTP resource that matches the request URI '{}/identities' does not support the API version '2019-01-01'.",
            emu.url
        ),
        None,
    );
    assert!(r.header("api-supported-versions").is_some());
    let r = emu.signed("POST", "/identities", b"");
    r.assert_error(
        400,
        "ApiVersionUnspecified",
        "An API version is required, but was not specified.",
        None,
    );
    // Operations that only some versions have.
    let id = emu.new_user();
    let r = emu.signed(
        "GET",
        &format!("/identities/{}?api-version={V}", enc(&id)),
        b"",
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["code"], "UnsupportedApiVersion");
    let r = emu.issue(LEGACY, &id, &json!({"scopes": ["chat"]}));
    assert_eq!(r.json()["error"]["code"], "UnsupportedApiVersion");
    let r = emu.signed_json(
        "POST",
        "/teamsUser/:exchangeAccessToken?api-version=2021-03-07",
        &json!({"token": "x", "appId": "y", "userId": "z"}),
    );
    assert_eq!(r.json()["error"]["code"], "UnsupportedApiVersion");
}

#[test]
fn unknown_routes_and_methods() {
    let emu = Emulator::start(&[]);
    let r = emu.signed(
        "POST",
        &format!("/identities/x/:explode?api-version={V}"),
        b"",
    );
    assert_eq!(r.status, 404, "{}", r.text());
    assert_eq!(r.json()["error"]["code"], "NotFound");
    let r = emu.signed("GET", &format!("/identities?api-version={V}"), b"");
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("POST"));
    let r = emu.signed("PUT", &format!("/identities/x?api-version={V}"), b"");
    assert_eq!(r.status, 405);
    let r = emu.raw("GET", "/nothing-here", &[], b"");
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["error"]["code"], "NotFound");
}

#[test]
fn revoke_invalidates_earlier_tokens_and_whoami_shows_it() {
    let emu = Emulator::start(&[]);
    let r = emu.create_user(V, &json!({"createTokenWithScopes": ["chat", "voip"]}));
    let id = r.json()["identity"]["id"].as_str().unwrap().to_string();
    let first = token_of(&r);
    let second = token_of(&emu.issue(V, &id, &json!({"scopes": ["voip"]})));
    let who = emu.whoami(&first);
    assert_eq!(who.status, 200, "{}", who.text());
    let v = who.json();
    assert_eq!(v["id"], id.as_str());
    assert_eq!(v["kind"], "communicationUser");
    assert_eq!(v["scopes"], json!(["chat", "voip"]));
    assert!(is_expires_on(v["expiresOn"].as_str().unwrap()));
    // No Origin (not a browser page): no CORS headers.
    assert_eq!(who.header("access-control-allow-origin"), None);

    assert_eq!(emu.revoke(V, &id).status, 204);
    for t in [&first, &second] {
        let who = emu.whoami(t);
        assert_eq!(who.status, 401, "{}", who.text());
        assert_eq!(who.json()["error"]["innererror"]["code"], "TokenRevoked");
    }
    // A token issued after the revocation is good.
    let third = token_of(&emu.issue(V, &id, &json!({"scopes": ["chat"]})));
    assert_eq!(emu.whoami(&third).status, 200);
}

#[test]
fn delete_revokes_and_forbids_new_tokens() {
    let emu = Emulator::start(&[]);
    let r = emu.create_user(V, &json!({"createTokenWithScopes": ["voip"]}));
    let id = r.json()["identity"]["id"].as_str().unwrap().to_string();
    let token = token_of(&r);
    assert_eq!(emu.delete(V, &id).status, 204);
    let who = emu.whoami(&token);
    assert_eq!(who.status, 401);
    assert_eq!(who.json()["error"]["innererror"]["code"], "IdentityDeleted");
    let not_found = format!("Identity '{id}' was not found.");
    emu.issue(V, &id, &json!({"scopes": ["voip"]}))
        .assert_error(404, "IdentityNotFound", &not_found, None);
    emu.revoke(V, &id)
        .assert_error(404, "IdentityNotFound", &not_found, None);
    emu.delete(V, &id)
        .assert_error(404, "IdentityNotFound", &not_found, None);
    emu.get_user(&id)
        .assert_error(404, "IdentityNotFound", &not_found, None);
    // Never-created ids of this resource: 404 too.
    let unknown = format!("8:acs:{DEV_RESOURCE}_00000000-0000-0000-0000-000000000000");
    emu.delete(V, &unknown).assert_error(
        404,
        "IdentityNotFound",
        &format!("Identity '{unknown}' was not found."),
        None,
    );
}

#[test]
fn ids_of_other_resources_get_identity_not_owned() {
    let emu = Emulator::start(&[]);
    for id in [
        "8:acs:1b5cc06b-f352-4571-b1e6-d9b259b7c776_00000007-0464-274b-b274-5a3a0d000101",
        "8:orgid:1b5cc06b-f352-4571-b1e6-d9b259b7c776",
        "nonsense",
    ] {
        let msg = "Provided identity doesn't belong to the resource.";
        emu.issue(V, id, &json!({"scopes": ["chat", "voip"]}))
            .assert_error(401, "IdentityNotOwned", msg, None);
        emu.revoke(V, id)
            .assert_error(401, "IdentityNotOwned", msg, None);
        let r = emu.delete(V, id);
        r.assert_error(401, "IdentityNotOwned", msg, None);
        assert!(r.header("api-supported-versions").is_some());
    }
}

#[test]
fn custom_ids_and_get_user_in_the_preview() {
    let emu = Emulator::start(&[]);
    let r = emu.create_user(PREVIEW, &json!({"customId": "alice@contoso.com"}));
    assert_eq!(r.status, 201, "{}", r.text());
    let v = r.json();
    assert_eq!(v["identity"]["customId"], "alice@contoso.com");
    assert!(v["identity"].get("lastTokenIssuedAt").is_none());
    let id = v["identity"]["id"].as_str().unwrap().to_string();

    let r = emu.get_user(&id);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json(), json!({"customId": "alice@contoso.com", "id": id}));

    // Same customId, same identity; with a token, lastTokenIssuedAt appears.
    let r = emu.create_user(
        PREVIEW,
        &json!({"customId": "alice@contoso.com", "createTokenWithScopes": ["voip"], "expiresInMinutes": 120}),
    );
    assert_eq!(r.status, 201);
    let v = r.json();
    assert_eq!(v["identity"]["id"], id.as_str());
    let last = v["identity"]["lastTokenIssuedAt"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(last.len(), 25, "{last}");
    assert!(last.ends_with("+00:00") && !last.contains('.'), "{last}");
    assert!((parse_iso8601(&last).unwrap() / 1000 - unix_now()).abs() < 60);
    assert!(is_expires_on(
        v["accessToken"]["expiresOn"].as_str().unwrap()
    ));
    let r = emu.get_user(&id);
    assert_eq!(r.json()["lastTokenIssuedAt"], last.as_str());

    // Another customId, another identity; other versions ignore customId.
    let other = emu.create_user(PREVIEW, &json!({"customId": "bob@contoso.com"}));
    assert_ne!(other.json()["identity"]["id"], id.as_str());
    let plain = emu.create_user(V, &json!({"customId": "alice@contoso.com"}));
    assert_ne!(plain.json()["identity"]["id"], id.as_str());
    assert!(plain.json()["identity"].get("customId").is_none());

    // After a delete the customId makes a new identity.
    assert_eq!(emu.delete(PREVIEW, &id).status, 204);
    let again = emu.create_user(PREVIEW, &json!({"customId": "alice@contoso.com"}));
    assert_ne!(again.json()["identity"]["id"], id.as_str());

    let r = emu.create_user(PREVIEW, &json!({"customId": ""}));
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["target"], "CustomId");
    let r = emu.create_user(PREVIEW, &json!({"customId": 7}));
    assert_eq!(r.status, 400);
}

#[test]
fn bodies_over_64_kib_get_413() {
    let emu = Emulator::start(&[]);
    let mut at_limit = b"{}".to_vec();
    at_limit.resize(64 * 1024, b' ');
    let r = emu.signed("POST", &format!("/identities?api-version={V}"), &at_limit);
    assert_eq!(r.status, 201, "{}", r.text());
    let mut over = at_limit.clone();
    over.push(b' ');
    let r = emu.signed("POST", &format!("/identities?api-version={V}"), &over);
    assert_eq!(r.status, 413, "{}", r.text());
    assert_eq!(r.json()["error"]["code"], "RequestEntityTooLarge");
    let big = vec![b' '; 1024 * 1024];
    let r = emu.signed("POST", &format!("/identities?api-version={V}"), &big);
    assert_eq!(r.status, 413);
    // The server is still fine.
    emu.new_user();
}

#[test]
fn the_2020_api_as_its_python_quickstart_uses_it() {
    let emu = Emulator::start(&[]);
    let host = emu.host();
    let send = |method: &str, target: &str, body: &[u8], content_type: &str| {
        let mut headers = sign_headers_with_date(&emu.key, method, &host, target, body, unix_now());
        headers.push(("content-type".into(), content_type.into()));
        headers.push(("x-ms-return-client-request-id".into(), "true".into()));
        emu.raw(method, target, &headers, body)
    };
    let r = send(
        "POST",
        &format!("/identities?api-version={LEGACY}"),
        b"",
        "application/json",
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    let id = r.json()["id"].as_str().unwrap().to_string();
    assert_eq!(r.json().as_object().unwrap().len(), 1);

    let target = format!("/identities/{}/token?api-version={LEGACY}", enc(&id));
    let r = send(
        "POST",
        &target,
        br#"{"scopes": ["voip"]}"#,
        "application/json",
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["id"], id.as_str());
    assert!(is_expires_on(v["expiresOn"].as_str().unwrap()));
    let token = v["token"].as_str().unwrap().to_string();
    assert_eq!(jwt_payload_python_style(&token)["acsScope"], "voip");
    assert_eq!(emu.whoami(&token).status, 200);
    let r = send(
        "POST",
        &target,
        br#"{"scopes": ["pstn", "chat"]}"#,
        "application/json",
    );
    assert_eq!(r.status, 200, "{}", r.text());

    // Revoke through PATCH (merge-patch), with and without tokensValidFrom.
    let patch = format!("/identities/{}?api-version={LEGACY}", enc(&id));
    let r = send("PATCH", &patch, b"{}", "application/merge-patch+json");
    assert_eq!(r.status, 204, "{}", r.text());
    assert_eq!(emu.whoami(&token).status, 401);
    let fresh = send(
        "POST",
        &target,
        br#"{"scopes": ["voip"]}"#,
        "application/json",
    )
    .json()["token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(emu.whoami(&fresh).status, 200);
    let later = acs_identity_edge::date::format_expires_on((unix_now() + 3600) * 1000).unwrap();
    let body = format!(r#"{{"tokensValidFrom": "{later}"}}"#);
    let r = send(
        "PATCH",
        &patch,
        body.as_bytes(),
        "application/merge-patch+json",
    );
    assert_eq!(r.status, 204, "{}", r.text());
    assert_eq!(emu.whoami(&fresh).status, 401);
    let r = send(
        "PATCH",
        &patch,
        br#"{"tokensValidFrom": "yesterday"}"#,
        "application/merge-patch+json",
    );
    assert_eq!(r.status, 400);

    let r = send("DELETE", &patch, b"", "application/json");
    assert_eq!(r.status, 204, "{}", r.text());
    let r = send("DELETE", &patch, b"", "application/json");
    assert_eq!(r.status, 404);
}

fn teams(emu: &Emulator, v: &str, body: &Value) -> Response {
    emu.signed_json(
        "POST",
        &format!("/teamsUser/:exchangeAccessToken?api-version={v}"),
        body,
    )
}

const APP: &str = "a1b2c3d4-0000-4000-8000-00000000a99e";
const OID: &str = "0b0e0e0f-1111-4222-8333-444455556666";

fn entra(exp_from_now: i64, appid: &str, oid: &str) -> String {
    unsigned_jwt(&json!({
        "aud": "https://auth.msft.communication.azure.com",
        "appid": appid,
        "oid": oid,
        "tid": "72f988bf-86f1-41af-91ab-2d7cd011db47",
        "scp": "Teams.ManageCalls Teams.ManageChats",
        "exp": unix_now() + exp_from_now,
        "iat": unix_now() - 60,
    }))
}

#[test]
fn teams_exchange_accepts_a_good_entra_token() {
    let emu = Emulator::start(&[]);
    for v in ["2022-06-01", "2023-10-01", PREVIEW] {
        let r = teams(
            &emu,
            v,
            &json!({"token": entra(4600, APP, OID), "appId": APP, "userId": OID}),
        );
        assert_eq!(r.status, 200, "{v}: {}", r.text());
        let body = r.json();
        let expires_on = body["expiresOn"].as_str().unwrap();
        assert!(is_expires_on(expires_on));
        // The token lives as long as the Entra token.
        assert!((parse_iso8601(expires_on).unwrap() / 1000 - (unix_now() + 4600)).abs() < 60);
        let token = body["token"].as_str().unwrap();
        let claims = jwt_payload_python_style(token);
        assert_eq!(claims["skypeid"], format!("orgid:{OID}"));
        let who = emu.whoami(token);
        assert_eq!(who.status, 200, "{}", who.text());
        assert_eq!(who.json()["id"], format!("8:orgid:{OID}"));
        assert_eq!(who.json()["kind"], "microsoftTeamsUser");
        let versions = r.header("api-supported-versions").unwrap();
        assert!(versions.starts_with("2021-10-31-preview"), "{versions}");
        assert!(!versions.contains("2021-03-07"), "{versions}");
    }
    // A signed Entra token is taken as well (the signature is not checked), and azp works as appid.
    let signed = hs256_jwt(
        &acs_identity_edge::connection_string::AccessKey::from_bytes(b"entra".to_vec()),
        &json!({"azp": APP, "oid": OID, "exp": unix_now() + 600}),
    );
    let r = teams(
        &emu,
        V,
        &json!({"token": signed, "appId": APP, "userId": OID}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    // 2021-10-31-preview takes the token alone.
    let r = teams(
        &emu,
        "2021-10-31-preview",
        &json!({"token": entra(600, APP, OID)}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
}

#[test]
fn teams_exchange_errors_are_the_recorded_ones() {
    let emu = Emulator::start(&[]);
    let invalid = "Provided access token is not valid.";
    let good = entra(3600, APP, OID);
    let cases: Vec<(Value, u16, &str, &str, Option<&str>)> = vec![
        (
            json!({"token": "", "appId": APP, "userId": ""}),
            401,
            "InvalidAccessToken",
            invalid,
            None,
        ),
        (
            json!({"appId": APP, "userId": OID}),
            401,
            "InvalidAccessToken",
            invalid,
            None,
        ),
        (
            json!({"token": "garbage", "appId": APP, "userId": OID}),
            401,
            "InvalidAccessToken",
            invalid,
            None,
        ),
        (
            json!({"token": entra(-60, APP, OID), "appId": APP, "userId": OID}),
            401,
            "InvalidAccessToken",
            invalid,
            None,
        ),
        (
            json!({"token": unsigned_jwt(&json!({"appid": APP, "oid": OID})), "appId": APP, "userId": OID}),
            401,
            "InvalidAccessToken",
            invalid,
            None,
        ),
        (
            json!({"token": good, "appId": "", "userId": OID}),
            400,
            "ValidationError",
            "AppId: The AppId field is required.",
            Some("AppId"),
        ),
        (
            json!({"token": good, "appId": APP, "userId": ""}),
            400,
            "ValidationError",
            "UserId: The UserId field is required.",
            Some("UserId"),
        ),
        (
            json!({"token": good, "appId": "not-a-guid", "userId": OID}),
            400,
            "ValidationError",
            "Provided AppId has invalid format.",
            Some("appId"),
        ),
        (
            json!({"token": good, "appId": APP, "userId": "invalid"}),
            400,
            "ValidationError",
            "Provided UserId has invalid format.",
            Some("userId"),
        ),
        (
            json!({"token": good, "appId": "00000000-0000-4000-8000-000000000000", "userId": OID}),
            400,
            "ValidationError",
            "AAD application is not the expected one.",
            Some("appId"),
        ),
        (
            json!({"token": good, "appId": APP, "userId": "00000000-0000-4000-8000-000000000000"}),
            400,
            "ValidationError",
            "Provided AAD token issued for unexpected user.",
            Some("userId"),
        ),
    ];
    for (body, status, code, message, target) in cases {
        let r = teams(&emu, "2022-10-01", &body);
        r.assert_error(status, code, message, target);
        assert!(r.header("api-supported-versions").is_none(), "{body}");
    }
}

#[test]
fn whoami_refuses_missing_forged_expired_and_unknown_tokens() {
    let emu = Emulator::start(&[]);
    let r = emu.raw("GET", "/emulator/whoami", &[], b"");
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"]["innererror"]["code"], "MissingToken");
    let r = emu.whoami("not-a-token");
    assert_eq!(r.json()["error"]["innererror"]["code"], "MalformedToken");
    let r = emu.create_user(V, &json!({"createTokenWithScopes": ["chat"]}));
    let token = token_of(&r);
    let id = r.json()["identity"]["id"].as_str().unwrap().to_string();
    // Another key.
    let other =
        acs_identity_edge::connection_string::AccessKey::from_bytes(b"someone else".to_vec());
    let mut claims = jwt_payload(&token);
    let forged = hs256_jwt(&other, &claims);
    assert_eq!(
        emu.whoami(&forged).json()["error"]["innererror"]["code"],
        "InvalidSignature"
    );
    // Changed claims with the old signature.
    let mut parts: Vec<&str> = token.split('.').collect();
    let mut more = claims.clone();
    more["acsScope"] = json!("chat,voip");
    let changed_payload = base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        more.to_string(),
    );
    parts[1] = &changed_payload;
    assert_eq!(
        emu.whoami(&parts.join(".")).json()["error"]["innererror"]["code"],
        "InvalidSignature"
    );
    // Expired: a token the emulator would have signed, but with exp in the past.
    claims["exp"] = json!(unix_now() - 5);
    let expired = hs256_jwt(&emu.key, &claims);
    let r = emu.whoami(&expired);
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"]["innererror"]["code"], "TokenExpired");
    // An identity the emulator never made.
    claims["exp"] = json!(unix_now() + 600);
    claims["skypeid"] = json!(format!(
        "acs:{DEV_RESOURCE}_00000000-0000-0000-0000-00000000dead"
    ));
    let r = emu.whoami(&hs256_jwt(&emu.key, &claims));
    assert_eq!(r.json()["error"]["innererror"]["code"], "UnknownIdentity");
    assert_eq!(emu.whoami(&token).json()["id"], id.as_str());
}

/// A preflight from `origin` asking for the SDK's headers.
fn preflight(emu: &Emulator, origin: &str) -> Response {
    emu.raw(
        "OPTIONS",
        "/identities?api-version=2023-10-01",
        &[
            ("origin".into(), origin.into()),
            ("access-control-request-method".into(), "POST".into()),
            (
                "access-control-request-headers".into(),
                "authorization,x-ms-date,x-ms-content-sha256,content-type,x-ms-client-request-id,x-custom-thing".into(),
            ),
        ],
        b"",
    )
}

#[test]
fn cors_lets_a_page_on_a_loopback_origin_call_the_api() {
    let emu = Emulator::start(&[]);
    let page = "http://localhost:5173";
    let r = preflight(&emu, page);
    assert_eq!(r.status, 204);
    assert_eq!(r.header("access-control-allow-origin"), Some(page));
    let allow = r.header("access-control-allow-headers").unwrap();
    for h in [
        "authorization",
        "x-ms-date",
        "x-ms-content-sha256",
        "content-type",
        "x-ms-client-request-id",
        "x-custom-thing",
    ] {
        assert!(allow.contains(h), "{allow}");
    }
    assert!(r
        .header("access-control-allow-methods")
        .unwrap()
        .contains("DELETE"));
    let r = emu.signed_with(
        "POST",
        &format!("/identities?api-version={V}"),
        b"",
        &[("origin", page)],
    );
    assert_eq!(r.status, 201);
    assert_eq!(r.header("access-control-allow-origin"), Some(page));
    assert_eq!(r.header("vary"), Some("origin"));
    let expose = r.header("access-control-expose-headers").unwrap();
    for h in ["ms-cv", "x-ms-client-request-id", "retry-after"] {
        assert!(expose.contains(h), "{expose}");
    }
    // 401s carry CORS headers too, so a page can read why it was refused.
    let r = emu.raw(
        "POST",
        &format!("/identities?api-version={V}"),
        &[("origin".into(), page.into())],
        b"",
    );
    assert_eq!(r.status, 401);
    assert_eq!(r.header("access-control-allow-origin"), Some(page));
}

#[test]
fn cors_refuses_pages_on_other_origins_unless_the_flag_allows_them() {
    // The default: a page on the web (which knows the public development key) cannot drive the
    // emulator. Its preflight is refused, so the browser never sends the signed request; and no answer
    // is readable by it.
    let emu = Emulator::start(&[]);
    for origin in ["https://evil.example", "http://evil.localhost:5173", "null"] {
        let r = preflight(&emu, origin);
        assert_eq!(r.status, 403, "{origin}");
        assert_eq!(r.header("access-control-allow-origin"), None, "{origin}");
        assert_eq!(r.json()["error"]["code"], "OriginNotAllowed");
        let r = emu.signed_with(
            "POST",
            &format!("/identities?api-version={V}"),
            b"",
            &[("origin", origin)],
        );
        assert_eq!(r.header("access-control-allow-origin"), None, "{origin}");
        let r = emu.raw(
            "GET",
            "/emulator/health",
            &[("origin".into(), origin.into())],
            b"",
        );
        assert_eq!(r.header("access-control-allow-origin"), None, "{origin}");
    }
    // --cors-origins names the origins allowed (here without loopback pages).
    let emu = Emulator::start(&["--cors-origins", "https://app.example.test"]);
    let r = preflight(&emu, "https://app.example.test");
    assert_eq!(r.status, 204);
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("https://app.example.test")
    );
    assert_eq!(preflight(&emu, "http://localhost:5173").status, 403);
    // The environment variable does the same; `*` allows any origin.
    let emu = Emulator::start_with_env(&[], &[("ACS_EMULATOR_CORS_ORIGINS", "*")]);
    let r = preflight(&emu, "https://anywhere.example");
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("https://anywhere.example")
    );
    // A bad list stops the start with a message naming the flag.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_acs-emulator"))
        .args(["--port", "0", "--cors-origins", "app.example.test"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--cors-origins"));
}

#[test]
fn health_and_config() {
    let emu = Emulator::start(&[]);
    emu.new_user();
    let r = emu.raw("GET", "/emulator/health", &[], b"");
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["status"], "ok");
    assert_eq!(v["identities"], 1);
    assert_eq!(v["persistent"], false);
    let r = emu.raw("GET", "/emulator/config", &[], b"");
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["connectionString"], emu.connection_string.as_str());
    assert_eq!(v["endpoint"], emu.url.as_str());
    assert!(r.header("access-control-allow-origin").is_none());
    // As reached through localhost, the page gets a localhost endpoint (same origin).
    let r = emu.raw(
        "GET",
        "/emulator/config",
        &[("host".into(), format!("localhost:{}", emu.port))],
        b"",
    );
    assert_eq!(
        r.json()["endpoint"],
        format!("http://localhost:{}", emu.port)
    );
    // A foreign Host (DNS rebinding) gets nothing.
    let r = emu.raw(
        "GET",
        "/emulator/config",
        &[("host".into(), "evil.example:80".into())],
        b"",
    );
    assert_eq!(r.status, 403);
    assert!(!r.text().contains(DEV_KEY));
}
