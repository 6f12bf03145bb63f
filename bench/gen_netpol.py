#!/usr/bin/env python3
"""Generate a NetworkPolicy corpus for `bench/netpol.sh`: namespaces with team/env
labels, Deployments (one endpoint each) and a realistic mix of NetworkPolicies.

    gen_netpol.py --workloads 5000 --namespaces 200 --policies 1000 --out DIR [--seed 1]

Writes one multi-document file per namespace, DIR/ns-000.yaml ... (the Namespace,
its Deployments, its NetworkPolicies), plus DIR/kube-system.yaml with the kube-dns
Deployment that the DNS egress rules point at and DIR/monitoring.yaml with the
Prometheus that the metrics ingress rules admit. Exactly --policies NetworkPolicies:
default-deny (Ingress and Egress) in ~80% of the namespaces, a DNS egress allow in
each of those, and the rest per-app ingress/egress allows (same-namespace tier
peers, cross-namespace team AND app peers, named and numbered ports, ipBlock with
except, endPort ranges). Python 3 standard library only; the same arguments always
yield the same bytes.
"""
import argparse
import json
import os
import random
import re

# --------------------------------------------------------------------------- YAML output

_PLAIN = re.compile(r"[A-Za-z_/][A-Za-z0-9_./-]*")
_RESERVED = {  # YAML 1.1 booleans/null and friends: always quoted
    "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", "nan", ".nan",
    ".inf", "-.inf", "<<", "=",
}


def scalar(v):
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return str(v)
    s = str(v)
    if s.lower() not in _RESERVED and _PLAIN.fullmatch(s):
        return s
    return json.dumps(s)  # a JSON string is a valid YAML double-quoted scalar


def emit(node, indent, out):
    pad = " " * indent
    if isinstance(node, dict):
        for k, v in node.items():
            key = pad + scalar(k) + ":"
            if isinstance(v, dict):
                if v:
                    out.append(key)
                    emit(v, indent + 2, out)
                else:
                    out.append(key + " {}")
            elif isinstance(v, list):
                if v:
                    out.append(key)
                    emit(v, indent, out)  # kubectl style: list items at the key's indent
                else:
                    out.append(key + " []")
            else:
                out.append(key + " " + scalar(v))
    elif isinstance(node, list):
        for item in node:
            if isinstance(item, dict) and item:
                sub = []
                emit(item, indent + 2, sub)
                sub[0] = pad + "- " + sub[0][indent + 2:]
                out.extend(sub)
            elif isinstance(item, (dict, list)):
                out.append(pad + "- " + ("{}" if isinstance(item, dict) else "[]"))
            else:
                out.append(pad + "- " + scalar(item))
    else:
        raise TypeError(node)


def to_yaml(obj):
    out = []
    emit(obj, 0, out)
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- vocabulary

TEAMS = ["payments", "checkout", "search", "identity", "platform", "data", "growth", "mobile"]
ENVS = [("prod", 0.5), ("staging", 0.3), ("dev", 0.2)]
TIERS = [("frontend", 0.2), ("backend", 0.45), ("db", 0.15), ("worker", 0.2)]
NAMES = {
    "frontend": ["web", "ui", "gateway", "bff", "storefront"],
    "backend": ["api", "orders", "payments", "catalog", "users", "cart", "search", "auth",
                "pricing", "inventory"],
    "db": ["postgres", "redis"],
    "worker": ["mailer", "indexer", "reporter", "sync", "scheduler"],
}
DB = {"postgres": ("postgres:16", "postgres", 5432), "redis": ("redis:7", "redis", 6379)}
HTTP = 8080
METRICS = 9090


def weighted(rng, pairs):
    x = rng.random()
    for v, w in pairs:
        x -= w
        if x < 0:
            return v
    return pairs[-1][0]


def meta(name, ns=None, labels=None):
    m = {"name": name}
    if ns:
        m["namespace"] = ns
    if labels:
        m["labels"] = labels
    return m


def deployment(ns, name, labels, containers, replicas):
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": meta(name, ns, dict(labels)),
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": dict(labels)},
            "template": {"metadata": {"labels": dict(labels)}, "spec": {"containers": containers}},
        },
    }


def policy(ns, name, spec):
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": meta(name, ns), "spec": spec}


class Ns:
    def __init__(self, name, team, env):
        self.name, self.team, self.env = name, team, env
        self.apps = []          # (app, tier, port name, port number)
        self.policies = []
        self.deny = False


