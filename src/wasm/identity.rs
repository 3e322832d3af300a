//! The identity client for JS: the library's [`IdentityClient`] over `fetch` ([`super::fetch`]). Each
//! method reads its arguments, runs build -> sign -> send -> parse (retried as the policy says, each
//! attempt signed anew) and resolves with the result in the shapes of `@azure/communication-identity`.

use super::convert::{self, get, get_number, get_string, invalid, to_js, Date, JsResult};
use super::credential::{self, JsCredential};
use super::fetch::{FetchBody, FetchTransport, JsEnvironment, JsSignal};
use crate::client::{CallOptions, ClientOptions, IdentityClient};
use crate::connection_string::ConnectionString;
use crate::error::Error;
use crate::operations::{self as ops, AccessToken, CommunicationUser, Operation, OperationKind};
use crate::retry::RetryOptions;
use js_sys::{Array, Function, Object, Promise};
use serde::Serialize;
use std::borrow::Cow;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;
use web_sys::AbortSignal;

type Inner = IdentityClient<FetchTransport, JsEnvironment, JsCredential>;

/// A client of `endpoint` authorized by `credential`, with the checked `options`.
fn client(
    endpoint: &str,
    credential: JsValue,
    js_options: &JsValue,
    options: ClientOptions,
    transport: FetchTransport,
) -> Result<Inner, Error> {
    let endpoint = credential::endpoint(endpoint)?;
    let credential = JsCredential::from_js(credential, js_options)?;
    IdentityClient::with_credential(endpoint, credential, options, transport, JsEnvironment)
}

/// A client of the resource of `connection_string`, signing with its key.
fn from_connection_string(
    connection_string: &str,
    options: ClientOptions,
    transport: FetchTransport,
) -> Result<Inner, Error> {
    let cs = ConnectionString::parse(connection_string)?;
    let key = JsCredential::Access(cs.access_key().clone());
    IdentityClient::with_credential(
        cs.endpoint().clone(),
        key,
        options,
        transport,
        JsEnvironment,
    )
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UserOut<'a> {
    communication_user_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    custom_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_token_issued_at: Option<Date>,
}

