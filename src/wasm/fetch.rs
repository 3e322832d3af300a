//! What the identity client needs from a JS runtime: a [`Transport`] over `fetch` (the global one through
//! `gloo-net`, or the caller's) or over a runtime entry's own `send` (the Node entry's `node:http`), and an
//! [`Environment`] of `Date.now()`, `setTimeout`, `Math.random()`,
//! `crypto.getRandomValues()` and `AbortSignal`.
//!
//! The transport never follows a redirect (the service never sends one, and following it would resend the
//! signed body elsewhere), refuses response bodies over [`MAX_RESPONSE_BYTES`] without reading them whole,
//! and, when the call has a caller's signal or a time budget, bounds each attempt with its own
//! `AbortController`, which either aborts.

use super::convert::{get, get_inherited, is_a};
use crate::client::{CancelSignal, Environment, HttpRequest, RandomPool, Transport};
use crate::error::{Error, ErrorKind, Result};
use crate::json::{JsonBody, Value};
use crate::operations::Response;
use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal, RequestInit};

/// The largest response body read; the service's answers are a few hundred bytes.
pub const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &Function, ms: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
    /// A response's `Headers`.
    type ResponseHeaders;
    /// `headers.get(name)`, which throws only for a name that is not a valid header name.
    #[wasm_bindgen(method, js_name = get)]
    fn get(this: &ResponseHeaders, name: &str) -> Option<String>;
    #[wasm_bindgen(catch, js_namespace = crypto, js_name = getRandomValues)]
    fn get_random_values(buffer: &mut [u8]) -> core::result::Result<JsValue, JsValue>;
}

thread_local! {
    /// The random bytes not yet handed out.
    static RANDOM: core::cell::RefCell<RandomPool> = const { core::cell::RefCell::new(RandomPool::new()) };
}

/// A caller's `AbortSignal` (for a Worker, the incoming request's signal): a call given it stops with
/// [`ErrorKind::Aborted`] once it aborts, during a request or a wait between retries.
pub struct JsSignal(pub AbortSignal);

impl CancelSignal for JsSignal {
    fn is_aborted(&self) -> bool {
        self.0.aborted()
    }
}

/// The JS clock, timers and randomness: `Date.now()`, `setTimeout`, `Math.random()` (retry jitter) and
/// `crypto.getRandomValues()` (request ids), with [`JsSignal`] for cancellation.
pub struct JsEnvironment;

impl Environment for JsEnvironment {
    type Signal = JsSignal;

    fn now_unix_ms(&self) -> i64 {
        js_sys::Date::now() as i64
    }

    async fn sleep(&self, ms: u64, signal: Option<&JsSignal>) {
        if signal.is_some_and(|s| s.0.aborted()) {
            return;
        }
        let mut timer = JsValue::UNDEFINED;
        let mut wake = None;
        let promise = Promise::new(&mut |resolve: Function, _| {
            timer = set_timeout(&resolve, ms as f64);
            if let Some(s) = signal {
                let _ = s.0.add_event_listener_with_callback("abort", &resolve);
            }
            wake = Some(resolve);
        });
        let _ = JsFuture::from(promise).await;
        clear_timeout(&timer);
        if let (Some(s), Some(wake)) = (signal, wake) {
            let _ = s.0.remove_event_listener_with_callback("abort", &wake);
        }
    }

    fn random(&self) -> f64 {
        js_sys::Math::random()
    }

    /// From a pool refilled 256 bytes at a time (`RandomPool`): one `crypto.getRandomValues` call (in
    /// Node, a `randomFillSync`) per 16 request ids rather than per call.
    fn fill_random(&self, out: &mut [u8]) {
        RANDOM.with(|pool| {
            pool.borrow_mut().fill(out, |bytes| {
                if get_random_values(bytes).is_err() {
                    for b in bytes.iter_mut() {
                        *b = (js_sys::Math::random() * 256.0) as u8;
                    }
                }
            })
        });
    }
}

/// A response body: its text, or (for a signed `fetch`, whose caller reads the body) the unread
/// `Response` itself.
pub struct FetchBody {
    /// The body as text (empty when `raw` holds the response).
    pub text: String,
    /// The unread `Response`, when the transport was asked for it (`raw`).
    pub raw: Option<web_sys::Response>,
}

impl JsonBody for FetchBody {
    fn is_empty(&self) -> bool {
        JsonBody::is_empty(self.text.as_str())
    }

