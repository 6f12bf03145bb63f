use super::*;
use palisade_model::{Model, ObjectOptions, objects_from_document};
use std::net::IpAddr;
use std::sync::Arc;

pub(crate) fn net(yaml: &str) -> Network {
    let s = palisade_yaml::parse_stream(yaml, &palisade_yaml::Limits::default());
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    let file: Arc<str> = Arc::from("net.yaml");
    let objects = s
        .documents
        .into_iter()
        .flat_map(|d| objects_from_document(d.root, &file, &ObjectOptions::default()))
        .map(|r| r.expect("valid"))
        .collect();
    Network::build(&Model::new(objects))
}

pub(crate) fn pod(ns: &str, name: &str, labels: &str, ports: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: {ns}, labels: {{{labels}}}}}\nspec:\n  containers:\n  - {{name: c, image: x:1, ports: [{ports}]}}\n---\n"
    )
}

pub(crate) fn policy(ns: &str, name: &str, spec: &str) -> String {
    format!(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: {name}, namespace: {ns}}}\nspec:\n{spec}---\n"
    )
}

fn ns(name: &str, labels: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Namespace\nmetadata: {{name: {name}, labels: {{{labels}}}}}\n---\n"
    )
}

fn ep(n: &Network, spec: &str) -> Addr {
    Addr::Endpoint(n.find(spec).unwrap())
}

fn ip(s: &str) -> Addr {
    Addr::Ip(s.parse::<IpAddr>().unwrap())
}

fn conns(n: &Network, from: Addr, to: Addr) -> String {
    connection(n, from, to).conns.to_string()
}

fn base() -> String {
    pod(
        "a",
        "web",
        "app: web",
        "{containerPort: 8080, name: http}, {containerPort: 53, protocol: UDP, name: dns}",
    ) + &pod("a", "client", "app: client", "")
        + &pod("b", "other", "app: client", "")
        + &ns("b", "team: ops")
}

#[test]
fn policy_types_default_to_ingress_and_egress_only_with_egress_rules() {
    // no policyTypes, no egress rules: ingress-only isolation
    let n = net(&(base() + &policy("a", "p", "  podSelector: {matchLabels: {app: client}}\n")));
    assert_eq!(
        conns(&n, ep(&n, "a/client"), ep(&n, "a/web")),
        "All Connections",
        "egress open"
    );
    assert_eq!(
        conns(&n, ep(&n, "a/web"), ep(&n, "a/client")),
        "No Connections",
        "ingress denied"
    );
    // an egress rule turns on Egress
    let n = net(&(base()
        + &policy(
            "a",
            "p",
            "  podSelector: {matchLabels: {app: client}}\n  egress: [{ports: [{port: 8080}]}]\n",
        )));
    assert_eq!(conns(&n, ep(&n, "a/client"), ep(&n, "a/web")), "TCP 8080");
    // `egress: []` is no egress rule: Egress is not defaulted
    let n = net(&(base()
        + &policy(
            "a",
            "p",
            "  podSelector: {matchLabels: {app: client}}\n  egress: []\n",
        )));
    assert_eq!(
        conns(&n, ep(&n, "a/client"), ip("1.1.1.1")),
        "All Connections"
    );
    // listed explicitly, Egress with no rules denies all egress
    let n = net(&(base()
        + &policy(
            "a",
            "p",
            "  podSelector: {matchLabels: {app: client}}\n  policyTypes: [Egress]\n",
        )));
    assert_eq!(
        conns(&n, ep(&n, "a/client"), ip("1.1.1.1")),
        "No Connections"
    );
    assert_eq!(
        conns(&n, ep(&n, "a/web"), ep(&n, "a/client")),
        "All Connections",
        "ingress untouched"
    );
}

#[test]
fn empty_and_absent_peers_and_ports_mean_all() {
    for rule in ["{}", "{from: []}", "{ports: []}", "{from: [], ports: []}"] {
        let n = net(&(base()
            + &policy(
                "a",
                "p",
                &format!("  podSelector: {{matchLabels: {{app: web}}}}\n  ingress: [{rule}]\n"),
            )));
        assert_eq!(
            conns(&n, ep(&n, "b/other"), ep(&n, "a/web")),
            "All Connections",
            "{rule}"
        );
        assert_eq!(
            conns(&n, ip("8.8.8.8"), ep(&n, "a/web")),
            "All Connections",
            "{rule} allows outside addresses"
        );
    }
    // `ingress: []` with Ingress isolation denies everything
    let n = net(&(base() + &policy("a", "p", "  podSelector: {}\n  ingress: []\n")));
    assert_eq!(
        conns(&n, ep(&n, "a/client"), ep(&n, "a/web")),
        "No Connections"
    );
}

