package org.grad4j.transformer.analysis;

import java.util.BitSet;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.grad4j.transformer.ir.Types;
import org.grad4j.transformer.read.ClassFiles;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.VarInsnNode;
import org.objectweb.asm.tree.analysis.Analyzer;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.Frame;
import org.objectweb.asm.tree.analysis.SourceInterpreter;
import org.objectweb.asm.tree.analysis.SourceValue;

/**
 * Whether a call of the program may change in place a tensor its caller can reach: one it is
 * given, or one held in a field. Every body the call may run is looked at ({@link
 * CallResolver#implementations}: the overrides of a virtual call in the loaded classes), and the
 * calls in it, a few levels deep. A change counts unless its tensor is, followed back through
 * locals, casts and views, one the body made itself (a new array from an ND4J call) or an
 * argument the caller says is harmless (not read by an operation on differentiable values).
 * What cannot be seen counts: an abstract method with no implementation known, a JDK functional
 * interface ({@code Consumer.accept}) given a tensor, an ND4J op made with a tensor of a field.
 */
final class TensorWriters {
    private static final int MAX_DEPTH = 3;

    private final CallResolver calls;

    TensorWriters(CallResolver calls) {
        this.calls = calls;
    }

    /**
     * {@code Class.method (the in-place call)} for a body {@code call} may run that changes a
     * tensor in place that is neither its own nor an argument in {@code harmless} (indices among
     * the arguments, the receiver first); null when none does.
     */
    String writer(MethodInsnNode call, BitSet harmless, String caller) {
        return writer(call, harmless, caller, MAX_DEPTH, new HashSet<>());
    }

    /** {@code caller}: the class whose code makes the call, whose lambdas of the called interface count too. */
    private String writer(MethodInsnNode call, BitSet harmless, String caller, int depth, Set<String> inProgress) {
        if (depth == 0) return null;
        Type[] args = Type.getArgumentTypes(call.desc);
        int first = call.getOpcode() == Opcodes.INVOKESTATIC ? 0 : 1;
        if (CallResolver.isJdk(call.owner)) {
            if (!isFunctional(call)) return null;
            for (int k = 0; k < args.length; k++) {
                if (TensorWrites.mayHoldTensor(args[k]) && !harmless.get(first + k)) {
                    return simpleName(call.owner) + "." + call.name + " (an implementation grad4j cannot see)";
                }
            }
            return null;
        }
        List<String[]> bodies = calls.implementations(call, caller);
        if (bodies == null) { // virtual, and the loaded classes are not known: the body it names, if any
            ClassNode d = calls.declaringClass(call.owner, call.name, call.desc);
            MethodNode m = d == null ? null : ClassFiles.method(d, call.name, call.desc);
            bodies = m != null && (m.access & (Opcodes.ACC_ABSTRACT | Opcodes.ACC_NATIVE)) == 0
                    ? List.<String[]>of(new String[] {d.name, call.name, call.desc}) : List.of();
        }
        if (bodies.isEmpty()) { // abstract or unreadable: what it is given may be changed
            for (int k = 0; k < first + args.length; k++) {
                Type t = k < first ? Type.getObjectType(call.owner) : args[k - first];
                if (TensorWrites.mayHoldTensor(t) && !harmless.get(k)) {
                    return simpleName(call.owner) + "." + call.name + " (no implementation grad4j can see)";
                }
            }
            return null;
        }
        for (String[] body : bodies) {
            String found = body.length > 3 ? lambdaWriter(body, harmless, depth, inProgress)
                    : writerIn(body[0], body[1], body[2], harmless, depth, inProgress);
            if (found != null) return found;
        }
        return null;
    }

