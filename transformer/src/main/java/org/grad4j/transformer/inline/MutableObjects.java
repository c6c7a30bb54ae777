package org.grad4j.transformer.inline;

import static org.grad4j.transformer.inline.ValueObjects.simpleName;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.grad4j.transformer.read.ClassFiles;
import org.grad4j.transformer.read.ClassHierarchy;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.analysis.Analyzer;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.Frame;

/**
 * Scalar replacement of objects of mutable classes made in the method: a Welford accumulator
 * ({@code w.add(x)} updating {@code n}, {@code mean}, {@code m2}), a filter's state, a builder
 * ({@code new Option().spot(s).vol(v)}), a simulator's particle. An object cannot carry a
 * derivative (it has no shadow fields), so a differentiable value stored into its field is
 * refused; replaced by its fields in locals, it is plain code on locals, which the rest of the
 * pipeline differentiates. Its methods must have been inlined first ({@link Inliner}).
 *
 * <p>Works on bytecode, before lifting, and before {@link ValueObjects} (a {@code Vec2} held in
 * a particle's field then sits in a local, where that pass follows it). Unlike a value object,
 * a mutable object may not be copied: every reference to it must see its writes. So each {@code
 * new} (its site) gets one home, a local per field, and the object itself becomes {@code null},
 * which moves through locals and the operand stack as the object did; its constructor runs in
 * place (inlined, {@code this} being that null), a field read or write is a load or store of the
 * home's local. That is exact while every reference to an object of the site is to the latest
 * one made there: where the {@code new} runs again, no local holding the one made before may be
 * read later ({@link LocalLiveness}), and every use of an object comes from one site, or from one
 * group of sites of one class chosen between ({@code c ? new T(a) : new T(b)}), which share a home
 * and are checked as one. Any
 * other use — passed to a call not inlined, stored into a field or array, returned, compared,
 * captured by a lambda, merged with null or an object from elsewhere — leaves the class's objects
 * as they are, and says why ({@link ValueObjects.Replaced#whyKept}).
 */
public final class MutableObjects {
    private MutableObjects() {}

    /** Constructors calling constructors (a superclass's, {@code this(...)}) are followed this many levels deep. */
    private static final int CONSTRUCTOR_DEPTH = 4;

    /** A class whose objects are kept, or a use this pass does not follow. */
    static final class Kept extends RuntimeException {
        /** The class; null when the method as a whole is not followed (or only {@link #dropped}). */
        final MutableClass of;
        /** Lists (and iterators) holding none of the objects followed, used in a way not followed: to leave as they are. */
        final java.util.Set<AbstractInsnNode> dropped;

        Kept(MutableClass of, String how) {
            this(of, how, java.util.Set.of());
        }

        Kept(MutableClass of, String how, java.util.Set<AbstractInsnNode> dropped) {
            super(how, null, false, false);
            this.of = of;
            this.dropped = dropped;
        }
    }

    /**
     * The method with the objects it makes of mutable classes replaced by their fields ({@code
     * method} itself when there are none, or all are kept), and why each class kept was kept.
     *
     * @param whyNotInlined why a method the method calls was not inlined, in words (": it is recursive"), "" when not known
     */
    public static ValueObjects.Replaced replace(String owner, MethodNode method, Function<String, ClassNode> classes,
                                                ClassHierarchy hierarchy, Function<MethodInsnNode, String> whyNotInlined) {
        return replace(owner, method, classes, hierarchy, whyNotInlined, call -> null, java.util.Set.of());
    }

    /**
     * @param helpers the body to inline for a call a constructor makes on its object ({@code
     *     setMass(m)}, made exact), null to keep it a call
     * @param valuesFollowed final value classes to follow here too, which are otherwise left to
     *     {@link ValueObjects}: those it kept ({@code pts.add(new Point(x, y))}: a list of records,
     *     which this pass holds as an array per field)
     */
    public static ValueObjects.Replaced replace(String owner, MethodNode method, Function<String, ClassNode> classes,
                                                ClassHierarchy hierarchy, Function<MethodInsnNode, String> whyNotInlined,
                                                Function<MethodInsnNode, MethodNode> helpers, java.util.Set<String> valuesFollowed) {
        Map<String, String> kept = new LinkedHashMap<>();
        java.util.Set<String> followed = new java.util.HashSet<>(written(method));
        followed.addAll(valuesFollowed);
        Candidates candidates = new Candidates(classes, hierarchy, kept, followed);
        candidates.scan(method);
        if (candidates.found.isEmpty()) return new ValueObjects.Replaced(method, kept);
        if (!method.tryCatchBlocks.isEmpty()) {
            for (String c : candidates.found.keySet()) kept.put(c, "the " + simpleName(c) + " is made in a method with a try block");
            return new ValueObjects.Replaced(method, kept);
        }
        ClassNode ownerNode = classes.apply(owner);
        while (!candidates.found.isEmpty()) {
            try {
                MethodNode inPlace = withConstructorsInlined(ownerNode, method, candidates, hierarchy, classes, helpers);
                return new ValueObjects.Replaced(new MutableRewrite(owner, inPlace, candidates.found, whyNotInlined).run(), kept);
            } catch (Kept k) {
                if (k.of == null) return new ValueObjects.Replaced(method, kept);
                kept.put(k.of.name(), k.getMessage()); // and not found again: the others are tried again
                candidates.found.remove(k.of.name());
            }
        }
        return new ValueObjects.Replaced(method, kept);
    }

