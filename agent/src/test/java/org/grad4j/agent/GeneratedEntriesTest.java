package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.grad4j.GradientException;
import org.grad4j.TransformException;
import org.grad4j.transformer.GeneratedCode;
import org.grad4j.transformer.GeneratedCode.GeneratedClass;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bridge's defining and caching part, fed by a fake generator that emits ASM-made classes. */
class GeneratedEntriesTest {
    /** A host class of its own per test: the cache lives with the host. */
    static final class HostA {}
    static final class HostB {}
    static final class HostC {}
    static final class HostD {}
    static final class HostE {}
    static final class HostF {}
    static final class HostG {}

    private final List<String> logLines = new CopyOnWriteArrayList<>();
    private final AtomicInteger calls = new AtomicInteger();

    private GeneratedEntries entries(GeneratedEntries.CodeGenerator generator, Path dump, boolean verbose) {
        Log log = new Log(verbose, logLines::add);
        return new GeneratedEntries(generator, new ClassDefiner(dump, null, log), log);
    }

    /** Generates one class with a static {@code entry(DD)D = a*b + 1}. */
    private GeneratedEntries.CodeGenerator oneClass() {
        return (host, owner, name, descriptor) -> {
            calls.incrementAndGet();
            String generated = TestClasses.freshName("Gen");
            byte[] bytes = TestClasses.classWithStaticMethod(generated, "java/lang/Object", "entry", 1.0);
            return new GeneratedCode(List.of(new GeneratedClass(generated, bytes)), generated, "entry", "(DD)D");
        };
    }

    @Test
    void definesTheClassesBesideTheHostAndReturnsAWorkingEntry() throws Throwable {
        List<String> asked = new ArrayList<>();
        GeneratedEntries.CodeGenerator gen = oneClass();
        GeneratedEntries bridge = entries((host, owner, name, desc) -> {
            asked.add(owner + " " + name + " " + desc);
            return gen.generate(host, owner, name, desc);
        }, null, false);

        MethodHandle h = bridge.apply(HostA.class, "loss([DI)D");

        // the request carries its activity mask (every parameter, when none is given)
        assertEquals(List.of("org/grad4j/agent/GeneratedEntriesTest$HostA loss ([DI)D#11"), asked);
        assertEquals(7.0, (double) h.invokeExact(2.0, 3.0));
        Class<?> defined = definedClassOf(h);
        assertSame(HostA.class.getClassLoader(), defined.getClassLoader());
        assertEquals(HostA.class.getPackageName(), defined.getPackageName());
        assertTrue(!defined.isHidden(), "a normal class, so stack traces keep its frames");
        assertTrue(logLines.isEmpty(), "quiet unless verbose");
    }

    @Test
    void generatesOnceAndServesFromTheCache() {
        GeneratedEntries bridge = entries(oneClass(), null, false);
        MethodHandle first = bridge.apply(HostB.class, "f(DD)D");
        assertSame(first, bridge.apply(HostB.class, "f(DD)D"));
        assertEquals(1, calls.get());
        bridge.apply(HostB.class, "g(DD)D");
        assertEquals(2, calls.get(), "another method is another entry");
    }

