//! The access log: one line per token and forward-auth request, refusals included, written
//! here and only here, and counted in the metrics by the same call so the log and the
//! counters cannot disagree. Lines go to the `regauth::access` target. They name the
//! credential by kind, username and token id, never by secret; the client address is
//! whatever the caller passes (the trusted-proxy-aware address where that is known).

use super::metrics::{ForwardLabels, Metrics, TokenLabels};
use crate::app::registry_auth::Credentials;
use crate::app::users::is_personal_token;
use actix_web::{HttpRequest, web};
use std::net::IpAddr;

/// How a request ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A token was issued covering something asked for (or nothing was asked for: a login),
    /// or forward auth let the request through.
    Granted,
    /// Good credentials (or none) that may not do this: a 403, or a 200 whose token grants
    /// none of the scopes asked for (the registry then refuses the client).
    Denied,
    /// Missing or bad credentials: 401.
    Unauthorized,
    /// Too many failed logins from this client: 429.
    Throttled,
    /// A malformed request (bad scope, unknown service, unusable URI): 4xx.
    Invalid,
    /// The service failed (the database): 5xx.
    Error,
}

impl Outcome {
    /// The label value: `issued` or `allowed` for [`Outcome::Granted`], else one word.
    fn label(self, granted: &'static str) -> &'static str {
        match self {
            Outcome::Granted => granted,
            Outcome::Denied => "denied",
            Outcome::Unauthorized => "unauthorized",
            Outcome::Throttled => "throttled",
            Outcome::Invalid => "invalid",
            Outcome::Error => "error",
        }
    }

    /// The outcome of an answer with this status (for answers that granted nothing).
    pub fn of_status(status: u16) -> Outcome {
        match status {
            401 => Outcome::Unauthorized,
            403 => Outcome::Denied,
            429 => Outcome::Throttled,
            400..=499 => Outcome::Invalid,
            _ => Outcome::Error,
        }
    }
}

/// The credential kind of a request without credentials.
pub const ANONYMOUS: &str = "anonymous";

/// The credential kind of an `Authorization` header that does not parse.
pub const MALFORMED: &str = "malformed";

/// The kind of credential presented, as logs and metrics name it, before (or without)
/// knowing whose it is: personal access tokens are told apart by their prefix.
pub fn credential_kind(credentials: &Credentials) -> &'static str {
    match credentials {
        Credentials::None => ANONYMOUS,
        Credentials::Password { secret, .. } if is_personal_token(secret) => {
            "personal_access_token"
        }
        Credentials::Password { .. } => "deploy_token",
        Credentials::RefreshToken(_) => "refresh_token",
    }
}

/// The client's address: the TCP peer, or what a trusted proxy says it saw (see
/// [`super::client`]); the unspecified address for in-process test requests.
pub fn peer(req: &HttpRequest) -> IpAddr {
    super::client::client_addr(req)
}

/// One token request at `/jwt/auth`.
pub struct TokenLine<'a> {
    /// The client's address.
    pub client: IpAddr,
    /// `GET` or `POST`.
    pub method: &'a str,
    /// The `service` asked for.
    pub service: &'a str,
    /// Whether `service` is one this server issues for (else the metric says `unknown`).
    pub known_service: bool,
    /// [`credential_kind`], or the kind of the credential that matched.
    pub credential: &'static str,
    /// The username given, or the matched credential's.
    pub username: &'a str,
    /// The matched token's id.
    pub token_id: Option<i64>,
    /// The scopes asked for, space-separated.
    pub requested: &'a str,
    /// The scopes granted, space-separated.
    pub granted: &'a str,
    /// The issued token's `jti`.
    pub jti: Option<&'a str>,
    /// How it ended.
    pub outcome: Outcome,
    /// The HTTP status answered.
    pub status: u16,
    /// Why it was refused (empty when granted).
    pub reason: &'a str,
}

/// Log and count one token request.
pub fn token(req: &HttpRequest, line: &TokenLine<'_>) {
    count_token(req, line);
    log_token(line);
}

