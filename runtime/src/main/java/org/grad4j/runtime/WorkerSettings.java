package org.grad4j.runtime;

import java.util.Locale;
import org.grad4j.GradientException;

/**
 * The options of the gradient worker threads (DESIGN §9), read from system properties.
 *
 * <p>The stack size is reserved address space, not committed memory: only the pages a
 * gradient actually touches are committed, so a large default costs nothing until used.
 *
 * @param stackBytes the stack size of each worker thread
 * @param maxWorkers how many worker threads may exist at once
 */
public record WorkerSettings(long stackBytes, int maxWorkers) {
    /** The worker stack size, e.g. {@code -Dgrad4j.stack=8g}. */
    public static final String STACK_PROPERTY = "grad4j.stack";
    /** The most worker threads alive at once, e.g. {@code -Dgrad4j.workers=4}. */
    public static final String WORKERS_PROPERTY = "grad4j.workers";
    public static final String DEFAULT_STACK = "2g";

    /** Smaller stacks than this cannot even run the JVM's own frames reliably. */
    static final long MIN_STACK_BYTES = 64 << 10;
    /** The budget of generated frames is this fraction of the stack; the rest is for primal code and the JVM. */
    static final double BUDGET_FRACTION = 0.8;

    public WorkerSettings {
        if (stackBytes < MIN_STACK_BYTES) {
            throw new GradientException("grad4j: worker stack of " + stackBytes + " bytes is too small; -D"
                    + STACK_PROPERTY + " must be at least 64k (default " + DEFAULT_STACK + ")");
        }
        if (maxWorkers < 1) {
            throw new GradientException("grad4j: -D" + WORKERS_PROPERTY + " must be at least 1, got " + maxWorkers);
        }
    }

    /** The settings given by the system properties, defaults where unset. */
    public static WorkerSettings fromSystemProperties() {
        String stack = System.getProperty(STACK_PROPERTY, DEFAULT_STACK);
        String workers = System.getProperty(WORKERS_PROPERTY);
        return new WorkerSettings(parseSize(stack, STACK_PROPERTY), workers == null ? defaultWorkers() : parseCount(workers));
    }

    /** The byte budget of generated frames on a worker of this stack size. */
    public long stackBudgetBytes() {
        return (long) (stackBytes * BUDGET_FRACTION);
    }

    /**
     * Parses a size such as {@code 1048576}, {@code 512k}, {@code 512m}, {@code 4g} or
     * {@code 1t} (binary multiples, case-insensitive, an optional trailing {@code b}).
     *
     * @param property named in the error message
     */
    public static long parseSize(String text, String property) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        if (s.endsWith("b")) s = s.substring(0, s.length() - 1);
        int shift = 0;
        if (!s.isEmpty()) {
            switch (s.charAt(s.length() - 1)) {
                case 'k' -> shift = 10;
                case 'm' -> shift = 20;
                case 'g' -> shift = 30;
                case 't' -> shift = 40;
                default -> shift = -1;
            }
            if (shift >= 0) s = s.substring(0, s.length() - 1);
            else shift = 0;
        }
        try {
            long n = Long.parseLong(s.trim());
            if (n <= 0) throw new NumberFormatException();
            return Math.multiplyExact(n, 1L << shift);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new GradientException("grad4j: cannot read -D" + property + "=" + text
                    + " as a size; write a positive number with an optional k, m, g or t suffix, e.g. 512m or 4g");
        }
    }

    private static int parseCount(String text) {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new GradientException("grad4j: cannot read -D" + WORKERS_PROPERTY + "=" + text + " as a number of threads");
        }
    }

    /** One per core, at least 2 and at most 8: each reused worker keeps its touched stack pages committed. */
    private static int defaultWorkers() {
        return Math.min(8, Math.max(2, Runtime.getRuntime().availableProcessors()));
    }
}
