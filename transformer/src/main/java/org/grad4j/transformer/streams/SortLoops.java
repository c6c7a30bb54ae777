package org.grad4j.transformer.streams;

import org.grad4j.transformer.read.ClassFiles;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * {@code Arrays.sort(a)} and {@code Arrays.sort(a, from, to)} of a {@code double[]} or {@code float[]} (and
 * {@code parallelSort}, which leaves the same order) as a gather:
 * the order the sort leaves the elements in is computed as indices ({@code ArraySorts.order},
 * data: it only reads the array), then {@code a[from + i] = copy[order[i]]}. The JDK's sort
 * moves differentiable values where grad4j cannot follow them; the gather is code it
 * differentiates, so a median ({@code sort, then a[n / 2]}) or a trimmed mean has its gradient:
 * each element's derivative goes to the element that landed there. The values are the sort's.
 */
final class SortLoops {
    private SortLoops() {}

    private static final String ORDER = "org/grad4j/runtime/ArraySorts";

    private static boolean isSort(AbstractInsnNode insn) {
        return insn instanceof MethodInsnNode m && m.getOpcode() == Opcodes.INVOKESTATIC && m.owner.equals("java/util/Arrays")
                && (m.name.equals("sort") || m.name.equals("parallelSort"))
                && (m.desc.equals("([D)V") || m.desc.equals("([DII)V") || m.desc.equals("([F)V") || m.desc.equals("([FII)V"));
    }

    /** The method with its sorts of {@code double[]} and {@code float[]} written as gathers, or the method itself when it has none. */
    static MethodNode of(MethodNode method) {
        boolean any = false;
        for (AbstractInsnNode insn : method.instructions) any |= isSort(insn);
        if (!any) return method;
        MethodNode copy = ClassFiles.copy(method);
        int locals = copy.maxLocals; // one set of locals: sorts never nest
        for (AbstractInsnNode insn : copy.instructions.toArray()) {
            if (!isSort(insn)) continue;
            String desc = ((MethodInsnNode) insn).desc;
            copy.instructions.insert(insn, gather(desc.endsWith("II)V"), desc.startsWith("([F"), locals));
            copy.instructions.remove(insn);
        }
        copy.maxLocals += 6;
        copy.maxStack += 6;
        return copy;
    }

    private static InsnList gather(boolean range, boolean floats, int locals) {
        String array = floats ? "[F" : "[D";
        int target = locals, order = locals + 1, values = locals + 2, index = locals + 3, from = locals + 4, to = locals + 5;
        InsnList out = new InsnList();
        if (range) {
            out.add(new VarInsnNode(Opcodes.ISTORE, to));
            out.add(new VarInsnNode(Opcodes.ISTORE, from));
            out.add(new VarInsnNode(Opcodes.ASTORE, target));
        } else {
            out.add(new VarInsnNode(Opcodes.ASTORE, target));
            out.add(new InsnNode(Opcodes.ICONST_0));
            out.add(new VarInsnNode(Opcodes.ISTORE, from));
            out.add(new VarInsnNode(Opcodes.ALOAD, target));
            out.add(new InsnNode(Opcodes.ARRAYLENGTH)); // a null array throws here, as Arrays.sort does
            out.add(new VarInsnNode(Opcodes.ISTORE, to));
        }
        out.add(new VarInsnNode(Opcodes.ALOAD, target));
        out.add(new VarInsnNode(Opcodes.ILOAD, from));
        out.add(new VarInsnNode(Opcodes.ILOAD, to));
        out.add(new MethodInsnNode(Opcodes.INVOKESTATIC, ORDER, "order", "(" + array + "II)[I", false));
        out.add(new VarInsnNode(Opcodes.ASTORE, order));
        out.add(new VarInsnNode(Opcodes.ALOAD, target));
        out.add(new MethodInsnNode(Opcodes.INVOKEVIRTUAL, array, "clone", "()Ljava/lang/Object;", false));
        out.add(new TypeInsnNode(Opcodes.CHECKCAST, array));
        out.add(new VarInsnNode(Opcodes.ASTORE, values));
        InsnList gather = new InsnList(); // target[from + index] = values[order[index]]
        gather.add(new VarInsnNode(Opcodes.ALOAD, target));
        gather.add(new VarInsnNode(Opcodes.ILOAD, from));
        gather.add(new VarInsnNode(Opcodes.ILOAD, index));
        gather.add(new InsnNode(Opcodes.IADD));
        gather.add(new VarInsnNode(Opcodes.ALOAD, values));
        gather.add(new VarInsnNode(Opcodes.ALOAD, order));
        gather.add(new VarInsnNode(Opcodes.ILOAD, index));
        gather.add(new InsnNode(Opcodes.IALOAD));
        gather.add(new InsnNode(floats ? Opcodes.FALOAD : Opcodes.DALOAD));
        gather.add(new InsnNode(floats ? Opcodes.FASTORE : Opcodes.DASTORE));
        out.add(IndexLoop.over(index, order, gather));
        return out;
    }
}
