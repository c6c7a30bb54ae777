package org.grad4j.transformer.analysis;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.grad4j.TransformException;
import org.grad4j.rules.Rule;
import org.grad4j.rules.RuleTable;
import org.grad4j.transformer.ClassFileLocator;
import org.grad4j.transformer.ir.Types;
import org.grad4j.transformer.read.ClassFiles;
import org.grad4j.transformer.streams.StreamFusion;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * Decides what each call is. Lookup order: a custom rule ({@code @AdjointOf} beside the method,
 * or one registered in the rule table), a built-in rule, a JDK array operation, the method's
 * body differentiated (any method whose bytecode can be read, annotated or not), else a plain
 * call.
 */
public final class CallResolver {
    private static final java.util.Set<String> GRAD4J_API = java.util.Set.of("org/grad4j/AD", "org/grad4j/Model",
            "org/grad4j/tensor/TensorAD");

    private final RuleTable rules;
    private final ClassFileLocator locator;
    private final Map<String, ClassNode> classes = new ConcurrentHashMap<>();

    public CallResolver(RuleTable rules, ClassFileLocator locator) {
        this.rules = rules;
        this.locator = locator;
    }

    public Callee resolve(MethodInsnNode call) {
        if (call.name.startsWith("<")) return new Callee.Plain("a constructor");
        Rule rule = ruleOf(call);
        if (rule != null) return new Callee.Ruled(rule);
        Rule outOfPlace = dupOverloadRule(call);
        if (outOfPlace != null) return new Callee.Ruled(outOfPlace);
        Callee.ArrayOp.Kind op = arrayOp(call);
        if (op != null) return new Callee.ArrayOp(op);
        if (GRAD4J_API.contains(call.owner)) {
            return new Callee.Plain("it is grad4j's own API: a gradient inside differentiated code (a higher-order "
                    + "derivative) is not supported");
        }
        if (MessageCalls.isMessageCall(call)) {
            return new Callee.Plain("it only makes a message of its arguments (a logger, or an argument check that returns nothing)");
        }
        boolean dispatches = call.getOpcode() == Opcodes.INVOKEVIRTUAL || call.getOpcode() == Opcodes.INVOKEINTERFACE;
        if (isJdk(call.owner)) {
            if (dispatches && call.owner.startsWith("java/util/function/")) {
                return differentiated(call.owner, call, false, true); // a user's implementation of a JDK function type
            }
            return new Callee.Plain(internalNameIsNd4j(call.owner) ? "it is an ND4J operation grad4j has no rule for"
                    : "it is a JDK method grad4j has no rule for");
        }
        ClassNode declaring = declaringClass(call.owner, call.name, call.desc);
        if (declaring == null) {
            if (dispatches && classNode(call.owner) != null) return differentiated(call.owner, call, false, true);
            return new Callee.Plain("its bytecode could not be found");
        }
        MethodNode target = ClassFiles.method(declaring, call.name, call.desc);
        boolean isStatic = (target.access & Opcodes.ACC_STATIC) != 0;
        boolean exact = isStatic || call.getOpcode() == Opcodes.INVOKESPECIAL
                || (target.access & (Opcodes.ACC_PRIVATE | Opcodes.ACC_FINAL)) != 0
                || (declaring.access & Opcodes.ACC_FINAL) != 0;
        if (!exact) return differentiated(call.owner, call, false, true);
        if ((target.access & Opcodes.ACC_NATIVE) != 0) return new Callee.Plain("it is native (no bytecode)");
        if ((target.access & Opcodes.ACC_ABSTRACT) != 0) return new Callee.Plain("it is abstract");
        return differentiated(declaring.name, call, isStatic, false);
    }

    /**
     * The rule a call resolves to, or null: a custom rule ({@code @AdjointOf} beside the method, or
     * registered), else a built-in one. Also asked of a method a gradient starts in, which keeps its
     * rule there too.
     *
     * @throws TransformException naming a broken {@code @AdjointOf} rule of the method, or one of its class that names no method
     */
    public Rule ruleOf(MethodInsnNode call) {
        Rule custom = adjointOf(call);
        return custom != null ? custom : rules.lookup(call.owner, call.name, call.desc);
    }

