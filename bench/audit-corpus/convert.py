#!/usr/bin/env python3
"""Rewrites native audit events (JSON lines) as a managed cluster's logging
delivers them, so the same labelled corpus scores palisade's readers of EKS,
AKS and GKE logs.

    convert.py eks|aks|gke|native < native.jsonl > out

eks     CloudWatch Logs log events, one JSON object a line
        (`aws logs filter-log-events` output, `jq -c '.events[]'`): the event's
        JSON text in `message`, as EKS ships it.
aks     Azure Monitor diagnostic records of category kube-audit, 500 to a
        `{"records": [...]}` document, one document a line (what a diagnostic
        setting writes to a storage account); the event's JSON text in
        `properties.log`.
gke     Cloud Logging LogEntries with a Kubernetes AuditLog protoPayload
        (`gcloud logging read --format=json`, one entry a line). GKE logs a
        request once: the stages of one audit ID become one entry (the last
        stage's). It keeps no query string, no groups and no impersonation;
        `insertId` is the API server's audit ID so the labels still apply.
native  the input, unchanged.

Standard library only; deterministic (the same input gives the same output).
"""

import datetime
import hashlib
import json
import sys

CLUSTER = "prod-eu-1"
AUDIT_LOG = "type.googleapis.com/google.cloud.audit.AuditLog"


def _digest(s, n):
    return hashlib.sha256(s.encode()).hexdigest()[:n]


def _ms(ts):
    # 2026-12-07T14:12:13.039907Z -> epoch milliseconds
    d = datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    return int(d.timestamp() * 1000)


# ------------------------------------------------------------------ EKS

def eks(lines):
    stream = "kube-apiserver-audit-" + _digest(CLUSTER + "stream", 32)
    for i, line in enumerate(lines):
        ev = json.loads(line)
        ts = _ms(ev["stageTimestamp"])
        lag = 200 + int(_digest(ev["auditID"] + ev["stage"], 4), 16) % 1500
        event_id = str(int(_digest(f"{i}{line}", 30), 16)).rjust(56, "3")[:56]
        yield json.dumps({"logStreamName": stream, "timestamp": ts, "message": line,
                          "ingestionTime": ts + lag, "eventId": event_id}, separators=(",", ":"))


# ------------------------------------------------------------------ AKS

def aks(lines, per_document=500):
    rid = ("/SUBSCRIPTIONS/6F1E2D3C-4B5A-4978-8695-A4B3C2D1E0F9/RESOURCEGROUPS/RG-PROD-EU"
           "/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/" + CLUSTER.upper())
    pods = ["kube-apiserver-7c9d8f6b5-" + _digest(CLUSTER + str(i), 5) for i in range(2)]
    batch = []
    for line in lines:
        ev = json.loads(line)
        pod = pods[int(_digest(ev["auditID"], 2), 16) % 2]
        batch.append({"time": ev["stageTimestamp"], "resourceId": rid, "category": "kube-audit",
                      "operationName": "Microsoft.ContainerService/managedClusters/diagnosticLogs/Read",
                      "properties": {"log": line, "stream": "stdout", "pod": pod,
                                     "containerID": _digest(pod, 64)}})
        if len(batch) == per_document:
            yield json.dumps({"records": batch}, separators=(",", ":"))
            batch = []
    if batch:
        yield json.dumps({"records": batch}, separators=(",", ":"))


# ------------------------------------------------------------------ GKE

def grpc_code(http, reason=""):
    if http < 400:
        return 0
    return {400: 3, 401: 16, 403: 7, 404: 5, 409: 6 if reason == "AlreadyExists" else 10, 410: 9, 412: 9,
            422: 3, 429: 8, 499: 1, 500: 13, 501: 12, 503: 14, 504: 4}.get(http, 13 if http >= 500 else 9)


def method_group(group):
    """The API group as GKE's methodName spells it: core, apps,
    authorization.rbac (rbac.authorization.k8s.io), admissionregistration…"""
    if not group:
        return "core"
    if group.endswith(".k8s.io"):
        return ".".join(reversed(group[: -len(".k8s.io")].split(".")))
    return group


