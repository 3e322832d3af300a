//! Communication identifiers and their raw ids: the string form (`8:acs:...`, `4:+1...`, `8:orgid:...`,
//! `28:orgid:...`) under which Azure Communication Services names every participant.
//!
//! [`CommunicationIdentifier::from_raw_id`] and [`CommunicationIdentifier::raw_id`] round-trip every
//! string: anything this library does not recognise is [`CommunicationIdentifier::Unknown`] and keeps its
//! raw id unchanged. The `serde` form is the REST model
//! (`{"rawId":"8:acs:...","kind":"communicationUser","communicationUser":{"id":"8:acs:..."}}`).
//!
//! ```
//! use acs_identity_edge::identifier::{Cloud, CommunicationIdentifier};
//!
//! let id = CommunicationIdentifier::from_raw_id("8:gcch:00000000-0000-0000-0000-000000000001");
//! assert_eq!(id, CommunicationIdentifier::MicrosoftTeamsUser {
//!     user_id: "00000000-0000-0000-0000-000000000001".into(),
//!     is_anonymous: false,
//!     cloud: Cloud::Gcch,
//! });
//! assert_eq!(id.raw_id(), "8:gcch:00000000-0000-0000-0000-000000000001");
//! ```

use serde::de::{Deserialize, Deserializer};
use serde::ser::{Serialize, Serializer};

/// The national cloud an identifier belongs to.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub enum Cloud {
    /// The public Azure cloud.
    #[default]
    Public,
    /// US Department of Defense.
    Dod,
    /// US Government Community Cloud High.
    Gcch,
}

/// Raw-id prefixes, defined once.
pub mod prefix {
    /// Phone numbers: `4:+14255550123`, `4:anonymous`.
    pub const PHONE_NUMBER: &str = "4:";
    /// Azure Communication Services users, public cloud.
    pub const ACS_USER: &str = "8:acs:";
    /// Azure Communication Services users, DoD cloud.
    pub const ACS_USER_DOD: &str = "8:dod-acs:";
    /// Azure Communication Services users, GCCH cloud.
    pub const ACS_USER_GCCH: &str = "8:gcch-acs:";
    /// Azure Communication Services users of the `spool` namespace.
    pub const SPOOL_USER: &str = "8:spool:";
    /// Microsoft Teams users, public cloud.
    pub const TEAMS_USER_PUBLIC: &str = "8:orgid:";
    /// Microsoft Teams users, DoD cloud.
    pub const TEAMS_USER_DOD: &str = "8:dod:";
    /// Microsoft Teams users, GCCH cloud.
    pub const TEAMS_USER_GCCH: &str = "8:gcch:";
    /// Anonymous Microsoft Teams users (meeting guests).
    pub const TEAMS_USER_ANONYMOUS: &str = "8:teamsvisitor:";
    /// Microsoft Teams applications (bots), public cloud.
    pub const TEAMS_APP_PUBLIC: &str = "28:orgid:";
    /// Microsoft Teams applications, DoD cloud.
    pub const TEAMS_APP_DOD: &str = "28:dod:";
    /// Microsoft Teams applications, GCCH cloud.
    pub const TEAMS_APP_GCCH: &str = "28:gcch:";
}

/// The value of a phone number raw id for anonymous callers (`4:anonymous`).
pub const ANONYMOUS_PHONE_NUMBER: &str = "anonymous";

