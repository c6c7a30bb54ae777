package org.grad4j.transformer;

import org.grad4j.TransformException;
import org.grad4j.rules.RuleTable;
import org.grad4j.transformer.analysis.Activity;
import org.grad4j.transformer.analysis.CallResolver;
import org.grad4j.transformer.analysis.Cfg;
import org.grad4j.transformer.analysis.Liveness;
import org.grad4j.transformer.analysis.ReadOnlyArrays;
import org.grad4j.transformer.analysis.ObjectRefusal;
import org.grad4j.transformer.analysis.UntrackedParameterStore;
import org.grad4j.transformer.codegen.ClassGenerator;
import org.grad4j.transformer.analysis.Callee;
import org.grad4j.transformer.ir.Block;
import org.grad4j.transformer.ir.MethodIr;
import org.grad4j.transformer.ir.Stmt;
import org.grad4j.transformer.inline.InlinedLines;
import org.grad4j.transformer.inline.ExplicitNullChecks;
import org.grad4j.transformer.inline.ExplicitToString;
import org.grad4j.transformer.inline.LambdaArguments;
import org.grad4j.transformer.inline.ObjectArguments;
import org.grad4j.transformer.inline.ExactReceivers;
import org.grad4j.transformer.inline.Inliner;
import org.grad4j.transformer.inline.LambdaObjects;
import org.grad4j.transformer.inline.ValueObjects;
import org.grad4j.transformer.inline.InvariantFieldReads;
import org.grad4j.transformer.ir.Types;
import org.grad4j.transformer.lift.Lifter;
import org.grad4j.transformer.lift.SelfCall;
import org.grad4j.transformer.optimize.ValueNumbering;
import org.grad4j.transformer.read.ClassFiles;
import org.grad4j.transformer.read.ClassHierarchy;
import org.grad4j.transformer.split.LoopEnvironments;
import org.grad4j.transformer.split.Split;
import org.grad4j.transformer.unroll.LoopUnroller;
import org.grad4j.transformer.split.Splitter;
import org.grad4j.transformer.split.TapedRecursion;
import org.grad4j.transformer.split.TapedLoops;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * The pipeline, written out in one place: read → lift → number (local value numbering) → analyse →
 * inline (lift and analyse again) → strip-mine → split → generate.
 * Bytes in, bytes out; no agent, no global state beyond the rule table it is given.
 */
public final class Transformer {
    private final ClassFileLocator locator;
    private final RuleTable rules;

    public Transformer(ClassFileLocator locator) {
        this(locator, RuleTable.global());
    }

    public Transformer(ClassFileLocator locator, RuleTable rules) {
        this.locator = locator;
        this.rules = rules;
    }

    /**
     * The canonical form of a request key {@code name + descriptor [+ "#" + mask]}: the mask made
     * explicit, so that equal requests share one generated class.
     */
    public static String canonicalKey(String nameAndDescriptor) {
        if (nameAndDescriptor.indexOf('#') >= 0) return nameAndDescriptor;
        int paren = nameAndDescriptor.indexOf('(');
        return nameAndDescriptor + "#" + "1".repeat(Type.getArgumentTypes(nameAndDescriptor.substring(paren)).length);
    }

    /**
     * Generates the reverse-mode code of {@code owner.name descriptor}; a descriptor may carry
     * {@code "#" + mask} (see {@link #generate(String, String, String, String)}), else every
     * parameter is differentiated.
     */
    public GeneratedCode generate(String ownerInternalName, String methodName, String methodDescriptor) {
        int hash = methodDescriptor.indexOf('#');
        if (hash >= 0) {
            return generate(ownerInternalName, methodName, methodDescriptor.substring(0, hash),
                    methodDescriptor.substring(hash + 1));
        }
        return generate(ownerInternalName, methodName, methodDescriptor,
                "1".repeat(Type.getArgumentTypes(methodDescriptor).length));
    }

    /**
     * Generates the variant of {@code owner.name descriptor} in which only the parameters marked
     * {@code '1'} in {@code activeMask} (one character per declared parameter) are differentiated.
     * The entry's signature and register contract are the same for every mask.
     *
     * @throws TransformException naming class, method, line, construct and remedy when the
     *     method cannot be differentiated
     */
    public GeneratedCode generate(String ownerInternalName, String methodName, String methodDescriptor, String activeMask) {
        String mask = activeMask;
        while (true) {
            try {
                return variant(ownerInternalName, methodName, methodDescriptor, mask, new java.util.LinkedHashSet<>()).code();
            } catch (UntrackedParameterStore refused) {
                String lifted = withWorkArray(mask, methodDescriptor, refused.parameter());
                if (lifted == null) throw new TransformException(refused.getMessage(), refused.getCause());
                mask = lifted;
            } catch (ObjectRefusal refused) {
                throw new TransformException(refused.getMessage(), refused.getCause()); // users see the API's type
            }
        }
    }

