//! The emulator as a Microsoft Entra ID authority (`--entra-*`): its discovery documents, the
//! client-credentials token endpoint and each of Entra's refusals, bearer tokens on the ACS routes
//! (and the expired, forged, wrong-audience, wrong-issuer and wrong-tenant ones refused), the token
//! request counter, and `--disable-local-auth`.

mod common;

use acs_identity_edge::connection_string::AccessKey;
use acs_identity_edge::signing::hmac_base64;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use common::*;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CLIENT: &str = "0b7e5f3a-9c41-4d2e-8f6a-1c2d3e4f5a6b";
const SECRET: &str = "emulator~client.secret_0123456789";
const SCOPE: &str = "https%3A%2F%2Fcommunication.azure.com%2F%2F.default";

fn entra_args() -> Vec<&'static str> {
    vec![
        "--entra-tenant-id",
        TENANT,
        "--entra-client-id",
        CLIENT,
        "--entra-client-secret",
        SECRET,
    ]
}

fn start(extra: &[&str]) -> Emulator {
    let mut args = entra_args();
    args.extend_from_slice(extra);
    Emulator::start(&args)
}

fn get(emu: &Emulator, target: &str) -> Response {
    emu.raw("GET", target, &[], b"")
}

/// A form POST to the token endpoint of `tenant`.
fn token_request(emu: &Emulator, tenant: &str, form: &str) -> Response {
    emu.raw(
        "POST",
        &format!("/{tenant}/oauth2/v2.0/token"),
        &[
            (
                "content-type".into(),
                "application/x-www-form-urlencoded".into(),
            ),
            (
                "client-request-id".into(),
                "0f0e0d0c-0b0a-0908-0706-050403020100".into(),
            ),
        ],
        form.as_bytes(),
    )
}

fn grant(client: &str, secret: &str, scope: &str) -> String {
    format!("grant_type=client_credentials&client_id={client}&client_secret={secret}&scope={scope}")
}

fn new_token(emu: &Emulator) -> String {
    let r = token_request(emu, TENANT, &grant(CLIENT, SECRET, SCOPE));
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["access_token"].as_str().unwrap().to_string()
}

/// An ACS request with `Authorization: Bearer <token>` and no HMAC headers, as the official SDKs send.
fn bearer(emu: &Emulator, method: &str, target: &str, token: &str, body: &[u8]) -> Response {
    emu.raw(
        method,
        target,
        &[
            ("authorization".into(), format!("Bearer {token}")),
            ("content-type".into(), "application/json".into()),
        ],
        body,
    )
}

fn create_with(emu: &Emulator, token: &str) -> Response {
    bearer(
        emu,
        "POST",
        &format!("/identities?api-version={V}"),
        token,
        b"{}",
    )
}

/// The signing key, derived as emulator/README.md documents it.
fn signing_key(access_key: &AccessKey, secret: &str) -> AccessKey {
    let derivation = format!("acs-emulator entra signing key\n{TENANT}\n{CLIENT}\n{secret}");
    AccessKey::from_bytes(
        STANDARD
            .decode(hmac_base64(access_key, derivation.as_bytes()))
            .unwrap(),
    )
}

fn assert_entra_error(r: &Response, status: u16, error: &str, code: u64) {
    assert_eq!(r.status, status, "{}", r.text());
    let v = r.json();
    assert_eq!(v["error"], error, "{v}");
    assert_eq!(v["error_codes"], json!([code]), "{v}");
    let description = v["error_description"].as_str().unwrap();
    assert!(
        description.starts_with(&format!("AADSTS{code}: ")),
        "{description}"
    );
    let trace = v["trace_id"].as_str().unwrap();
    let timestamp = v["timestamp"].as_str().unwrap();
    assert_eq!(v["correlation_id"], "0f0e0d0c-0b0a-0908-0706-050403020100");
    assert!(
        description.ends_with(&format!(
            "\r\nTrace ID: {trace}\r\nCorrelation ID: 0f0e0d0c-0b0a-0908-0706-050403020100\r\nTimestamp: {timestamp}"
        )),
        "{description}"
    );
    assert!(
        !r.text().contains(SECRET),
        "the secret is echoed: {}",
        r.text()
    );
    assert_eq!(
        r.header("content-type"),
        Some("application/json; charset=utf-8")
    );
}

