package org.grad4j.fuzz.run;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.grad4j.fuzz.gen.Emitter;
import org.grad4j.fuzz.gen.Generator;
import org.grad4j.fuzz.gen.Program;
import org.grad4j.fuzz.gen.Stmt;
import org.grad4j.fuzz.oracle.D;

/**
 * A fuzzing run: programs {@code 0 … count-1} of a seed, generated, compiled in batches (one javac
 * run and one fresh class loader per batch), each checked by {@link Check}. Failures are written
 * as self-contained Java files (the program, its oracle and its arguments), reduced when asked.
 */
public final class Campaign {

    /** Programs {@code first … first+count-1} of {@code seed}. */
    public record Options(long seed, int first, int count, int batch, Path out, boolean reduce, long timeoutSeconds,
                          Generator.Config config, Long programSeed) {
        public static Options of(long seed, int count) {
            return new Options(seed, 0, count, 50, null, false, 60, Generator.Config.defaults(), null);
        }

        public Options withOut(Path dir) {
            return new Options(seed, first, count, batch, dir, reduce, timeoutSeconds, config, programSeed);
        }
    }

    /** One failure: the program's name, what went wrong, and where its source was written (or null). */
    public record Failure(String name, long seed, Check.Result result, String source, Path file) {}

    /** What a run found. */
    public static final class Report {
        public final Map<Check.Status, Integer> byStatus = new LinkedHashMap<>();
        public final Map<String, Integer> refusals = new TreeMap<>();
        public final Map<String, Integer> degenerate = new TreeMap<>();
        public final Map<String, Integer> acceptedConstructs = new TreeMap<>();
        public final List<Failure> failures = new ArrayList<>();
        public final List<String> invalid = new ArrayList<>();
        public int programs;
        public int planted;
        public int plantedRefused;
        public int unexpectedRefusals;
        public long millis;

        void count(Check.Status s) {
            byStatus.merge(s, 1, Integer::sum);
        }

        public int get(Check.Status s) {
            return byStatus.getOrDefault(s, 0);
        }