/// A participant of Azure Communication Services.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CommunicationIdentifier {
    /// An Azure Communication Services user; `id` is the whole raw id (`8:acs:...`).
    CommunicationUser {
        /// The raw id, which for these users is the id.
        id: String,
    },
    /// A phone number.
    PhoneNumber {
        /// The number as in the raw id after `4:` (E.164 with `+`, or `anonymous`).
        value: String,
        /// True for `4:anonymous`.
        is_anonymous: bool,
        /// The part after the last `_` of the number, when there is one.
        asserted_id: Option<String>,
    },
    /// A Microsoft Teams user.
    MicrosoftTeamsUser {
        /// The Entra object id of the user (or the visitor id of an anonymous user).
        user_id: String,
        /// True for a meeting guest (`8:teamsvisitor:`).
        is_anonymous: bool,
        /// The user's cloud.
        cloud: Cloud,
    },
    /// A Microsoft Teams application (a bot).
    MicrosoftTeamsApp {
        /// The application id.
        app_id: String,
        /// The application's cloud.
        cloud: Cloud,
    },
    /// A Teams Phone extension user: an ACS raw id whose suffix is `resourceId_tenantId_userId`.
    TeamsExtensionUser {
        /// The Entra object id of the user.
        user_id: String,
        /// The Entra tenant id.
        tenant_id: String,
        /// The Communication Services resource id.
        resource_id: String,
        /// The cloud.
        cloud: Cloud,
    },
    /// Anything else, kept as its raw id.
    Unknown {
        /// The raw id.
        id: String,
    },
}

impl CommunicationIdentifier {
    /// Recognises a raw id. Never fails: unrecognised strings become [`CommunicationIdentifier::Unknown`].
    pub fn from_raw_id(raw_id: &str) -> Self {
        if let Some(value) = raw_id.strip_prefix(prefix::PHONE_NUMBER) {
            let is_anonymous = value == ANONYMOUS_PHONE_NUMBER;
            let asserted_id = match crate::ascii::rfind(value, b'_') {
                Some(i) if !is_anonymous && i + 1 < value.len() => Some(value[i + 1..].to_string()),
                _ => None,
            };
            return CommunicationIdentifier::PhoneNumber {
                value: value.to_string(),
                is_anonymous,
                asserted_id,
            };
        }
        // The prefix is everything up to and including the second `:`.
        let Some(first) = crate::ascii::find(raw_id, b':') else {
            return unknown(raw_id);
        };
        let Some(second) = crate::ascii::find(&raw_id[first + 1..], b':') else {
            return unknown(raw_id);
        };
        let (head, suffix) = raw_id.split_at(first + second + 2);
        let teams_user =
            |is_anonymous: bool, cloud: Cloud| CommunicationIdentifier::MicrosoftTeamsUser {
                user_id: suffix.to_string(),
                is_anonymous,
                cloud,
            };
        let teams_app = |cloud: Cloud| CommunicationIdentifier::MicrosoftTeamsApp {
            app_id: suffix.to_string(),
            cloud,
        };
        match head {
            prefix::TEAMS_USER_ANONYMOUS => teams_user(true, Cloud::Public),
            prefix::TEAMS_USER_PUBLIC => teams_user(false, Cloud::Public),
            prefix::TEAMS_USER_DOD => teams_user(false, Cloud::Dod),
            prefix::TEAMS_USER_GCCH => teams_user(false, Cloud::Gcch),
            prefix::TEAMS_APP_PUBLIC => teams_app(Cloud::Public),
            prefix::TEAMS_APP_DOD => teams_app(Cloud::Dod),
            prefix::TEAMS_APP_GCCH => teams_app(Cloud::Gcch),
            prefix::ACS_USER => acs_user(raw_id, suffix, Cloud::Public),
            prefix::ACS_USER_DOD => acs_user(raw_id, suffix, Cloud::Dod),
            prefix::ACS_USER_GCCH => acs_user(raw_id, suffix, Cloud::Gcch),
            prefix::SPOOL_USER => CommunicationIdentifier::CommunicationUser {
                id: raw_id.to_string(),
            },
            _ => unknown(raw_id),
        }
    }

