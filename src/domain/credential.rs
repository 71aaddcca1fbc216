//! Who is asking: the credential a request presented, and what every answer and log line
//! says about it (its JWT subject, its kind, its token id, and until when it may be used).
//! A registry token never outlives the credential it was issued for.

use super::token::DeployToken;
use super::user::UserCredential;
use serde::Serialize;
use time::OffsetDateTime;

/// Who is asking.
#[derive(Clone, Copy, Debug)]
pub enum Credential<'a> {
    /// No credentials at all.
    Anonymous,
    /// An authenticated deploy token (active or not: authorization checks).
    DeployToken(&'a DeployToken),
    /// A user with one of their personal access tokens (active or not: authorization checks).
    User(&'a UserCredential),
}

/// How the subject authenticated; goes into the JWT as `auth_type` and into log lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthType {
    /// Anonymous.
    None,
    /// A deploy token.
    DeployToken,
    /// A user's personal access token.
    PersonalAccessToken,
}

impl AuthType {
    /// The spelling used in the JWT and in logs.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthType::None => "none",
            AuthType::DeployToken => "deploy_token",
            AuthType::PersonalAccessToken => "personal_access_token",
        }
    }
}

impl Credential<'_> {
    /// The JWT `sub`: the deploy-token username or the user's name, `""` when anonymous.
    pub fn subject(&self) -> &str {
        match self {
            Credential::Anonymous => "",
            Credential::DeployToken(token) => &token.username,
            Credential::User(user) => &user.user.username,
        }
    }

    /// How the subject authenticated.
    pub fn auth_type(&self) -> AuthType {
        match self {
            Credential::Anonymous => AuthType::None,
            Credential::DeployToken(_) => AuthType::DeployToken,
            Credential::User(_) => AuthType::PersonalAccessToken,
        }
    }

    /// The id of the token presented (deploy token or personal access token; a refresh
    /// token stands for the token it was issued to). Deploy-token usernames may repeat, so
    /// logs name this id to tell two tokens apart.
    pub fn token_id(&self) -> Option<i64> {
        match self {
            Credential::Anonymous => None,
            Credential::DeployToken(token) => Some(token.id),
            Credential::User(user) => Some(user.token.id),
        }
    }

    /// When the credential stops working, if ever: no registry token may live longer.
    pub fn expires_at(&self) -> Option<OffsetDateTime> {
        match self {
            Credential::Anonymous => None,
            Credential::DeployToken(token) => token.expires_at,
            Credential::User(user) => user.token.expires_at,
        }
    }
}