#[test]
fn peers_and_ports_are_ored_and_a_rule_ands_them() {
    let spec = "  podSelector: {matchLabels: {app: web}}\n  ingress:\n  - from: [{podSelector: {matchLabels: {app: client}}}, {ipBlock: {cidr: 10.0.0.0/8}}]\n    ports: [{port: 8080}, {port: 53, protocol: UDP}]\n";
    let n = net(&(base() + &policy("a", "p", spec)));
    assert_eq!(
        conns(&n, ep(&n, "a/client"), ep(&n, "a/web")),
        "TCP 8080,UDP 53"
    );
    assert_eq!(
        conns(&n, ip("10.1.2.3"), ep(&n, "a/web")),
        "TCP 8080,UDP 53"
    );
    assert_eq!(conns(&n, ip("11.1.2.3"), ep(&n, "a/web")), "No Connections");
    // podSelector alone: the policy's namespace only
    assert_eq!(
        conns(&n, ep(&n, "b/other"), ep(&n, "a/web")),
        "No Connections"
    );
}

#[test]
fn namespace_and_pod_selector_in_one_peer_is_an_and_in_two_peers_an_or() {
    let and = "  podSelector: {matchLabels: {app: web}}\n  ingress:\n  - from: [{namespaceSelector: {matchLabels: {team: ops}}, podSelector: {matchLabels: {app: client}}}]\n";
    let n = net(&(base() + &policy("a", "p", and)));
    assert_eq!(
        conns(&n, ep(&n, "b/other"), ep(&n, "a/web")),
        "All Connections"
    );
    assert_eq!(
        conns(&n, ep(&n, "a/client"), ep(&n, "a/web")),
        "No Connections",
        "a is not team=ops"
    );
    let or = "  podSelector: {matchLabels: {app: web}}\n  ingress:\n  - from: [{namespaceSelector: {matchLabels: {team: ops}}}, {podSelector: {matchLabels: {app: client}}}]\n";
    let n = net(&(base() + &policy("a", "p", or)));
    assert_eq!(
        conns(&n, ep(&n, "a/client"), ep(&n, "a/web")),
        "All Connections"
    );
    // namespaces by their automatic name label
    let by_name = "  podSelector: {matchLabels: {app: web}}\n  ingress:\n  - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: b}}}]\n";
    let n = net(&(base() + &policy("a", "p", by_name)));
    assert_eq!(
        conns(&n, ep(&n, "b/other"), ep(&n, "a/web")),
        "All Connections"
    );
    assert_eq!(
        conns(&n, ep(&n, "a/client"), ep(&n, "a/web")),
        "No Connections"
    );
}

#[test]
fn policies_are_additive_and_need_both_sides() {
    let deny = policy(
        "a",
        "deny",
        "  podSelector: {}\n  policyTypes: [Ingress, Egress]\n",
    );
    let web_in = policy(
        "a",
        "web-in",
        "  podSelector: {matchLabels: {app: web}}\n  ingress: [{from: [{podSelector: {matchLabels: {app: client}}}], ports: [{port: http}]}]\n",
    );
    let n = net(&(base() + &deny + &web_in));
    // ingress allows it, but client's egress is denied
    let v = connection(&n, ep(&n, "a/client"), ep(&n, "a/web"));
    assert!(v.conns.is_empty());
    assert_eq!(
        v.ingress.conns.to_string(),
        "TCP 8080",
        "the named port resolves on web"
    );
    assert_eq!(v.egress.isolated_by.len(), 1);
    let client_out = policy(
        "a",
        "client-out",
        "  podSelector: {matchLabels: {app: client}}\n  policyTypes: [Egress]\n  egress: [{to: [{podSelector: {matchLabels: {app: web}}}]}]\n",
    );
    let n = net(&(base() + &deny + &web_in + &client_out));
    let v = connection(&n, ep(&n, "a/client"), ep(&n, "a/web"));
    assert_eq!(v.conns.to_string(), "TCP 8080");
    assert_eq!(v.ingress.allowed_by.len(), 1);
    assert_eq!(v.egress.allowed_by.len(), 1);
}

