package org.grad4j.transformer.inline;

import static org.grad4j.transformer.inline.ValueObjects.isNullCheck;
import static org.grad4j.transformer.inline.ValueObjects.simpleName;
import static org.grad4j.transformer.inline.ValueObjects.usedAs;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.analysis.Interpreter;

/**
 * Follows objects of mutable classes made in a method for {@link MutableObjects}, as an ASM
 * {@code Analyzer}'s interpreter: which stack values and locals may be an object made here, and
 * by which {@code new} (its site). Field reads and writes, null checks, casts that pass and
 * {@code Object}'s constructor are followed; any other use throws {@link MutableObjects.Kept}
 * for the class.
 *
 * <p>Arrays of such objects made here are followed too: an {@code anewarray} is a site of its
 * own (an array), and an element read from one ({@code aaload}) is a value whose sites are those
 * reads. An array may be indexed, measured, and given objects made by a {@code new} of its class
 * ({@code bodies[i] = new Body(...)}); an element is used as an object is.
 */
final class MutableFlow extends Interpreter<MutableFlow.Ref> {
    /**
     * A value on the operand stack or in a local: {@code sites}, the {@code new} instructions of
     * the objects it may be (empty for anything else); {@code other}, whether it may also be
     * something else (null, a parameter, an object from a field or a call).
     */
    record Ref(int size, Set<AbstractInsnNode> sites, boolean other) implements org.objectweb.asm.tree.analysis.Value {
        static final Ref ONE = new Ref(1, Set.of(), true);
        static final Ref TWO = new Ref(2, Set.of(), true);

        static Ref plain(int size) {
            return size == 2 ? TWO : ONE;
        }

        boolean isObject() {
            return !sites.isEmpty();
        }

        @Override
        public int getSize() {
            return size;
        }
    }

    /**
     * By {@code new} instruction, the class of the objects made there that are followed; by {@code
     * anewarray}, the class of the array's elements.
     */
    private final Map<AbstractInsnNode, MutableClass> sites;
    /** By {@code aaload} of a followed array, the class of its elements (found as the method is analysed). */
    private final Map<AbstractInsnNode, MutableClass> loads = new IdentityHashMap<>();
    /** Lists made here ({@code new ArrayList}) and iterators of them ({@code iterator()} calls) that are followed. */
    private final Set<AbstractInsnNode> containers;
    /** By list, the class of the objects added to it (found as the method is analysed; null until one is). */
    private final Map<AbstractInsnNode, MutableClass> listClasses = new IdentityHashMap<>();
    /** By iterator, the lists it may iterate over. */
    private final Map<AbstractInsnNode, Set<AbstractInsnNode>> iterated = new IdentityHashMap<>();
    /**
     * In a rewritten method, the instructions that push an element's index read from a list
     * ({@code get}, {@code next} as rewritten), with the element's class: elements, as if read.
     */
    private final Map<AbstractInsnNode, MutableClass> indices;
    private final Map<AbstractInsnNode, Integer> lines;
    private final Function<MethodInsnNode, String> whyNotInlined;

    MutableFlow(Map<AbstractInsnNode, MutableClass> sites, Map<AbstractInsnNode, Integer> lines,
                Function<MethodInsnNode, String> whyNotInlined) {
        this(sites, Set.of(), Map.of(), lines, whyNotInlined);
    }

    MutableFlow(Map<AbstractInsnNode, MutableClass> sites, Set<AbstractInsnNode> containers,
                Map<AbstractInsnNode, MutableClass> indices, Map<AbstractInsnNode, Integer> lines,
                Function<MethodInsnNode, String> whyNotInlined) {
        super(Opcodes.ASM9);
        this.sites = sites;
        this.containers = containers;
        this.indices = indices;
        this.lines = lines;
        this.whyNotInlined = whyNotInlined;
    }

    /** The class of the objects added to a list made here, null when none is (yet). */
    MutableClass listClass(AbstractInsnNode list) {
        return listClasses.get(list);
    }

