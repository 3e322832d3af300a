//! The client loop against a scripted in-memory transport and a virtual clock: signing (checked by the
//! strict verifier with the same key, and byte for byte against the JS SDK's captured requests), retries,
//! timeouts, cancellation, request ids and the refusal of plain http.

use acs_identity_edge::client::{
    CallOptions, ClientOptions, Environment, HttpRequest, IdentityClient, Transport, USER_AGENT,
};
use acs_identity_edge::connection_string::{AccessKey, ConnectionString, Endpoint};
use acs_identity_edge::credential::{Attempt, Credential, KeyCredential};
use acs_identity_edge::operations::{
    CreateUserAndTokenOptions, CreateUserOptions, GetTokenForTeamsUserOptions, GetTokenOptions,
    Response, UserOptions,
};
use acs_identity_edge::retry::RetryOptions;
use acs_identity_edge::signing::{self, ReceivedRequest};
use acs_identity_edge::{date, Error, ErrorKind};
use pollster::block_on;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

const KEY_B64: &str = "68810419818922fb0263dd6ee4b9c56537dbad914aa7324a119fce26778a286e";
const CS: &str = "endpoint=https://contoso.communication.azure.com/;accesskey=68810419818922fb0263dd6ee4b9c56537dbad914aa7324a119fce26778a286e";
const T0: i64 = 1_649_873_352_000; // Wed, 13 Apr 2022 18:09:12 GMT
const USER: &str =
    "8:acs:2dee53b4-368b-45b4-ab52-8493fb117652_00000005-14a2-493b-8a72-5a3a0d000081";

/// One scripted answer of the transport.
enum Step {
    /// Answer after `took_ms` of virtual time.
    Respond {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: &'static str,
        took_ms: i64,
    },
    /// The connection failed.
    NetworkError,
    /// The server never answered: the transport waits out the budget it was given.
    Stall,
    /// The signal is raised while the request is in flight; the transport then fails.
    AbortInFlight,
}

fn respond(status: u16, body: &'static str) -> Step {
    Step::Respond {
        status,
        headers: vec![],
        body,
        took_ms: 20,
    }
}

fn respond_with(status: u16, headers: &[(&'static str, &str)], body: &'static str) -> Step {
    Step::Respond {
        status,
        headers: headers.iter().map(|(n, v)| (*n, v.to_string())).collect(),
        body,
        took_ms: 20,
    }
}

/// A sent request, when it was sent and with how much time left.
struct Sent {
    request: HttpRequest,
    at_ms: i64,
    timeout_ms: Option<u64>,
}

struct Env {
    now: Cell<i64>,
    sleeps: RefCell<Vec<u64>>,
    random: f64,
    counter: Cell<u8>,
    abort_on_sleep: Cell<bool>,
    aborted: Cell<bool>,
}

impl Env {
    fn new() -> Env {
        Env {
            now: Cell::new(T0),
            sleeps: RefCell::new(Vec::new()),
            random: 0.5,
            counter: Cell::new(0),
            abort_on_sleep: Cell::new(false),
            aborted: Cell::new(false),
        }
    }
}

impl Environment for Env {
    type Signal = Cell<bool>;

    fn now_unix_ms(&self) -> i64 {
        self.now.get()
    }

    async fn sleep(&self, ms: u64, signal: Option<&Cell<bool>>) {
        self.sleeps.borrow_mut().push(ms);
        if self.abort_on_sleep.get() {
            if let Some(s) = signal {
                s.set(true);
            }
            return;
        }
        self.now.set(self.now.get() + ms as i64);
    }

    fn random(&self) -> f64 {
        self.random
    }

    fn fill_random(&self, out: &mut [u8]) {
        for b in out.iter_mut() {
            self.counter.set(self.counter.get().wrapping_add(37));
            *b = self.counter.get();
        }
    }

    fn is_aborted(&self) -> bool {
        self.aborted.get()
    }
}

struct Scripted<'e> {
    env: &'e Env,
    steps: RefCell<VecDeque<Step>>,
    sent: RefCell<Vec<Sent>>,
}

impl<'e> Scripted<'e> {
    fn new(env: &'e Env, steps: Vec<Step>) -> Self {
        Scripted {
            env,
            steps: RefCell::new(steps.into()),
            sent: RefCell::new(Vec::new()),
        }
    }
}

impl Transport<Cell<bool>> for Scripted<'_> {
    type Body = Vec<u8>;

    async fn send(
        &self,
        request: &HttpRequest,
        timeout_ms: Option<u64>,
        signal: Option<&Cell<bool>>,
    ) -> acs_identity_edge::Result<Response<Vec<u8>>> {
        self.sent.borrow_mut().push(Sent {
            request: request.clone(),
            at_ms: self.env.now.get(),
            timeout_ms,
        });
        let step = self
            .steps
            .borrow_mut()
            .pop_front()
            .expect("an unscripted request was sent");
        match step {
            Step::Respond {
                status,
                headers,
                body,
                took_ms,
            } => {
                self.env.now.set(self.env.now.get() + took_ms);
                Ok(Response {
                    status,
                    headers: headers
                        .into_iter()
                        .map(|(n, v)| (n.to_string(), v))
                        .collect(),
                    body: body.as_bytes().to_vec(),
                })
            }
            Step::NetworkError => Err(Error::new(ErrorKind::Network, "connection reset")),
            Step::Stall => {
                let budget = timeout_ms.expect("a stall needs a timeout");
                self.env.now.set(self.env.now.get() + budget as i64);
                Err(Error::new(ErrorKind::Timeout, "no answer in time"))
            }
            Step::AbortInFlight => {
                if let Some(s) = signal {
                    s.set(true);
                }
                Err(Error::new(ErrorKind::Network, "the fetch was aborted"))
            }
        }
    }
}