    /**
     * {@code Transforms.f(x, ..., boolean dup)} has the rule of {@code Transforms.f(x, ...)}: its
     * adjoint methods take the arguments before the flag. Only right with {@code dup == true};
     * {@code Activity} refuses the call with any other flag (it overwrites {@code x}).
     */
    private Rule dupOverloadRule(MethodInsnNode call) {
        if (!TensorWrites.isDupOverload(call)) return null;
        Type[] args = Type.getArgumentTypes(call.desc);
        String base = Type.getMethodDescriptor(Type.getReturnType(call.desc), java.util.Arrays.copyOf(args, args.length - 1));
        Rule r = rules.lookup(call.owner, call.name, base);
        if (r == null) return null;
        Rule.AdjointMethod[] adjoints = new Rule.AdjointMethod[r.arity()];
        for (int i = 0; i < adjoints.length; i++) adjoints[i] = r.adjoint(i);
        return new Rule(call.owner, call.name, call.desc, adjoints, r.isInstance());
    }

    private Callee differentiated(String owner, MethodInsnNode call, boolean isStatic, boolean virtual) {
        rules.noteDifferentiated(owner, call.name, call.desc);
        return new Callee.Differentiated(owner, call.name, call.desc, isStatic, virtual);
    }

    /**
     * Code grad4j does not differentiate from its body: the JDK (bootstrap classes cannot see
     * grad4j's runtime) and ND4J (its operations are primitives with rules, and its
     * implementation is native).
     */
    public static boolean isJdk(String internalName) {
        return internalName.startsWith("java/") || internalName.startsWith("javax/") || internalName.startsWith("jdk/")
                || internalName.startsWith("sun/") || internalName.startsWith("com/sun/") || internalName.startsWith("[")
                || internalName.startsWith("org/nd4j/") || internalName.startsWith("org/bytedeco/");
    }

    private static boolean internalNameIsNd4j(String owner) {
        return owner.startsWith("org/nd4j/") || owner.startsWith("org/bytedeco/");
    }

    private final Map<String, Boolean> onlyReadsArrays = new ConcurrentHashMap<>();

    /** As {@link #onlyReadsArrays}, with virtual calls inside answered by their loaded implementations (see {@link #mayWriteArrays}). */
    private final Map<String, Boolean> onlyReadsArraysKnownNow = new ConcurrentHashMap<>();
    private final Map<String, Boolean> valueClasses = new ConcurrentHashMap<>();

    /**
     * Whether objects of the class may be replaced by their fields in differentiated code
     * ({@code inline.ValueObjects}): asked of every call to another nest and every call returning
     * an object while helpers are chosen for inlining, so each class is looked at once.
     */
    public boolean isValueClass(String internalName) {
        return valueClasses.computeIfAbsent(internalName,
                name -> org.grad4j.transformer.inline.ValueObjects.isValueClass(name, this::classNode));
    }

    /**
     * Whether a differentiated callee, which always runs the same body, leaves every array it is
     * given as it found it ({@link ArrayReaders}): then, when its result carries no derivative, it
     * may run as written even with differentiable arrays.
     */
    public boolean onlyReadsArrays(Callee.Differentiated callee) {
        if (callee.virtual()) return false;
        return onlyReadsArrays.computeIfAbsent(callee.owner() + "." + callee.name() + callee.descriptor(),
                k -> new ArrayReaders(this).onlyReads(callee.owner(), callee.name(), callee.descriptor()));
    }

    /**
     * Whether a differentiated call may write an array it is given, as far as its bodies known now
     * show: its one body, or for a virtual call every loaded implementation (none known: false), and
     * in them, virtual calls by their loaded implementations too (a residual block calling its inner
     * layer).
     */
    public boolean mayWriteArrays(MethodInsnNode call, Callee.Differentiated callee) {
        if (!callee.virtual()) return !onlyReadsArrays(callee);
        java.util.List<String[]> bodies = implementations(call);
        if (bodies == null) return false;
        for (String[] b : bodies) {
            if (!onlyReadsArraysKnownNow.computeIfAbsent(b[0] + "." + b[1] + b[2],
                    k -> new ArrayReaders(this, true).onlyReads(b[0], b[1], b[2]))) {
                return true;
            }
        }
        return false;
    }

    private final Map<String, Boolean> readsOnly = new ConcurrentHashMap<>();

