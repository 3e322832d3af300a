//! The native client out of the box (feature `native`, on by default; never part of a wasm32 build): a
//! [`Transport`] on `reqwest` (rustls with the `ring` provider, connection reuse, no redirects) and an
//! [`Environment`] on tokio (the system clock, tokio's timer, the operating system's randomness) with a
//! [`Cancel`] token for cancellation.
//!
//! This module is the only place of the library that reads the clock; the core takes time as an argument.
//!
//! Why `reqwest`: it is the HTTP client the Azure SDK for Rust uses, it pools connections per host, and
//! built without default features it brings rustls with `ring` (the provider the emulator already uses),
//! with no OpenSSL and no `aws-lc` C build. Plain `hyper-util` would save a few dependencies but leaves
//! the connection pool, TLS set-up and body limits to write by hand.

use crate::client::{
    self, CallOptions, CancelSignal, ClientOptions, Environment, HttpRequest, Transport,
};
use crate::connection_string::{AccessKey, ConnectionString};
use crate::credential::{Attempt, BearerCredential, Credential, KeyCredential, TokenProvider};
use crate::entra::{self, BearerToken};
use crate::error::{Error, ErrorKind, Result};
use crate::operations::{self as ops, AccessToken, CommunicationUser, Response, UserAndToken};
use crate::retry::RetryOptions;
use crate::url::Endpoint;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// Response bodies larger than this are refused (the service's answers are a few hundred bytes).
pub const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// A cancellation token: [`Cancel::cancel`] makes every call that was given it stop with
/// [`ErrorKind::Aborted`], during a request or a wait between retries. Cheap to clone; clones share the
/// state. (Dropping a call's future cancels it too, as usual in Rust.)
#[derive(Clone, Debug, Default)]
pub struct Cancel(Arc<CancelState>);

#[derive(Debug, Default)]
struct CancelState {
    cancelled: AtomicBool,
    notify: Notify,
}

impl Cancel {
    /// A token that has not been cancelled.
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// Cancels every call holding this token.
    pub fn cancel(&self) {
        self.0.cancelled.store(true, Ordering::SeqCst);
        self.0.notify.notify_waiters();
    }

    /// Resolves once the token is cancelled.
    pub async fn cancelled(&self) {
        loop {
            let notified = self.0.notify.notified();
            if self.is_aborted() {
                return;
            }
            notified.await;
        }
    }
}

impl CancelSignal for Cancel {
    fn is_aborted(&self) -> bool {
        self.0.cancelled.load(Ordering::SeqCst)
    }
}

/// The tokio environment: the system clock, `tokio::time::sleep`, and the operating system's random
/// numbers for request ids and retry jitter.
#[derive(Clone, Copy, Debug, Default)]
pub struct Tokio;

impl Environment for Tokio {
    type Signal = Cancel;

