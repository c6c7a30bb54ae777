package org.grad4j.transformer.split;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.grad4j.transformer.analysis.Activity;
import org.grad4j.transformer.analysis.AdjointReads;
import org.grad4j.transformer.analysis.Cfg;
import org.grad4j.transformer.analysis.ReadOnlyArrays;
import org.grad4j.transformer.ir.Block;
import org.grad4j.transformer.ir.Const;
import org.grad4j.transformer.ir.EntryValue;
import org.grad4j.transformer.ir.MethodIr;
import org.grad4j.transformer.ir.Stmt;
import org.grad4j.transformer.ir.Terminator;
import org.grad4j.transformer.ir.Types;
import org.grad4j.transformer.ir.Value;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * Loop nests that run as real loops in one frame, recording on the value tape
 * ({@code org.grad4j.runtime.ValueTape}) each block that runs and exactly the values its reverse
 * reads, instead of one frame per iteration (or per few, strip-mined). The reverse pops the
 * blocks back, last first, and runs each one's adjoint.
 *
 * <p>Why: a frame per iteration holds far more than the reverse needs — the return address, the
 * function's parameters and locals, spill slots — so a loop of small iterations is bound by
 * writing and reading back its stack (GMM: ~9.8 KB of frames per point and component against
 * ~0.6 KB of values its reverse reads), and C2 cannot optimise a loop it never sees. The tape is
 * still a stack: a nest's values sit above those of every enclosing computation and are popped,
 * in reverse, by the frame that pushed them.
 *
 * <p>A taped nest is an outermost loop whose body has no differentiated call, no {@code return},
 * no tensor and no {@code long} in active code, is small enough to be one generated function,
 * and whose blocks save few values each (see {@link #MAX_VALUES}); the {@link Splitter} then
 * makes no function heads inside it. The values saved per
 * block leave out constants and what the nest never changes (the value of a slot no block of the
 * nest writes is still in its local when the reverse runs).
 */
public final class TapedLoops {
    /**
     * Blocks that always run one after the other (each but the last ends in a jump to the next, its
     * only predecessor) and are recorded as one: after the last has run, their values are pushed
     * by stack (floats go to the double one, array shadows to the object one), then the number of
     * the last block. The reverse pops them and runs the blocks' reverse code, last block first.
     */
    public record Chain(List<Integer> blocks, List<Value> doubles, List<Value> ints, List<Value> objects,
                        List<Value> shadows, List<Rematerialisation.Redo> redone) {
        public int last() {
            return blocks.get(blocks.size() - 1);
        }

        /** Entries pushed per run. */
        int size() {
            return doubles.size() + ints.size() + objects.size() + shadows.size() + 1;
        }
    }

    /**
     * A taped nest: its header, its blocks, its chains by last block (blocks without reverse work
     * are in none), its counted loops by header, the slots its blocks write, and whether it has
     * loops inside.
     */
    public record Tape(int header, BitSet body, Map<Integer, Chain> chains, Map<Integer, CountedLoop> counted,
                       Map<Integer, Reduction> reductions, BitSet written, boolean nested) {
        /**
         * Whether a block of the nest writes {@code slot}. A slot it never writes holds, when the
         * reverse runs, the value every block read from it: nothing of it is pushed.
         */
        public boolean writes(int slot) {
            return written.get(slot);
        }

        /** Whether the whole nest is a reduction (see {@link Reduction}): its iterations are reversed as they end. */
        public boolean isReduction() {
            return reductions.containsKey(header);
        }
    }

    /**
     * A loop that sums: its only value with an adjoint carried from one iteration to the next is a
     * sum, {@code s = s + e} or {@code s = s - e}, read nowhere else in the loop — Rosenbrock's
     * {@code s += 100 * a * a + b * b}, a least-squares loss over data, a log-likelihood. The
     * adjoint of {@code s} is then the same in every iteration: whatever the code after the loop
     * makes of it, {@code s̄}. So each iteration's reverse runs right after its forward code,
     * with {@code s̄ = 1}, while its values are still in locals: nothing is pushed and the
     * reverse pass has no loop. What it adds to the elements of {@link #arrays} goes to a buffer of
     * the array's length instead of its shadow, and what it adds to {@link #invariants} (scalars the
     * loop reads but never writes) sums in a local; when the rest of the program has returned
     * with {@code s̄}, the reverse adds {@code s̄} times each buffer to its shadow and {@code s̄}
     * times each sum to its slot's adjoint. This is preaccumulation, as hand-written adjoints do it
     * (a gradient formed in the same loop as the value).
     *
     * <p>Only the loop a taped nest consists of, in no other loop, and only in an outermost call
     * (see {@link ReadOnlyArrays#isOutermost}): a buffer costs a pass over its array, which must not
     * come per run of a short loop. The body reads arrays of {@code double} (slots the loop does not
     * write) and stores into none of them, and does arithmetic and library calls on numbers; any
     * other active statement — a field, a row, a call that may write an array — keeps the loop
     * counted. {@link #temporaries}: slots with adjoints the loop writes and does not carry, whose
     * adjoints start at zero in each iteration's reverse.
     *
     * <p>{@link #returned}: the loop's exit returns {@code s} as it is, perhaps through blocks that
     * only move it ({@link org.grad4j.transformer.analysis.ReturnedAsIs}). Then {@code s̄} is the
     * adjoint the caller's continuation returns for the method's result; when that continuation is
     * the gradient's top one with the seed 1 (a loss differentiated by {@code AD.gradient}), the
     * iterations add to the shadows themselves, without buffers or a pass over them.
     *
     * <p>{@link #sumOnly}, by block: the statements that only form the sum, when nothing but the
     * method's result needs the sum ({@code return s}, {@code return s / n}: {@link SumOnlyWork}),
     * which the loop skips when the method's continuation is a top one that does not keep the
     * result ({@code AD.gradient}).
     *
     * <p>{@link #latches}: the body's jumps back to the header. With one, an iteration's reverse
     * follows it; with several ({@code continue}), it runs once, at the header, for the iteration
     * before — a copy per jump would grow the function with each {@code continue}.
     */
    public record Reduction(int header, BitSet body, List<Chain> chains, boolean masked, int accumulator,
                            List<Integer> arrays, List<Integer> invariants, List<Integer> temporaries, boolean returned,
                            Map<Integer, List<Stmt>> sumOnly, int latches, List<Unit> units) {
        /** The loop's number on the tape: negative, unlike block numbers. */
        public int key() {
            return -(header + 1);
        }
    }

    /**
     * What an iteration of a reduction reverses, in the order they run (reversed last first, each
     * when its bit in the iteration's mask is set, if the reduction is masked): a chain of its
     * blocks, or a loop inside it that sums ({@link InnerSum}).
     */
    public record Unit(Chain chain, InnerSum inner) {}

    /**
     * A loop inside a reduction that sums too ({@code z += w[j] * x[j]} in the loop over samples of
     * a regression): its sum's adjoint {@code z̄} is the same in all its iterations, and known once
     * the reverse of what follows it in the outer iteration has run. Its reverse runs it again from
     * where it started — the {@link #restored} slots, saved when it was entered, back in their
     * locals — each iteration followed by its own reverse with the sum's adjoint {@code z̄}: nothing
     * of its iterations is kept. Its body is one straight chain (no branch), it stores nothing and
     * calls nothing but grad4j's rules on numbers, since it runs twice. {@link #temporaries}: slots
     * with adjoints it writes and does not carry.
     */
    public record InnerSum(int header, BitSet body, int sum, List<Chain> chains, List<Integer> temporaries,
                           Map<Integer, org.objectweb.asm.Type> restored, List<SlotOfType> kept) {}

    /**
     * A slot as a local of one type ({@code javac} may reuse a slot for another type): what an
     * inner sum's second run puts back when it ends ({@link InnerSum}: the restored slots and every
     * slot it writes, its header included — the outer body may read them after it, or the next
     * iteration).
     */
    public record SlotOfType(int slot, org.objectweb.asm.Type type) {}

    /**
     * A loop of the nest whose iterations need no number on the tape: an innermost loop that exits
     * only from its header (which has no reverse work) and whose body is one straight chain. Each
     * iteration pushes only {@link #chain}'s values and counts itself; the counters the body steps
     * by a constant ({@code j++}, {@code l++}) are not pushed but counted back in reverse; values
     * fixed while the loop runs ({@link #once}: the outer loop's {@code i}, a row) are pushed once,
     * with the counters' last values, the count and the loop's number {@link #key}, when it ends.
     * The reverse pops that record and runs the chain's reverse once per iteration, last first.
     * GMM's triangle pushes nothing per iteration instead of four values and a number; Rosenbrock
     * nothing either. {@code once} is the record's values, by stack (it has no blocks).
     *
     * <p>{@link #deferredReads}: element reads of an array at an index that stay the same while the
     * loop runs ({@code xc[i]} in GMM's triangle), of an array the loop stores nothing into. Their
     * adjoint sums over the iterations in a local and goes into the shadow once, after the loop's
     * reverse: added to the shadow in every iteration, it was a store-load chain through memory.
     */
    public record CountedLoop(int header, BitSet body, List<Chain> chains, boolean masked, List<Induction> inductions,
                              Chain once, List<Stmt> deferredReads) {
        /** The loop's number on the tape: negative, unlike block numbers. */
        public int key() {
            return -(header + 1);
        }
    }

    /**
     * A counted loop's body may branch ({@code if (i > 0) f += ...}: a boundary condition); each
     * iteration then pushes, after its chains' values, one int whose bit {@code k} says that chain
     * {@code k} ran, and the reverse runs the chains whose bits are set, last first. At most this
     * many chains.
     */
    static final int MAX_MASKED_CHAINS = 31;

    /**
     * A counter of a counted loop: an {@code int} slot the body changes once, by {@code step}.
     * {@code atStart}: the chain's values of it before the step, {@code stepped}: after it.
     */
    public record Induction(int slot, int step, List<Value> atStart, List<Value> stepped) {}

    private final Map<Integer, Tape> tapes = new TreeMap<>();

    /**
     * A chain that saves more values than this runs faster as recursion: a frame per iteration
     * costs a call and a few hundred bytes of stack whatever the body, a tape entry a store and a
     * load with their checks each. LSTM's cell saved 33 values per iteration and ran 48 µs as
     * recursion, 71 µs taped; as a counted loop (no number, counters and parameters not saved) it
     * saves 17 doubles and runs 47–51 µs taped against 55–65 µs as recursion (one-fork runs).
     * GMM's inner loops save 0 to 2: 110 ms as recursion, 8 ms taped.
     */
    private static final int MAX_VALUES = 20;

    private TapedLoops() {}

    /**
     * The headers of the nests to tape: outermost loops that need reverse code and qualify (see the
     * class comment); inside a loop that does not qualify, its inner loops are tried.
     */
    static BitSet nests(MethodIr ir, Cfg cfg, Activity activity, ReadOnlyArrays readOnly, BitSet needsReverse,
                        int maxStatements) {
        Map<Integer, BitSet> bodies = cfg.loopsByHeader();
        Reductions reductionsOf = readOnly.isOutermost() ? new Reductions(ir, cfg, activity) : null;
        List<Integer> outerFirst = new ArrayList<>(bodies.keySet());
        outerFirst.sort(Comparator.comparingInt(h -> -bodies.get(h).cardinality()));
        BitSet chosen = new BitSet();
        BitSet covered = new BitSet();
        for (int h : outerFirst) {
            BitSet body = bodies.get(h);
            if (covered.get(h) || !body.intersects(needsReverse) || !qualifies(ir, activity, body, maxStatements)) continue;
            List<Integer> order = new ArrayList<>();
            for (int b : cfg.reversePostOrder()) if (body.get(b)) order.add(b);
            Map<Integer, CountedLoop> counted = new TreeMap<>();
            Map<Integer, Reduction> reductions = new TreeMap<>();
            Map<Integer, Chain> chains = recorded(ir, cfg, activity, readOnly, needsReverse, h, body, order, counted, reductions,
                    reductionsOf);
            // a counted loop's body pushes no block number; its record, once per run, does not count;
            // a reduction's body pushes nothing
            java.util.Set<Chain> countedBodies = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            java.util.Set<Chain> reducing = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            counted.values().forEach(c -> countedBodies.addAll(c.chains()));
            reductions.values().forEach(r -> reducing.addAll(r.chains()));
            if (chains.values().stream().anyMatch(c -> !reducing.contains(c)
                    && c.size() - (countedBodies.contains(c) ? 1 : 0) > MAX_VALUES)) {
                continue;
            }
            chosen.set(h);
            covered.or(body);
        }
        return chosen;
    }

    private static boolean qualifies(MethodIr ir, Activity activity, BitSet body, int maxStatements) {
        int statements = 0;
        for (int b = body.nextSetBit(0); b >= 0; b = body.nextSetBit(b + 1)) {
            Block block = ir.block(b);
            statements += block.stmts().size() + 2;
            if (block.terminator().kind() == Terminator.Kind.RETURN || hasTensor(block)) return false;
            for (Stmt s : block.stmts()) {
                if (activity.isActiveCall(s)) return false;
                if (activity.isActive(s) && hasLong(s)) return false;
            }
        }
        return statements <= maxStatements;
    }

    private static boolean hasTensor(Block block) {
        for (EntryValue v : block.reads().values()) if (v.kind() == Types.Kind.TENSOR) return true;
        for (Stmt s : block.stmts()) {
            if (s.result() != null && s.result().kind() == Types.Kind.TENSOR) return true;
            for (Value a : s.args()) if (a.kind() == Types.Kind.TENSOR) return true;
        }
        return false;
    }

    private static boolean hasLong(Stmt s) {
        if (s.result() != null && s.result().type().getSort() == Type.LONG) return true;
        for (Value a : s.args()) if (a.type().getSort() == Type.LONG) return true;
        return false;
    }

    /**
     * Before activity is known: whether an innermost loop is likely to be taped (no {@code return},
     * no tensor). Strip-mining leaves such loops alone: as real loops they need no copies of their
     * body, and C2 unrolls them itself.
     */
    public static boolean mayTape(MethodIr ir, Cfg cfg, int header) {
        Map<Integer, BitSet> bodies = cfg.loopsByHeader();
        BitSet body = bodies.get(header);
        for (int other : bodies.keySet()) if (other != header && body.get(other)) return false;
        for (int b = body.nextSetBit(0); b >= 0; b = body.nextSetBit(b + 1)) {
            if (ir.block(b).terminator().kind() == Terminator.Kind.RETURN || hasTensor(ir.block(b))) return false;
        }
        return true;
    }

    /** What each block of each nest the split taped pushes. */
    public static TapedLoops plan(MethodIr ir, Cfg cfg, Split split, Activity activity, ReadOnlyArrays readOnly) {
        TapedLoops t = new TapedLoops();
        Map<Integer, BitSet> bodies = cfg.loopsByHeader();
        Reductions reductionsOf = readOnly.isOutermost() ? new Reductions(ir, cfg, activity) : null;
        BitSet taped = split.taped();
        for (int h = taped.nextSetBit(0); h >= 0; h = taped.nextSetBit(h + 1)) {
            BitSet body = bodies.get(h);
            Region r = split.regionHeadedBy(h);
            if (r.blocks().size() != body.cardinality() || !r.blocks().stream().allMatch(body::get)) {
                throw new IllegalStateException("taped loop b" + h + " is not one region: " + r.blocks() + " vs " + body);
            }
            Map<Integer, CountedLoop> counted = new TreeMap<>();
            Map<Integer, Reduction> reductions = new TreeMap<>();
            Map<Integer, Chain> chains = recorded(ir, cfg, activity, readOnly, split.needsReverse(), h, body, r.blocks(), counted,
                    reductions, reductionsOf);
            boolean nested = false;
            for (int inner : bodies.keySet()) nested |= inner != h && body.get(inner);
            t.tapes.put(h, new Tape(h, (BitSet) body.clone(), chains, counted, reductions, writtenIn(ir, body), nested));
        }
        return t;
    }

    /** The tape of the nest headed by {@code header}, or null when it is not taped. */
    public Tape of(int header) {
        return tapes.get(header);
    }

    /**
     * What the nest's chains push, by last block: a counted loop's body only its own iteration's
     * values.
     *
     * @param counted receives the nest's counted loops, by header
     * @param reductions receives the nest's reduction, when it is one (see {@link Reduction})
     * @param reductionsOf the method's reductions, or null where there are none (not an outermost variant)
     */
    private static Map<Integer, Chain> recorded(MethodIr ir, Cfg cfg, Activity activity, ReadOnlyArrays readOnly,
                                                BitSet needsReverse, int h, BitSet body, List<Integer> order,
                                                Map<Integer, CountedLoop> counted, Map<Integer, Reduction> reductions,
                                                Reductions reductionsOf) {
        Map<Integer, Chain> chains = new TreeMap<>();
        Map<Value, Value> held = Rematerialisation.heldInRuns(ir, cfg, h, body);
        for (Chain c : chains(ir, cfg, activity, readOnly, needsReverse, h, body, order, held)) chains.put(c.last(), c);
        for (CountedLoop c : countedLoops(ir, cfg, activity, readOnly, body, chains.values(), held)) {
            Reduction r = c.header() == h && reductionsOf != null ? reductionsOf.of(c) : null;
            if (r != null) reductions.put(r.header(), r);
            else counted.put(c.header(), c);
            for (Chain chain : c.chains()) chains.put(chain.last(), chain);
        }
        if (!counted.containsKey(h) && !reductions.containsKey(h) && reductionsOf != null) { // a nest of sums
            Reduction r = reductionsOf.ofNest(h, body, List.copyOf(chains.values()));
            if (r != null) {
                reductions.put(h, r);
                counted.clear();
            }
        }
        return chains;
    }

    /** The nest's loops that can run as counted loops (see {@link CountedLoop}). */
    private static List<CountedLoop> countedLoops(MethodIr ir, Cfg cfg, Activity activity, ReadOnlyArrays readOnly,
                                                  BitSet nest, java.util.Collection<Chain> chains, Map<Value, Value> held) {
        BitSet nestWritten = writtenIn(ir, nest);
        BitSet doomed = activity.blocksThatAlwaysThrow();
        List<CountedLoop> counted = new ArrayList<>();
        cfg.loopsByHeader().forEach((h, body) -> {
            if (!nest.get(h)) return;
            List<Integer> order = acyclicBody(ir, cfg, h, body, doomed);
            if (order == null) return;
            List<Chain> inBody = chains.stream().filter(c -> body.get(c.last()))
                    .sorted(Comparator.comparingInt(c -> order.indexOf(c.last()))).toList();
            if (inBody.isEmpty() || inBody.size() > MAX_MASKED_CHAINS || inBody.stream().anyMatch(c -> c.blocks().contains(h))) {
                return;
            }
            CountedLoop c = countedLoop(ir, activity, readOnly, h, body, order, inBody, nestWritten, held);
            if (c != null) counted.add(c);
        });
        return counted;
    }

    /**
     * The body of the innermost loop headed by {@code h}, without the header, in an order where
     * every block comes after the blocks that jump to it (a topological order), or null when it is
     * not such a loop: a second loop inside, an exit other than the header's — but for jumps to
     * blocks in {@code throwing}, from which every path ends in a {@code throw} (a check: an
     * element never set, an iterator past its end, a user's {@code if (...) throw}): an iteration
     * that takes one ends the gradient with the exception, so nothing of it is reversed, and the
     * loop's record, pushed on the header's exit only, is not needed.
     */
    static List<Integer> acyclicBody(MethodIr ir, Cfg cfg, int h, BitSet body, BitSet throwing) {
        Block header = ir.block(h);
        if (header.terminator().kind() != Terminator.Kind.BRANCH) return null;
        int[] succ = header.successors();
        if (body.get(succ[0]) == body.get(succ[1])) return null;
        int first = body.get(succ[0]) ? succ[0] : succ[1];
        if (first == h) return null;
        Map<Integer, Integer> waiting = new TreeMap<>(); // block -> predecessors in the body not yet placed
        for (int b = body.nextSetBit(0); b >= 0; b = body.nextSetBit(b + 1)) {
            if (b == h) continue;
            for (int next : ir.block(b).successors()) if (!body.get(next) && !throwing.get(next)) return null; // only the header leaves
            int preds = 0;
            for (int p : cfg.preds(b)) {
                if (!body.get(p)) return null;
                if (p != h) preds++;
            }
            waiting.put(b, preds);
        }
        List<Integer> order = new ArrayList<>();
        java.util.ArrayDeque<Integer> ready = new java.util.ArrayDeque<>();
        ready.add(first);
        while (!ready.isEmpty()) {
            int b = ready.poll();
            order.add(b);
            for (int next : ir.block(b).successors()) {
                if (next == h || !body.get(next)) continue;
                int left = waiting.merge(next, -1, Integer::sum);
                if (left == 0) ready.add(next);
            }
        }
        return order.size() + 1 == body.cardinality() ? order : null; // else a cycle: an inner loop
    }

    /**
     * The blocks of the body that every iteration runs: those no path from the body's first block
     * to a jump back to the header avoids.
     */
    static BitSet alwaysRun(MethodIr ir, int h, List<Integer> order) {
        BitSet always = new BitSet();
        for (int d : order) {
            BitSet reached = new BitSet();
            if (d != order.get(0)) reached.set(order.get(0));
            boolean latchReached = false;
            for (int b : order) {
                if (!reached.get(b)) continue;
                for (int next : ir.block(b).successors()) {
                    if (next == h) latchReached = true;
                    else if (next != d) reached.set(next);
                }
            }
            if (!latchReached) always.set(d);
        }
        return always;
    }

    static BitSet writtenIn(MethodIr ir, BitSet blocks) {
        BitSet written = new BitSet();
        for (int b = blocks.nextSetBit(0); b >= 0; b = blocks.nextSetBit(b + 1)) ir.block(b).exitValues().keySet().forEach(written::set);
        return written;
    }

    /** The counted loop of header {@code h}: its counters, and the chain's values split by how they come back. */
    private static CountedLoop countedLoop(MethodIr ir, Activity activity, ReadOnlyArrays readOnly, int h, BitSet body,
                                           List<Integer> path, List<Chain> chainsInBody, BitSet nestWritten,
                                           Map<Value, Value> held) {
        BitSet loopWritten = writtenIn(ir, body);
        BitSet always = alwaysRun(ir, h, path);
        Map<Integer, Integer> steps = new TreeMap<>();     // counter slot -> step
        Map<Integer, Integer> stepIndex = new TreeMap<>(); // counter slot -> index in the path of the block that steps it
        for (int s = loopWritten.nextSetBit(0); s >= 0; s = loopWritten.nextSetBit(s + 1)) {
            int writers = 0, at = -1;
            Stmt step = null;
            for (int k = 0; k < path.size(); k++) {
                Value v = ir.block(path.get(k)).exitValues().get(s);
                if (v == null) continue;
                writers++;
                at = k;
                for (Stmt st : ir.block(path.get(k)).stmts()) if (st.result() == v) step = st;
            }
            // stepped once in every iteration: by a block every iteration runs, and by no other
            if (writers == 1 && always.get(path.get(at)) && !ir.block(h).exitValues().containsKey(s) && step != null
                    && step.opcode() == Opcodes.IINC && step.arg(0) == ir.block(path.get(at)).reads().get(s)) {
                steps.put(s, step.increment());
                stepIndex.put(s, at);
            }
        }
        List<Integer> blocks = new ArrayList<>();
        for (Chain c : chainsInBody) blocks.addAll(c.blocks());
        boolean masked = chainsInBody.stream().anyMatch(c -> !always.get(c.last()));
        // what each chain's reverse reads; the loop's, their union
        List<Set<Value>> valuesByChain = new ArrayList<>(), shadowsByChain = new ArrayList<>(), copiedByChain = new ArrayList<>();
        Set<Value> values = new LinkedHashSet<>();
        for (Chain c : chainsInBody) {
            Set<Value> chainValues = new LinkedHashSet<>(), chainShadows = new LinkedHashSet<>();
            readInReverse(ir, c.blocks(), activity, nestWritten, chainValues, chainShadows);
            copiedByChain.add(Rematerialisation.byHolders(chainValues, held, nestWritten));
            valuesByChain.add(chainValues);
            shadowsByChain.add(chainShadows);
            values.addAll(chainValues);
        }
        Map<Integer, List<Value>> atStart = new TreeMap<>(), stepped = new TreeMap<>();
        Set<Value> once = new LinkedHashSet<>(), available = new LinkedHashSet<>();
        // the counters come back counted, so what is computed from them can be too: an index
        // h * IN + j of a dense layer's row, or x[j], are recomputed rather than pushed per iteration
        Set<Value> counters = new LinkedHashSet<>();
        for (int b : blocks) {
            ir.block(b).reads().forEach((slot, v) -> { if (steps.containsKey(slot)) counters.add(v); });
        }
        Set<Value> considered = new LinkedHashSet<>(values);
        considered.addAll(counters);
        for (Value v : considered) {
            if (!(v instanceof EntryValue e)) continue;
            if (steps.containsKey(e.slot())) {
                boolean after = path.indexOf(e.block()) > stepIndex.get(e.slot());
                (after ? stepped : atStart).computeIfAbsent(e.slot(), k -> new ArrayList<>()).add(v);
                available.add(v);
            } else if (!loopWritten.get(e.slot())) {
                once.add(v);
                available.add(v);
            }
        }
        Set<Value> invariant = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        List<Stmt> invariantReads = hoistInvariants(ir, activity, readOnly, body, blocks, values, once, available, nestWritten,
                invariant);
        List<Stmt> deferredReads = new ArrayList<>();
        for (Stmt read : invariantReads) {
            boolean fixedHere = read.args().stream().allMatch(a -> a instanceof Const
                    || (a instanceof EntryValue e && !loopWritten.get(e.slot())));
            if (fixedHere && activity.isActive(read) && (read.opcode() == Opcodes.DALOAD || read.opcode() == Opcodes.FALOAD)) {
                deferredReads.add(read);
            }
        }
        // per chain, what its reverse reads: what is computed again may rest on counters and
        // once-pushed values as on pushed ones, and on slots the loop leaves alone, pushed once for
        // it: GMM's index meansAt + ik * d + id rests on ik, fixed while the inner loop runs, and is
        // recomputed instead of pushed per iteration
        Set<Value> fixedUsed = new LinkedHashSet<>();
        List<Set<Value>> savedByChain = new ArrayList<>();
        List<List<Rematerialisation.Redo>> redoneByChain = new ArrayList<>();
        for (int k = 0; k < chainsInBody.size(); k++) {
            Set<Value> saved = new LinkedHashSet<>(valuesByChain.get(k));
            saved.addAll(counters);
            redoneByChain.add(Rematerialisation.redone(ir, chainsInBody.get(k).blocks(), saved, nestWritten, readOnly,
                    v -> v instanceof EntryValue e && !loopWritten.get(e.slot()) && body.get(e.block()), fixedUsed, held,
                    copiedByChain.get(k)));
            savedByChain.add(saved);
        }
        once.addAll(fixedUsed);
        available.addAll(fixedUsed);
        Set<Value> onceShadows = new LinkedHashSet<>();
        List<Chain> chains = new ArrayList<>();
        for (int k = 0; k < chainsInBody.size(); k++) {
            Set<Value> saved = savedByChain.get(k);
            saved.removeAll(available);
            List<Value> iterShadows = new ArrayList<>();
            for (Value v : shadowsByChain.get(k)) {
                boolean fixed = v instanceof EntryValue e ? !loopWritten.get(e.slot()) : invariant.contains(v);
                if (fixed) onceShadows.add(v);
                else iterShadows.add(v);
            }
            // a counter's value in a later block, copied from its value in the first: the loop's record
            // and its counting back set it already
            List<Rematerialisation.Redo> redone = new ArrayList<>(redoneByChain.get(k));
            redone.removeIf(r -> r instanceof Rematerialisation.Copy c && available.contains(c.to()));
            chains.add(byStack(chainsInBody.get(k).blocks(), saved, iterShadows, redone));
        }
        List<Induction> inductions = new ArrayList<>();
        steps.forEach((slot, step) -> inductions.add(new Induction(slot, step, atStart.getOrDefault(slot, List.of()),
                stepped.getOrDefault(slot, List.of()))));
        return new CountedLoop(h, (BitSet) body.clone(), List.copyOf(chains), masked, inductions,
                byStack(List.of(), once, List.copyOf(onceShadows), List.of()), List.copyOf(deferredReads));
    }

    /**
     * Values the loop computes alike in every iteration — cheap arithmetic and element reads of
     * arrays the loop does not store into, from values fixed while it runs — are pushed once with
     * them, not per iteration: GMM's triangle reads {@code xc[i]} in every iteration of its inner
     * loop, where {@code i} is the outer loop's. Returns the element reads found alike in every
     * iteration.
     */
    private static List<Stmt> hoistInvariants(MethodIr ir, Activity activity, ReadOnlyArrays readOnly, BitSet body,
                                              List<Integer> blocks, Set<Value> values, Set<Value> once,
                                              Set<Value> available, BitSet nestWritten, Set<Value> invariant) {
        List<Value> stored = new ArrayList<>(); // arrays the loop stores into
        List<Stmt> invariantReads = new ArrayList<>();
        for (int b = body.nextSetBit(0); b >= 0; b = body.nextSetBit(b + 1)) {
            for (Stmt st : ir.block(b).stmts()) {
                if (st.opcode() >= Opcodes.IASTORE && st.opcode() <= Opcodes.SASTORE) stored.add(st.arg(0));
                else if (st.isInvoke() && ReadOnlyArrays.mayWriteArrays(st, activity)) return invariantReads;
            }
        }
        invariant.addAll(once);
        BitSet loopWritten = writtenIn(ir, body); // a slot only an outer loop writes is fixed here: w[i] in the loop over j
        for (int b : blocks) {
            for (Stmt st : ir.block(b).stmts()) {
                if (st.result() == null || !(Rematerialisation.isCheap(st) || isElementRead(st) || isRowRead(st))) continue;
                boolean fixed = st.args().stream().allMatch(a -> a instanceof Const || isInvariant(a, nestWritten)
                        || invariant.contains(a) || (a instanceof EntryValue e && !loopWritten.get(e.slot())));
                if (fixed && !Rematerialisation.isCheap(st)) fixed = stored.stream().noneMatch(a -> readOnly.mayAlias(a, st.arg(0)));
                if (!fixed) continue;
                invariant.add(st.result());
                if (isElementRead(st)) invariantReads.add(st);
                if (values.contains(st.result())) {
                    once.add(st.result());
                    available.add(st.result());
                }
            }
        }
        return invariantReads;
    }

    /**
     * A row of a matrix ({@code w[i]} of a {@code double[][]}): read at an index fixed while the
     * loop runs, it and its shadow are pushed once, not per iteration ({@code z += w[i][j] * x[j]}).
     */
    private static boolean isRowRead(Stmt s) {
        return s.opcode() == Opcodes.AALOAD && s.result().type().getSort() == Type.ARRAY;
    }

    private static boolean isElementRead(Stmt s) {
        return s.opcode() >= Opcodes.IALOAD && s.opcode() <= Opcodes.SALOAD && s.opcode() != Opcodes.LALOAD
                && s.opcode() != Opcodes.AALOAD;
    }

    /** A chain whose values go to the stacks by type. */
    private static Chain byStack(List<Integer> blocks, java.util.Collection<Value> values, List<Value> shadows,
                                 List<Rematerialisation.Redo> redone) {
        List<Value> doubles = new ArrayList<>(), ints = new ArrayList<>(), objects = new ArrayList<>();
        for (Value v : values) {
            switch (v.type().getSort()) {
                case Type.DOUBLE, Type.FLOAT -> doubles.add(v);
                case Type.OBJECT, Type.ARRAY -> objects.add(v);
                default -> ints.add(v); // int, short, byte, char, boolean (longs were excluded)
            }
        }
        return new Chain(List.copyOf(blocks), doubles, ints, objects, shadows, redone);
    }

    /** What the nest's blocks record: chains of the blocks with reverse work, and their values. */
    private static List<Chain> chains(MethodIr ir, Cfg cfg, Activity activity, ReadOnlyArrays readOnly, BitSet needsReverse,
                                      int h, BitSet body, List<Integer> order, Map<Value, Value> held) {
        BitSet written = new BitSet();
        for (int b = body.nextSetBit(0); b >= 0; b = body.nextSetBit(b + 1)) ir.block(b).exitValues().keySet().forEach(written::set);
        BitSet adjointSlots = adjointSlots(ir, h, body);
        List<Chain> chains = new ArrayList<>();
        for (List<Integer> blocks : runsTogether(ir, cfg, h, body, order)) {
            blocks.removeIf(b -> !needsReverse.get(b) || !hasReverseWork(ir.block(b), activity, adjointSlots));
            if (!blocks.isEmpty()) chains.add(chain(ir, blocks, activity, readOnly, written, held));
        }
        return chains;
    }

    /** The nest's blocks (in the region's order) cut into chains of blocks that always run together. */
    private static List<List<Integer>> runsTogether(MethodIr ir, Cfg cfg, int h, BitSet body, List<Integer> order) {
        List<List<Integer>> chains = new ArrayList<>();
        BitSet placed = new BitSet();
        for (int b : order) {
            if (placed.get(b) || continuesChain(ir, cfg, h, body, b)) continue;
            List<Integer> chain = runFrom(ir, cfg, h, body, b);
            chain.forEach(placed::set);
            chains.add(chain);
        }
        return chains;
    }

    /** The blocks that always run together starting with {@code first}: it, and each block that continues the chain. */
    static List<Integer> runFrom(MethodIr ir, Cfg cfg, int h, BitSet body, int first) {
        List<Integer> run = new ArrayList<>();
        for (int x = first; ; ) {
            run.add(x);
            Block block = ir.block(x);
            if (block.terminator().kind() != Terminator.Kind.GOTO) return run;
            int next = block.successors()[0];
            if (!continuesChain(ir, cfg, h, body, next)) return run;
            x = next;
        }
    }

    /** Whether {@code b} only ever runs right after its one predecessor, which jumps to it. */
    static boolean continuesChain(MethodIr ir, Cfg cfg, int h, BitSet body, int b) {
        if (b == h || !body.get(b) || cfg.preds(b).size() != 1) return false;
        Block pred = ir.block(cfg.preds(b).get(0));
        return body.get(pred.index()) && pred.terminator().kind() == Terminator.Kind.GOTO;
    }

    /**
     * Whether the block's reverse code does anything: adjoints of active statements, of values read
     * from slots, or of slots it writes that hold a double, float or tensor anywhere in the nest
     * (javac reuses a slot for variables of different types; a write restarts the slot's adjoint).
     * A loop header that only tests {@code int}s has none, and is not recorded.
     */
    private static boolean hasReverseWork(Block block, Activity activity, BitSet adjointSlots) {
        for (Stmt s : block.stmts()) if (activity.isActive(s) && !AdjointReads.isForwardOnly(s)) return true;
        for (EntryValue e : block.reads().values()) {
            if (activity.isActive(e) && (e.kind() == Types.Kind.SCALAR || e.kind() == Types.Kind.TENSOR)) return true;
        }
        for (int slot : block.exitValues().keySet()) if (adjointSlots.get(slot)) return true;
        return false;
    }

    /** Slots that hold a double, float or tensor somewhere in the nest: they have adjoints in its function. */
    static BitSet adjointSlots(MethodIr ir, int h, BitSet body) {
        BitSet slots = new BitSet();
        Block header = ir.block(h);
        for (int s = 0; s < header.slotCount(); s++) if (carriesAdjoint(header.entryType(s))) slots.set(s);
        for (int b = body.nextSetBit(0); b >= 0; b = body.nextSetBit(b + 1)) {
            ir.block(b).reads().forEach((slot, v) -> { if (carriesAdjoint(v.type())) slots.set(slot); });
            ir.block(b).exitValues().forEach((slot, v) -> { if (carriesAdjoint(v.type())) slots.set(slot); });
            for (int exit : ir.block(b).successors()) {
                if (body.get(exit)) continue;
                Block target = ir.block(exit); // the nest's exits pass slots on with these types
                for (int s = 0; s < target.slotCount(); s++) if (carriesAdjoint(target.entryType(s))) slots.set(s);
            }
        }
        return slots;
    }

    private static boolean carriesAdjoint(Type t) {
        if (t == null) return false;
        Types.Kind k = Types.kind(t);
        return k == Types.Kind.SCALAR || k == Types.Kind.TENSOR;
    }

    private static Chain chain(MethodIr ir, List<Integer> blocks, Activity activity, ReadOnlyArrays readOnly, BitSet written,
                               Map<Value, Value> held) {
        Set<Value> values = new LinkedHashSet<>();
        Set<Value> shadows = new LinkedHashSet<>();
        readInReverse(ir, blocks, activity, written, values, shadows);
        Set<Value> copied = Rematerialisation.byHolders(values, held, written);
        List<Rematerialisation.Redo> redone = Rematerialisation.redone(ir, blocks, values, written, readOnly, v -> false,
                new LinkedHashSet<>(), held, copied);
        return byStack(blocks, values, List.copyOf(shadows), redone);
    }

    /**
     * What the blocks' reverse code reads, values and shadows apart, in program order (values
     * are compared by identity), without constants and what the nest never changes.
     */
    private static void readInReverse(MethodIr ir, List<Integer> blocks, Activity activity, BitSet written,
                                      Set<Value> values, Set<Value> shadows) {
        for (int b : blocks) for (Stmt s : ir.block(b).stmts()) if (activity.isActive(s)) AdjointReads.of(s, activity, values, shadows);
        values.removeIf(v -> v instanceof Const || isInvariant(v, written));
        shadows.removeIf(v -> v instanceof Const || isInvariant(v, written));
    }

    /** A slot no block of the nest writes holds the same value (and shadow) in every iteration. */
    static boolean isInvariant(Value v, BitSet written) {
        return v instanceof EntryValue e && !written.get(e.slot());
    }
}
