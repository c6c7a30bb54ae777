package org.grad4j.transformer.analysis;

import java.util.ArrayDeque;
import java.util.BitSet;
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
 * Which declared array parameters an array may be, or be a row of: followed through copies
 * between locals (an inlined helper's parameters are the caller's locals, {@code tmp = a; a = b;
 * b = tmp} swaps them), merges ({@code h = buf != null ? buf : new double[n]}), casts, rows (a row
 * of any array may be any parameter stored into an array as a row, {@code double[][] m = {h}}) and
 * calls returning an array (they may return an argument). Asked where a differentiable value goes
 * into an array: when that array may be a parameter that is not differentiated, the value would be
 * stored without a shadow — a work array the caller passed in, which the entry of a gradient may
 * then give a shadow of its own ({@code Transformer}, {@code ActivityMask.WORK}).
 */
final class ParameterArrays {
    private final MethodIr ir;
    private final Map<Value, Stmt> definitions = new IdentityHashMap<>();
    /** Per block, the parameters each slot may hold on entry; null: not reached. */
    private final Map<Integer, BitSet>[] entry;
    /** Parameters that may be stored into an array as a row: a row read from any array may be one. */
    private final BitSet rows = new BitSet();

    @SuppressWarnings("unchecked")
    private ParameterArrays(MethodIr ir) {
        this.ir = ir;
        this.entry = new Map[ir.size()];
        for (Block b : ir.blocks()) for (Stmt s : b.stmts()) if (s.result() != null) definitions.put(s.result(), s);
    }

    /** The analysis of {@code ir}'s arrays, to a fixpoint. */
    static ParameterArrays of(MethodIr ir) {
        ParameterArrays p = new ParameterArrays(ir);
        while (true) {
            p.solve();
            BitSet stored = new BitSet();
            for (Block b : ir.blocks()) {
                for (Stmt s : b.stmts()) if (s.opcode() == Opcodes.AASTORE) stored.or(p.resolve(s.arg(2), 0));
            }
            stored.andNot(p.rows);
            if (stored.isEmpty()) return p;
            p.rows.or(stored);
        }
    }

    /** The declared parameters (receiver excluded) that {@code array} may be, or be a row of. */
    BitSet parametersOf(Value array) {
        return resolve(array, 0);
    }

    private void solve() {
        java.util.Arrays.fill(entry, null);
        Map<Integer, BitSet> start = new HashMap<>();
        int[] slots = ir.parameterSlots();
        int first = ir.isStatic() ? 0 : 1;
        Type[] types = Type.getArgumentTypes(ir.descriptor());
        for (int p = 0; p < types.length; p++) {
            if (types[p].getSort() != Type.ARRAY) continue;
            BitSet only = new BitSet();
            only.set(p);
            start.put(slots[first + p], only);
        }
        entry[0] = start;
        ArrayDeque<Integer> work = new ArrayDeque<>();
        work.add(0);
        while (!work.isEmpty()) {
            Block b = ir.block(work.poll());
            Map<Integer, BitSet> out = new HashMap<>(entry[b.index()]);
            for (var e : b.exitValues().entrySet()) out.put(e.getKey(), resolve(e.getValue(), 0));
            for (int succ : b.successors()) {
                Map<Integer, BitSet> in = entry[succ];
                if (in == null) {
                    in = entry[succ] = new HashMap<>();
                    for (var e : out.entrySet()) in.put(e.getKey(), (BitSet) e.getValue().clone());
                    work.add(succ);
                    continue;
                }
                boolean changed = false;
                for (var e : out.entrySet()) {
                    BitSet have = in.computeIfAbsent(e.getKey(), k -> new BitSet());
                    BitSet before = (BitSet) have.clone();
                    have.or(e.getValue());
                    changed |= !have.equals(before);
                }
                if (changed) work.add(succ);
            }
        }
    }

    private BitSet resolve(Value v, int depth) {
        BitSet none = new BitSet();
        if (depth > 64) return none;
        if (v instanceof EntryValue e) {
            Map<Integer, BitSet> in = entry[e.block()];
            BitSet p = in == null ? null : in.get(e.slot());
            return p == null ? none : (BitSet) p.clone();
        }
        Stmt s = definitions.get(v);
        if (s == null) return none;
        switch (s.opcode()) {
            case Opcodes.CHECKCAST -> {
                return resolve(s.arg(0), depth + 1);
            }
            case Opcodes.AALOAD -> {
                BitSet p = resolve(s.arg(0), depth + 1);
                p.or(rows);
                return p;
            }
            case Opcodes.INVOKESTATIC, Opcodes.INVOKEVIRTUAL, Opcodes.INVOKESPECIAL, Opcodes.INVOKEINTERFACE -> {
                if (s.result().type().getSort() != Type.ARRAY) return none;
                BitSet p = new BitSet(); // a call may return an array it is given, or a row of one
                for (Value a : s.args()) {
                    if (a.type().getSort() == Type.ARRAY) p.or(resolve(a, depth + 1));
                    if (a.type().getSort() == Type.ARRAY && a.type().getDimensions() > 1 || a.type().getSort() == Type.OBJECT) {
                        p.or(rows);
                    }
                }
                return p;
            }
            default -> {
                return none;
            }
        }
    }
}