    /**
     * The mask that differentiates a work array the outermost call was passed as data ({@code
     * AD.gradient(p -> f(p, data, buffer), x)} with {@code f} filling {@code buffer}): the
     * variant gives it a zero shadow of its own on entry ({@link ActivityMask#WORK}), so that
     * what is stored in it keeps its derivative until it is read back. Null where that cannot
     * be: only the entry {@code AD} calls ({@link ActivityMask#ENTRY}) is given the user's arrays —
     * a callee's caller may read the array after the call, without the callee's shadow — and only
     * arrays of numbers get one.
     */
    private static String withWorkArray(String mask, String descriptor, int parameter) {
        Type[] params = Type.getArgumentTypes(descriptor);
        ActivityMask m = ActivityMask.parse(mask, params.length);
        Type t = params[parameter];
        boolean numbers = t.getSort() == Type.ARRAY
                && (t.getElementType().getSort() == Type.DOUBLE || t.getElementType().getSort() == Type.FLOAT);
        if (!m.entry() || m.isActive(parameter) || !numbers) return null;
        return ActivityMask.withWork(mask, parameter);
    }

    /** A generated variant, and whether its stack depth is bounded (see {@link #hasBoundedDepth}). */
    private record Variant(GeneratedCode code, boolean boundedDepth) {}

    /** @param calling the variants whose generation asked for this one (a call chain: recursion when it repeats) */
    private Variant variant(String ownerInternalName, String methodName, String methodDescriptor, String activeMask,
                            java.util.Set<String> calling) {
        // A taped nest's function may grow past what HotSpot compiles (its pushes, pops and reverse
        // code come on top of the forward code), or past what ASM can compute frames for (ASM's
        // limits surface as LimitExceededException, MethodTooLargeException or
        // NegativeArraySizeException): smaller nests then, at last none and one iteration per frame.
        for (int limit = Splitter.MAX_TAPED_STATEMENTS; limit >= Splitter.MAX_TAPED_STATEMENTS / 4; limit /= 2) {
            try {
                Variant v = variant(ownerInternalName, methodName, methodDescriptor, activeMask, true, limit, calling);
                if (ClassFiles.longestCode(v.code().classes().get(0).bytes()) <= MAX_COMPILED_CODE) return v;
            } catch (TransformException e) {
                throw e;
            } catch (RuntimeException tooBig) {
                // try smaller
                if (STRICT_TAPING && !isSizeLimit(tooBig)) {
                    throw new IllegalStateException("grad4j internal error: the taped variant of " + ownerInternalName + "."
                            + methodName + " (" + limit + " statements) failed", tooBig);
                }
            }
        }
        try {
            return variant(ownerInternalName, methodName, methodDescriptor, activeMask, true, 0, calling);
        } catch (TransformException e) {
            throw e;
        } catch (RuntimeException tooBig) {
            try {
                return variant(ownerInternalName, methodName, methodDescriptor, activeMask, false, 0, calling);
            } catch (org.objectweb.asm.MethodTooLargeException | org.objectweb.asm.ClassTooLargeException
                     | org.objectweb.asm.LimitExceededException | NegativeArraySizeException e) {
                throw tooLarge(ownerInternalName, methodName, methodDescriptor, e);
            }
        }
    }

    private TransformException tooLarge(String owner, String method, String descriptor, RuntimeException e) {
        String simple = owner.substring(owner.lastIndexOf('/') + 1).replace('$', '.');
        byte[] bytes = locator.bytesOf(owner);
        ClassNode node = bytes == null ? null : ClassFiles.read(bytes);
        MethodNode m = node == null ? null : ClassFiles.method(node, method, descriptor);
        Refusal refusal = new Refusal(owner, method, node == null ? null : node.sourceFile);
        return new TransformException(refusal.message(m == null ? -1 : ClassFiles.firstLine(m),
                "the code it generates for the method is too large for the JVM to load or for ASM to build (ASM: "
                        + e.getMessage() + ")", "Split " + simple + "." + method + " into smaller @Differentiable helper methods "
                        + "(one per loop or phase), which grad4j differentiates one by one."), e);
    }

    /**
     * Tests set {@code grad4j.strictTaping}: a taped variant that fails for anything but its size is
     * then an error, not a quiet fall back to smaller nests (correct, but a loop that runs as
     * recursion, a frame per iteration, where a bug in the taping stopped it).
     */
    private static final boolean STRICT_TAPING = Boolean.getBoolean("grad4j.strictTaping");

    private static boolean isSizeLimit(RuntimeException e) {
        return e instanceof org.objectweb.asm.MethodTooLargeException || e instanceof org.objectweb.asm.ClassTooLargeException
                || e instanceof org.objectweb.asm.LimitExceededException || e instanceof NegativeArraySizeException;
    }

    /** HotSpot does not compile methods of more bytecode than this ({@code -XX:HugeMethodLimit}, 8,000). */
    private static final int MAX_COMPILED_CODE = 8000;

