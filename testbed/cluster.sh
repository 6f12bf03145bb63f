#!/usr/bin/env bash
# A real Kubernetes control plane on loopback, for palisade's integration
# tests and for trying palisade against a cluster without one.
#
#   testbed/cluster.sh up       build (first time only), start, wait until ready
#   testbed/cluster.sh env      print the variables the tests and you need
#   testbed/cluster.sh status   is it up?
#   testbed/cluster.sh down     stop it and remove its state
#   testbed/cluster.sh build    only build the binaries
#
# What runs: etcd, kube-apiserver and kube-controller-manager, built from the
# Go modules that testbed/go.mod pins (Kubernetes v1.37.2, etcd v3.7.0), and
# kubectl of the same release, and celcost (celcost/main.go: the API server's
# CEL cost accounting, which the tests compare palisade's with). The API server is set up as a hardened small
# cluster: client certificates and static tokens, Node,RBAC authorization,
# service-account issuer and keys, PodSecurity, the admission webhooks and
# ValidatingAdmissionPolicy, an audit policy with a log and a webhook
# backend (what `palisade audit install` writes, pointed at
# https://127.0.0.1:$PALISADE_TESTBED_AUDIT_PORT/audit).
#
# There is no kubelet and no scheduler: objects are stored and admitted,
# pods never run.
#
# Settings (environment):
#   PALISADE_TESTBED_DIR   state: certificates, kubeconfigs, etcd data, logs
#                          (default testbed/.run)
#   PALISADE_TESTBED_BIN   where the built binaries go (default testbed/.bin)
#   PALISADE_TESTBED_PORT  the API server's port (default 16443)
#   PALISADE_TESTBED_AUDIT_PORT   where the API server sends audit batches (18444)
#   PALISADE_BIN           the palisade binary (default: target/debug, target/release, PATH)
#   PALISADE_TESTBED_APISERVER_FLAGS   extra kube-apiserver flags, whitespace-separated,
#                          appended last so they override the ones above (e.g.
#                          "--anonymous-auth=true"; "--audit-webhook-config-file=" turns
#                          the webhook backend off). Default: none
#   PALISADE_TESTBED_CONTROLLERS   the controller manager's --controllers list (e.g. "*"
#                          for every controller enabled by default). Default: the
#                          service-account, namespace, garbage-collector, root-CA and
#                          ClusterRole-aggregation controllers
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(dirname "$HERE")"
STATE="${PALISADE_TESTBED_DIR:-$HERE/.run}"
BIN="${PALISADE_TESTBED_BIN:-$HERE/.bin}"
PORT="${PALISADE_TESTBED_PORT:-16443}"
AUDIT_PORT="${PALISADE_TESTBED_AUDIT_PORT:-18444}"
ETCD_PORT="${PALISADE_TESTBED_ETCD_PORT:-23790}"
ETCD_PEER_PORT="${PALISADE_TESTBED_ETCD_PEER_PORT:-23800}"
KCM_PORT="${PALISADE_TESTBED_KCM_PORT:-10257}"
SERVER="https://127.0.0.1:$PORT"
APISERVER_EXTRA_FLAGS="${PALISADE_TESTBED_APISERVER_FLAGS:-}"
CONTROLLERS="${PALISADE_TESTBED_CONTROLLERS:-clusterrole-aggregation-controller,serviceaccount-token-controller,serviceaccount-controller,namespace-controller,garbage-collector-controller,root-ca-certificate-publisher-controller}"

log() { printf 'testbed: %s\n' "$*" >&2; }
die() {
  log "$*"
  # a start that failed half-way leaves nothing running
  [[ -n "${STARTING:-}" ]] && stop_all
  exit 1
}

build() {
  command -v go >/dev/null || die "go is needed to build the API server (Go 1.26 or newer)"
  mkdir -p "$BIN"
  local stamp="$BIN/.built-from"
  local want
  want="$(cat "$HERE/go.mod" "$HERE/go.sum" "$HERE/celcost/main.go" | sha256sum | cut -d' ' -f1) $(go env GOVERSION) version-stamped"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]] &&
    [[ -x "$BIN/kube-apiserver" && -x "$BIN/kube-controller-manager" && -x "$BIN/kubectl" && -x "$BIN/etcd" && -x "$BIN/celcost" ]]; then
    return 0
  fi
  log "building kube-apiserver, kube-controller-manager, kubectl and etcd (the first build takes a while; Go caches it)"
  local t0=$SECONDS
  # What `make` would stamp into a release build: the version the servers
  # report (/version, kubectl version) and PodSecurity's "latest".
  local v pkg ld=""
  v="$(cd "$HERE" && go list -m -f '{{.Version}}' k8s.io/kubernetes)"
  local minor="${v#v1.}"
  minor="${minor%%.*}"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $pkg.gitVersion=$v -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  done
  (
    cd "$HERE"
    go build -mod=readonly -ldflags "$ld" -o "$BIN/" \
      k8s.io/kubernetes/cmd/kube-apiserver \
      k8s.io/kubernetes/cmd/kube-controller-manager \
      k8s.io/kubernetes/cmd/kubectl \
      ./celcost
    go build -mod=readonly -o "$BIN/etcd" go.etcd.io/etcd/server/v3
  )
  echo "$want" >"$stamp"
  log "built in $((SECONDS - t0)) s"
}

