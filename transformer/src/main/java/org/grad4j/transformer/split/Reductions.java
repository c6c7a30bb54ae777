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
import org.grad4j.transformer.analysis.ReadOnlyArrays;
import org.grad4j.transformer.analysis.ResultOnly;
import org.grad4j.transformer.analysis.ReturnedAsIs;
import org.grad4j.transformer.ir.Block;
import org.grad4j.transformer.ir.EntryValue;
import org.grad4j.transformer.ir.MethodIr;
import org.grad4j.transformer.ir.Stmt;
import org.grad4j.transformer.ir.Terminator;
import org.grad4j.transformer.ir.Types;
import org.grad4j.transformer.ir.Value;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * Which loops of one method are reductions ({@link TapedLoops.Reduction}): the conditions,
 * checked on the IR. One per method variant being split: its liveness is computed once, when a
 * loop first needs it.
 */
final class Reductions {
    private static final Type DOUBLES = Type.getType("[D");

    private final MethodIr ir;
    private final Cfg cfg;
    private final Activity activity;
    private Liveness live;

    Reductions(MethodIr ir, Cfg cfg, Activity activity) {
        this.ir = ir;
        this.cfg = cfg;
        this.activity = activity;
    }

    private Liveness live() {
        if (live == null) live = new Liveness(ir, cfg);
        return live;
    }

    /** The counted loop {@code c} as a reduction, or null when it is not one. */
    TapedLoops.Reduction of(TapedLoops.CountedLoop c) {
        int h = c.header();
        BitSet body = c.body();
        if (inAnotherLoop(h) || callsItself()) return null;
        BitSet written = TapedLoops.writtenIn(ir, body);
        List<Integer> temporaries = new ArrayList<>();
        int sum = carriedSum(h, body, written, live().liveIn(h), temporaries);
        if (sum < 0 || !LoopSums.isSum(ir, activity, live(), h, body, sum)) return null; // none, or a second value carried
        List<Integer> arrays = new ArrayList<>(), invariants = new ArrayList<>();
        if (!readsOnlyNumbers(h, body, written, false, arrays, invariants)) return null;
        List<TapedLoops.Unit> units = new ArrayList<>();
        for (TapedLoops.Chain chain : c.chains()) units.add(new TapedLoops.Unit(chain, null));
        boolean returned = returnsSum(h, body, sum);
        return new TapedLoops.Reduction(h, body, c.chains(), c.masked(), sum, List.copyOf(arrays), List.copyOf(invariants),
                List.copyOf(temporaries), returned, sumOnly(h, body, sum, List.of()), latches(h, body),
                List.copyOf(units));
    }

    /**
     * The nest headed by {@code h} as a reduction whose inner loops sum too ({@link
     * TapedLoops.InnerSum}), or null: the loop over samples of a regression, {@code z = b; for (j)
     * z += w[j] * x[i][j]; loss += f(z - y[i]);}. Beyond a reduction's conditions: only the header
     * leaves the nest; no statement of the nest stores into an array or a field or calls what may
     * write one (an inner loop runs twice and must read the same); each inner loop is innermost,
     * one straight chain with one jump back, and carries one sum.
     */
    TapedLoops.Reduction ofNest(int h, BitSet body, List<TapedLoops.Chain> chains) {
        if (inAnotherLoop(h) || callsItself()) return null;
        for (TapedLoops.Chain c : chains) if (c.blocks().contains(h)) return null; // the header has reverse work
        for (int b = body.nextSetBit(0); b >= 0; b = body.nextSetBit(b + 1)) {
            if (b == h) continue;
            for (int next : ir.block(b).successors()) if (!body.get(next)) return null; // only the header leaves
        }
        BitSet written = TapedLoops.writtenIn(ir, body);
        List<Integer> temporaries = new ArrayList<>();
        int sum = carriedSum(h, body, written, live().liveIn(h), temporaries);
        if (sum < 0 || !LoopSums.isSum(ir, activity, live(), h, body, sum)) return null;
        List<TapedLoops.InnerSum> inners = new ArrayList<>();
        for (Map.Entry<Integer, BitSet> loop : cfg.loopsByHeader().entrySet()) {
            if (loop.getKey() == h || !body.get(loop.getKey())) continue;
            TapedLoops.InnerSum inner = innerSum(loop.getKey(), loop.getValue(), chains, written);
            if (inner == null) return null;
            inners.add(inner);
        }
        if (inners.isEmpty()) return null;
        List<Integer> arrays = new ArrayList<>(), invariants = new ArrayList<>();
        if (!readsOnlyNumbers(h, body, written, true, arrays, invariants)) return null;
        List<TapedLoops.Unit> units = unitsInOrder(h, body, inners, chains);
        if (units == null) return null;
        boolean returned = returnsSum(h, body, sum);
        return new TapedLoops.Reduction(h, body, List.copyOf(chains), true, sum, List.copyOf(arrays), List.copyOf(invariants),
                List.copyOf(temporaries), returned, sumOnly(h, body, sum, inners), latches(h, body), units);
    }

