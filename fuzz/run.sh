#!/usr/bin/env bash
# The long fuzz run: random programs differentiated by grad4j (through the real agent) and checked
# against their forward-mode twins.
#
#   fuzz/run.sh [--count N] [--seed S] [--first I] [--reduce] [--all] [--program SEED] [--out DIR]
#
#   --count N       programs to run (default 100000: about 20 min on 2 cores, see fuzz/README.md)
#   --seed S        run seed (default: a fresh one, printed); program i of seed S is always the same program
#   --reduce        shrink each failing program while it fails the same way (written to OUT/reduced/)
#   --all           also generate the features whose grad4j bug is still open (Generator.Config.OPEN_BUGS)
#   --program SEED  run one program by its own seed (the "seed" a failure report prints)
#   --out DIR       where failing programs go (default fuzz/target/fuzz-long)
#
# Failing programs are self-contained Java files: the program, its dual-number twin and the point.
# Copy one into fuzz/src/test/resources/regressions/ to make it a regression test (RegressionsIT).
# Exit code 1 when any program failed. FUZZ_JAVA_OPTS=-Dfuzz.showRefusals=true prints the seed and message of
# each refusal of a program with no planted construct (replay one with --program SEED).
set -euo pipefail
cd "$(dirname "$0")/.."
AGENT=agent/target/grad4j-agent.jar
if [ ! -f "$AGENT" ] || [ ! -d fuzz/target/classes/org/grad4j/fuzz ]; then
    mvn -B -q install -DskipTests
fi
# Private copies: other builds may rewrite agent/target/grad4j-agent.jar while a long run reads it.
mkdir -p fuzz/target
RUN=$(mktemp -d fuzz/target/run.XXXXXX)
RUN_AGENT="$RUN/grad4j-agent.jar"
cp "$AGENT" "$RUN_AGENT"
cp -r fuzz/target/classes "$RUN/classes"
trap 'rm -rf "$RUN"' EXIT
args=("$@")
has() { for a in "${args[@]}"; do [ "$a" = "$1" ] && return 0; done; return 1; }
has --count || has --program || args+=(--count 100000)
has --seed || args+=(--seed "$(date +%s)")
has --out || args+=(--out fuzz/target/fuzz-long)
# grad4j's runtime comes from the agent jar (-javaagent puts it on the class path): the same build as the agent.
java -Xmx2g -Dgrad4j.stack=512m ${FUZZ_JAVA_OPTS:-} -javaagent:"$RUN_AGENT" -cp "$RUN/classes" org.grad4j.fuzz.run.Main "${args[@]}"
