//! The identity client in WebAssembly for Rust code (wasm32 only): a Rust Cloudflare Worker built with
//! `workers-rs`, or any Rust program that runs in a JS runtime, uses [`IdentityClient`] directly, over
//! `fetch` ([`FetchTransport`]) and the runtime's clock, timers and randomness ([`JsEnvironment`]).
//!
//! The transport sends through the global `fetch` (by `gloo-net`), or a `fetch` function of the caller's
//! ([`FetchTransport::with_fetch`]); it never follows a redirect and refuses response bodies over
//! [`MAX_RESPONSE_BYTES`]. A call's time budget and an `AbortSignal` ([`JsSignal`]) bound each attempt with
//! its own `AbortController`.
//!
//! ```ignore
//! use acs_identity_edge::client::{CallOptions, ClientOptions};
//! use acs_identity_edge::js::{FetchTransport, IdentityClient, JsEnvironment};
//! use acs_identity_edge::operations::CreateUserAndTokenOptions;
//!
//! async fn voip_token(connection_string: &str) -> acs_identity_edge::Result<String> {
//!     let client = IdentityClient::new(
//!         connection_string,
//!         ClientOptions::default(),
//!         FetchTransport::new(),
//!         JsEnvironment,
//!     )?;
//!     let options = CreateUserAndTokenOptions {
//!         scopes: vec!["voip".into()],
//!         ..Default::default()
//!     };
//!     let created = client.create_user_and_token(&options, CallOptions::default()).await?;
//!     Ok(created.token.token)
//! }
//! ```
//!
//! `examples/rust-worker` in the repository is a token endpoint built this way with `worker-build`.
//!
//! With the default feature `js-bindings`, a wasm32 build also holds the npm package's JS bindings and its
//! allocator; a Rust program that only uses this module depends on the crate with
//! `default-features = false`.

use crate::connection_string::AccessKey;
use js_sys::Function;

pub use crate::wasm::fetch::{
    FetchBody, FetchTransport, JsEnvironment, JsSignal, MAX_RESPONSE_BYTES,
};

/// The identity client over `fetch` and the JS environment; `C` authorizes each attempt (by default the
/// access key of a connection string). Build it with [`IdentityClient::new`](crate::client::IdentityClient::new).
pub type IdentityClient<C = AccessKey> =
    crate::client::IdentityClient<FetchTransport, JsEnvironment, C>;

impl FetchTransport {
    /// A transport over the global `fetch`, sending this library's `User-Agent`.
    pub fn new() -> FetchTransport {
        FetchTransport {
            fetch: None,
            send: None,
            on_request: None,
            user_agent: true,
            raw: false,
            init: None,
            all_headers: true,
        }
    }

    /// A transport over `fetch`, a JS function called as `fetch(url, init)` that returns a `Response` or a
    /// promise of one (a service binding's `fetch`, or a wrapper of the caller's).
    pub fn with_fetch(fetch: Function) -> FetchTransport {
        FetchTransport {
            fetch: Some(fetch),
            ..FetchTransport::new()
        }
    }
}

impl Default for FetchTransport {
    fn default() -> FetchTransport {
        FetchTransport::new()
    }
}
