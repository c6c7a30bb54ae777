package org.grad4j.transformer.inline;

import org.objectweb.asm.Handle;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.TypeInsnNode;

/**
 * An {@code invokedynamic} of {@code LambdaMetafactory} that makes a lambda (or a method
 * reference): what it captures, the interface method it implements, and the method that method
 * runs, as {@link LambdaObjects} calls it once the object is gone. The call of the interface
 * method ({@code f.applyAsDouble(t)}) becomes the call of the implementation with the captured
 * values first ({@code lambda$f$0(k, t)}), adapted as {@code LambdaMetafactory} adapts it: a cast
 * of a reference argument, the widening of a primitive one ({@code IntToDoubleFunction f =
 * Math::sqrt}), a result dropped for an interface method returning {@code void}.
 */
record LambdaSite(InvokeDynamicInsnNode insn, Handle implementation, Type[] captured, String method, Type samType) {

    /** The site an instruction is, or null: another {@code invokedynamic}, or a kind of implementation not followed. */
    static LambdaSite of(AbstractInsnNode insn) {
        if (!(insn instanceof InvokeDynamicInsnNode d) || !d.bsm.getOwner().equals("java/lang/invoke/LambdaMetafactory")
                || !(d.bsm.getName().equals("metafactory") || d.bsm.getName().equals("altMetafactory"))
                || d.bsmArgs.length < 3 || !(d.bsmArgs[0] instanceof Type sam) || !(d.bsmArgs[1] instanceof Handle impl)) {
            return null;
        }
        return new LambdaSite(d, impl, Type.getArgumentTypes(d.desc), d.name, sam);
    }

    /** The interface the lambda implements (internal name). */
    String functionalInterface() {
        return Type.getReturnType(insn.desc).getInternalName();
    }

    /** Whether a call is of the method the lambda implements. */
    boolean implementedBy(MethodInsnNode call) {
        return call.getOpcode() == Opcodes.INVOKEINTERFACE && call.name.equals(method) && call.desc.equals(samType.getDescriptor());
    }

    /** The parameters of the implementation as called: its receiver first for an instance method. */
    private Type[] implementationParameters() {
        Type[] args = Type.getArgumentTypes(implementation.getDesc());
        if (implementation.getTag() == Opcodes.H_INVOKESTATIC) return args;
        Type[] all = new Type[args.length + 1];
        all[0] = Type.getObjectType(implementation.getOwner());
        System.arraycopy(args, 0, all, 1, args.length);
        return all;
    }

    /**
     * Why the interface method's call cannot simply become the implementation's, in words for a
     * refusal; null when it can: the implementation is a method (not a constructor), and each
     * argument and the result need at most a cast or a widening.
     */
    String whyNotCallable() {
        int tag = implementation.getTag();
        if (tag != Opcodes.H_INVOKESTATIC && tag != Opcodes.H_INVOKEVIRTUAL && tag != Opcodes.H_INVOKEINTERFACE) {
            return "is a constructor reference or a call of a superclass's method";
        }
        Type[] parameters = implementationParameters();
        Type[] sam = samType.getArgumentTypes();
        if (parameters.length != captured.length + sam.length) return "has an implementation grad4j does not follow";
        for (int i = 0; i < sam.length; i++) {
            if (adaptation(sam[i], parameters[captured.length + i]) == null) return "boxes or unboxes its arguments";
        }
        Type result = Type.getReturnType(implementation.getDesc());
        Type expected = samType.getReturnType();
        if (expected.getSort() != Type.VOID && adaptation(result, expected) == null) return "boxes or unboxes its result";
        return null;
    }

    /**
     * The instructions that turn a value of type {@code from} into {@code to} as the lambda's
     * call does: none, a cast, or a widening; null where boxing would be needed.
     */
    private static InsnList adaptation(Type from, Type to) {
        InsnList out = new InsnList();
        if (from.equals(to)) return out;
        boolean fromRef = from.getSort() >= Type.ARRAY;
        boolean toRef = to.getSort() >= Type.ARRAY;
        if (fromRef && toRef) {
            if (!to.getDescriptor().equals("Ljava/lang/Object;")) out.add(new TypeInsnNode(Opcodes.CHECKCAST, to.getInternalName()));
            return out;
        }
        if (fromRef || toRef) return null;
        int widening = widening(from.getSort(), to.getSort());
        if (widening < 0) return null;
        if (widening > 0) out.add(new InsnNode(widening));
        return out;
    }

    /** The JVM's widening conversion, 0 for none needed (byte, short, char are ints), -1 for none allowed. */
    private static int widening(int from, int to) {
        boolean intLike = from == Type.INT || from == Type.BYTE || from == Type.SHORT || from == Type.CHAR;
        if (intLike && to == Type.INT) return 0;
        if (intLike) {
            return switch (to) {
                case Type.LONG -> Opcodes.I2L;
                case Type.FLOAT -> Opcodes.I2F;
                case Type.DOUBLE -> Opcodes.I2D;
                default -> -1;
            };
        }
        if (from == Type.LONG) return to == Type.FLOAT ? Opcodes.L2F : to == Type.DOUBLE ? Opcodes.L2D : -1;
        if (from == Type.FLOAT) return to == Type.DOUBLE ? Opcodes.F2D : -1;
        return -1;
    }

    /** The SAM call's argument {@code i}, loaded as the implementation takes it. */
    InsnList adaptArgument(int i) {
        return adaptation(samType.getArgumentTypes()[i], implementationParameters()[captured.length + i]);
    }

    /** The call of the implementation, captured values and arguments on the stack. */
    MethodInsnNode call() {
        int opcode = switch (implementation.getTag()) {
            case Opcodes.H_INVOKESTATIC -> Opcodes.INVOKESTATIC;
            case Opcodes.H_INVOKEINTERFACE -> Opcodes.INVOKEINTERFACE;
            default -> Opcodes.INVOKEVIRTUAL;
        };
        return new MethodInsnNode(opcode, implementation.getOwner(), implementation.getName(), implementation.getDesc(),
                implementation.isInterface());
    }

    /** The implementation's result made the interface method's: dropped, widened, or as it is. */
    InsnList adaptResult() {
        Type result = Type.getReturnType(implementation.getDesc());
        Type expected = samType.getReturnType();
        InsnList out = new InsnList();
        if (expected.getSort() == Type.VOID) {
            if (result.getSize() > 0) out.add(new InsnNode(result.getSize() == 2 ? Opcodes.POP2 : Opcodes.POP));
            return out;
        }
        return adaptation(result, expected);
    }

    /** The implementation as a key ({@code owner.name descriptor}), as refusals look it up. */
    String key() {
        return implementation.getOwner() + "." + implementation.getName() + implementation.getDesc();
    }
}
