package org.grad4j.transformer.inline;

import static org.grad4j.transformer.inline.ValueObjects.constantClass;
import static org.grad4j.transformer.inline.ValueObjects.isNullCheck;
import static org.grad4j.transformer.inline.ValueObjects.simpleName;

import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import org.grad4j.transformer.inline.ValueObjects.Escapes;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.VarInsnNode;
import org.objectweb.asm.tree.analysis.Analyzer;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.Frame;
import org.grad4j.transformer.inline.ValueFlow.Val;

/**
 * The rewrite of one method for {@link ValueObjects}: the method analysed ({@link ValueFlow}), an
 * escape thrown as {@link ValueObjects.Escapes}; else a copy in which every place an object (or
 * array of them) may come from has locals for its fields (its home), and the instructions that
 * make, move and read objects become loads and stores of those locals.
 */
final class ValueRewrite {
    private final String owner;
    private final MethodNode method;
    private final ValueClass.Cache values;
    /** The classes with arrays of them here: only their objects carry whether they are there (see {@link #locals}). */
    private final Set<ValueClass> tracked = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    /** The largest operand stack of a constructor body inlined here. */
    private int constructorStack;
    /** Places that share a home. */
    private final PlaceGroups groups = new PlaceGroups();
    private final Map<AbstractInsnNode, int[]> homes = new IdentityHashMap<>();
    private final Map<String, int[]> slotHomes = new HashMap<>(); // by "slot/class"
    private int nextLocal;

    /** The element stores of the arrays of a formatting call's arguments ({@link FormatArguments}). */
    private Set<AbstractInsnNode> formatStores;

    private final org.grad4j.transformer.read.ClassHierarchy hierarchy;

    /** Why a call is not inlined, for refusals (see ValueFlow). */
    private final java.util.function.Function<MethodInsnNode, String> reasons;

    ValueRewrite(String owner, MethodNode method, ValueClass.Cache values, org.grad4j.transformer.read.ClassHierarchy hierarchy,
                 java.util.function.Function<MethodInsnNode, String> reasons) {
        this.owner = owner;
        this.method = method;
        this.values = values;
        this.hierarchy = hierarchy;
        this.reasons = reasons;
    }

    MethodNode run() {
        formatStores = FormatArguments.stores(owner, method);
        Frame<Val>[] frames = analysed();
        // Vec2 prev = null: the nulls that meet objects are absent objects of their class, followed from where they are made
        for (int round = 0; round < MAX_NULL_ROUNDS && nullsMeetingObjects(frames); round++) frames = analysed();
        AbstractInsnNode[] insns = method.instructions.toArray();
        boolean any = false;
        for (int i = 0; i < insns.length; i++) {
            Frame<Val> f = frames[i];
            if (f == null) continue;
            checkStackShuffles(insns[i], f);
            for (int s = 0; s < f.getStackSize(); s++) {
                Val v = f.getStack(s);
                if (v.isObject()) {
                    if (v.mixed()) {
                        throw new Escapes(v.shape(), "the " + simpleName(v.shape().name) + " may be null or an object from "
                                + "elsewhere (a parameter, a field, a call)");
                    }
                    any = true;
                    union(v.from());
                    // elements of its arrays, or its static fields, may be nulls: its objects carry whether they are there
                    if (v.array() || v.element()) tracked.add(v.shape());
                }
            }
            if (insns[i] instanceof VarInsnNode load && load.getOpcode() == Opcodes.ALOAD) {
                Val held = f.getLocal(load.var);
                if (held.isObject() && held.mixed()) { // Vec2 best = null; ... best.x()
                    throw new Escapes(held.shape(), "the " + simpleName(held.shape().name) + " is held in a variable that may "
                            + "also hold null or an object from elsewhere (a parameter, a field, a call)");
                }
            }
        }
        if (!any) return method;
        MethodNode copy = org.grad4j.transformer.read.ClassFiles.copy(method);
        nextLocal = method.maxLocals;
        AbstractInsnNode[] copies = copy.instructions.toArray();
        for (int i = 0; i < insns.length; i++) {
            Frame<Val> f = frames[i];
            if (f == null) continue;
            InsnList instead = rewrite(insns[i], copies[i], f);
            if (instead == null) continue;
            copy.instructions.insert(copies[i], instead);
            copy.instructions.remove(copies[i]);
        }
        // the stack maps name the objects: the lifter computes its own frames
        for (AbstractInsnNode insn : copy.instructions.toArray()) {
            if (insn.getType() == AbstractInsnNode.FRAME) copy.instructions.remove(insn);
        }
        copy.maxLocals = nextLocal;
        // a constant's object, its copy and a field (three), or an inlined constructor's own stack above ours
        copy.maxStack = method.maxStack + Math.max(3, constructorStack);
        withoutDeadCode(copy);
        return copy;
    }