    /**
     * Whether a call runs a body that writes no memory and calls nothing but {@code Math} (not
     * {@code random()}): a getter ({@code t.isLeaf()}, a record's accessor) — a static, private or
     * {@code final} method, or one of a {@code final} class, called on a class outside the JDK.
     * Calling it again changes nothing.
     */
    public boolean writesNothing(MethodInsnNode call) {
        if (isJdk(call.owner) || call.getOpcode() == Opcodes.INVOKEINTERFACE) return false;
        return readsOnly.computeIfAbsent(call.owner + "." + call.name + call.desc + call.getOpcode(), k -> {
            ClassNode owner = declaringClass(call.owner, call.name, call.desc);
            MethodNode m = owner == null ? null : ClassFiles.method(owner, call.name, call.desc);
            if (m == null || (m.access & (Opcodes.ACC_ABSTRACT | Opcodes.ACC_NATIVE | Opcodes.ACC_SYNCHRONIZED)) != 0) return false;
            boolean exact = call.getOpcode() != Opcodes.INVOKEVIRTUAL
                    || (m.access & (Opcodes.ACC_FINAL | Opcodes.ACC_PRIVATE)) != 0 || (owner.access & Opcodes.ACC_FINAL) != 0;
            if (!exact) return false;
            for (org.objectweb.asm.tree.AbstractInsnNode insn : m.instructions) {
                int op = insn.getOpcode();
                if (op == Opcodes.PUTFIELD || op == Opcodes.PUTSTATIC || (op >= Opcodes.IASTORE && op <= Opcodes.SASTORE)
                        || op == Opcodes.MONITORENTER || op == Opcodes.MONITOREXIT || op == Opcodes.INVOKEDYNAMIC) {
                    return false;
                }
                if (insn instanceof MethodInsnNode inner && !org.grad4j.transformer.ir.Stmt.isPureMath(inner)) return false;
            }
            return true;
        });
    }

    /** Null when the method only reads the arrays it is given, else what may write one ({@link ArrayReaders#whyNot}). */
    public String whyNotOnlyReads(String owner, String name, String descriptor) {
        return new ArrayReaders(this).whyNot(owner, name, descriptor);
    }

    /** The {@code @AdjointOf} rules of each class looked at, by class: read and checked once. */
    private final Map<String, AdjointOfRules.Rules> adjointOfRules = new ConcurrentHashMap<>();

    /**
     * A custom rule declared beside the method with {@code @AdjointOf}. Looking at one rule of a
     * class checks them all (see {@link AdjointOfRules}): a broken one throws every time its
     * method is called, a misnamed one every time the class is.
     */
    private Rule adjointOf(MethodInsnNode call) {
        if (isJdk(call.owner) || call.getOpcode() != Opcodes.INVOKESTATIC) return null;
        ClassNode owner = declaringClass(call.owner, call.name, call.desc);
        if (owner == null) return null;
        return adjointOfRules.computeIfAbsent(owner.name, n -> AdjointOfRules.of(owner)).forCall(call.name, call.desc);
    }

    private static Callee.ArrayOp.Kind arrayOp(MethodInsnNode call) {
        String sig = call.owner + "." + call.name + call.desc;
        if (sig.equals("java/lang/System.arraycopy(Ljava/lang/Object;ILjava/lang/Object;II)V")) return Callee.ArrayOp.Kind.ARRAYCOPY;
        if (call.owner.startsWith("[") && call.name.equals("clone") && Types.isShadowed(Type.getType(call.owner))) {
            return Callee.ArrayOp.Kind.CLONE;
        }
        if (call.owner.equals("java/util/Objects") && call.name.equals("requireNonNull")
                && call.desc.startsWith("(Ljava/lang/Object;")) {
            return Callee.ArrayOp.Kind.SAME;
        }
        if (!call.owner.equals("java/util/Arrays")) return null;
        return switch (call.name + call.desc) {
            case "fill([DD)V", "fill([FF)V" -> Callee.ArrayOp.Kind.FILL;
            case "fill([DIID)V", "fill([FIIF)V" -> Callee.ArrayOp.Kind.FILL_RANGE;
            // the generic overload copies rows (double[][]) or tensors (INDArray[]) by reference, as clone() does
            case "copyOf([DI)[D", "copyOf([FI)[F", "copyOf([Ljava/lang/Object;I)[Ljava/lang/Object;" -> Callee.ArrayOp.Kind.COPY_OF;
            case "copyOfRange([DII)[D", "copyOfRange([FII)[F", "copyOfRange([Ljava/lang/Object;II)[Ljava/lang/Object;" ->
                    Callee.ArrayOp.Kind.COPY_OF_RANGE;
            default -> null;
        };
    }

