//! The identity client: the one place where requests are sent. It loops build -> authorize (a fresh
//! signature each attempt) -> send -> parse -> maybe retry, over three traits:
//!
//! - [`Credential`] authorizes each attempt (an [`AccessKey`] signs it with HMAC; see
//!   [`crate::credential`]);
//! - [`Transport`] sends one request (in WebAssembly, through the global `fetch`);
//! - [`Environment`] supplies the clock, sleeping, randomness and, optionally, cancellation.
//!
//! None of them requires `Send`, so the same client runs on wasm32, where futures are not `Send`.
//!
//! Each call carries a `x-ms-client-request-id` (a uuid v4, the same on every retry of that call) and a
//! `User-Agent` naming this package. A call ends with [`ErrorKind::Timeout`] when its time budget runs out
//! (the transport is given the time left for each attempt), and with [`ErrorKind::Aborted`] as soon as its
//! [`CancelSignal`] (or the environment) reports it was aborted.
//!
//! Plain `http` endpoints are refused unless they are loopback (`localhost`, `127.0.0.0/8`, `[::1]`) or the
//! options say [`ClientOptions::allow_insecure_connection`], so a key never signs requests that cross the
//! network in clear text by mistake.

use crate::connection_string::{AccessKey, ConnectionString, Endpoint, Scheme};
use crate::credential::{Attempt, Credential};
use crate::error::{Error, ErrorKind, Result};
use crate::json::JsonBody;
use crate::operations::{
    self, header, AccessToken, CommunicationUser, CreateUserAndTokenOptions, CreateUserOptions,
    GetTokenForTeamsUserOptions, GetTokenOptions, Operation, Request, Response, UserAndToken,
    UserOptions,
};
use crate::retry::{self, Decision, Outcome, RetryOptions};
use crate::signing::{self, StringToSign};
use std::borrow::Cow;
use std::future::Future;

/// The `User-Agent` product token of this library.
pub const USER_AGENT: &str = concat!("acs-identity-edge/", env!("CARGO_PKG_VERSION"));

/// Something that can report that a call was cancelled (the WebAssembly bindings wrap an `AbortSignal`).
pub trait CancelSignal {
    /// True once the call should stop.
    fn is_aborted(&self) -> bool;
}

/// A signal that never aborts, for environments without cancellation.
#[derive(Clone, Copy, Debug, Default)]
pub struct NeverAborted;

impl CancelSignal for NeverAborted {
    fn is_aborted(&self) -> bool {
        false
    }
}

impl CancelSignal for core::cell::Cell<bool> {
    fn is_aborted(&self) -> bool {
        self.get()
    }
}

impl CancelSignal for core::sync::atomic::AtomicBool {
    fn is_aborted(&self) -> bool {
        self.load(core::sync::atomic::Ordering::SeqCst)
    }
}

/// What the platform supplies besides the network: time, sleep, randomness and cancellation.
pub trait Environment {
    /// The per-call cancellation signal type ([`NeverAborted`] when there is none).
    type Signal: CancelSignal + ?Sized;

    /// The current time in unix milliseconds.
    fn now_unix_ms(&self) -> i64;

    /// Waits `ms` milliseconds. An implementation may return early once `signal` is aborted (the client
    /// checks the signal after every wait).
    fn sleep(&self, ms: u64, signal: Option<&Self::Signal>) -> impl Future<Output = ()>;

    /// A uniformly distributed number in [0, 1), for the retry jitter.
    fn random(&self) -> f64;

    /// Fills `out` with random bytes, for request ids.
    fn fill_random(&self, out: &mut [u8]);

    /// True when every call should stop (for example, the client was disposed). Default: never.
    fn is_aborted(&self) -> bool {
        false
    }
}

/// Random bytes handed out from a pool of 256 that `refill` fills when it is used up: an environment's request
/// ids then take one call to the platform's generator (a system call, a `crypto.getRandomValues`) per 16
/// ids rather than one per call. Each byte is zeroed once handed out.
pub(crate) struct RandomPool {
    bytes: [u8; 256],
    used: usize,
}

