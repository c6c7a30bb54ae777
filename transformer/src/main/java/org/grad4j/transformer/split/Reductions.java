package org.grad4j.transformer.split;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import org.grad4j.rules.Rule;
import org.grad4j.transformer.analysis.Activity;
import org.grad4j.transformer.analysis.Callee;
import org.grad4j.transformer.analysis.Cfg;
import org.grad4j.transformer.analysis.Liveness;
import org.grad4j.transformer.ir.Block;
import org.grad4j.transformer.ir.EntryValue;
import org.grad4j.transformer.ir.MethodIr;
import org.grad4j.transformer.ir.Stmt;
import org.grad4j.transformer.ir.Terminator;
import org.grad4j.transformer.ir.Types;
import org.grad4j.transformer.ir.Value;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/** Which counted loops are reductions ({@link TapedLoops.Reduction}): the conditions, checked on the IR. */
final class Reductions {
    private static final Type DOUBLES = Type.getType("[D");

    private Reductions() {}

    /** The counted loop {@code c} as a reduction, or null when it is not one. */
    static TapedLoops.Reduction of(MethodIr ir, Cfg cfg, Activity activity, TapedLoops.CountedLoop c) {
        int h = c.header();
        BitSet body = c.body();
        // once per call: in no other loop
        for (Map.Entry<Integer, BitSet> loop : cfg.loopsByHeader().entrySet()) {
            if (loop.getKey() != h && loop.getValue().get(h)) return null;
        }
        BitSet written = TapedLoops.writtenIn(ir, body);
        BitSet withAdjoints = TapedLoops.adjointSlots(ir, h, body);
        BitSet carried = new Liveness(ir, cfg).liveIn(h);
        int sum = -1;
        List<Integer> temporaries = new ArrayList<>();
        for (int s = written.nextSetBit(0); s >= 0; s = written.nextSetBit(s + 1)) {
            if (!withAdjoints.get(s)) continue;
            if (!carried.get(s)) {
                temporaries.add(s);
            } else if (sum >= 0) {
                return null; // a second value carried: its adjoint changes from iteration to iteration
            } else {
                sum = s;
            }
        }
        Type sumType = sum < 0 ? null : ir.block(h).entryType(sum);
        if (sumType == null || sumType.getSort() != Type.DOUBLE || !isSum(ir, activity, h, body, sum)) return null;
        if (callsItself(ir, activity)) return null; // each level of a recursion would take buffers as long as its arrays
        List<Integer> arrays = new ArrayList<>(), invariants = new ArrayList<>();
        for (int b = body.nextSetBit(0); b >= 0; b = body.nextSetBit(b + 1)) {
            if (b == h) continue; // a counted loop's header has no reverse work
            Block block = ir.block(b);
            for (Value v : block.exitValues().values()) {
                // an array put in a slot here (y = x) would leave the loop with the buffer as its shadow
                if (v.kind() != Types.Kind.SCALAR && v.kind() != Types.Kind.NONE && activity.isActive(v)) return null;
            }
            for (EntryValue e : block.reads().values()) {
                if (!activity.isActive(e)) continue;
                if (e.kind() == Types.Kind.SCALAR) {
                    if (!written.get(e.slot()) && !invariants.contains(e.slot())) invariants.add(e.slot());
                } else if (e.type().equals(DOUBLES) && !written.get(e.slot())) {
                    if (!arrays.contains(e.slot())) arrays.add(e.slot());
                } else {
                    return null; // a tensor, a matrix, an array of floats, an array the loop reassigns
                }
            }
            for (Stmt st : block.stmts()) {
                if (activity.isActive(st) && !isFusable(st, activity, written)) return null;
            }
        }
        return new TapedLoops.Reduction(h, body, c.chains(), c.masked(), sum, List.copyOf(arrays), List.copyOf(invariants),
                List.copyOf(temporaries), returnsSum(ir, h, body, sum), latches(ir, h, body));
    }

    private static int latches(MethodIr ir, int h, BitSet body) {
        int n = 0;
        for (int b = body.nextSetBit(0); b >= 0; b = body.nextSetBit(b + 1)) {
            for (int next : ir.block(b).successors()) if (next == h) n++;
        }
        return n;
    }

    /** Whether the loop's exit is a block that does nothing but {@code return s}. */
    private static boolean returnsSum(MethodIr ir, int h, BitSet body, int sum) {
        for (int next : ir.block(h).successors()) {
            if (body.get(next)) continue;
            Block exit = ir.block(next);
            return exit.stmts().isEmpty() && exit.terminator().kind() == Terminator.Kind.RETURN
                    && exit.terminator().returned() != null && exit.terminator().returned() == exit.reads().get(sum);
        }
        return false;
    }