#[test]
fn the_start_line_names_the_authority_host_and_tenant() {
    let mut args = vec!["--port", "0"];
    args.extend(entra_args());
    let mut child = Command::new(env!("CARGO_BIN_EXE_acs-emulator"))
        .args(&args)
        .env_remove("ACS_EMULATOR_PORT")
        .env_remove("ACS_EMULATOR_TLS")
        .env_remove("ACS_EMULATOR_DISABLE_LOCAL_AUTH")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let (url, cs) = parse_line(line.trim());
    assert_eq!(
        line.trim(),
        format!("acs-emulator listening on {url}; connection string: {cs}; entra authority host: {url}; tenant: {TENANT}")
    );
    assert!(!line.contains(SECRET));
    // Without Entra the line is as before.
    let emu = Emulator::start(&[]);
    assert!(!emu.connection_string.contains("entra"));
}

#[test]
fn the_discovery_documents_name_the_emulator() {
    let emu = start(&[]);
    let origin = emu.url.clone();
    let r = get(
        &emu,
        &format!("/{TENANT}/v2.0/.well-known/openid-configuration"),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    let base = format!("{origin}/{TENANT}");
    assert_eq!(v["issuer"], format!("{base}/v2.0"));
    assert_eq!(v["token_endpoint"], format!("{base}/oauth2/v2.0/token"));
    assert_eq!(
        v["authorization_endpoint"],
        format!("{base}/oauth2/v2.0/authorize")
    );
    assert_eq!(v["jwks_uri"], format!("{base}/discovery/v2.0/keys"));
    assert_eq!(
        v["end_session_endpoint"],
        format!("{base}/oauth2/v2.0/logout")
    );
    for field in [
        "response_types_supported",
        "subject_types_supported",
        "id_token_signing_alg_values_supported",
        "scopes_supported",
    ] {
        assert!(v[field].is_array(), "{field}: {v}");
    }
    for field in ["tenant_region_scope", "cloud_instance_name"] {
        assert!(v.as_object().unwrap().contains_key(field), "{field}");
    }
    // Reached as localhost, the endpoints and the issuer are on localhost (MSAL wants the issuer on the
    // authority's host).
    let r = emu.raw(
        "GET",
        &format!("/{TENANT}/v2.0/.well-known/openid-configuration"),
        &[("host".into(), format!("localhost:{}", emu.port))],
        b"",
    );
    let v = r.json();
    assert_eq!(
        v["token_endpoint"],
        format!("http://localhost:{}/{TENANT}/oauth2/v2.0/token", emu.port)
    );
    assert_eq!(
        v["issuer"],
        format!("http://localhost:{}/{TENANT}/v2.0", emu.port)
    );
    // Another tenant: Entra's 400 invalid_tenant.
    let r = emu.raw(
        "GET",
        "/00000000-0000-0000-0000-000000000001/v2.0/.well-known/openid-configuration",
        &[(
            "client-request-id".into(),
            "0f0e0d0c-0b0a-0908-0706-050403020100".into(),
        )],
        b"",
    );
    assert_entra_error(&r, 400, "invalid_tenant", 90002);

    let r = get(
        &emu,
        &format!("/common/discovery/instance?api-version=1.1&authorization_endpoint=http%3A%2F%2F127.0.0.1%3A{}%2F{TENANT}%2Foauth2%2Fv2.0%2Fauthorize", emu.port),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(
        v["tenant_discovery_endpoint"],
        format!("{base}/v2.0/.well-known/openid-configuration")
    );
    let aliases = v["metadata"][0]["aliases"].as_array().unwrap();
    assert!(aliases.contains(&json!(emu.host())), "{v}");
    assert!(aliases.contains(&json!(format!("localhost:{}", emu.port))));
    assert_eq!(v["metadata"][0]["preferred_network"], emu.host());

    let r = get(&emu, &format!("/{TENANT}/discovery/v2.0/keys"));
    assert_eq!((r.status, r.json()), (200, json!({ "keys": [] })));
}

#[test]
fn the_authority_routes_exist_only_with_entra() {
    let emu = Emulator::start(&[]);
    let r = get(
        &emu,
        &format!("/{TENANT}/v2.0/.well-known/openid-configuration"),
    );
    assert_eq!(r.status, 404);
    assert_eq!(get(&emu, "/emulator/entra/stats").status, 404);
}

#[test]
fn a_client_credentials_grant_gets_a_token_for_acs() {
    let emu = start(&[]);
    let r = token_request(&emu, TENANT, &grant(CLIENT, SECRET, SCOPE));
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v.as_object().unwrap().len(), 4, "{v}");
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 3599);
    assert_eq!(v["ext_expires_in"], 3599);
    assert!(r.header("cache-control").unwrap().contains("no-store"));
    let claims = jwt_payload(v["access_token"].as_str().unwrap());
    assert_eq!(claims["aud"], "https://communication.azure.com");
    assert_eq!(claims["iss"], format!("{}/{TENANT}/v2.0", emu.url));
    assert_eq!(claims["tid"], TENANT);
    assert_eq!(claims["azp"], CLIENT);
    assert_eq!(claims["ver"], "2.0");
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        3599
    );
    // The single-slash scope, an upper-case client id, and the secret percent-encoded.
    let form = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}&scope=https%3A%2F%2Fcommunication.azure.com%2F.default",
        CLIENT.to_uppercase(),
        SECRET.replace('~', "%7E")
    );
    assert_eq!(token_request(&emu, TENANT, &form).status, 200);
    // A token issued on `localhost` names it as issuer and is good on `127.0.0.1` too.
    let r = emu.raw(
        "POST",
        &format!("/{TENANT}/oauth2/v2.0/token"),
        &[
            ("host".into(), format!("localhost:{}", emu.port)),
            (
                "content-type".into(),
                "application/x-www-form-urlencoded".into(),
            ),
        ],
        grant(CLIENT, SECRET, SCOPE).as_bytes(),
    );
    let token = r.json()["access_token"].as_str().unwrap().to_string();
    assert_eq!(
        jwt_payload(&token)["iss"],
        format!("http://localhost:{}/{TENANT}/v2.0", emu.port)
    );
    assert_eq!(create_with(&emu, &token).status, 201);
}

