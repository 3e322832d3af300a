//! Microsoft Entra ID, sans I/O: the OAuth 2.0 client-credentials grant that gets a bearer token for
//! Communication Services, and a token cache that refreshes early and asks the authority once however many
//! calls are waiting.
//!
//! - [`Authority`] is where tokens come from (`https://login.microsoftonline.com` and a tenant).
//! - [`token_request`] builds the form-encoded `POST {authorityHost}/{tenant}/oauth2/v2.0/token` of a client
//!   secret or a client assertion; [`parse_token_response`] reads the answer into a [`BearerToken`], or the
//!   authority's refusal (`invalid_client`, `AADSTS7000215`, ...) into an [`ErrorKind::Authentication`]
//!   error with the AADSTS code and the authority's correlation id, never the secret.
//! - [`TokenCache`] holds one token and makes concurrent callers share one refresh.
//!
//! ```
//! use acs_identity_edge::entra::{self, Authority, ClientAuth};
//!
//! let authority = Authority::new(entra::DEFAULT_AUTHORITY_HOST, "contoso.onmicrosoft.com", false)?;
//! let request = entra::token_request(&authority, "00000000-0000-0000-0000-000000000001",
//!     ClientAuth::Secret("s3cret"), &[entra::COMMUNICATION_SCOPE])?;
//! assert_eq!(request.url, "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token");
//! assert!(std::str::from_utf8(&request.body).unwrap()
//!     .contains("&scope=https%3A%2F%2Fcommunication.azure.com%2F%2F.default&"));
//!
//! let token = entra::parse_token_response(200, &[],
//!     br#"{"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"eyJ0"}"#.as_slice(),
//!     1_700_000_000_000)?;
//! assert_eq!(token.expires_on_unix_ms, 1_700_003_599_000);
//! # Ok::<(), acs_identity_edge::Error>(())
//! ```

use crate::client::{Environment, HttpRequest, Transport};
use crate::connection_string::{Endpoint, Scheme};
use crate::credential::TokenProvider;
use crate::error::{Error, ErrorKind, Result, ServiceError};
use crate::json::{JsonBody, Value};
use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use zeroize::Zeroize;

/// The scope a Communication Services bearer token is asked for (the official SDKs' string, with its double
/// slash).
pub const COMMUNICATION_SCOPE: &str = "https://communication.azure.com//.default";

/// The public cloud's authority host, the default of `@azure/identity`.
pub const DEFAULT_AUTHORITY_HOST: &str = "https://login.microsoftonline.com";

/// The `client_assertion_type` of a signed JWT assertion (certificate or federated credentials).
pub const CLIENT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How long before its expiry a cached token is refreshed: 5 minutes, as `@azure/identity` does.
pub const REFRESH_MARGIN_MS: i64 = 5 * 60 * 1000;

/// Where tokens come from: an authority host and a tenant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authority {
    host: Endpoint,
    tenant_id: String,
}

fn invalid(target: &'static str, message: &'static str) -> Error {
    Error::new(ErrorKind::InvalidArgument, message).with_target(target)
}

impl Authority {
    /// An authority host (`https://login.microsoftonline.com`, or a sovereign cloud's; plain `http` only
    /// for a loopback host, or with `allow_insecure_connection`) and a tenant (a GUID or a domain name).
    pub fn new(
        authority_host: &str,
        tenant_id: &str,
        allow_insecure_connection: bool,
    ) -> Result<Authority> {
        let host = Endpoint::parse(authority_host).map_err(|_| {
            invalid(
                "authorityHost",
                "the authority host must be an https:// URL without a path",
            )
        })?;
        if host.scheme() == Scheme::Http && !host.is_loopback() && !allow_insecure_connection {
            return Err(invalid(
                "authorityHost",
                "plain http is refused for an authority that is not loopback; use https",
            ));
        }
        let tenant_ok = !tenant_id.is_empty()
            && tenant_id.len() <= 256
            && tenant_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
            && !tenant_id.starts_with('.');
        if !tenant_ok {
            return Err(invalid(
                "tenantId",
                "the tenant id must be a GUID or a domain name (letters, digits, '-' and '.')",
            ));
        }
        Ok(Authority {
            host,
            tenant_id: tenant_id.to_string(),
        })
    }

