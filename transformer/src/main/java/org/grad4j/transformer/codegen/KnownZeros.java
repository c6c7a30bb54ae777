package org.grad4j.transformer.codegen;

import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import org.objectweb.asm.Handle;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * Passes a function's code through and knows which {@code double} locals hold the 0.0 just
 * stored into them, so that the first contribution to a zeroed adjoint is a store, not
 * {@code 0.0 + x} (see {@link Jvm#accumulateInto}).
 *
 * <p>Why: the JIT may not fold {@code 0.0 + x} into {@code x} (it is {@code +0.0} when {@code x}
 * is {@code -0.0}), so every adjoint that starts at zero and receives one contribution costs a
 * dependent addition; along an accumulator carried through a loop's reverse ({@code s += …}:
 * the slot's adjoint moves to the value written, then to the value read, then back to the slot)
 * that was three additions per iteration on the critical path, about 4 ns.
 *
 * <p>Conservative by construction: a local is known zero only from a {@code dconst_0; dstore}
 * until anything else stores into it or a label is visited (a label is where paths merge). The
 * exception is a {@link SkipLabel}: only forward jumps reach it, so what is known there is what is
 * known on every jump to it and on the fall-through. The emitters use one wherever no jump back
 * can arrive: the end of a guarded statement ({@code if (shadow != null) shadow[i] += d}) or of a
 * library rule's adjoint, a guard of a chain or block in the reverse, a line's start, a block no
 * later block jumps to, the label every exit jumps to. Without them, every element of an array
 * read in a loop's reverse cost the known zeros of the rest of the iteration (Rosenbrock: an
 * addition of 0.0 on the loop-carried adjoint of the sum, every iteration), and every {@code
 * Math.exp} those of the rest of its block. A jump back, a switch or a handler to a skip label
 * is refused (an AssertionError: a wrong zero would drop contributions to an adjoint).
 */
final class KnownZeros extends MethodVisitor {
    /**
     * A label that only forward jumps ({@code visitJumpInsn} before the label is visited) and the
     * fall-through reach: never a loop head, a switch case or a handler.
     */
    static class SkipLabel extends Label {}

    /**
     * A skip label around one statement's straight-line reverse ({@code if (shadow != null)
     * shadow[i] += d}): no other label between its jump and itself, so the negations {@link
     * LazyNegations} puts off survive the jump.
     */
    static final class GuardLabel extends SkipLabel {}

    private final BitSet zero = new BitSet();
    /** Skip labels visited: a jump to one of them would be a jump back, which a skip label must not have. */
    private final Set<Label> visitedSkips = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Per skip label not yet visited: the locals known zero on every jump to it so far. */
    private final Map<Label, BitSet> zeroOnJumps = new HashMap<>();
    private boolean zeroPushed;
    /** Whether the next instruction is reached by falling through (false after a goto, return or throw). */
    private boolean fallsThrough = true;

    KnownZeros(MethodVisitor mv) {
        super(Opcodes.ASM9, mv);
    }

    /** Whether {@code local} holds the 0.0 stored last, on every path to here. */
    boolean isZero(int local) {
        return zero.get(local);
    }

    @Override
    public void visitInsn(int opcode) {
        super.visitInsn(opcode);
        zeroPushed = opcode == Opcodes.DCONST_0;
        if ((opcode >= Opcodes.IRETURN && opcode <= Opcodes.RETURN) || opcode == Opcodes.ATHROW) fallsThrough = false;
    }

    @Override
    public void visitVarInsn(int opcode, int local) {
        super.visitVarInsn(opcode, local);
        if (opcode >= Opcodes.ISTORE && opcode <= Opcodes.ASTORE) {
            zero.clear(Math.max(0, local - 1), local + 2); // a double at local - 1 spans local
            if (opcode == Opcodes.DSTORE && zeroPushed) zero.set(local);
        }
        zeroPushed = false;
    }

    @Override
    public void visitLabel(Label label) {
        super.visitLabel(label);
        if (label instanceof SkipLabel) visitedSkips.add(label);
        BitSet onJumps = zeroOnJumps.remove(label);
        if (!(label instanceof SkipLabel)) {
            zero.clear();
        } else if (!fallsThrough) {
            zero.clear();
            if (onJumps != null) zero.or(onJumps);
        } else if (onJumps != null) {
            zero.and(onJumps);
        }
        zeroPushed = false;
        fallsThrough = true;
    }

    @Override
    public void visitIincInsn(int local, int increment) {
        super.visitIincInsn(local, increment);
        zeroPushed = false;
    }

    @Override
    public void visitIntInsn(int opcode, int operand) {
        super.visitIntInsn(opcode, operand);
        zeroPushed = false;
    }

    @Override
    public void visitTypeInsn(int opcode, String type) {
        super.visitTypeInsn(opcode, type);
        zeroPushed = false;
    }

    @Override
    public void visitFieldInsn(int opcode, String owner, String name, String descriptor) {
        super.visitFieldInsn(opcode, owner, name, descriptor);
        zeroPushed = false;
    }

    @Override
    public void visitMethodInsn(int opcode, String owner, String name, String descriptor, boolean isInterface) {
        super.visitMethodInsn(opcode, owner, name, descriptor, isInterface);
        zeroPushed = false;
    }

    @Override
    public void visitInvokeDynamicInsn(String name, String descriptor, Handle bootstrap, Object... arguments) {
        super.visitInvokeDynamicInsn(name, descriptor, bootstrap, arguments);
        zeroPushed = false;
    }

    @Override
    public void visitJumpInsn(int opcode, Label label) {
        if (visitedSkips.contains(label)) throw new AssertionError("a jump back to a skip label"); // would make a wrong zero: not a size limit to fall back from
        if (label instanceof SkipLabel) {
            BitSet here = (BitSet) zero.clone();
            zeroOnJumps.merge(label, here, (known, more) -> {
                known.and(more);
                return known;
            });
        }
        super.visitJumpInsn(opcode, label);
        zeroPushed = false;
        if (opcode == Opcodes.GOTO) fallsThrough = false;
    }

    @Override
    public void visitLdcInsn(Object value) {
        super.visitLdcInsn(value);
        zeroPushed = false;
    }

    @Override
    public void visitTableSwitchInsn(int min, int max, Label dflt, Label... labels) {
        noSkipLabel(dflt, labels);
        super.visitTableSwitchInsn(min, max, dflt, labels);
        zeroPushed = false;
        fallsThrough = false;
    }

    @Override
    public void visitLookupSwitchInsn(Label dflt, int[] keys, Label[] labels) {
        noSkipLabel(dflt, labels);
        super.visitLookupSwitchInsn(dflt, keys, labels);
        zeroPushed = false;
        fallsThrough = false;
    }

    @Override
    public void visitMultiANewArrayInsn(String descriptor, int numDimensions) {
        super.visitMultiANewArrayInsn(descriptor, numDimensions);
        zeroPushed = false;
    }

    @Override
    public void visitTryCatchBlock(Label start, Label end, Label handler, String type) {
        if (handler instanceof SkipLabel) throw new AssertionError("a handler at a skip label");
        super.visitTryCatchBlock(start, end, handler, type);
    }

    /** Switches jump to plain labels only: what they know is not tracked. */
    private static void noSkipLabel(Label dflt, Label[] labels) {
        if (dflt instanceof SkipLabel) throw new AssertionError("a switch to a skip label");
        for (Label l : labels) if (l instanceof SkipLabel) throw new AssertionError("a switch to a skip label");
    }
}
