//! How a request is authorized, apart from how it is built and sent (reqsign's split between loading a
//! credential and signing with it): the client asks its [`Credential`] to authorize each attempt, just
//! before it is sent, with the time of that attempt.
//!
//! - [`AccessKey`] (the key of a connection string) signs each attempt with HMAC-SHA256
//!   ([`sign_request`], over the pure functions of [`crate::signing`]).
//! - [`KeyCredential`] is an access key that can be replaced while clients use it (key rotation): it is
//!   read on every attempt.
//!
//! A credential that has to fetch something (a bearer token from Microsoft Entra ID, say) does it in
//! [`Credential::authorize`], which is async and gets the call's cancellation signal; it keeps its own
//! cache. When the service answers 401 to an attempt it authorized, the client calls
//! [`Credential::unauthorized`]: a credential that can get a fresh authorization (drop a cached token)
//! answers true, and the client authorizes the request again and resends it, once per call.

use crate::client::HttpRequest;
use crate::connection_string::AccessKey;
use crate::entra::{BearerToken, TokenCache, COMMUNICATION_SCOPE};
use crate::error::Result;
use crate::header;
use crate::signing;
use std::future::Future;
use std::sync::{Arc, PoisonError, RwLock};

/// What a credential knows of one attempt besides the request itself.
#[derive(Debug)]
pub struct Attempt<'a, S: ?Sized> {
    /// `host[:port]` of the endpoint, as signed (no default port).
    pub host: &'a str,
    /// The path and query, exactly as sent and signed.
    pub path_and_query: &'a str,
    /// The time of the attempt in unix milliseconds (the client's environment's clock).
    pub now_unix_ms: i64,
    /// The call's cancellation signal, for a credential that has to wait.
    pub signal: Option<&'a S>,
    /// When the call's time budget runs out (unix milliseconds), for a credential that has to wait: past
    /// it, fail with [`ErrorKind::Timeout`](crate::ErrorKind::Timeout). `None` without a budget.
    pub deadline_unix_ms: Option<i64>,
}

/// Authorizes the attempts of a client's calls. `S` is the environment's cancellation signal type.
pub trait Credential<S: ?Sized> {
    /// Adds the authorization of one attempt to `request` (HMAC: `x-ms-date`, `x-ms-content-sha256`
    /// and `authorization`, and the string to sign on [`HttpRequest::string_to_sign`]; a bearer
    /// credential: `authorization: Bearer ...`). Called before every attempt, retries included.
    fn authorize(
        &self,
        request: &mut HttpRequest,
        attempt: &Attempt<'_, S>,
    ) -> impl Future<Output = Result<()>>;

    /// Called when the service answered 401 to an attempt this credential authorized. True asks the
    /// client to authorize the request again and resend it (once per call): a credential that caches a
    /// token drops it here. The default, right for a key, is false: the same key would be refused again.
    fn unauthorized(&self) -> bool {
        false
    }
}

/// Signs `request` with HMAC-SHA256 at `now_unix_ms` (rounded down to the second): sets `x-ms-date`,
/// `x-ms-content-sha256` and `authorization`, and keeps the string to sign on the request.
///
/// A request that already carries `x-ms-content-sha256` is signed with that hash rather than one of
/// [`HttpRequest::body`]: the body is hashed once per call (a retry signs the same body), and a caller
/// whose body is not in the request (the JS package's signed `fetch` hashes a large body with WebCrypto
/// and hands it to `fetch` as it is) gives its hash.
pub fn sign_request(
    key: &AccessKey,
    request: &mut HttpRequest,
    host: &str,
    path_and_query: &str,
    now_unix_ms: i64,
) -> Result<()> {
    let hash = match request.header(header::X_MS_CONTENT_SHA256) {
        Some(hash) => hash.to_string(),
        None => signing::content_hash(&request.body),
    };
    let signed = signing::sign_target_hashed(
        key,
        &request.method,
        host,
        path_and_query,
        hash,
        now_unix_ms.div_euclid(1000),
    )?;
    request.set_header(header::X_MS_DATE, signed.x_ms_date);
    request.set_header(header::X_MS_CONTENT_SHA256, signed.x_ms_content_sha256);
    request.set_header(header::AUTHORIZATION, signed.authorization);
    request.string_to_sign = Some(signed.string_to_sign);
    Ok(())
}

