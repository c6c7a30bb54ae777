package org.grad4j.transformer.inline;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.IntPredicate;
import org.grad4j.transformer.read.ClassFiles;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.FieldNode;
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
     * when a class has no constructor that only sets its fields (then the entry stays as it is).
     */
    public static MethodNode madeHere(MethodNode method, Map<Integer, String> objects, IntPredicate active,
                                      Function<String, ClassNode> classes) {
        if (objects.isEmpty()) return method;
        Type[] params = Type.getArgumentTypes(method.desc);
        int[] slotOf = new int[params.length];
        int slot = (method.access & Opcodes.ACC_STATIC) != 0 ? 0 : 1;
        for (int p = 0; p < params.length; p++) {
            slotOf[p] = slot;
            slot += params[p].getSize();
        }
        InsnList start = new InsnList();
        int stack = 0;
        for (var e : objects.entrySet()) {
            if (active.test(e.getKey())) continue; // a holder of the point or of a buffer: its calls must see them
            ClassNode c = classes.apply(e.getValue());
            List<FieldNode> fields = c == null ? null : finalFields(c);
            MethodNode constructor = fields == null ? null : settingConstructor(c, fields);
            if (constructor == null) continue;
            int p = e.getKey();
            start.add(new TypeInsnNode(Opcodes.NEW, c.name));
            start.add(new InsnNode(Opcodes.DUP));
            int depth = 2;
            for (FieldNode f : fields) {
                start.add(new VarInsnNode(Opcodes.ALOAD, slotOf[p]));
                start.add(new LdcInsnNode(f.name));
                start.add(new MethodInsnNode(Opcodes.INVOKESTATIC, "org/grad4j/runtime/LambdaCaptures", "field",
                        "(Ljava/lang/Object;Ljava/lang/String;)Ljava/lang/Object;", false));
                LambdaArguments.fromObject(start, Type.getType(f.desc));
                depth += Type.getType(f.desc).getSize();
            }
            start.add(new MethodInsnNode(Opcodes.INVOKESPECIAL, c.name, "<init>", constructor.desc, false));
            start.add(new VarInsnNode(Opcodes.ASTORE, slotOf[p]));
            stack = Math.max(stack, depth + 1);
        }
        if (start.size() == 0) return method;
        MethodNode copy = ClassFiles.copy(method);
        copy.instructions.insert(start);
        copy.maxStack = Math.max(copy.maxStack, stack);
        return copy;
    }

    /** The instance fields of {@code c} in declaration order; null when one is not final. */
    private static List<FieldNode> finalFields(ClassNode c) {
        List<FieldNode> fields = new ArrayList<>();
        for (FieldNode f : c.fields) {
            if ((f.access & Opcodes.ACC_STATIC) != 0) continue;
            if ((f.access & Opcodes.ACC_FINAL) == 0) return null;
            fields.add(f);
        }
        return fields.isEmpty() ? null : fields;
    }

    /**
     * A constructor taking the fields' types in order that calls its superclass's no-argument
     * constructor and then sets each field from its parameter, and does nothing else (a record's
     * canonical constructor, {@code Spring(double k) { this.k = k; }}); null when there is none.
     */
    private static MethodNode settingConstructor(ClassNode c, List<FieldNode> fields) {
        StringBuilder desc = new StringBuilder("(");
        for (FieldNode f : fields) desc.append(f.desc);
        MethodNode init = ClassFiles.method(c, "<init>", desc.append(")V").toString());
        if (init == null) return null;
        List<AbstractInsnNode> code = new ArrayList<>();
        for (AbstractInsnNode insn : init.instructions) if (insn.getOpcode() >= 0) code.add(insn);
        if (code.size() != 3 + 3 * fields.size()) return null;
        if (!(code.get(0) instanceof VarInsnNode self && self.var == 0 && self.getOpcode() == Opcodes.ALOAD)
                || !(code.get(1) instanceof MethodInsnNode sup && sup.getOpcode() == Opcodes.INVOKESPECIAL
                        && sup.owner.equals(c.superName) && sup.name.equals("<init>") && sup.desc.equals("()V"))) {
            return null;
        }
        int slot = 1;
        for (int k = 0; k < fields.size(); k++) {
            FieldNode f = fields.get(k);
            Type t = Type.getType(f.desc);
            if (!(code.get(2 + 3 * k) instanceof VarInsnNode thisLoad && thisLoad.var == 0)
                    || !(code.get(3 + 3 * k) instanceof VarInsnNode load && load.var == slot && load.getOpcode() == t.getOpcode(Opcodes.ILOAD))
                    || !(code.get(4 + 3 * k) instanceof FieldInsnNode put && put.getOpcode() == Opcodes.PUTFIELD
                            && put.owner.equals(c.name) && put.name.equals(f.name))) {
                return null;
            }
            slot += t.getSize();
        }
        return code.get(code.size() - 1).getOpcode() == Opcodes.RETURN ? init : null;
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
