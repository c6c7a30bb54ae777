#!/usr/bin/env bash
# The grad4j agent on a large application that has no @Differentiable methods: Maven itself.
#
#   fuzz/agent-overhead.sh [PAIRS]        (default 5; about 25 s per pair on 2 cores)
#
# On a snapshot of this repository's HEAD (git archive, so that edits in progress do not disturb
# it), runs `mvn -q -o clean verify -pl runtime` PAIRS times without and with
# MAVEN_OPTS=-javaagent:agent/target/grad4j-agent.jar, alternating, and checks that Maven behaves
# identically: same exit code, same output (timings removed), bit-identical class files, same test
# counts. Then measures start-up (`mvn -q -o validate -pl runtime` and a hello-world JVM, medians
# of paired runs), how many classes Maven loads (-Xlog:class+load) and how fast the agent's scan
# is on Maven's and the JDK's class files (ScanThroughput). Prints a Markdown summary; raw data
# stays in the work directory it names. Needs: agent/target/grad4j-agent.jar and
# fuzz/target/classes (mvn -B -q install -DskipTests), Maven's local repository populated (-o).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PAIRS=${1:-5}
AGENT="$ROOT/agent/target/grad4j-agent.jar"
TOOLS="$ROOT/fuzz/target/classes"
[ -f "$AGENT" ] || { echo "no $AGENT: run mvn -B -q install -DskipTests first" >&2; exit 1; }
[ -d "$TOOLS/org/grad4j/fuzz/tools" ] || { echo "no $TOOLS: run mvn -B -q install -DskipTests first" >&2; exit 1; }

WORK=$(mktemp -d /tmp/grad4j-agent-overhead.XXXXXX)
SRC="$WORK/src"
mkdir -p "$SRC"
git archive HEAD | tar -x -C "$SRC"
# private copies: other builds may rewrite agent/target and fuzz/target while this runs
cp "$AGENT" "$WORK/grad4j-agent.jar"
AGENT="$WORK/grad4j-agent.jar"
cp -r "$TOOLS" "$WORK/tools"
TOOLS="$WORK/tools"
echo "work directory: $WORK (snapshot of $(git rev-parse --short HEAD))"

median() { sort -g | awk '{a[NR]=$1} END {if (NR % 2) printf "%.3f\n", a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2}'; }
now() { date +%s.%N; }

# One Maven run in the snapshot; $1 = label, $2 = MAVEN_OPTS, rest = goals.
# Prints "wall cpu": elapsed seconds, and user + system CPU seconds of Maven and its forked JVMs
# (CPU time hardly depends on what else the machine runs; wall time does).
mvn_run() {
    local label=$1 opts=$2; shift 2
    local rc TIMEFORMAT='%R %U %S'
    set +e
    { time (cd "$SRC" && MAVEN_OPTS="$opts" mvn -q -o "$@" >"$WORK/$label.out" 2>"$WORK/$label.err"); } 2>"$WORK/$label.time"
    rc=$?
    set -e
    echo "$rc" >"$WORK/$label.rc"
    awk '{printf "%.3f %.3f\n", $1, $2 + $3}' "$WORK/$label.time"
}

# The same for any command: prints "wall cpu".
timed() {
    local TIMEFORMAT='%R %U %S'
    { time "$@" >/dev/null 2>&1; } 2>&1 | awk '{printf "%.3f %.3f\n", $1, $2 + $3}'
}

# Output with timings and temp paths removed, for comparison.
normalized() { sed -E 's/[0-9]+(\.[0-9]+)? ?(s|ms|sec)\b/#/g; s#/tmp/[^ ]*#TMP#g' "$1"; }