    /**
     * @param stripMine repeat short loop bodies (see LoopUnroller)
     * @param tapeLimit run call-free loop nests of up to this many statements as real loops on the
     *     value tape (see TapedLoops); 0: none
     */
    private Variant variant(String ownerInternalName, String methodName, String methodDescriptor, String activeMask,
                            boolean stripMine, int tapeLimit, java.util.Set<String> calling) {
        boolean tape = tapeLimit > 0;
        CallResolver calls = new CallResolver(rules, locator);
        ClassHierarchy hierarchy = new ClassHierarchy(locator);
        Analysed plain = validated(calls, hierarchy, ownerInternalName, methodName, methodDescriptor, activeMask, stripMine, tape,
                new java.util.HashSet<>());
        Analysed a = withHelpersInlined(calls, hierarchy, plain, activeMask, stripMine, tape);
        Liveness liveness = new Liveness(a.ir, a.cfg);
        boolean outermost = ActivityMask.parse(activeMask, Type.getArgumentTypes(methodDescriptor).length).outermost();
        ReadOnlyArrays readOnly = ReadOnlyArrays.of(a.ir, a.cfg, a.activity, outermost);
        boolean tapedRecursion = TAPED_RECURSION && TapedRecursion.applies(a.ir, a.cfg, a.activity, activeMask, calls::writesNothing);
        Split split = tapedRecursion ? Splitter.whole(a.ir, a.cfg, a.activity)
                : Splitter.split(a.ir, a.cfg, a.activity, tapeLimit, readOnly);
        TapedLoops tapes = TapedLoops.plan(a.ir, a.cfg, split, a.activity, readOnly);
        LoopEnvironments environments = new LoopEnvironments(a.ir, a.cfg, liveness, split, a.activity);
        java.util.Set<String> chain = new java.util.LinkedHashSet<>(calling);
        chain.add(ownerInternalName + "." + methodName + methodDescriptor + "#" + activeMask);
        boolean bounded = hasBoundedDepth(a, split, readOnly, chain);
        return new Variant(ClassGenerator.generate(a.ir, a.activity, liveness, split, environments, tapes, readOnly,
                a.refusal, activeMask, hierarchy, bounded), bounded);
    }

    /**
     * {@code -Dgrad4j.tapedRecursion=false} runs recursions as continuations, as before taped
     * recursions ({@link TapedRecursion}) were built: for comparing the two.
     */
    private static final boolean TAPED_RECURSION = !"false".equals(System.getProperty("grad4j.tapedRecursion"));

    /** Callees deeper than this are not looked into: the caller is taken to be unbounded. */
    private static final int MAX_BOUNDED_CALL_CHAIN = 6;

    /** Variants already looked into by this transformer, by their request key: whether they are bounded. */
    private final java.util.Map<String, Boolean> boundedCallees = new java.util.HashMap<>();

    /**
     * Whether the generated code's stack depth is bounded by its size, whatever the input: no
     * loop runs as recursion (no loop header heads a function, taped nests aside), and every
     * differentiated call is of one method (not virtual) whose generated code is bounded too and
     * does not lead back here (no recursion) — found by generating it, as its call will. Such a
     * gradient may run on the caller's thread instead of a worker (see
     * {@code org.grad4j.runtime.EntryCall}): {@code AD.gradient(p -> f(p, data), x)} with a
     * bounded {@code f} above all. Tensor code is excluded: ND4J's thread-local workspaces must
     * stay those of the workers.
     */
    private boolean hasBoundedDepth(Analysed a, Split split, ReadOnlyArrays readOnly, java.util.Set<String> chain) {
        if (!split.recursiveLoops().isEmpty()) return false;
        for (Type t : Type.getArgumentTypes(a.ir.descriptor())) if (Types.kind(t) == Types.Kind.TENSOR) return false;
        if (Types.kind(Type.getReturnType(a.ir.descriptor())) == Types.Kind.TENSOR) return false;
        for (Block b : a.ir.blocks()) {
            for (Stmt s : b.stmts()) {
                if (s.result() != null && Types.kind(s.result().type()) == Types.Kind.TENSOR) return false;
                if (a.activity.isActiveCall(s) && !isBoundedCall(a, s, readOnly.callsOutermost(b.index()), chain)) return false;
            }
        }
        return true;
    }

    private boolean isBoundedCall(Analysed a, Stmt call, boolean outermost, java.util.Set<String> chain) {
        if (!(a.activity.callee(call) instanceof Callee.Differentiated d) || d.virtual()) return false;
        String mask = a.activity.calleeMask(call, d.isStatic()) + (outermost ? ActivityMask.OUTERMOST : "");
        String key = d.owner() + "." + d.name() + d.descriptor() + "#" + mask;
        if (chain.contains(key) || chain.size() >= MAX_BOUNDED_CALL_CHAIN) return false;
        Boolean known = boundedCallees.get(key);
        if (known != null) return known;
        boolean bounded;
        try {
            bounded = variant(d.owner(), d.name(), d.descriptor(), mask, chain).boundedDepth();
        } catch (RuntimeException e) {
            bounded = false; // a refusal is reported when the call is linked
        }
        boundedCallees.put(key, bounded);
        return bounded;
    }

    /**
     * A method lifted and analysed, every refusal checked: ready for code generation.
     * {@code inlined}: the helpers inlined into it, by {@code owner.name descriptor} of the call (empty for none).
     */
    private record Analysed(MethodIr ir, Cfg cfg, Activity activity, Refusal refusal, java.util.Map<String, MethodNode> inlined) {}

