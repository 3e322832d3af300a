//! No access key in any output: every error path of the library (connection strings, signing, request
//! building, response parsing, service errors, network errors, timeouts, aborts) and the `Debug` and
//! `Display` of every public type that can hold or touch a key, searched for the key in every form it
//! could take: base64 (padded, unpadded, url-safe), the decoded bytes as text, hex, and any 12-character
//! piece of those.
#![cfg(not(target_arch = "wasm32"))]

use acs_identity_edge::client::{
    CallOptions, ClientOptions, Environment, HttpRequest, IdentityClient, Transport,
};
use acs_identity_edge::connection_string::{AccessKey, ConnectionString, Endpoint};
use acs_identity_edge::operations::{
    self, CreateUserAndTokenOptions, CreateUserOptions, GetTokenForTeamsUserOptions,
    GetTokenOptions, Response, UserOptions,
};
use acs_identity_edge::signing::{self, ReceivedRequest, VerifyFailure};
use acs_identity_edge::{access_token, Error, ErrorKind};
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

/// The canary: readable as text, so that a leak of the decoded bytes is as visible as one of the base64.
const KEY_TEXT: &str = "cnry-Zq8kV2wP0mR7tL4xN9yJ3hB6fD1sG5";

fn key_b64() -> String {
    STANDARD.encode(KEY_TEXT)
}

/// Every form of a key, and every 12-character piece of each.
fn forbidden_for(raw: &[u8]) -> Vec<String> {
    let hex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
    let mut whole = vec![
        STANDARD.encode(raw),
        STANDARD_NO_PAD.encode(raw),
        URL_SAFE.encode(raw),
        URL_SAFE_NO_PAD.encode(raw),
        hex.clone(),
        hex.to_ascii_uppercase(),
        String::from_utf8_lossy(raw).into_owned(),
        format!("{raw:?}"),
    ];
    whole.retain(|s| s.len() >= 12);
    let mut out = whole.clone();
    for s in &whole {
        let chars: Vec<char> = s.chars().collect();
        for w in chars.windows(12) {
            out.push(w.iter().collect());
        }
    }
    out.sort();
    out.dedup();
    out
}

struct Checker {
    forbidden: Vec<String>,
    checked: Cell<usize>,
}

impl Checker {
    fn new(raw: &[u8]) -> Checker {
        Checker {
            forbidden: forbidden_for(raw),
            checked: Cell::new(0),
        }
    }

    /// The first form of the key found in `text`.
    fn find(&self, text: &str) -> Option<&str> {
        self.forbidden
            .iter()
            .find(|f| text.contains(f.as_str()))
            .map(String::as_str)
    }

    fn clean(&self, what: &str, text: &str) {
        if let Some(f) = self.find(text) {
            panic!("{what} holds the key (as {f:?}): {text}");
        }
        self.checked.set(self.checked.get() + 1);
    }

    fn error(&self, what: &str, e: &Error) {
        self.clean(&format!("{what} (Display)"), &e.to_string());
        self.clean(&format!("{what} (Debug)"), &format!("{e:?}"));
        self.clean(&format!("{what} (alternate Debug)"), &format!("{e:#?}"));
        self.clean(&format!("{what} (message)"), e.message());
        self.clean(&format!("{what} (code)"), e.code());
        if let Some(t) = e.target() {
            self.clean(&format!("{what} (target)"), t);
        }
        if let Some(s) = e.service_error() {
            self.clean(&format!("{what} (service error)"), &format!("{s:?}"));
        }
    }
}

#[test]
fn the_checker_finds_every_form_of_the_key() {
    let c = Checker::new(KEY_TEXT.as_bytes());
    let raw = KEY_TEXT.as_bytes();
    let hex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
    for leaked in [
        key_b64(),
        URL_SAFE_NO_PAD.encode(raw),
        KEY_TEXT.to_string(),
        hex,
        format!("xx {} yy", &key_b64()[5..20]),
        format!("{raw:?}"),
    ] {
        assert!(c.find(&leaked).is_some(), "the checker missed {leaked}");
    }
    c.clean("probe", "the access key is not valid base64");
}

