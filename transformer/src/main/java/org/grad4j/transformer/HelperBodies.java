package org.grad4j.transformer;

import org.grad4j.transformer.analysis.CallResolver;
import org.grad4j.transformer.analysis.Callee;
import org.grad4j.transformer.inline.ExplicitNullChecks;
import org.grad4j.transformer.inline.ExplicitToString;
import org.grad4j.transformer.inline.RecordText;
import org.grad4j.transformer.inline.ExactReceivers;
import org.grad4j.transformer.inline.Inliner;
import org.grad4j.transformer.inline.InvariantFieldReads;
import org.grad4j.transformer.inline.LambdaObjects;
import org.grad4j.transformer.inline.MutableObjects;
import org.grad4j.transformer.inline.ValueObjects;
import org.grad4j.transformer.read.ClassFiles;
import org.grad4j.transformer.read.ClassHierarchy;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * Which helper bodies {@link Transformer} inlines into a method, and how: a small helper that
 * the call always reaches ({@link #inlinableBody}), with its own helpers inlined into it
 * ({@link #expandedBody}), of another nest only where the generated code can reach what it reads;
 * the lambdas the method keeps in locals replaced by calls of their bodies, and those inlined
 * ({@link #lambdasReplaced}); and, for refusals, why a helper was not inlined ({@link #whyNotInlined}).
 */
final class HelperBodies {
    private HelperBodies() {}

    /**
     * The helpers to inline into {@code method} (of {@code owner.name desc}), refused as written,
     * by {@code owner.name descriptor} of the call: each helper it calls that can be inlined, with
     * its own helpers where they can be (a record's {@code norm()} calls its {@code dot(this)}),
     * whatever its arguments; one given a lambda may be larger ({@link #sizeScale}).
     */
    static java.util.Map<String, MethodNode> whereRefused(CallResolver calls, ClassHierarchy hierarchy, String owner, String name,
                                                          String desc, MethodNode method) {
        java.util.Map<String, MethodNode> helpers = new java.util.HashMap<>();
        ExactReceivers.Devirtualised exact = ExactReceivers.devirtualised(owner, method, calls::classNode); // as analyse inlines them
        method = exact.method();
        for (org.objectweb.asm.tree.AbstractInsnNode insn : method.instructions) {
            if (!(insn instanceof MethodInsnNode call) || call.name.startsWith("<")) continue;
            boolean onObject = exact.onObjectMadeHere(call);
            int scale = onObject ? REQUIRED_SCALE : sizeScale(calls, call, method);
            MethodNode body = inlinableBody(calls, call, owner, name, desc, scale * Inliner.MAX_INSTRUCTIONS);
            if (body == null) continue;
            MethodNode expanded = expandedBody(calls, hierarchy, call, owner, name, desc, 1,
                    java.util.Set.of(owner + "." + name + desc), scale, onObject);
            if (expanded == null && isOtherNest(calls, ((Callee.Differentiated) calls.resolve(call)).owner(), owner)) {
                continue; // it may reach its nest's private members
            }
            helpers.put(call.owner + "." + call.name + call.desc,
                    expanded != null ? expanded : withFieldsReadOnce(calls, call, ExplicitNullChecks.of(ExplicitToString.of(body))));
        }
        return helpers;
    }

    /**
     * The bodies to inline for the calls that {@link ExactReceivers} makes exact in method {@code
     * owner.name desc} ({@code acc.add(x)} of an object made there, virtual as written), by
     * {@code owner.name descriptor} of the exact call.
     */
    static java.util.Map<String, MethodNode> ofExactCalls(CallResolver calls, ClassHierarchy hierarchy, String owner,
                                                          String name, String desc) {
        ClassNode c = calls.classNode(owner);
        MethodNode method = c == null ? null : ClassFiles.method(c, name, desc);
        if (method == null) return java.util.Map.of();
        return onObjectsMadeHere(calls, hierarchy, owner, name, desc, ExactReceivers.devirtualised(owner, method, calls::classNode),
                true);
    }

    /** Whether the method makes a lambda, whose body {@link #lambdasReplaced} may inline. */
    static boolean makesLambdas(MethodNode method) {
        for (org.objectweb.asm.tree.AbstractInsnNode insn : method.instructions) {
            if (insn instanceof org.objectweb.asm.tree.InvokeDynamicInsnNode d
                    && d.bsm.getOwner().equals("java/lang/invoke/LambdaMetafactory")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the method makes objects of the program's classes, whose constructors {@link
     * #objectsReplaced} may inline, or a list that may hold them once its helpers are inlined (a
     * {@code List<Body>} filled by {@code addBody(list, x)}).
     */
    static boolean makesObjects(MethodNode method) {
        for (org.objectweb.asm.tree.AbstractInsnNode insn : method.instructions) {
            if (insn.getOpcode() != org.objectweb.asm.Opcodes.NEW) continue;
            String made = ((org.objectweb.asm.tree.TypeInsnNode) insn).desc;
            if (!CallResolver.isJdk(made) || made.equals("java/util/ArrayList")) return true;
        }
        return false;
    }

    /** Rounds of lambdas replaced and their bodies inlined: a lambda captured by another is followed once that one's body is inlined. */
    private static final int LAMBDA_ROUNDS = 4;

    /**
     * The method with the lambdas it keeps in locals replaced by calls of their bodies (see
     * {@link LambdaObjects}); with {@code inline}, those bodies inlined where they can be, and
     * again for the lambdas an inlined body calls ({@code x -> g.applyAsDouble(f.applyAsDouble(x))}).
     * The method as written ({@code inline} false) keeps the bodies as calls, so that a refusal
     * inside one names its chain of calls.
     */
    static LambdaObjects.Replaced lambdasReplaced(CallResolver calls, ClassHierarchy hierarchy, ClassNode owner,
                                                          String name, String desc, MethodNode body, boolean inline) {
        java.util.function.Function<MethodInsnNode, String> bodies = whyNotInlined(calls, hierarchy, owner.name, name, desc);
        LambdaObjects.Replaced replaced = LambdaObjects.replace(owner.name, body, bodies);
        for (int round = 1; inline && round < LAMBDA_ROUNDS && replaced.method() != body; round++) {
            body = replaced.method();
            java.util.Map<String, MethodNode> lambdaBodies = new java.util.HashMap<>();
            for (MethodInsnNode call : replaced.bodyCalls()) {
                MethodNode e = expandedBody(calls, hierarchy, call, owner.name, name, desc, 1,
                        java.util.Set.of(owner.name + "." + name + desc), 1);
                if (e != null) lambdaBodies.put(call.owner + "." + call.name + call.desc, e);
            }
            if (lambdaBodies.isEmpty()) break;
            body = InvariantFieldReads.hoist(owner, inline(calls, owner, body, hierarchy, lambdaBodies), calls::classNode);
            LambdaObjects.Replaced next = LambdaObjects.replace(owner.name, body, bodies);
            replaced = next.method() == body ? new LambdaObjects.Replaced(body, java.util.List.of(), next.whyKept()) : next;
        }
        return replaced;
    }

    /** {@link #whyNotInlined} for the calls of method {@code owner.name desc}. */
    static java.util.function.Function<MethodInsnNode, String> whyNotInlined(CallResolver calls, ClassHierarchy hierarchy,
                                                                             String owner, String name, String desc) {
        return call -> whyNotInlined(calls, hierarchy, call, owner, name, desc);
    }

    /** Rounds of objects replaced and the calls then made exact inlined: a particle held by a stepper made here. */
    private static final int OBJECT_ROUNDS = 3;

    /**
     * The method with the objects of mutable classes it makes replaced by their fields (see
     * {@link MutableObjects}); with {@code inline}, again after inlining the calls that become
     * exact once they are: {@code s.p.step(dt)} of a {@code Stepper} made here holding a
     * {@code Particle} made here is a virtual call until the stepper's field is a local that
     * holds the particle.
     */
    static ValueObjects.Replaced objectsReplaced(CallResolver calls, ClassHierarchy hierarchy, ClassNode owner, String name,
                                                 String desc, MethodNode body, boolean inline) {
        return objectsReplaced(calls, hierarchy, owner, name, desc, body, inline, java.util.Set.of());
    }

    /** As above, following the objects of {@code valuesFollowed} too (see {@link MutableObjects#replace}). */
    static ValueObjects.Replaced objectsReplaced(CallResolver calls, ClassHierarchy hierarchy, ClassNode owner, String name,
                                                 String desc, MethodNode body, boolean inline, java.util.Set<String> valuesFollowed) {
        java.util.function.Function<MethodInsnNode, String> why = whyNotInlined(calls, hierarchy, owner.name, name, desc);
        // what a constructor calls on its object (setMass(m)), inlined where the constructor runs
        java.util.function.Function<MethodInsnNode, MethodNode> helpers = call -> inline ? expandedBody(calls, hierarchy, call,
                owner.name, name, desc, 1, java.util.Set.of(owner.name + "." + name + desc), REQUIRED_SCALE, true) : null;
        for (int round = 1; inline && round < OBJECT_ROUNDS; round++) {
            // calls on objects made here whose class is known only now (a fluent a.add(b).scale(s) once add is
            // inlined, a factory's object, this.step() of a template method inlined from an abstract base)
            MethodNode inlined = withCallsOnObjectsInlined(calls, hierarchy, owner, name, desc, body, false);
            if (inlined == body) break;
            body = inlined;
        }
        ValueObjects.Replaced replaced = MutableObjects.replace(owner.name, body, calls::classNode, hierarchy, why, helpers,
                valuesFollowed);
        for (int round = 1; inline && round < OBJECT_ROUNDS && replaced.method() != body; round++) {
            // s.p.step(dt) of a particle held by a stepper made here: exact once the stepper's field is a local
            body = withCallsOnObjectsInlined(calls, hierarchy, owner, name, desc, replaced.method(), true);
            if (body == replaced.method()) break;
            ValueObjects.Replaced next = MutableObjects.replace(owner.name, body, calls::classNode, hierarchy, why, helpers,
                valuesFollowed);
            replaced = next.method() == body ? new ValueObjects.Replaced(body, next.whyKept()) : next;
        }
        return replaced;
    }

    /**
     * {@code body} with the calls on objects it makes inlined ({@link #onObjectsMadeHere}), or
     * {@code body} itself when none is.
     */
    private static MethodNode withCallsOnObjectsInlined(CallResolver calls, ClassHierarchy hierarchy, ClassNode owner,
                                                        String name, String desc, MethodNode body, boolean madeExact) {
        ExactReceivers.Devirtualised exact = ExactReceivers.devirtualised(owner.name, body, calls::classNode);
        java.util.Map<String, MethodNode> bodies = onObjectsMadeHere(calls, hierarchy, owner.name, name, desc, exact, madeExact);
        if (bodies.isEmpty()) return body;
        MethodNode inlined = inlineExact(calls, owner, exact, hierarchy, bodies);
        return inlined == exact.method() ? body : inlined;
    }

    /**
     * The bodies to inline for the calls of {@code exact} on objects the method makes ({@code
     * madeExact}: only those it made exact), by {@code owner.name descriptor}: such an object stays
     * in the method only if they are inlined, so they may be larger ({@link #REQUIRED_SCALE}), and
     * its own fields count as the method's (they become locals).
     */
    private static java.util.Map<String, MethodNode> onObjectsMadeHere(CallResolver calls, ClassHierarchy hierarchy, String owner,
                                                                      String name, String desc, ExactReceivers.Devirtualised exact,
                                                                      boolean madeExact) {
        java.util.Map<String, MethodNode> bodies = new java.util.HashMap<>();
        for (org.objectweb.asm.tree.AbstractInsnNode insn : exact.method().instructions) {
            if (!(insn instanceof MethodInsnNode call) || !exact.onObjectMadeHere(call)) continue;
            String key = call.owner + "." + call.name + call.desc;
            if (madeExact && !exact.calls().contains(key)) continue;
            MethodNode e = expandedBody(calls, hierarchy, call, owner, name, desc, 1, java.util.Set.of(owner + "." + name + desc),
                    REQUIRED_SCALE, true);
            if (e != null) bodies.put(key, e);
        }
        return bodies;
    }

    /**
     * Why a call in method {@code owner.name desc} is not inlined ({@link #expandedBody}), in words
     * for a refusal of what is passed to it: ": it is recursive"; "" for a call of the JDK's.
     */
    private static String whyNotInlined(CallResolver calls, ClassHierarchy hierarchy, MethodInsnNode call, String owner,
                                        String name, String desc) {
        if (!(calls.resolve(call) instanceof Callee.Differentiated d)) return "";
        ClassNode declaring = calls.classNode(d.owner());
        MethodNode body = declaring == null ? null : ClassFiles.method(declaring, d.name(), d.descriptor());
        if (d.virtual()) {
            // on an object made here its class's body runs, and may be this much larger; what stops that one is the reason
            String tooLarge = body == null ? null : Inliner.whyNotInlinable(body, REQUIRED_SCALE * Inliner.MAX_INSTRUCTIONS);
            return ": " + (tooLarge != null ? tooLarge : "it may be overridden (grad4j inlines static, private and final methods)");
        }
        if (body == null) return "";
        int scale = sizeScale(calls, call); // it is given a lambda
        String why = Inliner.whyNotInlinable(body, scale * Inliner.MAX_INSTRUCTIONS);
        if (why != null) return ": " + why;
        for (org.objectweb.asm.tree.AbstractInsnNode insn : body.instructions) {
            if (insn instanceof MethodInsnNode c && c.owner.equals(d.owner()) && c.name.equals(d.name()) && c.desc.equals(d.descriptor())) {
                return ": it is recursive";
            }
        }
        if (d.owner().equals(owner) && d.name().equals(name) && d.descriptor().equals(desc)) return ": it is the method itself";
        // (a value class's private fields are read where its objects are made here; one from a field keeps them)
        String privately = ClassFiles.nestTop(d.owner()).equals(ClassFiles.nestTop(owner)) ? null
                : ClassFiles.privateReachOutside(body, owner, calls::classNode, null);
        if (privately == null && expandedBody(calls, hierarchy, call, owner, name, desc, 1, java.util.Set.of(owner + "." + name + desc),
                scale) != null) {
            return "";
        }
        if (privately != null) {
            return ": it uses " + privately + ", which code generated for another class cannot reach (make it "
                    + "package-private, or public where the class is in another package)";
        }
        return ": with the helpers it calls inlined too, it goes over " + Inliner.MAX_DEPTH + " levels of calls or "
                + scale * MAX_EXPANDED_INSTRUCTIONS + " instructions, or one of them cannot be inlined";
    }

    /** Helpers called by inlined helpers are inlined too, up to this many levels of calls. */
    private static final int MAX_INLINE_DEPTH = Inliner.MAX_DEPTH;

    /** A helper with its own helpers inlined may grow to this many instructions. */
    private static final int MAX_EXPANDED_INSTRUCTIONS = 4 * Inliner.MAX_INSTRUCTIONS;

    /**
     * The body to inline for {@code call} (see {@link #inlinableBody}) with the helpers it calls
     * inlined into it in turn, {@code depth} levels down from the method being generated; null
     * when one of them cannot be. Inlining a body and leaving its helpers as calls would turn a
     * caller's loop into recursion that the helper's own variant avoids, so such a body is not
     * inlined at all: then the usual {@code p -> objective(p, data)} calls {@code objective}
     * once, and {@code objective}'s loops stay loops. With the helpers inlined too, a loss whose
     * loop calls {@code predict}, which calls {@code activation}, is one taped nest.
     *
     * @param chain the methods already being inlined (owner.name descriptor): none is inlined into itself
     */
    static MethodNode expandedBody(CallResolver calls, ClassHierarchy hierarchy, MethodInsnNode call,
                                           String owner, String name, String desc, int depth, java.util.Set<String> chain,
                                           int scale) {
        return expandedBody(calls, hierarchy, call, owner, name, desc, depth, chain, scale, false);
    }

    /**
     * As above; {@code onObjectMadeHere}: the call's receiver is an object the method makes, whose
     * fields become locals (MutableObjects), so the body's reads and writes of them count as the
     * method's even where they are private to another nest.
     */
    static MethodNode expandedBody(CallResolver calls, ClassHierarchy hierarchy, MethodInsnNode call,
                                           String owner, String name, String desc, int depth, java.util.Set<String> chain,
                                           int scale, boolean onObjectMadeHere) {
        MethodNode body = inlinableBody(calls, call, owner, name, desc, scale * Inliner.MAX_INSTRUCTIONS);
        if (body == null) return null;
        body = ExplicitNullChecks.of(ExplicitToString.of(body)); // String.valueOf(p) as p.toString(): inlined on an object made here
        Callee.Differentiated d = (Callee.Differentiated) calls.resolve(call);
        String key = d.owner() + "." + d.name() + d.descriptor();
        if (chain.contains(key)) return null;
        // a helper calling methods of an object it makes (a simulator stepping its Ball) runs their bodies
        ExactReceivers.Devirtualised exact = ExactReceivers.devirtualised(d.owner(), withFieldsReadOnce(calls, call, body),
                calls::classNode);
        MethodNode hoisted = exact.method();
        java.util.Map<String, MethodNode> inner = new java.util.HashMap<>();
        for (org.objectweb.asm.tree.AbstractInsnNode insn : hoisted.instructions) {
            boolean onObject = insn instanceof MethodInsnNode c && exact.onObjectMadeHere(c);
            if (!(insn instanceof MethodInsnNode c) || c.name.startsWith("<")
                    || inlinableBody(calls, c, d.owner(), body.name, body.desc, (onObject ? REQUIRED_SCALE : 1)
                            * Inliner.MAX_INSTRUCTIONS) == null) {
                continue;
            }
            // a helper of another nest that cannot be inlined stays a call, as it did before such helpers were inlined
            boolean otherNest = isOtherNest(calls, ((Callee.Differentiated) calls.resolve(c)).owner(), d.owner());
            // (whatever it returns: an accessor's boolean o.call() of a record made by the caller, an int bin(x);
            // inlined, its body's values are the caller's, and a result the generator could not return is no longer one)
            if (depth >= MAX_INLINE_DEPTH) {
                if (otherNest) continue;
                return null;
            }
            java.util.Set<String> deeper = new java.util.HashSet<>(chain);
            deeper.add(key);
            MethodNode e = expandedBody(calls, hierarchy, c, d.owner(), body.name, body.desc, depth + 1, deeper,
                    onObject ? REQUIRED_SCALE : 1, onObject);
            if (e == null && otherNest) continue;
            if (e == null) return null;
            inner.put(c.owner + "." + c.name + c.desc, e);
        }
        boolean checkPrivate = isOtherNest(calls, d.owner(), owner);
        String ownFields = onObjectMadeHere ? d.owner() : null;
        if (inner.isEmpty()) {
            hoisted = ExactReceivers.restored(hoisted, exact.calls()); // a copy of its own when it has any
            return checkPrivate && ClassFiles.reachesPrivatelyOutside(hoisted, owner, calls::classNode, ownFields) ? null : hoisted;
        }
        MethodNode expanded = inlineExact(calls, calls.classNode(d.owner()), exact, hierarchy, inner);
        // its helpers' reads of this.f, now reads of its own this (Inliner: onThis), once at its start too
        if (expanded != hoisted) expanded = InvariantFieldReads.hoist(calls.classNode(d.owner()), expanded, calls::classNode);
        int instructions = 0;
        for (org.objectweb.asm.tree.AbstractInsnNode insn : expanded.instructions) {
            if (insn.getOpcode() >= 0) instructions++;
            // a call the inliner left (a value beneath it it cannot spill) would stay a call
            if (insn instanceof MethodInsnNode c && inner.containsKey(c.owner + "." + c.name + c.desc)) return null;
        }
        if (checkPrivate && ClassFiles.reachesPrivatelyOutside(expanded, owner, calls::classNode, ownFields)) return null;
        return instructions <= scale * MAX_EXPANDED_INSTRUCTIONS ? expanded : null;
    }

    /** Whether a call returns an object {@link ValueObjects} may replace by its fields ({@code Vec2 plus(Vec2)}). */
    static boolean returnsValueObject(CallResolver calls, MethodInsnNode call) {
        Type result = Type.getReturnType(call.desc);
        return result.getSort() == Type.OBJECT && calls.isValueClass(result.getInternalName());
    }

    /**
     * Whether a call returns objects of the program's classes, which it may have made: a value
     * object, a factory's {@code Body}, a {@code Body[]}. Inlined, they are made in the caller,
     * which may replace them by their fields ({@link MutableObjects}, {@link ValueObjects}).
     */
    static boolean returnsProgramObjects(CallResolver calls, MethodInsnNode call) {
        Type result = Type.getReturnType(call.desc);
        if (result.getSort() == Type.ARRAY && result.getDimensions() == 1) result = result.getElementType();
        return returnsValueObject(calls, call)
                || result.getSort() == Type.OBJECT && !org.grad4j.transformer.analysis.CallResolver.isJdk(result.getInternalName());
    }

    /**
     * The body, as written, to inline for {@code call} in method {@code owner.name desc}: a small helper that
     * the call always reaches (static, private or final: not virtual), other than the method
     * itself; else null. A helper of another nest ({@code Integrators.rk4} in a class of its own)
     * may be inlined only if, expanded, it reaches none of that nest's private members, which the
     * generated class cannot reach (see HostAccess): {@link #expandedBody} checks that, see
     * {@link #isOtherNest}.
     */
    private static MethodNode inlinableBody(CallResolver calls, MethodInsnNode call, String owner, String name, String desc) {
        return inlinableBody(calls, call, owner, name, desc, Inliner.MAX_INSTRUCTIONS);
    }

    /** As above, for bodies of up to {@code limit} instructions. */
    private static MethodNode inlinableBody(CallResolver calls, MethodInsnNode call, String owner, String name, String desc,
                                            int limit) {
        if (!(calls.resolve(call) instanceof Callee.Differentiated d) || d.virtual()) return null;
        if (d.owner().equals(owner) && d.name().equals(name) && d.descriptor().equals(desc)) return null;
        ClassNode declaring = calls.classNode(d.owner());
        MethodNode body = declaring == null ? null : ClassFiles.method(declaring, d.name(), d.descriptor());
        if (body != null) body = RecordText.body(declaring, body); // a record's toString, written out
        return body != null && Inliner.whyNotInlinable(body, limit) == null ? body : null;
    }

    /**
     * Helpers given a lambda that the method makes may be this many times larger than others: only
     * inlined is the lambda called in the method, where its captured values may be differentiable
     * ({@link LambdaObjects}), so a larger body (an RK4 step over a vector state) is inlined rather
     * than refused. Only where the method as written was refused ({@code Transformer.withHelpersInlinedInsteadOfRefused}).
     */
    private static final int LAMBDA_HELPER_SCALE = 3;

    /**
     * Likewise for methods called on an object the method makes: only inlined does the object
     * stay in the method, its fields becoming locals (MutableObjects), so an RK4 step of a
     * simulator's state is inlined rather than the object refused.
     */
    private static final int REQUIRED_SCALE = LAMBDA_HELPER_SCALE;

    /**
     * {@link #LAMBDA_HELPER_SCALE} for a call taking a function type in a method that makes lambdas,
     * or objects of the program's (an ODE system object handed to an RK4 integrator); else 1.
     */
    private static int sizeScale(CallResolver calls, MethodInsnNode call, MethodNode method) {
        return makesLambdas(method) || makesProgramObjects(method) ? sizeScale(calls, call) : 1;
    }

    private static boolean makesProgramObjects(MethodNode method) {
        for (org.objectweb.asm.tree.AbstractInsnNode insn : method.instructions) {
            if (insn instanceof org.objectweb.asm.tree.TypeInsnNode t && t.getOpcode() == org.objectweb.asm.Opcodes.NEW
                    && !CallResolver.isJdk(t.desc)) {
                return true;
            }
        }
        return false;
    }

    /** {@link #LAMBDA_HELPER_SCALE} for a call taking a function type (an interface of the JDK's or the program's); else 1. */
    private static int sizeScale(CallResolver calls, MethodInsnNode call) {
        for (Type t : Type.getArgumentTypes(call.desc)) {
            if (t.getSort() != Type.OBJECT) continue;
            String n = t.getInternalName();
            ClassNode c = n.startsWith("java/util/function/") ? null : calls.classNode(n);
            if (n.startsWith("java/util/function/") || c != null && (c.access & org.objectweb.asm.Opcodes.ACC_INTERFACE) != 0) {
                return LAMBDA_HELPER_SCALE;
            }
        }
        return 1;
    }

    /**
     * Whether a helper's body, inlined into a method of {@code owner}, must be checked for private
     * members of its own nest ({@link ClassFiles#reachesPrivatelyOutside}): it is of another nest,
     * and not a value class's (whose reads of its own fields go with its objects, see ValueObjects).
     */
    private static boolean isOtherNest(CallResolver calls, String helperOwner, String owner) {
        return !ClassFiles.nestTop(helperOwner).equals(ClassFiles.nestTop(owner)) && !calls.isValueClass(helperOwner);
    }

    /**
     * A helper body as it is inlined: its reads of {@code this}'s fields done once at its start
     * (see {@link InvariantFieldReads}). Only for bodies about to be inlined: the checks that
     * merely ask whether a call could be inlined need no copy.
     */
    private static MethodNode withFieldsReadOnce(CallResolver calls, MethodInsnNode call, MethodNode body) {
        String owner = ((Callee.Differentiated) calls.resolve(call)).owner();
        return InvariantFieldReads.hoist(calls.classNode(owner), body, calls::classNode);
    }

    /**
     * {@link #inline} into {@code exact}'s method (its calls on objects made there made exact),
     * the calls made exact that are not inlined after all made virtual again
     * ({@link ExactReceivers#restored}; {@code exact.method()} is a copy of its own when it has any).
     */
    static MethodNode inlineExact(CallResolver calls, ClassNode owner, ExactReceivers.Devirtualised exact, ClassHierarchy hierarchy,
                                  java.util.Map<String, MethodNode> inlined) {
        return ExactReceivers.restored(inline(calls, owner, exact.method(), hierarchy, inlined), exact.calls());
    }

    /**
     * The method with the calls of {@code inlined}'s helpers (by {@code owner.name descriptor})
     * inlined. A call that may dispatch elsewhere (virtual, its receiver's class unknown) is never
     * inlined, though a call of the same method on an object made here was made exact
     * ({@link ExactReceivers}) and its body is in {@code inlined}.
     */
    static MethodNode inline(CallResolver calls, ClassNode owner, MethodNode method, ClassHierarchy hierarchy,
                                     java.util.Map<String, MethodNode> inlined) {
        // the operand stack at each call matters only for helpers with loops: compute it only then
        boolean loops = inlined.values().stream().anyMatch(Inliner::hasLoop);
        boolean instanceBodies = (method.access & org.objectweb.asm.Opcodes.ACC_STATIC) == 0 && !Inliner.storesThis(method)
                && inlined.values().stream().anyMatch(m -> (m.access & org.objectweb.asm.Opcodes.ACC_STATIC) == 0);
        org.objectweb.asm.tree.analysis.Frame<org.objectweb.asm.tree.analysis.BasicValue>[] frames =
                loops ? ClassFiles.frames(owner, method, hierarchy) : null;
        org.objectweb.asm.tree.analysis.Frame<org.objectweb.asm.tree.analysis.SourceValue>[] sources =
                loops || instanceBodies ? sourceFrames(owner, method) : null;
        java.util.function.Predicate<MethodInsnNode> onThis = call -> {
            if (!instanceBodies || sources == null || call.getOpcode() == org.objectweb.asm.Opcodes.INVOKESTATIC) return false;
            org.objectweb.asm.tree.analysis.Frame<org.objectweb.asm.tree.analysis.SourceValue> f =
                    sources[method.instructions.indexOf(call)];
            if (f == null) return false;
            org.objectweb.asm.tree.analysis.SourceValue receiver =
                    f.getStack(f.getStackSize() - Type.getArgumentTypes(call.desc).length - 1);
            return !receiver.insns.isEmpty() && receiver.insns.stream().allMatch(insn ->
                    insn instanceof org.objectweb.asm.tree.VarInsnNode v && v.var == 0
                            && v.getOpcode() == org.objectweb.asm.Opcodes.ALOAD);
        };
        java.util.function.Function<MethodInsnNode, MethodNode> bodyOf = call -> {
            MethodNode body = inlined.get(call.owner + "." + call.name + call.desc);
            boolean dispatches = call.getOpcode() == org.objectweb.asm.Opcodes.INVOKEVIRTUAL
                    || call.getOpcode() == org.objectweb.asm.Opcodes.INVOKEINTERFACE;
            return body != null && dispatches && calls.resolve(call) instanceof Callee.Differentiated d && d.virtual() ? null : body;
        };
        return Inliner.inline(method, bodyOf, insn -> {
            if (frames == null || sources == null) return null;
            int at = method.instructions.indexOf(insn);
            org.objectweb.asm.tree.analysis.Frame<org.objectweb.asm.tree.analysis.BasicValue> f = frames[at];
            if (f == null || sources[at] == null) return null;
            MethodInsnNode call = (MethodInsnNode) insn;
            int operands = Type.getArgumentTypes(call.desc).length + (call.getOpcode() == org.objectweb.asm.Opcodes.INVOKESTATIC ? 0 : 1);
            Type[] below = new Type[f.getStackSize() - operands];
            for (int i = 0; i < below.length; i++) {
                below[i] = f.getStack(i).getType();
                // an object beneath may wait in a local only if it is initialised: not a new (or a
                // copy of one) before its constructor ran. s += huber(predict(x)) with instance
                // helpers has this beneath predict's call
                if (below[i].getSort() == Type.OBJECT && !initialised(sources[at].getStack(i))) return null;
            }
            return below;
        }, onThis);
    }

    /** Which instructions produced each stack value, or null when the method cannot be analysed so. */
    @SuppressWarnings("unchecked")
    private static org.objectweb.asm.tree.analysis.Frame<org.objectweb.asm.tree.analysis.SourceValue>[] sourceFrames(
            ClassNode owner, MethodNode method) {
        try {
            return new org.objectweb.asm.tree.analysis.Analyzer<>(new org.objectweb.asm.tree.analysis.SourceInterpreter())
                    .analyze(owner.name, method);
        } catch (org.objectweb.asm.tree.analysis.AnalyzerException e) {
            return null;
        }
    }

    /** Whether the value certainly is no object under construction: nothing it comes from is a new or a stack copy. */
    private static boolean initialised(org.objectweb.asm.tree.analysis.SourceValue v) {
        for (org.objectweb.asm.tree.AbstractInsnNode insn : v.insns) {
            int op = insn.getOpcode();
            if (op == org.objectweb.asm.Opcodes.NEW || (op >= org.objectweb.asm.Opcodes.DUP && op <= org.objectweb.asm.Opcodes.SWAP)) {
                return false;
            }
        }
        return true;
    }
}
