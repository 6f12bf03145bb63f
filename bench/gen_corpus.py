#!/usr/bin/env python3
"""Generate a deterministic corpus of realistic Kubernetes manifests for benchmarking.

    gen_corpus.py --objects N --out DIR [--seed S] [--per-file K]

Writes N Kubernetes objects (valid apps/v1, batch/v1, v1, networking.k8s.io/v1 and
rbac.authorization.k8s.io/v1 schemas) as multi-document YAML files of about K objects
each (default 20), spread over many namespaces:

    DIR/cluster-scoped/part-0000.yaml     Namespaces, ClusterRoles, ClusterRoleBindings
    DIR/<namespace>/part-0000.yaml        everything namespaced

The mix (by object count) is roughly: workloads 40% (Deployment, StatefulSet, DaemonSet,
Job, CronJob, Pod), Services 20%, ConfigMaps/Secrets 10%, ServiceAccounts + RBAC 15%,
NetworkPolicies 8%, ResourceQuotas/LimitRanges 4%, Ingresses 2%, Namespaces ~1%.
Workloads get 1-3 containers with a random mix of hardened and insecure settings.

Python 3 standard library only; the same (N, seed, per-file) always yields the same bytes.
"""

import argparse
import base64
import hashlib
import json
import os
import random
import re
import sys

# --------------------------------------------------------------------------- YAML output

_PLAIN = re.compile(r"[A-Za-z_/][A-Za-z0-9_./@-]*(:[A-Za-z0-9_./@-]+)*")
_QUANTITY = re.compile(r"[0-9]+(m|k|Ki|Mi|Gi|Ti|M|G|T)")
_RESERVED = {
    "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", "nan", ".nan",
    ".inf", "-.inf", "<<", "=",
}


def scalar(v):
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return str(v)
    s = str(v)
    if s.lower() not in _RESERVED and (_PLAIN.fullmatch(s) or _QUANTITY.fullmatch(s)):
        return s
    return json.dumps(s)  # a JSON string is a valid YAML double-quoted scalar


def _multiline_ok(s):
    return "\n" in s and not s[0].isspace() and all(
        not line or line.rstrip() == line for line in s.split("\n")
    ) and "\t" not in s


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
            elif isinstance(v, str) and _multiline_ok(v):
                out.append(key + (" |" if v.endswith("\n") else " |-"))
                body = v[:-1] if v.endswith("\n") else v
                for line in body.split("\n"):
                    out.append((pad + "  " + line) if line else "")
            else:
                out.append(key + " " + scalar(v))
    elif isinstance(node, list):
        for item in node:
            if isinstance(item, dict) and item:
                sub = []
                emit(item, indent + 2, sub)
                sub[0] = pad + "- " + sub[0][indent + 2:]
                out.extend(sub)
            elif isinstance(item, list) and item:
                out.append(pad + "-")
                emit(item, indent + 2, out)
            else:
                out.append(pad + "- " + (scalar(item) if not isinstance(item, (dict, list))
                                         else ("{}" if isinstance(item, dict) else "[]")))
    else:
        raise TypeError(node)


def to_yaml(obj):
    out = []
    emit(obj, 0, out)
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- vocabulary

TEAMS = ["payments", "checkout", "search", "identity", "billing", "catalog", "shipping",
         "analytics", "platform", "observability", "ml", "notifications", "inventory",
         "fraud", "ledger", "media", "gateway", "reporting", "messaging", "storefront"]
ENVS = ["prod", "staging", "dev", "qa", "sandbox"]
NOUNS = ["api", "worker", "frontend", "backend", "cache", "queue", "scheduler", "indexer",
         "processor", "gateway", "proxy", "exporter", "consumer", "producer", "auth",
         "ledger", "router", "renderer", "sync", "uploader", "resizer", "collector",
         "webhook", "dispatcher", "aggregator", "reconciler", "notifier", "crawler"]
ADJS = ["orders", "user", "cart", "price", "stock", "event", "report", "email", "sms",
        "image", "video", "session", "token", "audit", "metrics", "search", "feed",
        "profile", "invoice", "refund", "rating", "geo", "tax", "coupon", "ledger"]
IMAGES = [
    "nginx", "redis", "postgres", "busybox", "alpine", "python", "node", "golang",
    "docker.io/bitnami/kafka", "docker.io/bitnami/rabbitmq", "quay.io/prometheus/node-exporter",
    "quay.io/prometheus/prometheus", "grafana/grafana", "envoyproxy/envoy",
    "registry.k8s.io/ingress-nginx/controller", "fluent/fluent-bit", "memcached",
    "ghcr.io/acme/orders-api", "ghcr.io/acme/checkout-web", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/svc",
    "gcr.io/acme-prod/indexer", "registry.example.com/platform/worker", "mongo", "elasticsearch",
    "openpolicyagent/opa", "jaegertracing/all-in-one", "otel/opentelemetry-collector-contrib",
]
VERSIONS = ["1.25.3", "7.2.4", "16.2", "1.36.1", "3.19", "3.12-slim", "20-alpine", "1.22",
            "3.6.1", "v2.51.0", "10.4.2", "v1.29.0", "v1.10.1", "2.2.2", "1.6.23", "7.0.12",
            "8.13.0", "0.63.0", "v0.98.0", "2024.03.1", "release-4.2.0", "sha-3f9c2e1"]
SIDECARS = [("envoy", "envoyproxy/envoy", "v1.29.0"),
            ("log-shipper", "fluent/fluent-bit", "2.2.2"),
            ("otel-agent", "otel/opentelemetry-collector-contrib", "0.98.0"),
            ("cloudsql-proxy", "gcr.io/cloud-sql-connectors/cloud-sql-proxy", "2.9.0"),
            ("vault-agent", "hashicorp/vault", "1.15.6")]
