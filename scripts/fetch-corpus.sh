#!/usr/bin/env bash
# Recreate the conformance corpus that the tests read (normally ../shared/corpus)
# from the upstream repositories, at the commits pinned in SOURCES.md.
#
#   scripts/fetch-corpus.sh [--derived DIR] [DEST]   (DEST defaults to target/corpus of this checkout)
#
# For each upstream repository the script runs `git init` + `git fetch --depth 1
# origin <commit>` into DEST/.upstream/<owner>_<repo> (kept as a cache for reruns),
# then copies the data files the corpus holds (YAML/JSON/JSONL/TXT/MD/CSV/LOG) and
# each source's licence, byte for byte, out of the git objects. No code (Go, Rego,
# Python, shell) is copied. The NetworkPolicy files in netpol-recipes/policies/ are
# cut out of the recipe Markdown, as the corpus does.
#
# Files marked DERIVED in SOURCES.md were written by hand and are not upstream;
# they are taken from --derived DIR (a copy of the shared corpus) when given, and
# otherwise listed at the end together with the tests that skip without them.
#
# PALISADE_CORPUS_GIT_BASE overrides https://github.com (e.g. a local mirror
# holding <owner>/<repo> repositories).
set -euo pipefail

usage() {
  sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'
}

die() {
  echo "fetch-corpus: $*" >&2
  exit 1
}

log() {
  echo "fetch-corpus: $*" >&2
}

# Default: target/corpus of this checkout (ignored by git, removed by `cargo clean`).
DEST=$(cd "$(dirname "$0")/.." && pwd -P)/target/corpus
DERIVED_DIR=
dest_given=
while (($#)); do
  case $1 in
    -h | --help)
      usage
      exit 0
      ;;
    --derived)
      (($# >= 2)) || die "--derived needs a folder"
      DERIVED_DIR=$2
      shift 2
      ;;
    --derived=*)
      DERIVED_DIR=${1#--derived=}
      shift
      ;;
    -*) die "unknown option $1 (see --help)" ;;
    *)
      [[ -z $dest_given ]] || die "only one destination folder may be given"
      DEST=$1
      dest_given=1
      shift
      ;;
  esac
done

GIT_BASE=${PALISADE_CORPUS_GIT_BASE:-https://github.com}
export GIT_TERMINAL_PROMPT=0

# The folders this script writes inside DEST (and removes before writing).
FOLDERS=(pod-security-admission gatekeeper-library kubescape-regolibrary netpol-recipes
  microservices-demo falco-k8saudit audit2rbac osv)

# Files marked DERIVED in SOURCES.md, and the tests that skip without them.
DERIVED_FILES=(
  netpol-recipes/expected.yaml
  microservices-demo/expected-connectivity.txt
  falco-k8saudit/legacy-tests/expected.yaml
  osv/version-ordering/ECOSYSTEMS.tsv
  osv/derived/match-vectors.jsonl
)
derived_tests() {
  case $1 in
    netpol-recipes/expected.yaml)
      echo "palisade-netpol  conformance::every_recipe_probe_gives_its_expected_verdict" ;;
    microservices-demo/expected-connectivity.txt)
      echo "palisade-netpol  conformance::microservices_demo_connlist_matches_exactly"
      echo "palisade-netpol  conformance::generated_policies_for_microservices_demo_round_trip"
      echo "palisade         netpol_cli::connlist_of_microservices_demo_matches_the_expected_file" ;;
    falco-k8saudit/legacy-tests/expected.yaml)
      echo "palisade-falco   legacy::falco_legacy_k8s_audit_cases" ;;
    osv/version-ordering/ECOSYSTEMS.tsv)
      echo "palisade-version ordering::{npm,crates_io,go,hex,dart_pub,pypi,maven,nuget,packagist,"
      echo "                           rubygems,cran,hackage,debian,alpine,red_hat} (15 tests)" ;;
    osv/derived/match-vectors.jsonl)
      echo "palisade-osv     conformance::match_vectors" ;;
  esac
}