    /**
     * This interpreter going on past every use it does not follow (a plain value in place of what
     * it would have thrown for): to find, everywhere it reaches, what is added to the lists.
     */
    Interpreter<Ref> lenient() {
        MutableFlow flow = this;
        return new Interpreter<>(Opcodes.ASM9) {
            @Override
            public Ref newValue(Type type) {
                return flow.newValue(type);
            }

            @Override
            public Ref newOperation(AbstractInsnNode insn) {
                return flow.newOperation(insn);
            }

            @Override
            public Ref copyOperation(AbstractInsnNode insn, Ref value) {
                return flow.copyOperation(insn, value);
            }

            @Override
            public Ref unaryOperation(AbstractInsnNode insn, Ref value) {
                try {
                    return flow.unaryOperation(insn, value);
                } catch (MutableObjects.Kept k) {
                    return Ref.plain(OperandSizes.ofUnary(insn));
                }
            }

            @Override
            public Ref binaryOperation(AbstractInsnNode insn, Ref a, Ref b) {
                try {
                    return flow.binaryOperation(insn, a, b);
                } catch (MutableObjects.Kept k) {
                    return Ref.plain(OperandSizes.ofBinary(insn));
                }
            }

            @Override
            public Ref ternaryOperation(AbstractInsnNode insn, Ref a, Ref b, Ref c) {
                try {
                    return flow.ternaryOperation(insn, a, b, c);
                } catch (MutableObjects.Kept k) {
                    return null;
                }
            }

            @Override
            public Ref naryOperation(AbstractInsnNode insn, List<? extends Ref> values) {
                try {
                    return flow.naryOperation(insn, values);
                } catch (MutableObjects.Kept k) {
                    return Ref.plain(OperandSizes.ofCall(insn));
                }
            }

            @Override
            public void returnOperation(AbstractInsnNode insn, Ref value, Ref expected) {
                // a use not followed: nothing to find
            }

            @Override
            public Ref merge(Ref a, Ref b) {
                return flow.merge(a, b);
            }
        };
    }

    /** The lists an iterator made here may iterate over. */
    Set<AbstractInsnNode> iterated(AbstractInsnNode iterator) {
        return iterated.getOrDefault(iterator, Set.of());
    }

    /** What a followed value is: an object, an array or a list made here, an iterator of such a list, an element read from one. */
    enum Kind { OBJECT, ARRAY, LIST, ITERATOR, ELEMENT, SEVERAL }

    /** The kind of a followed value ({@link Ref#isObject}); {@code SEVERAL} when its sites are of different kinds. */
    static Kind kindOf(Ref v) {
        Kind kind = null;
        for (AbstractInsnNode s : v.sites()) {
            Kind k = switch (s.getOpcode()) {
                case Opcodes.NEW -> ListOp.isList(s) ? Kind.LIST : Kind.OBJECT;
                case Opcodes.ANEWARRAY -> Kind.ARRAY;
                default -> ListOp.of(s) == ListOp.ITERATOR ? Kind.ITERATOR : Kind.ELEMENT;
            };
            if (kind != null && kind != k) return Kind.SEVERAL;
            kind = k;
        }
        return kind;
    }

    /**
     * The class of the objects a value may be, or of an array's or list's elements (all of one
     * class, or the first site's); null for a list nothing is added to (yet).
     */
    MutableClass classOf(Ref v) {
        AbstractInsnNode site = v.sites().iterator().next();
        MutableClass c = sites.get(site);
        if (c != null) return c;
        if (ListOp.isList(site)) return listClasses.get(site);
        if (ListOp.of(site) == ListOp.ITERATOR) {
            for (AbstractInsnNode list : iterated(site)) if (listClasses.get(list) != null) return listClasses.get(list);
            return null;
        }
        return loads.get(site);
    }

    /** The class of the objects the lists a value may be hold, recorded for the element {@code read} there. */
    private Ref elementOf(AbstractInsnNode read, MutableClass c) {
        if (c != null) loads.put(read, c);
        return new Ref(1, Set.of(read), false);
    }

    /** The class's objects are kept: {@code v} is used at {@code insn} as {@code how} says. */
    MutableObjects.Kept kept(AbstractInsnNode insn, Ref v, String how) {
        return kept(insn, v, "used", how);
    }

    /** The class's objects are kept: the one {@code v} is {@code done} ("made", "used") at {@code insn} as {@code how} says. */
    MutableObjects.Kept kept(AbstractInsnNode insn, Ref v, String done, String how) {
        MutableClass c = classOf(v);
        int line = lines.getOrDefault(insn, 0);
        String of = c == null ? "objects" : simpleName(c.name());
        String what = switch (kindOf(v)) {
            case ARRAY -> "the array of " + of;
            case LIST -> "the list of " + of;
            case ITERATOR -> "the iterator over a list of " + of;
            case ELEMENT -> "the " + of + " read from an array or a list";
            default -> "the " + of;
        };
        String message = what + (line > 0 ? " " + done + " on line " + InlinedLines.text(line) : "") + " " + how;
        if (c == null) { // a list holding no object followed (yet): left as it is, and its iterators
            Set<AbstractInsnNode> dropped = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
            for (AbstractInsnNode s : v.sites()) {
                dropped.add(s);
                dropped.addAll(iterated(s));
            }
            for (Map.Entry<AbstractInsnNode, Set<AbstractInsnNode>> it : iterated.entrySet()) {
                if (!java.util.Collections.disjoint(it.getValue(), dropped)) dropped.add(it.getKey());
            }
            return new MutableObjects.Kept(null, message, dropped);
        }
        return new MutableObjects.Kept(c, message);
    }