    /**
     * The method, refused as written, analysed with its small helpers inlined, or null when it
     * has none or is refused all the same. A helper called with no differentiable argument
     * ({@code zeros(n)}, {@code eye(n)}) is not differentiated, so the array it returns has no
     * shadow and may not receive differentiable values; inlined, its {@code new double[n]} is this
     * method's own. A helper taking an array as {@code Object} ({@code (double[]) o}) loses the
     * array's adjoint when called; inlined, the cast is this method's own. Only helpers that
     * always run the same body (static, private or final) of the same nest, as for
     * {@link #withHelpersInlined}.
     *
     * <p>When the method as written was refused for its value objects ({@code refused}: their
     * methods were not inlined yet, see {@link ValueObjects}) and the inlined form is refused for
     * something else, that refusal is thrown instead: it names what the user must change (a
     * field store next to a {@code Vec2}), or a work array the entry may lift.
     */
    private Analysed withHelpersInlinedInsteadOfRefused(CallResolver calls, ClassHierarchy hierarchy, String ownerInternalName,
                                          String methodName, String methodDescriptor, String activeMask,
                                          boolean stripMine, boolean tape, TransformException refused) {
        ClassNode owner = calls.classNode(ownerInternalName);
        MethodNode method = owner == null ? null : ClassFiles.method(owner, methodName, methodDescriptor);
        if (method == null) return null;
        method = asDifferentiated(calls, owner, method);
        java.util.Map<String, MethodNode> helpers = HelperBodies.whereRefused(calls, hierarchy, ownerInternalName, methodName,
                methodDescriptor, method);
        // (a lambda's body, or what an object's constructor calls on it, is inlined with the objects replaced)
        if (helpers.isEmpty() && !HelperBodies.makesLambdas(method) && !HelperBodies.makesObjects(method)) return null;
        try {
            return analyse(calls, hierarchy, ownerInternalName, methodName, methodDescriptor, activeMask, stripMine, tape,
                    helpers);
        } catch (TransformException stillRefused) {
            // refused for its objects as written (or for a callee writing one's fields: refused null), the form with
            // the helpers inlined says better why an object stays one (passed to a JDK method, made again in a loop
            // while in use), or what else is in the way (a field store beside a Vec2)
            if (stillRefused instanceof OutOfReach) return null;
            if (refused instanceof ObjectRefusal || refused == null && stillRefused instanceof ObjectRefusal) throw stillRefused;
            return null;
        }
    }

    /** The method's objects replaced by their fields: those of mutable classes, then value objects. */
    private record ObjectsReplaced(ValueObjects.Replaced mutable, ValueObjects.Replaced values) {
        /** The classes kept whose objects the method still makes. */
        java.util.Set<String> stillMade() {
            java.util.Set<String> made = new java.util.HashSet<>();
            for (org.objectweb.asm.tree.AbstractInsnNode insn : values.method().instructions) {
                if (insn.getOpcode() == org.objectweb.asm.Opcodes.NEW) made.add(((org.objectweb.asm.tree.TypeInsnNode) insn).desc);
            }
            java.util.Set<String> kept = new java.util.HashSet<>(values.whyKept().keySet());
            kept.addAll(mutable.whyKept().keySet());
            made.retainAll(kept);
            return made;
        }
    }

    /**
     * {@code body} with its objects replaced by their fields: {@code Welford w = new Welford();
     * w.add(x)} inlined, its fields in locals written in place ({@link MutableObjects}); then
     * {@code new Vec2(cos a, sin a)} kept in locals and read through its fields ({@link
     * ValueObjects}). Records and final immutable classes are the second pass's, which copies them
     * freely but follows them only in locals; those it keeps are tried again as the first pass's,
     * which holds them in arrays and lists made here too ({@code pts.add(new Point(x, y))}, a
     * field of an array of them), and that form is taken where it keeps fewer classes as objects.
     */
    private static ObjectsReplaced objectsReplaced(CallResolver calls, ClassHierarchy hierarchy, ClassNode owner,
                                                   String methodName, String methodDescriptor, MethodNode body, boolean inline) {
        ObjectsReplaced first = objectsReplaced(calls, hierarchy, owner, methodName, methodDescriptor, body, inline,
                java.util.Set.of());
        java.util.Set<String> valuesKept = new java.util.HashSet<>(first.values().whyKept().keySet());
        valuesKept.removeAll(first.mutable().whyKept().keySet()); // (those the first pass tried already)
        if (valuesKept.isEmpty()) return first;
        ObjectsReplaced best = first;
        ObjectsReplaced asMutable = null;
        // those kept; then every value class made here (new Polygon(points): the Point[] is followed with its holder)
        java.util.Set<String> allValues = new java.util.HashSet<>(valuesKept);
        for (org.objectweb.asm.tree.AbstractInsnNode insn : best.mutable().method().instructions) {
            if (insn.getOpcode() == org.objectweb.asm.Opcodes.NEW && calls.isValueClass(((org.objectweb.asm.tree.TypeInsnNode) insn).desc)) {
                allValues.add(((org.objectweb.asm.tree.TypeInsnNode) insn).desc);
            }
        }
        for (java.util.Set<String> followed : allValues.equals(valuesKept) ? java.util.List.of(valuesKept)
                : java.util.List.of(valuesKept, allValues)) {
            ObjectsReplaced tried = objectsReplaced(calls, hierarchy, owner, methodName, methodDescriptor, body, inline, followed);
            if (followed == valuesKept) asMutable = tried;
            java.util.Set<String> before = best.stillMade();
            java.util.Set<String> after = tried.stillMade();
            if (after.size() < before.size() && before.containsAll(after)) best = tried;
            if (after.isEmpty()) break;
        }
        return best == first ? withContainersExplained(first, asMutable, valuesKept) : best;
    }

