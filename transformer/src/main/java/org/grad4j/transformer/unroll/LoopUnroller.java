package org.grad4j.transformer.unroll;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.grad4j.transformer.analysis.Cfg;
import org.grad4j.transformer.ir.Block;
import org.grad4j.transformer.ir.Const;
import org.grad4j.transformer.ir.EntryValue;
import org.grad4j.transformer.ir.MethodIr;
import org.grad4j.transformer.ir.Stmt;
import org.grad4j.transformer.ir.Temp;
import org.grad4j.transformer.ir.Terminator;
import org.grad4j.transformer.ir.Value;
import org.objectweb.asm.Type;

/**
 * Strip-mining (DESIGN §9): an innermost loop with a small body gets its body repeated
 * {@code factor} times, each copy with its own exit test, so that one generated function (one
 * JVM frame) runs several iterations. A loop of a million short iterations then needs a
 * fraction of the frames, and the per-frame cost (call, entry, return registers) is shared.
 * The program is unchanged: copy {@code k} of the body continues into copy {@code k+1}'s
 * header test instead of jumping back, and only the last copy jumps back to the loop header.
 */
public final class LoopUnroller {
    /** Bodies up to this many statements are repeated. */
    private static final int MAX_STATEMENTS = 40;
    /** Header test, body, latch: a branchy body multiplies paths and the verifier's frame merges. */
    private static final int MAX_BLOCKS = 3;
    /** Statements in all copies together: keeps generated methods far below HotSpot's 8,000-byte limit. */
    private static final int MAX_COPIED_STATEMENTS = 100;

    private LoopUnroller() {}

    /**
     * @param hasCall calls that end a function (differentiated calls): loops containing one are
     *     left alone, since their bodies already span several functions
     * @param runsAsLoop headers of loops that will run as real loops (taped), which need no copies
     */
    public static MethodIr unroll(MethodIr ir, Cfg cfg, Predicate<Stmt> hasCall, java.util.function.IntPredicate runsAsLoop) {
        List<Block> blocks = new ArrayList<>(ir.blocks());
        int[] nextTemp = {maxTemp(ir) + 1};
        List<Cfg.Loop> loops = cfg.loops();
        for (Cfg.Loop loop : loops) {
            if (runsAsLoop.test(loop.header()) || !isCandidate(loop, loops, ir, hasCall)) continue;
            int statements = 0;
            for (int b = loop.body().nextSetBit(0); b >= 0; b = loop.body().nextSetBit(b + 1)) statements += ir.block(b).stmts().size();
            int factor = Math.max(1, Math.min(statements <= 10 ? 8 : 4, MAX_COPIED_STATEMENTS / Math.max(1, statements)));
            if (factor < 2) continue;
            unrollOne(blocks, loop, factor, nextTemp);
        }
        if (blocks.size() == ir.size()) return ir;
        return new MethodIr(ir.owner(), ir.name(), ir.descriptor(), ir.isStatic(), ir.sourceFile(), ir.maxLocals(), blocks);
    }

    private static boolean isCandidate(Cfg.Loop loop, List<Cfg.Loop> all, MethodIr ir, Predicate<Stmt> hasCall) {
        BitSet body = loop.body();
        if (body.cardinality() > MAX_BLOCKS) return false;
        for (Cfg.Loop other : all) {
            if (other != loop && other.header() != loop.header() && body.get(other.header())) return false; // not innermost
            if (other != loop && other.header() == loop.header()) return false; // several back edges: keep it simple
        }
        int statements = 0;
        for (int b = body.nextSetBit(0); b >= 0; b = body.nextSetBit(b + 1)) {
            Block block = ir.block(b);
            statements += block.stmts().size();
            for (Stmt s : block.stmts()) if (hasCall.test(s)) return false;
            if (block.terminator().kind() == Terminator.Kind.SWITCH) return false;
        }
        return statements <= MAX_STATEMENTS && ir.block(loop.header()).slotCount() == ir.maxLocals();
    }