    /** Rounds of analysis that may each find more nulls meeting objects (a null meeting one that did). */
    private static final int MAX_NULL_ROUNDS = 4;

    /** The {@code aconst_null}s that meet objects made here, by their class ({@link ValueFlow}). */
    private final Map<AbstractInsnNode, ValueClass> nulls = new IdentityHashMap<>();

    private Frame<Val>[] analysed() {
        try {
            return new Analyzer<>(new ValueFlow(owner, formatStores, nulls, values, ValueObjects.lines(method), hierarchy, reasons))
                    .analyze(owner, method);
        } catch (AnalyzerException e) {
            if (e.getCause() instanceof Escapes escapes) throw escapes;
            throw new Escapes(null, e.getMessage());
        }
    }

    /** Whether the frames show nulls meeting objects not yet in {@link #nulls}, which are added. */
    private boolean nullsMeetingObjects(Frame<Val>[] frames) {
        int before = nulls.size();
        for (Frame<Val> f : frames) {
            if (f == null) continue;
            for (int i = 0; i < f.getLocals() + f.getStackSize(); i++) {
                Val v = i < f.getLocals() ? f.getLocal(i) : f.getStack(i - f.getLocals());
                if (!v.isObject() || v.array()) continue;
                for (AbstractInsnNode p : v.from()) if (p.getOpcode() == Opcodes.ACONST_NULL) nulls.putIfAbsent(p, v.shape());
            }
        }
        return nulls.size() > before;
    }

    /**
     * Removes what can no longer run (the inliner's {@code athrow} of null after a receiver's
     * null check, which is now a {@code goto}), checking the rewrite on the way: a method the
     * analyzer rejects is left as it was.
     */
    private void withoutDeadCode(MethodNode copy) {
        try {
            DeadCode.remove(owner, copy);
        } catch (AnalyzerException e) {
            throw new Escapes(null, "rewrite rejected: " + e.getMessage());
        }
    }

    /**
     * Stack shuffles other than dup and pop of an object are not followed. They reach a number
     * of slots (a double is two), not of values: {@code pop2} of a double above an object
     * leaves the object alone.
     */
    private void checkStackShuffles(AbstractInsnNode insn, Frame<Val> f) {
        int op = insn.getOpcode();
        int slots = switch (op) {
            case Opcodes.DUP_X1, Opcodes.SWAP, Opcodes.DUP2, Opcodes.POP2 -> 2;
            case Opcodes.DUP_X2, Opcodes.DUP2_X1 -> 3;
            case Opcodes.DUP2_X2 -> 4;
            default -> 0;
        };
        for (int d = 1; slots > 0 && d <= f.getStackSize(); d++) {
            Val v = f.getStack(f.getStackSize() - d);
            if (v.isObject()) {
                throw new Escapes(v.shape(), "the " + simpleName(v.shape().name) + " is moved on the operand stack in a way "
                        + "grad4j does not follow (" + org.objectweb.asm.util.Printer.OPCODES[op].toLowerCase() + ")");
            }
            slots -= v.getSize();
        }
    }

