//! Response models and parsers, one per operation, and the service's error shape.

use super::{header, Response};
use crate::date;
use crate::error::{Error, ErrorKind, Result, ServiceError};
use crate::json::{JsonBody, Value};

/// A Communication Services user. Deserialises from the service's identity object (`{"id", "customId",
/// "lastTokenIssuedAt"}`) and serialises in the JS SDK's shape (`{"communicationUserId", ...}`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct CommunicationUser {
    /// The user's raw id (`8:acs:...`).
    #[serde(rename(serialize = "communicationUserId", deserialize = "id"))]
    pub id: String,
    /// The custom id the user was created with (preview api-version).
    #[serde(rename = "customId", default, skip_serializing_if = "Option::is_none")]
    pub custom_id: Option<String>,
    /// When the last token was issued for the user, as the service wrote it (preview api-version).
    #[serde(
        rename = "lastTokenIssuedAt",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub last_token_issued_at: Option<String>,
}

impl CommunicationUser {
    /// [`CommunicationUser::last_token_issued_at`] in unix milliseconds, when present and readable.
    pub fn last_token_issued_at_unix_ms(&self) -> Option<i64> {
        self.last_token_issued_at
            .as_deref()
            .and_then(date::parse_iso8601)
    }
}

/// A Communication Services access token and when it expires. Its `Debug` does not show the token.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessToken {
    /// The token (a JWT), to hand to the calling or chat SDK.
    pub token: String,
    /// The expiry as the service wrote it (`2023-10-19T15:34:21.9853258+00:00`).
    pub expires_on: String,
    /// The expiry in unix milliseconds.
    pub expires_on_unix_ms: i64,
}

impl core::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AccessToken")
            .field("token", &"<redacted>")
            .field("expires_on", &self.expires_on)
            .field("expires_on_unix_ms", &self.expires_on_unix_ms)
            .finish()
    }
}

/// The result of creating a user together with a token.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct UserAndToken {
    /// The new user (or, with a custom id already used, the existing one).
    pub user: CommunicationUser,
    /// Its token.
    pub token: AccessToken,
}

/// `{"token","expiresOn"}` as the service sends it.
struct WireToken {
    token: String,
    expires_on: String,
}

fn read_token(v: &Value) -> Option<WireToken> {
    Some(WireToken {
        token: v.str("token")?,
        expires_on: v.str("expiresOn")?,
    })
}

/// The service's identity object, `{"id","customId"?,"lastTokenIssuedAt"?}`.
fn read_user(v: &Value) -> Option<CommunicationUser> {
    Some(CommunicationUser {
        id: v.str("id")?,
        custom_id: v.opt_str("customId").ok()?,
        last_token_issued_at: v.opt_str("lastTokenIssuedAt").ok()?,
    })
}

/// The answer to creating a user: `{"identity"?, "id"?, "accessToken"?}`.
struct WireCreateUser {
    identity: Option<CommunicationUser>,
    /// The 2020 preview api answered `{"id": ...}` without the `identity` envelope.
    id: Option<String>,
    access_token: Option<WireToken>,
}

fn read_create_user(v: &Value) -> Option<WireCreateUser> {
    if !v.is_object() {
        return None;
    }
    Some(WireCreateUser {
        identity: v.opt("identity", read_user).ok()?,
        id: v.opt_str("id").ok()?,
        access_token: v.opt("accessToken", read_token).ok()?,
    })
}

/// `{"error":{"code"?,"message"?,"target"?}}`: the service's error code, message and target.
fn read_error(v: &Value) -> Option<(Option<String>, Option<String>, Option<String>)> {
    let e = v.get("error")?;
    if !e.is_object() {
        return None;
    }
    Some((
        e.opt_str("code").ok()?,
        e.opt_str("message").ok()?,
        e.opt_str("target").ok()?,
    ))
}

fn invalid_response(message: &'static str) -> Error {
    Error::new(ErrorKind::InvalidResponse, message)
}

