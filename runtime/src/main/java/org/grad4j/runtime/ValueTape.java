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

    /** Buffers of reductions that have run their reverse, for the next one (see {@link #adjointBuffer}). */
    private double[][] spare = new double[4][];
    private int spareCount;

    /**
     * A zeroed buffer as long as {@code shadow} (a {@code double[]}, or null: then null), for a
     * reduction loop's iterations to add their adjoints to while it runs forward; it comes back
     * in {@link #addScaled}, in reverse order, so warm gradients reuse the same buffers.
     */
    public double[] adjointBuffer(Object shadow) {
        if (shadow == null) return null;
        int n = ((double[]) shadow).length;
        if (spareCount > 0 && spare[spareCount - 1].length >= n) { // zeroed by addScaled
            double[] buffer = spare[--spareCount];
            spare[spareCount] = null;
            return buffer;
        }
        try {
            return new double[n];
        } catch (OutOfMemoryError e) {
            throw outOfMemory(n, 8);
        }
    }

    /**
     * {@code shadow += factor * buffer} over the shadow's length, zeroing the buffer as it goes,
     * then the buffer is kept for the next {@link #adjointBuffer} (unless very large): kept buffers
     * are all zeros, and one a gradient that threw never gave back is not reused. The reverse of a
     * reduction: its iterations added their adjoints for a sum's adjoint of 1, {@code factor} is
     * the real one.
     */
    public void addScaled(Object shadow, double[] buffer, double factor) {
        if (shadow == null) return;
        double[] s = (double[]) shadow;
        for (int j = 0; j < s.length; j++) {
            s[j] += factor * buffer[j];
            buffer[j] = 0.0;
        }
        if (buffer.length > KEEP_AT_MOST) return;
        if (spareCount == spare.length) spare = Arrays.copyOf(spare, 2 * spareCount);
        spare[spareCount++] = buffer;
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
