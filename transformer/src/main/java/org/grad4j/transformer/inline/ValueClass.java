package org.grad4j.transformer.inline;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.FieldNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.VarInsnNode;
import org.objectweb.asm.tree.analysis.Analyzer;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.Frame;
import org.objectweb.asm.tree.analysis.SourceInterpreter;
import org.objectweb.asm.tree.analysis.SourceValue;

/**
 * A class whose objects {@link ValueObjects} can replace by their fields: final, extending
 * {@code Object} or {@code Record}, its instance fields primitives, final arrays (a
 * {@code Portfolio(double[] weights)}: the local holds the array, as the object would) or objects
 * of such classes (a {@code Segment(Vec2 a, Vec2 b)}), with a constructor that sets them. Objects
 * of a class holding an array are not kept in arrays or static fields (see {@link #holdsArrays}). Its fields are laid out
 * flat, nested objects' fields in place ({@link #leaves}: a segment's {@code a.x, a.y, b.x, b.y}),
 * so that an object's fields are a row of locals and a nested object a range of them.
 */
final class ValueClass {
    /** A primitive field, nested objects' fields included, by the path of field names to it. */
    record Leaf(Type type, List<String> path) {}

    /** A declared field: where its leaves start, and its class when it holds an object (else null). */
    record Field(String name, String desc, int access, int first, ValueClass of) {}

    /**
     * How a constructor sets its object's fields: from its parameters ({@code from}, by declared
     * field: a record's canonical constructor), or by running its body ({@code body}) where the
     * object is made, its stores into the fields going to the object's locals.
     */
    record Constructor(int[] from, MethodNode body) {}

    /**
     * A constructor that sets each field from a parameter of its own ({@code field}, by
     * parameter), by which an object of the class is made again from its fields' values where
     * it is turned into text ({@link TextSinks}); a record's canonical constructor even where it
     * checks its arguments (they passed once).
     */
    record Rebuilder(String desc, int[] field, boolean isPublic, boolean isPrivate) {}

    /** The class's {@link Rebuilder}, or null. */
    private final Rebuilder rebuilder;

    /** Whether the class is public (else only its package may make its objects). */
    private final boolean isPublic;

    final String name;
    final List<Leaf> leaves;
    final List<Field> fields;
    final Map<String, Constructor> constructors;
    /** By name and descriptor, the declared field an accessor returns ({@code double x()}). */
    final Map<String, String> accessors;

    /** Whether its static constants ({@code Complex.ZERO}) are followed: only a final class's are certainly of it. */
    final boolean constantsFollowed;

    private ValueClass(String name, List<Leaf> leaves, List<Field> fields, Map<String, Constructor> constructors,
                       Map<String, String> accessors, boolean constantsFollowed, Rebuilder rebuilder, boolean isPublic) {
        this.constantsFollowed = constantsFollowed;
        this.rebuilder = rebuilder;
        this.isPublic = isPublic;
        this.name = name;
        this.leaves = leaves;
        this.fields = fields;
        this.constructors = constructors;
        this.accessors = accessors;
    }

    /** Value classes by name, each made once (merges compare them by identity). */
    static final class Cache {
        private final Function<String, ClassNode> classes;
        private final Map<String, Optional<ValueClass>> known = new HashMap<>();

        Cache(Function<String, ClassNode> classes) {
            this.classes = classes;
        }

        /** The body of a method, for messages about why it was not inlined; null when its class cannot be read. */
        MethodNode method(String owner, String name, String descriptor) {
            ClassNode c = classes.apply(owner);
            return c == null ? null : org.grad4j.transformer.read.ClassFiles.method(c, name, descriptor);
        }

        /** Whether the class of that name is an enum (its constants are immutable objects). */
        boolean isEnum(String name) {
            ClassNode c = classes.apply(name);
            return c != null && (c.access & Opcodes.ACC_ENUM) != 0;
        }

        private final Set<String> excluded = new java.util.HashSet<>();

