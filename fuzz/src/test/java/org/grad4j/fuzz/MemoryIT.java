package org.grad4j.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.List;
import org.grad4j.AD;
import org.grad4j.Differentiable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Nothing leaks across calls: a million gradients of a small function, with the heap used after a
 * full GC sampled every 100,000 calls. After warm-up (the first sample: generated classes, JIT,
 * worker stacks) the samples stay within a margin; a leak of even 16 bytes per call would add
 * 16 MB.
 */
class MemoryIT {
    static final int CALLS = 1_000_000;
    static final int SAMPLE_EVERY = 100_000;
    static final long MARGIN = 6L << 20;

    @BeforeAll
    static void agent() {
        AD.install();
    }

    @Differentiable
    static double small(double x, double[] w) {
        double s = 0;
        for (int i = 0; i < w.length; i++) s += Math.sin(w[i] * x);
        return s;
    }

    @Test
    void aMillionGradientsLeaveTheHeapFlat() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        double[] w = {0.5, -1.0, 2.0};
        List<Long> used = new ArrayList<>();
        double check = 0;
        long t0 = System.nanoTime();
        for (int i = 1; i <= CALLS; i++) {
            double x = 0.1 + (i % 1000) * 1e-3;
            double d = AD.derivative(v -> small(v, w), x);
            check += d;
            if (i % 10_007 == 0) {
                double e = 0;
                for (double wi : w) e += wi * Math.cos(wi * x);
                assertEquals(e, d, 1e-12, "call " + i);
            }
            if (i % SAMPLE_EVERY == 0) used.add(usedAfterGc(memory));
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("memory: %,d gradient calls in %.1f s (%.1f µs per call); heap used after GC every %,d calls (MB): %s%n",
                CALLS, seconds, seconds * 1e6 / CALLS, SAMPLE_EVERY, mb(used));
        assertTrue(Double.isFinite(check));
        long base = used.get(0);
        for (int k = 1; k < used.size(); k++) {
            assertTrue(used.get(k) - base < MARGIN, "heap grew by " + (used.get(k) - base) / 1024 + " KB after "
                    + (k + 1) * SAMPLE_EVERY + " calls: " + mb(used));
        }
        long firstHalf = used.get(used.size() / 2 - 1) - base, last = used.get(used.size() - 1) - base;
        assertTrue(last - firstHalf < MARGIN / 2, "no steady growth: " + mb(used));
    }

    static long usedAfterGc(MemoryMXBean memory) {
        long best = Long.MAX_VALUE;
        for (int k = 0; k < 3; k++) { // a concurrent worker may still be finishing: take the least of a few
            System.gc();
            best = Math.min(best, memory.getHeapMemoryUsage().getUsed());
        }
        return best;
    }

    static String mb(List<Long> bytes) {
        StringBuilder sb = new StringBuilder();
        for (long b : bytes) sb.append(sb.length() == 0 ? "" : ", ").append(String.format("%.1f", b / 1048576.0));
        return sb.toString();
    }
}