    fn value(&self) -> Option<Value> {
        self.text.as_str().value()
    }
}

/// Sends requests with `fetch`: the global one through `gloo-net`, or the caller's. Build one with
/// `FetchTransport::new()` (see [`crate::js`]) or set the fields.
#[derive(Clone)]
pub struct FetchTransport {
    /// The caller's `fetch`; `None` sends through `gloo-net` (the global `fetch`), or `send`.
    pub fetch: Option<Function>,
    /// The runtime entry's own transport, when there is no caller's `fetch` (the Node entry's node:http
    /// one, `js/node-http.js`): `send(method, url, [name, value, ...], body?, signal?, maxBytes)` resolves
    /// with `[status, statusText, [name, value, ...], bytes | null]` (null: longer than `maxBytes`).
    pub send: Option<Function>,
    /// Called after each attempt with `{ request, response, durationMs }`.
    pub on_request: Option<Function>,
    /// False in browsers, which do not let scripts set `User-Agent`.
    pub user_agent: bool,
    /// Hand back the unread `Response` instead of its text (a signed `fetch`).
    pub raw: bool,
    /// Further `fetch` options of the caller's, under the ones set here.
    pub init: Option<Object>,
    /// Hand over every response header (true), or, for a success, only the two the body is read by
    /// (`content-length`, `content-encoding`: two `headers.get` calls cost less than listing them all; the
    /// library reads the others only from errors and retried answers, which keep them all). With
    /// `on_request` set every response keeps them all.
    pub all_headers: bool,
}

/// A network error with the runtime's own words (`detail`), when there are any.
fn network_error(detail: &str) -> Error {
    let message = if detail.is_empty() {
        String::from("no answer")
    } else {
        String::from(detail)
    };
    Error::new(ErrorKind::Network, message)
}

/// A network error from what a JS call threw or a promise rejected with, which it keeps as its cause.
/// The runtime's error code (`ECONNREFUSED`, `ENOTFOUND`: Node puts it on the rejection's `cause`) ends
/// the message.
fn network(e: &JsValue) -> Error {
    let mut detail = get_inherited(e, "message")
        .as_string()
        .or_else(|| e.as_string())
        .unwrap_or_default();
    let code = get(e, "code")
        .as_string()
        .or_else(|| get(&get(e, "cause"), "code").as_string());
    if let Some(code) = code {
        detail.push_str(" (");
        detail.push_str(&code);
        detail.push(')');
    }
    network_error(&detail).with_js_cause(e.clone())
}

/// `await promise`, with a rejection as a network error.
async fn wait(promise: Promise) -> Result<JsValue> {
    JsFuture::from(promise).await.map_err(|e| network(&e))
}

/// The response body, refused past [`MAX_RESPONSE_BYTES`] without reading it all. `headers` are the
/// response's.
async fn read_limited(
    response: &web_sys::Response,
    headers: &[(String, String)],
) -> Result<String> {
    let header = |name| crate::header::find(headers, name);
    let declared =
        header(crate::header::CONTENT_LENGTH).and_then(|v| v.trim_ascii().parse::<u64>().ok());
    match declared {
        Some(n) if n > MAX_RESPONSE_BYTES as u64 => {
            if let Some(stream) = response.body() {
                let _ = stream.cancel();
            }
            return Err(too_large());
        }
        // A declared length bounds an unencoded body (`fetch` reads no further): one read, without the
        // body's stream (creating it is a noticeable part of a call in Node). A compressed body may
        // inflate past it, so it is read chunk by chunk below.
        Some(_) if header(crate::header::CONTENT_ENCODING).is_none() => {
            let text = wait(response.text().map_err(|e| network(&e))?).await?;
            return Ok(text.as_string().unwrap_or_default());
        }
        _ => {}
    }
    let Some(stream) = response.body() else {
        return Ok(String::new());
    };
    let reader = stream.get_reader();
    let read: Function = get_inherited(&reader, "read").unchecked_into();
    let mut bytes = Vec::new();
    loop {
        // A real `Response`'s body (checked above), so `read()` returns a promise.
        let chunk = wait(
            read.call0(&reader)
                .map_err(|e| network(&e))?
                .unchecked_into(),
        )
        .await?;
        if get(&chunk, "done").is_truthy() {
            break;
        }
        // Bytes from any `fetch` body; a caller's `fetch` could hand back a stream of something else.
        let value = get(&chunk, "value");
        if !is_a(&value, "[object Uint8Array]") {
            return Err(Error::new(
                ErrorKind::InvalidResponse,
                "the response body is not a stream of bytes",
            ));
        }
        let value: Uint8Array = value.unchecked_into();
        let at = bytes.len();
        let len = value.length() as usize;
        if at + len > MAX_RESPONSE_BYTES {
            if let Ok(cancel) = get_inherited(&reader, "cancel").dyn_into::<Function>() {
                let _ = cancel.call0(&reader);
            }
            return Err(too_large());
        }
        bytes.resize(at + len, 0);
        value.copy_to(&mut bytes[at..]);
    }
    Ok(text_of(bytes))
}

