//! `IdentityCore`: the sans-I/O half of the JS `CommunicationIdentityClient`. For each operation it builds
//! and signs the request (`prepare`), reads the answer (`parse`) and decides about retries (`retryDelay`);
//! the package's JS sends with the global `fetch`, sleeps and aborts.

use super::convert::{error_to_js, get, get_string, set, set_opt};
use super::json::JsBody;
use crate::connection_string::{ConnectionString, Scheme};
use crate::error::{Error, ErrorKind};
use crate::operations::{self as ops, header, Request, Response};
use crate::retry::{self, Decision, Outcome, RetryOptions};
use crate::signing;
use js_sys::{Array, Date, Object, Uint8Array};
use wasm_bindgen::prelude::*;

fn invalid(target: &'static str, message: &'static str) -> JsValue {
    error_to_js(&Error::new(ErrorKind::InvalidArgument, message).with_target(target))
}

fn strings(value: &JsValue, target: &'static str) -> Result<Vec<String>, JsValue> {
    if !Array::is_array(value) {
        return Err(invalid(target, "scopes must be an array of strings"));
    }
    Array::from(value)
        .iter()
        .map(|s| {
            s.as_string()
                .ok_or_else(|| invalid(target, "scopes must be an array of strings"))
        })
        .collect()
}

fn minutes(args: &JsValue) -> Result<Option<u32>, JsValue> {
    let v = get(args, "expiresInMinutes");
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    let n = v
        .as_f64()
        .ok_or_else(|| invalid("expiresInMinutes", "expiresInMinutes must be a number"))?;
    ops::expires_in_minutes_from_number(n)
        .map(Some)
        .map_err(|e| error_to_js(&e))
}

fn user_id(args: &JsValue) -> Result<String, JsValue> {
    get_string(args, "userId")
        .ok_or_else(|| invalid("user", "user must be { communicationUserId: string }"))
}

fn headers_from_js(value: &JsValue) -> Vec<(String, String)> {
    if !Array::is_array(value) {
        return Vec::new();
    }
    Array::from(value)
        .iter()
        .filter_map(|pair| {
            let pair = Array::from(&pair);
            Some((pair.get(0).as_string()?, pair.get(1).as_string()?))
        })
        .collect()
}

fn date(ms: i64) -> JsValue {
    Date::new(&JsValue::from_f64(ms as f64)).into()
}

fn user_to_js(user: &ops::CommunicationUser) -> Object {
    let out = Object::new();
    set(&out, "communicationUserId", &user.id.as_str().into());
    set_opt(&out, "customId", user.custom_id.as_deref());
    if let Some(ms) = user.last_token_issued_at_unix_ms() {
        set(&out, "lastTokenIssuedAt", &date(ms));
    }
    out
}

fn token_to_js(token: &ops::AccessToken, out: &Object) {
    set(out, "token", &token.token.as_str().into());
    set(out, "expiresOn", &date(token.expires_on_unix_ms));
}

/// Builds, signs and parses the identity operations of one resource.
#[wasm_bindgen]
pub struct IdentityCore {
    connection_string: ConnectionString,
    api_version: String,
}

#[wasm_bindgen]
impl IdentityCore {
    /// Parses the connection string and checks the options. Plain http is refused for an endpoint that is
    /// not loopback unless `allow_insecure_connection`, so a key is never signed onto the open network.
    #[wasm_bindgen(constructor)]
    pub fn new(
        connection_string: &str,
        api_version: Option<String>,
        allow_insecure_connection: bool,
    ) -> Result<IdentityCore, JsValue> {
        let cs = ConnectionString::parse(connection_string).map_err(|e| error_to_js(&e))?;
        let endpoint = cs.endpoint();
        if endpoint.scheme() == Scheme::Http
            && !endpoint.is_loopback()
            && !allow_insecure_connection
        {
            return Err(error_to_js(
                &Error::new(
                    ErrorKind::InvalidArgument,
                    "plain http is only allowed to a loopback endpoint; set allowInsecureConnection to override",
                )
                .with_target("endpoint"),
            ));
        }
        let api_version = api_version.unwrap_or_else(|| ops::DEFAULT_API_VERSION.into());
        ops::check_api_version(&api_version).map_err(|e| error_to_js(&e))?;
        Ok(IdentityCore {
            connection_string: cs,
            api_version,
        })
    }

    /// `https://host[:port]` of the resource.
    #[wasm_bindgen(getter)]
    pub fn endpoint(&self) -> String {
        self.connection_string.endpoint().as_str().into()
    }

    fn build(&self, op: &str, args: &JsValue) -> Result<Request, JsValue> {
        let v = self.api_version.as_str();
        let built = match op {
            "createUser" => ops::create_user_request(
                v,
                &ops::CreateUserOptions {
                    custom_id: get_string(args, "customId"),
                },
            ),
            "createUserAndToken" => ops::create_user_and_token_request(
                v,
                &ops::CreateUserAndTokenOptions {
                    scopes: strings(&get(args, "scopes"), "scopes")?,
                    expires_in_minutes: minutes(args)?,
                    custom_id: get_string(args, "customId"),
                },
            ),
            "getToken" => ops::get_token_request(
                v,
                &ops::GetTokenOptions {
                    user_id: user_id(args)?,
                    scopes: strings(&get(args, "scopes"), "scopes")?,
                    expires_in_minutes: minutes(args)?,
                },
            ),
            "revokeTokens" => ops::revoke_tokens_request(
                v,
                &ops::UserOptions {
                    user_id: user_id(args)?,
                },
            ),
            "deleteUser" => ops::delete_user_request(
                v,
                &ops::UserOptions {
                    user_id: user_id(args)?,
                },
            ),
            "getUser" => ops::get_user_request(
                v,
                &ops::UserOptions {
                    user_id: user_id(args)?,
                },
            ),
            "getTokenForTeamsUser" => ops::get_token_for_teams_user_request(
                v,
                &ops::GetTokenForTeamsUserOptions {
                    teams_user_aad_token: get_string(args, "teamsUserAadToken").unwrap_or_default(),
                    client_id: get_string(args, "clientId").unwrap_or_default(),
                    user_object_id: get_string(args, "userObjectId").unwrap_or_default(),
                },
            ),
            _ => return Err(invalid("operation", "unknown operation")),
        };
        built.map_err(|e| error_to_js(&e))
    }

