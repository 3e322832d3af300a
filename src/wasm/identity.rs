//! The sans-I/O half of the JS `CommunicationIdentityClient`: for each operation it builds and signs the
//! request (`prepare`), reads the answer (`parse`) and decides about retries (`retryDelay`); the package's
//! JS sends with the global `fetch`, sleeps and aborts.

use super::convert::{self, optional};
use super::{invalid, number, text, Reply};
use crate::connection_string::{ConnectionString, Scheme};
use crate::error::{Error, ErrorKind};
use crate::json::{ObjectWriter, Value};
use crate::operations::{self as ops, header, Request, Response};
use crate::retry::{self, Decision, Outcome, RetryOptions};
use crate::signing;

/// The resource and api-version of a client, checked: plain http is refused for an endpoint that is not
/// loopback unless `allowInsecureConnection`, so a key is never signed onto the open network.
fn resource(input: &Value) -> Result<(ConnectionString, String), Error> {
    let cs = ConnectionString::parse(&text(input, "connectionString"))?;
    let endpoint = cs.endpoint();
    let insecure = matches!(
        input.get("allowInsecureConnection"),
        Some(Value::Bool(true))
    );
    if endpoint.scheme() == Scheme::Http && !endpoint.is_loopback() && !insecure {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            "plain http is only allowed to a loopback endpoint; set allowInsecureConnection to override",
        )
        .with_target("endpoint"));
    }
    let api_version = match input.get("apiVersion") {
        None | Some(Value::Null) => ops::DEFAULT_API_VERSION.into(),
        Some(Value::String(v)) => v.clone(),
        Some(_) => String::new(),
    };
    ops::check_api_version(&api_version)?;
    Ok((cs, api_version))
}

/// Checks a client's options: `{ endpoint }`.
pub(crate) fn client(input: &Value) -> Reply {
    let (cs, _) = resource(input)?;
    let mut out = ObjectWriter::new();
    out.string("endpoint", cs.endpoint().as_str());
    Ok(Some(out.finish()))
}

fn strings(value: Option<&Value>) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    if let Some(Value::Array(items)) = value {
        for item in items {
            match item {
                Value::String(s) => out.push(s.clone()),
                _ => break,
            }
        }
        if out.len() == items.len() {
            return Ok(out);
        }
    }
    Err(invalid("scopes", "scopes must be an array of strings"))
}

fn minutes(args: &Value) -> Result<Option<u32>, Error> {
    match args.get("expiresInMinutes") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => ops::expires_in_minutes_from_number(*n).map(Some),
        Some(_) => Err(invalid(
            "expiresInMinutes",
            "expiresInMinutes must be a number",
        )),
    }
}

fn user(args: &Value) -> Result<ops::UserOptions, Error> {
    Ok(ops::UserOptions {
        user_id: args
            .str("userId")
            .ok_or_else(|| invalid("user", "user must be { communicationUserId: string }"))?,
    })
}

fn build(v: &str, op: &str, args: &Value) -> Result<Request, Error> {
    match op {
        "createUser" => ops::create_user_request(
            v,
            &ops::CreateUserOptions {
                custom_id: args.str("customId"),
            },
        ),
        "createUserAndToken" => ops::create_user_and_token_request(
            v,
            &ops::CreateUserAndTokenOptions {
                scopes: strings(args.get("scopes"))?,
                expires_in_minutes: minutes(args)?,
                custom_id: args.str("customId"),
            },
        ),
        "getToken" => {
            let user_id = user(args)?.user_id;
            ops::get_token_request(
                v,
                &ops::GetTokenOptions {
                    user_id,
                    scopes: strings(args.get("scopes"))?,
                    expires_in_minutes: minutes(args)?,
                },
            )
        }
        "revokeTokens" => ops::revoke_tokens_request(v, &user(args)?),
        "deleteUser" => ops::delete_user_request(v, &user(args)?),
        "getUser" => ops::get_user_request(v, &user(args)?),
        "getTokenForTeamsUser" => ops::get_token_for_teams_user_request(
            v,
            &ops::GetTokenForTeamsUserOptions {
                teams_user_aad_token: text(args, "teamsUserAadToken"),
                client_id: text(args, "clientId"),
                user_object_id: text(args, "userObjectId"),
            },
        ),
        _ => Err(invalid("operation", "unknown operation")),
    }
}

