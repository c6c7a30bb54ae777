package org.grad4j.runtime;

/**
 * The adjoint registers of a gradient ({@link Ctx#d}, {@link Ctx#o}), kept per thread for the next
 * gradient: made fresh for every gradient they were 3 KiB, most of what a small gradient
 * allocated, and their allocation most of its fixed cost (an {@code AD.gradient} of {@code x0 * x1}:
 * 0.8 µs fresh, 0.2 µs reused). Reused numbers need no clearing: generated code writes every
 * register a caller reads just before it returns, and the caller reads it right after (DESIGN §5),
 * so no register is read before this gradient wrote it. Tensors are cleared, so that the pool
 * does not keep ND4J's memory alive.
 */
final class Registers {
    /** No generated function has more than 255 parameter slots. */
    static final int COUNT = 256;

    private static final ThreadLocal<Registers> SPARE = new ThreadLocal<>();

    final double[] d = new double[COUNT];
    final Object[] o = new Object[COUNT];

    private Registers() {}

    /** This thread's spare registers, or new ones when they are in use (a nested gradient) or none were made. */
    static Registers borrow() {
        Registers r = SPARE.get();
        if (r == null) return new Registers();
        SPARE.set(null);
        return r;
    }

    /** Hands the registers back to the thread that ends the gradient, once their values have been read. */
    void giveBack() {
        Object[] tensors = o;
        for (int i = 0; i < tensors.length; i++) if (tensors[i] != null) tensors[i] = null; // stores only where needed
        SPARE.set(this);
    }
}