    #[allow(clippy::disallowed_methods)] // the one place that reads the clock
    fn now_unix_ms(&self) -> i64 {
        match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
            Err(_) => 0,
        }
    }

    fn sleep(&self, ms: u64, signal: Option<&Cancel>) -> impl Future<Output = ()> {
        let signal = signal.cloned();
        async move {
            let sleep = tokio::time::sleep(Duration::from_millis(ms));
            match signal {
                Some(s) => {
                    tokio::select! {
                        () = sleep => {}
                        () = s.cancelled() => {}
                    }
                }
                None => sleep.await,
            }
        }
    }

    fn random(&self) -> f64 {
        let mut bytes = [0u8; 8];
        self.fill_random(&mut bytes);
        // 53 random bits over 2^53: uniform in [0, 1).
        (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// From a pool refilled 256 bytes at a time (`RandomPool`): one `getrandom` system
    /// call per 16 request ids rather than per call.
    fn fill_random(&self, out: &mut [u8]) {
        thread_local! {
            static POOL: std::cell::RefCell<crate::client::RandomPool> =
                const { std::cell::RefCell::new(crate::client::RandomPool::new()) };
        }
        POOL.with(|pool| {
            pool.borrow_mut().fill(out, |bytes| {
                if getrandom::getrandom(bytes).is_err() {
                    // Never expected on a supported OS; the ids of one refill then still differ from
                    // each other, and from those of a refill in another millisecond.
                    let t = self.now_unix_ms().to_le_bytes();
                    for (i, b) in bytes.iter_mut().enumerate() {
                        *b = t[i % 8] ^ (i as u8).wrapping_mul(151);
                    }
                }
            })
        });
    }
}

/// Sends requests with `reqwest`, reusing connections; never follows a redirect and refuses response
/// bodies over [`MAX_RESPONSE_BYTES`].
#[derive(Clone, Debug)]
pub struct ReqwestTransport {
    client: reqwest::Client,
}

impl ReqwestTransport {
    /// A transport with its own connection pool, from [`ReqwestTransport::client_builder`].
    pub fn new() -> Result<ReqwestTransport> {
        let client = Self::client_builder()?.build().map_err(|_| setup_error())?;
        Ok(ReqwestTransport { client })
    }

    /// A `reqwest::ClientBuilder` set up as this transport needs it: rustls with the `ring` provider and
    /// the platform's certificate verifier, no redirects, no proxy from the environment. Add to it (default
    /// headers, timeouts, a proxy) and pass the client to [`ReqwestTransport::with_client`].
    pub fn client_builder() -> Result<reqwest::ClientBuilder> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|_| setup_error())?;
        let tls = rustls_platform_verifier::BuilderVerifierExt::with_platform_verifier(tls)
            .map_err(|_| setup_error())?
            .with_no_client_auth();
        Ok(reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .pool_idle_timeout(Duration::from_secs(60)))
    }

    /// A transport over a `reqwest::Client` of the caller's (its pool, proxy and TLS settings). It should
    /// not follow redirects: a 3xx is refused here either way.
    pub fn with_client(client: reqwest::Client) -> ReqwestTransport {
        ReqwestTransport { client }
    }

    /// The `reqwest::Client`.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    async fn exchange(&self, request: &HttpRequest) -> Result<Response<Vec<u8>>> {
        let method = reqwest::Method::from_bytes(request.method.as_bytes())
            .map_err(|_| Error::new(ErrorKind::InvalidArgument, "the method is not valid"))?;
        let mut builder = self.client.request(method, &request.url);
        for (name, value) in &request.headers {
            builder = builder.header(name.as_ref(), value.as_str());
        }
        if !request.body.is_empty() {
            builder = builder.body(request.body.clone());
        }
        let host = crate::url::host_of(&request.url);
        let mut response = builder.send().await.map_err(|e| network_error(host, e))?;
        let status = response.status().as_u16();
        if (300..400).contains(&status) {
            return Err(Error::new(
                ErrorKind::InvalidResponse,
                "the server answered with a redirect, which the service never does; it was not followed",
            ));
        }
        let headers = response
            .headers()
            .iter()
            .filter_map(|(n, v)| Some((n.as_str().to_string(), v.to_str().ok()?.to_string())))
            .collect();
        let too_large = || {
            Error::new(
                ErrorKind::InvalidResponse,
                "the response body is larger than 1 MiB",
            )
        };
        if response
            .content_length()
            .is_some_and(|n| n > MAX_RESPONSE_BYTES as u64)
        {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| network_error(host, e))? {
            if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Response {
            status,
            headers,
            body,
        })
    }
}

fn setup_error() -> Error {
    Error::new(
        ErrorKind::Network,
        "the HTTP client could not be set up (TLS configuration)",
    )
}

/// A network error that names the host and says what failed, keeping the underlying error as its source.
fn network_error(host: &str, e: reqwest::Error) -> Error {
    // The innermost cause says what happened (`Connection refused`, `failed to lookup address ...`).
    let mut cause: &dyn std::error::Error = &e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    let what = if e.is_connect() {
        "could not connect to "
    } else if e.is_timeout() {
        "timed out talking to "
    } else {
        "the request could not be completed with "
    };
    let mut message = String::from(what);
    message.push_str(host);
    let detail = cause.to_string();
    if !detail.is_empty() {
        message.push_str(": ");
        message.push_str(&detail);
    }
    Error::new(ErrorKind::Network, message).with_source(e)
}