def workloads(rng, ns, count):
    docs = []
    used = {}
    for _ in range(count):
        tier = weighted(rng, TIERS)
        base = rng.choice(NAMES[tier])
        used[base] = used.get(base, 0) + 1
        app = f"{base}-{used[base]:02d}"
        labels = {"app": app, "tier": tier}
        if tier == "db":
            image, pname, port = DB[base]
        else:
            image = f"registry.example.com/{ns.team}/{base}:{rng.randint(1, 4)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}"
            pname, port = "http", HTTP
        ports = []
        if tier != "worker":
            ports.append({"name": pname, "containerPort": port, "protocol": "TCP"})
        if tier == "worker" or rng.random() < 0.4:
            ports.append({"name": "metrics", "containerPort": METRICS, "protocol": "TCP"})
        c = {"name": base, "image": image, "ports": ports,
             "resources": {"requests": {"cpu": "100m", "memory": "128Mi"},
                           "limits": {"memory": "256Mi"}}}
        docs.append(deployment(ns.name, app, labels, [c], 1 if tier == "db" else rng.choice([2, 3])))
        ns.apps.append((app, tier, pname if tier != "worker" else "metrics",
                        port if tier != "worker" else METRICS))
    return docs


def pick_app(rng, ns, tiers=None):
    cands = [a for a in ns.apps if tiers is None or a[1] in tiers]
    return rng.choice(cands) if cands else None


def target_selector(app):
    return {"matchLabels": {"app": app[0]}} if app else {}