fn client<'e>(
    env: &'e Env,
    steps: Vec<Step>,
    options: ClientOptions,
) -> IdentityClient<Scripted<'e>, &'e Env> {
    IdentityClient::new(CS, options, Scripted::new(env, steps), env).unwrap()
}

fn none<'a>() -> CallOptions<'a, Cell<bool>> {
    CallOptions::default()
}

const USER_BODY: &str = r#"{"identity":{"id":"8:acs:r_u"}}"#;
const TOKEN_BODY: &str =
    r#"{"token":"eyJ.eyJ.sig","expiresOn":"2022-04-14T18:09:12.0000000+00:00"}"#;
const THROTTLED: &str = r#"{"error":{"code":"TooManyRequests","message":"Rate limit exceeded."}}"#;

/// Checks a sent request with the server-side verifier, as the service would at `at_ms`.
fn verify(sent: &Sent) {
    let key = AccessKey::from_base64(KEY_B64).unwrap();
    let url = &sent.request.url;
    let target = signing::RequestTarget::from_url(url).unwrap();
    let headers: Vec<(&str, &str)> = sent
        .request
        .headers
        .iter()
        .map(|(n, v)| (n.as_ref(), v.as_str()))
        .collect();
    let received = ReceivedRequest {
        method: &sent.request.method,
        path_and_query: &target.path_and_query,
        host: &target.host,
        headers: &headers,
        body: &sent.request.body,
    };
    signing::verify(&key, &received, sent.at_ms / 1000, 0).unwrap();
    // A different key fails.
    let other = AccessKey::from_bytes(b"another key".to_vec());
    assert_eq!(
        signing::verify(&other, &received, sent.at_ms / 1000, 0),
        Err(signing::VerifyFailure::Signature)
    );
}

fn is_uuid_v4(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit() && !c.is_ascii_uppercase(),
        })
        && b[14] == b'4'
        && matches!(b[19], b'8' | b'9' | b'a' | b'b')
}

#[test]
fn a_call_is_signed_identified_and_verifiable() {
    let env = Env::new();
    let c = client(
        &env,
        vec![respond(201, USER_BODY)],
        ClientOptions::default(),
    );
    let user = block_on(c.create_user(&CreateUserOptions::default(), none())).unwrap();
    assert_eq!(user.id, "8:acs:r_u");
    let sent = c.transport().sent.borrow();
    assert_eq!(sent.len(), 1);
    let r = &sent[0].request;
    assert_eq!(r.method, "POST");
    assert_eq!(
        r.url,
        "https://contoso.communication.azure.com/identities?api-version=2023-10-01"
    );
    assert!(r.body.is_empty());
    assert_eq!(r.header("accept"), Some("application/json"));
    assert_eq!(r.header("content-type"), None);
    assert_eq!(r.header("user-agent"), Some(USER_AGENT));
    assert!(USER_AGENT.starts_with("acs-identity-edge/"));
    assert!(is_uuid_v4(r.header("x-ms-client-request-id").unwrap()));
    assert_eq!(r.header("x-ms-date"), Some("Wed, 13 Apr 2022 18:09:12 GMT"));
    assert_eq!(
        r.header("x-ms-content-sha256"),
        Some(signing::content_hash(b"").as_str())
    );
    assert!(r
        .header("authorization")
        .unwrap()
        .starts_with("HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature="));
    assert_eq!(r.header("host"), None);
    assert_eq!(sent[0].timeout_ms, None);
    verify(&sent[0]);
}

