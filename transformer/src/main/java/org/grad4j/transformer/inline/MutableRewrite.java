package org.grad4j.transformer.inline;

import static org.grad4j.transformer.inline.ValueObjects.isNullCheck;
import static org.grad4j.transformer.inline.ValueObjects.simpleName;

import java.util.BitSet;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.Function;
import org.grad4j.transformer.inline.MutableObjects.Kept;
import org.grad4j.transformer.read.ClassFiles;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.VarInsnNode;
import org.objectweb.asm.tree.analysis.Analyzer;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.Frame;

/**
 * One rewrite of a method for {@link MutableObjects} (its constructors run in place), for the
 * classes still followed: the method analysed ({@link MutableFlow}) with the fields of the
 * objects made here followed as locals ({@link FieldFrame}: a Ball's {@code this$0} may hold the
 * Simulator made here, whose fields are then followed too), the lists holding them found; each
 * use rewritten (objects' fields to their homes' locals, arrays' and lists' elements to their
 * field arrays: {@link ElementCode}, {@link ListCode}); the result analysed again for the checks
 * that a site's objects never overlap and that what is moved into an array or list is not used
 * after ({@link #checkFresh}); each {@code new} then a {@code null}.
 */
final class MutableRewrite {
    private final String owner;
    private final MethodNode method;
    private final Map<AbstractInsnNode, MutableClass> sites = new IdentityHashMap<>();
    /** By {@code anewarray} of a followed class, the class: arrays of objects made here ({@link ElementCode}). */
    private final Map<AbstractInsnNode, MutableClass> arrays = new IdentityHashMap<>();
    private final Function<MethodInsnNode, String> whyNotInlined;
    /**
     * By site, a local per field of its class (in {@link MutableClass#fields} order), above the
     * method's; by array site, a local per field's array, its marks' and its token's ({@link ElementCode}).
     */
    private final Map<AbstractInsnNode, int[]> homes = new IdentityHashMap<>();
    /** Lists made here ({@code new ArrayList}) and their iterators, while followed ({@link ListCode}). */
    private final java.util.Set<AbstractInsnNode> containers = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    /** By iterator site, its cursor's local. */
    private final Map<AbstractInsnNode, Integer> cursors = new IdentityHashMap<>();
    /** In the rewritten copy, by the instruction pushing an element's index read from a list, that list's group. */
    private final Map<AbstractInsnNode, AbstractInsnNode> readFrom = new IdentityHashMap<>();
    private int maxLocals;
    private final ElementCode.Temps temps;
    private MutableFlow flow;
    private Map<AbstractInsnNode, Integer> lines;
    /** The frames the rewrite is made from (the array an element was read from is found in them). */
    private Frame<MutableFlow.Ref>[] frames;

    MutableRewrite(String owner, MethodNode method, Map<String, MutableClass> candidates, Function<MethodInsnNode, String> whyNotInlined) {
        this.owner = owner;
        this.method = method;
        this.whyNotInlined = whyNotInlined;
        int next = method.maxLocals;
        for (AbstractInsnNode insn : method.instructions) {
            int op = insn.getOpcode();
            if (op != Opcodes.NEW && op != Opcodes.ANEWARRAY || !candidates.containsKey(((TypeInsnNode) insn).desc)) continue;
            MutableClass c = candidates.get(((TypeInsnNode) insn).desc);
            int[] at = new int[op == Opcodes.ANEWARRAY ? ElementCode.homeSize(c) : c.fields().size()];
            if (op == Opcodes.NEW) {
                sites.put(insn, c);
                for (int k = 0; k < at.length; k++) {
                    at[k] = next;
                    next += Type.getType(c.fields().get(k).node().desc).getSize();
                }
            } else {
                arrays.put(insn, c);
                for (int k = 0; k < at.length; k++) at[k] = next++;
            }
            homes.put(insn, at);
        }
        for (AbstractInsnNode insn : method.instructions) {
            if (!candidates.isEmpty() && ListOp.isList(insn)) containers.add(insn);
            if (!candidates.isEmpty() && ListOp.of(insn) == ListOp.ITERATOR) {
                containers.add(insn);
                cursors.put(insn, next++);
            }
        }
        this.temps = ElementCode.Temps.from(next);
        this.maxLocals = next + (arrays.isEmpty() && containers.isEmpty() ? 0 : ElementCode.Temps.SLOTS);
    }

