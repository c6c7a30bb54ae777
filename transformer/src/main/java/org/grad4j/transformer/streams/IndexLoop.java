package org.grad4j.transformer.streams;

import org.objectweb.asm.Label;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.IincInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.VarInsnNode;

/** {@code for (index = 0; index < array.length; index++) body}, as {@link SetAllLoops} and {@link SortLoops} write it. */
final class IndexLoop {
    private IndexLoop() {}

    /**
     * @param index the int local counting
     * @param array the local holding the array whose length bounds the loop
     * @param body one iteration, reading {@code index}
     */
    static InsnList over(int index, int array, InsnList body) {
        InsnList out = new InsnList();
        LabelNode test = new LabelNode(new Label()), done = new LabelNode(new Label());
        out.add(new InsnNode(Opcodes.ICONST_0));
        out.add(new VarInsnNode(Opcodes.ISTORE, index));
        out.add(test);
        out.add(new VarInsnNode(Opcodes.ILOAD, index));
        out.add(new VarInsnNode(Opcodes.ALOAD, array));
        out.add(new InsnNode(Opcodes.ARRAYLENGTH));
        out.add(new JumpInsnNode(Opcodes.IF_ICMPGE, done));
        out.add(body);
        out.add(new IincInsnNode(index, 1));
        out.add(new JumpInsnNode(Opcodes.GOTO, test));
        out.add(done);
        return out;
    }
}
