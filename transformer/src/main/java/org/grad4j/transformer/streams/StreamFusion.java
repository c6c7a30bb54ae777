package org.grad4j.transformer.streams;

import java.util.List;
import org.grad4j.transformer.read.ClassFiles;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.analysis.Analyzer;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.BasicVerifier;

/**
 * Stream pipelines as loops, before anything else reads a class's code. A pipeline such as
 * {@code Arrays.stream(x).map(v -> v * v).sum()} or {@code IntStream.range(0, n).mapToDouble(i ->
 * w[i] * x[i]).sum()} becomes the loop it stands for ({@link FusedLoop}), with each lambda's
 * implementation called directly, so the rest of the pipeline differentiates it as code the user
 * could have written by hand: the elements read from the array, the lambda a small helper. The
 * JDK's streams are opaque library code that keeps lambdas as objects (a lambda capturing a
 * differentiable array cannot be one).
 *
 * <p>Only the code grad4j reads changes; the class the application runs is untouched, and the
 * loop computes the primal's values bit for bit. A pipeline that is not entirely of
 * {@link StreamOp}'s operations, or whose stream is kept in a variable, stays as written (and is
 * refused where it carries differentiable values). A method whose rewritten code the verifier
 * rejects stays as written too.
 */
public final class StreamFusion {
    private StreamFusion() {}

    /** Whether a call is one of the stream operations a pipeline may be made of (for messages about those that are not). */
    public static boolean isFusable(MethodInsnNode call) {
        return StreamOp.of(call) != null;
    }

    /**
     * Rewrites, in place, every pipeline of every method of the class that can be fused, and
     * every {@code Arrays.setAll} and {@code Arrays.sort} of a {@code double[]} ({@link SetAllLoops},
     * {@link SortLoops}).
     */
    public static void apply(ClassNode owner) {
        for (int m = 0; m < owner.methods.size(); m++) {
            MethodNode method = owner.methods.get(m);
            MethodNode fused = SortLoops.of(SetAllLoops.of(fused(owner.name, method)));
            if (fused != method) owner.methods.set(m, fused);
        }
    }

    /** The method with its pipelines fused, or the method itself when it has none (or none verifies). */
    static MethodNode fused(String owner, MethodNode written) {
        if ((written.access & (Opcodes.ACC_ABSTRACT | Opcodes.ACC_NATIVE)) != 0) return written;
        MethodNode method = withForEachAsStream(owner, written);
        List<StreamChain> chains = StreamChains.in(owner, method);
        if (chains.isEmpty()) return written;
        MethodNode copy = ClassFiles.copy(method);
        AbstractInsnNode[] copies = copy.instructions.toArray();
        int locals = method.maxLocals;
        int stack = 0;
        for (StreamChain chain : chains) {
            // each pipeline gets locals of its own: one may run inside another's arguments
            FusedLoop.Code code = FusedLoop.of(chain, locals);
            locals += code.locals();
            List<StreamChain.Link> links = chain.links();
            for (int i = 0; i < links.size(); i++) {
                StreamChain.Link link = links.get(i);
                AbstractInsnNode call = copies[method.instructions.indexOf(link.call())];
                if (link.lambda() != null) copy.instructions.remove(copies[method.instructions.indexOf(link.lambda())]);
                if (link.collector() != null) copy.instructions.remove(copies[method.instructions.indexOf(link.collector())]);
                if (link.op().kind() == StreamOp.Kind.UNBOX) { // and javac's checkcast Double before it
                    copy.instructions.remove(copies[method.instructions.indexOf(link.call().getPrevious())]);
                }
                if (i < links.size() - 1) {
                    copy.instructions.remove(call);
                } else {
                    copy.instructions.insert(call, code.insns());
                    copy.instructions.remove(call);
                }
                for (Type t : link.operands()) stack += t.getSize();
            }
        }
        copy.maxLocals = locals;
        copy.maxStack = method.maxStack + stack + 8; // captured values and an element, the sum's temporaries
        try {
            new Analyzer<>(new BasicVerifier()).analyze(owner, copy);
        } catch (AnalyzerException e) {
            return written;
        }
        return copy;
    }

    /** The collection types whose {@code forEach(Consumer)} a call may name: a {@link java.util.Collection} each. */
    private static final java.util.Set<String> COLLECTIONS = java.util.Set.of("java/util/Collection", "java/util/List",
            "java/util/Set", "java/util/ArrayList", "java/util/LinkedList", "java/util/Queue", "java/util/Deque",
            "java/util/ArrayDeque");

    /**
     * The method with {@code c.forEach(action)} of a collection written {@code
     * c.stream().forEach(action)}, which visits the same elements in the same order, so that it is
     * fused as that pipeline is; the method itself when it has none. The {@code stream()} call goes
     * right after the instruction that pushed the collection, the lambda staying right before
     * {@code forEach} ({@link StreamChains} fuses such a direct lambda). Only kept where a
     * pipeline fuses.
     */
    private static MethodNode withForEachAsStream(String owner, MethodNode method) {
        java.util.List<Integer> calls = new java.util.ArrayList<>();
        AbstractInsnNode[] insns = method.instructions.toArray();
        for (int i = 0; i < insns.length; i++) {
            if (insns[i] instanceof MethodInsnNode m && m.name.equals("forEach")
                    && m.desc.equals("(Ljava/util/function/Consumer;)V") && COLLECTIONS.contains(m.owner)) {
                calls.add(i);
            }
        }
        if (calls.isEmpty()) return method;
        org.objectweb.asm.tree.analysis.Frame<org.objectweb.asm.tree.analysis.SourceValue>[] sources;
        try {
            sources = new Analyzer<>(new org.objectweb.asm.tree.analysis.SourceInterpreter()).analyze(owner, method);
        } catch (AnalyzerException e) {
            return method;
        }
        MethodNode copy = ClassFiles.copy(method);
        AbstractInsnNode[] copies = copy.instructions.toArray();
        for (int i : calls) {
            var f = sources[i];
            java.util.Set<AbstractInsnNode> pushed = f == null ? java.util.Set.of() : f.getStack(f.getStackSize() - 2).insns;
            if (pushed.size() != 1) continue;
            AbstractInsnNode collection = pushed.iterator().next();
            if (collection.getOpcode() >= Opcodes.POP && collection.getOpcode() <= Opcodes.SWAP) continue; // a copy
            copy.instructions.insert(copies[method.instructions.indexOf(collection)], new MethodInsnNode(Opcodes.INVOKEINTERFACE,
                    "java/util/Collection", "stream", "()Ljava/util/stream/Stream;", true));
            copy.instructions.set(copies[i], new MethodInsnNode(Opcodes.INVOKEINTERFACE, "java/util/stream/Stream", "forEach",
                    "(Ljava/util/function/Consumer;)V", true));
        }
        return copy;
    }
}