    /**
     * The method analysed until the lists followed are those that hold objects followed (of one
     * class, known from the start of the last analysis), grouped: a list holding none, or used in
     * a way not followed before anything was added to it, is left as it is. Each list's home is
     * then placed.
     */
    private Frame<MutableFlow.Ref>[] analysedWithLists() {
        Map<AbstractInsnNode, MutableClass> followed = new IdentityHashMap<>(sites);
        followed.putAll(arrays);
        while (true) {
            flow = new MutableFlow(followed, containers, Map.of(), lines, whyNotInlined);
            Frame<MutableFlow.Ref>[] found;
            if (!containers.isEmpty()) {
                analysed(flow.lenient()); // what is added to the lists, wherever the analyser reaches first
                if (containers.removeAll(holdingNone())) continue;
            }
            try {
                found = analysed();
                // sites of one class whose objects meet where one is used share a home (Tracker t = c ? new Tracker(a)
                // : new Tracker(b)); analysed again, each time the groups grow, so that fields follow the groups' homes
                for (int pass = 0; pass < GROUPING_PASSES && grouped(found); pass++) found = analysed();
            } catch (Kept k) {
                if (k.of != null || !containers.removeAll(k.dropped)) throw k;
                continue;
            }
            if (containers.removeAll(holdingNone())) continue;
            for (AbstractInsnNode list : containers) {
                if (!ListOp.isList(list) || group(list) != list) continue;
                MutableClass c = flow.listClass(list);
                String why = ListCode.whyNotElements(c);
                if (why != null) throw new Kept(c, "the " + simpleName(c.name()) + " is added to a list, and " + why);
                int[] at = new int[ListCode.homeSize(c)];
                for (int k = 0; k < at.length; k++) at[k] = maxLocals++;
                homes.put(list, at);
            }
            return found;
        }
    }

    MethodNode run() {
        lines = ValueObjects.lines(method);
        frames = analysedWithLists();
        AbstractInsnNode[] insns = method.instructions.toArray();
        for (int i = 0; i < insns.length; i++) {
            if (frames[i] == null) continue;
            MutableFlow.Ref used = used(insns[i], frames[i]);
            if (used != null) checkOneObject(insns[i], used);
            checkElementMoved(insns[i], frames[i]);
        }
        MethodNode copy = ClassFiles.copy(method);
        AbstractInsnNode[] copies = copy.instructions.toArray();
        Map<AbstractInsnNode, MutableClass> made = new IdentityHashMap<>(); // the sites, in the copy
        Map<AbstractInsnNode, AbstractInsnNode> original = new IdentityHashMap<>();
        Map<AbstractInsnNode, InsnList> finals = new IdentityHashMap<>(); // what an instruction kept for the check becomes
        java.util.Set<AbstractInsnNode> containersCopied = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        Map<AbstractInsnNode, MutableClass> indices = new IdentityHashMap<>(); // in the copy, elements read from lists
        for (int i = 0; i < insns.length; i++) {
            if (sites.containsKey(insns[i]) || arrays.containsKey(insns[i])) {
                made.put(copies[i], sites.containsKey(insns[i]) ? sites.get(insns[i]) : arrays.get(insns[i]));
            }
            if (containers.contains(insns[i])) containersCopied.add(copies[i]);
            original.put(copies[i], insns[i]);
            if (frames[i] == null) continue;
            InsnList before = keptUntilChecked(insns[i], frames[i], finals, copies[i]);
            if (before != null) { // the instruction stays until the check below
                copy.instructions.insertBefore(copies[i], before);
                continue;
            }
            InsnList instead = rewrite(insns[i], copies[i], frames[i]);
            if (instead == null) continue;
            ListOp op = ListOp.of(insns[i]);
            if ((op == ListOp.GET || op == ListOp.NEXT) && used(insns[i], frames[i]) != null) { // its last instruction pushes the index
                AbstractInsnNode list = op == ListOp.GET ? groupOf(used(insns[i], frames[i])) : listOf(used(insns[i], frames[i]));
                readFrom.put(instead.getLast(), list);
                indices.put(instead.getLast(), flow.listClass(list));
            }
            copy.instructions.insert(copies[i], instead);
            // a new stays (its zeroed fields after it): the check below still needs it
            if (!sites.containsKey(insns[i]) && !ListOp.isList(insns[i])) copy.instructions.remove(copies[i]);
        }
        for (AbstractInsnNode insn : copy.instructions.toArray()) {
            if (insn.getType() == AbstractInsnNode.FRAME) copy.instructions.remove(insn); // they name the objects' types
        }
        copy.maxLocals = maxLocals;
        copy.maxStack = method.maxStack + 6; // a field's zero (two slots for a double); an element's field stored; a list grown
        checkFresh(copy, made, containersCopied, indices, original);
        for (Map.Entry<AbstractInsnNode, MutableClass> site : made.entrySet()) {
            if (site.getKey().getOpcode() == Opcodes.NEW) {
                copy.instructions.set(site.getKey(), new InsnNode(Opcodes.ACONST_NULL)); // the object is null from now on
            }
        }
        for (AbstractInsnNode list : containersCopied) {
            if (ListOp.isList(list)) copy.instructions.set(list, new InsnNode(Opcodes.ACONST_NULL)); // so is the list
        }
        for (Map.Entry<AbstractInsnNode, InsnList> kept : finals.entrySet()) {
            copy.instructions.insert(kept.getKey(), kept.getValue());
            copy.instructions.remove(kept.getKey());
        }
        try {
            DeadCode.remove(owner, copy); // the inlined receivers' null checks, now that none is null
        } catch (AnalyzerException e) {
            throw new Kept(null, "rewrite rejected: " + e.getMessage());
        }
        return copy;
    }

    /**
     * The lists (and their iterators) nothing followed is added to, as far as the last analysis
     * found: a {@code List<String>}, or one whose objects are kept. Left as they are.
     */
    private java.util.Set<AbstractInsnNode> holdingNone() {
        java.util.Set<AbstractInsnNode> none = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (AbstractInsnNode c : containers) {
            if (ListOp.isList(c) ? flow.listClass(c) == null : flow.iterated(c).stream().allMatch(l -> flow.listClass(l) == null)) {
                none.add(c);
            }
        }
        return none;
    }

