//! The Identity API: routes, api-versions, request validation and the operations, answering what the
//! service answers (status codes, bodies and error texts as recorded from the live service).

use crate::clock::Now;
use crate::ids;
use crate::protocol::{
    storage_failure, ErrorDetail, Reply, CUSTOM_ID_VERSION, DEFAULT_EXPIRES_IN_MINUTES,
    IDENTITY_VERSIONS, LEGACY_SCOPES, LEGACY_VERSION, MAX_EXPIRES_IN_MINUTES,
    MIN_EXPIRES_IN_MINUTES, SCOPES, TEAMS_TOKEN_ONLY_VERSION, TEAMS_VERSIONS,
};
use crate::rate_limit::Bucket;
use crate::server::App;
use crate::store::{Lookup, Store, StoreError};
use crate::tokens::{self, Claims};
use acs_identity_edge::date::{format_expires_on, parse_iso8601};
use hyper::{Method, StatusCode};
use serde::Serialize;
use serde_json::{Map, Value};
use std::sync::Arc;

/// An operation of the API, with the identity id of its path when it has one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// `POST /identities`.
    CreateUser,
    /// `GET /identities/{id}` (2025-03-02-preview).
    GetUser(String),
    /// `DELETE /identities/{id}`.
    DeleteUser(String),
    /// `POST /identities/{id}/:issueAccessToken`.
    IssueToken(String),
    /// `POST /identities/{id}/:revokeAccessTokens`.
    RevokeTokens(String),
    /// `POST /identities/{id}/token` (2020-07-20-preview2).
    LegacyIssueToken(String),
    /// `PATCH /identities/{id}` (2020-07-20-preview2): revoke tokens.
    LegacyUpdate(String),
    /// `POST /teamsUser/:exchangeAccessToken`.
    ExchangeTeamsToken,
}

/// What a method and path name.
#[derive(Debug, PartialEq, Eq)]
pub enum Match {
    Route(Route),
    /// The path exists with other methods (for `Allow`).
    WrongMethod(&'static str),
    NoRoute,
}

impl Route {
    /// The route's template, for logs.
    pub fn label(&self) -> &'static str {
        match self {
            Route::CreateUser => "POST /identities",
            Route::GetUser(_) => "GET /identities/{id}",
            Route::DeleteUser(_) => "DELETE /identities/{id}",
            Route::IssueToken(_) => "POST /identities/{id}/:issueAccessToken",
            Route::RevokeTokens(_) => "POST /identities/{id}/:revokeAccessTokens",
            Route::LegacyIssueToken(_) => "POST /identities/{id}/token",
            Route::LegacyUpdate(_) => "PATCH /identities/{id}",
            Route::ExchangeTeamsToken => "POST /teamsUser/:exchangeAccessToken",
        }
    }

    /// The api-versions this operation answers to.
    pub fn versions(&self) -> &'static [&'static str] {
        match self {
            Route::CreateUser | Route::DeleteUser(_) => IDENTITY_VERSIONS,
            Route::GetUser(_) => &[CUSTOM_ID_VERSION],
            Route::IssueToken(_) | Route::RevokeTokens(_) => &IDENTITY_VERSIONS[1..],
            Route::LegacyIssueToken(_) | Route::LegacyUpdate(_) => &[LEGACY_VERSION],
            Route::ExchangeTeamsToken => TEAMS_VERSIONS,
        }
    }

    /// The `api-supported-versions` header of the route's family.
    pub fn reported_versions(&self) -> &'static [&'static str] {
        match self {
            Route::ExchangeTeamsToken => TEAMS_VERSIONS,
            _ => IDENTITY_VERSIONS,
        }
    }

    /// The rate limit the operation counts against.
    pub fn bucket(&self) -> Option<Bucket> {
        match self {
            Route::CreateUser | Route::IssueToken(_) | Route::LegacyIssueToken(_) => {
                Some(Bucket::CreateIssue)
            }
            Route::DeleteUser(_)
            | Route::RevokeTokens(_)
            | Route::LegacyUpdate(_)
            | Route::ExchangeTeamsToken => Some(Bucket::DeleteRevokeExchange),
            Route::GetUser(_) => None,
        }
    }
}

