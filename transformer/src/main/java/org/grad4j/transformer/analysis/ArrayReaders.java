package org.grad4j.transformer.analysis;

import java.util.HashSet;
import java.util.Set;
import org.grad4j.transformer.inline.InlinedLines;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.VarInsnNode;
import org.objectweb.asm.tree.analysis.Analyzer;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.Frame;
import org.objectweb.asm.tree.analysis.SourceInterpreter;
import org.objectweb.asm.tree.analysis.SourceValue;

/**
 * Helpers that only read the arrays they are given: {@code int argmax(double[] w)},
 * {@code boolean allFinite(double[] w)}, {@code int[] resample(double[] weights, …)}. Called with
 * differentiable arrays, such a helper neither changes them nor returns anything a derivative
 * flows through, so it runs as written and its result is plain data — where a helper that might
 * write the arrays has to be differentiated, and one returning an {@code int} cannot be.
 *
 * <p>A method qualifies when every element store, {@code arraycopy} destination and
 * {@code Arrays.fill}/{@code sort} target is an array it allocated itself (followed through
 * locals other than its parameters', {@code dup} and casts back to its {@code new},
 * {@code clone} or {@code copyOf}), it stores nothing but {@code int}s and narrower into fields, makes no lambda, and calls only methods that qualify too
 * (always the same body: static, private, final or {@code super}; a few levels deep), constructors
 * of the program's given only numbers and strings (an exception's: they may set the new object's
 * fields), or JDK methods that are given no array or object beyond strings. Anything else — a virtual call, an
 * unreadable class — does not qualify: the helper is then treated as before.
 */
final class ArrayReaders {
    private static final int MAX_DEPTH = 3;

    private final CallResolver calls;

    /**
     * Whether a virtual call inside is answered by the implementations loaded now (each must only
     * read), rather than refused. Right where the answer only spares a check of differentiated code
     * ({@link CallResolver#mayWriteArrays}): an implementation loaded later is differentiated there
     * too, and its stores into an untracked array are stopped at run time ({@code Ctx.untrackedStore}).
     * Wrong where the answer lets a helper run as written, where nothing would stop it.
     */
    private final boolean loadedImplementations;

    ArrayReaders(CallResolver calls) {
        this(calls, false);
    }

    ArrayReaders(CallResolver calls, boolean loadedImplementations) {
        this.calls = calls;
        this.loadedImplementations = loadedImplementations;
    }

    /** Whether the method with exactly this body leaves every array it did not allocate as it found it. */
    boolean onlyReads(String owner, String name, String descriptor) {
        return whyNot(owner, name, descriptor) == null;
    }

    /**
     * Null when the method only reads the arrays it is given; else what in it may write one, with
     * its line: "it writes into an array it did not allocate (line 12)".
     */
    public String whyNot(String owner, String name, String descriptor) {
        return whyNot(owner, name, descriptor, 0, new HashSet<>());
    }