    @Test
    void concurrentFirstRequestsGenerateOnce() throws Exception {
        GeneratedEntries.CodeGenerator gen = oneClass();
        GeneratedEntries bridge = entries((host, owner, name, desc) -> {
            sleep(50); // widen the race
            return gen.generate(host, owner, name, desc);
        }, null, false);
        int threads = 16;
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<MethodHandle>> results = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                results.add(pool.submit(() -> {
                    go.await();
                    return bridge.apply(HostC.class, "f(DD)D");
                }));
            }
            go.countDown();
            MethodHandle first = results.get(0).get(10, TimeUnit.SECONDS);
            for (Future<MethodHandle> r : results) assertSame(first, r.get(10, TimeUnit.SECONDS));
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, calls.get());
    }

    @Test
    void transformErrorsReachTheCallerUnchangedAndAreNotCached() throws Throwable {
        TransformException refusal = new TransformException("Model.loss line 12: monitorenter in differentiable code");
        GeneratedEntries.CodeGenerator gen = oneClass();
        GeneratedEntries bridge = entries((host, owner, name, desc) -> {
            if (calls.get() == 0) {
                calls.incrementAndGet();
                throw refusal;
            }
            return gen.generate(host, owner, name, desc);
        }, null, true);

        assertSame(refusal, assertThrows(TransformException.class, () -> bridge.apply(HostD.class, "loss(DD)D")));
        assertEquals(List.of("grad4j: cannot differentiate " + HostD.class.getName()
                + ".loss(DD)D: Model.loss line 12: monitorenter in differentiable code"), logLines);

        MethodHandle h = bridge.apply(HostD.class, "loss(DD)D"); // tries again
        assertEquals(5.0, (double) h.invokeExact(2.0, 2.0));
        assertEquals(2, logLines.size());
        assertTrue(logLines.get(1).startsWith("grad4j: generated " + HostD.class.getName() + ".loss(DD)D: 1 class(es)"),
                logLines.get(1));
    }

    @Test
    void definesGeneratedSupertypesFirstAndDumps(@TempDir Path dump) throws Throwable {
        String base = TestClasses.freshName("Base");
        String sub = TestClasses.freshName("Sub");
        GeneratedEntries bridge = entries((host, owner, name, desc) -> new GeneratedCode(List.of(
                // listed subclass first: defining it first would fail to find its superclass
                new GeneratedClass(sub, TestClasses.classWithStaticMethod(sub, base, "entry", 10.0)),
                new GeneratedClass(base, TestClasses.classWithStaticMethod(base, "java/lang/Object", null, 0))),
                sub, "entry", "(DD)D"), dump, false);

        MethodHandle h = bridge.apply(HostE.class, "f(DD)D");

        assertEquals(16.0, (double) h.invokeExact(2.0, 3.0));
        assertTrue(Files.isRegularFile(dump.resolve(sub + ".class")));
        assertTrue(Files.isRegularFile(dump.resolve(base + ".class")));
    }

    @Test
    void refusesMalformedOutputWithAClearError() {
        GeneratedEntries bridge = entries((host, owner, name, desc) -> {
            String elsewhere = "org/elsewhere/Gen";
            return new GeneratedCode(List.of(new GeneratedClass(elsewhere,
                    TestClasses.classWithStaticMethod(elsewhere, "java/lang/Object", "entry", 0))), elsewhere, "entry", "(DD)D");
        }, null, false);
        GradientException e = assertThrows(GradientException.class, () -> bridge.apply(HostF.class, "f(DD)D"));
        assertTrue(e.getMessage().contains("not in the package of its host"), e.getMessage());

        GeneratedEntries wrongEntry = entries((host, owner, name, desc) -> {
            GeneratedCode code = oneClass().generate(host, owner, name, desc);
            return new GeneratedCode(code.classes(), code.entryOwner(), "entry", "(D)D");
        }, null, false);
        e = assertThrows(GradientException.class, () -> wrongEntry.apply(HostF.class, "f(DD)D"));
        assertTrue(e.getMessage().contains("-Dgrad4j.dump=DIR"), e.getMessage());
    }

    @Test
    void refusesBadKeysAndHostsWithoutReadableBytecode() {
        GeneratedEntries bridge = entries(oneClass(), null, false);
        assertThrows(GradientException.class, () -> bridge.apply(HostG.class, "noDescriptor"));
        assertThrows(GradientException.class, () -> bridge.apply(HostG.class, "(D)D"));
        assertThrows(GradientException.class, () -> bridge.apply(String.class, "length()I"));
        Runnable lambda = () -> {};
        GradientException hidden = assertThrows(GradientException.class, () -> bridge.apply(lambda.getClass(), "run()V"));
        assertTrue(hidden.getMessage().contains("hidden class"), hidden.getMessage());
        assertEquals(0, calls.get());
    }

    private static Class<?> definedClassOf(MethodHandle h) {
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        Class<?> c = lookup.revealDirect(h).getDeclaringClass();
        assertTrue(Modifier.isStatic(lookup.revealDirect(h).getModifiers()));
        return c;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
