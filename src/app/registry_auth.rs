//! The registry token use case: authenticate, authorize, sign. One function serves GET and
//! POST, the password and the refresh-token grants.

use super::App;
use super::lookup_cache::{self, LookupCache, LookupKey};
use super::users::{credential_for, is_personal_token, user_credential};
use crate::domain::authz::{
    AuthType, BAD_CREDENTIALS, Credential, Granted, Refusal, external_authorization_refusal, grant,
    grant_without_deploy_token,
};
use crate::domain::namespace::ProjectFacts;
use crate::domain::proxy::{ProxyService, grant_proxy};
use crate::domain::scope::{ResourceScope, ScopeError, parse_all};
use crate::domain::token::{DeployToken, PlainToken};
use crate::domain::user::UserCredential;
use crate::jwt::issuer::{IssuedToken, Issuer};
use crate::storage::{Reads, StorageError, UsedToken, Writes};
use std::collections::HashMap;
use std::sync::Arc;

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
    /// The client's address, for the audit trail.
    pub client: Option<std::net::IpAddr>,
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

/// The credential a request turned out to present, for its log line. Custom deploy-token
/// usernames may repeat, so only the token id tells two tokens apart.
pub struct Presented {
    /// A deploy token or a personal access token.
    pub auth_type: AuthType,
    /// The token's id (the token a refresh token was issued to, for refresh grants).
    pub token_id: i64,
    /// Its username (the deploy token's, or the user's).
    pub username: String,
}

/// What came of a token request, and whose credential it was once that is known (never for
/// anonymous requests or unknown secrets).
pub struct Attempt {
    /// The credential the secret matched.
    pub presented: Option<Presented>,
    /// The answer.
    pub result: Result<TokenGrant, AuthError>,
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
    lookups: Arc<LookupCache<Lookup>>,
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
            lookups: Arc::new(LookupCache::new(lookup_cache::CAPACITY)),
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
        self.attempt(req).result
    }

    /// [`TokenService::issue`], also naming the credential presented (for the log line).
    pub fn attempt(&self, req: &TokenRequest) -> Attempt {
        let mut presented = None;
        let result = self.issue_noting(req, &mut presented);
        Attempt { presented, result }
    }

    fn issue_noting(
        &self,
        req: &TokenRequest,
        presented: &mut Option<Presented>,
    ) -> Result<TokenGrant, AuthError> {
        let service = req.service.as_deref().unwrap_or("");
        let proxy = self.proxies.iter().find(|p| p.service == service);
        if service != self.registry_service && proxy.is_none() {
            return Err(AuthError::UnknownService(service.to_owned()));
        }
        let requested = parse_all(req.scopes.iter().map(String::as_str))?;
        let now = self.app.now();
        // Every lookup in one read transaction (storage::sqlite::Database::read says why),
        // kept until the next write anywhere (app::lookup_cache says why that is enough).
        let store = self.app.store();
        let (subject, projects) = self.lookups.get_or_load(
            store,
            || lookup_key(req),
            || {
                store.read(|tx| {
                    let subject = authenticate(tx, &req.credentials, service)?;
                    let projects = match proxy {
                        Some(_) => HashMap::new(),
                        None => project_facts(tx, &requested)?,
                    };
                    Ok::<_, AuthError>((subject, projects))
                })
            },
        )?;
        *presented = subject.presented();
        note_expired(&self.app, &subject, req.client, now);
        let credential = subject.credential();
        // While external authorization is on, deploy tokens count for nothing here.
        let restricted = match &subject {
            Subject::Deploy(token) if self.external_authorization => Some(token),
            _ => None,
        };
        let granted = match (proxy, restricted) {
            (Some(_), Some(t)) => return Err(external_authorization_refusal(t, now).into()),
            (Some(proxy), None) => grant_proxy(&requested, credential, proxy, now)?,
            (None, _) => {
                let project_of = |repo: &str| projects.get(repo).and_then(Option::as_ref);
                match restricted {
                    Some(t) => grant_without_deploy_token(&requested, t, project_of, now)?,
                    None => grant(&requested, credential, project_of, now)?,
                }
            }
        };
        let refresh_token = match &req.credentials {
            Credentials::RefreshToken(existing) if req.offline && restricted.is_none() => {
                Some(existing.expose().to_owned())
            }
            Credentials::Password { .. } if req.offline && restricted.is_none() => {
                let store = self.app.store();
                store.write(|tx| remember_refresh(tx, &subject, service, now))?
            }
            _ => None,
        };
        // A token set aside by external authorization counted for nothing: not a use.
        if let Some(used) = subject.used_token().filter(|_| restricted.is_none()) {
            self.app.note_use(used);
        }
        Ok(TokenGrant {
            issued: self.issuer.issue(&granted, service, now),
            granted,
            refresh_token,
        })
    }
}

/// What a token request's lookups found: who is asking, and the project of each requested
/// repository.
type Lookup = (Subject, HashMap<String, Option<ProjectFacts>>);