#[test]
fn each_refusal_of_the_token_endpoint_is_entras() {
    let emu = start(&[]);
    let other = "00000000-0000-0000-0000-000000000001";
    assert_entra_error(
        &token_request(&emu, TENANT, &grant(CLIENT, "wrong", SCOPE)),
        401,
        "invalid_client",
        7000215,
    );
    assert_entra_error(
        &token_request(&emu, TENANT, &grant(other, SECRET, SCOPE)),
        400,
        "unauthorized_client",
        700016,
    );
    assert_entra_error(
        &token_request(&emu, other, &grant(CLIENT, SECRET, SCOPE)),
        400,
        "invalid_request",
        90002,
    );
    for scope in [
        "https%3A%2F%2Fgraph.microsoft.com%2F.default",
        "https%3A%2F%2Fcommunication.azure.com%2Fuser_impersonation",
        "openid",
    ] {
        assert_entra_error(
            &token_request(&emu, TENANT, &grant(CLIENT, SECRET, scope)),
            400,
            "invalid_scope",
            70011,
        );
    }
    let r = token_request(
        &emu,
        TENANT,
        &grant(CLIENT, SECRET, SCOPE).replace("client_credentials", "password"),
    );
    assert_entra_error(&r, 400, "unsupported_grant_type", 70003);
    let no_secret = format!("grant_type=client_credentials&client_id={CLIENT}&scope={SCOPE}");
    assert_entra_error(
        &token_request(&emu, TENANT, &no_secret),
        401,
        "invalid_client",
        7000218,
    );
    let no_scope =
        format!("grant_type=client_credentials&client_id={CLIENT}&client_secret={SECRET}");
    assert_entra_error(
        &token_request(&emu, TENANT, &no_scope),
        400,
        "invalid_request",
        900144,
    );
    assert_entra_error(
        &token_request(&emu, TENANT, "not a form"),
        400,
        "invalid_request",
        900144,
    );
    let assertion = format!("grant_type=client_credentials&client_id={CLIENT}&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=a.b.c&scope={SCOPE}");
    assert_entra_error(
        &token_request(&emu, TENANT, &assertion),
        401,
        "invalid_client",
        700027,
    );
    let r = emu.raw(
        "GET",
        &format!("/{TENANT}/oauth2/v2.0/token"),
        &[(
            "client-request-id".into(),
            "0f0e0d0c-0b0a-0908-0706-050403020100".into(),
        )],
        b"",
    );
    assert_entra_error(&r, 400, "invalid_request", 900561);
    // Nothing was issued, and the log never shows the secret.
    let stats = get(&emu, "/emulator/entra/stats").json();
    assert_eq!(stats["tokensIssued"], 0, "{stats}");
    assert!(!emu.logs().contains(SECRET));
}