#[test]
fn requests_are_byte_identical_to_the_js_sdk_for_the_same_inputs_and_clock() {
    let path = format!(
        "{}/tests/data/vectors/signing.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let vector = |id: &str| {
        v["requests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap()
            .clone()
    };
    let mut checked = 0;
    for id in [
        "js-issue-token",
        "js-issue-token-port",
        "js-create-user-and-token",
        "js-revoke",
        "js-delete-port",
    ] {
        let vec = vector(id);
        let url = vec["url"].as_str().unwrap();
        let endpoint = &url[..url.find("/identities").unwrap()];
        let cs = format!(
            "endpoint={endpoint};accesskey={}",
            vec["access_key"].as_str().unwrap()
        );
        let env = Env::new();
        env.now.set(vec["unix_time"].as_i64().unwrap() * 1000 + 999);
        let steps = vec![respond(
            201,
            r#"{"identity":{"id":"8:acs:x"},"accessToken":{"token":"t","expiresOn":"2022-04-14T18:09:12Z"}}"#,
        )];
        let steps = match id {
            "js-revoke" | "js-delete-port" => vec![respond(204, "")],
            "js-create-user-and-token" => steps,
            _ => vec![respond(200, TOKEN_BODY)],
        };
        let c = IdentityClient::new(
            &cs,
            ClientOptions::default(),
            Scripted::new(&env, steps),
            &env,
        )
        .unwrap();
        let user = UserOptions {
            user_id: USER.into(),
        };
        match id {
            "js-create-user-and-token" => {
                block_on(c.create_user_and_token(
                    &CreateUserAndTokenOptions {
                        scopes: vec!["chat".into(), "voip".into()],
                        ..Default::default()
                    },
                    none(),
                ))
                .unwrap();
            }
            "js-revoke" => block_on(c.revoke_tokens(&user, none())).unwrap(),
            "js-delete-port" => block_on(c.delete_user(&user, none())).unwrap(),
            _ => {
                block_on(c.get_token(
                    &GetTokenOptions {
                        user_id: USER.into(),
                        scopes: vec!["voip".into()],
                        expires_in_minutes: Some(60),
                    },
                    none(),
                ))
                .unwrap();
            }
        }
        let sent = c.transport().sent.borrow();
        let r = &sent[0].request;
        assert_eq!(r.url, url, "{id}");
        assert_eq!(r.method, vec["method"].as_str().unwrap(), "{id}");
        assert_eq!(
            r.body,
            vec["body"].as_str().unwrap_or("").as_bytes(),
            "{id}"
        );
        assert_eq!(r.header("x-ms-date").unwrap(), vec["x_ms_date"], "{id}");
        assert_eq!(
            r.header("x-ms-content-sha256").unwrap(),
            vec["content_sha256"],
            "{id}"
        );
        assert_eq!(
            r.header("authorization").unwrap(),
            vec["authorization"],
            "{id}"
        );
        checked += 1;
    }
    assert_eq!(checked, 5);
}

#[test]
fn retries_429_after_retry_after_seconds_and_re_signs_with_a_fresh_date() {
    let env = Env::new();
    let c = client(
        &env,
        vec![
            respond_with(429, &[("Retry-After", "2")], THROTTLED),
            respond(201, USER_BODY),
        ],
        ClientOptions::default(),
    );
    block_on(c.create_user(&CreateUserOptions::default(), none())).unwrap();
    assert_eq!(*env.sleeps.borrow(), [2_000]);
    let sent = c.transport().sent.borrow();
    assert_eq!(sent.len(), 2);
    assert_eq!(
        sent[0].request.header("x-ms-date"),
        Some("Wed, 13 Apr 2022 18:09:12 GMT")
    );
    assert_eq!(
        sent[1].request.header("x-ms-date"),
        Some("Wed, 13 Apr 2022 18:09:14 GMT")
    );
    assert_ne!(
        sent[0].request.header("authorization"),
        sent[1].request.header("authorization")
    );
    // One call, one request id, on every attempt.
    assert_eq!(
        sent[0].request.header("x-ms-client-request-id"),
        sent[1].request.header("x-ms-client-request-id")
    );
    for s in sent.iter() {
        verify(s);
    }
    // The first request's signature is stale for the service's clock at the second attempt.
    let key = AccessKey::from_base64(KEY_B64).unwrap();
    let h: Vec<(&str, &str)> = sent[0]
        .request
        .headers
        .iter()
        .map(|(n, v)| (n.as_ref(), v.as_str()))
        .collect();
    let stale = ReceivedRequest {
        method: "POST",
        path_and_query: "/identities?api-version=2023-10-01",
        host: "contoso.communication.azure.com",
        headers: &h,
        body: b"",
    };
    assert_eq!(
        signing::verify(&key, &stale, sent[1].at_ms / 1000, 1),
        Err(signing::VerifyFailure::ClockSkew)
    );
}

#[test]
fn retries_429_after_an_http_date() {
    let env = Env::new();
    let at = date::format_imf_fixdate(T0 / 1000 + 5).unwrap();
    let c = client(
        &env,
        vec![
            respond_with(429, &[("retry-after", &at)], THROTTLED),
            respond(200, TOKEN_BODY),
        ],
        ClientOptions::default(),
    );
    let t = block_on(c.get_token(
        &GetTokenOptions {
            user_id: USER.into(),
            scopes: vec!["chat".into()],
            expires_in_minutes: None,
        },
        none(),
    ))
    .unwrap();
    assert_eq!(t.token, "eyJ.eyJ.sig");
    // The date is 5 s after the first attempt started; the answer took 20 ms.
    assert_eq!(*env.sleeps.borrow(), [4_980]);
}

#[test]
fn retries_503_and_network_errors_with_backoff() {
    let env = Env::new();
    let c = client(
        &env,
        vec![
            respond(503, ""),
            Step::NetworkError,
            respond(502, "<html>"),
            respond(201, USER_BODY),
        ],
        ClientOptions::default(),
    );
    block_on(c.create_user(&CreateUserOptions::default(), none())).unwrap();
    let sleeps = env.sleeps.borrow().clone();
    assert_eq!(sleeps.len(), 3);
    for (i, (low, high)) in [(400, 800), (800, 1_600), (1_600, 3_200)]
        .into_iter()
        .enumerate()
    {
        assert!((low..=high).contains(&sleeps[i]), "{i}: {}", sleeps[i]);
    }
    assert_eq!(c.transport().sent.borrow().len(), 4);
}

#[test]
fn max_retries_reached_gives_the_last_error() {
    let env = Env::new();
    let c = client(
        &env,
        vec![
            respond(503, ""),
            respond(503, ""),
            respond(503, ""),
            respond_with(
                503,
                &[("MS-CV", "cv.1")],
                r#"{"error":{"code":"ServiceUnavailable","message":"Try later."}}"#,
            ),
        ],
        ClientOptions::default(),
    );
    let e = block_on(c.create_user(&CreateUserOptions::default(), none())).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Service);
    assert_eq!(e.status(), Some(503));
    let s = e.service_error().unwrap();
    assert_eq!(s.code.as_deref(), Some("ServiceUnavailable"));
    assert_eq!(s.ms_cv.as_deref(), Some("cv.1"));
    // The service did not echo the request id: the error carries the one that was sent.
    let sent = c.transport().sent.borrow();
    assert_eq!(
        s.request_id.as_deref(),
        sent[0].request.header("x-ms-client-request-id")
    );
    assert_eq!(sent.len(), 4);
    assert_eq!(env.sleeps.borrow().len(), 3);

    let env = Env::new();
    let opts = ClientOptions {
        retry: RetryOptions {
            max_retries: 1,
            ..Default::default()
        },
        ..Default::default()
    };
    let c = client(&env, vec![Step::NetworkError, Step::NetworkError], opts);
    let e = block_on(c.create_user(&CreateUserOptions::default(), none())).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network);
    assert_eq!(c.transport().sent.borrow().len(), 2);
}