#[test]
fn named_ports_resolve_on_the_destination_and_end_port_makes_ranges() {
    // egress to a named port: resolved on the peer (web has http=8080)
    let eg = policy(
        "a",
        "p",
        "  podSelector: {matchLabels: {app: client}}\n  egress: [{ports: [{port: http}, {port: dns, protocol: UDP}, {port: 9000, endPort: 9010}]}]\n",
    );
    let n = net(&(base() + &eg));
    assert_eq!(
        conns(&n, ep(&n, "a/client"), ep(&n, "a/web")),
        "TCP 8080,9000-9010,UDP 53"
    );
    // an address has no named ports
    assert_eq!(
        conns(&n, ep(&n, "a/client"), ip("1.1.1.1")),
        "TCP 9000-9010"
    );
    // a named port with the wrong protocol does not resolve
    let eg = policy(
        "a",
        "p",
        "  podSelector: {matchLabels: {app: client}}\n  egress: [{ports: [{port: dns, protocol: TCP}]}]\n",
    );
    let n = net(&(base() + &eg));
    assert_eq!(
        conns(&n, ep(&n, "a/client"), ep(&n, "a/web")),
        "No Connections"
    );
}

#[test]
fn ip_blocks_with_except() {
    let eg = policy(
        "a",
        "p",
        "  podSelector: {matchLabels: {app: client}}\n  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]}]\n",
    );
    let n = net(&(base() + &eg));
    assert_eq!(
        conns(&n, ep(&n, "a/client"), ip("10.2.0.1")),
        "All Connections"
    );
    assert_eq!(
        conns(&n, ep(&n, "a/client"), ip("10.1.0.1")),
        "No Connections"
    );
    // ipBlock matches addresses, not pods
    assert_eq!(
        conns(&n, ep(&n, "a/client"), ep(&n, "a/web")),
        "No Connections"
    );
    // the matrix splits the address space at every boundary
    let m = matrix(&n);
    let lines = m.connlist(&n);
    assert!(
        lines.contains("a/client[Pod] => 10.0.0.0-10.0.255.255[External] : All Connections"),
        "{lines}"
    );
    assert!(
        lines.contains("a/client[Pod] => 10.2.0.0-10.255.255.255[External] : All Connections"),
        "{lines}"
    );
    assert!(!lines.contains("a/client[Pod] => 10.1."), "{lines}");
}

#[test]
fn invalid_policies_are_reported_and_left_out() {
    let bad = [
        (
            "  podSelector: {}\n  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: [192.168.0.0/16]}}]}]\n",
            "spec.egress[0].to[0].ipBlock.except[0]",
            "not inside",
        ),
        (
            "  podSelector: {}\n  ingress: [{ports: [{port: http, endPort: 90}]}]\n",
            "spec.ingress[0].ports[0].endPort",
            "numeric port",
        ),
        (
            "  podSelector: {}\n  ingress: [{ports: [{port: 70000}]}]\n",
            "spec.ingress[0].ports[0].port",
            "out of range",
        ),
        (
            "  podSelector: {}\n  ingress: [{ports: [{port: 80, protocol: ICMP}]}]\n",
            "spec.ingress[0].ports[0].protocol",
            "unknown protocol",
        ),
        (
            "  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: 10.0.0.300/8}}]}]\n",
            "spec.ingress[0].from[0].ipBlock.cidr",
            "not a CIDR",
        ),
        (
            "  podSelector: {matchExpressions: [{key: app, operator: Maybe}]}\n",
            "spec.podSelector.matchExpressions[0].operator",
            "unknown selector operator",
        ),
        (
            "  podSelector: {}\n  ingress: [{from: [{}]}]\n",
            "spec.ingress[0].from[0]",
            "must set",
        ),
        (
            "  podSelector: {}\n  ingress: [{ports: [{port: 90, endPort: 80}]}]\n",
            "spec.ingress[0].ports[0].endPort",
            "between",
        ),
    ];
    for (spec, path, msg) in bad {
        let n = net(&(base() + &policy("a", "bad", spec)));
        assert!(n.policies.is_empty(), "{spec}");
        let p = &n.invalid[0].problems[0];
        assert_eq!(p.path.to_string(), path, "{spec}");
        assert!(p.message.contains(msg), "{}", p.message);
        // and it protects nothing
        assert_eq!(
            conns(&n, ep(&n, "b/other"), ep(&n, "a/web")),
            "All Connections"
        );
    }
}