palisade_bin() {
  if [[ -n "${PALISADE_BIN:-}" ]]; then
    echo "$PALISADE_BIN"
  elif [[ -x "$REPO/target/debug/palisade" ]]; then
    echo "$REPO/target/debug/palisade"
  elif [[ -x "$REPO/target/release/palisade" ]]; then
    echo "$REPO/target/release/palisade"
  else
    command -v palisade || true
  fi
}

# cert NAME CN [O] [SAN]: a key and a certificate signed by the test-bed CA.
cert() {
  local name=$1 cn=$2 org=${3:-} san=${4:-}
  local subj="/CN=$cn"
  [[ -n "$org" ]] && subj="/O=$org$subj"
  openssl req -new -newkey rsa:2048 -nodes -keyout "$STATE/pki/$name.key" \
    -subj "$subj" -out "$STATE/pki/$name.csr" 2>/dev/null
  local ext="$STATE/pki/$name.ext"
  {
    echo "basicConstraints=CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    if [[ -n "$san" ]]; then
      echo "extendedKeyUsage=serverAuth"
      echo "subjectAltName=$san"
    else
      echo "extendedKeyUsage=clientAuth"
    fi
  } >"$ext"
  openssl x509 -req -in "$STATE/pki/$name.csr" -CA "$STATE/pki/ca.crt" -CAkey "$STATE/pki/ca.key" \
    -CAcreateserial -days 30 -sha256 -extfile "$ext" -out "$STATE/pki/$name.crt" 2>/dev/null
  chmod 600 "$STATE/pki/$name.key"
}

pki() {
  mkdir -p "$STATE/pki"
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -sha256 -keyout "$STATE/pki/ca.key" \
    -subj "/CN=palisade-testbed-ca" -out "$STATE/pki/ca.crt" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  cert apiserver kube-apiserver "" \
    "IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  cert admin palisade-admin system:masters
  cert controller-manager system:kube-controller-manager
  cert alice alice developers
  openssl genrsa -out "$STATE/pki/sa.key" 2048 2>/dev/null
  openssl rsa -in "$STATE/pki/sa.key" -pubout -out "$STATE/pki/sa.pub" 2>/dev/null
  chmod 600 "$STATE/pki/ca.key" "$STATE/pki/sa.key"
  # Static tokens: token,user,uid,"group1,group2"
  local viewer ci
  viewer="$(openssl rand -hex 24)"
  ci="$(openssl rand -hex 24)"
  printf '%s,restricted-viewer,1001,"viewers"\n%s,ci-bot,1002,"ci,deployers"\n' "$viewer" "$ci" >"$STATE/pki/tokens.csv"
  chmod 600 "$STATE/pki/tokens.csv"
  echo "$viewer" >"$STATE/pki/restricted.token"
  echo "$ci" >"$STATE/pki/ci-bot.token"
  chmod 600 "$STATE/pki/restricted.token" "$STATE/pki/ci-bot.token"
}

b64() { base64 -w0 <"$1"; }

# kubeconfig FILE USER (cert NAME | token FILE)
kubeconfig() {
  local file=$1 user=$2 how=$3 what=$4
  {
    echo "apiVersion: v1"
    echo "kind: Config"
    echo "clusters:"
    echo "- name: palisade-testbed"
    echo "  cluster:"
    echo "    server: $SERVER"
    echo "    certificate-authority-data: $(b64 "$STATE/pki/ca.crt")"
    echo "users:"
    echo "- name: $user"
    echo "  user:"
    if [[ $how == cert ]]; then
      echo "    client-certificate-data: $(b64 "$STATE/pki/$what.crt")"
      echo "    client-key-data: $(b64 "$STATE/pki/$what.key")"
    else
      echo "    token: $(cat "$what")"
    fi
    echo "contexts:"
    echo "- name: $user@palisade-testbed"
    echo "  context:"
    echo "    cluster: palisade-testbed"
    echo "    user: $user"
    echo "current-context: $user@palisade-testbed"
  } >"$file"
  chmod 600 "$file"
}

