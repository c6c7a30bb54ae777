package org.grad4j.runtime;

/**
 * The order {@code Arrays.sort} puts a {@code double[]} (or {@code float[]}) in, as indices: grad4j reads
 * {@code Arrays.sort(a)} as {@code a[i] = copy[order[i]]} (the transformer's {@code SortLoops}),
 * which it differentiates like any gather, the order being data. Ascending by
 * {@link Double#compare}, as {@code Arrays.sort} orders ({@code -0.0} before {@code 0.0}, NaN
 * last); equal elements keep their order. A bottom-up merge sort of the indices: it writes only
 * arrays it allocates, so grad4j runs it as written.
 */
public final class ArraySorts {
    private ArraySorts() {}

    /** The indices of {@code a[from..to)}, from {@code from}, in the order {@code Arrays.sort(a, from, to)} leaves the elements. */
    public static int[] order(double[] a, int from, int to) {
        rangeCheck(a.length, from, to);
        int n = to - from;
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = from + i;
        int[] merged = new int[n];
        for (int width = 1; width < n; width *= 2) {
            for (int left = 0; left < n; left += 2 * width) {
                int mid = Math.min(left + width, n), right = Math.min(left + 2 * width, n);
                int i = left, j = mid, k = left;
                while (i < mid && j < right) merged[k++] = Double.compare(a[order[j]], a[order[i]]) < 0 ? order[j++] : order[i++];
                while (i < mid) merged[k++] = order[i++];
                while (j < right) merged[k++] = order[j++];
            }
            int[] t = order;
            order = merged;
            merged = t;
        }
        return order;
    }

    /** As {@link #order(double[], int, int)}, for a {@code float[]} (by {@link Float#compare}). */
    public static int[] order(float[] a, int from, int to) {
        rangeCheck(a.length, from, to);
        double[] widened = new double[a.length]; // exact, and Double.compare orders them as Float.compare does
        for (int i = from; i < to; i++) widened[i] = a[i];
        return order(widened, from, to);
    }

    /** {@code Arrays.rangeCheck}'s exceptions. */
    private static void rangeCheck(int length, int from, int to) {
        if (from > to) throw new IllegalArgumentException("fromIndex(" + from + ") > toIndex(" + to + ")");
        if (from < 0) throw new ArrayIndexOutOfBoundsException(from);
        if (to > length) throw new ArrayIndexOutOfBoundsException(to);
    }
}