/// The body's text. A body that is not UTF-8 cannot be the service's JSON: it reads as one U+FFFD, which
/// the JSON reader refuses (and an error status stays an error status).
fn text_of(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|_| String::from("\u{FFFD}"))
}

/// `[[name, value], ...]` of a `Headers`: all of them, through one `Array.from` (not a JS iterator step
/// per header), or only the two that say how to read the body.
fn header_pairs(headers: &web_sys::Headers, all: bool) -> Vec<(String, String)> {
    if !all {
        let headers: &ResponseHeaders = headers.unchecked_ref();
        let mut out = Vec::new();
        for name in [
            crate::header::CONTENT_LENGTH,
            crate::header::CONTENT_ENCODING,
        ] {
            if let Some(value) = headers.get(name) {
                out.push((name.into(), value));
            }
        }
        return out;
    }
    let list = Array::from(headers);
    let mut out = Vec::with_capacity(list.length() as usize);
    for pair in list.iter() {
        let pair: &Array = pair.unchecked_ref();
        if let (Some(n), Some(v)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
            out.push((n, v));
        }
    }
    out
}

fn pairs_to_js<N: AsRef<str>>(pairs: &[(N, String)]) -> Array {
    let out = Array::new();
    for (name, value) in pairs {
        let pair = Array::new();
        pair.push(&JsValue::from_str(name.as_ref()));
        pair.push(&JsValue::from_str(value));
        out.push(&pair);
    }
    out
}

fn set(target: &Object, name: &str, value: &JsValue) {
    let _ = Reflect::set(target, &JsValue::from_str(name), value);
}

impl FetchTransport {
    /// One `fetch` of `request` under `signal`: the response, not yet checked.
    async fn fetch(
        &self,
        request: &HttpRequest,
        signal: Option<&AbortSignal>,
    ) -> Result<web_sys::Response> {
        // No prototype: `fetch` reads its options through the prototype chain, and a polluted
        // `Object.prototype.body` or `.dispatcher` must not become one.
        let init = Object::create(JsValue::NULL.unchecked_ref::<Object>());
        if let Some(base) = &self.init {
            Object::assign(&init, base);
        }
        // Members set one way (`Reflect.set`): a web-sys setter each would be a binding each.
        set(&init, "method", &JsValue::from_str(&request.method));
        // A plain object: `fetch` checks it once, where a `Headers` checks each `append` (a call into the
        // runtime each). The names are unique (the client's own, or a caller's from a `Headers`).
        let headers = Object::new();
        for (name, value) in &request.headers {
            if !self.user_agent && name.eq_ignore_ascii_case(crate::header::USER_AGENT) {
                continue;
            }
            set(&headers, name, &JsValue::from_str(value));
        }
        set(&init, "headers", &headers);
        if !request.body.is_empty() {
            set(&init, "body", &Uint8Array::from(request.body.as_slice()));
        }
        set(&init, "redirect", &JsValue::from_str("manual"));
        if let Some(signal) = signal {
            set(&init, "signal", signal);
        }
        let init: &RequestInit = init.unchecked_ref();
        let response = match &self.fetch {
            Some(fetch) => {
                let sent = fetch
                    .call2(&JsValue::UNDEFINED, &JsValue::from_str(&request.url), init)
                    .map_err(|e| network(&e))?;
                let response = wait(Promise::resolve(&sent)).await?;
                // A `Response` of any realm or implementation (undici from npm is not the runtime's copy).
                if !is_a(&response, "[object Response]") {
                    return Err(Error::new(
                        ErrorKind::InvalidResponse,
                        "fetch did not return a Response",
                    ));
                }
                response.unchecked_into()
            }
            None => {
                // The runtime checks the headers here (they are a plain object, not a `Headers`): a
                // request it refuses is the caller's to fix, not retried as a network error.
                let raw =
                    web_sys::Request::new_with_str_and_init(&request.url, init).map_err(|_| {
                        Error::new(ErrorKind::InvalidArgument, "a header is not valid in HTTP")
                            .with_target("headers")
                    })?;
                // gloo-net keeps the rejection's name and message, not the value: no cause here.
                let sent = gloo_net::http::Request::from(raw)
                    .send()
                    .await
                    .map_err(|e| {
                        network_error(match &e {
                            gloo_net::Error::JsError(js) => &js.message,
                            _ => "",
                        })
                    })?;
                // gloo-net hands over the global `fetch`'s `Response` (it checked that it is one).
                web_sys::Response::from(sent)
            }
        };
        Ok(response)
    }

