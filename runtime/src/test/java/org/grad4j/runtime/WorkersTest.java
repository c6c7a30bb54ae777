package org.grad4j.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import org.grad4j.GradientException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WorkersTest {
    private Workers workers;

    private Workers pool(long stackBytes, int max) {
        workers = new Workers(new WorkerSettings(stackBytes, max), "test-worker");
        return workers;
    }

    @AfterEach
    void shutdown() {
        if (workers != null) workers.shutdown();
    }

    @Test
    void workersAreFewAndReused() throws Exception {
        Workers w = pool(8 << 20, 2);
        Set<Thread> seen = ConcurrentHashMap.newKeySet();
        for (int i = 0; i < 50; i++) seen.add(w.call(Thread::currentThread));
        ExecutorService callers = Executors.newFixedThreadPool(8);
        try {
            for (Future<?> f : callers.invokeAll(java.util.Collections.nCopies(40, () -> seen.add(w.call(Thread::currentThread))))) {
                f.get();
            }
        } finally {
            callers.shutdownNow();
        }
        assertTrue(seen.size() <= 2, "at most the cap of worker threads: " + seen);
        for (Thread t : seen) {
            assertTrue(t.isDaemon());
            assertTrue(t.getName().startsWith("test-worker-"), t.getName());
            assertEquals(8 << 20, ((WorkerThread) t).stackBytes());
        }
    }

    @Test
    void theWorkerStackHoldsADeepRecursion() {
        Workers w = pool(256L << 20, 1);
        assertEquals(500_000, (int) w.call(() -> depth(500_000))); // overflows a default 1 MiB stack
    }

    private static int depth(int n) {
        return n == 0 ? 0 : 1 + depth(n - 1);
    }

    @Test
    void nestedCallsRunInlineEvenWithOneWorker() {
        Workers w = pool(8 << 20, 1);
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            Thread[] threads = w.call(() -> new Thread[] {Thread.currentThread(), w.call(Thread::currentThread)});
            assertSame(threads[0], threads[1]);
            assertTrue(Workers.onWorker() == false);
        });
    }

    @Test
    void whatAJobThrowsReachesTheCallerUnchanged() {
        Workers w = pool(8 << 20, 1);
        IllegalArgumentException unchecked = new IllegalArgumentException("bad");
        assertSame(unchecked, assertThrows(IllegalArgumentException.class, () -> w.call(() -> { throw unchecked; })));
        IOException checked = new IOException("io");
        assertSame(checked, assertThrows(IOException.class, () -> w.call(() -> { throw checked; })));
        AssertionError error = new AssertionError("err");
        assertSame(error, assertThrows(AssertionError.class, () -> w.call(() -> { throw error; })));
        // nested: the inner job's exception passes through the outer one unchanged
        assertSame(checked, assertThrows(IOException.class, () -> w.call(() -> w.call(() -> { throw checked; }))));
    }

    @Test
    void stackOverflowBecomesAClearDepthError() {
        Workers w = pool(1 << 20, 1);
        DepthExceededException e = assertThrows(DepthExceededException.class, () -> w.call(() -> depth(Integer.MAX_VALUE)));
        assertTrue(e.getMessage().contains("-Dgrad4j.stack="), e.getMessage());
        assertTrue(e.getMessage().contains("1 MiB"), e.getMessage());
        assertInstanceOf(StackOverflowError.class, e.getCause());
        assertEquals(3, (int) w.call(() -> 3), "the worker survives");
    }

    @Test
    void theCallersContextClassLoaderIsSeenAndRestored() throws Exception {
        Workers w = pool(8 << 20, 1);
        Thread me = Thread.currentThread();
        ClassLoader saved = me.getContextClassLoader();
        try (URLClassLoader custom = new URLClassLoader(new URL[0], saved)) {
            me.setContextClassLoader(custom);
            assertSame(custom, w.call(() -> Thread.currentThread().getContextClassLoader()));
            me.setContextClassLoader(saved);
            assertSame(saved, w.call(() -> Thread.currentThread().getContextClassLoader()));
        } finally {
            me.setContextClassLoader(saved);
        }
    }

    @Test
    void budgetIsEightyPercentOfTheStackAndNestedGradientsGetWhatIsLeft() {
        Workers w = pool(10 << 20, 1);
        long full = (long) ((10 << 20) * 0.8);
        assertEquals(full, (long) w.call(Workers::budgetHere));
        long nested = w.call(() -> {
            Ctx outer = new Ctx(Workers.budgetHere());
            Ctx previous = Workers.enter(outer);
            try {
                outer.enter(4096);
                return Workers.budgetHere();
            } finally {
                Workers.leave(previous);
            }
        });
        assertEquals(full - 4096, nested);
        assertEquals(full, (long) w.call(Workers::budgetHere), "left again after the outer gradient");
    }

    @Test
    void onWorkerTellsWorkersApart() {
        Workers w = pool(8 << 20, 1);
        assertFalse(Workers.onWorker());
        assertTrue(w.call(Workers::onWorker));
    }

    @Test
    void anInterruptedCallerGetsAClearError() throws Exception {
        Workers w = pool(8 << 20, 1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread caller = new Thread(() -> {
            try {
                w.call(() -> { release.await(); return 0; });
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        caller.start();
        Thread.sleep(200);
        caller.interrupt();
        caller.join(10_000);
        release.countDown();
        assertInstanceOf(GradientException.class, thrown.get());
        assertTrue(thrown.get().getMessage().contains("interrupted"));
    }

    @Test
    void aShutDownPoolSaysSo() {
        Workers w = pool(8 << 20, 1);
        w.shutdown();
        GradientException e = assertThrows(GradientException.class, () -> w.call(() -> 1));
        assertTrue(e.getMessage().contains("shut down"));
    }

    /**
     * A caller interrupted while it waits gives its gradient up; the worker, interrupted by the
     * cancellation, stops at its next checks in {@link Ctx#enter} instead of computing on for
     * nobody while the next gradient waits for the only worker.
     */
    @Test
    void anAbandonedGradientFreesItsWorker() throws Exception {
        Workers w = pool(8 << 20, 1);
        java.util.concurrent.atomic.AtomicBoolean release = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.CountDownLatch running = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicReference<Throwable> callerGot = new java.util.concurrent.atomic.AtomicReference<>();
        Thread caller = new Thread(() -> {
            try {
                w.call(() -> {
                    Ctx ctx = new Ctx(1L << 50);
                    running.countDown();
                    // a long forward pass: in continuation-passing style every function entered
                    // holds its frame until the reverse, so the stack in use only grows
                    while (!release.get()) ctx.enter(64);
                    return null;
                });
            } catch (Throwable t) {
                callerGot.set(t);
            }
        });
        caller.start();
        running.await();
        caller.interrupt();
        caller.join();
        assertTrue(callerGot.get() instanceof org.grad4j.GradientException, String.valueOf(callerGot.get()));
        ExecutorService next = Executors.newSingleThreadExecutor();
        try {
            Future<Integer> answer = next.submit(() -> w.call(() -> 42));
            assertEquals(42, answer.get(10, java.util.concurrent.TimeUnit.SECONDS));
        } finally {
            release.set(true);
            next.shutdownNow();
        }
    }
}