    /** A loop inside another runs once per iteration of that one: its buffers would cost a pass each time. */
    private boolean inAnotherLoop(int h) {
        for (Map.Entry<Integer, BitSet> loop : cfg.loopsByHeader().entrySet()) {
            if (loop.getKey() != h && loop.getValue().get(h)) return true;
        }
        return false;
    }

    /**
     * Whether the loop's blocks but its header read only numbers and arrays of them the loop does
     * not write (or other names for those, {@link #aliases}), collecting them, and do only fusable
     * active work ({@link #isFusable}); with {@code writesNothing} (a nest whose inner loops run
     * twice), no store into an array or a field and no call that may write an array either.
     */
    private boolean readsOnlyNumbers(int h, BitSet body, BitSet written, boolean writesNothing, List<Integer> arrays,
                                     List<Integer> invariants) {
        BitSet aliases = aliases(body, written, live().liveIn(h));
        for (int b = body.nextSetBit(0); b >= 0; b = body.nextSetBit(b + 1)) {
            if (b == h) continue; // no reverse work in the header
            Block block = ir.block(b);
            if (!collectReads(block, written, aliases, arrays, invariants)) return false;
            for (Stmt st : block.stmts()) {
                if (writesNothing && (isStore(st) || st.opcode() == Opcodes.PUTFIELD || st.opcode() == Opcodes.PUTSTATIC
                        || st.isInvoke() && ReadOnlyArrays.mayWriteArrays(st, activity))) {
                    return false;
                }
                if (activity.isActive(st) && !isFusable(st, written, aliases)) return false;
            }
        }
        return true;
    }

    /**
     * The one slot with an adjoint that the loop writes and carries to its next iteration (live at
     * its header), a {@code double}; -1 when there is none or more. The others it writes go to
     * {@code temporaries}: those it does not carry, and those it carries whose value at the header
     * passes no derivative on ({@link Activity#carriesNoDerivative}: the compensation of a stream's
     * {@code sum()}, which runs beside the simple sum its derivative passes through) — their adjoints
     * are zero where an iteration ends, so each iteration's reverse starts them at zero.
     */
    private int carriedSum(int h, BitSet body, BitSet written, BitSet live, List<Integer> temporaries) {
        BitSet withAdjoints = TapedLoops.adjointSlots(ir, h, body);
        int sum = -1;
        for (int s = written.nextSetBit(0); s >= 0; s = written.nextSetBit(s + 1)) {
            if (!withAdjoints.get(s)) continue;
            if (!live.get(s) || activity.carriesNoDerivative(h, s)) {
                temporaries.add(s);
            } else if (sum >= 0) {
                return -1;
            } else {
                sum = s;
            }
        }
        Type type = sum < 0 ? null : ir.block(h).entryType(sum);
        return type != null && type.getSort() == Type.DOUBLE ? sum : -1;
    }

    /**
     * What a block of the loop reads from slots, active: arrays of {@code double} the loop does not
     * write go to {@code arrays}, scalars it does not write to {@code invariants}; false for any
     * other active read, or an active array put in a slot.
     */
    private boolean collectReads(Block block, BitSet written, BitSet aliases, List<Integer> arrays, List<Integer> invariants) {
        for (Map.Entry<Integer, Value> exit : block.exitValues().entrySet()) {
            Value v = exit.getValue();
            boolean array = v.kind() != Types.Kind.SCALAR && v.kind() != Types.Kind.NONE;
            if (array && activity.isActive(v) && !aliases.get(exit.getKey())) return false;
        }
        for (EntryValue e : block.reads().values()) {
            if (!activity.isActive(e)) continue;
            if (e.kind() == Types.Kind.SCALAR) {
                if (!written.get(e.slot()) && !invariants.contains(e.slot())) invariants.add(e.slot());
            } else if (e.type().equals(DOUBLES) && !written.get(e.slot())) {
                if (!arrays.contains(e.slot())) arrays.add(e.slot());
            } else if (!aliases.get(e.slot())) {
                return false;
            }
        }
        return true;
    }

