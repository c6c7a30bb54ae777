package org.grad4j.transformer.split;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.grad4j.transformer.analysis.Activity;
import org.grad4j.transformer.analysis.Cfg;
import org.grad4j.transformer.analysis.Liveness;
import org.grad4j.transformer.analysis.ReadOnlyArrays;
import org.grad4j.transformer.ir.Block;
import org.grad4j.transformer.ir.MethodIr;
import org.grad4j.transformer.ir.Stmt;
import org.grad4j.transformer.ir.Terminator;
import org.grad4j.transformer.ir.Types;
import org.grad4j.transformer.ir.Value;

/**
 * Chooses where generated functions start (DESIGN §4.4): the method entry, the block after every
 * differentiated call, the header and the exit targets of every loop whose body needs reverse
 * code, and every block reached from two functions' regions (to a fixpoint). Loops that need no reverse code stay
 * real loops inside their region, and so do taped loop nests ({@link TapedLoops}): one function each, no heads inside.
 */
public final class Splitter {
    private final MethodIr ir;
    private final Cfg cfg;
    private final Activity activity;
    private final BitSet needsReverse = new BitSet();
    private final BitSet heads = new BitSet();
    /** Live slots at block entries, computed once a size cut is first weighed ({@link #parameterSlots}). */
    private Liveness liveness;

    private Splitter(MethodIr ir, Cfg cfg, Activity activity) {
        this.ir = ir;
        this.cfg = cfg;
        this.activity = activity;
    }

    /**
     * The regions; the first is the method's entry function.
     *
     * @param tapeLimit call-free loop nests of up to this many statements run as real loops on the value tape (see {@link TapedLoops}); 0: none
     * @param readOnly arrays a taped nest may read again in reverse instead of saving what it read
     */
    public static Split split(MethodIr ir, Cfg cfg, Activity activity, int tapeLimit, ReadOnlyArrays readOnly) {
        return new Splitter(ir, cfg, activity).split(tapeLimit, readOnly);
    }

    private Split split(int tapeLimit, ReadOnlyArrays readOnly) {
        for (int b : cfg.reversePostOrder()) if (computeNeedsReverse(ir.block(b))) needsReverse.set(b);
        boolean entryStub = !cfg.preds(0).isEmpty();
        heads.set(0);
        for (int b : cfg.reversePostOrder()) {
            Stmt last = ir.block(b).lastStmt();
            if (last != null && activity.isActiveCall(last)) {
                heads.set(ir.block(b).successors()[0]);
            }
        }
        BitSet taped = tapeLimit > 0 ? TapedLoops.nests(ir, cfg, activity, readOnly, needsReverse, tapeLimit) : new BitSet();
        java.util.Map<Integer, BitSet> byHeader = cfg.loopsByHeader();
        BitSet insideTaped = new BitSet(); // blocks of taped nests other than their headers: no heads there
        for (int h = taped.nextSetBit(0); h >= 0; h = taped.nextSetBit(h + 1)) insideTaped.or(byHeader.get(h));
        insideTaped.andNot(taped);
        for (Cfg.Loop loop : cfg.loops()) {
            if (!loop.body().intersects(needsReverse) || insideTaped.get(loop.header())) continue;
            heads.set(loop.header());
            // the code after the loop gets a function of its own, so that it does not sit in
            // (and enlarge) every iteration's frame; a taped nest's exits are those of all its
            // loops together (a loop with several back edges is several natural loops)
            BitSet body = taped.get(loop.header()) ? byHeader.get(loop.header()) : loop.body();
            for (int b = body.nextSetBit(0); b >= 0; b = body.nextSetBit(b + 1)) {
                for (int s : ir.block(b).successors()) if (!body.get(s)) heads.set(s);
            }
        }
        List<Region> regions;
        while (true) {
            regions = new ArrayList<>();
            int[] owner = new int[ir.size()];
            java.util.Arrays.fill(owner, -1);
            boolean grew = false;
            for (int h = heads.nextSetBit(0); h >= 0; h = heads.nextSetBit(h + 1)) {
                if (!cfg.isReachable(h)) continue;
                List<Integer> blocks = regionOf(h);
                for (int b : blocks) {
                    if (b != h && owner[b] >= 0 && owner[b] != h) {
                        heads.set(b);
                        grew = true;
                    }
                    if (owner[b] < 0) owner[b] = h;
                }
                regions.add(new Region(h, blocks, false));
            }
            if (!grew) grew = splitBySize(regions);
            if (!grew) break;
        }
        if (entryStub) regions.add(0, new Region(0, List.of(), true));
        // a loop whose header heads a function, whatever made it one, jumps back by calling it
        BitSet recursiveLoops = new BitSet();
        for (int h : byHeader.keySet()) if (heads.get(h) && !taped.get(h)) recursiveLoops.set(h);
        return new Split(regions, (BitSet) heads.clone(), (BitSet) needsReverse.clone(), taped, recursiveLoops, false);
    }

