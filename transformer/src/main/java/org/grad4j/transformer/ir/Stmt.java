package org.grad4j.transformer.ir;

import java.util.List;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.IincInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;

/**
 * A three-address statement: the original instruction applied to explicit operand values,
 * defining at most one {@link Temp}. Re-emitting the instruction between loads of the
 * operands and a store of the result reproduces the original computation.
 *
 * <p>Two shapes are normalised by the lifter: {@code iinc} (its operand is the slot's value)
 * and {@code new T; dup; ...; invokespecial T.<init>} which becomes one statement on the
 * {@code invokespecial} (see {@link #isNewInit()}), so no uninitialised reference is ever
 * held in a local or carried across a split.
 */
public final class Stmt {
    private final AbstractInsnNode insn;
    private final List<Value> args;
    private final Temp result;
    private final int line;

    public Stmt(AbstractInsnNode insn, List<Value> args, Temp result, int line) {
        this.insn = insn;
        this.args = List.copyOf(args);
        this.result = result;
        this.line = line;
    }

    public AbstractInsnNode insn() { return insn; }
    public int opcode() { return insn.getOpcode(); }
    public List<Value> args() { return args; }
    public Value arg(int i) { return args.get(i); }
    /** The defined temp, or null. */
    public Temp result() { return result; }
    /** Source line, or -1. */
    public int line() { return line; }

    public boolean isInvoke() {
        return insn instanceof MethodInsnNode;
    }

    /**
     * Whether the statement may change an array element or other memory a later load reads: array
     * stores, calls (but {@link #isPureMath}) and monitors.
     */
    public boolean mayWriteMemory() {
        int op = opcode();
        if (insn instanceof MethodInsnNode m) return !isPureMath(m);
        return (op >= Opcodes.IASTORE && op <= Opcodes.SASTORE) || op == Opcodes.INVOKEDYNAMIC
                || op == Opcodes.MONITORENTER || op == Opcodes.MONITOREXIT;
    }

    /**
     * A static of {@code java.lang.Math} or {@code StrictMath} that computes from its arguments
     * alone: all but {@code random()}, whose generator has a state (a call of it run twice draws twice).
     */
    public static boolean isPureMath(MethodInsnNode m) {
        return m.getOpcode() == Opcodes.INVOKESTATIC && !m.name.equals("random")
                && (m.owner.equals("java/lang/Math") || m.owner.equals("java/lang/StrictMath"));
    }

    /** A constructor call that also allocates: {@code new T(args)}. */
    public boolean isNewInit() {
        return insn instanceof MethodInsnNode m && m.getOpcode() == Opcodes.INVOKESPECIAL
                && m.name.equals("<init>") && result != null;
    }

    public int increment() {
        return ((IincInsnNode) insn).incr;
    }

    @Override
    public String toString() {
        return IrPrinter.statement(this);
    }
}