#[test]
fn the_token_request_counter_is_loopback_only() {
    let emu = start(&[]);
    assert_eq!(
        get(&emu, "/emulator/entra/stats").json(),
        json!({"tokenRequests": 0, "tokensIssued": 0})
    );
    new_token(&emu);
    new_token(&emu);
    token_request(&emu, TENANT, &grant(CLIENT, "wrong", SCOPE));
    let r = get(&emu, "/emulator/entra/stats");
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!({"tokenRequests": 3, "tokensIssued": 2}));
    assert_eq!(r.header("access-control-allow-origin"), None);
    let r = emu.raw(
        "GET",
        "/emulator/entra/stats",
        &[("host".into(), "example.com".into())],
        b"",
    );
    assert_eq!(r.status, 403, "{}", r.text());
}

#[test]
fn bearer_tokens_run_the_whole_quickstart() {
    let emu = start(&[]);
    let token = new_token(&emu);
    let r = create_with(&emu, &token);
    assert_eq!(r.status, 201, "{}", r.text());
    let id = r.json()["identity"]["id"].as_str().unwrap().to_string();
    let r = bearer(
        &emu,
        "POST",
        &format!("/identities/{}/:issueAccessToken?api-version={V}", enc(&id)),
        &token,
        br#"{"scopes":["voip"]}"#,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let acs_token = r.json()["token"].as_str().unwrap().to_string();
    assert_eq!(emu.whoami(&acs_token).status, 200);
    let r = bearer(
        &emu,
        "POST",
        &format!(
            "/identities/{}/:revokeAccessTokens?api-version={V}",
            enc(&id)
        ),
        &token,
        b"",
    );
    assert_eq!(r.status, 204, "{}", r.text());
    assert_eq!(emu.whoami(&acs_token).status, 401);
    let r = bearer(
        &emu,
        "DELETE",
        &format!("/identities/{}?api-version={V}", enc(&id)),
        &token,
        b"",
    );
    assert_eq!(r.status, 204, "{}", r.text());
    // HMAC still works next to Entra.
    assert_eq!(
        emu.create_user(V, &json!({})).status,
        201,
        "local auth is on by default"
    );
}

#[test]
fn bad_bearer_tokens_are_refused_with_the_service_shape() {
    let emu = start(&[]);
    let good = new_token(&emu);
    let key = signing_key(&emu.key, SECRET);
    let claims = jwt_payload(&good);
    let with = |change: &dyn Fn(&mut Value)| {
        let mut c = claims.clone();
        change(&mut c);
        hs256_jwt(&key, &c)
    };
    let now = unix_now();
    // A re-signed copy of a good token is good (the derivation is the documented one).
    assert_eq!(create_with(&emu, &with(&|_| {})).status, 201);
    let cases: Vec<(String, &str)> = vec![
        (
            with(&|c| {
                c["iat"] = json!(now - 7200);
                c["nbf"] = json!(now - 7200);
                c["exp"] = json!(now - 3601);
            }),
            "TokenExpired",
        ),
        (with(&|c| c["nbf"] = json!(now + 3600)), "TokenNotYetValid"),
        (
            hs256_jwt(&signing_key(&emu.key, "another secret"), &claims),
            "InvalidSignature",
        ),
        (unsigned_jwt(&claims), "InvalidSignature"),
        (
            {
                // The good token with its claims changed under the old signature.
                let parts: Vec<&str> = good.split('.').collect();
                let forged = with(&|c| c["tid"] = json!("00000000-0000-0000-0000-000000000001"));
                let payload = forged.split('.').nth(1).unwrap().to_string();
                format!("{}.{payload}.{}", parts[0], parts[2])
            },
            "InvalidSignature",
        ),
        (
            with(&|c| c["aud"] = json!("https://management.azure.com")),
            "InvalidAudience",
        ),
        (
            with(&|c| c["iss"] = json!(format!("https://login.microsoftonline.com/{TENANT}/v2.0"))),
            "InvalidIssuer",
        ),
        (
            with(&|c| c["iss"] = json!(format!("http://127.0.0.1:1/{TENANT}/v2.0"))),
            "InvalidIssuer",
        ),
        (
            with(&|c| c["tid"] = json!("00000000-0000-0000-0000-000000000001")),
            "InvalidTenant",
        ),
        ("not-a-jwt".into(), "MalformedToken"),
        (String::new(), "MalformedToken"),
    ];
    for (token, reason) in cases {
        let r = create_with(&emu, &token);
        assert_eq!(r.status, 401, "{reason}: {}", r.text());
        let v = r.json();
        assert_eq!(v["error"]["code"], "InvalidAccessToken", "{v}");
        assert_eq!(v["error"]["message"], "Provided access token is not valid.");
        assert_eq!(v["error"]["innererror"]["code"], reason, "{v}");
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert!(!r.text().contains(&token) || token.is_empty());
    }
    // An ACS access token (the emulator's own, for users) is no bearer token for the management API.
    let id = emu.new_user();
    let acs = emu.issue(V, &id, &json!({"scopes": ["chat"]})).json()["token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(create_with(&emu, &acs).status, 401);
    assert!(!emu.logs().contains(&good));
}

#[test]
fn disable_local_auth_refuses_hmac_and_accepts_bearer() {
    let emu = start(&["--disable-local-auth"]);
    let r = emu.create_user(V, &json!({}));
    r.assert_error(
        401,
        "Denied",
        "Local authentication (HMAC-SHA256 with an access key) is disabled for this resource. Use a Microsoft Entra ID bearer token.",
        None,
    );
    let r = emu.raw("POST", &format!("/identities?api-version={V}"), &[], b"{}");
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"]["code"], "Denied");
    let token = new_token(&emu);
    assert_eq!(create_with(&emu, &token).status, 201);
    // The emulator's own pages are not the resource's API and stay open.
    assert_eq!(get(&emu, "/emulator/health").status, 200);
}

#[test]
fn the_flags_also_come_from_the_environment() {
    let emu = Emulator::start_with_env(
        &[],
        &[
            ("ACS_EMULATOR_ENTRA_TENANT_ID", TENANT),
            ("ACS_EMULATOR_ENTRA_CLIENT_ID", CLIENT),
            ("ACS_EMULATOR_ENTRA_CLIENT_SECRET", SECRET),
            ("ACS_EMULATOR_DISABLE_LOCAL_AUTH", "true"),
        ],
    );
    let token = new_token(&emu);
    assert_eq!(create_with(&emu, &token).status, 201);
    assert_eq!(emu.create_user(V, &json!({})).status, 401);
}

#[test]
fn bad_flags_stop_the_emulator_without_showing_the_secret() {
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_acs-emulator"))
            .args(["--port", "0"])
            .args(args)
            .env_remove("ACS_EMULATOR_ENTRA_TENANT_ID")
            .env_remove("ACS_EMULATOR_ENTRA_CLIENT_ID")
            .env_remove("ACS_EMULATOR_ENTRA_CLIENT_SECRET")
            .env_remove("ACS_EMULATOR_DISABLE_LOCAL_AUTH")
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = run(&["--entra-tenant-id", TENANT, "--entra-client-secret", SECRET]);
    assert_eq!(code, Some(2));
    assert!(err.contains("--entra-client-id missing"), "{err}");
    assert!(!err.contains(SECRET), "{err}");
    let (code, err) = run(&["--disable-local-auth"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("--disable-local-auth needs"), "{err}");
    let (code, err) = run(&[
        "--entra-tenant-id",
        "contoso.onmicrosoft.com",
        "--entra-client-id",
        CLIENT,
        "--entra-client-secret",
        SECRET,
    ]);
    assert_eq!(code, Some(2));
    assert!(err.contains("--entra-tenant-id must be a GUID"), "{err}");
    let out = Command::new(env!("CARGO_BIN_EXE_acs-emulator"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--entra-tenant-id",
        "--entra-client-id",
        "--entra-client-secret",
        "--disable-local-auth",
        "ACS_EMULATOR_ENTRA_CLIENT_SECRET",
    ] {
        assert!(help.contains(flag), "{flag} in {help}");
    }
}
