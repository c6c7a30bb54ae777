package org.grad4j.transformer.streams;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.analysis.Analyzer;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.BasicInterpreter;
import org.objectweb.asm.tree.analysis.BasicValue;
import org.objectweb.asm.tree.analysis.Frame;
import org.objectweb.asm.tree.analysis.SourceInterpreter;
import org.objectweb.asm.tree.analysis.SourceValue;

/**
 * Finds the pipelines of a method that can become loops: from a terminal call back to its source,
 * every stream (or optional result) made by one call and consumed by the next straight off the
 * operand stack — never kept in a local, copied, or merged with another — and every call one of
 * {@link StreamOp}'s. Anything else (a stream in a variable, {@code sorted()}, a stream passed to a
 * method) leaves that pipeline as written.
 */
final class StreamChains {
    private final MethodNode method;
    private final AbstractInsnNode[] insns;
    private final Frame<SourceValue>[] sources;
    private final Frame<BasicValue>[] kinds;

    private StreamChains(MethodNode method, Frame<SourceValue>[] sources, Frame<BasicValue>[] kinds) {
        this.method = method;
        this.insns = method.instructions.toArray();
        this.sources = sources;
        this.kinds = kinds;
    }

    /** The method's fusable pipelines, none when it has no stream call or its code cannot be analysed. */
    static List<StreamChain> in(String owner, MethodNode method) {
        if (!callsStreams(method)) return List.of();
        try {
            return new StreamChains(method, new Analyzer<>(new SourceInterpreter()).analyze(owner, method),
                    new Analyzer<>(new BasicInterpreter()).analyze(owner, method)).find();
        } catch (AnalyzerException e) {
            return List.of();
        }
    }

    /** Whether a pipeline may start here: only then are the method's frames worth computing. */
    private static boolean callsStreams(MethodNode method) {
        for (AbstractInsnNode insn : method.instructions) {
            if (insn instanceof MethodInsnNode call && StreamOp.of(call) != null && StreamOp.of(call).kind().isSource()) return true;
        }
        return false;
    }

    private List<StreamChain> find() {
        List<StreamChain> found = new ArrayList<>();
        for (AbstractInsnNode insn : insns) {
            if (!(insn instanceof MethodInsnNode call)) continue;
            StreamOp op = StreamOp.of(call);
            if (op == null || op.out() != 0 || op.kind().isSource() || op.kind().givesHolder()) continue;
            StreamChain chain = chainEndingAt(call, op);
            if (chain != null) found.add(chain);
        }
        return found;
    }

    private StreamChain chainEndingAt(MethodInsnNode last, StreamOp lastOp) {
        List<StreamChain.Link> links = new ArrayList<>();
        MethodInsnNode call = last;
        StreamOp op = lastOp;
        while (true) {
            MethodInsnNode collector = null;
            if (op.kind() == StreamOp.Kind.COLLECT) {
                collector = collectorOf(call);
                if (collector == null) return null;
            }
            MethodInsnNode takesFunction = collector != null ? collector : call;
            InvokeDynamicInsnNode lambda = op.function() == null ? null : directLambda(takesFunction, op.function());
            links.add(new StreamChain.Link(call, op, lambda, collector));
            if (op.kind().isSource()) break;
            MethodInsnNode before = op.kind() == StreamOp.Kind.UNBOX ? collectedBy(call) : receiverMadeBy(call);
            StreamOp previous = before == null ? null : StreamOp.of(before);
            if (previous == null || previous.out() == 0 && !previous.kind().givesHolder()) return null;
            boolean fits = op.kind() == StreamOp.Kind.UNBOX ? previous.kind() == StreamOp.Kind.COLLECT
                    : op.kind().readsHolder() ? previous.kind().givesHolder() && previous.in() == op.in()
                    : !previous.kind().givesHolder() && previous.out() == op.in();
            if (!fits || !consumedOnlyBy(before, op.kind() == StreamOp.Kind.UNBOX ? call.getPrevious() : call)) return null;
            call = before;
            op = previous;
        }
        Collections.reverse(links);
        Type[] beneath = beneath(links.get(0).call());
        return beneath == null ? null : new StreamChain(List.copyOf(links), beneath);
    }

    /**
     * For {@code doubleValue()} of a collected sum, the {@code collect} call whose result it unboxes
     * through javac's {@code checkcast Double} right before it; null otherwise.
     */
    private MethodInsnNode collectedBy(MethodInsnNode unbox) {
        if (!(unbox.getPrevious() instanceof TypeInsnNode cast) || cast.getOpcode() != Opcodes.CHECKCAST
                || !cast.desc.equals("java/lang/Double")) {
            return null;
        }
        Frame<SourceValue> at = sources[index(cast)];
        if (at == null) return null;
        Set<AbstractInsnNode> made = at.getStack(at.getStackSize() - 1).insns;
        return made.size() == 1 && made.iterator().next() instanceof MethodInsnNode m ? m : null;
    }