#[test]
fn errors_that_retrying_cannot_fix_are_returned_at_once() {
    let env = Env::new();
    let c = client(
        &env,
        vec![respond_with(
            400,
            &[("x-ms-client-request-id", "echoed"), ("ms-cv", "cv")],
            r#"{"error":{"code":"ValidationError","message":"ExpiresInMinutes value 59 is invalid.","target":"ExpiresInMinutes"}}"#,
        )],
        ClientOptions::default(),
    );
    let e = block_on(c.create_user(&CreateUserOptions::default(), none())).unwrap_err();
    assert_eq!(e.status(), Some(400));
    assert_eq!(e.target(), Some("ExpiresInMinutes"));
    assert_eq!(
        e.service_error().unwrap().request_id.as_deref(),
        Some("echoed")
    );
    assert!(env.sleeps.borrow().is_empty());

    // A success that cannot be read is not retried either.
    let env = Env::new();
    let c = client(
        &env,
        vec![respond(201, "{\"nope\":1}")],
        ClientOptions::default(),
    );
    let e = block_on(c.create_user(&CreateUserOptions::default(), none())).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidResponse);
    assert_eq!(c.transport().sent.borrow().len(), 1);
}

#[test]
fn guard_rails_fail_before_anything_is_sent() {
    let env = Env::new();
    let c = client(&env, vec![], ClientOptions::default());
    let e = block_on(c.get_token(
        &GetTokenOptions {
            user_id: USER.into(),
            scopes: vec![],
            expires_in_minutes: None,
        },
        none(),
    ))
    .unwrap_err();
    assert_eq!(e.target(), Some("scopes"));
    let e = block_on(c.get_user(
        &UserOptions {
            user_id: USER.into(),
        },
        none(),
    ))
    .unwrap_err();
    assert_eq!(e.target(), Some("apiVersion"));
    let e = block_on(c.get_token_for_teams_user(&GetTokenForTeamsUserOptions::default(), none()))
        .unwrap_err();
    assert_eq!(e.target(), Some("teamsUserAadToken"));
    assert!(c.transport().sent.borrow().is_empty());
}

#[test]
fn the_timeout_bounds_the_whole_call() {
    // A server that never answers: the transport gets the whole budget, then the call times out.
    let env = Env::new();
    let opts = ClientOptions {
        timeout_ms: Some(5_000),
        ..Default::default()
    };
    let c = client(&env, vec![Step::Stall], opts);
    let e = block_on(c.create_user(&CreateUserOptions::default(), none())).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert_eq!(e.code(), "ERR_TIMEOUT");
    assert_eq!(c.transport().sent.borrow()[0].timeout_ms, Some(5_000));

    // Attempts and waits use up the budget; each attempt gets what is left.
    let env = Env::new();
    let slow_503 = || Step::Respond {
        status: 503,
        headers: vec![],
        body: "",
        took_ms: 1_000,
    };
    let c = client(
        &env,
        vec![slow_503(), slow_503(), Step::Stall],
        ClientOptions::default(),
    );
    let call = CallOptions {
        timeout_ms: Some(4_000),
        signal: None,
    };
    let e = block_on(c.create_user(&CreateUserOptions::default(), call)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    let sent = c.transport().sent.borrow();
    let sleeps = env.sleeps.borrow();
    assert_eq!(sent.len(), 3);
    assert_eq!(sent[0].timeout_ms, Some(4_000));
    assert_eq!(sent[1].timeout_ms, Some(4_000 - 1_000 - sleeps[0]));
    assert_eq!(
        sent[2].timeout_ms,
        Some(4_000 - 2_000 - sleeps[0] - sleeps[1])
    );
    assert_eq!(env.now.get(), T0 + 4_000);

    // A wait that would outlast the budget ends the call with the answer in hand.
    let env = Env::new();
    let c = client(
        &env,
        vec![respond_with(429, &[("Retry-After", "10")], THROTTLED)],
        ClientOptions::default(),
    );
    let call = CallOptions {
        timeout_ms: Some(3_000),
        signal: None,
    };
    let e = block_on(c.create_user(&CreateUserOptions::default(), call)).unwrap_err();
    assert_eq!(e.status(), Some(429));
    assert_eq!(
        e.service_error().unwrap().code.as_deref(),
        Some("TooManyRequests")
    );
    assert!(env.sleeps.borrow().is_empty());
}

#[test]
fn an_aborted_call_stops() {
    // Aborted before it starts: nothing is sent.
    let env = Env::new();
    let c = client(&env, vec![], ClientOptions::default());
    let signal = Cell::new(true);
    let call = CallOptions {
        timeout_ms: None,
        signal: Some(&signal),
    };
    let e = block_on(c.create_user(&CreateUserOptions::default(), call)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Aborted);
    assert_eq!(e.code(), "ERR_ABORTED");
    assert!(c.transport().sent.borrow().is_empty());

    // Aborted while waiting to retry.
    let env = Env::new();
    env.abort_on_sleep.set(true);
    let c = client(
        &env,
        vec![respond(503, ""), respond(201, USER_BODY)],
        ClientOptions::default(),
    );
    let signal = Cell::new(false);
    let call = CallOptions {
        timeout_ms: None,
        signal: Some(&signal),
    };
    let e = block_on(c.create_user(&CreateUserOptions::default(), call)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Aborted);
    assert_eq!(c.transport().sent.borrow().len(), 1);

    // Aborted in flight: the transport's failure is reported as the abort, not retried.
    let env = Env::new();
    let c = client(
        &env,
        vec![Step::AbortInFlight, respond(201, USER_BODY)],
        ClientOptions::default(),
    );
    let signal = Cell::new(false);
    let call = CallOptions {
        timeout_ms: None,
        signal: Some(&signal),
    };
    let e = block_on(c.create_user(&CreateUserOptions::default(), call)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Aborted);
    assert_eq!(c.transport().sent.borrow().len(), 1);

    // The environment aborts every call.
    let env = Env::new();
    env.aborted.set(true);
    let c = client(&env, vec![], ClientOptions::default());
    let e = block_on(c.delete_user(
        &UserOptions {
            user_id: USER.into(),
        },
        none(),
    ))
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Aborted);
}

