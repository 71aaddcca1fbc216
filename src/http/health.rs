//! Liveness and readiness. `/healthz` (GET or HEAD) says the process answers and touches
//! nothing; `/readyz` says whether a token could be issued now: the database answers (and its
//! file is still there) and the signing key is in place. 503 names what is wrong.

use crate::app::registry_auth::TokenService;
use crate::jwt::keys::{CERT_FILE, KEY_FILE};
use crate::jwt::manifest::MANIFEST_FILE;
use crate::storage::health;
use actix_web::http::header::CACHE_CONTROL;
use actix_web::{HttpResponse, web};
use serde_json::json;
use std::path::PathBuf;

/// What `/readyz` looks at on disk besides the pool (unset: only what is in memory).
#[derive(Clone, Debug, Default)]
pub struct Readiness {
    /// The database file.
    pub database: Option<PathBuf>,
    /// The directory holding the signing key and certificate.
    pub keys_dir: Option<PathBuf>,
}

/// Liveness: answers without touching the database (the benchmark's HTTP floor). HEAD gets
/// the same status and headers without the body.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// `GET /readyz`: 200 `{"status":"ready","checks":{…}}`, or 503 with `"unavailable"` and the
/// failing checks' reasons.
pub async fn readyz(
    service: web::Data<TokenService>,
    readiness: Option<web::Data<Readiness>>,
) -> HttpResponse {
    let readiness = readiness.map(|r| r.get_ref().clone()).unwrap_or_default();
    let service = service.into_inner();
    // The checks touch the database and the disk: the blocking pool, never the worker.
    let checks = web::block(move || {
        (
            database(&service, &readiness),
            signing_key(&service, &readiness),
        )
    })
    .await;
    let (database, key) = checks.unwrap_or_else(|e| (Err(e.to_string()), Err(e.to_string())));
    let ready = database.is_ok() && key.is_ok();
    let text = |r: Result<(), String>| r.err().unwrap_or_else(|| "ok".to_owned());
    let body = json!({
        "status": if ready { "ready" } else { "unavailable" },
        "checks": { "database": text(database), "signing_key": text(key) },
    });
    let mut res = if ready {
        HttpResponse::Ok()
    } else {
        HttpResponse::ServiceUnavailable()
    };
    res.insert_header((CACHE_CONTROL, "no-store")).json(body)
}

fn database(service: &TokenService, readiness: &Readiness) -> Result<(), String> {
    health::ping(service.app().store()).map_err(|e| e.to_string())?;
    if let Some(path) = &readiness.database {
        if !path.is_file() {
            return Err(format!("database file {} is missing", path.display()));
        }
        health::check_file(path).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

/// The active key in memory signs, and the files of the ring are still there: without them a
/// restart would make a new key that the registry does not trust.
fn signing_key(service: &TokenService, readiness: &Readiness) -> Result<(), String> {
    let snapshot = service.issuer().ring().snapshot();
    let key = snapshot.signer(time::OffsetDateTime::now_utc());
    if key.sign(b"readiness").is_empty() {
        return Err("the signing key made an empty signature".into());
    }
    if let Some(dir) = &readiness.keys_dir {
        let entry = snapshot.manifest().keys.iter().find(|e| e.kid == key.kid());
        let files = match entry {
            Some(e) => vec![MANIFEST_FILE, e.key_file.as_str(), e.cert_file.as_str()],
            None => vec![KEY_FILE, CERT_FILE],
        };
        for name in files {
            let path = dir.join(name);
            if !path.is_file() {
                return Err(format!("{} is missing", path.display()));
            }
        }
    }
    Ok(())
}