    /// `https://host[:port]`.
    pub fn host(&self) -> &Endpoint {
        &self.host
    }

    /// The tenant.
    pub fn tenant_id(&self) -> &str {
        &self.tenant_id
    }

    /// `{host}/{tenant}/oauth2/v2.0/token`.
    pub fn token_url(&self) -> String {
        let mut url = String::with_capacity(self.host.as_str().len() + self.tenant_id.len() + 24);
        url.push_str(self.host.as_str());
        url.push('/');
        url.push_str(&self.tenant_id);
        url.push_str("/oauth2/v2.0/token");
        url
    }
}

/// How the application proves who it is.
#[derive(Clone, Copy)]
pub enum ClientAuth<'a> {
    /// A client secret.
    Secret(&'a str),
    /// A signed JWT (from a certificate, or a federated identity's token).
    Assertion(&'a str),
}

impl core::fmt::Debug for ClientAuth<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            ClientAuth::Secret(_) => "Secret(<redacted>)",
            ClientAuth::Assertion(_) => "Assertion(<redacted>)",
        })
    }
}

/// Appends `value` as `application/x-www-form-urlencoded` does (WHATWG): `*-._` and alphanumerics as they
/// are, space as `+`, every other byte as `%XX`.
fn push_form_encoded(out: &mut String, value: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in value.bytes() {
        match b {
            b'*' | b'-' | b'.' | b'_' => out.push(char::from(b)),
            b' ' => out.push('+'),
            _ if b.is_ascii_alphanumeric() => out.push(char::from(b)),
            _ => {
                out.push('%');
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 0xf)]));
            }
        }
    }
}

fn has_control(s: &str) -> bool {
    s.bytes().any(|b| b < b' ' || b == 0x7f)
}

/// The client-credentials token request: `POST {authorityHost}/{tenant}/oauth2/v2.0/token` with the form
/// `client_id`, `scope` (the scopes joined by spaces), `grant_type=client_credentials` and the client's
/// proof. Its body holds the secret: its `Debug` does not show it, and it should be dropped once sent.
pub fn token_request(
    authority: &Authority,
    client_id: &str,
    auth: ClientAuth<'_>,
    scopes: &[&str],
) -> Result<HttpRequest> {
    if client_id.trim().is_empty() || has_control(client_id) {
        return Err(invalid(
            "clientId",
            "the client id must be a non-empty string without control characters",
        ));
    }
    let (name, proof) = match auth {
        ClientAuth::Secret(s) => ("clientSecret", s),
        ClientAuth::Assertion(a) => ("clientAssertion", a),
    };
    if proof.is_empty() {
        return Err(invalid(name, "the client credential is empty"));
    }
    if scopes.is_empty() || scopes.iter().any(|s| s.is_empty() || has_control(s)) {
        return Err(invalid("scopes", "at least one scope is needed"));
    }
    let mut body = String::with_capacity(160 + proof.len());
    body.push_str("client_id=");
    push_form_encoded(&mut body, client_id);
    body.push_str("&scope=");
    for (i, scope) in scopes.iter().enumerate() {
        if i > 0 {
            body.push('+');
        }
        push_form_encoded(&mut body, scope);
    }
    body.push_str("&grant_type=client_credentials&");
    match auth {
        ClientAuth::Secret(secret) => {
            body.push_str("client_secret=");
            push_form_encoded(&mut body, secret);
        }
        ClientAuth::Assertion(assertion) => {
            body.push_str("client_assertion_type=");
            push_form_encoded(&mut body, CLIENT_ASSERTION_TYPE);
            body.push_str("&client_assertion=");
            push_form_encoded(&mut body, assertion);
        }
    }
    Ok(HttpRequest {
        method: Cow::Borrowed("POST"),
        url: authority.token_url(),
        headers: vec![
            (
                Cow::Borrowed("content-type"),
                "application/x-www-form-urlencoded".into(),
            ),
            (Cow::Borrowed("accept"), "application/json".into()),
        ],
        body: body.into_bytes(),
        string_to_sign: None,
    })
}

/// A bearer token and when it expires. Its `Debug` does not show the token; the token's bytes are zeroed
/// when it is dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct BearerToken {
    token: String,
    /// The expiry in unix milliseconds.
    pub expires_on_unix_ms: i64,
}