/// Count a token request without a line of its own: for failed logins, which the login
/// throttle logs summarised, one line per client and window.
pub fn count_token(req: &HttpRequest, line: &TokenLine<'_>) {
    if let Some(metrics) = metrics(req) {
        metrics.token_request(TokenLabels {
            service: if line.known_service {
                line.service.to_owned()
            } else {
                "unknown".to_owned()
            },
            outcome: line.outcome.label("issued"),
            credential: line.credential,
        });
    }
}

fn log_token(line: &TokenLine<'_>) {
    // Text fields are recorded as strings, so the text format quotes and escapes them and
    // a client cannot forge a line with a newline in a scope or username.
    macro_rules! line {
        ($message:literal) => {
            tracing::info!(
                target: "regauth::access",
                client = %line.client,
                method = line.method,
                service = line.service,
                credential = line.credential,
                // The kind of the credential that matched, as before `credential` existed.
                token_type = line.token_id.map(|_| line.credential),
                username = line.username,
                token_id = line.token_id,
                requested = line.requested,
                granted = line.granted,
                jti = line.jti,
                outcome = line.outcome.label("issued"),
                status = line.status,
                reason = line.reason,
                $message
            )
        };
    }
    match line.outcome {
        Outcome::Granted => line!("token issued"),
        _ => line!("token refused"),
    }
}

/// One forward-auth request at `/auth/forward`.
pub struct ForwardLine<'a> {
    /// The client's address (the proxy's, or the one it forwarded for when trusted).
    pub client: IpAddr,
    /// The original method.
    pub method: &'a str,
    /// The original path (never the query: it may hold `private_token=`).
    pub path: &'a str,
    /// [`credential_kind`].
    pub credential: &'static str,
    /// The username given.
    pub username: &'a str,
    /// The deploy token that authenticated.
    pub token_id: Option<i64>,
    /// The project judged against (empty when none was found).
    pub project: &'a str,
    /// What was let through (`clone or fetch`, …), empty when refused.
    pub granted: &'a str,
    /// How it ended.
    pub outcome: Outcome,
    /// The HTTP status answered.
    pub status: u16,
    /// Why it was refused (empty when allowed).
    pub reason: &'a str,
}

/// Log and count one forward-auth decision.
pub fn forward(req: &HttpRequest, line: &ForwardLine<'_>) {
    count_forward(req, line);
    tracing::info!(
        target: "regauth::access",
        client = %line.client,
        method = line.method,
        path = line.path,
        credential = line.credential,
        username = line.username,
        token_id = line.token_id,
        project = line.project,
        granted = line.granted,
        outcome = line.outcome.label("allowed"),
        status = line.status,
        reason = line.reason,
        "forward auth"
    );
}

/// Count a forward-auth decision without a line of its own (see [`count_token`]).
pub fn count_forward(req: &HttpRequest, line: &ForwardLine<'_>) {
    if let Some(metrics) = metrics(req) {
        metrics.forward_decision(ForwardLabels {
            decision: line.outcome.label("allowed"),
            credential: line.credential,
        });
    }
}

/// A write through the management API, once answered.
pub struct ApiWrite<'a> {
    /// The client's address.
    pub client: IpAddr,
    /// The method.
    pub method: &'a str,
    /// The path (never the query: it may hold `private_token=`).
    pub path: &'a str,
    /// Who acted, when they authenticated.
    pub actor: Option<&'a Actor>,
    /// The HTTP status answered.
    pub status: u16,
}

/// Who acted through the management API, recorded by the authentication step.
#[derive(Clone, Debug)]
pub struct Actor {
    /// The user's id.
    pub user_id: i64,
    /// The user's name.
    pub username: String,
}

/// Log one management API write.
pub fn api_write(write: &ApiWrite<'_>) {
    tracing::info!(
        target: "regauth::access",
        client = %write.client,
        method = write.method,
        path = write.path,
        user_id = write.actor.map(|a| a.user_id),
        username = write.actor.map_or("", |a| a.username.as_str()),
        status = write.status,
        "api write"
    );
}

fn metrics(req: &HttpRequest) -> Option<&Metrics> {
    req.app_data::<web::Data<Metrics>>().map(|m| m.get_ref())
}
