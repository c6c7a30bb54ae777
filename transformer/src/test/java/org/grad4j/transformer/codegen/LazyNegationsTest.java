package org.grad4j.transformer.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.grad4j.transformer.ClassFileLocator;
import org.grad4j.transformer.GeneratedCode;
import org.grad4j.transformer.Transformer;
import org.grad4j.transformer.examples.Loops;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * {@link LazyNegations} leaves what code computes as it was: random straight-line code on
 * doubles, with guarded statements, skipped stretches and a loop, is written twice, as it is and
 * through LazyNegations, and both run on random inputs, zeros of both signs among them (the
 * results equal to the bit: forward code passes through LazyNegations too, and a function's
 * values must be what a plain call computes, the sign of a zero included).
 * And the reverse of a Rosenbrock-shaped loop stores no negated value: the negations it put off
 * are written only where a jump needs the locals as they are.
 */
class LazyNegationsTest {
    private static final int LOCALS = 6; // doubles in slots 2, 4, ..., after the flags (int 0, int 1)

    @Test
    void randomCodeComputesWhatItDidWithoutTheNegationsItPutsOff() throws Exception {
        Random random = new Random(20261201);
        for (int program = 0; program < 300; program++) {
            long seed = random.nextLong();
            Method plain = compile("Plain" + program, seed, mv -> mv);
            Method lazy = compile("Lazy" + program, seed, LazyNegations::new);
            for (int run = 0; run < 8; run++) {
                int flags = random.nextInt(4);
                double[] in = new double[LOCALS];
                for (int i = 0; i < LOCALS; i++) {
                    int kind = random.nextInt(6);
                    in[i] = kind == 0 ? random.nextInt(3) - 1 : kind == 1 ? (random.nextBoolean() ? 0.0 : -0.0)
                            : random.nextGaussian() * 3;
                }
                Object[] args = {flags & 1, flags >> 1, in};
                double expected = (double) plain.invoke(null, args);
                double actual = (double) lazy.invoke(null, args);
                assertEquals(Double.doubleToLongBits(expected), Double.doubleToLongBits(actual), // one NaN for all NaNs
                        "program seed " + seed + " flags " + flags);
            }
        }
    }

