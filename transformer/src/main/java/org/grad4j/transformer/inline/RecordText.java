package org.grad4j.transformer.inline;

import java.util.ArrayList;
import java.util.List;
import org.objectweb.asm.Handle;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.InnerClassNode;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.RecordComponentNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * A record's {@code toString} as javac leaves it (an {@code invokedynamic} of {@code
 * ObjectMethods}, which the inliner cannot take), written out as what it does: {@code
 * "Point[x=" + x + ", y=" + y + "]"}, each component's text {@code String.valueOf} of its
 * field. Inlined where the record is printed, so that a record whose fields are locals
 * ({@link MutableObjects}, {@link ValueObjects}) prints them; an object component's text is
 * its own {@code toString} ({@link ExplicitToString}), inlined in turn.
 */
public final class RecordText {
    private RecordText() {}

    private static final String OBJECT_METHODS = "java/lang/runtime/ObjectMethods";

    /**
     * The body to inline for {@code method} of {@code declaring}: the written-out {@code
     * toString} of a record whose {@code toString} is the default one; {@code method} itself for any other.
     */
    public static MethodNode body(ClassNode declaring, MethodNode method) {
        if (!isDefaultToString(declaring, method)) return method;
        MethodNode text = new MethodNode(Opcodes.ASM9, method.access, method.name, method.desc, null, null);
        StringBuilder recipe = new StringBuilder(simpleName(declaring)).append('[');
        StringBuilder argumentTypes = new StringBuilder("(");
        List<RecordComponentNode> components = declaring.recordComponents;
        for (int k = 0; k < components.size(); k++) {
            RecordComponentNode c = components.get(k);
            Type t = Type.getType(c.descriptor);
            recipe.append(k == 0 ? "" : ", ").append(c.name).append("=\u0001");
            text.instructions.add(new VarInsnNode(Opcodes.ALOAD, 0));
            text.instructions.add(new FieldInsnNode(Opcodes.GETFIELD, declaring.name, c.name, c.descriptor));
            if (t.getSort() == Type.OBJECT || t.getSort() == Type.ARRAY) { // its own toString, written out too
                text.instructions.add(new MethodInsnNode(Opcodes.INVOKESTATIC, "java/lang/String", "valueOf",
                        "(Ljava/lang/Object;)Ljava/lang/String;", false));
                t = Type.getType(String.class);
            }
            argumentTypes.append(t.getDescriptor());
        }
        recipe.append(']');
        Handle concat = new Handle(Opcodes.H_INVOKESTATIC, "java/lang/invoke/StringConcatFactory", "makeConcatWithConstants",
                "(Ljava/lang/invoke/MethodHandles$Lookup;Ljava/lang/String;Ljava/lang/invoke/MethodType;Ljava/lang/String;"
                        + "[Ljava/lang/Object;)Ljava/lang/invoke/CallSite;", false);
        text.instructions.add(new InvokeDynamicInsnNode("makeConcatWithConstants", argumentTypes + ")Ljava/lang/String;",
                concat, recipe.toString()));
        text.instructions.add(new InsnNode(Opcodes.ARETURN));
        text.maxLocals = 1;
        text.maxStack = Math.max(1, 2 * components.size());
        return text;
    }

    /** Whether it is a record's {@code toString} made by javac: {@code this} given to {@code ObjectMethods}. */
    private static boolean isDefaultToString(ClassNode declaring, MethodNode method) {
        if (declaring.recordComponents == null || !method.name.equals("toString") || !method.desc.equals("()Ljava/lang/String;")) {
            return false;
        }
        List<AbstractInsnNode> code = new ArrayList<>();
        for (AbstractInsnNode insn : method.instructions) if (insn.getOpcode() >= 0) code.add(insn);
        return code.size() == 3 && code.get(1) instanceof InvokeDynamicInsnNode d && d.bsm.getOwner().equals(OBJECT_METHODS)
                && d.name.equals("toString");
    }

    /** What {@code Class.getSimpleName} gives: a nested record's own name, from the class's inner-class entry for itself. */
    private static String simpleName(ClassNode c) {
        for (InnerClassNode inner : c.innerClasses) {
            if (inner.name.equals(c.name) && inner.innerName != null) return inner.innerName;
        }
        return c.name.substring(c.name.lastIndexOf('/') + 1);
    }
}