        /**
         * The value class of that name, or null when it is not one (or its bytecode is not found,
         * or it was excluded, or a class it holds was).
         */
        ValueClass get(String internalName) {
            Optional<ValueClass> k = known.get(internalName);
            if (k == null) {
                known.put(internalName, Optional.empty()); // a class holding itself is not one
                k = Optional.ofNullable(of(classes.apply(internalName), this));
                known.put(internalName, k);
            }
            return k.isPresent() && !isExcluded(k.get()) ? k.get() : null;
        }

        private final Map<String, String> why = new HashMap<>();
        private final Map<String, String> whyNotOne = new HashMap<>();

        /** Why the class is not a value class, for a message ("its field hist is an array"); null when it is, or unknown. */
        String whyNotValueClass(String internalName) {
            return get(internalName) == null ? whyNotOne.get(internalName) : null;
        }

        /** {@link #of} found the class is not one: null, remembering why. */
        private ValueClass not(ClassNode c, String because) {
            whyNotOne.put(c.name, simpleName(c.name) + because);
            return null;
        }

        /** Objects of this class stay objects from now on (they escape, {@code because}), and so do those holding them. */
        void exclude(String internalName, String because) {
            excluded.add(internalName);
            why.put(internalName, because);
        }

        /** Why objects of this class stay objects, or null when they need not. */
        String whyExcluded(String internalName) {
            return why.get(internalName);
        }

        private boolean isExcluded(ValueClass c) {
            if (excluded.contains(c.name)) return true;
            for (Field f : c.fields) if (f.of() != null && isExcluded(f.of())) return true;
            return false;
        }
    }

    private static ValueClass of(ClassNode c, Cache cache) {
        if (c == null || (c.access & Opcodes.ACC_INTERFACE) != 0) return null;
        if (isAnonymous(c.name)) return cache.not(c, " is an anonymous class (write a named final class or a record)");
        // not final: its objects made here are of it exactly (their calls made exact, ExactReceivers), but a static
        // constant of its type may be a subclass's (see constantsFollowed); only the program's classes, concrete
        if ((c.access & Opcodes.ACC_FINAL) == 0 && ((c.access & Opcodes.ACC_ABSTRACT) != 0 || c.superName == null
                || org.grad4j.transformer.analysis.CallResolver.isJdk(c.name))) {
            return cache.not(c, " is not final (declare it final, or make it a record)");
        }
        if (!c.superName.equals("java/lang/Object") && !c.superName.equals("java/lang/Record")) {
            return cache.not(c, " extends " + simpleName(c.superName));
        }
        List<Leaf> leaves = new ArrayList<>();
        List<Field> fields = new ArrayList<>();
        boolean flat = true;
        for (FieldNode f : c.fields) {
            if ((f.access & Opcodes.ACC_STATIC) != 0) continue;
            Type t = Type.getType(f.desc);
            ValueClass of = null;
            if (f.name.startsWith("this$")) {
                return cache.not(c, " is an inner class: its objects hold the object that made them (declare it static)");
            } else if (t.getSort() == Type.OBJECT && (f.access & Opcodes.ACC_FINAL) != 0
                    && (cache.isEnum(t.getInternalName()) || t.getInternalName().equals("java/lang/String"))) {
                // record Layer(double[] w, Activation act), record Asset(String name, double price): an enum constant or a
                // string is immutable, its local holds it as the field did
            } else if (t.getSort() == Type.OBJECT) {
                of = (f.access & Opcodes.ACC_FINAL) != 0 ? cache.get(t.getInternalName()) : null;
                if (of == null) {
                    return cache.not(c, " holds an object (its field " + f.name + " is a " + t.getClassName()
                            + ") that is not a small immutable value itself");
                }
                flat = false;
            } else if (t.getSort() == Type.ARRAY && (f.access & Opcodes.ACC_FINAL) == 0) { // a buffer swapped in place
                return cache.not(c, " holds an array in a field that is not final (" + f.name + "): declare it final, or "
                        + "pass the array beside the object");
            }
            fields.add(new Field(f.name, f.desc, f.access, leaves.size(), of));
            if (of == null) {
                leaves.add(new Leaf(t, List.of(f.name)));
            } else {
                for (Leaf l : of.leaves) {
                    List<String> path = new ArrayList<>(l.path());
                    path.add(0, f.name);
                    leaves.add(new Leaf(l.type(), List.copyOf(path)));
                }
            }
        }
        if (fields.isEmpty()) return null;
        Map<String, Constructor> constructors = new HashMap<>();
        Map<String, String> accessors = new HashMap<>();
        for (MethodNode m : c.methods) {
            if (m.name.equals("<init>")) {
                int[] from = settings(c, fields, m);
                if (from != null) {
                    constructors.put(m.desc, new Constructor(from, null));
                } else if (flat && isInlinableConstructor(c, fields, m)) {
                    constructors.put(m.desc, new Constructor(null, m));
                }
            } else if ((m.access & Opcodes.ACC_STATIC) == 0 && Type.getArgumentTypes(m.desc).length == 0) {
                String field = accessed(c, m);
                if (field != null) accessors.put(m.name + m.desc, field);
            }
        }
        for (MethodNode m : c.methods) { // Vec2(double s) { this(s, s); }: once the constructor it calls is known
            if (m.name.equals("<init>") && !constructors.containsKey(m.desc) && flat && isDelegating(c, m, constructors)) {
                constructors.put(m.desc, new Constructor(null, m));
            }
        }
        if (constructors.isEmpty()) return cache.not(c, "'s constructors do more than set its fields" + whyNotFollowed(c, fields, flat));
        return new ValueClass(c.name, List.copyOf(leaves), List.copyOf(fields), constructors, accessors,
                (c.access & Opcodes.ACC_FINAL) != 0, rebuilder(c, fields, constructors), (c.access & Opcodes.ACC_PUBLIC) != 0);
    }

