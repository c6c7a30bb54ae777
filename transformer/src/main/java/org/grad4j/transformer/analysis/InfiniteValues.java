package org.grad4j.transformer.analysis;

import java.util.BitSet;
import java.util.Set;
import java.util.function.Function;
import org.grad4j.transformer.ir.Block;
import org.grad4j.transformer.ir.Const;
import org.grad4j.transformer.ir.EntryValue;
import org.grad4j.transformer.ir.MethodIr;
import org.grad4j.transformer.ir.Stmt;
import org.grad4j.transformer.ir.Temp;
import org.grad4j.transformer.ir.Value;
import org.objectweb.asm.Opcodes;

/**
 * Which doubles the method itself may make infinite: quotients (a division by zero), the results
 * of functions that overflow or have poles ({@code exp}, {@code cosh}, {@code pow}, {@code log},
 * …) and of differentiated calls, an infinite constant, and what sums, differences and products
 * carry on from them (a forward fixpoint over the blocks, like {@link Activity}'s).
 *
 * <p>Why: a product's adjoint multiplies the result's adjoint by the other factor. Where that
 * factor is infinite and the result's adjoint zero (the product is thrown away: an overflow guard
 * {@code isFinite(t) ? t : x}, a {@code Math.min} that picks the other argument), 0 × ∞ would make
 * the gradient NaN, so such contributions are guarded; where the factor is a value read from an
 * array, a parameter or ordinary arithmetic on them, the guard would only cost time (13 % of the
 * simulation kernel when every product had one). Two huge finite factors overflowing is not
 * followed.
 */
final class InfiniteValues {
    /** Functions whose result may be infinite for a finite argument. */
    private static final Set<String> UNBOUNDED = Set.of("exp", "expm1", "sinh", "cosh", "tan", "pow", "log", "log10",
            "log1p", "scalb", "hypot", "fma");

    private final Function<Stmt, Callee> callees;
    private final BitSet temps = new BitSet();
    private final BitSet[] onEntry;
    private final BitSet[] onExit;

    InfiniteValues(MethodIr ir, Cfg cfg, Function<Stmt, Callee> callees) {
        this.callees = callees;
        onEntry = new BitSet[ir.size()];
        onExit = new BitSet[ir.size()];
        for (int b = 0; b < ir.size(); b++) {
            onEntry[b] = new BitSet();
            onExit[b] = new BitSet();
        }
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int b : cfg.reversePostOrder()) {
                Block block = ir.block(b);
                BitSet in = new BitSet();
                for (int p : cfg.preds(b)) in.or(onExit[p]);
                onEntry[b] = in;
                for (Stmt s : block.stmts()) if (s.result() != null && makes(s)) temps.set(s.result().id());
                BitSet out = (BitSet) in.clone();
                block.exitValues().forEach((slot, v) -> out.set(slot, mayBeInfinite(v)));
                if (!out.equals(onExit[b])) {
                    onExit[b] = out;
                    changed = true;
                }
            }
        }
    }

    /** Whether the value may be infinite (or NaN) though the method's inputs are finite. */
    boolean mayBeInfinite(Value v) {
        if (v instanceof Temp t) return temps.get(t.id());
        if (v instanceof EntryValue e) return onEntry[e.block()].get(e.slot());
        return v instanceof Const c && c.number() != null && Double.isInfinite(c.number().doubleValue());
    }

    private boolean makes(Stmt s) {
        int op = s.opcode();
        return switch (op) {
            case Opcodes.DDIV, Opcodes.FDIV, Opcodes.DREM, Opcodes.FREM -> true;
            case Opcodes.DADD, Opcodes.FADD, Opcodes.DSUB, Opcodes.FSUB, Opcodes.DMUL, Opcodes.FMUL, Opcodes.DNEG,
                    Opcodes.FNEG, Opcodes.F2D, Opcodes.D2F -> anyArgument(s);
            case Opcodes.INVOKESTATIC, Opcodes.INVOKEVIRTUAL, Opcodes.INVOKESPECIAL, Opcodes.INVOKEINTERFACE -> {
                Callee c = callees.apply(s);
                if (c instanceof Callee.Ruled r && r.rule().owner().startsWith("java/lang/")) {
                    yield UNBOUNDED.contains(r.rule().name()) || anyArgument(s) && !isBounded(r.rule().name());
                }
                yield true; // a helper, or a user's rule: anything
            }
            default -> false; // array elements, fields, conversions from int: what the program stored
        };
    }

    /** Functions whose result is finite whatever their argument: sin(∞) is NaN, but tanh(∞) is 1. */
    private static boolean isBounded(String name) {
        return name.equals("tanh") || name.equals("atan") || name.equals("signum");
    }

    private boolean anyArgument(Stmt s) {
        for (Value v : s.args()) if (mayBeInfinite(v)) return true;
        return false;
    }
}
