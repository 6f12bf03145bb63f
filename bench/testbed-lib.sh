# Sourced by the bench/testbed-*.sh scripts: the release build, and the test
# bed (started here, and stopped at the end, when it is not running yet).
PAL="$PWD/target/release/palisade"
[[ -x "$PAL" ]] || { echo "build palisade first: cargo build --release" >&2; exit 2; }
export PALISADE_BIN="$PAL"
STARTED=
if ! testbed/cluster.sh status >/dev/null 2>&1; then
  testbed/cluster.sh up
  STARTED=1
fi
eval "$(testbed/cluster.sh env)"
WORK="$(mktemp -d)"
# cleanup: the script's own `bench_cleanup` (if any), then the test bed and WORK
cleanup() {
  declare -F bench_cleanup >/dev/null && bench_cleanup
  [[ -n "$STARTED" ]] && testbed/cluster.sh down
  rm -rf "$WORK"
}
trap cleanup EXIT
