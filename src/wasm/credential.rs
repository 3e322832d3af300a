//! Credentials for JS: what authorizes a client's attempts besides a connection string's key, and the
//! Microsoft Entra ID credentials the package exports. Everything here drives the library's own
//! [`BearerCredential`] (token cache, one fetch for concurrent calls, a fresh token after a 401) and
//! [`crate::entra`] (the client-credentials request and the authority's answers) over the `fetch`
//! transport and the JS environment of [`super::fetch`].
//!
//! - [`JsCredential`]: a connection string's key, a key credential (`{ key }`, read on every attempt, so
//!   `AzureKeyCredential.update()` rotates it), or a token credential (`getToken(scopes, { abortSignal })`,
//!   the interface of `@azure/core-auth`, so `@azure/identity`'s credentials work unchanged).
//! - [`EntraCredential`]: the JS `ClientSecretCredential` and `ClientAssertionCredential` wrap it.
//!
//! A token credential's failure keeps its JS error: it becomes the `cause` of the call's `AcsError`.

use super::convert::{self, get, get_inherited, get_string, invalid};
use super::fetch::{FetchTransport, JsEnvironment, JsSignal};
use crate::client::HttpRequest;
use crate::connection_string::{AccessKey, Endpoint};
use crate::credential::{self, Attempt, BearerCredential, Credential, TokenProvider};
use crate::entra::{
    self, AssertionProvider, Authority, BearerToken, ClientAssertionCredential,
    ClientSecretCredential,
};
use crate::error::{Error, ErrorKind, Result, ServiceError};
use js_sys::{Array, Function, Object, Promise, Reflect};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

fn authentication(message: &'static str) -> Error {
    Error::new(ErrorKind::Authentication, message)
}

/// The key of a key credential, read now.
fn key_of(credential: &JsValue) -> Result<AccessKey> {
    get_inherited(credential, "key")
        .as_string()
        .and_then(|k| AccessKey::from_base64(&k).ok())
        .ok_or_else(|| {
            invalid(
                "credential",
                "the key credential's key must be a non-empty base64 string",
            )
        })
}

/// Calls `target.name(args...)` and waits for its promise: the value, or what it threw or rejected with.
async fn call(
    target: &JsValue,
    name: &str,
    args: &Array,
) -> core::result::Result<JsValue, JsValue> {
    let method: Function = get_inherited(target, name)
        .dyn_into()
        .map_err(|_| JsValue::from_str("not a function"))?;
    let value = method.apply(target, args)?;
    JsFuture::from(Promise::resolve(&value)).await
}

/// The library's error for what a token credential (or `getAssertion`) threw or rejected with: an abort
/// stays an abort; an `AcsError` of this package keeps its code's kind when it is an authentication error,
/// with what the authority said; anything else is `ERR_AUTHENTICATION`.
fn rejection(e: &JsValue, fallback: &'static str) -> Error {
    let code = get_string(e, "code").unwrap_or_default();
    if code == "ERR_ABORTED" || get_string(e, "name").as_deref() == Some("AbortError") {
        return Error::new(ErrorKind::Aborted, "the call was aborted");
    }
    // Only this package's own errors (`AcsError`s, whose messages never hold a secret) lend their words.
    if get_string(e, "name").as_deref() != Some("AcsError") {
        return authentication(fallback);
    }
    let message = get_string(e, "message").unwrap_or_default();
    if code == ErrorKind::Timeout.code() {
        return Error::new(ErrorKind::Timeout, message);
    }
    if code == ErrorKind::Authentication.code() && !message.is_empty() {
        let text = |name| get_string(e, name);
        return match convert::get_number(e, "statusCode") {
            Some(status) => Error::authentication(
                message,
                ServiceError {
                    status: status as u16,
                    code: text("serviceCode"),
                    message: text("serviceMessage"),
                    target: None,
                    request_id: text("requestId"),
                    ms_cv: text("msCv"),
                },
            ),
            None => Error::new(ErrorKind::Authentication, message),
        };
    }
    // Another of this package's errors: its message says what failed (the authority could not be reached,
    // say). A foreign error's message is left to its `cause`.
    if code.starts_with("ERR_") && !message.is_empty() {
        let mut text = String::from(fallback);
        text.push_str(": ");
        text.push_str(&message);
        return Error::new(ErrorKind::Authentication, text);
    }
    authentication(fallback)
}

