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
 *
 * <p>The same question is asked of arrays from elsewhere: a value defined here that the caller
 * calls a source (an array of numbers read from a field, returned by a call run as written, a row
 * of a data matrix: what has no shadow here). Each source has a bit of its own above the
 * parameters', so an array merged from one ({@code h = c ? FIELD : new double[n]}) is known to
 * be it on some path, where a store would lose its derivative.
 */
final class ParameterArrays {
    private final MethodIr ir;
    private final Map<Value, Stmt> definitions = new IdentityHashMap<>();
    /** Whether a value defined here is an array from elsewhere, without a shadow. */
    private final java.util.function.Predicate<Value> isSource;
    /** Whether a value has a shadow here. */
    private final java.util.function.Predicate<Value> isTracked;
    /** The sources met so far; the bit of {@code sources.get(i)} is {@code parameters + i}. */
    private final java.util.List<Value> sources = new java.util.ArrayList<>();
    private final Map<Value, Integer> sourceBits = new IdentityHashMap<>();
    private final int parameters;
    /** Per block, the parameters each slot may hold on entry; null: not reached. */
    private final Map<Integer, BitSet>[] entry;
    /** Parameters that may be stored into an array as a row: a row read from any array may be one. */
    private final BitSet rows = new BitSet();

    @SuppressWarnings("unchecked")
    private ParameterArrays(MethodIr ir, java.util.function.Predicate<Value> isSource, java.util.function.Predicate<Value> isTracked) {
        this.ir = ir;
        this.isSource = isSource;
        this.isTracked = isTracked;
        this.parameters = Type.getArgumentTypes(ir.descriptor()).length;
        this.entry = new Map[ir.size()];
        for (Block b : ir.blocks()) for (Stmt s : b.stmts()) if (s.result() != null) definitions.put(s.result(), s);
    }

    /**
     * The analysis of {@code ir}'s arrays, to a fixpoint; {@code isSource} names the arrays from
     * elsewhere, {@code isTracked} the values with a shadow.
     */
    static ParameterArrays of(MethodIr ir, java.util.function.Predicate<Value> isSource, java.util.function.Predicate<Value> isTracked) {
        ParameterArrays p = new ParameterArrays(ir, isSource, isTracked);
        while (true) {
            p.solve();
            BitSet stored = new BitSet();
            for (Block b : ir.blocks()) {
                for (Stmt s : b.stmts()) {
                    if (s.opcode() != Opcodes.AASTORE) continue;
                    BitSet row = p.resolve(s.arg(2), 0);
                    // a row stored into a matrix without a shadow is reached through that matrix, itself a source
                    if (!p.isTracked.test(s.arg(0))) row.clear(p.parameters, Math.max(p.parameters, row.length()));
                    stored.or(row);
                }
            }
            stored.andNot(p.rows);
            if (stored.isEmpty()) return p;
            p.rows.or(stored);
        }
    }

    /** The declared parameters (receiver excluded) that {@code array} may be, or be a row of. */
    BitSet parametersOf(Value array) {
        BitSet may = resolve(array, 0);
        may.clear(parameters, Math.max(parameters, may.length()));
        return may;
    }

    /** The arrays from elsewhere (see {@code isSource}) that {@code array} may be, or be a row of. */
    java.util.List<Value> sourcesOf(Value array) {
        BitSet may = resolve(array, 0);
        java.util.List<Value> of = new java.util.ArrayList<>();
        for (int i = may.nextSetBit(parameters); i >= 0; i = may.nextSetBit(i + 1)) of.add(sources.get(i - parameters));
        return of;
    }

    private BitSet source(Value v) {
        int bit = sourceBits.computeIfAbsent(v, added -> {
            sources.add(added);
            return parameters + sources.size() - 1;
        });
        BitSet only = new BitSet();
        only.set(bit);
        return only;
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
        BitSet may = follow(s, depth);
        if (isSource.test(v)) may.or(source(v)); // identity(buf) run as written: buf, or an array from elsewhere
        return may;
    }

    /** {@code Arrays.copyOf(a, n)}, {@code a.clone()}: a new array, never the one given (its rows are, for a matrix). */
    private static boolean isFreshCopy(org.objectweb.asm.tree.MethodInsnNode call) {
        boolean copy = call.owner.equals("java/util/Arrays") && (call.name.equals("copyOf") || call.name.equals("copyOfRange"))
                || call.owner.startsWith("[") && call.name.equals("clone");
        return copy && Type.getReturnType(call.desc).getDimensions() == 1;
    }

    private BitSet follow(Stmt s, int depth) {
        BitSet none = new BitSet();
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
                if (s.result().type().getSort() != Type.ARRAY || isFreshCopy((org.objectweb.asm.tree.MethodInsnNode) s.insn())) {
                    return none;
                }
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
