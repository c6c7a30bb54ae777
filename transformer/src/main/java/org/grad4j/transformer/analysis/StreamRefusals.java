package org.grad4j.transformer.analysis;

import org.grad4j.transformer.ir.Block;
import org.grad4j.transformer.ir.MethodIr;
import org.grad4j.transformer.ir.Stmt;
import org.grad4j.transformer.ir.Value;
import org.grad4j.transformer.streams.StreamFusion;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.MethodInsnNode;

/**
 * What to tell a user whose stream was not fused into a loop (see {@code StreamFusion}): which
 * operation, or which use of the stream, kept it a stream. Part of {@link Activity}'s checks.
 */
final class StreamRefusals {
    private StreamRefusals() {}

    static final String REMEDY = "grad4j differentiates a stream written as one expression from Arrays.stream, "
            + "DoubleStream.of, Stream.of, IntStream.range or a collection's stream() through map, mapToDouble, "
            + "mapToObj, filter, peek, limit and skip to sum, average, max, min, reduce, count, toArray() of a DoubleStream, forEach, a match, "
            + "findFirst, or "
            + "collect(Collectors.summingDouble(...)) or averagingDouble, with getAsDouble(), orElse(v) or orElseThrow() "
            + "on an optional result. Write it as one such expression, or as a loop over the array.";

    /**
     * Why the stream {@code source} makes was not fused: the first call along its pipeline that
     * is not one grad4j fuses, or the stream (or its optional result) kept in a variable; "" when
     * neither is found.
     */
    static String whyNotFused(MethodIr ir, Stmt source) {
        Value stream = source.result();
        for (Block b : ir.blocks()) {
            for (Stmt s : b.stmts()) {
                if (stream == null) return "";
                if (!s.args().contains(stream) || !(s.insn() instanceof MethodInsnNode m)) continue;
                if (keptInASlot(ir, stream)) return ": the stream (or its optional result) is kept in a variable";
                if (!StreamFusion.isFusable(m)) return ": " + notFused(m, s.args().get(0) == stream && !isStatic(m));
                stream = s.result();
            }
        }
        return stream != null && keptInASlot(ir, stream) ? ": the stream (or its optional result) is kept in a variable" : "";
    }

    /**
     * For a lambda capturing a differentiable value that is given to a stream operation (which grad4j
     * would have fused, lambda and all, had the whole pipeline been fusable): the first operation of
     * the method's streams that is not fused; null for a lambda given to anything else.
     */
    static String unfusedOperation(MethodIr ir, Stmt lambda) {
        if (!givenToAStream(ir, lambda.result())) return null;
        for (Block b : ir.blocks()) {
            for (Stmt s : b.stmts()) {
                if (s.insn() instanceof MethodInsnNode m && isStreamApi(m) && !StreamFusion.isFusable(m)) return notFused(m, true);
            }
        }
        return null;
    }

    private static boolean givenToAStream(MethodIr ir, Value lambda) {
        for (Block b : ir.blocks()) {
            for (Stmt s : b.stmts()) {
                if (s.args().contains(lambda) && s.insn() instanceof MethodInsnNode m
                        && (isStreamApi(m) || m.owner.equals("java/util/stream/Collectors"))) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String notFused(MethodInsnNode m, boolean onTheStream) {
        String call = simple(m.owner) + "." + m.name + "(" + parameters(m) + ")";
        boolean rows = m.name.equals("toArray") && m.desc.startsWith("(Ljava/util/function/IntFunction;"); // a copy of rows
        return onTheStream && isStreamApi(m) ? call + " is not one of the operations grad4j runs as a loop"
                + (rows ? " (to copy a matrix, loop: c[i] = m[i].clone())" : "")
                : "the stream is passed to " + call + ", which is not a stream operation";
    }

    private static boolean isStreamApi(MethodInsnNode m) {
        return m.owner.startsWith("java/util/stream/") || m.owner.startsWith("java/util/Optional")
                || m.owner.equals("java/util/Arrays") && m.name.equals("stream");
    }

    private static boolean isStatic(MethodInsnNode m) {
        return m.getOpcode() == org.objectweb.asm.Opcodes.INVOKESTATIC;
    }

    private static boolean keptInASlot(MethodIr ir, Value v) {
        for (Block b : ir.blocks()) if (b.exitValues().containsValue(v)) return true;
        return false;
    }

    private static String parameters(MethodInsnNode m) {
        StringBuilder out = new StringBuilder();
        for (Type t : Type.getArgumentTypes(m.desc)) {
            if (out.length() > 0) out.append(", ");
            out.append(simple(t.getClassName().replace('.', '/')));
        }
        return out.toString();
    }

    private static String simple(String internal) {
        return internal.substring(internal.lastIndexOf('/') + 1).replace('$', '.');
    }
}
