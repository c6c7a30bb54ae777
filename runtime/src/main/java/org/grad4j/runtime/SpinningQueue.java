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
    private Runnable spin() {
        long spin = SpinPolicy.spinNanos(); // 50 µs while a core is spare, see SpinPolicy
        if (spin <= 0) return null;
        long until = System.nanoTime() + spin;
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