    /**
     * {@code first} with the reason the mutable-object pass gave for keeping a value class where the
     * value-object pass only saw its objects go into a list or array, which that pass never follows
     * and the other does ("the list of Pt used on line 19 has its method List.remove called"
     * rather than "the Pt is passed to List.add").
     */
    private static ObjectsReplaced withContainersExplained(ObjectsReplaced first, ObjectsReplaced asMutable,
                                                           java.util.Set<String> classes) {
        java.util.Map<String, String> why = new java.util.LinkedHashMap<>(first.values().whyKept());
        for (String c : classes) {
            String asValue = why.get(c);
            String mutably = asMutable.mutable().whyKept().get(c);
            if (asValue != null && mutably != null
                    && (asValue.contains("into an array") || asValue.matches("(?s).*passed to \\w+\\.add,.*"))) {
                why.put(c, mutably);
            }
        }
        return new ObjectsReplaced(first.mutable(), new ValueObjects.Replaced(first.values().method(), why));
    }

    private static ObjectsReplaced objectsReplaced(CallResolver calls, ClassHierarchy hierarchy, ClassNode owner,
                                                   String methodName, String methodDescriptor, MethodNode body, boolean inline,
                                                   java.util.Set<String> valuesFollowed) {
        ValueObjects.Replaced mutable = HelperBodies.objectsReplaced(calls, hierarchy, owner, methodName, methodDescriptor, body,
                inline, valuesFollowed);
        ValueObjects.Replaced values = ValueObjects.replace(owner.name, mutable.method(), calls::classNode, hierarchy,
                HelperBodies.whyNotInlined(calls, hierarchy, owner.name, methodName, methodDescriptor));
        return new ObjectsReplaced(mutable, values);
    }

    /**
     * The refusal of objects that were kept ({@code whyKept} of the passes that replace them) and whose
     * members {@code body} reaches after their methods were inlined, at the first {@code new} of their
     * class in {@code method}: as {@code Activity} words a constructor call with differentiable
     * arguments. Null where no kept class is reached.
     */
    private static ObjectRefusal keptObjectReached(Refusal refusal, MethodNode method, MethodNode body, ValueObjects.Replaced... passes) {
        for (ValueObjects.Replaced pass : passes) {
            for (var kept : pass.whyKept().entrySet()) {
                String c = kept.getKey();
                boolean reached = false;
                for (org.objectweb.asm.tree.AbstractInsnNode insn : body.instructions) {
                    reached |= insn instanceof org.objectweb.asm.tree.FieldInsnNode f && f.owner.equals(c);
                }
                if (!reached) continue;
                return new ObjectRefusal(refusal.message(ClassFiles.lineOfNew(method, c),
                        "a constructor call with differentiable arguments (new " + c.substring(c.lastIndexOf('/') + 1).replace('$', '.')
                                + "(...)): " + kept.getValue(), Activity.OBJECTS_REMEDY));
            }
        }
        return null;
    }

    /**
     * The form with helpers inlined reaches private members of another nest (a class's objects it
     * kept, whose inlined methods read their private fields): not generated, and never shown, the
     * form as written being refused for those objects with a better reason.
     */
    private static final class OutOfReach extends ObjectRefusal {
        private static final long serialVersionUID = 1L;

        OutOfReach(String message) {
            super(message);
        }
    }

