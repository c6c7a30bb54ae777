package org.grad4j.transformer.codegen;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.grad4j.transformer.analysis.Activity;
import org.grad4j.transformer.ir.Block;
import org.grad4j.transformer.ir.Const;
import org.grad4j.transformer.ir.EntryValue;
import org.grad4j.transformer.ir.MethodIr;
import org.grad4j.transformer.ir.Stmt;
import org.grad4j.transformer.ir.Terminator;
import org.grad4j.transformer.ir.Value;
import org.objectweb.asm.Opcodes;

/**
 * What a taped recursion's two functions agree on (see {@code split.TapedRecursion}): its
 * {@code return}s, numbered, and for each the blocks that can lead to it — whose kept locals its
 * record holds — and whether one path alone leads there (the blocks that ran are then known, and
 * no flag is kept); the values of the differentiated calls (their reverse reads the value's
 * adjoint, never the value); which values the reverse computes again instead of popping; and
 * whether the reverse can tell which {@code return} was taken from the parameters ({@link Decision}).
 */
final class RecursionPlan {
    private final MethodIr ir;
    private final List<Integer> returns = new ArrayList<>();
    private final List<BitSet> leadingTo = new ArrayList<>();
    private final List<Boolean> onePath = new ArrayList<>();
    private final Set<Value> callValues = Collections.newSetFromMap(new IdentityHashMap<>());

    private final Decision decision;

    /**
     * @param order the method's blocks in reverse post-order (loops only where nothing needs reverse code)
     * @param fromSlot the entry values the reverse function has without the tape: parameters never written
     */
    RecursionPlan(MethodIr ir, List<Integer> order, Activity activity, Predicate<EntryValue> fromSlot) {
        this.ir = ir;
        for (int b : order) {
            Block block = ir.block(b);
            Stmt last = block.lastStmt();
            if (last != null && last.result() != null && activity.isActiveCall(last)) callValues.add(last.result());
            if (block.terminator().kind() != Terminator.Kind.RETURN) continue;
            BitSet leads = leadingTo(order, b);
            returns.add(b);
            leadingTo.add(leads);
            onePath.add(isOnePath(leads, b));
        }
        this.decision = returns.size() > 1 ? decide(order, activity, fromSlot) : null;
    }

    /**
     * How the reverse function tells which {@code return} its forward call took without reading a
     * number off the tape: from the entry, through blocks that call nothing and branch on what the
     * parameters give — cheap arithmetic ({@link #computedAgain}'s, compares too) of parameters
     * never written and constants, {@code if (depth == 0)}, {@code if (hi - lo == 1)} — until each
     * path reaches a block from which one {@code return} alone can be reached.
     *
     * @param order the blocks to decide in, the entry's first, each after the blocks that branch to it
     * @param decided by block: the {@code return} every path from it reaches
     * @param recomputed by block deciding: the statements its branch's operands are computed by, in order
     */
    record Decision(List<Integer> order, Map<Integer, Integer> decided, Map<Integer, List<Stmt>> recomputed) {}

    /** How the reverse decides which {@code return} was taken; null: the forward function pushes its number. */
    Decision decision() {
        return decision;
    }

    private Decision decide(List<Integer> order, Activity activity, Predicate<EntryValue> fromSlot) {
        List<Integer> decisionOrder = new ArrayList<>();
        Map<Integer, Integer> decided = new java.util.HashMap<>();
        Map<Integer, List<Stmt>> recomputed = new java.util.HashMap<>();
        BitSet reached = new BitSet();
        reached.set(order.get(0));
        for (int b : order) { // reverse post-order: a block after every block that branches to it, but along a loop
            if (!reached.get(b)) continue;
            decisionOrder.add(b);
            int site = onlyReturnFrom(b);
            if (site >= 0) {
                decided.put(b, site);
                continue;
            }
            Block block = ir.block(b);
            Stmt last = block.lastStmt();
            Terminator t = block.terminator();
            if (last != null && activity.isActiveCall(last) || t.kind() != Terminator.Kind.BRANCH && t.kind() != Terminator.Kind.GOTO) {
                return null;
            }
            List<Stmt> needed = operandsOf(block, t.args(), fromSlot);
            if (needed == null) return null;
            recomputed.put(b, needed);
            for (int succ : t.successors()) {
                if (order.indexOf(succ) <= order.indexOf(b)) return null; // a loop: the decision would run it
                reached.set(succ);
            }
        }
        return new Decision(List.copyOf(decisionOrder), Map.copyOf(decided), Map.copyOf(recomputed));
    }

    /** The one {@code return} reachable from {@code block}, or -1 when there are several (or none). */
    private int onlyReturnFrom(int block) {
        int only = -1;
        for (int site = 0; site < returns.size(); site++) {
            if (!leadingTo.get(site).get(block)) continue;
            if (only >= 0) return -1;
            only = site;
        }
        return only;
    }

