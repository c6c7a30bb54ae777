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
    private static final long SPIN_NANOS = 50_000;

    private Runnable spin() {
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
