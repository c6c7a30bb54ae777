#!/usr/bin/env bash
# Runs the JMH benchmarks once and writes docs/BENCHMARKS.md (table, command, machine).
#
#   benchmarks/run.sh                      # the full run (about 11 minutes on 2 cores)
#   benchmarks/run.sh --forks 1 --warmup 2 --iterations 2 --kernels rosenbrock,lstm   # a quick look
#   benchmarks/run.sh --kernels mlp        # the MLP step on ND4J only (grad4j, hand-written, SameDiff)
#
# Options after the script name go to org.grad4j.benchmarks.Report (see its javadoc):
# --forks --warmup --iterations --time --kernels --stack --paired --out --json.
# Set SKIP_BUILD=1 to use the jars already built.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    mvn -B -q package -DskipTests
fi
agent="$root/agent/target/grad4j-agent.jar"
jar="$root/benchmarks/target/grad4j-benchmarks.jar"
nd4j="$root/benchmarks/target/nd4j-classpath.txt"   # ND4J's jars (provided scope: not in the shaded jar), for the MLP
for f in "$agent" "$jar" "$nd4j"; do
    [[ -f "$f" ]] || { echo "run.sh: $f is missing (build failed?)" >&2; exit 1; }
done

stack=8g
args=("$@")
for ((i = 0; i + 1 < ${#args[@]}; i++)); do
    [[ "${args[i]}" == --stack ]] && stack="${args[i + 1]}"
done
commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(git status --porcelain -- transformer runtime agent benchmarks 2>/dev/null)" ]]; then
    commit="$commit + uncommitted changes"
fi

# One thread for ND4J (OpenMP and OpenBLAS): small tensors run faster and steadier on one, and the
# comparison with the single-threaded scalar kernels stays fair. JMH's forks inherit the environment.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
exec java -Dgrad4j.stack="$stack" -javaagent:"$agent" -cp "$jar:$(cat "$nd4j")" org.grad4j.benchmarks.Report \
    --agent "$agent" --commit "$commit" --command "benchmarks/run.sh${*:+ $*}" "$@"
