//! Every allowed connection between workloads and to/from addresses outside
//! the cluster.
//!
//! Workloads that no policy tells apart (the same selecting policies, the
//! same matching peers, the same named ports) are one equivalence class;
//! connections are computed once per pair of classes, and only for pairs
//! some rule can connect, then expanded to workloads.

use crate::conns::Conns;
use crate::network::Network;
use crate::policy::{Direction, Peer};
use crate::reach::{Addr, peer_matches};
use std::collections::{BTreeSet, HashMap};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A range of addresses outside the cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IpRange {
    pub first: IpAddr,
    pub last: IpAddr,
}

impl std::fmt::Display for IpRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.first, self.last)
    }
}

/// One end of an allowed connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Node {
    /// A workload (index into [`Network::endpoints`]).
    Endpoint(u32),
    /// An address range (index into [`Matrix::ranges`]).
    External(u32),
}

/// An allowed connection.
#[derive(Debug, Clone, Copy)]
pub struct Edge {
    pub src: Node,
    pub dst: Node,
    /// Index into [`Matrix::conns`].
    pub conns: u32,
}

/// The connectivity of a network, kept per equivalence class; edges are
/// produced in connlist order on demand ([`Matrix::for_each_edge`]), so a
/// matrix of millions of connections costs no memory per connection.
#[derive(Debug, Clone, Default)]
pub struct Matrix {
    /// The distinct connection sets.
    pub conns: Vec<Conns>,
    /// The address ranges that appear.
    pub ranges: Vec<IpRange>,
    /// Display names: workloads first, then ranges.
    names: Vec<String>,
    /// Node (workloads, then ranges) → position in name order.
    rank: Vec<u32>,
    /// Name order → node.
    order: Vec<u32>,
    /// Workload → class.
    class_of: Vec<u32>,
    /// Class → members, in name order.
    members: Vec<Vec<u32>>,
    /// Class → (destination class, connections).
    class_out: Vec<Vec<(u32, u32)>>,
    /// Class → (range, connections) it may send to.
    to_ranges: Vec<Vec<(u32, u32)>>,
    /// Range → (class, connections) it may send to.
    from_ranges: Vec<Vec<(u32, u32)>>,
    /// Number of allowed connections.
    pub len: usize,
    /// Number of equivalence classes the workloads fell into.
    pub classes: usize,
}

/// A rule, flattened for the matrix.
struct FlatRule {
    policy: usize,
    index: usize,
    all_peers: bool,
    pod_peers: Vec<u32>,
    ip_peers: Vec<usize>,
}

struct Class {
    members: Vec<usize>,
    /// Flat rules (ingress / egress) of the policies isolating the class.
    ingress: Option<Vec<usize>>,
    egress: Option<Vec<usize>>,
    /// Pod peers (sorted ids) that match the class.
    matched: Vec<u32>,
}

/// Disjoint address ranges that no ipBlock boundary splits, per family.
fn atoms(net: &Network) -> Vec<IpRange> {
    let mut v4: BTreeSet<u128> = BTreeSet::from([0]);
    let mut v6: BTreeSet<u128> = BTreeSet::new();
    let mut add = |n: &ipnet::IpNet| {
        let (first, last, set) = match n {
            ipnet::IpNet::V4(x) => (
                u128::from(u32::from(x.network())),
                u128::from(u32::from(x.broadcast())),
                &mut v4,
            ),
            ipnet::IpNet::V6(x) => (u128::from(x.network()), u128::from(x.broadcast()), &mut v6),
        };
        set.insert(first);
        if let Some(next) = last.checked_add(1) {
            set.insert(next);
        }
    };
    for p in &net.policies {
        for d in [Direction::Ingress, Direction::Egress] {
            for r in p.rules(d).unwrap_or_default() {
                for peer in r.peers.iter().flatten() {
                    if let Peer::Ip { net, except } = peer {
                        add(net);
                        except.iter().for_each(&mut add);
                    }
                }
            }
        }
    }
    let mut out = Vec::new();
    let v4_max = u128::from(u32::MAX);
    let starts: Vec<u128> = v4.into_iter().filter(|&s| s <= v4_max).collect();
    for (i, &s) in starts.iter().enumerate() {
        let e = starts.get(i + 1).map_or(v4_max, |n| n - 1);
        out.push(IpRange {
            first: IpAddr::V4(Ipv4Addr::from(s as u32)),
            last: IpAddr::V4(Ipv4Addr::from(e as u32)),
        });
    }
    if !v6.is_empty() {
        v6.insert(0);
        let starts: Vec<u128> = v6.into_iter().collect();
        for (i, &s) in starts.iter().enumerate() {
            let e = starts.get(i + 1).map_or(u128::MAX, |n| n - 1);
            out.push(IpRange {
                first: IpAddr::V6(Ipv6Addr::from(s)),
                last: IpAddr::V6(Ipv6Addr::from(e)),
            });
        }
    }
    out
}