/// What a token request's lookups depend on: the credentials, the service and the scopes.
fn lookup_key(req: &TokenRequest) -> LookupKey {
    let service = req.service.as_deref().unwrap_or("").as_bytes();
    let credentials: [&[u8]; 3] = match &req.credentials {
        Credentials::None => [b"anonymous", b"", b""],
        Credentials::Password { username, secret } => {
            [b"password", username.as_bytes(), secret.expose().as_bytes()]
        }
        Credentials::RefreshToken(secret) => [b"refresh", b"", secret.expose().as_bytes()],
    };
    let mut parts: Vec<&[u8]> = credentials.to_vec();
    parts.push(service);
    parts.extend(req.scopes.iter().map(|s| s.as_bytes()));
    LookupKey::of(&parts)
}

/// Who the credentials belong to.
#[derive(Clone)]
pub(super) enum Subject {
    /// Nobody.
    Anonymous,
    /// A deploy token.
    Deploy(DeployToken),
    /// A user, through a personal access token.
    User(UserCredential),
}

impl Subject {
    /// The credential authorization looks at.
    pub(super) fn credential(&self) -> Credential<'_> {
        match self {
            Subject::Anonymous => Credential::Anonymous,
            Subject::Deploy(token) => Credential::DeployToken(token),
            Subject::User(user) => Credential::User(user),
        }
    }

    /// The token whose use this is (none for anonymous callers).
    pub(super) fn used_token(&self) -> Option<UsedToken> {
        match self {
            Subject::Anonymous => None,
            Subject::Deploy(token) => Some(UsedToken::Deploy(token.id)),
            Subject::User(user) => Some(UsedToken::Personal(user.token.id)),
        }
    }

    /// What the log line says about it.
    fn presented(&self) -> Option<Presented> {
        let credential = self.credential();
        Some(Presented {
            auth_type: credential.auth_type(),
            token_id: credential.token_id()?,
            username: credential.subject().to_owned(),
        })
    }
}

/// Note a login with the right secret of an expired (not revoked) deploy token, for the
/// audit trail; written off the request path (see [`super::audit::pending`]).
pub(super) fn note_expired(
    app: &App,
    subject: &Subject,
    client: Option<std::net::IpAddr>,
    now: time::OffsetDateTime,
) {
    if let Subject::Deploy(token) = subject
        && !token.revoked
        && token.is_expired(now)
    {
        let kind = super::audit::pending::TokenKind::Deploy;
        app.note_expired_refusal(kind, token.id, &token.username, client);
    }
}

/// Store a fresh refresh token bound to the credential (never anonymous) and service.
fn remember_refresh(
    tx: &mut dyn Writes,
    subject: &Subject,
    service: &str,
    now: time::OffsetDateTime,
) -> Result<Option<String>, StorageError> {
    let fresh = PlainToken::generate(REFRESH_TOKEN_PREFIX);
    match subject {
        Subject::Anonymous => return Ok(None),
        Subject::Deploy(token) => {
            tx.insert_deploy_refresh(&fresh.digest(), token.id, service, now)?
        }
        Subject::User(user) => {
            tx.insert_user_refresh(&fresh.digest(), user.token.id, service, now)?
        }
    }
    Ok(Some(fresh.expose().to_owned()))
}

/// Find the deploy token or user behind the credentials: a password starting with `glpat-`
/// is a personal access token, anything else a deploy token. Unknown secrets and wrong
/// usernames give the same answer; whether the token is still active is [`grant`]'s
/// decision.
pub(super) fn authenticate(
    tx: &mut dyn Reads,
    credentials: &Credentials,
    service: &str,
) -> Result<Subject, AuthError> {
    let unauthorized = || AuthError::Unauthorized(BAD_CREDENTIALS);
    match credentials {
        Credentials::None => Ok(Subject::Anonymous),
        Credentials::Password { username, secret } if is_personal_token(secret) => {
            user_credential(tx, secret, Some(username))?
                .map(Subject::User)
                .ok_or_else(unauthorized)
        }
        Credentials::Password { username, secret } => {
            // Username and secret are matched together, so a wrong username and an unknown
            // secret are refused by one and the same lookup (see deploy_token_by_login).
            tx.deploy_token_by_login(&secret.digest(), username)?
                .map(Subject::Deploy)
                .ok_or_else(unauthorized)
        }
        Credentials::RefreshToken(secret) => {
            let digest = secret.digest();
            if let Some(token) = tx.deploy_token_for_refresh(&digest, service)? {
                return Ok(Subject::Deploy(token));
            }
            match tx.personal_token_for_refresh(&digest, service)? {
                Some(token) => credential_for(tx, token, None)?
                    .map(Subject::User)
                    .ok_or_else(unauthorized),
                None => Err(unauthorized()),
            }
        }
    }
}

/// The owning project of every requested repository, looked up once per name.
fn project_facts(
    tx: &mut dyn Reads,
    requested: &[ResourceScope],
) -> Result<HashMap<String, Option<ProjectFacts>>, StorageError> {
    let mut facts = HashMap::new();
    for scope in requested.iter().filter(|s| s.base_type() == "repository") {
        if !facts.contains_key(&scope.name) {
            let project = tx.project_for_repository(&scope.name)?;
            facts.insert(scope.name.clone(), project);
        }
    }
    Ok(facts)
}
