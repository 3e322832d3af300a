//! Microsoft Entra ID, sans I/O: the client-credentials token request, the authority's answers (shapes
//! of Entra's documented success and error bodies), and the token cache's early refresh and single flight.

use acs_identity_edge::entra::{
    self, Authority, BearerToken, ClientAuth, TokenCache, COMMUNICATION_SCOPE, REFRESH_MARGIN_MS,
};
use acs_identity_edge::ErrorKind;
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CLIENT: &str = "6731de76-14a6-49ae-97bc-6eba6914391e";
const SECRET: &str = "Qx8Q~not.a+real/secret=";

fn authority() -> Authority {
    Authority::new(entra::DEFAULT_AUTHORITY_HOST, TENANT, false).unwrap()
}

fn form(body: &[u8]) -> Vec<(String, String)> {
    // Decodes application/x-www-form-urlencoded, as a server would.
    let text = std::str::from_utf8(body).unwrap();
    text.split('&')
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap();
            let decode = |s: &str| {
                let s = s.replace('+', " ");
                let bytes = s.as_bytes();
                let mut out = Vec::new();
                let mut i = 0;
                while i < bytes.len() {
                    if bytes[i] == b'%' {
                        out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                        i += 3;
                    } else {
                        out.push(bytes[i]);
                        i += 1;
                    }
                }
                String::from_utf8(out).unwrap()
            };
            (decode(k), decode(v))
        })
        .collect()
}

#[test]
fn the_client_secret_request_is_the_documented_form_post() {
    let r = entra::token_request(
        &authority(),
        CLIENT,
        ClientAuth::Secret(SECRET),
        &[COMMUNICATION_SCOPE],
    )
    .unwrap();
    assert_eq!(r.method, "POST");
    assert_eq!(
        r.url,
        format!("https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/token")
    );
    assert_eq!(
        r.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    let fields = form(&r.body);
    let names: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        ["client_id", "scope", "grant_type", "client_secret"],
        "each field once"
    );
    assert_eq!(fields[0].1, CLIENT);
    assert_eq!(fields[1].1, "https://communication.azure.com//.default");
    assert_eq!(fields[2].1, "client_credentials");
    assert_eq!(fields[3].1, SECRET, "the secret survives form encoding");
    // The body holds the secret, the Debug output does not.
    let shown = format!("{r:?}");
    assert!(!shown.contains("Qx8Q"), "{shown}");
}

#[test]
fn the_client_assertion_request_names_the_jwt_bearer_type() {
    let assertion = "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0.c2ln";
    let r = entra::token_request(
        &authority(),
        CLIENT,
        ClientAuth::Assertion(assertion),
        &[COMMUNICATION_SCOPE, "offline_access"],
    )
    .unwrap();
    let fields = form(&r.body);
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(
        get("client_assertion_type"),
        Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
    );
    assert_eq!(get("client_assertion"), Some(assertion));
    assert_eq!(get("client_secret"), None);
    assert_eq!(
        get("scope"),
        Some("https://communication.azure.com//.default offline_access")
    );
}

