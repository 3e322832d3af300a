//! Raw ids: every prefix of the protocol recognised, every string round-tripped, and the REST model shape.

use acs_identity_edge::identifier::{Cloud, CommunicationIdentifier as Id};
use proptest::prelude::*;
use serde_json::json;

fn s(x: &str) -> String {
    x.to_string()
}

#[test]
fn recognises_every_prefix() {
    let cases = vec![
        ("8:acs:r_u", Id::CommunicationUser { id: s("8:acs:r_u") }),
        (
            "8:spool:r_u",
            Id::CommunicationUser {
                id: s("8:spool:r_u"),
            },
        ),
        (
            "8:dod-acs:r_u",
            Id::CommunicationUser {
                id: s("8:dod-acs:r_u"),
            },
        ),
        (
            "8:gcch-acs:r_u",
            Id::CommunicationUser {
                id: s("8:gcch-acs:r_u"),
            },
        ),
        ("8:acs:", Id::CommunicationUser { id: s("8:acs:") }),
        (
            "8:acs:res_ten_usr",
            Id::TeamsExtensionUser {
                user_id: s("usr"),
                tenant_id: s("ten"),
                resource_id: s("res"),
                cloud: Cloud::Public,
            },
        ),
        (
            "8:dod-acs:res_ten_usr",
            Id::TeamsExtensionUser {
                user_id: s("usr"),
                tenant_id: s("ten"),
                resource_id: s("res"),
                cloud: Cloud::Dod,
            },
        ),
        (
            "8:gcch-acs:res_ten_usr",
            Id::TeamsExtensionUser {
                user_id: s("usr"),
                tenant_id: s("ten"),
                resource_id: s("res"),
                cloud: Cloud::Gcch,
            },
        ),
        // Four parts is not an extension user.
        (
            "8:acs:a_b_c_d",
            Id::CommunicationUser {
                id: s("8:acs:a_b_c_d"),
            },
        ),
        (
            "8:spool:a_b_c",
            Id::CommunicationUser {
                id: s("8:spool:a_b_c"),
            },
        ),
        (
            "8:orgid:u",
            Id::MicrosoftTeamsUser {
                user_id: s("u"),
                is_anonymous: false,
                cloud: Cloud::Public,
            },
        ),
        (
            "8:dod:u",
            Id::MicrosoftTeamsUser {
                user_id: s("u"),
                is_anonymous: false,
                cloud: Cloud::Dod,
            },
        ),
        (
            "8:gcch:u",
            Id::MicrosoftTeamsUser {
                user_id: s("u"),
                is_anonymous: false,
                cloud: Cloud::Gcch,
            },
        ),
        (
            "8:teamsvisitor:v",
            Id::MicrosoftTeamsUser {
                user_id: s("v"),
                is_anonymous: true,
                cloud: Cloud::Public,
            },
        ),
        (
            "28:orgid:a",
            Id::MicrosoftTeamsApp {
                app_id: s("a"),
                cloud: Cloud::Public,
            },
        ),
        (
            "28:dod:a",
            Id::MicrosoftTeamsApp {
                app_id: s("a"),
                cloud: Cloud::Dod,
            },
        ),
        (
            "28:gcch:a",
            Id::MicrosoftTeamsApp {
                app_id: s("a"),
                cloud: Cloud::Gcch,
            },
        ),
        (
            "4:+14255550123",
            Id::PhoneNumber {
                value: s("+14255550123"),
                is_anonymous: false,
                asserted_id: None,
            },
        ),
        (
            "4:anonymous",
            Id::PhoneNumber {
                value: s("anonymous"),
                is_anonymous: true,
                asserted_id: None,
            },
        ),
        (
            "4:+14255550123_abc",
            Id::PhoneNumber {
                value: s("+14255550123_abc"),
                is_anonymous: false,
                asserted_id: Some(s("abc")),
            },
        ),
        (
            "4:+1425_",
            Id::PhoneNumber {
                value: s("+1425_"),
                is_anonymous: false,
                asserted_id: None,
            },
        ),
        (
            "4:",
            Id::PhoneNumber {
                value: s(""),
                is_anonymous: false,
                asserted_id: None,
            },
        ),
        ("8:orgid", Id::Unknown { id: s("8:orgid") }),
        ("28:acs:x", Id::Unknown { id: s("28:acs:x") }),
        (
            "48:orgid:x",
            Id::Unknown {
                id: s("48:orgid:x"),
            },
        ),
        ("8:ACS:x", Id::Unknown { id: s("8:ACS:x") }),
        ("", Id::Unknown { id: s("") }),
        ("hello", Id::Unknown { id: s("hello") }),
    ];
    for (raw, expected) in cases {
        let id = Id::from_raw_id(raw);
        assert_eq!(id, expected, "{raw}");
        assert_eq!(id.raw_id(), raw, "{raw}");
    }
}

