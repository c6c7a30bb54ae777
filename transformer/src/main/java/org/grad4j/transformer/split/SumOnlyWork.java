package org.grad4j.transformer.split;

import java.util.ArrayList;
import java.util.Arrays;
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
import org.grad4j.transformer.analysis.ResultOnly;
import org.grad4j.transformer.ir.Block;
import org.grad4j.transformer.ir.MethodIr;
import org.grad4j.transformer.ir.Stmt;
import org.grad4j.transformer.ir.Value;

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
 * only by updates, copies and the {@code return}: {@link LoopSums}) or of a slot whose value, from
 * every block entered next, only forms the result too (a stream's compensation, carried beside the
 * sum; a term formed in one block and added in the next), or the exit value of a slot no later
 * block reads. Never an element read (it may throw) or a call.
 */
final class SumOnlyWork {
    private SumOnlyWork() {}

    /** By block, in the order the block runs them, for a loop whose sum {@code sum} only the result needs ({@link ResultOnly#formsOnlyTheResult}). */
    static Map<Integer, List<Stmt>> of(MethodIr ir, Activity activity, Liveness live, BitSet body, int sum,
                                       List<TapedLoops.InnerSum> inners) {
        Map<Integer, List<Stmt>> found = new TreeMap<>();
        Map<Long, Boolean> formsOnlyTheResult = new java.util.HashMap<>(); // by block entered and slot
        for (int b = body.nextSetBit(0); b >= 0; b = body.nextSetBit(b + 1)) {
            if (inInner(b, inners)) continue;
            Block block = ir.block(b);
            // a value that leaves the block only to form the result, beside the sum: the compensation of
            // a stream's sum(), a term computed in one block and added in the next (not where inner sums
            // run twice: their blocks keep everything)
            java.util.function.IntPredicate resultOnly = slot -> inners.isEmpty() && Arrays.stream(block.successors())
                    .allMatch(t -> formsOnlyTheResult.computeIfAbsent((long) t << 32 | slot,
                            k -> ResultOnly.formsOnlyTheResult(ir, activity, t, slot)));
            List<Stmt> stmts = inBlock(block, activity, live, sum, resultOnly);
            if (!stmts.isEmpty()) found.put(b, List.copyOf(stmts));
        }
        return Collections.unmodifiableMap(found);
    }

    private static boolean inInner(int block, List<TapedLoops.InnerSum> inners) {
        for (TapedLoops.InnerSum in : inners) if (in.body().get(block)) return true;
        return false;
    }

    private static List<Stmt> inBlock(Block block, Activity activity, Liveness live, int sum, java.util.function.IntPredicate resultOnly) {
        Set<Value> readByAdjoints = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Value> shadows = new ArrayList<>(); // what adjoints read of arrays: not asked here
        for (Stmt s : block.stmts()) {
            if (activity.isActive(s)) AdjointReads.of(s, activity, readByAdjoints, shadows);
        }
        Set<Value> escaping = Collections.newSetFromMap(new IdentityHashMap<>()); // used other than by statements
        escaping.addAll(block.terminator().args());
        BitSet liveOut = live.liveOut(block);
        block.exitValues().forEach((slot, v) -> {
            if (slot != sum && liveOut.get(slot) && !(v.isScalarDifferentiable() && resultOnly.test(slot))) escaping.add(v);
        });
        Set<Stmt> only = Collections.newSetFromMap(new IdentityHashMap<>());
        Map<Value, Stmt> definedBy = new IdentityHashMap<>();
        for (Stmt s : block.stmts()) {
            if (s.result() != null) definedBy.put(s.result(), s);
            if (ResultOnly.isArithmetic(s) && !readByAdjoints.contains(s.result()) && !escaping.contains(s.result())) only.add(s);
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
}