#[test]
fn authorities_and_arguments_are_checked() {
    let bad = |host: &str, tenant: &str| Authority::new(host, tenant, false).unwrap_err();
    assert_eq!(
        bad("http://login.example.com", TENANT).target(),
        Some("authorityHost")
    );
    assert_eq!(
        bad("https://login.example.com/path", TENANT).target(),
        Some("authorityHost")
    );
    assert_eq!(
        bad("login.microsoftonline.com", TENANT).target(),
        Some("authorityHost")
    );
    for tenant in ["", "a/b", "a?b", ".x", "t\u{e9}", "a b"] {
        assert_eq!(
            bad(entra::DEFAULT_AUTHORITY_HOST, tenant).target(),
            Some("tenantId"),
            "{tenant:?}"
        );
    }
    // Loopback may be plain http (a local authority); other hosts only when allowed explicitly.
    let local = Authority::new("http://127.0.0.1:8443/", "contoso.onmicrosoft.com", false).unwrap();
    assert_eq!(
        local.token_url(),
        "http://127.0.0.1:8443/contoso.onmicrosoft.com/oauth2/v2.0/token"
    );
    assert!(Authority::new("http://login.example.com", TENANT, true).is_ok());

    let a = authority();
    let req = |client: &str, auth, scopes: &[&str]| entra::token_request(&a, client, auth, scopes);
    assert_eq!(
        req("", ClientAuth::Secret("s"), &[COMMUNICATION_SCOPE])
            .unwrap_err()
            .target(),
        Some("clientId")
    );
    assert_eq!(
        req("a\nb", ClientAuth::Secret("s"), &[COMMUNICATION_SCOPE])
            .unwrap_err()
            .target(),
        Some("clientId")
    );
    assert_eq!(
        req(CLIENT, ClientAuth::Secret(""), &[COMMUNICATION_SCOPE])
            .unwrap_err()
            .target(),
        Some("clientSecret")
    );
    assert_eq!(
        req(CLIENT, ClientAuth::Assertion(""), &[COMMUNICATION_SCOPE])
            .unwrap_err()
            .target(),
        Some("clientAssertion")
    );
    assert_eq!(
        req(CLIENT, ClientAuth::Secret("s"), &[])
            .unwrap_err()
            .target(),
        Some("scopes")
    );
    assert_eq!(
        req(CLIENT, ClientAuth::Secret("s"), &[""])
            .unwrap_err()
            .target(),
        Some("scopes")
    );
}

#[test]
fn a_success_gives_the_token_and_its_expiry() {
    let body = br#"{"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.e30.c2ln"}"#;
    let now = 1_764_584_000_000;
    let t = entra::parse_token_response(200, &[], body.as_slice(), now).unwrap();
    assert_eq!(
        t.expose_secret(),
        "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.e30.c2ln"
    );
    assert_eq!(t.expires_on_unix_ms, now + 3_599_000);
    assert!(!format!("{t:?}").contains("eyJ0"), "Debug hides the token");
    // ADFS-style string seconds.
    let t = entra::parse_token_response(
        200,
        &[],
        br#"{"token_type":"Bearer","expires_in":"3600","access_token":"x"}"#.as_slice(),
        0,
    )
    .unwrap();
    assert_eq!(t.expires_on_unix_ms, 3_600_000);
}

#[test]
fn malformed_successes_are_invalid_responses() {
    for body in [
        "",
        "not json",
        "[]",
        r#"{"token_type":"Bearer","expires_in":3599}"#,
        r#"{"token_type":"Bearer","access_token":"x"}"#,
        r#"{"token_type":"Bearer","expires_in":-1,"access_token":"x"}"#,
        r#"{"token_type":"Bearer","expires_in":"soon","access_token":"x"}"#,
        r#"{"token_type":"pop","expires_in":3599,"access_token":"x"}"#,
        r#"{"token_type":"Bearer","expires_in":3599,"access_token":""}"#,
        r#"{"token_type":"Bearer","expires_in":3599,"access_token":7}"#,
    ] {
        let e = entra::parse_token_response(200, &[], body.as_bytes(), 0).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidResponse, "{body}");
    }
}