    /**
     * A constructor that does nothing but set each field from a parameter of its own, as a {@link
     * Rebuilder}; null when there is none. Unlike {@link #rebuilderFor}, never a record's canonical
     * constructor that checks or normalises its arguments: running that again on an object's
     * values may change them ({@code k = 1000 * k}).
     */
    Rebuilder fieldSetter() {
        for (var e : new java.util.TreeMap<>(constructors).entrySet()) { // by descriptor: the same one every time
            int[] from = e.getValue().from();
            if (from == null || Type.getArgumentTypes(e.getKey()).length != from.length) continue;
            int[] field = new int[from.length];
            for (int f = 0; f < from.length; f++) field[from[f]] = f;
            return new Rebuilder(e.getKey(), field, false, false);
        }
        return null;
    }

    /** See {@link Rebuilder}: the first constructor that sets every field from a parameter of its own and has no other. */
    private static Rebuilder rebuilder(ClassNode c, List<Field> fields, Map<String, Constructor> constructors) {
        StringBuilder canonical = new StringBuilder("(");
        for (Field f : fields) canonical.append(f.desc());
        canonical.append(")V");
        for (MethodNode m : c.methods) {
            if (!m.name.equals("<init>") || Type.getArgumentTypes(m.desc).length != fields.size()) continue;
            Constructor k = constructors.get(m.desc);
            int[] from = k != null ? k.from() : null;
            if (from == null && c.superName.equals("java/lang/Record") && m.desc.equals(canonical.toString())) {
                from = java.util.stream.IntStream.range(0, fields.size()).toArray();
            }
            if (from == null) continue;
            int[] field = new int[from.length];
            for (int f = 0; f < from.length; f++) field[from[f]] = f;
            return new Rebuilder(m.desc, field, (m.access & Opcodes.ACC_PUBLIC) != 0, (m.access & Opcodes.ACC_PRIVATE) != 0);
        }
        return null;
    }

    /**
     * How an object of the class is made again from its fields' values in a method of class
     * {@code caller} ({@link TextSinks}), or null where it cannot be: no {@link Rebuilder}, an
     * array among its fields (the text would show the array's identity, and a constructor given
     * a differentiable array is refused), or a constructor the caller may not call.
     */
    Rebuilder rebuilderFor(String caller) {
        if (rebuilder == null) return null;
        for (Leaf l : leaves) if (l.type().getSort() == Type.ARRAY) return null;
        for (Field f : fields) if (f.of() != null && f.of().rebuilderFor(caller) == null) return null;
        boolean samePackage = packageOf(name).equals(packageOf(caller));
        boolean sameNest = topLevel(name).equals(topLevel(caller)); // a private constructor of a nestmate
        boolean classVisible = isPublic || samePackage;
        boolean constructorVisible = rebuilder.isPublic() || (rebuilder.isPrivate() ? sameNest : samePackage);
        return classVisible && constructorVisible ? rebuilder : null;
    }