    /// Shows one exchange to `onRequest`.
    fn trace(
        &self,
        request: &HttpRequest,
        response: &Response<FetchBody>,
        status_text: &str,
        started: f64,
    ) {
        let Some(on_request) = &self.on_request else {
            return;
        };
        let req = Object::new();
        set(&req, "method", &JsValue::from_str(&request.method));
        set(&req, "url", &JsValue::from_str(&request.url));
        set(&req, "headers", &pairs_to_js(&request.headers));
        if !request.body.is_empty() {
            set(&req, "body", &Uint8Array::from(request.body.as_slice()));
        }
        if let Some(sts) = &request.string_to_sign {
            set(&req, "stringToSign", &JsValue::from_str(&sts.as_string()));
        }
        let res = Object::new();
        set(&res, "status", &JsValue::from(response.status));
        set(&res, "statusText", &JsValue::from_str(status_text));
        set(&res, "headers", &pairs_to_js(&response.headers));
        let text = &response.body.text;
        let body = if text.trim().is_empty() {
            JsValue::NULL
        } else {
            js_sys::JSON::parse(text).unwrap_or_else(|_| JsValue::from_str(text))
        };
        set(&res, "body", &body);
        let trace = Object::new();
        set(&trace, "request", &req);
        set(&trace, "response", &res);
        set(
            &trace,
            "durationMs",
            &JsValue::from_f64(js_sys::Date::now() - started),
        );
        let _ = on_request.call1(&JsValue::UNDEFINED, &trace);
    }
}

impl Transport<JsSignal> for FetchTransport {
    type Body = FetchBody;

    async fn send(
        &self,
        request: &HttpRequest,
        timeout_ms: Option<u64>,
        signal: Option<&JsSignal>,
    ) -> Result<Response<FetchBody>> {
        let aborted = || Error::new(ErrorKind::Aborted, "the call was aborted");
        if signal.is_some_and(|s| s.0.aborted()) {
            return Err(aborted());
        }
        // An attempt's own controller, which the caller's signal and the time budget abort; none when there
        // is neither (creating one is a noticeable part of a call's cost in Node).
        let controller = if signal.is_some() || timeout_ms.is_some() {
            Some(AbortController::new().map_err(|e| network(&e))?)
        } else {
            None
        };
        // `controller.abort(undefined, ...)`: whatever calls it (an "abort" event passes the event), the
        // fetch then rejects with an AbortError, never with the event or a caller's reason.
        let abort = controller.as_ref().map(|c| {
            let abort: Function = get_inherited(c, "abort").unchecked_into();
            let abort: Function = abort.bind1(c, &JsValue::UNDEFINED).unchecked_into();
            abort
        });
        if let (Some(s), Some(abort)) = (signal, &abort) {
            let _ = s.0.add_event_listener_with_callback("abort", abort);
        }
        let timer = match (timeout_ms, &abort) {
            (Some(ms), Some(abort)) => Some(set_timeout(abort, ms as f64)),
            _ => None,
        };
        let started = js_sys::Date::now();
        let attempt_signal = controller.as_ref().map(AbortController::signal);
        let result = self.exchange(request, attempt_signal.as_ref()).await;
        if let Some(timer) = timer {
            clear_timeout(&timer);
        }
        if let (Some(s), Some(abort)) = (signal, &abort) {
            let _ = s.0.remove_event_listener_with_callback("abort", abort);
        }
        match result {
            Ok((response, status_text)) => {
                self.trace(request, &response, &status_text, started);
                Ok(response)
            }
            Err(_) if signal.is_some_and(|s| s.0.aborted()) => Err(aborted()),
            Err(_) if attempt_signal.as_ref().is_some_and(AbortSignal::aborted) => Err(Error::new(
                ErrorKind::Timeout,
                "the call did not finish within its timeout",
            )),
            Err(e) if e.kind() == ErrorKind::Network => {
                let mut prefix = String::from("could not reach ");
                prefix.push_str(crate::url::host_of(&request.url));
                prefix.push_str(": ");
                Err(e.with_message_prefix(&prefix))
            }
            Err(e) => Err(e),
        }
    }
}

