package org.grad4j.transformer.split;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.grad4j.transformer.analysis.Cfg;
import org.grad4j.transformer.analysis.ReadOnlyArrays;
import org.grad4j.transformer.ir.Block;
import org.grad4j.transformer.ir.Const;
import org.grad4j.transformer.ir.EntryValue;
import org.grad4j.transformer.ir.MethodIr;
import org.grad4j.transformer.ir.Stmt;
import org.grad4j.transformer.ir.Types;
import org.grad4j.transformer.ir.Value;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * What a taped chain's reverse gets back without a pop: values that cheap arithmetic computes
 * again from what the reverse has anyway, elements read again, and entry values of a chain's later
 * blocks that are a value of an earlier block under another name.
 *
 * <p>Tape traffic is what a taped loop costs (Rosenbrock's model: 7 entries per element 33 µs, 3
 * entries 18 µs); the arithmetic is nearly free. The JVM's arithmetic is deterministic, so a value
 * computed again is the same bits.
 *
 * <p>Why the copies: the lifter cuts straight code into blocks of at most 64 instructions, and a
 * value crossing such a cut in a local is an entry value of the next block, a value of its own. A
 * chain (blocks that always run one after another) then pushed the same number once per block it
 * was read in, and an index copied into a scratch local ({@code MutableObjects}' element accesses)
 * was pushed per iteration where the counter it copies comes back counted: n-body's pair loop
 * pushed {@code dx} three times and five copies of {@code i} and {@code j} per pair. An entry value
 * whose slot, where its block starts, holds a value of an earlier block of the same run ({@link
 * #heldInRuns}) is set from that value after the pop ({@link Copy}) instead.
 */
public final class Rematerialisation {
    private Rematerialisation() {}

    /** What the reverse redoes after a chain's pop, in program order: a statement or a copy. */
    public sealed interface Redo permits Recompute, Copy {}

    /** A statement computed again: its result's local gets the same bits as in the forward pass. */
    public record Recompute(Stmt stmt) implements Redo {}

    /**
     * A value set from one the reverse has: an entry value from the value its slot held where its
     * block started, or an element load from an earlier load of the same element; a local to a local.
     */
    public record Copy(Value to, Value from) implements Redo {}

    /**
     * The entry values of the nest's blocks that continue a run (each runs right after its one
     * predecessor, which jumps to it: {@link TapedLoops#continuesChain}) and read a slot holding, where
     * the block starts, a value of an earlier block of the run — its result, or its own entry value
     * — with that value; numbers only (a reference's local has the verifier's type of its value).
     */
    static Map<Value, Value> heldInRuns(MethodIr ir, Cfg cfg, int h, BitSet body) {
        Map<Value, Value> held = new IdentityHashMap<>();
        Map<Value, Value> sameAs = new IdentityHashMap<>(); // references too: to compare the arrays loads read
        for (int b = body.nextSetBit(0); b >= 0; b = body.nextSetBit(b + 1)) {
            for (EntryValue e : ir.block(b).reads().values()) {
                Value v = heldAtStart(ir, cfg, h, body, b, e.slot());
                if (v == null || Types.localSort(v.type()) != Types.localSort(e.type())) continue;
                sameAs.put(e, v);
                if (isNumber(e.type())) held.put(e, v);
            }
        }
        repeatedLoads(ir, cfg, h, body, sameAs, held);
        held.replaceAll((v, holder) -> earliest(holder, held));
        return held;
    }

    /**
     * Adds to {@code held} each element load of a run that reads what an earlier load of the run
     * read — the same array and index, no store or call that may write memory between them — with
     * the earlier load's value. An inlined helper starts a block of its own, so the caller's
     * {@code xp[i]} read again around a second {@code sigmoid(...)} was a value of its own: LSTM's
     * cell pushed {@code xp[i]} and {@code h[i]} twice.
     */
    private static void repeatedLoads(MethodIr ir, Cfg cfg, int h, BitSet body, Map<Value, Value> sameAs,
                                      Map<Value, Value> held) {
        for (int b = body.nextSetBit(0); b >= 0; b = body.nextSetBit(b + 1)) {
            if (TapedLoops.continuesChain(ir, cfg, h, body, b)) continue;
            Map<List<Object>, Value> loaded = new java.util.HashMap<>(); // (opcode, array, index) → the load's value
            for (int x : TapedLoops.runFrom(ir, cfg, h, body, b)) {
                for (Stmt s : ir.block(x).stmts()) {
                    if (s.mayWriteMemory()) loaded.clear();
                    if (!isNumberLoad(s.opcode())) continue;
                    List<Object> key = List.of(s.opcode(), identity(s.arg(0), sameAs), identity(s.arg(1), sameAs));
                    Value earlier = loaded.putIfAbsent(key, s.result());
                    if (earlier != null) {
                        held.put(s.result(), earlier);
                        sameAs.put(s.result(), earlier);
                    }
                }
            }
        }
    }

    /** What identifies an operand of a load: a constant by its value, any other value by the earliest of the run it equals. */
    private static Object identity(Value v, Map<Value, Value> sameAs) {
        if (v instanceof Const c) return List.of(c.type().getDescriptor(), String.valueOf(c));
        return new Identity(earliest(v, sameAs));
    }

    /** A value compared by identity, as a map key beside constants compared by value. */
    private record Identity(Value value) {
        @Override public boolean equals(Object o) { return o instanceof Identity i && i.value == value; }
        @Override public int hashCode() { return System.identityHashCode(value); }
    }

    private static Value earliest(Value v, Map<Value, Value> sameAs) {
        for (Value w = sameAs.get(v); w != null && w != v; w = sameAs.get(v)) v = w;
        return v;
    }

    private static boolean isNumberLoad(int opcode) {
        return switch (opcode) {
            case Opcodes.DALOAD, Opcodes.FALOAD, Opcodes.IALOAD, Opcodes.BALOAD, Opcodes.CALOAD, Opcodes.SALOAD -> true;
            default -> false;
        };
    }

    /** The earliest value of the run that slot {@code slot} holds where block {@code b} starts, or null. */
    private static Value heldAtStart(MethodIr ir, Cfg cfg, int h, BitSet body, int b, int slot) {
        Value found = null;
        while (TapedLoops.continuesChain(ir, cfg, h, body, b)) {
            Block pred = ir.block(cfg.preds(b).get(0));
            Value v = pred.exitValues().get(slot);
            if (v == null) v = pred.reads().get(slot);
            b = pred.index();
            if (v == null) continue; // the slot passes the block untouched: as it was where the block started
            found = v;
            if (!(v instanceof EntryValue e) || e.block() != b) break;
            slot = e.slot(); // the block's own entry value: held by an earlier block, perhaps
        }
        return found;
    }

    private static boolean isNumber(Type t) {
        return t.getSort() >= Type.BOOLEAN && t.getSort() <= Type.DOUBLE && t.getSort() != Type.LONG;
    }

    /**
     * Replaces in {@code saved} each entry value another value holds ({@code held}) by that value
     * (none when it is a value of a slot the nest never writes: still in its local in the reverse),
     * and returns the entry values replaced: the reverse copies them after the pop.
     */
    static Set<Value> byHolders(Set<Value> saved, Map<Value, Value> held, BitSet written) {
        Set<Value> copied = new LinkedHashSet<>();
        for (Value v : List.copyOf(saved)) {
            Value holder = held.get(v);
            if (holder == null) continue;
            saved.remove(v);
            copied.add(v);
            if (!(holder instanceof Const) && !TapedLoops.isInvariant(holder, written)) saved.add(holder);
        }
        return copied;
    }

    /**
     * A saved value that cheap arithmetic computes from what the reverse has anyway (constants,
     * invariants, other saved values, values computed again before it) is computed after the pop
     * instead of pushed — {@code i + 1} beside {@code i}, {@code 1 - x} beside {@code x}. Removes such
     * values from {@code saved} and returns what the reverse redoes, in program order: their
     * statements, and the copies of {@code copied} (entry values of {@code held}) and of those the
     * statements rest on.
     *
     * @param fixed values the reverse has from a record pushed once (a counted loop's), not per run
     * @param fixedUsed receives the {@code fixed} values the statements rest on
     */
    static List<Redo> redone(MethodIr ir, List<Integer> blocks, Set<Value> saved, BitSet written, ReadOnlyArrays readOnly,
                             Predicate<Value> fixed, Set<Value> fixedUsed, Map<Value, Value> held, Set<Value> copied) {
        Map<Value, Stmt> defs = new IdentityHashMap<>();
        for (int b : blocks) for (Stmt s : ir.block(b).stmts()) if (s.result() != null) defs.put(s.result(), s);
        Lookup lookup = new Lookup(defs, saved, written, readOnly, fixed, held);
        Set<Object> redone = identitySet(); // statements and copied entry values
        redone.addAll(copied);
        List<Value> candidates = new ArrayList<>(saved);
        Collections.reverse(candidates); // later values first: they may rest on earlier saved ones
        for (Value v : candidates) {
            Set<Object> needed = identitySet();
            Set<Value> neededFixed = new LinkedHashSet<>();
            saved.remove(v);
            if (lookup.obtainable(v, redone, needed, neededFixed, 0)) {
                redone.addAll(needed);
                fixedUsed.addAll(neededFixed);
            } else {
                saved.add(v);
            }
        }
        List<Redo> inOrder = new ArrayList<>();
        for (int b : blocks) {
            for (EntryValue e : ir.block(b).reads().values()) if (redone.contains(e)) inOrder.add(new Copy(e, held.get(e)));
            for (Stmt s : ir.block(b).stmts()) {
                if (redone.contains(s)) inOrder.add(new Recompute(s));
                else if (s.result() != null && redone.contains(s.result())) inOrder.add(new Copy(s.result(), held.get(s.result())));
            }
        }
        return inOrder;
    }

    private static Set<Object> identitySet() {
        return Collections.newSetFromMap(new IdentityHashMap<>());
    }

    private record Lookup(Map<Value, Stmt> defs, Set<Value> saved, BitSet written, ReadOnlyArrays readOnly,
                          Predicate<Value> fixed, Map<Value, Value> held) {
        /**
         * Whether {@code v} is available in the reverse without a push; the statements to compute
         * again and entry values to copy go to {@code needed}, the {@code fixed} values to {@code neededFixed}.
         */
        boolean obtainable(Value v, Set<Object> redone, Set<Object> needed, Set<Value> neededFixed, int depth) {
            if (v instanceof Const || TapedLoops.isInvariant(v, written) || saved.contains(v)) return true;
            if (fixed.test(v)) {
                neededFixed.add(v);
                return true;
            }
            if (redone.contains(v) || needed.contains(v)) return true;
            Value holder = held.get(v);
            if (holder != null) {
                if (!obtainable(holder, redone, needed, neededFixed, depth)) return false;
                needed.add(v);
                return true;
            }
            Stmt s = defs.get(v);
            if (s == null || depth > 3 || !(isCheap(s) || isReload(s, readOnly))) return false;
            if (redone.contains(s) || needed.contains(s)) return true;
            for (Value a : s.args()) if (!obtainable(a, redone, needed, neededFixed, depth + 1)) return false;
            needed.add(s);
            return true;
        }
    }

    /** Arithmetic that costs a cycle or so and cannot throw: worth redoing rather than storing. */
    static boolean isCheap(Stmt s) {
        return switch (s.opcode()) {
            case Opcodes.DADD, Opcodes.DSUB, Opcodes.DMUL, Opcodes.DNEG, Opcodes.FADD, Opcodes.FSUB, Opcodes.FMUL,
                    Opcodes.FNEG, Opcodes.F2D, Opcodes.D2F, Opcodes.I2D, Opcodes.I2F, Opcodes.IADD, Opcodes.ISUB,
                    Opcodes.IMUL, Opcodes.INEG, Opcodes.ISHL, Opcodes.ISHR, Opcodes.IUSHR, Opcodes.IAND, Opcodes.IOR,
                    Opcodes.IXOR, Opcodes.IINC -> true;
            default -> false;
        };
    }

    /**
     * An element of an array that stays as it is until the reverse has run ({@link ReadOnlyArrays}:
     * read-only, or settled where it is read):
     * read again after the pop, at the index the forward pass read (so it cannot throw), instead
     * of pushed — Rosenbrock then pushes {@code i} alone, not {@code x[i]} and what depends on it.
     */
    private static boolean isReload(Stmt s, ReadOnlyArrays readOnly) {
        return isNumberLoad(s.opcode()) && readOnly.rereadable(s);
    }
}