    private Analysed analyse(CallResolver calls, ClassHierarchy hierarchy, String ownerInternalName, String methodName,
                             String methodDescriptor, String activeMask, boolean stripMine, boolean tape,
                             java.util.Map<String, MethodNode> inlined) {
        ClassNode owner = calls.classNode(ownerInternalName);
        if (owner == null) {
            throw new TransformException("grad4j cannot read the bytecode of " + ownerInternalName.replace('/', '.')
                    + ": no class file was found through its class loader. Classes generated at run time (proxies, "
                    + "hidden classes) cannot be differentiated; differentiate a method of an ordinary class.");
        }
        MethodNode method = ClassFiles.method(owner, methodName, methodDescriptor);
        Refusal refusal = new Refusal(ownerInternalName, methodName, owner.sourceFile);
        if (method == null) {
            throw refusal.at(-1, "no such method " + methodName + methodDescriptor, "Check the method's name and parameter types.");
        }
        Type result = Type.getReturnType(methodDescriptor);
        if (result.getSort() != Type.VOID && !Types.isDifferentiable(result)) {
            boolean plainResult = result.getSort() < Type.ARRAY || result.getSort() == Type.ARRAY && result.getDimensions() == 1
                    && result.getElementType().getSort() < Type.FLOAT || result.getClassName().equals("java.lang.String");
            String writes = plainResult ? calls.whyNotOnlyReads(ownerInternalName, methodName, methodDescriptor) : null;
            throw refusal.at(ClassFiles.firstLine(method), "a differentiable method returning " + result.getClassName().replace('$', '.'),
                    plainResult ? "Return a double or float (the value to differentiate), an array of them, or void for a "
                            + "method that updates arrays. A helper returning an index, a flag or a string may take "
                            + "differentiable arrays if it only reads them: allocate what it writes inside it, and "
                            + "call only static, private or final methods from it"
                            + (writes == null ? "." : "; this one may write them: " + writes + ".")
                    : "An object cannot carry a derivative (objects may hold only data that does not depend on the "
                            + "inputs): return the double[] (or double[][], INDArray) itself, and keep the object "
                            + "for data.");
        }
        ActivityMask mask = ActivityMask.parse(activeMask, Type.getArgumentTypes(methodDescriptor).length);
        // Potential pot handed in, x -> -x * x * x: made again here, its calls inlined as a lambda made here
        if (mask.entry()) {
            method = LambdaArguments.madeHere(method, mask.lambdas(), mask::isActive);
            method = ObjectArguments.madeHere(method, mask.objects(), mask::isActive, calls::classNode); // Spring handed in, likewise
        }

        // String.valueOf(p) as p.toString(): inlined on an object made here, so that printing it reads its fields
        method = InvariantFieldReads.hoist(owner, ExplicitNullChecks.of(ExplicitToString.of(asDifferentiated(calls, owner, method))), calls::classNode);
        MethodNode body = method;
        if (inlined != null) { // acc.add(x) of an Accumulator made here runs Accumulator.add: inlined as a final method's
            body = HelperBodies.inlineExact(calls, owner, ExactReceivers.devirtualised(ownerInternalName, method, calls::classNode),
                    hierarchy, inlined);
        }
        // the helpers' reads of this.f, now reads of the caller's this (Inliner: onThis), once too
        if (body != method) body = InvariantFieldReads.hoist(owner, body, calls::classNode);
        // DoubleUnaryOperator f = t -> k * t, called here (or in a helper inlined here): its body, called with k
        LambdaObjects.Replaced lambdas = HelperBodies.lambdasReplaced(calls, hierarchy, owner, methodName, methodDescriptor, body,
                inlined != null);
        body = lambdas.method();
        ObjectsReplaced replaced = objectsReplaced(calls, hierarchy, owner, methodName, methodDescriptor, body, inlined != null);
        ValueObjects.Replaced mutable = replaced.mutable();
        ValueObjects.Replaced objects = replaced.values();
        body = objects.method();
        if (mask.entry() && (LambdaArguments.keptAsObjects(body, mask.lambdas(), mask::isActive)
                || ObjectArguments.kept(body, mask.objects(), mask::isActive))) {
            // a lambda or object made again here stays an object, not the one handed in: the runtime falls back to the entry as it is
            throw new TransformException(refusal.message(-1, "a lambda or object handed in, made again here, kept as an object",
                    "Ask for the entry as it is."));
        }
        if (body != method && ClassFiles.reachesPrivatelyOutside(body, ownerInternalName, calls::classNode)) {
            // a top-level record's methods inlined, its objects kept: their reads of its private fields would fail.
            // Why they were kept is what the user must change (a record added to a List); the form as written
            // would blame the first call on one that was not inlined yet
            ObjectRefusal kept = keptObjectReached(refusal, method, body, objects, mutable);
            if (kept != null) throw kept;
            throw new OutOfReach(refusal.message(-1, "helpers of another class inlined where they reach its private members",
                    "Call them as written.")); // never shown: the form as written is refused for its objects
        }
        MethodIr lifted = ValueNumbering.apply(
                Lifter.lift(owner, body, hierarchy, call -> calls.resolve(call) instanceof Callee.Differentiated));
        Cfg liftedCfg = new Cfg(lifted, refusal);
        MethodIr ir = !stripMine ? lifted : LoopUnroller.unroll(lifted, liftedCfg,
                s -> s.insn() instanceof org.objectweb.asm.tree.MethodInsnNode m && !s.isNewInit()
                        && calls.resolve(m) instanceof Callee.Differentiated,
                header -> tape && TapedLoops.mayTape(lifted, liftedCfg, header));
        Cfg cfg = new Cfg(ir, refusal);
        Activity activity = new Activity(ir, cfg, mask.parameters(), mask.receiverHolds(), calls, refusal);
        var kept = new java.util.HashMap<>(objects.whyKept());
        kept.putAll(mutable.whyKept());
        activity.objectsKeptBecause(c -> kept.containsKey(c) ? kept.get(c) : ValueObjects.whyNotValueClass(c, calls::classNode));
        activity.objectsMadeHereKeptBecause(mutable.whyKept()::get);
        activity.lambdasKeptBecause(lambdas.whyKept()::get);
        activity.checkSupported();
        return new Analysed(ir, cfg, activity, refusal, inlined == null ? java.util.Map.of() : inlined);
    }

