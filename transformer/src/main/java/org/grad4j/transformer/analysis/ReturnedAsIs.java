package org.grad4j.transformer.analysis;

import java.util.BitSet;
import java.util.Map;
import org.grad4j.transformer.ir.Block;
import org.grad4j.transformer.ir.MethodIr;
import org.grad4j.transformer.ir.Terminator;
import org.grad4j.transformer.ir.Value;

/**
 * Whether a value the method holds in a slot is what it returns, unchanged: the blocks from there
 * on only move values (no statement, a jump) and end in {@code return} of it. javac and the
 * inliner put such blocks between a loop's exit or a call and the {@code return}: a helper inlined
 * into the gradient's lambda ({@code p -> loss(p, data)}) returns its result through a slot of the
 * caller's operand stack. Then the value's adjoint is whatever the method's continuation returns.
 */
public final class ReturnedAsIs {
    private ReturnedAsIs() {}

    /** Whether the value in {@code slot} where {@code block} is entered is returned as it is. */
    public static boolean from(MethodIr ir, int block, int slot) {
        BitSet holders = new BitSet(); // the slots holding the value where the block is entered
        holders.set(slot);
        for (int steps = 0; steps < ir.size(); steps++) { // a cycle of moves never returns
            Block b = ir.block(block);
            if (!b.stmts().isEmpty()) return false;
            Terminator t = b.terminator();
            if (t.kind() == Terminator.Kind.RETURN) {
                for (int s = holders.nextSetBit(0); s >= 0; s = holders.nextSetBit(s + 1)) {
                    if (t.returned() != null && t.returned() == b.reads().get(s)) return true;
                }
                return false;
            }
            if (t.kind() != Terminator.Kind.GOTO) return false;
            BitSet after = (BitSet) holders.clone();
            for (Map.Entry<Integer, Value> moved : b.exitValues().entrySet()) {
                after.clear(moved.getKey());
                for (int s = holders.nextSetBit(0); s >= 0; s = holders.nextSetBit(s + 1)) {
                    if (moved.getValue() == b.reads().get(s)) after.set(moved.getKey());
                }
            }
            holders = after;
            block = t.successors()[0];
        }
        return false;
    }
}
