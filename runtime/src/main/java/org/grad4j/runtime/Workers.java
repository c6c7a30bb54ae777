package org.grad4j.runtime;

import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.grad4j.GradientException;

/**
 * Runs gradient computations on worker threads with a large stack (DESIGN §9): one frame per
 * active loop iteration needs far more stack than a normal thread has.
 *
 * <ul>
 *   <li>Workers are few and reused: a fresh thread pays for the first touch of every stack page
 *       (measured 7× slower than a reused one), and a reused one keeps its touched pages
 *       committed, so the pool is capped ({@link WorkerSettings#maxWorkers}). Idle workers end
 *       after {@link #KEEP_ALIVE_SECONDS}, returning their pages.</li>
 *   <li>A job submitted from a worker runs inline on it: a nested gradient waiting for a
 *       bounded pool could deadlock, and the worker's stack is already large.</li>
 *   <li>What a job throws reaches the caller as the same object (checked exceptions too), with
 *       the caller's stack added as a suppressed exception. A
 *       {@code StackOverflowError} becomes a {@link DepthExceededException} naming
 *       {@link WorkerSettings#STACK_PROPERTY}.</li>
 *   <li>A gradient without tensors sees the caller's thread-locals ({@link CallerThreadLocals});
 *       one with tensors the worker's (ND4J's workspaces belong to a thread). The caller's
 *       context class loader is set on the worker for the job.</li>
 * </ul>
 */
public final class Workers {
    static final long KEEP_ALIVE_SECONDS = 60;

    /** A computation that may throw anything. */
    @FunctionalInterface
    public interface Job<T> {
        T run() throws Throwable;
    }

    static {
        Preload.classes();
    }

    private static final class Shared {
        static final Workers INSTANCE = new Workers(WorkerSettings.fromSystemProperties(), "grad4j-worker");
    }

    private final WorkerSettings settings;
    private final ThreadPoolExecutor pool;

    public Workers(WorkerSettings settings, String namePrefix) {
        this.settings = settings;
        ThreadGroup group = new ThreadGroup(namePrefix);
        group.setDaemon(false); // a daemon group is destroyed with its last thread, and then refuses new ones
        AtomicInteger count = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(settings.maxWorkers(), settings.maxWorkers(),
                KEEP_ALIVE_SECONDS, TimeUnit.SECONDS, new SpinningQueue(),
                task -> newWorker(group, task, namePrefix + "-" + count.incrementAndGet(), settings));
        pool.allowCoreThreadTimeOut(true);
    }

    /**
     * A worker made by whichever thread first needs one: on Java 17 a new thread keeps the
     * protection domains of every frame on its creator's stack ({@code doPrivileged} cuts that
     * to grad4j's own), and the worker outlives the caller — a plugin or web application whose
     * gradient started a worker would never be unloaded.
     */
    @SuppressWarnings("removal")
    private static Thread newWorker(ThreadGroup group, Runnable task, String name, WorkerSettings settings) {
        return java.security.AccessController.doPrivileged(
                (java.security.PrivilegedAction<Thread>) () -> new WorkerThread(group, task, name, settings));
    }

    /** The process-wide workers, configured by system properties at first use. */
    public static Workers shared() {
        return Shared.INSTANCE;
    }

    public WorkerSettings settings() {
        return settings;
    }

    /** Whether the current thread is a gradient worker (of any pool). */
    public static boolean onWorker() {
        return Thread.currentThread() instanceof WorkerThread;
    }

    /**
     * Runs {@code job} on a worker and returns its result, or throws what it threw. On a worker
     * already, runs it inline.
     */
    public <T> T call(Job<T> job) {
        return call(job, false);
    }