    /**
     * A lambda's body ({@link CallResolver#implementations}: owner, name, descriptor, handle tag,
     * captured count), called as the interface method with {@code harmless} among its arguments
     * (the lambda object first). The body takes the captured values first, harmless when the
     * lambda object is (they are what it holds), then the interface method's arguments; a method
     * reference to an instance method takes its receiver among them.
     */
    private String lambdaWriter(String[] body, BitSet harmless, int depth, Set<String> inProgress) {
        int tag = Integer.parseInt(body[3]);
        int captured = Integer.parseInt(body[4]);
        boolean isStatic = tag == Opcodes.H_INVOKESTATIC;
        int n = (isStatic || tag == Opcodes.H_NEWINVOKESPECIAL ? 0 : 1) + Type.getArgumentTypes(body[2]).length;
        BitSet inner = new BitSet();
        for (int j = 0; j < n; j++) if (j < captured ? harmless.get(0) : harmless.get(1 + j - captured)) inner.set(j);
        if (tag == Opcodes.H_NEWINVOKESPECIAL) { // Foo::new: what the constructor is given may be kept and changed
            return inner.cardinality() == n ? null : simpleName(body[0]) + ".<init> (a constructor reference)";
        }
        int opcode = switch (tag) {
            case Opcodes.H_INVOKESTATIC -> Opcodes.INVOKESTATIC;
            case Opcodes.H_INVOKEINTERFACE -> Opcodes.INVOKEINTERFACE;
            case Opcodes.H_INVOKESPECIAL -> Opcodes.INVOKESPECIAL;
            default -> Opcodes.INVOKEVIRTUAL;
        };
        MethodInsnNode call = new MethodInsnNode(opcode, body[0], body[1], body[2], tag == Opcodes.H_INVOKEINTERFACE);
        if (body[0].startsWith("org/nd4j/")) { // a method reference to ND4J (INDArray::negi, Transforms::tanh)
            BitSet written = TensorWrites.mayWrite(call, false, calls.ruleOf(call) != null);
            for (int k = written.nextSetBit(0); k >= 0; k = written.nextSetBit(k + 1)) {
                if (!inner.get(k)) return simpleName(body[0]) + "." + body[1] + " (a method reference)";
            }
            return null;
        }
        return writer(call, inner, body[0], depth, inProgress);
    }

    private String writerIn(String owner, String name, String desc, BitSet harmless, int depth, Set<String> inProgress) {
        String key = owner + "." + name + desc + harmless;
        if (!inProgress.add(key)) return null; // recursion: the other calls decide
        ClassNode declaring = calls.classNode(owner);
        MethodNode method = declaring == null ? null : ClassFiles.method(declaring, name, desc);
        if (method == null || method.instructions == null || method.instructions.size() == 0) return null;
        Frame<SourceValue>[] frames;
        Map<AbstractInsnNode, Integer> parameters = new IdentityHashMap<>();
        try {
            frames = new Analyzer<>(new ParameterSources(parameters)).analyze(declaring.name, method);
        } catch (AnalyzerException e) {
            return simpleName(owner) + "." + name + " (its bytecode could not be analysed)";
        }
        Body b = new Body(method, frames, harmless, parameters);
        AbstractInsnNode[] insns = method.instructions.toArray();
        for (int i = 0; i < insns.length; i++) {
            if (frames[i] == null || !(insns[i] instanceof MethodInsnNode inner)) continue;
            Type[] args = Type.getArgumentTypes(inner.desc);
            int first = inner.getOpcode() == Opcodes.INVOKESTATIC ? 0 : 1;
            int n = first + args.length;
            Frame<SourceValue> frame = frames[i];
            java.util.function.IntFunction<SourceValue> arg = k -> frame.getStack(frame.getStackSize() - n + k);
            String here = Activity.methodName(owner, name) + " (" + simpleName(inner.owner) + "." + inner.name + ")";
            if (inner.owner.startsWith("org/nd4j/")) {
                if (inner.name.equals("<init>")) { // an op made with a tensor not its own may write it when run
                    for (int k = 1; k < n; k++) {
                        if (TensorWrites.mayHoldTensor(args[k - 1]) && !b.fresh(arg.apply(k), 0)) {
                            return simpleName(owner) + "." + name + " (new " + simpleName(inner.owner) + ")";
                        }
                    }
                    continue;
                }
                boolean dupTrue = insns[i].getPrevious() != null && insns[i].getPrevious().getOpcode() == Opcodes.ICONST_1;
                BitSet written = TensorWrites.mayWrite(inner, dupTrue, calls.ruleOf(inner) != null);
                for (int k = written.nextSetBit(0); k >= 0; k = written.nextSetBit(k + 1)) {
                    if (!b.fresh(arg.apply(k), 0)) return here;
                }
                continue;
            }
            if (inner.name.equals("<init>") && CallResolver.isJdk(inner.owner)) continue;
            BitSet innerHarmless = new BitSet();
            for (int k = 0; k < n; k++) {
                Type t = k < first ? Type.getObjectType(inner.owner) : args[k - first];
                if (!TensorWrites.mayHoldTensor(t) || b.fresh(arg.apply(k), 0)) innerHarmless.set(k);
            }
            String deeper = writer(inner, innerHarmless, owner, depth - 1, inProgress);
            if (deeper != null) return deeper;
        }
        return null;
    }

