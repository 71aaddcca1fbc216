//! Prometheus metrics, one registry per server: counters the access log feeds, latency per
//! route pattern, and gauges read from the key ring when scraped. Every label value comes
//! from a short fixed list or from configuration, never from raw client input, so a client
//! cannot grow the series count.

use crate::app::registry_auth::TokenService;
use crate::jwt::state::RingState;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{HttpResponse, web};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::{Registry, Unit};

/// The content type of the OpenMetrics text format, which prometheus-client writes and
/// Prometheus reads (its `# EOF`, `# UNIT` and `info` lines are not in the older 0.0.4 format).
const TEXT_FORMAT: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Labels of a token request.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TokenLabels {
    /// A configured service name, or `unknown`.
    pub service: String,
    /// `issued`, `denied`, `unauthorized`, `throttled`, `invalid` or `error`.
    pub outcome: &'static str,
    /// `deploy_token`, `personal_access_token`, `refresh_token`, `anonymous` or `malformed`
    /// (an `Authorization` header that does not parse).
    pub credential: &'static str,
}

/// Labels of a forward-auth decision.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ForwardLabels {
    /// `allowed`, `denied`, `unauthorized`, `throttled`, `invalid` or `error`.
    pub decision: &'static str,
    /// As for [`TokenLabels::credential`].
    pub credential: &'static str,
}

/// Labels of a request's latency.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct EndpointLabels {
    /// The route pattern (`/api/v4/projects/{id}`), or `unmatched`.
    pub endpoint: String,
    /// A standard method, or `OTHER`.
    pub method: &'static str,
}

/// Labels of one published signing key.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KeyLabels {
    kid: String,
    algorithm: String,
    active: bool,
}

/// The server's metrics.
pub struct Metrics {
    registry: Registry,
    tokens: Family<TokenLabels, Counter>,
    forward: Family<ForwardLabels, Counter>,
    latency: Family<EndpointLabels, Histogram>,
    database_errors: Counter,
    keys: Family<KeyLabels, Gauge>,
    published: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// Fresh metrics with every family registered and the build info set.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("regauth");
        let (tokens, forward) = (Family::default(), Family::default());
        registry.register(
            "token_requests",
            "Token requests at /jwt/auth by service, outcome and credential kind",
            tokens.clone(),
        );
        registry.register(
            "forward_auth_decisions",
            "Forward-auth decisions by decision and credential kind",
            forward.clone(),
        );
        // 0.5 ms to about 4 s: token requests take well under a millisecond when the
        // database is warm, a stuck database shows in the top buckets.
        let latency = Family::<EndpointLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.0005, 2.0, 14))
        });
        registry.register_with_unit(
            "http_request_duration",
            "HTTP request latency by route pattern and method",
            Unit::Seconds,
            latency.clone(),
        );
        let database_errors = Counter::default();
        registry.register(
            "database_errors",
            "Requests that failed because the database did",
            database_errors.clone(),
        );
        let (keys, published) = register_ring(&mut registry);
        registry.register(
            "build",
            "The running regauth build",
            Info::new(vec![("version", env!("CARGO_PKG_VERSION"))]),
        );
        Metrics {
            registry,
            tokens,
            forward,
            latency,
            database_errors,
            keys,
            published,
        }
    }

    /// Count one token request.
    pub fn token_request(&self, labels: TokenLabels) {
        self.tokens.get_or_create(&labels).inc();
    }

    /// Count one forward-auth decision.
    pub fn forward_decision(&self, labels: ForwardLabels) {
        self.forward.get_or_create(&labels).inc();
    }

    /// Record how long one request took.
    pub fn observe_latency(&self, labels: EndpointLabels, seconds: f64) {
        self.latency.get_or_create(&labels).observe(seconds);
    }

    /// Count one request that failed on the database.
    pub fn database_error(&self) {
        self.database_errors.inc();
    }

    /// Show the key ring as it is now (called on every scrape).
    pub fn set_key_ring(&self, ring: &RingState) {
        self.keys.clear();
        for key in &ring.published {
            let labels = KeyLabels {
                kid: key.kid.clone(),
                algorithm: key.algorithm.to_string(),
                active: key.kid == ring.active_kid,
            };
            self.keys.get_or_create(&labels).set(1);
        }
        self.published
            .set(i64::try_from(ring.published.len()).unwrap_or(i64::MAX));
    }

    /// Everything in the Prometheus text format.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

/// The key ring's gauges, set on every scrape.
fn register_ring(registry: &mut Registry) -> (Family<KeyLabels, Gauge>, Gauge) {
    let published = Gauge::default();
    registry.register(
        "signing_keys_published",
        "Signing keys published in certs.pem and jwks.json",
        published.clone(),
    );
    let keys = Family::<KeyLabels, Gauge>::default();
    registry.register(
        "signing_key",
        "1 for every published signing key; active=\"true\" marks the one that signs",
        keys.clone(),
    );
    (keys, published)
}

/// A method as a label value: the standard ones, else `OTHER` (forward auth takes any).
pub fn method_label(method: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method;
    const KNOWN: [(Method, &str); 9] = [
        (Method::GET, "GET"),
        (Method::HEAD, "HEAD"),
        (Method::POST, "POST"),
        (Method::PUT, "PUT"),
        (Method::PATCH, "PATCH"),
        (Method::DELETE, "DELETE"),
        (Method::OPTIONS, "OPTIONS"),
        (Method::CONNECT, "CONNECT"),
        (Method::TRACE, "TRACE"),
    ];
    KNOWN
        .iter()
        .find(|(m, _)| m == method)
        .map_or("OTHER", |(_, name)| name)
}

/// `GET /metrics`.
pub async fn scrape(metrics: web::Data<Metrics>, service: web::Data<TokenService>) -> HttpResponse {
    metrics.set_key_ring(&service.issuer().ring_state());
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, TEXT_FORMAT))
        .body(metrics.encode())
}