    /**
     * Slots the loop writes only with one of the arrays of {@code double} it does not write, and
     * does not carry to its next iteration: another name for that array within an iteration (a
     * helper's local copy of {@code this.w}, inlined into the loop over samples). Their shadows are
     * the buffer of the array they name, passed on as any slot's shadow is.
     */
    private BitSet aliases(BitSet body, BitSet written, BitSet liveAtHeader) {
        BitSet candidates = (BitSet) written.clone();
        candidates.andNot(liveAtHeader);
        for (boolean changed = true; changed; ) { // through other aliases too: v = c ? w : x waits on the stack
            changed = false;
            for (int b = body.nextSetBit(0); b >= 0; b = body.nextSetBit(b + 1)) {
                for (Map.Entry<Integer, Value> exit : ir.block(b).exitValues().entrySet()) {
                    if (!candidates.get(exit.getKey())) continue;
                    boolean names = exit.getValue() instanceof EntryValue e && e.type().equals(DOUBLES)
                            && (!written.get(e.slot()) || candidates.get(e.slot()));
                    if (!names) {
                        candidates.clear(exit.getKey());
                        changed = true;
                    }
                }
            }
        }
        return candidates;
    }

    private static boolean isStore(Stmt st) {
        return st.opcode() >= Opcodes.IASTORE && st.opcode() <= Opcodes.SASTORE;
    }

    /** The inner loop {@code lh} as an {@link TapedLoops.InnerSum}, or null (see there). */
    private TapedLoops.InnerSum innerSum(int lh, BitSet lbody, List<TapedLoops.Chain> chains, BitSet nestWritten) {
        List<Integer> order = TapedLoops.acyclicBody(ir, cfg, lh, lbody, new BitSet()); // it runs again: no exit but its header
        if (order == null || latches(lh, lbody) != 1) return null;
        BitSet always = TapedLoops.alwaysRun(ir, lh, order);
        List<TapedLoops.Chain> own = new ArrayList<>();
        for (TapedLoops.Chain c : chains) {
            if (!lbody.get(c.last())) continue;
            if (c.blocks().contains(lh) || !always.get(c.last())) return null; // reverse work in the header; a branch
            own.add(c);
        }
        own.sort(java.util.Comparator.comparingInt(c -> order.indexOf(c.last())));
        for (int b = lbody.nextSetBit(0); b >= 0; b = lbody.nextSetBit(b + 1)) {
            for (Stmt st : ir.block(b).stmts()) if (!runsTwiceAlike(st)) return null;
        }
        List<Integer> temporaries = new ArrayList<>();
        BitSet liveAtHeader = live().liveIn(lh);
        int sum = carriedSum(lh, lbody, TapedLoops.writtenIn(ir, lbody), liveAtHeader, temporaries);
        if (sum < 0 || !LoopSums.isSum(ir, activity, live(), lh, lbody, sum)) return null;
        Map<Integer, Type> restored = new java.util.TreeMap<>();
        for (int s = liveAtHeader.nextSetBit(0); s >= 0; s = liveAtHeader.nextSetBit(s + 1)) {
            Type t = ir.block(lh).entryType(s);
            if (nestWritten.get(s) && t != null) restored.put(s, t);
        }
        java.util.Set<TapedLoops.SlotOfType> kept = new java.util.LinkedHashSet<>();
        restored.forEach((slot, type) -> kept.add(new TapedLoops.SlotOfType(slot, type)));
        for (int b = lbody.nextSetBit(0); b >= 0; b = lbody.nextSetBit(b + 1)) {
            ir.block(b).exitValues().forEach((slot, v) -> kept.add(new TapedLoops.SlotOfType(slot, v.type())));
        }
        return new TapedLoops.InnerSum(lh, lbody, sum, List.copyOf(own), List.copyOf(temporaries), restored, List.copyOf(kept));
    }

    /** A statement that does the same when it runs again: no store, allocation, field write or call but a rule on numbers. */
    private boolean runsTwiceAlike(Stmt st) {
        if (st.isInvoke()) {
            return activity.callee(st) instanceof Callee.Ruled ruled && isBuiltIn(ruled.rule()) && onNumbers(st);
        }
        return switch (st.opcode()) {
            case Opcodes.NEW, Opcodes.NEWARRAY, Opcodes.ANEWARRAY, Opcodes.MULTIANEWARRAY, Opcodes.INVOKEDYNAMIC,
                    Opcodes.PUTFIELD, Opcodes.PUTSTATIC, Opcodes.MONITORENTER, Opcodes.MONITOREXIT -> false;
            default -> !isStore(st);
        };
    }