    /**
     * The code a gradient differentiates for {@code method}: its body, or — for a static method
     * with a rule ({@code @AdjointOf} beside it, or registered) — a call of itself ({@link SelfCall}),
     * which resolves to the rule. A method a gradient starts in (a method reference, a
     * {@code Method}, a {@code java.util.function} object called from differentiated code) then
     * keeps its rule exactly as its calls do, broken rules reported alike.
     */
    private static MethodNode asDifferentiated(CallResolver calls, ClassNode owner, MethodNode method) {
        int staticWritten = org.objectweb.asm.Opcodes.ACC_STATIC | org.objectweb.asm.Opcodes.ACC_SYNTHETIC;
        if ((method.access & staticWritten) != org.objectweb.asm.Opcodes.ACC_STATIC) return method; // lambda bodies have no rules
        boolean isInterface = (owner.access & org.objectweb.asm.Opcodes.ACC_INTERFACE) != 0;
        MethodInsnNode self = new MethodInsnNode(org.objectweb.asm.Opcodes.INVOKESTATIC, owner.name, method.name,
                method.desc, isInterface);
        return calls.ruleOf(self) == null ? method : SelfCall.of(owner.name, isInterface, method);
    }

    /**
     * The method analysed again with its small helpers inlined (see {@link Inliner}): every call
     * with differentiable arguments of a small helper that always runs the same body (static,
     * private or final), of the same nest (whose private members stay reachable, see HostAccess),
     * other than the method itself. Inlining only saves frames and continuations: the refusals
     * were checked on the method as written, with the call chains users need, and should the
     * inlined form be refused where the written one was not, the written one is generated.
     */
    private Analysed withHelpersInlined(CallResolver calls, ClassHierarchy hierarchy, Analysed plain, String activeMask,
                                        boolean stripMine, boolean tape) {
        java.util.Map<String, MethodNode> inlined = new java.util.HashMap<>(plain.inlined); // by owner.name descriptor of the call
        MethodIr ir = plain.ir;
        for (Block b : ir.blocks()) {
            for (Stmt s : b.stmts()) {
                if (!plain.activity.isActiveCall(s) || !(s.insn() instanceof MethodInsnNode call)) continue;
                // a call the generator refuses (a helper returning Double, Object...) stays refused
                if (!Types.isCallResult(Type.getReturnType(call.desc))) continue;
                MethodNode body = HelperBodies.expandedBody(calls, hierarchy, call, ir.owner(), ir.name(), ir.descriptor(), 1,
                        java.util.Set.of(ir.owner() + "." + ir.name() + ir.descriptor()), 1);
                if (body != null) inlined.put(call.owner + "." + call.name + call.desc, body);
            }
        }
        // acc.add(x) of an object made here, a virtual call as written: its body, known from the object's class
        inlined.putAll(HelperBodies.ofExactCalls(calls, hierarchy, ir.owner(), ir.name(), ir.descriptor()));
        if (inlined.size() == plain.inlined.size()) return plain;
        try {
            Analysed a = analyse(calls, hierarchy, ir.owner(), ir.name(), ir.descriptor(), activeMask, stripMine, tape, inlined);
            // the inlined form may call what the written one does not differentiate: those callees
            // must pass too, or the refusal would surface only when the call is linked, mid-gradient
            validateCallees(calls, hierarchy, a, new java.util.HashSet<>());
            return a;
        } catch (TransformException e) {
            return plain;
        }
    }

    /** Whether the method calls a helper returning objects of the program's (see {@link HelperBodies#returnsProgramObjects}). */
    private static boolean callsForObjects(CallResolver calls, Analysed a) {
        for (Block b : a.ir.blocks()) {
            for (Stmt s : b.stmts()) if (s.insn() instanceof MethodInsnNode m && HelperBodies.returnsProgramObjects(calls, m)) return true;
        }
        return false;
    }


    /**
     * Analyses every method a differentiated call reaches, so that a construct grad4j cannot
     * differentiate is reported before anything runs, with the call chain that leads to it.
     * (Callees are linked lazily at run time; virtual calls are checked when their receiver's
     * class is known.)
     */
    private void validateCallees(CallResolver calls, ClassHierarchy hierarchy, Analysed caller, java.util.Set<String> seen) {
        for (Block b : caller.ir.blocks()) {
            for (Stmt s : b.stmts()) {
                if (!caller.activity.isActiveCall(s)) continue;
                Callee.Differentiated d = (Callee.Differentiated) caller.activity.callee(s);
                if (d.virtual()) {
                    findWorkArraysOfVirtualCall(calls, hierarchy, caller, s, d, seen);
                    continue;
                }
                String mask = caller.activity.calleeMask(s, d.isStatic());
                if (!seen.add(d.owner() + "." + d.name() + d.descriptor() + "#" + mask)) continue;
                try {
                    validated(calls, hierarchy, d.owner(), d.name(), d.descriptor(), mask, false, false, seen);
                } catch (TransformException e) {
                    // the callee's work array is one of ours: our caller may be the one to give it a shadow
                    int ours = e instanceof UntrackedParameterStore u
                            ? caller.activity.untrackedParameter(s.arg(u.parameter() + (d.isStatic() ? 0 : 1))) : -1;
                    throw calledFrom(caller, s, e, ours);
                }
            }
        }
    }

