//! Publishing the verification material of every published key of the ring: the certificate
//! bundle for distribution 2.8 (`rootcertbundle`) and a JWKS document for v3 (`jwks`), with
//! the same kids and keys as the files in the public keys directory.

use crate::app::registry_auth::TokenService;
use crate::jwt::public;
use actix_web::{HttpResponse, web};

/// `GET /jwt/certs.pem`: the PEM certificate bundle.
pub async fn certificates(service: web::Data<TokenService>) -> HttpResponse {
    let ring = service.issuer().ring().snapshot();
    HttpResponse::Ok()
        .content_type("application/x-pem-file")
        .body(public::bundle(ring.published()))
}

/// `GET /jwt/jwks.json`: the public keys as a JWK set.
pub async fn jwks(service: web::Data<TokenService>) -> HttpResponse {
    let ring = service.issuer().ring().snapshot();
    HttpResponse::Ok().json(public::jwks(ring.published()))
}