    /// The raw id; `from_raw_id(x).raw_id() == x` for every string `x`.
    pub fn raw_id(&self) -> String {
        let joined = |p: &str, s: &str| {
            let mut out = String::with_capacity(p.len() + s.len());
            out.push_str(p);
            out.push_str(s);
            out
        };
        match self {
            CommunicationIdentifier::CommunicationUser { id }
            | CommunicationIdentifier::Unknown { id } => id.clone(),
            CommunicationIdentifier::PhoneNumber { value, .. } => {
                joined(prefix::PHONE_NUMBER, value)
            }
            CommunicationIdentifier::MicrosoftTeamsUser {
                user_id,
                is_anonymous,
                cloud,
            } => {
                let p = match (is_anonymous, cloud) {
                    (true, _) => prefix::TEAMS_USER_ANONYMOUS,
                    (false, Cloud::Public) => prefix::TEAMS_USER_PUBLIC,
                    (false, Cloud::Dod) => prefix::TEAMS_USER_DOD,
                    (false, Cloud::Gcch) => prefix::TEAMS_USER_GCCH,
                };
                joined(p, user_id)
            }
            CommunicationIdentifier::MicrosoftTeamsApp { app_id, cloud } => {
                let p = match cloud {
                    Cloud::Public => prefix::TEAMS_APP_PUBLIC,
                    Cloud::Dod => prefix::TEAMS_APP_DOD,
                    Cloud::Gcch => prefix::TEAMS_APP_GCCH,
                };
                joined(p, app_id)
            }
            CommunicationIdentifier::TeamsExtensionUser {
                user_id,
                tenant_id,
                resource_id,
                cloud,
            } => {
                let mut out =
                    String::with_capacity(16 + user_id.len() + tenant_id.len() + resource_id.len());
                out.push_str(acs_prefix(*cloud));
                out.push_str(resource_id);
                out.push('_');
                out.push_str(tenant_id);
                out.push('_');
                out.push_str(user_id);
                out
            }
        }
    }

    /// The model's `kind`: `communicationUser`, `phoneNumber`, `microsoftTeamsUser`, `microsoftTeamsApp`,
    /// `teamsExtensionUser` or `unknown`.
    pub fn kind(&self) -> &'static str {
        match self {
            CommunicationIdentifier::CommunicationUser { .. } => "communicationUser",
            CommunicationIdentifier::PhoneNumber { .. } => "phoneNumber",
            CommunicationIdentifier::MicrosoftTeamsUser { .. } => "microsoftTeamsUser",
            CommunicationIdentifier::MicrosoftTeamsApp { .. } => "microsoftTeamsApp",
            CommunicationIdentifier::TeamsExtensionUser { .. } => "teamsExtensionUser",
            CommunicationIdentifier::Unknown { .. } => "unknown",
        }
    }
}

fn unknown(raw_id: &str) -> CommunicationIdentifier {
    CommunicationIdentifier::Unknown {
        id: raw_id.to_string(),
    }
}

fn acs_prefix(cloud: Cloud) -> &'static str {
    match cloud {
        Cloud::Public => prefix::ACS_USER,
        Cloud::Dod => prefix::ACS_USER_DOD,
        Cloud::Gcch => prefix::ACS_USER_GCCH,
    }
}

