package org.grad4j.runtime;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The contents of the arrays a lambda captured, kept so that {@link LambdaProbe}'s calls leave
 * them as they were: a lambda counting its evaluations in an {@code int[]} it captured would
 * otherwise count the probe's calls too, and the gradient's run would see the wrong count. Arrays
 * of arrays are kept row by row (each row once, however often it is reached).
 */
final class CapturedArrays {
    private final List<Object> arrays = new ArrayList<>();
    private final List<Object> copies = new ArrayList<>();

    private CapturedArrays() {}

    static CapturedArrays of(Object[] captured) {
        CapturedArrays kept = new CapturedArrays();
        Map<Object, Boolean> seen = new IdentityHashMap<>();
        for (Object value : captured) kept.keep(value, seen);
        return kept;
    }

    private void keep(Object value, Map<Object, Boolean> seen) {
        if (value == null || !value.getClass().isArray() || seen.put(value, true) != null) return;
        int n = Array.getLength(value);
        Object copy = Array.newInstance(value.getClass().getComponentType(), n);
        System.arraycopy(value, 0, copy, 0, n);
        arrays.add(value);
        copies.add(copy);
        if (!value.getClass().getComponentType().isPrimitive()) {
            for (int i = 0; i < n; i++) keep(Array.get(value, i), seen);
        }
    }

    /** Puts back what every kept array held (a row replaced in a matrix included). */
    void restore() {
        for (int i = 0; i < arrays.size(); i++) {
            Object a = arrays.get(i);
            System.arraycopy(copies.get(i), 0, a, 0, Array.getLength(a));
        }
    }
}
