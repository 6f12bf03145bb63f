//! Sets of connections: per protocol (TCP, UDP, SCTP) a set of port
//! ranges, plus whether other protocols (ICMP, …) are allowed — a rule
//! without `ports` allows every protocol.

use std::fmt;

/// The protocols a NetworkPolicy port can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    Tcp,
    Udp,
    Sctp,
}

impl Protocol {
    pub const ALL: [Protocol; 3] = [Protocol::Tcp, Protocol::Udp, Protocol::Sctp];

    /// `TCP`, `UDP` or `SCTP` (case-sensitive, as the API validates).
    pub fn parse(s: &str) -> Option<Protocol> {
        match s {
            "TCP" => Some(Protocol::Tcp),
            "UDP" => Some(Protocol::Udp),
            "SCTP" => Some(Protocol::Sctp),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Sctp => "SCTP",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of ports as sorted, disjoint, non-adjacent inclusive ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PortSet(Vec<(u16, u16)>);

impl PortSet {
    pub const MIN: u16 = 1;
    pub const MAX: u16 = 65535;

    pub fn all() -> PortSet {
        PortSet(vec![(Self::MIN, Self::MAX)])
    }

    pub fn range(lo: u16, hi: u16) -> PortSet {
        if lo > hi {
            PortSet::default()
        } else {
            PortSet(vec![(lo, hi)])
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn is_all(&self) -> bool {
        self.0 == [(Self::MIN, Self::MAX)]
    }

    pub fn contains(&self, port: u16) -> bool {
        self.0.iter().any(|&(lo, hi)| lo <= port && port <= hi)
    }

    pub fn ranges(&self) -> &[(u16, u16)] {
        &self.0
    }

    pub fn union(&self, other: &PortSet) -> PortSet {
        if other.is_empty() {
            return self.clone();
        }
        if self.is_empty() {
            return other.clone();
        }
        let mut all: Vec<(u16, u16)> = self.0.iter().chain(&other.0).copied().collect();
        all.sort_unstable();
        let mut out: Vec<(u16, u16)> = Vec::with_capacity(all.len());
        for (lo, hi) in all {
            match out.last_mut() {
                Some(last) if u32::from(lo) <= u32::from(last.1) + 1 => last.1 = last.1.max(hi),
                _ => out.push((lo, hi)),
            }
        }
        PortSet(out)
    }

    pub fn intersect(&self, other: &PortSet) -> PortSet {
        let mut out = Vec::new();
        let (mut i, mut j) = (0, 0);
        while i < self.0.len() && j < other.0.len() {
            let (a, b) = (self.0[i], other.0[j]);
            let lo = a.0.max(b.0);
            let hi = a.1.min(b.1);
            if lo <= hi {
                out.push((lo, hi));
            }
            if a.1 < b.1 { i += 1 } else { j += 1 }
        }
        PortSet(out)
    }
}

impl fmt::Display for PortSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (lo, hi)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            if lo == hi {
                write!(f, "{lo}")?;
            } else {
                write!(f, "{lo}-{hi}")?;
            }
        }
        Ok(())
    }
}

/// Allowed connections between two endpoints.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Conns {
    /// Protocols other than TCP, UDP and SCTP.
    pub other: bool,
    ports: [PortSet; 3],
}

impl Conns {
    pub fn none() -> Conns {
        Conns::default()
    }

    pub fn all() -> Conns {
        Conns {
            other: true,
            ports: [PortSet::all(), PortSet::all(), PortSet::all()],
        }
    }

    /// Ports of one protocol.
    pub fn of(protocol: Protocol, ports: PortSet) -> Conns {
        let mut c = Conns::none();
        c.ports[protocol.index()] = ports;
        c
    }

    pub fn ports(&self, protocol: Protocol) -> &PortSet {
        &self.ports[protocol.index()]
    }

    pub fn is_empty(&self) -> bool {
        !self.other && self.ports.iter().all(PortSet::is_empty)
    }

    pub fn is_all(&self) -> bool {
        self.other && self.ports.iter().all(PortSet::is_all)
    }

    pub fn allows(&self, protocol: Protocol, port: u16) -> bool {
        self.ports[protocol.index()].contains(port)
    }

    pub fn union(&self, other: &Conns) -> Conns {
        if self.is_all() || other.is_empty() {
            return self.clone();
        }
        if other.is_all() || self.is_empty() {
            return other.clone();
        }
        Conns {
            other: self.other || other.other,
            ports: std::array::from_fn(|i| self.ports[i].union(&other.ports[i])),
        }
    }

    pub fn union_with(&mut self, other: &Conns) {
        if !other.is_empty() && !self.is_all() {
            *self = self.union(other);
        }
    }

    pub fn intersect(&self, other: &Conns) -> Conns {
        if self.is_all() {
            return other.clone();
        }
        if other.is_all() {
            return self.clone();
        }
        Conns {
            other: self.other && other.other,
            ports: std::array::from_fn(|i| self.ports[i].intersect(&other.ports[i])),
        }
    }
}

/// `All Connections`, or e.g. `TCP 80,443,UDP 53` (protocols in
/// alphabetical order, as netpol-analyzer prints them).
impl fmt::Display for Conns {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_all() {
            return f.write_str("All Connections");
        }
        if self.is_empty() {
            return f.write_str("No Connections");
        }
        let mut parts: Vec<String> = Protocol::ALL
            .iter()
            .filter(|p| !self.ports[p.index()].is_empty())
            .map(|p| format!("{} {}", p.as_str(), self.ports[p.index()]))
            .collect();
        if self.other {
            parts.push("other protocols".to_string());
        }
        parts.sort();
        f.write_str(&parts.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_sets_merge_and_intersect() {
        let a = PortSet::range(80, 80)
            .union(&PortSet::range(81, 90))
            .union(&PortSet::range(443, 443));
        assert_eq!(a.to_string(), "80-90,443");
        let b = PortSet::range(85, 500);
        assert_eq!(a.intersect(&b).to_string(), "85-90,443");
        assert!(PortSet::range(5, 4).is_empty());
        assert!(PortSet::all().union(&a).is_all());
    }

    #[test]
    fn connection_sets_print_like_netpol_analyzer() {
        assert_eq!(Conns::all().to_string(), "All Connections");
        let dns = Conns::of(Protocol::Udp, PortSet::range(53, 53))
            .union(&Conns::of(Protocol::Tcp, PortSet::range(53, 53)));
        assert_eq!(dns.to_string(), "TCP 53,UDP 53");
        assert_eq!(Conns::all().intersect(&dns), dns);
        assert!(
            dns.intersect(&Conns::of(Protocol::Sctp, PortSet::all()))
                .is_empty()
        );
        assert_eq!(
            Conns::of(Protocol::Tcp, PortSet::all()).to_string(),
            "TCP 1-65535"
        );
    }
}