HOSTPATHS = ["/var/run/docker.sock", "/var/log", "/", "/etc", "/proc", "/var/lib/kubelet",
             "/run/containerd/containerd.sock", "/sys", "/var/lib/docker/containers"]
RBAC_RESOURCES = ["pods", "pods/log", "services", "endpoints", "configmaps", "secrets",
                  "deployments", "replicasets", "jobs", "events", "persistentvolumeclaims",
                  "ingresses", "leases", "statefulsets", "daemonsets", "cronjobs"]
API_GROUP_OF = {"deployments": "apps", "replicasets": "apps", "statefulsets": "apps",
                "daemonsets": "apps", "jobs": "batch", "cronjobs": "batch",
                "ingresses": "networking.k8s.io", "leases": "coordination.k8s.io"}

# Target share of each kind (Namespaces are added on top, ~1 per 100 objects).
MIX = [
    ("Deployment", 14), ("StatefulSet", 5), ("DaemonSet", 3), ("Job", 5), ("CronJob", 4),
    ("Pod", 9),                                                     # workloads 40
    ("Service", 20),                                                # 20
    ("ConfigMap", 6), ("Secret", 4),                                # 10
    ("ServiceAccount", 4), ("Role", 3), ("ClusterRole", 2), ("RoleBinding", 4),
    ("ClusterRoleBinding", 2),                                      # 15
    ("NetworkPolicy", 8),                                           # 8
    ("ResourceQuota", 2), ("LimitRange", 2),                        # 4
    ("Ingress", 2),                                                 # 2
]
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding"}
# generation order inside a namespace, so that references (selectors, SA names,
# ConfigMap/Secret volumes, Ingress backends) point at objects that exist
ORDER = ["ServiceAccount", "ConfigMap", "Secret", "Deployment", "StatefulSet", "DaemonSet",
         "Job", "CronJob", "Pod", "Service", "Ingress", "Role", "RoleBinding",
         "NetworkPolicy", "ResourceQuota", "LimitRange"]


def apportion(total, weights):
    """Largest-remainder split of total into integer parts proportional to weights."""
    s = sum(weights)
    raw = [total * w / s for w in weights]
    parts = [int(x) for x in raw]
    rest = sorted(range(len(raw)), key=lambda i: (parts[i] - raw[i], i))
    for i in rest[: total - sum(parts)]:
        parts[i] += 1
    return parts