fn acs_user(raw_id: &str, suffix: &str, cloud: Cloud) -> CommunicationIdentifier {
    let mut parts = crate::ascii::split(suffix, b'_');
    if let (Some(resource_id), Some(tenant_id), Some(user_id), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    {
        return CommunicationIdentifier::TeamsExtensionUser {
            user_id: user_id.to_string(),
            tenant_id: tenant_id.to_string(),
            resource_id: resource_id.to_string(),
            cloud,
        };
    }
    CommunicationIdentifier::CommunicationUser {
        id: raw_id.to_string(),
    }
}

/// `{"id": ...}` of a communication user in the REST model.
#[derive(serde::Serialize, serde::Deserialize)]
struct UserModel<S> {
    id: S,
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct PhoneModel<S> {
    value: S,
    #[serde(default, skip_serializing_if = "is_false")]
    is_anonymous: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    asserted_id: Option<S>,
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct TeamsUserModel<S> {
    user_id: S,
    #[serde(default)]
    is_anonymous: bool,
    #[serde(default)]
    cloud: Cloud,
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct TeamsAppModel<S> {
    app_id: S,
    #[serde(default)]
    cloud: Cloud,
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct TeamsExtensionModel<S> {
    user_id: S,
    tenant_id: S,
    resource_id: S,
    #[serde(default)]
    cloud: Cloud,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// The REST `CommunicationIdentifierModel`: a raw id, a kind and one kind-specific member.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Model<S> {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    raw_id: Option<S>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    kind: Option<S>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    communication_user: Option<UserModel<S>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    phone_number: Option<PhoneModel<S>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    microsoft_teams_user: Option<TeamsUserModel<S>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    microsoft_teams_app: Option<TeamsAppModel<S>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    teams_extension_user: Option<TeamsExtensionModel<S>>,
}

impl Serialize for CommunicationIdentifier {
    fn serialize<Z: Serializer>(&self, serializer: Z) -> Result<Z::Ok, Z::Error> {
        let raw = self.raw_id();
        let mut m: Model<&str> = Model {
            raw_id: Some(&raw),
            kind: Some(self.kind()),
            communication_user: None,
            phone_number: None,
            microsoft_teams_user: None,
            microsoft_teams_app: None,
            teams_extension_user: None,
        };
        match self {
            CommunicationIdentifier::CommunicationUser { id } => {
                m.communication_user = Some(UserModel { id })
            }
            CommunicationIdentifier::PhoneNumber {
                value,
                is_anonymous,
                asserted_id,
            } => {
                m.phone_number = Some(PhoneModel {
                    value,
                    is_anonymous: *is_anonymous,
                    asserted_id: asserted_id.as_deref(),
                })
            }
            CommunicationIdentifier::MicrosoftTeamsUser {
                user_id,
                is_anonymous,
                cloud,
            } => {
                m.microsoft_teams_user = Some(TeamsUserModel {
                    user_id,
                    is_anonymous: *is_anonymous,
                    cloud: *cloud,
                })
            }
            CommunicationIdentifier::MicrosoftTeamsApp { app_id, cloud } => {
                m.microsoft_teams_app = Some(TeamsAppModel {
                    app_id,
                    cloud: *cloud,
                })
            }
            CommunicationIdentifier::TeamsExtensionUser {
                user_id,
                tenant_id,
                resource_id,
                cloud,
            } => {
                m.teams_extension_user = Some(TeamsExtensionModel {
                    user_id,
                    tenant_id,
                    resource_id,
                    cloud: *cloud,
                })
            }
            CommunicationIdentifier::Unknown { .. } => {}
        }
        m.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for CommunicationIdentifier {
    /// Reads the REST model. The kind-specific member wins; without one, the `rawId` is recognised.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let m: Model<String> = Model::deserialize(deserializer)?;
        if let Some(u) = m.communication_user {
            return Ok(CommunicationIdentifier::CommunicationUser { id: u.id });
        }
        if let Some(p) = m.phone_number {
            return Ok(CommunicationIdentifier::PhoneNumber {
                value: p.value,
                is_anonymous: p.is_anonymous,
                asserted_id: p.asserted_id,
            });
        }
        if let Some(t) = m.microsoft_teams_user {
            return Ok(CommunicationIdentifier::MicrosoftTeamsUser {
                user_id: t.user_id,
                is_anonymous: t.is_anonymous,
                cloud: t.cloud,
            });
        }
        if let Some(a) = m.microsoft_teams_app {
            return Ok(CommunicationIdentifier::MicrosoftTeamsApp {
                app_id: a.app_id,
                cloud: a.cloud,
            });
        }
        if let Some(x) = m.teams_extension_user {
            return Ok(CommunicationIdentifier::TeamsExtensionUser {
                user_id: x.user_id,
                tenant_id: x.tenant_id,
                resource_id: x.resource_id,
                cloud: x.cloud,
            });
        }
        match m.raw_id {
            Some(raw) => Ok(CommunicationIdentifier::from_raw_id(&raw)),
            None => Err(serde::de::Error::missing_field("rawId")),
        }
    }
}
