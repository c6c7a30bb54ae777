package org.grad4j.runtime;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.util.concurrent.Future;
import org.grad4j.GradientException;

/**
 * A gradient that runs on a worker while its caller holds a lock its code takes — the caller's
 * {@code synchronized} method or block, or a {@code ReentrantLock}, and a helper of the loss that
 * synchronizes on the same object — would wait forever: the worker for the lock, the caller for
 * the worker. A caller that has waited a while asks whether the worker is blocked on a lock the
 * caller owns, and if so gives up with a message that names the lock and where the worker waits.
 * A function's first gradient, which always goes to a worker, stays on a caller that holds a lock
 * ({@link #callerHoldsLocks}); what remains are deep gradients moving there, and tensor gradients.
 * The worker is interrupted; it stays blocked until the caller releases the lock, and then stops
 * at its next check ({@code Ctx}), its result unread.
 */
final class LockedOut {
    private LockedOut() {}

    /**
     * Whether the calling thread holds a monitor or a lock (a {@code synchronized} method or block
     * around the call of {@code AD}, a {@code ReentrantLock}): a function's first gradient, which
     * would run on a worker, then runs on the caller. Asked once per function (it stops the
     * threads for a moment: a thread dump of one thread).
     */
    static boolean callerHoldsLocks() {
        java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        boolean monitors = threads.isObjectMonitorUsageSupported(), synchronizers = threads.isSynchronizerUsageSupported();
        if (!monitors && !synchronizers) return false;
        ThreadInfo info = threads.getThreadInfo(new long[] {Thread.currentThread().getId()}, monitors, synchronizers)[0];
        return info != null && (info.getLockedMonitors().length > 0 || info.getLockedSynchronizers().length > 0);
    }

    /** The frames of a blocked worker read: enough to find the program's frame that waits for the lock. */
    private static final int STACK_SHOWN = 32;

    /** Throws if {@code worker}, running the caller's gradient, is blocked on a lock the calling thread holds. */
    static void check(Thread worker, Future<?> gradient) {
        if (worker == null) return; // not started yet: queued behind other gradients
        Thread.State state = worker.getState();
        // a worker computing is runnable; only a blocked or parked one is asked about (a thread dump of a
        // deep gradient's whole stack, hundreds of thousands of frames, every quarter second would cost seconds)
        if (state != Thread.State.BLOCKED && state != Thread.State.WAITING && state != Thread.State.TIMED_WAITING) return;
        ThreadInfo info = ManagementFactory.getThreadMXBean().getThreadInfo(new long[] {worker.getId()}, false, false, STACK_SHOWN)[0];
        if (info == null || info.getLockOwnerId() != Thread.currentThread().getId()) return;
        // done meanwhile (the worker then blocked in another caller's gradient): the caller's get returns the result
        if (!gradient.cancel(true)) return;
        StackTraceElement at = null;
        for (StackTraceElement e : info.getStackTrace()) {
            if (!e.getClassName().startsWith("java.") && !e.getClassName().startsWith("jdk.")) {
                at = e;
                break;
            }
        }
        throw new GradientException("grad4j: the gradient waits for a lock that the thread asking for it holds: it runs on a grad4j "
                + "worker thread (the first gradient of a function does, and a deep one moves there), and its code"
                + (at != null ? " at " + at : "") + " waits for " + info.getLockName() + ", which this thread locked ("
                + "a synchronized method or block, or a Lock, around the call of AD). It would wait forever. Take the "
                + "gradient outside the lock, or read what the lock guards before the call of AD and pass it to the "
                + "function.");
    }
}