impl RandomPool {
    /// An empty pool (filled on first use).
    pub(crate) const fn new() -> RandomPool {
        RandomPool {
            bytes: [0; 256],
            used: 256,
        }
    }

    /// Fills `out` from the pool.
    pub(crate) fn fill(&mut self, out: &mut [u8], refill: impl Fn(&mut [u8; 256])) {
        for b in out.iter_mut() {
            if self.used == self.bytes.len() {
                refill(&mut self.bytes);
                self.used = 0;
            }
            *b = core::mem::take(&mut self.bytes[self.used]);
            self.used += 1;
        }
    }
}

impl<E: Environment + ?Sized> Environment for &E {
    type Signal = E::Signal;

    fn now_unix_ms(&self) -> i64 {
        (**self).now_unix_ms()
    }

    fn sleep(&self, ms: u64, signal: Option<&Self::Signal>) -> impl Future<Output = ()> {
        (**self).sleep(ms, signal)
    }

    fn random(&self) -> f64 {
        (**self).random()
    }

    fn fill_random(&self, out: &mut [u8]) {
        (**self).fill_random(out)
    }

    fn is_aborted(&self) -> bool {
        (**self).is_aborted()
    }
}

/// A request ready to send: absolute URL, every header (signing included) and the body. Its `Debug`
/// shows the header names, the authorization's scheme and `SignedHeaders`, and the body's length: never
/// a signature, token or body.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// Upper-case method.
    pub method: Cow<'static, str>,
    /// The absolute URL (`https://host[:port]/path?query`), sent exactly as is.
    pub url: String,
    /// Headers, lower-case names. `host` is not among them: the transport sets it from the URL.
    pub headers: Vec<(Cow<'static, str>, String)>,
    /// The body; empty means no body.
    pub body: Vec<u8>,
    /// What the credential signed for this attempt (HMAC), kept for traces; never sent.
    pub string_to_sign: Option<StringToSign>,
}

impl core::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_ref()).collect();
        // `HMAC-SHA256 SignedHeaders=...` up to its signature, or the scheme alone (`Bearer`).
        let authorization = self.header(header::AUTHORIZATION).map(|v| {
            let v = v.trim();
            match v.find("&Signature=") {
                Some(i) => &v[..i],
                None => v.split(' ').next().unwrap_or(""),
            }
        });
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &names)
            .field("authorization", &authorization)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

impl HttpRequest {
    /// The value of the header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        header::find(&self.headers, name)
    }

    /// Sets the header `name` (lower case), replacing a header of that name in any case.
    pub fn set_header(&mut self, name: &'static str, value: String) {
        match self
            .headers
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            Some(slot) => slot.1 = value,
            None => self.headers.push((Cow::Borrowed(name), value)),
        }
    }
}

/// Sends one request. `S` is the environment's cancellation signal type, which an implementation may
/// hand to the platform (a `fetch` takes an `AbortSignal`).
pub trait Transport<S: ?Sized> {
    /// The response body, in whatever form the platform decodes it.
    type Body: JsonBody;

    /// Sends `request` and reads the response. `timeout_ms` is the time left of the call's budget: past
    /// it, fail with [`ErrorKind::Timeout`]. Fail with [`ErrorKind::Network`] when the request could not be
    /// sent or the response not read (those are retried), [`ErrorKind::Aborted`] when `signal` aborted it.
    fn send(
        &self,
        request: &HttpRequest,
        timeout_ms: Option<u64>,
        signal: Option<&S>,
    ) -> impl Future<Output = Result<Response<Self::Body>>>;
}

