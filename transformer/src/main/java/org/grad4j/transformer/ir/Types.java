package org.grad4j.transformer.ir;

import org.objectweb.asm.Type;

/** Questions about JVM types that every stage asks. */
public final class Types {
    /** ND4J's tensor type, named so that the transformer needs no ND4J. */
    public static final String INDARRAY = "org/nd4j/linalg/api/ndarray/INDArray";

    private Types() {}

    /**
     * How a value carries its derivative: a {@code double} adjoint (scalars, and the boxed
     * {@code Number}s ND4J's scalar operations take), a tensor adjoint ({@code INDArray}, null for
     * zero), a shadow array beside it (arrays of doubles, floats or tensors), or not at all.
     */
    public enum Kind { NONE, SCALAR, TENSOR, SHADOWED }

    public static Kind kind(Type t) {
        switch (t.getSort()) {
            case Type.DOUBLE, Type.FLOAT:
                return Kind.SCALAR;
            case Type.OBJECT:
                String n = t.getInternalName();
                if (n.equals(INDARRAY)) return Kind.TENSOR;
                if (n.equals("java/lang/Number") || n.equals("java/lang/Double") || n.equals("java/lang/Float")) return Kind.SCALAR;
                return Kind.NONE;
            case Type.ARRAY:
                return isShadowed(t) ? Kind.SHADOWED : Kind.NONE;
            default:
                return Kind.NONE;
        }
    }

    /** A primitive {@code double} or {@code float}: the values arithmetic instructions work on. */
    public static boolean isScalarDifferentiable(Type t) {
        return t.getSort() == Type.DOUBLE || t.getSort() == Type.FLOAT;
    }

    /** An array (any rank) of doubles, floats or tensors: such values carry a shadow array. */
    public static boolean isShadowed(Type t) {
        if (t.getSort() != Type.ARRAY) return false;
        Type e = t.getElementType();
        return isScalarDifferentiable(e) || (e.getSort() == Type.OBJECT && e.getInternalName().equals(INDARRAY));
    }

    /** A type that can carry a derivative. */
    public static boolean isDifferentiable(Type t) {
        return kind(t) != Kind.NONE;
    }

    /**
     * Whether a differentiated call may return this type: those with a continuation (void,
     * double, float, their arrays, tensors). Boxed values are differentiable but not returnable.
     */
    public static boolean isCallResult(Type t) {
        return t.getSort() == Type.VOID || t.getSort() == Type.DOUBLE || t.getSort() == Type.FLOAT || isShadowed(t)
                || kind(t) == Kind.TENSOR;
    }

    /** The JVM type of an adjoint local of this kind. */
    public static Type adjointType(Kind k) {
        return k == Kind.TENSOR ? Type.getType(Object.class) : Type.DOUBLE_TYPE;
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
