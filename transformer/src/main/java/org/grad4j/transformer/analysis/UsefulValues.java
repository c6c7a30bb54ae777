package org.grad4j.transformer.analysis;

import java.util.BitSet;
import java.util.List;
import java.util.function.Function;
import org.grad4j.rules.Rule;
import org.grad4j.transformer.ir.Block;
import org.grad4j.transformer.ir.EntryValue;
import org.grad4j.transformer.ir.MethodIr;
import org.grad4j.transformer.ir.Stmt;
import org.grad4j.transformer.ir.Temp;
import org.grad4j.transformer.ir.Types;
import org.grad4j.transformer.ir.Value;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.MethodInsnNode;

/**
 * The backward half of activity analysis: which values may pass a derivative on towards the
 * method's results ("useful" values). A double that is only compared, cast to an int, rounded or
 * tested with {@code Double.isNaN} — directly or through arithmetic whose results are only used
 * so — has an adjoint that is identically zero. {@link Activity} gives the statements computing
 * such values no adjoint code: it would be wasted, and where the value is infinite at the point (a
 * guard {@code Math.exp(1000 * w) > 1e300}, a relative change divided by an iterate that starts at
 * zero) it would make the gradient NaN, since 0 × ∞ is NaN. Slots keep the activity the forward
 * analysis gives them: a block that overwrites a slot which may hold an active value is where the
 * slot's adjoint is dropped, useful or not.
 *
 * <p>Any other use is taken to be useful: returns, stores into arrays and fields, calls that are
 * not pure scalar functions, text. Only doubles and floats are ever found useless; a slot is
 * useful on entry to a block where a useful use may read the value it holds there.
 */
final class UsefulValues {
    private final Function<Stmt, Callee> callees;
    private final BitSet usefulTemps = new BitSet();
    /** Per block, the slots whose value on entry is useful (read usefully there, or passed through to a useful use). */
    private final BitSet[] usefulOnEntry;

    UsefulValues(MethodIr ir, Cfg cfg, Function<Stmt, Callee> callees) {
        this.callees = callees;
        usefulOnEntry = new BitSet[ir.size()];
        for (int b = 0; b < ir.size(); b++) usefulOnEntry[b] = new BitSet();
        int[] rpo = cfg.reversePostOrder();
        boolean changed = true;
        while (changed) { // every set only grows: a fixpoint
            changed = false;
            for (int i = rpo.length - 1; i >= 0; i--) changed |= visit(ir.block(rpo[i]));
        }
    }

    /** Whether {@code v} is a double or float whose adjoint is known to be zero. */
    boolean isUseless(Value v) {
        if (!v.isScalarDifferentiable()) return false;
        if (v instanceof Temp t) return !usefulTemps.get(t.id());
        return v instanceof EntryValue e && !usefulOnEntry[e.block()].get(e.slot());
    }

    /** Whether the value slot {@code slot} holds on entry to {@code block} has an adjoint known to be zero (see {@link #isUseless}). */
    boolean isUselessOnEntry(int block, int slot) {
        return !usefulOnEntry[block].get(slot);
    }

    private boolean visit(Block block) {
        BitSet before = (BitSet) usefulOnEntry[block.index()].clone();
        int tempsBefore = usefulTemps.cardinality();
        BitSet usefulOnExit = new BitSet();
        for (int succ : block.successors()) usefulOnExit.or(usefulOnEntry[succ]);
        BitSet passedThrough = (BitSet) usefulOnExit.clone();
        block.exitValues().forEach((slot, v) -> {
            passedThrough.clear(slot);
            if (usefulOnExit.get(slot)) markUseful(v);
        });
        usefulOnEntry[block.index()].or(passedThrough);
        List<Stmt> stmts = block.stmts();
        for (int i = stmts.size() - 1; i >= 0; i--) {
            Stmt s = stmts.get(i);
            switch (use(s)) {
                case ALWAYS -> s.args().forEach(this::markUseful);
                case IF_RESULT_IS -> {
                    if (!usefulTemps.get(s.result().id())) break;
                    // a rule passes the derivative only to the arguments it has adjoints for (copySign's magnitude)
                    Rule rule = s.insn() instanceof MethodInsnNode && callees.apply(s) instanceof Callee.Ruled ruled ? ruled.rule() : null;
                    for (int a = 0; a < s.args().size(); a++) {
                        if (rule == null || rule.adjoint(a) != null) markUseful(s.args().get(a));
                    }
                }
                case NEVER -> { }
            }
        }
        block.terminator().args().forEach(this::markUseful);
        return !usefulOnEntry[block.index()].equals(before) || usefulTemps.cardinality() != tempsBefore;
    }

    private void markUseful(Value v) {
        if (v instanceof Temp t) usefulTemps.set(t.id());
        else if (v instanceof EntryValue e) usefulOnEntry[e.block()].set(e.slot());
    }

    private enum Use { ALWAYS, IF_RESULT_IS, NEVER }

    /** How a statement uses its arguments: whether a derivative can pass back through it to them. */
    private Use use(Stmt s) {
        int op = s.opcode();
        if (op >= Opcodes.IADD && op <= Opcodes.DNEG && Activity.isFloatingArithmetic(op)) return Use.IF_RESULT_IS;
        switch (op) {
            case Opcodes.F2D, Opcodes.D2F:
                return Use.IF_RESULT_IS;
            case Opcodes.DCMPL, Opcodes.DCMPG, Opcodes.FCMPL, Opcodes.FCMPG, Opcodes.D2I, Opcodes.D2L, Opcodes.F2I, Opcodes.F2L:
                return Use.NEVER;
            case Opcodes.INVOKESTATIC, Opcodes.INVOKEVIRTUAL, Opcodes.INVOKEINTERFACE, Opcodes.INVOKESPECIAL:
                return callUse(s);
            default:
                return Use.ALWAYS;
        }
    }

    private Use callUse(Stmt s) {
        for (Value v : s.args()) if (!isPrimitive(v.type())) return Use.ALWAYS; // tensors, arrays, receivers
        Type result = s.result() == null ? Type.VOID_TYPE : s.result().type();
        Callee callee = callees.apply(s);
        if (callee instanceof Callee.Ruled ruled) { // Math.sin, Math.pow, Math.floor, a user's own rule
            if (!Activity.hasAdjoint(ruled.rule())) return Use.NEVER;
            return Types.isScalarDifferentiable(result) ? Use.IF_RESULT_IS : Use.ALWAYS;
        }
        if (callee instanceof Callee.Plain && isIntegral(result) && isNumberPredicate((MethodInsnNode) s.insn())) {
            return Use.NEVER; // Double.isNaN(q), Double.compare(a, b), Math.round(q)
        }
        return Use.ALWAYS;
    }

    /** A static method of the JDK's number classes that answers a question about its arguments. */
    private static boolean isNumberPredicate(MethodInsnNode m) {
        boolean numberClass = m.owner.equals("java/lang/Double") || m.owner.equals("java/lang/Float")
                || m.owner.equals("java/lang/Math") || m.owner.equals("java/lang/StrictMath");
        return numberClass && m.getOpcode() == Opcodes.INVOKESTATIC
                && !Activity.BIT_REINTERPRETATION.contains(m.owner + "." + m.name); // Activity refuses those
    }

    private static boolean isPrimitive(Type t) {
        return t.getSort() >= Type.BOOLEAN && t.getSort() <= Type.DOUBLE;
    }

    private static boolean isIntegral(Type t) {
        return t.getSort() >= Type.BOOLEAN && t.getSort() <= Type.LONG && t.getSort() != Type.FLOAT;
    }
}
