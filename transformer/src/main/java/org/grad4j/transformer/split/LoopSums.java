package org.grad4j.transformer.split;

import java.util.BitSet;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import org.grad4j.transformer.analysis.Activity;
import org.grad4j.transformer.analysis.Liveness;
import org.grad4j.transformer.ir.Block;
import org.grad4j.transformer.ir.EntryValue;
import org.grad4j.transformer.ir.MethodIr;
import org.grad4j.transformer.ir.Stmt;
import org.grad4j.transformer.ir.Value;
import org.objectweb.asm.Opcodes;

/**
 * Whether a slot is a sum in a loop (for {@link Reductions}): its value at the start of an
 * iteration reaches its value at the end through copies and updates {@code s + e}, {@code e + s},
 * {@code s - e} only, used once on every path, so that the sum's adjoint passes through an
 * iteration unchanged.
 */
final class LoopSums {
    private LoopSums() {}

    /**
     * Whether slot {@code s} is a sum: through an iteration, the value it had goes into one update
     * {@code s + e}, {@code e + s} or {@code s - e} — with {@code e} not the sum again — whose
     * result goes to {@code s}, or several in turn, on one path or on alternative ones ({@code if
     * (m < 1) s += 1 - m; else s += ...}), and nowhere else, so the sum's adjoint passes through
     * unchanged. The old value may be copied on first: it waits on the operand stack across a
     * branch ({@code s += c ? a : b}), or in a local ({@code double before = s; ... s = before + e});
     * a copy into a slot no later block reads is no use of it.
     */
    static boolean isSum(MethodIr ir, Activity activity, Liveness live, int h, BitSet body, int s) {
        if (ir.block(h).reads().containsKey(s) || ir.block(h).exitValues().containsKey(s)) return false;
        Map<Integer, BitSet[]> states = sumHolders(ir, h, body, s);
        boolean updated = false;
        for (int b = body.nextSetBit(0); b >= 0; b = body.nextSetBit(b + 1)) {
            if (b == h) continue;
            Block block = ir.block(b);
            BitSet[] state = states.get(b);
            if (state == null) continue; // not reached
            BitSet holds = state[0], spent = state[1];
            Set<Value> sum = sumValues(block, holds);
            for (EntryValue e : block.reads().values()) {
                if (spent.get(e.slot())) return false; // the sum, read a second time on this path
                if (holds.get(e.slot()) && !passesOn(block, activity, live.liveOut(block), e, s, sum)) return false;
            }
            Value toSum = block.exitValues().get(s);
            if (toSum != null) {
                if (updateOf(block, toSum, sum) == null) return false;
                updated = true;
            }
        }
        return updated;
    }

    /**
     * For each block of the loop, on every path there from the header: the slots that hold the
     * sum ({@code s}, or a slot its value was copied into and not overwritten since), and the slots
     * that still hold a value of it already used on that path — reading one would use the sum
     * twice ({@code s += sin(c ? s : x)}: {@code s} waits on the operand stack, and is read again
     * in the branch). javac reuses stack slots (a helper's result, then the old sum beneath the
     * next expression): a slot holds the sum from one point on, not everywhere.
     */
    private static Map<Integer, BitSet[]> sumHolders(MethodIr ir, int h, BitSet body, int s) {
        Map<Integer, BitSet[]> entry = new java.util.TreeMap<>();
        BitSet atHeader = new BitSet();
        atHeader.set(s);
        entry.put(h, new BitSet[] {atHeader, new BitSet()});
        for (boolean changed = true; changed; ) {
            changed = false;
            Map<Integer, BitSet[]> meet = new java.util.TreeMap<>();
            for (int p = body.nextSetBit(0); p >= 0; p = body.nextSetBit(p + 1)) {
                BitSet[] in = entry.get(p);
                if (in == null) continue;
                Block block = ir.block(p);
                boolean used = false;
                for (EntryValue e : block.reads().values()) used |= in[0].get(e.slot());
                BitSet holds = used ? new BitSet() : (BitSet) in[0].clone();
                BitSet spent = (BitSet) in[1].clone();
                if (used) spent.or(in[0]);
                block.exitValues().keySet().forEach(slot -> {
                    holds.clear(slot);
                    spent.clear(slot);
                });
                for (Map.Entry<Integer, Value> exit : block.exitValues().entrySet()) {
                    int slot = exit.getKey();
                    boolean copy = exit.getValue() instanceof EntryValue e && e.block() == p && in[0].get(e.slot());
                    if (copy || slot == s) holds.set(slot); // s is written by updates only (isSum checks)
                }
                for (int next : block.successors()) {
                    if (next == h || !body.get(next)) continue;
                    BitSet[] m = meet.get(next);
                    if (m == null) {
                        meet.put(next, new BitSet[] {(BitSet) holds.clone(), (BitSet) spent.clone()});
                    } else {
                        m[0].and(holds);
                        m[1].or(spent);
                    }
                }
            }
            for (Map.Entry<Integer, BitSet[]> m : meet.entrySet()) {
                BitSet[] old = entry.get(m.getKey()), next = m.getValue();
                if (old != null) { // only ever fewer holders and more spent slots: the iteration ends
                    next[0].and(old[0]);
                    next[1].or(old[1]);
                }
                if (old == null || !old[0].equals(next[0]) || !old[1].equals(next[1])) {
                    entry.put(m.getKey(), next);
                    changed = true;
                }
            }
        }
        return entry;
    }