    /** A JDK functional interface, whose implementation (a lambda, a method reference) is the program's. */
    static boolean isFunctional(MethodInsnNode m) {
        return m.getOpcode() == Opcodes.INVOKEINTERFACE && (m.owner.startsWith("java/util/function/")
                || m.owner.equals("java/lang/Runnable") || m.owner.equals("java/util/concurrent/Callable")
                || m.owner.equals("java/util/Comparator"));
    }

    /**
     * A {@link SourceInterpreter} whose parameters come from a placeholder instruction each (not in
     * the method), mapped to its index among the arguments (the receiver first): a parameter
     * merged with a later store into its slot ({@code if (f) a = Nd4j.zeros(3); a.addi(1)}) stays
     * among the values the slot may hold.
     */
    private static final class ParameterSources extends SourceInterpreter {
        private final Map<AbstractInsnNode, Integer> parameters;

        ParameterSources(Map<AbstractInsnNode, Integer> parameters) {
            super(ASM9);
            this.parameters = parameters;
        }

        @Override
        public SourceValue newParameterValue(boolean isInstanceMethod, int local, Type type) {
            AbstractInsnNode placeholder = new VarInsnNode(type.getOpcode(Opcodes.ILOAD), local);
            parameters.put(placeholder, parameters.size());
            return new SourceValue(type.getSize(), placeholder);
        }
    }

    /** One body's instructions and frames, and which of its arguments may be changed freely. */
    private record Body(MethodNode method, Frame<SourceValue>[] frames, BitSet harmless,
            Map<AbstractInsnNode, Integer> parameters) {
        /** Whether every instruction that may have produced the value makes a new array, or passes a harmless argument on. */
        boolean fresh(SourceValue value, int depth) {
            if (value.insns.isEmpty() || depth > 12) return false;
            for (AbstractInsnNode source : value.insns) {
                Integer parameter = parameters.get(source);
                if (parameter != null) { // the parameter it held on entry
                    if (!harmless.get(parameter)) return false;
                    continue;
                }
                Frame<SourceValue> at = frames[method.instructions.indexOf(source)];
                boolean fresh = switch (source.getOpcode()) {
                    case Opcodes.ACONST_NULL, Opcodes.NEW -> true;
                    case Opcodes.ALOAD -> fresh(at.getLocal(((VarInsnNode) source).var), depth + 1);
                    case Opcodes.ASTORE, Opcodes.DUP, Opcodes.CHECKCAST -> fresh(at.getStack(at.getStackSize() - 1), depth + 1);
                    case Opcodes.INVOKEVIRTUAL, Opcodes.INVOKESTATIC, Opcodes.INVOKEINTERFACE -> freshResult((MethodInsnNode) source, at, depth);
                    default -> false;
                };
                if (!fresh) return false;
            }
            return true;
        }

        /** An ND4J call's result: a new array, or a view of (or the same as) arguments that are all fresh. */
        private boolean freshResult(MethodInsnNode m, Frame<SourceValue> at, int depth) {
            if (!m.owner.startsWith("org/nd4j/")) return false;
            Type[] args = Type.getArgumentTypes(m.desc);
            AbstractInsnNode prev = m.getPrevious();
            if (TensorWrites.isFreshResult(m, prev != null && prev.getOpcode() == Opcodes.ICONST_1)) return true;
            int first = m.getOpcode() == Opcodes.INVOKESTATIC ? 0 : 1;
            int n = first + args.length;
            for (int k = 0; k < n; k++) {
                Type t = k < first ? Type.getObjectType(m.owner) : args[k - first];
                if (TensorWrites.mayHoldTensor(t) && !fresh(at.getStack(at.getStackSize() - n + k), depth + 1)) return false;
            }
            return true;
        }
    }

    private static String simpleName(String internal) {
        return internal.substring(internal.lastIndexOf('/') + 1).replace('$', '.');
    }
}
