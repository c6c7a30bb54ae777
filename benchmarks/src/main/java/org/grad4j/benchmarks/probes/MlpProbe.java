package org.grad4j.benchmarks.probes;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.grad4j.benchmarks.kernels.Mlp;
import org.grad4j.runtime.Workers;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ops.executioner.OpExecutioner;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.profiler.OpProfiler;
import org.nd4j.linalg.profiler.ProfilerConfig;

/**
 * Two looks at the MLP step behind the notes in docs/BENCHMARKS.md (not JMH).
 *
 * <pre>
 * # how many ND4J operations each way to the gradient executes, by operation
 * OMP_NUM_THREADS=1 java -javaagent:agent/target/grad4j-agent.jar \
 *     -cp benchmarks/target/grad4j-benchmarks.jar:$(cat benchmarks/target/nd4j-classpath.txt) \
 *     org.grad4j.benchmarks.probes.MlpProbe ops
 * # CPU time per call of all JVM threads (grad4j's worker included), median of interleaved
 * # rounds: less sensitive than wall time to other processes on a shared machine
 * OMP_NUM_THREADS=1 java ... org.grad4j.benchmarks.probes.MlpProbe cpu
 * # the grad4j step as it is, and inside an ND4J workspace (final gradients detached): how much of
 * # its time is fresh off-heap memory (an experiment, not how grad4j runs)
 * OMP_NUM_THREADS=1 java ... org.grad4j.benchmarks.probes.MlpProbe workspace
 * </pre>
 */
public final class MlpProbe {
    private MlpProbe() {}

    public static void main(String[] args) {
        String what = args.length > 0 ? args[0] : "cpu";
        Mlp.Problem p = Mlp.Problem.benchmark();
        Map<String, Supplier<Object>> ways = new LinkedHashMap<>();
        ways.put("primal", p::primal);
        ways.put("manual", p::manual);
        ways.put("grad4j", p::grad4j);
        ways.put("samediff", p::sameDiff);
        for (int i = 0; i < 30; i++) for (Supplier<Object> w : ways.values()) w.get();
        switch (what) {
            case "ops" -> ops(ways);
            case "cpu" -> cpu(ways);
            case "workspace" -> workspace(p);
            default -> throw new IllegalArgumentException("MlpProbe ops|cpu|workspace");
        }
        System.exit(0);   // SameDiff and grad4j keep non-daemon threads
    }

    /**
     * Wall time per grad4j step, alternately as is and inside a workspace. Runs on a grad4j worker,
     * where the gradient itself then runs too (nested gradients run inline), so the workspace is
     * the one the rules allocate in.
     */
    private static void workspace(Mlp.Problem p) {
        WorkspaceConfiguration config = WorkspaceConfiguration.builder().initialSize(0)
                .policyAllocation(AllocationPolicy.OVERALLOCATE).overallocationLimit(0.1)
                .policyLearning(LearningPolicy.FIRST_LOOP).policyReset(ResetPolicy.BLOCK_LEFT)
                .policySpill(SpillPolicy.REALLOCATE).build();
        Workers.shared().call(() -> {
            for (int round = 0; round < 6; round++) {
                boolean inWorkspace = round % 2 == 1;
                long t = System.nanoTime();
                for (int i = 0; i < 200; i++) {
                    if (!inWorkspace) {
                        p.grad4j();
                        continue;
                    }
                    try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(config, "probe")) {
                        for (org.nd4j.linalg.api.ndarray.INDArray g : p.grad4j().gradients()) g.detach();
                    }
                }
                System.out.printf(Locale.ROOT, "%-18s %,8.0f µs per step%n", inWorkspace ? "in a workspace" : "as is",
                        (System.nanoTime() - t) / 1e3 / 200);
            }
            return null;
        });
    }

    private static void ops(Map<String, Supplier<Object>> ways) {
        for (Map.Entry<String, Supplier<Object>> w : ways.entrySet()) {
            Nd4j.getExecutioner().setProfilingConfig(ProfilerConfig.builder().stackTrace(false).build());
            Nd4j.getExecutioner().setProfilingMode(OpExecutioner.ProfilingMode.OPERATIONS);
            OpProfiler.getInstance().reset();
            w.getValue().get();
            Nd4j.getExecutioner().setProfilingMode(OpExecutioner.ProfilingMode.DISABLED);
            System.out.printf(Locale.ROOT, "==== %s: %d ND4J operations%n", w.getKey(), OpProfiler.getInstance().getInvocationsCount());
            OpProfiler.getInstance().printOutDashboard();
        }
    }

    /**
     * CPU time of every live JVM thread, in ns (the caller, grad4j's workers, GC and JIT). With
     * {@code OMP_NUM_THREADS=1} ND4J computes on the calling thread, so this is all of its work.
     */
    private static long cpuNanos() {
        java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (long id : threads.getAllThreadIds()) {
            long t = threads.getThreadCpuTime(id);
            if (t > 0) sum += t;
        }
        return sum;
    }

    private static void cpu(Map<String, Supplier<Object>> ways) {
        int rounds = 15, calls = 20;
        Map<String, double[]> perCall = new LinkedHashMap<>();
        for (String k : ways.keySet()) perCall.put(k, new double[rounds]);
        for (int r = 0; r < rounds; r++) {
            for (Map.Entry<String, Supplier<Object>> w : ways.entrySet()) {
                long c0 = cpuNanos();
                for (int i = 0; i < calls; i++) w.getValue().get();
                perCall.get(w.getKey())[r] = (cpuNanos() - c0) / 1e3 / calls;
            }
        }
        Map<String, Double> median = new LinkedHashMap<>();
        for (Map.Entry<String, double[]> e : perCall.entrySet()) {
            double[] v = e.getValue().clone();
            Arrays.sort(v);
            median.put(e.getKey(), v[v.length / 2]);
        }
        System.out.println("CPU µs per call (all JVM threads), median of " + rounds + " interleaved rounds of " + calls + " calls:");
        median.forEach((k, v) -> System.out.printf(Locale.ROOT, "  %-9s %,9.0f%n", k, v));
        System.out.printf(Locale.ROOT, "  grad4j / manual %.2f, grad4j / SameDiff %.2f, SameDiff / manual %.2f, grad4j / primal %.2f%n",
                median.get("grad4j") / median.get("manual"), median.get("grad4j") / median.get("samediff"),
                median.get("samediff") / median.get("manual"), median.get("grad4j") / median.get("primal"));
    }
}
