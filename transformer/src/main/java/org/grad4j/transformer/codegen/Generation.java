package org.grad4j.transformer.codegen;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.grad4j.transformer.Refusal;
import org.grad4j.transformer.analysis.Activity;
import org.grad4j.transformer.analysis.Callee;
import org.grad4j.transformer.analysis.Liveness;
import org.grad4j.transformer.analysis.ReadOnlyArrays;
import org.grad4j.transformer.analysis.ResultOnly;
import org.grad4j.transformer.analysis.ReturnedAsIs;
import org.grad4j.transformer.ir.Block;
import org.grad4j.transformer.ir.MethodIr;
import org.grad4j.transformer.ir.Stmt;
import org.grad4j.transformer.split.LoopEnvironments;
import org.grad4j.transformer.split.TapedLoops;
import org.grad4j.transformer.split.Region;
import org.grad4j.transformer.split.Split;
import org.objectweb.asm.Type;

/** Everything the emitters of one method variant share. */
final class Generation {
    final MethodIr ir;
    final Activity activity;
    final Liveness liveness;
    final Split split;
    final Refusal refusal;
    final String className;
    final String mask;
    /** {@link #mask} parsed: which of the method's own parameters are differentiated. */
    final org.grad4j.transformer.ActivityMask activityMask;
    final String continuation;
    final HostAccess hostAccess;
    final List<ContinuationSpec> continuations = new ArrayList<>();
    private final Map<Integer, FunctionShape> shapes = new HashMap<>();
    final FunctionShape entryShape;
    final LoopEnvironments environments;
    final TapedLoops tapes;
    final ReadOnlyArrays readOnly;
    /** The stack depth does not grow with the input (no loop as recursion, no differentiated call). */
    final boolean boundedDepth;
    /** Values whose only uses are {@code arraylength}: reading one's length tells nothing of its numbers. */
    final java.util.Set<org.grad4j.transformer.ir.Value> lengthOnly;

    Generation(MethodIr ir, Activity activity, Liveness liveness, Split split, LoopEnvironments environments,
               TapedLoops tapes, ReadOnlyArrays readOnly, Refusal refusal, String className, String mask,
               boolean boundedDepth) {
        this.ir = ir;
        this.tapes = tapes;
        this.readOnly = readOnly;
        this.boundedDepth = boundedDepth;
        this.lengthOnly = lengthOnly(ir);
        this.activity = activity;
        this.liveness = liveness;
        this.split = split;
        this.refusal = refusal;
        this.className = className;
        this.mask = mask;
        this.activityMask = org.grad4j.transformer.ActivityMask.parse(mask, Type.getArgumentTypes(ir.descriptor()).length);
        this.continuation = Jvm.continuationFor(Type.getReturnType(ir.descriptor()));
        this.hostAccess = new HostAccess(ir.owner());
        this.entryShape = FunctionShape.entry(ir.owner(), ir.descriptor(), ir.isStatic(), ir.parameterSlots(), continuation);
        this.environments = environments;
        for (Region r : split.regions()) {
            if (r == split.regions().get(0)) continue;
            shapes.put(r.head(), regionShape(r.head()));
        }
    }

    /** Environment parameters first (outer loops first), then the live slots no environment holds. */
    private FunctionShape regionShape(int head) {
        var live = liveness.liveIn(head);
        List<Integer> slots = new ArrayList<>();
        List<Type> types = new ArrayList<>();
        for (LoopEnvironments.LoopEnv env : environments.around(head)) {
            slots.add(env.slot());
            types.add(Type.getObjectType(environmentClass(env.header())));
            for (int f : env.fields()) live.clear(f);
        }
        for (int s = live.nextSetBit(0); s >= 0; s = live.nextSetBit(s + 1)) {
            slots.add(s);
            types.add(ir.block(head).entryType(s));
        }
        return new FunctionShape("b" + head, slots.stream().mapToInt(Integer::intValue).toArray(),
                types.toArray(new Type[0]), continuation);
    }

