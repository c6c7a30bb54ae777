package org.grad4j.transformer.split;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.grad4j.transformer.analysis.Activity;
import org.grad4j.transformer.analysis.AdjointReads;
import org.grad4j.transformer.analysis.Liveness;
import org.grad4j.transformer.ir.Block;
import org.grad4j.transformer.ir.MethodIr;
import org.grad4j.transformer.ir.Stmt;
import org.grad4j.transformer.ir.Terminator;
import org.grad4j.transformer.ir.Value;
import org.objectweb.asm.Opcodes;

/**
 * The statements of a returned reduction that only form its sum ({@link
 * TapedLoops.Reduction#sumOnly}): when the gradient's top continuation does not read the value
 * ({@code AD.gradient}), the loop may skip them. In Rosenbrock's {@code s += 100 * a * a + b * b}
 * the reverse reads {@code a}, {@code b} and {@code 100 * a}, never {@code 100 * a * a}, {@code b *
 * b} or the sums: per element, two products, two additions and the chain of additions through
 * {@code s}, which bounds how fast the loop runs. A hand-written gradient leaves them out;
 * source-transformation tools find the same by diff-liveness.
 *
 * <p>Per block of the loop but those of its inner sums (which run twice), to a fixpoint: a
 * statement of floating-point arithmetic whose result no adjoint code reads ({@link AdjointReads})
 * and whose every use is a statement of the set, the block's exit value of the sum's slot (read
 * only by updates, copies and the {@code return}: {@link LoopSums}), or the exit value of a slot no
 * later block reads. Never an element read (it may throw) or a call.
 */
final class SumOnlyWork {
    private SumOnlyWork() {}

    /**
     * Whether the sum's value, in slot {@code sum} where block {@code exit} is entered, reaches
     * nothing but the method's result, through arithmetic whose adjoints do not read it: {@code
     * return s;}, and the mean of a loss, {@code return s / n;}, {@code return 0.5 * s + c;}. Then
     * a top continuation that does not keep the result does not need the sum's value either. The
     * values formed from it are followed over every block the exit reaches; a branch on one, a call
     * or an element store taking one, or an adjoint that reads one (a product of two, {@code log s},
     * {@code c / s}) makes the value needed.
     */
    static boolean neededOnlyForResult(MethodIr ir, Activity activity, int exit, int sum) {
        Map<Integer, BitSet> entering = new TreeMap<>(); // by block: the slots holding a value formed from the sum
        java.util.ArrayDeque<Integer> work = new java.util.ArrayDeque<>();
        BitSet first = new BitSet();
        first.set(sum);
        entering.put(exit, first);
        work.add(exit);
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
                if (!isArithmetic(st)) return false;
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

    /** By block, in the order the block runs them, for a loop whose sum {@code sum} only the result needs ({@link #neededOnlyForResult}). */
    static Map<Integer, List<Stmt>> of(MethodIr ir, Activity activity, Liveness live, BitSet body, int sum,
                                       List<TapedLoops.InnerSum> inners) {
        Map<Integer, List<Stmt>> found = new TreeMap<>();
        for (int b = body.nextSetBit(0); b >= 0; b = body.nextSetBit(b + 1)) {
            if (inInner(b, inners)) continue;
            List<Stmt> stmts = inBlock(ir.block(b), activity, live, sum);
            if (!stmts.isEmpty()) found.put(b, List.copyOf(stmts));
        }
        return Collections.unmodifiableMap(found);
    }

    private static boolean inInner(int block, List<TapedLoops.InnerSum> inners) {
        for (TapedLoops.InnerSum in : inners) if (in.body().get(block)) return true;
        return false;
    }

    private static List<Stmt> inBlock(Block block, Activity activity, Liveness live, int sum) {
        Set<Value> readByAdjoints = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Value> shadows = new ArrayList<>(); // what adjoints read of arrays: not asked here
        for (Stmt s : block.stmts()) {
            if (activity.isActive(s)) AdjointReads.of(s, activity, readByAdjoints, shadows);
        }
        Set<Value> escaping = Collections.newSetFromMap(new IdentityHashMap<>()); // used other than by statements
        escaping.addAll(block.terminator().args());
        BitSet liveOut = live.liveOut(block);
        block.exitValues().forEach((slot, v) -> {
            if (slot != sum && liveOut.get(slot)) escaping.add(v);
        });
        Set<Stmt> only = Collections.newSetFromMap(new IdentityHashMap<>());
        Map<Value, Stmt> definedBy = new IdentityHashMap<>();
        for (Stmt s : block.stmts()) {
            if (s.result() != null) definedBy.put(s.result(), s);
            if (isArithmetic(s) && !readByAdjoints.contains(s.result()) && !escaping.contains(s.result())) only.add(s);
        }
        boolean changed = true;
        while (changed) { // drop a statement whose result a statement not in the set reads
            changed = false;
            for (Stmt s : block.stmts()) {
                if (only.contains(s)) continue;
                for (Value a : s.args()) {
                    Stmt d = definedBy.get(a);
                    if (d != null && only.remove(d)) changed = true;
                }
            }
        }
        List<Stmt> inOrder = new ArrayList<>();
        for (Stmt s : block.stmts()) if (only.contains(s)) inOrder.add(s);
        return inOrder;
    }

    /** Floating-point arithmetic and conversions: nothing to throw, nothing but the result. */
    private static boolean isArithmetic(Stmt s) {
        return s.result() != null && switch (s.opcode()) {
            case Opcodes.DADD, Opcodes.DSUB, Opcodes.DMUL, Opcodes.DDIV, Opcodes.DREM, Opcodes.DNEG, Opcodes.FADD,
                    Opcodes.FSUB, Opcodes.FMUL, Opcodes.FDIV, Opcodes.FREM, Opcodes.FNEG, Opcodes.F2D, Opcodes.D2F,
                    Opcodes.I2D, Opcodes.I2F, Opcodes.L2D, Opcodes.L2F -> true;
            default -> false;
        };
    }
}