    private static boolean callsItself(MethodIr ir, Activity activity) {
        for (Block b : ir.blocks()) {
            for (Stmt st : b.stmts()) {
                if (activity.callee(st) instanceof Callee.Differentiated d && d.owner().equals(ir.owner())
                        && d.name().equals(ir.name()) && d.descriptor().equals(ir.descriptor())) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Whether slot {@code s} is a sum: each block of the loop that reads or writes it does both,
     * as {@code s + e}, {@code e + s} or {@code s - e}, and uses the value it read nowhere else —
     * one such block or several ({@code if (m < 1) s += 1 - m; else s += ...}): through each,
     * the sum's adjoint passes unchanged.
     */
    private static boolean isSum(MethodIr ir, Activity activity, int h, BitSet body, int s) {
        boolean updated = false;
        for (int b = body.nextSetBit(0); b >= 0; b = body.nextSetBit(b + 1)) {
            Block block = ir.block(b);
            boolean reads = block.reads().containsKey(s), writes = block.exitValues().containsKey(s);
            if (!reads && !writes) continue;
            if (!reads || !writes || b == h || !updates(block, activity, s)) return false;
            updated = true;
        }
        return updated;
    }

    private static boolean updates(Block block, Activity activity, int s) {
        EntryValue old = block.reads().get(s);
        Value updated = block.exitValues().get(s);
        Stmt update = null;
        int uses = 0, usesOfNew = 0; // the new value goes to s and nowhere else (not t = s, read by a later update)
        for (Stmt st : block.stmts()) {
            if (st.result() == updated) update = st;
            for (Value a : st.args()) {
                if (a == old) uses++;
                if (a == updated) usesOfNew++;
            }
        }
        for (Value a : block.terminator().args()) {
            if (a == old) uses++;
            if (a == updated) usesOfNew++;
        }
        for (Value v : block.exitValues().values()) {
            if (v == old) uses++;
            if (v == updated) usesOfNew++;
        }
        if (update == null || uses != 1 || usesOfNew != 1 || !activity.isActive(update)) return false;
        return switch (update.opcode()) {
            case Opcodes.DADD -> update.arg(0) == old || update.arg(1) == old;
            case Opcodes.DSUB -> update.arg(0) == old;
            default -> false;
        };
    }

    /**
     * An active statement whose reverse only reads values of its iteration and adds to adjoints
     * of values and elements of the loop's arrays: arithmetic, an element of a {@code double[]}
     * the loop does not reassign, a library rule on numbers.
     */
    private static boolean isFusable(Stmt st, Activity activity, BitSet written) {
        return switch (st.opcode()) {
            case Opcodes.DADD, Opcodes.DSUB, Opcodes.DMUL, Opcodes.DDIV, Opcodes.DREM, Opcodes.DNEG, Opcodes.FADD,
                    Opcodes.FSUB, Opcodes.FMUL, Opcodes.FDIV, Opcodes.FREM, Opcodes.FNEG, Opcodes.F2D, Opcodes.D2F,
                    Opcodes.I2D, Opcodes.I2F, Opcodes.D2I, Opcodes.F2I, Opcodes.DCMPL, Opcodes.DCMPG, Opcodes.FCMPL,
                    Opcodes.FCMPG -> true;
            case Opcodes.DALOAD -> st.arg(0) instanceof EntryValue e && e.type().equals(DOUBLES) && !written.get(e.slot());
            case Opcodes.INVOKESTATIC, Opcodes.INVOKEVIRTUAL, Opcodes.INVOKEINTERFACE, Opcodes.INVOKESPECIAL ->
                    activity.callee(st) instanceof Callee.Ruled ruled && isBuiltIn(ruled.rule()) && !activity.isActiveCall(st)
                            && onNumbers(st);
            default -> false;
        };
    }

    /**
     * A rule of grad4j's own: its adjoints are linear in the result's adjoint, so forming them for
     * an adjoint of 1 and scaling afterwards gives the same. A user's {@code @AdjointOf} rule may
     * not be (a gradient clipped to [-1, 1]), nor want to see an adjoint other than the real one.
     */
    private static boolean isBuiltIn(Rule rule) {
        for (int i = 0; i < rule.arity(); i++) {
            Rule.AdjointMethod m = rule.adjoint(i);
            if (m != null && !m.owner().startsWith("org/grad4j/rules/")) return false;
        }
        return true;
    }

    private static boolean onNumbers(Stmt call) {
        if (call.result() == null || call.result().kind() != Types.Kind.SCALAR) return false;
        for (Value a : call.args()) {
            int sort = a.type().getSort();
            if (sort < Type.BOOLEAN || sort > Type.DOUBLE) return false;
        }
        return true;
    }
}