/// Computes the matrix.
pub fn matrix(net: &Network) -> Matrix {
    // flatten rules; number the pod peers
    let mut rules: Vec<FlatRule> = Vec::new();
    let mut peers: Vec<(usize, &Peer)> = Vec::new(); // (policy, peer)
    let mut policy_rules: Vec<[Vec<usize>; 2]> = vec![[Vec::new(), Vec::new()]; net.policies.len()];
    for (pi, p) in net.policies.iter().enumerate() {
        for (di, d) in [Direction::Ingress, Direction::Egress]
            .into_iter()
            .enumerate()
        {
            for r in p.rules(d).unwrap_or_default() {
                let mut fr = FlatRule {
                    policy: pi,
                    index: r.index,
                    all_peers: r.peers.is_none(),
                    pod_peers: Vec::new(),
                    ip_peers: Vec::new(),
                };
                for peer in r.peers.iter().flatten() {
                    let id = peers.len();
                    peers.push((pi, peer));
                    match peer {
                        Peer::Pods { .. } => fr.pod_peers.push(id as u32),
                        Peer::Ip { .. } => fr.ip_peers.push(id),
                    }
                }
                policy_rules[pi][di].push(rules.len());
                rules.push(fr);
            }
        }
    }
    // which pod peers match each endpoint: only endpoints of the namespaces a peer can reach
    let n = net.endpoints.len();
    let mut matched: Vec<Vec<u32>> = vec![Vec::new(); n];
    let ns_names: Vec<&String> = net.namespaces.keys().collect();
    for (id, (pi, peer)) in peers.iter().enumerate() {
        let Peer::Pods { namespaces, pods } = peer else {
            continue;
        };
        let policy_ns = &net.policies[*pi].namespace;
        let candidate_ns: Vec<&String> = match namespaces {
            None => vec![policy_ns],
            Some(sel) => ns_names
                .iter()
                .copied()
                .filter(|ns| palisade_model::selector::matches(sel, &net.namespaces[*ns]))
                .collect(),
        };
        for ns in candidate_ns {
            for &e in net.by_namespace.get(ns).into_iter().flatten() {
                if pods
                    .as_ref()
                    .is_none_or(|s| palisade_model::selector::matches(s, &net.endpoints[e].labels))
                {
                    matched[e].push(id as u32);
                }
            }
        }
    }
    // which policies isolate each endpoint
    let mut isolating: Vec<[Option<Vec<usize>>; 2]> = vec![[None, None]; n];
    for (pi, p) in net.policies.iter().enumerate() {
        for &e in net.by_namespace.get(&p.namespace).into_iter().flatten() {
            if !palisade_model::selector::matches(&p.select, &net.endpoints[e].labels) {
                continue;
            }
            for (di, d) in [Direction::Ingress, Direction::Egress]
                .into_iter()
                .enumerate()
            {
                if p.rules(d).is_some() {
                    isolating[e][di]
                        .get_or_insert_with(Vec::new)
                        .extend(&policy_rules[pi][di]);
                }
            }
        }
    }
    // equivalence classes
    type Key<'a> = (
        &'a [u32],
        Option<&'a [usize]>,
        Option<&'a [usize]>,
        &'a [(String, u16, crate::conns::Protocol)],
    );
    let mut class_of: HashMap<Key<'_>, usize> = HashMap::new();
    let mut classes: Vec<Class> = Vec::new();
    for e in 0..n {
        let key: Key<'_> = (
            &matched[e],
            isolating[e][0].as_deref(),
            isolating[e][1].as_deref(),
            &net.endpoints[e].named_ports,
        );
        let c = *class_of.entry(key).or_insert_with(|| {
            classes.push(Class {
                members: Vec::new(),
                ingress: isolating[e][0].clone(),
                egress: isolating[e][1].clone(),
                matched: matched[e].clone(),
            });
            classes.len() - 1
        });
        classes[c].members.push(e);
    }
    let mut peer_classes: Vec<Vec<u32>> = vec![Vec::new(); peers.len()];
    for (ci, c) in classes.iter().enumerate() {
        for &p in &c.matched {
            peer_classes[p as usize].push(ci as u32);
        }
    }
    let named = |c: &Class| -> &[(String, u16, crate::conns::Protocol)] {
        &net.endpoints[c.members[0]].named_ports
    };
    // the rule object of a flat rule, by direction
    let rule_conns = |fr: &FlatRule,
                      d: Direction,
                      named_ports: &[(String, u16, crate::conns::Protocol)]|
     -> Conns {
        let p = &net.policies[fr.policy];
        p.rules(d)
            .and_then(|rs| rs.get(fr.index))
            .map_or_else(Conns::none, |r| r.conns(named_ports))
    };
    let class_matches = |fr: &FlatRule, c: &Class| -> bool {
        fr.all_peers
            || fr
                .pod_peers
                .iter()
                .any(|p| c.matched.binary_search(p).is_ok())
    };
    let ip_matches = |fr: &FlatRule, ip: IpAddr| -> bool {
        fr.all_peers
            || fr.ip_peers.iter().any(|&id| {
                let (pi, peer) = peers[id];
                peer_matches(net, peer, &net.policies[pi].namespace, Addr::Ip(ip))
            })
    };
    // side of a class toward another class
    let side = |me: &Class, other: &Class, d: Direction, dest: &Class| -> Conns {
        let rs = match d {
            Direction::Ingress => &me.ingress,
            Direction::Egress => &me.egress,
        };
        let Some(rs) = rs else { return Conns::all() };
        let mut c = Conns::none();
        for &r in rs {
            let fr = &rules[r];
            if class_matches(fr, other) {
                c.union_with(&rule_conns(fr, d, named(dest)));
                if c.is_all() {
                    break;
                }
            }
        }
        c
    };
    let side_ip = |me: &Class, ip: IpAddr, d: Direction| -> Conns {
        let rs = match d {
            Direction::Ingress => &me.ingress,
            Direction::Egress => &me.egress,
        };
        let Some(rs) = rs else { return Conns::all() };
        let mut c = Conns::none();
        for &r in rs {
            let fr = &rules[r];
            if ip_matches(fr, ip) {
                // ingress named ports resolve on `me`; egress to an address cannot
                let np: &[(String, u16, crate::conns::Protocol)] = match d {
                    Direction::Ingress => named(me),
                    Direction::Egress => &[],
                };
                c.union_with(&rule_conns(fr, d, np));
            }
        }
        c
    };
    let ext = atoms(net);
    // connection sets are interned: many class pairs share a few sets
    let mut conns_ix: HashMap<Conns, u32> = HashMap::new();
    let mut conns_table: Vec<Conns> = Vec::new();
    let mut intern = |c: Conns| -> u32 {
        if let Some(&i) = conns_ix.get(&c) {
            return i;
        }
        conns_table.push(c.clone());
        conns_ix.insert(c, (conns_table.len() - 1) as u32);
        (conns_table.len() - 1) as u32
    };
    let mut class_edges: Vec<(u32, u32, u32)> = Vec::new();
    // per class: conns to and from each atom
    let mut ext_in: Vec<Vec<Conns>> = Vec::with_capacity(classes.len());
    let mut ext_out: Vec<Vec<Conns>> = Vec::with_capacity(classes.len());
    let mut stamp: Vec<usize> = vec![usize::MAX; classes.len()];
    let mut cand: Vec<usize> = Vec::new();
    for (di, d) in classes.iter().enumerate() {
        cand.clear();
        let all_sources = match &d.ingress {
            None => true,
            Some(rs) => rs.iter().any(|&r| rules[r].all_peers),
        };
        if all_sources {
            cand.extend(0..classes.len());
        } else {
            for &r in d.ingress.iter().flatten() {
                for &p in &rules[r].pod_peers {
                    for &c in &peer_classes[p as usize] {
                        if stamp[c as usize] != di {
                            stamp[c as usize] = di;
                            cand.push(c as usize);
                        }
                    }
                }
            }
            cand.sort_unstable();
        }
        for &si in &cand {
            let s = &classes[si];
            let ing = side(d, s, Direction::Ingress, d);
            if ing.is_empty() {
                continue;
            }
            let eg = side(s, d, Direction::Egress, d);
            let c = eg.intersect(&ing);
            if !c.is_empty() {
                class_edges.push((si as u32, di as u32, intern(c)));
            }
        }
        ext_in.push(
            ext.iter()
                .map(|a| side_ip(d, a.first, Direction::Ingress))
                .collect(),
        );
        ext_out.push(
            ext.iter()
                .map(|a| side_ip(d, a.first, Direction::Egress))
                .collect(),
        );
    }
    // keep everything per class
    let mut len = 0usize;
    let mut class_out: Vec<Vec<(u32, u32)>> = vec![Vec::new(); classes.len()];
    for (si, di, k) in class_edges {
        let (si, di) = (si as usize, di as usize);
        let (a, b) = (classes[si].members.len(), classes[di].members.len());
        len += if si == di { a * (a - 1) } else { a * b };
        if si == di && a == 1 {
            continue; // only self-connections
        }
        class_out[si].push((di as u32, k));
    }
    let mut ranges: Vec<IpRange> = Vec::new();
    let mut range_ix: HashMap<IpRange, u32> = HashMap::new();
    let mut to_ranges: Vec<Vec<(u32, u32)>> = vec![Vec::new(); classes.len()];
    let mut from_ranges: Vec<Vec<(u32, u32)>> = Vec::new();
    for (ci, c) in classes.iter().enumerate() {
        for (list, incoming) in [(&ext_in[ci], true), (&ext_out[ci], false)] {
            for (range, conns) in merge_atoms(&ext, list) {
                let ri = *range_ix.entry(range).or_insert_with(|| {
                    ranges.push(range);
                    from_ranges.push(Vec::new());
                    (ranges.len() - 1) as u32
                });
                let k = intern(conns);
                len += c.members.len();
                if incoming {
                    from_ranges[ri as usize].push((ci as u32, k));
                } else {
                    to_ranges[ci].push((ri, k));
                }
            }
        }
    }
    let mut names: Vec<String> = net.endpoints.iter().map(|e| e.display()).collect();
    names.extend(ranges.iter().map(|r| format!("{r}[External]")));
    // lines sort as (source name, destination name): rank the names once
    let mut order: Vec<u32> = (0..names.len() as u32).collect();
    order.sort_unstable_by(|&a, &b| names[a as usize].cmp(&names[b as usize]));
    let mut rank = vec![0u32; names.len()];
    for (r, &i) in order.iter().enumerate() {
        rank[i as usize] = r as u32;
    }
    let mut class_of = vec![0u32; n];
    let members: Vec<Vec<u32>> = classes
        .iter()
        .enumerate()
        .map(|(ci, c)| {
            let mut m: Vec<u32> = c.members.iter().map(|&e| e as u32).collect();
            for &e in &m {
                class_of[e as usize] = ci as u32;
            }
            m.sort_unstable_by_key(|&e| rank[e as usize]);
            m
        })
        .collect();
    Matrix {
        conns: conns_table,
        ranges,
        names,
        rank,
        order,
        class_of,
        members,
        class_out,
        to_ranges,
        from_ranges,
        len,
        classes: classes.len(),
    }
}

