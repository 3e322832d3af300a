//! Identifiers and access tokens for JS, in the shapes of `@azure/communication-common`.

use super::convert::{self, optional};
use super::{text, Reply};
use crate::access_token;
use crate::error::{Error, ErrorKind};
use crate::identifier::{Cloud, CommunicationIdentifier};
use crate::json::{write_string, ObjectWriter, Value};

fn cloud_name(cloud: Cloud) -> &'static str {
    match cloud {
        Cloud::Public => "public",
        Cloud::Dod => "dod",
        Cloud::Gcch => "gcch",
    }
}

fn cloud_from(value: &Value) -> Cloud {
    match value.str("cloud").as_deref() {
        Some("dod") => Cloud::Dod,
        Some("gcch") => Cloud::Gcch,
        _ => Cloud::Public,
    }
}

/// `{ kind, ... }` for `rawId`, as `createIdentifierFromRawId` of `@azure/communication-common`.
pub(crate) fn create_identifier_from_raw_id(input: &Value) -> String {
    let raw_id = text(input, "rawId");
    let id = CommunicationIdentifier::from_raw_id(&raw_id);
    let mut out = ObjectWriter::new();
    out.string("kind", id.kind());
    let cloud_and_raw_id = |out: &mut ObjectWriter, cloud: Option<Cloud>| {
        if let Some(cloud) = cloud {
            out.string("cloud", cloud_name(cloud));
        }
        out.string("rawId", &raw_id);
    };
    match &id {
        CommunicationIdentifier::CommunicationUser { id } => {
            out.string("communicationUserId", id);
        }
        CommunicationIdentifier::Unknown { id } => out.string("id", id),
        CommunicationIdentifier::PhoneNumber {
            value,
            is_anonymous,
            asserted_id,
        } => {
            out.string("phoneNumber", value);
            cloud_and_raw_id(&mut out, None);
            if *is_anonymous {
                out.boolean("isAnonymous", true);
            }
            optional(&mut out, "assertedId", asserted_id.as_deref());
        }
        CommunicationIdentifier::MicrosoftTeamsUser {
            user_id,
            is_anonymous,
            cloud,
        } => {
            out.string("microsoftTeamsUserId", user_id);
            out.boolean("isAnonymous", *is_anonymous);
            cloud_and_raw_id(&mut out, Some(*cloud));
        }
        CommunicationIdentifier::MicrosoftTeamsApp { app_id, cloud } => {
            out.string("teamsAppId", app_id);
            cloud_and_raw_id(&mut out, Some(*cloud));
        }
        CommunicationIdentifier::TeamsExtensionUser {
            user_id,
            tenant_id,
            resource_id,
            cloud,
        } => {
            out.string("userId", user_id);
            out.string("tenantId", tenant_id);
            out.string("resourceId", resource_id);
            cloud_and_raw_id(&mut out, Some(*cloud));
        }
    }
    out.finish()
}

/// The raw id of `identifier` in any of the `@azure/communication-common` shapes; its `rawId` when it has
/// one.
pub(crate) fn get_identifier_raw_id(input: &Value) -> Reply {
    let identifier = input.get("identifier").unwrap_or(&Value::Null);
    let is_anonymous = || matches!(identifier.get("isAnonymous"), Some(Value::Bool(true)));
    let raw = if let Some(id) = identifier.str("communicationUserId") {
        id
    } else if let Some(raw) = identifier.str("rawId") {
        raw
    } else if let Some(value) = identifier.str("phoneNumber") {
        CommunicationIdentifier::PhoneNumber {
            value,
            is_anonymous: is_anonymous(),
            asserted_id: None,
        }
        .raw_id()
    } else if let Some(user_id) = identifier.str("microsoftTeamsUserId") {
        CommunicationIdentifier::MicrosoftTeamsUser {
            user_id,
            is_anonymous: is_anonymous(),
            cloud: cloud_from(identifier),
        }
        .raw_id()
    } else if let Some(app_id) = identifier.str("teamsAppId") {
        CommunicationIdentifier::MicrosoftTeamsApp {
            app_id,
            cloud: cloud_from(identifier),
        }
        .raw_id()
    } else if let (Some(user_id), Some(tenant_id), Some(resource_id)) = (
        identifier.str("userId"),
        identifier.str("tenantId"),
        identifier.str("resourceId"),
    ) {
        CommunicationIdentifier::TeamsExtensionUser {
            user_id,
            tenant_id,
            resource_id,
            cloud: cloud_from(identifier),
        }
        .raw_id()
    } else if let Some(id) = identifier.str("id") {
        id
    } else {
        return Err(
            Error::new(ErrorKind::InvalidArgument, "not a communication identifier")
                .with_target("identifier"),
        );
    };
    Ok(Some(convert::string(&raw)))
}

/// The claims of an ACS access token, without verifying it: `{ communicationUserId?, scopes, expiresOn,
/// issuedAt?, resourceId? }`. Fails with `ERR_INVALID_TOKEN` for anything that is not one.
pub(crate) fn decode_access_token(input: &Value) -> Reply {
    let payload = access_token::payload_bytes(&text(input, "token"))?;
    let claims = access_token::claims_from_payload(payload.as_slice())?;
    let mut out = ObjectWriter::new();
    optional(&mut out, "communicationUserId", claims.user_id.as_deref());
    out.raw(
        "scopes",
        &convert::array(&claims.scopes, |o, s| write_string(o, s)),
    );
    out.number("expiresOn", claims.expires_on_unix_seconds * 1000);
    if let Some(iat) = claims.issued_at_unix_seconds {
        out.number("issuedAt", iat * 1000);
    }
    optional(&mut out, "resourceId", claims.resource_id.as_deref());
    Ok(Some(out.finish()))
}