impl BearerToken {
    /// A token that expires at `expires_on_unix_ms` (what a token credential's `getToken` returned).
    pub fn new(token: String, expires_on_unix_ms: i64) -> BearerToken {
        BearerToken {
            token,
            expires_on_unix_ms,
        }
    }

    /// The token, for the `Authorization: Bearer` header. Keep it out of anything that is printed.
    pub fn expose_secret(&self) -> &str {
        &self.token
    }

    /// True while the token is at least [`REFRESH_MARGIN_MS`] from its expiry at `now_unix_ms`.
    pub fn is_fresh(&self, now_unix_ms: i64) -> bool {
        now_unix_ms < self.expires_on_unix_ms.saturating_sub(REFRESH_MARGIN_MS)
    }

    /// True while the token has not expired at `now_unix_ms`.
    pub fn is_valid(&self, now_unix_ms: i64) -> bool {
        now_unix_ms < self.expires_on_unix_ms
    }
}

impl Drop for BearerToken {
    fn drop(&mut self) {
        self.token.zeroize();
    }
}

impl core::fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("BearerToken")
            .field("token", &"<redacted>")
            .field("expires_on_unix_ms", &self.expires_on_unix_ms)
            .finish()
    }
}

/// The first `AADSTS<digits>` in an error description.
fn aadsts_code(description: &str) -> Option<String> {
    let at = crate::ascii::find_str(description, "AADSTS")?;
    let digits = description[at + 6..]
        .bytes()
        .take_while(u8::is_ascii_digit)
        .count();
    (digits > 0).then(|| description[at..at + 6 + digits].to_string())
}

/// The first line of an error description, without Entra's trailing `Trace ID` / `Correlation ID` /
/// `Timestamp` lines (which the error carries apart).
fn first_line(description: &str) -> &str {
    let end = description
        .bytes()
        .position(|b| b == b'\r' || b == b'\n')
        .or_else(|| crate::ascii::find_str(description, " Trace ID:"))
        .unwrap_or(description.len());
    description[..end].trim()
}

/// The authority's refusal as an [`ErrorKind::Authentication`] error: the service code is the AADSTS code
/// (`AADSTS7000215`) or, without one, the OAuth `error` (`invalid_client`); the request id is the
/// authority's `correlation_id`.
pub fn authority_error<B: JsonBody + ?Sized>(
    status: u16,
    headers: &[(String, String)],
    body: &B,
) -> Error {
    let value = if body.is_empty() { None } else { body.value() };
    let text = |name: &str| match value.as_ref().and_then(|v| v.get(name)) {
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    };
    let error = text("error");
    let description = text("error_description");
    let code = description
        .as_deref()
        .and_then(aadsts_code)
        .or_else(|| error.clone());
    let correlation_id = text("correlation_id").or_else(|| {
        crate::operations::find_header(headers, crate::header::AUTHORITY_REQUEST_ID)
            .map(str::to_string)
    });
    // "the authority refused the credential (invalid_client): AADSTS7000215: Invalid client secret ..."
    let mut message = String::from("the authority refused the credential");
    if let Some(e) = &error {
        message.push_str(" (");
        message.push_str(e);
        message.push(')');
    }
    if let Some(d) = description.as_deref().map(first_line) {
        message.push_str(": ");
        message.push_str(d);
    }
    Error::authentication(
        message,
        ServiceError {
            status,
            code,
            message: description.as_deref().map(|d| first_line(d).to_string()),
            target: None,
            request_id: correlation_id,
            ms_cv: text("trace_id"),
        },
    )
}

/// Reads the authority's answer to [`token_request`] at `now_unix_ms` (when it was received): a
/// `{"token_type":"Bearer","expires_in":N,"access_token":...}` success, or the authority's error.
pub fn parse_token_response<B: JsonBody + ?Sized>(
    status: u16,
    headers: &[(String, String)],
    body: &B,
    now_unix_ms: i64,
) -> Result<BearerToken> {
    if !(200..300).contains(&status) {
        return Err(authority_error(status, headers, body));
    }
    let bad = || {
        Error::new(
            ErrorKind::InvalidResponse,
            "the authority's token answer is not {token_type, expires_in, access_token}",
        )
    };
    let value = body.value().ok_or_else(bad)?;
    let token = value
        .str("access_token")
        .filter(|t| !t.is_empty())
        .ok_or_else(bad)?;
    if let Some(kind) = value.str("token_type") {
        if !kind.eq_ignore_ascii_case("bearer") {
            return Err(bad());
        }
    }
    // `expires_in` is a number of seconds; ADFS and some proxies send it as a string.
    let seconds = match value.get("expires_in") {
        Some(Value::Number(n)) => *n,
        Some(Value::String(s)) => s.trim().parse::<u32>().map(f64::from).map_err(|_| bad())?,
        _ => return Err(bad()),
    };
    if !(0.0..=1.0e9).contains(&seconds) {
        return Err(bad());
    }
    Ok(BearerToken {
        token,
        expires_on_unix_ms: now_unix_ms.saturating_add((seconds * 1000.0) as i64),
    })
}