    /** Times the method is analysed again as groups of sites grow (each pass joins at least two). */
    private static final int GROUPING_PASSES = 4;

    /** Each site's group: its representative, whose home the group's objects share. */
    private final PlaceGroups groups = new PlaceGroups();

    private AbstractInsnNode group(AbstractInsnNode site) {
        return groups.of(site);
    }

    /** Joins the sites of one class that meet in an object used here; whether any group grew. */
    private boolean grouped(Frame<MutableFlow.Ref>[] frames) {
        boolean grew = false;
        AbstractInsnNode[] insns = method.instructions.toArray();
        for (int i = 0; i < insns.length; i++) {
            MutableFlow.Ref used = frames[i] == null ? null : used(insns[i], frames[i]);
            if (used == null || used.other()) continue;
            MutableFlow.Kind kind = MutableFlow.kindOf(used);
            if (kind != MutableFlow.Kind.OBJECT && kind != MutableFlow.Kind.ARRAY && kind != MutableFlow.Kind.LIST) {
                continue; // an element is its index; an iterator's site is its own
            }
            AbstractInsnNode first = null;
            for (AbstractInsnNode s : used.sites()) {
                if (first == null) {
                    first = group(s);
                } else if (group(s) != first && classOfSite(s) == classOfSite(first)) {
                    groups.join(first, s);
                    grew = true;
                }
            }
        }
        return grew;
    }

    private MutableClass classOfSite(AbstractInsnNode site) {
        MutableClass c = sites.get(site);
        if (c == null) c = arrays.get(site);
        return c != null || !ListOp.isList(site) ? c : flow.listClass(site);
    }

    /**
     * The group of the array or list sites an element was read from, or null when they are in
     * several (or the element may be something else). Found in the frames the rewrite is made from.
     */
    private AbstractInsnNode containerOf(MutableFlow.Ref element) {
        if (element.other() || MutableFlow.kindOf(element) != MutableFlow.Kind.ELEMENT) return null;
        AbstractInsnNode g = null;
        for (AbstractInsnNode read : element.sites()) {
            AbstractInsnNode a = containerOf(read);
            if (a == null || g != null && a != g) return null;
            g = a;
        }
        return g;
    }

    /** The group of the array or list an element was read from at {@code read} (of the method, or a list's in the copy). */
    private AbstractInsnNode containerOf(AbstractInsnNode read) {
        if (readFrom.containsKey(read)) return readFrom.get(read);
        int at = method.instructions.indexOf(read);
        Frame<MutableFlow.Ref> f = at < 0 ? null : frames[at];
        if (f == null) return null;
        int top = f.getStackSize() - 1;
        return ListOp.of(read) == ListOp.NEXT ? listOf(f.getStack(top)) : groupOf(f.getStack(top - 1)); // aaload, get
    }

    /** The group of the list an iterator iterates over, or null when not one. */
    private AbstractInsnNode listOf(MutableFlow.Ref iterator) {
        AbstractInsnNode it = groupOf(iterator);
        return it == null || ListOp.of(it) != ListOp.ITERATOR ? null : iteratorOver(it);
    }


    /** The group all of a value's sites are in, or null when they are in several. */
    private AbstractInsnNode groupOf(MutableFlow.Ref v) {
        AbstractInsnNode g = null;
        for (AbstractInsnNode s : v.sites()) {
            if (g == null) g = group(s);
            else if (group(s) != g) return null;
        }
        return g;
    }

    /** The method analysed, with the homes of its objects' reference fields in its frames. */
    private Frame<MutableFlow.Ref>[] analysed() {
        return analysed(flow);
    }

    private Frame<MutableFlow.Ref>[] analysed(org.objectweb.asm.tree.analysis.Interpreter<MutableFlow.Ref> interpreter) {
        Frame<MutableFlow.Ref>[] frames;
        int written = method.maxLocals;
        method.maxLocals = maxLocals; // the frames hold the homes, as the rewrite will
        try {
            frames = new Analyzer<>(interpreter) {
                @Override
                protected Frame<MutableFlow.Ref> newFrame(int locals, int stack) {
                    return new FieldFrame(locals, stack);
                }

                @Override
                protected Frame<MutableFlow.Ref> newFrame(Frame<? extends MutableFlow.Ref> f) {
                    FieldFrame copy = new FieldFrame(f.getLocals(), f.getMaxStackSize());
                    copy.init(f);
                    return copy;
                }
            }.analyze(owner, method);
        } catch (AnalyzerException e) {
            if (e.getCause() instanceof Kept k) throw k;
            throw new Kept(null, e.getMessage());
        } finally {
            method.maxLocals = written;
        }
        return frames;
    }

    /**
     * A frame in which a field of an object made here whose class is followed is a local
     * (its home's): {@code putfield} of a reference stores the value there, {@code getfield}
     * reads it back, and a {@code new} sets its class's to null. So an object held in
     * another's field is followed as one held in a local.
     */
    private final class FieldFrame extends Frame<MutableFlow.Ref> {
        FieldFrame(int locals, int stack) {
            super(locals, stack);
        }

