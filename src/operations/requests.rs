//! Request builders, one per operation, with the client-side checks that run before any request.

use super::{
    push_percent_encoded, supports_custom_id, Request, APPLICATION_JSON, MAX_EXPIRES_IN_MINUTES,
    MIN_EXPIRES_IN_MINUTES,
};
use crate::error::{Error, ErrorKind, Result};
use crate::json::ObjectWriter;

/// Options of [`create_user_request`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CreateUserOptions {
    /// An id of the caller's choosing that the service maps to one user (preview api-version only):
    /// creating again with the same `custom_id` returns the same user.
    pub custom_id: Option<String>,
}

/// Options of [`create_user_and_token_request`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CreateUserAndTokenOptions {
    /// The scopes of the token, at least one.
    pub scopes: Vec<String>,
    /// Token lifetime in minutes, 60 to 1440; the service's default (1440) when `None`.
    pub expires_in_minutes: Option<u32>,
    /// See [`CreateUserOptions::custom_id`] (preview api-version only).
    pub custom_id: Option<String>,
}

/// Options of [`get_token_request`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GetTokenOptions {
    /// The user's raw id (`8:acs:...`).
    pub user_id: String,
    /// The scopes of the token, at least one.
    pub scopes: Vec<String>,
    /// Token lifetime in minutes, 60 to 1440; the service's default (1440) when `None`.
    pub expires_in_minutes: Option<u32>,
}

/// Options of the operations that only name a user: [`revoke_tokens_request`], [`delete_user_request`] and
/// [`get_user_request`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserOptions {
    /// The user's raw id (`8:acs:...`).
    pub user_id: String,
}

/// Options of [`get_token_for_teams_user_request`], named as in the JS SDK.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct GetTokenForTeamsUserOptions {
    /// The Teams user's Entra ID access token (audience `https://auth.msft.communication.azure.com`).
    pub teams_user_aad_token: String,
    /// The Entra application (client) id, a GUID; must match the token's `appid` claim.
    pub client_id: String,
    /// The Entra object id of the user, a GUID; must match the token's `oid` claim.
    pub user_object_id: String,
}

impl core::fmt::Debug for GetTokenForTeamsUserOptions {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("GetTokenForTeamsUserOptions")
            .field("teams_user_aad_token", &"<redacted>")
            .field("client_id", &self.client_id)
            .field("user_object_id", &self.user_object_id)
            .finish()
    }
}

fn invalid(target: &'static str, message: &'static str) -> Error {
    Error::new(ErrorKind::InvalidArgument, message).with_target(target)
}

/// Checks an api-version before it goes into a query: not empty, only letters, digits, `-` and `.`.
pub fn check_api_version(api_version: &str) -> Result<()> {
    if api_version.is_empty()
        || api_version.len() > 64
        || !api_version
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    {
        return Err(invalid(
            "apiVersion",
            "the api version must be a version such as 2023-10-01",
        ));
    }
    Ok(())
}

/// Checks a scope list: at least one scope, none empty.
pub fn check_scopes<S: AsRef<str>>(scopes: &[S]) -> Result<()> {
    if scopes.is_empty() {
        return Err(invalid("scopes", "at least one scope is required"));
    }
    if scopes.iter().any(|s| s.as_ref().trim().is_empty()) {
        return Err(invalid("scopes", "a scope must not be empty"));
    }
    Ok(())
}

fn expires_error() -> Error {
    invalid(
        "expiresInMinutes",
        "the token lifetime must be an integer from 60 to 1440 minutes",
    )
}

/// Checks a token lifetime: 60 to 1440 minutes.
pub fn check_expires_in_minutes(minutes: Option<u32>) -> Result<()> {
    match minutes {
        Some(m) if !(MIN_EXPIRES_IN_MINUTES..=MAX_EXPIRES_IN_MINUTES).contains(&m) => {
            Err(expires_error())
        }
        _ => Ok(()),
    }
}

/// Converts a token lifetime given as a number (as JS passes it) into minutes: it must be an integer from
/// 60 to 1440.
pub fn expires_in_minutes_from_number(value: f64) -> Result<u32> {
    if value.is_finite()
        && value.fract() == 0.0
        && value >= f64::from(MIN_EXPIRES_IN_MINUTES)
        && value <= f64::from(MAX_EXPIRES_IN_MINUTES)
    {
        Ok(value as u32)
    } else {
        Err(expires_error())
    }
}

/// Checks a user's raw id: not empty or blank.
pub fn check_user_id(user_id: &str) -> Result<()> {
    if user_id.trim().is_empty() {
        return Err(invalid(
            "communicationUserId",
            "the user id must not be empty",
        ));
    }
    Ok(())
}

fn check_custom_id(api_version: &str, custom_id: Option<&str>) -> Result<()> {
    let Some(custom_id) = custom_id else {
        return Ok(());
    };
    if !supports_custom_id(api_version) {
        return Err(invalid(
            "customId",
            "customId needs the api version 2025-03-02-preview",
        ));
    }
    if custom_id.trim().is_empty() {
        return Err(invalid("customId", "the custom id must not be empty"));
    }
    Ok(())
}

/// True for a GUID in its usual form, `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (hex digits, any case).
pub fn is_guid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

fn path(api_version: &str, user_id: Option<&str>, action: &str) -> String {
    let mut p = String::with_capacity(96);
    match user_id {
        Some(id) => {
            p.push_str("/identities/");
            push_percent_encoded(&mut p, id);
        }
        None => p.push_str("/identities"),
    }
    p.push_str(action);
    p.push_str("?api-version=");
    p.push_str(api_version);
    p
}

