package org.grad4j.benchmarks;

import java.util.List;
import org.grad4j.benchmarks.kernels.AdCall;
import org.grad4j.benchmarks.kernels.Gmm;
import org.grad4j.benchmarks.kernels.Lstm;
import org.grad4j.benchmarks.kernels.NBody;
import org.grad4j.benchmarks.kernels.Rosenbrock;
import org.grad4j.benchmarks.kernels.Simulation;
import org.grad4j.benchmarks.kernels.Tree;

/** The benchmark kernels by name, at the sizes of issue 7. */
public final class Kernels {
    private Kernels() {}

    /** Names in report order (keep in step with {@code KernelBenchmark.kernel}). */
    public static final List<String> NAMES = List.of("rosenbrock", "rosenbrock-streams", "gmm", "lstm", "simulation", "simulation-records", "nbody", "tree", "adcall");

    /**
     * The tensor kernel, measured by {@link MlpBenchmark} (ND4J, with SameDiff as a fourth column) rather
     * than through {@link Kernel}; it needs ND4J on the class path (benchmarks/run.sh adds it).
     */
    public static final String MLP = "mlp";

    /** Every kernel Report knows, in report order. */
    public static final List<String> ALL = java.util.stream.Stream.concat(NAMES.stream(), java.util.stream.Stream.of(MLP)).toList();

    /** What a kernel computes and its size, for the report. */
    public static String description(String name) {
        return name.equals(MLP) ? org.grad4j.benchmarks.kernels.Mlp.Problem.DESCRIPTION : create(name).description();
    }

    public static Kernel create(String name) {
        return switch (name) {
            case "rosenbrock" -> new Rosenbrock.Problem(10_000);
            case "rosenbrock-streams" -> new Rosenbrock.Streamed(10_000);
            case "gmm" -> Gmm.Problem.adbench("gmm_1k_gmm_d10_K25.txt");
            case "lstm" -> Lstm.Problem.generated(2, 20, 10, 42);
            case "simulation" -> new Simulation.Problem(100_000);
            case "simulation-records" -> new Simulation.WithRecords(100_000);
            case "nbody" -> new NBody.Problem(32, 100);
            case "tree" -> new Tree.Problem(12);
            case "adcall" -> new AdCall.Problem();
            default -> throw new IllegalArgumentException("no kernel named " + name + "; known: " + NAMES);
        };
    }

    /** Small instances of the same kernels, for tests. */
    public static Kernel small(String name) {
        return switch (name) {
            case "rosenbrock" -> new Rosenbrock.Problem(7);
            case "rosenbrock-streams" -> new Rosenbrock.Streamed(7);
            case "gmm" -> Gmm.Problem.generated(3, 4, 5, 11);
            case "lstm" -> Lstm.Problem.generated(2, 3, 4, 5);
            case "simulation" -> new Simulation.Problem(50);
            case "simulation-records" -> new Simulation.WithRecords(50);
            case "nbody" -> new NBody.Problem(4, 6);
            case "tree" -> new Tree.Problem(3);
            case "adcall" -> new AdCall.Problem();
            default -> throw new IllegalArgumentException("no kernel named " + name + "; known: " + NAMES);
        };
    }
}