    /**
     * Whether a block's value {@code e} of the sum has one use: copied on, or the operand of an
     * update whose other operand is not the sum, whose result has one use in turn — the next update
     * of a chain ({@code s += a * a; s -= 0.5 * a;}, {@code s = s + a - b}) — and whose last goes
     * to {@code s} and nowhere else.
     */
    private static boolean passesOn(Block block, Activity activity, BitSet liveOut, EntryValue e, int s, Set<Value> sum) {
        Value v = e;
        while (true) {
            Stmt user = null;
            int uses = 0;
            for (Stmt st : block.stmts()) {
                for (Value a : st.args()) {
                    if (a == v) {
                        uses++;
                        user = st;
                    }
                }
            }
            for (Value a : block.terminator().args()) if (a == v) uses++;
            Integer exitSlot = null;
            for (Map.Entry<Integer, Value> exit : block.exitValues().entrySet()) {
                if (exit.getValue() != v || !liveOut.get(exit.getKey())) continue; // javac's copy, read in this block only
                uses++;
                exitSlot = exit.getKey();
            }
            if (uses != 1) return false;
            if (exitSlot != null && v == e) return exitSlot != s; // the sum as it came, copied on to another slot
            if (exitSlot != null) return exitSlot == s; // the last update of the chain, and it goes to s
            if (user == null || !activity.isActive(user) || !sum.contains(user.result())) return false; // not an update
            v = user.result();
        }
    }

    /**
     * The update in {@code block} whose result is {@code v}: a DADD with exactly one operand a value
     * of the sum ({@link #sumValues}), or a DSUB whose first operand is one and second is not; null
     * for anything else.
     */
    private static Stmt updateOf(Block block, Value v, Set<Value> sum) {
        for (Stmt st : block.stmts()) {
            if (st.result() == v) return sum.contains(v) ? st : null;
        }
        return null;
    }

    /**
     * The block's values of the sum: the slots holding it where the block starts, and the result
     * of each update of one of them, in turn.
     */
    private static Set<Value> sumValues(Block block, BitSet holds) {
        Set<Value> sum = Collections.newSetFromMap(new IdentityHashMap<>());
        for (EntryValue e : block.reads().values()) if (holds.get(e.slot())) sum.add(e);
        for (Stmt st : block.stmts()) {
            boolean first = !st.args().isEmpty() && sum.contains(st.arg(0));
            boolean second = st.args().size() > 1 && sum.contains(st.arg(1));
            boolean update = switch (st.opcode()) {
                case Opcodes.DADD -> first ^ second;
                case Opcodes.DSUB -> first && !second;
                default -> false;
            };
            if (update) sum.add(st.result());
        }
        return sum;
    }
}