#[test]
fn workloads_are_one_endpoint_each() {
    let y = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: a}\nspec:\n  replicas: 3\n  selector: {matchLabels: {app: api}}\n  template:\n    metadata: {labels: {app: api}}\n    spec: {containers: [{name: c, image: x:1, ports: [{containerPort: 80, name: http}]}]}\n---\n".to_string()
        + &pod("a", "client", "app: client", "");
    let n = net(&y);
    assert_eq!(n.endpoints.len(), 2);
    assert_eq!(n.endpoints[0].display(), "a/api[Deployment]");
    assert!(n.find("a/api[Deployment]").is_ok());
    assert!(n.find("a/Deployment/api").is_ok());
    assert!(n.find("a/nope").unwrap_err().contains("a/api[Deployment]"));
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    const APPS: [&str; 3] = ["a", "b", "c"];

    fn selector(i: usize) -> String {
        if i == 3 {
            "{}".into()
        } else {
            format!("{{matchLabels: {{app: {}}}}}", APPS[i])
        }
    }

    /// A random policy in namespace x or y.
    fn policy_strategy() -> impl Strategy<Value = String> {
        (0..2usize, 0..4usize, 0..3usize, proptest::option::of((0..4usize, 0..2usize, proptest::option::of(0..3usize))), 0..100_000usize)
            .prop_map(|(ns, sel, types, rule, id)| {
                let ns = ["ns-x", "ns-y"][ns];
                let types = ["[Ingress]", "[Egress]", "[Ingress, Egress]"][types];
                let mut spec = format!("  podSelector: {}\n  policyTypes: {types}\n", selector(sel));
                if let Some((peer, ns_sel, port)) = rule {
                    let peer = if ns_sel == 1 {
                        format!("{{namespaceSelector: {{}}, podSelector: {}}}", selector(peer))
                    } else {
                        format!("{{podSelector: {}}}", selector(peer))
                    };
                    let ports = port.map(|p| format!(", ports: [{{port: {}}}]", [80, 443, 53][p])).unwrap_or_default();
                    spec.push_str(&format!("  ingress: [{{from: [{peer}]{ports}}}]\n  egress: [{{to: [{peer}]{ports}}}]\n"));
                }
                policy(ns, &format!("p{id}"), &spec)
            })
    }

    fn pods() -> String {
        let mut y = String::new();
        for ns in ["ns-x", "ns-y"] {
            for app in APPS {
                y.push_str(&pod(ns, app, &format!("app: {app}"), "{containerPort: 80}"));
            }
        }
        y
    }

    fn lines(yaml: &str) -> Vec<String> {
        let n = net(yaml);
        matrix(&n)
            .connlist(&n)
            .lines()
            .map(str::to_string)
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn order_of_policies_does_not_matter(policies in proptest::collection::vec(policy_strategy(), 0..5)) {
            let forward = pods() + &policies.concat();
            let mut rev = policies.clone();
            rev.reverse();
            let backward = rev.concat() + &pods();
            prop_assert_eq!(lines(&forward), lines(&backward));
        }

        #[test]
        fn a_policy_only_removes_connections_of_pods_it_newly_isolates(
            policies in proptest::collection::vec(policy_strategy(), 0..4),
            extra in policy_strategy(),
        ) {
            let before_yaml = pods() + &policies.concat();
            let after_yaml = before_yaml.clone() + &extra;
            let (before, after) = (net(&before_yaml), net(&after_yaml));
            for s in 0..before.endpoints.len() {
                for d in 0..before.endpoints.len() {
                    let b = connection(&before, Addr::Endpoint(s), Addr::Endpoint(d));
                    let a = connection(&after, Addr::Endpoint(s), Addr::Endpoint(d));
                    // a side that was already isolated (or stays open) can only gain
                    let newly = |bs: &reach::Side, as_: &reach::Side| bs.isolated_by.is_empty() && !as_.isolated_by.is_empty();
                    if !newly(&b.egress, &a.egress) && !newly(&b.ingress, &a.ingress) {
                        prop_assert_eq!(a.conns.union(&b.conns), a.conns.clone(), "{} -> {} lost connections", s, d);
                    }
                }
            }
        }
    }
}

mod checks_tests {
    use super::*;
    use crate::checks::ALL;