/// Adjacent atoms of one family with the same connections, merged.
fn merge_atoms(atoms: &[IpRange], conns: &[Conns]) -> Vec<(IpRange, Conns)> {
    let mut out: Vec<(IpRange, Conns)> = Vec::new();
    for (a, c) in atoms.iter().zip(conns) {
        if c.is_empty() {
            continue;
        }
        if let Some((last, lc)) = out.last_mut()
            && lc == c
            && last.last.is_ipv4() == a.first.is_ipv4()
            && next(last.last) == Some(a.first)
        {
            last.last = a.last;
            continue;
        }
        out.push((*a, c.clone()));
    }
    out
}

fn next(ip: IpAddr) -> Option<IpAddr> {
    match ip {
        IpAddr::V4(x) => u32::from(x)
            .checked_add(1)
            .map(|n| IpAddr::V4(Ipv4Addr::from(n))),
        IpAddr::V6(x) => u128::from(x)
            .checked_add(1)
            .map(|n| IpAddr::V6(Ipv6Addr::from(n))),
    }
}

impl Matrix {
    /// `ns/name[Kind]` or `first-last[External]`.
    pub fn name(&self, n: Node, net: &Network) -> &str {
        let _ = net;
        &self.names[self.node_index(n)]
    }

    fn node_index(&self, n: Node) -> usize {
        match n {
            Node::Endpoint(e) => e as usize,
            Node::External(r) => self.class_of.len() + r as usize,
        }
    }