    /** The classes whose objects the method makes that may be followed, found as constructors are inlined. */
    private static final class Candidates {
        private final Function<String, ClassNode> classes;
        private final ClassHierarchy hierarchy;
        private final Map<String, String> kept;
        final Map<String, MutableClass> found = new LinkedHashMap<>();
        private final java.util.Set<String> rejected = new java.util.HashSet<>();

        /** The classes whose fields the method writes (its helpers inlined): value classes among them are followed here. */
        private final java.util.Set<String> written;

        Candidates(Function<String, ClassNode> classes, ClassHierarchy hierarchy, Map<String, String> kept,
                   java.util.Set<String> written) {
            this.classes = classes;
            this.hierarchy = hierarchy;
            this.kept = kept;
            this.written = written;
        }

        /** Whether a constructor of the class takes an object of the program's that is not a value object itself. */
        private boolean madeFromObjects(String name) {
            ClassNode c = classes.apply(name);
            if (c == null) return false;
            for (MethodNode m : c.methods) {
                if (!m.name.equals("<init>")) continue;
                for (Type t : Type.getArgumentTypes(m.desc)) {
                    if (t.getSort() == Type.OBJECT && !org.grad4j.transformer.analysis.CallResolver.isJdk(t.getInternalName())
                            && !ValueObjects.isValueClass(t.getInternalName(), classes)) {
                        return true;
                    }
                }
            }
            return false;
        }

        /** Adds the classes of the method's {@code new}s (a constructor inlined may make more: {@code final Inner in = new Inner()}). */
        void scan(MethodNode method) {
            for (AbstractInsnNode insn : method.instructions) {
                if (insn.getOpcode() != Opcodes.NEW) continue;
                String name = ((TypeInsnNode) insn).desc;
                if (found.containsKey(name) || kept.containsKey(name) || rejected.contains(name)) continue;
                // a final class of fields its constructor sets is a value class, left to ValueObjects (which copies its
                // objects), unless the method writes its fields (q.v -= q.x * dt) or it is made from an object that
                // is not a value (an Effective Java builder's new Option(this)); a value class that is not final is
                // tried here first, and ValueObjects takes those this pass keeps (z = z.times(z).plus(c))
                ClassNode node = classes.apply(name);
                boolean value = !written.contains(name) && node != null && (node.access & Opcodes.ACC_FINAL) != 0
                        && ValueObjects.isValueClass(name, classes) && !madeFromObjects(name);
                MutableClass c = value ? null : MutableClass.of(name, classes, hierarchy, kept);
                if (c != null) found.put(name, c);
                else rejected.add(name);
            }
        }
    }

    /** The owners of the fields the method stores into (constructors not inlined yet: their stores are not counted). */
    private static java.util.Set<String> written(MethodNode method) {
        java.util.Set<String> owners = new java.util.HashSet<>();
        for (AbstractInsnNode insn : method.instructions) {
            if (insn.getOpcode() == Opcodes.PUTFIELD) owners.add(((FieldInsnNode) insn).owner);
        }
        return owners;
    }

