#!/usr/bin/env python3
"""Builds a labelled corpus for secret scanners.

Planted secrets have the real formats of their providers (random values,
real RSA/EC/Ed25519 keys, HMAC-signed JWTs); look-alikes are the things
that trip scanners in real repositories: hashes, UUIDs, lock-file integrity
hashes, base64 images, certificates and public keys, documentation
examples, placeholders, references to secret stores, SealedSecrets.

    secrets_corpus.py OUT [--seed N] [--repos N]

writes OUT/repo-NN/... and OUT/labels.json: one entry per planted secret,
{"path", "start", "end", "kind"} with the 1-based line range that holds it.
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import random
import string
import uuid

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

ALNUM = string.ascii_letters + string.digits
B64 = ALNUM + "+/"
B64URL = ALNUM + "-_"
HEX = "0123456789abcdef"
UP32 = string.ascii_uppercase + "234567"


class Repo:
    def __init__(self, root, name, rng, labels):
        self.root, self.name, self.rng, self.labels = root, name, rng, labels
        self.files = {}

    def r(self, alphabet, n):
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def add(self, path, lines, secrets=()):
        """lines: list of text lines; secrets: (line_index, kind) or
        (first, last, kind), 0-based within `lines`."""
        f = self.files.setdefault(path, [])
        base = len(f)
        f.extend(lines)
        for s in secrets:
            if len(s) == 2:
                first, last, kind = s[0], s[0], s[1]
            else:
                first, last, kind = s
            self.labels.append(
                {
                    "path": f"{self.name}/{path}",
                    "start": base + first + 1,
                    "end": base + last + 1,
                    "kind": kind,
                }
            )

    def write(self):
        for path, lines in self.files.items():
            full = os.path.join(self.root, self.name, path)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w") as fh:
                fh.write("\n".join(lines) + "\n")


def pem_private(rng, which):
    if which == "rsa":
        k = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        fmt = serialization.PrivateFormat.TraditionalOpenSSL
    elif which == "pkcs8":
        k = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        fmt = serialization.PrivateFormat.PKCS8
    elif which == "ec":
        k = ec.generate_private_key(ec.SECP256R1())
        fmt = serialization.PrivateFormat.TraditionalOpenSSL
    else:
        k = ed25519.Ed25519PrivateKey.generate()
        fmt = serialization.PrivateFormat.OpenSSH
    pem = k.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption())
    return pem.decode(), k


def public_material(k):
    pub = k.public_key()
    pem = pub.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    ssh = pub.public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    ).decode()
    return pem, ssh


def jwt(rng):
    enc = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
    header = enc(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = enc(
        json.dumps(
            {"sub": str(uuid.UUID(int=rng.getrandbits(128))), "iat": 1700000000 + rng.randrange(10**7)}
        ).encode()
    )
    key = bytes(rng.getrandbits(8) for _ in range(32))
    sig = enc(hmac.new(key, f"{header}.{payload}".encode(), hashlib.sha256).digest())
    return f"{header}.{payload}.{sig}"


def build(out, seed, repos):
    rng = random.Random(seed)
    labels = []
    for n in range(repos):
        repo = Repo(out, f"repo-{n:02d}", rng, labels)
        plant(repo)
        decoys(repo)
        repo.write()
    with open(os.path.join(out, "labels.json"), "w") as fh:
        json.dump(labels, fh, indent=1)
    return labels


def plant(p):
    r = p.r
    aws_id = "AKIA" + r(UP32, 16)
    aws_secret = r(B64, 40)
    p.add(
        ".aws/credentials",
        ["[default]", f"aws_access_key_id = {aws_id}", f"aws_secret_access_key = {aws_secret}", "region = eu-west-1"],
        [(1, "aws-access-key-id"), (2, "aws-secret-access-key")],
    )
    gh = "ghp_" + r(ALNUM, 36)
    stripe = "sk_live_" + r(ALNUM, 24)
    p.add(
        ".env",
        [
            "# local development settings",
            "NODE_ENV=production",
            f"GITHUB_TOKEN={gh}",
            f"STRIPE_SECRET_KEY={stripe}",
            f"DATABASE_URL=postgres://shop:{r(ALNUM, 16)}@db.internal:5432/shop",
            "LOG_LEVEL=info",
            f"SESSION_SECRET={r(ALNUM + '!#%', 32)}",
        ],
        [(2, "github"), (3, "stripe"), (4, "url-password"), (6, "generic")],
    )
    slack = f"xoxb-{r(string.digits, 12)}-{r(string.digits, 13)}-{r(ALNUM, 24)}"
    p.add(
        "src/notify.py",
        [
            "import os",
            "import requests",
            "",
            f'SLACK_TOKEN = "{slack}"',
            f'WEBHOOK = "https://hooks.slack.com/services/T{r(string.ascii_uppercase + string.digits, 8)}/B{r(string.ascii_uppercase + string.digits, 10)}/{r(ALNUM, 24)}"',
            "",
            "def notify(text):",
            "    token = os.environ.get('SLACK_TOKEN', SLACK_TOKEN)",
            "    return requests.post(WEBHOOK, json={'text': text})",
        ],
        [(3, "slack"), (4, "slack-webhook")],
    )
    p.add(
        "src/billing/twilio.go",
        [
            "package billing",
            "",
            "const (",
            f'\ttwilioKey = "SK{r(HEX, 32)}"',
            f'\tsendgridKey = "SG.{r(ALNUM + "-_", 22)}.{r(ALNUM + "-_", 43)}"',
            ")",
        ],
        [(3, "twilio"), (4, "sendgrid")],
    )
    p.add(
        ".npmrc",
        [f"//registry.npmjs.org/:_authToken=npm_{r(ALNUM, 36)}", "save-exact=true"],
        [(0, "npm")],
    )
    p.add(
        "web/src/maps.ts",
        [
            "import { Loader } from '@googlemaps/js-api-loader';",
            f"const loader = new Loader({{ apiKey: 'AIza{r(ALNUM + '-_', 35)}', version: 'weekly' }});",
            "export default loader;",
        ],
        [(1, "gcp-api-key")],
    )
    pem, k = pem_private(p.rng, p.rng.choice(["rsa", "pkcs8", "ec", "ed25519"]))
    lines = pem.strip().split("\n")
    p.add("deploy/keys/id_deploy", lines, [(0, len(lines) - 1, "private-key")])
    sa_pem, _ = pem_private(p.rng, "pkcs8")
    sa = {
        "type": "service_account",
        "project_id": f"shop-{r(string.ascii_lowercase, 6)}",
        "private_key_id": r(HEX, 40),
        "private_key": sa_pem,
        "client_email": "ci@shop.iam.gserviceaccount.invalid",
        "client_id": r(string.digits, 21),
    }
    sa_lines = json.dumps(sa, indent=2).split("\n")
    key_line = next(i for i, l in enumerate(sa_lines) if '"private_key"' in l)
    p.add("ci/gcp-sa.json", sa_lines, [(key_line, "gcp-service-account")])
    token = jwt(p.rng)
    p.add(
        "scripts/smoke.sh",
        [
            "#!/bin/sh",
            "set -eu",
            f'curl -fsS -H "Authorization: Bearer {token}" https://api.shop.invalid/health',
        ],
        [(2, "jwt")],
    )
    key_data = base64.b64encode(pem_private(p.rng, "ec")[0].encode()).decode()
    p.add(
        "ops/kubeconfig-admin.yaml",
        [
            "apiVersion: v1",
            "kind: Config",
            "clusters:",
            "- name: prod",
            "  cluster:",
            "    server: https://10.0.0.1:6443",
            "users:",
            "- name: admin",
            "  user:",
            f"    client-key-data: {key_data}",
        ],
        [(9, "kubeconfig")],
    )
    pw = r(ALNUM, 14)
    p.add(
        "k8s/db-secret.yaml",
        [
            "apiVersion: v1",
            "kind: Secret",
            "metadata:",
            "  name: db",
            "type: Opaque",
            "data:",
            f"  username: {base64.b64encode(b'shop').decode()}",
            f"  password: {base64.b64encode(pw.encode()).decode()}",
        ],
        [(7, "k8s-secret")],
    )
    p.add(
        "k8s/api.yaml",
        [
            "apiVersion: apps/v1",
            "kind: Deployment",
            "metadata:",
            "  name: api",
            "spec:",
            "  template:",
            "    spec:",
            "      containers:",
            "      - name: api",
            "        image: registry.invalid/api:1.4",
            "        env:",
            "        - name: API_SIGNING_KEY",
            f"          value: {r(ALNUM, 32)}",
            "        - name: LOG_FORMAT",
            "          value: json",
        ],
        [(12, "k8s-env")],
    )
    auth = base64.b64encode(f"ci:{r(ALNUM, 20)}".encode()).decode()
    p.add(
        "ci/docker-config.json",
        ["{", '  "auths": {', f'    "registry.shop.invalid": {{"auth": "{auth}"}}', "  }", "}"],
        [(2, "docker-auth")],
    )
    p.add(
        "config/application.properties",
        [
            "server.port=8080",
            "spring.datasource.url=jdbc:postgresql://db:5432/shop",
            "spring.datasource.username=shop",
            f"spring.datasource.password={r(ALNUM, 12)}",
        ],
        [(3, "generic")],
    )
    p.add(
        "terraform/main.tf",
        [
            'resource "aws_db_instance" "shop" {',
            '  engine   = "postgres"',
            '  username = "shop"',
            f'  password = "{r(ALNUM, 18)}"',
            "}",
        ],
        [(3, "generic")],
    )
    # One rarer provider per repository.
    extra = p.rng.choice(
        [
            ("gitlab", f"glpat-{r(ALNUM + '-_', 20)}"),
            ("vault", f"hvs.{r(ALNUM + '-_', 90)}"),
            ("docker-hub", f"dckr_pat_{r(ALNUM + '-_', 27)}"),
            ("openai", f"sk-proj-{r(ALNUM + '-_', 120)}"),
            ("pypi", f"pypi-AgEIcHlwaS5vcmc{r(ALNUM + '-_', 70)}"),
            ("github-fine-grained", f"github_pat_{r(ALNUM, 22)}_{r(ALNUM, 59)}"),
            ("azure-storage", f"DefaultEndpointsProtocol=https;AccountName=shop;AccountKey={r(B64, 86)}==;EndpointSuffix=core.windows.net"),
        ]
    )
    p.add("ci/pipeline.yml", ["stages: [build]", "variables:", f"  DEPLOY_CREDENTIAL: \"{extra[1]}\""], [(2, extra[0])])


def decoys(p):
    r = p.r
    p.add(
        "docs/setup.md",
        [
            "# Setup",
            "Use the AWS documentation keys to try it: AKIAIOSFODNN7EXAMPLE /",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY.",
            "Set `password: <your-password>` and `token: ${API_TOKEN}` in values.yaml.",
            "The default admin password is `changeme`; change it on first login.",
        ],
    )
    p.add(
        "package-lock.json",
        ["{", '  "packages": {']
        + [
            f'    "node_modules/pkg{i}": {{"version": "1.{i}.0", "resolved": "https://registry.npmjs.org/pkg{i}/-/pkg{i}-1.{i}.0.tgz", "integrity": "sha512-{r(B64, 86)}=="}},'
            for i in range(30)
        ]
        + ["  }", "}"],
    )
    p.add("go.sum", [f"github.com/x/mod{i} v1.{i}.0 h1:{r(B64, 43)}=" for i in range(30)])
    p.add(
        "src/ids.py",
        [
            f'REQUEST_ID = "{uuid.UUID(int=p.rng.getrandbits(128))}"',
            f'COMMIT = "{r(HEX, 40)}"',
            f'CHECKSUM = "sha256:{r(HEX, 64)}"',
            f'NONCE = "{r(HEX, 32)}"',
            f'ETAG = "W/\\"{r(B64URL, 27)}\\""',
            "password = request.form['password']",
            "token = get_token(session)",
            'secret_name = "shop-db"',
            "api_key = settings.API_KEY",
            "if password == confirm_password:",
            "    pass",
        ],
    )
    pem, k = pem_private(p.rng, "rsa")
    pub_pem, ssh = public_material(k)
    p.add("deploy/keys/id_deploy.pub", [ssh])
    p.add("deploy/keys/public.pem", pub_pem.strip().split("\n"))
    cert_body = base64.b64encode(bytes(p.rng.getrandbits(8) for _ in range(900))).decode()
    p.add(
        "deploy/tls/ca.crt",
        ["-----BEGIN CERTIFICATE-----"]
        + [cert_body[i : i + 64] for i in range(0, len(cert_body), 64)]
        + ["-----END CERTIFICATE-----"],
    )
    png = base64.b64encode(bytes(p.rng.getrandbits(8) for _ in range(3000))).decode()
    p.add("web/src/logo.css", [f".logo {{ background: url(data:image/png;base64,{png}); }}"])
    p.add(
        "helm/values.yaml",
        [
            "postgresql:",
            "  auth:",
            "    existingSecret: shop-postgres",
            "    secretKeys:",
            "      adminPasswordKey: postgres-password",
            "    password: \"\"",
            "redis:",
            "  password: ${REDIS_PASSWORD}",
            "podAnnotations:",
            f"  checksum/config: {r(HEX, 64)}",
            "image:",
            f"  digest: sha256:{r(HEX, 64)}",
            "oauth:",
            "  tokenUrl: https://auth.shop.invalid/oauth/token",
            "  token_type: bearer",
        ],
    )
    p.add(
        "k8s/sealed.yaml",
        [
            "apiVersion: bitnami.com/v1alpha1",
            "kind: SealedSecret",
            "metadata:",
            "  name: db",
            "spec:",
            "  encryptedData:",
            f"    password: Ag{r(B64, 680)}==",
        ],
    )
    p.add(
        "k8s/worker.yaml",
        [
            "apiVersion: apps/v1",
            "kind: Deployment",
            "metadata:",
            "  name: worker",
            "spec:",
            "  template:",
            "    spec:",
            "      containers:",
            "      - name: worker",
            "        env:",
            "        - name: DB_PASSWORD",
            "          valueFrom:",
            "            secretKeyRef: {name: db, key: password}",
            "        - name: TOKEN_TTL",
            "          value: \"3600\"",
        ],
    )
    p.add(
        "k8s/tls-secret.yaml",
        [
            "apiVersion: v1",
            "kind: Secret",
            "metadata:",
            "  name: ca",
            "type: Opaque",
            "data:",
            f"  ca.crt: {base64.b64encode(('-----BEGIN CERTIFICATE-----' + chr(10) + cert_body[:64] + chr(10) + '-----END CERTIFICATE-----').encode()).decode()}",
        ],
    )
    p.add(
        "src/app/webpack.config.js",
        [
            "module.exports = {",
            "  output: { filename: '[name].[contenthash].js' },",
            f"  // build {r(HEX, 20)}",
            f"  cacheKey: '{r(ALNUM, 40)}',",
            "};",
        ],
    )
    p.add(
        "src/crypto/hash.rs",
        [
            "pub const EMPTY_SHA256: &str =",
            '    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";',
            f'pub const SALT_PREFIX: &[u8] = b"{r(ALNUM, 16)}";',
            'pub fn token_bucket(rate: u32) -> u32 { rate }',
        ],
    )
    p.add(
        "secrets.enc.yaml",
        [
            f"password: ENC[AES256_GCM,data:{r(B64, 24)},iv:{r(B64, 22)}=,tag:{r(B64, 22)}==,type:str]",
            "sops:",
            f"    mac: ENC[AES256_GCM,data:{r(B64, 44)},type:str]",
        ],
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=8)
    ap.add_argument("--repos", type=int, default=10)
    a = ap.parse_args()
    labels = build(a.out, a.seed, a.repos)
    print(f"{len(labels)} planted secrets in {a.repos} repositories under {a.out}")


if __name__ == "__main__":
    main()
