package org.grad4j.transformer.inline;

import static org.grad4j.transformer.inline.ValueObjects.simpleName;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.grad4j.transformer.read.ClassFiles;
import org.grad4j.transformer.read.ClassHierarchy;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.FieldNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * A class of the program whose objects {@link MutableObjects} may replace by their fields:
 * concrete, its superclasses up to {@code Object} the program's too, so that every constructor
 * that runs is one grad4j can read and run in place. Its instance fields (its superclasses'
 * included) may be of any type and need not be final: an object made in the method has one
 * home, written in place. Final value classes are {@link ValueObjects}' (their objects may be
 * copied) unless the method writes their fields; a value class that is not final is tried here
 * first (see {@code MutableObjects.Candidates}).
 *
 * @param chain the class and its superclasses, below {@code Object}
 * @param fields every instance field of the chain, each by its declaring class
 */
record MutableClass(String name, List<ClassNode> chain, List<Field> fields, ClassHierarchy hierarchy) {
    /** An instance field, with the class that declares it. */
    record Field(String owner, FieldNode node) {}

    /**
     * The class of that name if its objects could be followed, else null ({@code why} told the
     * reason, by class name, for a refusal's message).
     */
    static MutableClass of(String name, Function<String, ClassNode> classes, ClassHierarchy hierarchy,
                           java.util.Map<String, String> why) {
        ClassNode self = org.grad4j.transformer.analysis.CallResolver.isJdk(name) ? null : classes.apply(name);
        if (self == null || (self.access & (Opcodes.ACC_INTERFACE | Opcodes.ACC_ABSTRACT | Opcodes.ACC_ENUM)) != 0) return null;
        List<ClassNode> chain = new ArrayList<>();
        List<Field> fields = new ArrayList<>();
        for (String at = name; !isRoot(at); ) {
            ClassNode c = at.equals(name) ? self : classes.apply(at);
            if (c == null || org.grad4j.transformer.analysis.CallResolver.isJdk(at)) {
                why.put(name, simpleName(name) + " extends " + simpleName(at) + (c == null ? ", whose bytecode is not found"
                        : ", a class of the JDK's, whose constructor grad4j cannot run in place"));
                return null;
            }
            chain.add(c);
            for (FieldNode f : c.fields) if ((f.access & Opcodes.ACC_STATIC) == 0) fields.add(new Field(c.name, f));
            at = c.superName;
        }
        return new MutableClass(name, List.copyOf(chain), List.copyOf(fields), hierarchy);
    }

    /** {@code Object} and {@code Record}: superclasses whose constructors do nothing grad4j must follow. */
    static boolean isRoot(String internalName) {
        return internalName.equals("java/lang/Object") || internalName.equals("java/lang/Record");
    }

    /** The field a {@code getfield}/{@code putfield} of {@code owner.name} names: declared there or above; null if none. */
    Field field(String owner, String fieldName) {
        boolean above = false;
        for (ClassNode c : chain) {
            above |= c.name.equals(owner);
            if (!above) continue;
            for (Field f : fields) if (f.owner().equals(c.name) && f.node().name.equals(fieldName)) return f;
        }
        return null;
    }

    /** Whether the objects are instances of {@code type} (a cast to it passes). */
    boolean isA(String type) {
        return type.equals("java/lang/Object") || hierarchy.isSubtype(name, type);
    }

    /** A constructor of a class of the chain, or null. */
    MethodNode constructor(String owner, String descriptor) {
        for (ClassNode c : chain) if (c.name.equals(owner)) return ClassFiles.method(c, "<init>", descriptor);
        return null;
    }

    /**
     * Why a constructor of the chain cannot run in place, in words ("it has a try/catch"), or null
     * when it can: inlined like any helper ({@link Inliner#whyNotInlinable}).
     */
    static String whyNotInPlace(MethodNode init) {
        return init == null ? "its bytecode is not found" : Inliner.whyNotInlinable(init);
    }
}