    /**
     * The nest's chains and inner loops in the order they run in an iteration: a topological order
     * of its blocks with each inner loop taken as one; null when there is none.
     */
    private List<TapedLoops.Unit> unitsInOrder(int h, BitSet body, List<TapedLoops.InnerSum> inners,
                                               List<TapedLoops.Chain> chains) {
        Map<Integer, Integer> node = new java.util.TreeMap<>();
        for (int b = body.nextSetBit(0); b >= 0; b = body.nextSetBit(b + 1)) {
            if (b == h) continue;
            int n = b;
            for (TapedLoops.InnerSum in : inners) if (in.body().get(b)) n = in.header();
            node.put(b, n);
        }
        Map<Integer, java.util.Set<Integer>> next = new java.util.TreeMap<>();
        Map<Integer, Integer> waiting = new java.util.TreeMap<>();
        for (int n : node.values()) {
            next.putIfAbsent(n, new java.util.TreeSet<>());
            waiting.putIfAbsent(n, 0);
        }
        node.forEach((b, n) -> {
            for (int succ : ir.block(b).successors()) {
                if (succ == h || node.get(succ) == n) continue;
                if (next.get(n).add(node.get(succ))) waiting.merge(node.get(succ), 1, Integer::sum);
            }
        });
        java.util.ArrayDeque<Integer> ready = new java.util.ArrayDeque<>();
        waiting.forEach((n, w) -> { if (w == 0) ready.add(n); });
        List<Integer> order = new ArrayList<>();
        while (!ready.isEmpty()) {
            int n = ready.poll();
            order.add(n);
            for (int m : next.get(n)) if (waiting.merge(m, -1, Integer::sum) == 0) ready.add(m);
        }
        if (order.size() != waiting.size()) return null;
        List<TapedLoops.Unit> units = new ArrayList<>();
        int skeletonChains = 0;
        for (TapedLoops.Chain c : chains) if (!inInner(c.last(), inners)) skeletonChains++;
        for (int n : order) {
            for (TapedLoops.InnerSum in : inners) if (in.header() == n) units.add(new TapedLoops.Unit(null, in));
            for (TapedLoops.Chain c : chains) if (c.blocks().get(0) == n) units.add(new TapedLoops.Unit(c, null));
        }
        return units.size() == inners.size() + skeletonChains && units.size() <= TapedLoops.MAX_MASKED_CHAINS
                ? List.copyOf(units) : null;
    }

    private static boolean inInner(int block, List<TapedLoops.InnerSum> inners) {
        for (TapedLoops.InnerSum in : inners) if (in.body().get(block)) return true;
        return false;
    }

    private int latches(int h, BitSet body) {
        int n = 0;
        for (int b = body.nextSetBit(0); b >= 0; b = body.nextSetBit(b + 1)) {
            for (int next : ir.block(b).successors()) if (next == h) n++;
        }
        return n;
    }

    /** Whether the sum gets the adjoint of the method's result as it is ({@link ReturnedAsIs#adjointFrom}: returned through blocks that only move it, or a fused stream's final value). */
    private boolean returnsSum(int h, BitSet body, int sum) {
        int exit = exitOf(h, body);
        return exit >= 0 && ReturnedAsIs.adjointFrom(ir, exit, sum);
    }

    /** The block the loop headed by {@code h} leaves to, or -1. */
    private int exitOf(int h, BitSet body) {
        for (int succ : ir.block(h).successors()) if (!body.get(succ)) return succ;
        return -1;
    }

    /** What only forms the sum, by block (see {@link SumOnlyWork}); nothing when something but the method's result needs the sum. */
    private Map<Integer, List<Stmt>> sumOnly(int h, BitSet body, int sum, List<TapedLoops.InnerSum> inners) {
        int exit = exitOf(h, body);
        return exit >= 0 && ResultOnly.formsOnlyTheResult(ir, activity, exit, sum)
                ? SumOnlyWork.of(ir, activity, live(), body, sum, inners) : Map.of();
    }

    /** Each level of a recursion would take buffers as long as its arrays. */
    private boolean callsItself() {
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
     * An active statement whose reverse only reads values of its iteration and adds to adjoints
     * of values and elements of the loop's arrays: arithmetic, an element of a {@code double[]}
     * the loop does not reassign, a library rule on numbers.
     */
    private boolean isFusable(Stmt st, BitSet written, BitSet aliases) {
        return switch (st.opcode()) {
            case Opcodes.DADD, Opcodes.DSUB, Opcodes.DMUL, Opcodes.DDIV, Opcodes.DREM, Opcodes.DNEG, Opcodes.FADD,
                    Opcodes.FSUB, Opcodes.FMUL, Opcodes.FDIV, Opcodes.FREM, Opcodes.FNEG, Opcodes.F2D, Opcodes.D2F,
                    Opcodes.I2D, Opcodes.I2F, Opcodes.D2I, Opcodes.F2I, Opcodes.DCMPL, Opcodes.DCMPG, Opcodes.FCMPL,
                    Opcodes.FCMPG -> true;
            case Opcodes.DALOAD -> st.arg(0) instanceof EntryValue e && e.type().equals(DOUBLES)
                    && (!written.get(e.slot()) || aliases.get(e.slot()));
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
