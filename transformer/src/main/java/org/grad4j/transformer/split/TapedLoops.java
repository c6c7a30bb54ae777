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
import org.grad4j.transformer.analysis.Cfg;
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
 * no tensor and no {@code long} in active code, and is small enough to be one generated
 * function; the {@link Splitter} then makes no function heads inside it. The values saved per
 * block leave out constants and what the nest never changes (the value of a slot no block of the
 * nest writes is still in its local when the reverse runs).
 */
public final class TapedLoops {
    /** What one run of a block pushes: values by stack (floats go to the double one), and array shadows. */
    public record BlockTape(List<Value> doubles, List<Value> ints, List<Value> objects, List<Value> shadows) {}

    /** A taped nest: its header, its blocks and what each pushes (blocks that need no reverse code push nothing). */
    public record Tape(int header, BitSet body, Map<Integer, BlockTape> blocks) {}

    private final Map<Integer, Tape> tapes = new TreeMap<>();

    private TapedLoops() {}

    /**
     * The headers of the nests to tape: outermost loops that need reverse code and qualify (see the
     * class comment); inside a loop that does not qualify, its inner loops are tried.
     */
    static BitSet nests(MethodIr ir, Cfg cfg, Activity activity, BitSet needsReverse, int maxStatements) {
        Map<Integer, BitSet> bodies = bodies(cfg);
        List<Integer> outerFirst = new ArrayList<>(bodies.keySet());
        outerFirst.sort(Comparator.comparingInt(h -> -bodies.get(h).cardinality()));
        BitSet chosen = new BitSet();
        BitSet covered = new BitSet();
        for (int h : outerFirst) {
            BitSet body = bodies.get(h);
            if (covered.get(h) || !body.intersects(needsReverse) || !qualifies(ir, activity, body, maxStatements)) continue;
            chosen.set(h);
            covered.or(body);
        }
        return chosen;
    }

    private static Map<Integer, BitSet> bodies(Cfg cfg) {
        Map<Integer, BitSet> bodies = new TreeMap<>(); // loops sharing a header (several back edges) are one
        for (Cfg.Loop loop : cfg.loops()) bodies.computeIfAbsent(loop.header(), h -> new BitSet()).or(loop.body());
        return bodies;
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
        Map<Integer, BitSet> bodies = bodies(cfg);
        BitSet body = bodies.get(header);
        for (int other : bodies.keySet()) if (other != header && body.get(other)) return false;
        for (int b = body.nextSetBit(0); b >= 0; b = body.nextSetBit(b + 1)) {
            if (ir.block(b).terminator().kind() == Terminator.Kind.RETURN || hasTensor(ir.block(b))) return false;
        }
        return true;
    }

    /** What each block of each nest the split taped pushes. */
    public static TapedLoops plan(MethodIr ir, Cfg cfg, Split split, Activity activity) {
        TapedLoops t = new TapedLoops();
        Map<Integer, BitSet> bodies = bodies(cfg);
        BitSet taped = split.taped();
        for (int h = taped.nextSetBit(0); h >= 0; h = taped.nextSetBit(h + 1)) {
            BitSet body = bodies.get(h);
            Region r = split.regionHeadedBy(h);
            if (r.blocks().size() != body.cardinality() || !r.blocks().stream().allMatch(body::get)) {
                throw new IllegalStateException("taped loop b" + h + " is not one region: " + r.blocks() + " vs " + body);
            }
            BitSet written = new BitSet();
            for (int b = body.nextSetBit(0); b >= 0; b = body.nextSetBit(b + 1)) ir.block(b).exitValues().keySet().forEach(written::set);
            Map<Integer, BlockTape> blocks = new TreeMap<>();
            for (int b = body.nextSetBit(0); b >= 0; b = body.nextSetBit(b + 1)) {
                if (split.needsReverse(b)) blocks.put(b, blockTape(ir.block(b), activity, written));
            }
            t.tapes.put(h, new Tape(h, (BitSet) body.clone(), blocks));
        }
        return t;
    }

    public static TapedLoops none() {
        return new TapedLoops();
    }

    /** The tape of the nest headed by {@code header}, or null when it is not taped. */
    public Tape of(int header) {
        return tapes.get(header);
    }

    public boolean isTaped(int header) {
        return tapes.containsKey(header);
    }

    private static BlockTape blockTape(Block block, Activity activity, BitSet written) {
        Set<Value> values = new LinkedHashSet<>(); // values are compared by identity; the order is the program's
        Set<Value> shadows = new LinkedHashSet<>();
        for (Stmt s : block.stmts()) if (activity.isActive(s)) readsInReverse(s, values, shadows);
        List<Value> doubles = new ArrayList<>(), ints = new ArrayList<>(), objects = new ArrayList<>(), saved = new ArrayList<>();
        for (Value v : values) {
            if (v instanceof Const || isInvariant(v, written)) continue;
            switch (v.type().getSort()) {
                case Type.DOUBLE, Type.FLOAT -> doubles.add(v);
                case Type.OBJECT, Type.ARRAY -> objects.add(v);
                default -> ints.add(v); // int, short, byte, char, boolean (longs were excluded)
            }
        }
        for (Value v : shadows) if (!(v instanceof Const) && !isInvariant(v, written)) saved.add(v);
        return new BlockTape(doubles, ints, objects, saved);
    }

    /** A slot no block of the nest writes holds the same value (and shadow) in every iteration. */
    private static boolean isInvariant(Value v, BitSet written) {
        return v instanceof EntryValue e && !written.get(e.slot());
    }

    /**
     * Adds what the adjoint of an active statement reads, mirroring {@code StatementEmitter.adjoint}
     * for the statements of scalar code; for the rest (library rules, whole-array operations,
     * {@code @Parameter} reads) every operand, the result and their shadows, a superset.
     */
    private static void readsInReverse(Stmt s, Set<Value> values, Set<Value> shadows) {
        switch (s.opcode()) {
            case Opcodes.DADD, Opcodes.FADD, Opcodes.DSUB, Opcodes.FSUB, Opcodes.DNEG, Opcodes.FNEG, Opcodes.F2D,
                    Opcodes.D2F -> { }
            case Opcodes.DMUL, Opcodes.FMUL -> values.addAll(s.args());
            case Opcodes.DDIV, Opcodes.FDIV -> {
                values.add(s.arg(1));
                values.add(s.result());
            }
            case Opcodes.DALOAD, Opcodes.FALOAD, Opcodes.DASTORE, Opcodes.FASTORE -> {
                values.add(s.arg(1));
                shadows.add(s.arg(0));
            }
            // forward-only: the shadow of a row, a new array or a cast; a row stored into a container
            case Opcodes.NEWARRAY, Opcodes.ANEWARRAY, Opcodes.MULTIANEWARRAY, Opcodes.CHECKCAST, Opcodes.AALOAD,
                    Opcodes.AASTORE -> { }
            default -> {
                values.addAll(s.args());
                if (s.result() != null) values.add(s.result());
                for (Value a : s.args()) if (a.type().getSort() >= Type.ARRAY) shadows.add(a);
                if (s.result() != null && s.result().type().getSort() >= Type.ARRAY) shadows.add(s.result());
            }
        }
    }
}