class Namespace:
    def __init__(self, name, team, env):
        self.name, self.team, self.env = name, team, env
        self.used = set()
        self.apps = []              # (app name, pod labels, ports)
        self.sas = []
        self.configmaps = []
        self.secrets = []
        self.services = []          # (name, port)
        self.roles = []


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.seed = seed

    # ---- helpers
    def chance(self, p):
        return self.r.random() < p

    def pick(self, seq):
        return seq[self.r.randrange(len(seq))]

    def unique(self, ns, base):
        name, i = base, 2
        while name in ns.used:
            name = "%s-%d" % (base, i)
            i += 1
        ns.used.add(name)
        return name

    def app_name(self, ns):
        return self.unique(ns, "%s-%s" % (self.pick(ADJS), self.pick(NOUNS)))

    def labels(self, ns, app, component=None):
        l = {"app.kubernetes.io/name": app,
             "app.kubernetes.io/instance": "%s-%s" % (app, ns.env),
             "app.kubernetes.io/part-of": ns.team}
        if component or self.chance(0.3):
            l["app.kubernetes.io/component"] = component or self.pick(
                ["server", "worker", "database", "cache", "batch"])
        if self.chance(0.5):
            l["app.kubernetes.io/version"] = self.pick(VERSIONS)
        if self.chance(0.4):
            l["app.kubernetes.io/managed-by"] = self.pick(["Helm", "kustomize", "argocd"])
        return l

    def meta(self, ns, name, labels=None, annotations=None, cluster=False):
        m = {"name": name}
        if not cluster and (ns is not None) and not self.chance(0.03):
            m["namespace"] = ns.name        # ~3% rely on `kubectl -n`, like real repos
        if labels:
            m["labels"] = labels
        if annotations:
            m["annotations"] = annotations
        return m

    def digest(self):
        return "sha256:" + hashlib.sha256(str(self.r.random()).encode()).hexdigest()

    def image(self, base=None, version=None):
        base = base or self.pick(IMAGES)
        x = self.r.random()
        if x < 0.10:
            return base + ":latest"
        if x < 0.15:
            return base                           # untagged == latest
        if x < 0.30:
            return base + "@" + self.digest()
        return base + ":" + (version or self.pick(VERSIONS))

    # ---- containers and pods
    def sec_profile(self):
        x = self.r.random()
        return "hardened" if x < 0.35 else ("partial" if x < 0.78 else "bad")

    def container_sc(self, profile):
        r = self
        if profile == "hardened":
            sc = {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                  "runAsNonRoot": True, "runAsUser": r.pick([1000, 10001, 65532]),
                  "capabilities": {"drop": ["ALL"]}}
            if r.chance(0.7):
                sc["seccompProfile"] = {"type": "RuntimeDefault"}
            return sc
        if profile == "partial":
            sc = {}
            if r.chance(0.5):
                sc["allowPrivilegeEscalation"] = False
            if r.chance(0.4):
                sc["readOnlyRootFilesystem"] = r.chance(0.7)
            if r.chance(0.4):
                sc["runAsNonRoot"] = True
            if r.chance(0.3):
                sc["runAsUser"] = r.pick([0, 1000, 1001, 101])
            if r.chance(0.4):
                sc["capabilities"] = {"drop": [r.pick(["ALL", "NET_RAW"])]}
            if r.chance(0.2):
                sc["seccompProfile"] = {"type": "RuntimeDefault"}
            return sc or None
        sc = {}
        if r.chance(0.45):
            sc["privileged"] = True
        if r.chance(0.5):
            sc["allowPrivilegeEscalation"] = True
        if r.chance(0.5):
            sc["runAsUser"] = 0
        if r.chance(0.4):
            sc["capabilities"] = {"add": r.r.sample(
                ["SYS_ADMIN", "NET_ADMIN", "NET_RAW", "SYS_PTRACE", "SYS_MODULE"],
                r.r.randint(1, 2))}
        if r.chance(0.2):
            sc["seccompProfile"] = {"type": "Unconfined"}
        if r.chance(0.2):
            sc["procMount"] = "Unmasked"
        return sc or {"privileged": True}

    def env(self, ns, n):
        out = []
        for i in range(n):
            x = self.r.random()
            if x < 0.45:
                k, v = self.pick([("LOG_LEVEL", self.pick(["info", "debug", "warn"])),
                                  ("PORT", "8080"), ("GOMAXPROCS", "2"),
                                  ("JAVA_OPTS", "-Xms256m -Xmx512m"),
                                  ("FEATURE_FLAGS", "checkout-v2,fast-search"),
                                  ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://otel-collector.observability:4317"),
                                  ("TZ", "UTC"), ("CACHE_TTL", "300"),
                                  ("DATABASE_HOST", "postgres.%s.svc.cluster.local" % ns.name)])
                out.append({"name": k, "value": v})
            elif x < 0.53:  # hard-coded credential: a classic misconfiguration
                k = self.pick(["DB_PASSWORD", "API_KEY", "AWS_SECRET_ACCESS_KEY", "JWT_SECRET"])
                out.append({"name": k, "value": hashlib.md5(str(self.r.random()).encode()).hexdigest()})
            elif x < 0.75 and ns.secrets:
                out.append({"name": self.pick(["DB_PASSWORD", "API_TOKEN", "REDIS_PASSWORD", "SMTP_PASSWORD"]),
                            "valueFrom": {"secretKeyRef": {"name": self.pick(ns.secrets), "key": "password"}}})
            elif x < 0.88 and ns.configmaps:
                out.append({"name": self.pick(["APP_MODE", "REGION", "UPSTREAM_URL"]),
                            "valueFrom": {"configMapKeyRef": {"name": self.pick(ns.configmaps), "key": "mode"}}})
            else:
                out.append({"name": self.pick(["POD_NAME", "POD_IP", "NODE_NAME"]),
                            "valueFrom": {"fieldRef": {"fieldPath": self.pick(
                                ["metadata.name", "status.podIP", "spec.nodeName"])}}})
        seen, uniq = set(), []
        for e in out:
            if e["name"] not in seen:
                seen.add(e["name"])
                uniq.append(e)
        return uniq

    def probe(self, port):
        x = self.r.random()
        if x < 0.6:
            p = {"httpGet": {"path": self.pick(["/healthz", "/ready", "/livez", "/health"]),
                             "port": port}}
        elif x < 0.85:
            p = {"tcpSocket": {"port": port}}
        else:
            p = {"exec": {"command": ["sh", "-c", "test -f /tmp/healthy"]}}
        p["initialDelaySeconds"] = self.pick([5, 10, 15, 30])
        p["periodSeconds"] = self.pick([10, 15, 20])
        if self.chance(0.3):
            p["timeoutSeconds"] = self.pick([1, 3, 5])
        if self.chance(0.15):
            p["failureThreshold"] = self.pick([3, 5, 6])
        return p

    def resources(self):
        x = self.r.random()
        cpu = self.pick(["50m", "100m", "250m", "500m", "1"])
        mem = self.pick(["64Mi", "128Mi", "256Mi", "512Mi", "1Gi", "2Gi"])
        if x < 0.62:
            return {"requests": {"cpu": cpu, "memory": mem},
                    "limits": {"cpu": self.pick(["500m", "1", "2"]) if self.chance(0.7) else cpu,
                               "memory": mem}}
        if x < 0.72:
            return {"requests": {"cpu": cpu, "memory": mem}}
        if x < 0.80:
            return {"limits": {"memory": mem}}
        return None

    def container(self, ns, name, image, profile, mounts, long_running, main=True):
        c = {"name": name, "image": image}
        if self.chance(0.6):
            c["imagePullPolicy"] = self.pick(["Always", "IfNotPresent", "IfNotPresent"])
        port = self.pick([8080, 8443, 9090, 3000, 5000, 6379, 5432, 80, 443])
        if not main and self.chance(0.5):
            c["args"] = self.pick([["--config=/etc/agent/config.yaml"],
                                   ["--log-level=info", "--metrics-addr=:9102"],
                                   ["-c", "/fluent-bit/etc/fluent-bit.conf"]])
        elif not long_running:
            c["command"] = ["/bin/sh", "-c"]
            c["args"] = [self.pick(["python manage.py migrate && python manage.py cleanup",
                                    "/app/bin/report --since=24h --upload s3://reports",
                                    "pg_dump $DATABASE_URL | gzip > /backup/dump.sql.gz",
                                    "curl -fsS http://orders-api/internal/reindex"])]
        if long_running and (main or self.chance(0.3)):
            ports = [{"name": "http", "containerPort": port}]
            if self.chance(0.15):
                ports.append({"name": "metrics", "containerPort": 9102})
            if self.chance(0.25):
                for p in ports:
                    p["protocol"] = "TCP"
            if self.chance(0.04):
                ports[0]["hostPort"] = port
            c["ports"] = ports
        n_env = self.r.randint(0, 3) if main else self.r.randint(0, 1)
        env = self.env(ns, n_env)
        if env:
            c["env"] = env
        if main and ns.configmaps and self.chance(0.15):
            c["envFrom"] = [{"configMapRef": {"name": self.pick(ns.configmaps)}}]
        res = self.resources() if main or self.chance(0.5) else None
        if res:
            c["resources"] = res
        if long_running:
            pp = 1.0 if main else 0.2
            if self.chance(0.55 * pp):
                c["livenessProbe"] = self.probe(port)
            if self.chance(0.6 * pp):
                c["readinessProbe"] = self.probe(port)
            if self.chance(0.08):
                c["startupProbe"] = self.probe(port)
        if mounts and (main or self.chance(0.3)):
            c["volumeMounts"] = mounts
        sc = self.container_sc(profile)
        if sc:
            c["securityContext"] = sc
        return c

    def pod_spec(self, ns, app, kind, long_running=True, restart=None):
        r = self
        profile = r.sec_profile()
        spec = {}
        if ns.sas and r.chance(0.75):
            spec["serviceAccountName"] = r.pick(ns.sas)
        elif r.chance(0.2):
            spec["serviceAccountName"] = "default"
        if r.chance(0.25 if profile != "bad" else 0.05):
            spec["automountServiceAccountToken"] = False
        if restart:
            spec["restartPolicy"] = restart
        # host namespaces: DaemonSets (node agents) are much more likely to use them
        host_p = 0.25 if kind == "DaemonSet" else (0.08 if profile == "bad" else 0.005)
        if r.chance(host_p):
            spec["hostNetwork"] = True
            spec["dnsPolicy"] = "ClusterFirstWithHostNet"
        if r.chance(host_p * 0.6):
            spec["hostPID"] = True
        if r.chance(host_p * 0.3):
            spec["hostIPC"] = True
        if profile == "hardened" or r.chance(0.3):
            psc = {"runAsNonRoot": True, "runAsUser": r.pick([1000, 10001, 65532])}
            if r.chance(0.4):
                psc["runAsGroup"] = r.pick([1000, 3000])
                psc["fsGroup"] = r.pick([2000, 1000])
            if r.chance(0.7):
                psc["seccompProfile"] = {"type": "RuntimeDefault"}
            if profile == "bad":
                psc = {"runAsUser": 0, "fsGroup": 0}
            spec["securityContext"] = psc
        # volumes
        volumes, mounts = [], []
        if r.chance(0.35):
            volumes.append({"name": "tmp", "emptyDir": {"sizeLimit": "256Mi"} if r.chance(0.4) else {}})
            mounts.append({"name": "tmp", "mountPath": "/tmp"})
        if ns.configmaps and r.chance(0.35):
            volumes.append({"name": "config", "configMap": {"name": r.pick(ns.configmaps)}})
            mounts.append({"name": "config", "mountPath": "/etc/app", "readOnly": True})
        if ns.secrets and r.chance(0.25):
            volumes.append({"name": "tls", "secret": {"secretName": r.pick(ns.secrets),
                                                      "defaultMode": 0o400}})
            mounts.append({"name": "tls", "mountPath": "/etc/tls", "readOnly": True})
        hp = 0.45 if kind == "DaemonSet" else (0.25 if profile == "bad" else 0.02)
        if r.chance(hp):
            path = r.pick(HOSTPATHS)
            v = {"name": "host", "hostPath": {"path": path}}
            if r.chance(0.5):
                v["hostPath"]["type"] = "Socket" if path.endswith(".sock") else "Directory"
            volumes.append(v)
            m = {"name": "host", "mountPath": "/host" + path if path != "/" else "/host"}
            if r.chance(0.5):
                m["readOnly"] = True
            mounts.append(m)
        if kind in ("Deployment", "Pod") and r.chance(0.06):
            volumes.append({"name": "data", "persistentVolumeClaim": {"claimName": app + "-data"}})
            mounts.append({"name": "data", "mountPath": "/var/lib/app"})
        # containers
        x = r.r.random()
        n = 1 if x < 0.78 else (2 if x < 0.95 else 3)
        containers = [r.container(ns, app, r.image(), profile, mounts, long_running)]
        for sname, simg, sver in r.r.sample(SIDECARS, n - 1):
            smounts = [m for m in mounts if m["name"] in ("tmp", "config")]
            containers.append(r.container(ns, sname, r.image(simg, sver),
                                          profile if r.chance(0.6) else r.sec_profile(),
                                          smounts, long_running, main=False))
        if r.chance(0.1):
            spec["initContainers"] = [{
                "name": "init-" + r.pick(["migrate", "wait-db", "chown"]),
                "image": r.image("busybox", "1.36.1"),
                "command": ["sh", "-c", r.pick(["until nc -z postgres 5432; do sleep 2; done",
                                                "chown -R 1000:1000 /var/lib/app",
                                                "/app/migrate up"])],
                **({"securityContext": {"runAsUser": 0}} if r.chance(0.4) else {}),
            }]
        spec["containers"] = containers
        if volumes:
            spec["volumes"] = volumes
        if r.chance(0.2):
            spec["nodeSelector"] = {"kubernetes.io/os": "linux"} if r.chance(0.6) else \
                {"node.kubernetes.io/instance-type": r.pick(["m6i.xlarge", "c6i.2xlarge", "n2-standard-4"])}
        if kind == "DaemonSet" or r.chance(0.1):
            spec["tolerations"] = [{"operator": "Exists"}] if kind == "DaemonSet" and r.chance(0.5) else [
                {"key": "dedicated", "operator": "Equal", "value": ns.team, "effect": "NoSchedule"}]
        if kind in ("Deployment", "StatefulSet") and r.chance(0.1):
            spec["affinity"] = {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{
                "weight": 100, "podAffinityTerm": {
                    "labelSelector": {"matchLabels": {"app.kubernetes.io/name": app}},
                    "topologyKey": "kubernetes.io/hostname"}}]}}
        if r.chance(0.3):
            spec["terminationGracePeriodSeconds"] = r.pick([10, 30, 60])
        if r.chance(0.1):
            spec["priorityClassName"] = r.pick(["high-priority", "system-node-critical", "batch-low"])
        return spec

    def template(self, ns, app, labels, kind, long_running=True, restart=None):
        sel = {"app.kubernetes.io/name": app, "app.kubernetes.io/instance": labels["app.kubernetes.io/instance"]}
        tl = dict(sel)
        tl["app.kubernetes.io/part-of"] = ns.team
        ann = {}
        if long_running and self.chance(0.25):
            ann = {"prometheus.io/scrape": "true", "prometheus.io/port": "9102"}
        if self.chance(0.05):
            ann["container.apparmor.security.beta.kubernetes.io/" + app] = "runtime/default"
        md = {"labels": tl}
        if ann:
            md["annotations"] = ann
        return sel, {"metadata": md, "spec": self.pod_spec(ns, app, kind, long_running, restart)}

    # ---- kinds
    def workload(self, ns, kind):
        r = self
        app = r.app_name(ns)
        labels = r.labels(ns, app)
        ann = {"deployment.kubernetes.io/revision": str(r.r.randint(1, 40))} if kind == "Deployment" and r.chance(0.3) else None
        if kind == "Pod":
            sel, t = r.template(ns, app, labels, kind, restart=r.pick(["Always", "OnFailure", None]))
            spec = t["spec"]
            if spec.get("restartPolicy") is None:
                spec.pop("restartPolicy", None)
            md = r.meta(ns, app, dict(labels, **t["metadata"]["labels"]), t["metadata"].get("annotations"))
            ns.apps.append((app, sel))
            return {"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": spec}
        if kind in ("Job", "CronJob"):
            sel, t = r.template(ns, app, labels, kind, long_running=False,
                                restart=r.pick(["Never", "OnFailure"]))
            job = {"backoffLimit": r.pick([0, 1, 3, 6])}
            if r.chance(0.5):
                job["ttlSecondsAfterFinished"] = r.pick([600, 3600, 86400])
            if r.chance(0.3):
                job["activeDeadlineSeconds"] = r.pick([600, 1800, 7200])
            job["template"] = t
            if kind == "Job":
                return {"apiVersion": "batch/v1", "kind": "Job", "metadata": r.meta(ns, app, labels, ann), "spec": job}
            spec = {"schedule": r.pick(["*/5 * * * *", "0 * * * *", "30 2 * * *", "0 6 * * 1", "15 */4 * * *"]),
                    "concurrencyPolicy": r.pick(["Forbid", "Allow", "Replace"])}
            if r.chance(0.5):
                spec["successfulJobsHistoryLimit"] = 3
                spec["failedJobsHistoryLimit"] = 1
            if r.chance(0.2):
                spec["timeZone"] = r.pick(["Etc/UTC", "Europe/Berlin", "America/New_York"])
            spec["jobTemplate"] = {"spec": job}
            return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": r.meta(ns, app, labels, ann), "spec": spec}
        sel, t = r.template(ns, app, labels, kind)
        ns.apps.append((app, sel))
        spec = {}
        if kind in ("Deployment", "StatefulSet"):
            spec["replicas"] = r.pick([1, 2, 3, 3, 5])
        if r.chance(0.4):
            spec["revisionHistoryLimit"] = r.pick([3, 5, 10])
        spec["selector"] = {"matchLabels": sel}
        if kind == "Deployment" and r.chance(0.6):
            spec["strategy"] = {"type": "RollingUpdate",
                                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": r.pick([0, 1, "25%"])}}
        if kind == "DaemonSet" and r.chance(0.6):
            spec["updateStrategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}}
        if kind == "StatefulSet":
            spec["serviceName"] = app + "-headless"
            if r.chance(0.4):
                spec["podManagementPolicy"] = "Parallel"
        spec["template"] = t
        if kind == "StatefulSet":
            spec["volumeClaimTemplates"] = [{
                "metadata": {"name": "data"},
                "spec": {"accessModes": ["ReadWriteOnce"],
                         "storageClassName": r.pick(["gp3", "standard-rwo", "premium-ssd"]),
                         "resources": {"requests": {"storage": r.pick(["10Gi", "50Gi", "200Gi"])}}}}]
            t["spec"]["containers"][0].setdefault("volumeMounts", []).append(
                {"name": "data", "mountPath": "/data"})
        return {"apiVersion": "apps/v1", "kind": kind, "metadata": r.meta(ns, app, labels, ann), "spec": spec}

    def service(self, ns):
        r = self
        if ns.apps and r.chance(0.85):
            app, sel = r.pick(ns.apps)
            name = r.unique(ns, app if r.chance(0.6) else app + r.pick(["-svc", "-internal", "-metrics", "-headless"]))
        else:
            app = r.app_name(ns)
            name, sel = app, {"app.kubernetes.io/name": app}
        typ = r.pick(["ClusterIP"] * 7 + ["NodePort", "LoadBalancer", "LoadBalancer"])
        port = r.pick([80, 443, 8080, 9090, 5432, 6379])
        ports = [{"name": "http" if port != 443 else "https", "port": port,
                  "targetPort": r.pick(["http", 8080, port]), "protocol": "TCP"}]
        if typ == "NodePort" and r.chance(0.5):
            ports[0]["nodePort"] = r.r.randint(30000, 32767)
        if r.chance(0.25):
            ports.append({"name": "metrics", "port": 9102, "targetPort": 9102, "protocol": "TCP"})
        spec = {"type": typ, "selector": sel, "ports": ports}
        if typ == "ClusterIP" and name.endswith("-headless"):
            spec["clusterIP"] = "None"
        if typ == "LoadBalancer" and r.chance(0.4):
            spec["loadBalancerSourceRanges"] = ["10.0.0.0/8"] if r.chance(0.6) else ["0.0.0.0/0"]
        if typ != "ClusterIP" and r.chance(0.3):
            spec["externalTrafficPolicy"] = "Local"
        if r.chance(0.02):
            spec["externalIPs"] = ["203.0.113.%d" % r.r.randint(1, 254)]
        if r.chance(0.1):
            spec["sessionAffinity"] = "ClientIP"
        ann = None
        if typ == "LoadBalancer" and r.chance(0.5):
            ann = {"service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
                   "service.beta.kubernetes.io/aws-load-balancer-internal": r.pick(["true", "false"])}
        ns.services.append((name, port))
        return {"apiVersion": "v1", "kind": "Service",
                "metadata": r.meta(ns, name, r.labels(ns, app), ann), "spec": spec}

    def configmap(self, ns):
        r = self
        app = r.app_name(ns)
        name = app + "-config"
        ns.configmaps.append(name)
        data = {"mode": r.pick(["production", "canary", "debug"]),
                "REGION": r.pick(["eu-west-1", "us-east-1", "europe-west4"])}
        x = r.r.random()
        if x < 0.35:
            data["nginx.conf"] = (
                "worker_processes auto;\n"
                "events {\n  worker_connections 1024;\n}\n"
                "http {\n  server {\n    listen %d;\n    location / {\n"
                "      proxy_pass http://%s:8080;\n      proxy_set_header Host $host;\n"
                "    }\n    location /healthz {\n      return 200 'ok';\n    }\n  }\n}\n"
                % (r.pick([80, 8080]), app))
        elif x < 0.7:
            data["application.yaml"] = (
                "server:\n  port: 8080\n  shutdown: graceful\n"
                "logging:\n  level: %s\n"
                "database:\n  url: jdbc:postgresql://postgres.%s:5432/%s\n  pool: %d\n"
                "cache:\n  ttl: %ds\n"
                % (r.pick(["INFO", "DEBUG"]), ns.name, app.replace("-", "_"), r.pick([5, 10, 20]),
                   r.pick([60, 300])))
        else:
            for i in range(r.r.randint(2, 6)):
                data["FEATURE_%s_%d" % (r.pick(ADJS).upper(), i)] = r.pick(["true", "false", "on", "50"])
        if r.chance(0.08):
            data["DB_PASSWORD"] = "changeme123"     # secret in a ConfigMap
        return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": r.meta(ns, name, r.labels(ns, app)),
                "data": data}

    def secret(self, ns):
        r = self
        app = r.app_name(ns)
        b64 = lambda s: base64.b64encode(s.encode()).decode()
        x = r.r.random()
        if x < 0.6:
            name = app + "-credentials"
            obj = {"type": "Opaque", "data": {
                "username": b64(app.replace("-", "_")),
                "password": b64(hashlib.sha1(str(r.r.random()).encode()).hexdigest()[:20])}}
        elif x < 0.8:
            name = app + "-tls"
            blob = b64("-----BEGIN CERTIFICATE-----\n" + hashlib.sha512(name.encode()).hexdigest() * 4 +
                       "\n-----END CERTIFICATE-----\n")
            obj = {"type": "kubernetes.io/tls", "data": {"tls.crt": blob, "tls.key": blob[::-1]}}
        elif x < 0.9:
            name = app + "-regcred"
            obj = {"type": "kubernetes.io/dockerconfigjson", "data": {".dockerconfigjson": b64(json.dumps(
                {"auths": {"registry.example.com": {"auth": b64("ci:" + hashlib.md5(name.encode()).hexdigest())}}}))}}
        else:
            name = app + "-env"
            obj = {"type": "Opaque", "stringData": {"API_KEY": hashlib.md5(name.encode()).hexdigest(),
                                                    "password": "s3cr3t-" + str(r.r.randint(100, 999))}}
        ns.secrets.append(name)
        ns.used.add(name)
        out = {"apiVersion": "v1", "kind": "Secret", "metadata": r.meta(ns, name, r.labels(ns, app))}
        out.update(obj)
        return out

    def service_account(self, ns):
        r = self
        name = r.unique(ns, r.pick(ADJS) + "-" + r.pick(NOUNS) + "-sa") if r.chance(0.7) else r.app_name(ns)
        ns.sas.append(name)
        ann = None
        if r.chance(0.3):
            ann = {"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/%s-%s" % (ns.name, name)}
        obj = {"apiVersion": "v1", "kind": "ServiceAccount",
               "metadata": r.meta(ns, name, r.labels(ns, name), ann)}
        if r.chance(0.4):
            obj["automountServiceAccountToken"] = False
        if r.chance(0.1):
            obj["imagePullSecrets"] = [{"name": "regcred"}]
        return obj

    def rules(self, cluster):
        r = self
        x = r.r.random()
        if x < 0.12:   # wildcard everything
            return [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]
        rules = []
        for _ in range(r.r.randint(1, 4)):
            res = r.r.sample(RBAC_RESOURCES, r.r.randint(1, 3))
            groups = sorted({API_GROUP_OF.get(x, "") for x in res})
            y = r.r.random()
            if y < 0.6:
                verbs = ["get", "list", "watch"]
            elif y < 0.8:
                verbs = ["get", "list", "watch", "create", "update", "patch", "delete"]
            elif y < 0.9:
                verbs = ["*"]
            else:
                verbs = ["create"]
                res = ["pods/exec"] if r.chance(0.5) else ["pods/portforward"]
                groups = [""]
            rules.append({"apiGroups": groups, "resources": res, "verbs": verbs})
        if r.chance(0.06):
            rules.append({"apiGroups": ["rbac.authorization.k8s.io"],
                          "resources": ["clusterroles", "rolebindings", "clusterrolebindings"],
                          "verbs": r.pick([["escalate", "bind"], ["create", "update"], ["*"]])})
        if cluster and r.chance(0.06):
            rules.append({"apiGroups": [""], "resources": ["nodes/proxy"], "verbs": ["get"]})
        if cluster and r.chance(0.05):
            rules.append({"apiGroups": [""], "resources": ["users", "groups", "serviceaccounts"],
                          "verbs": ["impersonate"]})
        if cluster and r.chance(0.08):
            rules.append({"nonResourceURLs": ["/metrics", "/healthz"], "verbs": ["get"]})
        return rules

    def role(self, ns):
        r = self
        name = r.unique(ns, r.pick(ADJS) + "-" + r.pick(["reader", "editor", "operator", "deployer", "admin"]))
        ns.roles.append(name)
        return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                "metadata": r.meta(ns, name, r.labels(ns, name)), "rules": r.rules(False)}

    def cluster_role(self, cl):
        r = self
        name = r.unique(cl, "%s:%s-%s" % (r.pick(TEAMS), r.pick(ADJS), r.pick(["viewer", "controller", "operator", "admin"])))
        cl.roles.append(name)
        obj = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
               "metadata": r.meta(None, name, {"app.kubernetes.io/managed-by": r.pick(["Helm", "kustomize"])},
                                  cluster=True)}
        if r.chance(0.1):
            obj["metadata"]["labels"]["rbac.authorization.k8s.io/aggregate-to-view"] = "true"
        obj["rules"] = r.rules(True)
        return obj

    def subjects(self, namespaces):
        r = self
        subs = []
        for _ in range(r.r.randint(1, 2)):
            x = r.r.random()
            ns = r.pick(namespaces)
            if x < 0.75:
                subs.append({"kind": "ServiceAccount", "name": r.pick(ns.sas) if ns.sas else "default",
                             "namespace": ns.name})
            elif x < 0.88:
                subs.append({"kind": "Group", "apiGroup": "rbac.authorization.k8s.io",
                             "name": r.pick(["%s-developers" % ns.team, "oncall", "system:authenticated",
                                             "system:serviceaccounts"])})
            elif x < 0.97:
                subs.append({"kind": "User", "apiGroup": "rbac.authorization.k8s.io",
                             "name": "%s@example.com" % r.pick(["alice", "bob", "ci-bot", "carol"])})
            else:
                subs.append({"kind": r.pick(["User", "Group"]), "apiGroup": "rbac.authorization.k8s.io",
                             "name": r.pick(["system:anonymous", "system:unauthenticated"])})
        return subs

    def role_binding(self, ns, cl):
        r = self
        x = r.r.random()
        if ns.roles and x < 0.6:
            ref = {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": r.pick(ns.roles)}
        else:
            ref = {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                   "name": r.pick(["view", "edit", "admin", "cluster-admin"] + cl.roles[-5:])}
        name = r.unique(ns, ref["name"].replace(":", "-") + "-binding")
        return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                "metadata": r.meta(ns, name, r.labels(ns, name)), "roleRef": ref,
                "subjects": r.subjects([ns])}

    def cluster_role_binding(self, cl, namespaces):
        r = self
        refname = r.pick(cl.roles) if cl.roles and r.chance(0.75) else r.pick(["view", "cluster-admin", "edit"])
        name = r.unique(cl, refname.replace(":", "-") + "-binding")
        return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                "metadata": r.meta(None, name, {"app.kubernetes.io/managed-by": "Helm"}, cluster=True),
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": refname},
                "subjects": r.subjects(namespaces)}

    def network_policy(self, ns):
        r = self
        x = r.r.random()
        if x < 0.3 and "default-deny" not in ns.used:
            ns.used.add("default-deny")
            types = ["Ingress"] if r.chance(0.5) else ["Ingress", "Egress"]
            return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                    "metadata": r.meta(ns, "default-deny"),
                    "spec": {"podSelector": {}, "policyTypes": types}}
        if ns.apps:
            app, sel = r.pick(ns.apps)
        else:
            app = r.app_name(ns)
            sel = {"app.kubernetes.io/name": app}
        name = r.unique(ns, "allow-" + app)
        frm = []
        if r.chance(0.5):
            frm.append({"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": r.pick(["ingress-nginx", ns.name, "observability"])}}})
        if r.chance(0.6) or not frm:
            frm.append({"podSelector": {"matchLabels": {"app.kubernetes.io/part-of": ns.team}}})
        if r.chance(0.05):
            frm = [{"ipBlock": {"cidr": "0.0.0.0/0"}}]
        spec = {"podSelector": {"matchLabels": sel}, "policyTypes": ["Ingress"],
                "ingress": [{"from": frm, "ports": [{"protocol": "TCP", "port": r.pick([8080, 80, 443, 9102])}]}]}
        if r.chance(0.4):
            spec["policyTypes"].append("Egress")
            spec["egress"] = [
                {"to": [{"namespaceSelector": {}, "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
                 "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]},
                {"to": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.96.0.0/12"]}}],
                 "ports": [{"protocol": "TCP", "port": 5432}]}]
        return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                "metadata": r.meta(ns, name, r.labels(ns, app)), "spec": spec}

    def resource_quota(self, ns):
        r = self
        name = r.unique(ns, ns.team + "-quota")
        return {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": r.meta(ns, name),
                "spec": {"hard": {"requests.cpu": str(r.pick([4, 8, 16, 32])),
                                  "requests.memory": r.pick(["8Gi", "16Gi", "64Gi"]),
                                  "limits.cpu": str(r.pick([8, 16, 32, 64])),
                                  "limits.memory": r.pick(["16Gi", "32Gi", "128Gi"]),
                                  "pods": str(r.pick([50, 100, 200])),
                                  "services.loadbalancers": str(r.pick([0, 1, 2])),
                                  "persistentvolumeclaims": str(r.pick([10, 20]))}}}

    def limit_range(self, ns):
        r = self
        name = r.unique(ns, "default-limits")
        return {"apiVersion": "v1", "kind": "LimitRange", "metadata": r.meta(ns, name),
                "spec": {"limits": [{"type": "Container",
                                     "default": {"cpu": "500m", "memory": r.pick(["256Mi", "512Mi"])},
                                     "defaultRequest": {"cpu": "100m", "memory": "128Mi"},
                                     "max": {"cpu": "4", "memory": "8Gi"}}]}}

    def ingress(self, ns):
        r = self
        if ns.services:
            svc, port = r.pick(ns.services)
        else:
            svc, port = r.app_name(ns), 80
        name = r.unique(ns, svc + "-ingress")
        host = "%s.%s.example.com" % (svc, ns.env)
        ann = {}
        if r.chance(0.5):
            ann["cert-manager.io/cluster-issuer"] = "letsencrypt-prod"
        if r.chance(0.3):
            ann["nginx.ingress.kubernetes.io/proxy-body-size"] = "16m"
        if r.chance(0.05):
            ann["nginx.ingress.kubernetes.io/server-snippet"] = "location /admin { allow all; }"
        spec = {"ingressClassName": r.pick(["nginx", "alb", "traefik"])}
        if r.chance(0.7):
            spec["tls"] = [{"hosts": [host], "secretName": svc + "-tls"}]
        spec["rules"] = [{"host": host, "http": {"paths": [
            {"path": p, "pathType": "Prefix",
             "backend": {"service": {"name": svc, "port": {"number": port}}}}
            for p in (["/"] if r.chance(0.6) else ["/api", "/static"])]}}]
        return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
                "metadata": r.meta(ns, name, r.labels(ns, svc), ann or None), "spec": spec}

    def namespace_obj(self, ns):
        r = self
        labels = {"kubernetes.io/metadata.name": ns.name, "team": ns.team, "environment": ns.env}
        if r.chance(0.5):
            labels["pod-security.kubernetes.io/enforce"] = r.pick(["restricted", "baseline", "privileged"])
        if r.chance(0.3):
            labels["istio-injection"] = "enabled"
        return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns.name, "labels": labels}}


