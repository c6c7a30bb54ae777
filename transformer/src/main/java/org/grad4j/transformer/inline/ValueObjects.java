package org.grad4j.transformer.inline;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TypeInsnNode;

/**
 * Scalar replacement of value objects: {@code new Vec2(Math.cos(a), Math.sin(a))} of a small
 * immutable class (a record, or a final class of final primitive fields set by its constructor)
 * becomes its fields, held in locals, when the object never leaves the method: it is only kept
 * in locals, read through its fields or accessors, and checked for null. Its methods must have
 * been inlined first ({@link Inliner}), so that {@code p.plus(q).dot(r)} is field reads and
 * arithmetic. What is left is plain code on doubles, which the rest of the pipeline differentiates;
 * objects cannot carry a derivative otherwise (no shadow fields), and a constructor given
 * differentiable values is refused.
 *
 * <p>Works on bytecode, before lifting. Each place a virtual object can come from — its {@code
 * new}, or a load of a local holding one — gets locals for the fields (its home), and so does
 * each local slot that holds one; a store copies the fields from the value's home into the
 * slot's, a load copies them back, a field read or accessor call reads the home's local.
 * Immutable objects make the copies exact. Where the operand stack merges two such places
 * ({@code c ? a : new Vec2(...)}) they share one home. Any other use — passed to a call not
 * inlined, stored into a field or array, returned, compared, synchronised on, merged with null
 * or an object from elsewhere — leaves the method as it was, and its refusal stands.
 */
public final class ValueObjects {
    private ValueObjects() {}

    /**
     * The method with its value objects replaced by their fields ({@code method} itself when it has
     * none or all escape), and, by class (internal name), why that class's objects were kept, in
     * words for a refusal. A class whose objects escape is left as it is and the others are still
     * replaced: a settings object passed to a helper does not stop a {@code Vec2} beside it.
     */
    public record Replaced(MethodNode method, Map<String, String> whyKept) {
        /** Why objects of {@code internalName} were kept, or null. */
        public String whyKept(String internalName) {
            return whyKept.get(internalName);
        }
    }

    /**
     * @param owner the internal name of the method's class
     * @param classes the class node for an internal name, or null when its bytecode is not found
     * @param hierarchy what an object whose class is known is an instance of ({@code s instanceof Circle c})
     */
    public static Replaced replace(String owner, MethodNode method, Function<String, ClassNode> classes,
                                   org.grad4j.transformer.read.ClassHierarchy hierarchy) {
        return replace(owner, method, classes, hierarchy, call -> "");
    }

    /**
     * As above; {@code whyNotInlined}: why a call an object is passed to is not inlined, in words
     * for the refusal ("" when the body's own limits say it)
     */
    public static Replaced replace(String owner, MethodNode method, Function<String, ClassNode> classes,
                                   org.grad4j.transformer.read.ClassHierarchy hierarchy,
                                   Function<MethodInsnNode, String> whyNotInlined) {
        ValueClass.Cache values = new ValueClass.Cache(classes);
        Map<String, String> kept = new java.util.LinkedHashMap<>();
        if (!method.tryCatchBlocks.isEmpty()) {
            for (String c : candidates(method, values)) kept.put(c, "the method has a try block");
            return new Replaced(method, kept);
        }
        while (!candidates(method, values).isEmpty()) {
            try {
                return new Replaced(new ValueRewrite(owner, method, values, hierarchy, whyNotInlined).run(), kept);
            } catch (Escapes e) {
                if (e.of == null) {
                    for (String c : candidates(method, values)) kept.put(c, e.getMessage());
                    return new Replaced(method, kept);
                }
                kept.put(e.of.name, e.getMessage());
                values.exclude(e.of.name, e.getMessage()); // and the classes holding it: the others are tried again
            }
        }
        return new Replaced(method, kept);
    }

    /** The value classes whose objects the method makes ({@code new}) or reads as constants. */
    private static Set<String> candidates(MethodNode method, ValueClass.Cache values) {
        Set<String> found = new java.util.LinkedHashSet<>();
        for (AbstractInsnNode insn : method.instructions) {
            String made = insn.getOpcode() == Opcodes.NEW || insn.getOpcode() == Opcodes.ANEWARRAY ? ((TypeInsnNode) insn).desc
                    : insn.getOpcode() == Opcodes.GETSTATIC ? constantClass((FieldInsnNode) insn) : null;
            if (made != null && values.get(made) != null) found.add(made);
        }
        return found;
    }

    /** {@code Objects.requireNonNull(a)}: javac's null check before reading a constant field ({@code a.w} of {@code final double w = 0.5}). */
    static boolean isNullCheck(AbstractInsnNode insn) {
        return insn instanceof MethodInsnNode m && m.getOpcode() == Opcodes.INVOKESTATIC && m.owner.equals("java/util/Objects")
                && m.name.equals("requireNonNull") && m.desc.equals("(Ljava/lang/Object;)Ljava/lang/Object;");
    }