# --- destination -------------------------------------------------------------

if [[ -e $DEST/SOURCES.md ]]; then
  die "$DEST holds a SOURCES.md: it looks like the shared corpus, which this script never overwrites; pick another folder"
fi
if [[ ! -d $DEST/.upstream ]]; then
  for f in "${FOLDERS[@]}"; do
    [[ ! -e $DEST/$f ]] ||
      die "$DEST/$f exists but $DEST was not made by this script (no .upstream/); pick an empty or new folder"
  done
fi
if [[ -n $DERIVED_DIR ]]; then
  [[ -d $DERIVED_DIR ]] || die "--derived $DERIVED_DIR is not a folder"
  DERIVED_DIR=$(cd "$DERIVED_DIR" && pwd -P)
fi
mkdir -p "$DEST"
DEST=$(cd "$DEST" && pwd -P)
[[ $DERIVED_DIR != "$DEST" ]] || die "--derived must name another folder than the destination"
mkdir -p "$DEST/.upstream"
for f in "${FOLDERS[@]}"; do
  rm -rf "${DEST:?}/$f"
done
rm -f "$DEST/FETCHED.md"

# --- git helpers -------------------------------------------------------------

GD=        # git dir of the current source
REV=       # its commit
SUMMARY=() # "folder|owner/repo|commit|count" rows for FETCHED.md
COUNT=0

# use OWNER/REPO COMMIT [FALLBACK_REF]: make COMMIT available in the cache and
# make it the source the copy helpers read from.
use() {
  local repo=$1 commit=$2 fallback=${3:-} depth
  GD=$DEST/.upstream/${repo/\//_}
  REV=$commit
  if [[ ! -d $GD ]]; then
    git init --quiet --bare "$GD"
    git --git-dir="$GD" remote add origin "$GIT_BASE/$repo"
  fi
  if git --git-dir="$GD" cat-file -e "$commit^{commit}" 2>/dev/null; then
    log "$repo @ ${commit:0:12}: cached"
  else
    log "$repo @ ${commit:0:12}: fetching"
    if ! git --git-dir="$GD" fetch --quiet --no-tags --depth 1 origin "$commit"; then
      [[ -n $fallback ]] || die "could not fetch $repo @ $commit"
      # The commit is only reachable from $fallback: fetch that with more history.
      for depth in 200 0; do
        log "$repo: fetching $fallback (depth ${depth/#0/all})"
        if ((depth)); then
          git --git-dir="$GD" fetch --quiet --no-tags --depth "$depth" origin "$fallback" || true
        elif [[ -f $GD/shallow ]]; then
          git --git-dir="$GD" fetch --quiet --no-tags --unshallow origin "$fallback" || true
        else
          git --git-dir="$GD" fetch --quiet --no-tags origin "$fallback" || true
        fi
        git --git-dir="$GD" cat-file -e "$commit^{commit}" 2>/dev/null && break
      done
    fi
    git --git-dir="$GD" cat-file -e "$commit^{commit}" 2>/dev/null ||
      die "$repo @ $commit is not available upstream"
  fi
}

# Data files only: what the corpus holds.
is_data() {
  local base=${1##*/}
  case $base in
    LICENSE | COPYING) return 0 ;;
    CMakeLists.txt) return 1 ;;
  esac
  case ${base##*.} in
    yaml | yml | json | jsonl | txt | md | csv | log) return 0 ;;
  esac
  return 1
}

# put UPSTREAM_PATH DEST_PATH: copy one blob, byte for byte.
put() {
  local dst=$DEST/$2
  mkdir -p "${dst%/*}"
  git --git-dir="$GD" cat-file blob "$REV:$1" >"$dst" ||
    die "$1 is missing at ${REV:0:12} ($GD)"
  COUNT=$((COUNT + 1))
}

