package org.grad4j.transformer.split;

import java.util.BitSet;
import org.grad4j.transformer.ActivityMask;
import org.grad4j.transformer.analysis.Activity;
import org.grad4j.transformer.analysis.Callee;
import org.grad4j.transformer.analysis.Cfg;
import org.grad4j.transformer.ir.Block;
import org.grad4j.transformer.ir.EntryValue;
import org.grad4j.transformer.ir.MethodIr;
import org.grad4j.transformer.ir.Stmt;
import org.grad4j.transformer.ir.Types;
import org.grad4j.transformer.ir.Value;
import java.util.function.Predicate;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.MethodInsnNode;

/**
 * Recursive methods whose gradient runs as two plain recursions instead of continuations: a
 * forward one that returns the method's value and, where each call returns, pushes on the value
 * tape what its reverse reads, and a reverse one that pops them back, last call first, and calls
 * itself where the method called itself (split mode, as source-transformation tools call it).
 *
 * <p>Why: as continuations, every call of a recursion ends a generated function, and the rest of
 * the caller runs in a continuation object the callee calls when it has returned its value; the
 * whole program's forward and reverse then sit on the stack at once, five frames and two objects
 * per node of a tree model (8,191 nodes: ~40,000 frames, megabytes of stack, 2.2x the hand-written
 * adjoint). Split, the stack holds one forward or reverse frame per level of the recursion, and
 * the tape a few values per call.
 *
 * <p>Which methods: every differentiated call in the method is a call of itself (the same variant,
 * whether or not outermost: the calls of an outermost variant run its own code, which may read
 * parameter arrays again in reverse, and rightly so, since neither the method nor what it calls
 * writes memory and nothing else runs between those calls' forward and reverse), it has no loop
 * but loops that carry no derivative (a scan for an index: they run as they are, in the forward
 * function),
 * returns a {@code double}, writes no memory (no array or field store, no call but {@code Math}'s
 * — not {@code random()} —, its own and getters') — its forward pass may then be given up and run
 * again on a worker when it gets deep on the caller's thread — and has no {@code long}, {@code
 * float} or tensor value, which the tape's stacks do not hold. Anything else stays
 * continuation-passing.
 */
public final class TapedRecursion {
    /** Larger methods would pass one generated function's size (see {@link Splitter}). */
    static final int MAX_STATEMENTS = 150;

    private TapedRecursion() {}

    /**
     * Whether the method variant runs as a taped recursion.
     *
     * @param writesNothing whether a call grad4j runs as it is writes no memory (a getter: see
     *     {@code CallResolver.writesNothing}), so that the forward pass may run again
     */
    public static boolean applies(MethodIr ir, Cfg cfg, Activity activity, String mask, Predicate<MethodInsnNode> writesNothing) {
        if (!Type.getReturnType(ir.descriptor()).equals(Type.DOUBLE_TYPE)) return false;
        if (!cfg.loops().isEmpty()) { // loops that carry no derivative run as they are; any other needs a tape of its own
            BitSet needsReverse = Splitter.whole(ir, cfg, activity).needsReverse();
            for (Cfg.Loop loop : cfg.loops()) if (loop.body().intersects(needsReverse)) return false;
        }
        // the gradient's own entry (work arrays, checks of data), lambdas, objects and fields given
        // as arguments: code of its own at entry, and never a recursion in practice
        ActivityMask parsed = ActivityMask.parse(mask, Type.getArgumentTypes(ir.descriptor()).length);
        if (parsed.entry() || mask.startsWith("@") || mask.indexOf('|') >= 0 || mask.indexOf(ActivityMask.WORK) >= 0) return false;
        int statements = 0;
        boolean callsItself = false;
        for (int b : cfg.reversePostOrder()) {
            Block block = ir.block(b);
            statements += block.stmts().size();
            for (EntryValue e : block.reads().values()) if (!tapeable(e)) return false;
            for (Stmt s : block.stmts()) {
                if (s.result() != null && !tapeable(s.result())) return false;
                if (activity.isActiveCall(s)) {
                    if (!isSelfCall(ir, activity, s, mask)) return false;
                    callsItself = true;
                } else if (!runsAgainUnseen(s, activity, writesNothing)) {
                    return false;
                }
            }
        }
        return callsItself && statements <= MAX_STATEMENTS;
    }

    /**
     * Whether running the statement twice (the forward pass given up and run again) changes nothing
     * anyone sees: it stores nothing, and calls nothing but {@code Math} ({@link Stmt#isPureMath}: not
     * {@code random()}, whose state would move twice) or a getter run as it is that writes nothing.
     */
    private static boolean runsAgainUnseen(Stmt s, Activity activity, Predicate<MethodInsnNode> writesNothing) {
        if (s.opcode() == Opcodes.PUTFIELD || s.opcode() == Opcodes.PUTSTATIC) return false;
        if (!s.mayWriteMemory()) return true;
        return s.insn() instanceof MethodInsnNode call && !s.isNewInit() && !activity.isActive(s) && writesNothing.test(call);
    }

    /**
     * A call of this very variant: the method itself, not virtual, with the same arguments
     * differentiated ({@link ActivityMask#OUTERMOST} aside).
     */
    public static boolean isSelfCall(MethodIr ir, Activity activity, Stmt call, String mask) {
        if (!(activity.callee(call) instanceof Callee.Differentiated d) || d.virtual()) return false;
        if (!d.owner().equals(ir.owner()) || !d.name().equals(ir.name()) || !d.descriptor().equals(ir.descriptor())) return false;
        Type[] parameters = Type.getArgumentTypes(ir.descriptor());
        return sameVariant(activity.calleeMask(call, d.isStatic()), parameters).equals(sameVariant(mask, parameters));
    }

    /**
     * The mask as far as it changes the code: without {@link ActivityMask#OUTERMOST}, and with
     * parameters that cannot carry a derivative ({@code int}, {@code boolean}, ...) as data, which
     * callers may ask for either way.
     */
    private static String sameVariant(String mask, Type[] parameters) {
        String bits = mask.endsWith(ActivityMask.OUTERMOST) ? mask.substring(0, mask.length() - ActivityMask.OUTERMOST.length()) : mask;
        if (bits.length() != parameters.length) return bits;
        char[] c = bits.toCharArray();
        for (int i = 0; i < c.length; i++) {
            int sort = parameters[i].getSort();
            if (sort != Type.DOUBLE && sort != Type.FLOAT && sort != Type.ARRAY && sort != Type.OBJECT) c[i] = '0';
        }
        return new String(c);
    }

    private static boolean tapeable(Value v) {
        int sort = v.type().getSort();
        return sort != Type.LONG && sort != Type.FLOAT && v.kind() != Types.Kind.TENSOR;
    }

    /**
     * The slots some block writes. A slot none writes (a parameter the method only reads) holds the
     * same value in the reverse function, which takes the same arguments: nothing of it is pushed.
     */
    public static BitSet written(MethodIr ir) {
        BitSet all = new BitSet();
        all.set(0, ir.size());
        return TapedLoops.writtenIn(ir, all);
    }
}