    private String whyNot(String owner, String name, String descriptor, int depth, Set<String> inProgress) {
        String key = owner + "." + name + descriptor;
        if (!inProgress.add(key)) return null; // recursion: the other calls decide
        if (depth > MAX_DEPTH) return "it calls helpers more than " + MAX_DEPTH + " levels deep";
        ClassNode declaring = calls.declaringClass(owner, name, descriptor);
        MethodNode method = declaring == null ? null : org.grad4j.transformer.read.ClassFiles.method(declaring, name, descriptor);
        if (method == null || (method.access & (Opcodes.ACC_ABSTRACT | Opcodes.ACC_NATIVE)) != 0) {
            return "the body of " + simple(owner) + "." + name + " cannot be read";
        }
        Frame<SourceValue>[] frames;
        try {
            frames = new Analyzer<>(new SourceInterpreter()).analyze(declaring.name, method);
        } catch (AnalyzerException e) {
            return "the bytecode of " + simple(owner) + "." + name + " could not be analysed";
        }
        AbstractInsnNode[] insns = method.instructions.toArray();
        int line = -1;
        for (int i = 0; i < insns.length; i++) {
            if (insns[i] instanceof org.objectweb.asm.tree.LineNumberNode n) line = n.line;
            Frame<SourceValue> frame = frames[i];
            if (frame == null) continue; // unreachable
            AbstractInsnNode insn = insns[i];
            int op = insn.getOpcode();
            String where = at(owner, name, line);
            String why = switch (op) {
                // an int[] (a histogram, a counter) holds no derivative and aliases no double[]
                case Opcodes.IASTORE, Opcodes.LASTORE, Opcodes.BASTORE, Opcodes.CASTORE, Opcodes.SASTORE -> null;
                case Opcodes.FASTORE, Opcodes.DASTORE, Opcodes.AASTORE -> isFresh(method, frames, stackFromTop(frame, 2), 0) ? null
                        : "it writes into an array it did not allocate" + where;
                case Opcodes.PUTFIELD, Opcodes.PUTSTATIC -> {
                    // an index or a flag may be kept; a number read from the arrays would lose its derivative
                    Type t = Type.getType(((org.objectweb.asm.tree.FieldInsnNode) insn).desc);
                    yield t.getSort() <= Type.INT || isOwnFieldInConstructor(method, frame, op) ? null
                            : "it stores a " + t.getClassName() + " in a field" + where;
                }
                case Opcodes.INVOKEDYNAMIC -> lambdaWhyNot((InvokeDynamicInsnNode) insn, where, depth, inProgress);
                case Opcodes.INVOKESTATIC, Opcodes.INVOKEVIRTUAL, Opcodes.INVOKESPECIAL, Opcodes.INVOKEINTERFACE -> {
                    MethodInsnNode call = (MethodInsnNode) insn;
                    String inner = callWhyNot(method, frames, frame, call, depth, inProgress);
                    yield inner == null ? null : inner.isEmpty()
                            ? "it calls " + simple(call.owner) + "." + call.name + ", which may write it" + where : inner;
                }
                default -> null;
            };
            if (why != null) return why;
        }
        return null;
    }

    /**
     * String concatenation, or a lambda (a comparator sorting a copy) whose body only reads in
     * turn: whatever it captures, it writes only arrays it allocates.
     */
    private String lambdaWhyNot(InvokeDynamicInsnNode indy, String where, int depth, Set<String> inProgress) {
        if (indy.bsm.getOwner().equals("java/lang/invoke/StringConcatFactory")) return null;
        if (indy.bsm.getOwner().equals("java/lang/invoke/LambdaMetafactory") && indy.bsmArgs.length > 1
                && indy.bsmArgs[1] instanceof org.objectweb.asm.Handle impl && !CallResolver.isJdk(impl.getOwner())
                && (impl.getTag() == Opcodes.H_INVOKESTATIC || impl.getTag() == Opcodes.H_INVOKESPECIAL)) {
            String inner = whyNot(impl.getOwner(), impl.getName(), impl.getDesc(), depth + 1, inProgress);
            return inner;
        }
        return "it makes a lambda grad4j cannot follow" + where;
    }

    private static String at(String owner, String name, int line) {
        return " (" + simple(owner) + "." + name + (line > 0 ? ", line " + InlinedLines.text(line) : "") + ")";
    }

    private static String simple(String internalName) {
        return internalName.substring(internalName.lastIndexOf('/') + 1).replace('$', '.');
    }