        public String summary(long seed) {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format("grad4j fuzz: %d programs (seed %d) in %.1f s: %d pass, %d refused (%.1f%%), "
                            + "%d degenerate (%.1f%%), %d invalid, %d FAIL%n",
                    programs, seed, millis / 1000.0, get(Check.Status.PASS), get(Check.Status.REFUSED),
                    100.0 * get(Check.Status.REFUSED) / Math.max(1, programs), get(Check.Status.DEGENERATE),
                    100.0 * get(Check.Status.DEGENERATE) / Math.max(1, programs), get(Check.Status.INVALID),
                    get(Check.Status.FAIL)));
            sb.append(String.format("  refused constructs planted on purpose: %d programs, %d of them refused; "
                    + "refusals of programs with no planted construct: %d%n", planted, plantedRefused, unexpectedRefusals));
            refusals.forEach((k, v) -> sb.append(String.format("  refused %5d × %s%n", v, k)));
            acceptedConstructs.forEach((k, v) -> sb.append(String.format("  accepted %4d × planted %s%n", v, k)));
            degenerate.forEach((k, v) -> sb.append(String.format("  degenerate %3d × %s%n", v, k)));
            for (String i : invalid) sb.append("  INVALID ").append(i).append('\n');
            for (Failure f : failures) {
                sb.append("  FAIL ").append(f.name()).append(" (seed ").append(f.seed()).append(") ").append(f.result())
                        .append(f.file() == null ? "" : "\n       written to " + f.file()).append('\n');
            }
            return sb.toString();
        }
    }

    private final Options options;
    private final PrintStream log;
    private final InMemoryCompiler compiler = new InMemoryCompiler(org.grad4j.Differentiable.class, D.class);
    private ExecutorService runner = newRunner();

    public Campaign(Options options, PrintStream log) {
        this.options = options;
        this.log = log;
    }

    private static ExecutorService newRunner() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz-check");
            t.setDaemon(true);
            return t;
        });
    }

    /** The seed of program {@code index} of a run. */
    public static long programSeed(long seed, int index) {
        long z = seed * 0x9E3779B97F4A7C15L + index * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 30)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    public Report run() {
        Report report = new Report();
        long start = System.nanoTime();
        int end = options.first() + options.count();
        for (int from = options.first(); from < end; from += options.batch()) {
            int to = Math.min(end, from + options.batch());
            List<Program> batch = new ArrayList<>();
            for (int i = from; i < to; i++) {
                long ps = options.programSeed() != null ? options.programSeed() : programSeed(options.seed(), i);
                batch.add(Generator.generate("P" + i, ps, options.config()));
            }
            runBatch(batch, report);
            if (options.count() > options.batch() && ((to - options.first()) / options.batch()) % 20 == 0) {
                log.printf("  … %d programs, %d FAIL, %.0f s%n", to, report.get(Check.Status.FAIL),
                        (System.nanoTime() - start) / 1e9);
            }
        }
        report.millis = (System.nanoTime() - start) / 1_000_000;
        runner.shutdownNow();
        return report;
    }

    private void runBatch(List<Program> batch, Report report) {
        Map<String, Emitter.Source> sources = new LinkedHashMap<>();
        for (Program p : batch) sources.put(p.className(), Emitter.emit(p));
        Map<String, byte[]> classes;
        try {
            Map<String, String> texts = new LinkedHashMap<>();
            sources.forEach((k, v) -> texts.put(k, v.text()));
            classes = compiler.compile(Emitter.PACKAGE, texts);
        } catch (InMemoryCompiler.CompileError e) {
            // a generator bug: find the culprits one by one, run the rest
            List<Program> ok = new ArrayList<>();
            for (Program p : batch) {
                try {
                    compiler.compile(Emitter.PACKAGE, Map.of(p.className(), sources.get(p.className()).text()));
                    ok.add(p);
                } catch (InMemoryCompiler.CompileError one) {
                    report.programs++;
                    report.count(Check.Status.INVALID);
                    report.invalid.add(p.className() + " (seed " + p.seed() + ") does not compile: " + one.getMessage()
                            + "\n" + numbered(sources.get(p.className()).text()));
                }
            }
            if (!ok.isEmpty() && ok.size() < batch.size()) runBatch(ok, report);
            return;
        }
        InMemoryCompiler.MemoryLoader loader = new InMemoryCompiler.MemoryLoader(Campaign.class.getClassLoader(), classes);
        for (Program p : batch) {
            report.programs++;
            Emitter.Source src = sources.get(p.className());
            Check.Result result = check(loader, p.className());
            classify(p, src, result, report);
        }
    }

    /** Runs one check with a time limit (a wrong loop in generated code could spin forever). */
    Check.Result check(ClassLoader loader, String className) {
        Future<Check.Result> f = runner.submit(() -> {
            Class<?> plain = Class.forName(Emitter.PACKAGE + "." + className, true, loader);
            Class<?> dual = Class.forName(Emitter.PACKAGE + "." + className + "Dual", true, loader);
            return Check.run(plain, dual);
        });
        try {
            return f.get(options.timeoutSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            runner.shutdownNow();
            runner = newRunner();
            return new Check.Result(Check.Status.FAIL, "timeout", "no result after " + options.timeoutSeconds() + " s");
        } catch (Exception e) {
            Throwable c = e.getCause() != null ? e.getCause() : e;
            return new Check.Result(Check.Status.FAIL, "exception", "the check itself threw " + c);
        }
    }

    private void classify(Program p, Emitter.Source src, Check.Result result, Report report) {
        Stmt.Raw planted = planted(p);
        if (planted != null) report.planted++;
        switch (result.status()) {
            case PASS -> {
                report.count(Check.Status.PASS);
                if (planted != null) report.acceptedConstructs.merge(planted.construct(), 1, Integer::sum);
            }
            case DEGENERATE -> {
                report.count(Check.Status.DEGENERATE);
                report.degenerate.merge(result.detail().replaceAll("[-0-9.E]+|NaN|Infinity", "#"), 1, Integer::sum);
            }
            case INVALID -> {
                report.count(Check.Status.INVALID);
                report.invalid.add(p.className() + " (seed " + p.seed() + "): " + result + "\n" + numbered(src.text()));
            }
            case REFUSED -> {
                String message = result.detail();
                if (planted != null && message.contains(planted.construct())) {
                    int line = Check.refusalLine(message);
                    int first = src.lineOf(planted), last = first + planted.plain().split("\n").length - 1;
                    if (line < first || line > last) {
                        fail(p, src, new Check.Result(Check.Status.FAIL, "refusal-line", "the construct is on lines "
                                + first + "–" + last + ", the message says " + line + ": " + message), report);
                        return;
                    }
                    report.plantedRefused++;
                } else {
                    report.unexpectedRefusals++;
                    if (Boolean.getBoolean("fuzz.showRefusals")) { // -Dfuzz.showRefusals=true: which programs, to replay with --program
                        System.err.println("refused: seed " + p.seed() + ": " + message);
                        if (Boolean.getBoolean("fuzz.showRefusedSource")) System.err.println(numbered(src.text()));
                    }
                    if (planted != null && !message.contains(planted.construct())) {
                        report.acceptedConstructs.merge(planted.construct() + " (but refused for something else)", 1, Integer::sum);
                    }
                }
                report.count(Check.Status.REFUSED);
                report.refusals.merge(result.kind().replaceAll("\\bP\\d+\\.", ""), 1, Integer::sum);
            }
            case FAIL -> fail(p, src, result, report);
        }
    }

    private void fail(Program p, Emitter.Source src, Check.Result result, Report report) {
        report.count(Check.Status.FAIL);
        Path file = null;
        String text = src.text();
        if (options.out() != null) {
            file = write(options.out().resolve("failures"), p, result);
            if (options.reduce()) {
                Reducer reducer = new Reducer(compiler, this::check, result);
                Program small = reducer.reduce(p);
                if (small != null) write(options.out().resolve("reduced"), small, reducer.lastResult());
            }
        }
        report.failures.add(new Failure(p.className(), p.seed(), result, text, file));
    }

    /** Writes a failing program as a regression file: a header saying what failed, then the compilation unit. */
    public static Path write(Path dir, Program p, Check.Result result) {
        String name = "R" + Long.toUnsignedString(p.seed(), 36);
        Program renamed = p.renamed(name);
        String text = header(result) + Emitter.emit(renamed).text();
        try {
            Files.createDirectories(dir);
            Path file = dir.resolve(name + ".java");
            Files.writeString(file, text);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String header(Check.Result result) {
        StringBuilder sb = new StringBuilder("// grad4j fuzz failure: ").append(result.status()).append(" [").append(result.kind()).append("]\n");
        String[] lines = String.valueOf(result.detail()).split("\n");
        for (int i = 0; i < Math.min(lines.length, 8); i++) sb.append("// ").append(lines[i]).append('\n');
        if (lines.length > 8) sb.append("// (").append(lines.length - 8).append(" more lines)\n");
        return sb.toString();
    }

    static Stmt.Raw planted(Program p) {
        for (Stmt s : p.entry().body()) if (s instanceof Stmt.Raw raw && raw.construct() != null) return raw;
        return null;
    }

    static String numbered(String text) {
        StringBuilder sb = new StringBuilder();
        String[] lines = text.split("\n");
        for (int i = 0; i < lines.length; i++) sb.append(String.format("%4d  %s%n", i + 1, lines[i]));
        return sb.toString();
    }
}