        @Override
        public void execute(AbstractInsnNode insn, org.objectweb.asm.tree.analysis.Interpreter<MutableFlow.Ref> interpreter)
                throws AnalyzerException {
            int op = insn.getOpcode();
            int top = getStackSize() - 1;
            if (op == Opcodes.GETFIELD && home(getStack(top), (FieldInsnNode) insn) >= 0) {
                int home = home(pop(), (FieldInsnNode) insn);
                push(getLocal(home));
                return;
            }
            if (op == Opcodes.PUTFIELD && home(getStack(top - 1), (FieldInsnNode) insn) >= 0) {
                MutableFlow.Ref value = pop();
                setLocal(home(pop(), (FieldInsnNode) insn), value);
                return;
            }
            super.execute(insn, interpreter);
            if (sites.containsKey(insn)) {
                MutableClass c = sites.get(insn);
                for (int k = 0; k < c.fields().size(); k++) {
                    if (isReference(c.fields().get(k))) setLocal(MutableRewrite.this.home(insn)[k], MutableFlow.Ref.ONE);
                }
            }
        }

        /** The home local of a reference field of the object, if it is one of one group of sites; else -1. */
        private int home(MutableFlow.Ref object, FieldInsnNode field) {
            AbstractInsnNode g = !object.isObject() || object.other() || Type.getType(field.desc).getSort() < Type.ARRAY
                    ? null : groupOf(object);
            if (g == null || !sites.containsKey(g)) return -1; // an element's fields are numbers (ElementCode)
            MutableClass.Field f = sites.get(g).field(field.owner, field.name);
            return f == null ? -1 : MutableRewrite.this.home(g)[sites.get(g).fields().indexOf(f)];
        }
    }

    private static boolean isReference(MutableClass.Field f) {
        return Type.getType(f.node().desc).getSort() >= Type.ARRAY;
    }

    /** The object an instruction this pass rewrites works on, or null. */
    private MutableFlow.Ref used(AbstractInsnNode insn, Frame<MutableFlow.Ref> f) {
        int op = insn.getOpcode();
        int top = f.getStackSize() - 1;
        MutableFlow.Ref v = switch (op) {
            case Opcodes.GETFIELD, Opcodes.IFNULL, Opcodes.IFNONNULL, Opcodes.INSTANCEOF, Opcodes.CHECKCAST, Opcodes.ARRAYLENGTH ->
                    f.getStack(top);
            case Opcodes.PUTFIELD, Opcodes.AALOAD -> f.getStack(top - 1);
            case Opcodes.AASTORE -> f.getStack(top - 2);
            case Opcodes.INVOKESPECIAL, Opcodes.INVOKESTATIC -> MutableFlow.isObjectConstructor(insn) || isNullCheck(insn)
                    ? f.getStack(top) : null;
            default -> null;
        };
        if (ListOp.of(insn) != null) { // a list's or an iterator's method: on the list or iterator
            v = f.getStack(top - Type.getArgumentTypes(((MethodInsnNode) insn).desc).length);
            if (!v.isObject() || !containers.containsAll(v.sites())) return null;
        }
        return v != null && v.isObject() ? v : null;
    }

    /** Where an object is used, it is the one made at one site: not maybe null, nor one of several. */
    private void checkOneObject(AbstractInsnNode insn, MutableFlow.Ref used) {
        if (used.other()) throw flow.kept(insn, used, "may be null or an object from elsewhere (a parameter, a field, a call)");
        if (MutableFlow.kindOf(used) == MutableFlow.Kind.ELEMENT) {
            if (containerOf(used) == null) {
                throw flow.kept(insn, used, "may be an element of one of several arrays or lists: grad4j follows an "
                        + "element read from one array or list (or from those of one place it is made)");
            }
            return;
        }
        if (groupOf(used) == null) {
            java.util.TreeSet<Integer> made = new java.util.TreeSet<>();
            for (AbstractInsnNode s : used.sites()) made.add(lines.getOrDefault(s, 0));
            throw flow.kept(insn, used, "may be one of several objects (made on lines " + made + "): grad4j follows an "
                    + "object held where it is used by one variable, made in one place");
        }
    }