impl<'a> From<&'a CommunicationUser> for UserOut<'a> {
    fn from(user: &'a CommunicationUser) -> Self {
        UserOut {
            communication_user_id: &user.id,
            custom_id: user.custom_id.as_deref(),
            last_token_issued_at: user.last_token_issued_at_unix_ms().map(Date),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TokenOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<UserOut<'a>>,
    token: &'a str,
    expires_on: Date,
}

impl<'a> TokenOut<'a> {
    fn new(token: &'a AccessToken, user: Option<&'a CommunicationUser>) -> Self {
        TokenOut {
            user: user.map(UserOut::from),
            token: &token.token,
            expires_on: Date(token.expires_on_unix_ms),
        }
    }
}

/// The client options of the JS API: `{ apiVersion?, retry?: { maxRetries, baseDelayMs, maxDelayMs },
/// timeoutMs?, userAgentPrefix?, allowInsecureConnection?, fetch?, onRequest?, sendUserAgent, transport? }` (the
/// package's JS checks the numbers first), as the library's options and a transport.
pub(crate) fn settings(options: &JsValue) -> (ClientOptions, FetchTransport) {
    let defaults = RetryOptions::default();
    let retry = get(options, "retry");
    let setting = |name: &str, default: u64| get_number(&retry, name).map_or(default, |n| n as u64);
    let client_options = ClientOptions {
        // Absent: the default; anything but a string: "" (which the api-version check refuses).
        api_version: match get(options, "apiVersion") {
            v if v.is_undefined() || v.is_null() => ops::DEFAULT_API_VERSION.into(),
            v => v.as_string().unwrap_or_default(),
        },
        retry: RetryOptions {
            max_retries: setting("maxRetries", u64::from(defaults.max_retries)) as u32,
            base_delay_ms: setting("baseDelayMs", defaults.base_delay_ms),
            max_delay_ms: setting("maxDelayMs", defaults.max_delay_ms),
        },
        timeout_ms: get_number(options, "timeoutMs")
            .filter(|t| *t > 0.0)
            .map(|t| t as u64),
        user_agent_prefix: get_string(options, "userAgentPrefix"),
        allow_insecure_connection: get(options, "allowInsecureConnection").as_bool() == Some(true),
    };
    let transport = FetchTransport {
        fetch: get(options, "fetch").dyn_into::<Function>().ok(),
        send: get(options, "transport").dyn_into::<Function>().ok(),
        on_request: get(options, "onRequest").dyn_into::<Function>().ok(),
        user_agent: get(options, "sendUserAgent").as_bool() != Some(false),
        raw: false,
        init: None,
        all_headers: false,
    };
    (client_options, transport)
}

pub(crate) fn strings(value: &JsValue) -> Result<Vec<String>, Error> {
    let fail = || invalid("scopes", "scopes must be an array of strings");
    if !Array::is_array(value) {
        return Err(fail());
    }
    let mut out = Vec::new();
    for item in Array::from(value).iter() {
        out.push(item.as_string().ok_or_else(fail)?);
    }
    Ok(out)
}

fn minutes(v: &JsValue) -> Result<Option<u32>, Error> {
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    let n = v
        .as_f64()
        .ok_or_else(|| invalid("expiresInMinutes", "expiresInMinutes must be a number"))?;
    ops::expires_in_minutes_from_number(n).map(Some)
}

/// The arguments of one call.
struct Args {
    /// The user's id (the JS checked it is a string); `None` for the operations without a user.
    user_id: Option<String>,
    /// The scopes as given (checked here).
    scopes: JsValue,
    /// `tokenExpiresInMinutes` as given.
    minutes: JsValue,
    /// `customId` when it is a string.
    custom_id: Option<String>,
    /// getTokenForTeamsUser's `{ teamsUserAadToken, clientId, userObjectId }`, the caller's object.
    teams: JsValue,
}

impl Args {
    fn user(&self) -> Result<ops::UserOptions, Error> {
        Ok(ops::UserOptions {
            user_id: self
                .user_id
                .clone()
                .ok_or_else(|| invalid("user", "user must be { communicationUserId: string }"))?,
        })
    }
}

/// The request of the operation `kind` with `args` (see the JS API), checked before anything is sent.
/// The `match`es here and in [`result`] are exhaustive: a new [`OperationKind`] does not compile until
/// both handle it.
fn request(kind: OperationKind, v: &str, args: Args) -> Result<ops::Request, Error> {
    match kind {
        OperationKind::CreateUser => ops::CreateUser::request(
            v,
            &ops::CreateUserOptions {
                custom_id: args.custom_id,
            },
        ),
        OperationKind::CreateUserAndToken => ops::CreateUserAndToken::request(
            v,
            &ops::CreateUserAndTokenOptions {
                scopes: strings(&args.scopes)?,
                expires_in_minutes: minutes(&args.minutes)?,
                custom_id: args.custom_id,
            },
        ),
        OperationKind::GetToken => ops::GetToken::request(
            v,
            &ops::GetTokenOptions {
                user_id: args.user()?.user_id,
                scopes: strings(&args.scopes)?,
                expires_in_minutes: minutes(&args.minutes)?,
            },
        ),
        OperationKind::RevokeTokens => ops::RevokeTokens::request(v, &args.user()?),
        OperationKind::DeleteUser => ops::DeleteUser::request(v, &args.user()?),
        OperationKind::GetUser => ops::GetUser::request(v, &args.user()?),
        OperationKind::GetTokenForTeamsUser => {
            let text = |name| get_string(&args.teams, name).unwrap_or_default();
            ops::GetTokenForTeamsUser::request(
                v,
                &ops::GetTokenForTeamsUserOptions {
                    teams_user_aad_token: text("teamsUserAadToken"),
                    client_id: text("clientId"),
                    user_object_id: text("userObjectId"),
                },
            )
        }
    }
}

/// The result of the operation `kind` from its response, in the shapes of the JS SDK.
fn result(kind: OperationKind, response: &ops::Response<FetchBody>) -> JsResult {
    let fail = convert::error;
    let user = |u: Result<CommunicationUser, Error>| to_js(&UserOut::from(&u.map_err(fail)?));
    let token = |t: Result<AccessToken, Error>| to_js(&TokenOut::new(&t.map_err(fail)?, None));
    let done = |r: Result<(), Error>| r.map(|()| JsValue::UNDEFINED).map_err(fail);
    match kind {
        OperationKind::CreateUser => user(ops::CreateUser::parse_response(response)),
        OperationKind::CreateUserAndToken => {
            let r = ops::CreateUserAndToken::parse_response(response).map_err(fail)?;
            to_js(&TokenOut::new(&r.token, Some(&r.user)))
        }
        OperationKind::GetToken => token(ops::GetToken::parse_response(response)),
        OperationKind::RevokeTokens => done(ops::RevokeTokens::parse_response(response)),
        OperationKind::DeleteUser => done(ops::DeleteUser::parse_response(response)),
        OperationKind::GetUser => user(ops::GetUser::parse_response(response)),
        OperationKind::GetTokenForTeamsUser => {
            token(ops::GetTokenForTeamsUser::parse_response(response))
        }
    }
}

/// The per-call `abortSignal`: an `AbortSignal` of any realm or implementation.
fn call_signal(signal: JsValue) -> Option<JsSignal> {
    convert::is_a(&signal, "[object AbortSignal]")
        .then(|| JsSignal(signal.unchecked_into::<AbortSignal>()))
}

/// The per-call `timeoutMs` (the JS checked it is a number >= 0; 0 is no bound).
fn call_timeout(timeout_ms: Option<f64>) -> Option<u64> {
    timeout_ms.filter(|t| *t > 0.0).map(|t| t as u64)
}

/// The client of the Communication Services Identity API (the JS `CommunicationIdentityClient` wraps it).
#[wasm_bindgen]
pub struct Client {
    inner: Rc<Inner>,
}

#[wasm_bindgen]
impl Client {
    /// Parses the connection string and checks the options (see [`settings`]). Plain http is refused for an
    /// endpoint that is not loopback unless `allowInsecureConnection`.
    #[wasm_bindgen(constructor)]
    pub fn new(connection_string: String, options: &JsValue) -> Result<Client, JsValue> {
        let connection_string = convert::Wiped(connection_string);
        let (client_options, transport) = settings(options);
        let inner = from_connection_string(&connection_string, client_options, transport)
            .map_err(convert::error)?;
        Ok(Client {
            inner: Rc::new(inner),
        })
    }

    /// A client of `endpoint` (`https://host[:port]`) authorized by `credential`: a key credential
    /// (`{ key }`, read on every attempt) or a token credential (`{ getToken }`, bearer tokens).
    #[wasm_bindgen(js_name = withCredential)]
    pub fn with_credential(
        endpoint: &str,
        credential: JsValue,
        options: &JsValue,
    ) -> Result<Client, JsValue> {
        let (client_options, transport) = settings(options);
        let inner = client(endpoint, credential, options, client_options, transport)
            .map_err(convert::error)?;
        Ok(Client {
            inner: Rc::new(inner),
        })
    }

    /// The resource endpoint, `https://host[:port]`.
    #[wasm_bindgen(getter)]
    pub fn endpoint(&self) -> String {
        self.inner.endpoint().as_str().into()
    }

    /// Runs the operation named `op` (an [`OperationKind`] name: `createUser`, `getToken`, ...) with
    /// `args`: `[userId, scopes, expiresInMinutes, customId, teams, abortSignal, timeoutMs]` (see
    /// [`Args`]; what the operation does not take is `undefined`). An array: reading members of an
    /// object would be two calls into JS and a string each.
    pub fn call(&self, op: String, args: Array) -> Promise {
        let client = Rc::clone(&self.inner);
        future_to_promise(async move {
            let signal = call_signal(args.get(5));
            let call = CallOptions {
                timeout_ms: call_timeout(args.get(6).as_f64()),
                signal: signal.as_ref(),
            };
            let kind = OperationKind::from_name(&op)
                .ok_or_else(|| convert::error(invalid("operation", "unknown operation")))?;
            let args = Args {
                user_id: args.get(0).as_string(),
                scopes: args.get(1),
                minutes: args.get(2),
                custom_id: args.get(3).as_string(),
                teams: args.get(4),
            };
            let request = request(kind, client.api_version(), args).map_err(convert::error)?;
            let response = client
                .send(request, call)
                .await
                .map_err(|e| client.credential().error(e))?;
            result(kind, &response)
        })
    }
}

/// Signs, sends and retries any request to one resource, handing back the `Response` unread (the JS
/// `createSignedFetch`).
#[wasm_bindgen]
pub struct SignedFetch {
    /// The checked client, whose connection string, options and transport settings each call reuses
    /// (with the call's own `fetch` options).
    client: Inner,
    /// `allowInsecureConnection`, which the client does not keep (it was checked once, here).
    options: ClientOptions,
}

#[wasm_bindgen]
impl SignedFetch {
    /// Checks the connection string and options once.
    #[wasm_bindgen(constructor)]
    pub fn new(connection_string: String, options: &JsValue) -> Result<SignedFetch, JsValue> {
        let connection_string = convert::Wiped(connection_string);
        let (client_options, mut transport) = settings(options);
        // The caller reads the `Response`: sent with `fetch`, never the entry's own transport.
        transport.raw = true;
        transport.send = None;
        let client = from_connection_string(&connection_string, client_options.clone(), transport)
            .map_err(convert::error)?;
        Ok(SignedFetch {
            client,
            options: client_options,
        })
    }

    /// Checks the endpoint, credential (see [`Client::with_credential`]) and options once.
    #[wasm_bindgen(js_name = withCredential)]
    pub fn with_credential(
        endpoint: &str,
        credential: JsValue,
        options: &JsValue,
    ) -> Result<SignedFetch, JsValue> {
        let (client_options, mut transport) = settings(options);
        transport.raw = true;
        transport.send = None;
        let client = client(
            endpoint,
            credential,
            options,
            client_options.clone(),
            transport,
        )
        .map_err(convert::error)?;
        Ok(SignedFetch {
            client,
            options: client_options,
        })
    }

    /// The resource endpoint, `https://host[:port]`.
    #[wasm_bindgen(getter)]
    pub fn endpoint(&self) -> String {
        self.client.endpoint().as_str().into()
    }

    /// Sends `method path_and_query` with `headers` (`[[name, value], ...]`) and `body`; `init` holds the
    /// caller's other `fetch` options, `call` is `[abortSignal, timeoutMs]`. Resolves with the last
    /// `Response`.
    pub fn send(
        &self,
        method: String,
        path_and_query: String,
        headers: Array,
        body: Vec<u8>,
        init: Option<Object>,
        call: Array,
    ) -> Promise {
        let transport = FetchTransport {
            init,
            ..self.client.transport().clone()
        };
        let client = self
            .client
            .with_transport(self.options.clone(), transport, JsEnvironment);
        future_to_promise(async move {
            let client = client.map_err(convert::error)?;
            let mut pairs = Vec::new();
            for pair in headers.iter() {
                let pair = Array::from(&pair);
                if let (Some(n), Some(v)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
                    pairs.push((Cow::Owned(n.to_ascii_lowercase()), v));
                }
            }
            let signal = call_signal(call.get(0));
            let call = CallOptions {
                timeout_ms: call_timeout(call.get(1).as_f64()),
                signal: signal.as_ref(),
            };
            let response = client
                .send_raw(Cow::Owned(method), &path_and_query, pairs, body, call)
                .await
                .map_err(|e| client.credential().error(e))?;
            Ok(response.body.raw.map_or(JsValue::UNDEFINED, JsValue::from))
        })
    }
}