    /** The instructions for {@code insn} (its copy: {@code copied}), null to keep it. */
    private InsnList rewrite(AbstractInsnNode insn, AbstractInsnNode copied, Frame<Val> f) {
        int op = insn.getOpcode();
        Val top = f.getStackSize() > 0 ? f.getStack(f.getStackSize() - 1) : null;
        if (TextSinks.isSink(insn)) return madeIntoText(insn, f);
        InsnList out = new InsnList();
        switch (op) {
            case Opcodes.NEW -> {
                return values.get(((TypeInsnNode) insn).desc) != null ? out : null;
            }
            case Opcodes.GETSTATIC -> {
                String name = constantClass((FieldInsnNode) insn);
                ValueClass shape = name == null ? null : values.get(name);
                if (shape == null || !shape.readable() || shape.holdsArrays() || !shape.constantsFollowed) return null;
                int[] home = objectHome(insn, shape);
                org.objectweb.asm.tree.LabelNode absent = new org.objectweb.asm.tree.LabelNode();
                org.objectweb.asm.tree.LabelNode done = new org.objectweb.asm.tree.LabelNode();
                out.add(insn.clone(null));
                out.add(new org.objectweb.asm.tree.InsnNode(Opcodes.DUP));
                out.add(new JumpInsnNode(Opcodes.IFNULL, absent));
                for (int k = 0; k < shape.size(); k++) {
                    out.add(new org.objectweb.asm.tree.InsnNode(Opcodes.DUP));
                    out.add(shape.read(k));
                    out.add(new VarInsnNode(shape.leaves.get(k).type().getOpcode(Opcodes.ISTORE), home[k]));
                }
                out.add(new org.objectweb.asm.tree.InsnNode(Opcodes.POP));
                present(home, shape, out);
                out.add(new JumpInsnNode(Opcodes.GOTO, done));
                out.add(absent);
                out.add(new org.objectweb.asm.tree.InsnNode(Opcodes.POP));
                absent(home, shape, out);
                out.add(done);
                return out;
            }
            case Opcodes.ACONST_NULL -> { // Vec2 prev = null: an absent object
                ValueClass shape = nulls.get(insn);
                if (shape == null) return null;
                absent(objectHome(insn, shape), shape, out);
                return out;
            }
            case Opcodes.DUP, Opcodes.POP -> {
                return top.isObject() ? out : null;
            }
            case Opcodes.INSTANCEOF -> { // s instanceof Circle c, with s a Circle made here: a constant
                if (!top.isObject()) return null;
                boolean is = hierarchy.isSubtype(top.shape().name, ((TypeInsnNode) insn).desc);
                if (is && top.element()) { // one that may be null: whether it is there
                    out.add(new VarInsnNode(Opcodes.ILOAD, home(top)[top.shape().size()]));
                    return out;
                }
                out.add(new org.objectweb.asm.tree.InsnNode(is ? Opcodes.ICONST_1 : Opcodes.ICONST_0));
                return out;
            }
            case Opcodes.CHECKCAST -> { // passes, the object staying in its locals; or cannot, as the cast would throw
                if (!top.isObject()) return null;
                String target = ((TypeInsnNode) insn).desc;
                if (hierarchy.isSubtype(top.shape().name, target)) return out;
                out.add(ValueObjects.castThrows(top.shape().name, target));
                return out;
            }
            case Opcodes.IFNULL, Opcodes.IFNONNULL -> {
                if (!top.isObject()) return null;
                if (top.element() && !top.isArrayOfObjects()) { // a[i] != null: whether the element was set
                    out.add(new VarInsnNode(Opcodes.ILOAD, home(top)[top.shape().size()]));
                    out.add(new JumpInsnNode(op == Opcodes.IFNULL ? Opcodes.IFEQ : Opcodes.IFNE, ((JumpInsnNode) copied).label));
                } else if (op == Opcodes.IFNONNULL) { // never null
                    out.add(new JumpInsnNode(Opcodes.GOTO, ((JumpInsnNode) copied).label)); // the copy's label
                }
                return out;
            }
            case Opcodes.ASTORE -> {
                if (!top.isObject()) return null;
                copy(top, home(top), slotHome(((VarInsnNode) insn).var, top), out);
                return out;
            }
            case Opcodes.ALOAD -> {
                Val held = f.getLocal(((VarInsnNode) insn).var);
                if (!held.isObject()) return null;
                copy(held, slotHome(((VarInsnNode) insn).var, held), home(insn, held), out);
                return out;
            }
            case Opcodes.ANEWARRAY -> {
                ValueClass shape = values.get(((TypeInsnNode) insn).desc);
                if (shape == null) return null;
                // an array per field, and which elements are set (reading another throws, as the null would)
                int count = nextLocal++;
                int[] arrays = home(insn, new Val(1, shape, Set.of(insn), false, true));
                out.add(new VarInsnNode(Opcodes.ISTORE, count));
                for (int k = 0; k <= shape.size(); k++) {
                    out.add(new VarInsnNode(Opcodes.ILOAD, count));
                    out.add(new org.objectweb.asm.tree.IntInsnNode(Opcodes.NEWARRAY, k < shape.size()
                            ? newArrayType(shape.leaves.get(k).type()) : Opcodes.T_BOOLEAN));
                    out.add(new VarInsnNode(Opcodes.ASTORE, arrays[k]));
                }
                return out;
            }
            case Opcodes.ARRAYLENGTH -> {
                if (!top.isArrayOfObjects()) return null;
                out.add(new VarInsnNode(Opcodes.ALOAD, home(top)[top.shape().size()]));
                out.add(new org.objectweb.asm.tree.InsnNode(Opcodes.ARRAYLENGTH));
                return out;
            }
            case Opcodes.AALOAD -> {
                Val array = f.getStack(f.getStackSize() - 2);
                if (!array.isArrayOfObjects()) return null;
                int[] arrays = home(array);
                int[] into = home(insn, new Val(1, array.shape(), Set.of(insn), false));
                int index = nextLocal++;
                out.add(new VarInsnNode(Opcodes.ISTORE, index));
                // whether it was set goes along with its fields: an element never set is a null, checked where used
                out.add(new VarInsnNode(Opcodes.ALOAD, arrays[array.shape().size()]));
                out.add(new VarInsnNode(Opcodes.ILOAD, index));
                out.add(new org.objectweb.asm.tree.InsnNode(Opcodes.BALOAD));
                out.add(new VarInsnNode(Opcodes.ISTORE, into[array.shape().size()]));
                for (int k = 0; k < array.shape().size(); k++) {
                    Type t = array.shape().leaves.get(k).type();
                    out.add(new VarInsnNode(Opcodes.ALOAD, arrays[k]));
                    out.add(new VarInsnNode(Opcodes.ILOAD, index));
                    out.add(new org.objectweb.asm.tree.InsnNode(t.getOpcode(Opcodes.IALOAD)));
                    out.add(new VarInsnNode(t.getOpcode(Opcodes.ISTORE), into[k]));
                }
                return out;
            }
            case Opcodes.AASTORE -> {
                Val array = f.getStack(f.getStackSize() - 3);
                if (top.isObject() && formatStores.contains(insn)) { // String.format("%s", v): v made again, as text
                    remake(top, out);
                    out.add(insn.clone(null));
                    return out;
                }
                if (!array.isArrayOfObjects()) return null;
                int[] arrays = home(array);
                int[] from = home(top);
                int index = nextLocal++;
                out.add(new VarInsnNode(Opcodes.ISTORE, index));
                for (int k = 0; k < array.shape().size(); k++) {
                    Type t = array.shape().leaves.get(k).type();
                    out.add(new VarInsnNode(Opcodes.ALOAD, arrays[k]));
                    out.add(new VarInsnNode(Opcodes.ILOAD, index));
                    out.add(new VarInsnNode(t.getOpcode(Opcodes.ILOAD), from[k]));
                    out.add(new org.objectweb.asm.tree.InsnNode(t.getOpcode(Opcodes.IASTORE)));
                }
                out.add(new VarInsnNode(Opcodes.ALOAD, arrays[array.shape().size()]));
                out.add(new VarInsnNode(Opcodes.ILOAD, index));
                out.add(new VarInsnNode(Opcodes.ILOAD, from[array.shape().size()])); // b[0] = a[1] copies a null
                out.add(new org.objectweb.asm.tree.InsnNode(Opcodes.BASTORE));
                return out;
            }
            case Opcodes.GETFIELD -> {
                if (!top.isObject()) return null;
                read(top, top.shape().field(((FieldInsnNode) insn).name), insn, out);
                return out;
            }
            case Opcodes.INVOKESTATIC -> {
                if (!isNullCheck(insn) || !top.isObject()) return null;
                if (top.element() && !top.isArrayOfObjects()) nullCheck(top, out); // the object stays where it is
                return out;
            }
            case Opcodes.INVOKEVIRTUAL, Opcodes.INVOKESPECIAL -> {
                MethodInsnNode call = (MethodInsnNode) insn;
                Type[] args = Type.getArgumentTypes(call.desc);
                if (f.getStackSize() <= args.length) return null;
                Val receiver = f.getStack(f.getStackSize() - args.length - 1);
                if (!receiver.isObject()) return null;
                if (op == Opcodes.INVOKEVIRTUAL) { // an accessor
                    read(receiver, receiver.shape().field(receiver.shape().accessors.get(call.name + call.desc)), insn, out);
                    return out;
                }
                ValueClass.Constructor made = receiver.shape().constructors.get(call.desc);
                int[] into = home(receiver);
                if (made.body() != null) {
                    constructorBody(receiver.shape(), made.body(), into, out);
                    present(into, receiver.shape(), out);
                    return out;
                }
                // the canonical constructor: its arguments go into the fields they set
                setFields(receiver.shape(), made.from(), args, a -> {
                    Val arg = f.getStack(f.getStackSize() - args.length + a);
                    return arg.isObject() ? arg : null;
                }, into, out);
                present(into, receiver.shape(), out);
                return out;
            }
            default -> {
                return null;
            }
        }
    }