    /**
     * Where a site makes its object again, none made there before may still be in use: no
     * local (a home included) holding one is read later, none waits on the operand stack.
     * Then every reference to the site's objects is to the latest, and one home serves them
     * all. Checked on the rewritten method, where the fields are locals.
     */
    private void checkFresh(MethodNode copy, Map<AbstractInsnNode, MutableClass> made,
                            java.util.Set<AbstractInsnNode> lists, Map<AbstractInsnNode, MutableClass> indices,
                            Map<AbstractInsnNode, AbstractInsnNode> original) {
        MutableFlow again = new MutableFlow(made, lists, indices, ValueObjects.lines(copy), whyNotInlined);
        Frame<MutableFlow.Ref>[] frames;
        BitSet[] live;
        try {
            frames = new Analyzer<>(again).analyze(owner, copy);
            live = LocalLiveness.before(owner, copy);
        } catch (AnalyzerException e) {
            if (e.getCause() instanceof Kept k) throw k;
            throw new Kept(null, e.getMessage());
        }
        AbstractInsnNode[] insns = copy.instructions.toArray();
        for (int i = 0; i < insns.length; i++) {
            AbstractInsnNode site = insns[i];
            Frame<MutableFlow.Ref> f = frames[i];
            if (f == null) continue;
            ListOp op = ListOp.of(site);
            if (site.getOpcode() == Opcodes.AASTORE && original.get(site) != null && made.containsKey(followedSite(f, 2))
                    || (op == ListOp.ADD || op == ListOp.SET) && lists.contains(followedSite(f, op == ListOp.ADD ? 1 : 2))) {
                checkMoved(again, site, f, live[i], original);
            }
            if (!made.containsKey(site) && !lists.contains(site)) continue;
            MutableFlow.Ref it = new MutableFlow.Ref(1, java.util.Set.of(site), false);
            AbstractInsnNode g = group(original.get(site));
            for (int l = 0; l < f.getLocals(); l++) {
                if (live[i].get(l) && (inGroup(f.getLocal(l), g, original) || readFromContainer(f.getLocal(l), g, original))) {
                    String what = ListOp.isList(site) ? "list" : ListOp.of(site) == ListOp.ITERATOR ? "iterator"
                            : site.getOpcode() == Opcodes.NEW ? "object" : "array";
                    throw again.kept(site, it, "made", "is made while another it shares a home with is still in use (one "
                            + "made at the same place before, in a loop, or one chosen with it, as in c ? a : b): grad4j "
                            + "keeps one " + what + " per place it is made; keep what you need of the earlier one in "
                            + "local variables (double lastX = last.x) rather than the " + what);
                }
            }
            for (int s = 0; s < f.getStackSize(); s++) {
                if (inGroup(f.getStack(s), g, original) || readFromContainer(f.getStack(s), g, original)) {
                    throw again.kept(site, it, "made", "is made again while the one made there before waits on the "
                            + "operand stack");
                }
            }
        }
    }

    /** The (copied) site of the followed array or list {@code depth} below the top of the stack, or null. */
    private static AbstractInsnNode followedSite(Frame<MutableFlow.Ref> f, int depth) {
        MutableFlow.Ref array = f.getStack(f.getStackSize() - 1 - depth);
        return array.isObject() ? array.sites().iterator().next() : null;
    }

    /**
     * Where an object is stored into an array ({@code bodies[i] = b}), added to a list or set into
     * it, its fields are copied into the container's: the object is moved there, so it may not be
     * used after (no local read later holds it, none waits on the stack); where an element is
     * replaced (a store, {@code set}), no element read before from that container may be in use,
     * since the one at its index may be the one replaced; and where one is added, no iterator over
     * the list may be in use (Java would throw a ConcurrentModificationException at its next
     * {@code next()}).
     */
    private void checkMoved(MutableFlow again, AbstractInsnNode insn, Frame<MutableFlow.Ref> f, BitSet live,
                            Map<AbstractInsnNode, AbstractInsnNode> original) {
        ListOp op = ListOp.of(insn);
        int top = f.getStackSize() - 1;
        int operands = op == ListOp.ADD ? 2 : 3; // (the array or list, the index,) the object
        MutableFlow.Ref object = f.getStack(top);
        MutableFlow.Ref container = f.getStack(top - operands + 1);
        AbstractInsnNode moved = group(original.get(object.sites().iterator().next()));
        AbstractInsnNode into = group(original.get(container.sites().iterator().next()));
        String done = op == null ? "stored into an array" : "added to a list";
        for (int k = 0; k < f.getLocals() + top + 1 - operands; k++) {
            boolean isLocal = k < f.getLocals();
            MutableFlow.Ref v = isLocal ? f.getLocal(k) : f.getStack(k - f.getLocals());
            if (isLocal && !live.get(k)) continue;
            if (inGroup(v, moved, original)) {
                throw again.kept(insn, object, "is used after it is " + done + ": grad4j moves an object into the "
                        + (op == null ? "array it is stored into; use it as the array's element (bodies[i].x) after, or store it last"
                        : "list it is added to; use it as the list's element (bodies.get(i).x) after, or add it last"));
            }
            if (op != ListOp.ADD && readFromContainer(v, into, original)) {
                throw again.kept(insn, container, "has an element replaced while one read from it before is still in use "
                        + "(it may be the one replaced): read the element again after " + (op == null ? "the store" : "set"));
            }
            for (AbstractInsnNode s : v.sites()) {
                AbstractInsnNode it = original.get(s);
                if (op == ListOp.ADD && it != null && ListOp.of(it) == ListOp.ITERATOR && iteratorOver(it) == into) {
                    throw again.kept(insn, container, "is added to while it is iterated over (Java throws a "
                            + "ConcurrentModificationException there)");
                }
            }
        }
    }

    /** The group of the list an iterator site iterates over. */
    private AbstractInsnNode iteratorOver(AbstractInsnNode iterator) {
        Frame<MutableFlow.Ref> f = frames[method.instructions.indexOf(iterator)];
        return f == null ? null : groupOf(f.getStack(f.getStackSize() - 1));
    }

