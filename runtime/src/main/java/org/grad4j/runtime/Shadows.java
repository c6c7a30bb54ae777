package org.grad4j.runtime;

import java.lang.reflect.Array;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Zero shadows of {@code double}/{@code float} arrays of any rank: same shape and structure,
 * so a ragged {@code double[][]} gets a ragged shadow, a null row a null shadow row, and an
 * array reached twice (the same row in two places, or the same array passed twice) one shared
 * shadow — the adjoint of one array object is one array (DESIGN §6).
 */
public final class Shadows {
    private final Map<Object, Object> made = new IdentityHashMap<>();

    /** Whether values of {@code type} carry a shadow: arrays whose element type is double or float. */
    public static boolean isDifferentiableArray(Class<?> type) {
        if (!type.isArray()) return false;
        Class<?> c = type;
        while (c.isArray()) c = c.getComponentType();
        return c == double.class || c == float.class;
    }

    /** A zero array shaped like {@code array} (null for null); the same one each time for the same array. */
    public Object zerosLike(Object array) {
        if (array == null) return null;
        Object shadow = made.get(array);
        if (shadow != null) return shadow;
        int n = Array.getLength(array);
        Class<?> component = array.getClass().getComponentType();
        shadow = Array.newInstance(component, n);
        made.put(array, shadow);
        if (component.isArray()) {
            Object[] rows = (Object[]) array;
            Object[] shadowRows = (Object[]) shadow;
            for (int i = 0; i < n; i++) shadowRows[i] = zerosLike(rows[i]);
        }
        return shadow;
    }
}
