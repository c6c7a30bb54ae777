package org.grad4j.runtime;

/**
 * Checks the generated code makes where a stream pipeline over part of an array became a loop
 * ({@code Arrays.stream(a, from, to)}): the same exceptions the JDK's array spliterator throws.
 */
public final class ArrayRanges {
    private ArrayRanges() {}

    /** Throws what {@code Arrays.stream(a, from, to)} throws for an array of {@code length} elements. */
    public static void checkFromTo(int length, int from, int to) {
        if (from > to) throw new ArrayIndexOutOfBoundsException("origin(" + from + ") > fence(" + to + ")");
        if (from < 0) throw new ArrayIndexOutOfBoundsException(from);
        if (to > length) throw new ArrayIndexOutOfBoundsException(to);
    }
}
