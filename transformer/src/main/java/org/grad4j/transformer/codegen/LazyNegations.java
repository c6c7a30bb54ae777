package org.grad4j.transformer.codegen;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import org.objectweb.asm.Handle;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * Passes a generated function's code through with its {@code double} negations put off until a
 * value is used in a way that needs its sign, and most of them never written: {@code -c} stored
 * into a local keeps {@code c} there, the local marked as holding the negation of its value; a
 * later {@code x + local} becomes {@code x - c}, {@code local + x} becomes {@code x - c} too,
 * {@code local * y} stays a product whose result is marked, a store moves the mark. The reverse
 * of {@code a = y - x * x} otherwise negates {@code adj a} into {@code adj (x * x)} and again on
 * its way on: every such negation is an instruction on the critical path of a loop's reverse
 * (Rosenbrock: two per element, docs/BENCHMARKS.md).
 *
 * <p>Exact, to the sign of a zero: IEEE 754 defines {@code x - y} as {@code x + (-y)}, addition
 * commutes, negation is exact and a product's or quotient's sign is the product of its operands'.
 * A sum is never marked ({@code -(a - p)} for {@code (-a) + p} reads {@code -0.0} where the code
 * as written reads {@code 0.0}): forward code passes through here too, and its values are the
 * function's (until the twenty-fourth session they were, and the fuzzer found values and arrays
 * holding {@code -0.0} where a plain call left {@code 0.0}, 26 programs in 7,000).
 *
 * <p>What is tracked: which locals are marked, and at most one marked value on the operand stack,
 * its top ({@link Mode#TOP}), with at most one plain push after it held back ({@link Mode#PUSHED}:
 * a {@code dload}, {@code dconst} or {@code ldc}) or a {@code dup2} held back ({@link Mode#DUPLICATED}),
 * until the instruction that consumes them says whether the sign can go on. Anything else writes
 * the pending negation first ({@link #flush}). Where paths meet, they must agree on the marks, and
 * a negation can only be written on the path being emitted, to a local that holds a double there.
 * So a jump writes every pending negation ({@link #materialise}) and its label is reached with no
 * local marked, except the jump of a {@link KnownZeros.GuardLabel} around one statement's
 * straight-line code: it keeps the marks, and until its label a double stored into a local marked
 * on the jump is stored marked too (a store of another type ends the local there: the paths'
 * types then meet as unusable); at the label, marks made since are written. A label only the
 * fall-through reaches (a line's start) keeps every mark.
 */
final class LazyNegations extends MethodVisitor {
    /** What the operand stack's top holds of the marked value. */
    private enum Mode {
        /** Nothing marked on the stack. */
        NONE,
        /** The top is marked: its value is the negation of what is there. */
        TOP,
        /** The top is marked, and a plain push after it is held back (see {@link #pushed}). */
        PUSHED,
        /** The top is marked, and a {@code dup2} of it is held back. */
        DUPLICATED
    }

    /** Locals holding the negation of their value. */
    private final BitSet marked = new BitSet();
    /** Per guard label jumped to and not yet visited: the locals marked on the jump to it. */
    private final Map<Label, BitSet> guards = new HashMap<>();
    /** Other skip labels jumped to and not yet visited (reached with no local marked). */
    private final java.util.Set<Label> jumpedTo = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    private Mode mode = Mode.NONE;
    /** In {@link Mode#PUSHED}: the held-back push, written by {@link #writePushed}. */
    private Runnable pushed;
    /** In {@link Mode#PUSHED}: whether the held-back push is of a marked local, loaded as it is. */
    private boolean pushedMarked;
    /** Whether the next instruction is reached by falling through (false after a goto, return, throw or switch). */
    private boolean fallsThrough = true;

    LazyNegations(MethodVisitor mv) {
        super(Opcodes.ASM9, mv);
    }

    /** Writes what is held back and the pending negation of the stack's top: the stack then holds true values. */
    private void flush() {
        switch (mode) {
            case NONE -> { }
            case TOP -> super.visitInsn(Opcodes.DNEG);
            case PUSHED -> {
                super.visitInsn(Opcodes.DNEG);
                pushed.run();
                if (pushedMarked) super.visitInsn(Opcodes.DNEG);
            }
            case DUPLICATED -> {
                super.visitInsn(Opcodes.DNEG);
                super.visitInsn(Opcodes.DUP2);
            }
        }
        mode = Mode.NONE;
        pushed = null;
    }

    /**
     * Writes {@code -c + t} ({@code added}: {@code DADD}) or {@code -c - t} ({@code DSUB}), the
     * marked top {@code c} and the push {@code t} held back, unmarked: {@code -c + t} as {@code t - c}
     * (the two swapped: stack moves cost nothing once compiled), {@code -c - t} with {@code c}
     * negated. Marking the sum instead ({@code -(c - t)}) would be wrong in the sign of a zero:
     * {@code -(0.0 - 0.0)} is {@code -0.0}, {@code -0.0 + 0.0} is {@code 0.0} — and forward code
     * passes through here too, whose values the function returns. Nor would a loop carrying the
     * sum gain: its jump back writes the negation.
     */
    private void writeSum(int added) {
        if (added == Opcodes.DADD) {
            pushed.run();
            super.visitInsn(Opcodes.DUP2_X2);
            super.visitInsn(Opcodes.POP2);
            write(Opcodes.DSUB, Mode.NONE);
        } else {
            super.visitInsn(Opcodes.DNEG);
            pushed.run();
            write(Opcodes.DSUB, Mode.NONE);
        }
        pushed = null;
    }

    @Override
    public void visitInsn(int opcode) {
        switch (mode) {
            case NONE -> {
                if (opcode == Opcodes.DNEG) {
                    mode = Mode.TOP;
                    return;
                }
            }
            case TOP -> {
                if (onMarkedTop(opcode)) return;
            }
            case PUSHED -> {
                if (opcode == Opcodes.DNEG) { // -(the push): its mark turns
                    pushedMarked = !pushedMarked;
                    return;
                }
                if (opcode == Opcodes.DADD || opcode == Opcodes.DSUB || opcode == Opcodes.DMUL || opcode == Opcodes.DDIV) {
                    writePushed(opcode);
                    return;
                }
            }
            case DUPLICATED -> {
                if (opcode == Opcodes.DADD) { // (-a) + (-a) = -(a + a)
                    super.visitInsn(Opcodes.DUP2);
                    write(Opcodes.DADD, Mode.TOP);
                    return;
                }
            }
        }
        flush();
        end(opcode);
        super.visitInsn(opcode);
    }

    /** Whether {@code opcode} on a marked top keeps or moves the mark (then written as it should be); false to write the negation first. */
    private boolean onMarkedTop(int opcode) {
        switch (opcode) {
            case Opcodes.DNEG -> mode = Mode.NONE;
            // x + (-a) = x - a; x - (-a) = x + a
            case Opcodes.DADD -> write(Opcodes.DSUB, Mode.NONE);
            case Opcodes.DSUB -> write(Opcodes.DADD, Mode.NONE);
            // x · (-a) = -(x · a); x / (-a) = -(x / a)
            case Opcodes.DMUL, Opcodes.DDIV -> write(opcode, Mode.TOP);
            case Opcodes.DUP2 -> mode = Mode.DUPLICATED;
            case Opcodes.DCONST_0, Opcodes.DCONST_1 -> holdBack(() -> super.visitInsn(opcode), false);
            default -> {
                return false;
            }
        }
        return true;
    }

    /**
     * {@code (-a) op p} where the top {@code a} is marked and the push {@code p} held back is
     * marked or not: written as {@code a op' p}, the result marked or not.
     */
    private void writePushed(int opcode) {
        boolean p = pushedMarked;
        boolean sum = opcode == Opcodes.DADD || opcode == Opcodes.DSUB;
        if (sum) { // -a ± p, -a ± -p: written exactly, unmarked (see writeSum)
            writeSum(opcode == Opcodes.DADD ^ p ? Opcodes.DADD : Opcodes.DSUB); // -a - -p = -a + p
            return;
        }
        pushed.run();
        pushed = null;
        // (-a)(-p) = a p, (-a) p = -(a p), alike for a quotient: exact, signs of zeros included
        write(opcode, p ? Mode.NONE : Mode.TOP);
    }

    private void write(int opcode, Mode then) {
        super.visitInsn(opcode);
        mode = then;
    }

    private void holdBack(Runnable push, boolean isMarked) {
        mode = Mode.PUSHED;
        pushed = push;
        pushedMarked = isMarked;
    }

    /** After a return or a throw, nothing falls through. */
    private void end(int opcode) {
        if ((opcode >= Opcodes.IRETURN && opcode <= Opcodes.RETURN) || opcode == Opcodes.ATHROW) fallsThrough = false;
    }

    @Override
    public void visitVarInsn(int opcode, int local) {
        if (opcode == Opcodes.DLOAD) {
            boolean isMarked = marked.get(local);
            if (mode == Mode.TOP) {
                holdBack(() -> super.visitVarInsn(Opcodes.DLOAD, local), isMarked);
                return;
            }
            flush();
            super.visitVarInsn(opcode, local);
            if (isMarked) mode = Mode.TOP;
            return;
        }
        if (opcode < Opcodes.ISTORE || opcode > Opcodes.ASTORE) {
            flush();
            super.visitVarInsn(opcode, local);
            return;
        }
        // a double into a local a pending guard's jump left marked: stored marked too, so that the paths agree
        boolean keepsMark = opcode == Opcodes.DSTORE && marksOnGuards().get(local);
        boolean storesMarked = opcode == Opcodes.DSTORE && (mode == Mode.TOP || keepsMark);
        if (mode == Mode.TOP && storesMarked) {
            mode = Mode.NONE; // the value as it is, the local marked
        } else {
            flush();
            if (storesMarked) super.visitInsn(Opcodes.DNEG);
        }
        super.visitVarInsn(opcode, local);
        int size = opcode == Opcodes.DSTORE || opcode == Opcodes.LSTORE ? 2 : 1;
        for (BitSet onJump : guards.values()) { // a value of another type: unusable where the paths meet
            for (int b = Math.max(0, local - 1); b < local + size; b++) if (!(b == local && storesMarked)) onJump.clear(b);
        }
        marked.clear(Math.max(0, local - 1), local + size); // a double at local - 1 spans local
        if (storesMarked) marked.set(local);
    }

    /** The locals marked on the jump of some guard whose label is not reached yet. */
    private BitSet marksOnGuards() {
        BitSet all = new BitSet();
        for (BitSet onJump : guards.values()) all.or(onJump);
        return all;
    }

    @Override
    public void visitLdcInsn(Object value) {
        if (mode == Mode.TOP && value instanceof Double) {
            holdBack(() -> super.visitLdcInsn(value), false);
            return;
        }
        flush();
        super.visitLdcInsn(value);
    }

    @Override
    public void visitJumpInsn(int opcode, Label label) {
        flush();
        if (label instanceof KnownZeros.GuardLabel) {
            if (guards.containsKey(label)) throw new AssertionError("a second jump to a guard label");
            guards.put(label, (BitSet) marked.clone());
        } else {
            materialise();
            if (label instanceof KnownZeros.SkipLabel) jumpedTo.add(label);
        }
        super.visitJumpInsn(opcode, label);
        if (opcode == Opcodes.GOTO) fallsThrough = false;
    }

    @Override
    public void visitLabel(Label label) {
        flush();
        if (label instanceof KnownZeros.GuardLabel) {
            BitSet onJump = guards.remove(label);
            if (!fallsThrough) {
                marked.clear();
                if (onJump != null) marked.or(onJump);
            } else if (onJump != null) { // marked since the jump: written (the stores kept those of the jump marked)
                BitSet since = (BitSet) marked.clone();
                since.andNot(onJump);
                write(since);
                marked.and(onJump);
                if (!marked.equals(onJump)) throw new AssertionError("a guard's mark lost before its label");
            }
        } else if (label instanceof KnownZeros.SkipLabel) {
            boolean jumped = jumpedTo.remove(label);
            if (!fallsThrough) marked.clear();
            else if (jumped) materialise();
        } else {
            if (fallsThrough) materialise();
            marked.clear();
        }
        super.visitLabel(label);
        fallsThrough = true;
    }

    /** Writes every pending negation of a local: none is marked after. */
    private void materialise() {
        if (!marksOnGuards().isEmpty()) throw new AssertionError("a jump or label inside a guard");
        write(marked);
        marked.clear();
    }

    /** Writes the negations of these locals (each holds a double here). */
    private void write(BitSet locals) {
        for (int local = locals.nextSetBit(0); local >= 0; local = locals.nextSetBit(local + 1)) {
            super.visitVarInsn(Opcodes.DLOAD, local);
            super.visitInsn(Opcodes.DNEG);
            super.visitVarInsn(Opcodes.DSTORE, local);
        }
    }

    @Override
    public void visitTableSwitchInsn(int min, int max, Label dflt, Label... labels) {
        flush();
        materialise();
        super.visitTableSwitchInsn(min, max, dflt, labels);
        fallsThrough = false;
    }

    @Override
    public void visitLookupSwitchInsn(Label dflt, int[] keys, Label[] labels) {
        flush();
        materialise();
        super.visitLookupSwitchInsn(dflt, keys, labels);
        fallsThrough = false;
    }

    @Override
    public void visitTryCatchBlock(Label start, Label end, Label handler, String type) {
        // a handler would see the marks of wherever the exception was thrown
        throw new AssertionError("generated code has no exception handlers");
    }

    @Override
    public void visitIntInsn(int opcode, int operand) {
        flush();
        super.visitIntInsn(opcode, operand);
    }

    @Override
    public void visitTypeInsn(int opcode, String type) {
        flush();
        super.visitTypeInsn(opcode, type);
    }

    @Override
    public void visitFieldInsn(int opcode, String owner, String name, String descriptor) {
        flush();
        super.visitFieldInsn(opcode, owner, name, descriptor);
    }

    @Override
    public void visitMethodInsn(int opcode, String owner, String name, String descriptor, boolean isInterface) {
        flush();
        super.visitMethodInsn(opcode, owner, name, descriptor, isInterface);
    }

    @Override
    public void visitInvokeDynamicInsn(String name, String descriptor, Handle bootstrap, Object... arguments) {
        flush();
        super.visitInvokeDynamicInsn(name, descriptor, bootstrap, arguments);
    }

    @Override
    public void visitIincInsn(int local, int increment) {
        flush();
        super.visitIincInsn(local, increment);
    }

    @Override
    public void visitMultiANewArrayInsn(String descriptor, int numDimensions) {
        flush();
        super.visitMultiANewArrayInsn(descriptor, numDimensions);
    }

    @Override
    public void visitFrame(int type, int numLocal, Object[] local, int numStack, Object[] stack) {
        flush();
        super.visitFrame(type, numLocal, local, numStack, stack);
    }

    @Override
    public void visitMaxs(int maxStack, int maxLocals) {
        flush();
        super.visitMaxs(maxStack, maxLocals);
    }
}