    /**
     * A call turning its arguments into text ({@link TextSinks}), given objects made here: each is
     * made again from its fields' values where the call takes it, as data (their derivatives
     * stop there: text carries none), the values above the first such argument waiting in locals
     * meanwhile. Null when no object made here is among the arguments.
     */
    private InsnList madeIntoText(AbstractInsnNode sink, Frame<Val> f) {
        int n = TextSinks.arguments(sink);
        int base = f.getStackSize() - n;
        int lowest = -1;
        for (int i = n - 1; i >= 0; i--) if (f.getStack(base + i).isObject()) lowest = i;
        if (lowest < 0) return null;
        Type[] declared = Type.getArgumentTypes(sink instanceof MethodInsnNode m ? m.desc
                : ((org.objectweb.asm.tree.InvokeDynamicInsnNode) sink).desc);
        Type[] types = new Type[n]; // a receiver is an object
        for (int i = 0; i < n; i++) types[i] = i < n - declared.length ? Type.getType(Object.class) : declared[i - (n - declared.length)];
        InsnList out = new InsnList();
        int[] waiting = new int[n];
        for (int i = n - 1; i > lowest; i--) {
            if (f.getStack(base + i).isObject()) continue;
            waiting[i] = nextLocal;
            nextLocal += types[i].getSize();
            out.add(new VarInsnNode(types[i].getOpcode(Opcodes.ISTORE), waiting[i]));
        }
        for (int i = lowest; i < n; i++) {
            Val v = f.getStack(base + i);
            if (v.isObject()) remake(v, out);
            else out.add(new VarInsnNode(types[i].getOpcode(Opcodes.ILOAD), waiting[i]));
        }
        out.add(sink.clone(null));
        return out;
    }