impl Transport<Cancel> for ReqwestTransport {
    type Body = Vec<u8>;

    fn send(
        &self,
        request: &HttpRequest,
        timeout_ms: Option<u64>,
        signal: Option<&Cancel>,
    ) -> impl Future<Output = Result<Response<Vec<u8>>>> {
        let signal = signal.cloned();
        async move {
            let exchange = self.exchange(request);
            let timeout = async {
                match timeout_ms {
                    Some(ms) => tokio::time::sleep(Duration::from_millis(ms)).await,
                    None => std::future::pending().await,
                }
            };
            let cancelled = async {
                match &signal {
                    Some(s) => s.cancelled().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                r = exchange => r,
                () = timeout => Err(Error::new(ErrorKind::Timeout, "the call did not finish within its timeout")),
                () = cancelled => Err(Error::new(ErrorKind::Aborted, "the call was aborted")),
            }
        }
    }
}

/// Options of a native [`IdentityClient`], as in the Azure SDK for Rust: every field has a default.
#[derive(Clone, Debug, Default)]
pub struct IdentityClientOptions {
    /// The api-version of every request (default [`crate::operations::DEFAULT_API_VERSION`]).
    pub api_version: Option<String>,
    /// The retry policy (default: 3 retries, exponential backoff with jitter, `Retry-After` honoured).
    pub retry: Option<RetryOptions>,
    /// A time budget for each call, retries included (default none).
    pub timeout: Option<Duration>,
    /// Put before this library's product token in `User-Agent` (an application's name and version).
    pub user_agent_prefix: Option<String>,
    /// Allows a plain `http` endpoint that is not loopback. Leave it off unless the network is trusted.
    pub allow_insecure_connection: bool,
    /// The transport (default: [`ReqwestTransport::new`], a connection pool of its own). Clients that share
    /// one transport share its connections.
    pub transport: Option<ReqwestTransport>,
}

/// Per-call options: a time budget replacing the client's, and a cancellation token.
#[derive(Clone, Debug, Default)]
pub struct MethodOptions {
    /// The call's time budget, retries included (default: the client's).
    pub timeout: Option<Duration>,
    /// Stops the call with [`ErrorKind::Aborted`] once cancelled.
    pub cancel: Option<Cancel>,
}

/// Options of [`IdentityClient::create_user`].
#[derive(Clone, Debug, Default)]
pub struct CreateUserOptions {
    /// An id of the caller's choosing that the service maps to one user (api-version
    /// [`crate::operations::PREVIEW_API_VERSION`] only).
    pub custom_id: Option<String>,
    /// Timeout and cancellation.
    pub method: MethodOptions,
}

/// Options of [`IdentityClient::get_token`] and [`IdentityClient::create_user_and_token`].
#[derive(Clone, Debug, Default)]
pub struct TokenOptions {
    /// Token lifetime in minutes, 60 to 1440 (default: the service's, 1440).
    pub expires_in_minutes: Option<u32>,
    /// With [`IdentityClient::create_user_and_token`]: see [`CreateUserOptions::custom_id`].
    pub custom_id: Option<String>,
    /// Timeout and cancellation.
    pub method: MethodOptions,
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

/// A source of Microsoft Entra ID bearer tokens for the native client, shareable across threads: the
/// shape of the Azure SDK for Rust's `TokenCredential`. [`ClientSecretCredential`] is one; implement it for
/// a managed identity or a token your application already has.
pub trait TokenCredential: Send + Sync {
    /// A token for `scopes`. `cancel` is the call's cancellation token, when it has one.
    fn get_token<'a>(
        &'a self,
        scopes: &'a [&'a str],
        cancel: Option<&'a Cancel>,
    ) -> Pin<Box<dyn Future<Output = Result<BearerToken>> + Send + 'a>>;
}