/// One cached token, shared by every call of a client, refreshed [`REFRESH_MARGIN_MS`] before it expires.
/// While one caller fetches a token, the others wait for that fetch instead of making their own: N
/// concurrent calls with no token make one token request. `Send` and `Sync`, and usable on wasm32.
#[derive(Default)]
pub struct TokenCache {
    state: Mutex<CacheState>,
}

#[derive(Default)]
struct CacheState {
    token: Option<BearerToken>,
    /// A fetch is under way.
    fetching: bool,
    /// Bumped when a fetch ends; waiters compare it with the value they saw.
    generation: u64,
    /// The error of the last fetch, for the callers that waited on it.
    last_error: Option<Error>,
    waiters: Vec<Waker>,
}

impl core::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("TokenCache(<redacted>)")
    }
}

/// Ends a fetch (also when its future is dropped midway): records the outcome and wakes the waiters.
struct FetchGuard<'a> {
    cache: &'a TokenCache,
    done: bool,
}

impl FetchGuard<'_> {
    fn finish(&mut self, outcome: Option<&Result<BearerToken>>) {
        self.done = true;
        let mut state = self.cache.lock();
        state.fetching = false;
        state.generation = state.generation.wrapping_add(1);
        state.last_error = None;
        match outcome {
            Some(Ok(token)) => state.token = Some(token.clone()),
            Some(Err(e)) => state.last_error = Some(e.clone()),
            None => {}
        }
        for waker in state.waiters.drain(..) {
            waker.wake();
        }
    }
}

impl Drop for FetchGuard<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.finish(None);
        }
    }
}

/// Waits until the fetch of `generation` ends.
struct FetchEnded<'a> {
    cache: &'a TokenCache,
    generation: u64,
}

impl Future for FetchEnded<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.cache.lock();
        if state.generation != self.generation || !state.fetching {
            return Poll::Ready(());
        }
        if !state.waiters.iter().any(|w| w.will_wake(cx.waker())) {
            state.waiters.push(cx.waker().clone());
        }
        Poll::Pending
    }
}

impl TokenCache {
    /// An empty cache.
    pub fn new() -> TokenCache {
        TokenCache::default()
    }

    fn lock(&self) -> MutexGuard<'_, CacheState> {
        // A poisoned lock only means another thread panicked while holding it; the state stays usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The cached token when it is fresh at `now_unix_ms`.
    pub fn fresh(&self, now_unix_ms: i64) -> Option<BearerToken> {
        self.lock()
            .token
            .as_ref()
            .filter(|t| t.is_fresh(now_unix_ms))
            .cloned()
    }

    /// Forgets the cached token (the service refused it), so that the next call fetches a new one.
    pub fn clear(&self) {
        self.lock().token = None;
    }

    /// Forgets `rejected` (a token the service answered 401 to), so that the next call fetches a new one.
    /// A newer token, cached meanwhile by another call, is kept.
    pub fn invalidate(&self, rejected: &BearerToken) {
        let mut state = self.lock();
        if state.token.as_ref() == Some(rejected) {
            state.token = None;
        }
    }

