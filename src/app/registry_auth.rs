//! The registry token use case: authenticate, authorize, sign. One function serves GET and
//! POST, the password and the refresh-token grants.

use super::App;
use crate::domain::authz::{
    BAD_CREDENTIALS, Credential, Granted, Refusal, external_authorization_refusal, grant,
    grant_without_deploy_token,
};
use crate::domain::namespace::ProjectFacts;
use crate::domain::proxy::{ProxyService, grant_proxy};
use crate::domain::scope::{ResourceScope, ScopeError, parse_all};
use crate::domain::token::{DeployToken, PlainToken, constant_time_eq};
use crate::jwt::issuer::{IssuedToken, Issuer};
use crate::storage::{Conn, StorageError, namespaces, refresh, tokens};
use std::collections::HashMap;

/// Prefix of refresh tokens (docker's "identity tokens").
pub const REFRESH_TOKEN_PREFIX: &str = "rgrt-";

/// What the caller presented.
pub enum Credentials {
    /// Nothing: anonymous.
    None,
    /// Username and secret (HTTP Basic, or the OAuth2 password grant).
    Password {
        /// The username.
        username: String,
        /// The secret.
        secret: PlainToken,
    },
    /// An OAuth2 refresh token.
    RefreshToken(PlainToken),
}

/// A token request, whatever its HTTP shape.
pub struct TokenRequest {
    /// The `service` parameter.
    pub service: Option<String>,
    /// Raw `scope` values (each may hold several, space-separated).
    pub scopes: Vec<String>,
    /// Credentials.
    pub credentials: Credentials,
    /// Whether a refresh token was asked for (`offline_token=true`, `access_type=offline`).
    pub offline: bool,
}

/// A successful answer.
pub struct TokenGrant {
    /// The signed registry token.
    pub issued: IssuedToken,
    /// What it grants.
    pub granted: Granted,
    /// A refresh token, when asked for and credentials were given.
    pub refresh_token: Option<String>,
}

/// Why no token was issued.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Missing or unknown `service`.
    #[error("unknown service {0:?}")]
    UnknownService(String),
    /// A scope did not parse.
    #[error(transparent)]
    InvalidScope(#[from] ScopeError),
    /// Missing or bad credentials.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// Good credentials that can't be used here.
    #[error("{0}")]
    Denied(String),
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<Refusal> for AuthError {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::Unauthorized(m) => AuthError::Unauthorized(m),
            Refusal::Denied(m) => AuthError::Denied(m),
        }
    }
}

/// Issues registry tokens.
#[derive(Clone)]
pub struct TokenService {
    app: App,
    issuer: Issuer,
    registry_service: String,
    proxies: Vec<ProxyService>,
    external_authorization: bool,
}

impl TokenService {
    /// A token service for the registry whose service name is `registry_service`.
    pub fn new(app: App, issuer: Issuer, registry_service: String) -> TokenService {
        TokenService {
            app,
            issuer,
            registry_service,
            proxies: Vec::new(),
            external_authorization: false,
        }
    }

    /// The same service, also issuing tokens for these dependency proxies.
    pub fn with_dependency_proxies(mut self, proxies: Vec<ProxyService>) -> TokenService {
        self.proxies = proxies;
        self
    }

    /// The same service with external authorization switched `on` or off: while it is on,
    /// deploy tokens count for nothing here (see [`grant_without_deploy_token`]).
    pub fn with_external_authorization(mut self, on: bool) -> TokenService {
        self.external_authorization = on;
        self
    }

    /// The issuer (for publishing keys).
    pub fn issuer(&self) -> &Issuer {
        &self.issuer
    }

    /// The application behind it.
    pub fn app(&self) -> &App {
        &self.app
    }

    /// Authenticate, authorize and sign.
    pub fn issue(&self, req: &TokenRequest) -> Result<TokenGrant, AuthError> {
        let service = req.service.as_deref().unwrap_or("");
        let proxy = self.proxies.iter().find(|p| p.service == service);
        if service != self.registry_service && proxy.is_none() {
            return Err(AuthError::UnknownService(service.to_owned()));
        }
        let requested = parse_all(req.scopes.iter().map(String::as_str))?;
        let now = self.app.now();
        let conn = self.app.conn()?;
        let token = authenticate(&conn, &req.credentials, service)?;
        let credential = token
            .as_ref()
            .map_or(Credential::Anonymous, Credential::DeployToken);
        let restricted = self.external_authorization && token.is_some();
        let granted = match (proxy, &token) {
            (Some(_), Some(t)) if restricted => {
                return Err(external_authorization_refusal(t, now).into());
            }
            (Some(proxy), _) => grant_proxy(&requested, credential, proxy, now)?,
            (None, _) => {
                let projects = project_facts(&conn, &requested)?;
                let project_of = |repo: &str| projects.get(repo).and_then(Option::as_ref);
                match &token {
                    Some(t) if restricted => {
                        grant_without_deploy_token(&requested, t, project_of, now)?
                    }
                    _ => grant(&requested, credential, project_of, now)?,
                }
            }
        };
        let refresh_token = match (&req.credentials, &token) {
            (Credentials::RefreshToken(existing), _) if req.offline => {
                Some(existing.expose().to_owned())
            }
            (Credentials::Password { .. }, Some(token)) if req.offline && !restricted => {
                let fresh = PlainToken::generate(REFRESH_TOKEN_PREFIX);
                refresh::insert(&conn, &fresh.digest(), token.id, service, now)?;
                Some(fresh.expose().to_owned())
            }
            _ => None,
        };
        Ok(TokenGrant {
            issued: self.issuer.issue(&granted, service, now),
            granted,
            refresh_token,
        })
    }
}

/// Find the deploy token behind the credentials. Unknown secrets and wrong usernames give
/// the same answer; whether the token is still active is [`grant`]'s decision.
pub(super) fn authenticate(
    conn: &Conn,
    credentials: &Credentials,
    service: &str,
) -> Result<Option<DeployToken>, AuthError> {
    match credentials {
        Credentials::None => Ok(None),
        Credentials::Password { username, secret } => {
            let found = tokens::by_digest(conn, &secret.digest())?;
            match found {
                Some(token) if constant_time_eq(&token.username, username) => Ok(Some(token)),
                _ => Err(AuthError::Unauthorized(BAD_CREDENTIALS)),
            }
        }
        Credentials::RefreshToken(secret) => {
            refresh::deploy_token_for(conn, &secret.digest(), service)?
                .map(Some)
                .ok_or(AuthError::Unauthorized(BAD_CREDENTIALS))
        }
    }
}

/// The owning project of every requested repository, looked up once per name.
fn project_facts(
    conn: &Conn,
    requested: &[ResourceScope],
) -> Result<HashMap<String, Option<ProjectFacts>>, StorageError> {
    let mut facts = HashMap::new();
    for scope in requested.iter().filter(|s| s.base_type() == "repository") {
        if !facts.contains_key(&scope.name) {
            let project = namespaces::project_for_repository(conn, &scope.name)?;
            facts.insert(scope.name.clone(), project);
        }
    }
    Ok(facts)
}