    /**
     * The instructions of a cast of an object of class {@code from}, known where it is made, to a
     * class it is not: the {@code ClassCastException} the cast would throw (javac's pattern
     * {@code if (s instanceof Rect r)} casts in a branch the constant test never takes).
     */
    static org.objectweb.asm.tree.InsnList castThrows(String from, String to) {
        org.objectweb.asm.tree.InsnList out = new org.objectweb.asm.tree.InsnList();
        out.add(new TypeInsnNode(Opcodes.NEW, "java/lang/ClassCastException"));
        out.add(new org.objectweb.asm.tree.InsnNode(Opcodes.DUP));
        out.add(new org.objectweb.asm.tree.LdcInsnNode("class " + from.replace('/', '.') + " cannot be cast to class "
                + to.replace('/', '.')));
        out.add(new MethodInsnNode(Opcodes.INVOKESPECIAL, "java/lang/ClassCastException", "<init>", "(Ljava/lang/String;)V", false));
        out.add(new org.objectweb.asm.tree.InsnNode(Opcodes.ATHROW));
        return out;
    }

    /** How an instruction uses an object it does not follow, in words for a refusal ("is returned"). */
    static String usedAs(int op) {
        return switch (op) {
            case Opcodes.ARETURN -> "is returned";
            case Opcodes.PUTSTATIC, Opcodes.PUTFIELD -> "is stored into a field";
            case Opcodes.AASTORE -> "is stored into an array grad4j does not follow (it follows a one-dimensional array made "
                    + "here by new of the objects' own class, holding objects of that class: not an array from a field or a "
                    + "call, an array of arrays, or one of an interface or a superclass holding objects of several classes, "
                    + "for which keep one array per class)";
            case Opcodes.CHECKCAST, Opcodes.INSTANCEOF -> "is cast or tested with instanceof";
            case Opcodes.IF_ACMPEQ, Opcodes.IF_ACMPNE -> "is compared with == or !=";
            case Opcodes.MONITORENTER, Opcodes.MONITOREXIT -> "is synchronised on";
            default -> "is used as an object (" + org.objectweb.asm.util.Printer.OPCODES[op].toLowerCase() + ")";
        };
    }

    /** The instruction pushing a field's default value ({@code 0}, {@code 0.0}, {@code null}) of type {@code t}. */
    static int zero(Type t) {
        return switch (t.getSort()) {
            case Type.DOUBLE -> Opcodes.DCONST_0;
            case Type.FLOAT -> Opcodes.FCONST_0;
            case Type.LONG -> Opcodes.LCONST_0;
            case Type.ARRAY, Type.OBJECT -> Opcodes.ACONST_NULL;
            default -> Opcodes.ICONST_0;
        };
    }

    /** The class of a static field's object ({@code Complex.ZERO}), or null for a primitive or array. */
    static String constantClass(FieldInsnNode get) {
        Type t = Type.getType(get.desc);
        return t.getSort() == Type.OBJECT ? t.getInternalName() : null;
    }

    /** Whether the class's objects could be replaced by their fields (see {@link ValueClass}). */
    public static boolean isValueClass(String internalName, Function<String, ClassNode> classes) {
        return new ValueClass.Cache(classes).get(internalName) != null;
    }

    /**
     * Why objects of the class cannot be kept in locals, for a refusal's message ("its field hist
     * is an array"); null when it is a value class (its objects may still escape) or unknown.
     */
    public static String whyNotValueClass(String internalName, Function<String, ClassNode> classes) {
        return new ValueClass.Cache(classes).whyNotValueClass(internalName);
    }

    /** A value object escapes, or is used in a way this pass does not follow. */
    static final class Escapes extends RuntimeException {
        /** The class whose objects escape; null when the method as a whole is not followed. */
        final ValueClass of;

        Escapes(ValueClass of, String how) {
            super(how, null, false, false);
            this.of = of;
        }
    }

    /** {@code Outer.Inner} for {@code pkg/Outer$Inner}, {@code Outer.Inner[]} for an array's descriptor. */
    static String simpleName(String internalName) {
        if (internalName.startsWith("[")) {
            Type t = Type.getType(internalName);
            Type element = t.getElementType();
            return (element.getSort() == Type.OBJECT ? simpleName(element.getInternalName()) : element.getClassName())
                    + "[]".repeat(t.getDimensions());
        }
        return internalName.substring(internalName.lastIndexOf('/') + 1).replace('$', '.');
    }

    /** The source line of each instruction (an inlined body's: its call's), 0 where none is known. */
    static Map<AbstractInsnNode, Integer> lines(MethodNode method) {
        Map<AbstractInsnNode, Integer> lines = new IdentityHashMap<>();
        int line = 0;
        for (AbstractInsnNode insn : method.instructions) {
            if (insn instanceof org.objectweb.asm.tree.LineNumberNode n) line = n.line;
            lines.put(insn, line);
        }
        return lines;
    }
}