fingerprint() { # class files and test counts of the snapshot's runtime module
    (cd "$SRC/runtime/target" && find classes test-classes -name '*.class' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
    (cd "$SRC/runtime/target/surefire-reports" && grep -ho 'tests="[0-9]*"[^>]*failures="[0-9]*"' TEST-*.xml | sort | sha256sum | cut -c1-16)
    (cd "$SRC/runtime/target/surefire-reports" && grep -ho 'tests="[0-9]*"' TEST-*.xml | tr -dc '0-9\n' | paste -sd+ | bc)
}

GOALS=(clean verify -pl runtime)
echo "warm-up (fills the OS cache, compiles nothing into the results) ..."
mvn_run warm-plain "" "${GOALS[@]}" >/dev/null
mvn_run warm-agent "-javaagent:$AGENT" "${GOALS[@]}" >/dev/null

: >"$WORK/verify-plain.times"; : >"$WORK/verify-agent.times"
identical=yes
for i in $(seq 1 "$PAIRS"); do
    # alternate which goes first, so that drift on a shared machine falls on both
    for which in $( ((i % 2)) && echo "plain agent" || echo "agent plain"); do
        opts=""; [ "$which" = agent ] && opts="-javaagent:$AGENT"
        mvn_run "verify-$which-$i" "$opts" "${GOALS[@]}" >>"$WORK/verify-$which.times"
        fingerprint >"$WORK/verify-$which-$i.fingerprint"
    done
    for f in rc fingerprint; do
        cmp -s "$WORK/verify-plain-$i.$f" "$WORK/verify-agent-$i.$f" || { identical=no; echo "pair $i: $f differs"; }
    done
    for f in out err; do
        cmp -s <(normalized "$WORK/verify-plain-$i.$f") <(normalized "$WORK/verify-agent-$i.$f") \
            || { identical=no; echo "pair $i: std$f differs"; diff <(normalized "$WORK/verify-plain-$i.$f") <(normalized "$WORK/verify-agent-$i.$f") | head -5; }
    done
    echo "pair $i (wall cpu): without $(tail -1 "$WORK/verify-plain.times") s, with $(tail -1 "$WORK/verify-agent.times") s"
done
TESTS=$(sed -n 3p "$WORK/verify-plain-1.fingerprint")
RC=$(cat "$WORK/verify-plain-1.rc")

echo "start-up: mvn validate and a hello-world JVM ..."
: >"$WORK/validate-plain.times"; : >"$WORK/validate-agent.times"
for i in $(seq 1 $((PAIRS * 2))); do
    mvn_run "validate-plain-$i" "" validate -pl runtime >>"$WORK/validate-plain.times"
    mvn_run "validate-agent-$i" "-javaagent:$AGENT" validate -pl runtime >>"$WORK/validate-agent.times"
done
mkdir -p "$WORK/hello"
printf 'public class Hello { public static void main(String[] a) { System.out.println("hello"); } }\n' >"$WORK/hello/Hello.java"
javac -d "$WORK/hello" "$WORK/hello/Hello.java"
: >"$WORK/hello-plain.times"; : >"$WORK/hello-agent.times"
for i in $(seq 1 $((PAIRS * 4))); do
    timed java -cp "$WORK/hello" Hello >>"$WORK/hello-plain.times"
    timed java -javaagent:"$AGENT" -cp "$WORK/hello" Hello >>"$WORK/hello-agent.times"
done

echo "classes Maven loads ..."
mvn_run classes-plain "-Xlog:class+load=info:file=$WORK/classes-plain.log" "${GOALS[@]}" >/dev/null
mvn_run classes-agent "-javaagent:$AGENT -Xlog:class+load=info:file=$WORK/classes-agent.log" "${GOALS[@]}" >/dev/null
LOADED_PLAIN=$(grep -c ' source: ' "$WORK/classes-plain.log" || true)
LOADED_AGENT=$(grep -c ' source: ' "$WORK/classes-agent.log" || true)
SHARED_PLAIN=$(grep -c 'source: shared objects file' "$WORK/classes-plain.log" || true)
SHARED_AGENT=$(grep -c 'source: shared objects file' "$WORK/classes-agent.log" || true)
GRAD4J_AGENT=$(grep -c ' org\.grad4j\.' "$WORK/classes-agent.log" || true)

echo "scan throughput ..."
MAVEN_HOME=$(mvn -v 2>/dev/null | sed -n 's/^Maven home: //p')
java -cp "$TOOLS" org.grad4j.fuzz.tools.ScanThroughput "$AGENT" --jdk "$MAVEN_HOME/lib" "$MAVEN_HOME/boot" | tee "$WORK/scan.txt"

col() { cut -d' ' -f"$2" "$1"; }  # column 1: wall, 2: CPU
pct() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%+.1f", 100 * (b - a) / a}'; }
diffs() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%+.3f", b - a}'; }
spread() { sort -g | awk '{a[NR]=$1} END {printf "%.2f–%.2f", a[1], a[NR]}'; }
# median of the paired differences (with − without, pair by pair: drift cancels)
paired() { paste -d' ' <(col "$WORK/$1-plain.times" "$2") <(col "$WORK/$1-agent.times" "$2") | awk '{printf "%.3f\n", $2 - $1}' | median; }
row() { # $1 = runs file stem, $2 = column, $3 = unit label
    local p a
    p=$(col "$WORK/$1-plain.times" "$2" | median); a=$(col "$WORK/$1-agent.times" "$2" | median)
    echo "$p s ($(col "$WORK/$1-plain.times" "$2" | spread)) | $a s ($(col "$WORK/$1-agent.times" "$2" | spread)) | $(diffs "$p" "$a") s ($(pct "$p" "$a") %) | $(paired "$1" "$2") s"
}

cat <<EOF

Measured $(date -u +%Y-%m-%d) on $(nproc) cores, $(java -version 2>&1 | head -1), $(mvn -v 2>/dev/null | head -1 | sed 's/\x1b\[[0-9;]*m//g'), snapshot $(git rev-parse --short HEAD):

| run | measure | runs | without agent: median (range) | with agent: median (range) | added (medians) | added (median of paired differences) |
|---|---|---|---|---|---|---|
| \`mvn -q -o clean verify -pl runtime\` ($TESTS tests, exit code $RC) | wall | $PAIRS + $PAIRS | $(row verify 1) |
| | CPU (user + sys, with forked test JVMs) | | $(row verify 2) |
| \`mvn -q -o validate -pl runtime\` (Maven start-up) | wall | $((PAIRS * 2)) + $((PAIRS * 2)) | $(row validate 1) |
| | CPU | | $(row validate 2) |
| \`java Hello\` (JVM start-up) | wall | $((PAIRS * 4)) + $((PAIRS * 4)) | $(row hello 1) |
| | CPU | | $(row hello 2) |

Load average while measuring: $(cut -d' ' -f1-3 /proc/loadavg) (other builds shared the 2 cores; CPU time is the steadier measure).
Behaviour identical with and without the agent (exit code, output, class files, test counts): **$identical**.
Classes loaded by the Maven JVM during \`clean verify -pl runtime\`: $LOADED_PLAIN without the agent ($SHARED_PLAIN from the CDS archive), $LOADED_AGENT with it ($SHARED_AGENT from the CDS archive, $GRAD4J_AGENT of them the agent's own).
Scan (the agent's ClassFileTransformer on every class file of Maven's lib/ and boot/ and of the JDK's modules):
$(sed 's/^/    /' "$WORK/scan.txt")
EOF
