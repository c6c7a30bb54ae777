package org.grad4j.transformer.read;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.objectweb.asm.Handle;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
import org.objectweb.asm.tree.LineNumberNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * Finds the implementation method of a lambda object that is not serializable (a
 * {@code DoubleUnaryOperator} in a field, say): its class is hidden and its bytes cannot be read,
 * but the class that created it holds the {@code invokedynamic} site that made it, with the
 * implementation method handle as a bootstrap argument. A site matches when it makes the same
 * functional interface with the same captured types. Several sites whose bodies are the same
 * code (the same lambda written twice) count as one: either computes the lambda's function.
 */
public final class LambdaSites {
    private LambdaSites() {}

    /**
     * The implementation: owner (internal name), name, descriptor, whether it is static, and the
     * first source line of its body (0 when unknown: another class's method, no line numbers).
     */
    public record Implementation(String owner, String name, String descriptor, boolean isStatic, int line) {}

    /**
     * @param creator the class file of the class that created the lambda
     * @param functionalInterface internal name of the interface the lambda implements
     * @param captured descriptors of the captured values, in order (the lambda class's fields)
     * @return the implementations of every matching site with different code (one, unless
     *     several sites make the same interface from the same captured types)
     */
    public static List<Implementation> find(byte[] creator, String functionalInterface, List<String> captured) {
        ClassNode node = ClassFiles.read(creator);
        Map<String, MethodNode> own = new LinkedHashMap<>();
        for (MethodNode m : node.methods) own.put(m.name + m.desc, m);
        List<Implementation> found = new ArrayList<>();
        Set<String> handles = new HashSet<>();
        Set<String> bodies = new HashSet<>();
        // a static method reference (Math::tanh) and a lambda that only forwards to it (z -> Math.tanh(z))
        // are one function: keep the lambda, whose body grad4j reads (a JDK method's it does not)
        Map<String, Integer> forwards = new HashMap<>(); // static method called → index in found
        Set<Integer> lambdaBodies = new HashSet<>();
        for (MethodNode m : node.methods) {
            for (AbstractInsnNode insn : m.instructions) {
                Handle h = implementationOf(insn, functionalInterface, captured);
                if (h == null || !handles.add(h.getOwner() + '.' + h.getName() + h.getDesc())) continue;
                MethodNode body = h.getOwner().equals(node.name) ? own.get(h.getName() + h.getDesc()) : null;
                if (body != null && !bodies.add(h.getTag() + h.getDesc() + ' ' + MethodBodies.code(body))) continue;
                Implementation impl = new Implementation(h.getOwner(), h.getName(), h.getDesc(),
                        h.getTag() == Opcodes.H_INVOKESTATIC, body == null ? 0 : firstLine(body));
                boolean lambdaBody = body != null && (body.access & Opcodes.ACC_SYNTHETIC) != 0
                        && (h.getTag() == Opcodes.H_INVOKESTATIC || h.getTag() == Opcodes.H_INVOKESPECIAL
                                || h.getTag() == Opcodes.H_INVOKEVIRTUAL); // javac 17 names private lambda bodies so
                // this::l2 and () -> l2() (an instance lambda body calling l2 on this) are one function too
                String target = lambdaBody ? MethodBodies.forwardsTo(body)
                        : h.getTag() == Opcodes.H_INVOKESTATIC ? h.getOwner() + '.' + h.getName() + h.getDesc()
                        : h.getTag() == Opcodes.H_INVOKEVIRTUAL ? "virtual " + h.getOwner() + '.' + h.getName() + h.getDesc()
                        : null;
                Integer same = target == null ? null : forwards.get(target);
                if (same == null) {
                    if (target != null) forwards.put(target, found.size());
                    if (lambdaBody) lambdaBodies.add(found.size());
                    found.add(impl);
                } else if (lambdaBody && lambdaBodies.add(same)) {
                    found.set(same, impl); // the forwarding lambda in place of the method reference
                }
            }
        }
        return List.copyOf(found);
    }

    /** The implementation handle of a lambda site making {@code functionalInterface} from {@code captured}, else null. */
    private static Handle implementationOf(AbstractInsnNode insn, String functionalInterface, List<String> captured) {
        if (!(insn instanceof InvokeDynamicInsnNode indy)) return null;
        if (!indy.bsm.getOwner().equals("java/lang/invoke/LambdaMetafactory")) return null;
        Type site = Type.getMethodType(indy.desc);
        if (!site.getReturnType().getInternalName().equals(functionalInterface)) return null;
        Type[] args = site.getArgumentTypes();
        if (args.length != captured.size()) return null;
        for (int i = 0; i < args.length; i++) if (!args[i].getDescriptor().equals(captured.get(i))) return null;
        return indy.bsmArgs.length >= 2 && indy.bsmArgs[1] instanceof Handle h ? h : null;
    }

    private static int firstLine(MethodNode m) {
        for (AbstractInsnNode insn : m.instructions) if (insn instanceof LineNumberNode ln) return ln.line;
        return 0;
    }
}