/// Builds and signs `op` at `now` (unix seconds): `{ method, url, headers: [[name, value], ...], body?,
/// stringToSign }`. Called for every attempt: each one is signed with its own date.
pub(crate) fn prepare(input: &Value) -> Reply {
    let (cs, api_version) = resource(input)?;
    let args = input.get("args").unwrap_or(&Value::Null);
    let request = build(&api_version, &text(input, "op"), args)?;
    let endpoint = cs.endpoint();
    let signed = signing::sign_target(
        cs.access_key(),
        request.method,
        endpoint.authority(),
        &request.path_and_query,
        &request.body,
        number(input, "now").unwrap_or_default() as i64,
    )?;
    let mut url = String::with_capacity(endpoint.as_str().len() + request.path_and_query.len());
    url.push_str(endpoint.as_str());
    url.push_str(&request.path_and_query);
    let request_id = text(input, "requestId");
    let user_agent = text(input, "userAgent");
    let mut headers: Vec<(&str, &str)> = request.headers.clone();
    headers.push((header::CLIENT_REQUEST_ID, &request_id));
    if !user_agent.is_empty() {
        headers.push((header::USER_AGENT, &user_agent));
    }
    headers.push((signing::header::X_MS_DATE, &signed.x_ms_date));
    headers.push((
        signing::header::X_MS_CONTENT_SHA256,
        &signed.x_ms_content_sha256,
    ));
    headers.push((signing::header::AUTHORIZATION, &signed.authorization));
    let mut out = ObjectWriter::new();
    out.string("method", request.method);
    out.string("url", &url);
    out.raw(
        "headers",
        &convert::array(&headers, |o, (n, v)| convert::pair(o, n, v)),
    );
    if !request.body.is_empty() {
        out.string(
            "body",
            core::str::from_utf8(&request.body).unwrap_or_default(),
        );
    }
    out.string("stringToSign", &signed.string_to_sign.as_string());
    Ok(Some(out.finish()))
}

/// `[[name, value], ...]` as sent by the JS side; anything else is skipped.
fn headers(value: Option<&Value>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(Value::Array(items)) = value {
        for pair in items {
            if let Value::Array(p) = pair {
                if let [Value::String(n), Value::String(v), ..] = p.as_slice() {
                    out.push((n.clone(), v.clone()));
                }
            }
        }
    }
    out
}

fn user_json(user: &ops::CommunicationUser) -> String {
    let mut out = ObjectWriter::new();
    out.string("communicationUserId", &user.id);
    optional(&mut out, "customId", user.custom_id.as_deref());
    if let Some(ms) = user.last_token_issued_at_unix_ms() {
        out.number("lastTokenIssuedAt", ms);
    }
    out.finish()
}

fn token_json(token: &ops::AccessToken, out: &mut ObjectWriter) {
    out.string("token", &token.token);
    out.number("expiresOn", token.expires_on_unix_ms);
}

/// Reads the answer to `op`: the typed result or the typed error. `headers` is `[[name, value], ...]`,
/// `body` the body's text.
pub(crate) fn parse(input: &Value) -> Reply {
    let response = Response {
        status: number(input, "status").unwrap_or_default() as u16,
        headers: headers(input.get("headers")),
        body: text(input, "body"),
    };
    Ok(match text(input, "op").as_str() {
        "createUser" => Some(user_json(&ops::parse_create_user_response(&response)?)),
        "createUserAndToken" => {
            let r = ops::parse_create_user_and_token_response(&response)?;
            let mut out = ObjectWriter::new();
            out.raw("user", &user_json(&r.user));
            token_json(&r.token, &mut out);
            Some(out.finish())
        }
        "getToken" | "getTokenForTeamsUser" => {
            let mut out = ObjectWriter::new();
            token_json(&ops::parse_token_response(&response)?, &mut out);
            Some(out.finish())
        }
        "revokeTokens" | "deleteUser" => {
            ops::parse_empty_response(&response)?;
            None
        }
        "getUser" => Some(user_json(&ops::parse_get_user_response(&response)?)),
        _ => return Err(invalid("operation", "unknown operation")),
    })
}

/// How long to wait before retrying, in milliseconds, or -1 to stop. `status` 0 means the request failed
/// without an answer (network error), -1 that the attempt timed out. `retry` counts retries already made;
/// `options` is `{ maxRetries, baseDelayMs, maxDelayMs }`.
pub(crate) fn retry_delay(input: &Value) -> String {
    let defaults = RetryOptions::default();
    let options = input.get("options").unwrap_or(&Value::Null);
    let setting = |name: &str, default: u64| number(options, name).map_or(default, |n| n as u64);
    let options = RetryOptions {
        max_retries: setting("maxRetries", u64::from(defaults.max_retries)) as u32,
        base_delay_ms: setting("baseDelayMs", defaults.base_delay_ms),
        max_delay_ms: setting("maxDelayMs", defaults.max_delay_ms),
    };
    let headers = headers(input.get("headers"));
    let status = number(input, "status").unwrap_or_default() as i32;
    let outcome = match status {
        0 => Outcome::NetworkError,
        s if s < 0 => Outcome::Timeout,
        s => Outcome::Status {
            status: s as u16,
            headers: &headers,
        },
    };
    let retry = number(input, "retry").unwrap_or_default() as u32;
    let now = number(input, "now").unwrap_or_default() as i64;
    let random = number(input, "random").unwrap_or_default();
    let mut out = String::with_capacity(8);
    match retry::decide(&options, retry, &outcome, now, random) {
        Decision::Retry { delay_ms } => {
            crate::json::write_integer(&mut out, i64::try_from(delay_ms).unwrap_or(i64::MAX))
        }
        Decision::Stop => out.push_str("-1"),
    }
    out
}
