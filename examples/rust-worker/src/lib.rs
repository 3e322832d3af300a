//! A token endpoint for Azure Communication Services as a Rust Cloudflare Worker: `POST /api/token` creates
//! a Communication Services user and issues it a `voip` access token, in one request to the service, with
//! the connection string of the Worker's secret `COMMUNICATION_SERVICES_CONNECTION_STRING`.
//!
//! The client is `acs_identity_edge::js::IdentityClient`: the library's identity client over the Worker's
//! `fetch`, signing each attempt with HMAC and retrying 429s and 5xx as the official SDKs do. Put your own
//! authentication of the caller in front of it before you deploy it (see the README).

use acs_identity_edge::client::{CallOptions, ClientOptions};
use acs_identity_edge::js::{FetchTransport, IdentityClient, JsEnvironment, JsSignal};
use acs_identity_edge::operations::CreateUserAndTokenOptions;
use acs_identity_edge::ErrorKind;
use serde::Serialize;
use worker::{event, Context, Env, Method, Request, Response, Result};

/// The secret (or var) that holds the resource's connection string.
const CONNECTION_STRING: &str = "COMMUNICATION_SERVICES_CONNECTION_STRING";

/// The time budget of one token request to the service, retries included.
const TIMEOUT_MS: u64 = 10_000;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct User<'a> {
    communication_user_id: &'a str,
}

/// The answer, shaped like `createUserAndToken` of `@azure/communication-identity`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TokenOut<'a> {
    user: User<'a>,
    token: &'a str,
    expires_on: &'a str,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorOut<'a>,
}

#[derive(Serialize)]
struct ErrorOut<'a> {
    code: &'a str,
    message: &'a str,
}

fn error(status: u16, code: &str, message: &str) -> Result<Response> {
    Ok(Response::from_json(&ErrorBody {
        error: ErrorOut { code, message },
    })?
    .with_status(status))
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    if req.path() != "/api/token" {
        return error(404, "NotFound", "the only route is POST /api/token");
    }
    if req.method() != Method::Post {
        let response = error(405, "MethodNotAllowed", "use POST")?;
        response.headers().set("allow", "POST")?;
        return Ok(response);
    }
    // A secret in production (`wrangler secret put`), a var or a Miniflare binding locally.
    let connection_string = match env.secret(CONNECTION_STRING) {
        Ok(secret) => secret.to_string(),
        Err(_) => match env.var(CONNECTION_STRING) {
            Ok(var) => var.to_string(),
            Err(_) => {
                return error(
                    500,
                    "NotConfigured",
                    "the Worker has no COMMUNICATION_SERVICES_CONNECTION_STRING secret",
                )
            }
        },
    };
    let client = match IdentityClient::new(
        &connection_string,
        ClientOptions::default(),
        FetchTransport::new(),
        JsEnvironment,
    ) {
        Ok(client) => client,
        // The library's message names what is wrong without repeating the connection string or its key.
        Err(e) => return error(500, e.code(), e.message()),
    };
    let options = CreateUserAndTokenOptions {
        scopes: vec!["voip".into()],
        ..Default::default()
    };
    // The request's own signal: a client that goes away stops the call and its retries.
    let signal = JsSignal(req.inner().signal());
    let call = CallOptions {
        timeout_ms: Some(TIMEOUT_MS),
        signal: Some(&signal),
    };
    match client.create_user_and_token(&options, call).await {
        Ok(created) => Response::from_json(&TokenOut {
            user: User {
                communication_user_id: &created.user.id,
            },
            token: &created.token.token,
            expires_on: &created.token.expires_on,
        }),
        Err(e) => {
            let status = match e.kind() {
                ErrorKind::Timeout => 504,
                ErrorKind::Aborted => 499,
                _ => 502,
            };
            error(status, e.code(), e.message())
        }
    }
}
