#!/usr/bin/env python3
"""Writes the hostile inputs of bench/hostile.sh into a folder.

  alias-bomb.yaml      ten 10 KB strings aliased LEVELS levels deep (~100 KB)
  split-pods.yaml      four documents, each a Pod with CONTAINERS containers
  big-pod.yaml         one Pod of ~630 KB (many small containers)
  dump.yaml            a `kubectl get pods -A -o yaml`-style List of PODS pods
"""
import argparse
import os


def alias_bomb(levels: int) -> str:
    out = ["apiVersion: v1", "kind: ConfigMap", "metadata:", "  name: bomb", "data:"]
    out.append("  l0: &l0")
    for i in range(10):
        out.append(f"    - &s{i} \"{chr(97 + i) * 10_000}\"")
    for lvl in range(1, levels + 1):
        refs = ", ".join([f"*l{lvl - 1}"] * 10)
        out.append(f"  l{lvl}: &l{lvl} [{refs}]")
    return "\n".join(out) + "\n"


def pod(name: str, containers: int) -> str:
    lines = [
        "apiVersion: v1",
        "kind: Pod",
        "metadata:",
        f"  name: {name}",
        "  namespace: hostile",
        "spec:",
        "  containers:",
    ]
    for i in range(containers):
        lines.append(f"  - name: c{i}")
        lines.append("    image: busybox")
    return "\n".join(lines) + "\n"


def dump(pods: int) -> str:
    out = ["apiVersion: v1", "kind: List", "items:"]
    for i in range(pods):
        ns = f"team-{i % 40}"
        out += [
            "- apiVersion: v1",
            "  kind: Pod",
            "  metadata:",
            f"    name: web-{i:06d}-x2f9k",
            f"    namespace: {ns}",
            "    labels: {app: web, pod-template-hash: 7d9c}",
            "    ownerReferences:",
            "    - {apiVersion: apps/v1, kind: ReplicaSet, name: web-7d9c, controller: true, uid: a}",
            "  spec:",
            "    serviceAccountName: web",
            "    containers:",
            "    - name: web",
            f"      image: registry.example/web:1.{i % 9}.0",
            "      ports: [{containerPort: 8080}]",
            "      resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}",
            "      securityContext: {runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}",
            "    - name: sidecar",
            "      image: registry.example/proxy:2.1.0",
            "      env: [{name: LOG_LEVEL, value: info}, {name: UPSTREAM, value: 'http://localhost:8080'}]",
            "  status: {phase: Running, podIP: 10.0.0.1}",
        ]
    return "\n".join(out) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--levels", type=int, default=4)
    ap.add_argument("--containers", type=int, default=100_000)
    ap.add_argument("--pods", type=int, default=12_000)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "alias-bomb.yaml"), "w") as f:
        f.write(alias_bomb(a.levels))
    with open(os.path.join(a.out, "split-pods.yaml"), "w") as f:
        f.write("---\n".join(pod(f"p{i}", a.containers) for i in range(4)))
    with open(os.path.join(a.out, "big-pod.yaml"), "w") as f:
        f.write(pod("big", 15_000))
    with open(os.path.join(a.out, "dump.yaml"), "w") as f:
        f.write(dump(a.pods))
    for n in sorted(os.listdir(a.out)):
        print(f"{n}: {os.path.getsize(os.path.join(a.out, n)):,} bytes")


if __name__ == "__main__":
    main()
