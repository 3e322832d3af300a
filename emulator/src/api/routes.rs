//! Which operation a method and path name: the routes of the API, matched without case on their
//! literal segments as the service's routing does.

use crate::rate_limit::Bucket;
use hyper::Method;

/// An operation of the API, with the identity id of its path when it has one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// `POST /identities`.
    CreateUser,
    /// `GET /identities/{id}` (2025-03-02-preview).
    GetUser(String),
    /// `DELETE /identities/{id}`.
    DeleteUser(String),
    /// `POST /identities/{id}/:issueAccessToken`.
    IssueToken(String),
    /// `POST /identities/{id}/:revokeAccessTokens`.
    RevokeTokens(String),
    /// `POST /identities/{id}/token` (2020-07-20-preview2).
    LegacyIssueToken(String),
    /// `PATCH /identities/{id}` (2020-07-20-preview2): revoke tokens.
    LegacyUpdate(String),
    /// `POST /teamsUser/:exchangeAccessToken`.
    ExchangeTeamsToken,
}

/// What a method and path name.
#[derive(Debug, PartialEq, Eq)]
pub enum Match {
    Route(Route),
    /// The path exists with other methods (for `Allow`).
    WrongMethod(&'static str),
    NoRoute,
}

impl Route {
    /// The route's template, for logs.
    pub fn label(&self) -> &'static str {
        match self {
            Route::CreateUser => "POST /identities",
            Route::GetUser(_) => "GET /identities/{id}",
            Route::DeleteUser(_) => "DELETE /identities/{id}",
            Route::IssueToken(_) => "POST /identities/{id}/:issueAccessToken",
            Route::RevokeTokens(_) => "POST /identities/{id}/:revokeAccessTokens",
            Route::LegacyIssueToken(_) => "POST /identities/{id}/token",
            Route::LegacyUpdate(_) => "PATCH /identities/{id}",
            Route::ExchangeTeamsToken => "POST /teamsUser/:exchangeAccessToken",
        }
    }

    /// The rate limit the operation counts against.
    pub fn bucket(&self) -> Option<Bucket> {
        match self {
            Route::CreateUser | Route::IssueToken(_) | Route::LegacyIssueToken(_) => {
                Some(Bucket::CreateIssue)
            }
            Route::DeleteUser(_)
            | Route::RevokeTokens(_)
            | Route::LegacyUpdate(_)
            | Route::ExchangeTeamsToken => Some(Bucket::DeleteRevokeExchange),
            Route::GetUser(_) => None,
        }
    }
}

/// Whether a decoded path belongs to the API (as opposed to the emulator's pages).
pub fn is_api_path(segments: &[String]) -> bool {
    segments.first().is_some_and(|s| {
        s.eq_ignore_ascii_case("identities") || s.eq_ignore_ascii_case("teamsUser")
    })
}

/// Finds the operation of a method and decoded path. Literal segments match without case, as the
/// service's routing does.
pub fn match_route(method: &Method, segments: &[String]) -> Match {
    let is = |s: &String, lit: &str| s.eq_ignore_ascii_case(lit);
    match segments {
        [a] if is(a, "identities") => match *method {
            Method::POST => Match::Route(Route::CreateUser),
            _ => Match::WrongMethod("POST"),
        },
        [a, id] if is(a, "identities") => match *method {
            Method::GET => Match::Route(Route::GetUser(id.clone())),
            Method::DELETE => Match::Route(Route::DeleteUser(id.clone())),
            Method::PATCH => Match::Route(Route::LegacyUpdate(id.clone())),
            _ => Match::WrongMethod("GET, DELETE, PATCH"),
        },
        [a, id, action] if is(a, "identities") => {
            let route = if is(action, ":issueAccessToken") {
                Route::IssueToken(id.clone())
            } else if is(action, ":revokeAccessTokens") {
                Route::RevokeTokens(id.clone())
            } else if is(action, "token") {
                Route::LegacyIssueToken(id.clone())
            } else {
                return Match::NoRoute;
            };
            match *method {
                Method::POST => Match::Route(route),
                _ => Match::WrongMethod("POST"),
            }
        }
        [a, action] if is(a, "teamsUser") && is(action, ":exchangeAccessToken") => match *method {
            Method::POST => Match::Route(Route::ExchangeTeamsToken),
            _ => Match::WrongMethod("POST"),
        },
        _ => Match::NoRoute,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request_target;

    fn segs(path: &str) -> Vec<String> {
        request_target::segments(path).unwrap()
    }

    #[test]
    fn routes_of_every_operation() {
        let id = "8:acs:r_1".to_string();
        let cases = [
            (Method::POST, "/identities", Route::CreateUser),
            (Method::POST, "/identities/", Route::CreateUser),
            (
                Method::GET,
                "/identities/8%3Aacs%3Ar_1",
                Route::GetUser(id.clone()),
            ),
            (
                Method::DELETE,
                "/identities/8%3Aacs%3Ar_1",
                Route::DeleteUser(id.clone()),
            ),
            (
                Method::PATCH,
                "/identities/8:acs:r_1",
                Route::LegacyUpdate(id.clone()),
            ),
            (
                Method::POST,
                "/identities/8%3Aacs%3Ar_1/:issueAccessToken",
                Route::IssueToken(id.clone()),
            ),
            (
                Method::POST,
                "/identities/8%3Aacs%3Ar_1/%3AissueAccessToken",
                Route::IssueToken(id.clone()),
            ),
            (
                Method::POST,
                "/identities/8%3Aacs%3Ar_1/:revokeAccessTokens",
                Route::RevokeTokens(id.clone()),
            ),
            (
                Method::POST,
                "/identities/8%3Aacs%3Ar_1/token",
                Route::LegacyIssueToken(id.clone()),
            ),
            (
                Method::POST,
                "/teamsUser/:exchangeAccessToken",
                Route::ExchangeTeamsToken,
            ),
            (
                Method::POST,
                "/TEAMSUSER/:EXCHANGEACCESSTOKEN",
                Route::ExchangeTeamsToken,
            ),
        ];
        for (method, path, route) in cases {
            assert_eq!(
                match_route(&method, &segs(path)),
                Match::Route(route),
                "{method} {path}"
            );
        }
        assert_eq!(
            match_route(&Method::GET, &segs("/identities")),
            Match::WrongMethod("POST")
        );
        assert_eq!(
            match_route(&Method::PUT, &segs("/identities/x")),
            Match::WrongMethod("GET, DELETE, PATCH")
        );
        assert_eq!(
            match_route(&Method::POST, &segs("/identities/x/:nope")),
            Match::NoRoute
        );
        assert_eq!(match_route(&Method::POST, &segs("/nope")), Match::NoRoute);
        assert_eq!(
            match_route(&Method::POST, &segs("/identities/x/y/z")),
            Match::NoRoute
        );
    }
}
