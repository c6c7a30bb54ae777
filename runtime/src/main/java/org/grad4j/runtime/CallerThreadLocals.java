package org.grad4j.runtime;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A worker running a caller's gradient sees the caller's thread-locals: a loss that reads a
 * per-thread setting ({@code ThreadLocal<double[]> WEIGHTS}, a request's configuration, a scratch
 * buffer) computes on the worker what it computes when called, not with the worker's values (a
 * function's first gradient, which runs on a worker, gave a silently different value and gradient).
 * For the job, the worker takes the caller's map of thread-local values — the caller waits for the
 * job and touches none meanwhile — and hands back the map it ends with (a first {@code set} makes
 * one), then takes its own again.
 *
 * <p>The maps are fields of {@code java.lang.Thread}; the agent opens {@code java.lang} to grad4j
 * when it starts. Where it could not, nothing is adopted and thread-locals are the worker's, as the
 * user guide says. Not for gradients with tensors: ND4J's workspaces are thread-locals tied to the
 * thread that opened them.
 */
final class CallerThreadLocals {
    private static final VarHandle LOCALS;
    private static final VarHandle INHERITABLE;

    static {
        VarHandle locals = null, inheritable = null;
        try {
            MethodHandles.Lookup thread = MethodHandles.privateLookupIn(Thread.class, MethodHandles.lookup());
            Class<?> map = Class.forName("java.lang.ThreadLocal$ThreadLocalMap");
            locals = thread.findVarHandle(Thread.class, "threadLocals", map);
            inheritable = thread.findVarHandle(Thread.class, "inheritableThreadLocals", map);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            locals = inheritable = null; // java.lang not open to grad4j, or another JDK's Thread
        }
        LOCALS = locals;
        INHERITABLE = inheritable;
    }

    private CallerThreadLocals() {}

    /** The worker's own maps, to give back to it by {@link #release}; the current thread takes {@code caller}'s. */
    static Object[] adopt(Thread caller) {
        if (LOCALS == null || caller == null) return null;
        Thread worker = Thread.currentThread();
        Object[] own = {LOCALS.get(worker), INHERITABLE.get(worker)};
        LOCALS.set(worker, LOCALS.get(caller));
        INHERITABLE.set(worker, INHERITABLE.get(caller));
        return own;
    }

    /** The caller gets the maps the worker ends with (made by a first set, or the ones it took); the worker its own. */
    static void release(Thread caller, Object[] own) {
        if (own == null) return;
        Thread worker = Thread.currentThread();
        LOCALS.set(caller, LOCALS.get(worker));
        INHERITABLE.set(caller, INHERITABLE.get(worker));
        LOCALS.set(worker, own[0]);
        INHERITABLE.set(worker, own[1]);
    }
}