    /// The equivalence class of workload `e` (index into
    /// [`Network::endpoints`]): workloads of a class are selected by the
    /// same rules, so they may send to and receive from the same peers.
    pub fn class_of(&self, e: u32) -> u32 {
        self.class_of[e as usize]
    }

    /// The workloads of class `c`, in name order.
    pub fn members(&self, c: u32) -> &[u32] {
        &self.members[c as usize]
    }

    /// The classes that class `c` may send to, each with its connections
    /// (index into [`Matrix::conns`]). A workload's own class is among
    /// them when its members may reach each other; a workload never
    /// connects to itself.
    pub fn class_out(&self, c: u32) -> &[(u32, u32)] {
        &self.class_out[c as usize]
    }

    /// The connections of an edge.
    pub fn conns_of(&self, e: &Edge) -> &Conns {
        &self.conns[e.conns as usize]
    }

    /// Calls `f` with every allowed connection, in connlist order (source
    /// name, then destination name). Stops at the first error.
    pub fn for_each_edge<E>(&self, mut f: impl FnMut(Edge) -> Result<(), E>) -> Result<(), E> {
        let n_ep = self.class_of.len();
        let node = |i: u32| {
            if (i as usize) < n_ep {
                Node::Endpoint(i)
            } else {
                Node::External(i - n_ep as u32)
            }
        };
        let mut out: Vec<(u32, Node, u32)> = Vec::new();
        for &i in &self.order {
            out.clear();
            let src = node(i);
            match src {
                Node::Endpoint(s) => {
                    let c = self.class_of[s as usize] as usize;
                    for &(d, k) in &self.class_out[c] {
                        for &m in &self.members[d as usize] {
                            if m != s {
                                out.push((self.rank[m as usize], Node::Endpoint(m), k));
                            }
                        }
                    }
                    for &(r, k) in &self.to_ranges[c] {
                        out.push((self.rank[n_ep + r as usize], Node::External(r), k));
                    }
                }
                Node::External(r) => {
                    for &(c, k) in &self.from_ranges[r as usize] {
                        for &m in &self.members[c as usize] {
                            out.push((self.rank[m as usize], Node::Endpoint(m), k));
                        }
                    }
                }
            }
            out.sort_unstable_by_key(|x| x.0);
            for &(_, dst, k) in &out {
                f(Edge { src, dst, conns: k })?;
            }
        }
        Ok(())
    }