    /** Whether a value (of the rewritten method) may be an element read from the array or list of group {@code g}. */
    private boolean readFromContainer(MutableFlow.Ref v, AbstractInsnNode g, Map<AbstractInsnNode, AbstractInsnNode> original) {
        for (AbstractInsnNode s : v.sites()) {
            AbstractInsnNode read = readFrom.containsKey(s) ? s : s.getOpcode() == Opcodes.AALOAD ? original.get(s) : null;
            if (read != null && containerOf(read) == g) return true;
        }
        return false;
    }

    /** Whether a value (of the rewritten method) may be an object of group {@code g}: its objects share one home. */
    private boolean inGroup(MutableFlow.Ref v, AbstractInsnNode g, Map<AbstractInsnNode, AbstractInsnNode> original) {
        for (AbstractInsnNode s : v.sites()) if (group(original.get(s)) == g) return true;
        return false;
    }

    /**
     * Elements move as their index: where one is stored or loaded it is an element of one array or
     * list (not maybe null or an object: the slot is an {@code int} there), and never into a field.
     */
    private void checkElementMoved(AbstractInsnNode insn, Frame<MutableFlow.Ref> f) {
        int top = f.getStackSize() - 1;
        MutableFlow.Ref v = switch (insn.getOpcode()) {
            case Opcodes.ALOAD -> f.getLocal(((VarInsnNode) insn).var);
            case Opcodes.ASTORE -> f.getStack(top);
            case Opcodes.PUTFIELD -> {
                MutableFlow.Ref value = f.getStack(top);
                if (holdsElement(value)) {
                    throw flow.kept(insn, value, "is stored into a field of an object: grad4j follows an element of an "
                            + "array in local variables");
                }
                yield null;
            }
            case Opcodes.IF_ACMPEQ, Opcodes.IF_ACMPNE -> {
                for (MutableFlow.Ref side : new MutableFlow.Ref[] {f.getStack(top - 1), f.getStack(top)}) {
                    if (side.isObject() && containerOf(side) == null) checkOneObject(insn, side);
                }
                yield null;
            }
            case Opcodes.INVOKEINTERFACE, Opcodes.INVOKEVIRTUAL -> {
                ListOp op = ListOp.of(insn);
                if ((op == ListOp.ADD || op == ListOp.SET) && used(insn, f) != null) {
                    if (groupOf(f.getStack(top)) == null) checkOneObject(insn, f.getStack(top));
                    checkFieldsMoved(insn, f, f.getStack(top));
                    AbstractInsnNode next = insn.getNext();
                    while (next != null && next.getOpcode() < 0) next = next.getNext();
                    if (op == ListOp.SET && (next == null || next.getOpcode() != Opcodes.POP)) {
                        throw flow.kept(insn, used(insn, f), "has an element replaced by set, whose result (the element "
                                + "replaced) is used: grad4j follows set only as a statement");
                    }
                }
                yield null;
            }
            case Opcodes.AASTORE -> {
                MutableFlow.Ref object = f.getStack(top);
                if (!object.isObject()) yield null;
                if (groupOf(object) == null) checkOneObject(insn, object);
                checkFieldsMoved(insn, f, object);
                yield null;
            }
            default -> null;
        };
        if (v != null && holdsElement(v) && containerOf(v) == null) {
            throw flow.kept(insn, v, "may be an element of an array or list, or something else (null, an object, an "
                    + "element of another array or list): grad4j follows a variable holding elements of one array or list only");
        }
    }

    /**
     * An object moved into an array or list: its reference fields' values go into arrays of
     * their type, so none may hold an object (an array, a list) this pass replaces.
     */
    private void checkFieldsMoved(AbstractInsnNode insn, Frame<MutableFlow.Ref> f, MutableFlow.Ref object) {
        MutableClass c = sites.get(groupOf(object));
        int[] home = home(groupOf(object));
        for (int k = 0; k < home.length; k++) {
            if (isReference(c.fields().get(k)) && f.getLocal(home[k]).isObject()) {
                throw flow.kept(insn, object, "is stored into an array or list while its field " + c.fields().get(k).node().name
                        + " holds an object made here (grad4j follows elements whose fields are numbers, arrays or records)");
            }
        }
    }

    private static boolean holdsElement(MutableFlow.Ref v) {
        for (AbstractInsnNode s : v.sites()) {
            if (s.getOpcode() == Opcodes.AALOAD || ListOp.of(s) == ListOp.GET || ListOp.of(s) == ListOp.NEXT) return true;
        }
        return false;
    }

    /** The instructions for the elements of an array or list (the group of its sites). */
    private ElementCode code(AbstractInsnNode container) {
        return new ElementCode(classOfSite(container), temps, ListOp.isList(container)); // a list's elements are never null
    }

    private ListCode listCode(AbstractInsnNode list) {
        return new ListCode(classOfSite(list), temps);
    }

