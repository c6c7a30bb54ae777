package org.grad4j.transformer.analysis;

import java.util.BitSet;
import java.util.Set;
import org.grad4j.transformer.ir.Const;
import org.grad4j.transformer.ir.Stmt;
import org.grad4j.transformer.ir.Types;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.MethodInsnNode;

/**
 * What an ND4J call does to the memory of its tensor arguments: which one it changes in place,
 * and whether its result is a new array or may share memory with its arguments (a view, or the
 * receiver itself). Names only, so that the transformer needs no ND4J; where a name is not
 * known the answer is the cautious one (a result may share memory).
 */
final class TensorWrites {
    static final String TRANSFORMS = "org/nd4j/linalg/ops/transforms/Transforms";

    private static final Set<String> IN_PLACE = Set.of("addi", "subi", "muli", "divi", "rsubi", "rdivi", "negi",
            "addiRowVector", "addiColumnVector", "subiRowVector", "subiColumnVector", "muliRowVector",
            "muliColumnVector", "diviRowVector", "diviColumnVector", "rsubiRowVector", "rsubiColumnVector",
            "rdiviRowVector", "rdiviColumnVector", "mmuli", "transposei", "fmodi", "remainderi", "cumsumi",
            "replaceWhere", "applyScalarMask");

    /** Instance methods whose result is a new array (the out-of-place arithmetic and reductions). */
    private static final Set<String> FRESH = Set.of("dup", "add", "sub", "mul", "div", "rsub", "rdiv", "neg", "mmul",
            "addRowVector", "addColumnVector", "subRowVector", "subColumnVector", "mulRowVector", "mulColumnVector",
            "divRowVector", "divColumnVector", "rsubRowVector", "rsubColumnVector", "rdivRowVector",
            "rdivColumnVector", "sum", "mean", "std", "var", "max", "min", "prod", "norm1", "norm2", "normmax",
            "amax", "amin", "argMax", "cumsum", "fmod", "remainder", "eq", "neq", "gt", "gte", "lt", "lte", "isInfinite",
            "isNaN", "like", "ulike");

    /** Static factories of {@code Nd4j} given tensors that only read them (their shape or values). */
    private static final Set<String> READING_FACTORIES = Set.of("concat", "vstack", "hstack", "stack", "toFlattened",
            "create", "createFromArray", "zerosLike", "onesLike", "emptyLike", "createUninitialized", "valueArrayOf",
            "tile", "repeat", "diag", "pullRows", "scalar", "linspace", "arange", "eye");

    /**
     * {@code Transforms} functions that leave their arguments alone: those with a
     * {@code (..., boolean dup)} overload (the overload without the flag copies), and the
     * distances and products. Any other (unitVec, normalizeZeroMeanAndUnitVariance, isMax, eps, and, or,
     * xor, not) may change its argument.
     */
    private static final Set<String> TRANSFORMS_OUT_OF_PLACE = Set.of("abs", "acos", "asin", "atan", "atanh", "ceil",
            "ceiling", "cos", "cosh", "elu", "eluDerivative", "exp", "floor", "greaterThanOrEqual", "hardTanh",
            "hardTanhDerivative", "identity", "leakyRelu", "leakyReluDerivative", "lessThanOrEqual", "log", "max", "min",
            "neg", "pow", "relu", "relu6", "round", "sigmoid", "sigmoidDerivative", "sign", "sin", "sinh", "softPlus",
            "softmax", "softsign", "softsignDerivative", "sqrt", "stabilize", "step", "tan", "tanh", "allCosineDistances",
            "allCosineSimilarities", "allEuclideanDistances", "allManhattanDistances", "atan2", "cosineDistance",
            "cosineSim", "cross", "dot", "euclideanDistance", "hammingDistance", "jaccardDistance", "manhattanDistance");

    private TensorWrites() {}

    /** An ND4J call site (not a constructor). */
    static boolean isNd4j(Stmt s) {
        return s.insn() instanceof MethodInsnNode m && m.owner.startsWith("org/nd4j/") && !s.isNewInit();
    }

    /**
     * A {@code Transforms} overload taking {@code (..., boolean dup)}: with {@code dup == true}
     * it returns a new array, with {@code false} it overwrites its first argument.
     */
    static boolean isDupOverload(MethodInsnNode m) {
        Type[] args = Type.getArgumentTypes(m.desc);
        return m.owner.equals(TRANSFORMS) && args.length > 1 && args[args.length - 1].getSort() == Type.BOOLEAN
                && Types.kind(args[0]) == Types.Kind.TENSOR;
    }