#[test]
fn request_ids_differ_per_call() {
    let env = Env::new();
    let c = client(
        &env,
        vec![respond(204, ""), respond(204, ""), respond(204, "")],
        ClientOptions::default(),
    );
    let user = UserOptions {
        user_id: USER.into(),
    };
    for _ in 0..3 {
        block_on(c.revoke_tokens(&user, none())).unwrap();
    }
    let sent = c.transport().sent.borrow();
    let ids: Vec<&str> = sent
        .iter()
        .map(|s| s.request.header("x-ms-client-request-id").unwrap())
        .collect();
    assert!(ids.iter().all(|id| is_uuid_v4(id)), "{ids:?}");
    assert!(
        ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2],
        "{ids:?}"
    );
}

#[test]
fn plain_http_is_refused_off_loopback() {
    let env = Env::new();
    let make = |endpoint: &str, allow: bool| {
        let cs = format!("endpoint={endpoint};accesskey={KEY_B64}");
        let opts = ClientOptions {
            allow_insecure_connection: allow,
            ..Default::default()
        };
        IdentityClient::new(&cs, opts, Scripted::new(&env, vec![]), &env).map(|_| ())
    };
    for endpoint in [
        "http://contoso.communication.azure.com",
        "http://10.0.0.1:8080",
        "http://127.example.com",
        "http://[::2]",
    ] {
        let e = make(endpoint, false).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{endpoint}");
        assert_eq!(e.target(), Some("endpoint"), "{endpoint}");
        assert!(!e.message().contains(KEY_B64));
        make(endpoint, true).unwrap();
    }
    for endpoint in [
        "http://localhost:8080",
        "http://127.0.0.1",
        "http://127.1.2.3:9",
        "http://[::1]:8443",
        "https://contoso.communication.azure.com",
    ] {
        make(endpoint, false).unwrap();
    }
}

#[test]
fn options_are_checked_and_the_user_agent_named() {
    let env = Env::new();
    let opts = ClientOptions {
        user_agent_prefix: Some("token-service/2.1".into()),
        ..Default::default()
    };
    let c = client(&env, vec![respond(201, USER_BODY)], opts);
    assert_eq!(c.user_agent(), format!("token-service/2.1 {USER_AGENT}"));
    block_on(c.create_user(&CreateUserOptions::default(), none())).unwrap();
    assert_eq!(
        c.transport().sent.borrow()[0].request.header("user-agent"),
        Some(
            format!(
                "token-service/2.1 acs-identity-edge/{}",
                env!("CARGO_PKG_VERSION")
            )
            .as_str()
        )
    );
    let bad = [
        (
            ClientOptions {
                user_agent_prefix: Some("x\r\ny: z".into()),
                ..Default::default()
            },
            "userAgentPrefix",
        ),
        (
            ClientOptions {
                api_version: "2023-10-01&evil".into(),
                ..Default::default()
            },
            "apiVersion",
        ),
        (
            ClientOptions {
                timeout_ms: Some(0),
                ..Default::default()
            },
            "timeoutMs",
        ),
    ];
    for (opts, target) in bad {
        let e = IdentityClient::new(CS, opts, Scripted::new(&env, vec![]), &env).unwrap_err();
        assert_eq!(e.target(), Some(target));
    }
    let e = IdentityClient::new(
        "endpoint=https://x.com;accesskey=",
        ClientOptions::default(),
        Scripted::new(&env, vec![]),
        &env,
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidConnectionString);
    // The key never shows in the client's Debug.
    let c = client(&env, vec![], ClientOptions::default());
    assert!(!format!("{c:?}").contains(KEY_B64));
    let _ = ConnectionString::parse(CS).unwrap();
}