/// A JS token credential (`@azure/core-auth`'s `TokenCredential`), asked by the library's
/// [`BearerCredential`], which caches its tokens.
pub(crate) struct JsTokenProvider {
    credential: JsValue,
    /// Drops the cached token of one of this package's Entra credentials (`options.credentialReset`, set
    /// by the package's JS), so that the token asked after a 401 is a new one.
    reset: Option<Function>,
    /// The deadline of the attempt being authorized (see [`Attempt::deadline_unix_ms`]).
    deadline: Cell<Option<i64>>,
    /// What the last failed `getToken` threw or rejected with, for the `cause` of the call's error.
    cause: RefCell<JsValue>,
}

impl TokenProvider<JsSignal> for JsTokenProvider {
    async fn get_token(&self, scopes: &[&str], signal: Option<&JsSignal>) -> Result<BearerToken> {
        let list = Array::new();
        for scope in scopes {
            list.push(&JsValue::from_str(scope));
        }
        let options = Object::new();
        if let Some(s) = signal {
            let _ = Reflect::set(&options, &JsValue::from_str("abortSignal"), &s.0);
        }
        // The time left of the call whose attempt asks for this token (set just before, in the same poll):
        // the package's JS stops waiting for the credential then (and when the call is aborted).
        if let Some(deadline) = self.deadline.take() {
            let left = (deadline - js_sys::Date::now() as i64).max(0) as f64;
            let _ = Reflect::set(
                &options,
                &JsValue::from_str("budgetMs"),
                &JsValue::from_f64(left),
            );
        }
        let args = Array::of2(&list, &options);
        let answer = match call(&self.credential, "getToken", &args).await {
            Ok(answer) => answer,
            Err(e) => {
                let error = rejection(&e, "the token credential failed to give a token");
                self.cause.replace(e);
                return Err(error);
            }
        };
        self.cause.replace(JsValue::UNDEFINED);
        if answer.is_null() || answer.is_undefined() {
            return Err(authentication("the token credential gave no token"));
        }
        let token = get_inherited(&answer, "token")
            .as_string()
            .filter(|t| !t.is_empty());
        let expires = get_inherited(&answer, "expiresOnTimestamp")
            .as_f64()
            .filter(|t| t.is_finite());
        match (token, expires) {
            (Some(token), Some(expires)) => Ok(BearerToken::new(token, expires as i64)),
            _ => Err(authentication(
                "the token credential's answer is not { token, expiresOnTimestamp }",
            )),
        }
    }
}

/// How a JS client authorizes its attempts.
#[derive(Clone)]
pub(crate) enum JsCredential {
    /// The key of a connection string.
    Access(AccessKey),
    /// A key credential (`{ key }`), read on every attempt.
    Key(JsValue),
    /// A token credential, through the library's token cache.
    Token(BearerCredential<JsTokenProvider>),
}

impl JsCredential {
    /// A key credential (an object with `key`) or a token credential (an object with `getToken`), checked.
    pub(crate) fn from_js(value: JsValue, options: &JsValue) -> Result<JsCredential> {
        let fail = || {
            invalid(
                "credential",
                "the credential must be a key credential ({ key }) or a token credential ({ getToken })",
            )
        };
        if !value.is_object() {
            return Err(fail());
        }
        if get_inherited(&value, "getToken").is_function() {
            return Ok(JsCredential::Token(BearerCredential::new(
                JsTokenProvider {
                    credential: value,
                    reset: get(options, "credentialReset").dyn_into().ok(),
                    deadline: Cell::new(None),
                    cause: RefCell::new(JsValue::UNDEFINED),
                },
            )));
        }
        if get_inherited(&value, "key").is_undefined() {
            return Err(fail());
        }
        key_of(&value)?;
        Ok(JsCredential::Key(value))
    }