    private static void unrollOne(List<Block> blocks, Cfg.Loop loop, int factor, int[] nextTemp) {
        BitSet body = loop.body();
        int h = loop.header();
        int[] members = body.stream().toArray();
        // copies[k][i]: index of copy k of members[i]; copy 0 is the original
        int[][] copies = new int[factor][members.length];
        copies[0] = members.clone();
        for (int k = 1; k < factor; k++) {
            for (int i = 0; i < members.length; i++) copies[k][i] = blocks.size() + (k - 1) * members.length + i;
        }
        List<Block> originals = new ArrayList<>();
        for (int m : members) originals.add(blocks.get(m));
        for (int k = 1; k < factor; k++) {
            for (int i = 0; i < members.length; i++) {
                blocks.add(copy(originals.get(i), copies[k][i], retarget(members, copies, k, h, factor, originals.get(i)), nextTemp));
            }
        }
        // copy 0's back edges now continue into copy 1
        for (Block b : originals) {
            Terminator t = b.terminator();
            int[] succ = t.successors().clone();
            for (int j = 0; j < succ.length; j++) if (succ[j] == h) succ[j] = copies[1][indexOf(members, h)];
            b.setTerminator(new Terminator(t.kind(), t.insn(), t.args(), succ, t.line()));
        }
    }

    /** The successors of copy {@code k} of a block. */
    private static int[] retarget(int[] members, int[][] copies, int k, int h, int factor, Block original) {
        int[] succ = original.successors().clone();
        for (int j = 0; j < succ.length; j++) {
            int t = succ[j];
            int i = indexOf(members, t);
            if (i < 0) continue; // leaves the loop
            if (t == h) succ[j] = k + 1 < factor ? copies[k + 1][i] : h; // the last copy jumps back
            else succ[j] = copies[k][i];
        }
        return succ;
    }

    private static int indexOf(int[] members, int b) {
        for (int i = 0; i < members.length; i++) if (members[i] == b) return i;
        return -1;
    }

    /** A copy of a block with fresh values, at index {@code index}, with the given successors. */
    private static Block copy(Block original, int index, int[] successors, int[] nextTemp) {
        Type[] types = new Type[original.slotCount()];
        for (int s = 0; s < types.length; s++) types[s] = original.entryType(s);
        Block b = new Block(index, types);
        Map<Value, Value> map = new IdentityHashMap<>();
        for (EntryValue e : original.reads().values()) map.put(e, b.read(e.slot()));
        for (Stmt s : original.stmts()) {
            Temp result = null;
            if (s.result() != null) {
                result = new Temp(nextTemp[0]++, s.result().type());
                map.put(s.result(), result);
            }
            b.add(new Stmt(s.insn(), remap(s.args(), map), result, s.line()));
        }
        original.exitValues().forEach((slot, v) -> b.setExit(slot, remap(v, map)));
        Terminator t = original.terminator();
        b.setTerminator(new Terminator(t.kind(), t.insn(), remap(t.args(), map), successors, t.line()));
        if (original.firstLine() > 0) b.setFirstLine(original.firstLine());
        return b;
    }

    private static List<Value> remap(List<Value> values, Map<Value, Value> map) {
        List<Value> r = new ArrayList<>(values.size());
        for (Value v : values) r.add(remap(v, map));
        return r;
    }

    private static Value remap(Value v, Map<Value, Value> map) {
        if (v instanceof Const) return v;
        Value m = map.get(v);
        if (m == null) throw new IllegalStateException("value " + v + " is not defined in its block");
        return m;
    }

    private static int maxTemp(MethodIr ir) {
        int max = -1;
        for (Block b : ir.blocks()) for (Stmt s : b.stmts()) if (s.result() != null) max = Math.max(max, s.result().id());
        return max;
    }
}
