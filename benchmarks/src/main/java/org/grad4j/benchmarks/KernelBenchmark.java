package org.grad4j.benchmarks;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Primal, hand-written gradient and grad4j gradient of each kernel. Sample-time mode: every
 * sampled call is timed on its own, so medians are medians of calls. One kernel per fork, so
 * every call site is monomorphic.
 *
 * <p>The forked JVMs need the agent: {@code -jvmArgsAppend -javaagent:/abs/path/grad4j-agent.jar}
 * (benchmarks/run.sh passes it).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(3)
public class KernelBenchmark {
    @Param({"rosenbrock", "rosenbrock-streams", "gmm", "lstm", "simulation", "simulation-records", "nbody", "tree", "adcall"})
    public String kernel;

    private Kernel k;
    private double[] x;

    @Setup(Level.Trial)
    public void setUp() {
        k = Kernels.create(kernel);
        x = k.point();
    }

    @Benchmark
    public double primal() {
        return k.value(x);
    }

    @Benchmark
    public double[] manual() {
        return k.manualGradient(x);
    }

    @Benchmark
    public double[] grad4j() {
        return k.grad4jGradient(x);
    }
}