    /** An object made here, made again from its home's values (see {@link #madeIntoText}); null for an element never set. */
    private void remake(Val v, InsnList out) {
        int[] home = home(v);
        constructorStack = Math.max(constructorStack, remakeStack(v.shape()));
        if (!v.element()) {
            remake(v.shape(), home, 0, out);
            return;
        }
        org.objectweb.asm.tree.LabelNode absent = new org.objectweb.asm.tree.LabelNode();
        org.objectweb.asm.tree.LabelNode done = new org.objectweb.asm.tree.LabelNode();
        out.add(new VarInsnNode(Opcodes.ILOAD, home[v.shape().size()]));
        out.add(new JumpInsnNode(Opcodes.IFEQ, absent));
        remake(v.shape(), home, 0, out);
        out.add(new JumpInsnNode(Opcodes.GOTO, done));
        out.add(absent);
        out.add(new org.objectweb.asm.tree.InsnNode(Opcodes.ACONST_NULL));
        out.add(done);
    }

    /** {@code new C(...)} by its {@link ValueClass.Rebuilder}, from the leaves at {@code home[at...]}, each number's derivative stopped. */
    private void remake(ValueClass shape, int[] home, int at, InsnList out) {
        ValueClass.Rebuilder r = shape.rebuilderFor(owner);
        out.add(new TypeInsnNode(Opcodes.NEW, shape.name));
        out.add(new org.objectweb.asm.tree.InsnNode(Opcodes.DUP));
        for (int field : r.field()) {
            ValueClass.Field declared = shape.fields.get(field);
            if (declared.of() != null) {
                remake(declared.of(), home, at + declared.first(), out);
                continue;
            }
            Type t = Type.getType(declared.desc());
            out.add(new VarInsnNode(t.getOpcode(Opcodes.ILOAD), home[at + declared.first()]));
            if (t.getSort() == Type.DOUBLE || t.getSort() == Type.FLOAT) {
                out.add(new MethodInsnNode(Opcodes.INVOKESTATIC, "org/grad4j/AD", "stopGradient", "(" + t + ")" + t, false));
            }
        }
        out.add(new MethodInsnNode(Opcodes.INVOKESPECIAL, shape.name, "<init>", r.desc(), false));
    }

