//! The Teams user exchange: an Entra ID token of a Teams user for an ACS token.

use super::identities::{mint_token, minutes_from};
use super::validation::{body_object, field, DEFAULT_EXPIRES_IN_MINUTES};
use super::versions::TEAMS_TOKEN_ONLY_VERSION;
use super::{Call, HandlerResult, Rejection};
use crate::protocol::Reply;
use crate::{ids, tokens};
use acs_identity_edge::operations::scope;
use hyper::StatusCode;
use serde_json::Value;

fn teams_invalid_token() -> Rejection {
    Rejection::Plain(Reply::error(
        StatusCode::UNAUTHORIZED,
        "InvalidAccessToken",
        "Provided access token is not valid.",
    ))
}

fn teams_validation(message: &str, target: &'static str) -> Rejection {
    Rejection::Plain(Reply::validation(message, target))
}

/// The Teams exchange: the Entra ID token's signature is not checked (any JWT, signed or unsigned, is
/// taken), but its `exp`, `nbf`, `appid` (or `azp`) and `oid` are, against the request, with the
/// service's answers.
pub(super) fn exchange(call: &Call<'_>) -> HandlerResult {
    let map = body_object(call.body).map_err(Rejection::Plain)?;
    let text = |name: &str| field(&map, name).and_then(Value::as_str).unwrap_or("");
    let token = text("token");
    if token.is_empty() {
        return Err(teams_invalid_token());
    }
    let token_only = call.version == TEAMS_TOKEN_ONLY_VERSION;
    let (app_id, user_id) = (text("appId"), text("userId"));
    if !token_only {
        if app_id.is_empty() {
            return Err(teams_validation(
                "AppId: The AppId field is required.",
                "AppId",
            ));
        }
        if user_id.is_empty() {
            return Err(teams_validation(
                "UserId: The UserId field is required.",
                "UserId",
            ));
        }
        if !ids::is_guid(app_id) {
            return Err(teams_validation(
                "Provided AppId has invalid format.",
                "appId",
            ));
        }
        if !ids::is_guid(user_id) {
            return Err(teams_validation(
                "Provided UserId has invalid format.",
                "userId",
            ));
        }
    }
    let claims = tokens::decode_unverified_payload(token).ok_or_else(teams_invalid_token)?;
    let number = |name: &str| claims.get(name).and_then(Value::as_f64);
    let string = |name: &str| claims.get(name).and_then(Value::as_str);
    let now_s = call.now.unix_seconds();
    let exp = number("exp").ok_or_else(teams_invalid_token)?;
    if exp <= now_s as f64 {
        return Err(teams_invalid_token());
    }
    if number("nbf").is_some_and(|nbf| nbf > now_s as f64 + 300.0) {
        return Err(teams_invalid_token());
    }
    let token_app = string("appid")
        .or_else(|| string("azp"))
        .ok_or_else(teams_invalid_token)?;
    let oid = string("oid")
        .filter(|o| ids::is_guid(o))
        .ok_or_else(teams_invalid_token)?;
    if !token_only {
        if !token_app.eq_ignore_ascii_case(app_id) {
            return Err(teams_validation(
                "AAD application is not the expected one.",
                "appId",
            ));
        }
        if !oid.eq_ignore_ascii_case(user_id) {
            return Err(teams_validation(
                "Provided AAD token issued for unexpected user.",
                "userId",
            ));
        }
    }
    // The token lives as long as the Entra token, at most 24 hours.
    let exp_ms =
        ((exp as i64).saturating_mul(1000)).min(minutes_from(call.now, DEFAULT_EXPIRES_IN_MINUTES));
    let identity = format!("8:orgid:{}", oid.to_ascii_lowercase());
    let scopes = [scope::VOIP.to_string(), scope::CHAT.to_string()];
    let token = mint_token(call.app, &identity, &scopes, call.now, exp_ms, 0)?;
    Ok(Reply::json(StatusCode::OK, &token))
}
