package org.grad4j.transformer.inline;

import java.util.Set;
import org.grad4j.transformer.read.ClassFiles;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * The JDK calls that turn an object into text by calling its {@code toString} ({@code
 * String.valueOf(o)}, which javac calls for each object of a string concatenation; {@code
 * Objects.toString(o)}; {@code println(o)}; {@code append(o)}; {@code String.format("%s", o)}
 * and {@code printf}, {@link FormatArguments#stringConversions}) written out as that call: {@code o
 * == null ? "null" : o.toString()}, then the overload taking the string. On an object made in the
 * method, {@code toString} is then a call on it like any other: made exact and inlined
 * ({@code ExactReceivers}), so a state object printed in a message ({@code "diverged: " + p}) is
 * read field by field where its fields are locals ({@link MutableObjects}, {@link ValueObjects}).
 * Where it is not inlined it stays a call of {@code toString}, which those passes still follow as
 * text ({@link TextSinks}). The text is the same: those JDK methods do exactly this.
 */
public final class ExplicitToString {
    private ExplicitToString() {}

    /** The method with those calls written out; the method itself when it has none. */
    public static MethodNode of(MethodNode method) {
        boolean any = false;
        for (AbstractInsnNode insn : method.instructions) any |= insn instanceof MethodInsnNode m && stringOverload(m) != null;
        Set<AbstractInsnNode> formatted = FormatArguments.stringConversions(method);
        if (!any && formatted.isEmpty()) return method;
        MethodNode copy = ClassFiles.copy(method);
        AbstractInsnNode[] originals = method.instructions.toArray();
        AbstractInsnNode[] copies = copy.instructions.toArray();
        for (int i = 0; i < originals.length; i++) {
            // an argument a format string converts with %s: its text, as the formatter takes it. (A Formattable would format
            // itself; testing for one would leave the object in the array on one path, where the passes that replace objects
            // cannot follow it: an object of the program's that is Formattable prints its toString here.)
            if (formatted.contains(originals[i])) copy.instructions.insertBefore(copies[i], toText());
            if (!(copies[i] instanceof MethodInsnNode m)) continue;
            String overload = stringOverload(m);
            if (overload == null) continue;
            InsnList text = toText();
            if (!overload.isEmpty()) text.add(new MethodInsnNode(m.getOpcode(), m.owner, m.name, overload, false));
            copy.instructions.insert(m, text);
            copy.instructions.remove(m);
        }
        copy.maxStack = method.maxStack + 1; // the object's copy for the null test
        return copy;
    }

    /**
     * The descriptor of the overload taking a {@code String} that does the same with the object's
     * text; "" for a call that is that text ({@code String.valueOf}); null for any other call.
     */
    static String stringOverload(MethodInsnNode m) {
        String desc = m.desc;
        return switch (m.owner) {
            case "java/lang/String" -> m.name.equals("valueOf") && desc.equals("(Ljava/lang/Object;)Ljava/lang/String;") ? "" : null;
            case "java/util/Objects" -> m.name.equals("toString") && desc.equals("(Ljava/lang/Object;)Ljava/lang/String;") ? "" : null;
            case "java/io/PrintStream" -> (m.name.equals("println") || m.name.equals("print")) && desc.equals("(Ljava/lang/Object;)V")
                    ? "(Ljava/lang/String;)V" : null;
            case "java/lang/StringBuilder", "java/lang/StringBuffer" -> m.name.equals("append") && desc.startsWith("(Ljava/lang/Object;)")
                    ? "(Ljava/lang/String;)L" + m.owner + ";" : null;
            default -> null;
        };
    }

    /** {@code o == null ? "null" : o.toString()} of the object on the stack. */
    private static InsnList toText() {
        InsnList out = new InsnList();
        LabelNode there = new LabelNode();
        LabelNode done = new LabelNode();
        out.add(new InsnNode(Opcodes.DUP));
        out.add(new JumpInsnNode(Opcodes.IFNONNULL, there));
        out.add(new InsnNode(Opcodes.POP));
        out.add(new LdcInsnNode("null"));
        out.add(new JumpInsnNode(Opcodes.GOTO, done));
        out.add(there);
        out.add(new MethodInsnNode(Opcodes.INVOKEVIRTUAL, "java/lang/Object", "toString", "()Ljava/lang/String;", false));
        out.add(done);
        return out;
    }
}
