package org.grad4j.transformer.analysis;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.grad4j.transformer.ir.Block;
import org.grad4j.transformer.ir.MethodIr;
import org.grad4j.transformer.ir.Stmt;
import org.grad4j.transformer.ir.Terminator;
import org.grad4j.transformer.ir.Value;
import org.objectweb.asm.Opcodes;

/**
 * Whether only the method's result needs a value: what a loop that sums may skip when the
 * result is not read ({@code split.SumOnlyWork}), and whether a call's continuation may tell its
 * callee so ({@code runtime.ValueUnread}).
 */
public final class ResultOnly {
    private ResultOnly() {}

    /**
     * Whether the value in {@code slot} where block {@code from} is entered (a loop's sum after the
     * loop, a call's result after the call) reaches nothing but the method's result, through
     * arithmetic whose adjoints do not read it: {@code return s;}, and the mean of a loss, {@code
     * return s / n;}, {@code return 0.5 * s + c;}. Then a continuation that does not read the
     * result does not need this value either. The values formed from it are followed over every
     * block {@code from} reaches, through arithmetic and grad4j's own rules on numbers ({@link
     * Activity#isOwnRuleOnNumbers}: a fused stream's {@code StreamSums.value(high, low, simple)},
     * whose adjoint loads none of its arguments); a branch on one, another call or an element store
     * taking one, or an adjoint that reads one (a product of two, {@code log s}, {@code c / s})
     * makes it needed.
     */
    public static boolean formsOnlyTheResult(MethodIr ir, Activity activity, int from, int slot) {
        Map<Integer, BitSet> entering = new TreeMap<>(); // by block: the slots holding a value formed from it
        ArrayDeque<Integer> work = new ArrayDeque<>();
        BitSet first = new BitSet();
        first.set(slot);
        entering.put(from, first);
        work.add(from);
        while (!work.isEmpty()) {
            Block block = ir.block(work.poll());
            BitSet carried = entering.get(block.index());
            Set<Value> formed = Collections.newSetFromMap(new IdentityHashMap<>());
            for (var e : block.reads().entrySet()) if (carried.get(e.getKey())) formed.add(e.getValue());
            Set<Value> readByAdjoints = Collections.newSetFromMap(new IdentityHashMap<>());
            List<Value> shadows = new ArrayList<>();
            for (Stmt st : block.stmts()) {
                if (activity.isActive(st)) AdjointReads.of(st, activity, readByAdjoints, shadows);
                boolean takesOne = false;
                for (Value a : st.args()) takesOne |= formed.contains(a);
                if (!takesOne) continue;
                if (!isArithmetic(st) && !activity.isOwnRuleOnNumbers(st)) return false;
                formed.add(st.result());
            }
            for (Value v : formed) if (readByAdjoints.contains(v)) return false;
            Terminator t = block.terminator();
            if (t.kind() != Terminator.Kind.RETURN) {
                for (Value a : t.args()) if (formed.contains(a)) return false;
            }
            BitSet leaving = (BitSet) carried.clone();
            for (var e : block.exitValues().entrySet()) {
                if (formed.contains(e.getValue())) leaving.set(e.getKey());
                else leaving.clear(e.getKey());
            }
            for (int next : block.successors()) {
                BitSet known = entering.get(next);
                if (known == null) {
                    entering.put(next, (BitSet) leaving.clone());
                    work.add(next);
                } else if (!isSubset(leaving, known)) {
                    known.or(leaving);
                    work.add(next);
                }
            }
        }
        return true;
    }

    private static boolean isSubset(BitSet a, BitSet b) {
        BitSet extra = (BitSet) a.clone();
        extra.andNot(b);
        return extra.isEmpty();
    }

    /** Floating-point arithmetic and conversions: nothing to throw, nothing but the result. */
    public static boolean isArithmetic(Stmt s) {
        return s.result() != null && switch (s.opcode()) {
            case Opcodes.DADD, Opcodes.DSUB, Opcodes.DMUL, Opcodes.DDIV, Opcodes.DREM, Opcodes.DNEG, Opcodes.FADD,
                    Opcodes.FSUB, Opcodes.FMUL, Opcodes.FDIV, Opcodes.FREM, Opcodes.FNEG, Opcodes.F2D, Opcodes.D2F,
                    Opcodes.I2D, Opcodes.I2F, Opcodes.L2D, Opcodes.L2F -> true;
            default -> false;
        };
    }
}