    /**
     * The instructions before an {@code anewarray} of a followed class, an {@code aaload} or
     * {@code aastore} of a followed array (see {@link ElementCode}), or an {@code add}, {@code
     * set} or {@code iterator()} of a followed list ({@link ListCode}), which stays until the
     * check of the rewritten method and then becomes what {@code finals} says; null for any
     * other instruction.
     */
    private InsnList keptUntilChecked(AbstractInsnNode insn, Frame<MutableFlow.Ref> f, Map<AbstractInsnNode, InsnList> finals,
                                      AbstractInsnNode copied) {
        int top = f.getStackSize() - 1;
        InsnList before;
        InsnList then = new InsnList();
        ListOp op = ListOp.of(insn);
        if (op == ListOp.ADD || op == ListOp.SET || op == ListOp.ITERATOR) {
            MutableFlow.Ref on = used(insn, f);
            if (on == null) return null;
            AbstractInsnNode list = groupOf(on);
            switch (op) {
                case ADD -> {
                    before = listCode(list).added(home(list), home(groupOf(f.getStack(top))));
                    then.add(new InsnNode(Opcodes.POP2));
                    then.add(new InsnNode(Opcodes.ICONST_1)); // true, as ArrayList.add returns
                }
                case SET -> {
                    before = listCode(list).replaced(home(list), home(groupOf(f.getStack(top))));
                    then.add(new InsnNode(Opcodes.POP));
                    then.add(new InsnNode(Opcodes.POP2));
                    then.add(new InsnNode(Opcodes.ACONST_NULL)); // the element replaced, which is popped
                }
                default -> { // iterator(): its cursor at the start
                    before = new InsnList();
                    before.add(new InsnNode(Opcodes.ICONST_0));
                    before.add(new VarInsnNode(Opcodes.ISTORE, cursors.get(insn)));
                    then.add(new InsnNode(Opcodes.POP));
                    then.add(new InsnNode(Opcodes.ACONST_NULL)); // the iterator is null from now on
                }
            }
            finals.put(copied, then);
            return before;
        }
        switch (insn.getOpcode()) {
            case Opcodes.ANEWARRAY -> {
                if (!arrays.containsKey(insn)) return null;
                before = code(insn).made(home(insn));
                then.add(new InsnNode(Opcodes.POP));
                then.add(new InsnNode(Opcodes.ACONST_NULL)); // the array is null from now on
            }
            case Opcodes.AALOAD -> {
                if (!f.getStack(top - 1).isObject()) return null;
                AbstractInsnNode array = groupOf(f.getStack(top - 1));
                before = code(array).boundsChecked(home(array));
                then.add(new InsnNode(Opcodes.SWAP));
                then.add(new InsnNode(Opcodes.POP)); // the element is its index
            }
            case Opcodes.AASTORE -> {
                if (!f.getStack(top - 2).isObject()) return null;
                AbstractInsnNode array = groupOf(f.getStack(top - 2));
                before = code(array).stored(home(array), home(groupOf(f.getStack(top))));
                for (int k = 0; k < 3; k++) then.add(new InsnNode(Opcodes.POP));
            }
            default -> {
                return null;
            }
        }
        finals.put(copied, then);
        return before;
    }

    /** The instructions for a call on a followed list or iterator that are written in its place, or null. */
    private InsnList listUse(AbstractInsnNode insn, ListOp op, MutableFlow.Ref on) {
        if (op == ListOp.HAS_NEXT || op == ListOp.NEXT) {
            AbstractInsnNode list = listOf(on);
            int cursor = cursors.get(groupOf(on));
            return op == ListOp.HAS_NEXT ? listCode(list).hasNext(home(list), cursor) : listCode(list).next(home(list), cursor);
        }
        AbstractInsnNode list = groupOf(on);
        return switch (op) {
            case INIT -> listCode(list).made(home(list), false);
            case INIT_CAPACITY -> listCode(list).made(home(list), true);
            case GET -> listCode(list).read(home(list));
            case SIZE -> listCode(list).size(home(list), false);
            case IS_EMPTY -> listCode(list).size(home(list), true);
            default -> null;
        };
    }