# The kube-apiserver command line, one flag a line: started from this list
# and written as a static-pod manifest, so `palisade audit check-apiserver`
# reads the flags actually in use.
apiserver_flags() {
  cat <<EOF
--etcd-servers=http://127.0.0.1:$ETCD_PORT
--bind-address=127.0.0.1
--advertise-address=127.0.0.1
--endpoint-reconciler-type=none
--secure-port=$PORT
--cert-dir=$STATE/apiserver-certs
--tls-cert-file=$STATE/pki/apiserver.crt
--tls-private-key-file=$STATE/pki/apiserver.key
--tls-min-version=VersionTLS12
--client-ca-file=$STATE/pki/ca.crt
--token-auth-file=$STATE/pki/tokens.csv
--anonymous-auth=false
--authorization-mode=Node,RBAC
--service-account-issuer=https://kubernetes.default.svc.cluster.local
--service-account-key-file=$STATE/pki/sa.pub
--service-account-signing-key-file=$STATE/pki/sa.key
--api-audiences=https://kubernetes.default.svc.cluster.local
--service-cluster-ip-range=10.96.0.0/16
--enable-admission-plugins=NamespaceLifecycle,LimitRanger,ServiceAccount,NodeRestriction,PodSecurity,MutatingAdmissionWebhook,ValidatingAdmissionWebhook,ValidatingAdmissionPolicy,ResourceQuota
--allow-privileged=true
--profiling=false
--enable-priority-and-fairness=true
--audit-log-path=$STATE/audit/audit.log
--audit-log-maxage=183
--audit-log-maxbackup=10
--audit-log-maxsize=100
EOF
  if [[ -f "$STATE/audit/kube-apiserver-flags.txt" ]]; then
    # What `palisade audit install` asks for, less the log path (above).
    grep -E '^--' "$STATE/audit/kube-apiserver-flags.txt" | grep -v -- '--audit-log-'
    # Retry a stopped sink after 1 s rather than 10 s, so the tests that
    # stop it wait less (5 tries, 1.5 times longer each: about 13 s in all).
    echo "--audit-webhook-initial-backoff=1s"
  else
    echo "--audit-policy-file=$STATE/audit/audit-policy.yaml"
  fi
  # PALISADE_TESTBED_APISERVER_FLAGS, one flag a line, last so they win.
  local -a extra=()
  read -ra extra <<<"$APISERVER_EXTRA_FLAGS"
  local f
  for f in "${extra[@]}"; do
    echo "$f"
  done
}

write_manifest() {
  {
    echo "# The command line this test bed started kube-apiserver with, as a static-pod manifest."
    echo "apiVersion: v1"
    echo "kind: Pod"
    echo "metadata:"
    echo "  name: kube-apiserver"
    echo "  namespace: kube-system"
    echo "spec:"
    echo "  containers:"
    echo "  - name: kube-apiserver"
    echo "    image: registry.k8s.io/kube-apiserver:v1.37.2"
    echo "    command:"
    echo "    - kube-apiserver"
    apiserver_flags | sed 's/^/    - /'
  } >"$STATE/kube-apiserver.yaml"
}

audit_files() {
  mkdir -p "$STATE/audit"
  local pal
  pal="$(palisade_bin)"
  if [[ -n "$pal" && -x "$pal" ]]; then
    "$pal" audit install --url "https://127.0.0.1:$AUDIT_PORT/audit" \
      --apiserver-dir "$STATE/audit" -o "$STATE/audit" >/dev/null 2>"$STATE/audit/install.log" ||
      die "palisade audit install failed: $(cat "$STATE/audit/install.log")"
  else
    log "no palisade binary (build it first, or set PALISADE_BIN): the audit webhook backend is off"
    printf 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n' >"$STATE/audit/audit-policy.yaml"
  fi
}

wait_ready() {
  local what=$1 url=$2 tries=${3:-120}
  for _ in $(seq "$tries"); do
    alive "$what" || return 1
    if curl -fsS --max-time 2 --cacert "$STATE/pki/ca.crt" --cert "$STATE/pki/admin.crt" \
      --key "$STATE/pki/admin.key" "$url" >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.5
  done
  return 1
}

start() {
  local name=$1
  shift
  setsid "$@" >"$STATE/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$STATE/$name.pid"
}

alive() { [[ -f "$STATE/$1.pid" ]] && kill -0 "$(cat "$STATE/$1.pid")" 2>/dev/null; }