    private static String packageOf(String internalName) {
        int slash = internalName.lastIndexOf('/');
        return slash < 0 ? "" : internalName.substring(0, slash);
    }

    private static String topLevel(String internalName) {
        int dollar = internalName.indexOf('$', internalName.lastIndexOf('/') + 1);
        return dollar < 0 ? internalName : internalName.substring(0, dollar);
    }

    /** What in the constructors keeps the class from being followed, for {@link #of}'s message. */
    private static String whyNotFollowed(ClassNode c, List<Field> fields, boolean flat) {
        for (Field f : fields) {
            boolean set = false;
            for (MethodNode m : c.methods) {
                if (!m.name.equals("<init>")) continue;
                for (AbstractInsnNode insn : m.instructions) {
                    set |= insn instanceof FieldInsnNode put && put.getOpcode() == Opcodes.PUTFIELD && put.name.equals(f.name);
                }
            }
            if (!set) return " (field " + f.name + " is not set by a constructor: set every field from a parameter)";
        }
        if (!flat) {
            return " (a constructor that checks or changes its arguments is followed only in a class whose fields are "
                    + "numbers or arrays; this one holds another object: check the arguments in a static factory instead)";
        }
        return " (a loop, a lock, a try, or this used otherwise)";
    }

    /** javac's name for an anonymous class: its outer class's, {@code $}, a number. */
    private static boolean isAnonymous(String internalName) {
        int dollar = internalName.lastIndexOf('$');
        if (dollar < 0 || dollar == internalName.length() - 1) return false;
        for (int i = dollar + 1; i < internalName.length(); i++) if (!Character.isDigit(internalName.charAt(i))) return false;
        return true;
    }

    /** The declared field of that name, or null. */
    Field field(String name) {
        for (Field f : fields) if (f.name.equals(name)) return f;
        return null;
    }

    /** How many locals' worth of values an object is: its leaves. */
    int size() {
        return leaves.size();
    }

    /**
     * The reads of leaf {@code k} of the object on the stack, consuming it: along its path, each
     * field through its accessor where it has one (a record of another nest: its fields are
     * private to it), else the field itself if not private.
     */
    InsnList read(int k) {
        InsnList out = new InsnList();
        ValueClass at = this;
        for (String name : leaves.get(k).path()) {
            Field f = at.field(name);
            out.add(at.reader(f));
            at = f.of();
        }
        return out;
    }

    private AbstractInsnNode reader(Field f) {
        for (Map.Entry<String, String> a : accessors.entrySet()) {
            if (a.getValue().equals(f.name())) {
                int paren = a.getKey().indexOf('(');
                return new MethodInsnNode(Opcodes.INVOKEVIRTUAL, name, a.getKey().substring(0, paren), a.getKey().substring(paren), false);
            }
        }
        return (f.access() & Opcodes.ACC_PRIVATE) == 0 ? new FieldInsnNode(Opcodes.GETFIELD, name, f.name(), f.desc()) : null;
    }

    /**
     * Whether a leaf is a reference (an array, a string, an enum constant): such objects stay objects in arrays
     * of them and static constants.
     */
    boolean holdsArrays() {
        for (Leaf l : leaves) if (l.type().getSort() == Type.ARRAY || l.type().getSort() == Type.OBJECT) return true;
        return false;
    }

    /** What its reference leaves are, in words for a message: "arrays", "strings or enum constants". */
    String references() {
        for (Leaf l : leaves) if (l.type().getSort() == Type.ARRAY) return "arrays";
        return "strings or enum constants";
    }

