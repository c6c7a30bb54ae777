package org.grad4j.transformer.codegen;

import java.util.ArrayList;
import java.util.List;
import org.grad4j.transformer.ir.Types;
import org.objectweb.asm.Type;

/**
 * The parameter list of a generated function: one parameter per slot, each array of
 * doubles/floats followed by its shadow, then the continuation and the context. Registers: the
 * i-th double/float parameter returns its adjoint in {@code ctx.d[i]}.
 */
record FunctionShape(String name, int[] slots, Type[] types, String continuation) {

    String descriptor() {
        StringBuilder sb = new StringBuilder("(");
        for (Type t : types) {
            sb.append(t.getDescriptor());
            if (Types.isShadowed(t)) sb.append(t.getDescriptor());
        }
        return sb.append('L').append(continuation).append(';').append(Jvm.CTX_DESC).append(")V").toString();
    }

    /** Index in {@link #slots} of a slot, or -1. */
    int indexOf(int slot) {
        for (int i = 0; i < slots.length; i++) if (slots[i] == slot) return i;
        return -1;
    }

    /**
     * The register of parameter {@code i}, or -1 when it has none: scalars are numbered among the
     * scalar parameters ({@code ctx.d}), tensors among the tensor parameters ({@code ctx.o}).
     */
    int register(int i) {
        Types.Kind k = registerKind(i);
        if (k == Types.Kind.NONE) return -1;
        int r = 0;
        for (int j = 0; j < i; j++) if (registerKind(j) == k) r++;
        return r;
    }

    /** SCALAR or TENSOR for a parameter with a register, else NONE. */
    Types.Kind registerKind(int i) {
        Types.Kind k = Types.kind(types[i]);
        return k == Types.Kind.SCALAR || k == Types.Kind.TENSOR ? k : Types.Kind.NONE;
    }

    /** JVM local index of parameter {@code i}'s value; its shadow follows it. */
    int local(int i) {
        int l = 0;
        for (int j = 0; j < i; j++) l += width(types[j]);
        return l;
    }

    int continuationLocal() {
        return local(types.length);
    }

    int ctxLocal() {
        return continuationLocal() + 1;
    }

    private static int width(Type t) {
        return t.getSize() + (Types.isShadowed(t) ? 1 : 0);
    }

    /** The shape of a method's own entry: its declared parameters (receiver first). */
    static FunctionShape entry(String owner, String descriptor, boolean isStatic, int[] paramSlots, String continuation) {
        List<Type> types = new ArrayList<>();
        if (!isStatic) types.add(Type.getObjectType(owner));
        types.addAll(List.of(Type.getArgumentTypes(descriptor)));
        return new FunctionShape("entry", paramSlots, types.toArray(new Type[0]), continuation);
    }
}