/// Whether a decoded path belongs to the API (as opposed to the emulator's pages).
pub fn is_api_path(segments: &[String]) -> bool {
    segments.first().is_some_and(|s| {
        s.eq_ignore_ascii_case("identities") || s.eq_ignore_ascii_case("teamsUser")
    })
}

/// Finds the operation of a method and decoded path. Literal segments match without case, as the
/// service's routing does.
pub fn match_route(method: &Method, segments: &[String]) -> Match {
    let is = |s: &String, lit: &str| s.eq_ignore_ascii_case(lit);
    match segments {
        [a] if is(a, "identities") => match *method {
            Method::POST => Match::Route(Route::CreateUser),
            _ => Match::WrongMethod("POST"),
        },
        [a, id] if is(a, "identities") => match *method {
            Method::GET => Match::Route(Route::GetUser(id.clone())),
            Method::DELETE => Match::Route(Route::DeleteUser(id.clone())),
            Method::PATCH => Match::Route(Route::LegacyUpdate(id.clone())),
            _ => Match::WrongMethod("GET, DELETE, PATCH"),
        },
        [a, id, action] if is(a, "identities") => {
            let route = if is(action, ":issueAccessToken") {
                Route::IssueToken(id.clone())
            } else if is(action, ":revokeAccessTokens") {
                Route::RevokeTokens(id.clone())
            } else if is(action, "token") {
                Route::LegacyIssueToken(id.clone())
            } else {
                return Match::NoRoute;
            };
            match *method {
                Method::POST => Match::Route(route),
                _ => Match::WrongMethod("POST"),
            }
        }
        [a, action] if is(a, "teamsUser") && is(action, ":exchangeAccessToken") => match *method {
            Method::POST => Match::Route(Route::ExchangeTeamsToken),
            _ => Match::WrongMethod("POST"),
        },
        _ => Match::NoRoute,
    }
}

/// The api-version of the request, checked against the route: the `&'static` version on success, or
/// the ASP.NET API-versioning error the service answers.
pub fn check_version(
    route: &Route,
    api_version: Option<&str>,
    request_uri: &str,
) -> Result<&'static str, Reply> {
    let versioning_error = |code: &'static str, message: String| {
        Reply::error_body(
            StatusCode::BAD_REQUEST,
            ErrorDetail {
                code,
                message,
                target: None,
                innererror: None,
                inner_error_null: true,
            },
        )
        .with_versions(route.reported_versions())
    };
    let Some(requested) = api_version.filter(|v| !v.is_empty()) else {
        return Err(versioning_error(
            "ApiVersionUnspecified",
            "An API version is required, but was not specified.".into(),
        ));
    };
    route
        .versions()
        .iter()
        .find(|v| v.eq_ignore_ascii_case(requested))
        .copied()
        .ok_or_else(|| {
            versioning_error(
                "UnsupportedApiVersion",
                format!(
                    "The HTTP resource that matches the request URI '{request_uri}' does not support the API version '{requested}'."
                ),
            )
        })
}

/// One API call after authentication and routing.
pub struct Call<'a> {
    pub app: &'a Arc<App>,
    pub version: &'static str,
    pub body: &'a [u8],
    pub now: Now,
}

/// Runs the operation.
pub async fn dispatch(route: Route, call: Call<'_>) -> Reply {
    let versions = route.reported_versions();
    let reply = match route {
        Route::CreateUser if call.version == LEGACY_VERSION => legacy_create_user(&call).await,
        Route::CreateUser => create_user(&call).await,
        Route::GetUser(id) => get_user(&call, id).await,
        Route::DeleteUser(id) => delete_user(&call, id).await,
        Route::IssueToken(id) => issue_token(&call, id).await,
        Route::RevokeTokens(id) => revoke_tokens(&call, id, None).await,
        Route::LegacyIssueToken(id) => legacy_issue_token(&call, id).await,
        Route::LegacyUpdate(id) => legacy_update(&call, id).await,
        Route::ExchangeTeamsToken => exchange_teams_token(&call),
    };
    match reply {
        Ok(r) | Err(Rejection::Versioned(r)) => r.with_versions(versions),
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

type Outcome = Result<Reply, Rejection>;

// ---------------------------------------------------------------------------------------------------
// Request bodies

/// The JSON object of a body: empty, `null` and `""` count as `{}`.
fn body_object(body: &[u8]) -> Result<Map<String, Value>, Reply> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(Value::Null) => Ok(Map::new()),
        Ok(Value::String(s)) if s.is_empty() => Ok(Map::new()),
        Ok(_) => Err(Reply::validation(
            "The request body must be a JSON object.",
            "$",
        )),
        Err(e) => Err(Reply::validation(
            format!("The request body is not valid JSON: {e}."),
            "$",
        )),
    }
}

