//! Identifiers and access tokens for JS, in the shapes of `@azure/communication-common`.

use super::convert::{self, get, get_string, to_js, Date, JsResult};
use crate::access_token;
use crate::identifier::{Cloud, CommunicationIdentifier};
use serde::Serialize;
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

/// A member value of an identifier object.
enum Member<'a> {
    Text(&'a str),
    Flag(bool),
}

impl Serialize for Member<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Member::Text(text) => serializer.serialize_str(text),
            Member::Flag(flag) => serializer.serialize_bool(*flag),
        }
    }
}

/// An identifier as `@azure/communication-common`'s `createIdentifierFromRawId` shapes it (the same members
/// with the same values), plus `rawId` on the kinds whose id is not already the raw id.
struct IdentifierOut<'a>(Vec<(&'static str, Member<'a>)>);

impl Serialize for IdentifierOut<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = serializer.serialize_struct("Identifier", self.0.len())?;
        for (name, value) in &self.0 {
            out.serialize_field(name, value)?;
        }
        out.end()
    }
}

/// `{ kind, ... }` for a raw id, as `createIdentifierFromRawId` of `@azure/communication-common`.
#[wasm_bindgen(js_name = createIdentifierFromRawId)]
pub fn create_identifier_from_raw_id(raw_id: &str) -> JsResult {
    use Member::{Flag, Text};
    let id = CommunicationIdentifier::from_raw_id(raw_id);
    let mut out = vec![("kind", Text(id.kind()))];
    let cloud = |cloud: &Cloud| ("cloud", Text(cloud_name(*cloud)));
    match &id {
        CommunicationIdentifier::CommunicationUser { id } => {
            out.push(("communicationUserId", Text(id)));
        }
        CommunicationIdentifier::Unknown { id } => out.push(("id", Text(id))),
        CommunicationIdentifier::PhoneNumber {
            value,
            is_anonymous,
            asserted_id,
        } => {
            out.push(("phoneNumber", Text(value)));
            out.push(("rawId", Text(raw_id)));
            out.push(("isAnonymous", Flag(*is_anonymous)));
            if let Some(asserted) = asserted_id {
                out.push(("assertedId", Text(asserted)));
            }
        }
        CommunicationIdentifier::MicrosoftTeamsUser {
            user_id,
            is_anonymous,
            cloud: c,
        } => {
            out.push(("microsoftTeamsUserId", Text(user_id)));
            out.push(("isAnonymous", Flag(*is_anonymous)));
            // A Teams visitor's raw id names no cloud, and the JS SDK gives it none.
            if !is_anonymous {
                out.push(cloud(c));
            }
            out.push(("rawId", Text(raw_id)));
        }
        CommunicationIdentifier::MicrosoftTeamsApp { app_id, cloud: c } => {
            out.push(("teamsAppId", Text(app_id)));
            out.push(cloud(c));
            out.push(("rawId", Text(raw_id)));
        }
        CommunicationIdentifier::TeamsExtensionUser {
            user_id,
            tenant_id,
            resource_id,
            cloud: c,
        } => {
            out.push(("userId", Text(user_id)));
            out.push(("tenantId", Text(tenant_id)));
            out.push(("resourceId", Text(resource_id)));
            out.push(cloud(c));
            out.push(("rawId", Text(raw_id)));
        }
    }
    to_js(&IdentifierOut(out))
}

/// The raw id of an identifier in any of the `@azure/communication-common` shapes; its `rawId` when it
/// has one.
#[wasm_bindgen(js_name = getIdentifierRawId)]
pub fn get_identifier_raw_id(identifier: &JsValue) -> Result<String, JsValue> {
    let is_anonymous = || get(identifier, "isAnonymous").as_bool() == Some(true);
    if let Some(id) = get_string(identifier, "communicationUserId") {
        return Ok(id);
    }
    if let Some(raw) = get_string(identifier, "rawId") {
        return Ok(raw);
    }
    let id = if let Some(value) = get_string(identifier, "phoneNumber") {
        CommunicationIdentifier::PhoneNumber {
            value,
            is_anonymous: is_anonymous(),
            asserted_id: None,
        }
    } else if let Some(user_id) = get_string(identifier, "microsoftTeamsUserId") {
        CommunicationIdentifier::MicrosoftTeamsUser {
            user_id,
            is_anonymous: is_anonymous(),
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
        return Err(convert::error(convert::invalid(
            "identifier",
            "not a communication identifier",
        )));
    };
    Ok(id.raw_id())
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ClaimsOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    communication_user_id: Option<&'a str>,
    scopes: &'a [String],
    expires_on: Date,
    #[serde(skip_serializing_if = "Option::is_none")]
    issued_at: Option<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_id: Option<&'a str>,
}

/// The claims of an ACS access token, without verifying it: `{ communicationUserId?, scopes, expiresOn,
/// issuedAt?, resourceId? }` (dates as `Date`). Throws `ERR_INVALID_TOKEN` for anything that is not one.
#[wasm_bindgen(js_name = decodeAccessToken)]
pub fn decode_access_token(token: &str) -> JsResult {
    let claims = access_token::decode(token).map_err(convert::error)?;
    to_js(&ClaimsOut {
        communication_user_id: claims.user_id.as_deref(),
        scopes: &claims.scopes,
        expires_on: Date(claims.expires_on_unix_seconds * 1000),
        issued_at: claims.issued_at_unix_seconds.map(|s| Date(s * 1000)),
        resource_id: claims.resource_id.as_deref(),
    })
}