    /**
     * As {@link #call(Job)}; {@code callersThreadLocals}: the job sees the calling thread's
     * thread-locals ({@link CallerThreadLocals}), not the worker's.
     */
    public <T> T call(Job<T> job, boolean callersThreadLocals) {
        if (onWorker()) {
            return run(job);
        }
        Thread caller = callersThreadLocals ? Thread.currentThread() : null;
        ClassLoader callerLoader = Thread.currentThread().getContextClassLoader();
        Future<T> future;
        java.util.concurrent.atomic.AtomicReference<Thread> runner = new java.util.concurrent.atomic.AtomicReference<>();
        try {
            future = pool.submit(() -> {
                runner.set(Thread.currentThread());
                return onWorker(job, callerLoader, caller);
            });
        } catch (RejectedExecutionException e) {
            throw new GradientException("grad4j: the gradient workers have been shut down", e);
        }
        try {
            // most gradients are short: spin a little for the result before parking, as the worker does for work
            long until = System.nanoTime() + SpinPolicy.spinNanos();
            while (!future.isDone() && System.nanoTime() < until) Thread.onSpinWait();
            while (true) {
                try {
                    return future.get(DEADLOCK_CHECK_MILLIS, TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.TimeoutException stillRunning) {
                    LockedOut.check(runner.get(), future);
                }
            }
        } catch (ExecutionException e) {
            throw sneaky(withRequestSite(e.getCause()));
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new GradientException("grad4j: interrupted while waiting for a gradient", e);
        } catch (CancellationException e) {
            throw new GradientException("grad4j: the gradient was cancelled", e);
        }
    }

    /** How often a caller waiting for its gradient looks whether the worker waits for a lock the caller holds. */
    private static final long DEADLOCK_CHECK_MILLIS = 250;

    /**
     * The caller's stack, as a suppressed exception of what a worker threw: that exception's own
     * trace ends in the worker's pool, and the user needs to see which of their calls of
     * {@code AD} it came from. The exception itself stays the same object; one thrown again and
     * again (a preallocated one) gets this once.
     */
    private static Throwable withRequestSite(Throwable thrown) {
        for (Throwable s : thrown.getSuppressed()) if (s instanceof GradientRequestedHere) return thrown;
        thrown.addSuppressed(new GradientRequestedHere());
        return thrown;
    }

    /** Where a gradient that failed on a worker was asked for: its stack trace is the caller's. */
    static final class GradientRequestedHere extends RuntimeException {
        GradientRequestedHere() {
            super("grad4j: the gradient this was thrown in ran on a grad4j worker thread and was requested here");
        }
    }

    /** The top of a job on a worker: the caller's class loader, and the stack-overflow backstop. */
    private static <T> T onWorker(Job<T> job, ClassLoader callerLoader, Thread caller) {
        Thread self = Thread.currentThread();
        ClassLoader own = self.getContextClassLoader();
        self.setContextClassLoader(callerLoader);
        Object[] ownLocals = CallerThreadLocals.adopt(caller);
        try {
            return run(job);
        } catch (StackOverflowError e) {
            throw DepthExceededException.overflow(((WorkerThread) self).stackBytes(), e);
        } finally {
            CallerThreadLocals.release(caller, ownLocals);
            self.setContextClassLoader(own);
        }
    }

    /**
     * Whether a job may go to a worker from this thread: not while the thread runs a static
     * initializer ({@code <clinit>} on its stack), since a worker touching that class (a static
     * field, a method) would wait for the initializer to finish while the initializer waits for
     * the worker — a deadlock. Such a job runs here ({@link #inInitializer}).
     *
     * <p>Walking the stack costs about 6 µs and 6 KiB, more than many gradients, so a
     * {@code key} (the generated entry) found outside any initializer on this thread is not
     * looked at again there: an initializer's gradients are nearly always of its own class's
     * code, asked for there first.
     */
    static String classBeingInitialised(Object key) {
        java.util.Set<Object> clear = CLEAR.get();
        if (clear.contains(key)) return null;
        String initializer = StackWalker.getInstance().walk(frames -> frames.filter(f -> f.getMethodName().equals("<clinit>"))
                .map(StackWalker.StackFrame::getClassName).findFirst().orElse(null));
        if (initializer == null) clear.add(key);
        return initializer;
    }

    /**
     * Per thread, the keys whose gradients were asked for outside any static initializer. Weak:
     * a key is a generated entry, and holding it would keep its class loader (a plugin's, a web
     * application's) alive as long as the thread. Entries do not override equals.
     */
    private static final ThreadLocal<java.util.Set<Object>> CLEAR =
            ThreadLocal.withInitial(() -> java.util.Collections.newSetFromMap(new java.util.WeakHashMap<>()));

    /** Runs {@code job} here, inside {@code initializer}'s static initializer; a deep one may overflow this thread's stack. */
    static <T> T inInitializer(Job<T> job, String initializer) {
        try {
            return run(job);
        } catch (StackOverflowError | DepthExceededException e) {
            throw DepthExceededException.inInitializer(initializer, e);
        }
    }

    private static <T> T run(Job<T> job) {
        try {
            return job.run();
        } catch (Throwable t) {
            throw sneaky(t);
        }
    }

    /** The budget of generated frames for a gradient starting on this thread. */
    static long budgetHere() {
        return Thread.currentThread() instanceof WorkerThread w
                ? w.budgetForNewGradient() : shared().settings.stackBudgetBytes();
    }

    /** Marks {@code ctx} as the innermost gradient on this worker; no-op elsewhere. */
    static Ctx enter(Ctx ctx) {
        return Thread.currentThread() instanceof WorkerThread w ? w.enter(ctx) : null;
    }

    static void leave(Ctx previous) {
        if (Thread.currentThread() instanceof WorkerThread w) w.leave(previous);
    }

    /** Stops this pool's threads; for tests of private pools. */
    public void shutdown() {
        pool.shutdownNow();
    }

    /** Rethrows any throwable unchanged, checked ones included, without wrapping. */
    @SuppressWarnings("unchecked")
    static <E extends Throwable> RuntimeException sneaky(Throwable t) throws E {
        throw (E) t;
    }
}