    fn hits(id: &str, yaml: &str) -> Vec<String> {
        let s = palisade_yaml::parse_stream(yaml, &palisade_yaml::Limits::default());
        let file: Arc<str> = Arc::from("net.yaml");
        let objects = s
            .documents
            .into_iter()
            .flat_map(|d| objects_from_document(d.root, &file, &ObjectOptions::default()))
            .map(|r| r.expect("valid"))
            .collect();
        let model = Model::new(objects);
        let n = Network::build(&model);
        let c = ALL.iter().find(|c| c.meta.id == id).expect("check exists");
        (c.detect)(&model, &n)
            .into_iter()
            .map(|h| format!("{}: {}", h.location.line, h.message))
            .collect()
    }

    fn deny(ns: &str, types: &str) -> String {
        policy(
            ns,
            "deny",
            &format!("  podSelector: {{}}\n  policyTypes: [{types}]\n"),
        )
    }

    #[test]
    fn default_deny_per_direction() {
        let y = base();
        assert_eq!(
            hits("netpol-no-default-deny-ingress", &y).len(),
            2,
            "namespaces a and b"
        );
        let y = base() + &deny("a", "Ingress") + &deny("b", "Ingress");
        assert!(hits("netpol-no-default-deny-ingress", &y).is_empty());
        assert_eq!(hits("netpol-no-default-deny-egress", &y).len(), 2);
        // a selector-scoped policy is not a default deny
        let y = base() + &policy("a", "p", "  podSelector: {matchLabels: {app: web}}\n");
        assert!(
            hits("netpol-no-default-deny-ingress", &y)
                .iter()
                .any(|h| h.contains("namespace a "))
        );
    }

    #[test]
    fn workloads_left_out_of_a_policed_namespace() {
        let y = base() + &policy("a", "web", "  podSelector: {matchLabels: {app: web}}\n");
        let h = hits("netpol-workload-not-isolated", &y);
        assert_eq!(h.len(), 1, "{h:?}");
        assert!(
            h[0].contains("a/client[Pod] is selected by none of the 1 policy"),
            "{h:?}"
        );
        // namespace b has no policy at all: reported as a namespace, not per workload
        assert!(!h.iter().any(|x| x.contains("b/other")));
        assert!(
            hits(
                "netpol-workload-not-isolated",
                &(base() + &deny("a", "Ingress"))
            )
            .is_empty()
        );
    }

    #[test]
    fn a_policy_that_selects_nothing() {
        let y = base() + &policy("a", "typo", "  podSelector: {matchLabels: {app: wbe}}\n");
        assert_eq!(
            hits("netpol-selects-nothing", &y),
            ["30: policy a/typo selects none of the 2 workloads in namespace a"]
        );
        // a namespace the input has no workloads of is not judged
        assert!(
            hits(
                "netpol-selects-nothing",
                &(base() + &policy("zz", "p", "  podSelector: {}\n"))
            )
            .is_empty()
        );
        // the Prometheus Operator's pods: made from a Prometheus resource
        let prom = "---\napiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: k8s, namespace: a}\nspec: {replicas: 2}\n";
        let y = base()
            + &policy(
                "a",
                "prometheus-k8s",
                "  podSelector: {matchLabels: {app.kubernetes.io/name: prometheus, app.kubernetes.io/instance: k8s}}\n",
            )
            + prom;
        assert!(hits("netpol-selects-nothing", &y).is_empty());
        // …but a typo in that selector is still one
        let y = base()
            + &policy(
                "a",
                "prometheus-k8s",
                "  podSelector: {matchLabels: {app.kubernetes.io/name: promethues}}\n",
            )
            + prom;
        assert_eq!(hits("netpol-selects-nothing", &y).len(), 1);
    }

    #[test]
    fn allow_all_rules() {
        let y = base()
            + &policy(
                "a",
                "open",
                "  podSelector: {}\n  ingress: [{}]\n  egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}}]}]\n",
            );
        let h = hits("netpol-allow-all", &y);
        assert_eq!(h.len(), 2, "{h:?}");
        assert!(
            h[0].contains("ingress rule 1 of policy a/open allows every pod and every address")
        );
        assert!(h[1].contains("egress rule 1") && h[1].contains("every address"));
        // ports, or an except, make it deliberate
        let y = base()
            + &policy(
                "a",
                "web",
                "  podSelector: {}\n  ingress: [{ports: [{port: 443}]}]\n  egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0, except: [169.254.169.254/32]}}]}]\n",
            );
        assert!(hits("netpol-allow-all", &y).is_empty());
        let y = base()
            + &policy(
                "a",
                "ns",
                "  podSelector: {}\n  ingress: [{from: [{namespaceSelector: {}}]}]\n",
            );
        assert!(hits("netpol-allow-all", &y)[0].contains("every pod in every namespace"));
    }