/// Malformed connection strings that carry the key somewhere, each failing in its own way.
fn bad_connection_strings(k: &str) -> Vec<String> {
    vec![
        format!("accesskey={k}"),
        format!("endpoint=ftp://contoso.example/;accesskey={k}"),
        format!("endpoint=https://contoso.example/path;accesskey={k}"),
        format!("endpoint=https://contoso.example/?q={k};accesskey={k}"),
        format!("endpoint=https://contoso.example:99999/;accesskey={k}"),
        format!("endpoint=https://user:{k}@contoso.example/;accesskey={k}"),
        format!("endpoint=https://{k}/;accesskey={k}"),
        format!("endpoint={k};accesskey={k}"),
        format!("endpoint=https://[{k}]/;accesskey={k}"),
        format!("endpoint=https://contoso.example/;accesskey={k};accesskey={k}"),
        format!("endpoint=https://contoso.example/;endpoint=https://x.example/;accesskey={k}"),
        format!("endpoint=https://contoso.example/;accesskey={k}!!"),
        format!("endpoint=https://contoso.example/;accesskey={}", &k[1..]),
        format!(
            "endpoint=https://contoso.example/;accesskey={}",
            k.replace('=', "")
        ),
        format!(
            "endpoint=https://contoso.example/;accesskey={} {}",
            &k[..10],
            &k[10..]
        ),
        format!("endpoint=https://contoso.example/;accesskey={k}%"),
        format!("endpoint=https://contoso.example/;accesskey=\"{k}\""),
        format!("{k}"),
        format!("{k};{k}"),
        format!("endpoint=https://contoso.example/;{k}"),
        format!("endpoint=;accesskey={k}"),
        format!("endpoint=https://contoso.example/;accesskey="),
        format!("endpoint=https://contoso.example/;accesskey={KEY_TEXT}"),
    ]
}

#[test]
fn connection_string_errors_never_hold_the_key() {
    let c = Checker::new(KEY_TEXT.as_bytes());
    let k = key_b64();
    let mut failures = 0;
    for input in bad_connection_strings(&k) {
        match ConnectionString::parse(&input) {
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::InvalidConnectionString, "{input}");
                c.error("connection string error", &e);
                c.clean(
                    "Result Debug",
                    &format!("{:?}", ConnectionString::parse(&input)),
                );
                failures += 1;
            }
            Ok(cs) => panic!("{input} parsed: {cs:?}"),
        }
    }
    assert!(failures >= 20);
}

