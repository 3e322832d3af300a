//! Identifiers and access tokens for JS, in the shapes of `@azure/communication-common`.

use super::convert::{error_to_js, get, get_string, set, set_opt};
use super::json::JsBody;
use crate::access_token;
use crate::identifier::{Cloud, CommunicationIdentifier};
use js_sys::{Array, Object};
use wasm_bindgen::prelude::*;

fn cloud_name(cloud: Cloud) -> &'static str {
    match cloud {
        Cloud::Public => "public",
        Cloud::Dod => "dod",
        Cloud::Gcch => "gcch",
    }
}

fn cloud_from(value: &JsValue) -> Cloud {
    match get_string(value, "cloud").as_deref() {
        Some("dod") => Cloud::Dod,
        Some("gcch") => Cloud::Gcch,
        _ => Cloud::Public,
    }
}

/// `{ kind, ... }` for a raw id, as `createIdentifierFromRawId` of `@azure/communication-common`.
#[wasm_bindgen(js_name = createIdentifierFromRawId)]
pub fn create_identifier_from_raw_id(raw_id: &str) -> Object {
    let id = CommunicationIdentifier::from_raw_id(raw_id);
    let out = Object::new();
    set(&out, "kind", &id.kind().into());
    let raw = || JsValue::from_str(raw_id);
    match &id {
        CommunicationIdentifier::CommunicationUser { id } => {
            set(&out, "communicationUserId", &id.as_str().into())
        }
        CommunicationIdentifier::Unknown { id } => set(&out, "id", &id.as_str().into()),
        CommunicationIdentifier::PhoneNumber {
            value,
            is_anonymous,
            asserted_id,
        } => {
            set(&out, "phoneNumber", &value.as_str().into());
            set(&out, "rawId", &raw());
            if *is_anonymous {
                set(&out, "isAnonymous", &JsValue::TRUE);
            }
            set_opt(&out, "assertedId", asserted_id.as_deref());
        }
        CommunicationIdentifier::MicrosoftTeamsUser {
            user_id,
            is_anonymous,
            cloud,
        } => {
            set(&out, "microsoftTeamsUserId", &user_id.as_str().into());
            set(&out, "isAnonymous", &JsValue::from_bool(*is_anonymous));
            set(&out, "cloud", &cloud_name(*cloud).into());
            set(&out, "rawId", &raw());
        }
        CommunicationIdentifier::MicrosoftTeamsApp { app_id, cloud } => {
            set(&out, "teamsAppId", &app_id.as_str().into());
            set(&out, "cloud", &cloud_name(*cloud).into());
            set(&out, "rawId", &raw());
        }
        CommunicationIdentifier::TeamsExtensionUser {
            user_id,
            tenant_id,
            resource_id,
            cloud,
        } => {
            set(&out, "userId", &user_id.as_str().into());
            set(&out, "tenantId", &tenant_id.as_str().into());
            set(&out, "resourceId", &resource_id.as_str().into());
            set(&out, "cloud", &cloud_name(*cloud).into());
            set(&out, "rawId", &raw());
        }
    }
    out
}

/// The raw id of an identifier in any of the `@azure/communication-common` shapes; its `rawId` when it
/// has one.
#[wasm_bindgen(js_name = getIdentifierRawId)]
pub fn get_identifier_raw_id(identifier: &JsValue) -> Result<String, JsValue> {
    if let Some(id) = get_string(identifier, "communicationUserId") {
        return Ok(id);
    }
    if let Some(raw) = get_string(identifier, "rawId") {
        return Ok(raw);
    }
    let id = if let Some(value) = get_string(identifier, "phoneNumber") {
        let is_anonymous = get(identifier, "isAnonymous").as_bool() == Some(true);
        CommunicationIdentifier::PhoneNumber {
            value,
            is_anonymous,
            asserted_id: None,
        }
    } else if let Some(user_id) = get_string(identifier, "microsoftTeamsUserId") {
        let is_anonymous = get(identifier, "isAnonymous").as_bool() == Some(true);
        CommunicationIdentifier::MicrosoftTeamsUser {
            user_id,
            is_anonymous,
            cloud: cloud_from(identifier),
        }
    } else if let Some(app_id) = get_string(identifier, "teamsAppId") {
        CommunicationIdentifier::MicrosoftTeamsApp {
            app_id,
            cloud: cloud_from(identifier),
        }
    } else if let (Some(user_id), Some(tenant_id), Some(resource_id)) = (
        get_string(identifier, "userId"),
        get_string(identifier, "tenantId"),
        get_string(identifier, "resourceId"),
    ) {
        CommunicationIdentifier::TeamsExtensionUser {
            user_id,
            tenant_id,
            resource_id,
            cloud: cloud_from(identifier),
        }
    } else if let Some(id) = get_string(identifier, "id") {
        CommunicationIdentifier::Unknown { id }
    } else {
        return Err(error_to_js(
            &crate::Error::new(
                crate::ErrorKind::InvalidArgument,
                "not a communication identifier",
            )
            .with_target("identifier"),
        ));
    };
    Ok(id.raw_id())
}

/// The claims of an ACS access token, without verifying it: `{ communicationUserId?, scopes, expiresOn,
/// issuedAt?, resourceId? }` (dates as `Date`). Throws `ERR_INVALID_TOKEN` for anything that is not one.
#[wasm_bindgen(js_name = decodeAccessToken)]
pub fn decode_access_token(token: &str) -> Result<Object, JsValue> {
    let payload = access_token::payload_bytes(token).map_err(|e| error_to_js(&e))?;
    let invalid = || {
        error_to_js(
            &crate::Error::new(
                crate::ErrorKind::InvalidToken,
                "the access token payload is not a JSON object of claims",
            )
            .with_target("token"),
        )
    };
    let text = String::from_utf8(payload).map_err(|_| invalid())?;
    let json = js_sys::JSON::parse(&text).map_err(|_| invalid())?;
    let claims = access_token::claims_from_payload(&JsBody(json)).map_err(|e| error_to_js(&e))?;
    let out = Object::new();
    set_opt(&out, "communicationUserId", claims.user_id.as_deref());
    let scopes = Array::new();
    for s in &claims.scopes {
        scopes.push(&s.as_str().into());
    }
    set(&out, "scopes", &scopes);
    let date =
        |secs: i64| JsValue::from(js_sys::Date::new(&JsValue::from_f64(secs as f64 * 1000.0)));
    set(&out, "expiresOn", &date(claims.expires_on_unix_seconds));
    if let Some(iat) = claims.issued_at_unix_seconds {
        set(&out, "issuedAt", &date(iat));
    }
    set_opt(&out, "resourceId", claims.resource_id.as_deref());
    Ok(out)
}
