#!/usr/bin/env python3
"""Generate an RBAC corpus for `bench/rbac.sh`: roles, cluster roles and
bindings over a pool of subjects (users, groups, service accounts).

    gen_rbac.py --subjects 10000 --roles 5000 --bindings 20000 --out DIR [--seed 1]
"""
import argparse
import os
import random

RESOURCES = [
    ("", ["pods", "pods/log", "pods/exec", "services", "configmaps", "secrets", "serviceaccounts",
          "serviceaccounts/token", "persistentvolumeclaims", "events", "endpoints", "namespaces", "nodes",
          "nodes/proxy", "persistentvolumes"]),
    ("apps", ["deployments", "statefulsets", "daemonsets", "replicasets", "deployments/scale"]),
    ("batch", ["jobs", "cronjobs"]),
    ("networking.k8s.io", ["ingresses", "networkpolicies"]),
    ("rbac.authorization.k8s.io", ["roles", "rolebindings", "clusterroles", "clusterrolebindings"]),
    ("admissionregistration.k8s.io", ["validatingwebhookconfigurations", "mutatingwebhookconfigurations"]),
    ("example.com", ["widgets", "gadgets"]),
]
READ = ["get", "list", "watch"]
WRITE = ["create", "update", "patch", "delete"]
SPECIAL = ["bind", "escalate", "impersonate"]


def rule(rng):
    group, resources = rng.choice(RESOURCES)
    res = rng.sample(resources, k=min(len(resources), rng.randint(1, 4)))
    r = rng.random()
    if r < 0.55:
        verbs = READ
    elif r < 0.9:
        verbs = READ + rng.sample(WRITE, k=rng.randint(1, 4))
    elif r < 0.95:
        verbs = ["*"]
    else:
        verbs = [rng.choice(SPECIAL)]
    lines = [f"- apiGroups: [{group!r}]".replace("'", '"'),
             "  resources: [" + ", ".join(res) + "]",
             "  verbs: [" + ", ".join(f'"{v}"' for v in verbs) + "]"]
    if rng.random() < 0.05:
        lines[2] = "  verbs: [get]"
        lines.append("  resourceNames: [app-config]")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--subjects", type=int, default=10000)
    ap.add_argument("--roles", type=int, default=5000)
    ap.add_argument("--bindings", type=int, default=20000)
    ap.add_argument("--namespaces", type=int, default=200)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    nss = [f"team-{i}" for i in range(a.namespaces)] + ["kube-system"]
    subjects = []
    for i in range(a.subjects):
        k = rng.random()
        if k < 0.5:
            subjects.append(f"{{kind: ServiceAccount, name: sa-{i}, namespace: {rng.choice(nss)}}}")
        elif k < 0.85:
            subjects.append(f"{{kind: User, name: user-{i}@example.com, apiGroup: rbac.authorization.k8s.io}}")
        else:
            subjects.append(f"{{kind: Group, name: group-{i}, apiGroup: rbac.authorization.k8s.io}}")
    roles = []
    docs = []
    for i in range(a.roles):
        rules = "\n".join(rule(rng) for _ in range(rng.randint(1, 6)))
        if rng.random() < 0.4:
            name = f"cluster-role-{i}"
            labels = ""
            if rng.random() < 0.02:
                labels = "\n  labels: {rbac.authorization.k8s.io/aggregate-to-edit: \"true\"}"
            docs.append(f"apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: {name}{labels}\nrules:\n{rules}\n")
            roles.append(("ClusterRole", None, name))
        else:
            ns = rng.choice(nss)
            name = f"role-{i}"
            docs.append(f"apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: {name}\n  namespace: {ns}\nrules:\n{rules}\n")
            roles.append(("Role", ns, name))
    cluster_roles = [r for r in roles if r[0] == "ClusterRole"] + [("ClusterRole", None, n) for n in ("edit", "view", "admin")]
    for i in range(a.bindings):
        subs = "\n".join("- " + rng.choice(subjects) for _ in range(rng.randint(1, 3)))
        if rng.random() < 0.15:
            kind, _, name = rng.choice(cluster_roles)
            docs.append(f"apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: crb-{i}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: {kind}, name: {name}}}\nsubjects:\n{subs}\n")
        else:
            kind, ns, name = rng.choice(roles) if rng.random() < 0.6 else rng.choice(cluster_roles)
            ns = ns or rng.choice(nss)
            docs.append(f"apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: rb-{i}\n  namespace: {ns}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: {kind}, name: {name}}}\nsubjects:\n{subs}\n")
    per_file = 100
    for f in range(0, len(docs), per_file):
        with open(os.path.join(a.out, f"rbac-{f // per_file:04d}.yaml"), "w") as fh:
            fh.write("---\n".join(docs[f:f + per_file]))
    print(f"{a.roles} roles, {a.bindings} bindings, {a.subjects} subjects in {(len(docs) + per_file - 1) // per_file} files")


if __name__ == "__main__":
    main()