impl FetchTransport {
    /// Sends, checks and reads one response: the response and its status text.
    async fn exchange(
        &self,
        request: &HttpRequest,
        signal: Option<&AbortSignal>,
    ) -> Result<(Response<FetchBody>, String)> {
        if let Some(send) = &self.send {
            return self.exchange_with(send, request, signal).await;
        }
        let response = self.fetch(request, signal).await?;
        let status = response.status();
        // A browser's manual redirect is an opaque response of status 0; other runtimes hand over the 3xx.
        if (status == 0 && get_inherited(&response, "type") == JsValue::from_str("opaqueredirect"))
            || (300..400).contains(&status)
        {
            if let Some(body) = response.body() {
                let _ = body.cancel();
            }
            return Err(redirected());
        }
        let headers = header_pairs(
            &response.headers(),
            self.all_headers || self.on_request.is_some() || !(200..300).contains(&status),
        );
        let status_text = response.status_text();
        let body = if self.raw {
            FetchBody {
                text: String::new(),
                raw: Some(response),
            }
        } else {
            FetchBody {
                text: read_limited(&response, &headers).await?,
                raw: None,
            }
        };
        Ok((
            Response {
                status,
                headers,
                body,
            },
            status_text,
        ))
    }

    /// [`FetchTransport::exchange`] through the entry's own transport `send`.
    async fn exchange_with(
        &self,
        send: &Function,
        request: &HttpRequest,
        signal: Option<&AbortSignal>,
    ) -> Result<(Response<FetchBody>, String)> {
        let headers = Array::new();
        for (name, value) in &request.headers {
            headers.push(&JsValue::from_str(name));
            headers.push(&JsValue::from_str(value));
        }
        let args = Array::new();
        args.push(&JsValue::from_str(&request.method));
        args.push(&JsValue::from_str(&request.url));
        args.push(&headers);
        args.push(&if request.body.is_empty() {
            JsValue::UNDEFINED
        } else {
            Uint8Array::from(request.body.as_slice()).into()
        });
        args.push(signal.map_or(&JsValue::UNDEFINED, |s| s.as_ref()));
        args.push(&JsValue::from_f64(MAX_RESPONSE_BYTES as f64));
        let sent = send
            .apply(&JsValue::UNDEFINED, &args)
            .map_err(|e| network(&e))?;
        // The entry's own transport (js/node-http.js) returns a promise of an array.
        let answer: Array = wait(sent.unchecked_into()).await?.unchecked_into();
        let status = answer.get(0).as_f64().unwrap_or(0.0) as u16;
        if (300..400).contains(&status) {
            return Err(redirected());
        }
        let names: Array = answer.get(2).unchecked_into();
        let mut pairs = Vec::with_capacity(names.length() as usize / 2);
        let mut i = 0;
        while i + 1 < names.length() {
            if let (Some(n), Some(v)) = (names.get(i).as_string(), names.get(i + 1).as_string()) {
                pairs.push((n, v));
            }
            i += 2;
        }
        let bytes = answer
            .get(3)
            .dyn_into::<Uint8Array>()
            .map_err(|_| too_large())?
            .to_vec();
        Ok((
            Response {
                status,
                headers: pairs,
                body: FetchBody {
                    text: text_of(bytes),
                    raw: None,
                },
            },
            answer.get(1).as_string().unwrap_or_default(),
        ))
    }
}

fn redirected() -> Error {
    Error::new(
        ErrorKind::InvalidResponse,
        "the server answered with a redirect, which the service never does; it was not followed",
    )
}

fn too_large() -> Error {
    Error::new(
        ErrorKind::InvalidResponse,
        "the response body is larger than 1 MiB",
    )
}
