package org.grad4j.transformer.analysis;

import java.util.BitSet;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import org.grad4j.transformer.ir.Block;
import org.grad4j.transformer.ir.MethodIr;
import org.grad4j.transformer.ir.Stmt;
import org.grad4j.transformer.ir.Terminator;
import org.grad4j.transformer.ir.Value;
import org.objectweb.asm.tree.MethodInsnNode;

/**
 * Whether a value the method holds in a slot is what it returns, unchanged: the blocks from there
 * on only move values (no statement, a jump) and end in {@code return} of it. javac and the
 * inliner put such blocks between a loop's exit or a call and the {@code return}: a helper inlined
 * into the gradient's lambda ({@code p -> loss(p, data)}) returns its result through a slot of the
 * caller's operand stack. Then the value's adjoint is whatever the method's continuation returns.
 *
 * <p>{@link #adjointFrom} asks less: that the value's adjoint is the result's, whatever the value
 * becomes on the way — a fused stream's {@code StreamSums.value(high, low, simple)} returns the
 * compensated sum, yet passes the adjoint of its result to {@code simple} unchanged
 * ({@code StreamSumRules.simple}). A reduction needs only that; a call's continuation, which
 * stands in for the value, needs {@link #from}.
 */
public final class ReturnedAsIs {
    private ReturnedAsIs() {}

    /** Whether the value in {@code slot} where {@code block} is entered is returned as it is. */
    public static boolean from(MethodIr ir, int block, int slot) {
        return follow(ir, block, slot, false);
    }

    /**
     * Whether the value in {@code slot} where {@code block} is entered gets the adjoint of the
     * method's result, unchanged: it is returned as it is, or after calls that pass their result's
     * adjoint to it as it is ({@link #passesAdjointUnchanged}), and reaches nothing else.
     */
    public static boolean adjointFrom(MethodIr ir, int block, int slot) {
        return follow(ir, block, slot, true);
    }

    private static boolean follow(MethodIr ir, int block, int slot, boolean throughPassing) {
        BitSet holders = new BitSet(); // the slots holding the value (or what passes its adjoint on) where the block is entered
        holders.set(slot);
        for (int steps = 0; steps < ir.size(); steps++) { // a cycle of moves never returns
            Block b = ir.block(block);
            Set<Value> held = Collections.newSetFromMap(new IdentityHashMap<>());
            for (int s = holders.nextSetBit(0); s >= 0; s = holders.nextSetBit(s + 1)) held.add(b.reads().get(s));
            if (!b.stmts().isEmpty() && !(throughPassing && passesOn(b, held))) return false;
            Terminator t = b.terminator();
            if (t.kind() == Terminator.Kind.RETURN) return t.returned() != null && held.contains(t.returned());
            if (t.kind() != Terminator.Kind.GOTO) return false;
            BitSet after = (BitSet) holders.clone();
            for (Map.Entry<Integer, Value> moved : b.exitValues().entrySet()) {
                after.clear(moved.getKey());
                if (held.contains(moved.getValue())) after.set(moved.getKey());
            }
            holders = after;
            block = t.successors()[0];
        }
        return false;
    }

    /**
     * Whether every statement of the block passes the adjoint of its result, unchanged, to an
     * argument that is a held value, and takes held values nowhere else; their results join
     * {@code held}.
     */
    private static boolean passesOn(Block b, Set<Value> held) {
        for (Stmt st : b.stmts()) {
            int passing = passesAdjointUnchanged(st);
            if (passing < 0 || !held.contains(st.arg(passing))) return false;
            for (int i = 0; i < st.args().size(); i++) if (i != passing && held.contains(st.arg(i))) return false;
            held.add(st.result());
        }
        return true;
    }

    /**
     * The argument a call passes its result's adjoint to unchanged, and to no other argument, or
     * -1: a fused stream's {@code StreamSums.value(high, low, simple)} passes it to {@code simple}
     * ({@code StreamSumRules.simple} returns it; {@code high} and {@code low} have no rule).
     */
    private static int passesAdjointUnchanged(Stmt st) {
        if (st.insn() instanceof MethodInsnNode m && m.owner.equals("org/grad4j/runtime/StreamSums")
                && m.name.equals("value") && m.desc.equals("(DDD)D")) {
            return 2;
        }
        return -1;
    }
}
