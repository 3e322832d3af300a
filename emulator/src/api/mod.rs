//! The Identity API, answering what the service answers (status codes, bodies and error texts as
//! recorded from the live service), by concern:
//!
//! - [`routes`]: which operation a method and path name;
//! - [`versions`]: the api-versions each operation answers to, and the check of a request's;
//! - [`validation`]: reading request bodies, with the service's validation errors;
//! - the handlers: [`identities`] (the current API), [`legacy`] (the 2020 API), [`teams`] (the Teams
//!   user exchange), run by [`dispatch`].

mod identities;
mod legacy;
pub mod routes;
mod teams;
mod validation;
pub mod versions;

pub use routes::{is_api_path, match_route, Match, Route};

use crate::app::App;
use crate::clock::Now;
use crate::protocol::Reply;
use std::sync::Arc;
use versions::LEGACY_VERSION;

/// One API call after authentication, routing and the api-version check.
pub struct Call<'a> {
    pub app: &'a Arc<App>,
    pub version: &'static str,
    pub body: &'a [u8],
    pub now: Now,
}

/// Runs the operation.
pub async fn dispatch(route: Route, call: Call<'_>) -> Reply {
    let reported = versions::reported(&route);
    let reply = match route {
        Route::CreateUser if call.version == LEGACY_VERSION => legacy::create_user(&call).await,
        Route::CreateUser => identities::create_user(&call).await,
        Route::GetUser(id) => identities::get_user(&call, id).await,
        Route::DeleteUser(id) => identities::delete_user(&call, id).await,
        Route::IssueToken(id) => identities::issue_token(&call, id).await,
        Route::RevokeTokens(id) => identities::revoke_tokens(&call, id, None).await,
        Route::LegacyIssueToken(id) => legacy::issue_token(&call, id).await,
        Route::LegacyUpdate(id) => legacy::update(&call, id).await,
        Route::ExchangeTeamsToken => teams::exchange(&call),
    };
    match reply {
        Ok(r) | Err(Rejection::Versioned(r)) => r.with_versions(reported),
        Err(Rejection::Plain(r)) => r,
    }
}

/// A refusal; the service omits `api-supported-versions` on model-binding errors (field required,
/// Teams exchange errors) and sends it on the others.
enum Rejection {
    Versioned(Reply),
    Plain(Reply),
}

impl From<Reply> for Rejection {
    fn from(r: Reply) -> Self {
        Rejection::Versioned(r)
    }
}

/// What a handler returns: the answer, or a refusal.
type HandlerResult = Result<Reply, Rejection>;