impl<S: ?Sized> Credential<S> for AccessKey {
    async fn authorize(&self, request: &mut HttpRequest, attempt: &Attempt<'_, S>) -> Result<()> {
        sign_request(
            self,
            request,
            attempt.host,
            attempt.path_and_query,
            attempt.now_unix_ms,
        )
    }
}

/// An access key that can be replaced while clients use it: [`KeyCredential::update`] takes effect from
/// the next attempt of every client holding a clone. Its `Debug` does not show the key.
///
/// ```
/// use acs_identity_edge::connection_string::AccessKey;
/// use acs_identity_edge::credential::KeyCredential;
///
/// let credential = KeyCredential::new(AccessKey::from_base64("cHc=")?);
/// let held_by_a_client = credential.clone();
/// credential.update(AccessKey::from_base64("bmV3")?);
/// assert_eq!(held_by_a_client.key().expose_secret(), b"new");
/// # Ok::<(), acs_identity_edge::Error>(())
/// ```
#[derive(Clone)]
pub struct KeyCredential(Arc<RwLock<AccessKey>>);

impl KeyCredential {
    /// A credential holding `key`.
    pub fn new(key: AccessKey) -> Self {
        KeyCredential(Arc::new(RwLock::new(key)))
    }

    /// Replaces the key (for example with the resource's other key, during rotation).
    pub fn update(&self, key: AccessKey) {
        *self.0.write().unwrap_or_else(PoisonError::into_inner) = key;
    }

    /// The current key.
    pub fn key(&self) -> AccessKey {
        self.0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl core::fmt::Debug for KeyCredential {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("KeyCredential(<redacted>)")
    }
}

impl<S: ?Sized> Credential<S> for KeyCredential {
    async fn authorize(&self, request: &mut HttpRequest, attempt: &Attempt<'_, S>) -> Result<()> {
        let key = self.0.read().unwrap_or_else(PoisonError::into_inner);
        sign_request(
            &key,
            request,
            attempt.host,
            attempt.path_and_query,
            attempt.now_unix_ms,
        )
    }
}

/// Gives bearer tokens for scopes: the Rust shape of `@azure/core-auth`'s `TokenCredential` (Microsoft
/// Entra ID). [`crate::entra::ClientSecretCredential`] and [`crate::entra::ClientAssertionCredential`] are
/// two; an application can bring its own (a managed identity, a token it already has).
pub trait TokenProvider<S: ?Sized> {
    /// A token for `scopes`; `signal` is the call's cancellation signal.
    fn get_token(
        &self,
        scopes: &[&str],
        signal: Option<&S>,
    ) -> impl Future<Output = Result<BearerToken>>;
}

/// Authorizes each attempt with `Authorization: Bearer <token>` for
/// [`COMMUNICATION_SCOPE`] and no HMAC headers, as the official SDKs do
/// with a token credential. The token is cached and refreshed 5 minutes before it expires; concurrent
/// calls with no token make one request to the provider; after a 401 the cached token is dropped and the
/// call tries once more with a fresh one. Clones share the cache.
pub struct BearerCredential<P> {
    provider: Arc<P>,
    cache: Arc<TokenCache>,
}

impl<P> BearerCredential<P> {
    /// A credential whose tokens come from `provider`.
    pub fn new(provider: P) -> Self {
        BearerCredential {
            provider: Arc::new(provider),
            cache: Arc::new(TokenCache::new()),
        }
    }

    /// The token provider.
    pub fn provider(&self) -> &P {
        &self.provider
    }
}

impl<P> Clone for BearerCredential<P> {
    fn clone(&self) -> Self {
        BearerCredential {
            provider: Arc::clone(&self.provider),
            cache: Arc::clone(&self.cache),
        }
    }
}

impl<P> core::fmt::Debug for BearerCredential<P> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("BearerCredential(<redacted>)")
    }
}

impl<S: ?Sized, P: TokenProvider<S>> Credential<S> for BearerCredential<P> {
    async fn authorize(&self, request: &mut HttpRequest, attempt: &Attempt<'_, S>) -> Result<()> {
        let token = self
            .cache
            .get(
                || attempt.now_unix_ms,
                || {
                    self.provider
                        .get_token(&[COMMUNICATION_SCOPE], attempt.signal)
                },
            )
            .await?;
        let mut value = String::with_capacity(7 + token.expose_secret().len());
        value.push_str("Bearer ");
        value.push_str(token.expose_secret());
        request.set_header(header::AUTHORIZATION, value);
        request.string_to_sign = None;
        Ok(())
    }

    fn unauthorized(&self) -> bool {
        self.cache.clear();
        true
    }
}