/// A field of the body, its name compared without case (as the service's JSON binding does);
/// `null` counts as absent.
fn field<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    map.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
        .filter(|v| !v.is_null())
}

fn conversion_error(json_name: &str, dotnet_type: &str, target: &'static str) -> Reply {
    Reply::validation(
        format!("The JSON value could not be converted to {dotnet_type}. Path: $.{json_name}."),
        target,
    )
}

/// `expiresInMinutes`: absent means the default; otherwise an integer in [60, 1440].
fn expires_in_minutes(map: &Map<String, Value>) -> Result<i64, Reply> {
    let Some(v) = field(map, "expiresInMinutes") else {
        return Ok(DEFAULT_EXPIRES_IN_MINUTES);
    };
    let n = v
        .as_i64()
        .filter(|n| i32::try_from(*n).is_ok())
        .ok_or_else(|| conversion_error("expiresInMinutes", "System.Int32", "ExpiresInMinutes"))?;
    if !(MIN_EXPIRES_IN_MINUTES..=MAX_EXPIRES_IN_MINUTES).contains(&n) {
        return Err(Reply::validation(
            format!(
                "ExpiresInMinutes value {n} is invalid. Value must be within the [{MIN_EXPIRES_IN_MINUTES}, {MAX_EXPIRES_IN_MINUTES}] interval."
            ),
            "ExpiresInMinutes",
        ));
    }
    Ok(n)
}

/// A list of scopes: strings from `allowed`, duplicates removed, order kept.
fn scope_list(
    v: &Value,
    json_name: &str,
    target: &'static str,
    allowed: &[&str],
) -> Result<Vec<String>, Reply> {
    let items = v
        .as_array()
        .ok_or_else(|| conversion_error(json_name, "System.String[]", target))?;
    let mut scopes: Vec<String> = Vec::with_capacity(items.len());
    for item in items {
        let s = item
            .as_str()
            .ok_or_else(|| conversion_error(json_name, "System.String[]", target))?;
        let known = allowed
            .iter()
            .find(|a| a.eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                Reply::validation(
                    format!("Invalid scopes - Scope '{s}' is not supported."),
                    "scopes",
                )
            })?;
        if !scopes.iter().any(|x| x == known) {
            scopes.push((*known).to_string());
        }
    }
    Ok(scopes)
}

/// The `scopes` of a token request: required, non-empty.
fn required_scopes(map: &Map<String, Value>, allowed: &[&str]) -> Result<Vec<String>, Rejection> {
    let Some(v) = field(map, "scopes") else {
        return Err(Rejection::Plain(Reply::validation(
            "Scopes: The Scopes field is required.",
            "Scopes",
        )));
    };
    let scopes = scope_list(v, "scopes", "Scopes", allowed)?;
    if scopes.is_empty() {
        return Err(
            Reply::validation("Invalid scopes - Scopes field is required.", "scopes").into(),
        );
    }
    Ok(scopes)
}

/// Longest customId the emulator takes (its own bound; the service's is not documented).
const MAX_CUSTOM_ID_CHARS: usize = 1024;

fn custom_id(map: &Map<String, Value>) -> Result<Option<String>, Reply> {
    let Some(v) = field(map, "customId") else {
        return Ok(None);
    };
    let s = v
        .as_str()
        .ok_or_else(|| conversion_error("customId", "System.String", "CustomId"))?;
    if s.trim().is_empty() {
        return Err(Reply::validation(
            "CustomId value is invalid. It must not be empty.",
            "CustomId",
        ));
    }
    if s.chars().count() > MAX_CUSTOM_ID_CHARS {
        return Err(Reply::validation(
            format!("CustomId value is invalid. It must not be longer than {MAX_CUSTOM_ID_CHARS} characters."),
            "CustomId",
        ));
    }
    Ok(Some(s.to_string()))
}

// ---------------------------------------------------------------------------------------------------
// Identities

