package org.grad4j.benchmarks;

import java.util.concurrent.TimeUnit;
import org.grad4j.benchmarks.kernels.Mlp;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The MLP training step ({@link Mlp}, 784-256-256-10, batch 128, float32): the forward loss, grad4j's
 * gradient, a hand-written ND4J backward pass and ND4J SameDiff, in one JMH run.
 *
 * <p>The forks need the agent and ND4J on the class path, and one OpenMP thread:
 * {@code OMP_NUM_THREADS=1} in the environment (JMH forks inherit it; benchmarks/run.sh sets it).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(3)
public class MlpBenchmark {
    private Mlp.Problem p;

    @Setup(Level.Trial)
    public void setUp() {
        p = Mlp.Problem.benchmark();
        p.sameDiff();   // build SameDiff's graph outside the measurement
    }

    @Benchmark
    public double primal() {
        return p.primal();
    }

    @Benchmark
    public Mlp.Result manual() {
        return p.manual();
    }

    @Benchmark
    public Mlp.Result grad4j() {
        return p.grad4j();
    }

    @Benchmark
    public Mlp.Result samediff() {
        return p.sameDiff();
    }
}