    String environmentClass(int header) {
        return className + "$E" + header;
    }

    /** The environment of the loop a pseudo-slot stands for. */
    LoopEnvironments.LoopEnv environment(int slot) {
        return environments.headedBy(slot - LoopEnvironments.ENV_SLOT);
    }

    static boolean isEnvironment(int slot) {
        return slot >= LoopEnvironments.ENV_SLOT;
    }

    /** The shape of the function headed by a block that is not the method's entry region. */
    FunctionShape shapeOf(int head) {
        FunctionShape s = shapes.get(head);
        if (s == null) throw new IllegalStateException("block " + head + " heads no function");
        return s;
    }

    /**
     * Whether a call's result, which block {@code after} receives, is this method's result as it is
     * ({@code return loss(p, data);} in a lambda, perhaps through blocks that only move it: {@link
     * ReturnedAsIs}): the call then takes this function's own continuation instead of one of its
     * own, which would only pass the value on and its adjoint back. Besides the allocation, the
     * callee then sees the gradient's top continuation where there is one: a sum it returns as it
     * is knows its adjoint (1), and whether the value is wanted, before its loop runs ({@code
     * TapedLoops.Reduction#returned}, {@code #sumOnly}). Numbers only, of the method's own type.
     */
    boolean returnsAsItIs(int after, Type calleeResult) {
        return isNumber(calleeResult) && calleeResult.equals(Type.getReturnType(ir.descriptor()))
                && ReturnedAsIs.from(ir, after, callResultSlot(after));
    }

    /**
     * Whether a call's number result, which block {@code after} receives, reaches nothing but this
     * method's result, through arithmetic whose adjoints do not read it ({@link ResultOnly}): its
     * continuation then does not read it when this method's does not read the result ({@code
     * ContinuationSpec#resultOnlyFormsCallers}).
     */
    boolean resultOnlyFormsOurs(int after, Type calleeResult) {
        return isNumber(calleeResult) && ResultOnly.formsOnlyTheResult(ir, activity, after, callResultSlot(after));
    }

    private static boolean isNumber(Type t) {
        return t.getSort() == Type.DOUBLE || t.getSort() == Type.FLOAT;
    }

    /** Where the block after a call holds the call's result: the top of its operand stack. */
    private int callResultSlot(int after) {
        return ir.block(after).slotCount() - 1;
    }

    /**
     * Whether only calls that pass their caller's continuation on ({@link #returnsAsItIs}) lead to
     * {@code head}: then nothing calls its function, and it is not generated.
     */
    boolean reachedOnlyByTailCalls(int head) {
        boolean reached = false;
        for (Block b : ir.blocks()) {
            for (int next : b.successors()) {
                if (next != head) continue;
                Stmt last = b.lastStmt();
                if (last == null || !activity.isActiveCall(last)) return false;
                Type result = Type.getReturnType(((Callee.Differentiated) activity.callee(last)).descriptor());
                if (!returnsAsItIs(head, result)) return false;
                reached = true;
            }
        }
        return reached;
    }

    String continuationClass(int callBlock) {
        return className + "$K" + callBlock;
    }

    private static java.util.Set<org.grad4j.transformer.ir.Value> lengthOnly(MethodIr ir) {
        java.util.Set<org.grad4j.transformer.ir.Value> length = new java.util.HashSet<>(), other = new java.util.HashSet<>();
        for (org.grad4j.transformer.ir.Block b : ir.blocks()) {
            for (org.grad4j.transformer.ir.Stmt st : b.stmts()) {
                (st.opcode() == org.objectweb.asm.Opcodes.ARRAYLENGTH ? length : other).addAll(st.args());
            }
            other.addAll(b.exitValues().values());
            if (b.terminator() != null) other.addAll(b.terminator().args());
        }
        length.removeAll(other);
        return length;
    }
}
