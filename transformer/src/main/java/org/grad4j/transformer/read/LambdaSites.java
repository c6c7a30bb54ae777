package org.grad4j.transformer.read;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.objectweb.asm.Handle;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * Finds the implementation method of a lambda object that is not serializable (a
 * {@code DoubleUnaryOperator} in a field, say): its class is hidden and its bytes cannot be read,
 * but the class that created it holds the {@code invokedynamic} site that made it, with the
 * implementation method handle as a bootstrap argument. A site matches when it makes the same
 * functional interface with the same captured types; the answer must be one method.
 */
public final class LambdaSites {
    private LambdaSites() {}

    /** The implementation: owner (internal name), name, descriptor, and whether it is static. */
    public record Implementation(String owner, String name, String descriptor, boolean isStatic) {}

    /**
     * @param creator the class file of the class that created the lambda
     * @param functionalInterface internal name of the interface the lambda implements
     * @param captured descriptors of the captured values, in order (the lambda class's fields)
     * @return the implementations of every matching site (one, unless several sites make the
     *     same interface from the same captured types)
     */
    public static List<Implementation> find(byte[] creator, String functionalInterface, List<String> captured) {
        ClassNode node = ClassFiles.read(creator);
        Set<Implementation> found = new LinkedHashSet<>();
        for (MethodNode m : node.methods) {
            for (AbstractInsnNode insn : m.instructions) {
                if (!(insn instanceof InvokeDynamicInsnNode indy)) continue;
                if (!indy.bsm.getOwner().equals("java/lang/invoke/LambdaMetafactory")) continue;
                Type site = Type.getMethodType(indy.desc);
                if (!site.getReturnType().getInternalName().equals(functionalInterface)) continue;
                Type[] args = site.getArgumentTypes();
                if (args.length != captured.size()) continue;
                boolean same = true;
                for (int i = 0; i < args.length && same; i++) same = args[i].getDescriptor().equals(captured.get(i));
                if (!same || indy.bsmArgs.length < 2 || !(indy.bsmArgs[1] instanceof Handle h)) continue;
                found.add(new Implementation(h.getOwner(), h.getName(), h.getDesc(),
                        h.getTag() == org.objectweb.asm.Opcodes.H_INVOKESTATIC));
            }
        }
        return List.copyOf(found);
    }
}