    /// Every allowed connection, in connlist order (memory per connection:
    /// prefer [`Matrix::for_each_edge`] for large networks).
    pub fn edges(&self) -> Vec<Edge> {
        let mut v = Vec::with_capacity(self.len);
        let _ = self.for_each_edge(|e| -> Result<(), ()> {
            v.push(e);
            Ok(())
        });
        v
    }

    /// np-guard netpol-analyzer's `list` text format, one sorted line per
    /// allowed connection.
    pub fn write_connlist(&self, net: &Network, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        let texts: Vec<String> = self.conns.iter().map(Conns::to_string).collect();
        self.for_each_edge(|e| {
            writeln!(
                w,
                "{} => {} : {}",
                self.name(e.src, net),
                self.name(e.dst, net),
                texts[e.conns as usize]
            )
        })
    }

    /// The connlist as a string.
    pub fn connlist(&self, net: &Network) -> String {
        let mut v = Vec::new();
        self.write_connlist(net, &mut v).expect("in memory");
        String::from_utf8(v).expect("utf-8")
    }

    /// `[{"src", "dst", "conn"}]`, as netpol-analyzer's JSON.
    pub fn write_json(&self, net: &Network, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        let texts: Vec<String> = self.conns.iter().map(Conns::to_string).collect();
        let q = |s: &str| serde_json::to_string(s).expect("string");
        w.write_all(b"[")?;
        let mut first = true;
        self.for_each_edge(|e| {
            if !first {
                w.write_all(b",")?;
            }
            first = false;
            write!(
                w,
                "\n  {{\"src\": {}, \"dst\": {}, \"conn\": {}}}",
                q(self.name(e.src, net)),
                q(self.name(e.dst, net)),
                q(&texts[e.conns as usize])
            )
        })?;
        w.write_all(if first { b"]\n" } else { b"\n]\n" })
    }

