package org.grad4j.transformer.analysis;

import java.util.Collection;
import org.grad4j.transformer.ir.Stmt;
import org.grad4j.transformer.ir.Types;
import org.grad4j.transformer.ir.Value;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * What the adjoint code of an active statement reads from its forward pass (the code is
 * {@code codegen.StatementEmitter.adjoint}; this is the one statement of what it needs): the
 * values it loads, and the arrays whose shadows it loads. Generated functions keep these values
 * for the reverse pass (a local zeroed at entry, since the reverse runs under flags), taped loop
 * nests push them. Exact for the statements of scalar and array code and for rules on numbers (the
 * parameters their adjoint methods load); for other library rules and whole-array operations every
 * operand, the result and their shadows.
 */
public final class AdjointReads {
    private AdjointReads() {}

    /**
     * @param active whether a value has an adjoint (is active): a product's factor is read only
     *     for its partner's adjoint ({@code vals[k] * x[c]} with data {@code vals} reads no {@code x[c]})
     */
    public static void of(Stmt s, Activity active, Collection<Value> values, Collection<Value> shadows) {
        switch (s.opcode()) {
            case Opcodes.DADD, Opcodes.FADD, Opcodes.DSUB, Opcodes.FSUB, Opcodes.DNEG, Opcodes.FNEG, Opcodes.F2D,
                    Opcodes.D2F -> { } // adjoints only
            case Opcodes.DMUL, Opcodes.FMUL -> {
                if (active.isActive(s.arg(1))) values.add(s.arg(0));
                if (active.isActive(s.arg(0))) values.add(s.arg(1));
            }
            case Opcodes.DDIV, Opcodes.FDIV -> {
                values.add(s.arg(1));
                if (active.isActive(s.arg(1))) values.add(s.result());
            }
            case Opcodes.DALOAD, Opcodes.FALOAD, Opcodes.DASTORE, Opcodes.FASTORE -> elementOf(s, values, shadows);
            case Opcodes.AALOAD -> { // a tensor element's adjoint goes back, with its reads; a row's shadow is forward work
                if (s.result().kind() == Types.Kind.TENSOR) {
                    elementOf(s, values, shadows);
                    values.add(s.result());
                }
            }
            case Opcodes.AASTORE -> {
                if (s.arg(2).kind() == Types.Kind.TENSOR || Types.kind(s.arg(0).type().getElementType()) == Types.Kind.TENSOR) {
                    elementOf(s, values, shadows);
                }
            }
            // forward work only: the shadow of a new array or of a cast
            case Opcodes.NEWARRAY, Opcodes.ANEWARRAY, Opcodes.MULTIANEWARRAY, Opcodes.CHECKCAST -> { }
            default -> { // DREM, rules, whole-array operations, @Parameter reads
                if (active.isRuleOnNumbers(s)) { // what its adjoint methods load: exp's, its result, not its argument
                    int n = s.args().size();
                    for (int j = 0; j < n; j++) if (active.ruleAdjointReads(s, j)) values.add(s.arg(j));
                    if (active.ruleAdjointReads(s, n)) values.add(s.result());
                    return;
                }
                values.addAll(s.args());
                if (s.result() != null) values.add(s.result());
                for (Value a : s.args()) if (a.type().getSort() >= Type.ARRAY) shadows.add(a);
                if (s.result() != null && s.result().type().getSort() >= Type.ARRAY) shadows.add(s.result());
            }
        }
    }

    /**
     * Whether an active statement's adjoint code does nothing (see {@code StatementEmitter.adjoint}):
     * its work is in the forward pass — the shadow of an array read from a field, of a row, of a
     * new array or of a cast. A loop header whose only active statement reads {@code this.w} for
     * {@code w.length} has no reverse work.
     */
    public static boolean isForwardOnly(Stmt s) {
        return switch (s.opcode()) {
            case Opcodes.GETFIELD, Opcodes.GETSTATIC, Opcodes.AALOAD -> s.result().kind() == Types.Kind.SHADOWED;
            case Opcodes.NEWARRAY, Opcodes.ANEWARRAY, Opcodes.MULTIANEWARRAY, Opcodes.CHECKCAST ->
                    s.result().kind() != Types.Kind.TENSOR;
            default -> false;
        };
    }

    /** {@code a[i]} read or written: the index, and the shadow of {@code a}. */
    private static void elementOf(Stmt s, Collection<Value> values, Collection<Value> shadows) {
        values.add(s.arg(1));
        shadows.add(s.arg(0));
    }
}