    #[test]
    fn egress_isolation_without_dns() {
        let y = base() + &deny("a", "Egress");
        let h = hits("netpol-egress-blocks-dns", &y);
        assert_eq!(h.len(), 1);
        assert!(
            h[0].contains("block DNS (UDP 53 to kube-dns) for 2 workloads: web, client"),
            "{h:?}"
        );
        let dns = policy(
            "a",
            "dns",
            "  podSelector: {}\n  policyTypes: [Egress]\n  egress: [{to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}], ports: [{port: 53, protocol: UDP}]}]\n",
        );
        assert!(hits("netpol-egress-blocks-dns", &(y.clone() + &dns)).is_empty());
        // DNS allowed to the wrong namespace does not count
        let wrong = dns
            .replace("kube-system", "kube-public")
            .replace("name: dns", "name: dns2");
        assert_eq!(hits("netpol-egress-blocks-dns", &(y + &wrong)).len(), 1);
    }

    #[test]
    fn databases_open_to_every_namespace() {
        let db = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: pg, namespace: data}\nspec:\n  selector: {matchLabels: {app: pg}}\n  serviceName: pg\n  template:\n    metadata: {labels: {app: pg}}\n    spec: {containers: [{name: pg, image: \"postgres:16\", ports: [{containerPort: 5432}]}]}\n---\n".to_string();
        let h = hits("netpol-database-open", &db);
        assert_eq!(h.len(), 1);
        assert!(
            h[0].contains("database data/pg[StatefulSet] is selected by no ingress policy"),
            "{h:?}"
        );
        let any_ns = policy(
            "data",
            "pg",
            "  podSelector: {matchLabels: {app: pg}}\n  ingress: [{from: [{namespaceSelector: {}}], ports: [{port: 5432}]}]\n",
        );
        let h = hits("netpol-database-open", &(db.clone() + &any_ns));
        assert!(h[0].contains("ingress rule 1 of policy data/pg lets any pod of any namespace connect to database data/pg[StatefulSet] on port 5432"), "{h:?}");
        let scoped = policy(
            "data",
            "pg",
            "  podSelector: {matchLabels: {app: pg}}\n  ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: shop}}, podSelector: {matchLabels: {app: api}}}], ports: [{port: 5432}]}]\n",
        );
        assert!(hits("netpol-database-open", &(db + &scoped)).is_empty());
    }

    #[test]
    fn invalid_policies_are_findings_on_the_field() {
        let y = base()
            + &policy(
                "a",
                "bad",
                "  podSelector: {}\n  egress:\n  - to: [{ipBlock: {cidr: 10.0.0.0/8, except: [192.168.0.0/16]}}]\n    ports: [{port: http, endPort: 90}]\n",
            );
        let h = hits("netpol-invalid", &y);
        assert_eq!(h.len(), 2, "{h:?}");
        assert!(h[0].starts_with("32: spec.egress[0].to[0].ipBlock.except[0]: except 192.168.0.0/16 is not inside cidr 10.0.0.0/8"), "{h:?}");
        assert!(
            h[1].starts_with("33: spec.egress[0].ports[0].endPort: endPort needs a numeric port"),
            "{h:?}"
        );
    }

    #[test]
    fn named_ports_nobody_declares() {
        let y = base()
            + &policy(
                "a",
                "web",
                "  podSelector: {matchLabels: {app: web}}\n  ingress: [{ports: [{port: http}, {port: metrics}]}]\n",
            );
        let h = hits("netpol-named-port-unresolved", &y);
        assert_eq!(h.len(), 1, "{h:?}");
        assert!(h[0].contains("named port \"metrics\" (TCP) of ingress rule 1 of policy a/web is declared by none of its 1 destination workload"), "{h:?}");
        // egress: resolved on the peers
        let y = base()
            + &policy(
                "a",
                "c",
                "  podSelector: {matchLabels: {app: client}}\n  egress: [{to: [{podSelector: {matchLabels: {app: web}}}], ports: [{port: dns, protocol: UDP}]}]\n",
            );
        assert!(hits("netpol-named-port-unresolved", &y).is_empty());
    }
}
