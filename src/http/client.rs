//! The client address of a request, for logs and the login throttle: the TCP peer, or what
//! a trusted proxy says in `X-Forwarded-For` (see [`crate::domain::client`]). `Host`,
//! `Forwarded` and the other `X-Forwarded-*` headers are never read for anything.

use crate::domain::client::{TrustedProxies, client_address};
use actix_web::{HttpRequest, web};
use std::net::{IpAddr, Ipv4Addr};

/// The client's address (the unspecified address for a request with no peer, which only
/// in-process test requests have).
pub fn client_addr(req: &HttpRequest) -> IpAddr {
    let peer = req
        .peer_addr()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |a| a.ip());
    let Some(trusted) = req.app_data::<web::Data<TrustedProxies>>() else {
        return peer;
    };
    if !trusted.contains(peer) {
        return peer;
    }
    let values: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        // A value that is not text is garbage like any other: it ends the walk there.
        .map(|v| v.to_str().unwrap_or("?"))
        .collect();
    client_address(peer, &values, trusted)
}