def type_url(group, version, kind):
    """The @type GKE gives a request or response body: core.k8s.io/v1.Pod,
    apps.k8s.io/v1.Deployment, rbac.authorization.k8s.io/v1.ClusterRole."""
    g = group or "core"
    if not g.endswith(".k8s.io"):
        g += ".k8s.io"
    return f"{g}/{version}.{kind}"


def gke_entry(ev):
    o = ev.get("objectRef") or {}
    verb = ev["verb"]
    res, sub = o.get("resource"), o.get("subresource")
    group, version = o.get("apiGroup", ""), o.get("apiVersion", "v1")
    if res:
        method = f"io.k8s.{method_group(group)}.{version}.{res}" + (f".{sub}" if sub else "") + f".{verb}"
        rn = f"{group or 'core'}/{version}"
        if res == "namespaces":
            rn += "/namespaces" + (f"/{o['name']}" if o.get("name") else "")
        else:
            if o.get("namespace"):
                rn += f"/namespaces/{o['namespace']}"
            rn += f"/{res}" + (f"/{o['name']}" if o.get("name") else "")
        if sub:
            rn += f"/{sub}"
    else:
        method = f"io.k8s.{verb}"
        rn = ev.get("requestURI", "/").split("?")[0].lstrip("/")
    st = ev.get("responseStatus") or {}
    code = st.get("code", 200)
    ann = {k: v for k, v in (ev.get("annotations") or {}).items() if isinstance(v, str)}
    p = {"@type": AUDIT_LOG, "serviceName": "k8s.io", "methodName": method, "resourceName": rn,
         "requestMetadata": {"callerIp": (ev.get("sourceIPs") or ["0.0.0.0"])[0],
                             "callerSuppliedUserAgent": ev.get("userAgent", "")}}
    u = (ev.get("user") or {}).get("username")
    if u:
        p["authenticationInfo"] = {"principalEmail": u}
    if "authorization.k8s.io/decision" in ann:
        p["authorizationInfo"] = [{"resource": rn, "permission": method.rsplit(".", 1)[0] + "." + verb,
                                   "granted": ann["authorization.k8s.io/decision"] == "allow"}]
    gc = grpc_code(code, st.get("reason", ""))
    p["status"] = {"code": gc, "message": st.get("message", "")} if gc else {}
    for field, key in (("requestObject", "request"), ("responseObject", "response")):
        obj = ev.get(field)
        if isinstance(obj, dict) and obj.get("kind"):
            g, _, v = (obj.get("apiVersion") or f"{group}/{version}").rpartition("/")
            obj = {"@type": type_url(g, v, obj["kind"]), **obj}
        if obj is not None:
            p[key] = obj
    write = verb not in ("get", "list", "watch")
    entry = {"protoPayload": p, "insertId": ev["auditID"],
             "resource": {"type": "k8s_cluster", "labels": {"project_id": "corp-prod", "location": "europe-west1",
                                                           "cluster_name": CLUSTER}},
             "timestamp": ev["requestReceivedTimestamp"], "receiveTimestamp": ev["stageTimestamp"],
             "severity": "NOTICE" if write else "INFO",
             "logName": "projects/corp-prod/logs/cloudaudit.googleapis.com%2F"
                        + ("activity" if write else "data_access")}
    if ann:
        entry["labels"] = ann
    return entry


def gke(lines):
    # One entry per audit ID, from its last stage, in the order the IDs first appear.
    order, last = [], {}
    for line in lines:
        ev = json.loads(line)
        aid = ev["auditID"]
        if aid not in last:
            order.append(aid)
            last[aid] = ev
        elif ev["stage"] == "ResponseComplete" or last[aid]["stage"] != "ResponseComplete":
            last[aid] = ev
    for aid in order:
        yield json.dumps(gke_entry(last[aid]), separators=(",", ":"))


def native(lines):
    yield from lines


FORMATS = {"native": native, "eks": eks, "aks": aks, "gke": gke}


def convert(fmt, lines):
    """Output lines (without newline) for native event lines (without newline)."""
    return FORMATS[fmt](lines)


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in FORMATS:
        print(__doc__, file=sys.stderr)
        return 2
    lines = (l.rstrip("\n") for l in sys.stdin if l.strip())
    out = sys.stdout
    for rec in convert(sys.argv[1], lines):
        out.write(rec + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
