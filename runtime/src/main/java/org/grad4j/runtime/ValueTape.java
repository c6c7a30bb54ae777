package org.grad4j.runtime;

import java.util.Arrays;

/**
 * The value stack of taped loops: a call-free innermost loop runs as a real loop in one frame,
 * each iteration pushing here the few values its reverse needs, and the reverse pops them in
 * the opposite order (see {@code org.grad4j.transformer.split.TapedLoops}). It is a second stack
 * beside the JVM's, as strictly last-in first-out: a loop's values sit above those of every loop
 * still waiting for its reverse, and are gone when its frame returns.
 *
 * <p>Generated code keeps the arrays and tops in locals while it loops and writes the tops back
 * here before it calls the rest of the program, which pushes above them. One tape per thread is
 * reused from gradient to gradient (its arrays only grow), so a warm gradient allocates nothing
 * for it; a gradient nested in another on the same thread gets a tape of its own.
 */
public final class ValueTape {
    public double[] d = new double[0];
    public int dTop;
    public int[] i = new int[0];
    public int iTop;
    public Object[] o = new Object[0];
    public int oTop;

    /** Arrays above this many elements are not kept for the next gradient (the heap is the user's). */
    private static final int KEEP_AT_MOST = 1 << 24;
    private static final ThreadLocal<ValueTape> SPARE = new ThreadLocal<>();

    /** This thread's spare tape, or a new one when it is in use (a nested gradient) or none was made. */
    static ValueTape borrow() {
        ValueTape t = SPARE.get();
        if (t == null) return new ValueTape();
        SPARE.set(null);
        return t;
    }

    /**
     * Ends a gradient's use: tops reset, arrays kept for the next gradient unless very large. Pops
     * clear the references they read, so only a gradient that ended by an exception leaves some.
     */
    void giveBack(boolean completed) {
        if (!completed) Arrays.fill(o, null);
        dTop = iTop = oTop = 0;
        if (d.length > KEEP_AT_MOST) d = new double[0];
        if (i.length > KEEP_AT_MOST) i = new int[0];
        if (o.length > KEEP_AT_MOST) o = new Object[0];
        SPARE.set(this);
    }

    /**
     * Buffers of reductions that have run their reverse, for the next ones (see {@link
     * #adjointBuffer}): at most {@link #SPARE_BUFFERS}, all zeros.
     */
    private final double[][] spare = new double[SPARE_BUFFERS][];

    /** Gradients on one thread with a reduction or two each reuse their buffers; more are not kept. */
    private static final int SPARE_BUFFERS = 2;

    /**
     * A zeroed buffer at least as long as {@code shadow} (a {@code double[]}, or null: then
     * null), for a reduction loop's iterations to add their adjoints to while it runs forward
     * ({@code TapedLoops.Reduction}); it comes back in {@link #addScaled}, so warm gradients reuse
     * the same buffers: the shortest spare that is long enough.
     */
    public double[] adjointBuffer(Object shadow) {
        if (shadow == null) return null;
        int n = ((double[]) shadow).length;
        int best = -1;
        for (int k = 0; k < spare.length; k++) {
            if (spare[k] != null && spare[k].length >= n && (best < 0 || spare[k].length < spare[best].length)) best = k;
        }
        if (best >= 0) {
            double[] buffer = spare[best];
            spare[best] = null;
            return buffer;
        }
        try {
            return new double[n];
        } catch (OutOfMemoryError e) {
            throw new DepthExceededException("grad4j: a loop that sums needs a buffer as long as each array it reads ("
                    + n + " doubles), and it does not fit in the heap beside the others still waiting for the reverse "
                    + "pass; raise -Xmx, or split the computation into smaller gradients");
        }
    }

    /**
     * {@code shadow += factor * buffer} over the shadow's length, zeroing the buffer as it goes,
     * then the buffer is kept for the next {@link #adjointBuffer} in place of a shorter spare
     * (unless very large): kept buffers are all zeros, and one a gradient that threw never gave
     * back is not reused. The reverse of a reduction: its iterations added their adjoints for a
     * sum's adjoint of 1, {@code factor} is the real one. An element no iteration added to stays
     * as it is, and a factor of 0 adds nothing, as a zero adjoint does in the reverse pass, even
     * where an iteration's derivative was infinite ({@link #scaled}).
     */
    public void addScaled(Object shadow, double[] buffer, double factor) {
        if (shadow == null) return;
        double[] s = (double[]) shadow;
        for (int j = 0; j < s.length; j++) {
            double b = buffer[j];
            if (b != 0.0) {
                if (factor != 0.0) s[j] += factor * b;
                buffer[j] = 0.0;
            }
        }
        if (buffer.length > KEEP_AT_MOST) return;
        int shortest = 0;
        for (int k = 0; k < spare.length; k++) {
            if (spare[k] == null) {
                shortest = k;
                break;
            }
            if (spare[k].length < spare[shortest].length) shortest = k;
        }
        if (spare[shortest] == null || spare[shortest].length < buffer.length) spare[shortest] = buffer;
    }

    /**
     * A reduction's part of a scalar's adjoint: the sum's adjoint times what its iterations added
     * for an adjoint of 1 — 0 when either is 0, as in the reverse pass.
     */
    public static double scaled(double factor, double sum) {
        return factor == 0.0 || sum == 0.0 ? 0.0 : factor * sum;
    }

    /** Back to these tops, the references above them dropped: a forward pass given up to run again on a worker. */
    public void popTo(int dTop, int iTop, int oTop) {
        if (oTop < this.oTop) Arrays.fill(o, oTop, this.oTop, null);
        this.dTop = dTop;
        this.iTop = iTop;
        this.oTop = oTop;
    }

    public double[] growD(int need) {
        try {
            d = Arrays.copyOf(d, capacity(d.length, need));
        } catch (OutOfMemoryError e) {
            throw outOfMemory(need, 8);
        }
        return d;
    }

    public int[] growI(int need) {
        try {
            i = Arrays.copyOf(i, capacity(i.length, need));
        } catch (OutOfMemoryError e) {
            throw outOfMemory(need, 4);
        }
        return i;
    }

    public Object[] growO(int need) {
        try {
            o = Arrays.copyOf(o, capacity(o.length, need));
        } catch (OutOfMemoryError e) {
            throw outOfMemory(need, 8);
        }
        return o;
    }

    private static int capacity(int length, int need) {
        if (need < 0 || need > MAX) throw tooLong();
        return (int) Math.min(MAX, Math.max(1024L, Math.max((long) need, 2L * length)));
    }

    private static final int MAX = Integer.MAX_VALUE - 16;

    private static DepthExceededException tooLong() {
        return new DepthExceededException("grad4j: the values that loops keep for the reverse pass passed 2^31 "
                + "entries of one kind; split the computation into smaller gradients (e.g. a gradient per batch)");
    }

    private static DepthExceededException outOfMemory(int need, int bytes) {
        return new DepthExceededException("grad4j: the values that loops keep for the reverse pass (" + need
                + " entries of " + bytes + " bytes) do not fit in the heap; raise it with -Xmx, or split the "
                + "computation into smaller gradients");
    }
}
