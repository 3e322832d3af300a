//! The api-versions each operation answers to, in this one place, and the check of a request's
//! `api-version` against them.
//!
//! The library's [`KNOWN_API_VERSIONS`] are the versions it builds requests for. The service, and so the
//! emulator, also answers versions older SDKs send that the library does not list
//! ([`SERVICE_ONLY_VERSIONS`]); the emulator's list is the union of both, so a version the library
//! adds is never listed twice.

use super::routes::Route;
use crate::protocol::{ErrorDetail, Reply};
use acs_identity_edge::operations::{KNOWN_API_VERSIONS, PREVIEW_API_VERSION};
use hyper::StatusCode;
use std::sync::LazyLock;

/// The original API of 2020, with its own routes and shapes (`200 {"id"}`, `/token`, `PATCH`).
pub const LEGACY_VERSION: &str = "2020-07-20-preview2";

/// The version whose Teams exchange takes only `token` (no `appId`/`userId`).
pub const TEAMS_TOKEN_ONLY_VERSION: &str = "2021-10-31-preview";

/// The first generally available version with the Teams exchange; every later version has it.
const FIRST_TEAMS_VERSION: &str = "2022-06-01";

/// Versions the service answers that the library need not know: the 2020 API, the Teams preview and
/// 2021-11-01 (which old SDKs still send).
pub const SERVICE_ONLY_VERSIONS: &[&str] =
    &[LEGACY_VERSION, TEAMS_TOKEN_ONLY_VERSION, "2021-11-01"];

/// Every version of the identity routes (create, issue, revoke, delete), oldest first: the library's
/// versions and [`SERVICE_ONLY_VERSIONS`]. Versions are dates, so sorting the text sorts by age.
static IDENTITY_VERSIONS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let mut all: Vec<&'static str> = KNOWN_API_VERSIONS
        .iter()
        .chain(SERVICE_ONLY_VERSIONS)
        .copied()
        .collect();
    all.sort_unstable();
    all.dedup();
    all
});

/// The identity versions of the current API (all but the 2020 one): issue and revoke.
static CURRENT_VERSIONS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    (IDENTITY_VERSIONS.iter().copied())
        .filter(|v| *v != LEGACY_VERSION)
        .collect()
});

/// Versions of the Teams user exchange: the token-only preview, then every version from
/// [`FIRST_TEAMS_VERSION`] on.
static TEAMS_VERSIONS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    (IDENTITY_VERSIONS.iter().copied())
        .filter(|v| *v == TEAMS_TOKEN_ONLY_VERSION || *v >= FIRST_TEAMS_VERSION)
        .collect()
});

/// The api-versions an operation answers to, oldest first.
pub fn accepted(route: &Route) -> &'static [&'static str] {
    match route {
        Route::CreateUser | Route::DeleteUser(_) => &IDENTITY_VERSIONS,
        Route::GetUser(_) => &[PREVIEW_API_VERSION],
        Route::IssueToken(_) | Route::RevokeTokens(_) => &CURRENT_VERSIONS,
        Route::LegacyIssueToken(_) | Route::LegacyUpdate(_) => &[LEGACY_VERSION],
        Route::ExchangeTeamsToken => &TEAMS_VERSIONS,
    }
}

/// The `api-supported-versions` header of the operation's family, as the service sends it.
pub fn reported(route: &Route) -> &'static [&'static str] {
    match route {
        Route::ExchangeTeamsToken => &TEAMS_VERSIONS,
        _ => &IDENTITY_VERSIONS,
    }
}

/// What to do with a well-formed api-version the operation does not know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unknown {
    /// Answer 400 `UnsupportedApiVersion`, as the service does.
    Refuse,
    /// Serve it as the newest version the operation knows (`--accept-unknown-api-versions`), so that
    /// an SDK newer than the emulator keeps working.
    ServeNewest,
}

/// Whether `v` has the shape of an api-version: a date `YYYY-MM-DD`, then optionally `-` and a
/// label of letters and digits (`-preview`, `-preview2`, `-beta1`).
pub fn is_well_formed(v: &str) -> bool {
    let b = v.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let date = b.len() >= 10
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10);
    let label = match b.get(10..) {
        Some([]) => true,
        Some([b'-', rest @ ..]) => {
            !rest.is_empty() && rest.len() <= 20 && rest.iter().all(u8::is_ascii_alphanumeric)
        }
        _ => false,
    };
    date && label
}