    @Override
    public Ref newValue(Type type) {
        if (type == Type.VOID_TYPE) return null;
        return Ref.plain(type == null ? 1 : type.getSize());
    }

    @Override
    public Ref newOperation(AbstractInsnNode insn) {
        if (insn.getOpcode() == Opcodes.NEW && (sites.containsKey(insn) || containers.contains(insn))) {
            return new Ref(1, Set.of(insn), false);
        }
        return Ref.plain(OperandSizes.ofNew(insn));
    }

    @Override
    public Ref copyOperation(AbstractInsnNode insn, Ref value) {
        if (indices.containsKey(insn)) return elementOf(insn, indices.get(insn));
        return value; // the same object, in another place
    }

    @Override
    public Ref unaryOperation(AbstractInsnNode insn, Ref value) {
        int op = insn.getOpcode();
        if (op == Opcodes.ANEWARRAY && sites.containsKey(insn)) return new Ref(1, Set.of(insn), false);
        if (value.isObject() && kindOf(value) == Kind.SEVERAL) {
            throw kept(insn, value, "may be an object or an array or an element of one (they are chosen between)");
        }
        if (value.isObject() && (kindOf(value) == Kind.LIST || kindOf(value) == Kind.ITERATOR)) {
            switch (op) {
                case Opcodes.IFNULL, Opcodes.IFNONNULL -> {
                    return null;
                }
                case Opcodes.CHECKCAST -> {
                    String to = ((TypeInsnNode) insn).desc;
                    boolean passes = kindOf(value) == Kind.LIST ? ListOp.isListType(to) : to.equals("java/util/Iterator");
                    if (passes || to.equals("java/lang/Object")) return value;
                    throw kept(insn, value, "is cast to another type");
                }
                default -> throw kept(insn, value, usedAs(op));
            }
        }
        if (value.isObject() && kindOf(value) == Kind.ARRAY) {
            switch (op) {
                case Opcodes.ARRAYLENGTH -> {
                    return Ref.ONE;
                }
                case Opcodes.IFNULL, Opcodes.IFNONNULL -> {
                    return null;
                }
                case Opcodes.CHECKCAST -> {
                    if (((TypeInsnNode) insn).desc.equals("[L" + classOf(value).name() + ";")) return value;
                    throw kept(insn, value, "is cast to another type");
                }
                default -> throw kept(insn, value, usedAs(op));
            }
        }
        if (value.isObject()) {
            MutableClass c = classOf(value);
            if (c == null) { // of a list nothing is added to yet: checked in the next analysis
                return op == Opcodes.CHECKCAST ? value : Ref.plain(OperandSizes.ofUnary(insn));
            }
            switch (op) {
                case Opcodes.GETFIELD -> {
                    FieldInsnNode get = (FieldInsnNode) insn;
                    if (c.field(get.owner, get.name) == null) throw kept(insn, value, "has a field read grad4j cannot place");
                    return Ref.plain(Type.getType(get.desc).getSize());
                }
                case Opcodes.IFNULL, Opcodes.IFNONNULL -> {
                    return null;
                }
                case Opcodes.INSTANCEOF -> {
                    return Ref.ONE; // its class is known here: a constant (MutableObjects)
                }
                case Opcodes.CHECKCAST -> { // passes; or cannot, and throws (MutableRewrite): nothing follows
                    return c.isA(((TypeInsnNode) insn).desc) ? value : Ref.plain(1);
                }
                default -> throw kept(insn, value, usedAs(op));
            }
        }
        return Ref.plain(OperandSizes.ofUnary(insn));
    }

