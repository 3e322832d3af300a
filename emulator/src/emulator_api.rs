//! The emulator's own endpoints under `/emulator/`: `health`, `config` (the connection string for the
//! demo page) and `whoami` (what an access token stands for, so revocation is observable end to end).

use crate::app::App;
use crate::clock::Now;
use crate::protocol::{ErrorDetail, InnerError, Reply};
use crate::store::TokenState;
use crate::tokens::{self, TokenFailure};
use acs_identity_edge::date::format_expires_on;
use hyper::StatusCode;
use serde::Serialize;

#[derive(Serialize)]
struct Health<'a> {
    status: &'static str,
    version: &'static str,
    #[serde(rename = "resourceId")]
    resource_id: &'a str,
    identities: usize,
    persistent: bool,
    tls: bool,
    faults: bool,
    #[serde(rename = "rateLimit")]
    rate_limit: bool,
    #[serde(rename = "uptimeSeconds")]
    uptime_seconds: u64,
}

/// `GET /emulator/health`.
pub fn health(app: &App, now: Now) -> Reply {
    Reply::json(
        StatusCode::OK,
        &Health {
            status: "ok",
            version: env!("CARGO_PKG_VERSION"),
            resource_id: &app.settings.resource_id,
            identities: app.store.live_count(),
            persistent: app.store.is_persistent(),
            tls: app.settings.tls.is_some(),
            faults: app.settings.faults,
            rate_limit: app.settings.rate_limit,
            uptime_seconds: now.since(&app.started).as_secs(),
        },
    )
}

#[derive(Serialize)]
struct Config {
    #[serde(rename = "connectionString")]
    connection_string: String,
    endpoint: String,
}

/// Whether a `Host` header names this machine's loopback (or the address the emulator listens on).
/// `/emulator/config` answers only to those, so a page on another site that resolves its name to
/// 127.0.0.1 (DNS rebinding) cannot read the key.
fn is_local_host(app: &App, host: &str) -> bool {
    let name = match host.rfind(':') {
        Some(i) if !host.ends_with(']') => &host[..i],
        _ => host,
    };
    let name = name.trim_start_matches('[').trim_end_matches(']');
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback() || ip == app.settings.host)
}

/// `GET /emulator/config`: the connection string for a page served by the emulator, with the endpoint
/// as the page reached it (so `localhost` and `127.0.0.1` pages both stay same-origin). Sent without
/// CORS headers: only pages of the emulator's own origin can read it. Only for clients on this
/// machine (`from_this_machine`, by the connection's addresses) whose `Host` is local: a `Host` alone
/// proves nothing, and an HTTP/1.0 request may have none.
pub fn config(app: &App, host: Option<&str>, from_this_machine: bool) -> Reply {
    if !from_this_machine {
        return forbidden();
    }
    let endpoint = match host {
        Some(h) if is_local_host(app, h) => format!("{}://{}", app.scheme(), h),
        Some(_) => return forbidden(),
        None => app.endpoint.clone(),
    };
    Reply::json(
        StatusCode::OK,
        &Config {
            connection_string: format!(
                "endpoint={endpoint}/;accesskey={}",
                app.settings.access_key_base64.expose()
            ),
            endpoint,
        },
    )
}

fn forbidden() -> Reply {
    Reply::error(
        StatusCode::FORBIDDEN,
        "Forbidden",
        "The configuration is only served to pages on this machine's loopback address.",
    )
}

#[derive(Serialize)]
struct WhoAmI {
    id: String,
    kind: &'static str,
    scopes: Vec<String>,
    #[serde(rename = "resourceId")]
    resource_id: String,
    #[serde(rename = "issuedAt")]
    issued_at: String,
    #[serde(rename = "expiresOn")]
    expires_on: String,
}

fn refuse(code: &'static str, message: &str) -> Reply {
    Reply::error_body(
        StatusCode::UNAUTHORIZED,
        ErrorDetail {
            code: "InvalidAccessToken",
            message: message.to_string(),
            target: None,
            innererror: Some(InnerError { code }),
            inner_error_null: false,
        },
    )
    .with_header("www-authenticate", "Bearer")
}

/// `GET /emulator/whoami` with `Authorization: Bearer <access token>`: 200 with the identity and scopes
/// of a good token, else 401 whose `innererror.code` says why (`MissingToken`, `MalformedToken`,
/// `InvalidSignature`, `TokenExpired`, `TokenRevoked`, `IdentityDeleted`, `UnknownIdentity`).
pub fn whoami(app: &App, authorization: Option<&str>, now: Now) -> Reply {
    let token = authorization
        .map(str::trim)
        .and_then(|a| {
            a.get(..7)
                .filter(|p| p.eq_ignore_ascii_case("bearer "))
                .map(|_| a[7..].trim())
        })
        .filter(|t| !t.is_empty());
    let Some(token) = token else {
        return refuse(
            "MissingToken",
            "An 'Authorization: Bearer <access token>' header is required.",
        );
    };
    let claims = match tokens::verify(&app.settings.access_key, token) {
        Ok(c) => c,
        Err(TokenFailure::Malformed) => {
            return refuse("MalformedToken", "The access token is malformed.")
        }
        Err(TokenFailure::Forged) => {
            return refuse(
                "InvalidSignature",
                "The access token was not issued by this emulator or was changed.",
            )
        }
    };
    if !claims
        .resource_id
        .eq_ignore_ascii_case(&app.settings.resource_id)
    {
        return refuse(
            "InvalidSignature",
            "The access token was issued for another resource.",
        );
    }
    if claims.exp <= now.unix_seconds() {
        return refuse("TokenExpired", "The access token has expired.");
    }
    let id = claims.identity();
    let kind = if id.starts_with("8:orgid:") {
        "microsoftTeamsUser"
    } else {
        match app.store.token_state(&id, claims.stamp) {
            TokenState::Valid => "communicationUser",
            TokenState::Revoked => return refuse("TokenRevoked", "The access token was revoked."),
            TokenState::Deleted => {
                return refuse(
                    "IdentityDeleted",
                    "The identity of the access token was deleted.",
                )
            }
            TokenState::Unknown => {
                return refuse(
                    "UnknownIdentity",
                    "The identity of the access token does not exist.",
                )
            }
        }
    };
    Reply::json(
        StatusCode::OK,
        &WhoAmI {
            scopes: claims.scopes().into_iter().map(str::to_string).collect(),
            kind,
            resource_id: claims.resource_id.clone(),
            issued_at: format_expires_on(claims.iat.saturating_mul(1000)).unwrap_or_default(),
            expires_on: format_expires_on(claims.exp.saturating_mul(1000)).unwrap_or_default(),
            id,
        },
    )
}
