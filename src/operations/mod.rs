//! The identity operations, sans I/O: for each operation one pure function builds a transport-neutral
//! [`Request`] (method, path and query, extra headers, body bytes) and one parses a [`Response`] (status,
//! headers, body) into a typed result or a typed [`Error`](crate::Error).
//!
//! Nothing here signs, sends, sleeps or reads a clock; [`crate::client::IdentityClient`] loops over these
//! functions, and the WebAssembly bindings can call them directly.
//!
//! ```
//! use acs_identity_edge::operations::{self, GetTokenOptions};
//!
//! let request = operations::get_token_request(
//!     operations::DEFAULT_API_VERSION,
//!     &GetTokenOptions {
//!         user_id: "8:acs:r_u".into(),
//!         scopes: vec!["voip".into()],
//!         expires_in_minutes: Some(60),
//!     },
//! )?;
//! assert_eq!(request.method, "POST");
//! assert_eq!(request.path_and_query, "/identities/8%3Aacs%3Ar_u/:issueAccessToken?api-version=2023-10-01");
//! assert_eq!(request.body, br#"{"scopes":["voip"],"expiresInMinutes":60}"#);
//! # Ok::<(), acs_identity_edge::Error>(())
//! ```

mod operation;
mod requests;
mod responses;

pub use operation::*;
pub use requests::*;
pub use responses::*;

/// The api-version the released SDKs send, and this library's default.
pub const DEFAULT_API_VERSION: &str = "2023-10-01";

/// The preview api-version that adds `customId` on create and `GET /identities/{id}` (the only one).
pub const PREVIEW_API_VERSION: &str = "2025-03-02-preview";

/// The original API of 2020, with routes and shapes of its own (`200 {"id"}`, `/token`, `PATCH`); this
/// library's requests do not speak it.
pub const LEGACY_API_VERSION: &str = "2020-07-20-preview2";

/// The preview api-version whose Teams user exchange takes only `token` (no `appId`/`userId`).
pub const TEAMS_TOKEN_ONLY_API_VERSION: &str = "2021-10-31-preview";

/// Every api-version of the identity routes, oldest first: [`LEGACY_API_VERSION`] (create and delete
/// only), then [`KNOWN_API_VERSIONS`].
pub const IDENTITY_API_VERSIONS: &[&str] = &[
    LEGACY_API_VERSION,
    "2021-03-07",
    TEAMS_TOKEN_ONLY_API_VERSION,
    "2021-11-01",
    "2022-06-01",
    "2022-10-01",
    "2023-08-01",
    DEFAULT_API_VERSION,
    PREVIEW_API_VERSION,
    "2025-06-30",
    "2026-07-22",
    "2026-09-23",
];

/// The api-versions the service is known to accept for the identity operations this library builds
/// (create, issue, revoke, delete), oldest first.
pub const KNOWN_API_VERSIONS: &[&str] = match IDENTITY_API_VERSIONS.split_first() {
    Some((_legacy, rest)) => rest,
    None => &[],
};

/// The api-versions of the Teams user exchange (`/teamsUser/:exchangeAccessToken`), oldest first: every
/// known version from [`TEAMS_TOKEN_ONLY_API_VERSION`] on but `2021-11-01`.
pub const TEAMS_API_VERSIONS: &[&str] = &[
    TEAMS_TOKEN_ONLY_API_VERSION,
    "2022-06-01",
    "2022-10-01",
    "2023-08-01",
    DEFAULT_API_VERSION,
    PREVIEW_API_VERSION,
    "2025-06-30",
    "2026-07-22",
    "2026-09-23",
];

/// True when `api_version` supports `customId` and getting a user (only [`PREVIEW_API_VERSION`]).
pub fn supports_custom_id(api_version: &str) -> bool {
    api_version == PREVIEW_API_VERSION
}

/// Token scopes. The service treats them as an extensible set, so other strings are passed through.
pub mod scope {
    /// Chat.
    pub const CHAT: &str = "chat";
    /// Voice and video calling.
    pub const VOIP: &str = "voip";
    /// Joining chats the user is invited to.
    pub const CHAT_JOIN: &str = "chat.join";
    /// Joining chats, without adding or removing participants.
    pub const CHAT_JOIN_LIMITED: &str = "chat.join.limited";
    /// Joining calls the user is invited to.
    pub const VOIP_JOIN: &str = "voip.join";
    /// Every scope this library knows.
    pub const ALL: [&str; 5] = [CHAT, VOIP, CHAT_JOIN, CHAT_JOIN_LIMITED, VOIP_JOIN];
    /// Phone calls, a scope of the original 2020 API only.
    pub const PSTN: &str = "pstn";
    /// The scopes of the original 2020 API ([`LEGACY_API_VERSION`](super::LEGACY_API_VERSION)).
    pub const LEGACY: [&str; 3] = [CHAT, VOIP, PSTN];
}

/// Token lifetimes the service accepts, in minutes (the service's default is the maximum).
pub const MIN_EXPIRES_IN_MINUTES: u32 = 60;
/// See [`MIN_EXPIRES_IN_MINUTES`].
pub const MAX_EXPIRES_IN_MINUTES: u32 = 1440;
/// The lifetime of a token when the request names none.
pub const DEFAULT_EXPIRES_IN_MINUTES: u32 = MAX_EXPIRES_IN_MINUTES;

/// Header names of requests and responses (see [`crate::header`]).
pub use crate::header;
pub use crate::url::push_percent_encoded;

/// `application/json`.
pub const APPLICATION_JSON: &str = "application/json";

/// A request to make, before signing: where it goes relative to the endpoint, and what it carries. Its
/// `Debug` shows the body's length, not the body (the Teams exchange's holds the user's token).
#[derive(Clone, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `POST` or `DELETE`.
    pub method: &'static str,
    /// `/path?api-version=...`, percent-encoded, exactly as it must be sent and signed.
    pub path_and_query: String,
    /// Headers to send besides the signing ones (`accept`, and `content-type` when there is a body).
    pub headers: Vec<(&'static str, &'static str)>,
    /// The body bytes; empty means the request has no body.
    pub body: Vec<u8>,
}

/// A response as received: status, headers (names in any case) and a body in whatever form the platform
/// decoded it (see [`JsonBody`](crate::json::JsonBody)). Its `Debug` leaves the body out (a token
/// response holds the token).
#[derive(Clone, PartialEq, Eq)]
pub struct Response<B> {
    /// HTTP status.
    pub status: u16,
    /// Response headers as `(name, value)`, names in any case.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: B,
}

impl core::fmt::Debug for Request {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("path_and_query", &self.path_and_query)
            .field("headers", &self.headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl<B> core::fmt::Debug for Response<B> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .finish_non_exhaustive()
    }
}

impl<B> Response<B> {
    /// The first header named `name` (compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        header::find(&self.headers, name)
    }

    /// True for a 2xx status.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// The first header named `name` (compared case-insensitively) in a list of `(name, value)` pairs.
pub fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    header::find(headers, name)
}