    /**
     * A callee's refusal with the caller's line added; about our parameter {@code ours} (-1: none)
     * when the array it concerns is one we were passed.
     */
    private static TransformException calledFrom(Analysed caller, Stmt call, TransformException e, int ours) {
        String file = caller.ir.sourceFile() != null ? caller.ir.sourceFile() : "?";
        String message = e.getMessage() + "\n    called from " + caller.ir.displayName() + " (" + file + ":" + InlinedLines.text(call.line()) + ")";
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        return ours >= 0 ? new UntrackedParameterStore(message, ours, cause) : new TransformException(message, cause);
    }

    /**
     * A callee analysed as its call will link it ({@link #variant}): refused as written, with its
     * small helpers inlined ({@code double[] d = zeros(n)} then written), if that is accepted.
     */
    private Analysed analysedAsLinked(CallResolver calls, ClassHierarchy hierarchy, String owner, String name, String descriptor,
                                      String mask, boolean stripMine, boolean tape) {
        try {
            return analyse(calls, hierarchy, owner, name, descriptor, mask, stripMine, tape, null);
        } catch (TransformException refused) {
            Analysed inlined = withHelpersInlinedInsteadOfRefused(calls, hierarchy, owner, name, descriptor, mask, stripMine, tape,
                    refused);
            if (inlined == null) throw refused;
            return inlined;
        }
    }

    /**
     * A method analysed as linked ({@link #analysedAsLinked}) with its callees validated. A callee
     * refused because it returns a value object ({@code Vec3.at(pos, i)}, a record's factory) is
     * inlined instead, where that is accepted: the object is then this method's own, replaced by
     * its fields ({@link ValueObjects}).
     */
    private Analysed validated(CallResolver calls, ClassHierarchy hierarchy, String owner, String name, String descriptor,
                               String mask, boolean stripMine, boolean tape, java.util.Set<String> seen) {
        Analysed plain = analysedAsLinked(calls, hierarchy, owner, name, descriptor, mask, stripMine, tape);
        java.util.Set<String> attempt = new java.util.HashSet<>(seen); // kept only if it passes: a refused callee is asked again
        try {
            validateCallees(calls, hierarchy, plain, attempt);
            seen.addAll(attempt);
            return plain;
        } catch (UntrackedParameterStore workArray) {
            throw workArray; // the entry may lift it (generate)
        } catch (TransformException refused) {
            // (or for a callee writing a field of an object it makes, w.add(x): inlined, the object is replaced)
            ClassNode declaring = calls.classNode(owner);
            MethodNode written = declaring == null ? null : ClassFiles.method(declaring, name, descriptor);
            boolean objects = callsForObjects(calls, plain) || written != null && HelperBodies.makesObjects(written);
            Analysed inlined = plain.inlined.isEmpty() && objects
                    ? withHelpersInlinedInsteadOfRefused(calls, hierarchy, owner, name, descriptor, mask, stripMine, tape, null) : null;
            if (inlined == null) throw refused;
            java.util.Set<String> retry = new java.util.HashSet<>(seen);
            try {
                validateCallees(calls, hierarchy, inlined, retry);
            } catch (TransformException stillRefused) {
                throw refused;
            }
            seen.addAll(retry);
            return inlined;
        }
    }

    /**
     * A virtual call is checked when it is linked, for its receiver's class; but a work array it
     * fills (an array the caller got without a shadow) must get its shadow where the gradient
     * starts, before anything runs. So the bodies it may run that are known now (its target, the
     * loaded overrides, and those of classes the caller's class makes, loaded or not) are analysed
     * for that alone: an {@link UntrackedParameterStore} about
     * a parameter the call passes on from ours is ours; anything else is left to the linking.
     */
    private void findWorkArraysOfVirtualCall(CallResolver calls, ClassHierarchy hierarchy, Analysed caller, Stmt s,
                                             Callee.Differentiated d, java.util.Set<String> seen) {
        org.objectweb.asm.tree.MethodInsnNode call = (org.objectweb.asm.tree.MethodInsnNode) s.insn();
        java.util.List<String[]> bodies = new java.util.ArrayList<>();
        java.util.List<String[]> loaded = calls.implementations(call);
        if (loaded != null) bodies.addAll(loaded);
        // Rhs f = new Decay(); f.eval(y, p, k): Decay is loaded only when this code first runs
        bodies.addAll(calls.implementationsMadeIn(call, caller.ir.owner(), hierarchy));
        String mask = caller.activity.calleeMask(s, false);
        for (String[] body : bodies) {
            if (!body[2].equals(d.descriptor()) || !seen.add(body[0] + "." + body[1] + body[2] + "#" + mask)) continue;
            try {
                validateCallees(calls, hierarchy, analysedAsLinked(calls, hierarchy, body[0], body[1], body[2], mask, false, false), seen);
            } catch (UntrackedParameterStore e) {
                int ours = caller.activity.untrackedParameter(s.arg(e.parameter() + 1));
                if (ours >= 0) throw calledFrom(caller, s, e, ours);
            } catch (RuntimeException e) {
                // reported when the call is linked, as for any virtual call
            }
        }
    }
}