    /** Null when the call leaves the arrays alone, "" when it may not, or the reason found in its callee. */
    private String callWhyNot(MethodNode method, Frame<SourceValue>[] frames, Frame<SourceValue> frame,
                              MethodInsnNode call, int depth, Set<String> inProgress) {
        Type[] args = Type.getArgumentTypes(call.desc);
        int receiver = call.getOpcode() == Opcodes.INVOKESTATIC ? 0 : 1;
        java.util.function.IntFunction<SourceValue> arg = k -> stackFromTop(frame, args.length - 1 - k);
        if (call.owner.equals("java/lang/System") && call.name.equals("arraycopy")) {
            return isFresh(method, frames, arg.apply(2), 0) ? null : "";
        }
        if (call.owner.equals("java/util/Arrays")) {
            return switch (call.name) {
                case "fill", "sort", "parallelSort", "setAll", "parallelSetAll", "parallelPrefix" ->
                        isFresh(method, frames, arg.apply(0), 0) ? null : "";
                case "copyOf", "copyOfRange", "equals", "deepEquals", "hashCode", "deepHashCode", "toString",
                        "deepToString", "binarySearch", "mismatch", "compare", "stream" -> null;
                default -> "";
            };
        }
        if (call.owner.startsWith("[") && call.name.equals("clone")) return null;
        // comparators built from lambdas (comparingDouble(i -> v[i]), reversed()) and streams over
        // arrays (Arrays.stream(w).map(x -> x * x).sum()) call only those lambdas, followed where made
        if (call.owner.equals("java/util/Comparator") && !call.name.equals("compare")) return onlyLambdasMadeHere(args, arg);
        // text: formatting reads its arguments (javac's Object[] of boxes); a string's own methods write no
        // array of the program (kind.equals("tanh"), a switch on a string: hashCode and equals(Object))
        if (call.owner.equals("java/lang/String")) return null;
        if (call.owner.startsWith("java/util/stream/") && !call.name.equals("iterator") && !call.name.equals("spliterator")) {
            return onlyLambdasMadeHere(args, arg);
        }
        if (CallResolver.isJdk(call.owner)) {
            // a JDK method given only numbers and strings (Math, the boxes, an exception's message)
            for (Type t : args) if (!isPlain(t)) return "";
            return receiver == 0 || call.name.equals("<init>") || isPlain(Type.getObjectType(call.owner)) ? null : "";
        }
        if (call.name.equals("<init>")) {
            // a constructor of the program's given arrays may keep them; one given only numbers and strings
            // (an exception's, new DimensionError(a.length, b.length)) is followed like any exact method
            for (Type t : args) if (!isPlain(t)) return "";
            ClassNode made = calls.declaringClass(call.owner, call.name, call.desc);
            return made == null || !made.name.equals(call.owner) ? "" : whyNot(made.name, call.name, call.desc, depth + 1, inProgress);
        }
        ClassNode declaring = calls.declaringClass(call.owner, call.name, call.desc);
        if (declaring == null) return "";
        MethodNode target = org.grad4j.transformer.read.ClassFiles.method(declaring, call.name, call.desc);
        boolean exact = (target.access & (Opcodes.ACC_STATIC | Opcodes.ACC_PRIVATE | Opcodes.ACC_FINAL)) != 0
                || call.getOpcode() == Opcodes.INVOKESPECIAL || (declaring.access & Opcodes.ACC_FINAL) != 0;
        if (!exact && loadedImplementations) { // a layer calling its inner layer: each loaded one must only read
            java.util.List<String[]> bodies = calls.implementations(call);
            if (bodies == null) return "it calls " + simple(call.owner) + "." + call.name + ", whose implementations are not known";
            for (String[] b : bodies) {
                String inner = whyNot(b[0], b[1], b[2], depth + 1, inProgress);
                if (inner != null) return inner;
            }
            return null;
        }
        if (!exact) return "it calls " + simple(call.owner) + "." + call.name + ", which an override may replace";
        return whyNot(declaring.name, call.name, call.desc, depth + 1, inProgress);
    }

    /**
     * Null when every argument that is not plain (numbers, strings) nor a stream or comparator is a
     * lambda made here, whose body {@link #lambdaWhyNot} followed where it was made; "" when one
     * may be code from elsewhere (a consumer kept in a field) that could write an array.
     */
    private static String onlyLambdasMadeHere(Type[] args, java.util.function.IntFunction<SourceValue> arg) {
        for (int k = 0; k < args.length; k++) {
            Type t = args[k];
            if (isPlain(t) || t.getSort() == Type.OBJECT && (t.getInternalName().startsWith("java/util/stream/")
                    || t.getInternalName().equals("java/util/Comparator"))) {
                continue;
            }
            for (AbstractInsnNode source : arg.apply(k).insns) {
                if (!(source instanceof InvokeDynamicInsnNode indy)
                        || !indy.bsm.getOwner().equals("java/lang/invoke/LambdaMetafactory")) {
                    return "";
                }
            }
        }
        return null;
    }

    /** Numbers, characters, booleans, strings and string builders: nothing that holds a program's array. */
    private static boolean isPlain(Type t) {
        if (t.getSort() < Type.ARRAY) return true;
        if (t.getSort() != Type.OBJECT) return false;
        return switch (t.getInternalName()) {
            case "java/lang/String", "java/lang/StringBuilder", "java/lang/Double", "java/lang/Float", "java/lang/Integer",
                    "java/lang/Long", "java/lang/Boolean", "java/lang/Math", "java/lang/StrictMath" -> true;
            default -> t.getInternalName().endsWith("Exception") || t.getInternalName().endsWith("Error");
        };
    }

