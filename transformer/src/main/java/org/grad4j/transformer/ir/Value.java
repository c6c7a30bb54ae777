package org.grad4j.transformer.ir;

import org.objectweb.asm.Type;

/**
 * A value in the IR: a {@link Temp} defined by one statement, the value a slot holds when its
 * block is entered ({@link EntryValue}), or a {@link Const}. Within a block every value is
 * defined once, so javac's reuse of local slots never loses a value the reverse pass needs.
 */
public abstract sealed class Value permits Temp, EntryValue, Const {
    private final Type type;

    Value(Type type) {
        this.type = type;
    }

    /** The JVM type; ints, shorts, bytes, chars and booleans all have {@code Type.INT_TYPE}. */
    public Type type() {
        return type;
    }

    /** Whether this is a {@code double} or {@code float}: the scalar types that carry adjoints. */
    public boolean isScalarDifferentiable() {
        return Types.isScalarDifferentiable(type);
    }

    public Types.Kind kind() {
        return Types.kind(type);
    }

    public int size() {
        return type.getSize();
    }
}