def app_policy(rng, ns, nss, idx):
    """One per-app allow policy in ns (kind chosen from a realistic mix)."""
    k = rng.random()
    tcp = lambda p: {"protocol": "TCP", "port": p}  # noqa: E731
    if k < 0.22:  # backend ingress from same-namespace frontends, numbered or named port
        t = pick_app(rng, ns, ("backend",)) or pick_app(rng, ns)
        port = "http" if rng.random() < 0.5 else HTTP
        spec = {"podSelector": target_selector(t), "policyTypes": ["Ingress"],
                "ingress": [{"from": [{"podSelector": {"matchLabels": {"tier": "frontend"}}}],
                             "ports": [tcp(port)]}]}
        name = "allow-frontend"
    elif k < 0.38:  # cross-namespace: namespaceSelector team=X AND podSelector app=Y
        t = pick_app(rng, ns, ("backend", "frontend")) or pick_app(rng, ns)
        peers = []
        for _ in range(rng.randint(1, 2)):
            other = rng.choice(nss)
            src = pick_app(rng, other, ("frontend", "backend", "worker"))
            peers.append({"namespaceSelector": {"matchLabels": {"team": other.team}},
                          "podSelector": {"matchLabels": {"app": src[0] if src else "client"}}})
        if rng.random() < 0.05:  # the classic OR mistake: two peers instead of one
            peers = [{"namespaceSelector": peers[0]["namespaceSelector"]},
                     {"podSelector": peers[0]["podSelector"]}]
        spec = {"podSelector": target_selector(t), "policyTypes": ["Ingress"],
                "ingress": [{"from": peers,
                             "ports": [tcp("http" if rng.random() < 0.5 else HTTP)]}]}
        name = "allow-cross-ns"
    elif k < 0.44:  # env-wide ingress via matchExpressions
        t = pick_app(rng, ns, ("frontend",)) or pick_app(rng, ns)
        spec = {"podSelector": target_selector(t),
                "ingress": [{"from": [{"namespaceSelector": {"matchExpressions": [
                    {"key": "env", "operator": "In", "values": ["prod", "staging"]}]}}],
                    "ports": [tcp(HTTP)]}]}  # policyTypes omitted: defaults to Ingress
        name = "allow-env"
    elif k < 0.58:  # db ingress from backends and workers
        t = pick_app(rng, ns, ("db",)) or pick_app(rng, ns)
        port = t[3] if t and t[1] == "db" else 5432
        if t and t[1] == "db" and rng.random() < 0.3:
            port = t[2]  # named port: postgres / redis
        spec = {"podSelector": target_selector(t), "policyTypes": ["Ingress"],
                "ingress": [{"from": [{"podSelector": {"matchExpressions": [
                    {"key": "tier", "operator": "In", "values": ["backend", "worker"]}]}}],
                    "ports": [tcp(port)]}]}
        name = "allow-db"
    elif k < 0.66:  # metrics scraping from the platform team's namespaces
        t = pick_app(rng, ns)
        spec = {"podSelector": target_selector(t), "policyTypes": ["Ingress"],
                "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"team": "platform"}},
                                       "podSelector": {"matchLabels": {"app": "prometheus"}}}],
                             "ports": [tcp("metrics")]}]}
        name = "allow-metrics"
    elif k < 0.84:  # egress to backends / dbs
        t = pick_app(rng, ns, ("frontend", "backend", "worker")) or pick_app(rng, ns)
        rules = [{"to": [{"podSelector": {"matchLabels": {"tier": "backend"}}}],
                  "ports": [tcp("http" if rng.random() < 0.4 else HTTP)]}]
        if rng.random() < 0.5:
            rules.append({"to": [{"podSelector": {"matchLabels": {"tier": "db"}}}],
                          "ports": [tcp(5432), tcp(6379)]})
        spec = {"podSelector": target_selector(t), "policyTypes": ["Egress"], "egress": rules}
        name = "allow-egress"
    elif k < 0.96:  # ipBlock egress
        t = pick_app(rng, ns, ("backend", "worker")) or pick_app(rng, ns)
        if rng.random() < 0.5:
            rule = {"to": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.96.0.0/12"]}}],
                    "ports": [tcp(443), tcp(5432)]}
        else:
            rule = {"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["169.254.169.254/32"]}}],
                    "ports": [tcp(443)]}
        spec = {"podSelector": target_selector(t), "policyTypes": ["Egress"], "egress": [rule]}
        name = "allow-external"
    else:  # endPort range, ingress and egress in one policy
        t = pick_app(rng, ns, ("backend",)) or pick_app(rng, ns)
        spec = {"podSelector": target_selector(t), "policyTypes": ["Ingress", "Egress"],
                "ingress": [{"from": [{"podSelector": {"matchLabels": {"tier": "frontend"}}}],
                             "ports": [{"protocol": "TCP", "port": 8000, "endPort": 8100}]}],
                "egress": [{"to": [{"ipBlock": {"cidr": "172.16.0.0/12"}}],
                            "ports": [{"protocol": "TCP", "port": 32000, "endPort": 32767}]}]}
        name = "allow-range"
    name = f"{name}-{t[0]}-{idx:04d}" if t else f"{name}-{idx:04d}"
    return policy(ns.name, name, spec)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--workloads", type=int, default=5000)
    ap.add_argument("--namespaces", type=int, default=200)
    ap.add_argument("--policies", type=int, default=1000)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    if a.namespaces < 1 or a.workloads < 0 or a.policies < 0:
        ap.error("need --namespaces >= 1 and non-negative --workloads / --policies")
    rng = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    width = max(3, len(str(a.namespaces - 1)))
    nss = [Ns(f"ns-{i:0{width}d}", rng.choice(TEAMS), weighted(rng, ENVS)) for i in range(a.namespaces)]
    ws = {}
    for i, ns in enumerate(nss):  # evenly: 5000 / 200 = 25 each, remainder to the first ones
        ws[ns.name] = workloads(rng, ns, a.workloads // a.namespaces + (i < a.workloads % a.namespaces))
    # ~80% of namespaces get default deny + DNS egress (2 policies each), if the budget allows
    deny = min(round(0.8 * a.namespaces), a.policies // 2)
    for ns in rng.sample(nss, deny):
        ns.deny = True
        ns.policies.append(policy(ns.name, "default-deny", {
            "podSelector": {}, "policyTypes": ["Ingress", "Egress"]}))
        ns.policies.append(policy(ns.name, "allow-dns", {
            "podSelector": {}, "policyTypes": ["Egress"],
            "egress": [{"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                                "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
                        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}]}))
    for idx in range(a.policies - 2 * deny):
        ns = rng.choice(nss)
        ns.policies.append(app_policy(rng, ns, nss, idx))
    files = 0
    for ns in nss:
        docs = [{"apiVersion": "v1", "kind": "Namespace",
                 "metadata": meta(ns.name, labels={"team": ns.team, "env": ns.env})}]
        docs += ws[ns.name] + ns.policies
        with open(os.path.join(a.out, f"{ns.name}.yaml"), "w") as fh:
            fh.write("---\n".join(to_yaml(d) for d in docs))
        files += 1
    dns = deployment("kube-system", "coredns", {"k8s-app": "kube-dns"}, [{
        "name": "coredns", "image": "registry.k8s.io/coredns/coredns:v1.11.1",
        "args": ["-conf", "/etc/coredns/Corefile"],
        "ports": [{"name": "dns", "containerPort": 53, "protocol": "UDP"},
                  {"name": "dns-tcp", "containerPort": 53, "protocol": "TCP"},
                  {"name": "metrics", "containerPort": 9153, "protocol": "TCP"}]}], 2)
    ks = [{"apiVersion": "v1", "kind": "Namespace", "metadata": meta("kube-system")}, dns]
    with open(os.path.join(a.out, "kube-system.yaml"), "w") as fh:
        fh.write("---\n".join(to_yaml(d) for d in ks))
    # the Prometheus that the allow-metrics policies admit (team=platform AND app=prometheus)
    prom = deployment("monitoring", "prometheus", {"app": "prometheus"}, [{
        "name": "prometheus", "image": "quay.io/prometheus/prometheus:v2.51.0",
        "ports": [{"name": "web", "containerPort": 9090, "protocol": "TCP"}]}], 1)
    mon = [{"apiVersion": "v1", "kind": "Namespace",
            "metadata": meta("monitoring", labels={"team": "platform", "env": "prod"})}, prom]
    with open(os.path.join(a.out, "monitoring.yaml"), "w") as fh:
        fh.write("---\n".join(to_yaml(d) for d in mon))
    files += 2
    print(f"{a.workloads} workloads, {a.namespaces} namespaces, {a.policies} policies in {files} files"
          f" ({deny} with default deny; plus kube-system/coredns and monitoring/prometheus)")


if __name__ == "__main__":
    main()