/// Error bodies in the shape Entra documents for the v2.0 token endpoint.
const INVALID_SECRET: &str = r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '6731de76-14a6-49ae-97bc-6eba6914391e'.\r\nTrace ID: 0a3c8d2e-97f1-4bd4-9b1c-5b1f7c2e0d00\r\nCorrelation ID: 5f2c1d8e-3b6a-4c1e-8f0d-2a9b7c6d5e4f\r\nTimestamp: 2026-11-30 09:12:45Z","error_codes":[7000215],"timestamp":"2026-11-30 09:12:45Z","trace_id":"0a3c8d2e-97f1-4bd4-9b1c-5b1f7c2e0d00","correlation_id":"5f2c1d8e-3b6a-4c1e-8f0d-2a9b7c6d5e4f","error_uri":"https://login.microsoftonline.com/error?code=7000215"}"#;
const UNKNOWN_APP: &str = r#"{"error":"unauthorized_client","error_description":"AADSTS700016: Application with identifier '6731de76-14a6-49ae-97bc-6eba6914391e' was not found in the directory 'Contoso'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.\r\nTrace ID: 1b2c3d4e-0000-4000-8000-000000000001\r\nCorrelation ID: 9e8d7c6b-0000-4000-8000-000000000002\r\nTimestamp: 2026-11-30 09:13:01Z","error_codes":[700016],"timestamp":"2026-11-30 09:13:01Z","trace_id":"1b2c3d4e-0000-4000-8000-000000000001","correlation_id":"9e8d7c6b-0000-4000-8000-000000000002"}"#;
const UNKNOWN_TENANT: &str = r#"{"error":"invalid_request","error_description":"AADSTS90002: Tenant '00000000-0000-0000-0000-00000000dead' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.\r\nTrace ID: 2c3d4e5f-0000-4000-8000-000000000003\r\nCorrelation ID: 8d7c6b5a-0000-4000-8000-000000000004\r\nTimestamp: 2026-11-30 09:13:20Z","error_codes":[90002],"timestamp":"2026-11-30 09:13:20Z","trace_id":"2c3d4e5f-0000-4000-8000-000000000003","correlation_id":"8d7c6b5a-0000-4000-8000-000000000004","error_uri":"https://login.microsoftonline.com/error?code=90002"}"#;
const INVALID_SCOPE: &str = r#"{"error":"invalid_scope","error_description":"AADSTS70011: The provided value for the input parameter 'scope' is not valid. The scope https://foo.microsoft.com/.default is not valid.\r\nTrace ID: 255d1aef-8c98-452f-ac51-23d051240864\r\nCorrelation ID: fb3d2015-bc17-4bb9-bb85-30c5cf1aaaa7\r\nTimestamp: 2016-01-09 02:02:12Z","error_codes":[70011],"timestamp":"2016-01-09 02:02:12Z","trace_id":"255d1aef-8c98-452f-ac51-23d051240864","correlation_id":"fb3d2015-bc17-4bb9-bb85-30c5cf1aaaa7"}"#;

#[test]
fn refusals_carry_the_aadsts_code_and_correlation_id() {
    let cases = [
        (
            401,
            INVALID_SECRET,
            "AADSTS7000215",
            "5f2c1d8e-3b6a-4c1e-8f0d-2a9b7c6d5e4f",
            "invalid_client",
        ),
        (
            400,
            UNKNOWN_APP,
            "AADSTS700016",
            "9e8d7c6b-0000-4000-8000-000000000002",
            "unauthorized_client",
        ),
        (
            400,
            UNKNOWN_TENANT,
            "AADSTS90002",
            "8d7c6b5a-0000-4000-8000-000000000004",
            "invalid_request",
        ),
        (
            400,
            INVALID_SCOPE,
            "AADSTS70011",
            "fb3d2015-bc17-4bb9-bb85-30c5cf1aaaa7",
            "invalid_scope",
        ),
    ];
    for (status, body, code, correlation, oauth) in cases {
        let e = entra::parse_token_response(status, &[], body.as_bytes(), 0).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Authentication);
        assert_eq!(e.code(), "ERR_AUTHENTICATION");
        let s = e.service_error().unwrap();
        assert_eq!(s.status, status);
        assert_eq!(s.code.as_deref(), Some(code));
        assert_eq!(s.request_id.as_deref(), Some(correlation));
        assert!(
            e.message()
                .starts_with("the authority refused the credential ("),
            "{}",
            e.message()
        );
        assert!(
            e.message().contains(oauth) && e.message().contains(code),
            "{}",
            e.message()
        );
        assert!(
            !e.message().contains("Trace ID"),
            "one line: {}",
            e.message()
        );
        assert_eq!(e.target(), None);
    }
}

