//! The forward-auth use case: read the proxied request, find its project, authenticate the
//! caller the same way the token endpoint does, and let the domain decide.

use super::App;
use super::registry_auth::{AuthError, Credentials, Subject, authenticate, note_expired};
use crate::domain::authz::Refusal;
use crate::domain::forward::{Allowed, HeaderFamily, ProjectKey, Route, Target, decide, targets};
use crate::domain::namespace::ProjectFacts;
use crate::storage::{Reads, StorageError};
use std::sync::Arc;

/// What the proxy told us about the request it holds.
pub struct ForwardRequest {
    /// The original method (from the trusted [`HeaderFamily`]).
    pub method: String,
    /// The original URI, path and query (from the trusted [`HeaderFamily`]).
    pub uri: String,
    /// The request's Basic credentials, if any.
    pub credentials: Credentials,
    /// The client's address, for the audit trail.
    pub client: Option<std::net::IpAddr>,
}

/// A request that may pass, and what it was judged as.
#[derive(Debug)]
pub struct ForwardGrant {
    /// The decision.
    pub allowed: Allowed,
    /// The project's full path.
    pub project: String,
}

/// The decision, and the deploy token that authenticated, whatever the decision (custom
/// usernames may repeat, so answers and logs name the token by id).
#[derive(Debug)]
pub struct ForwardAnswer {
    /// The deploy token's id, when the caller authenticated as one.
    pub token_id: Option<i64>,
    /// Pass, or why not.
    pub outcome: Result<ForwardGrant, ForwardError>,
}

/// Why a request may not pass, or could not be judged.
#[derive(Debug, thiserror::Error)]
pub enum ForwardError {
    /// The original URI is unusable: 400 (a proxy misconfiguration, not a client's fault).
    #[error("{0}")]
    BadRequest(String),
    /// Missing or bad credentials: 401, so that git and pip ask for them.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// Good credentials (or none) that may not do this: 403, saying why.
    #[error("{0}")]
    Denied(String),
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<Refusal> for ForwardError {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::Unauthorized(m) => ForwardError::Unauthorized(m),
            Refusal::Denied(m) => ForwardError::Denied(m),
        }
    }
}

/// Message for a URI that no route reads as a project.
pub const NO_ROUTE: &str = "this URI names no project on any forward-auth route";

/// Answers forward-auth requests for the configured routes.
#[derive(Clone)]
pub struct ForwardAuth {
    app: App,
    routes: Arc<Vec<Route>>,
    external_authorization: bool,
    headers: HeaderFamily,
}

impl ForwardAuth {
    /// Guard `routes`; with `external_authorization`, deploy tokens are refused on all of them.
    /// The original request is read from nginx's headers unless [`ForwardAuth::with_headers`]
    /// says otherwise.
    pub fn new(app: App, routes: Vec<Route>, external_authorization: bool) -> ForwardAuth {
        ForwardAuth {
            app,
            routes: Arc::new(routes),
            external_authorization,
            headers: HeaderFamily::default(),
        }
    }

    /// Trust `headers`, the family the proxy in front sets, for the original request.
    pub fn with_headers(mut self, headers: HeaderFamily) -> ForwardAuth {
        self.headers = headers;
        self
    }

    /// The header family trusted for the original request.
    pub fn headers(&self) -> HeaderFamily {
        self.headers
    }

    /// Decide whether the proxied request may pass.
    pub fn check(&self, req: &ForwardRequest) -> ForwardAnswer {
        let mut token_id = None;
        let outcome = self.judge(req, &mut token_id);
        ForwardAnswer { token_id, outcome }
    }

    /// [`ForwardAuth::check`]; `token_id` is set as soon as a deploy token authenticates.
    fn judge(
        &self,
        req: &ForwardRequest,
        token_id: &mut Option<i64>,
    ) -> Result<ForwardGrant, ForwardError> {
        let readings = targets(&self.routes, &req.method, &req.uri)
            .map_err(|e| ForwardError::BadRequest(e.to_string()))?;
        let Some(first) = readings.first() else {
            return Err(ForwardError::Denied(NO_ROUTE.into()));
        };
        let now = self.app.now();
        // Both lookups in one read transaction, as on the token path.
        let (subject, resolved) = self.app.store().read(|tx| {
            let subject = authenticate(tx, &req.credentials, "").map_err(|e| match e {
                AuthError::Storage(e) => ForwardError::Storage(e),
                other => ForwardError::Unauthorized(unauthorized_message(&other)),
            })?;
            Ok::<_, ForwardError>((subject, resolve(tx, &readings)?))
        })?;
        let (target, project) = match resolved {
            Some((target, facts)) => (target, Some(facts)),
            None => (first, None),
        };
        if let Subject::Deploy(token) = &subject {
            *token_id = Some(token.id);
        }
        note_expired(&self.app, &subject, req.client, now);
        let credential = subject.credential();
        let allowed = decide(
            target.operation,
            credential,
            project.as_ref(),
            &target.project,
            self.external_authorization,
            now,
        )?;
        if let Some(used) = subject.used_token() {
            self.app.note_use(used);
        }
        Ok(ForwardGrant {
            allowed,
            project: project.map(|p| p.path).unwrap_or_default(),
        })
    }
}

/// `authenticate` only refuses with a fixed 401 message; keep it.
fn unauthorized_message(e: &AuthError) -> &'static str {
    match e {
        AuthError::Unauthorized(m) => m,
        _ => crate::domain::authz::BAD_CREDENTIALS,
    }
}

/// The first reading that names an existing project.
fn resolve<'t>(
    tx: &mut dyn Reads,
    readings: &'t [Target],
) -> Result<Option<(&'t Target, ProjectFacts)>, StorageError> {
    for target in readings {
        let project = match &target.project {
            ProjectKey::Path(path) => tx.project_by_path(path)?,
            ProjectKey::Id(id) => tx.project_by_id(*id)?,
        };
        if let Some(p) = project {
            return Ok(Some((target, p.facts())));
        }
    }
    Ok(None)
}
