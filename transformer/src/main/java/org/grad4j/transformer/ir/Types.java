package org.grad4j.transformer.ir;

import org.objectweb.asm.Type;

/** Questions about JVM types that every stage asks. */
public final class Types {
    private Types() {}

    public static boolean isScalarDifferentiable(Type t) {
        return t.getSort() == Type.DOUBLE || t.getSort() == Type.FLOAT;
    }

    /** An array (any rank) of doubles or floats: such values carry a shadow array. */
    public static boolean isShadowed(Type t) {
        return t.getSort() == Type.ARRAY && isScalarDifferentiable(t.getElementType());
    }

    /** A type that can carry a derivative: scalar or shadowed array. */
    public static boolean isDifferentiable(Type t) {
        return isScalarDifferentiable(t) || isShadowed(t);
    }

    /** The sort used to key JVM locals: ints and their narrower kin share one. */
    public static int localSort(Type t) {
        return switch (t.getSort()) {
            case Type.BOOLEAN, Type.BYTE, Type.CHAR, Type.SHORT, Type.INT -> Type.INT;
            case Type.ARRAY, Type.OBJECT -> Type.OBJECT;
            default -> t.getSort();
        };
    }

    /** The type a local of this sort is declared with. */
    public static Type ofLocalSort(int sort) {
        return switch (sort) {
            case Type.INT -> Type.INT_TYPE;
            case Type.LONG -> Type.LONG_TYPE;
            case Type.FLOAT -> Type.FLOAT_TYPE;
            case Type.DOUBLE -> Type.DOUBLE_TYPE;
            default -> Type.getType(Object.class);
        };
    }
}