    /** The operand stack {@link #remake} needs at most. */
    private static int remakeStack(ValueClass shape) {
        int stack = 2;
        for (ValueClass.Field f : shape.fields) stack += f.of() != null ? remakeStack(f.of()) : Type.getType(f.desc()).getSize();
        return stack;
    }

    /**
     * A constructor's body where its object is made: the arguments go into locals of its own,
     * {@code this} is gone (each of its loads only leads to a store into a field, which goes to
     * the object's local instead), its superclass's constructor call is dropped, a return
     * jumps to the end. Its line numbers are dropped (it reports the line of the {@code new}).
     */
    private void constructorBody(ValueClass shape, MethodNode init, int[] into, InsnList out) {
        constructorStack = Math.max(constructorStack, init.maxStack);
        int base = nextLocal - 1; // its slot s (s >= 1: its parameters and locals) is ours base + s
        nextLocal += init.maxLocals;
        Type[] params = Type.getArgumentTypes(init.desc);
        int[] slot = new int[params.length];
        for (int p = 0, at = 1; p < params.length; at += params[p].getSize(), p++) slot[p] = at;
        for (int p = params.length - 1; p >= 0; p--) out.add(new VarInsnNode(params[p].getOpcode(Opcodes.ISTORE), base + slot[p]));
        org.objectweb.asm.tree.LabelNode end = new org.objectweb.asm.tree.LabelNode();
        Map<org.objectweb.asm.tree.LabelNode, org.objectweb.asm.tree.LabelNode> labels = new HashMap<>();
        for (AbstractInsnNode insn : init.instructions) {
            if (insn instanceof org.objectweb.asm.tree.LabelNode l) labels.put(l, new org.objectweb.asm.tree.LabelNode());
        }
        int position = 0; // of the real instructions: the superclass's constructor, if called, is the second
        for (AbstractInsnNode insn : init.instructions) {
            int op = insn.getOpcode();
            if (op < 0) {
                if (insn instanceof org.objectweb.asm.tree.LabelNode) out.add(insn.clone(labels));
                continue; // line numbers and frames dropped
            }
            position++;
            if (op == Opcodes.ALOAD && ((VarInsnNode) insn).var == 0) continue;
            if (insn instanceof MethodInsnNode call && op == Opcodes.INVOKESPECIAL && call.name.equals("<init>")) {
                if (call.owner.equals(shape.name)) {
                    delegate(shape, call, into, out); // this(s, s): its arguments are on the stack
                    continue;
                }
                if (position == 2) continue; // super(): not a new StringBuilder() computing an argument
            }
            if (op == Opcodes.PUTFIELD) {
                FieldInsnNode put = (FieldInsnNode) insn;
                out.add(new VarInsnNode(Type.getType(put.desc).getOpcode(Opcodes.ISTORE), into[shape.field(put.name).first()]));
            } else if (op == Opcodes.RETURN) {
                out.add(new JumpInsnNode(Opcodes.GOTO, end));
            } else if (insn instanceof VarInsnNode v) {
                out.add(new VarInsnNode(op, base + v.var));
            } else if (insn instanceof org.objectweb.asm.tree.IincInsnNode inc) {
                out.add(new org.objectweb.asm.tree.IincInsnNode(base + inc.var, inc.incr));
            } else {
                out.add(insn.clone(labels));
            }
        }
        out.add(end);
    }

