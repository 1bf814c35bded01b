//! The caller's address behind trusted reverse proxies.
//!
//! Each proxy appends the address it received the request from to the forwarding header, so
//! only the right-most entries are written by proxies we trust; anything to their left came from
//! the client and may be forged. With `hops` trusted proxies, the client is the `hops`-th entry
//! from the right. When fewer entries arrived, the left-most one is the best the proxies saw.

use actix_web::HttpRequest;
use actix_web::http::header::HeaderName;
use std::net::{IpAddr, SocketAddr};

/// Which forwarding header the trusted proxies write; the other one is ignored, so a client
/// cannot slip in a header the proxy passes through untouched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyHeader {
    XForwardedFor,
    Forwarded,
}

/// How to find the client: the peer itself, or behind `hops` trusted proxies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProxyTrust {
    pub hops: usize,
    pub header: ProxyHeader,
}

impl ProxyTrust {
    pub const NONE: ProxyTrust = ProxyTrust {
        hops: 0,
        header: ProxyHeader::XForwardedFor,
    };
}

/// The caller's address as a string (the rate-limit key); empty only when there is no peer.
pub fn client_ip(req: &HttpRequest, trust: ProxyTrust) -> String {
    let peer = req.peer_addr().map(|a| a.ip());
    let name = match trust.header {
        ProxyHeader::XForwardedFor => HeaderName::from_static("x-forwarded-for"),
        ProxyHeader::Forwarded => HeaderName::from_static("forwarded"),
    };
    let values: Vec<&str> = req
        .headers()
        .get_all(name)
        .filter_map(|v| v.to_str().ok())
        .collect();
    resolve(peer, trust, &values)
        .map(|ip| ip.to_string())
        .unwrap_or_default()
}

/// The client address from the peer and the raw values of the configured header (in order).
/// A malformed entry at the chosen position yields the peer: it is never guessed around.
pub fn resolve(peer: Option<IpAddr>, trust: ProxyTrust, values: &[&str]) -> Option<IpAddr> {
    if trust.hops == 0 {
        return peer;
    }
    let entries: Vec<&str> = values
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect();
    let Some(chosen) = entries
        .len()
        .checked_sub(trust.hops)
        .map_or(entries.first(), |i| entries.get(i))
    else {
        return peer;
    };
    let parsed = match trust.header {
        ProxyHeader::XForwardedFor => parse_node(chosen),
        ProxyHeader::Forwarded => forwarded_for(chosen).and_then(parse_node),
    };
    parsed.or(peer)
}

/// The `for=` parameter of one `Forwarded` element (RFC 7239), unquoted.
fn forwarded_for(element: &str) -> Option<&str> {
    element.split(';').find_map(|pair| {
        let (key, value) = pair.trim().split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("for")
            .then(|| value.trim().trim_matches('"'))
    })
}

/// An address as proxies write it: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1`, `[2001:db8::1]:80`.
fn parse_node(node: &str) -> Option<IpAddr> {
    let node = node.trim();
    node.parse::<IpAddr>()
        .ok()
        .or_else(|| node.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| {
            node.strip_prefix('[')
                .and_then(|rest| rest.strip_suffix(']'))
                .and_then(|ip| ip.parse().ok())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEER: &str = "10.0.0.9";

    fn xff(hops: usize, values: &[&str]) -> Option<String> {
        let trust = ProxyTrust {
            hops,
            header: ProxyHeader::XForwardedFor,
        };
        resolve(PEER.parse().ok(), trust, values).map(|ip| ip.to_string())
    }

    fn fwd(hops: usize, values: &[&str]) -> Option<String> {
        let trust = ProxyTrust {
            hops,
            header: ProxyHeader::Forwarded,
        };
        resolve(PEER.parse().ok(), trust, values).map(|ip| ip.to_string())
    }

    #[test]
    fn without_trust_the_peer_is_the_client() {
        assert_eq!(xff(0, &["1.1.1.1"]).as_deref(), Some(PEER));
        assert_eq!(fwd(0, &["for=1.1.1.1"]).as_deref(), Some(PEER));
    }

    #[test]
    fn the_hops_th_entry_from_the_right_is_the_client() {
        let chain = ["6.6.6.6, 1.1.1.1, 2.2.2.2, 3.3.3.3"];
        assert_eq!(xff(1, &chain).as_deref(), Some("3.3.3.3"));
        assert_eq!(xff(2, &chain).as_deref(), Some("2.2.2.2"));
        assert_eq!(xff(3, &chain).as_deref(), Some("1.1.1.1"));
        // Headers repeated are one list, in order.
        assert_eq!(
            xff(2, &["6.6.6.6", "1.1.1.1, 2.2.2.2"]).as_deref(),
            Some("1.1.1.1")
        );
    }

    #[test]
    fn a_forged_left_most_entry_is_never_taken() {
        for forged in ["203.0.113.7", "203.0.113.7, 198.51.100.1, 192.0.2.5"] {
            let value = format!("{forged}, 8.8.8.8");
            assert_eq!(xff(1, &[&value]).as_deref(), Some("8.8.8.8"), "{value}");
        }
    }

    #[test]
    fn fewer_entries_than_hops_take_the_left_most() {
        assert_eq!(xff(3, &["1.1.1.1, 2.2.2.2"]).as_deref(), Some("1.1.1.1"));
    }

    #[test]
    fn missing_or_malformed_entries_fall_back_to_the_peer() {
        for values in [&[][..], &[""], &[" , "], &["1.1.1.1, not-an-ip"], &["999.1.1.1"]] {
            assert_eq!(xff(1, values).as_deref(), Some(PEER), "{values:?}");
        }
        // A bad entry left of the chosen one does not matter.
        assert_eq!(xff(1, &["garbage, 4.4.4.4"]).as_deref(), Some("4.4.4.4"));
    }

    #[test]
    fn ports_and_ipv6_are_understood() {
        assert_eq!(xff(1, &["5.5.5.5:4711"]).as_deref(), Some("5.5.5.5"));
        assert_eq!(xff(1, &["2001:db8::1"]).as_deref(), Some("2001:db8::1"));
        assert_eq!(xff(1, &["[2001:db8::1]:80"]).as_deref(), Some("2001:db8::1"));
        assert_eq!(xff(1, &["[2001:db8::1]"]).as_deref(), Some("2001:db8::1"));
    }

    #[test]
    fn forwarded_elements_are_read_like_x_forwarded_for() {
        let chain = [r#"for=6.6.6.6, for=1.1.1.1;proto=https, For="[2001:db8:cafe::17]:4711";by=10.0.0.1"#];
        assert_eq!(fwd(1, &chain).as_deref(), Some("2001:db8:cafe::17"));
        assert_eq!(fwd(2, &chain).as_deref(), Some("1.1.1.1"));
        assert_eq!(
            fwd(1, &["for=6.6.6.6", "proto=http;for=7.7.7.7"]).as_deref(),
            Some("7.7.7.7")
        );
        // Obfuscated, unknown or absent `for` at the chosen element: the peer.
        for bad in [
            "for=unknown",
            "for=_hidden",
            "proto=https",
            "for=6.6.6.6, by=1.2.3.4",
        ] {
            assert_eq!(fwd(1, &[bad]).as_deref(), Some(PEER), "{bad}");
        }
    }
}