    /**
     * The statements of {@code block} that compute {@code operands} from constants and {@code
     * fromSlot} values, in order, or null when one of them is computed otherwise.
     */
    private static List<Stmt> operandsOf(Block block, List<Value> operands, Predicate<EntryValue> fromSlot) {
        Map<Value, Stmt> cheap = new IdentityHashMap<>();
        Set<Value> known = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Stmt s : block.stmts()) {
            if (s.result() == null || !(isCheap(s, false, fromSlot) || isCompare(s)) || !operandsAt(s, known, fromSlot)) continue;
            known.add(s.result());
            cheap.put(s.result(), s);
        }
        Set<Stmt> needed = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Value> work = new ArrayDeque<>(operands);
        while (!work.isEmpty()) {
            Value v = work.poll();
            if (v instanceof Const || v instanceof EntryValue e && fromSlot.test(e)) continue;
            Stmt s = cheap.get(v);
            if (s == null) return null;
            if (needed.add(s)) work.addAll(s.args());
        }
        return block.stmts().stream().filter(needed::contains).toList();
    }

    private static boolean isCompare(Stmt s) {
        return s.opcode() == Opcodes.DCMPL || s.opcode() == Opcodes.DCMPG || s.opcode() == Opcodes.LCMP;
    }

    /** The {@code return} blocks, in order: their positions are the numbers the forward function pushes. */
    List<Integer> returns() {
        return returns;
    }

    /** The blocks from which {@code return} number {@code site} can be reached, its own included. */
    BitSet leadingTo(int site) {
        return leadingTo.get(site);
    }

    /** Whether one path alone leads from the entry to {@code return} number {@code site}: the blocks that ran are {@link #leadingTo}. */
    boolean onePath(int site) {
        return onePath.get(site);
    }

    boolean isCallValue(Value v) {
        return callValues.contains(v);
    }

    private BitSet leadingTo(List<Integer> order, int block) {
        BitSet leads = new BitSet();
        leads.set(block);
        boolean grew = true;
        while (grew) { // once over, successors first, without loops; again for a loop's jump back
            grew = false;
            for (int i = order.size() - 1; i >= 0; i--) {
                int b = order.get(i);
                if (leads.get(b)) continue;
                for (int succ : ir.block(b).successors()) {
                    if (leads.get(succ)) {
                        leads.set(b);
                        grew = true;
                        break;
                    }
                }
            }
        }
        return leads;
    }

    /** Each block that leads to {@code site} (but itself) goes on to exactly one that does too (a loop's blocks: two). */
    private boolean isOnePath(BitSet blocks, int site) {
        for (int b = blocks.nextSetBit(0); b >= 0; b = blocks.nextSetBit(b + 1)) {
            if (b == site) continue;
            int inside = 0;
            for (int succ : ir.block(b).successors()) if (blocks.get(succ)) inside++;
            if (inside != 1) return false;
        }
        return true;
    }

    /**
     * The values of {@code block} that its reverse computes again where it starts, instead of
     * popping them: those it reads that cheap work computes from constants and what the reverse
     * function has without the tape ({@code fromSlot}: the parameters, never written), and what they
     * are computed from. Cheap: arithmetic and lengths ({@code 2 * i + 1}, {@code depth - 1}, {@code
     * i % x.length}) and, when {@code rereads} (the outermost variant: nothing writes an array before
     * its reverse, and the method writes none), element reads of parameter arrays ({@code w[2 * i]}).
     * The block ran, so none of it can throw now.
     */
    static Set<Value> computedAgain(Block block, Set<Value> reverseRead, Predicate<EntryValue> fromSlot, boolean rereads) {
        Set<Value> cheap = Collections.newSetFromMap(new IdentityHashMap<>());
        Map<Value, Stmt> definedBy = new IdentityHashMap<>();
        for (Stmt s : block.stmts()) {
            if (s.result() != null && isCheap(s, rereads, fromSlot) && operandsAt(s, cheap, fromSlot)) {
                cheap.add(s.result());
                definedBy.put(s.result(), s);
            }
        }
        Set<Value> again = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Value> work = new ArrayDeque<>();
        for (Value v : reverseRead) if (cheap.contains(v)) work.add(v);
        while (!work.isEmpty()) {
            Value v = work.poll();
            if (!again.add(v)) continue;
            for (Value a : definedBy.get(v).args()) if (cheap.contains(a)) work.add(a);
        }
        return again;
    }

    private static boolean isCheap(Stmt s, boolean rereads, Predicate<EntryValue> fromSlot) {
        return switch (s.opcode()) {
            case Opcodes.IADD, Opcodes.ISUB, Opcodes.IMUL, Opcodes.IDIV, Opcodes.IREM, Opcodes.INEG, Opcodes.ISHL,
                    Opcodes.ISHR, Opcodes.IUSHR, Opcodes.IAND, Opcodes.IOR, Opcodes.IXOR, Opcodes.I2D, Opcodes.DADD,
                    Opcodes.DSUB, Opcodes.DMUL, Opcodes.DNEG, Opcodes.ARRAYLENGTH -> true;
            case Opcodes.DALOAD, Opcodes.IALOAD -> rereads && s.arg(0) instanceof EntryValue a && fromSlot.test(a);
            default -> false;
        };
    }

    private static boolean operandsAt(Stmt s, Set<Value> cheap, Predicate<EntryValue> fromSlot) {
        for (Value a : s.args()) {
            boolean has = a instanceof Const || cheap.contains(a) || (a instanceof EntryValue e && fromSlot.test(e));
            if (!has) return false;
        }
        return true;
    }
}