def generate(n_objects, out_dir, seed=1, per_file=20):
    g = Gen(seed)
    r = g.r
    n_ns = max(1, min(n_objects // 2, round(n_objects / 100)))
    if n_objects < 3:
        n_ns = 0
    # namespaces
    namespaces, seen = [], set()
    for i in range(n_ns):
        team, env = r.choice(TEAMS), r.choice(ENVS)
        name = "%s-%s" % (team, env)
        k = 2
        while name in seen:
            name = "%s-%s-c%d" % (team, env, k)
            k += 1
        seen.add(name)
        namespaces.append(Namespace(name, team, env))
    if not namespaces:
        namespaces = [Namespace("default", "platform", "prod")]
    cluster = Namespace("", "platform", "prod")     # pseudo-namespace for cluster-scoped names
    rest = n_objects - n_ns
    counts = dict(zip([k for k, _ in MIX], apportion(rest, [w for _, w in MIX])))
    # skewed namespace sizes
    weights = [r.uniform(0.3, 3.0) for _ in namespaces]
    per_ns = {ns.name: [] for ns in namespaces}
    for kind in [k for k, _ in MIX if k not in CLUSTER_SCOPED]:
        for _ in range(counts[kind]):
            ns = r.choices(namespaces, weights)[0]
            per_ns[ns.name].append(kind)
    files = {}   # subdir -> list of objects
    cl_objs = [g.namespace_obj(ns) for ns in namespaces[:n_ns]]
    for _ in range(counts["ClusterRole"]):
        cl_objs.append(g.cluster_role(cluster))
    for ns in namespaces:
        kinds = sorted(per_ns[ns.name], key=ORDER.index)
        objs = []
        for kind in kinds:
            if kind in ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod"):
                objs.append(g.workload(ns, kind))
            elif kind == "Service":
                objs.append(g.service(ns))
            elif kind == "ConfigMap":
                objs.append(g.configmap(ns))
            elif kind == "Secret":
                objs.append(g.secret(ns))
            elif kind == "ServiceAccount":
                objs.append(g.service_account(ns))
            elif kind == "Role":
                objs.append(g.role(ns))
            elif kind == "RoleBinding":
                objs.append(g.role_binding(ns, cluster))
            elif kind == "NetworkPolicy":
                objs.append(g.network_policy(ns))
            elif kind == "ResourceQuota":
                objs.append(g.resource_quota(ns))
            elif kind == "LimitRange":
                objs.append(g.limit_range(ns))
            elif kind == "Ingress":
                objs.append(g.ingress(ns))
        r.shuffle(objs)     # files mix kinds, as hand-maintained repos do
        files[ns.name] = objs
    for _ in range(counts["ClusterRoleBinding"]):
        cl_objs.append(g.cluster_role_binding(cluster, namespaces))
    files["cluster-scoped"] = cl_objs

    os.makedirs(out_dir, exist_ok=True)
    n_files = total = 0
    kind_count = {}
    for sub in sorted(files):
        objs = files[sub]
        if not objs:
            continue
        d = os.path.join(out_dir, sub)
        os.makedirs(d, exist_ok=True)
        for i in range(0, len(objs), per_file):
            chunk = objs[i:i + per_file]
            text = "---\n".join(to_yaml(o) for o in chunk)
            with open(os.path.join(d, "part-%04d.yaml" % (i // per_file)), "w") as f:
                f.write(text)
            n_files += 1
            total += len(chunk)
            for o in chunk:
                kind_count[o["kind"]] = kind_count.get(o["kind"], 0) + 1
    return total, n_files, kind_count


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--objects", type=int, required=True, help="number of Kubernetes objects")
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--per-file", type=int, default=20, help="objects per YAML file (default 20)")
    ap.add_argument("--stats", action="store_true", help="print the per-kind counts")
    a = ap.parse_args()
    if a.objects < 1 or a.per_file < 1:
        ap.error("--objects and --per-file must be positive")
    total, n_files, kinds = generate(a.objects, a.out, a.seed, a.per_file)
    print("wrote %d objects in %d files under %s (seed %d)" % (total, n_files, a.out, a.seed))
    if a.stats:
        for k in sorted(kinds, key=lambda k: -kinds[k]):
            print("  %-20s %6d  %5.1f%%" % (k, kinds[k], 100.0 * kinds[k] / total))


if __name__ == "__main__":
    sys.exit(main())