    /** The {@code Collectors.summingDouble(f)} (or {@code averagingDouble}) call right before a {@code collect}. */
    private MethodInsnNode collectorOf(MethodInsnNode collect) {
        AbstractInsnNode before = collect.getPrevious();
        while (before != null && before.getOpcode() < 0) before = before.getPrevious();
        if (!(before instanceof MethodInsnNode m) || !m.owner.equals("java/util/stream/Collectors")
                || !StreamOp.COLLECTORS.contains(m.name)
                || !m.desc.equals("(Ljava/util/function/ToDoubleFunction;)Ljava/util/stream/Collector;")) {
            return null;
        }
        Frame<SourceValue> at = sources[index(collect)];
        return at != null && at.getStack(at.getStackSize() - 1).insns.equals(Set.of(m)) ? m : null;
    }

    /** The call that made the receiver of {@code call}, when exactly one did. */
    private MethodInsnNode receiverMadeBy(MethodInsnNode call) {
        Frame<SourceValue> at = sources[index(call)];
        if (at == null) return null;
        int receiver = at.getStackSize() - 1 - Type.getArgumentTypes(call.desc).length;
        Set<AbstractInsnNode> made = at.getStack(receiver).insns;
        return made.size() == 1 && made.iterator().next() instanceof MethodInsnNode m ? m : null;
    }

    /**
     * Whether the value {@code maker} pushes stays where it is, untouched, until {@code user} takes
     * it: every instruction in between runs above it on the operand stack and none copies it.
     */
    private boolean consumedOnlyBy(MethodInsnNode maker, AbstractInsnNode user) {
        int from = index(maker), to = index(user);
        if (from >= to || sources[from + 1] == null) return false;
        int depth = sources[from + 1].getStackSize() - 1;
        for (int i = from + 1; i <= to; i++) {
            Frame<SourceValue> f = sources[i];
            if (f == null || f.getStackSize() <= depth || !f.getStack(depth).insns.equals(Set.of(maker))) return false;
            if (f.getStackSize() - valuesShuffled(insns[i].getOpcode(), f) <= depth) return false; // a copy, a pop
        }
        return true;
    }

    /**
     * How many values from the top of the stack a pop, dup or swap reads (a long or a double is one
     * value, and the forms of {@code pop2}, {@code dup2…} depend on it); 0 for other instructions.
     */
    private static int valuesShuffled(int opcode, Frame<SourceValue> f) {
        boolean wideTop = f.getStackSize() > 0 && f.getStack(f.getStackSize() - 1).getSize() == 2;
        return switch (opcode) {
            case Opcodes.POP, Opcodes.DUP -> 1;
            case Opcodes.SWAP, Opcodes.DUP_X1 -> 2;
            case Opcodes.POP2, Opcodes.DUP2 -> wideTop ? 1 : 2;
            case Opcodes.DUP2_X1 -> wideTop ? 2 : 3;
            case Opcodes.DUP_X2, Opcodes.DUP2_X2 -> 4; // at most; reading fewer only makes this stricter
            default -> 0;
        };
    }

    /** The {@code invokedynamic} making the call's functional argument right before it, when called directly. */
    private InvokeDynamicInsnNode directLambda(MethodInsnNode call, StreamOp.Function function) {
        AbstractInsnNode before = call.getPrevious();
        while (before != null && before.getOpcode() < 0) before = before.getPrevious(); // labels, lines
        if (!(before instanceof InvokeDynamicInsnNode indy) || !StreamChain.isDirectLambda(indy, function)) return null;
        Frame<SourceValue> at = sources[index(call)];
        return at.getStack(at.getStackSize() - 1).insns.equals(Set.of(indy)) ? indy : null;
    }

    /**
     * The types of what waits beneath the source's arguments, or null when one of them is an
     * object under construction ({@code new Result(Arrays.stream(x).sum())}), which no local can hold.
     */
    private Type[] beneath(MethodInsnNode source) {
        int at = index(source);
        Frame<BasicValue> k = kinds[at];
        Frame<SourceValue> s = sources[at];
        if (k == null || s == null) return null;
        int below = k.getStackSize() - Type.getArgumentTypes(source.desc).length
                - (source.getOpcode() == Opcodes.INVOKESTATIC ? 0 : 1); // list.stream(): the list
        Type[] types = new Type[below];
        for (int i = 0; i < below; i++) {
            BasicValue v = k.getStack(i);
            if (v.getType() == null || v == BasicValue.RETURNADDRESS_VALUE || underConstruction(s.getStack(i))) return null;
            types[i] = v.getType();
        }
        return types;
    }

    private boolean underConstruction(SourceValue v) {
        for (AbstractInsnNode made : v.insns) {
            if (made.getOpcode() == Opcodes.NEW) return true;
            if (made.getOpcode() == Opcodes.DUP) {
                Frame<SourceValue> f = sources[index(made)];
                if (f == null || underConstruction(f.getStack(f.getStackSize() - 1))) return true;
            }
        }
        return false;
    }

    private int index(AbstractInsnNode insn) {
        return method.instructions.indexOf(insn);
    }
}
