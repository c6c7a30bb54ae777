package org.grad4j.runtime;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The workers' queue: a worker that just finished a gradient polls for the next one for a few
 * tens of microseconds before it parks. Gradients often come back to back (an optimiser's loop),
 * and waking a parked thread costs more than many small gradients take.
 */
final class SpinningQueue extends LinkedBlockingQueue<Runnable> {
    private static final long serialVersionUID = 1L;
    /** How long to poll before parking: {@code -Dgrad4j.spinMicros} (0 turns it off), default 50. */
    static final long SPIN_NANOS = 1000L * Long.getLong("grad4j.spinMicros", 50);

    private Runnable spin() {
        if (SPIN_NANOS <= 0) return null;
        long until = System.nanoTime() + SPIN_NANOS;
        do {
            Runnable r = poll();
            if (r != null) return r;
            Thread.onSpinWait();
        } while (System.nanoTime() < until);
        return null;
    }

    @Override
    public Runnable take() throws InterruptedException {
        Runnable r = spin();
        return r != null ? r : super.take();
    }

    @Override
    public Runnable poll(long timeout, TimeUnit unit) throws InterruptedException {
        Runnable r = spin();
        return r != null ? r : super.poll(timeout, unit);
    }
}
