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

/// An identifier as `@azure/communication-common` shapes it: `kind`, the kind's members, and `rawId`
/// (except for users and unknown ids, which are their own raw id).
#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct IdentifierOut<'a> {
    kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    communication_user_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone_number: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    microsoft_teams_user_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    teams_app_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tenant_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    is_anonymous: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cloud: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    raw_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    asserted_id: Option<&'a str>,
}

/// `{ kind, ... }` for a raw id, as `createIdentifierFromRawId` of `@azure/communication-common`.
#[wasm_bindgen(js_name = createIdentifierFromRawId)]
pub fn create_identifier_from_raw_id(raw_id: &str) -> JsResult {
    let id = CommunicationIdentifier::from_raw_id(raw_id);
    let mut out = IdentifierOut {
        kind: id.kind(),
        ..IdentifierOut::default()
    };
    match &id {
        CommunicationIdentifier::CommunicationUser { id } => out.communication_user_id = Some(id),
        CommunicationIdentifier::Unknown { id } => out.id = Some(id),
        CommunicationIdentifier::PhoneNumber {
            value,
            is_anonymous,
            asserted_id,
        } => {
            out.phone_number = Some(value);
            out.raw_id = Some(raw_id);
            out.is_anonymous = is_anonymous.then_some(true);
            out.asserted_id = asserted_id.as_deref();
        }
        CommunicationIdentifier::MicrosoftTeamsUser {
            user_id,
            is_anonymous,
            cloud,
        } => {
            out.microsoft_teams_user_id = Some(user_id);
            out.is_anonymous = Some(*is_anonymous);
            out.cloud = Some(cloud_name(*cloud));
            out.raw_id = Some(raw_id);
        }
        CommunicationIdentifier::MicrosoftTeamsApp { app_id, cloud } => {
            out.teams_app_id = Some(app_id);
            out.cloud = Some(cloud_name(*cloud));
            out.raw_id = Some(raw_id);
        }
        CommunicationIdentifier::TeamsExtensionUser {
            user_id,
            tenant_id,
            resource_id,
            cloud,
        } => {
            out.user_id = Some(user_id);
            out.tenant_id = Some(tenant_id);
            out.resource_id = Some(resource_id);
            out.cloud = Some(cloud_name(*cloud));
            out.raw_id = Some(raw_id);
        }
    }
    to_js(&out)
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
