//! The 2020 API (`2020-07-20-preview2`): its own shapes (`200 {"id"}`), token route (`/token`) and
//! revocation (`PATCH`), still spoken by the 2020 Python SDK.

use super::identities::{issue, owned, revoke_tokens, with_store};
use super::validation::{
    body_object, conversion_error, field, required_scopes, DEFAULT_EXPIRES_IN_MINUTES,
    LEGACY_SCOPES, SCOPES,
};
use super::{Call, HandlerResult};
use crate::protocol::Reply;
use acs_identity_edge::date::parse_iso8601;
use hyper::StatusCode;
use serde::Serialize;

#[derive(Serialize)]
struct LegacyIdentityOut {
    id: String,
}

#[derive(Serialize)]
struct LegacyTokenOut {
    id: String,
    token: String,
    #[serde(rename = "expiresOn")]
    expires_on: String,
}

pub(super) async fn create_user(call: &Call<'_>) -> HandlerResult {
    let resource = call.app.settings.resource_id.clone();
    let now_ms = call.now.unix_ms;
    let created = with_store(call.app, move |s| s.create(&resource, None, false, now_ms)).await?;
    Ok(Reply::json(
        StatusCode::OK,
        &LegacyIdentityOut {
            id: created.identity.id,
        },
    ))
}

pub(super) async fn issue_token(call: &Call<'_>, id: String) -> HandlerResult {
    let map = body_object(call.body)?;
    let mut allowed: Vec<&str> = LEGACY_SCOPES.to_vec();
    allowed.extend(SCOPES.iter().filter(|s| !LEGACY_SCOPES.contains(s)));
    let scopes = required_scopes(&map, &allowed)?;
    owned(call.app, &id)?;
    let token = issue(call, &id, &scopes, DEFAULT_EXPIRES_IN_MINUTES).await?;
    Ok(Reply::json(
        StatusCode::OK,
        &LegacyTokenOut {
            id,
            token: token.token,
            expires_on: token.expires_on,
        },
    ))
}

pub(super) async fn update(call: &Call<'_>, id: String) -> HandlerResult {
    let map = body_object(call.body)?;
    let valid_from = match field(&map, "tokensValidFrom") {
        None => None,
        Some(v) => Some(v.as_str().and_then(parse_iso8601).ok_or_else(|| {
            conversion_error(
                "tokensValidFrom",
                "System.DateTimeOffset",
                "TokensValidFrom",
            )
        })?),
    };
    revoke_tokens(call, id, valid_from).await
}