#[test]
fn preview_operations_on_the_preview_api_version() {
    let env = Env::new();
    let opts = ClientOptions {
        api_version: "2025-03-02-preview".into(),
        ..Default::default()
    };
    let c = client(
        &env,
        vec![
            respond(
                201,
                r#"{"identity":{"customId":"alice@contoso.com","id":"8:acs:r_u"}}"#,
            ),
            respond(
                200,
                r#"{"customId":"alice@contoso.com","lastTokenIssuedAt":"2025-04-14T15:32:35+00:00","id":"8:acs:r_u"}"#,
            ),
        ],
        opts,
    );
    let created = block_on(c.create_user(
        &CreateUserOptions {
            custom_id: Some("alice@contoso.com".into()),
        },
        none(),
    ))
    .unwrap();
    let got = block_on(c.get_user(
        &UserOptions {
            user_id: created.id.clone(),
        },
        none(),
    ))
    .unwrap();
    assert_eq!(got.custom_id.as_deref(), Some("alice@contoso.com"));
    let sent = c.transport().sent.borrow();
    assert_eq!(sent[0].request.body, br#"{"customId":"alice@contoso.com"}"#);
    assert_eq!(
        sent[0].request.header("content-type"),
        Some("application/json")
    );
    assert_eq!(sent[1].request.method, "GET");
    assert_eq!(sent[1].request.url, "https://contoso.communication.azure.com/identities/8%3Aacs%3Ar_u?api-version=2025-03-02-preview");
    for s in sent.iter() {
        verify(s);
    }
}

#[test]
fn any_acs_request_can_be_signed_and_sent() {
    let env = Env::new();
    let c = client(
        &env,
        vec![respond(503, ""), respond(202, "{}")],
        ClientOptions::default(),
    );
    let headers = vec![(
        "content-type".into(),
        "application/merge-patch+json".to_string(),
    )];
    let r = block_on(c.send_raw(
        "patch".into(),
        "/chat/threads/19%3Aabc?api-version=2021-09-07&x=%6D",
        headers,
        b"{\"topic\":\"t\"}".to_vec(),
        none(),
    ))
    .unwrap();
    assert_eq!(r.status, 202);
    let sent = c.transport().sent.borrow();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[1].request.method, "PATCH");
    assert_eq!(sent[1].request.url, "https://contoso.communication.azure.com/chat/threads/19%3Aabc?api-version=2021-09-07&x=%6D");
    assert_eq!(
        sent[1].request.header("content-type"),
        Some("application/merge-patch+json")
    );
    for s in sent.iter() {
        verify(s);
    }
    // A final retryable status after the retries is returned as the response, not as an error.
    let env = Env::new();
    let opts = ClientOptions {
        retry: RetryOptions {
            max_retries: 0,
            ..Default::default()
        },
        ..Default::default()
    };
    let c = client(&env, vec![respond(503, "")], opts);
    let r = block_on(c.send_raw("GET".into(), "/x", vec![], vec![], none())).unwrap();
    assert_eq!(r.status, 503);
    let e = block_on(c.send_raw("GET".into(), "/a b", vec![], vec![], none())).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);

    // Caller headers that repeat the signing headers, in any case, are replaced, not doubled.
    let env = Env::new();
    let c = client(&env, vec![respond(200, "{}")], ClientOptions::default());
    let headers = vec![
        ("Authorization".into(), "Bearer stolen".to_string()),
        (
            "X-MS-Date".into(),
            "Thu, 01 Jan 1970 00:00:00 GMT".to_string(),
        ),
        ("User-Agent".into(), "other".to_string()),
    ];
    block_on(c.send_raw("GET".into(), "/x", headers, vec![], none())).unwrap();
    let sent = c.transport().sent.borrow();
    let names: Vec<String> = sent[0]
        .request
        .headers
        .iter()
        .map(|(n, _)| n.to_ascii_lowercase())
        .collect();
    for name in ["authorization", "x-ms-date", "user-agent"] {
        assert_eq!(names.iter().filter(|n| *n == name).count(), 1, "{name}");
    }
    assert_eq!(sent[0].request.header("user-agent"), Some(USER_AGENT));
    verify(&sent[0]);
}

#[test]
fn with_transport_reuses_the_resource_and_checks_the_new_options() {
    let env = Env::new();
    let c = client(&env, vec![], ClientOptions::default());
    let other = c
        .with_transport(
            ClientOptions {
                api_version: "2025-03-02-preview".into(),
                ..Default::default()
            },
            Scripted::new(&env, vec![respond_with(201, &[], USER_BODY)]),
            &env,
        )
        .unwrap();
    assert_eq!(other.endpoint(), c.endpoint());
    assert_eq!(other.api_version(), "2025-03-02-preview");
    // The same key signs: the request the new transport sends verifies with it.
    block_on(other.create_user(&CreateUserOptions::default(), none())).unwrap();
    let sent = other.transport().sent.borrow();
    let auth = sent[0].request.header("authorization").unwrap();
    assert!(auth.starts_with("HMAC-SHA256 SignedHeaders="), "{auth}");
    let bad = c.with_transport(
        ClientOptions {
            api_version: "2023-10-01&x=1".into(),
            ..Default::default()
        },
        Scripted::new(&env, vec![]),
        &env,
    );
    assert_eq!(bad.unwrap_err().target(), Some("apiVersion"));

    // An http client made with allowInsecureConnection does not carry it over.
    let cs = format!("endpoint=http://10.0.0.1:8080;accesskey={KEY_B64}");
    let insecure = IdentityClient::new(
        &cs,
        ClientOptions {
            allow_insecure_connection: true,
            ..Default::default()
        },
        Scripted::new(&env, vec![]),
        &env,
    )
    .unwrap();
    let e = insecure
        .with_transport(ClientOptions::default(), Scripted::new(&env, vec![]), &env)
        .unwrap_err();
    assert_eq!(e.target(), Some("endpoint"));
}