    /// Builds and signs `op` at `unix_seconds`: `{ method, url, headers: [[name, value], ...], body?,
    /// stringToSign }`. Call again for every attempt: each one is signed with its own date.
    pub fn prepare(
        &self,
        op: &str,
        args: &JsValue,
        unix_seconds: f64,
        request_id: &str,
        user_agent: &str,
    ) -> Result<Object, JsValue> {
        let request = self.build(op, args)?;
        let endpoint = self.connection_string.endpoint();
        let signed = signing::sign_target(
            self.connection_string.access_key(),
            request.method,
            endpoint.authority(),
            &request.path_and_query,
            &request.body,
            unix_seconds as i64,
        )
        .map_err(|e| error_to_js(&e))?;
        let mut url = String::with_capacity(endpoint.as_str().len() + request.path_and_query.len());
        url.push_str(endpoint.as_str());
        url.push_str(&request.path_and_query);
        let headers = Array::new();
        let push = |name: &str, value: &str| {
            headers.push(&Array::of2(&name.into(), &value.into()));
        };
        for (name, value) in &request.headers {
            push(name, value);
        }
        push(header::CLIENT_REQUEST_ID, request_id);
        if !user_agent.is_empty() {
            push(header::USER_AGENT, user_agent);
        }
        push(signing::header::X_MS_DATE, &signed.x_ms_date);
        push(
            signing::header::X_MS_CONTENT_SHA256,
            &signed.x_ms_content_sha256,
        );
        push(signing::header::AUTHORIZATION, &signed.authorization);
        let out = Object::new();
        set(&out, "method", &request.method.into());
        set(&out, "url", &url.into());
        set(&out, "headers", &headers);
        if !request.body.is_empty() {
            set(&out, "body", &Uint8Array::from(request.body.as_slice()));
        }
        set(
            &out,
            "stringToSign",
            &signed.string_to_sign.as_string().into(),
        );
        Ok(out)
    }

    /// Reads the answer to `op`: the typed result, or throws the typed error. `headers` is
    /// `[[name, value], ...]`, `body` what `JSON.parse` made of the body (`null` when empty, the text when
    /// it was not JSON).
    pub fn parse(
        &self,
        op: &str,
        status: u16,
        headers: &JsValue,
        body: JsValue,
    ) -> Result<JsValue, JsValue> {
        let response = Response {
            status,
            headers: headers_from_js(headers),
            body: JsBody(body),
        };
        let result: Result<JsValue, Error> = match op {
            "createUser" => {
                ops::parse_create_user_response(&response).map(|u| user_to_js(&u).into())
            }
            "createUserAndToken" => ops::parse_create_user_and_token_response(&response).map(|r| {
                let out = Object::new();
                set(&out, "user", &user_to_js(&r.user));
                token_to_js(&r.token, &out);
                out.into()
            }),
            "getToken" | "getTokenForTeamsUser" => ops::parse_token_response(&response).map(|t| {
                let out = Object::new();
                token_to_js(&t, &out);
                out.into()
            }),
            "revokeTokens" | "deleteUser" => {
                ops::parse_empty_response(&response).map(|()| JsValue::UNDEFINED)
            }
            "getUser" => ops::parse_get_user_response(&response).map(|u| user_to_js(&u).into()),
            _ => return Err(invalid("operation", "unknown operation")),
        };
        result.map_err(|e| error_to_js(&e))
    }
}

/// How long to wait before retrying, in milliseconds, or -1 to stop. `status` 0 means the request failed
/// without an answer (network error), -1 that the attempt timed out. `retry` counts retries already made;
/// `options` is `{ maxRetries, baseDelayMs, maxDelayMs }`.
#[wasm_bindgen(js_name = retryDelay)]
pub fn retry_delay(
    retry: u32,
    status: i32,
    headers: &JsValue,
    now_unix_ms: f64,
    random: f64,
    options: &JsValue,
) -> f64 {
    let defaults = RetryOptions::default();
    let number =
        |name: &str, default: u64| get(options, name).as_f64().map_or(default, |n| n as u64);
    let options = RetryOptions {
        max_retries: number("maxRetries", u64::from(defaults.max_retries)) as u32,
        base_delay_ms: number("baseDelayMs", defaults.base_delay_ms),
        max_delay_ms: number("maxDelayMs", defaults.max_delay_ms),
    };
    let headers = headers_from_js(headers);
    let outcome = match status {
        0 => Outcome::NetworkError,
        s if s < 0 => Outcome::Timeout,
        s => Outcome::Status {
            status: s as u16,
            headers: &headers,
        },
    };
    match retry::decide(&options, retry, &outcome, now_unix_ms as i64, random) {
        Decision::Retry { delay_ms } => delay_ms as f64,
        Decision::Stop => -1.0,
    }
}
