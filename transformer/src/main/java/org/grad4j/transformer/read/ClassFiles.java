package org.grad4j.transformer.read;

import java.util.List;
import org.grad4j.TransformException;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AnnotationNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.analysis.Analyzer;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.BasicValue;
import org.objectweb.asm.tree.analysis.Frame;

/** Reading stage: class bytes to ASM trees, methods, annotations and frames. */
public final class ClassFiles {
    public static final String DIFFERENTIABLE = "Lorg/grad4j/Differentiable;";

    private ClassFiles() {}

    public static ClassNode read(byte[] bytes) {
        ClassNode node = new ClassNode();
        new ClassReader(bytes).accept(node, ClassReader.SKIP_FRAMES);
        return node;
    }

    /** A copy of a method to change, with its limits: the original stays as it is. */
    public static MethodNode copy(MethodNode m) {
        MethodNode copy = new MethodNode(org.objectweb.asm.Opcodes.ASM9, m.access, m.name, m.desc, m.signature,
                m.exceptions == null ? null : m.exceptions.toArray(new String[0]));
        m.accept(copy);
        copy.maxLocals = m.maxLocals;
        copy.maxStack = m.maxStack;
        return copy;
    }

    /** The local slot of each declared parameter of {@code m} (the receiver, if any, is slot 0 and not listed). */
    public static int[] parameterSlots(MethodNode m) {
        org.objectweb.asm.Type[] params = org.objectweb.asm.Type.getArgumentTypes(m.desc);
        int[] slots = new int[params.length];
        int slot = (m.access & org.objectweb.asm.Opcodes.ACC_STATIC) != 0 ? 0 : 1;
        for (int p = 0; p < params.length; p++) {
            slots[p] = slot;
            slot += params[p].getSize();
        }
        return slots;
    }

    public static MethodNode method(ClassNode owner, String name, String descriptor) {
        for (MethodNode m : owner.methods) {
            if (m.name.equals(name) && m.desc.equals(descriptor)) return m;
        }
        return null;
    }

    /**
     * The top-level class of the nest a class belongs to, by name: {@code a/B$C} → {@code a/B}.
     * (Names only: a top-level class with a {@code $} in its own name counts as nested.)
     */
    public static String nestTop(String internalName) {
        int slash = internalName.lastIndexOf('/');
        int dollar = internalName.indexOf('$', slash + 1);
        return dollar < 0 ? internalName : internalName.substring(0, dollar);
    }

    /** The source line of the first {@code new} of class {@code internalName} in {@code method}, or -1. */
    public static int lineOfNew(MethodNode method, String internalName) {
        int line = -1;
        for (org.objectweb.asm.tree.AbstractInsnNode insn : method.instructions) {
            if (insn instanceof org.objectweb.asm.tree.LineNumberNode l) line = l.line;
            if (insn instanceof org.objectweb.asm.tree.TypeInsnNode t && t.getOpcode() == Opcodes.NEW && t.desc.equals(internalName)) {
                return line;
            }
        }
        return -1;
    }

    /**
     * Whether code placed in {@code host} would reach a member or class that only its own nest or
     * package may: a class of another nest that is package-private in another package, or a
     * field or method of another nest that is private, package-private in another package, or
     * protected in another package (the generated class is no subclass of anything). A member is
     * judged where it is declared, found up the superclasses: {@code Facade.SHIFT} may be a
     * package-private field of a package-private base class. Asked of a body with helpers of
     * another nest inlined: a top-level record's methods (their reads of its private fields must
     * be gone, replaced by locals), a utility class's helpers.
     */
    public static boolean reachesPrivatelyOutside(MethodNode body, String host, java.util.function.Function<String, ClassNode> classes) {
        return reachesPrivatelyOutside(body, host, classes, null);
    }

    /**
     * As above, but the instance fields of {@code fieldsOf} (declared by it or a superclass) do not
     * count: an instance method of that class inlined on an object made in the method, whose
     * fields become locals ({@code inline.MutableObjects}); null: all count.
     */
    public static boolean reachesPrivatelyOutside(MethodNode body, String host, java.util.function.Function<String, ClassNode> classes,
                                                  String fieldsOf) {
        return privateReachOutside(body, host, classes, fieldsOf) != null;
    }

