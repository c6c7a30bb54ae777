package org.grad4j.runtime;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

/**
 * Whether the caller and the worker should spin for a hand-off ({@link SpinningQueue},
 * {@link Workers#call}) rather than park at once.
 *
 * <p>Spinning saves the wake-up of a parked thread (a trivial recursive gradient: 10.5 µs
 * spinning, 13.6 µs parking, on an idle 2-core machine), but only when a core is spare: with one
 * busy process beside them, the spinning caller and worker took the CPU from the gradient itself
 * (33 µs spinning, 15 µs parking). So they spin only while the system's load average leaves a
 * core idle beyond the two of them, checked at most every 200 ms. {@code -Dgrad4j.spinMicros}
 * fixes the spin (0: never).
 */
final class SpinPolicy {
    private static final String PROPERTY = "grad4j.spinMicros";
    private static final long DEFAULT_NANOS = 50_000;
    private static final long CHECK_EVERY_NANOS = 200_000_000L;
    private static final boolean FIXED = System.getProperty(PROPERTY) != null;
    private static final long FIXED_NANOS = 1000L * Long.getLong(PROPERTY, 50);

    private static volatile long nextCheck;
    private static volatile boolean spareCore = true;

    private SpinPolicy() {}

    /** How long to spin now, in nanoseconds (0: park at once). */
    static long spinNanos() {
        if (FIXED) return FIXED_NANOS;
        long now = System.nanoTime();
        if (now - nextCheck >= 0) {
            nextCheck = now + CHECK_EVERY_NANOS;
            spareCore = hasSpareCore();
        }
        return spareCore ? DEFAULT_NANOS : 0;
    }

    private static boolean hasSpareCore() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        double load = os.getSystemLoadAverage();
        return load < 0 || load + 1 < os.getAvailableProcessors(); // unknown load: spin, as before
    }
}