/// Options of a native [`ClientSecretCredential`].
#[derive(Clone, Debug, Default)]
pub struct ClientSecretCredentialOptions {
    /// The authority host (default [`entra::DEFAULT_AUTHORITY_HOST`]); plain `http` only for loopback.
    pub authority_host: Option<String>,
    /// The transport of the token requests (default: [`ReqwestTransport::new`]).
    pub transport: Option<ReqwestTransport>,
}

/// A Microsoft Entra ID application with a client secret (a service principal), for
/// [`IdentityClient::new`]: tokens are cached and refreshed 5 minutes before they expire, and concurrent
/// calls make one token request.
///
/// ```no_run
/// # fn demo() -> acs_identity_edge::Result<()> {
/// use acs_identity_edge::native::{ClientSecretCredential, IdentityClient};
/// use std::sync::Arc;
///
/// let credential = ClientSecretCredential::new("<tenant id>", "<client id>", "<client secret>", None)?;
/// let client = IdentityClient::new("https://contoso.communication.azure.com", Arc::new(credential), None)?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct ClientSecretCredential(entra::ClientSecretCredential<ReqwestTransport, Tokio>);

impl ClientSecretCredential {
    /// The application `client_id` of the tenant `tenant_id`, with `client_secret`.
    pub fn new(
        tenant_id: &str,
        client_id: &str,
        client_secret: &str,
        options: Option<ClientSecretCredentialOptions>,
    ) -> Result<ClientSecretCredential> {
        let options = options.unwrap_or_default();
        let host = options
            .authority_host
            .as_deref()
            .unwrap_or(entra::DEFAULT_AUTHORITY_HOST);
        let authority = entra::Authority::new(host, tenant_id, false)?;
        let transport = match options.transport {
            Some(t) => t,
            None => ReqwestTransport::new()?,
        };
        entra::ClientSecretCredential::new(authority, client_id, client_secret, transport, Tokio)
            .map(ClientSecretCredential)
    }
}

impl TokenCredential for ClientSecretCredential {
    fn get_token<'a>(
        &'a self,
        scopes: &'a [&'a str],
        cancel: Option<&'a Cancel>,
    ) -> Pin<Box<dyn Future<Output = Result<BearerToken>> + Send + 'a>> {
        Box::pin(TokenProvider::get_token(&self.0, scopes, cancel))
    }
}

/// A [`TokenCredential`] as the core's token provider.
struct DynTokenProvider(Arc<dyn TokenCredential>);

impl TokenProvider<Cancel> for DynTokenProvider {
    async fn get_token(&self, scopes: &[&str], signal: Option<&Cancel>) -> Result<BearerToken> {
        self.0.get_token(scopes, signal).await
    }
}

/// How a native [`IdentityClient`] authorizes its requests: an access key (HMAC, rotatable through
/// [`KeyCredential::update`]) or Microsoft Entra ID bearer tokens.
#[derive(Clone)]
pub struct ClientCredential(Auth);

#[derive(Clone)]
enum Auth {
    Key(KeyCredential),
    Token(BearerCredential<DynTokenProvider>),
}

impl core::fmt::Debug for ClientCredential {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self.0 {
            Auth::Key(_) => "ClientCredential::Key(<redacted>)",
            Auth::Token(_) => "ClientCredential::Token(<redacted>)",
        })
    }
}

impl From<KeyCredential> for ClientCredential {
    fn from(key: KeyCredential) -> Self {
        ClientCredential(Auth::Key(key))
    }
}

impl From<AccessKey> for ClientCredential {
    fn from(key: AccessKey) -> Self {
        ClientCredential(Auth::Key(KeyCredential::new(key)))
    }
}

impl<C: TokenCredential + 'static> From<Arc<C>> for ClientCredential {
    fn from(credential: Arc<C>) -> Self {
        ClientCredential(Auth::Token(BearerCredential::new(DynTokenProvider(
            credential,
        ))))
    }
}