    /// The cached token when fresh at `now()`; otherwise one caller runs `fetch` and every concurrent caller
    /// shares its result. When a refresh fails while the cached token has not yet expired, that token is
    /// returned (it is still good for up to [`REFRESH_MARGIN_MS`]).
    pub async fn get<F, Fut>(&self, now: impl Fn() -> i64, fetch: F) -> Result<BearerToken>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<BearerToken>>,
    {
        loop {
            let generation = {
                let mut state = self.lock();
                if let Some(t) = state.token.as_ref().filter(|t| t.is_fresh(now())) {
                    return Ok(t.clone());
                }
                if !state.fetching {
                    state.fetching = true;
                    break;
                }
                state.generation
            };
            FetchEnded {
                cache: self,
                generation,
            }
            .await;
            let state = self.lock();
            if let Some(e) = &state.last_error {
                let still_valid = state.token.as_ref().filter(|t| t.is_valid(now())).cloned();
                return still_valid.ok_or_else(|| e.clone());
            }
            // Otherwise: a token was cached (returned at the top of the loop), or the fetch was dropped
            // midway (this caller fetches).
        }
        let mut guard = FetchGuard {
            cache: self,
            done: false,
        };
        let result = fetch().await;
        guard.finish(Some(&result));
        match result {
            Ok(token) => Ok(token),
            Err(e) => {
                let state = self.lock();
                state
                    .token
                    .as_ref()
                    .filter(|t| t.is_valid(now()))
                    .cloned()
                    .ok_or(e)
            }
        }
    }
}

/// Where a confidential client's token requests go and how they are sent: the authority, the client id,
/// the transport and the environment (for the clock), and the cached token.
struct Confidential<T, E> {
    authority: Authority,
    client_id: String,
    transport: T,
    env: E,
    cache: TokenCache,
    /// The scopes of the cached token, space-separated: a request for other scopes is fetched anew.
    scopes: Mutex<String>,
}

impl<T, E> Confidential<T, E>
where
    E: Environment,
    T: Transport<E::Signal>,
{
    fn new(authority: Authority, client_id: &str, transport: T, env: E) -> Result<Self> {
        if client_id.trim().is_empty() || has_control(client_id) {
            return Err(invalid(
                "clientId",
                "the client id must be a non-empty string without control characters",
            ));
        }
        Ok(Confidential {
            authority,
            client_id: client_id.trim().to_string(),
            transport,
            env,
            cache: TokenCache::new(),
            scopes: Mutex::new(String::new()),
        })
    }

    /// Sends one token request and reads the answer.
    async fn request(
        &self,
        auth: ClientAuth<'_>,
        scopes: &[&str],
        signal: Option<&E::Signal>,
    ) -> Result<BearerToken> {
        let request = token_request(&self.authority, &self.client_id, auth, scopes)?;
        let response = self.transport.send(&request, None, signal).await?;
        parse_token_response(
            response.status,
            &response.headers,
            &response.body,
            self.env.now_unix_ms(),
        )
    }

    /// The cached token for `scopes`, or one fetched by `fetch` (once for concurrent callers).
    async fn token<F, Fut>(&self, scopes: &[&str], fetch: F) -> Result<BearerToken>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<BearerToken>>,
    {
        {
            // The scopes joined by spaces (without `[&str]::join`, whose generic code is large in wasm).
            let mut joined = String::new();
            for (i, scope) in scopes.iter().enumerate() {
                if i > 0 {
                    joined.push(' ');
                }
                joined.push_str(scope);
            }
            let mut cached = self.scopes.lock().unwrap_or_else(|e| e.into_inner());
            if *cached != joined {
                self.cache.clear();
                *cached = joined;
            }
        }
        self.cache.get(|| self.env.now_unix_ms(), fetch).await
    }
}

/// A secret: zeroed when dropped, never shown by `Debug`.
struct Secret(String);

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// A Microsoft Entra ID application that proves itself with a client secret (OAuth 2.0 client credentials):
/// the bearer tokens of a service principal, cached and refreshed 5 minutes before they expire, one token
/// request for concurrent callers. As `@azure/identity`'s `ClientSecretCredential`, over any
/// [`Transport`] and [`Environment`].
pub struct ClientSecretCredential<T, E> {
    app: Confidential<T, E>,
    secret: Secret,
}

impl<T, E> core::fmt::Debug for ClientSecretCredential<T, E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ClientSecretCredential")
            .field("authority", &self.app.authority.token_url())
            .field("client_id", &self.app.client_id)
            .field("secret", &"<redacted>")
            .finish()
    }
}