    @Override
    public Ref binaryOperation(AbstractInsnNode insn, Ref a, Ref b) {
        if (insn.getOpcode() == Opcodes.AALOAD && a.isObject()) {
            if (kindOf(a) != Kind.ARRAY) throw kept(insn, a, "may be an array or an object (they are chosen between)");
            if (a.other()) throw kept(insn, a, "may be null or an array from elsewhere (a parameter, a field, a call)");
            loads.put(insn, classOf(a));
            return new Ref(1, Set.of(insn), false);
        }
        if (isIndexedBy(insn, b)) return Ref.plain(OperandSizes.ofBinary(insn));
        if (isElementComparison(insn, a, b)) return null;
        if (insn.getOpcode() == Opcodes.PUTFIELD) {
            if (b.isObject()) {
                throw kept(insn, b, "is stored into a field (of another object: grad4j follows an object "
                        + "only in local variables)");
            }
            if (a.isObject() && classOf(a) != null) {
                FieldInsnNode put = (FieldInsnNode) insn;
                if (classOf(a).field(put.owner, put.name) == null) throw kept(insn, a, "has a field set grad4j cannot place");
            }
            return null;
        }
        if (a.isObject()) throw kept(insn, a, usedAs(insn.getOpcode()));
        if (b.isObject()) throw kept(insn, b, usedAs(insn.getOpcode()));
        return Ref.plain(OperandSizes.ofBinary(insn));
    }

    @Override
    public Ref ternaryOperation(AbstractInsnNode insn, Ref a, Ref b, Ref c) {
        if (insn.getOpcode() == Opcodes.AASTORE && a.isObject()) {
            if (kindOf(a) != Kind.ARRAY) throw kept(insn, a, "may be an array or an object (they are chosen between)");
            if (a.other()) throw kept(insn, a, "may be null or an array from elsewhere (a parameter, a field, a call)");
            if (!c.isObject() || kindOf(c) != Kind.OBJECT || c.other()) {
                throw kept(insn, a, "is given an element that is not an object made here by a new of its class (null, an "
                        + "element of an array, an object from elsewhere): grad4j follows arrays whose elements are made "
                        + "by new and stored once");
            }
            if (classOf(c) != classOf(a)) throw kept(insn, a, "is given an object of another class");
            return null;
        }
        if (c.isObject()) throw kept(insn, c, usedAs(insn.getOpcode()));
        if (a.isObject()) throw kept(insn, a, usedAs(insn.getOpcode()));
        if (b.isObject() && !isIndexedBy(insn, b)) throw kept(insn, b, usedAs(insn.getOpcode()));
        return null;
    }

    /**
     * Whether {@code insn} compares two elements of arrays made here ({@code a != b} in a loop over
     * pairs of bodies): the same object exactly when the same index of the same array, since an
     * object is moved into the one element it is stored into (its index comparison, as rewritten, too).
     */
    static boolean isElementComparison(AbstractInsnNode insn, Ref a, Ref b) {
        int op = insn.getOpcode();
        return op >= Opcodes.IF_ICMPEQ && op <= Opcodes.IF_ACMPNE && op != Opcodes.IF_ICMPLT && op != Opcodes.IF_ICMPGE
                && op != Opcodes.IF_ICMPGT && op != Opcodes.IF_ICMPLE && onlyElements(a) && onlyElements(b);
    }

    private static boolean onlyElements(Ref v) {
        return v.isObject() && kindOf(v) == Kind.ELEMENT;
    }

    /**
     * Whether {@code insn} reads or writes a field's array at an element's index: the code
     * {@link ElementCode} writes, analysed again by {@code MutableObjects}' last check, where an
     * element is its index. (In the method as written an object is never an index.)
     */
    private static boolean isIndexedBy(AbstractInsnNode insn, Ref index) {
        int op = insn.getOpcode();
        boolean indexed = op >= Opcodes.IALOAD && op <= Opcodes.SALOAD || op >= Opcodes.IASTORE && op <= Opcodes.SASTORE;
        return indexed && onlyElements(index);
    }