    /** A {@code Transforms} dup overload called with the constant {@code true}: out of place. */
    static boolean isDupTrue(Stmt s, MethodInsnNode m) {
        return isDupOverload(m) && s.arg(s.args().size() - 1) instanceof Const c && c.isInt(1);
    }

    /** The index in {@code s.args()} of the tensor an ND4J call changes in place, or -1. */
    static int writtenArg(Stmt s) {
        if (!isNd4j(s)) return -1;
        MethodInsnNode m = (MethodInsnNode) s.insn();
        return writtenArg(m, isDupTrue(s, m));
    }

    /**
     * The index among a call's arguments (the receiver first) of the tensor it changes in place,
     * or -1; {@code dupTrue}: a {@code Transforms} dup flag is the constant {@code true}.
     */
    static int writtenArg(MethodInsnNode m, boolean dupTrue) {
        if (!m.owner.startsWith("org/nd4j/") || m.name.startsWith("<")) return -1;
        if (isDupOverload(m)) return dupTrue ? -1 : 0;
        int params = Type.getArgumentTypes(m.desc).length;
        if (m.getOpcode() == Opcodes.INVOKESTATIC) {
            // Nd4j.copy(from, to) and gemm(a, b, c, ...) write into an argument
            if (m.name.equals("copy") && params == 2) return 1;
            if (m.name.equals("gemm") && params == 7) return 2;
            // (ND4J 1.0.0-M2.1) unitVec(x) divides x itself by its norm, and normalizeZeroMeanAndUnitVariance(x) changes x
            if (m.owner.equals(TRANSFORMS) && params == 1 && (m.name.equals("unitVec") || m.name.equals("normalizeZeroMeanAndUnitVariance"))) {
                return 0;
            }
            return -1;
        }
        if (!Types.INDARRAY.equals(m.owner) && !m.owner.startsWith("org/nd4j/linalg/api/ndarray/")) return -1;
        String n = m.name;
        if (IN_PLACE.contains(n) || n.startsWith("put") || n.startsWith("assign")) return 0;
        // x.add(y, result), x.mmul(y, result): the result array is written
        Type[] args = Type.getArgumentTypes(m.desc);
        boolean twoTensors = args.length == 2 && Types.kind(args[0]) == Types.Kind.TENSOR
                && Types.kind(args[1]) == Types.Kind.TENSOR;
        return FRESH.contains(n) && twoTensors ? 2 : -1;
    }

    /**
     * The arguments (the receiver first) an ND4J call may change in place, for a call made on
     * data: {@link #writtenArg} where the call is known to write, and else, unless the call is
     * known to leave its arguments alone ({@code ruled}: it has a rule; an {@code INDArray}
     * method without the in-place {@code i} suffix, {@code put}, {@code assign} or {@code set}; a
     * reading factory of {@code Nd4j}; an out-of-place {@code Transforms} function), every
     * argument that may hold a tensor ({@link #mayHoldTensor}): {@code replaceWhere(c, ...)},
     * {@code Nd4j.rand(c)}, {@code exec(op)} with an op made with {@code c},
     * {@code normalizeZeroMeanAndUnitVariance(c)}.
     */
    static BitSet mayWrite(MethodInsnNode m, boolean dupTrue, boolean ruled) {
        BitSet w = new BitSet();
        if (!m.owner.startsWith("org/nd4j/") || m.name.startsWith("<")) return w;
        int known = writtenArg(m, dupTrue);
        if (known >= 0) w.set(known);
        if (ruled || isDupOverload(m)) return w;
        Type[] params = Type.getArgumentTypes(m.desc);
        boolean isStatic = m.getOpcode() == Opcodes.INVOKESTATIC;
        int first = isStatic ? 0 : 1;
        boolean tensorArgs = false;
        for (Type t : params) tensorArgs |= mayHoldTensor(t);
        if (Types.INDARRAY.equals(m.owner) || m.owner.startsWith("org/nd4j/linalg/api/ndarray/")) {
            String n = m.name;
            if (n.endsWith("i") || n.endsWith("iRowVector") || n.endsWith("iColumnVector") || n.startsWith("put")
                    || n.startsWith("assign") || n.startsWith("set") || n.startsWith("fill") || n.equals("close")) {
                w.set(0);
            }
            // a second tensor argument may be where the result goes: x.addi(y, result), x.mmul(y, result)
            int tensors = 0;
            for (int k = 0; k < params.length; k++) {
                if (Types.kind(params[k]) == Types.Kind.TENSOR && ++tensors > 1) w.set(first + k);
            }
            return w;
        }
        if (!tensorArgs && isStatic) return w;
        if (m.owner.equals(TRANSFORMS) && TRANSFORMS_OUT_OF_PLACE.contains(m.name)) return w;
        if (m.owner.equals("org/nd4j/linalg/factory/Nd4j") && READING_FACTORIES.contains(m.name)) return w;
        // queries: whether any (or) or every (and) element meets a condition
        if (m.owner.equals("org/nd4j/linalg/indexing/BooleanIndexing") && (m.name.equals("and") || m.name.equals("or"))) return w;
        if (!isStatic && mayHoldTensor(Type.getObjectType(m.owner))) w.set(0);
        for (int k = 0; k < params.length; k++) if (mayHoldTensor(params[k])) w.set(first + k);
        return w;
    }