#[test]
fn a_hash_given_for_a_body_sent_elsewhere_is_signed_on_every_attempt() {
    // The JS package's signed fetch hashes a large body with WebCrypto and hands the client only its hash
    // (the body goes to fetch as it is): each attempt is signed with that hash and verifies against the
    // body it stands for.
    let env = Env::new();
    let c = client(
        &env,
        vec![respond(503, ""), respond(202, "{}")],
        ClientOptions::default(),
    );
    let body = vec![b'b'; 100_000];
    let hash = signing::content_hash(&body);
    let headers = vec![("x-ms-content-sha256".into(), hash.clone())];
    let r = block_on(c.send_raw(
        "POST".into(),
        "/emails:send?api-version=2023-03-31",
        headers,
        vec![],
        none(),
    ))
    .unwrap();
    assert_eq!(r.status, 202);
    let sent = c.transport().sent.borrow();
    assert_eq!(sent.len(), 2);
    assert_ne!(sent[0].request.header("x-ms-date"), None);
    for s in sent.iter() {
        assert!(s.request.body.is_empty());
        assert_eq!(s.request.header("x-ms-content-sha256"), Some(hash.as_str()));
        let mut request = s.request.clone();
        request.body = body.clone();
        verify(&Sent {
            request,
            at_ms: s.at_ms,
            timeout_ms: s.timeout_ms,
        });
    }
}

#[test]
fn send_raw_keeps_the_callers_request_id_on_every_attempt() {
    let env = Env::new();
    let c = client(
        &env,
        vec![respond(503, ""), respond(202, "{}")],
        ClientOptions::default(),
    );
    let mine = "b1d2f3a4-0000-4000-8000-000000000001";
    let headers = vec![("X-MS-Client-Request-Id".into(), mine.to_string())];
    let r = block_on(c.send_raw("POST".into(), "/x", headers, vec![], none())).unwrap();
    assert_eq!(r.status, 202);
    assert_eq!(r.header("x-ms-client-request-id"), Some(mine));
    let sent = c.transport().sent.borrow();
    assert_eq!(sent.len(), 2);
    for s in sent.iter() {
        let ids: Vec<&str> = s
            .request
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("x-ms-client-request-id"))
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(ids, [mine]);
        verify(s);
    }
}

/// A bearer credential as an Entra ID one will be: a token fetched (asynchronously, with the call's
/// signal) and cached, dropped when the service answers 401.
struct BearerForTest {
    fetched: Cell<u32>,
    cached: RefCell<Option<String>>,
    seen_signal: Cell<bool>,
}

impl Credential<Cell<bool>> for BearerForTest {
    async fn authorize(
        &self,
        request: &mut HttpRequest,
        attempt: &Attempt<'_, Cell<bool>>,
    ) -> acs_identity_edge::Result<()> {
        self.seen_signal
            .set(self.seen_signal.get() || attempt.signal.is_some());
        let token = self.cached.borrow().clone();
        let token = match token {
            Some(t) => t,
            None => {
                self.fetched.set(self.fetched.get() + 1);
                let t = format!("token-{}", self.fetched.get());
                *self.cached.borrow_mut() = Some(t.clone());
                t
            }
        };
        request.set_header("authorization", format!("Bearer {token}"));
        Ok(())
    }

    fn unauthorized(&self) -> bool {
        self.cached.borrow_mut().take().is_some()
    }
}

fn bearer_client<'e>(
    env: &'e Env,
    steps: Vec<Step>,
) -> IdentityClient<Scripted<'e>, &'e Env, BearerForTest> {
    IdentityClient::with_credential(
        Endpoint::parse("https://contoso.communication.azure.com").unwrap(),
        BearerForTest {
            fetched: Cell::new(0),
            cached: RefCell::new(None),
            seen_signal: Cell::new(false),
        },
        ClientOptions::default(),
        Scripted::new(env, steps),
        env,
    )
    .unwrap()
}

const DENIED: &str = r#"{"error":{"code":"Denied","message":"Denied."}}"#;

#[test]
fn a_credential_authorizes_every_attempt_and_a_bearer_401_gets_one_fresh_token() {
    let env = Env::new();
    let c = bearer_client(&env, vec![respond(401, DENIED), respond(201, USER_BODY)]);
    let signal = Cell::new(false);
    let call = CallOptions {
        timeout_ms: None,
        signal: Some(&signal),
    };
    let user = block_on(c.create_user(&CreateUserOptions::default(), call)).unwrap();
    assert_eq!(user.id, "8:acs:r_u");
    let sent = c.transport().sent.borrow();
    assert_eq!(sent.len(), 2);
    assert_eq!(
        sent[0].request.header("authorization"),
        Some("Bearer token-1")
    );
    assert_eq!(
        sent[1].request.header("authorization"),
        Some("Bearer token-2")
    );
    // At once: a fresh token is not a retry after a backoff.
    assert!(env.sleeps.borrow().is_empty());
    assert_eq!(sent[1].at_ms, sent[0].at_ms + 20);
    // A bearer request signs nothing.
    assert_eq!(sent[0].request.header("x-ms-date"), None);
    assert_eq!(sent[0].request.string_to_sign, None);
    assert!(c.credential().seen_signal.get());
}