    /**
     * What of another nest {@code body} reaches that code in {@code host}'s package cannot ({@link
     * #reachesPrivatelyOutside}), in words: "the private constructor of ModelConfig", "the class
     * Foo, package-private in another package"; null when nothing.
     */
    public static String privateReachOutside(MethodNode body, String host, java.util.function.Function<String, ClassNode> classes,
                                             String fieldsOf) {
        String nest = nestTop(host);
        java.util.Set<String> exempt = new java.util.HashSet<>();
        for (ClassNode k = fieldsOf == null ? null : classes.apply(fieldsOf); k != null;
             k = k.superName == null ? null : classes.apply(k.superName)) {
            exempt.add(k.name);
        }
        for (org.objectweb.asm.tree.AbstractInsnNode insn : body.instructions) {
            String owner, name, desc;
            if (insn instanceof org.objectweb.asm.tree.FieldInsnNode f) {
                boolean instance = f.getOpcode() == Opcodes.GETFIELD || f.getOpcode() == Opcodes.PUTFIELD;
                if (instance && exempt.contains(f.owner)) continue;
                owner = f.owner; name = f.name; desc = null;
            } else if (insn instanceof org.objectweb.asm.tree.MethodInsnNode m) {
                owner = m.owner; name = m.name; desc = m.desc;
            } else if (insn instanceof org.objectweb.asm.tree.TypeInsnNode t) {
                owner = t.desc; name = null; desc = null;
            } else {
                continue;
            }
            if (owner.startsWith("[") || nestTop(owner).equals(nest)) continue;
            ClassNode c = classes.apply(owner);
            if (c == null) continue; // the JDK's, which the method as written reaches too
            String simple = owner.substring(owner.lastIndexOf('/') + 1).replace('$', '.');
            if ((c.access & Opcodes.ACC_PUBLIC) == 0 && !packageOf(owner).equals(packageOf(host))) {
                return "the class " + simple + ", package-private in another package";
            }
            if (name != null && !reachable(c, name, desc, host, classes)) {
                return desc == null ? "the field " + name + " of " + simple
                        : name.equals("<init>") ? "a constructor of " + simple : "the method " + simple + "." + name;
            }
        }
        return null;
    }

    /** Whether the member {@code name} ({@code desc} null for a field) of {@code c}, or the superclass declaring it, is reachable from {@code host}'s package. */
    private static boolean reachable(ClassNode c, String name, String desc, String host, java.util.function.Function<String, ClassNode> classes) {
        for (ClassNode k = c; k != null; k = k.superName == null ? null : classes.apply(k.superName)) {
            int access = -1;
            if (desc == null) {
                for (org.objectweb.asm.tree.FieldNode f : k.fields) if (f.name.equals(name)) access = f.access;
            } else {
                MethodNode m = method(k, name, desc);
                if (m != null) access = m.access;
            }
            if (access == -1) continue;
            if ((access & Opcodes.ACC_PUBLIC) != 0) return true;
            if ((access & Opcodes.ACC_PRIVATE) != 0) return nestTop(k.name).equals(nestTop(host));
            return packageOf(k.name).equals(packageOf(host)); // package-private, or protected: the generated class is no subclass
        }
        return true; // declared by the JDK (a superclass or an interface grad4j does not read): resolved as for the method as written
    }

    private static String packageOf(String internalName) {
        int slash = internalName.lastIndexOf('/');
        return slash < 0 ? "" : internalName.substring(0, slash);
    }

    public static boolean isDifferentiable(MethodNode m) {
        return has(m.visibleAnnotations) || has(m.invisibleAnnotations);
    }

    private static boolean has(List<AnnotationNode> annotations) {
        if (annotations == null) return false;
        for (AnnotationNode a : annotations) if (a.desc.equals(DIFFERENTIABLE)) return true;
        return false;
    }

    /** The longest {@code Code} attribute's bytecode length among a class file's methods. */
    /** The first source line of a method's code, or -1 when it was compiled without line numbers. */
    public static int firstLine(MethodNode method) {
        for (org.objectweb.asm.tree.AbstractInsnNode insn : method.instructions) {
            if (insn instanceof org.objectweb.asm.tree.LineNumberNode n) return n.line;
        }
        return -1;
    }

    public static int longestCode(byte[] classFile) {
        org.objectweb.asm.ClassReader r = new org.objectweb.asm.ClassReader(classFile);
        char[] buffer = new char[r.getMaxStringLength()];
        int at = r.header + 6; // access, this, super
        at += 2 + 2 * r.readUnsignedShort(at); // interfaces
        int fields = r.readUnsignedShort(at);
        at += 2;
        for (; fields > 0; fields--) {
            at += 6; // access, name, descriptor
            int attributes = r.readUnsignedShort(at);
            at += 2;
            for (; attributes > 0; attributes--) at += 6 + r.readInt(at + 2);
        }
        int longest = 0;
        int methods = r.readUnsignedShort(at);
        at += 2;
        for (; methods > 0; methods--) {
            at += 6;
            int attributes = r.readUnsignedShort(at);
            at += 2;
            for (; attributes > 0; attributes--) {
                String name = r.readUTF8(at, buffer);
                int length = r.readInt(at + 2);
                if ("Code".equals(name)) longest = Math.max(longest, r.readInt(at + 10)); // after max_stack, max_locals
                at += 6 + length;
            }
        }
        return longest;
    }

    /** Type of every local and stack slot before every instruction (null where unreachable). */
    public static Frame<BasicValue>[] frames(ClassNode owner, MethodNode m, ClassHierarchy hierarchy) {
        HierarchyVerifier verifier = new HierarchyVerifier(hierarchy, Type.getObjectType(owner.name),
                owner.superName == null ? null : Type.getObjectType(owner.superName),
                owner.interfaces.stream().map(Type::getObjectType).toList(),
                (owner.access & org.objectweb.asm.Opcodes.ACC_INTERFACE) != 0);
        try {
            return new Analyzer<>(verifier).analyze(owner.name, m);
        } catch (AnalyzerException e) {
            throw new TransformException("grad4j cannot analyse " + owner.name.replace('/', '.') + "." + m.name
                    + m.desc + ": " + e.getMessage() + ". This usually means the class file was not produced by javac "
                    + "or is damaged; differentiate a plain Java method instead.", e);
        }
    }
}
