#!/usr/bin/env bash
# grad4j's flagship demo: aim a cannon through air with drag so that the shell lands 300 m away
# after exactly 8 s. Every gradient differentiates the whole ~100,000-step flight; the JVM call
# stack is the tape. Builds what it needs first (Java 17 and Maven are all it takes).
#
#   ./demo.sh            the cannon (default)
#   ./demo.sh curvefit   fit a damped oscillation          ./demo.sh treernn    Tree-RNN over random trees
#   ./demo.sh logistic   logistic regression               ./demo.sh greeks     option Greeks of an unchanged app
#   ./demo.sh mlp        an MLP on ND4J tensors (three spirals, @Parameter fields, Model.gradient, Adam)
set -euo pipefail
cd "$(dirname "$0")"

sample="${1:-cannon}"
case "$sample" in
  cannon)   main=org.grad4j.samples.simulation.CannonSample ;;
  curvefit) main=org.grad4j.samples.curvefit.CurveFitSample ;;
  logistic) main=org.grad4j.samples.logistic.LogisticRegressionSample ;;
  treernn)  main=org.grad4j.samples.treernn.TreeRnnSample ;;
  greeks)   main=org.grad4j.samples.pricing.OptionGreeks ;;
  mlp)      main=org.grad4j.samples.mlp.MlpSample ;;
  *) echo "usage: $0 [cannon|curvefit|logistic|treernn|greeks|mlp]" >&2; exit 2 ;;
esac

for tool in java mvn; do
  command -v "$tool" >/dev/null || { echo "demo: '$tool' is not on the PATH; grad4j needs Java 17+ and Maven 3.8+" >&2; exit 1; }
done
java_major=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p')
if [ -z "$java_major" ] || [ "$java_major" -lt 17 ]; then
  echo "demo: grad4j needs Java 17 or newer; 'java' here is version ${java_major:-unknown}" >&2; exit 1
fi

out=target/demo
agent=agent/target/grad4j-agent.jar
stamp=samples/target/classes/org/grad4j/samples/simulation/CannonSample.class
nd4j_cp=samples/target/nd4j-classpath.txt   # ND4J's jars, for the MLP sample only (written by the samples build)
# (Re)build when the agent or the samples are missing, or any source or pom is newer than them.
if [ ! -f "$agent" ] || [ ! -f "$stamp" ] || [ ! -f "$nd4j_cp" ] \
   || [ -n "$(find pom.xml runtime transformer agent samples \( -name '*.java' -o -name pom.xml \) \
              -not -path '*/target/*' \( -newer "$agent" -o -newer "$stamp" \) -print -quit)" ]; then
  mkdir -p "$out"
  echo "Building grad4j: mvn -B -q install -DskipTests -pl agent,samples -am (the first build downloads dependencies; log in $out/build.log) ..."
  start=$(date +%s)
  if ! mvn -B -q install -DskipTests -pl agent,samples -am >"$out/build.log" 2>&1; then
    cat "$out/build.log" >&2
    echo "demo: the build failed (log above and in $out/build.log)" >&2
    exit 1
  fi
  echo "Built in $(( $(date +%s) - start )) s: $agent"
  echo
fi

mkdir -p "$out"
plot="$out/$sample.png"
cp=samples/target/classes:runtime/target/classes
shown_cp=$cp
env=()
prefix=
if [ "$sample" = mlp ]; then
  # ND4J on the class path for this sample only; one OpenMP thread: small tensors run faster on one
  cp="$cp:$(cat "$nd4j_cp")"
  shown_cp="$shown_cp:\$(cat $nd4j_cp)"
  env=(env OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}")
  prefix="OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} "
fi
cmd=(java -javaagent:"$agent" -cp "$cp" "$main")
[ "$sample" = greeks ] || cmd+=(--plot="$plot")   # the Greeks driver prints a table, no curve
cmd+=(--results="$out/$sample.properties")
shown=("${cmd[@]}")
shown[3]=$shown_cp
echo "\$ $prefix${shown[*]}"
echo
"${env[@]}" "${cmd[@]}"