    /** {@link #mayWrite} of a statement: its dup flag read from the constant it is given. */
    static BitSet mayWrite(Stmt s, boolean ruled) {
        if (!isNd4j(s)) return new BitSet();
        MethodInsnNode m = (MethodInsnNode) s.insn();
        return mayWrite(m, isDupTrue(s, m), ruled);
    }

    /**
     * A type whose values may be, hold or lead to a tensor: {@code INDArray}, an array of
     * references, {@code Object}, a collection, an ND4J object (an op, a data buffer). Not
     * numbers, strings, primitive arrays, {@code DataType}, conditions or indices.
     */
    static boolean mayHoldTensor(Type t) {
        if (t.getSort() == Type.ARRAY) return t.getElementType().getSort() >= Type.ARRAY;
        if (t.getSort() != Type.OBJECT) return false;
        String n = t.getInternalName();
        if (n.startsWith("org/nd4j/")) {
            return !n.equals("org/nd4j/linalg/api/buffer/DataType") && !n.startsWith("org/nd4j/linalg/indexing/")
                    && !n.equals("org/nd4j/linalg/api/rng/Random") && !n.startsWith("org/nd4j/linalg/api/shape/");
        }
        if (n.startsWith("java/lang/")) return n.equals("java/lang/Object") || n.equals("java/lang/Iterable");
        return true;
    }

    /**
     * {@code Nd4j} factories that copy the tensors they are given into a new array; any other
     * given something that may hold a tensor's memory ({@code Nd4j.create(c.data(), shape)} wraps
     * {@code c}'s buffer) may return an array that shares it.
     */
    private static final Set<String> COPYING_FACTORIES = Set.of("concat", "vstack", "hstack", "stack", "toFlattened",
            "zerosLike", "onesLike", "tile", "repeat", "diag");

    /** Whether an ND4J call's tensor result is a new array, sharing memory with none of its arguments. */
    static boolean isFreshResult(Stmt s) {
        MethodInsnNode m = (MethodInsnNode) s.insn();
        return isFreshResult(m, isDupTrue(s, m));
    }

    /** {@link #isFreshResult(Stmt)} of a call instruction; {@code dupTrue}: a {@code Transforms} dup flag is {@code true}. */
    static boolean isFreshResult(MethodInsnNode m, boolean dupTrue) {
        if (!m.owner.startsWith("org/nd4j/") || m.name.startsWith("<")) return false;
        if (!mayWrite(m, dupTrue, false).isEmpty()) return false; // may return the array it wrote
        if (m.owner.equals(TRANSFORMS)) return true;
        if (m.getOpcode() != Opcodes.INVOKESTATIC) return FRESH.contains(m.name);
        boolean memoryArgs = false;
        for (Type t : Type.getArgumentTypes(m.desc)) memoryArgs |= mayHoldMemory(t);
        return !memoryArgs || m.owner.equals("org/nd4j/linalg/factory/Nd4j") && COPYING_FACTORIES.contains(m.name);
    }

    /**
     * A type whose values may be or hold a tensor's memory: {@link #mayHoldTensor}, an array of
     * them; not an array of numbers or boxes ({@code Nd4j.createFromArray(Double[])} copies).
     */
    private static boolean mayHoldMemory(Type t) {
        return t.getSort() == Type.ARRAY ? mayHoldMemory(t.getElementType()) : mayHoldTensor(t);
    }
}