    /** The instructions for {@code insn} (its copy: {@code copied}), null to keep it. */
    private InsnList rewrite(AbstractInsnNode insn, AbstractInsnNode copied, Frame<MutableFlow.Ref> f) {
        InsnList out = new InsnList();
        if (sites.containsKey(insn)) { // its fields start at their defaults
            MutableClass c = sites.get(insn);
            int[] home = home(insn);
            for (int k = 0; k < home.length; k++) {
                Type t = Type.getType(c.fields().get(k).node().desc);
                out.add(new InsnNode(ValueObjects.zero(t)));
                out.add(new VarInsnNode(t.getOpcode(Opcodes.ISTORE), home[k]));
            }
            return out;
        }
        if (insn.getOpcode() == Opcodes.ALOAD || insn.getOpcode() == Opcodes.ASTORE) { // an element's index moves
            int var = ((VarInsnNode) insn).var;
            MutableFlow.Ref moved = insn.getOpcode() == Opcodes.ALOAD ? f.getLocal(var) : f.getStack(f.getStackSize() - 1);
            if (!holdsElement(moved)) return null;
            out.add(new VarInsnNode(insn.getOpcode() == Opcodes.ALOAD ? Opcodes.ILOAD : Opcodes.ISTORE, var));
            return out;
        }
        if (insn.getOpcode() == Opcodes.IF_ACMPEQ || insn.getOpcode() == Opcodes.IF_ACMPNE) {
            MutableFlow.Ref a = f.getStack(f.getStackSize() - 2);
            MutableFlow.Ref b = f.getStack(f.getStackSize() - 1);
            return MutableFlow.isElementComparison(insn, a, b) ? sameElement((JumpInsnNode) copied, a, b) : null;
        }
        if (ListOp.isList(insn) && containers.contains(insn)) return out; // stays until the check: a null then
        MutableFlow.Ref used = used(insn, f);
        if (used == null) return null;
        if (ListOp.of(insn) != null) return listUse(insn, ListOp.of(insn), used);
        if (MutableFlow.kindOf(used) == MutableFlow.Kind.ELEMENT) return elementUse(insn, copied, used);
        if (MutableFlow.kindOf(used) == MutableFlow.Kind.ARRAY && insn.getOpcode() == Opcodes.ARRAYLENGTH) {
            AbstractInsnNode array = groupOf(used);
            return code(array).length(home(array));
        }
        AbstractInsnNode site = used.sites().iterator().next();
        MutableClass c = sites.get(site);
        switch (insn.getOpcode()) {
            case Opcodes.GETFIELD -> {
                FieldInsnNode get = (FieldInsnNode) insn;
                out.add(new InsnNode(Opcodes.POP));
                out.add(new VarInsnNode(Type.getType(get.desc).getOpcode(Opcodes.ILOAD), home(site)[index(c, get)]));
            }
            case Opcodes.PUTFIELD -> {
                FieldInsnNode put = (FieldInsnNode) insn;
                out.add(new VarInsnNode(Type.getType(put.desc).getOpcode(Opcodes.ISTORE), home(site)[index(c, put)]));
                out.add(new InsnNode(Opcodes.POP));
            }
            case Opcodes.IFNULL -> out.add(new InsnNode(Opcodes.POP)); // never null
            case Opcodes.IFNONNULL -> {
                out.add(new InsnNode(Opcodes.POP));
                out.add(new JumpInsnNode(Opcodes.GOTO, ((JumpInsnNode) copied).label));
            }
            case Opcodes.INSTANCEOF -> {
                out.add(new InsnNode(Opcodes.POP));
                out.add(new InsnNode(c.isA(((TypeInsnNode) insn).desc) ? Opcodes.ICONST_1 : Opcodes.ICONST_0));
            }
            case Opcodes.INVOKESPECIAL -> out.add(new InsnNode(Opcodes.POP)); // Object's constructor
            case Opcodes.CHECKCAST -> {
                if (!c.isA(((TypeInsnNode) insn).desc)) { // (a cast that passes leaves the null where it is)
                    out.add(new InsnNode(Opcodes.POP));
                    out.add(ValueObjects.castThrows(c.name(), ((TypeInsnNode) insn).desc));
                }
            }
            default -> { } // a null check: the null stays where it is
        }
        return out;
    }

    /** {@code a == b} ({@code !=}) of two elements (see {@link ElementCode#identical}). */
    private InsnList sameElement(JumpInsnNode copied, MutableFlow.Ref a, MutableFlow.Ref b) {
        AbstractInsnNode first = containerOf(a);
        AbstractInsnNode second = containerOf(b);
        return first == second ? code(first).identical(home(first), null, null, copied)
                : code(first).identical(home(first), code(second), home(second), copied);
    }

    /** The instructions for a use of an element (its index on the stack): its field arrays at the index. */
    private InsnList elementUse(AbstractInsnNode insn, AbstractInsnNode copied, MutableFlow.Ref element) {
        AbstractInsnNode array = containerOf(element);
        MutableClass c = classOfSite(array);
        int[] home = home(array);
        ElementCode code = code(array);
        return switch (insn.getOpcode()) {
            case Opcodes.GETFIELD -> code.read(home, index(c, (FieldInsnNode) insn));
            case Opcodes.PUTFIELD -> code.write(home, index(c, (FieldInsnNode) insn));
            case Opcodes.IFNULL, Opcodes.IFNONNULL -> Inliner.isReceiverCheck((JumpInsnNode) insn)
                    ? code.requiredSet(home, (JumpInsnNode) copied)
                    : code.nullTest(home, (JumpInsnNode) copied);
            case Opcodes.INSTANCEOF -> {
                if (c.isA(((TypeInsnNode) insn).desc)) yield code.isSet(home);
                InsnList out = new InsnList();
                out.add(new InsnNode(Opcodes.POP));
                out.add(new InsnNode(Opcodes.ICONST_0));
                yield out;
            }
            case Opcodes.INVOKESTATIC -> code.requiredNonNull(home); // Objects.requireNonNull
            case Opcodes.CHECKCAST -> {
                if (c.isA(((TypeInsnNode) insn).desc)) yield new InsnList(); // a cast that passes (null too)
                InsnList out = new InsnList();
                out.add(new InsnNode(Opcodes.POP));
                out.add(ValueObjects.castThrows(c.name(), ((TypeInsnNode) insn).desc));
                yield out;
            }
            default -> new InsnList();
        };
    }

    private static int index(MutableClass c, FieldInsnNode insn) {
        return c.fields().indexOf(c.field(insn.owner, insn.name));
    }

    /** The home of a site's objects: its group's. */
    private int[] home(AbstractInsnNode site) {
        return homes.get(group(site));
    }
}
