package org.grad4j.transformer.inline;

import java.util.Map;
import java.util.function.Function;
import java.util.function.IntPredicate;
import org.grad4j.transformer.read.ClassFiles;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * The entry of a gradient handed small objects of final fields ({@code ActivityMask.objects},
 * found by the runtime's {@code ObjectArguments}: {@code final class Spring implements Force {
 * final double k; ... }}): each is made again at the entry's start, into its parameter's slot, by
 * the constructor that only sets those fields, from the values the object handed in holds
 * ({@code LambdaCaptures.field}). It is then an object made in the method: its calls are made exact
 * ({@link ExactReceivers}) and inlined, and the object is replaced by its fields ({@link
 * ValueObjects}) — a loop calling it stays a loop instead of a frame per iteration through a call
 * linked at run time. The same object: its fields are final, the arrays the same arrays. Where
 * the object itself stays ({@link #kept}: stored, compared, passed where it is not inlined), the
 * entry is refused and the runtime asks for it as it is.
 */
public final class ObjectArguments {
    private ObjectArguments() {}

    /**
     * The method with those objects made at its start; the method itself when there are none, or
     * when a class has no constructor that only sets its fields ({@link ValueClass#fieldSetter}:
     * then the entry stays as it is).
     */
    public static MethodNode madeHere(MethodNode method, Map<Integer, String> objects, IntPredicate active,
                                      Function<String, ClassNode> classes) {
        if (objects.isEmpty()) return method;
        int[] slotOf = ClassFiles.parameterSlots(method);
        ValueClass.Cache values = new ValueClass.Cache(classes);
        InsnList start = new InsnList();
        int stack = 0;
        for (var e : objects.entrySet()) {
            if (active.test(e.getKey())) continue; // a holder of the point or of a buffer: its calls must see them
            ValueClass c = values.get(e.getValue());
            ValueClass.Rebuilder setter = c == null ? null : c.fieldSetter();
            if (setter == null || c.fields.stream().anyMatch(f -> f.of() != null)) continue;
            int p = e.getKey();
            start.add(new TypeInsnNode(Opcodes.NEW, c.name));
            start.add(new InsnNode(Opcodes.DUP));
            int depth = 2;
            for (int f : setter.field()) { // the constructor's parameters in order, each the value of the field it sets
                ValueClass.Field field = c.fields.get(f);
                start.add(new VarInsnNode(Opcodes.ALOAD, slotOf[p]));
                start.add(new LdcInsnNode(field.name()));
                start.add(new MethodInsnNode(Opcodes.INVOKESTATIC, "org/grad4j/runtime/LambdaCaptures", "field",
                        "(Ljava/lang/Object;Ljava/lang/String;)Ljava/lang/Object;", false));
                LambdaArguments.fromObject(start, Type.getType(field.desc()));
                depth += Type.getType(field.desc()).getSize();
            }
            start.add(new MethodInsnNode(Opcodes.INVOKESPECIAL, c.name, "<init>", setter.desc(), false));
            start.add(new VarInsnNode(Opcodes.ASTORE, slotOf[p]));
            stack = Math.max(stack, depth + 1);
        }
        return LambdaArguments.atStart(method, start, stack);
    }

    /** Whether an object made again by {@link #madeHere} is still made in {@code body} once objects were replaced by their fields. */
    public static boolean kept(MethodNode body, Map<Integer, String> objects, IntPredicate active) {
        for (AbstractInsnNode insn : body.instructions) {
            if (insn instanceof TypeInsnNode t && t.getOpcode() == Opcodes.NEW) {
                for (var e : objects.entrySet()) if (!active.test(e.getKey()) && e.getValue().equals(t.desc)) return true;
            }
        }
        return false;
    }
}