#[test]
fn raw_ids_are_rebuilt_from_the_parts() {
    let id = Id::MicrosoftTeamsUser {
        user_id: s("x"),
        is_anonymous: true,
        cloud: Cloud::Gcch,
    };
    // Anonymous Teams users have one prefix whatever the cloud.
    assert_eq!(id.raw_id(), "8:teamsvisitor:x");
    let ext = Id::TeamsExtensionUser {
        user_id: s("u"),
        tenant_id: s("t"),
        resource_id: s("r"),
        cloud: Cloud::Gcch,
    };
    assert_eq!(ext.raw_id(), "8:gcch-acs:r_t_u");
    assert_eq!(
        Id::MicrosoftTeamsApp {
            app_id: s("b"),
            cloud: Cloud::Dod
        }
        .raw_id(),
        "28:dod:b"
    );
}

#[test]
fn serialises_to_the_rest_model() {
    let v = |raw: &str| serde_json::to_value(Id::from_raw_id(raw)).unwrap();
    assert_eq!(
        v("8:acs:r_u"),
        json!({"rawId":"8:acs:r_u","kind":"communicationUser","communicationUser":{"id":"8:acs:r_u"}})
    );
    assert_eq!(
        v("4:+14255550123"),
        json!({"rawId":"4:+14255550123","kind":"phoneNumber","phoneNumber":{"value":"+14255550123"}})
    );
    assert_eq!(
        v("4:anonymous"),
        json!({"rawId":"4:anonymous","kind":"phoneNumber","phoneNumber":{"value":"anonymous","isAnonymous":true}})
    );
    assert_eq!(
        v("4:+1_a"),
        json!({"rawId":"4:+1_a","kind":"phoneNumber","phoneNumber":{"value":"+1_a","assertedId":"a"}})
    );
    assert_eq!(
        v("8:teamsvisitor:x"),
        json!({"rawId":"8:teamsvisitor:x","kind":"microsoftTeamsUser","microsoftTeamsUser":{"userId":"x","isAnonymous":true,"cloud":"public"}})
    );
    assert_eq!(
        v("28:gcch:b"),
        json!({"rawId":"28:gcch:b","kind":"microsoftTeamsApp","microsoftTeamsApp":{"appId":"b","cloud":"gcch"}})
    );
    assert_eq!(
        v("8:dod-acs:r_t_u"),
        json!({"rawId":"8:dod-acs:r_t_u","kind":"teamsExtensionUser","teamsExtensionUser":{"userId":"u","tenantId":"t","resourceId":"r","cloud":"dod"}})
    );
    assert_eq!(v("x:y"), json!({"rawId":"x:y","kind":"unknown"}));
}

#[test]
fn deserialises_the_rest_model() {
    let read = |j: serde_json::Value| serde_json::from_value::<Id>(j).unwrap();
    assert_eq!(
        read(
            json!({"kind":"microsoftTeamsUser","microsoftTeamsUser":{"userId":"u","cloud":"dod"}})
        ),
        Id::MicrosoftTeamsUser {
            user_id: s("u"),
            is_anonymous: false,
            cloud: Cloud::Dod
        }
    );
    // Only a raw id: it is recognised.
    assert_eq!(
        read(json!({"rawId":"28:orgid:a"})),
        Id::MicrosoftTeamsApp {
            app_id: s("a"),
            cloud: Cloud::Public
        }
    );
    assert!(serde_json::from_value::<Id>(json!({"kind":"unknown"})).is_err());
    assert!(serde_json::from_value::<Id>(
        json!({"microsoftTeamsApp":{"appId":"a","cloud":"mars"}})
    )
    .is_err());
}

fn known_prefix() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "4:",
        "8:acs:",
        "8:spool:",
        "8:dod-acs:",
        "8:gcch-acs:",
        "8:orgid:",
        "8:dod:",
        "8:gcch:",
        "8:teamsvisitor:",
        "28:orgid:",
        "28:dod:",
        "28:gcch:",
        "8:",
        "28:",
        "",
    ])
}

proptest! {
    #[test]
    fn any_string_round_trips(raw in any::<String>()) {
        prop_assert_eq!(Id::from_raw_id(&raw).raw_id(), raw);
    }

    #[test]
    fn prefixed_strings_round_trip_through_the_model(p in known_prefix(), rest in "[a-z0-9_:+-]{0,20}") {
        let raw = format!("{p}{rest}");
        let id = Id::from_raw_id(&raw);
        prop_assert_eq!(id.raw_id(), raw.clone());
        let json = serde_json::to_value(&id).unwrap();
        prop_assert_eq!(json["rawId"].as_str(), Some(raw.as_str()));
        prop_assert_eq!(json["kind"].as_str(), Some(id.kind()));
        let back: Id = serde_json::from_value(json).unwrap();
        prop_assert_eq!(back, id);
    }
}
