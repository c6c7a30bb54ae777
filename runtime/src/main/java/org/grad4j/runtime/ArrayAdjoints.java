package org.grad4j.runtime;

/**
 * Reverse rules of the JDK's whole-array operations ({@code System.arraycopy},
 * {@code Arrays.fill/copyOf/copyOfRange}, {@code clone}) on shadows. A copy reads its source
 * elements and overwrites its destination elements, so in reverse the destination's adjoints
 * move to the source and the destination's start afresh. Called by generated code.
 */
public final class ArrayAdjoints {
    private ArrayAdjoints() {}

    /**
     * Reverse of {@code dst[dstPos+i] = src[srcPos+i]} for {@code i < length}, as
     * {@code System.arraycopy} does it (as if through a temporary): within one array the order
     * of the loop keeps each destination adjoint read before it receives a source adjoint.
     */
    public static void copy(Object srcShadow, int srcPos, Object dstShadow, int dstPos, int length) {
        if (dstShadow == null || length <= 0) return;
        if (dstShadow instanceof double[] d) {
            double[] s = (double[]) srcShadow;
            if (dstPos > srcPos) {
                for (int i = 0; i < length; i++) move(s, srcPos + i, d, dstPos + i);
            } else {
                for (int i = length - 1; i >= 0; i--) move(s, srcPos + i, d, dstPos + i);
            }
        } else if (dstShadow instanceof float[] d) {
            float[] s = (float[]) srcShadow;
            if (dstPos > srcPos) {
                for (int i = 0; i < length; i++) move(s, srcPos + i, d, dstPos + i);
            } else {
                for (int i = length - 1; i >= 0; i--) move(s, srcPos + i, d, dstPos + i);
            }
        } else if (holdsElementAdjoints(dstShadow)) { // an INDArray[]: its elements' tensor adjoints move the same way
            Object[] d = (Object[]) dstShadow;
            Object[] s = (Object[]) srcShadow;
            if (dstPos > srcPos) {
                for (int i = 0; i < length; i++) move(s, srcPos + i, d, dstPos + i);
            } else {
                for (int i = length - 1; i >= 0; i--) move(s, srcPos + i, d, dstPos + i);
            }
        }
    }

    /**
     * Whether a shadow holds its array's element adjoints (the shadow of an {@code INDArray[]}:
     * tensors, summed out of place), not the shadows of rows ({@code double[][]}), which are
     * shared with the rows themselves and move with them in the forward pass.
     */
    private static boolean holdsElementAdjoints(Object shadow) {
        return shadow instanceof Object[] && !shadow.getClass().getComponentType().isArray();
    }

    private static void move(Object[] s, int si, Object[] d, int di) {
        Object g = d[di];
        d[di] = null;
        if (s != null && g != null) s[si] = org.grad4j.tensor.TensorAdjoints.add(s[si], g);
    }

    private static void move(double[] s, int si, double[] d, int di) {
        double g = d[di];
        d[di] = 0;
        if (s != null) s[si] += g;
    }

    private static void move(float[] s, int si, float[] d, int di) {
        float g = d[di];
        d[di] = 0;
        if (s != null) s[si] += g;
    }

    /** Reverse of {@code Arrays.fill(a, from, to, v)}: returns the adjoint of {@code v}, zeroes the filled adjoints. */
    public static double fill(Object shadow, int from, int to) {
        double sum = 0;
        if (shadow instanceof double[] d) {
            for (int i = from; i < to; i++) {
                sum += d[i];
                d[i] = 0;
            }
        } else if (shadow instanceof float[] f) {
            for (int i = from; i < to; i++) {
                sum += f[i];
                f[i] = 0;
            }
        }
        return sum;
    }

    /** Reverse of a whole-array fill. */
    public static double fill(Object shadow) {
        return shadow == null ? 0 : fill(shadow, 0, java.lang.reflect.Array.getLength(shadow));
    }

    /**
     * A zero shadow for a fresh 1-D array, or the shallow copy of a container's shadow from
     * element {@code from} on (rows are shared: {@code Arrays.copyOfRange(m, 1, 3)}).
     */
    public static Object shadowOfCopy(Object sourceShadow, Object copy, int from) {
        if (copy == null) return null;
        if (copy instanceof double[] d) return new double[d.length];
        if (copy instanceof float[] f) return new float[f.length];
        if (!copy.getClass().getComponentType().isArray()) { // a copy of an INDArray[]: fresh elements, no adjoints yet
            return java.lang.reflect.Array.newInstance(copy.getClass().getComponentType(), ((Object[]) copy).length);
        }
        if (sourceShadow == null) return null;
        Object[] rows = (Object[]) copy;
        Object[] src = (Object[]) sourceShadow;
        Object[] mirror = (Object[]) java.lang.reflect.Array.newInstance(sourceShadow.getClass().getComponentType(), rows.length);
        System.arraycopy(src, from, mirror, 0, Math.max(0, Math.min(src.length - from, rows.length)));
        return mirror;
    }

    /** Forward mirror of {@code System.arraycopy} of rows: the destination container's shadow gets the source rows' shadows. */
    public static void copyRows(Object srcShadow, int srcPos, Object dstShadow, int dstPos, int length) {
        // elements (numbers, or the tensors of an INDArray[]), not rows: their adjoints move in reverse
        if (!(dstShadow instanceof Object[] rows) || holdsElementAdjoints(dstShadow)) return;
        if (srcShadow == null) {
            java.util.Arrays.fill(rows, dstPos, dstPos + length, null);
        } else {
            System.arraycopy(srcShadow, srcPos, dstShadow, dstPos, length);
        }
    }

    /**
     * The shadow of an array a differentiated method returns: its own, or zeros when it is a data
     * array (the caller may write differentiable values into it).
     */
    public static Object orZeros(Object value, Object shadow) {
        if (shadow != null || value == null) return shadow;
        if (value instanceof double[] d) return new double[d.length];
        if (value instanceof float[] f) return new float[f.length];
        Object[] rows = (Object[]) value;
        Object[] z = (Object[]) java.lang.reflect.Array.newInstance(value.getClass().getComponentType(), rows.length);
        for (int i = 0; i < rows.length; i++) z[i] = rows[i] instanceof Object[] || rows[i] instanceof double[] || rows[i] instanceof float[] ? orZeros(rows[i], null) : null;
        return z;
    }
}
