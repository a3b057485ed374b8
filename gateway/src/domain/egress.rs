//! Where entity calls may go. A configuration's `base_url` is chosen by a tenant, so without a
//! policy the gateway would connect, on any tenant's behalf, to its own loopback services, the
//! cloud metadata endpoint (`169.254.169.254`), the private network behind it, or multicast
//! groups. By default only public unicast addresses are reached; `fetch.egress_allow` lists the
//! networks allowed besides them (the development stack allows loopback for its mock provider).
//!
//! The policy judges IP addresses, never names: the fetcher applies it to the very addresses a
//! name resolved to, just before connecting to them, so a name that resolves to a public
//! address at registration and to a private one later (DNS rebinding) is refused all the same.
//! Addresses that embed an IPv4 address (IPv4-mapped, NAT64, 6to4) are judged by the address
//! they embed.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::str::FromStr;

/// A network in CIDR notation (`10.1.0.0/16`, `::1/128`); a bare address is a network of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    addr: IpAddr,
    prefix: u8,
}

impl Network {
    fn bits(ip: IpAddr) -> (u128, u8) {
        match ip {
            IpAddr::V4(v4) => (u128::from(u32::from(v4)), 32),
            IpAddr::V6(v6) => (u128::from(v6), 128),
        }
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let (net, width) = Self::bits(self.addr);
        let (candidate, candidate_width) = Self::bits(ip);
        if width != candidate_width {
            return false;
        }
        let shift = u32::from(width - self.prefix);
        // A /0 keeps no bits: every address of the family.
        let keep = |v: u128| v.checked_shr(shift).unwrap_or(0);
        keep(net) == keep(candidate)
    }
}

impl FromStr for Network {
    type Err = String;

    fn from_str(s: &str) -> Result<Network, String> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr
            .trim()
            .parse()
            .map_err(|_| format!("{s:?} is not an IP address or a network like 10.0.0.0/8"))?;
        let width = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => width,
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= width)
                .ok_or_else(|| format!("{s:?}: the prefix length must be 0..={width}"))?,
        };
        let network = Network { addr, prefix };
        // `10.1.2.3/8` most likely means a typo: refuse host bits rather than guess.
        let (bits, _) = Self::bits(addr);
        let host_bits = u32::from(width - prefix);
        if host_bits < 128 && bits & ((1u128 << host_bits) - 1) != 0 {
            return Err(format!("{s:?} has bits set past its prefix length"));
        }
        Ok(network)
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

impl Serialize for Network {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Network {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Network, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The addresses entity calls may reach: public unicast ones, and the allowed networks.
#[derive(Debug, Clone, Default)]
pub struct EgressPolicy {
    allow: Vec<Network>,
}

impl EgressPolicy {
    pub fn new(allow: Vec<Network>) -> EgressPolicy {
        EgressPolicy { allow }
    }

