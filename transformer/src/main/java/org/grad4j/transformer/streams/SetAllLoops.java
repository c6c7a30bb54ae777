package org.grad4j.transformer.streams;

import org.grad4j.transformer.read.ClassFiles;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * {@code Arrays.setAll(a, i -> w[i] * x[i])} (and {@code parallelSetAll}) on a {@code double[]} as
 * the loop the JDK runs: the generator checked for null, then {@code a[i] = f.applyAsDouble(i)}
 * for each index in order. The JDK method keeps the lambda as an object, which cannot carry a
 * derivative; in the loop, the lambda is called in the method, where {@code LambdaObjects}
 * calls its body directly. A parallel fill runs in order here: its elements do not depend on one
 * another, and every order is one the JDK may take.
 */
final class SetAllLoops {
    private SetAllLoops() {}

    private static final String GENERATOR = "java/util/function/IntToDoubleFunction";
    private static final String DESCRIPTOR = "([DL" + GENERATOR + ";)V";

    private static boolean isSetAll(AbstractInsnNode insn) {
        return insn instanceof MethodInsnNode m && m.getOpcode() == Opcodes.INVOKESTATIC && m.owner.equals("java/util/Arrays")
                && (m.name.equals("setAll") || m.name.equals("parallelSetAll")) && m.desc.equals(DESCRIPTOR);
    }

    /** The method with its fills of {@code double[]} written as loops, or the method itself when it has none. */
    static MethodNode of(MethodNode method) {
        boolean any = false;
        for (AbstractInsnNode insn : method.instructions) any |= isSetAll(insn);
        if (!any) return method;
        MethodNode copy = ClassFiles.copy(method);
        int array = copy.maxLocals, generator = array + 1, index = array + 2; // one set of locals: fills never nest
        for (AbstractInsnNode insn : copy.instructions.toArray()) {
            if (!isSetAll(insn)) continue;
            copy.instructions.insert(insn, loop(array, generator, index));
            copy.instructions.remove(insn);
        }
        copy.maxLocals += 3;
        copy.maxStack += 4;
        return copy;
    }

    private static InsnList loop(int array, int generator, int index) {
        InsnList out = new InsnList();
        out.add(new VarInsnNode(Opcodes.ASTORE, generator));
        out.add(new VarInsnNode(Opcodes.ASTORE, array));
        out.add(new VarInsnNode(Opcodes.ALOAD, generator));
        out.add(new MethodInsnNode(Opcodes.INVOKESTATIC, "java/util/Objects", "requireNonNull",
                "(Ljava/lang/Object;)Ljava/lang/Object;", false));
        out.add(new InsnNode(Opcodes.POP));
        InsnList fill = new InsnList(); // array[index] = generator.applyAsDouble(index)
        fill.add(new VarInsnNode(Opcodes.ALOAD, array));
        fill.add(new VarInsnNode(Opcodes.ILOAD, index));
        fill.add(new VarInsnNode(Opcodes.ALOAD, generator));
        fill.add(new VarInsnNode(Opcodes.ILOAD, index));
        fill.add(new MethodInsnNode(Opcodes.INVOKEINTERFACE, GENERATOR, "applyAsDouble", "(I)D", true));
        fill.add(new InsnNode(Opcodes.DASTORE));
        out.add(IndexLoop.over(index, array, fill));
        return out;
    }
}