    /**
     * Every sum of a negated local and a push, each negated or not, on zeros of both signs: {@code
     * c = -a; [q = -p;] return c + p} and the like, written through LazyNegations, equal the code as
     * written to the bit ({@code -(0.0 - 0.0)} is {@code -0.0} where {@code -0.0 + 0.0} is {@code 0.0}).
     */
    @Test
    void sumsOfNegatedValuesKeepTheSignOfAZero() throws Exception {
        double[] values = {0.0, -0.0, 1.5};
        int program = 0;
        for (int op : new int[] {Opcodes.DADD, Opcodes.DSUB}) {
            for (boolean negatedPush : new boolean[] {false, true}) {
                String name = "Sum" + program++;
                java.util.function.Function<UnaryOperator<MethodVisitor>, Method> make = through -> {
                    try {
                        return compileSum(name + (through == null ? "Plain" : "Lazy"), op, negatedPush,
                                through == null ? mv -> mv : through);
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                };
                Method plain = make.apply(null);
                Method lazy = make.apply(LazyNegations::new);
                for (double a : values) {
                    for (double p : values) {
                        assertEquals(Double.doubleToLongBits((double) plain.invoke(null, a, p)),
                                Double.doubleToLongBits((double) lazy.invoke(null, a, p)),
                                "a " + a + " p " + p + " op " + op + " negated push " + negatedPush);
                    }
                }
            }
        }
    }

    /** {@code static double run(double a, double p)}: {@code c = -a; q = p or -p; return c op q}. */
    private static Method compileSum(String name, int op, boolean negatedPush, UnaryOperator<MethodVisitor> through)
            throws Exception {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_FRAMES);
        String internal = "org/grad4j/transformer/codegen/" + name;
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL, internal, null, "java/lang/Object", null);
        MethodVisitor mv = through.apply(cw.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "run", "(DD)D", null, null));
        mv.visitCode();
        mv.visitVarInsn(Opcodes.DLOAD, 0);
        mv.visitInsn(Opcodes.DNEG);
        mv.visitVarInsn(Opcodes.DSTORE, 4);
        mv.visitVarInsn(Opcodes.DLOAD, 2);
        if (negatedPush) mv.visitInsn(Opcodes.DNEG);
        mv.visitVarInsn(Opcodes.DSTORE, 6);
        mv.visitVarInsn(Opcodes.DLOAD, 4);
        mv.visitVarInsn(Opcodes.DLOAD, 6);
        mv.visitInsn(op);
        mv.visitInsn(Opcodes.DRETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
        cw.visitEnd();
        Class<?> c = MethodHandles.lookup().defineClass(cw.toByteArray());
        return c.getMethod("run", double.class, double.class);
    }

    /**
     * {@code static double run(int f, int g, double[] in)}: loads {@code in} into locals, then
     * random statements {@code v = expression}, some only where {@code f} is set (a guard), some
     * skipped where {@code g} is (a skip label several statements on), a loop of two rounds, and
     * returns a combination of every local.
     */
    private static Method compile(String name, long seed, UnaryOperator<MethodVisitor> through) throws Exception {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_FRAMES);
        String internal = "org/grad4j/transformer/codegen/" + name;
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL, internal, null, "java/lang/Object", null);
        MethodVisitor mv = through.apply(cw.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "run", "(II[D)D", null, null));
        mv.visitCode();
        for (int i = 0; i < LOCALS; i++) {
            mv.visitVarInsn(Opcodes.ALOAD, 2);
            mv.visitLdcInsn(i);
            mv.visitInsn(Opcodes.DALOAD);
            mv.visitVarInsn(Opcodes.DSTORE, slot(i));
        }
        Random r = new Random(seed);
        int statements = 4 + r.nextInt(12);
        Label skip = null;
        int skipEnds = -1;
        for (int s = 0; s < statements; s++) {
            if (skip != null && s == skipEnds) {
                mv.visitLabel(skip);
                skip = null;
            }
            switch (r.nextInt(6)) {
                case 0 -> { // if (f != 0) v = e
                    Label guard = new KnownZeros.GuardLabel();
                    mv.visitVarInsn(Opcodes.ILOAD, 0);
                    mv.visitJumpInsn(Opcodes.IFEQ, guard);
                    statement(mv, r);
                    mv.visitLabel(guard);
                }
                case 1 -> { // if (g != 0) skip the next statements
                    if (skip != null) {
                        statement(mv, r);
                        break;
                    }
                    skip = new KnownZeros.SkipLabel();
                    skipEnds = s + 1 + r.nextInt(3);
                    mv.visitVarInsn(Opcodes.ILOAD, 1);
                    mv.visitJumpInsn(Opcodes.IFNE, skip);
                }
                case 2 -> { // two rounds of a statement
                    if (skip != null) {
                        statement(mv, r);
                        break;
                    }
                    Label head = new Label();
                    mv.visitInsn(Opcodes.ICONST_2);
                    mv.visitVarInsn(Opcodes.ISTORE, slot(LOCALS));
                    mv.visitLabel(head);
                    statement(mv, r);
                    mv.visitIincInsn(slot(LOCALS), -1);
                    mv.visitVarInsn(Opcodes.ILOAD, slot(LOCALS));
                    mv.visitJumpInsn(Opcodes.IFGT, head);
                }
                default -> statement(mv, r);
            }
        }
        if (skip != null) mv.visitLabel(skip);
        mv.visitInsn(Opcodes.DCONST_0);
        for (int i = 0; i < LOCALS; i++) {
            mv.visitVarInsn(Opcodes.DLOAD, slot(i));
            mv.visitLdcInsn(1.0 + i / 8.0);
            mv.visitInsn(Opcodes.DMUL);
            mv.visitInsn(Opcodes.DADD);
        }
        mv.visitInsn(Opcodes.DRETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
        cw.visitEnd();
        Class<?> c = MethodHandles.lookup().defineClass(cw.toByteArray());
        return c.getMethod("run", int.class, int.class, double[].class);
    }

    private static int slot(int local) {
        return 3 + 2 * local;
    }

    /** {@code v = e}, or {@code v = -e}, {@code v += e}, {@code v -= e} as the reverse writes them. */
    private static void statement(MethodVisitor mv, Random r) {
        int target = r.nextInt(LOCALS);
        switch (r.nextInt(4)) {
            case 0 -> {
                expression(mv, r, 3);
                mv.visitInsn(Opcodes.DNEG);
            }
            case 1 -> {
                mv.visitVarInsn(Opcodes.DLOAD, slot(target));
                expression(mv, r, 3);
                mv.visitInsn(Opcodes.DSUB);
            }
            case 2 -> {
                expression(mv, r, 3);
                mv.visitVarInsn(Opcodes.DLOAD, slot(target));
                mv.visitInsn(Opcodes.DADD);
            }
            default -> expression(mv, r, 3);
        }
        mv.visitVarInsn(Opcodes.DSTORE, slot(target));
    }

    /** A random expression over the locals and constants, leaving one double. */
    private static void expression(MethodVisitor mv, Random r, int depth) {
        int pick = depth == 0 ? r.nextInt(3) : r.nextInt(9);
        switch (pick) {
            case 0, 1 -> mv.visitVarInsn(Opcodes.DLOAD, slot(r.nextInt(LOCALS)));
            case 2 -> {
                switch (r.nextInt(3)) {
                    case 0 -> mv.visitInsn(Opcodes.DCONST_0);
                    case 1 -> mv.visitInsn(Opcodes.DCONST_1);
                    default -> mv.visitLdcInsn(r.nextInt(7) - 3.5);
                }
            }
            case 3 -> {
                expression(mv, r, depth - 1);
                mv.visitInsn(Opcodes.DNEG);
            }
            case 4 -> { // 2x as the reverse writes it
                expression(mv, r, depth - 1);
                mv.visitInsn(Opcodes.DUP2);
                mv.visitInsn(Opcodes.DADD);
            }
            case 5 -> { // a sign-sensitive use: a comparison, a call
                expression(mv, r, depth - 1);
                mv.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/Math", "exp", "(D)D", false);
            }
            default -> {
                expression(mv, r, depth - 1);
                expression(mv, r, depth - 1);
                int[] ops = {Opcodes.DADD, Opcodes.DSUB, Opcodes.DMUL, Opcodes.DDIV};
                mv.visitInsn(ops[r.nextInt(ops.length)]);
            }
        }
    }

    @Test
    void theReverseOfADifferenceStoresNoNegatedValue() {
        GeneratedCode code = new Transformer(ClassFileLocator.of(Loops.class.getClassLoader()))
                .generate(Type.getInternalName(Loops.class), "rosenbrock", "([D)D#1");
        List<String> negatedStores = new ArrayList<>();
        for (GeneratedCode.GeneratedClass c : code.classes()) {
            ClassNode node = new ClassNode();
            new ClassReader(c.bytes()).accept(node, 0);
            for (MethodNode m : node.methods) {
                AbstractInsnNode[] insns = m.instructions.toArray();
                for (int i = 1; i + 1 < insns.length; i++) {
                    if (insns[i].getOpcode() != Opcodes.DNEG || insns[i + 1].getOpcode() != Opcodes.DSTORE) continue;
                    // dload v; dneg; dstore v: a negation put off, written before a jump
                    boolean inPlace = insns[i - 1].getOpcode() == Opcodes.DLOAD
                            && ((VarInsnNode) insns[i - 1]).var == ((VarInsnNode) insns[i + 1]).var;
                    if (!inPlace) negatedStores.add(m.name + "@" + i);
                }
            }
        }
        assertEquals(List.of(), negatedStores);
    }
}