    /** Whether every leaf can be read from outside (see {@link #read}). */
    boolean readable() {
        for (Field f : fields) {
            if (reader(f) == null || f.of() != null && !f.of().readable()) return false;
        }
        return true;
    }

    /** By declared field, the parameter a constructor sets it from; null for any other constructor. */
    private static int[] settings(ClassNode c, List<Field> fields, MethodNode init) {
        List<AbstractInsnNode> code = code(init);
        if (!callsSuperFirst(c, code)) return null;
        Type[] params = Type.getArgumentTypes(init.desc);
        int[] slotOf = new int[params.length];
        for (int p = 0, slot = 1; p < params.length; slot += params[p].getSize(), p++) slotOf[p] = slot;
        int[] from = new int[fields.size()];
        java.util.Arrays.fill(from, -1);
        int i = 2;
        for (; i + 2 < code.size(); i += 3) {
            if (!isLoadThis(code.get(i)) || !(code.get(i + 1) instanceof VarInsnNode load)
                    || !(code.get(i + 2) instanceof FieldInsnNode put) || put.getOpcode() != Opcodes.PUTFIELD
                    || !put.owner.equals(c.name)) {
                break;
            }
            int field = indexOf(fields, put.name);
            int param = java.util.Arrays.binarySearch(slotOf, load.var);
            if (field < 0 || param < 0 || from[field] >= 0 || !params[param].getDescriptor().equals(fields.get(field).desc())) {
                return null;
            }
            for (int f : from) if (f == param) return null; // Vec2(double s) { x = s; y = s; }: run as a body instead
            from[field] = param;
        }
        if (i != code.size() - 1 || code.get(i).getOpcode() != Opcodes.RETURN) return null;
        for (int f : from) if (f < 0) return null;
        return from;
    }

    /**
     * Whether a constructor that does more than set its fields (a record's compact constructor
     * that checks or normalises its arguments) can run where its object is made, with {@code
     * this} gone: it calls its superclass's no-argument constructor first, then uses {@code this}
     * only to set its own fields (all final, so each once), has no loop, exception handler or
     * {@code invokedynamic} other than string concatenation.
     */
    private static boolean isInlinableConstructor(ClassNode c, List<Field> fields, MethodNode init) {
        for (Field f : fields) if ((f.access() & Opcodes.ACC_FINAL) == 0) return false;
        List<AbstractInsnNode> code = code(init);
        if (!callsSuperFirst(c, code) || !runsInPlace(init)) return false;
        // every load of this (but the superclass call's) is the receiver of a store into one of its fields
        Frame<SourceValue>[] frames;
        try {
            frames = new Analyzer<>(new SourceInterpreter()).analyze(c.name, init);
        } catch (AnalyzerException e) {
            return false;
        }
        Set<AbstractInsnNode> receivers = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        AbstractInsnNode[] insns = init.instructions.toArray();
        for (int i = 0; i < insns.length; i++) {
            Frame<SourceValue> f = frames[i];
            if (f == null) continue;
            int op = insns[i].getOpcode();
            if (op == Opcodes.PUTFIELD) {
                FieldInsnNode put = (FieldInsnNode) insns[i];
                Set<AbstractInsnNode> from = f.getStack(f.getStackSize() - 2).insns;
                if (!put.owner.equals(c.name) || from.size() != 1 || !isLoadThis(from.iterator().next())) return false;
                receivers.addAll(from);
            } else if (op >= Opcodes.DUP && op <= Opcodes.SWAP) {
                for (int d = 0; d < Math.min(4, f.getStackSize()); d++) {
                    for (AbstractInsnNode src : f.getStack(f.getStackSize() - 1 - d).insns) if (isLoadThis(src)) return false;
                }
            }
        }
        for (AbstractInsnNode insn : insns) if (isLoadThis(insn) && insn != code.get(0) && !receivers.contains(insn)) return false;
        return true;
    }

