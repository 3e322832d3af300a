//! The identity operations of the current API: create, get and delete a user, issue and revoke its
//! tokens; and what the other handlers share (ownership, the store, minting).

use super::validation::{
    body_object, custom_id, expires_in_minutes, field, required_scopes, scope_list, SCOPES,
};
use super::{Call, HandlerResult};
use crate::app::App;
use crate::clock::Now;
use crate::protocol::{storage_failure, Reply};
use crate::store::{Lookup, Store, StoreError};
use crate::tokens::{self, Claims};
use acs_identity_edge::date::format_expires_on;
use acs_identity_edge::operations::PREVIEW_API_VERSION;
use hyper::StatusCode;
use serde::Serialize;
use std::sync::Arc;

/// 401 for ids that are not users of this resource, as the service answers for another resource's id.
pub(super) fn owned(app: &App, id: &str) -> Result<(), Reply> {
    let ok = id
        .strip_prefix("8:acs:")
        .and_then(|rest| rest.strip_prefix(app.settings.resource_id.as_str()))
        .and_then(|rest| rest.strip_prefix('_'))
        .is_some_and(|suffix| !suffix.is_empty());
    if ok {
        Ok(())
    } else {
        Err(Reply::error(
            StatusCode::UNAUTHORIZED,
            "IdentityNotOwned",
            "Provided identity doesn't belong to the resource.",
        ))
    }
}

/// 404 for an identity of this resource that does not exist or was deleted (the emulator's text; the
/// service's is not recorded).
pub(super) fn not_found(id: &str) -> Reply {
    Reply::error(
        StatusCode::NOT_FOUND,
        "IdentityNotFound",
        format!("Identity '{id}' was not found."),
    )
}

pub(super) async fn with_store<T: Send + 'static>(
    app: &Arc<App>,
    f: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, Reply> {
    let store = app.store.clone();
    match tokio::task::spawn_blocking(move || f(&store)).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => {
            tracing::error!("storage failed: {e}");
            Err(storage_failure())
        }
        Err(_) => Err(storage_failure()),
    }
}

#[derive(Serialize)]
pub(super) struct TokenOut {
    pub(super) token: String,
    #[serde(rename = "expiresOn")]
    pub(super) expires_on: String,
}

#[derive(Serialize)]
struct IdentityOut {
    #[serde(rename = "customId", skip_serializing_if = "Option::is_none")]
    custom_id: Option<String>,
    #[serde(rename = "lastTokenIssuedAt", skip_serializing_if = "Option::is_none")]
    last_token_issued_at: Option<String>,
    id: String,
}

#[derive(Serialize)]
struct CreateOut {
    identity: IdentityOut,
    #[serde(rename = "accessToken", skip_serializing_if = "Option::is_none")]
    access_token: Option<TokenOut>,
}

/// `2025-04-14T15:32:27+00:00`, the service's `lastTokenIssuedAt` (whole seconds).
fn format_seconds(unix_ms: i64) -> Option<String> {
    let full = format_expires_on(unix_ms.div_euclid(1000) * 1000)?;
    Some(format!("{}+00:00", full.get(..19)?))
}

/// A token for `identity` with `scopes`, valid `minutes` from `now`, carrying `stamp`.
pub(super) fn mint_token(
    app: &App,
    identity: &str,
    scopes: &[String],
    now: Now,
    expires_ms: i64,
    stamp: i64,
) -> Result<TokenOut, Reply> {
    let expires_on = format_expires_on(expires_ms).ok_or_else(storage_failure)?;
    let claims = Claims::new(
        identity,
        scopes,
        &app.settings.resource_id,
        now.unix_seconds(),
        expires_ms.div_euclid(1000),
        stamp,
    );
    Ok(TokenOut {
        token: tokens::mint(&app.settings.access_key, &claims),
        expires_on,
    })
}

pub(super) fn minutes_from(now: Now, minutes: i64) -> i64 {
    now.unix_ms + minutes * 60_000
}

