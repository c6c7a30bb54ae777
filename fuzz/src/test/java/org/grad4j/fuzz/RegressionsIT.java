package org.grad4j.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.grad4j.AD;
import org.grad4j.fuzz.gen.Emitter;
import org.grad4j.fuzz.oracle.D;
import org.grad4j.fuzz.run.Check;
import org.grad4j.fuzz.run.InMemoryCompiler;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Replays every program under {@code src/test/resources/regressions/}: each is a failure the
 * fuzzer found (written by {@code fuzz/run.sh}, reduced or as found), a self-contained file with
 * the program, its forward-mode twin and the point. Each must now pass. A file whose header holds
 * {@code // KNOWN-BUG: why} documents a bug still open in grad4j: while it fails it is reported
 * as skipped with that reason; once it passes the line should go.
 */
class RegressionsIT {
    private static final InMemoryCompiler JAVAC = new InMemoryCompiler(org.grad4j.Differentiable.class, D.class);

    @BeforeAll
    static void agent() {
        AD.install();
    }

    @TestFactory
    Stream<DynamicTest> everyRegressionProgramPasses() throws IOException {
        Path dir = Path.of(System.getProperty("fuzz.regressions", "src/test/resources/regressions"));
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(p -> p.toString().endsWith(".java")).sorted().forEach(files::add);
        }
        assertFalse(files.isEmpty(), "no regression programs in " + dir.toAbsolutePath());
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> replay(f)));
    }

    private static void replay(Path file) throws Exception {
        String text = Files.readString(file);
        String name = file.getFileName().toString().replace(".java", "");
        String knownBug = null;
        String expectRefused = null;
        for (String line : text.split("\n")) {
            if (line.startsWith("// KNOWN-BUG:")) knownBug = line.substring("// KNOWN-BUG:".length()).trim();
            if (line.startsWith("// EXPECT-REFUSED:")) expectRefused = line.substring("// EXPECT-REFUSED:".length()).trim();
            if (!line.startsWith("//")) break;
        }
        Map<String, byte[]> classes = JAVAC.compile(Emitter.PACKAGE, Map.of(name, text));
        ClassLoader loader = new InMemoryCompiler.MemoryLoader(RegressionsIT.class.getClassLoader(), classes);
        Check.Result r = Check.run(Class.forName(Emitter.PACKAGE + "." + name, true, loader),
                Class.forName(Emitter.PACKAGE + "." + name + "Dual", true, loader));
        if (expectRefused != null) { // grad4j must refuse this program with the given construct
            assertEquals(Check.Status.REFUSED, r.status(), r + "\n" + numbered(text));
            org.junit.jupiter.api.Assertions.assertTrue(r.toString().contains(expectRefused), r.toString());
            return;
        }
        if (r.status() == Check.Status.PASS) {
            if (knownBug != null) {
                System.out.println(name + " passes now: the bug it documents (" + knownBug + ") looks fixed; remove its KNOWN-BUG line");
            }
            return;
        }
        if (knownBug != null && r.status() == Check.Status.FAIL) {
            Assumptions.abort("open grad4j bug: " + knownBug + " — " + r);
        }
        if (r.status() == Check.Status.FAIL) fail(r + "\n" + numbered(text));
        assertEquals(Check.Status.PASS, r.status(), r + "\n" + numbered(text));
    }

    private static String numbered(String text) {
        StringBuilder sb = new StringBuilder();
        String[] lines = text.split("\n");
        for (int i = 0; i < lines.length; i++) sb.append(String.format("%4d  %s%n", i + 1, lines[i]));
        return sb.toString();
    }
}