# put_tree UPSTREAM_DIR DEST_DIR [NAME_SUFFIX]: copy the data files under a folder.
put_tree() {
  local meta path mode type n=0
  while IFS=$'\t' read -r -d '' meta path; do
    read -r mode type _ <<<"$meta"
    [[ $type == blob && $mode != 120000 ]] || continue
    is_data "$path" || continue
    [[ -z ${3:-} || $path == *"$3" ]] || continue
    put "$path" "$2/${path#"$1"/}"
    n=$((n + 1))
  done < <(git --git-dir="$GD" ls-tree -r -z "$REV" -- "$1/")
  ((n > 0)) || die "no data files under $1 at ${REV:0:12}"
}

# put_top DEST_DIR: copy the data files at the top of the repository.
put_top() {
  local meta path mode type
  while IFS=$'\t' read -r -d '' meta path; do
    read -r mode type _ <<<"$meta"
    [[ $type == blob && $mode != 120000 ]] || continue
    is_data "$path" || continue
    put "$path" "$1/$path"
  done < <(git --git-dir="$GD" ls-tree -z "$REV")
}

# done_source FOLDER: record the current source in FETCHED.md.
done_source() {
  local repo=${GD##*/}
  SUMMARY+=("$1|${repo/_//}|$REV|$COUNT")
  COUNT=0
}

# --- embedded selections ----------------------------------------------------------

# kubescape/regolibrary: the 224 rule folders the corpus holds (the other 71 need
# host or cloud-provider scans: KubeletInfo, ControlPlaneInfo, ClusterDescribe, CNIInfo, ...).
KUBESCAPE_RULES=(
  CVE-2021-25741 CVE-2021-25742 CVE-2022-0185 CVE-2022-23648 CVE-2022-24348 CVE-2022-3172
  CVE-2022-39328 CVE-2022-47633 access-container-service-account-v1 agent-sandbox-egress-policy
  agent-sandbox-hardened-runtime-class agent-sandbox-image-registry-allowlist
  agent-sandbox-image-tag-provenance alert-any-hostpath alert-container-optimized-os-not-in-use
  alert-fargate-not-in-use alert-mount-potential-credentials-paths alert-rw-hostpath
  anonymous-access-enabled audit-policy-content automount-default-service-account
  automount-service-account cluster-admin-role configmap-in-default-namespace
  configured-liveness-probe configured-readiness-probe container-hostPort
  container-image-repository container-image-repository-v1 containers-mounting-docker-socket
  csistoragecapacity-in-default-namespace dangling-gateway-backend
  dangling-ingress-backend dangling-networkpolicy deprecated-service-account-field
  detect-nginx-ingress-controller-eol drop-capability-netraw duplicate-env-var
  encrypt-traffic-to-https-load-balancers-with-tls-certificates endpoints-in-default-namespace
  endpointslice-in-default-namespace ensure-default-service-accounts-has-only-default-roles
  ensure-external-secrets-storage-is-in-use ensure-https-loadbalancers-encrypted-with-tls-aws
  ensure-that-the-API-Server-only-makes-use-of-Strong-Cryptographic-Ciphers
  ensure-that-the-API-Server-only-makes-use-of-Strong-Cryptographic-Ciphers-cis1-10
  ensure-that-the-admission-control-plugin-AlwaysAdmit-is-not-set
  ensure-that-the-admission-control-plugin-AlwaysPullImages-is-set
  ensure-that-the-admission-control-plugin-EventRateLimit-is-set
  ensure-that-the-admission-control-plugin-NamespaceLifecycle-is-set
  ensure-that-the-admission-control-plugin-NodeRestriction-is-set
  ensure-that-the-admission-control-plugin-SecurityContextDeny-is-set-if-PodSecurityPolicy-is-not-used
  ensure-that-the-admission-control-plugin-ServiceAccount-is-set
  ensure-that-the-api-server-DenyServiceExternalIPs-is-not-set
  ensure-that-the-api-server-DenyServiceExternalIPs-is-set
  ensure-that-the-api-server-anonymous-auth-argument-is-set-to-false
  ensure-that-the-api-server-audit-log-maxage-argument-is-set-to-30-or-as-appropriate
  ensure-that-the-api-server-audit-log-maxbackup-argument-is-set-to-10-or-as-appropriate
  ensure-that-the-api-server-audit-log-maxsize-argument-is-set-to-100-or-as-appropriate
  ensure-that-the-api-server-audit-log-path-argument-is-set
  ensure-that-the-api-server-authorization-mode-argument-includes-Node
  ensure-that-the-api-server-authorization-mode-argument-includes-RBAC
  ensure-that-the-api-server-authorization-mode-argument-is-not-set-to-AlwaysAllow
  ensure-that-the-api-server-client-ca-file-argument-is-set-as-appropriate
  ensure-that-the-api-server-encryption-provider-config-argument-is-set-as-appropriate
  ensure-that-the-api-server-etcd-cafile-argument-is-set-as-appropriate
  ensure-that-the-api-server-etcd-certfile-and-etcd-keyfile-arguments-are-set-as-appropriate
  ensure-that-the-api-server-kubelet-certificate-authority-argument-is-set-as-appropriate
  ensure-that-the-api-server-kubelet-client-certificate-and-kubelet-client-key-arguments-are-set-as-appropriate
  ensure-that-the-api-server-profiling-argument-is-set-to-false
  ensure-that-the-api-server-request-timeout-argument-is-set-as-appropriate
  ensure-that-the-api-server-secure-port-argument-is-not-set-to-0
  ensure-that-the-api-server-service-account-extend-token-expiration-is-set-to-false
  ensure-that-the-api-server-service-account-key-file-argument-is-set-as-appropriate
  ensure-that-the-api-server-service-account-lookup-argument-is-set-to-true
  ensure-that-the-api-server-tls-cert-file-and-tls-private-key-file-arguments-are-set-as-appropriate
  ensure-that-the-api-server-token-auth-file-parameter-is-not-set
  ensure-that-the-controller-manager-RotateKubeletServerCertificate-argument-is-set-to-true
  ensure-that-the-controller-manager-bind-address-argument-is-set-to-127.0.0.1
  ensure-that-the-controller-manager-profiling-argument-is-set-to-false
  ensure-that-the-controller-manager-root-ca-file-argument-is-set-as-appropriate
  ensure-that-the-controller-manager-service-account-private-key-file-argument-is-set-as-appropriate
  ensure-that-the-controller-manager-terminated-pod-gc-threshold-argument-is-set-as-appropriate
  ensure-that-the-controller-manager-use-service-account-credentials-argument-is-set-to-true
  ensure-that-the-kube-proxy-metrics-service-is-bound-to-localhost
  ensure-that-the-scheduler-bind-address-argument-is-set-to-127.0.0.1
  ensure-that-the-scheduler-profiling-argument-is-set-to-false
  ensure_network_policy_configured_in_labels etcd-auto-tls-disabled etcd-client-auth-cert
  etcd-encryption-native etcd-peer-auto-tls-disabled etcd-peer-client-auth-cert etcd-peer-tls-enabled
  etcd-tls-enabled etcd-unique-ca excessive_amount_of_vulnerabilities_pods exec-into-container-v1
  exposed-critical-pods exposed-rce-pods exposed-sensitive-interfaces-v1 exposure-to-internet
  exposure-to-internet-via-gateway-api exposure-to-internet-via-istio-ingress has-image-signature
  horizontalpodautoscaler-in-default-namespace host-ipc-privileges host-network-access
  host-pid-ipc-privileges host-pid-privileges hpa-has-target image-not-pinned-to-digest
  image-pull-policy-is-not-set-to-always immutable-container-filesystem ingress-and-egress-blocked
  ingress-in-default-namespace ingress-no-tls insecure-capabilities insecure-port-flag
  internal-networking k8s-audit-logs-enabled-native k8s-audit-logs-enabled-native-cis
  k8s-common-labels-usage label-usage-for-resources lease-in-default-namespace
  linux-hardening list-all-mutating-webhooks list-all-namespaces list-all-validating-webhooks
  mismatching-selector naked-pods namespace-without-service-account no-rolling-update-strategy
  non-existent-service-account non-root-containers outdated-k8s-version
  persistentvolumeclaim-in-default-namespace pod-security-admission-applied-1
  pod-security-admission-applied-2 pod-security-admission-baseline-applied-1
  pod-security-admission-baseline-applied-2 pod-security-admission-restricted-applied-1
  pod-security-admission-restricted-applied-2 poddisruptionbudget-in-default-namespace
  pods-in-default-namespace podtemplate-in-default-namespace psp-deny-allowed-capabilities
  psp-deny-allowprivilegeescalation psp-deny-hostipc psp-deny-hostnetwork
  psp-deny-hostpid psp-deny-privileged-container psp-deny-root-container
  psp-enabled-native psp-required-drop-capabilities pv-without-encryption
  rbac-enabled-native replicationcontroller-in-default-namespace resource-policies
  resources-cpu-limit-and-request resources-cpu-limits resources-cpu-requests
  resources-memory-limit-and-request resources-memory-limits resources-memory-requests
  resources-sandbox-cpu-limits resources-sandbox-memory-limits resources-secret-in-default-namespace
  review-roles-with-aws-iam-authenticator role-in-default-namespace rolebinding-in-default-namespace
  rule-access-dashboard-subject-v1 rule-access-dashboard-wl-v1 rule-allow-privilege-escalation
  rule-can-access-proxy-subresource rule-can-approve-cert-signing-request rule-can-bind-escalate
  rule-can-create-pod rule-can-create-pv rule-can-create-service-account-token
  rule-can-delete-k8s-events-v1 rule-can-impersonate-users-groups-v1 rule-can-list-get-secrets-v1
  rule-can-modify-admission-webhooks rule-can-portforward-v1 rule-can-ssh-to-pod-v1
  rule-can-update-configmap-v1 rule-credentials-configmap rule-credentials-in-env-var
  rule-deny-cronjobs rule-excessive-delete-rights-v1 rule-hostile-multitenant-workloads
  rule-identify-blocklisted-image-registries rule-identify-blocklisted-image-registries-v1
  rule-identify-old-k8s-registry rule-list-all-cluster-admins-v1 rule-manual
  rule-privileged-container rule-secrets-in-env-var service-in-default-namespace
  service-with-no-workload serviceaccount-in-default-namespace serviceaccount-token-mount
  set-fsgroup-value set-fsgroupchangepolicy-value set-gmsacredentialspecname-value
  set-hostprocess-true set-procmount-default set-runasusername-value set-seLinuxOptions
  set-seccomp-profile set-seccomp-profile-RuntimeDefault set-supplementalgroups-values
  set-sysctls-params sudo-in-container-entrypoint system-authenticated-allowed-to-take-over-cluster
  unauthenticated-service validate-kubelet-tls-configuration-updated verify-image-signature
  workload-mounted-configmap workload-mounted-pvc workload-mounted-secrets
  workload-with-administrative-roles workload-with-cluster-takeover-roles
)

# golang/vulndb data/osv: the 148 GO-* records that affect Kubernetes-ecosystem modules.
GO_IDS=(
  2021-0064 2021-0065 2021-0066 2021-0070 2021-0085 2021-0087 2022-0274 2022-0278 2022-0316
  2022-0344 2022-0360 2022-0384 2022-0396 2022-0452 2022-0482 2022-0547 2022-0574 2022-0587
  2022-0617 2022-0621 2022-0629 2022-0701 2022-0703 2022-0782 2022-0784 2022-0792 2022-0802
  2022-0803 2022-0835 2022-0857 2022-0867 2022-0885 2022-0886 2022-0890 2022-0893 2022-0907
  2022-0908 2022-0910 2022-0914 2022-0921 2022-0938 2022-0962 2022-0965 2022-0978 2022-0983
  2022-1040 2022-1147 2022-1165 2022-1166 2022-1167 2023-1492 2023-1547 2023-1573 2023-1574
  2023-1627 2023-1628 2023-1629 2023-1682 2023-1683 2023-1793 2023-1864 2023-1891 2023-1892
  2023-1938 2023-1946 2023-1948 2023-1959 2023-1961 2023-1977 2023-1985 2023-1993 2023-2125
  2023-2159 2023-2170 2023-2176 2023-2330 2023-2341 2023-2412 2024-2428 2024-2491 2024-2554
  2024-2575 2024-2746 2024-2748 2024-2753 2024-2754 2024-2755 2024-2780 2024-2846 2024-2861
  2024-2870 2024-2994 2024-3075 2024-3110 2024-3141 2024-3203 2024-3204 2024-3212 2024-3277
  2024-3286 2025-3465 2025-3521 2025-3522 2025-3528 2025-3543 2025-3547 2025-3564 2025-3565
  2025-3566 2025-3567 2025-3568 2025-3601 2025-3602 2025-3645 2025-3660 2025-3699 2025-3701 2025-3774
  2025-3802 2025-3887 2025-3888 2025-3915 2025-3939 2025-4096 2025-4097 2025-4098 2025-4100 2025-4108
  2025-4240 2026-4417 2026-4419 2026-4423 2026-4426 2026-4506 2026-4796 2026-4816 2026-4919 2026-5064
  2026-5338 2026-5378 2026-5435 2026-5475 2026-5566 2026-5622 2026-5666 2026-5758 2026-5761 2026-5983
)

# pypa/advisory-database vulns/: the 14 packages whose records the corpus holds.
PYPA_PACKAGES=(
  aiohttp certifi cryptography django flask idna jinja2 paramiko pillow pyyaml requests setuptools
  urllib3 werkzeug
)

# netpol-recipes/policies/<file> = yaml code block #<n> of <recipe>.md, under a header line.
NETPOL_POLICIES=(
  "01-web-deny-all.yaml 01-deny-all-traffic-to-an-application.md 1"
  "02-api-allow.yaml 02-limit-traffic-to-an-application.md 1"
  "02a-web-allow-all.yaml 02a-allow-all-traffic-to-an-application.md 1"
  "03-default-deny-all.yaml 03-deny-all-non-whitelisted-traffic-in-the-namespace.md 1"
  "04-deny-from-other-namespaces.yaml 04-deny-traffic-from-other-namespaces.md 1"
  "05-web-allow-all-namespaces.yaml 05-allow-traffic-from-all-namespaces.md 1"
  "06-web-allow-prod.yaml 06-allow-traffic-from-a-namespace.md 1"
  "07-web-allow-all-ns-monitoring.yaml 07-allow-traffic-from-some-pods-in-another-namespace.md 1"
  "08-web-allow-external.yaml 08-allow-external-traffic.md 1"
  "09-api-allow-5000.yaml 09-allow-traffic-only-to-a-port.md 1"
  "10-redis-allow-services.yaml 10-allowing-traffic-with-multiple-selectors.md 1"
  "11-foo-deny-egress.yaml 11-deny-egress-traffic-from-an-application.md 1"
  "11-foo-deny-egress-v2.yaml 11-deny-egress-traffic-from-an-application.md 2"
  "12-default-deny-all-egress.yaml 12-deny-all-non-whitelisted-traffic-from-the-namespace.md 1"
  "14-foo-deny-external-egress.yaml 14-deny-external-egress-traffic.md 1"
)

# --- sources -------------------------------------------------------------------

D=pod-security-admission
use kubernetes/pod-security-admission 8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8
put LICENSE $D/LICENSE
put_tree test/testdata $D/testdata
done_source $D

D=gatekeeper-library
use open-policy-agent/gatekeeper-library 5c441fb645f257b2c428fe9aea22da24a94b5bab
put LICENSE $D/LICENSE
put_tree library $D/library
done_source $D

D=kubescape-regolibrary
use kubescape/regolibrary ce7ef32aef7a7d272016c3f0d1105c60d6b266fb
for f in LICENSE ControlID_RuleName.csv FWName_CID_CName.csv default-config-inputs.json; do
  put "$f" "$D/$f"
done
for d in controls frameworks exceptions attack-tracks; do
  put_tree "$d" "$D/$d"
done
for r in "${KUBESCAPE_RULES[@]}"; do
  put_tree "rules/$r" "$D/rules/$r"
done
done_source $D

D=netpol-recipes
use ahmetb/kubernetes-network-policy-recipes 11f5018e269359d9f900ae3b5c2e94c306623053
put_top $D
for row in "${NETPOL_POLICIES[@]}"; do
  read -r out md n <<<"$row"
  mkdir -p "$DEST/$D/policies"
  {
    echo "# Extracted verbatim from $md (yaml code block #$n) of ahmetb/kubernetes-network-policy-recipes"
    awk -v want="$n" '
      /^```yaml[[:space:]]*$/ && !inb { k++; inb = 1; next }
      /^```[[:space:]]*$/ && inb { inb = 0; next }
      inb && k == want { print }
    ' "$DEST/$D/$md"
  } >"$DEST/$D/policies/$out"
  [[ $(wc -l <"$DEST/$D/policies/$out") -gt 1 ]] || die "no yaml block #$n in $md"
  COUNT=$((COUNT + 1))
done
done_source $D

D=microservices-demo
use GoogleCloudPlatform/microservices-demo 34ffea9175946982c3088ed84994fe6019ad6e92
put LICENSE $D/LICENSE
put_tree release $D/release
put_tree kubernetes-manifests $D/kubernetes-manifests
put_tree kustomize/components/network-policies $D/kustomize/components/network-policies
done_source $D

D=falco-k8saudit
# The legacy k8s_audit tests were deleted by falco b1ae5d3; this is its parent.
use falcosecurity/falco 2583ea9bfdb2d6acdfbeedb094ea26f4866bb02e
put COPYING $D/LICENSE
put test/falco_k8s_audit_tests.yaml $D/legacy-tests/falco_k8s_audit_tests.yaml
put test/confs/plugins/k8s_audit.yaml $D/legacy-tests/confs/plugins/k8s_audit.yaml
put_tree test/rules/k8s_audit $D/legacy-tests/rules/k8s_audit
put_tree test/trace_files/k8s_audit $D/legacy-tests/trace_files/k8s_audit
done_source $D
# The ruleset those tests ran against (k8saudit plugin 0.6.0) ...
use falcosecurity/plugins 81ffddd1e0a3bfd30c4227a3e031bbe24a8dbafb
put plugins/k8saudit/rules/k8s_audit_rules.yaml $D/rules/k8s_audit_rules.v0.6.0.yaml
done_source $D
# ... and the current one.
use falcosecurity/plugins 0b3cbd8d84eba83877159cf3c9fdae1820084c26
put plugins/k8saudit/rules/k8s_audit_rules.yaml $D/rules/k8s_audit_rules.latest.yaml
put plugins/k8saudit/configs/audit-policy.yaml $D/rules/audit-policy.yaml
put plugins/k8saudit/README.md $D/rules/k8saudit-plugin-README.md
done_source $D

D=audit2rbac
use liggitt/audit2rbac 9b0b89806ba0f33544eff64f117bd57290f3fdea
for f in LICENSE README.md testdata/demo.log testdata/demo-policy.yaml; do
  put "$f" "$D/$f"
done
done_source $D

D=osv/version-ordering
use google/osv-scalibr c2094f2d68e3994551d9998a54e2e97985a18a39
put LICENSE $D/LICENSE
put_tree semantic/testdata $D
done_source $D

D=osv/osv-scanner-offline-dbs
# Commit from a pull-request branch, not from main.
use google/osv-scanner 2dc1168ef0c864a5312cd2b02b02791e0471ad57 refs/pull/2934/head
put LICENSE $D/LICENSE
put_tree cmd/osv-scanner/internal/testcmd/testdata/offline-dbs $D
done_source $D

D=osv/pypa-advisory-database
use pypa/advisory-database 3ccb612573e2511ab5cad7dafecd838605c80cda
put LICENSE $D/LICENSE
for p in "${PYPA_PACKAGES[@]}"; do
  put_tree "vulns/$p" "$D/vulns/$p"
done
done_source $D

D=osv/golang-vulndb
use golang/vulndb a752ea54fd1b989d208a270aeef772f55a36b87a
put data/LICENSE $D/LICENSE
for id in "${GO_IDS[@]}"; do
  put "data/osv/GO-$id.json" "$D/osv/GO-$id.json"
done
done_source $D

D=osv/osv-schema
use ossf/osv-schema 51b8156b69b9e2e9ff2301e649db61636067fcfa
for f in LICENSE ecosystems.json schema.md validation/schema.json; do
  put "$f" "$D/$f"
done
put_tree tools/osv-linter/testdata $D/tools/osv-linter/testdata
put_tree tools/ghsa/testdata $D/tools/ghsa/testdata .osv.json
done_source $D

# --- DERIVED files -------------------------------------------------------------

derived_copied=()
derived_absent=()
for f in "${DERIVED_FILES[@]}"; do
  if [[ -n $DERIVED_DIR && -f $DERIVED_DIR/$f ]]; then
    mkdir -p "$(dirname "$DEST/$f")"
    cp "$DERIVED_DIR/$f" "$DEST/$f"
    derived_copied+=("$f")
  else
    derived_absent+=("$f")
  fi
done

# --- FETCHED.md ------------------------------------------------------------------

total=0
{
  echo "# Conformance corpus fetched by scripts/fetch-corpus.sh"
  echo
  echo "Upstream files, byte for byte, at the commits below (see SOURCES.md in the shared"
  echo "corpus for what each folder holds and how its expected results are encoded)."
  echo "netpol-recipes/policies/ is cut out of the recipe Markdown; it is counted with its source."
  echo
  echo "| folder | upstream | commit | files |"
  echo "|---|---|---|---|"
  for row in "${SUMMARY[@]}"; do
    IFS='|' read -r folder repo commit n <<<"$row"
    echo "| $folder/ | $repo | $commit | $n |"
    total=$((total + n))
  done
  echo
  echo "$total files from upstream."
  echo
  echo "DERIVED files (not upstream):"
  for f in ${derived_copied[@]+"${derived_copied[@]}"}; do
    echo "- $f: copied from $DERIVED_DIR"
  done
  for f in ${derived_absent[@]+"${derived_absent[@]}"}; do
    echo "- $f: absent"
  done
} >"$DEST/FETCHED.md"

# --- report ---------------------------------------------------------------------------

echo
printf '%-34s %-44s %s\n' folder upstream files
for row in "${SUMMARY[@]}"; do
  IFS='|' read -r folder repo commit n <<<"$row"
  printf '%-34s %-44s %s\n' "$folder/" "$repo@${commit:0:12}" "$n"
done
echo "$total upstream files in $DEST (commits and counts in FETCHED.md)"
if ((${#derived_copied[@]})); then
  echo "${#derived_copied[@]} DERIVED files copied from $DERIVED_DIR"
fi
if ((${#derived_absent[@]})); then
  echo
  echo "DERIVED files absent (not upstream; pass --derived DIR with a copy of the shared corpus):"
  for f in ${derived_absent[@]+"${derived_absent[@]}"}; do
    echo "  $f"
  done
  echo "These tests will skip without them (and fail if PALISADE_REQUIRE_CORPUS is set):"
  for f in ${derived_absent[@]+"${derived_absent[@]}"}; do
    derived_tests "$f" | sed 's/^/  /'
  done
fi
echo
echo "export PALISADE_CORPUS=$DEST"