    /// Grouped by source, for people.
    pub fn write_table(&self, net: &Network, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        let mut last: Option<Node> = None;
        self.for_each_edge(|e| {
            if last != Some(e.src) {
                writeln!(w, "{}", self.name(e.src, net))?;
                last = Some(e.src);
            }
            writeln!(w, "  → {:<56} {}", self.name(e.dst, net), self.conns_of(&e))
        })?;
        writeln!(
            w,
            "{} allowed connection{} between {} workload{} and outside addresses",
            self.len,
            if self.len == 1 { "" } else { "s" },
            net.endpoints.len(),
            if net.endpoints.len() == 1 { "" } else { "s" },
        )
    }

    /// Graphviz: workloads grouped by namespace, external ranges apart.
    pub fn write_dot(&self, net: &Network, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        writeln!(w, "digraph {{")?;
        let mut by_ns: std::collections::BTreeMap<&str, Vec<usize>> =
            std::collections::BTreeMap::new();
        for (i, e) in net.endpoints.iter().enumerate() {
            by_ns.entry(&e.namespace).or_default().push(i);
        }
        for (ns, eps) in by_ns {
            writeln!(w, "  subgraph \"cluster_{ns}\" {{\n    label=\"{ns}\"")?;
            for e in eps {
                let ep = &net.endpoints[e];
                writeln!(
                    w,
                    "    \"{}\" [label=\"{}[{}]\" color=\"blue\"]",
                    self.names[e], ep.name, ep.kind
                )?;
            }
            writeln!(w, "  }}")?;
        }
        for r in 0..self.ranges.len() {
            writeln!(
                w,
                "  \"{}\" [color=\"red2\"]",
                self.name(Node::External(r as u32), net)
            )?;
        }
        self.for_each_edge(|e| {
            writeln!(
                w,
                "  \"{}\" -> \"{}\" [label=\"{}\"]",
                self.name(e.src, net),
                self.name(e.dst, net),
                self.conns_of(&e)
            )
        })?;
        writeln!(w, "}}")
    }
}