#[test]
fn a_second_401_after_a_fresh_token_is_the_answer() {
    let env = Env::new();
    let c = bearer_client(&env, vec![respond(401, DENIED), respond(401, DENIED)]);
    let e = block_on(c.create_user(&CreateUserOptions::default(), none())).unwrap_err();
    assert_eq!(e.status(), Some(401));
    assert_eq!(e.service_error().unwrap().code.as_deref(), Some("Denied"));
    assert_eq!(c.transport().sent.borrow().len(), 2);
    assert_eq!(c.credential().fetched.get(), 2);
}

#[test]
fn a_key_401_is_the_answer_at_once() {
    let env = Env::new();
    let c = client(&env, vec![respond(401, DENIED)], ClientOptions::default());
    let e = block_on(c.create_user(&CreateUserOptions::default(), none())).unwrap_err();
    assert_eq!(e.status(), Some(401));
    assert_eq!(c.transport().sent.borrow().len(), 1);
}

#[test]
fn a_rotated_key_signs_from_the_next_attempt_on() {
    let env = Env::new();
    let old = AccessKey::from_base64(KEY_B64).unwrap();
    let new = AccessKey::from_bytes(b"the resource's secondary key".to_vec());
    let credential = KeyCredential::new(old.clone());
    let c = IdentityClient::with_credential(
        Endpoint::parse("https://contoso.communication.azure.com/").unwrap(),
        credential.clone(),
        ClientOptions::default(),
        Scripted::new(&env, vec![respond(201, USER_BODY), respond(201, USER_BODY)]),
        &env,
    )
    .unwrap();
    block_on(c.create_user(&CreateUserOptions::default(), none())).unwrap();
    credential.update(new.clone());
    block_on(c.create_user(&CreateUserOptions::default(), none())).unwrap();
    let sent = c.transport().sent.borrow();
    let check = |s: &Sent, key: &AccessKey| {
        let target = signing::RequestTarget::from_url(&s.request.url).unwrap();
        let headers: Vec<(&str, &str)> = s
            .request
            .headers
            .iter()
            .map(|(n, v)| (n.as_ref(), v.as_str()))
            .collect();
        let received = ReceivedRequest {
            method: &s.request.method,
            path_and_query: &target.path_and_query,
            host: &target.host,
            headers: &headers,
            body: &s.request.body,
        };
        signing::verify(key, &received, s.at_ms / 1000, 0)
    };
    assert_eq!(check(&sent[0], &old), Ok(()));
    assert_eq!(check(&sent[1], &new), Ok(()));
    assert_eq!(
        check(&sent[1], &old),
        Err(signing::VerifyFailure::Signature)
    );
    assert_eq!(format!("{credential:?}"), "KeyCredential(<redacted>)");
}

#[test]
fn each_attempt_keeps_the_string_it_signed() {
    let env = Env::new();
    let c = client(
        &env,
        vec![
            respond_with(503, &[("retry-after", "2")], ""),
            respond(200, TOKEN_BODY),
        ],
        ClientOptions::default(),
    );
    block_on(c.get_token(
        &GetTokenOptions {
            user_id: USER.into(),
            scopes: vec!["chat".into()],
            expires_in_minutes: None,
        },
        none(),
    ))
    .unwrap();
    let sent = c.transport().sent.borrow();
    assert_eq!(sent.len(), 2);
    for s in sent.iter() {
        let r = &s.request;
        let expected = signing::StringToSign::new(
            "POST",
            &signing::RequestTarget::from_url(&r.url)
                .unwrap()
                .path_and_query,
            r.header("x-ms-date").unwrap(),
            "contoso.communication.azure.com",
            r.header("x-ms-content-sha256").unwrap(),
        );
        assert_eq!(r.string_to_sign.as_ref(), Some(&expected));
    }
    // Each attempt is signed at its own time.
    assert_ne!(
        sent[0].request.string_to_sign,
        sent[1].request.string_to_sign
    );
}

#[test]
fn a_request_debug_shows_no_signature_and_no_body() {
    let env = Env::new();
    let c = client(
        &env,
        vec![respond(200, TOKEN_BODY)],
        ClientOptions::default(),
    );
    block_on(c.get_token(
        &GetTokenOptions {
            user_id: USER.into(),
            scopes: vec!["voip".into()],
            expires_in_minutes: Some(60),
        },
        none(),
    ))
    .unwrap();
    let sent = c.transport().sent.borrow();
    let r = &sent[0].request;
    let signature = r
        .header("authorization")
        .unwrap()
        .split("Signature=")
        .nth(1)
        .unwrap()
        .to_string();
    assert!(signature.len() > 20);
    let debug = format!("{r:?}");
    assert!(!debug.contains(&signature), "{debug}");
    assert!(!debug.contains("voip"), "the body is shown: {debug}");
    assert!(
        !debug.contains(r.header("x-ms-content-sha256").unwrap()),
        "{debug}"
    );
    assert!(
        debug.contains("HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256"),
        "{debug}"
    );
    assert!(
        debug.contains(&format!("body_len: {}", r.body.len())),
        "{debug}"
    );
    assert!(debug.contains("\"x-ms-client-request-id\""), "{debug}");
    // A bearer token shows its scheme only.
    let mut bearer = r.clone();
    bearer.set_header("authorization", "Bearer secret-token-value".into());
    let debug = format!("{bearer:?}");
    assert!(
        debug.contains("Some(\"Bearer\")") && !debug.contains("secret-token-value"),
        "{debug}"
    );
}