    /**
     * A constructor setting a field of the object it builds ({@code this.dims = d}): the object is
     * new, and the method that made it keeps it only as the rest of this analysis allows (thrown,
     * or in a local: a field or a call given it are checked there).
     */
    private static boolean isOwnFieldInConstructor(MethodNode method, Frame<SourceValue> frame, int op) {
        if (op != Opcodes.PUTFIELD || !method.name.equals("<init>")) return false;
        for (AbstractInsnNode source : stackFromTop(frame, 1).insns) {
            if (!(source instanceof VarInsnNode v) || v.getOpcode() != Opcodes.ALOAD || v.var != 0) return false;
        }
        return true;
    }

    /** The value {@code depth} entries below the top of the operand stack. */
    private static SourceValue stackFromTop(Frame<SourceValue> frame, int depth) {
        return frame.getStack(frame.getStackSize() - 1 - depth);
    }

    /** Whether every instruction that may have pushed the value pushes an int (an index). */
    private static boolean isInt(SourceValue value) {
        if (value.insns.isEmpty() || value.size != 1) return false;
        for (AbstractInsnNode source : value.insns) {
            int op = source.getOpcode();
            boolean integer = switch (op) {
                case Opcodes.ILOAD, Opcodes.BIPUSH, Opcodes.SIPUSH, Opcodes.ARRAYLENGTH, Opcodes.IALOAD,
                        Opcodes.D2I, Opcodes.F2I, Opcodes.L2I -> true;
                case Opcodes.GETFIELD, Opcodes.GETSTATIC -> ((org.objectweb.asm.tree.FieldInsnNode) source).desc.equals("I");
                case Opcodes.INVOKEVIRTUAL, Opcodes.INVOKESTATIC, Opcodes.INVOKESPECIAL, Opcodes.INVOKEINTERFACE ->
                        Type.getReturnType(((MethodInsnNode) source).desc).getSort() == Type.INT;
                default -> (op >= Opcodes.ICONST_M1 && op <= Opcodes.ICONST_5)
                        || (op >= Opcodes.IADD && op <= Opcodes.INEG && (op - Opcodes.IADD) % 4 == 0) // iadd … ineg
                        || op == Opcodes.ISHL || op == Opcodes.ISHR || op == Opcodes.IUSHR
                        || op == Opcodes.IAND || op == Opcodes.IOR || op == Opcodes.IXOR;
            };
            if (!integer) return false;
        }
        return true;
    }

    /**
     * Whether every instruction that may have produced the array value allocated it (or copied one).
     * A parameter's slot is never fresh, even where the method assigns it a new array on some path:
     * the analysis' value for it then names only that store.
     */
    private static boolean isFresh(MethodNode method, Frame<SourceValue>[] frames, SourceValue value, int depth) {
        if (value.insns.isEmpty() || depth > 8) return false; // a parameter (or too far to follow)
        int parameterSlots = (Type.getArgumentsAndReturnSizes(method.desc) >> 2) - ((method.access & Opcodes.ACC_STATIC) != 0 ? 1 : 0);
        for (AbstractInsnNode source : value.insns) {
            Frame<SourceValue> at = frames[method.instructions.indexOf(source)];
            boolean fresh = switch (source.getOpcode()) {
                case Opcodes.NEWARRAY, Opcodes.ANEWARRAY, Opcodes.MULTIANEWARRAY -> true;
                case Opcodes.ALOAD -> ((VarInsnNode) source).var >= parameterSlots
                        && isFresh(method, frames, at.getLocal(((VarInsnNode) source).var), depth + 1);
                case Opcodes.ASTORE, Opcodes.DUP, Opcodes.CHECKCAST -> isFresh(method, frames, stackFromTop(at, 0), depth + 1);
                // y[i] *= w[i] (and +=, -=): dup2 of the array and an int index, the array the lower of the two
                case Opcodes.DUP2 -> isInt(stackFromTop(at, 0)) && isFresh(method, frames, stackFromTop(at, 1), depth + 1);
                case Opcodes.INVOKEVIRTUAL, Opcodes.INVOKESTATIC -> {
                    MethodInsnNode m = (MethodInsnNode) source;
                    yield m.owner.startsWith("[") && m.name.equals("clone")
                            || m.owner.equals("java/util/Arrays") && m.name.startsWith("copyOf");
                }
                default -> false;
            };
            if (!fresh) return false;
        }
        return true;
    }
}
