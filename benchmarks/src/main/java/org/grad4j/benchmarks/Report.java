package org.grad4j.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link KernelBenchmark} and {@link MlpBenchmark} once, in one JMH run (all kernels,
 * {@code -prof gc}), and writes docs/BENCHMARKS.md.
 *
 * <pre>
 * OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 java -Dgrad4j.stack=8g -javaagent:agent/target/grad4j-agent.jar \
 *     -cp benchmarks/target/grad4j-benchmarks.jar:$(cat benchmarks/target/nd4j-classpath.txt) \
 *     org.grad4j.benchmarks.Report --agent agent/target/grad4j-agent.jar --out docs/BENCHMARKS.md
 * </pre>
 *
 * Before the timings, this JVM (which must run with the agent too) checks every kernel's grad4j
 * gradient against its hand-written one on the benchmark instance; the table shows the result.
 * The MLP kernel ({@code mlp}) needs ND4J on the class path (the forks inherit it, and the
 * environment: {@code OMP_NUM_THREADS=1}, which benchmarks/run.sh sets).
 * Options: {@code --forks N --warmup N --iterations N --time SECONDS --kernels a,b --json FILE
 * --stack SIZE} (the forks' {@code -Dgrad4j.stack}; run this JVM with the same) {@code --paired ROUNDS}
 * ({@link Paired}'s rounds per scalar kernel after JMH, 0 to skip) {@code --commit ID
 * --command "..."} (the command line to print in the report).
 */
public final class Report {
    private static final String[] METHODS = {"primal", "manual", "grad4j"};

    private Report() {}

    public static void main(String[] args) throws IOException, RunnerException {
        Map<String, String> opt = new LinkedHashMap<>();
        opt.put("forks", "3");
        opt.put("warmup", "4");
        opt.put("iterations", "5");
        opt.put("time", "1");
        opt.put("kernels", String.join(",", Kernels.ALL));
        opt.put("out", "docs/BENCHMARKS.md");
        opt.put("json", "benchmarks/target/jmh-result.json");
        opt.put("agent", "agent/target/grad4j-agent.jar");
        opt.put("command", "benchmarks/run.sh");
        opt.put("commit", "");
        opt.put("stack", "8g");
        opt.put("paired", "40");
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--") || !opt.containsKey(args[i].substring(2))) {
                throw new IllegalArgumentException("unknown option " + args[i] + "; known: " + opt.keySet());
            }
            opt.put(args[i].substring(2), args[i + 1]);
        }
        List<String> kernels = Arrays.asList(opt.get("kernels").split(","));
        Path agent = Path.of(opt.get("agent")).toAbsolutePath().normalize();
        if (!Files.isRegularFile(agent)) throw new IllegalArgumentException("no agent jar at " + agent);

        for (String name : kernels) {
            if (!Kernels.ALL.contains(name)) throw new IllegalArgumentException("no kernel named " + name + "; known: " + Kernels.ALL);
        }
        List<String> scalar = kernels.stream().filter(k -> !k.equals(Kernels.MLP)).toList();
        boolean mlp = kernels.contains(Kernels.MLP);

        Map<String, String> checks = new LinkedHashMap<>();
        for (String name : kernels) {
            checks.put(name, name.equals(Kernels.MLP) ? MlpCheck.run() : check(Kernels.create(name)));
            System.out.println("check " + name + ": " + checks.get(name));
        }
        String threads = System.getenv("OMP_NUM_THREADS");
        if (mlp && !"1".equals(threads)) {
            System.out.println("warning: OMP_NUM_THREADS is " + (threads == null ? "not set" : threads)
                    + "; the MLP is meant to be measured with one thread (benchmarks/run.sh sets OMP_NUM_THREADS=1)");
        }
        opt.put("omp", threads == null ? "not set" : threads);

        int forks = Integer.parseInt(opt.get("forks"));
        int warmup = Integer.parseInt(opt.get("warmup"));
        int iterations = Integer.parseInt(opt.get("iterations"));
        int time = Integer.parseInt(opt.get("time"));
        ChainedOptionsBuilder ob = new OptionsBuilder();
        if (!scalar.isEmpty()) {
            // KernelBenchmark's kernel parameter; MlpBenchmark has none, so JMH leaves it alone
            ob.include(KernelBenchmark.class.getName().replace(".", "\\.") + "\\.").param("kernel", scalar.toArray(new String[0]));
        }
        if (mlp) ob.include(MlpBenchmark.class.getName().replace(".", "\\.") + "\\.");
        ob.forks(forks)
                .warmupIterations(warmup)
                .warmupTime(TimeValue.seconds(time))
                .measurementIterations(iterations)
                .measurementTime(TimeValue.seconds(time))
                .jvmArgsAppend("-javaagent:" + agent, "-Dgrad4j.stack=" + opt.get("stack"))
                .addProfiler(GCProfiler.class)
                .resultFormat(ResultFormatType.JSON)
                .result(opt.get("json"));
        String loadBefore = loadAverage();
        long start = System.nanoTime();
        Collection<RunResult> results = new Runner(ob.build()).run();
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        opt.put("load", loadBefore + " before, " + loadAverage() + " after");
        Map<String, String> paired = pairedRows(scalar, Integer.parseInt(opt.get("paired")), agent, opt.get("stack"));

        Map<String, Map<String, Row>> table = new LinkedHashMap<>();
        for (String name : kernels) table.put(name, new LinkedHashMap<>());
        for (RunResult r : results) {
            String bench = r.getParams().getBenchmark();
            String method = bench.substring(bench.lastIndexOf('.') + 1);
            String kernel = bench.contains(".MlpBenchmark.") ? Kernels.MLP : r.getParams().getParam("kernel");
            table.computeIfAbsent(kernel, x -> new LinkedHashMap<>()).put(method, Row.of(r));
        }
        String md = markdown(kernels, table, checks, paired, opt, forks, warmup, iterations, time, seconds);
        Path out = Path.of(opt.get("out"));
        if (out.getParent() != null) Files.createDirectories(out.getParent());
        md += keptNotes(out);
        Files.writeString(out, md);
        System.out.println(md);
        System.out.println("wrote " + out.toAbsolutePath());
    }

    /** Hand-written text after this line of an existing report survives a new run. */
    static final String NOTES_MARKER = "<!-- Everything below this line is written by hand; benchmarks/run.sh keeps it. -->";

    private static String keptNotes(Path out) throws IOException {
        if (!Files.isRegularFile(out)) return "\n" + NOTES_MARKER + "\n";
        String old = Files.readString(out);
        int at = old.indexOf(NOTES_MARKER);
        return "\n" + (at >= 0 ? old.substring(at) : NOTES_MARKER + "\n");
    }

    /** grad4j's gradient against the hand-written one: max |difference| / max |manual|. */
    static String check(Kernel k) {
        double[] x = k.point();
        double[] manual = k.manualGradient(x);
        double[] grad;
        try {
            grad = k.grad4jGradient(k.point());
        } catch (Throwable t) {
            String msg = String.valueOf(t.getMessage()).lines().findFirst().orElse("");
            return "FAILED: " + t.getClass().getSimpleName() + ": " + msg;
        }
        return String.format(Locale.ROOT, "%.1e", relativeError(grad, manual));
    }

    static double relativeError(double[] got, double[] want) {
        if (got.length != want.length) return Double.POSITIVE_INFINITY;
        double diff = 0, scale = 0;
        for (int i = 0; i < want.length; i++) {
            diff = Math.max(diff, Math.abs(got[i] - want[i]));
            scale = Math.max(scale, Math.abs(want[i]));
        }
        return diff / Math.max(scale, Double.MIN_NORMAL);
    }

    /** One benchmark's figures: median time per call (µs), its error, bytes allocated per call. */
    record Row(double median, double error, double alloc, long samples) {
        static Row of(RunResult r) {
            double median = r.getPrimaryResult().getStatistics().getPercentile(50);
            List<Double> perIteration = new ArrayList<>();
            for (BenchmarkResult b : r.getBenchmarkResults()) {
                for (IterationResult it : b.getIterationResults()) {
                    perIteration.add(it.getPrimaryResult().getStatistics().getPercentile(50));
                }
            }
            double alloc = Double.NaN;
            for (Map.Entry<String, Result> e : r.getSecondaryResults().entrySet()) {
                if (e.getKey().endsWith("gc.alloc.rate.norm")) alloc = e.getValue().getScore();
            }
            return new Row(median, mad(perIteration), alloc, r.getPrimaryResult().getStatistics().getN());
        }
    }

    /** Median absolute deviation from the median. */
    static double mad(List<Double> values) {
        if (values.isEmpty()) return Double.NaN;
        double m = median(values);
        List<Double> dev = new ArrayList<>();
        for (double v : values) dev.add(Math.abs(v - m));
        return median(dev);
    }

    static double median(List<Double> values) {
        double[] a = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = a.length;
        return n % 2 == 1 ? a[n / 2] : 0.5 * (a[n / 2 - 1] + a[n / 2]);
    }

    /**
     * Each scalar kernel's {@link Paired} row, from a JVM of its own (so kernels share no profiles),
     * run after JMH: the ratios of the three columns measured round by round, like with like.
     */
    private static Map<String, String> pairedRows(List<String> kernels, int rounds, Path agent, String stack) throws IOException {
        Map<String, String> rows = new LinkedHashMap<>();
        if (rounds <= 0) return rows;
        String launcher = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (String name : kernels) {
            Process p = new ProcessBuilder(launcher, "-Dgrad4j.stack=" + stack, "-javaagent:" + agent,
                    "-cp", System.getProperty("java.class.path"), Paired.class.getName(), String.valueOf(rounds), name)
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            try {
                p.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while " + name + "'s paired run ran", e);
            }
            String row = out.lines().filter(l -> l.startsWith("| " + name + " |")).findFirst()
                    .orElse("| " + name + " | failed: " + out.lines().reduce((a, b) -> b).orElse("no output") + " | | | | | |");
            System.out.println(row);
            rows.put(name, row);
        }
        return rows;
    }

    private static String markdown(List<String> kernels, Map<String, Map<String, Row>> table, Map<String, String> checks,
            Map<String, String> paired, Map<String, String> opt, int forks, int warmup, int iterations, int time, long seconds) {
        StringBuilder s = new StringBuilder();
        s.append("# Benchmarks\n\n");
        s.append("Everything down to the marker line is written by `benchmarks/run.sh` (").append(ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME))
                .append(opt.get("commit").isEmpty() ? "" : ", commit `" + opt.get("commit") + "`").append("); the notes below the marker are written by hand and kept by later runs.\n\n");
        s.append("Each kernel is plain Java (`benchmarks/src/main/java/org/grad4j/benchmarks/kernels/`) with a hand-written adjoint. ")
                .append("*primal*: the method called as usual; *manual*: the hand-written gradient; *grad4j*: `AD.gradient` of the same method. ")
                .append("Times are medians of single calls in microseconds (JMH sample-time mode), ± the median absolute deviation of the per-iteration medians ")
                .append("(").append(forks).append(" forks × ").append(iterations).append(" iterations of ").append(time).append(" s, after ")
                .append(warmup).append(" warm-up iterations). Ratios are of medians, ± from the relative errors added. ")
                .append("Allocation is bytes per call over all threads (JMH `-prof gc`, `gc.alloc.rate.norm`). ")
                .append("*check*: max |grad4j − manual| / max |manual| on the benchmark instance.\n\n");
        s.append("| kernel | primal µs | manual µs | grad4j µs | grad4j / primal | manual / primal | grad4j / manual | alloc primal | alloc manual | alloc grad4j | check |\n");
        s.append("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n");
        for (String name : kernels) {
            Map<String, Row> rows = table.getOrDefault(name, Map.of());
            Row p = rows.get("primal"), m = rows.get("manual"), g = rows.get("grad4j");
            s.append("| ").append(Kernels.description(name)).append(" | ")
                    .append(time(p)).append(" | ").append(time(m)).append(" | ").append(time(g)).append(" | ")
                    .append(ratio(g, p)).append(" | ").append(ratio(m, p)).append(" | ").append(ratio(g, m)).append(" | ")
                    .append(bytes(p)).append(" | ").append(bytes(m)).append(" | ").append(bytes(g)).append(" | ")
                    .append(checks.getOrDefault(name, "")).append(" |\n");
        }
        if (!kernels.contains(Kernels.MLP)) {
            s.append("| ").append(Kernels.description(Kernels.MLP)).append(" | not in this run | | | | | | | | | |\n");
        }
        s.append("\nTargets (issue 7): grad4j / primal ≤ 4 and grad4j / manual ≤ 1.5 for the scalar and array kernels; ")
                .append("for the MLP step grad4j / manual ≤ 1.1 and faster than SameDiff. ")
                .append("`adcall` is not a model: it is the fixed cost of one `AD.gradient` call (a two-variable product).\n\n");
        if (!paired.isEmpty()) {
            s.append("### The same ratios, measured like with like\n\n")
                    .append("The columns above are measured one after another, seconds to minutes apart, and this machine runs all code ")
                    .append("in a fast and a slow mode that switch every few seconds (see the notes below), so a ratio of two of its medians can ")
                    .append("compare a column in one mode with a column in the other. `org.grad4j.benchmarks.Paired`, run after JMH in a JVM ")
                    .append("per kernel, measures rounds of about 3 × 40 ms — primal, hand-written and grad4j calls one after another, their ")
                    .append("order rotating — and gives the median of the per-round ratios with their interquartile range (times: medians of ")
                    .append("the per-round means, µs per call). A round sits in one mode nearly always.\n\n");
            s.append("| kernel | primal µs | manual µs | grad4j µs | grad4j / manual (IQR) | grad4j / primal (IQR) | rounds |\n");
            s.append("|---|--:|--:|--:|--:|--:|--:|\n");
            for (String row : paired.values()) s.append(row).append("\n");
            s.append("\n");
        }
        if (kernels.contains(Kernels.MLP)) {
            Map<String, Row> rows = table.getOrDefault(Kernels.MLP, Map.of());
            Row p = rows.get("primal"), m = rows.get("manual"), g = rows.get("grad4j"), sd = rows.get("samediff");
            s.append("### The MLP step against ND4J SameDiff\n\n")
                    .append("`kernels/Mlp.java`: *primal* is the loss as a user writes it (`mmul`, `addRowVector`, `Transforms.tanh`, a log-sum-exp ")
                    .append("softmax cross-entropy), *grad4j* is `Model.gradient(net, m -> m.loss(x, y))` over its six `@Parameter INDArray` fields, ")
                    .append("*manual* the same forward pass with a hand-written backward pass (`Nd4j.gemm` with transpose flags, tanh's derivative from its result in place, ")
                    .append("in-place updates, the softmax-cross-entropy adjoint simplified to (softmax − y) / n), *SameDiff* ND4J's graph AD ")
                    .append("(`calculateGradients` of the same loss, graph built once). All four in the same JMH run, one thread ")
                    .append("(`OMP_NUM_THREADS=").append(opt.get("omp")).append("` in this run). Allocation counts the JVM heap only: ND4J's ")
                    .append("arrays live off-heap.\n\n");
            s.append("| primal µs | grad4j µs | manual µs | SameDiff µs | grad4j / primal | grad4j / manual | grad4j / SameDiff | SameDiff / manual | alloc grad4j | alloc SameDiff | check |\n");
            s.append("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n");
            s.append("| ").append(time(p)).append(" | ").append(time(g)).append(" | ").append(time(m)).append(" | ").append(time(sd))
                    .append(" | ").append(ratio(g, p)).append(" | ").append(ratio(g, m)).append(" | ").append(ratio(g, sd))
                    .append(" | ").append(ratio(sd, m)).append(" | ").append(bytes(g)).append(" | ").append(bytes(sd))
                    .append(" | ").append(checks.getOrDefault(Kernels.MLP, "")).append(" |\n\n");
        }
        s.append("## How it was run\n\n```\n").append(opt.get("command")).append("\n```\n\n");
        s.append("which builds the project and runs, in ").append(seconds).append(" s of JMH:\n\n```\n")
                .append("OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 java -Dgrad4j.stack=").append(opt.get("stack"))
                .append(" -javaagent:agent/target/grad4j-agent.jar -cp benchmarks/target/grad4j-benchmarks.jar:$(cat benchmarks/target/nd4j-classpath.txt) org.grad4j.benchmarks.Report")
                .append(" --forks ").append(forks).append(" --warmup ").append(warmup).append(" --iterations ").append(iterations)
                .append(" --time ").append(time).append(" --kernels ").append(String.join(",", kernels))
                .append(" --paired ").append(opt.get("paired")).append("\n```\n\n")
                .append("equivalent to `OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 java -cp benchmarks/target/grad4j-benchmarks.jar:$(cat benchmarks/target/nd4j-classpath.txt) org.openjdk.jmh.Main '(KernelBenchmark|MlpBenchmark)' -bm sample -tu us -f ")
                .append(forks).append(" -wi ").append(warmup).append(" -i ").append(iterations).append(" -w ").append(time).append("s -r ")
                .append(time).append("s -prof gc -jvmArgsAppend '-javaagent:'$PWD'/agent/target/grad4j-agent.jar -Dgrad4j.stack=")
                .append(opt.get("stack")).append("'` plus the gradient check (with `-p kernel=...` for a subset of the scalar kernels), ")
                .append("then per scalar kernel `java -javaagent:agent/target/grad4j-agent.jar -Dgrad4j.stack=").append(opt.get("stack"))
                .append(" -cp benchmarks/target/grad4j-benchmarks.jar org.grad4j.benchmarks.Paired ").append(opt.get("paired")).append(" KERNEL`.\n\n");
        s.append("## Machine\n\n");
        s.append("- CPU: ").append(cpuModel()).append(", ").append(Runtime.getRuntime().availableProcessors()).append(" cores available to the JVM\n");
        s.append("- JDK: ").append(System.getProperty("java.vm.name")).append(' ').append(System.getProperty("java.runtime.version"))
                .append(" (").append(System.getProperty("java.vendor")).append(")\n");
        s.append("- OS: ").append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.version"))
                .append(' ').append(System.getProperty("os.arch")).append("\n");
        s.append("- Load average (1, 5, 15 min) around the run: ").append(opt.getOrDefault("load", "unknown"))
                .append(" — other processes may share the machine; the ± column shows how much that moved the medians\n");
        s.append("- Max heap of the forks: JVM default (").append(Runtime.getRuntime().maxMemory() >> 20).append(" MiB here)\n");
        return s.toString();
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) return line.substring(line.indexOf(':') + 1).trim();
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return System.getProperty("os.arch") + " (model unknown)";
    }

    private static String time(Row r) {
        if (r == null) return "failed";
        return num(r.median) + " ± " + num(r.error);
    }

    private static String ratio(Row a, Row b) {
        if (a == null || b == null) return "–";
        double q = a.median / b.median;
        double e = q * (a.error / a.median + b.error / b.median);
        return String.format(Locale.ROOT, "%.2f ± %.2f", q, e);
    }

    private static String bytes(Row r) {
        if (r == null || Double.isNaN(r.alloc)) return "–";
        double b = r.alloc;
        if (b < 1024) return String.format(Locale.ROOT, "%.0f B", b);
        if (b < 1024 * 1024) return String.format(Locale.ROOT, "%.1f KiB", b / 1024);
        return String.format(Locale.ROOT, "%.1f MiB", b / (1024 * 1024));
    }

    private static String num(double v) {
        if (Double.isNaN(v)) return "–";
        if (v >= 100) return String.format(Locale.ROOT, "%,.0f", v);
        if (v >= 10) return String.format(Locale.ROOT, "%.1f", v);
        if (v >= 1) return String.format(Locale.ROOT, "%.2f", v);
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
