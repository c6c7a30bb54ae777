package org.grad4j.transformer.analysis;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.grad4j.rules.Rule;
import org.grad4j.rules.RuleTable;
import org.grad4j.transformer.ClassFileLocator;
import org.grad4j.transformer.read.ClassFiles;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * Decides what each call is: lookup order is a rule (custom or built-in), then a method to
 * differentiate, else a plain call.
 */
public final class CallResolver {
    private final RuleTable rules;
    private final ClassFileLocator locator;
    private final Map<String, ClassNode> classes = new ConcurrentHashMap<>();

    public CallResolver(RuleTable rules, ClassFileLocator locator) {
        this.rules = rules;
        this.locator = locator;
    }

    public Callee resolve(MethodInsnNode call) {
        Rule rule = rules.lookup(call.owner, call.name, call.desc);
        if (rule != null) return new Callee.Ruled(rule);
        if (call.name.startsWith("<")) return new Callee.Plain("a constructor");
        Callee.ArrayOp.Kind op = arrayOp(call);
        if (op != null) return new Callee.ArrayOp(op);
        ClassNode declaring = declaringClass(call.owner, call.name, call.desc);
        if (declaring == null) return new Callee.Plain("its bytecode could not be found");
        MethodNode target = ClassFiles.method(declaring, call.name, call.desc);
        if (!ClassFiles.isDifferentiable(target)) return new Callee.Plain("it is not annotated @Differentiable and has no rule");
        boolean isStatic = (target.access & Opcodes.ACC_STATIC) != 0;
        boolean exact = isStatic || call.getOpcode() == Opcodes.INVOKESPECIAL
                || (target.access & (Opcodes.ACC_PRIVATE | Opcodes.ACC_FINAL)) != 0
                || (declaring.access & Opcodes.ACC_FINAL) != 0;
        if (!exact) return new Callee.Plain("it is an overridable instance method (virtual dispatch is not supported yet)");
        return new Callee.Differentiated(declaring.name, call.name, call.desc, isStatic);
    }

    private static Callee.ArrayOp.Kind arrayOp(MethodInsnNode call) {
        String sig = call.owner + "." + call.name + call.desc;
        if (sig.equals("java/lang/System.arraycopy(Ljava/lang/Object;ILjava/lang/Object;II)V")) return Callee.ArrayOp.Kind.ARRAYCOPY;
        if (call.owner.startsWith("[") && call.name.equals("clone")
                && org.grad4j.transformer.ir.Types.isShadowed(org.objectweb.asm.Type.getType(call.owner))) {
            return Callee.ArrayOp.Kind.CLONE;
        }
        if (!call.owner.equals("java/util/Arrays")) return null;
        return switch (call.name + call.desc) {
            case "fill([DD)V", "fill([FF)V" -> Callee.ArrayOp.Kind.FILL;
            case "fill([DIID)V", "fill([FIIF)V" -> Callee.ArrayOp.Kind.FILL_RANGE;
            case "copyOf([DI)[D", "copyOf([FI)[F" -> Callee.ArrayOp.Kind.COPY_OF;
            case "copyOfRange([DII)[D", "copyOfRange([FII)[F" -> Callee.ArrayOp.Kind.COPY_OF_RANGE;
            default -> null;
        };
    }

    /** The class that declares the method: {@code owner} or the superclass it inherits it from. */
    public ClassNode declaringClass(String owner, String name, String desc) {
        for (String c = owner; c != null; ) {
            ClassNode node = classNode(c);
            if (node == null) return null;
            if (ClassFiles.method(node, name, desc) != null) return node;
            c = node.superName;
        }
        return null;
    }

    public ClassNode classNode(String internalName) {
        ClassNode cached = classes.get(internalName);
        if (cached != null) return cached;
        byte[] bytes = locator.bytesOf(internalName);
        if (bytes == null) return null;
        ClassNode node = ClassFiles.read(bytes);
        classes.put(internalName, node);
        return node;
    }
}