/// Options of an [`IdentityClient`], named as in the JS SDK's options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientOptions {
    /// The api-version of every request (default [`operations::DEFAULT_API_VERSION`]).
    pub api_version: String,
    /// The retry policy.
    pub retry: RetryOptions,
    /// A time budget for each call, retries included, in milliseconds (default none).
    pub timeout_ms: Option<u64>,
    /// Put before this library's product token in `User-Agent` (an application's name and version).
    pub user_agent_prefix: Option<String>,
    /// Allows a plain `http` endpoint that is not loopback. Leave it off unless the network is trusted.
    pub allow_insecure_connection: bool,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            api_version: operations::DEFAULT_API_VERSION.to_string(),
            retry: RetryOptions::default(),
            timeout_ms: None,
            user_agent_prefix: None,
            allow_insecure_connection: false,
        }
    }
}

/// Per-call options: a timeout replacing the client's, and a cancellation signal.
#[derive(Debug)]
pub struct CallOptions<'a, S: ?Sized> {
    /// The call's time budget in milliseconds, retries included (default: the client's).
    pub timeout_ms: Option<u64>,
    /// Aborts the call when it reports so.
    pub signal: Option<&'a S>,
}

impl<S: ?Sized> Default for CallOptions<'_, S> {
    fn default() -> Self {
        CallOptions {
            timeout_ms: None,
            signal: None,
        }
    }
}

impl<S: ?Sized> Clone for CallOptions<'_, S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S: ?Sized> Copy for CallOptions<'_, S> {}

/// Formats 16 random bytes as a uuid v4 (`xxxxxxxx-xxxx-4xxx-Nxxx-xxxxxxxxxxxx`, lower case), setting the
/// version and variant bits.
pub fn uuid_v4(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    format_guid(bytes)
}

/// 16 bytes as they are, written as a lower-case GUID (`xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`).
pub fn format_guid(bytes: [u8; 16]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(36);
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    out
}

fn invalid(target: &'static str, message: &'static str) -> Error {
    Error::new(ErrorKind::InvalidArgument, message).with_target(target)
}

fn aborted() -> Error {
    Error::new(ErrorKind::Aborted, "the call was aborted")
}

fn timed_out() -> Error {
    Error::new(
        ErrorKind::Timeout,
        "the call did not finish within its timeout",
    )
}

/// The client of the Communication Services Identity API, generic over how requests are sent, where time
/// comes from, and how each attempt is authorized (by default an [`AccessKey`]).
pub struct IdentityClient<T, E, C = AccessKey> {
    endpoint: Endpoint,
    credential: C,
    api_version: String,
    retry: RetryOptions,
    timeout_ms: Option<u64>,
    user_agent: String,
    transport: T,
    env: E,
}

impl<T, E, C> core::fmt::Debug for IdentityClient<T, E, C> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("IdentityClient")
            .field("endpoint", &self.endpoint.as_str())
            .field("api_version", &self.api_version)
            .finish_non_exhaustive()
    }
}

/// The last failure of a call, returned when no retry follows.
enum Last<B> {
    Response(Response<B>),
    Error(Error),
}

impl<E, T> IdentityClient<T, E>
where
    E: Environment,
    T: Transport<E::Signal>,
{
    /// A client for the resource of `connection_string` (`endpoint=...;accesskey=...`).
    pub fn new(
        connection_string: &str,
        options: ClientOptions,
        transport: T,
        env: E,
    ) -> Result<Self> {
        Self::from_connection_string(
            ConnectionString::parse(connection_string)?,
            options,
            transport,
            env,
        )
    }

    /// A client for an already parsed connection string.
    pub fn from_connection_string(
        connection_string: ConnectionString,
        options: ClientOptions,
        transport: T,
        env: E,
    ) -> Result<Self> {
        let key = connection_string.access_key().clone();
        IdentityClient::with_credential(
            connection_string.endpoint().clone(),
            key,
            options,
            transport,
            env,
        )
    }
}