    /**
     * A call of another constructor of the class from a constructor body ({@code this(s, s)}),
     * its arguments on the stack: they go into the fields that constructor sets, or into its own
     * body's locals.
     */
    private void delegate(ValueClass shape, MethodInsnNode call, int[] into, InsnList out) {
        ValueClass.Constructor target = shape.constructors.get(call.desc);
        if (target.body() != null) {
            constructorBody(shape, target.body(), into, out);
        } else {
            setFields(shape, target.from(), Type.getArgumentTypes(call.desc), a -> null, into, out); // a class of primitives
        }
    }

    /**
     * A canonical constructor's arguments, the last on top of the stack, into the fields they set
     * ({@code from}, by field); {@code objectArgument} gives the value of an argument that is an
     * object made here (a nested part, not on the stack: its fields are copied), else null.
     */
    private void setFields(ValueClass shape, int[] from, Type[] args, java.util.function.IntFunction<Val> objectArgument,
                           int[] into, InsnList out) {
        for (int a = args.length - 1; a >= 0; a--) {
            Val arg = objectArgument.apply(a);
            int field = -1;
            for (int k = 0; k < from.length; k++) if (from[k] == a) field = k;
            if (arg != null) { // new Segment(a, b): a's fields into the segment's
                // a nested null is not held: an element never set throws here, not where it would be read
                if (arg.element()) nullCheck(arg, out);
                if (field >= 0) copy(arg.shape(), home(arg), 0, into, shape.fields.get(field).first(), out);
            } else if (field < 0) {
                out.add(new org.objectweb.asm.tree.InsnNode(args[a].getSize() == 2 ? Opcodes.POP2 : Opcodes.POP));
            } else {
                out.add(new VarInsnNode(args[a].getOpcode(Opcodes.ISTORE), into[shape.fields.get(field).first()]));
            }
        }
    }

    /** An object's fields, or an array's arrays (references), from one home to another. */
    private void copy(Val v, int[] from, int[] to, InsnList out) {
        if (!v.array()) {
            copy(v.shape(), from, 0, to, 0, out);
            if (tracked.contains(v.shape())) { // and whether it is there at all (an element never set is not)
                out.add(new VarInsnNode(Opcodes.ILOAD, from[v.shape().size()]));
                out.add(new VarInsnNode(Opcodes.ISTORE, to[v.shape().size()]));
            }
            return;
        }
        for (int k = 0; k < from.length; k++) {
            out.add(new VarInsnNode(Opcodes.ALOAD, from[k]));
            out.add(new VarInsnNode(Opcodes.ASTORE, to[k]));
        }
    }

    /** The {@code newarray} operand for an array of {@code t}. */
    static int newArrayType(Type t) {
        return switch (t.getSort()) {
            case Type.BOOLEAN -> Opcodes.T_BOOLEAN;
            case Type.CHAR -> Opcodes.T_CHAR;
            case Type.BYTE -> Opcodes.T_BYTE;
            case Type.SHORT -> Opcodes.T_SHORT;
            case Type.INT -> Opcodes.T_INT;
            case Type.FLOAT -> Opcodes.T_FLOAT;
            case Type.LONG -> Opcodes.T_LONG;
            default -> Opcodes.T_DOUBLE;
        };
    }

    /** An object's fields, from {@code from[fromAt...]} to {@code to[toAt...]} (a nested object is a range). */
    private void copy(ValueClass shape, int[] from, int fromAt, int[] to, int toAt, InsnList out) {
        for (int k = 0; k < shape.size(); k++) {
            Type t = shape.leaves.get(k).type();
            out.add(new VarInsnNode(t.getOpcode(Opcodes.ILOAD), from[fromAt + k]));
            out.add(new VarInsnNode(t.getOpcode(Opcodes.ISTORE), to[toAt + k]));
        }
    }

    /**
     * A field read of an object made here (by {@code getfield} or its accessor, {@code at}): a
     * primitive's local, or a nested object's range of locals copied to the read's own home.
     */
    private void read(Val object, ValueClass.Field field, AbstractInsnNode at, InsnList out) {
        int[] home = home(object);
        if (object.element()) nullCheck(object, out); // a[1].x() of an element never set
        if (field.of() == null) {
            out.add(new VarInsnNode(Type.getType(field.desc()).getOpcode(Opcodes.ILOAD), home[field.first()]));
        } else {
            int[] nested = objectHome(at, field.of());
            copy(field.of(), home, field.first(), nested, 0, out);
            present(nested, field.of(), out);
        }
    }

