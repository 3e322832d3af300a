//! The `js` module as Rust code in a JS runtime uses it (a workers-rs Worker, say): `js::IdentityClient` over
//! a caller's `fetch` and over the global one, compiled to wasm32 and run under Node and headless Chromium
//! by `cargo test --target wasm32-unknown-unknown` (see `scripts/test.mjs`). The Worker itself is
//! `examples/rust-worker`, run in workerd by `tests/js/rust-worker.test.mjs`.
#![cfg(target_arch = "wasm32")]

use acs_identity_edge::client::{CallOptions, ClientOptions};
use acs_identity_edge::js::{FetchTransport, IdentityClient, JsEnvironment, JsSignal};
use acs_identity_edge::operations::{CreateUserAndTokenOptions, CreateUserOptions};
use acs_identity_edge::retry::RetryOptions;
use acs_identity_edge::ErrorKind;
use js_sys::{Array, Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

const ENDPOINT: &str = "https://contoso.communication.azure.com";
const KEY: &str = "c2VjcmV0LWtleS1vZi10aGUtanMtbW9kdWxlLXRlc3Q=";
const CREATED: &str = r#"{"identity":{"id":"8:acs:r_u"},"accessToken":{"token":"eyJ.eyJ.sig","expiresOn":"2022-04-14T18:09:12Z"}}"#;

/// A `fetch` whose answers are `answers` in turn (`[status, body]`, the last one repeated), recording each
/// call's URL and headers in `seen`.
fn canned(seen: &Array, answers: &[(u16, &str)]) -> Function {
    let list: Vec<String> = answers
        .iter()
        .map(|(status, body)| {
            format!(
                "[{status}, {}]",
                serde_json::to_string(body).expect("a JSON string")
            )
        })
        .collect();
    let make = Function::new_with_args(
        "seen",
        &format!(
            "const answers = [{}];
             return (url, init) => {{
               seen.push({{ url: String(url), headers: Object.fromEntries(new Headers(init.headers)) }});
               const [status, body] = answers[Math.min(seen.length - 1, answers.length - 1)];
               return Promise.resolve(new Response(status === 204 || status === 302 ? null : body,
                 {{ status, headers: {{ 'content-type': 'application/json' }} }}));
             }};",
            list.join(",")
        ),
    );
    make.call1(&JsValue::UNDEFINED, seen)
        .expect("the fetch function")
        .unchecked_into()
}

fn header(seen: &Array, i: u32, name: &str) -> String {
    let headers = Reflect::get(&seen.get(i), &"headers".into()).expect("headers");
    Reflect::get(&headers, &name.into())
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

fn client(transport: FetchTransport, max_retries: u32) -> IdentityClient {
    let options = ClientOptions {
        retry: RetryOptions {
            max_retries,
            base_delay_ms: 1,
            max_delay_ms: 10,
        },
        ..ClientOptions::default()
    };
    IdentityClient::new(
        &format!("endpoint={ENDPOINT}/;accesskey={KEY}"),
        options,
        transport,
        JsEnvironment,
    )
    .expect("a client")
}

fn voip() -> CreateUserAndTokenOptions {
    CreateUserAndTokenOptions {
        scopes: vec!["voip".into()],
        ..Default::default()
    }
}

#[wasm_bindgen_test]
async fn a_callers_fetch_gets_a_signed_request_and_its_answer_is_parsed() {
    let seen = Array::new();
    let c = client(
        FetchTransport::with_fetch(canned(&seen, &[(201, CREATED)])),
        3,
    );
    let created = c
        .create_user_and_token(&voip(), CallOptions::default())
        .await
        .expect("createUserAndToken");
    assert_eq!(created.user.id, "8:acs:r_u");
    assert_eq!(created.token.token, "eyJ.eyJ.sig");
    assert_eq!(created.token.expires_on_unix_ms, 1_649_959_752_000);
    assert_eq!(seen.length(), 1);
    let url = Reflect::get(&seen.get(0), &"url".into())
        .expect("url")
        .as_string()
        .unwrap_or_default();
    assert!(
        url.starts_with(&format!("{ENDPOINT}/identities?api-version=")),
        "{url}"
    );
    assert!(header(&seen, 0, "authorization")
        .starts_with("HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature="));
    assert!(!header(&seen, 0, "x-ms-date").is_empty());
    assert!(!header(&seen, 0, "x-ms-content-sha256").is_empty());
    assert!(header(&seen, 0, "user-agent").contains("acs-identity-edge/"));
}

#[wasm_bindgen_test]
async fn a_503_is_retried_with_the_same_request_id() {
    let seen = Array::new();
    let c = client(
        FetchTransport::with_fetch(canned(
            &seen,
            &[
                (503, r#"{"error":{"code":"ServiceUnavailable"}}"#),
                (201, CREATED),
            ],
        )),
        3,
    );
    let user = c
        .create_user(&CreateUserOptions::default(), CallOptions::default())
        .await
        .expect("createUser after a retry");
    assert_eq!(user.id, "8:acs:r_u");
    assert_eq!(seen.length(), 2, "one retry");
    let id = header(&seen, 0, "x-ms-client-request-id");
    assert_eq!(id.len(), 36, "{id}");
    assert_eq!(header(&seen, 1, "x-ms-client-request-id"), id);

    // With no retries, the 503 is the answer.
    let seen = Array::new();
    let c = client(FetchTransport::with_fetch(canned(&seen, &[(503, "")])), 0);
    let e = c
        .create_user(&CreateUserOptions::default(), CallOptions::default())
        .await
        .expect_err("a 503");
    assert_eq!(e.status(), Some(503), "{e}");
    assert_eq!(seen.length(), 1);
}

#[wasm_bindgen_test]
async fn an_aborted_signal_stops_the_call_before_any_request() {
    let seen = Array::new();
    let c = client(
        FetchTransport::with_fetch(canned(&seen, &[(201, CREATED)])),
        3,
    );
    let controller = web_sys::AbortController::new().expect("an AbortController");
    controller.abort();
    let signal = JsSignal(controller.signal());
    let call = CallOptions {
        timeout_ms: None,
        signal: Some(&signal),
    };
    let e = c
        .create_user(&CreateUserOptions::default(), call)
        .await
        .expect_err("aborted");
    assert_eq!(e.kind(), ErrorKind::Aborted, "{e}");
    assert_eq!(seen.length(), 0, "nothing was sent");
}

#[wasm_bindgen_test]
async fn a_redirect_is_refused_not_followed() {
    let seen = Array::new();
    let c = client(FetchTransport::with_fetch(canned(&seen, &[(302, "")])), 3);
    let e = c
        .create_user(&CreateUserOptions::default(), CallOptions::default())
        .await
        .expect_err("a redirect");
    assert_eq!(e.kind(), ErrorKind::InvalidResponse, "{e}");
    assert_eq!(seen.length(), 1, "not retried");
}

#[wasm_bindgen_test]
async fn the_global_fetch_reports_an_unreachable_endpoint_as_a_network_error() {
    let c = IdentityClient::new(
        &format!("endpoint=http://127.0.0.1:9/;accesskey={KEY}"),
        ClientOptions {
            retry: RetryOptions {
                max_retries: 0,
                ..RetryOptions::default()
            },
            ..ClientOptions::default()
        },
        FetchTransport::default(),
        JsEnvironment,
    )
    .expect("a client");
    let e = c
        .create_user(&CreateUserOptions::default(), CallOptions::default())
        .await
        .expect_err("nothing listens on port 9 (or the runtime refuses the port)");
    assert_eq!(e.kind(), ErrorKind::Network, "{e}");
    assert!(!format!("{e} {e:?}").contains(KEY));
}