    static final String PARAMETER = "Lorg/grad4j/Parameter;";

    /**
     * The key of a {@code @Parameter} field read by {@code get}: the declaring class's binary
     * name, a dot, the field's name; null when the field is not a parameter of a differentiable
     * type.
     */
    public String parameterKey(org.objectweb.asm.tree.FieldInsnNode get) {
        if (isJdk(get.owner) || !Types.isDifferentiable(Type.getType(get.desc))) return null;
        for (String c = get.owner; c != null; ) {
            ClassNode node = classNode(c);
            if (node == null) return null;
            for (org.objectweb.asm.tree.FieldNode f : node.fields) {
                if (!f.name.equals(get.name) || !f.desc.equals(get.desc)) continue;
                boolean annotated = (f.visibleAnnotations != null && f.visibleAnnotations.stream().anyMatch(a -> a.desc.equals(PARAMETER)))
                        || (f.invisibleAnnotations != null && f.invisibleAnnotations.stream().anyMatch(a -> a.desc.equals(PARAMETER)));
                return annotated ? node.name.replace('/', '.') + "." + f.name : null;
            }
            c = node.superName;
        }
        return null;
    }

    private final Map<String, Boolean> holdsParameters = new ConcurrentHashMap<>();

    /**
     * Whether an object of this type may hold model parameters: its class, or a superclass,
     * declares a {@code @Parameter} field, or a field whose declared type (or element type) may,
     * a few levels deep — a collection, a map or an {@code Object} field may hold modules. A model reached by a static field or through a JDK container
     * ({@code NET.loss(x)}, {@code ref.get().loss(x)}) is then a holder like the lambda's argument.
     */
    public boolean mayHoldParameters(Type t) {
        while (t.getSort() == Type.ARRAY) t = t.getElementType();
        if (t.getSort() != Type.OBJECT || isJdk(t.getInternalName())) return false;
        return mayHoldParameters(t.getInternalName(), 0);
    }

    private boolean mayHoldParameters(String internalName, int depth) {
        Boolean known = holdsParameters.get(internalName);
        if (known != null) return known;
        if (depth > 4) return false;
        holdsParameters.put(internalName, false); // a cycle of field types: the other paths decide
        boolean holds = false;
        for (String c = internalName; c != null && !holds && !isJdk(c); ) {
            ClassNode node = classNode(c);
            if (node == null) break;
            for (org.objectweb.asm.tree.FieldNode f : node.fields) {
                if ((f.access & Opcodes.ACC_STATIC) != 0) continue;
                boolean annotated = (f.visibleAnnotations != null && f.visibleAnnotations.stream().anyMatch(a -> a.desc.equals(PARAMETER)))
                        || (f.invisibleAnnotations != null && f.invisibleAnnotations.stream().anyMatch(a -> a.desc.equals(PARAMETER)));
                Type ft = Type.getType(f.desc);
                while (ft.getSort() == Type.ARRAY) ft = ft.getElementType();
                if (annotated || ft.getSort() == Type.OBJECT && (isContainer(ft.getInternalName())
                        || !isJdk(ft.getInternalName()) && mayHoldParameters(ft.getInternalName(), depth + 1))) {
                    holds = true;
                    break;
                }
            }
            c = node.superName;
        }
        holdsParameters.put(internalName, holds);
        return holds;
    }

    /** A JDK type that may hold modules: {@code Object}, collections, maps, {@code Optional}, references. */
    private static boolean isContainer(String internalName) {
        return internalName.equals("java/lang/Object") || internalName.startsWith("java/util/")
                || internalName.startsWith("java/util/concurrent/atomic/");
    }

    private final Map<String, java.util.Optional<java.util.List<String[]>>> implementations = new ConcurrentHashMap<>();

    /**
     * The bodies a call may run, each as {owner, name, descriptor} (the class that declares it):
     * one for a call that always runs the same body; for a virtual or interface call, the body it
     * names (unless abstract) and the overrides in every loaded subtype. Null when that cannot be
     * known: the call is virtual and the locator lists no loaded classes, or a lambda implements
     * the type. Empty for the JDK and ND4J.
     */
    public java.util.List<String[]> implementations(MethodInsnNode call) {
        if (isJdk(call.owner)) return java.util.List.of();
        return implementations.computeIfAbsent(call.owner + "." + call.name + call.desc + call.getOpcode(),
                k -> java.util.Optional.ofNullable(findImplementations(call))).orElse(null);
    }