#[test]
fn refusals_without_the_usual_body_still_say_what_happened() {
    let e = entra::parse_token_response(503, &[], b"<html>busy</html>".as_slice(), 0).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Authentication);
    assert_eq!(e.status(), Some(503));
    assert_eq!(e.message(), "the authority refused the credential");
    let e = entra::parse_token_response(400, &[], br#"{"error":"invalid_grant"}"#.as_slice(), 0)
        .unwrap_err();
    assert_eq!(
        e.service_error().unwrap().code.as_deref(),
        Some("invalid_grant")
    );
    // Without a correlation id in the body, the response's client-request-id stands in.
    let headers = [("Client-Request-Id".to_string(), "abc".to_string())];
    let e = entra::parse_token_response(500, &headers, b"".as_slice(), 0).unwrap_err();
    assert_eq!(
        e.service_error().unwrap().request_id.as_deref(),
        Some("abc")
    );
}

// ---- the cache: a virtual clock and a hand-driven executor ----

struct CountWake(AtomicUsize);
impl Wake for CountWake {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn waker() -> Waker {
    Waker::from(Arc::new(CountWake(AtomicUsize::new(0))))
}

/// Polls every future once per round until all are ready (or `rounds` is reached).
fn drive<T>(
    futures: &mut [Pin<Box<dyn Future<Output = T> + '_>>],
    rounds: usize,
) -> Vec<Option<T>> {
    let w = waker();
    let mut cx = Context::from_waker(&w);
    let mut out: Vec<Option<T>> = futures.iter().map(|_| None).collect();
    for _ in 0..rounds {
        for (i, f) in futures.iter_mut().enumerate() {
            if out[i].is_none() {
                if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
                    out[i] = Some(v);
                }
            }
        }
        if out.iter().all(Option::is_some) {
            break;
        }
    }
    out
}

/// A future that stays pending until its gate opens.
struct Gate(Rc<Cell<bool>>);
impl Future for Gate {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if self.0.get() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

const HOUR: i64 = 3_600_000;

type Res = acs_identity_edge::Result<BearerToken>;

#[test]
fn concurrent_first_calls_make_one_token_request() {
    let cache = TokenCache::new();
    let clock = Cell::new(1_000_000i64);
    let gate = Rc::new(Cell::new(false));
    let fetches = Cell::new(0);
    let fetch = || {
        fetches.set(fetches.get() + 1);
        let gate = Gate(Rc::clone(&gate));
        let n = fetches.get();
        async move {
            gate.await;
            Ok(BearerToken::new(format!("token-{n}"), 1_000_000 + HOUR))
        }
    };
    let mut calls: Vec<Pin<Box<dyn Future<Output = Res> + '_>>> = (0..32)
        .map(|_| {
            Box::pin(cache.get(|| clock.get(), fetch)) as Pin<Box<dyn Future<Output = Res> + '_>>
        })
        .collect();
    // Nobody can finish while the token request is in flight.
    let first = drive(&mut calls, 3);
    assert!(first.iter().all(Option::is_none));
    assert_eq!(fetches.get(), 1, "one token request for 32 callers");
    gate.set(true);
    let done = drive(&mut calls, 3);
    for r in done {
        assert_eq!(r.unwrap().unwrap().expose_secret(), "token-1");
    }
    assert_eq!(fetches.get(), 1);
}

#[test]
fn a_cached_token_is_refreshed_five_minutes_before_it_expires() {
    let cache = TokenCache::new();
    let clock = Cell::new(0i64);
    let fetches = Cell::new(0);
    let get = || {
        pollster::block_on(cache.get(
            || clock.get(),
            || {
                fetches.set(fetches.get() + 1);
                let n = fetches.get();
                let expires = clock.get() + HOUR;
                async move { Ok(BearerToken::new(format!("t{n}"), expires)) }
            },
        ))
        .unwrap()
    };
    assert_eq!(get().expose_secret(), "t1");
    clock.set(HOUR - REFRESH_MARGIN_MS - 1);
    assert_eq!(
        get().expose_secret(),
        "t1",
        "still fresh 5 min + 1 ms before expiry"
    );
    assert_eq!(fetches.get(), 1);
    clock.set(HOUR - REFRESH_MARGIN_MS);
    assert_eq!(get().expose_secret(), "t2", "refreshed 5 min before expiry");
    assert_eq!(fetches.get(), 2);
    assert!(cache.fresh(clock.get()).is_some());
}

#[test]
fn a_failed_refresh_keeps_a_token_that_has_not_expired() {
    let cache = TokenCache::new();
    let ok =
        pollster::block_on(cache.get(|| 0, || async { Ok(BearerToken::new("old".into(), HOUR)) }));
    assert_eq!(ok.unwrap().expose_secret(), "old");
    let refused = || async {
        Err::<BearerToken, _>(acs_identity_edge::Error::new(
            ErrorKind::Authentication,
            "refused",
        ))
    };
    // Inside the refresh window the old token is still good.
    let kept = pollster::block_on(cache.get(|| HOUR - 60_000, refused)).unwrap();
    assert_eq!(kept.expose_secret(), "old");
    // Past its expiry the refusal is the answer.
    let e = pollster::block_on(cache.get(|| HOUR, refused)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Authentication);
}

#[test]
fn waiters_share_a_failed_fetch_instead_of_repeating_it() {
    let cache = TokenCache::new();
    let gate = Rc::new(Cell::new(false));
    let fetches = Cell::new(0);
    let fetch = || {
        fetches.set(fetches.get() + 1);
        let gate = Gate(Rc::clone(&gate));
        async move {
            gate.await;
            Err::<BearerToken, _>(acs_identity_edge::Error::new(
                ErrorKind::Authentication,
                "refused",
            ))
        }
    };
    let mut calls: Vec<Pin<Box<dyn Future<Output = Res> + '_>>> = (0..8)
        .map(|_| Box::pin(cache.get(|| 0, fetch)) as Pin<Box<dyn Future<Output = Res> + '_>>)
        .collect();
    drive(&mut calls, 2);
    gate.set(true);
    for r in drive(&mut calls, 3) {
        assert_eq!(r.unwrap().unwrap_err().kind(), ErrorKind::Authentication);
    }
    assert_eq!(fetches.get(), 1);
}

#[test]
fn a_dropped_fetch_lets_a_waiter_fetch_instead() {
    let cache = TokenCache::new();
    let never = Rc::new(Cell::new(false));
    let fetches = Cell::new(0);
    let mut first: Pin<Box<dyn Future<Output = Res> + '_>> = Box::pin(cache.get(
        || 0,
        || {
            fetches.set(fetches.get() + 1);
            let g = Gate(Rc::clone(&never));
            async move {
                g.await;
                Ok(BearerToken::new("never".into(), HOUR))
            }
        },
    ));
    let mut second: Pin<Box<dyn Future<Output = Res> + '_>> = Box::pin(cache.get(
        || 0,
        || {
            fetches.set(fetches.get() + 1);
            async { Ok(BearerToken::new("second".into(), HOUR)) }
        },
    ));
    let w = waker();
    let mut cx = Context::from_waker(&w);
    assert!(first.as_mut().poll(&mut cx).is_pending());
    assert!(
        second.as_mut().poll(&mut cx).is_pending(),
        "waits for the first fetch"
    );
    drop(first); // the caller gave up (aborted) midway
    match second.as_mut().poll(&mut cx) {
        Poll::Ready(r) => assert_eq!(r.unwrap().expose_secret(), "second"),
        Poll::Pending => panic!("the waiter should have fetched itself"),
    }
    assert_eq!(fetches.get(), 2);
}

#[test]
fn invalidating_a_rejected_token_forces_one_new_fetch() {
    let cache = TokenCache::new();
    let fetches = Cell::new(0);
    let get = || {
        pollster::block_on(cache.get(
            || 0,
            || {
                fetches.set(fetches.get() + 1);
                let n = fetches.get();
                async move { Ok(BearerToken::new(format!("t{n}"), HOUR)) }
            },
        ))
        .unwrap()
    };
    let t1 = get();
    cache.invalidate(&t1);
    let t2 = get();
    assert_eq!(t2.expose_secret(), "t2");
    // A second 401 for the old token (a concurrent call) keeps the new one.
    cache.invalidate(&t1);
    assert_eq!(get().expose_secret(), "t2");
    assert_eq!(fetches.get(), 2);
}
