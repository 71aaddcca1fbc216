//! Publishing the verification material: the certificate bundle for distribution 2.8
//! (`rootcertbundle`) and a JWKS document for v3 (`jwks`), with the same kid.

use crate::app::registry_auth::TokenService;
use actix_web::{HttpResponse, web};

/// `GET /jwt/certs.pem`: the PEM certificate bundle.
pub async fn certificates(service: web::Data<TokenService>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/x-pem-file")
        .body(service.issuer().key().certificate_pem().to_owned())
}

/// `GET /jwt/jwks.json`: the public key as a JWK set.
pub async fn jwks(service: web::Data<TokenService>) -> HttpResponse {
    HttpResponse::Ok().json(service.issuer().key().jwks())
}
