package org.grad4j.transformer.analysis;

import java.util.Set;
import org.grad4j.transformer.ir.Const;
import org.grad4j.transformer.ir.Stmt;
import org.grad4j.transformer.ir.Types;
import org.grad4j.transformer.ir.Value;
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

    /** Static factories of {@code Nd4j} that copy what they are given. */
    private static final Set<String> FRESH_FACTORIES = Set.of("concat", "vstack", "hstack", "stack", "toFlattened",
            "create", "createFromArray", "zeros", "ones", "zerosLike", "onesLike", "valueArrayOf", "rand", "randn",
            "linspace", "arange", "eye", "scalar", "diag", "tile", "repeat", "createUninitialized");

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

    /** Whether an ND4J call's tensor result is a new array, sharing memory with none of its arguments. */
    static boolean isFreshResult(Stmt s) {
        MethodInsnNode m = (MethodInsnNode) s.insn();
        if (writtenArg(s) >= 0) return false; // returns the array it wrote
        if (m.owner.equals(TRANSFORMS)) return true;
        if (m.getOpcode() == Opcodes.INVOKESTATIC) {
            boolean tensorArgs = false;
            for (Value v : s.args()) tensorArgs |= v.kind() == Types.Kind.TENSOR || v.kind() == Types.Kind.SHADOWED;
            return !tensorArgs || FRESH_FACTORIES.contains(m.name);
        }
        return FRESH.contains(m.name);
    }
}