fn request(method: &'static str, path_and_query: String, body: Option<String>) -> Request {
    let mut headers = Vec::with_capacity(2);
    headers.push((super::header::ACCEPT, APPLICATION_JSON));
    if body.is_some() {
        headers.push((super::header::CONTENT_TYPE, APPLICATION_JSON));
    }
    Request {
        method,
        path_and_query,
        headers,
        body: body.map(String::into_bytes).unwrap_or_default(),
    }
}

/// `POST /identities`: creates a user. Without a custom id there is no body at all (as the JS SDK sends
/// it); with one (preview api-version only) the body is `{"customId":"..."}`.
pub fn create_user_request(api_version: &str, options: &CreateUserOptions) -> Result<Request> {
    check_api_version(api_version)?;
    check_custom_id(api_version, options.custom_id.as_deref())?;
    let body = options.custom_id.as_deref().map(|id| {
        let mut w = ObjectWriter::new();
        w.string("customId", id);
        w.finish()
    });
    Ok(request("POST", path(api_version, None, ""), body))
}

/// `POST /identities` with `{"createTokenWithScopes":[...],"expiresInMinutes":n,"customId":"..."}`
/// (the last two only when given): creates a user and issues a token.
pub fn create_user_and_token_request(
    api_version: &str,
    options: &CreateUserAndTokenOptions,
) -> Result<Request> {
    check_api_version(api_version)?;
    check_scopes(&options.scopes)?;
    check_expires_in_minutes(options.expires_in_minutes)?;
    check_custom_id(api_version, options.custom_id.as_deref())?;
    let mut w = ObjectWriter::new();
    w.string_array("createTokenWithScopes", &options.scopes);
    if let Some(m) = options.expires_in_minutes {
        w.integer("expiresInMinutes", m);
    }
    if let Some(id) = &options.custom_id {
        w.string("customId", id);
    }
    Ok(request(
        "POST",
        path(api_version, None, ""),
        Some(w.finish()),
    ))
}

/// `POST /identities/{id}/:issueAccessToken` with `{"scopes":[...],"expiresInMinutes":n}` (the lifetime
/// only when given): issues a token for an existing user.
pub fn get_token_request(api_version: &str, options: &GetTokenOptions) -> Result<Request> {
    check_api_version(api_version)?;
    check_user_id(&options.user_id)?;
    check_scopes(&options.scopes)?;
    check_expires_in_minutes(options.expires_in_minutes)?;
    let mut w = ObjectWriter::new();
    w.string_array("scopes", &options.scopes);
    if let Some(m) = options.expires_in_minutes {
        w.integer("expiresInMinutes", m);
    }
    Ok(request(
        "POST",
        path(api_version, Some(&options.user_id), "/:issueAccessToken"),
        Some(w.finish()),
    ))
}

/// `POST /identities/{id}/:revokeAccessTokens`, no body: revokes every token of a user.
pub fn revoke_tokens_request(api_version: &str, options: &UserOptions) -> Result<Request> {
    check_api_version(api_version)?;
    check_user_id(&options.user_id)?;
    Ok(request(
        "POST",
        path(api_version, Some(&options.user_id), "/:revokeAccessTokens"),
        None,
    ))
}

/// `DELETE /identities/{id}`: deletes a user and revokes its tokens.
pub fn delete_user_request(api_version: &str, options: &UserOptions) -> Result<Request> {
    check_api_version(api_version)?;
    check_user_id(&options.user_id)?;
    Ok(request(
        "DELETE",
        path(api_version, Some(&options.user_id), ""),
        None,
    ))
}

/// `GET /identities/{id}` (preview api-version only): a user with its custom id and last token time.
pub fn get_user_request(api_version: &str, options: &UserOptions) -> Result<Request> {
    check_api_version(api_version)?;
    if !supports_custom_id(api_version) {
        return Err(invalid(
            "apiVersion",
            "getting a user needs the api version 2025-03-02-preview",
        ));
    }
    check_user_id(&options.user_id)?;
    Ok(request(
        "GET",
        path(api_version, Some(&options.user_id), ""),
        None,
    ))
}

/// `POST /teamsUser/:exchangeAccessToken` with `{"token":"...","appId":"...","userId":"..."}`: exchanges a
/// Teams user's Entra ID token for a Communication Services token. The token must not be empty and both
/// ids must be GUIDs.
pub fn get_token_for_teams_user_request(
    api_version: &str,
    options: &GetTokenForTeamsUserOptions,
) -> Result<Request> {
    check_api_version(api_version)?;
    if options.teams_user_aad_token.trim().is_empty() {
        return Err(invalid(
            "teamsUserAadToken",
            "the Teams user's Entra ID token must not be empty",
        ));
    }
    if !is_guid(&options.client_id) {
        return Err(invalid(
            "clientId",
            "the client id must be a GUID (the Entra application id)",
        ));
    }
    if !is_guid(&options.user_object_id) {
        return Err(invalid(
            "userObjectId",
            "the user object id must be a GUID (the Entra object id of the user)",
        ));
    }
    let mut w = ObjectWriter::new();
    w.string("token", &options.teams_user_aad_token);
    w.string("appId", &options.client_id);
    w.string("userId", &options.user_object_id);
    let mut p = String::with_capacity(64);
    p.push_str("/teamsUser/:exchangeAccessToken?api-version=");
    p.push_str(api_version);
    Ok(request("POST", p, Some(w.finish())))
}
