//! The middleware around every request: latency per route pattern, database failures, and
//! one line per management API write (whoever made it, whatever the answer).

use super::access_log::{self, Actor, ApiWrite};
use super::error::DatabaseFailure;
use super::metrics::{EndpointLabels, Metrics, method_label};
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, web};
use std::time::Instant;

/// Label of requests no route matched (the raw path never becomes a label).
const UNMATCHED: &str = "unmatched";

/// Time the request, count a database failure, log an API write.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let endpoint = req.match_pattern().unwrap_or_else(|| UNMATCHED.to_owned());
    let method = req.method().clone();
    let write = is_api_write(&method, req.path()).then(|| req.path().to_owned());
    let client = access_log::peer(req.request());
    let res = next.call(req).await?;
    if let Some(metrics) = &metrics {
        let labels = EndpointLabels {
            endpoint,
            method: method_label(&method),
        };
        metrics.observe_latency(labels, started.elapsed().as_secs_f64());
        if res
            .response()
            .extensions()
            .get::<DatabaseFailure>()
            .is_some()
        {
            metrics.database_error();
        }
    }
    if let Some(path) = write {
        let extensions = res.request().extensions();
        access_log::api_write(&ApiWrite {
            client,
            method: method.as_str(),
            path: &path,
            actor: extensions.get::<Actor>(),
            status: res.status().as_u16(),
        });
    }
    Ok(res)
}

/// Anything under `/api/v4` but a read.
fn is_api_write(method: &Method, path: &str) -> bool {
    let api = path == "/api/v4" || path.starts_with("/api/v4/");
    api && ![Method::GET, Method::HEAD, Method::OPTIONS].contains(method)
}
