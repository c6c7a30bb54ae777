package org.grad4j.runtime;

/**
 * A gradient worker: a daemon thread with a large stack. Knows its stack size, so that the
 * budget of a gradient run on it (and of one nested inside that) can be derived.
 */
final class WorkerThread extends Thread {
    private final long stackBytes;
    private final long budgetBytes;
    /** The innermost gradient running on this thread, or null; touched only by this thread. */
    private Ctx active;

    WorkerThread(ThreadGroup group, Runnable task, String name, WorkerSettings settings) {
        // no inheritable thread-locals, and grad4j's own context class loader between jobs (each
        // job sets its caller's): a worker outlives the thread that made it, and must not keep
        // that thread's class loader (a plugin's, a web application's) alive
        super(group, task, name, settings.stackBytes(), false);
        this.stackBytes = settings.stackBytes();
        this.budgetBytes = settings.stackBudgetBytes();
        setDaemon(true);
        setContextClassLoader(WorkerThread.class.getClassLoader());
    }

    long stackBytes() {
        return stackBytes;
    }

    /** The budget for a new gradient here: the whole budget, or what an enclosing gradient left. */
    long budgetForNewGradient() {
        Ctx outer = active;
        return outer == null ? budgetBytes : Math.max(0, outer.stackBudgetBytes() - outer.stackUsedBytes());
    }

    /** Makes {@code ctx} the innermost gradient; returns the previous one, to be restored. */
    Ctx enter(Ctx ctx) {
        Ctx previous = active;
        active = ctx;
        return previous;
    }

    void leave(Ctx previous) {
        active = previous;
    }
}