    /// Whether a connection to `ip` is allowed.
    pub fn permits(&self, ip: IpAddr) -> bool {
        let judged = embedded_v4(ip).map_or(ip, IpAddr::V4);
        is_public(judged)
            || self
                .allow
                .iter()
                .any(|n| n.contains(ip) || n.contains(judged))
    }
}

/// The IPv4 address an IPv6 address stands for: IPv4-mapped (`::ffff:a.b.c.d`), NAT64's
/// well-known prefix (`64:ff9b::/96`) and 6to4 (`2002:AABB:CCDD::/48`).
fn embedded_v4(ip: IpAddr) -> Option<Ipv4Addr> {
    let IpAddr::V6(v6) = ip else { return None };
    if let Some(v4) = v6.to_ipv4_mapped() {
        return Some(v4);
    }
    let s = v6.segments();
    let low = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return Some(low);
    }
    if s[0] == 0x2002 {
        return Some(Ipv4Addr::new(
            (s[1] >> 8) as u8,
            s[1] as u8,
            (s[2] >> 8) as u8,
            s[2] as u8,
        ));
    }
    None
}

/// IPv4 networks that are not public unicast (IANA special-purpose registry): this host,
/// private, shared (CGNAT), loopback, link-local (cloud metadata), IETF protocol assignments,
/// documentation, 6to4 relay, benchmarking, multicast, reserved and broadcast.
const NOT_PUBLIC_V4: [(u32, u8); 15] = [
    (0x0000_0000, 8),  // 0.0.0.0/8
    (0x0a00_0000, 8),  // 10.0.0.0/8
    (0x6440_0000, 10), // 100.64.0.0/10
    (0x7f00_0000, 8),  // 127.0.0.0/8
    (0xa9fe_0000, 16), // 169.254.0.0/16
    (0xac10_0000, 12), // 172.16.0.0/12
    (0xc000_0000, 24), // 192.0.0.0/24
    (0xc000_0200, 24), // 192.0.2.0/24
    (0xc058_6300, 24), // 192.88.99.0/24
    (0xc0a8_0000, 16), // 192.168.0.0/16
    (0xc612_0000, 15), // 198.18.0.0/15
    (0xc633_6400, 24), // 198.51.100.0/24
    (0xcb00_7100, 24), // 203.0.113.0/24
    (0xe000_0000, 4),  // 224.0.0.0/4 multicast
    (0xf000_0000, 4),  // 240.0.0.0/4 reserved, broadcast
];

/// IPv6 networks inside global unicast (2000::/3) that are not public: IETF protocol
/// assignments (Teredo, benchmarking, ORCHID), documentation; 6to4 is judged by its IPv4.
const NOT_PUBLIC_V6: [(u128, u8); 3] = [
    (0x2001_0000 << 96, 23), // 2001::/23
    (0x2001_0db8 << 96, 32), // 2001:db8::/32
    (0x3fff_0000 << 96, 20), // 3fff::/20
];

fn in_net(bits: u128, width: u8, net: u128, prefix: u8) -> bool {
    let shift = u32::from(width - prefix);
    bits.checked_shr(shift).unwrap_or(0) == net.checked_shr(shift).unwrap_or(0)
}

/// Public unicast: what the internet routes to someone else's host.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let bits = u128::from(u32::from(v4));
            !NOT_PUBLIC_V4
                .iter()
                .any(|(net, prefix)| in_net(bits, 32, u128::from(*net), *prefix))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = embedded_v4(IpAddr::V6(v6)) {
                return is_public(IpAddr::V4(v4));
            }
            let bits = u128::from(v6);
            // Outside 2000::/3 nothing is global unicast: loopback, unspecified, unique local
            // (fc00::/7, e.g. fd00:ec2::254), link-local (fe80::/10), multicast (ff00::/8)…
            in_net(bits, 128, 0x2000 << 112, 3)
                && !NOT_PUBLIC_V6
                    .iter()
                    .any(|(net, prefix)| in_net(bits, 128, *net, *prefix))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn only_public_unicast_is_reached_by_default() {
        let policy = EgressPolicy::default();
        for refused in [
            "127.0.0.1",
            "127.1.2.3",
            "0.0.0.0",
            "10.0.0.1",
            "100.64.0.1",
            "169.254.169.254",
            "169.254.170.2",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.170",
            "192.168.1.1",
            "198.18.0.1",
            "224.0.0.1",
            "239.255.255.250",
            "255.255.255.255",
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
            "2002:a9fe:a9fe::1",
            "2002:7f00:1::",
            "fe80::1",
            "fd00:ec2::254",
            "fc00::1",
            "ff02::1",
            "2001:db8::1",
            "2001::1",
            "::127.0.0.1",
        ] {
            assert!(!policy.permits(ip(refused)), "{refused} must be refused");
        }
        for allowed in [
            "93.184.215.14",
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "2a00:1450:4002::64",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
        ] {
            assert!(policy.permits(ip(allowed)), "{allowed} must be allowed");
        }
    }

    #[test]
    fn the_allow_list_opens_exactly_its_networks() {
        let policy = EgressPolicy::new(vec![
            "127.0.0.0/8".parse().unwrap(),
            "fd00:1::/32".parse().unwrap(),
            "10.1.2.3".parse().unwrap(),
        ]);
        for allowed in [
            "127.0.0.1",
            "127.9.9.9",
            "::ffff:127.0.0.1",
            "fd00:1::5",
            "10.1.2.3",
        ] {
            assert!(policy.permits(ip(allowed)), "{allowed}");
        }
        for refused in [
            "::1",
            "169.254.169.254",
            "fd00:2::5",
            "10.1.2.4",
            "192.168.0.1",
        ] {
            assert!(!policy.permits(ip(refused)), "{refused}");
        }
        let everything = EgressPolicy::new(vec!["0.0.0.0/0".parse().unwrap()]);
        assert!(everything.permits(ip("169.254.169.254")));
        assert!(
            !everything.permits(ip("fe80::1")),
            "an IPv4 network allows no IPv6"
        );
    }

    #[test]
    fn networks_are_parsed_strictly() {
        assert_eq!(
            "10.0.0.0/8".parse::<Network>().unwrap().to_string(),
            "10.0.0.0/8"
        );
        assert_eq!("::1".parse::<Network>().unwrap().to_string(), "::1/128");
        for bad in [
            "10.0.0.1/8",
            "10.0.0.0/33",
            "::/129",
            "localhost",
            "10.0.0.0/x",
            "",
        ] {
            assert!(bad.parse::<Network>().is_err(), "{bad:?}");
        }
    }
}