    /**
     * {@link #implementations(MethodInsnNode)} of a call made in class {@code caller}, with the
     * bodies of the lambdas of the called interface that {@code caller} makes, loaded or not: a
     * lambda made inside the method being transformed gets its class only when that code first
     * runs, after the transform.
     */
    public java.util.List<String[]> implementations(MethodInsnNode call, String caller) {
        java.util.List<String[]> loaded = implementations(call);
        if (loaded == null || caller == null || isJdk(call.owner) || call.getOpcode() != Opcodes.INVOKEINTERFACE) return loaded;
        java.util.List<String[]> all = new java.util.ArrayList<>(loaded);
        Boolean made = lambdaBodies(caller + ";" + call.owner, call, all); // FALSE, none made there: the loaded ones
        return made == null ? null : all;
    }

    /**
     * The bodies a virtual call runs on objects of the classes {@code caller} makes ({@code new
     * Decay()} where the call is {@code Rhs.eval}), each {owner, name, descriptor}: loaded or not,
     * since a class made in the method being transformed is often loaded only when that code first
     * runs. Empty for a call that is not virtual.
     */
    public java.util.List<String[]> implementationsMadeIn(MethodInsnNode call, String caller,
                                                         org.grad4j.transformer.read.ClassHierarchy hierarchy) {
        java.util.List<String[]> found = new java.util.ArrayList<>();
        ClassNode creator = classNode(caller);
        if (creator == null || isJdk(call.owner) || call.getOpcode() == Opcodes.INVOKESTATIC
                || call.getOpcode() == Opcodes.INVOKESPECIAL) {
            return found;
        }
        java.util.Set<String> made = new java.util.LinkedHashSet<>();
        for (MethodNode m : creator.methods) {
            for (org.objectweb.asm.tree.AbstractInsnNode insn : m.instructions) {
                if (insn instanceof org.objectweb.asm.tree.TypeInsnNode t && t.getOpcode() == Opcodes.NEW && !isJdk(t.desc)) {
                    made.add(t.desc);
                }
            }
        }
        for (String c : made) {
            if (!hierarchy.isSubtype(c, call.owner)) continue;
            ClassNode d = declaringClass(c, call.name, call.desc);
            MethodNode body = d == null ? null : ClassFiles.method(d, call.name, call.desc);
            if (body != null && (body.access & (Opcodes.ACC_ABSTRACT | Opcodes.ACC_NATIVE)) == 0) {
                found.add(new String[] {d.name, call.name, call.desc});
            }
        }
        return found;
    }

    private java.util.List<String[]> findImplementations(MethodInsnNode call) {
        java.util.List<String[]> found = new java.util.ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        ClassNode declaring = declaringClass(call.owner, call.name, call.desc);
        MethodNode target = declaring == null ? null : ClassFiles.method(declaring, call.name, call.desc);
        if (target != null && (target.access & (Opcodes.ACC_ABSTRACT | Opcodes.ACC_NATIVE)) == 0) {
            found.add(new String[] {declaring.name, call.name, call.desc});
            seen.add(declaring.name);
        }
        boolean exact = target != null && ((target.access & (Opcodes.ACC_STATIC | Opcodes.ACC_PRIVATE | Opcodes.ACC_FINAL)) != 0
                || call.getOpcode() == Opcodes.INVOKESPECIAL || call.getOpcode() == Opcodes.INVOKESTATIC
                || (declaring.access & Opcodes.ACC_FINAL) != 0);
        if (exact) return found;
        java.util.List<String> subtypes = locator.loadedSubtypes(call.owner);
        if (subtypes == null) return null;
        for (String sub : subtypes) {
            if (sub.startsWith(ClassFileLocator.LAMBDA)) {
                if (lambdaBodies(sub.substring(ClassFileLocator.LAMBDA.length()), call, found) != Boolean.TRUE) return null;
                continue;
            }
            ClassNode d = declaringClass(sub, call.name, call.desc);
            if (d == null) {
                ClassNode node = classNode(sub);
                if (node == null || (node.access & (Opcodes.ACC_ABSTRACT | Opcodes.ACC_INTERFACE)) == 0) return null; // unreadable
                continue; // an abstract class or interface between: its concrete subtypes are listed too
            }
            MethodNode body = ClassFiles.method(d, call.name, call.desc);
            if ((body.access & (Opcodes.ACC_ABSTRACT | Opcodes.ACC_NATIVE)) != 0 || !seen.add(d.name)) continue;
            found.add(new String[] {d.name, call.name, call.desc});
        }
        return found;
    }

