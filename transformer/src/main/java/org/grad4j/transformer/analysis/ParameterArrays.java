package org.grad4j.transformer.analysis;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import org.grad4j.transformer.ir.Block;
import org.grad4j.transformer.ir.EntryValue;
import org.grad4j.transformer.ir.MethodIr;
import org.grad4j.transformer.ir.Stmt;
import org.grad4j.transformer.ir.Value;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * Which declared parameter an array certainly is, or is a row of: followed through copies
 * between locals (an inlined helper's parameters are the caller's locals) and casts, on every
 * path from the method's entry. Asked only when an array that is not differentiated is about to
 * receive a differentiable value: a work array the caller passed in, which the outermost call of a
 * gradient may then give a shadow of its own ({@code Transformer}, {@code ActivityMask.WORK}).
 */
final class ParameterArrays {
    private static final int UNKNOWN = -1;

    private final MethodIr ir;
    private final Map<Value, Stmt> definitions = new IdentityHashMap<>();
    /** Per block, the parameter each slot certainly holds on entry (UNKNOWN when not one); null: not reached. */
    private final Map<Integer, Integer>[] entry;

    @SuppressWarnings("unchecked")
    private ParameterArrays(MethodIr ir) {
        this.ir = ir;
        this.entry = new Map[ir.size()];
        for (Block b : ir.blocks()) for (Stmt s : b.stmts()) if (s.result() != null) definitions.put(s.result(), s);
    }

    /** The declared parameter (receiver excluded) that {@code array} certainly is or is a row of, or -1. */
    static int parameterOf(MethodIr ir, Value array) {
        ParameterArrays p = new ParameterArrays(ir);
        p.solve();
        return p.resolve(array, 0);
    }

    private void solve() {
        Map<Integer, Integer> start = new HashMap<>();
        int[] slots = ir.parameterSlots();
        int first = ir.isStatic() ? 0 : 1;
        Type[] types = Type.getArgumentTypes(ir.descriptor());
        for (int p = 0; p < types.length; p++) if (types[p].getSort() == Type.ARRAY) start.put(slots[first + p], p);
        entry[0] = start;
        ArrayDeque<Integer> work = new ArrayDeque<>();
        work.add(0);
        while (!work.isEmpty()) {
            Block b = ir.block(work.poll());
            Map<Integer, Integer> out = new HashMap<>(entry[b.index()]);
            for (var e : b.exitValues().entrySet()) out.put(e.getKey(), resolve(e.getValue(), 0));
            for (int succ : b.successors()) {
                Map<Integer, Integer> in = entry[succ];
                if (in == null) {
                    entry[succ] = new HashMap<>(out);
                    work.add(succ);
                    continue;
                }
                boolean changed = false;
                for (var e : in.entrySet()) {
                    Integer o = out.get(e.getKey());
                    if (e.getValue() != UNKNOWN && !e.getValue().equals(o)) {
                        e.setValue(UNKNOWN);
                        changed = true;
                    }
                }
                if (changed) work.add(succ);
            }
        }
    }

    private int resolve(Value v, int depth) {
        if (depth > 64) return UNKNOWN;
        if (v instanceof EntryValue e) {
            Map<Integer, Integer> in = entry[e.block()];
            Integer p = in == null ? null : in.get(e.slot());
            return p == null ? UNKNOWN : p;
        }
        Stmt s = definitions.get(v);
        if (s == null) return UNKNOWN;
        return switch (s.opcode()) {
            case Opcodes.CHECKCAST, Opcodes.AALOAD -> resolve(s.arg(0), depth + 1);
            default -> UNKNOWN;
        };
    }
}
