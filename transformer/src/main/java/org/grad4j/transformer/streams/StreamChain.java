package org.grad4j.transformer.streams;

import java.util.ArrayList;
import java.util.List;
import org.objectweb.asm.Handle;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;

/**
 * One pipeline as javac compiles an expression such as {@code Arrays.stream(x).map(v -> v * v).sum()}:
 * a source call, its stages and a terminal call (with the read of its optional result), each
 * consuming the one before it straight off the operand stack.
 *
 * @param links the calls, source first
 * @param beneath what waits on the operand stack beneath the source's arguments, bottom first
 *     (they are put aside in locals while the loop runs)
 */
record StreamChain(List<Link> links, Type[] beneath) {

    /**
     * One call of the pipeline.
     *
     * @param lambda the {@code invokedynamic} that makes its functional argument right before the
     *     call, when its implementation can be called directly (the lambda object is then never
     *     made: its captured values are the call's operands), else null
     * @param collector for {@code collect}, the {@code Collectors} call making its collector right
     *     before it, whose function argument stands for the collector
     */
    record Link(MethodInsnNode call, StreamOp op, InvokeDynamicInsnNode lambda, MethodInsnNode collector) {

        Link(MethodInsnNode call, StreamOp op, InvokeDynamicInsnNode lambda) {
            this(call, op, lambda, null);
        }

        /**
         * The values this call adds to the pipeline's operands, in the order they are pushed: its
         * arguments (not its receiver), with a direct lambda's captured values in place of the lambda.
         */
        List<Type> operands() {
            // collect(summingDouble(f)): the collector is never made, its function is the call's
            List<Type> out = new ArrayList<>(List.of(Type.getArgumentTypes((collector != null ? collector : call).desc)));
            if (op.kind() == StreamOp.Kind.COLLECTION) out.add(0, Type.getObjectType(call.owner)); // list.stream()
            if (lambda != null) {
                out.remove(out.size() - 1);
                out.addAll(List.of(Type.getArgumentTypes(lambda.desc)));
            }
            return out;
        }

        /** The implementation a direct lambda calls. */
        Handle implementation() {
            return (Handle) lambda.bsmArgs[1];
        }
    }

    /**
     * Whether an {@code invokedynamic} makes a lambda of {@code function}'s interface whose
     * implementation takes exactly the captured values and then the function's parameters, and
     * returns its result type, so calling it needs no adaptation (boxing, widening).
     */
    /**
     * Whether a lambda's instantiated method type is the interface method's erased one, with
     * {@code Object}s narrowed to the element's type ({@code ToDoubleFunction<double[]>}: {@code ([D)D}).
     */
    private static boolean specialises(Type instantiated, Type erased) {
        Type[] a = instantiated.getArgumentTypes(), b = erased.getArgumentTypes();
        if (a.length != b.length || !narrows(instantiated.getReturnType(), erased.getReturnType())) return false;
        for (int i = 0; i < a.length; i++) if (!narrows(a[i], b[i])) return false;
        return true;
    }

    private static boolean narrows(Type narrow, Type wide) {
        return narrow.equals(wide) || wide.getDescriptor().equals("Ljava/lang/Object;")
                && (narrow.getSort() == Type.OBJECT || narrow.getSort() == Type.ARRAY);
    }

    static boolean isDirectLambda(InvokeDynamicInsnNode indy, StreamOp.Function function) {
        if (!indy.bsm.getOwner().equals("java/lang/invoke/LambdaMetafactory") || indy.bsmArgs.length < 3
                || !(indy.bsmArgs[1] instanceof Handle impl) || !(indy.bsmArgs[2] instanceof Type instantiated)) {
            return false;
        }
        if (!Type.getReturnType(indy.desc).getInternalName().equals(function.owner())) return false;
        if (!specialises(instantiated, Type.getMethodType(function.descriptor()))) return false;
        List<Type> expected = new ArrayList<>(List.of(Type.getArgumentTypes(indy.desc)));
        switch (impl.getTag()) {
            case Opcodes.H_INVOKESTATIC -> { }
            case Opcodes.H_INVOKEVIRTUAL, Opcodes.H_INVOKEINTERFACE, Opcodes.H_INVOKESPECIAL -> {
                if (expected.isEmpty()) {
                    // an unbound method reference (Sample::weight): the element is the receiver
                    Type[] parameters = instantiated.getArgumentTypes();
                    if (parameters.length != 1 || parameters[0].getSort() != Type.OBJECT) return false;
                    Type implType = Type.getMethodType(impl.getDesc());
                    return implType.getArgumentTypes().length == 0 && implType.getReturnType().equals(instantiated.getReturnType());
                }
                if (expected.get(0).getSort() != Type.OBJECT) return false;
                expected.remove(0); // the receiver
            }
            default -> {
                return false;
            }
        }
        expected.addAll(List.of(instantiated.getArgumentTypes()));
        Type implType = Type.getMethodType(impl.getDesc());
        return List.of(implType.getArgumentTypes()).equals(expected)
                && implType.getReturnType().equals(instantiated.getReturnType());
    }
}
