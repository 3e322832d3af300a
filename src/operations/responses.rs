//! Response models and parsers, one per operation, and the service's error shape.

use super::{header, Response};
use crate::date;
use crate::error::{Error, ErrorKind, Result, ServiceError};
use crate::json::JsonBody;

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

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireToken {
    token: String,
    expires_on: String,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireCreateUser {
    #[serde(default)]
    identity: Option<CommunicationUser>,
    /// The 2020 preview api answered `{"id": ...}` without the `identity` envelope.
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    access_token: Option<WireToken>,
}

#[derive(serde::Deserialize)]
struct WireErrorEnvelope {
    error: WireError,
}

#[derive(serde::Deserialize)]
struct WireError {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    target: Option<String>,
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
    let ms_cv = super::find_header(headers, header::MS_CV).map(str::to_string);
    let request_id = super::find_header(headers, header::CLIENT_REQUEST_ID)
        .map(str::to_string)
        .or_else(|| ms_cv.clone());
    let wire = if body.is_empty() {
        None
    } else {
        body.decode::<WireErrorEnvelope>().map(|e| e.error)
    };
    let (code, message, target) = match wire {
        Some(e) => (e.code, e.message, e.target),
        None => (None, None, None),
    };
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

fn decode_body<T: serde::de::DeserializeOwned, B: JsonBody>(response: &Response<B>) -> Result<T> {
    if response.body.is_empty() {
        return Err(invalid_response("the service answered with an empty body"));
    }
    response
        .body
        .decode()
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
    created_user(decode_body(response)?).map(|(u, _)| u)
}

/// Parses the answer to [`create_user_and_token_request`](super::create_user_and_token_request):
/// `201 {"identity":{"id"},"accessToken":{"token","expiresOn"}}`.
pub fn parse_create_user_and_token_response<B: JsonBody>(
    response: &Response<B>,
) -> Result<UserAndToken> {
    check_status(response)?;
    let (user, token) = created_user(decode_body(response)?)?;
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
    access_token(decode_body(response)?)
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
    user(decode_body(response)?)
}