impl From<Arc<dyn TokenCredential>> for ClientCredential {
    fn from(credential: Arc<dyn TokenCredential>) -> Self {
        ClientCredential(Auth::Token(BearerCredential::new(DynTokenProvider(
            credential,
        ))))
    }
}

impl Credential<Cancel> for ClientCredential {
    async fn authorize(
        &self,
        request: &mut HttpRequest,
        attempt: &Attempt<'_, Cancel>,
    ) -> Result<()> {
        match &self.0 {
            Auth::Key(key) => key.authorize(request, attempt).await,
            Auth::Token(bearer) => bearer.authorize(request, attempt).await,
        }
    }

    fn unauthorized(&self) -> bool {
        match &self.0 {
            Auth::Key(key) => Credential::<Cancel>::unauthorized(key),
            Auth::Token(bearer) => Credential::<Cancel>::unauthorized(bearer),
        }
    }
}

type Core = client::IdentityClient<ReqwestTransport, Tokio, ClientCredential>;

/// The Communication Services Identity client for native Rust: create users, issue, revoke and exchange
/// their tokens, delete them. Cheap to share behind an `Arc`; its calls may run concurrently.
///
/// ```no_run
/// # async fn demo() -> acs_identity_edge::Result<()> {
/// use acs_identity_edge::native::IdentityClient;
///
/// let client = IdentityClient::from_connection_string(
///     &std::env::var("COMMUNICATION_SERVICES_CONNECTION_STRING").unwrap_or_default(),
///     None,
/// )?;
/// let user = client.create_user(None).await?;
/// let token = client.get_token(&user.id, &["voip"], None).await?;
/// println!("{} expires at {}", user.id, token.expires_on);
/// client.revoke_tokens(&user.id, None).await?;
/// client.delete_user(&user.id, None).await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct IdentityClient {
    core: Core,
}

fn core_options(options: &IdentityClientOptions) -> ClientOptions {
    let defaults = ClientOptions::default();
    ClientOptions {
        api_version: options.api_version.clone().unwrap_or(defaults.api_version),
        retry: options.retry.unwrap_or(defaults.retry),
        timeout_ms: options.timeout.map(ms),
        user_agent_prefix: options.user_agent_prefix.clone(),
        allow_insecure_connection: options.allow_insecure_connection,
    }
}

fn call(options: &MethodOptions) -> CallOptions<'_, Cancel> {
    CallOptions {
        timeout_ms: options.timeout.map(ms),
        signal: options.cancel.as_ref(),
    }
}

impl IdentityClient {
    /// A client for the resource at `endpoint` (`https://<resource>.communication.azure.com`) whose requests
    /// `credential` authorizes: a [`KeyCredential`] (HMAC with the access key) or an
    /// `Arc<impl TokenCredential>` such as [`ClientSecretCredential`] (Microsoft Entra ID, which a resource
    /// with local authentication disabled requires).
    pub fn new(
        endpoint: &str,
        credential: impl Into<ClientCredential>,
        options: Option<IdentityClientOptions>,
    ) -> Result<IdentityClient> {
        let options = options.unwrap_or_default();
        let transport = match options.transport.clone() {
            Some(t) => t,
            None => ReqwestTransport::new()?,
        };
        let endpoint = Endpoint::parse(endpoint).map_err(|e| {
            Error::new(ErrorKind::InvalidArgument, e.message().to_string()).with_target("endpoint")
        })?;
        let core = Core::with_credential(
            endpoint,
            credential.into(),
            core_options(&options),
            transport,
            Tokio,
        )?;
        Ok(IdentityClient { core })
    }

    /// A client for the resource of `connection_string` (`endpoint=https://...;accesskey=...`), which
    /// signs every request with the access key (HMAC-SHA256).
    pub fn from_connection_string(
        connection_string: &str,
        options: Option<IdentityClientOptions>,
    ) -> Result<IdentityClient> {
        let options = options.unwrap_or_default();
        let transport = match options.transport.clone() {
            Some(t) => t,
            None => ReqwestTransport::new()?,
        };
        let cs = ConnectionString::parse(connection_string)?;
        let credential = ClientCredential::from(cs.access_key().clone());
        let core = Core::with_credential(
            cs.endpoint().clone(),
            credential,
            core_options(&options),
            transport,
            Tokio,
        )?;
        Ok(IdentityClient { core })
    }

