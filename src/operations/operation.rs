//! Each identity operation as one typed thing: its name, its options, its result, its request builder and
//! its response parser, tied together by [`Operation`]; and [`OperationKind`], every operation by name,
//! for a boundary that names operations by string (the JS API) to parse once.

use super::{
    AccessToken, CommunicationUser, CreateUserAndTokenOptions, CreateUserOptions,
    GetTokenForTeamsUserOptions, GetTokenOptions, Request, Response, UserAndToken, UserOptions,
};
use crate::error::Result;
use crate::json::JsonBody;

/// An identity operation. [`IdentityClient::execute`](crate::client::IdentityClient::execute) runs any
/// of them; the client's typed methods are each one of these.
pub trait Operation {
    /// The operation's name, as the JS API's method (`createUser`).
    const NAME: &'static str;
    /// What the caller gives.
    type Options;
    /// What the operation returns.
    type Output;
    /// Checks the options and builds the request, before anything is sent.
    fn request(api_version: &str, options: &Self::Options) -> Result<Request>;
    /// Reads the answer: the result, or the typed error of an error status or an unreadable body.
    fn parse_response<B: JsonBody>(response: &Response<B>) -> Result<Self::Output>;
}

/// Defines an operation's marker type from its builder and parser.
macro_rules! operation {
    ($(#[$doc:meta])* $marker:ident, $name:literal, $options:ty, $output:ty, $request:path, $parse:path) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub struct $marker;

        impl Operation for $marker {
            const NAME: &'static str = $name;
            type Options = $options;
            type Output = $output;

            fn request(api_version: &str, options: &$options) -> Result<Request> {
                $request(api_version, options)
            }

            fn parse_response<B: JsonBody>(response: &Response<B>) -> Result<$output> {
                $parse(response)
            }
        }
    };
}

operation!(
    /// `POST /identities`: creates a user.
    CreateUser, "createUser", CreateUserOptions, CommunicationUser,
    super::create_user_request, super::parse_create_user_response
);
operation!(
    /// `POST /identities` with scopes: creates a user and issues a token.
    CreateUserAndToken, "createUserAndToken", CreateUserAndTokenOptions, UserAndToken,
    super::create_user_and_token_request, super::parse_create_user_and_token_response
);
operation!(
    /// `POST /identities/{id}/:issueAccessToken`: issues a token for a user.
    GetToken, "getToken", GetTokenOptions, AccessToken,
    super::get_token_request, super::parse_token_response
);
operation!(
    /// `POST /identities/{id}/:revokeAccessTokens`: revokes every token of a user.
    RevokeTokens, "revokeTokens", UserOptions, (),
    super::revoke_tokens_request, super::parse_empty_response
);
operation!(
    /// `DELETE /identities/{id}`: deletes a user.
    DeleteUser, "deleteUser", UserOptions, (),
    super::delete_user_request, super::parse_empty_response
);
operation!(
    /// `GET /identities/{id}` (preview api-version): a user with its custom id.
    GetUser, "getUser", UserOptions, CommunicationUser,
    super::get_user_request, super::parse_get_user_response
);
operation!(
    /// `POST /teamsUser/:exchangeAccessToken`: a token for a Teams user.
    GetTokenForTeamsUser, "getTokenForTeamsUser", GetTokenForTeamsUserOptions, AccessToken,
    super::get_token_for_teams_user_request, super::parse_token_response
);

/// Every identity operation, by name. `match`es over it are exhaustive, so a new operation is a compile
/// error wherever it must be handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OperationKind {
    /// [`CreateUser`].
    CreateUser,
    /// [`CreateUserAndToken`].
    CreateUserAndToken,
    /// [`GetToken`].
    GetToken,
    /// [`RevokeTokens`].
    RevokeTokens,
    /// [`DeleteUser`].
    DeleteUser,
    /// [`GetUser`].
    GetUser,
    /// [`GetTokenForTeamsUser`].
    GetTokenForTeamsUser,
}

impl OperationKind {
    /// Every operation, once each.
    pub const ALL: [OperationKind; 7] = [
        OperationKind::CreateUser,
        OperationKind::CreateUserAndToken,
        OperationKind::GetToken,
        OperationKind::RevokeTokens,
        OperationKind::DeleteUser,
        OperationKind::GetUser,
        OperationKind::GetTokenForTeamsUser,
    ];

    /// The operation's name ([`Operation::NAME`]).
    pub fn name(self) -> &'static str {
        match self {
            OperationKind::CreateUser => CreateUser::NAME,
            OperationKind::CreateUserAndToken => CreateUserAndToken::NAME,
            OperationKind::GetToken => GetToken::NAME,
            OperationKind::RevokeTokens => RevokeTokens::NAME,
            OperationKind::DeleteUser => DeleteUser::NAME,
            OperationKind::GetUser => GetUser::NAME,
            OperationKind::GetTokenForTeamsUser => GetTokenForTeamsUser::NAME,
        }
    }

    /// The operation named `name`, if there is one.
    pub fn from_name(name: &str) -> Option<OperationKind> {
        OperationKind::ALL.into_iter().find(|k| k.name() == name)
    }
}