pub(super) async fn create_user(call: &Call<'_>) -> HandlerResult {
    let map = body_object(call.body)?;
    let scopes = match field(&map, "createTokenWithScopes") {
        Some(v) => scope_list(v, "createTokenWithScopes", "CreateTokenWithScopes", SCOPES)?,
        None => Vec::new(),
    };
    let minutes = expires_in_minutes(&map)?;
    let custom = if call.version == PREVIEW_API_VERSION {
        custom_id(&map)?
    } else {
        None
    };
    let with_token = !scopes.is_empty();
    let resource = call.app.settings.resource_id.clone();
    let now_ms = call.now.unix_ms;
    let custom_for_store = custom.clone();
    let created = with_store(call.app, move |s| {
        s.create(&resource, custom_for_store.as_deref(), with_token, now_ms)
    })
    .await?;
    if created.existed {
        tracing::debug!("customId matched identity {}", created.identity.id);
    }
    let access_token = match created.token_stamp {
        Some(stamp) => Some(mint_token(
            call.app,
            &created.identity.id,
            &scopes,
            call.now,
            minutes_from(call.now, minutes),
            stamp,
        )?),
        None => None,
    };
    let identity = &created.identity;
    let out = CreateOut {
        identity: IdentityOut {
            last_token_issued_at: identity
                .custom_id
                .as_ref()
                .and(identity.last_token_ms)
                .and_then(format_seconds),
            custom_id: identity.custom_id.clone(),
            id: identity.id.clone(),
        },
        access_token,
    };
    Ok(Reply::json(StatusCode::CREATED, &out))
}

pub(super) async fn get_user(call: &Call<'_>, id: String) -> HandlerResult {
    owned(call.app, &id)?;
    match call.app.store.get(&id) {
        Lookup::Live(identity) => Ok(Reply::json(
            StatusCode::OK,
            &IdentityOut {
                custom_id: identity.custom_id,
                last_token_issued_at: identity.last_token_ms.and_then(format_seconds),
                id: identity.id,
            },
        )),
        Lookup::Deleted | Lookup::Missing => Err(not_found(&id).into()),
    }
}

pub(super) async fn delete_user(call: &Call<'_>, id: String) -> HandlerResult {
    owned(call.app, &id)?;
    let now_ms = call.now.unix_ms;
    let key = id.clone();
    if with_store(call.app, move |s| s.delete(&key, now_ms)).await? {
        Ok(Reply::empty(StatusCode::NO_CONTENT))
    } else {
        Err(not_found(&id).into())
    }
}

pub(super) async fn issue_token(call: &Call<'_>, id: String) -> HandlerResult {
    let map = body_object(call.body)?;
    let scopes = required_scopes(&map, SCOPES)?;
    owned(call.app, &id)?;
    let minutes = expires_in_minutes(&map)?;
    let token = issue(call, &id, &scopes, minutes).await?;
    Ok(Reply::json(StatusCode::OK, &token))
}

pub(super) async fn issue(
    call: &Call<'_>,
    id: &str,
    scopes: &[String],
    minutes: i64,
) -> Result<TokenOut, Reply> {
    let now_ms = call.now.unix_ms;
    let key = id.to_string();
    let stamp = with_store(call.app, move |s| s.issue(&key, now_ms))
        .await?
        .ok_or_else(|| not_found(id))?;
    mint_token(
        call.app,
        id,
        scopes,
        call.now,
        minutes_from(call.now, minutes),
        stamp,
    )
}

pub(super) async fn revoke_tokens(
    call: &Call<'_>,
    id: String,
    valid_from_ms: Option<i64>,
) -> HandlerResult {
    owned(call.app, &id)?;
    let now_ms = call.now.unix_ms;
    let key = id.clone();
    if with_store(call.app, move |s| s.revoke(&key, valid_from_ms, now_ms)).await? {
        Ok(Reply::empty(StatusCode::NO_CONTENT))
    } else {
        Err(not_found(&id).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_token_issued_at_has_whole_seconds() {
        assert_eq!(
            format_seconds(1_744_644_747_999).unwrap(),
            "2025-04-14T15:32:27+00:00"
        );
    }
}