    /// The resource endpoint, `https://host[:port]`.
    pub fn endpoint(&self) -> &str {
        self.core.endpoint().as_str()
    }

    /// The client of the core, generic over transport and environment, for what this type does not cover.
    pub fn core(&self) -> &client::IdentityClient<ReqwestTransport, Tokio, ClientCredential> {
        &self.core
    }

    /// Creates a user.
    pub async fn create_user(
        &self,
        options: Option<CreateUserOptions>,
    ) -> Result<CommunicationUser> {
        let o = options.unwrap_or_default();
        let args = ops::CreateUserOptions {
            custom_id: o.custom_id,
        };
        self.core.create_user(&args, call(&o.method)).await
    }

    /// Creates a user and issues it a token with `scopes` in one request.
    pub async fn create_user_and_token(
        &self,
        scopes: &[&str],
        options: Option<TokenOptions>,
    ) -> Result<UserAndToken> {
        let o = options.unwrap_or_default();
        let args = ops::CreateUserAndTokenOptions {
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            expires_in_minutes: o.expires_in_minutes,
            custom_id: o.custom_id,
        };
        self.core
            .create_user_and_token(&args, call(&o.method))
            .await
    }

    /// Issues a token with `scopes` (`"chat"`, `"voip"`, ...: see [`crate::operations::scope`]) for the user
    /// `user_id` (`8:acs:...`).
    pub async fn get_token(
        &self,
        user_id: &str,
        scopes: &[&str],
        options: Option<TokenOptions>,
    ) -> Result<AccessToken> {
        let o = options.unwrap_or_default();
        let args = ops::GetTokenOptions {
            user_id: user_id.to_string(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            expires_in_minutes: o.expires_in_minutes,
        };
        self.core.get_token(&args, call(&o.method)).await
    }

    /// Revokes every token issued for the user `user_id`.
    pub async fn revoke_tokens(&self, user_id: &str, options: Option<MethodOptions>) -> Result<()> {
        let o = options.unwrap_or_default();
        let args = ops::UserOptions {
            user_id: user_id.to_string(),
        };
        self.core.revoke_tokens(&args, call(&o)).await
    }

    /// Deletes the user `user_id` (which revokes its tokens).
    pub async fn delete_user(&self, user_id: &str, options: Option<MethodOptions>) -> Result<()> {
        let o = options.unwrap_or_default();
        let args = ops::UserOptions {
            user_id: user_id.to_string(),
        };
        self.core.delete_user(&args, call(&o)).await
    }

    /// Gets the user `user_id` with its custom id and last token time (api-version
    /// [`crate::operations::PREVIEW_API_VERSION`] only).
    pub async fn get_user(
        &self,
        user_id: &str,
        options: Option<MethodOptions>,
    ) -> Result<CommunicationUser> {
        let o = options.unwrap_or_default();
        let args = ops::UserOptions {
            user_id: user_id.to_string(),
        };
        self.core.get_user(&args, call(&o)).await
    }

    /// Exchanges a Teams user's Entra ID token (for the application `client_id` and the user
    /// `user_object_id`) for a Communication Services token.
    pub async fn get_token_for_teams_user(
        &self,
        teams_user_aad_token: &str,
        client_id: &str,
        user_object_id: &str,
        options: Option<MethodOptions>,
    ) -> Result<AccessToken> {
        let o = options.unwrap_or_default();
        let args = ops::GetTokenForTeamsUserOptions {
            teams_user_aad_token: teams_user_aad_token.to_string(),
            client_id: client_id.to_string(),
            user_object_id: user_object_id.to_string(),
        };
        self.core.get_token_for_teams_user(&args, call(&o)).await
    }
}