    /// The plain-object form of a call's error (see [`convert::error`]); an authentication error of a
    /// token credential gets what its `getToken` threw as `cause`.
    pub(crate) fn error(&self, error: Error) -> JsValue {
        let cause = match (self, error.kind()) {
            (JsCredential::Token(bearer), ErrorKind::Authentication) => {
                bearer.provider().cause.borrow().clone()
            }
            _ => JsValue::UNDEFINED,
        };
        let out = convert::error(error);
        if !cause.is_undefined() {
            let _ = Reflect::set(&out, &JsValue::from_str("cause"), &cause);
        }
        out
    }
}

impl Credential<JsSignal> for JsCredential {
    async fn authorize(
        &self,
        request: &mut HttpRequest,
        attempt: &Attempt<'_, JsSignal>,
    ) -> Result<()> {
        let key = match self {
            JsCredential::Token(bearer) => {
                // Read by the provider if this attempt's authorization asks for a token (synchronously,
                // in this poll); a token served from the cache leaves it for the next attempt to set.
                bearer.provider().deadline.set(attempt.deadline_unix_ms);
                return bearer.authorize(request, attempt).await;
            }
            JsCredential::Access(key) => key.clone(),
            JsCredential::Key(credential) => key_of(credential)?,
        };
        credential::sign_request(
            &key,
            request,
            attempt.host,
            attempt.path_and_query,
            attempt.now_unix_ms,
        )
    }

    fn unauthorized(&self) -> bool {
        match self {
            JsCredential::Token(bearer) => {
                if let Some(reset) = &bearer.provider().reset {
                    let _ = reset.call0(&JsValue::UNDEFINED);
                }
                Credential::<JsSignal>::unauthorized(bearer)
            }
            _ => false,
        }
    }
}

/// The endpoint of a client made with a credential: `https://host[:port]` (a bad one is the caller's
/// argument `endpoint`, not part of a connection string).
pub(crate) fn endpoint(input: &str) -> Result<Endpoint> {
    Endpoint::parse(input).map_err(|e| {
        Error::new(ErrorKind::InvalidArgument, String::from(e.message())).with_target("endpoint")
    })
}

/// `getAssertion` of a `ClientAssertionCredential`: a function returning a signed JWT (or a promise of
/// one), called for each token request.
struct JsAssertion {
    get_assertion: Function,
    /// What the last failed `getAssertion` threw or rejected with (shared with its [`EntraCredential`]).
    cause: Rc<RefCell<JsValue>>,
}

impl AssertionProvider<JsSignal> for JsAssertion {
    async fn assertion(&self, _signal: Option<&JsSignal>) -> Result<String> {
        let answer = match self.get_assertion.call0(&JsValue::UNDEFINED) {
            Ok(value) => JsFuture::from(Promise::resolve(&value)).await,
            Err(e) => Err(e),
        };
        match answer {
            Ok(value) => value
                .as_string()
                .ok_or_else(|| authentication("getAssertion did not give a string")),
            Err(e) => {
                let error = rejection(&e, "getAssertion failed to give an assertion");
                self.cause.replace(e);
                Err(error)
            }
        }
    }
}

enum App {
    Secret(ClientSecretCredential<FetchTransport, JsEnvironment>),
    Assertion(ClientAssertionCredential<FetchTransport, JsEnvironment, JsAssertion>),
}

/// A Microsoft Entra ID application's credential (the client-credentials grant over `fetch`): the JS
/// `ClientSecretCredential` and `ClientAssertionCredential`. Tokens are cached and refreshed 5 minutes
/// before they expire; concurrent callers with no token share one token request.
#[wasm_bindgen]
pub struct EntraCredential {
    app: Rc<App>,
    /// What the last failed `getAssertion` threw, for the `cause` of the error.
    cause: Rc<RefCell<JsValue>>,
}

/// The authority and transport of `options` (`{ authorityHost?, fetch?, sendUserAgent }`).
fn authority(tenant_id: &str, options: &JsValue) -> Result<(Authority, FetchTransport)> {
    let host = get_string(options, "authorityHost");
    let authority = Authority::new(
        host.as_deref().unwrap_or(entra::DEFAULT_AUTHORITY_HOST),
        tenant_id,
        false,
    )?;
    let (_, mut transport) = super::identity::settings(options);
    // Token requests carry the secret in their body: they are never shown to a trace.
    transport.on_request = None;
    Ok((authority, transport))
}