    /** A null: zeros in its fields (defined on every path), and not there: reading one throws where it is read. */
    private static void absent(int[] home, ValueClass shape, InsnList out) {
        for (int k = 0; k < shape.size(); k++) {
            Type t = shape.leaves.get(k).type();
            out.add(new org.objectweb.asm.tree.InsnNode(ValueObjects.zero(t)));
            out.add(new VarInsnNode(t.getOpcode(Opcodes.ISTORE), home[k]));
        }
        out.add(new org.objectweb.asm.tree.InsnNode(Opcodes.ICONST_0));
        out.add(new VarInsnNode(Opcodes.ISTORE, home[shape.size()]));
    }

    /** The object is there (not null): its home's last local, set to 1. */
    private void present(int[] home, ValueClass shape, InsnList out) {
        if (!tracked.contains(shape)) return;
        out.add(new org.objectweb.asm.tree.InsnNode(Opcodes.ICONST_1));
        out.add(new VarInsnNode(Opcodes.ISTORE, home[shape.size()]));
    }

    /** Throws the NullPointerException a null element would where it is used, when it was never set. */
    private void nullCheck(Val object, InsnList out) {
        org.objectweb.asm.tree.LabelNode there = new org.objectweb.asm.tree.LabelNode();
        out.add(new VarInsnNode(Opcodes.ILOAD, home(object)[object.shape().size()]));
        out.add(new JumpInsnNode(Opcodes.IFNE, there));
        out.add(new TypeInsnNode(Opcodes.NEW, "java/lang/NullPointerException"));
        out.add(new org.objectweb.asm.tree.InsnNode(Opcodes.DUP));
        out.add(new MethodInsnNode(Opcodes.INVOKESPECIAL, "java/lang/NullPointerException", "<init>", "()V", false));
        out.add(new org.objectweb.asm.tree.InsnNode(Opcodes.ATHROW));
        out.add(there);
    }

    /** The home of the places a value may come from (they share one, see {@link #union}). */
    private int[] home(Val v) {
        return home(v.from().iterator().next(), v);
    }

    /** The home of a place holding an object: its fields' locals (see {@link #locals}). */
    private int[] objectHome(AbstractInsnNode place, ValueClass shape) {
        return homes.computeIfAbsent(find(place), p -> locals(shape));
    }

    /** The home of a place holding {@code kind}: an object's fields, or an array's arrays (one per field, and which are set). */
    private int[] home(AbstractInsnNode place, Val kind) {
        return kind.array() ? homes.computeIfAbsent(find(place), p -> arrayLocals(kind.shape())) : objectHome(place, kind.shape());
    }

    private int[] slotHome(int slot, Val kind) {
        return slotHomes.computeIfAbsent(slot + "/" + kind.shape().name + (kind.array() ? "[]" : ""),
                k -> kind.array() ? arrayLocals(kind.shape()) : locals(kind.shape()));
    }

    private int[] arrayLocals(ValueClass shape) {
        int[] at = new int[shape.size() + 1];
        for (int k = 0; k < at.length; k++) at[k] = nextLocal++;
        return at;
    }

    /**
     * An object's home: a local per leaf, then, for a class with arrays here ({@link #tracked}),
     * an int saying whether it is there (0: an element never set, a null).
     */
    private int[] locals(ValueClass shape) {
        int[] at = new int[shape.size() + (tracked.contains(shape) ? 1 : 0)];
        for (int k = 0; k < shape.size(); k++) {
            at[k] = nextLocal;
            nextLocal += shape.leaves.get(k).type().getSize();
        }
        if (tracked.contains(shape)) at[shape.size()] = nextLocal++;
        return at;
    }

    private void union(Set<AbstractInsnNode> places) {
        AbstractInsnNode first = null;
        for (AbstractInsnNode p : places) {
            if (first == null) first = p;
            else groups.join(first, p);
        }
    }

    private AbstractInsnNode find(AbstractInsnNode p) {
        return groups.of(p);
    }
}