impl<T, E> ClientSecretCredential<T, E>
where
    E: Environment,
    T: Transport<E::Signal>,
{
    /// The application `client_id` of the tenant of `authority`, with `client_secret`.
    pub fn new(
        authority: Authority,
        client_id: &str,
        client_secret: &str,
        transport: T,
        env: E,
    ) -> Result<Self> {
        if client_secret.is_empty() {
            return Err(invalid("clientSecret", "the client secret is empty"));
        }
        Ok(ClientSecretCredential {
            app: Confidential::new(authority, client_id, transport, env)?,
            secret: Secret(client_secret.to_string()),
        })
    }

    /// The authority tokens come from.
    pub fn authority(&self) -> &Authority {
        &self.app.authority
    }

    /// Forgets the cached token (a service answered 401 to it), so that the next
    /// [`TokenProvider::get_token`] asks the authority.
    pub fn clear_cache(&self) {
        self.app.cache.clear();
    }
}

impl<T, E> TokenProvider<E::Signal> for ClientSecretCredential<T, E>
where
    E: Environment,
    T: Transport<E::Signal>,
{
    async fn get_token(&self, scopes: &[&str], signal: Option<&E::Signal>) -> Result<BearerToken> {
        self.app
            .token(scopes, || {
                self.app
                    .request(ClientAuth::Secret(&self.secret.0), scopes, signal)
            })
            .await
    }
}

/// Gives the signed JWT a [`ClientAssertionCredential`] presents (made from a certificate, or a federated
/// identity's token), asked for each token request.
pub trait AssertionProvider<S: ?Sized> {
    /// A fresh assertion.
    fn assertion(&self, signal: Option<&S>) -> impl Future<Output = Result<String>>;
}

/// A Microsoft Entra ID application that proves itself with a client assertion (a signed JWT from a
/// certificate or a federated credential): as [`ClientSecretCredential`], with the assertion asked of
/// `A` for each token request. As `@azure/identity`'s `ClientAssertionCredential`.
pub struct ClientAssertionCredential<T, E, A> {
    app: Confidential<T, E>,
    assertion: A,
}

impl<T, E, A> core::fmt::Debug for ClientAssertionCredential<T, E, A> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ClientAssertionCredential")
            .field("authority", &self.app.authority.token_url())
            .field("client_id", &self.app.client_id)
            .finish_non_exhaustive()
    }
}

impl<T, E, A> ClientAssertionCredential<T, E, A>
where
    E: Environment,
    T: Transport<E::Signal>,
    A: AssertionProvider<E::Signal>,
{
    /// The application `client_id` of the tenant of `authority`, proving itself with the assertions of
    /// `assertion`.
    pub fn new(
        authority: Authority,
        client_id: &str,
        assertion: A,
        transport: T,
        env: E,
    ) -> Result<Self> {
        Ok(ClientAssertionCredential {
            app: Confidential::new(authority, client_id, transport, env)?,
            assertion,
        })
    }

    /// Forgets the cached token (a service answered 401 to it), so that the next
    /// [`TokenProvider::get_token`] asks the authority.
    pub fn clear_cache(&self) {
        self.app.cache.clear();
    }
}

impl<T, E, A> TokenProvider<E::Signal> for ClientAssertionCredential<T, E, A>
where
    E: Environment,
    T: Transport<E::Signal>,
    A: AssertionProvider<E::Signal>,
{
    async fn get_token(&self, scopes: &[&str], signal: Option<&E::Signal>) -> Result<BearerToken> {
        self.app
            .token(scopes, || async {
                let assertion = self.assertion.assertion(signal).await?;
                if assertion.is_empty() {
                    return Err(invalid("getAssertion", "the client assertion is empty"));
                }
                self.app
                    .request(ClientAuth::Assertion(&assertion), scopes, signal)
                    .await
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_encoding_matches_url_search_params() {
        let mut out = String::new();
        push_form_encoded(&mut out, "a b+c/d~e*f-g.h_i%j=k&l\u{e9}");
        assert_eq!(out, "a+b%2Bc%2Fd%7Ee*f-g.h_i%25j%3Dk%26l%C3%A9");
    }

    #[test]
    fn aadsts_codes_are_found() {
        assert_eq!(
            aadsts_code("AADSTS7000215: Invalid client secret provided.").as_deref(),
            Some("AADSTS7000215")
        );
        assert_eq!(aadsts_code("no code here"), None);
        assert_eq!(aadsts_code("AADSTS: nothing"), None);
    }
}