/// 401 for ids that are not users of this resource, as the service answers for another resource's id.
fn owned(app: &App, id: &str) -> Result<(), Reply> {
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
fn not_found(id: &str) -> Reply {
    Reply::error(
        StatusCode::NOT_FOUND,
        "IdentityNotFound",
        format!("Identity '{id}' was not found."),
    )
}

async fn with_store<T: Send + 'static>(
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
struct TokenOut {
    token: String,
    #[serde(rename = "expiresOn")]
    expires_on: String,
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
fn mint_token(
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

fn minutes_from(now: Now, minutes: i64) -> i64 {
    now.unix_ms + minutes * 60_000
}

async fn create_user(call: &Call<'_>) -> Outcome {
    let map = body_object(call.body)?;
    let scopes = match field(&map, "createTokenWithScopes") {
        Some(v) => scope_list(v, "createTokenWithScopes", "CreateTokenWithScopes", SCOPES)?,
        None => Vec::new(),
    };
    let minutes = expires_in_minutes(&map)?;
    let custom = if call.version == CUSTOM_ID_VERSION {
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

async fn get_user(call: &Call<'_>, id: String) -> Outcome {
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

async fn delete_user(call: &Call<'_>, id: String) -> Outcome {
    owned(call.app, &id)?;
    let now_ms = call.now.unix_ms;
    let key = id.clone();
    if with_store(call.app, move |s| s.delete(&key, now_ms)).await? {
        Ok(Reply::empty(StatusCode::NO_CONTENT))
    } else {
        Err(not_found(&id).into())
    }
}

async fn issue_token(call: &Call<'_>, id: String) -> Outcome {
    let map = body_object(call.body)?;
    let scopes = required_scopes(&map, SCOPES)?;
    owned(call.app, &id)?;
    let minutes = expires_in_minutes(&map)?;
    let token = issue(call, &id, &scopes, minutes).await?;
    Ok(Reply::json(StatusCode::OK, &token))
}

async fn issue(
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

async fn revoke_tokens(call: &Call<'_>, id: String, valid_from_ms: Option<i64>) -> Outcome {
    owned(call.app, &id)?;
    let now_ms = call.now.unix_ms;
    let key = id.clone();
    if with_store(call.app, move |s| s.revoke(&key, valid_from_ms, now_ms)).await? {
        Ok(Reply::empty(StatusCode::NO_CONTENT))
    } else {
        Err(not_found(&id).into())
    }
}

// ---------------------------------------------------------------------------------------------------
// The 2020 API (2020-07-20-preview2)

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

async fn legacy_create_user(call: &Call<'_>) -> Outcome {
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

async fn legacy_issue_token(call: &Call<'_>, id: String) -> Outcome {
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

async fn legacy_update(call: &Call<'_>, id: String) -> Outcome {
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

// ---------------------------------------------------------------------------------------------------
// Teams users

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
fn exchange_teams_token(call: &Call<'_>) -> Outcome {
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
    let scopes = ["voip".to_string(), "chat".to_string()];
    let token = mint_token(call.app, &identity, &scopes, call.now, exp_ms, 0)?;
    Ok(Reply::json(StatusCode::OK, &token))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request_target;

    fn segs(path: &str) -> Vec<String> {
        request_target::segments(path).unwrap()
    }

    #[test]
    fn routes_of_every_operation() {
        let id = "8:acs:r_1".to_string();
        let cases = [
            (Method::POST, "/identities", Route::CreateUser),
            (Method::POST, "/identities/", Route::CreateUser),
            (
                Method::GET,
                "/identities/8%3Aacs%3Ar_1",
                Route::GetUser(id.clone()),
            ),
            (
                Method::DELETE,
                "/identities/8%3Aacs%3Ar_1",
                Route::DeleteUser(id.clone()),
            ),
            (
                Method::PATCH,
                "/identities/8:acs:r_1",
                Route::LegacyUpdate(id.clone()),
            ),
            (
                Method::POST,
                "/identities/8%3Aacs%3Ar_1/:issueAccessToken",
                Route::IssueToken(id.clone()),
            ),
            (
                Method::POST,
                "/identities/8%3Aacs%3Ar_1/%3AissueAccessToken",
                Route::IssueToken(id.clone()),
            ),
            (
                Method::POST,
                "/identities/8%3Aacs%3Ar_1/:revokeAccessTokens",
                Route::RevokeTokens(id.clone()),
            ),
            (
                Method::POST,
                "/identities/8%3Aacs%3Ar_1/token",
                Route::LegacyIssueToken(id.clone()),
            ),
            (
                Method::POST,
                "/teamsUser/:exchangeAccessToken",
                Route::ExchangeTeamsToken,
            ),
            (
                Method::POST,
                "/TEAMSUSER/:EXCHANGEACCESSTOKEN",
                Route::ExchangeTeamsToken,
            ),
        ];
        for (method, path, route) in cases {
            assert_eq!(
                match_route(&method, &segs(path)),
                Match::Route(route),
                "{method} {path}"
            );
        }
        assert_eq!(
            match_route(&Method::GET, &segs("/identities")),
            Match::WrongMethod("POST")
        );
        assert_eq!(
            match_route(&Method::PUT, &segs("/identities/x")),
            Match::WrongMethod("GET, DELETE, PATCH")
        );
        assert_eq!(
            match_route(&Method::POST, &segs("/identities/x/:nope")),
            Match::NoRoute
        );
        assert_eq!(match_route(&Method::POST, &segs("/nope")), Match::NoRoute);
        assert_eq!(
            match_route(&Method::POST, &segs("/identities/x/y/z")),
            Match::NoRoute
        );
    }

    #[test]
    fn versions_per_route() {
        let uri = "http://127.0.0.1:1/identities";
        assert_eq!(
            check_version(&Route::CreateUser, Some("2023-10-01"), uri).unwrap(),
            "2023-10-01"
        );
        assert_eq!(
            check_version(&Route::CreateUser, Some(LEGACY_VERSION), uri).unwrap(),
            LEGACY_VERSION
        );
        for v in acs_identity_edge::operations::KNOWN_API_VERSIONS {
            assert!(
                check_version(&Route::IssueToken("x".into()), Some(v), uri).is_ok(),
                "{v}"
            );
            assert!(
                check_version(&Route::DeleteUser("x".into()), Some(v), uri).is_ok(),
                "{v}"
            );
        }
        assert!(check_version(&Route::IssueToken("x".into()), Some(LEGACY_VERSION), uri).is_err());
        assert!(check_version(&Route::GetUser("x".into()), Some("2023-10-01"), uri).is_err());
        assert!(check_version(&Route::GetUser("x".into()), Some(CUSTOM_ID_VERSION), uri).is_ok());
        assert!(check_version(&Route::LegacyUpdate("x".into()), Some("2023-10-01"), uri).is_err());
        assert!(check_version(&Route::ExchangeTeamsToken, Some("2021-03-07"), uri).is_err());
        let err = check_version(&Route::CreateUser, Some("2019-01-01"), uri).unwrap_err();
        assert_eq!(
            std::str::from_utf8(&err.body).unwrap(),
            r#"{"error":{"code":"UnsupportedApiVersion","message":"The HTTP resource that matches the request URI 'http://127.0.0.1:1/identities' does not support the API version '2019-01-01'.","innerError":null}}"#
        );
        let err = check_version(&Route::CreateUser, None, uri).unwrap_err();
        assert!(std::str::from_utf8(&err.body)
            .unwrap()
            .contains("ApiVersionUnspecified"));
    }

    #[test]
    fn bodies_and_fields() {
        assert!(body_object(b"").unwrap().is_empty());
        assert!(body_object(b"  ").unwrap().is_empty());
        assert!(body_object(b"null").unwrap().is_empty());
        assert!(body_object(b"\"\"").unwrap().is_empty());
        assert!(body_object(b"{").is_err());
        assert!(body_object(b"[]").is_err());
        let m = body_object(br#"{"ExpiresInMinutes":60,"scopes":null}"#).unwrap();
        assert_eq!(expires_in_minutes(&m).unwrap(), 60);
        assert!(field(&m, "scopes").is_none());
        let m = body_object(br#"{"expiresInMinutes":null}"#).unwrap();
        assert_eq!(expires_in_minutes(&m).unwrap(), 1440);
        for bad in ["59", "1441", "60.5", "\"60\"", "4294967296"] {
            let m = body_object(format!(r#"{{"expiresInMinutes":{bad}}}"#).as_bytes()).unwrap();
            assert!(expires_in_minutes(&m).is_err(), "{bad}");
        }
        assert_eq!(
            format_seconds(1_744_644_747_999).unwrap(),
            "2025-04-14T15:32:27+00:00"
        );
    }
}