    /**
     * Whether a constructor only computes the arguments of another constructor of its class that
     * can be replaced ({@code this(s, s)}), using {@code this} for nothing else.
     */
    private static boolean isDelegating(ClassNode c, MethodNode init, Map<String, Constructor> known) {
        List<AbstractInsnNode> code = code(init);
        if (code.size() < 3 || !isLoadThis(code.get(0)) || !runsInPlace(init)) return false;
        if (code.get(code.size() - 1).getOpcode() != Opcodes.RETURN || !(code.get(code.size() - 2) instanceof MethodInsnNode call)
                || call.getOpcode() != Opcodes.INVOKESPECIAL || !call.owner.equals(c.name) || !call.name.equals("<init>")
                || !known.containsKey(call.desc)) {
            return false;
        }
        for (int i = 1; i < code.size() - 2; i++) { // this only for the call: not loaded, not set, not read
            AbstractInsnNode insn = code.get(i);
            int op = insn.getOpcode();
            if (insn instanceof VarInsnNode v && v.var == 0 || insn instanceof MethodInsnNode m && m.name.equals("<init>")
                    && m.owner.equals(c.name) || op == Opcodes.PUTFIELD || op == Opcodes.GETFIELD && ((FieldInsnNode) insn).owner.equals(c.name)) {
                return false;
            }
        }
        return true;
    }

    /** {@code aload 0; invokespecial super()}: the superclass's no-argument constructor, called first. */
    private static boolean callsSuperFirst(ClassNode c, List<AbstractInsnNode> code) {
        return code.size() >= 3 && isLoadThis(code.get(0)) && code.get(1) instanceof MethodInsnNode sup
                && sup.getOpcode() == Opcodes.INVOKESPECIAL && sup.owner.equals(c.superName) && sup.desc.equals("()V");
    }

    /**
     * Whether a constructor's body can run where its object is made, in the caller's code: no
     * loop, exception handler, lock, subroutine or {@code invokedynamic} other than string
     * concatenation (a check's message), and its {@code this} never replaced.
     */
    private static boolean runsInPlace(MethodNode init) {
        if (!init.tryCatchBlocks.isEmpty() || Inliner.hasLoop(init)) return false;
        for (AbstractInsnNode insn : init.instructions) {
            int op = insn.getOpcode();
            if (insn instanceof org.objectweb.asm.tree.InvokeDynamicInsnNode d
                    && !d.bsm.getOwner().equals("java/lang/invoke/StringConcatFactory")) {
                return false;
            }
            if (op == Opcodes.MONITORENTER || op == Opcodes.MONITOREXIT || op == Opcodes.JSR || op == Opcodes.RET) return false;
            if (insn instanceof VarInsnNode v && v.var == 0 && v.getOpcode() != Opcodes.ALOAD) return false;
            if (insn instanceof org.objectweb.asm.tree.IincInsnNode inc && inc.var == 0) return false;
        }
        return true;
    }

    /** The field an accessor returns ({@code aload 0; getfield; return}), or null. */
    private static String accessed(ClassNode c, MethodNode m) {
        List<AbstractInsnNode> code = code(m);
        if (code.size() != 3 || !isLoadThis(code.get(0)) || !(code.get(1) instanceof FieldInsnNode get)
                || get.getOpcode() != Opcodes.GETFIELD || !get.owner.equals(c.name)) {
            return null;
        }
        Type result = Type.getReturnType(m.desc);
        return result.getDescriptor().equals(get.desc) && code.get(2).getOpcode() == result.getOpcode(Opcodes.IRETURN)
                ? get.name : null;
    }

    private static List<AbstractInsnNode> code(MethodNode m) {
        List<AbstractInsnNode> code = new ArrayList<>();
        for (AbstractInsnNode insn : m.instructions) if (insn.getOpcode() >= 0) code.add(insn);
        return code;
    }

    private static boolean isLoadThis(AbstractInsnNode insn) {
        return insn instanceof VarInsnNode v && v.getOpcode() == Opcodes.ALOAD && v.var == 0;
    }

    private static int indexOf(List<Field> fields, String name) {
        for (int f = 0; f < fields.size(); f++) if (fields.get(f).name().equals(name)) return f;
        return -1;
    }

    private static String simpleName(String internalName) {
        return internalName.substring(internalName.lastIndexOf('/') + 1).replace('$', '.');
    }
}