/// The api-version of the request, checked against the route: the `&'static` version to serve on
/// success, or the ASP.NET API-versioning error the service answers.
pub fn check_version(
    route: &Route,
    api_version: Option<&str>,
    request_uri: &str,
    unknown: Unknown,
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
        .with_versions(reported(route))
    };
    let Some(requested) = api_version.filter(|v| !v.is_empty()) else {
        return Err(versioning_error(
            "ApiVersionUnspecified",
            "An API version is required, but was not specified.".into(),
        ));
    };
    let known = accepted(route);
    let newest = known.last().copied();
    known
        .iter()
        .find(|v| v.eq_ignore_ascii_case(requested))
        .copied()
        .or(newest.filter(|_| unknown == Unknown::ServeNewest && is_well_formed(requested)))
        .ok_or_else(|| {
            versioning_error(
                "UnsupportedApiVersion",
                format!(
                    "The HTTP resource that matches the request URI '{request_uri}' does not support the API version '{requested}'."
                ),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lists_are_the_service_versions_oldest_first() {
        // What the emulator answers, as documented in emulator/README.md.
        assert_eq!(
            *IDENTITY_VERSIONS,
            [
                LEGACY_VERSION,
                "2021-03-07",
                TEAMS_TOKEN_ONLY_VERSION,
                "2021-11-01",
                "2022-06-01",
                "2022-10-01",
                "2023-08-01",
                "2023-10-01",
                PREVIEW_API_VERSION,
                "2025-06-30",
                "2026-07-22",
                "2026-09-23",
            ]
        );
        for v in KNOWN_API_VERSIONS {
            assert!(CURRENT_VERSIONS.contains(v), "{v}");
        }
        assert_eq!(CURRENT_VERSIONS.len(), IDENTITY_VERSIONS.len() - 1);
        assert_eq!(TEAMS_VERSIONS[0], TEAMS_TOKEN_ONLY_VERSION);
        assert_eq!(TEAMS_VERSIONS[1], FIRST_TEAMS_VERSION);
        assert_eq!(TEAMS_VERSIONS.last(), IDENTITY_VERSIONS.last());
        assert!(!TEAMS_VERSIONS.contains(&"2021-11-01"));
    }

    #[test]
    fn versions_per_route() {
        let uri = "http://127.0.0.1:1/identities";
        assert_eq!(
            check_version(&Route::CreateUser, Some("2023-10-01"), uri, Unknown::Refuse).unwrap(),
            "2023-10-01"
        );
        assert_eq!(
            check_version(
                &Route::CreateUser,
                Some(LEGACY_VERSION),
                uri,
                Unknown::Refuse
            )
            .unwrap(),
            LEGACY_VERSION
        );
        for v in acs_identity_edge::operations::KNOWN_API_VERSIONS {
            assert!(
                check_version(
                    &Route::IssueToken("x".into()),
                    Some(v),
                    uri,
                    Unknown::Refuse
                )
                .is_ok(),
                "{v}"
            );
            assert!(
                check_version(
                    &Route::DeleteUser("x".into()),
                    Some(v),
                    uri,
                    Unknown::Refuse
                )
                .is_ok(),
                "{v}"
            );
        }
        assert!(check_version(
            &Route::IssueToken("x".into()),
            Some(LEGACY_VERSION),
            uri,
            Unknown::Refuse
        )
        .is_err());
        assert!(check_version(
            &Route::GetUser("x".into()),
            Some("2023-10-01"),
            uri,
            Unknown::Refuse
        )
        .is_err());
        assert!(check_version(
            &Route::GetUser("x".into()),
            Some(PREVIEW_API_VERSION),
            uri,
            Unknown::Refuse
        )
        .is_ok());
        assert!(check_version(
            &Route::LegacyUpdate("x".into()),
            Some("2023-10-01"),
            uri,
            Unknown::Refuse
        )
        .is_err());
        assert!(check_version(
            &Route::ExchangeTeamsToken,
            Some("2021-03-07"),
            uri,
            Unknown::Refuse
        )
        .is_err());
        let err = check_version(&Route::CreateUser, Some("2019-01-01"), uri, Unknown::Refuse)
            .unwrap_err();
        assert_eq!(
            std::str::from_utf8(&err.body).unwrap(),
            r#"{"error":{"code":"UnsupportedApiVersion","message":"The HTTP resource that matches the request URI 'http://127.0.0.1:1/identities' does not support the API version '2019-01-01'.","innerError":null}}"#
        );
        let err = check_version(&Route::CreateUser, None, uri, Unknown::Refuse).unwrap_err();
        assert!(std::str::from_utf8(&err.body)
            .unwrap()
            .contains("ApiVersionUnspecified"));
    }

    #[test]
    fn unknown_well_formed_versions_can_be_served_as_the_newest() {
        let uri = "http://127.0.0.1:1/identities";
        let newest = *IDENTITY_VERSIONS.last().unwrap();
        for v in [
            "2030-01-01",
            "2030-01-01-preview",
            "2026-12-31-preview2",
            "2019-01-01",
        ] {
            assert!(is_well_formed(v), "{v}");
            assert!(check_version(&Route::CreateUser, Some(v), uri, Unknown::Refuse).is_err());
            assert_eq!(
                check_version(&Route::CreateUser, Some(v), uri, Unknown::ServeNewest).unwrap(),
                newest,
                "{v}"
            );
        }
        assert_eq!(
            check_version(
                &Route::GetUser("x".into()),
                Some("2030-01-01"),
                uri,
                Unknown::ServeNewest
            )
            .unwrap(),
            PREVIEW_API_VERSION
        );
        // A known version is served as itself.
        assert_eq!(
            check_version(
                &Route::CreateUser,
                Some("2023-10-01"),
                uri,
                Unknown::ServeNewest
            )
            .unwrap(),
            "2023-10-01"
        );
        for bad in [
            "latest",
            "2030-1-01",
            "2030-01-01-",
            "2030-01-01_preview",
            "2030-01-01-pre view",
            "2030-01-01-\n",
            "20300101",
            "",
        ] {
            assert!(!is_well_formed(bad), "{bad}");
            assert!(
                check_version(&Route::CreateUser, Some(bad), uri, Unknown::ServeNewest).is_err(),
                "{bad}"
            );
        }
    }
}
