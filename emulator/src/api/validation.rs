//! Reading request bodies as the service's JSON binding does, with its validation errors: fields
//! matched without case, `null` as absent, the token lifetime bounds and the scopes of the library.

use super::Rejection;
use crate::protocol::Reply;
use acs_identity_edge::operations::{scope, MAX_EXPIRES_IN_MINUTES, MIN_EXPIRES_IN_MINUTES};
use serde_json::{Map, Value};

/// Scopes a token can carry (the library's list).
pub const SCOPES: &[&str] = &scope::ALL;

/// Scopes of the 2020 API, which also had `pstn`.
pub const LEGACY_SCOPES: &[&str] = &[scope::CHAT, scope::VOIP, "pstn"];

/// Token lifetime bounds, in minutes (the library's), and the default: the maximum, as the service.
const MIN_MINUTES: i64 = MIN_EXPIRES_IN_MINUTES as i64;
const MAX_MINUTES: i64 = MAX_EXPIRES_IN_MINUTES as i64;
pub const DEFAULT_EXPIRES_IN_MINUTES: i64 = MAX_MINUTES;

/// The JSON object of a body: empty, `null` and `""` count as `{}`.
pub fn body_object(body: &[u8]) -> Result<Map<String, Value>, Reply> {
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
pub fn field<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    map.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
        .filter(|v| !v.is_null())
}

pub fn conversion_error(json_name: &str, dotnet_type: &str, target: &'static str) -> Reply {
    Reply::validation(
        format!("The JSON value could not be converted to {dotnet_type}. Path: $.{json_name}."),
        target,
    )
}

/// `expiresInMinutes`: absent means the default; otherwise an integer in [60, 1440].
pub fn expires_in_minutes(map: &Map<String, Value>) -> Result<i64, Reply> {
    let Some(v) = field(map, "expiresInMinutes") else {
        return Ok(DEFAULT_EXPIRES_IN_MINUTES);
    };
    let n = v
        .as_i64()
        .filter(|n| i32::try_from(*n).is_ok())
        .ok_or_else(|| conversion_error("expiresInMinutes", "System.Int32", "ExpiresInMinutes"))?;
    if !(MIN_MINUTES..=MAX_MINUTES).contains(&n) {
        return Err(Reply::validation(
            format!(
                "ExpiresInMinutes value {n} is invalid. Value must be within the [{MIN_MINUTES}, {MAX_MINUTES}] interval."
            ),
            "ExpiresInMinutes",
        ));
    }
    Ok(n)
}

/// A list of scopes: strings from `allowed`, duplicates removed, order kept.
pub fn scope_list(
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
pub fn required_scopes(
    map: &Map<String, Value>,
    allowed: &[&str],
) -> Result<Vec<String>, Rejection> {
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

pub fn custom_id(map: &Map<String, Value>) -> Result<Option<String>, Reply> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