    /**
     * The bodies lambdas made by {@code creator} (as {@code creator;interface}) run for the call:
     * the implementation method of each of its lambda sites making the interface, as {owner,
     * name, descriptor, handle tag, number of captured values} (the body takes the captured
     * values first, then the interface method's arguments). A site whose functional method is not
     * the one called adds nothing (the lambda runs the interface's default body, listed already).
     * True when the creator makes such lambdas, false when it makes none; null when what they run
     * cannot be known: the creator cannot be read, or a site implements the called name with
     * another descriptor.
     */
    private Boolean lambdaBodies(String lambda, MethodInsnNode call, java.util.List<String[]> found) {
        int semicolon = lambda.indexOf(';');
        ClassNode creator = classNode(lambda.substring(0, semicolon));
        String functional = lambda.substring(semicolon + 1);
        if (creator == null) return null;
        boolean made = false;
        for (MethodNode m : creator.methods) {
            for (org.objectweb.asm.tree.AbstractInsnNode insn : m.instructions) {
                if (!(insn instanceof org.objectweb.asm.tree.InvokeDynamicInsnNode indy)
                        || !indy.bsm.getOwner().equals("java/lang/invoke/LambdaMetafactory")
                        || !Type.getReturnType(indy.desc).getInternalName().equals(functional)) {
                    continue;
                }
                made = true;
                if (!indy.name.equals(call.name)) continue;
                if (indy.bsmArgs.length < 3 || !(indy.bsmArgs[0] instanceof Type sam) || !(indy.bsmArgs[1] instanceof org.objectweb.asm.Handle h)
                        || !sam.getDescriptor().equals(call.desc)) {
                    return null;
                }
                String[] body = {h.getOwner(), h.getName(), h.getDesc(), Integer.toString(h.getTag()),
                        Integer.toString(Type.getArgumentTypes(indy.desc).length)};
                if (found.stream().noneMatch(b -> java.util.Arrays.equals(b, body))) found.add(body);
            }
        }
        return made;
    }

    /**
     * The class that declares the method: {@code owner} or the superclass it inherits it from, else
     * a superinterface of theirs, not the JDK's, that declares it as an instance method (a default
     * method, or an abstract one), a default body before an abstract declaration.
     */
    public ClassNode declaringClass(String owner, String name, String desc) {
        java.util.List<String> interfaces = new java.util.ArrayList<>();
        for (String c = owner; c != null; ) {
            ClassNode node = classNode(c);
            if (node == null) return null;
            if (ClassFiles.method(node, name, desc) != null) return node;
            interfaces.addAll(node.interfaces);
            c = node.superName;
        }
        ClassNode declared = null;
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < interfaces.size(); i++) { // breadth first: the nearest interface first
            String iface = interfaces.get(i);
            ClassNode node = seen.add(iface) && !isJdk(iface) ? classNode(iface) : null;
            if (node == null) continue;
            MethodNode m = ClassFiles.method(node, name, desc);
            if (m != null && (m.access & (Opcodes.ACC_STATIC | Opcodes.ACC_PRIVATE)) == 0) {
                if ((m.access & Opcodes.ACC_ABSTRACT) == 0) return node;
                if (declared == null) declared = node;
            }
            interfaces.addAll(node.interfaces);
        }
        return declared;
    }

    private final AdjointParameters adjointParameters = new AdjointParameters(this::classNode);

    /** The parameters a rule's adjoint method reads, by index (see {@link AdjointParameters}). */
    public java.util.BitSet parametersRead(Rule.AdjointMethod m) {
        return adjointParameters.of(m);
    }

    public ClassNode classNode(String internalName) {
        if (internalName.startsWith("[")) return null;
        ClassNode cached = classes.get(internalName);
        if (cached != null) return cached;
        byte[] bytes = locator.bytesOf(internalName);
        if (bytes == null) return null;
        ClassNode node;
        try {
            node = ClassFiles.read(bytes);
        } catch (RuntimeException e) {
            return null; // damaged bytes: treated as unreadable
        }
        StreamFusion.apply(node); // every reader of the class's code sees its pipelines as loops
        classes.put(internalName, node);
        return node;
    }
}
