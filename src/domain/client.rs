//! Who the client is: the TCP peer, unless that peer is a trusted proxy, in which case the
//! `X-Forwarded-For` chain is followed from the right past trusted proxies only. A client can
//! put anything in that header, so entries left of the first untrusted hop are never read.

use ipnet::IpNet;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

/// The peers whose forwarding headers are believed (`trusted_proxies`): a CIDR list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Comma- or space-separated CIDRs or plain addresses (`10.0.0.0/8, ::1`); empty trusts
    /// no one.
    pub fn parse(text: &str) -> Result<TrustedProxies, String> {
        text.split([',', ' '])
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(|item| {
                item.parse::<IpNet>()
                    .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("{item:?} is not a CIDR such as 10.0.0.0/8 or ::1/128"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    /// Whether `addr` is one of the trusted proxies.
    pub fn contains(&self, addr: IpAddr) -> bool {
        let addr = canonical(addr);
        self.0.iter().any(|net| net.contains(&addr))
    }

    /// Whether no proxy is trusted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Display for TrustedProxies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let items: Vec<String> = self.0.iter().map(IpNet::to_string).collect();
        f.write_str(&items.join(","))
    }
}

/// The client's address: `peer` itself, or, when `peer` is trusted, the rightmost address of
/// `forwarded_for` (the `X-Forwarded-For` values in order) that is not a trusted proxy. An
/// entry that is not an address ends the walk at the last trusted hop, since whoever wrote
/// it cannot be told apart from the client.
pub fn client_address(peer: IpAddr, forwarded_for: &[&str], trusted: &TrustedProxies) -> IpAddr {
    let mut client = canonical(peer);
    if !trusted.contains(client) {
        return client;
    }
    let hops = forwarded_for.iter().flat_map(|value| value.split(','));
    let hops: Vec<&str> = hops.map(str::trim).collect();
    for hop in hops.iter().rev() {
        let Some(addr) = parse_hop(hop) else {
            return client;
        };
        client = addr;
        if !trusted.contains(addr) {
            return addr;
        }
    }
    client
}

/// One `X-Forwarded-For` entry: an address, optionally bracketed or with a port.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| {
            hop.strip_prefix('[')
                .and_then(|h| h.strip_suffix(']'))
                .and_then(|h| h.parse().ok())
        })
        .map(canonical)
}

/// IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`, what a dual-stack socket reports) as IPv4.
fn canonical(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

/// The unit failures are counted per: an IPv4 address, or an IPv6 /64 (one host usually
/// holds a whole /64, so counting single IPv6 addresses would let it pick a fresh one for
/// every attempt).
pub fn throttle_unit(addr: IpAddr) -> IpAddr {
    match canonical(addr) {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(Ipv6Addr::from(bits))
        }
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_peers() {
        let trusted = TrustedProxies::parse("10.0.0.0/8, ::1").unwrap();
        // (peer, X-Forwarded-For values, client)
        let table: &[(&str, &[&str], &str)] = &[
            // Untrusted peer: its header is ignored.
            ("203.0.113.9", &["198.51.100.1"], "203.0.113.9"),
            // Trusted peer: the hop it saw.
            ("10.0.0.2", &["198.51.100.1"], "198.51.100.1"),
            // A spoofed entry left of the real hop is never read.
            ("10.0.0.2", &["1.2.3.4, 198.51.100.1"], "198.51.100.1"),
            // Two trusted proxies in a row, across two header lines.
            (
                "10.0.0.2",
                &["1.2.3.4, 198.51.100.1", "10.9.9.9"],
                "198.51.100.1",
            ),
            // Only trusted hops: the leftmost.
            ("10.0.0.2", &["10.1.1.1, 10.2.2.2"], "10.1.1.1"),
            // No header: the proxy itself.
            ("10.0.0.2", &[], "10.0.0.2"),
            // Garbage stops the walk at the last trusted hop.
            ("10.0.0.2", &["198.51.100.1, unknown"], "10.0.0.2"),
            ("10.0.0.2", &["198.51.100.1, evil, 10.3.3.3"], "10.3.3.3"),
            // Ports and brackets, IPv6 peers, mapped addresses.
            ("10.0.0.2", &["198.51.100.1:4711"], "198.51.100.1"),
            ("::1", &["[2001:db8::5]"], "2001:db8::5"),
            ("::ffff:10.0.0.2", &["198.51.100.7"], "198.51.100.7"),
        ];
        for (peer, xff, want) in table {
            assert_eq!(
                client_address(ip(peer), xff, &trusted),
                ip(want),
                "{peer} {xff:?}"
            );
        }
    }

    #[test]
    fn nobody_is_trusted_by_default() {
        let none = TrustedProxies::default();
        assert!(none.is_empty());
        assert_eq!(
            client_address(ip("127.0.0.1"), &["198.51.100.1"], &none),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn parsing() {
        let t = TrustedProxies::parse("127.0.0.1 172.16.0.0/12,fd00::/8").unwrap();
        assert_eq!(t.to_string(), "127.0.0.1/32,172.16.0.0/12,fd00::/8");
        assert!(t.contains(ip("172.31.255.255")));
        assert!(!t.contains(ip("172.32.0.0")));
        for bad in ["10.0.0.0/33", "example.com", "10.0.0.0/8,nope"] {
            assert!(TrustedProxies::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ipv6_clients_are_counted_per_64() {
        assert_eq!(
            throttle_unit(ip("2001:db8:1:2:aaaa::1")),
            ip("2001:db8:1:2::")
        );
        assert_eq!(throttle_unit(ip("::ffff:1.2.3.4")), ip("1.2.3.4"));
        assert_eq!(throttle_unit(ip("1.2.3.4")), ip("1.2.3.4"));
    }
}