impl<E, T, C> IdentityClient<T, E, C>
where
    E: Environment,
    T: Transport<E::Signal>,
    C: Credential<E::Signal>,
{
    /// A client for `endpoint` whose attempts `credential` authorizes (an [`AccessKey`], a
    /// [`KeyCredential`](crate::credential::KeyCredential) whose key can be rotated, or a credential of
    /// the caller's).
    pub fn with_credential(
        endpoint: Endpoint,
        credential: C,
        options: ClientOptions,
        transport: T,
        env: E,
    ) -> Result<Self> {
        if endpoint.scheme() == Scheme::Http
            && !endpoint.is_loopback()
            && !options.allow_insecure_connection
        {
            return Err(invalid(
                "endpoint",
                "plain http is refused for an endpoint that is not loopback; use https, or set allowInsecureConnection",
            ));
        }
        operations::check_api_version(&options.api_version)?;
        if options.timeout_ms == Some(0) {
            return Err(invalid("timeoutMs", "the timeout must be more than 0 ms"));
        }
        let mut user_agent = String::with_capacity(USER_AGENT.len() + 32);
        if let Some(prefix) = options.user_agent_prefix.as_deref() {
            let prefix = prefix.trim();
            if prefix.bytes().any(|b| b < b' ' || b == 0x7f) {
                return Err(invalid(
                    "userAgentPrefix",
                    "the user agent prefix must not contain control characters",
                ));
            }
            if !prefix.is_empty() {
                user_agent.push_str(prefix);
                user_agent.push(' ');
            }
        }
        user_agent.push_str(USER_AGENT);
        Ok(IdentityClient {
            endpoint,
            credential,
            api_version: options.api_version,
            retry: options.retry,
            timeout_ms: options.timeout_ms,
            user_agent,
            transport,
            env,
        })
    }

    /// A client of the same resource (endpoint and credential, without parsing the connection string
    /// again) with other options, transport and environment, checked as [`IdentityClient::new`] checks
    /// them.
    pub fn with_transport<T2, E2>(
        &self,
        options: ClientOptions,
        transport: T2,
        env: E2,
    ) -> Result<IdentityClient<T2, E2, C>>
    where
        E2: Environment,
        T2: Transport<E2::Signal>,
        C: Clone + Credential<E2::Signal>,
    {
        IdentityClient::with_credential(
            self.endpoint.clone(),
            self.credential.clone(),
            options,
            transport,
            env,
        )
    }

    /// The credential that authorizes each attempt.
    pub fn credential(&self) -> &C {
        &self.credential
    }

    /// The resource endpoint.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The api-version of every request.
    pub fn api_version(&self) -> &str {
        &self.api_version
    }

    /// The `User-Agent` every request carries.
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The environment.
    pub fn environment(&self) -> &E {
        &self.env
    }

    /// Creates a user (with a custom id on the preview api-version).
    pub async fn create_user(
        &self,
        options: &CreateUserOptions,
        call: CallOptions<'_, E::Signal>,
    ) -> Result<CommunicationUser> {
        self.execute::<operations::CreateUser>(options, call).await
    }

    /// Creates a user and issues a token for it in one request.
    pub async fn create_user_and_token(
        &self,
        options: &CreateUserAndTokenOptions,
        call: CallOptions<'_, E::Signal>,
    ) -> Result<UserAndToken> {
        self.execute::<operations::CreateUserAndToken>(options, call)
            .await
    }

    /// Issues a token for an existing user.
    pub async fn get_token(
        &self,
        options: &GetTokenOptions,
        call: CallOptions<'_, E::Signal>,
    ) -> Result<AccessToken> {
        self.execute::<operations::GetToken>(options, call).await
    }

    /// Revokes every token issued for a user.
    pub async fn revoke_tokens(
        &self,
        options: &UserOptions,
        call: CallOptions<'_, E::Signal>,
    ) -> Result<()> {
        self.execute::<operations::RevokeTokens>(options, call)
            .await
    }

    /// Deletes a user (which revokes its tokens).
    pub async fn delete_user(
        &self,
        options: &UserOptions,
        call: CallOptions<'_, E::Signal>,
    ) -> Result<()> {
        self.execute::<operations::DeleteUser>(options, call).await
    }

    /// Exchanges a Teams user's Entra ID token for a Communication Services token.
    pub async fn get_token_for_teams_user(
        &self,
        options: &GetTokenForTeamsUserOptions,
        call: CallOptions<'_, E::Signal>,
    ) -> Result<AccessToken> {
        self.execute::<operations::GetTokenForTeamsUser>(options, call)
            .await
    }

    /// Gets a user with its custom id and last token time (preview api-version only).
    pub async fn get_user(
        &self,
        options: &UserOptions,
        call: CallOptions<'_, E::Signal>,
    ) -> Result<CommunicationUser> {
        self.execute::<operations::GetUser>(options, call).await
    }

    /// Runs any [`Operation`]: builds its request, sends it through the loop and parses the answer.
    pub async fn execute<O: Operation>(
        &self,
        options: &O::Options,
        call: CallOptions<'_, E::Signal>,
    ) -> Result<O::Output> {
        let request = O::request(&self.api_version, options)?;
        O::parse_response(&self.send(request, call).await?)
    }

    /// Sends a built [`Request`] through the loop and returns the final response, whatever its status.
    pub async fn send(
        &self,
        request: Request,
        call: CallOptions<'_, E::Signal>,
    ) -> Result<Response<T::Body>> {
        let headers = request
            .headers
            .into_iter()
            .map(|(n, v)| (Cow::Borrowed(n), v.to_string()))
            .collect();
        self.send_raw(
            Cow::Borrowed(request.method),
            &request.path_and_query,
            headers,
            request.body,
            call,
        )
        .await
    }

    /// Signs and sends any request to the resource (the same scheme serves SMS, email, chat and rooms),
    /// retrying as the policy says, and returns the final response, whatever its status. `path_and_query`
    /// is sent and signed exactly as given (it is normalised as [`signing::normalise_path_and_query`] does);
    /// `headers` are added to the `User-Agent` and signing headers, which they must not repeat; a
    /// `x-ms-client-request-id` among them is kept (otherwise the call makes one).
    pub async fn send_raw(
        &self,
        method: Cow<'static, str>,
        path_and_query: &str,
        headers: Vec<(Cow<'static, str>, String)>,
        body: Vec<u8>,
        call: CallOptions<'_, E::Signal>,
    ) -> Result<Response<T::Body>> {
        let path_and_query =
            signing::normalise_path_and_query(path_and_query).map_err(|m| invalid("url", m))?;
        let signal = call.signal;
        let is_aborted = || self.env.is_aborted() || signal.is_some_and(|s| s.is_aborted());
        let deadline = call.timeout_ms.or(self.timeout_ms).map(|t| {
            self.env
                .now_unix_ms()
                .saturating_add(i64::try_from(t).unwrap_or(i64::MAX))
        });
        let mut url = String::with_capacity(self.endpoint.as_str().len() + path_and_query.len());
        url.push_str(self.endpoint.as_str());
        url.push_str(&path_and_query);
        let mut request = HttpRequest {
            method: match method {
                Cow::Borrowed(m) if m.bytes().all(|b| b.is_ascii_uppercase()) => Cow::Borrowed(m),
                m => Cow::Owned(m.to_ascii_uppercase()),
            },
            url,
            headers,
            body,
            string_to_sign: None,
        };
        request.set_header(header::USER_AGENT, self.user_agent.clone());
        // The caller's own request id is kept; otherwise the call makes one, sent on every attempt.
        let request_id = match request.header(header::CLIENT_REQUEST_ID) {
            Some(id) => id.to_string(),
            None => {
                let mut id_bytes = [0u8; 16];
                self.env.fill_random(&mut id_bytes);
                let id = uuid_v4(id_bytes);
                request.set_header(header::CLIENT_REQUEST_ID, id.clone());
                id
            }
        };

        let mut retries: u32 = 0;
        let mut reauthorized = false;
        loop {
            if is_aborted() {
                return Err(aborted());
            }
            let now = self.env.now_unix_ms();
            let remaining = match deadline {
                Some(d) if now >= d => return Err(timed_out()),
                Some(d) => Some(u64::try_from(d - now).unwrap_or(0)),
                None => None,
            };
            let attempt = Attempt {
                host: self.endpoint.authority(),
                path_and_query: &path_and_query,
                now_unix_ms: now,
                signal,
                deadline_unix_ms: deadline,
            };
            self.credential.authorize(&mut request, &attempt).await?;

            let result = self.transport.send(&request, remaining, signal).await;
            let now = self.env.now_unix_ms();
            let (decision, last) = match result {
                Ok(mut response) => {
                    if response.header(header::CLIENT_REQUEST_ID).is_none() {
                        response
                            .headers
                            .push((header::CLIENT_REQUEST_ID.to_string(), request_id.clone()));
                    }
                    // A credential that can get a fresh authorization (a bearer token) gets one chance
                    // per call, at once; a key's 401 is the answer.
                    if response.status == 401 && !reauthorized && self.credential.unauthorized() {
                        reauthorized = true;
                        continue;
                    }
                    if !retry::is_retryable_status(response.status) {
                        return Ok(response);
                    }
                    let outcome = Outcome::Status {
                        status: response.status,
                        headers: &response.headers,
                    };
                    let d = retry::decide(&self.retry, retries, &outcome, now, self.env.random());
                    (d, Last::Response(response))
                }
                Err(e) => {
                    if is_aborted() || e.kind() == ErrorKind::Aborted {
                        return Err(aborted());
                    }
                    let outcome = match e.kind() {
                        ErrorKind::Network => Outcome::NetworkError,
                        ErrorKind::Timeout if deadline.is_some_and(|d| now >= d) => {
                            return Err(timed_out())
                        }
                        ErrorKind::Timeout => Outcome::Timeout,
                        _ => return Err(e),
                    };
                    let d = retry::decide(&self.retry, retries, &outcome, now, self.env.random());
                    (d, Last::Error(e))
                }
            };
            let delay = match decision {
                Decision::Retry { delay_ms } => delay_ms,
                Decision::Stop => return last.into_result(),
            };
            // A wait that would end past the deadline cannot lead to an answer in time: the last outcome
            // is the answer.
            if let Some(d) = deadline {
                if now.saturating_add(i64::try_from(delay).unwrap_or(i64::MAX)) >= d {
                    return last.into_result();
                }
            }
            self.env.sleep(delay, signal).await;
            retries += 1;
        }
    }
}

impl<B> Last<B> {
    fn into_result(self) -> Result<Response<B>> {
        match self {
            Last::Response(r) => Ok(r),
            Last::Error(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RandomPool;
    use std::cell::Cell;

    #[test]
    fn the_random_pool_refills_once_per_256_bytes_and_zeroes_what_it_hands_out() {
        let refills = Cell::new(0u8);
        let refill = |bytes: &mut [u8; 256]| {
            refills.set(refills.get() + 1);
            for (i, b) in bytes.iter_mut().enumerate() {
                *b = (i as u8) ^ refills.get();
            }
        };
        let mut pool = RandomPool::new();
        let mut id = [0u8; 16];
        pool.fill(&mut id, refill);
        assert_eq!(refills.get(), 1);
        assert_eq!(id[..4], [1, 0, 3, 2]);
        assert!(
            pool.bytes[..16].iter().all(|b| *b == 0),
            "a handed-out byte is still in the pool"
        );
        for _ in 1..16 {
            pool.fill(&mut id, refill);
        }
        // 16 ids of 16 bytes: the first fill's 256 bytes, no second call yet.
        assert_eq!(refills.get(), 1);
        assert_eq!(id[15], 255 ^ 1);
        pool.fill(&mut id, refill);
        assert_eq!(refills.get(), 2);
        assert_eq!(id[..2], [2, 3]);
    }
}