#[wasm_bindgen]
impl EntraCredential {
    /// A client-secret credential of the application `client_id` in `tenant_id`.
    #[wasm_bindgen(js_name = clientSecret)]
    pub fn client_secret(
        tenant_id: &str,
        client_id: &str,
        client_secret: &str,
        options: &JsValue,
    ) -> core::result::Result<EntraCredential, JsValue> {
        let (authority, transport) = authority(tenant_id, options).map_err(convert::error)?;
        let app = ClientSecretCredential::new(
            authority,
            client_id,
            client_secret,
            transport,
            JsEnvironment,
        )
        .map_err(convert::error)?;
        Ok(EntraCredential {
            app: Rc::new(App::Secret(app)),
            cause: Rc::default(),
        })
    }

    /// A client-assertion credential of the application `client_id` in `tenant_id`, whose assertions come
    /// from `get_assertion`.
    #[wasm_bindgen(js_name = clientAssertion)]
    pub fn client_assertion(
        tenant_id: &str,
        client_id: &str,
        get_assertion: Function,
        options: &JsValue,
    ) -> core::result::Result<EntraCredential, JsValue> {
        let (authority, transport) = authority(tenant_id, options).map_err(convert::error)?;
        let cause = Rc::new(RefCell::new(JsValue::UNDEFINED));
        let assertion = JsAssertion {
            get_assertion,
            cause: Rc::clone(&cause),
        };
        let app = ClientAssertionCredential::new(
            authority,
            client_id,
            assertion,
            transport,
            JsEnvironment,
        )
        .map_err(convert::error)?;
        Ok(EntraCredential {
            app: Rc::new(App::Assertion(app)),
            cause,
        })
    }

    /// Forgets the cached token, so that the next `getToken` asks the authority (the package's clients
    /// call it when the service answered 401 to the token).
    #[wasm_bindgen(js_name = clearCache)]
    pub fn clear_cache(&self) {
        match &*self.app {
            App::Secret(c) => c.clear_cache(),
            App::Assertion(c) => c.clear_cache(),
        }
    }

    /// `getToken(scopes, { abortSignal? })` of `@azure/core-auth`: resolves with `{ token,
    /// expiresOnTimestamp, refreshAfterTimestamp, tokenType }`. `scopes` is an array of strings (the
    /// package's JS makes one of a single string).
    #[wasm_bindgen(js_name = getToken)]
    pub fn get_token(&self, scopes: JsValue, options: JsValue) -> Promise {
        let app = Rc::clone(&self.app);
        let cause = Rc::clone(&self.cause);
        future_to_promise(async move {
            let scopes = super::identity::strings(&scopes).map_err(convert::error)?;
            let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
            let signal = get(&options, "abortSignal")
                .dyn_into::<web_sys::AbortSignal>()
                .ok()
                .map(JsSignal);
            let result = match &*app {
                App::Secret(c) => c.get_token(&scopes, signal.as_ref()).await,
                App::Assertion(c) => c.get_token(&scopes, signal.as_ref()).await,
            };
            let token = result.map_err(|e| {
                let out = convert::error(e);
                let cause = cause.replace(JsValue::UNDEFINED);
                if !cause.is_undefined() {
                    let _ = Reflect::set(&out, &JsValue::from_str("cause"), &cause);
                }
                out
            })?;
            let out = Object::new();
            let set = |name: &str, value: &JsValue| {
                let _ = Reflect::set(&out, &JsValue::from_str(name), value);
            };
            let expires = token.expires_on_unix_ms as f64;
            set("token", &JsValue::from_str(token.expose_secret()));
            set("expiresOnTimestamp", &JsValue::from_f64(expires));
            set(
                "refreshAfterTimestamp",
                &JsValue::from_f64(expires - entra::REFRESH_MARGIN_MS as f64),
            );
            set("tokenType", &JsValue::from_str("Bearer"));
            Ok(out.into())
        })
    }
}