#[test]
fn the_shared_connection_string_vectors_never_leak_their_secret() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/vectors/connection-strings.json"
    ))
    .unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let secrets: Vec<&str> = v["secret_that_must_not_leak"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(secrets.contains(&"test-key-do-not-leak"));
    let c = Checker::new(b"test-key-do-not-leak");
    let cases = v["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 28);
    for case in cases {
        let input = case["input"].as_str().unwrap();
        let shown = match ConnectionString::parse(input) {
            Ok(cs) => format!("{cs:?} {:?} {:?}", cs.endpoint(), cs.access_key()),
            Err(e) => format!("{e:?} {e}"),
        };
        for s in &secrets {
            assert!(!shown.contains(s), "{input}: {shown}");
        }
        c.clean(input, &shown);
    }
}

#[test]
fn parsed_values_and_signing_stages_never_hold_the_key() {
    let c = Checker::new(KEY_TEXT.as_bytes());
    let k = key_b64();
    let cs = ConnectionString::parse(&format!(
        "endpoint=https://contoso.communication.azure.com/;accesskey={k}"
    ))
    .unwrap();
    c.clean("ConnectionString", &format!("{cs:?} {cs:#?}"));
    c.clean("AccessKey", &format!("{:?}", cs.access_key()));
    c.clean("Endpoint", &format!("{:?}", cs.endpoint()));
    let key = AccessKey::from_base64(&k).unwrap();
    assert_eq!(key.expose_secret(), KEY_TEXT.as_bytes());
    c.clean(
        "AccessKey",
        &format!("{key:?} {:?}", AccessKey::from_bytes(KEY_TEXT)),
    );
    c.clean(
        "Endpoint",
        &format!("{:?}", Endpoint::parse("https://x.example:8443").unwrap()),
    );

    let signed = signing::sign(
        &key,
        "POST",
        "https://contoso.communication.azure.com/identities?api-version=2023-10-01",
        b"{}",
        1_649_873_352,
    )
    .unwrap();
    c.clean("SignedHeaders", &format!("{signed:?}"));
    c.clean("StringToSign", &signed.string_to_sign.to_string());
    c.clean("hmac", &signing::hmac_base64(&key, b"anything"));
    for (url, method, date) in [
        ("ftp://x/", "GET", 0),
        ("https://x/a b", "GET", 0),
        ("https://x:0/", "GET", 0),
        ("https://x/", "G E T", 0),
        ("https://x/", "GET", i64::MAX),
        ("/relative", "GET", 0),
    ] {
        let e = signing::sign(&key, method, url, b"", date).unwrap_err();
        c.error("signing error", &e);
    }
    let headers = [
        ("x-ms-date", signed.x_ms_date.as_str()),
        ("x-ms-content-sha256", signed.x_ms_content_sha256.as_str()),
        ("authorization", signed.authorization.as_str()),
    ];
    let request = ReceivedRequest {
        method: "POST",
        path_and_query: "/identities?api-version=2023-10-01",
        host: "contoso.communication.azure.com",
        headers: &headers,
        body: b"{}",
    };
    c.clean("ReceivedRequest", &format!("{request:?}"));
    let other = AccessKey::from_bytes(b"another key".to_vec());
    let failures = [
        signing::verify(&other, &request, 1_649_873_352, 900),
        signing::verify(&key, &request, 1_649_873_352 + 10_000, 900),
        signing::verify(
            &key,
            &ReceivedRequest {
                body: b"{ }",
                ..request
            },
            1_649_873_352,
            900,
        ),
        signing::verify(
            &key,
            &ReceivedRequest {
                headers: &[],
                ..request
            },
            1_649_873_352,
            900,
        ),
    ];
    for f in failures {
        let f = f.unwrap_err();
        c.clean("VerifyFailure", &format!("{f:?} {}", f.message()));
    }
    for f in [
        VerifyFailure::MissingHeader("x-ms-date"),
        VerifyFailure::MalformedAuthorization,
        VerifyFailure::MalformedDate,
        VerifyFailure::Signature,
    ] {
        c.clean("VerifyFailure", f.message());
    }
}

#[test]
fn request_builders_and_response_parsers_never_hold_the_key() {
    let c = Checker::new(KEY_TEXT.as_bytes());
    let v = operations::DEFAULT_API_VERSION;
    let teams = GetTokenForTeamsUserOptions {
        teams_user_aad_token: format!("aad.{}.sig", key_b64()),
        client_id: "not a guid".into(),
        user_object_id: "also not".into(),
    };
    c.clean("GetTokenForTeamsUserOptions", &format!("{teams:?}"));
    let errors = [
        operations::create_user_request("1999-01-01?x", &CreateUserOptions::default()).unwrap_err(),
        operations::create_user_and_token_request(v, &CreateUserAndTokenOptions::default())
            .unwrap_err(),
        operations::get_token_request(
            v,
            &GetTokenOptions {
                user_id: String::new(),
                scopes: vec!["voip".into()],
                expires_in_minutes: Some(5),
            },
        )
        .unwrap_err(),
        operations::revoke_tokens_request(v, &UserOptions::default()).unwrap_err(),
        operations::get_token_for_teams_user_request(v, &teams).unwrap_err(),
    ];
    for e in &errors {
        c.error("request builder", e);
    }
    let bodies: [&[u8]; 6] = [
        b"",
        b"{",
        b"<html>502</html>",
        br#"{"error":{"code":"Denied","message":"Request signature is not valid."}}"#,
        br#"{"identity":{"id":42}}"#,
        br#"{"token":"x","expiresOn":"never"}"#,
    ];
    for status in [200u16, 201, 204, 400, 401, 403, 429, 500, 503] {
        for body in bodies {
            let response = Response {
                status,
                headers: vec![
                    ("ms-cv".to_string(), "cv.1".to_string()),
                    ("x-ms-client-request-id".to_string(), "id-1".to_string()),
                ],
                body: body.to_vec(),
            };
            for result in [
                operations::parse_create_user_response(&response).map(|u| format!("{u:?}")),
                operations::parse_create_user_and_token_response(&response)
                    .map(|u| format!("{u:?}")),
                operations::parse_token_response(&response).map(|t| format!("{t:?}")),
                operations::parse_empty_response(&response).map(|t| format!("{t:?}")),
                operations::parse_get_user_response(&response).map(|t| format!("{t:?}")),
            ] {
                match result {
                    Ok(text) => c.clean("parsed response", &text),
                    Err(e) => c.error("response error", &e),
                }
            }
        }
    }
    for token in [
        "",
        "a.b",
        "a.!!.c",
        "a.bnVsbA.c",
        &format!("a.{}.c", URL_SAFE_NO_PAD.encode(r#"{"exp":"x"}"#)),
    ] {
        let e = access_token::decode(token).unwrap_err();
        c.error("token decoding", &e);
    }
}

// ---- the client loop with a transport that fails in every way --------------------------------------

enum Step {
    Respond(u16, &'static str),
    Network,
    Stall,
    Abort,
}

struct Env {
    now: Cell<i64>,
}

impl Environment for Env {
    type Signal = Cell<bool>;
    fn now_unix_ms(&self) -> i64 {
        self.now.get()
    }
    async fn sleep(&self, ms: u64, _signal: Option<&Cell<bool>>) {
        self.now.set(self.now.get() + ms as i64);
    }
    fn random(&self) -> f64 {
        0.5
    }
    fn fill_random(&self, out: &mut [u8]) {
        out.fill(7);
    }
}

struct Scripted<'a> {
    env: &'a Env,
    steps: RefCell<VecDeque<Step>>,
    sent: RefCell<Vec<HttpRequest>>,
}

impl Transport<Cell<bool>> for &Scripted<'_> {
    type Body = Vec<u8>;
    async fn send(
        &self,
        request: &HttpRequest,
        timeout_ms: Option<u64>,
        signal: Option<&Cell<bool>>,
    ) -> acs_identity_edge::Result<Response<Vec<u8>>> {
        self.sent.borrow_mut().push(request.clone());
        match self.steps.borrow_mut().pop_front() {
            Some(Step::Respond(status, body)) => Ok(Response {
                status,
                headers: vec![("ms-cv".into(), "cv.2".into())],
                body: body.as_bytes().to_vec(),
            }),
            Some(Step::Network) | None => Err(Error::new(ErrorKind::Network, "connection reset")),
            Some(Step::Stall) => {
                self.env
                    .now
                    .set(self.env.now.get() + timeout_ms.unwrap_or(60_000) as i64);
                Err(Error::new(ErrorKind::Timeout, "timed out"))
            }
            Some(Step::Abort) => {
                if let Some(s) = signal {
                    s.set(true);
                }
                Err(Error::new(ErrorKind::Aborted, "aborted"))
            }
        }
    }
}

#[test]
fn client_errors_and_debug_never_hold_the_key() {
    let c = Checker::new(KEY_TEXT.as_bytes());
    let cs = format!(
        "endpoint=https://contoso.communication.azure.com/;accesskey={}",
        key_b64()
    );
    let scripts: Vec<(Vec<Step>, Option<u64>, ErrorKind)> = vec![
        (
            vec![Step::Network, Step::Network, Step::Network, Step::Network],
            None,
            ErrorKind::Network,
        ),
        (vec![Step::Stall], Some(5_000), ErrorKind::Timeout),
        (vec![Step::Abort], None, ErrorKind::Aborted),
        (
            vec![Step::Respond(
                401,
                r#"{"error":{"code":"Denied","message":"Request signature is not valid."}}"#,
            )],
            None,
            ErrorKind::Service,
        ),
        (
            vec![
                Step::Respond(500, ""),
                Step::Respond(503, "<html>"),
                Step::Respond(503, ""),
                Step::Respond(500, ""),
            ],
            None,
            ErrorKind::Service,
        ),
        (
            vec![Step::Respond(201, "{")],
            None,
            ErrorKind::InvalidResponse,
        ),
        (
            vec![Step::Respond(201, "<html>hi</html>")],
            None,
            ErrorKind::InvalidResponse,
        ),
    ];
    for (steps, timeout, kind) in scripts {
        let env = Env {
            now: Cell::new(1_649_873_352_000),
        };
        let transport = Scripted {
            env: &env,
            steps: RefCell::new(steps.into_iter().collect()),
            sent: RefCell::new(vec![]),
        };
        let options = ClientOptions {
            timeout_ms: timeout,
            ..ClientOptions::default()
        };
        let client = IdentityClient::new(&cs, options.clone(), &transport, &env).unwrap();
        c.clean("IdentityClient", &format!("{client:?} {client:#?}"));
        c.clean("ClientOptions", &format!("{options:?}"));
        let signal = Cell::new(false);
        let call = CallOptions {
            timeout_ms: None,
            signal: Some(&signal),
        };
        let e = pollster::block_on(client.create_user(&CreateUserOptions::default(), call))
            .unwrap_err();
        assert_eq!(e.kind(), kind, "{e:?}");
        c.error("client error", &e);
        for request in transport.sent.borrow().iter() {
            c.clean("HttpRequest", &format!("{request:?}"));
        }
    }
    // Construction failures.
    let env = Env { now: Cell::new(0) };
    let transport = Scripted {
        env: &env,
        steps: RefCell::new(VecDeque::new()),
        sent: RefCell::new(vec![]),
    };
    for (input, options) in [
        (
            format!("endpoint=http://contoso.example/;accesskey={}", key_b64()),
            ClientOptions::default(),
        ),
        (
            cs.clone(),
            ClientOptions {
                api_version: "2023-10-01&x=1".into(),
                ..ClientOptions::default()
            },
        ),
        (
            cs.clone(),
            ClientOptions {
                timeout_ms: Some(0),
                ..ClientOptions::default()
            },
        ),
        (
            cs.clone(),
            ClientOptions {
                user_agent_prefix: Some("a\nb".into()),
                ..ClientOptions::default()
            },
        ),
        (
            format!("endpoint=https://x/;accesskey={}!", key_b64()),
            ClientOptions::default(),
        ),
    ] {
        let e = IdentityClient::new(&input, options, &transport, &env).unwrap_err();
        c.error("client construction", &e);
    }
    assert!(c.checked.get() > 50);
}

#[test]
fn errors_keep_their_cause_and_the_cause_holds_no_key() {
    use std::error::Error as _;
    let checker = Checker::new(KEY_TEXT.as_bytes());
    // A key that is not base64: the decoder's error is the cause.
    let bad_key = format!("{}!", key_b64());
    let e = ConnectionString::parse(&format!(
        "endpoint=https://contoso.communication.azure.com/;accesskey={bad_key}"
    ))
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidConnectionString);
    let cause = e.source().expect("the base64 error is kept");
    checker.clean("the cause of a bad key", &cause.to_string());
    checker.clean("the cause of a bad key", &format!("{cause:?}"));
    checker.clean("a bad key's error", &format!("{e:?}"));
    // A token payload that is not base64url.
    let e = access_token::decode("a.!!!.c").unwrap_err();
    assert!(e.source().is_some());
    // A caller's transport error, kept as the cause of a network error.
    let io = std::io::Error::new(
        std::io::ErrorKind::ConnectionReset,
        "connection reset by peer",
    );
    let e = Error::new(ErrorKind::Network, "the request could not be completed").with_source(io);
    assert_eq!(e.source().unwrap().to_string(), "connection reset by peer");
    // Errors without a cause say so; equality does not look at the cause.
    assert!(Error::new(ErrorKind::Timeout, "t").source().is_none());
    assert_eq!(
        e,
        Error::new(ErrorKind::Network, "the request could not be completed")
    );
}

/// A JWT-shaped token (header `{"alg":"HS256","typ":"JWT"}`) whose payload names `what`.
fn jwt(what: &str) -> String {
    format!(
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.{}.{}",
        URL_SAFE_NO_PAD.encode(format!(r#"{{"canary":"{what}"}}"#)),
        URL_SAFE_NO_PAD.encode(format!("{what}, signed"))
    )
}

#[test]
fn debug_never_shows_a_signature_a_token_or_a_body_with_one() {
    use acs_identity_edge::json::{self, ObjectWriter};
    use acs_identity_edge::operations::{GetTokenForTeamsUser, Operation};
    let key = AccessKey::from_base64(&key_b64()).unwrap();
    let teams_token = jwt("teams-user-entra-token");
    let acs_token = jwt("issued-acs-token");
    let bearer = jwt("bearer-of-the-client");
    let signed = signing::sign(
        &key,
        "POST",
        "https://contoso.communication.azure.com/teamsUser/:exchangeAccessToken?api-version=2023-10-01",
        b"{}",
        1_649_873_352,
    )
    .unwrap();
    let signature = signed
        .authorization
        .split_once("&Signature=")
        .unwrap()
        .1
        .to_string();
    assert!(signature.len() >= 40, "{signature}");
    let secrets = [
        ("the signature", Checker::new(signature.as_bytes())),
        (
            "the Teams user's token",
            Checker::new(teams_token.as_bytes()),
        ),
        ("an issued token", Checker::new(acs_token.as_bytes())),
        ("a bearer token", Checker::new(bearer.as_bytes())),
        ("the access key", Checker::new(KEY_TEXT.as_bytes())),
    ];
    let mut shown: Vec<(&str, String)> = Vec::new();
    let mut debug = |what: &'static str, text: String| shown.push((what, text));

    debug("SignedHeaders", format!("{signed:?} {signed:#?}"));
    let teams = GetTokenForTeamsUserOptions {
        teams_user_aad_token: teams_token.clone(),
        client_id: "0e3b2a3c-6c39-4b52-9d4f-2b3f5a1c7d10".into(),
        user_object_id: "5f0f2ce8-0d6f-4ad4-9a0d-3b5cf6d0f2a1".into(),
    };
    let request = GetTokenForTeamsUser::request(operations::DEFAULT_API_VERSION, &teams).unwrap();
    assert!(String::from_utf8_lossy(&request.body).contains(&teams_token));
    debug("operations::Request", format!("{request:?} {request:#?}"));
    let http = HttpRequest {
        method: "POST".into(),
        url: "https://contoso.communication.azure.com/teamsUser/:exchangeAccessToken".into(),
        headers: vec![("authorization".into(), signed.authorization.clone())],
        body: request.body.clone(),
        string_to_sign: Some(signed.string_to_sign.clone()),
    };
    debug("HttpRequest (HMAC)", format!("{http:?} {http:#?}"));
    let http = HttpRequest {
        headers: vec![("authorization".into(), format!("Bearer {bearer}"))],
        ..http
    };
    debug("HttpRequest (bearer)", format!("{http:?} {http:#?}"));
    let headers = [
        ("authorization", signed.authorization.as_str()),
        ("x-ms-date", signed.x_ms_date.as_str()),
    ];
    let received = ReceivedRequest {
        method: "POST",
        path_and_query: "/teamsUser/:exchangeAccessToken?api-version=2023-10-01",
        host: "contoso.communication.azure.com",
        headers: &headers,
        body: &request.body,
    };
    debug("ReceivedRequest", format!("{received:?} {received:#?}"));
    let body = format!(r#"{{"token":"{acs_token}","expiresOn":"2030-01-01T00:00:00Z"}}"#);
    let response = Response {
        status: 200,
        headers: vec![("content-type".to_string(), "application/json".to_string())],
        body: body.clone(),
    };
    debug("Response<String>", format!("{response:?} {response:#?}"));
    let value = json::parse(&body).unwrap();
    debug("json::Value", format!("{value:?} {value:#?}"));
    let nested = json::parse(&format!(
        r#"{{"identity":{{"id":"8:acs:x"}},"accessToken":{{"token":"{acs_token}"}},"note":["Bearer {bearer}"]}}"#
    ))
    .unwrap();
    debug("json::Value (nested)", format!("{nested:?}"));
    let mut writer = ObjectWriter::new();
    writer.string("token", &teams_token);
    debug("ObjectWriter", format!("{writer:?} {writer:#?}"));
    let token = operations::GetTokenForTeamsUser::parse_response(&response).unwrap();
    debug("AccessToken", format!("{token:?} {token:#?}"));

    let mut leaks = Vec::new();
    for (what, text) in &shown {
        for (secret, checker) in &secrets {
            if let Some(f) = checker.find(text) {
                leaks.push(format!("{what} shows {secret} (as {f:?})"));
            }
        }
    }
    assert!(leaks.is_empty(), "{leaks:#?}");
    assert_eq!(shown.len(), 10);
    // What stays visible: the scheme and SignedHeaders, the status, the header names, the shape.
    let visible = |what: &str, part: &str| {
        let (_, text) = shown.iter().find(|(w, _)| *w == what).unwrap();
        assert!(text.contains(part), "{what} does not show {part:?}: {text}");
    };
    let hmac = "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=<redacted>";
    visible("SignedHeaders", hmac);
    visible("ReceivedRequest", hmac);
    visible("HttpRequest (bearer)", "Bearer");
    visible("operations::Request", "/teamsUser/:exchangeAccessToken");
    visible("Response<String>", "content-type");
    visible("json::Value", "2030-01-01T00:00:00Z");
    visible("json::Value (nested)", "8:acs:x");
}