    @Override
    public Ref naryOperation(AbstractInsnNode insn, List<? extends Ref> values) {
        if (isNullCheck(insn) && values.get(0).isObject()) return values.get(0); // javac's check before a constant field
        ListOp op = ListOp.of(insn);
        if (op != null && !values.isEmpty() && values.get(0).isObject()) return listOperation(insn, op, values);
        for (int i = 0; i < values.size(); i++) {
            Ref v = values.get(i);
            if (!v.isObject()) continue;
            if (i == 0 && isObjectConstructor(insn)) continue; // what a constructor inlined here calls first
            if (v.other()) { // its class unknown here, so is the body the call runs
                throw kept(insn, v, "may be null or an object from elsewhere (a parameter, a field, a call) where it is used");
            }
            if (v.sites().size() > 1 && i == 0 && insn instanceof MethodInsnNode m && m.getOpcode() != Opcodes.INVOKESTATIC) {
                throw kept(insn, v, "may be one of several objects where its method " + m.name
                        + " is called: grad4j follows an object held where it is used by one variable, made in one place");
            }
            if (insn instanceof MethodInsnNode call) {
                String name = call.name.equals("<init>") ? simpleName(call.owner) + "'s constructor"
                        : simpleName(call.owner) + "." + call.name;
                throw kept(insn, v, (i == 0 && !call.name.equals("<init>") && insn.getOpcode() != Opcodes.INVOKESTATIC
                        ? "has its method " + name + " called" : "is passed to " + name)
                        + ", which is not inlined" + whyNotInlined.apply(call) + sortHint(call));
            }
            throw kept(insn, v, "is captured by a lambda or passed to a dynamic call");
        }
        return Ref.plain(OperandSizes.ofCall(insn));
    }

    /** A call of {@code op} on a list made here or an iterator of one ({@code values.get(0)}). */
    private Ref listOperation(AbstractInsnNode insn, ListOp op, List<? extends Ref> values) {
        Ref on = values.get(0);
        boolean iterator = op == ListOp.HAS_NEXT || op == ListOp.NEXT;
        if (kindOf(on) != (iterator ? Kind.ITERATOR : Kind.LIST)) {
            throw kept(insn, on, "may be one of several objects (a list, an iterator, an object) where it is used");
        }
        if (on.other()) throw kept(insn, on, "may be null or an object from elsewhere (a parameter, a field, a call) where it is used");
        switch (op) {
            case INIT, INIT_CAPACITY -> {
                return null;
            }
            case ADD, SET -> {
                Ref added = values.get(values.size() - 1);
                if (!added.isObject() || kindOf(added) != Kind.OBJECT || added.other()) {
                    throw kept(insn, on, "is given an element that is not an object made here by a new (null, a boxed number, "
                            + "an element of an array or list, an object from elsewhere): grad4j follows lists whose elements "
                            + "are made by new and added once");
                }
                for (AbstractInsnNode list : on.sites()) {
                    MutableClass before = listClasses.putIfAbsent(list, classOf(added));
                    if (before != null && before != classOf(added)) throw kept(insn, on, "holds objects of two classes");
                }
                return Ref.ONE;
            }
            case GET -> {
                return elementOf(insn, classOf(on));
            }
            case NEXT -> {
                return elementOf(insn, classOf(on));
            }
            case ITERATOR -> {
                if (!containers.contains(insn)) throw kept(insn, on, "is iterated in a way grad4j does not follow");
                iterated.merge(insn, on.sites(), (a, b) -> {
                    Set<AbstractInsnNode> all = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
                    all.addAll(a);
                    all.addAll(b);
                    return Set.copyOf(all);
                });
                return new Ref(1, Set.of(insn), false);
            }
            default -> { // size, isEmpty, hasNext
                return Ref.ONE;
            }
        }
    }

    /** {@code invokespecial Object.<init>()}: the superclass constructor every class's constructors end in. */
    static boolean isObjectConstructor(AbstractInsnNode insn) {
        return insn instanceof MethodInsnNode m && m.getOpcode() == Opcodes.INVOKESPECIAL && MutableClass.isRoot(m.owner)
                && m.name.equals("<init>");
    }

    @Override
    public void returnOperation(AbstractInsnNode insn, Ref value, Ref expected) {
        if (value.isObject()) throw kept(insn, value, "is returned");
    }

    /** For a sort of a list of objects made here: the form that is followed, sorting indices by the key. */
    private static String sortHint(MethodInsnNode call) {
        boolean sort = call.name.equals("sort") && (call.owner.equals("java/util/List") || call.owner.equals("java/util/ArrayList")
                || call.owner.equals("java/util/Collections") || call.owner.equals("java/util/Arrays"));
        return sort ? " (to order them by a differentiable key, sort their indices instead: Integer[] order, filled with 0..n-1, "
                + "then Arrays.sort(order, Comparator.comparingDouble(i -> key[i])), and read them in that order)" : "";
    }

    @Override
    public Ref merge(Ref a, Ref b) {
        if (a.equals(b)) return a;
        if (a.size != b.size) return Ref.ONE; // never read again (javac reuses slots)
        if (!a.isObject() && !b.isObject()) return a;
        Set<AbstractInsnNode> sites = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        sites.addAll(a.sites);
        sites.addAll(b.sites);
        return new Ref(1, Set.copyOf(sites), a.other || b.other);
    }
}
