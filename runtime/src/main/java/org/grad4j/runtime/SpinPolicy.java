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
 * (33 µs spinning, 15 µs parking). So they spin only while other processes leave a core idle
 * beyond the two of them: the machine's recent CPU load minus this JVM's, checked at most every
 * 200 ms (this JVM's own load is the gradients' work, not competition). {@code
 * -Dgrad4j.spinMicros} fixes the spin (0: never).
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
        int cores = os.getAvailableProcessors();
        if (!(os instanceof com.sun.management.OperatingSystemMXBean loads)) return true; // unknown: spin, as before
        double machine = loads.getCpuLoad(), ours = loads.getProcessCpuLoad();
        if (machine < 0 || ours < 0) return true;
        double others = Math.max(0, machine - ours) * cores; // cores busy with other processes
        return others + 1.5 < cores;
    }
}
