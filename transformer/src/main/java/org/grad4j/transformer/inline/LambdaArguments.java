package org.grad4j.transformer.inline;

import java.util.Map;
import org.grad4j.transformer.ActivityMask.LambdaArgument;
import org.grad4j.transformer.read.ClassFiles;
import org.objectweb.asm.Handle;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * The entry of a gradient handed lambdas that run one static method and capture only numbers and
 * arrays of them ({@code ActivityMask.lambdas}, found by the runtime's {@code LambdaArguments}): each is made
 * again at the entry's start, into its parameter's slot, by the {@code invokedynamic} javac writes
 * for it, from the values the one handed in captured ({@code LambdaCaptures.value}). It is then a lambda made in the method, whose calls {@link LambdaObjects} replaces by its
 * body — a loop calling it stays a loop, taped, instead of recursion through a call linked at run
 * time. The same function: a lambda's captured values are final, and numbers have no identity. Where the lambda object
 * itself matters (stored, compared, passed where it is not inlined) its {@code invokedynamic} stays
 * ({@link #keptAsObjects}): the entry is refused, and the runtime asks for it as it is.
 */
public final class LambdaArguments {
    private LambdaArguments() {}

    private static final Handle METAFACTORY = new Handle(Opcodes.H_INVOKESTATIC, "java/lang/invoke/LambdaMetafactory",
            "metafactory", "(Ljava/lang/invoke/MethodHandles$Lookup;Ljava/lang/String;Ljava/lang/invoke/MethodType;"
                    + "Ljava/lang/invoke/MethodType;Ljava/lang/invoke/MethodHandle;Ljava/lang/invoke/MethodType;)"
                    + "Ljava/lang/invoke/CallSite;", false);

    /** The method with those lambdas made at its start; the method itself when there are none. */
    public static MethodNode madeHere(MethodNode method, Map<Integer, LambdaArgument> lambdas,
                                      java.util.function.IntPredicate active) {
        if (lambdas.isEmpty()) return method;
        int[] slotOf = ClassFiles.parameterSlots(method);
        InsnList start = new InsnList();
        lambdas.forEach((p, l) -> {
            if (active.test(p)) return; // a holder of the point or of a buffer: its calls must see them, as the object it is
            Type[] captured = l.capturedTypes();
            for (int k = 0; k < captured.length; k++) { // the numbers it captured, read from the lambda handed in
                start.add(new VarInsnNode(Opcodes.ALOAD, slotOf[p]));
                start.add(new LdcInsnNode(k));
                start.add(new MethodInsnNode(Opcodes.INVOKESTATIC, "org/grad4j/runtime/LambdaCaptures", "value",
                        "(Ljava/lang/Object;I)Ljava/lang/Object;", false));
                fromObject(start, captured[k]);
            }
            Handle impl = new Handle(Opcodes.H_INVOKESTATIC, l.implOwner(), l.implName(), l.implDescriptor(),
                    l.implOwnerIsInterface());
            start.add(new InvokeDynamicInsnNode(l.samName(), "(" + l.captures() + ")L" + l.functionalInterface() + ";",
                    METAFACTORY, Type.getMethodType(l.samDescriptor()), impl, Type.getMethodType(l.samDescriptor())));
            start.add(new VarInsnNode(Opcodes.ASTORE, slotOf[p]));
        });
        return atStart(method, start, 2 + 2 * maxCaptured(lambdas));
    }

    /** {@code method} with {@code start} before its first instruction and room for {@code stack} on the operand stack there. */
    static MethodNode atStart(MethodNode method, InsnList start, int stack) {
        if (start.size() == 0) return method;
        MethodNode copy = ClassFiles.copy(method);
        copy.instructions.insert(start);
        copy.maxStack = Math.max(copy.maxStack, stack);
        return copy;
    }

    /**
     * Whether a lambda made again by {@link #madeHere} is still made in {@code body}, after the
     * lambdas made in it were replaced ({@link LambdaObjects}): kept as an object — stored,
     * compared, passed where it is not inlined — it would not be the object handed in.
     */
    public static boolean keptAsObjects(MethodNode body, Map<Integer, LambdaArgument> lambdas,
                                        java.util.function.IntPredicate active) {
        if (lambdas.isEmpty()) return false;
        for (org.objectweb.asm.tree.AbstractInsnNode insn : body.instructions) {
            if (!(insn instanceof InvokeDynamicInsnNode indy) || !indy.bsm.equals(METAFACTORY) || indy.bsmArgs.length < 2
                    || !(indy.bsmArgs[1] instanceof Handle h)) {
                continue;
            }
            for (var e : lambdas.entrySet()) {
                LambdaArgument l = e.getValue();
                if (!active.test(e.getKey()) && h.getOwner().equals(l.implOwner()) && h.getName().equals(l.implName()) && h.getDesc().equals(l.implDescriptor())) {
                    return true;
                }
            }
        }
        return false;
    }

    private static int maxCaptured(Map<Integer, LambdaArgument> lambdas) {
        int most = 0;
        for (LambdaArgument l : lambdas.values()) most = Math.max(most, l.capturedTypes().length);
        return most;
    }

    /** The object on the stack (a boxed number, an array) as a value of type {@code t}. */
    static void fromObject(InsnList out, Type t) {
        if (t.getSort() == Type.ARRAY || t.getSort() == Type.OBJECT) {
            out.add(new org.objectweb.asm.tree.TypeInsnNode(Opcodes.CHECKCAST, t.getInternalName()));
        } else {
            unbox(out, t);
        }
    }

    /** The boxed number on the stack as the primitive {@code t}. */
    private static void unbox(InsnList out, Type t) {
        String box = switch (t.getSort()) {
            case Type.DOUBLE -> "java/lang/Double";
            case Type.FLOAT -> "java/lang/Float";
            case Type.LONG -> "java/lang/Long";
            case Type.INT -> "java/lang/Integer";
            case Type.SHORT -> "java/lang/Short";
            case Type.BYTE -> "java/lang/Byte";
            case Type.CHAR -> "java/lang/Character";
            case Type.BOOLEAN -> "java/lang/Boolean";
            default -> throw new IllegalArgumentException("not a primitive: " + t);
        };
        out.add(new org.objectweb.asm.tree.TypeInsnNode(Opcodes.CHECKCAST, box));
        out.add(new MethodInsnNode(Opcodes.INVOKEVIRTUAL, box, t.getClassName() + "Value", "()" + t.getDescriptor(), false));
    }
}