    /**
     * A taped recursion's split ({@link TapedRecursion}): the whole method one region, since its
     * calls of itself run inside its functions instead of ending them.
     */
    public static Split whole(MethodIr ir, Cfg cfg, Activity activity) {
        Splitter s = new Splitter(ir, cfg, activity);
        List<Integer> blocks = new ArrayList<>();
        for (int b : cfg.reversePostOrder()) {
            if (s.computeNeedsReverse(ir.block(b))) s.needsReverse.set(b);
            blocks.add(b);
        }
        BitSet heads = new BitSet();
        heads.set(0);
        return new Split(List.of(new Region(0, blocks, false)), heads, s.needsReverse, new BitSet(), new BitSet(), true);
    }

    /**
     * Generated methods must stay well under HotSpot's 8,000-byte limit for compilation and ASM's
     * limits for computing frames: a region with too many statements gets a new head where its
     * statements, counted in order, pass the limit — at the first block from there whose live
     * values fit in a function's parameters ({@link #MAX_HEAD_SLOTS}): straight-line code as
     * SymPy writes it keeps a hundred temporaries live to its last line, and a head there would
     * need more than the JVM's 255 parameter slots.
     */
    private boolean splitBySize(List<Region> regions) {
        boolean grew = false;
        for (Region r : regions) {
            int count = 0;
            for (int b : r.blocks()) {
                int size = ir.block(b).stmts().size() + 2;
                if (b != r.head() && count + size > MAX_REGION_STATEMENTS) {
                    if (parameterSlots(b) <= MAX_HEAD_SLOTS) {
                        heads.set(b);
                        grew = true;
                        count = 0;
                    }
                }
                count += size;
            }
        }
        return grew;
    }

    /** The parameter slots a function starting at block {@code b} takes for the values live there: doubles two, arrays and their shadows. */
    private int parameterSlots(int b) {
        if (liveness == null) liveness = new Liveness(ir, cfg); // the IR does not change while heads are chosen
        int slots = 0;
        BitSet live = liveness.liveIn(b);
        for (int s = live.nextSetBit(0); s >= 0; s = live.nextSetBit(s + 1)) {
            org.objectweb.asm.Type t = ir.block(b).entryType(s);
            slots += t.getSize() + (Types.isShadowed(t) ? 1 : 0);
        }
        return slots;
    }

    /** A head's live values in at most this many parameter slots, leaving room under 255 for the continuation, the context and the like. */
    private static final int MAX_HEAD_SLOTS = 230;

    private static final int MAX_REGION_STATEMENTS = 150;

    /**
     * The largest taped nest tried first (one function, about 40 bytes of code per statement
     * with its pushes, pops and reverse: LSTM's 152-statement time loop passes HotSpot's limit).
     * Should a function pass that limit all the same, {@code Transformer} tries nests half as
     * large, then a quarter, then no taping: the nests that fit keep their tape.
     */
    public static final int MAX_TAPED_STATEMENTS = 150;

    /** Blocks reachable from {@code h} without entering another head, in reverse post-order. */
    private List<Integer> regionOf(int h) {
        List<Integer> post = new ArrayList<>();
        BitSet seen = new BitSet();
        dfs(h, h, seen, post);
        java.util.Collections.reverse(post);
        return post;
    }

    private void dfs(int b, int h, BitSet seen, List<Integer> post) {
        // iterative DFS to survive huge methods
        List<int[]> stack = new ArrayList<>();
        seen.set(b);
        stack.add(new int[] {b, 0});
        while (!stack.isEmpty()) {
            int[] top = stack.get(stack.size() - 1);
            Block block = ir.block(top[0]);
            int[] succ = leavesByCall(block) ? new int[0] : block.successors();
            if (top[1] < succ.length) {
                int s = succ[top[1]++];
                if (!heads.get(s) && !seen.get(s)) {
                    seen.set(s);
                    stack.add(new int[] {s, 0});
                }
            } else {
                post.add(top[0]);
                stack.remove(stack.size() - 1);
            }
        }
    }

    private boolean leavesByCall(Block b) {
        Stmt last = b.lastStmt();
        return last != null && activity.isActiveCall(last);
    }

    private boolean computeNeedsReverse(Block b) {
        for (Stmt s : b.stmts()) if (activity.isActive(s)) return true;
        Terminator t = b.terminator();
        if (t.kind() == Terminator.Kind.RETURN && t.returned() != null && activity.isActive(t.returned())) return true;
        BitSet in = activity.entryActive(b.index());
        for (var e : b.exitValues().entrySet()) {
            Value v = e.getValue();
            if (activity.isActive(v) || in.get(e.getKey())) return true;
        }
        return false;
    }
}