/// The typed error of a response with an error status: the service's `{"error":{"code","message",
/// "target"}}` when the body has that shape (else only the status), with `x-ms-client-request-id` (or
/// `MS-CV` when no request id came back) and `MS-CV` for support.
pub fn service_error<B: JsonBody + ?Sized>(
    status: u16,
    headers: &[(String, String)],
    body: &B,
) -> Error {
    let ms_cv = header::find(headers, header::MS_CV).map(str::to_string);
    let request_id = header::find(headers, header::CLIENT_REQUEST_ID)
        .map(str::to_string)
        .or_else(|| ms_cv.clone());
    let wire = if body.is_empty() {
        None
    } else {
        body.value().as_ref().and_then(read_error)
    };
    let (code, message, target) = wire.unwrap_or((None, None, None));
    Error::service(ServiceError {
        status,
        code,
        message,
        target,
        request_id,
        ms_cv,
    })
}

fn check_status<B: JsonBody>(response: &Response<B>) -> Result<()> {
    if response.is_success() {
        Ok(())
    } else {
        Err(service_error(
            response.status,
            &response.headers,
            &response.body,
        ))
    }
}

fn decode_body<T, B: JsonBody>(response: &Response<B>, read: fn(&Value) -> Option<T>) -> Result<T> {
    if response.body.is_empty() {
        return Err(invalid_response("the service answered with an empty body"));
    }
    response
        .body
        .value()
        .as_ref()
        .and_then(read)
        .ok_or_else(|| invalid_response("the service's answer does not have the expected shape"))
}

fn access_token(wire: WireToken) -> Result<AccessToken> {
    if wire.token.is_empty() {
        return Err(invalid_response("the service's answer has an empty token"));
    }
    let expires_on_unix_ms = date::parse_iso8601(&wire.expires_on)
        .ok_or_else(|| invalid_response("the service's answer has an unreadable expiresOn"))?;
    Ok(AccessToken {
        token: wire.token,
        expires_on: wire.expires_on,
        expires_on_unix_ms,
    })
}

fn user(user: CommunicationUser) -> Result<CommunicationUser> {
    if user.id.is_empty() {
        return Err(invalid_response(
            "the service's answer has an empty user id",
        ));
    }
    Ok(user)
}

fn created_user(wire: WireCreateUser) -> Result<(CommunicationUser, Option<WireToken>)> {
    let u = match (wire.identity, wire.id) {
        (Some(identity), _) => identity,
        (None, Some(id)) => CommunicationUser {
            id,
            custom_id: None,
            last_token_issued_at: None,
        },
        (None, None) => return Err(invalid_response("the service's answer has no identity")),
    };
    Ok((user(u)?, wire.access_token))
}

/// Parses the answer to [`create_user_request`](super::create_user_request): `201 {"identity":{"id"}}`.
pub fn parse_create_user_response<B: JsonBody>(
    response: &Response<B>,
) -> Result<CommunicationUser> {
    check_status(response)?;
    created_user(decode_body(response, read_create_user)?).map(|(u, _)| u)
}

/// Parses the answer to [`create_user_and_token_request`](super::create_user_and_token_request):
/// `201 {"identity":{"id"},"accessToken":{"token","expiresOn"}}`.
pub fn parse_create_user_and_token_response<B: JsonBody>(
    response: &Response<B>,
) -> Result<UserAndToken> {
    check_status(response)?;
    let (user, token) = created_user(decode_body(response, read_create_user)?)?;
    let token =
        token.ok_or_else(|| invalid_response("the service's answer has no access token"))?;
    Ok(UserAndToken {
        user,
        token: access_token(token)?,
    })
}

/// Parses a token answer, of [`get_token_request`](super::get_token_request) and of
/// [`get_token_for_teams_user_request`](super::get_token_for_teams_user_request): `200 {"token","expiresOn"}`.
pub fn parse_token_response<B: JsonBody>(response: &Response<B>) -> Result<AccessToken> {
    check_status(response)?;
    access_token(decode_body(response, read_token)?)
}

/// Parses an answer without content, of [`revoke_tokens_request`](super::revoke_tokens_request) and
/// [`delete_user_request`](super::delete_user_request): `204`. Any body of a success is ignored.
pub fn parse_empty_response<B: JsonBody>(response: &Response<B>) -> Result<()> {
    check_status(response)
}

/// Parses the answer to [`get_user_request`](super::get_user_request): `200 {"id","customId"?,
/// "lastTokenIssuedAt"?}` (no `identity` envelope).
pub fn parse_get_user_response<B: JsonBody>(response: &Response<B>) -> Result<CommunicationUser> {
    check_status(response)?;
    user(decode_body(response, read_user)?)
}
