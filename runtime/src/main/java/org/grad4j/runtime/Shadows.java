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
    private final Map<Object, Object> made = new IdentityHashMap<>(4); // most calls shadow one or two arrays

    /** Whether {@code array} (an array passed in, or one of its rows) was given a shadow here. */
    boolean isShadowed(Object array) {
        return made.containsKey(array);
    }

    /** The arrays shadowed here (with their rows), compared by identity. */
    java.util.Set<Object> arrays() {
        return made.keySet();
    }

    boolean isEmpty() {
        return made.isEmpty();
    }

    /** The one array shadowed here, or null when there are none or several. */
    Object onlyArray() {
        return made.size() == 1 ? made.keySet().iterator().next() : null;
    }

    /** Whether values of {@code type} carry a shadow: arrays whose element type is double or float. */
    public static boolean isDifferentiableArray(Class<?> type) {
        if (!type.isArray()) return false;
        Class<?> c = type;
        while (c.isArray()) c = c.getComponentType();
        return c == double.class || c == float.class;
    }

    /** ND4J's tensor type, by name: the runtime needs ND4J only where tensors are used. */
    static final String TENSOR = "org.nd4j.linalg.api.ndarray.INDArray";

    /** Whether {@code type} is ND4J's {@code INDArray} (its adjoint comes back in {@code ctx.o}). */
    public static boolean isTensor(Class<?> type) {
        return type.getName().equals(TENSOR);
    }

    /**
     * Whether an entry's parameter of this type hands its adjoint back in {@code ctx.d}: what the
     * transformer counts as a scalar ({@code double}, {@code float}, {@code Double}, {@code Float},
     * {@code Number}).
     */
    public static boolean hasScalarRegister(Class<?> type) {
        return type == double.class || type == float.class || type == Double.class || type == Float.class
                || type == Number.class;
    }

    /** Whether {@code type} is {@code INDArray[]}: it carries a shadow {@code INDArray[]} of element adjoints. */
    public static boolean isTensorArray(Class<?> type) {
        return type.isArray() && isTensor(type.getComponentType());
    }

    /**
     * Whether an entry's parameter of this type is followed by a shadow: arrays of doubles/floats,
     * and arrays of {@code INDArray} of any rank, as the transformer shadows them ({@code
     * INDArray[][]} is never differentiated at an entry: its shadow is null there).
     */
    public static boolean hasShadow(Class<?> type) {
        if (isDifferentiableArray(type)) return true;
        Class<?> c = type;
        while (c.isArray()) c = c.getComponentType();
        return type.isArray() && isTensor(c);
    }

    /**
     * A shadow for {@code INDArray[] array}: an array of the same type and length, all null (a
     * null element adjoint is zero); the same one each time for the same array (null for null).
     */
    public Object tensorShadowLike(Object array) {
        if (array == null) return null;
        Object shadow = made.get(array);
        if (shadow != null) return shadow;
        shadow = Array.newInstance(array.getClass().getComponentType(), Array.getLength(array));
        made.put(array, shadow);
        return shadow;
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
