package org.grad4j.transformer.inline;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.IincInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.VarInsnNode;
import org.objectweb.asm.tree.analysis.Analyzer;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.BasicInterpreter;
import org.objectweb.asm.tree.analysis.BasicValue;

/**
 * Which local slots of a method's bytecode are live before each instruction: read on some path
 * from there before they are written. The lifted IR has its own ({@code analysis.Liveness});
 * this one is for passes that rewrite bytecode before lifting ({@link MutableObjects}).
 */
final class LocalLiveness {
    private LocalLiveness() {}

    /**
     * Live slots before each instruction (by index in the method's instruction list); null
     * entries for unreachable ones. For a method without exception handlers.
     */
    static BitSet[] before(String owner, MethodNode method) throws AnalyzerException {
        int n = method.instructions.size();
        List<List<Integer>> successors = new ArrayList<>();
        for (int i = 0; i < n; i++) successors.add(new ArrayList<>());
        Analyzer<BasicValue> edges = new Analyzer<>(new BasicInterpreter()) {
            @Override
            protected void newControlFlowEdge(int from, int to) {
                successors.get(from).add(to);
            }
        };
        var frames = edges.analyze(owner, method);
        AbstractInsnNode[] insns = method.instructions.toArray();
        BitSet[] live = new BitSet[n];
        for (int i = 0; i < n; i++) if (frames[i] != null) live[i] = new BitSet();
        for (boolean changed = true; changed; ) {
            changed = false;
            for (int i = n - 1; i >= 0; i--) {
                if (live[i] == null) continue;
                BitSet in = new BitSet();
                for (int s : successors.get(i)) if (live[s] != null) in.or(live[s]);
                AbstractInsnNode insn = insns[i];
                if (insn instanceof VarInsnNode v) {
                    if (v.getOpcode() >= Opcodes.ISTORE && v.getOpcode() <= Opcodes.ASTORE) in.clear(v.var);
                    else in.set(v.var);
                } else if (insn instanceof IincInsnNode inc) {
                    in.set(inc.var);
                }
                if (!in.equals(live[i])) {
                    live[i] = in;
                    changed = true;
                }
            }
        }
        return live;
    }
}