up() {
  if alive kube-apiserver; then
    log "already up ($SERVER); 'down' first to start anew"
    return 0
  fi
  command -v openssl >/dev/null || die "openssl is needed for the test bed's certificates"
  command -v curl >/dev/null || die "curl is needed to wait for the API server"
  build
  stop_all
  STARTING=1
  rm -rf "$STATE"
  mkdir -p "$STATE/logs" "$STATE/etcd"
  chmod 700 "$STATE"
  pki
  audit_files
  local t0=$SECONDS
  start etcd "$BIN/etcd" --name testbed --data-dir "$STATE/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "testbed=http://127.0.0.1:$ETCD_PEER_PORT" --listen-metrics-urls "" \
    --unsafe-no-fsync --quota-backend-bytes=4294967296 --log-level=warn
  for _ in $(seq 60); do
    curl -fsS --max-time 1 "http://127.0.0.1:$ETCD_PORT/health" >/dev/null 2>&1 && break
    alive etcd || die "etcd stopped: $(tail -5 "$STATE/logs/etcd.log")"
    sleep 0.5
  done
  write_manifest
  mapfile -t flags < <(apiserver_flags)
  start kube-apiserver "$BIN/kube-apiserver" "${flags[@]}"
  if ! wait_ready kube-apiserver "$SERVER/readyz" 240; then
    tail -20 "$STATE/logs/kube-apiserver.log" >&2
    die "kube-apiserver did not become ready (log: $STATE/logs/kube-apiserver.log)"
  fi
  kubeconfig "$STATE/admin.kubeconfig" palisade-admin cert admin
  kubeconfig "$STATE/controller-manager.kubeconfig" system:kube-controller-manager cert controller-manager
  kubeconfig "$STATE/restricted.kubeconfig" restricted-viewer token "$STATE/pki/restricted.token"
  kubeconfig "$STATE/alice.kubeconfig" alice cert alice
  start kube-controller-manager "$BIN/kube-controller-manager" \
    --kubeconfig="$STATE/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$STATE/controller-manager.kubeconfig" \
    --authorization-kubeconfig="$STATE/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$KCM_PORT" --leader-elect=false \
    --controllers="$CONTROLLERS" \
    --service-account-private-key-file="$STATE/pki/sa.key" --root-ca-file="$STATE/pki/ca.crt" \
    --use-service-account-credentials=true --cluster-name=palisade-testbed
  local k=("$BIN/kubectl" --kubeconfig "$STATE/admin.kubeconfig")
  "${k[@]}" apply --server-side -f "$HERE/restricted-viewer.yaml" >/dev/null
  # The controller manager publishes kube-root-ca.crt and the default
  # service accounts; wait for the default namespace's.
  for _ in $(seq 120); do
    "${k[@]}" -n default get serviceaccount default >/dev/null 2>&1 && break
    alive kube-controller-manager || die "kube-controller-manager stopped: $(tail -5 "$STATE/logs/kube-controller-manager.log")"
    sleep 0.5
  done
  "${k[@]}" -n default get serviceaccount default >/dev/null 2>&1 ||
    die "the controller manager did not create the default service account"
  write_env
  STARTING=
  log "up in $((SECONDS - t0)) s: $SERVER (kubeconfig: $STATE/admin.kubeconfig); no kubelet: pods are stored, never run"
}

write_env() {
  cat >"$STATE/env" <<EOF
export PALISADE_TESTBED=$STATE
export PALISADE_TESTBED_BIN=$BIN
export PALISADE_TESTBED_AUDIT_PORT=$AUDIT_PORT
export KUBECONFIG=$STATE/admin.kubeconfig
export PATH=$BIN:\$PATH
EOF
}

stop_all() {
  local p
  for p in kube-controller-manager kube-apiserver etcd; do
    if alive "$p"; then
      kill "$(cat "$STATE/$p.pid")" 2>/dev/null || true
      for _ in $(seq 40); do alive "$p" || break; sleep 0.25; done
      alive "$p" && kill -9 "$(cat "$STATE/$p.pid")" 2>/dev/null || true
    fi
  done
}

down() {
  stop_all
  rm -rf "$STATE"
  log "down"
}

status() {
  local p ok=0
  for p in etcd kube-apiserver kube-controller-manager; do
    if alive "$p"; then echo "$p: running (pid $(cat "$STATE/$p.pid"))"; else echo "$p: stopped"; ok=1; fi
  done
  return $ok
}

case "${1:-}" in
  build) build ;;
  up) up ;;
  down) down ;;
  env)
    [[ -f "$STATE/env" ]] || die "not up: run testbed/cluster.sh up"
    cat "$STATE/env"
    ;;
  status) status ;;
  *)
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