    /**
     * The method with the constructors of the candidates' classes (and of their superclasses,
     * called from those) inlined where they are called, so that {@code this} in them is the
     * object made here; objects a constructor makes become candidates too.
     */
    private static MethodNode withConstructorsInlined(ClassNode owner, MethodNode method, Candidates candidates,
                                                      ClassHierarchy hierarchy, Function<String, ClassNode> classes,
                                                      Function<MethodInsnNode, MethodNode> helpers) {
        MethodNode at = method;
        for (int round = 0; round < CONSTRUCTOR_DEPTH; round++) {
            candidates.scan(at);
            Map<String, MutableClass> byChainClass = new java.util.HashMap<>();
            for (MutableClass c : candidates.found.values()) for (ClassNode k : c.chain()) byChainClass.putIfAbsent(k.name, c);
            // what a constructor inlined last round calls on its object (this.setMass(m)) runs its class's body
            ExactReceivers.Devirtualised exact = ExactReceivers.devirtualised(owner.name, at, classes);
            MethodNode current = exact.method();
            // the types beneath a call, only for a body with a loop (see Inliner), computed once if at all
            Frame<org.objectweb.asm.tree.analysis.BasicValue>[][] frames = new Frame[1][];
            MethodNode next = Inliner.inline(current, call -> {
                // (only the calls made exact: another of the same method may dispatch elsewhere)
                if (call.getOpcode() == Opcodes.INVOKESPECIAL && exact.calls().contains(call.owner + "." + call.name + call.desc)) {
                    return helpers.apply(call);
                }
                if (call.getOpcode() != Opcodes.INVOKESPECIAL || !call.name.equals("<init>")) return null;
                MutableClass c = byChainClass.get(call.owner);
                if (c == null) return null;
                MethodNode init = c.constructor(call.owner, call.desc);
                String why = MutableClass.whyNotInPlace(init);
                if (why != null) {
                    throw new Kept(c, "the " + simpleName(c.name()) + " has a constructor grad4j cannot run where the object is "
                            + "made (" + simpleName(call.owner) + "'s: " + why + ")");
                }
                return init;
            }, insn -> {
                if (frames[0] == null) frames[0] = typesOf(owner, current, hierarchy);
                return frames[0].length == 0 ? null : stackBelow(owner.name, current, frames[0], (MethodInsnNode) insn,
                        candidates.found.keySet());
            });
            next = ExactReceivers.restored(next, exact.calls());
            if (next == current) return at;
            at = next;
        }
        candidates.scan(at);
        return at;
    }

    /**
     * The types of a method's stack and locals before each instruction; none (an empty array) when
     * they cannot be found: a method whose inlined bodies share locals of different types the
     * verifier's merge cannot follow (its calls with loops then stay calls, and their objects objects).
     */
    @SuppressWarnings("unchecked")
    private static Frame<org.objectweb.asm.tree.analysis.BasicValue>[] typesOf(ClassNode owner, MethodNode method,
                                                                              ClassHierarchy hierarchy) {
        try {
            return ClassFiles.frames(owner, method, hierarchy);
        } catch (org.grad4j.TransformException e) {
            return new Frame[0];
        }
    }

    /**
     * The types beneath a call's operands, bottom first: a body with a loop runs with an empty
     * operand stack (see {@link Inliner#inline}), what waits beneath going to locals. An object
     * under construction there may go to a local only if it is one of the candidates' (it is
     * {@code null} once the pass is done); another's ({@code new V2(x, new Op().ap(y))}, V2 left to
     * ValueObjects or to the JVM) keeps the call a call: null.
     */
    private static Type[] stackBelow(String owner, MethodNode method, Frame<org.objectweb.asm.tree.analysis.BasicValue>[] frames,
                                     MethodInsnNode call, java.util.Set<String> candidates) {
        int at = method.instructions.indexOf(call);
        Frame<org.objectweb.asm.tree.analysis.BasicValue> f = frames[at];
        if (f == null) return null;
        Type[] below = new Type[f.getStackSize() - Type.getArgumentTypes(call.desc).length - 1];
        Frame<org.objectweb.asm.tree.analysis.SourceValue>[] sources = null;
        for (int i = 0; i < below.length; i++) {
            below[i] = f.getStack(i).getType();
            if (below[i].getSort() != Type.OBJECT) continue;
            if (sources == null) {
                try {
                    sources = new Analyzer<>(new org.objectweb.asm.tree.analysis.SourceInterpreter()).analyze(owner, method);
                } catch (AnalyzerException e) {
                    return null;
                }
            }
            if (madeElsewhere(sources[at].getStack(i), sources, method, candidates, 0)) return null;
        }
        return below;
    }

    /**
     * Whether a stack value may be an object under construction not of a candidate class: made
     * by a {@code new} of another class, or a copy ({@code dup}) of one, followed back.
     */
    private static boolean madeElsewhere(org.objectweb.asm.tree.analysis.SourceValue v,
                                         Frame<org.objectweb.asm.tree.analysis.SourceValue>[] sources, MethodNode method,
                                         java.util.Set<String> candidates, int depth) {
        for (AbstractInsnNode insn : v.insns) {
            int op = insn.getOpcode();
            if (op == Opcodes.NEW && !candidates.contains(((TypeInsnNode) insn).desc)) return true;
            if (op >= Opcodes.DUP && op <= Opcodes.SWAP) { // the value it copied: the top of the stack before it
                Frame<org.objectweb.asm.tree.analysis.SourceValue> f = sources[method.instructions.indexOf(insn)];
                if (depth > 8 || f == null) return true;
                for (int k = Math.max(0, f.getStackSize() - 4); k < f.getStackSize(); k++) {
                    if (madeElsewhere(f.getStack(k), sources, method, candidates, depth + 1)) return true;
                }
            }
        }
        return false;
    }

}
